//! FTP tests on vsftpd captures (see `fixtures`) and hand-made edge cases.

use super::fixtures::*;
use super::*;
use crate::app::testkit::{Recorder, Script, assert_split_invariant, fuzz, run};

fn logins(c: &Recorder) -> Vec<(Outcome, Option<&str>, &str)> {
    c.logins
        .iter()
        .map(|l| (l.outcome, l.account.as_deref(), l.reason.as_str()))
        .collect()
}

const S: Direction = Direction::ToServer;
const C: Direction = Direction::ToClient;

#[test]
fn three_attempts_on_one_connection() {
    let c = run(FtpParser::boxed, VSFTPD_0);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("ptextuser"), "530 Login incorrect."),
            (Outcome::Failure, Some("ptextuser"), "530 Login incorrect."),
            (Outcome::Success, Some("ptextuser"), "230 Login successful."),
        ]
    );
    assert!(c.logins.iter().all(|l| l.protocol == AppProto::Ftp));
    // One record per command, with Suricata's fields.
    assert_eq!(c.records.len(), 8);
    assert_eq!(
        c.records[0].1,
        json!({"command": "USER", "command_data": "ptextuser", "command_truncated": false,
               "completion_code": ["331"], "reply": ["Please specify the password."],
               "reply_received": "yes", "reply_truncated": false})
    );
    assert_eq!(
        c.records[1].1,
        json!({"command": "PASS", "completion_code": ["530"], "reply": ["Login incorrect."],
               "reply_received": "yes", "reply_truncated": false})
    );
    // Never the password.
    let all = format!("{c:?}");
    assert!(!all.contains("wrong1") && !all.contains("Secr3t"), "{all}");
    // A tx per command and per reply (the greeting included).
    assert_eq!(c.txs.iter().filter(|t| t.0 == S).count(), 8);
    assert_eq!(c.txs.iter().filter(|t| t.0 == C).count(), 9);
    assert_eq!(c.txs.last(), Some(&(C, 8)));
}

#[test]
fn listing_session_and_unknown_user() {
    let c = run(FtpParser::boxed, VSFTPD_1);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Success, Some("ptextuser"), "230 Login successful.")]
    );
    let epsv = c
        .records
        .iter()
        .map(|r| &r.1)
        .find(|r| r["command"] == "EPSV")
        .expect("EPSV");
    assert_eq!(epsv["dynamic_port"], 19209);
    assert_eq!(epsv["mode"], "passive");
    let list = c
        .records
        .iter()
        .map(|r| &r.1)
        .find(|r| r["command"] == "LIST")
        .expect("LIST");
    assert_eq!(list["completion_code"], json!(["150", "226"]));
    assert_eq!(
        list["reply"],
        json!(["Here comes the directory listing.", "Directory send OK."])
    );
    let c = run(FtpParser::boxed, VSFTPD_2);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Failure, Some("nosuchuser"), "530 Login incorrect.")]
    );
}

#[test]
fn auth_tls_stops_parsing() {
    let c = run(FtpParser::boxed, FTPS_0);
    assert!(c.logins.is_empty());
    assert_eq!(c.records.len(), 1);
    assert_eq!(c.records[0].1["command"], "AUTH");
    assert_eq!(c.records[0].1["completion_code"], json!(["234"]));
    // Nothing after the TLS bytes: one command, greeting + one reply.
    assert_eq!(c.txs.len(), 3);
    // Refused AUTH TLS: parsing goes on.
    let c = run(
        FtpParser::boxed,
        &[
            (C, b"220 FTP\r\n"),
            (S, b"AUTH TLS\r\n"),
            (C, b"530 Please login with USER and PASS.\r\n"),
            (S, b"USER bob\r\nPASS x\r\n"),
            (C, b"331 Password required\r\n530 Login incorrect\r\n"),
        ],
    );
    assert_eq!(
        logins(&c),
        vec![(Outcome::Failure, Some("bob"), "530 Login incorrect")]
    );
}

#[test]
fn split_anywhere_gives_the_same_result() {
    for s in [VSFTPD_0, VSFTPD_1, VSFTPD_2, FTPS_0] {
        assert_split_invariant(FtpParser::boxed, s, &[]);
    }
}

