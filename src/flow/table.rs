//! [`FlowTable`]: the flows of one worker, their timeouts and their cap.
//!
//! Layout, chosen so that every per-packet operation is O(1):
//!
//! - a hash map from [`FlowKey`] to a slot index: the one lookup per packet;
//! - a slab of slots (`entries`, reused through a free list) holding the flows;
//! - one intrusive doubly linked list per *timeout class* (protocol family ×
//!   state), most recently seen first. Within a class every flow has the same
//!   timeout, so recency order is expiry order: the expired flows are at the
//!   tails, and the flow idle the longest is the oldest of the tails.
//!
//! Time is packet time only. A flow is expired iff
//! `now >= last_seen + timeout(class)`, and [`FlowTable::process`] first ends
//! every flow expired at the packet's time (cheap: one comparison with the
//! earliest possible expiry, most of the time). So the outcome — which flows
//! exist, how they end, what memory and flow slots are free when a packet needs
//! them — depends only on the packets, never on when or how often
//! [`FlowTable::advance`] runs: `advance` only reclaims memory earlier, during
//! quiet periods. (With packet timestamps that go backwards, lists may be
//! slightly out of expiry order; expiry is then checked again per packet, so
//! each flow still ends as the rule says, and only reclamation can be late.)
//!
//! The map's hasher has random seeds (hash flooding resistance); nothing
//! iterates the map, so its order never shows in any output.

use std::collections::HashMap;

use crate::decode::{DecodedPacket, TcpFlags, Transport};
use crate::time::Timestamp;

use super::key::FlowKey;
use super::record::{Family, Flow};
use super::seq::SeqNum;
use super::stream::InOrder;
use super::tcp::{HeaderEffect, StateClass};
use super::{
    Direction, EndReason, FlowConfig, FlowCounters, FlowHandler, FlowTimeouts, PacketMeta,
    StreamConfig, TcpCounters,
};

/// "No slot": list ends and unlinked slots.
const NIL: u32 = u32::MAX;

/// Number of timeout classes: TCP new/established/closed, then new/established
/// for UDP, ICMP and other protocols.
const CLASSES: usize = 9;

/// The timeout class of a flow in its current state.
fn class_of(flow: &Flow) -> u8 {
    let state = flow.state_class();
    match flow.family() {
        Family::Tcp => match state {
            StateClass::New => 0,
            StateClass::Established => 1,
            StateClass::Closed => 2,
        },
        family => {
            let base = match family {
                Family::Udp => 3,
                Family::Icmpv4 | Family::Icmpv6 => 5,
                _ => 7,
            };
            base + u8::from(state != StateClass::New)
        }
    }
}

/// Timeouts in microseconds, by class; at least one second each.
fn class_timeouts(t: &FlowTimeouts) -> [u64; CLASSES] {
    [
        t.tcp_new,
        t.tcp_established,
        t.tcp_closed,
        t.udp_new,
        t.udp_established,
        t.icmp_new,
        t.icmp_established,
        t.other_new,
        t.other_established,
    ]
    .map(|secs| secs.max(1).saturating_mul(1_000_000))
}

/// A slot's place in its class list.
#[derive(Copy, Clone, Debug)]
struct Link {
    prev: u32,
    next: u32,
    /// The class list the slot is on; `u8::MAX` when on none.
    class: u8,
}

const UNLINKED: Link = Link {
    prev: NIL,
    next: NIL,
    class: u8::MAX,
};

/// The class lists, most recent first. Kept apart from the flows so list
/// updates touch only these small records.
#[derive(Debug)]
struct Lru {
    links: Vec<Link>,
    /// (head, tail) per class.
    ends: [(u32, u32); CLASSES],
}

impl Lru {
    fn new() -> Self {
        Lru {
            links: Vec::new(),
            ends: [(NIL, NIL); CLASSES],
        }
    }

    fn tail(&self, class: usize) -> Option<u32> {
        let t = self.ends[class].1;
        (t != NIL).then_some(t)
    }

    fn class(&self, i: u32) -> usize {
        usize::from(self.links[i as usize].class)
    }

