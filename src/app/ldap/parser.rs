//! LDAPv3 messages (RFC 4511 §4): the envelope of every message and the
//! fields of the operations that matter for authentication, decoded from
//! one message's bytes with the shared BER reader.

use crate::app::ber::{self, BerError, Class, Tlv};

/// Longest DN, mechanism or diagnostic text kept.
pub const MAX_TEXT: usize = 512;

/// `StartTLS` extended operation (RFC 4511 §4.14.1).
pub const STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";

/// How a BindRequest authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindAuth {
    /// `simple [0]`: a password; only whether it is empty is kept.
    Simple {
        /// The password is empty (anonymous or unauthenticated bind,
        /// RFC 4513 §5.1).
        empty: bool,
    },
    /// `sasl [3]`: the mechanism, and the account the credentials name in
    /// clear (an NTLM AUTHENTICATE message, a DIGEST-MD5 `username`).
    Sasl {
        /// Mechanism name.
        mechanism: String,
        /// `(domain, user)` read from the credentials.
        account: Option<(Option<String>, String)>,
    },
    /// Microsoft's "Sicily" NTLM binds: `[9]` package discovery, `[10]`
    /// negotiate, `[11]` response (with the NTLM AUTHENTICATE message).
    Sicily {
        /// 9, 10 or 11.
        step: u32,
        /// `(domain, user)` of a response step.
        account: Option<(Option<String>, String)>,
    },
    /// Another choice (`krbv42ldap`...).
    Other(u32),
}

/// The result fields shared by responses (`LDAPResult`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdapResult {
    /// `resultCode`.
    pub code: u32,
    /// `matchedDN`.
    pub matched_dn: String,
    /// `diagnosticMessage`.
    pub message: String,
}

/// A protocol operation, decoded as far as wardwatch needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolOp {
    /// BindRequest.
    BindRequest {
        /// `version`.
        version: u32,
        /// `name` (a DN, or a user name for AD).
        name: String,
        /// How it authenticates.
        auth: BindAuth,
    },
    /// SearchRequest: base and scope.
    SearchRequest {
        /// `baseObject`.
        base_object: String,
        /// `scope` (0 base, 1 one level, 2 subtree).
        scope: u32,
    },
    /// SearchResultEntry: its DN.
    SearchResultEntry {
        /// `objectName`.
        object_name: String,
    },
    /// ExtendedRequest.
    ExtendedRequest {
        /// `requestName`.
        name: String,
    },
    /// ExtendedResponse.
    ExtendedResponse {
        /// Its result.
        result: LdapResult,
        /// `responseName`, when present.
        name: Option<String>,
    },
    /// Any response made of an LDAPResult (BindResponse, SearchResultDone,
    /// ModifyResponse...): `tag` says which.
    Result {
        /// Application tag.
        tag: u32,
        /// Its result.
        result: LdapResult,
    },
    /// Any other operation (unbind, abandon, modify...), by tag.
    Other(u32),
}

/// One LDAP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdapMessage {
    /// `messageID` (0 for unsolicited notifications).
    pub id: u32,
    /// Application tag of the operation.
    pub tag: u32,
    /// The operation.
    pub op: ProtocolOp,
}

/// Responses: tags the server sends.
pub fn is_response(tag: u32) -> bool {
    matches!(tag, 1 | 4 | 5 | 7 | 9 | 11 | 13 | 15 | 19 | 24 | 25)
}

/// Responses that end an operation (a search ends with SearchResultDone,
/// after entries and references; IntermediateResponse ends nothing).
pub fn is_final_response(tag: u32) -> bool {
    is_response(tag) && !matches!(tag, 4 | 19 | 25)
}

/// True when `tag` is an operation and the constructed bit is the one
/// RFC 4511 gives it (unbind, delete and abandon are primitive).
pub fn known_op(tag: u32, constructed: bool) -> bool {
    match tag {
        2 | 10 | 16 => !constructed,
        0 | 1 | 3..=9 | 11..=15 | 19 | 23..=25 => constructed,
        _ => false,
    }
}

