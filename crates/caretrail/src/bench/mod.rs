//! `caretrail bench`: the foundation's benchmarks, each reported as a ratio to a baseline
//! measured in the same process (DESIGN §5). Results go to standard output; `docs/benchmarks.md`
//! records them with the command that produced them.
//!
//! - durable writes/s, one at a time and group-committed (many concurrent writers), against a
//!   raw SQLite insert of rows of the same size, batched like the group commits, same pragmas;
//! - full `verify` throughput over the leaf bytes against plain SHA-256 of the same bytes;
//! - inclusion-proof latency at N leaves (default 10⁶) against reading one leaf.
//!
//! With `--database postgres://...` every measure also runs on PostgreSQL in the same run, in
//! fresh schemas of that database ([`postgres`]), and each PostgreSQL figure is printed with its
//! ratio to the SQLite figure just measured: durable writes one at a time, and group-committed
//! from one server process and from four (child processes of this binary, `bench-writer`, all
//! appending to one log; the log is verified afterwards); bulk load, `verify`, and inclusion
//! and consistency proofs (mean and p99) at N leaves.

mod postgres;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use caretrail_core::{
    EntryData, EntryId, EntryKind, Organisation, OrganisationId, OrganisationKind, PersonId,
    PersonProfile, Role, User, UserId,
};
use caretrail_record::{KeyFiles, NewEntryRequest, NewPerson, Record, RecordError};
use caretrail_store::Store;
use caretrail_store_sqlite::SqliteStore;
use clap::Args;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

pub use self::postgres::{WriterArgs, writer};

#[derive(Debug, Args)]
#[command(
    after_help = "With --database postgres://USER@HOST:PORT/DATABASE every measure runs on \
PostgreSQL too, in fresh schemas bench_<random>_writes and bench_<random>_proofs (dropped after \
unless --dir is given), and each PostgreSQL figure is printed with its ratio to the SQLite figure \
from the same run."
)]
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
    /// With `--database`, the PostgreSQL schemas are kept too, and their names printed.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Server processes appending to one PostgreSQL log in the multi-process write benchmark
    /// (only with `--database postgres://...`).
    #[arg(long, default_value_t = 4)]
    pub processes: usize,
    /// Drop the schema named in `--database postgres://...?schema=NAME` and exit (for
    /// scripts/bench-http.sh).
    #[arg(long, hide = true)]
    pub drop_schema: bool,
}

/// The name of the benchmark's author account, found again by the `bench-writer` children.
const AUTHOR: &str = "bench";

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

fn io_error(what: &str, e: impl std::fmt::Display) -> RecordError {
    RecordError::Conflict(format!("{what}: {e}"))
}

/// A SQLite log in `dir`, with the benchmark's directory registered.
fn setup(dir: &Path) -> Result<Bench, RecordError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| io_error(&format!("cannot create {}", dir.display()), e))?;
    let store = SqliteStore::create(&dir.join("caretrail.db"))?;
    setup_on(dir, Arc::new(store))
}

/// A new log in `store`, its keys in `dir`, with the benchmark's directory registered: one
/// organisation, one author, 100 people.
fn setup_on(dir: &Path, store: Arc<dyn Store>) -> Result<Bench, RecordError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| io_error(&format!("cannot create {}", dir.display()), e))?;
    let record = Record::init(store, &KeyFiles::in_data_dir(dir))?;
    let org = Organisation {
        id: OrganisationId::new(),
        name: "Bench Home Care".into(),
        kind: OrganisationKind::HomeCareProvider,
    };
    let author = User {
        id: UserId::new(),
        username: AUTHOR.into(),
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
    record
        .unaudited()
        .register(vec![org], vec![(author.clone(), None)], people, vec![])?;
    Ok(Bench {
        record,
        author,
        people: ids,
    })
}

/// Append transactions (one signed checkpoint each) that grew the log past `before` leaves.
fn appends_since(b: &Bench, before: u64) -> Result<usize, RecordError> {
    Ok(b.record
        .unaudited()
        .store()
        .checkpoints_from(before + 1, usize::MAX)?
        .len())
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

pub fn run(args: &BenchArgs, database: Option<&str>) -> Result<(), RecordError> {
    let pg = match database {
        None => None,
        Some(url) => Some(postgres::PgBench::new(url)?),
    };
    if args.drop_schema {
        let Some(pg) = &pg else {
            return Err(caretrail_core::InputError::field(
                "/database",
                "--drop-schema needs --database postgres://...?schema=NAME",
            )
            .into());
        };
        return pg.drop_given_schema();
    }
    let tmp;
    let root = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = std::env::temp_dir().join(format!("caretrail-bench-{}", EntryId::new()));
            tmp.clone()
        }
    };
    let result = run_in(&root, args, pg.as_ref());
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    if let Some(pg) = &pg {
        if args.dir.is_none() {
            pg.drop_schemas();
        } else {
            println!(
                "kept the PostgreSQL schemas {} (drop them with DROP SCHEMA ... CASCADE)",
                pg.schema_names().join(", ")
            );
        }
    }
    result
}

