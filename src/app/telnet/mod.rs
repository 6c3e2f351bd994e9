//! Telnet (RFC 854): option negotiation stripped, then the login dialogue
//! read the way a person at the terminal would.
//!
//! Telnet has no login messages: the server prints prompts and verdicts as
//! text and the client types characters (often one per segment, echoed by
//! the server). So the server's recent text is kept in a short window and
//! matched: a `login:`/`Username:` prompt starts an attempt and what the
//! client types next (backspaces applied) is the account — or the `USER`
//! variable of RFC 1572 NEW-ENVIRON, sent by `telnet -l`; a `Password:`
//! prompt makes the next typed line the password (counted, never kept).
//! After it, the server's text decides: `Login incorrect`, `Authentication
//! failed`, `Access denied`... is a failure, and so is a new login prompt
//! without a message; `Last login` or a shell prompt (a line ending in `$`,
//! `#`, `>` or `%`) is a success; a connection that ends first is an
//! unknown outcome.

mod negotiation;

pub use negotiation::{IacStripper, NEW_ENVIRON, OLD_ENVIRON};

use serde_json::{Map, json};

use crate::app::layer::{AppProto, PROBE_BUFFER};
use crate::app::text::{account, clean, contains_ci};
use crate::app::{LoginAttempt, NoBuffers, Outcome, ParseSink, Probe, StreamParser};
use crate::flow::Direction;

/// Server text kept to find prompts and verdicts (the end of a banner or a
/// MOTD is enough).
pub const MAX_WINDOW: usize = 512;

/// Characters kept of a typed line (a user name).
pub const MAX_TYPED: usize = 256;

/// Server phrases that refuse a login (matched case-insensitively).
const FAILURES: [&[u8]; 12] = [
    b"login incorrect",
    b"authentication failed",
    b"authentication failure",
    b"access denied",
    b"login failed",
    b"login invalid",
    b"invalid login",
    b"invalid password",
    b"incorrect password",
    b"bad password",
    b"permission denied",
    b"login refused",
];

/// Prompts asking for the account.
const USER_PROMPTS: [&[u8]; 4] = [b"login:", b"username:", b"user name:", b"user:"];

/// Prompts asking for the password.
const PASSWORD_PROMPTS: [&[u8]; 3] = [b"password:", b"passwd:", b"passcode:"];

/// Protocol detection: option negotiation (`IAC WILL/WONT/DO/DONT option`
/// or `IAC SB option`) first in either direction, or, on port 23, a login
/// prompt from the server within the first bytes.
pub fn probe(dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    match data {
        [] => Probe::NeedMore,
        [0xff] => Probe::NeedMore,
        [0xff, 0xfa..=0xfe] => Probe::NeedMore,
        [0xff, 0xfa..=0xfe, opt, ..] if negotiation::known_option(*opt) => Probe::Yes,
        [0xff, ..] => Probe::No,
        _ if server_port == 23 && dir == Direction::ToClient => {
            let window = &data[..data.len().min(PROBE_BUFFER)];
            let prompt = USER_PROMPTS
                .iter()
                .chain(PASSWORD_PROMPTS.iter())
                .any(|p| contains_ci(window, p));
            let texty = window
                .iter()
                .all(|&b| b.is_ascii_graphic() || b" \r\n\t".contains(&b));
            if prompt {
                Probe::Yes
            } else if texty && data.len() < PROBE_BUFFER {
                Probe::NeedMore
            } else {
                Probe::No
            }
        }
        _ => Probe::No,
    }
}

/// Where the login dialogue is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// No prompt pending.
    Idle,
    /// A user prompt was shown: the next typed line is the account.
    User,
    /// A password prompt was shown: the next typed line is the password.
    Password,
    /// The password was sent: the server's text decides.
    Verdict,
}

/// Per-flow Telnet state.
#[derive(Debug)]
pub struct TelnetParser {
    strip: [IacStripper; 2],
    /// Clean bytes of the current call (reused).
    scratch: Vec<u8>,
    st: State,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// Recent server text (at most [`MAX_WINDOW`] bytes); cleared when the
    /// client ends a line, so it holds what answers that line.
    window: Vec<u8>,
    /// The line being typed (not kept while a password is typed).
    typed: Vec<u8>,
    /// The last byte typed was CR (a following LF or NUL belongs to it).
    after_cr: bool,
    user: Option<String>,
    /// Account from NEW-ENVIRON `USER`.
    env_user: Option<String>,
    /// The prompt that asked for the account.
    prompt: Option<String>,
    closed: [bool; 2],
    flushed: bool,
    next_tx: [u64; 2],
}