/// Decodes one `LDAPMessage ::= SEQUENCE { messageID, protocolOp, controls
/// [0] OPTIONAL }` that fills `msg` exactly.
pub fn parse_message(msg: &[u8]) -> Result<LdapMessage, BerError> {
    let seq = ber::read_exact(msg, Class::Universal, 16)?;
    let mut it = seq.children();
    let id = it.next().ok_or(BerError::Unexpected)?;
    if !id.is(Class::Universal, 2) {
        return Err(BerError::Unexpected);
    }
    let id = u32::try_from(id.uint()?).map_err(|_| BerError::Unexpected)?;
    let op = it.next().ok_or(BerError::Unexpected)?;
    if op.class != Class::Application || !known_op(op.tag, op.constructed) {
        return Err(BerError::Unexpected);
    }
    let decoded = match op.tag {
        0 => bind_request(&op)?,
        3 => {
            let mut f = op.children();
            let base = f.next().ok_or(BerError::Unexpected)?;
            let scope = f.next().ok_or(BerError::Unexpected)?;
            ProtocolOp::SearchRequest {
                base_object: text(base.value),
                scope: u32::try_from(scope.uint()?).unwrap_or(u32::MAX),
            }
        }
        4 => ProtocolOp::SearchResultEntry {
            object_name: op
                .children()
                .next()
                .map(|t| text(t.value))
                .unwrap_or_default(),
        },
        23 => ProtocolOp::ExtendedRequest {
            name: op
                .children()
                .find(|t| t.is(Class::Context, 0))
                .map(|t| text(t.value))
                .unwrap_or_default(),
        },
        24 => ProtocolOp::ExtendedResponse {
            result: ldap_result(&op)?,
            name: op
                .children()
                .find(|t| t.is(Class::Context, 10))
                .map(|t| text(t.value)),
        },
        t if is_response(t) && t != 19 && t != 25 => ProtocolOp::Result {
            tag: t,
            result: ldap_result(&op)?,
        },
        t => ProtocolOp::Other(t),
    };
    Ok(LdapMessage {
        id,
        tag: op.tag,
        op: decoded,
    })
}

fn bind_request(op: &Tlv<'_>) -> Result<ProtocolOp, BerError> {
    let mut f = op.children();
    let version = f.next().ok_or(BerError::Unexpected)?;
    let name = f.next().ok_or(BerError::Unexpected)?;
    let auth = f.next().ok_or(BerError::Unexpected)?;
    if !version.is(Class::Universal, 2) || !name.is(Class::Universal, 4) {
        return Err(BerError::Unexpected);
    }
    let auth = match (auth.class, auth.tag) {
        (Class::Context, 0) => BindAuth::Simple {
            empty: auth.value.is_empty(),
        },
        (Class::Context, 3) => {
            let mut s = auth.children();
            let mech = s.next().ok_or(BerError::Unexpected)?;
            let creds = s.next().map(|c| c.value).unwrap_or_default();
            BindAuth::Sasl {
                mechanism: text(mech.value),
                account: ntlm_account(creds).or_else(|| digest_username(creds)),
            }
        }
        (Class::Context, step @ 9..=11) => BindAuth::Sicily {
            step,
            account: if step == 11 {
                ntlm_account(auth.value)
            } else {
                None
            },
        },
        (_, t) => BindAuth::Other(t),
    };
    Ok(ProtocolOp::BindRequest {
        version: u32::try_from(version.uint()?).unwrap_or(u32::MAX),
        name: text(name.value),
        auth,
    })
}

fn ldap_result(op: &Tlv<'_>) -> Result<LdapResult, BerError> {
    let mut f = op.children();
    let code = f.next().ok_or(BerError::Unexpected)?;
    let dn = f.next().ok_or(BerError::Unexpected)?;
    let msg = f.next().ok_or(BerError::Unexpected)?;
    if !code.is(Class::Universal, 10) {
        return Err(BerError::Unexpected);
    }
    Ok(LdapResult {
        code: u32::try_from(code.uint()?).unwrap_or(u32::MAX),
        matched_dn: text(dn.value),
        message: text(msg.value),
    })
}

/// A protocol string as text (lossy), at most [`MAX_TEXT`] bytes. Active
/// Directory ends its diagnostic messages with a NUL; it is dropped.
fn text(v: &[u8]) -> String {
    let v = &v[..v.len().min(MAX_TEXT)];
    let end = v.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(&v[..end]).into_owned()
}

