//! The behavioural detectors not covered by `tests/detectors.rs`, end to end
//! through `wardwatch replay`: for each, a capture built here that must raise
//! it — with its evidence checked field by field — and a benign look-alike
//! that must raise nothing.

mod common;

use std::net::Ipv4Addr;
use std::path::Path;

use common::*;
use serde_json::Value;

const SEC: u64 = 1_000_000;

/// Replays with 1 and 3 workers, checks both wrote the same alerts, returns them.
fn replay_both(
    dir: &Path,
    detectors: &str,
    files: &[(&str, &str)],
    frames: &[Frame],
) -> Vec<Value> {
    let one = replay_detectors(dir, detectors, files, frames, "1");
    let three = replay_detectors(dir, detectors, files, frames, "3");
    assert_eq!(one, three, "1 and 3 workers differ");
    one
}

/// The alerts of `detector` in state `state`.
fn of<'a>(got: &'a [Value], detector: &str, state: &str) -> Vec<&'a Value> {
    got.iter()
        .filter(|e| e["anomaly"]["detector"] == detector && e["anomaly"]["state"] == state)
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

// ---------------------------------------------------------------- password-spray

fn intranet() -> Host {
    Host::v4("10.20.0.80")
}

/// One HTTP request per account to the intranet, each with Basic credentials
/// and answered `status`, 3 s apart, from `client`.
fn http_basic_logins(client: Host, accounts: &[String], status: &str) -> Vec<Frame> {
    let mut frames = Vec::new();
    for (i, account) in accounts.iter().enumerate() {
        let mut s = TcpSession::new(client, 41000 + i as u16, intranet(), 80, 100, 900)
            .starting_at(T0_MICROS + i as u64 * 3 * SEC);
        frames.extend(s.handshake());
        let creds = base64(format!("{account}:Spring2026!").as_bytes());
        let req = format!(
            "GET /portal/ HTTP/1.1\r\nHost: intranet.hospital.local\r\nAuthorization: Basic {creds}\r\n\r\n"
        );
        frames.push(s.send(Dir::ToServer, req.as_bytes()));
        let resp = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        frames.push(s.send(Dir::ToClient, resp.as_bytes()));
        frames.extend(s.close());
    }
    frames
}

fn staff(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("dr.staff{i:02}")).collect()
}

#[test]
fn http_basic_spray_raises_password_spray_with_accounts() {
    let dir = tempfile::tempdir().expect("tmp");
    let attacker = Host::v4("10.30.0.66");
    let frames = http_basic_logins(attacker, &staff(14), "401 Unauthorized");
    let got = replay_both(dir.path(), "", &[], &frames);
    // 14 failures stay under HTTP's login-flood threshold (20): only the spray.
    assert!(of(&got, "login-flood", "new").is_empty(), "{got:?}");
    let new = of(&got, "password-spray", "new");
    assert_eq!(new.len(), 1, "{got:?}");
    let n = new[0];
    let a = &n["anomaly"];
    assert_eq!(n["alert"]["signature_id"], 9100010);
    assert_eq!(n["src_ip"], "10.30.0.66");
    assert_eq!(n["dest_ip"], "10.20.0.80");
    assert_eq!(n["app_proto"], "http");
    assert_eq!(
        a["distinct_accounts"], 10,
        "raised at the 10th account: {a}"
    );
    assert_eq!(a["threshold"], 10);
    assert_eq!(a["failures"], 10);
    assert_eq!(a["accounts_capped"], false);
    assert_eq!(strings(&a["accounts"]), staff(10));
    assert_eq!(strings(&a["servers"]), ["10.20.0.80"]);
    assert_eq!(strings(&a["protocols"]), ["http"]);
    assert_eq!(a["window_secs"], 600);
    assert_eq!(a["duration_secs"], 27, "accounts 0..9, 3 s apart: {a}");
    let end = of(&got, "password-spray", "end");
    assert_eq!(end.len(), 1, "{got:?}");
    assert_eq!(end[0]["anomaly"]["episode"], a["episode"]);
    assert_eq!(end[0]["anomaly"]["distinct_accounts"], 14);
    assert_eq!(end[0]["anomaly"]["failures"], 14);
}

#[test]
fn a_gateway_with_many_successful_logins_is_no_spray() {
    let dir = tempfile::tempdir().expect("tmp");
    // The Citrix gateway relays 40 users' logins to the intranet, all good.
    let gateway = Host::v4("10.20.0.30");
    let frames = http_basic_logins(gateway, &staff(40), "200 OK");
    let got = replay_both(dir.path(), "", &[], &frames);
    assert!(got.is_empty(), "{got:?}");
}

// ---------------------------------------------------------------- host-sweep

