//! POP3 (RFC 1939): commands, `+OK`/`-ERR` responses, and the logins made
//! with `USER`/`PASS`, `APOP` and `AUTH` (RFC 5034).
//!
//! Responses come in command order (RFC 2449 `PIPELINING` included), so a
//! queue pairs them. The multi-line responses (`CAPA`, `LIST`/`UIDL`
//! without argument, `RETR`, `TOP`, `AUTH` without mechanism) are passed
//! over up to the lone `.`, their content not kept. A `-ERR` to `PASS`,
//! `APOP` or `AUTH` is a failed attempt, and so is one to `USER` (the
//! server refused the account). `STLS` answered `+OK` ends parsing.

use std::collections::VecDeque;

use serde_json::{Map, json};

use crate::app::layer::{AppProto, PROBE_BUFFER};
use crate::app::text::{LineReader, Piece, SaslExchange, account, clean, is_text, split_verb};
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Commands waiting for their response.
pub const MAX_PENDING: usize = 64;

/// Protocol detection: the server's `+OK` greeting, or a first command
/// only POP3 clients send (`CAPA`, `APOP`, `STLS`; `USER` and `AUTH`, which
/// FTP shares, only on the POP3 port 110).
pub fn probe(dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    match dir {
        Direction::ToClient => {
            let n = data.len().min(4);
            let ok = b"+OK "[..n] == data[..n] || b"+OK\r"[..n] == data[..n];
            if !ok {
                Probe::No
            } else if n < 4 {
                Probe::NeedMore
            } else {
                Probe::Yes
            }
        }
        Direction::ToServer => {
            let Some(end) = memchr::memchr(b'\n', data) else {
                let short = data.len() < PROBE_BUFFER;
                let texty = data
                    .iter()
                    .all(|b| b.is_ascii_graphic() || b" \r".contains(b));
                return if short && texty {
                    Probe::NeedMore
                } else {
                    Probe::No
                };
            };
            let line = data[..end].strip_suffix(b"\r").unwrap_or(&data[..end]);
            let (verb, arg) = split_verb(line);
            let verb = verb.to_ascii_uppercase();
            let yes = match &verb[..] {
                b"CAPA" | b"STLS" => arg.is_empty(),
                b"APOP" => split_verb(arg).1.len() == 32,
                b"USER" | b"AUTH" => server_port == 110 && is_text(line),
                _ => false,
            };
            if yes { Probe::Yes } else { Probe::No }
        }
    }
}

/// A command waiting for its response.
#[derive(Clone, Debug)]
struct Command {
    verb: String,
    /// Arguments for the record (never a password or a digest).
    args: Vec<String>,
    kind: Kind,
    /// A `+OK` to it is followed by lines up to `.`.
    multiline: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    User,
    Pass,
    Apop,
    Auth,
    Stls,
    Other,
}

/// Per-flow POP3 state.
#[derive(Debug, Default)]
pub struct Pop3Parser {
    readers: [LineReader; 2],
    st: State,
}

#[derive(Debug, Default)]
struct State {
    stopped: [bool; 2],
    closed: [bool; 2],
    flushed: bool,
    pending: VecDeque<Command>,
    /// The server is sending a multi-line body.
    in_body: bool,
    /// The client is answering SASL challenges.
    in_auth: bool,
    sasl: Option<SaslExchange>,
    user: Option<String>,
    next_tx: [u64; 2],
}

impl Pop3Parser {
    /// A parser for a new connection.
    pub fn new() -> Pop3Parser {
        Pop3Parser::default()
    }

    /// A boxed parser, for [`crate::app::layer::STREAM_PROTOS`].
    pub fn boxed() -> Box<dyn StreamParser> {
        Box::new(Pop3Parser::new())
    }
}

impl StreamParser for Pop3Parser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        while !self.st.stopped[i] {
            let Some(piece) = self.readers[i].next(&mut input) else {
                break;
            };
            if let Piece::Line(line, _) = piece {
                match dir {
                    Direction::ToServer => self.st.client_line(line, sink),
                    Direction::ToClient => self.st.server_line(line, sink),
                }
            }
        }
        if self.st.stopped[i] {
            self.readers[i] = LineReader::default();
        }
    }

    fn gap(&mut self, dir: Direction, len: u64) {
        self.readers[dir.index()].gap(len);
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.st.closed[dir.index()] = true;
        if self.st.closed[Direction::ToClient.index()] && !self.st.flushed {
            self.st.flushed = true;
            while let Some(cmd) = self.st.pending.pop_front() {
                if matches!(cmd.kind, Kind::Pass | Kind::Apop | Kind::Auth) {
                    self.st
                        .login(cmd.kind, Outcome::Unknown, "no reply".into(), sink);
                }
                sink.record(Direction::ToServer, record(&cmd, None));
            }
        }
    }

    fn memory(&self) -> usize {
        self.readers.iter().map(LineReader::memory).sum::<usize>()
            + self
                .st
                .pending
                .iter()
                .map(|c| {
                    std::mem::size_of::<Command>()
                        + c.verb.capacity()
                        + c.args.iter().map(String::capacity).sum::<usize>()
                })
                .sum::<usize>()
    }
}