/// The domain and user of an NTLM AUTHENTICATE message (MS-NLMP §2.2.1.3)
/// found in `creds` (raw, or inside SPNEGO: the NTLMSSP signature is
/// searched for).
pub fn ntlm_account(creds: &[u8]) -> Option<(Option<String>, String)> {
    let o = memchr::memmem::find(creds, b"NTLMSSP\0")?;
    let m = &creds[o..];
    let u32le = |at: usize| -> Option<u32> {
        let b = m.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if u32le(8)? != 3 {
        return None;
    }
    let unicode = u32le(60).is_some_and(|f| f & 1 != 0);
    let field = |at: usize| -> Option<String> {
        let b = m.get(at..at + 8)?;
        let len = usize::from(u16::from_le_bytes([b[0], b[1]]));
        let off = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        let v = m.get(off..off.checked_add(len)?)?;
        let v = &v[..v.len().min(MAX_TEXT)];
        Some(if unicode {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            String::from_utf8_lossy(v).into_owned()
        })
    };
    let domain = field(28).filter(|d| !d.is_empty());
    let user = field(36)?;
    if user.is_empty() {
        // An anonymous NTLM authentication names nobody.
        return None;
    }
    Some((domain, user))
}

/// The `username="..."` of a DIGEST-MD5 response (RFC 2831 §2.1.2).
fn digest_username(creds: &[u8]) -> Option<(Option<String>, String)> {
    let key = b"username=\"";
    let start = memchr::memmem::find(creds, key)? + key.len();
    let rest = creds.get(start..)?;
    let end = memchr::memchr(b'"', rest)?;
    let user = text(&rest[..end]);
    let realm = memchr::memmem::find(creds, b"realm=\"").and_then(|r| {
        let rest = creds.get(r + 7..)?;
        let end = memchr::memchr(b'"', rest)?;
        Some(text(&rest[..end]))
    });
    (!user.is_empty()).then_some((realm.filter(|r| !r.is_empty()), user))
}

/// RFC 4511 §4.1.9 result code names.
pub fn result_name(code: u32) -> &'static str {
    match code {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        5 => "compareFalse",
        6 => "compareTrue",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        14 => "saslBindInProgress",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        18 => "inappropriateMatching",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        33 => "aliasProblem",
        34 => "invalidDNSyntax",
        36 => "aliasDereferencingProblem",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        54 => "loopDetect",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        69 => "objectClassModsProhibited",
        71 => "affectsMultipleDSAs",
        80 => "other",
        _ => "unknown",
    }
}

/// A camelCase name in Suricata's EVE spelling (`invalid_credentials`).
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Suricata's operation names (its `ldap.request.operation` table).
pub fn op_name(tag: u32) -> &'static str {
    match tag {
        0 => "bind_request",
        1 => "bind_response",
        2 => "unbind_request",
        3 => "search_request",
        4 => "search_result_entry",
        5 => "search_result_done",
        6 => "modify_request",
        7 => "modify_response",
        8 => "add_request",
        9 => "add_response",
        10 => "del_request",
        11 => "del_response",
        12 => "mod_dn_request",
        13 => "mod_dn_response",
        14 => "compare_request",
        15 => "compare_response",
        16 => "abandon_request",
        19 => "search_result_reference",
        23 => "extended_request",
        24 => "extended_response",
        25 => "intermediate_response",
        _ => "unknown",
    }
}

/// What Active Directory's `data XXX` in an invalidCredentials diagnostic
/// message means (the sub-status of the failed logon).
pub fn ad_data_code(message: &str) -> Option<&'static str> {
    let i = message.find("data ")?;
    let code = message[i + 5..].split([',', ' ']).next()?;
    Some(match code.to_ascii_lowercase().as_str() {
        "525" => "user not found",
        "52e" => "invalid credentials",
        "530" => "not permitted to logon at this time",
        "531" => "not permitted to logon at this workstation",
        "532" => "password expired",
        "533" => "account disabled",
        "701" => "account expired",
        "773" => "user must reset password",
        "775" => "account locked out",
        _ => return None,
    })
}
