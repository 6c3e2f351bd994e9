//! Microsoft SQL Server TDS 7.x (MS-TDS): the login sequence only, for
//! login attempts.
//!
//! Every message travels in packets with an 8-byte header (type, status
//! with end-of-message bit, big-endian length). The client sends PRELOGIN
//! (0x12) with its ENCRYPTION option, the server answers (0x04) with its
//! own; unless one side says ENCRYPT_NOT_SUP, a TLS handshake follows
//! inside PRELOGIN packets and the LOGIN7 travels in a raw TLS record: the
//! attempt is reported `Unknown` (no account) and parsing stops. In clear,
//! LOGIN7 (0x10) gives the user name (UTF-16LE; the obfuscated password is
//! never read), and the server's token stream answers LOGINACK (success) or
//! ERROR (18456 "Login failed for user 'x'.": failure). Windows integrated
//! logins (SSPI) name no user: their account is left empty.
//!
//! TDS 8.0 (strict encryption: TLS before PRELOGIN) is TLS from the first
//! byte and is claimed by the TLS parser, not this one.

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Packet header length.
pub const HEADER_LEN: usize = 8;

/// Largest login-phase message reassembled from packets (a LOGIN7 is
/// usually under 1 KiB; its offsets are 16-bit, so 64 KiB bounds it). A
/// longer one stops parsing.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Packet types (MS-TDS 2.2.3.1.1).
pub const PRELOGIN: u8 = 0x12;
/// LOGIN7.
pub const LOGIN7: u8 = 0x10;
/// Tabular result (every server message).
pub const TABULAR_RESULT: u8 = 0x04;
/// SSPI message (Windows authentication continues).
pub const SSPI: u8 = 0x11;

/// PRELOGIN ENCRYPTION value: encryption not supported.
const ENCRYPT_NOT_SUP: u8 = 2;

/// Protocol detection: a PRELOGIN whose first option is VERSION, or a
/// LOGIN7 with a TDS 7.x version, from the client; on port 1433 also a
/// server tabular-result packet or a client SQL batch/RPC (a flow picked up
/// after its login).
pub fn probe(dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    let Some(&[ty, status, l0, l1, s0, s1, _id, window]) = data.get(..HEADER_LEN) else {
        let ok_type = match (dir, data.first()) {
            (_, None) => true,
            (Direction::ToServer, Some(&t)) => {
                t == PRELOGIN || t == LOGIN7 || (server_port == 1433 && matches!(t, 0x01 | 0x03))
            }
            (Direction::ToClient, Some(&t)) => t == TABULAR_RESULT && server_port == 1433,
        };
        let ok_status = data.get(1).is_none_or(|s| *s == 1 || *s == 9);
        return if ok_type && ok_status {
            Probe::NeedMore
        } else {
            Probe::No
        };
    };
    let len = usize::from(u16::from_be_bytes([l0, l1]));
    // Status: end of message, and (batches) reset connection (0x08).
    if (status != 1 && status != 9) || window != 0 || !(HEADER_LEN + 1..=32_768).contains(&len) {
        return Probe::No;
    }
    match (dir, ty) {
        (Direction::ToServer, PRELOGIN) if [s0, s1] == [0, 0] => match data.get(HEADER_LEN) {
            Some(0) => Probe::Yes,
            Some(_) => Probe::No,
            None => Probe::NeedMore,
        },
        (Direction::ToServer, LOGIN7) => match data.get(12..16) {
            Some(&[_, _, _, major]) if (0x70..=0x74).contains(&major) => Probe::Yes,
            Some(_) => Probe::No,
            None => Probe::NeedMore,
        },
        (Direction::ToClient, TABULAR_RESULT) if server_port == 1433 => Probe::Yes,
        // SQL batch or RPC on the SQL Server port: a session picked up after
        // its login (app-layer-protocol rules see it; nothing is parsed).
        (Direction::ToServer, 0x01 | 0x03) if server_port == 1433 => Probe::Yes,
        _ => Probe::No,
    }
}

