//! Counters and their Suricata-style names.
//!
//! Each pipeline stage keeps its own plain counters (`u64` fields, no atomics on
//! the hot path) and names them through [`CounterSet`]. Names are dotted paths as
//! in Suricata's `stats` event (`decoder.pkts`, `tcp.reassembly_gap`), so the EVE
//! `stats` object nests them: `{"decoder": {"pkts": 12}}`.

use std::collections::BTreeMap;

/// A group of named counters.
pub trait CounterSet {
    /// Calls `f` with every counter's dotted name and value, zero values included,
    /// so every counter always appears in `stats` events.
    fn visit(&self, f: &mut dyn FnMut(&'static str, u64));
}

/// Totals by counter name, summed over workers and stages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    values: BTreeMap<String, u64>,
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every counter of `set` to the totals.
    pub fn add_set(&mut self, set: &dyn CounterSet) {
        set.visit(&mut |name, value| self.add(name, value));
    }

    /// Adds `value` to the counter `name`.
    pub fn add(&mut self, name: &str, value: u64) {
        match self.values.get_mut(name) {
            Some(v) => *v = v.saturating_add(value),
            None => {
                self.values.insert(name.to_string(), value);
            }
        }
    }

    /// Sets the counter `name` to `value` (for gauges such as `flow.active`).
    pub fn set(&mut self, name: &str, value: u64) {
        self.values.insert(name.to_string(), value);
    }

    /// The value of `name`, 0 when absent.
    pub fn get(&self, name: &str) -> u64 {
        self.values.get(name).copied().unwrap_or(0)
    }

    /// Every counter, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.values.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// The counters as a nested JSON object (`decoder.pkts` → `{"decoder":{"pkts":..}}`).
    /// A name that is both a leaf and a prefix of another keeps the leaf as
    /// `"<name>": value` beside the nested object's keys only if they do not
    /// collide; stages are expected not to use such names.
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for (name, value) in &self.values {
            insert_dotted(&mut root, name, *value);
        }
        serde_json::Value::Object(root)
    }
}

/// Puts `value` at the dotted `name` of a nested counters object
/// (`decoder.pkts` → `{"decoder":{"pkts":value}}`), making the objects on the
/// way; a leaf in the way of a deeper name is replaced by an object.
pub fn insert_dotted(
    root: &mut serde_json::Map<String, serde_json::Value>,
    name: &str,
    value: u64,
) {
    let mut node = root;
    let mut parts = name.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            node.insert(part.to_string(), serde_json::Value::from(value));
            return;
        }
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        if !entry.is_object() {
            *entry = serde_json::Value::Object(Default::default());
        }
        match entry {
            serde_json::Value::Object(map) => node = map,
            _ => return,
        }
    }
}

/// Declares a plain counter struct whose fields are named in `stats` events.
///
/// ```ignore
/// counters! { pub struct FlowCounters { total => "flow.total", tcp => "flow.tcp" } }
/// ```
#[macro_export]
macro_rules! counters {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident => $label:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: u64,)*
        }

        impl $name {
            /// Adds every counter of `other` to this one.
            pub fn merge(&mut self, other: &Self) {
                $(self.$field = self.$field.saturating_add(other.$field);)*
            }
        }

        impl $crate::stats::CounterSet for $name {
            fn visit(&self, f: &mut dyn FnMut(&'static str, u64)) {
                $(f($label, self.$field);)*
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    counters! {
        /// test counters
        pub struct Demo {
            /// a
            pkts => "decoder.pkts",
            /// b
            gap => "tcp.reassembly_gap",
        }
    }

    #[test]
    fn nests_dotted_names() {
        let mut s = Snapshot::new();
        s.add_set(&Demo { pkts: 3, gap: 1 });
        let mut d = Demo { pkts: 1, gap: 0 };
        d.merge(&Demo { pkts: 1, gap: 0 });
        s.add_set(&d);
        assert_eq!(s.get("decoder.pkts"), 5);
        assert_eq!(
            s.to_json(),
            serde_json::json!({"decoder": {"pkts": 5}, "tcp": {"reassembly_gap": 1}})
        );
    }
}
