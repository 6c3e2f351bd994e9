//! Engine tests: every keyword on its edge cases, the three engines, flow
//! variables, thresholds, pass, and the prefilter's no-false-negative
//! contract (property test against brute-force verification).

#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::sync::Arc;

use super::builder::{RuleBuilder, addrs, content, pcre, ports};
use super::*;
use crate::app::TxBuffers;
use crate::decode::{DecodedPacket, IcmpEcho, IpFlags, TcpFlags, Transport, Vlans};
use crate::flow::Direction;
use crate::rules::ir::*;
use crate::time::Timestamp;

// ---------------------------------------------------------------- helpers

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn compile(rules: Vec<Rule>) -> Arc<RuleSet> {
    let (rs, problems) = RuleSet::compile(rules, None);
    assert!(problems.is_empty(), "{problems:?}");
    Arc::new(rs)
}

fn pkt(transport: Transport, payload: &[u8]) -> DecodedPacket<'_> {
    let ip_proto = match transport {
        Transport::Tcp { .. } => 6,
        Transport::Udp { .. } => 17,
        Transport::Icmpv4 { .. } => 1,
        Transport::Icmpv6 { .. } => 58,
        Transport::Other => 47,
    };
    DecodedPacket {
        vlans: Vlans::default(),
        src_mac: None,
        dst_mac: None,
        src: ip("10.0.0.1"),
        dst: ip("192.0.2.9"),
        ip_proto,
        ttl: 64,
        ip_id: 7,
        ip_len: 20 + payload.len() as u32,
        ip_flags: IpFlags::default(),
        reassembled: false,
        transport,
        icmp_echo: None,
        payload,
    }
}

fn udp(payload: &[u8]) -> DecodedPacket<'_> {
    pkt(
        Transport::Udp {
            src_port: 40000,
            dst_port: 53,
        },
        payload,
    )
}

fn tcp(flags: u8, payload: &[u8]) -> DecodedPacket<'_> {
    pkt(
        Transport::Tcp {
            src_port: 40000,
            dst_port: 80,
            seq: 1000,
            ack: 2000,
            flags: TcpFlags(flags),
            window: 512,
        },
        payload,
    )
}

/// The packet going the other way.
fn reversed(mut p: DecodedPacket<'_>) -> DecodedPacket<'_> {
    std::mem::swap(&mut p.src, &mut p.dst);
    p.transport = match p.transport {
        Transport::Udp { src_port, dst_port } => Transport::Udp {
            src_port: dst_port,
            dst_port: src_port,
        },
        Transport::Tcp {
            src_port,
            dst_port,
            seq,
            ack,
            flags,
            window,
        } => Transport::Tcp {
            src_port: dst_port,
            dst_port: src_port,
            seq,
            ack,
            flags,
            window,
        },
        t => t,
    };
    p
}

fn facts(dir: Direction, ip_proto: u8) -> FlowFacts<'static> {
    FlowFacts {
        flow_id: 42,
        dir,
        established: true,
        app_proto: None,
        ip_proto,
        client: ip("10.0.0.1"),
        client_port: 40000,
        server: ip("192.0.2.9"),
        server_port: if ip_proto == 6 { 80 } else { 53 },
        stream_bytes: [0, 0],
    }
}

fn sids(hits: &[Hit]) -> Vec<u32> {
    let mut v: Vec<u32> = hits.iter().map(|h| h.sid).collect();
    v.sort_unstable();
    v
}

fn packet_hits(
    det: &mut Detector,
    p: &DecodedPacket<'_>,
    flow: Option<FlowFacts<'_>>,
    state: Option<&mut FlowDetectState>,
    secs: u64,
) -> Vec<u32> {
    let mut out = vec![];
    det.inspect_packet(
        &PacketCtx {
            pkt: p,
            ts: Timestamp::from_secs(secs),
            flow,
        },
        state,
        &mut out,
    );
    sids(&out)
}

/// Sids hit by one UDP packet without flow.
fn udp_hits(rs: &Arc<RuleSet>, payload: &[u8]) -> Vec<u32> {
    let mut det = Detector::new(Arc::clone(rs));
    packet_hits(&mut det, &udp(payload), None, None, 1)
}

/// True when a UDP rule with these payload options matches `payload`.
fn matches(items: Vec<Match>, payload: &[u8]) -> bool {
    let mut b = RuleBuilder::new(1).proto(RuleProto::Udp);
    for m in items {
        b = b.payload(m);
    }
    !udp_hits(&compile(vec![b.build()]), payload).is_empty()
}

fn c(p: &[u8]) -> builder::ContentSpec {
    content(p)
}

fn stream_hits(
    det: &mut Detector,
    st: &mut FlowDetectState,
    dir: Direction,
    offset: u64,
    data: &[u8],
) -> Vec<u32> {
    let mut out = vec![];
    det.inspect_stream(
        &StreamCtx {
            flow: facts(dir, 6),
            ts: Timestamp::from_secs(1),
            offset,
            data,
        },
        st,
        &mut out,
    );
    sids(&out)
}

fn bt(nbytes: u8, op: ByteOp, value: i64, offset: i64) -> ByteTest {
    ByteTest {
        nbytes: Num::Lit(i64::from(nbytes)),
        op,
        negated: false,
        value: Num::Lit(value),
        offset: Num::Lit(offset),
        relative: false,
        endian: Endian::Big,
        string: None,
        bitmask: None,
    }
}

fn bj(nbytes: u8, offset: i64) -> ByteJump {
    ByteJump {
        nbytes: Num::Lit(i64::from(nbytes)),
        offset: Num::Lit(offset),
        relative: false,
        multiplier: None,
        endian: Endian::Big,
        string: None,
        align: false,
        from_beginning: false,
        from_end: false,
        post_offset: None,
        bitmask: None,
    }
}

fn be(nbytes: u8, offset: i64, name: &str) -> ByteExtract {
    ByteExtract {
        nbytes,
        offset,
        name: name.to_owned(),
        relative: false,
        multiplier: None,
        endian: Endian::Big,
        string: None,
        align: None,
        bitmask: None,
    }
}

fn bm(nbytes: u8, offset: i64, oper: MathOp, rvalue: Num, result: &str) -> ByteMath {
    ByteMath {
        nbytes: Num::Lit(i64::from(nbytes)),
        offset,
        oper,
        rvalue,
        result: result.to_owned(),
        relative: false,
        endian: Endian::Big,
        string: None,
        bitmask: None,
    }
}

fn isdataat(n: i64, relative: bool, negated: bool) -> Match {
    Match::IsDataAt {
        offset: Num::Lit(n),
        relative,
        negated,
    }
}

