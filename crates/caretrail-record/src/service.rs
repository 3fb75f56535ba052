//! [`Record`]: open or create a log, write entries, read timelines, erase people, and serve the
//! ledger's checkpoints, leaves and proofs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use caretrail_core::{
    AuditEvent, CareRelationship, Code, Entry, EntryData, EntryId, EntryKind, EntryMeta,
    InputError, Organisation, OrganisationId, PersonId, PersonProfile, User,
};
use caretrail_ledger::{LogSigner, NodeReader, NoteVerifier, leaf_hash};
use caretrail_store::fact::Fact;
use caretrail_store::vault::{Kek, PersonKeys, PseudonymKey, VaultError};
use caretrail_store::{
    BreakGlassRow, EntryRow, LogMeta, NewAudit, NewEntry, PersonRow, Store, StoreNodes,
    WrappedKeys, Write, leaf,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::RecordError;
use crate::group::{GroupCommit, NoteSigner};
use crate::keys::KeyFiles;
use crate::wire::{ConsistencyJson, InclusionJson, LeafJson, Receipt};

/// The encrypted part of an entry: its codes and data.
#[derive(Serialize, Deserialize)]
struct Payload {
    codes: Vec<Code>,
    data: serde_json::Value,
}

/// A payload as the timeline reads it: codes parsed, `data` borrowed as the JSON it was sealed
/// as.
#[derive(Deserialize)]
struct PayloadView<'a> {
    codes: Vec<Code>,
    #[serde(borrow)]
    data: &'a serde_json::value::RawValue,
}

/// [`Entry`]'s JSON shape over borrowed parts: the same fields in the same order, so that
/// [`Record::timeline_json`] writes exactly what serialising the [`Entry`] would (a test holds
/// the two to it).
#[derive(Serialize)]
struct EntryView<'a> {
    id: EntryId,
    kind: EntryKind,
    person: PersonId,
    organisation: OrganisationId,
    author: caretrail_core::UserId,
    recorded_at: Timestamp,
    effective_at: Timestamp,
    codes: &'a [Code],
    amends: Option<EntryId>,
    data: Option<&'a serde_json::value::RawValue>,
    erased: bool,
    leaf_index: u64,
}

/// A guess at an entry's JSON size, to allocate a timeline's buffer once.
fn entry_json_len(row: &EntryRow) -> usize {
    400 + row.payload.as_ref().map_or(0, Vec::len)
}

fn undecodable() -> RecordError {
    RecordError::Ledger("a stored payload does not decode".into())
}

/// A new entry, before encryption.
#[derive(Debug, Clone)]
pub struct NewEntryRequest {
    pub id: EntryId,
    pub person: PersonId,
    pub organisation: OrganisationId,
    pub author: User,
    pub recorded_at: Timestamp,
    pub effective_at: Timestamp,
    pub amends: Option<EntryId>,
    pub data: EntryData,
}

/// A person to register, with their profile (encrypted before it is stored).
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub id: PersonId,
    pub profile: PersonProfile,
    pub created_at: Timestamp,
}

