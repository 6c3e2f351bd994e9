//! The per-worker [`Detector`]: prefilter, verify, flow variables,
//! thresholds, and hits, for packets, stream windows and transactions.

use crate::detect::DeferredRate;
use std::net::IpAddr;
use std::sync::Arc;

use crate::app::TxBuffers;
use crate::decode::{DecodedPacket, Transport};
use crate::flow::Direction;
use crate::rules::ir::{Action, BufferId, Cmp, FlowintCmp, HeaderCheck, RuleProto, StreamSide};
use crate::time::Timestamp;

use super::compile::{
    BitCond, BitOp, CLASS_ICMP4, CLASS_ICMP6, CLASS_OTHER, CLASS_TCP, CLASS_UDP, CompiledList,
    CompiledRule, Group, IntOp, IntVal, RuleSet, VAR_NO_FLOW,
};
use super::inspect::{ListResult, inspect};
use super::prefilter::Marks;
use super::state::{FlowDetectState, FlowInner};
use super::threshold::{Decision, ThresholdState};
use super::transform::Scratch;
use super::{FlowFacts, Hit, HitSource, PacketCtx, StreamCtx, TxCtx};

/// New stream bytes inspected per window. Larger deliveries (a hole filled
/// at once) are inspected in pieces of this size, each with the tail of the
/// previous one, so the window never exceeds lookback + this.
const MAX_STREAM_CHUNK: usize = 64 * 1024;

/// What an inspection concluded.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// A `pass` rule matched: the hits of this inspection were dropped.
    pub passed: bool,
    /// Hits appended to `out`.
    pub hits: usize,
}

/// Work counters of one detector (add them up across workers for stats).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DetectCounters {
    /// Packets inspected.
    pub packets: u64,
    /// Stream deliveries inspected.
    pub stream_chunks: u64,
    /// Transactions inspected.
    pub txs: u64,
    /// Candidate rules verified.
    pub candidates: u64,
    /// Rules that matched (including noalert ones).
    pub matches: u64,
    /// Hits produced.
    pub alerts: u64,
    /// Matches kept quiet by suppress/threshold/detection_filter.
    pub quieted: u64,
    /// Inspections whose hits a pass rule dropped.
    pub passes: u64,
    /// List evaluations stopped by the inspection recursion limit.
    pub recursion_limit: u64,
    /// Threshold entries evicted because the table was full.
    pub threshold_evictions: u64,
}

/// A worker's matcher over a shared [`RuleSet`]. Holds scratch space (no
/// allocation per packet once warm) and the threshold tables.
#[derive(Debug)]
pub struct Detector {
    rules: Arc<RuleSet>,
    marks: Marks,
    cands: Vec<u32>,
    window: Vec<u8>,
    /// Where transformed buffers are built.
    scratch: Scratch,
    thresholds: ThresholdState,
    /// Leave cross-flow thresholds to a `ThresholdArbiter` (multi-worker pipelines).
    defer_thresholds: bool,
    counters: DetectCounters,
}

/// Which "already matched" marks an inspection uses.
#[derive(Copy, Clone, Debug)]
enum Mark {
    None,
    Stream(usize),
    Tx(usize, u64),
}

/// What is inspected, normalised for the rule checks.
struct Env<'e> {
    ts: Timestamp,
    pkt: Option<&'e DecodedPacket<'e>>,
    flow: Option<&'e FlowFacts<'e>>,
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
    ip_proto: u8,
    payload: Option<(&'e [u8], u64)>,
    tx: Option<&'e dyn TxBuffers>,
    source: HitSource,
}

impl Detector {
    /// A detector for `rules`.
    pub fn new(rules: Arc<RuleSet>) -> Self {
        let marks = Marks::new(rules.len(), rules.patterns);
        let thresholds = ThresholdState::new(rules.limits.threshold_entries);
        Detector {
            rules,
            marks,
            cands: Vec::new(),
            window: Vec::new(),
            scratch: Scratch::default(),
            thresholds,
            defer_thresholds: false,
            counters: DetectCounters::default(),
        }
    }

