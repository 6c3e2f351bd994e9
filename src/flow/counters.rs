//! Flow and TCP counters, named as in Suricata's `stats` event.

crate::counters! {
    /// Flow-table counters of one table. `flow.active` is a gauge (flows held
    /// now); the others only grow.
    pub struct FlowCounters {
        /// Flows created.
        total => "flow.total",
        /// TCP flows created.
        tcp => "flow.tcp",
        /// UDP flows created.
        udp => "flow.udp",
        /// ICMPv4 flows created.
        icmpv4 => "flow.icmpv4",
        /// ICMPv6 flows created.
        icmpv6 => "flow.icmpv6",
        /// Flows of other IP protocols (or with an undecodable transport header).
        other => "flow.other",
        /// Gauge: flows held now.
        active => "flow.active",
        /// Flows ended by their idle timeout.
        ended_timeout => "flow.ended_timeout",
        /// Flows ended by shutdown.
        ended_shutdown => "flow.ended_shutdown",
        /// TCP flows ended because a new connection reused their ports.
        ended_tcp_reuse => "flow.ended_tcp_reuse",
        /// Flows ended early because the table was full (`max_flows`).
        evicted => "flow.evicted",
    }
}

crate::counters! {
    /// TCP tracking and stream reassembly counters of one table.
    /// `tcp.reassembly_memuse` is a gauge; the others only grow.
    pub struct TcpCounters {
        /// Three-way handshakes completed.
        sessions => "tcp.sessions",
        /// SYN packets (without ACK).
        syn => "tcp.syn",
        /// SYN+ACK packets.
        synack => "tcp.synack",
        /// RST packets.
        rst => "tcp.rst",
        /// RST packets ignored because their sequence number was far outside
        /// what the sender had sent (blind or inserted resets).
        rst_invalid => "tcp.rst_invalid",
        /// FIN packets.
        fin => "tcp.fin",
        /// Flows picked up without seeing their SYN.
        midstream_pickups => "tcp.midstream_pickups",
        /// Segments that arrived beyond a hole and were buffered.
        pkt_out_of_order => "tcp.pkt_out_of_order",
        /// Segments whose data had all been delivered already.
        pkt_retransmitted => "tcp.pkt_retransmitted",
        /// Segments overlapping data already delivered or buffered.
        overlap => "tcp.overlap",
        /// Segments overlapping buffered data with different bytes.
        overlap_diff_data => "tcp.overlap_diff_data",
        /// Holes skipped in a stream.
        reassembly_gap => "tcp.reassembly_gap",
        /// Segments not buffered because of the memcap or the per-direction
        /// segment limit.
        segment_memcap_drop => "tcp.segment_memcap_drop",
        /// Directions that reached the stream depth.
        stream_depth_reached => "tcp.stream_depth_reached",
        /// Gauge: bytes charged to the reassembly memcap now.
        reassembly_memuse => "tcp.reassembly_memuse",
    }
}
