//! Per-flow detection state: flowbits, flowints, the stream inspection
//! windows and the "already matched" marks of stream and transaction rules.
//!
//! A flow that no rule needed state for holds one `None` (8 bytes); the rest
//! is allocated on first use. Every part is bounded: bits and ints by the
//! number of names in the rule set, stream marks by the number of stream
//! rules, the window tail by the rule set's lookback, transaction marks by
//! [`MAX_TX_MARKED`] transactions per direction.
//!
//! Flowbit and flowint ids and rule indices belong to one [`RuleSet`]; when a
//! flow is inspected with another rule set (a reload), its bits, ints and
//! marks are dropped (the stream tail is kept).

use std::collections::VecDeque;

use super::compile::RuleSet;

/// Transactions per direction whose matched rules are remembered; an older
/// transaction inspected again could alert again. HTTP pipelining rarely has
/// more than a few open transactions.
pub const MAX_TX_MARKED: usize = 8;

/// Detection state of one flow; keep it beside the flow (`Default` is empty).
#[derive(Debug, Default)]
pub struct FlowDetectState {
    inner: Option<Box<FlowInner>>,
}

#[derive(Debug, Default)]
pub(crate) struct FlowInner {
    ruleset: u64,
    /// Set flowbit ids.
    pub bits: Vec<u32>,
    /// Flowint values by id.
    pub ints: Vec<(u32, i64)>,
    pub dirs: [DirState; 2],
}

#[derive(Debug, Default)]
pub(crate) struct DirState {
    /// Last bytes of the stream kept for the next window.
    pub tail: Vec<u8>,
    /// Stream offset of `tail[0]`.
    pub tail_start: u64,
    /// Stream rules (evaluation indices, sorted) that matched in this direction.
    pub stream_done: Vec<u32>,
    /// Per transaction id, the rules that matched (sorted).
    pub tx_done: VecDeque<(u64, Vec<u32>)>,
}

impl DirState {
    /// Stream offset just past the tail.
    pub fn tail_end(&self) -> u64 {
        self.tail_start.saturating_add(self.tail.len() as u64)
    }

    pub fn stream_matched(&self, rule: u32) -> bool {
        self.stream_done.binary_search(&rule).is_ok()
    }

    pub fn mark_stream(&mut self, rule: u32) {
        if let Err(i) = self.stream_done.binary_search(&rule) {
            self.stream_done.insert(i, rule);
        }
    }

    pub fn tx_matched(&self, tx: u64, rule: u32) -> bool {
        self.tx_done
            .iter()
            .find(|(id, _)| *id == tx)
            .is_some_and(|(_, rules)| rules.binary_search(&rule).is_ok())
    }

    pub fn mark_tx(&mut self, tx: u64, rule: u32) {
        let pos = match self.tx_done.iter().position(|(id, _)| *id == tx) {
            Some(p) => p,
            None => {
                if self.tx_done.len() >= MAX_TX_MARKED {
                    // Forget the oldest (lowest id) transaction.
                    if let Some(oldest) = self
                        .tx_done
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, (id, _))| *id)
                        .map(|(i, _)| i)
                    {
                        self.tx_done.remove(oldest);
                    }
                }
                self.tx_done.push_back((tx, Vec::new()));
                self.tx_done.len() - 1
            }
        };
        if let Some((_, rules)) = self.tx_done.get_mut(pos) {
            if let Err(i) = rules.binary_search(&rule) {
                rules.insert(i, rule);
            }
        }
    }
}

impl FlowInner {
    pub fn bit(&self, id: u32) -> bool {
        self.bits.contains(&id)
    }

    pub fn set_bit(&mut self, id: u32, on: bool) {
        match (self.bits.iter().position(|&b| b == id), on) {
            (None, true) => self.bits.push(id),
            (Some(i), false) => {
                self.bits.swap_remove(i);
            }
            _ => {}
        }
    }

    pub fn int(&self, id: u32) -> Option<i64> {
        self.ints.iter().find(|(i, _)| *i == id).map(|(_, v)| *v)
    }

    pub fn set_int(&mut self, id: u32, v: i64) {
        match self.ints.iter_mut().find(|(i, _)| *i == id) {
            Some((_, slot)) => *slot = v,
            None => self.ints.push((id, v)),
        }
    }
}

impl FlowDetectState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when nothing was ever stored.
    pub fn is_empty(&self) -> bool {
        self.inner.is_none()
    }

    /// Heap bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.inner.as_ref().map_or(0, |i| {
            std::mem::size_of::<FlowInner>()
                + i.bits.capacity() * 4
                + i.ints.capacity() * std::mem::size_of::<(u32, i64)>()
                + i.dirs
                    .iter()
                    .map(|d| {
                        d.tail.capacity()
                            + d.stream_done.capacity() * 4
                            + d.tx_done
                                .iter()
                                .map(|(_, r)| 32 + r.capacity() * 4)
                                .sum::<usize>()
                    })
                    .sum::<usize>()
        })
    }

    /// True when flowbit `name` is set (for tests and debugging).
    pub fn flowbit_is_set(&self, rules: &RuleSet, name: &str) -> bool {
        match (&self.inner, rules.flowbit_id(name)) {
            (Some(i), Some(id)) if i.ruleset == rules.id() => i.bit(id),
            _ => false,
        }
    }

    /// The value of flowint `name`, if set (for tests and debugging).
    pub fn flowint(&self, rules: &RuleSet, name: &str) -> Option<i64> {
        match (&self.inner, rules.flowint_id(name)) {
            (Some(i), Some(id)) if i.ruleset == rules.id() => i.int(id),
            _ => None,
        }
    }

    /// The state for `rules`, allocated on first use, reset when it belonged
    /// to another rule set.
    pub(crate) fn bind(&mut self, rules: &RuleSet) -> &mut FlowInner {
        let inner = self.inner.get_or_insert_with(|| {
            Box::new(FlowInner {
                ruleset: rules.id(),
                ..FlowInner::default()
            })
        });
        if inner.ruleset != rules.id() {
            inner.ruleset = rules.id();
            inner.bits.clear();
            inner.ints.clear();
            for d in &mut inner.dirs {
                d.stream_done.clear();
                d.tx_done.clear();
            }
        }
        inner
    }
}
