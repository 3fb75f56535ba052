//! The gate's one-shot actions: break-glass, care relationships, retention, erasure, the review
//! queue and the flags list that spans people. Each decides, writes its one audit leaf (saying
//! what happened, also when the record refuses after an allowed decision) and acts.

use caretrail_access::{Action, Decision, Denial, Review, consent_for, decide_review};
use caretrail_core::data::{RelationshipChange, RelationshipEvent};
use caretrail_core::{
    AuditAction, CareRelationship, EntryId, OrganisationId, PersonId, RelationshipId,
    RelationshipKind, Role, UserId,
};
use caretrail_store::{BreakGlassRow, RetentionRow, ReviewItemRow, ReviewKind};
use jiff::{SignedDuration, Timestamp};

use super::{Gate, refused};
use crate::error::RecordError;
use crate::flags::{FlagState, FlagStatus};
use crate::wire::Receipt;

/// How far in the past a care relationship may be said to have started: a relationship is
/// started as care begins, not backdated to reach history.
pub const MAX_BACKDATE: SignedDuration = SignedDuration::from_mins(5);

/// A break-glass window a second time within this long of the last one is marked `repeated`
/// on its review items (never refused: an emergency must not be blocked).
pub const REPEAT_WINDOW: SignedDuration = SignedDuration::from_hours(24);

/// An opened break-glass window.
#[derive(Debug, Clone)]
pub struct OpenedWindow {
    pub id: EntryId,
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Which review items to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewFilter {
    pub include_closed: bool,
    /// One kind only; every kind when `None`.
    pub kind: Option<ReviewKind>,
}

/// One item of the review queue, for the privacy officer.
#[derive(Debug, Clone)]
pub struct ReviewItemView {
    pub id: EntryId,
    pub kind: ReviewKind,
    /// The break-glass window, for a break-glass read.
    pub window: Option<EntryId>,
    /// The entry reviewed (the relationship entry of self-claimed care).
    pub entry: Option<EntryId>,
    /// The account whose action is reviewed.
    pub accessor: UserId,
    pub organisation: OrganisationId,
    pub person: PersonId,
    /// The break-glass reason, for a break-glass read.
    pub reason: Option<String>,
    pub opened_at: Option<Timestamp>,
    /// When the item was opened (the read, or the start of care).
    pub read_at: Timestamp,
    pub assignee: Option<UserId>,
    pub closed: bool,
    pub finding: Option<String>,
    /// The accessor had opened another window on the same person within [`REPEAT_WINDOW`].
    pub repeated: bool,
    /// The item is about the reviewer's own access: they may see it, never close it.
    pub own: bool,
}

impl Gate<'_> {
    /// Opens a one-hour break-glass window on `person`. `reason` is what the client parsed.
    pub fn open_break_glass(
        &self,
        person: PersonId,
        reason: Result<String, caretrail_core::InputError>,
    ) -> Result<OpenedWindow, RecordError> {
        let record = self.record();
        let reason = self.admit(Some(person), AuditAction::OpenBreakGlass, reason)?;
        let mut ev = self.event(Some(person), AuditAction::OpenBreakGlass);
        let row = record.store().person(person)?;
        let opened = caretrail_access::open_break_glass(&self.principal, person, &reason, ev.at);
        let grant = match opened {
            Err(denial) => {
                ev.reason = denial.code().to_owned();
                record.audit(ev)?;
                return Err(refused(denial));
            }
            Ok(g) => g,
        };
        match row {
            None => {
                // A role that may open break-glass on anyone learns that the id is unknown.
                ev.reason = "no-such-person".into();
                record.audit(ev)?;
                return Err(RecordError::not_found("no person with that id"));
            }
            Some(r) if r.erased_at.is_some() => {
                ev.reason = Denial::PersonErased.code().to_owned();
                record.audit(ev)?;
                return Err(RecordError::Conflict(
                    "this person's record has been erased".into(),
                ));
            }
            Some(_) => {}
        }
        ev.allowed = true;
        ev.break_glass = true;
        ev.reason = "break-glass-opened".into();
        let id = EntryId::new();
        record.audit(ev)?;
        record.store_break_glass(
            id,
            self.principal.user,
            person,
            self.principal.organisation,
            grant.reason(),
            grant.opened_at(),
        )?;
        Ok(OpenedWindow {
            id,
            opened_at: grant.opened_at(),
            expires_at: grant.expires_at(),
        })
    }

