//! Pure parsers of TLS handshake message bodies (RFC 5246 §7.4, RFC 8446
//! §4): ClientHello, ServerHello and the (TLS ≤ 1.2) Certificate message.
//! Each takes the message body (after the 4-byte handshake header) and
//! returns an owned value; the record layer lives in `state`.

use super::fingerprint::{Ja4Input, ja3_string, ja3s_string, ja4, md5_hex};
use super::x509::{CertificateFields, X509Error, format_serial, parse_certificate};

/// Record content types (RFC 8446 §5.1).
pub mod content_type {
    /// change_cipher_spec.
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// alert.
    pub const ALERT: u8 = 21;
    /// handshake.
    pub const HANDSHAKE: u8 = 22;
    /// application_data.
    pub const APPLICATION_DATA: u8 = 23;
    /// heartbeat (RFC 6520).
    pub const HEARTBEAT: u8 = 24;
}

/// Handshake message types used here.
pub mod handshake_type {
    /// client_hello.
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello.
    pub const SERVER_HELLO: u8 = 2;
    /// certificate.
    pub const CERTIFICATE: u8 = 11;
}

/// Extension types used here (IANA TLS ExtensionType registry).
pub mod extension {
    /// server_name (RFC 6066).
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups, formerly elliptic_curves (RFC 8422).
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// ec_point_formats (RFC 8422).
    pub const EC_POINT_FORMATS: u16 = 11;
    /// signature_algorithms (RFC 8446).
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// application_layer_protocol_negotiation (RFC 7301).
    pub const ALPN: u16 = 16;
    /// supported_versions (RFC 8446).
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// Why a handshake message did not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// A field runs past the end of the message.
    #[error("TLS {message}: {field} runs past the end of the {len}-byte message")]
    Truncated {
        /// Message being decoded.
        message: &'static str,
        /// Field that did not fit.
        field: &'static str,
        /// Message body length.
        len: usize,
    },
    /// The extensions block's length does not match its contents.
    #[error("TLS {message}: extension block of {declared} bytes does not hold whole extensions")]
    BadExtensions {
        /// Message being decoded.
        message: &'static str,
        /// Declared length.
        declared: usize,
    },
    /// The first certificate of a Certificate message did not decode.
    #[error("TLS Certificate: {0}")]
    Certificate(#[from] X509Error),
}

/// Reads big-endian fields from a message body, naming the field on failure.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    message: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], message: &'static str) -> Cursor<'a> {
        Cursor {
            data,
            pos: 0,
            message,
        }
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], TlsError> {
        let s = self
            .data
            .get(self.pos..self.pos + n)
            .ok_or(TlsError::Truncated {
                message: self.message,
                field,
                len: self.data.len(),
            })?;
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, TlsError> {
        Ok(self.take(1, field)?[0])
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, TlsError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self, field: &'static str) -> Result<usize, TlsError> {
        let b = self.take(3, field)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    /// A vector with a 1-byte length prefix.
    fn vec8(&mut self, field: &'static str) -> Result<&'a [u8], TlsError> {
        let n = self.u8(field)?;
        self.take(usize::from(n), field)
    }

    /// A vector with a 2-byte length prefix.
    fn vec16(&mut self, field: &'static str) -> Result<&'a [u8], TlsError> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// Big-endian u16 list (an odd trailing byte is ignored).
fn u16_list(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

/// One extension: type and body.
type Extension<'a> = (u16, &'a [u8]);

/// Splits an optional extensions block (absent in SSLv3-era hellos).
fn extensions<'a>(c: &mut Cursor<'a>) -> Result<Vec<Extension<'a>>, TlsError> {
    if c.is_empty() {
        return Ok(Vec::new());
    }
    let message = c.message;
    let block = c.vec16("extensions")?;
    let mut e = Cursor::new(block, message);
    let mut out = Vec::new();
    let bad = || TlsError::BadExtensions {
        message,
        declared: block.len(),
    };
    while !e.is_empty() {
        let ty = e.u16("extension type").map_err(|_| bad())?;
        let body = e.vec16("extension data").map_err(|_| bad())?;
        out.push((ty, body));
    }
    Ok(out)
}

/// A decoded ClientHello with its fingerprints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (0x0303 for TLS 1.2 and 1.3).
    pub version: u16,
    /// Session id (0-32 bytes).
    pub session_id: Vec<u8>,
    /// Cipher suites, in order, GREASE included.
    pub cipher_suites: Vec<u16>,
    /// Compression methods.
    pub compression_methods: Vec<u8>,
    /// Extension types, in order, GREASE included.
    pub extensions: Vec<u16>,
    /// First `host_name` of server_name (RFC 6066 §3), bytes as sent.
    pub sni: Option<Vec<u8>>,
    /// supported_versions list.
    pub supported_versions: Vec<u16>,
    /// supported_groups (JA3's "elliptic curves").
    pub supported_groups: Vec<u16>,
    /// ec_point_formats.
    pub ec_point_formats: Vec<u8>,
    /// ALPN protocol names, in order.
    pub alpn: Vec<Vec<u8>>,
    /// signature_algorithms, in order.
    pub signature_algorithms: Vec<u16>,
    /// Some known extension's body did not decode (its type is still in
    /// `extensions` and the fingerprints).
    pub bad_extension: bool,
    /// JA3 string.
    pub ja3: String,
    /// JA3 hash (MD5 of `ja3`, lowercase hex).
    pub ja3_hash: String,
    /// JA4 (`t13d1516h2_8daaf6152771_e5627efa2ab1`).
    pub ja4: String,
    /// JA4_r: the raw (sorted, unhashed) form of `ja4`.
    pub ja4_raw: String,
}

impl ClientHello {
    /// Decodes a ClientHello body.
    pub fn parse(body: &[u8]) -> Result<ClientHello, TlsError> {
        let mut c = Cursor::new(body, "ClientHello");
        let version = c.u16("legacy_version")?;
        c.take(32, "random")?;
        let session_id = c.vec8("legacy_session_id")?.to_vec();
        let cipher_suites = u16_list(c.vec16("cipher_suites")?);
        let compression_methods = c.vec8("legacy_compression_methods")?.to_vec();
        let exts = extensions(&mut c)?;
        let mut h = ClientHello {
            version,
            session_id,
            cipher_suites,
            compression_methods,
            extensions: exts.iter().map(|e| e.0).collect(),
            ..ClientHello::default()
        };
        for &(ty, data) in &exts {
            let ok = match ty {
                extension::SERVER_NAME => h.sni.is_some() || parse_sni(data, &mut h.sni),
                extension::SUPPORTED_VERSIONS => {
                    let mut e = Cursor::new(data, "supported_versions");
                    e.vec8("versions")
                        .map(|v| h.supported_versions = u16_list(v))
                        .is_ok()
                }
                extension::SUPPORTED_GROUPS => {
                    let mut e = Cursor::new(data, "supported_groups");
                    e.vec16("groups")
                        .map(|v| h.supported_groups = u16_list(v))
                        .is_ok()
                }
                extension::EC_POINT_FORMATS => {
                    let mut e = Cursor::new(data, "ec_point_formats");
                    e.vec8("formats")
                        .map(|v| h.ec_point_formats = v.to_vec())
                        .is_ok()
                }
                extension::SIGNATURE_ALGORITHMS => {
                    let mut e = Cursor::new(data, "signature_algorithms");
                    e.vec16("algorithms")
                        .map(|v| h.signature_algorithms = u16_list(v))
                        .is_ok()
                }
                extension::ALPN => parse_alpn(data, &mut h.alpn),
                _ => true,
            };
            h.bad_extension |= !ok;
        }
        h.ja3 = ja3_string(
            h.version,
            &h.cipher_suites,
            &h.extensions,
            &h.supported_groups,
            &h.ec_point_formats,
        );
        h.ja3_hash = md5_hex(&h.ja3);
        let (j4, j4_raw) = ja4(&Ja4Input {
            transport: 't',
            legacy_version: h.version,
            supported_versions: &h.supported_versions,
            ciphers: &h.cipher_suites,
            extensions: &h.extensions,
            first_alpn: h.alpn.first().map(Vec::as_slice),
            signature_algorithms: &h.signature_algorithms,
        });
        h.ja4 = j4;
        h.ja4_raw = j4_raw;
        Ok(h)
    }

    /// The highest non-GREASE version offered (supported_versions, else
    /// `legacy_version`).
    pub fn max_version(&self) -> u16 {
        self.supported_versions
            .iter()
            .copied()
            .filter(|&v| !super::fingerprint::is_grease(v))
            .max()
            .unwrap_or(self.version)
    }
}

/// server_name: a list of (type, name); type 0 is host_name. Takes the first
/// host_name.
fn parse_sni(data: &[u8], out: &mut Option<Vec<u8>>) -> bool {
    let mut e = Cursor::new(data, "server_name");
    let Ok(list) = e.vec16("server_name_list") else {
        return false;
    };
    let mut l = Cursor::new(list, "server_name");
    while !l.is_empty() {
        let (Ok(kind), Ok(name)) = (l.u8("name_type"), l.vec16("host_name")) else {
            return false;
        };
        if kind == 0 && out.is_none() {
            *out = Some(name.to_vec());
        }
    }
    true
}

/// ALPN: a 2-byte list length, then 1-byte-length protocol names.
fn parse_alpn(data: &[u8], out: &mut Vec<Vec<u8>>) -> bool {
    let mut e = Cursor::new(data, "alpn");
    let Ok(list) = e.vec16("protocol_name_list") else {
        return false;
    };
    let mut l = Cursor::new(list, "alpn");
    while !l.is_empty() {
        let Ok(name) = l.vec8("protocol_name") else {
            return false;
        };
        out.push(name.to_vec());
    }
    true
}

/// The `random` of a HelloRetryRequest: SHA-256 of "HelloRetryRequest"
/// (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// A decoded ServerHello with its JA3S.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version`.
    pub version: u16,
    /// The version supported_versions selected (TLS 1.3), if present.
    pub selected_version: Option<u16>,
    /// Session id.
    pub session_id: Vec<u8>,
    /// Chosen cipher suite.
    pub cipher_suite: u16,
    /// Chosen compression method.
    pub compression_method: u8,
    /// Extension types, in order.
    pub extensions: Vec<u16>,
    /// The ALPN protocol selected, if any.
    pub alpn: Option<Vec<u8>>,
    /// This is a TLS 1.3 HelloRetryRequest (a second ClientHello follows).
    pub hello_retry_request: bool,
    /// JA3S string.
    pub ja3s: String,
    /// JA3S hash (MD5, lowercase hex).
    pub ja3s_hash: String,
}