    fn unlink(&mut self, i: u32) {
        let Link { prev, next, class } = self.links[i as usize];
        if class == u8::MAX {
            return;
        }
        let ends = &mut self.ends[usize::from(class)];
        match prev {
            NIL => ends.0 = next,
            p => self.links[p as usize].next = next,
        }
        match next {
            NIL => ends.1 = prev,
            n => self.links[n as usize].prev = prev,
        }
        self.links[i as usize] = UNLINKED;
    }

    fn push_front(&mut self, i: u32, class: u8) {
        let ends = &mut self.ends[usize::from(class)];
        let old_head = ends.0;
        ends.0 = i;
        if old_head == NIL {
            ends.1 = i;
        } else {
            self.links[old_head as usize].prev = i;
        }
        self.links[i as usize] = Link {
            prev: NIL,
            next: old_head,
            class,
        };
    }

    /// Moves slot `i` to the front of `class` (a packet was just seen).
    fn touch(&mut self, i: u32, class: u8) {
        let link = self.links[i as usize];
        if link.class == class && link.prev == NIL {
            return; // already the most recent of its class
        }
        self.unlink(i);
        self.push_front(i, class);
    }
}

/// A tracked flow and what the table needs to find it.
#[derive(Debug)]
struct Entry {
    key: FlowKey,
    /// The client is the key's first endpoint.
    client_is_lo: bool,
    flow: Flow,
}

/// The flows of one worker thread. Owned outright by the worker (no locks);
/// the capture thread sends both directions of a flow to the same worker.
#[derive(Debug)]
pub struct FlowTable {
    stream: StreamConfig,
    timeouts: [u64; CLASSES],
    max_flows: usize,
    map: HashMap<FlowKey, u32, ahash::RandomState>,
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    lru: Lru,
    /// No flow expires before this time (µs); a lower bound, refreshed by sweeps.
    next_expiry: u64,
    counters: FlowCounters,
    tcp: TcpCounters,
}

impl FlowTable {
    /// An empty table.
    pub fn new(cfg: FlowConfig) -> Self {
        let max_flows = cfg.max_flows.clamp(1, NIL as usize);
        FlowTable {
            stream: cfg.stream,
            timeouts: class_timeouts(&cfg.timeouts),
            max_flows,
            map: HashMap::with_capacity_and_hasher(max_flows.min(4096), Default::default()),
            entries: Vec::new(),
            free: Vec::new(),
            lru: Lru::new(),
            next_expiry: u64::MAX,
            counters: FlowCounters::default(),
            tcp: TcpCounters::default(),
        }
    }

    /// Flows held now.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no flow is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Flow counters, with `flow.active` = [`len`](Self::len).
    pub fn counters(&self) -> FlowCounters {
        FlowCounters {
            active: self.map.len() as u64,
            ..self.counters
        }
    }

    /// TCP and stream reassembly counters.
    pub fn tcp_counters(&self) -> &TcpCounters {
        &self.tcp
    }

    /// The flow `pkt` belongs to, if tracked (it may be expired at the packet's
    /// time; [`process`](Self::process) would then start a new one).
    pub fn get(&self, pkt: &DecodedPacket<'_>) -> Option<&Flow> {
        let (key, _) = FlowKey::of(pkt);
        let idx = *self.map.get(&key)?;
        self.entry(idx).map(|e| &e.flow)
    }

    /// Tracks one packet: finds or creates its flow (ending the old one first if
    /// it expired or its ports were reused), updates counters and state, calls
    /// `h.on_packet`, then `h.on_stream` for the stream events it causes.
    pub fn process(&mut self, pkt: &DecodedPacket<'_>, meta: &PacketMeta, h: &mut dyn FlowHandler) {
        let now = meta.ts;
        if now.0 >= self.next_expiry {
            self.sweep(now, h);
        }
        let (key, src_lo) = FlowKey::of(pkt);
        let existing = match self.map.get(&key) {
            Some(&idx) => match self.end_reason(idx, pkt, src_lo, now) {
                None => Some(idx),
                Some(reason) => {
                    self.end_flow(idx, reason, h);
                    None
                }
            },
            None => None,
        };
        let idx = match existing {
            Some(idx) => idx,
            None => self.create(key, src_lo, pkt, meta, h),
        };
        self.update(idx, src_lo, pkt, meta, h);
    }

