//! Focused rules, each test named for what it proves: a manager's reach, a citizen's own record,
//! break-glass (reason, the one-hour edge, whose window counts), consent ordering, the consent
//! category table and review queues.

use caretrail_access::{
    Action, BreakGlassGrant, CategorySet, Decision, Denial, Facts, MAX_BREAK_GLASS_REASON_CHARS,
    Principal, Purpose, Review, categories_of, decide, decide_review, open_break_glass,
};
use caretrail_core::data::{Consent, ConsentCategory, ConsentDirective};
use caretrail_core::{
    CareRelationship, Code, Entry, EntryData, EntryId, EntryKind, OrganisationId, PersonId,
    RelationshipId, RelationshipKind, Role, UserId, codes,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

fn principal(role: Role, organisation: OrganisationId) -> Principal {
    Principal {
        user: UserId::new(),
        role,
        organisation,
        person: None,
        purpose: Purpose::Care,
    }
}

fn relationship(
    practitioner: UserId,
    organisation: OrganisationId,
    person: PersonId,
) -> CareRelationship {
    CareRelationship {
        id: RelationshipId::new(),
        practitioner,
        person,
        organisation,
        kind: RelationshipKind::CareTeam,
        from: "2025-01-01T00:00:00Z".parse().unwrap(),
        to: None,
    }
}

fn facts<'a>(
    person: PersonId,
    relationships: &'a [CareRelationship],
    consents: &'a [Consent],
    break_glass: Option<&'a BreakGlassGrant>,
) -> Facts<'a> {
    Facts {
        person,
        now: now(),
        relationships,
        consents,
        break_glass,
        erased: false,
    }
}

fn directive(
    directive: ConsentDirective,
    organisation: OrganisationId,
    category: Option<ConsentCategory>,
) -> Consent {
    Consent {
        directive,
        organisation: Some(organisation),
        category,
        note: None,
    }
}

fn code(d: &Decision) -> &'static str {
    d.code()
}

// ---- Manager reach ------------------------------------------------------------------------

#[test]
fn manager_reaches_their_organisations_caseload_but_not_another_organisations_people() {
    let (council, provider) = (OrganisationId::new(), OrganisationId::new());
    let manager = principal(Role::Manager, council);
    let (ours, theirs) = (PersonId::new(), PersonId::new());
    let rels = [
        relationship(UserId::new(), council, ours),
        relationship(UserId::new(), provider, theirs),
    ];
    let read = |person| {
        decide(
            &manager,
            &Action::ReadRecord,
            &facts(person, &rels, &[], None),
        )
    };
    assert_eq!(code(&read(ours)), "organisation-caseload");
    assert_eq!(read(theirs).denial(), Some(Denial::NotInCaseload));

    let plan = Action::write(EntryKind::CarePlan, &[]);
    assert!(decide(&manager, &plan, &facts(ours, &rels, &[], None)).is_allowed());
    assert!(!decide(&manager, &plan, &facts(theirs, &rels, &[], None)).is_allowed());
}

#[test]
fn a_caseload_counts_active_relationships_only() {
    let org = OrganisationId::new();
    let manager = principal(Role::Manager, org);
    let person = PersonId::new();
    let mut ended = relationship(UserId::new(), org, person);
    ended.to = Some("2026-03-01T12:00:00Z".parse().unwrap()); // ends exactly now: inactive
    let mut future = relationship(UserId::new(), org, person);
    future.from = "2026-03-01T12:00:01Z".parse().unwrap();
    let rels = [ended, future];
    let d = decide(
        &manager,
        &Action::ReadRecord,
        &facts(person, &rels, &[], None),
    );
    assert_eq!(d.denial(), Some(Denial::NotInCaseload));
}

#[test]
fn manager_manages_relationships_only_through_their_own_organisation() {
    let (org, other) = (OrganisationId::new(), OrganisationId::new());
    let manager = principal(Role::Manager, org);
    let f = facts(PersonId::new(), &[], &[], None);
    let here = Action::ManageRelationships { organisation: org };
    let there = Action::ManageRelationships {
        organisation: other,
    };
    assert_eq!(code(&decide(&manager, &here, &f)), "own-organisation");
    assert_eq!(
        decide(&manager, &there, &f).denial(),
        Some(Denial::OutsideOrganisation)
    );
    let social_worker = principal(Role::SocialWorker, org);
    assert_eq!(
        decide(&social_worker, &here, &f).denial(),
        Some(Denial::RoleNotPermitted)
    );
}

