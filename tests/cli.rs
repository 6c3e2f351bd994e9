//! The `wardwatch` binary: command line, exit codes, error messages, summary.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn wardwatch(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run wardwatch")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn session_frames() -> Vec<Frame> {
    let mut s = TcpSession::new(client4(), 40000, server4(), 80, 1, 2);
    let mut f = s.handshake();
    f.push(s.send(Dir::ToServer, b"GET / HTTP/1.0\r\n\r\n"));
    f.extend(s.close());
    f
}

#[test]
fn replay_prints_summary_and_writes_default_eve() {
    let dir = tempfile::tempdir().expect("tmp");
    let frames = session_frames();
    write_pcap(dir.path().join("a.pcap"), 1, &frames).expect("write");
    let out = wardwatch(&["replay", "--workers", "2", "a.pcap"], dir.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("packets: {} ", frames.len())),
        "{stdout}"
    );
    assert!(stdout.contains("flows:   1"), "{stdout}");
    assert!(
        stdout.contains("packets/s") && stdout.contains("Mbit/s"),
        "{stdout}"
    );
    // No config: EVE goes to ./eve.json with flow and stats events.
    let events = read_eve(dir.path().join("eve.json"));
    assert_eq!(events_of_type(&events, "flow").len(), 1);
    let stats = events_of_type(&events, "stats");
    let last = stats.last().expect("stats");
    assert_eq!(last["stats"]["decoder"]["pkts"], frames.len() as u64);
    // No config: the built-in hospital rules, all of them loaded.
    let builtin =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/hospital.rules"))
            .expect("rules/hospital.rules");
    let n = builtin.lines().filter(|l| l.starts_with("alert")).count() as u64;
    let engine = &last["stats"]["detect"]["engines"][0];
    assert_eq!(engine["rules_loaded"], n);
    assert_eq!(engine["rules_failed"], 0);
    assert_eq!(engine["rules_skipped"], 0);
    assert!(stdout.contains(&format!("rules:   {n} loaded")), "{stdout}");
    assert_eq!(
        last["timestamp"],
        events_of_type(&events, "flow")[0]["flow"]["end"]
    );
}

#[test]
fn truncated_pcap_processes_what_precedes_the_cut() {
    let dir = tempfile::tempdir().expect("tmp");
    let frames = session_frames();
    let p = dir.path().join("cut.pcap");
    write_pcap(&p, 1, &frames).expect("write");
    truncate_file(&p, 10).expect("truncate");
    let out = wardwatch(&["replay", "--eve", "e.json", "cut.pcap"], dir.path());
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("cut.pcap"), "{stderr}");
    assert!(
        stderr.contains(&format!("after record {}", frames.len() - 1)),
        "{stderr}"
    );
    let events = read_eve(dir.path().join("e.json"));
    let last = events_of_type(&events, "stats")
        .pop()
        .expect("stats")
        .clone();
    assert_eq!(last["stats"]["decoder"]["pkts"], frames.len() as u64 - 1);
}

#[test]
fn non_pcap_missing_and_empty_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("notes.txt"), "this is not a capture\n").expect("write");
    std::fs::write(dir.path().join("empty.pcap"), "").expect("write");
    write_pcap(dir.path().join("good.pcap"), 1, &session_frames()).expect("write");
    for (file, needle) in [
        ("notes.txt", "not a readable pcap"),
        ("missing.pcap", "No such file"),
        ("empty.pcap", "empty"),
    ] {
        // Even after a good file: files are checked before any packet is processed.
        let out = wardwatch(
            &["replay", "--eve", "e.json", "good.pcap", file],
            dir.path(),
        );
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{file}: should fail");
        assert!(
            stderr.contains(file) && stderr.contains(needle),
            "{file}: {stderr}"
        );
        assert!(
            !dir.path().join("e.json").exists() || read_eve(dir.path().join("e.json")).is_empty()
        );
    }
}

#[test]
fn unsupported_link_type_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    // LINKTYPE_IEEE802_11 (105)
    write_pcap(
        dir.path().join("wifi.pcap"),
        105,
        &[Frame::new(T0_MICROS, vec![0; 30])],
    )
    .expect("write");
    let out = wardwatch(&["replay", "wifi.pcap"], dir.path());
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("wifi.pcap") && stderr.contains("link type 105"),
        "{stderr}"
    );
}

