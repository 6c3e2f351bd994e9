//! Pure DNS message parsing (RFC 1035 §4): bytes in, [`DnsMessage`] out.
//!
//! Names are decoded the way Suricata's `dns.query` shows them: labels joined
//! with `.`, bytes kept as they are (case preserved, no escaping), no trailing
//! dot, the root name as the empty string.
//!
//! Compression pointers (RFC 1035 §4.1.4) may only point *backwards*: each
//! pointer must land before the name's start and before the previous pointer's
//! target, as BIND's `dns_name_fromwire` requires. That rules out loops by
//! construction (every jump strictly decreases the position) instead of by a
//! counter, and a message only has "prior occurrences" to point at anyway.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Length of the fixed DNS header.
pub const HEADER_LEN: usize = 12;

/// Longest decoded name kept, in bytes; longer names are cut here and flagged.
/// Suricata's limit (RFC 1035 allows 255 wire octets, but an attacker's name
/// is exactly the one worth seeing, so keep more than the RFC allows).
pub const MAX_NAME_LEN: usize = 1025;

/// Most labels and compression pointers in one name together (a 255-octet
/// name has at most 127 labels; real names follow one pointer or two). More
/// is an attack on parsers, reported as an error: without this bound, a chain
/// of backward pointers costs as many steps per name as the message has
/// bytes, for each of thousands of records.
const MAX_NAME_STEPS: usize = 255;

/// Most records (questions included) stored per message; further records are
/// still walked (to validate and find the end) but only counted. Bounds memory
/// per message: a 64 KiB message could hold 5,000 tiny records.
pub const MAX_STORED_RECORDS: usize = 256;

/// Most decoded bytes (names and rdata) stored per message. Compression lets a
/// 2-byte pointer expand to a 1,025-byte name, so a message can otherwise grow
/// ~500 times when decoded; past this budget records are only counted.
pub const MAX_DECODED_BYTES: usize = 128 * 1024;

/// The section of a message a record belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// The header.
    Header,
    /// Question section.
    Question,
    /// Answer section.
    Answer,
    /// Authority section.
    Authority,
    /// Additional section.
    Additional,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Section::Header => "header",
            Section::Question => "question",
            Section::Answer => "answer",
            Section::Authority => "authority",
            Section::Additional => "additional",
        })
    }
}

/// Why a DNS message could not be (fully) decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// Fewer than 12 bytes.
    #[error("DNS message of {len} bytes is shorter than the 12-byte header")]
    ShortHeader {
        /// Bytes available.
        len: usize,
    },
    /// A record or name runs past the end of the message.
    #[error("DNS {section} section runs past the end of the {len}-byte message at byte {offset}")]
    Truncated {
        /// Where.
        section: Section,
        /// Offset of the item that did not fit.
        offset: usize,
        /// Message length.
        len: usize,
    },
    /// A label length byte with the reserved top bits `01` or `10` (RFC 6891
    /// retired the extended label types).
    #[error(
        "DNS {section} name at byte {offset}: label byte 0x{byte:02x} is neither a length nor a pointer"
    )]
    BadLabel {
        /// Where.
        section: Section,
        /// Offset of the label byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A compression pointer that does not point strictly backwards (a loop,
    /// or a pointer past the end).
    #[error(
        "DNS {section} name at byte {offset}: compression pointer to byte {target} does not point backwards (loop or forward pointer)"
    )]
    BadPointer {
        /// Where.
        section: Section,
        /// Offset of the pointer.
        offset: usize,
        /// Its target.
        target: usize,
    },
    /// A name with more than 255 labels and compression pointers.
    #[error("DNS {section} name at byte {offset}: more than 255 labels and compression pointers")]
    TooManyLabels {
        /// Where.
        section: Section,
        /// Offset of the name.
        offset: usize,
    },
}

