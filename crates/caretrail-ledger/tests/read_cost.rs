//! Proof generation cost: every proof and historic root reads O(log n) stored nodes
//! (at most `2 * ceil(log2 n) + 2`), in a single batched `read_nodes` call, and only asks for
//! perfect subtrees inside the tree. A synthetic reader fabricates node hashes from their ids,
//! so sizes up to 2^20 (and u64::MAX) need no real tree.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use caretrail_ledger::{
    Hash, NodeId, NodeReader, ProofError, consistency_proof, inclusion_proof, leaf_hash, root_at,
};
use common::splitmix64;

/// Fabricates a hash for any perfect subtree inside a tree of `size`, counting what is asked.
struct CountingReader {
    size: u64,
    calls: Cell<usize>,
    ids: Cell<usize>,
    refused: RefCell<Vec<NodeId>>,
}

#[derive(Debug, PartialEq)]
struct OutsideTree(NodeId);

impl CountingReader {
    fn new(size: u64) -> Self {
        Self {
            size,
            calls: Cell::new(0),
            ids: Cell::new(0),
            refused: RefCell::new(Vec::new()),
        }
    }

    fn reset(&self) {
        self.calls.set(0);
        self.ids.set(0);
    }
}

impl NodeReader for CountingReader {
    type Error = OutsideTree;

    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, OutsideTree> {
        self.calls.set(self.calls.get() + 1);
        self.ids.set(self.ids.get() + ids.len());
        let distinct: BTreeSet<_> = ids.iter().collect();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "a batch asks for a node twice: {ids:?}"
        );
        ids.iter()
            .map(|&id| {
                let inside =
                    id.level < 64 && id.end_leaf() <= self.size && id.end_leaf() > id.first_leaf();
                if !inside {
                    self.refused.borrow_mut().push(id);
                    return Err(OutsideTree(id));
                }
                let mut seed = [0u8; 9];
                seed[0] = id.level;
                seed[1..].copy_from_slice(&id.index.to_le_bytes());
                Ok(leaf_hash(&seed))
            })
            .collect()
    }
}