#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().expect("tmp");
    write_pcap(dir.path().join("a.pcap"), 1, &session_frames()).expect("write");
    std::fs::write(dir.path().join("bad.toml"), "[capture]\nworkers = 999\n").expect("write");
    let out = wardwatch(&["replay", "--config", "bad.toml", "a.pcap"], dir.path());
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("capture.workers") && stderr.contains("1-256"),
        "{stderr}"
    );
    std::fs::write(dir.path().join("typo.toml"), "[flow]\nmax_flow = 5\n").expect("write");
    let out = wardwatch(&["replay", "--config", "typo.toml", "a.pcap"], dir.path());
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("typo.toml") && stderr.contains("max_flow") && stderr.contains("max_flows"),
        "{stderr}"
    );
}

#[test]
fn config_file_sets_eve_path_and_types() {
    let dir = tempfile::tempdir().expect("tmp");
    write_pcap(dir.path().join("a.pcap"), 1, &session_frames()).expect("write");
    std::fs::write(
        dir.path().join("c.toml"),
        "[outputs.eve]\npath = \"out/events.json\"\ntypes = [\"stats\"]\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    let out = wardwatch(&["replay", "-c", "c.toml", "a.pcap"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = read_eve(dir.path().join("out/events.json"));
    assert!(events_of_type(&events, "flow").is_empty());
    assert_eq!(events_of_type(&events, "stats").len(), 1);
}

#[test]
fn the_example_config_is_valid() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/wardwatch.toml");
    let raw = std::fs::read_to_string(example).expect("example config");
    let cfg = wardwatch::config::RawConfig::parse(&raw, Path::new(example))
        .and_then(|r| r.validate())
        .expect("systemd/wardwatch.toml is valid");
    assert_eq!(cfg.interfaces, vec!["eth1".to_string()]);
    assert_eq!(cfg.flow.stream.depth, 1 << 20);
}

