//! Crash test (issue "foundation", reliability acceptance): a child process writes continuously
//! from several threads and prints each acknowledged entry; the parent SIGKILLs it at random
//! moments and restarts it. After every restart each acknowledged entry is present, the log
//! verifies, and it is consistent with every checkpoint the child was given before the crash.
//!
//! The child is this same test binary, re-run with `CARETRAIL_CRASH_CHILD` set. The number of
//! cycles is `CARETRAIL_CRASH_CYCLES` (default 20, the CI bound); raise it for a soak.
//!
//! On SQLite the killed process is the database engine itself. On PostgreSQL
//! (`CARETRAIL_TEST_ENGINE=postgres`) it is the client: the test shows that nothing is
//! acknowledged before the server has committed it and that a client dying mid-append leaves
//! the log whole; the server's own crash safety is PostgreSQL's (`synchronous_commit`).

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use caretrail_core::EntryId;
use common::{World, open};
use rand::{RngExt, SeedableRng};

const CHILD_ENV: &str = "CARETRAIL_CRASH_CHILD";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The child: writes until killed. Does nothing when run as an ordinary test.
#[test]
fn crash_child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let record = open(std::path::Path::new(&dir));
    let people: Vec<_> = record
        .unaudited()
        .store()
        .people()
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    let author = record
        .unaudited()
        .store()
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.username == "cw.test")
        .unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (record, people, author) = (&record, &people, &author);
            s.spawn(move || {
                for i in 0.. {
                    let req = common::note_request(
                        people[(t + i) % people.len()],
                        author,
                        &format!("writer {t} note {i}"),
                    );
                    let receipt = record.unaudited().add_entry(req).expect("write");
                    println!(
                        "ACK {} {} {}",
                        receipt.entry_id,
                        receipt.leaf_index,
                        hex(receipt.checkpoint.as_bytes())
                    );
                }
            });
        }
    });
}

#[test]
fn acknowledged_writes_survive_repeated_kill_9() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let cycles: usize = std::env::var("CARETRAIL_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let w = World::new(3);
    let dir = w.dir.path().to_owned();
    let _keep = w.dir;
    drop(w.record);

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
    let mut acked: Vec<(EntryId, u64)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for cycle in 0..cycles {
        let mut child = common::child_test("crash_child_writer", CHILD_ENV, &dir)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (first_tx, first_rx) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // The harness may print its own words before the first line on the same line.
                if let Some(at) = line.find("ACK ") {
                    lines.push(line[at + 4..].to_owned());
                    let _ = first_tx.send(());
                }
            }
            lines
        });
        // Kill at a random moment once the child is writing (start-up time varies with load).
        let started = first_rx.recv_timeout(Duration::from_secs(60)).is_ok();
        std::thread::sleep(Duration::from_millis(rng.random_range(0..400)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let lines = reader.join().unwrap();
        assert!(
            started && !lines.is_empty(),
            "cycle {cycle}: the child acknowledged nothing within a minute"
        );
        for l in lines {
            let mut parts = l.split(' ');
            let (Some(id), Some(idx), Some(note)) = (parts.next(), parts.next(), parts.next())
            else {
                continue; // a line torn by the kill was never a complete acknowledgement
            };
            let Ok(note) = String::from_utf8(unhex(note)) else {
                continue;
            };
            acked.push((id.parse().unwrap(), idx.parse().unwrap()));
            notes.push(note);
        }

        let record = open(&dir);
        for (id, idx) in &acked {
            let row = record.unaudited().store().entry(*id).unwrap();
            let row = row.unwrap_or_else(|| panic!("cycle {cycle}: acknowledged entry lost"));
            assert_eq!(row.leaf_index, *idx, "cycle {cycle}: entry moved");
        }
        let newest = notes
            .iter()
            .max_by_key(|n| n.lines().nth(1).unwrap().parse::<u64>().unwrap())
            .unwrap();
        let report = record.verify(Some(newest)).unwrap();
        assert!(report.ok(), "cycle {cycle}: {:?}", report.problems);
        // Consistent with every checkpoint seen so far, old ones included.
        let mut seen: Vec<&String> = notes.iter().collect();
        seen.sort_by_key(|n| n.lines().nth(1).unwrap().parse::<u64>().unwrap());
        seen.dedup();
        for note in seen {
            let cp = record.verifier().verify(note).unwrap();
            let size = cp.checkpoint().size;
            let proof = record.consistency_proof(size, report.leaves).unwrap();
            let path: Vec<caretrail_ledger::Hash> = proof
                .path
                .iter()
                .map(|h| unhex(h).try_into().unwrap())
                .collect();
            caretrail_ledger::verify_consistency(
                size,
                report.leaves,
                &cp.checkpoint().root,
                &report.root,
                &path,
            )
            .unwrap_or_else(|e| panic!("cycle {cycle}: checkpoint {size} inconsistent: {e}"));
        }
    }
    assert!(
        acked.len() >= cycles,
        "too few writes to mean anything: {}",
        acked.len()
    );
}