/// The fixed header (RFC 1035 §4.1.1).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsHeader {
    /// Transaction id.
    pub id: u16,
    /// The flags word as on the wire (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode).
    pub flags: u16,
    /// Question count.
    pub qdcount: u16,
    /// Answer count.
    pub ancount: u16,
    /// Authority count.
    pub nscount: u16,
    /// Additional count.
    pub arcount: u16,
}

impl DnsHeader {
    /// Decodes the 12-byte header.
    pub fn parse(data: &[u8]) -> Result<DnsHeader, DnsError> {
        match data.get(..HEADER_LEN) {
            Some(h) => Ok(DnsHeader {
                id: be16(h, 0),
                flags: be16(h, 2),
                qdcount: be16(h, 4),
                ancount: be16(h, 6),
                nscount: be16(h, 8),
                arcount: be16(h, 10),
            }),
            None => Err(DnsError::ShortHeader { len: data.len() }),
        }
    }

    /// QR: true for a response.
    pub fn qr(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    /// Opcode (0 query, 1 inverse query, 2 status, 4 notify, 5 update).
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }

    /// Authoritative answer.
    pub fn aa(&self) -> bool {
        self.flags & 0x0400 != 0
    }

    /// Truncated (the answer did not fit a UDP datagram).
    pub fn tc(&self) -> bool {
        self.flags & 0x0200 != 0
    }

    /// Recursion desired.
    pub fn rd(&self) -> bool {
        self.flags & 0x0100 != 0
    }

    /// Recursion available.
    pub fn ra(&self) -> bool {
        self.flags & 0x0080 != 0
    }

    /// The reserved Z bit (must be zero; set by some tunnels and scanners).
    pub fn z(&self) -> bool {
        self.flags & 0x0040 != 0
    }

    /// Response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...).
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xf) as u8
    }
}

/// A resource record type (open: every value is representable).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RrType(pub u16);

impl RrType {
    /// IPv4 address.
    pub const A: RrType = RrType(1);
    /// Name server.
    pub const NS: RrType = RrType(2);
    /// Canonical name.
    pub const CNAME: RrType = RrType(5);
    /// Start of authority.
    pub const SOA: RrType = RrType(6);
    /// Pointer (reverse lookups).
    pub const PTR: RrType = RrType(12);
    /// Mail exchange.
    pub const MX: RrType = RrType(15);
    /// Text strings.
    pub const TXT: RrType = RrType(16);
    /// IPv6 address.
    pub const AAAA: RrType = RrType(28);
    /// Service locator.
    pub const SRV: RrType = RrType(33);
    /// EDNS(0) pseudo-record (RFC 6891).
    pub const OPT: RrType = RrType(41);
    /// Any (query only).
    pub const ANY: RrType = RrType(255);

    /// The mnemonic Suricata logs (`"A"`, `"AAAA"`, ...), or `None` when this
    /// module has no name for it.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "A",
            2 => "NS",
            5 => "CNAME",
            6 => "SOA",
            12 => "PTR",
            15 => "MX",
            16 => "TXT",
            28 => "AAAA",
            33 => "SRV",
            41 => "OPT",
            255 => "ANY",
            _ => return None,
        })
    }
}

/// One entry of the question section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsQuestion {
    /// Dotted name (see the module docs).
    pub name: Vec<u8>,
    /// True when the name was longer than [`MAX_NAME_LEN`] and was cut.
    pub name_truncated: bool,
    /// QTYPE.
    pub rtype: RrType,
    /// QCLASS (1 = IN).
    pub rclass: u16,
}

/// Decoded RDATA for the types that detection looks at; the rest raw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    /// A.
    A(Ipv4Addr),
    /// AAAA.
    Aaaa(Ipv6Addr),
    /// CNAME target.
    Cname(Vec<u8>),
    /// NS name.
    Ns(Vec<u8>),
    /// PTR name.
    Ptr(Vec<u8>),
    /// MX preference and exchange.
    Mx {
        /// Preference.
        preference: u16,
        /// Exchange host name.
        exchange: Vec<u8>,
    },
    /// TXT character-strings, each without its length byte.
    Txt(Vec<Vec<u8>>),
    /// Any other type, and known types whose RDATA was malformed (then
    /// [`DnsAnomalies::bad_rdata`] is set): the bytes as on the wire.
    Raw(Vec<u8>),
}

