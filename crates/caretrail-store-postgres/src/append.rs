//! [`Store::append`](caretrail_store::Store::append) on PostgreSQL: one transaction that takes
//! the log's head, extends the tree and writes every row of the batch.
//!
//! Rows are written in bulk: each table gets one `INSERT ... SELECT * FROM unnest(...)` per run
//! of leaf-producing writes, so a batch of a thousand leaves costs the same dozen round trips
//! as a batch of one. An erasure or a fact in the middle of a batch ends a run, so writes still
//! take effect in batch order (an entry after its person's erasure is refused, and one after
//! the fact that creates its person is accepted, as in SQLite).

use std::collections::HashSet;

use caretrail_core::{AuditEvent, EntryMeta};
use caretrail_ledger::{CompactRange, Hash, NodeId, leaf_hash};
use caretrail_store::{
    Appended, CheckpointSigner, NewAudit, NewEntry, SignedHead, StoreError, Write,
};
use jiff::Timestamp;
use postgres::{GenericClient, Transaction};
use uuid::Uuid;

use crate::conn::Session;
use crate::error::PgError;
use crate::facts;
use crate::rows::{audit_columns, entry_columns, get, index, pg_time, to_i64};

/// Reads the hashes of `ids` in one query, in the order asked; `None` for a missing node.
pub(crate) fn read_nodes<C: GenericClient>(
    s: &mut Session<'_, C>,
    ids: &[NodeId],
) -> Result<Vec<Option<Hash>>, PgError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let levels: Vec<i16> = ids.iter().map(|id| i16::from(id.level)).collect();
    let idxs = ids
        .iter()
        .map(|id| to_i64(id.index))
        .collect::<Result<Vec<i64>, _>>()?;
    let rows = s.query(
        "SELECT n.hash FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS w(level, idx, ord) \
         LEFT JOIN nodes n ON n.level = w.level AND n.idx = w.idx ORDER BY w.ord",
        &[&levels, &idxs],
    )?;
    rows.iter()
        .map(|r| {
            crate::rows::get::<Option<Vec<u8>>>(r, 0)?
                .map(|h| {
                    h.try_into().map_err(|_| PgError::Malformed {
                        column: "hash".into(),
                    })
                })
                .transpose()
        })
        .collect()
}

