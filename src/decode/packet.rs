//! The decoded meaning of one packet, borrowed from the capture buffer.
//!
//! These types are the contract between the decoder and everything after it
//! (flow table, stream reassembly, detection). They hold only what later stages
//! need; the bytes on the wire stay in the capture buffer.

use std::net::IpAddr;

/// The link-layer framing of a capture (pcap `DLT_*` / `LINKTYPE_*`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// `LINKTYPE_ETHERNET` (1): Ethernet II, possibly with 802.1Q / QinQ tags.
    Ethernet,
    /// `LINKTYPE_LINUX_SLL` (113): Linux cooked capture v1 (capture on `any`).
    LinuxSll,
    /// `LINKTYPE_LINUX_SLL2` (276): Linux cooked capture v2.
    LinuxSll2,
    /// `LINKTYPE_RAW` (101) and `DLT_RAW` (12 / 14): a bare IPv4 or IPv6 packet.
    Raw,
    /// `LINKTYPE_IPV4` (228): a bare IPv4 packet.
    Ipv4,
    /// `LINKTYPE_IPV6` (229): a bare IPv6 packet.
    Ipv6,
    /// `LINKTYPE_NULL` (0): BSD loopback, 4-byte address family in host byte order.
    Null,
    /// `LINKTYPE_LOOP` (108): OpenBSD loopback, address family in network byte order.
    Loop,
    /// Any other link type, met on one interface of a multi-interface pcapng
    /// file: its frames are counted (`decoder.unsupported_link`) and skipped.
    /// A whole capture of an unsupported type is refused when opened instead.
    Unsupported(u16),
}

impl LinkType {
    /// Maps a pcap link-type number to a supported framing, `None` if unsupported.
    pub fn from_linktype(value: i32) -> Option<Self> {
        Some(match value {
            1 => LinkType::Ethernet,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            101 | 12 | 14 => LinkType::Raw,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            0 => LinkType::Null,
            108 => LinkType::Loop,
            _ => return None,
        })
    }

    /// The pcap link-type number, as written in a pcap file header.
    pub fn linktype(self) -> i32 {
        match self {
            LinkType::Ethernet => 1,
            LinkType::LinuxSll => 113,
            LinkType::LinuxSll2 => 276,
            LinkType::Raw => 101,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::Null => 0,
            LinkType::Loop => 108,
            LinkType::Unsupported(n) => i32::from(n),
        }
    }
}

/// Up to two VLAN ids (outer first), 0 where absent. Part of the flow key, so
/// the same addresses in two VLANs are two flows (as in Suricata).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vlans(pub [u16; 2]);

impl Vlans {
    /// The VLAN ids present, outer first.
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().copied().filter(|v| *v != 0)
    }
}

/// TCP header flags as on the wire (low 8 bits: FIN SYN RST PSH ACK URG ECE CWR).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// FIN
    pub const FIN: u8 = 0x01;
    /// SYN
    pub const SYN: u8 = 0x02;
    /// RST
    pub const RST: u8 = 0x04;
    /// PSH
    pub const PSH: u8 = 0x08;
    /// ACK
    pub const ACK: u8 = 0x10;
    /// URG
    pub const URG: u8 = 0x20;
    /// ECE
    pub const ECE: u8 = 0x40;
    /// CWR
    pub const CWR: u8 = 0x80;

    /// True when every bit of `mask` is set.
    pub fn has(self, mask: u8) -> bool {
        self.0 & mask == mask
    }
}

/// IPv4 header flags, in Suricata's `fragbits` bit order, which is also the
/// order on the wire (the top three bits of the flags/fragment-offset word,
/// RFC 791 section 3.1, shifted right by 13).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpFlags(pub u8);

impl IpFlags {
    /// MF, more fragments.
    pub const MF: u8 = 0x01;
    /// DF, don't fragment.
    pub const DF: u8 = 0x02;
    /// The reserved ("evil", RFC 3514) bit.
    pub const RF: u8 = 0x04;

    /// The flags of an IPv4 header's flags/fragment-offset word.
    pub fn from_frag_word(word: u16) -> Self {
        IpFlags((word >> 13) as u8 & 0x07)
    }

    /// True when every bit of `mask` is set.
    pub fn has(self, mask: u8) -> bool {
        self.0 & mask == mask
    }
}

/// Identifier and sequence number of an ICMP echo request or reply (ICMPv4
/// types 8 and 0, RFC 792; ICMPv6 types 128 and 129, RFC 4443 section 4).
/// Other ICMP types put other things in those bytes, so they have none.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct IcmpEcho {
    /// Identifier.
    pub id: u16,
    /// Sequence number.
    pub seq: u16,
}

