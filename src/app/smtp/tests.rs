//! SMTP tests on Postfix captures (see `fixtures`) and hand-made edge cases.

use super::fixtures::*;
use super::*;
use crate::app::testkit::{Recorder, Script, assert_split_invariant, fuzz, run};

const S: Direction = Direction::ToServer;
const C: Direction = Direction::ToClient;

fn logins(c: &Recorder) -> Vec<(Outcome, Option<&str>, &str)> {
    c.logins
        .iter()
        .map(|l| (l.outcome, l.account.as_deref(), l.reason.as_str()))
        .collect()
}

const FAILED: &str = "535 5.7.8 Error: authentication failed: (reason unavailable)";

#[test]
fn auth_login_and_plain_attempts_then_a_message() {
    let c = run(SmtpParser::boxed, POSTFIX_0);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("ptextuser"), FAILED),
            (Outcome::Failure, Some("otheruser"), FAILED),
            (
                Outcome::Success,
                Some("ptextuser"),
                "235 2.7.0 Authentication successful"
            ),
        ]
    );
    assert!(c.logins.iter().all(|l| l.protocol == AppProto::Smtp));
    assert_eq!(
        c.bodies(),
        vec![json!({
            "helo": "client.ptext.test",
            "mail_from": "<ptextuser@mail.ptext.test>",
            "rcpt_to": ["<ptextuser@mail.ptext.test>", "<root@mail.ptext.test>"],
        })]
    );
    let all = format!("{c:?}");
    assert!(
        !all.contains("wrongpass") && !all.contains("Secr3t"),
        "{all}"
    );
    // Commands (the body and SASL responses are not) and replies.
    assert_eq!(c.txs.iter().filter(|t| t.0 == S).count(), 10);
    assert_eq!(c.txs.iter().filter(|t| t.0 == C).count(), 12);
}

#[test]
fn curl_sessions() {
    let c = run(SmtpParser::boxed, POSTFIX_1);
    assert_eq!(
        logins(&c),
        vec![(
            Outcome::Success,
            Some("ptextuser"),
            "235 2.7.0 Authentication successful"
        )]
    );
    assert_eq!(c.records.len(), 1);
    assert_eq!(
        c.records[0].1["rcpt_to"],
        json!(["<ptextuser@mail.ptext.test>"])
    );
    // STARTTLS: parsing ends; the session record (helo only) at close.
    let c = run(SmtpParser::boxed, POSTFIX_2);
    assert!(c.logins.is_empty());
    assert_eq!(c.bodies(), vec![json!({"helo": "client.example"})]);
    assert_eq!(c.txs.len(), 2 + 3);
}

#[test]
fn split_anywhere_gives_the_same_result() {
    for s in [POSTFIX_0, POSTFIX_1, POSTFIX_2] {
        assert_split_invariant(SmtpParser::boxed, s, &[]);
    }
}

#[test]
fn pipelining_bdat_refused_data_and_cancel() {
    let script: Script<'_> = &[
        (C, b"220 mx ESMTP\r\n"),
        (S, b"EHLO x\r\n"),
        (C, b"250-mx\r\n250 CHUNKING\r\n"),
        // Pipelined envelope; the BDAT chunk holds a line that looks like
        // a command and a lone dot.
        (S, b"MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nBDAT 17 LAST\r\nAUTH PLAIN x\r\n.\r\n"),
        (C, b"250 ok\r\n550 no such user\r\n250 ok\r\n250 ok\r\n"),
        // DATA refused: the next line is a command again.
        (S, b"MAIL FROM:<>\r\nDATA\r\n"),
        (C, b"250 ok\r\n554 no valid recipients\r\n"),
        (S, b"AUTH LOGIN\r\n"),
        (C, b"334 VXNlcm5hbWU6\r\n"),
        (S, b"*\r\n"),
        (C, b"501 5.7.0 Authentication aborted\r\n"),
        // XOAUTH2 refused, then an AUTH never answered.
        (S, b"AUTH XOAUTH2 dXNlcj1tYXJ5QGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHgBAQ==\r\n"),
        (C, b"535 5.7.8 bad token\r\n"),
        (S, b"AUTH PLAIN\r\n"),
        (C, b"334 \r\n"),
        (S, b"AGRhdmUAc2VjcmV0\r\n"),
    ];
    let c = run(SmtpParser::boxed, script);
    assert_eq!(
        logins(&c),
        vec![
            (
                Outcome::Failure,
                Some("mary@example.com"),
                "535 5.7.8 bad token"
            ),
            (Outcome::Unknown, Some("dave"), "no reply"),
        ]
    );
    assert_eq!(
        c.bodies(),
        vec![
            json!({"helo": "x", "mail_from": "<a@x>", "rcpt_to": ["<b@y>", "<c@y>"]}),
            json!({"helo": "x", "mail_from": "<>"}),
        ]
    );
    assert_split_invariant(SmtpParser::boxed, script, &[]);
}

#[test]
fn garbage_and_caps() {
    let mut p = SmtpParser::new();
    let mut c = Recorder::default();
    p.parse(S, b"EHLO a\r\nMAIL FROM:<a>\r\n", &mut c);
    for _ in 0..1000 {
        p.parse(S, b"RCPT TO:<someone@example.org>\r\n", &mut c);
    }
    assert!(p.st.rcpt_to.len() <= MAX_RCPT && p.st.pending.len() <= MAX_PENDING);
    p.parse(S, &vec![b'x'; 1 << 20], &mut c);
    assert!(p.memory() < 64 * 1024, "{}", p.memory());
    p.parse(
        S,
        b"\r\n\x16\x03\x01\x00\xa5\x01\x00\r\nAUTH PLAIN AGEAYg==\r\n",
        &mut c,
    );
    p.parse(C, b"235 ok\r\n", &mut c);
    assert!(c.logins.is_empty());
}

#[test]
fn mutations_never_panic() {
    for s in [POSTFIX_0, POSTFIX_1, POSTFIX_2] {
        fuzz(SmtpParser::boxed, &[s], 1500, 64 * 1024);
    }
}

#[test]
fn probes() {
    assert_eq!(
        probe(C, 25, b"220 mail.ptext.test ESMTP Postfix (Debian/GNU)\r\n"),
        Probe::Yes
    );
    assert_eq!(probe(C, 2525, b"220 mx.example.org ESMTP\r\n"), Probe::Yes);
    assert_eq!(probe(C, 587, b"220 ready\r\n"), Probe::Yes);
    assert_eq!(probe(C, 10025, b"220 ready\r\n"), Probe::No);
    assert_eq!(probe(C, 25, b"220 (vsFTPd 3.0.3)\r\n"), Probe::No);
    assert_eq!(probe(C, 21, b"220 ProFTPD Server\r\n"), Probe::No);
    assert_eq!(probe(C, 25, b"220 mx ES"), Probe::NeedMore);
    assert_eq!(probe(C, 25, b"+OK POP3\r\n"), Probe::No);
    assert_eq!(probe(S, 10025, b"ehlo client\r\n"), Probe::Yes);
    assert_eq!(probe(S, 25, b"HEL"), Probe::NeedMore);
    assert_eq!(probe(S, 25, b"USER bob\r\n"), Probe::No);
    assert_eq!(probe(S, 25, b"HELP\r\n"), Probe::No);
}
