//! PostgreSQL frontend/backend protocol 3.0: the start-up phase only, for
//! login attempts (PostgreSQL docs, "Message Flow — Start-up").
//!
//! The client opens with a StartupMessage (length, version 3.0, `user`,
//! `database`, ... parameters), or first an SSLRequest/GSSENCRequest the
//! server answers with one byte: `S`/`G` (TLS or GSSAPI follows: parsing
//! stops) or `N` (go on in clear). The server then asks for a password
//! (`R` with a method code) any number of times and ends with
//! AuthenticationOk (`R`, 0) then ReadyForQuery (`Z`: success), or an
//! ErrorResponse (`E`, before or after AuthenticationOk): SQLSTATE
//! class 28 (28P01 invalid_password, 28000 invalid_authorization_
//! specification — no pg_hba entry, unknown role) is a failure; another
//! error (too many connections, shutting down) leaves the outcome Unknown.
//! Passwords and SASL messages are skipped, never kept.

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Protocol version 3.0 in a StartupMessage.
pub const PROTOCOL_3_0: u32 = 0x0003_0000;
/// SSLRequest code.
pub const SSL_REQUEST: u32 = 80_877_103;
/// GSSENCRequest code.
pub const GSSENC_REQUEST: u32 = 80_877_104;
/// CancelRequest code.
pub const CANCEL_REQUEST: u32 = 80_877_102;

/// Largest start-up phase message read (libpq caps a StartupMessage at
/// 10,000 bytes; an ErrorResponse is a few hundred). A larger length means
/// the framing is not what we think: parsing stops.
pub const MAX_MESSAGE: usize = 10_000;

/// Protocol detection: a StartupMessage 3.0 or an SSL/GSSENC/Cancel request
/// from the client (the server never speaks first).
pub fn probe(dir: Direction, _server_port: u16, data: &[u8]) -> Probe {
    if dir != Direction::ToServer {
        return Probe::No;
    }
    let Some(&[a, b, c, d, e, f, g, h]) = data.get(..8) else {
        // Lengths start with zero bytes (≤ MAX_MESSAGE).
        return if data.iter().take(2).all(|b| *b == 0) {
            Probe::NeedMore
        } else {
            Probe::No
        };
    };
    let len = u32::from_be_bytes([a, b, c, d]) as usize;
    match u32::from_be_bytes([e, f, g, h]) {
        PROTOCOL_3_0 if (9..=MAX_MESSAGE).contains(&len) => {
            // The first parameter name is printable (`user`, `database`...).
            match data.get(8) {
                Some(c) if c.is_ascii_lowercase() || *c == b'_' || *c == 0 => Probe::Yes,
                Some(_) => Probe::No,
                None => Probe::NeedMore,
            }
        }
        SSL_REQUEST | GSSENC_REQUEST if len == 8 => Probe::Yes,
        CANCEL_REQUEST if len == 16 => Probe::Yes,
        _ => Probe::No,
    }
}

/// A fresh parser, for [`crate::app::layer::STREAM_PROTOS`].
pub fn new_parser() -> Box<dyn StreamParser> {
    Box::new(PgsqlParser::default())
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Waiting for the client's first message.
    #[default]
    Startup,
    /// SSLRequest/GSSENCRequest sent: the server answers with one byte.
    EncryptionAnswer,
    /// StartupMessage sent: authentication exchange until Ok or an error.
    Auth,
    /// AuthenticationOk seen: the session starts with ReadyForQuery, or
    /// fails with an ErrorResponse (with `trust`, an unknown role is only
    /// refused here: 28000 "role does not exist").
    AuthOk,
    /// Settled, encrypted or lost: nothing more is parsed.
    Done,
}

/// Per-flow PostgreSQL parser.
#[derive(Debug, Default)]
pub struct PgsqlParser {
    phase: Phase,
    /// Partial message per direction (≤ MAX_MESSAGE + 5 bytes).
    bufs: [Vec<u8>; 2],
    user: Option<String>,
    database: Option<String>,
    application: Option<String>,
    /// Authentication methods the server asked for.
    methods: Vec<&'static str>,
    lost_answer: bool,
    next_tx: [u64; 2],
}

