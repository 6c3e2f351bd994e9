//! MySQL tests on real bytes captured here (tests/fixtures/mysql/): the
//! Debian `mariadb` 10.11 client against `mariadbd` 10.11 on a network
//! namespace's loopback — a good password (with a database), a wrong one,
//! an unknown user, an auth switch (client offers `client_ed25519`, server
//! switches to `mysql_native_password`), and a TLS connection.

use super::*;
use crate::app::testkit::{
    Conversation, Recorder, assert_conversation_split_invariant, conversations, fuzz_conversations,
    replay,
};

const LOGINS: &[u8] =
    include_bytes!("../../../tests/fixtures/mysql/mariadb_ok_wrong_password_unknown_user.pcap");
const SWITCH: &[u8] = include_bytes!("../../../tests/fixtures/mysql/mariadb_auth_switch.pcap");
const SSL: &[u8] = include_bytes!("../../../tests/fixtures/mysql/mariadb_ssl.pcap");

fn parse(conv: &Conversation) -> Recorder {
    replay(&mut MysqlParser::default(), conv, &[])
}

fn logins(s: &Recorder) -> Vec<(Outcome, Option<&str>, Option<&str>, &str)> {
    s.logins
        .iter()
        .map(|l| {
            (
                l.outcome,
                l.account.as_deref(),
                l.domain.as_deref(),
                l.reason.as_str(),
            )
        })
        .collect()
}

#[test]
fn success_wrong_password_unknown_user() {
    let c = conversations(LOGINS, &[3306]);
    assert_eq!(c.len(), 3);
    let all: Vec<_> = c.iter().map(parse).collect();
    assert_eq!(
        logins(&all[0]),
        [(Outcome::Success, Some("alice"), None, "OK")]
    );
    assert_eq!(
        logins(&all[1]),
        [(
            Outcome::Failure,
            Some("alice"),
            None,
            "1045 Access denied for user 'alice'@'10.77.0.1' (using password: YES)"
        )]
    );
    assert_eq!(
        logins(&all[2]),
        [(
            Outcome::Failure,
            Some("mallory"),
            None,
            "1045 Access denied for user 'mallory'@'10.77.0.1' (using password: YES)"
        )]
    );
    let rec = &all[0].records[0].1;
    assert_eq!(rec["database"], "wardtest");
    assert_eq!(rec["server_version"], "5.5.5-10.11.19-MariaDB-0+deb12u1");
    assert_eq!(rec["auth_plugin"], "mysql_native_password");
    assert_eq!(rec["outcome"], "success");
    // Greeting, response, OK: one transaction each; the command phase is
    // not parsed.
    assert_eq!(all[0].txs.len(), 3);
}

#[test]
fn auth_switch_then_ok() {
    let c = conversations(SWITCH, &[3306]);
    let s = parse(&c[0]);
    assert_eq!(logins(&s), [(Outcome::Success, Some("alice"), None, "OK")]);
    assert_eq!(s.records[0].1["auth_plugin"], "mysql_native_password");
}

#[test]
fn ssl_request_stops_without_a_login() {
    let c = conversations(SSL, &[3306]);
    assert_eq!(c.len(), 1);
    let s = parse(&c[0]);
    assert!(s.logins.is_empty(), "{:?}", s.logins);
    let client = c[0].stream(Direction::ToServer);
    let r = parse_handshake_response(&client[4..36]).expect("ssl request");
    assert!(r.ssl_request && r.user.is_none());
}

#[test]
fn no_answer_is_unknown() {
    let c = conversations(LOGINS, &[3306]);
    let mut p = MysqlParser::default();
    let mut s = Recorder::reading(&[]);
    p.parse(
        Direction::ToClient,
        &c[1].stream(Direction::ToClient)[..104],
        &mut s,
    );
    p.parse(
        Direction::ToServer,
        &c[1].stream(Direction::ToServer),
        &mut s,
    );
    p.close(Direction::ToServer, &mut s);
    p.close(Direction::ToClient, &mut s);
    assert_eq!(
        logins(&s),
        [(Outcome::Unknown, Some("alice"), None, "no OK or ERR seen")]
    );
}

