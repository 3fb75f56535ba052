//! Audit events: every decision on an attempt to read or write a person's record, allowed or
//! denied, becomes one ledger leaf (DESIGN §4). An event holds opaque ids and codes only — the
//! accessor, their role and organisation, the person (as a pseudonym in the leaf), the action,
//! the purpose of use, the decision, whether break-glass was used, and a reason code.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{EntryId, OrganisationId, PersonId, UserId};
use crate::model::Role;

/// Why a record is being accessed (header `X-Purpose-Of-Use`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    #[default]
    Care,
    Safeguarding,
    Emergency,
    Audit,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::Care,
        Purpose::Safeguarding,
        Purpose::Emergency,
        Purpose::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Care => "care",
            Purpose::Safeguarding => "safeguarding",
            Purpose::Emergency => "emergency",
            Purpose::Audit => "audit",
        }
    }

    /// Stable one-byte code for ledger leaves.
    pub fn code(self) -> u8 {
        Purpose::ALL
            .iter()
            .position(|p| *p == self)
            .map_or(0xff, |i| i as u8 + 1)
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                "unknown purpose of use; expected care, safeguarding, emergency or audit".to_owned()
            })
    }
}

/// What was attempted on a person's record (or the accessor's own, for a citizen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    ReadRecord,
    WriteEntry,
    ReadConsent,
    ReplaceConsent,
    ManageRelationships,
    SetRetention,
    Erase,
    OpenBreakGlass,
    ReadAccessLog,
    Export,
    ReadFlags,
    ReviewBreakGlass,
    /// A sign-in attempt (a security event; concerns no person's record).
    SignIn,
}

impl AuditAction {
    pub const ALL: [AuditAction; 13] = [
        AuditAction::ReadRecord,
        AuditAction::WriteEntry,
        AuditAction::ReadConsent,
        AuditAction::ReplaceConsent,
        AuditAction::ManageRelationships,
        AuditAction::SetRetention,
        AuditAction::Erase,
        AuditAction::OpenBreakGlass,
        AuditAction::ReadAccessLog,
        AuditAction::Export,
        AuditAction::ReadFlags,
        AuditAction::ReviewBreakGlass,
        AuditAction::SignIn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ReadRecord => "read-record",
            AuditAction::WriteEntry => "write-entry",
            AuditAction::ReadConsent => "read-consent",
            AuditAction::ReplaceConsent => "replace-consent",
            AuditAction::ManageRelationships => "manage-relationships",
            AuditAction::SetRetention => "set-retention",
            AuditAction::Erase => "erase",
            AuditAction::OpenBreakGlass => "open-break-glass",
            AuditAction::ReadAccessLog => "read-access-log",
            AuditAction::Export => "export",
            AuditAction::ReadFlags => "read-flags",
            AuditAction::ReviewBreakGlass => "review-break-glass",
            AuditAction::SignIn => "sign-in",
        }
    }

    /// Stable one-byte code for ledger leaves. Never reorder: append new actions at the end.
    pub fn code(self) -> u8 {
        AuditAction::ALL
            .iter()
            .position(|a| *a == self)
            .map_or(0xff, |i| i as u8 + 1)
    }

    pub fn from_code(code: u8) -> Option<Self> {
        AuditAction::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }
}

/// One audited decision. `reason` is a short code (lower-case ASCII letters, digits and
/// hyphens, at most [`MAX_REASON_LEN`] bytes), never free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: EntryId,
    pub at: Timestamp,
    pub accessor: UserId,
    pub role: Role,
    pub organisation: OrganisationId,
    pub person: Option<PersonId>,
    pub action: AuditAction,
    pub purpose: Purpose,
    pub allowed: bool,
    pub break_glass: bool,
    pub reason: String,
}

pub const MAX_REASON_LEN: usize = 48;

/// Is `reason` a well-formed reason code?
pub fn is_reason_code(reason: &str) -> bool {
    !reason.is_empty()
        && reason.len() <= MAX_REASON_LEN
        && reason
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_actions_round_trip_with_stable_codes() {
        for (i, p) in Purpose::ALL.into_iter().enumerate() {
            assert_eq!(p.as_str().parse::<Purpose>().unwrap(), p);
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
            assert_eq!(usize::from(p.code()), i + 1);
        }
        assert_eq!(Purpose::default(), Purpose::Care);
        assert!("curiosity".parse::<Purpose>().is_err());
        for (i, a) in AuditAction::ALL.into_iter().enumerate() {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
            assert_eq!(usize::from(a.code()), i + 1);
            assert_eq!(AuditAction::from_code(a.code()), Some(a));
        }
    }

    #[test]
    fn reason_codes_are_short_plain_codes() {
        assert!(is_reason_code("no-care-relationship"));
        for bad in ["", "Has Spaces", "UPPER", &"x".repeat(49), "naïve"] {
            assert!(!is_reason_code(bad), "{bad}");
        }
    }
}
