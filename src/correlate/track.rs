//! State shared by the detectors: a bounded map with deterministic eviction,
//! capped distinct-value sets, episodes and a small distinct-count sketch.
//!
//! Every key a detector tracks is chosen by the traffic, so by an attacker
//! when there is one (a spoofed SYN flood picks a new source per packet).
//! Each detector therefore keeps its state in a [`BoundedMap`] with a fixed
//! capacity, and each tracker keeps its distinct values in a [`CappedSet`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

use serde_json::{Map, Value};

use crate::time::Timestamp;

/// A map holding at most `cap` entries. When full, an insert evicts one
/// entry chosen by the CLOCK (second chance) policy over insertion order:
/// entries touched since the last pass, or that the caller asks to keep
/// (open episodes), get one more round. The choice depends only on the
/// sequence of operations, never on hash values, so a replay evicts the same
/// entries on every run while the hasher keeps its random seed (no
/// hash-flooding by chosen addresses).
#[derive(Debug)]
pub(crate) struct BoundedMap<K, V> {
    map: HashMap<K, Slot<V>, ahash::RandomState>,
    /// Keys in CLOCK order with the serial of the slot they were queued for;
    /// stale pairs (removed or re-inserted keys) are skipped.
    queue: VecDeque<(K, u64)>,
    cap: usize,
    serial: u64,
    /// Entries evicted to stay within `cap`.
    pub evicted: u64,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    serial: u64,
    referenced: bool,
}

impl<K: Hash + Eq + Clone, V> BoundedMap<K, V> {
    pub fn new(cap: usize) -> Self {
        BoundedMap {
            map: HashMap::with_hasher(ahash::RandomState::new()),
            queue: VecDeque::new(),
            cap: cap.max(1),
            serial: 0,
            evicted: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key).map(|s| {
            s.referenced = true;
            &mut s.value
        })
    }

    /// The entry for `key`, created by `make` when absent. Creating may
    /// evict another entry, which is returned so the caller can close it
    /// (an open episode ends with an `end` alert rather than vanishing).
    /// `keep` marks entries that deserve a second chance besides recently
    /// touched ones.
    pub fn entry(
        &mut self,
        key: K,
        make: impl FnOnce() -> V,
        keep: impl Fn(&V) -> bool,
    ) -> (&mut V, Option<(K, V)>) {
        let mut evicted = None;
        let existed = self.map.contains_key(&key);
        if !existed {
            if self.map.len() >= self.cap {
                evicted = self.evict_one(&keep);
            }
            self.serial += 1;
            self.queue.push_back((key.clone(), self.serial));
            self.map.insert(
                key.clone(),
                Slot {
                    value: make(),
                    serial: self.serial,
                    referenced: false,
                },
            );
        }
        // The key is present: either it was or it was just inserted.
        let slot = self.map.get_mut(&key);
        match slot {
            Some(s) => {
                // A new entry earns no second chance until it is used again,
                // so one-shot keys (spoofed sources) go before repeated ones.
                s.referenced |= existed;
                (&mut s.value, evicted)
            }
            None => unreachable!("entry inserted above"),
        }
    }

    fn evict_one(&mut self, keep: &impl Fn(&V) -> bool) -> Option<(K, V)> {
        // Each live entry can be spared at most once per pass; after two
        // passes the front entry goes whatever its marks.
        let mut budget = self.queue.len().saturating_mul(2);
        while let Some((key, serial)) = self.queue.pop_front() {
            let live = self.map.get_mut(&key).filter(|s| s.serial == serial);
            let Some(slot) = live else { continue };
            if budget > 0 && (slot.referenced || keep(&slot.value)) {
                budget -= 1;
                slot.referenced = false;
                self.queue.push_back((key, serial));
                continue;
            }
            self.evicted += 1;
            return self.map.remove(&key).map(|s| (key, s.value));
        }
        None
    }

    /// Removes the entries for which `f` returns false.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.map.retain(|k, s| f(k, &mut s.value));
        let map = &self.map;
        self.queue
            .retain(|(k, serial)| map.get(k).is_some_and(|s| s.serial == *serial));
    }
}

