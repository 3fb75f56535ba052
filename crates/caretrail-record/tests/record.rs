//! The write path end to end on the test engine (SQLite, or PostgreSQL with
//! `CARETRAIL_TEST_ENGINE=postgres`; see `common/engine.rs`): receipts, timelines, amendments,
//! proofs, verification, erasure, group commit and refusals.

mod common;

use caretrail_core::{EntryKind, PersonId};
use caretrail_ledger::{Hash, verify_consistency, verify_inclusion};
use caretrail_record::{KeyFiles, Record, RecordError};
use caretrail_store::StoreError;
use caretrail_store::vault::VaultError;
use common::engine::{self, Engine};
use common::{World, open};

fn unhex(s: &str) -> Hash {
    let v: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

#[test]
fn receipt_checkpoint_covers_the_leaf_and_proofs_verify() {
    let w = World::new(3);
    w.fill(40, 7);
    let receipt = w.note(w.people[0], "Receipt test note.");
    let cp = w
        .record
        .verifier()
        .verify(&receipt.checkpoint)
        .expect("receipt checkpoint is signed by the log");
    assert!(cp.checkpoint().size > receipt.leaf_index);

    let proof = w
        .record
        .inclusion_proof(receipt.leaf_index, Some(cp.checkpoint().size))
        .unwrap();
    assert_eq!(unhex(&proof.root_hash), cp.checkpoint().root);
    let path: Vec<Hash> = proof.path.iter().map(|h| unhex(h)).collect();
    verify_inclusion(
        &unhex(&proof.leaf_hash),
        proof.index,
        proof.tree_size,
        &path,
        &cp.checkpoint().root,
    )
    .unwrap();

    let leaf = w.record.unaudited().leaf(receipt.leaf_index).unwrap();
    assert_eq!(leaf.leaf_hash, proof.leaf_hash);

    for (m, n) in [(1, 41), (7, 41), (40, 41), (41, 41), (16, 32)] {
        let c = w.record.consistency_proof(m, n).unwrap();
        let path: Vec<Hash> = c.path.iter().map(|h| unhex(h)).collect();
        verify_consistency(m, n, &unhex(&c.first_root), &unhex(&c.second_root), &path).unwrap();
    }
    assert!(matches!(
        w.record.consistency_proof(0, 5),
        Err(RecordError::Input(_))
    ));
    assert!(matches!(
        w.record.consistency_proof(5, 500),
        Err(RecordError::Input(_))
    ));
    assert!(matches!(
        w.record.unaudited().leaf(10_000),
        Err(RecordError::NotFound(_))
    ));
}

#[test]
fn timeline_decrypts_in_effective_order_and_keeps_amendments() {
    let w = World::new(2);
    let p = w.people[0];
    let mut early = w.request(
        p,
        EntryKind::CaseNote,
        serde_json::json!({"text": "Second by time."}),
    );
    early.effective_at = "2025-06-01T10:00:00Z".parse().unwrap();
    let mut earliest = w.request(p, EntryKind::Observation, serde_json::json!({"pulse": 72}));
    earliest.effective_at = "2025-01-01T10:00:00Z".parse().unwrap();
    let r1 = w.record.unaudited().add_entry(early).unwrap();
    w.record.unaudited().add_entry(earliest).unwrap();
    let mut fix = w.request(
        p,
        EntryKind::CaseNote,
        serde_json::json!({"text": "Corrected text."}),
    );
    fix.amends = Some(r1.entry_id.parse().unwrap());
    w.record.unaudited().add_entry(fix).unwrap();
    w.note(w.people[1], "Someone else.");

    let t = w.record.unaudited().timeline(p).unwrap();
    assert_eq!(t.len(), 3);
    assert!(t.windows(2).all(|x| x[0].effective_at <= x[1].effective_at));
    assert_eq!(t[0].kind, EntryKind::Observation);
    assert_eq!(t[0].codes[0].code, "8867-4");
    assert_eq!(t[1].data.as_ref().unwrap()["text"], "Second by time.");
    assert_eq!(
        t[2].amends.map(|a| a.to_string()),
        Some(r1.entry_id.clone())
    );
    assert!(t.iter().all(|e| !e.erased && e.person == p));

    // An amendment must point at the same person's entry.
    let mut wrong = w.request(
        w.people[1],
        EntryKind::CaseNote,
        serde_json::json!({"text": "x"}),
    );
    wrong.amends = Some(r1.entry_id.parse().unwrap());
    assert!(matches!(
        w.record.unaudited().add_entry(wrong),
        Err(RecordError::Input(_))
    ));
}

/// The API's read path writes the timeline's JSON straight from the sealed payloads; it must be
/// byte for byte what serialising the decrypted entries gives, filters and erasure included.
#[test]
fn timeline_json_is_exactly_the_serialised_timeline() {
    let w = World::new(3);
    w.fill(30, 10);
    let (p, erased) = (w.people[0], w.people[2]);
    let entries = [
        (
            EntryKind::Observation,
            serde_json::json!({"respiration_rate": 22, "spo2": 95, "spo2_scale": 1,
                "supplemental_oxygen": false, "systolic_bp": 105, "pulse": 95,
                "consciousness": "A", "temperature": 38.3}),
        ),
        (
            EntryKind::Medication,
            serde_json::json!({"atc": "N05CD07", "dose": "10 mg at night", "start": "2026-01-01"}),
        ),
        (
            EntryKind::Incident,
            serde_json::json!({"type": "fall", "injury": "minor"}),
        ),
        (
            EntryKind::CaseNote,
            serde_json::json!({"text": "Quotes \"and\" escapes \\ and \u{e9} \n new line."}),
        ),
    ];
    for (kind, data) in entries {
        w.record
            .unaudited()
            .add_entry(w.request(p, kind, data))
            .unwrap();
    }
    w.record
        .unaudited()
        .erase(erased, "test", &w.system)
        .unwrap();

    for person in &w.people {
        let all = w.record.unaudited().timeline(*person).unwrap();
        assert!(!all.is_empty());
        let json = w
            .record
            .unaudited()
            .timeline_json(*person, |_| true, |_, _, _| true)
            .unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            serde_json::to_string(&all).unwrap()
        );
    }
    let t = w.record.unaudited().timeline(erased).unwrap();
    assert!(t.iter().any(|e| e.erased) && t.iter().any(|e| !e.erased));

    // Filters: metadata first, then codes (erased entries have none, so `show` sees `[]`).
    let keep = |m: &caretrail_core::EntryMeta| m.kind != EntryKind::CaseNote;
    let hide_falls = |codes: &[caretrail_core::Code]| !codes.iter().any(|c| c.code == "1912002");
    let show = |_: EntryKind,
                codes: &[caretrail_core::Code],
                _: Option<&serde_json::value::RawValue>| { hide_falls(codes) };
    let expected: Vec<_> = w
        .record
        .unaudited()
        .timeline(p)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind != EntryKind::CaseNote && hide_falls(&e.codes))
        .collect();
    assert!(expected.iter().any(|e| e.kind == EntryKind::Medication));
    assert!(!expected.iter().any(|e| e.kind == EntryKind::Incident));
    assert_eq!(
        w.record.unaudited().timeline_json(p, keep, show).unwrap(),
        serde_json::to_vec(&expected).unwrap()
    );
    assert_eq!(
        w.record
            .unaudited()
            .timeline_json(p, |_| false, |_, _, _| true)
            .unwrap(),
        b"[]"
    );
    assert!(matches!(
        w.record
            .unaudited()
            .timeline_json(PersonId::new(), |_| true, |_, _, _| true),
        Err(RecordError::NotFound(_))
    ));
}

