//! Kerberos 5 KDC exchanges (RFC 4120) over UDP and TCP: AS and TGS
//! requests, replies and KRB-ERRORs.
//!
//! Login attempts are the AS exchange: an AS-REQ names the client
//! (`cname`@`realm`); an AS-REP means the KDC accepted its pre-authentication
//! (success); a KRB-ERROR is a failure in the KDC's words
//! (`KDC_ERR_PREAUTH_FAILED`: wrong password, `KDC_ERR_C_PRINCIPAL_UNKNOWN`:
//! no such user, `KDC_ERR_CLIENT_REVOKED`: disabled or locked...), except
//! the errors that are a normal step of a successful login:
//! `KDC_ERR_PREAUTH_REQUIRED` (the first round of every pre-authenticated
//! login), `KDC_ERR_MORE_PREAUTH_DATA_REQUIRED` (SPAKE/FAST rounds),
//! `KRB_ERR_RESPONSE_TOO_BIG` (the client retries over TCP) and
//! `KDC_ERR_WRONG_REALM` (a referral).
//!
//! TGS exchanges are service ticket requests made with a TGT the client
//! already holds: they prove no credential (the password was checked at the
//! AS exchange), come by the dozen per logon, and their errors
//! (`KDC_ERR_S_PRINCIPAL_UNKNOWN`, `KRB_AP_ERR_TKT_EXPIRED`) are not
//! authentication failures. They are transactions and EVE `krb5` records
//! (Kerberoasting shows there: RC4 service tickets), never login events.
//!
//! A reply is matched to the oldest waiting request of its kind (KDC clients
//! wait for each answer; over UDP each request usually has its own flow).
//! Over TCP each message has a 4-byte length prefix (RFC 4120 §7.2.2).

mod parser;

pub use parser::{
    AS_REP, AS_REQ, KRB_ERROR, KrbMessage, TGS_REP, TGS_REQ, error_name, etype_name, is_kdc_tag,
    msg_type_name, parse_message,
};

use std::collections::VecDeque;

use serde_json::{Map, Value};

use crate::app::layer::AppProto;
use crate::app::{
    DatagramParser, LoginAttempt, Outcome, ParseSink, Probe, StreamParser, TxBuffers, ber,
};
use crate::flow::Direction;
use crate::rules::ir::BufferId;

/// Requests waiting for an answer, per flow; the oldest is evicted beyond
/// (and its login reported with an unknown outcome).
pub const MAX_PENDING: usize = 256;

/// Largest message framed over TCP. AS/TGS replies carry a ticket with a
/// PAC (a few KiB, tens with many group SIDs); larger frames are skipped,
/// not buffered, so a direction holds at most this much.
pub const MAX_MESSAGE: usize = 64 * 1024;

impl TxBuffers for KrbMessage {
    /// `krb5.cname` and `krb5.sname` of this message.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        let v = match id {
            BufferId::Krb5Cname => &self.cname,
            BufferId::Krb5Sname => &self.sname,
            _ => return,
        };
        if let Some(v) = v {
            f(v.as_bytes());
        }
    }
}

/// True for the first byte of a KDC message (`[APPLICATION 10..13, 30]`,
/// constructed).
fn kdc_first_byte(b: u8) -> bool {
    matches!(b, 0x6a..=0x6d | 0x7e)
}

/// UDP detection: the datagram is one whole KDC message (application tag,
/// pvno 5, msg-type equal to the tag), on any port.
pub fn probe_udp(_src_port: u16, _dst_port: u16, payload: &[u8]) -> bool {
    payload.first().is_some_and(|b| kdc_first_byte(*b)) && parse_message(payload).is_ok()
}

