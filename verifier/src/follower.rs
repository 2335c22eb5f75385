//! Follows the ledger into the cache. (Written by the follower work.)