fn ceil_log2(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// The bound from the brief: `2 * ceil(log2 n) + 2` node reads.
fn bound(n: u64) -> usize {
    2 * ceil_log2(n) as usize + 2
}

fn sizes_up_to_2_pow_20() -> Vec<u64> {
    let mut sizes = vec![
        1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 100, 1000, 4095, 4096, 4097,
    ];
    sizes.extend([
        (1 << 19) + 1,
        (1 << 20) - 1,
        1 << 20,
        0b1010_1010_1010_1010_1010,
    ]);
    sizes.extend((0..40).map(|i| 1 + splitmix64(i) % (1 << 20)));
    sizes
}

fn picks(size: u64) -> Vec<u64> {
    let mut picks = vec![
        0,
        size - 1,
        size / 2,
        size.saturating_sub(2),
        (size - 1) & !1,
    ];
    picks.extend((0..16).map(|i| splitmix64(size ^ (i << 32)) % size));
    picks
}

/// Runs `f` against the reader and returns (ids read, calls made).
fn cost<T>(reader: &CountingReader, f: impl FnOnce(&CountingReader) -> T) -> (T, usize, usize) {
    reader.reset();
    let out = f(reader);
    (out, reader.ids.get(), reader.calls.get())
}

#[test]
fn inclusion_proofs_read_at_most_2_log_n_plus_2_nodes_in_one_batch() {
    for size in sizes_up_to_2_pow_20() {
        let reader = CountingReader::new(size);
        for index in picks(size) {
            let (proof, ids, calls) = cost(&reader, |r| inclusion_proof(r, index, size));
            let proof = proof.unwrap_or_else(|e| panic!("({index}, {size}): {e:?}"));
            assert!(ids <= bound(size), "({index}, {size}) read {ids} nodes");
            assert!(calls <= 1, "({index}, {size}) made {calls} calls");
            assert!(proof.len() <= ceil_log2(size) as usize);
        }
    }
}

#[test]
fn consistency_proofs_read_at_most_2_log_n_plus_2_nodes_in_one_batch() {
    for second in sizes_up_to_2_pow_20() {
        let reader = CountingReader::new(second);
        let mut firsts: Vec<u64> = picks(second).iter().map(|p| p + 1).collect();
        firsts.extend((0..21).map(|b| 1u64 << b).filter(|&f| f <= second));
        for first in firsts {
            let (proof, ids, calls) = cost(&reader, |r| consistency_proof(r, first, second));
            let proof = proof.unwrap_or_else(|e| panic!("{first} -> {second}: {e:?}"));
            assert!(ids <= bound(second), "{first} -> {second} read {ids} nodes");
            assert!(calls <= 1, "{first} -> {second} made {calls} calls");
            assert!(proof.len() <= bound(second));
        }
    }
}

#[test]
fn historic_roots_read_one_node_per_set_bit_in_one_batch() {
    for size in sizes_up_to_2_pow_20() {
        let reader = CountingReader::new(size);
        let (root, ids, calls) = cost(&reader, |r| root_at(r, size));
        assert!(root.is_ok());
        assert_eq!(ids, size.count_ones() as usize, "size {size}");
        assert_eq!(calls, 1);
    }
    let reader = CountingReader::new(0);
    let (root, ids, calls) = cost(&reader, |r| root_at(r, 0));
    assert_eq!(root, Ok(caretrail_ledger::EMPTY_ROOT));
    assert_eq!((ids, calls), (0, 0), "the empty tree reads nothing");
}

#[test]
fn every_small_proof_asks_only_for_perfect_subtrees_inside_the_tree() {
    for size in 1..=200u64 {
        let reader = CountingReader::new(size);
        for index in 0..size {
            let (proof, ids, _) = cost(&reader, |r| inclusion_proof(r, index, size));
            assert!(proof.is_ok() && ids <= bound(size), "({index}, {size})");
        }
        for first in 1..=size {
            let (proof, ids, _) = cost(&reader, |r| consistency_proof(r, first, size));
            assert!(proof.is_ok() && ids <= bound(size), "{first} -> {size}");
        }
        assert!(reader.refused.borrow().is_empty());
    }
}

#[test]
fn proofs_at_u64_max_stay_logarithmic_and_do_not_panic() {
    let size = u64::MAX;
    let reader = CountingReader::new(size);
    for index in [0, 1, size / 2, size - 2, size - 1, 1 << 63] {
        let (proof, ids, calls) = cost(&reader, |r| inclusion_proof(r, index, size));
        assert!(proof.is_ok(), "({index}, u64::MAX)");
        assert!(ids <= 2 * 64 + 2 && calls == 1);
    }
    for first in [1, 2, 3, size / 2, size - 1, size, 1 << 63] {
        let (proof, ids, calls) = cost(&reader, |r| consistency_proof(r, first, size));
        assert!(proof.is_ok(), "{first} -> u64::MAX");
        assert!(ids <= 2 * 64 + 2 && calls <= 1);
    }
    let (root, ids, _) = cost(&reader, |r| root_at(r, size));
    assert!(root.is_ok());
    assert_eq!(ids, 64);
}

#[test]
fn out_of_range_requests_are_refused_before_any_read() {
    let reader = CountingReader::new(10);
    type Outcome = Result<Vec<Hash>, ProofError<OutsideTree>>;
    let cases: Vec<(&str, Outcome, ProofError<OutsideTree>)> = vec![
        (
            "index = size",
            inclusion_proof(&reader, 10, 10),
            ProofError::IndexOutOfRange {
                index: 10,
                size: 10,
            },
        ),
        (
            "empty tree",
            inclusion_proof(&reader, 0, 0),
            ProofError::IndexOutOfRange { index: 0, size: 0 },
        ),
        (
            "index u64::MAX",
            inclusion_proof(&reader, u64::MAX, 10),
            ProofError::IndexOutOfRange {
                index: u64::MAX,
                size: 10,
            },
        ),
        (
            "first = 0",
            consistency_proof(&reader, 0, 10),
            ProofError::EmptyFirstTree,
        ),
        (
            "first > second",
            consistency_proof(&reader, 8, 6),
            ProofError::FirstLargerThanSecond {
                first: 8,
                second: 6,
            },
        ),
        (
            "first = u64::MAX",
            consistency_proof(&reader, u64::MAX, 10),
            ProofError::FirstLargerThanSecond {
                first: u64::MAX,
                second: 10,
            },
        ),
    ];
    for (desc, got, want) in cases {
        assert_eq!(got, Err(want), "{desc}");
    }
    assert_eq!(reader.calls.get(), 0);
}

#[test]
fn a_reader_returning_the_wrong_number_of_hashes_is_an_error_not_a_panic() {
    struct Short;
    impl NodeReader for Short {
        type Error = ();
        fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, ()> {
            Ok(vec![[0; 32]; ids.len().saturating_sub(1)])
        }
    }
    assert_eq!(
        inclusion_proof(&Short, 3, 7),
        Err(ProofError::WrongNodeCount { asked: 4, got: 3 })
    );
    assert!(matches!(
        consistency_proof(&Short, 3, 7),
        Err(ProofError::WrongNodeCount { .. })
    ));
    assert!(matches!(
        root_at(&Short, 7),
        Err(ProofError::WrongNodeCount { .. })
    ));
}
