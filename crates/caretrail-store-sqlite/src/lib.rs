//! The embedded SQLite backend of the caretrail [`Store`].
//!
//! - WAL journal, `synchronous=FULL`, foreign keys on, `secure_delete` on (so that erased rows
//!   are overwritten with zeros, not left in free pages).
//! - The database file and its `-wal` and `-shm` files are readable by the owner only (mode
//!   0600): the file is created before SQLite opens it, SQLite gives its journal files the mode
//!   of the database, and files left wider by an older binary are narrowed on open.
//! - Migrations are compiled into the binary and applied by `PRAGMA user_version`; a database
//!   written by a newer binary is refused.
//! - One writer connection serialises [`Store::append`] (SQLite has one writer anyway); each
//!   batch is one `BEGIN IMMEDIATE` transaction. Reads use a small pool of reader connections.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use caretrail_core::{
    AuditAction, AuditEvent, CareRelationship, EntryId, EntryKind, EntryMeta, Organisation,
    OrganisationId, PersonId, RelationshipId, Role, User, UserId,
};
use caretrail_ledger::{CompactRange, Hash, NodeId, leaf_hash};
use caretrail_store::fact::{self, Fact, FactKey, NewFact};
use caretrail_store::{
    Appended, AuditRow, BreakGlassRow, CheckpointSigner, DirectoryBatch, DirectoryImport, EntryRow,
    LogImport, LogMeta, PersonRow, Result, RetentionRow, ReviewItemRow, ReviewKind, SessionRow,
    SignedHead, Store, StoreError, StoredCheckpoint, WrappedKeys, Write, from_micros, to_micros,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};

/// The migrations, in order. The schema version is the number of migrations applied. Public so
/// that tests can build a database as an older binary left it.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_audit.sql"),
    include_str!("../migrations/0003_sessions.sql"),
    include_str!("../migrations/0004_break_glass.sql"),
    include_str!("../migrations/0005_retention.sql"),
    include_str!("../migrations/0006_entries_by_kind.sql"),
    include_str!("../migrations/0007_entries_clustered_by_person.sql"),
    include_str!("../migrations/0008_review_findings.sql"),
    include_str!("../migrations/0009_facts.sql"),
];
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
const READERS: usize = 4;

/// The SQLite store at one database file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// The last head this process verified or signed (the signed-head rule).
    head: SignedHead,
}

fn map_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            C::ConstraintViolation => {
                StoreError::Conflict(format!("constraint failed ({})", f.extended_code))
            }
            C::SystemIoFailure
            | C::DiskFull
            | C::DatabaseCorrupt
            | C::NotADatabase
            | C::CannotOpen => StoreError::Io(format!("SQLite error code {}", f.extended_code)),
            C::DatabaseBusy | C::DatabaseLocked => {
                StoreError::Backend("the database is busy".into())
            }
            _ => StoreError::Backend(format!("SQLite error code {}", f.extended_code)),
        },
        rusqlite::Error::QueryReturnedNoRows => StoreError::Backend("row not found".into()),
        _ => StoreError::Backend("SQLite call failed".into()),
    }
}

trait Sql<T> {
    fn sql(self) -> Result<T>;
}
impl<T> Sql<T> for rusqlite::Result<T> {
    fn sql(self) -> Result<T> {
        self.map_err(map_err)
    }
}

fn to_i64(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Backend("integer out of range".into()))
}

fn blob16(v: Vec<u8>) -> rusqlite::Result<[u8; 16]> {
    v.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Blob,
            "id is not 16 bytes".into(),
        )
    })
}

fn hash32(v: Vec<u8>) -> rusqlite::Result<Hash> {
    v.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Blob,
            "hash is not 32 bytes".into(),
        )
    })
}

fn conversion(msg: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.to_owned().into())
}

fn ts(us: i64) -> rusqlite::Result<jiff::Timestamp> {
    from_micros(us).map_err(|_| conversion("timestamp out of range"))
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .sql()?;
    conn.pragma_update(None, "foreign_keys", "ON").sql()?;
    conn.pragma_update(None, "synchronous", "FULL").sql()?;
    conn.pragma_update(None, "secure_delete", "ON").sql()?;
    conn.pragma_update(None, "cache_size", -16_000).sql()?;
    Ok(())
}

/// The suffixes of the files SQLite keeps beside the database in WAL mode.
const JOURNAL_SUFFIXES: [&str; 2] = ["-wal", "-shm"];

/// Makes the database at `path` (created empty first when `create` and it is missing) and its
/// journal files readable and writable by the owner only.
fn owner_only(path: &Path, create: bool) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let io = |e: std::io::Error| StoreError::Io(format!("setting the database file mode: {e}"));
    if create && !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
    }
    let mut files = vec![path.to_owned()];
    for suffix in JOURNAL_SUFFIXES {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    for file in files {
        match std::fs::metadata(&file) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
    }
    Ok(())
}

impl SqliteStore {
    /// Opens an existing database, refusing a missing file or a schema newer than this binary.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(StoreError::NotInitialised);
        }
        Self::open_inner(path, false)
    }

    /// Creates (or opens) the database and applies pending migrations.
    pub fn create(path: &Path) -> Result<Self> {
        Self::open_inner(path, true)
    }

    fn open_inner(path: &Path, create: bool) -> Result<Self> {
        owner_only(path, create)?;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut writer = Connection::open_with_flags(path, flags).sql()?;
        configure(&writer)?;
        let version: i64 = writer
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .sql()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            // An empty file is not a database of ours; an older one is brought up to date
            // (migrations only add, so an older binary's data stays readable).
            if !create && version == 0 {
                return Err(StoreError::NotInitialised);
            }
            writer.pragma_update(None, "journal_mode", "WAL").sql()?;
            let tx = writer
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .sql()?;
            for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.execute_batch(m).sql()?;
                tx.pragma_update(None, "user_version", i as i64 + 1).sql()?;
            }
            tx.commit().sql()?;
        }
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .sql()?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SqliteStore {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            head: SignedHead::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            if let Ok(conn) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return f(&conn).sql();
            }
        }
        let conn = self.readers[start % self.readers.len()]
            .lock()
            .map_err(|_| StoreError::Backend("reader connection poisoned".into()))?;
        f(&conn).sql()
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.writer
            .lock()
            .map_err(|_| StoreError::Backend("writer connection poisoned".into()))
    }
}

