//! TDS tests. There is no SQL Server on Debian: the client bytes are real
//! (FreeTDS 1.3 `tsql`, TDS 7.4, captured here on a network namespace's
//! loopback, tests/fixtures/tds/), the server side is a small Python
//! server written from MS-TDS (PRELOGIN answer with ENCRYPT_NOT_SUP, then
//! ENVCHANGE + LOGINACK + DONE for `clinician`, ERROR 18456 + DONE for
//! anyone else). The encrypted-login case is built here from the same
//! PRELOGIN bytes with the server's ENCRYPTION option set to ENCRYPT_OFF.

use super::*;
use crate::app::testkit::{
    Conversation, Recorder, assert_conversation_split_invariant, conversations, fuzz_conversations,
    replay,
};

const PCAP: &[u8] =
    include_bytes!("../../../tests/fixtures/tds/freetds_tsql_login_ok_and_failed.pcap");

fn parse(conv: &Conversation) -> Recorder {
    replay(&mut TdsParser::default(), conv, &[])
}

fn logins(s: &Recorder) -> Vec<(Outcome, Option<&str>, &str)> {
    s.logins
        .iter()
        .map(|l| (l.outcome, l.account.as_deref(), l.reason.as_str()))
        .collect()
}

#[test]
fn login_ok_and_failed() {
    let c = conversations(PCAP, &[1433]);
    assert_eq!(c.len(), 2);
    let ok = parse(&c[0]);
    assert_eq!(
        logins(&ok),
        [(Outcome::Success, Some("clinician"), "LOGINACK")]
    );
    let rec = &ok.records[0].1;
    assert_eq!(rec["tds_version"], "0x74000004");
    assert_eq!(rec["app_name"], "TSQL");
    assert_eq!(rec["integrated_security"], false);
    let bad = parse(&c[1]);
    assert_eq!(
        logins(&bad),
        [(
            Outcome::Failure,
            Some("sa"),
            "18456 Login failed for user 'sa'."
        )]
    );
    // The password never reaches a record.
    let all: String = ok
        .records
        .iter()
        .chain(&bad.records)
        .map(|r| r.1.to_string())
        .collect();
    assert!(!all.contains("Secret123") && !all.contains("guess"));
}

#[test]
fn login7_fields() {
    let c = conversations(PCAP, &[1433]);
    let client = c[1].stream(Direction::ToServer);
    // Skip the PRELOGIN packet, then the LOGIN7 packet header.
    let login = &client[58 + HEADER_LEN..];
    let l = parse_login7(login).expect("login7");
    assert_eq!(l.username, "sa");
    assert_eq!(l.tds_version, 0x7400_0004);
    assert!(!l.integrated);
    assert!(parse_login7(&login[..40]).is_none());
    assert_eq!(prelogin_encryption(&client[HEADER_LEN..58]), Some(0));
}

/// The clear conversation with the server's ENCRYPTION answer turned to
/// ENCRYPT_OFF, and the LOGIN7 replaced by a TLS handshake in PRELOGIN
/// packets and an application-data record.
fn encrypted_conversation() -> Conversation {
    let c = conversations(PCAP, &[1433]);
    let client = c[0].stream(Direction::ToServer);
    let mut answer = c[0].stream(Direction::ToClient)[..26].to_vec();
    assert_eq!(answer[25], ENCRYPT_NOT_SUP);
    answer[25] = 0;
    let hello =
        b"\x12\x01\x00\x12\x00\x00\x00\x00\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00".to_vec();
    let server_hello =
        b"\x12\x01\x00\x12\x00\x00\x00\x00\x16\x03\x03\x00\x05\x02\x00\x00\x01\x00".to_vec();
    let record = b"\x17\x03\x03\x00\x20 encrypted LOGIN7 .............".to_vec();
    Conversation {
        server_port: 1433,
        segments: vec![
            (Direction::ToServer, client[..58].to_vec()),
            (Direction::ToClient, answer),
            (Direction::ToServer, hello),
            (Direction::ToClient, server_hello),
            (Direction::ToServer, record),
        ],
    }
}

#[test]
fn encrypted_login_is_unknown_without_account() {
    let s = parse(&encrypted_conversation());
    assert_eq!(logins(&s), [(Outcome::Unknown, None, "LOGIN7 inside TLS")]);
    assert_eq!(s.records[0].1["encrypted_login"], true);
    // A PRELOGIN-only probe (a scanner) reports no login.
    let mut conv = encrypted_conversation();
    conv.segments.truncate(2);
    assert!(parse(&conv).logins.is_empty());
}

#[test]
fn no_answer_is_unknown() {
    let c = conversations(PCAP, &[1433]);
    let mut conv = c[1].clone();
    conv.segments.pop();
    let s = parse(&conv);
    assert_eq!(
        logins(&s),
        [(Outcome::Unknown, Some("sa"), "no LOGINACK or ERROR seen")]
    );
}

#[test]
fn every_split_gives_the_same_result() {
    for conv in conversations(PCAP, &[1433])
        .iter()
        .chain([&encrypted_conversation()])
    {
        assert_conversation_split_invariant(new_parser, conv, &[]);
    }
}

