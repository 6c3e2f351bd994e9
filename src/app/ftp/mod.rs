//! FTP control channel (RFC 959): commands, replies, and the logins made
//! with `USER` / `PASS` (`ACCT`).
//!
//! Each command is a transaction, completed by its final reply (2xx-5xx;
//! 1xx replies are preliminary and stay with it), as in Suricata. Commands
//! are answered in order, so a queue of unanswered commands pairs them with
//! replies even when a client pipelines. A login attempt is decided by the
//! reply to `PASS` (230 accepted, 4xx/5xx refused, 332 asks for `ACCT`); a
//! server that refuses the `USER` itself (vsftpd's `530 Permission denied.`
//! for a denied account) counts as a refused attempt too, and so does a
//! `230` to `USER` (no password needed). `AUTH TLS` answered with 234 ends
//! parsing: what follows is TLS.
//!
//! The password is never kept: `PASS` is recorded without its argument.

mod parser;

pub use parser::{
    MAX_VERB, ReplyLine, parse_command, parse_reply_line, port_from_extended, port_from_six,
};

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use crate::app::layer::AppProto;
use crate::app::text::{LineReader, Piece, account, clean, contains_ci, is_text};
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Commands waiting for their reply. A client may pipeline a few; a queue
/// this long means the server does not answer (or this is not FTP). When
/// full, the oldest is written out as unanswered.
pub const MAX_PENDING: usize = 64;

/// Reply lines kept per command for the EVE record (a `HELP` or `FEAT`
/// reply can run to dozens); further lines are counted as truncated.
pub const MAX_REPLY_LINES: usize = 16;

/// Characters kept of a command argument or reply line in EVE records.
pub const MAX_TEXT: usize = 512;

/// Protocol detection.
///
/// To the client: a `220` greeting that names FTP (`vsFTPd`, `ProFTPD`,
/// `FileZilla`, `Microsoft FTP Service`...), or any `220` greeting without
/// an SMTP word on port 21. SMTP greets with `220` too, so a greeting that
/// says neither is refused here and the client's first command decides.
/// To the server: a first command only FTP clients send (`USER`, `AUTH
/// TLS`/`SSL`, `FEAT`, `SYST`, `OPTS`, `HOST`, `CLNT`); `USER` on the POP3
/// ports is left to POP3.
pub fn probe(dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    match dir {
        Direction::ToClient => probe_greeting(server_port, data),
        Direction::ToServer => probe_command(server_port, data),
    }
}

fn probe_greeting(server_port: u16, data: &[u8]) -> Probe {
    let n = data.len().min(4);
    if !(b"220 "[..n] == data[..n] || b"220-"[..n] == data[..n]) {
        return Probe::No;
    }
    let line_end = memchr::memchr(b'\n', data);
    let line = &data[..line_end.unwrap_or(data.len())];
    if line_end.is_none() && data.len() < crate::app::layer::PROBE_BUFFER {
        return Probe::NeedMore;
    }
    let smtp = [&b"smtp"[..], b"postfix", b"exim", b"sendmail", b"mail"]
        .iter()
        .any(|w| contains_ci(line, w));
    if smtp {
        return Probe::No;
    }
    if contains_ci(line, b"ftp") || contains_ci(line, b"filezilla") || server_port == 21 {
        Probe::Yes
    } else {
        Probe::No
    }
}

fn probe_command(server_port: u16, data: &[u8]) -> Probe {
    let Some(end) = memchr::memchr(b'\n', data) else {
        return if data.len() < crate::app::layer::PROBE_BUFFER
            && data
                .iter()
                .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\r')
        {
            Probe::NeedMore
        } else {
            Probe::No
        };
    };
    let line = data[..end].strip_suffix(b"\r").unwrap_or(&data[..end]);
    if !is_text(line) {
        return Probe::No;
    }
    let (verb, arg) = parse_command(line);
    let yes = match verb.as_str() {
        "USER" => !arg.is_empty() && ![110, 995].contains(&server_port),
        "AUTH" => {
            let a = arg.to_ascii_uppercase();
            [&b"TLS"[..], b"SSL", b"TLS-C", b"TLS-P"].contains(&&a[..])
        }
        "FEAT" | "SYST" => arg.is_empty(),
        "OPTS" | "HOST" | "CLNT" => !arg.is_empty(),
        _ => false,
    };
    if yes { Probe::Yes } else { Probe::No }
}

/// What a command is, for the login logic.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    User,
    Pass,
    Acct,
    Auth,
    Other,
}

/// A command waiting for (or collecting) its reply.
#[derive(Clone, Debug)]
struct Command {
    verb: String,
    /// The argument (never for `PASS`).
    data: Option<String>,
    truncated: bool,
    kind: Kind,
    codes: Vec<u16>,
    lines: Vec<String>,
    reply_truncated: bool,
    dynamic_port: Option<u16>,
}