/// `client` opens tcp/`port` on 10.20.5.1..=n, 100 ms apart: every fifth
/// host answers and the connection completes, the others refuse (RST).
fn tcp_sweep(client: Host, port: u16, n: u8, start: u64) -> Vec<Frame> {
    let mut frames = Vec::new();
    for i in 1..=n {
        let target = Host::v4(&format!("10.20.5.{i}"));
        let t = start + u64::from(i) * 100_000;
        if i % 5 == 0 {
            let mut s =
                TcpSession::new(client, 52000 + u16::from(i), target, port, 10, 20).starting_at(t);
            frames.extend(s.handshake());
            frames.extend(s.close());
        } else {
            frames.push(Frame::new(
                t,
                tcp(client, 52000 + u16::from(i), target, port, 10, 0, "S", b""),
            ));
            frames.push(Frame::new(
                t + 300,
                tcp(target, port, client, 52000 + u16::from(i), 0, 11, "RA", b""),
            ));
        }
    }
    frames
}

#[test]
fn smb_sweep_raises_host_sweep_with_hosts_and_outcomes() {
    let dir = tempfile::tempdir().expect("tmp");
    let worm = Host::v4("10.30.0.66");
    let got = replay_both(dir.path(), "", &[], &tcp_sweep(worm, 445, 40, T0_MICROS));
    let new = of(&got, "host-sweep", "new");
    assert_eq!(new.len(), 1, "{got:?}");
    let n = new[0];
    let a = &n["anomaly"];
    assert_eq!(n["alert"]["signature_id"], 9100021);
    assert_eq!(n["src_ip"], "10.30.0.66");
    assert_eq!(n["dest_port"], 445);
    assert_eq!(n["proto"], "TCP");
    assert_eq!(a["transport"], "TCP");
    assert_eq!(a["port"], 445);
    assert_eq!(a["distinct_hosts"], 30, "raised at the 30th host: {a}");
    assert_eq!(a["threshold"], 30);
    let hosts = strings(&a["hosts"]);
    assert_eq!(hosts.len(), 20, "evidence list capped at 20");
    // Listed as their flows were judged (at flow end), each once.
    let mut uniq = hosts.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 20, "{a}");
    assert!(hosts.iter().all(|h| h.starts_with("10.20.5.")), "{a}");
    assert_eq!(a["hosts_capped"], false);
    let end = &of(&got, "host-sweep", "end")[0]["anomaly"];
    assert_eq!(end["distinct_hosts"], 40);
    assert_eq!(end["probes"], 40);
    // Every fifth host completed the connection.
    assert_eq!(end["answered_hosts"], 8);
    assert_eq!(end["probe_types"]["refused"], 32, "{end}");
    assert_eq!(end["probe_types"]["established"], 8, "{end}");
    // The sweep is no port scan: one port per host.
    assert!(of(&got, "port-scan", "new").is_empty());
}

#[test]
fn icmp_echo_sweep_raises_host_sweep() {
    let dir = tempfile::tempdir().expect("tmp");
    let pinger = Host::v4("10.30.0.67");
    let mut frames = Vec::new();
    for i in 1..=35u16 {
        let target = Host::v4(&format!("10.20.6.{i}"));
        let t = T0_MICROS + u64::from(i) * 50_000;
        frames.push(Frame::new(
            t,
            icmpv4_echo(pinger, target, Echo::Request, 0x77, i, b"abcdefgh"),
        ));
        if i <= 12 {
            frames.push(Frame::new(
                t + 400,
                icmpv4_echo(target, pinger, Echo::Reply, 0x77, i, b"abcdefgh"),
            ));
        }
    }
    let got = replay_both(dir.path(), "", &[], &frames);
    let new = of(&got, "host-sweep", "new");
    assert_eq!(new.len(), 1, "{got:?}");
    let n = new[0];
    assert_eq!(n["src_ip"], "10.30.0.67");
    assert_eq!(n["proto"], "ICMP");
    assert!(n.get("dest_port").is_none_or(Value::is_null), "{n}");
    assert!(
        n["alert"]["signature"]
            .as_str()
            .unwrap_or_default()
            .contains("ICMP echo")
    );
    let a = &n["anomaly"];
    assert_eq!(a["transport"], "ICMP");
    assert!(a.get("port").is_none(), "{a}");
    assert_eq!(a["distinct_hosts"], 30);
    let end = &of(&got, "host-sweep", "end")[0]["anomaly"];
    assert_eq!(end["distinct_hosts"], 35);
    assert_eq!(end["answered_hosts"], 12);
    assert_eq!(end["probe_types"]["echo_answered"], 12, "{end}");
    assert_eq!(end["probe_types"]["echo_unanswered"], 23, "{end}");
}