struct Bufs(Vec<(BufferId, &'static [u8])>);

impl TxBuffers for Bufs {
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        for (b, v) in &self.0 {
            if *b == id {
                f(v);
            }
        }
    }
}

// --------------------------------------------------------------- content

#[test]
fn content_at_offset_zero_and_at_buffer_end() {
    assert!(matches(vec![c(b"abc").into()], b"abc"));
    assert!(matches(vec![c(b"abc").into()], b"xxabc"));
    assert!(matches(vec![c(b"abc").offset(0).depth(3).into()], b"abcxx"));
    assert!(!matches(vec![c(b"abc").offset(0).depth(3).into()], b"xabc"));
    assert!(!matches(vec![c(b"abcd").into()], b"abc"));
    assert!(!matches(vec![c(b"abc").into()], b""));
}

#[test]
fn depth_exactly_the_pattern_and_offset() {
    assert!(matches(vec![c(b"abc").depth(3).into()], b"abc"));
    assert!(!matches(vec![c(b"abc").depth(2).into()], b"abc"));
    assert!(!matches(vec![c(b"abc").depth(3).into()], b"xabc"));
    assert!(!matches(vec![c(b"abc").offset(1).into()], b"abc"));
    assert!(matches(vec![c(b"abc").offset(1).into()], b"xabc"));
    // depth counts from offset.
    assert!(matches(vec![c(b"abc").offset(1).depth(3).into()], b"xabc"));
    assert!(!matches(
        vec![c(b"abc").offset(1).depth(3).into()],
        b"xxabc"
    ));
}

#[test]
fn within_exact_and_distance() {
    let rule = |w| vec![c(b"a").into(), c(b"bc").distance(0).within(w).into()];
    assert!(matches(rule(2), b"abc"));
    assert!(!matches(rule(2), b"axbc"));
    assert!(matches(rule(3), b"axbc"));
    assert!(!matches(
        vec![c(b"a").into(), c(b"b").distance(1).into()],
        b"ab"
    ));
    assert!(matches(
        vec![c(b"a").into(), c(b"b").distance(1).into()],
        b"axb"
    ));
    // Negative distance reaches back before the previous match.
    assert!(matches(
        vec![c(b"b").into(), c(b"a").distance(-2).within(1).into()],
        b"ab"
    ));
    assert!(!matches(
        vec![c(b"b").into(), c(b"a").distance(-1).within(1).into()],
        b"ab"
    ));
    // A relative content first in the list counts from the buffer start.
    assert!(matches(vec![c(b"b").distance(0).within(2).into()], b"ab"));
    assert!(!matches(vec![c(b"b").distance(0).within(2).into()], b"aab"));
}

#[test]
fn overlapping_candidates_all_fire() {
    let rs = compile(vec![
        RuleBuilder::new(1).payload(c(b"abc")).build(),
        RuleBuilder::new(2).payload(c(b"bcd")).build(),
        RuleBuilder::new(3).payload(c(b"cde")).build(),
        RuleBuilder::new(4).payload(c(b"abcde")).build(),
        RuleBuilder::new(5).payload(c(b"abab")).build(),
        RuleBuilder::new(6).payload(c(b"cdf")).build(),
    ]);
    assert_eq!(udp_hits(&rs, b"abcde"), [1, 2, 3, 4]);
    assert_eq!(udp_hits(&rs, b"ababab"), [5]);
    // A content repeated with itself overlapping.
    assert!(matches(
        vec![c(b"aa").into(), c(b"aa").distance(-1).within(2).into()],
        b"aaa"
    ));
}

#[test]
fn nocase_is_ascii_only() {
    assert!(matches(vec![c(b"abc").nocase().into()], b"xABCx"));
    assert!(!matches(vec![c(b"abc").into()], b"xABCx"));
    // 0xC4 ('Ä' in Latin-1) and 0xE4 ('ä') are not ASCII: no folding.
    assert!(!matches(vec![c(b"\xe4bc").nocase().into()], b"\xc4BC"));
    assert!(matches(vec![c(b"\xe4bc").nocase().into()], b"\xe4BC"));
    assert!(!matches(vec![c(b"\xc4").nocase().into()], b"\xe4"));
}

#[test]
fn negated_content_with_and_without_position() {
    assert!(matches(vec![c(b"evil").negated().into()], b"good"));
    assert!(!matches(vec![c(b"evil").negated().into()], b"so evil"));
    // Outside the window it does not count.
    assert!(matches(
        vec![c(b"evil").negated().depth(4).into()],
        b"xevil"
    ));
    assert!(!matches(
        vec![c(b"evil").negated().depth(4).into()],
        b"evil"
    ));
    let get = |path: &[u8]| {
        matches(
            vec![
                c(b"GET").into(),
                c(b"/admin").negated().distance(1).within(6).into(),
            ],
            path,
        )
    };
    assert!(get(b"GET /index"));
    assert!(!get(b"GET /admin"));
    // A relative negation retries the earlier content: the second "a" is
    // not followed by "b".
    let nb = |p: &[u8]| {
        matches(
            vec![
                c(b"a").into(),
                c(b"b").negated().distance(0).within(1).into(),
            ],
            p,
        )
    };
    assert!(nb(b"abac"));
    assert!(!nb(b"abab"));
    assert!(nb(b"a"));
}

#[test]
fn backtracking_retries_earlier_content() {
    let ab = |p: &[u8]| {
        matches(
            vec![c(b"a").into(), c(b"b").distance(0).within(1).into()],
            p,
        )
    };
    assert!(ab(b"a a b ab"));
    assert!(!ab(b"a a b"));
    assert!(ab(b"ab"));
    // Three levels: only the last "x" starts a full x-y-z chain.
    let xyz = |p: &[u8]| {
        matches(
            vec![
                c(b"x").into(),
                c(b"y").distance(0).within(1).into(),
                c(b"z").distance(0).within(1).into(),
            ],
            p,
        )
    };
    assert!(xyz(b"xy xyq xxyz"));
    assert!(!xyz(b"xy xyq xxy z"));
    // A relative byte_test after the content also retries it.
    assert!(matches(
        vec![
            c(b"L").into(),
            Match::ByteTest(ByteTest {
                relative: true,
                ..bt(1, ByteOp::Eq, 7, 0)
            }),
        ],
        b"L\x01L\x07"
    ));
}

#[test]
fn startswith_and_endswith() {
    assert!(matches(vec![c(b"GET").startswith().into()], b"GET /"));
    assert!(!matches(vec![c(b"GET").startswith().into()], b" GET /"));
    assert!(matches(vec![c(b".exe").endswith().into()], b"a.exe"));
    assert!(!matches(vec![c(b".exe").endswith().into()], b"a.exe.txt"));
    // The last of two occurrences is at the end.
    assert!(matches(vec![c(b".exe").endswith().into()], b"a.exe.exe"));
    // Relative endswith whose window stops before the end cannot match.
    assert!(!matches(
        vec![
            c(b"a").into(),
            c(b"z").distance(0).within(2).endswith().into()
        ],
        b"axzz"
    ));
    assert!(matches(
        vec![c(b"a").into(), c(b"z").distance(0).endswith().into()],
        b"axzz"
    ));
    assert!(matches(
        vec![c(b"exe").negated().endswith().into()],
        b"exe.txt"
    ));
    assert!(!matches(
        vec![c(b"exe").negated().endswith().into()],
        b"a.exe"
    ));
}

// ------------------------------------------------------ isdataat and pcre

#[test]
fn isdataat_absolute_relative_negated() {
    assert!(matches(vec![isdataat(5, false, false)], b"012345"));
    assert!(!matches(vec![isdataat(5, false, false)], b"01234"));
    assert!(matches(vec![isdataat(5, false, true)], b"01234"));
    assert!(matches(
        vec![c(b"ab").into(), isdataat(1, true, false)],
        b"abc"
    ));
    assert!(!matches(
        vec![c(b"ab").into(), isdataat(1, true, false)],
        b"ab"
    ));
    assert!(matches(
        vec![c(b"ab").into(), isdataat(1, true, true)],
        b"ab"
    ));
    assert!(!matches(
        vec![c(b"ab").into(), isdataat(1, true, true)],
        b"abc"
    ));
    // The negated relative form retries: the second "ab" ends the buffer.
    assert!(matches(
        vec![c(b"ab").into(), isdataat(1, true, true)],
        b"abxab"
    ));
}

#[test]
fn pcre_plain_relative_anchored_negated() {
    assert!(matches(vec![pcre("fo+bar").into()], b"xxfooobar"));
    assert!(!matches(vec![pcre("fo+bar").into()], b"fbar"));
    assert!(matches(vec![pcre("(?i)evil").into()], b"EvIl"));
    assert!(matches(
        vec![c(b"X").into(), pcre("^abc").relative().into()],
        b"Xabc"
    ));
    assert!(!matches(
        vec![c(b"X").into(), pcre("^abc").relative().into()],
        b"Xzabc"
    ));
    assert!(!matches(
        vec![c(b"X").into(), pcre("abc").relative().into()],
        b"abcX"
    ));
    assert!(matches(vec![pcre("abc").anchored().into()], b"abc"));
    assert!(!matches(vec![pcre("abc").anchored().into()], b"xabc"));
    assert!(matches(vec![pcre("evil").negated().into()], b"good"));
    assert!(!matches(vec![pcre("evil").negated().into()], b"evil"));
    // Bytes, not UTF-8.
    assert!(matches(vec![pcre(r"\xff\x00").into()], b"a\xff\x00"));
    // A pcre followed by a relative content is retried.
    assert!(matches(
        vec![pcre("a.").into(), c(b"z").distance(0).within(1).into()],
        b"axbyaqz"
    ));
    assert!(!matches(
        vec![pcre("a.").into(), c(b"z").distance(0).within(1).into()],
        b"axbyaqbz"
    ));
}

// ------------------------------------------------------------------ byte_*

#[test]
fn byte_test_forms() {
    let t = |b: ByteTest, p: &[u8]| matches(vec![Match::ByteTest(b)], p);
    assert!(t(bt(2, ByteOp::Eq, 16, 0), b"\x00\x10"));
    assert!(!t(bt(2, ByteOp::Gt, 16, 0), b"\x00\x10"));
    assert!(t(bt(2, ByteOp::Lt, 17, 0), b"\x00\x10"));
    assert!(t(bt(2, ByteOp::Ge, 16, 0), b"\x00\x10"));
    assert!(t(bt(2, ByteOp::Le, 16, 0), b"\x00\x10"));
    assert!(t(bt(1, ByteOp::And, 0x80, 1), b"\x00\x81"));
    assert!(!t(bt(1, ByteOp::And, 0x02, 1), b"\x00\x81"));
    assert!(t(bt(1, ByteOp::Xor, 0x81, 1), b"\x00\x80"));
    assert!(!t(bt(1, ByteOp::Xor, 0x81, 1), b"\x00\x81"));
    let little = ByteTest {
        endian: Endian::Little,
        ..bt(2, ByteOp::Eq, 4096, 0)
    };
    assert!(t(little.clone(), b"\x00\x10"));
    assert!(!t(little, b"\x10\x00"));
    let neg = ByteTest {
        negated: true,
        ..bt(1, ByteOp::Eq, 5, 0)
    };
    assert!(t(neg.clone(), b"\x06"));
    assert!(!t(neg, b"\x05"));
    let dec = ByteTest {
        string: Some(StringBase::Dec),
        ..bt(3, ByteOp::Eq, 123, 0)
    };
    assert!(t(dec.clone(), b"123"));
    assert!(!t(dec, b"124"));
    let hex = ByteTest {
        string: Some(StringBase::Hex),
        ..bt(2, ByteOp::Eq, 31, 1)
    };
    assert!(t(hex, b"x1f"));
    let oct = ByteTest {
        string: Some(StringBase::Oct),
        ..bt(2, ByteOp::Eq, 15, 0)
    };
    assert!(t(oct, b"17"));
    let not_a_number = ByteTest {
        string: Some(StringBase::Dec),
        ..bt(2, ByteOp::Eq, 0, 0)
    };
    assert!(!t(not_a_number, b"ab"));
    let masked = ByteTest {
        bitmask: Some(0xf0),
        ..bt(1, ByteOp::Eq, 0x0a, 0)
    };
    assert!(t(masked, b"\xa5"));
    // Past the end, or before the start: no match, no panic.
    assert!(!t(bt(4, ByteOp::Eq, 0, 0), b"\x00\x00"));
    assert!(!t(bt(1, ByteOp::Eq, 0, -1), b"\x00\x00"));
    assert!(!t(bt(1, ByteOp::Eq, 0, i64::MAX), b"\x00\x00"));
    let rel = ByteTest {
        relative: true,
        ..bt(1, ByteOp::Eq, 9, 1)
    };
    assert!(matches(
        vec![c(b"A").into(), Match::ByteTest(rel.clone())],
        b"A.\x09"
    ));
    assert!(!matches(
        vec![c(b"A").into(), Match::ByteTest(rel)],
        b"A\x09"
    ));
}

#[test]
fn byte_counts_from_variables() {
    let var = |name: &str| Num::Var(name.to_owned());
    // The first byte says how many bytes the length field has (2), which
    // says how far to jump (3): lands on the X.
    let jump = ByteJump {
        nbytes: var("n"),
        relative: true,
        ..bj(0, 0)
    };
    let rule = |j: ByteJump| {
        vec![
            Match::ByteExtract(be(1, 0, "n")),
            Match::ByteJump(j),
            c(b"X").distance(0).within(1).into(),
        ]
    };
    assert!(matches(rule(jump.clone()), b"\x02\x00\x03...X"));
    assert!(!matches(rule(jump.clone()), b"\x01\x00\x03...X"));
    // A count larger than 8 binary bytes is no match (not a panic).
    assert!(!matches(
        rule(jump),
        b"\x09\x00\x00\x00\x00\x00\x00\x00\x00\x03...X"
    ));

    let test = ByteTest {
        nbytes: var("n"),
        relative: true,
        string: Some(StringBase::Dec),
        ..bt(0, ByteOp::Eq, 123, 0)
    };
    let items = |t: ByteTest| vec![Match::ByteExtract(be(1, 0, "n")), Match::ByteTest(t)];
    assert!(matches(items(test.clone()), b"\x03123"));
    assert!(!matches(items(test), b"\x02123"));

    let math = ByteMath {
        nbytes: var("n"),
        relative: true,
        ..bm(0, 0, MathOp::Add, Num::Lit(1), "m")
    };
    let items = vec![
        Match::ByteExtract(be(1, 0, "n")),
        Match::ByteMath(math),
        Match::ByteTest(ByteTest {
            value: var("m"),
            ..bt(1, ByteOp::Eq, 0, 0)
        }),
    ];
    // n = 1, m = 0x01 + 1 = 2, and byte 0 is 2.
    assert!(!matches(items.clone(), b"\x01\x01"));
    assert!(matches(items, b"\x02\x00\x01"));
}

#[test]
fn byte_test_zero_bytes_string_reads_all_digits() {
    let t = |v: i64, op: ByteOp, p: &[u8]| {
        matches(
            vec![Match::ByteTest(ByteTest {
                string: Some(StringBase::Dec),
                ..bt(0, op, v, 0)
            })],
            p,
        )
    };
    assert!(t(123_456_789_012, ByteOp::Eq, b"123456789012\r\n"));
    assert!(t(100_000, ByteOp::Gt, b"100001"));
    assert!(!t(100_000, ByteOp::Gt, b"99999 and more"));
    assert!(!t(0, ByteOp::Eq, b"abc"));
    // Past u64: no match.
    assert!(!t(0, ByteOp::Ge, b"99999999999999999999999"));
}

#[test]
fn byte_jump_forms() {
    let then_x = |j: ByteJump, p: &[u8]| {
        matches(
            vec![Match::ByteJump(j), c(b"X").distance(0).within(1).into()],
            p,
        )
    };
    // Read 1 byte at 0 (=2), skip it and 2 more: lands on index 3.
    assert!(then_x(bj(1, 0), b"\x02abX"));
    assert!(!then_x(bj(1, 0), b"\x01abX"));
    let mult = ByteJump {
        multiplier: Some(2),
        ..bj(1, 0)
    };
    assert!(then_x(mult, b"\x01abX"));
    let align = ByteJump {
        align: true,
        ..bj(1, 0)
    };
    // 1 rounds up to 4: 1 + 4 = index 5.
    assert!(then_x(align, b"\x01abcdX"));
    let begin = ByteJump {
        from_beginning: true,
        ..bj(1, 0)
    };
    assert!(then_x(begin, b"\x03abX"));
    let end = ByteJump {
        from_end: true,
        post_offset: Some(-1),
        ..bj(1, 0)
    };
    // 0 from the end, -1: the last byte.
    assert!(then_x(end, b"\x00abX"));
    let post = ByteJump {
        post_offset: Some(-1),
        ..bj(1, 0)
    };
    assert!(then_x(post, b"\x03abX"));
    let string = ByteJump {
        string: Some(StringBase::Dec),
        ..bj(2, 0)
    };
    assert!(then_x(string, b"02abX"));
    let little = ByteJump {
        endian: Endian::Little,
        ..bj(2, 0)
    };
    assert!(then_x(little, b"\x01\x00aX"));
    let rel = ByteJump {
        relative: true,
        ..bj(1, 0)
    };
    assert!(matches(
        vec![
            c(b"L").into(),
            Match::ByteJump(rel),
            c(b"X").distance(0).within(1).into()
        ],
        b"zL\x01.X"
    ));
    // Zero bytes: a jump by post_offset alone; before the start clamps to it
    // (suricata-verify detect-bytejump-05).
    let zero = |post| {
        matches(
            vec![
                c(b"\x0a\x95").into(),
                Match::ByteJump(ByteJump {
                    relative: true,
                    post_offset: Some(post),
                    ..bj(0, 0)
                }),
                pcre("NSLO").relative().into(),
            ],
            b"NSLO..\x0a\x95..",
        )
    };
    assert!(zero(-8));
    assert!(zero(-100));
    assert!(!zero(-1));
    // Jumping past the end fails; exactly to the end is allowed (Suricata
    // 7.0.3+, redmine 4623), and a relative content after it finds nothing.
    assert!(!matches(vec![Match::ByteJump(bj(1, 0))], b"\x03ab"));
    assert!(!matches(vec![Match::ByteJump(bj(1, 0))], b"\xffab"));
    assert!(matches(vec![Match::ByteJump(bj(1, 0))], b"\x02ab"));
    assert!(!then_x(bj(1, 0), b"\x02ab"));
}

#[test]
fn byte_jump_zero_bytes_from_the_buffer_end() {
    // suricata-verify bug-4623: the content ends the buffer, so the relative
    // base is the end; a 0-byte jump with a negative post_offset still
    // moves back into the buffer.
    let rule = |post: i64, re: &str| {
        vec![
            c(b"\x01\xe8\xed\x0f\x54").into(),
            Match::ByteJump(ByteJump {
                relative: true,
                post_offset: Some(post),
                ..bj(0, 0)
            }),
            pcre(re).relative().into(),
        ]
    };
    let payload = b"..\xe0\x3a\x01\xe8\xed\x0f\x54";
    assert!(matches(rule(-7, "^\\xe0\\x3a"), payload));
    assert!(!matches(rule(-6, "^\\xe0\\x3a"), payload));
    // A 0-byte jump by 0 from the end lands on the end: allowed, and an
    // anchored empty pcre matches there.
    assert!(matches(rule(0, "^"), payload));
    // A relative offset past the end is fine for 0 bytes if the jump
    // comes back in; past the end after the jump is no match.
    let far = |off: i64, post: i64| {
        matches(
            vec![
                c(b"\x54").into(),
                Match::ByteJump(ByteJump {
                    relative: true,
                    post_offset: Some(post),
                    ..bj(0, off)
                }),
                pcre("^\\x0f").relative().into(),
            ],
            payload,
        )
    };
    assert!(far(3, -5));
    assert!(!far(3, -2));
    // Reading 1 byte at the end is still no match.
    assert!(!matches(
        vec![
            c(b"\x54").into(),
            Match::ByteJump(ByteJump {
                relative: true,
                post_offset: Some(-3),
                ..bj(1, 0)
            }),
        ],
        payload
    ));
}

#[test]
fn byte_extract_variables_flow_into_positions() {
    // offset/depth from a variable.
    let off = |p: &[u8]| {
        matches(
            vec![
                Match::ByteExtract(be(1, 0, "off")),
                c(b"abc").offset_var("off").depth(3).into(),
            ],
            p,
        )
    };
    assert!(off(b"\x03xxabc"));
    assert!(!off(b"\x02xxabc"));
    let depth = |p: &[u8]| {
        matches(
            vec![
                Match::ByteExtract(be(1, 0, "d")),
                c(b"Q").depth_var("d").into(),
            ],
            p,
        )
    };
    assert!(depth(b"\x03.Q"));
    assert!(!depth(b"\x02.Q"));
    // within from a variable, after a relative extract.
    let within = |p: &[u8]| {
        matches(
            vec![
                c(b"L").into(),
                Match::ByteExtract(ByteExtract {
                    relative: true,
                    ..be(1, 0, "n")
                }),
                c(b"Z").distance(0).within_var("n").into(),
            ],
            p,
        )
    };
    assert!(within(b"L\x03abZ"));
    assert!(!within(b"L\x02abZ"));
    // distance from a variable.
    let dist = |p: &[u8]| {
        matches(
            vec![
                Match::ByteExtract(be(1, 0, "n")),
                c(b"Z").distance_var("n").within(1).into(),
            ],
            p,
        )
    };
    assert!(dist(b"\x02abZ"));
    assert!(!dist(b"\x01abZ"));
    // String, multiplier, align; the extract moves the relative position.
    let s = ByteExtract {
        string: Some(StringBase::Dec),
        multiplier: Some(2),
        ..be(2, 0, "v")
    };
    assert!(matches(
        vec![
            Match::ByteExtract(s),
            Match::ByteTest(ByteTest {
                value: Num::Var("v".into()),
                ..bt(1, ByteOp::Eq, 0, 2)
            })
        ],
        b"12\x18"
    ));
    let aligned = ByteExtract {
        align: Some(4),
        ..be(1, 0, "v")
    };
    assert!(matches(
        vec![
            Match::ByteExtract(aligned),
            Match::ByteTest(ByteTest {
                value: Num::Var("v".into()),
                ..bt(1, ByteOp::Eq, 0, 1)
            })
        ],
        b"\x05\x08"
    ));
    // byte_test value from a variable.
    let eq = |p: &[u8]| {
        matches(
            vec![
                Match::ByteExtract(be(1, 0, "v")),
                Match::ByteTest(ByteTest {
                    value: Num::Var("v".into()),
                    ..bt(1, ByteOp::Eq, 0, 1)
                }),
            ],
            p,
        )
    };
    assert!(eq(b"\x07\x07"));
    assert!(!eq(b"\x07\x08"));
}

#[test]
fn byte_math_operations() {
    let test = |m: ByteMath, expect: i64, p: &[u8]| {
        matches(
            vec![
                Match::ByteMath(m),
                Match::ByteTest(ByteTest {
                    value: Num::Var("r".into()),
                    ..bt(1, ByteOp::Eq, 0, 2)
                }),
            ],
            p,
        ) && {
            let _ = expect;
            true
        }
    };
    assert!(test(
        bm(2, 0, MathOp::Add, Num::Lit(3), "r"),
        8,
        b"\x00\x05\x08"
    ));
    assert!(!test(
        bm(2, 0, MathOp::Add, Num::Lit(3), "r"),
        8,
        b"\x00\x05\x09"
    ));
    assert!(test(
        bm(2, 0, MathOp::Sub, Num::Lit(1), "r"),
        4,
        b"\x00\x05\x04"
    ));
    assert!(test(
        bm(2, 0, MathOp::Mul, Num::Lit(3), "r"),
        15,
        b"\x00\x05\x0f"
    ));
    assert!(test(
        bm(2, 0, MathOp::Div, Num::Lit(2), "r"),
        2,
        b"\x00\x05\x02"
    ));
    assert!(test(
        bm(2, 0, MathOp::Shl, Num::Lit(1), "r"),
        10,
        b"\x00\x05\x0a"
    ));
    assert!(test(
        bm(2, 0, MathOp::Shr, Num::Lit(2), "r"),
        1,
        b"\x00\x05\x01"
    ));
    // rvalue from an extracted variable; division by a zero variable fails.
    let var = |p: &[u8]| {
        matches(
            vec![
                Match::ByteExtract(be(1, 3, "k")),
                Match::ByteMath(bm(2, 0, MathOp::Div, Num::Var("k".into()), "r")),
                Match::ByteTest(ByteTest {
                    value: Num::Var("r".into()),
                    ..bt(1, ByteOp::Eq, 0, 2)
                }),
            ],
            p,
        )
    };
    assert!(var(b"\x00\x06\x03\x02"));
    assert!(!var(b"\x00\x06\x03\x00"));
    // The result feeds a content position.
    assert!(matches(
        vec![
            Match::ByteMath(bm(1, 0, MathOp::Add, Num::Lit(1), "r")),
            c(b"Z").offset_var("r").depth(1).into(),
        ],
        b"\x01.Z"
    ));
}

#[test]
fn bsize_on_app_buffer() {
    let rs = compile(vec![
        RuleBuilder::new(1)
            .on(BufferId::HttpUri, Match::Bsize(Cmp::Lt(5)))
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let mut f = facts(Direction::ToServer, 6);
    f.app_proto = Some("http");
    for (uri, want) in [(&b"/ab"[..], true), (b"/abcdef", false)] {
        let bufs = Bufs(vec![(BufferId::HttpUri, uri)]);
        let mut out = vec![];
        det.inspect_tx(
            &TxCtx {
                flow: f,
                ts: Timestamp::from_secs(1),
                tx_id: u64::from(want),
                buffers: &bufs,
                payload: None,
            },
            &mut st,
            &mut out,
        );
        assert_eq!(!out.is_empty(), want, "{uri:?}");
    }
}

/// A transaction rule is inspected only in the direction its buffers belong
/// to: request buffers to the server, any response buffer to the client, and
/// buffers of both sides in both directions.
#[test]
fn tx_rules_follow_their_buffers_direction() {
    let rs = compile(vec![
        RuleBuilder::new(1)
            .on(BufferId::HttpUserAgent, Match::Bsize(Cmp::Eq(0)))
            .build(),
        RuleBuilder::new(2)
            .on(BufferId::HttpMethod, c(b"GET"))
            .on(BufferId::HttpStatCode, c(b"200"))
            .build(),
        RuleBuilder::new(3)
            .on(BufferId::HttpHeader, c(b"x"))
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let bufs = Bufs(vec![
        (BufferId::HttpUserAgent, b""),
        (BufferId::HttpMethod, b"GET"),
        (BufferId::HttpStatCode, b"200"),
        (BufferId::HttpHeader, b"x"),
    ]);
    let mut got = vec![];
    for dir in [Direction::ToServer, Direction::ToClient] {
        let mut f = facts(dir, 6);
        f.app_proto = Some("http");
        let mut out = vec![];
        det.inspect_tx(
            &TxCtx {
                flow: f,
                ts: Timestamp::from_secs(1),
                tx_id: 0,
                buffers: &bufs,
                payload: None,
            },
            &mut st,
            &mut out,
        );
        got.push(sids(&out));
    }
    assert_eq!(got, vec![vec![1, 3], vec![2, 3]]);
}

/// Like Suricata's signature mask, `dsize` forms that exclude a size (`!N`,
/// `>N`, `>=N`, `A<>B`) also need a payload; `<N`, `<=N` and `0` match an
/// empty packet.
#[test]
fn dsize_exclusions_need_a_payload() {
    let empty = udp(b"");
    let ip_r = |h| header_rule(RuleProto::Ip, h);
    for (cmp, want) in [
        (Cmp::Ne(9), false),
        (Cmp::Ge(0), false),
        (Cmp::Lt(10), true),
        (Cmp::Le(10), true),
        (Cmp::Eq(0), true),
    ] {
        assert_eq!(
            hits_packet(&ip_r(HeaderCheck::Dsize(cmp)), &empty),
            want,
            "{cmp:?}"
        );
    }
    assert!(hits_packet(
        &ip_r(HeaderCheck::Dsize(Cmp::Ne(9))),
        &udp(b"x")
    ));
}

// ----------------------------------------------------------- header checks

fn header_rule(proto: RuleProto, h: HeaderCheck) -> Arc<RuleSet> {
    compile(vec![RuleBuilder::new(1).proto(proto).header(h).build()])
}

fn hits_packet(rs: &Arc<RuleSet>, p: &DecodedPacket<'_>) -> bool {
    let mut det = Detector::new(Arc::clone(rs));
    !packet_hits(&mut det, p, None, None, 1).is_empty()
}

#[test]
fn tcp_flags_with_modifiers_and_ignore_mask() {
    use crate::rules::ir::FlagsModifier as M;
    let f = |bits, modifier, ignore| {
        header_rule(
            RuleProto::Tcp,
            HeaderCheck::Flags {
                bits,
                modifier,
                ignore,
            },
        )
    };
    let syn = tcp(TcpFlags::SYN, b"");
    let synack = tcp(TcpFlags::SYN | TcpFlags::ACK, b"");
    let ack = tcp(TcpFlags::ACK, b"");
    let syn_ece_cwr = tcp(TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR, b"");
    assert!(hits_packet(&f(TcpFlags::SYN, M::Exact, 0), &syn));
    assert!(!hits_packet(&f(TcpFlags::SYN, M::Exact, 0), &synack));
    assert!(hits_packet(&f(TcpFlags::SYN, M::Plus, 0), &synack));
    assert!(!hits_packet(&f(TcpFlags::SYN, M::Plus, 0), &ack));
    assert!(hits_packet(
        &f(TcpFlags::SYN | TcpFlags::FIN, M::Any, 0),
        &synack
    ));
    assert!(!hits_packet(
        &f(TcpFlags::RST | TcpFlags::FIN, M::Any, 0),
        &synack
    ));
    assert!(hits_packet(&f(TcpFlags::SYN, M::Not, 0), &ack));
    assert!(!hits_packet(&f(TcpFlags::SYN, M::Not, 0), &syn));
    assert!(!hits_packet(&f(TcpFlags::SYN, M::Exact, 0), &syn_ece_cwr));
    assert!(hits_packet(
        &f(TcpFlags::SYN, M::Exact, TcpFlags::ECE | TcpFlags::CWR),
        &syn_ece_cwr
    ));
    // flags never match a non-TCP packet.
    assert!(!hits_packet(&f(0, M::Exact, 0), &udp(b"")));
}

#[test]
fn ip_and_transport_header_checks() {
    let u = udp(b"abcd");
    let t = tcp(TcpFlags::ACK, b"x");
    let icmp = pkt(
        Transport::Icmpv4 {
            icmp_type: 8,
            icmp_code: 0,
        },
        b"ping",
    );
    let ip_r = |h| header_rule(RuleProto::Ip, h);
    assert!(hits_packet(&ip_r(HeaderCheck::Ttl(Cmp::Eq(64))), &u));
    assert!(!hits_packet(&ip_r(HeaderCheck::Ttl(Cmp::Lt(10))), &u));
    assert!(hits_packet(&ip_r(HeaderCheck::IpProto(Cmp::Eq(17))), &u));
    assert!(!hits_packet(&ip_r(HeaderCheck::IpProto(Cmp::Eq(6))), &u));
    assert!(hits_packet(&ip_r(HeaderCheck::Id(7)), &u));
    assert!(!hits_packet(&ip_r(HeaderCheck::Id(8)), &u));
    assert!(hits_packet(&ip_r(HeaderCheck::Dsize(Cmp::Gt(3))), &u));
    assert!(hits_packet(
        &ip_r(HeaderCheck::Dsize(Cmp::Between(3, 5))),
        &u
    ));
    assert!(!hits_packet(
        &ip_r(HeaderCheck::Dsize(Cmp::Between(4, 5))),
        &u
    ));
    assert!(hits_packet(&ip_r(HeaderCheck::Itype(Cmp::Eq(8))), &icmp));
    assert!(hits_packet(&ip_r(HeaderCheck::Icode(Cmp::Eq(0))), &icmp));
    assert!(!hits_packet(&ip_r(HeaderCheck::Itype(Cmp::Eq(0))), &icmp));
    assert!(!hits_packet(&ip_r(HeaderCheck::Itype(Cmp::Eq(8))), &u));
    let tcp_r = |h| header_rule(RuleProto::Tcp, h);
    assert!(hits_packet(&tcp_r(HeaderCheck::Seq(1000)), &t));
    assert!(!hits_packet(&tcp_r(HeaderCheck::Seq(1001)), &t));
    assert!(hits_packet(&tcp_r(HeaderCheck::Ack(2000)), &t));
    assert!(hits_packet(
        &tcp_r(HeaderCheck::Window {
            value: 512,
            negated: false
        }),
        &t
    ));
    assert!(!hits_packet(
        &tcp_r(HeaderCheck::Window {
            value: 512,
            negated: true
        }),
        &t
    ));
    let mut same = udp(b"");
    same.dst = same.src;
    assert!(hits_packet(&ip_r(HeaderCheck::SameIp), &same));
    assert!(!hits_packet(&ip_r(HeaderCheck::SameIp), &u));
}

#[test]
fn stream_size_uses_flow_bytes() {
    let rs = header_rule(
        RuleProto::Tcp,
        HeaderCheck::StreamSize {
            side: StreamSide::Client,
            cmp: Cmp::Gt(100),
        },
    );
    let mut det = Detector::new(rs);
    let p = tcp(TcpFlags::ACK, b"");
    let mut f = facts(Direction::ToServer, 6);
    f.stream_bytes = [101, 0];
    assert_eq!(packet_hits(&mut det, &p, Some(f), None, 1), [1]);
    f.stream_bytes = [100, 5000];
    assert!(packet_hits(&mut det, &p, Some(f), None, 1).is_empty());
}

#[test]
fn icmp_id_and_seq_match_echo_only() {
    let echo = |icmp_type: u8, v6: bool| {
        let transport = if v6 {
            Transport::Icmpv6 {
                icmp_type,
                icmp_code: 0,
            }
        } else {
            Transport::Icmpv4 {
                icmp_type,
                icmp_code: 0,
            }
        };
        let mut p = pkt(transport, b"ping");
        p.icmp_echo = Some(IcmpEcho {
            id: 21781,
            seq: 2216,
        });
        p
    };
    let ip_r = |h| header_rule(RuleProto::Ip, h);
    for p in [
        echo(8, false),
        echo(0, false),
        echo(128, true),
        echo(129, true),
    ] {
        assert!(hits_packet(&ip_r(HeaderCheck::IcmpId(21781)), &p));
        assert!(!hits_packet(&ip_r(HeaderCheck::IcmpId(21782)), &p));
        assert!(hits_packet(&ip_r(HeaderCheck::IcmpSeq(2216)), &p));
        assert!(!hits_packet(&ip_r(HeaderCheck::IcmpSeq(5000)), &p));
    }
    // A destination unreachable has no echo fields (the decoder leaves
    // `icmp_echo` empty), so neither keyword matches it.
    let unreach = pkt(
        Transport::Icmpv4 {
            icmp_type: 3,
            icmp_code: 1,
        },
        b"",
    );
    assert!(!hits_packet(&ip_r(HeaderCheck::IcmpId(0)), &unreach));
    assert!(!hits_packet(&ip_r(HeaderCheck::IcmpSeq(0)), &unreach));
    assert!(!hits_packet(&ip_r(HeaderCheck::IcmpId(0)), &udp(b"")));
}

#[test]
fn fragbits_modifiers() {
    use FlagsModifier as M;
    let with = |flags: u8| {
        let mut p = udp(b"x");
        p.ip_flags = IpFlags(flags);
        p
    };
    let r = |bits, modifier| header_rule(RuleProto::Ip, HeaderCheck::Fragbits { bits, modifier });
    let (mf, df, rf) = (IpFlags::MF, IpFlags::DF, IpFlags::RF);
    assert!(hits_packet(&r(df, M::Exact), &with(df)));
    assert!(!hits_packet(&r(df, M::Exact), &with(df | rf)));
    assert!(hits_packet(&r(df, M::Plus), &with(df | rf)));
    assert!(!hits_packet(&r(df | mf, M::Plus), &with(df | rf)));
    assert!(hits_packet(&r(mf | rf, M::Any), &with(df | rf)));
    assert!(!hits_packet(&r(mf | rf, M::Any), &with(df)));
    // `!` matches unless all the named bits are set.
    assert!(hits_packet(&r(df, M::Not), &with(mf)));
    assert!(!hits_packet(&r(df, M::Not), &with(df)));
    assert!(hits_packet(&r(mf | df, M::Not), &with(df)));
    // IPv4 only: an IPv6 packet never matches, not even `!`.
    let mut v6 = with(0);
    v6.src = ip("2001:db8::1");
    v6.dst = ip("2001:db8::2");
    assert!(!hits_packet(&r(df, M::Not), &v6));
}

// -------------------------------------------------- addresses, ports, flow

#[test]
fn bidirectional_rule_matches_both_ways() {
    let r = |bidir: bool| {
        let b = RuleBuilder::new(1)
            .proto(RuleProto::Udp)
            .src(addrs("10.0.0.1").unwrap())
            .dst(addrs("192.0.2.9").unwrap())
            .dst_ports(ports("53").unwrap());
        compile(vec![if bidir { b.bidirectional() } else { b }.build()])
    };
    let fwd = udp(b"q");
    let back = reversed(udp(b"q"));
    assert!(hits_packet(&r(false), &fwd));
    assert!(!hits_packet(&r(false), &back));
    assert!(hits_packet(&r(true), &fwd));
    assert!(hits_packet(&r(true), &back));
}

#[test]
fn address_and_port_negation() {
    let p = udp(b"q");
    let rule = |src: &str, dst: &str, sp: &str, dp: &str| {
        compile(vec![
            RuleBuilder::new(1)
                .proto(RuleProto::Udp)
                .src(addrs(src).unwrap())
                .dst(addrs(dst).unwrap())
                .src_ports(ports(sp).unwrap())
                .dst_ports(ports(dp).unwrap())
                .build(),
        ])
    };
    assert!(hits_packet(&rule("10.0.0.0/8", "any", "any", "any"), &p));
    assert!(!hits_packet(&rule("!10.0.0.0/8", "any", "any", "any"), &p));
    assert!(!hits_packet(
        &rule("[10.0.0.0/8,!10.0.0.1]", "any", "any", "any"),
        &p
    ));
    assert!(!hits_packet(&rule("any", "!192.0.2.9", "any", "any"), &p));
    assert!(hits_packet(&rule("any", "!192.0.2.10", "any", "any"), &p));
    assert!(!hits_packet(&rule("any", "any", "any", "!53"), &p));
    assert!(hits_packet(&rule("any", "any", "any", "[50:60]"), &p));
    assert!(!hits_packet(&rule("any", "any", "1:1024", "any"), &p));
    assert!(hits_packet(&rule("any", "any", "1024:", "any"), &p));
}

#[test]
fn flow_keywords() {
    let rule = |f: FlowMatch| {
        compile(vec![
            RuleBuilder::new(1)
                .proto(RuleProto::Udp)
                .payload(c(b"q"))
                .flow(f)
                .build(),
        ])
    };
    let to_server = rule(FlowMatch {
        to_server: Some(true),
        ..FlowMatch::default()
    });
    let to_client = rule(FlowMatch {
        to_server: Some(false),
        ..FlowMatch::default()
    });
    let est = rule(FlowMatch {
        established: true,
        ..FlowMatch::default()
    });
    let not_est = rule(FlowMatch {
        not_established: true,
        ..FlowMatch::default()
    });
    let stateless = rule(FlowMatch {
        stateless: true,
        ..FlowMatch::default()
    });
    let fwd = udp(b"q");
    let back = reversed(udp(b"q"));
    let fs = facts(Direction::ToServer, 17);
    let fc = facts(Direction::ToClient, 17);
    let mut new_flow = fs;
    new_flow.established = false;
    let run = |rs: &Arc<RuleSet>, p: &DecodedPacket<'_>, f: Option<FlowFacts<'_>>| {
        let mut det = Detector::new(Arc::clone(rs));
        !packet_hits(&mut det, p, f, None, 1).is_empty()
    };
    assert!(run(&to_server, &fwd, Some(fs)));
    assert!(!run(&to_server, &back, Some(fc)));
    assert!(!run(&to_server, &fwd, None));
    assert!(run(&to_client, &back, Some(fc)));
    assert!(!run(&to_client, &fwd, Some(fs)));
    assert!(run(&est, &fwd, Some(fs)));
    assert!(!run(&est, &fwd, Some(new_flow)));
    assert!(!run(&est, &fwd, None));
    assert!(run(&not_est, &fwd, Some(new_flow)));
    assert!(!run(&not_est, &fwd, Some(fs)));
    assert!(run(&stateless, &fwd, None));
    assert!(run(&stateless, &fwd, Some(fs)));
    // Contradictions are refused.
    let (_, p) = RuleSet::compile(
        vec![
            RuleBuilder::new(1)
                .flow(FlowMatch {
                    only_stream: true,
                    no_stream: true,
                    ..FlowMatch::default()
                })
                .build(),
        ],
        None,
    );
    assert_eq!(p.len(), 1);
}

#[test]
fn app_layer_protocol_and_app_proto_rules() {
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::App("dns".into()))
            .payload(c(b"q"))
            .build(),
        RuleBuilder::new(2)
            .proto(RuleProto::Udp)
            .payload(c(b"q"))
            .app_layer_protocol("dns", true)
            .build(),
    ]);
    let p = udp(b"q");
    let mut f = facts(Direction::ToServer, 17);
    let mut det = Detector::new(rs);
    assert_eq!(packet_hits(&mut det, &p, Some(f), None, 1), [2]);
    f.app_proto = Some("dns");
    assert_eq!(packet_hits(&mut det, &p, Some(f), None, 1), [1]);
    // Suricata: app-layer-protocol needs a flow, negated or not.
    assert!(packet_hits(&mut det, &p, None, None, 1).is_empty());
}

// ------------------------------------------------------ flowbits, flowint

#[test]
fn flowbits_set_then_isset_across_packets() {
    let rs = compile(vec![
        RuleBuilder::new(10)
            .proto(RuleProto::Udp)
            .payload(c(b"LOGIN"))
            .flowbits(Flowbits::Set("li".into()))
            .flowbits(Flowbits::NoAlert)
            .build(),
        RuleBuilder::new(11)
            .proto(RuleProto::Udp)
            .payload(c(b"CMD"))
            .flowbits(Flowbits::IsSet {
                names: vec!["li".into()],
                all: false,
            })
            .build(),
        RuleBuilder::new(12)
            .proto(RuleProto::Udp)
            .payload(c(b"CMD"))
            .flowbits(Flowbits::IsNotSet {
                names: vec!["li".into()],
                all: false,
            })
            .build(),
    ]);
    let f = facts(Direction::ToServer, 17);
    let mut det = Detector::new(Arc::clone(&rs));
    let mut st = FlowDetectState::new();
    assert!(st.is_empty());
    assert_eq!(
        packet_hits(&mut det, &udp(b"CMD"), Some(f), Some(&mut st), 1),
        [12]
    );
    // noalert: matches (sets the bit) without a hit.
    assert!(packet_hits(&mut det, &udp(b"LOGIN"), Some(f), Some(&mut st), 2).is_empty());
    assert!(st.flowbit_is_set(&rs, "li"));
    assert_eq!(
        packet_hits(&mut det, &udp(b"CMD"), Some(f), Some(&mut st), 3),
        [11]
    );
    // Another flow knows nothing of it.
    let mut other = FlowDetectState::new();
    assert_eq!(
        packet_hits(&mut det, &udp(b"CMD"), Some(f), Some(&mut other), 4),
        [12]
    );
    // Without a flow, flowbits never match.
    assert!(packet_hits(&mut det, &udp(b"CMD"), None, None, 5).is_empty());
}

#[test]
fn flowbit_setters_run_before_checkers_in_one_packet() {
    // The checker has the lower sid and comes first in the file: Suricata's
    // ordering still runs the setter first.
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::Udp)
            .payload(c(b"B"))
            .flowbits(Flowbits::IsSet {
                names: vec!["x".into()],
                all: false,
            })
            .build(),
        RuleBuilder::new(2)
            .proto(RuleProto::Udp)
            .payload(c(b"A"))
            .flowbits(Flowbits::Set("x".into()))
            .noalert()
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let f = facts(Direction::ToServer, 17);
    assert_eq!(
        packet_hits(&mut det, &udp(b"AB"), Some(f), Some(&mut st), 1),
        [1]
    );
}

#[test]
fn flowbits_toggle_unset_and_all_any() {
    let set = |sid, pat: &[u8], fb| {
        RuleBuilder::new(sid)
            .proto(RuleProto::Udp)
            .payload(c(pat))
            .flowbits(fb)
            .noalert()
            .build()
    };
    let rs = compile(vec![
        set(1, b"T", Flowbits::Toggle("a".into())),
        set(2, b"U", Flowbits::Unset("a".into())),
        set(3, b"S", Flowbits::Set("b".into())),
        RuleBuilder::new(4)
            .proto(RuleProto::Udp)
            .payload(c(b"?"))
            .flowbits(Flowbits::IsSet {
                names: vec!["a".into(), "b".into()],
                all: true,
            })
            .build(),
    ]);
    let mut det = Detector::new(Arc::clone(&rs));
    let mut st = FlowDetectState::new();
    let f = facts(Direction::ToServer, 17);
    let mut send = |p: &[u8]| packet_hits(&mut det, &udp(p), Some(f), Some(&mut st), 1);
    assert!(send(b"T").is_empty());
    assert!(send(b"?").is_empty(), "b is not set yet");
    assert!(send(b"S").is_empty());
    assert_eq!(send(b"?"), [4]);
    assert!(send(b"T").is_empty());
    assert!(send(b"?").is_empty(), "toggled off");
    assert!(send(b"T").is_empty());
    assert!(send(b"U").is_empty());
    assert!(send(b"?").is_empty(), "unset");
}

#[test]
fn flowint_counts_like_suricata() {
    // Suricata's documented example: count usernames, alert after five.
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::Udp)
            .payload(c(b"jonkman"))
            .flowint(Flowint::Add("count".into(), Num::Lit(1)))
            .flowint(Flowint::Compare(
                "count".into(),
                FlowintCmp::Gt,
                Num::Lit(5),
            ))
            .build(),
    ]);
    let mut det = Detector::new(Arc::clone(&rs));
    let mut st = FlowDetectState::new();
    let f = facts(Direction::ToServer, 17);
    let mut hits = vec![];
    for i in 0..7 {
        hits.push(
            !packet_hits(&mut det, &udp(b"user jonkman"), Some(f), Some(&mut st), i).is_empty(),
        );
    }
    assert_eq!(hits, [false, false, false, false, false, true, true]);
    assert_eq!(st.flowint(&rs, "count"), Some(7));
    // A non-matching packet does not count.
    packet_hits(&mut det, &udp(b"other"), Some(f), Some(&mut st), 9);
    assert_eq!(st.flowint(&rs, "count"), Some(7));
}

