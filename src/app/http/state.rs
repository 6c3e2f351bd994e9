//! The per-flow HTTP state machine: two directions, each a small automaton
//! over in-order stream bytes, sharing one queue of transactions.
//!
//! Bytes a state cannot use yet (an unfinished line or header block, a
//! decision that needs one more byte) stay in the direction's `pending`
//! buffer, bounded by `max_header_bytes`; everything else is consumed as it
//! arrives. Responses are matched to requests in order (pipelining).

use std::collections::VecDeque;

use crate::flow::Direction;

use super::decompress::Decoder;
use super::parser::{
    ChunkLen, Field, HeaderStep, HttpVersion, P, Side, basic_auth_user, chomp, chunk_len_prefix_ok,
    contains_nocase_nozero, eq_nocase_nozero, header_step, is_chunk_ctl_line, is_empty_line,
    is_known_method, is_space, is_token, line_len, looks_like_status_line, normalize_hostname,
    parse_chunk_len, parse_content_encoding, parse_content_length, parse_protocol,
    parse_request_line, parse_status, parse_status_line, split_hostport, starts_with_nocase,
};
use super::tx::HttpTx;
use super::uri::{normalized_uri, split_uri};
use super::{HttpConfig, HttpEvent};

/// Anomaly events sent per flow at most (the rest are only counted).
const MAX_ANOMALY_EVENTS: u32 = 64;
/// Repeated headers merged per message at most (libhtp's limit).
const MAX_REPETITIONS: u32 = 64;
/// Zero-progress steps in a row that mean a bug; we stop instead of spinning.
const MAX_IDLE_STEPS: u32 = 64;
/// Transactions in the queue beyond which the flow is given up.
const TX_HARD_FACTOR: usize = 16;

/// Where a header block parse is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct HeaderCursor {
    /// Offset of the next field in `pending`.
    pos: usize,
    /// Right after a field (a regular line end ends the block).
    after_field: bool,
    /// Fields so far.
    fields: Vec<Field>,
    /// `pending` length at the last attempt (no new bytes, no new answer).
    scanned: usize,
}

/// How a message body is delimited, and where we are in it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Body {
    /// `Content-Length`: bytes left.
    Length(u64),
    /// Expecting a chunk-size line.
    ChunkLen,
    /// Inside a chunk: bytes left.
    ChunkData(u64),
    /// After a chunk's data, up to its line end.
    ChunkEnd,
    /// Trailer fields after the last chunk.
    Trailers(HeaderCursor),
    /// Until the connection closes (responses only).
    UntilClose,
}

/// One direction's automaton.
#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a start line (empty lines are skipped).
    Idle,
    /// Reading the header block.
    Headers(HeaderCursor),
    /// Reading a body.
    Body(Body),
    /// After a response body: bytes that do not look like a new status line
    /// still belong to this body (libhtp, evader 250). `midline`: inside
    /// such a line.
    Finalize { midline: bool },
    /// Requests: a CONNECT waits for its response.
    ConnectWait,
    /// After a gap: skipping to something that starts a message.
    Resync { line_start: bool },
    /// A tunnel (CONNECT 2xx, 101 Switching Protocols): not HTTP any more.
    Tunnel,
    /// Not HTTP, or beyond repair: everything is ignored.
    Failed,
    /// The direction ended.
    Closed,
}

/// A transaction and the parser's bookkeeping for it.
struct Slot {
    tx: HttpTx,
    /// The request side is done with it.
    req_done: bool,
    /// The response side is done with it.
    res_done: bool,
    /// HEAD: the response has no body.
    is_head: bool,
    /// CONNECT.
    is_connect: bool,
    /// HTTP/0.9 request: the response is a bare body.
    http09: bool,
    /// `Expect: 100-continue`.
    expect_continue: bool,
    /// A 100 Continue was seen.
    seen_100: bool,
    /// Response bytes were attributed to it (status line or bare body).
    res_started: bool,
    /// Response decompression chain.
    decoder: Option<Decoder>,
    /// The decoder was finished: later body bytes are dropped.
    decoder_finished: bool,
    /// Request decompression chain (Suricata turns libhtp's request
    /// decompression on: `Content-Encoding: gzip` on a POST body).
    req_decoder: Option<Decoder>,
    /// The request decoder was finished: later body bytes are dropped.
    req_decoder_finished: bool,
    /// Over the in-flight cap: request buffers are dropped once sent.
    lean: bool,
}

impl Slot {
    fn new(id: u64) -> Self {
        Self {
            tx: HttpTx::new(id),
            req_done: false,
            res_done: false,
            is_head: false,
            is_connect: false,
            http09: false,
            expect_continue: false,
            seen_100: false,
            res_started: false,
            decoder: None,
            decoder_finished: false,
            req_decoder: None,
            req_decoder_finished: false,
            lean: false,
        }
    }
}

/// What a step did.
enum Step {
    /// Consumed this many bytes (0 with a state change).
    Used(usize),
    /// Needs more bytes than there are.
    More,
}

/// The HTTP/1.x parser of one flow (both directions).
///
/// Feed it the reassembled bytes of each direction with [`parse`](Self::parse);
/// completed transaction halves come out through the `sink` as
/// [`HttpEvent`]s. It never panics, and its memory is bounded: pending bytes
/// per direction by `max_header_bytes` (plus the segment being parsed),
/// transactions by `max_txs_in_flight` full ones (leaner ones beyond, up to
/// 16 times that, then the flow is given up), bodies by the body limits.
pub struct HttpParser {
    cfg: HttpConfig,
    txs: VecDeque<Slot>,
    next_id: u64,
    req_state: State,
    res_state: State,
    req_pending: Vec<u8>,
    res_pending: Vec<u8>,
    /// The transaction whose request is being parsed.
    req_tx: Option<u64>,
    /// Bytes sent after a CONNECT, replayed if the tunnel is refused.
    connect_stash: Vec<u8>,
    req_seen_any: bool,
    res_seen_any: bool,
    anomalies: u32,
    /// Events produced where no sink was given ([`HttpParser::gap`]): sent
    /// at the next call that has one. The transactions stay until then.
    deferred: Vec<Deferred>,
    /// Queue events instead of sending them.
    defer: bool,
}

/// An event waiting for a sink.
#[derive(Copy, Clone, Debug)]
enum Deferred {
    Request(u64),
    Response(u64),
    Anomaly(&'static str),
}

impl HttpParser {
    /// A parser for one flow.
    pub fn new(cfg: &HttpConfig) -> Self {
        Self {
            cfg: *cfg,
            txs: VecDeque::new(),
            next_id: 0,
            req_state: State::Idle,
            res_state: State::Idle,
            req_pending: Vec::new(),
            res_pending: Vec::new(),
            req_tx: None,
            connect_stash: Vec::new(),
            req_seen_any: false,
            res_seen_any: false,
            anomalies: 0,
            deferred: Vec::new(),
            defer: false,
        }
    }

