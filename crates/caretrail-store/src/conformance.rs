//! The behavioural suite every [`Store`] backend must pass. A backend's tests call [`run_all`]
//! with a factory that returns a fresh, empty, migrated store each time.
//!
//! It checks storage semantics only (the backend does not interpret leaves or ciphertexts):
//! atomic batches, contiguous leaf indexes, every perfect-subtree node stored and equal to the
//! reference tree, one signed checkpoint per batch, erasure, refusals, and paged reads.

use caretrail_core::{
    EntryId, EntryKind, EntryMeta, Organisation, OrganisationId, OrganisationKind, PersonId, Role,
    User, UserId,
};
use caretrail_ledger::{Hash, MemoryTree, NodeId, leaf_hash};
use jiff::Timestamp;

use crate::{
    CheckpointSigner, DirectoryBatch, LogMeta, NewEntry, PersonRow, Store, StoreError, WrappedKeys,
    Write,
};

/// Signs nothing: the note is "size:roothex", enough to check what the backend stored.
#[derive(Debug)]
pub struct PlainSigner;

impl CheckpointSigner for PlainSigner {
    fn sign(&self, size: u64, root: &Hash) -> String {
        let hex: String = root.iter().map(|b| format!("{b:02x}")).collect();
        format!("{size}:{hex}\n")
    }
    fn signed(&self, note: &str) -> Option<(u64, Hash)> {
        let (size, hex) = note.strip_suffix('\n')?.split_once(':')?;
        let mut root = [0u8; 32];
        if hex.len() != 64 {
            return None;
        }
        for (i, b) in root.iter_mut().enumerate() {
            *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some((size.parse().ok()?, root))
    }
}

struct Fixture {
    org: OrganisationId,
    author: UserId,
    people: Vec<PersonId>,
}

fn fixture(store: &dyn Store) -> Fixture {
    store
        .init_log(&LogMeta {
            origin: "test/log".into(),
            verifier_key: "test+00000000+AA==".into(),
            kek_check: vec![1; 32],
            system_keys: vec![2; 40],
            pseudonym_key: vec![3; 40],
            created_at: Timestamp::UNIX_EPOCH,
        })
        .expect("init_log");
    let org = Organisation {
        id: OrganisationId::new(),
        name: "Test Council".into(),
        kind: OrganisationKind::Council,
    };
    let author = User {
        id: UserId::new(),
        username: "sw.test".into(),
        display_name: "Social Worker".into(),
        role: Role::SocialWorker,
        organisation: org.id,
        person: None,
    };
    let people: Vec<PersonId> = (0..3).map(|_| PersonId::new()).collect();
    let batch = DirectoryBatch {
        organisations: vec![org.clone()],
        users: vec![(author.clone(), Some("$argon2id$test".into()))],
        people: people
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    PersonRow {
                        id: *p,
                        pseudonym: [i as u8 + 1; 16],
                        created_at: Timestamp::UNIX_EPOCH,
                        erased_at: None,
                        profile: Some(vec![9; 50]),
                    },
                    WrappedKeys {
                        key_version: 1,
                        wrapped: vec![i as u8; 88],
                    },
                )
            })
            .collect(),
        relationships: vec![],
    };
    store.put_directory(&batch).expect("put_directory");
    Fixture {
        org: org.id,
        author: author.id,
        people,
    }
}

fn entry(fx: &Fixture, person: usize, n: u64) -> Write {
    let t = Timestamp::from_second(1_700_000_000 + n as i64).expect("valid time");
    let mut leaf = vec![0u8; 40];
    leaf[..8].copy_from_slice(&n.to_be_bytes());
    Write::Entry(NewEntry {
        meta: EntryMeta {
            id: EntryId::new(),
            kind: EntryKind::CaseNote,
            person: fx.people[person],
            organisation: fx.org,
            author: fx.author,
            author_role: Role::SocialWorker,
            recorded_at: t,
            effective_at: t,
            amends: None,
        },
        key_version: 1,
        payload: vec![n as u8; 30],
        leaf,
    })
}

fn leaf_of(w: &Write) -> &[u8] {
    match w {
        Write::Entry(e) => &e.leaf,
        Write::Audit(a) => &a.leaf,
        Write::Fact(f) => &f.leaf,
        Write::ErasePerson { .. } | Write::Expect { .. } | Write::ExpectFact { .. } => &[],
    }
}