    /// Decides and audits a review queue (spans people, so the leaf names none).
    fn review(&self, review: Review, action: AuditAction) -> Result<(), RecordError> {
        let decision = decide_review(&self.principal, review);
        let mut ev = self.event(None, action);
        ev.allowed = decision.is_allowed();
        ev.reason = decision.code().to_owned();
        self.record().audit(ev)?;
        match decision {
            Decision::Allow(_) => Ok(()),
            Decision::Deny(d) => Err(refused(d)),
        }
    }

    /// The review queue (every kind, or one). `filter` is what the client parsed.
    pub fn review_queue(
        &self,
        filter: Result<ReviewFilter, caretrail_core::InputError>,
    ) -> Result<Vec<ReviewItemView>, RecordError> {
        let filter = self.admit(None, AuditAction::ReviewBreakGlass, filter)?;
        self.review(Review::BreakGlass, AuditAction::ReviewBreakGlass)?;
        let record = self.record();
        let windows = record.store().export_break_glass()?;
        let repeated = |w: &BreakGlassRow| {
            windows.iter().any(|o| {
                o.id != w.id
                    && o.user == w.user
                    && o.person == w.person
                    && o.opened_at < w.opened_at
                    && w.opened_at.duration_since(o.opened_at) <= REPEAT_WINDOW
            })
        };
        let mut organisations = std::collections::HashMap::new();
        let mut out = Vec::new();
        for v in record.review_queue(filter.include_closed, filter.kind)? {
            let organisation = match &v.window {
                Some(w) => w.organisation,
                None => match organisations.get(&v.item.subject) {
                    Some(o) => *o,
                    None => {
                        let o = record
                            .store()
                            .user(v.item.subject)?
                            .map_or(OrganisationId::from_bytes([0; 16]), |u| u.organisation);
                        organisations.insert(v.item.subject, o);
                        o
                    }
                },
            };
            out.push(ReviewItemView {
                id: v.item.id,
                kind: v.item.kind,
                window: v.item.window,
                entry: v.item.entry,
                accessor: v.item.subject,
                organisation,
                person: v.item.person,
                reason: v.reason,
                opened_at: v.window.as_ref().map(|w| w.opened_at),
                read_at: v.item.created_at,
                assignee: v.item.assignee,
                closed: v.item.closed_at.is_some(),
                finding: v.finding,
                repeated: v.window.as_ref().is_some_and(repeated),
                own: v.item.subject == self.principal.user,
            });
        }
        Ok(out)
    }

    /// An item of the review queue for acting on, once the caller is known to be a reviewer;
    /// refusals and unknown ids are audited here. Nobody acts on an item about themselves.
    fn review_target(
        &self,
        item: &str,
        ev: &mut caretrail_core::AuditEvent,
    ) -> Result<ReviewItemRow, RecordError> {
        let record = self.record();
        let decision = decide_review(&self.principal, Review::BreakGlass);
        ev.reason = decision.code().to_owned();
        if let Decision::Deny(d) = decision {
            record.audit(ev.clone())?;
            return Err(refused(d));
        }
        let found = match item.parse::<EntryId>() {
            Ok(id) => record.review_item(id)?,
            Err(_) => None,
        };
        let Some(found) = found else {
            ev.reason = "no-such-item".into();
            record.audit(ev.clone())?;
            return Err(RecordError::not_found("no review item with that id"));
        };
        ev.person = Some(found.person);
        if found.subject == self.principal.user {
            ev.reason = "own-access".into();
            record.audit(ev.clone())?;
            return Err(RecordError::Conflict(
                "this item is about your own access: another reviewer must take it".into(),
            ));
        }
        if found.closed_at.is_some() {
            ev.reason = "already-closed".into();
            record.audit(ev.clone())?;
            return Err(RecordError::Conflict(
                "that review item is already closed".into(),
            ));
        }
        Ok(found)
    }

