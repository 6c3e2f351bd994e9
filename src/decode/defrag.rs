//! IPv4 and IPv6 defragmentation.
//!
//! Why by hand: fragmentation is the classic way to show a sensor different
//! bytes than the host receives (Ptacek and Newsham 1998; RFC 1858; RFC 3128).
//! The sensor must reassemble deterministically, with one documented overlap
//! policy, and with every buffer bounded, since attackers choose the fragments.
//!
//! # Overlap policy: first-arrived data wins
//!
//! Bytes already held are never overwritten; a later fragment only fills the
//! holes it covers. This is Suricata's and Snort's `first` policy (Windows and
//! macOS behave so). Each fragment that overlaps held data counts
//! `defrag.overlap` once. Without conflicting overlaps the result does not
//! depend on arrival order.
//!
//! The datagram's end is fixed by the first last fragment (MF=0) to arrive:
//! later data past it is ignored, and so is the end claimed by a later last
//! fragment. The header fields of the result (TTL, MACs, IPv6 unfragmentable
//! headers, IPv6 next header) come from the first fragment with offset 0 to
//! arrive.
//!
//! # Limits
//!
//! See [`DefragConfig`]: bytes held, fragments per datagram, datagrams at once,
//! and the time an incomplete datagram may live. Each limit hit is counted.

use std::collections::HashMap;
use std::net::IpAddr;

use super::parse::LinkInfo;
use super::{DefragConfig, IpFlags, Vlans};
use crate::time::Timestamp;

crate::counters! {
    /// Counters of the defragmenter (Suricata's `defrag.*` names).
    pub struct DefragCounters {
        /// IPv4 fragments seen.
        ipv4_fragments => "defrag.ipv4.fragments",
        /// IPv4 datagrams reassembled.
        ipv4_reassembled => "defrag.ipv4.reassembled",
        /// IPv6 fragments seen.
        ipv6_fragments => "defrag.ipv6.fragments",
        /// IPv6 datagrams reassembled.
        ipv6_reassembled => "defrag.ipv6.reassembled",
        /// Fragments that overlapped data already held (first-arrived data kept).
        overlap => "defrag.overlap",
        /// Datagrams abandoned for having more than `max_fragments` fragments.
        max_frag_hits => "defrag.max_frag_hits",
        /// Fragments dropped because holding them would exceed the memcap.
        memcap_drop => "defrag.memcap_drop",
        /// Incomplete datagrams dropped after `timeout_secs` of packet time.
        timeout => "defrag.timeout",
        /// Fragments of a new datagram dropped because `max_datagrams` were open.
        tracker_drop => "defrag.tracker_drop",
        /// Fragments dropped because the snaplen cut their data.
        snaplen_drop => "defrag.snaplen_drop",
    }
}

/// What identifies one datagram being reassembled (RFC 791 section 2.3 for
/// IPv4: source, destination, protocol, identification; RFC 8200 section 4.5
/// for IPv6: source, destination, identification) plus the VLANs, which keep
/// the same addresses in two VLANs apart as the flow table does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FragKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 protocol; 0 for IPv6 (see `parse::ipv6`).
    pub proto: u8,
    pub id: u32,
    pub vlans: Vlans,
}

/// Per-datagram facts taken from the fragment with offset 0.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct FragHeader {
    pub link: LinkInfo,
    pub ttl: u8,
    /// IPv4 flags (empty for IPv6).
    pub ip_flags: IpFlags,
    /// Bytes before the fragmentable part: the IPv4 header with options, or
    /// the IPv6 header with the unfragmentable extension headers.
    pub hdr_len: usize,
    /// IPv4 protocol, or the IPv6 fragment header's next header.
    pub proto: u8,
}

/// One fragment, borrowed from the capture buffer.
#[derive(Clone, Debug)]
pub(crate) struct Fragment<'a> {
    pub key: FragKey,
    pub header: FragHeader,
    /// Offset of `data` in the fragmentable part, in bytes.
    pub offset: usize,
    /// More fragments follow (IPv4 MF, IPv6 M).
    pub more: bool,
    pub data: &'a [u8],
    /// False when the snaplen cut the fragment's data.
    pub captured_whole: bool,
}

/// A datagram just completed; its fragmentable part is in
/// [`Defragmenter::reassembled`].
#[derive(Clone, Debug)]
pub(crate) struct Completed {
    pub key: FragKey,
    pub header: FragHeader,
}

/// What [`Defragmenter::insert`] did with a fragment.
#[derive(Debug)]
pub(crate) enum Insert {
    /// Stored, or dropped by a limit (counted).
    Held,
    /// The datagram is complete.
    Complete(Completed),
}

