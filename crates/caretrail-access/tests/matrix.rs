//! The authorisation matrix: every role × every action (every entry kind for writes, with and
//! without a consent category) × every scenario × every purpose, checked against an expectation
//! table written here, independently of `caretrail_access::policy`.
//!
//! How to read the table: each row names a role, the operations it may perform, the outcome
//! *profile* those operations have across the scenarios, and the purposes under which the row
//! applies. Any (role, operation) pair without a row is expected to be `role-not-permitted` in
//! every scenario; a row under a purpose it does not list is expected to be
//! `purpose-not-permitted`.

use caretrail_access::{
    Action, BreakGlassGrant, CategorySet, Decision, Facts, Principal, Purpose, decide,
};
use caretrail_core::data::{Consent, ConsentCategory, ConsentDirective};
use caretrail_core::{
    CareRelationship, EntryKind, OrganisationId, PersonId, RelationshipId, RelationshipKind, Role,
    UserId,
};
use jiff::{SignedDuration, Timestamp};

// ---- Scenarios (the columns) --------------------------------------------------------------

/// The situations a request can meet. Unless said otherwise the principal is a user of
/// organisation ORG, acting for ORG, with no person of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// The principal has an active care relationship with the person through ORG.
    Related,
    /// Nobody has a relationship with the person.
    Unrelated,
    /// The principal's relationship through ORG has ended.
    Ended,
    /// The principal's only active relationship is through another organisation.
    OtherOrganisation,
    /// A colleague in ORG (not the principal) has an active relationship: ORG's caseload.
    Colleague,
    /// Related, but the person's consent denies ORG.
    ConsentBlocked,
    /// Related, but the person's consent withholds mental health from ORG.
    CategoryBlocked,
    /// Unrelated, with the principal's own break-glass window open (opened ten minutes ago).
    BreakGlassOpen,
    /// Unrelated, with the principal's break-glass window opened exactly one hour ago.
    BreakGlassExpired,
    /// Consent-blocked, with the principal's break-glass window open.
    BlockedWithBreakGlass,
    /// The principal's own person is the person (only citizens have one in real life).
    OwnRecord,
    /// Related, and the person has been erased.
    Erased,
}

const SCENARIOS: [Scenario; 12] = [
    Scenario::Related,
    Scenario::Unrelated,
    Scenario::Ended,
    Scenario::OtherOrganisation,
    Scenario::Colleague,
    Scenario::ConsentBlocked,
    Scenario::CategoryBlocked,
    Scenario::BreakGlassOpen,
    Scenario::BreakGlassExpired,
    Scenario::BlockedWithBreakGlass,
    Scenario::OwnRecord,
    Scenario::Erased,
];

// ---- Expected outcomes --------------------------------------------------------------------

