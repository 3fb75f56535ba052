//! What the PostgreSQL backend promises beyond the shared suite: sequencing across processes,
//! use from tokio's blocking pool, migrations, and errors that quote no row.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};

use caretrail_core::{Organisation, OrganisationId, OrganisationKind, Role, User, UserId};
use caretrail_ledger::{MemoryTree, consistency_proof, leaf_hash, root_at, verify_consistency};
use caretrail_store::conformance::PlainSigner;
use caretrail_store::{
    Appended, CheckpointSigner, DirectoryBatch, Store, StoreError, StoreNodes, Write,
};
use caretrail_store_postgres::{PostgresOptions, PostgresStore, SCHEMA_VERSION};
use common::TestSchema;

fn open(schema: &TestSchema) -> PostgresStore {
    PostgresStore::open_in_schema(&schema.url, &schema.name).expect("open")
}

/// Leaf bytes naming the writer, its batch and the position in it, so every leaf is unique.
fn leaf_bytes(writer: usize, batch: usize, pos: usize) -> Vec<u8> {
    format!("writer {writer} batch {batch} leaf {pos}").into_bytes()
}

#[test]
fn four_processes_appending_at_once_get_gapless_indexes_and_consistent_checkpoints() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    let setup = open(&schema);
    let dir = common::init(&setup, 3);

    const WRITERS: usize = 4;
    const BATCHES: usize = 12;
    let start = Arc::new(Barrier::new(WRITERS));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (url, name, dir, start) = (
                schema.url.clone(),
                schema.name.clone(),
                dir.clone(),
                start.clone(),
            );
            std::thread::spawn(move || {
                // A store of its own: its own pool and connections, as a separate process has.
                let store = PostgresStore::open_with(
                    &url,
                    &PostgresOptions {
                        schema: Some(name),
                        max_connections: 2,
                        ..PostgresOptions::default()
                    },
                )
                .expect("open");
                start.wait();
                let mut got: Vec<(Appended, Vec<Vec<u8>>)> = Vec::new();
                for b in 0..BATCHES {
                    let leaves: Vec<Vec<u8>> =
                        (0..(w + b) % 4 + 1).map(|i| leaf_bytes(w, b, i)).collect();
                    let batch: Vec<Write> = leaves
                        .iter()
                        .enumerate()
                        .map(|(i, l)| common::entry(&dir, (w + i) % 3, l.clone()))
                        .collect();
                    got.push((store.append(&batch, &PlainSigner).expect("append"), leaves));
                }
                got
            })
        })
        .collect();
    let results: Vec<(Appended, Vec<Vec<u8>>)> = writers
        .into_iter()
        .flat_map(|t| t.join().expect("writer thread"))
        .collect();

    // Every leaf got exactly one index, the indexes are 0..n, and each index holds the leaf
    // its writer was told it holds.
    let mut by_index = BTreeMap::new();
    for (appended, leaves) in &results {
        assert_eq!(appended.leaf_indexes.len(), leaves.len());
        assert!(
            appended.leaf_indexes.windows(2).all(|w| w[1] == w[0] + 1),
            "a batch is contiguous: {:?}",
            appended.leaf_indexes
        );
        for (idx, leaf) in appended.leaf_indexes.iter().zip(leaves) {
            assert!(
                by_index.insert(*idx, leaf.clone()).is_none(),
                "index {idx} given twice"
            );
        }
    }
    let n = by_index.len() as u64;
    assert_eq!(
        by_index.keys().copied().collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>()
    );
    assert_eq!(setup.tree_size().unwrap(), n);
    assert_eq!(setup.entry_count().unwrap(), n);
    for (idx, leaf) in &by_index {
        assert_eq!(setup.leaf(*idx).unwrap().as_ref(), Some(leaf), "leaf {idx}");
    }

    // The stored tree is the reference tree of those leaves, in index order.
    let mut tree = MemoryTree::new();
    for leaf in by_index.values() {
        tree.push(leaf_hash(leaf));
    }
    let nodes = StoreNodes(&setup);
    let final_root = root_at(&nodes, n).unwrap();
    assert_eq!(final_root, tree.root());
    let latest = setup.latest_checkpoint().unwrap().unwrap();
    assert_eq!(latest.size, n);
    assert_eq!(latest.note, PlainSigner.sign(n, &final_root));

    // Every checkpoint a writer was handed is signed over what was stored then, and the final
    // tree is consistent with it (RFC 9162 §2.1.4).
    for (appended, _) in &results {
        assert_eq!(
            appended.checkpoint,
            PlainSigner.sign(appended.size, &appended.root)
        );
        assert_eq!(root_at(&nodes, appended.size).unwrap(), appended.root);
        let proof = consistency_proof(&nodes, appended.size, n).unwrap();
        verify_consistency(appended.size, n, &appended.root, &final_root, &proof)
            .unwrap_or_else(|e| panic!("checkpoint {} vs {n}: {e}", appended.size));
    }
    let sizes: Vec<u64> = setup
        .checkpoints_from(0, 1000)
        .unwrap()
        .iter()
        .map(|c| c.size)
        .collect();
    assert_eq!(sizes.len(), WRITERS * BATCHES, "one checkpoint per batch");
    assert!(sizes.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn the_store_works_from_spawn_blocking_on_a_multi_thread_runtime_and_drops_anywhere() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    let name = schema.name.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sizes = rt.block_on(async move {
        let store = tokio::task::spawn_blocking(move || {
            Arc::new(PostgresStore::open_in_schema(&url, &name).expect("open in spawn_blocking"))
        })
        .await
        .expect("open did not panic");
        let s = store.clone();
        let dir = tokio::task::spawn_blocking(move || common::init(&*s, 2))
            .await
            .expect("init did not panic");
        let tasks: Vec<_> = (0..8)
            .map(|t| {
                let (s, dir) = (store.clone(), dir.clone());
                tokio::task::spawn_blocking(move || {
                    let batch = [common::entry(&dir, t % 2, vec![t as u8; 8])];
                    let appended = s.append(&batch, &PlainSigner).expect("append");
                    assert!(s.leaf(appended.leaf_indexes[0]).unwrap().is_some());
                    appended.size
                })
            })
            .collect();
        let mut sizes = Vec::new();
        for t in tasks {
            sizes.push(t.await.expect("append did not panic"));
        }
        let s = store.clone();
        let total = tokio::task::spawn_blocking(move || s.tree_size().unwrap())
            .await
            .unwrap();
        assert_eq!(total, 8);
        // The last handle goes on an async worker thread: closing the pool must not panic.
        tokio::spawn(async move { drop(store) })
            .await
            .expect("dropping the store on a worker thread did not panic");
        sizes
    });
    drop(rt);
    let mut sizes = sizes;
    sizes.sort_unstable();
    assert_eq!(sizes, (1..=8).collect::<Vec<u64>>());
}

