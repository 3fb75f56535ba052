//! The storage engine under the record and API tests, chosen by `CARETRAIL_TEST_ENGINE`:
//!
//! - unset, empty or `sqlite`: a SQLite file in the test's data directory (the default);
//! - `postgres`: a fresh schema (`ct_test_<random>`) in the database at
//!   `CARETRAIL_TEST_POSTGRES_URL`, which must then be set (the engine was asked for
//!   explicitly, so a missing URL fails the test instead of skipping it).
//!
//! Key files stay in the data directory on both engines. On PostgreSQL the schema's name is
//! written to the data directory (`postgres-schema`), so reopening the directory, in this
//! process or in a child process (crash and I/O-failure tests), finds the same schema. Each
//! schema is dropped when the [`TestDb`] that created it is; every run uses new random names,
//! so reruns never collide with schemas a killed run left behind.
//!
//! Shared by the record and server harnesses (the server's `tests/common/mod.rs` includes this
//! file by path). Nothing here may run a PostgreSQL client on an async worker thread, where
//! tokio refuses the client's own blocking runtime: [`TestDb`]'s drop connects on a thread of
//! its own, and the server harness builds its store off the runtime.
#![allow(dead_code)] // each test binary uses part of this module

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use caretrail_store::Store;
use caretrail_store::faulty::{Fault, FaultyStore};
use caretrail_store_postgres::PostgresStore;
use caretrail_store_sqlite::SqliteStore;

pub const ENGINE_VAR: &str = "CARETRAIL_TEST_ENGINE";
pub const URL_VAR: &str = "CARETRAIL_TEST_POSTGRES_URL";
/// The file in a data directory that names its PostgreSQL schema.
const SCHEMA_FILE: &str = "postgres-schema";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The engine this test process runs on. On SQLite, says once per test binary (on stderr, past
/// the harness's capture) how to run the same tests on PostgreSQL, so a plain `cargo test`
/// shows that they were not.
pub fn engine() -> Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    *ENGINE.get_or_init(|| {
        let engine = match std::env::var(ENGINE_VAR) {
            Err(std::env::VarError::NotPresent) => Engine::Sqlite,
            Ok(v) if matches!(v.trim(), "" | "sqlite") => Engine::Sqlite,
            Ok(v) if matches!(v.trim(), "postgres" | "postgresql") => Engine::Postgres,
            Ok(other) => panic!("{ENGINE_VAR}={other:?}: expected `sqlite` or `postgres`"),
            Err(e) => panic!("{ENGINE_VAR}: {e}"),
        };
        match engine {
            Engine::Postgres => {
                postgres_url();
            }
            Engine::Sqlite => {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: these tests run on SQLite; skipping their PostgreSQL run (set \
                     {ENGINE_VAR}=postgres and {URL_VAR} to run them on PostgreSQL, as .ci/run does)"
                );
            }
        }
        engine
    })
}

/// The PostgreSQL server's URL. Panics without it: only called when PostgreSQL was asked for.
pub fn postgres_url() -> String {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{ENGINE_VAR}=postgres, but {URL_VAR} is not set: point it at a PostgreSQL database \
             the tests may create schemas in (e.g. postgres://postgres@127.0.0.1:5432/test)"
        ),
    }
}

/// The SQLite database file of a data directory.
pub fn db_path(data: &Path) -> PathBuf {
    data.join("caretrail.db")
}

/// The PostgreSQL schema of a data directory.
pub fn schema_of(data: &Path) -> String {
    let path = data.join(SCHEMA_FILE);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: no PostgreSQL schema recorded: {e}", path.display()))
        .trim()
        .to_owned()
}

/// Owns a data directory's PostgreSQL schema and drops it (with everything in it) when dropped;
/// nothing to do on SQLite, whose file goes with the temporary directory. Keep it alive until
/// every store on the schema is closed, child processes included.
#[derive(Debug)]
pub struct TestDb {
    schema: Option<(String, String)>,
}

impl TestDb {
    /// A schema name no other run has used.
    fn fresh(data: &Path) -> TestDb {
        let name = format!("ct_test_{}", uuid::Uuid::new_v4().simple());
        std::fs::write(data.join(SCHEMA_FILE), &name).expect("write the schema's name");
        TestDb {
            schema: Some((postgres_url(), name)),
        }
    }

    pub fn schema(&self) -> Option<&str> {
        self.schema.as_ref().map(|(_, name)| name.as_str())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((url, name)) = self.schema.take() else {
            return;
        };
        // On a thread of its own: this may be dropped on an async worker thread.
        let dropper = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"));
            }
        });
        let _ = dropper.join();
    }
}