#[test]
fn pipelined_multiline_and_unanswered() {
    let script: Script<'_> = &[
        (C, b"220-Welcome to the\r\n220-FileZilla Server\r\n220 please log in\r\n"),
        // Pipelined: both commands before any reply.
        (S, b"USER alice\r\nPASS one\r\n"),
        (
            C,
            b"331 Password required for alice\r\n230-Welcome\r\n 230 inside text\r\n230 Logged on\r\n",
        ),
        (S, b"USER bob\r\nPASS two\r\n"),
        (C, b"331 Password required for bob\r\n"),
    ];
    let c = run(FtpParser::boxed, script);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Success, Some("alice"), "230 Logged on"),
            (Outcome::Unknown, Some("bob"), "no reply"),
        ]
    );
    let pass = &c.records[1].1;
    assert_eq!(
        pass["reply"],
        json!(["Welcome", " 230 inside text", "Logged on"])
    );
    assert_eq!(c.records[3].1["reply_received"], "no");
    assert_split_invariant(FtpParser::boxed, script, &[]);
    // 332: the account decides.
    let c = run(
        FtpParser::boxed,
        &[
            (S, b"USER carol\r\nPASS p\r\nACCT dept7\r\n"),
            (
                C,
                b"331 ok\r\n332 Need account for login.\r\n530 Not logged in.\r\n",
            ),
        ],
    );
    assert_eq!(
        logins(&c),
        vec![(Outcome::Failure, Some("carol"), "530 Not logged in.")]
    );
    // A refused USER (vsftpd userlist) and USER answered 230.
    let c = run(
        FtpParser::boxed,
        &[
            (S, b"USER root\r\n"),
            (C, b"530 Permission denied.\r\n"),
            (S, b"USER anonymous\r\n"),
            (C, b"230 Login successful.\r\n"),
        ],
    );
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("root"), "530 Permission denied."),
            (Outcome::Success, Some("anonymous"), "230 Login successful."),
        ]
    );
}

#[test]
fn garbage_and_caps() {
    // Binary to the server stops that side only.
    let c = run(
        FtpParser::boxed,
        &[
            (S, b"USER a\r\n\x16\x03\x01\x00\x00\x00\x01\r\nPASS b\r\n"),
            (C, b"331 ok\r\n"),
        ],
    );
    assert!(c.logins.is_empty());
    assert_eq!(c.records.len(), 1);
    // A long line does not grow memory; a flood of commands is capped.
    let mut p = FtpParser::new();
    let mut c = Recorder::default();
    p.parse(S, &vec![b'A'; 1 << 20], &mut c);
    assert!(p.memory() < 2 * crate::app::text::MAX_LINE);
    for _ in 0..1000 {
        p.parse(S, b"\r\nNOOP", &mut c);
    }
    assert!(p.st.pending.len() <= MAX_PENDING);
    assert!(p.memory() < 64 * 1024, "{}", p.memory());
}

#[test]
fn mutations_never_panic() {
    for s in [VSFTPD_0, VSFTPD_1, FTPS_0] {
        fuzz(FtpParser::boxed, &[s], 1500, 64 * 1024);
    }
}

#[test]
fn probes() {
    let p = |d, port, b: &[u8]| probe(d, port, b);
    assert_eq!(p(C, 2121, b"220 (vsFTPd 3.0.3)\r\n"), Probe::Yes);
    assert_eq!(p(C, 21, b"220 Service ready\r\n"), Probe::Yes);
    assert_eq!(p(C, 2100, b"220 Service ready\r\n"), Probe::No);
    assert_eq!(p(C, 21, b"220 mail.example ESMTP Postfix\r\n"), Probe::No);
    assert_eq!(
        p(C, 25, b"220 mail.ptext.test ESMTP Postfix (Debian/GNU)\r\n"),
        Probe::No
    );
    assert_eq!(p(C, 21, b"22"), Probe::NeedMore);
    assert_eq!(p(C, 21, b"220 (vsFT"), Probe::NeedMore);
    assert_eq!(p(C, 21, b"+OK Dovecot ready.\r\n"), Probe::No);
    assert_eq!(p(S, 2121, b"USER bob\r\n"), Probe::Yes);
    assert_eq!(p(S, 110, b"USER bob\r\n"), Probe::No);
    assert_eq!(p(S, 21, b"AUTH TLS\r\n"), Probe::Yes);
    assert_eq!(p(S, 110, b"AUTH PLAIN\r\n"), Probe::No);
    assert_eq!(p(S, 25, b"EHLO client\r\n"), Probe::No);
    assert_eq!(p(S, 21, b"USE"), Probe::NeedMore);
    assert_eq!(p(S, 21, b"\x16\x03\x01"), Probe::No);
    assert_eq!(p(S, 143, b"a1 LOGIN bob x\r\n"), Probe::No);
}
