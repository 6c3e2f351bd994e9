//! Alert rate control: `threshold`, `detection_filter`, and the entries of a
//! `threshold.config` ([`ThresholdTable`]), counted in packet time.
//!
//! Semantics follow Suricata's `detect-engine-threshold.c`. Each tracked key
//! (rule × source, destination, both or the rule alone) has a window that
//! starts at its first match and lasts `seconds`; a match after the window
//! restarts it (count 1).
//!
//! - `limit`: the first `count` matches of a window alert.
//! - `threshold`: every `count`-th match of a window alerts (the count
//!   restarts after each alert; the window does not).
//! - `both`: the `count`-th match of a window alerts, once.
//! - `backoff`: the `count`-th match alerts, then the `count × multiplier`-th,
//!   the `count × multiplier²`-th... with no time window.
//! - `detection_filter`: every match after the first `count` of a window
//!   alerts.
//! - `rate_filter` (threshold.config): every match alerts; once more than
//!   `count` matches fall in a window, the action becomes `new_action` for
//!   `timeout` seconds.
//! - `suppress` (threshold.config): no alert, for every source/destination
//!   or only for the addresses listed.
//!
//! A threshold.config `threshold`/`event_filter` for one sid replaces the
//! rule's own `threshold` and `detection_filter`; one for `sig_id 0` (all
//! sids of a gid, or of every gid with `gen_id 0`) applies to rules that have
//! neither, as Suricata does.
//!
//! `track by_flow` keys by the flow id; a match without a flow is not
//! counted and alerts. Such entries live in this table, not in the flow, so
//! they outlast their flow until the table needs room (backoff entries, which
//! have no window, are then dropped only by eviction).
//!
//! Tables are bounded ([`super::DetectLimits::threshold_entries`]): a full
//! table first drops expired entries, then evicts the oldest of a small
//! sample (counted as `threshold_evictions`). Keys use (gid, sid), so the
//! counts survive a rule reload.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::rules::ir::{Action, AddrSet, Threshold, ThresholdKind, Track};
use crate::time::Timestamp;

/// Which address a `suppress` entry's list applies to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SuppressTrack {
    /// `track by_src`: the alert's source.
    BySrc,
    /// `track by_dst`: the alert's destination.
    ByDst,
    /// `track by_either`: source or destination.
    ByEither,
}

/// `rate_filter` parameters.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RateFilter {
    /// Tracking key.
    pub track: Track,
    /// Matches allowed per window before the action changes.
    pub count: u32,
    /// Window, seconds of packet time.
    pub seconds: u32,
    /// Action while the rate is exceeded.
    pub new_action: Action,
    /// Seconds the new action lasts.
    pub timeout: u32,
}

/// One entry of a `threshold.config`. `sid` 0 means every sid of `gid`
/// (every gid when `gid` is 0 too).
#[derive(Clone, Debug, PartialEq)]
pub enum ThresholdEntry {
    /// `suppress gen_id G, sig_id S[, track T, ip LIST]`.
    Suppress {
        /// gid.
        gid: u32,
        /// sid (0 = all).
        sid: u32,
        /// `None`: suppress entirely; else which address `addrs` is about.
        track: Option<SuppressTrack>,
        /// The `ip` list (`None` with a track: every address).
        addrs: Option<AddrSet>,
    },
    /// `threshold`/`event_filter gen_id G, sig_id S, type T, track K, count C, seconds N`.
    Threshold {
        /// gid.
        gid: u32,
        /// sid (0 = all).
        sid: u32,
        /// The threshold.
        threshold: Threshold,
    },
    /// `rate_filter gen_id G, sig_id S, track K, count C, seconds N, new_action A, timeout T`.
    RateFilter {
        /// gid.
        gid: u32,
        /// sid (0 = all).
        sid: u32,
        /// The filter.
        rate: RateFilter,
    },
}

/// The contents of a `threshold.config`, as the rule loader read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThresholdTable {
    entries: Vec<ThresholdEntry>,
}

impl ThresholdTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `suppress` entry.
    pub fn suppress(
        &mut self,
        gid: u32,
        sid: u32,
        track: Option<SuppressTrack>,
        addrs: Option<AddrSet>,
    ) -> &mut Self {
        self.entries.push(ThresholdEntry::Suppress {
            gid,
            sid,
            track,
            addrs,
        });
        self
    }

    /// Adds a `threshold`/`event_filter` entry.
    pub fn threshold(&mut self, gid: u32, sid: u32, threshold: Threshold) -> &mut Self {
        self.entries.push(ThresholdEntry::Threshold {
            gid,
            sid,
            threshold,
        });
        self
    }

    /// Adds a `rate_filter` entry.
    pub fn rate_filter(&mut self, gid: u32, sid: u32, rate: RateFilter) -> &mut Self {
        self.entries
            .push(ThresholdEntry::RateFilter { gid, sid, rate });
        self
    }

    /// The entries, in the order added.
    pub fn entries(&self) -> &[ThresholdEntry] {
        &self.entries
    }
}

