//! Accounts and sessions: what sign-in needs from the directory, and nothing of a person's
//! record. A citizen's account names their person by opaque id only.

use caretrail_core::{User, UserId};
use caretrail_store::SessionRow;

use crate::error::RecordError;
use crate::service::Record;

/// The directory's accounts and the sessions signed in with them.
#[derive(Debug, Clone, Copy)]
pub struct Accounts<'r> {
    record: &'r Record,
}

impl Record {
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { record: self }
    }

    /// The organisations of the directory (their names are public facts about the deployment).
    pub fn organisations(&self) -> Result<Vec<caretrail_core::Organisation>, RecordError> {
        Ok(self.store().organisations()?)
    }

    /// The number of leaves in the log (readiness, metrics).
    pub fn tree_size(&self) -> Result<u64, RecordError> {
        Ok(self.store().tree_size()?)
    }
}

impl Accounts<'_> {
    /// The account and its password hash (`None` for accounts that cannot sign in). An account
    /// whose row the log does not commit to (changed with SQL alone) is refused.
    pub fn by_username(
        &self,
        username: &str,
    ) -> Result<Option<(User, Option<String>)>, RecordError> {
        match self.record.store().user_by_username(username)? {
            Some((user, hash)) => {
                self.trusted(&user, Some(hash.clone()))?;
                Ok(Some((user, hash)))
            }
            None => Ok(None),
        }
    }

    fn trusted(&self, user: &User, hash: Option<Option<String>>) -> Result<(), RecordError> {
        if self.record.account_matches_log(user, hash)? {
            Ok(())
        } else {
            Err(RecordError::Ledger(
                "an account does not match what the log says of it; nobody signs in with it until an operator has run `caretrail verify`".into(),
            ))
        }
    }

    /// Every account (staff, citizens by opaque person id, the system and the operator).
    pub fn all(&self) -> Result<Vec<User>, RecordError> {
        Ok(self.record.store().users()?)
    }

    /// The account, refused (like [`Self::by_username`]) if the log does not commit to its row.
    pub fn user(&self, id: UserId) -> Result<Option<User>, RecordError> {
        match self.record.store().user(id)? {
            Some(user) => {
                self.trusted(&user, None)?;
                Ok(Some(user))
            }
            None => Ok(None),
        }
    }

    /// What the store keeps of a bearer token: HMAC-SHA-256 under the log's system secret
    /// (which the database never holds), so someone with the database alone can neither learn a
    /// token nor plant a session row for a token they chose.
    pub fn token_hash(&self, token: &str) -> [u8; 32] {
        let mut bytes = Vec::with_capacity(32 + token.len());
        bytes.extend_from_slice(b"caretrail/session-token/v1");
        bytes.extend_from_slice(token.as_bytes());
        self.record.system_keys().commit(&bytes)
    }

    pub fn create_session(&self, session: &SessionRow) -> Result<(), RecordError> {
        Ok(self.record.store().create_session(session)?)
    }

    pub fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRow>, RecordError> {
        Ok(self.record.store().session(token_hash)?)
    }

    pub fn revoke_session(
        &self,
        token_hash: &[u8; 32],
        at: jiff::Timestamp,
    ) -> Result<bool, RecordError> {
        Ok(self.record.store().revoke_session(token_hash, at)?)
    }
}
