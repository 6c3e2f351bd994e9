//! RDP connection start: the X.224 Connection Request and Confirm that open
//! every RDP connection (MS-RDPBCGR §2.2.1.1 and §2.2.1.2), over TPKT
//! (RFC 1006).
//!
//! Why: the request names the user in clear, in its routing cookie
//! `Cookie: mstshash=USER` — what mstsc sends is the user name typed in the
//! client, **often truncated** (mstsc cuts it to 9 characters, e.g.
//! `administr`), and a client may send any name or none at all — and says
//! which security protocols the client accepts; the confirm says which one
//! the server chose (standard RDP security, TLS, CredSSP/NLA, RDSTLS) or why
//! it refused. Everything after is TLS or RDP-encrypted, so the parser
//! stops there: the login's outcome is not visible. It reports one login
//! attempt per connection with [`Outcome::Unknown`], the cookie user as the
//! account and the negotiated security as the reason (`NLA (CredSSP)
//! negotiated; outcome encrypted`); the correlator judges RDP outcomes from
//! connection behaviour. EVE `rdp` records follow Suricata's:
//! `initial_request` (tx 0: `cookie`, `flags`, plus our
//! `requested_protocols`) and `initial_response` (tx 1: `protocol`,
//! `server_supports`, or `error_code` and `reason`).

mod parser;

pub use parser::*;

use serde_json::{Map, Value};

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Bytes of the first TPKT of a direction kept for parsing. A Connection
/// Request is a few dozen bytes (a long routing token a few hundred); the
/// rest of a bigger one is ignored.
pub const MAX_TPKT_KEEP: usize = 2048;

