//! DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by a
//! 2-byte length. Messages may be split across segments or several may share
//! one; this reassembles them per direction over in-order stream data.

use crate::flow::Direction;

use super::parser::{DnsError, HEADER_LEN, parse_message};
use super::{DnsTx, probe_message};
use crate::app::Probe;

/// Largest frame: the length field is 16 bits. A direction buffers at most one
/// partial frame, so this (plus 2) is the per-direction memory cap.
pub const MAX_FRAME: usize = u16::MAX as usize;

/// Counters of one [`DnsTcpParser`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsTcpStats {
    /// Messages decoded (handed to the sink as `Ok`).
    pub messages: u64,
    /// Frames that did not decode (handed to the sink as `Err`).
    pub malformed: u64,
    /// Gaps reported.
    pub gaps: u64,
    /// Bytes dropped while looking for a message start after a gap.
    pub resync_dropped: u64,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Mode {
    /// Frame boundaries known.
    #[default]
    Framing,
    /// After a gap: the next data chunk is taken as a frame start only if it
    /// looks like one (segment boundaries usually are message boundaries).
    Resync,
}

#[derive(Debug, Default)]
struct Side {
    /// A partial frame (length prefix included), at most `MAX_FRAME + 2` bytes.
    buf: Vec<u8>,
    mode: Mode,
}

/// Per-flow DNS-over-TCP parser: feed it each direction's in-order stream
/// data with [`parse`](Self::parse), and holes with [`gap`](Self::gap).
#[derive(Debug, Default)]
pub struct DnsTcpParser {
    sides: [Side; 2],
    stats: DnsTcpStats,
}

impl DnsTcpParser {
    /// A parser with nothing buffered.
    pub fn new() -> DnsTcpParser {
        DnsTcpParser::default()
    }

    /// Counters so far.
    pub fn stats(&self) -> DnsTcpStats {
        self.stats
    }

    /// Bytes buffered for `dir` (a partial frame).
    pub fn buffered(&self, dir: Direction) -> usize {
        self.sides[dir.index()].buf.len()
    }

    /// Consumes in-order stream bytes of `dir`; every complete frame is
    /// decoded and handed to `sink` (with `dir`), in order. Complete frames
    /// inside `data` are decoded in place; only a partial frame is copied.
    pub fn parse(
        &mut self,
        dir: Direction,
        data: &[u8],
        sink: &mut dyn FnMut(Direction, Result<DnsTx, DnsError>),
    ) {
        let side = &mut self.sides[dir.index()];
        let stats = &mut self.stats;
        let mut input = data;
        if side.mode == Mode::Resync {
            if probe_tcp(input) == Probe::Yes {
                side.mode = Mode::Framing;
            } else {
                stats.resync_dropped += input.len() as u64;
                return;
            }
        }
        let mut emit = |frame: &[u8], stats: &mut DnsTcpStats| {
            let res = parse_message(frame).map(DnsTx::new);
            match res {
                Ok(_) => stats.messages += 1,
                Err(_) => stats.malformed += 1,
            }
            sink(dir, res);
        };
        loop {
            if !side.buf.is_empty() {
                // Complete the buffered frame: first its length, then its body.
                let need = match frame_len(&side.buf) {
                    Some(len) => 2 + len,
                    None => 2,
                };
                let take = (need - side.buf.len()).min(input.len());
                side.buf.extend_from_slice(&input[..take]);
                input = &input[take..];
                let Some(len) = frame_len(&side.buf) else {
                    return;
                };
                if side.buf.len() < 2 + len {
                    if input.is_empty() {
                        return;
                    }
                    continue;
                }
                emit(&side.buf[2..], stats);
                side.buf.clear();
                continue;
            }
            if input.is_empty() {
                return;
            }
            if let Some(len) = frame_len(input) {
                if let Some(frame) = input.get(2..2 + len) {
                    emit(frame, stats);
                    input = &input[2 + len..];
                    continue;
                }
                side.buf.reserve_exact(2 + len);
            }
            // A partial frame: at most MAX_FRAME + 1 bytes here.
            side.buf.extend_from_slice(input);
            return;
        }
    }

    /// Bytes of `dir` were lost: drop the partial frame and look for a
    /// message start at the next data.
    pub fn gap(&mut self, dir: Direction) {
        let side = &mut self.sides[dir.index()];
        side.buf = Vec::new();
        side.mode = Mode::Resync;
        self.stats.gaps += 1;
    }
}

fn frame_len(b: &[u8]) -> Option<usize> {
    match b {
        [hi, lo, ..] => Some(usize::from(u16::from_be_bytes([*hi, *lo]))),
        _ => None,
    }
}

/// Protocol detection on TCP: does `data` (the start of a direction's stream)
/// begin with a plausible length-prefixed DNS message?
pub fn probe_tcp(data: &[u8]) -> Probe {
    let Some(len) = frame_len(data) else {
        return Probe::NeedMore;
    };
    if len < HEADER_LEN {
        return Probe::No;
    }
    let end = data.len().min(2 + len);
    probe_message(&data[2..end], end == 2 + len)
}
