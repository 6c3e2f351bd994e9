//! Packet builders: hosts, TCP/UDP/ICMP packets (etherparse's `PacketBuilder`,
//! so lengths and checksums are right), IPv4 options and IPv6 extension
//! headers (hand-assembled, then lengths, next-header chain and checksums fixed).
//!
//! Functions ending in `_ip` return a bare IP packet, to be framed with
//! [`super::encapsulate`]; the same names without `_ip` return an Ethernet
//! frame between the two hosts' MACs.

use std::net::{IpAddr, Ipv6Addr};

use etherparse::{IpHeaders, Ipv4Header, Ipv6Header, PacketBuilder, TcpHeader, TcpOptionElement};

use super::link::ethernet;

/// TTL / hop limit of every built packet.
pub const DEFAULT_TTL: u8 = 64;
/// TCP window of every built segment.
pub const DEFAULT_WINDOW: u16 = 64_240;
/// MSS option value carried by SYN and SYN-ACK segments.
pub const SYN_MSS: u16 = 1460;

/// IPv4 option type: End of Option List.
pub const IPV4_OPT_EOL: u8 = 0;
/// IPv4 option type: No Operation.
pub const IPV4_OPT_NOP: u8 = 1;
/// IPv4 option type: Record Route (RFC 791; copied flag clear).
pub const IPV4_OPT_RR: u8 = 7;

/// IPv6 next-header value of a Hop-by-Hop Options header.
pub const IPV6_NH_HOP_BY_HOP: u8 = 0;
/// IPv6 next-header value of a Routing header.
pub const IPV6_NH_ROUTING: u8 = 43;
/// IPv6 next-header value of a Fragment header.
pub const IPV6_NH_FRAGMENT: u8 = 44;
/// IPv6 next-header value of a Destination Options header.
pub const IPV6_NH_DEST_OPTS: u8 = 60;
/// IP protocol number of TCP.
pub const IPPROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const IPPROTO_UDP: u8 = 17;
/// IP protocol number of ICMP.
pub const IPPROTO_ICMP: u8 = 1;
/// IP protocol number of ICMPv6.
pub const IPPROTO_ICMPV6: u8 = 58;

/// OUIs of vendors found on hospital networks, for [`mac_for_ip`].
const OUIS: [[u8; 3]; 5] = [
    [0x00, 0x1b, 0x21], // Intel
    [0x3c, 0xec, 0xef], // Super Micro
    [0x00, 0x09, 0xfb], // Philips Medical Systems
    [0x00, 0x50, 0x56], // VMware
    [0xf0, 0x1f, 0xaf], // Dell
];

/// Which ICMP echo message to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Echo {
    /// Echo request (ICMPv4 type 8, ICMPv6 type 128).
    Request,
    /// Echo reply (ICMPv4 type 0, ICMPv6 type 129).
    Reply,
}

/// One end of a conversation: its MAC and IP address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Host {
    /// Ethernet address.
    pub mac: [u8; 6],
    /// IPv4 or IPv6 address.
    pub ip: IpAddr,
}

impl Host {
    /// A host with an explicit MAC.
    pub fn new(mac: [u8; 6], ip: IpAddr) -> Self {
        Host { mac, ip }
    }

    /// A host whose MAC is [`mac_for_ip`]`(ip)` (what [`super::encapsulate`] uses too).
    pub fn from_ip(ip: IpAddr) -> Self {
        Host {
            mac: mac_for_ip(ip),
            ip,
        }
    }

    /// A host from an IPv4 literal, e.g. `Host::v4("10.20.30.40")`; panics on a bad literal.
    pub fn v4(addr: &str) -> Self {
        let ip: std::net::Ipv4Addr = addr
            .parse()
            .unwrap_or_else(|e| panic!("bad IPv4 literal {addr:?}: {e}"));
        Host::from_ip(ip.into())
    }

