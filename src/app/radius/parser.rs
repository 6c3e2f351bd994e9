//! RADIUS packets (RFC 2865 §3, RFC 2866 §3): a checked view over one
//! datagram's bytes. Pure functions, no allocation.

/// Header: code, identifier, length, 16-byte authenticator.
pub const HEADER_LEN: usize = 20;

/// Largest packet (RFC 2865 §3: "The maximum length is 4096").
pub const MAX_PACKET: usize = 4096;

/// Access-Request.
pub const ACCESS_REQUEST: u8 = 1;
/// Access-Accept.
pub const ACCESS_ACCEPT: u8 = 2;
/// Access-Reject.
pub const ACCESS_REJECT: u8 = 3;
/// Accounting-Request.
pub const ACCOUNTING_REQUEST: u8 = 4;
/// Accounting-Response.
pub const ACCOUNTING_RESPONSE: u8 = 5;
/// Access-Challenge.
pub const ACCESS_CHALLENGE: u8 = 11;
/// Status-Server (RFC 5997).
pub const STATUS_SERVER: u8 = 12;
/// Status-Client.
pub const STATUS_CLIENT: u8 = 13;

/// User-Name.
pub const ATTR_USER_NAME: u8 = 1;
// User-Password (2) is never read: it is only obfuscated with the shared
// secret.
/// NAS-IP-Address.
pub const ATTR_NAS_IP_ADDRESS: u8 = 4;
/// Reply-Message.
pub const ATTR_REPLY_MESSAGE: u8 = 18;
/// Called-Station-Id.
pub const ATTR_CALLED_STATION_ID: u8 = 30;
/// Calling-Station-Id.
pub const ATTR_CALLING_STATION_ID: u8 = 31;
/// NAS-Identifier.
pub const ATTR_NAS_IDENTIFIER: u8 = 32;
/// NAS-IPv6-Address (RFC 3162).
pub const ATTR_NAS_IPV6_ADDRESS: u8 = 95;

/// Why a datagram is not a RADIUS packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RadiusError {
    /// Shorter than the header or than its own length field.
    #[error("RADIUS packet truncated")]
    Truncated,
    /// Length field below 20 or above 4096.
    #[error("RADIUS length field {0} out of range")]
    BadLength(u16),
    /// A code RADIUS does not assign.
    #[error("RADIUS code {0} unknown")]
    BadCode(u8),
    /// An attribute whose length is below 2 or runs past the packet.
    #[error("RADIUS attribute at offset {0} malformed")]
    BadAttribute(usize),
}

/// A checked RADIUS packet: header fields and the attribute area, borrowed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RadiusPacket<'a> {
    /// Code.
    pub code: u8,
    /// Identifier (matches a reply to its request).
    pub identifier: u8,
    /// Request or response authenticator.
    pub authenticator: &'a [u8],
    attrs: &'a [u8],
}

impl<'a> RadiusPacket<'a> {
    /// Checks a datagram: a known code, a length field between 20 and 4096
    /// that the datagram holds (bytes beyond it are padding, RFC 2865 §3),
    /// and attributes that tile the rest exactly.
    pub fn parse(datagram: &'a [u8]) -> Result<Self, RadiusError> {
        let h = datagram.get(..HEADER_LEN).ok_or(RadiusError::Truncated)?;
        let code = h[0];
        if !matches!(code, 1..=5 | 11..=13) {
            return Err(RadiusError::BadCode(code));
        }
        let len = u16::from_be_bytes([h[2], h[3]]);
        if !(HEADER_LEN..=MAX_PACKET).contains(&usize::from(len)) {
            return Err(RadiusError::BadLength(len));
        }
        let body = datagram
            .get(HEADER_LEN..usize::from(len))
            .ok_or(RadiusError::Truncated)?;
        let mut pos = 0;
        while pos < body.len() {
            let alen = body.get(pos + 1).map_or(0, |l| usize::from(*l));
            if alen < 2 || pos + alen > body.len() {
                return Err(RadiusError::BadAttribute(HEADER_LEN + pos));
            }
            pos += alen;
        }
        Ok(RadiusPacket {
            code,
            identifier: h[1],
            authenticator: &h[4..20],
            attrs: body,
        })
    }

    /// The attributes, `(type, value)`, in order (the view is checked, so
    /// this never fails).
    pub fn attributes(&self) -> impl Iterator<Item = (u8, &'a [u8])> + 'a {
        let mut rest = self.attrs;
        std::iter::from_fn(move || {
            let (&t, tail) = rest.split_first()?;
            let (&l, _) = tail.split_first()?;
            let value = rest.get(2..usize::from(l))?;
            rest = rest.get(usize::from(l)..)?;
            Some((t, value))
        })
    }

    /// The first attribute of type `t`.
    pub fn attribute(&self, t: u8) -> Option<&'a [u8]> {
        self.attributes().find(|(ty, _)| *ty == t).map(|(_, v)| v)
    }
}

/// The code's name as RFC 2865 spells it.
pub fn code_name(code: u8) -> &'static str {
    match code {
        ACCESS_REQUEST => "Access-Request",
        ACCESS_ACCEPT => "Access-Accept",
        ACCESS_REJECT => "Access-Reject",
        ACCOUNTING_REQUEST => "Accounting-Request",
        ACCOUNTING_RESPONSE => "Accounting-Response",
        ACCESS_CHALLENGE => "Access-Challenge",
        STATUS_SERVER => "Status-Server",
        STATUS_CLIENT => "Status-Client",
        _ => "unknown",
    }
}

/// True for codes a client sends.
pub fn is_request(code: u8) -> bool {
    matches!(code, ACCESS_REQUEST | ACCOUNTING_REQUEST | STATUS_SERVER)
}
