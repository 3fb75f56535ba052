//! Sign-in throttling that a stranger cannot turn against the account's owner.
//!
//! Each sign-in attempt is admitted or refused *before* its password is checked, under one lock,
//! so guesses sent in parallel are counted like guesses sent one after another: an attempt still
//! in flight counts as a failure until it is known to have succeeded.
//!
//! Two counters apply to an attempt:
//! - **the source address** (an IPv6 address by its /64, where one host usually has many), for
//!   every attempt from it, whichever account it names;
//! - **the account**, for attempts from addresses that are not the account's *usual* ones. An
//!   address becomes usual for an account when a sign-in to it succeeds from there.
//!
//! A counter lets `free_attempts` failures through at once; after that each attempt must wait a
//! delay that doubles from one second up to `max_delay`, counted from the last attempt. Nothing is
//! ever locked outright, and the owner signing in from their usual address is not held back by a
//! stranger's failures elsewhere: only their own address's counter applies. A counter left alone
//! for a day is forgotten, as is a usual address not used for 90 days.
//!
//! Memory is bounded: the tracker holds at most `capacity` counters and `capacity` usual
//! addresses, each keyed by 16 bytes of a salted SHA-256 (the salt is random per process), never
//! by the name typed, which may be personal data or a password typed into the wrong box. When
//! full, counters that hold nothing back go first, then the longest unused.
//!
//! State is in memory, per process: a restart forgets it, which errs towards letting people in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Counters kept at most (each map), unless configured otherwise.
pub const DEFAULT_CAPACITY: usize = 50_000;
/// How long a counter with no new attempt is kept.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// How long an address stays usual for an account without a sign-in from it.
const USUAL_FOR: Duration = Duration::from_secs(90 * 24 * 60 * 60);
/// The first delay once the free attempts are used up; each failure after doubles it.
const FIRST_DELAY: Duration = Duration::from_secs(1);

type Key = [u8; 16];

#[derive(Debug, Clone, Copy)]
struct Counter {
    /// Attempts that failed.
    failures: u32,
    /// Attempts admitted whose outcome is not known yet.
    pending: u32,
    /// When the last attempt was admitted or failed.
    last: Instant,
}

impl Counter {
    fn new(now: Instant) -> Self {
        Counter {
            failures: 0,
            pending: 0,
            last: now,
        }
    }
}

#[derive(Debug, Default)]
struct Tracker {
    counters: HashMap<Key, Counter>,
    usual: HashMap<Key, Instant>,
}

/// The sign-in throttle (see the module documentation).
#[derive(Debug)]
pub struct Throttle {
    free_attempts: u32,
    max_delay: Duration,
    capacity: usize,
    salt: [u8; 32],
    tracker: Mutex<Tracker>,
}

/// An admitted attempt: report its outcome with [`Throttle::succeeded`] or [`Throttle::failed`].
#[derive(Debug)]
#[must_use = "an admitted attempt counts as failed until its outcome is reported"]
pub struct Attempt {
    address: Key,
    /// The account's counter, when the address is not usual for it.
    account: Option<Key>,
    pair: Key,
}

impl Throttle {
    pub fn new(free_attempts: u32, max_delay: Duration, capacity: usize) -> Self {
        let salt = caretrail_store::vault::random_bytes::<32>()
            .map(|b| *b)
            .unwrap_or_else(|_| {
                // Without OS randomness the keys are still hashes; only their salt is fixed.
                [0x43; 32]
            });
        Throttle {
            free_attempts,
            max_delay,
            capacity: capacity.max(1),
            salt,
            tracker: Mutex::new(Tracker::default()),
        }
    }

