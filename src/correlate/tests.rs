//! Detector tests: for each detector an event sequence that must raise it
//! (evidence checked) and a benign look-alike that must not.

use std::net::IpAddr;
use std::path::Path;

use serde_json::Value;

use super::*;
use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, Outcome};

const T0: u64 = 1_700_000_000;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|_| panic!("bad test address {s}"))
}

fn at(secs: u64, micros: u64) -> Timestamp {
    Timestamp(Timestamp::from_secs(T0 + secs).0 + micros)
}

fn login(
    secs: u64,
    client: &str,
    server: &str,
    port: u16,
    proto: AppProto,
    account: &str,
    outcome: Outcome,
) -> Event {
    Event::Login(LoginEvent {
        ts: at(secs, 0),
        client: ip(client),
        client_port: 40000,
        server: ip(server),
        server_port: port,
        attempt: LoginAttempt::new(proto, outcome, "530 Login incorrect").account(account),
    })
}

fn conn(
    ts: Timestamp,
    client: &str,
    server: &str,
    ip_proto: u8,
    port: u16,
    o: ConnOutcome,
) -> Event {
    Event::Conn(ConnEvent {
        ts,
        client: ip(client),
        client_port: 50000,
        server: ip(server),
        server_port: port,
        ip_proto,
        outcome: o,
    })
}

fn run(c: &mut Correlator, events: &[Event]) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for e in events {
        c.handle(e, &mut out);
    }
    out
}

fn ev<'a>(a: &'a Anomaly, key: &str) -> &'a Value {
    a.evidence
        .get(key)
        .unwrap_or_else(|| panic!("evidence `{key}` missing in {:?}", a.evidence))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn of(out: &[Anomaly], d: Detector) -> Vec<&Anomaly> {
    out.iter().filter(|a| a.detector == d).collect()
}

fn cfg() -> DetectorsConfig {
    DetectorsConfig::builtin()
}

// ---------------------------------------------------------------- login-flood

#[test]
fn login_flood_from_one_source_raises_updates_and_ends() {
    let mut c = Correlator::new(cfg());
    let mut events: Vec<Event> = (0..100)
        .map(|i| {
            login(
                i,
                "10.9.9.66",
                "10.0.0.10",
                21,
                AppProto::Ftp,
                ["admin", "root", "ftp"][i as usize % 3],
                Outcome::Failure,
            )
        })
        .collect();
    events.push(login(
        101,
        "10.9.9.66",
        "10.0.0.10",
        21,
        AppProto::Ftp,
        "backup",
        Outcome::Success,
    ));
    let out = run(&mut c, &events);
    let lf = of(&out, Detector::LoginFlood);
    assert_eq!(lf.len(), 3, "{lf:#?}");
    let new = lf[0];
    assert_eq!((new.sid, new.state), (9_100_001, EpisodeState::New));
    assert_eq!(new.src_ip, Some(ip("10.9.9.66")));
    assert_eq!(
        (new.dest_ip, new.dest_port),
        (Some(ip("10.0.0.10")), Some(21))
    );
    assert_eq!(ev(new, "failures"), 10);
    assert_eq!(ev(new, "protocol"), "ftp");
    assert_eq!(strs(ev(new, "accounts")), ["admin", "root", "ftp"]);
    assert_eq!(ev(new, "distinct_accounts"), 3);
    assert_eq!(ev(new, "window_secs"), 300);
    assert_eq!(ev(new, "first_seen"), &Value::from(at(0, 0).rfc3339()));
    assert_eq!(ev(new, "last_seen"), &Value::from(at(9, 0).rfc3339()));
    assert_eq!(strs(ev(new, "reasons")), ["530 Login incorrect"]);
    let upd = lf[1];
    assert_eq!(
        (upd.state, upd.episode),
        (EpisodeState::Update, new.episode)
    );
    assert_eq!(ev(upd, "failures"), 100);
    let success = lf[2];
    assert_eq!(success.state, EpisodeState::Update);
    assert_eq!(ev(success, "success_after_failures"), true);
    assert_eq!(ev(success, "success_account"), "backup");
    assert_eq!(ev(success, "successes"), 1);

    // Quiet for longer than quiet_secs: the episode ends with its totals.
    let mut end = Vec::new();
    c.tick(at(101 + 601 + 5, 0), &mut end);
    assert_eq!(end.len(), 1, "{end:#?}");
    assert_eq!(
        (end[0].state, end[0].episode),
        (EpisodeState::End, new.episode)
    );
    assert_eq!(ev(&end[0], "failures"), 100);
    assert_eq!(ev(&end[0], "end_reason"), "quiet");
    // Nothing more after the end.
    let mut later = Vec::new();
    c.tick(at(5000, 0), &mut later);
    assert!(later.is_empty());
}

