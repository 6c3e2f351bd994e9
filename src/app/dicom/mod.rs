//! DICOM upper layer (PS3.8) over TCP: association negotiation, P-DATA
//! fragments and the DIMSE command sets they carry (PS3.7).
//!
//! Every PDU is framed by its 6-byte header. Association PDUs are small and
//! read whole; P-DATA-TF PDUs carry the images, so they are walked PDV by
//! PDV without being buffered: command fragments are reassembled (bounded,
//! [`MAX_COMMAND`]) and decoded, data-set fragments are skipped. A data set
//! is patient data and never reaches a buffer or a record.
//!
//! Login attempts: DICOM has no password exchange (User Identity
//! Negotiation is optional and rare); what a PACS checks is the calling AE
//! title, so an association is the login. An A-ASSOCIATE-AC is a success
//! for the calling AE; an A-ASSOCIATE-RJ from the service user for any
//! reason except an unsupported application context (calling or called AE
//! title not recognized, no reason given) is a failure; a request that
//! never got an answer is `Unknown`.

mod parser;
#[cfg(test)]
mod tests;

pub use parser::{
    Abort, Associate, Command, DicomError, PduType, PresentationContext, Reject, UserIdentity,
    command_name, context_result_str, parse_abort, parse_associate, parse_command, parse_reject,
    status_class, uid_name,
};

use serde_json::{Map, Value, json};

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, Outcome, ParseSink, Probe, StreamParser, TxBuffers};
use crate::flow::Direction;
use crate::rules::ir::BufferId;

use parser::{PDU_HEADER_LEN, plausible_associate};

/// Largest non-P-DATA PDU read whole. An A-ASSOCIATE-RQ proposing 128
/// presentation contexts with several transfer syntaxes each is ~20 KiB
/// (storescu's default 9.6 KiB); a larger one is skipped, not buffered.
pub const MAX_PDU_BUFFER: usize = 64 * 1024;

/// Largest DIMSE command set reassembled from PDV fragments. Command sets
/// are a few hundred bytes (group 0000 has ~20 short elements); a longer
/// one is dropped (its fragments are skipped).
pub const MAX_COMMAND: usize = 16 * 1024;

/// Protocol detection: an A-ASSOCIATE-RQ (version 1, sane length, printable
/// called AE title) from the client, or an A-ASSOCIATE-AC/RJ from the
/// server when the request was missed. Ports are no hint: DICOM runs on
/// 104, 11112 and whatever a PACS was configured with.
pub fn probe(dir: Direction, _server_port: u16, data: &[u8]) -> Probe {
    let want = match dir {
        Direction::ToServer => 1,
        Direction::ToClient => match data.first() {
            Some(3) => return probe_reject(data),
            _ => 2,
        },
    };
    if data.first().is_some_and(|b| *b != want) {
        return Probe::No;
    }
    match plausible_associate(data, want) {
        None => Probe::NeedMore,
        Some(false) => Probe::No,
        Some(true) => {
            // Called AE title: 16 ISO 646 characters (bytes 10..26).
            let ae = data.get(10..26.min(data.len())).unwrap_or_default();
            if ae.iter().all(|c| (0x20..0x7f).contains(c)) {
                if data.len() >= 26 {
                    Probe::Yes
                } else {
                    Probe::NeedMore
                }
            } else {
                Probe::No
            }
        }
    }
}

fn probe_reject(data: &[u8]) -> Probe {
    match data.get(..10) {
        None => Probe::NeedMore,
        Some(&[3, 0, 0, 0, 0, 4, 0, result, source, _]) if (1..=2).contains(&result) => {
            if (1..=3).contains(&source) {
                Probe::Yes
            } else {
                Probe::No
            }
        }
        Some(_) => Probe::No,
    }
}

/// A fresh parser, for [`crate::app::layer::STREAM_PROTOS`].
pub fn new_parser() -> Box<dyn StreamParser> {
    Box::new(DicomParser::default())
}

/// The detection buffers of one DICOM transaction half: an association
/// request/accept (AE titles) or a DIMSE command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DicomTx {
    /// Calling AE title (trimmed).
    pub calling_ae: Option<Vec<u8>>,
    /// Called AE title (trimmed).
    pub called_ae: Option<Vec<u8>>,
    /// Command name.
    pub command: Option<&'static str>,
}