impl State {
    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let id = &mut self.next_tx[dir.index()];
        sink.tx(dir, *id, &NoBuffers);
        *id += 1;
    }

    fn client_line(&mut self, line: &[u8], sink: &mut dyn ParseSink) {
        if self.in_auth {
            if let Some(s) = &mut self.sasl {
                s.client_line(line);
            }
            return;
        }
        if line.is_empty() {
            return;
        }
        if !is_text(line) {
            self.stopped[Direction::ToServer.index()] = true;
            return;
        }
        self.tx(Direction::ToServer, sink);
        let (verb, arg) = split_verb(line);
        let verb = clean(verb, 16).to_ascii_uppercase();
        let (a1, rest) = split_verb(arg);
        let mut args = vec![];
        let (kind, multiline) = match verb.as_str() {
            "USER" => {
                self.user = account(arg);
                args.push(clean(arg, 256));
                (Kind::User, false)
            }
            "PASS" => (Kind::Pass, false),
            "APOP" => {
                self.user = account(a1);
                args.push(clean(a1, 256));
                (Kind::Apop, false)
            }
            "AUTH" => {
                if a1.is_empty() {
                    // Lists the mechanisms (a multi-line response).
                    (Kind::Other, true)
                } else {
                    args.push(clean(a1, 64));
                    self.sasl = Some(SaslExchange::start(a1, (!rest.is_empty()).then_some(rest)));
                    self.in_auth = true;
                    (Kind::Auth, false)
                }
            }
            "STLS" => (Kind::Stls, false),
            "CAPA" | "RETR" | "TOP" => {
                args.extend(arg.split(|&b| b == b' ').map(|a| clean(a, 64)));
                args.retain(|a| !a.is_empty());
                (Kind::Other, true)
            }
            "LIST" | "UIDL" => {
                if !arg.is_empty() {
                    args.push(clean(arg, 64));
                }
                (Kind::Other, arg.is_empty())
            }
            _ => {
                if !arg.is_empty() {
                    args.push(clean(arg, 256));
                }
                (Kind::Other, false)
            }
        };
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(Command {
            verb,
            args,
            kind,
            multiline,
        });
    }

    fn server_line(&mut self, line: &[u8], sink: &mut dyn ParseSink) {
        if self.in_body {
            // RFC 1939 §3: a line of only "." ends it; others are
            // byte-stuffed.
            if line == b"." {
                self.in_body = false;
            }
            return;
        }
        let (ok, text) = if let Some(t) = line.strip_prefix(b"+OK") {
            (true, t)
        } else if let Some(t) = line.strip_prefix(b"-ERR") {
            (false, t)
        } else if line.starts_with(b"+") && self.in_auth {
            // A SASL challenge (`+ base64`).
            return;
        } else {
            if !line.is_empty() && !is_text(line) {
                self.stopped[Direction::ToClient.index()] = true;
            }
            return;
        };
        self.tx(Direction::ToClient, sink);
        let text = clean(text.trim_ascii(), 256);
        let Some(cmd) = self.pending.pop_front() else {
            // The greeting.
            return;
        };
        self.in_body = ok && cmd.multiline;
        let reason = format!("{} {}", if ok { "+OK" } else { "-ERR" }, text);
        let reason = reason.trim_end().to_string();
        match (cmd.kind, ok) {
            (Kind::User, false) | (Kind::Pass | Kind::Apop | Kind::Auth, _) => {
                let outcome = if ok {
                    Outcome::Success
                } else {
                    Outcome::Failure
                };
                self.login(cmd.kind, outcome, reason, sink);
            }
            (Kind::Stls, true) => self.stopped = [true, true],
            _ => {}
        }
        if cmd.kind == Kind::Auth {
            self.in_auth = false;
        }
        sink.record(Direction::ToClient, record(&cmd, Some((ok, &text))));
    }

    fn login(&mut self, kind: Kind, outcome: Outcome, reason: String, sink: &mut dyn ParseSink) {
        let (acc, domain) = if kind == Kind::Auth {
            let Some(s) = self.sasl.take() else {
                return;
            };
            if s.cancelled() {
                return;
            }
            (
                s.account().map(str::to_string),
                s.domain().map(str::to_string),
            )
        } else {
            (self.user.clone(), None)
        };
        let mut a = LoginAttempt::new(AppProto::Pop3, outcome, reason);
        if let Some(acc) = acc {
            a = a.account(acc);
        }
        if let Some(d) = domain {
            a = a.domain(d);
        }
        sink.login(a);
    }
}

/// The EVE `pop3` record of a command and its response (`request`:
/// `command`, `args`; `response`: `success`, `status`, `header`).
fn record(cmd: &Command, response: Option<(bool, &str)>) -> Map<String, serde_json::Value> {
    let mut m = Map::new();
    let mut req = Map::new();
    req.insert("command".into(), json!(cmd.verb));
    if !cmd.args.is_empty() {
        req.insert("args".into(), json!(cmd.args));
    }
    m.insert("request".into(), req.into());
    if let Some((ok, header)) = response {
        m.insert(
            "response".into(),
            json!({"success": ok, "status": if ok { "OK" } else { "ERR" }, "header": header}),
        );
    }
    m
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
