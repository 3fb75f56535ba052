//! Fact leaves on PostgreSQL (see [`caretrail_store::fact`]): the row each fact commits to,
//! written in the append transaction that appends its leaf, and the `facts` index of the latest
//! fact leaf of each row.
//!
//! Every row is upserted whole: a fact replaces every column of the row it names (by id; by
//! person id for a retention row). The row writers that write no fact leaf
//! ([`Store::set_retention`](caretrail_store::Store::set_retention) and the like) share the
//! same statements.

use caretrail_store::fact::{self, Fact, FactKey, NewFact};
use caretrail_store::{BreakGlassRow, RetentionRow, ReviewItemRow};
use postgres::GenericClient;

use crate::conn::Session;
use crate::error::PgError;
use crate::rows::{break_glass_columns, pg_time, review_columns};

/// Writes the row `f` commits to, replacing the row of that fact if there is one, and moves the
/// fact's head to `leaf_index`. The leaf must already be stored.
pub(crate) fn apply<C: GenericClient>(
    s: &mut Session<'_, C>,
    leaf_index: i64,
    f: &NewFact,
) -> Result<(), PgError> {
    let decoded = fact::decode(&f.leaf)
        .filter(|d| d.key.kind == f.fact.kind())
        .ok_or(PgError::Rule(
            "a fact's leaf is not a fact leaf of its kind",
        ))?;
    set_head(s, &decoded.key, leaf_index)?;
    match &f.fact {
        Fact::Organisation(o) => {
            s.execute(
                "INSERT INTO organisations (id, name, kind) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind",
                &[&o.id.0, &o.name, &o.kind.as_str()],
            )?;
        }
        Fact::User {
            user: u,
            password_hash,
        } => {
            s.execute(
                "INSERT INTO users (id, username, display_name, role, organisation_id, \
                 person_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET username = excluded.username, \
                 display_name = excluded.display_name, role = excluded.role, \
                 organisation_id = excluded.organisation_id, person_id = excluded.person_id, \
                 password_hash = excluded.password_hash",
                &[
                    &u.id.0,
                    &u.username,
                    &u.display_name,
                    &u.role.as_str(),
                    &u.organisation.0,
                    &u.person.map(|p| p.0),
                    password_hash,
                ],
            )?;
        }
        Fact::Person { row: p, keys } => {
            s.execute(
                "INSERT INTO people (id, pseudonym, created_at, erased_at, profile) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET pseudonym = excluded.pseudonym, \
                 created_at = excluded.created_at, erased_at = excluded.erased_at, \
                 profile = excluded.profile",
                &[
                    &p.id.0,
                    &&p.pseudonym[..],
                    &pg_time(p.created_at),
                    &p.erased_at.map(pg_time),
                    &p.profile,
                ],
            )?;
            // A new person's keys; never replaced (a second set breaks the primary key).
            if let Some(k) = keys {
                s.execute(
                    "INSERT INTO person_keys (person_id, key_version, wrapped) \
                     VALUES ($1, $2, $3)",
                    &[&p.id.0, &i64::from(k.key_version), &k.wrapped],
                )?;
            }
        }
        Fact::Relationship(r) => {
            s.execute(
                "INSERT INTO relationships (id, practitioner_id, person_id, organisation_id, \
                 kind, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET practitioner_id = excluded.practitioner_id, \
                 person_id = excluded.person_id, organisation_id = excluded.organisation_id, \
                 kind = excluded.kind, valid_from = excluded.valid_from, \
                 valid_to = excluded.valid_to",
                &[
                    &r.id.0,
                    &r.practitioner.0,
                    &r.person.0,
                    &r.organisation.0,
                    &r.kind.as_str(),
                    &pg_time(r.from),
                    &r.to.map(pg_time),
                ],
            )?;
        }
        Fact::Retention(r) => upsert_retention(s, r)?,
        Fact::BreakGlass(w) => upsert_break_glass(s, w)?,
        Fact::Review(i) => upsert_review_item(s, i)?,
    }
    Ok(())
}

/// Moves the head of the fact `key` to `leaf_index`.
fn set_head<C: GenericClient>(
    s: &mut Session<'_, C>,
    key: &FactKey,
    leaf_index: i64,
) -> Result<(), PgError> {
    s.execute(
        "INSERT INTO facts (kind, subject, leaf_index) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, subject) DO UPDATE SET leaf_index = excluded.leaf_index",
        &[&i16::from(key.kind.code()), &&key.subject[..], &leaf_index],
    )?;
    Ok(())
}

