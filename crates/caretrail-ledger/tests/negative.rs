//! The negative corpus: every mutation class of transparency-dev's `testdata/inclusion` and
//! `testdata/consistency` probes (bit flips in proof elements; index or size off by ±1, ×2, ÷2
//! or XOR'd; truncated, prepended or appended proof components; wrong, swapped or empty roots;
//! `size1 = 0` and `size1 > size2`), generated from the happy-path vectors. Every mutated proof
//! must fail to verify; the one kind of mutation RFC 9162 cannot see, another tree size whose
//! path takes the same steps, must fail against that size's real root (see
//! [`assert_only_size_aliases`]).

mod common;

use caretrail_ledger::{
    EMPTY_ROOT, Hash, VerifyError, leaf_hash, root_at, verify_consistency, verify_inclusion,
};
use common::{
    CONSISTENCY, ConsistencyVector, INCLUSION, InclusionVector, consistency_shape,
    extended_reference_tree, hashes, inclusion_shape, node, root,
};

/// Stand-ins for upstream's `[]byte("WrongLeaf")`, `sha256SomeHash` and empty garbage.
fn some_hash() -> Hash {
    leaf_hash(b"some other hash")
}
const ZERO: Hash = [0; 32];

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

#[derive(Clone, Debug, PartialEq)]
struct InclusionProbe {
    leaf: Hash,
    index: u64,
    size: u64,
    proof: Vec<Hash>,
    root: Hash,
}

impl InclusionProbe {
    fn from_vector(v: &InclusionVector) -> Self {
        Self {
            leaf: node(0, v.index as usize),
            index: v.index,
            size: v.size,
            proof: hashes(v.proof),
            root: root(v.size as usize),
        }
    }

    fn verify(&self) -> Result<(), VerifyError> {
        verify_inclusion(&self.leaf, self.index, self.size, &self.proof, &self.root)
    }

