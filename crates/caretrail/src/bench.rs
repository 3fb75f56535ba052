//! `caretrail bench`: the foundation's benchmarks, each reported as a ratio to a baseline
//! measured in the same process (DESIGN §5). Results go to standard output; `docs/benchmarks.md`
//! records them with the command that produced them.
//!
//! - durable writes/s, one at a time and group-committed (many concurrent writers), against a
//!   raw SQLite insert of rows of the same size, batched like the group commits, same pragmas;
//! - full `verify` throughput over the leaf bytes against plain SHA-256 of the same bytes;
//! - inclusion-proof latency at N leaves (default 10⁶) against reading one leaf.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use caretrail_core::{
    EntryData, EntryId, EntryKind, Organisation, OrganisationId, OrganisationKind, PersonId,
    PersonProfile, Role, User, UserId,
};
use caretrail_record::{KeyFiles, NewEntryRequest, NewPerson, Record, RecordError};
use caretrail_store_sqlite::SqliteStore;
use clap::Args;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Leaves in the log for the proof and verify benchmarks.
    #[arg(long, default_value_t = 1_000_000)]
    pub leaves: u64,
    /// Concurrent writers for the group-commit benchmark.
    #[arg(long, default_value_t = 64)]
    pub writers: usize,
    /// Durable writes per measurement.
    #[arg(long, default_value_t = 20_000)]
    pub writes: usize,
    /// Where to build the benchmark logs (default: a new temporary directory, removed after).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

struct Bench {
    record: Record,
    author: User,
    people: Vec<PersonId>,
}

fn note(b: &Bench, i: usize) -> NewEntryRequest {
    let now = Timestamp::now();
    NewEntryRequest {
        id: EntryId::new(),
        person: b.people[i % b.people.len()],
        organisation: b.author.organisation,
        author: b.author.clone(),
        recorded_at: now,
        effective_at: now,
        amends: None,
        data: EntryData::parse(
            EntryKind::CaseNote,
            &serde_json::json!({"text": format!("Visit {i}: helped with breakfast and medication; in good spirits, no concerns today.")}),
        )
        .expect("benchmark data is valid"),
    }
}

fn setup(dir: &Path) -> Result<Bench, RecordError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| RecordError::Conflict(format!("cannot create {}: {e}", dir.display())))?;
    let store = SqliteStore::create(&dir.join("caretrail.db"))?;
    let record = Record::init(Arc::new(store), &KeyFiles::in_data_dir(dir))?;
    let org = Organisation {
        id: OrganisationId::new(),
        name: "Bench Home Care".into(),
        kind: OrganisationKind::HomeCareProvider,
    };
    let author = User {
        id: UserId::new(),
        username: "bench".into(),
        display_name: "Bench Writer".into(),
        role: Role::CareWorker,
        organisation: org.id,
        person: None,
    };
    let people: Vec<NewPerson> = (0..100)
        .map(|i| NewPerson {
            id: PersonId::new(),
            profile: PersonProfile {
                given_name: format!("Bench{i}"),
                family_name: "Synthetic".into(),
                date_of_birth: jiff::civil::date(1940, 1, 1),
                sex: "female".into(),
                address: "1 Bench Row".into(),
                postcode: "ZZ99 9ZZ".into(),
            },
            created_at: Timestamp::now(),
        })
        .collect();
    let ids = people.iter().map(|p| p.id).collect();
    record.register(vec![org], vec![(author.clone(), None)], people, vec![])?;
    Ok(Bench {
        record,
        author,
        people: ids,
    })
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// Raw baseline: rows of `row_bytes` inserted with the same pragmas, `batch` rows a transaction.
fn raw_sqlite_inserts(path: &Path, rows: usize, batch: usize, row_bytes: usize) -> f64 {
    let conn = rusqlite::Connection::open(path).expect("baseline database");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("pragma");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("pragma");
    conn.execute_batch("CREATE TABLE raw (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        .expect("table");
    let blob = vec![0x5a_u8; row_bytes];
    let start = Instant::now();
    let mut done = 0;
    while done < rows {
        let tx = conn.unchecked_transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO raw (data) VALUES (?1)")
                .expect("stmt");
            for _ in 0..batch.min(rows - done) {
                stmt.execute([&blob]).expect("insert");
                done += 1;
            }
        }
        tx.commit().expect("commit");
    }
    per_sec(rows, start.elapsed())
}

pub fn run(args: &BenchArgs) -> Result<(), RecordError> {
    let tmp;
    let root = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = std::env::temp_dir().join(format!("caretrail-bench-{}", EntryId::new()));
            tmp.clone()
        }
    };
    let result = run_in(&root, args);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    result
}

