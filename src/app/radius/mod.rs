//! RADIUS authentication and accounting over UDP (RFC 2865, RFC 2866).
//!
//! An Access-Request names the user (`User-Name`) and the NAS that relays
//! the attempt (`NAS-IP-Address`, `NAS-Identifier`, `Calling-Station-Id`:
//! for Wi-Fi, the station's MAC). The server answers with the same
//! Identifier: Access-Accept (success), Access-Reject (failure, often with a
//! `Reply-Message`) or Access-Challenge (another round, e.g. EAP: no login
//! event; the next round is a new request with a new Identifier). The
//! User-Password attribute is never read.
//!
//! Detection is port-bound (1812/1813 and the old 1645/1646) plus a strict
//! header check: RADIUS has no magic bytes, and a 20-byte header with a
//! random authenticator matches too much traffic on other ports.

mod parser;

pub use parser::{
    ACCESS_ACCEPT, ACCESS_CHALLENGE, ACCESS_REJECT, ACCESS_REQUEST, ACCOUNTING_REQUEST,
    ACCOUNTING_RESPONSE, HEADER_LEN, MAX_PACKET, RadiusError, RadiusPacket, STATUS_CLIENT,
    STATUS_SERVER, code_name, is_request,
};

use std::collections::VecDeque;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

use crate::app::layer::AppProto;
use crate::app::{DatagramParser, LoginAttempt, NoBuffers, Outcome, ParseSink};
use crate::flow::Direction;
use parser::{
    ATTR_CALLED_STATION_ID, ATTR_CALLING_STATION_ID, ATTR_NAS_IDENTIFIER, ATTR_NAS_IP_ADDRESS,
    ATTR_NAS_IPV6_ADDRESS, ATTR_REPLY_MESSAGE, ATTR_USER_NAME,
};

/// Ports RADIUS is recognised on (either side): authentication and
/// accounting, IANA's and the pre-RFC ones.
pub const PORTS: [u16; 4] = [1812, 1813, 1645, 1646];

/// Requests waiting for their answer, per flow. Identifiers are 8 bits, so
/// a NAS has at most 256 outstanding requests per source port; a 257th
/// evicts the oldest (its login is reported with an unknown outcome).
pub const MAX_PENDING: usize = 256;

/// Longest attribute value kept as text (an attribute holds at most 253).
const MAX_TEXT: usize = 253;

/// Protocol detection: a RADIUS port on either side and a packet that
/// checks ([`RadiusPacket::parse`]).
pub fn probe(src_port: u16, dst_port: u16, payload: &[u8]) -> bool {
    (PORTS.contains(&src_port) || PORTS.contains(&dst_port)) && RadiusPacket::parse(payload).is_ok()
}

/// A request waiting for its answer.
#[derive(Clone, Debug)]
struct Pending {
    code: u8,
    identifier: u8,
    authenticator: [u8; 16],
    tx_id: u64,
    user_name: Option<String>,
}

/// Per-flow RADIUS state: requests waiting for their answers.
#[derive(Debug, Default)]
pub struct RadiusParser {
    pending: VecDeque<Pending>,
    next_tx: u64,
    /// Datagrams that did not check (ignored).
    malformed: u64,
}

impl RadiusParser {
    /// A flow with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Datagrams ignored because they did not check.
    pub fn malformed(&self) -> u64 {
        self.malformed
    }

    fn request(&mut self, dir: Direction, p: &RadiusPacket<'_>, sink: &mut dyn ParseSink) {
        let mut auth = [0u8; 16];
        auth.copy_from_slice(p.authenticator);
        if let Some(i) = self
            .pending
            .iter()
            .position(|q| q.identifier == p.identifier)
        {
            // RFC 2865 §3: a retransmission keeps Identifier and
            // Authenticator; it is the same attempt, not a new one.
            if self.pending[i].authenticator == auth {
                return;
            }
            // The Identifier was reused: the old request was never answered.
            if let Some(old) = self.pending.remove(i) {
                unanswered(old, sink);
            }
        }
        if self.pending.len() >= MAX_PENDING {
            if let Some(old) = self.pending.pop_front() {
                unanswered(old, sink);
            }
        }
        self.next_tx += 1;
        let user_name = p.attribute(ATTR_USER_NAME).map(text);
        sink.tx(dir, self.next_tx, &NoBuffers);
        let mut body = header_record(p);
        if let Some(u) = &user_name {
            body.insert("user_name".into(), u.clone().into());
        }
        if let Some(ip) = p.attribute(ATTR_NAS_IP_ADDRESS).and_then(ipv4) {
            body.insert("nas_ip_address".into(), ip.to_string().into());
        }
        if let Some(ip) = p.attribute(ATTR_NAS_IPV6_ADDRESS).and_then(ipv6) {
            body.insert("nas_ipv6_address".into(), ip.to_string().into());
        }
        for (attr, key) in [
            (ATTR_NAS_IDENTIFIER, "nas_identifier"),
            (ATTR_CALLING_STATION_ID, "calling_station_id"),
            (ATTR_CALLED_STATION_ID, "called_station_id"),
        ] {
            if let Some(v) = p.attribute(attr) {
                body.insert(key.into(), text(v).into());
            }
        }
        sink.record(dir, body);
        self.pending.push_back(Pending {
            code: p.code,
            identifier: p.identifier,
            authenticator: auth,
            tx_id: self.next_tx,
            user_name,
        });
    }

