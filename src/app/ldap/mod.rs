//! LDAP (RFC 4511) over TCP: binds as login attempts, every operation as a
//! transaction and an EVE `ldap` record in Suricata 8's shape.
//!
//! A simple bind names the account (its DN, or `DOMAIN\user` / a UPN for
//! Active Directory); the password is never kept. A SASL bind names its
//! mechanism, and the account when the credentials carry it in clear (an
//! NTLM AUTHENTICATE message inside GSS-SPNEGO or a Sicily bind, a
//! DIGEST-MD5 `username`). The BindResponse with the same messageID ends
//! the attempt: `success`, or a failure in LDAP's words
//! (`invalidCredentials`, with Active Directory's `data 52e`-style
//! sub-status translated). `saslBindInProgress` is a round of a SASL
//! exchange, not an outcome. Anonymous and unauthenticated simple binds
//! (empty password, RFC 4513 §5.1) are not login attempts.
//!
//! After a successful StartTLS the connection is TLS, and after a SASL
//! bind that negotiated a security layer (GSS-SPNEGO sealing, DIGEST-MD5
//! integrity) every message is wrapped: a direction whose next message does
//! not start like an LDAPMessage (a SEQUENCE, 0x30) is not parsed further.

mod parser;

pub use parser::{
    BindAuth, LdapMessage, LdapResult, MAX_TEXT, ProtocolOp, STARTTLS_OID, ad_data_code,
    is_final_response, is_response, known_op, ntlm_account, op_name, parse_message, result_name,
    snake,
};

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser, ber};
use crate::flow::Direction;

/// Largest message buffered. Binds, results and requests are far smaller;
/// search results beyond this are skipped (their framing is kept), so a
/// direction holds at most this much.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Operations waiting for their final response, per connection (clients
/// may pipeline; AD tools keep a few outstanding). Beyond, the oldest is
/// reported unanswered.
pub const MAX_PENDING: usize = 64;

/// Responses kept per operation for its EVE record (a search may return
/// thousands of entries; the record lists the first ones).
pub const MAX_RESPONSES: usize = 16;

/// Protocol detection: an LDAPMessage header — SEQUENCE, a 1-4 byte
/// INTEGER messageID, then an application tag that is an LDAP operation
/// with the right constructed bit. Either direction; any port.
pub fn probe(_dir: Direction, _server_port: u16, data: &[u8]) -> Probe {
    if data.first().is_some_and(|b| *b != 0x30) {
        return Probe::No;
    }
    let hlen = match ber::header(data) {
        Ok((ber::Class::Universal, true, 16, h, len)) if len >= 5 => h,
        Ok(_) | Err(ber::BerError::Malformed | ber::BerError::Unexpected) => return Probe::No,
        Err(ber::BerError::Truncated { .. }) => return Probe::NeedMore,
    };
    let id = &data[hlen..];
    match id {
        [] | [0x02] => return Probe::NeedMore,
        [0x02, 1..=4, ..] => {}
        _ => return Probe::No,
    }
    let op_at = 2 + usize::from(id[1]);
    match id.get(op_at) {
        None => Probe::NeedMore,
        // An application tag, low form (LDAP's are all below 31).
        Some(&b) if b & 0xc0 == 0x40 && b & 0x1f != 0x1f => {
            if known_op(u32::from(b & 0x1f), b & 0x20 != 0) {
                Probe::Yes
            } else {
                Probe::No
            }
        }
        Some(_) => Probe::No,
    }
}

/// A bind waiting for its response.
#[derive(Clone, Debug)]
struct BindInfo {
    name: String,
    auth: BindAuth,
}

/// An operation waiting for its final response.
#[derive(Clone, Debug)]
struct Pending {
    id: u32,
    tx_id: u64,
    tag: u32,
    request: Value,
    responses: Vec<Value>,
    bind: Option<BindInfo>,
    starttls: bool,
}

impl Pending {
    fn memory(&self) -> usize {
        // JSON values are small maps of bounded strings; count their text.
        let v = |x: &Value| x.to_string().len();
        std::mem::size_of::<Pending>()
            + v(&self.request)
            + self.responses.iter().map(v).sum::<usize>()
    }
}

