//! Shared by the PostgreSQL tests: where the test server is, a fresh schema per store, and a
//! small directory to write entries against.

#![allow(dead_code)] // each test binary uses part of this module

use std::io::Write as _;

use caretrail_core::{
    EntryId, EntryKind, EntryMeta, Organisation, OrganisationId, OrganisationKind, PersonId, Role,
    User, UserId,
};
use caretrail_store::{DirectoryBatch, LogMeta, NewEntry, PersonRow, Store, WrappedKeys, Write};
use jiff::Timestamp;

/// The test server's URL from `CARETRAIL_TEST_POSTGRES_URL`. Without it the tests are skipped
/// with a visible message, except in CI (`CI=true`), where a silent skip would hide that the
/// backend was never tested: there it fails.
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
                "skipping PostgreSQL tests: CARETRAIL_TEST_POSTGRES_URL is not set"
            );
            None
        }
    }
}

/// A schema of its own (`ct_test_<random>`), dropped with everything in it when this value is.
#[derive(Debug)]
pub struct TestSchema {
    pub url: String,
    pub name: String,
}

impl TestSchema {
    pub fn new(url: &str) -> Self {
        TestSchema {
            url: url.to_owned(),
            name: format!("ct_test_{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// A direct connection, outside the store (to inspect or tamper with its tables).
    pub fn client(&self) -> postgres::Client {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("SET search_path TO \"{}\"", self.name))
            .expect("set search_path");
        c
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// The directory the tests write against: one organisation, one author, people with keys.
#[derive(Debug, Clone)]
pub struct Directory {
    pub org: OrganisationId,
    pub author: UserId,
    pub people: Vec<PersonId>,
}

pub fn init(store: &dyn Store, people: usize) -> Directory {
    store
        .init_log(&LogMeta {
            origin: "test/postgres".into(),
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
    let ids: Vec<PersonId> = (0..people).map(|_| PersonId::new()).collect();
    store
        .put_directory(&DirectoryBatch {
            organisations: vec![org.clone()],
            users: vec![(author.clone(), None)],
            people: ids
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        PersonRow {
                            id: *p,
                            pseudonym: [i as u8 + 1; 16],
                            created_at: Timestamp::UNIX_EPOCH,
                            erased_at: None,
                            profile: Some(vec![9; 20]),
                        },
                        WrappedKeys {
                            key_version: 1,
                            wrapped: vec![i as u8; 40],
                        },
                    )
                })
                .collect(),
            relationships: vec![],
        })
        .expect("put_directory");
    Directory {
        org: org.id,
        author: author.id,
        people: ids,
    }
}

/// An entry whose leaf bytes are `leaf`.
pub fn entry(dir: &Directory, person: usize, leaf: Vec<u8>) -> Write {
    let t = Timestamp::from_second(1_700_000_000).expect("valid time");
    Write::Entry(NewEntry {
        meta: EntryMeta {
            id: EntryId::new(),
            kind: EntryKind::CaseNote,
            person: dir.people[person],
            organisation: dir.org,
            author: dir.author,
            author_role: Role::SocialWorker,
            recorded_at: t,
            effective_at: t,
            amends: None,
        },
        key_version: 1,
        payload: vec![7; 24],
        leaf,
    })
}