    /// Switches to a new rule set (a reload). Threshold counts, keyed by
    /// (gid, sid), are kept; flow states reset themselves on next use.
    pub fn set_rules(&mut self, rules: Arc<RuleSet>) {
        self.marks = Marks::new(rules.len(), rules.patterns);
        self.rules = rules;
    }

    /// The rule set in use.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// Work counters so far.
    pub fn counters(&self) -> DetectCounters {
        DetectCounters {
            threshold_evictions: self.thresholds.evictions,
            ..self.counters
        }
    }

    /// With `on`, hits of rules whose thresholds count across flows are not
    /// decided here but marked [`Hit::deferred`] for a
    /// [`crate::detect::ThresholdArbiter`] that sees every worker's hits in
    /// capture order. Off by default: a lone detector decides everything.
    pub fn defer_thresholds(&mut self, on: bool) {
        self.defer_thresholds = on;
    }

    /// Inspects one packet: UDP/ICMP/other-IP rules and packet-level TCP
    /// rules (see the module docs); hits are appended to `out`.
    pub fn inspect_packet(
        &mut self,
        ctx: &PacketCtx<'_>,
        flow: Option<&mut FlowDetectState>,
        out: &mut Vec<Hit>,
    ) -> Outcome {
        self.counters.packets += 1;
        let pkt = ctx.pkt;
        let class = match pkt.transport {
            Transport::Tcp { .. } => CLASS_TCP,
            Transport::Udp { .. } => CLASS_UDP,
            Transport::Icmpv4 { .. } => CLASS_ICMP4,
            Transport::Icmpv6 { .. } => CLASS_ICMP6,
            Transport::Other => CLASS_OTHER,
        };
        let variant = ctx.flow.as_ref().map_or(VAR_NO_FLOW, |f| f.dir.index());
        let rs = Arc::clone(&self.rules);
        let Some(group) = rs.packet.get(class * 3 + variant) else {
            return Outcome::default();
        };
        if group.prefilters.is_empty() && group.always.is_empty() && group.by_addr.is_empty() {
            return Outcome::default();
        }
        self.marks.next();
        self.cands.clear();
        for (buf, _, pf) in &group.prefilters {
            if *buf == BufferId::Payload {
                pf.scan(pkt.payload, &mut self.marks, &mut self.cands);
            }
        }
        let (sport, dport) = pkt.transport.ports();
        let env = Env {
            ts: ctx.ts,
            pkt: Some(pkt),
            flow: ctx.flow.as_ref(),
            src: pkt.src,
            sport,
            dst: pkt.dst,
            dport,
            ip_proto: pkt.ip_proto,
            payload: Some((pkt.payload, 0)),
            tx: None,
            source: HitSource::Packet,
        };
        self.run(&rs, group, &env, flow, Mark::None, out)
    }