/// Whether `(entry_gid, entry_sid)` names a rule `(gid, sid)`; the second
/// value is true for a wildcard entry.
pub(crate) fn entry_applies(entry_gid: u32, entry_sid: u32, gid: u32, sid: u32) -> Option<bool> {
    if entry_sid == 0 {
        (entry_gid == 0 || entry_gid == gid).then_some(true)
    } else {
        (entry_gid == gid && entry_sid == sid).then_some(false)
    }
}

/// A `suppress` entry resolved for one rule.
#[derive(Clone, Debug)]
pub(crate) struct Suppression {
    pub track: Option<SuppressTrack>,
    pub addrs: Option<AddrSet>,
}

impl Suppression {
    fn applies(&self, src: IpAddr, dst: IpAddr) -> bool {
        let in_set = |ip: IpAddr| self.addrs.as_ref().is_none_or(|a| a.contains(ip));
        match self.track {
            None => true,
            Some(SuppressTrack::BySrc) => in_set(src),
            Some(SuppressTrack::ByDst) => in_set(dst),
            Some(SuppressTrack::ByEither) => in_set(src) || in_set(dst),
        }
    }
}

/// A rule's rate controls after the threshold.config was applied.
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleRate {
    pub suppress: Vec<Suppression>,
    pub detection_filter: Option<(Track, u32, u32)>,
    pub threshold: Option<Threshold>,
    pub rate_filter: Option<RateFilter>,
}

impl RuleRate {
    /// True when the decision can be taken away from the worker and made in
    /// capture order by a [`crate::detect::ThresholdArbiter`]: counters that
    /// span flows (`by_src`, `by_dst`, `by_rule`, `by_both`) and no
    /// `rate_filter` (which may turn an alert into a pass, a decision the
    /// inspection itself must know).
    pub fn deferrable(&self) -> bool {
        if self.is_empty() || self.rate_filter.is_some() {
            return false;
        }
        let per_flow = self.threshold.is_some_and(|t| t.track == Track::ByFlow)
            || self
                .detection_filter
                .is_some_and(|(track, _, _)| track == Track::ByFlow);
        !per_flow
    }

    pub fn is_empty(&self) -> bool {
        self.suppress.is_empty()
            && self.detection_filter.is_none()
            && self.threshold.is_none()
            && self.rate_filter.is_none()
    }
}

/// What to do with a match.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Alert, with this action.
    Alert(Action),
    /// Suppressed or thresholded away.
    Quiet,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