#[derive(Debug, Default)]
struct Side {
    /// A partial message (at most MAX_MESSAGE bytes).
    buf: Vec<u8>,
    /// Bytes of an oversized message still to skip.
    skip: usize,
    stopped: bool,
}

/// Per-connection LDAP state.
#[derive(Debug, Default)]
pub struct LdapParser {
    sides: [Side; 2],
    pending: VecDeque<Pending>,
    next_tx: u64,
    /// Messages larger than [`MAX_MESSAGE`], skipped.
    pub oversized: u64,
    /// The account a SASL exchange named in an earlier round (NTLM names
    /// it in its last round, DIGEST-MD5 in its second).
    sasl_account: Option<(Option<String>, String)>,
}

/// True for binds that are login attempts: not anonymous or
/// unauthenticated simple binds, not the first Sicily steps.
fn is_attempt(auth: &BindAuth) -> bool {
    match auth {
        BindAuth::Simple { empty } => !empty,
        BindAuth::Sicily { step, .. } => *step == 11,
        BindAuth::Sasl { .. } | BindAuth::Other(_) => true,
    }
}

/// Where the next message of a direction starts: header length and total
/// length, or `None` when more bytes are needed.
fn message_len(b: &[u8]) -> Result<Option<usize>, ()> {
    match ber::header(b) {
        Ok((ber::Class::Universal, true, 16, h, len)) => h.checked_add(len).map(Some).ok_or(()),
        Ok(_) | Err(ber::BerError::Malformed | ber::BerError::Unexpected) => Err(()),
        Err(ber::BerError::Truncated { .. }) => Ok(None),
    }
}

impl LdapParser {
    /// A connection with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when `dir` is no longer parsed (TLS, a SASL security layer,
    /// garbage).
    pub fn stopped(&self, dir: Direction) -> bool {
        self.sides[dir.index()].stopped
    }

    fn stop(&mut self, dir: Direction) {
        let side = &mut self.sides[dir.index()];
        side.stopped = true;
        side.buf = Vec::new();
    }

    /// One complete message; false when it is not LDAP.
    fn message(&mut self, dir: Direction, bytes: &[u8], sink: &mut dyn ParseSink) -> bool {
        let Ok(m) = parse_message(bytes) else {
            return false;
        };
        if is_response(m.tag) {
            self.response(dir, m, sink);
        } else {
            self.request(dir, m, sink);
        }
        true
    }

    fn request(&mut self, dir: Direction, m: LdapMessage, sink: &mut dyn ParseSink) {
        self.next_tx += 1;
        let tx_id = self.next_tx;
        sink.tx(dir, tx_id, &NoBuffers);
        let mut fields = Map::new();
        let mut bind = None;
        let mut starttls = false;
        match &m.op {
            ProtocolOp::BindRequest {
                version,
                name,
                auth,
            } => {
                fields.insert("version".into(), (*version).into());
                fields.insert("name".into(), name.clone().into());
                match auth {
                    BindAuth::Sasl { mechanism, .. } => {
                        fields.insert("sasl".into(), json!({ "mechanism": mechanism }));
                    }
                    BindAuth::Sicily { step, .. } => {
                        fields.insert("sicily".into(), (*step).into());
                    }
                    BindAuth::Simple { .. } | BindAuth::Other(_) => {}
                }
                bind = Some(BindInfo {
                    name: name.clone(),
                    auth: auth.clone(),
                });
            }
            ProtocolOp::SearchRequest { base_object, scope } => {
                fields.insert("base_object".into(), base_object.clone().into());
                fields.insert("scope".into(), (*scope).into());
            }
            ProtocolOp::ExtendedRequest { name } => {
                fields.insert("request_name".into(), name.clone().into());
                starttls = name == STARTTLS_OID;
            }
            _ => {}
        }
        let mut request = Map::new();
        request.insert("message_id".into(), m.id.into());
        request.insert("operation".into(), op_name(m.tag).into());
        if !fields.is_empty() {
            request.insert(op_name(m.tag).into(), Value::Object(fields));
        }
        let p = Pending {
            id: m.id,
            tx_id,
            tag: m.tag,
            request: Value::Object(request),
            responses: Vec::new(),
            bind,
            starttls,
        };
        // Unbind and abandon have no response (RFC 4511 §4.3, §4.11).
        if matches!(m.tag, 2 | 16) {
            self.finish(dir, p, sink);
            return;
        }
        if let Some(i) = self.pending.iter().position(|q| q.id == m.id) {
            // messageID reused while outstanding: the old one is abandoned.
            if let Some(old) = self.pending.remove(i) {
                self.finish(dir, old, sink);
            }
        }
        if self.pending.len() >= MAX_PENDING {
            if let Some(old) = self.pending.pop_front() {
                self.finish(dir, old, sink);
            }
        }
        self.pending.push_back(p);
    }