    /// Inspects newly delivered in-order bytes of a TCP stream direction
    /// with the stream rules, through the direction's inspection window.
    pub fn inspect_stream(
        &mut self,
        ctx: &StreamCtx<'_>,
        flow: &mut FlowDetectState,
        out: &mut Vec<Hit>,
    ) -> Outcome {
        self.counters.stream_chunks += 1;
        let rs = Arc::clone(&self.rules);
        let dir = ctx.flow.dir.index();
        let group = &rs.stream[dir];
        let has_rules =
            !group.prefilters.is_empty() || !group.always.is_empty() || !group.by_addr.is_empty();
        if ctx.data.is_empty() || (!has_rules && rs.lookback == 0) {
            return Outcome::default();
        }
        let (src, sport, dst, dport) = ctx.flow.endpoints();
        let mut total = Outcome::default();
        let mut offset = ctx.offset;
        for chunk in ctx.data.chunks(MAX_STREAM_CHUNK) {
            // Window = kept tail + new bytes; a jump in offsets (a gap, or
            // data the caller delivered twice) drops the tail.
            let base = {
                let d = &mut flow.bind(&rs).dirs[dir];
                if d.tail_end() != offset {
                    d.tail.clear();
                    d.tail_start = offset;
                }
                self.window.clear();
                self.window.extend_from_slice(&d.tail);
                self.window.extend_from_slice(chunk);
                d.tail_start
            };
            if has_rules {
                self.marks.next();
                self.cands.clear();
                for (buf, _, pf) in &group.prefilters {
                    if *buf == BufferId::Payload {
                        pf.scan(&self.window, &mut self.marks, &mut self.cands);
                    }
                }
                let window = std::mem::take(&mut self.window);
                let env = Env {
                    ts: ctx.ts,
                    pkt: None,
                    flow: Some(&ctx.flow),
                    src,
                    sport,
                    dst,
                    dport,
                    ip_proto: ctx.flow.ip_proto,
                    payload: Some((&window, base)),
                    tx: None,
                    source: HitSource::Stream {
                        window_offset: base,
                    },
                };
                let o = self.run(&rs, group, &env, Some(&mut *flow), Mark::Stream(dir), out);
                self.window = window;
                total.passed |= o.passed;
                total.hits += o.hits;
            }
            let d = &mut flow.bind(&rs).dirs[dir];
            let keep = rs.lookback.min(self.window.len());
            let cut = self.window.len() - keep;
            d.tail.clear();
            d.tail.extend_from_slice(&self.window[cut..]);
            d.tail_start = base.saturating_add(cut as u64);
            offset = offset.saturating_add(chunk.len() as u64);
        }
        total
    }

    /// Inspects one application-layer transaction direction with the rules
    /// that use application-layer buffers.
    pub fn inspect_tx(
        &mut self,
        ctx: &TxCtx<'_>,
        flow: &mut FlowDetectState,
        out: &mut Vec<Hit>,
    ) -> Outcome {
        self.counters.txs += 1;
        let rs = Arc::clone(&self.rules);
        let dir = ctx.flow.dir.index();
        let group = &rs.tx[dir];
        if group.prefilters.is_empty() && group.always.is_empty() && group.by_addr.is_empty() {
            return Outcome::default();
        }
        // Payload for rules that also have a Payload list: the given bytes,
        // else a copy of the stream window's tail.
        let mut window = std::mem::take(&mut self.window);
        window.clear();
        let payload_base = match ctx.payload {
            Some(p) => {
                window.extend_from_slice(p);
                0
            }
            None => {
                let d = &flow.bind(&rs).dirs[dir];
                window.extend_from_slice(&d.tail);
                d.tail_start
            }
        };
        self.marks.next();
        self.cands.clear();
        for (buf, xf, pf) in &group.prefilters {
            if *buf == BufferId::Payload {
                pf.scan(&window, &mut self.marks, &mut self.cands);
            } else {
                let marks = &mut self.marks;
                let cands = &mut self.cands;
                // A transformed list's fast pattern is found in the
                // transformed bytes, so those are scanned.
                match rs.chains.get(*xf as usize).filter(|c| !c.is_empty()) {
                    None => ctx.buffers.visit(*buf, &mut |v| pf.scan(v, marks, cands)),
                    Some(chain) => {
                        let scratch = &mut self.scratch;
                        ctx.buffers.visit(*buf, &mut |v| {
                            pf.scan(chain.apply(v, scratch), marks, cands)
                        });
                    }
                }
            }
        }
        let (src, sport, dst, dport) = ctx.flow.endpoints();
        let env = Env {
            ts: ctx.ts,
            pkt: None,
            flow: Some(&ctx.flow),
            src,
            sport,
            dst,
            dport,
            ip_proto: ctx.flow.ip_proto,
            payload: Some((&window, payload_base)),
            tx: Some(ctx.buffers),
            source: HitSource::Tx { tx_id: ctx.tx_id },
        };
        let o = self.run(&rs, group, &env, Some(flow), Mark::Tx(dir, ctx.tx_id), out);
        self.window = window;
        o
    }

