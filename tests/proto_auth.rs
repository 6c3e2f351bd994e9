//! RADIUS, LDAP and Kerberos end to end: the binary replays captures made
//! here from real servers (tests/fixtures/{radius,ldap,krb5}/, see the
//! parsers' tests for what each holds) and writes `login` events, app-layer
//! records and alerts from rules on `krb5.cname` / `krb5.sname` and on the
//! protocols' rule headers.

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

const RULES: &str = r#"alert krb5 any any -> any any (msg:"krb5 cname nobody"; krb5.cname; content:"nobody"; sid:1001;)
alert krb5 any any -> any any (msg:"krb5 sname nope"; krb5_sname; content:"host/nope"; sid:1002;)
alert radius any any -> any any (msg:"radius"; sid:1003;)
alert ldap any any -> any any (msg:"ldap"; sid:1004;)
alert krb5 any any -> any any (msg:"krb5"; sid:1005;)
alert krb5 any any -> any any (msg:"krb5 cname alice"; krb5.cname; content:"alice"; sid:1006;)
"#;

/// Replays `fixture` with all the rules; returns the EVE events.
fn replay(fixture: &str) -> Vec<Value> {
    replay_fixtures(
        &[fixture],
        &["alert", "login", "radius", "ldap", "krb5"],
        RULES,
        &[],
    )
    .events
}

/// `(account, outcome, reason)` of each login event, sorted (workers may
/// interleave flows).
fn logins(events: &[Value], proto: &str) -> Vec<(String, String, String)> {
    let mut v = login_triples(events, proto, "");
    v.sort();
    v
}

/// The sids that alerted, sorted and deduplicated, and how often each did.
fn sids(events: &[Value]) -> Vec<(u64, usize)> {
    let mut all: Vec<u64> = events_of_type(events, "alert")
        .iter()
        .filter_map(|e| e["alert"]["signature_id"].as_u64())
        .collect();
    all.sort_unstable();
    let mut out: Vec<(u64, usize)> = Vec::new();
    for s in all {
        match out.last_mut() {
            Some((last, n)) if *last == s => *n += 1,
            _ => out.push((s, 1)),
        }
    }
    out
}

fn t(a: &str, o: &str, r: &str) -> (String, String, String) {
    (a.into(), o.into(), r.into())
}

#[test]
fn radius_logins_records_and_header_rule() {
    let ev = replay("radius/radtest.pcap");
    assert_eq!(
        logins(&ev, "radius"),
        vec![
            t("bob", "failure", "Login incorrect"),
            t("bob", "success", "Access-Accept"),
            t("carol", "failure", "Login incorrect"),
        ]
    );
    let rec = events_of_type(&ev, "radius");
    assert_eq!(rec.len(), 6);
    let carol = rec
        .iter()
        .find(|e| e["radius"]["code"] == "Access-Request" && e["radius"]["user_name"] == "carol")
        .expect("carol's request");
    assert_eq!(carol["radius"]["nas_identifier"], "ap-ward3");
    assert_eq!(carol["radius"]["calling_station_id"], "02-00-00-00-00-01");
    assert_eq!(carol["dest_port"], 1812);
    // The Reject is written from the server's side.
    let reject = rec
        .iter()
        .find(|e| e["radius"]["code"] == "Access-Reject")
        .expect("reject");
    assert_eq!(reject["src_port"], 1812);
    // Only the radius header rule, on each of the six datagrams.
    assert_eq!(sids(&ev), vec![(1003, 6)]);
}

#[test]
fn ldap_logins_records_and_header_rule() {
    let ev = replay("ldap/slapd-binds.pcap");
    assert_eq!(
        logins(&ev, "ldap"),
        vec![
            t(
                "bob",
                "failure",
                "invalidCredentials: SASL(-13): user not found: no secret in database [SASL DIGEST-MD5]"
            ),
            t(
                "cn=admin,dc=example,dc=org",
                "failure",
                "invalidCredentials"
            ),
            t("cn=admin,dc=example,dc=org", "success", "success"),
            t(
                "cn=nobody,dc=example,dc=org",
                "failure",
                "invalidCredentials"
            ),
        ]
    );
    let rec = events_of_type(&ev, "ldap");
    assert_eq!(rec.len(), 15);
    let binds = rec
        .iter()
        .filter(|e| e["ldap"]["request"]["operation"] == "bind_request")
        .count();
    assert_eq!(binds, 6);
    assert!(rec.iter().any(|e| {
        e["ldap"]["responses"][0]["bind_response"]["result_code"] == "invalid_credentials"
    }));
    let s = sids(&ev);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].0, 1004);
}