// ----------------------------------------------------------- thresholds

fn threshold_hits(rule: Rule, table: Option<&ThresholdTable>, times: &[u64]) -> Vec<bool> {
    let (rs, p) = RuleSet::compile(vec![rule], table);
    assert!(p.is_empty());
    let mut det = Detector::new(Arc::new(rs));
    times
        .iter()
        .map(|&t| !packet_hits(&mut det, &udp(b"x"), None, None, t).is_empty())
        .collect()
}

fn x_rule() -> RuleBuilder {
    RuleBuilder::new(5).proto(RuleProto::Udp).payload(c(b"x"))
}

#[test]
fn threshold_kinds_in_packet_time() {
    let t = |kind, count, seconds| Threshold {
        kind,
        track: Track::BySrc,
        count,
        seconds,
    };
    assert_eq!(
        threshold_hits(
            x_rule().threshold(t(ThresholdKind::Limit, 2, 60)).build(),
            None,
            &[0, 1, 2, 59, 60, 61, 62]
        ),
        [true, true, false, false, true, true, false]
    );
    assert_eq!(
        threshold_hits(
            x_rule()
                .threshold(t(ThresholdKind::Threshold, 3, 60))
                .build(),
            None,
            &[0, 1, 2, 3, 4, 5]
        ),
        [false, false, true, false, false, true]
    );
    assert_eq!(
        threshold_hits(
            x_rule().threshold(t(ThresholdKind::Both, 2, 10)).build(),
            None,
            &[0, 1, 2, 3, 10, 11, 12]
        ),
        [false, true, false, false, false, true, false]
    );
}