/// A StartupMessage's parameters (after the version).
pub fn startup_params(body: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let mut parts = body.split(|b| *b == 0);
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        if k.is_empty() {
            break;
        }
        out.push((k, v));
    }
    out
}

/// An ErrorResponse's fields: (type, value) pairs.
pub fn error_fields(body: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some((&ty, r)) = rest.split_first() {
        if ty == 0 {
            break;
        }
        let n = r.iter().position(|b| *b == 0).unwrap_or(r.len());
        out.push((ty, &r[..n]));
        rest = r.get(n + 1..).unwrap_or_default();
    }
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn method_name(code: u32) -> Option<&'static str> {
    Some(match code {
        2 => "kerberos_v5",
        3 => "cleartext_password",
        5 => "md5_password",
        7 => "gss",
        9 => "sspi",
        10 => "sasl",
        _ => return None,
    })
}

impl PgsqlParser {
    fn stop(&mut self) {
        self.phase = Phase::Done;
        self.bufs = [Vec::new(), Vec::new()];
    }

    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.next_tx[dir.index()] += 1;
        sink.tx(dir, self.next_tx[dir.index()], &NoBuffers);
    }

    fn login(
        &mut self,
        outcome: Outcome,
        reason: String,
        extra: Map<String, Value>,
        sink: &mut dyn ParseSink,
    ) {
        let mut rec = extra;
        if let Some(u) = &self.user {
            rec.insert("user".into(), u.clone().into());
        }
        if let Some(d) = &self.database {
            rec.insert("database".into(), d.clone().into());
        }
        if let Some(a) = &self.application {
            rec.insert("application_name".into(), a.clone().into());
        }
        if !self.methods.is_empty() {
            rec.insert("auth_methods".into(), self.methods.clone().into());
        }
        rec.insert(
            "outcome".into(),
            serde_json::to_value(outcome).unwrap_or(Value::Null),
        );
        rec.insert("reason".into(), reason.clone().into());
        sink.record(Direction::ToClient, rec);
        let mut l = LoginAttempt::new(AppProto::Pgsql, outcome, reason);
        if let Some(u) = self.user.take() {
            l = l.account(u);
        }
        sink.login(l);
        self.stop();
    }

    /// The client's untyped first message (length included in `msg`).
    fn startup(&mut self, msg: &[u8], sink: &mut dyn ParseSink) {
        self.tx(Direction::ToServer, sink);
        let code = match msg.get(4..8) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        };
        match code {
            PROTOCOL_3_0 => {
                for (k, v) in startup_params(msg.get(8..).unwrap_or_default()) {
                    match k {
                        b"user" => self.user = Some(text(v)),
                        b"database" => self.database = Some(text(v)),
                        b"application_name" => self.application = Some(text(v)),
                        _ => {}
                    }
                }
                if self.database.is_none() {
                    // The server defaults the database to the user name.
                    self.database.clone_from(&self.user);
                }
                self.phase = Phase::Auth;
            }
            SSL_REQUEST | GSSENC_REQUEST => self.phase = Phase::EncryptionAnswer,
            _ => self.stop(),
        }
    }

    /// A typed server message during authentication.
    fn server_message(&mut self, ty: u8, body: &[u8], sink: &mut dyn ParseSink) {
        self.tx(Direction::ToClient, sink);
        match ty {
            b'R' => {
                let code = match body.get(..4) {
                    Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
                    _ => u32::MAX,
                };
                match code {
                    0 => self.phase = Phase::AuthOk,
                    // SASL continue/final, GSS continue: intermediate steps.
                    8 | 11 | 12 => {}
                    c => match method_name(c) {
                        Some(m) => {
                            if !self.methods.contains(&m) {
                                self.methods.push(m);
                            }
                        }
                        None => self.stop(),
                    },
                }
            }
            b'E' => {
                let fields = error_fields(body);
                let get = |t: u8| fields.iter().find(|f| f.0 == t).map(|f| text(f.1));
                let code = get(b'C').unwrap_or_default();
                let msg = get(b'M').unwrap_or_default();
                let outcome = if code.starts_with("28") {
                    Outcome::Failure
                } else {
                    Outcome::Unknown
                };
                let mut extra = Map::new();
                extra.insert("sqlstate".into(), code.clone().into());
                if let Some(sev) = get(b'V').or_else(|| get(b'S')) {
                    extra.insert("severity".into(), sev.into());
                }
                self.login(outcome, format!("{code} {msg}"), extra, sink);
            }
            // ReadyForQuery after AuthenticationOk: the session started.
            b'Z' if self.phase == Phase::AuthOk => self.login(
                Outcome::Success,
                "AuthenticationOk".into(),
                Map::new(),
                sink,
            ),
            // ParameterStatus, BackendKeyData after AuthenticationOk.
            b'S' | b'K' if self.phase == Phase::AuthOk => {}
            // NoticeResponse and NegotiateProtocolVersion.
            b'N' | b'v' => {}
            _ => self.stop(),
        }
    }

    /// One framed message of `dir`: `ty` 0 for the untyped startup.
    fn message(&mut self, dir: Direction, ty: u8, msg: &[u8], sink: &mut dyn ParseSink) {
        match (self.phase, dir) {
            (Phase::Startup, Direction::ToServer) => self.startup(msg, sink),
            (Phase::Auth | Phase::AuthOk, Direction::ToClient) => {
                self.server_message(ty, msg, sink)
            }
            // Password/SASL messages: skipped.
            (Phase::Auth, Direction::ToServer) => {}
            _ => self.stop(),
        }
    }
}

