//! Compiling [`Rule`]s into a [`RuleSet`]: keyword checks, variables, regex
//! compilation (cached), fast-pattern choice, rule ordering, grouping and the
//! prefilter automata.
//!
//! A rule that cannot be compiled is left out whole and reported as a
//! [`CompileProblem`] (`file:line: message`); nothing is ever half-compiled.

use super::addr::{AddrIndex, AddrMatcher};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use regex::bytes::{Regex, RegexBuilder};

use crate::rules::ir::{
    Action, BufferId, Endian, FastPattern, FlowMatch, Flowbits, Flowint, FlowintCmp, HeaderCheck,
    Match, MatchList, Num, PortSet, Rule, RuleProto, Target, Transform,
};

use super::inspect::{
    ByteExtractOp, ByteJumpOp, ByteMathOp, ByteTestOp, ContentOp, MAX_VARS, Op, PcreOp, ReadSpec,
    Val, link_relative,
};
use super::prefilter::{DFA_BUDGET, FastPattern as Fp, Prefilter};
use super::threshold::{RuleRate, Suppression, ThresholdEntry, ThresholdTable, entry_applies};
use super::transform::Chain;

/// Longest `content` accepted. Longer patterns are refused (they would also
/// make every stream window keep as much).
pub const MAX_PATTERN_LEN: usize = 4096;

/// Stream bytes kept per direction when a rule mixes `Payload` with
/// application-layer buffers: such rules match their `Payload` list at
/// transaction time on the kept tail, which should hold at least a typical
/// request head. (Capped by [`DetectLimits::max_stream_lookback`].)
pub const MIXED_RULE_LOOKBACK: usize = 4096;

/// Keywords per buffer list; a longer list is refused (it bounds recursion).
const MAX_OPS_PER_LIST: usize = 256;

/// Compiled regex size cap (per pcre): a hostile or huge pattern is refused
/// instead of using unbounded memory.
const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Lazy DFA cache per pcre and thread.
const REGEX_DFA_LIMIT: usize = 1 << 20;

/// Resource limits of a rule set and of the detectors using it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectLimits {
    /// Most bytes of earlier stream data kept per flow direction for the next
    /// inspection window. The rules ask for less in most sets (the longest
    /// pattern, bounded relative chains, absolute `offset`+`depth`); this caps
    /// it. Default 32 KiB.
    pub max_stream_lookback: usize,
    /// Threshold/detection_filter/rate_filter entries per detector. Default
    /// 65,536 (a few MiB).
    pub threshold_entries: usize,
}

impl Default for DetectLimits {
    fn default() -> Self {
        DetectLimits {
            max_stream_lookback: 32 * 1024,
            threshold_entries: 65_536,
        }
    }
}

/// A rule that was left out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileProblem {
    /// File the rule came from.
    pub file: String,
    /// Line of the rule.
    pub line: u32,
    /// The rule's sid.
    pub sid: u32,
    /// What is wrong, for the user.
    pub message: String,
}

impl fmt::Display for CompileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: sid {}: {}",
            self.file, self.line, self.sid, self.message
        )
    }
}

impl std::error::Error for CompileProblem {}

/// Counts describing a compiled rule set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSetSummary {
    /// Rules compiled.
    pub rules: usize,
    /// Rules evaluated on packets.
    pub packet_rules: usize,
    /// Rules evaluated on reassembled TCP streams.
    pub stream_rules: usize,
    /// Rules evaluated on application-layer transactions.
    pub tx_rules: usize,
    /// Rules with a fast pattern (prefiltered).
    pub prefiltered: usize,
    /// Rules evaluated on every buffer of their groups (no positive content).
    pub always: usize,
    /// Distinct patterns over all automata.
    pub patterns: usize,
    /// Bytes of stream kept per flow direction.
    pub stream_lookback: usize,
}

/// Protocol classes of packets, for packet groups.
pub(crate) const CLASS_TCP: usize = 0;
pub(crate) const CLASS_UDP: usize = 1;
pub(crate) const CLASS_ICMP4: usize = 2;
pub(crate) const CLASS_ICMP6: usize = 3;
pub(crate) const CLASS_OTHER: usize = 4;
const CLASSES: usize = 5;

/// Packet group variants: the packet's direction in its flow, or no flow.
pub(crate) const VAR_TO_SERVER: usize = 0;
pub(crate) const VAR_TO_CLIENT: usize = 1;
pub(crate) const VAR_NO_FLOW: usize = 2;

/// A flowbit condition.
#[derive(Clone, Debug)]
pub(crate) enum BitCond {
    IsSet { ids: Vec<u32>, all: bool },
    IsNotSet { ids: Vec<u32>, all: bool },
}

/// A flowbit change, applied when the rule matched.
#[derive(Copy, Clone, Debug)]
pub(crate) enum BitOp {
    Set(u32),
    Unset(u32),
    Toggle(u32),
}

/// A flowint value: literal or another flowint.
#[derive(Copy, Clone, Debug)]
pub(crate) enum IntVal {
    Lit(i64),
    Var(u32),
}

