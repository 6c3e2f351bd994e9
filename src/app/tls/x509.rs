//! A small, bounded DER walker for the three X.509 fields detection uses:
//! serial number, issuer and subject (RFC 5280 §4.1). No x509 crate: a
//! certificate is walked once over borrowed bytes, without recursion beyond
//! the fixed depth of `Certificate → TBSCertificate → Name → RDN → attribute`.
//!
//! Names are formatted as Suricata formats `tls.cert_subject` and
//! `tls.cert_issuer` (it prints x509-parser's `X509Name`): RDNs joined with
//! `", "`, multi-valued RDNs with `" + "`, each attribute `ABBREV=value`
//! (`C=US, ST=WA, O=Example, CN=example.com`); string values as their bytes,
//! BMPString decoded from UTF-16, other value types as uppercase hex; unknown
//! attribute types as `OID(1.2.3.4)`. One difference: a string value that is
//! not valid UTF-8 is kept as its bytes (x509-parser rejects the whole name,
//! and Suricata then logs an error text instead).

use std::fmt::Write as _;

/// Longest formatted name kept (bytes); longer names are cut. A name is
/// inside a handshake message (≤ 64 KiB) but hex and `OID(...)` forms expand
/// it, so the output has its own cap.
pub const MAX_NAME_TEXT: usize = 16 * 1024;

/// Why a certificate did not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum X509Error {
    /// A DER element's tag or length runs past its enclosing element.
    #[error("X.509 DER element at byte {offset} is truncated")]
    Truncated {
        /// Offset from the certificate start.
        offset: usize,
    },
    /// Indefinite or over-long length (DER forbids the former; more than 4
    /// length bytes cannot fit a TLS message).
    #[error("X.509 DER element at byte {offset} has an invalid length encoding")]
    BadLength {
        /// Offset from the certificate start.
        offset: usize,
    },
    /// An element with another tag than the structure requires.
    #[error("X.509 {field}: expected DER tag 0x{expected:02x}, found 0x{found:02x}")]
    UnexpectedTag {
        /// The field being read.
        field: &'static str,
        /// Tag required.
        expected: u8,
        /// Tag found.
        found: u8,
    },
    /// An OBJECT IDENTIFIER that does not decode.
    #[error("X.509 name attribute has a malformed OBJECT IDENTIFIER")]
    BadOid,
}

/// The fields of a certificate that detection and logging use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateFields {
    /// The serialNumber INTEGER's content bytes as on the wire (a leading 00
    /// kept).
    pub serial: Vec<u8>,
    /// Issuer, formatted (see the module docs).
    pub issuer: Vec<u8>,
    /// Subject, formatted.
    pub subject: Vec<u8>,
}

/// The serial number as Suricata prints it: uppercase hex bytes joined by
/// `:` (`00:8A:1B`).
pub fn format_serial(raw: &[u8]) -> String {
    let mut s = String::with_capacity(raw.len() * 3);
    for (i, b) in raw.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// DER tags used here.
mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const VERSION: u8 = 0xa0;
    pub const BMP_STRING: u8 = 0x1e;
}

/// One DER element over borrowed bytes.
#[derive(Clone, Copy, Debug)]
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    /// Offset of `content` from the certificate start (for errors).
    at: usize,
}