#[test]
fn busy_server_with_successful_logins_and_typos_raises_nothing() {
    let mut c = Correlator::new(cfg());
    let mut events = Vec::new();
    for i in 0..2000u64 {
        let client = format!("10.1.{}.{}", i % 7, 10 + i % 60);
        let account = format!("nurse{:03}", i % 300);
        events.push(login(
            i / 4,
            &client,
            "10.0.0.2",
            88,
            AppProto::Krb5,
            &account,
            Outcome::Success,
        ));
        // A typo now and then, never many from one place or for one account.
        if i % 50 == 0 {
            events.push(login(
                i / 4,
                &client,
                "10.0.0.2",
                88,
                AppProto::Krb5,
                &account,
                Outcome::Failure,
            ));
        }
    }
    let mut out = run(&mut c, &events);
    c.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn login_flood_distributed_by_server_and_by_account() {
    let mut c = Correlator::new(cfg());
    // 60 sources, one failed RDP-gateway (HTTP basic) login each.
    let events: Vec<Event> = (0..60)
        .map(|i| {
            login(
                i,
                &format!("198.51.100.{i}"),
                "10.0.0.30",
                443,
                AppProto::Http,
                &format!("user{i}"),
                Outcome::Failure,
            )
        })
        .collect();
    let out = run(&mut c, &events);
    let srv: Vec<_> = out.iter().filter(|a| a.sid == 9_100_002).collect();
    assert_eq!(srv.len(), 1, "{out:#?}");
    assert_eq!(srv[0].src_ip, None);
    assert_eq!(
        (srv[0].dest_ip, srv[0].dest_port),
        (Some(ip("10.0.0.30")), Some(443))
    );
    assert_eq!(ev(srv[0], "distinct_sources"), 50);
    assert_eq!(ev(srv[0], "form"), "service");
    assert_eq!(strs(ev(srv[0], "sources")).len(), 20);
    // Nobody failed twice: no source→service alert, no spray.
    assert!(out.iter().all(|a| a.sid == 9_100_002), "{out:#?}");

    // One account from many workstations, spelled three ways.
    let mut c = Correlator::new(cfg());
    let spellings = [
        "CORP\\Administrator",
        "administrator@CORP.LOCAL",
        "administrator",
    ];
    let events: Vec<Event> = (0..9)
        .map(|i| {
            let proto = if i % 2 == 0 {
                AppProto::Smb
            } else {
                AppProto::Krb5
            };
            login(
                i,
                &format!("10.2.0.{i}"),
                "10.0.0.2",
                445,
                proto,
                spellings[i as usize % 3],
                Outcome::Failure,
            )
        })
        .collect();
    let out = run(&mut c, &events);
    let acc: Vec<_> = out.iter().filter(|a| a.sid == 9_100_003).collect();
    assert_eq!(acc.len(), 1, "{out:#?}");
    assert_eq!(ev(acc[0], "account"), "administrator");
    assert_eq!(ev(acc[0], "distinct_sources"), 8);
    assert_eq!(strs(ev(acc[0], "protocols")), ["smb", "krb5"]);
}

fn ssh_session(start: u64, secs: u64, client: &str, toclient: u64, toserver: u64) -> Event {
    Event::Session(SessionEvent {
        ts: at(start, 0),
        end: at(start + secs, 0),
        client: ip(client),
        client_port: 40000,
        server: ip("10.0.0.22"),
        server_port: 22,
        ip_proto: 6,
        app_proto: Some("ssh"),
        established: true,
        bytes_toserver: toserver,
        bytes_toclient: toclient,
        pkts_toserver: 20,
        pkts_toclient: 18,
    })
}

#[test]
fn ssh_brute_force_is_inferred_from_session_shapes() {
    let mut c = Correlator::new(cfg());
    let events: Vec<Event> = (0..15)
        .map(|i| ssh_session(i * 4, 3, "10.9.9.66", 4200 + (i % 3) * 40, 2900))
        .collect();
    let out = run(&mut c, &events);
    assert_eq!(out.len(), 1, "{out:#?}");
    let a = &out[0];
    assert_eq!((a.sid, a.detector), (9_100_004, Detector::LoginFlood));
    assert_eq!(ev(a, "inferred"), true);
    assert!(
        ev(a, "basis")
            .as_str()
            .is_some_and(|b| b.contains("encrypted"))
    );
    assert_eq!(ev(a, "sessions"), 10);
    assert_eq!(ev(a, "bytes_toclient_min"), 4200);
    assert_eq!(ev(a, "bytes_toclient_max"), 4280);
    assert_eq!(a.app_proto, Some("ssh"));
    let eve = a.to_eve_json();
    assert_eq!(eve["anomaly"]["inferred"], true);
}

#[test]
fn interactive_and_file_transfer_ssh_sessions_are_not_failures() {
    let mut c = Correlator::new(cfg());
    let mut events = Vec::new();
    for i in 0..40 {
        // Admin sessions: minutes long, tens of kilobytes.
        events.push(ssh_session(
            i * 100,
            90,
            "10.5.0.8",
            60_000 + i * 1000,
            20_000,
        ));
        // scp of a small file: short but bigger than a failed attempt.
        events.push(ssh_session(i * 100 + 50, 2, "10.5.0.9", 30_000, 250_000));
    }
    let mut out = run(&mut c, &events);
    c.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
}

// ------------------------------------------------------------- password-spray

#[test]
fn password_spray_names_the_accounts() {
    let mut c = Correlator::new(cfg());
    let events: Vec<Event> = (0..12)
        .map(|i| {
            login(
                i * 20,
                "10.250.0.7",
                if i % 2 == 0 { "10.0.0.2" } else { "10.0.0.3" },
                88,
                AppProto::Krb5,
                &format!("staff{i:02}"),
                Outcome::Failure,
            )
        })
        .collect();
    let out = run(&mut c, &events);
    let sp = of(&out, Detector::PasswordSpray);
    assert_eq!(sp.len(), 1, "{out:#?}");
    let a = sp[0];
    assert_eq!((a.sid, a.severity), (9_100_010, 1));
    assert_eq!(a.src_ip, Some(ip("10.250.0.7")));
    assert_eq!(a.dest_ip, None, "two domain controllers");
    assert_eq!(ev(a, "distinct_accounts"), 10);
    assert_eq!(
        strs(ev(a, "accounts"))[..3],
        ["staff00", "staff01", "staff02"]
    );
    assert_eq!(strs(ev(a, "servers")), ["10.0.0.2", "10.0.0.3"]);
    assert_eq!(strs(ev(a, "protocols")), ["krb5"]);
    // One failure per account per DC: no per-source flood.
    assert!(of(&out, Detector::LoginFlood).is_empty());
}

#[test]
fn allow_listed_terminal_server_relaying_many_users_is_not_a_spray() {
    let mut d = cfg();
    d.password_spray.allow = NetList(vec![
        config::parse_net("10.0.5.10").unwrap_or_else(|e| panic!("{e}")),
    ]);
    let mut c = Correlator::new(d);
    let events: Vec<Event> = (0..40)
        .map(|i| {
            login(
                i * 10,
                "10.0.5.10",
                "10.0.0.2",
                88,
                AppProto::Krb5,
                &format!("u{i}"),
                Outcome::Failure,
            )
        })
        .collect();
    let out = run(&mut c, &events);
    assert!(of(&out, Detector::PasswordSpray).is_empty(), "{out:#?}");
}

// ------------------------------------------------------- port-scan, host-sweep

#[test]
fn syn_scan_of_one_host_is_a_port_scan_with_open_ports() {
    let mut c = Correlator::new(cfg());
    let mut events = Vec::new();
    for p in 1..=100u16 {
        let o = if p == 22 || p == 80 {
            ConnOutcome::HalfOpen
        } else {
            ConnOutcome::Refused
        };
        events.push(conn(
            at(0, u64::from(p) * 1000),
            "10.9.9.66",
            "10.0.0.10",
            6,
            p,
            o,
        ));
    }
    // A later connect scan finds 443 open.
    events.push(conn(
        at(1, 0),
        "10.9.9.66",
        "10.0.0.10",
        6,
        443,
        ConnOutcome::Established,
    ));
    let out = run(&mut c, &events);
    let ps = of(&out, Detector::PortScan);
    assert_eq!(ps.len(), 1, "{out:#?}");
    let a = ps[0];
    assert_eq!((a.sid, a.proto), (9_100_020, Some("TCP")));
    assert_eq!(
        (a.src_ip, a.dest_ip),
        (Some(ip("10.9.9.66")), Some(ip("10.0.0.10")))
    );
    assert_eq!(ev(a, "distinct_ports"), 25);
    assert_eq!(strs(ev(a, "ports"))[..3], ["1", "2", "3"]);
    assert_eq!(ev(a, "probe_types")["half_open"], 1);
    assert_eq!(ev(a, "probe_types")["refused"], 24);
    let mut end = Vec::new();
    c.tick(at(200, 0), &mut end);
    let e = of(&end, Detector::PortScan);
    assert_eq!(e.len(), 1);
    assert_eq!(ev(e[0], "distinct_ports"), 100);
    assert_eq!(strs(ev(e[0], "open_ports")), ["443"]);
    assert!(of(&out, Detector::HostSweep).is_empty());
}

#[test]
fn stealth_and_udp_scans_are_port_scans() {
    let mut c = Correlator::new(cfg());
    let mut events = Vec::new();
    for p in 0..30u16 {
        events.push(conn(
            at(0, u64::from(p)),
            "10.9.9.66",
            "10.0.0.11",
            6,
            1000 + p,
            ConnOutcome::Stealth { flags: 0x29 },
        ));
        let o = if p % 2 == 0 {
            ConnOutcome::UdpUnreachable
        } else {
            ConnOutcome::UdpUnanswered
        };
        events.push(conn(
            at(0, u64::from(p)),
            "10.9.9.66",
            "10.0.0.11",
            17,
            2000 + p,
            o,
        ));
    }
    let out = run(&mut c, &events);
    let ps = of(&out, Detector::PortScan);
    assert_eq!(ps.len(), 2, "{out:#?}");
    assert_eq!(ev(ps[0], "probe_types")["xmas_probe"], 25);
    assert_eq!(ev(ps[1], "transport"), "UDP");
    assert_eq!(ev(ps[1], "probe_types")["udp_unreachable"], 13);
}

#[test]
fn ftp_data_connections_and_an_allow_listed_scanner_are_not_scans() {
    let mut d = cfg();
    d.port_scan.allow = NetList(vec![
        config::parse_net("10.0.9.0/28").unwrap_or_else(|e| panic!("{e}")),
    ]);
    let mut c = Correlator::new(d);
    let mut events = Vec::new();
    for p in 0..200u16 {
        // Passive FTP: a new server port per transfer, every one completes.
        events.push(conn(
            at(u64::from(p) / 4, 0),
            "10.1.1.5",
            "10.0.0.10",
            6,
            50000 + p,
            ConnOutcome::Established,
        ));
        // The vulnerability scanner.
        events.push(conn(
            at(u64::from(p) / 4, 0),
            "10.0.9.3",
            "10.0.0.10",
            6,
            p + 1,
            ConnOutcome::Refused,
        ));
    }
    let mut out = run(&mut c, &events);
    c.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn smb_sweep_and_ping_sweep_are_host_sweeps() {
    let mut c = Correlator::new(cfg());
    let mut events = Vec::new();
    for h in 1..=60u8 {
        let o = if h % 4 == 0 {
            ConnOutcome::Established
        } else {
            ConnOutcome::Unanswered
        };
        events.push(conn(
            at(u64::from(h), 0),
            "10.1.1.99",
            &format!("10.1.2.{h}"),
            6,
            445,
            o,
        ));
        let e = if h % 3 == 0 {
            ConnOutcome::EchoAnswered
        } else {
            ConnOutcome::EchoUnanswered
        };
        events.push(conn(
            at(u64::from(h), 0),
            "10.1.1.99",
            &format!("10.1.3.{h}"),
            1,
            0,
            e,
        ));
    }
    let out = run(&mut c, &events);
    let hs = of(&out, Detector::HostSweep);
    assert_eq!(hs.len(), 2, "{out:#?}");
    let smb = hs.iter().find(|a| a.dest_port == Some(445)).copied();
    let smb = smb.unwrap_or_else(|| panic!("no SMB sweep in {hs:#?}"));
    assert_eq!(smb.sid, 9_100_021);
    assert_eq!(ev(smb, "distinct_hosts"), 30);
    assert_eq!(ev(smb, "port"), 445);
    assert_eq!(ev(smb, "answered_hosts"), 7);
    assert_eq!(strs(ev(smb, "hosts"))[0], "10.1.2.1");
    let icmp = hs.iter().find(|a| a.proto == Some("ICMP")).copied();
    let icmp = icmp.unwrap_or_else(|| panic!("no ping sweep in {hs:#?}"));
    assert!(icmp.signature.contains("ICMP echo"));
    assert_eq!(ev(icmp, "probe_types")["echo_answered"], 10);
}

#[test]
fn backup_server_and_web_browsing_are_not_sweeps() {
    let mut d = cfg();
    d.host_sweep.allow = NetList(vec![
        config::parse_net("10.0.0.50").unwrap_or_else(|e| panic!("{e}")),
    ]);
    let mut c = Correlator::new(d);
    let mut events = Vec::new();
    for h in 0..250u16 {
        let (a, b) = (h / 250, h % 250 + 1);
        // Nightly backup pulling from every workstation over SMB.
        events.push(conn(
            at(u64::from(h), 0),
            "10.0.0.50",
            &format!("10.1.{a}.{b}"),
            6,
            445,
            ConnOutcome::Established,
        ));
        // A browser reaching many outside hosts on 443.
        events.push(conn(
            at(u64::from(h), 0),
            "10.1.1.5",
            &format!("203.0.{a}.{b}"),
            6,
            443,
            ConnOutcome::Established,
        ));
        // mDNS / SSDP to multicast.
        events.push(conn(
            at(u64::from(h), 0),
            "10.1.1.6",
            "239.255.255.250",
            17,
            1900,
            ConnOutcome::UdpUnanswered,
        ));
    }
    let mut out = run(&mut c, &events);
    c.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
}

// ------------------------------------------------------------------ syn-flood

#[test]
fn spoofed_syn_flood_is_reported_per_server() {
    let mut c = Correlator::new(cfg());
    let events: Vec<Event> = (0..1000u32)
        .map(|i| {
            let src = format!(
                "{}.{}.{}.{}",
                1 + i % 200,
                (i / 7) % 250,
                (i * 13) % 250,
                i % 251
            );
            conn(
                at(0, u64::from(i) * 5000),
                &src,
                "10.0.0.5",
                6,
                443,
                ConnOutcome::HalfOpen,
            )
        })
        .collect();
    let out = run(&mut c, &events);
    let sf = of(&out, Detector::SynFlood);
    assert_eq!(sf.len(), 1, "{sf:#?}");
    let a = sf[0];
    assert_eq!((a.sid, a.src_ip), (9_100_030, None));
    assert_eq!((a.dest_ip, a.dest_port), (Some(ip("10.0.0.5")), Some(443)));
    assert_eq!(ev(a, "failed"), 200);
    assert_eq!(ev(a, "half_open"), 200);
    assert_eq!(ev(a, "failed_ratio"), 1.0);
    let est = ev(a, "distinct_sources_estimate").as_u64().unwrap_or(0);
    assert!((150..=260).contains(&est), "estimate {est}");
    assert_eq!(strs(ev(a, "sources")).len(), 20);
}

#[test]
fn busy_server_losing_a_few_handshakes_is_not_flooded() {
    let mut c = Correlator::new(cfg());
    let mut events = Vec::new();
    for i in 0..6000u32 {
        let src = format!("10.1.{}.{}", (i / 250) % 250, i % 250 + 1);
        let o = if i % 20 == 0 {
            ConnOutcome::Unanswered
        } else {
            ConnOutcome::Established
        };
        events.push(conn(
            at(u64::from(i / 600), 0),
            &src,
            "10.0.0.80",
            6,
            443,
            o,
        ));
    }
    // Burst of lost SYNs during a link flap: many failures, but most
    // handshakes still complete.
    for i in 0..250u32 {
        events.push(conn(
            at(10, u64::from(i)),
            "10.1.9.9",
            "10.0.0.80",
            6,
            443,
            ConnOutcome::Unanswered,
        ));
        for j in 0..4u32 {
            events.push(conn(
                at(10, u64::from(i)),
                &format!("10.2.{j}.{}", i % 250 + 1),
                "10.0.0.80",
                6,
                443,
                ConnOutcome::Established,
            ));
        }
    }
    let mut out = run(&mut c, &events);
    c.finish(&mut out);
    assert!(of(&out, Detector::SynFlood).is_empty(), "{out:#?}");
}

#[test]
fn a_million_spoofed_sources_stay_within_the_caps() {
    let mut d = cfg();
    d.port_scan.max_tracked = 10_000;
    d.host_sweep.max_tracked = 10_000;
    let mut c = Correlator::new(d);
    let mut out = Vec::new();
    for i in 0..1_000_000u32 {
        // Every source a different spoofed address outside the hospital.
        let src = IpAddr::from(
            (0xC000_0000u32 | 0x0100_0000)
                .wrapping_add(i.wrapping_mul(2_654_435_761))
                .to_be_bytes(),
        );
        let e = Event::Conn(ConnEvent {
            ts: at(u64::from(i / 50_000), u64::from(i % 50_000) * 20),
            client: src,
            client_port: 1024 + (i % 60000) as u16,
            server: ip("10.0.0.5"),
            server_port: 443,
            ip_proto: 6,
            outcome: ConnOutcome::HalfOpen,
        });
        c.handle(&e, &mut out);
    }
    c.finish(&mut out);
    let counters: std::collections::HashMap<String, u64> = c.counters().into_iter().collect();
    let get = |k: &str| counters.get(k).copied().unwrap_or(u64::MAX);
    assert_eq!(get("correlator.events"), 1_000_000);
    // Per-source state (scan trackers keyed by source) hit its cap and
    // evicted; the flood detector held one key.
    assert!(
        get("correlator.port_scan.evicted") > 900_000,
        "{counters:?}"
    );
    assert!(
        get("correlator.host_sweep.evicted") > 900_000,
        "{counters:?}"
    );
    assert!(get("correlator.syn_flood.evicted") == 0);
    let sf = of(&out, Detector::SynFlood);
    // One episode: new, updates at 2,000, 20,000, 200,000, then its end.
    assert_eq!(
        sf.iter().map(|a| a.state).collect::<Vec<_>>(),
        [
            EpisodeState::New,
            EpisodeState::Update,
            EpisodeState::Update,
            EpisodeState::Update,
            EpisodeState::End
        ],
    );
    let end = sf[4];
    let est = ev(end, "distinct_sources_estimate").as_u64().unwrap_or(0);
    assert!((700_000..=1_300_000).contains(&est), "estimate {est}");
    // No alert storm: nothing else fired (each source probed one port once).
    assert_eq!(out.len(), 5, "{:#?}", &out[..out.len().min(8)]);
}

// ----------------------------------------------------- suspicious-destination

fn indicators() -> Indicators {
    let mut ind = Indicators::default();
    let r = ind
        .add_domains(
            "evil.example  campaign X (ticket 42)\n",
            Path::new("domains.txt"),
        )
        .and_then(|()| ind.add_ips("203.0.113.0/24 bulletproof hosting\n", Path::new("ips.txt")));
    r.unwrap_or_else(|e| panic!("{e}"));
    ind
}

fn name(secs: u64, client: &str, kind: NameKind, n: &str) -> Event {
    Event::Name(NameEvent {
        ts: at(secs, 0),
        client: ip(client),
        server: Some(ip("10.0.0.53")),
        server_port: 53,
        kind,
        name: n.to_string(),
    })
}

#[test]
fn listed_domain_and_address_raise_one_episode_each() {
    let mut c = Correlator::new(cfg());
    c.set_indicators(indicators());
    let events = vec![
        name(0, "10.1.1.5", NameKind::Dns, "WWW.Evil.Example."),
        name(1, "10.1.1.5", NameKind::TlsSni, "cdn.evil.example"),
        name(1, "10.1.1.5", NameKind::Dns, "notevil.example"),
        conn(
            at(2, 0),
            "10.1.1.5",
            "203.0.113.9",
            6,
            443,
            ConnOutcome::Established,
        ),
        conn(
            at(3, 0),
            "10.1.1.5",
            "203.0.113.9",
            6,
            443,
            ConnOutcome::Established,
        ),
    ];
    let out = run(&mut c, &events);
    assert_eq!(out.len(), 2, "{out:#?}");
    let d = &out[0];
    assert_eq!((d.sid, d.state), (9_100_040, EpisodeState::New));
    assert_eq!(d.src_ip, Some(ip("10.1.1.5")));
    assert_eq!(ev(d, "indicator"), "evil.example");
    assert_eq!(ev(d, "indicator_type"), "domain");
    assert_eq!(ev(d, "note"), "campaign X (ticket 42)");
    assert_eq!(ev(d, "list"), "domains.txt");
    assert_eq!(strs(ev(d, "matched")), ["www.evil.example"]);
    assert_eq!(strs(ev(d, "seen_in")), ["dns"]);
    let i = &out[1];
    assert_eq!(i.sid, 9_100_041);
    assert_eq!(
        (i.dest_ip, i.dest_port),
        (Some(ip("203.0.113.9")), Some(443))
    );
    assert_eq!(ev(i, "indicator"), "203.0.113.0/24");
    assert_eq!(ev(i, "direction"), "outbound");
    let mut end = Vec::new();
    c.finish(&mut end);
    assert_eq!(end.len(), 2);
    assert_eq!(ev(&end[0], "hits"), 2);
    assert_eq!(
        strs(ev(&end[0], "matched")),
        ["www.evil.example", "cdn.evil.example"]
    );
    assert_eq!(strs(ev(&end[0], "seen_in")), ["dns", "tls_sni"]);
}

#[test]
fn sandbox_is_allow_listed_and_lists_reload() {
    let mut d = cfg();
    d.suspicious_destination.allow = NetList(vec![
        config::parse_net("10.66.0.0/24").unwrap_or_else(|e| panic!("{e}")),
    ]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("d.txt"), "# none yet\n").unwrap_or_else(|e| panic!("{e}"));
    d.suspicious_destination.domain_files = vec![dir.path().join("d.txt")];
    d.suspicious_destination.ip_files = vec![];
    let mut c = Correlator::new(d);
    assert_eq!(c.reload_indicators().ok(), Some((0, 0)));
    let mut out = run(
        &mut c,
        &[name(0, "10.1.1.5", NameKind::HttpHost, "evil.example")],
    );
    assert!(out.is_empty());
    std::fs::write(dir.path().join("d.txt"), "evil.example\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.reload_indicators().ok(), Some((1, 0)));
    out = run(
        &mut c,
        &[
            name(1, "10.66.0.4", NameKind::HttpHost, "evil.example"),
            name(2, "10.1.1.5", NameKind::HttpHost, "evil.example"),
        ],
    );
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].src_ip, Some(ip("10.1.1.5")));
    // A broken list keeps the old one in use.
    std::fs::write(dir.path().join("d.txt"), "evil.example\nbad!domain\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let err = c
        .reload_indicators()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("d.txt:2:"), "{err}");
    out = run(
        &mut c,
        &[name(3, "10.1.1.7", NameKind::Dns, "x.evil.example")],
    );
    assert_eq!(out.len(), 1);
}

// ------------------------------------------------------------------ new-device

fn device(secs: u64, mac: [u8; 6], addr: &str, host: Option<&str>) -> Event {
    Event::Device(DeviceEvent {
        ts: at(secs, 0),
        mac: Some(mac),
        ip: Some(ip(addr)),
        hostname: host.map(str::to_string),
        source: DeviceSource::Dhcp,
    })
}

#[test]
fn new_device_after_learning_is_reported_and_the_inventory_persists() {
    let mut d = cfg();
    d.new_device.learning_secs = 3600;
    let mut c = Correlator::new(d.clone());
    c.set_oui(OuiTable::shipped());
    let known = [0x00, 0x1b, 0x21, 0x01, 0x02, 0x03];
    let mut out = run(
        &mut c,
        &[
            device(0, known, "10.1.1.20", Some("WS-WARD3")),
            // The same workstation, seen by a flow later in learning.
            Event::Device(DeviceEvent {
                ts: at(100, 0),
                mac: Some(known),
                ip: Some(ip("10.1.1.20")),
                hostname: None,
                source: DeviceSource::Flow,
            }),
            Event::Session(SessionEvent {
                ts: at(200, 0),
                end: at(210, 0),
                client: ip("10.1.1.20"),
                client_port: 50000,
                server: ip("10.0.0.10"),
                server_port: 443,
                ip_proto: 6,
                app_proto: Some("tls"),
                established: true,
                bytes_toserver: 1000,
                bytes_toclient: 5000,
                pkts_toserver: 10,
                pkts_toclient: 10,
            }),
        ],
    );
    assert!(out.is_empty(), "learning: {out:#?}");
    let dev = c.inventory().by_mac(known).cloned();
    let dev = dev.unwrap_or_else(|| panic!("not in inventory"));
    assert_eq!(dev.seen_by, ["dhcp", "flow"]);
    assert_eq!(dev.protocols, ["tls"]);
    assert_eq!(dev.hostnames, ["WS-WARD3"]);

    // Persist, restart, keep going after the learning period.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("inventory.json");
    c.inventory().save(&path).unwrap_or_else(|e| panic!("{e}"));
    let loaded = Inventory::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.learning_started(), Some(at(0, 0)));
    let mut c = Correlator::new(d);
    c.set_oui(OuiTable::shipped());
    c.set_inventory(loaded);
    let vm = [0x00, 0x50, 0x56, 0xaa, 0xbb, 0xcc];
    out = run(
        &mut c,
        &[
            device(4000, known, "10.1.1.21", None),
            device(4001, vm, "10.1.1.77", Some("kali")),
            device(4002, vm, "10.1.1.77", Some("kali")),
        ],
    );
    assert_eq!(out.len(), 1, "{out:#?}");
    let a = &out[0];
    assert_eq!(
        (a.sid, a.detector, a.state),
        (9_100_050, Detector::NewDevice, EpisodeState::New)
    );
    assert_eq!(a.src_ip, Some(ip("10.1.1.77")));
    assert_eq!(ev(a, "mac"), "00:50:56:aa:bb:cc");
    assert_eq!(ev(a, "vendor"), "VMware, Inc.");
    assert_eq!(ev(a, "hostname"), "kali");
    assert_eq!(ev(a, "seen_by"), "dhcp");
    assert_eq!(ev(a, "learning_ended"), &Value::from(at(3600, 0).rfc3339()));
    // The known workstation moved address: still known.
    let ws = c.inventory().by_mac(known).map(|d| d.ips.clone());
    assert_eq!(ws, Some(vec![ip("10.1.1.20"), ip("10.1.1.21")]));
    assert!(Inventory::load(&dir.path().join("missing.json")).is_ok_and(|i| i.is_empty()));
    std::fs::write(&path, "{}").unwrap_or_else(|e| panic!("{e}"));
    assert!(Inventory::load(&path).is_err());
}

