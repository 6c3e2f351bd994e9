//! The rule language (Suricata syntax): parse text into [`ir::Rule`]s.

pub mod ir;
