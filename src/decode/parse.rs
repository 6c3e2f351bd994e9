//! Layer 2-4 parsing: functions from captured bytes to a [`DecodedPacket`], a
//! [`Fragment`] for the defragmenter, or the reason the frame is invalid.
//!
//! Every header is read through an etherparse slice (a checked view over the
//! capture buffer, no copy). The functions here hold no state; the only side
//! effect is bumping the per-layer counters, which the caller owns.
//!
//! # Truncation
//!
//! A capture record may hold fewer bytes than were on the wire (the snaplen).
//! Each layer therefore knows two lengths: the bytes *captured* and the bytes
//! *on the wire* (captured + `trunc`, the number of bytes the snaplen cut off
//! the end of the frame). The rules:
//!
//! * A header that is not wholly captured cannot be read: the frame is invalid
//!   and the layer's `pkt_too_small` / `trunc_pkt` / `hlen_too_small` reason is
//!   counted, whether the snaplen or the sender cut it.
//! * An IP length field that claims more than was *on the wire* is a lie of the
//!   sender (or a broken capture): invalid, `ipv4.trunc_pkt` / `ipv6.trunc_pkt`.
//! * Headers intact but the payload cut by the snaplen: the packet is decoded and
//!   `payload` holds the bytes captured. Nothing is counted as invalid; the
//!   length fields (`ip_len`) still say what was on the wire.
//! * Bytes after the IP datagram (Ethernet padding to 60 bytes, trailers) are
//!   dropped by trimming to the IP length, so they never reach `payload`.
//! * A fragment whose data was cut by the snaplen cannot be reassembled; the
//!   defragmenter drops it and counts `defrag.snaplen_drop`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::err::ip_auth::HeaderSliceError as AuthSliceError;
use etherparse::err::ipv4::{HeaderError as V4HeaderError, HeaderSliceError as V4SliceError};
use etherparse::err::ipv6::HeaderSliceError as V6SliceError;
use etherparse::err::tcp::HeaderSliceError as TcpSliceError;
use etherparse::{
    Ethernet2HeaderSlice, IpAuthHeaderSlice, Ipv4HeaderSlice, Ipv6FragmentHeaderSlice,
    Ipv6HeaderSlice, Ipv6RawExtHeaderSlice, SingleVlanHeaderSlice, TcpHeaderSlice, UdpHeaderSlice,
};

use super::defrag::{Completed, FragHeader, FragKey, Fragment};
use super::{
    DecodedPacket, DecoderCounters, IcmpEcho, IpFlags, LinkType, TcpFlags, Transport, Vlans,
};

/// EtherType of IPv4.
pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub(crate) const ETHERTYPE_IPV6: u16 = 0x86dd;
/// ARP.
pub(crate) const ETHERTYPE_ARP: u16 = 0x0806;
/// 802.1Q customer VLAN tag.
pub(crate) const ETHERTYPE_VLAN: u16 = 0x8100;
/// 802.1ad service VLAN tag (the outer tag of QinQ).
pub(crate) const ETHERTYPE_QINQ: u16 = 0x88a8;
/// Pre-standard QinQ outer tag still used by some switches.
pub(crate) const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

/// Length of the Ethernet II header.
pub(crate) const ETHERNET_LEN: usize = 14;
/// Length of one VLAN tag.
const VLAN_TAG_LEN: usize = 4;
/// Length of the Linux cooked capture v1 header.
pub(crate) const SLL_LEN: usize = 16;
/// Length of the Linux cooked capture v2 header.
pub(crate) const SLL2_LEN: usize = 20;
/// Length of the BSD loopback (`NULL` / `LOOP`) header.
pub(crate) const NULL_LEN: usize = 4;

const IPV4_MIN_LEN: usize = 20;
const IPV6_LEN: usize = 40;
/// Largest IP datagram (RFC 791 total length, RFC 8200 payload length).
pub(crate) const IP_MAX_LEN: usize = 65_535;

/// At most this many IPv6 extension headers are walked. Real traffic carries
/// one to three; a long chain is an evasion or a CPU-cost attack (RFC 7112
/// discusses oversized header chains), so it is invalid.
const MAX_IPV6_EXT_HEADERS: usize = 16;

