//! Tamper test (issue "foundation", reliability acceptance): at least 200 random mutations to a
//! copy of the database (change, delete, reorder or truncate rows or bytes of the leaf, payload
//! and tree tables). Verification must fail on every one and name the first bad leaf.
//!
//! Since the signed head (issue 13), the mutations include what someone with the database but
//! not the log's key can do: delete or alter checkpoints, append a forged access event, or turn
//! a denied read into an allowed one, with every tree node recomputed to match.
//!
//! On the test engine: SQLite's file is edited with `rusqlite`, PostgreSQL's tables (a copy of
//! the schema, `CARETRAIL_TEST_ENGINE=postgres`) with the `postgres` client. Either way the
//! editor is not bound by foreign keys.

mod common;

use common::engine::{self, Engine};
use common::{World, open};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

const MUTATIONS: usize = 340;

#[derive(Debug, Clone, Copy)]
enum Mutation {
    LeafByte,
    LeafDelete,
    LeafSwap,
    LeafTruncate,
    PayloadByte,
    PayloadDelete,
    PayloadSwap,
    EntryTime,
    NodeByte,
    NodeDelete,
    NodeSwap,
    NodeTruncate,
    AuditField,
    CheckpointDelete,
    CheckpointAlter,
    ForgedAppend,
    ForgedDecision,
}

const ALL: [Mutation; 17] = [
    Mutation::LeafByte,
    Mutation::LeafDelete,
    Mutation::LeafSwap,
    Mutation::LeafTruncate,
    Mutation::PayloadByte,
    Mutation::PayloadDelete,
    Mutation::PayloadSwap,
    Mutation::EntryTime,
    Mutation::NodeByte,
    Mutation::NodeDelete,
    Mutation::NodeSwap,
    Mutation::NodeTruncate,
    Mutation::AuditField,
    Mutation::CheckpointDelete,
    Mutation::CheckpointAlter,
    Mutation::ForgedAppend,
    Mutation::ForgedDecision,
];

/// A statement parameter: a leaf or node index, a tree level, or bytes.
#[derive(Debug, Clone)]
enum P {
    Idx(u64),
    Level(u8),
    Bytes(Vec<u8>),
    /// A row id: a blob in SQLite, a `uuid` in PostgreSQL.
    Id([u8; 16]),
}

/// Direct access to the store's tables. Statements are written with SQLite's `?1` parameters;
/// PostgreSQL's `$1` are the same numbered parameters.
trait Tables {
    fn postgres(&self) -> bool;
    fn column(&mut self, sql: &str) -> Vec<u64>;
    fn blob(&mut self, sql: &str, params: &[P]) -> Vec<u8>;
    fn execute(&mut self, sql: &str, params: &[P]);
}

impl Tables for rusqlite::Connection {
    fn postgres(&self) -> bool {
        false
    }
    fn column(&mut self, sql: &str) -> Vec<u64> {
        let mut stmt = self.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|x| x.unwrap() as u64)
            .collect()
    }
    fn blob(&mut self, sql: &str, params: &[P]) -> Vec<u8> {
        self.query_row(sql, sqlite_params(params), |r| r.get(0))
            .unwrap()
    }
    fn execute(&mut self, sql: &str, params: &[P]) {
        rusqlite::Connection::execute(self, sql, sqlite_params(params)).unwrap();
    }
}

fn sqlite_params(params: &[P]) -> rusqlite::ParamsFromIter<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value;
    rusqlite::params_from_iter(
        params
            .iter()
            .map(|p| match p {
                P::Idx(i) => Value::Integer(*i as i64),
                P::Level(l) => Value::Integer(i64::from(*l)),
                P::Bytes(b) => Value::Blob(b.clone()),
                P::Id(b) => Value::Blob(b.to_vec()),
            })
            .collect::<Vec<_>>(),
    )
}

