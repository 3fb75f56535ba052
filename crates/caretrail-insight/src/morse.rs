//! Morse Fall Scale.
//!
//! Source: Morse, Morse & Tylko, *Development of a scale to identify the fall-prone patient*,
//! Canadian Journal on Aging 8(4), 1989, and the Morse Fall Scale manuals; item points and the
//! banding as fixed in `reference/instruments.md` §morse. Published banding schemes disagree at
//! the edges: the default is Morse's 1989 cut-off of 45, inclusive (0–24 low, 25–44 moderate,
//! ≥ 45 high). The other common scheme (0–24 / 25–50 / ≥ 51) is available as
//! [`Banding::Cutoff51`] for a deployment that configures it.
//!
//! NICE NG249 (2025) advises against relying on falls-risk prediction tools: the score is a
//! structured record of six findings, never a prediction on its own.

use caretrail_core::data::{AmbulatoryAid, Gait, MentalStatus};
use caretrail_core::problem::InputError;
use serde::{Deserialize, Serialize};

use crate::input;

/// The instrument's name in the contract.
pub const NAME: &str = "morse";
/// Version of these rules; stamped on every result and flag.
pub const VERSION: &str = "1.0.0";

/// `{"history_of_falling":true,"secondary_diagnosis":true,"ambulatory_aid":"crutches_cane_walker",
/// "iv_or_heparin_lock":false,"gait":"weak","mental_status":"forgets_limitations"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MorseInput {
    /// A fall in the past 3 months, or this admission.
    pub history_of_falling: bool,
    /// More than one medical diagnosis.
    pub secondary_diagnosis: bool,
    /// `none` (including bed rest or nurse assist), `crutches_cane_walker` or `furniture`.
    pub ambulatory_aid: AmbulatoryAid,
    /// IV therapy or a heparin (saline) lock.
    pub iv_or_heparin_lock: bool,
    /// `normal` (including bed rest or wheelchair), `weak` or `impaired`.
    pub gait: Gait,
    /// `oriented` (knows own ability) or `forgets_limitations` (overestimates or forgets).
    pub mental_status: MentalStatus,
}

impl MorseInput {
    /// Parses the contract's input object; every item is required.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        input::parse(value)
    }
}

/// Points per item; the keys are the input's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MorseComponents {
    /// 0 or 25.
    pub history_of_falling: u8,
    /// 0 or 15.
    pub secondary_diagnosis: u8,
    /// 0, 15 or 30.
    pub ambulatory_aid: u8,
    /// 0 or 20.
    pub iv_or_heparin_lock: u8,
    /// 0, 10 or 20.
    pub gait: u8,
    /// 0 or 15.
    pub mental_status: u8,
}

/// The risk band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Below the moderate cut-off (0–24).
    Low,
    /// From 25 to below the high cut-off.
    Moderate,
    /// At or above the high cut-off.
    High,
}

/// Which published banding scheme sets the risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Banding {
    /// Morse 1989: 0–24 low, 25–44 moderate, ≥ 45 high. The contract's default.
    #[default]
    Cutoff45,
    /// The other common scheme: 0–24 low, 25–50 moderate, ≥ 51 high.
    Cutoff51,
}

impl Banding {
    /// (lowest moderate total, lowest high total).
    fn cut_offs(self) -> (u8, u8) {
        match self {
            Banding::Cutoff45 => (25, 45),
            Banding::Cutoff51 => (25, 51),
        }
    }

    /// The band of `total` under this scheme.
    pub fn risk(self, total: u8) -> Risk {
        let (moderate, high) = self.cut_offs();
        if total >= high {
            Risk::High
        } else if total >= moderate {
            Risk::Moderate
        } else {
            Risk::Low
        }
    }
}

/// The contract's output, with the explanation beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MorseResult {
    /// Always [`NAME`].
    pub instrument: &'static str,
    /// Always [`VERSION`].
    pub version: &'static str,
    /// Total, 0–125.
    pub score: u8,
    /// The band of `score`.
    pub risk: Risk,
    /// Points per item.
    pub components: MorseComponents,
    /// The banding scheme used.
    pub banding: Banding,
    /// The band's rule, e.g. `"≥ 45"`.
    pub risk_rule: String,
}

/// Scores the six items with the default banding (cut-off 45).
pub fn score(input: &MorseInput) -> MorseResult {
    score_with(input, Banding::default())
}

/// Scores the six items with a configured banding scheme.
pub fn score_with(input: &MorseInput, banding: Banding) -> MorseResult {
    let points = |yes: bool, p: u8| if yes { p } else { 0 };
    let components = MorseComponents {
        history_of_falling: points(input.history_of_falling, 25),
        secondary_diagnosis: points(input.secondary_diagnosis, 15),
        ambulatory_aid: match input.ambulatory_aid {
            AmbulatoryAid::None => 0,
            AmbulatoryAid::CrutchesCaneWalker => 15,
            AmbulatoryAid::Furniture => 30,
        },
        iv_or_heparin_lock: points(input.iv_or_heparin_lock, 20),
        gait: match input.gait {
            Gait::Normal => 0,
            Gait::Weak => 10,
            Gait::Impaired => 20,
        },
        mental_status: match input.mental_status {
            MentalStatus::Oriented => 0,
            MentalStatus::ForgetsLimitations => 15,
        },
    };
    let total = components.history_of_falling
        + components.secondary_diagnosis
        + components.ambulatory_aid
        + components.iv_or_heparin_lock
        + components.gait
        + components.mental_status;
    let risk = banding.risk(total);
    let (moderate, high) = banding.cut_offs();
    let risk_rule = match risk {
        Risk::Low => format!("0–{}", moderate - 1),
        Risk::Moderate => format!("{moderate}–{}", high - 1),
        Risk::High => format!("≥ {high}"),
    };
    MorseResult {
        instrument: NAME,
        version: VERSION,
        score: total,
        risk,
        components,
        banding,
        risk_rule,
    }
}
