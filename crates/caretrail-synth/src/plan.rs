//! Phase 1 of a person: the plan drawn before staff exist. Profile (invented name, fictional
//! address), latent traits, long-term conditions, starting medicines and care pathway, each drawn
//! as `model.rs` documents.

use caretrail_core::data::{AmbulatoryAid, Gait};
use caretrail_core::{PersonId, PersonProfile};
use jiff::Span;
use jiff::civil::Date;

use crate::meds::{self, MedicineContext, StartingMedicine};
use crate::model::{self, LatentTraits, NeedsLevel};
use crate::names;
use crate::rng::{Prng, chance, index, int, normal, pick, weighted};
use crate::text;

/// How a person comes to social care, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pathway {
    /// GP (and hospital) only, unless a hospital stay leads to reablement.
    GpOnly,
    /// A home-care package running from before the window.
    Existing,
    /// Referred to the council on this day of the window.
    Referral(i64),
}

#[derive(Debug, Clone)]
pub(crate) struct PersonPlan {
    pub id: PersonId,
    pub profile: PersonProfile,
    pub female: bool,
    pub title: &'static str,
    pub age_at_end: i16,
    pub traits: LatentTraits,
    pub conditions: Vec<&'static str>,
    pub medicines: Vec<StartingMedicine>,
    pub pathway: Pathway,
    pub low_eligible: bool,
    pub citizen_account: bool,
    pub fit: bool,
    pub soc: bool,
    pub rel: &'static str,
    pub cognitive_onset_day: Option<i64>,
}

impl PersonPlan {
    /// Whether the plan gives this person an allocated social worker at some point.
    pub fn social_care(&self) -> bool {
        self.pathway != Pathway::GpOnly
    }

    /// Whether the plan gives this person a home-care package at some point.
    pub fn home_care(&self) -> bool {
        match self.pathway {
            Pathway::GpOnly => false,
            Pathway::Existing => true,
            Pathway::Referral(_) => self.traits.needs >= NeedsLevel::Moderate || self.low_eligible,
        }
    }
}

