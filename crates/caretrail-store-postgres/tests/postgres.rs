//! What the PostgreSQL backend promises beyond the shared suite: sequencing across processes,
//! use from tokio's blocking pool, migrations, and errors that quote no row.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};

use caretrail_core::{
    EntryId, Organisation, OrganisationId, OrganisationKind, PersonId, Role, User, UserId,
};
use caretrail_ledger::{MemoryTree, consistency_proof, leaf_hash, root_at, verify_consistency};
use caretrail_store::conformance::PlainSigner;
use caretrail_store::fact::{self, Fact, FactKey, FactKind};
use caretrail_store::{
    Appended, BreakGlassRow, CheckpointSigner, DirectoryBatch, PersonRow, RetentionRow,
    ReviewItemRow, ReviewKind, Store, StoreError, StoreNodes, WrappedKeys, Write,
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

/// A fact write for `fact` about `subject`, its leaf told apart by `n`.
fn fact_write(fact: Fact, subject: [u8; 16], n: u8) -> Write {
    let leaf = fact::encode(&fact::FactLeaf {
        key: FactKey {
            kind: fact.kind(),
            subject,
        },
        person_keyed: false,
        set_by: None,
        at: jiff::Timestamp::UNIX_EPOCH,
        commitment: [n; 32],
    });
    Write::Fact(fact::NewFact { fact, leaf })
}

/// Every kind of fact row is written in the batch's order (an entry after the fact that
/// creates its person is accepted), erasure leaves accounts to the facts of its batch, and an
/// import rebuilds the facts index from the fact leaves it copies.
#[test]
fn facts_write_every_row_in_batch_order_and_an_import_rebuilds_their_heads() {
    let Some(url) = common::test_url() else {
        return;
    };
    let (source_schema, target_schema) = (TestSchema::new(&url), TestSchema::new(&url));
    let (store, target) = (open(&source_schema), open(&target_schema));
    let dir = common::init(&store, 1);
    let t = jiff::Timestamp::from_second(1_700_000_000).unwrap();

    let person = PersonRow {
        id: PersonId::new(),
        pseudonym: [0x50; 16],
        created_at: t,
        erased_at: None,
        profile: Some(vec![1; 20]),
    };
    let citizen = User {
        id: UserId::new(),
        username: "jane.citizen".into(),
        display_name: "Jane Citizen".into(),
        role: Role::Citizen,
        organisation: dir.org,
        person: Some(person.id),
    };
    let retention = RetentionRow {
        person: person.id,
        retain_until: Some(jiff::civil::date(2040, 1, 1)),
        legal_hold: false,
        set_by: dir.author,
        set_at: t,
    };
    let window = BreakGlassRow {
        id: EntryId::new(),
        user: dir.author,
        person: person.id,
        organisation: dir.org,
        reason: Some(vec![4; 12]),
        opened_at: t,
    };
    let item = ReviewItemRow {
        id: EntryId::new(),
        kind: ReviewKind::BreakGlassRead,
        person: person.id,
        subject: dir.author,
        window: Some(window.id),
        entry: None,
        audit: EntryId::new(),
        created_at: t,
        assignee: None,
        assigned_at: None,
        closed_at: None,
        reviewer: None,
        finding: None,
    };
    let mut entry = common::entry(&dir, 0, b"entry of the new person".to_vec());
    if let Write::Entry(e) = &mut entry {
        e.meta.person = person.id;
    }
    let keys = WrappedKeys {
        key_version: 1,
        wrapped: vec![8; 40],
    };
    let first = store
        .append(
            &[
                fact_write(
                    Fact::Person {
                        row: person.clone(),
                        keys: Some(keys.clone()),
                    },
                    person.pseudonym,
                    1,
                ),
                entry,
                fact_write(
                    Fact::User {
                        user: citizen.clone(),
                        password_hash: Some("$argon2id$c".into()),
                    },
                    *citizen.id.as_bytes(),
                    2,
                ),
                fact_write(Fact::Retention(retention.clone()), person.pseudonym, 3),
                fact_write(Fact::BreakGlass(window.clone()), *window.id.as_bytes(), 4),
                fact_write(Fact::Review(item.clone()), *item.id.as_bytes(), 5),
            ],
            &PlainSigner,
        )
        .expect("facts and an entry that relies on one");
    assert_eq!(first.leaf_indexes, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(store.person(person.id).unwrap(), Some(person.clone()));
    assert_eq!(store.person_keys(person.id).unwrap(), Some(keys));
    assert_eq!(store.retention(person.id).unwrap(), Some(retention.clone()));
    assert_eq!(store.break_glass(window.id).unwrap(), Some(window.clone()));
    assert_eq!(store.review_items(true).unwrap(), vec![item.clone()]);
    assert_eq!(
        store.user_by_username("jane.citizen").unwrap(),
        Some((citizen.clone(), Some("$argon2id$c".into())))
    );

    // Replacing rows: every column, and the head moves.
    let held = RetentionRow {
        retain_until: None,
        legal_hold: true,
        ..retention.clone()
    };
    let closed = ReviewItemRow {
        closed_at: Some(t),
        reviewer: Some(dir.author),
        finding: Some(vec![6; 8]),
        ..item.clone()
    };
    let second = store
        .append(
            &[
                Write::ExpectFact {
                    key: FactKey {
                        kind: FactKind::Retention,
                        subject: person.pseudonym,
                    },
                    latest: Some(3),
                },
                fact_write(Fact::Retention(held.clone()), person.pseudonym, 6),
                fact_write(Fact::Review(closed.clone()), *item.id.as_bytes(), 7),
            ],
            &PlainSigner,
        )
        .unwrap();
    assert_eq!(second.leaf_indexes, vec![6, 7]);
    assert_eq!(store.retention(person.id).unwrap(), Some(held));
    assert_eq!(store.review_items(true).unwrap(), vec![closed]);

    // Erasure alone no longer touches the citizen's account: the record writes it as a fact.
    let erased_at = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    store
        .append(
            &[Write::ErasePerson {
                person: person.id,
                at: erased_at,
            }],
            &PlainSigner,
        )
        .unwrap();
    assert_eq!(
        store.user(citizen.id).unwrap(),
        Some(citizen.clone()),
        "the account is the record's to rewrite"
    );
    let anonymised = User {
        username: format!("erased-{}", citizen.id.0.simple()),
        display_name: "(erased)".into(),
        ..citizen.clone()
    };
    let erased = PersonRow {
        erased_at: Some(erased_at),
        profile: None,
        ..person.clone()
    };
    store
        .append(
            &[
                fact_write(
                    Fact::Person {
                        row: erased.clone(),
                        keys: None,
                    },
                    person.pseudonym,
                    8,
                ),
                fact_write(
                    Fact::User {
                        user: anonymised.clone(),
                        password_hash: None,
                    },
                    *citizen.id.as_bytes(),
                    9,
                ),
            ],
            &PlainSigner,
        )
        .unwrap();
    assert_eq!(store.person(person.id).unwrap(), Some(erased));
    assert_eq!(store.person_keys(person.id).unwrap(), None);
    assert_eq!(store.user(citizen.id).unwrap(), Some(anonymised));
    assert_eq!(store.user_password_hash(citizen.id).unwrap(), None);

    let keys: Vec<FactKey> = [
        (FactKind::Person, person.pseudonym),
        (FactKind::User, *citizen.id.as_bytes()),
        (FactKind::Retention, person.pseudonym),
        (FactKind::BreakGlass, *window.id.as_bytes()),
        (FactKind::Review, *item.id.as_bytes()),
        (FactKind::Organisation, *dir.org.as_bytes()),
    ]
    .into_iter()
    .map(|(kind, subject)| FactKey { kind, subject })
    .collect();
    let heads: Vec<Option<u64>> = keys.iter().map(|k| store.fact_head(k).unwrap()).collect();
    assert_eq!(
        heads,
        vec![Some(8), Some(9), Some(6), Some(4), Some(7), None]
    );

    // An import copies the leaves and the facts index follows them, a fact written twice in
    // one batch included.
    target
        .init_log(&store.log_meta().unwrap().unwrap())
        .unwrap();
    target
        .import_directory(&caretrail_store::export_directory(&store).unwrap())
        .unwrap();
    let log = caretrail_store::export_log(&store, 0, 100).unwrap();
    assert_eq!(target.import_log(&log).unwrap(), 10);
    let copied: Vec<Option<u64>> = keys.iter().map(|k| target.fact_head(k).unwrap()).collect();
    assert_eq!(copied, heads);
}
