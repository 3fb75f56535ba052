//! The PostgreSQL half of `caretrail bench --database postgres://...`: fresh schemas for the
//! run, the multi-process write benchmark and its `bench-writer` children, and the PostgreSQL
//! figures beside the SQLite ones measured in the same run.
//!
//! Each run makes two schemas, `bench_<id>_writes` and `bench_<id>_proofs` (a schema holds one
//! log), whatever schema the URL names, and drops them at the end unless `--dir` was given.
//!
//! "N server processes" are N children of this binary (`caretrail bench-writer`, hidden), each
//! opening the same log as a server would (its own pool and group-commit writer) with its share
//! of the writer threads. Each child opens the log, says `ready`, waits for `go` on standard
//! input, writes, and answers `done COUNT SECONDS`. The parent sends `go` to all at once and
//! times from then until the last child answers; afterwards it checks that the log grew by
//! exactly the writes reported and verifies it from scratch (no gaps, no forks).

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use caretrail_core::InputError;
use caretrail_record::RecordError;
use caretrail_store::Store;
use clap::Args;

use super::{
    AUTHOR, Bench, BenchArgs, Proofs, Verified, Writes, appends_since, io_error, load, note,
    per_sec, proofs, setup_on, verify_against_sha, writes_one_at_a_time,
};
use crate::datadir::{DataDir, PostgresTarget};

/// `caretrail bench-writer`: one server process of the multi-process write benchmark.
#[derive(Debug, Args)]
pub struct WriterArgs {
    /// Writer threads in this process.
    #[arg(long)]
    pub threads: usize,
    /// Durable writes per thread.
    #[arg(long)]
    pub writes: usize,
}