    /// Every mutation class, labelled. Mutations that happen to leave the probe unchanged
    /// (e.g. swapping equal elements) are dropped by the caller.
    fn mutations(&self) -> Vec<(String, Self)> {
        let mut out: Vec<(String, Self)> = Vec::new();
        let mut add = |desc: String, f: &dyn Fn(&mut Self)| {
            let mut p = self.clone();
            f(&mut p);
            out.push((desc, p));
        };
        // Wrong leaf index.
        add("index - 1".into(), &|p| p.index = p.index.wrapping_sub(1));
        add("index + 1".into(), &|p| p.index += 1);
        add("index * 2".into(), &|p| {
            p.index = p.index * 2 + u64::from(p.index == 0)
        });
        add("index / 2".into(), &|p| p.index /= 2);
        add("index ^ 1".into(), &|p| p.index ^= 1);
        add("index ^ 2".into(), &|p| p.index ^= 2);
        add("index = size".into(), &|p| p.index = p.size);
        add("index = u64::MAX".into(), &|p| p.index = u64::MAX);
        // Wrong tree size.
        add("size - 1".into(), &|p| p.size -= 1);
        add("size + 1".into(), &|p| p.size += 1);
        add("size * 2".into(), &|p| p.size *= 2);
        add("size / 2".into(), &|p| p.size /= 2);
        add("size ^ 1".into(), &|p| p.size ^= 1);
        add("size ^ 2".into(), &|p| p.size ^= 2);
        add("size = 0".into(), &|p| p.size = 0);
        add("size = u64::MAX".into(), &|p| p.size = u64::MAX);
        // Wrong leaf or root.
        add("wrong leaf".into(), &|p| p.leaf = leaf_hash(b"WrongLeaf"));
        add("empty root".into(), &|p| p.root = EMPTY_ROOT);
        add("random root".into(), &|p| p.root = some_hash());
        add("leaf and root swapped".into(), &|p| {
            std::mem::swap(&mut p.leaf, &mut p.root)
        });
        for bit in 0..256 {
            add(format!("leaf bit {bit}"), &|p| p.leaf = flip(&p.leaf, bit));
            add(format!("root bit {bit}"), &|p| p.root = flip(&p.root, bit));
        }
        // Garbage at the end or the front.
        add("trailing zero hash".into(), &|p| p.proof.push(ZERO));
        add("trailing root".into(), &|p| p.proof.push(p.root));
        add("trailing leaf".into(), &|p| p.proof.push(p.leaf));
        add("preceding zero hash".into(), &|p| p.proof.insert(0, ZERO));
        add("preceding root".into(), &|p| p.proof.insert(0, p.root));
        add("preceding leaf".into(), &|p| p.proof.insert(0, p.leaf));
        let len = self.proof.len();
        if len > 0 {
            add("removed last component".into(), &|p| {
                p.proof.pop();
            });
            add("removed first component".into(), &|p| {
                p.proof.remove(0);
            });
            add("inserted component".into(), &|p| {
                p.proof.insert(1, some_hash())
            });
            add("empty proof".into(), &|p| p.proof.clear());
        }
        for i in 0..len {
            for bit in 0..256 {
                add(format!("proof[{i}] bit {bit}"), &|p| {
                    p.proof[i] = flip(&p.proof[i], bit)
                });
            }
            add(format!("proof[{i}] duplicated"), &|p| {
                p.proof.insert(i, p.proof[i])
            });
            if i + 1 < len {
                add(format!("proof[{i}] and proof[{}] swapped", i + 1), &|p| {
                    p.proof.swap(i, i + 1)
                });
            }
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
struct ConsistencyProbe {
    first: u64,
    second: u64,
    first_root: Hash,
    second_root: Hash,
    proof: Vec<Hash>,
}

impl ConsistencyProbe {
    fn from_vector(v: &ConsistencyVector) -> Self {
        Self {
            first: v.first,
            second: v.second,
            first_root: root(v.first as usize),
            second_root: root(v.second as usize),
            proof: hashes(v.proof),
        }
    }

    fn verify(&self) -> Result<(), VerifyError> {
        verify_consistency(
            self.first,
            self.second,
            &self.first_root,
            &self.second_root,
            &self.proof,
        )
    }

    fn mutations(&self) -> Vec<(String, Self)> {
        let mut out: Vec<(String, Self)> = Vec::new();
        let mut add = |desc: String, f: &dyn Fn(&mut Self)| {
            let mut p = self.clone();
            f(&mut p);
            out.push((desc, p));
        };
        // Wrong first size, including size1 = 0 and size1 > size2.
        add("size1 - 1".into(), &|p| p.first -= 1);
        add("size1 + 1".into(), &|p| p.first += 1);
        add("size1 * 2".into(), &|p| p.first *= 2);
        add("size1 / 2".into(), &|p| p.first /= 2);
        add("size1 ^ 1".into(), &|p| p.first ^= 1);
        add("size1 ^ 2".into(), &|p| p.first ^= 2);
        add("size1 = 0".into(), &|p| p.first = 0);
        add("size1 = size2 + 1".into(), &|p| p.first = p.second + 1);
        add("sizes swapped".into(), &|p| {
            std::mem::swap(&mut p.first, &mut p.second)
        });
        // Wrong second size.
        add("size2 - 1".into(), &|p| p.second -= 1);
        add("size2 + 1".into(), &|p| p.second += 1);
        add("size2 * 2".into(), &|p| p.second *= 2);
        add("size2 / 2".into(), &|p| p.second /= 2);
        add("size2 ^ 1".into(), &|p| p.second ^= 1);
        add("size2 ^ 2".into(), &|p| p.second ^= 2);
        add("size2 = u64::MAX".into(), &|p| p.second = u64::MAX);
        // Wrong, swapped or empty roots.
        add("wrong root1".into(), &|p| p.first_root = some_hash());
        add("wrong root2".into(), &|p| p.second_root = some_hash());
        add("swapped roots".into(), &|p| {
            std::mem::swap(&mut p.first_root, &mut p.second_root)
        });
        add("empty root1".into(), &|p| p.first_root = EMPTY_ROOT);
        add("empty root2".into(), &|p| p.second_root = EMPTY_ROOT);
        add("both roots empty".into(), &|p| {
            p.first_root = EMPTY_ROOT;
            p.second_root = EMPTY_ROOT;
        });
        for bit in 0..256 {
            add(format!("root1 bit {bit}"), &|p| {
                p.first_root = flip(&p.first_root, bit)
            });
            add(format!("root2 bit {bit}"), &|p| {
                p.second_root = flip(&p.second_root, bit)
            });
        }
        // Empty proof, garbage at the end or the front.
        add("empty proof".into(), &|p| p.proof.clear());
        add("trailing zero hash".into(), &|p| p.proof.push(ZERO));
        add("trailing root1".into(), &|p| p.proof.push(p.first_root));
        add("trailing root2".into(), &|p| p.proof.push(p.second_root));
        add("preceding zero hash".into(), &|p| p.proof.insert(0, ZERO));
        add("preceding root1".into(), &|p| {
            p.proof.insert(0, p.first_root)
        });
        add("preceding root2".into(), &|p| {
            p.proof.insert(0, p.second_root)
        });
        let len = self.proof.len();
        if len > 0 {
            add("preceding proof[0]".into(), &|p| {
                p.proof.insert(0, p.proof[0])
            });
            add("truncated proof".into(), &|p| {
                p.proof.pop();
            });
            add("removed first component".into(), &|p| {
                p.proof.remove(0);
            });
            add("inserted component".into(), &|p| {
                p.proof.insert(1, some_hash())
            });
        }
        for i in 0..len {
            for bit in 0..256 {
                add(format!("proof[{i}] bit {bit}"), &|p| {
                    p.proof[i] = flip(&p.proof[i], bit)
                });
            }
            if i + 1 < len {
                add(format!("proof[{i}] and proof[{}] swapped", i + 1), &|p| {
                    p.proof.swap(i, i + 1)
                });
            }
        }
        out
    }
}

/// RFC 9162 verification does not bind the tree size: a proof also verifies, against the same
/// root, for any other size whose path takes the same steps (e.g. leaf 0 of size 8 as size 7).
/// Such a size mutation is an alias, not a forgery: the verifier's root comes with its size in
/// a signed checkpoint, and against the real root of the aliased size the proof fails. These
/// arise only from size ±1 and XOR mutations, never from upstream's ×2 / ÷2 probes or from any
/// index, leaf, root or proof mutation.
fn assert_only_size_aliases(aliases: &[String]) {
    for desc in aliases {
        assert!(
            desc.contains("size") && !desc.contains('*') && !desc.contains('/'),
            "unexpected alias: {desc}"
        );
    }
}

#[test]
fn every_mutated_inclusion_probe_fails() {
    let extended = extended_reference_tree(64);
    let mut checked = 0;
    let mut aliases = Vec::new();
    for v in INCLUSION {
        let original = InclusionProbe::from_vector(v);
        original.verify().expect("happy path verifies");
        let shape = inclusion_shape(v.index, v.size, original.proof.len());
        for (desc, probe) in original.mutations() {
            if probe == original {
                continue;
            }
            checked += 1;
            let only_size_changed = InclusionProbe {
                size: original.size,
                ..probe.clone()
            } == original;
            if only_size_changed
                && inclusion_shape(probe.index, probe.size, probe.proof.len()) == shape
            {
                let real_root = root_at(&extended, probe.size).unwrap();
                assert_ne!(real_root, original.root);
                let honest = InclusionProbe {
                    root: real_root,
                    ..probe
                };
                assert!(
                    honest.verify().is_err(),
                    "{v:?} {desc} verifies against the real root"
                );
                aliases.push(format!("({}, {}) {desc}", v.index, v.size));
                continue;
            }
            assert!(
                probe.verify().is_err(),
                "{v:?} mutated by {desc} still verifies"
            );
        }
    }
    assert!(checked > 10_000, "only {checked} probes");
    assert_only_size_aliases(&aliases);
    assert_eq!(aliases.len(), 22, "{aliases:#?}");
}

#[test]
fn every_mutated_consistency_probe_fails() {
    let extended = extended_reference_tree(64);
    let mut checked = 0;
    let mut aliases = Vec::new();
    for v in CONSISTENCY {
        let original = ConsistencyProbe::from_vector(v);
        original.verify().expect("happy path verifies");
        let shape = consistency_shape(v.first, v.second, original.proof.len());
        for (desc, probe) in original.mutations() {
            if probe == original {
                continue;
            }
            // "A tree of size m with root R is consistent with itself" holds for every R: with
            // equal sizes, equal roots and no proof, a mutation states nothing false.
            if probe.first == probe.second
                && probe.proof.is_empty()
                && probe.first_root == probe.second_root
            {
                continue;
            }
            checked += 1;
            let only_second_changed = ConsistencyProbe {
                second: original.second,
                ..probe.clone()
            } == original;
            if only_second_changed
                && consistency_shape(probe.first, probe.second, probe.proof.len()) == shape
            {
                let real_root = root_at(&extended, probe.second).unwrap();
                assert_ne!(real_root, original.second_root);
                let honest = ConsistencyProbe {
                    second_root: real_root,
                    ..probe
                };
                assert!(
                    honest.verify().is_err(),
                    "{v:?} {desc} verifies against the real root"
                );
                aliases.push(format!("{}->{} {desc}", v.first, v.second));
                continue;
            }
            assert!(
                probe.verify().is_err(),
                "{v:?} mutated by {desc} still verifies"
            );
        }
    }
    assert!(checked > 10_000, "only {checked} probes");
    assert_only_size_aliases(&aliases);
    assert_eq!(aliases.len(), 9, "{aliases:#?}");
}

#[test]
fn a_proof_binds_the_size_only_through_the_signed_root() {
    // Leaf 0's proof in the size-8 tree takes the same three right-hand steps as in size 7,
    // so it verifies against root 8 for either claimed size; against the real size-7 root, it
    // fails. This is why roots are only trusted with their size from a signed checkpoint.
    let v = INCLUSION
        .iter()
        .find(|v| (v.index, v.size) == (0, 8))
        .unwrap();
    let proof = hashes(v.proof);
    let leaf = node(0, 0);
    assert_eq!(verify_inclusion(&leaf, 0, 7, &proof, &root(8)), Ok(()));
    assert_eq!(
        verify_inclusion(&leaf, 0, 7, &proof, &root(7)),
        Err(VerifyError::RootMismatch)
    );
}

#[test]
fn consistency_6_to_8_replayed_with_size2_16_fails() {
    // transparency-dev testdata/consistency/2/size2-mul-@2.json.
    let v = CONSISTENCY
        .iter()
        .find(|v| (v.first, v.second) == (6, 8))
        .unwrap();
    let probe = ConsistencyProbe {
        second: 16,
        ..ConsistencyProbe::from_vector(v)
    };
    assert_eq!(probe.verify(), Err(VerifyError::ProofTooShort));
}

#[test]
fn size_errors_name_the_rfc_precondition() {
    let r = root(1);
    assert_eq!(
        verify_consistency(0, 8, &r, &root(8), &[]),
        Err(VerifyError::EmptyFirstTree)
    );
    assert_eq!(
        verify_consistency(8, 6, &root(8), &root(6), &[r]),
        Err(VerifyError::FirstLargerThanSecond {
            first: 8,
            second: 6
        })
    );
    assert_eq!(
        verify_inclusion(&r, 0, 0, &[], &EMPTY_ROOT),
        Err(VerifyError::IndexOutOfRange { index: 0, size: 0 })
    );
    assert_eq!(
        verify_consistency(3, 3, &root(3), &root(3), &[r]),
        Err(VerifyError::ProofNotEmpty)
    );
    assert_eq!(
        verify_consistency(3, 5, &root(3), &root(5), &[]),
        Err(VerifyError::EmptyProof)
    );
    assert_eq!(
        verify_consistency(4, 5, &root(4), &root(5), &[]),
        Err(VerifyError::EmptyProof)
    );
}

#[test]
fn extreme_sizes_and_long_proofs_fail_without_panicking() {
    let r = root(1);
    let long = vec![r; 1000];
    for (index, size) in [(0, u64::MAX), (u64::MAX - 1, u64::MAX), (1 << 63, u64::MAX)] {
        assert!(verify_inclusion(&r, index, size, &long, &r).is_err());
        assert!(verify_inclusion(&r, index, size, &[], &r).is_err());
    }
    for (first, second) in [(1, u64::MAX), (u64::MAX - 1, u64::MAX), (1 << 63, u64::MAX)] {
        assert!(verify_consistency(first, second, &r, &r, &long).is_err());
        assert!(verify_consistency(first, second, &r, &r, &[r]).is_err());
    }
    assert_eq!(
        verify_consistency(u64::MAX, u64::MAX, &r, &r, &[]),
        Ok(()),
        "equal sizes with equal roots and no proof are consistent"
    );
}