    fn response(&mut self, dir: Direction, p: &RadiusPacket<'_>, sink: &mut dyn ParseSink) {
        // An Access-* answer goes with an Access-Request or Status-Server,
        // an Accounting-Response with an Accounting-Request.
        let fits = |q: &Pending| match p.code {
            ACCOUNTING_RESPONSE => matches!(q.code, ACCOUNTING_REQUEST | STATUS_SERVER),
            _ => matches!(q.code, ACCESS_REQUEST | STATUS_SERVER),
        };
        let req = self
            .pending
            .iter()
            .position(|q| q.identifier == p.identifier && fits(q))
            .and_then(|i| self.pending.remove(i));
        let tx_id = match &req {
            Some(q) => q.tx_id,
            None => {
                self.next_tx += 1;
                self.next_tx
            }
        };
        sink.tx(dir, tx_id, &NoBuffers);
        let reply = p.attribute(ATTR_REPLY_MESSAGE).map(text);
        let mut body = header_record(p);
        if let Some(u) = req.as_ref().and_then(|q| q.user_name.as_ref()) {
            body.insert("user_name".into(), u.clone().into());
        }
        if let Some(r) = &reply {
            body.insert("reply_message".into(), r.clone().into());
        }
        sink.record(dir, body);
        let Some(q) = req else { return };
        if q.code != ACCESS_REQUEST {
            return;
        }
        let (outcome, reason) = match p.code {
            ACCESS_ACCEPT => (Outcome::Success, "Access-Accept".to_string()),
            ACCESS_REJECT => (
                Outcome::Failure,
                reply.unwrap_or_else(|| "Access-Reject".to_string()),
            ),
            // Access-Challenge: another round follows under a new Identifier.
            _ => return,
        };
        let mut login = LoginAttempt::new(AppProto::Radius, outcome, reason);
        if let Some(u) = q.user_name {
            login = login.account(u);
        }
        sink.login(login);
    }
}

impl DatagramParser for RadiusParser {
    fn datagram(&mut self, dir: Direction, payload: &[u8], sink: &mut dyn ParseSink) {
        let Ok(p) = RadiusPacket::parse(payload) else {
            self.malformed += 1;
            return;
        };
        // The code says which side sent it: a flow picked up at its answer
        // has its directions the wrong way round.
        if is_request(p.code) {
            self.request(dir, &p, sink);
        } else if p.code != STATUS_CLIENT {
            self.response(dir, &p, sink);
        }
    }

    fn close(&mut self, sink: &mut dyn ParseSink) {
        for q in std::mem::take(&mut self.pending) {
            unanswered(q, sink);
        }
    }

    fn memory(&self) -> usize {
        self.pending
            .iter()
            .map(|q| std::mem::size_of::<Pending>() + q.user_name.as_ref().map_or(0, String::len))
            .sum()
    }
}

/// A request that will never be answered: an Access-Request's login is
/// reported with an unknown outcome.
fn unanswered(q: Pending, sink: &mut dyn ParseSink) {
    if q.code != ACCESS_REQUEST {
        return;
    }
    let mut login = LoginAttempt::new(AppProto::Radius, Outcome::Unknown, "no answer");
    if let Some(u) = q.user_name {
        login = login.account(u);
    }
    sink.login(login);
}

fn header_record(p: &RadiusPacket<'_>) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("code".into(), code_name(p.code).into());
    body.insert("identifier".into(), p.identifier.into());
    body
}

/// An attribute's value as text (RFC 2865 "text" is UTF-8; anything else
/// is shown lossily).
fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(&v[..v.len().min(MAX_TEXT)]).into_owned()
}

fn ipv4(v: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(v).ok().map(Ipv4Addr::from)
}

fn ipv6(v: &[u8]) -> Option<Ipv6Addr> {
    <[u8; 16]>::try_from(v).ok().map(Ipv6Addr::from)
}

#[cfg(test)]
mod tests;
