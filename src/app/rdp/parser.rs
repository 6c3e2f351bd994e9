//! Pure decoding of TPKT (RFC 1006 §6), the X.224 Connection Request and
//! Confirm TPDUs (ITU-T X.224 §13.3, §13.4) and RDP's negotiation
//! structures inside them (MS-RDPBCGR §2.2.1.1.1, §2.2.1.2.1, §2.2.1.2.2).

/// Longest cookie kept, in bytes (mstsc sends at most a few dozen).
pub const MAX_COOKIE: usize = 256;

/// X.224 TPDU codes (high nibble of the code byte).
pub mod x224 {
    /// Connection Request (CR).
    pub const CONNECTION_REQUEST: u8 = 0xe0;
    /// Connection Confirm (CC).
    pub const CONNECTION_CONFIRM: u8 = 0xd0;
}

/// RDP negotiation structure types.
pub mod neg {
    /// RDP_NEG_REQ.
    pub const REQUEST: u8 = 0x01;
    /// RDP_NEG_RSP.
    pub const RESPONSE: u8 = 0x02;
    /// RDP_NEG_FAILURE.
    pub const FAILURE: u8 = 0x03;
}

/// Security protocol flags (requestedProtocols / selectedProtocol).
pub mod protocol {
    /// PROTOCOL_RDP: standard RDP security (0, the absence of the others).
    pub const RDP: u32 = 0x0000_0000;
    /// PROTOCOL_SSL: TLS.
    pub const SSL: u32 = 0x0000_0001;
    /// PROTOCOL_HYBRID: CredSSP (NLA).
    pub const HYBRID: u32 = 0x0000_0002;
    /// PROTOCOL_RDSTLS.
    pub const RDSTLS: u32 = 0x0000_0004;
    /// PROTOCOL_HYBRID_EX: CredSSP with Early User Authorization Result.
    pub const HYBRID_EX: u32 = 0x0000_0008;
    /// PROTOCOL_RDSAAD: Azure AD authentication.
    pub const RDSAAD: u32 = 0x0000_0010;
}

/// The total length of the TPKT at the start of `b` (header included), once
/// its 4-byte header is there and valid (version 3, length ≥ 7).
pub fn tpkt_len(b: &[u8]) -> Option<usize> {
    let h = b.get(..4)?;
    let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
    (h[0] == 3 && h[1] == 0 && len >= 7).then_some(len)
}

/// RDP_NEG_REQ.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct NegotiationRequest {
    /// flags (restricted admin, redirected authentication, correlation info).
    pub flags: u8,
    /// requestedProtocols.
    pub protocols: u32,
}

/// A client's X.224 Connection Request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionRequest {
    /// The user of `Cookie: mstshash=USER` (as sent: often truncated).
    pub cookie: Option<String>,
    /// A load-balancer routing token (`Cookie: msts=...`), raw.
    pub routing_token: Option<String>,
    /// RDP_NEG_REQ, when the client sent one (RDP 5.2 and later).
    pub negotiation: Option<NegotiationRequest>,
}

/// What the server answered to the negotiation request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Negotiation {
    /// RDP_NEG_RSP: the protocol chosen.
    Selected {
        /// flags (extended client data, dynvc gfx, restricted admin, ...).
        flags: u8,
        /// selectedProtocol.
        protocol: u32,
    },
    /// RDP_NEG_FAILURE: failureCode.
    Failure(u32),
}

/// A server's X.224 Connection Confirm.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionConfirm {
    /// The negotiation answer (absent from pre-5.2 servers).
    pub negotiation: Option<Negotiation>,
}

/// The X.224 variable part of a CR or CC TPDU inside a TPKT, if the TPDU
/// has the `code` wanted.
fn x224_variable(tpkt: &[u8], code: u8) -> Option<&[u8]> {
    let len = tpkt_len(tpkt)?.min(tpkt.len());
    let li = usize::from(*tpkt.get(4)?);
    if tpkt.get(5)? & 0xf0 != code || li < 6 {
        return None;
    }
    // LI counts the bytes after itself: code, DST-REF, SRC-REF, class, variable.
    let end = (5 + li).min(len);
    tpkt.get(11..end).or(Some(&[]))
}

