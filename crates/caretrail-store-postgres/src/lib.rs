//! The PostgreSQL backend of the caretrail [`Store`], for deployments where several processes
//! (or machines) share one record.
//!
//! # Design
//!
//! - **Synchronous client, pooled.** The [`Store`] trait is synchronous, so this backend uses
//!   the synchronous `postgres` client, pooled by `r2d2`. Each pooled connection drives its
//!   socket on a small current-thread runtime of its own and never touches an ambient tokio
//!   runtime, so the store can be called from plain threads (the record's group-commit writer)
//!   and from `tokio::task::spawn_blocking` closures (the HTTP server) alike. Like any blocking
//!   I/O it must not be called directly on an async worker thread. Each connection prepares
//!   each SQL text once and then runs it in one round trip.
//! - **Sequencing across processes.** The log has one head row (`log_head`). Every
//!   [`Store::append`] runs in one transaction, explicitly `READ COMMITTED` whatever the
//!   server's default, that first locks that row with
//!   `SELECT ... FOR UPDATE`. Appends from every process therefore take turns: the lock is held
//!   until commit or rollback, and because each later statement of the transaction takes a
//!   fresh snapshot, the transaction that gets the lock next reads the tree's right edge *as the
//!   previous append committed it*. Only then does it assign leaf indexes (the tree size, plus
//!   one per leaf), store every perfect-subtree node the new leaves complete, sign and store the
//!   checkpoint, move the head and commit. So leaf indexes have no gaps and no duplicates, and
//!   every checkpoint extends the one before it. A row lock, rather than an advisory lock, ties
//!   the lock to this schema's log (two logs in two schemas never wait for each other), needs no
//!   agreed-on lock number, and shows up in `pg_locks` like any other lock. The head also records
//!   the size, and an append refuses to extend a log whose stored leaves disagree with it.
//! - **Bulk writes.** A batch's rows go in with one `INSERT ... SELECT FROM unnest(...)` per
//!   table, so the cost in round trips does not grow with the batch (group commit merges up to
//!   thousands of writes into one batch).
//! - **Import** ([`Store::import_log`], for `caretrail migrate` only) writes leaves another
//!   store already sequenced, with their nodes, rows and checkpoints, under the same head lock
//!   as an append, and only at the stored tree size; so an interrupted copy resumes exactly
//!   where its last committed batch ended.
//! - **Migrations** are compiled in (`migrations/*.sql`) and applied on open, in one
//!   transaction under a per-schema advisory lock, and recorded with their checksums in
//!   `caretrail_migrations`. A database recording a newer version is refused with
//!   [`StoreError::SchemaTooNew`].
//! - **Types.** Ids are `uuid`; ciphertexts, keys, hashes and leaves `bytea`; times
//!   `timestamptz`, truncated to whole microseconds exactly as the leaves commit to them.
//! - **Facts.** A [`Write::Fact`] appends its leaf like any other and, in the same
//!   transaction, replaces the directory row it commits to and moves that row's entry in the
//!   `facts` index (the latest fact leaf of each row), which [`Write::ExpectFact`] and
//!   [`Store::fact_head`] read.
//! - **Erasure** does what the SQLite backend does: deletes the wrapped keys, sets the profile
//!   and every payload under the person's key to NULL. The record anonymises their citizen
//!   account with a fact in the same batch.
//!   PostgreSQL keeps the previous row versions until `VACUUM`, so [`Store::fold_journal`]
//!   vacuums the tables erasure touches. Copies can still survive in the write-ahead log,
//!   replicas and backups until those rotate; with the keys gone they are ciphertext that no
//!   one can open (crypto-shredding).
//! - **Lost connections.** A read, or a transaction that had not sent its `COMMIT`, that meets
//!   a connection the server dropped (a restart) runs again on another connection: nothing it
//!   did took effect. A connection lost during `COMMIT`, or during a single-statement write,
//!   leaves the outcome unknown and is [`StoreError::Io`], never retried.
//! - **Dropping** the store closes its connections on a thread of its own, so a store can be
//!   dropped anywhere, an async worker thread included.
//! - **Errors** carry SQLSTATE codes and constraint names, never a server message or detail,
//!   which can quote row values. A server disk, I/O or corruption failure (SQLSTATE classes 53,
//!   58, XX) is [`StoreError::Io`] too: the group-commit writer must not acknowledge then.
//! - **Tests** run against the server named by `CARETRAIL_TEST_POSTGRES_URL`, each store in a
//!   fresh schema ([`PostgresStore::open_in_schema`]).
#![forbid(unsafe_code)]

