//! The data directory: where the key files and the embedded database live, which record store
//! (engine) a command uses, and how a [`Record`] is opened over them.
//!
//! `--database` chooses the engine: none for the embedded SQLite database in the data
//! directory, `sqlite:PATH` for a SQLite file elsewhere, or a `postgres://` (`postgresql://`)
//! URL. A PostgreSQL URL may end in `?schema=NAME` (or carry `schema=NAME` among its other
//! query parameters): the record's tables then live in that schema, created on first use, so
//! several deployments (or test runs) can share one database. Whatever the engine, the key
//! files stay in `DATA/keys` and never enter the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use caretrail_core::InputError;
use caretrail_record::{KeyFiles, Record, RecordError};
use caretrail_store::{Store, StoreError};
use caretrail_store_postgres::{PostgresOptions, PostgresStore};
use caretrail_store_sqlite::SqliteStore;

pub const DB_FILE: &str = "caretrail.db";
pub const ACCOUNTS_FILE: &str = "demo-accounts.json";

/// A PostgreSQL database and the schema to keep the record in.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresTarget {
    /// The connection URL without the `schema` parameter. May hold a password: never shown.
    url: String,
    /// `None`: the connection's own `search_path` (normally `public`).
    pub schema: Option<String>,
}

impl std::fmt::Debug for PostgresTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTarget")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// Is `name` a schema name we accept: `[a-z_][a-z0-9_]*`, at most 63 bytes, not `pg_*`.
fn is_schema_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && !name.starts_with("pg_")
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl PostgresTarget {
    /// Parses a `postgres://` URL, taking out its `schema` query parameter. Errors name the
    /// field `/database` (or `field`) and never repeat the URL, which may hold a password.
    pub fn parse(url: &str, field: &str) -> Result<Self, InputError> {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let mut schema = None;
        let mut rest = Vec::new();
        for param in query.into_iter().flat_map(|q| q.split('&')) {
            match param.split_once('=') {
                Some(("schema", name)) => {
                    if schema.is_some() {
                        return Err(InputError::field(field, "names the schema more than once"));
                    }
                    if !is_schema_name(name) {
                        return Err(InputError::field(
                            field,
                            "the schema must be a lower-case identifier ([a-z_][a-z0-9_]*, \
                             at most 63 bytes, not pg_*)",
                        ));
                    }
                    schema = Some(name.to_owned());
                }
                _ if param.is_empty() => {}
                _ => rest.push(param),
            }
        }
        let url = if rest.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        // The parser's own message could quote the URL: not kept.
        if url.parse::<postgres::Config>().is_err() {
            return Err(InputError::field(
                field,
                "is not a valid PostgreSQL URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME])",
            ));
        }
        Ok(PostgresTarget { url, schema })
    }

    /// Connects and brings the schema up to date (PostgreSQL stores always migrate on open).
    pub fn open(&self) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(
            &self.url,
            &PostgresOptions {
                schema: self.schema.clone(),
                ..PostgresOptions::default()
            },
        )
    }
}

/// Is `url` meant for PostgreSQL?
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Where the record store lives.
#[derive(Debug, Clone)]
pub enum Engine {
    Sqlite(PathBuf),
    Postgres(PostgresTarget),
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
            Some(url) if is_postgres_url(url) => {
                Ok(Engine::Postgres(PostgresTarget::parse(url, "/database")?))
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
            Engine::Postgres(target) => Ok(Arc::new(target.open()?)),
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

    /// Is there an initialised log here? For PostgreSQL this asks the server, so it can fail.
    pub fn is_initialised(&self) -> Result<bool, RecordError> {
        if !self.keys().exist() {
            return Ok(false);
        }
        match &self.engine {
            Engine::Sqlite(path) => Ok(path.exists()),
            Engine::Postgres(target) => Ok(target.open()?.log_meta()?.is_some()),
        }
    }

    /// Creates key files and an empty log.
    pub fn init(&self) -> Result<Record, RecordError> {
        let store = self.engine.open(true)?;
        if let Some(meta) = store.log_meta()? {
            // A shared database can already hold a log: say whose, without touching it.
            let ours = self
                .keys()
                .load_kek()
                .is_ok_and(|kek| kek.check_value().as_slice() == meta.kek_check.as_slice());
            return Err(RecordError::Conflict(if ours {
                format!(
                    "this data directory is already initialised (log {})",
                    meta.origin
                )
            } else {
                format!(
                    "the database already holds a log ({}) initialised with other keys than \
                     those in {}; refusing to initialise over it (use another database or schema)",
                    meta.origin,
                    self.keys().dir.display()
                )
            }));
        }
        self.ensure_root()?;
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
