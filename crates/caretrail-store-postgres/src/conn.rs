//! Pooled connections: an r2d2 manager for the synchronous `postgres` client, a per-connection
//! cache of prepared statements, and [`Session`], the one way queries are issued.
//!
//! Every SQL text this crate runs is a `&'static str`, so each connection prepares each
//! statement once and then runs it in one round trip.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, GenericClient, IsolationLevel, NoTls, Row, Statement};

use crate::error::PgError;

/// Opens connections for the pool and sets each one up (`search_path`, durability).
pub(crate) struct Manager {
    config: postgres::Config,
    /// Run once on every new connection.
    setup: String,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config holds the password: show only where the setup points.
        f.debug_struct("Manager")
            .field("setup", &self.setup)
            .finish_non_exhaustive()
    }
}

impl Manager {
    /// `schema`, when given, is already validated as a plain identifier.
    pub(crate) fn new(config: postgres::Config, schema: Option<&str>) -> Self {
        let mut setup = String::new();
        if let Some(schema) = schema {
            // Only this schema: tables are created and found there, never in `public`.
            setup.push_str(&format!("SET search_path TO \"{schema}\";\n"));
        }
        // A write is acknowledged only once durable (DESIGN §2). A server configured with
        // `synchronous_commit = off` would acknowledge commits it could still lose, so such a
        // session is raised to `on`; stronger settings (`remote_apply`, ...) are kept.
        setup.push_str(
            "DO $$ BEGIN IF current_setting('synchronous_commit') = 'off' THEN \
             PERFORM set_config('synchronous_commit', 'on', false); END IF; END $$;",
        );
        Manager { config, setup }
    }
}

/// A pooled connection and the statements prepared on it.
pub(crate) struct PgConn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl PgConn {
    /// A session on the connection itself (each statement its own transaction).
    pub(crate) fn session(&mut self) -> Session<'_, Client> {
        Session {
            client: &mut self.client,
            statements: &mut self.statements,
        }
    }

    /// Runs `f` in one `READ COMMITTED` transaction: commits on `Ok`, rolls back on `Err`.
    /// Says whether a failure came before the commit (nothing was written) or from the commit
    /// itself (if the connection broke then, the outcome is unknown).
    pub(crate) fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Session<'_, postgres::Transaction<'_>>) -> Result<T, PgError>,
    ) -> Result<T, TxFailure> {
        // Explicit, whatever the server's default: appends rely on each statement after the
        // head lock seeing every commit made before the lock was granted.
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .map_err(|e| TxFailure::BeforeCommit(e.into()))?;
        let value = {
            let mut session = Session {
                client: &mut tx,
                statements: &mut self.statements,
            };
            f(&mut session).map_err(TxFailure::BeforeCommit)?
        };
        tx.commit().map_err(|e| TxFailure::Commit(e.into()))?;
        Ok(value)
    }
}

/// Where a transaction failed.
#[derive(Debug)]
pub(crate) enum TxFailure {
    /// Before `COMMIT` was sent: the transaction rolled back (or dies with its connection).
    BeforeCommit(PgError),
    /// `COMMIT` itself failed.
    Commit(PgError),
}

impl From<TxFailure> for caretrail_store::StoreError {
    fn from(f: TxFailure) -> Self {
        match f {
            TxFailure::BeforeCommit(e) => e.before_commit(),
            TxFailure::Commit(e) => e.into(),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = PgError;

    fn connect(&self) -> Result<PgConn, PgError> {
        let mut client = self.config.connect(NoTls).map_err(|e| {
            if e.as_db_error().is_some() {
                PgError::from(e)
            } else {
                PgError::Connect
            }
        })?;
        client.batch_execute(&self.setup)?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), PgError> {
        conn.client.simple_query("")?;
        Ok(())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// Issues statements on a connection or inside a transaction, preparing each SQL text once
/// per connection.
pub(crate) struct Session<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl<C: GenericClient> Session<'_, C> {
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, PgError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    pub(crate) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, PgError> {
        let s = self.prepared(sql)?;
        Ok(self.client.query(&s, params)?)
    }

    pub(crate) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, PgError> {
        let s = self.prepared(sql)?;
        Ok(self.client.query_opt(&s, params)?)
    }

    pub(crate) fn query_one(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, PgError> {
        let s = self.prepared(sql)?;
        Ok(self.client.query_one(&s, params)?)
    }

    pub(crate) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, PgError> {
        let s = self.prepared(sql)?;
        Ok(self.client.execute(&s, params)?)
    }

    /// Runs SQL text that is not cached (migrations, maintenance).
    pub(crate) fn batch_execute(&mut self, sql: &str) -> Result<(), PgError> {
        Ok(self.client.batch_execute(sql)?)
    }
}