    /// Verifies the candidates (collected in `self.cands`) and the group's
    /// always-evaluated rules, in evaluation order.
    fn run(
        &mut self,
        rs: &RuleSet,
        group: &Group,
        env: &Env<'_>,
        mut fs: Option<&mut FlowDetectState>,
        mark: Mark,
        out: &mut Vec<Hit>,
    ) -> Outcome {
        let mut cands = std::mem::take(&mut self.cands);
        if !group.by_addr.is_empty() {
            // Address-indexed rules are candidates when either address is in
            // their list; verification checks the direction.
            group.by_addr.lookup(env.src, &mut cands);
            group.by_addr.lookup(env.dst, &mut cands);
        }
        cands.sort_unstable();
        cands.dedup();
        let always = &group.always;
        let start = out.len();
        let mut passed = false;
        let (mut a, mut b) = (0usize, 0usize);
        loop {
            // Merge the two sorted lists (a rule is in only one of them).
            let idx = match (cands.get(a), always.get(b)) {
                (Some(&x), Some(&y)) if x <= y => {
                    a += 1;
                    x
                }
                (_, Some(&y)) => {
                    b += 1;
                    y
                }
                (Some(&x), None) => {
                    a += 1;
                    x
                }
                (None, None) => break,
            };
            let Some(rule) = rs.rules.get(idx as usize) else {
                continue;
            };
            match mark {
                Mark::Stream(d) => {
                    if let Some(s) = fs.as_deref_mut() {
                        if s.bind(rs).dirs[d].stream_matched(idx) {
                            continue;
                        }
                    }
                }
                Mark::Tx(d, tx) => {
                    if let Some(s) = fs.as_deref_mut() {
                        if s.bind(rs).dirs[d].tx_matched(tx, idx) {
                            continue;
                        }
                    }
                }
                Mark::None => {}
            }
            self.counters.candidates += 1;
            if !self.evaluate(rs, rule, env, &mut fs) {
                continue;
            }
            self.counters.matches += 1;
            if let Some(s) = fs.as_deref_mut() {
                if !rule.bit_ops.is_empty() || !matches!(mark, Mark::None) {
                    let inner = s.bind(rs);
                    apply_bit_ops(&rule.bit_ops, inner);
                    match mark {
                        Mark::Stream(d) => inner.dirs[d].mark_stream(idx),
                        Mark::Tx(d, tx) => inner.dirs[d].mark_tx(tx, idx),
                        Mark::None => {}
                    }
                }
            }
            if rule.noalert {
                passed |= rule.action == Action::Pass;
                continue;
            }
            let mut deferred = None;
            let action = if rule.rate.is_empty() {
                rule.action
            } else if self.defer_thresholds && rule.rate.deferrable() {
                // Counted across flows, hence across workers: decided in
                // capture order by the ThresholdArbiter, not here.
                deferred = Some(DeferredRate {
                    rule: (rule.gid, rule.sid),
                    action: rule.action,
                    rate: Arc::clone(&rule.rate),
                    src: env.src,
                    dst: env.dst,
                    ts: env.ts,
                });
                rule.action
            } else {
                match self.thresholds.decide(
                    (rule.gid, rule.sid),
                    rule.action,
                    &rule.rate,
                    env.src,
                    env.dst,
                    env.flow.map(|f| f.flow_id),
                    env.ts,
                ) {
                    Decision::Alert(a) => a,
                    Decision::Quiet => {
                        self.counters.quieted += 1;
                        continue;
                    }
                }
            };
            if action == Action::Pass {
                passed = true;
                continue;
            }
            out.push(Hit {
                rule: rule.index,
                sid: rule.sid,
                gid: rule.gid,
                rev: rule.rev,
                action,
                msg: Arc::clone(&rule.msg),
                category: Arc::clone(&rule.category),
                priority: rule.priority,
                metadata: Arc::clone(&rule.metadata),
                references: Arc::clone(&rule.references),
                target: rule.target,
                to_server: env.flow.map(|f| f.dir == Direction::ToServer),
                source: env.source,
                deferred,
            });
        }
        cands.clear();
        self.cands = cands;
        if passed {
            out.truncate(start);
            self.counters.passes += 1;
        }
        let hits = out.len() - start;
        self.counters.alerts += hits as u64;
        Outcome { passed, hits }
    }