#[test]
fn mac_flood_after_learning_is_capped_in_memory_and_alerts() {
    let mut d = cfg();
    d.new_device.learning_secs = 0;
    d.new_device.max_devices = 1000;
    let mut c = Correlator::new(d);
    let mut out = Vec::new();
    for i in 0..50_000u32 {
        let b = i.to_be_bytes();
        c.handle(
            &device(
                1 + u64::from(i / 1000),
                [0x02, 0, b[0], b[1], b[2], b[3]],
                "10.1.1.1",
                None,
            ),
            &mut out,
        );
    }
    assert_eq!(out.len(), 20, "max_alerts_per_hour");
    assert_eq!(c.inventory().len(), 1000);
    let counters: std::collections::HashMap<String, u64> = c.counters().into_iter().collect();
    assert_eq!(counters.get("correlator.new_device.evicted"), Some(&49_000));
}

#[test]
fn inventory_csv_is_a_ledger_and_defuses_formulas() {
    let mut c = Correlator::new(cfg());
    run(
        &mut c,
        &[
            device(
                0,
                [0x00, 0x50, 0x56, 0, 0, 1],
                "10.1.1.5",
                Some("=HYPERLINK(\"x\")"),
            ),
            device(
                0,
                [0x00, 0x50, 0x56, 0, 0, 2],
                "10.1.1.6",
                Some("infusion-pump-7"),
            ),
        ],
    );
    let csv = c.inventory().to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "mac,vendor,ip_addresses,hostnames,first_seen,last_seen,seen_by,services,protocols"
    );
    assert!(
        lines[1].starts_with("00:50:56:00:00:01,,10.1.1.5,\"'=HYPERLINK(\"\"x\"\")\","),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains(",infusion-pump-7,"), "{}", lines[2]);
    let json = c.inventory().to_json();
    assert_eq!(json["devices"].as_array().map(Vec::len), Some(2));
}

