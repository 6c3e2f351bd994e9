//! Signature matching: Suricata rules compiled into a shared [`RuleSet`],
//! evaluated by a per-worker [`Detector`] on packets, reassembled TCP streams
//! and application-layer transactions.
//!
//! # Why it is built this way
//!
//! A sensor runs tens of thousands of rules on every packet; evaluating each
//! rule would cost far more than the traffic allows. As in Suricata, rules are
//! **grouped** (by protocol class and flow direction, per inspection engine)
//! and each group has, per buffer (and per transform chain: a transformed
//! buffer is scanned after its transforms, see `transform`), one
//! Aho-Corasick automaton over its rules'
//! **fast patterns** (the longest non-negated content, unless `fast_pattern`
//! picks another, with `fast_pattern:offset,length` chopping it). One pass of
//! the automaton over a buffer yields the *candidate* rules; only those are
//! verified with their whole option list. Rules without a positive content
//! are evaluated on every buffer of their group. The prefilter may give false
//! positives, never false negatives: every pattern occurrence is reported
//! (overlapping iteration, `MatchKind::Standard`), case-insensitively over
//! ASCII-lowercased patterns; case-sensitive fast patterns are confirmed byte
//! for byte before their rules become candidates.
//!
//! # The three inspection engines
//!
//! - [`Detector::inspect_packet`]: UDP, ICMP, other-IP rules, and TCP rules
//!   that are *packet-level*: those with packet-only keywords (`dsize`,
//!   `flags`, `seq`, `ack`, `window`, `ttl`, `id`, `ip_proto`, `itype`,
//!   `icode`), `flow:no_stream`, protocol `tcp-pkt`, or no `Payload` list at
//!   all (header-only rules). Packet rules are evaluated per packet and may
//!   alert on every packet, as Suricata does.
//! - [`Detector::inspect_stream`]: TCP rules on `Payload` (the default for
//!   `tcp`, `ip` on TCP flows, application protocols on TCP, `tcp-stream`,
//!   `flow:only_stream`). They see the reassembled stream, never the single
//!   segments (no double alerts), through a per-direction *inspection window*:
//!   the tail of earlier data plus the newly delivered bytes, so a pattern split
//!   across segments is found. The tail length is computed from the rules
//!   (longest pattern, bounded relative chains, absolute `offset`+`depth`),
//!   capped by [`DetectLimits::max_stream_lookback`]. Positions count from the
//!   stream start, so `depth:4` means the first 4 bytes of the stream. A
//!   stream rule matches **at most once per flow direction**: once it matched
//!   it is not evaluated again in that direction, so retransmissions and window
//!   overlap never alert twice.
//! - [`Detector::inspect_tx`]: rules with application-layer buffers
//!   (`http.uri`, `dns.query`, ...). All lists must match; a list over a
//!   multi-value buffer matches when any value matches. A rule that also has a
//!   `Payload` list evaluates it, at transaction time, on [`TxCtx::payload`]
//!   when given, else on the direction's current stream window: the kept
//!   tail, at least [`MIXED_RULE_LOOKBACK`] bytes when such rules exist.
//!   Each (rule, transaction, direction) alerts at most once.
//!
//! Without a flow ([`PacketCtx::flow`] `None`), TCP `Payload` rules are
//! evaluated on the packet payload, since there is no stream (except
//! `tcp-stream` and `flow:only_stream` rules, which then never match).
//!
//! The stream window is a deliberate bound, not a full buffer: the tail is
//! sized for the rules' *bounded* reach (pattern lengths, `within` chains,
//! absolute `offset`+`depth`). Contents linked only by `distance`, unrelated
//! contents, pcre and `byte_*` reach are matched when they fall in one window
//! (the new bytes of one delivery plus the tail), not when they lie further
//! apart in different deliveries. Callers should hand over in-order data as
//! it is reassembled (whole segments), as the flow table does.
//!
//! # Evaluation order, flowbits and pass
//!
//! Within one inspection, candidates are evaluated in Suricata's signature
//! order (`detect-engine-sigorder.c`): action (`pass`, `drop`, `reject`,
//! `alert`), then flowbits use (rules that only set, then set-and-read, then
//! only read, then none), then flowint use (same), then `priority` (lower
//! first), then load order. So a rule that sets a flowbit runs before the rule
//! that checks it on the same packet, and a pass rule runs first.
//!
//! `flowbits` `set`/`unset`/`toggle` take effect only when the whole rule
//! matched; `isset`/`isnotset` are conditions on the bits as they were before
//! the rule ran. `flowint` keywords run in rule order after every other part
//! of the rule matched, as Suricata's match list does: a modification
//! (`=`, `+`, `-`) is kept even when a *later* flowint condition of the same
//! rule fails (this is how Suricata's counting examples work). A `noalert`
//! rule (keyword or `flowbits:noalert`) matches, sets its bits and never
//! produces a [`Hit`].
//!
//! A matching `pass` rule (after its threshold/suppress check) removes every
//! hit of *that* inspection (packet, stream chunk or transaction) and is not
//! reported itself; [`Outcome::passed`] tells the caller. Suricata can also
//! pass the rest of the flow; here a pass covers one inspection only.
//!
//! # Thresholds
//!
//! `threshold`, `detection_filter`, and the `suppress`/`threshold`/
//! `rate_filter` entries of a [`ThresholdTable`] are applied when a rule
//! matched, in packet time, with Suricata's counting (see [`threshold`]'s
//! docs). The tables live in the [`Detector`], so counts are per worker.
//!
//! # Actions
//!
//! [`Hit::action`] is the rule's action (or a `rate_filter`'s new action),
//! unchanged; in IDS mode the EVE writer maps `drop`/`reject` to `blocked`
//! and `alert` to `allowed`.
//!
//! # Limits
//!
//! Every resource is bounded: pattern length ([`MAX_PATTERN_LEN`]), keyword
//! evaluations per list and buffer (3000, Suricata's recursion limit),
//! stream window (lookback cap + 64 KiB of new data per pass), transaction
//! marks per flow direction, threshold entries per worker (sampled eviction,
//! counted). No input can make the engine panic.