/// A set of distinct values that stops growing at `cap` (further new values
/// are counted in `overflow`), with the first values in arrival order kept
/// for the evidence lists. Small sets — most of them: a spoofed source
/// probes one port once — live in the sample vector alone; the hash set is
/// only built once the sample is full.
#[derive(Debug)]
pub(crate) struct CappedSet<T> {
    sample: Vec<T>,
    // Boxed so a tracker without a set pays one word, not the set's
    // inline size (table header and hasher keys): there may be 100,000s.
    #[allow(clippy::box_collection)]
    set: Option<Box<HashSet<T, ahash::RandomState>>>,
    /// Values seen after the set was full that were not in it.
    pub overflow: u64,
}

impl<T: Hash + Eq + Clone> CappedSet<T> {
    pub fn new() -> Self {
        CappedSet {
            sample: Vec::new(),
            set: None,
            overflow: 0,
        }
    }

    /// Adds `v`; true when it was new. `cap` bounds the set, `sample_cap`
    /// the evidence list.
    pub fn insert(&mut self, v: T, cap: usize, sample_cap: usize) -> bool {
        match &mut self.set {
            None => {
                if self.sample.contains(&v) {
                    return false;
                }
                if self.sample.len() >= cap {
                    self.overflow += 1;
                    return false;
                }
                if self.sample.len() < sample_cap {
                    self.sample.push(v);
                    return true;
                }
                let mut set = HashSet::with_hasher(ahash::RandomState::new());
                set.extend(self.sample.iter().cloned());
                set.insert(v);
                self.set = Some(Box::new(set));
                true
            }
            Some(set) => {
                if set.contains(&v) {
                    return false;
                }
                if set.len() >= cap {
                    self.overflow += 1;
                    return false;
                }
                set.insert(v);
                true
            }
        }
    }

    /// Distinct values held (a lower bound once `overflow` > 0).
    pub fn len(&self) -> usize {
        self.set.as_ref().map_or(self.sample.len(), |s| s.len())
    }

    pub fn sample(&self) -> &[T] {
        &self.sample
    }
}

/// An open episode: raised once, updated when it grows by a further factor,
/// ended when quiet.
#[derive(Debug, Clone)]
pub(crate) struct Episode {
    /// Correlator-wide episode id.
    pub id: u64,
    /// Count at which the next `update` is due.
    pub next_update: u64,
    /// Updates emitted so far.
    pub updates: u32,
}

impl Episode {
    pub fn new(id: u64, count: u64, factor: u64) -> Self {
        Episode {
            id,
            next_update: next_level(count, factor),
            updates: 0,
        }
    }

    /// True (and the next level set) when `count` reached the update level.
    pub fn due(&mut self, count: u64, factor: u64) -> bool {
        if factor < 2 || count < self.next_update {
            return false;
        }
        self.updates += 1;
        self.next_update = next_level(count, factor);
        true
    }
}

fn next_level(count: u64, factor: u64) -> u64 {
    if factor < 2 {
        u64::MAX
    } else {
        count.max(1).saturating_mul(factor)
    }
}

/// The time span of a tracker's events: first and last seen (evidence).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub first: Timestamp,
    pub last: Timestamp,
}

impl Window {
    pub fn new(ts: Timestamp) -> Self {
        Window {
            first: ts,
            last: ts,
        }
    }

    pub fn touch(&mut self, ts: Timestamp) {
        if ts > self.last {
            self.last = ts;
        }
        if ts < self.first {
            self.first = ts;
        }
    }

    /// `first_seen`, `last_seen` and `duration_secs` evidence fields.
    pub fn evidence(&self, ev: &mut Map<String, Value>) {
        ev.insert("first_seen".into(), self.first.rfc3339().into());
        ev.insert("last_seen".into(), self.last.rfc3339().into());
        ev.insert(
            "duration_secs".into(),
            (self.last.micros_since(self.first) / 1_000_000).into(),
        );
    }
}

/// Sub-windows a counting window is cut into: thresholds are judged over
/// the last [`SLOTS`] sub-windows (the current one included), so the window
/// slides in steps of `window / SLOTS`.
pub(crate) const SLOTS: usize = 8;

/// Per-sub-window counts of a sliding window: events, and distinct values
/// whose latest sighting fell in that sub-window. A value seen again moves
/// to the newer sub-window, so the sum over the ring counts each value once.
/// Counts saturate at `u16::MAX` per sub-window (thresholds are far below).
#[derive(Debug, Clone, Default)]
pub(crate) struct Ring {
    /// Number of the newest sub-window (packet time / sub-window length).
    head: u64,
    events: [u16; SLOTS],
    distinct: [u16; SLOTS],
}