    fn key(&self, parts: &[&[u8]]) -> Key {
        let mut h = Sha256::new();
        h.update(self.salt);
        for p in parts {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p);
        }
        let digest = h.finalize();
        let mut key = [0; 16];
        key.copy_from_slice(&digest[..16]);
        key
    }

    /// How long the next attempt must wait after `n` counted attempts, the last at `last`.
    fn wait(&self, n: u32, last: Instant, now: Instant) -> Option<Duration> {
        let over = n.checked_sub(self.free_attempts)?;
        let delay = FIRST_DELAY
            .checked_mul(1u32.checked_shl(over).unwrap_or(u32::MAX))
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let until = last + delay;
        (now < until).then(|| until - now)
    }

    /// Admits an attempt on `account` from `source` at `now`, or says how long to wait.
    pub fn admit(&self, account: &str, source: IpAddr, now: Instant) -> Result<Attempt, Duration> {
        let name = normalise(account);
        let addr = address_bytes(source);
        let address = self.key(&[b"address", &addr]);
        let pair = self.key(&[b"pair", name.as_bytes(), &addr]);
        let account_key = self.key(&[b"account", name.as_bytes()]);
        let mut t = self.tracker.lock().expect("throttle lock");
        let usual = t
            .usual
            .get(&pair)
            .is_some_and(|since| now.saturating_duration_since(*since) < USUAL_FOR);
        let account = (!usual).then_some(account_key);
        let mut wait = None;
        for key in std::iter::once(address).chain(account) {
            if let Some(c) = t.counters.get(&key)
                && now.saturating_duration_since(c.last) < FORGET_AFTER
                && let Some(w) = self.wait(c.failures + c.pending, c.last, now)
            {
                wait = Some(wait.map_or(w, |v: Duration| v.max(w)));
            }
        }
        if let Some(w) = wait {
            return Err(w);
        }
        for key in std::iter::once(address).chain(account) {
            self.make_room(&mut t, &key, now);
            let c = t.counters.entry(key).or_insert_with(|| Counter::new(now));
            if now.saturating_duration_since(c.last) >= FORGET_AFTER {
                *c = Counter::new(now);
            }
            c.pending += 1;
            c.last = now;
        }
        Ok(Attempt {
            address,
            account,
            pair,
        })
    }

    /// The attempt's password was right: it no longer counts, and its address becomes usual for
    /// the account. Earlier failures stay counted (a success on one account must not wipe out
    /// what the same address tried on others).
    pub fn succeeded(&self, attempt: Attempt, now: Instant) {
        let mut t = self.tracker.lock().expect("throttle lock");
        for key in std::iter::once(attempt.address).chain(attempt.account) {
            if let Some(c) = t.counters.get_mut(&key) {
                c.pending = c.pending.saturating_sub(1);
            }
        }
        if !t.usual.contains_key(&attempt.pair) && t.usual.len() >= self.capacity {
            let cutoff = now.checked_sub(USUAL_FOR);
            t.usual
                .retain(|_, since| cutoff.is_none_or(|cutoff| *since > cutoff));
            if t.usual.len() >= self.capacity
                && let Some(oldest) = t.usual.iter().min_by_key(|(_, s)| **s).map(|(k, _)| *k)
            {
                t.usual.remove(&oldest);
            }
        }
        t.usual.insert(attempt.pair, now);
    }

    /// The attempt failed: it counts, and the next one waits from now.
    pub fn failed(&self, attempt: Attempt, now: Instant) {
        let mut t = self.tracker.lock().expect("throttle lock");
        for key in std::iter::once(attempt.address).chain(attempt.account) {
            if let Some(c) = t.counters.get_mut(&key) {
                c.pending = c.pending.saturating_sub(1);
                c.failures = c.failures.saturating_add(1);
                c.last = now;
            }
        }
    }

    /// Counters and usual addresses held now (for tests and the benchmark's report).
    pub fn tracked(&self) -> (usize, usize) {
        let t = self.tracker.lock().expect("throttle lock");
        (t.counters.len(), t.usual.len())
    }

    /// Before inserting `key`, drops counters until there is room: first the ones that hold
    /// nothing back (forgotten, or past their delay with nothing in flight), then the longest
    /// unused.
    fn make_room(&self, t: &mut Tracker, key: &Key, now: Instant) {
        if t.counters.len() < self.capacity || t.counters.contains_key(key) {
            return;
        }
        t.counters.retain(|_, c| {
            c.pending > 0
                || (now.saturating_duration_since(c.last) < FORGET_AFTER
                    && self.wait(c.failures, c.last, now).is_some())
        });
        while t.counters.len() >= self.capacity {
            let Some(oldest) = t
                .counters
                .iter()
                .min_by_key(|(_, c)| c.last)
                .map(|(k, _)| *k)
            else {
                break;
            };
            t.counters.remove(&oldest);
        }
    }
}