/// Appends `batch` inside the open transaction `s` and returns what the caller acknowledges
/// once the transaction commits.
pub(crate) fn append(
    s: &mut Session<'_, Transaction<'_>>,
    batch: &[Write],
    signer: &dyn CheckpointSigner,
    signed_head: &SignedHead,
) -> Result<Appended, PgError> {
    // Sequencing: the row lock on the log head is held until this transaction ends, so every
    // other append, from this process or any other, waits here. Under READ COMMITTED each
    // later statement takes a fresh snapshot, so everything read below includes the commit of
    // the append that held the lock before us.
    let head = s
        .query_opt("SELECT size FROM log_head FOR UPDATE", &[])?
        .ok_or(PgError::Inconsistent("the log head row is missing"))?;
    let size = index(&head, 0)?;
    let stored = s.query_one("SELECT COALESCE(max(idx) + 1, 0) FROM leaves", &[])?;
    if index(&stored, 0)? != size {
        // Never extend a log whose leaves were removed or added behind our back: the new
        // leaves would reuse indexes that earlier checkpoints already cover.
        return Err(PgError::Inconsistent(
            "the log head and the stored leaves disagree; run `caretrail verify`",
        ));
    }
    let hashes = read_nodes(s, &CompactRange::frontier_ids(size))?
        .into_iter()
        .collect::<Option<Vec<Hash>>>()
        .ok_or(PgError::Inconsistent(
            "a tree node of the right edge is missing",
        ))?;
    let mut range = CompactRange::from_parts(size, hashes)
        .map_err(|_| PgError::Inconsistent("the right edge of the tree is malformed"))?;
    let latest = s
        .query_opt(
            "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
            &[],
        )?
        .map(|r| Ok::<_, PgError>((index(&r, 0)?, get::<String>(&r, 1)?)))
        .transpose()?;
    signed_head
        .check(signer, size, &range.root(), latest)
        .map_err(|e| match e {
            StoreError::UnsignedHead { stored, signed } => PgError::UnsignedHead { stored, signed },
            _ => PgError::Inconsistent("the log's head could not be checked"),
        })?;

    let mut run = Run::default();
    let mut leaf_indexes = Vec::new();
    // Facts whose leaves are in the run but whose rows are not written yet: a run of
    // consecutive facts shares one insert of its leaves and nodes, and its rows follow in
    // order before any other write (which may rely on them: a new person's keys, the account a
    // relationship names).
    let mut pending: Vec<(i64, &caretrail_store::fact::NewFact)> = Vec::new();
    for w in batch {
        if !matches!(w, Write::Fact(_)) && !pending.is_empty() {
            run.flush(s)?;
            for (idx, f) in pending.drain(..) {
                facts::apply(s, idx, f)?;
            }
        }
        match w {
            Write::Entry(e) => leaf_indexes.push(run.entry(&mut range, e)?),
            Write::Audit(a) => leaf_indexes.push(run.audit(&mut range, a)?),
            Write::Fact(f) => {
                let idx = run.leaf(&mut range, &f.leaf)?;
                pending.push((idx, f));
                leaf_indexes.push(idx.unsigned_abs());
            }
            Write::ExpectFact { key, latest } => {
                // The batch's own earlier facts are written above, so the index holds them.
                if facts::head(s, key)? != *latest {
                    return Err(PgError::Stale);
                }
            }
            Write::Expect {
                person,
                kind,
                latest,
            } => {
                // Earlier writes of the batch count: insert them first.
                run.flush(s)?;
                let row = s.query_one(
                    "SELECT MAX(leaf_index) FROM entries WHERE person_id = $1 AND kind = $2",
                    &[&person.0, &i16::from(kind.code())],
                )?;
                let found: Option<i64> = row.get(0);
                if found.map(|i| i as u64) != *latest {
                    return Err(PgError::Stale);
                }
            }
            Write::ErasePerson { person, at } => {
                run.flush(s)?;
                erase(s, person.0, *at)?;
            }
        }
    }
    run.flush(s)?;
    for (idx, f) in pending.drain(..) {
        facts::apply(s, idx, f)?;
    }

    let root = range.root();
    let size = range.size();
    let size_i = to_i64(size)?;
    let checkpoint = signer.sign(size, &root);
    // A batch of erasures alone appends no leaf: the checkpoint of this size is already stored.
    s.execute(
        "INSERT INTO checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO NOTHING",
        &[&size_i, &checkpoint],
    )?;
    s.execute("UPDATE log_head SET size = $1", &[&size_i])?;
    Ok(Appended {
        leaf_indexes,
        size,
        root,
        checkpoint,
    })
}

/// Crypto-shreds a person: deletes their wrapped keys, their profile and every payload sealed
/// under their key (as the SQLite backend does). Their citizen accounts are not touched here:
/// the record writes the anonymised accounts as facts in the same batch.
fn erase(s: &mut Session<'_, Transaction<'_>>, person: Uuid, at: Timestamp) -> Result<(), PgError> {
    s.execute("DELETE FROM person_keys WHERE person_id = $1", &[&person])?;
    s.execute(
        "UPDATE entries SET payload = NULL \
         WHERE person_id = $1 AND key_version <> 0 AND payload IS NOT NULL",
        &[&person],
    )?;
    s.execute(
        "UPDATE people SET profile = NULL, erased_at = $2 WHERE id = $1",
        &[&person, &pg_time(at)],
    )?;
    Ok(())
}

