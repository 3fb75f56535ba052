//! Directory facts as leaves (see [`caretrail_store::fact`]): every write of an account, an
//! organisation, a person, a care relationship, a retention row, a break-glass window or a
//! review item goes through here, as a fact leaf committed with the row it sets.

use caretrail_core::UserId;
use caretrail_store::fact::{self, Fact, FactKey, FactLeaf, NewFact};
use caretrail_store::vault::PersonKeys;
use caretrail_store::{StoreError, Write};
use jiff::Timestamp;

use crate::error::RecordError;
use crate::service::Record;

/// What a read-modify-write step of [`Record::write_fact_if`] decided.
pub(crate) enum Step<T> {
    /// Nothing to write; answer `T`.
    Done(T),
    /// Write the fact (after `before`, in the same transaction) and answer `T`.
    Write {
        fact: Box<Fact>,
        before: Vec<Write>,
        answer: T,
    },
}

/// How often a read-modify-write is tried before the caller is told to try again.
const TRIES: usize = 5;

impl Record {
    /// Which fact `fact` sets: its kind and subject (a person's pseudonym, never their id).
    pub(crate) fn fact_key(&self, fact: &Fact) -> FactKey {
        let pseudonym = fact.person().map(|p| self.pseudonym(p));
        FactKey {
            kind: fact.kind(),
            subject: fact.subject(pseudonym.as_ref()),
        }
    }

    /// The commitment to `fact` as a leaf stores it: under `keys` (the person's) when given,
    /// else under the system secret.
    pub(crate) fn fact_commitment(&self, fact: &Fact, keys: Option<&PersonKeys>) -> [u8; 32] {
        let canonical = fact.canonical();
        keys.unwrap_or(self.system_keys()).commit(&canonical)
    }

    /// The write of `fact` with its leaf, committed under `keys` (see [`Self::fact_commitment`]),
    /// set by `by` (`None`: the operator or the system).
    pub(crate) fn fact_write(
        &self,
        fact: Fact,
        by: Option<UserId>,
        keys: Option<&PersonKeys>,
    ) -> Write {
        let leaf = fact::encode(&FactLeaf {
            key: self.fact_key(&fact),
            person_keyed: keys.is_some(),
            set_by: by,
            at: Timestamp::now(),
            commitment: self.fact_commitment(&fact, keys),
        });
        Write::Fact(NewFact { fact, leaf })
    }

    /// The write of `fact`, committed under its person's keys while they exist.
    pub(crate) fn prepare_fact(
        &self,
        fact: Fact,
        by: Option<UserId>,
    ) -> Result<Write, RecordError> {
        let keys = match fact.person() {
            Some(p) => self.keys_for(p)?,
            None => None,
        };
        Ok(self.fact_write(fact, by, keys.as_deref()))
    }

    /// Writes facts (each with its leaf) in one transaction.
    pub(crate) fn put_facts(
        &self,
        facts: Vec<Fact>,
        by: Option<UserId>,
    ) -> Result<(), RecordError> {
        let writes = facts
            .into_iter()
            .map(|f| self.prepare_fact(f, by))
            .collect::<Result<Vec<_>, _>>()?;
        self.writer.submit(writes)?;
        Ok(())
    }