/// Draws one person's profile, traits, conditions, medicines and pathway.
pub(crate) fn plan_person(
    rng: &mut Prng,
    id: PersonId,
    end: Date,
    n_days: i64,
    min_age: i16,
) -> PersonPlan {
    let weights: Vec<f64> = model::AGE_BANDS.iter().map(|b| b.2).collect();
    let (lo, hi, _) = model::AGE_BANDS[weighted(rng, &weights)];
    let lo = lo.max(min_age);
    let hi = hi.max(lo);
    let age_at_end = i16::try_from(int(rng, i64::from(lo), i64::from(hi))).unwrap_or(lo);
    let age = f64::from(age_at_end);
    let female = chance(rng, model::P_FEMALE);
    let given = if female {
        *pick(rng, names::FEMALE_GIVEN)
    } else {
        *pick(rng, names::MALE_GIVEN)
    };
    let family = *pick(rng, names::FAMILY);
    let title = if female {
        ["Mrs", "Mrs", "Ms", "Miss"][index(rng, 4)]
    } else {
        "Mr"
    };
    let back = int(rng, 0, 364);
    // Invariant: `end` is validated, so a century and a year back is still a valid date.
    let date_of_birth = end
        .checked_sub(Span::new().years(age_at_end))
        .and_then(|d| d.checked_sub(Span::new().days(back)))
        .expect("birth dates stay inside the validated range");
    let letters = names::INWARD_LETTERS;
    let postcode = format!(
        "ZZ99 {}{}{}",
        int(rng, 1, 9),
        char::from(letters[index(rng, letters.len())]),
        char::from(letters[index(rng, letters.len())]),
    );
    let address = format!(
        "{} {} {}, {}",
        int(rng, 1, 180),
        pick(rng, names::STREETS),
        pick(rng, names::STREET_KINDS),
        pick(rng, names::TOWNS),
    );
    let profile = PersonProfile {
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth,
        sex: if female { "female" } else { "male" }.to_owned(),
        address,
        postcode,
    };

    let frailty = model::logistic(
        model::FRAILTY_INTERCEPT
            + model::FRAILTY_PER_YEAR * (age - 75.0)
            + model::FRAILTY_SD * normal(rng),
    );
    let mut conditions: Vec<&'static str> = Vec::new();
    let draw = |rng: &mut Prng, code: &str, alone: bool| {
        let m = model::CONDITION_MODELS
            .iter()
            .find(|m| m.code == code)
            .copied();
        m.is_some_and(|m| {
            chance(
                rng,
                model::condition_probability(&m, age, frailty, female, alone),
            )
        })
    };
    let pd = draw(rng, model::PARKINSONS, false);
    let stroke = draw(rng, model::STROKE, false);
    if pd {
        conditions.push(model::PARKINSONS);
    }
    if stroke {
        conditions.push(model::STROKE);
    }
    let neuro = pd || stroke;
    let gait_score = model::GAIT_FRAILTY * frailty
        + if pd { model::GAIT_PARKINSONS } else { 0.0 }
        + if stroke { model::GAIT_STROKE } else { 0.0 }
        + model::GAIT_SD * normal(rng);
    let gait = model::gait_of_score(gait_score);
    let aid_weights = model::AID_BY_GAIT
        .iter()
        .find(|(g, _)| *g == gait)
        .map_or([1.0, 0.0, 0.0], |(_, w)| *w);
    let ambulatory_aid = [
        AmbulatoryAid::None,
        AmbulatoryAid::CrutchesCaneWalker,
        AmbulatoryAid::Furniture,
    ][weighted(rng, &aid_weights)];
    let cognitive = chance(
        rng,
        model::logistic(
            model::COGNITION_INTERCEPT
                + model::COGNITION_PER_DECADE * (age - 75.0) / 10.0
                + model::COGNITION_FRAILTY * frailty
                + if neuro { model::COGNITION_NEURO } else { 0.0 },
        ),
    );
    if cognitive {
        let code = [
            model::DEMENTIA,
            model::ALZHEIMERS,
            model::IMPAIRED_COGNITION,
        ][weighted(rng, &[0.55, 0.25, 0.2])];
        conditions.push(code);
    }
    let lives_alone = chance(
        rng,
        model::logistic(
            model::LIVES_ALONE_INTERCEPT
                + model::LIVES_ALONE_PER_DECADE * (age - 75.0) / 10.0
                + if female {
                    model::LIVES_ALONE_FEMALE
                } else {
                    0.0
                }
                + if cognitive {
                    model::LIVES_ALONE_COGNITION
                } else {
                    0.0
                },
        ),
    );
    for m in model::CONDITION_MODELS {
        if m.code == model::PARKINSONS || m.code == model::STROKE {
            continue;
        }
        if chance(
            rng,
            model::condition_probability(m, age, frailty, female, lives_alone),
        ) {
            conditions.push(m.code);
        }
    }
    if frailty > 0.55 && chance(rng, 0.8) {
        conditions.push(model::FRAILTY_FINDING);
    }
    if lives_alone && chance(rng, 0.7) {
        conditions.push(model::LIVES_ALONE_FINDING);
    }
    if gait == Gait::Impaired && frailty > 0.6 && chance(rng, 0.6) {
        conditions.push(model::HOUSEBOUND);
    }
    let lonely = lives_alone && chance(rng, 0.25);
    if lonely {
        conditions.push(if chance(rng, 0.5) {
            model::FEELING_LONELY
        } else {
            model::SOCIAL_ISOLATION
        });
    }

    let needs_score = model::NEEDS_FRAILTY * frailty
        + if cognitive {
            model::NEEDS_COGNITION
        } else {
            0.0
        }
        + match gait {
            Gait::Normal => 0.0,
            Gait::Weak => model::NEEDS_GAIT_WEAK,
            Gait::Impaired => model::NEEDS_GAIT_IMPAIRED,
        }
        + if lives_alone {
            model::NEEDS_LIVES_ALONE
        } else {
            0.0
        }
        + if neuro { model::NEEDS_NEURO } else { 0.0 }
        + model::NEEDS_SD * normal(rng);
    let needs = model::needs_of_score(needs_score);
    let referral_day = |rng: &mut Prng| int(rng, 14, (n_days * 2 / 3).max(15));
    let pathway = match needs {
        NeedsLevel::None => Pathway::GpOnly,
        NeedsLevel::Low => {
            if chance(rng, 0.7) {
                Pathway::Referral(referral_day(rng))
            } else {
                Pathway::GpOnly
            }
        }
        NeedsLevel::Moderate | NeedsLevel::High => {
            if chance(rng, model::P_EXISTING_PACKAGE) {
                Pathway::Existing
            } else {
                Pathway::Referral(referral_day(rng))
            }
        }
    };
    let low_eligible = chance(rng, model::P_LOW_NEEDS_ELIGIBLE);
    let medicines = meds::starting_medicines(
        rng,
        &MedicineContext {
            conditions: &conditions,
            age,
            female,
            frailty,
            cognitive,
            needs,
        },
    );
    let cognitive_onset_day = if cognitive {
        None
    } else {
        let yearly = if age >= 75.0 {
            model::COGNITION_INCIDENCE_PER_YEAR
        } else {
            model::COGNITION_INCIDENCE_PER_YEAR / 2.0
        };
        let over_window = 1.0 - (1.0 - yearly).powf(n_days as f64 / 365.25);
        chance(rng, over_window).then(|| int(rng, 30, n_days - 1))
    };
    let depressed = conditions.contains(&model::DEPRESSION);
    PersonPlan {
        id,
        profile,
        female,
        title,
        age_at_end,
        traits: LatentTraits {
            frailty,
            cognitive_impairment: cognitive,
            gait,
            ambulatory_aid,
            lives_alone,
            needs,
        },
        conditions,
        medicines,
        pathway,
        low_eligible,
        citizen_account: chance(rng, crate::CITIZEN_ACCOUNT_SHARE),
        fit: chance(
            rng,
            if depressed || lonely || age < 65.0 {
                0.35
            } else {
                0.08
            },
        ),
        soc: chance(rng, 0.12),
        rel: pick::<&str>(rng, text::RELATIVES),
        cognitive_onset_day,
    }
}
