//! The multi-pattern prefilter of a rule group: one Aho-Corasick automaton
//! over the fast patterns of the group's rules for one buffer.
//!
//! Contract (aho-corasick's `Candidate` idea): a rule whose fast pattern
//! occurs in the buffer always becomes a candidate; a candidate may still fail
//! verification. To keep the contract with one automaton, patterns are
//! lowercased and matched ASCII case-insensitively with *overlapping*
//! iteration (every occurrence of every pattern, `MatchKind::Standard`); a
//! case-sensitive fast pattern is then compared byte for byte at the
//! occurrence before its rule is marked. Non-ASCII bytes are not folded by
//! the automaton, exactly as `nocase` does not fold them.
//!
//! Small automata (up to 1,000 patterns, within a 48 MiB budget per rule
//! set) are DFAs, which scan several times faster while they fit in cache;
//! larger ones are contiguous NFAs, which measured faster than multi-MiB DFAs
//! at 10,000+ rules.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Automata with at most this many patterns are built as DFAs (a few MiB
/// at most), within [`DFA_BUDGET`].
const DFA_MAX_PATTERNS: usize = 1000;

/// Total DFA memory per rule set.
pub(crate) const DFA_BUDGET: usize = 48 << 20;

/// Generation-stamped marks, reused across inspections without clearing.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    stamp: u32,
    rules: Vec<u32>,
    patterns: Vec<u32>,
}

impl Marks {
    /// Sized for a rule set.
    pub fn new(rules: usize, patterns: usize) -> Self {
        Marks {
            stamp: 1,
            rules: vec![0; rules],
            patterns: vec![0; patterns],
        }
    }

    /// Starts a new inspection: every mark is cleared (in O(1)).
    pub fn next(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.rules.iter_mut().for_each(|m| *m = 0);
            self.patterns.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
    }

    /// Marks `rule`; true if it was not marked yet.
    pub fn mark_rule(&mut self, rule: u32) -> bool {
        match self.rules.get_mut(rule as usize) {
            Some(m) if *m != self.stamp => {
                *m = self.stamp;
                true
            }
            _ => false,
        }
    }

    fn rule_marked(&self, rule: u32) -> bool {
        self.rules.get(rule as usize) == Some(&self.stamp)
    }
}

/// One rule's fast pattern, as given to [`Prefilter::build`].
#[derive(Clone, Debug)]
pub(crate) struct FastPattern {
    /// Evaluation index of the rule.
    pub rule: u32,
    /// The bytes (as in the rule).
    pub bytes: Vec<u8>,
    /// Match ASCII case-insensitively.
    pub nocase: bool,
}

#[derive(Debug)]
struct Entry {
    rule: u32,
    /// `Some` for case-sensitive patterns: the exact bytes to confirm.
    exact: Option<Box<[u8]>>,
}

/// An automaton and, per pattern, the rules it makes candidates.
#[derive(Debug)]
pub(crate) struct Prefilter {
    ac: AhoCorasick,
    /// Index of this automaton's first pattern in [`Marks`].
    pat_base: u32,
    /// Per automaton pattern: `entries[start..end]`.
    ranges: Vec<(u32, u32)>,
    entries: Vec<Entry>,
}