#[test]
fn the_allow_listed_backup_server_touching_every_host_is_no_sweep() {
    let dir = tempfile::tempdir().expect("tmp");
    let backup = Host::v4("10.20.0.50");
    let cfg = "[host-sweep]\nallow = [\"10.20.0.50\"]\n";
    let got = replay_both(dir.path(), cfg, &[], &tcp_sweep(backup, 22, 60, T0_MICROS));
    assert!(got.is_empty(), "{got:?}");
    // The same traffic from an address not on the list is a sweep: the
    // allow-list, not the traffic, made the difference.
    let other = Host::v4("10.20.0.51");
    let got = replay_detectors(
        dir.path(),
        cfg,
        &[],
        &tcp_sweep(other, 22, 60, T0_MICROS),
        "1",
    );
    assert_eq!(of(&got, "host-sweep", "new").len(), 1, "{got:?}");
}

// ---------------------------------------------------------------- syn-flood

fn web() -> Host {
    Host::v4("10.20.0.90")
}

/// A SYN from a spoofed source 198.18.x.y (each a different address),
/// answered by SYN+ACK that is never acknowledged.
fn spoofed_syns(n: u32, start: u64, step: u64) -> Vec<Frame> {
    let mut frames = Vec::new();
    for i in 0..n {
        let src = Host::new(
            [0x00, 0x50, 0x56, 0x01, 0x02, 0x03],
            Ipv4Addr::new(198, 18, (i / 250) as u8, (i % 250) as u8 + 1).into(),
        );
        let t = start + u64::from(i) * step;
        let sport = 1024 + (i % 60000) as u16;
        frames.push(Frame::new(
            t,
            tcp(src, sport, web(), 443, 5000 + i, 0, "S", b""),
        ));
        frames.push(Frame::new(
            t + 100,
            tcp(web(), 443, src, sport, 9000, 5001 + i, "SA", b""),
        ));
    }
    frames
}

#[test]
fn spoofed_half_open_handshakes_raise_syn_flood() {
    let dir = tempfile::tempdir().expect("tmp");
    // 400 spoofed SYNs within 4 s.
    let got = replay_both(dir.path(), "", &[], &spoofed_syns(400, T0_MICROS, 10_000));
    let new = of(&got, "syn-flood", "new");
    assert_eq!(new.len(), 1, "{got:?}");
    let n = new[0];
    let a = &n["anomaly"];
    assert_eq!(n["alert"]["signature_id"], 9100030);
    assert!(
        n.get("src_ip").is_none_or(Value::is_null),
        "spoofed: no one source: {n}"
    );
    assert_eq!(n["dest_ip"], "10.20.0.90");
    assert_eq!(n["dest_port"], 443);
    assert_eq!(a["failed"], 200, "raised at the threshold: {a}");
    assert_eq!(a["threshold"], 200);
    assert_eq!(a["half_open"], 200);
    assert_eq!(a["unanswered"], 0);
    assert_eq!(a["completed"], 0);
    assert_eq!(a["failed_ratio"], 1.0);
    assert_eq!(strings(&a["sources"]).len(), 20);
    let est = a["distinct_sources_estimate"].as_u64().expect("estimate");
    assert!((140..=260).contains(&est), "about 200 sources: {est}");
    let end = &of(&got, "syn-flood", "end")[0]["anomaly"];
    assert_eq!(end["failed"], 400);
    assert_eq!(
        end["end_reason"], "shutdown",
        "ended by the end of the capture"
    );
    let est = end["distinct_sources_estimate"].as_u64().expect("estimate");
    assert!((280..=520).contains(&est), "about 400 sources: {est}");
}

#[test]
fn a_busy_server_completing_its_handshakes_is_no_flood() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut frames = Vec::new();
    // 400 clients in 4 s, each completing its handshake and closing...
    for i in 0..400u32 {
        let c = Host::v4(&format!("10.21.{}.{}", i / 200, i % 200 + 1));
        let mut s = TcpSession::new(c, 40000 + (i % 20000) as u16, web(), 443, i, 7)
            .starting_at(T0_MICROS + u64::from(i) * 10_000);
        frames.extend(s.handshake());
        frames.extend(s.close());
    }
    // ... and 15 that went away after the SYN+ACK (phones losing Wi-Fi).
    frames.extend(spoofed_syns(15, T0_MICROS + 2 * SEC, 20_000));
    let got = replay_both(dir.path(), "", &[], &frames);
    assert!(got.is_empty(), "{got:?}");
}

// ------------------------------------------------------- suspicious-destination

const DOMAINS: &str = "# test feed\nevil.example   c2 of campaign X (ticket 1234)\n";
const IPS: &str = "198.51.100.0/24  scanner feed\n";
const DEST_CFG: &str = "[suspicious-destination]\ndomain_files = [\"domains.txt\"]\nip_files = [\"ips.txt\"]\nallow = [\"10.20.0.60\"]\n";

fn resolver() -> Host {
    Host::v4("10.20.0.2")
}

