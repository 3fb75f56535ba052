//! The vault: per-person keys, wrapped by a key-encryption key (KEK) that lives in its own file.
//!
//! - Each person has a 256-bit data key and a 256-bit commitment secret ([`PersonKeys`]). Entry
//!   payloads are sealed with XChaCha20-Poly1305 under the data key, with
//!   (person id ‖ entry id ‖ key version) as associated data, so a ciphertext cannot be moved
//!   to another entry or person.
//! - A leaf commits to the ciphertext with HMAC-SHA-256 keyed by the commitment secret, so a
//!   guessable payload cannot be confirmed from the public log.
//! - Person keys are stored wrapped by the KEK. Destroying the wrapped keys (erasure) makes
//!   the person's ciphertexts unreadable and their commitments unconfirmable.
//! - The KEK is created at `init` in a file of mode 0600 and never enters the database; the
//!   database holds only a check value that proves a KEK file belongs to it.

use std::fmt;
use std::io::Write as _;
use std::path::Path;

use caretrail_core::{EntryId, PersonId};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

const NONCE_LEN: usize = 24;
const WRAP_LABEL: &[u8] = b"caretrail/person-keys/v1";
const SYSTEM_LABEL: &[u8] = b"caretrail/system-keys/v1";
const PSEUDONYM_LABEL: &[u8] = b"caretrail/pseudonym-key/v1";
const CHECK_LABEL: &[u8] = b"caretrail/kek-check/v1";

/// Why a key could not be used. Never carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("key file {path} is missing: the data directory's keys are required")]
    MissingKeyFile { path: String },
    #[error("key file {path} is corrupted: {why}")]
    CorruptKeyFile { path: String, why: &'static str },
    #[error("key file {path} does not belong to this database")]
    WrongKeyFile { path: String },
    #[error("could not write key file {path}: {why}")]
    Io { path: String, why: String },
    #[error("a wrapped key or ciphertext failed authentication")]
    Authentication,
    #[error("the operating system's random number generator failed")]
    Random,
}

/// Fills `buf` from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>, VaultError> {
    let mut buf = Zeroizing::new([0u8; N]);
    getrandom::fill(buf.as_mut()).map_err(|_| VaultError::Random)?;
    Ok(buf)
}

fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = random_bytes::<NONCE_LEN>()?;
    let ct = cipher
        .encrypt(
            &XNonce::from(*nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Authentication)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(nonce.as_ref());
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(VaultError::Authentication);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Authentication)?;
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Authentication)
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // Invariant: HMAC accepts keys of any length.
    let mut mac =
        <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// The key-encryption key.
pub struct Kek(Zeroizing<[u8; 32]>);

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

/// Writes `secret` as hex to a new file of mode 0600. Refuses to overwrite.
pub fn write_secret_file(path: &Path, secret: &[u8]) -> Result<(), VaultError> {
    let err = |why: String| VaultError::Io {
        path: path.display().to_string(),
        why,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path).map_err(|e| err(e.kind().to_string()))?;
    let mut text = Zeroizing::new(hex_encode(secret));
    text.push('\n');
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| err(e.kind().to_string()))
}

