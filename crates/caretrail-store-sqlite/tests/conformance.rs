//! The SQLite backend passes the shared store behaviour suite.

#[test]
fn sqlite_store_passes_the_conformance_suite() {
    let dirs = std::sync::Mutex::new(Vec::new());
    caretrail_store::conformance::run_all(&|| {
        let dir = tempfile::tempdir().unwrap();
        let store = caretrail_store_sqlite::SqliteStore::create(&dir.path().join("t.db")).unwrap();
        dirs.lock().unwrap().push(dir);
        Box::new(store)
    });
}