    /// A host from an IPv6 literal, e.g. `Host::v6("2001:db8:20::40")`; panics on a bad literal.
    pub fn v6(addr: &str) -> Self {
        let ip: Ipv6Addr = addr
            .parse()
            .unwrap_or_else(|e| panic!("bad IPv6 literal {addr:?}: {e}"));
        Host::from_ip(ip.into())
    }
}

/// A nurse workstation, 10.20.30.40.
pub fn client4() -> Host {
    Host::v4("10.20.30.40")
}

/// A PACS server, 10.20.1.10.
pub fn server4() -> Host {
    Host::v4("10.20.1.10")
}

/// A nurse workstation, 2001:db8:20::40.
pub fn client6() -> Host {
    Host::v6("2001:db8:20::40")
}

/// A PACS server, 2001:db8:1::10.
pub fn server6() -> Host {
    Host::v6("2001:db8:1::10")
}

/// A stable, realistic-looking MAC for an IP: a real vendor OUI plus 3 bytes hashed from the address.
pub fn mac_for_ip(ip: IpAddr) -> [u8; 6] {
    let bytes = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    let h = fnv1a(&bytes);
    let oui = OUIS[(h % OUIS.len() as u64) as usize];
    let tail = (h >> 8).to_be_bytes();
    [oui[0], oui[1], oui[2], tail[5], tail[6], tail[7]]
}

/// FNV-1a over `data`: a tiny stable hash for MACs and IPv4 identifications.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Parses TCP flags written as letters: S SYN, A ACK, F FIN, R RST, P PSH, U URG, E ECE, C CWR (e.g. "SA", "PA", "FA").
pub fn tcp_flags(flags: &str) -> u8 {
    flags.chars().fold(0u8, |acc, c| {
        acc | match c.to_ascii_uppercase() {
            'F' => 0x01,
            'S' => 0x02,
            'R' => 0x04,
            'P' => 0x08,
            'A' => 0x10,
            'U' => 0x20,
            'E' => 0x40,
            'C' => 0x80,
            other => panic!("unknown TCP flag letter {other:?} in {flags:?}"),
        }
    })
}

/// The IPv4 header etherparse's builder starts from: TTL 64, DF clear, identification given.
fn ipv4_header(src: [u8; 4], dst: [u8; 4], identification: u16) -> IpHeaders {
    IpHeaders::Ipv4(
        Ipv4Header {
            source: src,
            destination: dst,
            time_to_live: DEFAULT_TTL,
            identification,
            dont_fragment: false,
            ..Default::default()
        },
        Default::default(),
    )
}

/// The IPv6 header etherparse's builder starts from: hop limit 64.
fn ipv6_header(src: [u8; 16], dst: [u8; 16]) -> IpHeaders {
    IpHeaders::Ipv6(
        Ipv6Header {
            source: src,
            destination: dst,
            hop_limit: DEFAULT_TTL,
            ..Default::default()
        },
        Default::default(),
    )
}

/// The builder's IP header for two hosts of the same family; `id_seed` feeds the IPv4 identification.
fn ip_header(src: Host, dst: Host, id_seed: &[u8]) -> IpHeaders {
    match (src.ip, dst.ip) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut seed = Vec::with_capacity(8 + id_seed.len());
            seed.extend_from_slice(&s.octets());
            seed.extend_from_slice(&d.octets());
            seed.extend_from_slice(id_seed);
            // Never 0: a zero identification looks like a DF-only stack and
            // would make two fixtures' fragments collide.
            let id = (fnv1a(&seed) as u16).max(1);
            ipv4_header(s.octets(), d.octets(), id)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => ipv6_header(s.octets(), d.octets()),
        (s, d) => panic!("cannot build a packet from {s} to {d}: address families differ"),
    }
}

