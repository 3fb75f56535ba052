//! Fact leaves: the directory facts that decide access, committed to the log.
//!
//! Who may do what is decided by rows outside the entries: accounts and their roles,
//! organisations, people, care relationships, retention and legal holds, break-glass windows and
//! review items. Each change to one of those rows is written in the same transaction as a
//! **fact leaf** (kind 3) that commits to the row's new state, so the tables are a fold of the
//! log: for every fact, the row as stored must be what the latest leaf of that fact commits to.
//! `caretrail verify` rebuilds that fold and fails on any difference.
//!
//! A fact about a person (their profile, a relationship, a retention row, a break-glass window,
//! a review item, a citizen's account) is committed under the person's commitment secret while
//! their keys exist, so erasure makes it unconfirmable, like their entries. A fact about no
//! person (an organisation, a staff account), and a fact written at or after a person's erasure,
//! is committed under the log's system secret. The commitment is always keyed, so a guessable
//! row cannot be confirmed from the log.
//!
//! Leaf layout, version 1 (76 bytes, integers big-endian):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | format version (1) |
//! | 1 | 1 | leaf kind (3 = fact) |
//! | 2 | 1 | fact kind code ([`FactKind`]) |
//! | 3 | 16 | subject: the row's id; the person's pseudonym for a person row and a retention row |
//! | 19 | 1 | 1 if committed under the person's secret, 0 under the system secret |
//! | 20 | 16 | user id of whoever set it (zeros: the operator, at `seed` or an upgrade) |
//! | 36 | 8 | time it was set, µs since the epoch |
//! | 44 | 32 | commitment: HMAC-SHA-256(secret, key version ‖ [`Fact::canonical`]) |

use caretrail_core::{CareRelationship, Organisation, PersonId, User, UserId};
use jiff::Timestamp;

use crate::leaf::FORMAT_VERSION;
use crate::{BreakGlassRow, PersonRow, RetentionRow, ReviewItemRow, WrappedKeys};

pub const KIND_FACT: u8 = 3;
pub const LEN: usize = 76;

/// What a fact is about: one table of the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    Organisation,
    User,
    Person,
    Relationship,
    Retention,
    BreakGlass,
    Review,
}

impl FactKind {
    pub const ALL: [FactKind; 7] = [
        FactKind::Organisation,
        FactKind::User,
        FactKind::Person,
        FactKind::Relationship,
        FactKind::Retention,
        FactKind::BreakGlass,
        FactKind::Review,
    ];

    pub fn code(self) -> u8 {
        match self {
            FactKind::Organisation => 1,
            FactKind::User => 2,
            FactKind::Person => 3,
            FactKind::Relationship => 4,
            FactKind::Retention => 5,
            FactKind::BreakGlass => 6,
            FactKind::Review => 7,
        }
    }

    pub fn from_code(code: u8) -> Option<FactKind> {
        FactKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name `verify` reports a difference under.
    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Organisation => "organisation",
            FactKind::User => "account",
            FactKind::Person => "person",
            FactKind::Relationship => "care relationship",
            FactKind::Retention => "retention and legal hold",
            FactKind::BreakGlass => "break-glass window",
            FactKind::Review => "review item",
        }
    }
}

/// Which fact: its kind and its subject (see the layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactKey {
    pub kind: FactKind,
    pub subject: [u8; 16],
}

/// A row's new state, as a write of a batch applies it: each replaces the whole row (inserting
/// it if new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    Organisation(Organisation),
    User {
        user: User,
        password_hash: Option<String>,
    },
    /// A person's row; `keys` are stored with a new person (and never replaced).
    Person {
        row: PersonRow,
        keys: Option<WrappedKeys>,
    },
    Relationship(CareRelationship),
    Retention(RetentionRow),
    BreakGlass(BreakGlassRow),
    Review(ReviewItemRow),
}

/// A fact for [`crate::Store::append`], with its leaf bytes (from [`encode`]).
#[derive(Debug, Clone)]
pub struct NewFact {
    pub fact: Fact,
    pub leaf: Vec<u8>,
}

impl Fact {
    pub fn kind(&self) -> FactKind {
        match self {
            Fact::Organisation(_) => FactKind::Organisation,
            Fact::User { .. } => FactKind::User,
            Fact::Person { .. } => FactKind::Person,
            Fact::Relationship(_) => FactKind::Relationship,
            Fact::Retention(_) => FactKind::Retention,
            Fact::BreakGlass(_) => FactKind::BreakGlass,
            Fact::Review(_) => FactKind::Review,
        }
    }

    /// The person the fact is about, if any.
    pub fn person(&self) -> Option<PersonId> {
        match self {
            Fact::Organisation(_) => None,
            Fact::User { user, .. } => user.person,
            Fact::Person { row, .. } => Some(row.id),
            Fact::Relationship(r) => Some(r.person),
            Fact::Retention(r) => Some(r.person),
            Fact::BreakGlass(w) => Some(w.person),
            Fact::Review(i) => Some(i.person),
        }
    }

