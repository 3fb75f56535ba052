//! Tamper test (issue "foundation", reliability acceptance): at least 200 random mutations to a
//! copy of the database (change, delete, reorder or truncate rows or bytes of the leaf, payload
//! and tree tables). Verification must fail on every one and name the first bad leaf.
//!
//! On the test engine: SQLite's file is edited with `rusqlite`, PostgreSQL's tables (a copy of
//! the schema, `CARETRAIL_TEST_ENGINE=postgres`) with the `postgres` client. Either way the
//! editor is not bound by foreign keys.

mod common;

use common::engine::{self, Engine};
use common::{World, open};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

const MUTATIONS: usize = 260;

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
}

const ALL: [Mutation; 13] = [
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
];

/// A statement parameter: a leaf or node index, a tree level, or bytes.
#[derive(Debug, Clone)]
enum P {
    Idx(u64),
    Level(u8),
    Bytes(Vec<u8>),
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
            }
        })
        .collect()
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
    w.fill(203, 17);
    let n = w.record.unaudited().store().tree_size().unwrap();
    assert_eq!(n, 203);
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