impl ServerHello {
    /// Decodes a ServerHello body.
    pub fn parse(body: &[u8]) -> Result<ServerHello, TlsError> {
        let mut c = Cursor::new(body, "ServerHello");
        let version = c.u16("legacy_version")?;
        let random = c.take(32, "random")?;
        let session_id = c.vec8("legacy_session_id")?.to_vec();
        let cipher_suite = c.u16("cipher_suite")?;
        let compression_method = c.u8("legacy_compression_method")?;
        let exts = extensions(&mut c)?;
        let mut h = ServerHello {
            version,
            session_id,
            cipher_suite,
            compression_method,
            extensions: exts.iter().map(|e| e.0).collect(),
            hello_retry_request: random == HELLO_RETRY_RANDOM,
            ..ServerHello::default()
        };
        for &(ty, data) in &exts {
            match ty {
                extension::SUPPORTED_VERSIONS => {
                    if let [a, b] = data {
                        h.selected_version = Some(u16::from_be_bytes([*a, *b]));
                    }
                }
                extension::ALPN => {
                    let mut names = Vec::new();
                    if parse_alpn(data, &mut names) {
                        h.alpn = names.into_iter().next();
                    }
                }
                _ => {}
            }
        }
        h.ja3s = ja3s_string(h.version, h.cipher_suite, &h.extensions);
        h.ja3s_hash = md5_hex(&h.ja3s);
        Ok(h)
    }