    /// Every part of the rule except its post-match effects, cheapest first.
    fn evaluate(
        &mut self,
        rs: &RuleSet,
        rule: &CompiledRule,
        env: &Env<'_>,
        fs: &mut Option<&mut FlowDetectState>,
    ) -> bool {
        if !proto_ok(rule, env) || !addr_ok(rule, env) || !flow_ok(rule, env) {
            return false;
        }
        if let Some((name, negated)) = &rule.app_layer_protocol {
            let Some(f) = env.flow else {
                return false;
            };
            let is = f.app_proto.is_some_and(|p| app_matches(name, p));
            if is == *negated {
                return false;
            }
        }
        if !rule.header.iter().all(|h| header_ok(h, env)) {
            return false;
        }
        if rule.uses_flow_vars() && env.flow.is_none() {
            // Suricata: flowbits and flowints need a flow.
            return false;
        }
        if !rule.bit_conds.is_empty() {
            let Some(s) = fs.as_deref_mut() else {
                return false;
            };
            if !bit_conds_ok(&rule.bit_conds, s.bind(rs)) {
                return false;
            }
        }
        for list in &rule.lists {
            let r = self.list_ok(rs, list, env);
            if r.limit_hit {
                self.counters.recursion_limit += 1;
            }
            if !r.matched {
                return false;
            }
        }
        if !rule.ints.is_empty() {
            let Some(s) = fs.as_deref_mut() else {
                return false;
            };
            if !run_ints(&rule.ints, s.bind(rs)) {
                return false;
            }
        }
        true
    }

    fn list_ok(&mut self, rs: &RuleSet, list: &CompiledList, env: &Env<'_>) -> ListResult {
        if list.buffer == BufferId::Payload {
            return match env.payload {
                Some((data, base)) => inspect(&list.ops, data, base),
                None => ListResult::default(),
            };
        }
        let Some(tx) = env.tx else {
            return ListResult::default();
        };
        let mut res = ListResult::default();
        let chain = rs.chains.get(list.xform as usize).filter(|c| !c.is_empty());
        let scratch = &mut self.scratch;
        tx.visit(list.buffer, &mut |v| {
            if !res.matched {
                let v = match chain {
                    Some(c) => c.apply(v, scratch),
                    None => v,
                };
                let r = inspect(&list.ops, v, 0);
                res.matched = r.matched;
                res.limit_hit |= r.limit_hit;
            }
        });
        res
    }
}

fn app_matches(rule_name: &str, flow_proto: &str) -> bool {
    // Suricata's `http` covers HTTP/1 and HTTP/2.
    rule_name == flow_proto || (rule_name == "http" && matches!(flow_proto, "http1" | "http2"))
}

fn proto_ok(rule: &CompiledRule, env: &Env<'_>) -> bool {
    match &rule.proto {
        RuleProto::Ip => true,
        RuleProto::Tcp | RuleProto::TcpPkt | RuleProto::TcpStream => env.ip_proto == 6,
        RuleProto::Udp => env.ip_proto == 17,
        RuleProto::Icmp => env.ip_proto == 1 || env.ip_proto == 58,
        RuleProto::Icmpv4 => env.ip_proto == 1,
        RuleProto::Icmpv6 => env.ip_proto == 58,
        RuleProto::App(name) => env
            .flow
            .and_then(|f| f.app_proto)
            .is_some_and(|p| app_matches(name, p)),
    }
}

