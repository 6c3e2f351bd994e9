//! HL7 tests on real bytes captured here (tests/fixtures/hl7/): a Python
//! socket MLLP sender and receiver on a network namespace's loopback. The
//! receiver answers ADT with AA, ORU with AE and anything else with AR; the
//! second connection sends a QRY^A19 and an ADT^A01 in one write. Patient
//! segments hold made-up test values.

use super::*;
use crate::app::testkit::{
    Conversation, Recorder, assert_conversation_split_invariant, conversations, fuzz_conversations,
    replay,
};

const PCAP: &[u8] = include_bytes!("../../../tests/fixtures/hl7/mllp_adt_oru_qry_acks.pcap");

/// The buffers the tests read from each transaction.
const BUFFERS: &[BufferId] = &[
    BufferId::Hl7Msh,
    BufferId::Hl7MessageType,
    BufferId::Hl7SendingApp,
];

fn convs() -> Vec<Conversation> {
    conversations(PCAP, &[2575])
}

fn parse(conv: &Conversation) -> Recorder {
    replay(&mut Hl7Parser::default(), conv, BUFFERS)
}

fn col<'a>(s: &'a Recorder, key: &str) -> Vec<(Direction, &'a str)> {
    s.records
        .iter()
        .filter_map(|(d, r)| Some((*d, r.get(key)?.as_str()?)))
        .collect()
}

#[test]
fn messages_and_acknowledgments() {
    let c = convs();
    assert_eq!(c.len(), 2);
    let s = parse(&c[0]);
    use Direction::{ToClient as S, ToServer as C};
    assert_eq!(
        col(&s, "message_type"),
        [
            (C, "ADT^A01^ADT_A01"),
            (S, "ACK^A01^ACK"),
            (C, "ORU^R01^ORU_R01"),
            (S, "ACK^R01^ACK"),
        ]
    );
    assert_eq!(col(&s, "ack_code"), [(S, "AA"), (S, "AE")]);
    assert_eq!(
        col(&s, "ack_control_id"),
        [(S, "MSG00001"), (S, "MSG00002")]
    );
    assert_eq!(
        s.values_of(BufferId::Hl7SendingApp),
        ["HIS", "LIS", "ANALYZER", "LIS"]
    );
    assert_eq!(
        s.values_of(BufferId::Hl7MessageType)[0],
        "ADT^A01^ADT_A01".to_string()
    );
    assert_eq!(
        s.values_of(BufferId::Hl7Msh)[0],
        "MSH|^~\\&|HIS|HOSP_A|LIS|MAIN_LAB|20240101120000||ADT^A01^ADT_A01|MSG00001|P|2.5.1"
    );
    let adt = &s.records[0].1;
    assert_eq!(adt["message_code"], "ADT");
    assert_eq!(adt["trigger_event"], "A01");
    assert_eq!(adt["control_id"], "MSG00001");
    assert_eq!(adt["version"], "2.5.1");
    assert_eq!(adt["sending_facility"], "HOSP_A");
    assert_eq!(adt["receiving_application"], "LIS");
    assert_eq!(adt["receiving_facility"], "MAIN_LAB");
    assert_eq!(adt["processing_id"], "P");
    assert_eq!(
        adt["segments"],
        serde_json::json!(["MSH", "EVN", "PID", "PV1"])
    );
    // HL7 has no login.
    assert!(s.logins.is_empty());
    // Patient data never reaches a record or a buffer.
    let all: String = s
        .records
        .iter()
        .map(|r| r.1.to_string())
        .chain(
            s.values
                .iter()
                .flatten()
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned()),
        )
        .collect();
    for phi in [
        "DOE", "JANE", "TEST0001", "19700101", "MAIN ST", "ROE", "Glucose", "5.4",
    ] {
        assert!(!all.contains(phi), "{phi} leaked: {all}");
    }
}

#[test]
fn pipelined_messages_and_reject() {
    let s = parse(&convs()[1]);
    assert_eq!(
        s.values_of(BufferId::Hl7MessageType),
        ["QRY^A19", "ADT^A01^ADT_A01", "ACK^A19^ACK", "ACK^A01^ACK"]
    );
    let acks: Vec<_> = col(&s, "ack_code").into_iter().map(|x| x.1).collect();
    assert_eq!(acks, ["AR", "AA"]);
    assert_eq!(s.records[0].1["version"], "2.3");
    let ids: Vec<_> = s.txs.iter().map(|t| (t.0, t.1)).collect();
    assert_eq!(
        ids,
        [
            (Direction::ToServer, 1),
            (Direction::ToServer, 2),
            (Direction::ToClient, 1),
            (Direction::ToClient, 2)
        ]
    );
}

#[test]
fn every_split_gives_the_same_result() {
    for conv in &convs() {
        assert_conversation_split_invariant(new_parser, conv, BUFFERS);
    }
}

#[test]
fn probe_is_strict() {
    let c = convs();
    let adt = c[0].stream(Direction::ToServer);
    assert_eq!(probe(Direction::ToServer, 6661, &adt), Probe::Yes);
    assert_eq!(
        probe(Direction::ToClient, 2575, &c[0].stream(Direction::ToClient)),
        Probe::Yes
    );
    for k in 0..5 {
        assert_eq!(
            probe(Direction::ToServer, 6661, &adt[..k]),
            Probe::NeedMore,
            "{k}"
        );
    }
    for other in [
        &b"MSH|^~\\&|no MLLP"[..],
        b"\x0bMSX|",
        b"\x0bMSHA",
        b"GET / HTTP/1.1\r\n",
        b"\x01\x00\x00\x00\x00\xcd\x00\x01",
        b"\x0b\x00\x00\x00",
    ] {
        assert_eq!(
            probe(Direction::ToServer, 2575, other),
            Probe::No,
            "{other:?}"
        );
    }
    assert_eq!(
        probe(Direction::ToServer, 2575, b"\x0bFHS|^~\\&|"),
        Probe::Yes
    );
}