    /// Ends (reason `Timeout`) every flow expired at `now`. Costs O(expired),
    /// and changes no outcome: [`process`](Self::process) would end the same
    /// flows, the same way, at the next packet.
    ///
    /// `now` is packet time and must not be later than the next packet this
    /// table will process (for instance the newest capture timestamp the
    /// worker has received); calling it with a later time would end flows that
    /// that packet should have found alive.
    pub fn advance(&mut self, now: Timestamp, h: &mut dyn FlowHandler) {
        if now.0 >= self.next_expiry {
            self.sweep(now, h);
        }
    }

    /// Ends every flow: `Timeout` when expired at `now`, else `Shutdown`. Each
    /// TCP flow's streams are flushed first (holes skipped as gaps, `Closed` per
    /// direction). Flows end in expiry order, as sweeps end them.
    pub fn shutdown(&mut self, now: Timestamp, h: &mut dyn FlowHandler) {
        while let Some((expiry, t)) = self.earliest_expiry() {
            let reason = if now.0 >= expiry {
                EndReason::Timeout
            } else {
                EndReason::Shutdown
            };
            self.end_flow(t, reason, h);
        }
        self.next_expiry = u64::MAX;
    }

    fn entry(&self, idx: u32) -> Option<&Entry> {
        self.entries.get(idx as usize).and_then(Option::as_ref)
    }

    /// The timeout of `class` in µs (0 for "on no list", which cannot be asked).
    fn timeout(&self, class: usize) -> u64 {
        self.timeouts.get(class).copied().unwrap_or(0)
    }

    fn expired(&self, flow: &Flow, class: usize, now: Timestamp) -> bool {
        now.0 >= flow.last_seen.0.saturating_add(self.timeout(class))
    }

    /// Why the flow at `idx` must end before `pkt` can be counted in it, if it must.
    fn end_reason(
        &self,
        idx: u32,
        pkt: &DecodedPacket<'_>,
        src_lo: bool,
        now: Timestamp,
    ) -> Option<EndReason> {
        let Some(e) = self.entry(idx) else {
            return Some(EndReason::Forced); // cannot happen: the slot is cleaned up
        };
        if self.expired(&e.flow, self.lru.class(idx), now) {
            return Some(EndReason::Timeout);
        }
        if let (Family::Tcp, Transport::Tcp { seq, flags, .. }) = (e.flow.family(), pkt.transport) {
            let dir = direction(src_lo, e.client_is_lo);
            if e.flow.tcp().is_reuse(dir, seq, flags) {
                return Some(EndReason::TcpReuse);
            }
        }
        None
    }

    /// Ends every flow expired at `now`, earliest expiry first (ties: class
    /// order, then recency), merging the tails of the class lists. Because the
    /// order is the expiry order, ending flows in one sweep or in several (an
    /// `advance` between packets) calls the handler in the same sequence.
    fn sweep(&mut self, now: Timestamp, h: &mut dyn FlowHandler) {
        loop {
            match self.earliest_expiry() {
                Some((expiry, t)) if now.0 >= expiry => self.end_flow(t, EndReason::Timeout, h),
                Some((expiry, _)) => {
                    self.next_expiry = expiry;
                    return;
                }
                None => {
                    self.next_expiry = u64::MAX;
                    return;
                }
            }
        }
    }

    /// The class tail that expires first: (expiry in µs, slot).
    fn earliest_expiry(&self) -> Option<(u64, u32)> {
        let mut earliest: Option<(u64, u32)> = None;
        for class in 0..CLASSES {
            if let Some(t) = self.lru.tail(class) {
                let expiry = self.entry(t).map_or(0, |e| {
                    e.flow.last_seen.0.saturating_add(self.timeout(class))
                });
                if earliest.is_none_or(|(e, _)| expiry < e) {
                    earliest = Some((expiry, t));
                }
            }
        }
        earliest
    }

