//! One direction of a TCP connection, reassembled into an ordered byte stream.
//!
//! Detection must see the bytes the receiving host sees, in order, once. TCP
//! gives no such guarantee on the wire: segments are lost, reordered, duplicated
//! and — when someone tries to evade an IDS — overlap with *different* bytes.
//! [`StreamReassembler`] turns the segments of one direction into a sequence of
//! [`Delivery`] steps (data, gaps, depth, close) with these rules:
//!
//! - **Zero copy in order.** Data that continues the stream is delivered straight
//!   from the packet. Only segments beyond a hole are copied and held.
//! - **First wins.** A byte position, once delivered or held, keeps its first
//!   bytes; a later segment contributes only positions not yet held. This is
//!   Suricata's `first` overlap policy. It is deterministic (the result does not
//!   depend on which OS the receiver runs), and an attacker cannot rewrite bytes
//!   that were already inspected by sending an overlapping segment later.
//!   Overlaps are counted (`tcp.overlap`), and so are overlaps whose bytes differ
//!   from what is held (`tcp.overlap_diff_data`), the signature of an evasion
//!   attempt. Bytes already delivered are no longer held, so they cannot be
//!   compared.
//! - **Holes are given up**, reported as [`Delivery::Gap`], when more than
//!   `gap_bound` bytes wait beyond them, when the peer acknowledges data beyond
//!   them (it received bytes our capture missed), or when the direction ends
//!   (RST, flow end). Skipping on an ACK goes at most to the end of the data we
//!   saw the sender send, so a forged ACK cannot make us skip data still to come.
//! - **Depth**: after `depth` bytes, one `DepthReached`, then nothing but `Closed`.
//! - **Limits**: held bytes count against the table's memcap (plus
//!   [`SEGMENT_OVERHEAD`] per segment) and each direction holds at most
//!   [`MAX_SEGMENTS`] segments; a segment past either limit is dropped and counted.
//!
//! Sequence numbers become 64-bit stream offsets (see [`super::seq`]) relative to
//! the highest position seen, so a stream may carry more than 4 GiB and offsets
//! never wrap.
//!
//! Delivery is pulled one step at a time ([`StreamReassembler::next_delivery`])
//! so the caller can hand each step to a handler that also borrows the flow the
//! reassembler lives in: a step owns its bytes (a held segment) or borrows them
//! from the packet, never from the reassembler.

use std::collections::BTreeMap;

use super::seq::SeqNum;
use super::{StreamConfig, StreamEvent, TcpCounters};

/// Most segments held out of order per direction. The byte memcap alone would
/// let an attacker fill it with one-byte segments, each costing a map node and
/// an allocation, and make every insertion slower; 2048 segments is far more
/// than any real reordering needs (a full 1 GiB window would use larger ones).
pub const MAX_SEGMENTS: usize = 2048;

/// Bytes charged to the memcap per held segment on top of its payload: the
/// map node share, the `Vec` header and allocator rounding. Without it, floods
/// of tiny segments would use several times the configured memcap.
pub const SEGMENT_OVERHEAD: usize = 64;

/// How far beyond the highest position seen a segment may start. RFC 7323 caps
/// a TCP window at 2^30 bytes, so a sender cannot legitimately send further
/// ahead; what lies beyond is forged or from another connection, and accepting
/// it would move the anchor that sequence numbers are read against.
pub const MAX_AHEAD: u64 = 1 << 30;

/// How far a RST's sequence number may lie outside the data we saw its sender
/// send (before the next undelivered byte, or beyond the highest byte seen) and
/// still close the connection. A real RST carries the sender's next sequence
/// number, which we saw unless we missed packets; a RST far from it is a blind
/// or inserted reset (RFC 5961 §3), which would otherwise stop inspection of a
/// connection that goes on.
pub const RST_WINDOW: u64 = 1 << 20;

/// One step of a reassembled direction, ready to be shown as a [`StreamEvent`].
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery<'p> {
    /// In-order bytes borrowed from the current packet.
    Borrowed {
        /// Stream offset of `data[0]`.
        offset: u64,
        /// The bytes.
        data: &'p [u8],
    },
    /// In-order bytes of a segment that was held: `buf[start..end]`.
    Owned {
        /// Stream offset of `buf[start]`.
        offset: u64,
        /// The held segment, taken out of the reassembler.
        buf: Vec<u8>,
        /// First byte of `buf` delivered.
        start: usize,
        /// One past the last byte of `buf` delivered.
        end: usize,
    },
    /// Bytes skipped.
    Gap {
        /// Stream offset of the first missing byte.
        offset: u64,
        /// Number of missing bytes.
        len: u64,
    },
    /// The depth was reached.
    DepthReached {
        /// The depth.
        offset: u64,
    },
    /// The direction ended.
    Closed,
}

