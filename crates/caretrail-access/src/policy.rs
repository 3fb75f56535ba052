//! The role × action permission table (issue scope 3: "Reading or writing a person's record
//! needs a role that permits the action **and** an active care relationship"). Deny by default:
//! a pair that has no row here is refused with `role-not-permitted`.
//!
//! Each row says how far the role reaches ([`Reach`]) and under which purposes of use it may act.
//! Purposes follow one rule set (issue scope 3, DESIGN §4):
//! - `care` is the default purpose and fits every row that touches care;
//! - `emergency` is the purpose of break-glass: roles that may open break-glass may declare it;
//! - `safeguarding` is for social workers and managers (Care Act 2014 s. 42 enquiries);
//! - `audit` is for the auditor and the privacy officer, and never reaches record content.
//!
//! Why each role may do what (the rows below are the authority):
//! - **care-worker** reads the record and flags of the people they care for, records visits,
//!   observations, incidents and case notes, and acknowledges flags: the contemporaneous care
//!   record of SI 2014/2936 reg. 17(2)(c).
//! - **nurse** does all a care worker does and also records assessments, medication and
//!   questionnaires (ORS/SRS, SOC-13).
//! - **social-worker** records assessments (Care Act 2014 s. 9), care plans (s. 25), incidents
//!   (safeguarding concerns, s. 42), case notes, questionnaires and consents, replaces consent on
//!   the person's behalf, and acknowledges flags; may declare `safeguarding`.
//! - **gp** records conditions, medications, observations and case notes, and acknowledges flags.
//! - **manager** reaches their organisation's caseload (people with an active relationship with
//!   anyone in the organisation): reads it, writes care plans and claims for delivered care,
//!   acknowledges flags, and starts or ends relationships through their own organisation (for any
//!   person, since a referral is how a person joins the caseload); may declare `safeguarding`.
//! - **privacy-officer** (GDPR Arts. 37–39) sets retention (Art. 5(1)(e)), erases (Art. 17),
//!   reads access logs under `audit` and works the break-glass review queue; reads record content
//!   only through a break-glass window of their own.
//! - **auditor** reads access logs under `audit`: no record content, and no break-glass (the
//!   ledger routes need no decision here).
//! - **citizen** reads their own record, flags, consent and access log, exports their record
//!   (GDPR Arts. 15 and 20) and replaces their own consent directives; `care` purpose only.
//! - **system** writes decision-support flags (DESIGN §1 point 5) for anyone; nothing else.
//! - **operator** is whoever runs the command line on the server (`caretrail timeline`, `entry
//!   add`, `erase`, later `import`, `export`, `register build`): any person, under `care`, every
//!   action but writing flags (the system's) and erasure entries (erasure's own), and every
//!   attempt audited like anyone's. The account has no password and never signs in over HTTP.
//!
//! Flags and acknowledgements: only the system writes flags; practitioners (care-worker, nurse,
//! social-worker, gp, manager) write acknowledgements. Nobody writes an `erasure` entry through
//! [`crate::Action::WriteEntry`]: erasure writes it itself, under [`crate::Action::Erase`]; nor
//! a `relationship` entry, which starting or ending care writes under
//! [`crate::Action::ManageRelationships`]. Nurses, social workers, GPs and managers write
//! `referral`s (asking another organisation to take on care) for the people they care for.

use caretrail_core::audit::Purpose;
use caretrail_core::{EntryKind, Role};

use crate::action::{Action, Review};

/// How far a row lets a role reach into people's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// The principal's own active care relationship with the person, through the principal's
    /// organisation. Consent directives apply; break-glass can stand in for reads.
    CareRelationship,
    /// Anyone in the principal's organisation has an active care relationship with the person
    /// (a manager's caseload). Consent directives apply; break-glass can stand in for reads.
    OrganisationCaseload,
    /// The person is the citizen principal themselves.
    OwnRecord,
    /// Any person, for a relationship through the principal's own organisation.
    OwnOrganisation,
    /// Any person: an oversight or system duty that needs no care relationship.
    AnyPerson,
    /// Only through the principal's own open break-glass window.
    BreakGlassOnly,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub reach: Reach,
    /// The purposes of use this row may be exercised under.
    pub purposes: &'static [Purpose],
}

const CARE_EMERGENCY: &[Purpose] = &[Purpose::Care, Purpose::Emergency];
const CARE_SAFEGUARDING_EMERGENCY: &[Purpose] =
    &[Purpose::Care, Purpose::Safeguarding, Purpose::Emergency];
const CARE_ONLY: &[Purpose] = &[Purpose::Care];
const CARE_AUDIT: &[Purpose] = &[Purpose::Care, Purpose::Audit];
const AUDIT_ONLY: &[Purpose] = &[Purpose::Audit];

/// Action names the table is keyed on (a write is keyed on its entry kind).
#[derive(Clone, Copy)]
enum Key {
    Read,
    Flags,
    Write(EntryKind),
    Relationships,
    ReadConsent,
    ReplaceConsent,
    Retention,
    Erase,
    BreakGlass,
    AccessLog,
    Export,
}

