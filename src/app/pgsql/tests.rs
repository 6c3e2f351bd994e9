//! PostgreSQL tests on real bytes captured here (tests/fixtures/pgsql/):
//! Debian's `psql` 15 against PostgreSQL 15 on a network namespace's
//! loopback. pg_hba: `alice` scram-sha-256, `bob` md5, `nobody` reject,
//! others scram-sha-256. Connections: alice right and wrong password, bob
//! right and wrong, unknown role `ghost`, `nobody` (pg_hba reject), alice
//! after an SSLRequest answered `N`; and (second file) an SSLRequest
//! answered `S`.

use super::*;
use crate::app::testkit::{
    Conversation, Recorder, assert_conversation_split_invariant, conversations, fuzz_conversations,
    replay,
};

const LOGINS: &[u8] =
    include_bytes!("../../../tests/fixtures/pgsql/psql_scram_md5_wrong_unknown_hba_reject.pcap");
const SSL: &[u8] = include_bytes!("../../../tests/fixtures/pgsql/psql_ssl.pcap");

fn parse(conv: &Conversation) -> Recorder {
    replay(&mut PgsqlParser::default(), conv, &[])
}

#[test]
fn logins_of_every_kind() {
    let c = conversations(LOGINS, &[5432]);
    assert_eq!(c.len(), 7);
    let got: Vec<_> = c
        .iter()
        .flat_map(|c| parse(c).logins)
        .map(|l| (l.outcome, l.account, l.domain, l.reason))
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        got,
        [
            (Outcome::Success, s("alice"), None, "AuthenticationOk".into()),
            (
                Outcome::Failure,
                s("alice"),
                None,
                "28P01 password authentication failed for user \"alice\"".into()
            ),
            (Outcome::Success, s("bob"), None, "AuthenticationOk".into()),
            (
                Outcome::Failure,
                s("bob"),
                None,
                "28P01 password authentication failed for user \"bob\"".into()
            ),
            (
                Outcome::Failure,
                s("ghost"),
                None,
                "28P01 password authentication failed for user \"ghost\"".into()
            ),
            (
                Outcome::Failure,
                s("nobody"),
                None,
                "28000 pg_hba.conf rejects connection for host \"10.77.0.1\", user \"nobody\", database \"postgres\", no encryption".into()
            ),
            (Outcome::Success, s("alice"), None, "AuthenticationOk".into()),
        ]
    );
    let ok = parse(&c[0]);
    assert_eq!(ok.records[0].1["auth_methods"], serde_json::json!(["sasl"]));
    assert_eq!(ok.records[0].1["application_name"], "psql");
    assert_eq!(ok.records[0].1["database"], "clinic");
    let md5 = parse(&c[2]);
    assert_eq!(
        md5.records[0].1["auth_methods"],
        serde_json::json!(["md5_password"])
    );
    let bad = parse(&c[1]);
    assert_eq!(bad.records[0].1["sqlstate"], "28P01");
    assert_eq!(bad.records[0].1["severity"], "FATAL");
}

#[test]
fn ssl_accepted_stops_without_a_login() {
    let c = conversations(SSL, &[5432]);
    assert_eq!(c.len(), 1);
    let s = parse(&c[0]);
    assert!(s.logins.is_empty(), "{:?}", s.logins);
}

#[test]
fn every_split_gives_the_same_result() {
    for pcap in [LOGINS, SSL] {
        for conv in &conversations(pcap, &[5432]) {
            assert_conversation_split_invariant(new_parser, conv, &[]);
        }
    }
}

#[test]
fn no_answer_is_unknown() {
    let c = conversations(LOGINS, &[5432]);
    let mut p = PgsqlParser::default();
    let mut s = Recorder::reading(&[]);
    p.parse(Direction::ToServer, &c[0].segments[0].1, &mut s);
    p.close(Direction::ToServer, &mut s);
    p.close(Direction::ToClient, &mut s);
    assert_eq!(s.logins.len(), 1);
    assert_eq!(s.logins[0].outcome, Outcome::Unknown);
    assert_eq!(s.logins[0].account.as_deref(), Some("alice"));
}

