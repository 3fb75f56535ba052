//! `caretrail migrate --from DATA_DIR --to postgres://...`: copies a SQLite deployment into
//! PostgreSQL, row for row, so that the log there has the same leaves, tree, checkpoints and
//! root, and the data directory's keys open it.
//!
//! Resuming: every step can be run again and either finds its work done or does it.
//! 1. The log's facts: copied if the target has none; the same facts mean a resumed run;
//!    another log's facts are refused.
//! 2. The directory (organisations, users, people with wrapped keys, relationships): copied in
//!    one transaction if the target has none; otherwise it must equal the source's.
//! 3. The log: leaves in order, in batches, each one transaction with its tree nodes, entries,
//!    audit events and checkpoints ([`Store::import_log`]). A resumed run first checks that every
//!    leaf already in the target equals the source's, then continues from the target's size.
//! 4. Sessions, break-glass windows, review items and retention: whatever the target lacks.
//! 5. Both logs are verified from scratch and their sizes and roots printed; they must match.
//!
//! The source must not be written to meanwhile (stop its server first): a difference found at
//! the end is reported, and a run after the source is stopped copies what was missing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use caretrail_core::InputError;
use caretrail_record::{Record, RecordError, VerifyReport};
use caretrail_store::{DirectoryImport, Store, export_directory, export_log};

use crate::datadir::{DataDir, Engine, PostgresTarget, is_postgres_url};

/// Leaves compared per read when a resumed run checks what the target already holds.
const COMPARE_BATCH: usize = 5000;

/// What `migrate` was asked to do.
#[derive(Debug)]
pub struct MigratePlan {
    pub from: PathBuf,
    pub to: String,
    /// Leaves per transaction.
    pub batch: usize,
    /// Stop, as if interrupted, once at least this many leaves are in the target.
    pub stop_after: Option<u64>,
    pub progress: bool,
}

/// Both logs after a migration, each verified from scratch.
#[derive(Debug)]
pub struct Migrated {
    /// Leaves copied by this run (the rest were there from an earlier, interrupted run).
    pub copied: u64,
    pub resumed: bool,
    pub schema: Option<String>,
    pub sqlite: VerifyReport,
    pub postgres: VerifyReport,
}

fn conflict(msg: impl Into<String>) -> RecordError {
    RecordError::Conflict(msg.into())
}

fn is_empty(dir: &DirectoryImport) -> bool {
    dir.organisations.is_empty()
        && dir.users.is_empty()
        && dir.people.is_empty()
        && dir.relationships.is_empty()
}