const PROTO_HOPOPT: u8 = 0;
const PROTO_ICMPV4: u8 = 1;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_IPV6_ROUTE: u8 = 43;
const PROTO_IPV6_FRAG: u8 = 44;
const PROTO_AH: u8 = 51;
const PROTO_ICMPV6: u8 = 58;
const PROTO_IPV6_OPTS: u8 = 60;
const PROTO_MOBILITY: u8 = 135;
const PROTO_HIP: u8 = 139;
const PROTO_SHIM6: u8 = 140;

/// Why a frame is invalid. Each reason maps to one `decoder.event.*` counter.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Fewer than 14 bytes of Ethernet header.
    EthernetPktTooSmall,
    /// A VLAN tag cut short.
    VlanPktTooSmall,
    /// More than two VLAN tags.
    VlanTooManyLayers,
    /// Linux cooked header (v1 or v2) cut short.
    SllPktTooSmall,
    /// BSD loopback header cut short.
    NullPktTooSmall,
    /// A raw-IP frame whose version nibble is neither 4 nor 6 (or is empty).
    IprawInvalidIpVersion,
    /// Fewer than 20 bytes of IPv4 on the wire.
    Ipv4PktTooSmall,
    /// IHL below 5.
    Ipv4HlenTooSmall,
    /// Total length below the header length.
    Ipv4IplenSmallerThanHlen,
    /// Total length beyond the bytes on the wire, or header cut by the snaplen.
    Ipv4TruncPkt,
    /// Version nibble is not 4 where IPv4 was announced.
    Ipv4WrongIpVersion,
    /// A fragment that would make the datagram exceed 65535 bytes.
    Ipv4FragPktTooLarge,
    /// A non-last fragment with less than 8 bytes of data.
    Ipv4FragInvalidLength,
    /// Fewer than 40 bytes of IPv6 on the wire.
    Ipv6PktTooSmall,
    /// Payload length beyond the bytes on the wire, or headers cut by the snaplen.
    Ipv6TruncPkt,
    /// Version nibble is not 6 where IPv6 was announced.
    Ipv6WrongIpVersion,
    /// A malformed extension header chain.
    Ipv6ExthdrInvalid,
    /// A fragment that would make the payload exceed 65535 bytes.
    Ipv6FragPktTooLarge,
    /// A non-last fragment whose length is zero or not a multiple of 8.
    Ipv6FragInvalidLength,
    /// Fewer than 20 bytes of TCP.
    TcpPktTooSmall,
    /// TCP header length beyond the bytes available.
    TcpHlenTooSmall,
    /// TCP data offset below 5.
    TcpInvalidOptlen,
    /// Fewer than 8 bytes of UDP.
    UdpPktTooSmall,
    /// UDP length field below 8 or beyond the IP payload.
    UdpLenInvalid,
    /// Fewer than 8 bytes of ICMPv4.
    Icmpv4PktTooSmall,
    /// Fewer than 8 bytes of ICMPv6.
    Icmpv6PktTooSmall,
}

