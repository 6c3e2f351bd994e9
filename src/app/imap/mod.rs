//! IMAP4 (RFC 3501, RFC 9051): tagged commands and their tagged results,
//! and the logins made with `LOGIN` and `AUTHENTICATE`.
//!
//! A command is a transaction, completed by the server's `tag OK/NO/BAD`
//! (matched by tag: results may come out of order). Literals (`{n}` and
//! RFC 7888's `{n+}`) are followed on both sides, so a message body or a
//! `FETCH` response never reads as commands; their content is passed over
//! (a literal user name in `LOGIN` is kept, up to [`MAX_TOKEN`] bytes).
//! `LOGIN`'s and `AUTHENTICATE`'s `OK` is a success, `NO` or `BAD` a
//! failure; an `AUTHENTICATE` the client cancelled (`*`) is no attempt.
//! `STARTTLS` answered `OK` ends parsing.

use serde_json::{Map, json};

use crate::app::layer::{AppProto, PROBE_BUFFER};
use crate::app::text::{LineReader, Piece, SaslExchange, account, clean, is_text, starts_with_ci};
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Commands waiting for their tagged result.
pub const MAX_PENDING: usize = 64;

/// Bytes kept of a command token (tag, name, user name); the rest of a
/// longer token (a big literal) is passed over.
pub const MAX_TOKEN: usize = 1024;

/// Tokens kept per command: tag, name and two arguments are all the login
/// logic reads.
const MAX_TOKENS: usize = 4;

/// Commands that open a client's conversation (the probe to the server).
const OPENERS: [&[u8]; 6] = [
    b"CAPABILITY",
    b"LOGIN",
    b"AUTHENTICATE",
    b"STARTTLS",
    b"ID",
    b"NOOP",
];

/// Protocol detection: the server's untagged greeting (`* OK`, `* PREAUTH`,
/// `* BYE`), or a client's tagged `CAPABILITY`, `LOGIN`, `AUTHENTICATE`,
/// `STARTTLS`, `ID` or `NOOP`.
pub fn probe(dir: Direction, _server_port: u16, data: &[u8]) -> Probe {
    match dir {
        Direction::ToClient => {
            let mut need = false;
            for g in [&b"* OK"[..], b"* PREAUTH", b"* BYE"] {
                let n = data.len().min(g.len() + 1);
                if n <= g.len() {
                    need |= data[..n].eq_ignore_ascii_case(&g[..n]);
                } else if starts_with_ci(data, g) && matches!(data[g.len()], b' ' | b'\r' | b'\n') {
                    return Probe::Yes;
                }
            }
            if need { Probe::NeedMore } else { Probe::No }
        }
        Direction::ToServer => {
            let end = memchr::memchr(b'\n', data);
            let line = &data[..end.unwrap_or(data.len())];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(sp) = memchr::memchr(b' ', line) else {
                return need_more(data, end.is_none() && line.iter().all(|&b| is_tag_char(b)));
            };
            let (tag, rest) = (&line[..sp], &line[sp + 1..]);
            if tag.is_empty() || !tag.iter().all(|&b| is_tag_char(b)) {
                return Probe::No;
            }
            let cmd_end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
            let cmd = &rest[..cmd_end];
            let known = OPENERS.iter().any(|o| cmd.eq_ignore_ascii_case(o));
            if known && (end.is_some() || cmd_end < rest.len()) {
                return Probe::Yes;
            }
            let prefix = OPENERS.iter().any(|o| starts_with_ci(o, cmd));
            need_more(data, end.is_none() && prefix)
        }
    }
}

fn need_more(data: &[u8], possible: bool) -> Probe {
    if possible && data.len() < PROBE_BUFFER {
        Probe::NeedMore
    } else {
        Probe::No
    }
}

/// RFC 3501 §9 `tag`: ASTRING-CHAR except `+`.
fn is_tag_char(b: u8) -> bool {
    b.is_ascii_graphic() && !b"(){%*\"\\+]".contains(&b)
}

/// `{n}` or `{n+}` at the end of a line: the literal's size.
fn literal_at_end(line: &[u8]) -> Option<(usize, u64)> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let digits = &body[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((open, n))
}

