//! [`Flow`]: one tracked flow, what the EVE `flow` record is written from.

use std::net::IpAddr;

use crate::decode::{DecodedPacket, Transport, Vlans};
use crate::time::Timestamp;

use super::tcp::{StateClass, TcpSession, TcpState};
use super::{Direction, PacketMeta};

/// The protocol family of a flow, fixed by its first packet; chooses the
/// timeouts, the counters and whether TCP tracking applies.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP for IPv4.
    Icmpv4,
    /// ICMP for IPv6.
    Icmpv6,
    /// Any other IP protocol, or a transport header the decoder could not read.
    Other,
}

impl Family {
    fn of(transport: &Transport) -> Family {
        match transport {
            Transport::Tcp { .. } => Family::Tcp,
            Transport::Udp { .. } => Family::Udp,
            Transport::Icmpv4 { .. } => Family::Icmpv4,
            Transport::Icmpv6 { .. } => Family::Icmpv6,
            Transport::Other => Family::Other,
        }
    }
}

/// A slot for per-flow state of the stages after the flow table.
#[derive(Default)]
pub struct FlowExt(pub Option<Box<dyn std::any::Any + Send>>);

impl std::fmt::Debug for FlowExt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "FlowExt(Some)"
        } else {
            "FlowExt(None)"
        })
    }
}

/// One flow: both directions of a connection (TCP) or of an address/port pair
/// (UDP, ICMP, other protocols) until it times out.
///
/// The public fields are what the EVE writer reads. TCP state and the stream
/// reassemblers are reached through the accessor methods.
#[derive(Debug)]
pub struct Flow {
    /// Stable flow id (EVE `flow_id`): a hash of the normalised key and the start
    /// time, 51 bits, never 0; the same on every run and for any worker count.
    pub id: u64,
    /// VLAN ids of the flow (part of its key).
    pub vlans: Vlans,
    /// IP protocol number.
    pub ip_proto: u8,
    /// Client address: the source of the first packet (the destination when the
    /// first packet is a SYN+ACK).
    pub client: IpAddr,
    /// Client port (0 for port-less protocols).
    pub client_port: u16,
    /// Server address.
    pub server: IpAddr,
    /// Server port (0 for port-less protocols).
    pub server_port: u16,
    /// ICMP type of the first packet, for ICMP flows.
    pub icmp_type: Option<u8>,
    /// ICMP code of the first packet, for ICMP flows.
    pub icmp_code: Option<u8>,
    /// Capture interface of the first packet.
    pub iface: u16,
    /// Time of the first packet.
    pub start: Timestamp,
    /// Time of the latest packet (the flow's end time once it ended).
    pub last_seen: Timestamp,
    /// Packets from client to server.
    pub pkts_toserver: u64,
    /// Packets from server to client.
    pub pkts_toclient: u64,
    /// Wire bytes from client to server.
    pub bytes_toserver: u64,
    /// Wire bytes from server to client.
    pub bytes_toclient: u64,
    /// OR of the TCP flags of every client packet.
    pub tcp_flags_ts: u8,
    /// OR of the TCP flags of every server packet.
    pub tcp_flags_tc: u8,
    /// Application protocol, set by the app layer (Suricata's names); `None`
    /// until then.
    pub app_proto: Option<&'static str>,
    /// Whether an alert was raised on this flow (EVE `flow.alerted`).
    pub alerted: bool,
    /// State that later stages (app-layer parsers, detection) keep per flow.
    /// Owned by the flow so it lives and dies with it, and reached without a
    /// second hash lookup per packet.
    pub ext: FlowExt,
    family: Family,
    /// A packet was seen from the server (non-TCP established).
    replied: bool,
    tcp: TcpSession,
}

