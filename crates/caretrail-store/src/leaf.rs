//! The canonical bytes of a ledger leaf (DESIGN §3).
//!
//! A leaf is a fixed-length header of opaque ids, kinds and times, followed by a 32-byte
//! commitment to the entry's ciphertext. It never holds a name, date of birth, address or free
//! text. Layout, version 1 (133 bytes, integers big-endian):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | format version (1) |
//! | 1 | 1 | leaf kind (1 = entry) |
//! | 2 | 16 | entry id |
//! | 18 | 16 | person pseudonym |
//! | 34 | 16 | organisation id |
//! | 50 | 16 | author user id |
//! | 66 | 1 | author role code |
//! | 67 | 1 | entry kind code |
//! | 68 | 8 | recorded time, µs since the epoch |
//! | 76 | 8 | effective time, µs since the epoch |
//! | 84 | 1 | 1 if the entry amends another, else 0 |
//! | 85 | 16 | amended entry id (zeros if none) |
//! | 101 | 32 | commitment: HMAC-SHA-256(person commitment secret, key version ‖ ciphertext) |

//!
//! An audit leaf (kind 2) records one access decision. Layout, version 1 (81 + reason bytes):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | format version (1) |
//! | 1 | 1 | leaf kind (2 = audit) |
//! | 2 | 16 | event id |
//! | 18 | 16 | accessor user id |
//! | 34 | 1 | accessor role code |
//! | 35 | 16 | accessor's organisation id |
//! | 51 | 1 | 1 if a person's record was concerned, else 0 |
//! | 52 | 16 | person pseudonym (zeros if none) |
//! | 68 | 1 | action code |
//! | 69 | 1 | purpose-of-use code |
//! | 70 | 1 | decision: 1 allowed, 0 denied |
//! | 71 | 1 | 1 if break-glass was used |
//! | 72 | 8 | time of the decision, µs since the epoch |
//! | 80 | 1 | reason code length n (at most 48) |
//! | 81 | n | reason code, ASCII |

use caretrail_core::{AuditEvent, EntryMeta};

pub const FORMAT_VERSION: u8 = 1;
pub const KIND_ENTRY: u8 = 1;
pub const KIND_AUDIT: u8 = 2;
pub const LEN: usize = 133;

/// Encodes an audit leaf. `pseudonym` is the person's, when the event concerns a person.
/// The reason must be a reason code (see [`caretrail_core::audit::is_reason_code`]); the
/// record layer checks that before encoding.
pub fn encode_audit(event: &AuditEvent, pseudonym: Option<&[u8; 16]>) -> Vec<u8> {
    let reason = event.reason.as_bytes();
    let reason = &reason[..reason.len().min(caretrail_core::audit::MAX_REASON_LEN)];
    let mut out = Vec::with_capacity(81 + reason.len());
    out.push(FORMAT_VERSION);
    out.push(KIND_AUDIT);
    out.extend_from_slice(event.id.as_bytes());
    out.extend_from_slice(event.accessor.as_bytes());
    out.push(event.role.code());
    out.extend_from_slice(event.organisation.as_bytes());
    match pseudonym {
        Some(p) => {
            out.push(1);
            out.extend_from_slice(p);
        }
        None => {
            out.push(0);
            out.extend_from_slice(&[0; 16]);
        }
    }
    out.push(event.action.code());
    out.push(event.purpose.code());
    out.push(u8::from(event.allowed));
    out.push(u8::from(event.break_glass));
    out.extend_from_slice(&event.at.as_microsecond().to_be_bytes());
    out.push(reason.len() as u8);
    out.extend_from_slice(reason);
    out
}

/// The kind byte of a leaf, if it has a known layout version.
pub fn kind(leaf: &[u8]) -> Option<u8> {
    (leaf.len() >= 2 && leaf[0] == FORMAT_VERSION).then(|| leaf[1])
}

