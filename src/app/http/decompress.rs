//! Undoing `Content-Encoding` the way browsers (and libhtp) do: leniently.
//!
//! A body may carry several codings (`gzip, deflate`, or the same header
//! twice): one [`Layer`] per coding, the last coding listed first on the
//! wire. Each layer tolerates what browsers tolerate (http-evader, "gzip"
//! and "deflate" families):
//!
//! - gzip headers are parsed by hand: reserved flag bits, a bad header CRC,
//!   a missing or wrong trailer CRC/ISIZE do not matter; only the deflate
//!   data does. Data after the end of the first member is ignored.
//! - `deflate` may be zlib-wrapped or raw; the first bytes decide, and a
//!   failing format is retried as the others (gzip, raw, zlib), as libhtp's
//!   restart logic does.
//! - A layer that cannot decode its input at all (a `gzip` label on plain
//!   text, a second `gzip` header over a single compressed body) passes its
//!   input through unchanged.
//!
//! Output of a layer is held back until the format is confirmed (stream end,
//! the end of the body, or 4 KiB of input without error), so a wrong guess
//! never leaks garbage downstream. Every layer's total output is capped
//! (decompression bombs), and the caller caps the final body.

use flate2::{Decompress, FlushDecompress, Status};

use super::parser::Coding;

/// Input a layer keeps for a retry until its format is confirmed.
const CONFIRM_INPUT: usize = 4096;
/// Output that confirms a format too (a wrong guess fails long before).
const CONFIRM_OUTPUT: usize = 64 * 1024;
/// Bound on gzip header fields (file name, comment) we skip.
const MAX_GZIP_HEADER: usize = 64 * 1024;
/// Inflate output is produced in pieces of this size.
const PIECE: usize = 8 * 1024;

/// The container format a layer is trying.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Format {
    /// gzip member: hand-parsed header, then raw deflate.
    Gzip,
    /// zlib (RFC 1950) around deflate.
    Zlib,
    /// Raw deflate (RFC 1951).
    Raw,
}

/// Progress through a gzip header (RFC 1952 section 2.3).
#[derive(Debug)]
struct GzipHeader {
    /// Bytes of the fixed 10-byte part seen.
    fixed: [u8; 10],
    /// How many of `fixed` are filled.
    fixed_len: usize,
    /// Remaining bytes of FEXTRA (after XLEN), or bytes of XLEN still needed.
    extra_len: Option<usize>,
    /// XLEN bytes read so far.
    xlen_bytes: Vec<u8>,
    /// Header bytes consumed in total (bounded).
    total: usize,
    /// Which optional parts remain: FEXTRA, FNAME, FCOMMENT, FHCRC.
    stage: u8,
    /// Bytes of FHCRC consumed.
    crc_done: usize,
}

impl GzipHeader {
    fn new() -> Self {
        Self {
            fixed: [0; 10],
            fixed_len: 0,
            extra_len: None,
            xlen_bytes: Vec::new(),
            total: 0,
            stage: 0,
            crc_done: 0,
        }
    }

    /// Consumes header bytes from `b`. Ok(Some(n)): header done after `n`
    /// bytes; Ok(None): all of `b` was header; Err: not a gzip header.
    fn feed(&mut self, b: &[u8]) -> Result<Option<usize>, ()> {
        let mut i = 0;
        while self.fixed_len < 10 {
            let Some(&c) = b.get(i) else {
                return Ok(None);
            };
            let ok = match self.fixed_len {
                0 => c == 0x1f,
                1 => c == 0x8b,
                2 => c == 8,
                _ => true,
            };
            if !ok {
                return Err(());
            }
            self.fixed[self.fixed_len] = c;
            self.fixed_len += 1;
            i += 1;
        }
        let flags = self.fixed[3];
        loop {
            if self.total + i > MAX_GZIP_HEADER {
                return Err(());
            }
            match self.stage {
                // FEXTRA
                0 => {
                    if flags & 0x04 == 0 {
                        self.stage = 1;
                        continue;
                    }
                    if self.extra_len.is_none() {
                        while self.xlen_bytes.len() < 2 {
                            let Some(&c) = b.get(i) else {
                                self.total += i;
                                return Ok(None);
                            };
                            self.xlen_bytes.push(c);
                            i += 1;
                        }
                        self.extra_len = Some(usize::from(u16::from_le_bytes([
                            self.xlen_bytes[0],
                            self.xlen_bytes[1],
                        ])));
                    }
                    let left = self.extra_len.unwrap_or(0);
                    let take = left.min(b.len() - i);
                    i += take;
                    self.extra_len = Some(left - take);
                    if left - take > 0 {
                        self.total += i;
                        return Ok(None);
                    }
                    self.stage = 1;
                }
                // FNAME, FCOMMENT: zero-terminated
                1 | 2 => {
                    let bit = if self.stage == 1 { 0x08 } else { 0x10 };
                    if flags & bit != 0 {
                        match memchr::memchr(0, &b[i..]) {
                            Some(p) => i += p + 1,
                            None => {
                                self.total += b.len();
                                return Ok(None);
                            }
                        }
                    }
                    self.stage += 1;
                }
                // FHCRC: skipped, never checked
                3 => {
                    if flags & 0x02 != 0 {
                        let take = (2 - self.crc_done).min(b.len() - i);
                        i += take;
                        self.crc_done += take;
                        if self.crc_done < 2 {
                            self.total += i;
                            return Ok(None);
                        }
                    }
                    self.stage = 4;
                }
                _ => return Ok(Some(i)),
            }
        }
    }
}

