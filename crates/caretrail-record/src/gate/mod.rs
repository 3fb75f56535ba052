//! The gate: the one way from a caller to a person's record (DESIGN §2, "every decision" from
//! access to audit; STYLE, lldap's capability handles).
//!
//! A client (the HTTP server, the command line, and later FHIR, the register and the monitors)
//! names a [`Principal`] with their purpose of use and asks the gate for an action on a person.
//! The gate gathers the facts (relationships, consent in force, the caller's break-glass window,
//! whether the person exists or was erased), asks `caretrail-access` to decide, writes the audit
//! leaf, and only then hands back a capability for exactly that action, for example
//! [`Audited<RecordRead>`], whose methods are the only way to the data. Writes commit their audit
//! leaf in the same transaction as the entry and the flags it raises ([`Gate::write`]).
//!
//! Architecture invariants:
//! - **One leaf per attempt.** Every call on a person-scoped or review action writes exactly one
//!   audit leaf, whatever is wrong with the request: a refusal, input that does not parse
//!   ([`Gate::invalid`]), an unknown person, or a write the record refuses after an allowed
//!   decision (the leaf then says `denied` with what happened).
//! - **Fail closed.** If the audit write fails, the call fails and returns no data.
//! - **No existence oracle.** An unknown person is decided as a person with no relationships and
//!   no consent: a caller who could not reach a real person gets the same refusal (403) for an
//!   unknown one, and only a caller whose role reaches anyone learns that the id is unknown.
//! - **Nothing else reaches the store.** [`Record::store`](crate::Record) and decryption are
//!   private to this crate; seeding, migration, benchmarks and tests use the visibly named
//!   [`Record::unaudited`](crate::Record::unaudited) instead.

mod oversight;
mod read;
mod write;

use caretrail_access::{Action, BreakGlassGrant, Decision, Denial, Facts, Grant, Principal};
use caretrail_core::data::Consent;
use caretrail_core::{
    AuditAction, AuditEvent, Entry, EntryData, EntryId, EntryKind, InputError, PersonId,
};
use jiff::Timestamp;

use crate::error::RecordError;
use crate::service::Record;

pub use oversight::{MAX_BACKDATE, OpenedWindow, REPEAT_WINDOW, ReviewFilter, ReviewItemView};
pub use read::{
    AccessLine, AccessLogRead, Audited, ConsentInForce, ConsentRead, ExportParts, ExportRead,
    FlagsRead, PersonView, RecordRead, TimelineFilter,
};
pub use write::{EntryInput, WriteReceipt};

/// The gate for one caller: their principal, with the purpose of use they declared.
#[derive(Debug)]
pub struct Gate<'r> {
    record: &'r Record,
    principal: Principal,
    /// What was wrong with the request as a whole (an unknown purpose of use): every attempt
    /// through this gate is then audited as invalid input and refused with it.
    envelope: Option<InputError>,
}

impl Record {
    /// The gate for `principal`: the only way to a person's record.
    pub fn gate(&self, principal: Principal) -> Gate<'_> {
        Gate {
            record: self,
            principal,
            envelope: None,
        }
    }

    /// The gate for a request whose envelope (headers) may be at fault: with `Err`, every
    /// attempt through it is audited as `invalid-input` and answered with that error. The
    /// principal then carries the default purpose.
    pub fn gate_for(&self, principal: Principal, envelope: Result<(), InputError>) -> Gate<'_> {
        Gate {
            record: self,
            principal,
            envelope: envelope.err(),
        }
    }
}

/// A decision on an attempt and its audit event (not yet written).
pub(crate) struct Judgement {
    /// `None` when the person does not exist (the event then says `no-such-person`).
    pub(crate) decision: Decision,
    pub(crate) exists: bool,
    pub(crate) event: AuditEvent,
    /// The break-glass window the decision used, if it used one.
    pub(crate) window: Option<EntryId>,
}

impl Judgement {
    pub(crate) fn allowed(&self) -> bool {
        self.exists && self.decision.is_allowed()
    }
}

