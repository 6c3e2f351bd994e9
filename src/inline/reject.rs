//! What a `reject` rule sends back: TCP resets to both ends of a connection,
//! or an ICMP "administratively prohibited" for anything else — and the raw
//! sockets that send them from an inline gateway.
//!
//! The packets are built from the offending one, so both ends accept them
//! (RFC 9293 §3.10.7.4: a reset is valid when its sequence number is in the
//! receive window; we use exactly the next expected number):
//!
//! - to the **sender**: from the receiver's address and port, `seq` = the
//!   offending segment's `ack` (what the sender expects from the receiver
//!   next), `ack` = the end of the offending segment. The sender's socket
//!   reports "connection reset".
//! - to the **receiver**: from the sender, `seq` = the offending segment's
//!   `seq`: since that segment was dropped, it is still what the receiver
//!   expects. Its half-open connection is torn down instead of waiting for a
//!   timeout.
//!
//! No reset answers a reset, and no ICMP error answers an ICMP error
//! (RFC 1122 §3.2.2).

use std::net::{IpAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, OwnedFd};

use etherparse::{
    Icmpv4Type, Icmpv6Type, NetSlice, PacketBuilder, SlicedPacket, TransportSlice, icmpv4, icmpv6,
};
use nix::sys::socket::{
    self, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType, SockaddrIn, SockaddrIn6,
};

/// TTL / hop limit of what we send.
const TTL: u8 = 64;

/// Bytes of the offending packet quoted in an ICMPv6 error: the whole error
/// must fit the IPv6 minimum MTU of 1280 (RFC 4443 §3.1).
const ICMPV6_QUOTE: usize = 1280 - 40 - 8;

/// One packet to send: an IP packet and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The destination (also in the packet's header).
    pub to: IpAddr,
    /// The whole IP packet.
    pub packet: Vec<u8>,
    /// A TCP reset (else an ICMP error).
    pub is_rst: bool,
}

/// The packets that reject `packet` (a bare IPv4/IPv6 packet): two resets for
/// TCP, one ICMP unreachable otherwise, nothing for a reset, an ICMP error
/// or what cannot be parsed.
pub fn responses_for(packet: &[u8]) -> Vec<Response> {
    let Ok(p) = SlicedPacket::from_ip(packet) else {
        return Vec::new();
    };
    let (src, dst, header_len) = match &p.net {
        Some(NetSlice::Ipv4(v4)) => (
            IpAddr::V4(v4.header().source_addr()),
            IpAddr::V4(v4.header().destination_addr()),
            v4.header().slice().len(),
        ),
        Some(NetSlice::Ipv6(v6)) => (
            IpAddr::V6(v6.header().source_addr()),
            IpAddr::V6(v6.header().destination_addr()),
            40,
        ),
        _ => return Vec::new(),
    };
    match &p.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            if tcp.rst() {
                return Vec::new();
            }
            let seg_len = (tcp.payload().len() as u32)
                .wrapping_add(u32::from(tcp.syn()))
                .wrapping_add(u32::from(tcp.fin()));
            let to_sender = rst(
                dst,
                src,
                tcp.destination_port(),
                tcp.source_port(),
                if tcp.ack() {
                    tcp.acknowledgment_number()
                } else {
                    0
                },
                Some(tcp.sequence_number().wrapping_add(seg_len)),
            );
            let to_receiver = rst(
                src,
                dst,
                tcp.source_port(),
                tcp.destination_port(),
                tcp.sequence_number(),
                tcp.ack().then(|| tcp.acknowledgment_number()),
            );
            [(src, to_sender), (dst, to_receiver)]
                .into_iter()
                .filter_map(|(to, p)| {
                    p.map(|packet| Response {
                        to,
                        packet,
                        is_rst: true,
                    })
                })
                .collect()
        }
        Some(TransportSlice::Icmpv4(i)) if is_icmpv4_error(i.type_u8()) => Vec::new(),
        Some(TransportSlice::Icmpv6(i)) if i.type_u8() < 128 => Vec::new(),
        _ => unreachable_for(src, dst, packet, header_len)
            .map(|packet| {
                vec![Response {
                    to: src,
                    packet,
                    is_rst: false,
                }]
            })
            .unwrap_or_default(),
    }
}