impl Tables for postgres::Client {
    fn postgres(&self) -> bool {
        true
    }
    fn column(&mut self, sql: &str) -> Vec<u64> {
        self.query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, i64>(0) as u64)
            .collect()
    }
    fn blob(&mut self, sql: &str, params: &[P]) -> Vec<u8> {
        let values = postgres_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v.as_ref()).collect();
        self.query_one(&sql.replace('?', "$"), &refs)
            .unwrap()
            .get(0)
    }
    fn execute(&mut self, sql: &str, params: &[P]) {
        let values = postgres_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v.as_ref()).collect();
        postgres::Client::execute(self, &sql.replace('?', "$"), &refs).unwrap();
    }
}

/// PostgreSQL's column types: `bigint` indexes, `smallint` levels, `bytea`.
fn postgres_params(params: &[P]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn postgres::types::ToSql + Sync> {
            match p {
                P::Idx(i) => Box::new(*i as i64),
                P::Level(l) => Box::new(i16::from(*l)),
                P::Bytes(b) => Box::new(b.clone()),
                P::Id(b) => Box::new(uuid::Uuid::from_bytes(*b)),
            }
        })
        .collect()
}

/// Recomputes every stored tree node (each perfect subtree) from the stored leaves, as anyone
/// with the database can: the hashes need no key.
fn rebuild_nodes(c: &mut dyn Tables, n: u64) {
    use caretrail_ledger::{leaf_hash, node_hash};
    let mut level: Vec<caretrail_ledger::Hash> = (0..n)
        .map(|i| leaf_hash(&c.blob("SELECT data FROM leaves WHERE idx = ?1", &[P::Idx(i)])))
        .collect();
    c.execute("DELETE FROM nodes", &[]);
    let mut l = 0u8;
    while !level.is_empty() {
        for (x, h) in level.iter().enumerate() {
            c.execute(
                "INSERT INTO nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
                &[P::Level(l), P::Idx(x as u64), P::Bytes(h.to_vec())],
            );
        }
        level = level
            .chunks_exact(2)
            .map(|p| node_hash(&p[0], &p[1]))
            .collect();
        l += 1;
    }
}

/// The largest checkpoint size below `limit` (0 when there is none): where the signed head
/// stands once the checkpoints from `limit` on are gone.
fn signed_below(c: &mut dyn Tables, limit: u64) -> u64 {
    c.column("SELECT size FROM checkpoints ORDER BY size")
        .into_iter()
        .filter(|&s| s < limit)
        .max()
        .unwrap_or(0)
}

/// Appends a forged "allowed" copy of the audit event at leaf `k` as leaf `n` (a fresh event
/// id, its row and leaf bytes consistent with each other), with the tree recomputed over it.
fn forge_allowed_event(c: &mut dyn Tables, k: u64, n: u64, id: [u8; 16]) {
    let mut leaf = c.blob("SELECT data FROM leaves WHERE idx = ?1", &[P::Idx(k)]);
    leaf[2..18].copy_from_slice(&id); // the event id
    leaf[70] = 1; // the decision: allowed
    c.execute(
        "INSERT INTO leaves (idx, data) VALUES (?1, ?2)",
        &[P::Idx(n), P::Bytes(leaf)],
    );
    let id_sql = if c.postgres() {
        "CAST(encode(?2, 'hex') AS uuid)"
    } else {
        "?2"
    };
    c.execute(
        &format!(
            "INSERT INTO audit_events (leaf_index, id, at, accessor_id, role, organisation_id, \
             person_id, action, purpose, allowed, break_glass, reason) \
             SELECT ?1, {id_sql}, at, accessor_id, role, organisation_id, person_id, action, \
             purpose, TRUE, break_glass, reason FROM audit_events WHERE leaf_index = ?3"
        ),
        &[P::Idx(n), P::Bytes(id.to_vec()), P::Idx(k)],
    );
    if c.postgres() {
        // PostgreSQL keeps the log's size in a row of its own; the forger moves it too.
        c.execute("UPDATE log_head SET size = ?1", &[P::Idx(n + 1)]);
    }
    rebuild_nodes(c, n + 1);
}