// ----------------------------------------------------------------- zone-policy

fn zones() -> DetectorsConfig {
    let text = r#"
[[zone-policy.zones]]
name = "contractor-vpn"
networks = ["10.250.0.0/24"]
[[zone-policy.zones]]
name = "ehr"
networks = ["10.10.1.0/24"]
[[zone-policy.zones]]
name = "internet"
networks = ["0.0.0.0/0"]
[[zone-policy.flows]]
from = "contractor-vpn"
to = "ehr"
services = ["tcp/443"]
[[zone-policy.flows]]
from = "contractor-vpn"
to = "internet"
services = ["any"]
"#;
    DetectorsConfig::parse(text, Path::new("z.toml")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn contractor_vpn_opening_smb_to_the_ehr_violates_the_policy() {
    let mut c = Correlator::new(zones());
    let out = run(
        &mut c,
        &[
            conn(
                at(0, 0),
                "10.250.0.7",
                "10.10.1.5",
                6,
                445,
                ConnOutcome::Refused,
            ),
            conn(
                at(1, 0),
                "10.250.0.7",
                "10.10.1.5",
                6,
                445,
                ConnOutcome::Established,
            ),
            // Allowed: HTTPS to the EHR, anything to the internet.
            conn(
                at(2, 0),
                "10.250.0.7",
                "10.10.1.5",
                6,
                443,
                ConnOutcome::Established,
            ),
            conn(
                at(2, 0),
                "10.250.0.7",
                "198.51.100.1",
                17,
                53,
                ConnOutcome::UdpAnswered,
            ),
            // Inside one zone: not judged.
            conn(
                at(3, 0),
                "10.10.1.5",
                "10.10.1.6",
                6,
                445,
                ConnOutcome::Established,
            ),
            // Unlisted to unlisted... everything is in `internet` except the
            // two zones, but the internet reaching the EHR is not allowed.
            conn(
                at(4, 0),
                "192.0.2.1",
                "10.10.1.5",
                6,
                3389,
                ConnOutcome::Unanswered,
            ),
        ],
    );
    assert_eq!(out.len(), 2, "{out:#?}");
    let a = &out[0];
    assert_eq!((a.sid, a.severity), (9_100_060, 1));
    assert_eq!(
        (a.src_ip, a.dest_ip, a.dest_port),
        (Some(ip("10.250.0.7")), Some(ip("10.10.1.5")), Some(445))
    );
    assert_eq!(ev(a, "from_zone"), "contractor-vpn");
    assert_eq!(ev(a, "to_zone"), "ehr");
    assert_eq!(ev(a, "service"), "tcp/445");
    assert_eq!(strs(ev(a, "allowed_services")), ["tcp/443"]);
    assert_eq!(strs(ev(a, "outcomes")), ["refused"]);
    assert_eq!(ev(&out[1], "from_zone"), "internet");
    let mut end = Vec::new();
    c.finish(&mut end);
    assert_eq!(ev(&end[0], "attempts"), 2);
    assert_eq!(ev(&end[0], "established"), 1);
}

// ---------------------------------------------------------------------- beacon

/// Connections every `period` seconds with a deterministic jitter of up to
/// `jitter_ms` milliseconds.
fn periodic(
    client: &str,
    server: &str,
    proto: u8,
    port: u16,
    period: u64,
    n: u64,
    jitter_ms: u64,
) -> Vec<Event> {
    let mut x: u64 = 0x9e37_79b9;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let j = if jitter_ms == 0 {
                0
            } else {
                x % (jitter_ms * 1000)
            };
            let o = if proto == 6 {
                ConnOutcome::Established
            } else {
                ConnOutcome::UdpAnswered
            };
            conn(at(i * period, j), client, server, proto, port, o)
        })
        .collect()
}

