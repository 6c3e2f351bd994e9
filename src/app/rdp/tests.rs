//! RDP tests on captured bytes (xrdp answering FreeRDP and a script sending
//! real X.224 Connection Requests) and hand-made TPDUs.

use super::*;
use crate::app::testkit::{Conversation, Recorder, conversations, replay};

const TLS: &[u8] = include_bytes!("../../../tests/fixtures/rdp/rdp_cr_tls.pcap");
const NLA_ONLY: &[u8] = include_bytes!("../../../tests/fixtures/rdp/rdp_cr_nla_only.pcap");
const LEGACY: &[u8] = include_bytes!("../../../tests/fixtures/rdp/rdp_cr_legacy.pcap");
const FREERDP: &[u8] = include_bytes!("../../../tests/fixtures/rdp/rdp_freerdp_authonly.pcap");

fn conn(pcap: &[u8]) -> Conversation {
    conversations(pcap, &[3389]).remove(0)
}

fn run(pcap: &[u8]) -> (RdpParser, Recorder) {
    let mut p = RdpParser::new();
    let s = replay(&mut p, &conn(pcap), &[]);
    (p, s)
}

fn json(s: &Recorder, i: usize) -> serde_json::Value {
    s.records[i].1.clone()
}

#[test]
fn freerdp_requests_tls_and_nla_and_gets_tls() {
    let (p, s) = run(FREERDP);
    assert_eq!(
        json(&s, 0),
        serde_json::json!({"tx_id": 0, "event_type": "initial_request", "cookie": "nurse",
            "requested_protocols": ["ssl", "hybrid"]})
    );
    assert_eq!(
        json(&s, 1),
        serde_json::json!({"tx_id": 1, "event_type": "initial_response", "protocol": "ssl",
            "server_supports": ["extended_client_data"]})
    );
    assert_eq!(s.logins.len(), 1);
    let l = &s.logins[0];
    assert_eq!(l.protocol, AppProto::Rdp);
    assert_eq!(l.outcome, Outcome::Unknown);
    assert_eq!(l.account.as_deref(), Some("nurse"));
    assert_eq!(l.reason, "TLS negotiated; outcome encrypted");
    // TLS follows: nothing else is parsed, nothing kept.
    assert_eq!(p.memory(), "nurse".len());
    assert_eq!(s.txs.len(), 2);
}

#[test]
fn script_requests() {
    let (_, s) = run(TLS);
    assert_eq!(s.records[0].1["cookie"], "drsmith");
    assert_eq!(
        s.records[0].1["requested_protocols"],
        serde_json::json!(["ssl", "hybrid"])
    );
    assert_eq!(s.logins[0].account.as_deref(), Some("drsmith"));
    assert_eq!(s.logins[0].reason, "TLS negotiated; outcome encrypted");
    // xrdp cannot do NLA: offered CredSSP only, it picks standard security.
    let (_, s) = run(NLA_ONLY);
    assert_eq!(
        s.records[0].1["requested_protocols"],
        serde_json::json!(["hybrid"])
    );
    assert_eq!(s.records[1].1["protocol"], "rdp");
    assert_eq!(s.logins[0].account.as_deref(), Some("administrator"));
    assert_eq!(
        s.logins[0].reason,
        "standard RDP security negotiated; outcome encrypted"
    );
    // No cookie, no negotiation request: a pre-5.2 client.
    let (_, s) = run(LEGACY);
    assert_eq!(
        json(&s, 0),
        serde_json::json!({"tx_id": 0, "event_type": "initial_request"})
    );
    assert_eq!(
        json(&s, 1),
        serde_json::json!({"tx_id": 1, "event_type": "initial_response"})
    );
    assert_eq!(s.logins[0].account, None);
}

const NLA_CR: &[u8] =
    b"\x03\x00\x00\x2f\x2a\xe0\x00\x00\x00\x00\x00Cookie: mstshash=administr\r\n\x01\x00\x08\x00\x0b\x00\x00\x00";
const HYBRID_REQUIRED: &[u8] =
    b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x03\x00\x08\x00\x05\x00\x00\x00";
const HYBRID_SELECTED: &[u8] =
    b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x1f\x08\x00\x02\x00\x00\x00";

