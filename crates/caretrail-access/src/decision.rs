//! The answer to one request: [`Decision::Allow`] with a [`Grant`], or [`Decision::Deny`] with a
//! [`Denial`]. Both carry a stable, lower-case reason code for the audit leaf (DESIGN §4: exactly
//! one audit leaf per attempt, allowed or denied) and never any personal data.

use caretrail_core::audit::{AuditAction, Purpose};
use caretrail_core::{Code, Entry, OrganisationId, PersonId, Role, UserId};

use crate::action::{Action, Review};
use crate::category::{CategorySet, categories_of};
use crate::principal::Principal;

/// Allow or deny, with a reason.
#[must_use = "a decision must be audited and obeyed"]
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Allow(Grant),
    Deny(Denial),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }

    /// The reason code for the audit leaf: the grant's [`Basis`] or the [`Denial`].
    pub fn code(&self) -> &'static str {
        match self {
            Decision::Allow(g) => g.code(),
            Decision::Deny(d) => d.code(),
        }
    }

    /// Whether the audit leaf is marked `break_glass` (only an allowed break-glass read is).
    pub fn break_glass(&self) -> bool {
        matches!(self, Decision::Allow(g) if g.break_glass())
    }

    pub fn grant(&self) -> Option<&Grant> {
        match self {
            Decision::Allow(g) => Some(g),
            Decision::Deny(_) => None,
        }
    }

    pub fn denial(&self) -> Option<Denial> {
        match self {
            Decision::Allow(_) => None,
            Decision::Deny(d) => Some(*d),
        }
    }

    pub fn into_result(self) -> Result<Grant, Denial> {
        match self {
            Decision::Allow(g) => Ok(g),
            Decision::Deny(d) => Err(d),
        }
    }
}

/// What a grant applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Person { person: PersonId, action: Action },
    Review(Review),
}

/// Proof that a decision allowed one principal one action on one person (or one review queue).
///
/// Only this crate constructs a `Grant` (its fields are private), so code holding one has been
/// through [`crate::decide()`]. Operations should take `&Grant` and check [`Grant::person`] and
/// [`Grant::action`] against what they are about to do. It is deliberately not `Clone`.
#[derive(Debug, PartialEq, Eq)]
pub struct Grant {
    pub(crate) principal: Principal,
    pub(crate) target: Target,
    pub(crate) basis: Basis,
    pub(crate) hidden: CategorySet,
    pub(crate) person_erased: bool,
}

impl Grant {
    pub fn user(&self) -> UserId {
        self.principal.user
    }

    pub fn role(&self) -> Role {
        self.principal.role
    }

    pub fn organisation(&self) -> OrganisationId {
        self.principal.organisation
    }

    /// The purpose of use the request declared (and the audit leaf records).
    pub fn purpose(&self) -> Purpose {
        self.principal.purpose
    }

    /// The person whose record this grant is for; `None` for a review queue.
    pub fn person(&self) -> Option<PersonId> {
        match self.target {
            Target::Person { person, .. } => Some(person),
            Target::Review(_) => None,
        }
    }

    /// The action allowed on [`Grant::person`]'s record; `None` for a review queue.
    pub fn action(&self) -> Option<Action> {
        match self.target {
            Target::Person { action, .. } => Some(action),
            Target::Review(_) => None,
        }
    }

    /// The review queue this grant opens; `None` for a person's record.
    pub fn review(&self) -> Option<Review> {
        match self.target {
            Target::Review(r) => Some(r),
            Target::Person { .. } => None,
        }
    }

    pub fn audit_action(&self) -> AuditAction {
        match self.target {
            Target::Person { action, .. } => action.audit_action(),
            Target::Review(r) => r.audit_action(),
        }
    }

    /// Why access was allowed.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    pub fn code(&self) -> &'static str {
        self.basis.code()
    }

    /// Allowed only through an open break-glass window: mark the read `break_glass: true` and
    /// open a review item for the privacy officer (DESIGN §4).
    pub fn break_glass(&self) -> bool {
        self.basis == Basis::BreakGlass
    }

    /// Consent categories the person withholds from the principal's organisation: leave entries
    /// in them out of anything returned under this grant. (A write in one of them was refused.)
    pub fn hidden_categories(&self) -> CategorySet {
        self.hidden
    }

    /// May an entry in these categories be shown under this grant?
    pub fn may_see(&self, categories: CategorySet) -> bool {
        !self.hidden.intersects(categories)
    }

    /// May this entry be shown under this grant? (Its codes decide its categories.)
    pub fn may_see_entry(&self, entry: &Entry) -> bool {
        self.may_see_codes(&entry.codes)
    }

    /// May an entry with these codes be shown under this grant?
    pub fn may_see_codes(&self, codes: &[Code]) -> bool {
        self.may_see(categories_of(codes))
    }

    /// The person is erased: the record layer returns metadata only (`"data": null`,
    /// `"erased": true`). Access never reveals erased data; it only passes the fact on.
    pub fn person_erased(&self) -> bool {
        self.person_erased
    }
}