/// Splits a command line into tokens: atoms, quoted strings (unescaped),
/// parenthesised lists kept whole.
fn tokens(line: &[u8], out: &mut Vec<Vec<u8>>) {
    let mut i = 0;
    while i < line.len() && out.len() < MAX_TOKENS {
        match line[i] {
            b' ' => i += 1,
            b'"' => {
                let mut t = Vec::new();
                i += 1;
                while i < line.len() && line[i] != b'"' {
                    if line[i] == b'\\' && i + 1 < line.len() {
                        i += 1;
                    }
                    if t.len() < MAX_TOKEN {
                        t.push(line[i]);
                    }
                    i += 1;
                }
                i += 1;
                out.push(t);
            }
            _ => {
                let start = i;
                let mut depth = 0usize;
                while i < line.len() && (line[i] != b' ' || depth > 0) {
                    match line[i] {
                        b'(' | b'[' => depth += 1,
                        b')' | b']' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    i += 1;
                }
                out.push(line[start..i.min(start + MAX_TOKEN)].to_vec());
            }
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Login,
    Authenticate,
    StartTls,
    Other,
}

/// A command waiting for its tagged result.
#[derive(Clone, Debug)]
struct Command {
    tag: String,
    name: String,
    kind: Kind,
    user: Option<String>,
    sasl: Option<SaslExchange>,
}

/// Per-flow IMAP state.
#[derive(Debug, Default)]
pub struct ImapParser {
    readers: [LineReader; 2],
    st: State,
}

#[derive(Debug, Default)]
struct State {
    stopped: [bool; 2],
    closed: [bool; 2],
    flushed: bool,
    pending: Vec<Command>,
    /// Tokens of the client command being read (it spans literals).
    tokens: Vec<Vec<u8>>,
    /// The client is sending a literal, collected into the last token.
    literal: bool,
    /// Tag of an `AUTHENTICATE` whose exchange is running: client lines
    /// are SASL responses.
    auth_tag: Option<String>,
    next_tx: [u64; 2],
}

impl ImapParser {
    /// A parser for a new connection.
    pub fn new() -> ImapParser {
        ImapParser::default()
    }

    /// A boxed parser, for [`crate::app::layer::STREAM_PROTOS`].
    pub fn boxed() -> Box<dyn StreamParser> {
        Box::new(ImapParser::new())
    }
}

impl StreamParser for ImapParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut input = data;
        while !self.st.stopped[i] {
            let Some(piece) = self.readers[i].next(&mut input) else {
                break;
            };
            let skip = match (piece, dir) {
                (Piece::Line(line, _), Direction::ToServer) => self.st.client_line(line, sink),
                (Piece::Line(line, _), Direction::ToClient) => self.st.server_line(line, sink),
                (Piece::Raw(raw), Direction::ToServer) => {
                    // Only the tag, name and first argument are kept: never
                    // LOGIN's password.
                    if self.st.literal && self.st.tokens.len() <= 3 {
                        if let Some(t) = self.st.tokens.last_mut() {
                            let room = MAX_TOKEN.saturating_sub(t.len());
                            t.extend_from_slice(&raw[..raw.len().min(room)]);
                        }
                    }
                    None
                }
                (Piece::Raw(_), Direction::ToClient) => None,
            };
            if let Some(n) = skip {
                self.readers[i].skip(n);
            }
            if dir == Direction::ToServer && self.readers[i].skipping() == 0 {
                self.st.literal = false;
            }
        }
        if self.st.stopped[i] {
            self.readers[i] = LineReader::default();
        }
    }

    fn gap(&mut self, dir: Direction, len: u64) {
        self.readers[dir.index()].gap(len);
        if dir == Direction::ToServer {
            self.st.tokens.clear();
            self.st.literal = false;
        }
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.st.closed[dir.index()] = true;
        if self.st.closed[Direction::ToClient.index()] && !self.st.flushed {
            self.st.flushed = true;
            for cmd in std::mem::take(&mut self.st.pending) {
                self.st
                    .finish(cmd, None, "no reply".into(), Direction::ToServer, sink);
            }
        }
    }

    fn memory(&self) -> usize {
        self.readers.iter().map(LineReader::memory).sum::<usize>()
            + self.st.tokens.iter().map(Vec::capacity).sum::<usize>()
            + self
                .st
                .pending
                .iter()
                .map(|c| std::mem::size_of::<Command>() + c.tag.capacity() + c.name.capacity())
                .sum::<usize>()
    }
}

impl State {
    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let id = &mut self.next_tx[dir.index()];
        sink.tx(dir, *id, &NoBuffers);
        *id += 1;
    }

    /// One client line; returns the size of a literal that follows.
    fn client_line(&mut self, line: &[u8], sink: &mut dyn ParseSink) -> Option<u64> {
        if let Some(tag) = &self.auth_tag {
            if let Some(cmd) = self.pending.iter_mut().find(|c| &c.tag == tag) {
                if let Some(s) = &mut cmd.sasl {
                    s.client_line(line);
                }
            }
            return None;
        }
        if !is_text(line) {
            self.stopped[Direction::ToServer.index()] = true;
            return None;
        }
        let (text, literal) = match literal_at_end(line) {
            Some((at, n)) => (&line[..at], Some(n)),
            None => (line, None),
        };
        tokens(text, &mut self.tokens);
        if let Some(n) = literal {
            self.literal = true;
            self.tokens.push(Vec::new());
            return Some(n);
        }
        let toks = std::mem::take(&mut self.tokens);
        let [tag, name, rest @ ..] = &toks[..] else {
            // `DONE` ending an IDLE, or an empty line.
            return None;
        };
        self.tx(Direction::ToServer, sink);
        let name = clean(name, 32).to_ascii_uppercase();
        let kind = match name.as_str() {
            "LOGIN" => Kind::Login,
            "AUTHENTICATE" => Kind::Authenticate,
            "STARTTLS" => Kind::StartTls,
            _ => Kind::Other,
        };
        let tag = clean(tag, 64);
        let mut cmd = Command {
            tag: tag.clone(),
            name,
            kind,
            user: None,
            sasl: None,
        };
        match kind {
            Kind::Login => cmd.user = rest.first().and_then(|u| account(u)),
            Kind::Authenticate => {
                let mech = rest.first().map_or(&[][..], Vec::as_slice);
                let ir = rest.get(1).map(Vec::as_slice);
                cmd.sasl = Some(SaslExchange::start(mech, ir));
                self.auth_tag = Some(tag);
            }
            _ => {}
        }
        if self.pending.len() >= MAX_PENDING {
            let old = self.pending.remove(0);
            self.finish(old, None, "no reply".into(), Direction::ToServer, sink);
        }
        self.pending.push(cmd);
        None
    }

    /// One server line; returns the size of a literal that follows.
    fn server_line(&mut self, line: &[u8], sink: &mut dyn ParseSink) -> Option<u64> {
        if !line.is_empty() && !is_text(line) {
            self.stopped[Direction::ToClient.index()] = true;
            return None;
        }
        if line.starts_with(b"* ") || line.starts_with(b"+") {
            return literal_at_end(line).map(|(_, n)| n);
        }
        let mut toks = Vec::new();
        tokens(line, &mut toks);
        let [tag, status, ..] = &toks[..] else {
            // The continuation of an untagged response after a literal.
            return literal_at_end(line).map(|(_, n)| n);
        };
        let status = status.to_ascii_uppercase();
        if !matches!(&status[..], b"OK" | b"NO" | b"BAD") {
            return literal_at_end(line).map(|(_, n)| n);
        }
        let at = self
            .pending
            .iter()
            .position(|c| c.tag.as_bytes() == &tag[..])?;
        self.tx(Direction::ToClient, sink);
        let cmd = self.pending.remove(at);
        // The text after "tag SP status SP".
        let skip = tag.len() + 1 + status.len();
        let mut text = line.get(skip..).unwrap_or_default().trim_ascii();
        // A `[CAPABILITY ...]` response code (Dovecot's to LOGIN) is a
        // list of extensions, not a reason: dropped.
        if starts_with_ci(text, b"[CAPABILITY ") {
            if let Some(end) = memchr::memchr(b']', text) {
                text = text[end + 1..].trim_ascii_start();
            }
        }
        let text = clean(text, 256);
        let status = String::from_utf8_lossy(&status).into_owned();
        self.finish(cmd, Some(status), text, Direction::ToClient, sink);
        None
    }

    /// A command's end: login event, STARTTLS, record. `status` is `None`
    /// when the server never answered.
    fn finish(
        &mut self,
        cmd: Command,
        status: Option<String>,
        text: String,
        dir: Direction,
        sink: &mut dyn ParseSink,
    ) {
        if self.auth_tag.as_ref() == Some(&cmd.tag) {
            self.auth_tag = None;
        }
        let outcome = match status.as_deref() {
            Some("OK") => Outcome::Success,
            Some(_) => Outcome::Failure,
            None => Outcome::Unknown,
        };
        let reason = match &status {
            Some(s) => format!("{s} {text}").trim_end().to_string(),
            None => text.clone(),
        };
        match cmd.kind {
            Kind::Login => {
                let mut a = LoginAttempt::new(AppProto::Imap, outcome, reason);
                if let Some(u) = &cmd.user {
                    a = a.account(u.clone());
                }
                sink.login(a);
            }
            Kind::Authenticate => {
                if let Some(s) = cmd.sasl.as_ref().filter(|s| !s.cancelled()) {
                    let mut a = LoginAttempt::new(AppProto::Imap, outcome, reason);
                    if let Some(u) = s.account() {
                        a = a.account(u);
                    }
                    if let Some(d) = s.domain() {
                        a = a.domain(d);
                    }
                    sink.login(a);
                }
            }
            Kind::StartTls if outcome == Outcome::Success => self.stopped = [true, true],
            _ => {}
        }
        let mut m = Map::new();
        m.insert("tag".into(), json!(cmd.tag));
        m.insert("command".into(), json!(cmd.name));
        if let Some(s) = status {
            m.insert("status".into(), json!(s));
            m.insert("response".into(), json!(text));
        }
        sink.record(dir, m);
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