/// What a layer is doing.
enum Mode {
    /// Waiting for two bytes to guess the format.
    Sniff,
    /// Reading a gzip header, then inflating.
    GzipHeader(Box<GzipHeader>),
    /// Inflating.
    Inflate(Box<Decompress>),
    /// Not compressed after all: input goes out unchanged.
    Passthrough,
    /// Finished (stream end, error after confirmed output, or bomb cap).
    Done,
}

/// Error inside a layer's decoder.
struct Broken;

/// One content coding to undo.
pub(crate) struct Layer {
    mode: Mode,
    format: Format,
    /// Formats tried so far.
    tried: Vec<Format>,
    /// Input kept for a retry while unconfirmed.
    seen: Vec<u8>,
    /// Output held back while unconfirmed.
    held: Vec<u8>,
    /// The format is confirmed: output flows, no more retries.
    confirmed: bool,
    /// Total bytes this layer sent on.
    produced: u64,
    /// Cap on `produced`.
    cap: u64,
    /// The cap was hit.
    pub bomb: bool,
    /// Scratch output buffer for inflate.
    buf: Vec<u8>,
}

/// Where a layer's output goes.
type Emit<'a> = dyn FnMut(&[u8]) + 'a;

impl Layer {
    fn new(cap: u64) -> Self {
        Self {
            mode: Mode::Sniff,
            format: Format::Raw,
            tried: Vec::new(),
            seen: Vec::new(),
            held: Vec::new(),
            confirmed: false,
            produced: 0,
            cap,
            bomb: false,
            buf: Vec::new(),
        }
    }

    /// The format the first two bytes suggest.
    fn sniff(b: &[u8]) -> Format {
        match b {
            [0x1f, 0x8b, ..] => Format::Gzip,
            [cmf, flg, ..]
                if cmf & 0x0f == 8
                    && cmf >> 4 <= 7
                    && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0 =>
            {
                Format::Zlib
            }
            _ => Format::Raw,
        }
    }

    fn start(&mut self, f: Format) {
        self.format = f;
        self.tried.push(f);
        self.held.clear();
        self.produced = 0;
        self.mode = match f {
            Format::Gzip => Mode::GzipHeader(Box::new(GzipHeader::new())),
            Format::Zlib => Mode::Inflate(Box::new(Decompress::new(true))),
            Format::Raw => Mode::Inflate(Box::new(Decompress::new(false))),
        };
    }

    /// Sends `b` on (or holds it while unconfirmed), within the cap.
    fn out(&mut self, b: &[u8], emit: &mut Emit<'_>) {
        if b.is_empty() {
            return;
        }
        let room = self.cap.saturating_sub(self.produced);
        let n = usize::try_from(room).unwrap_or(usize::MAX).min(b.len());
        if self.confirmed {
            emit(&b[..n]);
        } else {
            self.held.extend_from_slice(&b[..n]);
        }
        self.produced += n as u64;
        if n < b.len() {
            self.bomb = true;
            self.mode = Mode::Done;
        }
    }

    fn confirm(&mut self, emit: &mut Emit<'_>) {
        if !self.confirmed {
            self.confirmed = true;
            let held = std::mem::take(&mut self.held);
            if !held.is_empty() {
                emit(&held);
            }
            self.seen = Vec::new();
        }
    }