/// TCP detection: a 4-byte length equal to the size of the KDC message
/// that follows, whose first field is `pvno` 5.
pub fn probe_tcp(_dir: Direction, _server_port: u16, data: &[u8]) -> Probe {
    // The prefix a message must start with, byte by byte, once the length
    // and the two BER headers are known; NeedMore while it matches so far.
    let Some(&top) = data.first() else {
        return Probe::NeedMore;
    };
    // Lengths above 16 MiB (and the reserved high bit) are not Kerberos.
    if top != 0 {
        return Probe::No;
    }
    let Some(len) = data.get(..4) else {
        return Probe::NeedMore;
    };
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let Some(&tag) = data.get(4) else {
        return Probe::NeedMore;
    };
    if !kdc_first_byte(tag) || len < 16 {
        return Probe::No;
    }
    let msg = &data[4..];
    let (hlen, clen) = match ber::header(msg) {
        Ok((_, _, _, h, c)) => (h, c),
        Err(ber::BerError::Truncated { .. }) => return Probe::NeedMore,
        Err(_) => return Probe::No,
    };
    if hlen + clen != len {
        return Probe::No;
    }
    let seq = &msg[hlen..];
    let shlen = match ber::header(seq) {
        Ok((ber::Class::Universal, true, 16, h, c)) if h + c == clen => h,
        Ok(_) => return Probe::No,
        Err(ber::BerError::Truncated { .. }) => return Probe::NeedMore,
        Err(_) => return Probe::No,
    };
    let pvno_tag = if matches!(tag, 0x6a | 0x6c) {
        0xa1
    } else {
        0xa0
    };
    let want = [pvno_tag, 0x03, 0x02, 0x01, 0x05];
    let got = &seq[shlen.min(seq.len())..];
    let n = got.len().min(want.len());
    if got[..n] != want[..n] {
        Probe::No
    } else if n < want.len() {
        Probe::NeedMore
    } else {
        Probe::Yes
    }
}

/// A request waiting for its answer.
#[derive(Clone, Debug)]
struct Pending {
    tx_id: u64,
    req: KrbMessage,
}

impl Pending {
    fn memory(&self) -> usize {
        let s = |o: &Option<String>| o.as_ref().map_or(0, String::len);
        std::mem::size_of::<Pending>()
            + s(&self.req.cname)
            + s(&self.req.realm)
            + s(&self.req.sname)
            + s(&self.req.e_text)
            + 4 * (self.req.etypes.len() + self.req.padata.len())
    }
}

/// The KDC exchanges of one flow (UDP or TCP): requests waiting for their
/// answers, transaction ids, login and EVE reporting.
#[derive(Debug, Default)]
pub struct Exchanges {
    pending: VecDeque<Pending>,
    next_tx: u64,
}

impl Exchanges {
    fn message(&mut self, dir: Direction, m: KrbMessage, sink: &mut dyn ParseSink) {
        match m.msg_type {
            AS_REQ | TGS_REQ => {
                if self.pending.len() >= MAX_PENDING {
                    if let Some(old) = self.pending.pop_front() {
                        finish(Some(&old.req), None, sink);
                    }
                }
                self.next_tx += 1;
                sink.tx(dir, self.next_tx, &m);
                self.pending.push_back(Pending {
                    tx_id: self.next_tx,
                    req: m,
                });
            }
            _ => {
                let wanted = match m.msg_type {
                    AS_REP => Some(AS_REQ),
                    TGS_REP => Some(TGS_REQ),
                    _ => None,
                };
                let req = self
                    .pending
                    .iter()
                    .position(|p| wanted.is_none_or(|w| p.req.msg_type == w))
                    .and_then(|i| self.pending.remove(i));
                let tx_id = match &req {
                    Some(p) => p.tx_id,
                    None => {
                        self.next_tx += 1;
                        self.next_tx
                    }
                };
                sink.tx(dir, tx_id, &m);
                finish(req.as_ref().map(|p| &p.req), Some(&m), sink);
            }
        }
    }

    /// The flow ended: requests still waiting will never be answered.
    fn flush(&mut self, sink: &mut dyn ParseSink) {
        for p in std::mem::take(&mut self.pending) {
            finish(Some(&p.req), None, sink);
        }
    }

    fn memory(&self) -> usize {
        self.pending.iter().map(Pending::memory).sum()
    }
}

