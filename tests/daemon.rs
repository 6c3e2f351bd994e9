//! The daemon end to end, live, in network namespaces the test creates:
//! `wardwatch run` captures on a veth as an unprivileged user after opening
//! it as root, talks systemd's notification protocol to a socket the test
//! reads, delivers a rule hit and a login flood to a syslog receiver and an
//! HTTP portal on loopback, reloads a changed rule file on SIGHUP while
//! traffic flows (no drops), refuses a broken one, stays flat in memory over
//! ten reloads, reports a blind interface, and exits 0 on SIGTERM with every
//! alert delivered.
//!
//! Needs root (namespaces, CAP_NET_RAW, switching users).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::netns::{Sensor, VethPair, root_or_skip, wait_for};
use nix::sys::signal::Signal;

/// Complete lines of an EVE file still being written.
fn eve_so_far(path: &Path) -> Vec<serde_json::Value> {
    common::netns::eve_events(path)
}

fn alerts(events: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    events
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .collect()
}

fn sids(events: &[serde_json::Value]) -> Vec<u64> {
    alerts(events)
        .iter()
        .filter_map(|e| e["alert"]["signature_id"].as_u64())
        .collect()
}

/// A UDP syslog receiver on 127.0.0.1 of the namespace it runs in.
struct SyslogRx {
    port: u16,
    got: Arc<Mutex<Vec<String>>>,
}