/// The record service over one store and one data directory's keys.
pub struct Record {
    store: Arc<dyn Store>,
    kek: Kek,
    origin: String,
    verifier: NoteVerifier,
    verifier_key: String,
    system_keys: PersonKeys,
    pseudonyms: PseudonymKey,
    person_keys: Mutex<HashMap<PersonId, Arc<PersonKeys>>>,
    /// Accounts whose rows this process matched with their fact leaves (see
    /// [`Record::account_matches_log`]).
    pub(crate) accounts_checked: Mutex<HashMap<caretrail_core::UserId, User>>,
    /// The system account once looked up (the author of flags; see [`crate::flags`]).
    pub(crate) system: Mutex<Option<User>>,
    pub(crate) writer: GroupCommit,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Record {
    /// Initialises a new log: creates the key files and records the log's facts in the store.
    pub fn init(store: Arc<dyn Store>, keys: &KeyFiles) -> Result<Record, RecordError> {
        if store.log_meta()?.is_some() {
            return Err(RecordError::Conflict(
                "this data directory is already initialised".into(),
            ));
        }
        if keys.exist() {
            return Err(RecordError::Conflict(format!(
                "key files already exist in {} but the database is new; refusing to overwrite them",
                keys.dir.display()
            )));
        }
        let (kek, signing) = keys.create()?;
        let log_id = caretrail_store::vault::random_bytes::<8>()?;
        let origin = format!("caretrail.local/log/{}", hex(log_id.as_ref()));
        let signer = LogSigner::from_secret(&origin, &signing)
            .map_err(|e| RecordError::Ledger(e.to_string()))?;
        let system_keys = PersonKeys::generate(0)?;
        let pseudonyms = PseudonymKey::generate()?;
        let meta = LogMeta {
            origin: origin.clone(),
            verifier_key: signer.verifier_key(),
            kek_check: kek.check_value().to_vec(),
            system_keys: kek.wrap_system(&system_keys)?,
            pseudonym_key: kek.wrap_pseudonym_key(&pseudonyms)?,
            created_at: Timestamp::now(),
        };
        store.init_log(&meta)?;
        drop(kek);
        Record::open(store, keys)
    }

    /// Opens an initialised log, checking that the key files belong to it.
    pub fn open(store: Arc<dyn Store>, keys: &KeyFiles) -> Result<Record, RecordError> {
        let meta = store
            .log_meta()?
            .ok_or(caretrail_store::StoreError::NotInitialised)?;
        let kek = keys.load_kek()?;
        if kek.check_value().as_slice() != meta.kek_check.as_slice() {
            return Err(VaultError::WrongKeyFile {
                path: keys.kek_path().display().to_string(),
            }
            .into());
        }
        let signer = keys.load_signer(&meta.origin)?;
        if signer.verifier_key() != meta.verifier_key {
            return Err(VaultError::WrongKeyFile {
                path: keys.signing_key_path().display().to_string(),
            }
            .into());
        }
        let verifier = signer.verifier();
        let system_keys = kek.unwrap_system(&meta.system_keys)?;
        let pseudonyms = kek.unwrap_pseudonym_key(&meta.pseudonym_key)?;
        let writer = GroupCommit::start(
            store.clone(),
            Arc::new(NoteSigner {
                origin: meta.origin.clone(),
                signer,
            }),
        );
        let record = Record {
            store,
            kek,
            origin: meta.origin,
            verifier,
            verifier_key: meta.verifier_key,
            system_keys,
            pseudonyms,
            person_keys: Mutex::new(HashMap::new()),
            accounts_checked: Mutex::new(HashMap::new()),
            system: Mutex::new(None),
            writer,
        };
        // A log that cannot take the fold (its head is not signed, its fact index was emptied)
        // still opens, so that `verify` can say what is wrong; its writes are refused anyway.
        // A failing disk is not papered over.
        match record.fold_directory_into_log() {
            Err(e @ RecordError::Store(caretrail_store::StoreError::Io(_))) => Err(e),
            _ => Ok(record),
        }
    }

    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    pub(crate) fn pseudonym(&self, person: PersonId) -> [u8; 16] {
        self.pseudonyms.pseudonym(person)
    }

    pub(crate) fn system_keys(&self) -> &PersonKeys {
        &self.system_keys
    }

    /// The person's keys, unwrapped once and cached. `None` once the person is erased.
    pub(crate) fn keys_for(
        &self,
        person: PersonId,
    ) -> Result<Option<Arc<PersonKeys>>, RecordError> {
        if let Some(k) = self
            .person_keys
            .lock()
            .expect("key cache lock")
            .get(&person)
        {
            return Ok(Some(k.clone()));
        }
        let Some(WrappedKeys {
            key_version,
            wrapped,
        }) = self.store.person_keys(person)?
        else {
            return Ok(None);
        };
        let keys = Arc::new(self.kek.unwrap_person(person, key_version, &wrapped)?);
        self.person_keys
            .lock()
            .expect("key cache lock")
            .insert(person, keys.clone());
        Ok(Some(keys))
    }

    fn forget_keys(&self, person: PersonId) {
        self.person_keys
            .lock()
            .expect("key cache lock")
            .remove(&person);
    }

    // -- directory --------------------------------------------------------------------------

    /// Registers organisations, users (with password hashes), people and relationships in one
    /// transaction. Each new person gets fresh keys; their profile is stored encrypted.
    pub(crate) fn register(
        &self,
        organisations: Vec<Organisation>,
        users: Vec<(User, Option<String>)>,
        people: Vec<NewPerson>,
        relationships: Vec<CareRelationship>,
    ) -> Result<(), RecordError> {
        let mut fresh: HashMap<PersonId, Arc<PersonKeys>> = HashMap::with_capacity(people.len());
        let mut rows = Vec::with_capacity(people.len());
        for p in people {
            let keys = PersonKeys::generate(1)?;
            let profile =
                Zeroizing::new(serde_json::to_vec(&p.profile).expect("profile serialises"));
            let row = PersonRow {
                id: p.id,
                pseudonym: self.pseudonyms.pseudonym(p.id),
                created_at: p.created_at,
                erased_at: None,
                profile: Some(keys.seal_profile(p.id, &profile)?),
            };
            let wrapped = WrappedKeys {
                key_version: keys.version,
                wrapped: self.kek.wrap_person(p.id, &keys)?,
            };
            rows.push(Fact::Person {
                row,
                keys: Some(wrapped),
            });
            fresh.insert(p.id, Arc::new(keys));
        }
        // Each row is a fact leaf, in the order the rows refer to each other; a person's facts
        // are committed under their keys (new ones for the people registered here).
        let facts = organisations
            .into_iter()
            .map(Fact::Organisation)
            .chain(rows)
            .chain(users.into_iter().map(|(user, password_hash)| Fact::User {
                user,
                password_hash,
            }))
            .chain(relationships.into_iter().map(Fact::Relationship));
        let mut writes = Vec::new();
        for fact in facts {
            let keys = match fact.person() {
                Some(p) => match fresh.get(&p) {
                    Some(k) => Some(k.clone()),
                    None => self.keys_for(p)?,
                },
                None => None,
            };
            writes.push(self.fact_write(fact, None, keys.as_deref()));
        }
        if !writes.is_empty() {
            self.writer.submit(writes)?;
        }
        self.person_keys
            .lock()
            .expect("key cache lock")
            .extend(fresh);
        Ok(())
    }

    /// The person's row, or `NotFound`.
    pub(crate) fn person_row(&self, person: PersonId) -> Result<PersonRow, RecordError> {
        self.store
            .person(person)?
            .ok_or_else(|| RecordError::not_found("no person with that id"))
    }

    /// The person's profile, `None` once erased.
    pub(crate) fn profile(&self, person: PersonId) -> Result<Option<PersonProfile>, RecordError> {
        let row = self.person_row(person)?;
        let (Some(sealed), Some(keys)) = (row.profile, self.keys_for(person)?) else {
            return Ok(None);
        };
        let plain = keys.open_profile(person, &sealed)?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|_| RecordError::Ledger("a stored profile does not decode".into()))
    }

