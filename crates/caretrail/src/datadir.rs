//! The data directory: where the key files and the embedded database live, and how a
//! [`Record`] is opened over them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use caretrail_core::InputError;
use caretrail_record::{KeyFiles, Record, RecordError};
use caretrail_store::{Store, StoreError};
use caretrail_store_sqlite::SqliteStore;

pub const DB_FILE: &str = "caretrail.db";
pub const ACCOUNTS_FILE: &str = "demo-accounts.json";

/// Where the record store lives.
#[derive(Debug, Clone)]
pub enum Engine {
    Sqlite(PathBuf),
}

impl Engine {
    pub fn from_args(data: &Path, database: Option<&str>) -> Result<Self, RecordError> {
        match database {
            None => Ok(Engine::Sqlite(data.join(DB_FILE))),
            Some(url) if url.starts_with("sqlite:") => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                Ok(Engine::Sqlite(PathBuf::from(path)))
            }
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Err(RecordError::Conflict(
                    "this build has no PostgreSQL backend yet; use the embedded SQLite database"
                        .into(),
                ))
            }
            Some(_) => {
                Err(InputError::field("/database", "must be a postgres:// or sqlite: URL").into())
            }
        }
    }

    fn open(&self, create: bool) -> Result<Arc<dyn Store>, RecordError> {
        match self {
            Engine::Sqlite(path) => {
                let store = if create {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            StoreError::Io(format!("cannot create {}: {}", dir.display(), e.kind()))
                        })?;
                    }
                    SqliteStore::create(path)?
                } else {
                    SqliteStore::open(path)?
                };
                Ok(Arc::new(store))
            }
        }
    }
}

/// A data directory and its engine.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
    pub engine: Engine,
}

impl DataDir {
    pub fn new(root: &Path, database: Option<&str>) -> Result<Self, RecordError> {
        Ok(DataDir {
            root: root.to_owned(),
            engine: Engine::from_args(root, database)?,
        })
    }

    pub fn keys(&self) -> KeyFiles {
        KeyFiles::in_data_dir(&self.root)
    }

    pub fn accounts_path(&self) -> PathBuf {
        self.root.join(ACCOUNTS_FILE)
    }

    fn ensure_root(&self) -> Result<(), RecordError> {
        std::fs::create_dir_all(&self.root).map_err(|e| {
            RecordError::Store(StoreError::Io(format!(
                "cannot create {}: {}",
                self.root.display(),
                e.kind()
            )))
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }

    /// Is there an initialised log here?
    pub fn is_initialised(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(path) => path.exists() && self.keys().exist(),
        }
    }

    /// Creates key files and an empty log.
    pub fn init(&self) -> Result<Record, RecordError> {
        self.ensure_root()?;
        let store = self.engine.open(true)?;
        Record::init(store, &self.keys())
    }

    /// Opens an initialised data directory.
    pub fn open(&self) -> Result<Record, RecordError> {
        if !self.root.exists() {
            return Err(StoreError::NotInitialised.into());
        }
        let store = self.engine.open(false)?;
        Record::open(store, &self.keys())
    }
}