impl Reason {
    /// Counts this reason and the invalid frame.
    pub(crate) fn count(self, c: &mut DecoderCounters) {
        c.invalid += 1;
        let counter = match self {
            Reason::EthernetPktTooSmall => &mut c.event_ethernet_pkt_too_small,
            Reason::VlanPktTooSmall => &mut c.event_vlan_pkt_too_small,
            Reason::VlanTooManyLayers => &mut c.event_vlan_header_too_many_layers,
            Reason::SllPktTooSmall => &mut c.event_sll_pkt_too_small,
            Reason::NullPktTooSmall => &mut c.event_null_pkt_too_small,
            Reason::IprawInvalidIpVersion => &mut c.event_ipraw_invalid_ip_version,
            Reason::Ipv4PktTooSmall => &mut c.event_ipv4_pkt_too_small,
            Reason::Ipv4HlenTooSmall => &mut c.event_ipv4_hlen_too_small,
            Reason::Ipv4IplenSmallerThanHlen => &mut c.event_ipv4_iplen_smaller_than_hlen,
            Reason::Ipv4TruncPkt => &mut c.event_ipv4_trunc_pkt,
            Reason::Ipv4WrongIpVersion => &mut c.event_ipv4_wrong_ip_version,
            Reason::Ipv4FragPktTooLarge => &mut c.event_ipv4_frag_pkt_too_large,
            Reason::Ipv4FragInvalidLength => &mut c.event_ipv4_frag_invalid_length,
            Reason::Ipv6PktTooSmall => &mut c.event_ipv6_pkt_too_small,
            Reason::Ipv6TruncPkt => &mut c.event_ipv6_trunc_pkt,
            Reason::Ipv6WrongIpVersion => &mut c.event_ipv6_wrong_ip_version,
            Reason::Ipv6ExthdrInvalid => &mut c.event_ipv6_exthdr_invalid,
            Reason::Ipv6FragPktTooLarge => &mut c.event_ipv6_frag_pkt_too_large,
            Reason::Ipv6FragInvalidLength => &mut c.event_ipv6_frag_invalid_length,
            Reason::TcpPktTooSmall => &mut c.event_tcp_pkt_too_small,
            Reason::TcpHlenTooSmall => &mut c.event_tcp_hlen_too_small,
            Reason::TcpInvalidOptlen => &mut c.event_tcp_invalid_optlen,
            Reason::UdpPktTooSmall => &mut c.event_udp_pkt_too_small,
            Reason::UdpLenInvalid => &mut c.event_udp_len_invalid,
            Reason::Icmpv4PktTooSmall => &mut c.event_icmpv4_pkt_too_small,
            Reason::Icmpv6PktTooSmall => &mut c.event_icmpv6_pkt_too_small,
        };
        *counter += 1;
    }
}

/// Link-layer facts carried up to the IP layer.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LinkInfo {
    pub vlans: Vlans,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
}

/// What one frame decoded to.
#[derive(Debug)]
pub(crate) enum Frame<'a> {
    /// A whole IP packet.
    Packet(DecodedPacket<'a>),
    /// An IP fragment, for the defragmenter.
    Fragment(Fragment<'a>),
    /// A valid frame that carries no IP.
    NotIp,
    /// An ARP request or reply (also counted as not IP).
    Arp(super::ArpPacket),
}

type Parsed<'a> = Result<Frame<'a>, Reason>;

/// Decodes one frame. `trunc` is how many bytes of the frame the snaplen cut off.
pub(crate) fn decode_frame<'a>(
    c: &mut DecoderCounters,
    link: LinkType,
    data: &'a [u8],
    trunc: usize,
) -> Parsed<'a> {
    match link {
        LinkType::Ethernet => {
            c.ethernet += 1;
            let eth =
                Ethernet2HeaderSlice::from_slice(data).map_err(|_| Reason::EthernetPktTooSmall)?;
            let info = LinkInfo {
                vlans: Vlans::default(),
                src_mac: Some(eth.source()),
                dst_mac: Some(eth.destination()),
            };
            ether_payload(c, info, eth.ether_type().0, tail(data, ETHERNET_LEN), trunc)
        }
        LinkType::LinuxSll => {
            c.sll += 1;
            // struct sll_header: pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
            let hdr = data.get(..SLL_LEN).ok_or(Reason::SllPktTooSmall)?;
            let info = LinkInfo {
                src_mac: sll_mac(be16(hdr, 4), hdr.get(6..12)),
                ..LinkInfo::default()
            };
            ether_payload(c, info, be16(hdr, 14), tail(data, SLL_LEN), trunc)
        }
        LinkType::LinuxSll2 => {
            c.sll += 1;
            // struct sll2_header: protocol(2) reserved(2) ifindex(4) hatype(2)
            // pkttype(1) halen(1) addr(8)
            let hdr = data.get(..SLL2_LEN).ok_or(Reason::SllPktTooSmall)?;
            let halen = hdr.get(11).copied().map(u16::from).unwrap_or(0);
            let info = LinkInfo {
                src_mac: sll_mac(halen, hdr.get(12..18)),
                ..LinkInfo::default()
            };
            ether_payload(c, info, be16(hdr, 0), tail(data, SLL2_LEN), trunc)
        }
        LinkType::Unsupported(_) => {
            c.unsupported_link += 1;
            Ok(Frame::NotIp)
        }
        LinkType::Raw => {
            c.raw += 1;
            match data.first().map(|b| b >> 4) {
                Some(4) => ipv4(c, LinkInfo::default(), data, trunc),
                Some(6) => ipv6(c, LinkInfo::default(), data, trunc),
                _ => Err(Reason::IprawInvalidIpVersion),
            }
        }
        LinkType::Ipv4 => {
            c.raw += 1;
            ipv4(c, LinkInfo::default(), data, trunc)
        }
        LinkType::Ipv6 => {
            c.raw += 1;
            ipv6(c, LinkInfo::default(), data, trunc)
        }
        LinkType::Null | LinkType::Loop => {
            c.null += 1;
            let hdr: [u8; NULL_LEN] = data
                .get(..NULL_LEN)
                .and_then(|h| h.try_into().ok())
                .ok_or(Reason::NullPktTooSmall)?;
            let family = match link {
                // DLT_NULL is in the capturing host's byte order: little-endian
                // on every platform that still writes it, but big-endian hosts
                // existed, so try both (AF values are small, so at most one
                // order gives a known one).
                LinkType::Null => null_family(u32::from_le_bytes(hdr))
                    .or_else(|| null_family(u32::from_be_bytes(hdr))),
                _ => null_family(u32::from_be_bytes(hdr)),
            };
            let rest = tail(data, NULL_LEN);
            match family {
                Some(4) => ipv4(c, LinkInfo::default(), rest, trunc),
                Some(6) => ipv6(c, LinkInfo::default(), rest, trunc),
                _ => Ok(Frame::NotIp),
            }
        }
    }
}