impl Delivery<'_> {
    /// The step as the event handlers see it.
    pub fn event(&self) -> StreamEvent<'_> {
        match self {
            Delivery::Borrowed { offset, data } => StreamEvent::Data {
                offset: *offset,
                data,
            },
            Delivery::Owned {
                offset,
                buf,
                start,
                end,
            } => StreamEvent::Data {
                offset: *offset,
                data: &buf[*start..*end],
            },
            Delivery::Gap { offset, len } => StreamEvent::Gap {
                offset: *offset,
                len: *len,
            },
            Delivery::DepthReached { offset } => StreamEvent::DepthReached { offset: *offset },
            Delivery::Closed => StreamEvent::Closed,
        }
    }
}

/// The part of the current packet that continues the stream, not yet delivered:
/// stream offset of `data[0]`, and the bytes.
pub type InOrder<'p> = Option<(u64, &'p [u8])>;

/// Reassembly state of one direction of a TCP connection.
#[derive(Debug, Default)]
pub struct StreamReassembler {
    /// Sequence number of stream offset 0; `None` until the first SYN or segment.
    base: Option<SeqNum>,
    /// Every byte below this offset was delivered or skipped.
    next: u64,
    /// One past the highest byte seen in an accepted segment (held, dropped or
    /// delivered). Sequence numbers are read relative to this position.
    seen_end: u64,
    /// Stream offset taken by the FIN (one past the last data byte).
    fin: Option<u64>,
    /// Holes that start below this offset are skipped (peer ACK, or closing).
    skip_until: u64,
    /// Held out-of-order segments by stream offset; never overlapping, all at
    /// or beyond `next`.
    segs: BTreeMap<u64, Vec<u8>>,
    /// Payload bytes in `segs`.
    held: usize,
    depth_reached: bool,
    /// RST or flow end: skip every hole, then close.
    closing: bool,
    closed: bool,
    had_gap: bool,
}

impl StreamReassembler {
    /// Sets the sequence number of stream offset 0, unless already set: the
    /// SYN's sequence number + 1, or the first segment's for a mid-stream pickup.
    pub fn init(&mut self, base: SeqNum) {
        if self.base.is_none() {
            self.base = Some(base);
        }
    }

    /// The sequence number of stream offset 0, once known.
    pub fn base(&self) -> Option<SeqNum> {
        self.base
    }

    /// Every byte below this offset was delivered or skipped.
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// True once a hole was skipped in this direction.
    pub fn had_gap(&self) -> bool {
        self.had_gap
    }

    /// True once the depth was reached.
    pub fn depth_reached(&self) -> bool {
        self.depth_reached
    }

    /// True once `Closed` was delivered.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// True once a FIN was seen in this direction.
    pub fn fin_seen(&self) -> bool {
        self.fin.is_some()
    }

    /// Payload bytes held out of order.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// Stream offset of `seq`, read against the highest position seen.
    fn offset_of(&self, base: SeqNum, seq: SeqNum) -> i64 {
        // Truncating the offset to 32 bits is the modular sequence arithmetic.
        let anchor = base.wrapping_add(self.seen_end as u32);
        seq.offset_from(anchor, self.seen_end)
    }

    /// Records a FIN taking sequence number `fin_seq`. Returns true when this is
    /// the direction's first (accepted) FIN. A FIN beyond [`MAX_AHEAD`] is
    /// ignored; one before the delivered data ends the stream where it stands.
    pub fn note_fin(&mut self, fin_seq: SeqNum) -> bool {
        let Some(base) = self.base else { return false };
        if self.fin.is_some() {
            return false;
        }
        let off = self.offset_of(base, fin_seq);
        if off > 0 && off as u64 > self.seen_end.saturating_add(MAX_AHEAD) {
            return false;
        }
        self.fin = Some(u64::try_from(off).unwrap_or(0).max(self.next));
        true
    }

    /// True when `ack` (sent by the peer) acknowledges this direction's FIN.
    pub fn acks_fin(&self, ack: SeqNum) -> bool {
        match (self.base, self.fin) {
            (Some(base), Some(fin)) => {
                u64::try_from(self.offset_of(base, ack)).is_ok_and(|off| off > fin)
            }
            _ => false,
        }
    }