/// An HTTP GET with `host` from `client` to `server` at `t`.
fn http_get(client: Host, sport: u16, server: Host, host: &str, t: u64) -> Vec<Frame> {
    let mut s = TcpSession::new(client, sport, server, 80, 1, 2).starting_at(t);
    let mut frames = s.handshake();
    let req = format!("GET /status HTTP/1.1\r\nHost: {host}\r\n\r\n");
    frames.push(s.send(Dir::ToServer, req.as_bytes()));
    frames.push(s.send(
        Dir::ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ));
    frames.extend(s.close());
    frames
}

#[test]
fn listed_names_and_addresses_raise_suspicious_destination() {
    let dir = tempfile::tempdir().expect("tmp");
    let ward = Host::v4("10.20.40.11");
    let lab = Host::v4("10.20.40.12");
    let admin = Host::v4("10.20.40.13");
    let mut frames = Vec::new();
    // The ward PC resolves www.evil.example, then opens TLS to cdn.evil.example.
    frames.push(Frame::new(
        T0_MICROS,
        udp(
            ward,
            53001,
            resolver(),
            53,
            &dns_query(0x1234, "WWW.Evil.Example."),
        ),
    ));
    let mut s = TcpSession::new(ward, 44001, Host::v4("203.0.113.9"), 443, 1, 2)
        .starting_at(T0_MICROS + SEC);
    frames.extend(s.handshake());
    frames.push(s.send(Dir::ToServer, &tls_client_hello("cdn.evil.example")));
    frames.extend(s.close());
    // The lab PC asks a web server for Host: evil.example.
    frames.extend(http_get(
        lab,
        44002,
        Host::v4("203.0.113.10"),
        "evil.example",
        T0_MICROS + 2 * SEC,
    ));
    // The admin PC connects to a listed address.
    let mut s = TcpSession::new(admin, 44003, Host::v4("198.51.100.7"), 8080, 1, 2)
        .starting_at(T0_MICROS + 3 * SEC);
    frames.extend(s.handshake());
    frames.extend(s.close());
    let got = replay_both(
        dir.path(),
        DEST_CFG,
        &[("domains.txt", DOMAINS), ("ips.txt", IPS)],
        &frames,
    );
    let new = of(&got, "suspicious-destination", "new");
    assert_eq!(new.len(), 3, "{got:?}");
    // Ward PC: one episode for the indicator, from the DNS query.
    let w = new
        .iter()
        .find(|e| e["src_ip"] == "10.20.40.11")
        .expect("ward");
    assert_eq!(w["alert"]["signature_id"], 9100040);
    assert_eq!(w["dest_ip"], "10.20.0.2", "{got:?}");
    assert_eq!(w["dest_port"], 53);
    let a = &w["anomaly"];
    assert_eq!(a["indicator"], "evil.example");
    assert_eq!(a["indicator_type"], "domain");
    assert_eq!(a["note"], "c2 of campaign X (ticket 1234)");
    assert!(
        a["list"]
            .as_str()
            .unwrap_or_default()
            .ends_with("domains.txt"),
        "{a}"
    );
    assert_eq!(strings(&a["matched"]), ["www.evil.example"]);
    assert_eq!(strings(&a["seen_in"]), ["dns"]);
    assert_eq!(a["direction"], "outbound");
    assert_eq!(a["hits"], 1);
    // ... whose end counts the TLS server name too.
    let end: Vec<_> = of(&got, "suspicious-destination", "end");
    let we = end
        .iter()
        .find(|e| e["anomaly"]["episode"] == a["episode"])
        .expect("ward end");
    assert_eq!(we["anomaly"]["hits"], 2);
    assert_eq!(
        strings(&we["anomaly"]["matched"]),
        ["www.evil.example", "cdn.evil.example"]
    );
    assert_eq!(strings(&we["anomaly"]["seen_in"]), ["dns", "tls_sni"]);
    // Lab PC: the HTTP Host.
    let l = new
        .iter()
        .find(|e| e["src_ip"] == "10.20.40.12")
        .expect("lab");
    assert_eq!(l["anomaly"]["indicator"], "evil.example");
    assert_eq!(strings(&l["anomaly"]["seen_in"]), ["http_host"]);
    assert_eq!(l["dest_ip"], "203.0.113.10");
    // Admin PC: the listed network.
    let d = new
        .iter()
        .find(|e| e["src_ip"] == "10.20.40.13")
        .expect("admin");
    assert_eq!(d["alert"]["signature_id"], 9100041);
    assert_eq!(d["dest_ip"], "198.51.100.7");
    assert_eq!(d["dest_port"], 8080);
    let a = &d["anomaly"];
    assert_eq!(a["indicator"], "198.51.100.0/24");
    assert_eq!(a["indicator_type"], "ip");
    assert_eq!(a["note"], "scanner feed");
    assert_eq!(strings(&a["matched"]), ["198.51.100.7"]);
    assert_eq!(strings(&a["seen_in"]), ["flow"]);
}

