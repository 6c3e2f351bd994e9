//! Application-layer protocols: detection and one parser per protocol.

use crate::rules::ir::BufferId;

/// The detection buffers of one application-layer transaction direction (an
/// HTTP request, a DNS query, a TLS ClientHello, ...), as the parser produced
/// them. Some buffers hold several values (a DNS message with several query
/// names): `visit` calls `f` once per value; a missing buffer calls it never.
pub trait TxBuffers {
    /// Calls `f` with each value of buffer `id`.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8]));
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

pub mod dns;
pub mod http;
pub mod layer;
pub mod ssh;
pub mod tls;
