//! The behavioural detectors end to end: captures built here go through the
//! real binary (workers → correlator on the output thread) and must raise
//! exactly the expected `anomaly` alerts, with their evidence, and the same
//! ones whatever the worker count; benign look-alikes raise nothing.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// Replays `frames` with `workers` workers; returns the behavioural alerts.
fn anomalies(dir: &Path, frames: &[Frame], workers: &str) -> Vec<Value> {
    let pcap = dir.join("a.pcap");
    write_pcap(&pcap, 1, frames).expect("write pcap");
    let eve = dir.join(format!("eve{workers}.json"));
    let _ = std::fs::remove_file(&eve);
    let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["replay", "--workers", workers, "--eve"])
        .arg(&eve)
        .arg(&pcap)
        .output()
        .expect("run wardwatch");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    read_eve(&eve)
        .into_iter()
        .filter(|e| e.get("anomaly").is_some())
        .collect()
}

fn scanner() -> Host {
    Host::v4("10.30.0.66")
}

fn ehr() -> Host {
    Host::v4("10.20.0.10")
}

/// A SYN scan of 40 ports, each answered by RST (closed), 50 ms apart.
fn syn_scan(ports: impl Iterator<Item = u16>) -> Vec<Frame> {
    let mut frames = Vec::new();
    for (i, port) in ports.enumerate() {
        let t = T0_MICROS + i as u64 * 50_000;
        frames.push(Frame::new(
            t,
            tcp(scanner(), 51000, ehr(), port, 7, 0, "S", b""),
        ));
        frames.push(Frame::new(
            t + 200,
            tcp(ehr(), port, scanner(), 51000, 0, 8, "RA", b""),
        ));
    }
    frames
}

#[test]
fn syn_scan_raises_one_port_scan_episode_with_evidence() {
    let dir = tempfile::tempdir().expect("tmp");
    let frames = syn_scan(1..=40);
    let mut first = None;
    for workers in ["1", "4"] {
        let got = anomalies(dir.path(), &frames, workers);
        let states: Vec<_> = got
            .iter()
            .map(|e| e["anomaly"]["state"].as_str().unwrap_or("?").to_string())
            .collect();
        assert_eq!(states, ["new", "end"], "{workers} workers: {got:?}");
        let new = &got[0];
        assert_eq!(new["anomaly"]["detector"], "port-scan");
        assert_eq!(new["alert"]["signature_id"], 9100020);
        assert_eq!(new["src_ip"], "10.30.0.66");
        assert_eq!(new["dest_ip"], "10.20.0.10");
        // Raised when the 25th distinct port was probed; the end carries all 40.
        assert_eq!(new["anomaly"]["distinct_ports"], 25);
        assert_eq!(got[1]["anomaly"]["distinct_ports"], 40);
        assert_eq!(got[1]["anomaly"]["episode"], new["anomaly"]["episode"]);
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(f, &got, "1 and 4 workers differ"),
        }
    }
}

#[test]
fn a_few_closed_ports_are_no_scan() {
    let dir = tempfile::tempdir().expect("tmp");
    let got = anomalies(dir.path(), &syn_scan(1..=10), "2");
    assert!(got.is_empty(), "{got:?}");
}

/// `n` FTP sessions from `client`, each one USER/PASS answered by `reply`.
fn ftp_logins(client: Host, n: u16, reply: &[u8]) -> Vec<Frame> {
    let mut frames = Vec::new();
    for i in 0..n {
        let mut s = TcpSession::new(client, 40000 + i, ehr(), 21, 1000, 2000)
            .starting_at(T0_MICROS + u64::from(i) * 2_000_000);
        frames.extend(s.handshake());
        frames.push(s.send(Dir::ToClient, b"220 (vsFTPd 3.0.3)\r\n"));
        frames.push(s.send(Dir::ToServer, format!("USER nurse{}\r\n", i % 3).as_bytes()));
        frames.push(s.send(Dir::ToClient, b"331 Please specify the password.\r\n"));
        frames.push(s.send(Dir::ToServer, b"PASS guess\r\n"));
        frames.push(s.send(Dir::ToClient, reply));
        frames.extend(s.close());
    }
    frames.sort_by_key(|f| f.ts_micros);
    frames
}