fn run_in(root: &Path, args: &BenchArgs) -> Result<(), RecordError> {
    println!(
        "caretrail bench (SQLite, WAL, synchronous=FULL); {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // 1. Durable writes.
    let b = setup(&root.join("writes"))?;
    let single_n = (args.writes / 20).clamp(50, 1000);
    let start = Instant::now();
    for i in 0..single_n {
        b.record.add_entry(note(&b, i))?;
    }
    let single = per_sec(single_n, start.elapsed());

    let per_writer = args.writes.div_ceil(args.writers);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..args.writers {
            let b = &b;
            s.spawn(move || {
                for i in 0..per_writer {
                    b.record
                        .add_entry(note(b, t * per_writer + i))
                        .expect("benchmark write");
                }
            });
        }
    });
    let grouped = per_sec(per_writer * args.writers, start.elapsed());
    let row_bytes = {
        let row = b.record.store().entries_by_leaf_from(0, 1)?.remove(0);
        row.payload.map_or(0, |p| p.len()) + caretrail_store::leaf::LEN
    };
    let raw_batched = raw_sqlite_inserts(
        &root.join("raw-batched.db"),
        args.writes,
        args.writers,
        row_bytes,
    );
    let raw_single = raw_sqlite_inserts(&root.join("raw-single.db"), single_n, 1, row_bytes);
    println!(
        "durable writes, one at a time:      {single:>10.0}/s   raw SQLite insert, 1 row/commit:  {raw_single:>10.0}/s   ratio {:.2}",
        single / raw_single
    );
    println!(
        "durable writes, {} writers:         {grouped:>10.0}/s   raw SQLite insert, {} rows/commit: {raw_batched:>10.0}/s   ratio {:.2}",
        args.writers,
        args.writers,
        grouped / raw_batched
    );
    println!(
        "  (entry + leaf + tree nodes + checkpoint, encrypted; raw rows of {row_bytes} bytes)"
    );
    drop(b);

    // 2. A large log for verification and proofs, loaded in big batches.
    let b = setup(&root.join("proofs"))?;
    let start = Instant::now();
    let mut loaded = 0u64;
    while loaded < args.leaves {
        let n = (args.leaves - loaded).min(5000) as usize;
        let reqs: Vec<_> = (0..n).map(|i| note(&b, loaded as usize + i)).collect();
        loaded = b.record.load_entries(&reqs)?;
    }
    println!(
        "loaded {loaded} leaves in {:.1}s ({:.0}/s)",
        start.elapsed().as_secs_f64(),
        per_sec(loaded as usize, start.elapsed())
    );

    // 2a. verify against plain SHA-256 over the same leaf bytes.
    let mut leaves = Vec::with_capacity(loaded as usize);
    let mut from = 0;
    loop {
        let page = b.record.store().leaves_from(from, 50_000)?;
        let Some((last, _)) = page.last() else { break };
        from = last + 1;
        leaves.extend(page.into_iter().map(|(_, d)| d));
    }
    let bytes: usize = leaves.iter().map(Vec::len).sum();
    let start = Instant::now();
    let mut acc = 0u8;
    for l in &leaves {
        acc ^= Sha256::digest(l)[0];
    }
    let sha = start.elapsed();
    std::hint::black_box(acc);
    let start = Instant::now();
    let report = b.record.verify(None)?;
    let ver = start.elapsed();
    assert!(report.ok(), "benchmark log verifies");
    let sha_rate = bytes as f64 / sha.as_secs_f64() / 1e6;
    let ver_rate = bytes as f64 / ver.as_secs_f64() / 1e6;
    println!(
        "verify {loaded} leaves: {:.2}s = {ver_rate:.1} MB/s of leaf bytes   plain SHA-256 of the same bytes: {sha_rate:.1} MB/s   ratio {:.2}",
        ver.as_secs_f64(),
        ver_rate / sha_rate
    );

    // 2b. Inclusion proofs at this size against reading one leaf.
    let samples = 2000u64;
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % loaded
    };
    let start = Instant::now();
    let mut proof_bytes = 0;
    for _ in 0..samples {
        let p = b.record.inclusion_proof(next(), Some(loaded))?;
        proof_bytes = proof_bytes.max(p.path.len() * 32);
    }
    let proof = start.elapsed() / samples as u32;
    let start = Instant::now();
    for _ in 0..samples {
        std::hint::black_box(b.record.leaf(next())?);
    }
    let leaf = start.elapsed() / samples as u32;
    println!(
        "inclusion proof at {loaded} leaves: {:.1} µs mean, {proof_bytes} bytes of path   one leaf read: {:.1} µs   ratio {:.1}",
        proof.as_secs_f64() * 1e6,
        leaf.as_secs_f64() * 1e6,
        proof.as_secs_f64() / leaf.as_secs_f64()
    );
    Ok(())
}
