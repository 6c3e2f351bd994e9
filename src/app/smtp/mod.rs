//! SMTP (RFC 5321) and submission: commands and replies, the account of
//! each `AUTH` (RFC 4954) and its result, and the envelope of each mail
//! transaction.
//!
//! Replies come in command order (RFC 2920 pipelining included), so a queue
//! of unanswered commands pairs them. `AUTH`'s SASL exchange is read for the
//! authentication identity only (PLAIN's authcid, LOGIN's first response,
//! ...; see [`crate::app::text::SaslExchange`]): 235 is a success, any other
//! final reply a failure, an exchange the client cancelled (`*`) is no
//! attempt. Message bodies (`DATA` up to the lone `.`, `BDAT` chunks) are
//! passed over without being kept. `STARTTLS` answered with 220 ends
//! parsing: what follows is TLS.

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use crate::app::layer::{AppProto, PROBE_BUFFER};
use crate::app::text::{
    LineReader, MAX_ACCOUNT, Piece, SaslExchange, clean, contains_ci, is_text, parse_reply_line,
    split_verb, starts_with_ci,
};
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Commands waiting for their reply (a pipelining client sends a handful).
pub const MAX_PENDING: usize = 64;

/// Recipients kept per mail transaction for the EVE record (RFC 5321
/// §4.5.3.1.8 requires servers to accept 100).
pub const MAX_RCPT: usize = 100;

/// Protocol detection.
///
/// To the client: a `220` greeting that says `SMTP` (`ESMTP` included) or
/// names a mail server (Postfix, Exim, Sendmail), or any `220` greeting
/// without an FTP word on the SMTP ports (25, 587, 2525). FTP greets with
/// `220` too, so a greeting that says neither is refused here and the
/// client's `EHLO`/`HELO` decides.
pub fn probe(dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    match dir {
        Direction::ToClient => {
            let n = data.len().min(4);
            if !(b"220 "[..n] == data[..n] || b"220-"[..n] == data[..n]) {
                return Probe::No;
            }
            let end = memchr::memchr(b'\n', data);
            if end.is_none() && data.len() < PROBE_BUFFER {
                return Probe::NeedMore;
            }
            let line = &data[..end.unwrap_or(data.len())];
            if contains_ci(line, b"ftp") || contains_ci(line, b"filezilla") {
                return Probe::No;
            }
            let named = [&b"smtp"[..], b"postfix", b"exim", b"sendmail", b"mail"]
                .iter()
                .any(|w| contains_ci(line, w));
            if named || [25, 587, 2525].contains(&server_port) {
                Probe::Yes
            } else {
                Probe::No
            }
        }
        Direction::ToServer => {
            let n = data.len().min(5);
            let greet = |verb: &[u8]| data[..n].eq_ignore_ascii_case(&verb[..n]);
            if !(greet(b"EHLO ") || greet(b"HELO ")) {
                Probe::No
            } else if n < 5 {
                Probe::NeedMore
            } else {
                Probe::Yes
            }
        }
    }
}

/// What a queued command was, for its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cmd {
    Data,
    /// The `.` ending a message, or the last `BDAT` chunk.
    MessageEnd,
    Auth,
    StartTls,
    Other,
}

/// What the client's next lines are.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum ClientMode {
    Commands,
    /// Message content until a lone `.`.
    Data,
    /// SASL responses until the server's final reply to `AUTH`.
    Auth,
}

/// Per-flow SMTP state.
#[derive(Debug, Default)]
pub struct SmtpParser {
    readers: [LineReader; 2],
    st: State,
}

#[derive(Debug)]
struct State {
    stopped: [bool; 2],
    closed: [bool; 2],
    flushed: bool,
    pending: VecDeque<Cmd>,
    /// Code of a multi-line reply being read.
    multiline: Option<u16>,
    mode: ClientMode,
    sasl: Option<SaslExchange>,
    helo: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    /// A record was written for this session.
    recorded: bool,
    next_tx: [u64; 2],
}

impl Default for State {
    fn default() -> Self {
        State {
            stopped: [false; 2],
            closed: [false; 2],
            flushed: false,
            pending: VecDeque::new(),
            multiline: None,
            mode: ClientMode::Commands,
            sasl: None,
            helo: None,
            mail_from: None,
            rcpt_to: Vec::new(),
            recorded: false,
            next_tx: [0; 2],
        }
    }
}