impl StreamParser for PgsqlParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        while !input.is_empty() && self.phase != Phase::Done {
            if self.phase == Phase::EncryptionAnswer {
                if dir == Direction::ToServer {
                    // The client may not speak before the answer.
                    self.stop();
                    return;
                }
                self.tx(dir, sink);
                match input[0] {
                    b'N' => {
                        self.phase = Phase::Startup;
                        input = &input[1..];
                        continue;
                    }
                    // 'S'/'G': TLS or GSSAPI from here on, or an error.
                    _ => {
                        self.stop();
                        return;
                    }
                }
            }
            // Startup messages have no type byte: header = length (4);
            // others: type (1) + length (4). The length counts itself.
            let hdr = if self.phase == Phase::Startup && dir == Direction::ToServer {
                4
            } else {
                5
            };
            let buf = &mut self.bufs[i];
            let src: &[u8] = if buf.is_empty() { input } else { buf };
            let total = src
                .get(hdr - 4..hdr)
                .map(|l| u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize);
            if let Some(len) = total
                && !(4..=MAX_MESSAGE).contains(&len)
            {
                self.stop();
                return;
            }
            let need = total.map_or(hdr, |len| hdr - 4 + len);
            if buf.is_empty() {
                if total.is_some()
                    && let Some(msg) = input.get(..need)
                {
                    input = &input[need..];
                    let (ty, m) = if hdr == 4 {
                        (0, msg)
                    } else {
                        (msg[0], &msg[5..])
                    };
                    self.message(dir, ty, m, sink);
                    continue;
                }
                let take = need.min(input.len());
                buf.extend_from_slice(&input[..take]);
                input = &input[take..];
                continue;
            }
            let take = (need - buf.len()).min(input.len());
            buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            if total.is_some() && buf.len() == need {
                let msg = std::mem::take(buf);
                let (ty, m) = if hdr == 4 {
                    (0, &msg[..])
                } else {
                    (msg[0], &msg[5..])
                };
                self.message(dir, ty, m, sink);
            }
        }
    }

    fn gap(&mut self, _dir: Direction, _len: u64) {
        self.lost_answer |= matches!(self.phase, Phase::Auth | Phase::AuthOk);
        self.stop();
    }

    fn close(&mut self, _dir: Direction, sink: &mut dyn ParseSink) {
        if self.phase == Phase::AuthOk {
            // Cut before ReadyForQuery: the credentials were accepted.
            self.login(
                Outcome::Success,
                "AuthenticationOk".into(),
                Map::new(),
                sink,
            );
        } else if self.phase == Phase::Auth || std::mem::take(&mut self.lost_answer) {
            self.lost_answer = false;
            self.login(
                Outcome::Unknown,
                "no AuthenticationOk or ErrorResponse seen".into(),
                Map::new(),
                sink,
            );
        }
    }

    fn memory(&self) -> usize {
        self.bufs.iter().map(Vec::capacity).sum::<usize>() + self.methods.capacity() * 16
    }
}
