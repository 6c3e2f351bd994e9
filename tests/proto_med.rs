//! The medical and database protocols end to end: the `wardwatch` binary
//! replays the captures made here (tests/fixtures/{dicom,hl7,mysql,pgsql,
//! tds}/, see each parser's tests for how) and writes `login`, app-layer
//! records and alerts of rules on each protocol's buffers and headers.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const RULES: &str = r#"
alert dicom any any -> any any (msg:"dicom calling SCANNER"; dicom.calling_ae; content:"SCANNER"; sid:1001;)
alert dicom any any -> any any (msg:"dicom called ARCHIVE"; dicom.called_ae; content:"ARCHIVE"; sid:1002;)
alert dicom any any -> any any (msg:"dicom store"; dicom.command; content:"C-STORE-RQ"; sid:1003;)
alert dicom any any -> any any (msg:"dicom header"; content:"1.2.840.10008.1.1"; sid:1004;)
alert hl7 any any -> any any (msg:"hl7 ORU"; hl7.message_type; content:"ORU^R01"; sid:2001;)
alert hl7 any any -> any any (msg:"hl7 analyzer"; hl7.sending_app; content:"ANALYZER"; sid:2002;)
alert hl7 any any -> any any (msg:"hl7 query"; hl7.msh; content:"|7c|QRY^A19|7c|"; sid:2003;)
alert hl7 any any -> any any (msg:"hl7 header"; content:"MSA|7c|AR|7c|"; sid:2004;)
alert mysql any any -> any any (msg:"mysql denied"; content:"Access denied"; sid:3001;)
alert pgsql any any -> any any (msg:"pgsql denied"; content:"28P01"; sid:4001;)
alert tds any any -> any any (msg:"tds tsql"; content:"T|00|S|00|Q|00|L|00|"; sid:5001;)
"#;

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    v.sort();
    v
}

/// Replays `files` with the rules above; returns the EVE events.
fn replay(files: &[PathBuf]) -> Vec<Value> {
    let types = ["alert", "login", "dicom", "hl7", "mysql", "pgsql", "tds"];
    let r = replay_fixtures(files, &types, RULES, &["--workers", "1"]);
    assert!(r.stdout.contains("11 loaded, 0 skipped"), "{}", r.stdout);
    r.events
}

/// (protocol, account, outcome, reason) of every login event, in order.
fn logins(events: &[Value]) -> Vec<(String, String, String, String)> {
    events_of_type(events, "login")
        .iter()
        .map(|e| {
            let l = &e["login"];
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (s("protocol"), s("account"), s("outcome"), s("reason"))
        })
        .collect()
}

/// Signature ids of the alerts, sorted.
fn sids(events: &[Value]) -> Vec<u64> {
    let mut v: Vec<u64> = events_of_type(events, "alert")
        .iter()
        .filter_map(|e| e["alert"]["signature_id"].as_u64())
        .collect();
    v.sort();
    v
}

fn l(p: &str, a: &str, o: &str, r: &str) -> (String, String, String, String) {
    (p.into(), a.into(), o.into(), r.into())
}

#[test]
fn dicom_associations_logins_records_and_rules() {
    let ev = replay(&fixtures("dicom"));
    // Files in name order: dcmqrscp, dcmtk, pynetdicom.
    let dicom_ok = |a: &str| l("dicom", a, "success", "A-ASSOCIATE-AC");
    assert_eq!(
        logins(&ev),
        [
            l(
                "dicom",
                "SCANNER",
                "failure",
                "A-ASSOCIATE-RJ called-AE-title-not-recognized"
            ),
            l(
                "dicom",
                "WORKSTATION1",
                "failure",
                "A-ASSOCIATE-RJ called-AE-title-not-recognized"
            ),
            dicom_ok("WORKSTATION1"),
            dicom_ok("WORKSTATION1"),
            dicom_ok("WORKSTATION1"),
            dicom_ok("MODALITY1"),
            dicom_ok("MODALITY1"),
            dicom_ok("MODALITY1"),
            l(
                "dicom",
                "SCANNER",
                "failure",
                "A-ASSOCIATE-RJ calling-AE-title-not-recognized"
            ),
            dicom_ok("WORKSTATION1"),
        ]
    );
    let recs = events_of_type(&ev, "dicom");
    assert_eq!(recs.len(), 23 + 14 + 8);
    let commands: Vec<&str> = recs
        .iter()
        .filter_map(|e| e["dicom"]["command"].as_str())
        .collect();
    assert_eq!(commands.iter().filter(|c| **c == "C-ECHO-RQ").count(), 3);
    assert_eq!(commands.iter().filter(|c| **c == "C-STORE-RSP").count(), 2);
    assert_eq!(commands.iter().filter(|c| **c == "C-FIND-RSP").count(), 2);
    let rj = recs
        .iter()
        .find(|e| e["dicom"]["reason"] == "calling-AE-title-not-recognized")
        .expect("reject record");
    assert_eq!(rj["app_proto"], "dicom");
    assert_eq!(rj["dicom"]["pdu_type"], "A-ASSOCIATE-RJ");
    // SCANNER requested twice; ARCHIVE called once; two stores; the
    // Verification UID is in the request of every echo association and in
    // each echo command (header rule: once per flow and direction window).
    let s = sids(&ev);
    assert_eq!(s.iter().filter(|x| **x == 1001).count(), 2, "{s:?}");
    assert_eq!(s.iter().filter(|x| **x == 1002).count(), 1, "{s:?}");
    assert_eq!(s.iter().filter(|x| **x == 1003).count(), 2, "{s:?}");
    assert!(s.contains(&1004));
    assert!(s.iter().all(|x| (1001..=1004).contains(x)), "{s:?}");
}