// ---- Practitioners ------------------------------------------------------------------------

#[test]
fn relationships_of_another_person_in_the_facts_are_ignored() {
    let org = OrganisationId::new();
    let nurse = principal(Role::Nurse, org);
    let (person, someone_else) = (PersonId::new(), PersonId::new());
    let rels = [relationship(nurse.user, org, someone_else)];
    let d = decide(
        &nurse,
        &Action::ReadRecord,
        &facts(person, &rels, &[], None),
    );
    assert_eq!(d.denial(), Some(Denial::NoCareRelationship));
}

#[test]
fn a_practitioners_own_person_field_grants_nothing() {
    let org = OrganisationId::new();
    let person = PersonId::new();
    let nurse = Principal {
        person: Some(person),
        ..principal(Role::Nurse, org)
    };
    let d = decide(&nurse, &Action::ReadRecord, &facts(person, &[], &[], None));
    assert_eq!(d.denial(), Some(Denial::NoCareRelationship));
}

#[test]
fn audit_purpose_never_reaches_record_content() {
    let org = OrganisationId::new();
    let person = PersonId::new();
    for role in Role::ALL {
        let p = Principal {
            purpose: Purpose::Audit,
            person: Some(person),
            ..principal(role, org)
        };
        let rels = [relationship(p.user, org, person)];
        for action in [
            Action::ReadRecord,
            Action::ReadFlags,
            Action::ExportOwnRecord,
        ] {
            let d = decide(&p, &action, &facts(person, &rels, &[], None));
            assert!(!d.is_allowed(), "{role} {action}");
        }
    }
}

#[test]
fn safeguarding_purpose_is_for_social_workers_and_managers_only() {
    let org = OrganisationId::new();
    let person = PersonId::new();
    for role in Role::ALL {
        let p = Principal {
            purpose: Purpose::Safeguarding,
            ..principal(role, org)
        };
        let rels = [relationship(p.user, org, person)];
        let d = decide(&p, &Action::ReadRecord, &facts(person, &rels, &[], None));
        let may = matches!(role, Role::SocialWorker | Role::Manager);
        assert_eq!(d.is_allowed(), may, "{role}: {}", d.code());
    }
}

// ---- Citizen ------------------------------------------------------------------------------

#[test]
fn citizen_reads_their_own_record_but_not_someone_elses() {
    let me = PersonId::new();
    let citizen = Principal {
        person: Some(me),
        ..principal(Role::Citizen, OrganisationId::new())
    };
    for action in [
        Action::ReadRecord,
        Action::ReadAccessLog,
        Action::ExportOwnRecord,
        Action::ReplaceConsent,
    ] {
        assert_eq!(
            code(&decide(&citizen, &action, &facts(me, &[], &[], None))),
            "own-record",
            "{action}"
        );
        let other = decide(&citizen, &action, &facts(PersonId::new(), &[], &[], None));
        assert_eq!(other.denial(), Some(Denial::NotOwnRecord), "{action}");
    }
}

#[test]
fn citizen_consent_directives_do_not_block_the_citizen() {
    let me = PersonId::new();
    let org = OrganisationId::new();
    let citizen = Principal {
        person: Some(me),
        ..principal(Role::Citizen, org)
    };
    let consents = [directive(ConsentDirective::Deny, org, None)];
    let d = decide(
        &citizen,
        &Action::ReadRecord,
        &facts(me, &[], &consents, None),
    );
    assert!(d.is_allowed());
    assert!(d.grant().unwrap().hidden_categories().is_empty());
}

#[test]
fn citizen_may_read_but_not_change_an_erased_record() {
    let me = PersonId::new();
    let citizen = Principal {
        person: Some(me),
        ..principal(Role::Citizen, OrganisationId::new())
    };
    let erased = Facts {
        erased: true,
        ..facts(me, &[], &[], None)
    };
    let read = decide(&citizen, &Action::ReadRecord, &erased);
    assert!(read.grant().unwrap().person_erased());
    assert_eq!(
        decide(&citizen, &Action::ReplaceConsent, &erased).denial(),
        Some(Denial::PersonErased)
    );
}

#[test]
fn citizen_auditor_and_system_cannot_open_break_glass() {
    let person = PersonId::new();
    for role in [Role::Citizen, Role::Auditor, Role::System] {
        let p = Principal {
            person: Some(person),
            ..principal(role, OrganisationId::new())
        };
        for purpose in Purpose::ALL {
            let p = Principal {
                purpose,
                ..p.clone()
            };
            assert_eq!(
                open_break_glass(&p, person, "emergency admission", now()).unwrap_err(),
                Denial::RoleNotPermitted,
                "{role} {purpose}"
            );
        }
    }
}