impl Ring {
    /// Moves the newest sub-window to `epoch`, clearing the ones that fell out.
    fn advance(&mut self, epoch: u64) {
        if epoch <= self.head {
            return;
        }
        if epoch - self.head >= SLOTS as u64 {
            self.events = [0; SLOTS];
            self.distinct = [0; SLOTS];
        } else {
            for e in self.head + 1..=epoch {
                let i = (e % SLOTS as u64) as usize;
                self.events[i] = 0;
                self.distinct[i] = 0;
            }
        }
        self.head = epoch;
    }

    /// Sub-windows behind the newest of the (truncated) epoch `e`.
    fn age(&self, e: u32) -> u32 {
        (self.head as u32).wrapping_sub(e)
    }

    /// The slot of (truncated) epoch `e`, when still inside the window.
    fn slot(&self, e: u32) -> Option<usize> {
        (self.age(e) < SLOTS as u32).then_some(e as usize % SLOTS)
    }

    fn events_in_window(&self) -> u64 {
        self.events.iter().map(|&c| u64::from(c)).sum()
    }

    /// Counts an event at `ts` in a window of `window_secs` (a ring used
    /// on its own, beside a [`Counting`]'s).
    pub fn count(&mut self, ts: Timestamp, window_secs: u64) {
        let e = epoch_of(ts, window_secs);
        self.advance(e);
        if let Some(i) = self.slot(e as u32) {
            self.events[i] = self.events[i].saturating_add(1);
        }
    }

    /// Events within the window ending at `ts` (moves the window there).
    pub fn in_window_at(&mut self, ts: Timestamp, window_secs: u64) -> u64 {
        self.advance(epoch_of(ts, window_secs));
        self.events_in_window()
    }

    fn distinct_in_window(&self) -> u64 {
        self.distinct.iter().map(|&c| u64::from(c)).sum()
    }
}

/// The sub-window number of `ts` for a window of `window_secs`.
fn epoch_of(ts: Timestamp, window_secs: u64) -> u64 {
    let slot_us = (window_secs.saturating_mul(1_000_000) / SLOTS as u64).max(1);
    ts.as_micros() / slot_us
}

/// The distinct values of a [`Counting`], each with the sub-window of its
/// latest sighting (truncated to 32 bits: enough to tell the last
/// [`SLOTS`] apart), capped like a [`CappedSet`]: the first values in
/// arrival order are kept for evidence lists; small sets live in vectors,
/// the hash map is built once the sample is full.
#[derive(Debug)]
pub(crate) struct WindowSet<T> {
    sample: Vec<T>,
    /// Epochs of `sample`'s values while `map` is `None`.
    epochs: Vec<u32>,
    #[allow(clippy::box_collection)]
    map: Option<Box<HashMap<T, u32, ahash::RandomState>>>,
    /// Values seen after the set was full that were not in it.
    pub overflow: u64,
}

impl<T: Hash + Eq + Clone> WindowSet<T> {
    fn new() -> Self {
        WindowSet {
            sample: Vec::new(),
            epochs: Vec::new(),
            map: None,
            overflow: 0,
        }
    }

    /// The stored epoch of `v`, if held.
    fn epoch_mut(&mut self, v: &T) -> Option<&mut u32> {
        match &mut self.map {
            Some(m) => m.get_mut(v),
            None => {
                let i = self.sample.iter().position(|x| x == v)?;
                self.epochs.get_mut(i)
            }
        }
    }

    /// Distinct values held (a lower bound once `overflow` > 0).
    pub fn len(&self) -> usize {
        self.map.as_ref().map_or(self.sample.len(), |m| m.len())
    }

    /// True when values were dropped for the cap.
    pub fn saturated(&self) -> bool {
        self.overflow > 0
    }

    pub fn sample(&self) -> &[T] {
        &self.sample
    }

    /// Drops the values last seen before the window (`keep` false).
    fn prune(&mut self, keep: impl Fn(u32) -> bool) {
        match &mut self.map {
            Some(m) => {
                m.retain(|_, e| keep(*e));
                self.sample.retain(|v| m.contains_key(v));
            }
            None => {
                let mut i = 0;
                while i < self.sample.len() {
                    if self.epochs.get(i).is_some_and(|e| keep(*e)) {
                        i += 1;
                    } else {
                        self.sample.remove(i);
                        self.epochs.remove(i);
                    }
                }
            }
        }
    }

