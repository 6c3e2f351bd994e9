//! DICOM tests on real bytes captured here (tests/fixtures/dicom/): DCMTK
//! 3.6.7 `echoscu`/`storescu`/`findscu` against `storescp` and `dcmqrscp`
//! (AE table), and `echoscu` against a pynetdicom 3.0.4 SCP that requires
//! calling AE `WORKSTATION1`. All on a network namespace's loopback.

use super::*;
use crate::app::testkit::{
    Conversation, Recorder, assert_conversation_split_invariant, conversations, fuzz_conversations,
    replay,
};

const DCMTK: &[u8] = include_bytes!("../../../tests/fixtures/dicom/dcmtk_echo_store_find.pcap");
const DCMQRSCP: &[u8] =
    include_bytes!("../../../tests/fixtures/dicom/dcmqrscp_reject_echo_store_find.pcap");
const PYNETDICOM: &[u8] =
    include_bytes!("../../../tests/fixtures/dicom/pynetdicom_calling_ae_reject.pcap");

/// The buffers the tests read from each transaction.
const BUFFERS: &[BufferId] = &[
    BufferId::DicomCallingAe,
    BufferId::DicomCalledAe,
    BufferId::DicomCommand,
];

fn convs(pcap: &[u8], port: u16) -> Vec<Conversation> {
    conversations(pcap, &[port])
}

fn parse(conv: &Conversation) -> Recorder {
    replay(&mut DicomParser::default(), conv, BUFFERS)
}

fn field<'a>(s: &'a Recorder, key: &str) -> Vec<&'a str> {
    s.records
        .iter()
        .filter_map(|(_, r)| r.get(key).and_then(|v| v.as_str()))
        .collect()
}

fn logins(s: &Recorder) -> Vec<(Outcome, Option<&str>, &str)> {
    s.logins
        .iter()
        .map(|l| (l.outcome, l.account.as_deref(), l.reason.as_str()))
        .collect()
}

#[test]
fn echo_association_and_commands() {
    let c = convs(DCMTK, 11112);
    assert_eq!(c.len(), 3);
    let s = parse(&c[0]);
    assert_eq!(
        field(&s, "pdu_type"),
        [
            "A-ASSOCIATE-RQ",
            "A-ASSOCIATE-AC",
            "P-DATA-TF",
            "P-DATA-TF",
            "A-RELEASE-RQ",
            "A-RELEASE-RP"
        ]
    );
    assert_eq!(
        s.values_of(BufferId::DicomCallingAe),
        ["MODALITY1", "MODALITY1"]
    );
    assert_eq!(s.values_of(BufferId::DicomCalledAe), ["PACS1", "PACS1"]);
    assert_eq!(
        s.values_of(BufferId::DicomCommand),
        ["C-ECHO-RQ", "C-ECHO-RSP"]
    );
    assert_eq!(
        logins(&s),
        [(Outcome::Success, Some("MODALITY1"), "A-ASSOCIATE-AC")]
    );
    let rq = &s.records[0].1;
    assert_eq!(rq["application_context"], "1.2.840.10008.3.1.1.1");
    assert_eq!(
        rq["presentation_contexts"][0]["abstract_syntax_name"],
        "Verification"
    );
    assert_eq!(rq["max_pdu_length"], 16384);
    let ac = &s.records[1].1;
    assert_eq!(ac["presentation_contexts"][0]["result"], "acceptance");
    let rsp = &s.records[3].1;
    assert_eq!(rsp["command"], "C-ECHO-RSP");
    assert_eq!(rsp["status"], 0);
    assert_eq!(rsp["status_class"], "success");
    assert_eq!(rsp["message_id_responded_to"], 1);
    assert_eq!(s.records[2].1["message_id"], 1);
    // Transaction ids count per direction.
    let ids: Vec<_> = s.txs.iter().map(|t| (t.0, t.1)).collect();
    assert_eq!(ids[0], (Direction::ToServer, 1));
    assert_eq!(ids[1], (Direction::ToClient, 1));
    assert_eq!(ids[2], (Direction::ToServer, 2));
}