fn addr_ok(rule: &CompiledRule, env: &Env<'_>) -> bool {
    let fwd = rule.src.contains(env.src)
        && rule.src_ports.contains(env.sport)
        && rule.dst.contains(env.dst)
        && rule.dst_ports.contains(env.dport);
    fwd || (rule.bidirectional
        && rule.src.contains(env.dst)
        && rule.src_ports.contains(env.dport)
        && rule.dst.contains(env.src)
        && rule.dst_ports.contains(env.sport))
}

fn flow_ok(rule: &CompiledRule, env: &Env<'_>) -> bool {
    let Some(f) = &rule.flow else {
        return true;
    };
    match env.flow {
        None => f.to_server.is_none() && !f.established && !f.not_established,
        Some(ff) => {
            f.to_server
                .is_none_or(|t| t == (ff.dir == Direction::ToServer))
                && (!f.established || ff.established)
                && (!f.not_established || !ff.established)
        }
    }
}

fn flag_match(value: u8, bits: u8, modifier: crate::rules::ir::FlagsModifier) -> bool {
    use crate::rules::ir::FlagsModifier as M;
    match modifier {
        M::Exact => value == bits,
        M::Plus => value & bits == bits,
        M::Any => value & bits != 0,
        // Suricata: `!` matches unless *all* the named bits are set.
        M::Not => value & bits != bits,
    }
}

fn header_ok(h: &HeaderCheck, env: &Env<'_>) -> bool {
    let pkt = env.pkt;
    let tcp = || match pkt.map(|p| p.transport) {
        Some(Transport::Tcp {
            seq,
            ack,
            flags,
            window,
            ..
        }) => Some((seq, ack, flags.0, window)),
        _ => None,
    };
    let icmp = || match pkt.map(|p| p.transport) {
        Some(Transport::Icmpv4 {
            icmp_type,
            icmp_code,
        })
        | Some(Transport::Icmpv6 {
            icmp_type,
            icmp_code,
        }) => Some((icmp_type, icmp_code)),
        _ => None,
    };
    match h {
        HeaderCheck::Flags {
            bits,
            modifier,
            ignore,
        } => tcp().is_some_and(|(_, _, f, _)| flag_match(f & !ignore, *bits, *modifier)),
        HeaderCheck::Ttl(c) => pkt.is_some_and(|p| c.test(u64::from(p.ttl))),
        HeaderCheck::Itype(c) => icmp().is_some_and(|(t, _)| c.test(u64::from(t))),
        HeaderCheck::Icode(c) => icmp().is_some_and(|(_, code)| c.test(u64::from(code))),
        HeaderCheck::IpProto(c) => c.test(u64::from(env.ip_proto)),
        HeaderCheck::Id(v) => pkt.is_some_and(|p| p.src.is_ipv4() && p.ip_id == u32::from(*v)),
        HeaderCheck::Seq(v) => tcp().is_some_and(|(s, ..)| s == *v),
        HeaderCheck::Ack(v) => tcp().is_some_and(|(_, a, ..)| a == *v),
        HeaderCheck::Window { value, negated } => {
            tcp().is_some_and(|(.., w)| (w == *value) != *negated)
        }
        HeaderCheck::SameIp => env.src == env.dst,
        // As Suricata's signature mask: `!N`, `>N`, `>=N` and `A<>B` also
        // require a payload, so `dsize:!9` never matches an empty packet.
        HeaderCheck::Dsize(c) => pkt.is_some_and(|p| {
            let len = p.payload.len() as u64;
            let needs_payload =
                matches!(c, Cmp::Ne(_) | Cmp::Gt(_) | Cmp::Ge(_) | Cmp::Between(..));
            c.test(len) && (len > 0 || !needs_payload)
        }),
        HeaderCheck::StreamSize { side, cmp } => {
            let Some(f) = env.flow.filter(|f| f.ip_proto == 6) else {
                return false;
            };
            let client = f.stream_bytes[Direction::ToServer.index()];
            let server = f.stream_bytes[Direction::ToClient.index()];
            match side {
                StreamSide::Client => cmp.test(client),
                StreamSide::Server => cmp.test(server),
                StreamSide::Both => cmp.test(client) && cmp.test(server),
                StreamSide::Either => cmp.test(client) || cmp.test(server),
            }
        }
        // Only echo requests and replies carry an id and a sequence number.
        HeaderCheck::IcmpId(v) => pkt.and_then(|p| p.icmp_echo).is_some_and(|e| e.id == *v),
        HeaderCheck::IcmpSeq(v) => pkt.and_then(|p| p.icmp_echo).is_some_and(|e| e.seq == *v),
        // IPv4 only, as in Suricata: IPv6 has no such flags.
        HeaderCheck::Fragbits { bits, modifier } => {
            pkt.is_some_and(|p| p.src.is_ipv4() && flag_match(p.ip_flags.0, *bits, *modifier))
        }
    }
}

