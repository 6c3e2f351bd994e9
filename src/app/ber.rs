//! A small BER reader (X.690) for the ASN.1 protocols: LDAP and Kerberos.
//!
//! Only what those protocols send is accepted: definite lengths (DER and the
//! BER subset LDAP and Kerberos use; the indefinite form 0x80 is refused),
//! tags up to 28 bits, lengths up to 4 bytes. Values are borrowed slices of
//! the input; nothing allocates. Parsers walk the structure they expect one
//! level at a time ([`Tlv::children`]), so depth is bounded by the code, not
//! by the data, and a length that points past its container is an error, not
//! a panic.

/// Tag class (X.690 §8.1.2.2).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// Universal (INTEGER, SEQUENCE, ...).
    Universal,
    /// Application (LDAP operations, Kerberos messages).
    Application,
    /// Context-specific (`[n]` fields).
    Context,
    /// Private.
    Private,
}

/// Why bytes did not decode.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BerError {
    /// The element needs `need` bytes in all; fewer were given.
    #[error("BER element truncated: {need} bytes needed")]
    Truncated {
        /// Header plus content length.
        need: usize,
    },
    /// A header that is not definite-length BER, or a tag longer than 4 bytes.
    #[error("malformed BER header")]
    Malformed,
    /// An element is not the one the structure requires here.
    #[error("unexpected BER element")]
    Unexpected,
}

/// One decoded element: its tag and its content, borrowed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Tag class.
    pub class: Class,
    /// Constructed (holds elements) rather than primitive.
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// Content octets.
    pub value: &'a [u8],
}

/// Tag and length of the element at the start of `input`: `(class,
/// constructed, tag, header length, content length)`. `Truncated` when the
/// header itself is cut (the content may be missing: stream framing asks
/// this before the whole element arrived).
pub fn header(input: &[u8]) -> Result<(Class, bool, u32, usize, usize), BerError> {
    let first = *input.first().ok_or(BerError::Truncated { need: 2 })?;
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut pos = 1;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        // High tag number form: base-128 digits, at most 4 (28 bits).
        tag = 0;
        loop {
            let b = *input
                .get(pos)
                .ok_or(BerError::Truncated { need: pos + 2 })?;
            pos += 1;
            tag = (tag << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
            if pos > 4 {
                return Err(BerError::Malformed);
            }
        }
    }
    let l = *input
        .get(pos)
        .ok_or(BerError::Truncated { need: pos + 1 })?;
    pos += 1;
    let len = if l & 0x80 == 0 {
        usize::from(l)
    } else {
        let n = usize::from(l & 0x7f);
        // 0x80 is the indefinite form; more than 4 length bytes is never
        // needed by these protocols (and would overflow on 32-bit).
        if n == 0 || n > 4 {
            return Err(BerError::Malformed);
        }
        let bytes = input
            .get(pos..pos + n)
            .ok_or(BerError::Truncated { need: pos + n })?;
        pos += n;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    Ok((class, constructed, tag, pos, len))
}

/// Decodes the element at the start of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), BerError> {
    let (class, constructed, tag, hlen, len) = header(input)?;
    let end = hlen.checked_add(len).ok_or(BerError::Malformed)?;
    let value = input
        .get(hlen..end)
        .ok_or(BerError::Truncated { need: end })?;
    let rest = input.get(end..).unwrap_or_default();
    Ok((
        Tlv {
            class,
            constructed,
            tag,
            value,
        },
        rest,
    ))
}

/// Decodes the element at the start of `input`, which must be `class`/`tag`
/// and fill `input` exactly.
pub fn read_exact(input: &[u8], class: Class, tag: u32) -> Result<Tlv<'_>, BerError> {
    let (t, rest) = read(input)?;
    if !rest.is_empty() || !t.is(class, tag) {
        return Err(BerError::Unexpected);
    }
    Ok(t)
}

impl<'a> Tlv<'a> {
    /// True when the element has this class and tag.
    pub fn is(&self, class: Class, tag: u32) -> bool {
        self.class == class && self.tag == tag
    }

