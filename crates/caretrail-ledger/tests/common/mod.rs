//! The reference vectors of `/work/shared/reference/merkle-vectors.md` (transparency-dev/merkle
//! `testonly/constants.go` and `proofgen`, ct-merkle's KATs, and our RFC 9162 script's extras),
//! and helpers shared by the integration tests.
#![allow(dead_code)] // Each test binary uses a different part of this module.

use caretrail_ledger::{Hash, MemoryTree, leaf_hash};

/// Where a vector comes from. Upstream vectors win over computed ones if they ever disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// transparency-dev/merkle `proofgen` / `testdata/*/happy-path.json`.
    Upstream,
    /// ct-merkle's copy of the transparency-dev KATs.
    CtMerkle,
    /// Our RFC 9162 reference script ("Additional vectors computed by us").
    Computed,
}

#[derive(Clone, Copy, Debug)]
pub struct InclusionVector {
    pub index: u64,
    pub size: u64,
    pub source: Source,
    pub proof: &'static [&'static str],
}

#[derive(Clone, Copy, Debug)]
pub struct ConsistencyVector {
    pub first: u64,
    pub second: u64,
    pub source: Source,
    pub proof: &'static [&'static str],
}

/// `LeafInputs()`: hex-encoded raw leaf data; index 0 is the empty string.
pub const LEAF_DATA: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `NodeHashes()`: `NODES[level][index]`, level 0 being the leaf hashes.
pub const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// `RootHashes()`: `ROOTS[n]` is the root of the first n leaves.
pub const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `CompactTrees()`: the (level, index) nodes of the compact range of each size 1..=8.
pub const COMPACT_RANGES: [&[(u8, u64)]; 8] = [
    &[(0, 0)],
    &[(1, 0)],
    &[(1, 0), (0, 2)],
    &[(2, 0)],
    &[(2, 0), (0, 4)],
    &[(2, 0), (1, 2)],
    &[(2, 0), (1, 2), (0, 6)],
    &[(3, 0)],
];

/// `H(0x01 || L1[2] || L0[6])`: the right edge [4, 7) of the size-7 tree, which no stored
/// perfect subtree holds.
pub const RIGHT_EDGE_OF_SIZE_7: &str =
    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e";

pub fn h(hex: &str) -> Hash {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(hex, &mut hash).expect("test vectors are 64 hex digits");
    hash
}

pub fn hashes(hexes: &[&str]) -> Vec<Hash> {
    hexes.iter().map(|x| h(x)).collect()
}

pub fn node(level: usize, index: usize) -> Hash {
    h(NODES[level][index])
}

pub fn root(size: usize) -> Hash {
    h(ROOTS[size])
}

pub fn leaf_hashes() -> Vec<Hash> {
    LEAF_DATA
        .iter()
        .map(|d| leaf_hash(&hex::decode(d).expect("leaf data is hex")))
        .collect()
}

/// The reference tree: all 8 leaves, so every smaller size is a historic one.
pub fn tree8() -> MemoryTree {
    leaf_hashes().into_iter().collect()
}

/// A tree of exactly `size` reference leaves.
pub fn tree_of(size: usize) -> MemoryTree {
    leaf_hashes().into_iter().take(size).collect()
}

/// Deterministic pseudo-random leaf hashes for larger trees (splitmix64 over the position).
pub fn synthetic_leaf_hashes(seed: u64, count: u64) -> impl Iterator<Item = Hash> {
    (0..count)
        .map(move |i| leaf_hash(&splitmix64(seed ^ i.wrapping_mul(0x9e37_79b9)).to_le_bytes()))
}

pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Inclusion proof vectors: (leaf index, tree size, proof, source).
pub const INCLUSION: &[InclusionVector] = &[
    InclusionVector {
        index: 0,
        size: 1,
        source: Source::Upstream,
        proof: &[],
    },
    InclusionVector {
        index: 0,
        size: 8,
        source: Source::Upstream,
        proof: &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    },
    InclusionVector {
        index: 5,
        size: 8,
        source: Source::Upstream,
        proof: &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
    InclusionVector {
        index: 2,
        size: 3,
        source: Source::Upstream,
        proof: &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    },
    InclusionVector {
        index: 1,
        size: 5,
        source: Source::Upstream,
        proof: &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    },
    InclusionVector {
        index: 0,
        size: 2,
        source: Source::CtMerkle,
        proof: &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    },
    InclusionVector {
        index: 1,
        size: 2,
        source: Source::CtMerkle,
        proof: &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    },
    InclusionVector {
        index: 0,
        size: 7,
        source: Source::Computed,
        proof: &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
        ],
    },
    InclusionVector {
        index: 1,
        size: 7,
        source: Source::Computed,
        proof: &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
        ],
    },
    InclusionVector {
        index: 2,
        size: 7,
        source: Source::Computed,
        proof: &[
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
        ],
    },
    InclusionVector {
        index: 3,
        size: 7,
        source: Source::Computed,
        proof: &[
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
        ],
    },
    InclusionVector {
        index: 4,
        size: 7,
        source: Source::Computed,
        proof: &[
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
    InclusionVector {
        index: 5,
        size: 7,
        source: Source::Computed,
        proof: &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
    InclusionVector {
        index: 6,
        size: 7,
        source: Source::Computed,
        proof: &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
];

/// Consistency proof vectors: (first size, second size, proof, source).
pub const CONSISTENCY: &[ConsistencyVector] = &[
    ConsistencyVector {
        first: 1,
        second: 1,
        source: Source::Upstream,
        proof: &[],
    },
    ConsistencyVector {
        first: 1,
        second: 8,
        source: Source::Upstream,
        proof: &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    },
    ConsistencyVector {
        first: 6,
        second: 8,
        source: Source::Upstream,
        proof: &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
    ConsistencyVector {
        first: 2,
        second: 5,
        source: Source::Upstream,
        proof: &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    },
    ConsistencyVector {
        first: 6,
        second: 7,
        source: Source::Upstream,
        proof: &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
    ConsistencyVector {
        first: 2,
        second: 8,
        source: Source::Computed,
        proof: &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    },
    ConsistencyVector {
        first: 3,
        second: 8,
        source: Source::Computed,
        proof: &[
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    },
    ConsistencyVector {
        first: 4,
        second: 8,
        source: Source::Computed,
        proof: &["6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    },
    ConsistencyVector {
        first: 5,
        second: 8,
        source: Source::Computed,
        proof: &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
    ConsistencyVector {
        first: 7,
        second: 8,
        source: Source::Computed,
        proof: &[
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    },
];

/// The left/right steps RFC 9162 §2.1.3.2 takes to check a proof of `len` hashes for leaf
/// `index` of a tree of `size` (`true`: the proof hash is the left child), or `None` when the
/// sizes refuse that length. Verification depends on (index, size) only through this shape,
/// so two claims with the same shape verify the same proof against the same root: a proof does
/// not bind the tree size; the signed root does.
pub fn inclusion_shape(index: u64, size: u64, len: usize) -> Option<Vec<bool>> {
    if index >= size {
        return None;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut steps = Vec::with_capacity(len);
    for _ in 0..len {
        if s == 0 {
            return None;
        }
        let left = f & 1 == 1 || f == s;
        if left && f & 1 == 0 {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        steps.push(left);
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(steps)
}

/// The same for RFC 9162 §2.1.4.2: whether the first root seeds the computation, and for each
/// remaining proof hash whether it updates both roots (`true`) or only the second.
/// Equal sizes have the shape `(true, [])` with an empty proof.
pub fn consistency_shape(first: u64, second: u64, len: usize) -> Option<(bool, Vec<bool>)> {
    if first == 0 || first > second {
        return None;
    }
    if first == second {
        return (len == 0).then(|| (true, Vec::new()));
    }
    if len == 0 {
        return None;
    }
    let seeded = first.is_power_of_two();
    let rest = if seeded { len } else { len - 1 };
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut steps = Vec::with_capacity(rest);
    for _ in 0..rest {
        if s == 0 {
            return None;
        }
        let both = f & 1 == 1 || f == s;
        if both && f & 1 == 0 {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        steps.push(both);
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some((seeded, steps))
}

/// The 8 reference leaves followed by synthetic ones, so roots of sizes past 8 exist for
/// checking mutated sizes against their real roots.
pub fn extended_reference_tree(size: u64) -> MemoryTree {
    leaf_hashes()
        .into_iter()
        .chain(synthetic_leaf_hashes(8, size.saturating_sub(8)))
        .collect()
}