    /// True when a RST with sequence number `seq`, sent in this direction, is
    /// plausible: we know nothing of the sender yet, or `seq` lies within
    /// [`RST_WINDOW`] of the data we saw it send.
    pub fn rst_in_window(&self, seq: SeqNum) -> bool {
        let Some(base) = self.base else { return true };
        let off = self.offset_of(base, seq);
        let low = i64::try_from(self.next.saturating_sub(RST_WINDOW)).unwrap_or(i64::MAX);
        let high = i64::try_from(self.seen_end.saturating_add(RST_WINDOW)).unwrap_or(i64::MAX);
        (low..=high).contains(&off)
    }

    /// True when data was seen that is not delivered yet, so that a peer ACK
    /// may let us skip a hole. Cheap: checked on every ACK.
    pub fn has_undelivered(&self) -> bool {
        !self.closed && !self.depth_reached && self.next < self.seen_end
    }

    /// The peer acknowledged up to `ack`: holes below it will not be filled by
    /// this capture any more (the receiver got bytes we missed).
    pub fn on_ack(&mut self, ack: SeqNum) {
        let Some(base) = self.base else { return };
        if let Ok(off) = u64::try_from(self.offset_of(base, ack))
            && off > self.next
        {
            self.skip_until = self.skip_until.max(off);
        }
    }

    /// The direction ends (RST or flow end): the following deliveries skip every
    /// hole, deliver what is held, then `Closed`.
    pub fn begin_close(&mut self) {
        self.closing = true;
        self.skip_until = u64::MAX;
    }