// ---- Break-glass --------------------------------------------------------------------------

#[test]
fn break_glass_refuses_a_blank_or_overlong_reason() {
    let nurse = principal(Role::Nurse, OrganisationId::new());
    let person = PersonId::new();
    for blank in ["", "   ", "\n\t"] {
        assert_eq!(
            open_break_glass(&nurse, person, blank, now()).unwrap_err(),
            Denial::MissingReason
        );
    }
    let long = "x".repeat(MAX_BREAK_GLASS_REASON_CHARS + 1);
    let err = open_break_glass(&nurse, person, &long, now()).unwrap_err();
    assert_eq!(err, Denial::ReasonTooLong);
    assert_eq!(err.input_field(), Some("/reason"));
    assert_eq!(Denial::MissingReason.input_field(), Some("/reason"));
}

#[test]
fn break_glass_refuses_the_audit_purpose() {
    let po = Principal {
        purpose: Purpose::Audit,
        ..principal(Role::PrivacyOfficer, OrganisationId::new())
    };
    assert_eq!(
        open_break_glass(&po, PersonId::new(), "complaint", now()).unwrap_err(),
        Denial::PurposeNotPermitted
    );
}

#[test]
fn open_break_glass_agrees_with_the_decision_table_for_every_role_and_purpose() {
    let person = PersonId::new();
    for role in Role::ALL {
        for purpose in Purpose::ALL {
            let p = Principal {
                purpose,
                ..principal(role, OrganisationId::new())
            };
            let table = decide(&p, &Action::OpenBreakGlass, &facts(person, &[], &[], None));
            let opened = open_break_glass(&p, person, "found unresponsive", now());
            assert_eq!(
                table.denial(),
                opened.as_ref().err().copied(),
                "{role} {purpose}"
            );
            if let Ok(g) = opened {
                assert_eq!(code(&table), "emergency-access");
                assert_eq!(
                    (g.user(), g.organisation(), g.person(), g.opened_at()),
                    (p.user, p.organisation, person, now())
                );
                assert_eq!(g.reason(), "found unresponsive");
            }
        }
    }
}

#[test]
fn break_glass_lasts_exactly_one_hour() {
    let nurse = principal(Role::Nurse, OrganisationId::new());
    let person = PersonId::new();
    let opened = now();
    let grant = open_break_glass(&nurse, person, "collapsed", opened).unwrap();
    let read_at = |offset: SignedDuration| {
        let f = Facts {
            now: opened + offset,
            ..facts(person, &[], &[], Some(&grant))
        };
        decide(&nurse, &Action::ReadRecord, &f)
    };
    let at_open = read_at(SignedDuration::ZERO);
    assert!(at_open.break_glass());
    let last_second = read_at(SignedDuration::from_secs(59 * 60 + 59));
    assert!(last_second.is_allowed() && last_second.break_glass());
    let at_hour = read_at(SignedDuration::from_secs(60 * 60));
    assert_eq!(at_hour.denial(), Some(Denial::BreakGlassExpired));
    assert!(!at_hour.break_glass());
    assert_eq!(grant.expires_at(), opened + SignedDuration::from_hours(1));
    // Before the window opened it does not count at all.
    let before = read_at(SignedDuration::from_secs(-1));
    assert_eq!(before.denial(), Some(Denial::NoCareRelationship));
}

#[test]
fn another_users_break_glass_window_does_not_count() {
    let org = OrganisationId::new();
    let (nurse, colleague) = (principal(Role::Nurse, org), principal(Role::Nurse, org));
    let person = PersonId::new();
    let theirs = open_break_glass(&colleague, person, "collapsed", now()).unwrap();
    let d = decide(
        &nurse,
        &Action::ReadRecord,
        &facts(person, &[], &[], Some(&theirs)),
    );
    assert_eq!(d.denial(), Some(Denial::NoCareRelationship));
}

#[test]
fn a_break_glass_window_on_another_person_does_not_count() {
    let nurse = principal(Role::Nurse, OrganisationId::new());
    let (person, other) = (PersonId::new(), PersonId::new());
    let on_other = open_break_glass(&nurse, other, "collapsed", now()).unwrap();
    let d = decide(
        &nurse,
        &Action::ReadRecord,
        &facts(person, &[], &[], Some(&on_other)),
    );
    assert_eq!(d.denial(), Some(Denial::NoCareRelationship));
}