    // -- writes -------------------------------------------------------------------------------

    fn prepare(&self, req: &NewEntryRequest, keys: &PersonKeys) -> Result<NewEntry, RecordError> {
        let payload = Payload {
            codes: req.data.codes(),
            data: req.data.to_value(),
        };
        let plain = Zeroizing::new(serde_json::to_vec(&payload).expect("payload serialises"));
        let ciphertext = keys.seal_entry(req.person, req.id, &plain)?;
        let meta = EntryMeta {
            id: req.id,
            kind: req.data.kind(),
            person: req.person,
            organisation: req.organisation,
            author: req.author.id,
            author_role: req.author.role,
            recorded_at: micros(req.recorded_at),
            effective_at: micros(req.effective_at),
            amends: req.amends,
        };
        let leaf = leaf::encode_entry(
            &meta,
            &self.pseudonym(req.person),
            &keys.commit(&ciphertext),
        );
        Ok(NewEntry {
            meta,
            key_version: keys.version,
            payload: ciphertext,
            leaf,
        })
    }

    fn check_request(&self, req: &NewEntryRequest) -> Result<Arc<PersonKeys>, RecordError> {
        if req.data.kind() == EntryKind::Erasure {
            return Err(InputError::field(
                "/kind",
                "erasure entries are written only by erasing a person",
            )
            .into());
        }
        // Cached keys mean the person exists; whether they were erased meanwhile (perhaps by
        // another process) is decided authoritatively inside the write transaction.
        let cached = self
            .person_keys
            .lock()
            .expect("key cache lock")
            .get(&req.person)
            .cloned();
        if cached.is_none() {
            let row = self.person_row(req.person)?;
            if row.erased_at.is_some() {
                return Err(RecordError::Conflict(
                    "this person's record has been erased".into(),
                ));
            }
        }
        if let Some(amends) = req.amends {
            let target = self.store.entry(amends)?.ok_or_else(|| {
                RecordError::Input(InputError::field("/amends", "no entry with that id"))
            })?;
            if target.meta.person != req.person {
                return Err(InputError::field(
                    "/amends",
                    "the amended entry belongs to another person",
                )
                .into());
            }
        }
        match cached {
            Some(k) => Ok(k),
            None => self.keys_for(req.person)?.ok_or_else(|| {
                RecordError::Conflict("this person's record has been erased".into())
            }),
        }
    }