impl Default for TelnetParser {
    fn default() -> Self {
        TelnetParser {
            strip: [IacStripper::default(), IacStripper::default()],
            scratch: Vec::new(),
            st: State {
                phase: Phase::Idle,
                window: Vec::new(),
                typed: Vec::new(),
                after_cr: false,
                user: None,
                env_user: None,
                prompt: None,
                closed: [false; 2],
                flushed: false,
                next_tx: [0; 2],
            },
        }
    }
}

impl TelnetParser {
    /// A parser for a new connection.
    pub fn new() -> TelnetParser {
        TelnetParser::default()
    }

    /// A boxed parser, for [`crate::app::layer::STREAM_PROTOS`].
    pub fn boxed() -> Box<dyn StreamParser> {
        Box::new(TelnetParser::new())
    }
}

impl StreamParser for TelnetParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        self.scratch.clear();
        let strip = &mut self.strip[i];
        strip.strip(data, &mut self.scratch);
        if dir == Direction::ToServer {
            if let Some(u) = strip.take_env_user() {
                self.st.env_user = account(&u);
            }
        }
        // Bounded per call: a segment is at most 64 KiB; keep the buffer
        // from growing past that for good.
        let clean_bytes = std::mem::take(&mut self.scratch);
        match dir {
            Direction::ToServer => self.st.typed_bytes(&clean_bytes, sink),
            Direction::ToClient => self.st.server_text(&clean_bytes, sink),
        }
        self.scratch = clean_bytes;
        if self.scratch.capacity() > 64 * 1024 {
            self.scratch = Vec::new();
        }
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        self.strip[dir.index()] = IacStripper::default();
        match dir {
            Direction::ToServer => {
                self.st.typed.clear();
                if self.st.phase == Phase::User {
                    self.st.phase = Phase::Idle;
                }
            }
            Direction::ToClient => self.st.window.clear(),
        }
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.st.closed[dir.index()] = true;
        if self.st.closed[Direction::ToClient.index()] && !self.st.flushed {
            self.st.flushed = true;
            if self.st.phase == Phase::Verdict {
                self.st
                    .verdict(Outcome::Unknown, "connection closed".into(), sink);
            }
        }
    }

    fn memory(&self) -> usize {
        self.scratch.capacity()
            + self.st.window.capacity()
            + self.st.typed.capacity()
            + self.strip.iter().map(IacStripper::memory).sum::<usize>()
    }
}

impl State {
    fn tx(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let id = &mut self.next_tx[dir.index()];
        sink.tx(dir, *id, &NoBuffers);
        *id += 1;
    }