impl Flow {
    /// A flow whose first packet is `pkt`; `client_is_src` tells which end of
    /// the packet is the client.
    pub(crate) fn new(
        id: u64,
        pkt: &DecodedPacket<'_>,
        meta: &PacketMeta,
        client_is_src: bool,
    ) -> Flow {
        let (sport, dport) = pkt.transport.ports();
        let (client, client_port, server, server_port) = if client_is_src {
            (pkt.src, sport, pkt.dst, dport)
        } else {
            (pkt.dst, dport, pkt.src, sport)
        };
        let (icmp_type, icmp_code) = match pkt.transport {
            Transport::Icmpv4 {
                icmp_type,
                icmp_code,
            }
            | Transport::Icmpv6 {
                icmp_type,
                icmp_code,
            } => (Some(icmp_type), Some(icmp_code)),
            _ => (None, None),
        };
        Flow {
            id,
            vlans: pkt.vlans,
            ip_proto: pkt.ip_proto,
            client,
            client_port,
            server,
            server_port,
            icmp_type,
            icmp_code,
            iface: meta.iface,
            start: meta.ts,
            last_seen: meta.ts,
            pkts_toserver: 0,
            pkts_toclient: 0,
            bytes_toserver: 0,
            bytes_toclient: 0,
            tcp_flags_ts: 0,
            tcp_flags_tc: 0,
            app_proto: None,
            alerted: false,
            ext: FlowExt::default(),
            family: Family::of(&pkt.transport),
            replied: false,
            tcp: TcpSession::default(),
        }
    }

    /// `flow:established` for the packet being processed (and the stream
    /// data and transactions it causes): for TCP, the session was
    /// established before this packet (see [`TcpSession::established_before`]);
    /// for other protocols, the flow has been seen both ways.
    pub fn established_for_packet(&self) -> bool {
        match self.family {
            Family::Tcp => self.tcp.established_before(),
            _ => self.replied,
        }
    }

    /// Suricata's `flow.state`: `"new"`, `"established"` or `"closed"`.
    pub fn state(&self) -> &'static str {
        self.state_class().as_str()
    }

    /// The flow state as a value.
    pub fn state_class(&self) -> StateClass {
        match self.family {
            Family::Tcp => self.tcp.state().class(),
            _ if self.replied => StateClass::Established,
            _ => StateClass::New,
        }
    }

    /// Suricata's `tcp.state` name, for TCP flows.
    pub fn tcp_state(&self) -> Option<&'static str> {
        self.tcp_state_value().map(TcpState::as_str)
    }

    /// The TCP state as a value, for TCP flows.
    pub fn tcp_state_value(&self) -> Option<TcpState> {
        (self.family == Family::Tcp).then(|| self.tcp.state())
    }

    /// The protocol family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// True when a hole was skipped in either direction's stream.
    pub fn had_gap(&self) -> bool {
        self.tcp.streams.iter().any(|s| s.had_gap())
    }

    /// True when a TCP flow was picked up without its handshake.
    pub fn midstream(&self) -> bool {
        self.tcp.midstream()
    }

    /// True when a TCP flow was closed by a RST.
    pub fn was_reset(&self) -> bool {
        self.tcp.reset()
    }

    /// Bytes of the `dir` stream delivered or skipped so far (the next stream
    /// offset).
    pub fn stream_offset(&self, dir: Direction) -> u64 {
        self.tcp.streams[dir.index()].next_offset()
    }

    /// True when the `dir` stream reached the depth.
    pub fn depth_reached(&self, dir: Direction) -> bool {
        self.tcp.streams[dir.index()].depth_reached()
    }

    /// True when the `dir` stream delivered `Closed`.
    pub fn stream_closed(&self, dir: Direction) -> bool {
        self.tcp.streams[dir.index()].is_closed()
    }

    pub(crate) fn tcp_mut(&mut self) -> &mut TcpSession {
        &mut self.tcp
    }

    pub(crate) fn tcp(&self) -> &TcpSession {
        &self.tcp
    }

    pub(crate) fn set_replied(&mut self) {
        self.replied = true;
    }
}
