//! Events the parsers hand to the correlator (and, when switched on, to EVE
//! as `login` records): what the behavioural detectors judge.

use serde::Serialize;

use super::layer::AppProto;

/// How a login attempt ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The server accepted the credentials.
    Success,
    /// The server refused them.
    Failure,
    /// The attempt was seen, its result was not (encrypted, cut off, ...).
    Unknown,
}

/// One login attempt, as a parser saw it. The client and server are the
/// flow's (added by the inspector); a RADIUS attempt's client is the NAS
/// that relayed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoginAttempt {
    /// Protocol it was made over.
    #[serde(serialize_with = "proto_name")]
    pub protocol: AppProto,
    /// The account, when visible (`user`, `user@REALM`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Domain or realm, when the protocol names it apart from the account
    /// (NTLM domain, Kerberos realm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Result.
    pub outcome: Outcome,
    /// Why, in the protocol's words: `530 Login incorrect`,
    /// `KDC_ERR_PREAUTH_FAILED`, `STATUS_LOGON_FAILURE`, `invalidCredentials`...
    pub reason: String,
    /// True when the outcome was inferred from behaviour rather than read
    /// from the protocol (SSH, RDP).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

fn proto_name<S: serde::Serializer>(p: &AppProto, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.as_str())
}

impl LoginAttempt {
    /// An attempt over `protocol` with `outcome` and `reason`, no account yet.
    pub fn new(protocol: AppProto, outcome: Outcome, reason: impl Into<String>) -> Self {
        LoginAttempt {
            protocol,
            account: None,
            domain: None,
            outcome,
            reason: reason.into(),
            inferred: false,
        }
    }

    /// The same attempt, naming the account.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// The same attempt, naming the domain or realm.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
}
