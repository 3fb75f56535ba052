//! The command line from outside: contracts of DESIGN §4 and the foundation's bad-input rules.
//! Each refusal must exit non-zero with a clear message and write nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_caretrail"))
}

fn run(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(bin())
        .arg("--data")
        .arg(data)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run caretrail");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        // A command that refuses its arguments exits without reading its input.
        match input.write_all(s.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.unwrap(),
        }
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn problem(o: &Output) -> serde_json::Value {
    let e = stderr(o);
    let (a, b) = (
        e.find('{').expect("problem JSON on stderr"),
        e.rfind('}').unwrap(),
    );
    serde_json::from_str(&e[a..=b]).expect("problem JSON parses")
}

fn seeded(people: &str, seed: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &dir.path().join("data"),
        &["seed", "--people", people, "--seed", seed],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    dir
}

fn accounts(data: &Path) -> Vec<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(data.join("demo-accounts.json")).unwrap())
        .unwrap()
}

fn leaves(data: &Path) -> u64 {
    let o = run(data, &["verify"], None);
    let out = stdout(&o);
    out.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("verify: {out}"))
}

#[test]
fn seed_zero_people_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = run(&data, &["seed", "--people", "0"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(problem(&o)["errors"][0]["field"], "/people");
    assert!(!data.exists(), "nothing may be written");
}

#[test]
fn seeded_directory_has_accounts_for_every_role_and_refuses_a_second_seed() {
    let dir = seeded("6", "3");
    let data = dir.path().join("data");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(data.join("demo-accounts.json")), 0o600);
        assert_eq!(mode(data.join("keys/kek")), 0o600);
        assert_eq!(mode(data.join("keys/log-signing-key")), 0o600);
    }
    let acc = accounts(&data);
    let roles: std::collections::BTreeSet<&str> =
        acc.iter().map(|a| a["role"].as_str().unwrap()).collect();
    for r in [
        "care-worker",
        "nurse",
        "social-worker",
        "gp",
        "manager",
        "privacy-officer",
        "auditor",
        "citizen",
    ] {
        assert!(roles.contains(r), "no {r} account");
    }
    assert!(
        acc.iter()
            .all(|a| a["password"].as_str().unwrap().len() >= 16)
    );
    assert!(
        acc.iter()
            .filter(|a| a["role"] == "citizen")
            .all(|a| a["person"].is_string())
    );
    assert!(
        acc.iter()
            .filter(|a| a["role"] == "care-worker")
            .any(|a| !a["people"].as_array().unwrap().is_empty())
    );

    let before = leaves(&data);
    let again = run(&data, &["seed", "--people", "6", "--seed", "3"], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        problem(&again)["detail"]
            .as_str()
            .unwrap()
            .contains("already seeded")
    );
    assert_eq!(leaves(&data), before);
}

