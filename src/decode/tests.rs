//! End-to-end tests of [`Decoder`] on frames built by test helpers.

use std::net::IpAddr;

use etherparse::{
    IpFragOffset, IpNumber, Ipv4Header, LinuxSllPacketType, PacketBuilder, TcpOptionElement,
};

use super::*;
use crate::stats::CounterSet;

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const V4_A: [u8; 4] = [10, 0, 0, 1];
const V4_B: [u8; 4] = [192, 168, 1, 2];
const V6_A: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6_B: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_EXPERIMENT: u8 = 253;

// ---------------------------------------------------------------- helpers

/// An owned copy of a [`DecodedPacket`], so tests can look at counters after.
#[derive(Clone, Debug, PartialEq)]
struct Pkt {
    vlans: Vlans,
    src_mac: Option<[u8; 6]>,
    dst_mac: Option<[u8; 6]>,
    src: IpAddr,
    dst: IpAddr,
    ip_proto: u8,
    ttl: u8,
    ip_id: u32,
    ip_len: u32,
    ip_flags: IpFlags,
    reassembled: bool,
    transport: Transport,
    icmp_echo: Option<IcmpEcho>,
    payload: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq)]
enum Out {
    Packet(Pkt),
    Held,
    NotIp,
    Arp(ArpPacket),
    Invalid,
}

fn decoder() -> Decoder {
    Decoder::new(DecoderConfig::default())
}

fn decoder_with(defrag: DefragConfig) -> Decoder {
    Decoder::new(DecoderConfig { defrag })
}

fn ts(secs: u64) -> Timestamp {
    Timestamp::from_secs(1_700_000_000 + secs)
}

fn run_at(d: &mut Decoder, link: LinkType, data: &[u8], wire_len: usize, now: Timestamp) -> Out {
    match d.decode(link, data, wire_len as u32, now) {
        Decoded::Packet(p) => Out::Packet(Pkt {
            vlans: p.vlans,
            src_mac: p.src_mac,
            dst_mac: p.dst_mac,
            src: p.src,
            dst: p.dst,
            ip_proto: p.ip_proto,
            ttl: p.ttl,
            ip_id: p.ip_id,
            ip_len: p.ip_len,
            ip_flags: p.ip_flags,
            reassembled: p.reassembled,
            transport: p.transport,
            icmp_echo: p.icmp_echo,
            payload: p.payload.to_vec(),
        }),
        Decoded::FragmentHeld => Out::Held,
        Decoded::NotIp => Out::NotIp,
        Decoded::Arp(a) => Out::Arp(a),
        Decoded::Invalid => Out::Invalid,
    }
}

fn run(d: &mut Decoder, link: LinkType, data: &[u8]) -> Out {
    run_at(d, link, data, data.len(), ts(0))
}

fn packet(d: &mut Decoder, link: LinkType, data: &[u8]) -> Pkt {
    match run(d, link, data) {
        Out::Packet(p) => p,
        other => panic!("expected a packet, got {other:?} ({:?})", d.counters()),
    }
}

/// The counters whose name starts with `prefix`, non-zero ones only.
fn nonzero(set: &dyn CounterSet, prefix: &str) -> Vec<(&'static str, u64)> {
    let mut out = Vec::new();
    set.visit(&mut |name, value| {
        if name.starts_with(prefix) && value != 0 {
            out.push((name, value));
        }
    });
    out
}

/// Decodes `data` with a fresh decoder and checks it is invalid for exactly
/// `reason` (a `decoder.event.*` counter name).
fn assert_invalid(link: LinkType, data: &[u8], wire_len: usize, reason: &str) {
    let mut d = decoder();
    let out = run_at(&mut d, link, data, wire_len, ts(0));
    assert_eq!(out, Out::Invalid, "{reason}");
    assert_eq!(d.counters().invalid, 1, "{reason}");
    assert_eq!(
        nonzero(d.counters(), "decoder.event."),
        vec![(reason, 1)],
        "{reason}"
    );
}

fn eth(ether_type: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&MAC_B);
    v.extend_from_slice(&MAC_A);
    v.extend_from_slice(&ether_type.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// An Ethernet frame with VLAN tags `(tpid, vid)`, outer first.
fn tagged(tags: &[(u16, u16)], ether_type: u16, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, (_, vid)) in tags.iter().enumerate() {
        body.extend_from_slice(&(0x2000 | vid).to_be_bytes()); // PCP 1
        let next = tags.get(i + 1).map_or(ether_type, |t| t.0);
        body.extend_from_slice(&next.to_be_bytes());
    }
    body.extend_from_slice(payload);
    eth(tags.first().map_or(ether_type, |t| t.0), &body)
}

/// `frame` (Ethernet) with VLAN tags added.
fn retag(tags: &[(u16, u16)], frame: &[u8]) -> Vec<u8> {
    tagged(
        tags,
        u16::from_be_bytes([frame[12], frame[13]]),
        &frame[14..],
    )
}

/// An IPv4 header with the given fields and a correct checksum.
#[allow(clippy::too_many_arguments)]
fn ipv4_header(
    proto: u8,
    src: [u8; 4],
    dst: [u8; 4],
    payload_len: usize,
    id: u16,
    more: bool,
    offset: usize,
    options: &[u8],
) -> Vec<u8> {
    let mut h = Ipv4Header::new(0, 64, IpNumber(proto), src, dst).expect("header");
    h.identification = id;
    h.more_fragments = more;
    h.fragment_offset = IpFragOffset::try_new((offset / 8) as u16).expect("offset");
    h.options = etherparse::Ipv4Options::try_from(options).expect("options");
    h.set_payload_len(payload_len).expect("payload length");
    h.header_checksum = h.calc_header_checksum();
    h.to_bytes().to_vec()
}

fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = ipv4_header(proto, V4_A, V4_B, payload.len(), 7, false, 0, &[]);
    v.extend_from_slice(payload);
    v
}

fn ipv6_header(next: u8, payload_len: usize, src: [u8; 16], dst: [u8; 16]) -> Vec<u8> {
    let mut v = vec![0x60, 0, 0, 0];
    v.extend_from_slice(&(payload_len as u16).to_be_bytes());
    v.push(next);
    v.push(63);
    v.extend_from_slice(&src);
    v.extend_from_slice(&dst);
    v
}

fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = ipv6_header(next, payload.len(), V6_A, V6_B);
    v.extend_from_slice(payload);
    v
}

/// An 8-byte options header (hop-by-hop or destination) holding one PadN.
fn opts_ext(next: u8) -> Vec<u8> {
    vec![next, 0, 1, 4, 0, 0, 0, 0]
}

