//! DNS over UDP and TCP: messages, transactions and the `dns.query` buffer.
//!
//! [`parse_message`] is a pure function from one message's bytes to a
//! [`DnsMessage`]; over UDP each datagram is one message. Over TCP,
//! [`DnsTcpParser`] keeps the per-flow state: the 2-byte length framing of
//! RFC 1035 §4.2.2 over reassembled stream data. Each decoded message becomes
//! a [`DnsTx`] (a query or a response) whose buffers rules inspect.
//!
//! Every allocation is bounded: names at [`MAX_NAME_LEN`], stored records at
//! [`MAX_STORED_RECORDS`] and [`MAX_DECODED_BYTES`] per message, and one
//! partial frame (at most 64 KiB) per TCP direction.

mod parser;
mod tcp;

pub use parser::{
    DnsAnomalies, DnsError, DnsHeader, DnsMessage, DnsQuestion, DnsRecord, HEADER_LEN,
    MAX_DECODED_BYTES, MAX_NAME_LEN, MAX_STORED_RECORDS, RData, RrType, Section, parse_message,
    parse_name,
};
pub use tcp::{DnsTcpParser, DnsTcpStats, MAX_FRAME, probe_tcp};

use crate::app::Probe;
use crate::app::TxBuffers;
use crate::rules::ir::BufferId;

/// One DNS message as a transaction: a query (to the server) or a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsTx {
    /// The decoded message.
    pub message: DnsMessage,
}

impl DnsTx {
    /// Wraps a decoded message.
    pub fn new(message: DnsMessage) -> DnsTx {
        DnsTx { message }
    }

    /// True for a response (QR set).
    pub fn is_response(&self) -> bool {
        self.message.is_response()
    }

    /// Transaction id of the message.
    pub fn id(&self) -> u16 {
        self.message.header.id
    }
}

impl TxBuffers for DnsTx {
    /// `dns.query`: each question name of a *query* (QR clear), as Suricata
    /// inspects it (its `dns.query` engine is registered to-server only).
    /// Responses have no `dns.query` value.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        if id == BufferId::DnsQuery && !self.is_response() {
            for q in &self.message.questions {
                f(&q.name);
            }
        }
    }
}

/// Decodes one UDP datagram's payload.
pub fn parse_udp(payload: &[u8]) -> Result<DnsTx, DnsError> {
    parse_message(payload).map(DnsTx::new)
}

/// Largest question count a probe accepts. Real queries carry one; some
/// resolvers batch a few.
const PROBE_MAX_QUESTIONS: u16 = 16;

/// Protocol detection on UDP (a non-standard port): a sane header, 1 to 16
/// questions, a known opcode, and a first question that decodes.
pub fn probe_udp(payload: &[u8]) -> bool {
    probe_message(payload, true) == Probe::Yes
}

/// Probe of a message prefix; `complete` says whether `msg` is the whole
/// message (else running out of bytes means `NeedMore`).
fn probe_message(msg: &[u8], complete: bool) -> Probe {
    let header = match DnsHeader::parse(msg) {
        Ok(h) => h,
        Err(_) if !complete => return Probe::NeedMore,
        Err(_) => return Probe::No,
    };
    // Opcodes 0 (query), 1 (inverse, obsolete), 2 (status), 4 (notify),
    // 5 (update); 3 and 6-15 are unassigned.
    if !(1..=PROBE_MAX_QUESTIONS).contains(&header.qdcount)
        || !matches!(header.opcode(), 0 | 1 | 2 | 4 | 5)
    {
        return Probe::No;
    }
    match parse_name(msg, HEADER_LEN) {
        Ok((_, _, next)) if next + 4 <= msg.len() => Probe::Yes,
        Ok(_) | Err(DnsError::Truncated { .. }) if !complete => Probe::NeedMore,
        _ => Probe::No,
    }
}

#[cfg(test)]
mod tests;