/// A flowint keyword.
#[derive(Copy, Clone, Debug)]
pub(crate) enum IntOp {
    Set(u32, IntVal),
    Add(u32, IntVal),
    Sub(u32, IntVal),
    IsSet(u32),
    NotSet(u32),
    Cmp(u32, FlowintCmp, IntVal),
}

/// One buffer list, compiled.
#[derive(Debug)]
pub(crate) struct CompiledList {
    pub buffer: BufferId,
    /// Transform chain applied to the buffer first: an index into
    /// [`RuleSet::chains`], 0 for none.
    pub xform: u32,
    pub ops: Vec<Op>,
}

/// Which engines evaluate a rule.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct Engines {
    pub packet: [bool; CLASSES],
    pub stream: bool,
    pub tx: bool,
}

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub index: u32,
    pub sid: u32,
    pub gid: u32,
    pub rev: u32,
    pub action: Action,
    pub msg: Arc<str>,
    pub category: Arc<str>,
    pub priority: u8,
    pub metadata: Arc<[(String, String)]>,
    pub references: Arc<[String]>,
    pub target: Option<Target>,
    pub proto: RuleProto,
    pub src: AddrMatcher,
    pub src_ports: PortSet,
    pub dst: AddrMatcher,
    pub dst_ports: PortSet,
    pub bidirectional: bool,
    pub flow: Option<FlowMatch>,
    pub app_layer_protocol: Option<(String, bool)>,
    pub header: Vec<HeaderCheck>,
    pub lists: Vec<CompiledList>,
    pub bit_conds: Vec<BitCond>,
    pub bit_ops: Vec<BitOp>,
    pub ints: Vec<IntOp>,
    pub noalert: bool,
    pub rate: Arc<RuleRate>,
    pub engines: Engines,
    /// Fast pattern: buffer, transform chain, bytes, nocase.
    fast: Option<(BufferId, u32, Vec<u8>, bool)>,
    /// Stream lookback its `Payload` lists need.
    stream_need: usize,
    sort_key: (u8, u8, u8, u8, u32),
}

impl CompiledRule {
    /// The rule needs flow state (flowbits, flowints).
    pub fn uses_flow_vars(&self) -> bool {
        !self.bit_conds.is_empty() || !self.bit_ops.is_empty() || !self.ints.is_empty()
    }

    /// The rule cannot match without a flow.
    fn needs_flow(&self) -> bool {
        let f = self.flow.as_ref();
        f.is_some_and(|f| f.to_server.is_some() || f.established || f.not_established)
            || self.uses_flow_vars()
            || matches!(self.proto, RuleProto::App(_))
            || self.app_layer_protocol.is_some()
    }

    fn dir_ok(&self, to_server: bool) -> bool {
        self.flow
            .as_ref()
            .and_then(|f| f.to_server)
            .is_none_or(|t| t == to_server)
    }

    /// The rule's transactions are inspected in this direction: the flow
    /// direction allows it, and the rule's buffers exist there. As in
    /// Suricata, a rule on request buffers is inspected to the server only, a
    /// rule with any response buffer to the client only (where the request
    /// buffers of the same transaction are available too), and a rule on
    /// buffers of both sides (`http.header`, ...) in both directions.
    fn tx_dir_ok(&self, to_server: bool) -> bool {
        let sides = self.lists.iter().filter_map(|l| l.buffer.to_server_only());
        let side = sides.fold(None, |acc, s| match (acc, s) {
            (Some(false), _) | (_, false) => Some(false),
            _ => Some(true),
        });
        self.dir_ok(to_server) && side.is_none_or(|s| s == to_server)
    }
}

/// One rule group: per buffer (and transform chain) a prefilter, plus the
/// rules that are evaluated on every buffer.
#[derive(Debug, Default)]
pub(crate) struct Group {
    pub prefilters: Vec<(BufferId, u32, Prefilter)>,
    pub always: Vec<u32>,
    /// Content-less rules with a selective address list, found by address.
    pub by_addr: AddrIndex,
}

#[derive(Default)]
struct GroupBuilder {
    fast: Vec<((BufferId, u32), Fp)>,
    always: Vec<u32>,
    by_addr: AddrIndex,
}

impl GroupBuilder {
    fn add(&mut self, rule: &CompiledRule, eval_idx: u32) {
        match &rule.fast {
            Some((buf, xf, bytes, nocase)) => self.fast.push((
                (*buf, *xf),
                Fp {
                    rule: eval_idx,
                    bytes: bytes.clone(),
                    nocase: *nocase,
                },
            )),
            None => {
                // Prefer the side that can be indexed (a reputation list),
                // the source first; else the rule runs on every packet.
                if !self.by_addr.try_add(&rule.src, eval_idx)
                    && !self.by_addr.try_add(&rule.dst, eval_idx)
                {
                    self.always.push(eval_idx);
                }
            }
        }
    }