/// The leaves, nodes, entries and audit events of a run of writes, as column arrays.
#[derive(Default)]
struct Run<'b> {
    leaf_idx: Vec<i64>,
    leaf_data: Vec<&'b [u8]>,
    node_level: Vec<i16>,
    node_idx: Vec<i64>,
    node_hash: Vec<Hash>,
    /// (person, key version) pairs whose wrapped keys must exist.
    keys: HashSet<(Uuid, i64)>,
    entries: EntryColumns<'b>,
    audits: AuditColumns<'b>,
}

/// Entry rows as column arrays, for one bulk insert.
#[derive(Default)]
pub(crate) struct EntryColumns<'b> {
    id: Vec<Uuid>,
    leaf_index: Vec<i64>,
    person: Vec<Uuid>,
    organisation: Vec<Uuid>,
    author: Vec<Uuid>,
    author_role: Vec<i16>,
    kind: Vec<i16>,
    recorded_at: Vec<Timestamp>,
    effective_at: Vec<Timestamp>,
    amends: Vec<Option<Uuid>>,
    key_version: Vec<i64>,
    /// `None` for an erased entry (imported as it is).
    payload: Vec<Option<&'b [u8]>>,
}

/// Audit event rows as column arrays, for one bulk insert.
#[derive(Default)]
pub(crate) struct AuditColumns<'b> {
    leaf_index: Vec<i64>,
    id: Vec<Uuid>,
    at: Vec<Timestamp>,
    accessor: Vec<Uuid>,
    role: Vec<&'static str>,
    organisation: Vec<Uuid>,
    person: Vec<Option<Uuid>>,
    action: Vec<&'static str>,
    purpose: Vec<&'static str>,
    allowed: Vec<bool>,
    break_glass: Vec<bool>,
    reason: Vec<&'b str>,
}

impl<'b> Run<'b> {
    /// Gives `leaf` the next index and records every tree node it completes.
    fn leaf(&mut self, range: &mut CompactRange, leaf: &'b [u8]) -> Result<i64, PgError> {
        let idx = to_i64(range.size())?;
        self.leaf_idx.push(idx);
        self.leaf_data.push(leaf);
        let mut too_far = false;
        range.append(leaf_hash(leaf), |id, h| match i64::try_from(id.index) {
            Ok(i) => {
                self.node_level.push(i16::from(id.level));
                self.node_idx.push(i);
                self.node_hash.push(*h);
            }
            Err(_) => too_far = true,
        });
        if too_far {
            return Err(PgError::Invalid("the tree is too large to index"));
        }
        Ok(idx)
    }

    fn entry(&mut self, range: &mut CompactRange, e: &'b NewEntry) -> Result<u64, PgError> {
        let idx = self.leaf(range, &e.leaf)?;
        if e.key_version != 0 {
            self.keys
                .insert((e.meta.person.0, i64::from(e.key_version)));
        }
        self.entries
            .push(idx, &e.meta, e.key_version, Some(&e.payload));
        Ok(idx.unsigned_abs())
    }

    fn audit(&mut self, range: &mut CompactRange, a: &'b NewAudit) -> Result<u64, PgError> {
        let idx = self.leaf(range, &a.leaf)?;
        self.audits.push(idx, &a.event);
        Ok(idx.unsigned_abs())
    }