/// Maps a BSD address family to an IP version: `AF_INET` is 2 everywhere;
/// `AF_INET6` is 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS).
pub(crate) fn null_family(af: u32) -> Option<u8> {
    match af {
        2 => Some(4),
        24 | 28 | 30 => Some(6),
        _ => None,
    }
}

/// The source MAC of a cooked capture, when its address is 6 bytes long.
fn sll_mac(halen: u16, addr: Option<&[u8]>) -> Option<[u8; 6]> {
    if halen != 6 {
        return None;
    }
    addr.and_then(|a| a.try_into().ok())
}

/// Big-endian u16 at `at`, 0 if out of range (callers check the length first).
pub(crate) fn be16(data: &[u8], at: usize) -> u16 {
    match data.get(at..at.saturating_add(2)) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => 0,
    }
}

/// The bytes from `at` on, empty if `at` is past the end.
fn tail(data: &[u8], at: usize) -> &[u8] {
    data.get(at..).unwrap_or_default()
}

/// Decodes what follows an EtherType: VLAN tags, then IPv4 / IPv6 / not IP.
fn ether_payload<'a>(
    c: &mut DecoderCounters,
    mut info: LinkInfo,
    mut ether_type: u16,
    mut rest: &'a [u8],
    trunc: usize,
) -> Parsed<'a> {
    let mut tags = 0;
    while matches!(
        ether_type,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
    ) {
        match tags {
            0 => c.vlan += 1,
            1 => c.vlan_qinq += 1,
            // The flow key holds two VLAN ids; a third tag is either a
            // misconfiguration or an attempt to hide traffic from sensors that
            // stop at two, so it is invalid (as in Suricata).
            _ => return Err(Reason::VlanTooManyLayers),
        }
        let tag = SingleVlanHeaderSlice::from_slice(rest).map_err(|_| Reason::VlanPktTooSmall)?;
        if let Some(slot) = info.vlans.0.get_mut(tags) {
            *slot = tag.vlan_identifier().value();
        }
        ether_type = tag.ether_type().0;
        rest = tail(rest, VLAN_TAG_LEN);
        tags += 1;
    }
    match ether_type {
        ETHERTYPE_IPV4 => ipv4(c, info, rest, trunc),
        ETHERTYPE_IPV6 => ipv6(c, info, rest, trunc),
        ETHERTYPE_ARP => {
            Ok(super::ArpPacket::parse(rest, info.vlans).map_or(Frame::NotIp, Frame::Arp))
        }
        // LLDP, MPLS, PPPoE, 802.3 length fields...: not decoded.
        _ => Ok(Frame::NotIp),
    }
}