/// Runs every check on fresh stores from `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    batches_get_contiguous_indexes_nodes_and_a_checkpoint(&*make());
    a_failed_batch_writes_nothing(&*make());
    erasure_removes_keys_profile_and_payloads_only(&*make());
    init_twice_is_refused(&*make());
    directory_round_trips(&*make());
    audit_events_are_leaves_and_read_back_by_person(&*make());
    sessions_are_stored_by_token_hash_and_revoked_once(&*make());
    break_glass_windows_and_review_items_round_trip(&*make());
    retention_is_set_and_replaced(&*make());
    the_latest_entry_of_a_kind_is_the_highest_leaf(&*make());
    an_expectation_that_no_longer_holds_fails_the_batch(&*make());
    facts_are_leaves_that_replace_their_rows(&*make());
    import_copies_a_log_and_its_directory_exactly(&*make(), &*make());
}

/// Everything `caretrail migrate` copies: directory (an erased person without keys), leaves,
/// nodes, entries (an erased payload), audit events, checkpoints, sessions, break-glass,
/// review items, retention. The copy reads back equal, serves the same nodes, refuses a batch
/// that does not start at its size, and keeps growing as the source would have.
fn import_copies_a_log_and_its_directory_exactly(source: &dyn Store, target: &dyn Store) {
    let fx = fixture(source);
    let mut tree = MemoryTree::new();
    let mut n = 0;
    for batch_len in [3usize, 1, 6, 2] {
        let batch: Vec<Write> = (0..batch_len)
            .map(|i| {
                let k = n + i as u64;
                if k % 3 == 2 {
                    audit(&fx, Some(i % 3), k, true)
                } else {
                    entry(&fx, i % 3, k)
                }
            })
            .collect();
        source.append(&batch, &PlainSigner).unwrap();
        batch.iter().for_each(|w| tree.push(leaf_hash(leaf_of(w))));
        n += batch_len as u64;
    }
    let at = Timestamp::from_second(1_800_000_000).unwrap();
    source
        .append(
            &[Write::ErasePerson {
                person: fx.people[1],
                at,
            }],
            &PlainSigner,
        )
        .unwrap();
    let session = crate::SessionRow {
        token_hash: [5; 32],
        user: fx.author,
        created_at: at,
        expires_at: at,
        revoked_at: None,
    };
    source.create_session(&session).unwrap();
    source.revoke_session(&[5; 32], at).unwrap();
    let window = crate::BreakGlassRow {
        id: EntryId::new(),
        user: fx.author,
        person: fx.people[0],
        organisation: fx.org,
        reason: Some(vec![4; 20]),
        opened_at: at,
    };
    source.put_break_glass(&window).unwrap();
    let retention = crate::RetentionRow {
        person: fx.people[2],
        retain_until: Some(jiff::civil::date(2040, 1, 1)),
        legal_hold: true,
        set_by: fx.author,
        set_at: at,
    };
    source.set_retention(&retention).unwrap();

    // The directory, with the erased person's row and without their keys.
    target
        .init_log(&source.log_meta().unwrap().unwrap())
        .unwrap();
    let dir = crate::export_directory(source).unwrap();
    assert_eq!(dir.people.iter().filter(|(_, k)| k.is_none()).count(), 1);
    target.import_directory(&dir).unwrap();
    assert_eq!(crate::export_directory(target).unwrap(), dir);
    assert!(matches!(
        target.import_directory(&dir),
        Err(StoreError::Conflict(_))
    ));

    // The log, in batches that end on and off power-of-two sizes.
    let first = crate::export_log(source, 0, 5).unwrap();
    assert_eq!((first.from, first.end()), (0, 5));
    assert_eq!(target.import_log(&first).unwrap(), 5);
    // A batch that does not start at the target's size is refused whole, and so is a repeat.
    let gap = crate::export_log(source, 7, 3).unwrap();
    assert!(matches!(
        target.import_log(&gap),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        target.import_log(&first),
        Err(StoreError::Conflict(_))
    ));
    // A batch short of a node it completes is refused before anything is written.
    let mut rest = crate::export_log(source, 5, 100).unwrap();
    let node = rest.nodes.pop().unwrap();
    assert!(matches!(
        target.import_log(&rest),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(target.tree_size().unwrap(), 5);
    rest.nodes.push(node);
    assert_eq!(rest.end(), n);
    assert_eq!(target.import_log(&rest).unwrap(), n);

    assert_eq!(target.tree_size().unwrap(), n);
    assert_eq!(
        target.leaves_from(0, 100).unwrap(),
        source.leaves_from(0, 100).unwrap()
    );
    for level in 0..5u8 {
        assert_eq!(
            target.nodes_from(level, 0, 100).unwrap(),
            source.nodes_from(level, 0, 100).unwrap(),
            "level {level}"
        );
    }
    assert_eq!(
        target.checkpoints_from(0, 100).unwrap(),
        source.checkpoints_from(0, 100).unwrap()
    );
    assert_eq!(
        target.entries_by_leaf_from(0, 100).unwrap(),
        source.entries_by_leaf_from(0, 100).unwrap()
    );
    assert!(
        target
            .entries_for_person(fx.people[1])
            .unwrap()
            .iter()
            .all(|e| e.payload.is_none()),
        "erased payloads stay erased"
    );
    assert_eq!(
        target.audit_by_leaf_from(0, 100).unwrap(),
        source.audit_by_leaf_from(0, 100).unwrap()
    );
    assert_eq!(
        target.read_nodes(&[NodeId { level: 3, index: 0 }]).unwrap()[0],
        *tree.node(NodeId { level: 3, index: 0 }).unwrap()
    );

    // The side tables, through the exports and the ordinary writes.
    assert_eq!(source.export_sessions().unwrap().len(), 1);
    assert_eq!(
        source.export_sessions().unwrap()[0].revoked_at,
        Some(at),
        "revoked sessions are exported as revoked"
    );
    assert_eq!(source.export_break_glass().unwrap(), vec![window]);
    assert_eq!(source.export_retention().unwrap(), vec![retention]);
    assert!(target.export_sessions().unwrap().is_empty());

    // The copy keeps growing where the source would have.
    let next = entry(&fx, 0, 99);
    tree.push(leaf_hash(leaf_of(&next)));
    let appended = target.append(&[next], &PlainSigner).unwrap();
    assert_eq!(appended.leaf_indexes, vec![n]);
    assert_eq!(appended.root, tree.root());
}

/// `Write::Expect` holds the batch to the person's latest entry of a kind, counting the writes
/// before it in the same batch; a stale expectation fails the whole batch with `Stale`.
fn an_expectation_that_no_longer_holds_fails_the_batch(store: &dyn Store) {
    let fx = fixture(store);
    let person = fx.people[0];
    let expect = |latest| Write::Expect {
        person,
        kind: EntryKind::CaseNote,
        latest,
    };
    let note = |n| {
        let Write::Entry(mut e) = entry(&fx, 0, n) else {
            unreachable!()
        };
        e.meta.kind = EntryKind::CaseNote;
        Write::Entry(e)
    };
    let first = store
        .append(&[expect(None), note(0)], &PlainSigner)
        .unwrap();
    assert_eq!(first.leaf_indexes, vec![0], "Expect appends no leaf");
    // Someone else's view (no case note yet) is stale now; nothing of its batch is written.
    assert!(matches!(
        store.append(&[expect(None), note(1)], &PlainSigner),
        Err(StoreError::Stale)
    ));
    assert_eq!(store.tree_size().unwrap(), 1);
    // Another kind, or another person, does not count.
    let other_kind = Write::Expect {
        person,
        kind: EntryKind::Visit,
        latest: None,
    };
    let other_person = Write::Expect {
        person: fx.people[1],
        kind: EntryKind::CaseNote,
        latest: None,
    };
    store
        .append(&[other_kind, other_person, expect(Some(0))], &PlainSigner)
        .unwrap();
    // A write earlier in the same batch counts.
    assert!(matches!(
        store.append(&[note(2), expect(Some(0))], &PlainSigner),
        Err(StoreError::Stale)
    ));
    assert_eq!(store.tree_size().unwrap(), 1);
    store
        .append(&[note(3), expect(Some(1))], &PlainSigner)
        .unwrap();
    assert_eq!(store.tree_size().unwrap(), 2);
}

/// `latest_entry_of_kind` finds the person's entry of that kind with the highest leaf index,
/// whatever its effective time, and nothing for another person or kind.
fn the_latest_entry_of_a_kind_is_the_highest_leaf(store: &dyn Store) {
    let fx = fixture(store);
    let with_kind = |person: usize, n: u64, kind: EntryKind, effective: i64| {
        let Write::Entry(mut e) = entry(&fx, person, n) else {
            unreachable!()
        };
        e.meta.kind = kind;
        e.meta.effective_at = Timestamp::from_second(effective).expect("valid time");
        e
    };
    let first = with_kind(0, 0, EntryKind::Consent, 1_700_000_900);
    let note = with_kind(0, 1, EntryKind::CaseNote, 1_700_000_001);
    // Recorded later but effective earlier: still the latest consent.
    let second = with_kind(0, 2, EntryKind::Consent, 1_600_000_000);
    let other = with_kind(1, 3, EntryKind::Consent, 1_700_000_003);
    let ids = [first.meta.id, second.meta.id, other.meta.id];
    let batch: Vec<Write> = [first, note, second, other]
        .into_iter()
        .map(Write::Entry)
        .collect();
    store.append(&batch, &PlainSigner).unwrap();
    let latest = |p: usize, k| {
        store
            .latest_entry_of_kind(fx.people[p], k)
            .unwrap()
            .map(|e| e.meta.id)
    };
    assert_eq!(latest(0, EntryKind::Consent), Some(ids[1]));
    assert_eq!(latest(1, EntryKind::Consent), Some(ids[2]));
    assert_eq!(latest(2, EntryKind::Consent), None);
    assert_eq!(latest(0, EntryKind::Visit), None);
    let row = store
        .latest_entry_of_kind(fx.people[0], EntryKind::Consent)
        .unwrap()
        .unwrap();
    assert_eq!(store.entry(ids[1]).unwrap(), Some(row));
}

fn retention_is_set_and_replaced(store: &dyn Store) {
    let fx = fixture(store);
    assert!(store.retention(fx.people[0]).unwrap().is_none());
    let row = crate::RetentionRow {
        person: fx.people[0],
        retain_until: Some(jiff::civil::date(2033, 4, 1)),
        legal_hold: false,
        set_by: fx.author,
        set_at: Timestamp::from_second(1_700_000_000).unwrap(),
    };
    store.set_retention(&row).unwrap();
    assert_eq!(store.retention(fx.people[0]).unwrap(), Some(row.clone()));
    let replaced = crate::RetentionRow {
        retain_until: None,
        legal_hold: true,
        ..row
    };
    store.set_retention(&replaced).unwrap();
    assert_eq!(store.retention(fx.people[0]).unwrap(), Some(replaced));
    assert!(store.retention(fx.people[1]).unwrap().is_none());
}

fn break_glass_windows_and_review_items_round_trip(store: &dyn Store) {
    let fx = fixture(store);
    let t = |s: i64| Timestamp::from_second(1_700_000_000 + s).unwrap();
    let w1 = crate::BreakGlassRow {
        id: EntryId::new(),
        user: fx.author,
        person: fx.people[0],
        organisation: fx.org,
        reason: Some(vec![1, 2, 3]),
        opened_at: t(0),
    };
    let w2 = crate::BreakGlassRow {
        id: EntryId::new(),
        opened_at: t(100),
        ..w1.clone()
    };
    store.put_break_glass(&w1).unwrap();
    store.put_break_glass(&w2).unwrap();
    assert_eq!(
        store.latest_break_glass(fx.author, fx.people[0]).unwrap(),
        Some(w2.clone())
    );
    assert!(
        store
            .latest_break_glass(fx.author, fx.people[1])
            .unwrap()
            .is_none()
    );
    assert_eq!(store.break_glass(w1.id).unwrap(), Some(w1.clone()));
    let item = crate::ReviewItemRow {
        id: EntryId::new(),
        kind: crate::ReviewKind::BreakGlassRead,
        person: fx.people[0],
        subject: fx.author,
        window: Some(w2.id),
        entry: None,
        audit: EntryId::new(),
        created_at: t(101),
        assignee: None,
        assigned_at: None,
        closed_at: None,
        reviewer: None,
        finding: None,
    };
    store.add_review_item(&item).unwrap();
    // A second kind of finding: no window, the entry it is about instead.
    let claimed = crate::ReviewItemRow {
        id: EntryId::new(),
        kind: crate::ReviewKind::SelfClaimedRelationship,
        person: fx.people[1],
        window: None,
        entry: Some(EntryId::new()),
        created_at: t(102),
        ..item.clone()
    };
    store.add_review_item(&claimed).unwrap();
    assert_eq!(
        store.review_items(false).unwrap(),
        vec![item.clone(), claimed.clone()]
    );
    assert!(
        store
            .assign_review_item(claimed.id, fx.author, t(150))
            .unwrap()
    );
    let assigned = store.review_items(false).unwrap().remove(1);
    assert_eq!(
        (assigned.assignee, assigned.assigned_at),
        (Some(fx.author), Some(t(150)))
    );
    assert!(
        store
            .close_review_item(item.id, fx.author, &[9, 9], t(200))
            .unwrap()
    );
    assert!(
        !store
            .close_review_item(item.id, fx.author, &[9], t(201))
            .unwrap(),
        "closed once"
    );
    assert!(
        !store
            .assign_review_item(item.id, fx.author, t(202))
            .unwrap(),
        "a closed item is not assigned"
    );
    assert_eq!(store.review_items(false).unwrap(), vec![assigned]);
    let closed = store.review_items(true).unwrap();
    assert_eq!(closed[0].closed_at, Some(t(200)));
    assert_eq!(closed[0].finding.as_deref(), Some(&[9u8, 9][..]));
    assert_eq!(closed[0].reviewer, Some(fx.author));
}

fn sessions_are_stored_by_token_hash_and_revoked_once(store: &dyn Store) {
    let fx = fixture(store);
    let (user, hash) = store.user_by_username("sw.test").unwrap().unwrap();
    assert_eq!(user.id, fx.author);
    assert_eq!(hash.as_deref(), Some("$argon2id$test"));
    assert!(store.user_by_username("nobody").unwrap().is_none());
    assert_eq!(store.user(fx.author).unwrap(), Some(user.clone()));
    assert!(store.user(UserId::new()).unwrap().is_none());
    let s = crate::SessionRow {
        token_hash: [7; 32],
        user: fx.author,
        created_at: Timestamp::from_second(1_700_000_000).unwrap(),
        expires_at: Timestamp::from_second(1_700_028_800).unwrap(),
        revoked_at: None,
    };
    store.create_session(&s).unwrap();
    assert_eq!(store.session(&[7; 32]).unwrap(), Some(s.clone()));
    assert!(store.session(&[8; 32]).unwrap().is_none());
    assert!(matches!(
        store.create_session(&s),
        Err(StoreError::Conflict(_))
    ));
    let at = Timestamp::from_second(1_700_000_100).unwrap();
    assert!(store.revoke_session(&[7; 32], at).unwrap());
    assert!(!store.revoke_session(&[7; 32], at).unwrap(), "revoked once");
    assert_eq!(
        store.session(&[7; 32]).unwrap().unwrap().revoked_at,
        Some(at)
    );
}

fn audit(fx: &Fixture, person: Option<usize>, n: u64, allowed: bool) -> Write {
    let event = caretrail_core::AuditEvent {
        id: EntryId::new(),
        at: Timestamp::from_second(1_700_000_000 + n as i64).expect("valid time"),
        accessor: fx.author,
        role: Role::SocialWorker,
        organisation: fx.org,
        person: person.map(|p| fx.people[p]),
        action: caretrail_core::AuditAction::ReadRecord,
        purpose: caretrail_core::Purpose::Care,
        allowed,
        break_glass: !allowed,
        reason: "test-reason".into(),
    };
    let mut leaf = vec![2u8; 30];
    leaf[..8].copy_from_slice(&n.to_be_bytes());
    Write::Audit(crate::NewAudit { event, leaf })
}

fn audit_events_are_leaves_and_read_back_by_person(store: &dyn Store) {
    let fx = fixture(store);
    let batch = vec![
        audit(&fx, Some(0), 0, true),
        entry(&fx, 0, 1),
        audit(&fx, Some(1), 2, false),
        audit(&fx, None, 3, true),
        audit(&fx, Some(0), 4, false),
    ];
    let appended = store.append(&batch, &PlainSigner).unwrap();
    assert_eq!(appended.leaf_indexes, vec![0, 1, 2, 3, 4]);
    let mut tree = MemoryTree::new();
    for w in &batch {
        tree.push(leaf_hash(leaf_of(w)));
    }
    assert_eq!(appended.root, tree.root());
    let mine = store.audit_for_person(fx.people[0]).unwrap();
    assert_eq!(
        mine.iter().map(|a| a.leaf_index).collect::<Vec<_>>(),
        vec![0, 4]
    );
    let Write::Audit(first) = &batch[0] else {
        unreachable!()
    };
    assert_eq!(mine[0].event, first.event);
    assert!(!mine[1].event.allowed && mine[1].event.break_glass);
    let all = store.audit_by_leaf_from(1, 10).unwrap();
    assert_eq!(
        all.iter().map(|a| a.leaf_index).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert!(all[1].event.person.is_none());
    assert_eq!(store.entry_count().unwrap(), 1);
}

fn batches_get_contiguous_indexes_nodes_and_a_checkpoint(store: &dyn Store) {
    let fx = fixture(store);
    let mut tree = MemoryTree::new();
    let mut n = 0;
    for batch_len in [1usize, 2, 5, 8, 1, 13] {
        let batch: Vec<Write> = (0..batch_len)
            .map(|i| entry(&fx, i % 3, n + i as u64))
            .collect();
        let appended = store.append(&batch, &PlainSigner).expect("append");
        let want: Vec<u64> = (n..n + batch_len as u64).collect();
        assert_eq!(appended.leaf_indexes, want);
        for w in &batch {
            tree.push(leaf_hash(leaf_of(w)));
        }
        n += batch_len as u64;
        assert_eq!(appended.size, n);
        assert_eq!(appended.root, tree.root());
        assert_eq!(appended.checkpoint, PlainSigner.sign(n, &tree.root()));
    }
    assert_eq!(store.tree_size().unwrap(), n);
    assert_eq!(store.entry_count().unwrap(), n);
    // Every perfect subtree is stored and equals the reference tree.
    for level in 0..6u8 {
        let stored = store.nodes_from(level, 0, 1000).unwrap();
        assert_eq!(stored.len() as u64, n >> level, "level {level}");
        for (idx, h) in stored {
            assert_eq!(
                Some(&h),
                tree.node(NodeId { level, index: idx }),
                "node ({level}, {idx})"
            );
        }
    }
    let ids = [NodeId { level: 0, index: 3 }, NodeId { level: 2, index: 1 }];
    let got = store.read_nodes(&ids).unwrap();
    assert_eq!(got[0], *tree.node(ids[0]).unwrap());
    assert_eq!(got[1], *tree.node(ids[1]).unwrap());
    assert!(store.read_nodes(&[NodeId { level: 9, index: 0 }]).is_err());
    // Paged reads.
    let page = store.leaves_from(10, 4).unwrap();
    assert_eq!(
        page.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![10, 11, 12, 13]
    );
    assert_eq!(store.leaf(10).unwrap().unwrap(), page[0].1);
    assert!(store.leaf(n).unwrap().is_none());
    let cps = store.checkpoints_from(0, 100).unwrap();
    assert_eq!(
        cps.iter().map(|c| c.size).collect::<Vec<_>>(),
        vec![1, 3, 8, 16, 17, 30]
    );
    assert_eq!(store.latest_checkpoint().unwrap().unwrap().size, 30);
    let by_leaf = store.entries_by_leaf_from(28, 10).unwrap();
    assert_eq!(
        by_leaf.iter().map(|e| e.leaf_index).collect::<Vec<_>>(),
        vec![28, 29]
    );
    let mine = store.entries_for_person(fx.people[0]).unwrap();
    assert!(
        mine.windows(2)
            .all(|w| w[0].meta.effective_at <= w[1].meta.effective_at)
    );
    assert!(
        mine.iter()
            .all(|e| e.meta.person == fx.people[0] && e.payload.is_some())
    );
    let one = &mine[0];
    assert_eq!(store.entry(one.meta.id).unwrap().as_ref(), Some(one));
}

fn a_failed_batch_writes_nothing(store: &dyn Store) {
    let fx = fixture(store);
    store.append(&[entry(&fx, 0, 0)], &PlainSigner).unwrap();
    let dup = entry(&fx, 1, 1);
    let err = store
        .append(&[entry(&fx, 1, 2), dup.clone(), dup], &PlainSigner)
        .expect_err("a duplicate entry id must fail the batch");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.tree_size().unwrap(), 1);
    assert_eq!(store.entry_count().unwrap(), 1);
    assert_eq!(store.nodes_from(0, 0, 10).unwrap().len(), 1);
    assert_eq!(store.latest_checkpoint().unwrap().unwrap().size, 1);
    // The log continues where it was.
    let next = store.append(&[entry(&fx, 2, 3)], &PlainSigner).unwrap();
    assert_eq!(next.leaf_indexes, vec![1]);
}

fn erasure_removes_keys_profile_and_payloads_only(store: &dyn Store) {
    let fx = fixture(store);
    let writes: Vec<Write> = (0..9).map(|i| entry(&fx, (i % 3) as usize, i)).collect();
    store.append(&writes, &PlainSigner).unwrap();
    let at = Timestamp::from_second(1_800_000_000).unwrap();
    let victim = fx.people[1];
    let appended = store
        .append(&[Write::ErasePerson { person: victim, at }], &PlainSigner)
        .unwrap();
    assert_eq!(appended.size, 9, "erasure alone appends no leaf");
    assert!(store.person_keys(victim).unwrap().is_none());
    let row = store.person(victim).unwrap().unwrap();
    assert_eq!(row.erased_at, Some(at));
    assert!(row.profile.is_none());
    let entries = store.entries_for_person(victim).unwrap();
    assert_eq!(entries.len(), 3, "metadata stays");
    assert!(entries.iter().all(|e| e.payload.is_none()));
    assert!(
        store
            .entries_for_person(fx.people[0])
            .unwrap()
            .iter()
            .all(|e| e.payload.is_some())
    );
    assert!(store.person_keys(fx.people[0]).unwrap().is_some());
    // No more entries under the destroyed key.
    let err = store
        .append(&[entry(&fx, 1, 99)], &PlainSigner)
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)));
    assert_eq!(store.tree_size().unwrap(), 9);
    store.fold_journal().unwrap();
}

