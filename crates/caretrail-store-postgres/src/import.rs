//! [`Store::import_log`](caretrail_store::Store::import_log) on PostgreSQL, for
//! `caretrail migrate` only: leaves another store already sequenced, written as they are, with
//! their nodes, rows and checkpoints, in one transaction that holds the log head like an append.

use std::collections::BTreeMap;

use caretrail_store::LogImport;
use caretrail_store::fact;
use postgres::Transaction;

use crate::append::{AuditColumns, EntryColumns};
use crate::conn::Session;
use crate::error::PgError;
use crate::facts;
use crate::rows::{index, to_i64};

/// Imports `batch` inside the open transaction `s`; returns the new tree size.
pub(crate) fn import_log(
    s: &mut Session<'_, Transaction<'_>>,
    batch: &LogImport,
) -> Result<u64, PgError> {
    // The same lock as an append: an import never interleaves with writes from elsewhere.
    let head = s
        .query_opt("SELECT size FROM log_head FOR UPDATE", &[])?
        .ok_or(PgError::Inconsistent("the log head row is missing"))?;
    let size = index(&head, 0)?;
    let stored = s.query_one("SELECT COALESCE(max(idx) + 1, 0) FROM leaves", &[])?;
    if index(&stored, 0)? != size {
        return Err(PgError::Inconsistent(
            "the log head and the stored leaves disagree; run `caretrail verify`",
        ));
    }
    if size != batch.from {
        return Err(PgError::Rule(
            "import refused: the batch does not start at the store's tree size",
        ));
    }
    if !batch.leaves.is_empty() {
        let idx = (batch.from..batch.end())
            .map(to_i64)
            .collect::<Result<Vec<i64>, _>>()?;
        let data: Vec<&[u8]> = batch.leaves.iter().map(Vec::as_slice).collect();
        s.execute(
            "INSERT INTO leaves (idx, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
            &[&idx, &data],
        )?;
        // The facts index follows the fact leaves copied (their rows come with the directory
        // and the row copies): each fact's latest leaf of the batch, one row per fact.
        let mut heads = BTreeMap::new();
        for (i, leaf) in idx.iter().zip(&batch.leaves) {
            if let Some(f) = fact::decode(leaf) {
                heads.insert(f.key, *i);
            }
        }
        let heads: Vec<_> = heads.into_iter().collect();
        facts::set_heads(s, &heads)?;
    }
    if !batch.nodes.is_empty() {
        let levels: Vec<i16> = batch
            .nodes
            .iter()
            .map(|(id, _)| i16::from(id.level))
            .collect();
        let idxs = batch
            .nodes
            .iter()
            .map(|(id, _)| to_i64(id.index))
            .collect::<Result<Vec<i64>, _>>()?;
        let hashes: Vec<&[u8]> = batch.nodes.iter().map(|(_, h)| &h[..]).collect();
        s.execute(
            "INSERT INTO nodes (level, idx, hash) \
             SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])",
            &[&levels, &idxs, &hashes],
        )?;
    }
    let mut entries = EntryColumns::default();
    for e in &batch.entries {
        entries.push(
            to_i64(e.leaf_index)?,
            &e.meta,
            e.key_version,
            e.payload.as_deref(),
        );
    }
    entries.insert(s)?;
    let mut audits = AuditColumns::default();
    for a in &batch.audits {
        audits.push(to_i64(a.leaf_index)?, &a.event);
    }
    audits.insert(s)?;
    if !batch.checkpoints.is_empty() {
        let sizes = batch
            .checkpoints
            .iter()
            .map(|c| to_i64(c.size))
            .collect::<Result<Vec<i64>, _>>()?;
        let notes: Vec<&str> = batch.checkpoints.iter().map(|c| c.note.as_str()).collect();
        s.execute(
            "INSERT INTO checkpoints (size, note) SELECT * FROM unnest($1::bigint[], $2::text[])",
            &[&sizes, &notes],
        )?;
    }
    let end = to_i64(batch.end())?;
    s.execute("UPDATE log_head SET size = $1", &[&end])?;
    Ok(batch.end())
}
