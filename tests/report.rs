//! `wardwatch report` end to end: a capture with FortiOS SSL-VPN path
//! traversal attempts (CVE-2018-13379, built-in rule 9000001) is replayed
//! into an EVE file, and the report on that file is checked in both languages.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

const ATTACKER: &str = "203.0.113.50";
const OTHER: &str = "198.51.100.9";
const VPN: &str = "10.20.0.10";

const TRAVERSAL: &str = "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1\r\nHost: vpn.hospital.example\r\n\r\n";

/// One HTTP request from `client` (source port `port`) to the VPN appliance,
/// starting `at_secs` after T0.
fn attempt(client: &str, port: u16, at_secs: u64) -> Vec<Frame> {
    let mut s = TcpSession::new(Host::v4(client), port, Host::v4(VPN), 443, 1000, 2000)
        .starting_at(T0_MICROS + at_secs * 1_000_000);
    let mut f = s.handshake();
    f.extend(s.send_segments(Dir::ToServer, TRAVERSAL.as_bytes(), 1400));
    f.push(s.ack(Dir::ToClient));
    f.extend(s.send_segments(
        Dir::ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        1400,
    ));
    f.push(s.ack(Dir::ToServer));
    f.extend(s.close());
    f
}

fn wardwatch(dir: &Path, args: &[&str], lang_env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wardwatch"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    if let Some(l) = lang_env {
        cmd.env("LANG", l);
    }
    let out = cmd.output().expect("run wardwatch");
    assert!(
        out.status.success(),
        "wardwatch {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Three attempts from the attacker one minute apart, one from another
/// source two hours later; replayed with the built-in rules into `eve.json`.
fn replayed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let mut frames = Vec::new();
    for (i, at) in [0u64, 60, 120].into_iter().enumerate() {
        frames.extend(attempt(ATTACKER, 41000 + i as u16, at));
    }
    frames.extend(attempt(OTHER, 52000, 7200));
    write_pcap(dir.path().join("t.pcap"), 1, &frames).expect("write pcap");
    wardwatch(
        dir.path(),
        &["replay", "--workers", "1", "--eve", "eve.json", "t.pcap"],
        None,
    );
    let alerts = events_of_type(&read_eve(dir.path().join("eve.json")), "alert").len();
    assert_eq!(alerts, 4, "the fixture fires rule 9000001 once per attempt");
    dir
}

/// The block of the incident whose source is `src`.
fn block<'a>(report: &'a str, marker: &str, src: &str) -> &'a str {
    report
        .split(marker)
        .find(|b| b.contains(src))
        .unwrap_or_else(|| panic!("no incident from {src}:\n{report}"))
}

#[test]
fn report_in_english_and_japanese() {
    let dir = replayed();
    let en = stdout(&wardwatch(
        dir.path(),
        &["report", "--eve", "eve.json", "--lang", "en"],
        Some("ja_JP.UTF-8"),
    ));
    assert!(
        en.contains("2 incidents from 4 alerts"),
        "header counts:\n{en}"
    );
    let a = block(&en, "== Incident", ATTACKER);
    let sig = "[9000001] WARDWATCH EXPLOIT FortiOS SSL-VPN path traversal (CVE-2018-13379)";
    assert!(a.contains(&format!("Source:      {ATTACKER}\n")), "{a}");
    assert!(a.contains(&format!("Targets:     {VPN}\n")), "{a}");
    assert!(a.contains("Alerts:      3\n"), "{a}");
    assert!(a.contains(&format!("      3  {sig}\n")), "{a}");
    assert!(
        a.contains("First seen:  2024-04-01 09:30:00 +00:00\n"),
        "{a}"
    );
    assert!(
        a.contains("Last seen:   2024-04-01 09:32:00 +00:00\n"),
        "{a}"
    );
    assert!(
        a.contains("Summary:     Attack on a VPN appliance (remote-access gateway)\n"),
        "{a}"
    );
    assert!(
        a.contains("  1. Isolate the VPN appliance from the network (keep it powered on for the investigation).\n")
            && a.contains("  2. Check its firmware version against the vendor advisory for the CVE named in the alert.\n"),
        "{a}"
    );
    let b = block(&en, "== Incident", OTHER);
    assert!(b.contains("Alerts:      1\n"), "{b}");

    // LANG=ja picks Japanese without --lang.
    let ja = stdout(&wardwatch(
        dir.path(),
        &["report", "--eve", "eve.json"],
        Some("ja_JP.UTF-8"),
    ));
    let forced = stdout(&wardwatch(
        dir.path(),
        &["report", "--eve", "eve.json", "--lang", "ja"],
        Some("C"),
    ));
    assert_eq!(ja, forced);
    assert!(
        ja.contains("インシデント 2件（アラート 4件）"),
        "header counts:\n{ja}"
    );
    let a = block(&ja, "■ インシデント", ATTACKER);
    assert!(a.contains(&format!("送信元：      {ATTACKER}\n")), "{a}");
    assert!(a.contains(&format!("対象：        {VPN}\n")), "{a}");
    assert!(a.contains("件数：        3件\n"), "{a}");
    assert!(a.contains(&format!("      3件  {sig}\n")), "{a}");
    assert!(
        a.contains("発生日時：    2024-04-01 09:30:00 +00:00 〜 2024-04-01 09:32:00 +00:00\n"),
        "{a}"
    );
    assert!(
        a.contains(
            "初動対応：\n  1. VPN機器をネットワークから切り離す（調査のため電源は切らない）。\n"
        ),
        "{a}"
    );
}

#[test]
fn since_is_packet_time_and_eve_path_comes_from_the_config() {
    let dir = replayed();
    std::fs::write(
        dir.path().join("cfg.toml"),
        "[outputs.eve]\npath = \"eve.json\"\n",
    )
    .expect("config");
    // The capture is from 2024: a wall-clock window would be empty. Counted
    // back from the newest alert, the last hour holds only the second source.
    let out = stdout(&wardwatch(
        dir.path(),
        &[
            "report", "--config", "cfg.toml", "--since", "1h", "--lang", "en", "--format", "json",
        ],
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json report");
    let incidents = v["incidents"].as_array().expect("incidents");
    assert_eq!(incidents.len(), 1, "{out}");
    assert_eq!(incidents[0]["source"], OTHER);
    assert_eq!(incidents[0]["signatures"][0]["signature_id"], 9000001);
    assert_eq!(incidents[0]["kinds"][0], "vpn-exploit");
    assert_eq!(v["alerts_in_file"], 4);
}

#[test]
fn missing_eve_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["report", "--lang", "en"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot open EVE file eve.json") && err.contains("--eve"),
        "{err}"
    );
}