/// A resource record of the answer, authority or additional section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsRecord {
    /// Owner name (dotted).
    pub name: Vec<u8>,
    /// Type.
    pub rtype: RrType,
    /// Class (for OPT: the requestor's UDP payload size).
    pub rclass: u16,
    /// TTL (for OPT: extended rcode and flags).
    pub ttl: u32,
    /// The data.
    pub rdata: RData,
}

/// Oddities seen while decoding that did not stop it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsAnomalies {
    /// Some name was longer than [`MAX_NAME_LEN`] and was cut.
    pub name_truncated: bool,
    /// Some record of a known type had RDATA that did not decode (kept raw).
    pub bad_rdata: bool,
    /// Records walked but not stored ([`MAX_STORED_RECORDS`] or
    /// [`MAX_DECODED_BYTES`] reached).
    pub records_dropped: u32,
    /// Bytes after the last record the header announced.
    pub trailing_bytes: usize,
}

/// A decoded message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsMessage {
    /// Header.
    pub header: DnsHeader,
    /// Questions.
    pub questions: Vec<DnsQuestion>,
    /// Answer records.
    pub answers: Vec<DnsRecord>,
    /// Authority records.
    pub authorities: Vec<DnsRecord>,
    /// Additional records (including EDNS OPT).
    pub additionals: Vec<DnsRecord>,
    /// Oddities.
    pub anomalies: DnsAnomalies,
    /// When a record section was malformed: why. The header and questions
    /// decoded (else [`parse_message`] fails); records before the bad one are
    /// kept, nothing after it.
    pub malformed: Option<DnsError>,
}

impl DnsMessage {
    /// True for a response (QR set).
    pub fn is_response(&self) -> bool {
        self.header.qr()
    }
}

/// Decodes one DNS message (a UDP payload, or one TCP frame without its
/// 2-byte length).
///
/// Fails when the header or the question section is malformed. A malformed
/// answer, authority or additional section keeps what decoded before it and
/// records the reason in [`DnsMessage::malformed`] (lenient decoding: the
/// query name is what detection needs most).
pub fn parse_message(msg: &[u8]) -> Result<DnsMessage, DnsError> {
    let header = DnsHeader::parse(msg)?;
    let mut ctx = Ctx {
        msg,
        budget: MAX_DECODED_BYTES,
        stored: 0,
        anomalies: DnsAnomalies::default(),
    };
    let mut out = DnsMessage {
        header,
        ..DnsMessage::default()
    };
    let mut pos = HEADER_LEN;
    for _ in 0..header.qdcount {
        let (q, next) = ctx.question(pos)?;
        if let Some(q) = q {
            out.questions.push(q);
        }
        pos = next;
    }
    let sections = [
        (Section::Answer, header.ancount),
        (Section::Authority, header.nscount),
        (Section::Additional, header.arcount),
    ];
    'sections: for (section, count) in sections {
        for _ in 0..count {
            match ctx.record(section, pos) {
                Ok((rec, next)) => {
                    if let Some(rec) = rec {
                        match section {
                            Section::Answer => out.answers.push(rec),
                            Section::Authority => out.authorities.push(rec),
                            _ => out.additionals.push(rec),
                        }
                    }
                    pos = next;
                }
                Err(e) => {
                    out.malformed = Some(e);
                    break 'sections;
                }
            }
        }
    }
    if out.malformed.is_none() {
        ctx.anomalies.trailing_bytes = msg.len().saturating_sub(pos);
    }
    out.anomalies = ctx.anomalies;
    Ok(out)
}

