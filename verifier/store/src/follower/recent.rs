//! The certificates a pass read most recently ([`RecentlyRead`]).

use std::collections::HashSet;

/// The certificate IDs a pass read most recently: at least the last `capacity / 2` and at
/// most the last `capacity` of them, in two generations. When the newer generation
/// reaches half the capacity, the older is forgotten and the newer takes its place.
///
/// A certificate is named again soon after it was first read — its approval follows its
/// application within a round or two — so the recent ones are those worth remembering.
/// A set that stopped growing once full (as before) remembered the first IDs of a long
/// pass and none of the rest: past 2¹⁸ certificates every certificate of a cache built from
/// nothing was read and written twice, once in the chunk of its application and again in
/// the chunk of its approval (issue 49).
#[derive(Debug)]
pub(super) struct RecentlyRead {
    newer: HashSet<String>,
    older: HashSet<String>,
    /// Each generation's most IDs.
    half: usize,
}

impl RecentlyRead {
    /// Remembers at most `capacity` IDs (at least 2).
    pub(super) fn new(capacity: usize) -> Self {
        RecentlyRead { newer: HashSet::new(), older: HashSet::new(), half: (capacity / 2).max(1) }
    }

    /// Whether `id` is among the IDs remembered.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.newer.contains(id) || self.older.contains(id)
    }

    /// Remembers `id`, forgetting the older generation when the newer is full.
    pub(super) fn insert(&mut self, id: String) {
        if self.newer.len() >= self.half {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(id);
    }

    /// How many IDs are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.newer.len() + self.older.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_most_recent_ids_within_its_capacity() {
        let mut read = RecentlyRead::new(100);
        for i in 0..1_000usize {
            read.insert(format!("NT-{i}"));
            assert!(read.len() <= 100, "{} IDs held after {i}", read.len());
            // The last half of the capacity is always remembered ...
            for recent in i.saturating_sub(49)..=i {
                assert!(read.contains(&format!("NT-{recent}")), "NT-{recent} forgotten after NT-{i}");
            }
        }
        // ... the first ones are long forgotten, and an ID never read is not remembered.
        assert!(!read.contains("NT-0") && !read.contains("NT-899"));
        assert!(read.contains("NT-950") && !read.contains("NT-1000"));
    }
}