    /// A read-modify-write of the row of fact `key`: `step` reads the row and decides. The
    /// write commits only if no other writer set that fact since `step` read it; otherwise
    /// `step` runs again on the row as it now is.
    pub(crate) fn write_fact_if<T>(
        &self,
        key: FactKey,
        by: Option<UserId>,
        mut step: impl FnMut() -> Result<Step<T>, RecordError>,
    ) -> Result<T, RecordError> {
        for _ in 0..TRIES {
            // The head is read before the row, so a row newer than the head fails the check.
            let latest = self.store().fact_head(&key)?;
            match step()? {
                Step::Done(answer) => return Ok(answer),
                Step::Write {
                    fact,
                    before,
                    answer,
                } => {
                    let mut writes = Vec::with_capacity(before.len() + 2);
                    writes.push(Write::ExpectFact { key, latest });
                    writes.extend(before);
                    writes.push(self.prepare_fact(*fact, by)?);
                    match self.writer.submit(writes) {
                        Ok(_) => return Ok(answer),
                        Err(StoreError::Stale) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        Err(RecordError::Conflict(
            "the record kept changing while this was written; try again".into(),
        ))
    }
}

impl Record {
    /// Every row of the directory as the fact it should be: what the log's fact leaves must
    /// fold to.
    pub(crate) fn directory_facts(&self) -> Result<Vec<Fact>, RecordError> {
        let store = self.store();
        let mut facts: Vec<Fact> = store
            .organisations()?
            .into_iter()
            .map(Fact::Organisation)
            .collect();
        let people = store.people()?;
        let ids: Vec<_> = people.iter().map(|p| p.id).collect();
        facts.extend(
            people
                .into_iter()
                .map(|row| Fact::Person { row, keys: None }),
        );
        for user in store.users()? {
            let password_hash = store.user_password_hash(user.id)?;
            facts.push(Fact::User {
                user,
                password_hash,
            });
        }
        for id in ids {
            facts.extend(
                store
                    .relationships_for_person(id)?
                    .into_iter()
                    .map(Fact::Relationship),
            );
        }
        facts.extend(store.export_retention()?.into_iter().map(Fact::Retention));
        facts.extend(
            store
                .export_break_glass()?
                .into_iter()
                .map(Fact::BreakGlass),
        );
        facts.extend(store.review_items(true)?.into_iter().map(Fact::Review));
        Ok(facts)
    }

    /// On the first open of a log written before directory facts were leaves: appends one fact
    /// leaf for every row of its directory, in one signed batch. A log that already holds fact
    /// leaves is never folded again (a fact index emptied by hand is refused, not papered over).
    pub(crate) fn fold_directory_into_log(&self) -> Result<(), RecordError> {
        let store = self.store();
        let first = match store.organisations()?.into_iter().next() {
            Some(org) => Fact::Organisation(org),
            None => match store.people()?.into_iter().next() {
                Some(row) => Fact::Person { row, keys: None },
                None => return Ok(()),
            },
        };
        let key = self.fact_key(&first);
        if store.fact_head(&key)?.is_some() {
            return Ok(());
        }
        let mut from = 0;
        loop {
            let page = store.leaves_from(from, 8192)?;
            let Some((last, _)) = page.last() else { break };
            from = last + 1;
            if page.iter().any(|(_, l)| fact::decode(l).is_some()) {
                return Err(RecordError::Ledger(
                    "the directory's rows are not indexed by the fact leaves the log holds; run `caretrail verify`".into(),
                ));
            }
        }
        let mut writes = vec![Write::ExpectFact { key, latest: None }];
        for fact in self.directory_facts()? {
            writes.push(self.prepare_fact(fact, None)?);
        }
        match self.writer.submit(writes) {
            // Another process folded it first.
            Ok(_) | Err(StoreError::Stale) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl Record {
    /// Does the account row (with `password_hash`) match the latest fact leaf of that account?
    /// What sign-in and every session check before trusting an account, so a role raised or a
    /// password hash replaced with SQL alone is refused at once, not only found by `verify`.
    /// A row this process already matched is trusted again while it stays the same.
    pub(crate) fn account_matches_log(
        &self,
        user: &caretrail_core::User,
        password_hash: Option<Option<String>>,
    ) -> Result<bool, RecordError> {
        if password_hash.is_none()
            && self
                .accounts_checked
                .lock()
                .expect("account cache lock")
                .get(&user.id)
                .is_some_and(|seen| seen == user)
        {
            return Ok(true);
        }
        let password_hash = match password_hash {
            Some(h) => h,
            None => self.store().user_password_hash(user.id)?,
        };
        let fact = Fact::User {
            user: user.clone(),
            password_hash,
        };
        let key = self.fact_key(&fact);
        let Some(index) = self.store().fact_head(&key)? else {
            return Ok(false);
        };
        let Some(leaf) = self.store().leaf(index)?.as_deref().and_then(fact::decode) else {
            return Ok(false);
        };
        let keys = match (leaf.person_keyed, user.person) {
            (true, Some(p)) => match self.keys_for(p)? {
                Some(k) => Some(k),
                None => return Ok(false),
            },
            _ => None,
        };
        let matches =
            leaf.key == key && self.fact_commitment(&fact, keys.as_deref()) == leaf.commitment;
        if matches {
            let mut cache = self.accounts_checked.lock().expect("account cache lock");
            // Bounded: accounts are few, but a cache must not grow without end.
            if cache.len() >= 100_000 {
                cache.clear();
            }
            cache.insert(user.id, user.clone());
        }
        Ok(matches)
    }
}