    /// The negotiated version: supported_versions' choice, else
    /// `legacy_version`.
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.version)
    }
}

/// The server's certificate (the first of the chain) as Suricata logs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerCertificate {
    /// Subject, formatted (`C=US, O=..., CN=...`).
    pub subject: Vec<u8>,
    /// Issuer, formatted.
    pub issuer: Vec<u8>,
    /// Serial as `00:8A:1B:...` (uppercase, colon-separated raw bytes).
    pub serial: String,
    /// Certificates in the chain.
    pub chain_len: usize,
    /// DER length of the first certificate.
    pub der_len: usize,
    /// Every certificate of the chain, DER, in order (`tls.certs`); bounded
    /// by the handshake message size cap.
    pub certs: Vec<Vec<u8>>,
}

impl ServerCertificate {
    /// Decodes a TLS ≤ 1.2 Certificate message body (RFC 5246 §7.4.2) and the
    /// first certificate of its chain. `None` for an empty chain.
    pub fn parse(body: &[u8]) -> Result<Option<ServerCertificate>, TlsError> {
        let mut c = Cursor::new(body, "Certificate");
        let list_len = c.u24("certificate_list")?;
        let list = c.take(list_len, "certificate_list")?;
        let mut l = Cursor::new(list, "Certificate");
        let mut first: Option<&[u8]> = None;
        let mut chain_len = 0;
        let mut certs = Vec::new();
        while !l.is_empty() {
            let n = l.u24("certificate length")?;
            let der = l.take(n, "certificate")?;
            first.get_or_insert(der);
            certs.push(der.to_vec());
            chain_len += 1;
        }
        let Some(der) = first else {
            return Ok(None);
        };
        let CertificateFields {
            serial,
            issuer,
            subject,
        } = parse_certificate(der)?;
        Ok(Some(ServerCertificate {
            subject,
            issuer,
            serial: format_serial(&serial),
            chain_len,
            der_len: der.len(),
            certs,
        }))
    }
}
