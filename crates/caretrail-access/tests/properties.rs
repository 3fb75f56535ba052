//! Properties over arbitrary facts: `decide` is total and deterministic, a principal with no care
//! relationship (nor a colleague's, for a manager) and no break-glass never reads a record that is
//! not their own, and break-glass marks only reads made through the reader's own open window.

use caretrail_access::{
    Action, BreakGlassGrant, CategorySet, Decision, Facts, Principal, Purpose, decide,
};
use caretrail_core::data::{Consent, ConsentDirective};
use caretrail_core::{
    CareRelationship, EntryKind, OrganisationId, PersonId, RelationshipId, RelationshipKind, Role,
    UserId,
};
use jiff::Timestamp;
use proptest::prelude::*;
use proptest::sample::select;

// Small pools so that generated ids collide often.
fn user(i: u8) -> UserId {
    UserId::from_bytes([i; 16])
}
fn org(i: u8) -> OrganisationId {
    OrganisationId::from_bytes([0x40 | i; 16])
}
fn person(i: u8) -> PersonId {
    PersonId::from_bytes([0x80 | i; 16])
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    let near = 1_767_225_600i64; // 2026-01-01
    prop_oneof![
        8 => near - 10_000..near + 10_000,
        1 => Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
        1 => select(vec![Timestamp::MIN.as_second(), Timestamp::MAX.as_second()]),
    ]
    .prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn categories() -> impl Strategy<Value = CategorySet> {
    any::<u8>().prop_map(|bits| {
        CategorySet::ALL_CATEGORIES
            .into_iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, c)| c)
            .collect()
    })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::ReadRecord),
        Just(Action::ReadFlags),
        (select(EntryKind::ALL.to_vec()), categories())
            .prop_map(|(kind, categories)| Action::WriteEntry { kind, categories }),
        (0u8..3).prop_map(|o| Action::ManageRelationships {
            organisation: org(o)
        }),
        Just(Action::ReadConsent),
        Just(Action::ReplaceConsent),
        Just(Action::SetRetention),
        Just(Action::Erase),
        Just(Action::OpenBreakGlass),
        Just(Action::ReadAccessLog),
        Just(Action::ExportOwnRecord),
    ]
}

fn principal() -> impl Strategy<Value = Principal> {
    (
        0u8..3,
        select(Role::ALL.to_vec()),
        0u8..3,
        proptest::option::of(0u8..3),
        select(Purpose::ALL.to_vec()),
    )
        .prop_map(|(u, role, o, p, purpose)| Principal {
            user: user(u),
            role,
            organisation: org(o),
            person: p.map(person),
            purpose,
        })
}

fn relationship() -> impl Strategy<Value = CareRelationship> {
    (
        0u8..3,
        0u8..3,
        0u8..3,
        timestamp(),
        proptest::option::of(timestamp()),
    )
        .prop_map(|(u, p, o, from, to)| CareRelationship {
            id: RelationshipId::from_bytes([0; 16]),
            practitioner: user(u),
            person: person(p),
            organisation: org(o),
            kind: RelationshipKind::CareTeam,
            from,
            to,
        })
}

fn consent() -> impl Strategy<Value = Consent> {
    (
        any::<bool>(),
        proptest::option::of(0u8..3),
        proptest::option::of(select(CategorySet::ALL_CATEGORIES.to_vec())),
    )
        .prop_map(|(deny, o, category)| Consent {
            directive: if deny {
                ConsentDirective::Deny
            } else {
                ConsentDirective::Permit
            },
            organisation: o.map(org),
            category,
            note: None,
        })
}

fn window() -> impl Strategy<Value = BreakGlassGrant> {
    (0u8..3, 0u8..3, 0u8..3, timestamp()).prop_map(|(u, o, p, at)| {
        BreakGlassGrant::restore(user(u), org(o), person(p), "reason", at).unwrap()
    })
}