#[test]
fn monitoring_polls_and_ntp_are_no_suspicious_destination() {
    let dir = tempfile::tempdir().expect("tmp");
    let monitor = Host::v4("10.20.0.60");
    let nurse = Host::v4("10.20.40.14");
    let mut frames = Vec::new();
    for m in 0..10u64 {
        let t = T0_MICROS + m * 60 * SEC;
        // The allow-listed monitoring system checks the listed site's status.
        frames.extend(http_get(
            monitor,
            45000 + m as u16,
            Host::v4("203.0.113.10"),
            "evil.example",
            t,
        ));
        // A nurse PC polls an unlisted look-alike: suffixes match by label.
        frames.extend(http_get(
            nurse,
            46000 + m as u16,
            Host::v4("203.0.113.11"),
            "notevil.example",
            t + SEC,
        ));
        frames.push(Frame::new(
            t + 2 * SEC,
            udp(
                nurse,
                53100 + m as u16,
                resolver(),
                53,
                &dns_query(m as u16, "notevil.example"),
            ),
        ));
        // NTP to the internet every minute.
        let ntp = Host::v4("203.0.113.123");
        let mut q = vec![0u8; 48];
        q[0] = 0x23;
        frames.push(Frame::new(t + 3 * SEC, udp(nurse, 123, ntp, 123, &q)));
        q[0] = 0x24;
        frames.push(Frame::new(
            t + 3 * SEC + 20_000,
            udp(ntp, 123, nurse, 123, &q),
        ));
    }
    let got = replay_both(
        dir.path(),
        DEST_CFG,
        &[("domains.txt", DOMAINS), ("ips.txt", IPS)],
        &frames,
    );
    assert!(got.is_empty(), "{got:?}");
}

// ---------------------------------------------------------------- zone-policy

const ZONES: &str = r#"
[[zone-policy.zones]]
name = "contractor-vpn"
networks = ["10.250.0.0/24"]
[[zone-policy.zones]]
name = "ehr"
networks = ["10.10.1.0/24"]
[[zone-policy.flows]]
from = "contractor-vpn"
to = "ehr"
services = ["tcp/443"]
"#;

#[test]
fn contractor_vpn_opening_smb_to_the_ehr_raises_zone_policy() {
    let dir = tempfile::tempdir().expect("tmp");
    let caterer = Host::v4("10.250.0.7");
    let ehr = Host::v4("10.10.1.5");
    let mut frames = Vec::new();
    // Two SMB connections: one completes, one is refused.
    let mut s = TcpSession::new(caterer, 49001, ehr, 445, 1, 2).starting_at(T0_MICROS);
    frames.extend(s.handshake());
    frames.push(s.send(Dir::ToServer, b"\0\0\0\x04\xffSMB"));
    frames.extend(s.close());
    frames.push(Frame::new(
        T0_MICROS + 5 * SEC,
        tcp(caterer, 49002, ehr, 445, 9, 0, "S", b""),
    ));
    frames.push(Frame::new(
        T0_MICROS + 5 * SEC + 200,
        tcp(ehr, 445, caterer, 49002, 0, 10, "RA", b""),
    ));
    // The allowed service raises nothing.
    let mut s = TcpSession::new(caterer, 49003, ehr, 443, 1, 2).starting_at(T0_MICROS + 10 * SEC);
    frames.extend(s.handshake());
    frames.push(s.send(Dir::ToServer, &tls_client_hello("ehr.hospital.local")));
    frames.extend(s.close());
    let got = replay_both(dir.path(), ZONES, &[], &frames);
    assert_eq!(got.len(), 2, "new and end of one episode: {got:?}");
    let n = of(&got, "zone-policy", "new");
    assert_eq!(n.len(), 1, "{got:?}");
    let n = n[0];
    assert_eq!(n["alert"]["signature_id"], 9100060);
    assert_eq!(
        n["alert"]["signature"],
        "WARDWATCH zone-policy: flow between zones not allowed by the policy (contractor-vpn -> ehr tcp/445)"
    );
    assert_eq!(n["src_ip"], "10.250.0.7");
    assert_eq!(n["dest_ip"], "10.10.1.5");
    assert_eq!(n["dest_port"], 445);
    let a = &n["anomaly"];
    assert_eq!(a["from_zone"], "contractor-vpn");
    assert_eq!(a["to_zone"], "ehr");
    assert_eq!(a["service"], "tcp/445");
    assert_eq!(strings(&a["allowed_services"]), ["tcp/443"]);
    assert_eq!(a["attempts"], 1);
    assert_eq!(a["established"], 1);
    let e = &of(&got, "zone-policy", "end")[0]["anomaly"];
    assert_eq!(e["episode"], a["episode"]);
    assert_eq!(e["attempts"], 2);
    assert_eq!(e["established"], 1);
    assert_eq!(strings(&e["outcomes"]), ["established", "refused"]);
}