/// A TCP segment in an IP packet; `flags` as in [`tcp_flags`]; SYNs carry MSS 1460; checksums set.
#[allow(clippy::too_many_arguments)]
pub fn tcp_ip(
    src: Host,
    sport: u16,
    dst: Host,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: &str,
    payload: &[u8],
) -> Vec<u8> {
    let bits = tcp_flags(flags);
    let mut tcp = TcpHeader::new(sport, dport, seq, DEFAULT_WINDOW);
    tcp.acknowledgment_number = ack;
    tcp.fin = bits & 0x01 != 0;
    tcp.syn = bits & 0x02 != 0;
    tcp.rst = bits & 0x04 != 0;
    tcp.psh = bits & 0x08 != 0;
    tcp.ack = bits & 0x10 != 0;
    tcp.urg = bits & 0x20 != 0;
    tcp.ece = bits & 0x40 != 0;
    tcp.cwr = bits & 0x80 != 0;
    if tcp.syn {
        tcp.set_options(&[TcpOptionElement::MaximumSegmentSize(SYN_MSS)])
            .expect("MSS option fits the TCP header");
    }
    let mut seed = Vec::with_capacity(13 + payload.len().min(64));
    seed.extend_from_slice(&sport.to_be_bytes());
    seed.extend_from_slice(&dport.to_be_bytes());
    seed.extend_from_slice(&seq.to_be_bytes());
    seed.extend_from_slice(&ack.to_be_bytes());
    seed.push(bits);
    seed.extend_from_slice(&payload[..payload.len().min(64)]);
    let builder = PacketBuilder::ip(ip_header(src, dst, &seed)).tcp_header(tcp);
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder
        .write(&mut out, payload)
        .expect("etherparse builds the TCP packet");
    out
}

/// A TCP segment in an Ethernet frame from `src.mac` to `dst.mac` (see [`tcp_ip`]).
#[allow(clippy::too_many_arguments)]
pub fn tcp(
    src: Host,
    sport: u16,
    dst: Host,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: &str,
    payload: &[u8],
) -> Vec<u8> {
    ethernet(
        src.mac,
        dst.mac,
        &tcp_ip(src, sport, dst, dport, seq, ack, flags, payload),
    )
}

/// A UDP datagram in an IP packet, checksums set.
pub fn udp_ip(src: Host, sport: u16, dst: Host, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut seed = Vec::with_capacity(4 + payload.len().min(64));
    seed.extend_from_slice(&sport.to_be_bytes());
    seed.extend_from_slice(&dport.to_be_bytes());
    seed.extend_from_slice(&payload[..payload.len().min(64)]);
    let builder = PacketBuilder::ip(ip_header(src, dst, &seed)).udp(sport, dport);
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder
        .write(&mut out, payload)
        .expect("etherparse builds the UDP packet");
    out
}

/// A UDP datagram in an Ethernet frame (see [`udp_ip`]).
pub fn udp(src: Host, sport: u16, dst: Host, dport: u16, payload: &[u8]) -> Vec<u8> {
    ethernet(src.mac, dst.mac, &udp_ip(src, sport, dst, dport, payload))
}

/// An ICMPv4 echo request or reply (per `echo`) in an IPv4 packet, checksums set.
pub fn icmpv4_echo_ip(
    src: Host,
    dst: Host,
    echo: Echo,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    let seed = [id.to_be_bytes(), seq.to_be_bytes()].concat();
    let step = PacketBuilder::ip(ip_header(src, dst, &seed));
    let builder = if echo == Echo::Reply {
        step.icmpv4_echo_reply(id, seq)
    } else {
        step.icmpv4_echo_request(id, seq)
    };
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder
        .write(&mut out, payload)
        .expect("etherparse builds the ICMPv4 packet");
    out
}

/// An ICMPv4 echo request (or reply) in an Ethernet frame (see [`icmpv4_echo_ip`]).
pub fn icmpv4_echo(src: Host, dst: Host, echo: Echo, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    ethernet(
        src.mac,
        dst.mac,
        &icmpv4_echo_ip(src, dst, echo, id, seq, payload),
    )
}

