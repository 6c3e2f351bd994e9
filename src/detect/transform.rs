//! Suricata's transforms, applied to a buffer before its list is evaluated
//! and before its prefilter scans it.
//!
//! A transformed buffer is a different buffer: its fast patterns are
//! matched against the transformed bytes (the prefilter must never miss a
//! rule whose content occurs there), and positions, `bsize` and relative
//! matches count in the transformed bytes, as Suricata's inspection buffers
//! do. Every transform's output is bounded by its input (plus one byte for
//! `dotprefix`, or a fixed digest size), so no input can make one grow.
//!
//! Semantics follow Suricata's `detect-transform-*.c`:
//! - `strip_whitespace` drops every C `isspace` byte; `compress_whitespace`
//!   keeps the *first* byte of each run (it does not turn it into a space);
//! - `url_decode` decodes `%HH` (either case) and `+`, and keeps a `%` not
//!   followed by two hex digits (`%ZZ`, a trailing `%4`) as written;
//! - `dotprefix` leaves an empty buffer empty;
//! - `to_md5`/`to_sha1`/`to_sha256` replace the buffer with the raw digest;
//! - `pcrexform` keeps the first capture group of the first match, and the
//!   buffer unchanged when the regex does not match.

use std::sync::Arc;

use md5::{Digest, Md5};
use regex::bytes::Regex;

use crate::rules::ir::Transform;

/// One compiled transform.
#[derive(Debug)]
enum Step {
    StripWhitespace,
    CompressWhitespace,
    ToLowercase,
    ToUppercase,
    UrlDecode,
    DotPrefix,
    ToMd5,
    ToSha1,
    ToSha256,
    HeaderLowercase,
    StripPseudoHeaders,
    Xor(Box<[u8]>),
    PcreXform(Arc<Regex>),
}

/// A compiled transform chain (empty: the buffer as it is).
#[derive(Debug, Default)]
pub(crate) struct Chain {
    steps: Vec<Step>,
}

/// Two reusable buffers the transforms write into (no allocation per
/// inspection once they are warm).
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    a: Vec<u8>,
    b: Vec<u8>,
}

impl Chain {
    /// Compiles `transforms`; `regex` compiles a `pcrexform` pattern (the
    /// rule set's regex cache).
    pub fn new(
        transforms: &[Transform],
        mut regex: impl FnMut(&str) -> Result<Arc<Regex>, String>,
    ) -> Result<Self, String> {
        let mut steps = Vec::with_capacity(transforms.len());
        for t in transforms {
            steps.push(match t {
                Transform::StripWhitespace => Step::StripWhitespace,
                Transform::CompressWhitespace => Step::CompressWhitespace,
                Transform::ToLowercase => Step::ToLowercase,
                Transform::ToUppercase => Step::ToUppercase,
                Transform::UrlDecode => Step::UrlDecode,
                Transform::DotPrefix => Step::DotPrefix,
                Transform::ToMd5 => Step::ToMd5,
                Transform::ToSha1 => Step::ToSha1,
                Transform::ToSha256 => Step::ToSha256,
                Transform::HeaderLowercase => Step::HeaderLowercase,
                Transform::StripPseudoHeaders => Step::StripPseudoHeaders,
                Transform::Xor(key) => {
                    if key.is_empty() {
                        return Err("xor: empty key".into());
                    }
                    Step::Xor(key.clone().into_boxed_slice())
                }
                Transform::PcreXform(re) => {
                    let re = regex(re)?;
                    if re.captures_len() < 2 {
                        return Err("pcrexform: the regex has no capture group".into());
                    }
                    Step::PcreXform(re)
                }
            });
        }
        Ok(Chain { steps })
    }

    /// True for the empty chain.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The transformed `input`, written into `scratch`.
    pub fn apply<'s>(&self, input: &[u8], scratch: &'s mut Scratch) -> &'s [u8] {
        let Scratch { a, b } = scratch;
        a.clear();
        a.extend_from_slice(input);
        for step in &self.steps {
            b.clear();
            step.run(a, b);
            std::mem::swap(a, b);
        }
        a
    }
}

/// C's `isspace` in the "C" locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