#[test]
fn allowed_zone_flows_raise_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let caterer = Host::v4("10.250.0.7");
    let ehr = Host::v4("10.10.1.5");
    let outside = Host::v4("10.20.40.20");
    let mut frames = Vec::new();
    for (i, (c, s, port)) in [
        (caterer, ehr, 443),
        (outside, ehr, 445),
        (caterer, outside, 445),
    ]
    .into_iter()
    .enumerate()
    {
        let mut sess = TcpSession::new(c, 49100 + i as u16, s, port, 1, 2)
            .starting_at(T0_MICROS + i as u64 * SEC);
        frames.extend(sess.handshake());
        frames.extend(sess.close());
    }
    // The EHR answering the contractor is the allowed flow's return traffic.
    let got = replay_both(dir.path(), ZONES, &[], &frames);
    assert!(got.is_empty(), "{got:?}");
}

// ---------------------------------------------------------------- beacon

/// `n` TLS connections from `client` to `server`:443, `every` seconds apart
/// plus the offset `jitter(i)` (µs).
fn check_ins(
    client: Host,
    server: Host,
    n: u64,
    every: u64,
    jitter: impl Fn(u64) -> i64,
) -> Vec<Frame> {
    let mut frames = Vec::new();
    for i in 0..n {
        let t = (T0_MICROS + i * every * SEC).saturating_add_signed(jitter(i));
        let mut s = TcpSession::new(client, 50000 + i as u16, server, 443, 1, 2).starting_at(t);
        frames.extend(s.handshake());
        frames.push(s.send(Dir::ToServer, &tls_client_hello("update.example.net")));
        frames.push(s.send(Dir::ToClient, &[0x16, 3, 3, 0, 4, 2, 0, 0, 0]));
        frames.extend(s.close());
    }
    frames
}

#[test]
fn regular_check_ins_over_an_hour_raise_beacon() {
    let dir = tempfile::tempdir().expect("tmp");
    let infected = Host::v4("10.20.40.30");
    let c2 = Host::v4("203.0.113.77");
    // Every 150 s ± up to 3 s for 70 minutes (29 check-ins).
    let frames = check_ins(infected, c2, 29, 150, |i| {
        ((i * 7919) % 7) as i64 * 1_000_000 - 3_000_000
    });
    let got = replay_both(dir.path(), "", &[], &frames);
    let new = of(&got, "beacon", "new");
    assert_eq!(new.len(), 1, "{got:?}");
    let n = new[0];
    assert_eq!(n["alert"]["signature_id"], 9100070);
    assert_eq!(n["src_ip"], "10.20.40.30");
    assert_eq!(n["dest_ip"], "203.0.113.77");
    assert_eq!(n["dest_port"], 443);
    assert_eq!(n["proto"], "TCP");
    let a = &n["anomaly"];
    assert_eq!(a["service"], "tcp/443");
    // Raised once the check-ins span an hour: the 25th (24 x 150 s = 3600 s).
    assert_eq!(a["connections"], 25, "{a}");
    let span = a["span_secs"].as_u64().expect("span");
    assert!((3594..=3606).contains(&span), "{a}");
    let interval = a["interval_secs"].as_f64().expect("interval");
    assert!((147.0..=153.0).contains(&interval), "{a}");
    let jitter = a["jitter"].as_f64().expect("jitter");
    assert!(jitter <= 0.1, "{a}");
    assert_eq!(a["intervals"].as_array().map(Vec::len), Some(10));
    let end = &of(&got, "beacon", "end")[0]["anomaly"];
    assert_eq!(end["episode"], a["episode"]);
    assert_eq!(end["connections"], 29);
}

#[test]
fn irregular_allow_listed_and_ntp_polling_is_no_beacon() {
    let dir = tempfile::tempdir().expect("tmp");
    let pc = Host::v4("10.20.40.31");
    let mut frames = Vec::new();
    // A person browsing one site at irregular times over 2 hours.
    let mut rng = SplitMix64(7);
    let mut t = 0u64;
    for i in 0..30u64 {
        t += 20 + rng.below(460) as u64;
        let mut s = TcpSession::new(pc, 51000 + i as u16, Host::v4("203.0.113.80"), 443, 1, 2)
            .starting_at(T0_MICROS + t * SEC);
        frames.extend(s.handshake());
        frames.extend(s.close());
    }
    // The vendor's monitoring agent, allow-listed by destination: exactly every 60 s.
    frames.extend(check_ins(
        Host::v4("10.20.40.32"),
        Host::v4("203.0.113.90"),
        90,
        60,
        |_| 0,
    ));
    // NTP every 64 s for 2 hours: periodic by design, excluded by service.
    let ntp = Host::v4("203.0.113.123");
    for i in 0..120u64 {
        let at = T0_MICROS + i * 64 * SEC;
        let mut q = vec![0u8; 48];
        q[0] = 0x23;
        frames.push(Frame::new(
            at,
            udp(pc, 40123 + (i % 2) as u16, ntp, 123, &q),
        ));
        q[0] = 0x24;
        frames.push(Frame::new(
            at + 30_000,
            udp(ntp, 123, pc, 40123 + (i % 2) as u16, &q),
        ));
    }
    let cfg = "[beacon]\nallow = [\"203.0.113.90\"]\n";
    let got = replay_both(dir.path(), cfg, &[], &frames);
    assert!(got.is_empty(), "{got:?}");
    // Without the allow-list entry the agent's polling is a beacon: the
    // entry, not the traffic, kept it quiet.
    let got = replay_detectors(dir.path(), "", &[], &frames, "1");
    let b = of(&got, "beacon", "new");
    assert_eq!(b.len(), 1, "{got:?}");
    assert_eq!(b[0]["dest_ip"], "203.0.113.90");
}