#[test]
fn a_break_glass_window_opened_for_another_organisation_does_not_count() {
    let nurse = principal(Role::Nurse, OrganisationId::new());
    let person = PersonId::new();
    let grant = open_break_glass(&nurse, person, "collapsed", now()).unwrap();
    let moved = Principal {
        organisation: OrganisationId::new(),
        ..nurse
    };
    let d = decide(
        &moved,
        &Action::ReadRecord,
        &facts(person, &[], &[], Some(&grant)),
    );
    assert_eq!(d.denial(), Some(Denial::NoCareRelationship));
}

#[test]
fn break_glass_overrides_a_consent_block_for_reads_but_never_for_writes() {
    let org = OrganisationId::new();
    let gp = principal(Role::Gp, org);
    let person = PersonId::new();
    let rels = [relationship(gp.user, org, person)];
    let consents = [directive(ConsentDirective::Deny, org, None)];
    let grant = open_break_glass(&gp, person, "unconscious in A&E", now()).unwrap();
    let f = facts(person, &rels, &consents, Some(&grant));
    let read = decide(&gp, &Action::ReadRecord, &f);
    assert_eq!(code(&read), "break-glass");
    assert!(read.break_glass());
    let write = decide(&gp, &Action::write(EntryKind::Observation, &[]), &f);
    assert_eq!(write.denial(), Some(Denial::ConsentBlocked));
}

#[test]
fn break_glass_reveals_hidden_categories_and_marks_the_read() {
    let org = OrganisationId::new();
    let nurse = principal(Role::Nurse, org);
    let person = PersonId::new();
    let rels = [relationship(nurse.user, org, person)];
    let consents = [directive(
        ConsentDirective::Deny,
        org,
        Some(ConsentCategory::MentalHealth),
    )];
    let without = decide(
        &nurse,
        &Action::ReadRecord,
        &facts(person, &rels, &consents, None),
    );
    assert_eq!(code(&without), "care-relationship");
    assert_eq!(
        without.grant().unwrap().hidden_categories(),
        CategorySet::single(ConsentCategory::MentalHealth)
    );
    let grant = open_break_glass(&nurse, person, "acute confusion", now()).unwrap();
    let with = decide(
        &nurse,
        &Action::ReadRecord,
        &facts(person, &rels, &consents, Some(&grant)),
    );
    assert!(with.break_glass());
    assert!(with.grant().unwrap().hidden_categories().is_empty());
}

#[test]
fn an_unneeded_break_glass_window_does_not_mark_ordinary_reads() {
    let org = OrganisationId::new();
    let nurse = principal(Role::Nurse, org);
    let person = PersonId::new();
    let rels = [relationship(nurse.user, org, person)];
    let grant = open_break_glass(&nurse, person, "just in case", now()).unwrap();
    let d = decide(
        &nurse,
        &Action::ReadRecord,
        &facts(person, &rels, &[], Some(&grant)),
    );
    assert_eq!(code(&d), "care-relationship");
    assert!(!d.break_glass());
}

#[test]
fn privacy_officer_reads_record_content_only_through_break_glass() {
    let po = principal(Role::PrivacyOfficer, OrganisationId::new());
    let person = PersonId::new();
    let d = decide(&po, &Action::ReadRecord, &facts(person, &[], &[], None));
    assert_eq!(d.denial(), Some(Denial::BreakGlassRequired));
    let grant = open_break_glass(&po, person, "subject access dispute", now()).unwrap();
    let d = decide(
        &po,
        &Action::ReadRecord,
        &facts(person, &[], &[], Some(&grant)),
    );
    assert!(d.break_glass());
}

#[test]
fn break_glass_reads_of_an_erased_person_are_marked_erased() {
    let nurse = principal(Role::Nurse, OrganisationId::new());
    let person = PersonId::new();
    let grant = open_break_glass(&nurse, person, "collapsed", now()).unwrap();
    let f = Facts {
        erased: true,
        ..facts(person, &[], &[], Some(&grant))
    };
    let d = decide(&nurse, &Action::ReadRecord, &f);
    let g = d.grant().unwrap();
    assert!(g.break_glass() && g.person_erased());
}

// ---- Consent ordering ---------------------------------------------------------------------

fn care_worker_read(consents: &[Consent]) -> Decision {
    let org = OrganisationId::from_bytes([7; 16]);
    let cw = Principal {
        user: UserId::from_bytes([8; 16]),
        ..principal(Role::CareWorker, org)
    };
    let person = PersonId::from_bytes([9; 16]);
    let rels = [relationship(cw.user, org, person)];
    decide(
        &cw,
        &Action::ReadRecord,
        &facts(person, &rels, consents, None),
    )
}

