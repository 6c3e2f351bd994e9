//! One HTTP transaction (a request and its response) and the detection
//! buffers it gives rules.
//!
//! Buffer contents follow Suricata 8 (`doc/userguide/rules/http-keywords.rst`
//! and the detect code behind each keyword):
//!
//! | buffer | content |
//! |---|---|
//! | `http.uri` | normalised path + `?query` as sent + `#fragment` (see [`super::uri`]) |
//! | `http.uri.raw` | the request target as sent |
//! | `http.method`, `http.protocol` | the tokens of the start line |
//! | `http.request_line`, `http.response_line` | the start line without its line end |
//! | `http.host` | host from an absolute URI, else the `Host` header: lower case, no port, no trailing dot |
//! | `http.host.raw` | the same, as sent (with port) |
//! | `http.header` | every header but `Cookie` (request) / `Set-Cookie` (response) as `Name: value\r\n`, values unfolded and trimmed, repeated headers merged with `, ` |
//! | `http.header.raw` | the header bytes as received, after the start line, up to and including the empty line |
//! | `http.start` | start line, `\r\n`, all headers as in `http.header` (cookies included), `\r\n` |
//! | `http.cookie` | value of `Cookie` (request) / `Set-Cookie` (response) |
//! | `http.user_agent`, `http.referer`, `http.accept`, `http.connection`, `http.server`, `http.location`, `http.content_type`, `http.content_len` | that header's value |
//! | `http.stat_code`, `http.stat_msg` | status code and reason phrase tokens as sent |
//! | `http.request_body` | request body, dechunked and decompressed (Suricata enables libhtp's request decompression), up to the limit |
//! | `http.response_body` / `file_data` | response body, dechunked and decompressed, up to the limit |
//! | `http.header_names` | `\r\n`, each header name and `\r\n`, then `\r\n` (as Suricata) |
//! | `http.request_header`, `http.response_header` | one value per header: `Name: value` |
//!
//! A buffer that is absent (no such header, no body) is not visited at all.

use crate::app::TxBuffers;
use crate::flow::Direction;
use crate::rules::ir::BufferId;

use super::parser::{HttpVersion, eq_nocase_nozero};

/// One HTTP transaction. Request fields are final once `request_complete`
/// is set (the Request event), response fields once `response_complete` is
/// (the Response event).
#[derive(Clone, Debug)]
pub struct HttpTx {
    /// Transaction number within the flow, from 0.
    pub id: u64,

    /// Request method token (`GET`).
    pub method: Vec<u8>,
    /// Request target as sent (`http.uri.raw`).
    pub uri_raw: Vec<u8>,
    /// Normalised URI (`http.uri`).
    pub uri_normalized: Vec<u8>,
    /// Request protocol token as sent (`HTTP/1.1`; empty for HTTP/0.9).
    pub protocol: Vec<u8>,
    /// The request protocol as understood.
    pub request_version: HttpVersion,
    /// Request line without its line end.
    pub request_line: Vec<u8>,
    /// Request headers (and chunked trailers): one entry per name, first
    /// spelling kept, repeated values joined with `, ` (a repeated
    /// `Content-Length` keeps its first value), as libhtp stores them.
    pub request_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Request header bytes as received, up to and including the empty line.
    pub request_headers_raw: Vec<u8>,
    /// Normalised host (`http.host`).
    pub host: Option<Vec<u8>>,
    /// Host as sent (`http.host.raw`).
    pub host_raw: Option<Vec<u8>>,
    /// Request body, dechunked and decompressed (gzip/deflate
    /// `Content-Encoding`), at most `request_body_limit` bytes.
    pub request_body: Vec<u8>,
    /// Request body bytes seen on the wire (dechunked), limit or not.
    pub request_body_len: u64,
    /// The request body was longer than the limit.
    pub request_body_truncated: bool,
    /// User name from `Authorization: Basic`.
    pub basic_auth_user: Option<String>,
    /// The request's buffers are final (the Request event was sent).
    pub request_complete: bool,
    /// Bytes of the request were missing (TCP gap).
    pub request_gap: bool,
    /// False for a response seen without any request (`request_*` empty).
    pub request_seen: bool,