/// A fresh parser, for [`crate::app::layer::STREAM_PROTOS`].
pub fn new_parser() -> Box<dyn StreamParser> {
    Box::new(TdsParser::default())
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Waiting for PRELOGIN or LOGIN7.
    #[default]
    Start,
    /// Client PRELOGIN seen: the server's PRELOGIN answer comes next.
    PreloginAnswer,
    /// Prelogin done in clear: LOGIN7 comes next.
    Login,
    /// Encryption negotiated: TLS handshake in PRELOGIN packets, then the
    /// LOGIN7 in a raw TLS record.
    TlsLogin,
    /// LOGIN7 sent: waiting for LOGINACK or ERROR.
    Auth,
    /// Settled or lost.
    Done,
}

#[derive(Debug, Default)]
struct Side {
    hdr: [u8; HEADER_LEN],
    hdr_len: usize,
    /// Payload bytes of the current packet still to come.
    left: usize,
    ty: u8,
    eom: bool,
    /// Message being reassembled (≤ MAX_MESSAGE).
    msg: Vec<u8>,
}

/// Per-flow TDS parser.
#[derive(Debug, Default)]
pub struct TdsParser {
    phase: Phase,
    sides: [Side; 2],
    client_encryption: Option<u8>,
    login: Option<Login7>,
    lost_answer: bool,
    next_tx: [u64; 2],
}

/// What a LOGIN7 says (MS-TDS 2.2.6.4), password excepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Login7 {
    /// TDS version the client asks for.
    pub tds_version: u32,
    /// Client host name.
    pub hostname: String,
    /// User name (empty for integrated security).
    pub username: String,
    /// Application name.
    pub app_name: String,
    /// Server name the client connected to.
    pub server_name: String,
    /// Initial database.
    pub database: String,
    /// fIntSecurity: Windows integrated (SSPI) login.
    pub integrated: bool,
}

fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Decodes a LOGIN7 message (the data after the packet header).
pub fn parse_login7(p: &[u8]) -> Option<Login7> {
    let u16at = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_le_bytes([
            *p.get(at)?,
            *p.get(at + 1)?,
        ])))
    };
    // An (offset, character count) pair at `at`, as a string.
    let field = |at: usize| -> Option<String> {
        let (off, chars) = (u16at(at)?, u16at(at + 2)?);
        Some(utf16(p.get(off..off + 2 * chars)?))
    };
    let tds_version = u32::from_le_bytes(p.get(4..8)?.try_into().ok()?);
    Some(Login7 {
        tds_version,
        hostname: field(36)?,
        username: field(40)?,
        app_name: field(48)?,
        server_name: field(52)?,
        database: field(68)?,
        integrated: p.get(25)? & 0x80 != 0,
    })
}

/// The ENCRYPTION option of a PRELOGIN message.
pub fn prelogin_encryption(p: &[u8]) -> Option<u8> {
    let mut at = 0;
    loop {
        let &token = p.get(at)?;
        if token == 0xff {
            return None;
        }
        let off = usize::from(u16::from_be_bytes([*p.get(at + 1)?, *p.get(at + 2)?]));
        if token == 1 {
            return p.get(off).copied();
        }
        at += 5;
    }
}

/// What a server token stream says about a login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginAnswer {
    /// LOGINACK.
    Ack {
        /// Server program name (`Microsoft SQL Server`).
        program: String,
    },
    /// ERROR token.
    Error {
        /// Error number (18456 = login failed).
        number: i32,
        /// Message text.
        message: String,
    },
    /// Neither (SSPI challenge, info only): the exchange goes on.
    Pending,
}

