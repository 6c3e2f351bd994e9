//! What the flow table tells the stages after it: packets, stream data and
//! flow ends, through one [`FlowHandler`].

use crate::decode::DecodedPacket;
use crate::time::Timestamp;

use super::Flow;

/// Capture facts about a packet that the decoder does not produce.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PacketMeta {
    /// Capture time (packet time; every timeout is measured in it).
    pub ts: Timestamp,
    /// Length of the frame on the wire; the flow byte counters add this up.
    pub wire_len: u32,
    /// Index of the capture interface.
    pub iface: u16,
    /// Record number of the packet in its capture source, from 1 (Suricata's
    /// `pcap_cnt`); 0 when unknown.
    pub pcap_cnt: u64,
}

/// Which way a packet travels within its flow.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client (the side that opened the flow) to the server.
    ToServer,
    /// From the server to the client.
    ToClient,
}

impl Direction {
    /// Both directions, to-server first (the order flow ends flush them in).
    pub const BOTH: [Direction; 2] = [Direction::ToServer, Direction::ToClient];

    /// 0 for to-server, 1 for to-client (index into per-direction arrays).
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }

    /// The opposite direction.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }

    /// `"toserver"` or `"toclient"`, as Suricata spells directions.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToServer => "toserver",
            Direction::ToClient => "toclient",
        }
    }
}

/// Why a flow ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// No packet for the timeout of the flow's state.
    Timeout,
    /// Evicted to make room: the table held `max_flows` flows.
    Forced,
    /// The table was shut down (end of a replay, daemon stop).
    Shutdown,
    /// A new TCP connection (SYN with a new ISN) reused the ports of a closed one.
    TcpReuse,
}

impl EndReason {
    /// Suricata's name for the reason (`flow.reason` in EVE).
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Timeout => "timeout",
            EndReason::Forced => "forced",
            EndReason::Shutdown => "shutdown",
            EndReason::TcpReuse => "tcp_reuse",
        }
    }
}

/// One step of a reassembled TCP byte stream, in stream order.
///
/// Offsets count bytes from the start of the direction's stream: 0 is the first
/// byte after the SYN, or the first byte seen when the flow was picked up
/// mid-stream. Every offset is delivered exactly once, as `Data` or as `Gap`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent<'a> {
    /// In-order bytes; `offset` is the stream offset of `data[0]`.
    Data {
        /// Stream offset of the first byte.
        offset: u64,
        /// The bytes.
        data: &'a [u8],
    },
    /// Bytes that were never seen and were skipped.
    Gap {
        /// Stream offset of the first missing byte.
        offset: u64,
        /// Number of missing bytes.
        len: u64,
    },
    /// The configured depth was reached at `offset`: no more data will be
    /// delivered in this direction.
    DepthReached {
        /// The depth, as a stream offset.
        offset: u64,
    },
    /// This direction ended: its FIN was reached in order, a RST was seen, or
    /// the flow ended. Always the last event of a direction, sent exactly once.
    Closed,
}

/// Receives what the flow table learns. Object-safe; every method has an
/// empty default so a handler implements only what it needs.
///
/// Per packet the table calls [`on_packet`](FlowHandler::on_packet) after the
/// flow's counters and state were updated, then [`on_stream`](FlowHandler::on_stream)
/// for the stream events the packet caused. When a flow ends, the remaining
/// stream events (buffered data after skipped holes, then `Closed` per
/// direction) come before [`on_flow_end`](FlowHandler::on_flow_end).
///
/// The `&mut Flow` is there so the app layer can set [`Flow::app_proto`]; the
/// other public fields are the table's own record (its timeouts read
/// `last_seen`), so handlers should treat them as read-only.
pub trait FlowHandler {
    /// A packet of `flow`, travelling in `dir`.
    #[allow(unused_variables)]
    fn on_packet(
        &mut self,
        flow: &mut Flow,
        dir: Direction,
        pkt: &DecodedPacket<'_>,
        meta: &PacketMeta,
    ) {
    }

    /// A step of the reassembled TCP stream in `dir`.
    #[allow(unused_variables)]
    fn on_stream(&mut self, flow: &mut Flow, dir: Direction, event: StreamEvent<'_>) {}

    /// `flow` ended; it is dropped after this call.
    #[allow(unused_variables)]
    fn on_flow_end(&mut self, flow: &mut Flow, reason: EndReason) {}
}

/// The handler that ignores everything (flow tracking only).
impl FlowHandler for () {}
