//! The record service: the one write path used by the CLI and the server.
//!
//! An entry travels one way: validated [`EntryData`](caretrail_core::EntryData) → JSON payload →
//! XChaCha20-Poly1305 ciphertext under the person's data key → a leaf committing to it → one
//! group-committed transaction with the tree nodes and a signed checkpoint → a [`Receipt`].
//! Reads decrypt the other way; erased entries read as `erased` with their metadata intact.
//!
//! Architecture invariants:
//! - **Nothing is updated in place.** A correction is a new entry that `amends` an earlier one.
//! - **Acknowledged means durable.** A receipt is returned only after the batch's commit; a
//!   storage I/O failure during a commit stops the process instead ([`group`]).
//! - **Verification trusts nothing stored.** [`verify`] recomputes every leaf, hash and root
//!   from the rows and the keys, and checks every checkpoint signature.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod error;
mod facts;
pub mod flags;
pub mod gate;
pub mod group;
pub mod keys;
pub mod review;
pub mod service;
pub mod unaudited;
pub mod verify;
pub mod wire;

pub use error::RecordError;
pub use flags::{FlagState, FlagStatus};
pub use gate::{Audited, Gate};
pub use keys::KeyFiles;
pub use review::ReviewView;
pub use service::{NewEntryRequest, NewPerson, Record};
pub use unaudited::Unaudited;
pub use verify::VerifyReport;
pub use wire::{ConsistencyJson, InclusionJson, LeafJson, Receipt};