    /// Status code as a number (100-999), when the status token is valid.
    pub status: Option<u16>,
    /// Status code token as sent (`http.stat_code`).
    pub status_code: Vec<u8>,
    /// Reason phrase (`http.stat_msg`), if the status line had one.
    pub status_msg: Option<Vec<u8>>,
    /// Response protocol token as sent.
    pub response_protocol: Vec<u8>,
    /// The response protocol as understood.
    pub response_version: HttpVersion,
    /// Status line without its line end.
    pub response_line: Vec<u8>,
    /// Response headers (and trailers), merged as `request_headers`.
    pub response_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Response header bytes as received.
    pub response_headers_raw: Vec<u8>,
    /// Response body, dechunked and decompressed, at most
    /// `response_body_limit` bytes (`file_data`).
    pub response_body: Vec<u8>,
    /// Response body bytes seen on the wire (dechunked, still compressed).
    pub response_body_len: u64,
    /// The decoded response body was longer than the limit (or a
    /// decompression bomb was cut).
    pub response_body_truncated: bool,
    /// The response's buffers are final (the Response event was sent).
    pub response_complete: bool,
    /// Bytes of the response were missing (TCP gap).
    pub response_gap: bool,

    /// The half the last event reported: what [`TxBuffers::visit`] shows
    /// for buffers that exist in both directions (`http.header`, ...).
    pub direction: Direction,

    pub(crate) req_header_buf: Vec<u8>,
    pub(crate) req_start_buf: Vec<u8>,
    pub(crate) res_header_buf: Vec<u8>,
    pub(crate) res_start_buf: Vec<u8>,
    pub(crate) req_names_buf: Vec<u8>,
    pub(crate) res_names_buf: Vec<u8>,
    /// `Name: value` of each request header, back to back; the ends of
    /// the values in `req_lines_ends` (`http.request_header`).
    pub(crate) req_lines_buf: Vec<u8>,
    pub(crate) req_lines_ends: Vec<usize>,
    pub(crate) res_lines_buf: Vec<u8>,
    pub(crate) res_lines_ends: Vec<usize>,
}

impl HttpTx {
    pub(crate) fn new(id: u64) -> Self {
        Self {
            id,
            method: Vec::new(),
            uri_raw: Vec::new(),
            uri_normalized: Vec::new(),
            protocol: Vec::new(),
            request_version: HttpVersion::Invalid,
            request_line: Vec::new(),
            request_headers: Vec::new(),
            request_headers_raw: Vec::new(),
            host: None,
            host_raw: None,
            request_body: Vec::new(),
            request_body_len: 0,
            request_body_truncated: false,
            basic_auth_user: None,
            request_complete: false,
            request_gap: false,
            request_seen: false,
            status: None,
            status_code: Vec::new(),
            status_msg: None,
            response_protocol: Vec::new(),
            response_version: HttpVersion::Invalid,
            response_line: Vec::new(),
            response_headers: Vec::new(),
            response_headers_raw: Vec::new(),
            response_body: Vec::new(),
            response_body_len: 0,
            response_body_truncated: false,
            response_complete: false,
            response_gap: false,
            direction: Direction::ToServer,
            req_header_buf: Vec::new(),
            req_start_buf: Vec::new(),
            res_header_buf: Vec::new(),
            res_start_buf: Vec::new(),
            req_names_buf: Vec::new(),
            res_names_buf: Vec::new(),
            req_lines_buf: Vec::new(),
            req_lines_ends: Vec::new(),
            res_lines_buf: Vec::new(),
            res_lines_ends: Vec::new(),
        }
    }

    /// A request header's (merged) value; the name is matched ignoring
    /// case and NUL bytes, as libhtp does.
    pub fn request_header(&self, name: &str) -> Option<&[u8]> {
        find(&self.request_headers, name)
    }

    /// A response header's (merged) value.
    pub fn response_header(&self, name: &str) -> Option<&[u8]> {
        find(&self.response_headers, name)
    }