enum Kind {
    DetectionFilter,
    Threshold,
    Rate,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
enum AddrKey {
    Rule,
    One(IpAddr),
    Two(IpAddr, IpAddr),
    Flow(u64),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    gid: u32,
    sid: u32,
    kind: Kind,
    addr: AddrKey,
}

#[derive(Copy, Clone, Debug)]
struct Entry {
    first: Timestamp,
    count: u32,
    seconds: u32,
    /// rate_filter: new action active since.
    rate_since: Option<Timestamp>,
    rate_timeout: u32,
    /// backoff: the match count that alerts next.
    backoff_next: u32,
}

impl Entry {
    fn expired(&self, now: Timestamp) -> bool {
        now.micros_since(self.first) >= u64::from(self.seconds) * 1_000_000
            && self
                .rate_since
                .is_none_or(|s| now.micros_since(s) > u64::from(self.rate_timeout) * 1_000_000)
    }
}

/// Per-worker counting state.
#[derive(Debug)]
pub(crate) struct ThresholdState {
    map: HashMap<Key, Entry, ahash::RandomState>,
    cap: usize,
    pub evictions: u64,
}

fn in_window(now: Timestamp, first: Timestamp, seconds: u32) -> bool {
    now.micros_since(first) < u64::from(seconds) * 1_000_000
}

impl ThresholdState {
    pub fn new(cap: usize) -> Self {
        ThresholdState {
            // Fixed seeds: eviction order must not depend on a random hash
            // seed, so a replay gives the same alerts on every run.
            map: HashMap::with_hasher(ahash::RandomState::with_seeds(
                0x5eed_0001,
                0x5eed_0002,
                0x5eed_0003,
                0x5eed_0004,
            )),
            cap: cap.max(1),
            evictions: 0,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Applies a rule's rate controls to one match; `flow` is the id of the
    /// match's flow, for `track by_flow`.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &mut self,
        (gid, sid): (u32, u32),
        action: Action,
        rate: &RuleRate,
        src: IpAddr,
        dst: IpAddr,
        flow: Option<u64>,
        now: Timestamp,
    ) -> Decision {
        if rate.suppress.iter().any(|s| s.applies(src, dst)) {
            return Decision::Quiet;
        }
        let key = |kind, track| key(gid, sid, kind, track, src, dst, flow);
        if let Some((track, count, seconds)) = rate.detection_filter
            && let Some(key) = key(Kind::DetectionFilter, track)
        {
            let e = self.entry(key, now, seconds);
            let alert = match e {
                Slot::New(e) => {
                    e.count = 1;
                    count == 0
                }
                Slot::Existing(e) => {
                    if in_window(now, e.first, seconds) {
                        e.count = e.count.saturating_add(1);
                        e.count > count
                    } else {
                        e.first = now;
                        e.count = 1;
                        count == 0
                    }
                }
            };
            if !alert {
                return Decision::Quiet;
            }
        }
        if let Some(t) = rate.threshold
            && let Some(k) = key(Kind::Threshold, t.track)
        {
            // Backoff has no window: its entries never expire by time.
            let seconds = match t.kind {
                ThresholdKind::Backoff { .. } => u32::MAX,
                _ => t.seconds,
            };
            let alert = match self.entry(k, now, seconds) {
                Slot::New(e) => {
                    e.count = 1;
                    match t.kind {
                        ThresholdKind::Limit => true,
                        ThresholdKind::Threshold | ThresholdKind::Both => t.count <= 1,
                        ThresholdKind::Backoff { multiplier } => {
                            e.backoff_next = t.count;
                            backoff_step(e, multiplier)
                        }
                    }
                }
                Slot::Existing(e) if matches!(t.kind, ThresholdKind::Backoff { .. }) => {
                    let ThresholdKind::Backoff { multiplier } = t.kind else {
                        unreachable!("matched above")
                    };
                    e.count = e.count.saturating_add(1);
                    backoff_step(e, multiplier)
                }
                Slot::Existing(e) => {
                    if in_window(now, e.first, t.seconds) {
                        e.count = e.count.saturating_add(1);
                        match t.kind {
                            ThresholdKind::Limit => e.count <= t.count,
                            ThresholdKind::Threshold => {
                                if e.count >= t.count {
                                    e.count = 0;
                                    true
                                } else {
                                    false
                                }
                            }
                            ThresholdKind::Both => e.count == t.count,
                            ThresholdKind::Backoff { .. } => unreachable!("handled above"),
                        }
                    } else {
                        e.first = now;
                        e.count = 1;
                        match t.kind {
                            ThresholdKind::Limit => true,
                            ThresholdKind::Threshold | ThresholdKind::Both => t.count <= 1,
                            ThresholdKind::Backoff { .. } => unreachable!("handled above"),
                        }
                    }
                }
            };
            if !alert {
                return Decision::Quiet;
            }
        }
        if let Some(r) = rate.rate_filter
            && let Some(k) = key(Kind::Rate, r.track)
        {
            let timeout_us = u64::from(r.timeout) * 1_000_000;
            let changed = match self.entry(k, now, r.seconds) {
                Slot::New(e) => {
                    e.count = 1;
                    e.rate_timeout = r.timeout;
                    if r.count == 0 {
                        e.rate_since = Some(now);
                        true
                    } else {
                        false
                    }
                }
                Slot::Existing(e) => {
                    e.rate_timeout = r.timeout;
                    match e.rate_since {
                        Some(since) if now.micros_since(since) <= timeout_us => true,
                        _ => {
                            e.rate_since = None;
                            if in_window(now, e.first, r.seconds) {
                                e.count = e.count.saturating_add(1);
                                if e.count > r.count {
                                    e.rate_since = Some(now);
                                    true
                                } else {
                                    false
                                }
                            } else {
                                e.first = now;
                                e.count = 1;
                                false
                            }
                        }
                    }
                }
            };
            if changed {
                return Decision::Alert(r.new_action);
            }
        }
        Decision::Alert(action)
    }

    fn entry(&mut self, key: Key, now: Timestamp, seconds: u32) -> Slot<'_> {
        if !self.map.contains_key(&key) && self.map.len() >= self.cap {
            self.make_room(now);
        }
        let mut fresh = false;
        let e = self.map.entry(key).or_insert_with(|| {
            fresh = true;
            Entry {
                first: now,
                count: 0,
                seconds,
                rate_since: None,
                rate_timeout: 0,
                backoff_next: 0,
            }
        });
        if fresh {
            Slot::New(e)
        } else {
            Slot::Existing(e)
        }
    }