    /// Feeds in-order stream bytes of one direction (any split: a message
    /// over several calls, several messages in one call). Completed
    /// transaction halves are handed to `sink`.
    pub fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn FnMut(HttpEvent<'_>)) {
        self.flush_deferred(sink);
        if data.is_empty() {
            return;
        }
        match dir {
            Direction::ToServer => self.feed_req(data, false, sink),
            Direction::ToClient => self.feed_res(data, false, sink),
        }
    }

    /// `len` bytes were skipped (a TCP gap) in `dir`. A body that knows its
    /// length skips them; anywhere else the current message is completed as
    /// it is (flagged with a gap) and parsing resumes at the next line that
    /// starts a request (a known method) or a response (`HTTP/`).
    ///
    /// Transactions a gap completes are reported at the next call of
    /// [`parse`](Self::parse) or [`close`](Self::close) (this method has no
    /// sink); [`gap_with`](Self::gap_with) reports them at once.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        let mut sink = |_: HttpEvent<'_>| {};
        self.defer = true;
        self.gap_with(dir, len, &mut sink);
        self.defer = false;
    }

    /// As [`gap`](Self::gap), reporting what the gap completed to `sink`.
    pub fn gap_with(&mut self, dir: Direction, len: u64, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        if !self.defer {
            self.flush_deferred(sink);
        }
        if len == 0 {
            return;
        }
        match dir {
            Direction::ToServer => self.gap_req(len, sink),
            Direction::ToClient => self.gap_res(len, sink),
        }
    }

    /// The direction ended (FIN/RST/flow end): completes what can be
    /// completed (a response body without length ends here) and hands it to
    /// `sink`. Later data for the direction is ignored.
    pub fn close(&mut self, dir: Direction, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        self.flush_deferred(sink);
        match dir {
            Direction::ToServer => {
                if !matches!(self.req_state, State::Closed) {
                    self.feed_req(&[], true, sink);
                    self.finish_req_at_close(sink);
                    self.req_state = State::Closed;
                    self.req_pending = Vec::new();
                }
            }
            Direction::ToClient => {
                if !matches!(self.res_state, State::Closed) {
                    self.feed_res(&[], true, sink);
                    self.finish_res_at_close(sink);
                    self.res_state = State::Closed;
                    self.res_pending = Vec::new();
                }
            }
        }
    }

    /// Transactions currently held.
    pub fn txs_in_flight(&self) -> usize {
        self.txs.len()
    }

    /// Anomalies seen so far (also those not sent as events).
    pub fn anomaly_count(&self) -> u32 {
        self.anomalies
    }

    /// Whether a direction gave up (not HTTP, or a fatal protocol error).
    pub fn failed(&self, dir: Direction) -> bool {
        let s = match dir {
            Direction::ToServer => &self.req_state,
            Direction::ToClient => &self.res_state,
        };
        matches!(s, State::Failed)
    }

    /// Whether the flow became a tunnel (CONNECT, 101 Switching Protocols).
    pub fn is_tunnel(&self) -> bool {
        matches!(self.res_state, State::Tunnel)
    }

    /// Heap bytes held by the parser (buffers and transactions).
    pub fn heap_bytes(&self) -> usize {
        self.req_pending.capacity()
            + self.res_pending.capacity()
            + self.connect_stash.capacity()
            + self
                .txs
                .iter()
                .map(|s| s.tx.heap_bytes() + std::mem::size_of::<Slot>())
                .sum::<usize>()
    }

    // -----------------------------------------------------------------------
    // Plumbing
    // -----------------------------------------------------------------------

    fn anomaly(&mut self, what: &'static str, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        self.anomalies = self.anomalies.saturating_add(1);
        if self.anomalies <= MAX_ANOMALY_EVENTS {
            tracing::debug!(anomaly = what, "http");
            if self.defer {
                self.deferred.push(Deferred::Anomaly(what));
            } else {
                sink(HttpEvent::Anomaly(what));
            }
        }
    }

    fn slot_index(&self, id: u64) -> Option<usize> {
        self.txs.iter().rposition(|s| s.tx.id == id)
    }

    fn slot_mut(&mut self, id: u64) -> Option<&mut Slot> {
        let i = self.slot_index(id)?;
        self.txs.get_mut(i)
    }

    /// The transaction the response side works on.
    fn res_index(&self) -> Option<usize> {
        self.txs.iter().position(|s| !s.res_done)
    }

    /// Drops transactions both sides are done with (and nobody waits to hear about).
    fn reap(&mut self) {
        let deferred = &self.deferred;
        self.txs.retain(|s| {
            !(s.req_done && s.res_done)
                || deferred
                    .iter()
                    .any(|d| matches!(d, Deferred::Request(id) | Deferred::Response(id) if *id == s.tx.id))
        });
    }

    /// Sends the events queued while there was no sink.
    fn flush_deferred(&mut self, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        if self.deferred.is_empty() {
            return;
        }
        for d in std::mem::take(&mut self.deferred) {
            match d {
                Deferred::Anomaly(a) => sink(HttpEvent::Anomaly(a)),
                Deferred::Request(id) => {
                    if let Some(slot) = self.slot_mut(id) {
                        slot.tx.direction = Direction::ToServer;
                        sink(HttpEvent::Request(&slot.tx));
                    }
                }
                Deferred::Response(id) => {
                    if let Some(slot) = self.slot_mut(id) {
                        slot.tx.direction = Direction::ToClient;
                        sink(HttpEvent::Response(&slot.tx));
                    }
                }
            }
        }
        self.reap();
    }

