//! Domain types of the caretrail care record.
//!
//! This crate owns the vocabulary every other crate speaks: typed ids, roles, organisations,
//! care relationships, the fourteen entry kinds with their `data` shapes and validation, the
//! curated code tables (SNOMED CT, LOINC, ATC) and the problem type that reports bad input as
//! JSON Pointers. It does no I/O and knows nothing of storage, cryptography or HTTP.
#![forbid(unsafe_code)]

pub mod audit;
pub mod codes;
pub mod data;
pub mod entry;
pub mod ids;
pub mod model;
pub mod problem;

pub use audit::{AuditAction, AuditEvent, Purpose};
pub use codes::{Code, CodeSystem};
pub use data::EntryData;
pub use entry::{Entry, EntryKind, EntryMeta};
pub use ids::{EntryId, OrganisationId, PersonId, RelationshipId, UserId};
pub use model::{
    CareRelationship, Organisation, OrganisationKind, Person, PersonProfile, RelationshipKind,
    Role, User,
};
pub use problem::{FieldError, InputError, Problem};