#[test]
fn store_skips_the_data_set() {
    let c = convs(DCMTK, 11112);
    let s = parse(&c[1]);
    assert_eq!(
        s.values_of(BufferId::DicomCommand),
        ["C-STORE-RQ", "C-STORE-RSP"]
    );
    let rq = &s.records[0].1;
    // storescu proposes every storage SOP class it knows: a 9.6 KB request.
    assert!(rq["presentation_contexts"].as_array().expect("array").len() > 100);
    let store = s
        .records
        .iter()
        .find(|r| r.1["command"] == "C-STORE-RQ")
        .expect("C-STORE-RQ");
    assert_eq!(store.1["sop_class"], "Secondary Capture Image Storage");
    // Nothing of the data set (patient name, id) reaches a record.
    let all: String = s.records.iter().map(|r| r.1.to_string()).collect();
    assert!(
        !all.contains("TEST^PATIENT") && !all.contains("TEST0001"),
        "{all}"
    );
    assert_eq!(DicomParser::default().memory(), 0);
}

#[test]
fn find_without_accepted_context_is_still_a_login_success() {
    // findscu proposes Study Root FIND to a storage-only SCP: the
    // association is accepted with every context rejected, then released.
    let c = convs(DCMTK, 11112);
    let s = parse(&c[2]);
    let ac = &s.records[1].1;
    assert_eq!(ac["pdu_type"], "A-ASSOCIATE-AC");
    assert_eq!(
        ac["presentation_contexts"][0]["result"],
        "abstract-syntax-not-supported"
    );
    assert_eq!(
        s.records[0].1["presentation_contexts"][0]["abstract_syntax_name"],
        "Study Root Query/Retrieve Information Model - FIND"
    );
    assert!(s.values_of(BufferId::DicomCommand).is_empty());
    assert_eq!(logins(&s).len(), 1);
}

#[test]
fn calling_ae_not_recognized_is_a_login_failure() {
    let c = convs(PYNETDICOM, 11115);
    assert_eq!(c.len(), 2);
    let s = parse(&c[0]);
    assert_eq!(
        logins(&s),
        [(
            Outcome::Failure,
            Some("SCANNER"),
            "A-ASSOCIATE-RJ calling-AE-title-not-recognized"
        )]
    );
    let rj = &s.records[1].1;
    assert_eq!(rj["pdu_type"], "A-ASSOCIATE-RJ");
    assert_eq!(rj["result"], "rejected-permanent");
    assert_eq!(rj["source"], "service-user");
    let ok = parse(&c[1]);
    assert_eq!(
        logins(&ok),
        [(Outcome::Success, Some("WORKSTATION1"), "A-ASSOCIATE-AC")]
    );
    assert_eq!(
        ok.values_of(BufferId::DicomCommand),
        ["C-ECHO-RQ", "C-ECHO-RSP"]
    );
}

#[test]
fn dcmqrscp_called_ae_reject_find_and_store() {
    let c = convs(DCMQRSCP, 11113);
    assert_eq!(c.len(), 5);
    let l: Vec<_> = c.iter().flat_map(|c| parse(c).logins).collect();
    let l: Vec<_> = l
        .iter()
        .map(|l| (l.outcome, l.account.as_deref(), l.reason.as_str()))
        .collect();
    assert_eq!(
        l,
        [
            (
                Outcome::Failure,
                Some("SCANNER"),
                "A-ASSOCIATE-RJ called-AE-title-not-recognized"
            ),
            (
                Outcome::Failure,
                Some("WORKSTATION1"),
                "A-ASSOCIATE-RJ called-AE-title-not-recognized"
            ),
            (Outcome::Success, Some("WORKSTATION1"), "A-ASSOCIATE-AC"),
            (Outcome::Success, Some("WORKSTATION1"), "A-ASSOCIATE-AC"),
            (Outcome::Success, Some("WORKSTATION1"), "A-ASSOCIATE-AC"),
        ]
    );
    let find = parse(&c[4]);
    assert_eq!(
        find.values_of(BufferId::DicomCommand),
        ["C-FIND-RQ", "C-FIND-RSP", "C-FIND-RSP"]
    );
    let classes: Vec<_> = field(&find, "status_class");
    assert_eq!(classes, ["pending", "success"]);
    let store = parse(&c[3]);
    assert_eq!(
        store.values_of(BufferId::DicomCommand),
        ["C-STORE-RQ", "C-STORE-RSP"]
    );
}