/// Stores one leaf and every tree node its append completes; returns the leaf's index.
fn append_leaf(
    range: &mut CompactRange,
    ins_leaf: &mut rusqlite::CachedStatement<'_>,
    ins_node: &mut rusqlite::CachedStatement<'_>,
    leaf: &[u8],
) -> Result<i64> {
    let idx = to_i64(range.size())?;
    ins_leaf.execute(params![idx, leaf]).sql()?;
    let mut node_err = None;
    range.append(leaf_hash(leaf), |id, h| {
        if node_err.is_none()
            && let Err(err) = ins_node.execute(params![id.level, id.index as i64, h.as_slice()])
        {
            node_err = Some(err);
        }
    });
    match node_err {
        Some(err) => Err(map_err(err)),
        None => Ok(idx),
    }
}

const AUDIT_COLUMNS: &str = "leaf_index, id, at, accessor_id, role, organisation_id, person_id, action, \
     purpose, allowed, break_glass, reason";

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
    let role: String = r.get(4)?;
    let person: Option<Vec<u8>> = r.get(6)?;
    let action: String = r.get(7)?;
    let purpose: String = r.get(8)?;
    Ok(AuditRow {
        leaf_index: r.get::<_, i64>(0)? as u64,
        event: AuditEvent {
            id: EntryId::from_bytes(blob16(r.get(1)?)?),
            at: ts(r.get(2)?)?,
            accessor: UserId::from_bytes(blob16(r.get(3)?)?),
            role: role.parse().map_err(|_| conversion("unknown role"))?,
            organisation: OrganisationId::from_bytes(blob16(r.get(5)?)?),
            person: person.map(blob16).transpose()?.map(PersonId::from_bytes),
            action: AuditAction::ALL
                .into_iter()
                .find(|a| a.as_str() == action)
                .ok_or_else(|| conversion("unknown audit action"))?,
            purpose: purpose.parse().map_err(|_| conversion("unknown purpose"))?,
            allowed: r.get(9)?,
            break_glass: r.get(10)?,
            reason: r.get(11)?,
        },
    })
}

fn break_glass_row(r: &Row<'_>) -> rusqlite::Result<BreakGlassRow> {
    Ok(BreakGlassRow {
        id: EntryId::from_bytes(blob16(r.get(0)?)?),
        user: UserId::from_bytes(blob16(r.get(1)?)?),
        person: PersonId::from_bytes(blob16(r.get(2)?)?),
        organisation: OrganisationId::from_bytes(blob16(r.get(3)?)?),
        reason: r.get(4)?,
        opened_at: ts(r.get(5)?)?,
    })
}

fn review_row(r: &Row<'_>) -> rusqlite::Result<ReviewItemRow> {
    let opt_id = |i: usize| -> rusqlite::Result<Option<[u8; 16]>> {
        r.get::<_, Option<Vec<u8>>>(i)?.map(blob16).transpose()
    };
    let opt_ts = |i: usize| -> rusqlite::Result<Option<jiff::Timestamp>> {
        r.get::<_, Option<i64>>(i)?.map(ts).transpose()
    };
    let kind: String = r.get(1)?;
    Ok(ReviewItemRow {
        id: EntryId::from_bytes(blob16(r.get(0)?)?),
        kind: ReviewKind::parse(&kind).ok_or_else(|| conversion("unknown review kind"))?,
        person: PersonId::from_bytes(blob16(r.get(2)?)?),
        subject: UserId::from_bytes(blob16(r.get(3)?)?),
        window: opt_id(4)?.map(EntryId::from_bytes),
        entry: opt_id(5)?.map(EntryId::from_bytes),
        audit: EntryId::from_bytes(blob16(r.get(6)?)?),
        created_at: ts(r.get(7)?)?,
        assignee: opt_id(8)?.map(UserId::from_bytes),
        assigned_at: opt_ts(9)?,
        closed_at: opt_ts(10)?,
        reviewer: opt_id(11)?.map(UserId::from_bytes),
        finding: r.get(12)?,
    })
}

fn session_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let revoked: Option<i64> = r.get(4)?;
    Ok(SessionRow {
        token_hash: hash32(r.get(0)?)?,
        user: UserId::from_bytes(blob16(r.get(1)?)?),
        created_at: ts(r.get(2)?)?,
        expires_at: ts(r.get(3)?)?,
        revoked_at: revoked.map(ts).transpose()?,
    })
}

fn retention_row(r: &Row<'_>) -> rusqlite::Result<RetentionRow> {
    let until: Option<String> = r.get(1)?;
    Ok(RetentionRow {
        person: PersonId::from_bytes(blob16(r.get(0)?)?),
        retain_until: until
            .map(|d| {
                d.parse()
                    .map_err(|_| conversion("retain_until is not a date"))
            })
            .transpose()?,
        legal_hold: r.get(2)?,
        set_by: UserId::from_bytes(blob16(r.get(3)?)?),
        set_at: ts(r.get(4)?)?,
    })
}

const BREAK_GLASS_COLUMNS: &str = "id, user_id, person_id, organisation_id, reason, opened_at";
const REVIEW_COLUMNS: &str = "id, kind, person_id, subject_id, window_id, entry_id, audit_id, \
     created_at, assignee_id, assigned_at, closed_at, reviewer_id, finding";