#[test]
fn verify_passes_on_an_untouched_log() {
    let w = World::new(4);
    // The directory's fact leaves, then the notes.
    let directory = w.record.unaudited().store().tree_size().unwrap();
    w.fill(300, 64);
    let report = w.record.verify(None).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.leaves, directory + 300);
    assert!(report.checkpoints >= 5);
}

#[test]
fn concurrent_writers_share_commits_and_lose_nothing() {
    let w = World::new(4);
    let record = &w.record;
    let receipts: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let w = &w;
                s.spawn(move || {
                    (0..50)
                        .map(|i| w.note(w.people[(t + i) % 4], &format!("thread {t} note {i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(receipts.len(), 400);
    let mut idx: Vec<u64> = receipts.iter().map(|r| r.leaf_index).collect();
    idx.sort_unstable();
    idx.dedup();
    assert_eq!(idx.len(), 400, "every write got its own leaf");
    assert_eq!(
        *idx.last().unwrap() - idx[0],
        399,
        "the leaves are contiguous"
    );
    for r in &receipts {
        let cp = record.verifier().verify(&r.checkpoint).unwrap();
        assert!(cp.checkpoint().size > r.leaf_index);
    }
    let distinct: std::collections::HashSet<_> = receipts.iter().map(|r| &r.checkpoint).collect();
    assert!(distinct.len() < 400, "some writes shared a group commit");
    assert!(record.verify(None).unwrap().ok());
}

#[test]
fn erasure_shreds_keys_and_ciphertext_but_verify_still_passes() {
    let w = World::new(3);
    w.fill(30, 10);
    let victim = w.people[1];
    let canary = format!("CANARY-{}", uuid_like());
    let r = w.note(victim, &format!("The canary says {canary}."));
    let row = w
        .record
        .unaudited()
        .store()
        .entry(r.entry_id.parse().unwrap())
        .unwrap()
        .unwrap();
    let ciphertext = row.payload.clone().unwrap();
    let wrapped = w
        .record
        .unaudited()
        .store()
        .person_keys(victim)
        .unwrap()
        .unwrap()
        .wrapped;
    assert!(w.record.unaudited().profile(victim).unwrap().is_some());

    // Before erasure, no plaintext of the record is stored.
    assert_not_stored(w.path(), canary.as_bytes(), "canary before erasure");
    assert_not_stored(w.path(), b"Testperson1", "profile name before erasure");

    let receipt = w
        .record
        .unaudited()
        .erase(victim, "GDPR Art. 17 request", &w.system)
        .unwrap();
    let t = w.record.unaudited().timeline(victim).unwrap();
    let (erasures, others): (Vec<_>, Vec<_>) = t.iter().partition(|e| e.kind == EntryKind::Erasure);
    assert_eq!(erasures.len(), 1);
    assert_eq!(erasures[0].id.to_string(), receipt.entry_id);
    assert!(!others.is_empty());
    assert!(
        others
            .iter()
            .all(|e| e.erased && e.data.is_none() && e.codes.is_empty())
    );
    assert!(w.record.unaudited().profile(victim).unwrap().is_none());
    // Others are untouched.
    assert!(
        w.record
            .unaudited()
            .timeline(w.people[0])
            .unwrap()
            .iter()
            .all(|e| !e.erased)
    );

    let report = w.record.verify(None).unwrap();
    assert!(report.ok(), "{:?}", report.problems);

    // The key material and ciphertext are gone from every file in the data directory (and on
    // PostgreSQL from every row of the schema).
    assert_not_stored(w.path(), canary.as_bytes(), "canary after erasure");
    assert_not_stored(w.path(), &ciphertext[24..56], "ciphertext after erasure");
    assert_not_stored(w.path(), &wrapped[24..56], "wrapped key after erasure");

    // No more writes for an erased person; a second erasure is refused.
    let again = w.record.unaudited().add_entry(w.request(
        victim,
        EntryKind::CaseNote,
        serde_json::json!({"text": "x"}),
    ));
    assert!(matches!(again, Err(RecordError::Conflict(_))));
    assert!(matches!(
        w.record.unaudited().erase(victim, "again", &w.system),
        Err(RecordError::Conflict(_))
    ));

    // Reopening from disk gives the same verdict.
    drop(w.record);
    let reopened = open(w.dir.path());
    assert!(reopened.verify(None).unwrap().ok());
    assert!(
        reopened
            .unaudited()
            .timeline(victim)
            .unwrap()
            .iter()
            .filter(|e| e.kind != EntryKind::Erasure)
            .all(|e| e.erased)
    );
}

fn uuid_like() -> String {
    PersonId::new().to_string().replace('-', "")
}

/// `needle` is in no file of the data directory `dir`. On SQLite that is the whole database
/// (file, journal and all). On PostgreSQL the directory holds the key files only, so every row
/// of every table of the schema is read too (as text, `bytea` in hex). What only the server's
/// own files could still hold (row versions before `VACUUM`, the write-ahead log, backups)
/// is out of this test's reach on PostgreSQL: see the backend's documentation on erasure.
fn assert_not_stored(dir: &std::path::Path, needle: &[u8], what: &str) {
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{what}: found in {}",
            entry.display()
        );
    }
    if engine::engine() == Engine::Postgres {
        let mut c = engine::postgres_client(dir);
        let hex: String = needle.iter().map(|b| format!("{b:02x}")).collect();
        let text = std::str::from_utf8(needle).ok();
        let tables = c
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
                &[],
            )
            .unwrap();
        assert!(tables.len() > 10, "the schema's tables are found");
        for table in tables {
            let table: String = table.get(0);
            for row in c
                .query(&format!("SELECT t::text FROM \"{table}\" t"), &[])
                .unwrap()
            {
                let row: String = row.get(0);
                assert!(
                    !row.contains(&hex) && text.is_none_or(|t| !row.contains(t)),
                    "{what}: found in table {table}"
                );
            }
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn refuses_unknown_people_and_erasure_kind() {
    let w = World::new(1);
    let directory = w.record.unaudited().store().tree_size().unwrap();
    let unknown = w.record.unaudited().add_entry(w.request(
        PersonId::new(),
        EntryKind::CaseNote,
        serde_json::json!({"text": "x"}),
    ));
    assert!(matches!(unknown, Err(RecordError::NotFound(_))));
    assert!(matches!(
        w.record.unaudited().timeline(PersonId::new()),
        Err(RecordError::NotFound(_))
    ));
    let mut req = w.request(
        w.people[0],
        EntryKind::CaseNote,
        serde_json::json!({"text": "x"}),
    );
    req.data =
        caretrail_core::EntryData::parse(EntryKind::Erasure, &serde_json::json!({"reason": "r"}))
            .unwrap();
    assert!(matches!(
        w.record.unaudited().add_entry(req),
        Err(RecordError::Input(_))
    ));
    assert_eq!(
        w.record.unaudited().store().tree_size().unwrap(),
        directory,
        "nothing was written"
    );
}

#[test]
fn refuses_missing_corrupt_or_foreign_key_files() {
    let w = World::new(1);
    w.note(w.people[0], "x");
    let keys = KeyFiles::in_data_dir(w.path());
    let kek = std::fs::read(keys.kek_path()).unwrap();

    std::fs::remove_file(keys.kek_path()).unwrap();
    let err = Record::open(engine::open(w.path()), &keys).unwrap_err();
    assert!(
        matches!(err, RecordError::Vault(VaultError::MissingKeyFile { .. })),
        "{err}"
    );

    std::fs::write(keys.kek_path(), b"not a key\n").unwrap();
    let err = Record::open(engine::open(w.path()), &keys).unwrap_err();
    assert!(
        matches!(err, RecordError::Vault(VaultError::CorruptKeyFile { .. })),
        "{err}"
    );

    std::fs::write(keys.kek_path(), format!("{}\n", "ab".repeat(32))).unwrap();
    let err = Record::open(engine::open(w.path()), &keys).unwrap_err();
    assert!(
        matches!(err, RecordError::Vault(VaultError::WrongKeyFile { .. })),
        "{err}"
    );

    std::fs::write(keys.kek_path(), kek).unwrap();
    assert!(Record::open(engine::open(w.path()), &keys).is_ok());
}

#[test]
fn refuses_a_database_from_a_newer_binary() {
    let w = World::new(1);
    drop(w.record);
    // The schema version as each engine records it: SQLite's `user_version`, PostgreSQL's
    // table of applied migrations.
    match engine::engine() {
        Engine::Sqlite => {
            rusqlite::Connection::open(engine::db_path(w.dir.path()))
                .unwrap()
                .pragma_update(None, "user_version", 99)
                .unwrap();
        }
        Engine::Postgres => {
            engine::postgres_client(w.dir.path())
                .batch_execute(
                    "INSERT INTO caretrail_migrations (version, name, checksum) \
                     VALUES (99, '0099_future', '\\x00')",
                )
                .unwrap();
        }
    }
    let err = match engine::engine() {
        Engine::Sqlite => {
            caretrail_store_sqlite::SqliteStore::open(&engine::db_path(w.dir.path())).map(drop)
        }
        Engine::Postgres => caretrail_store_postgres::PostgresStore::open_in_schema(
            &engine::postgres_url(),
            &engine::schema_of(w.dir.path()),
        )
        .map(drop),
    }
    .unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("newer"));
}

#[test]
fn rollback_to_an_older_copy_is_caught_with_a_saved_checkpoint() {
    let w = World::new(2);
    w.fill(50, 10);
    let backed_up = w.record.unaudited().store().tree_size().unwrap();
    // Snapshot the directory as it is now (an "old backup").
    let backup = tempfile::tempdir().unwrap();
    w.record.unaudited().store().fold_journal().unwrap();
    let _backup_db = engine::copy(w.path(), backup.path(), true);
    w.fill(30, 10);
    let saved = w.record.checkpoint().unwrap();
    assert!(w.record.verify(Some(&saved)).unwrap().ok());

    let old = open(backup.path());
    assert!(
        old.verify(None).unwrap().ok(),
        "the old copy is self-consistent"
    );
    let report = old.verify(Some(&saved)).unwrap();
    assert!(!report.ok());
    assert_eq!(
        report.first_bad_leaf,
        Some(backed_up),
        "{:?}",
        report.problems
    );

    // A checkpoint from another log is refused too.
    let other = World::new(1);
    other.note(other.people[0], "x");
    let foreign = other.record.checkpoint().unwrap();
    assert!(!w.record.verify(Some(&foreign)).unwrap().ok());
}

#[test]
fn audit_events_are_verified_leaves_the_person_can_read() {
    let w = World::new(2);
    let p = w.people[0];
    let mut denied = w.read_event(p, false);
    denied.at = "2026-01-01T10:00:00.123456Z".parse().unwrap();
    let r1 = w.record.unaudited().audit(denied.clone()).unwrap();
    w.note(p, "Between the two reads.");
    let r2 = w.record.unaudited().audit(w.read_event(p, true)).unwrap();
    w.record
        .unaudited()
        .audit(w.read_event(w.people[1], true))
        .unwrap();
    assert!(r2.leaf_index > r1.leaf_index);
    let cp = w.record.verifier().verify(&r2.checkpoint).unwrap();
    assert!(cp.checkpoint().size > r2.leaf_index);

    let log = w.record.unaudited().access_log(p).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0], denied);
    assert!(log[1].allowed);
    assert!(w.record.verify(None).unwrap().ok());

    // A write through the gate and the decision that allowed it share one transaction
    // (adjacent leaves), and the leaf names the operator who wrote it for the worker.
    let operator = w.record.operator_account().unwrap();
    let gate = w.record.gate(caretrail_access::Principal::from_user(
        &operator,
        caretrail_core::Purpose::Care,
    ));
    let req = w.request(
        p,
        EntryKind::CaseNote,
        serde_json::json!({"text": "Audited write."}),
    );
    let input = caretrail_record::gate::EntryInput {
        data: req.data,
        effective_at: None,
        amends: None,
    };
    let receipt = gate.write(p, &w.worker, Ok(input)).unwrap().entry;
    let stored = w.record.unaudited().store().audit_for_person(p).unwrap();
    let row = stored.last().unwrap();
    assert_eq!(row.event.action, caretrail_core::AuditAction::WriteEntry);
    assert_eq!(row.event.accessor, operator.id);
    assert_eq!(row.event.role, caretrail_core::Role::Operator);
    assert!(row.event.allowed);
    assert_eq!(row.leaf_index + 1, receipt.leaf_index);
    let written = w.record.unaudited().timeline(p).unwrap();
    let entry = written
        .iter()
        .find(|e| e.id.to_string() == receipt.entry_id)
        .unwrap();
    assert_eq!(
        entry.author, w.worker.id,
        "--author sets the entry's author"
    );

    // Reasons are codes, never free text.
    let mut bad = w.read_event(p, true);
    bad.reason = "Mrs Example asked".into();
    assert!(w.record.unaudited().audit(bad).is_err());
    assert!(w.record.verify(None).unwrap().ok());
}

#[test]
fn a_failed_audit_write_fails_the_request_and_writes_nothing() {
    use caretrail_store::faulty::Fault;
    let w = World::new(1);
    let p = w.people[0];
    let dir = w.dir.path().to_owned();
    let _keep = w.dir;
    drop(w.record);
    let faulty = engine::open_faulty(&dir, Fault::RefuseAudits);
    let record = Record::open(faulty.store.clone(), &KeyFiles::in_data_dir(&dir)).unwrap();
    let event = caretrail_core::AuditEvent {
        id: caretrail_core::EntryId::new(),
        at: jiff::Timestamp::now(),
        accessor: w.worker.id,
        role: w.worker.role,
        organisation: w.org,
        person: Some(p),
        action: caretrail_core::AuditAction::WriteEntry,
        purpose: caretrail_core::Purpose::Care,
        allowed: true,
        break_glass: false,
        reason: "care-relationship".into(),
    };
    assert!(record.unaudited().audit(event.clone()).is_err());
    let req = caretrail_record::NewEntryRequest {
        id: caretrail_core::EntryId::new(),
        person: p,
        organisation: w.org,
        author: w.worker.clone(),
        recorded_at: jiff::Timestamp::now(),
        effective_at: jiff::Timestamp::now(),
        amends: None,
        data: caretrail_core::EntryData::parse(
            EntryKind::CaseNote,
            &serde_json::json!({"text": "x"}),
        )
        .unwrap(),
    };
    let operator = record.operator_account().unwrap();
    let directory = record.unaudited().store().tree_size().unwrap();
    let gate = record.gate(caretrail_access::Principal::from_user(
        &operator,
        caretrail_core::Purpose::Care,
    ));
    let input = caretrail_record::gate::EntryInput {
        data: req.data,
        effective_at: None,
        amends: None,
    };
    assert!(gate.write(p, &w.worker, Ok(input)).is_err());
    assert_eq!(
        record.unaudited().store().tree_size().unwrap(),
        directory,
        "neither the audit nor the entry was written"
    );
    faulty.set_fault(Fault::None);
    assert!(record.unaudited().audit(event).is_ok());
}

#[test]
fn erasure_is_refused_while_a_legal_hold_or_retention_period_applies_and_says_which() {
    let w = World::new(1);
    let p = w.people[0];
    w.note(p, "Keep me.");
    let set = |until: Option<jiff::civil::Date>, hold: bool| {
        w.record
            .unaudited()
            .store()
            .set_retention(&caretrail_store::RetentionRow {
                person: p,
                retain_until: until,
                legal_hold: hold,
                set_by: w.system.id,
                set_at: jiff::Timestamp::now(),
            })
            .unwrap()
    };
    set(None, true);
    let e = w
        .record
        .unaudited()
        .erase(p, "GDPR Art. 17 request", &w.system)
        .unwrap_err();
    assert!(
        matches!(&e, RecordError::Conflict(m) if m.contains("legal hold")),
        "{e}"
    );
    set(Some(jiff::civil::date(2099, 1, 1)), false);
    let e = w
        .record
        .unaudited()
        .erase(p, "GDPR Art. 17 request", &w.system)
        .unwrap_err();
    assert!(
        matches!(&e, RecordError::Conflict(m) if m.contains("2099-01-01")),
        "{e}"
    );
    assert!(
        w.record
            .unaudited()
            .timeline(p)
            .unwrap()
            .iter()
            .all(|e| !e.erased),
        "nothing was erased"
    );
    set(Some(jiff::civil::date(2020, 1, 1)), false);
    assert!(
        w.record
            .unaudited()
            .erase(p, "GDPR Art. 17 request", &w.system)
            .is_ok()
    );
}