    /// Assigns a review item to a reviewer: the caller when `assignee` is `None`. The assignee
    /// must be a privacy officer and never the item's subject.
    pub fn assign_review(
        &self,
        item: &str,
        assignee: Result<Option<UserId>, caretrail_core::InputError>,
    ) -> Result<(), RecordError> {
        let assignee = self.admit(None, AuditAction::ReviewBreakGlass, assignee)?;
        let record = self.record();
        let mut ev = self.event(None, AuditAction::ReviewBreakGlass);
        let found = self.review_target(item, &mut ev)?;
        let who = assignee.unwrap_or(self.principal.user);
        let fit = record
            .store()
            .user(who)?
            .is_some_and(|u| u.role == Role::PrivacyOfficer && u.id != found.subject);
        if !fit {
            ev.reason = "invalid-input".into();
            record.audit(ev)?;
            return Err(caretrail_core::InputError::field(
                "/assignee",
                "must be a privacy officer other than the person whose access is reviewed",
            )
            .into());
        }
        ev.allowed = true;
        record.audit(ev)?;
        record.assign_review(found.id, who)
    }

    /// Closes a review item with the reviewer's finding. `finding` is what the client parsed.
    /// Nobody closes an item about their own access.
    pub fn close_review(
        &self,
        item: &str,
        finding: Result<String, caretrail_core::InputError>,
    ) -> Result<(), RecordError> {
        let finding = self.admit(None, AuditAction::ReviewBreakGlass, finding)?;
        let record = self.record();
        let mut ev = self.event(None, AuditAction::ReviewBreakGlass);
        let found = self.review_target(item, &mut ev)?;
        ev.allowed = true;
        record.audit(ev)?;
        record.close_review(&found, self.principal.user, &finding)
    }

    /// Sets the person's retention period and legal hold. `input` is what the client parsed.
    pub fn set_retention(
        &self,
        person: PersonId,
        input: Result<(Option<jiff::civil::Date>, bool), caretrail_core::InputError>,
    ) -> Result<RetentionRow, RecordError> {
        let (retain_until, legal_hold) =
            self.admit(Some(person), AuditAction::SetRetention, input)?;
        self.authorise(person, &Action::SetRetention)?;
        let row = RetentionRow {
            person,
            retain_until,
            legal_hold,
            set_by: self.principal.user,
            set_at: Timestamp::now(),
        };
        self.record().put_facts(
            vec![caretrail_store::fact::Fact::Retention(row.clone())],
            Some(self.principal.user),
        )?;
        Ok(row)
    }