/// What one request should come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Allowed with this basis code, hiding nothing.
    Allow(&'static str),
    /// Allowed with this basis code, hiding mental-health entries.
    AllowHidingMentalHealth(&'static str),
    /// Denied with this code.
    Deny(&'static str),
}
use Want::{Allow, AllowHidingMentalHealth as AllowHidingMh, Deny};

/// One outcome per scenario, in the order of `SCENARIOS`.
type Profile = [Want; 12];

const REL: &str = "care-relationship";
const CASELOAD: &str = "organisation-caseload";
const BG: &str = "break-glass";
const NO_REL: Want = Deny("no-care-relationship");
const NOT_CASELOAD: Want = Deny("not-in-caseload");
const BLOCKED: Want = Deny("consent-blocked");
const EXPIRED: Want = Deny("break-glass-expired");
const ERASED: Want = Deny("person-erased");
const NOT_OWN: Want = Deny("not-own-record");

/// A grant under a category block lists the hidden category whatever the action: for a read it is
/// what to leave out; for an uncategorised write it is what the writer's organisation may not see.
#[rustfmt::skip]
mod profiles {
    use super::*;
    //                                     Related          Unrelated     Ended         OtherOrg      Colleague     ConsentBlocked CategoryBlocked                      BGOpen     BGExpired     BlockedWithBG OwnRecord     Erased
    pub const REL_READ: Profile =         [Allow(REL),      NO_REL,       NO_REL,       NO_REL,       NO_REL,       BLOCKED,       AllowHidingMh(REL),                  Allow(BG), EXPIRED,      Allow(BG),    NO_REL,       Allow(REL)];
    pub const REL_WRITE: Profile =        [Allow(REL),      NO_REL,       NO_REL,       NO_REL,       NO_REL,       BLOCKED,       AllowHidingMh(REL),                  NO_REL,    NO_REL,       BLOCKED,      NO_REL,       ERASED];
    pub const REL_WRITE_MH: Profile =     [Allow(REL),      NO_REL,       NO_REL,       NO_REL,       NO_REL,       BLOCKED,       Deny("consent-category-blocked"),    NO_REL,    NO_REL,       BLOCKED,      NO_REL,       ERASED];
    pub const CASELOAD_READ: Profile =    [Allow(CASELOAD), NOT_CASELOAD, NOT_CASELOAD, NOT_CASELOAD, Allow(CASELOAD), BLOCKED,    AllowHidingMh(CASELOAD),             Allow(BG), EXPIRED,      Allow(BG),    NOT_CASELOAD, Allow(CASELOAD)];
    pub const CASELOAD_WRITE: Profile =   [Allow(CASELOAD), NOT_CASELOAD, NOT_CASELOAD, NOT_CASELOAD, Allow(CASELOAD), BLOCKED,    AllowHidingMh(CASELOAD),             NOT_CASELOAD, NOT_CASELOAD, BLOCKED,   NOT_CASELOAD, ERASED];
    pub const CASELOAD_WRITE_MH: Profile =[Allow(CASELOAD), NOT_CASELOAD, NOT_CASELOAD, NOT_CASELOAD, Allow(CASELOAD), BLOCKED,    Deny("consent-category-blocked"),    NOT_CASELOAD, NOT_CASELOAD, BLOCKED,   NOT_CASELOAD, ERASED];
    pub const OWN_READ: Profile =         [NOT_OWN,         NOT_OWN,      NOT_OWN,      NOT_OWN,      NOT_OWN,      NOT_OWN,       NOT_OWN,                             NOT_OWN,   NOT_OWN,      NOT_OWN,      Allow("own-record"), NOT_OWN];
    pub const OWN_WRITE: Profile = OWN_READ;
    pub const OPEN_BREAK_GLASS: Profile = [Allow("emergency-access"); 12];
    pub const OVERSIGHT_READ: Profile =   [Allow("oversight-duty"); 12];
    pub const OVERSIGHT_WRITE: Profile =  [Allow("oversight-duty"),  Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), Allow("oversight-duty"), ERASED];
    pub const SYSTEM_WRITE: Profile =     [Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), Allow("system-duty"), ERASED];
    pub const OPERATOR_READ: Profile =    [Allow("operator-duty"); 12];
    pub const OPERATOR_WRITE: Profile =   [Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), Allow("operator-duty"), ERASED];
    pub const OWN_ORGANISATION: Profile = [Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), Allow("own-organisation"), ERASED];
    pub const OTHER_ORGANISATION: Profile = [Deny("outside-organisation"); 12];
    pub const BREAK_GLASS_ONLY_READ: Profile = [Deny("break-glass-required"), Deny("break-glass-required"), Deny("break-glass-required"), Deny("break-glass-required"), Deny("break-glass-required"), Deny("break-glass-required"), Deny("break-glass-required"), Allow(BG), EXPIRED, Allow(BG), Deny("break-glass-required"), Deny("break-glass-required")];
}
use profiles::*;

// ---- Operations (what a route does) -------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Flags,
    ReadConsent,
    ReplaceConsent,
    /// Write an entry of this kind that carries no consent category.
    Write(EntryKind),
    /// Write an entry of this kind whose codes put it in the mental-health category.
    WriteMentalHealth(EntryKind),
    /// Manage relationships through the principal's own organisation.
    RelationshipsHere,
    /// Manage relationships through some other organisation.
    RelationshipsElsewhere,
    Retention,
    Erase,
    OpenBreakGlass,
    AccessLog,
    Export,
}
use Op::*;