/// Runs in a child: opens the log of `--data`/`--database`, then writes when told to.
pub fn writer(dir: &DataDir, args: &WriterArgs) -> Result<(), RecordError> {
    let record = dir.open()?;
    let author = record
        .unaudited()
        .store()
        .users()?
        .into_iter()
        .find(|u| u.username == AUTHOR)
        .ok_or_else(|| RecordError::Conflict("not a benchmark log: no bench author".into()))?;
    let people = record
        .unaudited()
        .store()
        .people()?
        .into_iter()
        .map(|p| p.id)
        .collect::<Vec<_>>();
    if people.is_empty() {
        return Err(RecordError::Conflict(
            "not a benchmark log: no people".into(),
        ));
    }
    let b = Bench {
        record,
        author,
        people,
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").map_err(|e| io_error("cannot write to the parent", e))?;
    out.flush()
        .map_err(|e| io_error("cannot write to the parent", e))?;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| io_error("cannot read from the parent", e))?;
    if line.trim() != "go" {
        return Err(RecordError::Conflict("the parent did not say go".into()));
    }
    let start = Instant::now();
    let written = std::thread::scope(|s| {
        let handles: Vec<_> = (0..args.threads)
            .map(|t| {
                let b = &b;
                s.spawn(move || -> Result<usize, RecordError> {
                    for i in 0..args.writes {
                        b.record
                            .unaudited()
                            .add_entry(note(b, t * args.writes + i))?;
                    }
                    Ok(args.writes)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(RecordError::Conflict("a writer panicked".into())))
            })
            .sum::<Result<usize, RecordError>>()
    })?;
    let took = start.elapsed();
    writeln!(out, "done {written} {}", took.as_secs_f64())
        .map_err(|e| io_error("cannot write to the parent", e))?;
    out.flush()
        .map_err(|e| io_error("cannot write to the parent", e))?;
    Ok(())
}

/// A PostgreSQL database to benchmark in, and the schemas this run made there.
pub struct PgBench {
    /// The URL without its `schema` parameter. May hold a password: never printed.
    base: String,
    /// The schema the URL named, if any (only `--drop-schema` uses it).
    given: Option<String>,
    /// `bench_<random>`: the prefix of this run's schemas.
    run: String,
    created: Mutex<Vec<String>>,
}

impl PgBench {
    pub fn new(url: &str) -> Result<Self, RecordError> {
        if !crate::datadir::is_postgres_url(url) {
            return Err(InputError::field(
                "/database",
                "bench compares SQLite (always, in a temporary directory) with PostgreSQL: \
                 give a postgres:// URL, or no --database",
            )
            .into());
        }
        // Validates the URL and the schema name, without ever echoing the URL.
        let given = PostgresTarget::parse(url, "/database")?.schema;
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let rest: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("schema="))
            .collect();
        let base = if rest.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        let id = uuid::Uuid::new_v4().simple().to_string();
        Ok(PgBench {
            base,
            given,
            run: format!("bench_{}", &id[..12]),
            created: Mutex::new(Vec::new()),
        })
    }

    fn url_for(&self, schema: &str) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={schema}", self.base)
    }

    fn client(&self) -> Result<::postgres::Client, RecordError> {
        ::postgres::Client::connect(&self.base, ::postgres::NoTls)
            .map_err(|_| RecordError::Conflict("cannot connect to the PostgreSQL server".into()))
    }

    /// A fresh log in the schema `<run>_<suffix>`, its keys in `dir`.
    fn setup(&self, dir: &Path, suffix: &str) -> Result<(Bench, String), RecordError> {
        let schema = format!("{}_{suffix}", self.run);
        let url = self.url_for(&schema);
        let store = PostgresTarget::parse(&url, "/database")?.open()?;
        self.created
            .lock()
            .expect("the schema list lock is never poisoned: no code panics holding it")
            .push(schema);
        let store: Arc<dyn Store> = Arc::new(store);
        Ok((setup_on(dir, store)?, url))
    }

    pub fn schema_names(&self) -> Vec<String> {
        self.created
            .lock()
            .expect("the schema list lock is never poisoned: no code panics holding it")
            .clone()
    }

    /// Drops this run's schemas; failures are reported, not fatal.
    pub fn drop_schemas(&self) {
        let names = self.schema_names();
        if names.is_empty() {
            return;
        }
        let dropped = self.client().and_then(|mut c| {
            for name in &names {
                c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                    .map_err(|e| io_error(&format!("cannot drop schema {name}"), e))?;
            }
            Ok(())
        });
        if let Err(e) = dropped {
            eprintln!("{e}; drop the schemas {} by hand", names.join(", "));
        }
    }

    /// `bench --database URL?schema=NAME --drop-schema`: drops NAME (scripts/bench-http.sh).
    pub fn drop_given_schema(&self) -> Result<(), RecordError> {
        let name = self.given.as_deref().ok_or_else(|| {
            InputError::field("/database", "--drop-schema needs ?schema=NAME in the URL")
        })?;
        self.client()?
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
            .map_err(|e| io_error(&format!("cannot drop schema {name}"), e))
    }

    /// One line on the server: version and the settings that decide durability.
    pub fn describe(&self) -> Result<String, RecordError> {
        let mut c = self.client()?;
        let mut show = |what: &str| -> Result<String, RecordError> {
            let row = c
                .query_one(&format!("SHOW {what}"), &[])
                .map_err(|e| io_error(&format!("cannot read {what}"), e))?;
            row.try_get::<_, String>(0)
                .map_err(|e| io_error(&format!("cannot read {what}"), e))
        };
        Ok(format!(
            "PostgreSQL {} (synchronous_commit={}, fsync={}, shared_buffers={}), fresh schemas {}_writes and {}_proofs",
            show("server_version")?,
            show("synchronous_commit")?,
            show("fsync")?,
            show("shared_buffers")?,
            self.run,
            self.run
        ))
    }

    /// Durable writes on PostgreSQL: one at a time, then group-committed from one process and
    /// from `--processes`, each against SQLite's figure from this run.
    pub fn writes(
        &self,
        root: &Path,
        args: &BenchArgs,
        sqlite: &Writes,
        single_n: usize,
    ) -> Result<(), RecordError> {
        let dir = root.join("pg-writes");
        let (b, url) = self.setup(&dir, "writes")?;
        let single = writes_one_at_a_time(&b, single_n)?;
        println!(
            "PostgreSQL durable writes, {:<29}{single:>10.0}/s   × SQLite {:.2}",
            "one at a time:",
            single / sqlite.single
        );
        let procs = args.processes.max(1);
        for (n, threads) in [
            (1, args.writers.max(1)),
            (procs, (args.writers / procs).max(1)),
        ] {
            let per_thread = args.writes.div_ceil(n * threads);
            let before = b.record.unaudited().store().tree_size()?;
            let r = spawn_writers(&dir, &url, n, threads, per_thread)?;
            let grew = b.record.unaudited().store().tree_size()? - before;
            if grew != r.total as u64 {
                return Err(RecordError::Conflict(format!(
                    "{n} writer processes reported {} writes but the log grew by {grew} leaves",
                    r.total
                )));
            }
            let rate = per_sec(r.total, r.wall);
            let label = format!(
                "{n} process{} × {threads} writers:",
                if n == 1 { "" } else { "es" }
            );
            println!(
                "PostgreSQL durable writes, {label:<29}{rate:>10.0}/s   × SQLite {:.2} (SQLite: {} writers, 1 process)",
                rate / sqlite.grouped,
                args.writers
            );
            let appends = appends_since(&b, before)?;
            let each: Vec<String> = r
                .each
                .iter()
                .map(|(count, secs)| format!("{:.0}/s", *count as f64 / secs))
                .collect();
            println!(
                "  {} writes in {:.2}s from the first go to the last done ({} by each process's own clock); {appends} append transactions, {:.1} writes each on average",
                r.total,
                r.wall.as_secs_f64(),
                each.join(", "),
                r.total as f64 / appends.max(1) as f64
            );
        }
        let start = Instant::now();
        let report = b.record.verify(None)?;
        if !report.ok() {
            return Err(RecordError::Conflict(format!(
                "the PostgreSQL writes log does not verify (first bad leaf {:?}): {:?}",
                report.first_bad_leaf, report.problems
            )));
        }
        println!(
            "  PostgreSQL writes log verified from scratch: {} leaves, no gaps or forks ({:.1}s)",
            report.leaves,
            start.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Bulk load, verify and proofs at `--leaves` on PostgreSQL, against SQLite's figures.
    pub fn proofs(
        &self,
        root: &Path,
        args: &BenchArgs,
        sqlite_load: f64,
        sqlite_verify: &Verified,
        sqlite: &Proofs,
    ) -> Result<(), RecordError> {
        let (b, _) = self.setup(&root.join("pg-proofs"), "proofs")?;
        let (loaded, took) = load(&b, args.leaves)?;
        let rate = per_sec(loaded as usize, took);
        println!(
            "PostgreSQL loaded {loaded} leaves in {:.1}s ({rate:.0}/s)   × SQLite {:.2}",
            took.as_secs_f64(),
            rate / sqlite_load
        );
        // As after any bulk load (pg_restore does the same): the planner's statistics still
        // describe the empty tables until autovacuum gets to them, and a proof's node lookup
        // planned on them scans instead of using the primary key.
        let start = Instant::now();
        b.record.unaudited().store().refresh_statistics()?;
        println!(
            "  (ANALYZE of the loaded tables: {:.1}s, not counted in the load)",
            start.elapsed().as_secs_f64()
        );
        let v = verify_against_sha(&b, loaded)?;
        println!(
            "PostgreSQL verify {loaded} leaves: {:.2}s = {:.1} MB/s of leaf bytes   × SQLite {:.2}",
            v.verify.as_secs_f64(),
            v.mb_per_sec(),
            v.mb_per_sec() / sqlite_verify.mb_per_sec()
        );
        let p = proofs(&b, loaded, true)?;
        let line = |what: &str, s: &super::Latencies, pg: &super::Latencies, extra: &str| {
            println!(
                "{what} at {loaded} leaves, mean / p99: SQLite {:.1} / {:.1} µs   PostgreSQL {:.1} / {:.1} µs   × SQLite {:.2} / {:.2}{extra}",
                s.mean_us(),
                s.p99_us(),
                pg.mean_us(),
                pg.p99_us(),
                pg.mean_us() / s.mean_us(),
                pg.p99_us() / s.p99_us()
            );
        };
        line(
            "inclusion proof",
            &sqlite.inclusion,
            &p.inclusion,
            &format!(
                "   ({} / {} bytes of path)",
                sqlite.path_bytes, p.path_bytes
            ),
        );
        if let (Some((s, s_bytes)), Some((pg, pg_bytes))) = (&sqlite.consistency, &p.consistency) {
            line(
                "consistency proof",
                s,
                pg,
                &format!("   (at most {s_bytes} / {pg_bytes} bytes of path)"),
            );
        }
        line("one leaf read", &sqlite.leaf, &p.leaf, "");
        Ok(())
    }
}

/// What a multi-process write run measured.
struct MultiWrites {
    total: usize,
    /// From the `go` to the last `done`.
    wall: Duration,
    /// Per process: writes, and seconds by its own clock.
    each: Vec<(usize, f64)>,
}

struct WriterChild {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl WriterChild {
    fn line(&mut self) -> Result<String, RecordError> {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| io_error("cannot read from a bench-writer", e))?;
        if line.is_empty() {
            let status = self.child.wait().ok();
            return Err(RecordError::Conflict(format!(
                "a bench-writer process ended early ({status:?}); see its error above"
            )));
        }
        Ok(line.trim().to_owned())
    }
}

/// Starts `processes` children of this binary on the log at `url` (keys in `dir`), each with
/// `threads` writers of `per_thread` writes, releases them together and collects their counts.
fn spawn_writers(
    dir: &Path,
    url: &str,
    processes: usize,
    threads: usize,
    per_thread: usize,
) -> Result<MultiWrites, RecordError> {
    let exe = std::env::current_exe().map_err(|e| io_error("cannot find this binary", e))?;
    let mut children = Vec::with_capacity(processes);
    for _ in 0..processes {
        let mut child = Command::new(&exe)
            .arg("--data")
            .arg(dir)
            .arg("--database")
            .arg(url)
            .arg("bench-writer")
            .arg("--threads")
            .arg(threads.to_string())
            .arg("--writes")
            .arg(per_thread.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| io_error("cannot start a bench-writer", e))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(RecordError::Conflict("a bench-writer has no pipes".into()));
        };
        children.push(WriterChild {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        });
    }
    for c in &mut children {
        let said = c.line()?;
        if said != "ready" {
            return Err(RecordError::Conflict(format!(
                "a bench-writer said {said:?}, not ready"
            )));
        }
    }
    let start = Instant::now();
    for c in &mut children {
        c.stdin
            .write_all(b"go\n")
            .and_then(|()| c.stdin.flush())
            .map_err(|e| io_error("cannot release a bench-writer", e))?;
    }
    let mut each = Vec::with_capacity(processes);
    for c in &mut children {
        let said = c.line()?;
        let parsed = said.strip_prefix("done ").and_then(|rest| {
            let (count, secs) = rest.split_once(' ')?;
            Some((count.parse::<usize>().ok()?, secs.parse::<f64>().ok()?))
        });
        each.push(parsed.ok_or_else(|| {
            RecordError::Conflict(format!("a bench-writer said {said:?}, not done"))
        })?);
    }
    let wall = start.elapsed();
    for mut c in children {
        let status = c
            .child
            .wait()
            .map_err(|e| io_error("cannot wait for a bench-writer", e))?;
        if !status.success() {
            return Err(RecordError::Conflict(format!(
                "a bench-writer failed ({status})"
            )));
        }
    }
    Ok(MultiWrites {
        total: each.iter().map(|(n, _)| n).sum(),
        wall,
        each,
    })
}