    /// Writes one entry durably and returns its receipt.
    pub(crate) fn add_entry(&self, req: NewEntryRequest) -> Result<Receipt, RecordError> {
        Ok(self.add_entries(vec![req])?.remove(0))
    }

    /// Writes entries in one transaction (all or nothing) and returns their receipts.
    pub(crate) fn add_entries(
        &self,
        reqs: Vec<NewEntryRequest>,
    ) -> Result<Vec<Receipt>, RecordError> {
        let mut writes = Vec::with_capacity(reqs.len());
        for req in &reqs {
            let keys = self.check_request(req)?;
            writes.push(Write::Entry(self.prepare(req, &keys)?));
        }
        let appended = self.writer.submit(writes)?;
        Ok(reqs
            .iter()
            .zip(&appended.leaf_indexes)
            .map(|(req, idx)| Receipt {
                entry_id: req.id.to_string(),
                leaf_index: *idx,
                checkpoint: appended.checkpoint.clone(),
            })
            .collect())
    }

    fn prepare_audit(&self, mut event: AuditEvent) -> Result<Write, RecordError> {
        event.at = micros(event.at);
        if !caretrail_core::audit::is_reason_code(&event.reason) {
            return Err(RecordError::Ledger(
                "an audit reason must be a short code, not free text".into(),
            ));
        }
        let pseudonym = event.person.map(|p| self.pseudonym(p));
        let leaf = leaf::encode_audit(&event, pseudonym.as_ref());
        Ok(Write::Audit(NewAudit { event, leaf }))
    }

    /// Records a security event that concerns no person (a sign-in attempt) durably. An event
    /// naming a person is refused: those are written by the gate alone.
    pub fn security_event(&self, event: AuditEvent) -> Result<Receipt, RecordError> {
        if event.person.is_some() {
            return Err(RecordError::Ledger(
                "an event about a person is written by the gate".into(),
            ));
        }
        self.audit(event)
    }

    /// Records one access decision durably, before any data it allows leaves (fail closed:
    /// if this fails, the caller must fail the request).
    pub(crate) fn audit(&self, event: AuditEvent) -> Result<Receipt, RecordError> {
        let id = event.id;
        let appended = self.writer.submit(vec![self.prepare_audit(event)?])?;
        Ok(Receipt {
            entry_id: id.to_string(),
            leaf_index: appended.leaf_indexes[0],
            checkpoint: appended.checkpoint,
        })
    }

