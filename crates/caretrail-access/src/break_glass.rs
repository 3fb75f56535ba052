//! Break-glass: emergency access to a record outside the care relationship (issue scope 3:
//! "a mandatory reason, a one-hour limit, and an automatic review item for the privacy officer";
//! DESIGN §4). The lawful ground it stands for is vital interests, GDPR Art. 9(2)(c).
//!
//! [`open_break_glass`] checks the role and purpose (the `OpenBreakGlass` row of
//! [`crate::policy`]) and the reason, and returns a [`BreakGlassGrant`] valid for
//! `[opened_at, opened_at + 1 h)` for that user, organisation and person only. The caller stores
//! it, opens a review item for the privacy officer, and passes it back in
//! [`crate::Facts::break_glass`]; [`crate::decide()`] then lets reads through despite a missing
//! relationship or a consent block and marks them `break_glass`.

use caretrail_core::{OrganisationId, PersonId, UserId};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::decide::{Facts, decide};
use crate::decision::{Decision, Denial};
use crate::principal::Principal;

/// How long a break-glass window stays open.
pub const BREAK_GLASS_WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// The longest reason accepted, in characters.
pub const MAX_BREAK_GLASS_REASON_CHARS: usize = 500;

/// An opened break-glass window. Its reason is free text that may hold personal data: it goes to
/// the privacy officer's review queue, never into a ledger leaf, a log line or an error message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredGrant")]
pub struct BreakGlassGrant {
    user: UserId,
    organisation: OrganisationId,
    person: PersonId,
    reason: String,
    opened_at: Timestamp,
}

/// The serialised form, validated on the way back in.
#[derive(Deserialize)]
struct StoredGrant {
    user: UserId,
    organisation: OrganisationId,
    person: PersonId,
    reason: String,
    opened_at: Timestamp,
}

impl TryFrom<StoredGrant> for BreakGlassGrant {
    type Error = Denial;
    fn try_from(s: StoredGrant) -> Result<Self, Denial> {
        BreakGlassGrant::restore(s.user, s.organisation, s.person, &s.reason, s.opened_at)
    }
}

impl std::fmt::Debug for BreakGlassGrant {
    // The reason is redacted: it must never reach a log line or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BreakGlassGrant")
            .field("user", &self.user)
            .field("organisation", &self.organisation)
            .field("person", &self.person)
            .field("reason", &"<redacted>")
            .field("opened_at", &self.opened_at)
            .finish()
    }
}

/// Opens a break-glass window for `principal` on `person` at `now`.
///
/// Refused with the same denial [`decide()`] gives for [`Action::OpenBreakGlass`] when the role
/// or purpose does not permit it (citizen, auditor and system never may; nor may anyone under the
/// `audit` purpose), then with [`Denial::MissingReason`] for a blank reason and
/// [`Denial::ReasonTooLong`] beyond [`MAX_BREAK_GLASS_REASON_CHARS`]. The reason is stored
/// trimmed.
pub fn open_break_glass(
    principal: &Principal,
    person: PersonId,
    reason: &str,
    now: Timestamp,
) -> Result<BreakGlassGrant, Denial> {
    let facts = Facts {
        person,
        now,
        relationships: &[],
        consents: &[],
        break_glass: None,
        erased: false,
    };
    if let Decision::Deny(d) = decide(principal, &Action::OpenBreakGlass, &facts) {
        return Err(d);
    }
    BreakGlassGrant::restore(principal.user, principal.organisation, person, reason, now)
}

fn checked_reason(reason: &str) -> Result<&str, Denial> {
    let reason = reason.trim();
    if caretrail_core::data::reason_fault(reason).is_some() {
        Err(Denial::MissingReason)
    } else if reason.chars().count() > MAX_BREAK_GLASS_REASON_CHARS {
        Err(Denial::ReasonTooLong)
    } else {
        Ok(reason)
    }
}

impl BreakGlassGrant {
    /// Rebuilds a grant read back from storage. The reason is checked again; the role is not (it
    /// was checked when the window was opened, and [`decide()`] checks the reader's role anyway).
    pub fn restore(
        user: UserId,
        organisation: OrganisationId,
        person: PersonId,
        reason: &str,
        opened_at: Timestamp,
    ) -> Result<Self, Denial> {
        Ok(BreakGlassGrant {
            user,
            organisation,
            person,
            reason: checked_reason(reason)?.to_owned(),
            opened_at,
        })
    }