    /// A new flow for `pkt`, making room first when the table is full.
    fn create(
        &mut self,
        key: FlowKey,
        src_lo: bool,
        pkt: &DecodedPacket<'_>,
        meta: &PacketMeta,
        h: &mut dyn FlowHandler,
    ) -> u32 {
        if self.map.len() >= self.max_flows {
            self.evict(meta.ts, h);
        }
        // The SYN+ACK's destination sent the SYN we missed: it is the client.
        let client_is_src = !matches!(
            pkt.transport,
            Transport::Tcp { flags, .. } if flags.has(TcpFlags::SYN | TcpFlags::ACK)
        );
        let flow = Flow::new(key.flow_id(meta.ts), pkt, meta, client_is_src);
        self.counters.total += 1;
        match flow.family() {
            Family::Tcp => self.counters.tcp += 1,
            Family::Udp => self.counters.udp += 1,
            Family::Icmpv4 => self.counters.icmpv4 += 1,
            Family::Icmpv6 => self.counters.icmpv6 += 1,
            Family::Other => self.counters.other += 1,
        }
        let entry = Entry {
            key,
            client_is_lo: client_is_src == src_lo,
            flow,
        };
        let idx = match self.free.pop() {
            Some(idx) => {
                self.entries[idx as usize] = Some(entry);
                idx
            }
            None => {
                self.entries.push(Some(entry));
                self.lru.links.push(UNLINKED);
                (self.entries.len() - 1) as u32
            }
        };
        self.map.insert(key, idx);
        idx
    }

    /// Makes room for one flow: ends the flow idle the longest (the oldest of
    /// the class tails) — `Timeout` if it happens to be expired, else `Forced`.
    fn evict(&mut self, now: Timestamp, h: &mut dyn FlowHandler) {
        let mut oldest: Option<(u64, usize, u32)> = None;
        for class in 0..CLASSES {
            if let Some(t) = self.lru.tail(class) {
                let seen = self.entry(t).map_or(0, |e| e.flow.last_seen.0);
                if oldest.is_none_or(|(s, _, _)| seen < s) {
                    oldest = Some((seen, class, t));
                }
            }
        }
        if let Some((seen, class, t)) = oldest {
            let expired = now.0 >= seen.saturating_add(self.timeout(class));
            let reason = if expired {
                EndReason::Timeout
            } else {
                EndReason::Forced
            };
            self.end_flow(t, reason, h);
        }
    }

    /// Counts `pkt` in the flow at `idx`, updates its state and list, and calls
    /// the handler for the packet and its stream events.
    fn update(
        &mut self,
        idx: u32,
        src_lo: bool,
        pkt: &DecodedPacket<'_>,
        meta: &PacketMeta,
        h: &mut dyn FlowHandler,
    ) {
        let Some(entry) = self.entries.get_mut(idx as usize).and_then(Option::as_mut) else {
            return;
        };
        let dir = direction(src_lo, entry.client_is_lo);
        let flow = &mut entry.flow;
        flow.last_seen = flow.last_seen.max(meta.ts);
        let wire = u64::from(meta.wire_len);
        match dir {
            Direction::ToServer => {
                flow.pkts_toserver += 1;
                flow.bytes_toserver += wire;
            }
            Direction::ToClient => {
                flow.pkts_toclient += 1;
                flow.bytes_toclient += wire;
                flow.set_replied();
            }
        }
        let mut tcp = None;
        if let (
            Family::Tcp,
            Transport::Tcp {
                seq, ack, flags, ..
            },
        ) = (flow.family(), pkt.transport)
        {
            match dir {
                Direction::ToServer => flow.tcp_flags_ts |= flags.0,
                Direction::ToClient => flow.tcp_flags_tc |= flags.0,
            }
            let effect =
                flow.tcp_mut()
                    .on_header(dir, seq, ack, flags, pkt.payload.len(), &mut self.tcp);
            tcp = Some((effect, ack, flags));
        }
        let class = class_of(flow);
        self.lru.touch(idx, class);
        let timeout = self.timeouts.get(usize::from(class)).copied().unwrap_or(0);
        let expiry = flow.last_seen.0.saturating_add(timeout);
        self.next_expiry = self.next_expiry.min(expiry);

        h.on_packet(flow, dir, pkt, meta);
        if let Some((effect, ack, flags)) = tcp {
            let ctx = StreamCtx {
                cfg: &self.stream,
                ctr: &mut self.tcp,
            };
            stream_packet(flow, dir, effect, ack, flags, pkt.payload, ctx, h);
        }
    }