    /// Takes in one segment: `seq` is the sequence number of `payload[0]` (the
    /// SYN's + 1 when the segment carries a SYN). Out-of-order bytes are copied
    /// and held; the part that continues the stream is returned, to be passed
    /// to [`next_delivery`](Self::next_delivery) without a copy.
    pub fn ingest<'p>(
        &mut self,
        seq: SeqNum,
        payload: &'p [u8],
        cfg: &StreamConfig,
        ctr: &mut TcpCounters,
    ) -> InOrder<'p> {
        if payload.is_empty() || self.closed {
            return None;
        }
        self.init(seq);
        let base = self.base?;
        let start = self.offset_of(base, seq);
        let end = start.saturating_add(payload.len() as i64);
        if end <= 0 {
            // Entirely before the stream start (data before a mid-stream pickup).
            return None;
        }
        if start > 0 && start as u64 > self.seen_end.saturating_add(MAX_AHEAD) {
            return None;
        }
        let end = end as u64;
        // Past the depth nothing is buffered, but the anchor still follows the
        // sender, so that its FIN and RST are read at the right offsets.
        self.seen_end = self.seen_end.max(end);
        if self.depth_reached {
            return None;
        }
        if end <= self.next {
            ctr.pkt_retransmitted += 1;
            return None;
        }
        let mut limit = end;
        if let Some(fin) = self.fin {
            // Data beyond the FIN is never read by the receiver.
            limit = limit.min(fin);
        }
        if cfg.depth > 0 {
            limit = limit.min(cfg.depth as u64);
        }
        let s = start.max(0) as u64;
        let from = s.max(self.next);
        if from >= limit {
            return None;
        }
        let in_order = s <= self.next;
        let seg = Segment {
            start,
            payload,
            from,
            to: limit,
        };
        let (overlapped, differs) = self.merge(&seg, !in_order, cfg.memcap as u64, ctr);
        if overlapped || s < self.next {
            ctr.overlap += 1;
        }
        if differs {
            ctr.overlap_diff_data += 1;
        }
        if in_order {
            Some((from, &payload[seg.index(from)..seg.index(limit)]))
        } else {
            ctr.pkt_out_of_order += 1;
            None
        }
    }

    /// Walks `seg.from..seg.to` against the held segments: compares the bytes
    /// of positions already held (first wins: they are kept), and when `insert`
    /// copies the positions not held yet. Returns (overlapped, differs).
    fn merge(
        &mut self,
        seg: &Segment<'_>,
        insert: bool,
        memcap: u64,
        ctr: &mut TcpCounters,
    ) -> (bool, bool) {
        let (mut overlapped, mut differs, mut dropped) = (false, false, false);
        let mut cur = seg.from;
        while cur < seg.to {
            if let Some((&k, held)) = self.segs.range(..=cur).next_back() {
                let held_end = k + held.len() as u64;
                if held_end > cur {
                    let upto = held_end.min(seg.to);
                    overlapped = true;
                    let old = &held[(cur - k) as usize..(upto - k) as usize];
                    differs |= old != &seg.payload[seg.index(cur)..seg.index(upto)];
                    cur = upto;
                    continue;
                }
            }
            let hole_end = match self.segs.range(cur..).next() {
                Some((&k, _)) => k.min(seg.to),
                None => seg.to,
            };
            if insert && !dropped {
                let n = (hole_end - cur) as usize;
                let charge = (n + SEGMENT_OVERHEAD) as u64;
                if self.segs.len() >= MAX_SEGMENTS
                    || ctr.reassembly_memuse.saturating_add(charge) > memcap
                {
                    // Counted once per packet; the bytes become a gap unless
                    // they are retransmitted.
                    ctr.segment_memcap_drop += 1;
                    dropped = true;
                } else {
                    let bytes = seg.payload[seg.index(cur)..seg.index(hole_end)].to_vec();
                    self.segs.insert(cur, bytes);
                    self.held += n;
                    ctr.reassembly_memuse += charge;
                }
            }
            cur = hole_end;
        }
        (overlapped, differs)
    }

    /// The next step of this direction, or `None` when nothing more can be
    /// delivered now. `in_order` is what [`ingest`](Self::ingest) returned; it is
    /// consumed as it is delivered. Call until `None`.
    pub fn next_delivery<'p>(
        &mut self,
        in_order: &mut InOrder<'p>,
        cfg: &StreamConfig,
        ctr: &mut TcpCounters,
    ) -> Option<Delivery<'p>> {
        loop {
            if self.closed {
                *in_order = None;
                return None;
            }
            let depth = cfg.depth as u64;
            if self.depth_reached {
                *in_order = None;
                return (self.closing || self.fin.is_some()).then(|| self.close(ctr));
            }
            if depth > 0 && self.next >= depth {
                self.depth_reached = true;
                self.release(ctr);
                *in_order = None;
                ctr.stream_depth_reached += 1;
                return Some(Delivery::DepthReached { offset: depth });
            }
            let fin = self.fin.unwrap_or(u64::MAX);
            if self.next >= fin {
                *in_order = None;
                return Some(self.close(ctr));
            }
            // Nothing is delivered at or beyond this offset.
            let room_end = if depth > 0 { fin.min(depth) } else { fin };

            // 1. A held segment that continues the stream: held bytes win over
            //    the packet's for the positions they cover.
            if let Some(entry) = self.segs.first_entry() {
                let k = *entry.key();
                if k <= self.next {
                    let buf = entry.remove();
                    self.held -= buf.len();
                    ctr.reassembly_memuse = ctr
                        .reassembly_memuse
                        .saturating_sub((buf.len() + SEGMENT_OVERHEAD) as u64);
                    let seg_end = k + buf.len() as u64;
                    if seg_end <= self.next {
                        continue;
                    }
                    let deliver_end = seg_end.min(room_end);
                    let offset = self.next;
                    self.next = deliver_end;
                    return Some(Delivery::Owned {
                        offset,
                        start: (offset - k) as usize,
                        end: (deliver_end - k) as usize,
                        buf,
                    });
                }
            }

            // 2. The current packet's bytes, up to the next held segment.
            if let Some((off, data)) = in_order.take() {
                let data_end = off + data.len() as u64;
                if data_end <= self.next || off > self.next {
                    // Fully covered by held segments already delivered (the
                    // second case cannot happen: the packet is contiguous).
                    continue;
                }
                let mut stop = data_end.min(room_end);
                if let Some((&k, _)) = self.segs.first_key_value() {
                    stop = stop.min(k);
                }
                let offset = self.next;
                self.next = stop;
                let (a, b) = ((offset - off) as usize, (stop - off) as usize);
                if stop < data_end {
                    *in_order = Some((stop, &data[b..]));
                }
                return Some(Delivery::Borrowed {
                    offset,
                    data: &data[a..b],
                });
            }

            // 3. A hole to give up. Never beyond what the sender was seen to send.
            let target = self.skip_until.min(self.seen_end).min(room_end);
            let gap_end = match self.segs.first_key_value() {
                Some((&k, _)) if self.held > cfg.gap_bound || k <= target => k.min(room_end),
                _ => target,
            };
            if gap_end > self.next {
                let offset = self.next;
                self.next = gap_end;
                self.had_gap = true;
                ctr.reassembly_gap += 1;
                return Some(Delivery::Gap {
                    offset,
                    len: gap_end - offset,
                });
            }

            // 4. Ending, and nothing left to deliver.
            if self.closing {
                return Some(self.close(ctr));
            }
            return None;
        }
    }

    fn close(&mut self, ctr: &mut TcpCounters) -> Delivery<'static> {
        self.closed = true;
        self.release(ctr);
        Delivery::Closed
    }

    /// Frees every held segment and returns its charge to the memcap.
    fn release(&mut self, ctr: &mut TcpCounters) {
        let charge = self.held as u64 + (self.segs.len() * SEGMENT_OVERHEAD) as u64;
        ctr.reassembly_memuse = ctr.reassembly_memuse.saturating_sub(charge);
        self.segs = BTreeMap::new();
        self.held = 0;
    }
}