/// Applies `m` and returns the index verification must report as the first bad leaf.
fn mutate(c: &mut dyn Tables, m: Mutation, n: u64, rng: &mut ChaCha20Rng) -> u64 {
    let pick = |rng: &mut ChaCha20Rng| rng.random_range(0..n);
    let entry_leaves = c.column("SELECT leaf_index FROM entries ORDER BY leaf_index");
    let audit_leaves = c.column("SELECT leaf_index FROM audit_events ORDER BY leaf_index");
    // One tick of a stored time: SQLite keeps microseconds as integers.
    let tick = if c.postgres() {
        "interval '1 microsecond'"
    } else {
        "1"
    };
    let pick_entry = |rng: &mut ChaCha20Rng| entry_leaves[rng.random_range(0..entry_leaves.len())];
    let two_entries = |rng: &mut ChaCha20Rng| loop {
        let (a, b) = (pick_entry(rng), pick_entry(rng));
        if a != b {
            return (a.min(b), a.max(b));
        }
    };
    let two = |rng: &mut ChaCha20Rng| loop {
        let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
        if a != b {
            return (a.min(b), a.max(b));
        }
    };
    match m {
        Mutation::LeafByte => {
            let i = pick(rng);
            let mut data = c.blob("SELECT data FROM leaves WHERE idx = ?1", &[P::Idx(i)]);
            let at = rng.random_range(0..data.len());
            data[at] ^= 1 << rng.random_range(0..8);
            c.execute(
                "UPDATE leaves SET data = ?2 WHERE idx = ?1",
                &[P::Idx(i), P::Bytes(data)],
            );
            i
        }
        Mutation::LeafDelete => {
            let i = pick(rng);
            c.execute("DELETE FROM entries WHERE leaf_index = ?1", &[P::Idx(i)]);
            c.execute("DELETE FROM leaves WHERE idx = ?1", &[P::Idx(i)]);
            i
        }
        Mutation::LeafSwap => {
            let (a, b) = two(rng);
            let da = c.blob("SELECT data FROM leaves WHERE idx = ?1", &[P::Idx(a)]);
            let db = c.blob("SELECT data FROM leaves WHERE idx = ?1", &[P::Idx(b)]);
            c.execute(
                "UPDATE leaves SET data = ?2 WHERE idx = ?1",
                &[P::Idx(a), P::Bytes(db)],
            );
            c.execute(
                "UPDATE leaves SET data = ?2 WHERE idx = ?1",
                &[P::Idx(b), P::Bytes(da)],
            );
            a
        }
        Mutation::LeafTruncate => {
            let k = pick(rng);
            c.execute("DELETE FROM entries WHERE leaf_index >= ?1", &[P::Idx(k)]);
            c.execute("DELETE FROM leaves WHERE idx >= ?1", &[P::Idx(k)]);
            k
        }
        Mutation::AuditField => {
            let i = audit_leaves[rng.random_range(0..audit_leaves.len())];
            let toggle = if c.postgres() {
                "UPDATE audit_events SET allowed = NOT allowed WHERE leaf_index = ?1"
            } else {
                "UPDATE audit_events SET allowed = 1 - allowed WHERE leaf_index = ?1"
            };
            let later = format!("UPDATE audit_events SET at = at + {tick} WHERE leaf_index = ?1");
            let sql = [
                toggle,
                "UPDATE audit_events SET purpose = 'emergency' WHERE leaf_index = ?1",
                &later,
                "DELETE FROM audit_events WHERE leaf_index = ?1",
            ][rng.random_range(0..4)];
            c.execute(sql, &[P::Idx(i)]);
            i
        }
        Mutation::CheckpointDelete => {
            // The checkpoints from a random one on: the leaves past the last one left are
            // signed by nothing.
            let sizes = c.column("SELECT size FROM checkpoints ORDER BY size");
            let k = sizes[rng.random_range(0..sizes.len())];
            c.execute("DELETE FROM checkpoints WHERE size >= ?1", &[P::Idx(k)]);
            signed_below(c, k)
        }
        Mutation::CheckpointAlter => {
            // The latest checkpoint's note changed: its signature no longer holds.
            let latest = *c
                .column("SELECT size FROM checkpoints ORDER BY size")
                .last()
                .unwrap();
            c.execute(
                "UPDATE checkpoints SET note = 'x' || note WHERE size = ?1",
                &[P::Idx(latest)],
            );
            signed_below(c, latest)
        }
        Mutation::ForgedAppend => {
            let k = audit_leaves[rng.random_range(0..audit_leaves.len())];
            forge_allowed_event(c, k, n, rng.random());
            n
        }
        Mutation::ForgedDecision => {
            // A decision turned round, leaf and row alike, the tree recomputed, and the
            // checkpoints that covered the old decision deleted.
            let i = audit_leaves[rng.random_range(0..audit_leaves.len())];
            let mut leaf = c.blob("SELECT data FROM leaves WHERE idx = ?1", &[P::Idx(i)]);
            leaf[70] ^= 1;
            c.execute(
                "UPDATE leaves SET data = ?2 WHERE idx = ?1",
                &[P::Idx(i), P::Bytes(leaf)],
            );
            let toggle = if c.postgres() {
                "UPDATE audit_events SET allowed = NOT allowed WHERE leaf_index = ?1"
            } else {
                "UPDATE audit_events SET allowed = 1 - allowed WHERE leaf_index = ?1"
            };
            c.execute(toggle, &[P::Idx(i)]);
            rebuild_nodes(c, n);
            c.execute("DELETE FROM checkpoints WHERE size > ?1", &[P::Idx(i)]);
            signed_below(c, i + 1)
        }
        Mutation::PayloadByte => {
            let i = pick_entry(rng);
            let mut ct = c.blob(
                "SELECT payload FROM entries WHERE leaf_index = ?1",
                &[P::Idx(i)],
            );
            let at = rng.random_range(0..ct.len());
            ct[at] ^= 1 << rng.random_range(0..8);
            c.execute(
                "UPDATE entries SET payload = ?2 WHERE leaf_index = ?1",
                &[P::Idx(i), P::Bytes(ct)],
            );
            i
        }
        Mutation::PayloadDelete => {
            let i = pick_entry(rng);
            if rng.random_bool(0.5) {
                c.execute("DELETE FROM entries WHERE leaf_index = ?1", &[P::Idx(i)]);
            } else {
                c.execute(
                    "UPDATE entries SET payload = NULL WHERE leaf_index = ?1",
                    &[P::Idx(i)],
                );
            }
            i
        }
        Mutation::PayloadSwap => {
            let (a, b) = two_entries(rng);
            let pa = c.blob(
                "SELECT payload FROM entries WHERE leaf_index = ?1",
                &[P::Idx(a)],
            );
            let pb = c.blob(
                "SELECT payload FROM entries WHERE leaf_index = ?1",
                &[P::Idx(b)],
            );
            c.execute(
                "UPDATE entries SET payload = ?2 WHERE leaf_index = ?1",
                &[P::Idx(a), P::Bytes(pb)],
            );
            c.execute(
                "UPDATE entries SET payload = ?2 WHERE leaf_index = ?1",
                &[P::Idx(b), P::Bytes(pa)],
            );
            a
        }
        Mutation::EntryTime => {
            let i = pick_entry(rng);
            c.execute(
                &format!(
                    "UPDATE entries SET effective_at = effective_at + {tick} WHERE leaf_index = ?1"
                ),
                &[P::Idx(i)],
            );
            i
        }
        Mutation::NodeByte | Mutation::NodeDelete | Mutation::NodeSwap | Mutation::NodeTruncate => {
            // A level that has at least two nodes.
            let max_level = 63 - (n / 2).leading_zeros() as u8;
            let level = rng.random_range(0..=max_level);
            let count = n >> level;
            let first_leaf = |idx: u64| idx << level;
            let at = |idx: u64| [P::Level(level), P::Idx(idx)];
            match m {
                Mutation::NodeByte => {
                    let idx = rng.random_range(0..count);
                    let mut h = c.blob(
                        "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
                        &at(idx),
                    );
                    h[rng.random_range(0..32)] ^= 1 << rng.random_range(0..8);
                    c.execute(
                        "UPDATE nodes SET hash = ?3 WHERE level = ?1 AND idx = ?2",
                        &[P::Level(level), P::Idx(idx), P::Bytes(h)],
                    );
                    first_leaf(idx)
                }
                Mutation::NodeDelete => {
                    let idx = rng.random_range(0..count);
                    c.execute("DELETE FROM nodes WHERE level = ?1 AND idx = ?2", &at(idx));
                    first_leaf(idx)
                }
                Mutation::NodeSwap => {
                    let (a, b) = loop {
                        let (a, b) = (rng.random_range(0..count), rng.random_range(0..count));
                        if a != b {
                            break (a.min(b), a.max(b));
                        }
                    };
                    let ha = c.blob(
                        "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
                        &at(a),
                    );
                    let hb = c.blob(
                        "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
                        &at(b),
                    );
                    c.execute(
                        "UPDATE nodes SET hash = ?3 WHERE level = ?1 AND idx = ?2",
                        &[P::Level(level), P::Idx(a), P::Bytes(hb)],
                    );
                    c.execute(
                        "UPDATE nodes SET hash = ?3 WHERE level = ?1 AND idx = ?2",
                        &[P::Level(level), P::Idx(b), P::Bytes(ha)],
                    );
                    first_leaf(a)
                }
                _ => {
                    let k = rng.random_range(0..count);
                    c.execute("DELETE FROM nodes WHERE level = ?1 AND idx >= ?2", &at(k));
                    first_leaf(k)
                }
            }
        }
    }
}