#[test]
fn a_plain_thread_and_a_blocking_task_share_one_store() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = Arc::new(open(&schema));
    let dir = common::init(&*store, 1);
    let (s, d) = (store.clone(), dir.clone());
    let plain = std::thread::spawn(move || {
        s.append(&[common::entry(&d, 0, b"plain".to_vec())], &PlainSigner)
            .unwrap()
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (s, d) = (store.clone(), dir.clone());
    let blocking = rt
        .block_on(async move {
            tokio::task::spawn_blocking(move || {
                s.append(&[common::entry(&d, 0, b"blocking".to_vec())], &PlainSigner)
                    .unwrap()
            })
            .await
        })
        .unwrap();
    let plain = plain.join().unwrap();
    let mut got = [plain.leaf_indexes[0], blocking.leaf_indexes[0]];
    got.sort_unstable();
    assert_eq!(got, [0, 1]);
}

#[test]
fn reopening_applies_no_migration_twice_and_concurrent_opens_migrate_once() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    let opens: Vec<_> = (0..3)
        .map(|_| {
            let (url, name) = (schema.url.clone(), schema.name.clone());
            std::thread::spawn(move || PostgresStore::open_in_schema(&url, &name).map(drop))
        })
        .collect();
    for t in opens {
        t.join().unwrap().expect("a concurrent open succeeds");
    }
    drop(open(&schema));
    let mut c = schema.client();
    let versions: Vec<i64> = c
        .query(
            "SELECT version FROM caretrail_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
}

#[test]
fn a_schema_newer_than_this_binary_is_refused() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    drop(open(&schema));
    schema
        .client()
        .execute(
            "INSERT INTO caretrail_migrations (version, name, checksum) VALUES ($1, 'future', '')",
            &[&(SCHEMA_VERSION + 1)],
        )
        .unwrap();
    let err = PostgresStore::open_in_schema(&schema.url, &schema.name).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, supported }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err}"
    );
}

#[test]
fn an_applied_migration_edited_since_is_refused() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    drop(open(&schema));
    schema
        .client()
        .execute(
            "UPDATE caretrail_migrations SET checksum = '\\x00' WHERE version = 1",
            &[],
        )
        .unwrap();
    let err = PostgresStore::open_in_schema(&schema.url, &schema.name).unwrap_err();
    assert!(err.to_string().contains("differs"), "{err}");
}