/// How a KRB-ERROR answering an AS-REQ ends the login attempt: `None` for
/// the errors that are a normal step of one.
pub fn error_outcome(code: i32) -> Option<(Outcome, String)> {
    let gloss = match code {
        // The first round of a pre-authenticated login; SPAKE/FAST rounds;
        // retry over TCP; referral to another realm.
        25 | 91 | 52 | 68 => return None,
        6 => " (client unknown)",
        18 => " (client revoked: account disabled or locked out)",
        23 => " (password expired)",
        37 => " (clock skew too great)",
        // Heimdal and older MIT KDCs answer a wrong password (a
        // PA-ENC-TIMESTAMP that does not decrypt) with this.
        31 => " (wrong password)",
        12 => " (policy rejects the client)",
        _ => "",
    };
    let name = error_name(code).map_or_else(|| format!("KRB_ERROR {code}"), str::to_string);
    Some((Outcome::Failure, format!("{name}{gloss}")))
}

/// Errors only the AS exchange produces: a lone KRB-ERROR with one of these
/// (its request not seen) is still a failed login of its `cname`.
fn as_only_error(code: i32) -> bool {
    matches!(code, 6 | 18 | 23 | 24)
}

/// Reports a finished (or abandoned) transaction: the EVE record, and the
/// login attempt when it was an AS exchange.
fn finish(req: Option<&KrbMessage>, resp: Option<&KrbMessage>, sink: &mut dyn ParseSink) {
    let either = |f: fn(&KrbMessage) -> &Option<String>| {
        req.and_then(|m| f(m).clone())
            .or_else(|| resp.and_then(|m| f(m).clone()))
    };
    let cname = either(|m| &m.cname);
    let realm = either(|m| &m.realm);
    let sname = either(|m| &m.sname);

    let mut body = Map::new();
    let msg_type = resp.or(req).map_or(0, |m| m.msg_type);
    body.insert("msg_type".into(), msg_type_name(msg_type).into());
    if let Some(code) = resp.and_then(|m| m.error_code) {
        body.insert(
            "failed_request".into(),
            msg_type_name(req.map_or(0, |m| m.msg_type)).into(),
        );
        body.insert(
            "error_code".into(),
            error_name(code)
                .map_or_else(|| code.to_string(), str::to_string)
                .into(),
        );
    }
    // Suricata writes "<empty>" for an absent name.
    let or_empty = |v: &Option<String>| Value::from(v.clone().unwrap_or_else(|| "<empty>".into()));
    body.insert("cname".into(), or_empty(&cname));
    body.insert("realm".into(), or_empty(&realm));
    body.insert("sname".into(), or_empty(&sname));
    if let Some(e) = resp.and_then(|m| m.enc_etype) {
        let (name, weak) = etype_name(e);
        body.insert("encryption".into(), name.into());
        body.insert("weak_encryption".into(), weak.into());
    }
    if let Some(e) = resp.and_then(|m| m.ticket_etype) {
        let (name, weak) = etype_name(e);
        body.insert("ticket_encryption".into(), name.into());
        body.insert("ticket_weak_encryption".into(), weak.into());
    }
    let dir = if resp.is_some() {
        Direction::ToClient
    } else {
        Direction::ToServer
    };
    sink.record(dir, body);

    // An AS exchange: its request says so, or (request not seen) the
    // answer can only be one.
    let as_exchange = match (req, resp) {
        (Some(q), _) => q.msg_type == AS_REQ,
        (None, Some(r)) => r.msg_type == AS_REP || r.error_code.is_some_and(as_only_error),
        (None, None) => false,
    };
    if !as_exchange {
        return;
    }
    let (outcome, reason) = match resp {
        None => (Outcome::Unknown, "no answer".to_string()),
        Some(r) if r.msg_type == AS_REP => (Outcome::Success, "KRB_AS_REP".to_string()),
        Some(r) => match r.error_code.and_then(error_outcome) {
            Some(o) => o,
            None => return,
        },
    };
    let mut login = LoginAttempt::new(AppProto::Krb5, outcome, reason);
    if let Some(c) = cname {
        login = login.account(c);
    }
    if let Some(r) = realm {
        login = login.domain(r);
    }
    sink.login(login);
}

/// Kerberos over UDP: one message per datagram.
#[derive(Debug, Default)]
pub struct Krb5UdpParser {
    exchanges: Exchanges,
    malformed: u64,
}

impl Krb5UdpParser {
    /// A flow with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Datagrams that did not decode (ignored).
    pub fn malformed(&self) -> u64 {
        self.malformed
    }
}

