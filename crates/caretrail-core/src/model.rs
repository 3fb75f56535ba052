//! People, organisations, users and the care relationships between them.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{OrganisationId, PersonId, RelationshipId, UserId};

/// What a user does. Access rules (another crate) read this together with care relationships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    CareWorker,
    Nurse,
    SocialWorker,
    Gp,
    Manager,
    PrivacyOfficer,
    Auditor,
    Citizen,
    System,
    /// Whoever runs the command line on the server: every CLI action on any person, audited,
    /// never signed in over HTTP.
    Operator,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::CareWorker,
        Role::Nurse,
        Role::SocialWorker,
        Role::Gp,
        Role::Manager,
        Role::PrivacyOfficer,
        Role::Auditor,
        Role::Citizen,
        Role::System,
        Role::Operator,
    ];

    /// The wire name, e.g. `care-worker`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CareWorker => "care-worker",
            Role::Nurse => "nurse",
            Role::SocialWorker => "social-worker",
            Role::Gp => "gp",
            Role::Manager => "manager",
            Role::PrivacyOfficer => "privacy-officer",
            Role::Auditor => "auditor",
            Role::Citizen => "citizen",
            Role::System => "system",
            Role::Operator => "operator",
        }
    }

    /// A stable one-byte code used in ledger leaves.
    pub fn code(self) -> u8 {
        Role::ALL
            .iter()
            .position(|r| *r == self)
            .map_or(0xff, |i| i as u8 + 1)
    }

    /// Roles that hold caseloads through care relationships.
    pub fn is_practitioner(self) -> bool {
        matches!(
            self,
            Role::CareWorker | Role::Nurse | Role::SocialWorker | Role::Gp | Role::Manager
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrganisationKind {
    Council,
    HomeCareProvider,
    GpPractice,
    Hospital,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Council => "council",
            OrganisationKind::HomeCareProvider => "home-care-provider",
            OrganisationKind::GpPractice => "gp-practice",
            OrganisationKind::Hospital => "hospital",
        }
    }
}

impl FromStr for OrganisationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            OrganisationKind::Council,
            OrganisationKind::HomeCareProvider,
            OrganisationKind::GpPractice,
            OrganisationKind::Hospital,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown organisation kind {s:?}"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrganisationId,
    /// The display name, the same string the API and `demo-accounts.json` show.
    pub name: String,
    pub kind: OrganisationKind,
}

/// A user account. Practitioners and officers belong to an organisation; a citizen's account
/// names the person it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation: OrganisationId,
    pub person: Option<PersonId>,
}

/// Who a person is. Personal data: stored only encrypted under the person's data key, and
/// destroyed with it on erasure.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonProfile {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub sex: String,
    pub address: String,
    pub postcode: String,
}

impl fmt::Debug for PersonProfile {
    // Redacted: a profile must never reach a log line or a panic message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonProfile(<redacted>)")
    }
}

impl PersonProfile {
    /// Age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> i16 {
        let mut age = on.year() - self.date_of_birth.year();
        if (on.month(), on.day()) < (self.date_of_birth.month(), self.date_of_birth.day()) {
            age -= 1;
        }
        age
    }
}

/// A person receiving care. `profile` is `None` once the person has been erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub profile: Option<PersonProfile>,
    pub erased: bool,
}

/// Why a practitioner is involved in a person's care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipKind {
    /// The council's allocated social worker.
    AllocatedWorker,
    /// A home-care worker or nurse on the person's care team.
    CareTeam,
    /// The person's registered GP.
    RegisteredGp,
    /// A hospital clinician during an admission.
    HospitalTeam,
}

impl RelationshipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationshipKind::AllocatedWorker => "allocated-worker",
            RelationshipKind::CareTeam => "care-team",
            RelationshipKind::RegisteredGp => "registered-gp",
            RelationshipKind::HospitalTeam => "hospital-team",
        }
    }
}

impl FromStr for RelationshipKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            RelationshipKind::AllocatedWorker,
            RelationshipKind::CareTeam,
            RelationshipKind::RegisteredGp,
            RelationshipKind::HospitalTeam,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown relationship kind {s:?}"))
    }
}

/// A practitioner's legitimate relationship with a person, through an organisation, for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareRelationship {
    pub id: RelationshipId,
    pub practitioner: UserId,
    pub person: PersonId,
    pub organisation: OrganisationId,
    pub kind: RelationshipKind,
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

impl CareRelationship {
    /// Active from `from` (inclusive) until `to` (exclusive), or open-ended.
    pub fn is_active_at(&self, t: Timestamp) -> bool {
        self.from <= t && self.to.is_none_or(|to| t < to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_have_distinct_codes() {
        let mut codes = std::collections::BTreeSet::new();
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert!(codes.insert(r.code()));
        }
    }

    #[test]
    fn relationship_is_active_inside_its_period_only() {
        let from: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let to: Timestamp = "2025-06-01T00:00:00Z".parse().unwrap();
        let rel = CareRelationship {
            id: RelationshipId::new(),
            practitioner: UserId::new(),
            person: PersonId::new(),
            organisation: OrganisationId::new(),
            kind: RelationshipKind::CareTeam,
            from,
            to: Some(to),
        };
        assert!(!rel.is_active_at("2024-12-31T23:59:59Z".parse().unwrap()));
        assert!(rel.is_active_at(from));
        assert!(rel.is_active_at("2025-03-01T00:00:00Z".parse().unwrap()));
        assert!(!rel.is_active_at(to));
        let open = CareRelationship { to: None, ..rel };
        assert!(open.is_active_at("2030-01-01T00:00:00Z".parse().unwrap()));
    }

    #[test]
    fn profile_debug_is_redacted_and_age_counts_birthdays() {
        let p = PersonProfile {
            given_name: "Ada".into(),
            family_name: "Synthetic".into(),
            date_of_birth: Date::new(1940, 6, 15).unwrap(),
            sex: "female".into(),
            address: "1 Example Street".into(),
            postcode: "ZZ1 1ZZ".into(),
        };
        assert!(!format!("{p:?}").contains("Ada"));
        assert_eq!(p.age_on(Date::new(2026, 6, 14).unwrap()), 85);
        assert_eq!(p.age_on(Date::new(2026, 6, 15).unwrap()), 86);
    }
}
