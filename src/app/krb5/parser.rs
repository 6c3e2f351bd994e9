//! Kerberos 5 messages (RFC 4120 §5): the clear fields of KDC requests,
//! replies and errors, decoded from one message's bytes with the shared BER
//! reader. Encrypted parts are skipped (only their `etype` is read).

use crate::app::ber::{self, BerError, Class, Tlv, field};

/// `AS-REQ` (`[APPLICATION 10]`).
pub const AS_REQ: u32 = 10;
/// `AS-REP`.
pub const AS_REP: u32 = 11;
/// `TGS-REQ`.
pub const TGS_REQ: u32 = 12;
/// `TGS-REP`.
pub const TGS_REP: u32 = 13;
/// `KRB-ERROR`.
pub const KRB_ERROR: u32 = 30;

/// Name-strings kept per principal and etypes kept per request: real ones
/// have 1-3 and under 10.
const MAX_LIST: usize = 16;
/// Longest principal or realm text kept.
const MAX_NAME: usize = 512;

/// The clear fields of one KDC message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KrbMessage {
    /// Application tag = msg-type: [`AS_REQ`], [`AS_REP`], [`TGS_REQ`],
    /// [`TGS_REP`] or [`KRB_ERROR`].
    pub msg_type: u32,
    /// Client principal, name-strings joined by `/` (absent from TGS-REQ:
    /// it is inside the encrypted authenticator).
    pub cname: Option<String>,
    /// The client's realm: a request's `realm`, a reply's `crealm`, an
    /// error's `crealm` (or, lacking it, its `realm`).
    pub realm: Option<String>,
    /// Service principal: a request's `sname`, a reply's ticket `sname`, an
    /// error's `sname`.
    pub sname: Option<String>,
    /// Encryption types a request offers, in preference order.
    pub etypes: Vec<i32>,
    /// A reply's `enc-part` etype.
    pub enc_etype: Option<i32>,
    /// A reply's ticket `enc-part` etype.
    pub ticket_etype: Option<i32>,
    /// A KRB-ERROR's `error-code`.
    pub error_code: Option<i32>,
    /// A KRB-ERROR's `e-text`.
    pub e_text: Option<String>,
    /// PA-DATA types a request or reply carries.
    pub padata: Vec<i32>,
}

/// True for the tags a KDC exchange starts with or answers.
pub fn is_kdc_tag(tag: u32) -> bool {
    matches!(tag, AS_REQ | AS_REP | TGS_REQ | TGS_REP | KRB_ERROR)
}

/// Decodes one KDC message: the element must fill `msg` exactly, carry
/// `pvno` 5 and a `msg-type` equal to its application tag.
pub fn parse_message(msg: &[u8]) -> Result<KrbMessage, BerError> {
    let (app, rest) = ber::read(msg)?;
    if !rest.is_empty() || app.class != Class::Application || !is_kdc_tag(app.tag) {
        return Err(BerError::Unexpected);
    }
    let seq = app.inner()?;
    if !seq.is(Class::Universal, 16) || !seq.constructed {
        return Err(BerError::Unexpected);
    }
    // KDC-REQ numbers pvno [1] and msg-type [2]; KDC-REP and KRB-ERROR
    // number them [0] and [1].
    let (pvno_field, type_field) = match app.tag {
        AS_REQ | TGS_REQ => (1, 2),
        _ => (0, 1),
    };
    let int =
        |n: u32| -> Result<i64, BerError> { field(&seq, n).ok_or(BerError::Unexpected)?.int() };
    if int(pvno_field)? != 5 || int(type_field)? != i64::from(app.tag) {
        return Err(BerError::Unexpected);
    }
    let mut m = KrbMessage {
        msg_type: app.tag,
        ..KrbMessage::default()
    };
    match app.tag {
        AS_REQ | TGS_REQ => {
            m.padata = padata_types(field(&seq, 3));
            let body = field(&seq, 4).ok_or(BerError::Unexpected)?;
            m.cname = field(&body, 1).and_then(|p| principal(&p));
            m.realm = field(&body, 2).and_then(|r| string(&r));
            m.sname = field(&body, 3).and_then(|p| principal(&p));
            if let Some(list) = field(&body, 8) {
                m.etypes = list
                    .children()
                    .take(MAX_LIST)
                    .filter_map(|e| e.int().ok())
                    .filter_map(|e| i32::try_from(e).ok())
                    .collect();
            }
        }
        AS_REP | TGS_REP => {
            m.padata = padata_types(field(&seq, 2));
            m.realm = field(&seq, 3).and_then(|r| string(&r));
            m.cname = field(&seq, 4).and_then(|p| principal(&p));
            // Ticket ::= [APPLICATION 1] SEQUENCE {tkt-vno [0], realm [1],
            // sname [2], enc-part [3]}.
            if let Some(t) = field(&seq, 5).filter(|t| t.is(Class::Application, 1)) {
                if let Ok(ts) = t.inner() {
                    m.sname = field(&ts, 2).and_then(|p| principal(&p));
                    m.ticket_etype = field(&ts, 3).and_then(|e| etype(&e));
                }
            }
            m.enc_etype = field(&seq, 6).and_then(|e| etype(&e));
        }
        _ => {
            m.error_code = Some(i32::try_from(int(6)?).map_err(|_| BerError::Unexpected)?);
            m.realm = field(&seq, 7)
                .or_else(|| field(&seq, 9))
                .and_then(|r| string(&r));
            m.cname = field(&seq, 8).and_then(|p| principal(&p));
            m.sname = field(&seq, 10).and_then(|p| principal(&p));
            m.e_text = field(&seq, 11).and_then(|t| string(&t));
        }
    }
    Ok(m)
}

