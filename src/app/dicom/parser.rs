//! Pure decoders of DICOM upper-layer PDUs (PS3.8 §9.3) and DIMSE command
//! sets (PS3.7 §9.3, §10.3): bytes in, meaning out, no state.

use thiserror::Error;

/// Length of a PDU header: type, reserved, 4-byte big-endian length.
pub const PDU_HEADER_LEN: usize = 6;

/// Fixed part of an A-ASSOCIATE-RQ/AC body before the variable items:
/// protocol version, reserved, called AE, calling AE, 32 reserved bytes.
pub const ASSOCIATE_FIXED_LEN: usize = 68;

/// Why a PDU or command did not decode.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DicomError {
    /// The body is shorter than its fixed part.
    #[error("DICOM {pdu} PDU: {len} bytes, at least {need} needed")]
    Short {
        /// PDU name.
        pdu: &'static str,
        /// Body length.
        len: usize,
        /// Minimum.
        need: usize,
    },
    /// A variable item's length runs past its container.
    #[error("DICOM {pdu} PDU: item 0x{item:02x} of {len} bytes overruns the PDU")]
    ItemOverrun {
        /// PDU name.
        pdu: &'static str,
        /// Item type.
        item: u8,
        /// Item length.
        len: usize,
    },
    /// A command element is cut or is not in group 0000.
    #[error("DIMSE command set: bad element at offset {offset}")]
    BadCommand {
        /// Offset of the element in the reassembled command set.
        offset: usize,
    },
}

/// The upper-layer PDU types (PS3.8 §9.3.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PduType {
    /// 0x01.
    AssociateRq,
    /// 0x02.
    AssociateAc,
    /// 0x03.
    AssociateRj,
    /// 0x04.
    PData,
    /// 0x05.
    ReleaseRq,
    /// 0x06.
    ReleaseRp,
    /// 0x07.
    Abort,
}

impl PduType {
    /// The type of PDU type byte `b`, if it is one.
    pub fn from_byte(b: u8) -> Option<PduType> {
        Some(match b {
            1 => PduType::AssociateRq,
            2 => PduType::AssociateAc,
            3 => PduType::AssociateRj,
            4 => PduType::PData,
            5 => PduType::ReleaseRq,
            6 => PduType::ReleaseRp,
            7 => PduType::Abort,
            _ => return None,
        })
    }

    /// The standard's name.
    pub fn as_str(self) -> &'static str {
        match self {
            PduType::AssociateRq => "A-ASSOCIATE-RQ",
            PduType::AssociateAc => "A-ASSOCIATE-AC",
            PduType::AssociateRj => "A-ASSOCIATE-RJ",
            PduType::PData => "P-DATA-TF",
            PduType::ReleaseRq => "A-RELEASE-RQ",
            PduType::ReleaseRp => "A-RELEASE-RP",
            PduType::Abort => "A-ABORT",
        }
    }
}

/// One presentation context of an A-ASSOCIATE-RQ (proposed) or -AC (answered).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PresentationContext {
    /// Presentation context id (odd, 1-255).
    pub id: u8,
    /// Abstract syntax (SOP class) UID: requests only.
    pub abstract_syntax: Option<String>,
    /// Proposed transfer syntaxes (request) or the accepted one (accept).
    pub transfer_syntaxes: Vec<String>,
    /// Result/reason byte of an accept (0 = acceptance).
    pub result: Option<u8>,
}

/// User Identity Negotiation sub-item (PS3.7 §D.3.3.7): DICOM's only
/// in-protocol credential. Only the type and the user name are kept; the
/// passcode, Kerberos ticket, SAML assertion or JWT never are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserIdentity {
    /// 1 username, 2 username and passcode, 3 Kerberos, 4 SAML, 5 JWT.
    pub kind: u8,
    /// The primary field for types 1 and 2.
    pub username: Option<String>,
}

