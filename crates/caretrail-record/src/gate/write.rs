//! The one audited write path: every client that writes an entry (an entry, a consent set, an
//! acknowledgement of a flag) comes through [`Gate::write`] and its two named cases. It parses
//! nothing: the client hands over the validated input, or the input error it hit, and the gate
//! writes the attempt's one audit leaf either way.
//!
//! The audit leaf, the entry and the flags decision support raises on it commit in one
//! transaction. A refusal, or a write the record itself refuses (erased person, bad amendment,
//! a flag no longer open), writes nothing but its own leaf, which says what happened.

use caretrail_access::{Action, Decision, Denial, Principal};
use caretrail_core::data::{AckDecision, Acknowledgement};
use caretrail_core::{
    AuditAction, AuditEvent, EntryData, EntryId, EntryKind, InputError, PersonId, Purpose, User,
};
use jiff::Timestamp;

use super::{Gate, Judgement};
use crate::error::RecordError;
use crate::flags::FlagStatus;
use crate::service::NewEntryRequest;
use crate::wire::Receipt;

/// A validated entry to write, as the client parsed it.
#[derive(Debug, Clone)]
pub struct EntryInput {
    pub data: EntryData,
    /// Defaults to now.
    pub effective_at: Option<Timestamp>,
    pub amends: Option<EntryId>,
}

/// The receipt of a write and those of the flags it raised in the same transaction.
#[derive(Debug, Clone)]
pub struct WriteReceipt {
    pub entry: Receipt,
    pub flags: Vec<Receipt>,
}

/// What a write must satisfy beyond its decision.
enum Precondition {
    None,
    /// The flag is still open (neither acknowledged nor superseded) when the write commits.
    FlagOpen(EntryId),
    /// A consent set: by anyone but the person it needs a recorded basis, and every
    /// organisation it names must exist. Checked once the caller is allowed to write it.
    ConsentSet,
}

impl<'r> Gate<'r> {
    /// Writes an entry about `person`, authored by `author` (the caller, or for the operator
    /// the account the entry is recorded for). `input` is what the client parsed: an input
    /// error is audited (`invalid-input`) and returned.
    pub fn write(
        &self,
        person: PersonId,
        author: &User,
        input: Result<EntryInput, InputError>,
    ) -> Result<WriteReceipt, RecordError> {
        let input = input.and_then(|i| match i.data.kind() {
            EntryKind::Erasure => Err(InputError::field(
                "/kind",
                "erasure entries are written only by erasing a person",
            )),
            EntryKind::Relationship => Err(InputError::field(
                "/kind",
                "relationship entries are written only by starting or ending care",
            )),
            _ => Ok(i),
        });
        let input = self.admit(Some(person), AuditAction::WriteEntry, input)?;
        let action = Action::write_data(&input.data);
        self.write_as(person, author, input, action, Precondition::None)
    }

    /// Replaces the person's consent directives with one consent entry (the person, or a
    /// practitioner whose role may).
    pub fn replace_consent(
        &self,
        person: PersonId,
        author: &User,
        input: Result<EntryData, InputError>,
    ) -> Result<Receipt, RecordError> {
        let data = self.admit(Some(person), AuditAction::ReplaceConsent, input)?;
        let input = EntryInput {
            data,
            effective_at: None,
            amends: None,
        };
        self.write_as(
            person,
            author,
            input,
            Action::ReplaceConsent,
            Precondition::ConsentSet,
        )
        .map(|r| r.entry)
    }