#[test]
fn consent_deny_then_permit_lifts_the_block() {
    let org = OrganisationId::from_bytes([7; 16]);
    let d = care_worker_read(&[
        directive(ConsentDirective::Deny, org, None),
        directive(ConsentDirective::Permit, org, None),
    ]);
    assert_eq!(code(&d), "care-relationship");
}

#[test]
fn consent_permit_then_deny_blocks() {
    let org = OrganisationId::from_bytes([7; 16]);
    let d = care_worker_read(&[
        directive(ConsentDirective::Permit, org, None),
        directive(ConsentDirective::Deny, org, None),
    ]);
    assert_eq!(d.denial(), Some(Denial::ConsentBlocked));
}

#[test]
fn consent_category_deny_then_permit_lifts_and_permit_then_deny_hides() {
    let org = OrganisationId::from_bytes([7; 16]);
    let sg = Some(ConsentCategory::Safeguarding);
    let lifted = care_worker_read(&[
        directive(ConsentDirective::Deny, org, sg),
        directive(ConsentDirective::Permit, org, sg),
    ]);
    assert!(lifted.grant().unwrap().hidden_categories().is_empty());
    let hidden = care_worker_read(&[
        directive(ConsentDirective::Permit, org, sg),
        directive(ConsentDirective::Deny, org, sg),
    ]);
    assert_eq!(
        hidden.grant().unwrap().hidden_categories(),
        CategorySet::single(ConsentCategory::Safeguarding)
    );
}

#[test]
fn consent_about_another_organisation_does_not_block() {
    let d = care_worker_read(&[directive(
        ConsentDirective::Deny,
        OrganisationId::new(),
        None,
    )]);
    assert!(d.is_allowed());
}

#[test]
fn a_write_in_a_withheld_category_is_refused_and_others_are_not() {
    let org = OrganisationId::new();
    let gp = principal(Role::Gp, org);
    let person = PersonId::new();
    let rels = [relationship(gp.user, org, person)];
    let consents = [directive(
        ConsentDirective::Deny,
        org,
        Some(ConsentCategory::MentalHealth),
    )];
    let f = facts(person, &rels, &consents, None);
    let depression = EntryData::parse(
        EntryKind::Condition,
        &json!({"code": "35489007", "status": "active"}),
    )
    .unwrap();
    let d = decide(&gp, &Action::write_data(&depression), &f);
    assert_eq!(d.denial(), Some(Denial::ConsentCategoryBlocked));
    let diabetes = EntryData::parse(
        EntryKind::Condition,
        &json!({"code": "73211009", "status": "active"}),
    )
    .unwrap();
    assert!(decide(&gp, &Action::write_data(&diabetes), &f).is_allowed());
}

// ---- Consent categories of entries --------------------------------------------------------

fn snomed(code: &str) -> Code {
    codes::snomed(code).unwrap()
}

#[test]
fn consent_categories_follow_the_one_table() {
    use ConsentCategory::{MentalHealth, Safeguarding};
    let cases: &[(&str, Vec<Code>, &[ConsentCategory])] = &[
        ("depression", vec![snomed("35489007")], &[MentalHealth]),
        ("dementia", vec![snomed("52448006")], &[]),
        ("alzheimer's disease", vec![snomed("26929004")], &[]),
        ("delirium", vec![snomed("2776000")], &[]),
        ("fall", vec![snomed(codes::FALL_EVENT)], &[]),
        (
            "safeguarding concern",
            vec![snomed(codes::SAFEGUARDING_CONCERN)],
            &[Safeguarding],
        ),
        ("sertraline", vec![codes::atc("N06AB06")], &[MentalHealth]),
        ("quetiapine", vec![codes::atc("N05AH04")], &[MentalHealth]),
        ("donepezil", vec![codes::atc("N06DA02")], &[]),
        ("zopiclone", vec![codes::atc("N05CF01")], &[]),
        ("metformin", vec![codes::atc("A10BA02")], &[]),
        (
            "a code that is both",
            vec![snomed("35489007"), snomed(codes::SAFEGUARDING_CONCERN)],
            &[MentalHealth, Safeguarding],
        ),
        ("no codes", vec![], &[]),
    ];
    for (what, codes, want) in cases {
        assert_eq!(
            categories_of(codes),
            CategorySet::of(want.iter().copied()),
            "{what}"
        );
    }
}

