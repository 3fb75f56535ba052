//! How a person's consent directives apply to one organisation (issue scope 3: "a person can
//! block an organisation, or a category (mental health, safeguarding, sexual health) from an
//! organisation").
//!
//! Directives are applied **in the order given**, so a later directive overrides an earlier one
//! about the same thing:
//!
//! | directive | organisation | category | effect on that organisation                         |
//! |-----------|--------------|----------|------------------------------------------------------|
//! | `deny`    | O            | —        | O is blocked entirely                                |
//! | `deny`    | O            | C        | entries of category C are hidden from O              |
//! | `permit`  | O            | —        | lifts O's block *and* every category hidden from O   |
//! | `permit`  | O            | C        | un-hides C for O (an organisation-wide block stays)  |
//!
//! A directive without an organisation applies to every organisation. `caretrail-core` refuses a
//! `deny` without one on input; should one reach this code anyway, it blocks every organisation,
//! which fails closed. A `permit` without an organisation lifts the matching blocks everywhere.
//!
//! Consent limits what an organisation's practitioners may read or write through their care
//! relationship (or a manager's caseload); it does not bind the person themselves, the privacy
//! officer's duties, the auditor's access-log reading or the system's flags. Break-glass reads
//! override it (see [`crate::decide()`]).

use caretrail_core::OrganisationId;
use caretrail_core::data::{Consent, ConsentDirective};

use crate::category::CategorySet;

/// The net effect of a person's directives on one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConsentView {
    /// The organisation may not see or write the record at all.
    pub organisation_blocked: bool,
    /// Categories of entries hidden from the organisation (reads) and refused to it (writes).
    pub hidden: CategorySet,
}

/// Applies `consents`, in order, to `organisation`.
pub fn consent_for(organisation: OrganisationId, consents: &[Consent]) -> ConsentView {
    let mut view = ConsentView::default();
    for consent in consents {
        if consent.organisation.is_some_and(|o| o != organisation) {
            continue;
        }
        match (consent.directive, consent.category) {
            (ConsentDirective::Deny, None) => view.organisation_blocked = true,
            (ConsentDirective::Deny, Some(c)) => view.hidden.insert(c),
            (ConsentDirective::Permit, None) => view = ConsentView::default(),
            (ConsentDirective::Permit, Some(c)) => view.hidden.remove(c),
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_core::data::ConsentCategory::{MentalHealth, Safeguarding};
    use caretrail_core::data::ConsentDirective::{Deny, Permit};

    fn c(
        directive: ConsentDirective,
        organisation: Option<OrganisationId>,
        category: Option<caretrail_core::data::ConsentCategory>,
    ) -> Consent {
        Consent {
            directive,
            organisation,
            category,
            note: None,
        }
    }

    #[test]
    fn directives_about_other_organisations_do_not_apply() {
        let (mine, theirs) = (OrganisationId::new(), OrganisationId::new());
        let view = consent_for(
            mine,
            &[
                c(Deny, Some(theirs), None),
                c(Deny, Some(theirs), Some(MentalHealth)),
            ],
        );
        assert_eq!(view, ConsentView::default());
    }

    #[test]
    fn organisation_wide_permit_lifts_category_blocks_but_category_permit_keeps_the_block() {
        let o = OrganisationId::new();
        let lifted = consent_for(
            o,
            &[
                c(Deny, Some(o), Some(MentalHealth)),
                c(Deny, Some(o), Some(Safeguarding)),
                c(Permit, Some(o), None),
            ],
        );
        assert_eq!(lifted, ConsentView::default());
        let still = consent_for(
            o,
            &[
                c(Deny, Some(o), None),
                c(Deny, Some(o), Some(MentalHealth)),
                c(Permit, Some(o), Some(MentalHealth)),
            ],
        );
        assert!(still.organisation_blocked);
        assert!(still.hidden.is_empty());
    }

    #[test]
    fn a_deny_without_organisation_fails_closed_for_everyone() {
        let view = consent_for(OrganisationId::new(), &[c(Deny, None, None)]);
        assert!(view.organisation_blocked);
        let view = consent_for(
            OrganisationId::new(),
            &[c(Deny, None, None), c(Permit, None, None)],
        );
        assert!(!view.organisation_blocked);
    }
}
