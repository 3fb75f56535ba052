//! The pure core of caretrail's tamper-evident log: RFC 6962 / RFC 9162 Merkle tree hashing,
//! compact ranges for appending, O(log n) inclusion and consistency proofs over stored
//! perfect-subtree hashes, their verifiers, and C2SP signed checkpoints.
//!
//! The crate does no I/O, reads no clock and draws no randomness: callers supply leaf bytes,
//! node storage (through [`NodeReader`]) and signing keys.
//!
//! Map:
//! - [`hash`]: leaf and node hashing, the reference Merkle Tree Hash (RFC 6962 §2.1).
//! - [`range`]: [`NodeId`] (a perfect subtree) and [`CompactRange`] (the right frontier a log
//!   appends to).
//! - [`proof`]: [`NodeReader`], [`MemoryTree`], and proof generation from stored perfect
//!   subtrees (RFC 9162 §2.1.3.1, §2.1.4.1).
//! - [`verify`]: proof verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2.
//! - [`checkpoint`]: the C2SP tlog-checkpoint note body.
//! - [`note`]: C2SP signed notes with Ed25519: [`LogSigner`], [`NoteVerifier`],
//!   [`VerifiedCheckpoint`].
//! - [`error`]: the error types.
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod error;
pub mod hash;
pub mod note;
pub mod proof;
pub mod range;
pub mod verify;

pub use checkpoint::Checkpoint;
pub use error::{LedgerError, NoteError, ProofError, VerifyError};
pub use hash::{EMPTY_ROOT, Hash, hash_children, leaf_hash, node_hash, root_from_leaf_hashes};
pub use note::{LogSigner, MAX_NOTE_BYTES, MAX_SIGNATURES, NoteVerifier, VerifiedCheckpoint};
pub use proof::{
    MemoryTree, MemoryTreeError, NodeReader, consistency_proof, inclusion_proof, root_at,
};
pub use range::{CompactRange, NodeId};
pub use verify::{verify_consistency, verify_inclusion};