impl TxBuffers for DicomTx {
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        let v = match id {
            BufferId::DicomCallingAe => self.calling_ae.as_deref(),
            BufferId::DicomCalledAe => self.called_ae.as_deref(),
            BufferId::DicomCommand => self.command.map(str::as_bytes),
            _ => None,
        };
        if let Some(v) = v {
            f(v);
        }
    }
}

/// Where a direction's reader is.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Reading a PDU header into `hdr`.
    #[default]
    Header,
    /// Collecting a non-P-DATA PDU body into `body`.
    Body,
    /// Skipping an oversized non-P-DATA PDU body.
    Skip,
    /// Walking the PDV items of a P-DATA-TF.
    PData,
    /// Lost: ignore the rest.
    Stopped,
}

#[derive(Debug, Default)]
struct Side {
    phase: Phase,
    hdr: [u8; PDU_HEADER_LEN],
    hdr_len: usize,
    pdu_type: u8,
    /// Bytes of the current PDU body still to come.
    pdu_left: u64,
    /// A whole association/release/abort PDU body (≤ MAX_PDU_BUFFER).
    body: Vec<u8>,
    /// PDV item header (length, context id, message control header).
    pdv_hdr: [u8; 6],
    pdv_hdr_len: usize,
    /// Data bytes of the current PDV still to come (0 = reading a header).
    pdv_left: u64,
    pdv_command: bool,
    pdv_last: bool,
    pdv_context: u8,
    /// Command set being reassembled (≤ MAX_COMMAND).
    command: Vec<u8>,
    command_overflow: bool,
    next_tx: u64,
}

/// Counters of one flow's DICOM parser.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DicomStats {
    /// PDUs framed.
    pub pdus: u64,
    /// DIMSE commands decoded.
    pub commands: u64,
    /// PDUs or commands that did not decode, or were too large to read.
    pub malformed: u64,
}

/// Per-flow DICOM parser.
#[derive(Debug, Default)]
pub struct DicomParser {
    sides: [Side; 2],
    /// The calling AE of an association request still waiting for its
    /// answer, and the direction that sent it.
    pending_login: Option<(Direction, String)>,
    closed: [bool; 2],
    stats: DicomStats,
}

impl DicomParser {
    /// Counters so far.
    pub fn stats(&self) -> DicomStats {
        self.stats
    }

    fn stop(&mut self, dir: Direction) {
        let side = &mut self.sides[dir.index()];
        side.phase = Phase::Stopped;
        side.body = Vec::new();
        side.command = Vec::new();
    }

    /// A PDU header is complete: choose how to read its body.
    fn start_pdu(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let side = &mut self.sides[dir.index()];
        let [ty, _, l0, l1, l2, l3] = side.hdr;
        let len = u32::from_be_bytes([l0, l1, l2, l3]);
        side.hdr_len = 0;
        side.pdu_type = ty;
        side.pdu_left = u64::from(len);
        self.stats.pdus += 1;
        match PduType::from_byte(ty) {
            None => {
                self.stats.malformed += 1;
                self.stop(dir);
            }
            Some(PduType::PData) => {
                side.phase = Phase::PData;
                side.pdv_left = 0;
                side.pdv_hdr_len = 0;
                if len == 0 {
                    side.phase = Phase::Header;
                }
            }
            Some(_) if len as usize > MAX_PDU_BUFFER => {
                self.stats.malformed += 1;
                side.phase = Phase::Skip;
            }
            Some(_) => {
                side.phase = Phase::Body;
                side.body.clear();
                side.body.reserve(len as usize);
                if len == 0 {
                    self.end_pdu(dir, sink);
                }
            }
        }
    }

