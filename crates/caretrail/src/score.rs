//! `caretrail score <instrument> [--input FILE]`: one decision-support instrument of
//! `reference/instruments.md`, scored by `caretrail_insight::score` (the same function the server
//! serves at `POST /api/v1/score/<instrument>`).
//!
//! It reads one JSON object (standard input when no file is given) and prints one JSON object.
//! It needs no data directory and writes nothing. Bad input, and an unknown instrument, print the
//! problem JSON on standard error and exit 2 (DESIGN §4).

use std::path::PathBuf;

use caretrail_core::InputError;
use caretrail_insight::InsightError;
use caretrail_record::RecordError;
use clap::Args;

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// news2, morse, medication, ors, srs, soc13, care-act or care-act-carer.
    pub instrument: String,
    /// A file holding the input object (default: standard input).
    #[arg(long)]
    pub input: Option<PathBuf>,
}

/// Scores the input and returns the output object.
pub fn run(args: &ScoreArgs) -> Result<serde_json::Value, RecordError> {
    // Refuse an unknown instrument before reading any input.
    if caretrail_insight::version(&args.instrument).is_none() {
        return Err(unknown(&args.instrument).into());
    }
    let value = crate::read_json_input(args.input.as_deref())?;
    caretrail_insight::score(&args.instrument, &value).map_err(|e| match e {
        InsightError::UnknownInstrument { name } => unknown(&name).into(),
        InsightError::Input(e) => e.into(),
    })
}

/// The CLI's answer to an unknown instrument: bad input (exit 2) naming it. An instrument name is
/// a command-line word, never personal data, so it is quoted (cut to 64 characters).
fn unknown(name: &str) -> InputError {
    let name: String = name.chars().take(64).collect();
    InputError::field(
        "/instrument",
        format!(
            "unknown instrument {name:?}; the instruments are {}",
            caretrail_insight::INSTRUMENTS.join(", ")
        ),
    )
}
