//! An I/O failure during a commit stops the process: nothing is acknowledged, and the writes
//! acknowledged before it are still there after a restart (DESIGN §2: never retry and then
//! acknowledge). The child is this test binary re-run over a store that fails on demand.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use caretrail_core::EntryKind;
use caretrail_ledger::{Hash, NodeId};
use caretrail_record::{KeyFiles, Record};
use caretrail_store::{
    Appended, CheckpointSigner, DirectoryBatch, EntryRow, LogMeta, PersonRow, Result, Store,
    StoreError, StoredCheckpoint, WrappedKeys, Write,
};
use caretrail_store_sqlite::SqliteStore;
use common::{World, db_path, open};

const CHILD_ENV: &str = "CARETRAIL_IO_FAILURE_CHILD";
const FAIL_AT: usize = 6;

/// Delegates to SQLite but fails the `FAIL_AT`-th append with an I/O error, as a full disk or a
/// failed fsync would.
struct FailingStore {
    inner: SqliteStore,
    appends: AtomicUsize,
}

impl Store for FailingStore {
    fn init_log(&self, meta: &LogMeta) -> Result<()> {
        self.inner.init_log(meta)
    }
    fn log_meta(&self) -> Result<Option<LogMeta>> {
        self.inner.log_meta()
    }
    fn put_directory(&self, dir: &DirectoryBatch) -> Result<()> {
        self.inner.put_directory(dir)
    }
    fn organisations(&self) -> Result<Vec<caretrail_core::Organisation>> {
        self.inner.organisations()
    }
    fn users(&self) -> Result<Vec<caretrail_core::User>> {
        self.inner.users()
    }
    fn user_password_hash(&self, user: caretrail_core::UserId) -> Result<Option<String>> {
        self.inner.user_password_hash(user)
    }
    fn person(&self, id: caretrail_core::PersonId) -> Result<Option<PersonRow>> {
        self.inner.person(id)
    }
    fn people(&self) -> Result<Vec<PersonRow>> {
        self.inner.people()
    }
    fn person_keys(&self, id: caretrail_core::PersonId) -> Result<Option<WrappedKeys>> {
        self.inner.person_keys(id)
    }
    fn relationships_for_person(
        &self,
        id: caretrail_core::PersonId,
    ) -> Result<Vec<caretrail_core::CareRelationship>> {
        self.inner.relationships_for_person(id)
    }
    fn relationships_for_practitioner(
        &self,
        id: caretrail_core::UserId,
    ) -> Result<Vec<caretrail_core::CareRelationship>> {
        self.inner.relationships_for_practitioner(id)
    }
    fn append(&self, batch: &[Write], signer: &dyn CheckpointSigner) -> Result<Appended> {
        if self.appends.fetch_add(1, Ordering::SeqCst) + 1 == FAIL_AT {
            return Err(StoreError::Io("injected fsync failure".into()));
        }
        self.inner.append(batch, signer)
    }
    fn purge_deleted(&self) -> Result<()> {
        self.inner.purge_deleted()
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
    fn checkpoints_from(&self, from_size: u64, limit: usize) -> Result<Vec<StoredCheckpoint>> {
        self.inner.checkpoints_from(from_size, limit)
    }
    fn entry(&self, id: caretrail_core::EntryId) -> Result<Option<EntryRow>> {
        self.inner.entry(id)
    }
    fn entries_for_person(&self, id: caretrail_core::PersonId) -> Result<Vec<EntryRow>> {
        self.inner.entries_for_person(id)
    }
    fn entries_by_leaf_from(&self, from_leaf: u64, limit: usize) -> Result<Vec<EntryRow>> {
        self.inner.entries_by_leaf_from(from_leaf, limit)
    }
    fn entry_count(&self) -> Result<u64> {
        self.inner.entry_count()
    }
    fn audit_for_person(
        &self,
        id: caretrail_core::PersonId,
    ) -> Result<Vec<caretrail_store::AuditRow>> {
        self.inner.audit_for_person(id)
    }
    fn audit_by_leaf_from(
        &self,
        from_leaf: u64,
        limit: usize,
    ) -> Result<Vec<caretrail_store::AuditRow>> {
        self.inner.audit_by_leaf_from(from_leaf, limit)
    }
}

#[test]
fn io_failure_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    let store = FailingStore {
        inner: SqliteStore::open(&db_path(dir)).unwrap(),
        appends: AtomicUsize::new(0),
    };
    let record = Record::open(Arc::new(store), &KeyFiles::in_data_dir(dir)).unwrap();
    let person = record.store().people().unwrap()[0].id;
    let author = record
        .store()
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.username == "cw.test")
        .unwrap();
    for i in 0..100 {
        let now = jiff::Timestamp::now();
        let result = record.add_entry(caretrail_record::NewEntryRequest {
            id: caretrail_core::EntryId::new(),
            person,
            organisation: author.organisation,
            author: author.clone(),
            recorded_at: now,
            effective_at: now,
            amends: None,
            data: caretrail_core::EntryData::parse(
                EntryKind::CaseNote,
                &serde_json::json!({"text": format!("note {i}")}),
            )
            .unwrap(),
        });
        match result {
            Ok(r) => println!("ACK {} {}", r.entry_id, r.leaf_index),
            Err(e) => println!("ERR {e}"),
        }
    }
    println!("SURVIVED");
}

#[test]
fn io_failure_during_commit_aborts_without_acknowledging() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let w = World::new(1);
    let dir = w.dir.path().to_owned();
    let _keep = w.dir;
    drop(w.record);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "io_failure_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the process must not survive an I/O failure"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(6), "stopped by abort (SIGABRT)");
    }
    assert!(
        !stdout.contains("SURVIVED") && !stdout.contains("ERR "),
        "{stdout}"
    );
    let acked: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("ACK ").map(|at| &l[at + 4..]))
        .collect();
    assert_eq!(
        acked.len(),
        FAIL_AT - 1,
        "exactly the writes before the failure were acknowledged: {stdout}"
    );
    assert!(stderr.contains("fatal storage failure"), "{stderr}");

    let record = open(&dir);
    for line in acked {
        let id = line.split(' ').next().unwrap().parse().unwrap();
        assert!(record.store().entry(id).unwrap().is_some());
    }
    assert_eq!(record.store().tree_size().unwrap(), (FAIL_AT - 1) as u64);
    assert!(record.verify(None).unwrap().ok());
}