/// Decodes an IPv4 packet starting at `ip`.
fn ipv4<'a>(c: &mut DecoderCounters, info: LinkInfo, ip: &'a [u8], trunc: usize) -> Parsed<'a> {
    c.ipv4 += 1;
    let on_wire = ip.len().saturating_add(trunc);
    if on_wire < IPV4_MIN_LEN {
        return Err(Reason::Ipv4PktTooSmall);
    }
    let hdr = Ipv4HeaderSlice::from_slice(ip).map_err(|e| match e {
        // At least 20 bytes were on the wire, so the snaplen cut the header
        // or its options.
        V4SliceError::Len(_) => Reason::Ipv4TruncPkt,
        V4SliceError::Content(V4HeaderError::UnexpectedVersion { .. }) => {
            Reason::Ipv4WrongIpVersion
        }
        V4SliceError::Content(V4HeaderError::HeaderLengthSmallerThanHeader { .. }) => {
            Reason::Ipv4HlenTooSmall
        }
    })?;
    let hlen = hdr.slice().len();
    let total = usize::from(hdr.total_len());
    if total < hlen {
        return Err(Reason::Ipv4IplenSmallerThanHlen);
    }
    if total > on_wire {
        return Err(Reason::Ipv4TruncPkt);
    }
    // Trim to the total length: drops Ethernet padding and trailers. Shorter
    // than `total` only when the snaplen cut the payload.
    let datagram = ip.get(..total).unwrap_or(ip);
    let payload = tail(datagram, hlen);
    let claimed = total - hlen;
    let src = Ipv4Addr::from(hdr.source());
    let dst = Ipv4Addr::from(hdr.destination());
    let proto = hdr.protocol().0;
    let offset = usize::from(hdr.fragments_offset().value()) * 8;
    let more = hdr.more_fragments();
    // Bytes 6-7: the flags and the fragment offset.
    let ip_flags = IpFlags::from_frag_word(be16(hdr.slice(), 6));

    if more || offset != 0 {
        let mut len = claimed;
        if more {
            // Fragment offsets count 8-byte units, so a non-last fragment's
            // data must be a multiple of 8. Linux (ip_frag_queue) trims the
            // excess rather than dropping the fragment; do the same so that
            // the sensor reassembles what the Linux hosts it guards see.
            len &= !7;
            if len == 0 {
                return Err(Reason::Ipv4FragInvalidLength);
            }
        }
        // "Ping of death" (CVE-1999-0128): the datagram would exceed 65535.
        if hlen + offset + len > IP_MAX_LEN {
            return Err(Reason::Ipv4FragPktTooLarge);
        }
        return Ok(Frame::Fragment(Fragment {
            key: FragKey {
                src: IpAddr::V4(src),
                dst: IpAddr::V4(dst),
                proto,
                id: u32::from(hdr.identification()),
                vlans: info.vlans,
            },
            header: FragHeader {
                link: info,
                ttl: hdr.ttl(),
                ip_flags,
                hdr_len: hlen,
                proto,
            },
            offset,
            more,
            captured_whole: payload.len() >= len,
            data: payload.get(..len).unwrap_or(payload),
        }));
    }

    let (transport, icmp_echo, payload) = transport(c, proto, false, payload, claimed)?;
    Ok(Frame::Packet(DecodedPacket {
        vlans: info.vlans,
        src_mac: info.src_mac,
        dst_mac: info.dst_mac,
        src: IpAddr::V4(src),
        dst: IpAddr::V4(dst),
        ip_proto: proto,
        ttl: hdr.ttl(),
        ip_id: u32::from(hdr.identification()),
        ip_len: total as u32,
        ip_flags,
        reassembled: false,
        transport,
        icmp_echo,
        payload,
    }))
}

