//! Proof verification, step for step as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
//! (consistency). These run on the offline verifier's hot path: no allocation, one
//! [`node_hash`] per proof element (two for consistency), and no panics on any input.
//!
//! A proof binds its position through the index arithmetic, but, as in every RFC 9162
//! verifier, it does not fully bind the tree size: a proof may also verify for another size
//! whose path takes the same left/right steps, against the same root. The root a verifier
//! checks against must therefore come with its size from a signed checkpoint, never from the
//! party that supplied the proof.

use crate::error::VerifyError;
use crate::hash::{Hash, node_hash};

/// Checks that `leaf_hash` is the leaf at `index` in the tree of `size` whose root is `root`,
/// given the audit path `proof` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    // Step 1.
    if index >= size {
        return Err(VerifyError::IndexOutOfRange { index, size });
    }
    // Steps 2 and 3. `size >= 1` here.
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf_hash;
    // Step 4.
    for p in proof {
        // 4a.
        if snode == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        // 4b.
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // 4c.
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    if snode != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    if r != *root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of size `first` with root `first_root` is a prefix of the tree of size
/// `second` with root `second_root`, given the consistency proof `proof`
/// (RFC 9162 §2.1.4.2).
///
/// Requires `0 < first <= second`. Equal sizes are consistent exactly when the roots are equal
/// and the proof is empty.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if first == 0 {
        return Err(VerifyError::EmptyFirstTree);
    }
    if first > second {
        return Err(VerifyError::FirstLargerThanSecond { first, second });
    }
    if first == second {
        if !proof.is_empty() {
            return Err(VerifyError::ProofNotEmpty);
        }
        if first_root != second_root {
            return Err(VerifyError::SecondRootMismatch);
        }
        return Ok(());
    }
    // Step 1.
    let Some((head, tail)) = proof.split_first() else {
        return Err(VerifyError::EmptyProof);
    };
    // Step 2: when first is an exact power of two, first_hash is prepended to the path. The
    // path's first value is only the starting point, so it is taken as the seed, not copied in.
    let (seed, rest) = if first.is_power_of_two() {
        (first_root, proof)
    } else {
        (head, tail)
    };
    // Step 3. `first >= 1` and `second > first` here.
    let mut fnode = first - 1;
    let mut snode = second - 1;
    // Step 4.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    let mut fr = *seed;
    let mut sr = *seed;
    // Step 6.
    for c in rest {
        // 6a.
        if snode == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        // 6b.
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // 6c.
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    if fr != *first_root {
        return Err(VerifyError::FirstRootMismatch);
    }
    if sr != *second_root {
        return Err(VerifyError::SecondRootMismatch);
    }
    Ok(())
}