#[test]
fn every_mutation_of_log_content_is_detected_at_its_first_bad_leaf() {
    let w = World::new(5);
    let directory = w.record.unaudited().store().tree_size().unwrap();
    w.fill(203, 17);
    let n = w.record.unaudited().store().tree_size().unwrap();
    assert_eq!(n, directory + 203);
    // Fold the WAL into the main file so a file copy is the whole database.
    w.record.unaudited().store().fold_journal().unwrap();
    let pristine = tempfile::tempdir().unwrap();
    let _pristine_db = engine::copy(w.path(), pristine.path(), false);
    drop(w);

    let mut rng = ChaCha20Rng::seed_from_u64(6962);
    let mut per_kind = std::collections::BTreeMap::new();
    for round in 0..MUTATIONS {
        let m = ALL[round % ALL.len()];
        let copy = tempfile::tempdir().unwrap();
        let _copy_db = engine::copy(pristine.path(), copy.path(), false);
        let expected = match engine::engine() {
            Engine::Sqlite => {
                let mut c = rusqlite::Connection::open(engine::db_path(copy.path())).unwrap();
                // An attacker editing the file is not bound by foreign keys.
                c.pragma_update(None, "foreign_keys", "OFF").unwrap();
                mutate(&mut c, m, n, &mut rng)
            }
            // The copied schema has no foreign keys.
            Engine::Postgres => mutate(&mut engine::postgres_client(copy.path()), m, n, &mut rng),
        };
        let record = open(copy.path());
        let report = record.verify(None).unwrap();
        assert!(!report.ok(), "round {round}: {m:?} went undetected");
        assert_eq!(
            report.first_bad_leaf,
            Some(expected),
            "round {round}: {m:?} expected first bad leaf {expected}; problems {:?}",
            report.problems
        );
        *per_kind.entry(format!("{m:?}")).or_insert(0) += 1;
    }
    assert_eq!(per_kind.len(), ALL.len());
    assert!(per_kind.values().all(|&k| k >= 20));
    const { assert!(MUTATIONS >= 200) };
}