/// The measured durable-write rates on one engine.
struct Writes {
    single: f64,
    grouped: f64,
}

/// One at a time: `n` writes from one thread, each waiting for its own commit.
fn writes_one_at_a_time(b: &Bench, n: usize) -> Result<f64, RecordError> {
    let start = Instant::now();
    for i in 0..n {
        b.record.unaudited().add_entry(note(b, i))?;
    }
    Ok(per_sec(n, start.elapsed()))
}

/// Group commit: `writers` threads of `per_writer` writes each, all at once.
fn writes_grouped(b: &Bench, writers: usize, per_writer: usize) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..writers {
            s.spawn(move || {
                for i in 0..per_writer {
                    b.record
                        .unaudited()
                        .add_entry(note(b, t * per_writer + i))
                        .expect("benchmark write");
                }
            });
        }
    });
    per_sec(per_writer * writers, start.elapsed())
}

/// Loads `leaves` case notes through [`Record::load_entries`], 5 000 a batch.
fn load(b: &Bench, leaves: u64) -> Result<(u64, Duration), RecordError> {
    let start = Instant::now();
    let mut loaded = b.record.unaudited().store().tree_size()?;
    while loaded < leaves {
        let n = (leaves - loaded).min(5000) as usize;
        let reqs: Vec<_> = (0..n).map(|i| note(b, loaded as usize + i)).collect();
        loaded = b.record.unaudited().load_entries(&reqs)?;
    }
    Ok((loaded, start.elapsed()))
}

/// Full verification from scratch, and plain SHA-256 over the same leaf bytes.
struct Verified {
    bytes: usize,
    verify: Duration,
    sha: Duration,
}

fn verify_against_sha(b: &Bench, loaded: u64) -> Result<Verified, RecordError> {
    let mut leaves = Vec::with_capacity(loaded as usize);
    let mut from = 0;
    loop {
        let page = b.record.unaudited().store().leaves_from(from, 50_000)?;
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
    drop(leaves);
    let start = Instant::now();
    let report = b.record.verify(None)?;
    let verify = start.elapsed();
    if !report.ok() {
        return Err(RecordError::Conflict(format!(
            "the benchmark log does not verify: {:?}",
            report.problems
        )));
    }
    Ok(Verified { bytes, verify, sha })
}

impl Verified {
    fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / self.verify.as_secs_f64() / 1e6
    }
    fn sha_mb_per_sec(&self) -> f64 {
        self.bytes as f64 / self.sha.as_secs_f64() / 1e6
    }
}

/// Latencies of `samples` calls, each timed on its own.
struct Latencies(Vec<Duration>);

impl Latencies {
    fn measure(
        samples: u64,
        mut call: impl FnMut() -> Result<(), RecordError>,
    ) -> Result<Self, RecordError> {
        let mut v = Vec::with_capacity(samples as usize);
        for _ in 0..samples {
            let start = Instant::now();
            call()?;
            v.push(start.elapsed());
        }
        v.sort_unstable();
        Ok(Latencies(v))
    }

    fn mean(&self) -> Duration {
        let n = u32::try_from(self.0.len().max(1)).unwrap_or(u32::MAX);
        self.0.iter().sum::<Duration>() / n
    }

