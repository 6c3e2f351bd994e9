//! Pure decoding of an HL7 v2 message's header segments (HL7 v2.5.1 ch. 2):
//! MSH (message header) and MSA (message acknowledgment). Nothing else of a
//! message is read: the other segments (PID, OBX, ...) are patient data.

/// Segment separators: HL7 says CR; LF and CR LF are common in practice.
fn segments(msg: &[u8]) -> impl Iterator<Item = &[u8]> {
    msg.split(|b| *b == b'\r' || *b == b'\n')
        .filter(|s| !s.is_empty())
}

/// What the header segments of one message say. Field values are raw
/// (escape sequences and components kept), as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hl7Header<'a> {
    /// The whole MSH segment.
    pub msh: &'a [u8],
    /// MSH-3 sending application.
    pub sending_app: &'a [u8],
    /// MSH-4 sending facility.
    pub sending_facility: &'a [u8],
    /// MSH-5 receiving application.
    pub receiving_app: &'a [u8],
    /// MSH-6 receiving facility.
    pub receiving_facility: &'a [u8],
    /// MSH-9 message type (`ADT^A01^ADT_A01`).
    pub message_type: &'a [u8],
    /// MSH-9.1 message code (`ADT`).
    pub message_code: &'a [u8],
    /// MSH-9.2 trigger event (`A01`).
    pub trigger_event: &'a [u8],
    /// MSH-10 message control id.
    pub control_id: &'a [u8],
    /// MSH-11 processing id (P production, T training, D debugging).
    pub processing_id: &'a [u8],
    /// MSH-12 version id.
    pub version: &'a [u8],
    /// MSA-1 acknowledgment code (AA/AE/AR, CA/CE/CR), acknowledgments only.
    pub ack_code: Option<&'a [u8]>,
    /// MSA-2 control id of the acknowledged message.
    pub ack_control_id: Option<&'a [u8]>,
    /// Segment ids in order (`MSH`, `EVN`, `PID`, ...), at most
    /// [`MAX_SEGMENT_IDS`]: which segments, never their content.
    pub segment_ids: Vec<&'a [u8]>,
}

/// Segment ids listed per message.
pub const MAX_SEGMENT_IDS: usize = 64;

/// Decodes the header of a message (the bytes between MLLP's start and end
/// bytes, or their first part). `None` when there is no MSH segment with a
/// field separator and encoding characters. A batch (FHS/BHS first) is
/// read from its first MSH.
pub fn parse_header(msg: &[u8]) -> Option<Hl7Header<'_>> {
    let msh = segments(msg).find(|s| s.starts_with(b"MSH"))?;
    let sep = *msh.get(3)?;
    let comp_sep = *msh.get(4)?;
    if sep.is_ascii_alphanumeric() || sep.is_ascii_whitespace() || comp_sep == sep {
        return None;
    }
    // Fields after "MSH" + separator: [0] = MSH-2, [n] = MSH-(n+2).
    let fields: Vec<&[u8]> = msh.get(4..)?.split(|b| *b == sep).collect();
    let f = |n: usize| fields.get(n - 2).copied().unwrap_or_default();
    let message_type = f(9);
    let mut comps = message_type.split(|b| *b == comp_sep);
    let mut h = Hl7Header {
        msh,
        sending_app: f(3),
        sending_facility: f(4),
        receiving_app: f(5),
        receiving_facility: f(6),
        message_type,
        message_code: comps.next().unwrap_or_default(),
        trigger_event: comps.next().unwrap_or_default(),
        control_id: f(10),
        processing_id: f(11),
        version: f(12).split(|b| *b == comp_sep).next().unwrap_or_default(),
        ..Hl7Header::default()
    };
    for seg in segments(msg) {
        let id = seg.get(..3).unwrap_or(seg);
        if h.segment_ids.len() < MAX_SEGMENT_IDS {
            h.segment_ids.push(id);
        }
        if id == b"MSA" && h.ack_code.is_none() {
            let mut fs = seg.split(|b| *b == sep).skip(1);
            h.ack_code = fs.next();
            h.ack_control_id = fs.next();
        }
    }
    Some(h)
}