    /// The subject id that goes in the leaf: `pseudonym` (the person's) for the rows keyed by
    /// person, the row's own id otherwise.
    pub fn subject(&self, pseudonym: Option<&[u8; 16]>) -> [u8; 16] {
        let by_person = || *pseudonym.expect("a person row's fact needs the person's pseudonym");
        match self {
            Fact::Organisation(o) => *o.id.as_bytes(),
            Fact::User { user, .. } => *user.id.as_bytes(),
            Fact::Person { .. } | Fact::Retention(_) => by_person(),
            Fact::Relationship(r) => *r.id.as_bytes(),
            Fact::BreakGlass(w) => *w.id.as_bytes(),
            Fact::Review(i) => *i.id.as_bytes(),
        }
    }

    /// The bytes the leaf commits to: every column of the row, each length-prefixed, after a
    /// label and the kind. Wrapped keys are not part of a person's fact (they are sealed by the
    /// key-encryption key, which the database never holds).
    pub fn canonical(&self) -> Vec<u8> {
        let mut c = Canon::new(self.kind());
        match self {
            Fact::Organisation(o) => {
                c.bytes(o.id.as_bytes());
                c.str(&o.name);
                c.str(o.kind.as_str());
            }
            Fact::User {
                user,
                password_hash,
            } => {
                c.bytes(user.id.as_bytes());
                c.str(&user.username);
                c.str(&user.display_name);
                c.str(user.role.as_str());
                c.bytes(user.organisation.as_bytes());
                c.opt(user.person.as_ref().map(|p| p.as_bytes().as_slice()));
                c.opt(password_hash.as_deref().map(str::as_bytes));
            }
            Fact::Person { row, .. } => {
                c.bytes(row.id.as_bytes());
                c.bytes(&row.pseudonym);
                c.time(row.created_at);
                c.opt_time(row.erased_at);
                c.opt(row.profile.as_deref());
            }
            Fact::Relationship(r) => {
                c.bytes(r.id.as_bytes());
                c.bytes(r.practitioner.as_bytes());
                c.bytes(r.person.as_bytes());
                c.bytes(r.organisation.as_bytes());
                c.str(r.kind.as_str());
                c.time(r.from);
                c.opt_time(r.to);
            }
            Fact::Retention(r) => {
                c.bytes(r.person.as_bytes());
                c.opt(
                    r.retain_until
                        .map(|d| d.to_string())
                        .as_deref()
                        .map(str::as_bytes),
                );
                c.bytes(&[u8::from(r.legal_hold)]);
                c.bytes(r.set_by.as_bytes());
                c.time(r.set_at);
            }
            Fact::BreakGlass(w) => {
                c.bytes(w.id.as_bytes());
                c.bytes(w.user.as_bytes());
                c.bytes(w.person.as_bytes());
                c.bytes(w.organisation.as_bytes());
                c.opt(w.reason.as_deref());
                c.time(w.opened_at);
            }
            Fact::Review(i) => {
                c.bytes(i.id.as_bytes());
                c.str(i.kind.as_str());
                c.bytes(i.person.as_bytes());
                c.bytes(i.subject.as_bytes());
                c.opt(i.window.as_ref().map(|w| w.as_bytes().as_slice()));
                c.opt(i.entry.as_ref().map(|e| e.as_bytes().as_slice()));
                c.bytes(i.audit.as_bytes());
                c.time(i.created_at);
                c.opt(i.assignee.as_ref().map(|u| u.as_bytes().as_slice()));
                c.opt_time(i.assigned_at);
                c.opt_time(i.closed_at);
                c.opt(i.reviewer.as_ref().map(|u| u.as_bytes().as_slice()));
                c.opt(i.finding.as_deref());
            }
        }
        c.0
    }
}

/// A length-prefixed encoding: no two different rows give the same bytes.
struct Canon(Vec<u8>);

impl Canon {
    fn new(kind: FactKind) -> Canon {
        let mut c = Canon(Vec::with_capacity(256));
        c.bytes(b"caretrail/fact/v1");
        c.bytes(&[kind.code()]);
        c
    }

    fn bytes(&mut self, b: &[u8]) {
        self.0
            .extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_be_bytes());
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// An absent value is a zero byte; a present one is a one byte and the value.
    fn opt(&mut self, b: Option<&[u8]>) {
        match b {
            None => self.0.push(0),
            Some(b) => {
                self.0.push(1);
                self.bytes(b);
            }
        }
    }

    fn time(&mut self, t: Timestamp) {
        self.bytes(&t.as_microsecond().to_be_bytes());
    }