#[cfg(test)]
mod tests {
    use super::PgBench;

    #[test]
    fn each_log_gets_a_fresh_schema_whatever_the_url_names() {
        for (url, base, given) in [
            ("postgres://u@h/db", "postgres://u@h/db", None),
            (
                "postgres://u@h/db?schema=mine",
                "postgres://u@h/db",
                Some("mine"),
            ),
            (
                "postgresql://u@h/db?sslmode=disable&schema=mine",
                "postgresql://u@h/db?sslmode=disable",
                Some("mine"),
            ),
        ] {
            let pg = PgBench::new(url).expect("a valid URL");
            assert_eq!(pg.base, base, "{url}");
            assert_eq!(pg.given.as_deref(), given, "{url}");
            assert!(
                pg.run.starts_with("bench_") && pg.run.len() == 18,
                "{}",
                pg.run
            );
            let sep = if base.contains('?') { '&' } else { '?' };
            assert_eq!(pg.url_for("s"), format!("{base}{sep}schema=s"));
        }
        assert_ne!(
            PgBench::new("postgres://u@h/db").expect("valid").run,
            PgBench::new("postgres://u@h/db").expect("valid").run
        );
    }

    #[test]
    fn refuses_a_url_that_is_not_postgres_without_echoing_it() {
        for url in [
            "sqlite:/tmp/x.db",
            "mysql://secret@h/db",
            "postgres://u:secret@h/db?schema=Bad",
        ] {
            let e = PgBench::new(url).err().expect("refused");
            assert!(!format!("{e:?}").contains("secret"), "{e:?}");
        }
    }
}