#[test]
fn negotiation_failure_and_nla() {
    assert_eq!(NLA_CR.len(), 0x2f);
    let mut p = RdpParser::new();
    let mut s = Recorder::default();
    p.parse(Direction::ToServer, NLA_CR, &mut s);
    p.parse(Direction::ToClient, HYBRID_REQUIRED, &mut s);
    assert_eq!(
        json(&s, 1),
        serde_json::json!({"tx_id": 1, "event_type": "initial_response", "error_code": 5,
            "reason": "hybrid required by server"})
    );
    assert_eq!(
        s.logins[0].reason,
        "negotiation failed: hybrid required by server"
    );
    assert_eq!(s.logins[0].account.as_deref(), Some("administr"));

    let mut p = RdpParser::new();
    let mut s = Recorder::default();
    p.parse(Direction::ToServer, NLA_CR, &mut s);
    p.parse(Direction::ToClient, HYBRID_SELECTED, &mut s);
    assert_eq!(
        s.records[0].1["requested_protocols"],
        serde_json::json!(["ssl", "hybrid", "hybrid_ex"])
    );
    assert_eq!(
        s.records[1].1["server_supports"],
        serde_json::json!([
            "extended_client_data",
            "dynvc_gfx",
            "restricted_admin",
            "redirected_authentication"
        ])
    );
    assert_eq!(
        s.logins[0].reason,
        "NLA (CredSSP) negotiated; outcome encrypted"
    );
    // Closing afterwards reports nothing more.
    p.close(Direction::ToClient, &mut s);
    assert_eq!(s.logins.len(), 1);
}

#[test]
fn no_confirm_is_reported_at_close() {
    let mut p = RdpParser::new();
    let mut s = Recorder::default();
    p.parse(Direction::ToServer, NLA_CR, &mut s);
    assert!(s.logins.is_empty());
    p.close(Direction::ToServer, &mut s);
    assert!(s.logins.is_empty());
    p.close(Direction::ToClient, &mut s);
    assert_eq!(s.logins.len(), 1);
    assert_eq!(s.logins[0].reason, "no X.224 Connection Confirm");
}

#[test]
fn split_at_every_offset() {
    let c = conn(FREERDP);
    let want = format!("{:?}", replay(&mut RdpParser::new(), &c, &[]).records);
    let cr = NLA_CR;
    for k in 0..=cr.len() {
        let mut p = RdpParser::new();
        let mut s = Recorder::default();
        p.parse(Direction::ToServer, &cr[..k], &mut s);
        p.parse(Direction::ToServer, &cr[k..], &mut s);
        assert_eq!(s.records.len(), 1, "split at {k}");
        assert_eq!(s.records[0].1["cookie"], "administr");
    }
    for k in 0..64 {
        let mut p = RdpParser::new();
        let mut s = Recorder::default();
        for (d, b) in &c.segments {
            let (a, z) = b.split_at(k.min(b.len()));
            p.parse(*d, a, &mut s);
            p.parse(*d, z, &mut s);
        }
        assert_eq!(format!("{:?}", s.records), want);
    }
}

#[test]
fn probe_accepts_rdp_and_refuses_cotp() {
    assert_eq!(probe(Direction::ToServer, 40000, NLA_CR), Probe::Yes);
    assert_eq!(
        probe(Direction::ToServer, 40000, &NLA_CR[..13]),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToServer, 40000, &NLA_CR[..3]),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToClient, 40000, HYBRID_SELECTED),
        Probe::Yes
    );
    assert_eq!(
        probe(Direction::ToServer, 40000, HYBRID_SELECTED),
        Probe::No
    );
    let legacy = conn(LEGACY);
    assert_eq!(
        probe(Direction::ToServer, 3389, &legacy.segments[0].1),
        Probe::Yes
    );
    assert_eq!(
        probe(Direction::ToServer, 102, &legacy.segments[0].1),
        Probe::No
    );
    // S7comm's COTP Connection Request (TSAP parameters) on port 102.
    let s7 =
        b"\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc1\x02\x01\x00\xc2\x02\x01\x02\xc0\x01\x0a";
    assert_eq!(probe(Direction::ToServer, 102, s7), Probe::No);
    for other in [
        &b"GET / HTTP/1.1\r\n"[..],
        b"\x16\x03\x01\x00\x05",
        b"\x00\x00\x00\x45\xfeSMB",
    ] {
        assert_eq!(probe(Direction::ToServer, 3389, other), Probe::No);
    }
}

#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = 0xfeed_f00d_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let c = conn(FREERDP);
    for _ in 0..3000 {
        let mut p = RdpParser::new();
        let mut s = Recorder::default();
        for (d, b) in c
            .segments
            .iter()
            .take(4)
            .chain([(Direction::ToServer, NLA_CR.to_vec())].iter())
        {
            let mut b = b.clone();
            for _ in 0..(next() % 4) {
                if !b.is_empty() {
                    let at = (next() as usize) % b.len();
                    b[at] = next() as u8;
                }
            }
            b.truncate((next() as usize) % (b.len() + 1) + b.len() / 2);
            let _ = probe(*d, 3389, &b);
            p.parse(*d, &b, &mut s);
            assert!(p.memory() <= 2 * MAX_TPKT_KEEP + MAX_COOKIE);
        }
        p.close(Direction::ToClient, &mut s);
        assert!(s.logins.len() <= 1);
    }
}