/// True when the first bytes `dir` sent are an RDP X.224 Connection
/// Request (client) or Confirm (server). COTP on other ports (ISO-TSAP on
/// 102: S7comm, MMS) opens the same way, so a request needs RDP's cookie or
/// negotiation request, or port 3389.
pub fn probe(dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    let rdp_port = server_port == 3389;
    match data {
        [] => return Probe::NeedMore,
        [3] | [3, 0] | [3, 0, _] | [3, 0, _, _] => return Probe::NeedMore,
        [3, 0, ..] => {}
        _ => return Probe::No,
    }
    let len = usize::from(u16::from_be_bytes([data[2], data[3]]));
    let Some(&li) = data.get(4) else {
        return Probe::NeedMore;
    };
    if len < 11 || usize::from(li) + 5 != len {
        return Probe::No;
    }
    let Some(&code) = data.get(5) else {
        return Probe::NeedMore;
    };
    let want = match dir {
        Direction::ToServer => x224::CONNECTION_REQUEST,
        Direction::ToClient => x224::CONNECTION_CONFIRM,
    };
    if code & 0xf0 != want {
        return Probe::No;
    }
    if data.len() < 11 {
        return Probe::NeedMore;
    }
    if dir == Direction::ToServer && data[6..8] != [0, 0] {
        // DST-REF of a Connection Request is zero.
        return Probe::No;
    }
    let var = &data[11..];
    let var_len = len - 11;
    if var_len == 0 {
        return if rdp_port { Probe::Yes } else { Probe::No };
    }
    let first = match var.first() {
        Some(b) => *b,
        None => return Probe::NeedMore,
    };
    let rdp_like = match dir {
        Direction::ToServer => {
            let cookie = b"Cookie: ";
            let n = var.len().min(cookie.len());
            if var[..n] == cookie[..n] {
                if n < cookie.len() && var_len >= cookie.len() {
                    return Probe::NeedMore;
                }
                true
            } else {
                first == neg::REQUEST && var_len >= 8
            }
        }
        Direction::ToClient => (first == neg::RESPONSE || first == neg::FAILURE) && var_len >= 8,
    };
    if rdp_like || rdp_port {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// A fresh parser, for the registry.
pub fn new_parser() -> Box<dyn StreamParser> {
    Box::new(RdpParser::new())
}

/// Collects the first TPKT of one direction.
#[derive(Clone, Debug, Default)]
struct Side {
    buf: Vec<u8>,
    /// The first TPKT was handled (or the direction is not parseable).
    done: bool,
}

/// One TCP flow's RDP state.
#[derive(Clone, Debug, Default)]
pub struct RdpParser {
    sides: [Side; 2],
    request: Option<ConnectionRequest>,
    confirm: Option<ConnectionConfirm>,
    /// The login attempt was reported.
    reported: bool,
    /// Directions that ended.
    closed: [bool; 2],
}

impl RdpParser {
    /// A parser for a new flow.
    pub fn new() -> RdpParser {
        RdpParser::default()
    }

    /// The client's Connection Request, once seen.
    pub fn request(&self) -> Option<&ConnectionRequest> {
        self.request.as_ref()
    }

    /// The server's Connection Confirm, once seen.
    pub fn confirm(&self) -> Option<&ConnectionConfirm> {
        self.confirm.as_ref()
    }

    fn tpkt(&mut self, dir: Direction, tpkt: &[u8], sink: &mut dyn ParseSink) {
        match dir {
            Direction::ToServer => {
                let Some(cr) = parse_connection_request(tpkt) else {
                    return;
                };
                sink.tx(dir, 0, &NoBuffers);
                sink.record(dir, request_record(&cr));
                self.request = Some(cr);
            }
            Direction::ToClient => {
                let Some(cc) = parse_connection_confirm(tpkt) else {
                    return;
                };
                sink.tx(dir, 1, &NoBuffers);
                sink.record(dir, confirm_record(&cc));
                self.confirm = Some(cc);
                self.report(sink);
            }
        }
    }

    /// The login attempt, once: at the confirm, or at close without one.
    fn report(&mut self, sink: &mut dyn ParseSink) {
        let Some(cr) = &self.request else { return };
        if self.reported {
            return;
        }
        self.reported = true;
        let reason = match &self.confirm {
            Some(ConnectionConfirm {
                negotiation: Some(Negotiation::Selected { protocol, .. }),
            }) => format!("{} negotiated; outcome encrypted", security_name(*protocol)),
            Some(ConnectionConfirm {
                negotiation: Some(Negotiation::Failure(code)),
            }) => format!("negotiation failed: {}", failure_reason(*code)),
            // No RDP_NEG_RSP: a pre-RDP-5.2 server, standard RDP security.
            Some(ConnectionConfirm { negotiation: None }) => {
                "standard RDP security negotiated; outcome encrypted".to_string()
            }
            None => "no X.224 Connection Confirm".to_string(),
        };
        let mut login = LoginAttempt::new(AppProto::Rdp, Outcome::Unknown, reason);
        if let Some(user) = &cr.cookie {
            login = login.account(user.clone());
        }
        sink.login(login);
    }
}

fn request_record(cr: &ConnectionRequest) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("tx_id".into(), 0.into());
    m.insert("event_type".into(), "initial_request".into());
    if let Some(c) = &cr.cookie {
        m.insert("cookie".into(), c.clone().into());
    }
    if let Some(NegotiationRequest { flags, protocols }) = cr.negotiation {
        let names = request_flag_names(flags);
        if !names.is_empty() {
            m.insert("flags".into(), names.into());
        }
        m.insert(
            "requested_protocols".into(),
            requested_protocol_names(protocols).into(),
        );
    }
    m
}

fn confirm_record(cc: &ConnectionConfirm) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("tx_id".into(), 1.into());
    m.insert("event_type".into(), "initial_response".into());
    match cc.negotiation {
        Some(Negotiation::Selected { flags, protocol }) => {
            let names = response_flag_names(flags);
            if !names.is_empty() {
                m.insert("server_supports".into(), names.into());
            }
            m.insert("protocol".into(), protocol_name(protocol).into());
        }
        Some(Negotiation::Failure(code)) => {
            m.insert("error_code".into(), code.into());
            m.insert("reason".into(), failure_reason(code).into());
        }
        None => {}
    }
    m
}

impl StreamParser for RdpParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let side = &mut self.sides[dir.index()];
        if side.done || data.is_empty() {
            return;
        }
        // Collect the first TPKT (its header says how long it is).
        let room = MAX_TPKT_KEEP - side.buf.len();
        side.buf.extend_from_slice(&data[..data.len().min(room)]);
        let Some(total) = tpkt_len(&side.buf) else {
            if side.buf.len() >= 4 {
                // Not TPKT: nothing to read in this direction.
                side.done = true;
                side.buf = Vec::new();
            }
            return;
        };
        if side.buf.len() < total.min(MAX_TPKT_KEEP) {
            return;
        }
        side.done = true;
        let buf = std::mem::take(&mut side.buf);
        self.tpkt(dir, &buf[..total.min(buf.len())], sink);
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        let side = &mut self.sides[dir.index()];
        side.done = true;
        side.buf = Vec::new();
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.closed[dir.index()] = true;
        // No confirm can come once the server's side ended.
        if dir == Direction::ToClient || self.closed.iter().all(|c| *c) {
            self.report(sink);
        }
    }

    fn memory(&self) -> usize {
        self.sides.iter().map(|s| s.buf.capacity()).sum::<usize>()
            + self
                .request
                .as_ref()
                .and_then(|r| r.cookie.as_ref())
                .map_or(0, String::len)
    }
}

#[cfg(test)]
mod tests;
