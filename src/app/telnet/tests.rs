//! Telnet tests on inetutils telnetd captures (see `fixtures`) and
//! hand-made dialogues of other devices.

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

#[test]
fn char_mode_failure_then_success() {
    let c = run(TelnetParser::boxed, LOGIN_0);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("ptextuser"), "Login incorrect"),
            (Outcome::Success, Some("ptextuser"), "shell prompt"),
        ]
    );
    assert!(c.logins.iter().all(|l| l.protocol == AppProto::Telnet));
    assert_eq!(
        c.records[0].1,
        json!({"login_prompt": "vm login:", "username": "ptextuser",
               "outcome": "failure", "reason": "Login incorrect"})
    );
    let all = format!("{c:?}");
    assert!(!all.contains("wrongpw") && !all.contains("Secr3t"), "{all}");
}

#[test]
fn typeahead_and_environ() {
    let c = run(TelnetParser::boxed, TYPEAHEAD_0);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Failure, Some("badpass1"), "Login incorrect")]
    );
    // A server that takes NEW-ENVIRON USER asks only for the password.
    let script: Script<'_> = &[
        (C, b"\xff\xfd\x27"),
        (S, b"\xff\xfb\x27"),
        (C, b"\xff\xfa\x27\x01\xff\xf0"),
        (S, b"\xff\xfa\x27\x00\x00USER\x01alice\xff\xf0"),
        (C, b"\r\nPassword: "),
        (S, b"x\r\n"),
        (C, b"\r\nLast login: Mon Nov 24 10:00:00 from 10.0.0.9\r\n"),
    ];
    let c = run(TelnetParser::boxed, script);
    assert_eq!(
        logins(&c),
        vec![(Outcome::Success, Some("alice"), "Last login")]
    );
    assert_split_invariant(TelnetParser::boxed, script, &[]);
}

#[test]
fn devices_and_unknown_at_close() {
    // A Cisco-like dialogue: three refusals, the last cut off.
    let script: Script<'_> = &[
        (C, b"\r\n\r\nUser Access Verification\r\n\r\nUsername: "),
        (S, b"admin\r\n"),
        (C, b"Password: "),
        (S, b"cisco\r\n"),
        (C, b"\r\n% Authentication failed\r\n\r\nUsername: "),
        (S, b"admin\r\n"),
        (C, b"Password: "),
        (S, b"admin\r\n"),
        // Asked again without a message.
        (C, b"\r\nUsername: "),
        (S, b"ad\x08\x08root\r\n"),
        (C, b"Password: "),
        (S, b"toor\r\n"),
        (C, b"\r\n"),
    ];
    let c = run(TelnetParser::boxed, script);
    assert_eq!(
        logins(&c),
        vec![
            (Outcome::Failure, Some("admin"), "Authentication failed"),
            (Outcome::Failure, Some("admin"), "login prompt again"),
            (Outcome::Unknown, Some("root"), "connection closed"),
        ]
    );
    assert_split_invariant(TelnetParser::boxed, script, &[]);
    // A device prompt as success.
    let c = run(
        TelnetParser::boxed,
        &[
            (C, b"login: "),
            (S, b"op\r"),
            (C, b"op\r\nPassword:"),
            (S, b"pw\r"),
            (C, b"\r\nRouter>"),
        ],
    );
    assert_eq!(
        logins(&c),
        vec![(Outcome::Success, Some("op"), "shell prompt")]
    );
}

#[test]
fn split_anywhere_gives_the_same_result() {
    assert_split_invariant(TelnetParser::boxed, LOGIN_0, &[]);
    assert_split_invariant(TelnetParser::boxed, TYPEAHEAD_0, &[]);
}

#[test]
fn iac_stripping() {
    let mut s = IacStripper::default();
    let mut out = Vec::new();
    s.strip(
        b"a\xff\xff\xff\xfb\x01b\xff\xfa\x18\x00XTERM\xff\xff\xff\xf0c\xff\xf1d",
        &mut out,
    );
    assert_eq!(out, b"a\xffbcd");
    out.clear();
    // Split inside a sequence.
    s.strip(b"x\xff", &mut out);
    s.strip(b"\xfd", &mut out);
    s.strip(b"\x03y", &mut out);
    assert_eq!(out, b"xy");
    assert_eq!(s.take_env_user(), None);
}

#[test]
fn caps_and_mutations() {
    let mut p = TelnetParser::new();
    let mut c = Recorder::default();
    p.parse(C, b"login: ", &mut c);
    p.parse(S, &vec![b'a'; 1 << 20], &mut c);
    p.parse(C, &vec![b'b'; 1 << 20], &mut c);
    p.parse(S, b"\xff\xfa\x27", &mut c);
    p.parse(S, &vec![b'c'; 1 << 20], &mut c);
    assert!(p.memory() < 64 * 1024 + 4096, "{}", p.memory());
    for s in [LOGIN_0, TYPEAHEAD_0] {
        fuzz(TelnetParser::boxed, &[s], 1500, 80 * 1024);
    }
}

#[test]
fn probes() {
    assert_eq!(probe(C, 2323, LOGIN_0[0].1), Probe::Yes);
    assert_eq!(probe(S, 21, b"\xff\xfa\x25\x02\x02\xff\xf0"), Probe::Yes);
    assert_eq!(probe(C, 23, b"\xff"), Probe::NeedMore);
    assert_eq!(probe(C, 23, b"\xff\xfb"), Probe::NeedMore);
    assert_eq!(probe(C, 23, b"\xff\xfb\x80"), Probe::No);
    assert_eq!(probe(C, 23, b"\xff\xd8\xff\xe0"), Probe::No);
    assert_eq!(
        probe(C, 23, b"\r\nUser Access Verification\r\n\r\nUsername: "),
        Probe::Yes
    );
    assert_eq!(probe(C, 23, b"Welcome"), Probe::NeedMore);
    assert_eq!(probe(C, 2323, b"login: "), Probe::No);
    assert_eq!(probe(S, 23, b"GET / HTTP/1.1\r\n"), Probe::No);
    assert_eq!(probe(C, 23, b"220 ftp\r\n"), Probe::NeedMore);
}