mod addr;
pub mod builder;
mod compile;
mod detector;
mod inspect;
mod prefilter;
mod state;
pub mod threshold;
mod transform;

#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::sync::Arc;

use crate::app::TxBuffers;
use crate::decode::DecodedPacket;
use crate::flow::{Direction, Flow};
use crate::rules::ir::{Action, Target};
use crate::time::Timestamp;

pub use compile::{
    CompileProblem, DetectLimits, MAX_PATTERN_LEN, MIXED_RULE_LOOKBACK, RuleSet, RuleSetSummary,
};
pub use detector::{DetectCounters, Detector, Outcome};
pub use state::FlowDetectState;
pub use threshold::{RateFilter, SuppressTrack, ThresholdEntry, ThresholdTable};

/// What detection needs to know about the flow of the thing inspected, in the
/// direction it travels.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FlowFacts<'a> {
    /// EVE `flow_id`.
    pub flow_id: u64,
    /// Direction of the packet, stream data or transaction inspected.
    pub dir: Direction,
    /// `flow:established`: TCP handshake completed (or picked up
    /// mid-stream) before the packet inspected, UDP/other seen both ways
    /// (see [`Flow::established_for_packet`]).
    pub established: bool,
    /// Detected application protocol (Suricata's names), if any.
    pub app_proto: Option<&'a str>,
    /// IP protocol number of the flow.
    pub ip_proto: u8,
    /// Client (the side that opened the flow) address.
    pub client: IpAddr,
    /// Client port (0 for port-less protocols).
    pub client_port: u16,
    /// Server address.
    pub server: IpAddr,
    /// Server port.
    pub server_port: u16,
    /// Bytes seen per side for `stream_size`, indexed by
    /// [`Direction::index`]: `[client→server, server→client]`. For TCP the
    /// stream payload bytes; Suricata counts `next_seq - isn`, one more for
    /// the SYN.
    pub stream_bytes: [u64; 2],
}

impl<'a> FlowFacts<'a> {
    /// The facts of `flow` for something travelling in `dir`.
    pub fn from_flow(flow: &'a Flow, dir: Direction) -> Self {
        FlowFacts {
            flow_id: flow.id,
            dir,
            established: flow.established_for_packet(),
            app_proto: flow.app_proto,
            ip_proto: flow.ip_proto,
            client: flow.client,
            client_port: flow.client_port,
            server: flow.server,
            server_port: flow.server_port,
            stream_bytes: [
                flow.stream_offset(Direction::ToServer),
                flow.stream_offset(Direction::ToClient),
            ],
        }
    }

    /// `(src, src_port, dst, dst_port)` of something travelling in `dir`.
    pub fn endpoints(&self) -> (IpAddr, u16, IpAddr, u16) {
        match self.dir {
            Direction::ToServer => (self.client, self.client_port, self.server, self.server_port),
            Direction::ToClient => (self.server, self.server_port, self.client, self.client_port),
        }
    }
}

/// One packet to inspect.
#[derive(Copy, Clone, Debug)]
pub struct PacketCtx<'a> {
    /// The decoded packet.
    pub pkt: &'a DecodedPacket<'a>,
    /// Its capture time (thresholds count in packet time).
    pub ts: Timestamp,
    /// Its flow, if flow tracking found one; `flow.dir` is this packet's
    /// direction. Call after the app layer set `app_proto`.
    pub flow: Option<FlowFacts<'a>>,
}

/// Newly delivered, in-order bytes of one TCP stream direction
/// ([`crate::flow::StreamEvent::Data`]).
#[derive(Copy, Clone, Debug)]
pub struct StreamCtx<'a> {
    /// The flow; `flow.dir` is the stream's direction.
    pub flow: FlowFacts<'a>,
    /// Time of the packet that delivered the bytes.
    pub ts: Timestamp,
    /// Stream offset of `data[0]`. A jump from the previous call's end (a
    /// gap) drops the kept tail: matches never span a hole.
    pub offset: u64,
    /// The bytes.
    pub data: &'a [u8],
}

