//! The one visibly named way around the gate: [`Record::unaudited`]. Seeding, migration,
//! benchmarks, verification and tests use it; the HTTP server never does (a test in
//! `caretrail-server` reads its sources to hold it to that). Nothing here decides access or
//! writes an audit leaf, so no request of a person's should ever reach it.

use std::sync::Arc;

use caretrail_core::{
    AuditEvent, CareRelationship, Code, Entry, EntryKind, EntryMeta, Organisation, PersonId,
    PersonProfile, User,
};
use caretrail_store::{EntryRow, PersonRow, Store};

use crate::error::RecordError;
use crate::service::{NewEntryRequest, NewPerson, Record};
use crate::wire::{LeafJson, Receipt};

/// The record without its gate. Named so that every use stands out in review.
#[derive(Debug, Clone, Copy)]
pub struct Unaudited<'r> {
    record: &'r Record,
}

impl Record {
    /// The record without its gate, for seeding, migration, benchmarks and tests: nothing done
    /// through it is decided or audited.
    pub fn unaudited(&self) -> Unaudited<'_> {
        Unaudited { record: self }
    }
}

impl<'r> Unaudited<'r> {
    pub fn store(&self) -> &'r Arc<dyn Store> {
        self.record.store()
    }

    /// Registers organisations, users (with password hashes), people and relationships.
    pub fn register(
        &self,
        organisations: Vec<Organisation>,
        users: Vec<(User, Option<String>)>,
        people: Vec<NewPerson>,
        relationships: Vec<CareRelationship>,
    ) -> Result<(), RecordError> {
        self.record
            .register(organisations, users, people, relationships)
    }

    /// Bulk load for seeding, in one transaction.
    pub fn load_entries(&self, reqs: &[NewEntryRequest]) -> Result<u64, RecordError> {
        self.record.load_entries(reqs)
    }

    pub fn add_entry(&self, req: NewEntryRequest) -> Result<Receipt, RecordError> {
        self.record.add_entry(req)
    }

    pub fn add_entries(&self, reqs: Vec<NewEntryRequest>) -> Result<Vec<Receipt>, RecordError> {
        self.record.add_entries(reqs)
    }

    pub fn audit(&self, event: AuditEvent) -> Result<Receipt, RecordError> {
        self.record.audit(event)
    }

    pub fn erase(&self, person: PersonId, reason: &str, by: &User) -> Result<Receipt, RecordError> {
        self.record.erase_audited(person, reason, by, None)
    }

    pub fn person_row(&self, person: PersonId) -> Result<PersonRow, RecordError> {
        self.record.person_row(person)
    }

    pub fn profile(&self, person: PersonId) -> Result<Option<PersonProfile>, RecordError> {
        self.record.profile(person)
    }

    pub fn decrypt(&self, row: &EntryRow) -> Result<Entry, RecordError> {
        self.record.decrypt(row)
    }

    pub fn timeline(&self, person: PersonId) -> Result<Vec<Entry>, RecordError> {
        self.record.timeline(person)
    }

    pub fn timeline_where(
        &self,
        person: PersonId,
        keep: impl Fn(&EntryMeta) -> bool,
    ) -> Result<Vec<Entry>, RecordError> {
        self.record.timeline_where(person, keep)
    }

    pub fn timeline_json(
        &self,
        person: PersonId,
        keep: impl Fn(&EntryMeta) -> bool,
        show: impl Fn(EntryKind, &[Code], Option<&serde_json::value::RawValue>) -> bool,
    ) -> Result<Vec<u8>, RecordError> {
        self.record.timeline_json(person, keep, show)
    }

    pub fn access_log(&self, person: PersonId) -> Result<Vec<AuditEvent>, RecordError> {
        self.record.access_log(person)
    }

    /// A leaf's bytes, for the operator's `caretrail ledger leaf`.
    pub fn leaf(&self, index: u64) -> Result<LeafJson, RecordError> {
        self.record.leaf(index)
    }
}