    fn response(&mut self, dir: Direction, m: LdapMessage, sink: &mut dyn ParseSink) {
        let idx = self.pending.iter().position(|q| q.id == m.id);
        let tx_id = match idx.and_then(|i| self.pending.get(i)) {
            Some(p) => p.tx_id,
            None => {
                self.next_tx += 1;
                self.next_tx
            }
        };
        sink.tx(dir, tx_id, &NoBuffers);
        let mut resp = Map::new();
        resp.insert("message_id".into(), m.id.into());
        resp.insert("operation".into(), op_name(m.tag).into());
        let result = match &m.op {
            ProtocolOp::Result { result, .. } | ProtocolOp::ExtendedResponse { result, .. } => {
                let mut r = Map::new();
                r.insert("result_code".into(), snake(result_name(result.code)).into());
                r.insert("matched_dn".into(), result.matched_dn.clone().into());
                r.insert("message".into(), result.message.clone().into());
                if let ProtocolOp::ExtendedResponse { name: Some(n), .. } = &m.op {
                    r.insert("response_name".into(), n.clone().into());
                }
                resp.insert(op_name(m.tag).into(), Value::Object(r));
                Some(result.clone())
            }
            ProtocolOp::SearchResultEntry { object_name } => {
                resp.insert(op_name(m.tag).into(), json!({ "base_object": object_name }));
                None
            }
            _ => None,
        };
        let resp = Value::Object(resp);
        let Some(i) = idx else {
            // A response to nothing seen (the request was before the
            // capture, or an unsolicited notification, messageID 0).
            if is_final_response(m.tag) {
                let mut body = Map::new();
                body.insert("responses".into(), Value::Array(vec![resp]));
                sink.record(dir, body);
            }
            return;
        };
        if let Some(p) = self.pending.get_mut(i) {
            if p.responses.len() < MAX_RESPONSES {
                p.responses.push(resp);
            }
        }
        if !is_final_response(m.tag) {
            return;
        }
        let Some(p) = self.pending.remove(i) else {
            return;
        };
        if let (Some(bind), Some(result)) = (&p.bind, &result) {
            self.bind_result(bind, result, sink);
        }
        let success = result.as_ref().is_some_and(|r| r.code == 0);
        if p.starttls && success {
            // TLS starts right after this response, in both directions.
            self.stop(Direction::ToServer);
            self.stop(Direction::ToClient);
        }
        self.finish(dir, p, sink);
    }

    /// A bind's outcome as a login attempt (or nothing, for anonymous binds
    /// and intermediate SASL rounds).
    fn bind_result(&mut self, bind: &BindInfo, result: &LdapResult, sink: &mut dyn ParseSink) {
        let (account, mechanism) = match &bind.auth {
            BindAuth::Simple { empty: true } => return,
            BindAuth::Simple { empty: false } | BindAuth::Other(_) => {
                (Some((None, bind.name.clone())), None)
            }
            BindAuth::Sasl { mechanism, account } => {
                if account.is_some() {
                    self.sasl_account.clone_from(account);
                }
                if result.code == 14 {
                    return;
                }
                let account = self
                    .sasl_account
                    .take()
                    .or_else(|| (!bind.name.is_empty()).then(|| (None, bind.name.clone())));
                (account, Some(mechanism.as_str()))
            }
            BindAuth::Sicily { step, account } => {
                // Package discovery and negotiate answer "success" with the
                // server's challenge: only the response step decides.
                if *step != 11 {
                    return;
                }
                let account = account
                    .clone()
                    .or_else(|| (!bind.name.is_empty()).then(|| (None, bind.name.clone())));
                (account, Some("SICILY"))
            }
        };
        let (outcome, mut reason) = match result.code {
            0 => (Outcome::Success, "success".to_string()),
            c => (Outcome::Failure, result_name(c).to_string()),
        };
        if result.code != 0 && !result.message.is_empty() {
            reason.push_str(": ");
            reason.push_str(&result.message);
            if let Some(meaning) = ad_data_code(&result.message) {
                reason.push_str(" (");
                reason.push_str(meaning);
                reason.push(')');
            }
        }
        if let Some(m) = mechanism {
            reason.push_str(&format!(" [SASL {m}]"));
        }
        let mut login = LoginAttempt::new(AppProto::Ldap, outcome, reason);
        if let Some((domain, user)) = account {
            login = login.account(user);
            if let Some(d) = domain {
                login = login.domain(d);
            }
        }
        sink.login(login);
    }