fn key(action: &Action) -> Key {
    match action {
        Action::ReadRecord => Key::Read,
        Action::ReadFlags => Key::Flags,
        Action::WriteEntry { kind, .. } => Key::Write(*kind),
        Action::ManageRelationships { .. } => Key::Relationships,
        Action::ReadConsent => Key::ReadConsent,
        Action::ReplaceConsent => Key::ReplaceConsent,
        Action::SetRetention => Key::Retention,
        Action::Erase => Key::Erase,
        Action::OpenBreakGlass => Key::BreakGlass,
        Action::ReadAccessLog => Key::AccessLog,
        Action::ExportOwnRecord => Key::Export,
    }
}

/// The row for `role` doing `action`, or `None`: not permitted.
#[rustfmt::skip] // laid out as a table
pub fn permission(role: Role, action: &Action) -> Option<Permission> {
    use EntryKind::*;
    use Key::*;
    use Reach::*;
    use Role::*;
    let row = |reach, purposes| Some(Permission { reach, purposes });
    let rel_care = row(CareRelationship, CARE_EMERGENCY);
    let rel_social = row(CareRelationship, CARE_SAFEGUARDING_EMERGENCY);
    let caseload = row(OrganisationCaseload, CARE_SAFEGUARDING_EMERGENCY);
    let own = row(OwnRecord, CARE_ONLY);

    match (role, key(action)) {
        // role            action                                               row
        // ---- care-worker ---------------------------------------------------------------------
        (CareWorker,      Read | Flags | ReadConsent)                          => rel_care,
        (CareWorker,      Write(Visit | Observation | Incident | CaseNote
                                | Acknowledgement))                            => rel_care,
        (CareWorker,      BreakGlass)                                          => row(AnyPerson, CARE_EMERGENCY),

        // ---- nurse ---------------------------------------------------------------------------
        (Nurse,           Read | Flags | ReadConsent)                          => rel_care,
        (Nurse,           Write(Assessment | Visit | Observation | Medication
                                | Incident | CaseNote | Questionnaire
                                | Acknowledgement | Referral))                 => rel_care,
        (Nurse,           BreakGlass)                                          => row(AnyPerson, CARE_EMERGENCY),

        // ---- social-worker -------------------------------------------------------------------
        (SocialWorker,    Read | Flags | ReadConsent | ReplaceConsent)         => rel_social,
        (SocialWorker,    Write(Assessment | CarePlan | Incident | CaseNote
                                | Questionnaire | EntryKind::Consent
                                | Acknowledgement | Referral))                 => rel_social,
        (SocialWorker,    BreakGlass)                                          => row(AnyPerson, CARE_SAFEGUARDING_EMERGENCY),

        // ---- gp ------------------------------------------------------------------------------
        (Gp,              Read | Flags | ReadConsent)                          => rel_care,
        (Gp,              Write(Observation | Condition | Medication | CaseNote
                                | Acknowledgement | Referral))                 => rel_care,
        (Gp,              BreakGlass)                                          => row(AnyPerson, CARE_EMERGENCY),

        // ---- manager -------------------------------------------------------------------------
        (Manager,         Read | Flags | ReadConsent)                          => caseload,
        (Manager,         Write(CarePlan | Claim | Acknowledgement
                                | Referral))                                   => caseload,
        (Manager,         Relationships)                                       => row(OwnOrganisation, CARE_SAFEGUARDING_EMERGENCY),
        (Manager,         BreakGlass)                                          => row(AnyPerson, CARE_SAFEGUARDING_EMERGENCY),

        // ---- privacy-officer -----------------------------------------------------------------
        (PrivacyOfficer,  Read)                                                => row(BreakGlassOnly, CARE_EMERGENCY),
        (PrivacyOfficer,  BreakGlass)                                          => row(AnyPerson, CARE_EMERGENCY),
        (PrivacyOfficer,  Retention | Erase)                                   => row(AnyPerson, CARE_AUDIT),
        (PrivacyOfficer,  AccessLog)                                           => row(AnyPerson, AUDIT_ONLY),

        // ---- auditor -------------------------------------------------------------------------
        (Auditor,         AccessLog)                                           => row(AnyPerson, AUDIT_ONLY),

        // ---- citizen -------------------------------------------------------------------------
        (Citizen,         Read | Flags | ReadConsent | ReplaceConsent
                          | AccessLog | Export)                                => own,

        // ---- system --------------------------------------------------------------------------
        (System,          Write(Flag))                                         => row(AnyPerson, CARE_ONLY),

        // ---- operator ------------------------------------------------------------------------
        (Operator,        Write(Flag | Erasure | Relationship))                => None,
        (Operator,        Read | Flags | ReadConsent | Write(_) | Erase
                          | AccessLog | Export)                                => row(AnyPerson, CARE_ONLY),

        // ---- everything else: deny by default ------------------------------------------------
        _ => None,
    }
}

/// The purposes under which `role` may open `review`, or `None`: not permitted. The break-glass
/// review queue is the privacy officer's (DESIGN §4). The flags list is open to the roles that
/// may read a person's flags, under the same purposes; each person on it is decided on its own.
pub fn review_permission(role: Role, review: Review) -> Option<&'static [Purpose]> {
    match (role, review) {
        (Role::PrivacyOfficer, Review::BreakGlass) => Some(CARE_AUDIT),
        // The operator reads one person at a time at the command line; lists are for HTTP.
        (Role::Operator, _) => None,
        (_, Review::Flags) => permission(role, &Action::ReadFlags).map(|p| p.purposes),
        _ => None,
    }
}
