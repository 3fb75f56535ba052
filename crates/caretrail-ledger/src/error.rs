//! The ledger's error types: what went wrong and with which (public, non-personal) input.
//!
//! - [`LedgerError`]: rebuilding or growing a [`crate::CompactRange`].
//! - [`ProofError`]: generating a proof or a historic root from stored nodes.
//! - [`VerifyError`]: checking an inclusion or consistency proof (RFC 9162 §2.1.3.2, §2.1.4.2).
//! - [`NoteError`]: parsing, signing and verifying C2SP signed notes and checkpoints.

/// Errors of [`crate::CompactRange`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// `from_parts` got a hash count that does not match the size's set bits.
    #[error(
        "a compact range of size {size} holds {expected} hashes (one per set bit), but {got} were given"
    )]
    WrongHashCount {
        /// The claimed tree size.
        size: u64,
        /// `size.count_ones()`.
        expected: usize,
        /// The number of hashes given.
        got: usize,
    },
    /// The tree already holds `u64::MAX` leaves.
    #[error("the tree holds u64::MAX leaves and cannot grow")]
    TreeFull,
}

/// Errors of proof generation ([`crate::inclusion_proof`], [`crate::consistency_proof`],
/// [`crate::root_at`]). `E` is the [`crate::NodeReader`]'s error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError<E> {
    /// An inclusion proof was asked for a leaf outside the tree (`index >= size`).
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size asked for.
        size: u64,
    },
    /// A consistency proof was asked from the empty tree; RFC 9162 §2.1.4 requires `0 < first`.
    #[error("a consistency proof needs a non-empty first tree (RFC 9162 §2.1.4: 0 < first)")]
    EmptyFirstTree,
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("first tree size {first} is larger than second tree size {second}")]
    FirstLargerThanSecond {
        /// The first (older) tree size.
        first: u64,
        /// The second (newer) tree size.
        second: u64,
    },
    /// The node reader broke its contract by returning the wrong number of hashes.
    #[error("the node reader returned {got} hashes for {asked} node ids")]
    WrongNodeCount {
        /// How many ids were asked for.
        asked: usize,
        /// How many hashes came back.
        got: usize,
    },
    /// The node reader failed.
    #[error("reading stored tree nodes failed")]
    Storage(#[source] E),
}

/// Why a proof did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The leaf index is not in the tree (`index >= size`; RFC 9162 §2.1.3.2 step 1).
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The first tree is empty; RFC 9162 §2.1.4.2 requires `0 < first`.
    #[error("a consistency proof needs a non-empty first tree (RFC 9162 §2.1.4.2: 0 < first)")]
    EmptyFirstTree,
    /// The first tree is larger than the second.
    #[error("first tree size {first} is larger than second tree size {second}")]
    FirstLargerThanSecond {
        /// The claimed first tree size.
        first: u64,
        /// The claimed second tree size.
        second: u64,
    },
    /// The proof has more hashes than the sizes allow (RFC 9162 `sn` reached 0 early).
    #[error("the proof has more hashes than the tree sizes allow")]
    ProofTooLong,
    /// The proof has fewer hashes than the sizes need (RFC 9162 `sn` is not 0 at the end).
    #[error("the proof has fewer hashes than the tree sizes need")]
    ProofTooShort,
    /// A consistency proof between different sizes was empty (RFC 9162 §2.1.4.2 step 1).
    #[error("the consistency proof is empty but the tree sizes differ")]
    EmptyProof,
    /// A consistency proof between equal sizes must be empty.
    #[error("the tree sizes are equal, so the consistency proof must be empty")]
    ProofNotEmpty,
    /// The root computed from an inclusion proof is not the expected root.
    #[error("the root computed from the inclusion proof does not match the tree root")]
    RootMismatch,
    /// The first root computed from a consistency proof is not the expected one.
    #[error("the first tree's root computed from the consistency proof does not match")]
    FirstRootMismatch,
    /// The second root computed from a consistency proof is not the expected one.
    #[error("the second tree's root computed from the consistency proof does not match")]
    SecondRootMismatch,
}