    /// A whole non-P-DATA PDU body is in `body`.
    fn end_pdu(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let side = &mut self.sides[dir.index()];
        side.phase = Phase::Header;
        let body = std::mem::take(&mut side.body);
        let ty = side.pdu_type;
        let res = match PduType::from_byte(ty) {
            Some(t @ (PduType::AssociateRq | PduType::AssociateAc)) => {
                parse_associate(&body, t == PduType::AssociateRq)
                    .map(|a| self.on_associate(dir, t, &a, sink))
            }
            Some(PduType::AssociateRj) => parse_reject(&body).map(|r| self.on_reject(dir, r, sink)),
            Some(PduType::Abort) => parse_abort(&body).map(|a| self.on_abort(dir, a, sink)),
            Some(t @ (PduType::ReleaseRq | PduType::ReleaseRp)) => {
                let mut rec = Map::new();
                rec.insert("pdu_type".into(), t.as_str().into());
                self.emit(dir, &DicomTx::default(), rec, sink);
                Ok(())
            }
            Some(PduType::PData) | None => Ok(()),
        };
        if res.is_err() {
            self.stats.malformed += 1;
        }
        // Keep the allocation for the next PDU unless it was a large one.
        let side = &mut self.sides[dir.index()];
        if body.capacity() <= 4096 {
            side.body = body;
            side.body.clear();
        }
    }

    fn emit(
        &mut self,
        dir: Direction,
        tx: &DicomTx,
        rec: Map<String, Value>,
        sink: &mut dyn ParseSink,
    ) {
        let side = &mut self.sides[dir.index()];
        side.next_tx += 1;
        sink.tx(dir, side.next_tx, tx);
        sink.record(dir, rec);
    }

    fn on_associate(
        &mut self,
        dir: Direction,
        ty: PduType,
        a: &Associate,
        sink: &mut dyn ParseSink,
    ) {
        let calling = String::from_utf8_lossy(&a.calling_ae).into_owned();
        let mut rec = Map::new();
        rec.insert("pdu_type".into(), ty.as_str().into());
        rec.insert("calling_ae".into(), calling.clone().into());
        rec.insert(
            "called_ae".into(),
            String::from_utf8_lossy(&a.called_ae).into(),
        );
        rec.insert("protocol_version".into(), a.protocol_version.into());
        if let Some(ctx) = &a.application_context {
            rec.insert("application_context".into(), ctx.clone().into());
        }
        let contexts: Vec<Value> = a.contexts.iter().map(context_json).collect();
        rec.insert("presentation_contexts".into(), contexts.into());
        if let Some(m) = a.max_pdu_length {
            rec.insert("max_pdu_length".into(), m.into());
        }
        if let Some(u) = &a.implementation_class_uid {
            rec.insert("implementation_class_uid".into(), u.clone().into());
        }
        if let Some(v) = &a.implementation_version {
            rec.insert("implementation_version".into(), v.clone().into());
        }
        if let Some(u) = &a.user_identity {
            let mut o = Map::new();
            o.insert("type".into(), u.kind.into());
            if let Some(name) = &u.username {
                o.insert("username".into(), name.clone().into());
            }
            rec.insert("user_identity".into(), o.into());
        }
        let tx = DicomTx {
            calling_ae: Some(a.calling_ae.clone()),
            called_ae: Some(a.called_ae.clone()),
            command: None,
        };
        self.emit(dir, &tx, rec, sink);
        match ty {
            PduType::AssociateRq => {
                if let Some((_, prev)) = self.pending_login.replace((dir, calling)) {
                    // A second request before any answer: the first never got one.
                    sink.login(unanswered(
                        prev,
                        "A-ASSOCIATE-RQ repeated without an answer",
                    ));
                }
            }
            _ => {
                let account = self.pending_login.take().map_or(calling, |(_, a)| a);
                sink.login(
                    LoginAttempt::new(AppProto::Dicom, Outcome::Success, "A-ASSOCIATE-AC")
                        .account(account),
                );
            }
        }
    }

