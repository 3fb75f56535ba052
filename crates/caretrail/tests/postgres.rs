//! The command line on PostgreSQL (`--database postgres://...?schema=NAME`): every command that
//! takes a data directory works with the record in PostgreSQL and the key files in `DATA/keys`.
//! Each test uses a fresh schema on the server named by `CARETRAIL_TEST_POSTGRES_URL`, and skips
//! visibly without it (fails under `CI=true`).

mod common;

use common::{
    TestSchema, accounts, checkpoint_size, ok, problem, run, stderr, stdout, test_url, verified,
};

/// A person on a social worker's caseload.
fn a_person(data: &std::path::Path) -> String {
    accounts(data)
        .iter()
        .filter(|a| a["role"] == "social-worker")
        .find_map(|a| a["people"][0].as_str().map(str::to_owned))
        .expect("a social worker with a caseload")
}

#[test]
fn every_command_works_on_postgres_with_the_keys_left_in_the_data_directory() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let db = schema.database();
    let db = Some(db.as_str());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    let out = ok(&data, db, &["init"], None);
    assert!(out.starts_with("initialised "), "{out}");
    assert!(data.join("keys/kek").is_file());
    assert!(data.join("keys/log-signing-key").is_file());
    assert!(
        !data.join("caretrail.db").exists(),
        "no SQLite database beside the keys"
    );
    // The key-encryption key never enters the database.
    let kek = std::fs::read(data.join("keys/kek")).unwrap();
    let leaked: bool = schema
        .client()
        .query_one(
            "SELECT position($1::bytea in kek_check || system_keys || pseudonym_key) > 0 \
             FROM log_meta",
            &[&kek],
        )
        .unwrap()
        .get(0);
    assert!(!leaked);

    let out = ok(&data, db, &["seed", "--people", "5", "--seed", "7"], None);
    assert!(out.starts_with("seeded 5 people"), "{out}");
    assert_eq!(schema.count("people"), 5);
    let (n, _) = verified(&ok(&data, db, &["verify"], None));
    assert!(n > 0);
    assert_eq!(schema.count("leaves"), n as i64);

    let person = a_person(&data);
    let receipt: serde_json::Value = serde_json::from_str(&ok(
        &data,
        db,
        &["entry", "add", "--person", &person, "--kind", "case-note"],
        Some(r#"{"text":"Visited; the kettle is fixed."}"#),
    ))
    .unwrap();
    // The operator's audit leaf (n), then the entry (n + 1), in one transaction.
    assert_eq!(receipt["leaf_index"], n + 1);
    assert_eq!(
        checkpoint_size(receipt["checkpoint"].as_str().unwrap()),
        n + 2
    );
    let entry_id = receipt["entry_id"].as_str().unwrap().to_owned();

    let timeline: Vec<serde_json::Value> = serde_json::from_str(&ok(
        &data,
        db,
        &["timeline", "--person", &person, "--json"],
        None,
    ))
    .unwrap();
    let mine = timeline
        .iter()
        .find(|e| e["id"] == entry_id.as_str())
        .expect("the new entry is on the timeline");
    assert_eq!(mine["data"]["text"], "Visited; the kettle is fixed.");
    assert_eq!(mine["leaf_index"], n + 1);

    // The operator's read was audited too (leaf n + 2).
    let note = ok(&data, db, &["ledger", "checkpoint"], None);
    assert_eq!(checkpoint_size(&note), n + 3);
    let n = n + 1; // the entry's leaf
    let key = ok(&data, db, &["ledger", "key"], None);
    assert!(key.trim().starts_with("caretrail.local/log/"), "{key}");
    let leaf: serde_json::Value = serde_json::from_str(&ok(
        &data,
        db,
        &["ledger", "leaf", "--index", &n.to_string(), "--json"],
        None,
    ))
    .unwrap();
    assert_eq!(leaf["index"], n);
    let proof: serde_json::Value = serde_json::from_str(&ok(
        &data,
        db,
        &[
            "ledger",
            "proof",
            "inclusion",
            "--index",
            &n.to_string(),
            "--json",
        ],
        None,
    ))
    .unwrap();
    assert_eq!(proof["tree_size"], n + 2);
    assert_eq!(proof["leaf_hash"], leaf["leaf_hash"]);
    let (after, _) = verified(&ok(&data, db, &["verify"], None));
    assert_eq!(after, n + 2);

    let keys_before = schema.count("person_keys");
    let erased: serde_json::Value = serde_json::from_str(&ok(
        &data,
        db,
        &[
            "erase",
            "--person",
            &person,
            "--reason",
            "GDPR Art. 17 request",
        ],
        None,
    ))
    .unwrap();
    // The audit leaf (n + 2) commits with the erasure entry (n + 3).
    assert_eq!(erased["leaf_index"], n + 3);
    assert_eq!(schema.count("person_keys"), keys_before - 1);
    let timeline: Vec<serde_json::Value> = serde_json::from_str(&ok(
        &data,
        db,
        &["timeline", "--person", &person, "--json"],
        None,
    ))
    .unwrap();
    let mine = timeline
        .iter()
        .find(|e| e["id"] == entry_id.as_str())
        .unwrap();
    assert_eq!(mine["erased"], true);
    assert!(mine["data"].is_null());
    let (after, _) = verified(&ok(&data, db, &["verify"], None));
    assert_eq!(
        after,
        n + 6,
        "the erasure's fact leaf of the erased person row (n + 4), and the read after it (n + 5)"
    );
}