mod append;
mod conn;
mod error;
mod facts;
mod import;
mod migrate;
mod rows;

use std::time::Duration;

use caretrail_core::{
    CareRelationship, EntryId, Organisation, OrganisationId, PersonId, User, UserId,
};
use caretrail_ledger::{Hash, NodeId};
use caretrail_store::fact::FactKey;
use caretrail_store::{
    Appended, AuditRow, BreakGlassRow, CheckpointSigner, DirectoryBatch, DirectoryImport, EntryRow,
    LogImport, LogMeta, PersonRow, Result, RetentionRow, ReviewItemRow, SessionRow, Store,
    StoreError, StoredCheckpoint, WrappedKeys, Write,
};
use jiff::Timestamp;
use postgres::Client;

use crate::conn::{Manager, Session, TxFailure};
use crate::error::PgError;
use crate::rows::{
    audit_columns, break_glass_columns, entry_columns, get, index, person_columns, pg_time,
    relationship_columns, review_columns, to_i64, user_columns,
};

pub use crate::migrate::SCHEMA_VERSION;

/// How to open a [`PostgresStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema to keep the tables in, created if missing and made the only schema on every
    /// pooled connection's `search_path`. `None` uses the connection's own `search_path`
    /// (normally `public`). A plain lower-case identifier: `[a-z_][a-z0-9_]*`, at most 63 bytes.
    pub schema: Option<String>,
    /// The most connections this store opens.
    pub max_connections: u32,
    /// How long a call waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: None,
            max_connections: 8,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// The caretrail store in a PostgreSQL database.
pub struct PostgresStore {
    /// `Some` until the store is dropped.
    pool: Option<r2d2::Pool<Manager>>,
    schema: Option<String>,
    /// The last head this process verified or signed (the signed-head rule).
    head: caretrail_store::SignedHead,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing a connection blocks on the small runtime inside it, which tokio refuses on
        // an async worker thread, and a store can be dropped there (with a server's state, at
        // shutdown). A thread of its own can always close them.
        if let Some(pool) = self.pool.take()
            && let Ok(closer) = std::thread::Builder::new()
                .name("caretrail-pg-close".into())
                .spawn(move || drop(pool))
        {
            let _ = closer.join();
        }
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold a password.
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field(
                "max_connections",
                &self.pool.as_ref().map(r2d2::Pool::max_size),
            )
            .finish_non_exhaustive()
    }
}