    /// Runs the current decoder over `b`.
    fn decode(&mut self, mut b: &[u8], emit: &mut Emit<'_>) -> Result<(), Broken> {
        loop {
            match std::mem::replace(&mut self.mode, Mode::Done) {
                Mode::GzipHeader(mut h) => match h.feed(b) {
                    Ok(None) => {
                        self.mode = Mode::GzipHeader(h);
                        return Ok(());
                    }
                    Ok(Some(n)) => {
                        b = &b[n..];
                        self.mode = Mode::Inflate(Box::new(Decompress::new(false)));
                    }
                    Err(()) => {
                        self.mode = Mode::GzipHeader(h);
                        return Err(Broken);
                    }
                },
                Mode::Inflate(mut d) => {
                    let mut buf = std::mem::take(&mut self.buf);
                    buf.resize(PIECE, 0);
                    let r = self.inflate(&mut d, b, &mut buf, emit);
                    self.buf = buf;
                    match r {
                        Ok(true) => {
                            // Stream end: trailer and later members are ignored.
                            self.confirm(emit);
                        }
                        Ok(false) => {
                            if !self.bomb {
                                self.mode = Mode::Inflate(d);
                            }
                        }
                        Err(e) => {
                            self.mode = Mode::Inflate(d);
                            return Err(e);
                        }
                    }
                    return Ok(());
                }
                other => {
                    self.mode = other;
                    return Ok(());
                }
            }
        }
    }

    /// Inflates all of `b`; Ok(true) at the end of the deflate stream.
    fn inflate(
        &mut self,
        d: &mut Decompress,
        mut b: &[u8],
        buf: &mut [u8],
        emit: &mut Emit<'_>,
    ) -> Result<bool, Broken> {
        loop {
            let (in0, out0) = (d.total_in(), d.total_out());
            let st = d
                .decompress(b, buf, FlushDecompress::None)
                .map_err(|_| Broken)?;
            let used = usize::try_from(d.total_in() - in0).unwrap_or(b.len());
            let made = usize::try_from(d.total_out() - out0).unwrap_or(0);
            b = &b[used.min(b.len())..];
            self.out(&buf[..made.min(buf.len())], emit);
            if !self.confirmed && self.held.len() >= CONFIRM_OUTPUT {
                self.confirm(emit);
            }
            if st == Status::StreamEnd {
                return Ok(true);
            }
            if self.bomb || (used == 0 && made == 0) || (b.is_empty() && made < buf.len()) {
                return Ok(false);
            }
        }
    }

    /// Gives up on the current format: tries the next, finally passthrough.
    fn retry(&mut self, emit: &mut Emit<'_>) {
        let next = [Format::Gzip, Format::Raw, Format::Zlib]
            .into_iter()
            .find(|f| !self.tried.contains(f));
        match next {
            Some(f) => {
                self.start(f);
                let seen = std::mem::take(&mut self.seen);
                let r = self.decode(&seen, emit);
                if !self.confirmed {
                    self.seen = seen;
                }
                if r.is_err() {
                    self.retry(emit);
                }
            }
            None => {
                self.mode = Mode::Passthrough;
                self.confirmed = true;
                self.held.clear();
                let seen = std::mem::take(&mut self.seen);
                self.out(&seen, emit);
            }
        }
    }

    /// Feeds wire bytes of this layer.
    fn push(&mut self, b: &[u8], emit: &mut Emit<'_>) {
        match self.mode {
            Mode::Done => return,
            Mode::Passthrough => return self.out(b, emit),
            _ => {}
        }
        if !self.confirmed {
            self.seen.extend_from_slice(b);
        }
        if let Mode::Sniff = self.mode {
            if self.seen.len() < 2 {
                return;
            }
            let f = Self::sniff(&self.seen);
            self.start(f);
            let seen = std::mem::take(&mut self.seen);
            let r = self.decode(&seen, emit);
            if !self.confirmed {
                self.seen = seen;
            }
            if r.is_err() {
                self.fail(emit);
            }
            return;
        }
        if self.decode(b, emit).is_err() {
            self.fail(emit);
            return;
        }
        if !self.confirmed
            && (self.seen.len() >= CONFIRM_INPUT || self.held.len() >= CONFIRM_OUTPUT)
        {
            self.confirm(emit);
        }
    }

    /// The decoder failed on its input.
    fn fail(&mut self, emit: &mut Emit<'_>) {
        // A strong signature (gzip magic, zlib header) that decoded some
        // output is believed: keep what came out and stop, as libhtp does.
        // Raw deflate has no signature; its output is dropped and we retry.
        if self.confirmed || (!self.held.is_empty() && self.format != Format::Raw) {
            self.confirm(emit);
            self.mode = Mode::Done;
        } else {
            self.retry(emit);
        }
    }