/// Reads a 32-byte secret written by [`write_secret_file`].
pub fn read_secret_file(path: &Path) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let p = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => Zeroizing::new(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VaultError::MissingKeyFile { path: p });
        }
        Err(_) => {
            return Err(VaultError::CorruptKeyFile {
                path: p,
                why: "it is not readable text",
            });
        }
    };
    let hex = text.trim();
    if hex.len() != 64 {
        return Err(VaultError::CorruptKeyFile {
            path: p,
            why: "expected 64 hexadecimal digits",
        });
    }
    let mut out = Zeroizing::new([0u8; 32]);
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).ok();
        out[i] =
            s.and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or(VaultError::CorruptKeyFile {
                    path: p.clone(),
                    why: "expected 64 hexadecimal digits",
                })?;
    }
    Ok(out)
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Kek {
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Kek(random_bytes::<32>()?))
    }

    pub fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Self {
        Kek(bytes)
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// A value stored in the database that proves this KEK belongs to it.
    pub fn check_value(&self) -> [u8; 32] {
        hmac(self.0.as_ref(), &[CHECK_LABEL])
    }

    pub fn wrap_person(&self, person: PersonId, keys: &PersonKeys) -> Result<Vec<u8>, VaultError> {
        let aad = [WRAP_LABEL, person.as_bytes(), &keys.version.to_be_bytes()].concat();
        let mut material = Zeroizing::new([0u8; 64]);
        material[..32].copy_from_slice(keys.data_key.as_ref());
        material[32..].copy_from_slice(keys.commit_key.as_ref());
        seal(&self.0, &aad, material.as_ref())
    }

    pub fn unwrap_person(
        &self,
        person: PersonId,
        version: u32,
        wrapped: &[u8],
    ) -> Result<PersonKeys, VaultError> {
        let aad = [WRAP_LABEL, person.as_bytes(), &version.to_be_bytes()].concat();
        let material = open(&self.0, &aad, wrapped)?;
        PersonKeys::from_material(version, &material)
    }

    /// Wraps the system keys (used for entries not under a person's key, such as erasure records).
    pub fn wrap_system(&self, keys: &PersonKeys) -> Result<Vec<u8>, VaultError> {
        let mut material = Zeroizing::new([0u8; 64]);
        material[..32].copy_from_slice(keys.data_key.as_ref());
        material[32..].copy_from_slice(keys.commit_key.as_ref());
        seal(&self.0, SYSTEM_LABEL, material.as_ref())
    }

    pub fn unwrap_system(&self, wrapped: &[u8]) -> Result<PersonKeys, VaultError> {
        let material = open(&self.0, SYSTEM_LABEL, wrapped)?;
        PersonKeys::from_material(0, &material)
    }

    pub fn wrap_pseudonym_key(&self, key: &PseudonymKey) -> Result<Vec<u8>, VaultError> {
        seal(&self.0, PSEUDONYM_LABEL, key.0.as_ref())
    }

    pub fn unwrap_pseudonym_key(&self, wrapped: &[u8]) -> Result<PseudonymKey, VaultError> {
        let material = open(&self.0, PSEUDONYM_LABEL, wrapped)?;
        let bytes: [u8; 32] = material
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Authentication)?;
        Ok(PseudonymKey(Zeroizing::new(bytes)))
    }
}

/// A person's data key and commitment secret (or the system's, with version 0).
pub struct PersonKeys {
    pub version: u32,
    data_key: Zeroizing<[u8; 32]>,
    commit_key: Zeroizing<[u8; 32]>,
    /// HMAC state with the commitment secret's pads already absorbed: cloning it saves two
    /// SHA-256 compressions per commitment (verification computes one per leaf).
    commit_mac: Hmac<Sha256>,
}

fn keyed_mac(key: &[u8; 32]) -> Hmac<Sha256> {
    // Invariant: HMAC accepts keys of any length.
    <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).expect("HMAC takes any key length")
}

impl fmt::Debug for PersonKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonKeys(v{}, <redacted>)", self.version)
    }
}

impl PersonKeys {
    pub fn generate(version: u32) -> Result<Self, VaultError> {
        let commit_key = random_bytes::<32>()?;
        Ok(PersonKeys {
            version,
            data_key: random_bytes::<32>()?,
            commit_mac: keyed_mac(&commit_key),
            commit_key,
        })
    }

    fn from_material(version: u32, material: &[u8]) -> Result<Self, VaultError> {
        if material.len() != 64 {
            return Err(VaultError::Authentication);
        }
        let mut data_key = Zeroizing::new([0u8; 32]);
        let mut commit_key = Zeroizing::new([0u8; 32]);
        data_key.copy_from_slice(&material[..32]);
        commit_key.copy_from_slice(&material[32..]);
        Ok(PersonKeys {
            version,
            data_key,
            commit_mac: keyed_mac(&commit_key),
            commit_key,
        })
    }

    fn aad(&self, person: PersonId, entry: EntryId) -> [u8; 36] {
        let mut aad = [0u8; 36];
        aad[..16].copy_from_slice(person.as_bytes());
        aad[16..32].copy_from_slice(entry.as_bytes());
        aad[32..].copy_from_slice(&self.version.to_be_bytes());
        aad
    }

    /// Encrypts an entry payload (nonce ‖ ciphertext ‖ tag).
    pub fn seal_entry(
        &self,
        person: PersonId,
        entry: EntryId,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        seal(&self.data_key, &self.aad(person, entry), plaintext)
    }