/// Moves the heads of many facts at once: `heads` holds each key at most once (an upsert may
/// not touch one row twice).
pub(crate) fn set_heads<C: GenericClient>(
    s: &mut Session<'_, C>,
    heads: &[(FactKey, i64)],
) -> Result<(), PgError> {
    if heads.is_empty() {
        return Ok(());
    }
    let kinds: Vec<i16> = heads
        .iter()
        .map(|(k, _)| i16::from(k.kind.code()))
        .collect();
    let subjects: Vec<&[u8]> = heads.iter().map(|(k, _)| &k.subject[..]).collect();
    let idxs: Vec<i64> = heads.iter().map(|(_, i)| *i).collect();
    s.execute(
        "INSERT INTO facts (kind, subject, leaf_index) \
         SELECT * FROM unnest($1::smallint[], $2::bytea[], $3::bigint[]) \
         ON CONFLICT (kind, subject) DO UPDATE SET leaf_index = excluded.leaf_index",
        &[&kinds, &subjects, &idxs],
    )?;
    Ok(())
}

/// The leaf index of the latest fact leaf of `key`, if any.
pub(crate) fn head<C: GenericClient>(
    s: &mut Session<'_, C>,
    key: &FactKey,
) -> Result<Option<u64>, PgError> {
    s.query_opt(
        "SELECT leaf_index FROM facts WHERE kind = $1 AND subject = $2",
        &[&i16::from(key.kind.code()), &&key.subject[..]],
    )?
    .map(|r| crate::rows::index(&r, 0))
    .transpose()
}

/// Sets (or replaces) a person's retention and legal hold.
pub(crate) fn upsert_retention<C: GenericClient>(
    s: &mut Session<'_, C>,
    row: &RetentionRow,
) -> Result<(), PgError> {
    s.execute(
        "INSERT INTO retention (person_id, retain_until, legal_hold, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (person_id) DO UPDATE SET retain_until = excluded.retain_until, \
         legal_hold = excluded.legal_hold, set_by = excluded.set_by, \
         set_at = excluded.set_at",
        &[
            &row.person.0,
            &row.retain_until,
            &row.legal_hold,
            &row.set_by.0,
            &pg_time(row.set_at),
        ],
    )?;
    Ok(())
}

/// Writes (or replaces) a break-glass window.
pub(crate) fn upsert_break_glass<C: GenericClient>(
    s: &mut Session<'_, C>,
    w: &BreakGlassRow,
) -> Result<(), PgError> {
    s.execute(
        concat!(
            "INSERT INTO break_glass (",
            break_glass_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, \
             person_id = excluded.person_id, organisation_id = excluded.organisation_id, \
             reason = excluded.reason, opened_at = excluded.opened_at"
        ),
        &[
            &w.id.0,
            &w.user.0,
            &w.person.0,
            &w.organisation.0,
            &w.reason,
            &pg_time(w.opened_at),
        ],
    )?;
    Ok(())
}

/// Writes (or replaces) a review item.
pub(crate) fn upsert_review_item<C: GenericClient>(
    s: &mut Session<'_, C>,
    item: &ReviewItemRow,
) -> Result<(), PgError> {
    s.execute(
        concat!(
            "INSERT INTO review_items (",
            review_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
             person_id = excluded.person_id, subject_id = excluded.subject_id, \
             window_id = excluded.window_id, entry_id = excluded.entry_id, \
             audit_id = excluded.audit_id, created_at = excluded.created_at, \
             assignee_id = excluded.assignee_id, assigned_at = excluded.assigned_at, \
             closed_at = excluded.closed_at, reviewer_id = excluded.reviewer_id, \
             finding = excluded.finding"
        ),
        &[
            &item.id.0,
            &item.kind.as_str(),
            &item.person.0,
            &item.subject.0,
            &item.window.map(|w| w.0),
            &item.entry.map(|e| e.0),
            &item.audit.0,
            &pg_time(item.created_at),
            &item.assignee.map(|a| a.0),
            &item.assigned_at.map(pg_time),
            &item.closed_at.map(pg_time),
            &item.reviewer.map(|r| r.0),
            &item.finding,
        ],
    )?;
    Ok(())
}
