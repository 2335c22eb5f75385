//! The `nanotrace` command line's library: the embedded data directory and sample
//! network, rendering, batch submission and the demo. The binary is `src/main.rs`.

pub mod batch;
pub mod demo;
pub mod render;
pub mod setup;