    /// A new transaction, or None when the flow holds too many.
    fn new_slot(&mut self, sink: &mut dyn FnMut(HttpEvent<'_>)) -> Option<u64> {
        let cap = self.cfg.max_txs_in_flight.max(1);
        if self.txs.len() >= cap.saturating_mul(TX_HARD_FACTOR) {
            self.anomaly("too many transactions in flight, giving up", sink);
            self.req_state = State::Failed;
            self.res_state = State::Failed;
            self.req_pending = Vec::new();
            self.res_pending = Vec::new();
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        let mut slot = Slot::new(id);
        if self.txs.len() >= cap {
            slot.lean = true;
            self.anomaly("too many transactions in flight", sink);
        }
        self.txs.push_back(slot);
        Some(id)
    }

    fn fail_both(&mut self) {
        self.req_state = State::Failed;
        self.res_state = State::Failed;
        self.req_pending = Vec::new();
        self.res_pending = Vec::new();
        self.connect_stash = Vec::new();
    }

    fn enter_tunnel(&mut self) {
        self.req_state = State::Tunnel;
        self.res_state = State::Tunnel;
        self.req_pending = Vec::new();
        self.res_pending = Vec::new();
        self.connect_stash = Vec::new();
    }

    /// Parses one header-block step loop over `b` (the block starts at b[0]).
    /// Ok(end) when the block ended at `end`; Err(()) when more is needed.
    fn run_headers(
        &mut self,
        cur: &mut HeaderCursor,
        b: &[u8],
        side: Side,
        complete: bool,
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) -> Result<usize, ()> {
        if !complete {
            // No new bytes, or none near a line end: the answer cannot change.
            if b.len() == cur.scanned {
                return Err(());
            }
            let from = cur.scanned.saturating_sub(8).min(b.len());
            if cur.scanned > 0 && memchr::memchr2(b'\r', b'\n', &b[from..]).is_none() {
                cur.scanned = b.len();
                return Err(());
            }
        }
        loop {
            match header_step(&b[cur.pos..], side, complete, cur.after_field) {
                P::Ok(HeaderStep::Field(f, n)) => {
                    if f.flags.missing_colon {
                        self.anomaly("header line without colon", sink);
                    } else if f.flags.bad_name {
                        self.anomaly("invalid header name", sink);
                    }
                    if cur.fields.len() < self.cfg.max_header_fields {
                        cur.fields.push(f);
                    } else if cur.fields.len() == self.cfg.max_header_fields {
                        self.anomaly("too many header fields", sink);
                        cur.fields.push(Field {
                            name: Vec::new(),
                            value: Vec::new(),
                            flags: Default::default(),
                        });
                    }
                    cur.pos += n.max(1);
                    cur.after_field = true;
                }
                P::Ok(HeaderStep::Skip(n)) => {
                    self.anomaly("unparseable header line", sink);
                    cur.pos += n.max(1);
                    cur.after_field = false;
                }
                P::Ok(HeaderStep::End(n)) => return Ok(cur.pos + n),
                P::More | P::No if complete => return Ok(b.len()),
                P::More | P::No => {
                    cur.scanned = b.len();
                    return Err(());
                }
            }
            if cur.pos >= b.len() && !complete {
                cur.scanned = b.len();
                return Err(());
            }
        }
    }

    /// Merges fields into a header list the libhtp way.
    fn merge_fields(list: &mut Vec<(Vec<u8>, Vec<u8>)>, fields: Vec<Field>) -> bool {
        let mut ambiguous_cl = false;
        let mut reps = 0u32;
        for f in fields {
            if f.name.is_empty() && f.value.is_empty() && !f.flags.missing_colon {
                continue;
            }
            match list
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(&f.name))
            {
                Some((n, v)) => {
                    if reps >= MAX_REPETITIONS {
                        continue;
                    }
                    reps += 1;
                    if eq_nocase_nozero(n, b"content-length") {
                        if parse_content_length(v) != parse_content_length(&f.value) {
                            ambiguous_cl = true;
                        }
                    } else {
                        v.extend_from_slice(b", ");
                        v.extend_from_slice(&f.value);
                    }
                }
                None => list.push((f.name, f.value)),
            }
        }
        ambiguous_cl
    }

    // -----------------------------------------------------------------------
    // Requests
    // -----------------------------------------------------------------------

    fn feed_req(&mut self, data: &[u8], complete: bool, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        if matches!(
            self.req_state,
            State::Failed | State::Tunnel | State::Closed
        ) {
            return;
        }
        if matches!(self.req_state, State::ConnectWait) {
            let room = self
                .cfg
                .max_header_bytes
                .saturating_sub(self.connect_stash.len());
            if data.len() > room {
                self.anomaly("data after CONNECT dropped", sink);
            }
            self.connect_stash
                .extend_from_slice(&data[..room.min(data.len())]);
            return;
        }
        if !complete && waiting_for_line_end(&self.req_state, &self.req_pending, data) {
            self.req_pending.extend_from_slice(data);
            if self.req_pending.len() > self.cfg.max_header_bytes {
                self.anomaly("request line too long", sink);
                if let Some(id) = self.req_tx.take() {
                    self.finish_request(id, sink);
                }
                self.req_state = State::Failed;
                self.req_pending = Vec::new();
            }
            return;
        }
        let mut buf = std::mem::take(&mut self.req_pending);
        let used = if buf.is_empty() {
            let used = self.run(Side::Request, data, complete, sink);
            buf.extend_from_slice(&data[used.min(data.len())..]);
            used
        } else {
            buf.extend_from_slice(data);
            let used = self.run(Side::Request, &buf, complete, sink);
            buf.drain(..used.min(buf.len()));
            used
        };
        let _ = used;
        if matches!(
            self.req_state,
            State::Failed | State::Tunnel | State::Closed
        ) {
            return;
        }
        if matches!(self.req_state, State::ConnectWait) {
            self.connect_stash.extend_from_slice(&buf);
            return;
        }
        if buf.len() > self.cfg.max_header_bytes {
            self.anomaly("request line or header block too long", sink);
            if let Some(id) = self.req_tx.take() {
                self.finish_request(id, sink);
            }
            self.req_state = State::Failed;
            return;
        }
        if buf.capacity() > 2 * buf.len().max(4096) {
            buf.shrink_to_fit();
        }
        self.req_pending = buf;
    }

    /// The parse state of one side.
    fn state_mut(&mut self, side: Side) -> &mut State {
        match side {
            Side::Request => &mut self.req_state,
            Side::Response => &mut self.res_state,
        }
    }

    /// A chunk's data, `left` bytes of it still to come (either side).
    fn chunk_data(
        &mut self,
        side: Side,
        left: u64,
        b: &[u8],
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) -> Step {
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(b.len());
        match side {
            Side::Request => self.req_body_data(&b[..n], sink),
            Side::Response => self.res_body_data(&b[..n], sink),
        }
        let left = left - n as u64;
        *self.state_mut(side) = State::Body(if left == 0 {
            Body::ChunkEnd
        } else {
            Body::ChunkData(left)
        });
        Step::Used(n)
    }

    /// The line end after a chunk's data (either side).
    fn chunk_end(&mut self, side: Side, b: &[u8]) -> Step {
        let (next, used) = match memchr::memchr(b'\n', b) {
            Some(i) => (Body::ChunkLen, i + 1),
            None => (Body::ChunkEnd, b.len()),
        };
        *self.state_mut(side) = State::Body(next);
        Step::Used(used)
    }

    /// Steps one side's state machine over `input` until it needs more
    /// bytes; returns how much was consumed. A request side waiting for a
    /// CONNECT answer stops where it is (the rest is stashed by the caller).
    fn run(
        &mut self,
        side: Side,
        input: &[u8],
        complete: bool,
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) -> usize {
        let mut pos = 0;
        let mut idle = 0;
        while pos < input.len() {
            let state = self.state_mut(side);
            if matches!(state, State::Failed | State::Tunnel | State::Closed) {
                return input.len();
            }
            if matches!(state, State::ConnectWait) {
                return pos;
            }
            match self.step(side, &input[pos..], complete, sink) {
                Step::Used(n) => {
                    pos += n;
                    idle = if n == 0 { idle + 1 } else { 0 };
                    if idle > MAX_IDLE_STEPS {
                        *self.state_mut(side) = State::Failed;
                        self.anomaly(
                            match side {
                                Side::Request => "request parser made no progress",
                                Side::Response => "response parser made no progress",
                            },
                            sink,
                        );
                        return input.len();
                    }
                }
                Step::More => break,
            }
        }
        pos.min(input.len())
    }

    /// One step of one side's state machine over `b`.
    fn step(
        &mut self,
        side: Side,
        b: &[u8],
        complete: bool,
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) -> Step {
        let state = std::mem::replace(self.state_mut(side), State::Idle);
        match (state, side) {
            (State::Idle, Side::Request) => self.req_line(b, complete, sink),
            (State::Idle, Side::Response) => self.res_line(b, complete, sink),
            (State::Headers(mut cur), _) => {
                match self.run_headers(&mut cur, b, side, complete, sink) {
                    Ok(end) => {
                        match side {
                            Side::Request => self.req_headers_done(cur.fields, &b[..end], sink),
                            Side::Response => self.res_headers_done(cur.fields, &b[..end], sink),
                        }
                        Step::Used(end)
                    }
                    Err(()) => {
                        *self.state_mut(side) = State::Headers(cur);
                        Step::More
                    }
                }
            }
            (State::Body(body), Side::Request) => self.req_body(body, b, complete, sink),
            (State::Body(body), Side::Response) => self.res_body(body, b, complete, sink),
            (State::Finalize { midline }, Side::Response) => {
                self.res_finalize(midline, b, complete, sink)
            }
            (State::Resync { line_start }, _) => {
                let dir = match side {
                    Side::Request => Direction::ToServer,
                    Side::Response => Direction::ToClient,
                };
                let (step, st) = resync(b, line_start, complete, dir);
                *self.state_mut(side) = st;
                step
            }
            (other, _) => {
                *self.state_mut(side) = other;
                Step::Used(b.len())
            }
        }
    }

    fn req_line(&mut self, b: &[u8], complete: bool, sink: &mut dyn FnMut(HttpEvent<'_>)) -> Step {
        let n = match line_len(b, Side::Request, complete) {
            P::Ok(n) => n,
            _ => return Step::More,
        };
        let line = &b[..n];
        if is_empty_line(line) {
            return Step::Used(n);
        }
        let rl = parse_request_line(line);
        let version = parse_protocol(rl.protocol);
        let known = is_known_method(rl.method);
        let token = !rl.method.is_empty() && rl.method.iter().all(|&c| is_token(c));
        let plausible = token && (known || version != HttpVersion::Invalid);
        if !plausible {
            if !self.req_seen_any {
                self.anomaly("not HTTP: invalid first request line", sink);
                self.fail_both();
                return Step::Used(b.len());
            }
            self.anomaly("invalid request line", sink);
        }
        self.req_seen_any = true;
        let Some(id) = self.new_slot(sink) else {
            return Step::Used(b.len());
        };
        self.req_tx = Some(id);
        let connect = rl.method == b"CONNECT";
        let parts = split_uri(rl.uri, connect);
        let norm = normalized_uri(&parts);
        let uri_host = parts
            .host
            .filter(|h| !h.is_empty())
            .map(|h| (h.to_vec(), normalize_hostname(h)));
        let http09 = rl.protocol.is_empty();
        let (method, uri, protocol) = (rl.method.to_vec(), rl.uri.to_vec(), rl.protocol.to_vec());
        if let Some(slot) = self.slot_mut(id) {
            let tx = &mut slot.tx;
            tx.request_seen = true;
            tx.method = method;
            tx.uri_raw = uri;
            tx.uri_normalized = norm;
            tx.protocol = protocol;
            tx.request_version = if http09 { HttpVersion::V09 } else { version };
            tx.request_line = chomp(line).to_vec();
            if let Some((raw, host)) = uri_host {
                tx.host_raw = Some(raw);
                tx.host = Some(host);
            }
            slot.is_head = tx.method == b"HEAD";
            slot.is_connect = connect;
        }
        if http09 {
            // libhtp: no protocol and nothing but a little whitespace after
            // the line is an HTTP/0.9 request without headers.
            let after = &b[n..];
            if after.len() <= 16 && after.iter().all(|&c| is_space(c)) {
                if let Some(slot) = self.slot_mut(id) {
                    slot.http09 = true;
                }
                self.finish_request(id, sink);
                return Step::Used(n + after.len());
            }
            self.anomaly("request line without protocol", sink);
        }
        self.req_state = State::Headers(HeaderCursor::default());
        Step::Used(n)
    }

    fn req_headers_done(
        &mut self,
        fields: Vec<Field>,
        raw: &[u8],
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) {
        let Some(id) = self.req_tx else {
            return;
        };
        let mut anomalies: Vec<&'static str> = Vec::new();
        let mut next = State::Idle;
        let layers = self.cfg.max_encoding_layers;
        let layer_cap = self.cfg.decompress_layer_cap as u64;
        if let Some(slot) = self.slot_mut(id) {
            let tx = &mut slot.tx;
            if Self::merge_fields(&mut tx.request_headers, fields) {
                anomalies.push("ambiguous request Content-Length");
            }
            tx.request_headers_raw = raw.to_vec();
            if tx.host.is_none() {
                if let Some(h) = tx.request_header("host").map(<[u8]>::to_vec) {
                    let (host, _) = split_hostport(&h);
                    tx.host = Some(normalize_hostname(host));
                    tx.host_raw = Some(h);
                }
            }
            if let Some(user) = tx.request_header("authorization").and_then(basic_auth_user) {
                tx.basic_auth_user = Some(String::from_utf8_lossy(&user).into_owned());
            }
            slot.expect_continue = tx
                .request_header("expect")
                .is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"));
            let te = tx.request_header("transfer-encoding").map(<[u8]>::to_vec);
            let cl = tx.request_header("content-length").map(<[u8]>::to_vec);
            if slot.is_connect {
                next = State::ConnectWait;
            } else if let Some(te) = te.filter(|te| contains_nocase_nozero(te, b"chunked")) {
                if !eq_nocase_nozero(&te, b"chunked") {
                    anomalies.push("abnormal request Transfer-Encoding");
                }
                if cl.is_some() {
                    anomalies.push("request has both Transfer-Encoding and Content-Length");
                }
                if tx.request_version < HttpVersion::V11 {
                    anomalies.push("chunked request on HTTP/1.0");
                }
                next = State::Body(Body::ChunkLen);
            } else if let Some(cl) = cl {
                match parse_content_length(&cl) {
                    Some(0) => {}
                    Some(n) => next = State::Body(Body::Length(n)),
                    None => {
                        anomalies.push("invalid request Content-Length");
                        next = State::Failed;
                    }
                }
            }
            if matches!(next, State::Body(_)) {
                if let Some(ce) = slot.tx.request_header("content-encoding") {
                    let codings = parse_content_encoding(ce);
                    if codings.len() > layers {
                        anomalies.push("too many request content encoding layers");
                    }
                    if !codings.is_empty() {
                        slot.req_decoder = Some(Decoder::new(&codings, layers, layer_cap));
                    }
                }
            }
        }
        for a in anomalies {
            self.anomaly(a, sink);
        }
        match next {
            State::Idle => self.finish_request(id, sink),
            State::ConnectWait => {
                self.finish_request(id, sink);
                self.req_state = State::ConnectWait;
            }
            State::Failed => {
                self.finish_request(id, sink);
                self.req_state = State::Failed;
            }
            other => self.req_state = other,
        }
    }

    fn req_body(
        &mut self,
        body: Body,
        b: &[u8],
        complete: bool,
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) -> Step {
        match body {
            Body::Length(left) => {
                let n = usize::try_from(left).unwrap_or(usize::MAX).min(b.len());
                self.req_body_data(&b[..n], sink);
                let left = left - n as u64;
                if left == 0 {
                    self.end_request(sink);
                } else {
                    self.req_state = State::Body(Body::Length(left));
                }
                Step::Used(n)
            }
            Body::ChunkLen => {
                let n = match line_len(b, Side::Request, complete) {
                    P::Ok(n) => n,
                    _ => {
                        self.req_state = State::Body(Body::ChunkLen);
                        if !chunk_len_prefix_ok(b) {
                            return self.req_bad_chunk(b.len(), sink);
                        }
                        return Step::More;
                    }
                };
                let line = &b[..n];
                if is_chunk_ctl_line(line) {
                    self.req_state = State::Body(Body::ChunkLen);
                    return Step::Used(n);
                }
                match parse_chunk_len(line) {
                    ChunkLen::Size(0) => {
                        self.req_state = State::Body(Body::Trailers(HeaderCursor::default()))
                    }
                    ChunkLen::Size(k) => self.req_state = State::Body(Body::ChunkData(k)),
                    ChunkLen::Skip => self.req_state = State::Body(Body::ChunkLen),
                    ChunkLen::Invalid => return self.req_bad_chunk(n, sink),
                }
                Step::Used(n)
            }
            Body::ChunkData(left) => self.chunk_data(Side::Request, left, b, sink),
            Body::ChunkEnd => self.chunk_end(Side::Request, b),
            Body::Trailers(mut cur) => {
                match self.run_headers(&mut cur, b, Side::Request, complete, sink) {
                    Ok(end) => {
                        if let Some(slot) = self.req_tx.and_then(|id| self.slot_mut(id)) {
                            Self::merge_fields(&mut slot.tx.request_headers, cur.fields);
                        }
                        self.end_request(sink);
                        Step::Used(end)
                    }
                    Err(()) => {
                        self.req_state = State::Body(Body::Trailers(cur));
                        Step::More
                    }
                }
            }
            Body::UntilClose => {
                self.req_body_data(b, sink);
                self.req_state = State::Body(Body::UntilClose);
                Step::Used(b.len())
            }
        }
    }

    /// libhtp stops parsing requests on an invalid chunk size.
    fn req_bad_chunk(&mut self, used: usize, sink: &mut dyn FnMut(HttpEvent<'_>)) -> Step {
        self.anomaly("invalid request chunk size", sink);
        self.end_req_body();
        if let Some(id) = self.req_tx.take() {
            self.finish_request(id, sink);
        }
        self.req_state = State::Failed;
        Step::Used(used)
    }

    fn req_body_data(&mut self, data: &[u8], sink: &mut dyn FnMut(HttpEvent<'_>)) {
        let limit = self.cfg.request_body_limit;
        let Some(id) = self.req_tx else {
            return;
        };
        let mut hit = false;
        if let Some(slot) = self.slot_mut(id) {
            let tx = &mut slot.tx;
            tx.request_body_len = tx.request_body_len.saturating_add(data.len() as u64);
            if tx.request_complete || data.is_empty() {
                return;
            }
            if let Some(dec) = slot.req_decoder.as_mut() {
                dec.push(data, &mut tx.request_body, limit);
                if dec.bomb() {
                    tx.request_body_truncated = true;
                }
                if tx.request_body.len() >= limit {
                    // The limit is reached: the request's buffers are final.
                    tx.request_body_truncated = true;
                    slot.req_decoder = None;
                    slot.req_decoder_finished = true;
                    hit = true;
                }
            } else if !slot.req_decoder_finished {
                let room = limit.saturating_sub(tx.request_body.len());
                tx.request_body
                    .extend_from_slice(&data[..room.min(data.len())]);
                if data.len() > room || (tx.request_body.len() >= limit && room == 0) {
                    tx.request_body_truncated = true;
                    hit = true;
                }
            }
        }
        if hit {
            self.emit_request(id, sink);
        }
    }

    /// The request body ended, or a gap cut it: flush the request decoder
    /// (compressed data cannot be decoded across a hole; later bytes of this
    /// body are dropped, as libhtp does).
    fn end_req_body(&mut self) {
        let limit = self.cfg.request_body_limit;
        let Some(slot) = self.req_tx.and_then(|id| self.slot_mut(id)) else {
            return;
        };
        if let Some(mut dec) = slot.req_decoder.take() {
            if !slot.tx.request_complete {
                dec.finish(&mut slot.tx.request_body, limit);
                if dec.bomb() || slot.tx.request_body.len() >= limit {
                    slot.tx.request_body_truncated = true;
                }
            }
            slot.req_decoder_finished = true;
        }
    }

    /// The request body ended (or there was none): the request is done.
    fn end_request(&mut self, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        self.end_req_body();
        if let Some(id) = self.req_tx.take() {
            self.finish_request(id, sink);
        }
        self.req_state = State::Idle;
    }

    fn emit_request(&mut self, id: u64, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        let Some(i) = self.slot_index(id) else {
            return;
        };
        if let Some(slot) = self.txs.get_mut(i) {
            if !slot.tx.request_complete {
                slot.tx.request_complete = true;
                slot.tx.seal_request();
                slot.tx.direction = Direction::ToServer;
                if self.defer {
                    self.deferred.push(Deferred::Request(id));
                } else {
                    sink(HttpEvent::Request(&slot.tx));
                }
            }
        }
    }

    fn finish_request(&mut self, id: u64, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        self.emit_request(id, sink);
        if self.req_tx == Some(id) {
            self.req_tx = None;
        }
        if let Some(slot) = self.slot_mut(id) {
            slot.req_done = true;
            if slot.lean && !slot.res_done {
                // Over the in-flight cap: keep only what the response needs.
                let keep = (slot.tx.method.clone(), slot.tx.id);
                slot.tx = HttpTx::new(keep.1);
                slot.tx.method = keep.0;
                slot.tx.request_complete = true;
                slot.tx.request_seen = true;
            }
        }
        self.reap();
    }

    fn finish_req_at_close(&mut self, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        let state = std::mem::replace(&mut self.req_state, State::Closed);
        if let State::Headers(cur) = state {
            self.req_headers_done(cur.fields, &[], sink);
        }
        self.end_req_body();
        if let Some(id) = self.req_tx.take() {
            self.finish_request(id, sink);
        }
    }

    fn gap_req(&mut self, len: u64, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        if let Some(slot) = self.req_tx.and_then(|id| self.slot_mut(id)) {
            slot.tx.request_gap = true;
        }
        let pending_lost = !self.req_pending.is_empty();
        self.req_pending.clear();
        let state = std::mem::replace(&mut self.req_state, State::Idle);
        self.req_state = match state {
            State::Body(Body::Length(left)) if !pending_lost && len < left => {
                self.end_req_body();
                State::Body(Body::Length(left - len))
            }
            State::Body(Body::Length(left)) if !pending_lost && len == left => {
                self.end_request(sink);
                State::Idle
            }
            State::Body(Body::ChunkData(left)) if !pending_lost && len < left => {
                self.end_req_body();
                State::Body(Body::ChunkData(left - len))
            }
            State::Tunnel | State::Failed | State::Closed => state,
            State::ConnectWait => {
                self.connect_stash.clear();
                State::ConnectWait
            }
            State::Headers(cur) => {
                self.anomaly("gap in request headers", sink);
                self.req_headers_done(cur.fields, &[], sink);
                self.end_request(sink);
                State::Resync { line_start: true }
            }
            _ => {
                self.end_request(sink);
                State::Resync { line_start: true }
            }
        };
    }

    // -----------------------------------------------------------------------
    // Responses
    // -----------------------------------------------------------------------

    fn feed_res(&mut self, data: &[u8], complete: bool, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        if matches!(
            self.res_state,
            State::Failed | State::Tunnel | State::Closed
        ) {
            return;
        }
        if !complete
            && waiting_for_line_end(&self.res_state, &self.res_pending, data)
            && self.res_pending.len() + data.len() <= self.cfg.max_header_bytes
        {
            self.res_pending.extend_from_slice(data);
            return;
        }
        let mut buf = std::mem::take(&mut self.res_pending);
        if buf.is_empty() {
            let used = self.run(Side::Response, data, complete, sink);
            buf.extend_from_slice(&data[used.min(data.len())..]);
        } else {
            buf.extend_from_slice(data);
            let used = self.run(Side::Response, &buf, complete, sink);
            buf.drain(..used.min(buf.len()));
        }
        if matches!(
            self.res_state,
            State::Failed | State::Tunnel | State::Closed
        ) {
            return;
        }
        // libhtp: a body end with no byte after it in this data completes
        // the response now.
        if buf.is_empty()
            && matches!(self.res_state, State::Finalize { midline: false })
            && !complete
        {
            self.complete_response(sink);
            self.res_state = State::Idle;
        }
        if buf.len() > self.cfg.max_header_bytes {
            match std::mem::replace(&mut self.res_state, State::Idle) {
                State::Body(Body::ChunkLen) => {
                    self.anomaly("chunk size line too long", sink);
                    self.res_state = State::Body(Body::UntilClose);
                    let b = std::mem::take(&mut buf);
                    self.res_body_data(&b, sink);
                }
                _ => {
                    self.anomaly("status line or header block too long", sink);
                    if let Some(i) = self.res_index() {
                        if self.txs[i].res_started {
                            self.complete_response(sink);
                        }
                    }
                    self.res_state = State::Failed;
                    return;
                }
            }
        }
        if buf.capacity() > 2 * buf.len().max(4096) {
            buf.shrink_to_fit();
        }
        self.res_pending = buf;
    }

    /// The response transaction: the first waiting one, or a new one for a
    /// response nobody asked for.
    fn res_slot_or_new(&mut self, sink: &mut dyn FnMut(HttpEvent<'_>)) -> Option<usize> {
        if let Some(i) = self.res_index() {
            return Some(i);
        }
        self.anomaly("response without request", sink);
        let id = self.new_slot(sink)?;
        let i = self.slot_index(id)?;
        // The request side never saw this one.
        self.txs[i].req_done = true;
        Some(i)
    }

    fn res_line(&mut self, b: &[u8], complete: bool, sink: &mut dyn FnMut(HttpEvent<'_>)) -> Step {
        if let Some(i) = self.res_index() {
            if self.txs[i].http09 && self.txs[i].req_done {
                // The answer to an HTTP/0.9 request is a bare body.
                self.txs[i].res_started = true;
                self.res_state = State::Body(Body::UntilClose);
                return Step::Used(0);
            }
        }
        let n = match line_len(b, Side::Response, complete) {
            P::Ok(n) => n,
            _ => return Step::More,
        };
        let line = &b[..n];
        if is_empty_line(line) {
            return Step::Used(n);
        }
        if looks_like_status_line(line, true) == Some(true) {
            let Some(i) = self.res_slot_or_new(sink) else {
                return Step::Used(b.len());
            };
            self.res_seen_any = true;
            let sl = parse_status_line(line);
            let slot = &mut self.txs[i];
            slot.res_started = true;
            let tx = &mut slot.tx;
            tx.response_line = chomp(line).to_vec();
            tx.response_protocol = sl.protocol.to_vec();
            tx.response_version = parse_protocol(sl.protocol);
            tx.status_code = sl.status.to_vec();
            tx.status = parse_status(sl.status);
            tx.status_msg = (!sl.status.is_empty() && n > 0).then(|| sl.message.to_vec());
            if sl.status.is_empty() || tx.status.is_none() {
                self.anomaly("invalid status line", sink);
            }
            self.res_state = State::Headers(HeaderCursor::default());
            return Step::Used(n);
        }
        // Not a status line. libhtp skips it when a line starting with 'H'
        // follows or when it is very short (evader 481-491); otherwise it is
        // body, as browsers show it.
        let after = &b[n..];
        if after.len() < 2 && !complete {
            return Step::More;
        }
        if after.len() >= 2 && (after[0] == b'H' || chomp(line).len() <= 2) {
            self.anomaly("junk before status line", sink);
            return Step::Used(n);
        }
        if self.res_index().is_none() && !self.res_seen_any {
            self.anomaly("not HTTP: invalid first response line", sink);
            self.res_state = State::Failed;
            self.res_pending = Vec::new();
            return Step::Used(b.len());
        }
        self.anomaly("response without status line", sink);
        let Some(i) = self.res_slot_or_new(sink) else {
            return Step::Used(b.len());
        };
        self.res_seen_any = true;
        self.txs[i].res_started = true;
        self.res_body_data(line, sink);
        Step::Used(n)
    }

    fn res_headers_done(
        &mut self,
        fields: Vec<Field>,
        raw: &[u8],
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) {
        let Some(i) = self.res_index() else {
            return;
        };
        let mut anomalies: Vec<&'static str> = Vec::new();
        let layers = self.cfg.max_encoding_layers;
        let layer_cap = self.cfg.decompress_layer_cap as u64;
        let slot = &mut self.txs[i];
        if Self::merge_fields(&mut slot.tx.response_headers, fields) {
            anomalies.push("ambiguous response Content-Length");
        }
        slot.tx.response_headers_raw = raw.to_vec();
        let status = slot.tx.status.unwrap_or(0);
        let te = slot
            .tx
            .response_header("transfer-encoding")
            .map(<[u8]>::to_vec);
        let cl = slot
            .tx
            .response_header("content-length")
            .map(<[u8]>::to_vec);
        let cl_val = cl.as_deref().and_then(parse_content_length);
        let is_connect = slot.is_connect;
        let is_head = slot.is_head;

        enum Next {
            Body(Body),
            NoBody,
            Interim,
            Tunnel,
        }
        let no_body_status = (100..200).contains(&status) || status == 204 || status == 304;
        let tunnel = (is_connect && (200..300).contains(&status))
            || (status == 101 && te.is_none() && cl.is_none());
        let next = if tunnel {
            Next::Tunnel
        } else if status == 100 && te.is_none() && cl_val.is_none_or(|v| v == 0) {
            Next::Interim
        } else if is_head || (no_body_status && te.is_none() && cl.is_none()) {
            Next::NoBody
        } else if let Some(te) = te.filter(|te| contains_nocase_nozero(te, b"chunked")) {
            if !eq_nocase_nozero(&te, b"chunked") {
                anomalies.push("abnormal response Transfer-Encoding");
            }
            if cl.is_some() {
                anomalies.push("response has both Transfer-Encoding and Content-Length");
            }
            if slot.tx.response_version < HttpVersion::V11 {
                anomalies.push("chunked response on HTTP/1.0");
            }
            Next::Body(Body::ChunkLen)
        } else if cl.is_some() {
            match cl_val {
                Some(0) => Next::NoBody,
                Some(n) => Next::Body(Body::Length(n)),
                None => {
                    anomalies.push("invalid response Content-Length");
                    Next::Body(Body::UntilClose)
                }
            }
        } else {
            Next::Body(Body::UntilClose)
        };
        if matches!(next, Next::Body(_)) {
            if (100..200).contains(&status) || status == 204 || status == 304 {
                anomalies.push("unexpected response body");
            }
            if let Some(ce) = slot.tx.response_header("content-encoding") {
                let codings = parse_content_encoding(ce);
                if codings.len() > layers {
                    anomalies.push("too many content encoding layers");
                }
                if !codings.is_empty() {
                    slot.decoder = Some(Decoder::new(&codings, layers, layer_cap));
                }
            }
        }
        // A 4xx to a request that waits for 100-continue: its body never comes.
        let refuse_body =
            (400..500).contains(&status) && slot.expect_continue && slot.tx.request_body_len == 0;
        let connect_refused = is_connect && !matches!(next, Next::Tunnel);
        if let Next::Interim = next {
            if slot.seen_100 {
                anomalies.push("repeated 100 Continue");
            }
            slot.seen_100 = true;
            let tx = &mut slot.tx;
            tx.response_headers.clear();
            tx.response_headers_raw.clear();
            tx.response_line.clear();
            tx.status = None;
            tx.status_code.clear();
            tx.status_msg = None;
        }
        for a in anomalies {
            self.anomaly(a, sink);
        }
        if refuse_body {
            if let Some(req_id) = self.req_tx {
                if self.txs[i].tx.id == req_id
                    && matches!(self.req_state, State::Body(Body::Length(_)))
                {
                    self.end_request(sink);
                }
            }
        }
        match next {
            Next::Tunnel => {
                self.complete_response(sink);
                self.enter_tunnel();
            }
            Next::Interim => self.res_state = State::Idle,
            Next::NoBody => self.res_state = State::Finalize { midline: false },
            Next::Body(b) => self.res_state = State::Body(b),
        }
        if connect_refused && matches!(self.req_state, State::ConnectWait) {
            // No tunnel: what the client sent meanwhile is HTTP again.
            self.req_state = State::Idle;
            let stash = std::mem::take(&mut self.connect_stash);
            self.feed_req(&stash, false, sink);
        }
    }

    fn res_body(
        &mut self,
        body: Body,
        b: &[u8],
        complete: bool,
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) -> Step {
        match body {
            Body::Length(left) => {
                let n = usize::try_from(left).unwrap_or(usize::MAX).min(b.len());
                self.res_body_data(&b[..n], sink);
                let left = left - n as u64;
                if left == 0 {
                    self.end_res_body();
                    self.res_state = State::Finalize { midline: false };
                } else {
                    self.res_state = State::Body(Body::Length(left));
                }
                Step::Used(n)
            }
            Body::ChunkLen => {
                let n = match line_len(b, Side::Request, complete) {
                    P::Ok(n) => n,
                    _ => {
                        if !chunk_len_prefix_ok(b) {
                            // Not chunked after all: the rest is the body
                            // (evader 050, 086: chunked announced, plain sent).
                            self.anomaly("invalid response chunk size", sink);
                            self.res_state = State::Body(Body::UntilClose);
                            return Step::Used(0);
                        }
                        self.res_state = State::Body(Body::ChunkLen);
                        return Step::More;
                    }
                };
                let line = &b[..n];
                if is_chunk_ctl_line(line) {
                    self.res_state = State::Body(Body::ChunkLen);
                    return Step::Used(n);
                }
                match parse_chunk_len(line) {
                    ChunkLen::Size(0) => {
                        self.res_state = State::Body(Body::Trailers(HeaderCursor::default()))
                    }
                    ChunkLen::Size(k) => self.res_state = State::Body(Body::ChunkData(k)),
                    ChunkLen::Skip => self.res_state = State::Body(Body::ChunkLen),
                    ChunkLen::Invalid => {
                        self.anomaly("invalid response chunk size", sink);
                        self.res_state = State::Body(Body::UntilClose);
                        return Step::Used(0);
                    }
                }
                Step::Used(n)
            }
            Body::ChunkData(left) => self.chunk_data(Side::Response, left, b, sink),
            Body::ChunkEnd => self.chunk_end(Side::Response, b),
            Body::Trailers(mut cur) => {
                match self.run_headers(&mut cur, b, Side::Response, complete, sink) {
                    Ok(end) => {
                        if let Some(i) = self.res_index() {
                            Self::merge_fields(&mut self.txs[i].tx.response_headers, cur.fields);
                        }
                        self.end_res_body();
                        self.res_state = State::Finalize { midline: false };
                        Step::Used(end)
                    }
                    Err(()) => {
                        self.res_state = State::Body(Body::Trailers(cur));
                        Step::More
                    }
                }
            }
            Body::UntilClose => {
                self.res_body_data(b, sink);
                self.res_state = State::Body(Body::UntilClose);
                Step::Used(b.len())
            }
        }
    }

    fn res_finalize(
        &mut self,
        midline: bool,
        b: &[u8],
        complete: bool,
        sink: &mut dyn FnMut(HttpEvent<'_>),
    ) -> Step {
        let lf = memchr::memchr(b'\n', b);
        let line_end = lf.map_or(b.len(), |i| i + 1);
        if midline {
            self.res_body_data(&b[..line_end], sink);
            self.res_state = State::Finalize {
                midline: lf.is_none(),
            };
            return Step::Used(line_end);
        }
        match looks_like_status_line(&b[..line_end], lf.is_some() || complete) {
            Some(true) => {
                self.complete_response(sink);
                self.res_state = State::Idle;
                Step::Used(0)
            }
            Some(false) => {
                self.anomaly("data after response body", sink);
                self.res_body_data(&b[..line_end], sink);
                self.res_state = State::Finalize {
                    midline: lf.is_none(),
                };
                Step::Used(line_end)
            }
            None => {
                self.res_state = State::Finalize { midline: false };
                Step::More
            }
        }
    }

    fn res_body_data(&mut self, data: &[u8], sink: &mut dyn FnMut(HttpEvent<'_>)) {
        let limit = self.cfg.response_body_limit;
        let Some(i) = self.res_index() else {
            return;
        };
        let slot = &mut self.txs[i];
        slot.tx.response_body_len = slot.tx.response_body_len.saturating_add(data.len() as u64);
        if slot.tx.response_complete || data.is_empty() {
            return;
        }
        let before = slot.tx.response_body.len();
        if let Some(dec) = slot.decoder.as_mut() {
            dec.push(data, &mut slot.tx.response_body, limit);
            if dec.bomb() {
                slot.tx.response_body_truncated = true;
            }
        } else if !slot.decoder_finished {
            let room = limit.saturating_sub(before);
            slot.tx
                .response_body
                .extend_from_slice(&data[..room.min(data.len())]);
        }
        if slot.tx.response_body.len() >= limit {
            slot.tx.response_body_truncated = true;
            // The limit is reached: the response's buffers are final now.
            slot.decoder = None;
            slot.decoder_finished = true;
            self.emit_response(i, sink);
        }
    }

    /// The body ended: flush the decoder.
    fn end_res_body(&mut self) {
        let limit = self.cfg.response_body_limit;
        if let Some(i) = self.res_index() {
            let slot = &mut self.txs[i];
            if let Some(mut dec) = slot.decoder.take() {
                if !slot.tx.response_complete {
                    dec.finish(&mut slot.tx.response_body, limit);
                    if dec.bomb() || slot.tx.response_body.len() >= limit {
                        slot.tx.response_body_truncated = true;
                    }
                }
                slot.decoder_finished = true;
            }
        }
    }

    fn emit_response(&mut self, i: usize, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        if let Some(slot) = self.txs.get_mut(i) {
            if !slot.tx.response_complete {
                slot.tx.response_complete = true;
                slot.tx.seal_response();
                slot.tx.direction = Direction::ToClient;
                if self.defer {
                    self.deferred.push(Deferred::Response(slot.tx.id));
                } else {
                    sink(HttpEvent::Response(&slot.tx));
                }
            }
        }
    }

    /// The response is over: emit it (if not yet) and move on.
    fn complete_response(&mut self, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        let Some(i) = self.res_index() else {
            return;
        };
        if !self.txs[i].res_started {
            return;
        }
        self.end_res_body();
        self.emit_response(i, sink);
        self.txs[i].res_done = true;
        self.reap();
    }

    fn finish_res_at_close(&mut self, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        let state = std::mem::replace(&mut self.res_state, State::Closed);
        match state {
            State::Headers(cur) => {
                self.res_headers_done(cur.fields, &[], sink);
                self.complete_response(sink);
            }
            State::Idle | State::Body(_) | State::Finalize { .. } => self.complete_response(sink),
            _ => {}
        }
        self.res_state = State::Closed;
    }

    fn gap_res(&mut self, len: u64, sink: &mut dyn FnMut(HttpEvent<'_>)) {
        if let Some(i) = self.res_index() {
            if self.txs[i].res_started {
                self.txs[i].tx.response_gap = true;
            }
        }
        let pending_lost = !self.res_pending.is_empty();
        self.res_pending.clear();
        let state = std::mem::replace(&mut self.res_state, State::Idle);
        // Compressed data cannot be decoded across a hole: finish the decoder
        // (later bytes are dropped), as libhtp does.
        let stop_decoder = |p: &mut Self| p.end_res_body();
        self.res_state = match state {
            State::Body(Body::Length(left)) if !pending_lost && len < left => {
                stop_decoder(self);
                State::Body(Body::Length(left - len))
            }
            State::Body(Body::Length(left)) if !pending_lost && len == left => {
                self.complete_response(sink);
                State::Idle
            }
            State::Body(Body::ChunkData(left)) if !pending_lost && len < left => {
                stop_decoder(self);
                State::Body(Body::ChunkData(left - len))
            }
            State::Body(Body::UntilClose) => {
                stop_decoder(self);
                State::Body(Body::UntilClose)
            }
            State::Tunnel | State::Failed | State::Closed => state,
            State::Headers(cur) => {
                self.anomaly("gap in response headers", sink);
                self.res_headers_done(cur.fields, &[], sink);
                self.complete_response(sink);
                State::Resync { line_start: true }
            }
            State::Idle if self.res_index().is_some_and(|i| self.txs[i].res_started) => {
                stop_decoder(self);
                State::Idle
            }
            _ => {
                self.complete_response(sink);
                State::Resync { line_start: true }
            }
        };
        // A refused gap in a state where the body continues keeps the state;
        // otherwise the resync state above applies.
    }
}

/// A line state with an unfinished line, and no line end in the new bytes
/// either: parsing again cannot change anything (this keeps a long line
/// sent a byte at a time from being re-scanned for every byte).
fn waiting_for_line_end(state: &State, pending: &[u8], data: &[u8]) -> bool {
    matches!(state, State::Idle | State::Body(Body::ChunkLen))
        && !pending.is_empty()
        && memchr::memchr2(b'\n', b'\r', pending).is_none()
        && memchr::memchr2(b'\n', b'\r', data).is_none()
}

/// Skips bytes after a gap until a line that starts a message: a known
/// method and a space (requests), `HTTP/` (responses).
fn resync(b: &[u8], mut line_start: bool, complete: bool, dir: Direction) -> (Step, State) {
    let mut i = 0;
    loop {
        if line_start {
            match starts_message(&b[i..], dir) {
                Some(true) => return (Step::Used(i), State::Idle),
                None if !complete => {
                    if i == 0 {
                        return (Step::More, State::Resync { line_start });
                    }
                    return (Step::Used(i), State::Resync { line_start });
                }
                _ => {}
            }
        }
        match memchr::memchr(b'\n', &b[i..]) {
            Some(p) => {
                i += p + 1;
                line_start = true;
                if i == b.len() {
                    return (Step::Used(i), State::Resync { line_start });
                }
            }
            None => return (Step::Used(b.len()), State::Resync { line_start: false }),
        }
    }
}

/// Whether `b` starts a request (known method + space) or a response
/// (`HTTP/`). None: too short to tell.
fn starts_message(b: &[u8], dir: Direction) -> Option<bool> {
    match dir {
        Direction::ToServer => {
            let sp = b.iter().position(|&c| c == b' ');
            match sp {
                Some(p) => Some(is_known_method(&b[..p])),
                None => {
                    if b.len() > 20 {
                        Some(false)
                    } else {
                        super::parser::KNOWN_METHODS
                            .iter()
                            .any(|m| m.starts_with(b))
                            .then_some(())
                            .map_or(Some(false), |()| None)
                    }
                }
            }
        }
        Direction::ToClient => {
            if b.len() >= 5 {
                Some(starts_with_nocase(b, b"http/"))
            } else if b"http/"[..b.len()].eq_ignore_ascii_case(b) {
                None
            } else {
                Some(false)
            }
        }
    }
}
