//! Entries: the unit of the record. Nothing is updated in place; a correction is a new entry whose
//! `amends` names the entry it corrects.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::ids::{EntryId, OrganisationId, PersonId, UserId};
use crate::model::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Assessment,
    CarePlan,
    Visit,
    Observation,
    Condition,
    Medication,
    Incident,
    CaseNote,
    Questionnaire,
    Consent,
    Claim,
    Flag,
    Acknowledgement,
    Erasure,
    /// A request that another organisation take on the person's care.
    Referral,
    /// Care through an organisation started or ended (written by starting or ending it).
    Relationship,
}

impl EntryKind {
    pub const ALL: [EntryKind; 16] = [
        EntryKind::Assessment,
        EntryKind::CarePlan,
        EntryKind::Visit,
        EntryKind::Observation,
        EntryKind::Condition,
        EntryKind::Medication,
        EntryKind::Incident,
        EntryKind::CaseNote,
        EntryKind::Questionnaire,
        EntryKind::Consent,
        EntryKind::Claim,
        EntryKind::Flag,
        EntryKind::Acknowledgement,
        EntryKind::Erasure,
        EntryKind::Referral,
        EntryKind::Relationship,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Assessment => "assessment",
            EntryKind::CarePlan => "care-plan",
            EntryKind::Visit => "visit",
            EntryKind::Observation => "observation",
            EntryKind::Condition => "condition",
            EntryKind::Medication => "medication",
            EntryKind::Incident => "incident",
            EntryKind::CaseNote => "case-note",
            EntryKind::Questionnaire => "questionnaire",
            EntryKind::Consent => "consent",
            EntryKind::Claim => "claim",
            EntryKind::Flag => "flag",
            EntryKind::Acknowledgement => "acknowledgement",
            EntryKind::Erasure => "erasure",
            EntryKind::Referral => "referral",
            EntryKind::Relationship => "relationship",
        }
    }

    /// A stable one-byte code used in ledger leaves. Never reorder: append new kinds at the end.
    pub fn code(self) -> u8 {
        EntryKind::ALL
            .iter()
            .position(|k| *k == self)
            .map_or(0xff, |i| i as u8 + 1)
    }

    pub fn from_code(code: u8) -> Option<EntryKind> {
        EntryKind::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for EntryKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown entry kind {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// What is stored in the clear about an entry (and bound into its ledger leaf). Everything else,
/// codes included, lives in the encrypted payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    pub id: EntryId,
    pub kind: EntryKind,
    pub person: PersonId,
    pub organisation: OrganisationId,
    pub author: UserId,
    pub author_role: Role,
    pub recorded_at: Timestamp,
    pub effective_at: Timestamp,
    pub amends: Option<EntryId>,
}

/// An entry as JSON shows it (timeline, record, export). `data` is `null` once erased.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: EntryId,
    pub kind: EntryKind,
    pub person: PersonId,
    pub organisation: OrganisationId,
    pub author: UserId,
    pub recorded_at: Timestamp,
    pub effective_at: Timestamp,
    pub codes: Vec<Code>,
    pub amends: Option<EntryId>,
    pub data: Option<serde_json::Value>,
    pub erased: bool,
    pub leaf_index: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_codes_are_stable() {
        for (i, k) in EntryKind::ALL.into_iter().enumerate() {
            assert_eq!(k.as_str().parse::<EntryKind>().unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(usize::from(k.code()), i + 1);
            assert_eq!(EntryKind::from_code(k.code()), Some(k));
        }
        assert_eq!(EntryKind::from_code(0), None);
        // Codes are bound into leaves: the kinds of issue 11 came last, after erasure (14).
        assert_eq!(EntryKind::Erasure.code(), 14);
        assert_eq!(EntryKind::Referral.code(), 15);
        assert_eq!(EntryKind::Relationship.code(), 16);
        assert_eq!(EntryKind::from_code(17), None);
        assert!("note".parse::<EntryKind>().is_err());
    }
}