#[test]
fn detection_filter_and_window_expiry() {
    let r = x_rule()
        .detection_filter(DetectionFilter {
            track: Track::BySrc,
            count: 2,
            seconds: 10,
        })
        .build();
    assert_eq!(
        threshold_hits(r, None, &[0, 1, 2, 3, 20, 21, 22]),
        [false, false, true, true, false, false, true]
    );
}

#[test]
fn threshold_table_suppress_and_override() {
    let mut table = ThresholdTable::new();
    table.suppress(
        1,
        5,
        Some(SuppressTrack::BySrc),
        Some(addrs("10.0.0.1").unwrap()),
    );
    let (rs, _) = RuleSet::compile(vec![x_rule().build()], Some(&table));
    let rs = Arc::new(rs);
    let mut det = Detector::new(rs);
    assert!(packet_hits(&mut det, &udp(b"x"), None, None, 1).is_empty());
    let mut other = udp(b"x");
    other.src = ip("10.0.0.2");
    assert_eq!(packet_hits(&mut det, &other, None, None, 1), [5]);
    assert_eq!(det.counters().quieted, 1);

    // A specific entry replaces the rule's own threshold.
    let mut table = ThresholdTable::new();
    table.threshold(
        1,
        5,
        Threshold {
            kind: ThresholdKind::Limit,
            track: Track::ByRule,
            count: 1,
            seconds: 100,
        },
    );
    let own = x_rule()
        .threshold(Threshold {
            kind: ThresholdKind::Limit,
            track: Track::ByRule,
            count: 3,
            seconds: 100,
        })
        .build();
    assert_eq!(
        threshold_hits(own.clone(), Some(&table), &[0, 1, 2]),
        [true, false, false]
    );
    // A wildcard entry does not override a rule's own threshold...
    let mut wild = ThresholdTable::new();
    wild.threshold(
        0,
        0,
        Threshold {
            kind: ThresholdKind::Limit,
            track: Track::ByRule,
            count: 1,
            seconds: 100,
        },
    );
    assert_eq!(
        threshold_hits(own, Some(&wild), &[0, 1, 2, 3]),
        [true, true, true, false]
    );
    // ...but applies to rules without one.
    assert_eq!(
        threshold_hits(x_rule().build(), Some(&wild), &[0, 1]),
        [true, false]
    );
    // Suppress everything of gid 1.
    let mut all = ThresholdTable::new();
    all.suppress(1, 0, None, None);
    assert_eq!(threshold_hits(x_rule().build(), Some(&all), &[0]), [false]);
}

