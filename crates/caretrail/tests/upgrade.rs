//! Upgrading a data directory written before directory facts were leaves (issue 13, part 2).
//! The fixture (`tests/fixtures/log-before-fact-leaves`, see its README) was written by the
//! binary of commit e11bd83: a seeded directory, a legal hold, a break-glass window with its
//! review item, and an erased person with a citizen account.

mod common;

use std::path::{Path, PathBuf};

use common::{TestSchema, ok, run, stderr, stdout, test_url, verified};

/// Leaves the fixture's log held when it was written.
const LEAVES_BEFORE: u64 = 195;

/// A copy of the fixture in a directory of its own (key files narrowed to the owner, as `init`
/// makes them).
fn upgraded_copy() -> (tempfile::TempDir, PathBuf) {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/log-before-fact-leaves");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("keys")).unwrap();
    std::fs::copy(fixture.join("caretrail.db"), data.join("caretrail.db")).unwrap();
    for key in ["kek", "log-signing-key"] {
        let to = data.join("keys").join(key);
        std::fs::copy(fixture.join("keys").join(key), &to).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    (tmp, data)
}

fn directory_rows(db: &Path) -> u64 {
    let c = rusqlite::Connection::open(db).unwrap();
    [
        "organisations",
        "people",
        "users",
        "relationships",
        "retention",
        "break_glass",
        "review_items",
    ]
    .iter()
    .map(|t| {
        c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64
    })
    .sum()
}

#[test]
fn the_first_open_folds_the_directory_into_the_log_once_and_tampering_is_then_caught() {
    let (_tmp, data) = upgraded_copy();
    let db = data.join("caretrail.db");
    let rows = directory_rows(&db);
    assert!(rows > 20, "the fixture has a directory ({rows} rows)");

    // The first command after the upgrade folds every row in as one signed batch.
    let (leaves, root) = verified(&ok(&data, None, &["verify"], None));
    assert_eq!(
        leaves,
        LEAVES_BEFORE + rows,
        "one fact leaf per directory row"
    );
    let checkpoint = ok(&data, None, &["ledger", "checkpoint"], None);
    assert_eq!(
        common::checkpoint_size(&checkpoint),
        leaves,
        "the batch is signed"
    );
    // Not twice.
    assert_eq!(
        verified(&ok(&data, None, &["verify"], None)),
        (leaves, root)
    );
    // The log keeps growing as before.
    let erased_or_not = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT lower(hex(id)) FROM people WHERE erased_at IS NULL LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    let person = format!(
        "{}-{}-{}-{}-{}",
        &erased_or_not[0..8],
        &erased_or_not[8..12],
        &erased_or_not[12..16],
        &erased_or_not[16..20],
        &erased_or_not[20..]
    );
    ok(
        &data,
        None,
        &["entry", "add", "--person", &person, "--kind", "case-note"],
        Some(r#"{"text":"Written after the upgrade."}"#),
    );
    let (after, _) = verified(&ok(&data, None, &["verify"], None));
    assert!(after > leaves);

    // Lifting the legal hold the old binary set, with SQL alone, is now caught at the leaf of
    // the fold that set it.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE retention SET legal_hold = 0", [])
        .unwrap();
    let o = run(&data, None, &["verify"], None);
    assert!(!o.status.success(), "{}", stdout(&o));
    let out = format!("{}{}", stdout(&o), stderr(&o));
    let bad: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("first bad leaf: "))
        .unwrap_or_else(|| panic!("{out}"))
        .trim()
        .parse()
        .unwrap();
    assert!(
        (LEAVES_BEFORE..leaves).contains(&bad),
        "the hold's fact leaf is one of the fold's: {out}"
    );
    assert!(out.contains("retention and legal hold"), "{out}");
}

/// The upgraded directory moves to PostgreSQL with its fact leaves and verifies there.
#[test]
fn an_upgraded_directory_migrates_to_postgres_and_verifies() {
    let Some(url) = test_url() else {
        eprintln!("skipping the PostgreSQL upgrade test: CARETRAIL_TEST_POSTGRES_URL is not set");
        return;
    };
    let (_tmp, data) = upgraded_copy();
    let (leaves, root) = verified(&ok(&data, None, &["verify"], None));
    let schema = TestSchema::new(&url);
    let target = schema.database();
    ok(
        &data,
        None,
        &["migrate", "--from", data.to_str().unwrap(), "--to", &target],
        None,
    );
    assert_eq!(
        verified(&ok(&data, Some(&target), &["verify"], None)),
        (leaves, root)
    );
}
