//! Link-layer framing: one IP packet re-encapsulated for every link type the
//! sensor decodes, so a scenario can be replayed over each of them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::packet::mac_for_ip;

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// EtherType of an 802.1Q customer VLAN tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;
/// EtherType of an 802.1ad service (outer QinQ) tag.
pub const ETHERTYPE_QINQ: u16 = 0x88a8;

/// BSD address family of IPv4 in a Null/Loop header.
pub const BSD_AF_INET: u32 = 2;
/// BSD address family of IPv6 written in Null/Loop headers (24: NetBSD/OpenBSD; FreeBSD uses 28, macOS 30).
pub const BSD_AF_INET6: u32 = 24;

/// Linux cooked-capture packet type "sent to us" (`PACKET_HOST`).
pub const SLL_PACKET_HOST: u16 = 0;
/// Interface index written into SLL2 headers.
pub const SLL2_IFINDEX: u32 = 2;

/// How an IP packet is framed in a capture, with its pcap `LINKTYPE_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Link {
    /// Ethernet II (linktype 1).
    Ethernet,
    /// Ethernet with one 802.1Q tag (0x8100) carrying this VLAN id (linktype 1).
    Vlan(u16),
    /// Ethernet with an 802.1ad outer tag (0x88a8) then an 802.1Q inner tag (linktype 1).
    QinQ {
        /// Service (outer) VLAN id.
        outer: u16,
        /// Customer (inner) VLAN id.
        inner: u16,
    },
    /// Linux cooked capture v1, 16-byte header (linktype 113).
    Sll,
    /// Linux cooked capture v2, 20-byte header (linktype 276).
    Sll2,
    /// Bare IP packet (`LINKTYPE_RAW`, 101).
    Raw,
    /// BSD loopback: 4-byte address family, little-endian (host order of the writer) (linktype 0).
    Null,
    /// OpenBSD loopback: 4-byte address family, big-endian (linktype 108).
    Loop,
}

impl Link {
    /// Every link variant once (VLAN 100, QinQ outer 200 / inner 300), for "same scenario over each link" loops.
    pub const ALL: [Link; 8] = [
        Link::Ethernet,
        Link::Vlan(100),
        Link::QinQ {
            outer: 200,
            inner: 300,
        },
        Link::Sll,
        Link::Sll2,
        Link::Raw,
        Link::Null,
        Link::Loop,
    ];

    /// The pcap link-type number to write in the file header.
    pub fn linktype(self) -> u32 {
        match self {
            Link::Ethernet | Link::Vlan(_) | Link::QinQ { .. } => 1,
            Link::Sll => 113,
            Link::Sll2 => 276,
            Link::Raw => 101,
            Link::Null => 0,
            Link::Loop => 108,
        }
    }

    /// Bytes of link-layer header this framing puts before the IP packet.
    pub fn header_len(self) -> usize {
        match self {
            Link::Ethernet => 14,
            Link::Vlan(_) => 18,
            Link::QinQ { .. } => 22,
            Link::Sll => 16,
            Link::Sll2 => 20,
            Link::Raw => 0,
            Link::Null | Link::Loop => 4,
        }
    }
}

/// Frames an IP packet for `link`; MACs come from [`mac_for_ip`] of the packet's source/destination.
pub fn encapsulate(link: Link, ip_packet: &[u8]) -> Vec<u8> {
    let (src, dst) = ip_endpoints(ip_packet).unwrap_or((
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    ));
    encapsulate_with_macs(link, mac_for_ip(src), mac_for_ip(dst), ip_packet)
}