#[test]
fn a_safeguarding_incident_is_in_the_safeguarding_category_and_a_fall_is_not() {
    let incident = |t: &str| {
        EntryData::parse(EntryKind::Incident, &json!({"type": t, "injury": "none"})).unwrap()
    };
    assert_eq!(
        categories_of(&incident("safeguarding").codes()),
        CategorySet::single(ConsentCategory::Safeguarding)
    );
    assert!(categories_of(&incident("fall").codes()).is_empty());
}

#[test]
fn a_grant_hides_entries_in_withheld_categories() {
    let org = OrganisationId::new();
    let gp = principal(Role::Gp, org);
    let person = PersonId::new();
    let rels = [relationship(gp.user, org, person)];
    let consents = [directive(
        ConsentDirective::Deny,
        org,
        Some(ConsentCategory::MentalHealth),
    )];
    let decision = decide(
        &gp,
        &Action::ReadRecord,
        &facts(person, &rels, &consents, None),
    );
    let grant = decision.grant().unwrap();
    let entry = |codes: Vec<Code>| Entry {
        id: EntryId::new(),
        kind: EntryKind::Condition,
        person,
        organisation: org,
        author: gp.user,
        recorded_at: now(),
        effective_at: now(),
        codes,
        amends: None,
        data: None,
        erased: false,
        leaf_index: 0,
    };
    assert!(!grant.may_see_entry(&entry(vec![snomed("35489007")])));
    assert!(grant.may_see_entry(&entry(vec![snomed("52448006")])));
    assert!(grant.may_see(CategorySet::EMPTY));
}

// ---- Review queues ------------------------------------------------------------------------

#[test]
fn only_the_privacy_officer_opens_the_break_glass_review_queue() {
    for role in Role::ALL {
        for purpose in Purpose::ALL {
            let p = Principal {
                purpose,
                ..principal(role, OrganisationId::new())
            };
            let d = decide_review(&p, Review::BreakGlass);
            let want = match (role, purpose) {
                (Role::PrivacyOfficer, Purpose::Care | Purpose::Audit) => "oversight-duty",
                (Role::PrivacyOfficer, _) => "purpose-not-permitted",
                _ => "role-not-permitted",
            };
            assert_eq!(d.code(), want, "{role} {purpose}");
            if let Some(g) = d.grant() {
                assert_eq!((g.person(), g.action()), (None, None));
                assert_eq!(g.review(), Some(Review::BreakGlass));
            }
        }
    }
}

#[test]
fn the_flags_list_is_open_to_flag_readers_under_their_purposes() {
    // Written out from the rules in policy.rs's docs, independent of the table: care roles and
    // citizens read flags; a care worker, nurse or GP under care or emergency, a social worker
    // or manager also under safeguarding, a citizen under care only.
    for role in Role::ALL {
        for purpose in Purpose::ALL {
            let p = Principal {
                purpose,
                ..principal(role, OrganisationId::new())
            };
            let d = decide_review(&p, Review::Flags);
            let purposes: &[Purpose] = match role {
                Role::CareWorker | Role::Nurse | Role::Gp => &[Purpose::Care, Purpose::Emergency],
                Role::SocialWorker | Role::Manager => {
                    &[Purpose::Care, Purpose::Safeguarding, Purpose::Emergency]
                }
                Role::Citizen => &[Purpose::Care],
                _ => &[],
            };
            let want = match role {
                _ if purposes.is_empty() => "role-not-permitted",
                _ if !purposes.contains(&purpose) => "purpose-not-permitted",
                Role::Citizen => "own-record",
                Role::Manager => "organisation-caseload",
                _ => "care-relationship",
            };
            assert_eq!(d.code(), want, "{role} {purpose}");
            if let Some(g) = d.grant() {
                assert_eq!(g.review(), Some(Review::Flags));
                assert_eq!(g.person(), None);
            }
        }
    }
}

#[test]
fn denial_messages_name_no_personal_data() {
    let nurse = principal(Role::Nurse, OrganisationId::new());
    let person = PersonId::new();
    let d = decide(&nurse, &Action::ReadRecord, &facts(person, &[], &[], None));
    let message = d.denial().unwrap().to_string();
    assert!(!message.contains(&person.to_string()));
    assert!(!message.contains(&nurse.user.to_string()));
    let err = open_break_glass(&nurse, person, " ", now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "break-glass needs a reason: at least 3 visible characters and no control characters"
    );
}