    fn on_reject(&mut self, dir: Direction, r: Reject, sink: &mut dyn ParseSink) {
        let mut rec = Map::new();
        rec.insert("pdu_type".into(), PduType::AssociateRj.as_str().into());
        rec.insert("result".into(), r.result_str().into());
        rec.insert("source".into(), r.source_str().into());
        rec.insert("reason".into(), r.reason_str().into());
        self.emit(dir, &DicomTx::default(), rec, sink);
        let account = self.pending_login.take().map(|(_, a)| a);
        let reason = format!("A-ASSOCIATE-RJ {}", r.reason_str());
        let outcome = if r.is_access_denied() {
            Outcome::Failure
        } else {
            // Congestion, unsupported protocol version or application
            // context: the peer's identity was not judged.
            Outcome::Unknown
        };
        let mut login = LoginAttempt::new(AppProto::Dicom, outcome, reason);
        if let Some(a) = account {
            login = login.account(a);
        }
        sink.login(login);
    }

    fn on_abort(&mut self, dir: Direction, a: Abort, sink: &mut dyn ParseSink) {
        let mut rec = Map::new();
        rec.insert("pdu_type".into(), PduType::Abort.as_str().into());
        rec.insert("source".into(), a.source_str().into());
        rec.insert("reason".into(), a.reason_str().into());
        self.emit(dir, &DicomTx::default(), rec, sink);
        if let Some((_, prev)) = self.pending_login.take() {
            sink.login(unanswered(prev, "A-ABORT before the association answer"));
        }
    }

    fn on_command(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let side = &mut self.sides[dir.index()];
        let overflow = std::mem::take(&mut side.command_overflow);
        let bytes = std::mem::take(&mut side.command);
        let context = side.pdv_context;
        let cmd = if overflow {
            Err(DicomError::BadCommand {
                offset: MAX_COMMAND,
            })
        } else {
            parse_command(&bytes)
        };
        if bytes.capacity() <= 4096 {
            let side = &mut self.sides[dir.index()];
            side.command = bytes;
            side.command.clear();
        }
        let Ok(cmd) = cmd else {
            self.stats.malformed += 1;
            return;
        };
        self.stats.commands += 1;
        let mut rec = Map::new();
        rec.insert("pdu_type".into(), PduType::PData.as_str().into());
        rec.insert("presentation_context_id".into(), context.into());
        if let Some(field) = cmd.field {
            rec.insert(
                "command".into(),
                cmd.name()
                    .map_or_else(|| format!("0x{field:04x}"), str::to_string)
                    .into(),
            );
        }
        if let Some(id) = cmd.message_id {
            rec.insert("message_id".into(), id.into());
        }
        if let Some(id) = cmd.responded_to {
            rec.insert("message_id_responded_to".into(), id.into());
        }
        if let Some(uid) = &cmd.sop_class {
            rec.insert("sop_class_uid".into(), uid.clone().into());
            if let Some(name) = uid_name(uid) {
                rec.insert("sop_class".into(), name.into());
            }
        }
        if let Some(dest) = &cmd.move_destination {
            rec.insert("move_destination".into(), dest.clone().into());
        }
        if let Some(s) = cmd.status {
            rec.insert("status".into(), s.into());
            rec.insert("status_class".into(), status_class(s).into());
        }
        let tx = DicomTx {
            command: cmd.name(),
            ..DicomTx::default()
        };
        self.emit(dir, &tx, rec, sink);
    }
}

fn unanswered(account: String, reason: &str) -> LoginAttempt {
    LoginAttempt::new(AppProto::Dicom, Outcome::Unknown, reason).account(account)
}

fn context_json(pc: &PresentationContext) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), pc.id.into());
    if let Some(a) = &pc.abstract_syntax {
        o.insert("abstract_syntax".into(), a.clone().into());
        if let Some(n) = uid_name(a) {
            o.insert("abstract_syntax_name".into(), n.into());
        }
    }
    match pc.result {
        None => {
            o.insert("transfer_syntaxes".into(), json!(pc.transfer_syntaxes));
        }
        Some(r) => {
            o.insert("result".into(), context_result_str(r).into());
            if let Some(ts) = pc.transfer_syntaxes.first() {
                o.insert("transfer_syntax".into(), ts.clone().into());
            }
        }
    }
    Value::Object(o)
}