#[test]
fn regular_check_ins_to_one_outside_host_are_a_beacon() {
    let mut c = Correlator::new(cfg());
    let out = run(
        &mut c,
        &periodic("10.1.1.30", "198.51.100.66", 6, 443, 60, 90, 1500),
    );
    let b = of(&out, Detector::Beacon);
    assert_eq!(b.len(), 1, "{out:#?}");
    let a = b[0];
    assert_eq!((a.sid, a.state), (9_100_070, EpisodeState::New));
    assert_eq!(
        (a.src_ip, a.dest_ip, a.dest_port),
        (Some(ip("10.1.1.30")), Some(ip("198.51.100.66")), Some(443))
    );
    // The first connection at which 20+ connections span an hour (the 61st,
    // or the 62nd when the jitter made the 61st early).
    let n = ev(a, "connections").as_u64().unwrap_or(0);
    assert!((61..=62).contains(&n), "{n}");
    let interval = ev(a, "interval_secs").as_f64().unwrap_or(0.0);
    assert!((59.0..61.0).contains(&interval), "{interval}");
    assert!(ev(a, "jitter").as_f64().is_some_and(|j| j < 0.05));
    assert!(
        ev(a, "span_secs")
            .as_u64()
            .is_some_and(|s| (3600..3661).contains(&s))
    );
    assert_eq!(ev(a, "service"), "tcp/443");
    assert_eq!(strs(ev(a, "intervals")).len(), 10);
    // It stops: the episode ends after three intervals of silence.
    let mut end = Vec::new();
    c.tick(at(89 * 60 + 200, 0), &mut end);
    assert_eq!(of(&end, Detector::Beacon).len(), 1, "{end:#?}");
    assert_eq!(ev(&end[0], "connections"), 90);
}