/// One application-layer transaction direction to inspect.
#[derive(Copy, Clone)]
pub struct TxCtx<'a> {
    /// The flow; `flow.dir` is the transaction direction (request to
    /// server, response to client) and `flow.app_proto` its protocol.
    pub flow: FlowFacts<'a>,
    /// Time of the packet that completed (or updated) the transaction.
    pub ts: Timestamp,
    /// Transaction id within the flow; a transaction inspected again (more
    /// body arrived) never alerts twice for the same rule and direction.
    pub tx_id: u64,
    /// The buffers the parser produced.
    pub buffers: &'a dyn TxBuffers,
    /// For rules that also have a `Payload` list: the payload to match it
    /// on (a UDP datagram), or `None` to use the direction's stream window.
    pub payload: Option<&'a [u8]>,
}

impl std::fmt::Debug for TxCtx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxCtx")
            .field("flow", &self.flow)
            .field("ts", &self.ts)
            .field("tx_id", &self.tx_id)
            .field("payload", &self.payload.map(<[u8]>::len))
            .finish_non_exhaustive()
    }
}

/// Where a hit was found.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum HitSource {
    /// A packet.
    Packet,
    /// Reassembled stream data; the stream offset of the window inspected.
    Stream {
        /// Stream offset of the inspection window's first byte.
        window_offset: u64,
    },
    /// An application-layer transaction.
    Tx {
        /// Transaction id.
        tx_id: u64,
    },
}

/// One rule that matched and alerts (noalert rules never produce one).
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Index of the rule in the `Vec<Rule>` given to [`RuleSet::compile`].
    pub rule: u32,
    /// `sid`.
    pub sid: u32,
    /// `gid`.
    pub gid: u32,
    /// `rev`.
    pub rev: u32,
    /// The rule's action, or a `rate_filter`'s `new_action`.
    pub action: Action,
    /// `msg`.
    pub msg: Arc<str>,
    /// Classtype description ("" without classtype).
    pub category: Arc<str>,
    /// Priority (EVE `severity`).
    pub priority: u8,
    /// `metadata` pairs.
    pub metadata: Arc<[(String, String)]>,
    /// `reference` values.
    pub references: Arc<[String]>,
    /// `target`.
    pub target: Option<Target>,
    /// Direction within the flow: `Some(true)` to server; `None` without flow.
    pub to_server: Option<bool>,
    /// Packet, stream or transaction.
    pub source: HitSource,
    /// Set when the rule's `threshold`/`detection_filter`/`suppress` counts
    /// across flows: the alert is only a candidate until a
    /// [`ThresholdArbiter`] decides, in capture order, whether it is written.
    pub deferred: Option<DeferredRate>,
}

/// What a [`ThresholdArbiter`] needs to decide a deferred hit: the rule's
/// identity and rate controls travel with the hit, so the arbiter needs no
/// rule set and hits of a rule set replaced by a reload are still decided
/// (and the old set is freed as soon as the workers let go of it).
#[derive(Clone, Debug)]
pub struct DeferredRate {
    /// `(gid, sid)` of the rule.
    pub rule: (u32, u32),
    /// The rule's action.
    pub action: Action,
    /// The rule's rate controls.
    pub(crate) rate: Arc<threshold::RuleRate>,
    /// Source address of the match (threshold tracking).
    pub src: IpAddr,
    /// Destination address of the match.
    pub dst: IpAddr,
    /// Packet time of the match.
    pub ts: Timestamp,
}

/// Two deferred hits are the same when rule, addresses and time are (the rate
/// controls follow from the rule).
impl PartialEq for DeferredRate {
    fn eq(&self, other: &Self) -> bool {
        self.rule == other.rule
            && self.action == other.action
            && self.src == other.src
            && self.dst == other.dst
            && self.ts == other.ts
    }
}

/// Decides deferred hits ([`Hit::deferred`]) with one threshold table for the
/// whole sensor. Workers each see part of the traffic, so a `by_src`
/// threshold counted per worker lets one extra alert per worker through and
/// makes the result depend on the worker count; fed in capture order, this
/// gives the same alerts as a single worker.
pub struct ThresholdArbiter {
    state: threshold::ThresholdState,
    /// Deferred hits written.
    pub allowed: u64,
    /// Deferred hits kept quiet.
    pub quieted: u64,
}

impl ThresholdArbiter {
    /// An arbiter for hits of `rules` (and of the rule sets that replace it:
    /// only the table size is taken from `rules`).
    pub fn new(rules: &RuleSet) -> Self {
        let state = threshold::ThresholdState::new(rules.limits.threshold_entries);
        ThresholdArbiter {
            state,
            allowed: 0,
            quieted: 0,
        }
    }

    /// True when the hit is to be written.
    pub fn allow(&mut self, d: &DeferredRate) -> bool {
        let verdict = self
            .state
            .decide(d.rule, d.action, &d.rate, d.src, d.dst, None, d.ts);
        let ok = matches!(verdict, threshold::Decision::Alert(_));
        if ok {
            self.allowed += 1;
        } else {
            self.quieted += 1;
        }
        ok
    }
}
