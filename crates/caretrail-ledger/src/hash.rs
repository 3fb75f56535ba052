//! Merkle tree hashing exactly as RFC 6962 §2.1 (unchanged in RFC 9162 §2.1.1): domain-separated
//! leaf and node hashes over SHA-256, and the reference recursive Merkle Tree Hash.
//!
//! These functions are on the verifier's hot path, so they hash straight from the caller's
//! buffers with no allocation.

use sha2::{Digest, Sha256};

/// A SHA-256 output: a leaf hash, a node hash or a tree root.
pub type Hash = [u8; 32];

/// The root of the empty tree: `SHA-256("")` (RFC 6962 §2.1, `MTH({}) = SHA-256()`).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Domain-separation prefix of a leaf hash (RFC 6962 §2.1).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an interior node hash (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// The hash of one leaf: `SHA-256(0x00 || data)` (RFC 6962 §2.1, `MTH({d(0)})`).
#[inline]
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)` (RFC 6962 §2.1).
#[inline]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    hash_children(left, right)
}

/// The interior-node hash over arbitrary byte strings, `SHA-256(0x01 || left || right)`
/// (transparency-dev's `HashChildren`). Tree code uses [`node_hash`]; this form exists for
/// known-answer tests whose children are not 32-byte hashes.
#[inline]
pub fn hash_children(left: &[u8], right: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The Merkle Tree Hash of a list of leaf hashes, computed by the reference recursion of
/// RFC 6962 §2.1: split at the largest power of two smaller than n, hash each side, join.
///
/// This is the specification, not the fast path: it is O(n) and exists to check the incremental
/// code against. The empty list gives [`EMPTY_ROOT`].
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => EMPTY_ROOT,
        [only] => *only,
        _ => {
            let (left, right) = leaves.split_at(split_point(leaves.len()));
            node_hash(&root_from_leaf_hashes(left), &root_from_leaf_hashes(right))
        }
    }
}

/// The largest power of two strictly smaller than `n` (RFC 6962 §2.1, "k"). Needs `n >= 2`.
fn split_point(n: usize) -> usize {
    1 << (n - 1).ilog2()
}

/// Folds perfect-subtree hashes, listed left to right with strictly decreasing sizes, into the
/// hash of the subtree they make up: right to left, each new left neighbour becoming the left
/// child. `None` for an empty list.
pub(crate) fn fold_right(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(
        rest.iter()
            .rev()
            .fold(*last, |right, left| node_hash(left, &right)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below_n() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1025, 1024)] {
            assert_eq!(split_point(n), k, "n = {n}");
        }
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
    }
}
