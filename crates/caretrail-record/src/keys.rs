//! The data directory's key files: the key-encryption key and the log's signing key. Both are
//! created at `init` with mode 0600 in `DATA/keys/`, and never enter the database.

use std::path::{Path, PathBuf};

use caretrail_ledger::LogSigner;
use caretrail_store::vault::{self, Kek, VaultError};

/// Paths of the key files inside a data directory.
#[derive(Debug, Clone)]
pub struct KeyFiles {
    pub dir: PathBuf,
}

impl KeyFiles {
    pub fn in_data_dir(data: &Path) -> Self {
        KeyFiles {
            dir: data.join("keys"),
        }
    }

    pub fn kek_path(&self) -> PathBuf {
        self.dir.join("kek")
    }

    pub fn signing_key_path(&self) -> PathBuf {
        self.dir.join("log-signing-key")
    }

    pub fn exist(&self) -> bool {
        self.kek_path().exists() || self.signing_key_path().exists()
    }

    /// Creates both keys. Refuses to overwrite an existing key file.
    pub fn create(&self) -> Result<(Kek, [u8; 32]), VaultError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| VaultError::Io {
            path: self.dir.display().to_string(),
            why: e.kind().to_string(),
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
        }
        let kek = Kek::generate()?;
        let signing = vault::random_bytes::<32>()?;
        vault::write_secret_file(&self.kek_path(), kek.expose())?;
        vault::write_secret_file(&self.signing_key_path(), signing.as_ref())?;
        Ok((kek, *signing))
    }

    pub fn load_kek(&self) -> Result<Kek, VaultError> {
        Ok(Kek::from_bytes(vault::read_secret_file(&self.kek_path())?))
    }

    pub fn load_signer(&self, origin: &str) -> Result<LogSigner, VaultError> {
        let secret = vault::read_secret_file(&self.signing_key_path())?;
        LogSigner::from_secret(origin, &secret).map_err(|_| VaultError::CorruptKeyFile {
            path: self.signing_key_path().display().to_string(),
            why: "not a usable Ed25519 key",
        })
    }
}