/// The transport layer of a decoded packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// TCP with its header fields.
    Tcp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Sequence number.
        seq: u32,
        /// Acknowledgement number (meaningful when ACK is set).
        ack: u32,
        /// Header flags.
        flags: TcpFlags,
        /// Receive window (unscaled).
        window: u16,
    },
    /// UDP.
    Udp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
    },
    /// ICMP for IPv4.
    Icmpv4 {
        /// ICMP type.
        icmp_type: u8,
        /// ICMP code.
        icmp_code: u8,
    },
    /// ICMP for IPv6.
    Icmpv6 {
        /// ICMP type.
        icmp_type: u8,
        /// ICMP code.
        icmp_code: u8,
    },
    /// Any other IP protocol (GRE, ESP, SCTP, ...), or a transport header that
    /// could not be decoded; the IP protocol number is in [`DecodedPacket::ip_proto`].
    Other,
}

impl Transport {
    /// Source and destination ports; `(0, 0)` for port-less protocols.
    pub fn ports(&self) -> (u16, u16) {
        match *self {
            Transport::Tcp {
                src_port, dst_port, ..
            }
            | Transport::Udp { src_port, dst_port } => (src_port, dst_port),
            _ => (0, 0),
        }
    }
}

/// One decoded IP packet (or reassembled IP datagram), borrowed from the
/// capture buffer or, for a reassembled datagram, from the defragmenter.
#[derive(Clone, Debug)]
pub struct DecodedPacket<'a> {
    /// VLAN ids (outer first).
    pub vlans: Vlans,
    /// Source MAC address when the link layer carries one.
    pub src_mac: Option<[u8; 6]>,
    /// Destination MAC address when the link layer carries one.
    pub dst_mac: Option<[u8; 6]>,
    /// IP source address.
    pub src: IpAddr,
    /// IP destination address.
    pub dst: IpAddr,
    /// IP protocol number of the transport (after IPv6 extension headers).
    pub ip_proto: u8,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification (IPv6: fragment header identification, else 0).
    pub ip_id: u32,
    /// Length of the IP datagram (header + payload) as decoded.
    pub ip_len: u32,
    /// IPv4 header flags. A reassembled datagram has those of its fragment
    /// with offset 0 less MF, as it is whole (Suricata zeroes the whole word,
    /// so it differs only in keeping DF and RF). Always empty for IPv6, which
    /// has no such flags.
    pub ip_flags: IpFlags,
    /// True when this packet is a datagram reassembled from fragments.
    pub reassembled: bool,
    /// Transport header fields.
    pub transport: Transport,
    /// Identifier and sequence of an ICMP (v4 or v6) echo request or reply;
    /// `None` for every other packet.
    pub icmp_echo: Option<IcmpEcho>,
    /// Transport payload (TCP/UDP data, ICMP body after the 8-byte header, or the
    /// whole IP payload for other protocols). Truncated to what was captured.
    pub payload: &'a [u8],
}

/// An ARP request or reply for IPv4 over Ethernet (RFC 826): who has which
/// address. Not an IP packet, so it never reaches the flow table; the device
/// inventory learns MAC/IP pairs from it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ArpPacket {
    /// 1 request, 2 reply (other opcodes are not decoded).
    pub op: u16,
    /// Sender hardware address.
    pub sender_mac: [u8; 6],
    /// Sender protocol address (0.0.0.0 in an RFC 5227 probe).
    pub sender_ip: std::net::Ipv4Addr,
    /// Target hardware address (zero in a request).
    pub target_mac: [u8; 6],
    /// Target protocol address.
    pub target_ip: std::net::Ipv4Addr,
    /// VLAN ids of the frame.
    pub vlans: Vlans,
}

impl ArpPacket {
    /// Parses the ARP body (after the EtherType): Ethernet hardware (1),
    /// IPv4 protocol (0x0800), lengths 6 and 4, opcode 1 or 2. Anything else
    /// is `None`.
    pub fn parse(body: &[u8], vlans: Vlans) -> Option<ArpPacket> {
        let b = body.get(..28)?;
        if b[..6] != [0, 1, 0x08, 0x00, 6, 4] {
            return None;
        }
        let op = u16::from_be_bytes([b[6], b[7]]);
        if op != 1 && op != 2 {
            return None;
        }
        let mac = |at: usize| -> [u8; 6] {
            let mut m = [0u8; 6];
            m.copy_from_slice(&b[at..at + 6]);
            m
        };
        let ip = |at: usize| std::net::Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
        Some(ArpPacket {
            op,
            sender_mac: mac(8),
            sender_ip: ip(14),
            target_mac: mac(18),
            target_ip: ip(24),
            vlans,
        })
    }
}