impl<'r> Gate<'r> {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub(crate) fn record(&self) -> &'r Record {
        self.record
    }

    /// A denied audit event of this caller (the caller sets what else it knows).
    pub(crate) fn event(&self, person: Option<PersonId>, action: AuditAction) -> AuditEvent {
        AuditEvent {
            id: EntryId::new(),
            at: Timestamp::now(),
            accessor: self.principal.user,
            role: self.principal.role,
            organisation: self.principal.organisation,
            person,
            action,
            purpose: self.principal.purpose,
            allowed: false,
            break_glass: false,
            reason: String::new(),
        }
    }

    /// Audits an attempt whose input was refused before any decision (denied, `invalid-input`)
    /// and returns the input's error, or the audit's failure if the leaf could not be written.
    pub fn invalid(
        &self,
        person: Option<PersonId>,
        action: AuditAction,
        err: impl Into<RecordError>,
    ) -> RecordError {
        let mut ev = self.event(person, action);
        ev.reason = "invalid-input".into();
        match self.record.audit(ev) {
            Ok(_) => err.into(),
            Err(audit_failed) => audit_failed,
        }
    }

    /// The client's parsed input, once the request's envelope is known to be sound; either
    /// fault is audited (`invalid-input`, one leaf) and returned.
    pub(crate) fn admit<T>(
        &self,
        person: Option<PersonId>,
        action: AuditAction,
        input: Result<T, InputError>,
    ) -> Result<T, RecordError> {
        if let Some(e) = &self.envelope {
            return Err(self.invalid(person, action, e.clone()));
        }
        input.map_err(|e| self.invalid(person, action, e))
    }

    /// Decides `action` on `person` from the person's relationships, consent in force and the
    /// caller's latest break-glass window. An unknown person is decided as one with no facts.
    pub(crate) fn judge(
        &self,
        person: PersonId,
        action: &Action,
    ) -> Result<Judgement, RecordError> {
        let record = self.record;
        let mut ev = self.event(Some(person), action.audit_action());
        let Some(row) = record.store().person(person)? else {
            let facts = Facts {
                person,
                now: ev.at,
                relationships: &[],
                consents: &[],
                break_glass: None,
                erased: false,
            };
            ev.reason = "no-such-person".into();
            return Ok(Judgement {
                decision: caretrail_access::decide(&self.principal, action, &facts),
                exists: false,
                event: ev,
                window: None,
            });
        };
        let relationships = record.store().relationships_for_person(person)?;
        let consents = record
            .current_consent(person)?
            .map_or_else(Vec::new, |(_, d)| d);
        let window = record.latest_break_glass(self.principal.user, person)?;
        let grant = window.as_ref().and_then(|(w, reason)| {
            BreakGlassGrant::restore(
                w.user,
                w.organisation,
                w.person,
                reason.as_deref().unwrap_or("(erased)"),
                w.opened_at,
            )
            .ok()
        });
        let facts = Facts {
            person,
            now: ev.at,
            relationships: &relationships,
            consents: &consents,
            break_glass: grant.as_ref(),
            erased: row.erased_at.is_some(),
        };
        let decision = caretrail_access::decide(&self.principal, action, &facts);
        ev.allowed = decision.is_allowed();
        ev.break_glass = decision.break_glass();
        ev.reason = decision.code().to_owned();
        let window = window.filter(|_| ev.break_glass).map(|(w, _)| w.id);
        Ok(Judgement {
            decision,
            exists: true,
            event: ev,
            window,
        })
    }

    /// Writes a judgement's audit leaf; a read through break-glass also opens a review item.
    pub(crate) fn audit(&self, j: &Judgement) -> Result<(), RecordError> {
        self.record.audit(j.event.clone())?;
        if let Some(window) = j.window {
            self.record.queue_break_glass_review(window, j.event.id)?;
        }
        Ok(())
    }

    /// Judges and audits `action`; the grant when it is allowed, the refusal otherwise.
    pub(crate) fn authorise(
        &self,
        person: PersonId,
        action: &Action,
    ) -> Result<Grant, RecordError> {
        let j = self.judge(person, action)?;
        self.audit(&j)?;
        self.grant_of(j)
    }

    /// The grant of an allowed judgement, or the refusal the caller is told.
    pub(crate) fn grant_of(&self, j: Judgement) -> Result<Grant, RecordError> {
        match (j.exists, j.decision) {
            (true, Decision::Allow(grant)) => Ok(grant),
            (_, Decision::Deny(denial)) => Err(RecordError::Refused(denial)),
            // Only a caller whose role reaches anyone is told that the id is unknown.
            (false, Decision::Allow(_)) => Err(RecordError::not_found("no person with that id")),
        }
    }

    /// The refusal the caller is told for a judgement that did not allow.
    pub(crate) fn refusal(&self, j: Judgement) -> RecordError {
        match self.grant_of(j) {
            Err(e) => e,
            Ok(_) => RecordError::Ledger("an allowed decision was treated as a refusal".into()),
        }
    }
}