impl Step {
    /// Writes the transform of `input` to `out` (empty on entry).
    fn run(&self, input: &[u8], out: &mut Vec<u8>) {
        match self {
            Step::StripWhitespace => out.extend(input.iter().copied().filter(|&c| !is_c_space(c))),
            Step::CompressWhitespace => {
                let mut prev_space = false;
                for &c in input {
                    let space = is_c_space(c);
                    if !(space && prev_space) {
                        out.push(c);
                    }
                    prev_space = space;
                }
            }
            Step::ToLowercase => out.extend(input.iter().map(u8::to_ascii_lowercase)),
            Step::ToUppercase => out.extend(input.iter().map(u8::to_ascii_uppercase)),
            Step::UrlDecode => {
                let mut i = 0;
                while i < input.len() {
                    let c = input[i];
                    match c {
                        b'%' => match (
                            input.get(i + 1).copied().and_then(hex_val),
                            input.get(i + 2).copied().and_then(hex_val),
                        ) {
                            (Some(h), Some(l)) => {
                                out.push(h << 4 | l);
                                i += 3;
                                continue;
                            }
                            _ => out.push(c),
                        },
                        b'+' => out.push(b' '),
                        _ => out.push(c),
                    }
                    i += 1;
                }
            }
            Step::DotPrefix => {
                if !input.is_empty() {
                    out.push(b'.');
                    out.extend_from_slice(input);
                }
            }
            Step::ToMd5 => out.extend_from_slice(&Md5::digest(input)),
            Step::ToSha1 => out.extend_from_slice(&sha1(input)),
            Step::ToSha256 => out.extend_from_slice(&crate::app::tls::sha256(input)),
            Step::HeaderLowercase => {
                // "Name: value" lines: the name (up to the first ':') is
                // lowered; a line without ':' is lowered whole (header
                // name lists).
                let mut in_name = true;
                for &c in input {
                    if c == b'\n' {
                        in_name = true;
                        out.push(c);
                    } else if in_name {
                        if c == b':' {
                            in_name = false;
                        }
                        out.push(c.to_ascii_lowercase());
                    } else {
                        out.push(c);
                    }
                }
            }
            Step::StripPseudoHeaders => {
                for line in input.split_inclusive(|&c| c == b'\n') {
                    if line.first() != Some(&b':') {
                        out.extend_from_slice(line);
                    }
                }
            }
            Step::Xor(key) => {
                out.extend(input.iter().zip(key.iter().cycle()).map(|(&c, &k)| c ^ k))
            }
            Step::PcreXform(re) => match re.captures(input).and_then(|c| c.get(1)) {
                Some(m) => out.extend_from_slice(m.as_bytes()),
                None => out.extend_from_slice(input),
            },
        }
    }
}

/// SHA-1 (FIPS 180-4) for `to_sha1`: one small function instead of a
/// dependency, checked against the standard's test vectors below.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        sha1_block(&mut h, block);
    }
    let rest = blocks.remainder();
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let n = if rest.len() < 56 { 64 } else { 128 };
    tail[n - 8..n].copy_from_slice(&bit_len.to_be_bytes());
    for block in tail[..n].chunks_exact(64) {
        sha1_block(&mut h, block);
    }
    let mut out = [0u8; 20];
    for (o, v) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&v.to_be_bytes());
    }
    out
}

