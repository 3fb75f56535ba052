//! Tamper test (issue "foundation", reliability acceptance): at least 200 random mutations to a
//! copy of the database (change, delete, reorder or truncate rows or bytes of the leaf, payload
//! and tree tables). Verification must fail on every one and name the first bad leaf.

mod common;

use std::path::Path;

use common::{World, db_path, open};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rusqlite::{Connection, params};

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

fn blob(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Vec<u8> {
    c.query_row(sql, p, |r| r.get(0)).unwrap()
}

/// Applies `m` and returns the index verification must report as the first bad leaf.
fn mutate(c: &Connection, m: Mutation, n: u64, rng: &mut ChaCha20Rng) -> u64 {
    let pick = |rng: &mut ChaCha20Rng| rng.random_range(0..n);
    let column = |sql: &str| -> Vec<u64> {
        let mut stmt = c.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|x| x.unwrap() as u64)
            .collect()
    };
    let entry_leaves = column("SELECT leaf_index FROM entries ORDER BY leaf_index");
    let audit_leaves = column("SELECT leaf_index FROM audit_events ORDER BY leaf_index");
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
            let mut data = blob(c, "SELECT data FROM leaves WHERE idx = ?1", [i as i64]);
            let at = rng.random_range(0..data.len());
            data[at] ^= 1 << rng.random_range(0..8);
            c.execute(
                "UPDATE leaves SET data = ?2 WHERE idx = ?1",
                params![i as i64, data],
            )
            .unwrap();
            i
        }
        Mutation::LeafDelete => {
            let i = pick(rng);
            c.execute("DELETE FROM entries WHERE leaf_index = ?1", [i as i64])
                .unwrap();
            c.execute("DELETE FROM leaves WHERE idx = ?1", [i as i64])
                .unwrap();
            i
        }
        Mutation::LeafSwap => {
            let (a, b) = two(rng);
            let da = blob(c, "SELECT data FROM leaves WHERE idx = ?1", [a as i64]);
            let db = blob(c, "SELECT data FROM leaves WHERE idx = ?1", [b as i64]);
            c.execute(
                "UPDATE leaves SET data = ?2 WHERE idx = ?1",
                params![a as i64, db],
            )
            .unwrap();
            c.execute(
                "UPDATE leaves SET data = ?2 WHERE idx = ?1",
                params![b as i64, da],
            )
            .unwrap();
            a
        }
        Mutation::LeafTruncate => {
            let k = pick(rng);
            c.execute("DELETE FROM entries WHERE leaf_index >= ?1", [k as i64])
                .unwrap();
            c.execute("DELETE FROM leaves WHERE idx >= ?1", [k as i64])
                .unwrap();
            k
        }
        Mutation::AuditField => {
            let i = audit_leaves[rng.random_range(0..audit_leaves.len())];
            let sql = [
                "UPDATE audit_events SET allowed = 1 - allowed WHERE leaf_index = ?1",
                "UPDATE audit_events SET purpose = 'emergency' WHERE leaf_index = ?1",
                "UPDATE audit_events SET at = at + 1 WHERE leaf_index = ?1",
                "DELETE FROM audit_events WHERE leaf_index = ?1",
            ][rng.random_range(0..4)];
            c.execute(sql, [i as i64]).unwrap();
            i
        }
        Mutation::PayloadByte => {
            let i = pick_entry(rng);
            let mut ct = blob(
                c,
                "SELECT payload FROM entries WHERE leaf_index = ?1",
                [i as i64],
            );
            let at = rng.random_range(0..ct.len());
            ct[at] ^= 1 << rng.random_range(0..8);
            c.execute(
                "UPDATE entries SET payload = ?2 WHERE leaf_index = ?1",
                params![i as i64, ct],
            )
            .unwrap();
            i
        }
        Mutation::PayloadDelete => {
            let i = pick_entry(rng);
            if rng.random_bool(0.5) {
                c.execute("DELETE FROM entries WHERE leaf_index = ?1", [i as i64])
                    .unwrap();
            } else {
                c.execute(
                    "UPDATE entries SET payload = NULL WHERE leaf_index = ?1",
                    [i as i64],
                )
                .unwrap();
            }
            i
        }
        Mutation::PayloadSwap => {
            let (a, b) = two_entries(rng);
            let pa = blob(
                c,
                "SELECT payload FROM entries WHERE leaf_index = ?1",
                [a as i64],
            );
            let pb = blob(
                c,
                "SELECT payload FROM entries WHERE leaf_index = ?1",
                [b as i64],
            );
            c.execute(
                "UPDATE entries SET payload = ?2 WHERE leaf_index = ?1",
                params![a as i64, pb],
            )
            .unwrap();
            c.execute(
                "UPDATE entries SET payload = ?2 WHERE leaf_index = ?1",
                params![b as i64, pa],
            )
            .unwrap();
            a
        }
        Mutation::EntryTime => {
            let i = pick_entry(rng);
            c.execute(
                "UPDATE entries SET effective_at = effective_at + 1 WHERE leaf_index = ?1",
                [i as i64],
            )
            .unwrap();
            i
        }
        Mutation::NodeByte | Mutation::NodeDelete | Mutation::NodeSwap | Mutation::NodeTruncate => {
            // A level that has at least two nodes.
            let max_level = 63 - (n / 2).leading_zeros() as u8;
            let level = rng.random_range(0..=max_level);
            let count = n >> level;
            let first_leaf = |idx: u64| idx << level;
            match m {
                Mutation::NodeByte => {
                    let idx = rng.random_range(0..count);
                    let mut h = blob(
                        c,
                        "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
                        params![level, idx as i64],
                    );
                    h[rng.random_range(0..32)] ^= 1 << rng.random_range(0..8);
                    c.execute(
                        "UPDATE nodes SET hash = ?3 WHERE level = ?1 AND idx = ?2",
                        params![level, idx as i64, h],
                    )
                    .unwrap();
                    first_leaf(idx)
                }
                Mutation::NodeDelete => {
                    let idx = rng.random_range(0..count);
                    c.execute(
                        "DELETE FROM nodes WHERE level = ?1 AND idx = ?2",
                        params![level, idx as i64],
                    )
                    .unwrap();
                    first_leaf(idx)
                }
                Mutation::NodeSwap => {
                    let (a, b) = loop {
                        let (a, b) = (rng.random_range(0..count), rng.random_range(0..count));
                        if a != b {
                            break (a.min(b), a.max(b));
                        }
                    };
                    let ha = blob(
                        c,
                        "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
                        params![level, a as i64],
                    );
                    let hb = blob(
                        c,
                        "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
                        params![level, b as i64],
                    );
                    c.execute(
                        "UPDATE nodes SET hash = ?3 WHERE level = ?1 AND idx = ?2",
                        params![level, a as i64, hb],
                    )
                    .unwrap();
                    c.execute(
                        "UPDATE nodes SET hash = ?3 WHERE level = ?1 AND idx = ?2",
                        params![level, b as i64, ha],
                    )
                    .unwrap();
                    first_leaf(a)
                }
                _ => {
                    let k = rng.random_range(0..count);
                    c.execute(
                        "DELETE FROM nodes WHERE level = ?1 AND idx >= ?2",
                        params![level, k as i64],
                    )
                    .unwrap();
                    first_leaf(k)
                }
            }
        }
    }
}