    /// End of the body: release what was held.
    fn finish(&mut self, emit: &mut Emit<'_>) {
        if let Mode::Sniff = self.mode {
            // Too short to be compressed.
            self.mode = Mode::Passthrough;
            self.confirmed = true;
            let seen = std::mem::take(&mut self.seen);
            self.out(&seen, emit);
            return;
        }
        if !self.confirmed
            && self.format == Format::Raw
            && !matches!(self.mode, Mode::Done)
            && is_text(&self.seen)
        {
            // Raw deflate has no signature, and inflating ASCII text can run
            // without error (fixed Huffman blocks) while producing garbage.
            // Deflate output is never all printable: this was plain text.
            self.tried = vec![Format::Gzip, Format::Raw, Format::Zlib];
            self.retry(emit);
            return;
        }
        if !self.confirmed {
            if self.held.is_empty() && !matches!(self.mode, Mode::Done) {
                // Nothing decoded from what we saw: maybe it was not compressed.
                if let Mode::GzipHeader(_) = self.mode {
                    self.retry(emit);
                } else if !self.seen.is_empty() && self.format == Format::Raw {
                    self.retry(emit);
                }
            }
            self.confirm(emit);
        }
    }
}

/// Printable ASCII and whitespace only.
fn is_text(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter()
            .all(|&c| (0x20..0x7f).contains(&c) || matches!(c, b'\r' | b'\n' | b'\t'))
}

/// A chain of layers undoing a body's content codings.
pub(crate) struct Decoder {
    /// `layers[0]` sees the wire bytes.
    layers: Vec<Layer>,
}

impl Decoder {
    /// A decoder for `codings` as listed in `Content-Encoding` (applied in
    /// that order, so undone in reverse), at most `max_layers` of them (the
    /// first ones listed are kept: they are the innermost).
    /// Each layer may emit at most `layer_cap` bytes.
    pub(crate) fn new(codings: &[Coding], max_layers: usize, layer_cap: u64) -> Self {
        let n = codings.len().min(max_layers);
        let layers = codings[..n]
            .iter()
            .rev()
            .map(|_| Layer::new(layer_cap))
            .collect();
        Self { layers }
    }

    /// Whether a layer hit its output cap.
    pub(crate) fn bomb(&self) -> bool {
        self.layers.iter().any(|l| l.bomb)
    }

    /// Decodes `b`, appending to `out` while `out` is shorter than `limit`.
    pub(crate) fn push(&mut self, b: &[u8], out: &mut Vec<u8>, limit: usize) {
        feed(&mut self.layers, b, false, out, limit);
    }

    /// The body ended: flushes held output through the chain.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>, limit: usize) {
        feed(&mut self.layers, &[], true, out, limit);
    }
}

fn append_bounded(out: &mut Vec<u8>, b: &[u8], limit: usize) {
    let room = limit.saturating_sub(out.len());
    out.extend_from_slice(&b[..room.min(b.len())]);
}

