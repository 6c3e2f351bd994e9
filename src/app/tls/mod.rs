//! TLS: hellos, the server certificate, JA3/JA3S/JA4 fingerprints and the
//! `tls.*`/`ja3*` buffers.
//!
//! Layout as in Suricata's Rust parsers: pure functions from a handshake
//! message body to a value ([`ClientHello::parse`], [`ServerHello::parse`],
//! [`ServerCertificate::parse`]), the per-flow record-layer state beside them
//! ([`TlsParser`]), and what detection inspects ([`TlsTx`]). Certificate
//! fields come from a small bounded DER walker ([`parse_certificate`]), the
//! fingerprints from [`ja3_string`], [`ja4`] and friends.
//!
//! Only the clear part of a handshake is read: the hellos, and in TLS ≤ 1.2
//! the server's Certificate. After ChangeCipherSpec (TLS ≤ 1.2) or a TLS 1.3
//! ServerHello, a direction's records are only counted.

mod fingerprint;
mod parser;
mod sha256;
mod state;
mod x509;

pub use fingerprint::{Ja4Input, is_grease, ja3_string, ja3s_string, ja4, version_name};
pub use parser::{
    ClientHello, ServerCertificate, ServerHello, TlsError, content_type, extension, handshake_type,
};
/// SHA-256, shared with detection's `to_sha256` transform.
pub(crate) use sha256::sha256;
pub use state::{MAX_HANDSHAKE, MAX_RECORD, TlsAnomaly, TlsDirStats, TlsEvent, TlsParser};
pub use x509::{CertificateFields, X509Error, format_serial, oid_to_dotted, parse_certificate};

use crate::app::TxBuffers;
use crate::rules::ir::BufferId;

pub use crate::app::Probe;

/// Protocol detection: a handshake record (`0x16`) of SSL 3.0 to TLS 1.3
/// (`0x03 0x00..=0x04`) whose first message is a ClientHello or ServerHello,
/// so both directions are recognised.
pub fn probe(data: &[u8]) -> Probe {
    let Some(head) = data.get(..6) else {
        // Decide on what there is: any wrong byte already says No.
        let want_more = match data {
            [] => true,
            [t] => *t == content_type::HANDSHAKE,
            [t, major, rest @ ..] => {
                *t == content_type::HANDSHAKE && *major == 3 && rest.first().is_none_or(|&m| m <= 4)
            }
        };
        return if want_more {
            Probe::NeedMore
        } else {
            Probe::No
        };
    };
    let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
    let is_tls = head[0] == content_type::HANDSHAKE
        && head[1] == 3
        && head[2] <= 4
        // A hello is at least its 4-byte handshake header.
        && (4..=MAX_RECORD).contains(&len)
        && matches!(head[5], handshake_type::CLIENT_HELLO | handshake_type::SERVER_HELLO);
    if is_tls { Probe::Yes } else { Probe::No }
}

/// What detection inspects of a TLS flow: one transaction per connection,
/// as in Suricata. Client buffers (`tls.sni`, `ja3.*`) come from the first
/// ClientHello, server ones from the last ServerHello and the first
/// certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsTx {
    /// The first ClientHello.
    pub client_hello: Option<ClientHello>,
    /// The last ServerHello (the real one after a HelloRetryRequest).
    pub server_hello: Option<ServerHello>,
    /// A HelloRetryRequest was seen.
    pub hello_retry_request: bool,
    /// The server's certificate (TLS ≤ 1.2 only: TLS 1.3 encrypts it).
    pub server_certificate: Option<ServerCertificate>,
}

impl TlsTx {
    /// Whether a ChangeCipherSpec starts encryption: yes when TLS <= 1.2 was
    /// negotiated, or, before the ServerHello is known (one direction's data
    /// handed in ahead of the other's), when the client did not offer 1.3.
    fn ccs_starts_encryption(&self) -> bool {
        match (&self.server_hello, &self.client_hello) {
            (Some(s), _) => !s.hello_retry_request && s.negotiated_version() < 0x0304,
            (None, Some(c)) => c.max_version() < 0x0304,
            (None, None) => false,
        }
    }
}

impl TxBuffers for TlsTx {
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        if let Some(h) = &self.client_hello {
            h.visit(id, f);
        }
        if let Some(h) = &self.server_hello {
            h.visit(id, f);
        }
        if let Some(c) = &self.server_certificate {
            c.visit(id, f);
        }
    }

    /// Suricata's `tls` record of the handshake: server name, version,
    /// certificate subject/issuer/serial (TLS <= 1.2), JA3/JA3S, JA4.
    fn eve(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        use serde_json::{Map, Value, json};
        let text = |b: &[u8]| Value::from(String::from_utf8_lossy(b).into_owned());
        let mut o = Map::new();
        if let Some(c) = &self.server_certificate {
            o.insert("subject".into(), text(&c.subject));
            o.insert("issuerdn".into(), text(&c.issuer));
            o.insert("serial".into(), Value::from(c.serial.clone()));
        }
        if let Some(h) = &self.client_hello {
            if let Some(sni) = &h.sni {
                o.insert("sni".into(), text(sni));
            }
        }
        let version = match &self.server_hello {
            Some(s) => Some(s.negotiated_version()),
            None => self.client_hello.as_ref().map(|c| c.max_version()),
        };
        if let Some(v) = version {
            o.insert("version".into(), Value::from(version_name(v)));
        }
        if let Some(h) = &self.client_hello {
            o.insert("ja3".into(), json!({"hash": h.ja3_hash, "string": h.ja3}));
            o.insert("ja4".into(), Value::from(h.ja4.clone()));
        }
        if let Some(s) = &self.server_hello {
            o.insert(
                "ja3s".into(),
                json!({"hash": s.ja3s_hash, "string": s.ja3s}),
            );
        }
        vec![o]
    }
}

impl TxBuffers for ClientHello {
    /// `tls.sni`, `ja3.hash`, `ja3.string`.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        match id {
            BufferId::TlsSni => {
                if let Some(sni) = &self.sni {
                    f(sni);
                }
            }
            BufferId::Ja3Hash => f(self.ja3_hash.as_bytes()),
            BufferId::Ja3String => f(self.ja3.as_bytes()),
            _ => {}
        }
    }
}

impl TxBuffers for ServerHello {
    /// `ja3s.hash`.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        if id == BufferId::Ja3sHash {
            f(self.ja3s_hash.as_bytes());
        }
    }
}

impl TxBuffers for ServerCertificate {
    /// `tls.cert_subject`, `tls.cert_issuer`, `tls.cert_serial`, and
    /// `tls.certs` (each certificate of the chain, DER).
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        match id {
            BufferId::TlsCertSubject => f(&self.subject),
            BufferId::TlsCertIssuer => f(&self.issuer),
            BufferId::TlsCertSerial => f(self.serial.as_bytes()),
            BufferId::TlsCerts => self.certs.iter().for_each(|c| f(c)),
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
