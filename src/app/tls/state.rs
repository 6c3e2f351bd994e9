//! The TLS record layer per direction over in-order stream data: records
//! spanning segments, handshake messages spanning records (RFC 8446 §5.1
//! allows both), and the switch to encrypted records. Only handshake bytes are
//! ever buffered, at most one message of [`MAX_HANDSHAKE`] per direction.

use std::mem;

use crate::flow::Direction;

use super::TlsTx;
use super::parser::{
    ClientHello, ServerCertificate, ServerHello, TlsError, content_type, handshake_type,
};

/// Largest handshake message reassembled. A ClientHello is a few hundred
/// bytes, a certificate chain a few KiB; larger messages are skipped (and
/// reported) so a peer cannot make the sensor buffer megabytes per flow.
pub const MAX_HANDSHAKE: usize = 64 * 1024;

/// Largest record: 2^14 bytes of plaintext plus 2048 of expansion (RFC 5246
/// §6.2.3; TLS 1.3 allows 2^14 + 256). Anything longer is not TLS.
pub const MAX_RECORD: usize = (1 << 14) + 2048;

/// Something odd in a direction's stream; parsing of that direction stops
/// where noted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsAnomaly {
    /// A record header with an unknown content type or version: not TLS (or
    /// lost framing). Parsing of the direction stops.
    BadRecordHeader {
        /// The 5 header bytes.
        header: [u8; 5],
    },
    /// A record longer than [`MAX_RECORD`]. Parsing of the direction stops.
    RecordTooLong {
        /// Its declared length.
        len: usize,
    },
    /// A handshake message longer than [`MAX_HANDSHAKE`]: skipped.
    HandshakeTooLong {
        /// Message type.
        msg_type: u8,
        /// Declared length.
        len: usize,
    },
    /// A handshake message that did not decode.
    Malformed(TlsError),
}

