//! Differential test against ct-merkle 0.3 (an independent RFC 6962 implementation that passes
//! the transparency-dev KATs): on random trees of up to 10,000 leaves, roots, inclusion proofs
//! and consistency proofs agree byte for byte, and each side's proofs pass the other's
//! verifier. Our tree is built larger than ct-merkle's, so ours answers for a historic size.

mod common;

use caretrail_ledger::{
    Hash, MemoryTree, consistency_proof, inclusion_proof, leaf_hash, root_at, verify_consistency,
    verify_inclusion,
};
use common::splitmix64;
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use proptest::prelude::*;
use sha2::Sha256;

fn leaf_data(seed: u64, count: u64) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let x = splitmix64(seed ^ i);
            // Varying lengths, including empty leaves.
            x.to_le_bytes()[..(x % 9) as usize].to_vec()
        })
        .collect()
}

fn flatten(proof: &[Hash]) -> Vec<u8> {
    proof.concat()
}

fn unflatten(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .map(|c| Hash::try_from(c).unwrap())
        .collect()
}

/// Compares both implementations on `size` leaves (ours holding `extra` more), for the
/// inclusion and consistency proofs that `picks` select.
fn check_against_ct_merkle(
    size: u64,
    extra: u64,
    seed: u64,
    picks: &[u64],
) -> Result<(), TestCaseError> {
    let data = leaf_data(seed, size + extra);
    let ours: MemoryTree = data.iter().map(|d| leaf_hash(d)).collect();
    let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
    for d in &data[..size as usize] {
        theirs.push(d.clone());
    }

    let their_root = theirs.root();
    let our_root = root_at(&ours, size).unwrap();
    prop_assert_eq!(their_root.as_bytes().as_slice(), our_root.as_slice());

    for &pick in &picks[..12] {
        let index = pick % size;
        let our_proof = inclusion_proof(&ours, index, size).unwrap();
        let their_proof = theirs.prove_inclusion(index as usize);
        prop_assert_eq!(
            their_proof.as_bytes().to_vec(),
            flatten(&our_proof),
            "leaf {}",
            index
        );

        let leaf = leaf_hash(&data[index as usize]);
        prop_assert_eq!(
            verify_inclusion(
                &leaf,
                index,
                size,
                &unflatten(their_proof.as_bytes()),
                &our_root
            ),
            Ok(())
        );
        let ours_for_them = InclusionProof::<Sha256>::try_from_bytes(flatten(&our_proof)).unwrap();
        prop_assert!(
            their_root
                .verify_inclusion(&data[index as usize], index, &ours_for_them)
                .is_ok()
        );
    }

    for &pick in &picks[12..] {
        let first = 1 + pick % size;
        let our_proof = consistency_proof(&ours, first, size).unwrap();
        let their_proof = theirs.prove_consistency((size - first) as usize);
        prop_assert_eq!(
            their_proof.as_bytes().to_vec(),
            flatten(&our_proof),
            "{} -> {}",
            first,
            size
        );

        let first_root = root_at(&ours, first).unwrap();
        prop_assert_eq!(
            verify_consistency(
                first,
                size,
                &first_root,
                &our_root,
                &unflatten(their_proof.as_bytes())
            ),
            Ok(())
        );
        let their_first_root = RootHash::<Sha256>::new(first_root.into(), first);
        let ours_for_them =
            ConsistencyProof::<Sha256>::try_from_bytes(flatten(&our_proof)).unwrap();
        prop_assert!(
            their_root
                .verify_consistency(&their_first_root, &ours_for_them)
                .is_ok()
        );
    }
    Ok(())
}

proptest! {
    // Each case builds two trees of up to 10,000 leaves; a few cases keep debug runs quick.
    #![proptest_config(ProptestConfig::with_cases(10))]

    #[test]
    fn roots_and_proofs_match_ct_merkle_byte_for_byte(
        size in 1..=10_000u64,
        extra in 0..500u64,
        seed in any::<u64>(),
        picks in prop::collection::vec(any::<u64>(), 24),
    ) {
        check_against_ct_merkle(size, extra, seed, &picks)?;
    }
}

#[test]
fn ten_thousand_leaf_tree_matches_ct_merkle_including_edges() {
    // The first and last leaves, and consistency from 1, from powers of two and from n - 1.
    let picks = [
        0, 9_999, 4_095, 4_096, 8_191, 5_000, 1, 2, 3, 7, 8_192, 9_998, 0, 9_999, 4_095, 1, 8_191,
        2_047, 9_998, 511, 63, 3, 9_000, 9_997,
    ];
    check_against_ct_merkle(10_000, 0, 7, &picks).unwrap();
    check_against_ct_merkle(10_000, 1_000, 8, &picks).unwrap();
}
