//! Flow-table settings: timeouts, the flow cap and the stream limits.
//!
//! Every limit here bounds memory that an attacker can make us spend (one flow
//! per spoofed 5-tuple, one buffered segment per out-of-order packet), so each
//! has a finite default and hitting it is counted.

/// Settings of one [`FlowTable`](super::FlowTable) (one per worker).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowConfig {
    /// Idle timeouts per protocol and state.
    pub timeouts: FlowTimeouts,
    /// Most flows tracked at once in one table. A SYN flood or a scan creates a
    /// flow per packet; past this cap the flow idle the longest is ended
    /// (`EndReason::Forced`, counted as `flow.evicted`). Default 262 144
    /// (Suricata's default session count); 0 is treated as 1.
    pub max_flows: usize,
    /// TCP stream reassembly limits.
    pub stream: StreamConfig,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            timeouts: FlowTimeouts::default(),
            max_flows: 262_144,
            stream: StreamConfig::default(),
        }
    }
}

/// Idle timeouts in seconds, per protocol and flow state.
///
/// A flow ends when no packet was seen for the timeout of its *current* state:
/// it is expired iff `now >= last_seen + timeout(state)`. Values below one
/// second are treated as one second, so that a packet never expires the flow
/// it was just counted in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowTimeouts {
    /// TCP before the handshake completed (`syn_sent`, `syn_recv`). Default 60.
    pub tcp_new: u64,
    /// TCP established or half closed. Default 600.
    pub tcp_established: u64,
    /// TCP after both FINs or a RST (`last_ack`, `time_wait`, `closed`). Default
    /// 10. Suricata uses 60; we use 10 because all a closed connection can still
    /// carry is the last ACKs and stray retransmissions, which arrive within a
    /// round trip or two, while holding the flow longer delays its `flow` record
    /// and keeps memory during SYN-scan and short-connection storms. A new
    /// connection on the same ports within those seconds is still recognised as
    /// a new flow (`EndReason::TcpReuse`).
    pub tcp_closed: u64,
    /// UDP seen in one direction only. Default 30.
    pub udp_new: u64,
    /// UDP seen in both directions. Default 300.
    pub udp_established: u64,
    /// ICMP seen in one direction only. Default 30.
    pub icmp_new: u64,
    /// ICMP seen in both directions. Default 300.
    pub icmp_established: u64,
    /// Other IP protocols seen in one direction only. Default 30.
    pub other_new: u64,
    /// Other IP protocols seen in both directions. Default 300.
    pub other_established: u64,
}

impl Default for FlowTimeouts {
    fn default() -> Self {
        FlowTimeouts {
            tcp_new: 60,
            tcp_established: 600,
            tcp_closed: 10,
            udp_new: 30,
            udp_established: 300,
            icmp_new: 30,
            icmp_established: 300,
            other_new: 30,
            other_established: 300,
        }
    }
}

/// Limits of TCP stream reassembly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    /// Bytes per direction delivered for inspection; 0 = unlimited. Default
    /// 1 MiB (Suricata's `stream.reassembly.depth`): what matters for detection
    /// is nearly always at the start of a connection, and a bulk transfer past
    /// the depth then costs no buffering at all.
    pub depth: usize,
    /// Bytes of out-of-order segments buffered across all streams of one table,
    /// plus a fixed bookkeeping charge per segment. Default 64 MiB. A segment
    /// that would exceed it is not buffered (`tcp.segment_memcap_drop`) and
    /// later shows up as a gap unless it is retransmitted.
    pub memcap: usize,
    /// Bytes buffered beyond a hole in one direction before the hole is given up
    /// and skipped (reported as a gap). Default 256 KiB: a lost packet that the
    /// capture never saw would otherwise stall that direction until the flow
    /// ends.
    pub gap_bound: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            depth: 1 << 20,
            memcap: 64 << 20,
            gap_bound: 256 << 10,
        }
    }
}