/// Decodes the name at `offset` of `msg` (compression resolved against
/// `msg`). Returns the dotted name, whether it was cut at [`MAX_NAME_LEN`],
/// and the offset just after the name *at its site* (after the first pointer,
/// or after the terminating zero label).
pub fn parse_name(msg: &[u8], offset: usize) -> Result<(Vec<u8>, bool, usize), DnsError> {
    let mut name = Vec::new();
    let (truncated, next) = read_name(msg, offset, Section::Question, &mut name)?;
    Ok((name, truncated, next))
}

/// Decoding state of one message: the budget of stored bytes and records.
struct Ctx<'a> {
    msg: &'a [u8],
    budget: usize,
    stored: usize,
    anomalies: DnsAnomalies,
}

impl Ctx<'_> {
    /// True when another record of `bytes` decoded bytes may be stored; else
    /// counts it as dropped.
    fn admit(&mut self, bytes: usize) -> bool {
        if self.stored < MAX_STORED_RECORDS && bytes <= self.budget {
            self.stored += 1;
            self.budget -= bytes;
            true
        } else {
            self.anomalies.records_dropped = self.anomalies.records_dropped.saturating_add(1);
            false
        }
    }

    fn name(&mut self, pos: usize, section: Section) -> Result<(Vec<u8>, bool, usize), DnsError> {
        let mut name = Vec::new();
        let (truncated, next) = read_name(self.msg, pos, section, &mut name)?;
        self.anomalies.name_truncated |= truncated;
        Ok((name, truncated, next))
    }

    fn question(&mut self, pos: usize) -> Result<(Option<DnsQuestion>, usize), DnsError> {
        let (name, name_truncated, at) = self.name(pos, Section::Question)?;
        let fixed = self.fixed(at, 4, Section::Question)?;
        let q = DnsQuestion {
            name_truncated,
            rtype: RrType(be16(fixed, 0)),
            rclass: be16(fixed, 2),
            name,
        };
        let keep = self.admit(q.name.len());
        Ok((keep.then_some(q), at + 4))
    }

    fn record(
        &mut self,
        section: Section,
        pos: usize,
    ) -> Result<(Option<DnsRecord>, usize), DnsError> {
        let (name, _, at) = self.name(pos, section)?;
        let fixed = self.fixed(at, 10, section)?;
        let rtype = RrType(be16(fixed, 0));
        let rclass = be16(fixed, 2);
        let ttl = be32(fixed, 4);
        let rdlen = usize::from(be16(fixed, 8));
        let rstart = at + 10;
        let rend = rstart + rdlen;
        if rend > self.msg.len() {
            return Err(DnsError::Truncated {
                section,
                offset: at,
                len: self.msg.len(),
            });
        }
        let rdata = self.rdata(rtype, rstart, rend, section);
        let size = name.len() + rdata_size(&rdata);
        let keep = self.admit(size);
        let rec = DnsRecord {
            name,
            rtype,
            rclass,
            ttl,
            rdata,
        };
        Ok((keep.then_some(rec), rend))
    }

    /// `len` bytes at `pos`, or a truncation error for `section`.
    fn fixed(&self, pos: usize, len: usize, section: Section) -> Result<&[u8], DnsError> {
        self.msg.get(pos..pos + len).ok_or(DnsError::Truncated {
            section,
            offset: pos,
            len: self.msg.len(),
        })
    }

    fn rdata(&mut self, rtype: RrType, start: usize, end: usize, section: Section) -> RData {
        let raw = &self.msg[start..end];
        let decoded = match rtype {
            RrType::A => <[u8; 4]>::try_from(raw)
                .ok()
                .map(|b| RData::A(Ipv4Addr::from(b))),
            RrType::AAAA => <[u8; 16]>::try_from(raw)
                .ok()
                .map(|b| RData::Aaaa(Ipv6Addr::from(b))),
            RrType::CNAME => self.rdata_name(start, end, section).map(RData::Cname),
            RrType::NS => self.rdata_name(start, end, section).map(RData::Ns),
            RrType::PTR => self.rdata_name(start, end, section).map(RData::Ptr),
            RrType::MX if raw.len() >= 2 => {
                self.rdata_name(start + 2, end, section)
                    .map(|exchange| RData::Mx {
                        preference: be16(raw, 0),
                        exchange,
                    })
            }
            RrType::MX => None,
            RrType::TXT => txt_strings(raw).map(RData::Txt),
            _ => return RData::Raw(raw.to_vec()),
        };
        decoded.unwrap_or_else(|| {
            self.anomalies.bad_rdata = true;
            RData::Raw(raw.to_vec())
        })
    }

    /// A name that must end exactly at the end of its RDATA.
    fn rdata_name(&mut self, start: usize, end: usize, section: Section) -> Option<Vec<u8>> {
        // Resolve against the whole message (pointers may go anywhere before),
        // but the name's own bytes must stay inside the RDATA.
        match self.name(start, section) {
            Ok((name, _, next)) if next == end => Some(name),
            _ => None,
        }
    }
}