/// An A-ASSOCIATE-RQ or -AC body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Associate {
    /// Protocol version bit field (1 = version 1).
    pub protocol_version: u16,
    /// Called AE title, spaces trimmed.
    pub called_ae: Vec<u8>,
    /// Calling AE title, spaces trimmed.
    pub calling_ae: Vec<u8>,
    /// Application context name UID.
    pub application_context: Option<String>,
    /// Presentation contexts, in order.
    pub contexts: Vec<PresentationContext>,
    /// Maximum PDU length the sender receives (0 = unlimited).
    pub max_pdu_length: Option<u32>,
    /// Implementation class UID.
    pub implementation_class_uid: Option<String>,
    /// Implementation version name.
    pub implementation_version: Option<String>,
    /// User identity, when the requestor sent one.
    pub user_identity: Option<UserIdentity>,
}

/// An A-ASSOCIATE-RJ body (PS3.8 §9.3.4).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    /// 1 rejected-permanent, 2 rejected-transient.
    pub result: u8,
    /// 1 service-user, 2 service-provider (ACSE), 3 service-provider
    /// (presentation).
    pub source: u8,
    /// Reason/diagnostic, meaning depends on `source`.
    pub reason: u8,
}

impl Reject {
    /// `rejected-permanent` / `rejected-transient`.
    pub fn result_str(&self) -> &'static str {
        match self.result {
            1 => "rejected-permanent",
            2 => "rejected-transient",
            _ => "unknown",
        }
    }

    /// The source's name.
    pub fn source_str(&self) -> &'static str {
        match self.source {
            1 => "service-user",
            2 => "service-provider-acse",
            3 => "service-provider-presentation",
            _ => "unknown",
        }
    }

    /// The reason's name in the standard's words.
    pub fn reason_str(&self) -> &'static str {
        match (self.source, self.reason) {
            (1, 1) | (2, 1) => "no-reason-given",
            (1, 2) => "application-context-name-not-supported",
            (1, 3) => "calling-AE-title-not-recognized",
            (1, 7) => "called-AE-title-not-recognized",
            (2, 2) => "protocol-version-not-supported",
            (3, 1) => "temporary-congestion",
            (3, 2) => "local-limit-exceeded",
            _ => "reserved",
        }
    }

    /// True when the called application refused this peer: the service
    /// user rejected for a reason other than an unsupported application
    /// context (the rejections an AE-title check produces).
    pub fn is_access_denied(&self) -> bool {
        self.source == 1 && self.reason != 2
    }
}

/// An A-ABORT body (PS3.8 §9.3.8).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Abort {
    /// 0 service-user, 2 service-provider.
    pub source: u8,
    /// Provider reason (meaningful when `source` is 2).
    pub reason: u8,
}

impl Abort {
    /// The source's name.
    pub fn source_str(&self) -> &'static str {
        match self.source {
            0 => "service-user",
            2 => "service-provider",
            _ => "reserved",
        }
    }

    /// The provider's reason in the standard's words.
    pub fn reason_str(&self) -> &'static str {
        if self.source != 2 {
            return "not-specified";
        }
        match self.reason {
            0 => "not-specified",
            1 => "unrecognized-PDU",
            2 => "unexpected-PDU",
            4 => "unrecognized-PDU-parameter",
            5 => "unexpected-PDU-parameter",
            6 => "invalid-PDU-parameter-value",
            _ => "reserved",
        }
    }
}

/// A-ASSOCIATE-RQ/AC PDU header check for protocol detection: `pdu_type`,
/// a zero reserved byte, a length that fits the fixed part and version 1.
pub fn plausible_associate(data: &[u8], pdu_type: u8) -> Option<bool> {
    let hdr = data.get(..10)?;
    let len = u32::from_be_bytes([hdr[2], hdr[3], hdr[4], hdr[5]]) as usize;
    Some(
        hdr[0] == pdu_type
            && hdr[1] == 0
            && (ASSOCIATE_FIXED_LEN..=super::MAX_PDU_BUFFER).contains(&len)
            && hdr[6..8] == [0, 1],
    )
}

