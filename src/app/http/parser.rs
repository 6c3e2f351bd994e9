//! Pure HTTP/1.x parsing functions over borrowed bytes: line ends, header
//! fields, request and status lines, chunk sizes, `Content-Length`,
//! `Content-Encoding` lists, `Host` values and `Authorization: Basic`.
//!
//! Everything here follows libhtp (Suricata's HTTP library, whose Rust port
//! lives in Suricata 8's `rust/htp`) where libhtp is lenient on purpose:
//! browsers accept malformed responses, and an IDS that is stricter than the
//! browser misses what the browser renders (the http-evader test family). The
//! one rule we add: a function never decides on a byte it has not seen. Where
//! libhtp looks at "the rest of the current packet" we answer "need more"
//! until enough bytes are there (or the stream closed, `complete = true`),
//! so the result does not depend on how the stream was cut into segments.

/// Outcome of a parse step over a possibly incomplete buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum P<T> {
    /// Parsed.
    Ok(T),
    /// The answer depends on bytes not received yet.
    More,
    /// The input does not match.
    No,
}

/// Which side a header block comes from. libhtp's response parser also takes
/// a lone CR as a line end (browsers do); its request parser does not.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// Client to server.
    Request,
    /// Server to client.
    Response,
}

/// libhtp's `is_space`: SP, HT, CR, LF, VT, FF.
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// SP or HT (nom's `space0`).
fn is_lws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Characters that start a folded continuation line (libhtp accepts NUL too).
fn is_fold_lws(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == 0
}

/// RFC 7230 `tchar`.
pub(crate) fn is_token(c: u8) -> bool {
    (33..=126).contains(&c)
        && !matches!(
            c,
            b'(' | b')'
                | b'<'
                | b'>'
                | b'@'
                | b','
                | b';'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'='
                | b'{'
                | b'}'
        )
}

/// Trims [`is_space`] bytes at both ends (NUL is kept, as libhtp does).
pub(crate) fn trim(mut b: &[u8]) -> &[u8] {
    while let Some((&f, rest)) = b.split_first() {
        if !is_space(f) {
            break;
        }
        b = rest;
    }
    while let Some((&l, rest)) = b.split_last() {
        if !is_space(l) {
            break;
        }
        b = rest;
    }
    b
}

/// Removes every CR and LF at the end.
pub(crate) fn chomp(mut b: &[u8]) -> &[u8] {
    while let Some((&l, rest)) = b.split_last() {
        if l != b'\r' && l != b'\n' {
            break;
        }
        b = rest;
    }
    b
}

/// ASCII case-insensitive equality that ignores NUL bytes in `hay`
/// (libhtp's `cmp_nocase_nozero`: `Transfer-Encoding\0` is `Transfer-Encoding`).
pub(crate) fn eq_nocase_nozero(hay: &[u8], lit: &[u8]) -> bool {
    let mut it = hay.iter().filter(|&&c| c != 0);
    for &l in lit {
        match it.next() {
            Some(&c) if c.eq_ignore_ascii_case(&l) => {}
            _ => return false,
        }
    }
    it.next().is_none()
}

/// `lit` (lower case) occurs in `hay`, ignoring case and NUL bytes in `hay`.
pub(crate) fn contains_nocase_nozero(hay: &[u8], lit: &[u8]) -> bool {
    let cleaned: Vec<u8> = hay
        .iter()
        .filter(|&&c| c != 0)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    memchr::memmem::find(&cleaned, lit).is_some()
}

/// `b` starts with `lit`, ASCII case-insensitively.
pub(crate) fn starts_with_nocase(b: &[u8], lit: &[u8]) -> bool {
    b.len() >= lit.len() && b[..lit.len()].eq_ignore_ascii_case(lit)
}

// ---------------------------------------------------------------------------
// Line ends
// ---------------------------------------------------------------------------

/// A regular line end at `b[0]`: CRLF or LF, and on the response side also
/// LF CR and a lone CR (libhtp's `complete_eol_regular`, in that order).
fn regular_eol(b: &[u8], side: Side, complete: bool) -> P<usize> {
    match (side, b) {
        (_, []) => {
            if complete {
                P::No
            } else {
                P::More
            }
        }
        (_, [b'\r', b'\n', ..]) => P::Ok(2),
        (Side::Request, [b'\n', ..]) => P::Ok(1),
        (Side::Request, [b'\r']) => {
            if complete {
                P::No
            } else {
                P::More
            }
        }
        (Side::Response, [b'\n', b'\r', ..]) => P::Ok(2),
        (Side::Response, [b'\n' | b'\r']) => {
            if complete {
                P::Ok(1)
            } else {
                P::More
            }
        }
        (Side::Response, [b'\n' | b'\r', ..]) => P::Ok(1),
        _ => P::No,
    }
}

/// `b` starts with `lit`: Ok, a proper prefix of it: More (unless complete), else No.
fn tag(b: &[u8], lit: &[u8], complete: bool) -> P<usize> {
    let n = b.len().min(lit.len());
    if b[..n] != lit[..n] {
        P::No
    } else if n == lit.len() {
        P::Ok(n)
    } else if complete {
        P::No
    } else {
        P::More
    }
}

/// `b` starts with LF or CRLF (a line end that makes the preceding one the
/// end of the header block).
fn peek_lf_or_crlf(b: &[u8], complete: bool) -> P<()> {
    match b {
        [] | [b'\r'] if !complete => P::More,
        [b'\n', ..] | [b'\r', b'\n', ..] => P::Ok(()),
        _ => P::No,
    }
}

