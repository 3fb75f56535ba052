//! The record service's errors, each with a CLI exit code and an RFC 9457 problem document.
//! Which HTTP status answers each is the server's business (`caretrail_server::error::status_of`);
//! the server writes that status into the problem document it sends.

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

    /// The problem document (what the CLI prints on standard error). Its `status` member is the
    /// one RFC 9457 asks for; the server's `status_of` answers the same for every error (its
    /// tests check that), and the server sends its own.
    pub fn to_problem(&self) -> Problem {
        match self {
            RecordError::Input(e) => e.to_problem(),
            RecordError::Refused(d) => match d.input_field() {
                Some(field) => InputError::field(field, d.to_string()).to_problem(),
                None => Problem::new(403, "Forbidden", d.to_string()),
            },
            RecordError::NotFound(_) => Problem::new(404, "Not found", self.to_string()),
            RecordError::Conflict(_)
            | RecordError::FlagNotOpen
            | RecordError::Store(StoreError::Conflict(_) | StoreError::Stale) => {
                Problem::new(409, "Conflict", self.to_string())
            }
            RecordError::Store(
                StoreError::SchemaTooNew { .. }
                | StoreError::NotInitialised
                | StoreError::UnsignedHead { .. },
            )
            | RecordError::Vault(
                VaultError::MissingKeyFile { .. }
                | VaultError::CorruptKeyFile { .. }
                | VaultError::WrongKeyFile { .. },
            ) => Problem::new(503, "Data directory unusable", self.to_string()),
            RecordError::Store(_) | RecordError::Vault(_) | RecordError::Ledger(_) => {
                Problem::new(500, "Internal error", self.to_string())
            }
        }
    }
}