impl DatagramParser for Krb5UdpParser {
    fn datagram(&mut self, dir: Direction, payload: &[u8], sink: &mut dyn ParseSink) {
        match parse_message(payload) {
            Ok(m) => self.exchanges.message(dir, m, sink),
            Err(_) => self.malformed += 1,
        }
    }

    fn close(&mut self, sink: &mut dyn ParseSink) {
        self.exchanges.flush(sink);
    }

    fn memory(&self) -> usize {
        self.exchanges.memory()
    }
}

#[derive(Debug, Default)]
struct TcpSide {
    /// A partial frame, length prefix included (at most 4 + MAX_MESSAGE).
    buf: Vec<u8>,
    /// Bytes of an oversized frame still to skip.
    skip: usize,
    /// Framing lost or not Kerberos: the rest is ignored.
    stopped: bool,
    closed: bool,
}

/// Kerberos over TCP: 4-byte length-prefixed messages, both directions.
#[derive(Debug, Default)]
pub struct Krb5TcpParser {
    sides: [TcpSide; 2],
    exchanges: Exchanges,
    /// Frames larger than [`MAX_MESSAGE`], skipped.
    pub oversized: u64,
}

impl Krb5TcpParser {
    /// A connection with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one complete frame's message; false when it is not Kerberos.
    fn frame(&mut self, dir: Direction, msg: &[u8], sink: &mut dyn ParseSink) -> bool {
        match parse_message(msg) {
            Ok(m) => {
                self.exchanges.message(dir, m, sink);
                true
            }
            Err(_) => false,
        }
    }
}

/// The length prefix (RFC 4120 §7.2.2: the high bit is reserved and must
/// be 0).
fn frame_len(b: &[u8]) -> Option<usize> {
    let h = b.get(..4)?;
    Some(u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize)
}

impl StreamParser for Krb5TcpParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        loop {
            let side = &mut self.sides[i];
            if side.stopped {
                return;
            }
            if side.skip > 0 {
                let n = side.skip.min(input.len());
                side.skip -= n;
                input = &input[n..];
            }
            if input.is_empty() {
                return;
            }
            if side.buf.is_empty() {
                // Fast path: a whole frame in `input`.
                if let Some(len) = frame_len(input) {
                    if len & 0x8000_0000 != 0 {
                        side.stopped = true;
                        return;
                    }
                    if len > MAX_MESSAGE {
                        self.oversized += 1;
                        side.skip = len;
                        input = &input[4..];
                        continue;
                    }
                    if let Some(msg) = input.get(4..4 + len) {
                        input = &input[4 + len..];
                        if !self.frame(dir, msg, sink) {
                            self.sides[i].stopped = true;
                            return;
                        }
                        continue;
                    }
                }
            }
            // Slow path: complete the buffered frame.
            let need = frame_len(&side.buf).map_or(4, |l| 4 + l);
            let take = need.saturating_sub(side.buf.len()).min(input.len());
            side.buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            let Some(len) = frame_len(&side.buf) else {
                return;
            };
            if len & 0x8000_0000 != 0 {
                side.stopped = true;
                side.buf = Vec::new();
                return;
            }
            if len > MAX_MESSAGE {
                self.oversized += 1;
                side.skip = len;
                side.buf = Vec::new();
                continue;
            }
            if side.buf.len() < 4 + len {
                // `input` is exhausted: wait for more (the length is known
                // and bounded).
                if input.is_empty() {
                    return;
                }
                continue;
            }
            let frame = std::mem::take(&mut side.buf);
            if !self.frame(dir, &frame[4..], sink) {
                self.sides[i].stopped = true;
                return;
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        // Frame boundaries are lost; Kerberos connections carry one or two
        // exchanges, so resynchronising is not worth guessing.
        let side = &mut self.sides[dir.index()];
        side.stopped = true;
        side.buf = Vec::new();
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.sides[dir.index()].closed = true;
        // The KDC closed (or both did): nothing waiting will be answered.
        if dir == Direction::ToClient || self.sides.iter().all(|s| s.closed) {
            self.exchanges.flush(sink);
        }
    }

    fn memory(&self) -> usize {
        self.sides.iter().map(|s| s.buf.capacity()).sum::<usize>() + self.exchanges.memory()
    }
}

#[cfg(test)]
mod tests;