/// libhtp's deformed line ends: `\n\r\r\n` before an empty line (both sides),
/// `\r\n\r` plus CR/SP/HT (and an optional LF) not followed by a line end
/// (response), `\n\r` before CRLF (request).
fn deformed_eol(b: &[u8], side: Side, complete: bool) -> P<usize> {
    match tag(b, b"\n\r\r\n", complete) {
        P::More => return P::More,
        P::Ok(n) => match peek_lf_or_crlf(&b[n..], complete) {
            P::Ok(()) => return P::Ok(n),
            P::More => return P::More,
            P::No => {}
        },
        P::No => {}
    }
    match side {
        Side::Response => {
            match tag(b, b"\r\n\r", complete) {
                P::Ok(_) => {}
                P::More => return P::More,
                P::No => return P::No,
            }
            let mut i = 3;
            while i < b.len() && matches!(b[i], b'\r' | b' ' | b'\t') {
                i += 1;
            }
            if i == b.len() && !complete {
                return P::More;
            }
            if i == 3 {
                return P::No;
            }
            if i < b.len() && b[i] == b'\n' {
                i += 1;
            }
            match peek_lf_or_crlf(&b[i..], complete) {
                P::Ok(()) => P::No,
                P::More => P::More,
                P::No => P::Ok(i),
            }
        }
        Side::Request => match tag(b, b"\n\r", complete) {
            P::Ok(n) => match tag(&b[n..], b"\r\n", complete) {
                P::Ok(_) => P::Ok(n),
                P::More => P::More,
                P::No => P::No,
            },
            other => other,
        },
    }
}

/// Any line end at `b[0]`, deformed ones first (libhtp's `complete_eol`).
fn any_eol(b: &[u8], side: Side, complete: bool) -> P<usize> {
    match deformed_eol(b, side, complete) {
        P::No => regular_eol(b, side, complete),
        other => other,
    }
}

/// A line end at `b[0]` and the start of a folded continuation after it.
/// Returns the line end's length and the folding character.
fn folding(b: &[u8], side: Side, complete: bool) -> P<(usize, u8)> {
    let eol = match side {
        Side::Response => regular_eol(b, side, complete),
        Side::Request => any_eol(b, side, complete),
    };
    match eol {
        P::Ok(n) => match b.get(n) {
            Some(&c) if is_fold_lws(c) => P::Ok((n, c)),
            Some(_) => P::No,
            None if complete => P::No,
            None => P::More,
        },
        P::More => P::More,
        P::No => P::No,
    }
}

/// How a header value's physical line ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Ending {
    /// A line end of `eol` bytes, then a folded continuation starting with `lws`.
    Fold { eol: usize, lws: u8 },
    /// A line end of `eol` bytes (0: end of data at close).
    Term { eol: usize },
}

/// The bytes of one physical header line and how it ends (libhtp's
/// `value_bytes`): returns (value end, ending, position after the ending).
fn value_bytes(b: &[u8], side: Side, complete: bool) -> P<(usize, Ending, usize)> {
    let stop = b
        .iter()
        .position(|&c| c == b'\n' || (side == Side::Response && c == b'\r'));
    let Some(mut end) = stop else {
        return if complete {
            P::Ok((b.len(), Ending::Term { eol: 0 }, b.len()))
        } else {
            P::More
        };
    };
    if side == Side::Request && end > 0 && b[end - 1] == b'\r' {
        end -= 1;
    }
    let rest = &b[end..];
    match folding(rest, side, complete) {
        P::Ok((eol, lws)) => return P::Ok((end, Ending::Fold { eol, lws }, end + eol + 1)),
        P::More => return P::More,
        P::No => {}
    }
    match any_eol(rest, side, complete) {
        P::Ok(eol) => {
            if !complete {
                match rest.get(eol) {
                    None => return P::More,
                    Some(&c) if is_fold_lws(c) => return P::No,
                    Some(_) => {}
                }
            }
            P::Ok((end, Ending::Term { eol }, end + eol))
        }
        P::More => P::More,
        P::No => {
            if complete && side == Side::Request && rest == b"\r" {
                // A lone CR at the very end of a closed stream.
                P::Ok((end, Ending::Term { eol: 1 }, end + 1))
            } else {
                P::No
            }
        }
    }
}

/// libhtp bounds the folded lines of one header (quadratic re-parsing).
const MAX_FOLDS: usize = 128;

/// Optional spaces, a non-empty token and optional spaces, then a colon: on
/// the response side a "folded" line that looks like this is a new header
/// (http-evader 274: `X-Foo: bar\r\n Transfer-Encoding: chunked`).
fn looks_like_name_colon(b: &[u8], complete: bool) -> P<()> {
    let mut i = 0;
    while i < b.len() && is_lws(b[i]) {
        i += 1;
    }
    let tok_start = i;
    while i < b.len() && is_token(b[i]) {
        i += 1;
    }
    let tok_end = i;
    while i < b.len() && is_lws(b[i]) {
        i += 1;
    }
    if i == b.len() {
        return if complete { P::No } else { P::More };
    }
    if tok_end > tok_start && b[i] == b':' {
        P::Ok(())
    } else {
        P::No
    }
}

