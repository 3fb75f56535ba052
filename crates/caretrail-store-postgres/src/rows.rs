//! Rows to values and values to parameters: ids are `uuid`, times `timestamptz` in whole
//! microseconds, codes `smallint` or `text` as in the SQLite backend.

use caretrail_core::{
    AuditAction, AuditEvent, CareRelationship, EntryId, EntryKind, EntryMeta, OrganisationId,
    PersonId, RelationshipId, Role, User, UserId,
};
use caretrail_store::{
    AuditRow, BreakGlassRow, EntryRow, PersonRow, ReviewItemRow, SessionRow, from_micros, to_micros,
};
use jiff::Timestamp;
use postgres::Row;
use postgres::types::FromSql;
use uuid::Uuid;

use crate::error::PgError;

/// Column lists, as macros so that they splice into `&'static str` SQL with `concat!`.
macro_rules! entry_columns {
    () => {
        "id, leaf_index, person_id, organisation_id, author_id, author_role, kind, \
         recorded_at, effective_at, amends, key_version, payload"
    };
}
macro_rules! audit_columns {
    () => {
        "leaf_index, id, at, accessor_id, role, organisation_id, person_id, action, purpose, \
         allowed, break_glass, reason"
    };
}
macro_rules! break_glass_columns {
    () => {
        "id, user_id, person_id, organisation_id, reason, opened_at"
    };
}
macro_rules! review_columns {
    () => {
        "id, kind, person_id, subject_id, window_id, entry_id, audit_id, created_at, \
         assignee_id, assigned_at, closed_at, reviewer_id, finding"
    };
}
macro_rules! user_columns {
    () => {
        "id, username, display_name, role, organisation_id, person_id"
    };
}
macro_rules! person_columns {
    () => {
        "id, pseudonym, created_at, erased_at, profile"
    };
}
macro_rules! relationship_columns {
    () => {
        "id, practitioner_id, person_id, organisation_id, kind, valid_from, valid_to"
    };
}
pub(crate) use {
    audit_columns, break_glass_columns, entry_columns, person_columns, relationship_columns,
    review_columns, user_columns,
};

/// Column `i` of `r` as a `T`.
pub(crate) fn get<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T, PgError> {
    r.try_get(i).map_err(|_| malformed(r, i))
}

fn malformed(r: &Row, i: usize) -> PgError {
    PgError::Malformed {
        column: r
            .columns()
            .get(i)
            .map_or_else(|| i.to_string(), |c| c.name().to_owned()),
    }
}

/// Column `i` decoded by `f` (enum codes, ids), reporting the column when `f` refuses.
fn decode<'a, T: FromSql<'a>, U>(
    r: &'a Row,
    i: usize,
    f: impl FnOnce(T) -> Option<U>,
) -> Result<U, PgError> {
    f(get(r, i)?).ok_or_else(|| malformed(r, i))
}

/// A time as stored: truncated to whole microseconds exactly as the SQLite backend and the
/// ledger's leaf encoding do (`as_microsecond`), so that no driver rounding can make a stored
/// time differ from the time a leaf commits to.
pub(crate) fn pg_time(t: Timestamp) -> Timestamp {
    // Truncating towards zero stays inside jiff's range, so this cannot fail; keep `t` if it did.
    from_micros(to_micros(t)).unwrap_or(t)
}

pub(crate) fn to_i64(v: u64) -> Result<i64, PgError> {
    i64::try_from(v).map_err(|_| PgError::Invalid("an index or size is out of range"))
}

pub(crate) fn index(r: &Row, i: usize) -> Result<u64, PgError> {
    decode(r, i, |v: i64| u64::try_from(v).ok())
}

fn key_version(r: &Row, i: usize) -> Result<u32, PgError> {
    decode(r, i, |v: i64| u32::try_from(v).ok())
}

pub(crate) fn hash(r: &Row, i: usize) -> Result<caretrail_ledger::Hash, PgError> {
    decode(r, i, |v: Vec<u8>| v.try_into().ok())
}

fn opt_uuid(r: &Row, i: usize) -> Result<Option<Uuid>, PgError> {
    get(r, i)
}

pub(crate) fn entry_row(r: &Row) -> Result<EntryRow, PgError> {
    Ok(EntryRow {
        meta: EntryMeta {
            id: EntryId(get(r, 0)?),
            person: PersonId(get(r, 2)?),
            organisation: OrganisationId(get(r, 3)?),
            author: UserId(get(r, 4)?),
            author_role: decode(r, 5, |c: i16| {
                Role::ALL.into_iter().find(|x| i16::from(x.code()) == c)
            })?,
            kind: decode(r, 6, |c: i16| {
                u8::try_from(c).ok().and_then(EntryKind::from_code)
            })?,
            recorded_at: get(r, 7)?,
            effective_at: get(r, 8)?,
            amends: opt_uuid(r, 9)?.map(EntryId),
        },
        leaf_index: index(r, 1)?,
        key_version: key_version(r, 10)?,
        payload: get(r, 11)?,
    })
}

