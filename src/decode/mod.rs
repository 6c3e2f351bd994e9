//! Layer 2-4 decoding over borrowed bytes, and IP defragmentation.
//!
//! (Being written: see the module brief.)

pub mod packet;

pub use packet::*;