fn u32le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Decodes a Connection Request TPKT.
pub fn parse_connection_request(tpkt: &[u8]) -> Option<ConnectionRequest> {
    let mut var = x224_variable(tpkt, x224::CONNECTION_REQUEST)?;
    let mut cr = ConnectionRequest::default();
    // routingToken or cookie: one line ending in CR LF (MS-RDPBCGR §2.2.1.1).
    if let Some(rest) = var.strip_prefix(b"Cookie: ") {
        let end = rest.windows(2).position(|w| w == b"\r\n");
        let line = &rest[..end.unwrap_or(rest.len())];
        let text = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(MAX_COOKIE)]).into_owned();
        if let Some(user) = line.strip_prefix(b"mstshash=") {
            cr.cookie = Some(text(user));
        } else {
            cr.routing_token = Some(text(line));
        }
        var = end.map_or(&[][..], |e| &rest[e + 2..]);
    }
    if var.first() == Some(&neg::REQUEST) && var.get(2..4) == Some(&[8, 0][..]) {
        cr.negotiation = Some(NegotiationRequest {
            flags: var[1],
            protocols: u32le(var, 4)?,
        });
    }
    Some(cr)
}

/// Decodes a Connection Confirm TPKT.
pub fn parse_connection_confirm(tpkt: &[u8]) -> Option<ConnectionConfirm> {
    let var = x224_variable(tpkt, x224::CONNECTION_CONFIRM)?;
    let negotiation = match (var.first(), var.get(2..4)) {
        (Some(&neg::RESPONSE), Some([8, 0])) => Some(Negotiation::Selected {
            flags: var[1],
            protocol: u32le(var, 4)?,
        }),
        (Some(&neg::FAILURE), Some([8, 0])) => Some(Negotiation::Failure(u32le(var, 4)?)),
        _ => None,
    };
    Some(ConnectionConfirm { negotiation })
}

/// Suricata's name of a selected protocol (`rdp`, `ssl`, `hybrid`, ...).
pub fn protocol_name(p: u32) -> String {
    match p {
        protocol::RDP => "rdp".into(),
        protocol::SSL => "ssl".into(),
        protocol::HYBRID => "hybrid".into(),
        protocol::RDSTLS => "rds_tls".into(),
        protocol::HYBRID_EX => "hybrid_ex".into(),
        protocol::RDSAAD => "rds_aad".into(),
        _ => format!("0x{p:x}"),
    }
}

/// The names of the protocols a client offers (`["rdp"]` for none).
pub fn requested_protocol_names(p: u32) -> Vec<String> {
    if p == protocol::RDP {
        return vec!["rdp".into()];
    }
    (0..32)
        .map(|bit| 1u32 << bit)
        .filter(|b| p & b != 0)
        .map(protocol_name)
        .collect()
}

/// The security a selected protocol means, in words for the login reason.
pub fn security_name(p: u32) -> String {
    match p {
        protocol::RDP => "standard RDP security".into(),
        protocol::SSL => "TLS".into(),
        protocol::HYBRID => "NLA (CredSSP)".into(),
        protocol::HYBRID_EX => "NLA (CredSSP, early user authorization)".into(),
        protocol::RDSTLS => "RDSTLS".into(),
        protocol::RDSAAD => "RDS AAD".into(),
        _ => format!("security protocol 0x{p:x}"),
    }
}

/// Suricata's reason for an RDP_NEG_FAILURE code.
pub fn failure_reason(code: u32) -> String {
    match code {
        1 => "ssl required by server".into(),
        2 => "ssl not allowed by server".into(),
        3 => "ssl cert not on server".into(),
        4 => "inconsistent flags".into(),
        5 => "hybrid required by server".into(),
        6 => "ssl with user auth required by server".into(),
        _ => format!("failure code {code}"),
    }
}

/// Suricata's names of RDP_NEG_REQ flags.
pub fn request_flag_names(flags: u8) -> Vec<&'static str> {
    let mut v = Vec::new();
    if flags & 0x01 != 0 {
        v.push("restricted_admin_mode_required");
    }
    if flags & 0x02 != 0 {
        v.push("redirected_authentication_mode_required");
    }
    if flags & 0x08 != 0 {
        v.push("correlation_info_present");
    }
    v
}

/// Suricata's names of RDP_NEG_RSP flags (`server_supports`).
pub fn response_flag_names(flags: u8) -> Vec<&'static str> {
    let mut v = Vec::new();
    if flags & 0x01 != 0 {
        v.push("extended_client_data");
    }
    if flags & 0x02 != 0 {
        v.push("dynvc_gfx");
    }
    if flags & 0x08 != 0 {
        v.push("restricted_admin");
    }
    if flags & 0x10 != 0 {
        v.push("redirected_authentication");
    }
    v
}
