//! The checkpoint: a log's signed statement of its tree size and root, in the C2SP
//! tlog-checkpoint text format (<https://c2sp.org/tlog-checkpoint>):
//!
//! ```text
//! <origin>\n
//! <tree size, decimal, no leading zeros>\n
//! <base64 root hash>\n
//! [<extension line>\n ...]
//! ```
//!
//! This module owns the body only; [`crate::note`] signs and verifies it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::NoteError;
use crate::hash::Hash;
use crate::note::check_text;

/// A tree head: the log's origin line, its tree size and the root hash at that size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `caretrail.example/log`. Non-empty, one line.
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The RFC 6962 root hash at `size`.
    pub root: Hash,
}

impl Checkpoint {
    /// A checkpoint whose origin is checked to be a non-empty line without control characters,
    /// so that its [`Checkpoint::body`] parses back to it.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Result<Self, NoteError> {
        let origin = origin.into();
        check_origin(&origin)?;
        Ok(Self { origin, size, root })
    }

    /// The note text: `"<origin>\n<size>\n<base64(root)>\n"` (C2SP tlog-checkpoint; no
    /// extension lines).
    ///
    /// An origin that is empty or holds a newline or control character gives a body that
    /// [`Checkpoint::parse_body`] refuses; [`Checkpoint::new`] checks for that.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Parses a checkpoint note text (the body of a signed note, final newline included).
    ///
    /// Follows C2SP tlog-checkpoint: at least three non-empty lines; a non-empty origin; a tree
    /// size in ASCII decimal without sign or leading zeros (`0` for the empty tree); a root hash
    /// in canonical standard base64 (RFC 4648 §4) of exactly 32 bytes; then optional non-empty
    /// extension lines, which are checked and otherwise ignored (the signature covers them;
    /// [`crate::VerifiedCheckpoint::extension_lines`] returns them).
    pub fn parse_body(text: &str) -> Result<Self, NoteError> {
        check_text(text)?;
        let content = text
            .strip_suffix('\n')
            .ok_or(NoteError::MissingFinalNewline)?;
        let lines: Vec<&str> = content.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(NoteError::TooFewLines { lines: lines.len() });
        };
        check_origin(origin)?;
        let size = parse_size(size)?;
        let root = parse_root(root)?;
        if let Some(i) = extensions.iter().position(|line| line.is_empty()) {
            return Err(NoteError::EmptyExtensionLine { line: i + 4 });
        }
        Ok(Self {
            origin: (*origin).to_owned(),
            size,
            root,
        })
    }
}

/// The origin MUST be non-empty (C2SP tlog-checkpoint), and a note line holds no control
/// characters (C2SP signed-note).
pub(crate) fn check_origin(origin: &str) -> Result<(), NoteError> {
    if origin.is_empty() {
        return Err(NoteError::EmptyOrigin);
    }
    if let Some((offset, c)) = origin.char_indices().find(|&(_, c)| u32::from(c) < 0x20) {
        return Err(NoteError::ControlCharacter {
            code: u32::from(c),
            offset,
        });
    }
    Ok(())
}

/// ASCII decimal, no sign, no leading zeros unless the size is 0 (C2SP tlog-checkpoint).
fn parse_size(text: &str) -> Result<u64, NoteError> {
    let bad = || NoteError::BadTreeSize {
        text: text.to_owned(),
    };
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(bad());
    }
    // Only digits remain, so the one possible failure is overflow.
    text.parse().map_err(|_| bad())
}

/// Canonical standard base64 of exactly 32 bytes.
fn parse_root(text: &str) -> Result<Hash, NoteError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| NoteError::BadRootBase64)?;
    Hash::try_from(bytes.as_slice()).map_err(|_| NoteError::BadRootLength { len: bytes.len() })
}
