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

    /// Suricata's `dns` records (EVE format version 2): one `query` record
    /// per question of a query; one `answer` record per response, with the
    /// answers (rdata of the common types) and the rcode.
    fn eve(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        use serde_json::{Map, Value, json};
        let m = &self.message;
        let h = &m.header;
        let text = |b: &[u8]| Value::from(String::from_utf8_lossy(b).into_owned());
        let rrtype = |t: RrType| match t.name() {
            Some(n) => Value::from(n),
            None => Value::from(t.0.to_string()),
        };
        if !self.is_response() {
            return m
                .questions
                .iter()
                .map(|q| {
                    let mut o = Map::new();
                    o.insert("type".into(), "query".into());
                    o.insert("id".into(), h.id.into());
                    o.insert("rrname".into(), text(&q.name));
                    o.insert("rrtype".into(), rrtype(q.rtype));
                    o.insert("opcode".into(), h.opcode().into());
                    o
                })
                .collect();
        }
        let mut o = Map::new();
        o.insert("version".into(), 2.into());
        o.insert("type".into(), "answer".into());
        o.insert("id".into(), h.id.into());
        o.insert("flags".into(), format!("{:x}", h.flags).into());
        o.insert("qr".into(), true.into());
        for (k, on) in [
            ("aa", h.aa()),
            ("tc", h.tc()),
            ("rd", h.rd()),
            ("ra", h.ra()),
        ] {
            if on {
                o.insert(k.into(), true.into());
            }
        }
        o.insert("opcode".into(), h.opcode().into());
        if let Some(q) = m.questions.first() {
            o.insert("rrname".into(), text(&q.name));
            o.insert("rrtype".into(), rrtype(q.rtype));
        }
        o.insert("rcode".into(), rcode_name(h.rcode()).into());
        let answers: Vec<Value> = m
            .answers
            .iter()
            .map(|r| {
                let mut a = json!({
                    "rrname": text(&r.name),
                    "rrtype": rrtype(r.rtype),
                    "ttl": r.ttl,
                });
                let rdata = match &r.rdata {
                    RData::A(ip) => Some(Value::from(ip.to_string())),
                    RData::Aaaa(ip) => Some(Value::from(ip.to_string())),
                    RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => Some(text(n)),
                    RData::Mx { exchange, .. } => Some(text(exchange)),
                    RData::Txt(parts) => Some(text(&parts.concat())),
                    RData::Raw(_) => None,
                };
                if let (Some(v), Some(obj)) = (rdata, a.as_object_mut()) {
                    obj.insert("rdata".into(), v);
                }
                a
            })
            .collect();
        if !answers.is_empty() {
            o.insert("answers".into(), Value::Array(answers));
        }
        vec![o]
    }
}

/// The rcode's name as Suricata logs it (RFC 1035, 2136, 6895).
fn rcode_name(rcode: u8) -> String {
    match rcode {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        6 => "YXDOMAIN".into(),
        7 => "YXRRSET".into(),
        8 => "NXRRSET".into(),
        9 => "NOTAUTH".into(),
        10 => "NOTZONE".into(),
        n => n.to_string(),
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