#[test]
fn every_split_gives_the_same_result() {
    for (pcap, port) in [(DCMTK, 11112), (PYNETDICOM, 11115)] {
        for conv in convs(pcap, port)
            .iter()
            .filter(|c| c.segments.iter().map(|s| s.1.len()).sum::<usize>() < 4000)
        {
            assert_conversation_split_invariant(new_parser, conv, BUFFERS);
        }
    }
    // The 9.6 KB request: a few hundred cut points spread over it.
    let big = &convs(DCMTK, 11112)[1];
    let whole = parse(big);
    let client = big.stream(Direction::ToServer);
    let server = big.stream(Direction::ToClient);
    for k in (0..client.len()).step_by(37) {
        let mut p = DicomParser::default();
        let mut s = Recorder::reading(BUFFERS);
        p.parse(Direction::ToServer, &client[..k], &mut s);
        p.parse(Direction::ToServer, &client[k..], &mut s);
        p.parse(Direction::ToClient, &server, &mut s);
        let cmds = s.values_of(BufferId::DicomCommand);
        assert_eq!(
            cmds,
            whole.values_of(BufferId::DicomCommand),
            "split at {k}"
        );
    }
}

#[test]
fn pipelined_pdus_in_one_call() {
    let c = convs(DCMTK, 11112);
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(
        Direction::ToServer,
        &c[0].stream(Direction::ToServer),
        &mut s,
    );
    p.parse(
        Direction::ToClient,
        &c[0].stream(Direction::ToClient),
        &mut s,
    );
    assert_eq!(
        s.values_of(BufferId::DicomCommand),
        ["C-ECHO-RQ", "C-ECHO-RSP"]
    );
    assert_eq!(s.records.len(), 6);
}

#[test]
fn probe_is_strict() {
    let c = convs(DCMTK, 11112);
    let rq = c[0].stream(Direction::ToServer);
    assert_eq!(probe(Direction::ToServer, 104, &rq), Probe::Yes);
    assert_eq!(probe(Direction::ToServer, 104, &rq[..5]), Probe::NeedMore);
    assert_eq!(probe(Direction::ToServer, 104, &rq[..20]), Probe::NeedMore);
    assert_eq!(probe(Direction::ToClient, 104, &rq), Probe::No);
    let ac = c[0].stream(Direction::ToClient);
    assert_eq!(probe(Direction::ToClient, 104, &ac), Probe::Yes);
    let rj = convs(PYNETDICOM, 11115)[0].stream(Direction::ToClient);
    assert_eq!(probe(Direction::ToClient, 11115, &rj), Probe::Yes);
    // Version 2, or a huge length: no.
    let mut v2 = rq.clone();
    v2[7] = 2;
    assert_eq!(probe(Direction::ToServer, 104, &v2), Probe::No);
    let mut huge = rq.clone();
    huge[2] = 0x10;
    assert_eq!(probe(Direction::ToServer, 104, &huge), Probe::No);
    // Other protocols' openings.
    for other in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        b"\x12\x01\x00\x2f\x00\x00\x01\x00\x00\x00\x1a\x00\x06\x01",
        b"\x00\x00\x00\x08\x04\xd2\x16\x2f",
        b"\x01\x00\x00\x00\x00\x10\x00\x01binary",
        b"\x0bMSH|^~\\&|",
    ] {
        assert_eq!(
            probe(Direction::ToServer, 104, other),
            Probe::No,
            "{other:?}"
        );
    }
}

#[test]
fn truncated_and_malformed_input() {
    let c = convs(DCMTK, 11112);
    let rq = c[0].stream(Direction::ToServer);
    // A request cut short, then the connection ends: nothing decoded, the
    // attempt never completed (no login, no panic).
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(Direction::ToServer, &rq[..100], &mut s);
    p.close(Direction::ToServer, &mut s);
    p.close(Direction::ToClient, &mut s);
    assert!(s.records.is_empty() && s.logins.is_empty());
    // A request then silence: Unknown at close.
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(Direction::ToServer, &rq[..211], &mut s);
    p.close(Direction::ToServer, &mut s);
    assert!(
        s.logins.is_empty(),
        "the requester's half-close settles nothing"
    );
    p.close(Direction::ToClient, &mut s);
    assert_eq!(
        logins(&s),
        [(
            Outcome::Unknown,
            Some("MODALITY1"),
            "no A-ASSOCIATE-AC or -RJ seen"
        )]
    );
    // Unknown PDU type: the direction stops quietly.
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(Direction::ToServer, b"\x09\x00\x00\x00\x00\x04abcd", &mut s);
    p.parse(Direction::ToServer, &rq, &mut s);
    assert!(s.records.is_empty());
    // A PDV longer than its PDU: stop.
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(
        Direction::ToServer,
        b"\x04\x00\x00\x00\x00\x08\x00\x00\x00\x20\x01\x03ab",
        &mut s,
    );
    assert_eq!(p.stats().malformed, 1);
    // A command that is not group 0000 is malformed, not a command.
    assert!(parse_command(b"\x08\x00\x10\x00\x02\x00\x00\x00ab").is_err());
    assert!(parse_command(b"\x00\x00\x00\x01\xff\xff\xff\xff").is_err());
}

