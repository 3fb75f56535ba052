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

/// Migration 0007 rebuilds `entries` clustered by person: the rows of a database written before
/// it survive, byte for byte, and every way of reading them still finds them.
#[test]
fn entries_written_before_the_clustering_migration_survive_it() {
    use caretrail_core::{EntryId, EntryKind, PersonId};
    use caretrail_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v6.db");
    let (a, b) = (PersonId::new(), PersonId::new());
    // Interleaved in the log, as people's entries are; effective times out of log order.
    let rows: Vec<(i64, EntryId, PersonId, i64)> = (0..40)
        .map(|i| {
            let person = if i % 3 == 0 { b } else { a };
            (i, EntryId::new(), person, 1_000_000 * (40 - i) + i % 7)
        })
        .collect();
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for m in &caretrail_store_sqlite::MIGRATIONS[..6] {
            c.execute_batch(m).unwrap();
        }
        c.pragma_update(None, "user_version", 6).unwrap();
        for p in [a, b] {
            c.execute(
                "INSERT INTO people (id, pseudonym, created_at) VALUES (?1, ?2, 0)",
                rusqlite::params![p.as_bytes(), PersonId::new().as_bytes()],
            )
            .unwrap();
        }
        for (leaf, id, person, effective) in &rows {
            c.execute("INSERT INTO leaves (idx, data) VALUES (?1, x'00')", [leaf])
                .unwrap();
            c.execute(
                "INSERT INTO entries (leaf_index, id, person_id, organisation_id, author_id, \
                 author_role, kind, recorded_at, effective_at, amends, key_version, payload) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, NULL, 1, ?9)",
                rusqlite::params![
                    leaf,
                    id.as_bytes(),
                    person.as_bytes(),
                    [7u8; 16],
                    [8u8; 16],
                    EntryKind::CaseNote.code(),
                    leaf,
                    effective,
                    vec![*leaf as u8; 50 + *leaf as usize],
                ],
            )
            .unwrap();
        }
    }
    let store = caretrail_store_sqlite::SqliteStore::open(&path).unwrap();
    assert_eq!(store.entry_count().unwrap(), rows.len() as u64);
    for person in [a, b] {
        let mut expected: Vec<_> = rows.iter().filter(|r| r.2 == person).collect();
        expected.sort_by_key(|r| (r.3, r.0));
        let got = store.entries_for_person(person).unwrap();
        assert_eq!(
            got.iter().map(|e| e.leaf_index as i64).collect::<Vec<_>>(),
            expected.iter().map(|r| r.0).collect::<Vec<_>>(),
            "timeline order after the migration"
        );
        for e in &got {
            let leaf = e.leaf_index as usize;
            assert_eq!(e.payload.as_deref(), Some(&vec![leaf as u8; 50 + leaf][..]));
            assert_eq!(e.meta.id, rows[leaf].1);
        }
    }
    let by_leaf = store.entries_by_leaf_from(10, 5).unwrap();
    assert_eq!(
        by_leaf.iter().map(|e| e.leaf_index).collect::<Vec<_>>(),
        vec![10, 11, 12, 13, 14]
    );
    let (_, id, person, _) = rows[17];
    let one = store.entry(id).unwrap().expect("found by id");
    assert_eq!((one.leaf_index, one.meta.person), (17, person));
    let latest = store
        .latest_entry_of_kind(person, EntryKind::CaseNote)
        .unwrap()
        .expect("latest case note");
    assert_eq!(
        latest.leaf_index as i64,
        rows.iter()
            .filter(|r| r.2 == person)
            .map(|r| r.0)
            .max()
            .unwrap()
    );
}