/// Why a signed note, verifier key or checkpoint body was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note is longer than [`crate::MAX_NOTE_BYTES`].
    #[error("the note is {len} bytes, more than the {max} allowed")]
    TooLong {
        /// The note's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The note is not valid UTF-8 (C2SP signed-note: notes MUST be valid UTF-8).
    #[error("the note is not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The text holds an ASCII control character other than newline.
    #[error("control character U+{code:04X} at byte {offset}; only newline is allowed")]
    ControlCharacter {
        /// The character's code point.
        code: u32,
        /// Its byte offset.
        offset: usize,
    },
    /// The note, or a text to sign, does not end in a newline.
    #[error("the text does not end in a newline")]
    MissingFinalNewline,
    /// There is no blank line separating the text from the signatures.
    #[error("no blank line separates the note text from its signatures")]
    MissingSeparator,
    /// The blank line is not followed by any signature line.
    #[error("the note has no signature lines")]
    NoSignatures,
    /// A signature line does not have the form `— <name> <base64>`.
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignatureLine {
        /// 1-based number of the line among the signature lines.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The note has more than [`crate::MAX_SIGNATURES`] signatures.
    #[error("the note has {count} signatures, more than the {max} allowed")]
    TooManySignatures {
        /// How many signature lines there are.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A key name is empty or holds a space, `+` or a control character.
    #[error(
        "key name {name:?} is invalid: it must be non-empty, with no spaces, '+' or control characters"
    )]
    InvalidKeyName {
        /// The refused name.
        name: String,
    },
    /// A verifier key string is not `<name>+<8 hex digits>+<base64>`.
    #[error("the verifier key is malformed: {reason}")]
    MalformedVerifierKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The verifier key is for a signature type other than Ed25519 (0x01).
    #[error("the verifier key has signature type 0x{0:02x}; only Ed25519 (0x01) is supported")]
    UnsupportedKeyType(u8),
    /// The key id written in a verifier key is not the one its name and key give.
    #[error("the verifier key says key id {stated}, but its name and public key give {computed}")]
    KeyIdMismatch {
        /// The key id written in the key string.
        stated: String,
        /// The key id computed from name and public key.
        computed: String,
    },
    /// The public key is not a valid Ed25519 point, or not canonically encoded.
    #[error("the Ed25519 public key is not a canonically encoded curve point")]
    InvalidPublicKey,
    /// The public key has small order, so signatures under it prove nothing.
    #[error("the Ed25519 public key has small order")]
    WeakPublicKey,
    /// The note has signatures under this key's name, but none with this key's id.
    #[error("no signature by key {key}; signatures under that name have key ids {found}")]
    WrongKeyId {
        /// `<name>+<key id>` of the expected key.
        key: String,
        /// Comma-separated key ids found under the same name.
        found: String,
    },
    /// The note has no signature under this key's name at all.
    #[error("the note has no signature by key {key}")]
    NoSignatureByKey {
        /// `<name>+<key id>` of the expected key.
        key: String,
    },
    /// A signature carrying this key's name and id does not verify.
    #[error("the signature by key {key} does not verify")]
    InvalidSignature {
        /// `<name>+<key id>` of the key.
        key: String,
    },
    /// The checkpoint body has fewer than three lines.
    #[error("the checkpoint has {lines} lines; it needs origin, tree size and root hash")]
    TooFewLines {
        /// How many lines there are.
        lines: usize,
    },
    /// The checkpoint's origin line is empty.
    #[error("the checkpoint origin line is empty")]
    EmptyOrigin,
    /// The tree size line is not a canonical decimal `u64`.
    #[error("the checkpoint tree size {text:?} is not a decimal u64 without sign or leading zeros")]
    BadTreeSize {
        /// The size line as found.
        text: String,
    },
    /// The root hash line is not valid standard base64.
    #[error("the checkpoint root hash is not canonical standard base64")]
    BadRootBase64,
    /// The root hash does not decode to 32 bytes.
    #[error("the checkpoint root hash is {len} bytes, not 32")]
    BadRootLength {
        /// The decoded length.
        len: usize,
    },
    /// An extension line (a line after the root hash) is empty.
    #[error("checkpoint line {line} is an empty extension line")]
    EmptyExtensionLine {
        /// 1-based line number in the body.
        line: usize,
    },
}
