//! Perfect subtrees ([`NodeId`]) and the compact range of a tree ([`CompactRange`]): the hashes
//! of the perfect subtrees that make up `[0, size)`, which is all a log needs to append a leaf
//! and compute its root.
//!
//! Only perfect subtrees are ever stored: their hashes never change once complete, so a stored
//! node stays valid for every later tree size. The tree shape is RFC 6962 §2.1's: the left
//! subtree of a tree of size n holds the largest power of two smaller than n leaves, so the
//! perfect subtrees of `[0, size)` correspond to the set bits of `size`, largest first.

use crate::error::LedgerError;
use crate::hash::{EMPTY_ROOT, Hash, fold_right, node_hash};

/// A perfect subtree: `level` 0 is a leaf, level `l` holds `2^l` leaves; it covers the leaves
/// `[index << level, (index + 1) << level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves: 0 for a leaf.
    pub level: u8,
    /// Position among the nodes of this level, counting from 0 at the left.
    pub index: u64,
}

impl NodeId {
    /// The node at `level` and `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The leaf at `index` (a level-0 node).
    pub const fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }

    /// The first leaf this node covers, `index << level`.
    ///
    /// Saturates at `u64::MAX`; that only happens for nodes that lie outside every tree whose
    /// size fits in a `u64`.
    pub fn first_leaf(&self) -> u64 {
        shl_saturating(self.index, self.level)
    }

    /// One past the last leaf this node covers, `(index + 1) << level` (exclusive end).
    ///
    /// Saturates at `u64::MAX`; that only happens for nodes that lie outside every tree whose
    /// size fits in a `u64`.
    pub fn end_leaf(&self) -> u64 {
        shl_saturating(self.index.saturating_add(1), self.level)
    }
}

/// `x << level`, saturating at `u64::MAX` instead of dropping bits.
fn shl_saturating(x: u64, level: u8) -> u64 {
    match (x, 1u64.checked_shl(u32::from(level))) {
        (0, _) => 0,
        (_, None) => u64::MAX,
        (x, Some(width)) => x.saturating_mul(width),
    }
}

/// The compact range of `[0, size)`: the hashes of the perfect subtrees making up the tree,
/// largest (leftmost) first; one per set bit of `size`.
///
/// Appending a leaf merges equal-sized subtrees like a binary counter carrying; the root is the
/// right-to-left fold of the hashes (RFC 6962 §2.1).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CompactRange {
    size: u64,
    /// Invariant: `hashes.len() == size.count_ones()`, and `hashes[i]` is the hash of
    /// `frontier_ids(size)[i]`.
    hashes: Vec<Hash>,
}

impl CompactRange {
    /// The compact range of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The ids of the perfect subtrees a compact range of `size` holds, left to right (so by
    /// decreasing level): one per set bit of `size`.
    pub fn frontier_ids(size: u64) -> Vec<NodeId> {
        // u64::BITS is 64, so every level fits in a u8.
        (0..u64::BITS as u8)
            .rev()
            .filter(|&level| (size >> level) & 1 == 1)
            // The node of this level that ends where the higher set bits of `size` end.
            // `size >> level` is odd here, so the subtraction cannot underflow.
            .map(|level| NodeId::new(level, (size >> level) - 1))
            .collect()
    }

    /// Rebuilds a compact range from stored parts: `hashes` must hold one hash per set bit of
    /// `size`, in the order of [`CompactRange::frontier_ids`].
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Self, LedgerError> {
        let expected = size.count_ones() as usize;
        if hashes.len() != expected {
            return Err(LedgerError::WrongHashCount {
                size,
                expected,
                got: hashes.len(),
            });
        }
        Ok(Self { size, hashes })
    }

    /// The number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The perfect-subtree hashes, largest (leftmost) first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The ids of the nodes whose hashes [`CompactRange::hashes`] holds.
    pub fn ids(&self) -> Vec<NodeId> {
        Self::frontier_ids(self.size)
    }

    /// Appends one leaf hash. Calls `completed(id, hash)` for every perfect-subtree node this
    /// append completes: first the leaf itself (level 0), then each parent completed, in
    /// increasing level. These are exactly the nodes a store must persist to serve proofs.
    ///
    /// A tree that already holds `u64::MAX` leaves cannot grow (its size would not fit in a
    /// `u64`): the append is then refused without calling `completed`. Use
    /// [`CompactRange::try_append`] to be told.
    pub fn append(&mut self, leaf_hash: Hash, completed: impl FnMut(NodeId, &Hash)) {
        // The only error is a full tree, which this method documents as a refused append.
        let _ = self.try_append(leaf_hash, completed);
    }

    /// Like [`CompactRange::append`], but reports a full tree as [`LedgerError::TreeFull`].
    pub fn try_append(
        &mut self,
        leaf_hash: Hash,
        mut completed: impl FnMut(NodeId, &Hash),
    ) -> Result<(), LedgerError> {
        let new_size = self.size.checked_add(1).ok_or(LedgerError::TreeFull)?;
        let mut id = NodeId::leaf(self.size);
        let mut hash = leaf_hash;
        completed(id, &hash);
        // Each trailing one bit of the old size is a perfect subtree of the same height as the
        // node being carried: they merge into their parent (RFC 6962 §2.1 tree shape).
        for _ in 0..self.size.trailing_ones() {
            // Invariant: hashes.len() == size.count_ones() >= trailing_ones, so this never
            // breaks.
            let Some(left) = self.hashes.pop() else { break };
            hash = node_hash(&left, &hash);
            id = NodeId::new(id.level + 1, id.index >> 1);
            completed(id, &hash);
        }
        self.hashes.push(hash);
        self.size = new_size;
        Ok(())
    }

    /// The Merkle Tree Hash of the whole range (RFC 6962 §2.1): [`EMPTY_ROOT`] for size 0,
    /// otherwise the hashes folded right to left.
    pub fn root(&self) -> Hash {
        fold_right(&self.hashes).unwrap_or(EMPTY_ROOT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_leaf_range_saturates_instead_of_overflowing() {
        assert_eq!(NodeId::new(3, 2).first_leaf(), 16);
        assert_eq!(NodeId::new(3, 2).end_leaf(), 24);
        assert_eq!(NodeId::new(63, 1).first_leaf(), 1 << 63);
        assert_eq!(NodeId::new(63, 1).end_leaf(), u64::MAX);
        assert_eq!(NodeId::new(64, 0).first_leaf(), 0);
        assert_eq!(NodeId::new(255, 0).end_leaf(), u64::MAX);
        assert_eq!(NodeId::new(255, 7).first_leaf(), u64::MAX);
        assert_eq!(NodeId::leaf(u64::MAX).end_leaf(), u64::MAX);
    }

    #[test]
    fn frontier_of_largest_size_has_one_node_per_bit() {
        let ids = CompactRange::frontier_ids(u64::MAX);
        assert_eq!(ids.len(), 64);
        assert_eq!(ids[0], NodeId::new(63, 0));
        assert_eq!(ids[63], NodeId::leaf(u64::MAX - 1));
    }

    #[test]
    fn full_tree_refuses_append_without_reporting_nodes() {
        let mut range = CompactRange::from_parts(u64::MAX, vec![[7; 32]; 64]).unwrap();
        let before = range.clone();
        let mut calls = 0;
        assert_eq!(
            range.try_append([1; 32], |_, _| calls += 1),
            Err(LedgerError::TreeFull)
        );
        range.append([1; 32], |_, _| calls += 1);
        assert_eq!(calls, 0);
        assert_eq!(range, before);
    }
}