const ENTRY_COLUMNS: &str = "id, leaf_index, person_id, organisation_id, author_id, author_role, kind, \
     recorded_at, effective_at, amends, key_version, payload";

fn entry_row(r: &Row<'_>) -> rusqlite::Result<EntryRow> {
    let role_code: u8 = r.get(5)?;
    let kind_code: u8 = r.get(6)?;
    let amends: Option<[u8; 16]> = r.get(9)?;
    Ok(EntryRow {
        meta: EntryMeta {
            // Fixed-size reads: no allocation per id column (a timeline reads hundreds of rows).
            id: EntryId::from_bytes(r.get(0)?),
            person: PersonId::from_bytes(r.get(2)?),
            organisation: OrganisationId::from_bytes(r.get(3)?),
            author: UserId::from_bytes(r.get(4)?),
            author_role: Role::ALL
                .into_iter()
                .find(|x| x.code() == role_code)
                .ok_or_else(|| conversion("unknown role code"))?,
            kind: EntryKind::from_code(kind_code)
                .ok_or_else(|| conversion("unknown entry kind code"))?,
            recorded_at: ts(r.get(7)?)?,
            effective_at: ts(r.get(8)?)?,
            amends: amends.map(EntryId::from_bytes),
        },
        leaf_index: r.get::<_, i64>(1)? as u64,
        key_version: r.get(10)?,
        payload: r.get(11)?,
    })
}

fn person_row(r: &Row<'_>) -> rusqlite::Result<PersonRow> {
    let erased: Option<i64> = r.get(3)?;
    Ok(PersonRow {
        id: PersonId::from_bytes(blob16(r.get(0)?)?),
        pseudonym: blob16(r.get(1)?)?,
        created_at: ts(r.get(2)?)?,
        erased_at: erased.map(ts).transpose()?,
        profile: r.get(4)?,
    })
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    let person: Option<Vec<u8>> = r.get(5)?;
    Ok(User {
        id: UserId::from_bytes(blob16(r.get(0)?)?),
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: role.parse().map_err(|_| conversion("unknown role"))?,
        organisation: OrganisationId::from_bytes(blob16(r.get(4)?)?),
        person: person.map(blob16).transpose()?.map(PersonId::from_bytes),
    })
}

fn relationship_row(r: &Row<'_>) -> rusqlite::Result<CareRelationship> {
    let kind: String = r.get(4)?;
    let to: Option<i64> = r.get(6)?;
    Ok(CareRelationship {
        id: RelationshipId::from_bytes(blob16(r.get(0)?)?),
        practitioner: UserId::from_bytes(blob16(r.get(1)?)?),
        person: PersonId::from_bytes(blob16(r.get(2)?)?),
        organisation: OrganisationId::from_bytes(blob16(r.get(3)?)?),
        kind: kind
            .parse()
            .map_err(|_| conversion("unknown relationship kind"))?,
        from: ts(r.get(5)?)?,
        to: to.map(ts).transpose()?,
    })
}

const META_KEYS: [&str; 6] = [
    "origin",
    "verifier_key",
    "kek_check",
    "system_keys",
    "pseudonym_key",
    "created_at",
];

fn read_nodes_on(conn: &Connection, ids: &[NodeId]) -> rusqlite::Result<Vec<Option<Hash>>> {
    let mut stmt = conn.prepare_cached("SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2")?;
    ids.iter()
        .map(|id| {
            stmt.query_row(params![id.level, id.index as i64], |r| hash32(r.get(0)?))
                .optional()
        })
        .collect()
}

/// Writes directory rows inside the open transaction `tx` (people without keys are erased), with
/// the statements fact writes use.
fn insert_directory<'a>(
    tx: &rusqlite::Transaction<'_>,
    organisations: &[Organisation],
    users: &[(User, Option<String>)],
    people: impl Iterator<Item = (&'a PersonRow, Option<&'a WrappedKeys>)>,
    relationships: &[CareRelationship],
) -> Result<()> {
    for o in organisations {
        upsert_organisation(tx, o)?;
    }
    for (p, k) in people {
        upsert_person(tx, p, k)?;
    }
    for (u, hash) in users {
        upsert_user(tx, u, hash.as_deref())?;
    }
    for r in relationships {
        upsert_relationship(tx, r)?;
    }
    Ok(())
}

/// Writes the row a fact leaf commits to, replacing the row of that fact if there is one, and
/// moves the fact's head to `leaf_index`.
fn apply_fact(tx: &rusqlite::Transaction<'_>, leaf_index: i64, f: &NewFact) -> Result<()> {
    let decoded = fact::decode(&f.leaf)
        .filter(|d| d.key.kind == f.fact.kind())
        .ok_or_else(|| {
            StoreError::Conflict("a fact's leaf is not a fact leaf of its kind".into())
        })?;
    tx.prepare_cached(
        "INSERT INTO facts (kind, subject, leaf_index) VALUES (?1, ?2, ?3) \
         ON CONFLICT (kind, subject) DO UPDATE SET leaf_index = excluded.leaf_index",
    )
    .sql()?
    .execute(params![
        decoded.key.kind.code(),
        decoded.key.subject,
        leaf_index
    ])
    .sql()?;
    match &f.fact {
        Fact::Organisation(o) => upsert_organisation(tx, o)?,
        Fact::User {
            user,
            password_hash,
        } => upsert_user(tx, user, password_hash.as_deref())?,
        Fact::Person { row, keys } => upsert_person(tx, row, keys.as_ref())?,
        Fact::Relationship(r) => upsert_relationship(tx, r)?,
        Fact::Retention(r) => upsert_retention(tx, r)?,
        Fact::BreakGlass(w) => upsert_break_glass(tx, w)?,
        Fact::Review(i) => upsert_review_item(tx, i)?,
    }
    Ok(())
}