fn init_twice_is_refused(store: &dyn Store) {
    fixture(store);
    let meta = store.log_meta().unwrap().unwrap();
    assert_eq!(meta.origin, "test/log");
    assert!(matches!(
        store.init_log(&meta),
        Err(StoreError::Conflict(_))
    ));
}

fn directory_round_trips(store: &dyn Store) {
    let fx = fixture(store);
    let orgs = store.organisations().unwrap();
    assert_eq!(orgs.len(), 1);
    let users = store.users().unwrap();
    assert_eq!(users[0].id, fx.author);
    assert_eq!(
        store.user_password_hash(fx.author).unwrap().as_deref(),
        Some("$argon2id$test")
    );
    assert_eq!(store.people().unwrap().len(), 3);
    assert_eq!(
        store.person_keys(fx.people[2]).unwrap().unwrap().wrapped,
        vec![2; 88]
    );
    assert!(store.person(PersonId::new()).unwrap().is_none());
    let rel = caretrail_core::CareRelationship {
        id: caretrail_core::RelationshipId::new(),
        practitioner: fx.author,
        person: fx.people[0],
        organisation: fx.org,
        kind: caretrail_core::RelationshipKind::AllocatedWorker,
        from: Timestamp::UNIX_EPOCH,
        to: None,
    };
    store
        .put_directory(&DirectoryBatch {
            relationships: vec![rel.clone()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        store.relationships_for_person(fx.people[0]).unwrap(),
        vec![rel.clone()]
    );
    assert_eq!(
        store.relationships_for_practitioner(fx.author).unwrap(),
        vec![rel]
    );
    // A relationship to an unknown person is refused whole.
    let bad = caretrail_core::CareRelationship {
        id: caretrail_core::RelationshipId::new(),
        practitioner: fx.author,
        person: PersonId::new(),
        organisation: fx.org,
        kind: caretrail_core::RelationshipKind::CareTeam,
        from: Timestamp::UNIX_EPOCH,
        to: None,
    };
    let err = store
        .put_directory(&DirectoryBatch {
            relationships: vec![bad],
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
}

fn fact_write(fact: crate::fact::Fact, subject: [u8; 16], n: u8) -> Write {
    use crate::fact::{FactKey, FactLeaf, NewFact, encode};
    let leaf = encode(&FactLeaf {
        key: FactKey {
            kind: fact.kind(),
            subject,
        },
        person_keyed: false,
        set_by: None,
        at: Timestamp::UNIX_EPOCH,
        commitment: [n; 32],
    });
    Write::Fact(NewFact { fact, leaf })
}

/// A fact write appends its leaf, replaces its row and moves the fact's head; an
/// [`Write::ExpectFact`] on a head that moved fails the batch; a leaf that is not a fact leaf of
/// its kind is refused.
fn facts_are_leaves_that_replace_their_rows(store: &dyn Store) {
    use crate::fact::{Fact, FactKey, FactKind};
    let fx = fixture(store);
    let mut user = store.user(fx.author).unwrap().expect("the author");
    let key = FactKey {
        kind: FactKind::User,
        subject: *user.id.as_bytes(),
    };
    assert_eq!(store.fact_head(&key).unwrap(), None);
    let org = store.organisations().unwrap()[0].clone();
    let rel = caretrail_core::CareRelationship {
        id: caretrail_core::RelationshipId::new(),
        practitioner: user.id,
        person: fx.people[0],
        organisation: fx.org,
        kind: caretrail_core::RelationshipKind::AllocatedWorker,
        from: Timestamp::UNIX_EPOCH,
        to: None,
    };
    let first = store
        .append(
            &[
                fact_write(Fact::Organisation(org.clone()), *org.id.as_bytes(), 1),
                Write::ExpectFact { key, latest: None },
                fact_write(
                    Fact::User {
                        user: user.clone(),
                        password_hash: Some("$argon2id$one".into()),
                    },
                    key.subject,
                    2,
                ),
                fact_write(Fact::Relationship(rel.clone()), *rel.id.as_bytes(), 3),
            ],
            &PlainSigner,
        )
        .expect("a batch of facts");
    assert_eq!(first.leaf_indexes, vec![0, 1, 2]);
    assert_eq!(store.fact_head(&key).unwrap(), Some(1));
    assert_eq!(
        store.user_password_hash(user.id).unwrap().as_deref(),
        Some("$argon2id$one")
    );
    assert_eq!(
        store.relationships_for_person(fx.people[0]).unwrap(),
        vec![rel.clone()]
    );

    user.role = Role::Manager;
    let ended = caretrail_core::CareRelationship {
        to: Some(Timestamp::from_second(60).unwrap()),
        ..rel.clone()
    };
    store
        .append(
            &[
                Write::ExpectFact {
                    key,
                    latest: Some(1),
                },
                fact_write(
                    Fact::User {
                        user: user.clone(),
                        password_hash: None,
                    },
                    key.subject,
                    4,
                ),
                fact_write(Fact::Relationship(ended.clone()), *rel.id.as_bytes(), 5),
            ],
            &PlainSigner,
        )
        .expect("the head is where it was read");
    assert_eq!(store.user(user.id).unwrap().unwrap().role, Role::Manager);
    assert_eq!(store.user_password_hash(user.id).unwrap(), None);
    assert_eq!(
        store.relationships_for_person(fx.people[0]).unwrap(),
        vec![ended]
    );
    assert_eq!(store.fact_head(&key).unwrap(), Some(3));

    let size = store.tree_size().unwrap();
    let stale = store.append(
        &[
            Write::ExpectFact {
                key,
                latest: Some(1),
            },
            fact_write(
                Fact::User {
                    user: User {
                        role: Role::PrivacyOfficer,
                        ..user.clone()
                    },
                    password_hash: None,
                },
                key.subject,
                6,
            ),
        ],
        &PlainSigner,
    );
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    assert_eq!(store.tree_size().unwrap(), size);
    assert_eq!(store.user(user.id).unwrap().unwrap().role, Role::Manager);

    let mut not_a_fact = fact_write(Fact::Organisation(org.clone()), *org.id.as_bytes(), 7);
    if let Write::Fact(f) = &mut not_a_fact {
        f.fact = Fact::User {
            user: user.clone(),
            password_hash: None,
        };
    }
    let refused = store.append(&[not_a_fact], &PlainSigner);
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(store.tree_size().unwrap(), size);
}