/// A run of held bytes `[start, start + data.len())`.
#[derive(Debug)]
struct Piece {
    start: usize,
    data: Vec<u8>,
}

impl Piece {
    fn end(&self) -> usize {
        self.start + self.data.len()
    }
}

/// One datagram being reassembled.
#[derive(Debug)]
struct Tracker {
    /// Arrival of its first fragment: the timeout runs from here.
    first_seen: Timestamp,
    /// Fragments received, duplicates included.
    fragments: usize,
    /// Length of the fragmentable part, once a last fragment has arrived.
    end: Option<usize>,
    /// Held bytes as maximal runs: sorted, disjoint and not touching.
    pieces: Vec<Piece>,
    /// From the first offset-0 fragment.
    header: Option<FragHeader>,
    /// Bytes held in `pieces`.
    held: usize,
}

impl Tracker {
    fn new(now: Timestamp) -> Self {
        Tracker {
            first_seen: now,
            fragments: 0,
            end: None,
            pieces: Vec::new(),
            header: None,
            held: 0,
        }
    }

    fn expired(&self, now: Timestamp, timeout_secs: u64) -> bool {
        now >= self.first_seen.plus_secs(timeout_secs)
    }

    /// The pieces `i..j` that overlap or touch `[start, end)`, and how many of
    /// its bytes are already held.
    fn neighbours(&self, start: usize, end: usize) -> (usize, usize, usize) {
        let i = self.pieces.partition_point(|p| p.end() < start);
        let j = self.pieces.partition_point(|p| p.start <= end);
        let held = self
            .pieces
            .get(i..j)
            .unwrap_or_default()
            .iter()
            .map(|p| p.end().min(end).saturating_sub(p.start.max(start)))
            .sum();
        (i, j, held)
    }

    /// Stores the bytes of `data` (at `start`) that fill holes, merging the
    /// pieces `i..j` (from [`Tracker::neighbours`]) into one run. Held bytes
    /// are copied over the new ones, so they win.
    fn fill(&mut self, i: usize, j: usize, start: usize, data: &[u8]) {
        let end = start + data.len();
        if i >= j {
            self.pieces.insert(
                i,
                Piece {
                    start,
                    data: data.to_vec(),
                },
            );
            return;
        }
        let (first_start, last_end) = match (self.pieces.get(i), self.pieces.get(j - 1)) {
            (Some(first), Some(last)) => (first.start, last.end()),
            _ => return,
        };
        let run_end = end.max(last_end);
        // Extend the first piece in place when it starts at or before the new
        // data: in-order arrival then appends without copying what is held.
        let (mut run, run_start, copy_from) = match self.pieces.get_mut(i) {
            Some(first) if first_start <= start => {
                (std::mem::take(&mut first.data), first_start, i + 1)
            }
            _ => (Vec::with_capacity(run_end - start), start, i),
        };
        let held_end = run_start + run.len();
        run.resize(run_end - run_start, 0);
        if end > held_end {
            let from = start.max(held_end);
            copy_at(
                &mut run,
                from - run_start,
                data.get(from - start..).unwrap_or_default(),
            );
        }
        for p in self.pieces.get(copy_from..j).unwrap_or_default() {
            copy_at(&mut run, p.start - run_start, &p.data);
        }
        self.pieces.splice(
            i..j,
            std::iter::once(Piece {
                start: run_start,
                data: run,
            }),
        );
    }

    /// True when the last fragment arrived and `[0, end)` has no hole.
    fn is_complete(&self) -> bool {
        match (self.end, self.pieces.first()) {
            (Some(end), Some(first)) => first.start == 0 && first.data.len() >= end,
            _ => false,
        }
    }
}

/// Copies `src` into `dst` at `at`; the callers' arithmetic keeps it in range.
fn copy_at(dst: &mut [u8], at: usize, src: &[u8]) {
    let slot = at
        .checked_add(src.len())
        .and_then(|end| dst.get_mut(at..end));
    debug_assert!(slot.is_some(), "defrag copy out of range");
    if let Some(slot) = slot {
        slot.copy_from_slice(src);
    }
}

/// Reassembles IPv4 and IPv6 datagrams, one per worker thread.
#[derive(Debug)]
pub(crate) struct Defragmenter {
    cfg: DefragConfig,
    trackers: HashMap<FragKey, Tracker, ahash::RandomState>,
    /// Bytes held over all trackers (checked against the memcap).
    held: usize,
    counters: DefragCounters,
    /// The fragmentable part of the last completed datagram.
    buf: Vec<u8>,
    /// When full, expired trackers are swept at most once a second of packet
    /// time, so a flood of new datagrams does not make every fragment O(n).
    next_sweep: Timestamp,
}