#[test]
fn demo_without_serving_seeds_and_verifies_on_postgres() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let db = schema.database();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = ok(
        &data,
        Some(&db),
        &["demo", "--people", "3", "--no-serve"],
        None,
    );
    assert!(out.contains("leaves, verified, root "), "{out}");
    assert_eq!(schema.count("people"), 3);
    // A second run finds the seeded record and does not seed again.
    let again = ok(
        &data,
        Some(&db),
        &["demo", "--people", "3", "--no-serve"],
        None,
    );
    assert!(!again.contains("Seeding"), "{again}");
    assert_eq!(schema.count("people"), 3);
}

#[test]
fn init_refuses_a_schema_whose_log_belongs_to_other_keys() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let db = schema.database();
    let db = Some(db.as_str());
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    ok(&first, db, &["init"], None);
    let (leaves, root) = verified(&ok(&first, db, &["verify"], None));

    // Another data directory (other keys) on the same schema.
    let o = run(&second, db, &["init"], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let detail = problem(&o)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("other keys"), "{detail}");
    assert!(
        !second.join("keys").exists(),
        "no key files are created for a refused init"
    );
    // Nor can it open the record with keys it does not have.
    let o = run(&second, db, &["verify"], None);
    assert_eq!(o.status.code(), Some(1));

    // The same data directory again: already initialised.
    let o = run(&first, db, &["init"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        problem(&o)["detail"]
            .as_str()
            .unwrap()
            .contains("already initialised")
    );
    assert_eq!(
        verified(&ok(&first, db, &["verify"], None)),
        (leaves, root),
        "the refused inits changed nothing"
    );

    // The first directory's keys with a fresh schema: the keys exist but the log does not.
    let other = TestSchema::new(&url);
    let o = run(&first, Some(&other.database()), &["init"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("key files already exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_command_on_an_uninitialised_schema_says_to_run_init() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let o = run(&data, Some(&schema.database()), &["verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        problem(&o)["detail"]
            .as_str()
            .unwrap()
            .contains("caretrail init"),
        "{}",
        stderr(&o)
    );
}

/// Needs no server: bad URLs are refused before connecting, naming `/database`, without
/// repeating the URL (it may hold a password).
#[test]
fn malformed_database_urls_exit_2_naming_the_field_without_echoing_them() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let table = [
        "postgres://u:s3cret@[bad/x",
        "postgres://u:s3cret@localhost/db?schema=Bad-Name",
        "postgres://u:s3cret@localhost/db?schema=pg_catalog",
        "postgres://u:s3cret@localhost/db?schema=a&schema=b",
        "postgres://u:s3cret@localhost/db?schema=",
        "postgres://u:s3cret@localhost/db?no_such_option=1",
        "postgres://u:s3cret@localhost:notaport/db",
        "mysql://u:s3cret@localhost/db",
    ];
    for url in table {
        let o = run(&data, Some(url), &["verify"], None);
        assert_eq!(o.status.code(), Some(2), "{url}: {}", stderr(&o));
        assert_eq!(problem(&o)["errors"][0]["field"], "/database", "{url}");
        assert!(!stderr(&o).contains("s3cret"), "{url}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
        // `migrate --to` takes the same URLs and names its own field.
        let from = tmp.path().join("absent");
        let o = run(
            &data,
            None,
            &["migrate", "--from", from.to_str().unwrap(), "--to", url],
            None,
        );
        assert_eq!(o.status.code(), Some(2), "{url}: {}", stderr(&o));
        assert_eq!(problem(&o)["errors"][0]["field"], "/to", "{url}");
        assert!(!stderr(&o).contains("s3cret"), "{url}: {}", stderr(&o));
    }
    assert!(!data.exists(), "nothing is written for a refused URL");
}

// -- caretrail migrate --------------------------------------------------------------------

/// A seeded SQLite data directory with one extra case note and one erased person.
fn sqlite_deployment() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(&data, None, &["seed", "--people", "5", "--seed", "3"], None);
    let person = a_person(&data);
    ok(
        &data,
        None,
        &["entry", "add", "--person", &person, "--kind", "case-note"],
        Some(r#"{"text":"Written before the move."}"#),
    );
    let erased = accounts(&data)
        .iter()
        .flat_map(|a| a["people"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .find(|p| *p != person)
        .expect("another person on someone's caseload");
    ok(
        &data,
        None,
        &[
            "erase",
            "--person",
            &erased,
            "--reason",
            "GDPR Art. 17 request",
        ],
        None,
    );
    (tmp, data)
}

fn migrate(data: &std::path::Path, to: &str, extra: &[&str]) -> std::process::Output {
    let from = data.to_str().unwrap();
    let mut args = vec!["migrate", "--from", from, "--to", to];
    args.extend_from_slice(extra);
    run(data, None, &args, None)
}

/// The `ENGINE: verified N leaves, root HEX` lines of a migrate run.
fn migrated_roots(out: &str) -> [(u64, String); 2] {
    ["sqlite: ", "postgresql: "].map(|prefix| {
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line in {out:?}"));
        verified(line)
    })
}

#[test]
fn migrate_copies_a_sqlite_deployment_with_identical_roots_and_resumes_where_it_stopped() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let db = schema.database();
    let (_tmp, data) = sqlite_deployment();
    let (n, root) = verified(&ok(&data, None, &["verify"], None));

    // Interrupted: a batch of 300 leaves at a time, stopping once 700 are in.
    let o = migrate(&data, &db, &["--batch", "300", "--stop-after", "700"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        problem(&o)["detail"]
            .as_str()
            .unwrap()
            .contains("stopped after 900")
    );
    assert_eq!(schema.count("leaves"), 900, "whole batches only");
    assert_eq!(schema.count("people"), 5, "the directory went first");

    // Resumed: the rest, and both logs verify to the same size and root.
    let out = ok(
        &data,
        None,
        &[
            "migrate",
            "--from",
            data.to_str().unwrap(),
            "--to",
            &db,
            "--batch",
            "300",
        ],
        None,
    );
    assert!(
        out.contains(&format!("resumed: copied {} leaves", n - 900)),
        "{out}"
    );
    assert_eq!(migrated_roots(&out), [(n, root.clone()), (n, root.clone())]);
    assert!(out.contains("roots match"), "{out}");
    // The migration refreshed the planner's statistics: the row estimate that the empty
    // tables' index builds left at 0 now counts the copied leaves.
    let estimate: f32 = schema
        .client()
        .query_one(
            "SELECT reltuples FROM pg_class WHERE oid = 'leaves'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        estimate >= 0.9 * n as f32,
        "leaves estimate {estimate} after migrating {n}"
    );
    assert_eq!(
        verified(&ok(&data, Some(&db), &["verify"], None)),
        (n, root.clone())
    );

    // Running it again finds everything there.
    let again = ok(
        &data,
        None,
        &["migrate", "--from", data.to_str().unwrap(), "--to", &db],
        None,
    );
    assert!(again.contains("resumed: copied 0 leaves"), "{again}");

    // The same record through either engine: checkpoint, timelines, the erasure. (Each
    // operator read is audited on its own engine, so from here on the two logs part.)
    assert_eq!(
        ok(&data, Some(&db), &["ledger", "checkpoint"], None),
        ok(&data, None, &["ledger", "checkpoint"], None)
    );
    let people: std::collections::BTreeSet<String> = accounts(&data)
        .iter()
        .flat_map(|a| a["people"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    assert!(people.len() >= 2);
    for person in &people {
        let args = ["timeline", "--person", person, "--json"];
        assert_eq!(
            ok(&data, Some(&db), &args, None),
            ok(&data, None, &args, None)
        );
    }
    let keys: i64 = schema.count("person_keys");
    assert_eq!(keys, 4, "the erased person's keys were not brought back");

    // The PostgreSQL record carries on; a migrate over it is now refused.
    let n = verified(&ok(&data, Some(&db), &["verify"], None)).0;
    let receipt: serde_json::Value = serde_json::from_str(&ok(
        &data,
        Some(&db),
        &[
            "entry",
            "add",
            "--person",
            &a_person(&data),
            "--kind",
            "case-note",
        ],
        Some(r#"{"text":"Written after the move."}"#),
    ))
    .unwrap();
    assert_eq!(receipt["leaf_index"], n + 1);
    assert_eq!(verified(&ok(&data, Some(&db), &["verify"], None)).0, n + 2);
    let o = migrate(&data, &db, &[]);
    assert_eq!(o.status.code(), Some(1));
    let detail = problem(&o)["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("more than the source") || detail.contains("differs from the source"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn migrate_refuses_to_resume_over_a_leaf_that_differs_from_the_source() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let db = schema.database();
    let (_tmp, data) = sqlite_deployment();
    let o = migrate(&data, &db, &["--batch", "100", "--stop-after", "100"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(schema.count("leaves"), 100);
    schema
        .client()
        .execute(
            "UPDATE leaves SET data = '\\x00'::bytea WHERE idx = 42",
            &[],
        )
        .unwrap();
    let o = migrate(&data, &db, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let detail = problem(&o)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("leaf 42 in the target differs"), "{detail}");
    assert_eq!(schema.count("leaves"), 100, "nothing more was copied");
}

#[test]
fn migrate_refuses_a_target_that_holds_another_log() {
    let Some(url) = test_url() else { return };
    let schema = TestSchema::new(&url);
    let db = schema.database();
    let (tmp, data) = sqlite_deployment();
    let other = tmp.path().join("other");
    ok(&other, Some(&db), &["init"], None);
    let o = migrate(&data, &db, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        problem(&o)["detail"]
            .as_str()
            .unwrap()
            .contains("another log"),
        "{}",
        stderr(&o)
    );
    assert_eq!(schema.count("leaves"), 0);
    assert_eq!(schema.count("people"), 0);
}

/// How many leaves the schema holds, or `None` before its tables exist.
fn leaves_in(schema: &TestSchema) -> Option<i64> {
    schema
        .client()
        .query_one("SELECT count(*) FROM leaves", &[])
        .ok()
        .map(|r| r.get(0))
}

#[test]
fn migrate_killed_mid_run_finishes_with_identical_roots_when_run_again() {
    let Some(url) = test_url() else { return };
    let (_tmp, data) = sqlite_deployment();
    let (n, root) = verified(&ok(&data, None, &["verify"], None));
    // Killed at once (before it wrote anything), and killed once the first leaves are in.
    for mid_log in [false, true] {
        let schema = TestSchema::new(&url);
        let db = schema.database();
        let mut child = std::process::Command::new(common::bin())
            .args(["migrate", "--from", data.to_str().unwrap(), "--to", &db])
            .args(["--batch", "10"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        if mid_log {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while leaves_in(&schema).unwrap_or(0) == 0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "migrate never started"
                );
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let at_kill = leaves_in(&schema).unwrap_or(0);
        if mid_log {
            assert!(
                at_kill > 0 && (at_kill as u64) < n,
                "killed mid-log: {at_kill} of {n}"
            );
        }
        let out = ok(
            &data,
            None,
            &["migrate", "--from", data.to_str().unwrap(), "--to", &db],
            None,
        );
        assert_eq!(
            migrated_roots(&out),
            [(n, root.clone()), (n, root.clone())],
            "killed with {at_kill} leaves copied"
        );
    }
}