impl StreamParser for DicomParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let mut input = data;
        while !input.is_empty() {
            let side = &mut self.sides[dir.index()];
            match side.phase {
                Phase::Stopped => return,
                Phase::Header => {
                    let take = (PDU_HEADER_LEN - side.hdr_len).min(input.len());
                    side.hdr[side.hdr_len..side.hdr_len + take].copy_from_slice(&input[..take]);
                    side.hdr_len += take;
                    input = &input[take..];
                    if side.hdr_len == PDU_HEADER_LEN {
                        self.start_pdu(dir, sink);
                    }
                }
                Phase::Body => {
                    let take = side.pdu_left.min(input.len() as u64) as usize;
                    side.body.extend_from_slice(&input[..take]);
                    side.pdu_left -= take as u64;
                    input = &input[take..];
                    if side.pdu_left == 0 {
                        self.end_pdu(dir, sink);
                    }
                }
                Phase::Skip => {
                    let take = side.pdu_left.min(input.len() as u64) as usize;
                    side.pdu_left -= take as u64;
                    input = &input[take..];
                    if side.pdu_left == 0 {
                        side.phase = Phase::Header;
                    }
                }
                Phase::PData if side.pdv_left == 0 => {
                    // A PDV item header: 4-byte length, context id, message
                    // control header (PS3.8 §9.3.5.1, Annex E.2).
                    let room = usize::try_from(side.pdu_left).unwrap_or(usize::MAX);
                    let take = (6 - side.pdv_hdr_len).min(input.len()).min(room);
                    if take == 0 {
                        // The PDU ends inside a PDV header.
                        self.stats.malformed += 1;
                        self.stop(dir);
                        return;
                    }
                    side.pdv_hdr[side.pdv_hdr_len..side.pdv_hdr_len + take]
                        .copy_from_slice(&input[..take]);
                    side.pdv_hdr_len += take;
                    side.pdu_left -= take as u64;
                    input = &input[take..];
                    if side.pdv_hdr_len < 6 {
                        continue;
                    }
                    side.pdv_hdr_len = 0;
                    let [l0, l1, l2, l3, ctx, mch] = side.pdv_hdr;
                    let len = u64::from(u32::from_be_bytes([l0, l1, l2, l3]));
                    // The length counts the context id and control header.
                    if len < 2 || len - 2 > side.pdu_left {
                        self.stats.malformed += 1;
                        self.stop(dir);
                        return;
                    }
                    side.pdv_left = len - 2;
                    side.pdv_context = ctx;
                    side.pdv_command = mch & 1 != 0;
                    side.pdv_last = mch & 2 != 0;
                    if side.pdv_left == 0 {
                        self.end_pdv(dir, sink);
                    }
                }
                Phase::PData => {
                    let take = side.pdv_left.min(input.len() as u64) as usize;
                    if side.pdv_command && !side.command_overflow {
                        if side.command.len() + take <= MAX_COMMAND {
                            side.command.extend_from_slice(&input[..take]);
                        } else {
                            side.command_overflow = true;
                            side.command = Vec::new();
                        }
                    }
                    side.pdv_left -= take as u64;
                    side.pdu_left -= take as u64;
                    input = &input[take..];
                    if side.pdv_left == 0 {
                        self.end_pdv(dir, sink);
                    }
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        // PDU boundaries cannot be found again reliably after a hole.
        self.stop(dir);
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.closed[dir.index()] = true;
        // The requester may half-close before the answer comes: only the
        // answering side's end (or both ends) settles it.
        let settled = match &self.pending_login {
            Some((rq_dir, _)) => *rq_dir != dir || self.closed.iter().all(|c| *c),
            None => false,
        };
        if settled && let Some((_, prev)) = self.pending_login.take() {
            sink.login(unanswered(prev, "no A-ASSOCIATE-AC or -RJ seen"));
        }
    }

    fn memory(&self) -> usize {
        self.sides
            .iter()
            .map(|s| s.body.capacity() + s.command.capacity())
            .sum::<usize>()
            + self.pending_login.as_ref().map_or(0, |(_, a)| a.capacity())
    }
}

impl DicomParser {
    /// The current PDV's data is complete.
    fn end_pdv(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        let side = &mut self.sides[dir.index()];
        if side.pdv_command && side.pdv_last {
            self.on_command(dir, sink);
        }
        let side = &mut self.sides[dir.index()];
        if side.pdu_left == 0 {
            side.phase = Phase::Header;
        }
    }
}