#[test]
fn login7_split_over_packets() {
    // The same LOGIN7 cut into three packets (status 0 until the last).
    let c = conversations(PCAP, &[1433]);
    let client = c[1].stream(Direction::ToServer);
    let login = &client[58 + HEADER_LEN..];
    let mut wire = client[..58].to_vec();
    let parts = [&login[..50], &login[50..100], &login[100..]];
    for (i, part) in parts.iter().enumerate() {
        let status = u8::from(i == 2);
        wire.extend_from_slice(&[LOGIN7, status]);
        wire.extend_from_slice(&((part.len() + HEADER_LEN) as u16).to_be_bytes());
        wire.extend_from_slice(&[0, 0, i as u8 + 1, 0]);
        wire.extend_from_slice(part);
    }
    let server = c[1].stream(Direction::ToClient);
    let mut p = TdsParser::default();
    let mut s = Recorder::reading(&[]);
    p.parse(Direction::ToServer, &wire[..58], &mut s);
    p.parse(Direction::ToClient, &server[..26], &mut s);
    p.parse(Direction::ToServer, &wire[58..], &mut s);
    p.parse(Direction::ToClient, &server[26..], &mut s);
    assert_eq!(
        logins(&s),
        [(
            Outcome::Failure,
            Some("sa"),
            "18456 Login failed for user 'sa'."
        )]
    );
}

#[test]
fn probe_is_strict() {
    let c = conversations(PCAP, &[1433]);
    let client = c[0].stream(Direction::ToServer);
    assert_eq!(probe(Direction::ToServer, 14330, &client), Probe::Yes);
    assert_eq!(
        probe(Direction::ToServer, 14330, &client[..4]),
        Probe::NeedMore
    );
    let login = &client[58..];
    assert_eq!(probe(Direction::ToServer, 14330, login), Probe::Yes);
    let server = c[0].stream(Direction::ToClient);
    assert_eq!(probe(Direction::ToClient, 1433, &server), Probe::Yes);
    assert_eq!(probe(Direction::ToClient, 1434, &server), Probe::No);
    for other in [
        &b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00"[..],
        b"\x12\x01\x00\x3a\x00\x00\x00\x00\x07",
        b"\x12\x00\x00\x3a\x00\x00\x00\x00\x00",
        b"\x10\x01\x00\xdd\x00\x00\x01\x00\xd5\x00\x00\x00\x04\x00\x00\x02",
        b"\x01\x00\x00\x00\x00\xcd\x00\x01\x00\x00",
        b"\x00\x00\x00\x08\x04\xd2\x16\x2f",
        b"\x0bMSH|^~\\&|",
    ] {
        assert_eq!(
            probe(Direction::ToServer, 1433, other),
            Probe::No,
            "{other:?}"
        );
    }
}

#[test]
fn token_stream_variants() {
    assert_eq!(parse_login_answer(b""), LoginAnswer::Pending);
    assert_eq!(
        parse_login_answer(b"\xaa\xff\xff\x01"),
        LoginAnswer::Pending
    );
    assert_eq!(
        parse_login_answer(b"\xe3\x03\x00abc\xad"),
        LoginAnswer::Pending
    );
    // FEATUREEXTACK then LOGINACK.
    let mut s = b"\xae\x01\x02\x00\x00\x00xy\xff".to_vec();
    s.extend_from_slice(b"\xad\x0a\x00\x01\x74\x00\x00\x04\x01A\x00\x10\x00");
    assert_eq!(
        parse_login_answer(&s),
        LoginAnswer::Ack {
            program: "A".into()
        }
    );
}

#[test]
fn malformed_and_oversized() {
    let mut p = TdsParser::default();
    let mut s = Recorder::reading(&[]);
    // A message growing past MAX_MESSAGE over many packets stops.
    for _ in 0..40 {
        let mut pkt = vec![PRELOGIN, 0, 0x10, 0x00, 0, 0, 1, 0];
        pkt.resize(0x1000, 0);
        p.parse(Direction::ToServer, &pkt, &mut s);
        assert!(p.memory() <= MAX_MESSAGE + 0x1000);
    }
    assert!(s.txs.is_empty());
    // A length below the header size stops.
    let mut p = TdsParser::default();
    p.parse(
        Direction::ToServer,
        b"\x12\x01\x00\x02\x00\x00\x00\x00",
        &mut s,
    );
    assert!(s.txs.is_empty());
}

#[test]
fn mutations_never_panic_and_memory_stays_bounded() {
    let mut all = conversations(PCAP, &[1433]);
    all.push(encrypted_conversation());
    fuzz_conversations(new_parser, &all, 4000, 2 * (MAX_MESSAGE + 0x10000));
}

#[test]
fn detected_through_the_app_layer() {
    use crate::app::http::HttpConfig;
    use crate::app::layer::{AppLayer, AppProto, TxReady};
    let c = conversations(PCAP, &[1433]);
    let mut l = AppLayer::new();
    let mut n = 0;
    for (dir, data) in &c[0].segments {
        l.stream_data(
            *dir,
            1433,
            data,
            &HttpConfig::default(),
            &mut |_tx: TxReady<'_>| n += 1,
        );
    }
    assert_eq!(l.proto(), Some(AppProto::Tds));
    assert!(n > 0);
}
