//! Application-layer protocols: detection and one parser per protocol.
//!
//! HTTP, TLS, SSH and DNS have dedicated drivers in [`layer`]; every other
//! protocol plugs in through [`StreamParser`] (TCP) or [`DatagramParser`]
//! (UDP) and one line in [`layer::STREAM_PROTOS`] / [`layer::DATAGRAM_PROTOS`].
//! A parser reports what it saw through a [`ParseSink`]: transaction halves
//! for the signature engine, login attempts for the correlator, and EVE
//! app-layer record bodies.

use crate::flow::Direction;
use crate::rules::ir::BufferId;

/// The detection buffers of one application-layer transaction direction (an
/// HTTP request, a DNS query, a TLS ClientHello, ...), as the parser produced
/// them. Some buffers hold several values (a DNS message with several query
/// names): `visit` calls `f` once per value; a missing buffer calls it never.
pub trait TxBuffers {
    /// Calls `f` with each value of buffer `id`.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8]));

    /// The EVE app-layer record bodies of this transaction half, when the
    /// parser writes its own (the object under the protocol's name, one
    /// record each). Empty: the inspector builds the record from buffers.
    fn eve(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        Vec::new()
    }
}

/// A transaction half without buffers (a protocol with no rule keywords yet
/// still has transactions `app-layer-protocol` rules can see).
pub struct NoBuffers;

impl TxBuffers for NoBuffers {
    fn visit(&self, _id: BufferId, _f: &mut dyn FnMut(&[u8])) {}
}

/// Result of protocol detection on the first bytes of a stream.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Probe {
    /// The bytes are this protocol.
    Yes,
    /// They are not.
    No,
    /// Too few bytes to tell; ask again with more.
    NeedMore,
}

/// Where a parser delivers what it found.
pub trait ParseSink {
    /// A completed transaction half (`dir` = who sent it), for the
    /// signature engine. `tx_id` is unique within the flow and direction:
    /// rules alert once per transaction.
    fn tx(&mut self, dir: Direction, tx_id: u64, buffers: &dyn TxBuffers);
    /// A login attempt whose outcome is known (or will never be).
    fn login(&mut self, login: LoginAttempt);
    /// The body of an EVE app-layer record (`event_type` = the protocol's
    /// name; `body` is the object written under that name, e.g.
    /// `{"command": "USER", ...}` for `"ftp": {...}`). `dir` is the side
    /// whose message completed it. Written only when the type is on.
    fn record(&mut self, dir: Direction, body: serde_json::Map<String, serde_json::Value>);
}

/// A parser of one TCP flow's two reassembled byte streams.
///
/// Contract: incremental (a message split across calls, or several in one
/// call, both work), bounded memory per flow (see [`StreamParser::memory`]),
/// and no panic on any input — a parser that cannot follow any more stops
/// parsing that direction (or both) and ignores the rest.
pub trait StreamParser: Send {
    /// In-order bytes sent by `dir`.
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink);
    /// `len` bytes of `dir` were lost (a TCP gap): resynchronise or give up.
    fn gap(&mut self, dir: Direction, len: u64);
    /// `dir` ended (FIN/RST/timeout): flush what can be completed.
    fn close(&mut self, _dir: Direction, _sink: &mut dyn ParseSink) {}
    /// Bytes this parser holds (buffers, transactions), for the per-flow cap.
    fn memory(&self) -> usize;
}

/// A parser of one UDP flow's datagrams.
pub trait DatagramParser: Send {
    /// One datagram's payload, sent by `dir`.
    fn datagram(&mut self, dir: Direction, payload: &[u8], sink: &mut dyn ParseSink);
    /// The flow ended (timeout or shutdown): requests still waiting will
    /// never be answered.
    fn close(&mut self, _sink: &mut dyn ParseSink) {}
    /// Bytes held (pending requests waiting for their answers).
    fn memory(&self) -> usize;
}

pub mod ber;
pub mod dicom;
pub mod dns;
pub mod event;
pub mod ftp;
pub mod hl7;
pub mod http;
pub mod imap;
pub mod krb5;
pub mod layer;
pub mod ldap;
pub mod mysql;
pub mod pgsql;
pub mod pop3;
pub mod radius;
pub mod rdp;
pub mod smb;
pub mod smtp;
pub mod ssh;
pub mod tds;
pub mod telnet;
pub mod text;
pub mod tls;

#[cfg(test)]
pub(crate) mod testkit;

pub use event::{LoginAttempt, Outcome};
