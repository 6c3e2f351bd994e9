//! MySQL / MariaDB client/server protocol: the connection phase only
//! (server greeting, HandshakeResponse, authentication exchange and its
//! OK/ERR), for login attempts. The command phase is not parsed.
//!
//! Packets are a 3-byte little-endian length and a sequence number. The
//! server speaks first (greeting, protocol version 10); the client's
//! HandshakeResponse41 names the user (and database); the server ends the
//! exchange with OK (0x00, success) or ERR (0xff: 1045 "Access denied for
//! user 'x'@'h'"), after any number of auth-switch (0xfe) and more-data
//! (0x01) rounds. An SSLRequest (a short response with CLIENT_SSL) means the
//! real response is inside TLS: parsing stops, no login is reported.
//! COM_CHANGE_USER (a second login inside the command phase) is not seen.

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Largest connection-phase packet read (a HandshakeResponse with many
/// connection attributes is a few hundred bytes; an RSA public key ~450).
/// A larger one means this is not the connection phase: parsing stops.
pub const MAX_PACKET: usize = 16 * 1024;

/// Capability flags read (protocol `CLIENT_*` constants).
const CLIENT_CONNECT_WITH_DB: u32 = 0x0000_0008;
const CLIENT_PROTOCOL_41: u32 = 0x0000_0200;
const CLIENT_SSL: u32 = 0x0000_0800;
const CLIENT_SECURE_CONNECTION: u32 = 0x0000_8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x0008_0000;
const CLIENT_PLUGIN_AUTH_LENENC_DATA: u32 = 0x0020_0000;

/// Protocol detection: a server greeting (sequence 0, protocol version 10,
/// a printable NUL-terminated version string) in either port; on port 3306
/// also a greeting-time ERR (host not allowed, too many connections).
pub fn probe(dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    if dir != Direction::ToClient {
        return Probe::No;
    }
    let Some(&[l0, l1, l2, seq, kind]) = data.get(..5) else {
        return match data.len() {
            0 => Probe::NeedMore,
            n if n >= 4 && data[3] != 0 => Probe::No,
            _ => Probe::NeedMore,
        };
    };
    let len = u32::from_le_bytes([l0, l1, l2, 0]) as usize;
    if seq != 0 || !(8..=1024).contains(&len) {
        return Probe::No;
    }
    match kind {
        0x0a => {
            let version = &data[5..data.len().min(4 + len)];
            match version.iter().position(|b| *b == 0) {
                Some(0) => Probe::No,
                Some(n) if version[..n].iter().all(|b| b.is_ascii_graphic()) => Probe::Yes,
                Some(_) => Probe::No,
                None if version.len() < 60 && version.iter().all(|b| b.is_ascii_graphic()) => {
                    Probe::NeedMore
                }
                None => Probe::No,
            }
        }
        0xff if server_port == 3306 => Probe::Yes,
        _ => Probe::No,
    }
}

/// A fresh parser, for [`crate::app::layer::STREAM_PROTOS`].
pub fn new_parser() -> Box<dyn StreamParser> {
    Box::new(MysqlParser::default())
}

/// Where the connection phase is.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Waiting for the server greeting.
    #[default]
    Greeting,
    /// Greeting seen, waiting for the client's HandshakeResponse.
    Response,
    /// Response seen: waiting for OK or ERR.
    Auth,
    /// Login settled, TLS started, or lost: nothing more is parsed.
    Done,
}

/// Per-flow MySQL parser.
#[derive(Debug, Default)]
pub struct MysqlParser {
    phase: Phase,
    /// Partial packet per direction (≤ 4 + MAX_PACKET bytes).
    bufs: [Vec<u8>; 2],
    server_version: Option<String>,
    user: Option<String>,
    database: Option<String>,
    plugin: Option<String>,
    /// A gap hid the answer to a login in progress.
    lost_answer: bool,
    next_tx: [u64; 2],
}

/// What a HandshakeResponse says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandshakeResponse {
    /// Capability flags.
    pub capabilities: u32,
    /// An SSLRequest (the real response follows inside TLS).
    pub ssl_request: bool,
    /// User name.
    pub user: Option<String>,
    /// Initial database.
    pub database: Option<String>,
    /// Client authentication plugin.
    pub plugin: Option<String>,
}

