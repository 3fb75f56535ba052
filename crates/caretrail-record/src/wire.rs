//! JSON shapes of the ledger and write contracts (DESIGN §4), shared by CLI and HTTP.

use serde::{Deserialize, Serialize};

/// The answer to every write: `{"entry_id","leaf_index","checkpoint"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub entry_id: String,
    pub leaf_index: u64,
    /// The signed note of a checkpoint whose tree includes the leaf.
    pub checkpoint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafJson {
    pub index: u64,
    pub leaf: String,
    pub leaf_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionJson {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root_hash: String,
    pub path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyJson {
    pub first: u64,
    pub second: u64,
    pub first_root: String,
    pub second_root: String,
    pub path: Vec<String>,
}
