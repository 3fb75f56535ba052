//! Embedded migrations, applied on open.
//!
//! The schema version is the highest version recorded in `caretrail_migrations`. Opening
//! applies the missing migrations in one transaction, under an advisory lock named after the
//! schema, so that several processes opening the same database at once migrate it exactly
//! once. A database recording a version this binary does not know is refused
//! ([`StoreError::SchemaTooNew`]), and so is one whose applied migration text differs from the
//! text compiled in (an applied migration must never be edited: add a new one).

use caretrail_store::StoreError;
use sha2::{Digest, Sha256};

use crate::conn::PgConn;
use crate::error::PgError;

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// The migrations, in order; versions count up from 1.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "0002_entries_by_kind",
        sql: include_str!("../migrations/0002_entries_by_kind.sql"),
    },
    Migration {
        version: 3,
        name: "0003_review_findings",
        sql: include_str!("../migrations/0003_review_findings.sql"),
    },
    Migration {
        version: 4,
        name: "0004_facts",
        sql: include_str!("../migrations/0004_facts.sql"),
    },
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The first key of this crate's advisory locks (ASCII "ctpg"); the second is the schema's
/// name hashed, so different schemas in one database migrate independently.
const LOCK_CLASS: i32 = 0x6374_7067;

fn checksum(sql: &str) -> Vec<u8> {
    Sha256::digest(sql.as_bytes()).to_vec()
}

/// Brings the schema up to [`SCHEMA_VERSION`]. `schema` is the validated schema to create and
/// use, or `None` for the connection's own `search_path`.
pub(crate) fn migrate(conn: &mut PgConn, schema: Option<&str>) -> caretrail_store::Result<()> {
    conn.transaction(|s| {
        match schema {
            Some(name) => {
                s.query_one(
                    "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                    &[&LOCK_CLASS, &name],
                )?;
                // `name` is a validated plain identifier.
                s.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{name}\""))?;
            }
            None => {
                let row = s.query_one(
                    "SELECT pg_advisory_xact_lock($1, hashtext(current_schema())), \
                     current_schema() IS NOT NULL",
                    &[&LOCK_CLASS],
                )?;
                let has_schema: bool = row.try_get(1).map_err(PgError::from)?;
                if !has_schema {
                    return Err(PgError::Invalid(
                        "no schema on the connection's search_path exists",
                    ));
                }
            }
        }
        s.batch_execute(
            "CREATE TABLE IF NOT EXISTS caretrail_migrations (
                version    bigint PRIMARY KEY,
                name       text NOT NULL,
                checksum   bytea NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )?;
        let applied = s.query(
            "SELECT version, checksum FROM caretrail_migrations ORDER BY version",
            &[],
        )?;
        let mut done = 0;
        for row in &applied {
            let version: i64 = row.try_get(0)?;
            let sum: Vec<u8> = row.try_get(1)?;
            if version > SCHEMA_VERSION {
                return Ok(Err(StoreError::SchemaTooNew {
                    found: version,
                    supported: SCHEMA_VERSION,
                }));
            }
            let known =
                MIGRATIONS
                    .iter()
                    .find(|m| m.version == version)
                    .ok_or(PgError::Inconsistent(
                        "the database records a migration version this binary does not know",
                    ))?;
            if checksum(known.sql) != sum {
                return Err(PgError::Inconsistent(
                    "an applied migration differs from the one compiled into this binary",
                ));
            }
            done = done.max(version);
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > done) {
            s.batch_execute(m.sql)?;
            s.execute(
                "INSERT INTO caretrail_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                &[&m.version, &m.name, &checksum(m.sql)],
            )?;
        }
        Ok(Ok(()))
    })
    .map_err(StoreError::from)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_one_up_in_file_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
        }
    }
}