fn upsert_organisation(conn: &Connection, o: &Organisation) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO organisations (id, name, kind) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind",
    )
    .sql()?
    .execute(params![o.id.as_bytes(), o.name, o.kind.as_str()])
    .sql()?;
    Ok(())
}

fn upsert_user(conn: &Connection, u: &User, password_hash: Option<&str>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO users (id, username, display_name, role, organisation_id, person_id, password_hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET \
         username = excluded.username, display_name = excluded.display_name, role = excluded.role, \
         organisation_id = excluded.organisation_id, person_id = excluded.person_id, \
         password_hash = excluded.password_hash",
    )
    .sql()?
    .execute(params![
        u.id.as_bytes(),
        u.username,
        u.display_name,
        u.role.as_str(),
        u.organisation.as_bytes(),
        u.person.map(|p| *p.as_bytes()),
        password_hash
    ])
    .sql()?;
    Ok(())
}

/// Writes a person row, and a new person's keys (never replaced: a second set is a conflict).
fn upsert_person(conn: &Connection, p: &PersonRow, keys: Option<&WrappedKeys>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO people (id, pseudonym, created_at, erased_at, profile) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET pseudonym = excluded.pseudonym, created_at = excluded.created_at, \
         erased_at = excluded.erased_at, profile = excluded.profile",
    )
    .sql()?
    .execute(params![
        p.id.as_bytes(),
        p.pseudonym,
        to_micros(p.created_at),
        p.erased_at.map(to_micros),
        p.profile
    ])
    .sql()?;
    if let Some(k) = keys {
        conn.prepare_cached(
            "INSERT INTO person_keys (person_id, key_version, wrapped) VALUES (?1, ?2, ?3)",
        )
        .sql()?
        .execute(params![p.id.as_bytes(), k.key_version, k.wrapped])
        .sql()?;
    }
    Ok(())
}

fn upsert_relationship(conn: &Connection, r: &CareRelationship) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO relationships (id, practitioner_id, person_id, organisation_id, kind, valid_from, valid_to) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET \
         practitioner_id = excluded.practitioner_id, person_id = excluded.person_id, \
         organisation_id = excluded.organisation_id, kind = excluded.kind, \
         valid_from = excluded.valid_from, valid_to = excluded.valid_to",
    )
    .sql()?
    .execute(params![
        r.id.as_bytes(),
        r.practitioner.as_bytes(),
        r.person.as_bytes(),
        r.organisation.as_bytes(),
        r.kind.as_str(),
        to_micros(r.from),
        r.to.map(to_micros)
    ])
    .sql()?;
    Ok(())
}

fn upsert_retention(conn: &Connection, row: &RetentionRow) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO retention (person_id, retain_until, legal_hold, set_by, set_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (person_id) DO UPDATE SET retain_until = excluded.retain_until, \
         legal_hold = excluded.legal_hold, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .sql()?
    .execute(params![
        row.person.as_bytes(),
        row.retain_until.map(|d| d.to_string()),
        row.legal_hold,
        row.set_by.as_bytes(),
        to_micros(row.set_at)
    ])
    .sql()?;
    Ok(())
}

fn upsert_break_glass(conn: &Connection, w: &BreakGlassRow) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO break_glass ({BREAK_GLASS_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, person_id = excluded.person_id, \
         organisation_id = excluded.organisation_id, reason = excluded.reason, opened_at = excluded.opened_at"
    ))
    .sql()?
    .execute(params![
        w.id.as_bytes(),
        w.user.as_bytes(),
        w.person.as_bytes(),
        w.organisation.as_bytes(),
        w.reason,
        to_micros(w.opened_at)
    ])
    .sql()?;
    Ok(())
}

fn upsert_review_item(conn: &Connection, item: &ReviewItemRow) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO review_items ({REVIEW_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, person_id = excluded.person_id, \
         subject_id = excluded.subject_id, window_id = excluded.window_id, entry_id = excluded.entry_id, \
         audit_id = excluded.audit_id, created_at = excluded.created_at, assignee_id = excluded.assignee_id, \
         assigned_at = excluded.assigned_at, closed_at = excluded.closed_at, \
         reviewer_id = excluded.reviewer_id, finding = excluded.finding"
    ))
    .sql()?
    .execute(params![
        item.id.as_bytes(),
        item.kind.as_str(),
        item.person.as_bytes(),
        item.subject.as_bytes(),
        item.window.map(|w| *w.as_bytes()),
        item.entry.map(|e| *e.as_bytes()),
        item.audit.as_bytes(),
        to_micros(item.created_at),
        item.assignee.map(|a| *a.as_bytes()),
        item.assigned_at.map(to_micros),
        item.closed_at.map(to_micros),
        item.reviewer.map(|r| *r.as_bytes()),
        item.finding
    ])
    .sql()?;
    Ok(())
}

/// Inserts one entry row (a new one, or one imported with its leaf index).
fn insert_entry(
    stmt: &mut rusqlite::CachedStatement<'_>,
    leaf_index: i64,
    m: &EntryMeta,
    key_version: u32,
    payload: Option<&[u8]>,
) -> Result<()> {
    stmt.execute(params![
        m.id.as_bytes(),
        leaf_index,
        m.person.as_bytes(),
        m.organisation.as_bytes(),
        m.author.as_bytes(),
        m.author_role.code(),
        m.kind.code(),
        to_micros(m.recorded_at),
        to_micros(m.effective_at),
        m.amends.map(|a| *a.as_bytes()),
        key_version,
        payload
    ])
    .sql()?;
    Ok(())
}