    /// Ends the flow at `idx`: flushes its streams, calls `on_flow_end`, frees it.
    fn end_flow(&mut self, idx: u32, reason: EndReason, h: &mut dyn FlowHandler) {
        self.lru.unlink(idx);
        let Some(mut entry) = self.entries.get_mut(idx as usize).and_then(Option::take) else {
            return;
        };
        self.map.remove(&entry.key);
        self.free.push(idx);
        let flow = &mut entry.flow;
        if flow.family() == Family::Tcp {
            for dir in Direction::BOTH {
                let stream = &mut flow.tcp_mut().streams[dir.index()];
                if !stream.is_closed() {
                    stream.begin_close();
                    let ctx = StreamCtx {
                        cfg: &self.stream,
                        ctr: &mut self.tcp,
                    };
                    drain(flow, dir, None, ctx, h);
                }
            }
        }
        h.on_flow_end(flow, reason);
        match reason {
            EndReason::Timeout => self.counters.ended_timeout += 1,
            EndReason::Shutdown => self.counters.ended_shutdown += 1,
            EndReason::TcpReuse => self.counters.ended_tcp_reuse += 1,
            EndReason::Forced => self.counters.evicted += 1,
        }
    }
}

/// The packet's direction in its flow.
fn direction(src_lo: bool, client_is_lo: bool) -> Direction {
    if src_lo == client_is_lo {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

/// What stream handling borrows from the table besides the flow.
struct StreamCtx<'t> {
    cfg: &'t StreamConfig,
    ctr: &'t mut TcpCounters,
}

/// The stream events of one TCP packet: a RST closes both directions; an ACK
/// may let the *other* direction skip a hole (its events come first, as they
/// concern data sent earlier); then the packet's own payload and FIN.
#[allow(clippy::too_many_arguments)]
fn stream_packet(
    flow: &mut Flow,
    dir: Direction,
    effect: HeaderEffect,
    ack: u32,
    flags: TcpFlags,
    payload: &[u8],
    ctx: StreamCtx<'_>,
    h: &mut dyn FlowHandler,
) {
    let StreamCtx { cfg, ctr } = ctx;
    if effect.reset {
        for d in [dir, dir.reverse()] {
            flow.tcp_mut().streams[d.index()].begin_close();
            drain(
                flow,
                d,
                None,
                StreamCtx {
                    cfg,
                    ctr: &mut *ctr,
                },
                h,
            );
        }
        return;
    }
    if flags.has(TcpFlags::RST) {
        return; // an ignored (out of window) RST: its payload is not stream data
    }
    let other = dir.reverse();
    if flags.has(TcpFlags::ACK) && flow.tcp().streams[other.index()].has_undelivered() {
        flow.tcp_mut().streams[other.index()].on_ack(SeqNum(ack));
        drain(
            flow,
            other,
            None,
            StreamCtx {
                cfg,
                ctr: &mut *ctr,
            },
            h,
        );
    }
    if !payload.is_empty() || flags.has(TcpFlags::FIN) {
        let stream = &mut flow.tcp_mut().streams[dir.index()];
        let in_order = stream.ingest(effect.data_seq, payload, cfg, ctr);
        drain(flow, dir, in_order, StreamCtx { cfg, ctr }, h);
    }
}

/// Hands every step the `dir` stream can deliver now to the handler.
fn drain<'p>(
    flow: &mut Flow,
    dir: Direction,
    mut in_order: InOrder<'p>,
    ctx: StreamCtx<'_>,
    h: &mut dyn FlowHandler,
) {
    let StreamCtx { cfg, ctr } = ctx;
    while let Some(step) =
        flow.tcp_mut().streams[dir.index()].next_delivery(&mut in_order, cfg, ctr)
    {
        h.on_stream(flow, dir, step.event());
    }
}