#[test]
fn command_reassembled_across_pdus_and_bounded() {
    // C-ECHO-RQ command set from the capture, cut into 3 PDVs in 3 PDUs.
    let c = convs(DCMTK, 11112);
    let rq = c[0].stream(Direction::ToServer);
    let pdata = &rq[211..];
    // P-DATA header (6) + PDV header (6) then the command bytes.
    let cmd = &pdata[12..80];
    let mut wire = Vec::new();
    let parts = [&cmd[..10], &cmd[10..30], &cmd[30..]];
    for (i, part) in parts.iter().enumerate() {
        let mch = if i == 2 { 3u8 } else { 1 };
        let pdv_len = (part.len() + 2) as u32;
        wire.extend_from_slice(&[4, 0]);
        wire.extend_from_slice(&(pdv_len + 4).to_be_bytes());
        wire.extend_from_slice(&pdv_len.to_be_bytes());
        wire.extend_from_slice(&[1, mch]);
        wire.extend_from_slice(part);
    }
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(Direction::ToServer, &wire, &mut s);
    assert_eq!(s.values_of(BufferId::DicomCommand), ["C-ECHO-RQ"]);
    // An endless command (never a last fragment) stays bounded.
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    let chunk = vec![0u8; 4000];
    for _ in 0..100 {
        let mut pdu = vec![4, 0];
        pdu.extend_from_slice(&(4000u32 + 6).to_be_bytes());
        pdu.extend_from_slice(&(4000u32 + 2).to_be_bytes());
        pdu.extend_from_slice(&[1, 1]);
        pdu.extend_from_slice(&chunk);
        p.parse(Direction::ToServer, &pdu, &mut s);
        assert!(p.memory() <= MAX_COMMAND);
    }
    assert!(s.records.is_empty());
}

#[test]
fn oversized_association_pdu_is_skipped() {
    let mut p = DicomParser::default();
    let mut s = Recorder::reading(BUFFERS);
    let len = MAX_PDU_BUFFER + 1;
    let mut pdu = vec![1, 0];
    pdu.extend_from_slice(&(len as u32).to_be_bytes());
    pdu.resize(6 + len, b' ');
    for chunk in pdu.chunks(1000) {
        p.parse(Direction::ToServer, chunk, &mut s);
        assert!(p.memory() < 4096);
    }
    assert_eq!(p.stats().malformed, 1);
    // Framing continues after it.
    let rq = convs(DCMTK, 11112)[0].stream(Direction::ToServer);
    p.parse(Direction::ToServer, &rq, &mut s);
    assert_eq!(s.values_of(BufferId::DicomCommand), ["C-ECHO-RQ"]);
}

#[test]
fn mutations_never_panic_and_memory_stays_bounded() {
    let mut all = convs(DCMTK, 11112);
    all.extend(convs(DCMQRSCP, 11113));
    all.extend(convs(PYNETDICOM, 11115));
    fuzz_conversations(
        new_parser,
        &all,
        3000,
        2 * (MAX_PDU_BUFFER + MAX_COMMAND) + 64,
    );
}

#[test]
fn detected_through_the_app_layer() {
    use crate::app::http::HttpConfig;
    use crate::app::layer::{AppLayer, AppProto, TxReady};
    let c = conversations(DCMTK, &[11112]);
    let mut l = AppLayer::new();
    let mut n = 0;
    for (dir, data) in &c[0].segments {
        l.stream_data(
            *dir,
            11112,
            data,
            &HttpConfig::default(),
            &mut |_tx: TxReady<'_>| n += 1,
        );
    }
    assert_eq!(l.proto(), Some(AppProto::Dicom));
    assert!(n > 0);
}