/// Walks a server token stream (MS-TDS 2.2.7) until LOGINACK or ERROR.
pub fn parse_login_answer(p: &[u8]) -> LoginAnswer {
    let mut at = 0;
    while let Some(&token) = p.get(at) {
        let len2 = || {
            Some(usize::from(u16::from_le_bytes([
                *p.get(at + 1)?,
                *p.get(at + 2)?,
            ])))
        };
        match token {
            0xAA => {
                let Some(body) = len2().and_then(|n| p.get(at + 3..at + 3 + n)) else {
                    break;
                };
                let number = match body.get(..4) {
                    Some(&[a, b, c, d]) => i32::from_le_bytes([a, b, c, d]),
                    _ => 0,
                };
                let chars = body
                    .get(6..8)
                    .map_or(0, |c| usize::from(u16::from_le_bytes([c[0], c[1]])));
                let message = body.get(8..8 + 2 * chars).map(utf16).unwrap_or_default();
                return LoginAnswer::Error { number, message };
            }
            0xAD => {
                let Some(body) = len2().and_then(|n| p.get(at + 3..at + 3 + n)) else {
                    break;
                };
                let chars = body.get(5).map_or(0, |c| usize::from(*c));
                let program = body.get(6..6 + 2 * chars).map(utf16).unwrap_or_default();
                return LoginAnswer::Ack { program };
            }
            // INFO, ENVCHANGE, SSPI: 2-byte length.
            0xAB | 0xE3 | 0xED => match len2() {
                Some(n) => at += 3 + n,
                None => break,
            },
            // FEATUREEXTACK: (id, 4-byte length, data)* up to 0xFF.
            0xAE => {
                at += 1;
                loop {
                    match p.get(at) {
                        Some(0xff) => {
                            at += 1;
                            break;
                        }
                        Some(_) => match p.get(at + 1..at + 5) {
                            Some(&[a, b, c, d]) => {
                                at += 5 + u32::from_le_bytes([a, b, c, d]) as usize;
                            }
                            _ => return LoginAnswer::Pending,
                        },
                        None => return LoginAnswer::Pending,
                    }
                }
            }
            // DONE, DONEPROC, DONEINPROC: 12 bytes from TDS 7.2.
            0xFD..=0xFF => at += 13,
            _ => break,
        }
    }
    LoginAnswer::Pending
}

impl TdsParser {
    fn stop(&mut self) {
        self.phase = Phase::Done;
        for s in &mut self.sides {
            s.msg = Vec::new();
        }
    }

    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.next_tx[dir.index()] += 1;
        sink.tx(dir, self.next_tx[dir.index()], &NoBuffers);
    }

    fn report(&mut self, outcome: Outcome, reason: String, sink: &mut dyn ParseSink) {
        let login = self.login.take();
        let mut rec = Map::new();
        if let Some(l) = &login {
            rec.insert("user".into(), l.username.clone().into());
            rec.insert("database".into(), l.database.clone().into());
            rec.insert("hostname".into(), l.hostname.clone().into());
            rec.insert("app_name".into(), l.app_name.clone().into());
            rec.insert("server_name".into(), l.server_name.clone().into());
            rec.insert(
                "tds_version".into(),
                format!("0x{:08x}", l.tds_version).into(),
            );
            rec.insert("integrated_security".into(), l.integrated.into());
        } else {
            rec.insert("encrypted_login".into(), true.into());
        }
        rec.insert(
            "outcome".into(),
            serde_json::to_value(outcome).unwrap_or(Value::Null),
        );
        rec.insert("reason".into(), reason.clone().into());
        sink.record(Direction::ToClient, rec);
        let mut a = LoginAttempt::new(AppProto::Tds, outcome, reason);
        if let Some(l) = login.filter(|l| !l.username.is_empty()) {
            a = a.account(l.username);
        }
        sink.login(a);
        self.stop();
    }

    fn message(&mut self, dir: Direction, ty: u8, msg: &[u8], sink: &mut dyn ParseSink) {
        self.tx(dir, sink);
        match (self.phase, dir, ty) {
            (Phase::Start, Direction::ToServer, PRELOGIN) => {
                self.client_encryption = prelogin_encryption(msg);
                self.phase = Phase::PreloginAnswer;
            }
            (Phase::Start | Phase::Login, Direction::ToServer, LOGIN7) => match parse_login7(msg) {
                Some(l) => {
                    self.login = Some(l);
                    self.phase = Phase::Auth;
                }
                None => self.stop(),
            },
            (Phase::PreloginAnswer, Direction::ToClient, TABULAR_RESULT) => {
                let server = prelogin_encryption(msg);
                let clear = server == Some(ENCRYPT_NOT_SUP)
                    || self.client_encryption == Some(ENCRYPT_NOT_SUP);
                self.phase = if clear { Phase::Login } else { Phase::TlsLogin };
            }
            // TLS handshake messages wrapped in PRELOGIN packets.
            (Phase::TlsLogin, _, PRELOGIN) | (Phase::TlsLogin, Direction::ToClient, _) => {}
            (Phase::Auth, Direction::ToClient, TABULAR_RESULT) => match parse_login_answer(msg) {
                LoginAnswer::Ack { .. } => self.report(Outcome::Success, "LOGINACK".into(), sink),
                LoginAnswer::Error { number, message } => {
                    self.report(Outcome::Failure, format!("{number} {message}"), sink)
                }
                LoginAnswer::Pending => {}
            },
            // SSPI rounds of an integrated login.
            (Phase::Auth, Direction::ToServer, SSPI) => {}
            _ => self.stop(),
        }
    }
}