/// A complete header value with its folded continuations (libhtp's `value`).
/// Returns the untrimmed value and the number of bytes consumed.
fn value(b: &[u8], side: Side, complete: bool) -> P<(Vec<u8>, usize)> {
    let (vend, ending, after) = match value_bytes(b, side, complete) {
        P::Ok(v) => v,
        P::More => return P::More,
        P::No => return P::No,
    };
    let mut out = b[..vend].to_vec();
    let Ending::Fold { mut lws, .. } = ending else {
        return P::Ok((out, after));
    };
    let mut rest = after;
    let mut i = after;
    let mut folds = 0;
    loop {
        if side == Side::Response {
            match looks_like_name_colon(&b[i..], complete) {
                P::Ok(()) => return P::Ok((out, i)),
                P::More => return P::More,
                P::No => {}
            }
        }
        let (vend, ending, after) = match value_bytes(&b[i..], side, complete) {
            P::Ok(v) => v,
            P::More => return P::More,
            P::No => return P::No,
        };
        let piece = &b[i..i + vend];
        let eol_len = match ending {
            Ending::Fold { eol, .. } | Ending::Term { eol } => eol,
        };
        if !out.is_empty() {
            out.push(lws);
        }
        if !piece.is_empty() || eol_len > 1 {
            rest = i + after;
            out.extend_from_slice(piece);
        } else if eol_len == 1 && b.get(i + after) == Some(&b'\n') {
            // An empty folded line ending in a single CR or LF: libhtp keeps
            // it as the end of the header block (evader 419, 426).
            rest = i + after;
        }
        folds += 1;
        match ending {
            Ending::Fold { lws: next, .. } if folds < MAX_FOLDS => {
                lws = next;
                i += after;
            }
            _ => return P::Ok((out, rest)),
        }
    }
}

/// The end of a header name: the first colon, allowing the name to span a
/// line end followed by spaces (`Transfer-Encoding\r\n :chunked`, evader 298).
/// 0 when there is no colon (then the caller sees no separator).
fn name_end(b: &[u8], side: Side) -> usize {
    let mut terminated = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if terminated == 0 {
            if c == b':' {
                return i;
            } else if c == b'\n' || (side == Side::Response && c == b'\r') {
                terminated = c;
            }
        } else if c == b' ' {
            terminated = 0;
        } else if c == b'\n' && terminated == b'\r' {
            terminated = b'\n';
        } else {
            return i - 1;
        }
    }
    0
}

/// Something odd about one header field, for anomaly reporting.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldFlags {
    /// No colon: the whole line became the value of a nameless field.
    pub missing_colon: bool,
    /// The name has spaces or other non-token bytes.
    pub bad_name: bool,
    /// The value was folded over several lines.
    pub folded: bool,
}

/// One parsed header field (name and value trimmed of [`is_space`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    /// Field name, possibly empty.
    pub name: Vec<u8>,
    /// Field value, folded lines joined.
    pub value: Vec<u8>,
    /// Oddities.
    pub flags: FieldFlags,
}

/// One header field at `b[0]`, with or without a colon (libhtp's `header`).
fn header_field(b: &[u8], side: Side, complete: bool) -> P<(Field, usize)> {
    let off = name_end(b, side);
    if b.get(off) == Some(&b':') {
        let mut j = off + 1;
        while j < b.len() && is_lws(b[j]) {
            j += 1;
        }
        if j == b.len() && !complete {
            return P::More;
        }
        match value(&b[j..], side, complete) {
            P::Ok((v, used)) => {
                let name = trim(&b[..off]).to_vec();
                let folded = b[j..j + used]
                    .iter()
                    .filter(|&&c| c == b'\n' || c == b'\r')
                    .count()
                    > 2;
                let flags = FieldFlags {
                    missing_colon: false,
                    bad_name: name.is_empty() || !name.iter().all(|&c| is_token(c)),
                    folded,
                };
                return P::Ok((
                    Field {
                        name,
                        value: trim(&v).to_vec(),
                        flags,
                    },
                    j + used,
                ));
            }
            P::More => return P::More,
            P::No => {}
        }
    }
    if b.starts_with(b"\r\n") {
        return P::No;
    }
    match value(b, side, complete) {
        P::Ok((v, used)) => P::Ok((
            Field {
                name: Vec::new(),
                value: trim(&v).to_vec(),
                flags: FieldFlags {
                    missing_colon: true,
                    bad_name: true,
                    folded: false,
                },
            },
            used,
        )),
        P::More => P::More,
        P::No => P::No,
    }
}

/// One step of header block parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeaderStep {
    /// A field, and the bytes it used.
    Field(Field, usize),
    /// The block ended; the bytes of the terminating line end.
    End(usize),
    /// An unparseable line was skipped (its bytes).
    Skip(usize),
}

/// Parses the next step of a header block at `b[0]`. `after_field` is true
/// right after a field: then a regular line end ends the block (libhtp's
/// `headers` loop). At the start of a block any line end ends it. With
/// `complete` (the stream closed) nothing is waited for.
pub(crate) fn header_step(
    b: &[u8],
    side: Side,
    complete: bool,
    after_field: bool,
) -> P<HeaderStep> {
    if complete && b.is_empty() {
        return P::Ok(HeaderStep::End(0));
    }
    let eol = if after_field {
        regular_eol(b, side, complete)
    } else {
        any_eol(b, side, complete)
    };
    match eol {
        P::Ok(n) => return P::Ok(HeaderStep::End(n)),
        P::More => return P::More,
        P::No => {}
    }
    match header_field(b, side, complete) {
        P::Ok((f, n)) => P::Ok(HeaderStep::Field(f, n)),
        P::More => P::More,
        P::No => match any_eol(b, side, complete) {
            P::Ok(n) => P::Ok(HeaderStep::End(n)),
            P::More => P::More,
            P::No => match memchr::memchr(b'\n', b) {
                Some(i) => P::Ok(HeaderStep::Skip(i + 1)),
                None if complete => P::Ok(HeaderStep::End(b.len())),
                None => P::More,
            },
        },
    }
}