/// A reply being read (a multi-line one spans lines).
#[derive(Clone, Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
    truncated: bool,
    /// Text of the last line, for a login's reason.
    last: String,
    done: bool,
}

/// Per-flow FTP state.
#[derive(Debug, Default)]
pub struct FtpParser {
    readers: [LineReader; 2],
    st: State,
}

#[derive(Debug, Default)]
struct State {
    stopped: [bool; 2],
    closed: [bool; 2],
    pending: VecDeque<Command>,
    reply: Option<Reply>,
    /// The last `USER` argument.
    user: Option<String>,
    /// `PASS` got 332: the attempt is decided by `ACCT`.
    awaiting_acct: bool,
    next_tx: [u64; 2],
    /// Unanswered commands were written out at close.
    flushed: bool,
}

impl FtpParser {
    /// A parser for a new connection.
    pub fn new() -> FtpParser {
        FtpParser::default()
    }

    /// A boxed parser, for [`crate::app::layer::STREAM_PROTOS`].
    pub fn boxed() -> Box<dyn StreamParser> {
        Box::new(FtpParser::new())
    }
}

impl StreamParser for FtpParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        while !self.st.stopped[i] {
            let Some(piece) = self.readers[i].next(&mut input) else {
                break;
            };
            if let Piece::Line(line, truncated) = piece {
                match dir {
                    Direction::ToServer => self.st.command(line, truncated, sink),
                    Direction::ToClient => self.st.reply_line(line, truncated, sink),
                }
            }
        }
        if self.st.stopped[i] {
            self.readers[i] = LineReader::default();
        }
    }

    fn gap(&mut self, dir: Direction, len: u64) {
        self.readers[dir.index()].gap(len);
        if dir == Direction::ToClient {
            // The reply being read lost its end.
            self.st.reply = None;
        }
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.st.closed[dir.index()] = true;
        // The server can still answer after the client's FIN: wait for its
        // side to end before calling unanswered commands unanswered.
        if self.st.closed[Direction::ToClient.index()] && !self.st.flushed {
            self.st.flushed = true;
            while let Some(cmd) = self.st.pending.pop_front() {
                self.st.unanswered(cmd, sink);
            }
        }
    }

    fn memory(&self) -> usize {
        let pending: usize = self
            .st
            .pending
            .iter()
            .map(|c| {
                std::mem::size_of::<Command>()
                    + c.data.as_ref().map_or(0, String::capacity)
                    + c.lines.iter().map(String::capacity).sum::<usize>()
            })
            .sum();
        let reply = self
            .st
            .reply
            .as_ref()
            .map_or(0, |r| r.lines.iter().map(String::capacity).sum::<usize>());
        self.readers.iter().map(LineReader::memory).sum::<usize>() + pending + reply
    }
}

