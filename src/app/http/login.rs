//! Login attempts seen in HTTP transactions: `Authorization: Basic` and
//! `Digest` (the account is visible), and form logins on login endpoints
//! (`POST /login`, `/wp-login.php`, `/remote/logincheck`, ...).
//!
//! A 401 or 403 answer to a request that carried credentials is a failure.
//! A bare 401 to a request without credentials is the normal challenge that
//! starts HTTP authentication, not a failure; NTLM and Negotiate handshakes
//! answer 401 with a challenge token until they finish, so only a 401 without
//! a token (or a 403) fails them.

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, Outcome};

use super::parser::basic_auth_user;
use super::tx::HttpTx;

/// Path pieces that mark a login endpoint (lower case). Includes the VPN and
/// remote-access appliances hospitals expose: FortiGate, Pulse/Ivanti,
/// Citrix, Outlook Web Access.
const LOGIN_PATHS: &[&str] = &[
    "login",
    "logon",
    "signin",
    "sign-in",
    "sign_in",
    "j_security_check",
    "/auth",
    "authenticate",
    "/session",
    "logincheck",
    "doauthentication",
];

/// Form fields that carry the account name (lower case).
const ACCOUNT_FIELDS: &[&str] = &[
    "username",
    "user",
    "login",
    "email",
    "j_username",
    "uname",
    "log",
    "userid",
    "user_id",
    "account",
    "name",
];

/// The login attempt of a completed transaction, if it was one.
pub fn login_attempt(tx: &HttpTx) -> Option<LoginAttempt> {
    if !tx.request_seen {
        return None;
    }
    let status = tx.status?;
    let auth = tx.request_header("authorization");
    let scheme = auth.map(scheme_of).unwrap_or_default();
    let reason = status_text(tx, status);
    match scheme.as_str() {
        "basic" | "digest" | "bearer" => {
            let outcome = match status {
                401 | 403 => Outcome::Failure,
                200..=399 => Outcome::Success,
                _ => Outcome::Unknown,
            };
            let mut l = LoginAttempt::new(AppProto::Http, outcome, format!("{scheme}: {reason}"));
            l.account = auth.and_then(|v| account_of(&scheme, v));
            Some(l)
        }
        "ntlm" | "negotiate" => {
            let challenge = tx
                .response_header("www-authenticate")
                .is_some_and(carries_token);
            let outcome = match status {
                401 if challenge => return None,
                401 | 403 => Outcome::Failure,
                200..=399 => Outcome::Success,
                _ => Outcome::Unknown,
            };
            Some(LoginAttempt::new(
                AppProto::Http,
                outcome,
                format!("{scheme}: {reason}"),
            ))
        }
        _ => {
            if !tx.method.eq_ignore_ascii_case(b"POST") || !is_login_path(&tx.uri_normalized) {
                return None;
            }
            let outcome = match status {
                401 | 403 => Outcome::Failure,
                // A form login's verdict is in the page or the redirect
                // target: not something to guess from the status.
                _ => Outcome::Unknown,
            };
            let mut l = LoginAttempt::new(AppProto::Http, outcome, format!("form: {reason}"));
            l.account = form_account(&tx.request_body);
            Some(l)
        }
    }
}

/// True when a `WWW-Authenticate` value carries a challenge token
/// (`NTLM TlRMTVNT...`), not only scheme names (`Negotiate, NTLM`).
fn carries_token(value: &[u8]) -> bool {
    value.split(|b| *b == b',').any(|part| {
        let part = trim(part);
        part.iter()
            .position(|b| *b == b' ')
            .is_some_and(|sp| trim(&part[sp..]).len() >= 8)
    })
}

fn scheme_of(value: &[u8]) -> String {
    let v = trim(value);
    let end = v.iter().position(|b| *b == b' ').unwrap_or(v.len());
    String::from_utf8_lossy(&v[..end]).to_ascii_lowercase()
}

fn account_of(scheme: &str, value: &[u8]) -> Option<String> {
    match scheme {
        "basic" => basic_auth_user(value).map(|u| String::from_utf8_lossy(&u).into_owned()),
        "digest" => digest_param(value, b"username"),
        _ => None,
    }
}

/// `username="..."` from a Digest credentials header.
fn digest_param(value: &[u8], name: &[u8]) -> Option<String> {
    let mut rest = value;
    while let Some(i) = find_nocase(rest, name) {
        let after = &rest[i + name.len()..];
        let after = trim(after);
        if let Some(v) = after.strip_prefix(b"=") {
            let v = trim(v);
            let s = match v.strip_prefix(b"\"") {
                Some(q) => &q[..q.iter().position(|b| *b == b'"').unwrap_or(q.len())],
                None => &v[..v.iter().position(|b| *b == b',').unwrap_or(v.len())],
            };
            return Some(String::from_utf8_lossy(s).into_owned());
        }
        rest = after;
    }
    None
}

fn is_login_path(uri: &[u8]) -> bool {
    let path_end = uri.iter().position(|b| *b == b'?').unwrap_or(uri.len());
    let path = String::from_utf8_lossy(&uri[..path_end]).to_ascii_lowercase();
    LOGIN_PATHS.iter().any(|p| path.contains(p))
}