// ---------------------------------------------------------------------------
// Start lines
// ---------------------------------------------------------------------------

/// The length of the line at `b[0]` including its end: LF (request side) or
/// CR, LF or CRLF (response side, libhtp's `take_till_eol`). At close the
/// rest of the data is the line.
pub(crate) fn line_len(b: &[u8], side: Side, complete: bool) -> P<usize> {
    let stop = match side {
        Side::Request => memchr::memchr(b'\n', b),
        Side::Response => memchr::memchr2(b'\n', b'\r', b),
    };
    match stop {
        Some(i) if b[i] == b'\r' => match b.get(i + 1) {
            Some(b'\n') => P::Ok(i + 2),
            Some(_) => P::Ok(i + 1),
            None if complete => P::Ok(i + 1),
            None => P::More,
        },
        Some(i) => P::Ok(i + 1),
        None if complete && !b.is_empty() => P::Ok(b.len()),
        None => P::More,
    }
}

/// An empty line (CR, LF or CRLF) that libhtp skips before a start line.
pub(crate) fn is_empty_line(line: &[u8]) -> bool {
    matches!(line, b"\r" | b"\n" | b"\r\n")
}

/// Whether a response line looks like a status line the way browsers judge
/// it: optional whitespace/NUL, then `http` in any case. `None`: not decided
/// yet (only whitespace so far and the line is not finished).
pub(crate) fn looks_like_status_line(b: &[u8], line_finished: bool) -> Option<bool> {
    let start = b.iter().position(|&c| !(is_space(c) || c == 0));
    match start {
        None => {
            if line_finished {
                Some(false)
            } else {
                None
            }
        }
        Some(s) => {
            let rest = &b[s..];
            let n = rest.len().min(4);
            if !rest[..n].eq_ignore_ascii_case(&b"http"[..n]) {
                Some(false)
            } else if n == 4 {
                Some(true)
            } else if line_finished {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// HTTP protocol version as libhtp classifies it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HttpVersion {
    /// Not a recognised `HTTP/x.y` (or missing).
    Invalid,
    /// HTTP/0.9.
    V09,
    /// HTTP/1.0.
    V10,
    /// HTTP/1.1.
    V11,
}

/// Parses a protocol token leniently (case-insensitive `HTTP`, whitespace
/// around the slash, leading zeros: libhtp's `parse_protocol`).
pub(crate) fn parse_protocol(b: &[u8]) -> HttpVersion {
    let ws = |b: &[u8], mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = ws(b, 0);
    if !starts_with_nocase(&b[i..], b"http") {
        return HttpVersion::Invalid;
    }
    i = ws(b, i + 4);
    if b.get(i) != Some(&b'/') {
        return HttpVersion::Invalid;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'0') {
        i += 1;
    }
    let rest = &b[i..];
    let (v, n) = if rest.starts_with(b".9") {
        (HttpVersion::V09, 2)
    } else if rest.starts_with(b"1.0") {
        (HttpVersion::V10, 3)
    } else if rest.starts_with(b"1.1") {
        (HttpVersion::V11, 3)
    } else {
        return HttpVersion::Invalid;
    };
    if ws(b, i + n) == b.len() {
        v
    } else {
        HttpVersion::Invalid
    }
}

/// The parts of a request line (without its line end).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RequestLine<'a> {
    /// Method token.
    pub method: &'a [u8],
    /// Request target as sent.
    pub uri: &'a [u8],
    /// Protocol token, empty for HTTP/0.9.
    pub protocol: &'a [u8],
}

/// Splits a request line like libhtp: leading whitespace skipped, method up
/// to whitespace, URI up to the first space (or other whitespace if there is
/// no space), the rest (trimmed) is the protocol.
pub(crate) fn parse_request_line(line: &[u8]) -> RequestLine<'_> {
    let line = chomp(line);
    let mut i = 0;
    while i < line.len() && is_space(line[i]) {
        i += 1;
    }
    let m0 = i;
    while i < line.len() && !is_space(line[i]) {
        i += 1;
    }
    let method = &line[m0..i];
    while i < line.len() && is_space(line[i]) {
        i += 1;
    }
    let rest = trim(&line[i..]);
    if rest.is_empty() {
        return RequestLine {
            method,
            uri: rest,
            protocol: &[],
        };
    }
    let split = |pred: &dyn Fn(u8) -> bool| match rest.iter().position(|&c| pred(c)) {
        Some(p) => (trim(&rest[..p]), trim(&rest[p + 1..])),
        None => (rest, &rest[rest.len()..]),
    };
    let (mut uri, mut protocol) = split(&|c| c == b' ');
    if uri.len() == rest.len() && uri.iter().any(|&c| is_space(c)) {
        (uri, protocol) = split(&|c| is_space(c));
    }
    RequestLine {
        method,
        uri,
        protocol,
    }
}

/// The parts of a status line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StatusLine<'a> {
    /// Protocol token (may be anything).
    pub protocol: &'a [u8],
    /// Status code token as sent (empty if missing).
    pub status: &'a [u8],
    /// Reason phrase, line end removed.
    pub message: &'a [u8],
}

