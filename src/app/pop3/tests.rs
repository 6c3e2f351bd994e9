//! POP3 tests on Dovecot captures (see `fixtures`) and hand-made edge cases.

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

const FAILED: &str = "-ERR [AUTH] Authentication failed.";

#[test]
fn user_pass_and_sasl_plain() {
    let c = run(Pop3Parser::boxed, DOVECOT_0);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Failure, Some("ptextuser"), FAILED)]
    );
    assert!(c.logins.iter().all(|l| l.protocol == AppProto::Pop3));
    assert_eq!(
        c.bodies(),
        vec![
            json!({"request": {"command": "CAPA"},
                   "response": {"success": true, "status": "OK", "header": ""}}),
            json!({"request": {"command": "USER", "args": ["ptextuser"]},
                   "response": {"success": true, "status": "OK", "header": ""}}),
            json!({"request": {"command": "PASS"},
                   "response": {"success": false, "status": "ERR",
                                "header": "[AUTH] Authentication failed."}}),
            json!({"request": {"command": "QUIT"},
                   "response": {"success": true, "status": "OK", "header": "Logging out"}}),
        ]
    );
    let c = run(Pop3Parser::boxed, DOVECOT_1);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Success, Some("ptextuser"), "+OK Logged in.")]
    );
    // LIST's listing is passed over: STAT, LIST and QUIT get their records.
    assert_eq!(c.records.len(), 5);
    assert_eq!(c.records[4].1["request"]["command"], "QUIT");
    let c = run(Pop3Parser::boxed, DOVECOT_2);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Failure, Some("ptextuser"), FAILED)]
    );
    let c = run(Pop3Parser::boxed, DOVECOT_3);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Success, Some("ptextuser"), "+OK Logged in.")]
    );
    assert_eq!(
        c.records[1].1["request"],
        json!({"command": "AUTH", "args": ["PLAIN"]})
    );
    for s in [DOVECOT_0, DOVECOT_1, DOVECOT_2, DOVECOT_3, DOVECOT_4] {
        let all = format!("{:?}", run(Pop3Parser::boxed, s));
        assert!(
            !all.contains("wrongpass") && !all.contains("Secr3t"),
            "{all}"
        );
    }
}

#[test]
fn stls_stops_parsing() {
    let c = run(Pop3Parser::boxed, DOVECOT_4);
    assert!(c.logins.is_empty());
    assert_eq!(c.records.len(), 2);
    assert_eq!(c.records[1].1["request"]["command"], "STLS");
    assert_eq!(c.txs.len(), 2 + 3);
}

#[test]
fn split_anywhere_gives_the_same_result() {
    for s in [DOVECOT_0, DOVECOT_1, DOVECOT_2, DOVECOT_3, DOVECOT_4] {
        assert_split_invariant(Pop3Parser::boxed, s, &[]);
    }
}

#[test]
fn pipelined_apop_retr_and_unanswered() {
    let script: Script<'_> = &[
        (C, b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
        (S, b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
        (C, b"-ERR permission denied\r\n"),
        (S, b"USER mrose\r\nPASS tanstaaf\r\nRETR 1\r\nNOOP\r\n"),
        // The message holds lines that look like responses.
        (C, b"+OK\r\n+OK mrose's maildrop has 2 messages\r\n+OK 120 octets\r\n-ERR not a status\r\n..\r\n.\r\n+OK\r\n"),
        (S, b"USER x\r\n"),
        (C, b"-ERR unknown user\r\n"),
        (S, b"AUTH LOGIN\r\n"),
        (C, b"+ VXNlcm5hbWU6\r\n"),
        (S, b"Ym9i\r\n"),
        (C, b"+ UGFzc3dvcmQ6\r\n"),
        (S, b"c2VjcmV0\r\n"),
    ];
    let c = run(Pop3Parser::boxed, script);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("mrose"), "-ERR permission denied"),
            (
                Outcome::Success,
                Some("mrose"),
                "+OK mrose's maildrop has 2 messages"
            ),
            (Outcome::Failure, Some("x"), "-ERR unknown user"),
            (Outcome::Unknown, Some("bob"), "no reply"),
        ]
    );
    assert_eq!(
        c.records[0].1["request"],
        json!({"command": "APOP", "args": ["mrose"]})
    );
    assert_eq!(c.records[4].1["request"]["command"], "NOOP");
    assert_eq!(c.records[4].1["response"]["success"], true);
    assert!(!format!("{c:?}").contains("c4c9334b"));
    assert_split_invariant(Pop3Parser::boxed, script, &[]);
}

#[test]
fn garbage_and_caps() {
    let mut p = Pop3Parser::new();
    let mut c = Recorder::default();
    for _ in 0..1000 {
        p.parse(S, b"NOOP\r\n", &mut c);
    }
    assert!(p.st.pending.len() <= MAX_PENDING);
    p.parse(C, &vec![b'+'; 1 << 20], &mut c);
    assert!(p.memory() < 64 * 1024, "{}", p.memory());
    p.parse(
        S,
        b"\x16\x03\x01\x00\xa5\x01\x00\r\nUSER a\r\nPASS b\r\n",
        &mut c,
    );
    p.parse(C, b"\r\n+OK\r\n+OK\r\n", &mut c);
    assert!(c.logins.is_empty());
}

#[test]
fn mutations_never_panic() {
    for s in [DOVECOT_0, DOVECOT_1, DOVECOT_3, DOVECOT_4] {
        fuzz(Pop3Parser::boxed, &[s], 1500, 64 * 1024);
    }
}

#[test]
fn probes() {
    assert_eq!(
        probe(C, 110, b"+OK Dovecot (Debian) ready.\r\n"),
        Probe::Yes
    );
    assert_eq!(probe(C, 9999, b"+OK\r\n"), Probe::Yes);
    assert_eq!(probe(C, 110, b"+O"), Probe::NeedMore);
    assert_eq!(probe(C, 110, b"+OKAY"), Probe::No);
    assert_eq!(probe(C, 110, b"* OK IMAP ready\r\n"), Probe::No);
    assert_eq!(probe(C, 25, b"220 smtp\r\n"), Probe::No);
    assert_eq!(probe(S, 9999, b"CAPA\r\n"), Probe::Yes);
    assert_eq!(probe(S, 110, b"USER bob\r\n"), Probe::Yes);
    assert_eq!(probe(S, 21, b"USER bob\r\n"), Probe::No);
    assert_eq!(probe(S, 110, b"CA"), Probe::NeedMore);
    assert_eq!(probe(S, 110, b"EHLO x\r\n"), Probe::No);
}
