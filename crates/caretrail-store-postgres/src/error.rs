//! What can go wrong talking to PostgreSQL, said without row contents, and how each failure
//! maps onto [`StoreError`].
//!
//! A PostgreSQL error message or detail can quote the values of the row it refused (for a
//! unique violation: `Key (username)=(...) already exists`). None of that text is kept: an
//! error carries only its SQLSTATE code and, for a broken constraint, the constraint's name,
//! which is part of the schema and names no person.

use caretrail_store::StoreError;

/// A failure in this backend.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PgError {
    /// A uniqueness, reference or check constraint refused the statement (SQLSTATE class 23).
    #[error("constraint {constraint} failed (SQLSTATE {code})")]
    Constraint { code: String, constraint: String },
    /// The server reported a resource, system or internal failure (SQLSTATE classes 53, 58,
    /// XX: disk full, I/O error, corruption).
    #[error("the database server failed (SQLSTATE {code})")]
    Server { code: String },
    /// The server refused the statement for another reason (SQLSTATE given).
    #[error("the database refused a statement (SQLSTATE {code})")]
    Refused { code: String },
    /// The connection broke: the outcome of a statement in flight is unknown.
    #[error("the database connection was lost")]
    ConnectionLost,
    /// No connection could be opened (the server is down, or refused us without a SQLSTATE).
    #[error("could not connect to the database server")]
    Connect,
    /// A batch broke one of the store's own rules; nothing was written.
    #[error("{0}")]
    Rule(&'static str),
    /// A stored value did not decode into its Rust type.
    #[error("a stored value in column {column} is malformed")]
    Malformed { column: String },
    /// The stored log contradicts itself (e.g. a tree node on the right edge is missing).
    #[error("{0}")]
    Inconsistent(&'static str),
    /// A pooled connection could not be borrowed in time.
    #[error("no database connection is available: {0}")]
    Pool(String),
    /// The caller passed something this backend cannot use (named, never quoted).
    #[error("{0}")]
    Invalid(&'static str),
    /// Any other failure of the client library (its text is not kept).
    #[error("a PostgreSQL client call failed")]
    Client,
    /// A `Write::Expect` of the batch no longer holds.
    #[error("the record changed since it was read")]
    Stale,
    /// The stored log is not what its latest checkpoint signs.
    #[error("the log's head is not signed ({stored} leaves, latest checkpoint {signed})")]
    UnsignedHead { stored: u64, signed: u64 },
}

impl PgError {
    /// Classifies an error of an operation that never reached `COMMIT`: a lost connection
    /// there rolled the transaction back, so nothing was written and the caller may retry.
    pub(crate) fn before_commit(self) -> StoreError {
        match self {
            PgError::ConnectionLost => StoreError::Backend(
                "the database connection was lost before the commit; nothing was written".into(),
            ),
            other => other.into(),
        }
    }
}

impl From<postgres::Error> for PgError {
    fn from(e: postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            let code = db.code().code().to_owned();
            return match &code[..2] {
                "23" => PgError::Constraint {
                    constraint: db.constraint().unwrap_or("(unnamed)").to_owned(),
                    code,
                },
                // 08: connection exception, 57P01..03: the server is shutting down or restarting.
                "08" => PgError::ConnectionLost,
                "57" if code.starts_with("57P") => PgError::ConnectionLost,
                "53" | "58" | "XX" => PgError::Server { code },
                _ => PgError::Refused { code },
            };
        }
        if e.is_closed() {
            return PgError::ConnectionLost;
        }
        let io = std::error::Error::source(&e)
            .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some());
        if io {
            return PgError::ConnectionLost;
        }
        PgError::Client
    }
}

impl From<r2d2::Error> for PgError {
    fn from(e: r2d2::Error) -> Self {
        // r2d2 says it timed out and repeats the last connection error, which is one of ours
        // (the pool's manager reports `PgError`), so the text is safe to keep.
        PgError::Pool(e.to_string())
    }
}

impl From<PgError> for StoreError {
    fn from(e: PgError) -> Self {
        let msg = e.to_string();
        match e {
            PgError::Constraint { .. } | PgError::Rule(_) => StoreError::Conflict(msg),
            PgError::Stale => StoreError::Stale,
            PgError::UnsignedHead { stored, signed } => StoreError::UnsignedHead { stored, signed },
            // Disk, I/O, corruption, or a connection lost with the outcome unknown: a writer
            // that sees this for a commit must not acknowledge (DESIGN §2).
            PgError::Server { .. } | PgError::ConnectionLost => StoreError::Io(msg),
            PgError::Refused { .. }
            | PgError::Connect
            | PgError::Malformed { .. }
            | PgError::Inconsistent(_)
            | PgError::Pool(_)
            | PgError::Invalid(_)
            | PgError::Client => StoreError::Backend(msg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variant's name, which is what callers branch on.
    fn kind(e: &StoreError) -> &'static str {
        match e {
            StoreError::Io(_) => "io",
            StoreError::Conflict(_) => "conflict",
            StoreError::Stale => "stale",
            StoreError::SchemaTooNew { .. } => "schema-too-new",
            StoreError::NotInitialised => "not-initialised",
            StoreError::UnsignedHead { .. } => "unsigned-head",
            StoreError::Backend(_) => "backend",
        }
    }

    #[test]
    fn each_failure_maps_to_the_store_error_its_callers_act_on() {
        let cases = [
            (
                PgError::Constraint {
                    code: "23505".into(),
                    constraint: "users_username_key".into(),
                },
                "conflict",
            ),
            (PgError::Rule("no key"), "conflict"),
            (
                PgError::Server {
                    code: "53100".into(),
                },
                "io",
            ),
            (PgError::ConnectionLost, "io"),
            (
                PgError::Refused {
                    code: "42P01".into(),
                },
                "backend",
            ),
            (PgError::Connect, "backend"),
            (PgError::Pool("timed out".into()), "backend"),
            (PgError::Inconsistent("head"), "backend"),
        ];
        for (err, want) in cases {
            let shown = err.to_string();
            let mapped = StoreError::from(err);
            assert_eq!(kind(&mapped), want, "{shown}");
            assert!(mapped.to_string().contains(&shown), "{mapped}");
        }
    }

    #[test]
    fn a_connection_lost_before_commit_is_not_an_io_failure() {
        assert!(matches!(
            PgError::ConnectionLost.before_commit(),
            StoreError::Backend(_)
        ));
        assert!(matches!(
            PgError::Server {
                code: "58030".into()
            }
            .before_commit(),
            StoreError::Io(_)
        ));
    }
}