/// The account of an `application/x-www-form-urlencoded` login form.
fn form_account(body: &[u8]) -> Option<String> {
    for pair in body.split(|b| *b == b'&') {
        let Some(eq) = pair.iter().position(|b| *b == b'=') else {
            continue;
        };
        let key = url_decode(&pair[..eq]).to_ascii_lowercase();
        if ACCOUNT_FIELDS.contains(&key.as_str()) {
            let v = url_decode(&pair[eq + 1..]);
            if !v.is_empty() {
                return Some(v.chars().take(256).collect());
            }
        }
    }
    None
}

fn url_decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                let hex = std::str::from_utf8(&s[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn status_text(tx: &HttpTx, status: u16) -> String {
    match &tx.status_msg {
        Some(m) if !m.is_empty() => format!("{status} {}", String::from_utf8_lossy(trim(m))),
        _ => status.to_string(),
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

fn find_nocase(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::http::{HttpConfig, HttpEvent, HttpParser};
    use crate::flow::Direction;

    /// Login attempts of a request/response exchange.
    fn logins(req: &[u8], res: &[u8]) -> Vec<LoginAttempt> {
        let mut p = HttpParser::new(&HttpConfig::default());
        let mut out = Vec::new();
        let mut sink = |e: HttpEvent<'_>| {
            if let HttpEvent::Response(tx) = e {
                out.extend(login_attempt(tx));
            }
        };
        p.parse(Direction::ToServer, req, &mut sink);
        p.parse(Direction::ToClient, res, &mut sink);
        out
    }

    const R401: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n";
    const R200: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn basic_auth_failure_and_success_name_the_user() {
        // alice:wrong, then alice:right, pipelined on one connection.
        let req =
            b"GET /admin HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n\
GET /admin HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YWxpY2U6cmlnaHQ=\r\n\r\n";
        let res = [R401, R200].concat();
        let got = logins(req, &res);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].outcome, Outcome::Failure);
        assert_eq!(got[0].account.as_deref(), Some("alice"));
        assert_eq!(got[0].reason, "basic: 401 Unauthorized");
        assert_eq!(got[1].outcome, Outcome::Success);
        assert_eq!(got[1].protocol, AppProto::Http);
    }

    #[test]
    fn challenge_without_credentials_is_not_a_failure() {
        let got = logins(b"GET /admin HTTP/1.1\r\nHost: h\r\n\r\n", R401);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn digest_user_is_read() {
        let req = b"GET / HTTP/1.1\r\nAuthorization: Digest username=\"bob\", realm=\"r\", nonce=\"n\"\r\n\r\n";
        let got = logins(req, R401);
        assert_eq!(got[0].account.as_deref(), Some("bob"));
        assert_eq!(got[0].outcome, Outcome::Failure);
    }

    #[test]
    fn ntlm_challenge_round_is_intermediate_final_401_fails() {
        let challenge = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM TlRMTVNTUAACAAAADAAMADAAAAA=\r\nContent-Length: 0\r\n\r\n";
        let refused = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate, NTLM\r\nContent-Length: 0\r\n\r\n";
        let req = b"GET / HTTP/1.1\r\nAuthorization: NTLM TlRMTVNTUAABAAAAB4IIog==\r\n\r\n\
GET / HTTP/1.1\r\nAuthorization: NTLM TlRMTVNTUAADAAAAGAAYAEgAAAA=\r\n\r\n";
        let got = logins(req, &[&challenge[..], &refused[..]].concat());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].outcome, Outcome::Failure);
        assert_eq!(got[0].reason, "ntlm: 401 Unauthorized");
    }

    #[test]
    fn form_login_on_login_endpoint() {
        let body = b"log=admin%40site&pwd=secret&wp-submit=Log+In";
        let req = [
            &b"POST /wp-login.php HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 44\r\n\r\n"[..],
            &body[..],
        ]
        .concat();
        assert_eq!(body.len(), 44);
        let forbidden = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
        let got = logins(&req, forbidden);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].account.as_deref(), Some("admin@site"));
        assert_eq!(got[0].outcome, Outcome::Failure);
        // A 200 answer: the verdict is in the page, so unknown.
        assert_eq!(logins(&req, R200)[0].outcome, Outcome::Unknown);
        // The same form posted elsewhere is no login.
        let other = String::from_utf8_lossy(&req).replace("/wp-login.php", "/comment.php");
        assert!(logins(other.as_bytes(), forbidden).is_empty());
    }

    #[test]
    fn hostile_values_do_not_panic() {
        for v in [
            &b"Digest username="[..],
            b"Digest username=\"",
            b"Basic",
            b"",
            b"%",
            b"%4",
        ] {
            let _ = account_of("digest", v);
            let _ = account_of("basic", v);
            let _ = form_account(v);
            let _ = url_decode(v);
        }
        assert_eq!(url_decode(b"a%2"), "a%2");
        assert_eq!(url_decode(b"%41+b"), "A b");
    }
}