#[test]
fn krb5_udp_logins_records_and_buffer_rules() {
    let ev = replay("krb5/kinit-udp.pcap");
    assert_eq!(
        logins(&ev, "krb5"),
        vec![
            t("alice", "failure", "KDC_ERR_PREAUTH_FAILED"),
            t("alice", "success", "KRB_AS_REP"),
            t(
                "nobody",
                "failure",
                "KDC_ERR_C_PRINCIPAL_UNKNOWN (client unknown)"
            ),
            t(
                "revoked",
                "failure",
                "KDC_ERR_CLIENT_REVOKED (client revoked: account disabled or locked out)"
            ),
        ]
    );
    assert!(
        events_of_type(&ev, "login")
            .iter()
            .all(|e| e["login"]["domain"] == "EXAMPLE.ORG")
    );
    let rec = events_of_type(&ev, "krb5");
    assert_eq!(rec.len(), 9);
    let rep = rec
        .iter()
        .find(|e| e["krb5"]["msg_type"] == "KRB_AS_REP")
        .expect("AS-REP");
    assert_eq!(rep["krb5"]["cname"], "alice");
    assert_eq!(rep["krb5"]["sname"], "krbtgt/EXAMPLE.ORG");
    assert_eq!(rep["krb5"]["encryption"], "aes256-cts-hmac-sha1-96");
    assert_eq!(rep["krb5"]["weak_encryption"], false);
    assert_eq!(
        rec.iter()
            .filter(|e| e["krb5"]["error_code"] == "KDC_ERR_PREAUTH_REQUIRED")
            .count(),
        2
    );
    // krb5.cname and krb5.sname are request buffers, as Suricata registers
    // them: cname "nobody": its AS-REQ; sname host/nope: the two TGS-REQs;
    // "alice": her four AS-REQs (not the TGS-REQs, whose cname is
    // encrypted). The header rule sees all 18 messages.
    let s = sids(&ev);
    assert_eq!(s, vec![(1001, 1), (1002, 2), (1005, 18), (1006, 4)]);
    let nobody: Vec<_> = events_of_type(&ev, "alert")
        .into_iter()
        .filter(|e| e["alert"]["signature_id"] == 1001)
        .collect();
    assert!(
        nobody
            .iter()
            .all(|e| e["src_port"] == 88 || e["dest_port"] == 88)
    );
}

#[test]
fn krb5_tcp_logins_and_rules() {
    let ev = replay("krb5/kinit-tcp.pcap");
    assert_eq!(
        logins(&ev, "krb5"),
        vec![
            t("alice", "failure", "KDC_ERR_PREAUTH_FAILED"),
            t("alice", "success", "KRB_AS_REP"),
        ]
    );
    assert_eq!(events_of_type(&ev, "krb5").len(), 5);
    // Neither "nobody" nor "host/nope" is in this capture.
    let s: Vec<u64> = sids(&ev).into_iter().map(|(sid, _)| sid).collect();
    assert_eq!(s, vec![1005, 1006]);
}

/// A RADIUS Access-Request that no server answers: the flow times out (here:
/// the replay ends) and the attempt is reported with an unknown outcome.
#[test]
fn unanswered_radius_request_is_unknown_at_flow_end() {
    let mut req = vec![1u8, 42, 0, 0];
    req.extend_from_slice(&[0x11; 16]); // Request Authenticator
    req.extend_from_slice(&[1, 7]); // User-Name "carol"
    req.extend_from_slice(b"carol");
    req.extend_from_slice(&[4, 6, 10, 0, 0, 1]); // NAS-IP-Address
    let len = req.len() as u16;
    req[2..4].copy_from_slice(&len.to_be_bytes());
    let frames = vec![Frame::new(
        T0_MICROS,
        udp(
            Host::v4("10.0.0.1"),
            40001,
            Host::v4("10.0.0.2"),
            1812,
            &req,
        ),
    )];
    let dir = tempfile::tempdir().expect("tmp");
    write_pcap(dir.path().join("a.pcap"), 1, &frames).expect("write");
    std::fs::write(
        dir.path().join("c.toml"),
        "[outputs.eve]\npath = \"e.json\"\ntypes = [\"login\"]\n",
    )
    .expect("write config");
    let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["replay", "-c", "c.toml", "a.pcap"])
        .current_dir(dir.path())
        .output()
        .expect("run wardwatch");
    assert!(out.status.success());
    let events = read_eve(dir.path().join("e.json"));
    let l = logins(&events, "radius");
    assert_eq!(l.len(), 1, "{events:?}");
    assert_eq!(l[0].0, "carol");
    assert_eq!(l[0].1, "unknown");
}