    /// Acknowledges an open flag: accept it, or override it with a reason. `flag` is the id as
    /// the client gave it. A flag the caller may not see (unknown, on a person they cannot
    /// reach, or withheld by consent) is refused alike, so an id tells nothing.
    pub fn acknowledge(
        &self,
        flag: &str,
        author: &User,
        input: Result<(AckDecision, Option<String>), InputError>,
    ) -> Result<Receipt, RecordError> {
        let record = self.record();
        self.admit(None, AuditAction::WriteEntry, Ok(()))?;
        let row = match flag.parse::<EntryId>() {
            Ok(id) => record.store().entry(id)?,
            Err(_) => None,
        }
        .filter(|r| r.meta.kind == EntryKind::Flag);
        let Some(row) = row else {
            let mut ev = self.event(None, AuditAction::WriteEntry);
            ev.reason = "no-such-flag".into();
            record.audit(ev)?;
            return Err(super::refused(Denial::NotVisible));
        };
        let (flag, person) = (row.meta.id, row.meta.person);
        let data = input.and_then(|(decision, reason)| {
            let value = serde_json::to_value(Acknowledgement {
                flag,
                decision,
                reason,
            })
            .expect("an acknowledgement serialises");
            EntryData::parse(EntryKind::Acknowledgement, &value)
        });
        // Whether the caller may see the flag is decided before their input is judged, so the
        // answer to a flag they cannot see never depends on what they sent.
        let j = self.judge(person, &Action::ReadFlags)?;
        let visible = j.allowed()
            && matches!(&j.decision, Decision::Allow(g) if !g.break_glass())
            && record
                .visible_flags(j.decision.grant().expect("allowed"), person)?
                .iter()
                .any(|f| f.entry.id == flag);
        if !visible {
            let mut ev = self.event(Some(person), AuditAction::WriteEntry);
            ev.reason = if j.decision.is_allowed() {
                "flag-withheld".into()
            } else {
                j.event.reason.clone()
            };
            record.audit(ev)?;
            return Err(super::refused(Denial::NotVisible));
        }
        let data = self.admit(Some(person), AuditAction::WriteEntry, data)?;
        let input = EntryInput {
            data,
            effective_at: None,
            amends: None,
        };
        let action = Action::write_data(&input.data);
        self.write_as(person, author, input, action, Precondition::FlagOpen(flag))
            .map(|r| r.entry)
    }

    fn write_as(
        &self,
        person: PersonId,
        author: &User,
        input: EntryInput,
        action: Action,
        precondition: Precondition,
    ) -> Result<WriteReceipt, RecordError> {
        let record = self.record();
        let now = Timestamp::now();
        let new = NewEntryRequest {
            id: EntryId::new(),
            person,
            organisation: author.organisation,
            author: author.clone(),
            recorded_at: now,
            effective_at: input.effective_at.unwrap_or(now),
            amends: input.amends,
            data: input.data,
        };
        // An amendment carries the categories of the entry it amends: writing it must be
        // allowed for those too. An entry the caller may not see is answered as no entry.
        let mut action = action;
        let mut amended_hidden = false;
        if let (Some(amends), Action::WriteEntry { categories, .. }) = (new.amends, &mut action) {
            let target = record
                .store()
                .entry(amends)?
                .filter(|t| t.meta.person == person);
            match target {
                Some(t) => {
                    let entry = record.decrypt(&t)?;
                    let theirs = record.categories_of_entry(&entry);
                    amended_hidden = !theirs.is_empty();
                    categories.extend(theirs);
                }
                None => {
                    return Err(self.invalid(
                        Some(person),
                        AuditAction::WriteEntry,
                        InputError::field("/amends", "no entry with that id"),
                    ));
                }
            }
        }
        let j = self.judge(person, &action)?;
        if !j.allowed() {
            self.audit(&j)?;
            if amended_hidden && j.decision.denial() == Some(Denial::ConsentCategoryBlocked) {
                let own = Action::write_data(&new.data);
                let own_blocked = self
                    .judge(person, &own)
                    .map(|o| o.decision.denial() == Some(Denial::ConsentCategoryBlocked))
                    .unwrap_or(true);
                if !own_blocked {
                    return Err(InputError::field("/amends", "no entry with that id").into());
                }
            }
            return Err(self.refusal(j));
        }
        let Judgement { event: mut ev, .. } = j;
        if let Precondition::ConsentSet = precondition {
            match self.vet_consent(person, &new.data) {
                Ok(Some(code)) => ev.reason = code.to_owned(),
                Ok(None) => {}
                Err(e) => {
                    ev.allowed = false;
                    ev.reason = "invalid-input".into();
                    record.audit(ev)?;
                    return Err(e.into());
                }
            }
        }
        let rejected = |e: RecordError, reason: &str, ev: AuditEvent| -> RecordError {
            match record.audit(AuditEvent {
                allowed: false,
                reason: reason.into(),
                ..ev
            }) {
                Ok(_) => e,
                Err(audit_failed) => audit_failed,
            }
        };
        let flags = match self.raised_by(&new) {
            Ok(flags) => flags,
            Err(
                e @ (RecordError::Input(_) | RecordError::Conflict(_) | RecordError::NotFound(_)),
            ) => {
                return Err(rejected(e, "rejected-by-record", ev));
            }
            // Decision support could not read the record: the attempt is still audited, and
            // the write is refused rather than committed without the advice it should carry.
            Err(e) => return Err(rejected(e, "decision-support-failed", ev)),
        };
        let guard = match precondition {
            Precondition::FlagOpen(flag) => Some(flag),
            Precondition::None | Precondition::ConsentSet => None,
        };
        let mut writes = vec![new];
        writes.extend(flags);
        match record.add_entries_audited(writes, ev.clone(), guard) {
            Ok(mut receipts) => {
                let entry = receipts.remove(0);
                Ok(WriteReceipt {
                    entry,
                    flags: receipts,
                })
            }
            Err(RecordError::FlagNotOpen) => Err(rejected(
                RecordError::Conflict(
                    "this flag has already been acknowledged or superseded".into(),
                ),
                "flag-not-open",
                ev,
            )),
            Err(
                e @ (RecordError::Input(_) | RecordError::Conflict(_) | RecordError::NotFound(_)),
            ) => Err(rejected(e, "rejected-by-record", ev)),
            Err(e) => Err(e),
        }
    }