/// Splits a status line like libhtp's `parse_response_line` (whitespace and
/// NUL before the protocol are skipped; any whitespace separates fields).
pub(crate) fn parse_status_line(line: &[u8]) -> StatusLine<'_> {
    let mut i = 0;
    while i < line.len() && (is_space(line[i]) || line[i] == 0) {
        i += 1;
    }
    let p0 = i;
    while i < line.len() && !is_space(line[i]) {
        i += 1;
    }
    let protocol = &line[p0..i];
    let ws1 = i;
    while i < line.len() && is_space(line[i]) {
        i += 1;
    }
    if protocol.is_empty() || i == ws1 {
        return StatusLine {
            protocol,
            ..Default::default()
        };
    }
    let s0 = i;
    while i < line.len() && !is_space(line[i]) {
        i += 1;
    }
    let status = &line[s0..i];
    let ws2 = i;
    while i < line.len() && line[i].is_ascii_whitespace() {
        i += 1;
    }
    let message = if i == ws2 { &[][..] } else { chomp(&line[i..]) };
    StatusLine {
        protocol,
        status,
        message,
    }
}

/// A status code of 3 digits (100-999) with nothing else around it.
pub(crate) fn parse_status(b: &[u8]) -> Option<u16> {
    if b.is_empty() || b.len() > 5 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = b.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
    if (100..=999).contains(&v) {
        u16::try_from(v).ok()
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

/// `Content-Length` as libhtp reads it: the first run of digits, whatever
/// comes before or after (`68( 136)` is 68, `34,68` is 34). None without digits
/// or on overflow.
pub(crate) fn parse_content_length(b: &[u8]) -> Option<u64> {
    let start = b.iter().position(u8::is_ascii_digit)?;
    let mut v: u64 = 0;
    for &c in b[start..].iter().take_while(|c| c.is_ascii_digit()) {
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// Bytes libhtp skips around chunk sizes: CR LF SP HT VT FF.
fn is_chunk_ctl(c: u8) -> bool {
    matches!(c, b'\r' | b'\n' | b' ' | b'\t' | 0x0b | 0x0c)
}

/// A chunk-size line made only of control bytes is skipped (evader 019).
pub(crate) fn is_chunk_ctl_line(b: &[u8]) -> bool {
    b.iter().all(|&c| is_chunk_ctl(c))
}

/// Whether the start of a chunk-size line can still become a valid size:
/// after control bytes, a hex digit or nothing yet.
pub(crate) fn chunk_len_prefix_ok(b: &[u8]) -> bool {
    match b.iter().position(|&c| !is_chunk_ctl(c)) {
        None => true,
        Some(i) => b[i].is_ascii_hexdigit(),
    }
}

/// Outcome of reading a chunk-size line.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChunkLen {
    /// A chunk of this size (0: the last chunk).
    Size(u64),
    /// Nothing usable but not an error: read the next line (libhtp also
    /// lands here for sizes above `i32::MAX`).
    Skip,
    /// Not a chunk size: the body is not chunked after all.
    Invalid,
}

/// Parses a chunk-size line libhtp's way: control bytes, SP/HT, hex digits,
/// and anything after them (extensions, `fx`, a tab) ignored (evader 007, 009).
pub(crate) fn parse_chunk_len(line: &[u8]) -> ChunkLen {
    let mut i = 0;
    while i < line.len() && is_chunk_ctl(line[i]) {
        i += 1;
    }
    while i < line.len() && is_lws(line[i]) {
        i += 1;
    }
    let d0 = i;
    let mut v: u64 = 0;
    while i < line.len() && line[i].is_ascii_hexdigit() {
        let d = match line[i] {
            c @ b'0'..=b'9' => c - b'0',
            c => (c | 0x20) - b'a' + 10,
        };
        v = match v.checked_mul(16).and_then(|v| v.checked_add(u64::from(d))) {
            Some(v) => v,
            None => return ChunkLen::Invalid,
        };
        i += 1;
    }
    let digits = i - d0;
    while i < line.len() && is_lws(line[i]) {
        i += 1;
    }
    if digits == 0 {
        return if i == line.len() {
            ChunkLen::Skip
        } else {
            ChunkLen::Invalid
        };
    }
    if v > i32::MAX as u64 {
        ChunkLen::Skip
    } else {
        ChunkLen::Size(v)
    }
}

/// A content coding we can undo.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Coding {
    /// gzip (RFC 1952), also `x-gzip`.
    Gzip,
    /// deflate: zlib-wrapped (RFC 1950) or raw (RFC 1951), whichever it is.
    Deflate,
}

/// The codings of a `Content-Encoding` value in the order they were applied
/// (decode in reverse). libhtp's slow path: split on comma and space; a token
/// containing `gzip` is gzip, one containing `deflate` is deflate, anything
/// else (`identity`, junk) is skipped. NUL bytes are ignored (evader 323, 330).
pub(crate) fn parse_content_encoding(value: &[u8]) -> Vec<Coding> {
    value
        .split(|&c| c == b',' || c == b' ')
        .filter(|t| !t.is_empty())
        .filter_map(|t| {
            if contains_nocase_nozero(t, b"gzip") {
                Some(Coding::Gzip)
            } else if contains_nocase_nozero(t, b"deflate") {
                Some(Coding::Deflate)
            } else {
                None
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Host and Authorization
// ---------------------------------------------------------------------------

/// Splits `host[:port]` (also `[v6]:port`) like libhtp's `parse_hostport`:
/// leading `//` and spaces skipped, trailing spaces trimmed.
pub(crate) fn split_hostport(b: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut b = b.strip_prefix(b"//").unwrap_or(b);
    while let [b' ', rest @ ..] = b {
        b = rest;
    }
    let host_end = if b.first() == Some(&b'[') {
        match b.iter().position(|&c| c == b']') {
            Some(p) => p + 1,
            None => b
                .iter()
                .position(|&c| matches!(c, b'/' | b'?' | b'#'))
                .unwrap_or(b.len()),
        }
    } else {
        b.iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#' | b':'))
            .unwrap_or(b.len())
    };
    let mut host = &b[..host_end];
    while let [rest @ .., b' '] = host {
        host = rest;
    }
    let rest = &b[host_end..];
    let port = rest.strip_prefix(b":").map(|p| {
        let end = p
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(p.len());
        trim(&p[..end])
    });
    (host, port)
}

/// libhtp's hostname normalisation: lower case, trailing dots removed.
pub(crate) fn normalize_hostname(host: &[u8]) -> Vec<u8> {
    let mut h = host.to_ascii_lowercase();
    while h.last() == Some(&b'.') {
        h.pop();
    }
    h
}

/// Decodes standard base64 (padding optional, whitespace rejected).
fn base64_decode(b: &[u8]) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let b = match b.iter().position(|&c| c == b'=') {
        Some(p) if b[p..].iter().all(|&c| c == b'=') && b[p..].len() <= 2 => &b[..p],
        Some(_) => return None,
        None => b,
    };
    if b.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    for chunk in b.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | val(c)?;
        }
        let bytes = acc.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&bytes[1..4]),
            3 => out.extend_from_slice(&((acc << 6).to_be_bytes()[1..3])),
            2 => out.push((acc << 12).to_be_bytes()[1]),
            _ => return None,
        }
    }
    Some(out)
}

/// The user name of an `Authorization: Basic` value (libhtp's
/// `parse_authorization_basic`: `basic`, whitespace, base64 of `user:pass`).
pub(crate) fn basic_auth_user(value: &[u8]) -> Option<Vec<u8>> {
    if !starts_with_nocase(value, b"basic") {
        return None;
    }
    let mut i = 5;
    while i < value.len() && value[i].is_ascii_whitespace() {
        i += 1;
    }
    let decoded = base64_decode(trim(&value[i..]))?;
    let colon = decoded.iter().position(|&c| c == b':')?;
    Some(decoded[..colon].to_vec())
}

/// HTTP methods we recognise at the start of a to-server stream: RFC 9110,
/// PATCH, and the WebDAV family (RFC 4918, 3253, 3648, 3744, 4791, 5323, 5842)
/// plus Exchange's old WebDAV extensions.
pub(crate) const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"TRACE",
    b"CONNECT",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"CHECKOUT",
    b"CHECKIN",
    b"UNCHECKOUT",
    b"VERSION-CONTROL",
    b"MKWORKSPACE",
    b"UPDATE",
    b"LABEL",
    b"MERGE",
    b"BASELINE-CONTROL",
    b"MKACTIVITY",
    b"ORDERPATCH",
    b"ACL",
    b"MKCALENDAR",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"MKREDIRECTREF",
    b"UPDATEREDIRECTREF",
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
    b"NOTIFY",
    b"POLL",
    b"BCOPY",
    b"BDELETE",
    b"BMOVE",
    b"BPROPFIND",
    b"BPROPPATCH",
    b"X-MS-ENUMATTS",
];

