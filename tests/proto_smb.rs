//! SMB and RDP end to end: the `wardwatch` binary replays captures made with
//! real clients and servers (Samba's smbd, smbclient and rpcclient; xrdp
//! answering FreeRDP and a script sending X.224 Connection Requests), and
//! the EVE output holds exactly the expected `login` events, `smb` / `rdp`
//! records and alerts of rules on `smb.share`, `smb.named_pipe` and the
//! `smb` / `rdp` rule headers.

mod common;

use common::*;
use serde_json::{Value, json};

const RULES: &str = "\
alert smb any any -> any any (msg:\"disk share\"; smb.share; content:\"share\"; endswith; sid:1;)
alert smb any any -> any any (msg:\"srvsvc pipe\"; smb.named_pipe; content:\"srvsvc\"; sid:2;)
alert smb any any -> any any (msg:\"IPC$ tree\"; smb.named_pipe; content:\"IPC$\"; endswith; sid:3;)
alert rdp any any -> any any (msg:\"rdp header\"; flow:to_server; content:\"mstshash\"; sid:4;)
alert smb any any -> any any (msg:\"smb header\"; flow:to_server; sid:5;)
alert smb any any -> any any (msg:\"share is a pipe buffer? no\"; smb.named_pipe; content:\"share\"; endswith; sid:6;)
";

/// Replays `fixture` (under tests/fixtures/) and returns the EVE events.
fn replay(fixture: &str) -> Vec<Value> {
    replay_fixtures(&[fixture], &["alert", "login", "smb", "rdp"], RULES, &[]).events
}

fn logins(events: &[Value]) -> Vec<Value> {
    events_of_type(events, "login")
        .iter()
        .map(|e| e["login"].clone())
        .collect()
}

/// Alert counts by sid, sorted.
fn alerts(events: &[Value]) -> Vec<(u64, usize)> {
    let mut m = std::collections::BTreeMap::new();
    for e in events_of_type(events, "alert") {
        *m.entry(e["alert"]["signature_id"].as_u64().expect("sid"))
            .or_insert(0) += 1;
    }
    m.into_iter().collect()
}

fn records<'a>(events: &'a [Value], t: &str) -> Vec<&'a Value> {
    events_of_type(events, t).iter().map(|e| &e[t]).collect()
}

#[test]
fn smb2_logon_failure() {
    let ev = replay("smb/smb2_logon_failure.pcap");
    assert_eq!(
        logins(&ev),
        vec![
            json!({"protocol": "smb", "account": "nurse", "domain": "WARDTEST",
            "outcome": "failure", "reason": "STATUS_LOGON_FAILURE (NTLM)"})
        ]
    );
    let smb = records(&ev, "smb");
    assert_eq!(smb.len(), 4);
    assert_eq!(smb[0]["smb1"], true);
    assert_eq!(smb[3]["status"], "STATUS_LOGON_FAILURE");
    assert_eq!(
        smb[3]["ntlmssp"],
        json!({"domain": "WARDTEST", "user": "nurse", "host": "VM"})
    );
    let login = &events_of_type(&ev, "login")[0];
    assert_eq!(login["app_proto"], "smb");
    assert_eq!(login["dest_port"], 445);
    // Only the header rule: no tree connect happened.
    let a = alerts(&ev);
    assert!(a.iter().all(|(sid, _)| *sid == 5), "{a:?}");
    assert!(!a.is_empty());
}

#[test]
fn smb2_logon_success_share_and_ipc() {
    let ev = replay("smb/smb2_logon_success.pcap");
    assert_eq!(
        logins(&ev),
        vec![
            json!({"protocol": "smb", "account": "nurse", "domain": "WARDTEST",
            "outcome": "success", "reason": "STATUS_SUCCESS (NTLM)"})
        ]
    );
    let a = alerts(&ev);
    assert!(a.contains(&(1, 1)) && a.contains(&(3, 1)), "{a:?}");
    assert!(!a.iter().any(|(sid, _)| [2, 4, 6].contains(sid)), "{a:?}");
    let smb = records(&ev, "smb");
    assert_eq!(smb.len(), 17);
    let shares: Vec<&Value> = smb.iter().filter_map(|r| r.get("share")).collect();
    assert_eq!(shares, [&json!("\\127.0.0.1\\share")]);
}

#[test]
fn rpcclient_named_pipe() {
    let ev = replay("smb/smb_rpc_pipes.pcap");
    let a = alerts(&ev);
    assert!(a.contains(&(2, 1)) && a.contains(&(3, 1)), "{a:?}");
    assert!(!a.iter().any(|(sid, _)| [1, 4, 6].contains(sid)), "{a:?}");
    assert_eq!(logins(&ev).len(), 1);
}

#[test]
fn smb1_over_netbios_139() {
    let ev = replay("smb/smb1_nbss139_failure.pcap");
    assert_eq!(
        logins(&ev),
        vec![
            json!({"protocol": "smb", "account": "nurse", "domain": "WARDTEST",
            "outcome": "failure", "reason": "STATUS_LOGON_FAILURE (NTLM)"})
        ]
    );
    let smb = records(&ev, "smb");
    assert_eq!(smb.len(), 3);
    assert!(smb.iter().all(|r| r["smb1"] == true));
    assert_eq!(smb[0]["command"], "SMB1_COMMAND_NEGOTIATE_PROTOCOL");
    assert_eq!(events_of_type(&ev, "smb")[0]["dest_port"], 139);
}

#[test]
fn anonymous_listing() {
    let ev = replay("smb/smb_anonymous.pcap");
    let root = json!({"protocol": "smb", "account": "root", "domain": "WARDTEST",
        "outcome": "failure", "reason": "STATUS_LOGON_FAILURE (NTLM)"});
    let anon = json!({"protocol": "smb", "account": "",
        "outcome": "success", "reason": "STATUS_SUCCESS (NTLM, anonymous)"});
    assert_eq!(logins(&ev), vec![root.clone(), anon.clone(), root, anon]);
}

#[test]
fn rdp_freerdp() {
    let ev = replay("rdp/rdp_freerdp_authonly.pcap");
    assert_eq!(
        logins(&ev),
        vec![
            json!({"protocol": "rdp", "account": "nurse", "outcome": "unknown",
            "reason": "TLS negotiated; outcome encrypted"})
        ]
    );
    assert_eq!(
        records(&ev, "rdp"),
        vec![
            &json!({"tx_id": 0, "event_type": "initial_request", "cookie": "nurse",
                "requested_protocols": ["ssl", "hybrid"]}),
            &json!({"tx_id": 1, "event_type": "initial_response", "protocol": "ssl",
                "server_supports": ["extended_client_data"]}),
        ]
    );
    assert_eq!(events_of_type(&ev, "rdp")[0]["app_proto"], "rdp");
    let a = alerts(&ev);
    assert!(a.iter().all(|(sid, _)| *sid == 4) && !a.is_empty(), "{a:?}");
}

#[test]
fn rdp_legacy_without_cookie() {
    let ev = replay("rdp/rdp_cr_legacy.pcap");
    assert_eq!(
        logins(&ev),
        vec![json!({"protocol": "rdp", "outcome": "unknown",
            "reason": "standard RDP security negotiated; outcome encrypted"})]
    );
    assert!(alerts(&ev).is_empty());
}