/// A segment's payload placed in the stream: `payload[0]` is at offset `start`
/// (negative when it begins before the stream), and `from..to` is the part
/// still of interest.
struct Segment<'p> {
    start: i64,
    payload: &'p [u8],
    from: u64,
    to: u64,
}

impl Segment<'_> {
    /// Index into `payload` of stream offset `pos` (`pos >= from`).
    fn index(&self, pos: u64) -> usize {
        (pos as i64 - self.start) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::tests::Rng;

    /// Collects a direction's deliveries as events with owned bytes.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Ev {
        Data(u64, Vec<u8>),
        Gap(u64, u64),
        Depth(u64),
        Closed,
    }

    struct Harness {
        s: StreamReassembler,
        cfg: StreamConfig,
        ctr: TcpCounters,
        out: Vec<Ev>,
    }

    impl Harness {
        fn new(cfg: StreamConfig, isn: u32) -> Self {
            let mut s = StreamReassembler::default();
            s.init(SeqNum(isn).wrapping_add(1));
            Harness {
                s,
                cfg,
                ctr: TcpCounters::default(),
                out: Vec::new(),
            }
        }

        fn seg(&mut self, seq: u32, data: &[u8]) {
            let mut in_order = self.s.ingest(SeqNum(seq), data, &self.cfg, &mut self.ctr);
            self.drain(&mut in_order);
        }

        fn drain(&mut self, in_order: &mut InOrder<'_>) {
            while let Some(d) = self.s.next_delivery(in_order, &self.cfg, &mut self.ctr) {
                self.out.push(match d.event() {
                    StreamEvent::Data { offset, data } => Ev::Data(offset, data.to_vec()),
                    StreamEvent::Gap { offset, len } => Ev::Gap(offset, len),
                    StreamEvent::DepthReached { offset } => Ev::Depth(offset),
                    StreamEvent::Closed => Ev::Closed,
                });
            }
        }

        fn ack(&mut self, ack: u32) {
            if self.s.has_undelivered() {
                self.s.on_ack(SeqNum(ack));
                self.drain(&mut None);
            }
        }

        fn close(&mut self) {
            self.s.begin_close();
            self.drain(&mut None);
        }

        /// Delivered bytes, gaps filled with `?`.
        fn bytes(&self) -> Vec<u8> {
            let mut v = Vec::new();
            for e in &self.out {
                match e {
                    Ev::Data(off, d) => {
                        assert_eq!(*off, v.len() as u64, "data out of order: {:?}", self.out);
                        v.extend_from_slice(d);
                    }
                    Ev::Gap(off, len) => {
                        assert_eq!(*off, v.len() as u64);
                        v.extend(std::iter::repeat_n(b'?', *len as usize));
                    }
                    _ => {}
                }
            }
            v
        }
    }

    fn cfg() -> StreamConfig {
        StreamConfig::default()
    }

    #[test]
    fn in_order_is_delivered_from_the_packet() {
        let mut h = Harness::new(cfg(), 1000);
        let data = b"hello";
        let mut in_order = h.s.ingest(SeqNum(1001), data, &h.cfg, &mut h.ctr);
        let d = h.s.next_delivery(&mut in_order, &h.cfg, &mut h.ctr);
        match d {
            Some(Delivery::Borrowed {
                offset: 0,
                data: got,
            }) => {
                assert_eq!(got.as_ptr(), data.as_ptr(), "must not copy");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(h.s.next_delivery(&mut in_order, &h.cfg, &mut h.ctr), None);
        assert_eq!(h.ctr.reassembly_memuse, 0);
    }

    #[test]
    fn out_of_order_is_held_then_delivered_in_order() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1 + 6, b"world");
        h.seg(1 + 11, b"!");
        assert!(h.out.is_empty());
        assert_eq!(h.ctr.pkt_out_of_order, 2);
        assert_eq!(h.s.held_bytes(), 6);
        h.seg(1, b"hello ");
        assert_eq!(
            h.out,
            vec![
                Ev::Data(0, b"hello ".to_vec()),
                Ev::Data(6, b"world".to_vec()),
                Ev::Data(11, b"!".to_vec()),
            ]
        );
        assert_eq!(h.ctr.reassembly_memuse, 0);
        assert_eq!(h.s.held_bytes(), 0);
    }

    #[test]
    fn retransmission_is_not_delivered_twice() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1, b"abcd");
        h.seg(1, b"abcd");
        h.seg(3, b"cd");
        assert_eq!(h.out, vec![Ev::Data(0, b"abcd".to_vec())]);
        assert_eq!(h.ctr.pkt_retransmitted, 2);
        // A retransmission that also carries new bytes delivers only the new ones.
        h.seg(3, b"cdef");
        assert_eq!(h.out[1], Ev::Data(4, b"ef".to_vec()));
        assert_eq!(h.ctr.overlap, 1);
    }

    #[test]
    fn overlap_first_wins() {
        let mut h = Harness::new(cfg(), 0);
        // Held first: "XYZ" at offsets 4..7.
        h.seg(1 + 4, b"XYZ");
        // Overlaps the held bytes with different data, and adds 7..9.
        h.seg(1 + 3, b"dxyzh");
        assert_eq!(h.ctr.overlap, 1);
        assert_eq!(h.ctr.overlap_diff_data, 1);
        // In-order packet overlapping everything held: held bytes win.
        h.seg(1, b"abcdefghij");
        assert_eq!(h.bytes(), b"abcdXYZhij");
        assert_eq!(h.ctr.overlap, 2);
        assert_eq!(h.ctr.overlap_diff_data, 2);
        // Those positions are delivered now: sending them again is a
        // retransmission, not an overlap.
        h.seg(1 + 4, b"XYZ");
        assert_eq!(h.ctr.pkt_retransmitted, 1);
        assert_eq!(h.ctr.overlap_diff_data, 2);
    }

    #[test]
    fn identical_overlap_is_not_diff() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1 + 2, b"cde");
        h.seg(1 + 3, b"def");
        assert_eq!((h.ctr.overlap, h.ctr.overlap_diff_data), (1, 0));
        h.seg(1, b"ab");
        assert_eq!(h.bytes(), b"abcdef");
    }

    #[test]
    fn gap_skipped_after_gap_bound() {
        let c = StreamConfig {
            gap_bound: 10,
            ..cfg()
        };
        let mut h = Harness::new(c, 0);
        h.seg(1, b"0123");
        // Hole at 4..8; buffer beyond it.
        h.seg(1 + 8, b"89ab");
        h.seg(1 + 12, b"cdef");
        assert_eq!(h.out.len(), 1);
        h.seg(1 + 16, b"ghi"); // 11 held > 10: give the hole up.
        assert_eq!(
            h.out,
            vec![
                Ev::Data(0, b"0123".to_vec()),
                Ev::Gap(4, 4),
                Ev::Data(8, b"89ab".to_vec()),
                Ev::Data(12, b"cdef".to_vec()),
                Ev::Data(16, b"ghi".to_vec()),
            ]
        );
        assert_eq!(h.ctr.reassembly_gap, 1);
        assert!(h.s.had_gap());
        // The late bytes of the hole are never delivered.
        h.seg(1 + 4, b"4567");
        assert_eq!(h.out.len(), 5);
        assert_eq!(h.ctr.pkt_retransmitted, 1);
    }

    #[test]
    fn gaps_skipped_at_close() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1, b"ab");
        h.seg(1 + 5, b"fg");
        h.seg(1 + 10, b"k");
        h.close();
        assert_eq!(
            h.out,
            vec![
                Ev::Data(0, b"ab".to_vec()),
                Ev::Gap(2, 3),
                Ev::Data(5, b"fg".to_vec()),
                Ev::Gap(7, 3),
                Ev::Data(10, b"k".to_vec()),
                Ev::Closed,
            ]
        );
        assert_eq!(h.ctr.reassembly_gap, 2);
        assert_eq!(h.ctr.reassembly_memuse, 0);
        // Nothing after Closed.
        h.seg(1 + 11, b"l");
        h.close();
        assert_eq!(h.out.len(), 6);
    }

    #[test]
    fn ack_beyond_hole_skips_it_but_not_beyond_seen_data() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1, b"ab");
        h.seg(1 + 4, b"ef");
        // The peer acknowledged up to offset 100: skip 2..4, deliver 4..6, no
        // gap for 6..100 which nobody was seen sending.
        h.ack(1 + 100);
        assert_eq!(
            h.out,
            vec![
                Ev::Data(0, b"ab".to_vec()),
                Ev::Gap(2, 2),
                Ev::Data(4, b"ef".to_vec()),
            ]
        );
        h.seg(1 + 6, b"gh");
        assert_eq!(h.out[3], Ev::Data(6, b"gh".to_vec()));
    }

    #[test]
    fn ack_partially_into_hole() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1 + 10, b"kl");
        h.ack(1 + 4);
        assert_eq!(h.out, vec![Ev::Gap(0, 4)]);
        h.seg(1 + 4, b"efghij");
        assert_eq!(h.bytes(), b"????efghijkl");
    }

    #[test]
    fn depth_cuts_exactly() {
        let c = StreamConfig { depth: 10, ..cfg() };
        let mut h = Harness::new(c, 0);
        h.seg(1, b"0123456");
        h.seg(1 + 7, b"789abc");
        h.seg(1 + 13, b"def");
        assert_eq!(
            h.out,
            vec![
                Ev::Data(0, b"0123456".to_vec()),
                Ev::Data(7, b"789".to_vec()),
                Ev::Depth(10),
            ]
        );
        assert_eq!(h.ctr.stream_depth_reached, 1);
        h.close();
        assert_eq!(h.out.last(), Some(&Ev::Closed));
    }

    #[test]
    fn depth_frees_held_segments() {
        let c = StreamConfig { depth: 10, ..cfg() };
        let mut h = Harness::new(c, 0);
        h.seg(1 + 5, b"56789abcdef"); // held, cut at the depth
        assert_eq!(h.s.held_bytes(), 5);
        h.seg(1, b"01234");
        assert_eq!(h.bytes(), b"0123456789");
        assert_eq!(h.out.last(), Some(&Ev::Depth(10)));
        assert_eq!(h.ctr.reassembly_memuse, 0);
    }

    #[test]
    fn memcap_drops_segments() {
        let c = StreamConfig {
            memcap: 2 * (4 + SEGMENT_OVERHEAD),
            ..cfg()
        };
        let mut h = Harness::new(c, 0);
        h.seg(1 + 4, b"4567");
        h.seg(1 + 12, b"cdef");
        h.seg(1 + 20, b"klmn"); // over the memcap
        assert_eq!(h.ctr.segment_memcap_drop, 1);
        assert_eq!(h.ctr.reassembly_memuse, 2 * (4 + SEGMENT_OVERHEAD) as u64);
        h.seg(1, b"0123");
        h.close();
        // 16..20 was never sent, 20..24 was dropped: one gap to the end of
        // what was seen.
        assert_eq!(h.bytes(), b"01234567????cdef????????");
        assert_eq!(h.ctr.reassembly_memuse, 0);
    }

    #[test]
    fn segment_count_is_capped() {
        let mut h = Harness::new(cfg(), 0);
        for i in 0..(MAX_SEGMENTS as u32 + 5) {
            h.seg(1 + 2 + 2 * i, b"x");
        }
        assert_eq!(h.s.segs.len(), MAX_SEGMENTS);
        assert_eq!(h.ctr.segment_memcap_drop, 5);
    }

    #[test]
    fn wraps_around_2_pow_32() {
        let isn = u32::MAX - 5;
        let mut h = Harness::new(cfg(), isn);
        let data: Vec<u8> = (0..40u8).collect();
        let seq = |off: u32| SeqNum(isn).wrapping_add(1 + off).0;
        h.seg(seq(0), &data[0..3]);
        h.seg(seq(10), &data[10..20]); // crosses the wrap, out of order
        h.seg(seq(3), &data[3..10]);
        h.seg(seq(20), &data[20..40]);
        assert_eq!(h.bytes(), data);
        assert!(seq(20) < seq(0), "the test must cross the wrap");
    }

    #[test]
    fn mid_stream_base_ignores_earlier_data() {
        let mut s = StreamReassembler::default();
        let mut ctr = TcpCounters::default();
        let c = cfg();
        let mut io = s.ingest(SeqNum(500), b"xyz", &c, &mut ctr);
        assert_eq!(
            s.next_delivery(&mut io, &c, &mut ctr),
            Some(Delivery::Borrowed {
                offset: 0,
                data: b"xyz"
            })
        );
        // Starts 2 bytes before the base: only the part after it counts.
        let mut io = s.ingest(SeqNum(498), b"abxyzw", &c, &mut ctr);
        assert_eq!(
            s.next_delivery(&mut io, &c, &mut ctr),
            Some(Delivery::Borrowed {
                offset: 3,
                data: b"w"
            })
        );
        assert_eq!(s.ingest(SeqNum(400), b"old", &c, &mut ctr), None);
    }

    #[test]
    fn fin_closes_in_order_and_cuts_data_beyond_it() {
        let mut h = Harness::new(cfg(), 0);
        // FIN after 6 bytes arrives first (with its data), out of order.
        assert!(h.s.note_fin(SeqNum(1 + 6)));
        h.seg(1 + 3, b"defXX");
        assert!(h.out.is_empty());
        h.seg(1, b"abc");
        assert_eq!(
            h.out,
            vec![
                Ev::Data(0, b"abc".to_vec()),
                Ev::Data(3, b"def".to_vec()),
                Ev::Closed,
            ]
        );
        assert!(h.s.acks_fin(SeqNum(1 + 7)));
        assert!(!h.s.acks_fin(SeqNum(1 + 6)));
    }

    #[test]
    fn far_ahead_segments_are_ignored() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1 + (MAX_AHEAD as u32) + 10, b"bogus");
        assert_eq!(h.s.held_bytes(), 0);
        h.seg(1, b"ok");
        h.close();
        assert_eq!(h.bytes(), b"ok");
    }

    #[test]
    fn rst_window() {
        let mut h = Harness::new(cfg(), 0);
        h.seg(1, b"abc");
        assert!(h.s.rst_in_window(SeqNum(4)));
        assert!(h.s.rst_in_window(SeqNum(4 + 1000)));
        assert!(!h.s.rst_in_window(SeqNum(4 + 2 * RST_WINDOW as u32)));
        assert!(!h.s.rst_in_window(SeqNum(0u32.wrapping_sub(2 * RST_WINDOW as u32))));
        assert!(StreamReassembler::default().rst_in_window(SeqNum(12345)));
    }

    #[test]
    fn random_segmentation_reassembles_exactly() {
        for seed in 1..=200u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let len = 1 + rng.below(5000) as usize;
            let stream: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            // Near the wrap for some seeds.
            let isn = if seed % 3 == 0 {
                u32::MAX - rng.below(3000) as u32
            } else {
                rng.next() as u32
            };
            // Cover the stream with random segments, then add duplicates and
            // overlapping copies (always the true bytes), and shuffle.
            let mut segs: Vec<(usize, usize)> = Vec::new();
            let mut pos = 0;
            while pos < len {
                let n = (1 + rng.below(300) as usize).min(len - pos);
                segs.push((pos, pos + n));
                pos += n;
            }
            for _ in 0..rng.below(segs.len() as u64 + 1) {
                let a = rng.below(len as u64) as usize;
                let b = (a + 1 + rng.below(400) as usize).min(len);
                segs.push((a, b));
            }
            for i in (1..segs.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                segs.swap(i, j);
            }
            let mut h = Harness::new(cfg(), isn);
            for &(a, b) in &segs {
                let seq = SeqNum(isn).wrapping_add(1 + a as u32);
                h.seg(seq.0, &stream[a..b]);
                if rng.below(10) == 0 {
                    // A random ACK below what was delivered changes nothing.
                    let acked = rng.below(h.s.next_offset() + 1) as u32;
                    h.ack(SeqNum(isn).wrapping_add(1 + acked).0);
                }
            }
            h.close();
            assert_eq!(h.bytes(), stream, "seed {seed}");
            assert!(!h.s.had_gap(), "seed {seed}");
            assert_eq!(h.ctr.reassembly_memuse, 0, "seed {seed}");
            assert_eq!(h.ctr.overlap_diff_data, 0, "seed {seed}");
        }
    }
}