    /// Writes entries and the audit event of the decision that allowed the first in one
    /// transaction (all or nothing): an entry and the flags decision support raised on it. The
    /// receipts are in the order of `reqs`.
    ///
    /// With `open_flag`, the write is an answer to that flag of the person's: it commits only if
    /// the flag is still open when the transaction runs (checked there, with [`Write::Expect`]
    /// on the person's latest flag and acknowledgement, so two answers to one flag cannot both
    /// commit); otherwise [`RecordError::FlagNotOpen`].
    pub(crate) fn add_entries_audited(
        &self,
        reqs: Vec<NewEntryRequest>,
        event: AuditEvent,
        open_flag: Option<EntryId>,
    ) -> Result<Vec<Receipt>, RecordError> {
        self.add_entries_audited_with(reqs, event, open_flag, Vec::new())
    }

    /// The audit leaf of `event` and the entries of `reqs`, checked and sealed, as writes.
    pub(crate) fn audited_writes(
        &self,
        reqs: &[NewEntryRequest],
        event: AuditEvent,
    ) -> Result<Vec<Write>, RecordError> {
        let keys = reqs
            .iter()
            .map(|req| self.check_request(req))
            .collect::<Result<Vec<_>, _>>()?;
        let mut body = Vec::with_capacity(reqs.len() + 1);
        body.push(self.prepare_audit(event)?);
        for (req, keys) in reqs.iter().zip(&keys) {
            body.push(Write::Entry(self.prepare(req, keys)?));
        }
        Ok(body)
    }

    /// [`Self::add_entries_audited`], with `facts` (fact writes) in the same transaction,
    /// after the entries.
    pub(crate) fn add_entries_audited_with(
        &self,
        reqs: Vec<NewEntryRequest>,
        event: AuditEvent,
        open_flag: Option<EntryId>,
        facts: Vec<Write>,
    ) -> Result<Vec<Receipt>, RecordError> {
        let mut body = self.audited_writes(&reqs, event)?;
        body.extend(facts);
        let person = reqs.first().map(|r| r.person);
        let appended = match (open_flag, person) {
            (Some(flag), Some(person)) => self.submit_if_flag_open(person, flag, body)?,
            _ => self.writer.submit(body)?,
        };
        Ok(reqs
            .iter()
            .zip(appended.leaf_indexes.iter().skip(1))
            .map(|(req, idx)| Receipt {
                entry_id: req.id.to_string(),
                leaf_index: *idx,
                checkpoint: appended.checkpoint.clone(),
            })
            .collect())
    }

    /// Who accessed the person's record: every audited decision concerning them, oldest first.
    pub(crate) fn access_log(&self, person: PersonId) -> Result<Vec<AuditEvent>, RecordError> {
        self.person_row(person)?;
        Ok(self
            .store
            .audit_for_person(person)?
            .into_iter()
            .map(|r| r.event)
            .collect())
    }

    // -- break-glass windows and their review ---------------------------------------------------

    /// Stores a break-glass window; its free-text reason is sealed under the person's key.
    pub(crate) fn store_break_glass(
        &self,
        id: EntryId,
        user: caretrail_core::UserId,
        person: PersonId,
        organisation: OrganisationId,
        reason: &str,
        opened_at: Timestamp,
    ) -> Result<(), RecordError> {
        let keys = self
            .keys_for(person)?
            .ok_or_else(|| RecordError::Conflict("this person's record has been erased".into()))?;
        let sealed = keys.seal_entry(person, id, reason.as_bytes())?;
        let window = Fact::BreakGlass(BreakGlassRow {
            id,
            user,
            person,
            organisation,
            reason: Some(sealed),
            opened_at: micros(opened_at),
        });
        self.writer
            .submit(vec![self.fact_write(window, Some(user), Some(&keys))])?;
        Ok(())
    }

    pub(crate) fn open_text(
        &self,
        person: PersonId,
        id: EntryId,
        sealed: Option<&[u8]>,
    ) -> Result<Option<String>, RecordError> {
        let (Some(sealed), Some(keys)) = (sealed, self.keys_for(person)?) else {
            return Ok(None);
        };
        let plain = keys.open_entry(person, id, sealed)?;
        Ok(Some(String::from_utf8_lossy(&plain).into_owned()))
    }

