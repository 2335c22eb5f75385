//! Where the follower reads the ledger. (Written by the follower work.)
