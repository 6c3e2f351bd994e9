//! FTP, SMTP, POP3, IMAP and Telnet end to end: the binary replays captures
//! of real servers (tests/fixtures/README-text.md) and writes `login`
//! events, the protocols' EVE records, and alerts of rules on each protocol.

mod common;

use common::*;
use serde_json::{Value, json};

const PROTOS: [&str; 5] = ["ftp", "smtp", "pop3", "imap", "telnet"];

/// A header rule per protocol (sid 1..5 in `PROTOS` order), an
/// `app-layer-protocol` rule per protocol (sid 11..15) and a content rule
/// on a failed FTP login (sid 21).
fn rules() -> String {
    let mut r = String::new();
    for (i, p) in PROTOS.iter().enumerate() {
        r += &format!(
            "alert {p} any any -> any any (msg:\"{p} header\"; sid:{};)\n",
            i + 1
        );
        r += &format!(
            "alert tcp any any -> any any (msg:\"{p} alp\"; app-layer-protocol:{p}; sid:{};)\n",
            i + 11
        );
    }
    r += "alert ftp any any -> any any (msg:\"ftp 530\"; content:\"530 Login incorrect\"; sid:21;)\n";
    r
}

/// Replays `pcaps` (under tests/fixtures) with EVE types alert, login and
/// `proto`; returns the events and the raw EVE text.
fn replay(proto: &str, pcaps: &[&str]) -> (Vec<Value>, String) {
    let r = replay_fixtures(pcaps, &["alert", "login", proto], &rules(), &[]);
    (r.events, r.eve)
}

/// `(account, outcome, reason)` of each login event, checking the protocol.
fn logins(events: &[Value], proto: &str) -> Vec<(String, String, String)> {
    login_triples(events, proto, "-")
}

fn attempt(account: &str, outcome: &str, reason: &str) -> (String, String, String) {
    (account.into(), outcome.into(), reason.into())
}

/// Signature ids that alerted.
fn sids(events: &[Value]) -> std::collections::BTreeSet<u64> {
    events_of_type(events, "alert")
        .into_iter()
        .filter_map(|e| e["alert"]["signature_id"].as_u64())
        .collect()
}

/// The protocol's rules fire (header and app-layer-protocol) and no other
/// protocol's do.
fn assert_only_rules_of(events: &[Value], proto: &str, extra: &[u64]) {
    let i = PROTOS.iter().position(|p| *p == proto).expect("proto") as u64;
    let mut want: std::collections::BTreeSet<u64> = [i + 1, i + 11].into();
    want.extend(extra);
    assert_eq!(sids(events), want);
}

fn no_password(raw: &str) {
    for secret in [
        "Secr3t", "wrongp", "wrong1", "wrong2", "badpw", "guess", "badpass2",
    ] {
        assert!(!raw.contains(secret), "{secret} in EVE");
    }
}

#[test]
fn ftp_logins_records_and_rules() {
    let (ev, raw) = replay("ftp", &["ftp/vsftpd.pcap", "ftp/vsftpd-auth-ssl.pcap"]);
    assert_eq!(
        logins(&ev, "ftp"),
        vec![
            attempt("ptextuser", "failure", "530 Login incorrect."),
            attempt("ptextuser", "failure", "530 Login incorrect."),
            attempt("ptextuser", "success", "230 Login successful."),
            attempt("ptextuser", "success", "230 Login successful."),
            attempt("nosuchuser", "failure", "530 Login incorrect."),
        ]
    );
    let ftp = events_of_type(&ev, "ftp");
    assert_eq!(ftp.len(), 8 + 7 + 2 + 1);
    assert_eq!(
        ftp[0]["ftp"],
        json!({"command": "USER", "command_data": "ptextuser", "command_truncated": false,
               "completion_code": ["331"], "reply": ["Please specify the password."],
               "reply_received": "yes", "reply_truncated": false})
    );
    assert!(ftp.iter().any(|e| e["ftp"]["command"] == "AUTH"
        && e["ftp"]["completion_code"] == json!(["234"])
        && e["dest_port"] == 2121));
    assert_only_rules_of(&ev, "ftp", &[21]);
    no_password(&raw);
}