/// Decodes an IPv6 packet starting at `ip`.
fn ipv6<'a>(c: &mut DecoderCounters, info: LinkInfo, ip: &'a [u8], trunc: usize) -> Parsed<'a> {
    c.ipv6 += 1;
    let on_wire = ip.len().saturating_add(trunc);
    if on_wire < IPV6_LEN {
        return Err(Reason::Ipv6PktTooSmall);
    }
    let hdr = Ipv6HeaderSlice::from_slice(ip).map_err(|e| match e {
        V6SliceError::Len(_) => Reason::Ipv6TruncPkt,
        V6SliceError::Content(_) => Reason::Ipv6WrongIpVersion,
    })?;
    let claimed = usize::from(hdr.payload_length());
    let total = IPV6_LEN + claimed;
    if total > on_wire {
        return Err(Reason::Ipv6TruncPkt);
    }
    let payload = tail(ip.get(..total).unwrap_or(ip), IPV6_LEN);
    let src = IpAddr::V6(Ipv6Addr::from(hdr.source()));
    let dst = IpAddr::V6(Ipv6Addr::from(hdr.destination()));
    let exts = walk_ipv6_exts(hdr.next_header().0, payload, claimed, true)?;

    if let Some(frag) = exts.fragment {
        let len = claimed.saturating_sub(frag.data_start);
        // RFC 8200 section 4.5: a non-last fragment whose length is not a
        // multiple of 8 must be discarded (Linux does; unlike IPv4, no trim).
        if frag.more && (len == 0 || len % 8 != 0) {
            return Err(Reason::Ipv6FragInvalidLength);
        }
        // RFC 8200 section 4.5: discard a fragment that would make the
        // reassembled payload length exceed 65535.
        if frag.unfragmentable + frag.offset + len > IP_MAX_LEN {
            return Err(Reason::Ipv6FragPktTooLarge);
        }
        let data = tail(payload, frag.data_start);
        return Ok(Frame::Fragment(Fragment {
            key: FragKey {
                src,
                dst,
                // RFC 8200 section 4.5: the Next Header of fragments of one
                // packet may differ and only the offset-0 one counts, so the
                // key leaves it out (Linux's frag queue key does too).
                proto: 0,
                id: frag.id,
                vlans: info.vlans,
            },
            header: FragHeader {
                link: info,
                ttl: hdr.hop_limit(),
                ip_flags: IpFlags::default(),
                hdr_len: IPV6_LEN + frag.unfragmentable,
                proto: frag.next_header,
            },
            offset: frag.offset,
            more: frag.more,
            captured_whole: data.len() >= len,
            data: data.get(..len).unwrap_or(data),
        }));
    }

    let upper = tail(payload, exts.upper_start);
    let upper_claimed = claimed.saturating_sub(exts.upper_start);
    let (transport, icmp_echo, payload) = transport(c, exts.proto, true, upper, upper_claimed)?;
    Ok(Frame::Packet(DecodedPacket {
        vlans: info.vlans,
        src_mac: info.src_mac,
        dst_mac: info.dst_mac,
        src,
        dst,
        ip_proto: exts.proto,
        ttl: hdr.hop_limit(),
        ip_id: exts.atomic_id.unwrap_or(0),
        ip_len: total as u32,
        ip_flags: IpFlags::default(),
        reassembled: false,
        transport,
        icmp_echo,
        payload,
    }))
}

/// The result of walking an IPv6 extension header chain.
#[derive(Debug, Default)]
struct Ipv6Exts {
    /// The upper-layer protocol (the first header that is not an extension).
    proto: u8,
    /// Offset of the upper-layer header from the start of the walked bytes.
    upper_start: usize,
    /// Identification of an atomic fragment header (offset 0, M=0; RFC 6946).
    atomic_id: Option<u32>,
    /// A real fragment header: the walk stops there.
    fragment: Option<Ipv6Frag>,
}

/// A fragment header found in the chain.
#[derive(Debug)]
struct Ipv6Frag {
    next_header: u8,
    offset: usize,
    more: bool,
    id: u32,
    /// Length of the extension headers before the fragment header.
    unfragmentable: usize,
    /// Offset of the fragment data (just after the fragment header).
    data_start: usize,
}

