//! Proof generation from stored perfect subtrees: historic roots, inclusion proofs
//! (RFC 9162 §2.1.3.1) and consistency proofs (RFC 9162 §2.1.4.1), each costing O(log n) node
//! reads issued as one batched [`NodeReader::read_nodes`] call.
//!
//! Only perfect subtrees are stored, because only they never change. A proof for a tree size
//! that is not a power of two may need one node that is not perfect: the right edge of the tree
//! at that size (for example the subtree over leaves 4..7 of a size-7 tree, which a later leaf
//! turns into a different node). That hash is rebuilt here from its O(log n) perfect
//! sub-subtrees, which is what lets proofs be served for any historic size.
//!
//! [`MemoryTree`] is an in-memory [`NodeReader`] for tests and tools.

use std::fmt;
use std::ops::Range;

use crate::error::ProofError;
use crate::hash::{EMPTY_ROOT, Hash, fold_right};
use crate::range::{CompactRange, NodeId};

/// Where proof generation reads perfect-subtree hashes from (a database in production).
pub trait NodeReader {
    /// The storage error.
    type Error;

    /// Returns the hashes of `ids`, in the same order. Every id asked for is a perfect subtree
    /// inside the tree (its `end_leaf()` is at most the tree size the caller asked about).
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

impl<R: NodeReader + ?Sized> NodeReader for &R {
    type Error = R::Error;

    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        (**self).read_nodes(ids)
    }
}

/// The root of the tree at `size` (any size up to the stored one), from the `size.count_ones()`
/// perfect subtrees making it up: RFC 6962 §2.1's Merkle Tree Hash of the first `size` leaves.
pub fn root_at<R: NodeReader>(r: &R, size: u64) -> Result<Hash, ProofError<R::Error>> {
    let ids = CompactRange::frontier_ids(size);
    let hashes = read(r, &ids)?;
    Ok(fold_right(&hashes).unwrap_or(EMPTY_ROOT))
}

/// The audit path of leaf `index` in the tree of `size` (RFC 9162 §2.1.3.1 `PATH(m, D[n])`),
/// ordered from the leaf's sibling up to the child of the root.
pub fn inclusion_proof<R: NodeReader>(
    r: &R,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError<R::Error>> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    ProofPlan::new(NodeId::leaf(index), size, false).fetch(r)
}

