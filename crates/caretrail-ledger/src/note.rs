//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys: the log's
//! [`LogSigner`], the [`NoteVerifier`] built from a verifier key string, and
//! [`VerifiedCheckpoint`], the only way to hold a checkpoint whose signature has been checked.
//!
//! A signed note is a text ending in a newline, a blank line, then signature lines
//! `— <key name> <base64(4-byte key id || signature)>`, where the dash is U+2014 EM DASH.
//! The signature is over the text bytes, final newline included. The key id is the first four
//! bytes of `SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)`, and a verifier
//! key is written `<name>+<8 hex digits of key id>+<base64(0x01 || public key)>`.

use std::fmt;
use std::ops::Deref;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::checkpoint::{Checkpoint, check_origin};
use crate::error::NoteError;

/// The longest note accepted, in bytes. The signed-note spec asks verifiers to accept at least
/// 16 signatures of up to about 5 kB each; this leaves ample room for that.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

/// The most signature lines accepted on one note (the Go reference implementation's limit;
/// the spec requires at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// C2SP signed-note signature type byte for Ed25519.
const ALG_ED25519: u8 = 0x01;

/// The separator that starts a signature line: U+2014 EM DASH, then a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// A log's Ed25519 signing key with its C2SP key name. Its `Debug` shows the public parts only.
pub struct LogSigner {
    name: String,
    key: SigningKey,
    key_id: [u8; 4],
}

impl LogSigner {
    /// A signer from a key name and a 32-byte Ed25519 secret key (the RFC 8032 seed). The name
    /// must be non-empty with no whitespace, `+` or control characters (C2SP signed-note).
    pub fn from_secret(name: &str, secret: &[u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(secret);
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id: the first 4 bytes of `SHA-256(name || 0x0A || 0x01 || public key)`.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The verifier key string: `<name>+<8 lower-case hex of key id>+<base64(0x01 || public
    /// key)>`.
    pub fn verifier_key(&self) -> String {
        render_verifier_key(&self.name, self.key_id, &self.public_key())
    }

    /// The verifier for this signer's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The full signed note of a checkpoint: its body, a blank line and one signature line
    /// `— <name> <base64(key id || 64-byte signature)>`.
    ///
    /// Fails closed: a checkpoint whose origin [`Checkpoint::new`] would refuse (empty, or
    /// holding a newline or control character) could render a body that reads as a different
    /// checkpoint, so nothing is signed and the result is the empty string, which every
    /// verifier refuses. [`LogSigner::try_sign`] reports the error instead.
    pub fn sign(&self, cp: &Checkpoint) -> String {
        self.try_sign(cp).unwrap_or_default()
    }

    /// Like [`LogSigner::sign`], but returns the origin's error rather than an empty note.
    pub fn try_sign(&self, cp: &Checkpoint) -> Result<String, NoteError> {
        // With a valid origin, the body parses back as exactly this checkpoint.
        check_origin(&cp.origin)?;
        Ok(self.sign_unchecked(&cp.body()))
    }

    /// Signs any note text (C2SP signed-note): it must end in a newline and hold no control
    /// characters other than newline. Returns the text, a blank line and this key's signature
    /// line.
    pub fn sign_note(&self, text: &str) -> Result<String, NoteError> {
        if text.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLong {
                len: text.len(),
                max: MAX_NOTE_BYTES,
            });
        }
        check_text(text)?;
        Ok(self.sign_unchecked(text))
    }

    fn sign_unchecked(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut blob = [0u8; 4 + Signature::BYTE_SIZE];
        let (id, sig) = blob.split_at_mut(4);
        id.copy_from_slice(&self.key_id);
        sig.copy_from_slice(&signature.to_bytes());
        format!(
            "{text}\n{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(blob)
        )
    }
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSigner")
            .field("verifier_key", &self.verifier_key())
            .finish_non_exhaustive()
    }
}