/// Trims the padding of an AE title or UID (spaces, NULs).
pub fn trim(b: &[u8]) -> &[u8] {
    let is_pad = |c: &u8| *c == b' ' || *c == 0;
    let start = b.iter().position(|c| !is_pad(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_pad(c)).map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or_default()
}

fn uid(b: &[u8]) -> String {
    String::from_utf8_lossy(trim(b)).into_owned()
}

/// Items of a variable field: (type, value) with a 2-byte length each.
fn items<'a>(
    mut b: &'a [u8],
    pdu: &'static str,
) -> impl Iterator<Item = Result<(u8, &'a [u8]), DicomError>> + 'a {
    std::iter::from_fn(move || {
        if b.is_empty() {
            return None;
        }
        let Some(&[ty, _, hi, lo]) = b.get(..4) else {
            b = &[];
            return Some(Err(DicomError::ItemOverrun {
                pdu,
                item: 0,
                len: 0,
            }));
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        let Some(value) = b.get(4..4 + len) else {
            b = &[];
            return Some(Err(DicomError::ItemOverrun { pdu, item: ty, len }));
        };
        b = b.get(4 + len..).unwrap_or_default();
        Some(Ok((ty, value)))
    })
}

/// Decodes an A-ASSOCIATE-RQ (`request`) or -AC body (the bytes after the
/// 6-byte PDU header).
pub fn parse_associate(body: &[u8], request: bool) -> Result<Associate, DicomError> {
    let pdu = if request {
        "A-ASSOCIATE-RQ"
    } else {
        "A-ASSOCIATE-AC"
    };
    let (fixed, var) = (
        body.get(..ASSOCIATE_FIXED_LEN).ok_or(DicomError::Short {
            pdu,
            len: body.len(),
            need: ASSOCIATE_FIXED_LEN,
        })?,
        body.get(ASSOCIATE_FIXED_LEN..).unwrap_or_default(),
    );
    let mut a = Associate {
        protocol_version: u16::from_be_bytes([fixed[0], fixed[1]]),
        called_ae: trim(&fixed[4..20]).to_vec(),
        calling_ae: trim(&fixed[20..36]).to_vec(),
        ..Associate::default()
    };
    for item in items(var, pdu) {
        let (ty, value) = item?;
        match ty {
            0x10 => a.application_context = Some(uid(value)),
            0x20 | 0x21 => {
                let Some(&[id, _, result, _]) = value.get(..4) else {
                    return Err(DicomError::ItemOverrun {
                        pdu,
                        item: ty,
                        len: value.len(),
                    });
                };
                let mut pc = PresentationContext {
                    id,
                    result: (ty == 0x21).then_some(result),
                    ..PresentationContext::default()
                };
                for sub in items(value.get(4..).unwrap_or_default(), pdu) {
                    match sub? {
                        (0x30, v) => pc.abstract_syntax = Some(uid(v)),
                        (0x40, v) => pc.transfer_syntaxes.push(uid(v)),
                        _ => {}
                    }
                }
                a.contexts.push(pc);
            }
            0x50 => {
                for sub in items(value, pdu) {
                    match sub? {
                        (0x51, v) => {
                            if let Some(&[a0, a1, a2, a3]) = v.get(..4) {
                                a.max_pdu_length = Some(u32::from_be_bytes([a0, a1, a2, a3]));
                            }
                        }
                        (0x52, v) => a.implementation_class_uid = Some(uid(v)),
                        (0x55, v) => a.implementation_version = Some(uid(v)),
                        (0x58, v) if request => a.user_identity = parse_user_identity(v),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(a)
}

fn parse_user_identity(v: &[u8]) -> Option<UserIdentity> {
    let &[kind, _, hi, lo] = v.get(..4)? else {
        return None;
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let username = match kind {
        1 | 2 => v.get(4..4 + len).map(uid),
        _ => None,
    };
    Some(UserIdentity { kind, username })
}

/// Decodes an A-ASSOCIATE-RJ body.
pub fn parse_reject(body: &[u8]) -> Result<Reject, DicomError> {
    match body.get(..4) {
        Some(&[_, result, source, reason]) => Ok(Reject {
            result,
            source,
            reason,
        }),
        _ => Err(DicomError::Short {
            pdu: "A-ASSOCIATE-RJ",
            len: body.len(),
            need: 4,
        }),
    }
}

/// Decodes an A-ABORT body.
pub fn parse_abort(body: &[u8]) -> Result<Abort, DicomError> {
    match body.get(..4) {
        Some(&[_, _, source, reason]) => Ok(Abort { source, reason }),
        _ => Err(DicomError::Short {
            pdu: "A-ABORT",
            len: body.len(),
            need: 4,
        }),
    }
}

/// The elements of a DIMSE command set this parser reads (PS3.7 §E.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// (0000,0100) CommandField.
    pub field: Option<u16>,
    /// (0000,0110) MessageID.
    pub message_id: Option<u16>,
    /// (0000,0120) MessageIDBeingRespondedTo.
    pub responded_to: Option<u16>,
    /// (0000,0002) AffectedSOPClassUID, or (0000,0003) RequestedSOPClassUID.
    pub sop_class: Option<String>,
    /// (0000,0600) MoveDestination: where a C-MOVE sends the images.
    pub move_destination: Option<String>,
    /// (0000,0900) Status.
    pub status: Option<u16>,
}

impl Command {
    /// The command's name (`C-ECHO-RQ`, `C-STORE-RSP`, ...), `None` for an
    /// unknown CommandField.
    pub fn name(&self) -> Option<&'static str> {
        command_name(self.field?)
    }
}

/// The name of DIMSE CommandField `field`.
pub fn command_name(field: u16) -> Option<&'static str> {
    Some(match field {
        0x0001 => "C-STORE-RQ",
        0x8001 => "C-STORE-RSP",
        0x0010 => "C-GET-RQ",
        0x8010 => "C-GET-RSP",
        0x0020 => "C-FIND-RQ",
        0x8020 => "C-FIND-RSP",
        0x0021 => "C-MOVE-RQ",
        0x8021 => "C-MOVE-RSP",
        0x0030 => "C-ECHO-RQ",
        0x8030 => "C-ECHO-RSP",
        0x0FFF => "C-CANCEL-RQ",
        0x0100 => "N-EVENT-REPORT-RQ",
        0x8100 => "N-EVENT-REPORT-RSP",
        0x0110 => "N-GET-RQ",
        0x8110 => "N-GET-RSP",
        0x0120 => "N-SET-RQ",
        0x8120 => "N-SET-RSP",
        0x0130 => "N-ACTION-RQ",
        0x8130 => "N-ACTION-RSP",
        0x0140 => "N-CREATE-RQ",
        0x8140 => "N-CREATE-RSP",
        0x0150 => "N-DELETE-RQ",
        0x8150 => "N-DELETE-RSP",
        _ => return None,
    })
}

/// The class of a DIMSE status (PS3.7 Annex C): `success`, `pending`,
/// `cancel`, `warning` or `failure`.
pub fn status_class(status: u16) -> &'static str {
    match status {
        0x0000 => "success",
        0xFF00 | 0xFF01 => "pending",
        0xFE00 => "cancel",
        0x0001 | 0x0107 | 0x0116 | 0xB000..=0xBFFF => "warning",
        _ => "failure",
    }
}

/// Decodes a command set (implicit VR little endian, group 0000 only).
pub fn parse_command(b: &[u8]) -> Result<Command, DicomError> {
    let mut c = Command::default();
    let mut off = 0usize;
    while off < b.len() {
        let bad = DicomError::BadCommand { offset: off };
        let Some(&[g0, g1, e0, e1, l0, l1, l2, l3]) = b.get(off..off + 8) else {
            return Err(bad);
        };
        let (group, elem) = (u16::from_le_bytes([g0, g1]), u16::from_le_bytes([e0, e1]));
        let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
        let Some(value) = off
            .checked_add(8)
            .and_then(|s| Some((s, s.checked_add(len)?)))
            .and_then(|(s, e)| b.get(s..e))
        else {
            return Err(bad);
        };
        if group != 0 {
            return Err(bad);
        }
        let us = || match value {
            [a, b, ..] => Some(u16::from_le_bytes([*a, *b])),
            _ => None,
        };
        match elem {
            0x0002 | 0x0003 => c.sop_class = Some(uid(value)),
            0x0100 => c.field = us(),
            0x0110 => c.message_id = us(),
            0x0120 => c.responded_to = us(),
            0x0600 => c.move_destination = Some(uid(value)),
            0x0900 => c.status = us(),
            _ => {}
        }
        off += 8 + len;
    }
    Ok(c)
}

/// The name of a well-known SOP class, transfer syntax or application
/// context UID (PS3.6 Annex A), for EVE readers.
pub fn uid_name(uid: &str) -> Option<&'static str> {
    Some(match uid {
        "1.2.840.10008.3.1.1.1" => "DICOM Application Context",
        "1.2.840.10008.1.1" => "Verification",
        "1.2.840.10008.1.2" => "Implicit VR Little Endian",
        "1.2.840.10008.1.2.1" => "Explicit VR Little Endian",
        "1.2.840.10008.1.2.1.99" => "Deflated Explicit VR Little Endian",
        "1.2.840.10008.1.2.2" => "Explicit VR Big Endian",
        "1.2.840.10008.1.2.4.50" => "JPEG Baseline",
        "1.2.840.10008.1.2.4.51" => "JPEG Extended",
        "1.2.840.10008.1.2.4.57" => "JPEG Lossless",
        "1.2.840.10008.1.2.4.70" => "JPEG Lossless SV1",
        "1.2.840.10008.1.2.4.80" => "JPEG-LS Lossless",
        "1.2.840.10008.1.2.4.81" => "JPEG-LS Near-Lossless",
        "1.2.840.10008.1.2.4.90" => "JPEG 2000 Lossless",
        "1.2.840.10008.1.2.4.91" => "JPEG 2000",
        "1.2.840.10008.1.2.5" => "RLE Lossless",
        "1.2.840.10008.1.20.1" => "Storage Commitment Push Model",
        "1.2.840.10008.3.1.2.3.3" => "Modality Performed Procedure Step",
        "1.2.840.10008.5.1.4.31" => "Modality Worklist Information Model - FIND",
        "1.2.840.10008.5.1.4.1.1.1" => "CR Image Storage",
        "1.2.840.10008.5.1.4.1.1.1.1" => "Digital X-Ray Image Storage - For Presentation",
        "1.2.840.10008.5.1.4.1.1.1.2" => {
            "Digital Mammography X-Ray Image Storage - For Presentation"
        }
        "1.2.840.10008.5.1.4.1.1.2" => "CT Image Storage",
        "1.2.840.10008.5.1.4.1.1.2.1" => "Enhanced CT Image Storage",
        "1.2.840.10008.5.1.4.1.1.3.1" => "Ultrasound Multi-frame Image Storage",
        "1.2.840.10008.5.1.4.1.1.4" => "MR Image Storage",
        "1.2.840.10008.5.1.4.1.1.4.1" => "Enhanced MR Image Storage",
        "1.2.840.10008.5.1.4.1.1.6.1" => "Ultrasound Image Storage",
        "1.2.840.10008.5.1.4.1.1.7" => "Secondary Capture Image Storage",
        "1.2.840.10008.5.1.4.1.1.12.1" => "X-Ray Angiographic Image Storage",
        "1.2.840.10008.5.1.4.1.1.20" => "Nuclear Medicine Image Storage",
        "1.2.840.10008.5.1.4.1.1.88.11" => "Basic Text SR Storage",
        "1.2.840.10008.5.1.4.1.1.88.22" => "Enhanced SR Storage",
        "1.2.840.10008.5.1.4.1.1.88.33" => "Comprehensive SR Storage",
        "1.2.840.10008.5.1.4.1.1.104.1" => "Encapsulated PDF Storage",
        "1.2.840.10008.5.1.4.1.1.128" => "Positron Emission Tomography Image Storage",
        "1.2.840.10008.5.1.4.1.1.481.1" => "RT Image Storage",
        "1.2.840.10008.5.1.4.1.2.1.1" => "Patient Root Query/Retrieve Information Model - FIND",
        "1.2.840.10008.5.1.4.1.2.1.2" => "Patient Root Query/Retrieve Information Model - MOVE",
        "1.2.840.10008.5.1.4.1.2.1.3" => "Patient Root Query/Retrieve Information Model - GET",
        "1.2.840.10008.5.1.4.1.2.2.1" => "Study Root Query/Retrieve Information Model - FIND",
        "1.2.840.10008.5.1.4.1.2.2.2" => "Study Root Query/Retrieve Information Model - MOVE",
        "1.2.840.10008.5.1.4.1.2.2.3" => "Study Root Query/Retrieve Information Model - GET",
        _ => return None,
    })
}

/// The name of an A-ASSOCIATE-AC presentation context result.
pub fn context_result_str(r: u8) -> &'static str {
    match r {
        0 => "acceptance",
        1 => "user-rejection",
        2 => "no-reason",
        3 => "abstract-syntax-not-supported",
        4 => "transfer-syntaxes-not-supported",
        _ => "reserved",
    }
}