#[test]
fn hl7_messages_records_and_rules() {
    let ev = replay(&fixtures("hl7"));
    assert!(logins(&ev).is_empty());
    let recs = events_of_type(&ev, "hl7");
    let types: Vec<&str> = recs
        .iter()
        .filter_map(|e| e["hl7"]["message_type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "ADT^A01^ADT_A01",
            "ACK^A01^ACK",
            "ORU^R01^ORU_R01",
            "ACK^R01^ACK",
            "QRY^A19",
            "ADT^A01^ADT_A01",
            "ACK^A19^ACK",
            "ACK^A01^ACK"
        ]
    );
    let acks: Vec<&str> = recs
        .iter()
        .filter_map(|e| e["hl7"]["ack_code"].as_str())
        .collect();
    assert_eq!(acks, ["AA", "AE", "AR", "AA"]);
    // No patient data in any event.
    let text = serde_json::to_string(&ev).expect("json");
    assert!(!text.contains("DOE^JANE") && !text.contains("TEST0001"));
    assert_eq!(sids(&ev), [2001, 2002, 2003, 2004]);
}

#[test]
fn mysql_logins() {
    let ev = replay(&fixtures("mysql"));
    assert_eq!(
        logins(&ev),
        [
            l("mysql", "alice", "success", "OK"),
            l("mysql", "alice", "success", "OK"),
            l(
                "mysql",
                "alice",
                "failure",
                "1045 Access denied for user 'alice'@'10.77.0.1' (using password: YES)"
            ),
            l(
                "mysql",
                "mallory",
                "failure",
                "1045 Access denied for user 'mallory'@'10.77.0.1' (using password: YES)"
            ),
        ]
    );
    assert_eq!(events_of_type(&ev, "mysql").len(), 4);
    assert_eq!(sids(&ev), [3001, 3001]);
}

#[test]
fn pgsql_logins() {
    let ev = replay(&fixtures("pgsql"));
    let fail = |u: &str| {
        l(
            "pgsql",
            u,
            "failure",
            &format!("28P01 password authentication failed for user \"{u}\""),
        )
    };
    let ok = |u: &str| l("pgsql", u, "success", "AuthenticationOk");
    assert_eq!(
        logins(&ev),
        [
            ok("alice"),
            fail("alice"),
            ok("bob"),
            fail("bob"),
            fail("ghost"),
            l(
                "pgsql",
                "nobody",
                "failure",
                "28000 pg_hba.conf rejects connection for host \"10.77.0.1\", user \"nobody\", database \"postgres\", no encryption"
            ),
            ok("alice"),
        ]
    );
    assert_eq!(sids(&ev), [4001, 4001, 4001]);
}

#[test]
fn tds_logins() {
    let ev = replay(&fixtures("tds"));
    assert_eq!(
        logins(&ev),
        [
            l("tds", "clinician", "success", "LOGINACK"),
            l("tds", "sa", "failure", "18456 Login failed for user 'sa'."),
        ]
    );
    assert_eq!(events_of_type(&ev, "tds").len(), 2);
    assert_eq!(sids(&ev), [5001, 5001]);
}

#[test]
fn rules_stay_on_their_protocol() {
    // Everything at once: each protocol's rules fire only on its traffic.
    let all: Vec<PathBuf> = ["dicom", "hl7", "mysql", "pgsql", "tds"]
        .iter()
        .flat_map(|d| fixtures(d))
        .collect();
    let ev = replay(&all);
    for a in events_of_type(&ev, "alert") {
        let sid = a["alert"]["signature_id"].as_u64().expect("sid");
        let want = match sid / 1000 {
            1 => "dicom",
            2 => "hl7",
            3 => "mysql",
            4 => "pgsql",
            _ => "tds",
        };
        assert_eq!(a["app_proto"], want, "{a}");
    }
    assert_eq!(logins(&ev).len(), 10 + 4 + 7 + 2);
}