#[test]
fn header_variants() {
    // Another field separator and encoding characters, LF segment ends.
    let h = parse_header(b"MSH#$~\\&#APP#FAC#R#RF#2024##ORM$O01#42#T#2.4$X\nORC#NW").expect("msh");
    assert_eq!(h.sending_app, b"APP");
    assert_eq!(h.message_type, b"ORM$O01");
    assert_eq!(h.trigger_event, b"O01");
    assert_eq!(h.version, b"2.4");
    assert_eq!(h.segment_ids, [&b"MSH"[..], b"ORC"]);
    // A batch: header from the first MSH.
    let h =
        parse_header(b"FHS|^~\\&|X\rBHS|^~\\&|X\rMSH|^~\\&|B|F|||||ADT^A08|7|P|2.5\rBTS|1\rFTS|1")
            .expect("batch");
    assert_eq!(h.control_id, b"7");
    // Short MSH: missing fields are empty, not an error.
    let h = parse_header(b"MSH|^~\\&|ONLY").expect("short");
    assert_eq!(h.sending_app, b"ONLY");
    assert_eq!(h.message_type, b"");
    // No MSH, or no separator: not a message.
    assert!(parse_header(b"PID|1||X").is_none());
    assert!(parse_header(b"MSH").is_none());
    assert!(parse_header(b"MSHA^~\\&").is_none());
}

#[test]
fn malformed_oversized_and_gap() {
    let mut p = Hl7Parser::default();
    let mut s = Recorder::reading(BUFFERS);
    // A frame without MSH: counted, no transaction.
    p.parse(Direction::ToServer, b"\x0bPID|1||X\x1c\r", &mut s);
    assert_eq!((s.txs.len(), p.stats().malformed), (0, 1));
    // An oversized frame: dropped, memory stays bounded, framing continues.
    p.parse(
        Direction::ToServer,
        b"\x0bMSH|^~\\&|BIG|F|||||ADT^A01|1|P|2.5\r",
        &mut s,
    );
    let chunk = vec![b'A'; 64 * 1024];
    for _ in 0..(MAX_MESSAGE as usize / chunk.len() + 1) {
        p.parse(Direction::ToServer, &chunk, &mut s);
        assert!(p.memory() <= 2 * MAX_KEPT);
    }
    p.parse(Direction::ToServer, b"\x1c\r", &mut s);
    assert_eq!((s.txs.len(), p.stats().malformed), (0, 2));
    p.parse(
        Direction::ToServer,
        b"\x0bMSH|^~\\&|OK|F|||||ADT^A02|2|P|2.5\x1c\r",
        &mut s,
    );
    assert_eq!(s.values_of(BufferId::Hl7SendingApp), ["OK"]);
    // A gap mid-message: the tail before the next start byte is skipped.
    p.parse(Direction::ToServer, b"\x0bMSH|^~\\&|LOST|F|||||ADT", &mut s);
    p.gap(Direction::ToServer, 100);
    p.parse(Direction::ToServer, &[b'x'; 500], &mut s);
    p.parse(
        Direction::ToServer,
        b"\x1c\r\x0bMSH|^~\\&|AFTER|F|||||ADT^A03|3|P|2.5\x1c\r",
        &mut s,
    );
    assert_eq!(s.values_of(BufferId::Hl7SendingApp), ["OK", "AFTER"]);
    // Non-MLLP bytes between frames: the direction stops.
    p.parse(Direction::ToServer, &[b'z'; MAX_JUNK + 1], &mut s);
    p.parse(
        Direction::ToServer,
        b"\x0bMSH|^~\\&|NO|F|||||ADT^A04|4|P|2.5\x1c\r",
        &mut s,
    );
    assert_eq!(s.values_of(BufferId::Hl7SendingApp), ["OK", "AFTER"]);
}

#[test]
fn truncated_message_is_not_reported() {
    let c = convs();
    let adt = c[0].stream(Direction::ToServer);
    let mut p = Hl7Parser::default();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(Direction::ToServer, &adt[..100], &mut s);
    p.close(Direction::ToServer, &mut s);
    assert!(s.txs.is_empty() && s.records.is_empty());
}

#[test]
fn mutations_never_panic_and_memory_stays_bounded() {
    fuzz_conversations(new_parser, &convs(), 4000, 4 * MAX_KEPT);
}

#[test]
fn detected_through_the_app_layer() {
    use crate::app::http::HttpConfig;
    use crate::app::layer::{AppLayer, AppProto, TxReady};
    let c = convs();
    let mut l = AppLayer::new();
    let mut n = 0;
    for (dir, data) in &c[0].segments {
        l.stream_data(
            *dir,
            2575,
            data,
            &HttpConfig::default(),
            &mut |_tx: TxReady<'_>| n += 1,
        );
    }
    assert_eq!(l.proto(), Some(AppProto::Hl7));
    assert_eq!(n, 4);
}