fn cstr(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = b.iter().position(|c| *c == 0)?;
    Some((&b[..n], &b[n + 1..]))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Length-encoded integer (protocol `int<lenenc>`): value and rest.
fn lenenc(b: &[u8]) -> Option<(u64, &[u8])> {
    let (&first, rest) = b.split_first()?;
    let n = match first {
        0..=0xfa => return Some((u64::from(first), rest)),
        0xfc => 2,
        0xfd => 3,
        0xfe => 8,
        _ => return None,
    };
    let bytes = rest.get(..n)?;
    let mut v = [0u8; 8];
    v[..n].copy_from_slice(bytes);
    Some((u64::from_le_bytes(v), &rest[n..]))
}

/// Decodes a HandshakeResponse41 or 320 (or an SSLRequest) payload. The
/// auth response (a password hash, or a password with the clear-text
/// plugin) is skipped, never kept.
pub fn parse_handshake_response(p: &[u8]) -> Option<HandshakeResponse> {
    let caps16 = u32::from(u16::from_le_bytes([*p.first()?, *p.get(1)?]));
    if caps16 & CLIENT_PROTOCOL_41 == 0 {
        // HandshakeResponse320: caps(2), max packet(3), user NUL, auth.
        let (user, _) = cstr(p.get(5..)?)?;
        return Some(HandshakeResponse {
            capabilities: caps16,
            ssl_request: caps16 & CLIENT_SSL != 0 && p.len() == 5,
            user: Some(text(user)),
            ..HandshakeResponse::default()
        });
    }
    let caps = u32::from_le_bytes(p.get(..4)?.try_into().ok()?);
    // caps(4), max packet(4), charset(1), 23 reserved bytes.
    let rest = p.get(32..)?;
    if caps & CLIENT_SSL != 0 && rest.is_empty() {
        return Some(HandshakeResponse {
            capabilities: caps,
            ssl_request: true,
            ..HandshakeResponse::default()
        });
    }
    let (user, rest) = cstr(rest)?;
    let mut r = HandshakeResponse {
        capabilities: caps,
        user: Some(text(user)),
        ..HandshakeResponse::default()
    };
    let rest = if caps & CLIENT_PLUGIN_AUTH_LENENC_DATA != 0 {
        let (n, rest) = lenenc(rest)?;
        rest.get(usize::try_from(n).ok()?..)?
    } else if caps & CLIENT_SECURE_CONNECTION != 0 {
        let (&n, rest) = rest.split_first()?;
        rest.get(usize::from(n)..)?
    } else {
        cstr(rest)?.1
    };
    let rest = if caps & CLIENT_CONNECT_WITH_DB != 0 {
        match cstr(rest) {
            Some((db, rest)) => {
                r.database = Some(text(db)).filter(|d| !d.is_empty());
                rest
            }
            None => return Some(r),
        }
    } else {
        rest
    };
    if caps & CLIENT_PLUGIN_AUTH != 0
        && let Some((plugin, _)) = cstr(rest)
    {
        r.plugin = Some(text(plugin));
    }
    Some(r)
}

/// An ERR packet's code and message (`#` and the SQLSTATE skipped).
pub fn parse_err(p: &[u8]) -> Option<(u16, String)> {
    if p.first() != Some(&0xff) {
        return None;
    }
    let code = u16::from_le_bytes([*p.get(1)?, *p.get(2)?]);
    let msg = match p.get(3) {
        Some(b'#') => p.get(9..).unwrap_or_default(),
        _ => p.get(3..).unwrap_or_default(),
    };
    Some((code, text(msg)))
}

impl MysqlParser {
    fn stop(&mut self) {
        self.phase = Phase::Done;
        self.bufs = [Vec::new(), Vec::new()];
    }

    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.next_tx[dir.index()] += 1;
        sink.tx(dir, self.next_tx[dir.index()], &NoBuffers);
    }

    fn login(&mut self, outcome: Outcome, reason: String, sink: &mut dyn ParseSink) {
        let mut rec = Map::new();
        if let Some(v) = &self.server_version {
            rec.insert("server_version".into(), v.clone().into());
        }
        if let Some(u) = &self.user {
            rec.insert("user".into(), u.clone().into());
        }
        if let Some(d) = &self.database {
            rec.insert("database".into(), d.clone().into());
        }
        if let Some(p) = &self.plugin {
            rec.insert("auth_plugin".into(), p.clone().into());
        }
        rec.insert(
            "outcome".into(),
            serde_json::to_value(outcome).unwrap_or(Value::Null),
        );
        rec.insert("reason".into(), reason.clone().into());
        sink.record(Direction::ToClient, rec);
        let mut l = LoginAttempt::new(AppProto::Mysql, outcome, reason);
        if let Some(u) = self.user.take() {
            l = l.account(u);
        }
        sink.login(l);
        self.stop();
    }

    fn packet(&mut self, dir: Direction, _seq: u8, p: &[u8], sink: &mut dyn ParseSink) {
        match (self.phase, dir) {
            (Phase::Greeting, Direction::ToClient) => match p.first() {
                Some(0x0a) => {
                    self.server_version = cstr(&p[1..]).map(|(v, _)| text(v));
                    self.phase = Phase::Response;
                    self.tx(dir, sink);
                }
                _ => {
                    // ERR instead of a greeting: refused before any login.
                    self.tx(dir, sink);
                    self.phase = Phase::Done;
                }
            },
            (Phase::Response, Direction::ToServer) => {
                self.tx(dir, sink);
                match parse_handshake_response(p) {
                    Some(r) if r.ssl_request => self.phase = Phase::Done,
                    Some(r) => {
                        self.user = r.user;
                        self.database = r.database;
                        self.plugin = r.plugin;
                        self.phase = Phase::Auth;
                    }
                    None => self.phase = Phase::Done,
                }
            }
            (Phase::Auth, Direction::ToClient) => {
                self.tx(dir, sink);
                match p.first() {
                    Some(0x00) => self.login(Outcome::Success, "OK".into(), sink),
                    Some(0xff) => {
                        let reason = match parse_err(p) {
                            Some((code, msg)) => format!("{code} {msg}"),
                            None => "ERR".into(),
                        };
                        self.login(Outcome::Failure, reason, sink);
                    }
                    Some(0xfe) => {
                        // AuthSwitchRequest: plugin name, then its data.
                        if let Some((name, _)) = p.get(1..).and_then(cstr) {
                            self.plugin = Some(text(name));
                        }
                    }
                    // 0x01 AuthMoreData (caching_sha2 fast/full auth, RSA key).
                    Some(0x01) => {}
                    _ => self.phase = Phase::Done,
                }
            }
            // Auth data the client sends after a switch or more-data request
            // (sequence numbers go on counting): skipped, it is a secret.
            _ => {}
        }
    }
}