/// What the parser reports to its sink, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsEvent<'a> {
    /// A ClientHello (the first one is also kept in [`TlsTx`]).
    ClientHello(&'a ClientHello),
    /// A ServerHello (or HelloRetryRequest; the last one is kept in [`TlsTx`]).
    ServerHello(&'a ServerHello),
    /// The server's certificate (TLS ≤ 1.2, where it is sent in clear).
    Certificate(&'a ServerCertificate),
    /// An alert sent in clear.
    Alert {
        /// Sender.
        dir: Direction,
        /// 1 warning, 2 fatal.
        level: u8,
        /// AlertDescription (RFC 8446 §6).
        description: u8,
    },
    /// From here on, `dir`'s records are encrypted (ChangeCipherSpec in
    /// TLS ≤ 1.2; a TLS 1.3 ServerHello for both directions).
    EncryptionStarted(Direction),
    /// See [`TlsAnomaly`].
    Anomaly(Direction, TlsAnomaly),
}

/// Per-direction counters.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsDirStats {
    /// Records seen (headers parsed).
    pub records: u64,
    /// Handshake messages decoded in clear.
    pub handshake_messages: u64,
    /// application_data records.
    pub app_data_records: u64,
    /// application_data bytes (record bodies).
    pub app_data_bytes: u64,
    /// Heartbeat records (RFC 6520; CVE-2014-0160 requests are heartbeats).
    pub heartbeat_records: u64,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Handshake records are in clear.
    #[default]
    Clear,
    /// Record bodies are encrypted; only headers are read.
    Encrypted,
    /// Not parsed any more (gap, not TLS).
    Stopped,
}

#[derive(Debug, Default)]
struct Side {
    phase: Phase,
    /// Partial record header.
    hdr: [u8; 5],
    hdr_len: usize,
    /// Content type and unread body bytes of the current record (0: expecting
    /// a header).
    record_type: u8,
    remaining: usize,
    /// Partial handshake message (header included), < 4 + MAX_HANDSHAKE bytes.
    hs: Vec<u8>,
    /// Body bytes of an over-long handshake message still to skip.
    hs_skip: usize,
    /// Gaps reported.
    gaps: u64,
    /// Partial clear alert.
    alert: [u8; 2],
    alert_len: usize,
    stats: TlsDirStats,
}

/// Per-flow TLS parser: feed it each direction's in-order stream data with
/// [`parse`](Self::parse) and holes with [`gap`](Self::gap); read what it
/// learned from [`tx`](Self::tx).
#[derive(Debug, Default)]
pub struct TlsParser {
    sides: [Side; 2],
    tx: TlsTx,
}

/// What a handshake message asks the caller to do afterwards.
enum After {
    Nothing,
    /// A TLS 1.3 ServerHello: both directions are encrypted from here.
    Tls13,
}

impl TlsParser {
    /// A parser at the start of a connection.
    pub fn new() -> TlsParser {
        TlsParser::default()
    }

    /// What was learned so far.
    pub fn tx(&self) -> &TlsTx {
        &self.tx
    }

    /// Counters of `dir`.
    pub fn stats(&self, dir: Direction) -> TlsDirStats {
        self.sides[dir.index()].stats
    }

    /// True once `dir`'s records are encrypted.
    pub fn is_encrypted(&self, dir: Direction) -> bool {
        self.sides[dir.index()].phase == Phase::Encrypted
    }

    /// True when `dir` is no longer parsed (gap or not TLS).
    pub fn is_stopped(&self, dir: Direction) -> bool {
        self.sides[dir.index()].phase == Phase::Stopped
    }

    /// Bytes buffered for `dir` (a partial handshake message).
    pub fn buffered(&self, dir: Direction) -> usize {
        self.sides[dir.index()].hs.len()
    }

    /// Bytes of `dir` were lost: framing is gone, so stop parsing `dir`
    /// (what was learned stays in [`tx`](Self::tx)).
    pub fn gap(&mut self, dir: Direction) {
        let side = &mut self.sides[dir.index()];
        side.phase = Phase::Stopped;
        side.hs = Vec::new();
        side.gaps += 1;
    }

    /// Gaps reported for `dir`.
    pub fn gaps(&self, dir: Direction) -> u64 {
        self.sides[dir.index()].gaps
    }

    /// Consumes in-order stream bytes of `dir`, reporting what they contain.
    pub fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn FnMut(TlsEvent<'_>)) {
        let i = dir.index();
        let mut input = data;
        while !input.is_empty() {
            let side = &mut self.sides[i];
            if side.phase == Phase::Stopped {
                return;
            }
            if side.remaining == 0 {
                // A record header, possibly split.
                let take = (5 - side.hdr_len).min(input.len());
                side.hdr[side.hdr_len..side.hdr_len + take].copy_from_slice(&input[..take]);
                side.hdr_len += take;
                input = &input[take..];
                if side.hdr_len < 5 {
                    return;
                }
                side.hdr_len = 0;
                let h = side.hdr;
                let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
                // SSL 3.0 to TLS 1.3 all write major version 3 (the minor is
                // 0-4); content types 20-24.
                if !(content_type::CHANGE_CIPHER_SPEC..=content_type::HEARTBEAT).contains(&h[0])
                    || h[1] != 3
                    || h[2] > 4
                {
                    side.phase = Phase::Stopped;
                    sink(TlsEvent::Anomaly(
                        dir,
                        TlsAnomaly::BadRecordHeader { header: h },
                    ));
                    return;
                }
                if len > MAX_RECORD {
                    side.phase = Phase::Stopped;
                    sink(TlsEvent::Anomaly(dir, TlsAnomaly::RecordTooLong { len }));
                    return;
                }
                side.stats.records += 1;
                side.record_type = h[0];
                side.remaining = len;
                side.alert_len = 0;
                match h[0] {
                    content_type::APPLICATION_DATA => side.stats.app_data_records += 1,
                    content_type::HEARTBEAT => side.stats.heartbeat_records += 1,
                    _ => {}
                }
                continue;
            }
            let n = side.remaining.min(input.len());
            let (chunk, rest) = input.split_at(n);
            input = rest;
            side.remaining -= n;
            let record_done = side.remaining == 0;
            match (side.record_type, side.phase) {
                (content_type::HANDSHAKE, Phase::Clear) => self.handshake_bytes(dir, chunk, sink),
                (content_type::ALERT, Phase::Clear) => {
                    for &b in chunk {
                        if side.alert_len < 2 {
                            side.alert[side.alert_len] = b;
                            side.alert_len += 1;
                            if side.alert_len == 2 {
                                sink(TlsEvent::Alert {
                                    dir,
                                    level: side.alert[0],
                                    description: side.alert[1],
                                });
                            }
                        }
                    }
                }
                // ChangeCipherSpec starts encryption only in TLS <= 1.2. In
                // TLS 1.3 it is a dummy for middleboxes (RFC 8446 Appendix
                // D.4), sent even before a HelloRetryRequest's second
                // ClientHello; there the ServerHello switches both directions.
                (content_type::CHANGE_CIPHER_SPEC, Phase::Clear)
                    if record_done && self.tx.ccs_starts_encryption() =>
                {
                    side.phase = Phase::Encrypted;
                    side.hs = Vec::new();
                    sink(TlsEvent::EncryptionStarted(dir));
                }
                (content_type::APPLICATION_DATA, _) => side.stats.app_data_bytes += n as u64,
                _ => {}
            }
        }
    }

    /// Handshake record bytes of `dir` in clear: reassembles messages.
    fn handshake_bytes(
        &mut self,
        dir: Direction,
        mut chunk: &[u8],
        sink: &mut dyn FnMut(TlsEvent<'_>),
    ) {
        let i = dir.index();
        while !chunk.is_empty() {
            let side = &mut self.sides[i];
            // A message before this one may have switched to encrypted.
            if side.phase != Phase::Clear {
                return;
            }
            if side.hs_skip > 0 {
                let n = side.hs_skip.min(chunk.len());
                side.hs_skip -= n;
                chunk = &chunk[n..];
                continue;
            }
            if side.hs.is_empty() {
                if let Some((ty, len)) = hs_header(chunk) {
                    if len > MAX_HANDSHAKE {
                        side.hs_skip = len;
                        chunk = &chunk[4..];
                        sink(TlsEvent::Anomaly(
                            dir,
                            TlsAnomaly::HandshakeTooLong { msg_type: ty, len },
                        ));
                        continue;
                    }
                    if let Some(body) = chunk.get(4..4 + len) {
                        // Whole message in this chunk: decode in place.
                        chunk = &chunk[4 + len..];
                        self.handshake_message(dir, ty, body, sink);
                        continue;
                    }
                    side.hs.reserve_exact(4 + len);
                }
                side.hs.extend_from_slice(chunk);
                return;
            }
            let need = match hs_header(&side.hs) {
                Some((_, len)) => 4 + len,
                None => 4,
            };
            let take = (need - side.hs.len()).min(chunk.len());
            side.hs.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            let Some((ty, len)) = hs_header(&side.hs) else {
                continue;
            };
            if len > MAX_HANDSHAKE {
                side.hs.clear();
                side.hs_skip = len;
                sink(TlsEvent::Anomaly(
                    dir,
                    TlsAnomaly::HandshakeTooLong { msg_type: ty, len },
                ));
                continue;
            }
            if side.hs.len() == 4 + len {
                let mut msg = mem::take(&mut side.hs);
                self.handshake_message(dir, ty, &msg[4..], sink);
                msg.clear();
                let side = &mut self.sides[i];
                if side.phase == Phase::Clear && side.hs.is_empty() {
                    side.hs = msg; // keep the capacity
                }
            }
        }
    }

    /// One complete handshake message in clear.
    fn handshake_message(
        &mut self,
        dir: Direction,
        ty: u8,
        body: &[u8],
        sink: &mut dyn FnMut(TlsEvent<'_>),
    ) {
        self.sides[dir.index()].stats.handshake_messages += 1;
        let after = match (ty, dir) {
            (handshake_type::CLIENT_HELLO, Direction::ToServer) => match ClientHello::parse(body) {
                Ok(h) => {
                    sink(TlsEvent::ClientHello(&h));
                    if self.tx.client_hello.is_none() {
                        self.tx.client_hello = Some(h);
                    }
                    After::Nothing
                }
                Err(e) => {
                    sink(TlsEvent::Anomaly(dir, TlsAnomaly::Malformed(e)));
                    After::Nothing
                }
            },
            (handshake_type::SERVER_HELLO, Direction::ToClient) => match ServerHello::parse(body) {
                Ok(h) => {
                    sink(TlsEvent::ServerHello(&h));
                    let tls13 = !h.hello_retry_request && h.negotiated_version() >= 0x0304;
                    self.tx.hello_retry_request |= h.hello_retry_request;
                    self.tx.server_hello = Some(h);
                    if tls13 { After::Tls13 } else { After::Nothing }
                }
                Err(e) => {
                    sink(TlsEvent::Anomaly(dir, TlsAnomaly::Malformed(e)));
                    After::Nothing
                }
            },
            (handshake_type::CERTIFICATE, Direction::ToClient) => {
                match ServerCertificate::parse(body) {
                    Ok(Some(c)) => {
                        sink(TlsEvent::Certificate(&c));
                        if self.tx.server_certificate.is_none() {
                            self.tx.server_certificate = Some(c);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => sink(TlsEvent::Anomaly(dir, TlsAnomaly::Malformed(e))),
                }
                After::Nothing
            }
            _ => After::Nothing,
        };
        if let After::Tls13 = after {
            // RFC 8446 §2: everything after the ServerHello is encrypted, in
            // both directions (a client's ChangeCipherSpec is only for
            // middlebox compatibility).
            for d in Direction::BOTH {
                let side = &mut self.sides[d.index()];
                if side.phase == Phase::Clear {
                    side.phase = Phase::Encrypted;
                    side.hs = Vec::new();
                    side.hs_skip = 0;
                    sink(TlsEvent::EncryptionStarted(d));
                }
            }
        }
    }
}

/// Type and length of a handshake header at the start of `b`.
fn hs_header(b: &[u8]) -> Option<(u8, usize)> {
    match b {
        [ty, a, b, c, ..] => Some((
            *ty,
            usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c),
        )),
        _ => None,
    }
}