#[test]
fn refusals_name_the_constraint_but_never_quote_the_row() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = open(&schema);
    let dir = common::init(&store, 1);
    // A second account with the same (personal) username breaks a unique constraint; the
    // server's detail would read `Key (username)=(...) already exists`.
    let clash = User {
        id: UserId::new(),
        username: "sw.test".into(),
        display_name: "Jane Synthetic-Person".into(),
        role: Role::SocialWorker,
        organisation: dir.org,
        person: None,
    };
    let err = store
        .put_directory(&DirectoryBatch {
            users: vec![(clash, None)],
            ..DirectoryBatch::default()
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Conflict(_)), "{text}");
    assert!(text.contains("users_username_key"), "{text}");
    assert!(
        !text.contains("sw.test") && !text.contains("Jane"),
        "{text}"
    );
    // A directory batch is all or nothing.
    let org = Organisation {
        id: OrganisationId::new(),
        name: "Second Provider".into(),
        kind: OrganisationKind::HomeCareProvider,
    };
    let err = store
        .put_directory(&DirectoryBatch {
            organisations: vec![org],
            users: vec![(
                User {
                    id: UserId::new(),
                    username: "ok.user".into(),
                    display_name: "Fine".into(),
                    role: Role::SocialWorker,
                    organisation: OrganisationId::new(), // unknown: refused
                    person: None,
                },
                None,
            )],
            ..DirectoryBatch::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.organisations().unwrap().len(), 1);
}

#[test]
fn erasure_deletes_the_keys_and_ciphertexts_from_the_tables() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = open(&schema);
    let dir = common::init(&store, 2);
    let batch: Vec<Write> = (0..4)
        .map(|i| common::entry(&dir, i % 2, vec![i as u8; 4]))
        .collect();
    store.append(&batch, &PlainSigner).unwrap();
    let at = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    store
        .append(
            &[Write::ErasePerson {
                person: dir.people[0],
                at,
            }],
            &PlainSigner,
        )
        .unwrap();
    store.fold_journal().unwrap();
    let mut c = schema.client();
    let person = dir.people[0].0;
    let keys: i64 = c
        .query_one(
            "SELECT count(*) FROM person_keys WHERE person_id = $1",
            &[&person],
        )
        .unwrap()
        .get(0);
    assert_eq!(keys, 0, "the wrapped keys are deleted");
    let payloads: i64 = c
        .query_one(
            "SELECT count(payload) FROM entries WHERE person_id = $1",
            &[&person],
        )
        .unwrap()
        .get(0);
    assert_eq!(payloads, 0, "every ciphertext is gone");
    let others: i64 = c
        .query_one(
            "SELECT count(payload) FROM entries WHERE person_id = $1",
            &[&dir.people[1].0],
        )
        .unwrap()
        .get(0);
    assert_eq!(others, 2, "other people's entries are untouched");
}

#[test]
fn an_append_refuses_to_extend_a_log_whose_leaves_were_removed() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    let store = open(&schema);
    let dir = common::init(&store, 1);
    let batch: Vec<Write> = (0..3).map(|i| common::entry(&dir, 0, vec![i; 4])).collect();
    store.append(&batch, &PlainSigner).unwrap();
    // Truncate the log behind the store's back.
    schema
        .client()
        .batch_execute("DELETE FROM entries WHERE leaf_index = 2; DELETE FROM leaves WHERE idx = 2")
        .unwrap();
    let err = store
        .append(&[common::entry(&dir, 0, vec![9; 4])], &PlainSigner)
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err}");
    assert_eq!(store.tree_size().unwrap(), 2, "nothing was written");
}

/// Terminates every server connection whose `application_name` is `tag`, and waits until they
/// are gone.
fn kill_connections(schema: &TestSchema, tag: &str) -> i64 {
    let mut c = schema.client();
    let killed: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1) t",
            &[&tag],
        )
        .unwrap()
        .get(0);
    for _ in 0..100 {
        let left: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&tag],
            )
            .unwrap()
            .get(0);
        if left == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    killed
}

#[test]
fn calls_after_the_server_dropped_the_pooled_connections_reconnect() {
    let Some(url) = common::test_url() else {
        return;
    };
    let schema = TestSchema::new(&url);
    // Tag this store's connections so that only they are terminated.
    let sep = if url.contains('?') { '&' } else { '?' };
    let tagged = format!("{url}{sep}application_name={}", schema.name);
    let store = PostgresStore::open_with(
        &tagged,
        &PostgresOptions {
            schema: Some(schema.name.clone()),
            max_connections: 2,
            ..PostgresOptions::default()
        },
    )
    .unwrap();
    let dir = common::init(&store, 1);
    store
        .append(&[common::entry(&dir, 0, b"first".to_vec())], &PlainSigner)
        .unwrap();
    assert!(kill_connections(&schema, &schema.name) >= 1);
    // The read meets the dead connection, discards it and reads again on a new one.
    assert_eq!(store.tree_size().unwrap(), 1);
    assert!(kill_connections(&schema, &schema.name) >= 1);
    // An append that meets a dead connection before its commit wrote nothing: it runs again.
    let second = store
        .append(&[common::entry(&dir, 0, b"second".to_vec())], &PlainSigner)
        .unwrap();
    assert_eq!(second.leaf_indexes, vec![1]);
    assert_eq!(store.tree_size().unwrap(), 2);
}