/// Checks signed notes against one Ed25519 verifier key.
#[derive(Clone)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a verifier key `<name>+<8 lower-case hex digits of key id>+<base64(0x01 || 32-byte
    /// Ed25519 public key)>`. Refuses an invalid name, a key id that does not match the name
    /// and key, another signature type, and public keys that are not canonical curve points or
    /// have small order.
    pub fn parse(verifier_key: &str) -> Result<Self, NoteError> {
        let malformed = |reason| NoteError::MalformedVerifierKey { reason };
        let (name, rest) = verifier_key
            .split_once('+')
            .ok_or(malformed("expected <name>+<key id>+<base64 key>"))?;
        check_name(name)?;
        let (id_hex, key_base64) = rest
            .split_once('+')
            .ok_or(malformed("expected <name>+<key id>+<base64 key>"))?;
        let stated =
            parse_key_id(id_hex).ok_or(malformed("the key id is not 8 lower-case hex digits"))?;
        let key_bytes = STANDARD
            .decode(key_base64)
            .map_err(|_| malformed("the key is not canonical standard base64"))?;
        let (&alg, public) = key_bytes
            .split_first()
            .ok_or(malformed("the key is empty"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedKeyType(alg));
        }
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| malformed("an Ed25519 public key is 32 bytes"))?;
        let computed = key_id(name, &public);
        if computed != stated {
            return Err(NoteError::KeyIdMismatch {
                stated: hex::encode(stated),
                computed: hex::encode(computed),
            });
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::InvalidPublicKey)?;
        // RFC 8032 §5.1.3 decoding accepts some non-canonical encodings; refuse them so a key
        // has exactly one written form.
        if key.to_edwards().compress().to_bytes() != public {
            return Err(NoteError::InvalidPublicKey);
        }
        if key.is_weak() {
            return Err(NoteError::WeakPublicKey);
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: stated,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The verifier key string this verifier was parsed from (or would be).
    pub fn verifier_key(&self) -> String {
        render_verifier_key(&self.name, self.key_id, &self.public_key())
    }

    /// Checks the note has a signature line with this key's name and key id whose Ed25519
    /// signature (`verify_strict`) over the body verifies, and parses the body as a checkpoint.
    pub fn verify(&self, note: &str) -> Result<VerifiedCheckpoint, NoteError> {
        let text = self.verify_note(note)?;
        let checkpoint = Checkpoint::parse_body(text)?;
        Ok(VerifiedCheckpoint {
            checkpoint,
            note: note.to_owned(),
            text_len: text.len(),
        })
    }

    /// [`NoteVerifier::verify`] for raw bytes, which must be valid UTF-8.
    pub fn verify_bytes(&self, note: &[u8]) -> Result<VerifiedCheckpoint, NoteError> {
        check_len(note.len())?;
        let note = std::str::from_utf8(note).map_err(|e| NoteError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        self.verify(note)
    }

    /// Verifies any signed note (C2SP signed-note) and returns its text, final newline
    /// included.
    ///
    /// Signatures from other keys are ignored, as the spec requires. A signature with this
    /// key's name and id that does not verify rejects the whole note; so does a note with no
    /// signature from this key.
    pub fn verify_note<'n>(&self, note: &'n str) -> Result<&'n str, NoteError> {
        let (text, signatures) = split_note(note)?;
        let mut verified = false;
        let mut other_ids = Vec::new();
        for signature in signature_lines(signatures) {
            let signature = signature?;
            if signature.name != self.name {
                continue;
            }
            if signature.key_id != self.key_id {
                other_ids.push(hex::encode(signature.key_id));
                continue;
            }
            let valid = Signature::from_slice(&signature.signature)
                .is_ok_and(|sig| self.key.verify_strict(text.as_bytes(), &sig).is_ok());
            if !valid {
                return Err(NoteError::InvalidSignature { key: self.label() });
            }
            verified = true;
        }
        match (verified, other_ids.is_empty()) {
            (true, _) => Ok(text),
            (false, true) => Err(NoteError::NoSignatureByKey { key: self.label() }),
            (false, false) => Err(NoteError::WrongKeyId {
                key: self.label(),
                found: other_ids.join(", "),
            }),
        }
    }

    /// `<name>+<key id hex>`, how errors name the key.
    fn label(&self) -> String {
        format!("{}+{}", self.name, hex::encode(self.key_id))
    }
}

impl fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteVerifier")
            .field("verifier_key", &self.verifier_key())
            .finish()
    }
}

/// A checkpoint whose note signature has been verified. Only [`NoteVerifier::verify`] makes
/// one, so holding it is the proof. Keeps the note exactly as signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    note: String,
    /// Length of the signed text at the start of `note`.
    text_len: usize,
}

impl VerifiedCheckpoint {
    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The whole signed note, exactly as verified.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// The signed text (the checkpoint body, final newline included).
    pub fn body(&self) -> &str {
        self.note.get(..self.text_len).unwrap_or_default()
    }