/// An ICMPv6 echo request or reply (per `echo`) in an IPv6 packet, checksums set.
pub fn icmpv6_echo_ip(
    src: Host,
    dst: Host,
    echo: Echo,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    let step = PacketBuilder::ip(ip_header(src, dst, &[]));
    let builder = if echo == Echo::Reply {
        step.icmpv6_echo_reply(id, seq)
    } else {
        step.icmpv6_echo_request(id, seq)
    };
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder
        .write(&mut out, payload)
        .expect("etherparse builds the ICMPv6 packet");
    out
}

/// An ICMPv6 echo request (or reply) in an Ethernet frame (see [`icmpv6_echo_ip`]).
pub fn icmpv6_echo(src: Host, dst: Host, echo: Echo, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    ethernet(
        src.mac,
        dst.mac,
        &icmpv6_echo_ip(src, dst, echo, id, seq, payload),
    )
}

/// The Internet checksum (RFC 1071) of `data`: one's complement of the one's-complement sum.
pub fn internet_checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in data.chunks(2) {
        let word = if chunk.len() == 2 {
            u16::from_be_bytes([chunk[0], chunk[1]])
        } else {
            u16::from_be_bytes([chunk[0], 0])
        };
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Length in bytes of an IPv4 packet's header (IHL * 4).
pub fn ipv4_header_len(packet: &[u8]) -> usize {
    usize::from(packet[0] & 0x0f) * 4
}

/// Recomputes the IPv4 header checksum in place (after a test pokes header bytes).
pub fn refresh_ipv4_checksum(packet: &mut [u8]) {
    let hl = ipv4_header_len(packet);
    packet[10] = 0;
    packet[11] = 0;
    let sum = internet_checksum(&packet[..hl]);
    packet[10..12].copy_from_slice(&sum.to_be_bytes());
}

/// Sets an IPv4 packet's identification and fixes the header checksum.
pub fn set_ipv4_id(packet: &mut [u8], id: u16) {
    packet[4..6].copy_from_slice(&id.to_be_bytes());
    refresh_ipv4_checksum(packet);
}

/// A Record Route option (type 7) with `slots` empty address slots, pointer 4.
pub fn record_route_option(slots: usize) -> Vec<u8> {
    let len = 3 + 4 * slots;
    assert!(
        len <= 39,
        "{slots} record-route slots do not fit 40 option bytes"
    );
    let mut opt = vec![IPV4_OPT_RR, len as u8, 4];
    opt.resize(len, 0);
    opt
}

/// Replaces an IPv4 packet's options with `options` (EOL-padded to 4 bytes); fixes IHL, total length, checksum.
pub fn with_ipv4_options(packet: &[u8], options: &[u8]) -> Vec<u8> {
    let old_hl = ipv4_header_len(packet);
    let padded = options.len().next_multiple_of(4);
    assert!(
        padded <= 40,
        "IPv4 options are at most 40 bytes, got {padded}"
    );
    let mut out = Vec::with_capacity(packet.len() - old_hl + 20 + padded);
    out.extend_from_slice(&packet[..20]);
    out.extend_from_slice(options);
    out.resize(20 + padded, IPV4_OPT_EOL);
    out.extend_from_slice(&packet[old_hl..]);
    out[0] = 0x40 | ((20 + padded) / 4) as u8;
    let total = u16::try_from(out.len()).expect("IPv4 packet fits 65535 bytes");
    out[2..4].copy_from_slice(&total.to_be_bytes());
    refresh_ipv4_checksum(&mut out);
    out
}

/// One IPv6 extension header for [`with_ipv6_ext_headers`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ipv6Ext {
    /// Hop-by-Hop Options (next header 0), 8 bytes: one PadN option of 4 bytes.
    HopByHop,
    /// Destination Options (next header 60), 8 bytes: one PadN option of 4 bytes.
    DestinationOptions,
    /// Routing header (next header 43): 8 bytes + 16 per address; keep `segments_left` 0
    /// so the IPv6 destination is the final one and transport checksums stay valid.
    Routing {
        /// Routing type (0 is the deprecated RH0 of RFC 5095, 2 Mobile IPv6).
        routing_type: u8,
        /// Segments Left field.
        segments_left: u8,
        /// Addresses listed in the header.
        addresses: Vec<Ipv6Addr>,
    },
}

