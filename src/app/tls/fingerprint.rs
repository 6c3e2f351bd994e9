//! TLS client and server fingerprints: JA3 and JA3S (Salesforce,
//! <https://github.com/salesforce/ja3>) and JA4 (FoxIO,
//! `technical_details/JA4.md` of <https://github.com/FoxIO-LLC/ja4>).
//!
//! All of them skip GREASE values (RFC 8701: `0x?a?a` with equal bytes),
//! which clients pick at random and would otherwise make every hello unique.

use std::fmt::Write as _;

use md5::{Digest, Md5};

use super::sha256::sha256;

/// True for an RFC 8701 GREASE value (`0x0a0a`, `0x1a1a`, ... `0xfafa`).
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

/// Lowercase hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// MD5 of `s` as 32 lowercase hex digits (the JA3/JA3S hash).
pub fn md5_hex(s: &str) -> String {
    hex_lower(&Md5::digest(s.as_bytes()))
}

/// Appends `values` (GREASE removed) as decimal numbers joined by `-`.
fn push_dash_list<T: Copy + Into<u32>>(out: &mut String, values: &[T], skip_grease: bool) {
    let mut first = true;
    for &v in values {
        let v: u32 = v.into();
        if skip_grease && u16::try_from(v).is_ok_and(is_grease) {
            continue;
        }
        if !first {
            out.push('-');
        }
        first = false;
        let _ = write!(out, "{v}");
    }
}

/// The JA3 string: `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`,
/// decimal values joined by `-`, GREASE removed, empty fields kept empty.
/// `version` is the ClientHello's `legacy_version` (771 for TLS 1.2 and 1.3
/// alike), as Suricata and the reference implementation use it.
pub fn ja3_string(
    version: u16,
    ciphers: &[u16],
    extensions: &[u16],
    groups: &[u16],
    point_formats: &[u8],
) -> String {
    let mut s = String::with_capacity(16 + 6 * (ciphers.len() + extensions.len() + groups.len()));
    let _ = write!(s, "{version},");
    push_dash_list(&mut s, ciphers, true);
    s.push(',');
    push_dash_list(&mut s, extensions, true);
    s.push(',');
    push_dash_list(&mut s, groups, true);
    s.push(',');
    push_dash_list(&mut s, point_formats, false);
    s
}

/// The JA3S string: `SSLVersion,Cipher,Extensions` (server hello).
pub fn ja3s_string(version: u16, cipher: u16, extensions: &[u16]) -> String {
    let mut s = String::with_capacity(16 + 6 * extensions.len());
    let _ = write!(s, "{version},{cipher},");
    push_dash_list(&mut s, extensions, true);
    s
}

/// What JA4 reads from a ClientHello. GREASE values may be present; they are
/// skipped here.
#[derive(Clone, Copy, Debug)]
pub struct Ja4Input<'a> {
    /// `t` (TLS over TCP), `q` (QUIC) or `d` (DTLS).
    pub transport: char,
    /// The ClientHello's legacy version.
    pub legacy_version: u16,
    /// The supported_versions extension's list (empty when absent).
    pub supported_versions: &'a [u16],
    /// Cipher suites in wire order.
    pub ciphers: &'a [u16],
    /// Extension types in wire order.
    pub extensions: &'a [u16],
    /// The first ALPN protocol name, if any.
    pub first_alpn: Option<&'a [u8]>,
    /// signature_algorithms in wire order.
    pub signature_algorithms: &'a [u16],
}

/// The 2-character JA4 version code.
fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// The two ALPN characters of JA4_a.
fn ja4_alpn(first: Option<&[u8]>) -> [char; 2] {
    let Some(alpn) = first.filter(|a| !a.is_empty()) else {
        return ['0', '0'];
    };
    let (a, z) = match alpn {
        [a] => (*a, *a),
        [a, .., z] => (*a, *z),
        [] => return ['0', '0'],
    };
    if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() {
        [char::from(a), char::from(z)]
    } else {
        // The spec: first and last characters of the hex form of the value.
        let hex = hex_lower(alpn);
        let mut c = hex.chars();
        [c.next().unwrap_or('0'), c.next_back().unwrap_or('0')]
    }
}

/// First 12 hex digits of SHA-256 of `s`, or 12 zeros when `s` is empty
/// (JA4+'s rule for empty fields).
fn ja4_hash12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".to_owned();
    }
    let mut h = hex_lower(&sha256(s.as_bytes()));
    h.truncate(12);
    h
}

/// `0a0b,0c0d,...` of the non-GREASE values.
fn hex4_list(values: impl Iterator<Item = u16>) -> String {
    let mut s = String::new();
    for v in values {
        if !s.is_empty() {
            s.push(',');
        }
        let _ = write!(s, "{v:04x}");
    }
    s
}

/// JA4 in its hashed form (`t13d1516h2_8daaf6152771_e5627efa2ab1`) and raw
/// sorted form (`JA4_r`, the strings that were hashed).
pub fn ja4(input: &Ja4Input<'_>) -> (String, String) {
    let version = input
        .supported_versions
        .iter()
        .copied()
        .filter(|&v| !is_grease(v))
        .max()
        .unwrap_or(input.legacy_version);
    let ciphers = input.ciphers.iter().copied().filter(|&v| !is_grease(v));
    let exts = input.extensions.iter().copied().filter(|&v| !is_grease(v));
    let n_ciphers = ciphers.clone().count().min(99);
    let n_exts = exts.clone().count().min(99);
    let sni = if exts.clone().any(|e| e == 0x0000) {
        'd'
    } else {
        'i'
    };
    let alpn = ja4_alpn(input.first_alpn);
    let a = format!(
        "{}{}{}{:02}{:02}{}{}",
        input.transport,
        ja4_version(version),
        sni,
        n_ciphers,
        n_exts,
        alpn[0],
        alpn[1]
    );

    let mut sorted: Vec<u16> = ciphers.collect();
    sorted.sort_unstable();
    let b_raw = hex4_list(sorted.into_iter());

    let mut sorted: Vec<u16> = exts.filter(|&e| e != 0x0000 && e != 0x0010).collect();
    sorted.sort_unstable();
    let mut c_raw = hex4_list(sorted.into_iter());
    let sigs = hex4_list(
        input
            .signature_algorithms
            .iter()
            .copied()
            .filter(|&v| !is_grease(v)),
    );
    // No extensions left: the field is empty (zeros), signatures or not.
    if !c_raw.is_empty() && !sigs.is_empty() {
        c_raw.push('_');
        c_raw.push_str(&sigs);
    }
    let hashed = format!("{a}_{}_{}", ja4_hash12(&b_raw), ja4_hash12(&c_raw));
    let raw = format!("{a}_{b_raw}_{c_raw}");
    (hashed, raw)
}

/// A human name for a TLS/SSL version number, as Suricata's EVE spells it.
pub fn version_name(v: u16) -> &'static str {
    match v {
        0x0002 => "SSLv2",
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        0xfeff => "DTLS 1.0",
        0xfefd => "DTLS 1.2",
        0xfefc => "DTLS 1.3",
        _ => "UNDETERMINED",
    }
}