/// Frames an IP packet for `link` with explicit source/destination MACs (SLL/SLL2 carry the source MAC).
pub fn encapsulate_with_macs(
    link: Link,
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    ip_packet: &[u8],
) -> Vec<u8> {
    let is_v6 = ip_packet.first().is_some_and(|b| b >> 4 == 6);
    let ethertype = if is_v6 {
        ETHERTYPE_IPV6
    } else {
        ETHERTYPE_IPV4
    };
    let af = if is_v6 { BSD_AF_INET6 } else { BSD_AF_INET };
    let mut out = Vec::with_capacity(link.header_len() + ip_packet.len());
    match link {
        Link::Ethernet => {
            out.extend_from_slice(&dst_mac);
            out.extend_from_slice(&src_mac);
        }
        Link::Vlan(id) => {
            out.extend_from_slice(&dst_mac);
            out.extend_from_slice(&src_mac);
            push_tag(&mut out, ETHERTYPE_VLAN, id);
        }
        Link::QinQ { outer, inner } => {
            out.extend_from_slice(&dst_mac);
            out.extend_from_slice(&src_mac);
            push_tag(&mut out, ETHERTYPE_QINQ, outer);
            push_tag(&mut out, ETHERTYPE_VLAN, inner);
        }
        Link::Sll => {
            out.extend_from_slice(&SLL_PACKET_HOST.to_be_bytes());
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.extend_from_slice(&6u16.to_be_bytes()); // address length
            out.extend_from_slice(&src_mac);
            out.extend_from_slice(&[0, 0]); // address field is 8 bytes
        }
        Link::Sll2 => {
            out.extend_from_slice(&ethertype.to_be_bytes());
            out.extend_from_slice(&0u16.to_be_bytes()); // reserved
            out.extend_from_slice(&SLL2_IFINDEX.to_be_bytes());
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.push(SLL_PACKET_HOST as u8);
            out.push(6); // address length
            out.extend_from_slice(&src_mac);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(ip_packet);
            return out;
        }
        Link::Raw => {
            out.extend_from_slice(ip_packet);
            return out;
        }
        Link::Null => {
            out.extend_from_slice(&af.to_le_bytes());
            out.extend_from_slice(ip_packet);
            return out;
        }
        Link::Loop => {
            out.extend_from_slice(&af.to_be_bytes());
            out.extend_from_slice(ip_packet);
            return out;
        }
    }
    // Ethernet-like framings and SLL end with the EtherType of the payload.
    out.extend_from_slice(&ethertype.to_be_bytes());
    out.extend_from_slice(ip_packet);
    out
}

/// An Ethernet II frame around `ip_packet` (EtherType from the IP version nibble).
pub fn ethernet(src_mac: [u8; 6], dst_mac: [u8; 6], ip_packet: &[u8]) -> Vec<u8> {
    encapsulate_with_macs(Link::Ethernet, src_mac, dst_mac, ip_packet)
}

/// Appends an 802.1Q/802.1ad tag: TPID then TCI (PCP 0, DEI 0, 12-bit VLAN id).
fn push_tag(out: &mut Vec<u8>, tpid: u16, vlan_id: u16) {
    assert!(vlan_id < 4096, "VLAN id {vlan_id} does not fit 12 bits");
    out.extend_from_slice(&tpid.to_be_bytes());
    out.extend_from_slice(&vlan_id.to_be_bytes());
}

/// Source and destination addresses of an IPv4 or IPv6 packet, `None` if too short.
pub fn ip_endpoints(ip_packet: &[u8]) -> Option<(IpAddr, IpAddr)> {
    match ip_packet.first()? >> 4 {
        4 if ip_packet.len() >= 20 => {
            let src: [u8; 4] = ip_packet[12..16].try_into().ok()?;
            let dst: [u8; 4] = ip_packet[16..20].try_into().ok()?;
            Some((Ipv4Addr::from(src).into(), Ipv4Addr::from(dst).into()))
        }
        6 if ip_packet.len() >= 40 => {
            let src: [u8; 16] = ip_packet[8..24].try_into().ok()?;
            let dst: [u8; 16] = ip_packet[24..40].try_into().ok()?;
            Some((Ipv6Addr::from(src).into(), Ipv6Addr::from(dst).into()))
        }
        _ => None,
    }
}

/// An Ethernet II frame of any EtherType (ARP 0x0806, LLDP 0x88cc, ...).
pub fn ethernet_typed(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    ether_type: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(14 + payload.len());
    out.extend_from_slice(&dst_mac);
    out.extend_from_slice(&src_mac);
    out.extend_from_slice(&ether_type.to_be_bytes());
    out.extend_from_slice(payload);
    out
}
