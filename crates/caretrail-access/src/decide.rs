//! The decision procedure. Given a [`Principal`], an [`Action`] and the [`Facts`] the caller
//! gathered, [`decide()`] answers allow or deny with a reason; [`decide_review`] does the same for
//! review queues, which span people.
//!
//! The steps, in order (the first refusal wins):
//! 1. **Role**: the [`crate::policy`] table must have a row for the role and action
//!    (`role-not-permitted`; deny by default).
//! 2. **Purpose**: the declared purpose must be one of the row's (`purpose-not-permitted`).
//! 3. **Reach**: the row's [`Reach`] must hold for this person: the principal's own active care
//!    relationship through their organisation (`no-care-relationship`), the organisation's
//!    caseload for a manager (`not-in-caseload`), the citizen's own record (`not-own-record`),
//!    the principal's own organisation for relationship management (`outside-organisation`), or
//!    an open break-glass window for a privacy officer's read (`break-glass-required`).
//! 4. **Consent** (relationship and caseload reach only): the person's directives, applied in
//!    order to the principal's organisation, may block it (`consent-blocked`), hide categories
//!    from its reads (listed in the [`Grant`]) or refuse a write in a hidden category
//!    (`consent-category-blocked`).
//! 5. **Break-glass** (reads with relationship, caseload or break-glass-only reach): the
//!    principal's own open window on this person (`[opened_at, opened_at + 1 h)`, same user,
//!    organisation and person) turns a refusal at steps 3–4 into an allow marked `break_glass`,
//!    and also reveals categories consent would hide. A window of theirs that has closed turns
//!    the refusal into `break-glass-expired`. Writes never use break-glass.
//! 6. **Erasure**: an erased person's record can still be read (the grant says so, and the
//!    record layer returns metadata only), but nothing can be changed (`person-erased`).
//!
//! The order keeps refusals from leaking: someone without a relationship learns neither the
//! person's consent directives nor whether they were erased.

use caretrail_core::data::Consent;
use caretrail_core::{CareRelationship, OrganisationId, PersonId, Role};
use jiff::Timestamp;

use crate::action::{Action, Review};
use crate::break_glass::BreakGlassGrant;
use crate::category::CategorySet;
use crate::consent::consent_for;
use crate::decision::{Basis, Decision, Denial, Grant, Target};
use crate::policy::{Reach, permission, review_permission};
use crate::principal::Principal;

/// Everything a decision about one person needs, gathered by the caller.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The person whose record the request is about.
    pub person: PersonId,
    /// The time of the request.
    pub now: Timestamp,
    /// The person's care relationships, active or not (any of another person are ignored).
    pub relationships: &'a [CareRelationship],
    /// The person's current consent directives, in the order they apply.
    pub consents: &'a [Consent],
    /// The requesting user's latest break-glass window on this person, if any (a window of
    /// another user, organisation or person is ignored).
    pub break_glass: Option<&'a BreakGlassGrant>,
    /// The person has been erased.
    pub erased: bool,
}

impl Facts<'_> {
    fn active(&self) -> impl Iterator<Item = &CareRelationship> {
        self.relationships
            .iter()
            .filter(|r| r.person == self.person && r.is_active_at(self.now))
    }

    /// Does `principal` hold an active care relationship with the person, through the
    /// organisation they act for?
    pub fn has_care_relationship(&self, principal: &Principal) -> bool {
        self.active()
            .any(|r| r.practitioner == principal.user && r.organisation == principal.organisation)
    }

    /// Is the person in `organisation`'s caseload: does anyone in it have an active care
    /// relationship with them?
    pub fn in_caseload_of(&self, organisation: OrganisationId) -> bool {
        self.active().any(|r| r.organisation == organisation)
    }
}

/// May `principal` do `action` to the record of `facts.person`? See the module docs for the
/// steps. Never panics; the same inputs always give the same answer.
pub fn decide(principal: &Principal, action: &Action, facts: &Facts<'_>) -> Decision {
    match evaluate(principal, action, facts) {
        Ok((basis, hidden)) => Decision::Allow(Grant {
            principal: principal.clone(),
            target: Target::Person {
                person: facts.person,
                action: *action,
            },
            basis,
            hidden,
            person_erased: facts.erased,
        }),
        Err(denial) => Decision::Deny(denial),
    }
}

/// May `principal` open the `review` queue? Review queues span people, so there are no facts.
pub fn decide_review(principal: &Principal, review: Review) -> Decision {
    let Some(purposes) = review_permission(principal.role, review) else {
        return Decision::Deny(Denial::RoleNotPermitted);
    };
    if !purposes.contains(&principal.purpose) {
        return Decision::Deny(Denial::PurposeNotPermitted);
    }
    Decision::Allow(Grant {
        principal: principal.clone(),
        target: Target::Review(review),
        basis: match (review, principal.role) {
            (Review::BreakGlass, _) => Basis::OversightDuty,
            (Review::Flags, Role::Citizen) => Basis::OwnRecord,
            (Review::Flags, Role::Manager) => Basis::OrganisationCaseload,
            (Review::Flags, _) => Basis::CareRelationship,
        },
        hidden: CategorySet::EMPTY,
        person_erased: false,
    })
}