impl StreamParser for TdsParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        while !input.is_empty() && self.phase != Phase::Done {
            let side = &mut self.sides[i];
            if side.left == 0
                && side.hdr_len == 0
                && self.phase == Phase::TlsLogin
                && dir == Direction::ToServer
                && matches!(input.first(), Some(0x14..=0x17))
            {
                // A raw TLS record after the handshake: the LOGIN7.
                self.report(Outcome::Unknown, "LOGIN7 inside TLS".into(), sink);
                return;
            }
            if side.left == 0 {
                let take = (HEADER_LEN - side.hdr_len).min(input.len());
                side.hdr[side.hdr_len..side.hdr_len + take].copy_from_slice(&input[..take]);
                side.hdr_len += take;
                input = &input[take..];
                if side.hdr_len < HEADER_LEN {
                    return;
                }
                side.hdr_len = 0;
                let [ty, status, l0, l1, ..] = side.hdr;
                let len = usize::from(u16::from_be_bytes([l0, l1]));
                if len < HEADER_LEN || (!side.msg.is_empty() && ty != side.ty) {
                    self.stop();
                    return;
                }
                side.ty = ty;
                side.eom = status & 1 != 0;
                side.left = len - HEADER_LEN;
                if side.msg.len() + side.left > MAX_MESSAGE {
                    self.stop();
                    return;
                }
                if side.left > 0 {
                    continue;
                }
            } else {
                let take = side.left.min(input.len());
                side.msg.extend_from_slice(&input[..take]);
                side.left -= take;
                input = &input[take..];
                if side.left > 0 {
                    return;
                }
            }
            if side.eom {
                let msg = std::mem::take(&mut side.msg);
                let ty = side.ty;
                self.message(dir, ty, &msg, sink);
                let side = &mut self.sides[i];
                if msg.capacity() <= 4096 && self.phase != Phase::Done {
                    side.msg = msg;
                    side.msg.clear();
                }
            }
        }
    }

    fn gap(&mut self, _dir: Direction, _len: u64) {
        self.lost_answer |= self.phase == Phase::Auth;
        self.stop();
    }

    fn close(&mut self, _dir: Direction, sink: &mut dyn ParseSink) {
        if self.phase == Phase::Auth || std::mem::take(&mut self.lost_answer) {
            self.lost_answer = false;
            self.report(Outcome::Unknown, "no LOGINACK or ERROR seen".into(), sink);
        }
    }

    fn memory(&self) -> usize {
        self.sides.iter().map(|s| s.msg.capacity()).sum()
    }
}