#[test]
fn role_refused_after_authentication_ok_is_a_failure() {
    // Written after zeek's psql-login-no-role trace (trust auth): the
    // server says AuthenticationOk, then 28000 "role does not exist".
    let mut p = PgsqlParser::default();
    let mut s = Recorder::reading(&[]);
    p.parse(
        Direction::ToServer,
        b"\x00\x00\x00\x08\x04\xd2\x16\x2f",
        &mut s,
    );
    p.parse(Direction::ToClient, b"N", &mut s);
    p.parse(
        Direction::ToServer,
        b"\x00\x00\x00\x1f\x00\x03\x00\x00user\x00test\x00database\x00db\x00\x00",
        &mut s,
    );
    let mut err = b"R\x00\x00\x00\x08\x00\x00\x00\x00E\x00\x00\x00\x00SFATAL\x00C28000\x00Mrole \"test\" does not exist\x00\x00".to_vec();
    let len = (err.len() - 10) as u32;
    err[10..14].copy_from_slice(&len.to_be_bytes());
    p.parse(Direction::ToClient, &err, &mut s);
    assert_eq!(s.logins.len(), 1);
    assert_eq!(s.logins[0].outcome, Outcome::Failure);
    assert_eq!(s.logins[0].reason, "28000 role \"test\" does not exist");
    assert_eq!(s.logins[0].account.as_deref(), Some("test"));
}

#[test]
fn other_errors_are_unknown() {
    let mut p = PgsqlParser::default();
    let mut s = Recorder::reading(&[]);
    let startup = b"\x00\x00\x00\x11\x00\x03\x00\x00user\x00eve\x00\x00";
    p.parse(Direction::ToServer, startup, &mut s);
    let mut err =
        b"E\x00\x00\x00\x00SFATAL\x00C53300\x00Msorry, too many clients already\x00\x00".to_vec();
    let len = (err.len() - 1) as u32;
    err[1..5].copy_from_slice(&len.to_be_bytes());
    p.parse(Direction::ToClient, &err, &mut s);
    assert_eq!(s.logins.len(), 1);
    assert_eq!(s.logins[0].outcome, Outcome::Unknown);
    assert_eq!(s.logins[0].reason, "53300 sorry, too many clients already");
    assert_eq!(s.logins[0].domain, None);
    assert_eq!(s.records[0].1["database"], "eve");
}

#[test]
fn probe_is_strict() {
    let c = conversations(LOGINS, &[5432]);
    let startup = c[0].stream(Direction::ToServer);
    assert_eq!(probe(Direction::ToServer, 5433, &startup), Probe::Yes);
    assert_eq!(
        probe(Direction::ToServer, 5433, &startup[..6]),
        Probe::NeedMore
    );
    assert_eq!(
        probe(
            Direction::ToServer,
            5433,
            b"\x00\x00\x00\x08\x04\xd2\x16\x2f"
        ),
        Probe::Yes
    );
    assert_eq!(probe(Direction::ToClient, 5432, &startup), Probe::No);
    for other in [
        &b"\x00\x00\x00\x08\x04\xd2\x16\x30\x00"[..],
        b"\x00\x00\x00\x2f\xfeSMB@\x00",
        b"\x00\x01\x00\x00\x00\x03\x00\x00user",
        b"\x00\x1c\x12\x34\x01\x00\x00\x01",
        b"GET / HTTP/1.1\r\n",
        b"\x12\x01\x00\x2f\x00\x00\x01\x00",
        b"\x00\x00\x00\x20\x00\x03\x00\x00\xff",
    ] {
        let want = if other.starts_with(b"\x00\x00\x00\x08\x04\xd2\x16\x30") {
            Probe::Yes // GSSENCRequest
        } else {
            Probe::No
        };
        assert_eq!(probe(Direction::ToServer, 5432, other), want, "{other:?}");
    }
}

#[test]
fn malformed_and_oversized() {
    let mut p = PgsqlParser::default();
    let mut s = Recorder::reading(&[]);
    p.parse(
        Direction::ToServer,
        b"\x7f\xff\xff\xff\x00\x03\x00\x00",
        &mut s,
    );
    p.parse(Direction::ToServer, &[b'a'; 50_000], &mut s);
    assert!(p.memory() <= MAX_MESSAGE + 5);
    assert!(s.txs.is_empty());
    assert!(startup_params(b"user").is_empty());
    assert_eq!(error_fields(b"Cx"), [(b'C', &b"x"[..])]);
}

#[test]
fn mutations_never_panic_and_memory_stays_bounded() {
    let mut all = conversations(LOGINS, &[5432]);
    all.extend(conversations(SSL, &[5432]));
    fuzz_conversations(new_parser, &all, 4000, 2 * (MAX_MESSAGE + 5) * 2 + 1024);
}

#[test]
fn detected_through_the_app_layer() {
    use crate::app::http::HttpConfig;
    use crate::app::layer::{AppLayer, AppProto, TxReady};
    let c = conversations(LOGINS, &[5432]);
    let mut l = AppLayer::new();
    let mut n = 0;
    for (dir, data) in &c[0].segments {
        l.stream_data(
            *dir,
            5432,
            data,
            &HttpConfig::default(),
            &mut |_tx: TxReady<'_>| n += 1,
        );
    }
    assert_eq!(l.proto(), Some(AppProto::Pgsql));
    assert!(n > 0);
}