/// Is `name` a schema name this crate will splice into SQL (quoted)?
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && !name.starts_with("pg_")
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`, or a libpq key=value
    /// string) and brings its schema up to date. Refuses a schema newer than this binary.
    pub fn open(url: &str) -> Result<Self> {
        Self::open_with(url, &PostgresOptions::default())
    }

    /// Like [`PostgresStore::open`], with the tables in `schema` (created if missing).
    pub fn open_in_schema(url: &str, schema: &str) -> Result<Self> {
        Self::open_with(
            url,
            &PostgresOptions {
                schema: Some(schema.to_owned()),
                ..PostgresOptions::default()
            },
        )
    }

    /// Connects with explicit [`PostgresOptions`] and brings the schema up to date.
    pub fn open_with(url: &str, options: &PostgresOptions) -> Result<Self> {
        if let Some(schema) = &options.schema
            && !is_plain_identifier(schema)
        {
            return Err(PgError::Invalid(
                "the schema name must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 bytes, not pg_*)",
            )
            .into());
        }
        // The parser's message could repeat part of the URL, password included: not kept.
        let mut config: postgres::Config = url
            .parse()
            .map_err(|_| PgError::Invalid("the PostgreSQL connection URL is malformed"))?;
        if config.get_application_name().is_none() {
            config.application_name("caretrail");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections.max(1))
            // Connections open on demand; idle ones close after r2d2's idle timeout.
            .min_idle(Some(0))
            .connection_timeout(options.acquire_timeout)
            // No round trip on every checkout: a connection the server dropped is found out
            // when used, discarded when returned (`has_broken`), and reads and not-yet-committed
            // transactions run again on another connection.
            .test_on_check_out(false)
            .build(Manager::new(config, options.schema.as_deref()))
            .map_err(PgError::from)?;
        let store = PostgresStore {
            pool: Some(pool),
            schema: options.schema.clone(),
            head: Default::default(),
        };
        let mut conn = store.conn()?;
        migrate::migrate(&mut conn, store.schema.as_deref())?;
        drop(conn);
        Ok(store)
    }

    /// The schema the tables live in, when one was chosen.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Borrows a pooled connection, waiting up to the acquire timeout.
    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, PgError> {
        let pool = self
            .pool
            .as_ref()
            .ok_or(PgError::Invalid("the store is closed"))?;
        Ok(pool.get()?)
    }

    /// How many times a call may meet a lost connection before it gives up: enough to get
    /// past every dead connection in the pool after a server restart, and one more.
    fn attempts(&self) -> u32 {
        self.pool.as_ref().map_or(1, |p| p.max_size() + 1)
    }

    /// Runs a read. A pooled connection that was lost since its last use (the server restarted)
    /// is discarded and the read runs again on another: reads change nothing, so that is safe.
    fn read<T>(&self, f: impl Fn(&mut Session<'_, Client>) -> Result<T, PgError>) -> Result<T> {
        let mut left = self.attempts();
        loop {
            let mut conn = self.conn()?;
            left -= 1;
            match f(&mut conn.session()) {
                // Dropping `conn` hands it back, and the pool discards it as broken.
                Err(PgError::ConnectionLost) if left > 0 => {}
                other => return other.map_err(StoreError::from),
            }
        }
    }

    /// Runs one statement (its own transaction). Never retried: a lost connection leaves its
    /// outcome unknown.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Session<'_, Client>) -> Result<T, PgError>,
    ) -> Result<T> {
        let mut conn = self.conn()?;
        f(&mut conn.session()).map_err(StoreError::from)
    }

    /// Runs `f` in one transaction. If the connection is lost before the commit, the
    /// transaction rolled back, so it runs again on another connection; if it is lost during
    /// the commit, the outcome is unknown and the caller gets [`StoreError::Io`].
    fn transaction<T>(
        &self,
        f: impl Fn(&mut Session<'_, postgres::Transaction<'_>>) -> Result<T, PgError>,
    ) -> Result<T> {
        let mut left = self.attempts();
        loop {
            let mut conn = self.conn()?;
            left -= 1;
            match conn.transaction(&f) {
                Err(TxFailure::BeforeCommit(PgError::ConnectionLost)) if left > 0 => {}
                other => return other.map_err(StoreError::from),
            }
        }
    }
}

/// Inserts directory rows inside the open transaction `s` (people without keys are erased).
fn insert_directory(
    s: &mut Session<'_, postgres::Transaction<'_>>,
    organisations: &[Organisation],
    users: &[(User, Option<String>)],
    people: &[(&PersonRow, Option<&WrappedKeys>)],
    relationships: &[CareRelationship],
) -> Result<(), PgError> {
    if !organisations.is_empty() {
        let ids: Vec<_> = organisations.iter().map(|o| o.id.0).collect();
        let names: Vec<&str> = organisations.iter().map(|o| o.name.as_str()).collect();
        let kinds: Vec<&str> = organisations.iter().map(|o| o.kind.as_str()).collect();
        s.execute(
            "INSERT INTO organisations (id, name, kind) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])",
            &[&ids, &names, &kinds],
        )?;
    }
    if !people.is_empty() {
        let ids: Vec<_> = people.iter().map(|(p, _)| p.id.0).collect();
        let pseudonyms: Vec<&[u8]> = people.iter().map(|(p, _)| &p.pseudonym[..]).collect();
        let created: Vec<_> = people.iter().map(|(p, _)| pg_time(p.created_at)).collect();
        let erased: Vec<_> = people
            .iter()
            .map(|(p, _)| p.erased_at.map(pg_time))
            .collect();
        let profiles: Vec<Option<&[u8]>> =
            people.iter().map(|(p, _)| p.profile.as_deref()).collect();
        s.execute(
            concat!(
                "INSERT INTO people (",
                person_columns!(),
                ") SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::timestamptz[], \
                 $4::timestamptz[], $5::bytea[])"
            ),
            &[&ids, &pseudonyms, &created, &erased, &profiles],
        )?;
        // An erased person (imported) has no keys.
        let keyed: Vec<_> = people
            .iter()
            .filter_map(|(p, k)| k.map(|k| (p.id.0, k)))
            .collect();
        if !keyed.is_empty() {
            let ids: Vec<_> = keyed.iter().map(|(id, _)| *id).collect();
            let versions: Vec<i64> = keyed
                .iter()
                .map(|(_, k)| i64::from(k.key_version))
                .collect();
            let wrapped: Vec<&[u8]> = keyed.iter().map(|(_, k)| &k.wrapped[..]).collect();
            s.execute(
                "INSERT INTO person_keys (person_id, key_version, wrapped) \
                 SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bytea[])",
                &[&ids, &versions, &wrapped],
            )?;
        }
    }
    if !users.is_empty() {
        let u = users;
        let ids: Vec<_> = u.iter().map(|(u, _)| u.id.0).collect();
        let usernames: Vec<&str> = u.iter().map(|(u, _)| u.username.as_str()).collect();
        let names: Vec<&str> = u.iter().map(|(u, _)| u.display_name.as_str()).collect();
        let roles: Vec<&str> = u.iter().map(|(u, _)| u.role.as_str()).collect();
        let orgs: Vec<_> = u.iter().map(|(u, _)| u.organisation.0).collect();
        let people: Vec<_> = u.iter().map(|(u, _)| u.person.map(|p| p.0)).collect();
        let hashes: Vec<Option<&str>> = u.iter().map(|(_, h)| h.as_deref()).collect();
        s.execute(
            concat!(
                "INSERT INTO users (",
                user_columns!(),
                ", password_hash) SELECT * FROM unnest($1::uuid[], $2::text[], \
                 $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[])"
            ),
            &[&ids, &usernames, &names, &roles, &orgs, &people, &hashes],
        )?;
    }
    if !relationships.is_empty() {
        let r = relationships;
        let ids: Vec<_> = r.iter().map(|r| r.id.0).collect();
        let practitioners: Vec<_> = r.iter().map(|r| r.practitioner.0).collect();
        let people: Vec<_> = r.iter().map(|r| r.person.0).collect();
        let orgs: Vec<_> = r.iter().map(|r| r.organisation.0).collect();
        let kinds: Vec<&str> = r.iter().map(|r| r.kind.as_str()).collect();
        let from: Vec<_> = r.iter().map(|r| pg_time(r.from)).collect();
        let to: Vec<_> = r.iter().map(|r| r.to.map(pg_time)).collect();
        s.execute(
            concat!(
                "INSERT INTO relationships (",
                relationship_columns!(),
                ") SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], \
                 $5::text[], $6::timestamptz[], $7::timestamptz[])"
            ),
            &[&ids, &practitioners, &people, &orgs, &kinds, &from, &to],
        )?;
    }
    Ok(())
}

impl Store for PostgresStore {
    fn init_log(&self, meta: &LogMeta) -> Result<()> {
        let inserted = self.write(|s| {
            s.execute(
                "INSERT INTO log_meta (singleton, origin, verifier_key, kek_check, system_keys, \
                 pseudonym_key, created_at) VALUES (true, $1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (singleton) DO NOTHING",
                &[
                    &meta.origin,
                    &meta.verifier_key,
                    &meta.kek_check,
                    &meta.system_keys,
                    &meta.pseudonym_key,
                    &pg_time(meta.created_at),
                ],
            )
        })?;
        if inserted == 0 {
            return Err(StoreError::Conflict(
                "the log is already initialised".into(),
            ));
        }
        Ok(())
    }

    fn log_meta(&self) -> Result<Option<LogMeta>> {
        self.read(|s| {
            s.query_opt(
                "SELECT origin, verifier_key, kek_check, system_keys, pseudonym_key, created_at \
                 FROM log_meta",
                &[],
            )?
            .map(|r| {
                Ok(LogMeta {
                    origin: get(&r, 0)?,
                    verifier_key: get(&r, 1)?,
                    kek_check: get(&r, 2)?,
                    system_keys: get(&r, 3)?,
                    pseudonym_key: get(&r, 4)?,
                    created_at: get(&r, 5)?,
                })
            })
            .transpose()
        })
    }

    fn put_directory(&self, dir: &DirectoryBatch) -> Result<()> {
        let people: Vec<_> = dir.people.iter().map(|(p, k)| (p, Some(k))).collect();
        self.transaction(|s| {
            insert_directory(
                s,
                &dir.organisations,
                &dir.users,
                &people,
                &dir.relationships,
            )
        })
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        self.read(|s| {
            // Byte order, as SQLite sorts, whatever the server's locale.
            s.query(
                "SELECT id, name, kind FROM organisations ORDER BY name COLLATE \"C\", id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(Organisation {
                    id: OrganisationId(get(r, 0)?),
                    name: get(r, 1)?,
                    kind: get::<&str>(r, 2)?.parse().map_err(|_| PgError::Malformed {
                        column: "kind".into(),
                    })?,
                })
            })
            .collect()
        })
    }

    fn users(&self) -> Result<Vec<User>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM users ORDER BY username COLLATE \"C\""
                ),
                &[],
            )?
            .iter()
            .map(rows::user_row)
            .collect()
        })
    }

    fn user_password_hash(&self, user: UserId) -> Result<Option<String>> {
        self.read(|s| {
            match s.query_opt("SELECT password_hash FROM users WHERE id = $1", &[&user.0])? {
                Some(r) => get(&r, 0),
                None => Ok(None),
            }
        })
    }

    fn person(&self, id: PersonId) -> Result<Option<PersonRow>> {
        self.read(|s| {
            s.query_opt(
                concat!("SELECT ", person_columns!(), " FROM people WHERE id = $1"),
                &[&id.0],
            )?
            .as_ref()
            .map(rows::person_row)
            .transpose()
        })
    }

    fn people(&self) -> Result<Vec<PersonRow>> {
        self.read(|s| {
            s.query(
                concat!("SELECT ", person_columns!(), " FROM people ORDER BY id"),
                &[],
            )?
            .iter()
            .map(rows::person_row)
            .collect()
        })
    }

    fn person_keys(&self, id: PersonId) -> Result<Option<WrappedKeys>> {
        self.read(|s| {
            s.query_opt(
                "SELECT key_version, wrapped FROM person_keys WHERE person_id = $1",
                &[&id.0],
            )?
            .map(|r| {
                Ok(WrappedKeys {
                    key_version: u32::try_from(get::<i64>(&r, 0)?).map_err(|_| {
                        PgError::Malformed {
                            column: "key_version".into(),
                        }
                    })?,
                    wrapped: get(&r, 1)?,
                })
            })
            .transpose()
        })
    }

    fn relationships_for_person(&self, id: PersonId) -> Result<Vec<CareRelationship>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    relationship_columns!(),
                    " FROM relationships WHERE person_id = $1 ORDER BY valid_from, id"
                ),
                &[&id.0],
            )?
            .iter()
            .map(rows::relationship_row)
            .collect()
        })
    }

    fn relationships_for_practitioner(&self, id: UserId) -> Result<Vec<CareRelationship>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    relationship_columns!(),
                    " FROM relationships WHERE practitioner_id = $1 ORDER BY valid_from, id"
                ),
                &[&id.0],
            )?
            .iter()
            .map(rows::relationship_row)
            .collect()
        })
    }

    fn append(&self, batch: &[Write], signer: &dyn CheckpointSigner) -> Result<Appended> {
        let appended = self.transaction(|s| append::append(s, batch, signer, &self.head))?;
        self.head
            .committed(appended.size, &appended.root, &appended.checkpoint);
        Ok(appended)
    }

    fn fold_journal(&self) -> Result<()> {
        // PostgreSQL has no journal to fold: a commit is durable in the write-ahead log and
        // the data files follow at the next checkpoint. What does linger is the previous
        // version of each row erasure changed, until VACUUM removes it; so vacuum the tables
        // erasure touches (only pages with dead rows are visited). Best effort: a row still
        // visible to an older open transaction elsewhere is removed by a later vacuum.
        self.write(|s| s.batch_execute("VACUUM person_keys, people, users, entries"))
    }

    fn tree_size(&self) -> Result<u64> {
        self.read(|s| {
            let r = s.query_one("SELECT COALESCE(max(idx) + 1, 0) FROM leaves", &[])?;
            index(&r, 0)
        })
    }

    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>> {
        let i = to_i64(index)?;
        self.read(|s| {
            s.query_opt("SELECT data FROM leaves WHERE idx = $1", &[&i])?
                .map(|r| get(&r, 0))
                .transpose()
        })
    }

    fn leaves_from(&self, from: u64, limit_n: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let from = to_i64(from)?;
        self.read(|s| {
            s.query(
                "SELECT idx, data FROM leaves WHERE idx >= $1 ORDER BY idx LIMIT $2",
                &[&from, &limit(limit_n)],
            )?
            .iter()
            .map(|r| Ok((index(r, 0)?, get(r, 1)?)))
            .collect()
        })
    }

    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>> {
        self.read(|s| append::read_nodes(s, ids))?
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| StoreError::Backend("a tree node is missing".into()))
    }

    fn nodes_from(&self, level: u8, from: u64, limit_n: usize) -> Result<Vec<(u64, Hash)>> {
        let from = to_i64(from)?;
        self.read(|s| {
            s.query(
                "SELECT idx, hash FROM nodes WHERE level = $1 AND idx >= $2 ORDER BY idx LIMIT $3",
                &[&i16::from(level), &from, &limit(limit_n)],
            )?
            .iter()
            .map(|r| Ok((index(r, 0)?, rows::hash(r, 1)?)))
            .collect()
        })
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        self.read(|s| {
            s.query_opt(
                "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                &[],
            )?
            .map(|r| {
                Ok(StoredCheckpoint {
                    size: index(&r, 0)?,
                    note: get(&r, 1)?,
                })
            })
            .transpose()
        })
    }

    fn fact_head(&self, key: &FactKey) -> Result<Option<u64>> {
        self.read(|s| facts::head(s, key))
    }

    fn checkpoints_from(&self, from_size: u64, limit_n: usize) -> Result<Vec<StoredCheckpoint>> {
        let from = to_i64(from_size)?;
        self.read(|s| {
            s.query(
                "SELECT size, note FROM checkpoints WHERE size >= $1 ORDER BY size LIMIT $2",
                &[&from, &limit(limit_n)],
            )?
            .iter()
            .map(|r| {
                Ok(StoredCheckpoint {
                    size: index(r, 0)?,
                    note: get(r, 1)?,
                })
            })
            .collect()
        })
    }

    fn entry(&self, id: EntryId) -> Result<Option<EntryRow>> {
        self.read(|s| {
            s.query_opt(
                concat!("SELECT ", entry_columns!(), " FROM entries WHERE id = $1"),
                &[&id.0],
            )?
            .as_ref()
            .map(rows::entry_row)
            .transpose()
        })
    }

    fn latest_entry_of_kind(
        &self,
        id: PersonId,
        kind: caretrail_core::EntryKind,
    ) -> Result<Option<EntryRow>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    entry_columns!(),
                    " FROM entries WHERE person_id = $1 AND kind = $2 \
                     ORDER BY leaf_index DESC LIMIT 1"
                ),
                &[&id.0, &i16::from(kind.code())],
            )?
            .first()
            .map(rows::entry_row)
            .transpose()
        })
    }

    fn entries_for_person(&self, id: PersonId) -> Result<Vec<EntryRow>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    entry_columns!(),
                    " FROM entries WHERE person_id = $1 ORDER BY effective_at, leaf_index"
                ),
                &[&id.0],
            )?
            .iter()
            .map(rows::entry_row)
            .collect()
        })
    }

    fn entries_by_leaf_from(&self, from_leaf: u64, limit_n: usize) -> Result<Vec<EntryRow>> {
        let from = to_i64(from_leaf)?;
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    entry_columns!(),
                    " FROM entries WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2"
                ),
                &[&from, &limit(limit_n)],
            )?
            .iter()
            .map(rows::entry_row)
            .collect()
        })
    }

    fn entry_count(&self) -> Result<u64> {
        self.read(|s| {
            let r = s.query_one("SELECT count(*) FROM entries", &[])?;
            index(&r, 0)
        })
    }

    fn audit_for_person(&self, id: PersonId) -> Result<Vec<AuditRow>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    audit_columns!(),
                    " FROM audit_events WHERE person_id = $1 ORDER BY at, leaf_index"
                ),
                &[&id.0],
            )?
            .iter()
            .map(rows::audit_row)
            .collect()
        })
    }

    fn audit_by_leaf_from(&self, from_leaf: u64, limit_n: usize) -> Result<Vec<AuditRow>> {
        let from = to_i64(from_leaf)?;
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    audit_columns!(),
                    " FROM audit_events WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2"
                ),
                &[&from, &limit(limit_n)],
            )?
            .iter()
            .map(rows::audit_row)
            .collect()
        })
    }

    fn user(&self, id: UserId) -> Result<Option<User>> {
        self.read(|s| {
            s.query_opt(
                concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"),
                &[&id.0],
            )?
            .as_ref()
            .map(rows::user_row)
            .transpose()
        })
    }

    fn user_by_username(&self, username: &str) -> Result<Option<(User, Option<String>)>> {
        self.read(|s| {
            s.query_opt(
                concat!(
                    "SELECT ",
                    user_columns!(),
                    ", password_hash FROM users WHERE username = $1"
                ),
                &[&username],
            )?
            .map(|r| Ok((rows::user_row(&r)?, get(&r, 6)?)))
            .transpose()
        })
    }

    fn create_session(&self, session: &SessionRow) -> Result<()> {
        self.write(|s| {
            s.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, NULL)",
                &[
                    &&session.token_hash[..],
                    &session.user.0,
                    &pg_time(session.created_at),
                    &pg_time(session.expires_at),
                ],
            )
        })?;
        Ok(())
    }

    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRow>> {
        self.read(|s| {
            s.query_opt(
                "SELECT token_hash, user_id, created_at, expires_at, revoked_at \
                 FROM sessions WHERE token_hash = $1",
                &[&&token_hash[..]],
            )?
            .as_ref()
            .map(rows::session_row)
            .transpose()
        })
    }

    fn revoke_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<bool> {
        let n = self.write(|s| {
            s.execute(
                "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
                &[&&token_hash[..], &pg_time(at)],
            )
        })?;
        Ok(n > 0)
    }

    fn retention(&self, person: PersonId) -> Result<Option<RetentionRow>> {
        self.read(|s| {
            s.query_opt(
                "SELECT person_id, retain_until, legal_hold, set_by, set_at \
                 FROM retention WHERE person_id = $1",
                &[&person.0],
            )?
            .as_ref()
            .map(retention_row)
            .transpose()
        })
    }

    fn set_retention(&self, row: &RetentionRow) -> Result<()> {
        self.write(|s| facts::upsert_retention(s, row))
    }

    fn put_break_glass(&self, w: &BreakGlassRow) -> Result<()> {
        self.write(|s| facts::upsert_break_glass(s, w))
    }

    fn latest_break_glass(&self, user: UserId, person: PersonId) -> Result<Option<BreakGlassRow>> {
        self.read(|s| {
            s.query_opt(
                concat!(
                    "SELECT ",
                    break_glass_columns!(),
                    " FROM break_glass WHERE user_id = $1 AND person_id = $2 \
                     ORDER BY opened_at DESC LIMIT 1"
                ),
                &[&user.0, &person.0],
            )?
            .as_ref()
            .map(rows::break_glass_row)
            .transpose()
        })
    }

    fn break_glass(&self, id: EntryId) -> Result<Option<BreakGlassRow>> {
        self.read(|s| {
            s.query_opt(
                concat!(
                    "SELECT ",
                    break_glass_columns!(),
                    " FROM break_glass WHERE id = $1"
                ),
                &[&id.0],
            )?
            .as_ref()
            .map(rows::break_glass_row)
            .transpose()
        })
    }

    fn add_review_item(&self, item: &ReviewItemRow) -> Result<()> {
        self.write(|s| facts::upsert_review_item(s, item))
    }

    fn review_items(&self, include_closed: bool) -> Result<Vec<ReviewItemRow>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    review_columns!(),
                    " FROM review_items WHERE $1 OR closed_at IS NULL ORDER BY created_at, id"
                ),
                &[&include_closed],
            )?
            .iter()
            .map(rows::review_row)
            .collect()
        })
    }

    fn assign_review_item(&self, id: EntryId, assignee: UserId, at: Timestamp) -> Result<bool> {
        let n = self.write(|s| {
            s.execute(
                "UPDATE review_items SET assignee_id = $2, assigned_at = $3 \
                 WHERE id = $1 AND closed_at IS NULL",
                &[&id.0, &assignee.0, &pg_time(at)],
            )
        })?;
        Ok(n > 0)
    }

    fn close_review_item(
        &self,
        id: EntryId,
        reviewer: UserId,
        finding: &[u8],
        at: Timestamp,
    ) -> Result<bool> {
        let n = self.write(|s| {
            s.execute(
                "UPDATE review_items SET closed_at = $2, reviewer_id = $3, finding = $4 \
                 WHERE id = $1 AND closed_at IS NULL",
                &[&id.0, &pg_time(at), &reviewer.0, &finding],
            )
        })?;
        Ok(n > 0)
    }

    fn import_directory(&self, dir: &DirectoryImport) -> Result<()> {
        let people: Vec<_> = dir.people.iter().map(|(p, k)| (p, k.as_ref())).collect();
        self.transaction(|s| {
            // Taken like an append's lock, so two imports cannot both find the store empty.
            s.query_opt("SELECT size FROM log_head FOR UPDATE", &[])?;
            let r = s.query_one(
                "SELECT EXISTS (SELECT 1 FROM organisations) OR EXISTS (SELECT 1 FROM users) \
                 OR EXISTS (SELECT 1 FROM people)",
                &[],
            )?;
            if get::<bool>(&r, 0)? {
                return Err(PgError::Rule(
                    "import refused: the store already holds a directory",
                ));
            }
            insert_directory(
                s,
                &dir.organisations,
                &dir.users,
                &people,
                &dir.relationships,
            )
        })
    }

    fn import_log(&self, batch: &LogImport) -> Result<u64> {
        batch.check()?;
        self.transaction(|s| import::import_log(s, batch))
    }

    fn refresh_statistics(&self) -> Result<()> {
        // Without it, until autovacuum's next analyze, a proof's node lookup right after a bulk
        // load is planned on the empty tables' statistics and scans (p99 4 ms at 10⁵ leaves
        // against 0.2 ms after; docs/benchmarks.md, "PostgreSQL").
        self.read(|s| s.batch_execute("ANALYZE leaves, nodes, entries, audit_events, checkpoints"))
    }

    fn export_sessions(&self) -> Result<Vec<SessionRow>> {
        self.read(|s| {
            s.query(
                "SELECT token_hash, user_id, created_at, expires_at, revoked_at \
                 FROM sessions ORDER BY token_hash",
                &[],
            )?
            .iter()
            .map(rows::session_row)
            .collect()
        })
    }

    fn export_break_glass(&self) -> Result<Vec<BreakGlassRow>> {
        self.read(|s| {
            s.query(
                concat!(
                    "SELECT ",
                    break_glass_columns!(),
                    " FROM break_glass ORDER BY id"
                ),
                &[],
            )?
            .iter()
            .map(rows::break_glass_row)
            .collect()
        })
    }

    fn export_retention(&self) -> Result<Vec<RetentionRow>> {
        self.read(|s| {
            s.query(
                "SELECT person_id, retain_until, legal_hold, set_by, set_at \
                 FROM retention ORDER BY person_id",
                &[],
            )?
            .iter()
            .map(retention_row)
            .collect()
        })
    }
}

fn retention_row(r: &postgres::Row) -> Result<RetentionRow, PgError> {
    Ok(RetentionRow {
        person: PersonId(get(r, 0)?),
        retain_until: get(r, 1)?,
        legal_hold: get(r, 2)?,
        set_by: UserId(get(r, 3)?),
        set_at: get(r, 4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_lower_case_schema_names_are_accepted() {
        let table = [
            ("ct_test_0123abcd", true),
            ("_private", true),
            ("caretrail", true),
            ("", false),
            ("9lives", false),
            ("Mixed", false),
            ("a-b", false),
            ("a\"; DROP TABLE people; --", false),
            ("pg_catalog", false),
            (&"x".repeat(64), false),
        ];
        for (name, ok) in table {
            assert_eq!(is_plain_identifier(name), ok, "{name:?}");
        }
    }

    #[test]
    fn a_bad_schema_name_or_url_is_refused_without_connecting_or_echoing_it() {
        let err =
            PostgresStore::open_in_schema("postgres://127.0.0.1:1/x", "Bad Name").unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err}");
        let err = PostgresStore::open("postgres://u:s3cret@[bad/x").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }
}