#[test]
fn seeding_is_deterministic_in_content_but_not_in_keys() {
    let a = seeded("4", "11");
    let b = seeded("4", "11");
    let c = seeded("4", "12");
    let person = |d: &tempfile::TempDir| {
        accounts(&d.path().join("data"))
            .into_iter()
            .find(|x| x["role"] == "citizen")
            .unwrap()["person"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let timeline = |d: &tempfile::TempDir, p: &str| {
        let o = run(
            &d.path().join("data"),
            &["timeline", "--person", p, "--json"],
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let mut v: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
        for e in &mut v {
            e.as_object_mut().unwrap().remove("leaf_index");
        }
        v
    };
    let (pa, pb) = (person(&a), person(&b));
    assert_eq!(pa, pb);
    assert_eq!(
        timeline(&a, &pa),
        timeline(&b, &pb),
        "same seed, same content"
    );
    let root = |d: &tempfile::TempDir| stdout(&run(&d.path().join("data"), &["verify"], None));
    assert_ne!(
        root(&a),
        root(&b),
        "keys and ciphertexts differ per directory"
    );
    assert_ne!(person(&c), pa, "another seed gives other people");
}

#[test]
fn unknown_or_malformed_person_ids_are_refused() {
    let dir = seeded("3", "1");
    let data = dir.path().join("data");
    let o = run(
        &data,
        &["timeline", "--person", "no-such-person-0", "--json"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(problem(&o)["errors"][0]["field"], "/person");
    let o = run(
        &data,
        &[
            "timeline",
            "--person",
            "0190a0a0-0000-7000-8000-000000000000",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(problem(&o)["status"], 404);
    let before = leaves(&data);
    let o = run(
        &data,
        &[
            "entry",
            "add",
            "--person",
            "0190a0a0-0000-7000-8000-000000000000",
            "--kind",
            "case-note",
        ],
        Some(r#"{"text":"x"}"#),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(problem(&o)["status"], 404);
    // The operator's attempt is audited like anyone's: one leaf, and no entry.
    assert_eq!(leaves(&data), before + 1);
}

#[test]
fn entry_data_that_does_not_fit_exits_2_naming_the_field() {
    let dir = seeded("3", "1");
    let data = dir.path().join("data");
    let person = accounts(&data)
        .into_iter()
        .find(|a| a["role"] == "citizen")
        .unwrap()["person"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = leaves(&data);
    for (kind, input, field) in [
        ("observation", r#"{"pulse":"fast"}"#, "/pulse"),
        ("observation", r#"{"spo2":120}"#, "/spo2"),
        ("case-note", r#"{"text":"x","extra":1}"#, "/extra"),
        (
            "medication",
            r#"{"atc":"nope","dose":"1 tablet","start":"2026-01-01"}"#,
            "/atc",
        ),
        ("case-notes", r#"{"text":"x"}"#, "/kind"),
        ("erasure", r#"{"reason":"x"}"#, "/kind"),
    ] {
        let o = run(
            &data,
            &["entry", "add", "--person", &person, "--kind", kind],
            Some(input),
        );
        assert_eq!(o.status.code(), Some(2), "{kind} {input}: {}", stderr(&o));
        let p = problem(&o);
        assert_eq!(p["errors"][0]["field"], field, "{kind} {input}");
        assert!(
            !stderr(&o).contains("fast"),
            "the message does not echo the value"
        );
    }
    let o = run(
        &data,
        &["entry", "add", "--person", &person, "--kind", "case-note"],
        Some("{not json"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(problem(&o)["status"], 400);
    assert_eq!(leaves(&data), before, "nothing was written");

    let o = run(
        &data,
        &["entry", "add", "--person", &person, "--kind", "case-note"],
        Some(r#"{"text":"Fine."}"#),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let receipt: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // The operator's audit leaf, then the entry, in one transaction.
    assert_eq!(receipt["leaf_index"], before + 1);
    assert_eq!(leaves(&data), before + 2);
}

#[test]
fn missing_or_corrupted_key_files_and_newer_schemas_are_refused() {
    let dir = seeded("2", "1");
    let data = dir.path().join("data");
    let kek = data.join("keys/kek");
    let saved = std::fs::read(&kek).unwrap();

    std::fs::remove_file(&kek).unwrap();
    let o = run(&data, &["verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        problem(&o)["detail"].as_str().unwrap().contains("missing"),
        "{}",
        stderr(&o)
    );

    std::fs::write(&kek, "garbage\n").unwrap();
    let o = run(&data, &["verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        problem(&o)["detail"]
            .as_str()
            .unwrap()
            .contains("corrupted"),
        "{}",
        stderr(&o)
    );

    std::fs::write(&kek, &saved).unwrap();
    assert!(run(&data, &["verify"], None).status.success());

    let db = data.join("caretrail.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 42)
        .unwrap();
    let o = run(&data, &["verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        problem(&o)["detail"].as_str().unwrap().contains("newer"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn verify_names_the_first_bad_leaf_and_erasure_keeps_it_passing() {
    let dir = seeded("3", "5");
    let data = dir.path().join("data");
    let person = accounts(&data)
        .into_iter()
        .find(|a| a["role"] == "citizen")
        .unwrap()["person"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = run(
        &data,
        &[
            "erase",
            "--person",
            &person,
            "--reason",
            "GDPR Art. 17 request",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t: Vec<serde_json::Value> = serde_json::from_str(&stdout(&run(
        &data,
        &["timeline", "--person", &person, "--json"],
        None,
    )))
    .unwrap();
    assert!(
        t.iter()
            .filter(|e| e["kind"] != "erasure")
            .all(|e| e["erased"] == true && e["data"].is_null())
    );
    let v = run(&data, &["verify"], None);
    assert!(v.status.success(), "{}", stdout(&v));

    let copy = tempfile::tempdir().unwrap();
    for f in ["caretrail.db", "keys/kek", "keys/log-signing-key"] {
        std::fs::create_dir_all(copy.path().join("keys")).unwrap();
        std::fs::copy(data.join(f), copy.path().join(f)).unwrap();
    }
    let c = rusqlite::Connection::open(copy.path().join("caretrail.db")).unwrap();
    c.execute("UPDATE leaves SET data = zeroblob(133) WHERE idx = 17", [])
        .unwrap();
    drop(c);
    let o = run(copy.path(), &["verify"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).lines().any(|l| l == "first bad leaf: 17"),
        "{}",
        stdout(&o)
    );
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn on_disk(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    all_files(dir)
        .into_iter()
        .filter(|f| {
            std::fs::read(f)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle)
        })
        .collect()
}

#[test]
fn a_canary_written_with_entry_add_is_never_on_disk_and_erasure_keeps_verify_passing() {
    let dir = seeded("3", "8");
    let data = dir.path().join("data");
    let person = accounts(&data)
        .into_iter()
        .find(|a| a["role"] == "citizen")
        .unwrap()["person"]
        .as_str()
        .unwrap()
        .to_owned();
    let canary = format!("CANARY{}", std::process::id());
    let input = serde_json::json!({"text": format!("The canary {canary} sings.")}).to_string();
    let o = run(
        &data,
        &["entry", "add", "--person", &person, "--kind", "case-note"],
        Some(&input),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        on_disk(&data, canary.as_bytes()).is_empty(),
        "no plaintext on disk before erasure"
    );
    let t = stdout(&run(&data, &["timeline", "--person", &person], None));
    assert!(t.contains(&canary), "the record reads back decrypted");
    let o = run(
        &data,
        &[
            "erase",
            "--person",
            &person,
            "--reason",
            "GDPR Art. 17 request",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(on_disk(&data, canary.as_bytes()).is_empty(), "nor after");
    assert!(!stdout(&run(&data, &["timeline", "--person", &person], None)).contains(&canary));
    assert!(run(&data, &["verify"], None).status.success());
}

#[test]
fn verify_with_a_saved_checkpoint_catches_a_restored_older_copy() {
    let dir = seeded("2", "4");
    let data = dir.path().join("data");
    let backup = dir.path().join("backup");
    std::fs::create_dir_all(backup.join("keys")).unwrap();
    for f in ["caretrail.db", "keys/kek", "keys/log-signing-key"] {
        std::fs::copy(data.join(f), backup.join(f)).unwrap();
    }
    let person = accounts(&data)
        .into_iter()
        .find(|a| a["role"] == "citizen")
        .unwrap()["person"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = run(
        &data,
        &["entry", "add", "--person", &person, "--kind", "case-note"],
        Some(r#"{"text":"After the backup."}"#),
    );
    assert!(o.status.success());
    let saved = dir.path().join("checkpoint.txt");
    std::fs::write(&saved, stdout(&run(&data, &["ledger", "checkpoint"], None))).unwrap();
    let saved = saved.to_str().unwrap();
    assert!(
        run(&data, &["verify", "--checkpoint", saved], None)
            .status
            .success()
    );
    assert!(
        run(&backup, &["verify"], None).status.success(),
        "the old copy is self-consistent"
    );
    let o = run(&backup, &["verify", "--checkpoint", saved], None);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("first bad leaf:"), "{}", stdout(&o));
}
