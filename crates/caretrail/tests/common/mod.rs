//! Shared by the command-line tests that run against PostgreSQL: where the test server is, a
//! fresh schema per test, and running the `caretrail` binary.

#![allow(dead_code)] // each test binary uses part of this module

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_caretrail"))
}

/// The test server's URL from `CARETRAIL_TEST_POSTGRES_URL`. Without it the tests are skipped
/// with a visible message, except in CI (`CI=true`), where a silent skip would hide that the
/// backend was never tested: there it fails. (The same rule as the PostgreSQL store's tests.)
pub fn test_url() -> Option<String> {
    match std::env::var("CARETRAIL_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "CARETRAIL_TEST_POSTGRES_URL is not set, and CI=true: the PostgreSQL backend must be \
             tested in CI (e.g. CARETRAIL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)"
        ),
        _ => {
            // Straight to stderr, past the test harness's capture, so the skip is seen in a
            // plain `cargo test` run too.
            let _ = writeln!(
                std::io::stderr(),
                "skipping PostgreSQL CLI tests: CARETRAIL_TEST_POSTGRES_URL is not set"
            );
            None
        }
    }
}

/// A schema of its own (`ct_cli_<random>`), dropped with everything in it when this value is.
#[derive(Debug)]
pub struct TestSchema {
    pub url: String,
    pub name: String,
}

impl TestSchema {
    /// A fresh schema name on the server at `url`. Fails the test if the server is unreachable.
    pub fn new(url: &str) -> Self {
        postgres::Client::connect(url, postgres::NoTls)
            .expect("cannot connect to CARETRAIL_TEST_POSTGRES_URL");
        TestSchema {
            url: url.to_owned(),
            name: format!("ct_cli_{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// The `--database` value that puts the record in this schema.
    pub fn database(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.url, self.name)
    }

    /// A direct connection, outside caretrail (to inspect its tables).
    pub fn client(&self) -> postgres::Client {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("SET search_path TO \"{}\"", self.name))
            .expect("set search_path");
        c
    }

    /// A count from one table of the schema.
    pub fn count(&self, table: &str) -> i64 {
        self.client()
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .expect("count")
            .get(0)
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// Runs `caretrail --data DATA [--database DB] ARGS`, feeding `stdin`.
pub fn run(data: &Path, database: Option<&str>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(bin());
    cmd.arg("--data").arg(data);
    if let Some(db) = database {
        cmd.arg("--database").arg(db);
    }
    let mut child = cmd
        .args(args)
        .env_remove("CARETRAIL_DATABASE")
        .env_remove("CARETRAIL_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run caretrail");
    let mut input = child.stdin.take().expect("stdin piped");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("caretrail runs")
}

/// Like [`run`], and asserts success.
pub fn ok(data: &Path, database: Option<&str>, args: &[&str], stdin: Option<&str>) -> String {
    let o = run(data, database, args, stdin);
    assert!(
        o.status.success(),
        "caretrail {args:?} failed: {}{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The problem JSON a failing command printed on stderr.
pub fn problem(o: &Output) -> serde_json::Value {
    let e = stderr(o);
    let (a, b) = (
        e.find('{').expect("problem JSON on stderr"),
        e.rfind('}').expect("problem JSON on stderr"),
    );
    serde_json::from_str(&e[a..=b]).expect("problem JSON parses")
}

/// `verify`'s `verified N leaves, root <hex>` as (N, hex).
pub fn verified(out: &str) -> (u64, String) {
    let line = out
        .lines()
        .find(|l| l.starts_with("verified "))
        .unwrap_or_else(|| panic!("no verified line in {out:?}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    (
        words[1].parse().expect("leaf count"),
        words.last().expect("root").to_string(),
    )
}

/// The accounts `seed` wrote.
pub fn accounts(data: &Path) -> Vec<serde_json::Value> {
    serde_json::from_str(
        &std::fs::read_to_string(data.join("demo-accounts.json")).expect("demo-accounts.json"),
    )
    .expect("accounts parse")
}

/// The tree size line (second line) of a signed checkpoint note.
pub fn checkpoint_size(note: &str) -> u64 {
    note.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("not a checkpoint: {note:?}"))
}