/// The consistency proof from the tree of size `first` to the tree of size `second`
/// (RFC 9162 §2.1.4.1 `PROOF(m, D[n])`). Needs `0 < first <= second`; equal sizes give the empty
/// proof.
pub fn consistency_proof<R: NodeReader>(
    r: &R,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, ProofError<R::Error>> {
    if first == 0 {
        return Err(ProofError::EmptyFirstTree);
    }
    if first > second {
        return Err(ProofError::FirstLargerThanSecond { first, second });
    }
    if first == second {
        return Ok(Vec::new());
    }
    // The smallest perfect subtree of the first tree, the one ending at leaf `first`. It is
    // common to both trees, and the proof is its inclusion proof in the second tree. When
    // `first` is a power of two, that subtree is the whole first tree, whose root the verifier
    // already has, so it is left out (RFC 9162 §2.1.4.1, SUBPROOF with b = true).
    let level = first.trailing_zeros() as u8;
    let index = (first - 1) >> level;
    ProofPlan::new(NodeId::new(level, index), second, index != 0).fetch(r)
}

/// The nodes to read for a proof, in proof order, and which of them fold into the one
/// non-perfect node (the right edge at this size).
struct ProofPlan {
    ids: Vec<NodeId>,
    /// `ids[ephemeral]` are the perfect subtrees, left to right, of the right edge; they fold
    /// into one proof element. Empty when the proof needs no right edge.
    ephemeral: Range<usize>,
}

impl ProofPlan {
    /// The nodes proving that perfect subtree `seed` is in the tree of `size`, bottom-up, with
    /// `seed` itself first when `include_seed`. Needs `seed.end_leaf() <= size`.
    ///
    /// The path from `seed` to the root first climbs through perfect subtrees up to the `fork`:
    /// the perfect subtree in the compact range of `size` that contains `seed`. The siblings on
    /// that climb are perfect. Above the fork, the right neighbour (if any) is the right edge:
    /// the compact-range nodes below the fork's level, folded. The remaining siblings are the
    /// compact-range nodes above the fork's level, all to the left.
    fn new(seed: NodeId, size: u64, include_seed: bool) -> Self {
        // `seed.index < top` because the seed ends inside the tree, so the XOR is non-zero and
        // its highest set bit is where `seed.index` and `top` first differ: the fork is that
        // many levels above the seed. `fork_level` is a set bit of `size`, so at most 63.
        let top = size >> seed.level;
        let climb = (seed.index ^ top).ilog2();
        let fork_level = u32::from(seed.level) + climb;
        let frontier = CompactRange::frontier_ids(size);

        let mut ids = Vec::with_capacity(1 + climb as usize + frontier.len());
        if include_seed {
            ids.push(seed);
        }
        ids.extend((0..climb).map(|step| {
            // Levels stay below `fork_level` <= 63, so the cast is exact.
            NodeId::new(
                (u32::from(seed.level) + step) as u8,
                (seed.index >> step) ^ 1,
            )
        }));
        let right_edge_start = ids.len();
        ids.extend(
            frontier
                .iter()
                .filter(|id| u32::from(id.level) < fork_level),
        );
        let ephemeral = right_edge_start..ids.len();
        ids.extend(
            frontier
                .iter()
                .rev()
                .filter(|id| u32::from(id.level) > fork_level),
        );
        Self { ids, ephemeral }
    }

    /// Reads the planned nodes in one batch and assembles the proof.
    fn fetch<R: NodeReader>(self, r: &R) -> Result<Vec<Hash>, ProofError<R::Error>> {
        let hashes = read(r, &self.ids)?;
        // `read` checked hashes.len() == ids.len(), and `ephemeral` lies inside `ids`.
        let (before, rest) = hashes.split_at(self.ephemeral.start);
        let (edge, after) = rest.split_at(self.ephemeral.len());
        let mut proof = Vec::with_capacity(hashes.len());
        proof.extend_from_slice(before);
        proof.extend(fold_right(edge));
        proof.extend_from_slice(after);
        Ok(proof)
    }
}

/// One batched read, checked to return one hash per id. Asks nothing for no ids.
fn read<R: NodeReader>(r: &R, ids: &[NodeId]) -> Result<Vec<Hash>, ProofError<R::Error>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = r.read_nodes(ids).map_err(ProofError::Storage)?;
    if hashes.len() != ids.len() {
        return Err(ProofError::WrongNodeCount {
            asked: ids.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes)
}

/// An in-memory tree that stores every perfect-subtree node as leaves are pushed, and serves
/// them through [`NodeReader`]. For tests and tools; a database plays this part in production.
#[derive(Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of `NodeId::new(l, i)`.
    levels: Vec<Vec<Hash>>,
    range: CompactRange,
}

/// The error of [`MemoryTree`]'s [`NodeReader`]: a node that is not (yet) stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("node at level {} index {} is not stored", .0.level, .0.index)]
pub struct MemoryTreeError(pub NodeId);

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one leaf hash, storing every perfect subtree it completes.
    ///
    /// A tree of `u64::MAX` leaves cannot grow; memory runs out long before.
    pub fn push(&mut self, leaf_hash: Hash) {
        let levels = &mut self.levels;
        self.range.append(leaf_hash, |id, hash| {
            let level = usize::from(id.level);
            if levels.len() <= level {
                levels.resize_with(level + 1, Vec::new);
            }
            // Nodes of each level complete left to right, so `hash` is levels[level][id.index].
            levels[level].push(*hash);
        });
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.range.size()
    }

    /// The current root (RFC 6962 §2.1).
    pub fn root(&self) -> Hash {
        self.range.root()
    }

    /// The leaf hashes, in order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// The compact range of the current size.
    pub fn compact_range(&self) -> &CompactRange {
        &self.range
    }

    /// The stored hash of a perfect subtree, if it is complete.
    pub fn node(&self, id: NodeId) -> Option<&Hash> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index)
    }
}

impl Extend<Hash> for MemoryTree {
    fn extend<I: IntoIterator<Item = Hash>>(&mut self, leaf_hashes: I) {
        for leaf_hash in leaf_hashes {
            self.push(leaf_hash);
        }
    }
}

impl FromIterator<Hash> for MemoryTree {
    fn from_iter<I: IntoIterator<Item = Hash>>(leaf_hashes: I) -> Self {
        let mut tree = Self::new();
        tree.extend(leaf_hashes);
        tree
    }
}

impl fmt::Debug for MemoryTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTree")
            .field("size", &self.size())
            .field("root", &hex::encode(self.root()))
            .finish_non_exhaustive()
    }
}

impl NodeReader for MemoryTree {
    type Error = MemoryTreeError;

    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        ids.iter()
            .map(|&id| self.node(id).copied().ok_or(MemoryTreeError(id)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_edge_of_size_seven_folds_three_leaves() {
        // Leaf 0 of size 7: siblings 1 and [2,4), then the right edge [4,7) = (1,2) + (0,6).
        let plan = ProofPlan::new(NodeId::leaf(0), 7, false);
        assert_eq!(
            plan.ids,
            vec![
                NodeId::new(0, 1),
                NodeId::new(1, 1),
                NodeId::new(1, 2),
                NodeId::new(0, 6)
            ]
        );
        assert_eq!(plan.ephemeral, 2..4);
    }

    #[test]
    fn memory_tree_refuses_nodes_it_does_not_hold() {
        let tree: MemoryTree = [[1; 32], [2; 32], [3; 32]].into_iter().collect();
        assert!(tree.read_nodes(&[NodeId::new(1, 0)]).is_ok());
        assert_eq!(
            tree.read_nodes(&[NodeId::new(1, 1)]),
            Err(MemoryTreeError(NodeId::new(1, 1)))
        );
        assert_eq!(
            tree.read_nodes(&[NodeId::new(200, u64::MAX)]),
            Err(MemoryTreeError(NodeId::new(200, u64::MAX)))
        );
    }
}