// ---------------------------------------------------------------- new-device (ARP, mDNS, NetBIOS)

/// `wardwatch assets --format json` over the inventory in `dir`.
fn assets_json(dir: &Path) -> Value {
    let out = wardwatch_in(dir, &["assets", "-c", "c.toml", "--format", "json"]);
    serde_json::from_str(&out).expect("assets JSON")
}

fn device_with<'a>(inv: &'a Value, key: &str, value: &str) -> &'a Value {
    inv["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| match &d[key] {
            Value::Array(a) => a.iter().any(|v| v == value),
            v => v == value,
        })
        .unwrap_or_else(|| panic!("no device with {key} {value}: {inv}"))
}

/// The inventory learns devices that only ever speak ARP (with their
/// vendor), host names from NetBIOS and mDNS, shrugs off a gratuitous-ARP
/// storm, and after learning an ARP-only newcomer raises `new-device`.
#[test]
fn arp_netbios_and_mdns_devices_join_the_inventory() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let cfg = "[new-device]\ninventory_file = \"inv.json\"\nlearning_secs = 3600\noui_file = \"oui.txt\"\n";
    let oui = "00-09-FB   (hex)\t\tPhilips Medical Systems\n0009FB     (base 16)\t\tPhilips Medical Systems\n";
    let files = [("oui.txt", oui)];
    let pump_mac = [0x00, 0x09, 0xfb, 0x11, 0x22, 0x33];
    let gw_mac = [0x3c, 0xec, 0xef, 0x00, 0x00, 0x01];
    let pump_ip: Ipv4Addr = "10.20.30.7".parse().expect("ip");
    let gw_ip: Ipv4Addr = "10.20.30.1".parse().expect("ip");
    let mut frames = Vec::new();
    // The infusion pump asks for its gateway; the gateway answers. The pump
    // sends no IP packet at all.
    frames.push(Frame::new(
        T0_MICROS,
        arp(false, pump_mac, pump_ip, [0; 6], gw_ip),
    ));
    frames.push(Frame::new(
        T0_MICROS + 300,
        arp(true, gw_mac, gw_ip, pump_mac, pump_ip),
    ));
    // A gratuitous-ARP storm from the pump: 3,000 in 3 s.
    for i in 0..3000u64 {
        frames.push(Frame::new(
            T0_MICROS + SEC + i * 1000,
            arp(false, pump_mac, pump_ip, [0; 6], pump_ip),
        ));
    }
    // A workstation registers its NetBIOS name; a printer announces itself over mDNS.
    let pc = Host::v4("10.20.30.8");
    let bcast = Host::new([0xff; 6], "10.20.30.255".parse().expect("ip"));
    frames.push(Frame::new(
        T0_MICROS + 5 * SEC,
        udp(
            pc,
            137,
            bcast,
            137,
            &netbios_registration(0x8001, "NURSE-PC-07", "10.20.30.8".parse().expect("ip")),
        ),
    ));
    let printer = Host::v4("10.20.30.9");
    let mdns_group = Host::new(
        [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb],
        "224.0.0.251".parse().expect("ip"),
    );
    frames.push(Frame::new(
        T0_MICROS + 6 * SEC,
        udp(
            printer,
            5353,
            mdns_group,
            5353,
            &mdns_announcement("ward-printer", "10.20.30.9".parse().expect("ip")),
        ),
    ));
    let got = replay_both(d, cfg, &files, &frames);
    assert!(got.is_empty(), "learning: no alert: {got:?}");
    // The storm reached the correlator as one sighting per (MAC, address)
    // pair: the pump's and the gateway's, beside the two UDP flows' events.
    let eve = read_eve(d.join("e.json"));
    let stats = &events_of_type(&eve, "stats").last().expect("stats")["stats"];
    assert_eq!(stats["decoder"]["not_ip"], 3002, "{stats}");
    let events = stats["correlator"]["events"].as_u64().expect("events");
    assert!(events <= 12, "{events} correlator events: {stats}");
    let inv = assets_json(d);
    let pump = device_with(&inv, "mac", "00:09:fb:11:22:33");
    assert_eq!(pump["vendor"], "Philips Medical Systems", "{pump}");
    assert_eq!(pump["ips"], serde_json::json!(["10.20.30.7"]));
    assert_eq!(pump["seen_by"], serde_json::json!(["arp"]));
    let gw = device_with(&inv, "mac", "3c:ec:ef:00:00:01");
    assert_eq!(gw["ips"], serde_json::json!(["10.20.30.1"]));
    let pc = device_with(&inv, "hostnames", "NURSE-PC-07");
    assert_eq!(pc["ips"], serde_json::json!(["10.20.30.8"]));
    assert!(
        strings(&pc["seen_by"]).contains(&"netbios".to_string()),
        "{pc}"
    );
    let pr = device_with(&inv, "hostnames", "ward-printer");
    assert_eq!(pr["ips"], serde_json::json!(["10.20.30.9"]));
    assert!(
        strings(&pr["seen_by"]).contains(&"mdns".to_string()),
        "{pr}"
    );
    // The storm added nothing: pump, gateway, workstation, printer.
    assert_eq!(inv["devices"].as_array().map(Vec::len), Some(4), "{inv}");

    // Two hours later: the known pump ARPs again, and a device nobody has
    // seen answers an ARP request for its address.
    let later = T0_MICROS + 2 * 3600 * SEC;
    let stranger = [0x00, 0x09, 0xfb, 0x44, 0x55, 0x66];
    let stranger_ip: Ipv4Addr = "10.20.30.66".parse().expect("ip");
    let frames = vec![
        Frame::new(later, arp(false, pump_mac, pump_ip, [0; 6], gw_ip)),
        Frame::new(later + SEC, arp(false, gw_mac, gw_ip, [0; 6], stranger_ip)),
        Frame::new(
            later + SEC + 400,
            arp(true, stranger, stranger_ip, gw_mac, gw_ip),
        ),
    ];
    let got = replay_detectors(d, cfg, &files, &frames, "1");
    assert_eq!(got.len(), 1, "{got:?}");
    let a = &got[0];
    assert_eq!(a["alert"]["signature_id"], 9100050);
    assert_eq!(a["src_ip"], "10.20.30.66");
    assert_eq!(a["anomaly"]["mac"], "00:09:fb:44:55:66");
    assert_eq!(a["anomaly"]["vendor"], "Philips Medical Systems");
    assert_eq!(a["anomaly"]["ip"], "10.20.30.66");
    assert_eq!(a["anomaly"]["seen_by"], "arp");
    assert_eq!(a["anomaly"]["known_devices"], 5);
}

