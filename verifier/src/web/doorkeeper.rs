//! Whether a certificate's answer was asked for before: an answer the cache stored
//! ([`super::prerendered`]) is kept in memory from its second ask on, not its first
//! (the "doorkeeper" of TinyLFU). A first ask costs one read of the cache's tables either
//! way; keeping every first ask's answer cost each one an insert, an eviction and the
//! memory, for answers that, spread over every certificate, are seldom asked again
//! before they are pushed out.
//!
//! Two bits per (kind, ID) in a fixed array (a Bloom filter of two hashes): "asked before"
//! when both were set. A false "asked before" keeps an answer a first ask would have kept
//! anyway, so it costs only what keeping a first ask costs; there should be few. Once it
//! has seen an eighth as many first asks as it has bits, it starts over: until then at
//! most 5 % of first asks are told "asked before" ((1 − e^(−2/8))²), and ~0.1 % while it
//! has seen a million (at the default size). The single bit per ask it had before, in an
//! array of 2²² bits, told 8 % of a pass over 10⁶ certificates "asked before": 82,000
//! answers kept, the whole answer budget, in a pass that asks each one once.
//! (docs/BENCHMARKS.md, "Cold lookups").

use super::rendered::Kind;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Bits by default: 2²⁶ (8 MiB, a verifier's fixed cost), starting over after 2²³
/// (8.4 million) first asks.
pub(super) const DEFAULT_BITS: usize = 1 << 26;

/// Bits per first ask seen before it starts over.
const BITS_PER_ASK: usize = 8;

/// The bits of the answers asked for (see the module docs).
#[derive(Debug)]
pub(super) struct Doorkeeper {
    words: Box<[AtomicU64]>,
    /// First asks seen since the last start.
    firsts: AtomicUsize,
}

impl Default for Doorkeeper {
    fn default() -> Self {
        Self::new(DEFAULT_BITS)
    }
}

impl Doorkeeper {
    /// With about `bits` bits (at least 64).
    pub(super) fn new(bits: usize) -> Self {
        let words = bits.div_ceil(64).max(1);
        Doorkeeper { words: (0..words).map(|_| AtomicU64::new(0)).collect(), firsts: AtomicUsize::new(0) }
    }

    /// Whether the answer of `kind` on `id` was asked for before (since the last start);
    /// it is marked as asked now.
    pub(super) fn asked_before(&self, kind: Kind, id: &str) -> bool {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one((kind, id));
        let bits = (self.words.len() * 64) as u64;
        // Two positions from the hash's two halves (enough for up to 2³² bits).
        let (low, high) = (hash & 0xffff_ffff, hash >> 32);
        let mut before = true;
        for at in [low % bits, (high ^ low.rotate_left(16)) % bits] {
            let at = usize::try_from(at).unwrap_or_default();
            let mask = 1u64 << (at % 64);
            before &= self.words[at / 64].fetch_or(mask, Ordering::Relaxed) & mask != 0;
        }
        if before {
            return true;
        }
        if self.firsts.fetch_add(1, Ordering::Relaxed) + 1 >= self.words.len() * 64 / BITS_PER_ASK {
            for word in self.words.iter() {
                word.store(0, Ordering::Relaxed);
            }
            self.firsts.store(0, Ordering::Relaxed);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    #[test]
    fn the_second_ask_is_told_from_the_first() {
        let door = Doorkeeper::new(1 << 16);
        assert!(!door.asked_before(Kind::Api, "NT-A"));
        assert!(door.asked_before(Kind::Api, "NT-A"));
        assert!(!door.asked_before(Kind::Page(Lang::En), "NT-A"), "kinds apart");
        assert!(!door.asked_before(Kind::Api, "NT-B"));
    }

    #[test]
    fn it_starts_over_rather_than_fill_up() {
        let door = Doorkeeper::new(128);
        let firsts = (0..10_000).filter(|i| !door.asked_before(Kind::Api, &format!("NT-{i}"))).count();
        assert!(firsts > 9_000, "{firsts}: it started over rather than answer yes to everything");
    }

    #[test]
    fn few_first_asks_are_told_asked_before_until_it_starts_over() {
        // Up to just before it starts over (an eighth as many first asks as bits), when it
        // is fullest.
        let bits = 1 << 20;
        let door = Doorkeeper::new(bits);
        let asked = 20_000;
        for i in 0..bits / 8 - asked - 1 {
            door.asked_before(Kind::Api, &format!("NT-SEEN-{i}"));
        }
        let told = (0..asked).filter(|i| door.asked_before(Kind::Api, &format!("NT-NEW-{i}"))).count();
        // (1 − e^(−2/8))² ≈ 4.9 % for a Bloom filter of two hashes; one bit per ask told
        // 1 − e^(−1/8) ≈ 11.8 % "asked before".
        assert!(told * 100 < asked * 6, "{told} of {asked} new asks told asked before");
    }
}