#[test]
fn every_split_gives_the_same_result() {
    for pcap in [LOGINS, SWITCH, SSL] {
        for conv in &conversations(pcap, &[3306]) {
            assert_conversation_split_invariant(new_parser, conv, &[]);
        }
    }
}

#[test]
fn pipelined_packets_in_one_call() {
    let c = conversations(SWITCH, &[3306]);
    let mut p = MysqlParser::default();
    let mut s = Recorder::reading(&[]);
    // Server greeting, then everything the client sent, then all answers.
    let server = c[0].stream(Direction::ToClient);
    p.parse(Direction::ToClient, &server[..104], &mut s);
    p.parse(
        Direction::ToServer,
        &c[0].stream(Direction::ToServer),
        &mut s,
    );
    p.parse(Direction::ToClient, &server[104..], &mut s);
    assert_eq!(logins(&s), [(Outcome::Success, Some("alice"), None, "OK")]);
}

#[test]
fn probe_is_strict() {
    let c = conversations(LOGINS, &[3306]);
    let greeting = c[0].stream(Direction::ToClient);
    assert_eq!(probe(Direction::ToClient, 3307, &greeting), Probe::Yes);
    assert_eq!(
        probe(Direction::ToClient, 3307, &greeting[..3]),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToClient, 3307, &greeting[..10]),
        Probe::NeedMore
    );
    assert_eq!(probe(Direction::ToServer, 3306, &greeting), Probe::No);
    let err = b"\x45\x00\x00\x00\xff\x6a\x04Host '10.0.0.9' is not allowed to connect";
    assert_eq!(probe(Direction::ToClient, 3306, err), Probe::Yes);
    assert_eq!(probe(Direction::ToClient, 4000, err), Probe::No);
    for other in [
        &b"SSH-2.0-OpenSSH_9.2\r\n"[..],
        b"220 mail.example ESMTP\r\n",
        b"* OK IMAP4rev1 ready\r\n",
        b"\x0bMSH|^~\\&|",
        b"\x02\x00\x00\x00\x00\xb8\x00\x01\x00\x00",
        b"\x04\x01\x00\x25\x00\x00\x01\x00\x00\x00\x15\x00\x06\x01",
        b"\x4a\x00\x00\x00\x0a\x01\x02\x03\x00",
    ] {
        assert_eq!(
            probe(Direction::ToClient, 3306, other),
            Probe::No,
            "{other:?}"
        );
    }
}

#[test]
fn malformed_and_oversized() {
    let mut p = MysqlParser::default();
    let mut s = Recorder::reading(&[]);
    // A huge packet length: not the connection phase; memory stays small.
    p.parse(Direction::ToClient, b"\xff\xff\xff\x00", &mut s);
    p.parse(Direction::ToClient, &[0u8; 100_000], &mut s);
    assert!(p.memory() <= 4 + MAX_PACKET);
    assert!(s.txs.is_empty());
    // Truncated response fields: no panic, no account invented.
    assert!(parse_handshake_response(b"\x8c\xa2").is_none());
    assert!(parse_handshake_response(&[0x8c, 0xa2, 0xbf, 0, 0, 0, 0, 1]).is_none());
    assert_eq!(
        parse_err(b"\xff\x15\x04#28000Access denied"),
        Some((1045, "Access denied".into()))
    );
    assert_eq!(parse_err(b"\xff\x15"), None);
}

#[test]
fn mutations_never_panic_and_memory_stays_bounded() {
    let mut all = conversations(LOGINS, &[3306]);
    all.extend(conversations(SWITCH, &[3306]));
    all.extend(conversations(SSL, &[3306]));
    fuzz_conversations(new_parser, &all, 4000, 2 * (4 + MAX_PACKET) * 2);
}

#[test]
fn detected_through_the_app_layer() {
    use crate::app::http::HttpConfig;
    use crate::app::layer::{AppLayer, AppProto, TxReady};
    let c = conversations(LOGINS, &[3306]);
    let mut l = AppLayer::new();
    let mut n = 0;
    for (dir, data) in &c[0].segments {
        l.stream_data(
            *dir,
            3306,
            data,
            &HttpConfig::default(),
            &mut |_tx: TxReady<'_>| n += 1,
        );
    }
    assert_eq!(l.proto(), Some(AppProto::Mysql));
    assert!(n > 0);
}
