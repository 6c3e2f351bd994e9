//! Kerberos on messages captured here: MIT krb5 1.20 `kinit` and `kvno`
//! against MIT `krb5kdc` on loopback (realm EXAMPLE.ORG).
//!
//! `kinit-udp.pcap`: alice with the right password (PREAUTH_REQUIRED, then
//! AS-REP), `kvno host/srv` (TGS-REP), `kvno host/nope` (TGS error
//! S_PRINCIPAL_UNKNOWN, twice), alice with a wrong password
//! (PREAUTH_REQUIRED, PREAUTH_FAILED), unknown `nobody`
//! (C_PRINCIPAL_UNKNOWN), `revoked` (CLIENT_REVOKED).
//! `kinit-tcp.pcap`: the same over TCP (`udp_preference_limit = 1`): alice
//! right, `kvno host/srv`, alice wrong; one connection per exchange.

use super::*;
use crate::app::Outcome;
use crate::app::testkit::{Recorder, Rng, conversations, segments};

const UDP: &[u8] = include_bytes!("../../../tests/fixtures/krb5/kinit-udp.pcap");
const TCP: &[u8] = include_bytes!("../../../tests/fixtures/krb5/kinit-tcp.pcap");

fn dir_of(dst_port: u16) -> Direction {
    if dst_port == 88 {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

fn recorder() -> Recorder {
    Recorder {
        buffers: vec![BufferId::Krb5Cname, BufferId::Krb5Sname],
        ..Recorder::default()
    }
}

/// The TCP capture's connections: [(dir, payload)].
type Conn = Vec<(Direction, Vec<u8>)>;

fn tcp_connections() -> Vec<Conn> {
    assert!(segments(TCP).iter().all(|s| !s.udp));
    conversations(TCP, &[88])
        .into_iter()
        .map(|c| c.segments)
        .collect()
}

fn triples(r: &Recorder) -> Vec<(String, Outcome, String)> {
    r.login_triples()
}

#[test]
fn kinit_over_udp() {
    let mut r = recorder();
    let mut p = Krb5UdpParser::new();
    for s in segments(UDP) {
        assert!(s.udp);
        assert!(probe_udp(s.src_port, s.dst_port, &s.payload));
        p.datagram(dir_of(s.dst_port), &s.payload, &mut r);
    }
    assert_eq!(
        triples(&r),
        vec![
            ("alice".into(), Outcome::Success, "KRB_AS_REP".into()),
            (
                "alice".into(),
                Outcome::Failure,
                "KDC_ERR_PREAUTH_FAILED".into()
            ),
            (
                "nobody".into(),
                Outcome::Failure,
                "KDC_ERR_C_PRINCIPAL_UNKNOWN (client unknown)".into()
            ),
            (
                "revoked".into(),
                Outcome::Failure,
                "KDC_ERR_CLIENT_REVOKED (client revoked: account disabled or locked out)".into()
            ),
        ]
    );
    assert!(
        r.logins
            .iter()
            .all(|l| l.domain.as_deref() == Some("EXAMPLE.ORG"))
    );
    assert_eq!(p.memory(), 0);
    assert_eq!(r.txs.len(), 18);
    // Nine exchanges, nine records; TGS ones included, no login for them.
    let rec: Vec<&serde_json::Value> = r.records.iter().map(|(_, v)| v).collect();
    assert_eq!(rec.len(), 9);
    assert_eq!(rec[0]["msg_type"], "KRB_ERROR");
    assert_eq!(rec[0]["error_code"], "KDC_ERR_PREAUTH_REQUIRED");
    assert_eq!(rec[0]["failed_request"], "KRB_AS_REQ");
    assert_eq!(rec[1]["msg_type"], "KRB_AS_REP");
    assert_eq!(rec[1]["cname"], "alice");
    assert_eq!(rec[1]["realm"], "EXAMPLE.ORG");
    assert_eq!(rec[1]["sname"], "krbtgt/EXAMPLE.ORG");
    assert_eq!(rec[1]["encryption"], "aes256-cts-hmac-sha1-96");
    assert_eq!(rec[1]["weak_encryption"], false);
    assert_eq!(rec[2]["msg_type"], "KRB_TGS_REP");
    assert_eq!(rec[2]["sname"], "host/srv.example.org");
    assert_eq!(rec[3]["error_code"], "KDC_ERR_S_PRINCIPAL_UNKNOWN");
    assert_eq!(rec[3]["failed_request"], "KRB_TGS_REQ");
    // Buffers: the TGS-REQ has no cname (it is encrypted), only an sname.
    let tgs_req = &r.values[4];
    assert_eq!(
        tgs_req,
        &vec![(BufferId::Krb5Sname, b"host/srv.example.org".to_vec())]
    );
    assert_eq!(r.values[0][0], (BufferId::Krb5Cname, b"alice".to_vec()));
}

#[test]
fn kinit_over_tcp_split_at_every_byte() {
    let conns = tcp_connections();
    assert_eq!(conns.len(), 5);
    let whole = {
        let mut r = recorder();
        for segs in &conns {
            assert_eq!(probe_tcp(segs[0].0, 88, &segs[0].1), Probe::Yes);
            let mut p = Krb5TcpParser::new();
            for (dir, data) in segs {
                p.parse(*dir, data, &mut r);
            }
            p.close(Direction::ToClient, &mut r);
            assert_eq!(p.memory(), 0);
        }
        r
    };
    assert_eq!(
        triples(&whole),
        vec![
            ("alice".into(), Outcome::Success, "KRB_AS_REP".into()),
            (
                "alice".into(),
                Outcome::Failure,
                "KDC_ERR_PREAUTH_FAILED".into()
            ),
        ]
    );
    assert_eq!(whole.records.len(), 5);
    // Every message split at every offset gives the same.
    for segs in &conns {
        for (k, (dir, data)) in segs.iter().enumerate() {
            for cut in 1..data.len() {
                let mut a = recorder();
                let mut pa = Krb5TcpParser::new();
                let mut b = recorder();
                let mut pb = Krb5TcpParser::new();
                for (j, (d, x)) in segs.iter().enumerate() {
                    pa.parse(*d, x, &mut a);
                    if j == k {
                        pb.parse(*dir, &x[..cut], &mut b);
                        pb.parse(*dir, &x[cut..], &mut b);
                    } else {
                        pb.parse(*d, x, &mut b);
                    }
                }
                assert_eq!(a.txs, b.txs, "cut {cut}");
                assert_eq!(a.logins, b.logins, "cut {cut}");
                assert_eq!(a.records, b.records, "cut {cut}");
            }
            let _ = data;
        }
    }
}

#[test]
fn pipelined_frames_and_one_byte_at_a_time() {
    // Both requests of the first connection and a second AS-REQ in one call.
    let conns = tcp_connections();
    let req = &conns[0][0].1;
    let rep = &conns[0][1].1;
    let mut all = req.clone();
    all.extend_from_slice(req);
    let mut r = recorder();
    let mut p = Krb5TcpParser::new();
    for b in &all {
        p.parse(Direction::ToServer, std::slice::from_ref(b), &mut r);
    }
    assert_eq!(r.txs.len(), 2);
    p.parse(Direction::ToClient, rep, &mut r);
    // PREAUTH_REQUIRED answers the first; the second is never answered.
    assert!(r.logins.is_empty());
    p.close(Direction::ToClient, &mut r);
    assert_eq!(
        triples(&r),
        vec![("alice".into(), Outcome::Unknown, "no answer".into())]
    );
}

#[test]
fn lone_error_without_its_request() {
    // A one-sided capture: only the KDC's answer to `nobody`.
    let segs = segments(UDP);
    let err = &segs[15].payload;
    let mut r = recorder();
    let mut p = Krb5UdpParser::new();
    p.datagram(Direction::ToClient, err, &mut r);
    assert_eq!(r.logins.len(), 1);
    assert_eq!(r.logins[0].outcome, Outcome::Failure);
    // A lone PREAUTH_REQUIRED is nothing.
    let mut r = recorder();
    p.datagram(Direction::ToClient, &segs[1].payload, &mut r);
    assert!(r.logins.is_empty());
}

#[test]
fn error_outcomes() {
    assert_eq!(error_outcome(25), None);
    assert_eq!(error_outcome(91), None);
    assert_eq!(error_outcome(52), None);
    assert_eq!(
        error_outcome(37),
        Some((
            Outcome::Failure,
            "KRB_AP_ERR_SKEW (clock skew too great)".into()
        ))
    );
    assert_eq!(
        error_outcome(200),
        Some((Outcome::Failure, "KRB_ERROR 200".into()))
    );
}

#[test]
fn probes_are_strict() {
    let segs = segments(UDP);
    let req = &segs[0].payload;
    assert!(probe_udp(40000, 4000, req), "content, not port");
    let mut bad = req.clone();
    bad[0] = 0x6e; // [APPLICATION 14] AP-REQ is not a KDC message
    assert!(!probe_udp(40000, 88, &bad));
    assert!(!probe_udp(40000, 88, &req[..req.len() - 1]));
    assert!(!probe_udp(40000, 88, b"\x6a\x03\x02\x01\x05"));
    // TCP: length, tag, sequence and pvno, byte by byte.
    let tcp = &tcp_connections()[0][0].1;
    // 4 (length) + 3 (0x6a 0x81 len) + 3 (0x30 0x81 len) + 5 (pvno).
    for n in 0..15 {
        assert_eq!(
            probe_tcp(Direction::ToServer, 88, &tcp[..n]),
            Probe::NeedMore,
            "{n}"
        );
    }
    assert_eq!(probe_tcp(Direction::ToServer, 88, &tcp[..15]), Probe::Yes);
    let mut bad = tcp.clone();
    bad[3] ^= 1;
    assert_eq!(
        probe_tcp(Direction::ToServer, 88, &bad),
        Probe::No,
        "length"
    );
    for other in [
        &b"GET / HTTP/1.1\r\n"[..],
        b"\x00\x00\x00\x85\xffSMBr",
        b"\x00\x00\x00\x54\xfeSMB@\x00",
        b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00",
    ] {
        assert_eq!(probe_tcp(Direction::ToServer, 88, other), Probe::No);
    }
}

#[test]
fn oversized_and_garbage_frames() {
    let mut r = recorder();
    let mut p = Krb5TcpParser::new();
    // A 1 MiB frame is skipped without being buffered; the next one parses.
    let mut big = (1u32 << 20).to_be_bytes().to_vec();
    big.extend(std::iter::repeat_n(0u8, 4096));
    p.parse(Direction::ToServer, &big, &mut r);
    assert!(p.memory() < 1024);
    p.parse(Direction::ToServer, &vec![0u8; (1 << 20) - 4096], &mut r);
    let req = &tcp_connections()[0][0].1;
    p.parse(Direction::ToServer, req, &mut r);
    assert_eq!(p.oversized, 1);
    assert_eq!(r.txs.len(), 1);
    // A frame that is not Kerberos stops the direction.
    p.parse(Direction::ToServer, b"\x00\x00\x00\x04abcd", &mut r);
    p.parse(Direction::ToServer, req, &mut r);
    assert_eq!(r.txs.len(), 1);
}

#[test]
fn mutations_never_panic() {
    let mut rng = Rng(0x5eed_0088);
    let udp: Vec<Vec<u8>> = segments(UDP).into_iter().map(|s| s.payload).collect();
    let conns = tcp_connections();
    let mut r = recorder();
    let mut u = Krb5UdpParser::new();
    for i in 0..3000 {
        let m = rng.mutate(&udp[i % udp.len()]);
        u.datagram(Direction::ToServer, &m, &mut r);
        let _ = probe_udp(1, 88, &m);
        assert!(u.memory() < 256 * 1024);
    }
    for i in 0..2000 {
        let segs = &conns[i % conns.len()];
        let mut p = Krb5TcpParser::new();
        for (dir, data) in segs {
            let m = rng.mutate(data);
            let _ = probe_tcp(*dir, 88, &m);
            p.parse(*dir, &m, &mut r);
            assert!(p.memory() <= 2 * (MAX_MESSAGE + 4) + 64 * 1024);
        }
        p.close(Direction::ToClient, &mut r);
    }
}