    /// The buffers of one half, whatever `direction` says.
    pub fn buffers(&self, dir: Direction) -> HttpTxView<'_> {
        HttpTxView { tx: self, dir }
    }

    /// Builds `http.header` and `http.start` for the request.
    pub(crate) fn seal_request(&mut self) {
        self.req_header_buf = header_buffer(&self.request_headers, "cookie");
        self.req_start_buf = start_buffer(&self.request_line, &self.request_headers);
        self.req_names_buf = names_buffer(&self.request_headers);
        (self.req_lines_buf, self.req_lines_ends) = header_lines(&self.request_headers);
    }

    /// Builds `http.header` and `http.start` for the response.
    pub(crate) fn seal_response(&mut self) {
        self.res_header_buf = header_buffer(&self.response_headers, "set-cookie");
        self.res_start_buf = start_buffer(&self.response_line, &self.response_headers);
        self.res_names_buf = names_buffer(&self.response_headers);
        (self.res_lines_buf, self.res_lines_ends) = header_lines(&self.response_headers);
    }

    /// Bytes held by this transaction (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        let pairs = |v: &Vec<(Vec<u8>, Vec<u8>)>| {
            v.iter()
                .map(|(a, b)| a.capacity() + b.capacity() + 48)
                .sum::<usize>()
        };
        self.method.capacity()
            + self.uri_raw.capacity()
            + self.uri_normalized.capacity()
            + self.protocol.capacity()
            + self.request_line.capacity()
            + pairs(&self.request_headers)
            + self.request_headers_raw.capacity()
            + self.host.as_ref().map_or(0, Vec::capacity)
            + self.host_raw.as_ref().map_or(0, Vec::capacity)
            + self.request_body.capacity()
            + self.status_code.capacity()
            + self.status_msg.as_ref().map_or(0, Vec::capacity)
            + self.response_protocol.capacity()
            + self.response_line.capacity()
            + pairs(&self.response_headers)
            + self.response_headers_raw.capacity()
            + self.response_body.capacity()
            + self.req_header_buf.capacity()
            + self.req_start_buf.capacity()
            + self.res_header_buf.capacity()
            + self.res_start_buf.capacity()
            + self.req_names_buf.capacity()
            + self.res_names_buf.capacity()
            + self.req_lines_buf.capacity()
            + self.res_lines_buf.capacity()
            + (self.req_lines_ends.capacity() + self.res_lines_ends.capacity())
                * std::mem::size_of::<usize>()
    }
}

fn non_empty(b: &[u8]) -> Option<&[u8]> {
    (!b.is_empty()).then_some(b)
}

fn find<'a>(headers: &'a [(Vec<u8>, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|(n, _)| eq_nocase_nozero(n, name.as_bytes()))
        .map(|(_, v)| v.as_slice())
}