#[test]
fn app_layer_records_when_enabled() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = TcpSession::new(client4(), 40100, server4(), 8080, 1, 2);
    let mut frames = s.handshake();
    frames.push(s.send(
        Dir::ToServer,
        b"GET /ehr/patients?id=7 HTTP/1.1\r\nHost: EHR.hospital.example:8080\r\nUser-Agent: curl/8.0\r\n\r\n",
    ));
    frames.push(s.send(
        Dir::ToClient,
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
    ));
    frames.extend(s.close());
    let q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07malware\x07example\x00\x00\x01\x00\x01";
    frames.push(Frame::new(
        T0_MICROS + 50_000,
        udp(client4(), 33333, server4(), 53, q),
    ));
    let mut r = q.to_vec();
    r[2..4].copy_from_slice(&[0x81, 0x83]); // response, NXDOMAIN
    frames.push(Frame::new(
        T0_MICROS + 60_000,
        udp(server4(), 53, client4(), 33333, &r),
    ));
    let mut r = q.to_vec();
    r[2..8].copy_from_slice(&[0x81, 0x80, 0, 1, 0, 1]); // response, one answer
    r.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x09");
    frames.push(Frame::new(
        T0_MICROS + 70_000,
        udp(server4(), 53, client4(), 33333, &r),
    ));
    write_pcap(dir.path().join("a.pcap"), 1, &frames).expect("write");
    std::fs::write(
        dir.path().join("c.toml"),
        "[outputs.eve]\npath = \"e.json\"\ntypes = [\"http\", \"dns\"]\n",
    )
    .expect("write");
    let out = wardwatch(&["replay", "-c", "c.toml", "a.pcap"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = read_eve(dir.path().join("e.json"));
    // Only the types asked for.
    assert!(
        events
            .iter()
            .all(|e| e["event_type"] == "http" || e["event_type"] == "dns")
    );
    let http = events_of_type(&events, "http");
    assert_eq!(http.len(), 1, "{http:?}");
    let h = &http[0]["http"];
    assert_eq!(h["hostname"], "ehr.hospital.example");
    assert_eq!(h["url"], "/ehr/patients?id=7");
    assert_eq!(h["http_method"], "GET");
    assert_eq!(h["status"], 403);
    assert_eq!(http[0]["dest_port"], 8080);
    assert_eq!(http[0]["app_proto"], "http");
    let dns = events_of_type(&events, "dns");
    assert_eq!(dns.len(), 3, "{dns:?}");
    assert_eq!(dns[0]["dns"]["rrname"], "malware.example");
    assert_eq!(dns[0]["dns"]["type"], "query");
    assert_eq!(dns[0]["dns"]["rrtype"], "A");
    assert_eq!(dns[0]["dns"]["id"], 0x1234);
    assert_eq!(dns[1]["dns"]["type"], "answer");
    assert_eq!(dns[1]["dns"]["rcode"], "NXDOMAIN");
    assert_eq!(dns[1]["src_ip"], "10.20.1.10", "{dns:?}");
    assert!(dns[1]["dns"].get("answers").is_none());
    let answers = &dns[2]["dns"]["answers"];
    assert_eq!(answers[0]["rrname"], "malware.example");
    assert_eq!(answers[0]["rrtype"], "A");
    assert_eq!(answers[0]["ttl"], 60);
    assert_eq!(answers[0]["rdata"], "10.0.0.9");
    assert_eq!(dns[2]["dns"]["rcode"], "NOERROR");
}

#[test]
fn http_login_attempts_are_login_records() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = TcpSession::new(client4(), 40200, server4(), 443, 1, 2);
    let mut frames = s.handshake();
    // Two guesses with Basic credentials (mallory:a, mallory:b), then a
    // request without credentials: two failures, no third event.
    for cred in ["bWFsbG9yeTph", "bWFsbG9yeTpi"] {
        frames.push(
            s.send(
                Dir::ToServer,
                format!(
                    "GET /remote/admin HTTP/1.1\r\nHost: vpn\r\nAuthorization: Basic {cred}\r\n\r\n"
                )
                .as_bytes(),
            ),
        );
        frames.push(s.send(
            Dir::ToClient,
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"vpn\"\r\nContent-Length: 0\r\n\r\n",
        ));
    }
    frames.push(s.send(Dir::ToServer, b"GET / HTTP/1.1\r\nHost: vpn\r\n\r\n"));
    frames.push(s.send(
        Dir::ToClient,
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
    ));
    frames.extend(s.close());
    write_pcap(dir.path().join("a.pcap"), 1, &frames).expect("write");
    std::fs::write(
        dir.path().join("c.toml"),
        "[outputs.eve]\npath = \"e.json\"\ntypes = [\"login\"]\n",
    )
    .expect("write");
    let out = wardwatch(&["replay", "-c", "c.toml", "a.pcap"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = read_eve(dir.path().join("e.json"));
    let logins = events_of_type(&events, "login");
    assert_eq!(logins.len(), 2, "{events:?}");
    for l in &logins {
        assert_eq!(l["login"]["protocol"], "http");
        assert_eq!(l["login"]["account"], "mallory");
        assert_eq!(l["login"]["outcome"], "failure");
        assert_eq!(l["login"]["reason"], "basic: 401 Unauthorized");
        assert_eq!(l["app_proto"], "http");
        // The client is the source.
        assert_eq!(l["src_port"], 40200);
        assert_eq!(l["dest_port"], 443);
    }
}

/// A real handshake (openssl s_client against s_server on loopback, TLS 1.2,
/// a self-signed certificate for ehr.hospital.example): one `tls` record
/// with the certificate and both fingerprints, written when the server's
/// side went encrypted.
#[test]
fn tls_record_of_a_real_handshake() {
    let dir = tempfile::tempdir().expect("tmp");
    let pcap = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/openssl-tls12.pcap");
    std::fs::write(
        dir.path().join("c.toml"),
        "[outputs.eve]\npath = \"e.json\"\ntypes = [\"tls\"]\n",
    )
    .expect("write");
    let out = wardwatch(
        &["replay", "-c", "c.toml", pcap.to_str().expect("utf-8 path")],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = read_eve(dir.path().join("e.json"));
    let tls = events_of_type(&events, "tls");
    assert_eq!(tls.len(), 1, "{tls:?}");
    let t = &tls[0]["tls"];
    assert_eq!(t["sni"], "ehr.hospital.example");
    assert_eq!(t["subject"], "CN=ehr.hospital.example, O=Ward Test");
    assert_eq!(t["issuerdn"], "CN=ehr.hospital.example, O=Ward Test");
    assert_eq!(t["version"], "TLS 1.2");
    assert_eq!(t["ja3"]["hash"], "871a754af286dfb70c1b53c6887c62e0");
    assert_eq!(t["ja3s"]["hash"], "ec74a5c51106f0419184d0dd08fb05bc");
    assert_eq!(
        t["serial"],
        "33:FB:57:B9:80:7C:03:21:E5:83:32:AF:7B:8A:35:45:02:4B:86:7F"
    );
    assert_eq!(tls[0]["dest_port"], 18443);
}