/// Pushes `b` through `layers` (and finishes them in order when `fin`).
fn feed(layers: &mut [Layer], b: &[u8], fin: bool, out: &mut Vec<u8>, limit: usize) {
    let Some((first, rest)) = layers.split_first_mut() else {
        append_bounded(out, b, limit);
        return;
    };
    if out.len() >= limit {
        return;
    }
    {
        let mut emit = |chunk: &[u8]| {
            if out.len() < limit {
                feed(rest, chunk, false, out, limit);
            }
        };
        if !b.is_empty() {
            first.push(b, &mut emit);
        }
        if fin {
            first.finish(&mut emit);
        }
    }
    if fin {
        feed(rest, &[], true, out, limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use std::io::Write;

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(b).expect("compress");
        e.finish().expect("compress")
    }
    fn raw(b: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(b).expect("compress");
        e.finish().expect("compress")
    }
    fn zlib(b: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(b).expect("compress");
        e.finish().expect("compress")
    }

    fn decode(codings: &[Coding], body: &[u8], split: usize) -> Vec<u8> {
        let mut d = Decoder::new(codings, 4, 1 << 20);
        let mut out = Vec::new();
        let split = split.min(body.len());
        d.push(&body[..split], &mut out, 1 << 20);
        d.push(&body[split..], &mut out, 1 << 20);
        d.finish(&mut out, 1 << 20);
        out
    }

    const TEXT: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    #[test]
    fn single_codings_any_split() {
        for (c, body) in [
            (Coding::Gzip, gz(TEXT)),
            (Coding::Deflate, raw(TEXT)),
            (Coding::Deflate, zlib(TEXT)),
            (Coding::Gzip, raw(TEXT)),
            (Coding::Deflate, gz(TEXT)),
        ] {
            for split in 0..=body.len() {
                assert_eq!(decode(&[c], &body, split), TEXT, "{c:?} split {split}");
            }
        }
    }

    #[test]
    fn stacked_and_mislabelled() {
        use Coding::*;
        assert_eq!(decode(&[Gzip, Gzip], &gz(&gz(TEXT)), 7), TEXT);
        assert_eq!(decode(&[Gzip, Deflate], &raw(&gz(TEXT)), 7), TEXT);
        assert_eq!(
            decode(&[Gzip, Deflate, Gzip], &gz(&raw(&gz(TEXT))), 7),
            TEXT
        );
        // Label says twice, body is once (evader 152): the second layer passes through.
        assert_eq!(decode(&[Gzip, Gzip], &gz(TEXT), 7), TEXT);
        // Label says compressed, body is plain (evader 155, 159, 181).
        assert_eq!(decode(&[Deflate, Deflate], TEXT, 3), TEXT);
        assert_eq!(decode(&[Gzip, Deflate], TEXT, 3), TEXT);
        assert_eq!(decode(&[Gzip], b"b", 0), b"b");
        assert_eq!(
            decode(&[Gzip], b"blah blah, plain text", 5),
            b"blah blah, plain text"
        );
    }

    #[test]
    fn broken_gzip_is_tolerated() {
        let g = gz(TEXT);
        // Reserved flag bits (evader 219, 230, 232), FTEXT (194).
        for flag in [0x01u8, 0x20, 0x80] {
            let mut b = g.clone();
            b[3] = flag;
            assert_eq!(decode(&[Coding::Gzip], &b, 5), TEXT, "flag {flag:#x}");
        }
        // FHCRC with a wrong CRC (212), FEXTRA (197), FCOMMENT (199).
        let mut b = g[..10].to_vec();
        b[3] = 0x02;
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&g[10..]);
        assert_eq!(decode(&[Coding::Gzip], &b, 11), TEXT);
        let mut b = g[..10].to_vec();
        b[3] = 0x04;
        b.extend_from_slice(&[5, 0, 0x41, 0x70, 1, 0, 0]);
        b.extend_from_slice(&g[10..]);
        assert_eq!(decode(&[Coding::Gzip], &b, 13), TEXT);
        let mut b = g[..10].to_vec();
        b[3] = 0x10;
        b.extend_from_slice(b" \0");
        b.extend_from_slice(&g[10..]);
        assert_eq!(decode(&[Coding::Gzip], &b, 11), TEXT);
        // Bad CRC, bad ISIZE, truncated or missing trailer (203-210).
        let mut b = g.clone();
        let n = b.len();
        b[n - 8] ^= 0xff;
        b[n - 1] ^= 0xff;
        assert_eq!(decode(&[Coding::Gzip], &b, 9), TEXT);
        assert_eq!(decode(&[Coding::Gzip], &g[..n - 4], 9), TEXT);
        assert_eq!(decode(&[Coding::Gzip], &g[..n - 8], 9), TEXT);
    }

    #[test]
    fn partial_deflate_yields_what_it_has() {
        let d = raw(TEXT);
        let out = decode(&[Coding::Deflate], &d[..d.len() / 2], 3);
        assert!(!out.is_empty() && TEXT.starts_with(&out));
    }

    #[test]
    fn bombs_are_capped() {
        let zeros = vec![0u8; 4 << 20];
        let bomb = gz(&gz(&zeros));
        let mut d = Decoder::new(&[Coding::Gzip, Coding::Gzip], 4, 1 << 20);
        let mut out = Vec::new();
        d.push(&bomb, &mut out, 100 * 1024);
        d.finish(&mut out, 100 * 1024);
        assert_eq!(out.len(), 100 * 1024);
        let mut d = Decoder::new(&[Coding::Gzip], 4, 1 << 20);
        let mut out = Vec::new();
        d.push(&gz(&zeros), &mut out, usize::MAX);
        d.finish(&mut out, usize::MAX);
        assert_eq!(out.len(), 1 << 20);
        assert!(d.bomb());
    }
}