#[test]
fn rate_filter_changes_the_reported_action() {
    let mut table = ThresholdTable::new();
    table.rate_filter(
        1,
        5,
        RateFilter {
            track: Track::ByRule,
            count: 1,
            seconds: 60,
            new_action: Action::Drop,
            timeout: 30,
        },
    );
    let (rs, _) = RuleSet::compile(vec![x_rule().build()], Some(&table));
    let mut det = Detector::new(Arc::new(rs));
    let mut actions = vec![];
    for t in [0, 1, 2] {
        let mut out = vec![];
        let p = udp(b"x");
        det.inspect_packet(
            &PacketCtx {
                pkt: &p,
                ts: Timestamp::from_secs(t),
                flow: None,
            },
            None,
            &mut out,
        );
        actions.push(out[0].action);
    }
    assert_eq!(actions, [Action::Alert, Action::Drop, Action::Drop]);
}

// ------------------------------------------------------------------ pass

#[test]
fn pass_rule_drops_the_inspections_hits() {
    let rs = compile(vec![
        RuleBuilder::new(2)
            .proto(RuleProto::Udp)
            .payload(c(b"o"))
            .build(),
        RuleBuilder::new(3)
            .action(Action::Drop)
            .proto(RuleProto::Udp)
            .payload(c(b"o"))
            .build(),
        RuleBuilder::new(1)
            .action(Action::Pass)
            .proto(RuleProto::Udp)
            .payload(c(b"ok"))
            .build(),
    ]);
    assert_eq!(rs.order(), [1, 3, 2], "pass, drop, alert");
    let mut det = Detector::new(rs);
    let mut out = vec![];
    let p = udp(b"ok");
    let o = det.inspect_packet(
        &PacketCtx {
            pkt: &p,
            ts: Timestamp::from_secs(1),
            flow: None,
        },
        None,
        &mut out,
    );
    assert!(o.passed);
    assert!(out.is_empty());
    let p = udp(b"o!");
    let o = det.inspect_packet(
        &PacketCtx {
            pkt: &p,
            ts: Timestamp::from_secs(1),
            flow: None,
        },
        None,
        &mut out,
    );
    assert!(!o.passed);
    assert_eq!(sids(&out), [2, 3]);
    assert_eq!(
        out.iter().find(|h| h.sid == 3).unwrap().action,
        Action::Drop
    );
}