#[test]
fn smtp_logins_records_and_rules() {
    let (ev, raw) = replay("smtp", &["smtp/postfix.pcap"]);
    let failed = "535 5.7.8 Error: authentication failed: (reason unavailable)";
    let ok = "235 2.7.0 Authentication successful";
    assert_eq!(
        logins(&ev, "smtp"),
        vec![
            attempt("ptextuser", "failure", failed),
            attempt("otheruser", "failure", failed),
            attempt("ptextuser", "success", ok),
            attempt("ptextuser", "success", ok),
        ]
    );
    let smtp: Vec<&Value> = events_of_type(&ev, "smtp")
        .into_iter()
        .map(|e| &e["smtp"])
        .collect();
    assert_eq!(
        smtp,
        vec![
            &json!({"helo": "client.ptext.test", "mail_from": "<ptextuser@mail.ptext.test>",
                    "rcpt_to": ["<ptextuser@mail.ptext.test>", "<root@mail.ptext.test>"]}),
            &json!({"helo": "client.example", "mail_from": "<ptextuser@mail.ptext.test>",
                    "rcpt_to": ["<ptextuser@mail.ptext.test>"]}),
            &json!({"helo": "client.example"}),
        ]
    );
    assert_only_rules_of(&ev, "smtp", &[]);
    no_password(&raw);
}

#[test]
fn pop3_logins_records_and_rules() {
    let (ev, raw) = replay("pop3", &["pop3/dovecot.pcap"]);
    let failed = "-ERR [AUTH] Authentication failed.";
    assert_eq!(
        logins(&ev, "pop3"),
        vec![
            attempt("ptextuser", "failure", failed),
            attempt("ptextuser", "success", "+OK Logged in."),
            attempt("ptextuser", "failure", failed),
            attempt("ptextuser", "success", "+OK Logged in."),
        ]
    );
    let pop3 = events_of_type(&ev, "pop3");
    assert_eq!(pop3.len(), 4 + 5 + 2 + 4 + 2);
    assert!(pop3.iter().any(|e| e["pop3"]
        == json!({"request": {"command": "PASS"},
                  "response": {"success": false, "status": "ERR",
                               "header": "[AUTH] Authentication failed."}})));
    assert_only_rules_of(&ev, "pop3", &[]);
    no_password(&raw);
}

#[test]
fn imap_logins_records_and_rules() {
    let (ev, raw) = replay("imap", &["imap/dovecot.pcap", "imap/dovecot-literals.pcap"]);
    let failed = "NO [AUTHENTICATIONFAILED] Authentication failed.";
    assert_eq!(
        logins(&ev, "imap"),
        vec![
            attempt("ptextuser", "failure", failed),
            attempt("ptextuser", "success", "OK Logged in"),
            attempt("ptextuser", "failure", failed),
            attempt("ptextuser", "success", "OK Logged in"),
            attempt("ptextuser", "failure", failed),
            attempt("ptextuser", "failure", failed),
            attempt("ptextuser", "success", "OK Logged in"),
        ]
    );
    let imap = events_of_type(&ev, "imap");
    assert_eq!(imap.len(), 4 + 2 + 4 + 2 + 2 + 5);
    assert_eq!(
        imap[1]["imap"],
        json!({"tag": "HPNL1", "command": "LOGIN", "status": "NO",
               "response": "[AUTHENTICATIONFAILED] Authentication failed."})
    );
    assert_only_rules_of(&ev, "imap", &[]);
    no_password(&raw);
}

#[test]
fn telnet_logins_records_and_rules() {
    let (ev, raw) = replay(
        "telnet",
        &["telnet/telnetd.pcap", "telnet/telnetd-typeahead.pcap"],
    );
    assert_eq!(
        logins(&ev, "telnet"),
        vec![
            attempt("ptextuser", "failure", "Login incorrect"),
            attempt("ptextuser", "success", "shell prompt"),
            attempt("badpass1", "failure", "Login incorrect"),
        ]
    );
    let telnet = events_of_type(&ev, "telnet");
    assert_eq!(telnet.len(), 3);
    assert_eq!(
        telnet[0]["telnet"],
        json!({"login_prompt": "vm login:", "username": "ptextuser",
               "outcome": "failure", "reason": "Login incorrect"})
    );
    assert_only_rules_of(&ev, "telnet", &[]);
    no_password(&raw);
}

#[test]
fn records_only_when_their_type_is_on() {
    // FTP traffic with the smtp type on: logins, but no ftp records.
    let (ev, _) = replay("smtp", &["ftp/vsftpd.pcap"]);
    assert!(events_of_type(&ev, "ftp").is_empty());
    assert_eq!(events_of_type(&ev, "login").len(), 5);
}