    /// The user's latest window on the person, with its reason (`None` once erased).
    pub(crate) fn latest_break_glass(
        &self,
        user: caretrail_core::UserId,
        person: PersonId,
    ) -> Result<Option<(BreakGlassRow, Option<String>)>, RecordError> {
        let Some(row) = self.store.latest_break_glass(user, person)? else {
            return Ok(None);
        };
        let reason = self.open_text(person, row.id, row.reason.as_deref())?;
        Ok(Some((row, reason)))
    }

    /// Bulk load for seeding: skips per-entry existence checks (the caller registered the
    /// people in the same run) and writes `reqs` in one transaction.
    pub(crate) fn load_entries(&self, reqs: &[NewEntryRequest]) -> Result<u64, RecordError> {
        let mut writes = Vec::with_capacity(reqs.len());
        for req in reqs {
            let keys = self
                .keys_for(req.person)?
                .ok_or_else(|| RecordError::not_found("no keys for that person"))?;
            writes.push(Write::Entry(self.prepare(req, &keys)?));
        }
        Ok(self.writer.submit(writes)?.size)
    }

    /// Crypto-shreds a person: destroys their data key and commitment secret, deletes their
    /// ciphertexts and profile, appends an erasure entry, and purges the freed bytes from disk.
    ///
    /// `event`, when given, is the audit leaf of the decision that allowed it, committed in the
    /// same transaction as the erasure.
    pub(crate) fn erase_audited(
        &self,
        person: PersonId,
        reason: &str,
        by: &User,
        event: Option<AuditEvent>,
    ) -> Result<Receipt, RecordError> {
        let data = EntryData::parse(EntryKind::Erasure, &serde_json::json!({ "reason": reason }))
            .map_err(|mut e| {
            for f in &mut e.errors {
                f.field = "/reason".into();
            }
            e
        })?;
        let row = self.person_row(person)?;
        if row.erased_at.is_some() {
            return Err(RecordError::Conflict(
                "this person has already been erased".into(),
            ));
        }
        // Retention and legal hold (set by the privacy officer) win over erasure.
        if let Some(r) = self.store.retention(person)? {
            if r.legal_hold {
                return Err(RecordError::Conflict(
                    "a legal hold applies to this record; erasure is refused until it is lifted"
                        .into(),
                ));
            }
            let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
            if let Some(until) = r.retain_until.filter(|until| today < *until) {
                return Err(RecordError::Conflict(format!(
                    "the retention period runs until {until}; erasure is refused before then"
                )));
            }
        }
        let now = Timestamp::now();
        let req = NewEntryRequest {
            id: EntryId::new(),
            person,
            organisation: by.organisation,
            author: by.clone(),
            recorded_at: now,
            effective_at: now,
            amends: None,
            data,
        };
        // The erasure record outlives the person's keys, so it is sealed under the system keys.
        let entry = self.prepare(&req, &self.system_keys)?;
        let mut writes = Vec::with_capacity(3);
        let audited = event.is_some();
        if let Some(ev) = event {
            writes.push(self.prepare_audit(ev)?);
        }
        writes.push(Write::ErasePerson { person, at: now });
        writes.push(Write::Entry(entry));
        // The facts that say so, under the system secret (the person's is being destroyed): the
        // person row without its profile, and their citizen accounts anonymised.
        let erased = Fact::Person {
            row: PersonRow {
                erased_at: Some(micros(now)),
                profile: None,
                ..row
            },
            keys: None,
        };
        writes.push(self.fact_write(erased, Some(by.id), None));
        for user in self
            .store
            .users()?
            .into_iter()
            .filter(|u| u.person == Some(person))
        {
            let anonymised = Fact::User {
                user: User {
                    username: format!("erased-{}", hex(user.id.as_bytes())),
                    display_name: "(erased)".into(),
                    ..user
                },
                password_hash: None,
            };
            writes.push(self.fact_write(anonymised, Some(by.id), None));
        }
        let appended = self.writer.submit(writes)?;
        self.forget_keys(person);
        self.store.fold_journal()?;
        Ok(Receipt {
            entry_id: req.id.to_string(),
            leaf_index: appended.leaf_indexes[usize::from(audited)],
            checkpoint: appended.checkpoint,
        })
    }