#[test]
fn allow_listed_monitoring_ntp_and_browsing_do_not_beacon() {
    let mut d = cfg();
    // The monitoring SaaS the IT team polls every minute.
    d.beacon.allow = NetList(vec![
        config::parse_net("198.51.100.10").unwrap_or_else(|e| panic!("{e}")),
    ]);
    let mut c = Correlator::new(d);
    let mut events = periodic("10.0.0.40", "198.51.100.10", 6, 443, 60, 200, 200);
    // NTP every 64 s.
    events.extend(periodic("10.0.0.41", "192.0.2.123", 17, 123, 64, 200, 5));
    // A user reading the news: irregular.
    let mut t = 0u64;
    for i in 0..200u64 {
        t += 5 + (i * 7919) % 400;
        events.push(conn(
            at(t, 0),
            "10.0.0.42",
            "203.0.113.200",
            6,
            443,
            ConnOutcome::Established,
        ));
    }
    events.sort_by_key(Event::ts);
    let mut out = run(&mut c, &events);
    c.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
    // Without the allow-list the monitoring poll is regular: the allow-list
    // is what keeps it quiet.
    let mut c = Correlator::new(cfg());
    let out = run(
        &mut c,
        &periodic("10.0.0.40", "198.51.100.10", 6, 443, 60, 200, 200),
    );
    assert_eq!(of(&out, Detector::Beacon).len(), 1);
}

// ---------------------------------------------------------------- all together

fn mixed_events() -> Vec<Event> {
    let mut events = Vec::new();
    for i in 0..40u64 {
        events.push(login(
            i,
            "10.9.9.66",
            "10.0.0.10",
            21,
            AppProto::Ftp,
            &format!("u{}", i % 12),
            Outcome::Failure,
        ));
        events.push(conn(
            at(i, 1),
            "10.9.9.67",
            "10.0.0.11",
            6,
            1 + i as u16,
            ConnOutcome::Refused,
        ));
        events.push(conn(
            at(i, 2),
            "10.9.9.68",
            &format!("10.1.5.{}", i + 1),
            6,
            445,
            ConnOutcome::Unanswered,
        ));
    }
    for i in 0..3000u32 {
        let src = IpAddr::from(
            (0x0800_0000u32)
                .wrapping_add(i.wrapping_mul(7919))
                .to_be_bytes(),
        );
        events.push(Event::Conn(ConnEvent {
            ts: at(50 + u64::from(i / 1000), u64::from(i)),
            client: src,
            client_port: 1,
            server: ip("10.0.0.5"),
            server_port: 80,
            ip_proto: 6,
            outcome: ConnOutcome::HalfOpen,
        }));
    }
    events
}

#[test]
fn replays_are_identical_even_with_small_caps() {
    let mut d = cfg();
    d.port_scan.max_tracked = 16;
    d.host_sweep.max_tracked = 16;
    d.login_flood.max_tracked = 4;
    let go = || {
        let mut c = Correlator::new(d.clone());
        let mut out = run(&mut c, &mixed_events());
        c.tick(at(10_000, 0), &mut out);
        out.iter()
            .map(|a| a.to_eve_json().to_string())
            .collect::<Vec<_>>()
    };
    let first = go();
    assert!(first.len() >= 8, "{first:#?}");
    for _ in 0..3 {
        assert_eq!(go(), first);
    }
}

#[test]
fn every_anomaly_has_the_eve_shape() {
    let mut c = Correlator::new(cfg());
    let mut out = run(&mut c, &mixed_events());
    c.finish(&mut out);
    let detectors: std::collections::BTreeSet<&str> =
        out.iter().map(|a| a.detector.as_str()).collect();
    assert_eq!(
        detectors.into_iter().collect::<Vec<_>>(),
        [
            "host-sweep",
            "login-flood",
            "password-spray",
            "port-scan",
            "syn-flood"
        ]
    );
    for a in &out {
        let j = a.to_eve_json();
        let sid = j["alert"]["signature_id"].as_u64().unwrap_or(0);
        assert!((9_100_000..=9_100_999).contains(&sid), "{j}");
        for k in ["action", "gid", "rev", "signature", "category", "severity"] {
            assert!(j["alert"].get(k).is_some(), "alert.{k} in {j}");
        }
        assert_eq!(j["anomaly"]["detector"], a.detector.as_str());
        assert!(["new", "update", "end"].contains(&j["anomaly"]["state"].as_str().unwrap_or("")));
        assert!(j["anomaly"]["episode"].as_u64().is_some_and(|e| e > 0));
        assert!(j["anomaly"].get("first_seen").is_some(), "{j}");
    }
    // Every episode that began has ended, after its updates.
    let mut states: std::collections::BTreeMap<u64, Vec<&str>> = Default::default();
    for a in &out {
        states.entry(a.episode).or_default().push(a.state.as_str());
    }
    for (ep, s) in states {
        assert_eq!(s.first(), Some(&"new"), "episode {ep}: {s:?}");
        assert_eq!(s.last(), Some(&"end"), "episode {ep}: {s:?}");
    }
}

