//! The storage seam of caretrail: the [`Store`] trait (no SQL), its row types, the [`vault`] of
//! per-person keys, and the canonical [`leaf`] encoding.
//!
//! Architecture invariants:
//! - **A write batch is one transaction.** [`Store::append`] writes ciphertexts, leaves, tree
//!   nodes, indexes and a signed checkpoint together, or nothing.
//! - **Backends are interchangeable.** Nothing here is SQLite-specific: a backend provides rows
//!   and atomic batches; tree math comes from `caretrail-ledger`, cryptography from [`vault`].
//! - **No plaintext of a record reaches a backend.** Payloads and profiles arrive encrypted.
#![forbid(unsafe_code)]

pub mod conformance;
pub mod fact;
pub mod faulty;
mod head;
pub mod leaf;
pub mod vault;
pub use head::SignedHead;

use caretrail_core::{
    AuditEvent, CareRelationship, EntryMeta, Organisation, PersonId, User, UserId, ids::EntryId,
};
use caretrail_ledger::{Hash, NodeId};
use jiff::Timestamp;

/// What can go wrong in a backend. Messages name tables and operations, never row contents.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The disk or the database failed (I/O, fsync, full disk, corruption). A writer that sees
    /// this for a commit must not acknowledge anything and must stop the process.
    #[error("storage I/O failure: {0}")]
    Io(String),
    /// The batch broke a uniqueness or reference rule; nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A [`Write::Expect`] of the batch no longer holds: the record changed since the writer
    /// read it. Nothing was written; read again and retry.
    #[error("the record changed since it was read")]
    Stale,
    /// The database was written by a newer caretrail.
    #[error(
        "the database schema version {found} is newer than this binary supports ({supported}); upgrade caretrail"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("not initialised: run `caretrail init` first")]
    NotInitialised,
    /// The stored log is not what its latest checkpoint signs (see [`SignedHead`]): nothing is
    /// appended until an operator has investigated.
    #[error(
        "the log's head is not signed: it holds {stored} leaves and its latest checkpoint (of {signed}) does not sign them; nothing more is written. Run `caretrail verify` to find the first bad leaf; after investigating, restore a backup or cut the log back to its last signed size"
    )]
    UnsignedHead { stored: u64, signed: u64 },
    #[error("storage error: {0}")]
    Backend(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Facts about the log, fixed at `init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMeta {
    /// The checkpoint origin line and signer name.
    pub origin: String,
    /// The log's verifier key (C2SP note format).
    pub verifier_key: String,
    /// Check value proving the key-encryption key on disk belongs to this database.
    pub kek_check: Vec<u8>,
    /// System keys (for entries not under a person's key), wrapped by the KEK.
    pub system_keys: Vec<u8>,
    /// Secret for person pseudonyms, wrapped by the KEK.
    pub pseudonym_key: Vec<u8>,
    pub created_at: Timestamp,
}

/// A person row: opaque id, pseudonym, and the encrypted profile (gone after erasure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id: PersonId,
    pub pseudonym: [u8; 16],
    pub created_at: Timestamp,
    pub erased_at: Option<Timestamp>,
    pub profile: Option<Vec<u8>>,
}

/// A person's data key and commitment secret, wrapped by the KEK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKeys {
    pub key_version: u32,
    pub wrapped: Vec<u8>,
}

/// An entry as stored: clear metadata, its leaf, and the ciphertext (`None` once erased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub meta: EntryMeta,
    pub leaf_index: u64,
    /// 0 for system-keyed entries (erasure records); otherwise the person's key version.
    pub key_version: u32,
    pub payload: Option<Vec<u8>>,
}

/// A new entry for [`Store::append`]: metadata, ciphertext and the leaf bytes committing to them.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub meta: EntryMeta,
    pub key_version: u32,
    pub payload: Vec<u8>,
    pub leaf: Vec<u8>,
}

/// A new audit event for [`Store::append`], with its leaf bytes.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub event: AuditEvent,
    pub leaf: Vec<u8>,
}

/// An audit event as stored, with its leaf index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub event: AuditEvent,
    pub leaf_index: u64,
}

/// One write of a batch, applied in order inside the batch's transaction.
#[derive(Debug, Clone)]
pub enum Write {
    /// Appends a leaf and stores the entry.
    Entry(NewEntry),
    /// Appends a leaf and stores the audit event.
    Audit(NewAudit),
    /// Appends a fact leaf and writes the row it commits to (see [`fact`]), replacing the row
    /// of that fact if there is one.
    Fact(fact::NewFact),
    /// Crypto-shreds a person: deletes their wrapped keys, profile and every payload. The
    /// batch also carries the facts that say so (the erased person row, the anonymised citizen
    /// accounts), which the record layer writes.
    ErasePerson { person: PersonId, at: Timestamp },
    /// Appends nothing: the latest fact leaf of `key` (writes earlier in the batch included)
    /// must be at `latest` (`None`: there is none), or the batch fails with
    /// [`StoreError::Stale`]. The read-modify-write guard for directory rows, like
    /// [`Write::Expect`] for entries.
    ExpectFact {
        key: fact::FactKey,
        latest: Option<u64>,
    },
    /// Appends nothing: the person's latest entry of `kind` (by leaf index, writes earlier in
    /// the same batch included) must be at `latest` (`None`: they have none), or the whole batch
    /// fails with [`StoreError::Stale`]. Checked inside the append transaction, after the log's
    /// sequencing lock, so a read-check-write is atomic across writers and processes.
    Expect {
        person: PersonId,
        kind: caretrail_core::EntryKind,
        latest: Option<u64>,
    },
}

/// Signs a checkpoint for (size, root); the backend stores the returned note in the batch.
pub trait CheckpointSigner {
    fn sign(&self, size: u64, root: &Hash) -> String;
    /// The size and root `note` signs, if it is a checkpoint of this log whose signature holds.
    fn signed(&self, note: &str) -> Option<(u64, Hash)>;
}

/// The result of a committed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Leaf index of each leaf-producing write (`Entry`, `Audit`, `Fact`), in batch order.
    pub leaf_indexes: Vec<u64>,
    pub size: u64,
    pub root: Hash,
    /// The signed checkpoint of `size` (covers every leaf of the batch).
    pub checkpoint: String,
}

/// A stored signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub note: String,
}

/// The storage engine. Implementations: SQLite (embedded default) and PostgreSQL.
///
/// Every method is one short operation; [`Store::append`] and [`Store::put_directory`] are
/// atomic. Paged reads (`*_from`) return rows in ascending order, at most `limit` of them.
pub trait Store: Send + Sync {
    /// Creates the schema and records the log's facts. Refused if already initialised.
    fn init_log(&self, meta: &LogMeta) -> Result<()>;
    fn log_meta(&self) -> Result<Option<LogMeta>>;

    /// Writes organisations, users (with password hashes), people with their wrapped keys, and
    /// relationships in one transaction, **with no fact leaves**: for store tests and bulk
    /// loads only. The record writes every directory row as a [`Write::Fact`], and `verify`
    /// fails on a row that no fact leaf commits to.
    fn put_directory(&self, dir: &DirectoryBatch) -> Result<()>;
    fn organisations(&self) -> Result<Vec<Organisation>>;
    fn users(&self) -> Result<Vec<User>>;
    fn user_password_hash(&self, user: UserId) -> Result<Option<String>>;
    fn person(&self, id: PersonId) -> Result<Option<PersonRow>>;
    fn people(&self) -> Result<Vec<PersonRow>>;
    fn person_keys(&self, id: PersonId) -> Result<Option<WrappedKeys>>;
    fn relationships_for_person(&self, id: PersonId) -> Result<Vec<CareRelationship>>;
    fn relationships_for_practitioner(&self, id: UserId) -> Result<Vec<CareRelationship>>;

    /// Appends a batch in one durable transaction. The backend reads the tree's right edge,
    /// assigns leaf indexes, stores every completed tree node and a checkpoint signed by
    /// `signer`, and commits. On `Err`, nothing was written.
    fn append(&self, batch: &[Write], signer: &dyn CheckpointSigner) -> Result<Appended>;
    /// Folds any write-ahead journal into the main database file and truncates it: afterwards
    /// the main file alone holds every committed write (a file copy is a whole backup), and old
    /// versions of erased rows are gone from disk. Called after erasure and when the CLI ends a
    /// write.
    fn fold_journal(&self) -> Result<()>;

    /// Number of leaves stored.
    fn tree_size(&self) -> Result<u64>;
    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>>;
    fn leaves_from(&self, from: u64, limit: usize) -> Result<Vec<(u64, Vec<u8>)>>;
    /// Hashes of perfect-subtree nodes, in the order asked. A missing node is an error.
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>>;
    fn nodes_from(&self, level: u8, from: u64, limit: usize) -> Result<Vec<(u64, Hash)>>;
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>>;
    /// The index of the latest fact leaf of `key`, if any: what [`Write::ExpectFact`] compares.
    fn fact_head(&self, key: &fact::FactKey) -> Result<Option<u64>>;
    fn checkpoints_from(&self, from_size: u64, limit: usize) -> Result<Vec<StoredCheckpoint>>;

    fn entry(&self, id: EntryId) -> Result<Option<EntryRow>>;
    /// A person's entries in effective-time order (ties by leaf index).
    fn entries_for_person(&self, id: PersonId) -> Result<Vec<EntryRow>>;
    /// The person's entry of `kind` with the highest leaf index (the latest recorded), if any:
    /// one indexed lookup, for the per-request consent check.
    fn latest_entry_of_kind(
        &self,
        id: PersonId,
        kind: caretrail_core::EntryKind,
    ) -> Result<Option<EntryRow>>;
    fn entries_by_leaf_from(&self, from_leaf: u64, limit: usize) -> Result<Vec<EntryRow>>;
    fn entry_count(&self) -> Result<u64>;

    /// Audit events concerning a person, oldest first.
    fn audit_for_person(&self, id: PersonId) -> Result<Vec<AuditRow>>;
    fn audit_by_leaf_from(&self, from_leaf: u64, limit: usize) -> Result<Vec<AuditRow>>;

    fn user(&self, id: UserId) -> Result<Option<User>>;
    /// A user and their password hash, by username.
    fn user_by_username(&self, username: &str) -> Result<Option<(User, Option<String>)>>;
    fn create_session(&self, session: &SessionRow) -> Result<()>;
    /// The session with this token hash, revoked or not.
    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRow>>;
    /// Revokes a session; `false` if there was no live session with that hash.
    fn revoke_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<bool>;

    fn retention(&self, person: PersonId) -> Result<Option<RetentionRow>>;
    // The row writers below write no fact leaf: they are for copying rows in a migration and
    // for store tests. The record writes each of these rows as a [`Write::Fact`].

    /// Sets (or replaces) the person's retention and legal hold.
    fn set_retention(&self, row: &RetentionRow) -> Result<()>;

    fn put_break_glass(&self, window: &BreakGlassRow) -> Result<()>;
    /// The user's most recently opened window on the person.
    fn latest_break_glass(&self, user: UserId, person: PersonId) -> Result<Option<BreakGlassRow>>;
    fn break_glass(&self, id: EntryId) -> Result<Option<BreakGlassRow>>;
    /// Writes a review item whole, replacing the item with that id if there is one.
    fn add_review_item(&self, item: &ReviewItemRow) -> Result<()>;
    /// Review items, oldest first; only open ones unless `include_closed`.
    fn review_items(&self, include_closed: bool) -> Result<Vec<ReviewItemRow>>;
    /// Assigns an open item to a reviewer (replacing any earlier assignee); `false` if it was
    /// not open.
    fn assign_review_item(&self, id: EntryId, assignee: UserId, at: Timestamp) -> Result<bool>;
    /// Closes an open item; `false` if it was not open.
    fn close_review_item(
        &self,
        id: EntryId,
        reviewer: UserId,
        finding: &[u8],
        at: Timestamp,
    ) -> Result<bool>;

    // -- Migration between stores (`caretrail migrate`) only ----------------------------------
    //
    // The record service never calls these. They copy rows as another store holds them: no
    // sequencing, no signing, no commitment checks. `caretrail verify` on the target checks the
    // result. A store that cannot take part (a test wrapper) keeps the defaults, which refuse.

    /// **Import only.** Writes a whole directory copied from another store (people already
    /// erased come without keys) in one transaction. Refused with [`StoreError::Conflict`],
    /// writing nothing, if the store already holds an organisation, user or person.
    fn import_directory(&self, dir: &DirectoryImport) -> Result<()> {
        let _ = dir;
        Err(import_unsupported())
    }

    /// **Import only.** Appends leaves that another store already sequenced, with the tree
    /// nodes, entries, audit events and signed checkpoints that go with them, in one
    /// transaction, and returns the new tree size. Refused with [`StoreError::Conflict`],
    /// writing nothing, unless the store holds exactly `batch.from` leaves, or if the batch
    /// fails [`LogImport::check`].
    fn import_log(&self, batch: &LogImport) -> Result<u64> {
        let _ = batch;
        Err(import_unsupported())
    }

    /// After a bulk load (an import, a benchmark's load): brings what the engine's query
    /// planner knows about the tables up to date, so that the first reads after it are planned
    /// on the tables as they now are rather than as they were when empty. The default does
    /// nothing (SQLite plans these lookups by primary key whatever its statistics say).
    fn refresh_statistics(&self) -> Result<()> {
        Ok(())
    }

    /// **Export only.** Every sign-in session, revoked or not, by token hash.
    fn export_sessions(&self) -> Result<Vec<SessionRow>> {
        Err(import_unsupported())
    }

    /// **Export only.** Every break-glass window, by id.
    fn export_break_glass(&self) -> Result<Vec<BreakGlassRow>> {
        Err(import_unsupported())
    }

    /// **Export only.** Every person's retention row, by person id.
    fn export_retention(&self) -> Result<Vec<RetentionRow>> {
        Err(import_unsupported())
    }
}

fn import_unsupported() -> StoreError {
    StoreError::Backend("this store cannot import or export for a migration".into())
}

/// Retention and legal hold for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRow {
    pub person: PersonId,
    /// The record must be kept until this date (exclusive of erasure before it).
    pub retain_until: Option<jiff::civil::Date>,
    pub legal_hold: bool,
    pub set_by: UserId,
    pub set_at: Timestamp,
}

/// A break-glass window. `reason` is sealed under the person's key (`None` once erased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassRow {
    pub id: EntryId,
    pub user: UserId,
    pub person: PersonId,
    pub organisation: caretrail_core::OrganisationId,
    pub reason: Option<Vec<u8>>,
    pub opened_at: Timestamp,
}

/// What a review item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewKind {
    /// A read made through a break-glass window.
    BreakGlassRead,
    /// Care started without an open referral to the organisation (NHS "self-claimed legitimate
    /// relationship").
    SelfClaimedRelationship,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 2] = [
        ReviewKind::BreakGlassRead,
        ReviewKind::SelfClaimedRelationship,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::BreakGlassRead => "break-glass",
            ReviewKind::SelfClaimedRelationship => "self-claimed-relationship",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewKind> {
        ReviewKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An item in the review queue: one finding to look into, open until a reviewer closes it with
/// a finding (sealed under the person's key). Its subject, whose action is reviewed, never
/// reviews it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItemRow {
    pub id: EntryId,
    pub kind: ReviewKind,
    pub person: PersonId,
    /// The account whose action is reviewed.
    pub subject: UserId,
    /// The break-glass window, for a break-glass read.
    pub window: Option<EntryId>,
    /// The entry reviewed (the relationship entry of self-claimed care).
    pub entry: Option<EntryId>,
    /// The audit event of the attempt that opened the item.
    pub audit: EntryId,
    pub created_at: Timestamp,
    pub assignee: Option<UserId>,
    pub assigned_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub reviewer: Option<UserId>,
    pub finding: Option<Vec<u8>>,
}

/// A sign-in session. Only the SHA-256 of the bearer token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: [u8; 32],
    pub user: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl Write {
    /// Does this write append a leaf?
    pub fn appends_leaf(&self) -> bool {
        matches!(self, Write::Entry(_) | Write::Audit(_) | Write::Fact(_))
    }
}

/// Directory rows written together (by `seed`, or by an administrator).
#[derive(Debug, Clone, Default)]
pub struct DirectoryBatch {
    pub organisations: Vec<Organisation>,
    pub users: Vec<(User, Option<String>)>,
    pub people: Vec<(PersonRow, WrappedKeys)>,
    pub relationships: Vec<CareRelationship>,
}

/// A whole directory as [`Store::import_directory`] takes it and [`export_directory`] reads it:
/// every row sorted by id, so two stores' directories compare equal when they hold the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryImport {
    pub organisations: Vec<Organisation>,
    /// Each user with their password hash.
    pub users: Vec<(User, Option<String>)>,
    /// Each person with their wrapped keys: `None` for a person already erased.
    pub people: Vec<(PersonRow, Option<WrappedKeys>)>,
    pub relationships: Vec<CareRelationship>,
}

/// Reads a store's whole directory (organisations, users with password hashes, people with
/// their wrapped keys, every care relationship), sorted by id.
pub fn export_directory(store: &dyn Store) -> Result<DirectoryImport> {
    let mut organisations = store.organisations()?;
    organisations.sort_by_key(|o| o.id);
    let mut users = store
        .users()?
        .into_iter()
        .map(|u| {
            let hash = store.user_password_hash(u.id)?;
            Ok((u, hash))
        })
        .collect::<Result<Vec<_>>>()?;
    users.sort_by_key(|(u, _)| u.id);
    let mut people = Vec::new();
    let mut relationships = Vec::new();
    for p in store.people()? {
        relationships.extend(store.relationships_for_person(p.id)?);
        let keys = store.person_keys(p.id)?;
        people.push((p, keys));
    }
    people.sort_by_key(|(p, _)| p.id);
    relationships.sort_by_key(|r| r.id);
    Ok(DirectoryImport {
        organisations,
        users,
        people,
        relationships,
    })
}

/// Already-sequenced log rows for [`Store::import_log`]: the leaves `from..from + n` of another
/// store and everything stored with them. [`export_log`] reads one from a store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogImport {
    /// The tree size this batch extends.
    pub from: u64,
    /// Leaves `from`, `from + 1`, ..., in order.
    pub leaves: Vec<Vec<u8>>,
    /// Every perfect-subtree node these leaves complete (level 0, the leaf hashes, and up), as
    /// the source stored them.
    pub nodes: Vec<(NodeId, Hash)>,
    /// The entries and audit events whose leaves these are.
    pub entries: Vec<EntryRow>,
    pub audits: Vec<AuditRow>,
    /// The signed checkpoints of sizes in `(from, from + n]` (and of size 0 when `from` is 0).
    pub checkpoints: Vec<StoredCheckpoint>,
}

impl LogImport {
    /// The tree size after this batch.
    pub fn end(&self) -> u64 {
        self.from + self.leaves.len() as u64
    }

    /// The ids of the nodes that leaves `from..end` complete: at each level `l`, the indexes
    /// `from >> l .. end >> l` (a node is complete when its last leaf is appended).
    pub fn completed_nodes(from: u64, end: u64) -> Vec<NodeId> {
        (0..u64::BITS as u8)
            .take_while(|&level| end >> level > 0)
            .flat_map(|level| ((from >> level)..(end >> level)).map(move |i| NodeId::new(level, i)))
            .collect()
    }

    /// Is the batch whole? Exactly the nodes its leaves complete, and every row and checkpoint
    /// inside its range. Backends call this before writing anything.
    pub fn check(&self) -> Result<()> {
        let (from, end) = (self.from, self.end());
        let conflict = |what: &str| Err(StoreError::Conflict(format!("import refused: {what}")));
        let mut ids: Vec<NodeId> = self.nodes.iter().map(|(id, _)| *id).collect();
        ids.sort_by_key(|id| (id.level, id.index));
        if ids != Self::completed_nodes(from, end) {
            return conflict("the tree nodes are not those the leaves complete");
        }
        let inside = |i: u64| (from..end).contains(&i);
        if !self.entries.iter().all(|e| inside(e.leaf_index))
            || !self.audits.iter().all(|a| inside(a.leaf_index))
        {
            return conflict("an entry or audit event lies outside the leaves imported");
        }
        let lowest = if from == 0 { 0 } else { from + 1 };
        if !self
            .checkpoints
            .iter()
            .all(|c| (lowest..=end).contains(&c.size))
        {
            return conflict("a checkpoint lies outside the leaves imported");
        }
        Ok(())
    }
}

/// Reads the leaves `from..from + limit` (fewer at the end of the log) of `store` and every row
/// stored with them, ready for [`Store::import_log`] on another store.
pub fn export_log(store: &dyn Store, from: u64, limit: usize) -> Result<LogImport> {
    let leaves: Vec<Vec<u8>> = store
        .leaves_from(from, limit)?
        .into_iter()
        .enumerate()
        .map(|(i, (idx, leaf))| {
            if idx == from + i as u64 {
                Ok(leaf)
            } else {
                Err(StoreError::Backend(format!(
                    "leaf {} is missing",
                    from + i as u64
                )))
            }
        })
        .collect::<Result<_>>()?;
    let end = from + leaves.len() as u64;
    let n = leaves.len();
    let mut nodes = Vec::new();
    for level in (0..u64::BITS as u8).take_while(|&level| end >> level > 0) {
        let (first, last) = (from >> level, end >> level);
        let want = usize::try_from(last - first).unwrap_or(usize::MAX);
        let got = store.nodes_from(level, first, want)?;
        for (k, (idx, hash)) in got.iter().enumerate() {
            if *idx != first + k as u64 {
                break;
            }
            nodes.push((NodeId::new(level, *idx), *hash));
        }
    }
    let entries = store
        .entries_by_leaf_from(from, n)?
        .into_iter()
        .filter(|e| e.leaf_index < end)
        .collect();
    let audits = store
        .audit_by_leaf_from(from, n)?
        .into_iter()
        .filter(|a| a.leaf_index < end)
        .collect();
    let lowest = if from == 0 { 0 } else { from + 1 };
    let checkpoints = store
        .checkpoints_from(lowest, n + 1)?
        .into_iter()
        .filter(|c| c.size <= end)
        .collect();
    let batch = LogImport {
        from,
        leaves,
        nodes,
        entries,
        audits,
        checkpoints,
    };
    // A node missing from the source shows up here, before anything is written elsewhere.
    batch.check()?;
    Ok(batch)
}

/// Adapts a [`Store`] to the ledger's proof generator.
#[derive(Debug)]
pub struct StoreNodes<'a, S: ?Sized>(pub &'a S);

impl<S: Store + ?Sized> caretrail_ledger::NodeReader for StoreNodes<'_, S> {
    type Error = StoreError;
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>> {
        self.0.read_nodes(ids)
    }
}

/// Time as stored: microseconds since the Unix epoch.
pub fn to_micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn from_micros(us: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(us)
        .map_err(|_| StoreError::Backend("timestamp out of range".into()))
}
