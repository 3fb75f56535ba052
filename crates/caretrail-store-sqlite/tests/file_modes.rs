//! The database and its journal files hold people's (encrypted) records and the log: only the
//! owner may read them, whatever the process's umask.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use caretrail_store_sqlite::SqliteStore;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn files(dir: &Path) -> [std::path::PathBuf; 3] {
    [
        dir.join("caretrail.db"),
        dir.join("caretrail.db-wal"),
        dir.join("caretrail.db-shm"),
    ]
}

#[test]
fn a_new_database_and_its_journal_files_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::create(&dir.path().join("caretrail.db")).unwrap();
    // While the store is open in WAL mode, SQLite keeps the -wal and -shm files beside it.
    for file in files(dir.path()) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    drop(store);
}

#[test]
fn files_left_readable_by_others_are_narrowed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretrail.db");
    drop(SqliteStore::create(&path).unwrap());
    // As an older binary left them: readable by group and others.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    for journal in &files(dir.path())[1..] {
        if journal.exists() {
            std::fs::set_permissions(journal, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    for file in files(dir.path()) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    drop(store);
}
