//! Small helpers over the seeded generator. Every draw of the population goes through these, so
//! that only platform-stable sampling is used (no `usize` ranges, no hash maps).

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The one generator type of the crate: ChaCha20 gives the same stream on every platform.
pub(crate) type Prng = ChaCha20Rng;

pub(crate) fn seeded(seed: u64) -> Prng {
    Prng::seed_from_u64(seed)
}

/// 16 random bytes for `XxxId::from_random_bytes`.
pub(crate) fn id_bytes(rng: &mut Prng) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    bytes
}

pub(crate) fn next_u64(rng: &mut Prng) -> u64 {
    rng.next_u64()
}

/// True with probability `p` (clamped to 0..=1, so a model that overshoots cannot panic).
pub(crate) fn chance(rng: &mut Prng, p: f64) -> bool {
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
    rng.random_bool(p)
}

/// Uniform on [0, 1).
pub(crate) fn unit(rng: &mut Prng) -> f64 {
    rng.random::<f64>()
}

/// Uniform on [lo, hi).
pub(crate) fn uniform(rng: &mut Prng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

/// Uniform integer in lo..=hi.
pub(crate) fn int(rng: &mut Prng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..=hi)
    }
}

/// Standard normal draw (Box–Muller), written out so it does not depend on `rand_distr`.
pub(crate) fn normal(rng: &mut Prng) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1]
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniformly chosen index below `len` (`len` > 0).
pub(crate) fn index(rng: &mut Prng, len: usize) -> usize {
    debug_assert!(len > 0);
    let len = u64::try_from(len).unwrap_or(u64::MAX).max(1);
    usize::try_from(rng.random_range(0..len)).unwrap_or(0)
}

pub(crate) fn pick<'a, T>(rng: &mut Prng, items: &'a [T]) -> &'a T {
    &items[index(rng, items.len())]
}

/// An index drawn with the given non-negative weights.
pub(crate) fn weighted(rng: &mut Prng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = unit(rng) * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// `k` distinct indices below `len`, in draw order.
pub(crate) fn distinct(rng: &mut Prng, len: usize, k: usize) -> Vec<usize> {
    let k = k.min(len);
    let mut out = Vec::with_capacity(k);
    while out.len() < k {
        let i = index(rng, len);
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}