    fn push(&mut self, v: T, e: u32, sample_cap: usize) {
        match &mut self.map {
            Some(m) => {
                if self.sample.len() < sample_cap {
                    self.sample.push(v.clone());
                }
                m.insert(v, e);
            }
            None if self.sample.len() < sample_cap => {
                self.sample.push(v);
                self.epochs.push(e);
            }
            None => {
                let mut m = HashMap::with_hasher(ahash::RandomState::new());
                m.extend(self.sample.iter().cloned().zip(self.epochs.drain(..)));
                m.insert(v, e);
                self.map = Some(Box::new(m));
            }
        }
    }
}

/// The counting core of a tracker: a sliding window (a [`Ring`] of
/// sub-window counts), the totals since the tracker (re)started, its
/// distinct values and the open episode, if any.
///
/// Thresholds are judged over the sliding window ([`Counting::in_window`],
/// [`Counting::distinct_in_window`]): an attack split across what would
/// have been two fixed windows is counted whole, to within one sub-window
/// (`window / SLOTS`). The totals (`count`, `distinct`) are what evidence
/// reports and updates grow on. Without an open episode the tracker starts
/// over once a whole window passed without an event.
#[derive(Debug)]
pub(crate) struct Counting<T> {
    pub window: Window,
    pub count: u64,
    pub distinct: WindowSet<T>,
    pub episode: Option<Episode>,
    ring: Ring,
}

impl<T: Hash + Eq + Clone> Counting<T> {
    pub fn new(ts: Timestamp) -> Self {
        Counting {
            window: Window::new(ts),
            count: 0,
            distinct: WindowSet::new(),
            episode: None,
            ring: Ring::default(),
        }
    }

    /// Called first for each event at `ts`: without an open episode, a
    /// tracker quiet for a whole window starts over (counts and values
    /// forgotten); the sliding window moves to `ts`. Returns true when it
    /// started over.
    pub fn begin(&mut self, ts: Timestamp, window_secs: u64) -> bool {
        let restarted = self.episode.is_none() && quiet(ts, self.window.last, window_secs);
        if restarted {
            *self = Counting::new(ts);
        }
        self.window.touch(ts);
        self.ring.advance(epoch_of(ts, window_secs));
        restarted
    }

    /// Counts one event at `ts` (after [`Counting::begin`]).
    pub fn add(&mut self, ts: Timestamp, window_secs: u64) {
        self.count += 1;
        let e = epoch_of(ts, window_secs) as u32;
        if let Some(i) = self.ring.slot(e) {
            self.ring.events[i] = self.ring.events[i].saturating_add(1);
        }
    }

    /// Records value `v` seen at `ts`; true when it is new to the tracker.
    /// `cap` bounds the values held (without an open episode, values last
    /// seen before the window are dropped first to make room), `sample_cap`
    /// the evidence list.
    pub fn add_value(
        &mut self,
        v: T,
        ts: Timestamp,
        window_secs: u64,
        cap: usize,
        sample_cap: usize,
    ) -> bool {
        let e = epoch_of(ts, window_secs) as u32;
        let ring = &mut self.ring;
        if let Some(old) = self.distinct.epoch_mut(&v) {
            // Seen before: it moves to the newer sub-window.
            if ring.age(e) < ring.age(*old) {
                if let Some(i) = ring.slot(*old) {
                    ring.distinct[i] = ring.distinct[i].saturating_sub(1);
                }
                if let Some(j) = ring.slot(e) {
                    ring.distinct[j] = ring.distinct[j].saturating_add(1);
                }
                *old = e;
            }
            return false;
        }
        if self.distinct.len() >= cap && self.episode.is_none() {
            let r = &*ring;
            self.distinct.prune(|x| r.slot(x).is_some());
        }
        if self.distinct.len() >= cap {
            self.distinct.overflow += 1;
            return false;
        }
        self.distinct.push(v, e, sample_cap);
        if let Some(j) = ring.slot(e) {
            ring.distinct[j] = ring.distinct[j].saturating_add(1);
        }
        true
    }