#[test]
fn ftp_password_guessing_raises_login_flood_with_accounts() {
    let dir = tempfile::tempdir().expect("tmp");
    let frames = ftp_logins(scanner(), 12, b"530 Login incorrect.\r\n");
    let got = anomalies(dir.path(), &frames, "2");
    let new: Vec<_> = got
        .iter()
        .filter(|e| e["anomaly"]["state"] == "new")
        .collect();
    assert_eq!(new.len(), 1, "{got:?}");
    let a = &new[0]["anomaly"];
    assert_eq!(a["detector"], "login-flood");
    assert_eq!(new[0]["alert"]["signature_id"], 9100001);
    assert_eq!(new[0]["src_ip"], "10.30.0.66");
    assert_eq!(new[0]["dest_port"], 21);
    let accounts: Vec<_> = a["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    assert!(accounts.contains(&"nurse0".to_string()), "{a}");
}

#[test]
fn many_successful_logins_are_no_flood() {
    let dir = tempfile::tempdir().expect("tmp");
    let frames = ftp_logins(scanner(), 30, b"230 Login successful.\r\n");
    let got = anomalies(dir.path(), &frames, "2");
    assert!(got.is_empty(), "{got:?}");
}

/// A DHCPREQUEST from `mac` asking for `ip` with host name `name`.
fn dhcp_request(mac: [u8; 6], ip: [u8; 4], name: &str) -> Vec<u8> {
    let mut p = vec![0u8; 240];
    p[..3].copy_from_slice(&[1, 1, 6]);
    p[28..34].copy_from_slice(&mac);
    p[236..240].copy_from_slice(&[99, 130, 83, 99]);
    p.extend_from_slice(&[53, 1, 3, 50, 4]);
    p.extend_from_slice(&ip);
    p.extend_from_slice(&[12, name.len() as u8]);
    p.extend_from_slice(name.as_bytes());
    p.push(255);
    p
}

/// The inventory is learnt from traffic, kept across runs, exported as the
/// equipment ledger by `wardwatch assets`, and after the learning period a
/// device never seen before raises one `new-device` alert.
#[test]
fn device_inventory_persists_and_new_devices_alert_after_learning() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let cfg = "[new-device]\ninventory_file = \"inv.json\"\nlearning_secs = 3600\n";
    let run = |frames: &[Frame]| {
        replay_detectors(d, cfg, &[], frames, "1")
            .into_iter()
            .filter(|e| e["anomaly"]["detector"] == "new-device")
            .collect::<Vec<_>>()
    };
    // Day one: the CT scanner asks DHCP for its address, then talks to PACS.
    let ct = Host::new(
        [0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c],
        "10.20.30.40".parse().expect("ip"),
    );
    let pacs = Host::v4("10.20.0.5");
    let dhcp = Host::v4("10.20.0.1");
    let mut frames = vec![Frame::new(
        T0_MICROS,
        udp(
            ct,
            68,
            dhcp,
            67,
            &dhcp_request(ct.mac, [10, 20, 30, 40], "ct-scanner-2"),
        ),
    )];
    let mut s = TcpSession::new(ct, 40001, pacs, 104, 1, 2).starting_at(T0_MICROS + 1_000_000);
    frames.extend(s.handshake());
    frames.extend(s.close());
    assert!(run(&frames).is_empty(), "learning: no alert");
    let csv = wardwatch_in(d, &["assets", "-c", "c.toml", "--format", "csv"]);
    assert!(
        csv.starts_with("mac,vendor,ip_addresses,hostnames,"),
        "{csv}"
    );
    let row = csv
        .lines()
        .find(|l| l.contains("ct-scanner-2"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        row.to_ascii_lowercase().contains("00:1b:21:0a:0b:0c"),
        "{row}"
    );
    assert!(row.contains("10.20.30.40"), "{row}");
    // Two hours later (learning over): the known scanner talks again, and a
    // laptop nobody has seen appears.
    let later = T0_MICROS + 2 * 3600 * 1_000_000;
    let laptop = Host::new(
        [0x02, 0x42, 0xac, 0x11, 0x00, 0x09],
        "10.20.9.9".parse().expect("ip"),
    );
    let mut frames = Vec::new();
    let mut s = TcpSession::new(ct, 40002, pacs, 104, 1, 2).starting_at(later);
    frames.extend(s.handshake());
    frames.extend(s.close());
    let mut s = TcpSession::new(laptop, 50000, pacs, 104, 1, 2).starting_at(later + 500_000);
    frames.extend(s.handshake());
    frames.extend(s.close());
    frames.sort_by_key(|f| f.ts_micros);
    let alerts = run(&frames);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["alert"]["signature_id"], 9100050);
    assert_eq!(alerts[0]["src_ip"], "10.20.9.9", "{alerts:?}");
}