    fn opt_time(&mut self, t: Option<Timestamp>) {
        self.opt(
            t.map(|t| t.as_microsecond().to_be_bytes())
                .as_ref()
                .map(|b| b.as_slice()),
        );
    }
}

/// A fact leaf, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactLeaf {
    pub key: FactKey,
    /// Committed under the person's secret (else the system's).
    pub person_keyed: bool,
    /// Who set it (`None`: the operator).
    pub set_by: Option<UserId>,
    pub at: Timestamp,
    pub commitment: [u8; 32],
}

/// Encodes a fact leaf.
pub fn encode(f: &FactLeaf) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEN);
    out.push(FORMAT_VERSION);
    out.push(KIND_FACT);
    out.push(f.key.kind.code());
    out.extend_from_slice(&f.key.subject);
    out.push(u8::from(f.person_keyed));
    out.extend_from_slice(f.set_by.as_ref().map_or(&[0; 16], |u| u.as_bytes()));
    out.extend_from_slice(&f.at.as_microsecond().to_be_bytes());
    out.extend_from_slice(&f.commitment);
    debug_assert_eq!(out.len(), LEN);
    out
}

/// Decodes a fact leaf; `None` if `leaf` is not one.
pub fn decode(leaf: &[u8]) -> Option<FactLeaf> {
    if leaf.len() != LEN || leaf[0] != FORMAT_VERSION || leaf[1] != KIND_FACT {
        return None;
    }
    let kind = FactKind::from_code(leaf[2])?;
    let subject: [u8; 16] = leaf[3..19].try_into().ok()?;
    let person_keyed = match leaf[19] {
        0 => false,
        1 => true,
        _ => return None,
    };
    let set_by: [u8; 16] = leaf[20..36].try_into().ok()?;
    let at = i64::from_be_bytes(leaf[36..44].try_into().ok()?);
    Some(FactLeaf {
        key: FactKey { kind, subject },
        person_keyed,
        set_by: (set_by != [0; 16]).then(|| UserId::from_bytes(set_by)),
        at: Timestamp::from_microsecond(at).ok()?,
        commitment: leaf[44..76].try_into().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_core::{OrganisationId, OrganisationKind, Role};

    fn user(role: Role) -> Fact {
        Fact::User {
            user: User {
                id: UserId::from_bytes([4; 16]),
                username: "worker".into(),
                display_name: "A Worker".into(),
                role,
                organisation: OrganisationId::from_bytes([3; 16]),
                person: None,
            },
            password_hash: Some("$argon2id$x".into()),
        }
    }

    #[test]
    fn a_fact_leaf_round_trips_and_holds_no_row_content() {
        let f = FactLeaf {
            key: FactKey {
                kind: FactKind::User,
                subject: [4; 16],
            },
            person_keyed: false,
            set_by: Some(UserId::from_bytes([5; 16])),
            at: Timestamp::from_second(1_700_000_000).unwrap(),
            commitment: [7; 32],
        };
        let leaf = encode(&f);
        assert_eq!(leaf.len(), LEN);
        assert_eq!(crate::leaf::kind(&leaf), Some(KIND_FACT));
        assert_eq!(decode(&leaf), Some(f));
        assert!(!leaf.windows(6).any(|w| w == b"worker"));
        let operator = FactLeaf { set_by: None, ..f };
        assert_eq!(decode(&encode(&operator)), Some(operator));
        let mut bad = leaf.clone();
        bad[19] = 2;
        assert_eq!(decode(&bad), None);
        bad = leaf;
        bad[2] = 99;
        assert_eq!(decode(&bad), None);
    }

    #[test]
    fn every_column_changes_the_canonical_bytes() {
        assert_ne!(
            user(Role::CareWorker).canonical(),
            user(Role::PrivacyOfficer).canonical()
        );
        let Fact::User {
            user: u,
            password_hash,
        } = user(Role::CareWorker)
        else {
            unreachable!()
        };
        let other_hash = Fact::User {
            user: u.clone(),
            password_hash: Some("$argon2id$y".into()),
        };
        let no_hash = Fact::User {
            user: u.clone(),
            password_hash: None,
        };
        let base = Fact::User {
            user: u,
            password_hash,
        }
        .canonical();
        assert_ne!(base, other_hash.canonical());
        assert_ne!(base, no_hash.canonical());
        let org = Fact::Organisation(Organisation {
            id: OrganisationId::from_bytes([3; 16]),
            name: "ab".into(),
            kind: OrganisationKind::Council,
        });
        let shifted = Fact::Organisation(Organisation {
            id: OrganisationId::from_bytes([3; 16]),
            name: "a".into(),
            kind: OrganisationKind::Council,
        });
        assert_ne!(org.canonical(), shifted.canonical());
        assert_eq!(org.canonical(), org.clone().canonical());
    }
}