    /// The elements inside a constructed element, in order; iteration stops
    /// at the first one that does not decode (see [`Children::failed`]).
    pub fn children(&self) -> Children<'a> {
        Children {
            rest: if self.constructed { self.value } else { &[] },
            failed: false,
        }
    }

    /// The single element inside an explicitly tagged `[n]` field.
    pub fn inner(&self) -> Result<Tlv<'a>, BerError> {
        if !self.constructed {
            return Err(BerError::Unexpected);
        }
        let (t, rest) = read(self.value)?;
        if rest.is_empty() {
            Ok(t)
        } else {
            Err(BerError::Unexpected)
        }
    }

    /// The value as a non-negative INTEGER of at most 8 content bytes
    /// (leading zero allowed).
    pub fn uint(&self) -> Result<u64, BerError> {
        let v = match self.value {
            [0, rest @ ..] if !rest.is_empty() => rest,
            v => v,
        };
        if v.is_empty() || v.len() > 8 || v[0] & 0x80 != 0 && self.value.len() == v.len() {
            return Err(BerError::Unexpected);
        }
        Ok(v.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// The value as a signed INTEGER of at most 8 content bytes.
    pub fn int(&self) -> Result<i64, BerError> {
        let v = self.value;
        if v.is_empty() || v.len() > 8 {
            return Err(BerError::Unexpected);
        }
        let init: i64 = if v[0] & 0x80 != 0 { -1 } else { 0 };
        Ok(v.iter().fold(init, |acc, b| (acc << 8) | i64::from(*b)))
    }
}

/// Iterator over the elements of a constructed value.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl Children<'_> {
    /// True when iteration stopped on bytes that did not decode.
    pub fn failed(&self) -> bool {
        self.failed
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Tlv<'a>;

    fn next(&mut self) -> Option<Tlv<'a>> {
        if self.rest.is_empty() || self.failed {
            return None;
        }
        match read(self.rest) {
            Ok((t, rest)) => {
                self.rest = rest;
                Some(t)
            }
            Err(_) => {
                self.failed = true;
                None
            }
        }
    }
}

/// The `[n]`-tagged fields of a SEQUENCE (Kerberos style: every field is
/// explicitly context-tagged): the inner element of field `n`, if present.
pub fn field<'a>(seq: &Tlv<'a>, n: u32) -> Option<Tlv<'a>> {
    seq.children()
        .find(|c| c.is(Class::Context, n))
        .and_then(|c| c.inner().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        let (t, rest) = read(&[0x02, 0x01, 0x05, 0xff]).expect("int");
        assert_eq!((t.class, t.tag, t.value), (Class::Universal, 2, &[5u8][..]));
        assert_eq!(t.uint(), Ok(5));
        assert_eq!(rest, &[0xff]);
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(b'a', 256));
        let (t, rest) = read(&long).expect("octets");
        assert_eq!(t.value.len(), 256);
        assert!(rest.is_empty());
    }

    #[test]
    fn high_tag_numbers() {
        // [APPLICATION 30] as Kerberos sends KRB-ERROR: 0x7e, and the
        // multi-byte form of tag 200.
        let (t, _) = read(&[0x7e, 0x00]).expect("app 30");
        assert!(t.is(Class::Application, 30) && t.constructed);
        let (t, _) = read(&[0x9f, 0x81, 0x48, 0x00]).expect("ctx 200");
        assert!(t.is(Class::Context, 200));
        assert_eq!(
            read(&[0x9f, 0x81, 0x81, 0x81, 0x81, 0x01, 0]),
            Err(BerError::Malformed)
        );
    }

    #[test]
    fn refuses_indefinite_and_oversized_lengths() {
        assert_eq!(read(&[0x30, 0x80, 0, 0]), Err(BerError::Malformed));
        assert_eq!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]), Err(BerError::Malformed));
        assert_eq!(
            read(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            Err(BerError::Truncated {
                need: 6 + 0xffff_ffff
            })
        );
        assert_eq!(read(&[0x30]), Err(BerError::Truncated { need: 2 }));
        assert_eq!(read(&[]), Err(BerError::Truncated { need: 2 }));
    }

    #[test]
    fn integers() {
        fn int(v: &[u8]) -> Tlv<'_> {
            Tlv {
                class: Class::Universal,
                constructed: false,
                tag: 2,
                value: v,
            }
        }
        assert_eq!(int(&[0xff]).int(), Ok(-1));
        assert_eq!(int(&[0x00, 0x80]).uint(), Ok(128));
        assert!(int(&[0x80]).uint().is_err());
        assert!(int(&[]).int().is_err());
        assert!(int(&[1; 9]).int().is_err());
    }

    #[test]
    fn children_stop_on_garbage() {
        let seq = [0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x09];
        let (t, _) = read(&seq).expect("seq");
        let mut c = t.children();
        assert_eq!(c.next().map(|x| x.tag), Some(2));
        assert_eq!(c.next(), None);
        assert!(c.failed());
    }

    #[test]
    fn random_input_never_panics() {
        let mut x: u64 = 0x1234_5678;
        for _ in 0..20_000 {
            let mut buf = [0u8; 12];
            for b in &mut buf {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            if let Ok((t, _)) = read(&buf) {
                let _ = (t.int(), t.uint(), t.inner());
                t.children().for_each(drop);
                let _ = field(&t, 1);
            }
        }
    }
}
