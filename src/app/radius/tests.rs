//! RADIUS on datagrams captured here: `radtest` and `radclient`
//! (freeradius-utils 3.2) against FreeRADIUS 3.2 on loopback
//! (`tests/fixtures/radius/radtest.pcap`): bob with the right password
//! (Accept, Reply-Message "Welcome, bob"), bob with a wrong one (Reject,
//! "Login incorrect"), carol via a NAS with NAS-Identifier and
//! Calling-Station-Id (Reject).

use super::*;
use crate::app::Outcome;
use crate::app::testkit::{Recorder, Rng, segments};

const PCAP: &[u8] = include_bytes!("../../../tests/fixtures/radius/radtest.pcap");

fn datagrams() -> Vec<(Direction, Vec<u8>, u16, u16)> {
    segments(PCAP)
        .into_iter()
        .map(|s| {
            let dir = if s.dst_port == 1812 {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            (dir, s.payload, s.src_port, s.dst_port)
        })
        .collect()
}

fn run(dgrams: &[(Direction, Vec<u8>, u16, u16)]) -> (RadiusParser, Recorder) {
    let mut p = RadiusParser::new();
    let mut r = Recorder::default();
    for (dir, d, _, _) in dgrams {
        p.datagram(*dir, d, &mut r);
    }
    (p, r)
}

#[test]
fn radtest_capture() {
    let d = datagrams();
    assert_eq!(d.len(), 6);
    assert!(d.iter().all(|(_, b, s, t)| probe(*s, *t, b)));
    let (p, r) = run(&d);
    assert_eq!(
        r.login_triples(),
        vec![
            ("bob".into(), Outcome::Success, "Access-Accept".into()),
            ("bob".into(), Outcome::Failure, "Login incorrect".into()),
            ("carol".into(), Outcome::Failure, "Login incorrect".into()),
        ]
    );
    assert!(r.logins.iter().all(|l| l.protocol == AppProto::Radius));
    assert_eq!(p.memory(), 0, "all answered");
    // Request and answer share their transaction id.
    assert_eq!(
        r.txs,
        vec![
            (Direction::ToServer, 1),
            (Direction::ToClient, 1),
            (Direction::ToServer, 2),
            (Direction::ToClient, 2),
            (Direction::ToServer, 3),
            (Direction::ToClient, 3),
        ]
    );
    let rec: Vec<&serde_json::Value> = r.records.iter().map(|(_, v)| v).collect();
    assert_eq!(rec[0]["code"], "Access-Request");
    assert_eq!(rec[0]["identifier"], 130);
    assert_eq!(rec[0]["user_name"], "bob");
    assert_eq!(rec[0]["nas_ip_address"], "127.0.0.1");
    assert_eq!(rec[1]["code"], "Access-Accept");
    assert_eq!(rec[1]["reply_message"], "Welcome, bob");
    assert_eq!(rec[1]["user_name"], "bob");
    assert_eq!(rec[4]["nas_identifier"], "ap-ward3");
    assert_eq!(rec[4]["calling_station_id"], "02-00-00-00-00-01");
    assert_eq!(rec[4]["nas_ip_address"], "10.1.2.3");
    // Never the password, in any form.
    let all =
        serde_json::to_string(&r.records.iter().map(|(_, v)| v).collect::<Vec<_>>()).expect("json");
    assert!(!all.contains("password"), "{all}");
}

#[test]
fn challenge_is_intermediate_and_retransmission_is_one_attempt() {
    let d = datagrams();
    let (req, accept) = (&d[0].1, &d[1].1);
    let mut challenge = accept.clone();
    challenge[0] = ACCESS_CHALLENGE;
    let mut p = RadiusParser::new();
    let mut r = Recorder::default();
    p.datagram(Direction::ToServer, req, &mut r);
    p.datagram(Direction::ToServer, req, &mut r); // retransmitted
    p.datagram(Direction::ToClient, &challenge, &mut r);
    assert!(r.logins.is_empty());
    assert_eq!(p.memory(), 0);
    // The next round: a new identifier, then the Accept.
    let mut req2 = req.clone();
    req2[1] = req2[1].wrapping_add(1);
    let mut accept2 = accept.clone();
    accept2[1] = req2[1];
    p.datagram(Direction::ToServer, &req2, &mut r);
    p.datagram(Direction::ToClient, &accept2, &mut r);
    assert_eq!(r.logins.len(), 1);
    assert_eq!(r.logins[0].outcome, Outcome::Success);
    assert_eq!(r.txs.len(), 4, "{:?}", r.txs);
}

#[test]
fn unanswered_requests_are_bounded_and_reported_unknown() {
    let req = &datagrams()[0].1;
    let mut p = RadiusParser::new();
    let mut r = Recorder::default();
    // Same identifier, new authenticator: the first one was never answered.
    let mut again = req.clone();
    again[4] ^= 0xff;
    p.datagram(Direction::ToServer, req, &mut r);
    p.datagram(Direction::ToServer, &again, &mut r);
    assert_eq!(
        r.login_triples(),
        vec![("bob".into(), Outcome::Unknown, "no answer".into())]
    );
    for id in 0..=255u8 {
        let mut q = req.clone();
        q[1] = id;
        q[5] ^= 0x55;
        p.datagram(Direction::ToServer, &q, &mut r);
    }
    assert!(p.pending.len() <= MAX_PENDING);
    assert!(p.memory() < 64 * 1024);
}

#[test]
fn answer_without_request_and_status_server() {
    let d = datagrams();
    let mut p = RadiusParser::new();
    let mut r = Recorder::default();
    p.datagram(Direction::ToClient, &d[3].1, &mut r);
    assert!(r.logins.is_empty());
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.records[0].1["reply_message"], "Login incorrect");
    // Status-Server answered by Access-Accept is not a login.
    let mut status = d[0].1.clone();
    status[0] = STATUS_SERVER;
    p.datagram(Direction::ToServer, &status, &mut r);
    p.datagram(Direction::ToClient, &d[1].1, &mut r);
    assert!(r.logins.is_empty());
}

#[test]
fn probe_is_strict() {
    let req = &datagrams()[0].1;
    assert!(probe(40000, 1812, req));
    assert!(probe(1645, 40000, req));
    assert!(!probe(40000, 5000, req), "port is required");
    let mut bad = req.clone();
    bad[0] = 6;
    assert!(!probe(40000, 1812, &bad), "unknown code");
    let mut bad = req.clone();
    bad[3] = bad[3].wrapping_add(1);
    assert!(!probe(40000, 1812, &bad), "length beyond the datagram");
    let mut padded = req.clone();
    padded.extend_from_slice(&[0, 0, 0]);
    assert!(
        probe(40000, 1812, &padded),
        "padding after length is allowed"
    );
    let mut bad = req.clone();
    bad[21] = 1;
    assert!(!probe(40000, 1812, &bad), "attribute length below 2");
    assert!(!probe(40000, 1812, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert!(!probe(40000, 1812, &req[..19]));
}

#[test]
fn mutations_never_panic() {
    let d = datagrams();
    let mut rng = Rng(0x5eed_0001);
    let mut p = RadiusParser::new();
    let mut r = Recorder::default();
    for i in 0..5000 {
        let (dir, b, _, _) = &d[i % d.len()];
        let m = rng.mutate(b);
        p.datagram(*dir, &m, &mut r);
        assert!(p.memory() < 64 * 1024);
    }
}