    pub fn open_entry(
        &self,
        person: PersonId,
        entry: EntryId,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        open(&self.data_key, &self.aad(person, entry), sealed)
    }

    /// Encrypts the person's profile (bound to the person id and an all-zero entry id).
    pub fn seal_profile(&self, person: PersonId, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.seal_entry(person, EntryId::from_bytes([0; 16]), plaintext)
    }

    pub fn open_profile(
        &self,
        person: PersonId,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.open_entry(person, EntryId::from_bytes([0; 16]), sealed)
    }

    /// The leaf's commitment to a ciphertext: HMAC-SHA-256(commitment secret, version ‖ ct).
    pub fn commit(&self, ciphertext: &[u8]) -> [u8; 32] {
        let mut mac = self.commit_mac.clone();
        mac.update(&self.version.to_be_bytes());
        mac.update(ciphertext);
        mac.finalize().into_bytes().into()
    }
}

/// The secret behind person pseudonyms in leaves.
pub struct PseudonymKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<redacted>)")
    }
}

impl PseudonymKey {
    pub fn generate() -> Result<Self, VaultError> {
        Ok(PseudonymKey(random_bytes::<32>()?))
    }

    /// A person's pseudonym: the first 16 bytes of HMAC-SHA-256(key, person id).
    pub fn pseudonym(&self, person: PersonId) -> [u8; 16] {
        let mut full = hmac(self.0.as_ref(), &[person.as_bytes()]);
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        full.zeroize();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ciphertext_is_bound_to_person_entry_and_version() {
        let keys = PersonKeys::generate(1).unwrap();
        let (p, e) = (PersonId::new(), EntryId::new());
        let ct = keys.seal_entry(p, e, b"canary").unwrap();
        assert!(!ct.windows(6).any(|w| w == b"canary"));
        assert_eq!(&**keys.open_entry(p, e, &ct).unwrap(), b"canary");
        assert!(keys.open_entry(PersonId::new(), e, &ct).is_err());
        assert!(keys.open_entry(p, EntryId::new(), &ct).is_err());
        let mut flipped = ct.clone();
        flipped[30] ^= 1;
        assert!(keys.open_entry(p, e, &flipped).is_err());
    }

    #[test]
    fn wrapped_keys_open_only_with_their_kek_and_person() {
        let kek = Kek::generate().unwrap();
        let keys = PersonKeys::generate(3).unwrap();
        let p = PersonId::new();
        let wrapped = kek.wrap_person(p, &keys).unwrap();
        let back = kek.unwrap_person(p, 3, &wrapped).unwrap();
        assert_eq!(back.commit(b"x"), keys.commit(b"x"));
        assert!(kek.unwrap_person(p, 4, &wrapped).is_err());
        assert!(kek.unwrap_person(PersonId::new(), 3, &wrapped).is_err());
        assert!(
            Kek::generate()
                .unwrap()
                .unwrap_person(p, 3, &wrapped)
                .is_err()
        );
    }

    #[test]
    fn commitment_is_hmac_sha256_of_version_and_ciphertext() {
        let k = PersonKeys::generate(7).unwrap();
        let want = hmac(k.commit_key.as_ref(), &[&7u32.to_be_bytes(), b"ct"]);
        assert_eq!(k.commit(b"ct"), want);
        assert_eq!(
            k.commit(b"ct"),
            want,
            "the cached HMAC state is not consumed"
        );
    }

    #[test]
    fn commitments_are_keyed() {
        let a = PersonKeys::generate(1).unwrap();
        let b = PersonKeys::generate(1).unwrap();
        assert_ne!(a.commit(b"same"), b.commit(b"same"));
        assert_eq!(a.commit(b"same"), a.commit(b"same"));
    }

    #[test]
    fn secret_files_are_0600_and_validated() {
        let dir = std::env::temp_dir().join(format!("ct-vault-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kek");
        assert!(matches!(
            read_secret_file(&path),
            Err(VaultError::MissingKeyFile { .. })
        ));
        let kek = Kek::generate().unwrap();
        write_secret_file(&path, kek.expose()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(&*read_secret_file(&path).unwrap(), kek.expose());
        assert!(
            write_secret_file(&path, kek.expose()).is_err(),
            "never overwrites"
        );
        std::fs::write(&path, "zz\n").unwrap();
        assert!(matches!(
            read_secret_file(&path),
            Err(VaultError::CorruptKeyFile { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