impl Ipv6Ext {
    /// The next-header value that announces this extension header.
    pub fn next_header_value(&self) -> u8 {
        match self {
            Ipv6Ext::HopByHop => IPV6_NH_HOP_BY_HOP,
            Ipv6Ext::DestinationOptions => IPV6_NH_DEST_OPTS,
            Ipv6Ext::Routing { .. } => IPV6_NH_ROUTING,
        }
    }

    /// The header's bytes with `next_header` in its first byte.
    pub fn to_bytes(&self, next_header: u8) -> Vec<u8> {
        match self {
            Ipv6Ext::HopByHop | Ipv6Ext::DestinationOptions => {
                // PadN (type 1) with 4 bytes of zeros fills the 6 option bytes.
                vec![next_header, 0, 1, 4, 0, 0, 0, 0]
            }
            Ipv6Ext::Routing {
                routing_type,
                segments_left,
                addresses,
            } => {
                let ext_len = u8::try_from(addresses.len() * 2).expect("at most 127 addresses");
                let mut out = vec![
                    next_header,
                    ext_len,
                    *routing_type,
                    *segments_left,
                    0,
                    0,
                    0,
                    0,
                ];
                for a in addresses {
                    out.extend_from_slice(&a.octets());
                }
                out
            }
        }
    }
}

/// Inserts `exts`, in order, right after an IPv6 packet's fixed header; fixes payload length and the next-header chain.
pub fn with_ipv6_ext_headers(packet: &[u8], exts: &[Ipv6Ext]) -> Vec<u8> {
    assert_eq!(
        packet[0] >> 4,
        6,
        "with_ipv6_ext_headers needs an IPv6 packet"
    );
    let mut out = Vec::with_capacity(packet.len() + 64);
    out.extend_from_slice(&packet[..40]);
    let original_next = packet[6];
    if let Some(first) = exts.first() {
        out[6] = first.next_header_value();
    }
    for (i, ext) in exts.iter().enumerate() {
        let next = exts
            .get(i + 1)
            .map_or(original_next, Ipv6Ext::next_header_value);
        out.extend_from_slice(&ext.to_bytes(next));
    }
    out.extend_from_slice(&packet[40..]);
    let payload_len = u16::try_from(out.len() - 40).expect("IPv6 payload fits 65535 bytes");
    out[4..6].copy_from_slice(&payload_len.to_be_bytes());
    out
}

/// One IPv6 extension header found by [`ipv6_ext_chain`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtHeaderAt {
    /// The next-header value that announced it (0, 43, 44, 60, 51, 135).
    pub kind: u8,
    /// Byte offset in the packet.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

/// Walks an IPv6 packet's extension headers (stopping after a Fragment header): the headers, the next protocol and its offset.
pub fn ipv6_ext_chain(packet: &[u8]) -> (Vec<ExtHeaderAt>, u8, usize) {
    let mut headers = Vec::new();
    let mut next = packet[6];
    let mut offset = 40;
    loop {
        let len = match next {
            0 | 43 | 60 | 135 => (usize::from(packet[offset + 1]) + 1) * 8,
            44 => 8,
            51 => (usize::from(packet[offset + 1]) + 2) * 4,
            _ => return (headers, next, offset),
        };
        headers.push(ExtHeaderAt {
            kind: next,
            offset,
            len,
        });
        next = packet[offset];
        offset += len;
        if headers.last().is_some_and(|h| h.kind == IPV6_NH_FRAGMENT) {
            // What follows a Fragment header is fragment data, headers or not.
            return (headers, next, offset);
        }
    }
}