    fn build(mut self, pattern_count: &mut usize, dfa_budget: &mut usize) -> Group {
        let mut by_buf: Vec<((BufferId, u32), Vec<Fp>)> = Vec::new();
        self.fast.sort_by_key(|(b, _)| *b);
        for (b, fp) in self.fast {
            match by_buf.last_mut() {
                Some((lb, v)) if *lb == b => v.push(fp),
                _ => by_buf.push((b, vec![fp])),
            }
        }
        let mut prefilters = Vec::new();
        for (buf, fps) in by_buf {
            match Prefilter::build(&fps, *pattern_count as u32, dfa_budget) {
                Ok(pf) => {
                    *pattern_count += pf.patterns();
                    prefilters.push((buf.0, buf.1, pf));
                }
                Err(e) => {
                    // Never lose a rule: without an automaton, evaluate them
                    // on every buffer.
                    tracing::warn!(error = %e, "prefilter automaton could not be built; rules evaluated without it");
                    self.always.extend(fps.iter().map(|f| f.rule));
                }
            }
        }
        self.always.sort_unstable();
        self.always.dedup();
        Group {
            prefilters,
            always: self.always,
            by_addr: self.by_addr,
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The compiled, immutable rules, shared by every worker through an `Arc`.
#[derive(Debug)]
pub struct RuleSet {
    id: u64,
    pub(crate) rules: Vec<CompiledRule>,
    /// `[class * 3 + variant]`.
    pub(crate) packet: Vec<Group>,
    /// By direction index.
    pub(crate) stream: [Group; 2],
    /// By direction index.
    pub(crate) tx: [Group; 2],
    flowbits: HashMap<String, u32>,
    flowints: HashMap<String, u32>,
    /// Transform chains of the lists; `chains[0]` is the empty one.
    pub(crate) chains: Vec<Chain>,
    pub(crate) patterns: usize,
    pub(crate) lookback: usize,
    pub(crate) limits: DetectLimits,
    summary: RuleSetSummary,
}

impl RuleSet {
    /// Compiles `rules` with default [`DetectLimits`], applying the
    /// `threshold.config` entries if given. Rules that cannot be compiled are
    /// left out and reported.
    pub fn compile(
        rules: Vec<Rule>,
        thresholds: Option<&ThresholdTable>,
    ) -> (RuleSet, Vec<CompileProblem>) {
        Self::compile_with(rules, thresholds, DetectLimits::default())
    }

    /// [`RuleSet::compile`] with explicit limits.
    pub fn compile_with(
        rules: Vec<Rule>,
        thresholds: Option<&ThresholdTable>,
        limits: DetectLimits,
    ) -> (RuleSet, Vec<CompileProblem>) {
        let mut problems = Vec::new();
        let mut cx = Cx {
            chains: vec![Chain::default()],
            ..Cx::default()
        };
        let mut compiled = Vec::with_capacity(rules.len());
        let empty = ThresholdTable::new();
        let table = thresholds.unwrap_or(&empty);
        for (index, rule) in rules.into_iter().enumerate() {
            match cx.rule(index as u32, &rule, table) {
                Ok(r) => compiled.push(r),
                Err(message) => problems.push(CompileProblem {
                    file: rule.file.clone(),
                    line: rule.line,
                    sid: rule.sid,
                    message,
                }),
            }
        }
        // Suricata's signature order; see the module docs of `detect`.
        compiled.sort_by_key(|r| r.sort_key);

        let mut lookback = 0usize;
        let mut pb: Vec<GroupBuilder> = (0..CLASSES * 3).map(|_| GroupBuilder::default()).collect();
        let mut sb: [GroupBuilder; 2] = Default::default();
        let mut tb: [GroupBuilder; 2] = Default::default();
        let mut summary = RuleSetSummary {
            rules: compiled.len(),
            ..RuleSetSummary::default()
        };
        for (i, r) in compiled.iter().enumerate() {
            let i = i as u32;
            let e = r.engines;
            if r.fast.is_some() {
                summary.prefiltered += 1;
            } else {
                summary.always += 1;
            }
            if e.packet.iter().any(|b| *b) {
                summary.packet_rules += 1;
            }
            summary.stream_rules += usize::from(e.stream);
            summary.tx_rules += usize::from(e.tx);
            for (class, on) in e.packet.iter().enumerate() {
                if !on {
                    continue;
                }
                if r.dir_ok(true) {
                    pb[class * 3 + VAR_TO_SERVER].add(r, i);
                }
                if r.dir_ok(false) {
                    pb[class * 3 + VAR_TO_CLIENT].add(r, i);
                }
                if !r.needs_flow() {
                    pb[class * 3 + VAR_NO_FLOW].add(r, i);
                }
            }
            if e.stream {
                // Without a flow there is no stream: TCP packets without flow
                // are matched with the stream rules too (except those that
                // insist on the stream).
                let stream_only = r.proto == RuleProto::TcpStream
                    || r.flow.as_ref().is_some_and(|f| f.only_stream);
                if !r.needs_flow() && !e.packet[CLASS_TCP] && !stream_only {
                    pb[CLASS_TCP * 3 + VAR_NO_FLOW].add(r, i);
                }
                for (d, to_server) in [(0, true), (1, false)] {
                    if r.dir_ok(to_server) {
                        sb[d].add(r, i);
                    }
                }
            }
            if e.tx {
                for (d, to_server) in [(0, true), (1, false)] {
                    if r.tx_dir_ok(to_server) {
                        tb[d].add(r, i);
                    }
                }
            }
            if e.stream {
                lookback = lookback.max(r.stream_need);
            }
            if e.tx && r.lists.iter().any(|l| l.buffer == BufferId::Payload) {
                lookback = lookback.max(r.stream_need).max(MIXED_RULE_LOOKBACK);
            }
        }
        let lookback = lookback.min(limits.max_stream_lookback);
        let mut patterns = 0usize;
        let mut budget = DFA_BUDGET;
        let b = &mut budget;
        // Stream and transaction automata first: they see the most bytes.
        let [s0, s1] = sb;
        let stream = [s0.build(&mut patterns, b), s1.build(&mut patterns, b)];
        let [t0, t1] = tb;
        let tx = [t0.build(&mut patterns, b), t1.build(&mut patterns, b)];
        let packet = pb.into_iter().map(|g| g.build(&mut patterns, b)).collect();
        summary.patterns = patterns;
        summary.stream_lookback = lookback;
        let rs = RuleSet {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            rules: compiled,
            packet,
            stream,
            tx,
            flowbits: cx.flowbits,
            flowints: cx.flowints,
            chains: cx.chains,
            patterns,
            lookback,
            limits,
            summary,
        };
        (rs, problems)
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when no rule compiled.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Counts describing the set (engines, prefilter, lookback).
    pub fn summary(&self) -> &RuleSetSummary {
        &self.summary
    }

    /// Bytes of earlier stream data kept per flow direction.
    pub fn stream_lookback(&self) -> usize {
        self.lookback
    }

    /// The limits this set was compiled with.
    pub fn limits(&self) -> &DetectLimits {
        &self.limits
    }

    /// Unique id of this compiled set (flow state made with another set is
    /// reset on first use).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn flowbit_id(&self, name: &str) -> Option<u32> {
        self.flowbits.get(name).copied()
    }

    pub(crate) fn flowint_id(&self, name: &str) -> Option<u32> {
        self.flowints.get(name).copied()
    }

    /// The (gid, sid) of every rule in evaluation order (for tests).
    #[cfg(test)]
    pub(crate) fn order(&self) -> Vec<u32> {
        self.rules.iter().map(|r| r.sid).collect()
    }
}

/// Compilation context shared by the rules of one set.
#[derive(Default)]
struct Cx {
    regexes: HashMap<String, Arc<Regex>>,
    flowbits: HashMap<String, u32>,
    flowints: HashMap<String, u32>,
    /// Compiled transform chains (index 0: none) and their ids.
    chains: Vec<Chain>,
    chain_ids: HashMap<Vec<Transform>, u32>,
}

fn intern(map: &mut HashMap<String, u32>, name: &str) -> u32 {
    let next = map.len() as u32;
    *map.entry(name.to_owned()).or_insert(next)
}

/// True for header checks that need the packet itself.
fn packet_only(h: &HeaderCheck) -> bool {
    !matches!(h, HeaderCheck::SameIp | HeaderCheck::StreamSize { .. })
}

fn header_name(h: &HeaderCheck) -> &'static str {
    match h {
        HeaderCheck::Flags { .. } => "flags",
        HeaderCheck::Ttl(_) => "ttl",
        HeaderCheck::Itype(_) => "itype",
        HeaderCheck::Icode(_) => "icode",
        HeaderCheck::IcmpId(_) => "icmp_id",
        HeaderCheck::IcmpSeq(_) => "icmp_seq",
        HeaderCheck::IpProto(_) => "ip_proto",
        HeaderCheck::Id(_) => "id",
        HeaderCheck::Seq(_) => "seq",
        HeaderCheck::Ack(_) => "ack",
        HeaderCheck::Window { .. } => "window",
        HeaderCheck::Fragbits { .. } => "fragbits",
        HeaderCheck::SameIp => "sameip",
        HeaderCheck::Dsize(_) => "dsize",
        HeaderCheck::StreamSize { .. } => "stream_size",
    }
}

fn action_rank(a: Action) -> u8 {
    match a {
        Action::Pass => 0,
        Action::Drop => 1,
        Action::Reject => 2,
        Action::Alert => 3,
    }
}

/// Suricata's flowbits/flowint order classes: set only first, then set and
/// read, then read only, then not used.
fn use_rank(reads: bool, writes: bool) -> u8 {
    match (writes, reads) {
        (true, false) => 0,
        (true, true) => 1,
        (false, true) => 2,
        (false, false) => 3,
    }
}

impl Cx {
    fn rule(
        &mut self,
        index: u32,
        r: &Rule,
        table: &ThresholdTable,
    ) -> Result<CompiledRule, String> {
        let flow = r.flow.clone();
        if let Some(f) = &flow {
            if f.established && f.not_established {
                return Err(
                    "flow: `established` and `not_established` together never match".into(),
                );
            }
            if f.only_stream && f.no_stream {
                return Err("flow: `only_stream` and `no_stream` together never match".into());
            }
        }
        let pkt_kw = r.header.iter().find(|h| packet_only(h));
        let has_app = r.lists.iter().any(|l| l.buffer.is_app());
        let has_payload = r.lists.iter().any(|l| l.buffer == BufferId::Payload);
        let only_stream = flow.as_ref().is_some_and(|f| f.only_stream);
        let no_stream = flow.as_ref().is_some_and(|f| f.no_stream);
        if let Some(h) = pkt_kw {
            if has_app {
                return Err(format!(
                    "packet keyword `{}` cannot be combined with application-layer buffers",
                    header_name(h)
                ));
            }
            if only_stream || r.proto == RuleProto::TcpStream {
                return Err(format!(
                    "packet keyword `{}` on a stream-only rule never matches",
                    header_name(h)
                ));
            }
        }
        if r.proto == RuleProto::TcpPkt && only_stream {
            return Err("`tcp-pkt` with `flow:only_stream` never matches".into());
        }

        // Engines.
        let mut engines = Engines::default();
        if has_app {
            engines.tx = true;
        } else {
            let classes: &[usize] = match &r.proto {
                RuleProto::Ip => &[CLASS_TCP, CLASS_UDP, CLASS_ICMP4, CLASS_ICMP6, CLASS_OTHER],
                RuleProto::Tcp | RuleProto::TcpPkt | RuleProto::TcpStream => &[CLASS_TCP],
                RuleProto::Udp => &[CLASS_UDP],
                RuleProto::Icmp => &[CLASS_ICMP4, CLASS_ICMP6],
                RuleProto::Icmpv4 => &[CLASS_ICMP4],
                RuleProto::Icmpv6 => &[CLASS_ICMP6],
                RuleProto::App(_) => &[CLASS_TCP, CLASS_UDP],
            };
            for &c in classes {
                if c == CLASS_TCP {
                    let stream = pkt_kw.is_none()
                        && !no_stream
                        && r.proto != RuleProto::TcpPkt
                        && (has_payload || only_stream || r.proto == RuleProto::TcpStream);
                    if stream {
                        engines.stream = true;
                    } else {
                        engines.packet[c] = true;
                    }
                } else if !only_stream {
                    engines.packet[c] = true;
                }
            }
            if !engines.stream && !engines.packet.iter().any(|b| *b) {
                return Err("flow:only_stream on a protocol without stream never matches".into());
            }
        }

        // Lists.
        let mut lists = Vec::with_capacity(r.lists.len());
        for l in &r.lists {
            lists.push(self.list(l)?);
        }
        let need = r
            .lists
            .iter()
            .filter(|l| l.buffer == BufferId::Payload)
            .map(stream_need)
            .max()
            .unwrap_or(0);
        let fast = choose_fast_pattern(&r.lists)?
            .map(|(li, bytes, nocase)| (lists[li].buffer, lists[li].xform, bytes, nocase));

        // Flowbits and flowints.
        let mut bit_conds = Vec::new();
        let mut bit_ops = Vec::new();
        let mut noalert = r.noalert;
        for fb in &r.flowbits {
            match fb {
                Flowbits::Set(n) => bit_ops.push(BitOp::Set(intern(&mut self.flowbits, n))),
                Flowbits::Unset(n) => bit_ops.push(BitOp::Unset(intern(&mut self.flowbits, n))),
                Flowbits::Toggle(n) => bit_ops.push(BitOp::Toggle(intern(&mut self.flowbits, n))),
                Flowbits::IsSet { names, all } => bit_conds.push(BitCond::IsSet {
                    ids: names
                        .iter()
                        .map(|n| intern(&mut self.flowbits, n))
                        .collect(),
                    all: *all,
                }),
                Flowbits::IsNotSet { names, all } => bit_conds.push(BitCond::IsNotSet {
                    ids: names
                        .iter()
                        .map(|n| intern(&mut self.flowbits, n))
                        .collect(),
                    all: *all,
                }),
                Flowbits::NoAlert => noalert = true,
            }
        }
        let mut ints = Vec::new();
        let (mut int_reads, mut int_writes) = (false, false);
        for fi in &r.flowints {
            let op = match fi {
                Flowint::Set(n, v) => {
                    int_writes = true;
                    IntOp::Set(intern(&mut self.flowints, n), self.int_val(v))
                }
                Flowint::Add(n, v) => {
                    int_writes = true;
                    IntOp::Add(intern(&mut self.flowints, n), self.int_val(v))
                }
                Flowint::Sub(n, v) => {
                    int_writes = true;
                    IntOp::Sub(intern(&mut self.flowints, n), self.int_val(v))
                }
                Flowint::IsSet(n) => {
                    int_reads = true;
                    IntOp::IsSet(intern(&mut self.flowints, n))
                }
                Flowint::NotSet(n) => {
                    int_reads = true;
                    IntOp::NotSet(intern(&mut self.flowints, n))
                }
                Flowint::Compare(n, c, v) => {
                    int_reads = true;
                    IntOp::Cmp(intern(&mut self.flowints, n), *c, self.int_val(v))
                }
            };
            ints.push(op);
        }

        let rate = rule_rate(r, table);
        let sort_key = (
            action_rank(r.action),
            use_rank(!bit_conds.is_empty(), !bit_ops.is_empty()),
            use_rank(int_reads, int_writes),
            r.priority,
            index,
        );
        Ok(CompiledRule {
            index,
            sid: r.sid,
            gid: r.gid,
            rev: r.rev,
            action: r.action,
            msg: Arc::from(r.msg.as_str()),
            category: Arc::from(r.category.as_str()),
            priority: r.priority,
            metadata: Arc::from(r.metadata.clone()),
            references: Arc::from(r.references.clone()),
            target: r.target,
            proto: r.proto.clone(),
            src: AddrMatcher::new(&r.src),
            src_ports: r.src_ports.clone(),
            dst: AddrMatcher::new(&r.dst),
            dst_ports: r.dst_ports.clone(),
            bidirectional: r.bidirectional,
            flow,
            app_layer_protocol: r.app_layer_protocol.clone(),
            header: r.header.clone(),
            lists,
            bit_conds,
            bit_ops,
            ints,
            noalert,
            rate: Arc::new(rate),
            engines,
            fast,
            stream_need: need,
            sort_key,
        })
    }

    fn int_val(&mut self, v: &Num) -> IntVal {
        match v {
            Num::Lit(x) => IntVal::Lit(*x),
            Num::Var(n) => IntVal::Var(intern(&mut self.flowints, n)),
        }
    }

    fn regex(&mut self, pattern: &str) -> Result<Arc<Regex>, String> {
        Cx::cached_regex(&mut self.regexes, pattern)
    }

    fn cached_regex(
        regexes: &mut HashMap<String, Arc<Regex>>,
        pattern: &str,
    ) -> Result<Arc<Regex>, String> {
        if let Some(r) = regexes.get(pattern) {
            return Ok(Arc::clone(r));
        }
        let re = RegexBuilder::new(pattern)
            .unicode(false)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_DFA_LIMIT)
            .build()
            .map_err(|e| {
                let msg = e.to_string().replace('\n', " ");
                format!("pcre `{pattern}` does not compile: {msg}")
            })?;
        let re = Arc::new(re);
        regexes.insert(pattern.to_owned(), Arc::clone(&re));
        Ok(re)
    }

    /// The id of a transform chain, compiled on first use.
    fn chain(&mut self, transforms: &[Transform]) -> Result<u32, String> {
        if transforms.is_empty() {
            return Ok(0);
        }
        if let Some(&id) = self.chain_ids.get(transforms) {
            return Ok(id);
        }
        let mut regexes = std::mem::take(&mut self.regexes);
        let chain = Chain::new(transforms, |p| {
            Cx::cached_regex(&mut regexes, p).map_err(|e| e.replacen("pcre", "pcrexform", 1))
        });
        self.regexes = regexes;
        if self.chains.is_empty() {
            self.chains.push(Chain::default());
        }
        let id = self.chains.len() as u32;
        self.chains.push(chain?);
        self.chain_ids.insert(transforms.to_vec(), id);
        Ok(id)
    }

    fn list(&mut self, l: &MatchList) -> Result<CompiledList, String> {
        if l.buffer == BufferId::Payload && !l.transforms.is_empty() {
            return Err(format!(
                "{} on the payload: transforms need a sticky buffer",
                l.transforms[0].keyword()
            ));
        }
        let xform = self.chain(&l.transforms)?;
        if l.items.len() > MAX_OPS_PER_LIST {
            return Err(format!(
                "{} keywords on buffer {:?}: at most {MAX_OPS_PER_LIST} are accepted",
                l.items.len(),
                l.buffer
            ));
        }
        let mut vars: Vec<String> = Vec::new();
        let mut ops = Vec::with_capacity(l.items.len());
        for m in &l.items {
            let op = match m {
                Match::Content(c) => {
                    if c.pattern.is_empty() {
                        return Err("empty content".into());
                    }
                    if c.pattern.len() > MAX_PATTERN_LEN {
                        return Err(format!(
                            "content of {} bytes is longer than the {MAX_PATTERN_LEN} accepted",
                            c.pattern.len()
                        ));
                    }
                    let nv = |n: &Option<Num>| -> Result<Option<Val>, String> {
                        n.as_ref().map(|n| num(n, &vars)).transpose()
                    };
                    Op::Content(Box::new(ContentOp::new(
                        &c.pattern,
                        c.nocase,
                        c.negated,
                        nv(&c.offset)?,
                        nv(&c.depth)?,
                        nv(&c.distance)?,
                        nv(&c.within)?,
                        c.startswith,
                        c.endswith,
                    )))
                }
                Match::Pcre(p) => Op::Pcre(PcreOp {
                    regex: self.regex(&p.regex)?,
                    negated: p.negated,
                    relative: p.relative,
                    anchored: p.anchored,
                    retry: false,
                }),
                Match::IsDataAt {
                    offset,
                    relative,
                    negated,
                } => Op::IsDataAt {
                    offset: num(offset, &vars)?,
                    relative: *relative,
                    negated: *negated,
                },
                Match::ByteTest(b) => Op::ByteTest(ByteTestOp {
                    read: read_spec(
                        "byte_test",
                        num(&b.nbytes, &vars)?,
                        b.endian,
                        b.string,
                        b.bitmask,
                    )?,
                    op: b.op,
                    negated: b.negated,
                    value: num(&b.value, &vars)?,
                    offset: num(&b.offset, &vars)?,
                    relative: b.relative,
                }),
                Match::ByteJump(b) => {
                    if b.from_beginning && b.from_end {
                        return Err("byte_jump: `from_beginning` and `from_end` together".into());
                    }
                    Op::ByteJump(ByteJumpOp {
                        read: read_spec(
                            "byte_jump",
                            num(&b.nbytes, &vars)?,
                            b.endian,
                            b.string,
                            b.bitmask,
                        )?,
                        offset: num(&b.offset, &vars)?,
                        relative: b.relative,
                        multiplier: b.multiplier.unwrap_or(1),
                        align: b.align,
                        from_beginning: b.from_beginning,
                        from_end: b.from_end,
                        post_offset: b.post_offset.unwrap_or(0),
                    })
                }
                Match::ByteExtract(b) => {
                    if let Some(a) = b.align {
                        if a != 2 && a != 4 {
                            return Err(format!("byte_extract: align {a}: only 2 and 4 are valid"));
                        }
                    }
                    let slot = define_var(&mut vars, &b.name)?;
                    Op::ByteExtract(ByteExtractOp {
                        read: read_spec(
                            "byte_extract",
                            Val::Lit(i64::from(b.nbytes)),
                            b.endian,
                            b.string,
                            b.bitmask,
                        )?,
                        offset: b.offset,
                        slot,
                        relative: b.relative,
                        multiplier: b.multiplier.unwrap_or(1),
                        align: b.align,
                    })
                }
                Match::ByteMath(b) => {
                    let rvalue = num(&b.rvalue, &vars)?;
                    if b.oper == crate::rules::ir::MathOp::Div && rvalue == Val::Lit(0) {
                        return Err("byte_math: division by zero".into());
                    }
                    let slot = define_var(&mut vars, &b.result)?;
                    Op::ByteMath(ByteMathOp {
                        read: read_spec(
                            "byte_math",
                            num(&b.nbytes, &vars)?,
                            b.endian,
                            b.string,
                            b.bitmask,
                        )?,
                        offset: b.offset,
                        oper: b.oper,
                        rvalue,
                        slot,
                        relative: b.relative,
                    })
                }
                Match::Bsize(c) => Op::Bsize(*c),
            };
            ops.push(op);
        }
        link_relative(&mut ops);
        Ok(CompiledList {
            buffer: l.buffer,
            xform,
            ops,
        })
    }
}

fn num(n: &Num, vars: &[String]) -> Result<Val, String> {
    match n {
        Num::Lit(x) => Ok(Val::Lit(*x)),
        Num::Var(name) => vars
            .iter()
            .rposition(|v| v == name)
            .map(|i| Val::Var(i as u8))
            .ok_or_else(|| {
                format!("variable `{name}` is not set by a byte_extract/byte_math earlier in the same buffer")
            }),
    }
}

fn define_var(vars: &mut Vec<String>, name: &str) -> Result<u8, String> {
    if let Some(i) = vars.iter().position(|v| v == name) {
        return Ok(i as u8);
    }
    if vars.len() >= MAX_VARS {
        return Err(format!(
            "more than {MAX_VARS} byte_extract/byte_math variables in one buffer"
        ));
    }
    vars.push(name.to_owned());
    Ok((vars.len() - 1) as u8)
}

/// How a `byte_*` keyword reads. A literal byte count is checked here; a
/// variable's value when the rule runs.
fn read_spec(
    kw: &str,
    nbytes: Val,
    endian: Endian,
    string: Option<crate::rules::ir::StringBase>,
    bitmask: Option<u64>,
) -> Result<ReadSpec, String> {
    let max = if string.is_some() { 23 } else { 8 };
    // Suricata lets byte_jump read 0 bytes (a jump by post_offset alone),
    // and byte_test 0 bytes with `string` (all the digits there are).
    let zero_ok = match kw {
        "byte_jump" => string.is_none(),
        "byte_test" => string.is_some(),
        _ => false,
    };
    let min = i64::from(!zero_ok);
    if let Val::Lit(n) = nbytes
        && (n < min || n > max)
    {
        return Err(format!(
            "{kw}: {n} bytes: between {min} and {max} can be read{}",
            if string.is_some() {
                " as a string"
            } else {
                " without `string`"
            }
        ));
    }
    Ok(ReadSpec {
        nbytes,
        little: matches!(endian, Endian::Little | Endian::Dce),
        string,
        bitmask,
    })
}

/// Picks the fast pattern: the first content marked `fast_pattern` (chopped
/// if asked), else the longest non-negated content of any list (the first of
/// equal length). Returns the index of its list, the bytes and `nocase`;
/// `None` when the rule has no positive content. A content of a transformed
/// list is matched against the transformed bytes, so the prefilter scans
/// those (see `transform`).
fn choose_fast_pattern(lists: &[MatchList]) -> Result<Option<(usize, Vec<u8>, bool)>, String> {
    let contents = || {
        lists.iter().enumerate().flat_map(|(li, l)| {
            l.items.iter().filter_map(move |m| match m {
                Match::Content(c) if !c.negated && !c.pattern.is_empty() => Some((li, c)),
                _ => None,
            })
        })
    };
    if let Some((buf, c)) = contents().find(|(_, c)| c.fast_pattern != FastPattern::Auto) {
        let bytes = match c.fast_pattern {
            FastPattern::Chop { offset, len } => {
                let (o, n) = (usize::from(offset), usize::from(len));
                match c.pattern.get(o..o.saturating_add(n)) {
                    Some(s) if n > 0 => s.to_vec(),
                    _ => {
                        return Err(format!(
                            "fast_pattern:{offset},{len} is outside the {}-byte content",
                            c.pattern.len()
                        ));
                    }
                }
            }
            _ => c.pattern.clone(),
        };
        return Ok(Some((buf, bytes, c.nocase)));
    }
    let mut best: Option<(usize, &crate::rules::ir::Content)> = None;
    for (buf, c) in contents() {
        if best.is_none_or(|(_, b)| c.pattern.len() > b.pattern.len()) {
            best = Some((buf, c));
        }
    }
    Ok(best.map(|(buf, c)| (buf, c.pattern.clone(), c.nocase)))
}

/// Bytes of earlier stream data an inspection window must keep so that a
/// match of this list ending in new data is complete: the longest bounded
/// chain of contents (`within` bounds the chain; a `distance`-only link is
/// counted as adjacent), or the end of an absolute `offset`+`depth` window.
/// pcre and `byte_*` reach is not counted (documented limitation).
fn stream_need(l: &MatchList) -> usize {
    let lit = |n: &Option<Num>| match n {
        Some(Num::Lit(x)) => Some((*x).max(0) as u64),
        _ => None,
    };
    let mut need = 0u64;
    let mut chain = 0u64;
    for m in &l.items {
        let Match::Content(c) = m else { continue };
        let len = c.pattern.len() as u64;
        if c.distance.is_none() && c.within.is_none() {
            chain = len;
            if let Some(d) = lit(&c.depth) {
                let end = lit(&c.offset).unwrap_or(0).saturating_add(d);
                need = need.max(end);
            }
        } else {
            let dist = lit(&c.distance).unwrap_or(0);
            chain = chain.saturating_add(match lit(&c.within) {
                Some(w) => dist.saturating_add(w).max(len),
                None => dist.saturating_add(len),
            });
        }
        need = need.max(chain.saturating_sub(1));
    }
    usize::try_from(need).unwrap_or(usize::MAX)
}

fn rule_rate(r: &Rule, table: &ThresholdTable) -> RuleRate {
    let mut rate = RuleRate {
        detection_filter: r.detection_filter.map(|d| (d.track, d.count, d.seconds)),
        threshold: r.threshold,
        ..RuleRate::default()
    };
    let had_own = r.threshold.is_some() || r.detection_filter.is_some();
    for e in table.entries() {
        match e {
            ThresholdEntry::Suppress {
                gid,
                sid,
                track,
                addrs,
            } => {
                if entry_applies(*gid, *sid, r.gid, r.sid).is_some() {
                    rate.suppress.push(Suppression {
                        track: *track,
                        addrs: addrs.clone(),
                    });
                }
            }
            ThresholdEntry::Threshold {
                gid,
                sid,
                threshold,
            } => match entry_applies(*gid, *sid, r.gid, r.sid) {
                // A specific entry replaces the rule's own threshold and
                // detection_filter; a wildcard one applies only to rules
                // without either.
                Some(false) => {
                    rate.threshold = Some(*threshold);
                    rate.detection_filter = None;
                }
                Some(true) if !had_own && rate.threshold.is_none() => {
                    rate.threshold = Some(*threshold);
                }
                _ => {}
            },
            ThresholdEntry::RateFilter { gid, sid, rate: rf } => {
                if entry_applies(*gid, *sid, r.gid, r.sid).is_some() {
                    rate.rate_filter = Some(*rf);
                }
            }
        }
    }
    rate
}