// ---------------------------------------------------------------- sliding windows

/// One refused probe of `port` from the scanner at `secs`.
fn probe(secs: u64, port: u16) -> Event {
    conn(
        at(secs, 0),
        "10.30.0.66",
        "10.20.0.10",
        6,
        port,
        ConnOutcome::Refused,
    )
}

/// A scan split across what a window anchored at its first event would
/// cut in two: one probe at 0 s, 15 ports at 50-57 s, 15 more at 61-68 s.
/// A fixed window [0, 60] saw 16, its successor 15, and neither reached
/// 25; the sliding window sees 30 ports within 18 s.
#[test]
fn a_scan_straddling_a_window_boundary_is_counted_whole() {
    let mut events = vec![probe(0, 1)];
    events.extend((0..15).map(|i| probe(50 + i / 2, 100 + i as u16)));
    events.extend((0..15).map(|i| probe(61 + i / 2, 200 + i as u16)));
    let mut c = Correlator::new(cfg());
    let out = run(&mut c, &events);
    let scans = of(&out, Detector::PortScan);
    assert_eq!(scans.len(), 1, "{out:?}");
    assert_eq!(scans[0].state, EpisodeState::New);
    // Raised at the 25th port within the last 60 s: probe 0's port 1 fell
    // out of the window before (it is still in the totals).
    assert_eq!(ev(scans[0], "distinct_ports"), 26);
    // The end of the input ends the episode, and says so.
    let mut end = Vec::new();
    c.finish(&mut end);
    assert_eq!(end.len(), 1, "{end:?}");
    assert_eq!(ev(&end[0], "distinct_ports"), 31);
    assert_eq!(ev(&end[0], "end_reason"), "shutdown");
}

/// A drip of one new port every 10 s for 10 minutes is 60 ports in total
/// but at most 7 in any 60 s: no scan, and the tracker does not start over
/// (it was never quiet for a window), so the totals keep growing while the
/// window slides.
#[test]
fn a_slow_drip_never_fills_the_sliding_window() {
    let events: Vec<Event> = (0..60).map(|i| probe(i * 10, 1000 + i as u16)).collect();
    let mut c = Correlator::new(cfg());
    let out = run(&mut c, &events);
    assert!(of(&out, Detector::PortScan).is_empty(), "{out:?}");
    // The same 60 ports within 50 s are a scan.
    let events: Vec<Event> = (0..60)
        .map(|i| probe(10_000 + i * 5 / 6, 1000 + i as u16))
        .collect();
    let out = run(&mut c, &events);
    assert_eq!(of(&out, Detector::PortScan).len(), 1, "{out:?}");
}

/// Repeats of a value move it to the newer sub-window (counted once);
/// late (out-of-order) events count in their own sub-window while it is in
/// the window; the whole window empties after a quiet window.
#[test]
fn counting_slides_by_sub_window() {
    use super::track::{Counting, SLOTS};
    let w = 80; // sub-windows of 10 s
    assert_eq!(SLOTS, 8);
    let t = |s: u64| at(s, 0);
    let mut c: Counting<u16> = Counting::new(t(0));
    for (s, v) in [(0, 1), (5, 2), (15, 1), (25, 3)] {
        c.begin(t(s), w);
        c.add(t(s), w);
        c.add_value(v, t(s), w, 100, 20);
    }
    assert_eq!((c.in_window(), c.distinct_in_window()), (4, 3));
    // At 85 s the sub-window of 0-9 s has left: value 2 goes, value 1
    // (seen again at 15 s) stays.
    c.begin(t(85), w);
    assert_eq!((c.in_window(), c.distinct_in_window()), (2, 2));
    // A late event from 30 s still counts; one from 2 s does not.
    c.add(t(30), w);
    c.add_value(4, t(30), w, 100, 20);
    c.add(t(2), w);
    c.add_value(5, t(2), w, 100, 20);
    assert_eq!((c.in_window(), c.distinct_in_window()), (3, 3));
    assert_eq!(c.count, 6);
    assert_eq!(c.distinct.len(), 5);
    // Quiet for a window (last event at 85 s): it starts over.
    assert!(c.begin(t(170), w));
    assert_eq!((c.count, c.distinct.len(), c.in_window()), (0, 0, 0));
}

/// A tracker full of values (the cap) drops the ones that left the window
/// before refusing new ones, so its window count stays right.
#[test]
fn a_full_tracker_makes_room_from_values_outside_the_window() {
    use super::track::Counting;
    let w = 80;
    let t = |s: u64| at(s, 0);
    let mut c: Counting<u16> = Counting::new(t(0));
    for v in 0..4 {
        c.begin(t(0), w);
        c.add_value(v, t(0), w, 4, 2);
    }
    c.begin(t(70), w);
    c.add_value(9, t(70), w, 4, 2);
    assert_eq!(c.distinct.overflow, 1, "all four still in the window");
    c.begin(t(95), w);
    assert!(c.add_value(10, t(95), w, 4, 2));
    assert_eq!(c.distinct.len(), 1);
    assert_eq!(c.distinct_in_window(), 1);
}

// ---------------------------------------------------------------- reload, periodic save