/// Account names compare without case and surrounding space, as sign-in does.
fn normalise(account: &str) -> String {
    account.trim().to_lowercase()
}

/// The bytes an address is counted by: IPv4 whole (an IPv4-mapped IPv6 address as IPv4), IPv6
/// by its /64.
fn address_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets()[..8].to_vec(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn throttle() -> Throttle {
        Throttle::new(3, Duration::from_secs(60), 1000)
    }

    #[test]
    fn parallel_attempts_count_before_their_outcome_is_known() {
        let t = throttle();
        let now = Instant::now();
        let admitted: Vec<Attempt> = (0..40)
            .filter_map(|_| t.admit("cw", ip("198.51.100.7"), now).ok())
            .collect();
        assert_eq!(admitted.len(), 3, "only the free attempts get through");
    }

    #[test]
    fn the_delay_doubles_and_is_capped() {
        let t = throttle();
        let mut now = Instant::now();
        let from = ip("198.51.100.7");
        for _ in 0..3 {
            let a = t.admit("cw", from, now).unwrap();
            t.failed(a, now);
        }
        let mut waits = Vec::new();
        for _ in 0..9 {
            let w = t.admit("cw", from, now).unwrap_err();
            waits.push(w.as_secs());
            now += w;
            let a = t.admit("cw", from, now).unwrap();
            t.failed(a, now);
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn a_strangers_failures_do_not_hold_back_the_owner_at_their_usual_address() {
        let t = throttle();
        let now = Instant::now();
        let home = ip("192.0.2.10");
        let a = t.admit("sw", home, now).unwrap();
        t.succeeded(a, now);
        for i in 0..20 {
            let stranger = IpAddr::from([203, 0, 113, i]);
            if let Ok(a) = t.admit("SW ", stranger, now) {
                t.failed(a, now);
            }
        }
        // A new address is held back for the account...
        assert!(t.admit("sw", ip("192.0.2.99"), now).is_err());
        // ...but the usual one is not.
        let a = t.admit("sw", home, now).expect("the owner still gets in");
        t.succeeded(a, now);
    }

    #[test]
    fn one_address_is_throttled_across_accounts_and_a_success_does_not_reset_it() {
        let t = throttle();
        let now = Instant::now();
        let from = ip("2001:db8:1:2::1");
        let a = t.admit("mine", from, now).unwrap();
        t.succeeded(a, now);
        for name in ["a", "b"] {
            let a = t.admit(name, from, now).unwrap();
            t.failed(a, now);
        }
        let a = t.admit("mine", from, now).unwrap();
        t.succeeded(a, now);
        // The same /64 is the same source.
        let a = t.admit("c", ip("2001:db8:1:2::ffff"), now).unwrap();
        t.failed(a, now);
        assert!(t.admit("d", from, now).is_err());
        assert!(t.admit("d", ip("2001:db8:1:3::1"), now).is_ok());
    }

    #[test]
    fn counters_are_forgotten_after_a_quiet_day() {
        let t = throttle();
        let now = Instant::now();
        let from = ip("198.51.100.7");
        for _ in 0..3 {
            let a = t.admit("cw", from, now).unwrap();
            t.failed(a, now);
        }
        assert!(t.admit("cw", from, now).is_err());
        assert!(t.admit("cw", from, now + FORGET_AFTER).is_ok());
    }

    #[test]
    fn memory_is_bounded_and_blocking_counters_survive_eviction() {
        let t = Throttle::new(1, Duration::from_secs(60), 64);
        let now = Instant::now();
        let attacker = ip("198.51.100.7");
        let a = t.admit("victim", attacker, now).unwrap();
        t.failed(a, now);
        for i in 0..10_000u32 {
            let from = IpAddr::from(i.to_be_bytes());
            let name = format!("user{i}");
            if let Ok(a) = t.admit(&name, from, now) {
                t.succeeded(a, now);
            }
        }
        let (counters, usual) = t.tracked();
        assert!(counters <= 64 && usual <= 64, "{counters} {usual}");
        assert!(
            t.admit("victim", attacker, now).is_err(),
            "a counter that is holding an attacker back is not evicted first"
        );
    }
}