    // -- reads --------------------------------------------------------------------------------

    /// The plaintext payload of a stored entry; `None` once erased (no ciphertext, or no keys).
    fn open_payload(&self, row: &EntryRow) -> Result<Option<Zeroizing<Vec<u8>>>, RecordError> {
        let Some(ct) = &row.payload else {
            return Ok(None);
        };
        let m = &row.meta;
        if row.key_version == 0 {
            return Ok(Some(self.system_keys.open_entry(m.person, m.id, ct)?));
        }
        match self.keys_for(m.person)? {
            Some(keys) => Ok(Some(keys.open_entry(m.person, m.id, ct)?)),
            None => Ok(None),
        }
    }

    /// Decrypts a stored entry into its JSON shape. Erased entries keep their metadata.
    pub(crate) fn decrypt(&self, row: &EntryRow) -> Result<Entry, RecordError> {
        let Some(plain) = self.open_payload(row)? else {
            return Ok(erased_entry(row));
        };
        let p: Payload = serde_json::from_slice(&plain).map_err(|_| undecodable())?;
        Ok(Entry {
            codes: p.codes,
            data: Some(p.data),
            erased: false,
            ..erased_entry(row)
        })
    }

    /// The person's entries in effective-time order, decrypted.
    pub(crate) fn timeline(&self, person: PersonId) -> Result<Vec<Entry>, RecordError> {
        self.timeline_where(person, |_| true)
    }

    /// The entries of the timeline whose metadata `keep` accepts; only those are decrypted, so
    /// a filter by kind or time costs what it returns, not the whole history.
    pub(crate) fn timeline_where(
        &self,
        person: PersonId,
        keep: impl Fn(&caretrail_core::EntryMeta) -> bool,
    ) -> Result<Vec<Entry>, RecordError> {
        self.person_row(person)?;
        self.store
            .entries_for_person(person)?
            .iter()
            .filter(|row| keep(&row.meta))
            .map(|row| self.decrypt(row))
            .collect()
    }

    /// The timeline as the JSON array [`Record::timeline_where`] would serialise to, written
    /// straight from the stored payloads: each payload's `data` is copied as the JSON it was
    /// sealed as, never parsed into a tree and printed again. `keep` filters on metadata before
    /// decryption; `show` then filters on the entry's codes (erased entries have none). The read
    /// path of the API, where a timeline is hundreds of entries.
    pub(crate) fn timeline_json(
        &self,
        person: PersonId,
        keep: impl Fn(&caretrail_core::EntryMeta) -> bool,
        show: impl Fn(EntryKind, &[Code], Option<&serde_json::value::RawValue>) -> bool,
    ) -> Result<Vec<u8>, RecordError> {
        self.person_row(person)?;
        let rows = self.store.entries_for_person(person)?;
        let mut out = Vec::with_capacity(64 + rows.iter().map(entry_json_len).sum::<usize>());
        out.push(b'[');
        for row in rows.iter().filter(|row| keep(&row.meta)) {
            let plain = self.open_payload(row)?;
            let payload: Option<PayloadView<'_>> = plain
                .as_deref()
                .map(|p| serde_json::from_slice(p).map_err(|_| undecodable()))
                .transpose()?;
            let codes = payload.as_ref().map_or(&[][..], |p| &p.codes[..]);
            if !show(row.meta.kind, codes, payload.as_ref().map(|p| p.data)) {
                continue;
            }
            if out.len() > 1 {
                out.push(b',');
            }
            let m = &row.meta;
            let view = EntryView {
                id: m.id,
                kind: m.kind,
                person: m.person,
                organisation: m.organisation,
                author: m.author,
                recorded_at: m.recorded_at,
                effective_at: m.effective_at,
                codes,
                amends: m.amends,
                data: payload.as_ref().map(|p| p.data),
                erased: payload.is_none(),
                leaf_index: row.leaf_index,
            };
            serde_json::to_writer(&mut out, &view).expect("writing JSON to memory cannot fail");
        }
        out.push(b']');
        Ok(out)
    }