    /// The body's extension lines (the lines after the root hash), which the signature covers
    /// but [`Checkpoint`] does not model.
    pub fn extension_lines(&self) -> impl Iterator<Item = &str> {
        self.body().lines().skip(3)
    }

    /// The checkpoint, dropping the note.
    pub fn into_checkpoint(self) -> Checkpoint {
        self.checkpoint
    }
}

impl Deref for VerifiedCheckpoint {
    type Target = Checkpoint;

    fn deref(&self) -> &Checkpoint {
        &self.checkpoint
    }
}

/// One parsed signature line.
struct SignatureLine<'n> {
    name: &'n str,
    key_id: [u8; 4],
    signature: Vec<u8>,
}

/// Splits a note into its text and its block of signature lines (C2SP signed-note "Format").
/// The text ends at the last blank line and keeps its final newline.
fn split_note(note: &str) -> Result<(&str, &str), NoteError> {
    check_len(note.len())?;
    check_text(note)?;
    let blank = note.rfind("\n\n").ok_or(NoteError::MissingSeparator)?;
    let (text, signatures) = (&note[..=blank], &note[blank + 2..]);
    if signatures.is_empty() {
        return Err(NoteError::NoSignatures);
    }
    let count = signatures.matches('\n').count();
    if count > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            count,
            max: MAX_SIGNATURES,
        });
    }
    Ok((text, signatures))
}

/// The signature lines of a block that ends in a newline, parsed lazily so that a verifier
/// stops at the first malformed one.
fn signature_lines(block: &str) -> impl Iterator<Item = Result<SignatureLine<'_>, NoteError>> {
    block.split_terminator('\n').enumerate().map(|(i, line)| {
        parse_signature_line(line).map_err(|reason| NoteError::MalformedSignatureLine {
            line: i + 1,
            reason,
        })
    })
}

/// Parses `— <name> <base64(key id || signature)>`.
fn parse_signature_line(line: &str) -> Result<SignatureLine<'_>, &'static str> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or("it must start with an em dash (U+2014) and a space")?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or("it needs a key name and a signature separated by a space")?;
    if !is_valid_name(name) {
        return Err("the key name is empty or holds a space, '+' or control character");
    }
    let blob = STANDARD
        .decode(encoded)
        .map_err(|_| "the signature is not canonical standard base64")?;
    match blob.split_first_chunk::<4>() {
        Some((key_id, signature)) if !signature.is_empty() => Ok(SignatureLine {
            name,
            key_id: *key_id,
            signature: signature.to_vec(),
        }),
        _ => Err("the signature is shorter than a key id and one byte"),
    }
}

fn check_len(len: usize) -> Result<(), NoteError> {
    if len > MAX_NOTE_BYTES {
        return Err(NoteError::TooLong {
            len,
            max: MAX_NOTE_BYTES,
        });
    }
    Ok(())
}

/// A note (or note text) ends in a newline and holds no ASCII control character other than
/// newline (C2SP signed-note "Format").
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if let Some((offset, c)) = text
        .char_indices()
        .find(|&(_, c)| u32::from(c) < 0x20 && c != '\n')
    {
        return Err(NoteError::ControlCharacter {
            code: u32::from(c),
            offset,
        });
    }
    if !text.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    Ok(())
}

/// Key names are non-empty, with no Unicode whitespace and no `+` (C2SP signed-note); control
/// characters are refused too, as no note may hold them.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || u32::from(c) < 0x20)
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName {
            name: name.to_owned(),
        })
    }
}

/// `SHA-256(name || 0x0A || 0x01 || public key)[:4]` (C2SP signed-note, Ed25519 signatures).
fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_ED25519])
        .chain_update(public)
        .finalize();
    let mut id = [0u8; 4];
    id.copy_from_slice(&digest[..4]);
    id
}

/// Exactly 8 lower-case hex digits (the project writes hex in lower case everywhere).
fn parse_key_id(text: &str) -> Option<[u8; 4]> {
    if text.len() != 8 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut id = [0u8; 4];
    hex::decode_to_slice(text, &mut id).ok()?;
    Some(id)
}

fn render_verifier_key(name: &str, key_id: [u8; 4], public: &[u8; 32]) -> String {
    let mut key = [0u8; 33];
    key[0] = ALG_ED25519;
    key[1..].copy_from_slice(public);
    format!("{name}+{}+{}", hex::encode(key_id), STANDARD.encode(key))
}