fn all_ops() -> Vec<Op> {
    let mut ops = vec![
        Read,
        Flags,
        ReadConsent,
        ReplaceConsent,
        RelationshipsHere,
        RelationshipsElsewhere,
        Retention,
        Erase,
        OpenBreakGlass,
        AccessLog,
        Export,
    ];
    ops.extend(EntryKind::ALL.map(Write));
    ops.extend(EntryKind::ALL.map(WriteMentalHealth));
    ops
}

fn action(op: Op, own_org: OrganisationId, other_org: OrganisationId) -> Action {
    match op {
        Read => Action::ReadRecord,
        Flags => Action::ReadFlags,
        ReadConsent => Action::ReadConsent,
        ReplaceConsent => Action::ReplaceConsent,
        Write(kind) => Action::WriteEntry {
            kind,
            categories: CategorySet::EMPTY,
        },
        WriteMentalHealth(kind) => Action::WriteEntry {
            kind,
            categories: CategorySet::single(ConsentCategory::MentalHealth),
        },
        RelationshipsHere => Action::ManageRelationships {
            organisation: own_org,
        },
        RelationshipsElsewhere => Action::ManageRelationships {
            organisation: other_org,
        },
        Retention => Action::SetRetention,
        Erase => Action::Erase,
        OpenBreakGlass => Action::OpenBreakGlass,
        AccessLog => Action::ReadAccessLog,
        Export => Action::ExportOwnRecord,
    }
}

// ---- The expectation table ----------------------------------------------------------------

const CARE_EMERGENCY: &[Purpose] = &[Purpose::Care, Purpose::Emergency];
const CARE_SAFEGUARDING_EMERGENCY: &[Purpose] =
    &[Purpose::Care, Purpose::Safeguarding, Purpose::Emergency];
const CARE: &[Purpose] = &[Purpose::Care];
const CARE_AUDIT: &[Purpose] = &[Purpose::Care, Purpose::Audit];
const AUDIT: &[Purpose] = &[Purpose::Audit];

use EntryKind::{
    Acknowledgement, Assessment, CarePlan, CaseNote, Claim, Condition, Flag, Incident, Medication,
    Observation, Questionnaire, Referral, Visit,
};