    /// Writes the run's rows and starts an empty run.
    fn flush(&mut self, s: &mut Session<'_, Transaction<'_>>) -> Result<(), PgError> {
        let run = std::mem::take(self);
        if !run.keys.is_empty() {
            let (people, versions): (Vec<Uuid>, Vec<i64>) = run.keys.into_iter().unzip();
            let missing = s.query_one(
                "SELECT count(*) FROM unnest($1::uuid[], $2::bigint[]) AS w(person_id, key_version) \
                 WHERE NOT EXISTS (SELECT 1 FROM person_keys k \
                 WHERE k.person_id = w.person_id AND k.key_version = w.key_version)",
                &[&people, &versions],
            )?;
            if crate::rows::get::<i64>(&missing, 0)? != 0 {
                return Err(PgError::Rule(
                    "the person has no key of that version (erased?)",
                ));
            }
        }
        if run.leaf_idx.is_empty() {
            return Ok(());
        }
        s.execute(
            "INSERT INTO leaves (idx, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
            &[&run.leaf_idx, &run.leaf_data],
        )?;
        if !run.node_idx.is_empty() {
            s.execute(
                "INSERT INTO nodes (level, idx, hash) \
                 SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])",
                &[
                    &run.node_level,
                    &run.node_idx,
                    &run.node_hash.iter().map(|h| &h[..]).collect::<Vec<&[u8]>>(),
                ],
            )?;
        }
        run.entries.insert(s)?;
        run.audits.insert(s)?;
        Ok(())
    }
}

impl<'b> EntryColumns<'b> {
    pub(crate) fn push(
        &mut self,
        leaf_index: i64,
        m: &EntryMeta,
        key_version: u32,
        payload: Option<&'b [u8]>,
    ) {
        self.id.push(m.id.0);
        self.leaf_index.push(leaf_index);
        self.person.push(m.person.0);
        self.organisation.push(m.organisation.0);
        self.author.push(m.author.0);
        self.author_role.push(i16::from(m.author_role.code()));
        self.kind.push(i16::from(m.kind.code()));
        self.recorded_at.push(pg_time(m.recorded_at));
        self.effective_at.push(pg_time(m.effective_at));
        self.amends.push(m.amends.map(|a| a.0));
        self.key_version.push(i64::from(key_version));
        self.payload.push(payload);
    }

    /// Inserts the rows (none: no round trip).
    pub(crate) fn insert(&self, s: &mut Session<'_, Transaction<'_>>) -> Result<(), PgError> {
        if self.id.is_empty() {
            return Ok(());
        }
        s.execute(
            concat!(
                "INSERT INTO entries (",
                entry_columns!(),
                ") SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::uuid[], \
                 $5::uuid[], $6::smallint[], $7::smallint[], $8::timestamptz[], \
                 $9::timestamptz[], $10::uuid[], $11::bigint[], $12::bytea[])"
            ),
            &[
                &self.id,
                &self.leaf_index,
                &self.person,
                &self.organisation,
                &self.author,
                &self.author_role,
                &self.kind,
                &self.recorded_at,
                &self.effective_at,
                &self.amends,
                &self.key_version,
                &self.payload,
            ],
        )?;
        Ok(())
    }
}

impl<'b> AuditColumns<'b> {
    pub(crate) fn push(&mut self, leaf_index: i64, e: &'b AuditEvent) {
        self.leaf_index.push(leaf_index);
        self.id.push(e.id.0);
        self.at.push(pg_time(e.at));
        self.accessor.push(e.accessor.0);
        self.role.push(e.role.as_str());
        self.organisation.push(e.organisation.0);
        self.person.push(e.person.map(|p| p.0));
        self.action.push(e.action.as_str());
        self.purpose.push(e.purpose.as_str());
        self.allowed.push(e.allowed);
        self.break_glass.push(e.break_glass);
        self.reason.push(&e.reason);
    }

    /// Inserts the rows (none: no round trip).
    pub(crate) fn insert(&self, s: &mut Session<'_, Transaction<'_>>) -> Result<(), PgError> {
        if self.id.is_empty() {
            return Ok(());
        }
        s.execute(
            concat!(
                "INSERT INTO audit_events (",
                audit_columns!(),
                ") SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[], \
                 $4::uuid[], $5::text[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], \
                 $10::boolean[], $11::boolean[], $12::text[])"
            ),
            &[
                &self.leaf_index,
                &self.id,
                &self.at,
                &self.accessor,
                &self.role,
                &self.organisation,
                &self.person,
                &self.action,
                &self.purpose,
                &self.allowed,
                &self.break_glass,
                &self.reason,
            ],
        )?;
        Ok(())
    }
}
