//! Flow table, TCP tracking and stream reassembly.
//!
//! Detection works on conversations, not packets: a signature matches an HTTP
//! request that spans five segments, a detector counts failed logins per
//! connection, the EVE `flow` record sums a connection up. This module turns
//! decoded packets into those conversations, per worker thread:
//!
//! - [`FlowTable`] groups packets into [`Flow`]s by a direction-independent key
//!   (VLANs, IP protocol, both endpoints), decides which side is the client,
//!   counts packets and bytes per direction, and ends flows on idle timeouts,
//!   TCP port reuse, a memory cap or shutdown;
//! - TCP flows track the connection state (handshake, FINs, RST; Suricata's
//!   `tcp.state` names) and reassemble each direction into an ordered byte
//!   stream, delivered as [`StreamEvent`]s (data, gaps, depth, close) with a
//!   first-wins overlap policy and bounded buffering (see [`stream`]);
//! - everything learnt goes to one [`FlowHandler`] (app layer, detection,
//!   output), in a fixed order per packet: `on_packet`, then `on_stream`.
//!
//! No clock is read here: all time is the packets' own ([`PacketMeta::ts`]),
//! and every outcome is a function of the packet sequence alone, so a replay
//! gives the same flows on every run, for any worker count, however often
//! [`FlowTable::advance`] runs.
//!
//! Every attacker-driven resource is capped and counted: flows per table
//! (`max_flows`, `flow.evicted`), buffered out-of-order bytes per table
//! (`memcap`, `tcp.segment_memcap_drop`), segments per direction
//! ([`stream::MAX_SEGMENTS`]), bytes held beyond a hole (`gap_bound`,
//! `tcp.reassembly_gap`) and bytes inspected per direction (`depth`,
//! `tcp.stream_depth_reached`).

mod config;
mod counters;
mod handler;
mod key;
mod record;
pub mod seq;
pub mod stream;
mod table;
mod tcp;

#[cfg(test)]
mod tests;

pub use config::{FlowConfig, FlowTimeouts, StreamConfig};
pub use counters::{FlowCounters, TcpCounters};
pub use handler::{Direction, EndReason, FlowHandler, PacketMeta, StreamEvent};
pub use record::{Family, Flow, FlowExt};
pub use seq::SeqNum;
pub use table::FlowTable;
pub use tcp::{StateClass, TcpState};
