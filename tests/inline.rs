//! Inline (IPS) mode for real: three network namespaces made by the test —
//! a client, a Linux gateway that forwards and queues every forwarded packet
//! to NFQUEUE (`iptables -j NFQUEUE`), and an HTTP server — with
//! `wardwatch run --nfqueue N` giving the verdicts inside the gateway.
//!
//! The server logs every byte it receives, so "never reached the server" is
//! checked on the server, not on the sensor's word; the client reports what
//! its socket saw (a body compared byte for byte, a timeout, a reset).
//!
//! Needs root. Without root the tests say they were skipped; with
//! `WARDWATCH_REQUIRE_ROOT_TESTS=1` a skip is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use common::netns::{Namespaces, Sensor, root_or_skip, sh, unique_tag};
use common::read_eve;

const CLIENT: &str = "10.81.1.2";
const SERVER: &str = "10.81.2.2";
const QUEUE: &str = "3";
/// Bytes of the benign response body (several hundred packets).
const BODY: usize = 200_000;

const RULES: &str = "\
drop http any any -> any any (msg:\"TEST inline drop\"; flow:established,to_server; http.uri; content:\"/exploit-drop\"; sid:8100001; rev:1;)
reject http any any -> any any (msg:\"TEST inline reject\"; flow:established,to_server; http.uri; content:\"/exploit-reject\"; sid:8100002; rev:1;)
alert http any any -> any any (msg:\"TEST inline alert\"; flow:established,to_server; http.uri; content:\"/just-alert\"; sid:8100003; rev:1;)
";

/// An HTTP server answering every request with the same `BODY`-byte body
/// (a second late when the request contains `slow`),
/// appending everything it receives to the log file (argv[1]).
const SERVER_PY: &str = "\
import socket, sys, threading, time
log = open(sys.argv[1], 'ab', buffering=0)
body = bytes(i % 251 for i in range(200000))
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(('::', 80)); s.listen(64)
def handle(c):
    data = b''
    c.settimeout(20)
    try:
        while b'\\r\\n\\r\\n' not in data:
            d = c.recv(65536)
            if not d: break
            data += d; log.write(d)
        if b'slow' in data: time.sleep(1)
        if b'\\r\\n\\r\\n' in data:
            c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' % len(body) + body)
    except Exception: pass
    c.close()
def ftp(c):
    # The control dialogue of a vsftpd refusing every password.
    c.settimeout(10)
    try:
        c.sendall(b'220 (vsFTPd 3.0.3)\\r\\n')
        f = c.makefile('rb')
        for line in f:
            if line.startswith(b'USER'): c.sendall(b'331 Please specify the password.\\r\\n')
            elif line.startswith(b'PASS'): c.sendall(b'530 Login incorrect.\\r\\n')
            elif line.startswith(b'QUIT'): c.sendall(b'221 Goodbye.\\r\\n'); break
    except Exception: pass
    c.close()
def serve(sock, fn):
    while True:
        c, _ = sock.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()
f = socket.socket(); f.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
f.bind(('0.0.0.0', 21)); f.listen(64)
threading.Thread(target=serve, args=(f, ftp), daemon=True).start()
serve(s, handle)
";

/// `n` FTP logins with a wrong password, one connection each; errors (a
/// blocked connection) are ignored.
const FTP_FLOOD_PY: &str = "\
import socket, sys
host, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    try:
        c = socket.create_connection((host, 21), timeout=1)
        f = c.makefile('rb')
        f.readline()
        c.sendall(b'USER nurse%d\\r\\n' % i); f.readline()
        c.sendall(b'PASS guess\\r\\n'); f.readline()
        c.sendall(b'QUIT\\r\\n'); f.readline()
        c.close()
    except OSError: pass
";

/// One GET; prints `OK <len> INTACT|CORRUPT`, `RESET`, `TIMEOUT` or `ERROR`.
const CLIENT_PY: &str = "\
import socket, sys
host, path, t = sys.argv[1], sys.argv[2], float(sys.argv[3])
try:
    c = socket.create_connection((host, 80), timeout=t)
    c.sendall(b'GET ' + path.encode() + b' HTTP/1.1\\r\\nHost: server\\r\\nUser-Agent: inline-test\\r\\n\\r\\n')
    data = b''
    while True:
        d = c.recv(65536)
        if not d: break
        data += d
    head, _, body = data.partition(b'\\r\\n\\r\\n')
    ok = body == bytes(i % 251 for i in range(200000))
    print('OK', len(body), 'INTACT' if ok else 'CORRUPT')
except ConnectionResetError: print('RESET')
except TimeoutError: print('TIMEOUT')
except OSError as e: print('ERROR', e)
";

/// client ─ gateway (forwards, queues to NFQUEUE) ─ server.
struct Gateway {
    _guard: Namespaces,
    client: String,
    gw: String,
    server: String,
    dir: tempfile::TempDir,
    _http: Child,
}

impl Gateway {
    /// `queue`: `Some(bypass)` queues forwarded packets to NFQUEUE (with
    /// `--queue-bypass` or not), `None` only forwards.
    fn new(queue: Option<bool>) -> Self {
        let tag = unique_tag();
        let (client, gw, server) = (format!("{tag}c"), format!("{tag}g"), format!("{tag}s"));
        for ns in [&client, &gw, &server] {
            sh(&["ip", "netns", "add", ns]);
        }
        let guard = Namespaces(vec![client.clone(), gw.clone(), server.clone()]);
        let (c0, g0, g1, s0) = (
            format!("{tag}c0"),
            format!("{tag}g0"),
            format!("{tag}g1"),
            format!("{tag}s0"),
        );
        sh(&[
            "ip", "link", "add", &c0, "netns", &client, "type", "veth", "peer", "name", &g0,
            "netns", &gw,
        ]);
        sh(&[
            "ip", "link", "add", &s0, "netns", &server, "type", "veth", "peer", "name", &g1,
            "netns", &gw,
        ]);
        for (ns, dev, addr, addr6) in [
            (&client, &c0, "10.81.1.2/24", "fd81:1::2/64"),
            (&gw, &g0, "10.81.1.1/24", "fd81:1::1/64"),
            (&gw, &g1, "10.81.2.1/24", "fd81:2::1/64"),
            (&server, &s0, "10.81.2.2/24", "fd81:2::2/64"),
        ] {
            sh(&["ip", "-n", ns, "addr", "add", addr, "dev", dev]);
            sh(&["ip", "-n", ns, "addr", "add", addr6, "dev", dev, "nodad"]);
            sh(&["ip", "-n", ns, "link", "set", dev, "up"]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        sh(&[
            "ip",
            "-n",
            &client,
            "route",
            "add",
            "default",
            "via",
            "10.81.1.1",
        ]);
        sh(&[
            "ip",
            "-n",
            &server,
            "route",
            "add",
            "default",
            "via",
            "10.81.2.1",
        ]);
        sh(&[
            "ip",
            "-n",
            &client,
            "-6",
            "route",
            "add",
            "default",
            "via",
            "fd81:1::1",
        ]);
        sh(&[
            "ip",
            "-n",
            &server,
            "-6",
            "route",
            "add",
            "default",
            "via",
            "fd81:2::1",
        ]);
        for knob in ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"] {
            sh(&["ip", "netns", "exec", &gw, "sysctl", "-qw", knob]);
        }
        let g = Gateway {
            _guard: guard,
            client,
            gw,
            server,
            dir: tempfile::tempdir().expect("tmpdir"),
            _http: Command::new("true").spawn().expect("placeholder"),
        };
        if let Some(bypass) = queue {
            g.queue_rule("-A", bypass);
        }
        std::fs::write(g.path("rules"), RULES).expect("rules");
        let http = Command::new("ip")
            .args(["netns", "exec", &g.server, "python3", "-c", SERVER_PY])
            .arg(g.path("received"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start HTTP server");
        let g = Gateway { _http: http, ..g };
        // The server listens once a plain connection from its own namespace works.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Command::new("ip")
            .args(["netns", "exec", &g.server, "python3", "-c"])
            .arg("import socket; socket.create_connection(('127.0.0.1', 80), timeout=1)")
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            assert!(Instant::now() < deadline, "HTTP server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        g
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Adds (`-A`) or replaces the first (`-R`) FORWARD rule queueing to
    /// NFQUEUE, for IPv4 and IPv6.
    fn queue_rule(&self, op: &str, bypass: bool) {
        for tool in ["iptables", "ip6tables"] {
            let mut args = vec!["ip", "netns", "exec", &self.gw, tool, op, "FORWARD"];
            if op == "-R" {
                args.push("1");
            }
            args.extend(["-j", "NFQUEUE", "--queue-num", QUEUE]);
            if bypass {
                args.push("--queue-bypass");
            }
            sh(&args);
        }
    }

    /// Starts `wardwatch run --nfqueue` in the gateway with `config`, and
    /// waits until the queue is bound.
    fn start_sensor(&self, config: &str, eve: &Path) -> Child {
        self.start(&["--nfqueue", QUEUE], config, eve)
    }

    /// `[rules]` naming the test's rule file.
    fn rules_key(&self) -> String {
        format!("[rules]\nfiles = [{:?}]\n", self.path("rules"))
    }

    /// Inline with the test rules and default `[inline]` settings.
    fn start_with_rules(&self, eve: &Path) -> Child {
        self.start_sensor(&format!("{}{}", config(""), self.rules_key()), eve)
    }

    /// Starts `wardwatch run` with `source` (`--nfqueue N` or `--interface
    /// IF`) in the gateway; waits until the queue is bound (inline) or a
    /// moment (live capture has no outside sign of being ready).
    // The child is handed to the caller, who stops it (and the namespace
    // guard kills whatever is left): clippy cannot see that.
    #[allow(clippy::zombie_processes)]
    fn start(&self, source: &[&str], config: &str, eve: &Path) -> Child {
        let cfg = self.path("wardwatch.toml");
        std::fs::write(&cfg, config).expect("config");
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.gw])
            .arg(env!("CARGO_BIN_EXE_wardwatch"))
            .arg("run")
            .args(source)
            .args(["--workers", "2", "--config"])
            .arg(&cfg)
            .arg("--eve")
            .arg(eve)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wardwatch");
        if !source.contains(&"--nfqueue") {
            std::thread::sleep(Duration::from_millis(1500));
            return child;
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = Command::new("ip")
                .args(["netns", "exec", &self.gw, "cat"])
                .arg("/proc/net/netfilter/nfnetlink_queue")
                .output()
                .map(|o| o.stdout)
                .unwrap_or_default();
            let bound = String::from_utf8_lossy(&out)
                .lines()
                .any(|l| l.split_whitespace().next() == Some(QUEUE));
            if bound {
                return child;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("wardwatch never bound the queue");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One GET from the client; what its socket saw.
    fn get(&self, path: &str, timeout_secs: f64) -> String {
        self.get_at(SERVER, path, timeout_secs)
    }

    /// One GET to `host` (an IPv4 or IPv6 address).
    fn get_at(&self, host: &str, path: &str, timeout_secs: f64) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.client, "python3", "-c", CLIENT_PY])
            .args([host, path, &timeout_secs.to_string()])
            .output()
            .expect("run client");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A failed-login flood from the client.
    fn ftp_flood(&self, n: u32) {
        sh(&[
            "ip",
            "netns",
            "exec",
            &self.client,
            "python3",
            "-c",
            FTP_FLOOD_PY,
            SERVER,
            &n.to_string(),
        ]);
    }

    fn server_received(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.path("received")).unwrap_or_default())
            .into_owned()
    }
}

fn intact() -> String {
    format!("OK {BODY} INTACT")
}

fn stop(sensor: Child) -> String {
    let (status, stderr) = Sensor { child: sensor }.stop(Duration::from_secs(20));
    assert!(status.success(), "sensor failed: {status:?}: {stderr}");
    stderr
}

fn last_stats(events: &[serde_json::Value]) -> serde_json::Value {
    events
        .iter()
        .rev()
        .find(|e| e["event_type"] == "stats")
        .map(|e| e["stats"].clone())
        .expect("a stats event")
}

fn alert_by_sid(events: &[serde_json::Value], sid: u64) -> serde_json::Value {
    events
        .iter()
        .find(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == sid)
        .cloned()
        .unwrap_or_else(|| panic!("no alert for sid {sid}"))
}

fn config(extra: &str) -> String {
    format!("[stats]\ninterval = 1\n[inline]\n{extra}\n")
}

#[test]
fn drop_and_reject_rules_block_benign_traffic_passes_intact() {
    if !root_or_skip("drop_and_reject_rules_block_benign_traffic_passes_intact") {
        return;
    }
    let g = Gateway::new(Some(true));
    let eve = g.path("eve.json");
    let sensor = g.start_with_rules(&eve);

    assert_eq!(g.get("/index.html", 10.0), intact(), "benign before");
    // The drop rule: the request never reaches the server, the client's
    // connection hangs until it gives up.
    assert_eq!(g.get("/exploit-drop?x=1", 3.0), "TIMEOUT");
    // The reject rule: the client gets a reset at once.
    let started = Instant::now();
    assert_eq!(g.get("/exploit-reject?y=2", 10.0), "RESET");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the reset should come at once, took {:?}",
        started.elapsed()
    );
    // An alert rule only alerts; other flows are not held up.
    assert_eq!(g.get("/just-alert", 10.0), intact());
    assert_eq!(g.get("/index.html", 10.0), intact(), "benign after");

    let received = g.server_received();
    assert!(received.contains("GET /index.html"), "{received}");
    assert!(received.contains("GET /just-alert"), "{received}");
    assert!(
        !received.contains("exploit"),
        "a blocked request reached the server: {received}"
    );

    let stderr = stop(sensor);
    let events = read_eve(&eve);
    assert_eq!(
        alert_by_sid(&events, 8100001)["alert"]["action"],
        "blocked",
        "{stderr}"
    );
    assert_eq!(alert_by_sid(&events, 8100002)["alert"]["action"], "blocked");
    assert_eq!(alert_by_sid(&events, 8100003)["alert"]["action"], "allowed");
    let s = last_stats(&events);
    let inline = &s["inline"];
    // The dropped request and its retransmissions.
    assert!(inline["dropped"].as_u64().unwrap_or(0) >= 2, "{inline}");
    assert_eq!(inline["rejected"], 1, "{inline}");
    assert_eq!(inline["rst_sent"], 2, "a reset to each end: {inline}");
    // Three 200 kB responses: hundreds of packets accepted.
    assert!(inline["accepted"].as_u64().unwrap_or(0) > 300, "{inline}");
    assert_eq!(inline["bypassed"], 0, "{inline}");
    assert_eq!(inline["verdict_errors"], 0, "{inline}");
    // Every packet the sensor decoded got exactly one verdict.
    let verdicts: u64 = ["accepted", "dropped", "rejected"]
        .iter()
        .map(|k| inline[k].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(verdicts, s["decoder"]["pkts"].as_u64().unwrap_or(0), "{s}");
}

#[test]
fn dry_run_and_allow_list_never_block() {
    if !root_or_skip("dry_run_and_allow_list_never_block") {
        return;
    }
    let g = Gateway::new(Some(true));
    let rules = g.rules_key();

    // Dry run: everything passes; the log says what would have been blocked.
    let eve = g.path("dry.json");
    let sensor = g.start_sensor(&format!("{}{rules}", config("dry_run = true")), &eve);
    assert_eq!(g.get("/exploit-drop", 10.0), intact());
    assert_eq!(g.get("/exploit-reject", 10.0), intact());
    stop(sensor);
    let events = read_eve(&eve);
    let a = alert_by_sid(&events, 8100001);
    assert_eq!(a["alert"]["action"], "allowed");
    assert_eq!(a["would_block"], true, "{a}");
    let inline = last_stats(&events)["inline"].clone();
    assert!(inline["would_drop"].as_u64().unwrap_or(0) >= 1, "{inline}");
    assert!(
        inline["would_reject"].as_u64().unwrap_or(0) >= 1,
        "{inline}"
    );
    assert_eq!(inline["dropped"], 0, "{inline}");
    assert_eq!(inline["rejected"], 0, "{inline}");
    assert_eq!(inline["rst_sent"], 0, "{inline}");

    // The allow-list wins over a reject rule.
    let eve = g.path("allow.json");
    let sensor = g.start_sensor(
        &format!("{}{rules}", config(&format!("allow = [\"{CLIENT}/32\"]"))),
        &eve,
    );
    assert_eq!(g.get("/exploit-reject", 10.0), intact());
    stop(sensor);
    let events = read_eve(&eve);
    let a = alert_by_sid(&events, 8100002);
    assert_eq!(a["alert"]["action"], "allowed", "{a}");
    assert!(a.get("would_block").is_none(), "{a}");
    let inline = last_stats(&events)["inline"].clone();
    assert!(inline["allowlisted"].as_u64().unwrap_or(0) >= 1, "{inline}");
    assert_eq!(inline["rejected"], 0, "{inline}");

    let received = g.server_received();
    assert_eq!(received.matches("GET /exploit-reject").count(), 2);
    assert_eq!(received.matches("GET /exploit-drop").count(), 1);
}

#[test]
fn killed_sensor_fails_open_with_queue_bypass_and_closed_without() {
    if !root_or_skip("killed_sensor_fails_open_with_queue_bypass_and_closed_without") {
        return;
    }
    let g = Gateway::new(Some(true));
    let sensor = g.start_sensor(&config(""), &g.path("eve.json"));
    assert_eq!(g.get("/index.html", 10.0), intact());
    // SIGKILL: no clean shutdown, the queue loses its listener.
    kill(Pid::from_raw(sensor.id() as i32), Signal::SIGKILL).expect("kill");
    let mut sensor = sensor;
    let _ = sensor.wait();
    // `--queue-bypass`: with nobody bound, the kernel accepts.
    assert_eq!(g.get("/index.html", 10.0), intact(), "fail-open");
    // Without it, packets for an unbound queue are dropped: fail-closed.
    g.queue_rule("-R", false);
    assert_eq!(g.get("/index.html", 3.0), "TIMEOUT", "fail-closed");
    assert_eq!(g.server_received().matches("GET /index.html").count(), 2);
}

/// Detector settings: three failed FTP logins are a flood; its source is
/// blocked for `secs` seconds.
fn flood_detectors(g: &Gateway, secs: u64) -> String {
    let path = g.path("detectors.toml");
    std::fs::write(
        &path,
        format!(
            "[login-flood]\nblock = {{ seconds = {secs} }}\n[login-flood.thresholds]\nftp = 3\n"
        ),
    )
    .expect("detectors");
    format!("[detectors]\nfile = {path:?}\n")
}

#[test]
fn login_flood_blocks_its_source_inline_for_the_configured_time() {
    if !root_or_skip("login_flood_blocks_its_source_inline_for_the_configured_time") {
        return;
    }
    let g = Gateway::new(Some(true));
    let eve = g.path("eve.json");
    let sensor = g.start_sensor(&format!("{}{}", config(""), flood_detectors(&g, 6)), &eve);
    assert_eq!(g.get("/index.html", 10.0), intact(), "before the flood");
    let flood_start = Instant::now();
    g.ftp_flood(5);
    // The detectors see events in capture order, up to a second of packet
    // time late (the workers' ticks): give the block that long to start.
    std::thread::sleep(Duration::from_millis(1500));
    // Blocked: nothing from the client gets through.
    assert_eq!(g.get("/index.html", 2.0), "TIMEOUT", "during the block");
    // After the block's packet-time lifetime, traffic flows again.
    let end = flood_start + Duration::from_secs(7);
    std::thread::sleep(end.saturating_duration_since(Instant::now()));
    assert_eq!(g.get("/index.html", 10.0), intact(), "after the block");
    stop(sensor);

    let events = read_eve(&eve);
    let flood = events
        .iter()
        .find(|e| e["anomaly"]["detector"] == "login-flood")
        .expect("a login-flood alert");
    assert_eq!(flood["src_ip"], CLIENT, "{flood}");
    let inline = last_stats(&events)["inline"].clone();
    assert!(inline["blocks"].as_u64().unwrap_or(0) >= 1, "{inline}");
    assert!(
        inline["source_blocked"].as_u64().unwrap_or(0) >= 1,
        "{inline}"
    );
    assert_eq!(g.server_received().matches("GET /index.html").count(), 2);
}

#[test]
fn login_flood_blocks_its_source_in_an_nftables_set_from_a_passive_sensor() {
    if !root_or_skip("login_flood_blocks_its_source_in_an_nftables_set_from_a_passive_sensor") {
        return;
    }
    // No queue: the gateway only forwards, and drops what its set holds.
    let g = Gateway::new(None);
    let nft = g.path("ww.nft");
    std::fs::write(
        &nft,
        "table inet ww {\n\
         \tset blocked { type ipv4_addr; flags timeout; }\n\
         \tchain forward_filter {\n\
         \t\ttype filter hook forward priority 0;\n\
         \t\tip saddr @blocked drop\n\
         \t}\n\
         }\n",
    )
    .expect("nft file");
    sh(&[
        "ip",
        "netns",
        "exec",
        &g.gw,
        "nft",
        "-f",
        nft.to_str().expect("utf-8 path"),
    ]);
    let set_has_client = || {
        let out = Command::new("ip")
            .args([
                "netns", "exec", &g.gw, "nft", "list", "set", "inet", "ww", "blocked",
            ])
            .output()
            .expect("nft list");
        String::from_utf8_lossy(&out.stdout).contains(CLIENT)
    };
    // The sensor watches the gateway's client side, as a mirror port would.
    let eve = g.path("eve.json");
    let iface = format!("{}0", g.gw);
    let sensor = g.start(
        &["--interface", &iface],
        &format!(
            "{}[response]\nnft_set = \"inet ww blocked\"\n",
            flood_detectors(&g, 3)
        ),
        &eve,
    );
    assert_eq!(g.get("/index.html", 10.0), intact(), "before the flood");
    g.ftp_flood(5);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !set_has_client() {
        assert!(
            Instant::now() < deadline,
            "the client never entered the set"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(g.get("/index.html", 1.5), "TIMEOUT", "during the block");
    // The kernel removes the element when its timeout runs out.
    let deadline = Instant::now() + Duration::from_secs(8);
    while set_has_client() {
        assert!(Instant::now() < deadline, "the block never ended");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(g.get("/index.html", 10.0), intact(), "after the block");
    stop(sensor);
    assert_eq!(g.server_received().matches("GET /index.html").count(), 2);
    let s = last_stats(&read_eve(&eve));
    assert!(s["response"]["blocks"].as_u64().unwrap_or(0) >= 1, "{s}");
    assert_eq!(s["response"]["block_errors"], 0, "{s}");
}

#[test]
fn mirror_port_sensor_resets_a_rejected_connection() {
    if !root_or_skip("mirror_port_sensor_resets_a_rejected_connection") {
        return;
    }
    // No queue: the sensor only watches the gateway's client side, as on a
    // mirror port, and sends resets out of the same interface.
    let g = Gateway::new(None);
    let eve = g.path("eve.json");
    let iface = format!("{}0", g.gw);
    let sensor = g.start(
        &["--interface", &iface],
        &format!(
            "{}{}[response]\nrst_interface = {iface:?}\n",
            config(""),
            g.rules_key()
        ),
        &eve,
    );
    assert_eq!(g.get("/index.html?slow", 10.0), intact(), "benign");
    // The server answers a second late: the sensor's reset comes first.
    assert_eq!(g.get("/exploit-reject?slow", 10.0), "RESET");
    // Watching cannot stop the request itself.
    assert!(g.server_received().contains("GET /exploit-reject"));
    stop(sensor);
    let events = read_eve(&eve);
    let a = alert_by_sid(&events, 8100002);
    assert_eq!(a["alert"]["action"], "allowed", "{a}");
    let s = last_stats(&events);
    assert!(s["response"]["rst_sent"].as_u64().unwrap_or(0) >= 2, "{s}");
    assert_eq!(s["response"]["errors"], 0, "{s}");
    assert_eq!(s["inline"]["dropped"], 0, "{s}");
}

#[test]
fn ipv6_drop_and_reject_block_like_ipv4() {
    if !root_or_skip("ipv6_drop_and_reject_block_like_ipv4") {
        return;
    }
    let g = Gateway::new(Some(true));
    let eve = g.path("eve.json");
    let sensor = g.start_with_rules(&eve);
    let server6 = "fd81:2::2";
    assert_eq!(g.get_at(server6, "/index.html", 10.0), intact(), "benign");
    assert_eq!(g.get_at(server6, "/exploit-drop", 3.0), "TIMEOUT");
    assert_eq!(g.get_at(server6, "/exploit-reject", 10.0), "RESET");
    assert!(!g.server_received().contains("exploit"));
    stop(sensor);
    let events = read_eve(&eve);
    let a = alert_by_sid(&events, 8100002);
    assert_eq!(a["alert"]["action"], "blocked");
    assert_eq!(a["src_ip"], "fd81:1::2", "{a}");
    let inline = last_stats(&events)["inline"].clone();
    assert_eq!(inline["rst_sent"], 2, "{inline}");
    assert_eq!(inline["response_errors"], 0, "{inline}");
}