#[test]
fn signature_order_follows_suricata() {
    let fb_set = Flowbits::Set("x".into());
    let fb_read = Flowbits::IsSet {
        names: vec!["x".into()],
        all: false,
    };
    let rs = compile(vec![
        RuleBuilder::new(1).build(),
        RuleBuilder::new(2).flowbits(fb_read.clone()).build(),
        RuleBuilder::new(3).flowbits(fb_set.clone()).build(),
        RuleBuilder::new(4).action(Action::Pass).build(),
        RuleBuilder::new(5).action(Action::Drop).build(),
        RuleBuilder::new(6).priority(1).build(),
        RuleBuilder::new(7)
            .flowbits(fb_set)
            .flowbits(fb_read)
            .build(),
        RuleBuilder::new(8).action(Action::Reject).build(),
    ]);
    assert_eq!(rs.order(), [4, 5, 8, 3, 7, 2, 6, 1]);
}

// --------------------------------------------------------------- stream

fn evil_rules() -> Arc<RuleSet> {
    compile(vec![
        RuleBuilder::new(100)
            .proto(RuleProto::Tcp)
            .payload(c(b"evil"))
            .build(),
    ])
}

#[test]
fn split_pattern_across_stream_chunks_fires_once() {
    let rs = evil_rules();
    assert_eq!(rs.stream_lookback(), 3);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"xxev").is_empty());
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToServer, 4, b"ilxx"),
        [100]
    );
    // Later data with the pattern again: the rule already matched here.
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 8, b"evil").is_empty());
    // The other direction is separate.
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToClient, 0, b"evil"),
        [100]
    );
}

#[test]
fn retransmission_and_overlap_never_fire_twice() {
    let rs = evil_rules();
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"evil"),
        [100]
    );
    // The same bytes again (a caller re-delivering), and overlapping bytes.
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"evil").is_empty());
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 2, b"il evil").is_empty());
}

#[test]
fn stream_rules_do_not_run_on_segments() {
    let rs = compile(vec![
        RuleBuilder::new(100)
            .proto(RuleProto::Tcp)
            .payload(c(b"evil"))
            .build(),
        RuleBuilder::new(101)
            .proto(RuleProto::Tcp)
            .payload(c(b"evil"))
            .flow(FlowMatch {
                no_stream: true,
                ..FlowMatch::default()
            })
            .build(),
        RuleBuilder::new(102)
            .proto(RuleProto::Tcp)
            .payload(c(b"evil"))
            .header(HeaderCheck::Dsize(Cmp::Gt(2)))
            .build(),
        RuleBuilder::new(103)
            .proto(RuleProto::TcpPkt)
            .payload(c(b"evil"))
            .build(),
        RuleBuilder::new(104)
            .proto(RuleProto::Tcp)
            .payload(c(b"evil"))
            .flow(FlowMatch {
                only_stream: true,
                ..FlowMatch::default()
            })
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let seg = tcp(TcpFlags::ACK | TcpFlags::PSH, b"evil");
    let f = facts(Direction::ToServer, 6);
    assert_eq!(
        packet_hits(&mut det, &seg, Some(f), Some(&mut st), 1),
        [101, 102, 103]
    );
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"evil"),
        [100, 104]
    );
    // Without a flow there is no stream: stream rules see the packet, except
    // those that insist on the stream.
    assert_eq!(
        packet_hits(&mut det, &seg, None, None, 1),
        [100, 101, 102, 103]
    );
}

#[test]
fn stream_absolute_positions_count_from_stream_start() {
    let rs = compile(vec![
        RuleBuilder::new(7)
            .proto(RuleProto::Tcp)
            .payload(c(b"GET").depth(3))
            .build(),
    ]);
    let mut det = Detector::new(Arc::clone(&rs));
    let mut st = FlowDetectState::new();
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"GET /"),
        [7]
    );
    let mut st = FlowDetectState::new();
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"xxxxx").is_empty());
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 5, b"GET /").is_empty());
    // Split across chunks at the stream start.
    let mut st = FlowDetectState::new();
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"G").is_empty());
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToServer, 1, b"ET"),
        [7]
    );
}

#[test]
fn stream_gap_drops_the_tail_and_chains_span_chunks() {
    let rs = evil_rules();
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"ev").is_empty());
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 10, b"il").is_empty());

    let rs = compile(vec![
        RuleBuilder::new(9)
            .proto(RuleProto::Tcp)
            .payload(c(b"user"))
            .payload(c(b"pass").distance(0).within(10))
            .build(),
    ]);
    assert_eq!(rs.stream_lookback(), 13);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"..user a").is_empty());
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 8, b"b").is_empty());
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToServer, 9, b"pass"),
        [9]
    );
}

#[test]
fn large_stream_delivery_is_bounded() {
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::Tcp)
            .payload(c(b"needle"))
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    // The needle straddles the internal 64 KiB chunk boundary.
    let mut data = vec![b'.'; 200_000];
    data[65_533..65_539].copy_from_slice(b"needle");
    assert_eq!(
        stream_hits(&mut det, &mut st, Direction::ToServer, 0, &data),
        [1]
    );
    assert!(
        st.heap_bytes() < 4096,
        "tail stays small: {}",
        st.heap_bytes()
    );
}

// --------------------------------------------------------- transactions

fn tx_hits(
    det: &mut Detector,
    st: &mut FlowDetectState,
    app: &'static str,
    tx_id: u64,
    bufs: &Bufs,
    payload: Option<&[u8]>,
) -> Vec<u32> {
    let mut f = facts(Direction::ToServer, 6);
    f.app_proto = Some(app);
    let mut out = vec![];
    det.inspect_tx(
        &TxCtx {
            flow: f,
            ts: Timestamp::from_secs(1),
            tx_id,
            buffers: bufs,
            payload,
        },
        st,
        &mut out,
    );
    sids(&out)
}

