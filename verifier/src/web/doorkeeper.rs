//! Whether a certificate's answer was asked for before: an answer the cache stored
//! ([`super::prerendered`]) is kept in memory from its second ask on, not its first
//! (the "doorkeeper" of TinyLFU). A first ask costs one read of the cache's tables either
//! way; keeping every first ask's answer cost each one an insert, an eviction and the
//! memory, for answers that, spread over every certificate, are seldom asked again
//! before they are pushed out.
//!
//! One bit per (kind, ID) hash in a fixed array: a false "asked before" only keeps an
//! answer a first ask would have kept anyway. Once half the bits are set, it starts over.

use super::rendered::Kind;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Bits by default: 2²² (512 KiB), starting over after 2²¹ distinct asks.
pub(super) const DEFAULT_BITS: usize = 1 << 22;

/// The bits of the answers asked for (see the module docs).
#[derive(Debug)]
pub(super) struct Doorkeeper {
    words: Box<[AtomicU64]>,
    /// Bits set since the last start.
    set: AtomicUsize,
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
        Doorkeeper { words: (0..words).map(|_| AtomicU64::new(0)).collect(), set: AtomicUsize::new(0) }
    }

    /// Whether the answer of `kind` on `id` was asked for before (since the last start);
    /// it is marked as asked now.
    pub(super) fn asked_before(&self, kind: Kind, id: &str) -> bool {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one((kind, id));
        let bits = self.words.len() * 64;
        let at = usize::try_from(hash % bits as u64).unwrap_or_default();
        let mask = 1u64 << (at % 64);
        let before = self.words[at / 64].fetch_or(mask, Ordering::Relaxed);
        if before & mask != 0 {
            return true;
        }
        if self.set.fetch_add(1, Ordering::Relaxed) + 1 >= bits / 2 {
            for word in self.words.iter() {
                word.store(0, Ordering::Relaxed);
            }
            self.set.store(0, Ordering::Relaxed);
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
    fn it_starts_over_once_half_full() {
        let door = Doorkeeper::new(128);
        let firsts = (0..10_000).filter(|i| !door.asked_before(Kind::Api, &format!("NT-{i}"))).count();
        assert!(firsts > 64, "{firsts}: it started over rather than answer yes to everything");
    }
}