/// A new, empty store for the data directory `data`.
pub fn create(data: &Path) -> (Arc<dyn Store>, TestDb) {
    match engine() {
        Engine::Sqlite => {
            let store = SqliteStore::create(&db_path(data)).expect("create the SQLite store");
            (Arc::new(store), TestDb { schema: None })
        }
        Engine::Postgres => {
            let db = TestDb::fresh(data);
            (Arc::new(open_postgres(data)), db)
        }
    }
}

/// The store of the data directory `data`, opened again.
pub fn open(data: &Path) -> Arc<dyn Store> {
    match engine() {
        Engine::Sqlite => Arc::new(open_sqlite(data)),
        Engine::Postgres => Arc::new(open_postgres(data)),
    }
}

fn open_sqlite(data: &Path) -> SqliteStore {
    SqliteStore::open(&db_path(data)).expect("open the SQLite store")
}

fn open_postgres(data: &Path) -> PostgresStore {
    PostgresStore::open_in_schema(&postgres_url(), &schema_of(data))
        .expect("open the PostgreSQL store")
}

/// The store of `data` behind a [`FaultyStore`], and the switch that changes its fault.
pub struct Faulty {
    pub store: Arc<dyn Store>,
    switch: Box<dyn Fn(Fault) + Send + Sync>,
}

impl Faulty {
    pub fn set_fault(&self, fault: Fault) {
        (self.switch)(fault);
    }
}

pub fn open_faulty(data: &Path, fault: Fault) -> Faulty {
    fn wrap<S: Store + 'static>(inner: S, fault: Fault) -> Faulty {
        let store = Arc::new(FaultyStore::new(inner, fault));
        let switch = store.clone();
        Faulty {
            store,
            switch: Box::new(move |f| switch.set_fault(f)),
        }
    }
    match engine() {
        Engine::Sqlite => wrap(open_sqlite(data), fault),
        Engine::Postgres => wrap(open_postgres(data), fault),
    }
}

/// Copies the data directory `from` (its key files and its store) to `to`: an old backup, or a
/// copy to tamper with. On SQLite the database file is copied: fold the journal first, so that
/// the file is the whole database. On PostgreSQL every table of the schema is copied into a
/// fresh schema with its columns, defaults, checks and indexes, and with its foreign keys only
/// if `foreign_keys` (someone editing the tables directly is not bound by them).
pub fn copy(from: &Path, to: &Path, foreign_keys: bool) -> TestDb {
    copy_tree(&from.join("keys"), &to.join("keys"));
    match engine() {
        Engine::Sqlite => {
            std::fs::copy(db_path(from), db_path(to)).expect("copy the SQLite file");
            TestDb { schema: None }
        }
        Engine::Postgres => {
            let db = TestDb::fresh(to);
            clone_schema(
                &schema_of(from),
                db.schema().expect("a schema"),
                foreign_keys,
            );
            db
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn clone_schema(from: &str, to: &str, foreign_keys: bool) {
    let mut c = postgres::Client::connect(&postgres_url(), postgres::NoTls).expect("connect");
    let mut tx = c.transaction().unwrap();
    let tables: Vec<String> = tx
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY tablename",
            &[&from],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!tables.is_empty(), "schema {from} has no tables");
    let mut sql = format!("CREATE SCHEMA \"{to}\";\n");
    for t in &tables {
        sql.push_str(&format!(
            "CREATE TABLE \"{to}\".\"{t}\" (LIKE \"{from}\".\"{t}\" INCLUDING ALL);\n\
             INSERT INTO \"{to}\".\"{t}\" SELECT * FROM \"{from}\".\"{t}\";\n"
        ));
    }
    tx.batch_execute(&sql).unwrap();
    if foreign_keys {
        // With only the source schema on the search path, the definitions name its tables
        // unqualified, and so name the copies once the search path is the new schema.
        tx.batch_execute(&format!("SET LOCAL search_path TO \"{from}\""))
            .unwrap();
        let fks: Vec<(String, String, String)> = tx
            .query(
                "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
                 FROM pg_constraint WHERE contype = 'f' AND connamespace = $1::text::regnamespace",
                &[&from],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let mut sql = format!("SET LOCAL search_path TO \"{to}\";\n");
        for (table, name, def) in fks {
            sql.push_str(&format!(
                "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {def};\n"
            ));
        }
        tx.batch_execute(&sql).unwrap();
    }
    tx.commit().unwrap();
}

/// A direct connection to the schema of `data`, outside the store (to inspect or tamper with
/// its tables). PostgreSQL only.
pub fn postgres_client(data: &Path) -> postgres::Client {
    let mut c = postgres::Client::connect(&postgres_url(), postgres::NoTls).expect("connect");
    c.batch_execute(&format!("SET search_path TO \"{}\"", schema_of(data)))
        .expect("set search_path");
    c
}
