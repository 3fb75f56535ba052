//! [`FaultyStore`]: a decorator that makes any store fail on demand, for tests of the failure
//! rules (an I/O error during a commit stops the process; an audit write that fails fails the
//! request). It delegates everything else unchanged.

use std::sync::atomic::{AtomicUsize, Ordering};

use caretrail_core::{CareRelationship, EntryId, Organisation, PersonId, User, UserId};
use caretrail_ledger::{Hash, NodeId};
use jiff::Timestamp;

use crate::{
    Appended, AuditRow, BreakGlassRow, CheckpointSigner, DirectoryBatch, EntryRow, LogMeta,
    PersonRow, Result, RetentionRow, ReviewItemRow, SessionRow, Store, StoreError,
    StoredCheckpoint, WrappedKeys, Write,
};

/// When the wrapped store's `append` should fail, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Never fail.
    None,
    /// The n-th call to `append` (counting from 1) fails with an I/O error.
    IoOnAppend(usize),
    /// Every batch that contains an audit event fails with a backend error (nothing written).
    RefuseAudits,
}

#[derive(Debug)]
pub struct FaultyStore<S> {
    inner: S,
    fault: std::sync::Mutex<Fault>,
    appends: AtomicUsize,
}

impl<S: Store> FaultyStore<S> {
    pub fn new(inner: S, fault: Fault) -> Self {
        FaultyStore {
            inner,
            fault: std::sync::Mutex::new(fault),
            appends: AtomicUsize::new(0),
        }
    }

    pub fn set_fault(&self, fault: Fault) {
        *self.fault.lock().expect("fault lock") = fault;
    }
}

impl<S: Store> Store for FaultyStore<S> {
    fn append(&self, batch: &[Write], signer: &dyn CheckpointSigner) -> Result<Appended> {
        let n = self.appends.fetch_add(1, Ordering::SeqCst) + 1;
        match *self.fault.lock().expect("fault lock") {
            Fault::IoOnAppend(k) if k == n => {
                return Err(StoreError::Io("injected fsync failure".into()));
            }
            Fault::RefuseAudits if batch.iter().any(|w| matches!(w, Write::Audit(_))) => {
                return Err(StoreError::Backend("injected audit write failure".into()));
            }
            _ => {}
        }
        self.inner.append(batch, signer)
    }

    fn init_log(&self, meta: &LogMeta) -> Result<()> {
        self.inner.init_log(meta)
    }
    fn log_meta(&self) -> Result<Option<LogMeta>> {
        self.inner.log_meta()
    }
    fn put_directory(&self, dir: &DirectoryBatch) -> Result<()> {
        self.inner.put_directory(dir)
    }
    fn organisations(&self) -> Result<Vec<Organisation>> {
        self.inner.organisations()
    }
    fn users(&self) -> Result<Vec<User>> {
        self.inner.users()
    }
    fn user_password_hash(&self, user: UserId) -> Result<Option<String>> {
        self.inner.user_password_hash(user)
    }
    fn person(&self, id: PersonId) -> Result<Option<PersonRow>> {
        self.inner.person(id)
    }
    fn people(&self) -> Result<Vec<PersonRow>> {
        self.inner.people()
    }
    fn person_keys(&self, id: PersonId) -> Result<Option<WrappedKeys>> {
        self.inner.person_keys(id)
    }
    fn relationships_for_person(&self, id: PersonId) -> Result<Vec<CareRelationship>> {
        self.inner.relationships_for_person(id)
    }
    fn relationships_for_practitioner(&self, id: UserId) -> Result<Vec<CareRelationship>> {
        self.inner.relationships_for_practitioner(id)
    }
    fn fold_journal(&self) -> Result<()> {
        self.inner.fold_journal()
    }
    fn tree_size(&self) -> Result<u64> {
        self.inner.tree_size()
    }
    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>> {
        self.inner.leaf(index)
    }
    fn leaves_from(&self, from: u64, limit: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        self.inner.leaves_from(from, limit)
    }
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>> {
        self.inner.read_nodes(ids)
    }
    fn nodes_from(&self, level: u8, from: u64, limit: usize) -> Result<Vec<(u64, Hash)>> {
        self.inner.nodes_from(level, from, limit)
    }
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        self.inner.latest_checkpoint()
    }
    fn fact_head(&self, key: &crate::fact::FactKey) -> Result<Option<u64>> {
        self.inner.fact_head(key)
    }
    fn checkpoints_from(&self, from_size: u64, limit: usize) -> Result<Vec<StoredCheckpoint>> {
        self.inner.checkpoints_from(from_size, limit)
    }
    fn entry(&self, id: EntryId) -> Result<Option<EntryRow>> {
        self.inner.entry(id)
    }
    fn entries_for_person(&self, id: PersonId) -> Result<Vec<EntryRow>> {
        self.inner.entries_for_person(id)
    }
    fn latest_entry_of_kind(
        &self,
        id: PersonId,
        kind: caretrail_core::EntryKind,
    ) -> Result<Option<EntryRow>> {
        self.inner.latest_entry_of_kind(id, kind)
    }
    fn entries_by_leaf_from(&self, from_leaf: u64, limit: usize) -> Result<Vec<EntryRow>> {
        self.inner.entries_by_leaf_from(from_leaf, limit)
    }
    fn entry_count(&self) -> Result<u64> {
        self.inner.entry_count()
    }
    fn audit_for_person(&self, id: PersonId) -> Result<Vec<AuditRow>> {
        self.inner.audit_for_person(id)
    }
    fn audit_by_leaf_from(&self, from_leaf: u64, limit: usize) -> Result<Vec<AuditRow>> {
        self.inner.audit_by_leaf_from(from_leaf, limit)
    }
    fn user(&self, id: UserId) -> Result<Option<User>> {
        self.inner.user(id)
    }
    fn user_by_username(&self, username: &str) -> Result<Option<(User, Option<String>)>> {
        self.inner.user_by_username(username)
    }
    fn create_session(&self, session: &SessionRow) -> Result<()> {
        self.inner.create_session(session)
    }
    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRow>> {
        self.inner.session(token_hash)
    }
    fn revoke_session(&self, token_hash: &[u8; 32], at: Timestamp) -> Result<bool> {
        self.inner.revoke_session(token_hash, at)
    }
    fn retention(&self, person: PersonId) -> Result<Option<RetentionRow>> {
        self.inner.retention(person)
    }
    fn set_retention(&self, row: &RetentionRow) -> Result<()> {
        self.inner.set_retention(row)
    }
    fn put_break_glass(&self, window: &BreakGlassRow) -> Result<()> {
        self.inner.put_break_glass(window)
    }
    fn latest_break_glass(&self, user: UserId, person: PersonId) -> Result<Option<BreakGlassRow>> {
        self.inner.latest_break_glass(user, person)
    }
    fn break_glass(&self, id: EntryId) -> Result<Option<BreakGlassRow>> {
        self.inner.break_glass(id)
    }
    fn add_review_item(&self, item: &ReviewItemRow) -> Result<()> {
        self.inner.add_review_item(item)
    }
    fn review_items(&self, include_closed: bool) -> Result<Vec<ReviewItemRow>> {
        self.inner.review_items(include_closed)
    }
    fn assign_review_item(&self, id: EntryId, assignee: UserId, at: Timestamp) -> Result<bool> {
        self.inner.assign_review_item(id, assignee, at)
    }
    fn close_review_item(
        &self,
        id: EntryId,
        reviewer: UserId,
        finding: &[u8],
        at: Timestamp,
    ) -> Result<bool> {
        self.inner.close_review_item(id, reviewer, finding, at)
    }
}