    /// Events within the sliding window.
    pub fn in_window(&self) -> u64 {
        self.ring.events_in_window()
    }

    /// Distinct values last seen within the sliding window.
    pub fn distinct_in_window(&self) -> u64 {
        self.ring.distinct_in_window()
    }

    /// Called after counting: `New` when `measure` (counted over the sliding
    /// window) crossed `threshold` without an open episode, `Update` when
    /// the open one's `total` grew by the update factor.
    pub fn judge(
        &mut self,
        measure: u64,
        total: u64,
        threshold: u64,
        factor: u64,
        ids: &mut super::EpisodeIds,
    ) -> Option<super::EpisodeState> {
        match &mut self.episode {
            None if measure >= threshold => {
                self.episode = Some(Episode::new(ids.next(), total.max(measure), factor));
                Some(super::EpisodeState::New)
            }
            None => None,
            Some(e) => e.due(total, factor).then_some(super::EpisodeState::Update),
        }
    }

    /// [`Self::judge`] on the events counted in the window (total: all of
    /// the episode's).
    pub fn judge_count(
        &mut self,
        threshold: u64,
        factor: u64,
        ids: &mut super::EpisodeIds,
    ) -> Option<super::EpisodeState> {
        let (measure, total) = (self.in_window(), self.count);
        self.judge(measure, total, threshold, factor, ids)
    }

    /// [`Self::judge`] on the distinct values seen in the window (total: all
    /// of the episode's distinct values).
    pub fn judge_distinct(
        &mut self,
        threshold: u64,
        factor: u64,
        ids: &mut super::EpisodeIds,
    ) -> Option<super::EpisodeState> {
        let (measure, total) = (self.distinct_in_window(), self.distinct.len() as u64);
        self.judge(measure, total, threshold, factor, ids)
    }

    /// At a sweep: `Some(true)` when the open episode went quiet (end it),
    /// `Some(false)` when idle state may be dropped silently (no event for
    /// a whole window), `None` to keep.
    pub fn stale(&self, now: Timestamp, window_secs: u64, quiet_secs: u64) -> Option<bool> {
        match self.episode {
            Some(_) => quiet(now, self.window.last, quiet_secs).then_some(true),
            None => quiet(now, self.window.last, window_secs).then_some(false),
        }
    }

    /// [`Counting::stale`], or at shutdown (`force`): end open episodes and
    /// drop the rest.
    pub fn verdict(
        &self,
        now: Timestamp,
        force: bool,
        window_secs: u64,
        quiet_secs: u64,
    ) -> Option<bool> {
        if force {
            return Some(self.episode.is_some());
        }
        self.stale(now, window_secs, quiet_secs)
    }

    /// The episode id (0 without an episode).
    pub fn episode_id(&self) -> u64 {
        self.episode.as_ref().map_or(0, |e| e.id)
    }

    pub fn is_open(&self) -> bool {
        self.episode.is_some()
    }
}

/// True when a tracker last touched at `last` has been quiet for longer than
/// `secs` at `now`.
pub(crate) fn quiet(now: Timestamp, last: Timestamp, secs: u64) -> bool {
    now.micros_since(last) > secs.saturating_mul(1_000_000)
}

/// A HyperLogLog sketch of 64 registers: estimates how many distinct
/// sources flooded a server in 64 bytes (about 13% standard error), where an
/// exact set would grow with every spoofed address. The hash is fixed, so the
/// estimate is the same on every run.
#[derive(Debug, Clone)]
pub(crate) struct DistinctSketch {
    regs: [u8; 64],
}

impl DistinctSketch {
    pub fn new() -> Self {
        DistinctSketch { regs: [0; 64] }
    }

    pub fn insert(&mut self, bytes: &[u8]) {
        let h = splitmix(fnv1a(bytes));
        let idx = (h & 63) as usize;
        let rest = h >> 6;
        let rank = (rest.trailing_zeros() + 1).min(58) as u8;
        if let Some(r) = self.regs.get_mut(idx)
            && rank > *r
        {
            *r = rank;
        }
    }