impl Record {
    /// The person's consent directives in force: those of their latest consent entry (each
    /// consent entry holds the whole set), with that entry. `None` when they never recorded one.
    pub(crate) fn current_consent(
        &self,
        person: PersonId,
    ) -> Result<Option<(Entry, Vec<Consent>)>, RecordError> {
        let Some(row) = self
            .store()
            .latest_entry_of_kind(person, EntryKind::Consent)?
        else {
            return Ok(None);
        };
        let entry = self.decrypt(&row)?;
        let directives = match entry
            .data
            .as_ref()
            .map(|d| EntryData::parse(EntryKind::Consent, d))
        {
            Some(Ok(EntryData::Consent(set))) => set.directives,
            // Erased, or (impossible for a validated write) unreadable: no directives.
            _ => Vec::new(),
        };
        Ok(Some((entry, directives)))
    }
}

/// The refusal a denial is answered with.
pub(crate) fn refused(denial: Denial) -> RecordError {
    RecordError::Refused(denial)
}

impl Gate<'_> {
    /// One leaf's bytes, for those who may read who did what: the auditor and the privacy
    /// officer any leaf, a citizen the leaves about themselves (so they can verify their own
    /// access log independently). Everyone else is refused; the checkpoint, the key and the
    /// proofs stay public. Not audited per request, like every ledger route.
    pub fn leaf(&self, index: u64) -> Result<crate::wire::LeafJson, RecordError> {
        let record = self.record;
        let allowed = match self.principal.role {
            caretrail_core::Role::Auditor | caretrail_core::Role::PrivacyOfficer => true,
            caretrail_core::Role::Citizen => match self.principal.person {
                Some(own) => record.leaf_person(index)? == Some(own),
                None => false,
            },
            _ => false,
        };
        if !allowed {
            return Err(refused(Denial::RoleNotPermitted));
        }
        record.leaf(index)
    }
}

impl Record {
    /// The person a leaf is about: the entry's, or the audit event's (`None` for an event that
    /// names nobody, or a leaf beyond the tree).
    fn leaf_person(&self, index: u64) -> Result<Option<PersonId>, RecordError> {
        let store = self.store();
        if let Some(row) = store
            .entries_by_leaf_from(index, 1)?
            .into_iter()
            .find(|r| r.leaf_index == index)
        {
            return Ok(Some(row.meta.person));
        }
        Ok(store
            .audit_by_leaf_from(index, 1)?
            .into_iter()
            .find(|r| r.leaf_index == index)
            .and_then(|r| r.event.person))
    }
}

impl Gate<'_> {
    /// A person id as the client gave it. One that cannot be an id is audited (`invalid-input`,
    /// naming no person) and answered as no such person: it tells nothing about anyone.
    pub fn person_id(&self, raw: &str, action: AuditAction) -> Result<PersonId, RecordError> {
        raw.parse().map_err(|_| {
            self.invalid(
                None,
                action,
                RecordError::not_found("no person with that id"),
            )
        })
    }

    /// The citizen's own person, for the `/me/...` routes. Any other account is refused, and
    /// the attempt is still audited.
    pub fn own_person(&self, action: AuditAction) -> Result<PersonId, RecordError> {
        self.admit(None, action, Ok(()))?;
        match self.principal.person {
            Some(p) if self.principal.role == caretrail_core::Role::Citizen => Ok(p),
            _ => {
                let mut ev = self.event(None, action);
                ev.reason = "not-a-citizen".into();
                self.record.audit(ev)?;
                Err(refused(Denial::NotOwnRecord))
            }
        }
    }
}
