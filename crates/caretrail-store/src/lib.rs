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
pub mod faulty;
pub mod leaf;
pub mod vault;

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
    /// The database was written by a newer caretrail.
    #[error(
        "the database schema version {found} is newer than this binary supports ({supported}); upgrade caretrail"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("not initialised: run `caretrail init` first")]
    NotInitialised,
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
    /// Crypto-shreds a person: deletes their wrapped keys, profile and every payload.
    ErasePerson { person: PersonId, at: Timestamp },
}

/// Signs a checkpoint for (size, root); the backend stores the returned note in the batch.
pub trait CheckpointSigner {
    fn sign(&self, size: u64, root: &Hash) -> String;
}

/// The result of a committed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Leaf index of each leaf-producing write (`Entry`, `Audit`), in batch order.
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
    /// relationships in one transaction.
    fn put_directory(&self, dir: &DirectoryBatch) -> Result<()>;
    fn organisations(&self) -> Result<Vec<Organisation>>;
    fn users(&self) -> Result<Vec<User>>;
    fn user_password_hash(&self, user: UserId) -> Result<Option<String>>;
    fn person(&self, id: PersonId) -> Result<Option<PersonRow>>;
    fn people(&self) -> Result<Vec<PersonRow>>;
    fn person_keys(&self, id: PersonId) -> Result<Option<WrappedKeys>>;
    fn relationships_for_person(&self, id: PersonId) -> Result<Vec<CareRelationship>>;
    fn relationships_for_practitioner(&self, id: UserId) -> Result<Vec<CareRelationship>>;
    /// Ends an open relationship at `at`; `false` if it was already ended or does not exist.
    fn end_relationship(&self, id: caretrail_core::RelationshipId, at: Timestamp) -> Result<bool>;

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
    fn checkpoints_from(&self, from_size: u64, limit: usize) -> Result<Vec<StoredCheckpoint>>;

    fn entry(&self, id: EntryId) -> Result<Option<EntryRow>>;
    /// A person's entries in effective-time order (ties by leaf index).
    fn entries_for_person(&self, id: PersonId) -> Result<Vec<EntryRow>>;
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
    /// Sets (or replaces) the person's retention and legal hold.
    fn set_retention(&self, row: &RetentionRow) -> Result<()>;

    fn put_break_glass(&self, window: &BreakGlassRow) -> Result<()>;
    /// The user's most recently opened window on the person.
    fn latest_break_glass(&self, user: UserId, person: PersonId) -> Result<Option<BreakGlassRow>>;
    fn break_glass(&self, id: EntryId) -> Result<Option<BreakGlassRow>>;
    fn add_review_item(&self, item: &ReviewItemRow) -> Result<()>;
    /// Review items, oldest first; only open ones unless `include_closed`.
    fn review_items(&self, include_closed: bool) -> Result<Vec<ReviewItemRow>>;
    /// Closes an open item; `false` if it was not open.
    fn close_review_item(
        &self,
        id: EntryId,
        reviewer: UserId,
        finding: &[u8],
        at: Timestamp,
    ) -> Result<bool>;
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

/// An item in the privacy officer's review queue: one read made through a break-glass window.
/// `finding` is sealed under the person's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItemRow {
    pub id: EntryId,
    pub window: EntryId,
    pub audit: EntryId,
    pub created_at: Timestamp,
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
        matches!(self, Write::Entry(_) | Write::Audit(_))
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