impl Defragmenter {
    pub(crate) fn new(cfg: DefragConfig) -> Self {
        Defragmenter {
            cfg,
            // Keys are attacker-chosen: a randomly seeded hasher resists
            // collision floods. Iteration order never reaches the output.
            trackers: HashMap::with_hasher(ahash::RandomState::new()),
            held: 0,
            counters: DefragCounters::default(),
            buf: Vec::new(),
            next_sweep: Timestamp(0),
        }
    }

    pub(crate) fn counters(&self) -> &DefragCounters {
        &self.counters
    }

    /// The fragmentable part of the datagram last reported [`Insert::Complete`].
    pub(crate) fn reassembled(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes held in incomplete datagrams.
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.held
    }

    /// Incomplete datagrams being tracked.
    #[cfg(test)]
    pub(crate) fn tracked(&self) -> usize {
        self.trackers.len()
    }

    /// Checks the bookkeeping: runs sorted, disjoint, not touching, and every
    /// byte count and limit consistent.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        let mut total = 0;
        for t in self.trackers.values() {
            let mut prev_end = None;
            let mut sum = 0;
            for p in &t.pieces {
                assert!(!p.data.is_empty());
                if let Some(e) = prev_end {
                    assert!(p.start > e, "runs must not touch");
                }
                prev_end = Some(p.end());
                sum += p.data.len();
            }
            assert_eq!(sum, t.held);
            assert!(t.fragments <= self.cfg.max_fragments);
            total += sum;
        }
        assert_eq!(total, self.held);
        assert!(self.held <= self.cfg.memcap);
        assert!(self.trackers.len() <= self.cfg.max_datagrams);
    }

    /// Drops incomplete datagrams whose first fragment arrived `timeout_secs`
    /// or more before `now`.
    pub(crate) fn expire(&mut self, now: Timestamp) {
        let timeout = self.cfg.timeout_secs;
        let held = &mut self.held;
        let counters = &mut self.counters;
        self.trackers.retain(|_, t| {
            if t.expired(now, timeout) {
                *held -= t.held;
                counters.timeout += 1;
                false
            } else {
                true
            }
        });
    }

    fn remove(&mut self, key: &FragKey) -> Option<Tracker> {
        let t = self.trackers.remove(key)?;
        self.held -= t.held;
        Some(t)
    }

    /// Adds one fragment at packet time `now`.
    pub(crate) fn insert(&mut self, frag: Fragment<'_>, now: Timestamp) -> Insert {
        let v4 = frag.key.src.is_ipv4();
        if v4 {
            self.counters.ipv4_fragments += 1;
        } else {
            self.counters.ipv6_fragments += 1;
        }
        if !frag.captured_whole {
            self.counters.snaplen_drop += 1;
            return Insert::Held;
        }

        // Lazy timeout: a stale datagram must not absorb a new one that reuses
        // its identification (IPv4 ids wrap quickly on busy hosts).
        if self
            .trackers
            .get(&frag.key)
            .is_some_and(|t| t.expired(now, self.cfg.timeout_secs))
        {
            self.remove(&frag.key);
            self.counters.timeout += 1;
        }

        if !self.trackers.contains_key(&frag.key) {
            // Bounds the tracker table: fragments of never-completed datagrams
            // are free to send, and each open datagram costs a table entry.
            if self.trackers.len() >= self.cfg.max_datagrams && now >= self.next_sweep {
                self.expire(now);
                self.next_sweep = now.plus_secs(1);
            }
            if self.trackers.len() >= self.cfg.max_datagrams {
                self.counters.tracker_drop += 1;
                return Insert::Held;
            }
        }
        let tracker = self
            .trackers
            .entry(frag.key.clone())
            .or_insert_with(|| Tracker::new(now));

        // Bounds the work and the piece list per datagram: overlapping,
        // duplicated or tiny fragments cost CPU on every arrival (the
        // "teardrop" and fragment-flood family, e.g. CVE-2018-5391 "FragmentSmack").
        tracker.fragments += 1;
        if tracker.fragments > self.cfg.max_fragments {
            self.remove(&frag.key);
            self.counters.max_frag_hits += 1;
            return Insert::Held;
        }

        // The first last fragment fixes the end; data past it is ignored.
        let start = frag.offset;
        let claimed_end = start + frag.data.len();
        let datagram_end = match (tracker.end, frag.more) {
            (Some(end), _) => Some(end),
            (None, false) => Some(claimed_end),
            (None, true) => None,
        };
        let end = datagram_end.map_or(claimed_end, |e| claimed_end.min(e));
        let data = frag
            .data
            .get(..end.saturating_sub(start))
            .unwrap_or_default();

        let (i, j, overlapped) = tracker.neighbours(start, start + data.len());
        let added = data.len() - overlapped;
        // Bounds the memory of incomplete datagrams: an attacker can open
        // datagrams it never completes, each up to 64 KiB.
        if self.held + added > self.cfg.memcap {
            self.counters.memcap_drop += 1;
            if tracker.pieces.is_empty() {
                self.remove(&frag.key);
            }
            return Insert::Held;
        }

        tracker.end = datagram_end;
        if start == 0 && tracker.header.is_none() {
            tracker.header = Some(frag.header);
        }
        if overlapped > 0 {
            self.counters.overlap += 1;
        }
        if added > 0 {
            tracker.fill(i, j, start, data);
            tracker.held += added;
            self.held += added;
        }
        if !tracker.is_complete() {
            return Insert::Held;
        }

        let Some(mut t) = self.remove(&frag.key) else {
            return Insert::Held;
        };
        let (Some(header), Some(end), Some(first)) = (t.header, t.end, t.pieces.first_mut()) else {
            // Unreachable: a piece at offset 0 comes from an offset-0 fragment,
            // which set the header.
            return Insert::Held;
        };
        std::mem::swap(&mut self.buf, &mut first.data);
        self.buf.truncate(end);
        if v4 {
            self.counters.ipv4_reassembled += 1;
        } else {
            self.counters.ipv6_reassembled += 1;
        }
        Insert::Complete(Completed {
            key: frag.key,
            header,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(offset: usize, more: bool, data: &[u8]) -> Fragment<'_> {
        Fragment {
            key: FragKey {
                src: IpAddr::from([10, 0, 0, 1]),
                dst: IpAddr::from([10, 0, 0, 2]),
                proto: 17,
                id: 1,
                vlans: Vlans::default(),
            },
            header: FragHeader {
                link: LinkInfo::default(),
                ttl: 64,
                ip_flags: IpFlags::default(),
                hdr_len: 20,
                proto: 17,
            },
            offset,
            more,
            data,
            captured_whole: true,
        }
    }

    fn runs(d: &Defragmenter) -> Vec<(usize, usize)> {
        let t = d.trackers.values().next().expect("one tracker");
        t.pieces.iter().map(|p| (p.start, p.end())).collect()
    }

    #[test]
    fn runs_merge_when_they_touch_or_overlap() {
        let mut d = Defragmenter::new(DefragConfig::default());
        let now = Timestamp(0);
        assert!(matches!(
            d.insert(frag(16, true, &[2; 8]), now),
            Insert::Held
        ));
        assert!(matches!(
            d.insert(frag(40, true, &[4; 8]), now),
            Insert::Held
        ));
        assert_eq!(runs(&d), vec![(16, 24), (40, 48)]);
        // Touches the first run: merged into it.
        assert!(matches!(
            d.insert(frag(24, true, &[3; 8]), now),
            Insert::Held
        ));
        assert_eq!(runs(&d), vec![(16, 32), (40, 48)]);
        // Bridges both runs over the hole between them.
        assert!(matches!(
            d.insert(frag(8, true, &[9; 40]), now),
            Insert::Held
        ));
        assert_eq!(runs(&d), vec![(8, 48)]);
        assert_eq!(d.held_bytes(), 40);
        assert_eq!(d.counters().overlap, 1);
        d.check_invariants();
        assert!(matches!(
            d.insert(frag(48, false, &[5; 3]), now),
            Insert::Held
        ));
        let Insert::Complete(done) = d.insert(frag(0, true, &[1; 8]), now) else {
            panic!("complete")
        };
        assert_eq!(done.header.ttl, 64);
        let mut want = vec![1; 8];
        want.extend_from_slice(&[9; 8]);
        want.extend_from_slice(&[2; 8]);
        want.extend_from_slice(&[3; 8]);
        want.extend_from_slice(&[9; 8]);
        want.extend_from_slice(&[4; 8]);
        want.extend_from_slice(&[5; 3]);
        assert_eq!(d.reassembled(), want);
        assert_eq!(d.held_bytes(), 0);
        assert_eq!(d.tracked(), 0);
    }

    #[test]
    fn the_first_last_fragment_fixes_the_end() {
        let mut d = Defragmenter::new(DefragConfig::default());
        let now = Timestamp(0);
        assert!(matches!(
            d.insert(frag(8, false, &[2; 8]), now),
            Insert::Held
        ));
        // A later "last" fragment claiming a longer datagram is cut to the end.
        assert!(matches!(
            d.insert(frag(8, false, &[3; 16]), now),
            Insert::Held
        ));
        assert_eq!(runs(&d), vec![(8, 16)]);
        let Insert::Complete(_) = d.insert(frag(0, true, &[1; 8]), now) else {
            panic!("complete")
        };
        assert_eq!(
            d.reassembled(),
            [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]
        );
    }
}