impl SmtpParser {
    /// A parser for a new connection.
    pub fn new() -> SmtpParser {
        SmtpParser::default()
    }

    /// A boxed parser, for [`crate::app::layer::STREAM_PROTOS`].
    pub fn boxed() -> Box<dyn StreamParser> {
        Box::new(SmtpParser::new())
    }
}

impl StreamParser for SmtpParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        while !self.st.stopped[i] {
            let Some(piece) = self.readers[i].next(&mut input) else {
                break;
            };
            let skip = match (piece, dir) {
                (Piece::Line(line, _), Direction::ToServer) => self.st.client_line(line, sink),
                (Piece::Line(line, _), Direction::ToClient) => {
                    self.st.reply_line(line, sink);
                    None
                }
                (Piece::Raw(_), _) => None,
            };
            if let Some(n) = skip {
                self.readers[i].skip(n);
            }
        }
        if self.st.stopped[i] {
            self.readers[i] = LineReader::default();
        }
    }

    fn gap(&mut self, dir: Direction, len: u64) {
        self.readers[dir.index()].gap(len);
        if dir == Direction::ToClient {
            self.st.multiline = None;
        }
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.st.closed[dir.index()] = true;
        if self.st.closed[Direction::ToClient.index()] && !self.st.flushed {
            self.st.flushed = true;
            if self.st.pending.contains(&Cmd::Auth) {
                self.st
                    .auth_result(Outcome::Unknown, "no reply".into(), sink);
            }
            if self.st.mail_from.is_some() || !self.st.recorded && self.st.helo.is_some() {
                self.st.record(Direction::ToServer, sink);
            }
        }
    }

    fn memory(&self) -> usize {
        self.readers.iter().map(LineReader::memory).sum::<usize>()
            + self.st.pending.len() * std::mem::size_of::<Cmd>()
            + self.st.rcpt_to.iter().map(String::capacity).sum::<usize>()
            + self.st.mail_from.as_ref().map_or(0, String::capacity)
            + self.st.helo.as_ref().map_or(0, String::capacity)
    }
}