/// Why a grant was given. The code is what the audit leaf records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// The practitioner's own active care relationship through their organisation.
    CareRelationship,
    /// A manager's organisation caseload: someone in their organisation has an active
    /// relationship with the person.
    OrganisationCaseload,
    /// A citizen acting on their own record.
    OwnRecord,
    /// A manager managing relationships through their own organisation.
    OwnOrganisation,
    /// A privacy officer's or auditor's duty, which needs no care relationship.
    OversightDuty,
    /// The system account's duty (writing decision-support flags).
    SystemDuty,
    /// The operator at the server's command line.
    OperatorDuty,
    /// A role that may open break-glass on anyone did so (the window itself is then the basis of
    /// the reads it allows, [`Basis::BreakGlass`]).
    EmergencyAccess,
    /// An open break-glass window stood in for a missing relationship or a consent block.
    BreakGlass,
}

impl Basis {
    pub const ALL: [Basis; 9] = [
        Basis::CareRelationship,
        Basis::OrganisationCaseload,
        Basis::OwnRecord,
        Basis::OwnOrganisation,
        Basis::OversightDuty,
        Basis::SystemDuty,
        Basis::OperatorDuty,
        Basis::EmergencyAccess,
        Basis::BreakGlass,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Basis::CareRelationship => "care-relationship",
            Basis::OrganisationCaseload => "organisation-caseload",
            Basis::OwnRecord => "own-record",
            Basis::OwnOrganisation => "own-organisation",
            Basis::OversightDuty => "oversight-duty",
            Basis::SystemDuty => "system-duty",
            Basis::OperatorDuty => "operator-duty",
            Basis::EmergencyAccess => "emergency-access",
            Basis::BreakGlass => "break-glass",
        }
    }
}

/// Why a request was refused. The message is plain English for the requester and names no
/// personal data (not the person, not the category withheld, not the reason given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Denial {
    #[error("your role does not permit this action")]
    RoleNotPermitted,
    #[error("this purpose of use is not permitted for your role and this action")]
    PurposeNotPermitted,
    #[error("you have no active care relationship with this person through your organisation")]
    NoCareRelationship,
    #[error("this person is not in your organisation's caseload")]
    NotInCaseload,
    #[error("relationships can only be managed through your own organisation")]
    OutsideOrganisation,
    #[error("the person's consent directives block your organisation")]
    ConsentBlocked,
    #[error(
        "the person's consent directives withhold this category of entry from your organisation"
    )]
    ConsentCategoryBlocked,
    #[error("a citizen may act only on their own record")]
    NotOwnRecord,
    #[error("your role may read a record only through an open break-glass window")]
    BreakGlassRequired,
    #[error("your break-glass window on this record has expired")]
    BreakGlassExpired,
    #[error("break-glass needs a reason: at least 3 visible characters and no control characters")]
    MissingReason,
    #[error("the break-glass reason is too long")]
    ReasonTooLong,
    #[error("this record has been erased; nothing more can be done to it")]
    PersonErased,
    /// For ids that name something inside a record (a flag, an amended entry): unknown, on a
    /// person the caller cannot reach, or withheld by consent, all answered alike.
    #[error("nothing you may act on has this id")]
    NotVisible,
}

impl Denial {
    pub const ALL: [Denial; 14] = [
        Denial::RoleNotPermitted,
        Denial::PurposeNotPermitted,
        Denial::NoCareRelationship,
        Denial::NotInCaseload,
        Denial::OutsideOrganisation,
        Denial::ConsentBlocked,
        Denial::ConsentCategoryBlocked,
        Denial::NotOwnRecord,
        Denial::BreakGlassRequired,
        Denial::BreakGlassExpired,
        Denial::MissingReason,
        Denial::ReasonTooLong,
        Denial::PersonErased,
        Denial::NotVisible,
    ];

    /// The stable reason code for the audit leaf and the problem document.
    pub fn code(self) -> &'static str {
        match self {
            Denial::RoleNotPermitted => "role-not-permitted",
            Denial::PurposeNotPermitted => "purpose-not-permitted",
            Denial::NoCareRelationship => "no-care-relationship",
            Denial::NotInCaseload => "not-in-caseload",
            Denial::OutsideOrganisation => "outside-organisation",
            Denial::ConsentBlocked => "consent-blocked",
            Denial::ConsentCategoryBlocked => "consent-category-blocked",
            Denial::NotOwnRecord => "not-own-record",
            Denial::BreakGlassRequired => "break-glass-required",
            Denial::BreakGlassExpired => "break-glass-expired",
            Denial::MissingReason => "missing-reason",
            Denial::ReasonTooLong => "reason-too-long",
            Denial::PersonErased => "person-erased",
            Denial::NotVisible => "not-visible",
        }
    }

    /// For a refusal caused by the request body rather than by who is asking: the JSON Pointer
    /// of the field at fault (an HTTP layer answers 422 with it; every other denial is a 403).
    pub fn input_field(self) -> Option<&'static str> {
        match self {
            Denial::MissingReason | Denial::ReasonTooLong => Some("/reason"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_core::audit::is_reason_code;

    #[test]
    fn every_code_is_a_distinct_audit_reason_code() {
        let mut seen = std::collections::BTreeSet::new();
        let codes = Denial::ALL
            .iter()
            .map(|d| d.code())
            .chain(Basis::ALL.iter().map(|b| b.code()));
        for code in codes {
            assert!(is_reason_code(code), "{code}");
            assert!(seen.insert(code), "duplicate code {code}");
        }
    }

    #[test]
    fn messages_are_plain_sentences_without_placeholders() {
        for d in Denial::ALL {
            let m = d.to_string();
            assert!(!m.is_empty() && !m.contains('{'), "{m}");
            assert_eq!(m, m.trim());
        }
    }
}
