//! HTTP/1.x: protocol detection, an incremental parser per flow, and the
//! detection buffers of each transaction.
//!
//! Why it looks the way it does: rules are written against Suricata's
//! buffers, and Suricata sees HTTP through libhtp, which accepts what
//! browsers accept. A response that a browser renders but a strict parser
//! rejects is an evasion (see the http-evader cases of suricata-verify), so
//! [`HttpParser`] reproduces libhtp's leniency: lone CR line ends and odd
//! folding in response headers, `chunked` found anywhere in
//! `Transfer-Encoding`, chunk sizes with junk after the digits, a chunked
//! body that is not chunked after all, any number and order of gzip/deflate
//! layers (raw or zlib, broken gzip headers and trailers, mislabelled plain
//! text), bytes after a body that are not a new status line, junk before a
//! status line, `100 Continue` and bodies on 1xx/204/304 when a length is
//! given. Where libhtp's answer depends on how the stream was cut into
//! packets we wait for the bytes that decide, so the result does not.
//!
//! Layout: [`parser`] has the pure parsing functions, `state` the per-flow
//! automaton, `decompress` the content decoders, [`uri`] URI
//! normalisation, [`tx`] the transaction and its buffers.
//!
//! Where we differ from libhtp on purpose:
//! - an invalid response `Content-Length` reads the body to the end of the
//!   connection (libhtp stops parsing the response stream);
//! - a TCP gap does not end parsing: bodies of known length skip it, else
//!   parsing resumes at the next line that starts a message;
//! - a header block longer than `max_header_bytes` puts the direction in
//!   the failed state (libhtp: field limit, stream error);
//! - up to `max_encoding_layers` (4) content codings are undone (libhtp 2);
//! - `multipart/byteranges` responses without a length are read to close.

mod decompress;
pub mod login;
pub mod parser;
mod state;
pub mod tx;
pub mod uri;

#[cfg(test)]
mod evader_fixtures;
#[cfg(test)]
mod tests;

use thiserror::Error;

use crate::flow::Direction;

pub use parser::{Coding, HttpVersion};
pub use state::HttpParser;
pub use tx::{HttpTx, HttpTxView};

/// Limits of the HTTP parser. Every resource an attacker controls is
/// bounded here; the defaults follow Suricata's libhtp defaults where one
/// exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// Request body bytes kept per transaction (`http.request_body`).
    /// Suricata's `request-body-limit`, 100 KiB.
    pub request_body_limit: usize,
    /// Decoded response body bytes kept per transaction (`file_data`);
    /// decompression stops there too. Suricata's `response-body-limit`.
    pub response_body_limit: usize,
    /// Longest start line, header block or chunk-size line buffered while
    /// incomplete; beyond it the direction is given up. 64 KiB.
    pub max_header_bytes: usize,
    /// Transactions held with full buffers (pipelined requests waiting for
    /// responses). Beyond it requests are still parsed and reported but
    /// not kept in full; beyond 16 times it the flow is given up. 64.
    pub max_txs_in_flight: usize,
    /// Content codings undone per body (`gzip, deflate, gzip` is 3). 4.
    pub max_encoding_layers: usize,
    /// Bytes one decompression layer may produce (bombs that inflate an
    /// intermediate layer the final body limit cannot see). 1 MiB.
    pub decompress_layer_cap: usize,
    /// Header fields kept per message (libhtp: 1024). 512.
    pub max_header_fields: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            request_body_limit: 100 * 1024,
            response_body_limit: 100 * 1024,
            max_header_bytes: 64 * 1024,
            max_txs_in_flight: 64,
            max_encoding_layers: 4,
            decompress_layer_cap: 1024 * 1024,
            max_header_fields: 512,
        }
    }
}

/// A configuration value that cannot work.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HttpConfigError {
    /// A limit is zero.
    #[error("http: `{0}` must be greater than 0")]
    Zero(&'static str),
}

impl HttpConfig {
    /// Checks that every limit is usable.
    pub fn validate(&self) -> Result<(), HttpConfigError> {
        for (name, v) in [
            ("max_header_bytes", self.max_header_bytes),
            ("max_txs_in_flight", self.max_txs_in_flight),
            ("max_header_fields", self.max_header_fields),
            ("decompress_layer_cap", self.decompress_layer_cap),
        ] {
            if v == 0 {
                return Err(HttpConfigError::Zero(name));
            }
        }
        Ok(())
    }
}

/// What the parser reports.
#[derive(Debug)]
pub enum HttpEvent<'a> {
    /// The request half of `tx` is complete: headers, and the body up to
    /// `request_body_limit` (sent when the body ends or the limit is hit,
    /// whichever is first; once per transaction).
    Request(&'a HttpTx),
    /// The response half of `tx` is complete (same rule, decoded body).
    Response(&'a HttpTx),
    /// Something malformed or evasive was seen (for logging and anomaly
    /// detection): a short reason. At most 64 per flow are sent.
    Anomaly(&'static str),
}

pub use crate::app::Probe;

/// Leading bytes (CR, LF, SP, HT, NUL) [`probe`] skips before deciding.
const PROBE_MAX_LEADING: usize = 16;

/// Protocol detection on the first bytes of a direction: a request starts
/// with a known method (RFC 9110, PATCH, WebDAV) and a space or tab; a
/// response with `HTTP/1.` or `HTTP/0.9` (any case). A few leading blank
/// or NUL bytes are allowed, as servers and libhtp allow them.
pub fn probe(dir: Direction, data: &[u8]) -> Probe {
    let lead = data
        .iter()
        .take(PROBE_MAX_LEADING + 1)
        .take_while(|&&c| matches!(c, b'\r' | b'\n' | b' ' | b'\t' | 0))
        .count();
    if lead > PROBE_MAX_LEADING {
        return Probe::No;
    }
    let b = &data[lead..];
    if b.is_empty() {
        return Probe::NeedMore;
    }
    match dir {
        Direction::ToServer => match b.iter().position(|&c| c == b' ' || c == b'\t') {
            Some(p) => {
                if parser::is_known_method(&b[..p]) {
                    Probe::Yes
                } else {
                    Probe::No
                }
            }
            None => {
                if parser::KNOWN_METHODS.iter().any(|m| m.starts_with(b)) {
                    Probe::NeedMore
                } else {
                    Probe::No
                }
            }
        },
        Direction::ToClient => {
            let n = b.len().min(8);
            let ok = [&b"http/1."[..], &b"http/0.9"[..]]
                .iter()
                .any(|p| b[..n.min(p.len())].eq_ignore_ascii_case(&p[..n.min(p.len())]));
            if !ok {
                Probe::No
            } else if n >= 7
                && (parser::starts_with_nocase(b, b"http/1.")
                    || (n >= 8 && parser::starts_with_nocase(b, b"http/0.9")))
            {
                Probe::Yes
            } else {
                Probe::NeedMore
            }
        }
    }
}