/// Zones may live in the main config (`[zones]`) instead of the detector
/// settings; a zone defined in both is refused with a clear error.
#[test]
fn zones_from_the_main_config_drive_zone_policy() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let caterer = Host::v4("10.250.0.7");
    let ehr = Host::v4("10.10.1.5");
    let mut frames = Vec::new();
    for (i, port) in [443u16, 445].into_iter().enumerate() {
        let mut s = TcpSession::new(caterer, 49200 + i as u16, ehr, port, 1, 2)
            .starting_at(T0_MICROS + i as u64 * SEC);
        frames.extend(s.handshake());
        frames.extend(s.close());
    }
    write_pcap(d.join("a.pcap"), 1, &frames).expect("pcap");
    let zones = "[zones.networks]\ncontractor-vpn = [\"10.250.0.0/24\"]\nehr = [\"10.10.1.0/24\"]\n\
                 [[zones.flows]]\nfrom = \"contractor-vpn\"\nto = \"ehr\"\nservices = [\"tcp/443\"]\n";
    std::fs::write(
        d.join("c.toml"),
        format!("[outputs.eve]\npath = \"e.json\"\n{zones}"),
    )
    .expect("config");
    wardwatch_in(d, &["replay", "-c", "c.toml", "a.pcap"]);
    let got: Vec<Value> = read_eve(d.join("e.json"))
        .into_iter()
        .filter(|e| e["anomaly"]["state"] == "new")
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["anomaly"]["detector"], "zone-policy");
    assert_eq!(got[0]["anomaly"]["from_zone"], "contractor-vpn");
    assert_eq!(got[0]["anomaly"]["to_zone"], "ehr");
    assert_eq!(got[0]["anomaly"]["service"], "tcp/445");
    assert_eq!(strings(&got[0]["anomaly"]["allowed_services"]), ["tcp/443"]);
    // The same zone in the detector settings too: refused, naming both places.
    std::fs::write(d.join("detectors.toml"), ZONES).expect("detectors");
    std::fs::write(
        d.join("c.toml"),
        format!(
            "[detectors]\nfile = \"detectors.toml\"\n[outputs.eve]\npath = \"e.json\"\n{zones}"
        ),
    )
    .expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["replay", "-c", "c.toml", "a.pcap"])
        .current_dir(d)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("zones.networks.contractor-vpn"), "{err}");
    assert!(err.contains("zone-policy.zones"), "{err}");
}