/// Walks the extension headers of `buf` (captured bytes, at most `claimed`
/// long) starting with header type `next`. `outer` is true for the chain right
/// after the IPv6 header (where hop-by-hop may come first and a fragment header
/// may appear), false for the chain inside a reassembled payload.
fn walk_ipv6_exts(
    mut next: u8,
    buf: &[u8],
    claimed: usize,
    outer: bool,
) -> Result<Ipv6Exts, Reason> {
    let mut pos = 0usize;
    let mut atomic_id = None;
    let mut seen_fragment = !outer;
    for _ in 0..=MAX_IPV6_EXT_HEADERS {
        let rest = tail(buf, pos);
        // The error of a header that does not fit: cut by the snaplen, or
        // longer than the payload length says (malformed).
        let cut = |required: usize| {
            if pos.saturating_add(required) > claimed {
                Reason::Ipv6ExthdrInvalid
            } else {
                Reason::Ipv6TruncPkt
            }
        };
        let (len, following) = match next {
            PROTO_HOPOPT | PROTO_IPV6_ROUTE | PROTO_IPV6_OPTS | PROTO_MOBILITY | PROTO_HIP
            | PROTO_SHIM6 => {
                // RFC 8200 section 4.1: hop-by-hop only right after the IPv6 header.
                if next == PROTO_HOPOPT && !(outer && pos == 0) {
                    return Err(Reason::Ipv6ExthdrInvalid);
                }
                let h = Ipv6RawExtHeaderSlice::from_slice(rest).map_err(|e| cut(e.required_len))?;
                (h.slice().len(), h.next_header().0)
            }
            PROTO_AH => {
                let h = IpAuthHeaderSlice::from_slice(rest).map_err(|e| match e {
                    AuthSliceError::Len(e) => cut(e.required_len),
                    AuthSliceError::Content(_) => Reason::Ipv6ExthdrInvalid,
                })?;
                (h.slice().len(), h.next_header().0)
            }
            PROTO_IPV6_FRAG => {
                // One fragment header per packet; a second (or one inside a
                // reassembled payload) is nested fragmentation, which no
                // sender needs and which hides data from simple reassemblers.
                if seen_fragment {
                    return Err(Reason::Ipv6ExthdrInvalid);
                }
                seen_fragment = true;
                let h =
                    Ipv6FragmentHeaderSlice::from_slice(rest).map_err(|e| cut(e.required_len))?;
                let len = h.slice().len();
                let offset = usize::from(h.fragment_offset().value()) * 8;
                if offset != 0 || h.more_fragments() {
                    return Ok(Ipv6Exts {
                        proto: PROTO_IPV6_FRAG,
                        upper_start: pos + len,
                        atomic_id,
                        fragment: Some(Ipv6Frag {
                            next_header: h.next_header().0,
                            offset,
                            more: h.more_fragments(),
                            id: h.identification(),
                            unfragmentable: pos,
                            data_start: pos + len,
                        }),
                    });
                }
                // An atomic fragment (RFC 6946) is a whole packet.
                atomic_id = Some(h.identification());
                (len, h.next_header().0)
            }
            // The upper layer (ESP and "no next header" included).
            proto => {
                return Ok(Ipv6Exts {
                    proto,
                    upper_start: pos,
                    atomic_id,
                    fragment: None,
                });
            }
        };
        if pos + len > claimed {
            return Err(Reason::Ipv6ExthdrInvalid);
        }
        pos += len;
        next = following;
    }
    Err(Reason::Ipv6ExthdrInvalid)
}