    // -- ledger -------------------------------------------------------------------------------

    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// The latest signed checkpoint note.
    pub fn checkpoint(&self) -> Result<String, RecordError> {
        self.store
            .latest_checkpoint()?
            .map(|c| c.note)
            .ok_or_else(|| RecordError::not_found("the log has no checkpoint yet"))
    }

    fn checkpoint_size(&self) -> Result<u64, RecordError> {
        Ok(self.store.latest_checkpoint()?.map_or(0, |c| c.size))
    }

    pub(crate) fn leaf(&self, index: u64) -> Result<LeafJson, RecordError> {
        let missing = || RecordError::not_found(format!("no leaf at index {index}"));
        // Beyond the tree there is nothing to read (and no index a store could hold).
        if index >= self.store.tree_size()? {
            return Err(missing());
        }
        let data = self.store.leaf(index)?.ok_or_else(missing)?;
        Ok(LeafJson {
            index,
            leaf_hash: hex(&leaf_hash(&data)),
            leaf: hex(&data),
        })
    }

    /// Inclusion proof of leaf `index` in the tree of `size` (default: the latest checkpoint's).
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: Option<u64>,
    ) -> Result<InclusionJson, RecordError> {
        let size = match size {
            Some(s) => s,
            None => self.checkpoint_size()?,
        };
        self.check_size(size)?;
        if index >= size {
            return Err(InputError::field(
                "/index",
                format!("must be less than the tree size {size}"),
            )
            .into());
        }
        let nodes = StoreNodes(&*self.store);
        let path = caretrail_ledger::inclusion_proof(&nodes, index, size)
            .map_err(|e| RecordError::Ledger(e.to_string()))?;
        let leaf = nodes
            .read_nodes(&[caretrail_ledger::NodeId { level: 0, index }])?
            .remove(0);
        let root = caretrail_ledger::root_at(&nodes, size)
            .map_err(|e| RecordError::Ledger(e.to_string()))?;
        Ok(InclusionJson {
            index,
            tree_size: size,
            leaf_hash: hex(&leaf),
            root_hash: hex(&root),
            path: path.iter().map(|h| hex(h)).collect(),
        })
    }

    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyJson, RecordError> {
        self.check_size(second)?;
        if first == 0 || first > second {
            return Err(InputError::field(
                "/from",
                "must be at least 1 and at most the second size",
            )
            .into());
        }
        let nodes = StoreNodes(&*self.store);
        let path = caretrail_ledger::consistency_proof(&nodes, first, second)
            .map_err(|e| RecordError::Ledger(e.to_string()))?;
        let r1 = caretrail_ledger::root_at(&nodes, first)
            .map_err(|e| RecordError::Ledger(e.to_string()))?;
        let r2 = caretrail_ledger::root_at(&nodes, second)
            .map_err(|e| RecordError::Ledger(e.to_string()))?;
        Ok(ConsistencyJson {
            first,
            second,
            first_root: hex(&r1),
            second_root: hex(&r2),
            path: path.iter().map(|h| hex(h)).collect(),
        })
    }

    fn check_size(&self, size: u64) -> Result<(), RecordError> {
        let stored = self.store.tree_size()?;
        if size > stored {
            return Err(
                InputError::field("/size", format!("the log has only {stored} leaves")).into(),
            );
        }
        Ok(())
    }
}

/// Times are stored, and bound into leaves, to the microsecond.
fn micros(t: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(t.as_microsecond()).unwrap_or(t)
}

fn erased_entry(row: &EntryRow) -> Entry {
    let m = &row.meta;
    Entry {
        id: m.id,
        kind: m.kind,
        person: m.person,
        organisation: m.organisation,
        author: m.author,
        recorded_at: m.recorded_at,
        effective_at: m.effective_at,
        codes: Vec::new(),
        amends: m.amends,
        data: None,
        erased: true,
        leaf_index: row.leaf_index,
    }
}