/// Settings parsed from `text` as if read from `dir/detectors.toml`.
fn settings_in(dir: &Path, text: &str) -> DetectorsConfig {
    DetectorsConfig::parse(text, &dir.join("detectors.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Settings parsed from `text` with no files around (indicator lists: the
/// shipped empty ones).
fn settings(text: &str) -> DetectorsConfig {
    let mut c = settings_in(Path::new("."), text);
    c.base_dir = None;
    c
}

#[test]
fn reload_of_thresholds_keeps_counts_episodes_and_inventory() {
    let mut c = Correlator::new(cfg());
    let mut out = run(
        &mut c,
        &[device(0, [0, 0x1b, 0x21, 1, 2, 3], "10.20.0.7", None)],
    );
    out.extend(run(
        &mut c,
        &(0..20).map(|i| probe(1, 100 + i)).collect::<Vec<_>>(),
    ));
    assert!(of(&out, Detector::PortScan).is_empty());
    let sum = c
        .reload(settings("[port-scan]\nthreshold = 22\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sum.changed, [Detector::PortScan]);
    assert!(sum.restarted.is_empty() && sum.ended.is_empty());
    assert_eq!(c.config().port_scan.threshold, 22);
    assert_eq!(c.inventory().len(), 1, "inventory kept");
    // The 20 ports counted before the reload still count: two more raise it.
    let out = run(&mut c, &[probe(2, 200), probe(2, 201)]);
    let scans = of(&out, Detector::PortScan);
    assert_eq!(scans.len(), 1, "{out:?}");
    assert_eq!(ev(scans[0], "distinct_ports"), 22);
    assert_eq!(ev(scans[0], "threshold"), 22);
}

#[test]
fn reload_of_a_window_restarts_the_detector_and_ends_its_episodes() {
    let mut c = Correlator::new(cfg());
    let out = run(
        &mut c,
        &(0..30).map(|i| probe(1, 100 + i)).collect::<Vec<_>>(),
    );
    let id = of(&out, Detector::PortScan)[0].episode;
    let sum = c
        .reload(settings("[port-scan]\nwindow_secs = 120\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sum.restarted, [Detector::PortScan]);
    assert_eq!(sum.ended.len(), 1, "{:?}", sum.ended);
    let end = &sum.ended[0];
    assert_eq!((end.state, end.episode), (EpisodeState::End, id));
    assert_eq!(ev(end, "end_reason"), "reload");
    assert_eq!(ev(end, "distinct_ports"), 30);
    // Counting starts over under the new window: 24 more ports are no scan.
    let out = run(
        &mut c,
        &(0..24).map(|i| probe(3, 300 + i)).collect::<Vec<_>>(),
    );
    assert!(of(&out, Detector::PortScan).is_empty(), "{out:?}");
    // Unchanged settings change nothing.
    let same = c.config().clone();
    let sum = c.reload(same).unwrap_or_else(|e| panic!("{e}"));
    assert!(sum.changed.is_empty() && sum.restarted.is_empty());
}

#[test]
fn reload_rereads_indicator_lists_and_keeps_the_old_settings_on_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let text = "[suspicious-destination]\ndomain_files = [\"d.txt\"]\nip_files = []\n";
    std::fs::write(d.join("d.txt"), "evil.example\n").unwrap_or_else(|e| panic!("{e}"));
    let mut c = Correlator::new(cfg());
    let sum = c
        .reload(settings_in(d, text))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((sum.domains, sum.networks), (1, 0));
    assert_eq!(sum.changed, [Detector::SuspiciousDestination]);
    let name = |secs: u64, n: &str| {
        Event::Name(NameEvent {
            ts: at(secs, 0),
            client: ip("10.20.40.11"),
            server: Some(ip("10.20.0.2")),
            server_port: 53,
            kind: NameKind::Dns,
            name: n.to_string(),
        })
    };
    let out = run(
        &mut c,
        &[name(1, "www.evil.example"), name(1, "bad.example")],
    );
    assert_eq!(of(&out, Detector::SuspiciousDestination).len(), 1);
    // The list grows on disk; the same settings reloaded read it again.
    std::fs::write(d.join("d.txt"), "evil.example\nbad.example\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let sum = c
        .reload(settings_in(d, text))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sum.domains, 2);
    assert!(sum.changed.is_empty());
    let out = run(&mut c, &[name(2, "bad.example")]);
    assert_eq!(of(&out, Detector::SuspiciousDestination).len(), 1);
    // A list gone missing, or invalid settings: an error, nothing changes.
    let missing =
        "[suspicious-destination]\ndomain_files = [\"gone.txt\"]\n[port-scan]\nthreshold = 5\n";
    match c.reload(settings_in(d, missing)) {
        Err(ReloadError::Indicators(_)) => {}
        other => panic!("{other:?}"),
    }
    let mut bad = c.config().clone();
    bad.port_scan.window_secs = 0;
    assert!(matches!(c.reload(bad), Err(ReloadError::Settings(_))));
    assert_eq!(c.config().port_scan.threshold, 25);
    let out = run(&mut c, &[name(3, "www.bad.example")]);
    assert_eq!(
        of(&out, Detector::SuspiciousDestination).len(),
        0,
        "same (client, indicator) episode still open: counted, not re-raised"
    );
}

#[test]
fn the_inventory_is_saved_periodically_when_it_changed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let text = "[new-device]\ninventory_file = \"inv.json\"\nsave_interval_secs = 600\noui_file = \"none.txt\"\n";
    let mut c = Correlator::new(settings_in(d, text));
    let file = d.join("inv.json");
    let t0 = std::time::Instant::now();
    let min = |m: u64| t0 + std::time::Duration::from_secs(60 * m);
    assert!(
        c.save_inventory_if_due(t0).is_none(),
        "the first call starts the clock"
    );
    run(
        &mut c,
        &[device(
            0,
            [0, 0x1b, 0x21, 1, 2, 3],
            "10.20.0.7",
            Some("ct-1"),
        )],
    );
    assert!(c.save_inventory_if_due(min(5)).is_none(), "not due yet");
    assert!(!file.exists());
    let saved = c.save_inventory_if_due(min(11));
    assert!(matches!(saved, Some(Ok(ref p)) if *p == file), "{saved:?}");
    let inv = Inventory::load(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inv.len(), 1);
    // Nothing changed: no rewrite.
    assert!(c.save_inventory_if_due(min(30)).is_none());
    run(
        &mut c,
        &[device(60, [0, 0x1b, 0x21, 4, 5, 6], "10.20.0.8", None)],
    );
    assert!(matches!(c.save_inventory_if_due(min(31)), Some(Ok(_))));
    assert_eq!(Inventory::load(&file).map(|i| i.len()).ok(), Some(2));
    assert!(
        !d.join("inv.json.tmp").exists(),
        "written beside, then renamed"
    );
    // An unwritable place: an error returned (and logged), not a panic.
    let text = "[new-device]\ninventory_file = \"no/such/dir/inv.json\"\n";
    let mut c = Correlator::new(settings_in(d, text));
    assert!(matches!(c.save_inventory(t0), Some(Err(_))));
}

/// A busy server with hours of good handshakes (and the odd lost client)
/// is still judged on the last window when a flood starts.
#[test]
fn a_flood_after_a_long_busy_history_is_judged_on_the_window() {
    let c_ev = |secs: u64, micros: u64, client: &str, o: ConnOutcome| {
        conn(at(secs, micros), client, "10.20.0.90", 6, 443, o)
    };
    let mut events = Vec::new();
    // 100 s: 100 completed handshakes a second, one lost every 2 s.
    for s in 0..100u64 {
        for i in 0..100u64 {
            events.push(c_ev(s, i * 10_000, "10.21.0.1", ConnOutcome::Established));
        }
        if s % 2 == 0 {
            events.push(c_ev(s, 5_000, "10.21.0.2", ConnOutcome::HalfOpen));
        }
    }
    let mut c = Correlator::new(cfg());
    let out = run(&mut c, &events);
    assert!(of(&out, Detector::SynFlood).is_empty(), "{out:?}");
    // Then 1,000 spoofed half-open handshakes a second for 4 s; the good
    // ones stop (the server is too busy to complete them). Over its whole
    // life the server's failed share is about 30%; in the window, above 80%.
    let flood: Vec<Event> = (0..4000u64)
        .map(|i| {
            c_ev(
                100 + i / 1000,
                (i % 1000) * 1_000,
                &format!("198.18.{}.{}", i / 250, i % 250 + 1),
                ConnOutcome::HalfOpen,
            )
        })
        .collect();
    let out = run(&mut c, &flood);
    let f = of(&out, Detector::SynFlood);
    assert_eq!(f.len(), 1, "{out:?}");
    assert_eq!(f[0].state, EpisodeState::New);
}
