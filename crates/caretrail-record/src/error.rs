//! The record service's errors, each with an HTTP status and a CLI exit code.

use caretrail_access::Denial;
use caretrail_core::{InputError, Problem};
use caretrail_store::StoreError;
use caretrail_store::vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The caller's input does not fit (exit 2; HTTP 400 or 422).
    #[error(transparent)]
    Input(#[from] InputError),
    /// No such person, entry, leaf or user (exit 1; HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The request is valid but the state refuses it (exit 1; HTTP 409).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("the ledger is inconsistent: {0}")]
    Ledger(String),
    /// The gate refused the caller (HTTP 403; 422 naming the field for a denial caused by the
    /// request body, such as a break-glass reason; exit 1).
    #[error("{0}")]
    Refused(Denial),
    /// An acknowledgement found its flag no longer open when it came to commit.
    #[error("this flag has already been acknowledged or superseded")]
    FlagNotOpen,
}

impl RecordError {
    pub fn not_found(what: impl Into<String>) -> Self {
        RecordError::NotFound(what.into())
    }

    pub fn status(&self) -> u16 {
        match self {
            RecordError::Input(e) => e.status(),
            RecordError::Refused(d) if d.input_field().is_some() => 422,
            RecordError::Refused(_) => 403,
            RecordError::NotFound(_) => 404,
            RecordError::Conflict(_)
            | RecordError::FlagNotOpen
            | RecordError::Store(StoreError::Conflict(_) | StoreError::Stale) => 409,
            RecordError::Store(StoreError::SchemaTooNew { .. } | StoreError::NotInitialised) => 503,
            RecordError::Vault(
                VaultError::MissingKeyFile { .. }
                | VaultError::CorruptKeyFile { .. }
                | VaultError::WrongKeyFile { .. },
            ) => 503,
            _ => 500,
        }
    }

    /// Exit code for the CLI: 2 for bad input, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        if matches!(self, RecordError::Input(_))
            || matches!(self, RecordError::Refused(d) if d.input_field().is_some())
        {
            2
        } else {
            1
        }
    }

    pub fn to_problem(&self) -> Problem {
        match self {
            RecordError::Input(e) => e.to_problem(),
            RecordError::Refused(d) => match d.input_field() {
                Some(field) => InputError::field(field, d.to_string()).to_problem(),
                None => Problem::new(403, "Forbidden", d.to_string()),
            },
            other => {
                let title = match other.status() {
                    404 => "Not found",
                    409 => "Conflict",
                    503 => "Data directory unusable",
                    _ => "Internal error",
                };
                Problem::new(other.status(), title, other.to_string())
            }
        }
    }
}