/// `PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE
/// OF KerberosString }`, as `a/b`.
fn principal(p: &Tlv<'_>) -> Option<String> {
    let names = field(p, 1)?;
    let mut out = String::new();
    for (i, n) in names.children().take(MAX_LIST).enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&string(&n)?);
        if out.len() > MAX_NAME {
            break;
        }
    }
    Some(out)
}

/// A KerberosString (GeneralString, IA5 in practice) or Realm.
fn string(t: &Tlv<'_>) -> Option<String> {
    if t.constructed {
        return None;
    }
    let v = &t.value[..t.value.len().min(MAX_NAME)];
    Some(String::from_utf8_lossy(v).into_owned())
}

/// `EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] }`.
fn etype(e: &Tlv<'_>) -> Option<i32> {
    field(e, 0)?.int().ok().and_then(|v| i32::try_from(v).ok())
}

/// `SEQUENCE OF PA-DATA { padata-type [1], padata-value [2] }`.
fn padata_types(list: Option<Tlv<'_>>) -> Vec<i32> {
    list.map(|l| {
        l.children()
            .take(MAX_LIST)
            .filter_map(|pa| field(&pa, 1)?.int().ok())
            .filter_map(|v| i32::try_from(v).ok())
            .collect()
    })
    .unwrap_or_default()
}

/// Suricata's name of a message type (`KRB_AS_REQ`, ...).
pub fn msg_type_name(t: u32) -> &'static str {
    match t {
        AS_REQ => "KRB_AS_REQ",
        AS_REP => "KRB_AS_REP",
        TGS_REQ => "KRB_TGS_REQ",
        TGS_REP => "KRB_TGS_REP",
        KRB_ERROR => "KRB_ERROR",
        _ => "UNKNOWN",
    }
}