    /// Writes an operation's EVE record; an unanswered bind is a login with
    /// an unknown outcome.
    fn finish(&mut self, dir: Direction, p: Pending, sink: &mut dyn ParseSink) {
        let answered = !p.responses.is_empty() || matches!(p.tag, 2 | 16);
        if let Some(bind) = p.bind.as_ref().filter(|b| !answered && is_attempt(&b.auth)) {
            let account = match &bind.auth {
                BindAuth::Sasl { account, .. } | BindAuth::Sicily { account, .. } => {
                    account.clone().map(|a| a.1)
                }
                _ => None,
            }
            .or_else(|| (!bind.name.is_empty()).then(|| bind.name.clone()));
            let mut login = LoginAttempt::new(AppProto::Ldap, Outcome::Unknown, "no answer");
            if let Some(a) = account {
                login = login.account(a);
            }
            sink.login(login);
        }
        let mut body = Map::new();
        body.insert("request".into(), p.request);
        if !p.responses.is_empty() {
            body.insert("responses".into(), Value::Array(p.responses));
        }
        sink.record(dir, body);
    }
}

impl StreamParser for LdapParser {
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
            let msg: Vec<u8>;
            let whole = match message_len(input) {
                Ok(Some(len))
                    if side.buf.is_empty() && len <= input.len() && len <= MAX_MESSAGE =>
                {
                    Some(len)
                }
                _ => None,
            };
            let complete: &[u8] = if let Some(len) = whole {
                // Fast path: a whole message straight from `input`.
                let (m, rest) = input.split_at(len);
                input = rest;
                m
            } else {
                // Slow path: grow the buffered message. Its header is at
                // most 6 bytes: take what is needed to know the length,
                // then the rest.
                let need = match message_len(&side.buf) {
                    Ok(Some(len)) => len,
                    Ok(None) => side.buf.len() + 1,
                    Err(()) => {
                        self.stop(dir);
                        return;
                    }
                };
                if need > MAX_MESSAGE {
                    // Skip the rest of an oversized message unbuffered.
                    self.oversized += 1;
                    side.skip = need - side.buf.len();
                    side.buf = Vec::new();
                    continue;
                }
                let take = need.saturating_sub(side.buf.len()).min(input.len());
                side.buf.extend_from_slice(&input[..take]);
                input = &input[take..];
                match message_len(&side.buf) {
                    Ok(Some(len)) if side.buf.len() >= len => {
                        msg = std::mem::take(&mut side.buf);
                        &msg
                    }
                    Ok(_) => continue,
                    Err(()) => {
                        self.stop(dir);
                        return;
                    }
                }
            };
            if !self.message(dir, complete, sink) {
                self.stop(dir);
                return;
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        // Message boundaries are lost.
        self.stop(dir);
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        // The server closed: nothing outstanding will be answered.
        if dir == Direction::ToClient {
            for p in std::mem::take(&mut self.pending) {
                self.finish(Direction::ToClient, p, sink);
            }
        }
    }

    fn memory(&self) -> usize {
        self.sides.iter().map(|s| s.buf.capacity()).sum::<usize>()
            + self.pending.iter().map(Pending::memory).sum::<usize>()
    }
}

#[cfg(test)]
mod tests;