/// Decodes the transport header at the start of `data` (captured bytes of the
/// IP payload, at most `claimed` long; `claimed` is the length the IP header
/// gives). Returns the transport, the ICMP echo fields if it is an echo, and
/// the transport's payload.
fn transport<'a>(
    c: &mut DecoderCounters,
    proto: u8,
    v6: bool,
    data: &'a [u8],
    claimed: usize,
) -> Result<(Transport, Option<IcmpEcho>, &'a [u8]), Reason> {
    match proto {
        PROTO_TCP => {
            c.tcp += 1;
            let tcp = TcpHeaderSlice::from_slice(data).map_err(|e| match e {
                TcpSliceError::Len(e) if e.required_len <= 20 => Reason::TcpPktTooSmall,
                TcpSliceError::Len(_) => Reason::TcpHlenTooSmall,
                TcpSliceError::Content(_) => Reason::TcpInvalidOptlen,
            })?;
            let transport = Transport::Tcp {
                src_port: tcp.source_port(),
                dst_port: tcp.destination_port(),
                seq: tcp.sequence_number(),
                ack: tcp.acknowledgment_number(),
                flags: TcpFlags(tcp.slice().get(13).copied().unwrap_or(0)),
                window: tcp.window_size(),
            };
            Ok((transport, None, tail(data, tcp.slice().len())))
        }
        PROTO_UDP => {
            c.udp += 1;
            let udp = UdpHeaderSlice::from_slice(data).map_err(|_| Reason::UdpPktTooSmall)?;
            let len = match usize::from(udp.length()) {
                // RFC 2675: a zero length over IPv6 means "see the IP length".
                0 if v6 => claimed,
                len if len < 8 || len > claimed => return Err(Reason::UdpLenInvalid),
                // A UDP length below the IP payload: the rest is not UDP data
                // (receivers ignore it), so it does not reach `payload`.
                len => len,
            };
            let transport = Transport::Udp {
                src_port: udp.source_port(),
                dst_port: udp.destination_port(),
            };
            let end = len.min(data.len());
            Ok((transport, None, data.get(8..end).unwrap_or_default()))
        }
        // ICMP is read by hand: etherparse's Icmpv4Slice rejects timestamp
        // messages of unusual length, which we still want to see.
        PROTO_ICMPV4 if !v6 => {
            c.icmpv4 += 1;
            match data {
                [
                    icmp_type,
                    icmp_code,
                    _,
                    _,
                    id0,
                    id1,
                    seq0,
                    seq1,
                    payload @ ..,
                ] => Ok((
                    Transport::Icmpv4 {
                        icmp_type: *icmp_type,
                        icmp_code: *icmp_code,
                    },
                    // Echo reply and echo request (RFC 792).
                    matches!(icmp_type, 0 | 8).then(|| IcmpEcho {
                        id: u16::from_be_bytes([*id0, *id1]),
                        seq: u16::from_be_bytes([*seq0, *seq1]),
                    }),
                    payload,
                )),
                _ => Err(Reason::Icmpv4PktTooSmall),
            }
        }
        PROTO_ICMPV6 if v6 => {
            c.icmpv6 += 1;
            match data {
                [
                    icmp_type,
                    icmp_code,
                    _,
                    _,
                    id0,
                    id1,
                    seq0,
                    seq1,
                    payload @ ..,
                ] => Ok((
                    Transport::Icmpv6 {
                        icmp_type: *icmp_type,
                        icmp_code: *icmp_code,
                    },
                    // Echo request and echo reply (RFC 4443 section 4).
                    matches!(icmp_type, 128 | 129).then(|| IcmpEcho {
                        id: u16::from_be_bytes([*id0, *id1]),
                        seq: u16::from_be_bytes([*seq0, *seq1]),
                    }),
                    payload,
                )),
                _ => Err(Reason::Icmpv6PktTooSmall),
            }
        }
        // Everything else, including ICMPv6 over IPv4 and ICMPv4 over IPv6,
        // which no stack accepts.
        _ => {
            c.other_ip += 1;
            Ok((Transport::Other, None, data))
        }
    }
}

/// Decodes the transport layer of a reassembled datagram whose fragmentable
/// part is `payload`.
pub(crate) fn reassembled<'a>(
    c: &mut DecoderCounters,
    done: &Completed,
    payload: &'a [u8],
) -> Result<DecodedPacket<'a>, Reason> {
    let v6 = done.key.src.is_ipv6();
    let (proto, upper) = if v6 {
        let exts = walk_ipv6_exts(done.header.proto, payload, payload.len(), false)?;
        (exts.proto, tail(payload, exts.upper_start))
    } else {
        (done.header.proto, payload)
    };
    let (transport, icmp_echo, payload_out) = transport(c, proto, v6, upper, upper.len())?;
    Ok(DecodedPacket {
        vlans: done.key.vlans,
        src_mac: done.header.link.src_mac,
        dst_mac: done.header.link.dst_mac,
        src: done.key.src,
        dst: done.key.dst,
        ip_proto: proto,
        ttl: done.header.ttl,
        ip_id: done.key.id,
        ip_len: (done.header.hdr_len + payload.len()) as u32,
        // The datagram is whole now: no more fragments.
        ip_flags: IpFlags(done.header.ip_flags.0 & !IpFlags::MF),
        reassembled: true,
        transport,
        icmp_echo,
        payload: payload_out,
    })
}