pub fn migrate(plan: &MigratePlan) -> Result<Migrated, RecordError> {
    if !is_postgres_url(&plan.to) {
        return Err(InputError::field("/to", "must be a postgres:// URL").into());
    }
    let target_url = PostgresTarget::parse(&plan.to, "/to")?;
    if plan.batch == 0 {
        return Err(InputError::field("/batch", "must be at least 1").into());
    }
    let source_dir = DataDir::new(&plan.from, None)?;
    let Engine::Sqlite(path) = &source_dir.engine else {
        return Err(conflict(
            "the source must be a data directory with a SQLite database",
        ));
    };
    if !path.exists() {
        return Err(conflict(format!(
            "{} holds no SQLite database to migrate",
            plan.from.display()
        )));
    }
    let source = source_dir.open()?;
    let before = source.verify(None)?;
    if !before.ok() {
        return Err(conflict(format!(
            "the source log does not verify (first bad leaf: {}); run `caretrail verify` on it",
            before
                .first_bad_leaf
                .map_or_else(|| "none".to_owned(), |i| i.to_string())
        )));
    }
    let src: &dyn Store = source.unaudited().store().as_ref();
    let target: Arc<dyn Store> = Arc::new(target_url.open()?);
    let tgt: &dyn Store = target.as_ref();

    // 1. The log's facts.
    let meta = src
        .log_meta()?
        .ok_or(caretrail_store::StoreError::NotInitialised)?;
    let resumed = match tgt.log_meta()? {
        Some(m) if m == meta => true,
        Some(m) => {
            return Err(conflict(format!(
                "the target already holds another log ({}); migrate into an empty database or schema",
                m.origin
            )));
        }
        None => {
            if tgt.tree_size()? > 0 || !is_empty(&export_directory(tgt)?) {
                return Err(conflict(
                    "the target holds records but no log; migrate into an empty database or schema",
                ));
            }
            tgt.init_log(&meta)?;
            false
        }
    };

    // 2. The directory.
    let directory = export_directory(src)?;
    let there = export_directory(tgt)?;
    if is_empty(&there) {
        tgt.import_directory(&directory)?;
    } else if there != directory {
        return Err(conflict(
            "the target's directory differs from the source's: the source changed since the \
             migration began. Stop every server on the source, drop the target schema and migrate again",
        ));
    }

    // 3. The log.
    let src_size = src.tree_size()?;
    let start = tgt.tree_size()?;
    if start > src_size {
        return Err(conflict(format!(
            "the target holds {start} leaves, more than the source's {src_size}; refusing to resume"
        )));
    }
    let mut at = 0;
    while at < start {
        let want = usize::try_from(start - at).map_or(COMPARE_BATCH, |n| n.min(COMPARE_BATCH));
        let ours = tgt.leaves_from(at, want)?;
        let theirs = src.leaves_from(at, want)?;
        if let Some(i) = ours
            .iter()
            .zip(&theirs)
            .position(|(a, b)| a != b)
            .or((ours.len() != theirs.len()).then_some(ours.len().min(theirs.len())))
        {
            return Err(conflict(format!(
                "leaf {} in the target differs from the source's; refusing to resume",
                at + i as u64
            )));
        }
        if ours.is_empty() {
            return Err(conflict(format!("leaf {at} is missing from the target")));
        }
        at += ours.len() as u64;
    }
    let bar = crate::seed::bar(plan.progress, src_size, "leaves");
    bar.set_position(start);
    let mut size = start;
    while size < src_size {
        if plan.stop_after.is_some_and(|n| size >= n) {
            bar.finish_and_clear();
            return Err(conflict(format!(
                "stopped after {size} of {src_size} leaves, as --stop-after asked; run migrate \
                 again to resume"
            )));
        }
        let want = usize::try_from(src_size - size).map_or(plan.batch, |n| n.min(plan.batch));
        let batch = export_log(src, size, want)?;
        if batch.leaves.is_empty() {
            return Err(conflict(format!("leaf {size} is missing from the source")));
        }
        size = tgt.import_log(&batch)?;
        bar.set_position(size);
    }
    bar.finish_and_clear();

    // 4. Sessions, break-glass windows, review items, retention.
    copy_side_tables(src, tgt)?;
    // The target's planner statistics still describe empty tables: refresh them before the
    // checks below read it (and before anyone serves from it).
    tgt.refresh_statistics()?;

    // 5. Both logs from scratch. The directory again too: an erasure in the source while we
    //    copied would otherwise leave the person's keys in the target.
    if export_directory(tgt)? != export_directory(src)? {
        return Err(conflict(
            "the source's directory changed during the migration; stop every server on the \
             source, drop the target schema and migrate again",
        ));
    }
    let copied = size - start;
    let sqlite = source.verify(None)?;
    drop(source);
    let postgres = Record::open(target, &source_dir.keys())?.verify(None)?;
    Ok(Migrated {
        copied,
        resumed,
        schema: target_url.schema.clone(),
        sqlite,
        postgres,
    })
}

/// Copies the rows outside the log that the target lacks (each step is idempotent).
fn copy_side_tables(src: &dyn Store, tgt: &dyn Store) -> Result<(), RecordError> {
    let sessions: HashMap<[u8; 32], _> = tgt
        .export_sessions()?
        .into_iter()
        .map(|s| (s.token_hash, s))
        .collect();
    for s in src.export_sessions()? {
        let revoked_there = match sessions.get(&s.token_hash) {
            Some(t) => t.revoked_at.is_some(),
            None => {
                tgt.create_session(&s)?;
                false
            }
        };
        if let (Some(at), false) = (s.revoked_at, revoked_there) {
            tgt.revoke_session(&s.token_hash, at)?;
        }
    }
    let windows: HashSet<_> = tgt
        .export_break_glass()?
        .into_iter()
        .map(|w| w.id)
        .collect();
    for w in src.export_break_glass()? {
        if !windows.contains(&w.id) {
            tgt.put_break_glass(&w)?;
        }
    }
    // A review item is written whole (assignment and closing included), so resuming copies
    // whatever changed since the last run.
    let items: HashMap<_, _> = tgt
        .review_items(true)?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    for item in src.review_items(true)? {
        if items.get(&item.id) != Some(&item) {
            tgt.add_review_item(&item)?;
        }
    }
    let retention: HashMap<_, _> = tgt
        .export_retention()?
        .into_iter()
        .map(|r| (r.person, r))
        .collect();
    for r in src.export_retention()? {
        if retention.get(&r.person) != Some(&r) {
            tgt.set_retention(&r)?;
        }
    }
    Ok(())
}
