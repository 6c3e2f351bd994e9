//! HL7 v2 over MLLP (HL7 v2.5.1 Appendix C, Minimal Lower Layer Protocol):
//! each message is framed `0x0B message 0x1C 0x0D`. The MSH header gives
//! who sends what to whom; an acknowledgment's MSA gives the answer.
//!
//! HL7 has no login: no login events. The rest of a message (PID, OBX,
//! NK1, ...) is patient data and never reaches a buffer or a record — only
//! the MSH segment, MSA-1/MSA-2 and the list of segment ids do.

mod parser;
#[cfg(test)]
mod tests;

pub use parser::{Hl7Header, MAX_SEGMENT_IDS, parse_header};

use serde_json::{Map, Value};

use crate::app::{ParseSink, Probe, StreamParser, TxBuffers};
use crate::flow::Direction;
use crate::rules::ir::BufferId;

/// MLLP start block byte.
pub const START_BLOCK: u8 = 0x0B;
/// MLLP end block byte (followed by a carriage return).
pub const END_BLOCK: u8 = 0x1C;

/// Bytes of a message kept for decoding its header: MSH is the first
/// segment and MSA the second of an acknowledgment; a few KiB cover them
/// (a batch header, or a long MSH with Z-fields, included). The rest of the
/// message is scanned for its end, not kept.
pub const MAX_KEPT: usize = 16 * 1024;

/// Largest message: one that runs longer without its end byte is dropped
/// (no transaction, counted) and the stream is scanned for the next frame.
pub const MAX_MESSAGE: u64 = 1024 * 1024;

/// Bytes other than CR/LF tolerated between frames before the direction is
/// taken for something else and no longer parsed.
pub const MAX_JUNK: usize = 64;

/// Protocol detection: the MLLP start byte, then a header segment (`MSH`,
/// or a batch's `FHS`/`BHS`) and its field separator; either direction,
/// any port (2575 is the registered one; interfaces use anything).
pub fn probe(_dir: Direction, _server_port: u16, data: &[u8]) -> Probe {
    let Some((&first, rest)) = data.split_first() else {
        return Probe::NeedMore;
    };
    if first != START_BLOCK {
        return Probe::No;
    }
    for seg in [&b"MSH"[..], b"FHS", b"BHS"] {
        let n = rest.len().min(3);
        if rest[..n] == seg[..n] {
            return match rest.get(3) {
                None => Probe::NeedMore,
                Some(sep) if sep.is_ascii_punctuation() => Probe::Yes,
                Some(_) => Probe::No,
            };
        }
    }
    Probe::No
}

/// A fresh parser, for [`crate::app::layer::STREAM_PROTOS`].
pub fn new_parser() -> Box<dyn StreamParser> {
    Box::new(Hl7Parser::default())
}

/// The detection buffers of one message.
pub struct Hl7Tx<'a>(pub &'a Hl7Header<'a>);

impl TxBuffers for Hl7Tx<'_> {
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        match id {
            BufferId::Hl7Msh => f(self.0.msh),
            BufferId::Hl7MessageType => f(self.0.message_type),
            BufferId::Hl7SendingApp => f(self.0.sending_app),
            _ => {}
        }
    }
}

#[derive(Debug, Default)]
struct Side {
    /// Inside a frame (after its start byte).
    in_message: bool,
    /// The message's first bytes (≤ MAX_KEPT).
    kept: Vec<u8>,
    /// Its length so far.
    len: u64,
    /// Junk bytes since the last frame.
    junk: usize,
    /// After a gap: the rest of a message may come before the next start
    /// byte, so it is not counted as junk.
    resync: bool,
    stopped: bool,
    next_tx: u64,
}

/// Counters of one flow's HL7 parser.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Hl7Stats {
    /// Messages with a header, handed to the sink.
    pub messages: u64,
    /// Frames without a decodable MSH, or longer than [`MAX_MESSAGE`].
    pub malformed: u64,
}

/// Per-flow HL7/MLLP parser.
#[derive(Debug, Default)]
pub struct Hl7Parser {
    sides: [Side; 2],
    stats: Hl7Stats,
}

