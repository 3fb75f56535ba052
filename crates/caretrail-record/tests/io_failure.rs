//! An I/O failure during a commit stops the process: nothing is acknowledged, and the writes
//! acknowledged before it are still there after a restart (DESIGN §2: never retry and then
//! acknowledge). The child is this test binary re-run over a store that fails on demand: the
//! test engine's store (SQLite, or PostgreSQL with `CARETRAIL_TEST_ENGINE=postgres`) behind a
//! `FaultyStore`.

mod common;

use std::process::Stdio;

use caretrail_record::{KeyFiles, Record};
use caretrail_store::faulty::Fault;
use common::{World, open};

const CHILD_ENV: &str = "CARETRAIL_IO_FAILURE_CHILD";
const FAIL_AT: usize = 6;

#[test]
fn io_failure_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    let faulty = common::engine::open_faulty(dir, Fault::IoOnAppend(FAIL_AT));
    let record = Record::open(faulty.store, &KeyFiles::in_data_dir(dir)).unwrap();
    let person = record.unaudited().store().people().unwrap()[0].id;
    let author = record
        .unaudited()
        .store()
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.username == "cw.test")
        .unwrap();
    for i in 0..100 {
        let result = record.unaudited().add_entry(common::note_request(
            person,
            &author,
            &format!("note {i}"),
        ));
        match result {
            Ok(r) => println!("ACK {} {}", r.entry_id, r.leaf_index),
            Err(e) => println!("ERR {e}"),
        }
    }
    println!("SURVIVED");
}

#[test]
fn io_failure_during_commit_aborts_without_acknowledging() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let w = World::new(1);
    // The directory's fact leaves come before the notes.
    let directory_leaves = w.record.unaudited().store().tree_size().unwrap();
    let dir = w.dir.path().to_owned();
    let _keep = w.dir;
    drop(w.record);
    let out = common::child_test("io_failure_child", CHILD_ENV, &dir)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the process must not survive an I/O failure"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(6), "stopped by abort (SIGABRT)");
    }
    assert!(
        !stdout.contains("SURVIVED") && !stdout.contains("ERR "),
        "{stdout}"
    );
    let acked: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("ACK ").map(|at| &l[at + 4..]))
        .collect();
    assert_eq!(
        acked.len(),
        FAIL_AT - 1,
        "exactly the writes before the failure were acknowledged: {stdout}"
    );
    assert!(stderr.contains("fatal storage failure"), "{stderr}");

    let record = open(&dir);
    for line in acked {
        let id = line.split(' ').next().unwrap().parse().unwrap();
        assert!(record.unaudited().store().entry(id).unwrap().is_some());
    }
    assert_eq!(
        record.unaudited().store().tree_size().unwrap(),
        directory_leaves + (FAIL_AT - 1) as u64
    );
    assert!(record.verify(None).unwrap().ok());
}