    /// Issue 11, hole 9: a consent change by anyone but the person needs a recorded basis
    /// (the audit leaf's reason then names it, so it shows in the person's access log), and a
    /// directive naming an organisation that does not exist is refused.
    fn vet_consent(
        &self,
        person: PersonId,
        data: &EntryData,
    ) -> Result<Option<&'static str>, InputError> {
        let EntryData::Consent(set) = data else {
            return Ok(None);
        };
        let known: std::collections::HashSet<_> = self
            .record()
            .store()
            .organisations()
            .map_err(|_| InputError::field("", "the directory could not be read"))?
            .into_iter()
            .map(|o| o.id)
            .collect();
        let mut errors = Vec::new();
        for (i, d) in set.directives.iter().enumerate() {
            if d.organisation.is_some_and(|o| !known.contains(&o)) {
                errors.push(caretrail_core::FieldError::new(
                    format!("/directives/{i}/organisation"),
                    "no organisation with that id",
                ));
            }
        }
        let by_the_person = self.principal().role == caretrail_core::Role::Citizen
            && self.principal().person == Some(person);
        if !by_the_person && set.basis.is_none() {
            errors.push(caretrail_core::FieldError::new(
                "/basis",
                "a consent change by anyone but the person needs a recorded basis: \
                 best-interests, lasting-power-of-attorney, court-appointed-deputy, \
                 safeguarding or persons-instruction, with a note",
            ));
        }
        if !errors.is_empty() {
            return Err(InputError {
                syntax: false,
                errors,
            });
        }
        Ok(set
            .basis
            .as_ref()
            .filter(|_| !by_the_person)
            .map(|b| b.kind.code()))
    }

    /// The flag entries `new` raises, authored by the system account, once `caretrail-access`
    /// has allowed the system to write them.
    fn raised_by(&self, new: &NewEntryRequest) -> Result<Vec<NewEntryRequest>, RecordError> {
        let record = self.record();
        let flags = record.flags_for(new)?;
        let Some(first) = flags.first() else {
            return Ok(flags);
        };
        let system = record.gate(Principal::from_user(&first.author, Purpose::Care));
        let allowed = system
            .judge(new.person, &Action::write(EntryKind::Flag, &[]))
            .is_ok_and(|j| j.allowed());
        if !allowed {
            return Err(RecordError::Ledger(
                "the system account may not write flags".into(),
            ));
        }
        Ok(flags)
    }
}

impl FlagStatus {
    pub(crate) fn is_open(self) -> bool {
        self == FlagStatus::Open
    }
}
