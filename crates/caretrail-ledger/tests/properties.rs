//! Property tests: generated proofs verify at random historic sizes; any one-bit change to a
//! proof element, root, leaf, index or size makes verification fail (a size change that RFC
//! 9162 cannot see fails against that size's real root); the incremental compact range agrees
//! with the reference Merkle Tree Hash; earlier roots never change as leaves are appended;
//! compact ranges round-trip through `from_parts`.

mod common;

use std::sync::OnceLock;

use caretrail_ledger::{
    CompactRange, Hash, LedgerError, MemoryTree, NodeId, NodeReader, consistency_proof,
    inclusion_proof, leaf_hash, root_at, root_from_leaf_hashes, verify_consistency,
    verify_inclusion,
};
use common::{consistency_shape, inclusion_shape, synthetic_leaf_hashes};
use proptest::prelude::*;

/// Proof sizes go up to `MAX_SIZE`; the stored tree is four times larger so that every size
/// reached by flipping one of the low bits still has a real root to compare against.
const MAX_SIZE: u64 = 4096;
const STORED: u64 = 4 * MAX_SIZE;

fn stored_tree() -> &'static MemoryTree {
    static TREE: OnceLock<MemoryTree> = OnceLock::new();
    TREE.get_or_init(|| synthetic_leaf_hashes(42, STORED).collect())
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// The real root of the stored tree at `size`, when the tree is that large.
fn real_root(size: u64) -> Option<Hash> {
    (size <= STORED).then(|| root_at(stored_tree(), size).expect("stored sizes have roots"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_inclusion_proofs_verify(size in 1..=MAX_SIZE, pick in any::<u64>()) {
        let tree = stored_tree();
        let index = pick % size;
        let proof = inclusion_proof(tree, index, size).unwrap();
        let root = root_at(tree, size).unwrap();
        prop_assert_eq!(root, root_from_leaf_hashes(&tree.leaf_hashes()[..size as usize]));
        let leaf = tree.leaf_hashes()[index as usize];
        prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
    }

    #[test]
    fn generated_consistency_proofs_verify(second in 1..=MAX_SIZE, pick in any::<u64>()) {
        let tree = stored_tree();
        let first = 1 + pick % second;
        let proof = consistency_proof(tree, first, second).unwrap();
        let (r1, r2) = (root_at(tree, first).unwrap(), root_at(tree, second).unwrap());
        prop_assert_eq!(verify_consistency(first, second, &r1, &r2, &proof), Ok(()));
    }

    #[test]
    fn one_bit_change_to_inclusion_proof_root_or_leaf_fails(
        size in 1..=MAX_SIZE,
        pick in any::<u64>(),
        target in any::<prop::sample::Index>(),
        bit in 0..256usize,
    ) {
        let tree = stored_tree();
        let index = pick % size;
        let mut proof = inclusion_proof(tree, index, size).unwrap();
        let mut root = root_at(tree, size).unwrap();
        let mut leaf = tree.leaf_hashes()[index as usize];
        // Targets: each proof element, then the root, then the leaf.
        match target.index(proof.len() + 2) {
            i if i < proof.len() => proof[i] = flip(&proof[i], bit),
            i if i == proof.len() => root = flip(&root, bit),
            _ => leaf = flip(&leaf, bit),
        }
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_err());
    }

    #[test]
    fn one_bit_change_to_inclusion_index_or_size_fails(
        size in 1..=MAX_SIZE,
        pick in any::<u64>(),
        change_size in any::<bool>(),
        bit in 0..64u32,
    ) {
        let tree = stored_tree();
        let index = pick % size;
        let proof = inclusion_proof(tree, index, size).unwrap();
        let root = root_at(tree, size).unwrap();
        let leaf = tree.leaf_hashes()[index as usize];
        let (index2, size2) = if change_size {
            (index, size ^ (1 << bit))
        } else {
            (index ^ (1 << bit), size)
        };
        let result = verify_inclusion(&leaf, index2, size2, &proof, &root);
        let alias = inclusion_shape(index2, size2, proof.len())
            == inclusion_shape(index, size, proof.len());
        if alias {
            // RFC 9162 cannot tell sizes whose paths take the same steps apart; only the
            // index never aliases, and the real root of the other size refuses the proof.
            prop_assert!(change_size, "index {index} -> {index2} aliases in size {size}");
            let other_root = real_root(size2);
            prop_assert!(other_root.is_some(), "size {size} -> {size2} aliases beyond the tree");
            let other_root = other_root.unwrap();
            prop_assert!(verify_inclusion(&leaf, index2, size2, &proof, &other_root).is_err());
        } else {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn one_bit_change_to_consistency_proof_or_roots_fails(
        second in 2..=MAX_SIZE,
        pick in any::<u64>(),
        target in any::<prop::sample::Index>(),
        bit in 0..256usize,
    ) {
        let tree = stored_tree();
        let first = 1 + pick % (second - 1);
        let mut proof = consistency_proof(tree, first, second).unwrap();
        let mut r1 = root_at(tree, first).unwrap();
        let mut r2 = root_at(tree, second).unwrap();
        match target.index(proof.len() + 2) {
            i if i < proof.len() => proof[i] = flip(&proof[i], bit),
            i if i == proof.len() => r1 = flip(&r1, bit),
            _ => r2 = flip(&r2, bit),
        }
        prop_assert!(verify_consistency(first, second, &r1, &r2, &proof).is_err());
    }

    #[test]
    fn one_bit_change_to_consistency_sizes_fails(
        second in 2..=MAX_SIZE,
        pick in any::<u64>(),
        change_second in any::<bool>(),
        bit in 0..64u32,
    ) {
        let tree = stored_tree();
        let first = 1 + pick % (second - 1);
        let proof = consistency_proof(tree, first, second).unwrap();
        let (r1, r2) = (root_at(tree, first).unwrap(), root_at(tree, second).unwrap());
        let (first2, second2) = if change_second {
            (first, second ^ (1 << bit))
        } else {
            (first ^ (1 << bit), second)
        };
        let result = verify_consistency(first2, second2, &r1, &r2, &proof);
        let alias = consistency_shape(first2, second2, proof.len())
            == consistency_shape(first, second, proof.len());
        if alias {
            let real = real_root(first2).zip(real_root(second2));
            prop_assert!(real.is_some(), "{first}->{second} aliases as {first2}->{second2} beyond the tree");
            let (real1, real2) = real.unwrap();
            prop_assert!(verify_consistency(first2, second2, &real1, &real2, &proof).is_err());
        } else {
            prop_assert!(result.is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn compact_range_root_equals_reference_root_at_every_size(
        leaves in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..200),
    ) {
        let leaf_hashes: Vec<Hash> = leaves.iter().map(|d| leaf_hash(d)).collect();
        let mut range = CompactRange::new();
        prop_assert_eq!(range.root(), root_from_leaf_hashes(&[]));
        for (size, leaf) in leaf_hashes.iter().enumerate() {
            range.append(*leaf, |_, _| {});
            prop_assert_eq!(range.size(), size as u64 + 1);
            prop_assert_eq!(range.root(), root_from_leaf_hashes(&leaf_hashes[..=size]));
        }
    }

    #[test]
    fn every_reported_node_hash_is_the_root_of_the_leaves_it_covers(count in 1..600u64, seed in any::<u64>()) {
        let leaf_hashes: Vec<Hash> = synthetic_leaf_hashes(seed, count).collect();
        let mut range = CompactRange::new();
        let mut reported: Vec<(NodeId, Hash)> = Vec::new();
        for leaf in &leaf_hashes {
            let before = reported.len();
            range.append(*leaf, |id, hash| reported.push((id, *hash)));
            // The leaf first, then parents with strictly increasing levels.
            let levels: Vec<u8> = reported[before..].iter().map(|(id, _)| id.level).collect();
            prop_assert_eq!(levels.first(), Some(&0));
            prop_assert!(levels.windows(2).all(|w| w[1] == w[0] + 1));
        }
        for (id, hash) in reported {
            let covered = &leaf_hashes[id.first_leaf() as usize..id.end_leaf() as usize];
            prop_assert_eq!(hash, root_from_leaf_hashes(covered), "{:?}", id);
        }
    }

    #[test]
    fn earlier_roots_never_change_as_leaves_are_appended(
        batches in prop::collection::vec(1..300u64, 1..8),
        seed in any::<u64>(),
    ) {
        let mut tree = MemoryTree::new();
        let mut seen: Vec<(u64, Hash)> = Vec::new();
        let mut leaves = synthetic_leaf_hashes(seed, batches.iter().sum());
        for batch in batches {
            tree.extend(leaves.by_ref().take(batch as usize));
            seen.push((tree.size(), tree.root()));
            for &(size, root) in &seen {
                prop_assert_eq!(root_at(&tree, size), Ok(root));
                let proof = consistency_proof(&tree, size, tree.size()).unwrap();
                prop_assert_eq!(
                    verify_consistency(size, tree.size(), &root, &tree.root(), &proof),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn compact_range_round_trips_through_from_parts(count in 0..2000u64, more in 0..100u64, seed in any::<u64>()) {
        let mut range = CompactRange::new();
        let mut leaves = synthetic_leaf_hashes(seed, count + more);
        for leaf in leaves.by_ref().take(count as usize) {
            range.append(leaf, |_, _| {});
        }
        let mut rebuilt = CompactRange::from_parts(range.size(), range.hashes().to_vec()).unwrap();
        prop_assert_eq!(&rebuilt, &range);
        prop_assert_eq!(rebuilt.ids().len(), rebuilt.hashes().len());
        for leaf in leaves {
            range.append(leaf, |_, _| {});
            rebuilt.append(leaf, |_, _| {});
        }
        prop_assert_eq!(&rebuilt, &range);

        let mut too_many = range.hashes().to_vec();
        too_many.push([0; 32]);
        prop_assert_eq!(
            CompactRange::from_parts(range.size(), too_many),
            Err(LedgerError::WrongHashCount {
                size: range.size(),
                expected: range.hashes().len(),
                got: range.hashes().len() + 1,
            })
        );
        if let Some((_, fewer)) = range.hashes().split_last() {
            prop_assert!(CompactRange::from_parts(range.size(), fewer.to_vec()).is_err());
        }
    }

    #[test]
    fn memory_tree_serves_exactly_the_perfect_subtrees_inside_it(count in 1..300u64, seed in any::<u64>()) {
        let tree: MemoryTree = synthetic_leaf_hashes(seed, count).collect();
        for level in 0..10u8 {
            let inside = count >> level;
            for index in [0, inside.saturating_sub(1), inside, inside + 1] {
                let id = NodeId::new(level, index);
                let read = tree.read_nodes(&[id]);
                prop_assert_eq!(read.is_ok(), id.end_leaf() <= count, "{:?}", id);
            }
        }
    }
}
