//! wardwatch: an IDS/IPS sensor for hospital networks.
//!
//! The pipeline, stage by stage: [`capture`] reads packets and hands them in
//! batches to worker threads by a symmetric flow hash; each worker [`decode`]s,
//! defragments, tracks [`flow`]s and reassembles TCP streams; [`output`] writes
//! EVE JSON. [`pipeline`] wires the stages together; [`config`] is the
//! configuration file; [`stats`] names the counters.

pub mod app;
pub mod assets;
pub mod capture;
pub mod config;
pub mod correlate;
pub mod daemon;
pub mod decode;
pub mod detect;
pub mod flow;
pub mod inline;
pub mod inspect;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod signatures;
pub mod stats;
pub mod time;