/// A forged event appended with SQL alone is never made permanent: the next honest write is
/// refused (nothing is signed over the forgery), and `verify` names the forged leaf.
#[test]
fn a_forged_tail_is_never_signed_by_a_later_write() {
    let w = World::new(3);
    w.fill(40, 7);
    let n = w.record.unaudited().store().tree_size().unwrap();
    let audit = w
        .record
        .unaudited()
        .store()
        .audit_by_leaf_from(0, 1)
        .unwrap()[0]
        .leaf_index;
    match engine::engine() {
        Engine::Sqlite => {
            let mut c = rusqlite::Connection::open(engine::db_path(w.path())).unwrap();
            c.pragma_update(None, "foreign_keys", "OFF").unwrap();
            forge_allowed_event(&mut c, audit, n, [7; 16]);
        }
        Engine::Postgres => {
            forge_allowed_event(&mut engine::postgres_client(w.path()), audit, n, [7; 16])
        }
    }
    let refused = w.record.unaudited().add_entry(w.request(
        w.people[0],
        caretrail_core::EntryKind::CaseNote,
        serde_json::json!({ "text": "an honest note after the forgery" }),
    ));
    assert!(
        matches!(
            refused,
            Err(caretrail_record::RecordError::Store(
                caretrail_store::StoreError::UnsignedHead { stored, signed }
            )) if stored == n + 1 && signed == n
        ),
        "{refused:?}"
    );
    let report = w.record.verify(None).unwrap();
    assert_eq!(report.first_bad_leaf, Some(n), "{:?}", report.problems);
    assert_eq!(
        w.record.unaudited().store().tree_size().unwrap(),
        n + 1,
        "nothing was appended over the forgery"
    );
}