fn frag_ext(next: u8, offset: usize, more: bool, id: u32) -> Vec<u8> {
    let field = (offset as u16) | u16::from(more); // offset is a multiple of 8
    let mut v = vec![next, 0];
    v.extend_from_slice(&field.to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v
}

/// A UDP segment (header + payload) from 4000 to 53.
fn udp_segment(payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    PacketBuilder::ipv4(V4_A, V4_B, 64)
        .udp(4000, 53)
        .write(&mut v, payload)
        .expect("udp");
    v.split_off(20)
}

/// A TCP segment with options, from 1234 to 80.
fn tcp_segment(payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    PacketBuilder::ipv4(V4_A, V4_B, 64)
        .tcp(1234, 80, 1000, 512)
        .psh()
        .ack(77)
        .options(&[
            TcpOptionElement::MaximumSegmentSize(1460),
            TcpOptionElement::Timestamp(1, 2),
        ])
        .expect("options")
        .write(&mut v, payload)
        .expect("tcp");
    v.split_off(20)
}

fn payload_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

/// A small deterministic PRNG (xorshift64*), so tests need no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------- link layers

#[test]
fn ethernet_ipv4_tcp_with_options() {
    let data = b"GET / HTTP/1.1\r\n\r\n";
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4(V4_A, V4_B, 33)
        .tcp(1234, 80, 1000, 512)
        .syn()
        .ack(77)
        .options(&[
            TcpOptionElement::MaximumSegmentSize(1460),
            TcpOptionElement::WindowScale(7),
            TcpOptionElement::SelectiveAcknowledgementPermitted,
            TcpOptionElement::Timestamp(5, 6),
        ])
        .expect("options")
        .write(&mut frame, data)
        .expect("build");
    let mut d = decoder();
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(p.src_mac, Some(MAC_A));
    assert_eq!(p.dst_mac, Some(MAC_B));
    assert_eq!(p.vlans, Vlans::default());
    assert_eq!(p.src, IpAddr::from(V4_A));
    assert_eq!(p.dst, IpAddr::from(V4_B));
    assert_eq!(p.ip_proto, PROTO_TCP);
    assert_eq!(p.ttl, 33);
    assert_eq!(p.ip_len as usize, frame.len() - 14);
    assert!(!p.reassembled);
    assert_eq!(
        p.transport,
        Transport::Tcp {
            src_port: 1234,
            dst_port: 80,
            seq: 1000,
            ack: 77,
            flags: TcpFlags(TcpFlags::SYN | TcpFlags::ACK),
            window: 512,
        }
    );
    assert_eq!(p.payload, data);
    let c = d.counters();
    assert_eq!((c.pkts, c.bytes), (1, frame.len() as u64));
    assert_eq!((c.ethernet, c.ipv4, c.tcp, c.invalid), (1, 1, 1, 0));
}

#[test]
fn ipv4_with_options() {
    // Record Route (7), length 7, pointer 4, one empty slot; then End.
    let options = [7, 7, 4, 0, 0, 0, 0, 0];
    let seg = udp_segment(b"opts");
    let mut ip = ipv4_header(PROTO_UDP, V4_A, V4_B, seg.len(), 99, false, 0, &options);
    ip.extend_from_slice(&seg);
    let mut d = decoder();
    let p = packet(&mut d, LinkType::Ethernet, &eth(0x0800, &ip));
    assert_eq!(p.ip_id, 99);
    assert_eq!(p.ip_len as usize, 28 + seg.len());
    assert_eq!(p.transport.ports(), (4000, 53));
    assert_eq!(p.payload, b"opts");
}

#[test]
fn single_vlan_and_qinq() {
    let ip = ipv4(PROTO_UDP, &udp_segment(b"x"));

    let mut d = decoder();
    let p = packet(
        &mut d,
        LinkType::Ethernet,
        &tagged(&[(0x8100, 100)], 0x0800, &ip),
    );
    assert_eq!(p.vlans, Vlans([100, 0]));
    assert_eq!(p.src_mac, Some(MAC_A));
    assert_eq!(p.payload, b"x");
    assert_eq!((d.counters().vlan, d.counters().vlan_qinq), (1, 0));

    for outer in [0x88a8u16, 0x9100, 0x8100] {
        let mut d = decoder();
        let frame = tagged(&[(outer, 10), (0x8100, 20)], 0x0800, &ip);
        let p = packet(&mut d, LinkType::Ethernet, &frame);
        assert_eq!(p.vlans, Vlans([10, 20]));
        assert_eq!(p.vlans.ids().collect::<Vec<_>>(), vec![10, 20]);
        assert_eq!(p.payload, b"x");
        assert_eq!((d.counters().vlan, d.counters().vlan_qinq), (1, 1));
    }

    // The builder's double VLAN agrees.
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .double_vlan(
            etherparse::VlanId::try_new(5).expect("id"),
            etherparse::VlanId::try_new(6).expect("id"),
        )
        .ipv6(V6_A, V6_B, 9)
        .udp(1, 2)
        .write(&mut frame, b"qq")
        .expect("build");
    let mut d = decoder();
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(p.vlans, Vlans([5, 6]));
    assert_eq!(p.payload, b"qq");
}

#[test]
fn three_vlan_tags_are_invalid() {
    let ip = ipv4(PROTO_UDP, &udp_segment(b"x"));
    let frame = tagged(&[(0x88a8, 10), (0x8100, 20), (0x8100, 30)], 0x0800, &ip);
    assert_invalid(
        LinkType::Ethernet,
        &frame,
        frame.len(),
        "decoder.event.vlan.header_too_many_layers",
    );
}

fn sll_frame(halen: u16, protocol: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 1]; // to us, ARPHRD_ETHER
    v.extend_from_slice(&halen.to_be_bytes());
    v.extend_from_slice(&MAC_A);
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&protocol.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn sll2_frame(halen: u8, protocol: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = protocol.to_be_bytes().to_vec();
    v.extend_from_slice(&[0, 0]); // reserved
    v.extend_from_slice(&3u32.to_be_bytes()); // ifindex
    v.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
    v.push(0); // to us
    v.push(halen);
    v.extend_from_slice(&MAC_A);
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(payload);
    v
}

#[test]
fn linux_cooked_v1_and_v2() {
    // etherparse's builder writes SLL v1.
    let mut frame = Vec::new();
    PacketBuilder::linux_sll(LinuxSllPacketType::HOST, 6, [2, 0, 0, 0, 0, 0x0a, 0, 0])
        .ipv4(V4_A, V4_B, 20)
        .udp(4000, 53)
        .write(&mut frame, b"sll")
        .expect("build");
    let mut d = decoder();
    let p = packet(&mut d, LinkType::LinuxSll, &frame);
    assert_eq!(p.src_mac, Some(MAC_A));
    assert_eq!(p.dst_mac, None);
    assert_eq!(p.payload, b"sll");
    assert_eq!(d.counters().sll, 1);

    let ip6 = ipv6(PROTO_UDP, &udp_segment(b"six"));
    let p = packet(&mut d, LinkType::LinuxSll, &sll_frame(0, 0x86dd, &ip6));
    assert_eq!(p.src_mac, None);
    assert_eq!(p.payload, b"six");

    let ip = ipv4(PROTO_UDP, &udp_segment(b"two"));
    let p = packet(&mut d, LinkType::LinuxSll2, &sll2_frame(6, 0x0800, &ip));
    assert_eq!(p.src_mac, Some(MAC_A));
    assert_eq!(p.payload, b"two");
    let p = packet(&mut d, LinkType::LinuxSll2, &sll2_frame(4, 0x86dd, &ip6));
    assert_eq!(p.src_mac, None);
    assert_eq!(p.src, IpAddr::from(V6_A));

    // VLAN tag kept by the cooked header.
    let inner = &tagged(&[(0x8100, 42)], 0x0800, &ip)[14..];
    let p = packet(&mut d, LinkType::LinuxSll2, &sll2_frame(6, 0x8100, inner));
    assert_eq!(p.vlans, Vlans([42, 0]));

    assert_eq!(
        run(&mut d, LinkType::LinuxSll, &sll_frame(6, 0x0806, &[0; 28])),
        Out::NotIp
    );
    assert_eq!(d.counters().sll, 6);
    assert_eq!(d.counters().not_ip, 1);
}

#[test]
fn raw_and_bare_ip_link_types() {
    let ip4 = ipv4(PROTO_UDP, &udp_segment(b"four"));
    let ip6 = ipv6(PROTO_UDP, &udp_segment(b"six"));
    let mut d = decoder();
    assert_eq!(packet(&mut d, LinkType::Raw, &ip4).payload, b"four");
    assert_eq!(packet(&mut d, LinkType::Raw, &ip6).payload, b"six");
    assert_eq!(packet(&mut d, LinkType::Ipv4, &ip4).src, IpAddr::from(V4_A));
    assert_eq!(packet(&mut d, LinkType::Ipv6, &ip6).src, IpAddr::from(V6_A));
    let c = d.counters();
    assert_eq!((c.raw, c.ipv4, c.ipv6, c.udp), (4, 2, 2, 4));

    assert_invalid(
        LinkType::Raw,
        &[],
        0,
        "decoder.event.ipraw.invalid_ip_version",
    );
    let mut bad = ip4.clone();
    bad[0] = 0x55;
    assert_invalid(
        LinkType::Raw,
        &bad,
        bad.len(),
        "decoder.event.ipraw.invalid_ip_version",
    );
    assert_invalid(
        LinkType::Ipv4,
        &ip6,
        ip6.len(),
        "decoder.event.ipv4.wrong_ip_version",
    );
    let big4 = ipv4(PROTO_UDP, &udp_segment(&[0; 20]));
    assert_invalid(
        LinkType::Ipv6,
        &big4,
        big4.len(),
        "decoder.event.ipv6.wrong_ip_version",
    );
}

#[test]
fn null_and_loop_link_types() {
    let ip4 = ipv4(PROTO_UDP, &udp_segment(b"four"));
    let ip6 = ipv6(PROTO_UDP, &udp_segment(b"six"));
    let with = |af: [u8; 4], ip: &[u8]| {
        let mut v = af.to_vec();
        v.extend_from_slice(ip);
        v
    };
    let mut d = decoder();
    // Little-endian (every BSD / macOS capture in practice).
    assert_eq!(
        packet(&mut d, LinkType::Null, &with(2u32.to_le_bytes(), &ip4)).payload,
        b"four"
    );
    for af in [24u32, 28, 30] {
        let p = packet(&mut d, LinkType::Null, &with(af.to_le_bytes(), &ip6));
        assert_eq!(p.payload, b"six");
    }
    // Big-endian hosts.
    assert_eq!(
        packet(&mut d, LinkType::Null, &with(2u32.to_be_bytes(), &ip4)).payload,
        b"four"
    );
    assert_eq!(
        packet(&mut d, LinkType::Null, &with(30u32.to_be_bytes(), &ip6)).payload,
        b"six"
    );
    // LOOP is always big-endian.
    assert_eq!(
        packet(&mut d, LinkType::Loop, &with(2u32.to_be_bytes(), &ip4)).payload,
        b"four"
    );
    assert_eq!(
        packet(&mut d, LinkType::Loop, &with(24u32.to_be_bytes(), &ip6)).payload,
        b"six"
    );
    assert_eq!(
        run(&mut d, LinkType::Loop, &with(2u32.to_le_bytes(), &ip4)),
        Out::NotIp
    );
    assert_eq!(
        run(&mut d, LinkType::Null, &with(7u32.to_le_bytes(), &ip4)),
        Out::NotIp
    );
    assert_eq!(d.counters().null, 10);
    assert_eq!(d.counters().not_ip, 2);

    assert_invalid(
        LinkType::Null,
        &[2, 0, 0],
        3,
        "decoder.event.null.pkt_too_small",
    );
    assert_invalid(LinkType::Loop, &[], 0, "decoder.event.null.pkt_too_small");
}

#[test]
fn non_ip_frames_are_counted_not_ip() {
    let mut d = decoder();
    assert_eq!(
        run(&mut d, LinkType::Ethernet, &eth(0x0806, &[0; 28])),
        Out::NotIp
    ); // ARP
    assert_eq!(
        run(&mut d, LinkType::Ethernet, &eth(0x88cc, &[0; 46])),
        Out::NotIp
    ); // LLDP
    assert_eq!(
        run(&mut d, LinkType::Ethernet, &eth(0x0026, &[0; 46])),
        Out::NotIp
    ); // 802.3
    let c = d.counters();
    assert_eq!((c.pkts, c.not_ip, c.invalid, c.ethernet), (3, 3, 0, 3));
}

/// An ARP request (broadcast) and reply over Ethernet, one in a VLAN.
fn arp_body(op: u8, sender: [u8; 6], sip: [u8; 4], target: [u8; 6], tip: [u8; 4]) -> Vec<u8> {
    let mut b = vec![0, 1, 0x08, 0x00, 6, 4, 0, op];
    b.extend_from_slice(&sender);
    b.extend_from_slice(&sip);
    b.extend_from_slice(&target);
    b.extend_from_slice(&tip);
    b
}

#[test]
fn arp_requests_and_replies_are_handed_on_and_counted_not_ip() {
    let mut d = decoder();
    let pump = [0x00, 0x09, 0xfb, 0x01, 0x02, 0x03];
    let req = arp_body(1, pump, [10, 20, 30, 7], [0; 6], [10, 20, 30, 1]);
    match run(&mut d, LinkType::Ethernet, &eth(0x0806, &req)) {
        Out::Arp(a) => {
            assert_eq!(a.op, 1);
            assert_eq!(a.sender_mac, pump);
            assert_eq!(a.sender_ip, std::net::Ipv4Addr::new(10, 20, 30, 7));
            assert_eq!(a.target_ip, std::net::Ipv4Addr::new(10, 20, 30, 1));
        }
        other => panic!("{other:?}"),
    }
    let gw = [0x3c, 0xec, 0xef, 0, 0, 1];
    let mut tagged = vec![0x00, 0x2a]; // VLAN 42
    tagged.extend_from_slice(&0x0806u16.to_be_bytes());
    tagged.extend_from_slice(&arp_body(2, gw, [10, 20, 30, 1], pump, [10, 20, 30, 7]));
    match run(&mut d, LinkType::Ethernet, &eth(0x8100, &tagged)) {
        Out::Arp(a) => {
            assert_eq!((a.op, a.sender_mac, a.target_mac), (2, gw, pump));
            assert_eq!(a.vlans.0, [42, 0]);
        }
        other => panic!("{other:?}"),
    }
    // Truncated, other hardware or protocol types, other opcodes: not IP.
    for body in [
        req[..27].to_vec(),
        [&[0, 6][..], &req[2..]].concat(),
        [&req[..2], &[0x86, 0xdd], &req[4..]].concat(),
        [&req[..6], &[0, 3], &req[8..]].concat(),
    ] {
        assert_eq!(
            run(&mut d, LinkType::Ethernet, &eth(0x0806, &body)),
            Out::NotIp
        );
    }
    assert_eq!(d.counters().not_ip, 6);
}

// ---------------------------------------------------------------- IP and transport

#[test]
fn udp_icmp_and_other_protocols() {
    let mut d = decoder();

    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4(V4_A, V4_B, 64)
        .icmpv4_echo_request(0x1234, 1)
        .write(&mut frame, b"ping")
        .expect("build");
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(
        p.transport,
        Transport::Icmpv4 {
            icmp_type: 8,
            icmp_code: 0
        }
    );
    assert_eq!(p.payload, b"ping");
    assert_eq!(p.ip_proto, 1);

    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6(V6_A, V6_B, 64)
        .icmpv6_echo_reply(0x1234, 1)
        .write(&mut frame, b"pong")
        .expect("build");
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(
        p.transport,
        Transport::Icmpv6 {
            icmp_type: 129,
            icmp_code: 0
        }
    );
    assert_eq!(p.payload, b"pong");
    assert_eq!(p.ip_proto, 58);

    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6(V6_A, V6_B, 64)
        .udp(5353, 5353)
        .write(&mut frame, b"mdns")
        .expect("build");
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(
        p.transport,
        Transport::Udp {
            src_port: 5353,
            dst_port: 5353
        }
    );
    assert_eq!(p.payload, b"mdns");
    assert_eq!(p.ip_len, 40 + 8 + 4);

    // GRE: passed on with the whole IP payload.
    let p = packet(&mut d, LinkType::Raw, &ipv4(47, b"\0\0\x08\0gre-body"));
    assert_eq!(p.transport, Transport::Other);
    assert_eq!(p.ip_proto, 47);
    assert_eq!(p.payload, b"\0\0\x08\0gre-body");

    // ICMPv6 over IPv4 is not ICMP.
    let p = packet(
        &mut d,
        LinkType::Raw,
        &ipv4(58, &[128, 0, 0, 0, 0, 0, 0, 0]),
    );
    assert_eq!(p.transport, Transport::Other);

    let c = d.counters();
    assert_eq!(
        (c.icmpv4, c.icmpv6, c.udp, c.other_ip, c.invalid),
        (1, 1, 1, 2, 0)
    );
}

#[test]
fn icmp_echo_id_and_seq() {
    let mut d = decoder();
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4(V4_A, V4_B, 64)
        .icmpv4_echo_request(0x5515, 0x08a8)
        .write(&mut frame, b"ping")
        .expect("build");
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(
        p.icmp_echo,
        Some(IcmpEcho {
            id: 0x5515,
            seq: 0x08a8
        })
    );

    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6(V6_A, V6_B, 64)
        .icmpv6_echo_reply(7, 9)
        .write(&mut frame, b"pong")
        .expect("build");
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(p.icmp_echo, Some(IcmpEcho { id: 7, seq: 9 }));

    // Destination unreachable: bytes 4-7 are unused, not an id and sequence.
    let p = packet(
        &mut d,
        LinkType::Raw,
        &ipv4(1, &[3, 1, 0, 0, 0x12, 0x34, 0x56, 0x78]),
    );
    assert_eq!(p.icmp_echo, None);
    // ICMPv6 packet too big: bytes 4-7 are the MTU.
    let p = packet(
        &mut d,
        LinkType::Raw,
        &ipv6(58, &[2, 0, 0, 0, 0, 0, 0x05, 0xdc]),
    );
    assert_eq!(p.icmp_echo, None);
    let p = packet(&mut d, LinkType::Raw, &ipv4(PROTO_UDP, &udp_segment(b"x")));
    assert_eq!(p.icmp_echo, None);
}

#[test]
fn ipv4_flags() {
    let mut d = decoder();
    let flagged = |flags: u16| {
        let mut ip = ipv4(PROTO_UDP, &udp_segment(b"x"));
        // etherparse sets DF by default: replace the three flag bits.
        let word = (u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff) | flags;
        ip[6..8].copy_from_slice(&word.to_be_bytes());
        // The decoder does not verify the header checksum.
        ip
    };
    assert_eq!(
        packet(&mut d, LinkType::Raw, &flagged(0)).ip_flags,
        IpFlags(0)
    );
    let p = packet(&mut d, LinkType::Raw, &flagged(0x4000));
    assert_eq!(p.ip_flags, IpFlags(IpFlags::DF));
    let p = packet(&mut d, LinkType::Raw, &flagged(0xc000));
    assert_eq!(p.ip_flags, IpFlags(IpFlags::DF | IpFlags::RF));
    let p = packet(&mut d, LinkType::Raw, &ipv6(PROTO_UDP, &udp_segment(b"x")));
    assert_eq!(p.ip_flags, IpFlags(0));
}

#[test]
fn reassembled_datagram_flags_and_echo_come_from_the_whole() {
    // An ICMP echo request fragmented in three: the first fragment (MF and
    // RF set, DF cleared) holds the ICMP header.
    let mut icmp = vec![8, 0, 0, 0, 0x12, 0x34, 0, 5];
    icmp.extend_from_slice(&payload_bytes(40));
    let mut frames = v4_fragments(1, 0x99, &icmp, 24);
    let first = &mut frames[0];
    // The IPv4 flags byte, after the Ethernet header: RF | MF.
    first[14 + 6] = (first[14 + 6] & 0x1f) | 0xa0;
    let mut d = decoder();
    let Out::Packet(p) = feed(&mut d, &frames) else {
        panic!("not reassembled: {:?}", d.counters())
    };
    assert!(p.reassembled);
    assert_eq!(p.icmp_echo, Some(IcmpEcho { id: 0x1234, seq: 5 }));
    assert_eq!(p.ip_flags, IpFlags(IpFlags::RF));
}

#[test]
fn ipv6_extension_headers() {
    // hop-by-hop, destination options, atomic fragment, destination options, TCP.
    let seg = tcp_segment(b"hello");
    let mut payload = opts_ext(60);
    payload.extend_from_slice(&opts_ext(44));
    payload.extend_from_slice(&frag_ext(60, 0, false, 0xdead_beef));
    payload.extend_from_slice(&opts_ext(PROTO_TCP));
    payload.extend_from_slice(&seg);
    let ip = ipv6(0, &payload);
    let mut d = decoder();
    let p = packet(&mut d, LinkType::Ethernet, &eth(0x86dd, &ip));
    assert_eq!(p.ip_proto, PROTO_TCP);
    assert_eq!(p.ip_id, 0xdead_beef);
    assert_eq!(p.ip_len as usize, ip.len());
    assert_eq!(p.ttl, 63);
    assert_eq!(p.transport.ports(), (1234, 80));
    assert_eq!(p.payload, b"hello");

    // Routing header (type 0 with no addresses) and AH (12 bytes of ICV).
    let mut payload = vec![51, 0, 0, 0, 0, 0, 0, 0]; // routing -> AH
    payload.extend_from_slice(&[PROTO_UDP, 4, 0, 0]); // AH: next, len=(24/4)-2
    payload.extend_from_slice(&[0; 20]);
    payload.extend_from_slice(&udp_segment(b"ah"));
    let p = packet(&mut d, LinkType::Raw, &ipv6(43, &payload));
    assert_eq!(p.ip_proto, PROTO_UDP);
    assert_eq!(p.payload, b"ah");

    // ESP: the rest is opaque.
    let p = packet(&mut d, LinkType::Raw, &ipv6(50, b"spi-seq-ciphertext"));
    assert_eq!((p.ip_proto, p.transport), (50, Transport::Other));
    assert_eq!(p.payload, b"spi-seq-ciphertext");
}

#[test]
fn ipv6_extension_header_errors() {
    // Hop-by-hop after another header.
    let mut payload = opts_ext(0);
    payload.extend_from_slice(&opts_ext(PROTO_UDP));
    payload.extend_from_slice(&udp_segment(b"x"));
    let ip = ipv6(60, &payload);
    assert_invalid(
        LinkType::Raw,
        &ip,
        ip.len(),
        "decoder.event.ipv6.exthdr_invalid",
    );

    // Header length runs past the payload length.
    let mut payload = vec![PROTO_UDP, 5, 1, 4, 0, 0, 0, 0];
    payload.extend_from_slice(&udp_segment(b"x"));
    let ip = ipv6(60, &payload);
    assert_invalid(
        LinkType::Raw,
        &ip,
        ip.len(),
        "decoder.event.ipv6.exthdr_invalid",
    );

    // AH with a zero length.
    let ip = ipv6(
        51,
        &[PROTO_UDP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    assert_invalid(
        LinkType::Raw,
        &ip,
        ip.len(),
        "decoder.event.ipv6.exthdr_invalid",
    );

    // Two fragment headers.
    let mut payload = frag_ext(44, 0, false, 1);
    payload.extend_from_slice(&frag_ext(PROTO_UDP, 0, false, 1));
    payload.extend_from_slice(&udp_segment(b"x"));
    let ip = ipv6(44, &payload);
    assert_invalid(
        LinkType::Raw,
        &ip,
        ip.len(),
        "decoder.event.ipv6.exthdr_invalid",
    );

    // A chain longer than the limit.
    let mut payload = Vec::new();
    for _ in 0..20 {
        payload.extend_from_slice(&opts_ext(60));
    }
    let ip = ipv6(60, &payload);
    assert_invalid(
        LinkType::Raw,
        &ip,
        ip.len(),
        "decoder.event.ipv6.exthdr_invalid",
    );

    // The snaplen cut an extension header: truncated, not malformed.
    let mut payload = opts_ext(60);
    payload.extend_from_slice(&[PROTO_UDP, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    payload.extend_from_slice(&udp_segment(b"x"));
    let ip = ipv6(0, &payload);
    assert_invalid(
        LinkType::Raw,
        &ip[..52],
        ip.len(),
        "decoder.event.ipv6.trunc_pkt",
    );
}

#[test]
fn truncated_frames_at_each_layer() {
    use LinkType::*;
    let tcp4 = eth(0x0800, &ipv4(PROTO_TCP, &tcp_segment(b"data")));
    let len = tcp4.len();

    assert_invalid(
        Ethernet,
        &tcp4[..13],
        13,
        "decoder.event.ethernet.pkt_too_small",
    );
    let short = eth(0x8100, &[0x20]);
    assert_invalid(
        Ethernet,
        &short,
        short.len(),
        "decoder.event.vlan.pkt_too_small",
    );
    let short = tagged(&[(0x88a8, 1), (0x8100, 2)], 0x0800, &[])[..14 + 7].to_vec();
    assert_invalid(
        Ethernet,
        &short,
        short.len(),
        "decoder.event.vlan.pkt_too_small",
    );
    assert_invalid(LinuxSll, &[0; 15], 15, "decoder.event.sll.pkt_too_small");
    assert_invalid(LinuxSll2, &[0; 19], 19, "decoder.event.sll.pkt_too_small");

    // IPv4: shorter than a header on the wire.
    assert_invalid(
        Ethernet,
        &tcp4[..14 + 19],
        14 + 19,
        "decoder.event.ipv4.pkt_too_small",
    );
    // A whole header on the wire, but the snaplen cut it.
    assert_invalid(
        Ethernet,
        &tcp4[..14 + 19],
        len,
        "decoder.event.ipv4.trunc_pkt",
    );
    // The total length claims more than was on the wire.
    assert_invalid(
        Ethernet,
        &tcp4[..len - 1],
        len - 1,
        "decoder.event.ipv4.trunc_pkt",
    );
    let mut bad = tcp4.clone();
    bad[14] = 0x44; // IHL 4
    assert_invalid(Ethernet, &bad, len, "decoder.event.ipv4.hlen_too_small");
    let mut bad = tcp4.clone();
    bad[16..18].copy_from_slice(&19u16.to_be_bytes());
    assert_invalid(
        Ethernet,
        &bad,
        len,
        "decoder.event.ipv4.iplen_smaller_than_hlen",
    );
    let mut bad = tcp4.clone();
    bad[14] = 0x65;
    assert_invalid(Ethernet, &bad, len, "decoder.event.ipv4.wrong_ip_version");
    // Options cut by the snaplen.
    let mut opt = ipv4_header(PROTO_UDP, V4_A, V4_B, 9, 1, false, 0, &[1, 1, 1, 1]);
    opt.extend_from_slice(&udp_segment(b"o"));
    let opt = eth(0x0800, &opt);
    assert_invalid(
        Ethernet,
        &opt[..14 + 22],
        opt.len(),
        "decoder.event.ipv4.trunc_pkt",
    );

    // IPv6.
    let udp6 = eth(0x86dd, &ipv6(PROTO_UDP, &udp_segment(b"data")));
    let len6 = udp6.len();
    assert_invalid(
        Ethernet,
        &udp6[..14 + 39],
        14 + 39,
        "decoder.event.ipv6.pkt_too_small",
    );
    assert_invalid(
        Ethernet,
        &udp6[..14 + 39],
        len6,
        "decoder.event.ipv6.trunc_pkt",
    );
    assert_invalid(
        Ethernet,
        &udp6[..len6 - 1],
        len6 - 1,
        "decoder.event.ipv6.trunc_pkt",
    );
    let mut bad = udp6.clone();
    bad[14] = 0x40;
    assert_invalid(Ethernet, &bad, len6, "decoder.event.ipv6.wrong_ip_version");

    // TCP.
    let ip = ipv4(PROTO_TCP, &tcp_segment(b"")[..10]);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.tcp.pkt_too_small");
    let mut seg = tcp_segment(b"");
    seg[12] = 0xf0; // 60-byte header in 32 bytes
    let ip = ipv4(PROTO_TCP, &seg);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.tcp.hlen_too_small");
    seg[12] = 0x30; // data offset 3
    let ip = ipv4(PROTO_TCP, &seg);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.tcp.invalid_optlen");
    // TCP options cut by the snaplen.
    let ip = ipv4(PROTO_TCP, &tcp_segment(b"payload"));
    assert_invalid(
        Raw,
        &ip[..20 + 24],
        ip.len(),
        "decoder.event.tcp.hlen_too_small",
    );

    // UDP.
    let ip = ipv4(PROTO_UDP, &[0, 53, 0, 53]);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.udp.pkt_too_small");
    let mut seg = udp_segment(b"abc");
    seg[4..6].copy_from_slice(&4u16.to_be_bytes());
    let ip = ipv4(PROTO_UDP, &seg);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.udp.len_invalid");
    seg[4..6].copy_from_slice(&12u16.to_be_bytes());
    let ip = ipv4(PROTO_UDP, &seg);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.udp.len_invalid");

    // ICMP.
    let ip = ipv4(1, &[8, 0, 0, 0]);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.icmpv4.pkt_too_small");
    let ip = ipv6(58, &[128, 0, 0, 0, 0, 0, 0]);
    assert_invalid(Raw, &ip, ip.len(), "decoder.event.icmpv6.pkt_too_small");
}

#[test]
fn snaplen_truncated_payload_still_decodes() {
    let body = payload_bytes(1000);
    let frame = eth(0x0800, &ipv4(PROTO_TCP, &tcp_segment(&body)));
    let snaplen = 14 + 20 + tcp_segment(b"").len() + 100;
    let mut d = decoder();
    let out = run_at(
        &mut d,
        LinkType::Ethernet,
        &frame[..snaplen],
        frame.len(),
        ts(0),
    );
    let Out::Packet(p) = out else {
        panic!("{out:?}")
    };
    assert_eq!(p.payload, &body[..100]);
    assert_eq!(p.ip_len as usize, frame.len() - 14);
    assert_eq!(p.transport.ports(), (1234, 80));
    assert_eq!(d.counters().invalid, 0);
    assert_eq!(d.counters().bytes, frame.len() as u64);

    // Same for UDP over IPv6, cut in the middle of the payload.
    let frame = eth(0x86dd, &ipv6(PROTO_UDP, &udp_segment(&body)));
    let out = run_at(
        &mut d,
        LinkType::Ethernet,
        &frame[..200],
        frame.len(),
        ts(0),
    );
    let Out::Packet(p) = out else {
        panic!("{out:?}")
    };
    assert_eq!(p.payload, &body[..200 - 14 - 40 - 8]);
    assert_eq!(d.counters().invalid, 0);
}

#[test]
fn ethernet_padding_is_trimmed() {
    let mut frame = eth(0x0800, &ipv4(PROTO_UDP, &udp_segment(b"hi")));
    assert!(frame.len() < 60);
    frame.resize(60, 0);
    let mut d = decoder();
    let p = packet(&mut d, LinkType::Ethernet, &frame);
    assert_eq!(p.payload, b"hi");
    assert_eq!(p.ip_len, 20 + 8 + 2);

    let mut frame = eth(0x0800, &ipv4(PROTO_TCP, &tcp_segment(b"")));
    frame.resize(80, 0xee); // trailer garbage
    assert_eq!(packet(&mut d, LinkType::Ethernet, &frame).payload, b"");

    let mut frame = eth(0x86dd, &ipv6(58, &[128, 0, 0, 0, 0, 1, 0, 1, 0xaa]));
    frame.resize(90, 0);
    assert_eq!(packet(&mut d, LinkType::Ethernet, &frame).payload, [0xaa]);

    // A UDP length below the IP payload: the rest is not UDP data.
    let mut seg = udp_segment(b"abcdef");
    seg[4..6].copy_from_slice(&10u16.to_be_bytes());
    assert_eq!(
        packet(&mut d, LinkType::Raw, &ipv4(PROTO_UDP, &seg)).payload,
        b"ab"
    );
}

// ---------------------------------------------------------------- defragmentation

/// Ethernet frames carrying `ip_payload` cut into IPv4 fragments of `chunk`
/// bytes (a multiple of 8).
fn v4_fragments(proto: u8, id: u16, ip_payload: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    ip_payload
        .chunks(chunk)
        .enumerate()
        .map(|(i, part)| {
            v4_fragment(
                proto,
                id,
                i * chunk,
                (i + 1) * chunk < ip_payload.len(),
                part,
            )
        })
        .collect()
}

fn v4_fragment(proto: u8, id: u16, offset: usize, more: bool, part: &[u8]) -> Vec<u8> {
    let mut ip = ipv4_header(proto, V4_A, V4_B, part.len(), id, more, offset, &[]);
    ip.extend_from_slice(part);
    eth(0x0800, &ip)
}

/// IPv6 fragments with a hop-by-hop header in the unfragmentable part.
fn v6_fragments(next: u8, id: u32, fragmentable: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    fragmentable
        .chunks(chunk)
        .enumerate()
        .map(|(i, part)| {
            v6_fragment(
                next,
                id,
                i * chunk,
                (i + 1) * chunk < fragmentable.len(),
                part,
            )
        })
        .collect()
}

fn v6_fragment(next: u8, id: u32, offset: usize, more: bool, part: &[u8]) -> Vec<u8> {
    let mut payload = opts_ext(44);
    payload.extend_from_slice(&frag_ext(next, offset, more, id));
    payload.extend_from_slice(part);
    eth(0x86dd, &ipv6(0, &payload))
}

/// Feeds `frames` in order; all but the last must be held; returns the last outcome.
fn feed(d: &mut Decoder, frames: &[Vec<u8>]) -> Out {
    let mut last = Out::Invalid;
    for (i, f) in frames.iter().enumerate() {
        last = run_at(d, LinkType::Ethernet, f, f.len(), ts(i as u64 / 100));
        if i + 1 < frames.len() {
            assert_eq!(last, Out::Held, "fragment {i}");
        }
    }
    last
}

#[test]
fn ipv4_fragments_any_order() {
    let body = payload_bytes(3000);
    let seg = udp_segment(&body);
    let frames = v4_fragments(PROTO_UDP, 0x4242, &seg, 1480);
    assert_eq!(frames.len(), 3);

    let mut orders: Vec<Vec<usize>> = vec![vec![0, 1, 2], vec![2, 1, 0], vec![1, 2, 0]];
    let mut rng = Rng(7);
    for _ in 0..5 {
        let mut o = vec![0, 1, 2];
        rng.shuffle(&mut o);
        orders.push(o);
    }
    for order in orders {
        let mut d = decoder();
        let ordered: Vec<_> = order.iter().map(|&i| frames[i].clone()).collect();
        let Out::Packet(p) = feed(&mut d, &ordered) else {
            panic!("{order:?}")
        };
        assert!(p.reassembled);
        assert_eq!(p.payload, body, "{order:?}");
        assert_eq!(p.transport.ports(), (4000, 53));
        assert_eq!(p.ip_proto, PROTO_UDP);
        assert_eq!(p.ip_id, 0x4242);
        assert_eq!(p.ip_len as usize, 20 + seg.len());
        assert_eq!(p.src_mac, Some(MAC_A));
        assert_eq!(p.src, IpAddr::from(V4_A));
        let dc = d.defrag_counters();
        assert_eq!(
            (dc.ipv4_fragments, dc.ipv4_reassembled, dc.overlap),
            (3, 1, 0)
        );
        let c = d.counters();
        assert_eq!((c.pkts, c.ipv4, c.udp, c.invalid), (3, 3, 1, 0));
        assert_eq!(d.defrag.held_bytes(), 0);
        assert_eq!(d.defrag.tracked(), 0);
    }
}

#[test]
fn ipv4_many_small_fragments_shuffled() {
    let body = payload_bytes(2000);
    let seg = tcp_segment(&body);
    let frames = v4_fragments(PROTO_TCP, 9, &seg, 64);
    let mut rng = Rng(99);
    for _ in 0..20 {
        let mut ordered = frames.clone();
        rng.shuffle(&mut ordered);
        let mut d = decoder();
        let Out::Packet(p) = feed(&mut d, &ordered) else {
            panic!()
        };
        assert_eq!(p.payload, body);
        assert_eq!(p.transport.ports(), (1234, 80));
    }
}

#[test]
fn ipv6_fragments_any_order() {
    // Fragmentable part: destination options, then UDP.
    let body = payload_bytes(2500);
    let mut fragmentable = opts_ext(PROTO_UDP);
    fragmentable.extend_from_slice(&udp_segment(&body));
    let frames = v6_fragments(60, 0x0102_0304, &fragmentable, 1232);
    assert_eq!(frames.len(), 3);
    for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]] {
        let mut d = decoder();
        let ordered: Vec<_> = order.iter().map(|&i| frames[i].clone()).collect();
        let Out::Packet(p) = feed(&mut d, &ordered) else {
            panic!("{order:?}")
        };
        assert!(p.reassembled);
        assert_eq!(p.payload, body);
        assert_eq!(p.ip_proto, PROTO_UDP);
        assert_eq!(p.ip_id, 0x0102_0304);
        assert_eq!(p.ttl, 63);
        // IPv6 header + hop-by-hop + reassembled fragmentable part.
        assert_eq!(p.ip_len as usize, 40 + 8 + fragmentable.len());
        assert_eq!(p.transport.ports(), (4000, 53));
        let dc = d.defrag_counters();
        assert_eq!((dc.ipv6_fragments, dc.ipv6_reassembled), (3, 1));
        assert_eq!(d.counters().ipv6, 3);
    }
}

#[test]
fn overlapping_fragments_first_arrived_wins() {
    // Datagram of 32 bytes, experimental protocol so `payload` is the whole
    // reassembled data. A = [0,16) 'A', B = [8,24) 'B' overlaps A, C = [24,32) last.
    let a = v4_fragment(PROTO_EXPERIMENT, 5, 0, true, &[b'A'; 16]);
    let b = v4_fragment(PROTO_EXPERIMENT, 5, 8, true, &[b'B'; 16]);
    let c = v4_fragment(PROTO_EXPERIMENT, 5, 24, false, &[b'C'; 8]);

    // Bytes of runs of 8: "ABBC" is A[0,8) B[8,24) C[24,32).
    let bytes = |runs: &[u8]| -> Vec<u8> { runs.iter().flat_map(|&b| [b; 8]).collect() };
    // A before B: bytes 8..16 stay A, B only fills [16,24).
    for order in [[&a, &b, &c], [&a, &c, &b], [&c, &a, &b]] {
        let mut d = decoder();
        let frames: Vec<Vec<u8>> = order.iter().map(|f| (*f).clone()).collect();
        let Out::Packet(p) = feed(&mut d, &frames) else {
            panic!()
        };
        assert_eq!(p.payload, bytes(b"AABC"));
        assert_eq!(d.defrag_counters().overlap, 1);
    }
    // B before A: bytes 8..16 are B, A only fills [0,8).
    for order in [[&b, &a, &c], [&b, &c, &a], [&c, &b, &a]] {
        let mut d = decoder();
        let frames: Vec<Vec<u8>> = order.iter().map(|f| (*f).clone()).collect();
        let Out::Packet(p) = feed(&mut d, &frames) else {
            panic!()
        };
        assert_eq!(p.payload, bytes(b"ABBC"));
        assert_eq!(d.defrag_counters().overlap, 1);
    }

    // A fragment covering several held runs and the holes between them.
    let mut d = decoder();
    let frames = vec![
        v4_fragment(PROTO_EXPERIMENT, 6, 8, true, &[1; 8]),
        v4_fragment(PROTO_EXPERIMENT, 6, 24, true, &[2; 8]),
        v4_fragment(PROTO_EXPERIMENT, 6, 40, false, &[3; 4]),
        v4_fragment(PROTO_EXPERIMENT, 6, 0, true, &[9; 40]),
    ];
    let Out::Packet(p) = feed(&mut d, &frames) else {
        panic!()
    };
    let mut want = vec![9; 8];
    want.extend_from_slice(&[1; 8]);
    want.extend_from_slice(&[9; 8]);
    want.extend_from_slice(&[2; 8]);
    want.extend_from_slice(&[9; 8]);
    want.extend_from_slice(&[3; 4]);
    assert_eq!(p.payload, want);
    assert_eq!(d.defrag_counters().overlap, 1);
}

#[test]
fn overlapping_ipv6_fragments_first_arrived_wins() {
    let a = v6_fragment(PROTO_EXPERIMENT, 1, 0, true, &[b'A'; 16]);
    let b = v6_fragment(PROTO_EXPERIMENT, 1, 8, false, &[b'B'; 16]);
    let mut d = decoder();
    let Out::Packet(p) = feed(&mut d, &[b.clone(), a.clone()]) else {
        panic!()
    };
    let mut want = vec![b'A'; 8];
    want.extend_from_slice(&[b'B'; 16]);
    assert_eq!(p.payload, want);
    let Out::Packet(p) = feed(&mut d, &[a, b]) else {
        panic!()
    };
    let mut want = vec![b'A'; 16];
    want.extend_from_slice(&[b'B'; 8]);
    assert_eq!(p.payload, want);
    assert_eq!(d.defrag_counters().overlap, 2);
}

#[test]
fn duplicated_fragments() {
    let body = payload_bytes(1000);
    let seg = udp_segment(&body);
    let frames = v4_fragments(PROTO_UDP, 3, &seg, 256);
    let n = frames.len();
    let mut dup = Vec::new();
    for f in &frames[..n - 1] {
        dup.push(f.clone());
        dup.push(f.clone());
    }
    dup.push(frames[n - 1].clone());
    let mut d = decoder();
    let Out::Packet(p) = feed(&mut d, &dup) else {
        panic!()
    };
    assert_eq!(p.payload, body);
    assert_eq!(d.defrag_counters().overlap, (n - 1) as u64);
    assert_eq!(d.defrag_counters().ipv4_reassembled, 1);
}

#[test]
fn too_many_fragments_abandon_the_datagram() {
    let mut d = decoder_with(DefragConfig {
        max_fragments: 4,
        ..DefragConfig::default()
    });
    let seg = udp_segment(&payload_bytes(100));
    let frames = v4_fragments(PROTO_UDP, 1, &seg, 16);
    assert!(frames.len() > 5);
    for f in &frames[..5] {
        assert_eq!(run(&mut d, LinkType::Ethernet, f), Out::Held);
    }
    assert_eq!(d.defrag_counters().max_frag_hits, 1);
    assert_eq!(d.defrag.tracked(), 0);
    assert_eq!(d.defrag.held_bytes(), 0);
}

#[test]
fn memcap_drops_fragments() {
    let mut d = decoder_with(DefragConfig {
        memcap: 100,
        ..DefragConfig::default()
    });
    let first = v4_fragment(PROTO_EXPERIMENT, 1, 0, true, &[0; 64]);
    let second = v4_fragment(PROTO_EXPERIMENT, 2, 0, true, &[0; 64]);
    assert_eq!(run(&mut d, LinkType::Ethernet, &first), Out::Held);
    assert_eq!(run(&mut d, LinkType::Ethernet, &second), Out::Held);
    assert_eq!(d.defrag_counters().memcap_drop, 1);
    assert_eq!(d.defrag.held_bytes(), 64);
    assert_eq!(d.defrag.tracked(), 1);
    // A duplicate adds no bytes and is not dropped; the rest completes.
    assert_eq!(run(&mut d, LinkType::Ethernet, &first), Out::Held);
    let last = v4_fragment(PROTO_EXPERIMENT, 1, 64, false, &[1; 30]);
    let Out::Packet(p) = run(&mut d, LinkType::Ethernet, &last) else {
        panic!()
    };
    assert_eq!(p.payload.len(), 94);
    assert_eq!(d.defrag_counters().memcap_drop, 1);
    assert_eq!(d.defrag.held_bytes(), 0);
}

#[test]
fn tracker_limit_drops_new_datagrams() {
    let mut d = decoder_with(DefragConfig {
        max_datagrams: 2,
        ..DefragConfig::default()
    });
    for id in 1..=3 {
        let f = v4_fragment(PROTO_EXPERIMENT, id, 0, true, &[0; 8]);
        assert_eq!(run(&mut d, LinkType::Ethernet, &f), Out::Held);
    }
    assert_eq!(d.defrag_counters().tracker_drop, 1);
    assert_eq!(d.defrag.tracked(), 2);
    // Fragments of the open datagrams still go in.
    let last = v4_fragment(PROTO_EXPERIMENT, 1, 8, false, &[1; 8]);
    assert!(matches!(
        run(&mut d, LinkType::Ethernet, &last),
        Out::Packet(_)
    ));
    // Full again (ids 2 and 4), then a new one is dropped.
    let at = |d: &mut Decoder, id: u16, secs: u64| {
        let f = v4_fragment(PROTO_EXPERIMENT, id, 0, true, &[0; 8]);
        run_at(d, LinkType::Ethernet, &f, f.len(), ts(secs))
    };
    assert_eq!(at(&mut d, 4, 1), Out::Held);
    assert_eq!(at(&mut d, 5, 1), Out::Held);
    assert_eq!(d.defrag_counters().tracker_drop, 2);
    // Once the old ones time out, a new datagram finds room again.
    assert_eq!(at(&mut d, 6, 100), Out::Held);
    assert_eq!(d.defrag_counters().tracker_drop, 2);
    assert_eq!(d.defrag_counters().timeout, 2);
    assert_eq!(d.defrag.tracked(), 1);
}

#[test]
fn timeout_by_expire_and_lazily() {
    let mut d = decoder();
    let first = v4_fragment(PROTO_EXPERIMENT, 1, 0, true, &[0; 8]);
    let last = v4_fragment(PROTO_EXPERIMENT, 1, 8, false, &[0; 8]);
    assert_eq!(
        run_at(&mut d, LinkType::Ethernet, &first, first.len(), ts(0)),
        Out::Held
    );
    d.expire(ts(59));
    assert_eq!(d.defrag.tracked(), 1);
    d.expire(ts(60));
    assert_eq!(d.defrag.tracked(), 0);
    assert_eq!(d.defrag.held_bytes(), 0);
    assert_eq!(d.defrag_counters().timeout, 1);

    // Lazily: the stale datagram does not complete with a late fragment.
    assert_eq!(
        run_at(&mut d, LinkType::Ethernet, &first, first.len(), ts(100)),
        Out::Held
    );
    assert_eq!(
        run_at(&mut d, LinkType::Ethernet, &last, last.len(), ts(161)),
        Out::Held
    );
    assert_eq!(d.defrag_counters().timeout, 2);
    assert_eq!(d.defrag.tracked(), 1);
    // Within the timeout it completes.
    assert!(matches!(
        run_at(&mut d, LinkType::Ethernet, &first, first.len(), ts(170)),
        Out::Packet(_)
    ));
}

#[test]
fn fragment_sanity_checks() {
    // Ping of death: the datagram would exceed 65535 bytes.
    let f = v4_fragment(PROTO_EXPERIMENT, 1, 65_512, false, &[0; 16]);
    assert_invalid(
        LinkType::Ethernet,
        &f,
        f.len(),
        "decoder.event.ipv4.frag_pkt_too_large",
    );
    let f = v6_fragment(PROTO_EXPERIMENT, 1, 65_520, false, &[0; 16]);
    assert_invalid(
        LinkType::Ethernet,
        &f,
        f.len(),
        "decoder.event.ipv6.frag_pkt_too_large",
    );

    // Non-last fragments with no data (after trimming, for IPv4).
    let f = v4_fragment(PROTO_EXPERIMENT, 1, 8, true, &[0; 5]);
    assert_invalid(
        LinkType::Ethernet,
        &f,
        f.len(),
        "decoder.event.ipv4.frag_invalid_length",
    );
    let f = v6_fragment(PROTO_EXPERIMENT, 1, 8, true, &[]);
    assert_invalid(
        LinkType::Ethernet,
        &f,
        f.len(),
        "decoder.event.ipv6.frag_invalid_length",
    );
    let f = v6_fragment(PROTO_EXPERIMENT, 1, 8, true, &[0; 12]);
    assert_invalid(
        LinkType::Ethernet,
        &f,
        f.len(),
        "decoder.event.ipv6.frag_invalid_length",
    );

    // IPv4 non-last fragments are trimmed to a multiple of 8, as Linux does.
    let mut d = decoder();
    let frames = vec![
        v4_fragment(PROTO_EXPERIMENT, 2, 0, true, &[1; 13]),
        v4_fragment(PROTO_EXPERIMENT, 2, 8, false, &[2; 4]),
    ];
    let Out::Packet(p) = feed(&mut d, &frames) else {
        panic!()
    };
    assert_eq!(p.payload, [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    assert_eq!(d.defrag_counters().overlap, 0);

    // A fragment whose data the snaplen cut is dropped, not half-stored.
    let f = v4_fragment(PROTO_EXPERIMENT, 3, 0, true, &[0; 64]);
    let out = run_at(
        &mut d,
        LinkType::Ethernet,
        &f[..f.len() - 10],
        f.len(),
        ts(0),
    );
    assert_eq!(out, Out::Held);
    assert_eq!(d.defrag_counters().snaplen_drop, 1);
    assert_eq!(d.counters().invalid, 0);
}

#[test]
fn whole_packets_are_not_fragments() {
    // Offset 0, MF=0 (DF or not): not a fragment. IPv6 atomic fragment too.
    let mut d = decoder();
    let p = packet(
        &mut d,
        LinkType::Ethernet,
        &v4_fragment(PROTO_EXPERIMENT, 1, 0, false, b"whole"),
    );
    assert!(!p.reassembled);
    let p = packet(
        &mut d,
        LinkType::Ethernet,
        &v6_fragment(PROTO_EXPERIMENT, 1, 0, false, b"atomic"),
    );
    assert_eq!(p.payload, b"atomic");
    let dc = d.defrag_counters();
    assert_eq!((dc.ipv4_fragments, dc.ipv6_fragments), (0, 0));
}

#[test]
fn reassembled_datagram_with_bad_transport_is_invalid() {
    let mut seg = udp_segment(&payload_bytes(40));
    seg[4..6].copy_from_slice(&500u16.to_be_bytes());
    let frames = v4_fragments(PROTO_UDP, 8, &seg, 24);
    let mut d = decoder();
    assert_eq!(feed(&mut d, &frames), Out::Invalid);
    assert_eq!(
        nonzero(d.counters(), "decoder.event."),
        vec![("decoder.event.udp.len_invalid", 1)]
    );
    assert_eq!(d.counters().invalid, 1);
}

#[test]
fn vlans_keep_datagrams_apart() {
    let in_vlan = |vid: u16, frame: &[u8]| retag(&[(0x8100, vid)], frame);
    let a = v4_fragment(PROTO_EXPERIMENT, 1, 0, true, &[1; 8]);
    let b = v4_fragment(PROTO_EXPERIMENT, 1, 8, false, &[2; 8]);
    let mut d = decoder();
    assert_eq!(run(&mut d, LinkType::Ethernet, &in_vlan(10, &a)), Out::Held);
    assert_eq!(run(&mut d, LinkType::Ethernet, &in_vlan(20, &b)), Out::Held);
    let Out::Packet(p) = run(&mut d, LinkType::Ethernet, &in_vlan(10, &b)) else {
        panic!()
    };
    assert_eq!(p.vlans, Vlans([10, 0]));
    assert_eq!(d.defrag.tracked(), 1);
}

// ---------------------------------------------------------------- dispatch hash

#[test]
fn dispatch_hash_is_symmetric_and_fragment_stable() {
    let fwd = eth(0x0800, &ipv4(PROTO_UDP, &udp_segment(b"x")));
    let mut rev = eth(
        0x0800,
        &ipv4_header(PROTO_UDP, V4_B, V4_A, 9, 1, false, 0, &[]),
    );
    rev.extend_from_slice(&udp_segment(b"y"));
    let h = dispatch_hash(LinkType::Ethernet, &fwd);
    assert_ne!(h, 0);
    assert_eq!(h, dispatch_hash(LinkType::Ethernet, &rev));

    let mut fwd6 = ipv6_header(PROTO_UDP, 9, V6_A, V6_B);
    fwd6.extend_from_slice(&udp_segment(b"x"));
    let mut rev6 = ipv6_header(PROTO_UDP, 9, V6_B, V6_A);
    rev6.extend_from_slice(&udp_segment(b"x"));
    let h6 = dispatch_hash(LinkType::Raw, &fwd6);
    assert_ne!(h6, 0);
    assert_eq!(h6, dispatch_hash(LinkType::Raw, &rev6));
    assert_eq!(h6, dispatch_hash(LinkType::Ipv6, &rev6));
    assert_eq!(
        h6,
        dispatch_hash(LinkType::LinuxSll2, &sll2_frame(6, 0x86dd, &rev6))
    );
    assert_eq!(
        h6,
        dispatch_hash(LinkType::LinuxSll, &sll_frame(6, 0x86dd, &fwd6))
    );
    let mut null = 30u32.to_le_bytes().to_vec();
    null.extend_from_slice(&rev6);
    assert_eq!(h6, dispatch_hash(LinkType::Null, &null));
    let mut lo = 24u32.to_be_bytes().to_vec();
    lo.extend_from_slice(&fwd6);
    assert_eq!(h6, dispatch_hash(LinkType::Loop, &lo));

    // Every fragment of a datagram goes where its first fragment goes.
    let seg = udp_segment(&payload_bytes(3000));
    let frames = v4_fragments(PROTO_UDP, 77, &seg, 1480);
    for f in &frames {
        assert_eq!(dispatch_hash(LinkType::Ethernet, f), h);
    }
    let frames6 = v6_fragments(PROTO_UDP, 77, &seg, 1232);
    let hf6 = dispatch_hash(LinkType::Ethernet, &frames6[0]);
    for f in &frames6 {
        assert_eq!(dispatch_hash(LinkType::Ethernet, f), hf6);
    }
    assert_eq!(hf6, h6);

    // VLANs are part of it; QinQ both ways.
    let (t1, t2) = (retag(&[(0x8100, 10)], &fwd), retag(&[(0x8100, 10)], &rev));
    assert_eq!(
        dispatch_hash(LinkType::Ethernet, &t1),
        dispatch_hash(LinkType::Ethernet, &t2)
    );
    assert_ne!(dispatch_hash(LinkType::Ethernet, &t1), h);
    let qinq = [(0x88a8, 20), (0x8100, 10)];
    let (q1, q2) = (retag(&qinq, &fwd), retag(&qinq, &rev));
    assert_eq!(
        dispatch_hash(LinkType::Ethernet, &q1),
        dispatch_hash(LinkType::Ethernet, &q2)
    );
    assert_ne!(
        dispatch_hash(LinkType::Ethernet, &q1),
        dispatch_hash(LinkType::Ethernet, &t1)
    );
    let three = retag(&[(0x88a8, 1), (0x8100, 2), (0x8100, 3)], &fwd);
    assert_eq!(dispatch_hash(LinkType::Ethernet, &three), 0);

    // Deterministic: a fixed value for a fixed input.
    assert_eq!(dispatch_hash(LinkType::Ethernet, &fwd), h);

    // Non-IP and junk hash to 0.
    assert_eq!(dispatch_hash(LinkType::Ethernet, &eth(0x0806, &[0; 28])), 0);
    assert_eq!(dispatch_hash(LinkType::Ethernet, &fwd[..20]), 0);
    assert_eq!(dispatch_hash(LinkType::Raw, &[]), 0);
    assert_eq!(dispatch_hash(LinkType::Null, &[7, 0, 0, 0, 0x45]), 0);
}

// ---------------------------------------------------------------- robustness

const ALL_LINKS: [LinkType; 8] = [
    LinkType::Ethernet,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
    LinkType::Raw,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::Null,
    LinkType::Loop,
];

/// Valid frames of every kind, to mutate.
fn seed_frames() -> Vec<(LinkType, Vec<u8>)> {
    let ip4 = ipv4(PROTO_TCP, &tcp_segment(b"seed"));
    let mut ext6 = opts_ext(60);
    ext6.extend_from_slice(&opts_ext(PROTO_UDP));
    ext6.extend_from_slice(&udp_segment(b"seed"));
    let ip6 = ipv6(0, &ext6);
    let mut out = vec![
        (LinkType::Ethernet, eth(0x0800, &ip4)),
        (LinkType::Ethernet, eth(0x86dd, &ip6)),
        (LinkType::LinuxSll, sll_frame(6, 0x0800, &ip4)),
        (LinkType::LinuxSll2, sll2_frame(6, 0x86dd, &ip6)),
        (LinkType::Raw, ip4.clone()),
        (LinkType::Ipv4, ipv4(1, &[8, 0, 0, 0, 0, 0, 0, 0, 1])),
        (LinkType::Ipv6, ip6.clone()),
        (
            LinkType::Null,
            [2u8, 0, 0, 0].iter().copied().chain(ip4.clone()).collect(),
        ),
        (
            LinkType::Loop,
            [0u8, 0, 0, 30].iter().copied().chain(ip6.clone()).collect(),
        ),
    ];
    let seg = udp_segment(&payload_bytes(200));
    for f in v4_fragments(PROTO_UDP, 1, &seg, 64) {
        out.push((LinkType::Ethernet, f));
    }
    for f in v6_fragments(PROTO_UDP, 1, &seg, 64) {
        out.push((LinkType::Ethernet, f));
    }
    out
}

#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut d = decoder_with(DefragConfig {
        memcap: 4096,
        max_fragments: 8,
        max_datagrams: 8,
        timeout_secs: 2,
    });
    let seeds = seed_frames();
    let mut calls = 0u64;
    let mut outcomes = [0u64; 4];
    for round in 0..6000u64 {
        let (link, mut frame) = if round % 3 == 0 {
            let link = ALL_LINKS[rng.below(ALL_LINKS.len())];
            let len = rng.below(120);
            (link, (0..len).map(|_| rng.next() as u8).collect::<Vec<_>>())
        } else {
            let (link, f) = &seeds[rng.below(seeds.len())];
            let mut f = f.clone();
            for _ in 0..1 + rng.below(4) {
                if f.is_empty() {
                    break;
                }
                let i = rng.below(f.len());
                match rng.below(4) {
                    0 => f[i] = rng.next() as u8,
                    1 => f[i] ^= 1 << rng.below(8),
                    2 => f.truncate(i),
                    _ => f[i] = [0, 0xff, 0x05, 0x45, 0x60, 0x2c][rng.below(6)],
                }
            }
            (*link, f)
        };
        let link = if rng.below(10) == 0 {
            ALL_LINKS[rng.below(ALL_LINKS.len())]
        } else {
            link
        };
        // Sometimes claim a longer wire length (snaplen), sometimes a shorter one.
        let wire = match rng.below(4) {
            0 => frame.len() + rng.below(2000),
            1 => rng.below(frame.len() + 1),
            _ => frame.len(),
        };
        if rng.below(50) == 0 {
            frame.clear();
        }
        let now = ts(round / 500);
        let outcome = match d.decode(link, &frame, wire as u32, now) {
            Decoded::Packet(p) => {
                assert!(p.payload.len() <= frame.len().max(65_535));
                0
            }
            Decoded::FragmentHeld => 1,
            Decoded::NotIp | Decoded::Arp(_) => 2,
            Decoded::Invalid => 3,
        };
        outcomes[outcome] += 1;
        calls += 1;
        d.defrag.check_invariants();
        if round % 1000 == 0 {
            d.expire(now);
        }
    }
    let c = *d.counters();
    assert_eq!(c.pkts, calls);
    assert_eq!(c.invalid, outcomes[3]);
    assert_eq!(c.not_ip, outcomes[2]);
    let events: u64 = nonzero(&c, "decoder.event.").iter().map(|(_, v)| v).sum();
    assert_eq!(events, c.invalid);
    // The mutations reach every outcome.
    assert!(outcomes.iter().all(|&n| n > 0), "{outcomes:?}");
    assert!(d.defrag.held_bytes() <= 4096);
}

#[test]
fn random_consistent_fragments_reassemble_to_the_original() {
    // Fragments cut at random from one reference datagram (so overlapping
    // ones agree), in random order with duplicates: whatever completes must
    // be the reference, byte for byte.
    let reference = payload_bytes(512);
    let mut rng = Rng(42);
    let mut d = decoder();
    let mut completed = 0;
    for round in 0..300u16 {
        let mut frames = Vec::new();
        // Enough random pieces to usually cover everything, plus the last one.
        for _ in 0..rng.below(40) {
            let start = 8 * rng.below(64);
            let len = (8 * (1 + rng.below(12))).min(512 - start);
            if start + len == 512 {
                continue;
            }
            let part = &reference[start..start + len];
            frames.push(v4_fragment(PROTO_EXPERIMENT, round, start, true, part));
            frames.push(v6_fragment(
                PROTO_EXPERIMENT,
                u32::from(round),
                start,
                true,
                part,
            ));
        }
        let tail_start = 8 * (1 + rng.below(63));
        let part = &reference[tail_start..];
        frames.push(v4_fragment(
            PROTO_EXPERIMENT,
            round,
            tail_start,
            false,
            part,
        ));
        frames.push(v6_fragment(
            PROTO_EXPERIMENT,
            u32::from(round),
            tail_start,
            false,
            part,
        ));
        // The first fragment, so that every datagram can complete.
        frames.push(v4_fragment(
            PROTO_EXPERIMENT,
            round,
            0,
            true,
            &reference[..64],
        ));
        frames.push(v6_fragment(
            PROTO_EXPERIMENT,
            u32::from(round),
            0,
            true,
            &reference[..64],
        ));
        rng.shuffle(&mut frames);
        for f in &frames {
            if let Out::Packet(p) = run(&mut d, LinkType::Ethernet, f) {
                assert!(p.reassembled);
                assert_eq!(p.payload, reference);
                completed += 1;
            }
            d.defrag.check_invariants();
        }
        d.expire(ts(1000));
    }
    assert!(completed > 100, "{completed}");
    assert_eq!(d.counters().invalid, 0);
}

/// Decode throughput on a mix of small frames. Run with
/// `cargo test --release --lib decode_throughput -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn decode_throughput() {
    let frames = [
        (
            LinkType::Ethernet,
            eth(0x0800, &ipv4(PROTO_TCP, &tcp_segment(&payload_bytes(100)))),
        ),
        (
            LinkType::Ethernet,
            tagged(
                &[(0x8100, 7)],
                0x0800,
                &ipv4(PROTO_UDP, &udp_segment(b"dns")),
            ),
        ),
        (
            LinkType::Ethernet,
            eth(0x86dd, &ipv6(PROTO_TCP, &tcp_segment(&payload_bytes(1200)))),
        ),
        (LinkType::Ethernet, eth(0x0806, &[0; 28])),
    ];
    let mut d = decoder();
    let n = 20_000_000u64;
    let start = std::time::Instant::now();
    let mut sum = 0usize;
    for i in 0..n {
        let (link, f) = &frames[(i % 4) as usize];
        if let Decoded::Packet(p) = d.decode(*link, std::hint::black_box(f), f.len() as u32, ts(0))
        {
            sum += p.payload.len() + usize::from(p.transport.ports().0);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:.1} M packets/s ({sum})", n as f64 / secs / 1e6);
    let mut hsum = 0u64;
    let start = std::time::Instant::now();
    for i in 0..n {
        let (link, f) = &frames[(i % 4) as usize];
        hsum = hsum.wrapping_add(dispatch_hash(*link, std::hint::black_box(f)));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "dispatch_hash: {:.1} M packets/s ({hsum})",
        n as f64 / secs / 1e6
    );
}