type Outcome = Result<(Basis, CategorySet), Denial>;

fn evaluate(principal: &Principal, action: &Action, facts: &Facts<'_>) -> Outcome {
    // 1. Role.
    let row = permission(principal.role, action).ok_or(Denial::RoleNotPermitted)?;
    // 2. Purpose.
    if !row.purposes.contains(&principal.purpose) {
        return Err(Denial::PurposeNotPermitted);
    }
    // 3 and 4. Reach, then consent.
    let outcome = reach(principal, action, row.reach, facts);
    // 5. Break-glass.
    let outcome = with_break_glass(principal, action, row.reach, facts, outcome);
    // 6. Erasure.
    if outcome.is_ok() && facts.erased && action.is_mutation() {
        return Err(Denial::PersonErased);
    }
    outcome
}

fn reach(principal: &Principal, action: &Action, reach: Reach, facts: &Facts<'_>) -> Outcome {
    match reach {
        Reach::CareRelationship => {
            if !facts.has_care_relationship(principal) {
                return Err(Denial::NoCareRelationship);
            }
            consent(principal, action, facts, Basis::CareRelationship)
        }
        Reach::OrganisationCaseload => {
            if !facts.in_caseload_of(principal.organisation) {
                return Err(Denial::NotInCaseload);
            }
            consent(principal, action, facts, Basis::OrganisationCaseload)
        }
        Reach::OwnRecord => {
            if principal.person == Some(facts.person) {
                Ok((Basis::OwnRecord, CategorySet::EMPTY))
            } else {
                Err(Denial::NotOwnRecord)
            }
        }
        Reach::OwnOrganisation => match action {
            Action::ManageRelationships { organisation }
                if *organisation == principal.organisation =>
            {
                Ok((Basis::OwnOrganisation, CategorySet::EMPTY))
            }
            _ => Err(Denial::OutsideOrganisation),
        },
        Reach::AnyPerson => {
            let basis = if *action == Action::OpenBreakGlass {
                Basis::EmergencyAccess
            } else if principal.role == Role::System {
                Basis::SystemDuty
            } else if principal.role == Role::Operator {
                Basis::OperatorDuty
            } else {
                Basis::OversightDuty
            };
            Ok((basis, CategorySet::EMPTY))
        }
        Reach::BreakGlassOnly => Err(Denial::BreakGlassRequired),
    }
}

/// Step 4: the person's consent directives as they apply to the principal's organisation.
fn consent(principal: &Principal, action: &Action, facts: &Facts<'_>, basis: Basis) -> Outcome {
    let view = consent_for(principal.organisation, facts.consents);
    if view.organisation_blocked {
        return Err(Denial::ConsentBlocked);
    }
    if let Action::WriteEntry { categories, .. } = action
        && categories.intersects(view.hidden)
    {
        return Err(Denial::ConsentCategoryBlocked);
    }
    Ok((basis, view.hidden))
}

/// Step 5: an open break-glass window of the principal's own stands in for what steps 3–4
/// refused or hid, for reads only.
fn with_break_glass(
    principal: &Principal,
    action: &Action,
    reach: Reach,
    facts: &Facts<'_>,
    outcome: Outcome,
) -> Outcome {
    let applies = action.is_break_glass_read()
        && matches!(
            reach,
            Reach::CareRelationship | Reach::OrganisationCaseload | Reach::BreakGlassOnly
        );
    if !applies {
        return outcome;
    }
    let window = facts
        .break_glass
        .filter(|g| g.is_for(principal, facts.person));
    let open = window.is_some_and(|g| g.is_open_at(facts.now));
    let expired = window.is_some_and(|g| g.has_expired_at(facts.now));
    match outcome {
        Ok((_, hidden)) if open && !hidden.is_empty() => {
            Ok((Basis::BreakGlass, CategorySet::EMPTY))
        }
        Err(
            Denial::NoCareRelationship
            | Denial::NotInCaseload
            | Denial::ConsentBlocked
            | Denial::BreakGlassRequired,
        ) if open => Ok((Basis::BreakGlass, CategorySet::EMPTY)),
        Err(
            Denial::NoCareRelationship
            | Denial::NotInCaseload
            | Denial::ConsentBlocked
            | Denial::BreakGlassRequired,
        ) if expired => Err(Denial::BreakGlassExpired),
        other => other,
    }
}
