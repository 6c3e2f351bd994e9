//! IMAP tests on Dovecot captures (see `fixtures`) and hand-made edge cases.

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

const FAILED: &str = "NO [AUTHENTICATIONFAILED] Authentication failed.";

#[test]
fn login_and_authenticate() {
    let c = run(ImapParser::boxed, DOVECOT_0);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("ptextuser"), FAILED),
            (Outcome::Success, Some("ptextuser"), "OK Logged in"),
        ]
    );
    assert!(c.logins.iter().all(|l| l.protocol == AppProto::Imap));
    assert_eq!(
        c.records[1].1,
        json!({"tag": "HPNL1", "command": "LOGIN", "status": "NO",
               "response": "[AUTHENTICATIONFAILED] Authentication failed."})
    );
    assert_eq!(c.records.len(), 4);
    let c = run(ImapParser::boxed, DOVECOT_1);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Failure, Some("ptextuser"), FAILED)]
    );
    let c = run(ImapParser::boxed, DOVECOT_2);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Success, Some("ptextuser"), "OK Logged in")]
    );
    assert_eq!(c.records.len(), 4);
    assert_eq!(c.records[3].1["command"], "LOGOUT");
    for s in [
        DOVECOT_0, DOVECOT_1, DOVECOT_2, DOVECOT_3, DOVECOT_4, LITERALS_0,
    ] {
        let all = format!("{:?}", run(ImapParser::boxed, s));
        assert!(
            !all.contains("wrongp") && !all.contains("Secr3t") && !all.contains("U2VjcjN0"),
            "{all}"
        );
    }
}

#[test]
fn literals_on_both_sides() {
    let c = run(ImapParser::boxed, LITERALS_0);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("ptextuser"), FAILED),
            (Outcome::Success, Some("ptextuser"), "OK Logged in"),
        ]
    );
    let cmds: Vec<_> = c.records.iter().map(|r| r.1["command"].clone()).collect();
    assert_eq!(cmds, vec!["LOGIN", "LOGIN", "SELECT", "FETCH", "LOGOUT"]);
    assert!(
        c.records
            .iter()
            .map(|r| &r.1)
            .all(|r| r["status"] == "OK" || r["status"] == "NO")
    );
}

#[test]
fn starttls_stops_parsing() {
    let c = run(ImapParser::boxed, DOVECOT_4);
    assert!(c.logins.is_empty());
    assert_eq!(c.records.len(), 2);
    assert_eq!(c.records[1].1["command"], "STARTTLS");
    assert_eq!(c.txs.len(), 4);
}

#[test]
fn split_anywhere_gives_the_same_result() {
    for s in [
        DOVECOT_0, DOVECOT_1, DOVECOT_2, DOVECOT_3, DOVECOT_4, LITERALS_0,
    ] {
        assert_split_invariant(ImapParser::boxed, s, &[]);
    }
}

#[test]
fn out_of_order_results_cancel_and_unanswered() {
    let script: Script<'_> = &[
        (C, b"* OK ready\r\n"),
        (S, b"x1 NOOP\r\nx2 LOGIN \"jo \\\"q\\\"\" \"pw\"\r\nx3 NOOP\r\n"),
        (C, b"x3 OK done\r\n* 1 FETCH (BODY[] {21}\r\nx2 OK fake in body\r\n)\r\nx2 BAD [CLIENTBUG] nope\r\nx1 OK\r\n"),
        (S, b"x4 AUTHENTICATE LOGIN\r\n"),
        (C, b"+ VXNlcm5hbWU6\r\n"),
        (S, b"*\r\n"),
        (C, b"x4 BAD Authentication aborted\r\n"),
        (S, b"x5 AUTHENTICATE PLAIN\r\n"),
        (C, b"+ \r\n"),
        (S, b"AGFubgBzZWNyZXQ=\r\n"),
    ];
    let c = run(ImapParser::boxed, script);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("jo \"q\""), "BAD [CLIENTBUG] nope"),
            (Outcome::Unknown, Some("ann"), "no reply"),
        ]
    );
    let tags: Vec<_> = c.records.iter().map(|r| r.1["tag"].clone()).collect();
    assert_eq!(tags, vec!["x3", "x2", "x1", "x4", "x5"]);
    assert_split_invariant(ImapParser::boxed, script, &[]);
}

#[test]
fn garbage_and_caps() {
    let mut p = ImapParser::new();
    let mut c = Recorder::default();
    for i in 0..1000 {
        p.parse(S, format!("t{i} NOOP\r\n").as_bytes(), &mut c);
    }
    assert!(p.st.pending.len() <= MAX_PENDING);
    // A huge literal is passed over, not kept.
    p.parse(S, b"a APPEND INBOX {10000000}\r\n", &mut c);
    p.parse(S, &vec![b'z'; 1 << 20], &mut c);
    assert!(p.memory() < 64 * 1024, "{}", p.memory());
    let mut p = ImapParser::new();
    p.parse(
        S,
        b"\x16\x03\x01\x00\xa5\x01\x00\r\na LOGIN b c\r\n",
        &mut c,
    );
    p.parse(C, b"a OK\r\n", &mut c);
    assert!(c.logins.is_empty());
}

#[test]
fn mutations_never_panic() {
    for s in [DOVECOT_0, DOVECOT_2, DOVECOT_4, LITERALS_0] {
        fuzz(ImapParser::boxed, &[s], 1500, 64 * 1024);
    }
}

#[test]
fn probes() {
    assert_eq!(probe(C, 143, DOVECOT_0[0].1), Probe::Yes);
    assert_eq!(probe(C, 9143, b"* PREAUTH ready\r\n"), Probe::Yes);
    assert_eq!(probe(C, 143, b"* O"), Probe::NeedMore);
    assert_eq!(probe(C, 143, b"* OKAY"), Probe::No);
    assert_eq!(probe(C, 143, b"+OK pop\r\n"), Probe::No);
    assert_eq!(probe(S, 9143, b"a1 CAPABILITY\r\n"), Probe::Yes);
    assert_eq!(
        probe(S, 143, b"HPNL1 LOGIN ptextuser \"x\"\r\n"),
        Probe::Yes
    );
    assert_eq!(probe(S, 143, b"a1 LOG"), Probe::NeedMore);
    assert_eq!(probe(S, 143, b"a1 FETCH 1 BODY\r\n"), Probe::No);
    assert_eq!(probe(S, 143, b"GET / HTTP/1.1\r\n"), Probe::No);
    assert_eq!(probe(S, 143, b"USER bob\r\n"), Probe::No);
    assert_eq!(probe(S, 25, b"EHLO x\r\n"), Probe::No);
}