impl State {
    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let id = &mut self.next_tx[dir.index()];
        sink.tx(dir, *id, &NoBuffers);
        *id += 1;
    }

    fn push(&mut self, cmd: Cmd) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(cmd);
    }

    /// One client line; returns raw bytes to skip (a `BDAT` chunk).
    fn client_line(&mut self, line: &[u8], sink: &mut dyn ParseSink) -> Option<u64> {
        match self.mode {
            ClientMode::Data => {
                if line == b"." {
                    self.mode = ClientMode::Commands;
                    self.tx(Direction::ToServer, sink);
                    self.push(Cmd::MessageEnd);
                }
                return None;
            }
            ClientMode::Auth => {
                if let Some(s) = &mut self.sasl {
                    s.client_line(line);
                }
                return None;
            }
            ClientMode::Commands => {}
        }
        if line.is_empty() {
            return None;
        }
        if !is_text(line) {
            self.stopped[Direction::ToServer.index()] = true;
            return None;
        }
        self.tx(Direction::ToServer, sink);
        let (verb, arg) = split_verb(line);
        let verb = verb.to_ascii_uppercase();
        let mut skip = None;
        let cmd = match &verb[..] {
            b"EHLO" | b"HELO" => {
                self.helo = Some(clean(arg, MAX_ACCOUNT));
                Cmd::Other
            }
            b"MAIL" => {
                if self.mail_from.is_some() {
                    // A new transaction without the previous one's end.
                    self.record(Direction::ToServer, sink);
                }
                self.mail_from = Some(path(arg, b"FROM:"));
                self.rcpt_to.clear();
                Cmd::Other
            }
            b"RCPT" => {
                if self.rcpt_to.len() < MAX_RCPT {
                    self.rcpt_to.push(path(arg, b"TO:"));
                }
                Cmd::Other
            }
            b"DATA" => {
                // RFC 5321 §4.1.1.4: the client waits for 354 before the
                // content, so the next lines are content (or, after a
                // refusal, the reply handler switches back).
                self.mode = ClientMode::Data;
                Cmd::Data
            }
            b"BDAT" => {
                // RFC 3030: `BDAT size [LAST]`, then `size` raw bytes.
                let (size, rest) = split_verb(arg);
                let size = std::str::from_utf8(size)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok());
                skip = size;
                if starts_with_ci(rest, b"LAST") {
                    Cmd::MessageEnd
                } else {
                    Cmd::Other
                }
            }
            b"AUTH" => {
                let (mech, ir) = split_verb(arg);
                self.sasl = Some(SaslExchange::start(mech, (!ir.is_empty()).then_some(ir)));
                self.mode = ClientMode::Auth;
                Cmd::Auth
            }
            b"STARTTLS" => Cmd::StartTls,
            b"RSET" => {
                if self.mail_from.is_some() {
                    self.record(Direction::ToServer, sink);
                }
                Cmd::Other
            }
            _ => Cmd::Other,
        };
        self.push(cmd);
        skip
    }

    fn reply_line(&mut self, line: &[u8], sink: &mut dyn ParseSink) {
        let Some(r) = parse_reply_line(line) else {
            if self.multiline.is_none() && !line.is_empty() && !is_text(line) {
                self.stopped[Direction::ToClient.index()] = true;
            }
            return;
        };
        if r.more {
            self.multiline.get_or_insert(r.code);
            return;
        }
        if self.multiline.is_some_and(|c| c != r.code) {
            // A line of a multi-line reply that looks like a final one.
            return;
        }
        self.multiline = None;
        self.tx(Direction::ToClient, sink);
        let reason = format!("{} {}", r.code, clean(r.text, 256));
        let reason = reason.trim_end().to_string();
        match self.pending.front() {
            Some(Cmd::Auth) if r.code == 334 => {}
            Some(Cmd::Auth) => {
                self.pending.pop_front();
                self.mode = ClientMode::Commands;
                let outcome = if r.code == 235 {
                    Outcome::Success
                } else {
                    Outcome::Failure
                };
                self.auth_result(outcome, reason, sink);
            }
            Some(Cmd::Data) => {
                self.pending.pop_front();
                if r.code != 354 && self.mode == ClientMode::Data {
                    self.mode = ClientMode::Commands;
                }
            }
            Some(Cmd::MessageEnd) => {
                self.pending.pop_front();
                self.record(Direction::ToClient, sink);
            }
            Some(Cmd::StartTls) => {
                self.pending.pop_front();
                if r.code == 220 {
                    self.stopped = [true, true];
                }
            }
            Some(Cmd::Other) => {
                self.pending.pop_front();
            }
            // The greeting, or an unsolicited 421.
            None => {}
        }
    }

    fn auth_result(&mut self, outcome: Outcome, reason: String, sink: &mut dyn ParseSink) {
        let Some(sasl) = self.sasl.take() else {
            return;
        };
        if sasl.cancelled() {
            return;
        }
        let mut a = LoginAttempt::new(AppProto::Smtp, outcome, reason);
        if let Some(acc) = sasl.account() {
            a = a.account(acc);
        }
        if let Some(d) = sasl.domain() {
            a = a.domain(d);
        }
        sink.login(a);
    }

    /// The EVE `smtp` record of the current mail transaction (Suricata's
    /// `helo`, `mail_from`, `rcpt_to`), which then ends.
    fn record(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let mut m = Map::new();
        if let Some(h) = &self.helo {
            m.insert("helo".into(), json!(h));
        }
        if let Some(f) = self.mail_from.take() {
            m.insert("mail_from".into(), json!(f));
        }
        let rcpt = std::mem::take(&mut self.rcpt_to);
        if !rcpt.is_empty() {
            m.insert("rcpt_to".into(), Value::from(rcpt));
        }
        self.recorded = true;
        sink.record(dir, m);
    }
}

/// The path of `MAIL FROM:<a@b> SIZE=..` / `RCPT TO:<a@b>`: the argument
/// after `prefix`, up to the first space (parameters dropped).
fn path(arg: &[u8], prefix: &[u8]) -> String {
    let rest = if starts_with_ci(arg, prefix) {
        &arg[prefix.len()..]
    } else {
        arg
    };
    let rest = rest.trim_ascii_start();
    let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    clean(&rest[..end], MAX_ACCOUNT)
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