    /// What the client typed (negotiation stripped).
    fn typed_bytes(&mut self, data: &[u8], sink: &mut dyn ParseSink) {
        for &b in data {
            let after_cr = std::mem::take(&mut self.after_cr);
            match b {
                // RFC 854: CR is followed by LF or NUL; either ends the line
                // once.
                b'\n' | 0 if after_cr => {}
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    self.line_end(sink);
                }
                0x08 | 0x7f => {
                    self.typed.pop();
                }
                // ^U: kill the line.
                0x15 => self.typed.clear(),
                _ if self.phase == Phase::Password => {}
                _ if b >= 0x20 && self.typed.len() < MAX_TYPED => self.typed.push(b),
                _ => {}
            }
        }
    }

    fn line_end(&mut self, sink: &mut dyn ParseSink) {
        self.tx(Direction::ToServer, sink);
        let typed = std::mem::take(&mut self.typed);
        match self.phase {
            Phase::User => {
                self.user = account(&typed);
                self.phase = Phase::Idle;
            }
            Phase::Password => self.phase = Phase::Verdict,
            Phase::Idle | Phase::Verdict => {}
        }
        // What the server prints next answers this line.
        self.window.clear();
        self.typed = typed;
        self.typed.clear();
    }

    /// Server text (negotiation stripped), in pieces of half the window so
    /// the window stays bounded and every byte is scanned.
    fn server_text(&mut self, data: &[u8], sink: &mut dyn ParseSink) {
        for piece in data.chunks(MAX_WINDOW / 2) {
            self.server_piece(piece, sink);
        }
    }

    fn server_piece(&mut self, data: &[u8], sink: &mut dyn ParseSink) {
        let from = self.window.len();
        self.window.extend_from_slice(data);
        if self.window.len() > MAX_WINDOW {
            let cut = self.window.len() - MAX_WINDOW;
            self.window.drain(..cut);
        }
        if self.phase == Phase::Verdict {
            // Only what arrived after the password (the window was cleared
            // at the line's end), from a little before this chunk so a
            // phrase split across segments is found.
            let scan_from = from.saturating_sub(32).min(self.window.len());
            let scan = &self.window[scan_from..];
            let failure = FAILURES.iter().find_map(|f| {
                scan.windows(f.len())
                    .position(|w| w.eq_ignore_ascii_case(f))
                    .map(|at| (clean(&scan[at..at + f.len()], 64), scan_from + at + f.len()))
            });
            if let Some((reason, end)) = failure {
                self.verdict(Outcome::Failure, reason, sink);
                // A prompt after the message starts the next attempt.
                self.window.drain(..end);
            } else if contains_ci(&self.window, b"last login") {
                self.verdict(Outcome::Success, "Last login".into(), sink);
                self.window.clear();
            } else if ends_with_prompt(&self.window, &USER_PROMPTS) {
                self.verdict(Outcome::Failure, "login prompt again".into(), sink);
            } else if ends_with_prompt(&self.window, &PASSWORD_PROMPTS) {
                self.verdict(Outcome::Failure, "password prompt again".into(), sink);
            } else if shell_prompt(&self.window) {
                self.verdict(Outcome::Success, "shell prompt".into(), sink);
                self.window.clear();
            }
        }
        if self.phase != Phase::Verdict {
            if let Some(p) = prompt_at_end(&self.window, &USER_PROMPTS) {
                if self.phase != Phase::User {
                    self.tx(Direction::ToClient, sink);
                }
                self.prompt = Some(p);
                self.phase = Phase::User;
                self.typed.clear();
            } else if ends_with_prompt(&self.window, &PASSWORD_PROMPTS) {
                if self.phase != Phase::Password {
                    self.tx(Direction::ToClient, sink);
                    if self.user.is_none() {
                        self.user = self.env_user.clone();
                    }
                }
                self.phase = Phase::Password;
                self.typed.clear();
            }
        }
    }

    /// A transaction per step of the dialogue (prompt, verdict), so rules
    /// see the same ones however the text was segmented.
    fn verdict(&mut self, outcome: Outcome, reason: String, sink: &mut dyn ParseSink) {
        self.tx(Direction::ToClient, sink);
        self.phase = Phase::Idle;
        let user = self.user.take().or_else(|| self.env_user.clone());
        let mut rec = Map::new();
        if let Some(p) = &self.prompt {
            rec.insert("login_prompt".into(), json!(p));
        }
        if let Some(u) = &user {
            rec.insert("username".into(), json!(u));
        }
        rec.insert("outcome".into(), json!(outcome));
        rec.insert("reason".into(), json!(reason));
        let mut a = LoginAttempt::new(AppProto::Telnet, outcome, reason);
        if let Some(u) = user {
            a = a.account(u);
        }
        sink.login(a);
        sink.record(Direction::ToClient, rec);
    }
}

/// The last line of `window`, trailing spaces removed.
fn last_line(window: &[u8]) -> &[u8] {
    let w = window.trim_ascii_end();
    let start = w
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    &w[start..]
}

fn ends_with_prompt(window: &[u8], prompts: &[&[u8]]) -> bool {
    prompt_at_end(window, prompts).is_some()
}

/// The last line, when it ends with one of `prompts` (case-insensitive).
fn prompt_at_end(window: &[u8], prompts: &[&[u8]]) -> Option<String> {
    let line = last_line(window);
    prompts
        .iter()
        .any(|p| line.len() >= p.len() && line[line.len() - p.len()..].eq_ignore_ascii_case(p))
        .then(|| clean(line, 64))
}

/// A shell or device prompt: the last line ends in `$`, `#`, `>` or `%`
/// after some text (`user@host:~$`, `Router#`, `C:\>`), or is a bare `$`,
/// `#` or `>` followed by a space (`sh`). A bare `%` is not one: Cisco
/// starts its messages with `% ` (`% Authentication failed`), and the
/// message may come in a later segment.
fn shell_prompt(window: &[u8]) -> bool {
    let line = last_line(window);
    match line {
        [_, .., b'$' | b'#' | b'>' | b'%'] => true,
        [b'$' | b'#' | b'>'] => window.last() == Some(&b' '),
        _ => false,
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