fn copy_data_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("keys")).unwrap();
    for f in ["kek", "log-signing-key"] {
        std::fs::copy(from.join("keys").join(f), to.join("keys").join(f)).unwrap();
    }
    std::fs::copy(db_path(from), db_path(to)).unwrap();
}

#[test]
fn every_mutation_of_log_content_is_detected_at_its_first_bad_leaf() {
    let w = World::new(5);
    w.fill(203, 17);
    let n = w.record.store().tree_size().unwrap();
    assert_eq!(n, 203);
    // Fold the WAL into the main file so a file copy is the whole database.
    w.record.store().fold_journal().unwrap();
    let pristine = tempfile::tempdir().unwrap();
    copy_data_dir(w.path(), pristine.path());
    drop(w);

    let mut rng = ChaCha20Rng::seed_from_u64(6962);
    let mut per_kind = std::collections::BTreeMap::new();
    for round in 0..MUTATIONS {
        let m = ALL[round % ALL.len()];
        let copy = tempfile::tempdir().unwrap();
        copy_data_dir(pristine.path(), copy.path());
        let expected = {
            let c = Connection::open(db_path(copy.path())).unwrap();
            // An attacker editing the file is not bound by foreign keys.
            c.pragma_update(None, "foreign_keys", "OFF").unwrap();
            mutate(&c, m, n, &mut rng)
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