pub(crate) fn audit_row(r: &Row) -> Result<AuditRow, PgError> {
    Ok(AuditRow {
        leaf_index: index(r, 0)?,
        event: AuditEvent {
            id: EntryId(get(r, 1)?),
            at: get(r, 2)?,
            accessor: UserId(get(r, 3)?),
            role: decode(r, 4, |s: &str| s.parse().ok())?,
            organisation: OrganisationId(get(r, 5)?),
            person: opt_uuid(r, 6)?.map(PersonId),
            action: decode(r, 7, |s: &str| {
                AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
            })?,
            purpose: decode(r, 8, |s: &str| s.parse().ok())?,
            allowed: get(r, 9)?,
            break_glass: get(r, 10)?,
            reason: get(r, 11)?,
        },
    })
}

pub(crate) fn break_glass_row(r: &Row) -> Result<BreakGlassRow, PgError> {
    Ok(BreakGlassRow {
        id: EntryId(get(r, 0)?),
        user: UserId(get(r, 1)?),
        person: PersonId(get(r, 2)?),
        organisation: OrganisationId(get(r, 3)?),
        reason: get(r, 4)?,
        opened_at: get(r, 5)?,
    })
}

pub(crate) fn review_row(r: &Row) -> Result<ReviewItemRow, PgError> {
    let kind: String = get(r, 1)?;
    Ok(ReviewItemRow {
        id: EntryId(get(r, 0)?),
        kind: caretrail_store::ReviewKind::parse(&kind).ok_or_else(|| malformed(r, 1))?,
        person: PersonId(get(r, 2)?),
        subject: UserId(get(r, 3)?),
        window: opt_uuid(r, 4)?.map(EntryId),
        entry: opt_uuid(r, 5)?.map(EntryId),
        audit: EntryId(get(r, 6)?),
        created_at: get(r, 7)?,
        assignee: opt_uuid(r, 8)?.map(UserId),
        assigned_at: get(r, 9)?,
        closed_at: get(r, 10)?,
        reviewer: opt_uuid(r, 11)?.map(UserId),
        finding: get(r, 12)?,
    })
}

pub(crate) fn person_row(r: &Row) -> Result<PersonRow, PgError> {
    Ok(PersonRow {
        id: PersonId(get(r, 0)?),
        pseudonym: decode(r, 1, |v: Vec<u8>| v.try_into().ok())?,
        created_at: get(r, 2)?,
        erased_at: get(r, 3)?,
        profile: get(r, 4)?,
    })
}

pub(crate) fn user_row(r: &Row) -> Result<User, PgError> {
    Ok(User {
        id: UserId(get(r, 0)?),
        username: get(r, 1)?,
        display_name: get(r, 2)?,
        role: decode(r, 3, |s: &str| s.parse().ok())?,
        organisation: OrganisationId(get(r, 4)?),
        person: opt_uuid(r, 5)?.map(PersonId),
    })
}

pub(crate) fn relationship_row(r: &Row) -> Result<CareRelationship, PgError> {
    Ok(CareRelationship {
        id: RelationshipId(get(r, 0)?),
        practitioner: UserId(get(r, 1)?),
        person: PersonId(get(r, 2)?),
        organisation: OrganisationId(get(r, 3)?),
        kind: decode(r, 4, |s: &str| s.parse().ok())?,
        from: get(r, 5)?,
        to: get(r, 6)?,
    })
}

pub(crate) fn session_row(r: &Row) -> Result<SessionRow, PgError> {
    Ok(SessionRow {
        token_hash: decode(r, 0, |v: Vec<u8>| v.try_into().ok())?,
        user: UserId(get(r, 1)?),
        created_at: get(r, 2)?,
        expires_at: get(r, 3)?,
        revoked_at: get(r, 4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_truncate_to_microseconds_like_the_leaf_encoding() {
        let t = Timestamp::new(1_700_000_000, 123_456_789).unwrap();
        let stored = pg_time(t);
        assert_eq!(stored.as_microsecond(), t.as_microsecond());
        assert_eq!(stored.subsec_nanosecond(), 123_456_000);
        let before_epoch = Timestamp::new(-10, -999).unwrap();
        assert_eq!(
            pg_time(before_epoch).as_microsecond(),
            before_epoch.as_microsecond()
        );
    }
}