fn syslog_receiver(v: &VethPair, stop: &Arc<AtomicBool>) -> SyslogRx {
    let got = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let (g, stop) = (Arc::clone(&got), Arc::clone(stop));
    v.spawn_in(&v.ns_b.clone(), move || {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind syslog");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        tx.send(sock.local_addr().expect("addr").port())
            .expect("port");
        let mut buf = vec![0u8; 65536];
        while !stop.load(Ordering::Relaxed) {
            if let Ok(n) = sock.recv(&mut buf) {
                g.lock()
                    .expect("lock")
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    });
    SyslogRx {
        port: rx.recv().expect("syslog port"),
        got,
    }
}

/// An HTTP portal on 127.0.0.1 of the namespace it runs in: records every
/// event of every POSTed batch, answers 200.
struct PortalRx {
    port: u16,
    events: Arc<Mutex<Vec<serde_json::Value>>>,
}

fn portal_receiver(v: &VethPair, stop: &Arc<AtomicBool>) -> PortalRx {
    let events = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let (ev, stop) = (Arc::clone(&events), Arc::clone(stop));
    v.spawn_in(&v.ns_b.clone(), move || {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind portal");
        l.set_nonblocking(true).expect("nonblocking");
        tx.send(l.local_addr().expect("addr").port()).expect("port");
        while !stop.load(Ordering::Relaxed) {
            let Ok((stream, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            stream.set_nonblocking(false).expect("blocking");
            let mut r = BufReader::new(stream.try_clone().expect("clone"));
            let mut len = 0usize;
            let mut line = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len];
            if r.read_exact(&mut body).is_err() {
                continue;
            }
            let batch: serde_json::Value = serde_json::from_slice(&body).expect("batch JSON");
            if let Some(list) = batch["events"].as_array() {
                ev.lock().expect("lock").extend(list.iter().cloned());
            }
            let mut s = stream;
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    PortalRx {
        port: rx.recv().expect("portal port"),
        events,
    }
}

/// A web server in namespace b on 10.99.0.2:8080: `/login` answers 401 to
/// Basic credentials, everything else 200.
fn web_server(v: &VethPair) -> std::process::Child {
    v.exec(&v.ns_b, "python3")
        .arg("-c")
        .arg(
            "import http.server\n\
             class H(http.server.BaseHTTPRequestHandler):\n\
             \x20   def do_GET(self):\n\
             \x20       if self.path.startswith('/login'):\n\
             \x20           self.send_response(401); self.send_header('WWW-Authenticate', 'Basic realm=\"ehr\"')\n\
             \x20       else:\n\
             \x20           self.send_response(200)\n\
             \x20       self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')\n\
             \x20   def log_message(self, *a): pass\n\
             http.server.ThreadingHTTPServer(('10.99.0.2', 8080), H).serve_forever()\n",
        )
        .spawn()
        .expect("start web server")
}

/// Runs a python client in namespace a.
fn client(v: &VethPair, script: &str) {
    let prelude = "import urllib.request, base64, time\n\
        def get(path, auth=None):\n\
        \x20   r = urllib.request.Request('http://10.99.0.2:8080' + path)\n\
        \x20   if auth: r.add_header('Authorization', 'Basic ' + base64.b64encode(auth.encode()).decode())\n\
        \x20   try: urllib.request.urlopen(r, timeout=5).read()\n\
        \x20   except urllib.error.HTTPError as e: e.read()\n";
    let st = v
        .exec(&v.ns_a, "python3")
        .arg("-c")
        .arg(format!("{prelude}{script}"))
        .status()
        .expect("run client");
    assert!(st.success(), "client script failed: {script}");
}

fn rule(sid: u32, path: &str) -> String {
    format!(
        "alert http any any -> any any (msg:\"WW test exploit {sid}\"; flow:to_server,established; http.uri; content:\"{path}\"; classtype:web-application-attack; sid:{sid}; rev:1;)\n"
    )
}

/// Turns IPv6 off on these interfaces (namespace, interface): its
/// autoconfiguration chatter would add packets the tests count.
fn no_ipv6(links: &[(&str, &str)]) {
    for (ns, ifc) in links {
        common::netns::sh(&[
            "ip",
            "netns",
            "exec",
            ns,
            "sysctl",
            "-qw",
            &format!("net.ipv6.conf.{ifc}.disable_ipv6=1"),
        ]);
    }
}

/// Status lines of `/proc/PID/status`.
fn proc_status(pid: nix::unistd::Pid) -> BTreeMap<String, String> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

fn rss_kib(pid: nix::unistd::Pid) -> u64 {
    proc_status(pid)
        .get("VmRSS")
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Notification datagrams received so far.
fn notifications(sock: &UnixDatagram, into: &mut Vec<String>) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = sock.recv(&mut buf) {
        into.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
}

/// A directory everyone may enter, holding a config readable by `nobody`.
fn open_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmpdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    dir
}

fn write_public(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
}

#[test]
fn daemon_delivers_reloads_without_drops_and_stops_cleanly() {
    if !root_or_skip("daemon_delivers_reloads_without_drops_and_stops_cleanly") {
        return;
    }
    let v = VethPair::new();
    let stop = Arc::new(AtomicBool::new(false));
    let syslog = syslog_receiver(&v, &stop);
    let portal = portal_receiver(&v, &stop);
    let mut web = web_server(&v);

    let dir = open_dir();
    let d = dir.path();
    let rules = d.join("local.rules");
    write_public(&rules, &rule(1_000_001, "/cgi-bin/exploit-one"));
    let eve = d.join("eve.json");
    let config = d.join("wardwatch.toml");
    write_public(
        &config,
        &format!(
            "[capture]\ninterfaces = [\"{ifc}\"]\nbuffer_size = \"8 MiB\"\nworkers = 2\n\
             [rules]\nfiles = [\"{rules}\"]\n\
             [stats]\ninterval = 1\n\
             [sensor]\nname = \"ward-7\"\nuser = \"nobody\"\n\
             [metrics]\nlisten = \"127.0.0.1:9187\"\n\
             [outputs.eve]\npath = \"{eve}\"\n\
             [outputs.syslog]\ntransport = \"udp\"\naddress = \"127.0.0.1:{sp}\"\n\
             [outputs.portal]\nurl = \"http://127.0.0.1:{pp}/api/v1/alerts\"\nspool_dir = \"{spool}\"\nbatch_max_age = \"200 ms\"\n",
            ifc = v.if_b,
            rules = rules.display(),
            eve = eve.display(),
            sp = syslog.port,
            pp = portal.port,
            spool = d.join("spool").display(),
        ),
    );
    // systemd's side of sd_notify.
    let notify_path = d.join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).expect("bind notify socket");
    std::fs::set_permissions(&notify_path, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    notify.set_nonblocking(true).expect("nonblocking");
    let notify_env = notify_path.display().to_string();

    let sensor = Sensor::start(
        &v,
        &v.ns_b,
        &["--config", &config.display().to_string()],
        &[("NOTIFY_SOCKET", &notify_env), ("WATCHDOG_USEC", "3000000")],
    );
    let pid = sensor.pid();
    let mut notes = Vec::new();
    assert!(
        wait_for(Duration::from_secs(20), || {
            notifications(&notify, &mut notes);
            notes.iter().any(|n| n.starts_with("READY=1"))
        }),
        "no READY=1 from the sensor: {notes:?}"
    );
    // Privileges dropped: uid/gid nobody, no capability left.
    let st = proc_status(pid);
    let nobody = nix::unistd::User::from_name("nobody")
        .expect("getpwnam")
        .expect("user nobody");
    let uid = nobody.uid.to_string();
    assert_eq!(
        st.get("Uid")
            .map(|u| u.split_whitespace().collect::<Vec<_>>()),
        Some(vec![uid.as_str(); 4]),
        "{st:?}"
    );
    assert_eq!(
        st.get("CapEff").map(String::as_str),
        Some("0000000000000000")
    );
    assert_eq!(
        st.get("CapPrm").map(String::as_str),
        Some("0000000000000000")
    );

    // A rule hit and a login flood (25 HTTP Basic failures; threshold 20).
    std::thread::sleep(Duration::from_millis(500));
    client(
        &v,
        "get('/cgi-bin/exploit-one')\nfor i in range(25): get('/login', 'admin:guess%d' % i)\n",
    );
    let flood = |events: &[serde_json::Value]| {
        alerts(events)
            .into_iter()
            .any(|a| a["anomaly"]["detector"] == "login-flood")
    };
    assert!(
        wait_for(Duration::from_secs(15), || {
            let e = eve_so_far(&eve);
            sids(&e).contains(&1_000_001) && flood(&e)
        }),
        "rule hit or login flood missing: {:?}",
        sids(&eve_so_far(&eve))
    );

    // SIGHUP with a changed rule file while traffic flows.
    let background = {
        let v_ns_a = v.ns_a.clone();
        std::thread::spawn(move || {
            std::process::Command::new("ip")
                .args(["netns", "exec", &v_ns_a, "python3", "-c"])
                .arg(
                    "import urllib.request, time\n\
                     t = time.time()\n\
                     while time.time() - t < 4:\n\
                     \x20   urllib.request.urlopen('http://10.99.0.2:8080/ok', timeout=5).read()\n",
                )
                .status()
                .expect("background traffic")
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    write_public(
        &rules,
        &format!(
            "{}{}",
            rule(1_000_001, "/cgi-bin/exploit-one"),
            rule(1_000_002, "/cgi-bin/exploit-two")
        ),
    );
    // logrotate's part: the file is moved away before the SIGHUP.
    let rotated = d.join("eve.json.1");
    std::fs::rename(&eve, &rotated).expect("rotate eve.json");
    sensor.signal(Signal::SIGHUP);
    assert!(background.join().expect("join").success());
    assert!(
        wait_for(Duration::from_secs(10), || {
            notifications(&notify, &mut notes);
            notes.iter().any(|n| n.starts_with("RELOADING=1"))
                && notes.iter().filter(|n| n.starts_with("READY=1")).count() >= 2
        }),
        "no RELOADING=1 then READY=1 around the reload: {notes:?}"
    );
    client(&v, "get('/cgi-bin/exploit-two')\n");
    assert!(
        wait_for(Duration::from_secs(10), || sids(&eve_so_far(&eve))
            .contains(&1_000_002)),
        "the reloaded rule did not fire: {:?}",
        sids(&eve_so_far(&eve))
    );

    // `wardwatch status` reads the metrics endpoint.
    let out = v
        .exec(&v.ns_b, env!("CARGO_BIN_EXE_wardwatch"))
        .args(["status", "--url", "http://127.0.0.1:9187/metrics"])
        .output()
        .expect("status");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "status: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("rules:     2 loaded, 0 skipped, 0 failed"),
        "{text}"
    );
    assert!(text.contains("1 reload(s), 0 refused"), "{text}");
    assert!(text.contains(&format!("interface: {}:", v.if_b)), "{text}");
    assert!(text.contains("health:    ok"), "{text}");

    let (status, stderr) = sensor.stop(Duration::from_secs(30));
    assert!(status.success(), "exit {status:?}: {stderr}");
    notifications(&notify, &mut notes);
    assert!(
        notes.iter().any(|n| n.starts_with("STOPPING=1")),
        "{notes:?}"
    );
    assert!(
        notes.iter().filter(|n| *n == "WATCHDOG=1").count() >= 3,
        "watchdog pings: {notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("STATUS=") && n.contains("packets")),
        "{notes:?}"
    );
    assert!(stderr.contains("rules reloaded"), "{stderr}");
    // The correlator on the output thread took the new detector settings.
    assert!(
        stderr.contains("detector settings and indicator lists reloaded"),
        "{stderr}"
    );

    // The reopened file took over: the alert after the reload is in the new
    // one, and the rotated file ends with whole lines.
    let before = common::read_eve(&rotated);
    let after = common::read_eve(&eve);
    assert!(sids(&before).contains(&1_000_001));
    assert!(!sids(&before).contains(&1_000_002));
    assert!(sids(&after).contains(&1_000_002));
    // Every alert delivered to syslog and the portal, none dropped.
    let events: Vec<serde_json::Value> = before.into_iter().chain(after).collect();
    let written: Vec<&serde_json::Value> = alerts(&events);
    assert!(written.len() >= 3, "{written:?}");
    let stats = events
        .iter()
        .rev()
        .find(|e| e["event_type"] == "stats")
        .expect("final stats");
    assert_eq!(stats["stats"]["capture"]["kernel_drops"], 0, "{stats}");
    assert_eq!(stats["stats"]["capture"]["queue_drops"], 0, "{stats}");
    assert_eq!(
        stats["stats"]["detect"]["engines"][0]["reloads"], 1,
        "{stats}"
    );
    assert!(
        wait_for(Duration::from_secs(5), || portal
            .events
            .lock()
            .expect("lock")
            .len()
            >= written.len()),
        "portal got {} of {}",
        portal.events.lock().expect("lock").len(),
        written.len()
    );
    let got: HashSet<String> = portal
        .events
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|e| e["alert_id"].as_str().map(String::from))
        .collect();
    assert_eq!(got.len(), written.len(), "distinct alert ids at the portal");
    let portal_sids: Vec<u64> = portal
        .events
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|e| e["alert"]["signature_id"].as_u64())
        .collect();
    let mut want = sids(&events);
    let mut have = portal_sids.clone();
    want.sort_unstable();
    have.sort_unstable();
    assert_eq!(have, want);
    let msgs = syslog.got.lock().expect("lock").clone();
    assert_eq!(msgs.len(), written.len(), "{msgs:?}");
    for sid in [1_000_001u64, 1_000_002] {
        assert!(
            msgs.iter().any(|m| m.contains(&format!("sid=\"{sid}\""))),
            "syslog lacks sid {sid}: {msgs:?}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let _ = web.kill();
    let _ = web.wait();
}

#[test]
fn broken_rules_are_refused_memory_stays_flat_and_a_blind_interface_is_reported() {
    if !root_or_skip("broken_rules_are_refused_memory_stays_flat_and_a_blind_interface_is_reported")
    {
        return;
    }
    let v = VethPair::new();
    // No IPv6 on this link: its autoconfiguration chatter would end the
    // silence the test waits for.
    no_ipv6(&[(&v.ns_a, &v.if_a), (&v.ns_b, &v.if_b)]);
    let dir = open_dir();
    let d = dir.path();
    let rules = d.join("local.rules");
    // A rule set big enough that keeping old copies would show in RSS.
    let big: String = (0..3000)
        .map(|i| rule(2_000_000 + i, &format!("/path-{i}-{:08x}", i * 7919)))
        .collect();
    write_public(&rules, &big);
    let eve = d.join("eve.json");
    let config = d.join("wardwatch.toml");
    write_public(
        &config,
        &format!(
            "[capture]\ninterfaces = [\"{ifc}\"]\nworkers = 1\n[rules]\nfiles = [\"{rules}\"]\n\
             [health]\nsilent_after = 2\n[stats]\ninterval = 1\n[outputs.eve]\npath = \"{eve}\"\n\
             [sensor]\nuser = \"nobody\"\nkeep_capabilities = [\"CAP_NET_ADMIN\"]\n",
            ifc = v.if_b,
            rules = rules.display(),
            eve = eve.display(),
        ),
    );
    let sensor = Sensor::start(
        &v,
        &v.ns_b,
        &["--config", &config.display().to_string()],
        &[],
    );
    let pid = sensor.pid();
    // Root dropped, CAP_NET_ADMIN (bit 12) kept, and ambient for `nft`.
    assert!(
        wait_for(Duration::from_secs(20), || proc_status(pid)
            .get("CapAmb")
            .is_some_and(|v| v == "0000000000001000")),
        "{:?}",
        proc_status(pid)
    );
    let st = proc_status(pid);
    assert_eq!(
        st.get("CapEff").map(String::as_str),
        Some("0000000000001000")
    );
    assert_eq!(
        st.get("CapPrm").map(String::as_str),
        Some("0000000000001000")
    );
    // Nothing crosses the link: the interface is blind after 2 s.
    let silent = |events: &[serde_json::Value], state: &str| {
        alerts(events).into_iter().any(|a| {
            a["anomaly"]["detector"] == "sensor-health"
                && a["anomaly"]["condition"] == "silent"
                && a["anomaly"]["state"] == state
                && a["anomaly"]["interface"] == v.if_b.as_str()
        })
    };
    assert!(
        wait_for(Duration::from_secs(30), || silent(&eve_so_far(&eve), "new")),
        "no sensor-health silent alert"
    );
    // Traffic returns: the episode ends.
    let sent = v
        .exec(&v.ns_a, "python3")
        .args([
            "-c",
            "import socket\nu=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(5): u.sendto(b'x', ('10.99.0.2', 9))",
        ])
        .status()
        .expect("send datagrams");
    assert!(sent.success());
    assert!(
        wait_for(Duration::from_secs(10), || silent(&eve_so_far(&eve), "end")),
        "the silent episode did not end when packets came"
    );

    // Ten reloads: RSS stays flat (the old set is freed after each swap).
    let reloaded = |n: usize| {
        wait_for(Duration::from_secs(60), || {
            eve_so_far(&eve).iter().rev().any(|e| {
                e["event_type"] == "stats"
                    && e["stats"]["detect"]["engines"][0]["reloads"].as_u64() == Some(n as u64)
            })
        })
    };
    sensor.signal(Signal::SIGHUP);
    assert!(reloaded(1), "first reload not seen in stats");
    sensor.signal(Signal::SIGHUP);
    assert!(reloaded(2), "second reload not seen in stats");
    let after_two = rss_kib(pid);
    for n in 3..=10 {
        sensor.signal(Signal::SIGHUP);
        assert!(reloaded(n), "reload {n} not seen in stats");
    }
    let after_ten = rss_kib(pid);
    assert!(
        after_ten < after_two + after_two / 4,
        "RSS grew over reloads: {after_two} KiB after 2, {after_ten} KiB after 10"
    );

    // A broken rule file is refused; the running set stays.
    write_public(
        &rules,
        &format!("{big}alert http any any -> any any (msg:\"broken\"; content:; sid:9;)\n"),
    );
    sensor.signal(Signal::SIGHUP);
    assert!(
        wait_for(Duration::from_secs(60), || eve_so_far(&eve)
            .iter()
            .rev()
            .any(|e| {
                e["event_type"] == "stats"
                    && e["stats"]["detect"]["engines"][0]["reload_failures"].as_u64() == Some(1)
            })),
        "the broken reload was not counted"
    );
    let last = eve_so_far(&eve)
        .into_iter()
        .rev()
        .find(|e| e["event_type"] == "stats")
        .expect("stats");
    assert_eq!(
        last["stats"]["detect"]["engines"][0]["rules_loaded"], 3000,
        "{last}"
    );
    assert_eq!(
        last["stats"]["detect"]["engines"][0]["reloads"], 10,
        "{last}"
    );
    let (status, stderr) = sensor.stop(Duration::from_secs(30));
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(
        stderr.contains("reload refused") && stderr.contains("local.rules:"),
        "the refusal names the file and line: {stderr}"
    );
}

#[test]
fn the_install_script_stages_a_hardened_unit_that_systemd_accepts() {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        assert!(
            std::env::var("WARDWATCH_REQUIRE_ROOT_TESTS").as_deref() != Ok("1"),
            "systemd-analyze is missing (apt-get install systemd) and CI may not skip this"
        );
        eprintln!("SKIPPED: systemd-analyze not installed");
        return;
    };
    let dir = tempfile::tempdir().expect("tmpdir");
    let stage = dir.path().join("root");
    let out =
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"))
            .args(["--destdir"])
            .arg(&stage)
            .args([
                "--binary",
                env!("CARGO_BIN_EXE_wardwatch"),
                "--interface",
                "ens4",
            ])
            .output()
            .expect("run install.sh");
    assert!(
        out.status.success(),
        "install.sh: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "usr/local/bin/wardwatch",
        "etc/systemd/system/wardwatch.service",
        "etc/wardwatch/wardwatch.toml",
        "etc/wardwatch/rules/hospital.rules",
        "etc/wardwatch/rules/detectors.toml",
        "etc/wardwatch/rules/indicators/domains.txt",
        "etc/logrotate.d/wardwatch",
        "usr/local/share/doc/wardwatch/README.md",
        "var/lib/wardwatch",
        "var/log/wardwatch",
    ] {
        assert!(stage.join(f).exists(), "{f} not installed");
    }
    // The new config names the interface given and passes `wardwatch check`.
    let config = stage.join("etc/wardwatch/wardwatch.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(text.contains("interfaces = [\"ens4\"]"), "{text}");
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .expect("wardwatch check");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(String::from_utf8_lossy(&check.stdout).starts_with("config ok; rules: "));
    // A second install keeps the admin's config and stages the new example beside it.
    std::fs::write(&config, "# mine\n").expect("edit config");
    let again =
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"))
            .args(["--destdir"])
            .arg(&stage)
            .args(["--binary", env!("CARGO_BIN_EXE_wardwatch")])
            .output()
            .expect("run install.sh again");
    assert!(again.status.success());
    assert_eq!(
        std::fs::read_to_string(&config).expect("config"),
        "# mine\n"
    );
    assert!(stage.join("etc/wardwatch/wardwatch.toml.new").exists());

    // The unit: every hardening setting the daemon issue asks for.
    let unit =
        std::fs::read_to_string(stage.join("etc/systemd/system/wardwatch.service")).expect("unit");
    let settings: BTreeMap<&str, &str> = unit
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();
    for (key, want) in [
        ("Type", "notify"),
        ("User", "wardwatch"),
        ("AmbientCapabilities", "CAP_NET_RAW CAP_NET_ADMIN"),
        ("CapabilityBoundingSet", "CAP_NET_RAW CAP_NET_ADMIN"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("StateDirectory", "wardwatch"),
        ("LogsDirectory", "wardwatch"),
        ("ConfigurationDirectory", "wardwatch"),
        ("SystemCallFilter", "@system-service"),
        ("Restart", "on-failure"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        (
            "ExecStartPre",
            "/usr/local/bin/wardwatch check --config /etc/wardwatch/wardwatch.toml",
        ),
    ] {
        assert_eq!(settings.get(key).copied(), Some(want), "{key}");
    }
    assert!(settings.contains_key("MemoryMax"));
    assert!(settings.contains_key("WatchdogSec"));
    assert!(
        settings
            .get("RestrictAddressFamilies")
            .is_some_and(|v| v.contains("AF_PACKET") && v.contains("AF_NETLINK"))
    );
    // systemd-analyze verify needs the binary where ExecStart says.
    let bin = stage.join("usr/local/bin/wardwatch");
    let verify_unit = dir.path().join("wardwatch.service");
    std::fs::write(
        &verify_unit,
        unit.replace("/usr/local/bin/wardwatch", &bin.display().to_string()),
    )
    .expect("write unit");
    let v = std::process::Command::new(analyze)
        .args(["verify", "--man=no"])
        .arg(&verify_unit)
        .output()
        .expect("systemd-analyze verify");
    let said = String::from_utf8_lossy(&v.stderr);
    assert!(v.status.success(), "systemd-analyze verify: {said}");
    assert!(
        !said.contains("wardwatch.service"),
        "systemd-analyze complains about the unit: {said}"
    );
}

#[test]
fn two_mirror_ports_are_captured_and_counted_apart() {
    if !root_or_skip("two_mirror_ports_are_captured_and_counted_apart") {
        return;
    }
    let v = VethPair::new();
    // A second link between the same namespaces.
    let (if2_a, if2_b) = (format!("{}w", v.if_a), format!("{}w", v.if_b));
    common::netns::sh(&[
        "ip", "link", "add", &if2_a, "netns", &v.ns_a, "type", "veth", "peer", "name", &if2_b,
        "netns", &v.ns_b,
    ]);
    common::netns::sh(&[
        "ip",
        "-n",
        &v.ns_a,
        "addr",
        "add",
        "10.98.0.1/24",
        "dev",
        &if2_a,
    ]);
    common::netns::sh(&[
        "ip",
        "-n",
        &v.ns_b,
        "addr",
        "add",
        "10.98.0.2/24",
        "dev",
        &if2_b,
    ]);
    common::netns::sh(&["ip", "-n", &v.ns_a, "link", "set", &if2_a, "up"]);
    common::netns::sh(&["ip", "-n", &v.ns_b, "link", "set", &if2_b, "up"]);
    no_ipv6(&[
        (&v.ns_a, &v.if_a),
        (&v.ns_b, &v.if_b),
        (&v.ns_a, &if2_a),
        (&v.ns_b, &if2_b),
    ]);
    let dir = open_dir();
    let eve = dir.path().join("eve.json");
    let sensor = Sensor::start(
        &v,
        &v.ns_b,
        &[
            "--interface",
            &v.if_b,
            "--interface",
            &if2_b,
            "--eve",
            &eve.display().to_string(),
        ],
        &[],
    );
    std::thread::sleep(Duration::from_millis(1500));
    let sent = v
        .exec(&v.ns_a, "python3")
        .args([
            "-c",
            "import socket\nu=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
             for i in range(5): u.sendto(b'one', ('10.99.0.2', 5001))\n\
             for i in range(9): u.sendto(b'two', ('10.98.0.2', 5002))\n",
        ])
        .status()
        .expect("send datagrams");
    assert!(sent.success());
    std::thread::sleep(Duration::from_millis(700));
    let (status, stderr) = sensor.stop(Duration::from_secs(30));
    assert!(status.success(), "exit {status:?}: {stderr}");
    let events = common::read_eve(&eve);
    let flow = |port: u64| {
        events
            .iter()
            .find(|e| e["event_type"] == "flow" && e["dest_port"] == port)
            .unwrap_or_else(|| panic!("no flow to {port}"))
            .clone()
    };
    let (one, two) = (flow(5001), flow(5002));
    assert_eq!(one["in_iface"], v.if_b.as_str());
    assert_eq!(one["flow"]["pkts_toserver"], 5);
    assert_eq!(two["in_iface"], if2_b.as_str());
    assert_eq!(two["flow"]["pkts_toserver"], 9);
    let stats = events
        .iter()
        .rev()
        .find(|e| e["event_type"] == "stats")
        .expect("final stats");
    let ifaces = stats["stats"]["capture"]["interfaces"]
        .as_array()
        .expect("per-interface stats");
    assert_eq!(ifaces.len(), 2, "{ifaces:?}");
    assert_eq!(ifaces[0]["name"], v.if_b.as_str());
    assert_eq!(ifaces[1]["name"], if2_b.as_str());
    let packets = |i: usize| ifaces[i]["packets"].as_u64().unwrap_or(0);
    // The datagrams, plus ARP and the (rate-limited) ICMP port-unreachable
    // answers; nothing of one link counted on the other.
    assert!((5..=14).contains(&packets(0)), "{ifaces:?}");
    assert!((9..=22).contains(&packets(1)), "{ifaces:?}");
    let total = stats["stats"]["decoder"]["pkts"].as_u64().unwrap_or(0);
    assert_eq!(packets(0) + packets(1), total, "{stats}");
}