/// Whether `m` is one of [`KNOWN_METHODS`] (case-sensitive, as servers are).
pub(crate) fn is_known_method(m: &[u8]) -> bool {
    KNOWN_METHODS.contains(&m)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

    fn fields(b: &[u8], side: Side) -> (Pairs, usize) {
        let mut pos = 0;
        let mut after = false;
        let mut out = Vec::new();
        loop {
            match header_step(&b[pos..], side, true, after) {
                P::Ok(HeaderStep::Field(f, n)) => {
                    out.push((f.name, f.value));
                    pos += n;
                    after = true;
                }
                P::Ok(HeaderStep::Skip(n)) => {
                    pos += n;
                    after = false;
                }
                P::Ok(HeaderStep::End(n)) => return (out, pos + n),
                other => panic!("{other:?}"),
            }
        }
    }

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        v.iter()
            .map(|(a, b)| (a.as_bytes().to_vec(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn headers_plain_and_folded() {
        let b = b"Name1: Value1\r\nName2:Value2\r\nName3: Val\r\n ue3\r\nName4: Value4\r\n Value4.1\r\n Value4.2\r\n\r\nBODY";
        for side in [Side::Request, Side::Response] {
            let (f, used) = fields(b, side);
            assert_eq!(
                f,
                pairs(&[
                    ("Name1", "Value1"),
                    ("Name2", "Value2"),
                    ("Name3", "Val ue3"),
                    ("Name4", "Value4 Value4.1 Value4.2")
                ])
            );
            assert_eq!(&b[used..], b"BODY");
        }
    }

    #[test]
    fn headers_lf_only() {
        let b = b"A: 1\nB: 2\n\nX";
        let (f, used) = fields(b, Side::Response);
        assert_eq!(f, pairs(&[("A", "1"), ("B", "2")]));
        assert_eq!(&b[used..], b"X");
    }

    #[test]
    fn response_cr_only_line_ends() {
        // evader 399: CR-only lines, CRLF LF at the end.
        let b = b"Content-type: a\rConnection: close\rContent-length: 68\r\n\nX5O";
        let (f, used) = fields(b, Side::Response);
        assert_eq!(
            f,
            pairs(&[
                ("Content-type", "a"),
                ("Connection", "close"),
                ("Content-length", "68")
            ])
        );
        assert_eq!(&b[used..], b"X5O");
        // On the request side a CR is part of the value.
        let (f, _) = fields(b"K: a\rb\r\n\r\n", Side::Request);
        assert_eq!(f, pairs(&[("K", "a\rb")]));
    }

    #[test]
    fn response_fold_that_looks_like_a_header_is_a_header() {
        // evader 274
        let b = b"X-Foo: bar\r\n Transfer-Encoding: chunked\r\nY: foo\r\n\r\n";
        let (f, _) = fields(b, Side::Response);
        assert_eq!(
            f,
            pairs(&[
                ("X-Foo", "bar"),
                ("Transfer-Encoding", "chunked"),
                ("Y", "foo")
            ])
        );
        // On the request side it is folding.
        let (f, _) = fields(b, Side::Request);
        assert_eq!(
            f,
            pairs(&[("X-Foo", "bar Transfer-Encoding: chunked"), ("Y", "foo")])
        );
    }

    #[test]
    fn deformed_line_ends() {
        // evader 285: "\r\n\r\r\r\n" inside the block is one line end.
        let b = b"Connection: close\r\n\r\r\r\nTransfer-Encoding: chunked\r\n\r\n4";
        let (f, used) = fields(b, Side::Response);
        assert_eq!(
            f,
            pairs(&[("Connection", "close"), ("Transfer-Encoding", "chunked")])
        );
        assert_eq!(&b[used..], b"4");
        // evader 286
        let b = b"Connection: close\r\n\r\rTransfer-Encoding: chunked\r\n\r\n4";
        let (f, _) = fields(b, Side::Response);
        assert_eq!(
            f,
            pairs(&[("Connection", "close"), ("Transfer-Encoding", "chunked")])
        );
        // evader 410: "\n\r\r\n" ends the block.
        let b = b"Content-length: 68\n\r\r\nX5O";
        let (f, used) = fields(b, Side::Response);
        assert_eq!(f, pairs(&[("Content-length", "68")]));
        assert_eq!(&b[used..], b"X5O");
    }

    #[test]
    fn names_spanning_folds_and_odd_separators() {
        let (f, _) = fields(b"Transfer-Encoding\r\n :chunked\r\n\r\n", Side::Response);
        assert_eq!(f, pairs(&[("Transfer-Encoding", "chunked")]));
        let (f, _) = fields(
            b"Transfer-Encoding\r\n :\r\n chunked\r\n\r\n",
            Side::Response,
        );
        assert_eq!(f, pairs(&[("Transfer-Encoding", "chunked")]));
        let (f, _) = fields(
            b"Content-Encoding:\n\x00gzip\r\nY: 1\r\n\r\n",
            Side::Response,
        );
        assert_eq!(f, pairs(&[("Content-Encoding", "gzip"), ("Y", "1")]));
        let (f, _) = fields(b"Content-Encoding\x0c:gzip\r\n\r\n", Side::Response);
        assert_eq!(f, pairs(&[("Content-Encoding", "gzip")]));
        let (f, _) = fields(b"Transfer-Encoding:\x0bchunked\r\n\r\n", Side::Response);
        assert_eq!(f, pairs(&[("Transfer-Encoding", "chunked")]));
        let (f, _) = fields(b": foo\r\njunk line\r\n\x7f\r\n\r\n", Side::Response);
        assert_eq!(f, pairs(&[("", "foo"), ("", "junk line"), ("", "\x7f")]));
    }

    #[test]
    fn empty_fold_line_ends_block() {
        // evader 419: "foo\n \n" then the body.
        let b = b"Y: foo\n \n4\r\nX5O!";
        let (f, used) = fields(b, Side::Response);
        assert_eq!(f, pairs(&[("Y", "foo")]));
        assert_eq!(&b[used..], b"4\r\nX5O!");
        // evader 418: " \r\n" is a fold, then an empty line.
        let b = b"Content-length: 68\r\n \r\n\r\nX5O";
        let (f, used) = fields(b, Side::Response);
        assert_eq!(f, pairs(&[("Content-length", "68")]));
        assert_eq!(&b[used..], b"X5O");
        // evader 426
        let b = b"Content-length: 68\n\t\n\nX5O";
        let (f, used) = fields(b, Side::Response);
        assert_eq!(f, pairs(&[("Content-length", "68")]));
        assert_eq!(&b[used..], b"X5O");
    }

    #[test]
    fn streaming_waits_for_lookahead() {
        let b = b"Host: x\r\n";
        assert_eq!(header_step(b, Side::Request, false, false), P::More);
        assert_eq!(
            header_step(b"Host: x", Side::Request, false, false),
            P::More
        );
        assert_eq!(header_step(b"\r", Side::Response, false, true), P::More);
        match header_step(b"Host: x\r\nA", Side::Request, false, false) {
            P::Ok(HeaderStep::Field(f, 9)) => assert_eq!(f.value, b"x"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn status_lines() {
        let s = parse_status_line(b"HTTP/1.1 200 ok\r\n");
        assert_eq!(
            (s.protocol, s.status, s.message),
            (&b"HTTP/1.1"[..], &b"200"[..], &b"ok"[..])
        );
        let s = parse_status_line(b"\x00HTTP/1.1 404 Not Found\r\n");
        assert_eq!(s.status, b"404");
        assert_eq!(s.message, b"Not Found");
        let s = parse_status_line(b"HTTP/1.1foobar\r\n");
        assert_eq!(s.protocol, b"HTTP/1.1foobar");
        assert!(s.status.is_empty());
        assert_eq!(parse_status(b"200"), Some(200));
        assert_eq!(parse_status(b"0200"), Some(200));
        assert_eq!(parse_status(b"2000"), None);
        assert_eq!(parse_status(b"2xx"), None);
        assert_eq!(parse_protocol(b"HTTP/1.1"), HttpVersion::V11);
        assert_eq!(parse_protocol(b"http/1.0"), HttpVersion::V10);
        assert_eq!(parse_protocol(b"HTTP/0.9"), HttpVersion::V09);
        assert_eq!(parse_protocol(b"HTTP / 01.1"), HttpVersion::V11);
        assert_eq!(parse_protocol(b"HTTP/1.10"), HttpVersion::Invalid);
        assert_eq!(parse_protocol(b"HTTP/1.2"), HttpVersion::Invalid);
        assert_eq!(looks_like_status_line(b" \x00Http", false), Some(true));
        assert_eq!(looks_like_status_line(b"  HT", false), None);
        assert_eq!(looks_like_status_line(b"  HT", true), Some(false));
        assert_eq!(looks_like_status_line(b"SIP/2.0", false), Some(false));
    }

    #[test]
    fn request_lines() {
        let r = parse_request_line(b"GET /a?b HTTP/1.1\r\n");
        assert_eq!(
            (r.method, r.uri, r.protocol),
            (&b"GET"[..], &b"/a?b"[..], &b"HTTP/1.1"[..])
        );
        let r = parse_request_line(b"  GET\t/x\tHTTP/1.0\n");
        assert_eq!(
            (r.method, r.uri, r.protocol),
            (&b"GET"[..], &b"/x"[..], &b"HTTP/1.0"[..])
        );
        let r = parse_request_line(b"GET /x\r\n");
        assert_eq!((r.uri, r.protocol), (&b"/x"[..], &b""[..]));
        let r = parse_request_line(b"GET /a b HTTP/1.1");
        assert_eq!((r.uri, r.protocol), (&b"/a"[..], &b"b HTTP/1.1"[..]));
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(parse_chunk_len(b"5\r\n"), ChunkLen::Size(5));
        assert_eq!(parse_chunk_len(b"F\r\n"), ChunkLen::Size(15));
        assert_eq!(parse_chunk_len(b"f\t\r\n"), ChunkLen::Size(15));
        assert_eq!(parse_chunk_len(b"fx\r\n"), ChunkLen::Size(15));
        assert_eq!(parse_chunk_len(b"\rf\r\n"), ChunkLen::Size(15));
        assert_eq!(parse_chunk_len(b"\x0bf\r\n"), ChunkLen::Size(15));
        assert_eq!(parse_chunk_len(b" 5;ext=1\r\n"), ChunkLen::Size(5));
        assert_eq!(
            parse_chunk_len(b"000000000000000000005\r\n"),
            ChunkLen::Size(5)
        );
        assert_eq!(parse_chunk_len(b"X5O!P\r\n"), ChunkLen::Invalid);
        assert_eq!(parse_chunk_len(b"fffffffff\r\n"), ChunkLen::Skip);
        assert_eq!(
            parse_chunk_len(b"ffffffffffffffffff\r\n"),
            ChunkLen::Invalid
        );
        assert!(is_chunk_ctl_line(b"\r\n"));
        assert!(chunk_len_prefix_ok(b"\r\n 1"));
        assert!(!chunk_len_prefix_ok(b"X5O"));
    }

    #[test]
    fn content_lengths() {
        assert_eq!(parse_content_length(b"68"), Some(68));
        assert_eq!(parse_content_length(b" 68 "), Some(68));
        assert_eq!(parse_content_length(b"34( 68)"), Some(34));
        assert_eq!(parse_content_length(b"68,68"), Some(68));
        assert_eq!(parse_content_length(b"68.9"), Some(68));
        assert_eq!(parse_content_length(b"abc"), None);
        assert_eq!(parse_content_length(b"99999999999999999999999"), None);
    }

    #[test]
    fn content_encodings() {
        use Coding::*;
        assert_eq!(parse_content_encoding(b"gzip"), vec![Gzip]);
        assert_eq!(parse_content_encoding(b"x-gzip"), vec![Gzip]);
        assert_eq!(
            parse_content_encoding(b"gzip, deflate"),
            vec![Gzip, Deflate]
        );
        assert_eq!(parse_content_encoding(b"deflate, identity"), vec![Deflate]);
        assert_eq!(parse_content_encoding(b": deflate"), vec![Deflate]);
        assert_eq!(parse_content_encoding(b"gzip\x00"), vec![Gzip]);
        assert_eq!(parse_content_encoding(b"gzip\xa0"), vec![Gzip]);
        assert_eq!(parse_content_encoding(b"br"), vec![]);
    }

    #[test]
    fn hosts_and_auth() {
        assert_eq!(
            split_hostport(b"Example.COM:8080"),
            (&b"Example.COM"[..], Some(&b"8080"[..]))
        );
        assert_eq!(
            split_hostport(b"[::1]:80"),
            (&b"[::1]"[..], Some(&b"80"[..]))
        );
        assert_eq!(split_hostport(b"host"), (&b"host"[..], None));
        assert_eq!(normalize_hostname(b"WWW.Example.com."), b"www.example.com");
        assert_eq!(
            basic_auth_user(b"Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
            Some(b"aladdin".to_vec())
        );
        assert_eq!(basic_auth_user(b"basic   dXNlcjo="), Some(b"user".to_vec()));
        assert_eq!(basic_auth_user(b"Basic bm9jb2xvbg=="), None);
        assert_eq!(basic_auth_user(b"Digest x"), None);
        assert_eq!(base64_decode(b"YQ"), Some(b"a".to_vec()));
        assert_eq!(base64_decode(b"YWI"), Some(b"ab".to_vec()));
        assert_eq!(base64_decode(b"Y"), None);
    }
}