fn sha1_block(h: &mut [u32; 5], block: &[u8]) {
    let mut w = [0u32; 80];
    for (i, c) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    for i in 16..80 {
        w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *h;
    for (i, wi) in w.iter().enumerate() {
        let (f, k) = match i {
            0..=19 => ((b & c) | (!b & d), 0x5A827999),
            20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
            40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
            _ => (b ^ c ^ d, 0xCA62C1D6),
        };
        let t = a
            .rotate_left(5)
            .wrapping_add(f)
            .wrapping_add(e)
            .wrapping_add(k)
            .wrapping_add(*wi);
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = t;
    }
    for (x, v) in h.iter_mut().zip([a, b, c, d, e]) {
        *x = x.wrapping_add(v);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(t: &[Transform], input: &[u8]) -> Vec<u8> {
        let chain = Chain::new(t, |p| Ok(Arc::new(Regex::new(p).unwrap()))).unwrap();
        let mut s = Scratch::default();
        chain.apply(input, &mut s).to_vec()
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn whitespace() {
        use Transform::*;
        assert_eq!(run(&[StripWhitespace], b" a\tb\r\n c\x0b\x0cd "), b"abcd");
        assert_eq!(run(&[StripWhitespace], b""), b"");
        assert_eq!(run(&[StripWhitespace], b" \t\r\n"), b"");
        // The first byte of a run is kept as it is (not made a space).
        assert_eq!(run(&[CompressWhitespace], b"a \t b\r\n\r\nc"), b"a b\rc");
        assert_eq!(run(&[CompressWhitespace], b"   "), b" ");
        assert_eq!(run(&[CompressWhitespace], b"\t\t"), b"\t");
        assert_eq!(run(&[CompressWhitespace], b""), b"");
    }

    #[test]
    fn case() {
        use Transform::*;
        assert_eq!(run(&[ToLowercase], b"AbC\xc4-1"), b"abc\xc4-1");
        assert_eq!(run(&[ToUppercase], b"aBc\xe4-1"), b"ABC\xe4-1");
        assert_eq!(run(&[ToLowercase], b""), b"");
    }

    #[test]
    fn url_decode() {
        use Transform::*;
        // Suricata's unit test: bad and trailing escapes are kept.
        assert_eq!(
            run(
                &[UrlDecode],
                b"Suricata%20is+%27%61wesome%21%27%25%30%30%ZZ%4"
            ),
            b"Suricata is 'awesome!'%00%ZZ%4"
        );
        assert_eq!(run(&[UrlDecode], b"%2f%2F%"), b"//%");
        assert_eq!(run(&[UrlDecode], b"%%41"), b"%A");
        assert_eq!(run(&[UrlDecode], b"%00"), b"\0");
        assert_eq!(run(&[UrlDecode], b""), b"");
    }

    #[test]
    fn dotprefix_and_chains() {
        use Transform::*;
        assert_eq!(run(&[DotPrefix], b"example.com"), b".example.com");
        assert_eq!(run(&[DotPrefix], b""), b"");
        // In order: strip, then lower.
        assert_eq!(run(&[StripWhitespace, ToLowercase], b"A B"), b"ab");
        assert_eq!(run(&[ToLowercase, DotPrefix], b"A.B"), b".a.b");
    }

    #[test]
    fn digests() {
        use Transform::*;
        assert_eq!(
            hex(&run(&[ToMd5], b"abc")),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            hex(&run(&[ToSha1], b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&run(&[ToSha1], b"")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(
            hex(&run(
                &[ToSha1],
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            hex(&sha1(&vec![b'a'; 1_000_000])),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
        assert_eq!(
            hex(&run(&[ToSha256], b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn headers_xor_pcrexform() {
        use Transform::*;
        assert_eq!(
            run(&[HeaderLowercase], b"Host: A.B\r\nUser-Agent: X\r\n"),
            b"host: A.B\r\nuser-agent: X\r\n"
        );
        assert_eq!(
            run(
                &[StripPseudoHeaders],
                b":method: GET\r\nHost: a\r\n:path: /\r\n"
            ),
            b"Host: a\r\n"
        );
        assert_eq!(
            run(&[Xor(vec![0x0d, 0x0a])], b"\x0d\x0a\x00ab"),
            b"\0\0\x0dko"
        );
        assert_eq!(run(&[Xor(vec![1])], b""), b"");
        let px = PcreXform(r"(?-u)GET (\S+)".into());
        assert_eq!(run(std::slice::from_ref(&px), b"GET /a HTTP/1.1"), b"/a");
        assert_eq!(run(&[px], b"POST /a"), b"POST /a");
    }

    #[test]
    fn compile_errors() {
        let re = |p: &str| -> Result<Arc<Regex>, String> { Ok(Arc::new(Regex::new(p).unwrap())) };
        assert!(Chain::new(&[Transform::PcreXform("abc".into())], re).is_err());
        assert!(Chain::new(&[Transform::Xor(vec![])], re).is_err());
        assert!(Chain::new(&[], re).unwrap().is_empty());
    }
}