/// Encodes an entry leaf.
pub fn encode_entry(meta: &EntryMeta, pseudonym: &[u8; 16], commitment: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEN);
    out.push(FORMAT_VERSION);
    out.push(KIND_ENTRY);
    out.extend_from_slice(meta.id.as_bytes());
    out.extend_from_slice(pseudonym);
    out.extend_from_slice(meta.organisation.as_bytes());
    out.extend_from_slice(meta.author.as_bytes());
    out.push(meta.author_role.code());
    out.push(meta.kind.code());
    out.extend_from_slice(&meta.recorded_at.as_microsecond().to_be_bytes());
    out.extend_from_slice(&meta.effective_at.as_microsecond().to_be_bytes());
    match meta.amends {
        Some(a) => {
            out.push(1);
            out.extend_from_slice(a.as_bytes());
        }
        None => {
            out.push(0);
            out.extend_from_slice(&[0; 16]);
        }
    }
    out.extend_from_slice(commitment);
    debug_assert_eq!(out.len(), LEN);
    out
}

/// The commitment stored in an entry leaf, if `leaf` has the entry layout.
pub fn commitment(leaf: &[u8]) -> Option<[u8; 32]> {
    if leaf.len() != LEN || leaf[0] != FORMAT_VERSION || leaf[1] != KIND_ENTRY {
        return None;
    }
    leaf[101..133].try_into().ok()
}

/// The entry id stored in an entry leaf.
pub fn entry_id(leaf: &[u8]) -> Option<[u8; 16]> {
    if leaf.len() != LEN || leaf[1] != KIND_ENTRY {
        return None;
    }
    leaf[2..18].try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_core::{EntryId, EntryKind, OrganisationId, PersonId, Role, UserId};

    #[test]
    fn audit_leaf_holds_codes_and_pseudonym_only() {
        use caretrail_core::{AuditAction, AuditEvent, Purpose};
        let e = AuditEvent {
            id: EntryId::from_bytes([1; 16]),
            at: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
            accessor: UserId::from_bytes([4; 16]),
            role: Role::Gp,
            organisation: OrganisationId::from_bytes([3; 16]),
            person: Some(PersonId::from_bytes([2; 16])),
            action: AuditAction::ReadRecord,
            purpose: Purpose::Care,
            allowed: false,
            break_glass: false,
            reason: "no-care-relationship".into(),
        };
        let leaf = encode_audit(&e, Some(&[9; 16]));
        assert_eq!(leaf.len(), 81 + 20);
        assert_eq!(kind(&leaf), Some(KIND_AUDIT));
        assert_eq!(&leaf[52..68], &[9; 16]);
        assert!(!leaf.windows(16).any(|w| w == [2; 16]), "no raw person id");
        assert_eq!(leaf[70], 0);
        let allowed = AuditEvent {
            allowed: true,
            ..e.clone()
        };
        assert_ne!(encode_audit(&allowed, Some(&[9; 16])), leaf);
        assert_eq!(encode_audit(&AuditEvent { person: None, ..e }, None)[51], 0);
    }

    #[test]
    fn leaf_layout_is_fixed_and_holds_only_ids_kinds_times_and_commitment() {
        let meta = EntryMeta {
            id: EntryId::from_bytes([1; 16]),
            kind: EntryKind::CaseNote,
            person: PersonId::from_bytes([2; 16]),
            organisation: OrganisationId::from_bytes([3; 16]),
            author: UserId::from_bytes([4; 16]),
            author_role: Role::SocialWorker,
            recorded_at: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
            effective_at: jiff::Timestamp::from_second(1_699_999_000).unwrap(),
            amends: None,
        };
        let leaf = encode_entry(&meta, &[9; 16], &[7; 32]);
        assert_eq!(leaf.len(), LEN);
        assert_eq!(
            &leaf[18..34],
            &[9; 16],
            "the pseudonym, not the person id, is in the leaf"
        );
        assert!(!leaf.windows(16).any(|w| w == [2; 16]));
        assert_eq!(commitment(&leaf), Some([7; 32]));
        assert_eq!(entry_id(&leaf), Some([1; 16]));
        let amending = EntryMeta {
            amends: Some(EntryId::from_bytes([5; 16])),
            ..meta
        };
        let leaf2 = encode_entry(&amending, &[9; 16], &[7; 32]);
        assert_ne!(leaf, leaf2);
        assert_eq!(leaf2[84], 1);
    }
}