    fn make_room(&mut self, now: Timestamp) {
        self.map.retain(|_, e| !e.expired(now));
        if self.map.len() < self.cap {
            return;
        }
        // Still full of live entries (an attacker with many sources): evict
        // the oldest of a small sample, like Redis' approximate LRU. O(1)
        // per insert instead of a scan of the table.
        let victim = self
            .map
            .iter()
            .take(16)
            .min_by_key(|(_, e)| e.first)
            .map(|(k, _)| *k);
        if let Some(k) = victim {
            self.map.remove(&k);
            self.evictions += 1;
        }
    }
}

enum Slot<'a> {
    New(&'a mut Entry),
    Existing(&'a mut Entry),
}

/// Backoff: the match numbered `e.count` alerts when it reaches
/// `e.backoff_next`, which then grows by `multiplier`. Past `u32::MAX` no
/// later match alerts (0 is never reached: counts start at 1); multiplier 1
/// alerts once, as in Suricata.
fn backoff_step(e: &mut Entry, multiplier: u32) -> bool {
    if e.count != e.backoff_next {
        return false;
    }
    e.backoff_next = e.backoff_next.checked_mul(multiplier).unwrap_or(0);
    true
}

/// The table key of a match; `None` for `by_flow` without a flow.
fn key(
    gid: u32,
    sid: u32,
    kind: Kind,
    track: Track,
    src: IpAddr,
    dst: IpAddr,
    flow: Option<u64>,
) -> Option<Key> {
    let addr = match track {
        Track::BySrc => AddrKey::One(src),
        Track::ByDst => AddrKey::One(dst),
        Track::ByRule => AddrKey::Rule,
        Track::ByBoth => AddrKey::Two(src, dst),
        Track::ByFlow => AddrKey::Flow(flow?),
    };
    Some(Key {
        gid,
        sid,
        kind,
        addr,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn run(rate: &RuleRate, times: &[u64]) -> Vec<bool> {
        let mut st = ThresholdState::new(100);
        times
            .iter()
            .map(|&t| {
                st.decide(
                    (1, 7),
                    Action::Alert,
                    rate,
                    ip("10.0.0.1"),
                    ip("10.0.0.2"),
                    None,
                    Timestamp::from_secs(t),
                ) == Decision::Alert(Action::Alert)
            })
            .collect()
    }

    fn th(kind: ThresholdKind, count: u32, seconds: u32) -> RuleRate {
        RuleRate {
            threshold: Some(Threshold {
                kind,
                track: Track::BySrc,
                count,
                seconds,
            }),
            ..RuleRate::default()
        }
    }

    #[test]
    fn backoff_alerts_at_count_times_powers_of_multiplier() {
        let alerted = |count, multiplier| {
            let r = th(ThresholdKind::Backoff { multiplier }, count, 0);
            // Far apart in time: backoff has no window.
            let times: Vec<u64> = (0..130).map(|i| i * 3600).collect();
            run(&r, &times)
                .iter()
                .enumerate()
                .filter(|(_, a)| **a)
                .map(|(i, _)| i + 1)
                .collect::<Vec<_>>()
        };
        assert_eq!(alerted(1, 2), [1, 2, 4, 8, 16, 32, 64, 128]);
        assert_eq!(alerted(3, 2), [3, 6, 12, 24, 48, 96]);
        assert_eq!(alerted(5, 5), [5, 25, 125]);
        assert_eq!(alerted(1, 10), [1, 10, 100]);
        assert_eq!(alerted(2, 1), [2]);
    }

    #[test]
    fn by_flow_counts_each_flow_apart() {
        let rate = RuleRate {
            threshold: Some(Threshold {
                kind: ThresholdKind::Limit,
                track: Track::ByFlow,
                count: 1,
                seconds: 60,
            }),
            ..RuleRate::default()
        };
        let mut st = ThresholdState::new(100);
        let mut d = |flow| {
            st.decide(
                (1, 7),
                Action::Alert,
                &rate,
                ip("10.0.0.1"),
                ip("10.0.0.2"),
                flow,
                Timestamp::from_secs(1),
            ) == Decision::Alert(Action::Alert)
        };
        assert!(d(Some(1)));
        assert!(!d(Some(1)));
        // Same addresses, another flow: counted apart.
        assert!(d(Some(2)));
        assert!(!d(Some(2)));
        // No flow: not counted, alerts.
        assert!(d(None));
        assert!(d(None));
    }

    #[test]
    fn limit_alerts_first_n_per_window() {
        let r = th(ThresholdKind::Limit, 2, 60);
        assert_eq!(
            run(&r, &[0, 1, 2, 3, 60, 61, 62]),
            [true, true, false, false, true, true, false]
        );
    }

    #[test]
    fn threshold_alerts_every_nth() {
        let r = th(ThresholdKind::Threshold, 3, 60);
        assert_eq!(
            run(&r, &[0, 1, 2, 3, 4, 5, 6]),
            [false, false, true, false, false, true, false]
        );
        // The window expires: counting restarts at 1.
        assert_eq!(
            run(&r, &[0, 1, 100, 101, 102]),
            [false, false, false, false, true]
        );
    }

    #[test]
    fn both_alerts_once_per_window_after_n() {
        let r = th(ThresholdKind::Both, 2, 10);
        assert_eq!(
            run(&r, &[0, 1, 2, 3, 10, 11, 12]),
            [false, true, false, false, false, true, false]
        );
    }

    #[test]
    fn detection_filter_alerts_after_count() {
        let r = RuleRate {
            detection_filter: Some((Track::ByRule, 2, 10)),
            ..RuleRate::default()
        };
        assert_eq!(
            run(&r, &[0, 1, 2, 3, 9, 10, 11, 12]),
            [false, false, true, true, true, false, false, true]
        );
    }

    #[test]
    fn rate_filter_changes_action_for_timeout() {
        let rate = RuleRate {
            rate_filter: Some(RateFilter {
                track: Track::ByRule,
                count: 2,
                seconds: 10,
                new_action: Action::Drop,
                timeout: 5,
            }),
            ..RuleRate::default()
        };
        let mut st = ThresholdState::new(10);
        let mut acts = vec![];
        for t in [0, 1, 2, 3, 12, 13, 20] {
            let d = st.decide(
                (1, 1),
                Action::Alert,
                &rate,
                ip("1.1.1.1"),
                ip("2.2.2.2"),
                None,
                Timestamp::from_secs(t),
            );
            acts.push(d);
        }
        use Decision::Alert as A;
        assert_eq!(
            acts,
            [
                A(Action::Alert),
                A(Action::Alert),
                A(Action::Drop),
                A(Action::Drop),
                A(Action::Alert),
                A(Action::Alert),
                A(Action::Drop)
            ]
        );
    }

    #[test]
    fn suppress_by_src_list() {
        let mut set = AddrSet::default();
        set.include.push(crate::rules::ir::IpNet {
            addr: ip("10.0.0.0"),
            prefix: 8,
        });
        let rate = RuleRate {
            suppress: vec![Suppression {
                track: Some(SuppressTrack::BySrc),
                addrs: Some(set),
            }],
            ..RuleRate::default()
        };
        let mut st = ThresholdState::new(10);
        let now = Timestamp::from_secs(1);
        assert_eq!(
            st.decide(
                (1, 1),
                Action::Alert,
                &rate,
                ip("10.1.1.1"),
                ip("8.8.8.8"),
                None,
                now
            ),
            Decision::Quiet
        );
        assert_eq!(
            st.decide(
                (1, 1),
                Action::Alert,
                &rate,
                ip("8.8.8.8"),
                ip("10.1.1.1"),
                None,
                now
            ),
            Decision::Alert(Action::Alert)
        );
    }

    #[test]
    fn table_is_bounded_and_evicts() {
        let r = th(ThresholdKind::Limit, 1, 3600);
        let mut st = ThresholdState::new(8);
        for i in 0..100u32 {
            let src = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            st.decide(
                (1, 1),
                Action::Alert,
                &r,
                src,
                ip("1.1.1.1"),
                None,
                Timestamp::from_secs(u64::from(i)),
            );
            assert!(st.len() <= 8);
        }
        assert!(st.evictions > 0);
    }

    #[test]
    fn wildcard_entries() {
        assert_eq!(entry_applies(1, 0, 1, 5), Some(true));
        assert_eq!(entry_applies(0, 0, 3, 5), Some(true));
        assert_eq!(entry_applies(1, 5, 1, 5), Some(false));
        assert_eq!(entry_applies(1, 5, 1, 6), None);
        assert_eq!(entry_applies(2, 0, 1, 6), None);
    }
}
