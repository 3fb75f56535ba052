//! What a route does: an [`Action`] on one person's record, or a look at a [`Review`] queue that
//! spans people. Each maps to the `caretrail_core::audit::AuditAction` its audit leaf records.

use std::fmt;

use caretrail_core::audit::AuditAction;
use caretrail_core::{Code, EntryData, EntryKind, OrganisationId};

use crate::category::{CategorySet, categories_of};

/// What a route does to one person's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the record: timeline, record view, single entries.
    ReadRecord,
    /// Read the person's decision-support flags and their acknowledgements.
    ReadFlags,
    /// Create (or amend) an entry of `kind`. `categories` are the consent categories of the entry
    /// being written ([`categories_of`] its codes; for an amendment, include the categories of
    /// the entry it amends). Build it with [`Action::write`] or [`Action::write_data`].
    WriteEntry {
        kind: EntryKind,
        categories: CategorySet,
    },
    /// Start or end a care relationship through `organisation`.
    ManageRelationships { organisation: OrganisationId },
    /// Read the person's consent directives.
    ReadConsent,
    /// Replace the person's consent directives.
    ReplaceConsent,
    /// Set or change the person's retention period.
    SetRetention,
    /// Erase the person (crypto-shredding, GDPR Art. 17).
    Erase,
    /// Open a one-hour break-glass window on the person (use [`crate::open_break_glass`], which
    /// also checks the reason; this action is its role and purpose row).
    OpenBreakGlass,
    /// Read who accessed the person's record (a citizen's own `/me/access-log`, or an audit).
    ReadAccessLog,
    /// Download everything held about the person (a citizen's own, GDPR Arts. 15 and 20).
    ExportOwnRecord,
}

impl Action {
    /// A write of an entry of `kind` carrying `codes`.
    pub fn write(kind: EntryKind, codes: &[Code]) -> Self {
        Action::WriteEntry {
            kind,
            categories: categories_of(codes),
        }
    }

    /// A write of this validated entry data.
    pub fn write_data(data: &EntryData) -> Self {
        Action::write(data.kind(), &data.codes())
    }

    /// Reads that an open break-glass window lets through despite a missing relationship or a
    /// consent block (DESIGN §4: "Inside it, reads succeed …"). Writes never use break-glass.
    pub fn is_break_glass_read(&self) -> bool {
        matches!(
            self,
            Action::ReadRecord | Action::ReadFlags | Action::ReadConsent
        )
    }

    /// Actions that change the record or what is held about the person; refused once the person
    /// is erased (there is no data key left to write under).
    pub fn is_mutation(&self) -> bool {
        matches!(
            self,
            Action::WriteEntry { .. }
                | Action::ManageRelationships { .. }
                | Action::ReplaceConsent
                | Action::SetRetention
                | Action::Erase
        )
    }

    /// The action as its audit leaf records it.
    pub fn audit_action(&self) -> AuditAction {
        match self {
            Action::ReadRecord => AuditAction::ReadRecord,
            Action::ReadFlags => AuditAction::ReadFlags,
            Action::WriteEntry { .. } => AuditAction::WriteEntry,
            Action::ManageRelationships { .. } => AuditAction::ManageRelationships,
            Action::ReadConsent => AuditAction::ReadConsent,
            Action::ReplaceConsent => AuditAction::ReplaceConsent,
            Action::SetRetention => AuditAction::SetRetention,
            Action::Erase => AuditAction::Erase,
            Action::OpenBreakGlass => AuditAction::OpenBreakGlass,
            Action::ReadAccessLog => AuditAction::ReadAccessLog,
            Action::ExportOwnRecord => AuditAction::Export,
        }
    }
}

impl fmt::Display for Action {
    /// The audit name, plus the entry kind for writes (`write-entry:visit`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::WriteEntry { kind, .. } => write!(f, "write-entry:{kind}"),
            other => f.write_str(other.audit_action().as_str()),
        }
    }
}

/// A review queue that spans people, so it is decided without a person's facts
/// ([`crate::decide_review`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Review {
    /// `GET /api/v1/review/break-glass`: every break-glass window and every read made in one.
    BreakGlass,
    /// `GET /api/v1/flags`: the decision-support flags of the people the caller may read flags
    /// of. The list itself is decided here; each person on it is then decided with
    /// [`Action::ReadFlags`], and people refused are left out.
    Flags,
}

impl Review {
    pub const ALL: [Review; 2] = [Review::BreakGlass, Review::Flags];

    pub fn audit_action(self) -> AuditAction {
        match self {
            Review::BreakGlass => AuditAction::ReviewBreakGlass,
            Review::Flags => AuditAction::ReadFlags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_core::codes;
    use caretrail_core::data::ConsentCategory;

    #[test]
    fn write_data_takes_the_categories_core_codes_imply() {
        let incident = EntryData::parse(
            EntryKind::Incident,
            &serde_json::json!({"type": "safeguarding", "injury": "none"}),
        )
        .unwrap();
        assert_eq!(
            Action::write_data(&incident),
            Action::WriteEntry {
                kind: EntryKind::Incident,
                categories: CategorySet::single(ConsentCategory::Safeguarding),
            }
        );
        let fall = Action::write(
            EntryKind::Incident,
            &[codes::snomed(codes::FALL_EVENT).unwrap()],
        );
        assert_eq!(
            fall,
            Action::WriteEntry {
                kind: EntryKind::Incident,
                categories: CategorySet::EMPTY,
            }
        );
    }

    #[test]
    fn every_action_has_an_audit_name() {
        assert_eq!(Action::ExportOwnRecord.to_string(), "export");
        assert_eq!(
            Action::write(EntryKind::CaseNote, &[]).to_string(),
            "write-entry:case-note"
        );
        assert_eq!(
            Review::BreakGlass.audit_action(),
            AuditAction::ReviewBreakGlass
        );
    }
}
