//! The review queue: one model of findings, each open until a reviewer (never its subject)
//! closes it with a finding. Break-glass reads and self-claimed care relationships are its first
//! two kinds; the monitors will add more. Findings are sealed under the person's key.

use caretrail_core::data::{Referral, RelationshipChange};
use caretrail_core::{EntryData, EntryId, EntryKind, OrganisationId, PersonId, UserId};
use caretrail_store::{BreakGlassRow, ReviewItemRow, ReviewKind};
use jiff::Timestamp;

use caretrail_store::fact::Fact;

use crate::error::RecordError;
use crate::facts::Step;
use crate::service::Record;

/// A review item with its window (for a break-glass read) and its reason and finding in plain
/// text, for the reviewer.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub item: ReviewItemRow,
    pub window: Option<BreakGlassRow>,
    pub reason: Option<String>,
    pub finding: Option<String>,
}

fn now() -> Timestamp {
    let t = Timestamp::now();
    Timestamp::from_microsecond(t.as_microsecond()).unwrap_or(t)
}

impl Record {
    fn queue_review(&self, item: ReviewItemRow) -> Result<EntryId, RecordError> {
        let id = item.id;
        self.put_facts(vec![Fact::Review(item)], None)?;
        Ok(id)
    }

    fn new_item(
        kind: ReviewKind,
        person: PersonId,
        subject: UserId,
        audit: EntryId,
    ) -> ReviewItemRow {
        ReviewItemRow {
            id: EntryId::new(),
            kind,
            person,
            subject,
            window: None,
            entry: None,
            audit,
            created_at: now(),
            assignee: None,
            assigned_at: None,
            closed_at: None,
            reviewer: None,
            finding: None,
        }
    }

    /// Queues a read made through break-glass window `window` for review.
    pub(crate) fn queue_break_glass_review(
        &self,
        window: EntryId,
        audit: EntryId,
    ) -> Result<EntryId, RecordError> {
        let w = self
            .store()
            .break_glass(window)?
            .ok_or_else(|| RecordError::Ledger("a read names a missing window".into()))?;
        self.queue_review(ReviewItemRow {
            window: Some(window),
            ..Record::new_item(ReviewKind::BreakGlassRead, w.person, w.user, audit)
        })
    }

    /// Queues care that `subject` started without an open referral (its relationship entry
    /// `entry`, allowed by audit event `audit`) for review.
    pub(crate) fn queue_self_claimed_review(
        &self,
        person: PersonId,
        subject: UserId,
        entry: EntryId,
        audit: EntryId,
    ) -> Result<EntryId, RecordError> {
        self.queue_review(ReviewItemRow {
            entry: Some(entry),
            ..Record::new_item(ReviewKind::SelfClaimedRelationship, person, subject, audit)
        })
    }

    /// The review queue, oldest first, with each item's window, reason and finding.
    pub(crate) fn review_queue(
        &self,
        include_closed: bool,
        kind: Option<ReviewKind>,
    ) -> Result<Vec<ReviewView>, RecordError> {
        let mut out = Vec::new();
        for item in self.store().review_items(include_closed)? {
            if kind.is_some_and(|k| k != item.kind) {
                continue;
            }
            let window = match item.window {
                Some(w) => Some(self.store().break_glass(w)?.ok_or_else(|| {
                    RecordError::Ledger("a review item names a missing window".into())
                })?),
                None => None,
            };
            let reason = match &window {
                Some(w) => self.open_text(w.person, w.id, w.reason.as_deref())?,
                None => None,
            };
            let finding = self.open_text(item.person, item.id, item.finding.as_deref())?;
            out.push(ReviewView {
                item,
                window,
                reason,
                finding,
            });
        }
        Ok(out)
    }

    /// One review item, open or closed.
    pub(crate) fn review_item(&self, id: EntryId) -> Result<Option<ReviewItemRow>, RecordError> {
        Ok(self
            .store()
            .review_items(true)?
            .into_iter()
            .find(|i| i.id == id))
    }

    /// Closes a review item with the reviewer's finding (sealed under the person's key).
    pub(crate) fn close_review(
        &self,
        item: &ReviewItemRow,
        reviewer: UserId,
        finding: &str,
    ) -> Result<(), RecordError> {
        let sealed = match self.keys_for(item.person)? {
            Some(keys) => keys.seal_entry(item.person, item.id, finding.as_bytes())?,
            None => Vec::new(),
        };
        self.change_open_item(item.id, reviewer, |open| ReviewItemRow {
            closed_at: Some(now()),
            reviewer: Some(reviewer),
            finding: Some(sealed.clone()),
            ..open
        })
    }

    /// Assigns an open review item.
    pub(crate) fn assign_review(&self, id: EntryId, assignee: UserId) -> Result<(), RecordError> {
        self.change_open_item(id, assignee, |open| ReviewItemRow {
            assignee: Some(assignee),
            assigned_at: Some(now()),
            ..open
        })
    }

    /// Writes `change` of the open item `id` as its new fact; refused if it is closed (or
    /// closes while this is written).
    fn change_open_item(
        &self,
        id: EntryId,
        by: UserId,
        change: impl Fn(ReviewItemRow) -> ReviewItemRow,
    ) -> Result<(), RecordError> {
        let Some(item) = self.review_item(id)? else {
            return Err(RecordError::not_found("no such review item"));
        };
        let key = self.fact_key(&Fact::Review(item));
        self.write_fact_if(key, Some(by), || match self.review_item(id)? {
            Some(open) if open.closed_at.is_none() => Ok(Step::Write {
                fact: Box::new(Fact::Review(change(open))),
                before: Vec::new(),
                answer: Ok(()),
            }),
            _ => Ok(Step::Done(Err(RecordError::Conflict(
                "that review item is already closed".into(),
            )))),
        })?
    }

    /// The person's latest open referral to `organisation`: a referral entry naming it that no
    /// start of care has answered yet (and no later entry amends).
    pub(crate) fn open_referral(
        &self,
        person: PersonId,
        organisation: OrganisationId,
    ) -> Result<Option<EntryId>, RecordError> {
        let entries = self.timeline_where(person, |m| {
            matches!(m.kind, EntryKind::Referral | EntryKind::Relationship)
        })?;
        let amended: std::collections::HashSet<EntryId> =
            entries.iter().filter_map(|e| e.amends).collect();
        let mut answered = std::collections::HashSet::new();
        let mut open = None;
        for e in &entries {
            let Some(data) = e.data.as_ref() else {
                continue;
            };
            match EntryData::parse(e.kind, data) {
                Ok(EntryData::Relationship(RelationshipChange {
                    referral: Some(r), ..
                })) => {
                    answered.insert(r);
                }
                Ok(EntryData::Referral(Referral { to, .. }))
                    if to == organisation && !amended.contains(&e.id) =>
                {
                    open = Some(e.id);
                }
                _ => {}
            }
        }
        Ok(open.filter(|r| !answered.contains(r)))
    }
}