fn bit_conds_ok(conds: &[BitCond], inner: &FlowInner) -> bool {
    conds.iter().all(|c| match c {
        BitCond::IsSet { ids, all: true } => ids.iter().all(|&i| inner.bit(i)),
        BitCond::IsSet { ids, all: false } => ids.iter().any(|&i| inner.bit(i)),
        BitCond::IsNotSet { ids, all: true } => ids.iter().all(|&i| !inner.bit(i)),
        BitCond::IsNotSet { ids, all: false } => ids.iter().any(|&i| !inner.bit(i)),
    })
}

fn apply_bit_ops(ops: &[BitOp], inner: &mut FlowInner) {
    for op in ops {
        match *op {
            BitOp::Set(i) => inner.set_bit(i, true),
            BitOp::Unset(i) => inner.set_bit(i, false),
            BitOp::Toggle(i) => {
                let on = inner.bit(i);
                inner.set_bit(i, !on);
            }
        }
    }
}

/// Runs flowint keywords in rule order; modifications stay even when a
/// later condition fails (Suricata's match-list semantics).
fn run_ints(ops: &[IntOp], inner: &mut FlowInner) -> bool {
    let value = |v: IntVal, inner: &FlowInner| match v {
        IntVal::Lit(x) => Some(x),
        IntVal::Var(id) => inner.int(id),
    };
    for op in ops {
        match *op {
            IntOp::Set(id, v) => {
                let Some(v) = value(v, inner) else {
                    return false;
                };
                inner.set_int(id, v);
            }
            IntOp::Add(id, v) => {
                let Some(v) = value(v, inner) else {
                    return false;
                };
                // Adding to an unset variable starts it at the value.
                let new = inner.int(id).map_or(v, |x| x.wrapping_add(v));
                inner.set_int(id, new);
            }
            IntOp::Sub(id, v) => {
                let (Some(v), Some(x)) = (value(v, inner), inner.int(id)) else {
                    return false;
                };
                inner.set_int(id, x.wrapping_sub(v));
            }
            IntOp::IsSet(id) => {
                if inner.int(id).is_none() {
                    return false;
                }
            }
            IntOp::NotSet(id) => {
                if inner.int(id).is_some() {
                    return false;
                }
            }
            IntOp::Cmp(id, c, v) => {
                let (Some(x), Some(v)) = (inner.int(id), value(v, inner)) else {
                    return false;
                };
                let ok = match c {
                    FlowintCmp::Eq => x == v,
                    FlowintCmp::Ne => x != v,
                    FlowintCmp::Lt => x < v,
                    FlowintCmp::Gt => x > v,
                    FlowintCmp::Le => x <= v,
                    FlowintCmp::Ge => x >= v,
                };
                if !ok {
                    return false;
                }
            }
        }
    }
    true
}