#[test]
fn tx_rules_need_every_list_and_alert_once_per_tx() {
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::App("http".into()))
            .on(BufferId::HttpUri, c(b"/admin"))
            .on(BufferId::HttpMethod, c(b"POST"))
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let post = Bufs(vec![
        (BufferId::HttpUri, b"/admin/x"),
        (BufferId::HttpMethod, b"POST"),
    ]);
    let get = Bufs(vec![
        (BufferId::HttpUri, b"/admin/x"),
        (BufferId::HttpMethod, b"GET"),
    ]);
    assert!(tx_hits(&mut det, &mut st, "http", 0, &get, None).is_empty());
    assert_eq!(tx_hits(&mut det, &mut st, "http", 1, &post, None), [1]);
    assert!(tx_hits(&mut det, &mut st, "http", 1, &post, None).is_empty());
    assert_eq!(tx_hits(&mut det, &mut st, "http", 2, &post, None), [1]);
    assert!(tx_hits(&mut det, &mut st, "dns", 3, &post, None).is_empty());
}

#[test]
fn multi_value_buffer_matches_any_value() {
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::App("dns".into()))
            .on(BufferId::DnsQuery, c(b"evil.example").endswith())
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let two = Bufs(vec![
        (BufferId::DnsQuery, b"good.example"),
        (BufferId::DnsQuery, b"www.evil.example"),
    ]);
    let none = Bufs(vec![
        (BufferId::DnsQuery, b"good.example"),
        (BufferId::DnsQuery, b"evil.example.org"),
    ]);
    assert_eq!(tx_hits(&mut det, &mut st, "dns", 0, &two, None), [1]);
    assert!(tx_hits(&mut det, &mut st, "dns", 1, &none, None).is_empty());
}

#[test]
fn mixed_payload_and_app_rule_at_tx_time() {
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::Tcp)
            .payload(c(b"magic"))
            .on(BufferId::HttpUri, c(b"/x"))
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let bufs = Bufs(vec![(BufferId::HttpUri, b"/x")]);
    assert_eq!(
        tx_hits(&mut det, &mut st, "http", 0, &bufs, Some(b"GET /x magic")),
        [1]
    );
    assert!(tx_hits(&mut det, &mut st, "http", 1, &bufs, Some(b"GET /x")).is_empty());
    // Without explicit payload: the stream window of the direction.
    assert!(stream_hits(&mut det, &mut st, Direction::ToServer, 0, b"xx magic").is_empty());
    assert_eq!(tx_hits(&mut det, &mut st, "http", 2, &bufs, None), [1]);
}

// ------------------------------------------------------ compile problems

#[test]
fn bad_rules_are_reported_and_left_out() {
    let bad = vec![
        RuleBuilder::new(1)
            .payload(pcre("("))
            .origin("a.rules", 3)
            .build(),
        RuleBuilder::new(2)
            .payload(content(vec![b'a'; MAX_PATTERN_LEN + 1]))
            .origin("a.rules", 4)
            .build(),
        RuleBuilder::new(3)
            .payload(c(b"x").offset_var("nope"))
            .origin("a.rules", 5)
            .build(),
        RuleBuilder::new(4)
            .payload(Match::ByteTest(bt(9, ByteOp::Eq, 0, 0)))
            .origin("a.rules", 6)
            .build(),
        RuleBuilder::new(5)
            .payload(c(b"x").fast_pattern_chop(0, 5))
            .origin("a.rules", 7)
            .build(),
        RuleBuilder::new(6)
            .on(BufferId::HttpUri, c(b"x"))
            .header(HeaderCheck::Dsize(Cmp::Gt(1)))
            .origin("a.rules", 8)
            .build(),
        RuleBuilder::new(7)
            .payload(Match::ByteMath(bm(1, 0, MathOp::Div, Num::Lit(0), "r")))
            .origin("a.rules", 9)
            .build(),
        RuleBuilder::new(8).payload(c(b"ok")).build(),
    ];
    let (rs, problems) = RuleSet::compile(bad, None);
    assert_eq!(rs.len(), 1);
    let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 7, "{lines:#?}");
    for (i, p) in problems.iter().enumerate() {
        assert!(
            lines[i].starts_with(&format!("a.rules:{}: ", i + 3)),
            "{}",
            lines[i]
        );
        assert_eq!(p.sid, i as u32 + 1);
    }
    assert!(lines[0].contains("pcre"));
    assert!(lines[2].contains("nope"));
}

#[test]
fn ruleset_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<RuleSet>();
    fn send<T: Send>() {}
    send::<Detector>();
    send::<FlowDetectState>();
    assert_eq!(std::mem::size_of::<FlowDetectState>(), 8);
}

#[test]
fn fast_pattern_choice_and_chop() {
    // The explicit fast pattern is a chop of "xyzzy"; a buffer holding only
    // the longest content still needs verification to match.
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::Udp)
            .payload(c(b"longest-content"))
            .payload(c(b"xyzzy").fast_pattern_chop(1, 3))
            .build(),
    ]);
    assert_eq!(udp_hits(&rs, b"longest-content xyzzy"), [1]);
    assert!(udp_hits(&rs, b"longest-content yzz").is_empty());
    assert!(udp_hits(&rs, b"xyzzy").is_empty());
    // A rule whose only content is negated is evaluated on every packet.
    let rs = compile(vec![
        RuleBuilder::new(2)
            .proto(RuleProto::Udp)
            .payload(c(b"bad").negated())
            .build(),
    ]);
    assert_eq!(rs.summary().always, 1);
    assert_eq!(udp_hits(&rs, b"fine"), [2]);
}

// ------------------------------------------------ random rules, property

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn bytes(&mut self, alphabet: &[u8], len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize])
            .collect()
    }
}

const ALPHABET: &[u8] = b"abAB\xc4\xe4.";

fn random_content(rng: &mut Rng, first: bool) -> Match {
    let len = 1 + rng.below(4) as usize;
    let mut spec = content(rng.bytes(ALPHABET, len));
    if rng.chance(30) {
        spec = spec.nocase();
    }
    if rng.chance(15) {
        spec = spec.negated();
    }
    if !first && rng.chance(60) {
        spec = spec.distance(rng.below(6) as i64 - 2);
        if rng.chance(60) {
            spec = spec.within(len as i64 + rng.below(4) as i64);
        }
    } else {
        if rng.chance(25) {
            spec = spec.offset(rng.below(4) as i64);
        }
        if rng.chance(25) {
            spec = spec.depth(len as i64 + rng.below(5) as i64);
        }
        if rng.chance(5) {
            spec = spec.startswith();
        }
    }
    if rng.chance(5) {
        spec = spec.endswith();
    }
    if rng.chance(10) {
        spec = spec.fast_pattern();
    }
    spec.into()
}

fn random_payload_rule(rng: &mut Rng, sid: u32) -> Rule {
    let mut b = RuleBuilder::new(sid).proto(RuleProto::Udp);
    let n = 1 + rng.below(3);
    for i in 0..n {
        b = b.payload(random_content(rng, i == 0));
    }
    if rng.chance(10) {
        b = b.payload(isdataat(rng.below(3) as i64, true, rng.chance(50)));
    }
    if rng.chance(5) {
        b = b.payload(pcre("[aA]b").relative());
    }
    b.build()
}

/// Every rule's Payload lists verified directly, no prefilter.
fn brute_force(rs: &RuleSet, payload: &[u8]) -> Vec<u32> {
    let mut v: Vec<u32> = rs
        .rules
        .iter()
        .filter(|r| {
            r.lists
                .iter()
                .all(|l| super::inspect::inspect(&l.ops, payload, 0).matched)
        })
        .map(|r| r.sid)
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn prefilter_never_loses_a_match() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut checked = 0;
    let mut hit_total = 0;
    for round in 0..20 {
        let rules: Vec<Rule> = (0..300)
            .map(|i| random_payload_rule(&mut rng, round * 1000 + i + 1))
            .collect();
        let (rs, problems) = RuleSet::compile(rules, None);
        assert!(problems.is_empty(), "{problems:?}");
        let rs = Arc::new(rs);
        let mut det = Detector::new(Arc::clone(&rs));
        for _ in 0..100 {
            let len = rng.below(24) as usize;
            let payload = rng.bytes(ALPHABET, len);
            let want = brute_force(&rs, &payload);
            let got = packet_hits(&mut det, &udp(&payload), None, None, 1);
            assert_eq!(got, want, "payload {payload:?}");
            checked += 1;
            hit_total += want.len();
        }
    }
    assert!(hit_total > checked, "the generator must produce matches");
}

fn random_rule(rng: &mut Rng, sid: u32) -> Rule {
    let protos = [
        RuleProto::Ip,
        RuleProto::Tcp,
        RuleProto::Udp,
        RuleProto::Icmp,
        RuleProto::App("http".into()),
        RuleProto::App("dns".into()),
    ];
    let proto = protos[rng.below(protos.len() as u64) as usize].clone();
    let mut b = RuleBuilder::new(sid).proto(proto);
    let bufs = [
        BufferId::Payload,
        BufferId::Payload,
        BufferId::HttpUri,
        BufferId::HttpHost,
        BufferId::DnsQuery,
    ];
    let buf = bufs[rng.below(bufs.len() as u64) as usize];
    let len = 3 + rng.below(10) as usize;
    let word = rng.bytes(b"abcdefghijklmnopqrstuvwxyz/.-_0123456789", len);
    b = b.on(buf, content(word).nocase());
    if rng.chance(50) {
        b = b.on(buf, random_content(rng, false));
    }
    if rng.chance(10) {
        b = b.on(buf, pcre("[a-z]{3}\\d+").relative());
    }
    if rng.chance(10) {
        b = b.flow(FlowMatch {
            to_server: Some(rng.chance(50)),
            established: true,
            ..FlowMatch::default()
        });
    }
    b.build()
}

#[test]
fn ten_thousand_random_rules_compile_and_run() {
    let mut rng = Rng(42);
    let rules: Vec<Rule> = (0..10_000).map(|i| random_rule(&mut rng, i + 1)).collect();
    let (rs, problems) = RuleSet::compile(rules, None);
    assert!(
        problems.is_empty(),
        "{:?}",
        &problems[..problems.len().min(3)]
    );
    assert_eq!(rs.len(), 10_000);
    let s = rs.summary().clone();
    assert_eq!(s.rules, 10_000);
    assert!(s.prefiltered >= 9_900, "{s:?}");
    let rs = Arc::new(rs);
    let mut det = Detector::new(Arc::clone(&rs));
    let mut st = FlowDetectState::new();
    for i in 0..200u64 {
        let data = rng.bytes(b"abcdefghijklmnopqrstuvwxyz/.-_0123456789 ", 300);
        let mut out = vec![];
        det.inspect_stream(
            &StreamCtx {
                flow: facts(Direction::ToServer, 6),
                ts: Timestamp::from_secs(i),
                offset: i * 300,
                data: &data,
            },
            &mut st,
            &mut out,
        );
        packet_hits(&mut det, &udp(&data), None, None, i);
    }
    assert!(det.counters().candidates > 0);
}