impl StreamParser for MysqlParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        while !input.is_empty() && self.phase != Phase::Done {
            if self.bufs[i].is_empty() {
                // Whole packets are decoded in place; only a partial one is copied.
                if let Some(&[l0, l1, l2, seq]) = input.get(..4) {
                    let len = u32::from_le_bytes([l0, l1, l2, 0]) as usize;
                    if len > MAX_PACKET {
                        self.stop();
                        return;
                    }
                    if let Some(pkt) = input.get(4..4 + len) {
                        input = &input[4 + len..];
                        self.packet(dir, seq, pkt, sink);
                        continue;
                    }
                }
                self.bufs[i].extend_from_slice(input);
                return;
            }
            let buf = &mut self.bufs[i];
            let Some(&[l0, l1, l2, seq]) = buf.get(..4) else {
                let take = (4 - buf.len()).min(input.len());
                buf.extend_from_slice(&input[..take]);
                input = &input[take..];
                continue;
            };
            let len = u32::from_le_bytes([l0, l1, l2, 0]) as usize;
            if len > MAX_PACKET {
                self.stop();
                return;
            }
            let take = (4 + len - buf.len()).min(input.len());
            buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            if buf.len() == 4 + len {
                let pkt = std::mem::take(buf);
                self.packet(dir, seq, &pkt[4..], sink);
            }
        }
    }

    fn gap(&mut self, _dir: Direction, _len: u64) {
        // Packet boundaries are lost. A login waiting for its answer is
        // reported as Unknown at close.
        self.lost_answer |= self.phase == Phase::Auth;
        self.stop();
    }

    fn close(&mut self, _dir: Direction, sink: &mut dyn ParseSink) {
        if self.phase == Phase::Auth || std::mem::take(&mut self.lost_answer) {
            self.lost_answer = false;
            self.login(Outcome::Unknown, "no OK or ERR seen".into(), sink);
        }
    }

    fn memory(&self) -> usize {
        self.bufs.iter().map(Vec::capacity).sum()
    }
}