/// The index of the latest fact leaf of `kind` whose subject is `subject` (any, if `None`).
fn fact_leaf(
    store: &dyn caretrail_store::Store,
    kind: caretrail_store::fact::FactKind,
    subject: Option<[u8; 16]>,
) -> u64 {
    let leaves = store.leaves_from(0, 100_000).unwrap();
    leaves
        .iter()
        .rev()
        .find(|(_, l)| {
            caretrail_store::fact::decode(l)
                .is_some_and(|f| f.key.kind == kind && subject.is_none_or(|s| s == f.key.subject))
        })
        .map(|(i, _)| *i)
        .expect("the fact has a leaf")
}

/// What someone with the database but not the keys would change in the directory, with SQL
/// alone: a role raised, a care relationship added, a legal hold lifted or its row deleted, a
/// profile swapped for another person's, a citizen's account taken over. `verify` catches
/// each, at the leaf that set the fact (or, for a row no leaf sets, at the log's size), after an
/// honest erasure of a person with a citizen account still passed.
#[test]
fn directory_tampering_is_caught_at_the_fact_that_set_it() {
    use caretrail_core::{Purpose, Role, User, UserId};
    use caretrail_store::fact::FactKind;
    let w = World::new(3);
    let po = User {
        id: UserId::new(),
        username: "po.test".into(),
        display_name: "Privacy Officer".into(),
        role: Role::PrivacyOfficer,
        organisation: w.org,
        person: None,
    };
    let citizen = |p: usize, name: &str| User {
        id: UserId::new(),
        username: name.into(),
        display_name: name.into(),
        role: Role::Citizen,
        organisation: w.org,
        person: Some(w.people[p]),
    };
    let (kept, erased) = (citizen(1, "citizen.kept"), citizen(2, "citizen.erased"));
    w.record
        .unaudited()
        .register(
            vec![],
            vec![
                (po.clone(), None),
                (kept.clone(), Some("$argon2id$kept".into())),
                (erased.clone(), Some("$argon2id$erased".into())),
            ],
            vec![],
            vec![],
        )
        .unwrap();
    w.record
        .gate(caretrail_access::Principal::from_user(&po, Purpose::Audit))
        .set_retention(w.people[0], Ok((None, true)))
        .unwrap();
    w.fill(20, 3);
    w.record
        .unaudited()
        .erase(w.people[2], "test", &w.system)
        .unwrap();
    let store = w.record.unaudited().store().clone();
    let anonymised = store.user(erased.id).unwrap().unwrap();
    assert_eq!(anonymised.display_name, "(erased)");
    assert_eq!(store.user_password_hash(erased.id).unwrap(), None);
    let report = w.record.verify(None).unwrap();
    assert!(
        report.ok(),
        "an honest erasure keeps the fold: {:?}",
        report.problems
    );

    let n = store.tree_size().unwrap();
    let worker = *w.worker.id.as_bytes();
    let role_leaf = fact_leaf(&*store, FactKind::User, Some(worker));
    let citizen_leaf = fact_leaf(&*store, FactKind::User, Some(*kept.id.as_bytes()));
    let hold_leaf = fact_leaf(&*store, FactKind::Retention, None);
    let p0 = store.person(w.people[0]).unwrap().unwrap();
    // The lowest leaf that is still the latest of its fact.
    let lowest_latest = {
        let mut latest = std::collections::HashMap::new();
        for (i, leaf) in store.leaves_from(0, 100_000).unwrap() {
            if let Some(f) = caretrail_store::fact::decode(&leaf) {
                latest.insert(f.key, i);
            }
        }
        latest.into_values().min().unwrap()
    };
    let profile_leaf = fact_leaf(&*store, FactKind::Person, Some(p0.pseudonym));
    w.record.unaudited().store().fold_journal().unwrap();
    let pristine = tempfile::tempdir().unwrap();
    let _pristine_db = engine::copy(w.path(), pristine.path(), false);
    drop(store);
    drop(w.record);

    let (person0, person1) = (*w.people[0].as_bytes(), *w.people[1].as_bytes());
    let raised = format!(
        "UPDATE users SET role = '{}' WHERE id = ?1",
        Role::PrivacyOfficer.as_str()
    );
    let epoch = match engine::engine() {
        Engine::Sqlite => "0",
        Engine::Postgres => "'1970-01-01T00:00:00Z'",
    };
    let cases: Vec<(&str, String, Vec<P>, u64)> = vec![
        ("role raised", raised, vec![P::Id(worker)], role_leaf),
        (
            "relationship added",
            format!(
                "INSERT INTO relationships (id, practitioner_id, person_id, organisation_id, kind, valid_from, valid_to) \
                 VALUES (?1, ?2, ?3, ?4, 'care-team', {epoch}, NULL)"
            ),
            vec![
                P::Id([0xab; 16]),
                P::Id(worker),
                P::Id(person1),
                P::Id(*w.org.as_bytes()),
            ],
            n,
        ),
        (
            "hold lifted",
            "UPDATE retention SET legal_hold = false WHERE person_id = ?1".into(),
            vec![P::Id(person0)],
            hold_leaf,
        ),
        (
            "hold deleted",
            "DELETE FROM retention WHERE person_id = ?1".into(),
            vec![P::Id(person0)],
            hold_leaf,
        ),
        (
            "profile swapped",
            "UPDATE people SET profile = (SELECT profile FROM people WHERE id = ?2) WHERE id = ?1"
                .into(),
            vec![P::Id(person0), P::Id(person1)],
            profile_leaf,
        ),
        (
            "facts index emptied",
            "DELETE FROM facts".into(),
            vec![],
            // Every fact's index entry is gone: the first is the lowest leaf still latest.
            lowest_latest,
        ),
        (
            "citizen account taken over",
            "UPDATE users SET password_hash = '$argon2id$attacker' WHERE id = ?1".into(),
            vec![P::Id(*kept.id.as_bytes())],
            citizen_leaf,
        ),
    ];
    for (what, sql, params, expected) in cases {
        let copy = tempfile::tempdir().unwrap();
        let _copy_db = engine::copy(pristine.path(), copy.path(), false);
        match engine::engine() {
            Engine::Sqlite => {
                let mut c = rusqlite::Connection::open(engine::db_path(copy.path())).unwrap();
                c.pragma_update(None, "foreign_keys", "OFF").unwrap();
                Tables::execute(&mut c, &sql, &params);
            }
            Engine::Postgres => {
                Tables::execute(&mut engine::postgres_client(copy.path()), &sql, &params)
            }
        }
        let tampered = open(copy.path());
        // A changed account is refused at once, at sign-in and for a session; others are not.
        let accounts = tampered.accounts();
        if what == "facts index emptied" {
            // No account can be matched with its leaf: every one is refused (fail closed).
            assert!(accounts.by_username("po.test").is_err(), "{what}");
        } else {
            assert!(accounts.by_username("po.test").unwrap().is_some(), "{what}");
        }
        match what {
            "facts index emptied" => {}
            "role raised" => {
                assert!(accounts.user(w.worker.id).is_err(), "{what}");
                assert!(accounts.by_username("cw.test").is_err(), "{what}");
            }
            "citizen account taken over" => {
                assert!(accounts.by_username("citizen.kept").is_err(), "{what}");
            }
            _ => assert!(accounts.user(w.worker.id).unwrap().is_some(), "{what}"),
        }
        let report = tampered.verify(None).unwrap();
        assert!(!report.ok(), "{what} went undetected");
        assert_eq!(
            report.first_bad_leaf,
            Some(expected),
            "{what}: problems {:?}",
            report.problems
        );
    }
}