    /// The nearest-rank percentile `p` (0–100).
    fn percentile(&self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    fn mean_us(&self) -> f64 {
        self.mean().as_secs_f64() * 1e6
    }

    fn p99_us(&self) -> f64 {
        self.percentile(99.0).as_secs_f64() * 1e6
    }
}

/// Proof latencies at one tree size, at random (deterministic) indexes.
struct Proofs {
    inclusion: Latencies,
    path_bytes: usize,
    leaf: Latencies,
    /// Measured only when comparing engines.
    consistency: Option<(Latencies, usize)>,
}

fn proofs(b: &Bench, loaded: u64, consistency: bool) -> Result<Proofs, RecordError> {
    let samples = 2000u64;
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % loaded
    };
    let mut path_bytes = 0;
    let inclusion = Latencies::measure(samples, || {
        let p = b.record.inclusion_proof(next(), Some(loaded))?;
        path_bytes = path_bytes.max(p.path.len() * 32);
        Ok(())
    })?;
    let leaf = Latencies::measure(samples, || {
        std::hint::black_box(b.record.unaudited().leaf(next())?);
        Ok(())
    })?;
    let consistency = if consistency {
        let mut bytes = 0;
        let l = Latencies::measure(samples, || {
            let p = b.record.consistency_proof(next().max(1), loaded)?;
            bytes = bytes.max(p.path.len() * 32);
            Ok(())
        })?;
        Some((l, bytes))
    } else {
        None
    };
    Ok(Proofs {
        inclusion,
        path_bytes,
        leaf,
        consistency,
    })
}

fn run_in(
    root: &Path,
    args: &BenchArgs,
    pg: Option<&postgres::PgBench>,
) -> Result<(), RecordError> {
    println!(
        "caretrail bench (SQLite, WAL, synchronous=FULL); {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if let Some(pg) = pg {
        println!("{}", pg.describe()?);
        println!(
            "  each PostgreSQL line: its figure, then × SQLite = PostgreSQL / SQLite from this run"
        );
    }

    // 1. Durable writes.
    let b = setup(&root.join("writes"))?;
    let single_n = (args.writes / 20).clamp(50, 1000);
    let single = writes_one_at_a_time(&b, single_n)?;
    let per_writer = args.writes.div_ceil(args.writers);
    let before = b.record.unaudited().store().tree_size()?;
    let grouped = writes_grouped(&b, args.writers, per_writer);
    let row_bytes = {
        let row = b
            .record
            .unaudited()
            .store()
            .entries_by_leaf_from(0, 1)?
            .remove(0);
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
    if pg.is_some() {
        let appends = appends_since(&b, before)?;
        println!(
            "  SQLite, {} writers: {appends} append transactions, {:.1} writes each on average",
            args.writers,
            (per_writer * args.writers) as f64 / appends.max(1) as f64
        );
    }
    drop(b);
    if let Some(pg) = pg {
        pg.writes(root, args, &Writes { single, grouped }, single_n)?;
    }

    // 2. A large log for verification and proofs, loaded in big batches.
    let b = setup(&root.join("proofs"))?;
    let (loaded, took) = load(&b, args.leaves)?;
    println!(
        "loaded {loaded} leaves in {:.1}s ({:.0}/s)",
        took.as_secs_f64(),
        per_sec(loaded as usize, took)
    );

    // 2a. verify against plain SHA-256 over the same leaf bytes.
    let v = verify_against_sha(&b, loaded)?;
    println!(
        "verify {loaded} leaves: {:.2}s = {:.1} MB/s of leaf bytes   plain SHA-256 of the same bytes: {:.1} MB/s   ratio {:.2}",
        v.verify.as_secs_f64(),
        v.mb_per_sec(),
        v.sha_mb_per_sec(),
        v.mb_per_sec() / v.sha_mb_per_sec()
    );

    // 2b. Inclusion proofs at this size against reading one leaf.
    let p = proofs(&b, loaded, pg.is_some())?;
    println!(
        "inclusion proof at {loaded} leaves: {:.1} µs mean, {} bytes of path   one leaf read: {:.1} µs   ratio {:.1}",
        p.inclusion.mean_us(),
        p.path_bytes,
        p.leaf.mean_us(),
        p.inclusion.mean().as_secs_f64() / p.leaf.mean().as_secs_f64()
    );
    drop(b);
    if let Some(pg) = pg {
        let sqlite_load = per_sec(loaded as usize, took);
        pg.proofs(root, args, sqlite_load, &v, &p)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Latencies;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms = |v: &[u64]| Latencies(v.iter().map(|&m| Duration::from_millis(m)).collect());
        let hundred = ms(&(1..=100).collect::<Vec<_>>());
        for (p, want) in [(99.0, 99), (100.0, 100), (50.0, 50), (0.0, 1), (99.5, 100)] {
            assert_eq!(hundred.percentile(p), Duration::from_millis(want), "p{p}");
        }
        assert_eq!(ms(&[7]).percentile(99.0), Duration::from_millis(7));
        assert_eq!(ms(&[]).percentile(99.0), Duration::ZERO);
        assert_eq!(ms(&[1, 2, 3, 6]).mean(), Duration::from_millis(3));
    }
}
