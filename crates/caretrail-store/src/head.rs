//! The signed-head rule (see [`SignedHead`]).

use caretrail_ledger::Hash;

use crate::{CheckpointSigner, Result, StoreError};

/// The signed-head rule, checked by every backend before it extends the log: the tree as
/// stored (its `size` and the `root` of its right edge) must be exactly what the latest stored
/// checkpoint signs. Leaves added or changed without the log's key, or checkpoints deleted or
/// altered, leave a head that nobody signed; nothing is appended over it, so a forgery is
/// never made permanent by a later honest signature.
///
/// The last head this process verified is remembered, so the common path compares bytes
/// instead of checking a signature.
#[derive(Debug, Default)]
pub struct SignedHead {
    verified: std::sync::Mutex<Option<(u64, Hash, String)>>,
}

impl SignedHead {
    /// Checks the head (`latest`: the stored checkpoint of the largest size, with its note).
    pub fn check(
        &self,
        signer: &dyn CheckpointSigner,
        size: u64,
        root: &Hash,
        latest: Option<(u64, String)>,
    ) -> Result<()> {
        let unsigned = |signed: u64| StoreError::UnsignedHead {
            stored: size,
            signed,
        };
        let Some((signed, note)) = latest else {
            return if size == 0 { Ok(()) } else { Err(unsigned(0)) };
        };
        if signed != size {
            return Err(unsigned(signed));
        }
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((s, r, n)) = verified.as_ref()
            && *s == size
            && r == root
            && *n == note
        {
            return Ok(());
        }
        if signer.signed(&note) != Some((size, *root)) {
            return Err(unsigned(signed));
        }
        *verified = Some((size, *root, note));
        Ok(())
    }

    /// Remembers the head a committed batch signed.
    pub fn committed(&self, size: u64, root: &Hash, note: &str) {
        *self.verified.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((size, *root, note.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::PlainSigner;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the signatures it is asked to check.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl CheckpointSigner for Counting {
        fn sign(&self, size: u64, root: &Hash) -> String {
            PlainSigner.sign(size, root)
        }
        fn signed(&self, note: &str) -> Option<(u64, Hash)> {
            self.0.fetch_add(1, Ordering::Relaxed);
            PlainSigner.signed(note)
        }
    }

    const ROOT: Hash = [7; 32];

    #[test]
    fn only_a_head_its_latest_checkpoint_signs_may_be_extended() {
        let s = Counting::default();
        let head = SignedHead::default();
        let note = |size, root| Some((size, PlainSigner.sign(size, root)));
        assert!(head.check(&s, 0, &[0; 32], None).is_ok(), "an empty log");
        assert!(head.check(&s, 5, &ROOT, note(5, &ROOT)).is_ok());
        let unsigned = |r: Result<()>| match r {
            Err(StoreError::UnsignedHead { stored, signed }) => Some((stored, signed)),
            _ => None,
        };
        // Leaves with no checkpoint at all, leaves past the latest checkpoint, a tree that is
        // not the one signed, and a note that does not verify.
        assert_eq!(unsigned(head.check(&s, 5, &ROOT, None)), Some((5, 0)));
        assert_eq!(
            unsigned(head.check(&s, 6, &ROOT, note(5, &ROOT))),
            Some((6, 5))
        );
        assert_eq!(
            unsigned(head.check(&s, 5, &[8; 32], note(5, &ROOT))),
            Some((5, 5))
        );
        let forged = Some((5, format!("x{}", PlainSigner.sign(5, &ROOT))));
        assert_eq!(unsigned(head.check(&s, 5, &ROOT, forged)), Some((5, 5)));
    }

    #[test]
    fn a_head_verified_or_signed_here_is_not_checked_again_until_it_changes() {
        let s = Counting::default();
        let head = SignedHead::default();
        let note = PlainSigner.sign(5, &ROOT);
        head.check(&s, 5, &ROOT, Some((5, note.clone()))).unwrap();
        head.check(&s, 5, &ROOT, Some((5, note.clone()))).unwrap();
        assert_eq!(
            s.0.load(Ordering::Relaxed),
            1,
            "the second check compared bytes"
        );
        // After a commit, the new head is known without a signature check.
        let next = PlainSigner.sign(9, &[9; 32]);
        head.committed(9, &[9; 32], &next);
        head.check(&s, 9, &[9; 32], Some((9, next))).unwrap();
        assert_eq!(s.0.load(Ordering::Relaxed), 1);
        // A different note for the same head is checked (and here refused).
        let other = Some((9, format!("x{}", PlainSigner.sign(9, &[9; 32]))));
        assert!(head.check(&s, 9, &[9; 32], other).is_err());
        assert_eq!(s.0.load(Ordering::Relaxed), 2);
    }
}