/// RFC 4120 §7.5.9 (and RFC 4556, RFC 6113) error-code names.
pub fn error_name(code: i32) -> Option<&'static str> {
    Some(match code {
        0 => "KDC_ERR_NONE",
        1 => "KDC_ERR_NAME_EXP",
        2 => "KDC_ERR_SERVICE_EXP",
        3 => "KDC_ERR_BAD_PVNO",
        4 => "KDC_ERR_C_OLD_MAST_KVNO",
        5 => "KDC_ERR_S_OLD_MAST_KVNO",
        6 => "KDC_ERR_C_PRINCIPAL_UNKNOWN",
        7 => "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        8 => "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
        9 => "KDC_ERR_NULL_KEY",
        10 => "KDC_ERR_CANNOT_POSTDATE",
        11 => "KDC_ERR_NEVER_VALID",
        12 => "KDC_ERR_POLICY",
        13 => "KDC_ERR_BADOPTION",
        14 => "KDC_ERR_ETYPE_NOSUPP",
        15 => "KDC_ERR_SUMTYPE_NOSUPP",
        16 => "KDC_ERR_PADATA_TYPE_NOSUPP",
        17 => "KDC_ERR_TRTYPE_NOSUPP",
        18 => "KDC_ERR_CLIENT_REVOKED",
        19 => "KDC_ERR_SERVICE_REVOKED",
        20 => "KDC_ERR_TGT_REVOKED",
        21 => "KDC_ERR_CLIENT_NOTYET",
        22 => "KDC_ERR_SERVICE_NOTYET",
        23 => "KDC_ERR_KEY_EXPIRED",
        24 => "KDC_ERR_PREAUTH_FAILED",
        25 => "KDC_ERR_PREAUTH_REQUIRED",
        26 => "KDC_ERR_SERVER_NOMATCH",
        27 => "KDC_ERR_MUST_USE_USER2USER",
        28 => "KDC_ERR_PATH_NOT_ACCEPTED",
        29 => "KDC_ERR_SVC_UNAVAILABLE",
        31 => "KRB_AP_ERR_BAD_INTEGRITY",
        32 => "KRB_AP_ERR_TKT_EXPIRED",
        33 => "KRB_AP_ERR_TKT_NYV",
        34 => "KRB_AP_ERR_REPEAT",
        35 => "KRB_AP_ERR_NOT_US",
        36 => "KRB_AP_ERR_BADMATCH",
        37 => "KRB_AP_ERR_SKEW",
        38 => "KRB_AP_ERR_BADADDR",
        39 => "KRB_AP_ERR_BADVERSION",
        40 => "KRB_AP_ERR_MSG_TYPE",
        41 => "KRB_AP_ERR_MODIFIED",
        42 => "KRB_AP_ERR_BADORDER",
        44 => "KRB_AP_ERR_BADKEYVER",
        45 => "KRB_AP_ERR_NOKEY",
        46 => "KRB_AP_ERR_MUT_FAIL",
        47 => "KRB_AP_ERR_BADDIRECTION",
        48 => "KRB_AP_ERR_METHOD",
        49 => "KRB_AP_ERR_BADSEQ",
        50 => "KRB_AP_ERR_INAPP_CKSUM",
        51 => "KRB_AP_PATH_NOT_ACCEPTED",
        52 => "KRB_ERR_RESPONSE_TOO_BIG",
        60 => "KRB_ERR_GENERIC",
        61 => "KRB_ERR_FIELD_TOOLONG",
        62 => "KDC_ERR_CLIENT_NOT_TRUSTED",
        63 => "KDC_ERR_KDC_NOT_TRUSTED",
        64 => "KDC_ERR_INVALID_SIG",
        65 => "KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED",
        66 => "KDC_ERR_CERTIFICATE_MISMATCH",
        67 => "KRB_AP_ERR_NO_TGT",
        68 => "KDC_ERR_WRONG_REALM",
        69 => "KRB_AP_ERR_USER_TO_USER_REQUIRED",
        70 => "KDC_ERR_CANT_VERIFY_CERTIFICATE",
        71 => "KDC_ERR_INVALID_CERTIFICATE",
        72 => "KDC_ERR_REVOKED_CERTIFICATE",
        73 => "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
        74 => "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
        75 => "KDC_ERR_CLIENT_NAME_MISMATCH",
        76 => "KDC_ERR_KDC_NAME_MISMATCH",
        90 => "KDC_ERR_PREAUTH_EXPIRED",
        91 => "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED",
        92 => "KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET",
        93 => "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS",
        _ => return None,
    })
}

/// An encryption type's name (RFC 3961 §8, RFC 8009, RFC 4757) and whether
/// it is weak (DES, 3DES without key derivation, RC4: crackable offline).
pub fn etype_name(etype: i32) -> (&'static str, bool) {
    match etype {
        1 => ("des-cbc-crc", true),
        2 => ("des-cbc-md4", true),
        3 => ("des-cbc-md5", true),
        5 => ("des3-cbc-md5", true),
        7 => ("des3-cbc-sha1", true),
        16 => ("des3-cbc-sha1-kd", false),
        17 => ("aes128-cts-hmac-sha1-96", false),
        18 => ("aes256-cts-hmac-sha1-96", false),
        19 => ("aes128-cts-hmac-sha256-128", false),
        20 => ("aes256-cts-hmac-sha384-192", false),
        23 => ("rc4-hmac", true),
        24 => ("rc4-hmac-exp", true),
        25 => ("camellia128-cts-cmac", false),
        26 => ("camellia256-cts-cmac", false),
        _ => ("unknown", false),
    }
}
