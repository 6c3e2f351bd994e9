//! Flow table, TCP tracking and stream reassembly.
//!
//! (Being written: see the module brief.)