impl State {
    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let id = &mut self.next_tx[dir.index()];
        sink.tx(dir, *id, &NoBuffers);
        *id += 1;
    }

    fn command(&mut self, line: &[u8], truncated: bool, sink: &mut dyn ParseSink) {
        if line.is_empty() {
            return;
        }
        if !is_text(line) {
            self.stopped[Direction::ToServer.index()] = true;
            return;
        }
        let (verb, arg) = parse_command(line);
        let kind = match verb.as_str() {
            "USER" => Kind::User,
            "PASS" => Kind::Pass,
            "ACCT" => Kind::Acct,
            "AUTH" => Kind::Auth,
            _ => Kind::Other,
        };
        if kind == Kind::User {
            self.user = account(arg);
            self.awaiting_acct = false;
        }
        let dynamic_port = match verb.as_str() {
            "PORT" => port_from_six(arg),
            "EPRT" => port_from_extended(arg),
            _ => None,
        };
        let data = (kind != Kind::Pass && !arg.is_empty()).then(|| clean(arg, MAX_TEXT));
        self.tx(Direction::ToServer, sink);
        if self.pending.len() >= MAX_PENDING {
            if let Some(old) = self.pending.pop_front() {
                self.unanswered(old, sink);
            }
        }
        self.pending.push_back(Command {
            verb,
            data,
            truncated,
            kind,
            codes: Vec::new(),
            lines: Vec::new(),
            reply_truncated: false,
            dynamic_port,
        });
    }

    fn reply_line(&mut self, line: &[u8], truncated: bool, sink: &mut dyn ParseSink) {
        let parsed = parse_reply_line(line);
        let reply = match (self.reply.take(), parsed) {
            // Inside a multi-line reply, only `ddd SP` with its code ends it.
            (Some(mut r), p) => {
                let text = match p {
                    Some(p) if p.code == r.code => {
                        r.done = !p.more;
                        p.text
                    }
                    _ => line,
                };
                push_line(&mut r, text, truncated);
                r
            }
            (None, Some(p)) => {
                let mut r = Reply {
                    code: p.code,
                    lines: Vec::new(),
                    truncated: false,
                    last: String::new(),
                    done: !p.more,
                };
                push_line(&mut r, p.text, truncated);
                r
            }
            (None, None) => {
                if !line.is_empty() && !is_text(line) {
                    self.stopped[Direction::ToClient.index()] = true;
                }
                return;
            }
        };
        if reply.done {
            self.reply_done(reply, sink);
        } else {
            self.reply = Some(reply);
        }
    }

    fn reply_done(&mut self, reply: Reply, sink: &mut dyn ParseSink) {
        self.tx(Direction::ToClient, sink);
        let Some(cmd) = self.pending.front_mut() else {
            // The greeting, or an unsolicited reply (421 on idle timeout).
            return;
        };
        cmd.codes.push(reply.code);
        for l in reply.lines {
            if cmd.lines.len() < MAX_REPLY_LINES {
                cmd.lines.push(l);
            } else {
                cmd.reply_truncated = true;
            }
        }
        cmd.reply_truncated |= reply.truncated;
        if reply.code < 200 {
            return;
        }
        let Some(mut cmd) = self.pending.pop_front() else {
            return;
        };
        if matches!(reply.code, 227 | 229) {
            cmd.dynamic_port = match reply.code {
                227 => cmd.lines.last().and_then(|l| port_from_six(l.as_bytes())),
                _ => cmd
                    .lines
                    .last()
                    .and_then(|l| port_from_extended(l.as_bytes())),
            };
        }
        let reason = format!("{} {}", reply.code, reply.last);
        let reason = reason.trim_end();
        let verdict = match (cmd.kind, reply.code) {
            (Kind::User | Kind::Pass | Kind::Acct, 230 | 202) => Some(Outcome::Success),
            (Kind::User, 331 | 332) => None,
            (Kind::Pass, 332) => {
                self.awaiting_acct = true;
                None
            }
            (Kind::Acct, _) if !self.awaiting_acct => None,
            (Kind::User | Kind::Pass | Kind::Acct, 400..=599) => Some(Outcome::Failure),
            _ => None,
        };
        if let Some(outcome) = verdict {
            self.awaiting_acct = false;
            self.login(outcome, reason, sink);
        }
        if cmd.kind == Kind::Auth && matches!(reply.code, 234 | 334) {
            // RFC 4217 §4: TLS (or another security mechanism) starts now.
            self.stopped = [true, true];
        }
        sink.record(Direction::ToClient, record(&cmd, true));
    }

    fn login(&mut self, outcome: Outcome, reason: &str, sink: &mut dyn ParseSink) {
        let mut attempt = LoginAttempt::new(AppProto::Ftp, outcome, reason);
        if let Some(u) = &self.user {
            attempt = attempt.account(u.clone());
        }
        sink.login(attempt);
    }

    /// A command the server never answered: its record, and a login of
    /// unknown outcome when it was a password.
    fn unanswered(&mut self, cmd: Command, sink: &mut dyn ParseSink) {
        if cmd.kind == Kind::Pass || (cmd.kind == Kind::Acct && self.awaiting_acct) {
            self.login(Outcome::Unknown, "no reply", sink);
        }
        sink.record(Direction::ToServer, record(&cmd, false));
    }
}

fn push_line(r: &mut Reply, text: &[u8], truncated: bool) {
    let t = clean(text, MAX_TEXT);
    r.truncated |= truncated || text.len() > MAX_TEXT;
    if r.lines.len() < MAX_REPLY_LINES {
        r.lines.push(t.clone());
    } else {
        r.truncated = true;
    }
    r.last = t;
}

/// The EVE `ftp` record of a command, Suricata's fields.
fn record(cmd: &Command, replied: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("command".into(), json!(cmd.verb));
    if let Some(d) = &cmd.data {
        m.insert("command_data".into(), json!(d));
        m.insert("command_truncated".into(), json!(cmd.truncated));
    }
    if !cmd.codes.is_empty() {
        let codes: Vec<String> = cmd.codes.iter().map(u16::to_string).collect();
        m.insert("completion_code".into(), json!(codes));
        m.insert("reply".into(), json!(cmd.lines));
    }
    if let Some(p) = cmd.dynamic_port {
        m.insert("dynamic_port".into(), json!(p));
    }
    if cmd.verb == "PORT" || cmd.verb == "EPRT" {
        m.insert("mode".into(), json!("active"));
    } else if cmd.verb == "PASV" || cmd.verb == "EPSV" {
        m.insert("mode".into(), json!("passive"));
    }
    m.insert(
        "reply_received".into(),
        json!(if replied { "yes" } else { "no" }),
    );
    m.insert("reply_truncated".into(), json!(cmd.reply_truncated));
    m
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