/// Decoded size of an RDATA, for the budget.
fn rdata_size(r: &RData) -> usize {
    match r {
        RData::A(_) => 4,
        RData::Aaaa(_) => 16,
        RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => n.len(),
        RData::Mx { exchange, .. } => exchange.len() + 2,
        RData::Txt(t) => t.iter().map(|s| s.len() + 24).sum(),
        RData::Raw(b) => b.len(),
    }
}

/// TXT RDATA: one or more `<len><bytes>` character-strings filling it exactly.
fn txt_strings(mut raw: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = raw.split_first() {
        let s = rest.get(..usize::from(len))?;
        out.push(s.to_vec());
        raw = &rest[usize::from(len)..];
    }
    Some(out)
}

/// Walks the name at `start`, appending its dotted form to `out` (cut at
/// [`MAX_NAME_LEN`]). Returns (cut, offset after the name at its site).
fn read_name(
    msg: &[u8],
    start: usize,
    section: Section,
    out: &mut Vec<u8>,
) -> Result<(bool, usize), DnsError> {
    let truncated = |offset| DnsError::Truncated {
        section,
        offset,
        len: msg.len(),
    };
    let mut pos = start;
    // Every pointer must go strictly below this: the name start, then each
    // pointer's target (BIND's rule; see the module docs).
    let mut limit = start;
    let mut after: Option<usize> = None;
    let mut steps = 0usize;
    let mut cut = false;
    loop {
        let len = *msg.get(pos).ok_or_else(|| truncated(pos))?;
        if len != 0 {
            steps += 1;
            if steps > MAX_NAME_STEPS {
                return Err(DnsError::TooManyLabels {
                    section,
                    offset: start,
                });
            }
        }
        match len & 0xc0 {
            0x00 if len == 0 => {
                return Ok((cut, after.unwrap_or(pos + 1)));
            }
            0x00 => {
                let label = msg
                    .get(pos + 1..pos + 1 + usize::from(len))
                    .ok_or_else(|| truncated(pos))?;
                if !cut {
                    if !out.is_empty() {
                        out.push(b'.');
                    }
                    out.extend_from_slice(label);
                    if out.len() > MAX_NAME_LEN {
                        out.truncate(MAX_NAME_LEN);
                        cut = true;
                    }
                }
                pos += 1 + usize::from(len);
            }
            0xc0 => {
                let lo = *msg.get(pos + 1).ok_or_else(|| truncated(pos))?;
                let target = usize::from(len & 0x3f) << 8 | usize::from(lo);
                if target >= limit {
                    return Err(DnsError::BadPointer {
                        section,
                        offset: pos,
                        target,
                    });
                }
                after.get_or_insert(pos + 2);
                limit = target;
                pos = target;
            }
            _ => {
                return Err(DnsError::BadLabel {
                    section,
                    offset: pos,
                    byte: len,
                });
            }
        }
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