/// Reads elements one after the other from a slice.
#[derive(Clone, Copy)]
struct Reader<'a> {
    rest: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(content: &'a [u8], at: usize) -> Reader<'a> {
        Reader { rest: content, at }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn next(&mut self) -> Result<Tlv<'a>, X509Error> {
        let start = self.at;
        let trunc = X509Error::Truncated { offset: start };
        let (&first, mut rest) = self.rest.split_first().ok_or(trunc.clone())?;
        let mut used = 1;
        if first & 0x1f == 0x1f {
            // High tag number form: continuation bytes with bit 7 set. Only
            // skipped (no field read here uses one); at most 4 bytes.
            loop {
                let (&b, r) = rest.split_first().ok_or(trunc.clone())?;
                rest = r;
                used += 1;
                if b & 0x80 == 0 {
                    break;
                }
                if used > 5 {
                    return Err(X509Error::BadLength { offset: start });
                }
            }
        }
        let (&l0, r) = rest.split_first().ok_or(trunc.clone())?;
        rest = r;
        used += 1;
        let len = if l0 < 0x80 {
            usize::from(l0)
        } else {
            let n = usize::from(l0 & 0x7f);
            if n == 0 || n > 4 {
                return Err(X509Error::BadLength { offset: start });
            }
            let bytes = rest.get(..n).ok_or(trunc.clone())?;
            rest = &rest[n..];
            used += n;
            bytes
                .iter()
                .fold(0usize, |acc, &b| acc << 8 | usize::from(b))
        };
        let content = rest.get(..len).ok_or(trunc)?;
        let tlv = Tlv {
            tag: first,
            content,
            at: start + used,
        };
        self.rest = &rest[len..];
        self.at = start + used + len;
        Ok(tlv)
    }

    /// The next element, which must have tag `expected`.
    fn element(&mut self, expected: u8, field: &'static str) -> Result<Tlv<'a>, X509Error> {
        let t = self.next()?;
        if t.tag != expected {
            return Err(X509Error::UnexpectedTag {
                field,
                expected,
                found: t.tag,
            });
        }
        Ok(t)
    }
}

/// Reads serial, issuer and subject of one DER certificate.
pub fn parse_certificate(der: &[u8]) -> Result<CertificateFields, X509Error> {
    let cert = Reader::new(der, 0).element(tag::SEQUENCE, "Certificate")?;
    let tbs = Reader::new(cert.content, cert.at).element(tag::SEQUENCE, "TBSCertificate")?;
    let mut r = Reader::new(tbs.content, tbs.at);
    let mut first = r.next()?;
    if first.tag == tag::VERSION {
        first = r.next()?;
    }
    if first.tag != tag::INTEGER {
        return Err(X509Error::UnexpectedTag {
            field: "serialNumber",
            expected: tag::INTEGER,
            found: first.tag,
        });
    }
    let serial = first.content.to_vec();
    r.element(tag::SEQUENCE, "signature")?;
    let issuer = r.element(tag::SEQUENCE, "issuer")?;
    r.element(tag::SEQUENCE, "validity")?;
    let subject = r.element(tag::SEQUENCE, "subject")?;
    Ok(CertificateFields {
        serial,
        issuer: format_name(issuer)?,
        subject: format_name(subject)?,
    })
}

/// `Name ::= SEQUENCE OF RelativeDistinguishedName` to text.
fn format_name(name: Tlv<'_>) -> Result<Vec<u8>, X509Error> {
    let mut out = Vec::new();
    let mut rdns = Reader::new(name.content, name.at);
    let mut first_rdn = true;
    while !rdns.is_empty() {
        let rdn = rdns.element(tag::SET, "RelativeDistinguishedName")?;
        if !first_rdn {
            out.extend_from_slice(b", ");
        }
        first_rdn = false;
        let mut attrs = Reader::new(rdn.content, rdn.at);
        let mut first_attr = true;
        while !attrs.is_empty() {
            let atv = attrs.element(tag::SEQUENCE, "AttributeTypeAndValue")?;
            let mut parts = Reader::new(atv.content, atv.at);
            let oid = parts.element(tag::OID, "AttributeType")?;
            let value = parts.next()?;
            if !first_attr {
                out.extend_from_slice(b" + ");
            }
            first_attr = false;
            let dotted = oid_to_dotted(oid.content).ok_or(X509Error::BadOid)?;
            match attribute_abbrev(&dotted) {
                Some(a) => out.extend_from_slice(a.as_bytes()),
                None => {
                    out.extend_from_slice(b"OID(");
                    out.extend_from_slice(dotted.as_bytes());
                    out.push(b')');
                }
            }
            out.push(b'=');
            push_value(&mut out, value);
            if out.len() > MAX_NAME_TEXT {
                out.truncate(MAX_NAME_TEXT);
                return Ok(out);
            }
        }
    }
    Ok(out)
}

/// Appends an attribute value as x509-parser prints it.
fn push_value(out: &mut Vec<u8>, v: Tlv<'_>) {
    match v.tag {
        // NumericString, VisibleString, PrintableString, GeneralString,
        // ObjectDescriptor, GraphicString, T61String, VideotexString,
        // UTF8String, IA5String: the bytes.
        0x12 | 0x1a | 0x13 | 0x1b | 0x07 | 0x19 | 0x14 | 0x15 | 0x0c | 0x16 => {
            out.extend_from_slice(v.content)
        }
        tag::BMP_STRING => {
            let units = v
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            let mut s: String = char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            if v.content.len() % 2 == 1 {
                s.push(char::REPLACEMENT_CHARACTER);
            }
            out.extend_from_slice(s.as_bytes());
        }
        _ => {
            for b in v.content {
                let _ = write!(HexSink(out), "{b:02X}");
            }
        }
    }
}

/// Lets `write!` append to a byte vector.
struct HexSink<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for HexSink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Dotted form of an OBJECT IDENTIFIER's content (`2.5.4.3`); `None` when it
/// is empty, ends mid-arc or has an arc over 64 bits.
pub fn oid_to_dotted(content: &[u8]) -> Option<String> {
    let mut s = String::new();
    let mut arc: u64 = 0;
    let mut first = true;
    let mut pending = false;
    for &b in content {
        if arc > u64::MAX >> 7 {
            return None;
        }
        arc = arc << 7 | u64::from(b & 0x7f);
        pending = true;
        if b & 0x80 != 0 {
            continue;
        }
        if first {
            let (x, y) = match arc {
                0..=39 => (0, arc),
                40..=79 => (1, arc - 40),
                _ => (2, arc - 80),
            };
            let _ = write!(s, "{x}.{y}");
            first = false;
        } else {
            let _ = write!(s, ".{arc}");
        }
        arc = 0;
        pending = false;
    }
    (!first && !pending).then_some(s)
}

/// x509-parser's names for attribute types: its abbreviations first, then
/// the oid-registry short names it falls back to.
fn attribute_abbrev(dotted: &str) -> Option<&'static str> {
    Some(match dotted {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "Email",
        "2.5.4.0" => "objectClass",
        "2.5.4.1" => "aliasedEntryName",
        "2.5.4.2" => "knowledgeInformation",
        "2.5.4.4" => "surname",
        "2.5.4.5" => "serialNumber",
        "2.5.4.9" => "streetAddress",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.14" => "searchGuide",
        "2.5.4.15" => "businessCategory",
        "2.5.4.16" => "postalAddress",
        "2.5.4.17" => "postalCode",
        "2.5.4.41" => "name",
        "2.5.4.42" => "givenName",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.45" => "uniqueIdentifier",
        "2.5.4.46" => "dnQualifier",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "1.3.6.1.4.1.311.60.2.1.1" => "msJurisdictionLocality",
        "1.3.6.1.4.1.311.60.2.1.2" => "msJurisdictionStateOrProvince",
        "1.3.6.1.4.1.311.60.2.1.3" => "msJurisdictionCountry",
        _ => return None,
    })
}