#[derive(Debug, Clone)]
struct World {
    person: PersonId,
    now: Timestamp,
    relationships: Vec<CareRelationship>,
    consents: Vec<Consent>,
    window: Option<BreakGlassGrant>,
    erased: bool,
}

fn world() -> impl Strategy<Value = World> {
    (
        0u8..3,
        timestamp(),
        proptest::collection::vec(relationship(), 0..6),
        proptest::collection::vec(consent(), 0..6),
        proptest::option::of(window()),
        any::<bool>(),
    )
        .prop_map(|(p, now, relationships, consents, window, erased)| World {
            person: person(p),
            now,
            relationships,
            consents,
            window,
            erased,
        })
}

impl World {
    fn facts(&self) -> Facts<'_> {
        Facts {
            person: self.person,
            now: self.now,
            relationships: &self.relationships,
            consents: &self.consents,
            break_glass: self.window.as_ref(),
            erased: self.erased,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn decide_is_total_and_deterministic(p in principal(), a in action(), w in world()) {
        let first = decide(&p, &a, &w.facts());
        let second = decide(&p, &a, &w.facts());
        prop_assert_eq!(&first, &second);
        prop_assert!(caretrail_core::audit::is_reason_code(first.code()));
        if let Decision::Allow(g) = &first {
            prop_assert_eq!(g.person(), Some(w.person));
            prop_assert_eq!(g.action(), Some(a));
            prop_assert_eq!(g.user(), p.user);
            prop_assert_eq!(g.purpose(), p.purpose);
            prop_assert_eq!(g.person_erased(), w.erased);
        }
    }

    #[test]
    fn without_a_relationship_or_break_glass_nobody_reads_a_record_not_their_own(
        p in principal(),
        read in select(vec![Action::ReadRecord, Action::ReadFlags, Action::ReadConsent]),
        mut w in world(),
    ) {
        // Keep only relationships that neither the principal nor their organisation holds.
        w.relationships.retain(|r| r.practitioner != p.user && r.organisation != p.organisation);
        w.window = None;
        let d = decide(&p, &read, &w.facts());
        let own = p.role == Role::Citizen && p.person == Some(w.person);
        // The operator (the server's command line) reads anyone's record, audited: the one
        // role that needs no relationship, and never over HTTP.
        let operator = p.role == Role::Operator;
        prop_assert!(!d.is_allowed() || own || operator, "{} {} allowed: {}", p.role, read, d.code());
    }

    #[test]
    fn break_glass_marks_only_reads_through_the_readers_own_open_window(
        p in principal(),
        a in action(),
        w in world(),
    ) {
        let d = decide(&p, &a, &w.facts());
        if d.break_glass() {
            let g = w.window.as_ref().unwrap();
            prop_assert!(a.is_break_glass_read());
            prop_assert!(g.is_for(&p, w.person) && g.is_open_at(w.now));
            prop_assert!(d.grant().unwrap().hidden_categories().is_empty());
        }
    }

    #[test]
    fn a_write_never_lands_in_a_category_withheld_from_the_writers_organisation(
        p in principal(),
        kind in select(EntryKind::ALL.to_vec()),
        categories in categories(),
        w in world(),
    ) {
        let write = Action::WriteEntry { kind, categories };
        let d = decide(&p, &write, &w.facts());
        let view = caretrail_access::consent_for(p.organisation, &w.consents);
        let consent_binds = matches!(
            p.role,
            Role::CareWorker | Role::Nurse | Role::SocialWorker | Role::Gp | Role::Manager
        );
        if d.is_allowed() && consent_binds {
            prop_assert!(!view.organisation_blocked);
            prop_assert!(!categories.intersects(view.hidden));
        }
    }

    #[test]
    fn an_audit_purpose_never_reads_record_content(
        p in principal(),
        read in select(vec![Action::ReadRecord, Action::ReadFlags, Action::ExportOwnRecord]),
        w in world(),
    ) {
        let p = Principal { purpose: Purpose::Audit, ..p };
        prop_assert!(!decide(&p, &read, &w.facts()).is_allowed());
    }
}