fn is_icmpv4_error(t: u8) -> bool {
    // Destination unreachable, source quench, redirect, time exceeded,
    // parameter problem.
    matches!(t, 3 | 4 | 5 | 11 | 12)
}

fn rst(
    from: IpAddr,
    to: IpAddr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: Option<u32>,
) -> Option<Vec<u8>> {
    let ip = match (from, to) {
        (IpAddr::V4(f), IpAddr::V4(t)) => PacketBuilder::ipv4(f.octets(), t.octets(), TTL),
        (IpAddr::V6(f), IpAddr::V6(t)) => PacketBuilder::ipv6(f.octets(), t.octets(), TTL),
        _ => return None,
    };
    let tcp = ip.tcp(sport, dport, seq, 0).rst();
    let tcp = match ack {
        Some(a) => tcp.ack(a),
        None => tcp,
    };
    let mut out = Vec::with_capacity(60);
    tcp.write(&mut out, &[]).ok()?;
    Some(out)
}

/// ICMP destination unreachable, "communication administratively
/// prohibited", from the original destination back to the sender, quoting
/// the IP header and the first 8 bytes after it (RFC 792), or as much as fits
/// the minimum MTU for IPv6 (RFC 4443).
fn unreachable_for(src: IpAddr, dst: IpAddr, packet: &[u8], header_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(96);
    match (dst, src) {
        (IpAddr::V4(f), IpAddr::V4(t)) => {
            let quote = packet.get(..packet.len().min(header_len + 8))?;
            PacketBuilder::ipv4(f.octets(), t.octets(), TTL)
                .icmpv4(Icmpv4Type::DestinationUnreachable(
                    icmpv4::DestUnreachableHeader::FilterProhibited,
                ))
                .write(&mut out, quote)
                .ok()?;
        }
        (IpAddr::V6(f), IpAddr::V6(t)) => {
            let quote = packet.get(..packet.len().min(ICMPV6_QUOTE))?;
            PacketBuilder::ipv6(f.octets(), t.octets(), TTL)
                .icmpv6(Icmpv6Type::DestinationUnreachable(
                    icmpv6::DestUnreachableCode::Prohibited,
                ))
                .write(&mut out, quote)
                .ok()?;
        }
        _ => return None,
    }
    Some(out)
}

/// Raw IP sockets (`IPPROTO_RAW`: we write the whole IP header) that send
/// [`Response`]s through the host's routing table. Needs CAP_NET_RAW.
#[derive(Debug)]
pub struct RawSender {
    v4: Option<OwnedFd>,
    v6: Option<OwnedFd>,
}

impl RawSender {
    /// Opens both families; `None` when neither opens (then the error).
    pub fn open() -> Result<Self, nix::errno::Errno> {
        let open = |family| {
            socket::socket(
                family,
                SockType::Raw,
                SockFlag::SOCK_CLOEXEC,
                SockProtocol::Raw,
            )
        };
        let v4 = open(AddressFamily::Inet);
        let v6 = open(AddressFamily::Inet6);
        match (v4, v6) {
            (Err(e), Err(_)) => Err(e),
            (v4, v6) => Ok(RawSender {
                v4: v4.ok(),
                v6: v6.ok(),
            }),
        }
    }

