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

#[test]
fn an_older_database_is_migrated_on_open_and_an_empty_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../migrations/0001_init.sql"))
            .unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
    }
    let store = caretrail_store_sqlite::SqliteStore::open(&path).unwrap();
    use caretrail_store::Store;
    assert!(
        store.audit_by_leaf_from(0, 1).unwrap().is_empty(),
        "migration 0002 applied"
    );
    drop(store);
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        caretrail_store_sqlite::SqliteStore::open(&empty),
        Err(caretrail_store::StoreError::NotInitialised)
    ));
}