fn header_buffer(headers: &[(Vec<u8>, Vec<u8>)], skip: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, v) in headers {
        if n.eq_ignore_ascii_case(skip.as_bytes()) {
            continue;
        }
        out.extend_from_slice(n);
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `http.header_names` as Suricata builds it: `\r\n`, each name and
/// `\r\n`, and a final `\r\n`; empty without headers.
fn names_buffer(headers: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    if headers.is_empty() {
        return Vec::new();
    }
    let mut out = b"\r\n".to_vec();
    for (n, _) in headers {
        out.extend_from_slice(n);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Each header as `Name: value`, back to back, with the end of each.
fn header_lines(headers: &[(Vec<u8>, Vec<u8>)]) -> (Vec<u8>, Vec<usize>) {
    let mut buf = Vec::new();
    let mut ends = Vec::with_capacity(headers.len());
    for (n, v) in headers {
        buf.extend_from_slice(n);
        buf.extend_from_slice(b": ");
        buf.extend_from_slice(v);
        ends.push(buf.len());
    }
    (buf, ends)
}

/// Calls `f` with each line of a [`header_lines`] pair.
fn each_line(buf: &[u8], ends: &[usize], f: &mut dyn FnMut(&[u8])) {
    let mut start = 0;
    for &end in ends {
        if let Some(line) = buf.get(start..end) {
            f(line);
        }
        start = end;
    }
}

fn start_buffer(line: &[u8], headers: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = line.to_vec();
    out.extend_from_slice(b"\r\n");
    for (n, v) in headers {
        out.extend_from_slice(n);
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The buffers of one half of a transaction.
#[derive(Copy, Clone, Debug)]
pub struct HttpTxView<'a> {
    tx: &'a HttpTx,
    dir: Direction,
}

impl TxBuffers for HttpTxView<'_> {
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        let tx = self.tx;
        let req = tx.request_complete && tx.request_seen;
        let res = tx.response_complete;
        // Buffers that exist on both sides follow `dir`.
        let (side_ok, side_headers, side_hbuf, side_raw, side_start, side_proto, cookie) =
            match self.dir {
                Direction::ToServer => (
                    req,
                    &tx.request_headers,
                    &tx.req_header_buf,
                    &tx.request_headers_raw,
                    &tx.req_start_buf,
                    &tx.protocol,
                    "cookie",
                ),
                Direction::ToClient => (
                    res,
                    &tx.response_headers,
                    &tx.res_header_buf,
                    &tx.response_headers_raw,
                    &tx.res_start_buf,
                    &tx.response_protocol,
                    "set-cookie",
                ),
            };
        let side_names = match self.dir {
            Direction::ToServer => &tx.req_names_buf,
            Direction::ToClient => &tx.res_names_buf,
        };
        match id {
            BufferId::HttpRequestHeader if req => {
                return each_line(&tx.req_lines_buf, &tx.req_lines_ends, f);
            }
            BufferId::HttpResponseHeader if res => {
                return each_line(&tx.res_lines_buf, &tx.res_lines_ends, f);
            }
            _ => {}
        }
        let mut some = |b: Option<&[u8]>| {
            if let Some(b) = b {
                f(b);
            }
        };
        match id {
            BufferId::HttpUri if req => some(Some(&tx.uri_normalized)),
            BufferId::HttpUriRaw if req => some(non_empty(&tx.uri_raw)),
            BufferId::HttpMethod if req => some(non_empty(&tx.method)),
            BufferId::HttpRequestLine if req => some(Some(&tx.request_line)),
            BufferId::HttpHost if req => some(tx.host.as_deref()),
            BufferId::HttpHostRaw if req => some(tx.host_raw.as_deref()),
            BufferId::HttpUserAgent if req => some(tx.request_header("user-agent")),
            BufferId::HttpReferer if req => some(tx.request_header("referer")),
            BufferId::HttpAccept if req => some(tx.request_header("accept")),
            BufferId::HttpConnection if req => some(tx.request_header("connection")),
            BufferId::HttpRequestBody if req => some(non_empty(&tx.request_body)),
            BufferId::HttpStatCode if res => some(non_empty(&tx.status_code)),
            BufferId::HttpStatMsg if res => some(tx.status_msg.as_deref()),
            BufferId::HttpResponseLine if res => some(Some(&tx.response_line)),
            BufferId::HttpResponseBody if res => some(non_empty(&tx.response_body)),
            BufferId::HttpServer if res => some(tx.response_header("server")),
            BufferId::HttpLocation if res => some(tx.response_header("location")),
            BufferId::HttpHeader if side_ok => some(non_empty(side_hbuf)),
            BufferId::HttpHeaderRaw if side_ok => some(non_empty(side_raw)),
            BufferId::HttpStart if side_ok => some(Some(side_start)),
            BufferId::HttpProtocol if side_ok => some(non_empty(side_proto)),
            BufferId::HttpCookie if side_ok => some(find(side_headers, cookie)),
            BufferId::HttpContentType if side_ok => some(find(side_headers, "content-type")),
            BufferId::HttpContentLen if side_ok => some(find(side_headers, "content-length")),
            BufferId::HttpHeaderNames if side_ok => some(non_empty(side_names)),
            _ => {}
        }
    }
}

impl TxBuffers for HttpTx {
    /// Visits the buffers of the half named by [`HttpTx::direction`] for
    /// buffers present in both directions; request-only and response-only
    /// buffers are visited whenever that half is complete.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        self.buffers(self.direction).visit(id, f);
    }
}