impl Hl7Parser {
    /// Counters so far.
    pub fn stats(&self) -> Hl7Stats {
        self.stats
    }

    fn end_message(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let side = &mut self.sides[dir.index()];
        side.in_message = false;
        side.junk = 0;
        let kept = std::mem::take(&mut side.kept);
        if side.len > MAX_MESSAGE {
            self.stats.malformed += 1;
        } else if let Some(h) = parse_header(&kept) {
            self.stats.messages += 1;
            side.next_tx += 1;
            sink.tx(dir, side.next_tx, &Hl7Tx(&h));
            sink.record(dir, record(&h));
        } else {
            self.stats.malformed += 1;
        }
        let side = &mut self.sides[dir.index()];
        if kept.capacity() <= 4096 {
            side.kept = kept;
            side.kept.clear();
        }
    }
}

fn text(b: &[u8]) -> Value {
    Value::from(String::from_utf8_lossy(b).into_owned())
}

/// The EVE `hl7` record of a message: header fields only.
fn record(h: &Hl7Header<'_>) -> Map<String, Value> {
    let mut r = Map::new();
    r.insert("message_type".into(), text(h.message_type));
    r.insert("message_code".into(), text(h.message_code));
    r.insert("trigger_event".into(), text(h.trigger_event));
    r.insert("control_id".into(), text(h.control_id));
    r.insert("processing_id".into(), text(h.processing_id));
    r.insert("version".into(), text(h.version));
    r.insert("sending_application".into(), text(h.sending_app));
    r.insert("sending_facility".into(), text(h.sending_facility));
    r.insert("receiving_application".into(), text(h.receiving_app));
    r.insert("receiving_facility".into(), text(h.receiving_facility));
    if let Some(code) = h.ack_code {
        r.insert("ack_code".into(), text(code));
    }
    if let Some(id) = h.ack_control_id {
        r.insert("ack_control_id".into(), text(id));
    }
    r.insert(
        "segments".into(),
        Value::Array(h.segment_ids.iter().map(|s| text(s)).collect()),
    );
    r
}

impl StreamParser for Hl7Parser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let mut input = data;
        while !input.is_empty() {
            let side = &mut self.sides[dir.index()];
            if side.stopped {
                return;
            }
            if !side.in_message {
                // Between frames: CR/LF (a sender's trailing CR after 0x1C
                // included) and a little junk are skipped.
                let Some(start) = input.iter().position(|b| *b == START_BLOCK) else {
                    if side.resync {
                        return;
                    }
                    side.junk += input.iter().filter(|b| !matches!(b, b'\r' | b'\n')).count();
                    if side.junk > MAX_JUNK {
                        side.stopped = true;
                        side.kept = Vec::new();
                    }
                    return;
                };
                if !std::mem::take(&mut side.resync) {
                    side.junk += input[..start]
                        .iter()
                        .filter(|b| !matches!(b, b'\r' | b'\n'))
                        .count();
                }
                if side.junk > MAX_JUNK {
                    side.stopped = true;
                    side.kept = Vec::new();
                    return;
                }
                side.in_message = true;
                side.len = 0;
                input = &input[start + 1..];
                continue;
            }
            let end = input.iter().position(|b| *b == END_BLOCK);
            let body = &input[..end.unwrap_or(input.len())];
            let room = MAX_KEPT.saturating_sub(side.kept.len());
            side.kept.extend_from_slice(&body[..body.len().min(room)]);
            side.len = side.len.saturating_add(body.len() as u64);
            match end {
                Some(e) => {
                    input = &input[e + 1..];
                    self.end_message(dir, sink);
                }
                None => {
                    input = &[];
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        // The message in progress is lost; the next start byte resynchronises.
        let side = &mut self.sides[dir.index()];
        side.in_message = false;
        side.kept.clear();
        side.junk = 0;
        side.resync = true;
    }

    fn memory(&self) -> usize {
        self.sides.iter().map(|s| s.kept.capacity()).sum()
    }
}