/// The operations of a row.
enum Ops {
    These(&'static [Op]),
    /// Writes of these kinds, uncategorised.
    Writes(&'static [EntryKind]),
    /// Writes of these kinds, in the mental-health category.
    WritesMentalHealth(&'static [EntryKind]),
}
use Ops::{These, Writes, WritesMentalHealth as WritesMh};

const CARE_WORKER_WRITES: &[EntryKind] = &[Visit, Observation, Incident, CaseNote, Acknowledgement];
const NURSE_WRITES: &[EntryKind] = &[
    Assessment,
    Visit,
    Observation,
    Medication,
    Incident,
    CaseNote,
    Questionnaire,
    Acknowledgement,
    Referral,
];
const SOCIAL_WORKER_WRITES: &[EntryKind] = &[
    Assessment,
    CarePlan,
    Incident,
    CaseNote,
    Questionnaire,
    EntryKind::Consent,
    Acknowledgement,
    Referral,
];
const GP_WRITES: &[EntryKind] = &[
    Observation,
    Condition,
    Medication,
    CaseNote,
    Acknowledgement,
    Referral,
];
const MANAGER_WRITES: &[EntryKind] = &[CarePlan, Claim, Acknowledgement, Referral];
/// Every kind but flags (the system's), erasure entries (erasure's own) and relationship
/// entries (starting or ending care's own).
const OPERATOR_WRITES: &[EntryKind] = &[
    Assessment,
    CarePlan,
    Visit,
    Observation,
    Condition,
    Medication,
    Incident,
    CaseNote,
    Questionnaire,
    EntryKind::Consent,
    Claim,
    Acknowledgement,
    Referral,
];

#[rustfmt::skip]
const TABLE: &[(Role, Ops, Profile, &[Purpose])] = &[
    // role                 operations                                         profile                 purposes
    (Role::CareWorker,     These(&[Read, Flags, ReadConsent]),                REL_READ,               CARE_EMERGENCY),
    (Role::CareWorker,     Writes(CARE_WORKER_WRITES),                        REL_WRITE,              CARE_EMERGENCY),
    (Role::CareWorker,     WritesMh(CARE_WORKER_WRITES),                      REL_WRITE_MH,           CARE_EMERGENCY),
    (Role::CareWorker,     These(&[OpenBreakGlass]),                          OPEN_BREAK_GLASS,       CARE_EMERGENCY),

    (Role::Nurse,          These(&[Read, Flags, ReadConsent]),                REL_READ,               CARE_EMERGENCY),
    (Role::Nurse,          Writes(NURSE_WRITES),                              REL_WRITE,              CARE_EMERGENCY),
    (Role::Nurse,          WritesMh(NURSE_WRITES),                            REL_WRITE_MH,           CARE_EMERGENCY),
    (Role::Nurse,          These(&[OpenBreakGlass]),                          OPEN_BREAK_GLASS,       CARE_EMERGENCY),

    (Role::SocialWorker,   These(&[Read, Flags, ReadConsent]),                REL_READ,               CARE_SAFEGUARDING_EMERGENCY),
    (Role::SocialWorker,   These(&[ReplaceConsent]),                          REL_WRITE,              CARE_SAFEGUARDING_EMERGENCY),
    (Role::SocialWorker,   Writes(SOCIAL_WORKER_WRITES),                      REL_WRITE,              CARE_SAFEGUARDING_EMERGENCY),
    (Role::SocialWorker,   WritesMh(SOCIAL_WORKER_WRITES),                    REL_WRITE_MH,           CARE_SAFEGUARDING_EMERGENCY),
    (Role::SocialWorker,   These(&[OpenBreakGlass]),                          OPEN_BREAK_GLASS,       CARE_SAFEGUARDING_EMERGENCY),

    (Role::Gp,             These(&[Read, Flags, ReadConsent]),                REL_READ,               CARE_EMERGENCY),
    (Role::Gp,             Writes(GP_WRITES),                                 REL_WRITE,              CARE_EMERGENCY),
    (Role::Gp,             WritesMh(GP_WRITES),                               REL_WRITE_MH,           CARE_EMERGENCY),
    (Role::Gp,             These(&[OpenBreakGlass]),                          OPEN_BREAK_GLASS,       CARE_EMERGENCY),

    (Role::Manager,        These(&[Read, Flags, ReadConsent]),                CASELOAD_READ,          CARE_SAFEGUARDING_EMERGENCY),
    (Role::Manager,        Writes(MANAGER_WRITES),                            CASELOAD_WRITE,         CARE_SAFEGUARDING_EMERGENCY),
    (Role::Manager,        WritesMh(MANAGER_WRITES),                          CASELOAD_WRITE_MH,      CARE_SAFEGUARDING_EMERGENCY),
    (Role::Manager,        These(&[RelationshipsHere]),                       OWN_ORGANISATION,       CARE_SAFEGUARDING_EMERGENCY),
    (Role::Manager,        These(&[RelationshipsElsewhere]),                  OTHER_ORGANISATION,     CARE_SAFEGUARDING_EMERGENCY),
    (Role::Manager,        These(&[OpenBreakGlass]),                          OPEN_BREAK_GLASS,       CARE_SAFEGUARDING_EMERGENCY),

    (Role::PrivacyOfficer, These(&[Read]),                                    BREAK_GLASS_ONLY_READ,  CARE_EMERGENCY),
    (Role::PrivacyOfficer, These(&[OpenBreakGlass]),                          OPEN_BREAK_GLASS,       CARE_EMERGENCY),
    (Role::PrivacyOfficer, These(&[Retention, Erase]),                        OVERSIGHT_WRITE,        CARE_AUDIT),
    (Role::PrivacyOfficer, These(&[AccessLog]),                               OVERSIGHT_READ,         AUDIT),

    (Role::Auditor,        These(&[AccessLog]),                               OVERSIGHT_READ,         AUDIT),

    (Role::Citizen,        These(&[Read, Flags, ReadConsent, AccessLog, Export]), OWN_READ,           CARE),
    (Role::Citizen,        These(&[ReplaceConsent]),                          OWN_WRITE,              CARE),

    (Role::System,         Writes(&[Flag]),                                   SYSTEM_WRITE,           CARE),
    (Role::System,         WritesMh(&[Flag]),                                 SYSTEM_WRITE,           CARE),

    (Role::Operator,       These(&[Read, Flags, ReadConsent, AccessLog, Export]), OPERATOR_READ,      CARE),
    (Role::Operator,       These(&[Erase]),                                   OPERATOR_WRITE,         CARE),
    (Role::Operator,       Writes(OPERATOR_WRITES),                           OPERATOR_WRITE,         CARE),
    (Role::Operator,       WritesMh(OPERATOR_WRITES),                         OPERATOR_WRITE,         CARE),
];

impl Ops {
    fn contains(&self, op: Op) -> bool {
        match (self, op) {
            (These(ops), op) => ops.contains(&op),
            (Writes(kinds), Write(k)) | (WritesMh(kinds), WriteMentalHealth(k)) => {
                kinds.contains(&k)
            }
            _ => false,
        }
    }
}

/// The expected outcome, from the table above only.
fn expected(role: Role, op: Op, scenario: Scenario, purpose: Purpose) -> Want {
    let rows: Vec<_> = TABLE
        .iter()
        .filter(|(r, ops, _, _)| *r == role && ops.contains(op))
        .collect();
    assert!(
        rows.len() <= 1,
        "the expectation table lists {role} {op:?} twice"
    );
    let Some((_, _, profile, purposes)) = rows.first() else {
        return Deny("role-not-permitted");
    };
    if !purposes.contains(&purpose) {
        return Deny("purpose-not-permitted");
    }
    let column = SCENARIOS.iter().position(|s| *s == scenario).unwrap();
    profile[column]
}

// ---- Building the facts of a scenario -----------------------------------------------------

struct World {
    user: UserId,
    colleague: UserId,
    org: OrganisationId,
    other_org: OrganisationId,
    person: PersonId,
    now: Timestamp,
}

impl World {
    fn new() -> Self {
        World {
            user: UserId::from_bytes([1; 16]),
            colleague: UserId::from_bytes([2; 16]),
            org: OrganisationId::from_bytes([3; 16]),
            other_org: OrganisationId::from_bytes([4; 16]),
            person: PersonId::from_bytes([5; 16]),
            now: "2026-03-01T12:00:00Z".parse().unwrap(),
        }
    }

    fn relationship(
        &self,
        practitioner: UserId,
        org: OrganisationId,
        ended: bool,
    ) -> CareRelationship {
        CareRelationship {
            id: RelationshipId::from_bytes([9; 16]),
            practitioner,
            person: self.person,
            organisation: org,
            kind: RelationshipKind::CareTeam,
            from: "2025-01-01T00:00:00Z".parse().unwrap(),
            to: ended.then(|| "2026-01-01T00:00:00Z".parse().unwrap()),
        }
    }

    fn deny(&self, category: Option<ConsentCategory>) -> Consent {
        Consent {
            directive: ConsentDirective::Deny,
            organisation: Some(self.org),
            category,
            note: None,
        }
    }

    fn window(&self, opened_ago: SignedDuration) -> BreakGlassGrant {
        BreakGlassGrant::restore(
            self.user,
            self.org,
            self.person,
            "collapsed at home",
            self.now - opened_ago,
        )
        .unwrap()
    }
}

struct Situation {
    relationships: Vec<CareRelationship>,
    consents: Vec<Consent>,
    window: Option<BreakGlassGrant>,
    own_person: Option<PersonId>,
    erased: bool,
}

fn situation(w: &World, scenario: Scenario) -> Situation {
    let related = vec![w.relationship(w.user, w.org, false)];
    let open = Some(w.window(SignedDuration::from_mins(10)));
    let mut s = Situation {
        relationships: Vec::new(),
        consents: Vec::new(),
        window: None,
        own_person: None,
        erased: false,
    };
    match scenario {
        Scenario::Related => s.relationships = related,
        Scenario::Unrelated => {}
        Scenario::Ended => s.relationships = vec![w.relationship(w.user, w.org, true)],
        Scenario::OtherOrganisation => {
            s.relationships = vec![w.relationship(w.user, w.other_org, false)]
        }
        Scenario::Colleague => s.relationships = vec![w.relationship(w.colleague, w.org, false)],
        Scenario::ConsentBlocked => {
            s.relationships = related;
            s.consents = vec![w.deny(None)];
        }
        Scenario::CategoryBlocked => {
            s.relationships = related;
            s.consents = vec![w.deny(Some(ConsentCategory::MentalHealth))];
        }
        Scenario::BreakGlassOpen => s.window = open,
        Scenario::BreakGlassExpired => s.window = Some(w.window(SignedDuration::from_hours(1))),
        Scenario::BlockedWithBreakGlass => {
            s.relationships = related;
            s.consents = vec![w.deny(None)];
            s.window = open;
        }
        Scenario::OwnRecord => s.own_person = Some(w.person),
        Scenario::Erased => {
            s.relationships = related;
            s.erased = true;
        }
    }
    s
}

// ---- The test -----------------------------------------------------------------------------

/// The observable outcome of a decision, in the table's terms.
fn observed(decision: &Decision) -> Want {
    match decision {
        Decision::Deny(d) => Deny(d.code()),
        Decision::Allow(g) if g.hidden_categories().is_empty() => Allow(g.code()),
        Decision::Allow(g)
            if g.hidden_categories() == CategorySet::single(ConsentCategory::MentalHealth) =>
        {
            AllowHidingMh(g.code())
        }
        Decision::Allow(g) => panic!("unexpected hidden categories {g:?}"),
    }
}

#[test]
fn every_role_action_scenario_and_purpose_decides_as_the_expectation_table_says() {
    let w = World::new();
    let mut failures = Vec::new();
    let mut cases = 0usize;
    for role in Role::ALL {
        for purpose in Purpose::ALL {
            for scenario in SCENARIOS {
                let s = situation(&w, scenario);
                let principal = Principal {
                    user: w.user,
                    role,
                    organisation: w.org,
                    person: s.own_person,
                    purpose,
                };
                let facts = Facts {
                    person: w.person,
                    now: w.now,
                    relationships: &s.relationships,
                    consents: &s.consents,
                    break_glass: s.window.as_ref(),
                    erased: s.erased,
                };
                for op in all_ops() {
                    cases += 1;
                    let act = action(op, w.org, w.other_org);
                    let decision = decide(&principal, &act, &facts);
                    let want = expected(role, op, scenario, purpose);
                    let got = observed(&decision);
                    if got != want {
                        failures.push(format!(
                            "{role} {op:?} {scenario:?} {purpose}: want {want:?}, got {got:?}"
                        ));
                        continue;
                    }
                    // What every grant must also say, whatever the row.
                    if let Decision::Allow(g) = &decision {
                        assert_eq!(g.break_glass(), g.code() == BG);
                        assert_eq!(decision.break_glass(), g.break_glass());
                        assert_eq!(g.person_erased(), s.erased);
                        assert_eq!(g.person(), Some(w.person));
                        assert_eq!(g.action(), Some(act));
                        assert_eq!((g.user(), g.role(), g.purpose()), (w.user, role, purpose));
                        assert_eq!(g.audit_action(), act.audit_action());
                    } else {
                        assert!(!decision.break_glass());
                    }
                }
            }
        }
    }
    assert_eq!(cases, 10 * 4 * 12 * (11 + 2 * 16));
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_expectation_table_permits_nothing_twice_and_every_row_is_reachable() {
    for (role, ops, _, purposes) in TABLE {
        assert!(!purposes.is_empty());
        let hits = all_ops().into_iter().filter(|op| ops.contains(*op)).count();
        assert!(hits > 0, "a {role} row matches no operation");
        for op in all_ops().into_iter().filter(|op| ops.contains(*op)) {
            // Panics inside `expected` if another row lists the same pair.
            let _ = expected(*role, op, Scenario::Related, Purpose::Care);
        }
    }
}