    /// Crypto-shreds the person. The audit leaf commits with the erasure; a retention period or
    /// legal hold refuses it, and the leaf says which.
    pub fn erase(
        &self,
        person: PersonId,
        author: &caretrail_core::User,
        reason: Result<String, caretrail_core::InputError>,
    ) -> Result<Receipt, RecordError> {
        let reason = self.admit(Some(person), AuditAction::Erase, reason)?;
        let j = self.judge(person, &Action::Erase)?;
        if !j.allowed() {
            self.audit(&j)?;
            return Err(self.refusal(j));
        }
        let ev = j.event;
        match self
            .record()
            .erase_audited(person, &reason, author, Some(ev.clone()))
        {
            Ok(receipt) => Ok(receipt),
            Err(
                e @ (RecordError::Input(_) | RecordError::Conflict(_) | RecordError::NotFound(_)),
            ) => {
                let why = match &e {
                    RecordError::Input(_) => "invalid-input",
                    _ => "rejected-by-record",
                };
                self.record().audit(caretrail_core::AuditEvent {
                    allowed: false,
                    reason: why.into(),
                    ..ev
                })?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Starts a care relationship with `person` through the caller's organisation (a manager).
    /// Refused while the person's consent blocks the organisation, and for a start more than
    /// [`MAX_BACKDATE`] in the past.
    pub fn start_relationship(
        &self,
        person: PersonId,
        input: Result<(UserId, RelationshipKind, Option<Timestamp>), caretrail_core::InputError>,
    ) -> Result<CareRelationship, RecordError> {
        let record = self.record();
        let action = Action::ManageRelationships {
            organisation: self.principal.organisation,
        };
        let (practitioner, kind, from) = self.admit(Some(person), action.audit_action(), input)?;
        // Who may start care here is decided before what they sent is judged further.
        let mut j = self.judge(person, &action)?;
        if !j.allowed() {
            self.audit(&j)?;
            return Err(self.refusal(j));
        }
        let consents = record
            .current_consent(person)?
            .map_or_else(Vec::new, |(_, d)| d);
        if consent_for(self.principal.organisation, &consents).organisation_blocked {
            j.event.allowed = false;
            j.event.reason = Denial::ConsentBlocked.code().to_owned();
            record.audit(j.event)?;
            return Err(refused(Denial::ConsentBlocked));
        }
        let now = Timestamp::now();
        let from = from.unwrap_or(now);
        let user = record
            .store()
            .user(practitioner)?
            .filter(|u| u.organisation == self.principal.organisation && u.role.is_practitioner());
        let fault = if from < now - MAX_BACKDATE {
            Some(caretrail_core::InputError::field(
                "/from",
                "must not be more than 5 minutes in the past: care starts when it starts",
            ))
        } else if from > now + SignedDuration::from_hours(24 * 366) {
            Some(caretrail_core::InputError::field(
                "/from",
                "must be within a year from now",
            ))
        } else if user.is_none() {
            Some(caretrail_core::InputError::field(
                "/practitioner",
                "must be a practitioner of your organisation",
            ))
        } else {
            None
        };
        if let Some(fault) = fault {
            j.event.allowed = false;
            j.event.reason = "invalid-input".into();
            record.audit(j.event)?;
            return Err(fault.into());
        }
        let practitioner = user.expect("checked above");
        let rel = CareRelationship {
            id: RelationshipId::new(),
            practitioner: practitioner.id,
            person,
            organisation: self.principal.organisation,
            kind,
            from: Timestamp::from_microsecond(from.as_microsecond()).unwrap_or(from),
            to: None,
        };
        // Care started without an open referral to this organisation is self-claimed: allowed
        // (care must not wait), marked on the record and queued for review.
        let referral = record.open_referral(person, self.principal.organisation)?;
        let self_claimed = referral.is_none();
        let mut ev = j.event;
        if self_claimed {
            ev.reason = "self-claimed".into();
        }
        let audit_id = ev.id;
        let entry = self.relationship_entry(&rel, RelationshipEvent::Started, referral)?;
        let entry_id = entry.id;
        let fact = record.prepare_fact(
            caretrail_store::fact::Fact::Relationship(rel.clone()),
            Some(self.principal.user),
        )?;
        record.add_entries_audited_with(vec![entry], ev, None, vec![fact])?;
        if self_claimed {
            record.queue_self_claimed_review(person, self.principal.user, entry_id, audit_id)?;
        }
        Ok(rel)
    }

    /// The relationship entry that starting or ending `rel` writes in the person's record,
    /// authored by the caller.
    fn relationship_entry(
        &self,
        rel: &CareRelationship,
        event: RelationshipEvent,
        referral: Option<EntryId>,
    ) -> Result<crate::service::NewEntryRequest, RecordError> {
        let author = self
            .record()
            .store()
            .user(self.principal.user)?
            .ok_or_else(|| RecordError::Ledger("the caller's account is missing".into()))?;
        let now = Timestamp::now();
        Ok(crate::service::NewEntryRequest {
            id: EntryId::new(),
            person: rel.person,
            organisation: rel.organisation,
            author,
            recorded_at: now,
            effective_at: match event {
                RelationshipEvent::Started => rel.from,
                RelationshipEvent::Ended => now,
            },
            amends: None,
            data: caretrail_core::EntryData::Relationship(RelationshipChange {
                event,
                relationship: rel.id,
                organisation: rel.organisation,
                practitioner: rel.practitioner,
                relationship_kind: rel.kind,
                from: rel.from,
                referral,
                self_claimed: event == RelationshipEvent::Started && referral.is_none(),
            }),
        })
    }

    /// Ends a care relationship of `person` (through the organisation it runs through).
    pub fn end_relationship(
        &self,
        person: PersonId,
        relationship: &str,
    ) -> Result<(), RecordError> {
        let record = self.record();
        self.admit(Some(person), AuditAction::ManageRelationships, Ok(()))?;
        let rel = match relationship.parse::<RelationshipId>() {
            Ok(rid) => record
                .store()
                .relationships_for_person(person)?
                .into_iter()
                .find(|r| r.id == rid),
            Err(_) => None,
        };
        let organisation = rel
            .as_ref()
            .map_or(self.principal.organisation, |r| r.organisation);
        let j = self.judge(person, &Action::ManageRelationships { organisation })?;
        let allowed = j.allowed();
        let mut ev = j.event.clone();
        match (&rel, allowed) {
            (None, true) => {
                ev.allowed = false;
                ev.reason = "no-such-relationship".into();
                record.audit(ev)?;
                return Err(RecordError::not_found(
                    "no such relationship for this person",
                ));
            }
            (Some(r), true) if r.to.is_some_and(|to| to <= Timestamp::now()) => {
                ev.allowed = false;
                ev.reason = "already-ended".into();
                record.audit(ev)?;
                return Err(RecordError::Conflict(
                    "that relationship has already ended".into(),
                ));
            }
            _ => {}
        }
        if !j.allowed() {
            self.audit(&j)?;
            return Err(self.refusal(j));
        }
        let rel = rel.expect("allowed only with a relationship");
        let entry = self.relationship_entry(&rel, RelationshipEvent::Ended, None)?;
        let key = record.fact_key(&caretrail_store::fact::Fact::Relationship(rel.clone()));
        // The entry, its audit leaf and the ended relationship commit together, and only if
        // nobody ended (or changed) the relationship since it was read.
        record.write_fact_if(key, Some(self.principal.user), || {
            let now = Timestamp::now();
            let current = record
                .store()
                .relationships_for_person(person)?
                .into_iter()
                .find(|r| r.id == rel.id);
            match current {
                Some(r) if r.to.is_none_or(|to| to > now) && r.from <= now => {
                    Ok(crate::facts::Step::Write {
                        fact: Box::new(caretrail_store::fact::Fact::Relationship(
                            CareRelationship {
                                to: Some(
                                    Timestamp::from_microsecond(now.as_microsecond())
                                        .unwrap_or(now),
                                ),
                                ..r
                            },
                        )),
                        before: record
                            .audited_writes(std::slice::from_ref(&entry), j.event.clone())?,
                        answer: Ok(()),
                    })
                }
                _ => Ok(crate::facts::Step::Done(Err(RecordError::Conflict(
                    "that relationship has already ended".into(),
                )))),
            }
        })?
    }

    /// The caller's active care relationships (a manager: their organisation's), for their
    /// caseload. Opaque ids only; reading a record is a separate, audited request.
    pub fn caseload(&self) -> Result<Vec<CareRelationship>, RecordError> {
        if self.principal.role != Role::Manager && !self.principal.role.is_practitioner() {
            return Err(RecordError::Refused(Denial::RoleNotPermitted));
        }
        let now = Timestamp::now();
        let mut rels: Vec<CareRelationship> = self
            .reach()?
            .into_iter()
            .filter(|r| r.is_active_at(now))
            .collect();
        rels.sort_by_key(|r| (r.person, r.from));
        Ok(rels)
    }

    /// The care relationships, active or not, through which the caller reaches people within
    /// their own organisation: their own, or for a manager every relationship of anyone in it.
    fn reach(&self) -> Result<Vec<CareRelationship>, RecordError> {
        let store = self.record().store();
        let org = self.principal.organisation;
        let mut rels = Vec::new();
        if self.principal.role == Role::Manager {
            for u in store.users()?.into_iter().filter(|u| u.organisation == org) {
                rels.extend(store.relationships_for_practitioner(u.id)?);
            }
        } else {
            rels = store.relationships_for_practitioner(self.principal.user)?;
        }
        rels.retain(|r| r.organisation == org);
        Ok(rels)
    }

    /// The flags of the people the caller may read flags of: their care relationships, a
    /// manager's caseload, a citizen's own record. One audit leaf for the list; each person is
    /// then decided on its own, and people refused (consent, for instance) or reachable only
    /// through break-glass are left out, as are flags consent withholds.
    pub fn flags_list(
        &self,
        status: Result<Option<FlagStatus>, caretrail_core::InputError>,
    ) -> Result<Vec<FlagState>, RecordError> {
        let status = self.admit(None, AuditAction::ReadFlags, status)?;
        self.review(Review::Flags, AuditAction::ReadFlags)?;
        let now = Timestamp::now();
        let mut people: Vec<PersonId> = match self.principal.role {
            Role::Citizen => self.principal.person.into_iter().collect(),
            _ => self
                .reach()?
                .into_iter()
                .filter(|r| r.is_active_at(now))
                .map(|r| r.person)
                .collect(),
        };
        people.sort();
        people.dedup();
        let mut out = Vec::new();
        for person in people {
            let j = self.judge(person, &Action::ReadFlags)?;
            let Decision::Allow(grant) = j.decision else {
                continue;
            };
            // Break-glass reads are opened one person at a time, never through a list.
            if !j.exists || grant.break_glass() || grant.person_erased() {
                continue;
            }
            out.extend(
                self.record()
                    .visible_flags(&grant, person)?
                    .into_iter()
                    .filter(|f| status.is_none_or(|s| f.status == s)),
            );
        }
        Ok(out)
    }
}