    pub fn user(&self) -> UserId {
        self.user
    }

    pub fn organisation(&self) -> OrganisationId {
        self.organisation
    }

    pub fn person(&self) -> PersonId {
        self.person
    }

    /// The reason given (free text: for the privacy officer's review only).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn opened_at(&self) -> Timestamp {
        self.opened_at
    }

    /// The first instant the window is closed: `opened_at + 1 h` (saturating at the end of time).
    pub fn expires_at(&self) -> Timestamp {
        self.opened_at
            .saturating_add(BREAK_GLASS_WINDOW)
            .unwrap_or(Timestamp::MAX)
    }

    /// Is the window open at `now`: `opened_at <= now < opened_at + 1 h`?
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        let elapsed = now.duration_since(self.opened_at);
        !elapsed.is_negative() && elapsed < BREAK_GLASS_WINDOW
    }

    /// Has the window closed by `now`?
    pub fn has_expired_at(&self, now: Timestamp) -> bool {
        now.duration_since(self.opened_at) >= BREAK_GLASS_WINDOW
    }

    /// Was this window opened by this principal (user and organisation) on this person?
    pub fn is_for(&self, principal: &Principal, person: PersonId) -> bool {
        self.user == principal.user
            && self.organisation == principal.organisation
            && self.person == person
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(reason: &str) -> Result<BreakGlassGrant, Denial> {
        BreakGlassGrant::restore(
            UserId::new(),
            OrganisationId::new(),
            PersonId::new(),
            reason,
            "2026-03-01T10:00:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn reason_is_trimmed_and_bounded() {
        assert_eq!(
            grant("  collapsed at home \n").unwrap().reason(),
            "collapsed at home"
        );
        assert_eq!(grant(" \t\n").unwrap_err(), Denial::MissingReason);
        let longest = "é".repeat(MAX_BREAK_GLASS_REASON_CHARS);
        assert!(grant(&longest).is_ok());
        assert_eq!(
            grant(&format!("{longest}x")).unwrap_err(),
            Denial::ReasonTooLong
        );
    }

    /// Issue 11, hole 6: a reason nobody can read is no reason.
    #[test]
    fn an_invisible_or_control_character_reason_is_refused() {
        for bad in [
            "\u{0}",
            "\u{200b}",
            "\u{200b}\u{200b}\u{200b}\u{200b}",
            "\u{feff}\u{2060}\u{00ad}",
            "ab",
            " a b ",
            "fell\u{7}",
            "fell\u{1b}[2J",
            "\u{e0041}\u{e0042}\u{e0043}",
        ] {
            assert_eq!(grant(bad).unwrap_err(), Denial::MissingReason, "{bad:?}");
        }
        for good in ["fel", "Fell on stairs", "fell\nhit head", "A&E", "跌倒了"] {
            assert!(grant(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn debug_redacts_the_reason() {
        let g = grant("Mrs Example fell").unwrap();
        assert!(!format!("{g:?}").contains("Example"));
    }

    #[test]
    fn window_is_half_open_and_one_hour_long() {
        let g = grant("fell").unwrap();
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert!(!g.is_open_at(t("2026-03-01T09:59:59Z")));
        assert!(!g.has_expired_at(t("2026-03-01T09:59:59Z")));
        assert!(g.is_open_at(t("2026-03-01T10:00:00Z")));
        assert!(g.is_open_at(t("2026-03-01T10:59:59.999999999Z")));
        assert!(!g.is_open_at(t("2026-03-01T11:00:00Z")));
        assert!(g.has_expired_at(t("2026-03-01T11:00:00Z")));
        assert_eq!(g.expires_at(), t("2026-03-01T11:00:00Z"));
        let late = BreakGlassGrant {
            opened_at: Timestamp::MAX,
            ..g
        };
        assert_eq!(late.expires_at(), Timestamp::MAX);
        assert!(late.is_open_at(Timestamp::MAX));
        assert!(!late.is_open_at(Timestamp::MIN));
    }

    #[test]
    fn a_stored_grant_with_a_blank_reason_does_not_deserialise() {
        let g = grant("fell").unwrap();
        let mut v = serde_json::to_value(&g).unwrap();
        assert_eq!(v["reason"], "fell");
        assert_eq!(
            serde_json::from_value::<BreakGlassGrant>(v.clone()).unwrap(),
            g
        );
        v["reason"] = " ".into();
        assert!(serde_json::from_value::<BreakGlassGrant>(v).is_err());
    }
}