impl Prefilter {
    /// Builds the automaton; `pat_base` is the first global pattern index.
    /// `Err` when the automaton cannot be built (the caller then evaluates
    /// these rules on every buffer instead).
    pub fn build(
        items: &[FastPattern],
        pat_base: u32,
        dfa_budget: &mut usize,
    ) -> Result<Self, String> {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut per_pattern: Vec<Vec<Entry>> = Vec::new();
        for fp in items {
            let lower = fp.bytes.to_ascii_lowercase();
            let id = *index.entry(lower.clone()).or_insert_with(|| {
                patterns.push(lower);
                per_pattern.push(Vec::new());
                patterns.len() - 1
            });
            // A pattern without any ASCII letter needs no confirmation.
            let exact = (!fp.nocase && fp.bytes.iter().any(u8::is_ascii_alphabetic))
                .then(|| fp.bytes.clone().into_boxed_slice());
            per_pattern[id].push(Entry {
                rule: fp.rule,
                exact,
            });
        }
        let mut builder = AhoCorasick::builder();
        builder
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true);
        // A DFA scans several times faster than the contiguous NFA while it
        // fits in cache; with thousands of patterns it becomes tens of MiB
        // and slower than the NFA. So: a DFA for small automata, within a
        // memory budget shared by the rule set, else the NFA.
        let mut ac = None;
        if patterns.len() <= DFA_MAX_PATTERNS {
            if let Ok(dfa) = builder.kind(Some(AhoCorasickKind::DFA)).build(&patterns) {
                if dfa.memory_usage() <= *dfa_budget {
                    *dfa_budget -= dfa.memory_usage();
                    ac = Some(dfa);
                }
            }
        }
        let ac = match ac {
            Some(ac) => ac,
            None => builder
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&patterns)
                .or_else(|_| builder.kind(None).build(&patterns))
                .map_err(|e| e.to_string())?,
        };
        let mut ranges = Vec::with_capacity(per_pattern.len());
        let mut entries = Vec::with_capacity(items.len());
        for list in per_pattern {
            let start = entries.len() as u32;
            entries.extend(list);
            ranges.push((start, entries.len() as u32));
        }
        Ok(Prefilter {
            ac,
            pat_base,
            ranges,
            entries,
        })
    }

    /// Number of distinct patterns.
    pub fn patterns(&self) -> usize {
        self.ranges.len()
    }

    /// Scans `hay`, marking and pushing every rule whose fast pattern occurs.
    pub fn scan(&self, hay: &[u8], marks: &mut Marks, out: &mut Vec<u32>) {
        if hay.is_empty() {
            return;
        }
        let iter = match self.ac.try_find_overlapping_iter(hay) {
            Ok(it) => it,
            Err(_) => {
                // Cannot happen with MatchKind::Standard; if it did, every
                // rule is a candidate (never a false negative).
                for e in &self.entries {
                    if marks.mark_rule(e.rule) {
                        out.push(e.rule);
                    }
                }
                return;
            }
        };
        for m in iter {
            let pid = m.pattern().as_usize();
            let global = self.pat_base as usize + pid;
            if marks.patterns.get(global) == Some(&marks.stamp) {
                continue;
            }
            let Some(&(start, end)) = self.ranges.get(pid) else {
                continue;
            };
            let found = &hay[m.start()..m.end()];
            let mut all = true;
            for e in &self.entries[start as usize..end as usize] {
                if marks.rule_marked(e.rule) {
                    continue;
                }
                let ok = match &e.exact {
                    None => true,
                    Some(x) => found == &x[..],
                };
                if ok {
                    marks.mark_rule(e.rule);
                    out.push(e.rule);
                } else {
                    all = false;
                }
            }
            if all {
                let stamp = marks.stamp;
                if let Some(p) = marks.patterns.get_mut(global) {
                    *p = stamp;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fp(rule: u32, b: &[u8], nocase: bool) -> FastPattern {
        FastPattern {
            rule,
            bytes: b.to_vec(),
            nocase,
        }
    }

    /// Builds the automaton both ways (DFA, NFA) and checks they agree.
    struct Both(Prefilter, Prefilter);

    fn build(items: &[FastPattern]) -> Both {
        let dfa = Prefilter::build(items, 0, &mut usize::MAX.clone()).unwrap();
        let nfa = Prefilter::build(items, 0, &mut 0).unwrap();
        assert_eq!(dfa.ac.kind(), AhoCorasickKind::DFA);
        assert_eq!(nfa.ac.kind(), AhoCorasickKind::ContiguousNFA);
        Both(dfa, nfa)
    }

    fn scan(both: &Both, hay: &[u8]) -> Vec<u32> {
        let a = scan_one(&both.0, hay);
        assert_eq!(a, scan_one(&both.1, hay));
        a
    }

    fn scan_one(pf: &Prefilter, hay: &[u8]) -> Vec<u32> {
        let mut marks = Marks::new(16, 16);
        marks.next();
        let mut out = vec![];
        pf.scan(hay, &mut marks, &mut out);
        out.sort_unstable();
        out
    }

    #[test]
    fn overlapping_patterns_all_reported() {
        let pf = build(&[
            fp(0, b"abc", false),
            fp(1, b"bcd", false),
            fp(2, b"c", false),
        ]);
        assert_eq!(scan(&pf, b"xabcdx"), [0, 1, 2]);
    }

    #[test]
    fn case_sensitive_confirmed_nocase_folded_ascii_only() {
        let pf = build(&[
            fp(0, b"Admin", false),
            fp(1, b"admin", true),
            fp(2, b"\xc4x", true),
        ]);
        assert_eq!(scan(&pf, b"ADMIN"), [1]);
        // A wrong-case occurrence first, the right one later.
        assert_eq!(scan(&pf, b"ADMIN Admin"), [0, 1]);
        assert_eq!(scan(&pf, b"\xe4x"), Vec::<u32>::new());
        assert_eq!(scan(&pf, b"\xc4X"), [2]);
    }
}