    /// Sends one response.
    pub fn send(&self, r: &Response) -> Result<(), nix::errno::Errno> {
        let res = match r.to {
            IpAddr::V4(a) => {
                let fd = self.v4.as_ref().ok_or(nix::errno::Errno::EAFNOSUPPORT)?;
                let addr = SockaddrIn::from(SocketAddrV4::new(a, 0));
                socket::sendto(fd.as_raw_fd(), &r.packet, &addr, MsgFlags::empty())
            }
            IpAddr::V6(a) => {
                let fd = self.v6.as_ref().ok_or(nix::errno::Errno::EAFNOSUPPORT)?;
                let addr = SockaddrIn6::from(SocketAddrV6::new(a, 0, 0, 0));
                socket::sendto(fd.as_raw_fd(), &r.packet, &addr, MsgFlags::empty())
            }
        };
        res.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_packet(flags: &str, seq: u32, ack: u32, payload: &[u8]) -> Vec<u8> {
        let b = PacketBuilder::ipv4([10, 1, 0, 2], [10, 2, 0, 2], 63).tcp(40000, 80, seq, 502);
        let b = if flags.contains('S') { b.syn() } else { b };
        let b = if flags.contains('A') { b.ack(ack) } else { b };
        let b = if flags.contains('P') { b.psh() } else { b };
        let b = if flags.contains('R') { b.rst() } else { b };
        let mut out = Vec::new();
        b.write(&mut out, payload).expect("build");
        out
    }

    #[test]
    fn data_segment_gets_a_reset_each_way_with_the_expected_numbers() {
        let pkt = tcp_packet("PA", 1000, 7000, b"GET /exploit HTTP/1.1\r\n\r\n");
        let r = responses_for(&pkt);
        assert_eq!(r.len(), 2);
        let to_client = SlicedPacket::from_ip(&r[0].packet).expect("parse");
        let Some(TransportSlice::Tcp(t)) = to_client.transport else {
            panic!("not tcp")
        };
        assert_eq!(r[0].to, IpAddr::from([10, 1, 0, 2]));
        assert!(t.rst() && t.ack());
        assert_eq!((t.source_port(), t.destination_port()), (80, 40000));
        assert_eq!(t.sequence_number(), 7000);
        assert_eq!(t.acknowledgment_number(), 1000 + 25);
        let to_server = SlicedPacket::from_ip(&r[1].packet).expect("parse");
        let Some(TransportSlice::Tcp(t)) = to_server.transport else {
            panic!("not tcp")
        };
        assert_eq!(r[1].to, IpAddr::from([10, 2, 0, 2]));
        assert_eq!((t.source_port(), t.destination_port()), (40000, 80));
        assert_eq!(t.sequence_number(), 1000);
        // Checksums are valid: etherparse recomputes and compares.
        let Some(NetSlice::Ipv4(ip)) = to_server.net else {
            panic!("not ipv4")
        };
        let sum = t
            .to_header()
            .calc_checksum_ipv4(&ip.header().to_header(), &[])
            .expect("sum");
        assert_eq!(sum, t.checksum());
    }

    #[test]
    fn syn_gets_rst_ack_of_seq_plus_one() {
        let r = responses_for(&tcp_packet("S", 5, 0, b""));
        let p = SlicedPacket::from_ip(&r[0].packet).expect("parse");
        let Some(TransportSlice::Tcp(t)) = p.transport else {
            panic!("not tcp")
        };
        assert_eq!(t.sequence_number(), 0);
        assert_eq!(t.acknowledgment_number(), 6);
    }

    #[test]
    fn no_reset_for_a_reset_nor_error_for_an_error() {
        assert!(responses_for(&tcp_packet("R", 5, 0, b"")).is_empty());
        let mut err = Vec::new();
        PacketBuilder::ipv4([10, 2, 0, 2], [10, 1, 0, 2], 64)
            .icmpv4(Icmpv4Type::DestinationUnreachable(
                icmpv4::DestUnreachableHeader::Port,
            ))
            .write(&mut err, &[0x45; 28])
            .expect("build");
        assert!(responses_for(&err).is_empty());
        assert!(responses_for(&[0x45, 0, 0]).is_empty());
    }

    #[test]
    fn udp_gets_admin_prohibited_quoting_header_and_8_bytes() {
        let mut pkt = Vec::new();
        PacketBuilder::ipv4([10, 1, 0, 2], [10, 2, 0, 2], 63)
            .udp(5353, 53)
            .write(&mut pkt, &[7u8; 100])
            .expect("build");
        let r = responses_for(&pkt);
        assert_eq!(r.len(), 1);
        assert!(!r[0].is_rst);
        let p = SlicedPacket::from_ip(&r[0].packet).expect("parse");
        let Some(TransportSlice::Icmpv4(i)) = p.transport else {
            panic!("not icmp")
        };
        assert_eq!((i.type_u8(), i.code_u8()), (3, 13));
        assert_eq!(i.payload(), &pkt[..28]);
        let Some(NetSlice::Ipv4(ip)) = p.net else {
            panic!("not v4")
        };
        assert_eq!(ip.header().source_addr().octets(), [10, 2, 0, 2]);
    }
}