    /// The estimated number of distinct values inserted.
    pub fn estimate(&self) -> u64 {
        let m = 64.0_f64;
        let alpha = 0.709;
        let sum: f64 = self.regs.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.regs.iter().filter(|&&r| r == 0).count();
        let est = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        est.round() as u64
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The bytes of an address, for hashing into a sketch.
pub(crate) fn ip_bytes(ip: std::net::IpAddr) -> [u8; 16] {
    match ip {
        std::net::IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        std::net::IpAddr::V6(a) => a.octets(),
    }
}

/// Ends the open episode of a tracker its map evicted to make room (the
/// alert says `end_reason: evicted`).
pub(crate) fn end_evicted<K, T>(
    evicted: Option<(K, T)>,
    open: impl Fn(&T) -> bool,
    end: impl Fn(&K, &T) -> super::Anomaly,
    out: &mut Vec<super::Anomaly>,
) {
    if let Some((k, t)) = evicted
        && open(&t)
    {
        let mut a = end(&k, &t);
        a.evidence.insert("end_reason".into(), "evicted".into());
        out.push(a);
    }
}

/// A sweep over a detector's trackers: `verdict` says per tracker whether
/// its episode went quiet (`Some(true)`: `end` writes the closing alert, the
/// tracker goes), it is idle (`Some(false)`: dropped silently) or stays
/// (`None`).
pub(crate) fn sweep_trackers<K: Hash + Eq + Clone, T>(
    map: &mut BoundedMap<K, T>,
    verdict: impl Fn(&T) -> Option<bool>,
    end: impl Fn(&K, &T) -> super::Anomaly,
    out: &mut Vec<super::Anomaly>,
) {
    map.retain(|k, t| match verdict(t) {
        None => true,
        Some(false) => false,
        Some(true) => {
            out.push(end(k, t));
            false
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_map_evicts_deterministically_and_counts() {
        let mut m: BoundedMap<u32, u32> = BoundedMap::new(3);
        for k in 0..3 {
            m.entry(k, || k, |_| false);
        }
        // 0 was used again: it is spared, 1 goes.
        m.get_mut(&0);
        let (_, ev) = m.entry(3, || 3, |_| false);
        assert_eq!(ev.map(|e| e.0), Some(1));
        assert_eq!(m.len(), 3);
        assert_eq!(m.evicted, 1);
        for k in 10..10_000 {
            m.entry(k, || k, |_| false);
        }
        assert_eq!(m.len(), 3);
        assert_eq!(m.evicted, 9_991);
        assert!(m.queue.len() <= 3 * 2);
    }

    #[test]
    fn bounded_map_spares_kept_entries() {
        let mut m: BoundedMap<u32, bool> = BoundedMap::new(2);
        m.entry(1, || true, |v| *v);
        m.entry(2, || false, |v| *v);
        let (_, ev) = m.entry(3, || false, |v| *v);
        assert_eq!(ev.map(|e| e.0), Some(2));
        assert!(m.get_mut(&1).is_some());
    }

    #[test]
    fn capped_set_counts_exactly_up_to_the_cap() {
        let mut s: CappedSet<u32> = CappedSet::new();
        for v in [1, 2, 2, 3] {
            s.insert(v, 100, 2);
        }
        assert_eq!((s.len(), s.sample()), (3, &[1, 2][..]));
        for v in 0..500 {
            s.insert(v % 150, 100, 2);
        }
        assert_eq!(s.len(), 100);
        assert!(s.overflow > 0);
        let mut tiny: CappedSet<u32> = CappedSet::new();
        assert!(tiny.insert(7, 1, 20) && !tiny.insert(8, 1, 20) && !tiny.insert(7, 1, 20));
        assert_eq!(tiny.len(), 1);
    }

    #[test]
    fn sketch_estimates_within_a_quarter() {
        let mut s = DistinctSketch::new();
        for i in 0u32..10_000 {
            s.insert(&i.to_be_bytes());
        }
        let e = s.estimate();
        assert!((7_500..12_500).contains(&e), "estimate {e}");
        let mut small = DistinctSketch::new();
        for i in 0u32..10 {
            small.insert(&i.to_be_bytes());
        }
        assert!((8..=12).contains(&small.estimate()));
    }

    #[test]
    fn episode_updates_by_factor() {
        let mut e = Episode::new(1, 10, 10);
        assert!(!e.due(99, 10));
        assert!(e.due(100, 10));
        assert!(!e.due(500, 10));
        assert!(e.due(1000, 10));
        assert_eq!(e.updates, 2);
    }
}