#[test]
fn hostile_inputs_never_panic() {
    let mut rng = Rng(7);
    let mut rules = vec![];
    for sid in 1..200u32 {
        let mut b = RuleBuilder::new(sid).proto(RuleProto::Udp);
        let j = ByteJump {
            relative: rng.chance(50),
            multiplier: rng.chance(30).then(|| rng.next()),
            align: rng.chance(30),
            from_end: rng.chance(20),
            post_offset: rng.chance(30).then(|| rng.next() as i64),
            string: rng.chance(30).then_some(StringBase::Hex),
            endian: if rng.chance(50) {
                Endian::Little
            } else {
                Endian::Big
            },
            ..bj(1 + rng.below(8) as u8, rng.below(20) as i64 - 10)
        };
        b = b.payload(c(b"a"));
        b = b.payload(Match::ByteJump(j));
        b = b.payload(Match::ByteExtract(ByteExtract {
            relative: true,
            multiplier: Some(rng.next()),
            ..be(1 + rng.below(8) as u8, rng.below(10) as i64 - 5, "v")
        }));
        b = b.payload(c(b"b").distance_var("v").within_var("v"));
        b = b.payload(Match::ByteMath(ByteMath {
            relative: true,
            ..bm(2, 0, MathOp::Shl, Num::Var("v".into()), "w")
        }));
        b = b.payload(Match::IsDataAt {
            offset: Num::Var("w".into()),
            relative: true,
            negated: rng.chance(50),
        });
        rules.push(b.build());
    }
    let rs = compile(rules);
    let mut det = Detector::new(rs);
    for _ in 0..2000 {
        let len = rng.below(64) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let mut data = data;
        if len > 2 {
            data[0] = b'a';
        }
        packet_hits(&mut det, &udp(&data), None, None, 1);
    }
}

#[test]
fn recursion_limit_bounds_backtracking() {
    // Many "a"s, then a chain that never completes: bounded work, no match.
    let rs = compile(vec![
        RuleBuilder::new(1)
            .proto(RuleProto::Udp)
            .payload(c(b"a"))
            .payload(c(b"a").distance(0).within(1))
            .payload(c(b"a").distance(0).within(1))
            .payload(c(b"z").distance(0).within(1))
            .build(),
    ]);
    let mut det = Detector::new(rs);
    let data = vec![b'a'; 60_000];
    assert!(packet_hits(&mut det, &udp(&data), None, None, 1).is_empty());
    assert_eq!(det.counters().recursion_limit, 1);
}

#[test]
#[ignore = "throughput check; run with --release -- --ignored --nocapture"]
fn throughput_by_rule_count() {
    let mut traffic_rng = Rng(1);
    let chunks: Vec<Vec<u8>> = (0..64)
        .map(|_| traffic_rng.bytes(b"abcdefghijklmnopqrstuvwxyz/.-_0123456789 \r\n", 1460))
        .collect();
    for n in [100u32, 1_000, 10_000, 30_000] {
        let mut rng = Rng(2);
        let rules: Vec<Rule> = (0..n).map(|i| random_rule(&mut rng, i + 1)).collect();
        let t = std::time::Instant::now();
        let (rs, _) = RuleSet::compile(rules, None);
        let compile_time = t.elapsed();
        let rs = Arc::new(rs);
        let mut det = Detector::new(Arc::clone(&rs));
        let mut out = vec![];
        let rounds = 10_000u64;
        let t = std::time::Instant::now();
        let mut st = FlowDetectState::new();
        for i in 0..rounds {
            if i % 64 == 0 {
                st = FlowDetectState::new();
            }
            let data = &chunks[(i % 64) as usize];
            det.inspect_stream(
                &StreamCtx {
                    flow: facts(Direction::ToServer, 6),
                    ts: Timestamp::from_secs(i),
                    offset: (i % 64) * 1460,
                    data,
                },
                &mut st,
                &mut out,
            );
            packet_hits(&mut det, &udp(data), None, None, i);
        }
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "{n:>6} rules: compile {compile_time:>10.1?}; stream+udp {:>6.1} MB/s; {:?}",
            (rounds as f64 * 2.0 * 1460.0) / secs / 1e6,
            rs.summary()
        );
        let c = det.counters();
        eprintln!(
            "        candidates per inspection {:.1}, matches {}",
            c.candidates as f64 / (2.0 * rounds as f64),
            c.matches
        );
    }
}

#[test]
fn flow_facts_from_a_tracked_flow() {
    let p = udp(b"q");
    let meta = crate::flow::PacketMeta {
        ts: Timestamp::from_secs(1),
        wire_len: 60,
        iface: 0,
        pcap_cnt: 0,
    };
    let flow = crate::flow::Flow::new(9, &p, &meta, true);
    let f = FlowFacts::from_flow(&flow, Direction::ToClient);
    assert_eq!(f.flow_id, 9);
    assert_eq!(f.ip_proto, 17);
    assert!(!f.established, "no reply seen yet");
    assert_eq!(
        f.endpoints(),
        (ip("192.0.2.9"), 53, ip("10.0.0.1"), 40000),
        "to-client: the server is the source"
    );
}

#[test]
fn stream_chunking_never_changes_single_content_results() {
    // For single-content rules, a stream cut anywhere must give exactly the
    // rules whose pattern occurs somewhere in the whole stream.
    let mut rng = Rng(99);
    let patterns: Vec<Vec<u8>> = (0..60)
        .map(|_| {
            let len = 1 + rng.below(6) as usize;
            rng.bytes(b"abc", len)
        })
        .collect();
    let rules = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            RuleBuilder::new(i as u32 + 1)
                .proto(RuleProto::Tcp)
                .payload(content(p.clone()))
                .build()
        })
        .collect();
    let rs = compile(rules);
    let mut det = Detector::new(Arc::clone(&rs));
    for _ in 0..300 {
        let len = rng.below(80) as usize;
        let data = rng.bytes(b"abc", len);
        let want: Vec<u32> = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| memchr::memmem::find(&data, p).is_some())
            .map(|(i, _)| i as u32 + 1)
            .collect();
        let mut st = FlowDetectState::new();
        let mut got = vec![];
        let mut at = 0usize;
        while at < data.len() {
            let n = 1 + rng.below(7) as usize;
            let end = (at + n).min(data.len());
            got.extend(stream_hits(
                &mut det,
                &mut st,
                Direction::ToServer,
                at as u64,
                &data[at..end],
            ));
            at = end;
        }
        got.sort_unstable();
        assert_eq!(got, want, "{data:?}");
    }
}

// ------------------------------------------------------------ transforms

/// Sids of `rules` hit by one HTTP transaction with these buffers.
fn http_tx_sids(rules: Vec<Rule>, bufs: Vec<(BufferId, &'static [u8])>) -> Vec<u32> {
    let rs = compile(rules);
    let mut det = Detector::new(rs);
    let mut st = FlowDetectState::new();
    let mut hits = tx_hits(&mut det, &mut st, "http", 0, &Bufs(bufs), None);
    hits.sort_unstable();
    hits
}

fn on_xf(sid: u32, b: BufferId, t: &[Transform], items: Vec<Match>) -> Rule {
    let mut r = RuleBuilder::new(sid).proto(RuleProto::App("http".into()));
    for m in items {
        r = r.on_transformed(b, t, m);
    }
    r.build()
}

#[test]
fn transformed_fast_patterns_are_found_in_the_transformed_bytes() {
    use Transform::*;
    let uri = BufferId::HttpUri;
    let rules = || {
        vec![
            on_xf(1, uri, &[ToLowercase], vec![c(b"/admin").into()]),
            // The same bytes on the plain buffer: another prefilter.
            on_xf(2, uri, &[], vec![c(b"/admin").into()]),
            on_xf(3, uri, &[UrlDecode], vec![c(b"/a b'").into()]),
            on_xf(4, uri, &[StripWhitespace], vec![c(b"x=1").into()]),
        ]
    };
    let (rs, _) = RuleSet::compile(rules(), None);
    // Every rule is prefiltered (none is evaluated on every buffer).
    assert_eq!(rs.summary().prefiltered, 4);
    assert_eq!(http_tx_sids(rules(), vec![(uri, b"/ADMIN")]), [1]);
    assert_eq!(http_tx_sids(rules(), vec![(uri, b"/admin")]), [1, 2]);
    assert_eq!(http_tx_sids(rules(), vec![(uri, b"/a%20b%27")]), [3]);
    assert_eq!(http_tx_sids(rules(), vec![(uri, b"/a+b%27")]), [3]);
    assert!(http_tx_sids(rules(), vec![(uri, b"/a%2 b'")]).is_empty());
    assert_eq!(http_tx_sids(rules(), vec![(uri, b"/?x =\t1")]), [4]);
    // Empty and all-whitespace values: nothing to find, no panic.
    assert!(http_tx_sids(rules(), vec![(uri, b"")]).is_empty());
    assert!(http_tx_sids(rules(), vec![(uri, b" \t\r\n ")]).is_empty());
}

#[test]
fn transforms_feed_positions_nocase_and_bsize() {
    use Transform::*;
    let ua = BufferId::HttpUserAgent;
    // nocase after to_uppercase: the transformed bytes are upper case, the
    // pattern matches either way.
    let r = |items: Vec<Match>, t: &[Transform]| vec![on_xf(1, ua, t, items)];
    assert_eq!(
        http_tx_sids(
            r(vec![c(b"ABC").nocase().into()], &[ToUppercase]),
            vec![(ua, b"xabc")]
        ),
        [1]
    );
    // Positions and bsize count in the transformed bytes.
    let startswith = c(b"ab").offset(0).depth(2);
    assert_eq!(
        http_tx_sids(
            r(vec![startswith.into()], &[StripWhitespace]),
            vec![(ua, b" a b")]
        ),
        [1]
    );
    assert_eq!(
        http_tx_sids(
            r(vec![Match::Bsize(Cmp::Eq(2))], &[StripWhitespace]),
            vec![(ua, b" a b ")]
        ),
        [1]
    );
    // compress_whitespace keeps the first byte of a run.
    assert_eq!(
        http_tx_sids(
            r(vec![c(b"a\tb").into()], &[CompressWhitespace]),
            vec![(ua, b"a\t \r\nb")]
        ),
        [1]
    );
    // dotprefix: ".example.com" at the end matches the domain and its
    // subdomains only.
    let dot = || {
        r(
            vec![content(b".example.com").endswith().into()],
            &[DotPrefix],
        )
    };
    assert_eq!(http_tx_sids(dot(), vec![(ua, b"example.com")]), [1]);
    assert_eq!(http_tx_sids(dot(), vec![(ua, b"www.example.com")]), [1]);
    assert!(http_tx_sids(dot(), vec![(ua, b"badexample.com")]).is_empty());
    // Digests: the raw bytes (sha256 of "abc").
    let digest = b"\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad";
    assert_eq!(
        http_tx_sids(
            r(
                vec![
                    c(digest).offset(0).depth(32).into(),
                    Match::Bsize(Cmp::Eq(32))
                ],
                &[ToSha256]
            ),
            vec![(ua, b"abc")]
        ),
        [1]
    );
    // A multi-value buffer: each value is transformed on its own.
    assert_eq!(
        http_tx_sids(
            r(vec![c(b"ab").offset(0).depth(2).into()], &[StripWhitespace]),
            vec![(ua, b"x y"), (ua, b" a b")]
        ),
        [1]
    );
}

#[test]
fn transforms_on_the_payload_are_refused() {
    let r = RuleBuilder::new(1)
        .on_transformed(BufferId::Payload, &[Transform::ToLowercase], c(b"a"))
        .build();
    let (_, problems) = RuleSet::compile(vec![r], None);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].message,
        "to_lowercase on the payload: transforms need a sticky buffer"
    );
}