/// Inserts one audit event row.
fn insert_audit(
    stmt: &mut rusqlite::CachedStatement<'_>,
    leaf_index: i64,
    e: &AuditEvent,
) -> Result<()> {
    stmt.execute(params![
        leaf_index,
        e.id.as_bytes(),
        to_micros(e.at),
        e.accessor.as_bytes(),
        e.role.as_str(),
        e.organisation.as_bytes(),
        e.person.map(|p| *p.as_bytes()),
        e.action.as_str(),
        e.purpose.as_str(),
        e.allowed,
        e.break_glass,
        e.reason
    ])
    .sql()?;
    Ok(())
}

impl Store for SqliteStore {
    fn init_log(&self, meta: &LogMeta) -> Result<()> {
        let mut conn = self.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'origin')",
                [],
                |r| r.get(0),
            )
            .sql()?;
        if exists {
            return Err(StoreError::Conflict(
                "the log is already initialised".into(),
            ));
        }
        let values: [Vec<u8>; 6] = [
            meta.origin.as_bytes().to_vec(),
            meta.verifier_key.as_bytes().to_vec(),
            meta.kek_check.clone(),
            meta.system_keys.clone(),
            meta.pseudonym_key.clone(),
            to_micros(meta.created_at).to_be_bytes().to_vec(),
        ];
        for (k, v) in META_KEYS.iter().zip(values) {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .sql()?;
        }
        tx.commit().sql()
    }

    fn log_meta(&self) -> Result<Option<LogMeta>> {
        let rows: Vec<(String, Vec<u8>)> = self.read(|c| {
            let mut stmt = c.prepare("SELECT key, value FROM meta")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })?;
        if rows.is_empty() {
            return Ok(None);
        }
        let get = |k: &str| {
            rows.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| StoreError::Backend(format!("meta key {k} is missing")))
        };
        let text = |k: &str| {
            get(k).and_then(|v| {
                String::from_utf8(v)
                    .map_err(|_| StoreError::Backend(format!("meta key {k} is not text")))
            })
        };
        let created: [u8; 8] = get("created_at")?
            .try_into()
            .map_err(|_| StoreError::Backend("meta created_at is malformed".into()))?;
        Ok(Some(LogMeta {
            origin: text("origin")?,
            verifier_key: text("verifier_key")?,
            kek_check: get("kek_check")?,
            system_keys: get("system_keys")?,
            pseudonym_key: get("pseudonym_key")?,
            created_at: from_micros(i64::from_be_bytes(created))?,
        }))
    }

    fn put_directory(&self, dir: &DirectoryBatch) -> Result<()> {
        let mut conn = self.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        insert_directory(
            &tx,
            &dir.organisations,
            &dir.users,
            dir.people.iter().map(|(p, k)| (p, Some(k))),
            &dir.relationships,
        )?;
        tx.commit().sql()
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT id, name, kind FROM organisations ORDER BY name")?;
            stmt.query_map([], |r| {
                let kind: String = r.get(2)?;
                Ok(Organisation {
                    id: OrganisationId::from_bytes(blob16(r.get(0)?)?),
                    name: r.get(1)?,
                    kind: kind
                        .parse()
                        .map_err(|_| conversion("unknown organisation kind"))?,
                })
            })?
            .collect()
        })
    }

    fn users(&self) -> Result<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, username, display_name, role, organisation_id, person_id FROM users ORDER BY username",
            )?;
            stmt.query_map([], user_row)?.collect()
        })
    }

    fn user_password_hash(&self, user: UserId) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [user.as_bytes()],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
        })
    }

    fn person(&self, id: PersonId) -> Result<Option<PersonRow>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT id, pseudonym, created_at, erased_at, profile FROM people WHERE id = ?1",
            )?
            .query_row([id.as_bytes()], person_row)
            .optional()
        })
    }

    fn people(&self) -> Result<Vec<PersonRow>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, pseudonym, created_at, erased_at, profile FROM people ORDER BY id",
            )?;
            stmt.query_map([], person_row)?.collect()
        })
    }

    fn person_keys(&self, id: PersonId) -> Result<Option<WrappedKeys>> {
        self.read(|c| {
            c.prepare_cached("SELECT key_version, wrapped FROM person_keys WHERE person_id = ?1")?
                .query_row([id.as_bytes()], |r| {
                    Ok(WrappedKeys {
                        key_version: r.get(0)?,
                        wrapped: r.get(1)?,
                    })
                })
                .optional()
        })
    }

    fn relationships_for_person(&self, id: PersonId) -> Result<Vec<CareRelationship>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, practitioner_id, person_id, organisation_id, kind, valid_from, valid_to \
                 FROM relationships WHERE person_id = ?1 ORDER BY valid_from, id",
            )?;
            stmt.query_map([id.as_bytes()], relationship_row)?.collect()
        })
    }

    fn relationships_for_practitioner(&self, id: UserId) -> Result<Vec<CareRelationship>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, practitioner_id, person_id, organisation_id, kind, valid_from, valid_to \
                 FROM relationships WHERE practitioner_id = ?1 ORDER BY valid_from, id",
            )?;
            stmt.query_map([id.as_bytes()], relationship_row)?.collect()
        })
    }

    fn append(&self, batch: &[Write], signer: &dyn CheckpointSigner) -> Result<Appended> {
        let mut conn = self.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        let size: i64 = tx
            .query_row("SELECT COALESCE(MAX(idx) + 1, 0) FROM leaves", [], |r| {
                r.get(0)
            })
            .sql()?;
        let size = size as u64;
        let frontier = CompactRange::frontier_ids(size);
        let hashes = read_nodes_on(&tx, &frontier)
            .sql()?
            .into_iter()
            .collect::<Option<Vec<Hash>>>()
            .ok_or_else(|| {
                StoreError::Backend("a tree node of the right edge is missing".into())
            })?;
        let mut range = CompactRange::from_parts(size, hashes)
            .map_err(|_| StoreError::Backend("the right edge of the tree is malformed".into()))?;
        let latest = tx
            .query_row(
                "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)),
            )
            .optional()
            .sql()?;
        self.head.check(signer, size, &range.root(), latest)?;
        let mut leaf_indexes = Vec::new();
        let mut keyed: std::collections::HashSet<(PersonId, u32)> =
            std::collections::HashSet::new();
        {
            let mut has_keys = tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM person_keys WHERE person_id = ?1 AND key_version = ?2)").sql()?;
            let mut ins_leaf = tx
                .prepare_cached("INSERT INTO leaves (idx, data) VALUES (?1, ?2)")
                .sql()?;
            let mut ins_node = tx
                .prepare_cached("INSERT INTO nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
                .sql()?;
            let mut ins_entry = tx
                .prepare_cached(&format!("INSERT INTO entries ({ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"))
                .sql()?;
            let mut ins_audit = tx
                .prepare_cached(&format!("INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"))
                .sql()?;
            for w in batch {
                match w {
                    Write::Audit(a) => {
                        let idx_i = append_leaf(&mut range, &mut ins_leaf, &mut ins_node, &a.leaf)?;
                        insert_audit(&mut ins_audit, idx_i, &a.event)?;
                        leaf_indexes.push(idx_i as u64);
                    }
                    Write::Entry(e) => {
                        if e.key_version != 0 && !keyed.contains(&(e.meta.person, e.key_version)) {
                            let ok: bool = has_keys
                                .query_row(params![e.meta.person.as_bytes(), e.key_version], |r| {
                                    r.get(0)
                                })
                                .sql()?;
                            if !ok {
                                return Err(StoreError::Conflict(
                                    "the person has no key of that version (erased?)".into(),
                                ));
                            }
                            keyed.insert((e.meta.person, e.key_version));
                        }
                        let idx_i = append_leaf(&mut range, &mut ins_leaf, &mut ins_node, &e.leaf)?;
                        insert_entry(
                            &mut ins_entry,
                            idx_i,
                            &e.meta,
                            e.key_version,
                            Some(&e.payload),
                        )?;
                        leaf_indexes.push(idx_i as u64);
                    }
                    Write::Expect {
                        person,
                        kind,
                        latest,
                    } => {
                        let found: Option<i64> = tx
                            .query_row(
                                "SELECT MAX(leaf_index) FROM entries WHERE person_id = ?1 AND kind = ?2",
                                params![person.as_bytes(), kind.code()],
                                |r| r.get(0),
                            )
                            .sql()?;
                        if found.map(|i| i as u64) != *latest {
                            return Err(StoreError::Stale);
                        }
                    }
                    Write::Fact(f) => {
                        let idx_i = append_leaf(&mut range, &mut ins_leaf, &mut ins_node, &f.leaf)?;
                        apply_fact(&tx, idx_i, f)?;
                        leaf_indexes.push(idx_i as u64);
                    }
                    Write::ExpectFact { key, latest } => {
                        let found: Option<i64> = tx
                            .prepare_cached(
                                "SELECT leaf_index FROM facts WHERE kind = ?1 AND subject = ?2",
                            )
                            .sql()?
                            .query_row(params![key.kind.code(), key.subject], |r| r.get(0))
                            .optional()
                            .sql()?;
                        if found.map(|i| i as u64) != *latest {
                            return Err(StoreError::Stale);
                        }
                    }
                    Write::ErasePerson { person, at } => {
                        keyed.retain(|(p, _)| p != person);
                        let p = person.as_bytes();
                        tx.execute("DELETE FROM person_keys WHERE person_id = ?1", [p])
                            .sql()?;
                        tx.execute("UPDATE entries SET payload = NULL WHERE person_id = ?1 AND key_version <> 0", [p]).sql()?;
                        tx.execute(
                            "UPDATE people SET profile = NULL, erased_at = ?2 WHERE id = ?1",
                            params![p, to_micros(*at)],
                        )
                        .sql()?;
                    }
                }
            }
        }
        let root = range.root();
        let size = range.size();
        let checkpoint = signer.sign(size, &root);
        tx.execute(
            "INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?1, ?2)",
            params![to_i64(size)?, checkpoint],
        )
        .sql()?;
        tx.commit().sql()?;
        self.head.committed(size, &root, &checkpoint);
        Ok(Appended {
            leaf_indexes,
            size,
            root,
            checkpoint,
        })
    }

    fn fold_journal(&self) -> Result<()> {
        let conn = self.writer()?;
        // Copy every committed page back into the main file and truncate the WAL, so the old
        // versions of erased rows are gone from the WAL; secure_delete has zeroed freed cells.
        let (busy, _, _): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .sql()?;
        if busy != 0 {
            return Err(StoreError::Backend(
                "the write-ahead log could not be truncated: another process holds it".into(),
            ));
        }
        Ok(())
    }

    fn tree_size(&self) -> Result<u64> {
        self.read(|c| {
            c.query_row("SELECT COALESCE(MAX(idx) + 1, 0) FROM leaves", [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .map(|n| n as u64)
    }

    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>> {
        let i = to_i64(index)?;
        self.read(|c| {
            c.prepare_cached("SELECT data FROM leaves WHERE idx = ?1")?
                .query_row([i], |r| r.get(0))
                .optional()
        })
    }

    fn leaves_from(&self, from: u64, limit: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let from = to_i64(from)?;
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT idx, data FROM leaves WHERE idx >= ?1 ORDER BY idx LIMIT ?2",
            )?;
            stmt.query_map(params![from, limit as i64], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
            })?
            .collect()
        })
    }

    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>> {
        let found = self.read(|c| read_nodes_on(c, ids))?;
        found
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| StoreError::Backend("a tree node is missing".into()))
    }

    fn nodes_from(&self, level: u8, from: u64, limit: usize) -> Result<Vec<(u64, Hash)>> {
        let from = to_i64(from)?;
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT idx, hash FROM nodes WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3",
            )?;
            stmt.query_map(params![level, from, limit as i64], |r| {
                Ok((r.get::<_, i64>(0)? as u64, hash32(r.get(1)?)?))
            })?
            .collect()
        })
    }

    fn fact_head(&self, key: &FactKey) -> Result<Option<u64>> {
        self.read(|c| {
            c.prepare_cached("SELECT leaf_index FROM facts WHERE kind = ?1 AND subject = ?2")?
                .query_row(params![key.kind.code(), key.subject], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()
        })
        .map(|i| i.map(|i| i as u64))
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        self.read(|c| {
            c.query_row(
                "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                [],
                |r| {
                    Ok(StoredCheckpoint {
                        size: r.get::<_, i64>(0)? as u64,
                        note: r.get(1)?,
                    })
                },
            )
            .optional()
        })
    }

    fn checkpoints_from(&self, from_size: u64, limit: usize) -> Result<Vec<StoredCheckpoint>> {
        let from = to_i64(from_size)?;
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT size, note FROM checkpoints WHERE size >= ?1 ORDER BY size LIMIT ?2",
            )?;
            stmt.query_map(params![from, limit as i64], |r| {
                Ok(StoredCheckpoint {
                    size: r.get::<_, i64>(0)? as u64,
                    note: r.get(1)?,
                })
            })?
            .collect()
        })
    }

    fn entry(&self, id: EntryId) -> Result<Option<EntryRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE id = ?1"
            ))?
            .query_row([id.as_bytes()], entry_row)
            .optional()
        })
    }

    fn entries_for_person(&self, id: PersonId) -> Result<Vec<EntryRow>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE person_id = ?1 ORDER BY effective_at, leaf_index"
            ))?;
            stmt.query_map([id.as_bytes()], entry_row)?.collect()
        })
    }

    fn latest_entry_of_kind(&self, id: PersonId, kind: EntryKind) -> Result<Option<EntryRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE person_id = ?1 AND kind = ?2 \
                 ORDER BY leaf_index DESC LIMIT 1"
            ))?
            .query_row(params![id.as_bytes(), kind.code()], entry_row)
            .optional()
        })
    }

    fn entries_by_leaf_from(&self, from_leaf: u64, limit: usize) -> Result<Vec<EntryRow>> {
        let from = to_i64(from_leaf)?;
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE leaf_index >= ?1 ORDER BY leaf_index LIMIT ?2"
            ))?;
            stmt.query_map(params![from, limit as i64], entry_row)?.collect()
        })
    }

    fn entry_count(&self) -> Result<u64> {
        self.read(|c| c.query_row("SELECT COUNT(*) FROM entries", [], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
    }

    fn audit_for_person(&self, id: PersonId) -> Result<Vec<AuditRow>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE person_id = ?1 ORDER BY at, leaf_index"
            ))?;
            stmt.query_map([id.as_bytes()], audit_row)?.collect()
        })
    }

    fn audit_by_leaf_from(&self, from_leaf: u64, limit: usize) -> Result<Vec<AuditRow>> {
        let from = to_i64(from_leaf)?;
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE leaf_index >= ?1 ORDER BY leaf_index LIMIT ?2"
            ))?;
            stmt.query_map(params![from, limit as i64], audit_row)?.collect()
        })
    }

    fn user(&self, id: UserId) -> Result<Option<User>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT id, username, display_name, role, organisation_id, person_id FROM users WHERE id = ?1",
            )?
            .query_row([id.as_bytes()], user_row)
            .optional()
        })
    }

    fn user_by_username(&self, username: &str) -> Result<Option<(User, Option<String>)>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT id, username, display_name, role, organisation_id, person_id, password_hash FROM users WHERE username = ?1",
            )?
            .query_row([username], |r| Ok((user_row(r)?, r.get(6)?)))
            .optional()
        })
    }

    fn create_session(&self, session: &SessionRow) -> Result<()> {
        let conn = self.writer()?;
        conn.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, NULL)",
            params![
                session.token_hash.as_slice(),
                session.user.as_bytes(),
                to_micros(session.created_at),
                to_micros(session.expires_at)
            ],
        )
        .sql()?;
        Ok(())
    }

    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRow>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT token_hash, user_id, created_at, expires_at, revoked_at FROM sessions WHERE token_hash = ?1",
            )?
            .query_row([token_hash.as_slice()], session_row)
            .optional()
        })
    }

    fn revoke_session(&self, token_hash: &[u8; 32], at: jiff::Timestamp) -> Result<bool> {
        let conn = self.writer()?;
        let n = conn
            .execute(
                "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
                params![token_hash.as_slice(), to_micros(at)],
            )
            .sql()?;
        Ok(n > 0)
    }

    fn retention(&self, person: PersonId) -> Result<Option<RetentionRow>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT person_id, retain_until, legal_hold, set_by, set_at FROM retention WHERE person_id = ?1",
            )?
            .query_row([person.as_bytes()], retention_row)
            .optional()
        })
    }

    fn set_retention(&self, row: &RetentionRow) -> Result<()> {
        upsert_retention(&*self.writer()?, row)
    }

    fn put_break_glass(&self, w: &BreakGlassRow) -> Result<()> {
        upsert_break_glass(&*self.writer()?, w)
    }

    fn latest_break_glass(&self, user: UserId, person: PersonId) -> Result<Option<BreakGlassRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {BREAK_GLASS_COLUMNS} FROM break_glass WHERE user_id = ?1 AND person_id = ?2 ORDER BY opened_at DESC LIMIT 1"
            ))?
            .query_row([user.as_bytes(), person.as_bytes()], break_glass_row)
            .optional()
        })
    }

    fn break_glass(&self, id: EntryId) -> Result<Option<BreakGlassRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {BREAK_GLASS_COLUMNS} FROM break_glass WHERE id = ?1"
            ))?
            .query_row([id.as_bytes()], break_glass_row)
            .optional()
        })
    }

    fn add_review_item(&self, item: &ReviewItemRow) -> Result<()> {
        upsert_review_item(&*self.writer()?, item)
    }

    fn review_items(&self, include_closed: bool) -> Result<Vec<ReviewItemRow>> {
        self.read(|c| {
            let sql = if include_closed {
                format!("SELECT {REVIEW_COLUMNS} FROM review_items ORDER BY created_at, id")
            } else {
                format!("SELECT {REVIEW_COLUMNS} FROM review_items WHERE closed_at IS NULL ORDER BY created_at, id")
            };
            let mut stmt = c.prepare_cached(&sql)?;
            stmt.query_map([], review_row)?.collect()
        })
    }

    fn assign_review_item(
        &self,
        id: EntryId,
        assignee: UserId,
        at: jiff::Timestamp,
    ) -> Result<bool> {
        let n = self
            .writer()?
            .execute(
                "UPDATE review_items SET assignee_id = ?2, assigned_at = ?3 WHERE id = ?1 AND closed_at IS NULL",
                params![id.as_bytes(), assignee.as_bytes(), to_micros(at)],
            )
            .sql()?;
        Ok(n > 0)
    }

    fn close_review_item(
        &self,
        id: EntryId,
        reviewer: UserId,
        finding: &[u8],
        at: jiff::Timestamp,
    ) -> Result<bool> {
        let n = self
            .writer()?
            .execute(
                "UPDATE review_items SET closed_at = ?2, reviewer_id = ?3, finding = ?4 WHERE id = ?1 AND closed_at IS NULL",
                params![id.as_bytes(), to_micros(at), reviewer.as_bytes(), finding],
            )
            .sql()?;
        Ok(n > 0)
    }

    fn import_directory(&self, dir: &DirectoryImport) -> Result<()> {
        let mut conn = self.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        let occupied: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM organisations) OR EXISTS (SELECT 1 FROM users) \
                 OR EXISTS (SELECT 1 FROM people)",
                [],
                |r| r.get(0),
            )
            .sql()?;
        if occupied {
            return Err(StoreError::Conflict(
                "import refused: the store already holds a directory".into(),
            ));
        }
        insert_directory(
            &tx,
            &dir.organisations,
            &dir.users,
            dir.people.iter().map(|(p, k)| (p, k.as_ref())),
            &dir.relationships,
        )?;
        tx.commit().sql()
    }

    fn import_log(&self, batch: &LogImport) -> Result<u64> {
        batch.check()?;
        let mut conn = self.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        let size: i64 = tx
            .query_row("SELECT COALESCE(MAX(idx) + 1, 0) FROM leaves", [], |r| {
                r.get(0)
            })
            .sql()?;
        if size != to_i64(batch.from)? {
            return Err(StoreError::Conflict(format!(
                "import refused: the store holds {size} leaves, the batch starts at {}",
                batch.from
            )));
        }
        {
            let mut ins_leaf = tx
                .prepare_cached("INSERT INTO leaves (idx, data) VALUES (?1, ?2)")
                .sql()?;
            let mut set_fact = tx
                .prepare_cached(
                    "INSERT INTO facts (kind, subject, leaf_index) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (kind, subject) DO UPDATE SET leaf_index = excluded.leaf_index",
                )
                .sql()?;
            for (i, leaf) in batch.leaves.iter().enumerate() {
                let idx = to_i64(batch.from + i as u64)?;
                ins_leaf.execute(params![idx, leaf]).sql()?;
                // The facts index follows the fact leaves copied (their rows come with the
                // directory and the row copies).
                if let Some(f) = fact::decode(leaf) {
                    set_fact
                        .execute(params![f.key.kind.code(), f.key.subject, idx])
                        .sql()?;
                }
            }
            let mut ins_node = tx
                .prepare_cached("INSERT INTO nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
                .sql()?;
            for (id, hash) in &batch.nodes {
                ins_node
                    .execute(params![id.level, to_i64(id.index)?, hash.as_slice()])
                    .sql()?;
            }
            let mut ins_entry = tx
                .prepare_cached(&format!("INSERT INTO entries ({ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"))
                .sql()?;
            for e in &batch.entries {
                insert_entry(
                    &mut ins_entry,
                    to_i64(e.leaf_index)?,
                    &e.meta,
                    e.key_version,
                    e.payload.as_deref(),
                )?;
            }
            let mut ins_audit = tx
                .prepare_cached(&format!("INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"))
                .sql()?;
            for a in &batch.audits {
                insert_audit(&mut ins_audit, to_i64(a.leaf_index)?, &a.event)?;
            }
            let mut ins_checkpoint = tx
                .prepare_cached("INSERT INTO checkpoints (size, note) VALUES (?1, ?2)")
                .sql()?;
            for c in &batch.checkpoints {
                ins_checkpoint
                    .execute(params![to_i64(c.size)?, c.note])
                    .sql()?;
            }
        }
        tx.commit().sql()?;
        Ok(batch.end())
    }

    fn export_sessions(&self) -> Result<Vec<SessionRow>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT token_hash, user_id, created_at, expires_at, revoked_at FROM sessions ORDER BY token_hash",
            )?
            .query_map([], session_row)?
            .collect()
        })
    }

    fn export_break_glass(&self) -> Result<Vec<BreakGlassRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {BREAK_GLASS_COLUMNS} FROM break_glass ORDER BY id"
            ))?
            .query_map([], break_glass_row)?
            .collect()
        })
    }

    fn export_retention(&self) -> Result<Vec<RetentionRow>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT person_id, retain_until, legal_hold, set_by, set_at FROM retention ORDER BY person_id",
            )?
            .query_map([], retention_row)?
            .collect()
        })
    }
}
