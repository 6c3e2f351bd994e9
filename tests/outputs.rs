//! Alert delivery end to end: the `wardwatch` binary replays a capture with
//! alerts into real receivers started by the test — UDP, TCP, unix-socket and
//! TLS syslog listeners, Debian's rsyslogd, and an HTTP(S) portal server on
//! loopback — and the received bytes are compared with the EVE alerts.

mod common;

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const TOKEN: &str = "tok-9f8e7d6c5b4a-SECRET";
/// A rule that matches nothing in the test captures (for restarts that must
/// raise no new alert).
const NO_ALERT_RULE: &str =
    "alert tcp any any -> any any (msg:\"none\"; content:\"NO-SUCH-PAYLOAD\"; sid:1000002;)\n";
const SIGNATURE: &str = "WARDWATCH test: 病院 EHR access \"quoted\"";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A capture with `n` TCP sessions, each carrying one alerting payload, on
/// client ports 41000.. in that order.
fn alert_capture(dir: &Path, n: u16) -> PathBuf {
    let mut frames = Vec::new();
    for i in 0..n {
        let mut s = TcpSession::new(client4(), 41000 + i, server4(), 8443, 1, 2)
            .starting_at(T0_MICROS + u64::from(i) * 10_000_000);
        frames.extend(s.handshake());
        frames.push(s.send(Dir::ToServer, format!("ALERTME {i}").as_bytes()));
        frames.extend(s.close());
    }
    let p = dir.join("alerts.pcap");
    write_pcap(&p, 1, &frames).expect("write pcap");
    std::fs::write(
        dir.join("test.rules"),
        format!(
            "alert tcp any any -> any any (msg:\"{}\"; content:\"ALERTME\"; \
             classtype:trojan-activity; sid:1000001; rev:2;)\n",
            SIGNATURE.replace('"', "\\\"")
        ),
    )
    .expect("write rules");
    p
}

/// Writes `c.toml` with the sensor identity, EVE in `dir` and `extra`.
fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let p = dir.join("c.toml");
    std::fs::write(
        &p,
        format!(
            "[sensor]\nname = \"test-sensor\"\nsite = \"East wing\"\nhospital = \"St. Example\"\n\
             [stats]\ninterval = 0\n\
             [outputs.eve]\npath = \"{}\"\n{extra}",
            dir.join("eve.json").display()
        ),
    )
    .expect("write config");
    std::fs::write(dir.join("token"), format!("{TOKEN}\n")).expect("write token");
    p
}

/// Runs `wardwatch replay` in `dir`; returns its output and pid.
fn replay(dir: &Path, drain: &str, env: &[(&str, &str)]) -> (Output, u32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wardwatch"));
    cmd.args([
        "replay",
        "-c",
        "c.toml",
        "--rules",
        "test.rules",
        "--drain-timeout",
        drain,
        "alerts.pcap",
    ])
    .current_dir(dir)
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("run wardwatch");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "replay failed: {}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    (out, pid)
}

fn eve_alerts(dir: &Path) -> Vec<Value> {
    read_eve(dir.join("eve.json"))
        .into_iter()
        .filter(|e| e["event_type"] == "alert")
        .collect()
}

fn endpoint(ip: &Value, port: &Value) -> String {
    let ip = ip.as_str().expect("ip");
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

fn sd_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(']', "\\]")
}

/// The structured-data element RFC 5424 messages must carry for `e`.
fn expected_sd(e: &Value, id: &str) -> String {
    let a = &e["alert"];
    let mut sd = format!(
        "[wardwatch@32473 id=\"{id}\" sid=\"{}\" gid=\"{}\" rev=\"{}\" severity=\"{}\" action=\"{}\"",
        a["signature_id"],
        a["gid"],
        a["rev"],
        a["severity"],
        a["action"].as_str().expect("action")
    );
    if let Some(c) = a["category"].as_str().filter(|c| !c.is_empty()) {
        sd += &format!(" category=\"{}\"", sd_escape(c));
    }
    sd += &format!(
        " src=\"{}\" dst=\"{}\" proto=\"{}\"",
        sd_escape(&endpoint(&e["src_ip"], &e["src_port"])),
        sd_escape(&endpoint(&e["dest_ip"], &e["dest_port"])),
        e["proto"].as_str().expect("proto")
    );
    if let Some(app) = e["app_proto"].as_str() {
        sd += &format!(" app_proto=\"{app}\"");
    }
    sd + " site=\"East wing\" hospital=\"St. Example\"]"
}

/// The whole RFC 5424 message for EVE alert `e` (local5, priority 1 → crit).
fn expected_5424(e: &Value, pid: u32, id: &str) -> String {
    format!(
        "<170>1 {} test-sensor wardwatch {pid} alert {} {}",
        e["timestamp"].as_str().expect("ts"),
        expected_sd(e, id),
        e["alert"]["signature"].as_str().expect("sig")
    )
}

/// The `id="..."` of a received RFC 5424 message.
fn sd_id_of(msg: &str) -> String {
    let start = msg.find(" id=\"").expect("id param") + 5;
    msg[start..start + 36].to_string()
}

/// Splits an octet-counted stream (RFC 6587) into messages, exactly.
fn octet_frames(mut data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let sp = data.iter().position(|b| *b == b' ').expect("MSG-LEN SP");
        let len: usize = std::str::from_utf8(&data[..sp])
            .expect("digits")
            .parse()
            .expect("length");
        let msg = &data[sp + 1..sp + 1 + len];
        out.push(String::from_utf8(msg.to_vec()).expect("UTF-8 message"));
        data = &data[sp + 1 + len..];
    }
    out
}

fn check_messages(dir: &Path, pid: u32, msgs: &[String]) {
    let alerts = eve_alerts(dir);
    assert!(
        alerts.len() >= 3,
        "the capture raised {} alerts",
        alerts.len()
    );
    assert_eq!(msgs.len(), alerts.len(), "{msgs:#?}");
    let mut ids = HashSet::new();
    for (m, e) in msgs.iter().zip(&alerts) {
        let id = sd_id_of(m);
        assert!(ids.insert(id.clone()), "ids are unique");
        assert_eq!(m, &expected_5424(e, pid, &id));
    }
}

/// A TCP listener on loopback that takes one connection and returns all it
/// received once the peer closes.
fn tcp_receiver() -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let reader = std::thread::spawn(move || {
        let (mut s, _) = l.accept().expect("accept");
        let mut data = Vec::new();
        s.read_to_end(&mut data).expect("read");
        data
    });
    (port, reader)
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn syslog_udp_rfc5424_exact_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 4);
    let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
    rx.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let port = rx.local_addr().expect("addr").port();
    write_config(
        dir.path(),
        &format!("[outputs.syslog]\ntransport = \"udp\"\naddress = \"127.0.0.1:{port}\"\n"),
    );
    let (out, pid) = replay(dir.path(), "5", &[]);
    let mut msgs = Vec::new();
    let mut buf = [0u8; 65536];
    while msgs.len() < 4 {
        let n = rx.recv(&mut buf).expect("datagram");
        msgs.push(String::from_utf8(buf[..n].to_vec()).expect("UTF-8"));
    }
    check_messages(dir.path(), pid, &msgs);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("syslog:  4 queued, 4 delivered, 0 retried, 0 spooled, 0 dropped"),
        "{stdout}"
    );
}

#[test]
fn syslog_tcp_octet_counting_exact_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 3);
    let (port, reader) = tcp_receiver();
    write_config(
        dir.path(),
        &format!("[outputs.syslog]\ntransport = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n"),
    );
    let (_, pid) = replay(dir.path(), "5", &[]);
    let data = reader.join().expect("reader");
    check_messages(dir.path(), pid, &octet_frames(&data));
    // The stats event carries the sink's counters.
    let stats = read_eve(dir.path().join("eve.json"))
        .into_iter()
        .rfind(|e| e["event_type"] == "stats")
        .expect("stats");
    assert_eq!(stats["stats"]["output"]["syslog"]["queued"], 3, "{stats}");
}

#[test]
fn syslog_unix_socket_rfc3164_and_cef() {
    for format in ["rfc3164", "cef"] {
        let dir = tempfile::tempdir().expect("tmp");
        alert_capture(dir.path(), 2);
        let sock = dir.path().join("log.sock");
        let rx = UnixDatagram::bind(&sock).expect("bind unix socket");
        rx.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        write_config(
            dir.path(),
            &format!(
                "[outputs.syslog]\ntransport = \"unix\"\naddress = \"{}\"\nformat = \"{format}\"\n\
                 facility = \"local3\"\n",
                sock.display()
            ),
        );
        let (_, pid) = replay(dir.path(), "5", &[]);
        let alerts = eve_alerts(dir.path());
        let mut buf = [0u8; 65536];
        for e in &alerts {
            let n = rx.recv(&mut buf).expect("datagram");
            let m = String::from_utf8(buf[..n].to_vec()).expect("UTF-8");
            let ts = chrono::DateTime::parse_from_rfc3339(e["timestamp"].as_str().expect("ts"))
                .expect("rfc3339");
            // local3 (19) * 8 + crit (2)
            let head = format!("<154>{} test-sensor ", ts.format("%b %e %H:%M:%S"));
            assert!(m.starts_with(&head), "{m}");
            if format == "rfc3164" {
                assert!(
                    m.contains(&format!(
                        "wardwatch[{pid}]: [1:1000001:2] {SIGNATURE} [Classification: A Network Trojan was detected] [Priority: 1]"
                    )),
                    "{m}"
                );
                assert!(
                    m.ends_with(&format!(
                        "{{TCP}} {} -> {}",
                        endpoint(&e["src_ip"], &e["src_port"]),
                        endpoint(&e["dest_ip"], &e["dest_port"])
                    )),
                    "{m}"
                );
            } else {
                let cef = m.strip_prefix(&head).expect("header");
                let fields: Vec<&str> = cef.splitn(8, '|').collect();
                assert_eq!(fields[0], "CEF:0");
                assert_eq!(fields[4], "1000001");
                assert_eq!(fields[5], SIGNATURE);
                assert_eq!(fields[6], "10");
                assert!(
                    fields[7].contains(&format!(
                        "src={} spt={}",
                        e["src_ip"].as_str().expect("ip"),
                        e["src_port"]
                    )),
                    "{m}"
                );
            }
        }
    }
}

/// A CA and a `localhost` server certificate made for this test run.
struct TestPki {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
    /// The server's certificate and key (for servers started by a test).
    server_cert_pem: String,
    server_key_pem: String,
}

fn test_pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use rcgen::{DistinguishedName, DnType};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: OpenSSL (redis-server, redis-cli) takes a certificate
    // whose issuer is its own subject for a self-signed one.
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "wardwatch test CA");
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("CA");
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ca).expect("server cert");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    TestPki {
        ca_pem: ca.pem(),
        server: Arc::new(server),
        server_cert_pem: cert.pem(),
        server_key_pem: key.serialize_pem(),
    }
}

#[test]
fn syslog_tls_with_configured_ca() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 3);
    let pki = test_pki();
    std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).expect("ca");
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let server = Arc::clone(&pki.server);
    let reader = std::thread::spawn(move || {
        let (s, _) = l.accept().expect("accept");
        // One connection for every message: a second one would wait here.
        l.set_nonblocking(true).expect("nonblocking");
        let conn = rustls::ServerConnection::new(server).expect("conn");
        let mut tls = rustls::StreamOwned::new(conn, s);
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        // The sensor ends with close_notify: a clean EOF, not an error.
        loop {
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => data.extend_from_slice(&buf[..n]),
                Err(e) => panic!("TLS read after {} bytes: {e}", data.len()),
            }
        }
        assert!(l.accept().is_err(), "the sensor opened a second connection");
        data
    });
    write_config(
        dir.path(),
        &format!(
            "[outputs.syslog]\ntransport = \"tls\"\naddress = \"127.0.0.1:{port}\"\n\
             server_name = \"localhost\"\nca_file = \"{}\"\n",
            dir.path().join("ca.pem").display()
        ),
    );
    let (_, pid) = replay(dir.path(), "5", &[]);
    let data = reader.join().expect("reader");
    check_messages(dir.path(), pid, &octet_frames(&data));
}

#[test]
fn syslog_tls_refuses_an_untrusted_server() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 2);
    let pki = test_pki();
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let server = Arc::clone(&pki.server);
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    let got = Arc::new(Mutex::new(Vec::<u8>::new()));
    let got2 = Arc::clone(&got);
    l.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        while !stop2.load(Ordering::Relaxed) {
            match l.accept() {
                Ok((s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&server)) else {
                        continue;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, s);
                    let mut buf = [0u8; 4096];
                    if let Ok(n) = tls.read(&mut buf) {
                        got2.lock().expect("lock").extend_from_slice(&buf[..n]);
                    }
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    // No ca_file: the system roots do not know the test CA.
    write_config(
        dir.path(),
        &format!(
            "[outputs.syslog]\ntransport = \"tls\"\naddress = \"127.0.0.1:{port}\"\n\
             server_name = \"localhost\"\nmax_backoff = \"100 ms\"\n"
        ),
    );
    let started = Instant::now();
    let (out, _) = replay(dir.path(), "1", &[]);
    stop.store(true, Ordering::Relaxed);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(got.lock().expect("lock").is_empty(), "no plaintext leaked");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("0 delivered"), "{stdout}");
    assert!(stdout.contains("2 dropped"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("syslog") && stderr.to_lowercase().contains("certificate"),
        "{stderr}"
    );
}

#[test]
fn syslog_into_real_rsyslogd() {
    let Some(rsyslogd) = debian_program("rsyslogd", "rsyslog", "syslog_into_real_rsyslogd") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 3);
    let port = free_port();
    let work = dir.path().join("rsyslog-work");
    std::fs::create_dir(&work).expect("mkdir");
    let out_log = dir.path().join("received.log");
    let conf = dir.path().join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            "global(workDirectory=\"{}\")\n\
             module(load=\"imtcp\")\n\
             input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{port}\")\n\
             template(name=\"fields\" type=\"string\" string=\"%pri%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n\")\n\
             *.* action(type=\"omfile\" file=\"{}\" template=\"fields\")\n",
            work.display(),
            out_log.display()
        ),
    )
    .expect("conf");
    let mut daemon = Command::new(&rsyslogd)
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("-i")
        .arg(dir.path().join("rsyslogd.pid"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start rsyslogd");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let _ = daemon.kill();
            let _ = daemon.wait();
            panic!("rsyslogd did not listen on {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    write_config(
        dir.path(),
        &format!("[outputs.syslog]\ntransport = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n"),
    );
    let (_, pid) = replay(dir.path(), "5", &[]);
    let alerts = eve_alerts(dir.path());
    let deadline = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let t = std::fs::read_to_string(&out_log).unwrap_or_default();
        let lines: Vec<String> = t.lines().map(str::to_string).collect();
        if lines.len() >= alerts.len() || Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert_eq!(lines.len(), alerts.len(), "{lines:#?}");
    for (line, e) in lines.iter().zip(&alerts) {
        let f: Vec<&str> = line.splitn(8, '|').collect();
        assert_eq!(f[0], "170", "{line}");
        let got = chrono::DateTime::parse_from_rfc3339(f[1]).expect("rsyslog timestamp");
        let want = chrono::DateTime::parse_from_rfc3339(e["timestamp"].as_str().expect("ts"))
            .expect("eve timestamp");
        assert_eq!(got, want, "{line}");
        assert_eq!(
            &f[2..6],
            ["test-sensor", "wardwatch", &pid.to_string(), "alert"]
        );
        let id = sd_id_of(f[6]);
        assert_eq!(f[6], expected_sd(e, &id), "{line}");
        assert_eq!(
            f[7].trim_start(),
            e["alert"]["signature"].as_str().expect("sig")
        );
    }
}

#[test]
fn syslog_sink_reconnects_after_the_server_closes() {
    use wardwatch::output::eve::{EveRecord, StatsEvent};
    use wardwatch::output::sink::{Delivery, SinkHandle};
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let raw = format!(
        "[outputs.syslog]\ntransport = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n\
         types = [\"stats\"]\nmax_backoff = \"100 ms\"\n"
    );
    let config = wardwatch::config::RawConfig::parse(&raw, Path::new("t.toml"))
        .and_then(|r| r.validate())
        .expect("config");
    let cfg = config.syslog.clone().expect("syslog");
    let mut sink = SinkHandle::start("syslog", cfg.types, 16, |input| {
        wardwatch::output::syslog::start(&cfg, &config.sensor, input)
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
    .expect("start");
    let event = |n: u64| {
        Arc::new(Delivery::new(EveRecord::Stats(Box::new(StatsEvent {
            timestamp: "2024-01-01T00:00:00.000000+00:00".into(),
            event_type: "stats",
            stats: serde_json::json!({ "n": n }),
        }))))
    };
    let read_frame = |s: &mut TcpStream| {
        let mut data = Vec::new();
        let mut b = [0u8; 1];
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        // Read the length, then the message.
        loop {
            s.read_exact(&mut b).expect("length byte");
            if b[0] == b' ' {
                break;
            }
            data.push(b[0]);
        }
        let len: usize = text(&data).parse().expect("length");
        let mut msg = vec![0u8; len];
        s.read_exact(&mut msg).expect("message");
        text(&msg)
    };
    sink.offer(&event(1));
    let (mut first, _) = l.accept().expect("accept 1");
    assert!(read_frame(&mut first).ends_with("{\"timestamp\":\"2024-01-01T00:00:00.000000+00:00\",\"event_type\":\"stats\",\"stats\":{\"n\":1}}"));
    // The receiver restarts.
    drop(first);
    std::thread::sleep(Duration::from_millis(100));
    sink.offer(&event(2));
    let (mut second, _) = l.accept().expect("accept 2");
    assert!(read_frame(&mut second).contains("\"n\":2"));
    let c = sink.finish(Instant::now() + Duration::from_secs(5));
    assert_eq!((c.queued, c.delivered, c.dropped), (2, 2, 0));
    assert!(c.errors >= 1, "{c:?}");
}

// ---------------------------------------------------------------- portal --

/// How the test portal answers one request.
#[derive(Clone, Debug)]
enum Reply {
    Status(u16),
    RetryAfter(u16, u64),
    /// Waits this long, then answers 200 (longer than the client's timeout).
    Slow(Duration),
    /// 400 with the request's Authorization header echoed in the body.
    EchoAuth400,
}

#[derive(Debug)]
struct Received {
    at: Instant,
    auth: Option<String>,
    body: Value,
}

#[derive(Default)]
struct PortalState {
    script: VecDeque<Reply>,
    requests: Vec<Received>,
}

/// A small HTTP/1.1 server on loopback: one connection at a time,
/// `Connection: close`, answers from a script then 200.
struct TestPortal {
    port: u16,
    state: Arc<Mutex<PortalState>>,
    stop: Arc<AtomicBool>,
}

impl TestPortal {
    fn start(
        listener: TcpListener,
        script: Vec<Reply>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Self {
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(PortalState {
            script: script.into(),
            requests: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            while !sp.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                        match &tls {
                            Some(cfg) => {
                                let Ok(conn) = rustls::ServerConnection::new(Arc::clone(cfg))
                                else {
                                    continue;
                                };
                                serve(rustls::StreamOwned::new(conn, s), &st);
                            }
                            None => serve(s, &st),
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TestPortal { port, state, stop }
    }

    fn url(&self, scheme: &str, host: &str) -> String {
        format!("{scheme}://{host}:{}/api/v1/alerts", self.port)
    }

    /// The alert_id of every event received, in arrival order.
    fn alert_ids(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e["alert_id"].as_str().expect("id").to_string())
            .collect()
    }

    /// Every event received, in arrival order, with its alert_id.
    fn events(&self) -> Vec<Value> {
        let s = self.state.lock().expect("lock");
        s.requests
            .iter()
            .flat_map(|r| r.body["events"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

impl Drop for TestPortal {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve<S: Read + Write>(mut s: S, state: &Mutex<PortalState>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        if let Some(p) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = text(&data[..head_end]);
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + len {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let body: Value =
        serde_json::from_slice(&data[head_end..head_end + len]).unwrap_or(Value::Null);
    let auth = header("authorization");
    let reply = {
        let mut st = state.lock().expect("lock");
        st.requests.push(Received {
            at: Instant::now(),
            auth: auth.clone(),
            body,
        });
        st.script.pop_front().unwrap_or(Reply::Status(200))
    };
    let (status, extra, text_body) = match reply {
        Reply::Status(c) => (c, String::new(), "{}".to_string()),
        Reply::RetryAfter(c, secs) => (c, format!("Retry-After: {secs}\r\n"), "{}".into()),
        Reply::Slow(d) => {
            std::thread::sleep(d);
            (200, String::new(), "{}".into())
        }
        Reply::EchoAuth400 => (
            400,
            String::new(),
            format!(
                "{{\"error\":\"bad request\",\"you_sent\":\"{}\"}}",
                auth.unwrap_or_default()
            ),
        ),
    };
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{text_body}",
        text_body.len()
    );
    let _ = s.write_all(resp.as_bytes());
    let _ = s.flush();
}

fn portal_config(url: &str, dir: &Path, extra: &str) -> String {
    let mut text = format!(
        "[outputs.portal]\nurl = \"{url}\"\ntoken_file = \"{}\"\nspool_dir = \"{}\"\n{extra}",
        dir.join("token").display(),
        dir.join("spool").display()
    );
    for (k, v) in [
        ("batch_max_events", "5"),
        ("batch_max_age", "\"100 ms\""),
        ("retry_initial", "\"100 ms\""),
        ("retry_max", "\"1 s\""),
        ("timeout", "\"1 s\""),
        ("connect_timeout", "\"1 s\""),
    ] {
        if !extra.lines().any(|l| l.starts_with(&format!("{k} "))) {
            text += &format!("{k} = {v}\n");
        }
    }
    text
}

/// (src_port, timestamp) identifies an alert of the test capture.
fn key(e: &Value) -> (u64, String) {
    (
        e["src_port"].as_u64().expect("port"),
        e["timestamp"].as_str().expect("ts").to_string(),
    )
}

#[test]
fn portal_survives_errors_throttling_and_slowness() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 12);
    let portal = TestPortal::start(
        TcpListener::bind("127.0.0.1:0").expect("bind"),
        vec![
            Reply::Status(500),
            Reply::Status(503),
            Reply::RetryAfter(429, 1),
            Reply::Slow(Duration::from_millis(1500)),
        ],
        None,
    );
    write_config(
        dir.path(),
        &portal_config(&portal.url("http", "127.0.0.1"), dir.path(), ""),
    );
    let (out, _) = replay(dir.path(), "30", &[]);
    let alerts = eve_alerts(dir.path());
    assert_eq!(alerts.len(), 12);
    let st = portal.state.lock().expect("lock");
    for r in &st.requests {
        assert_eq!(r.auth.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(r.body["sensor"]["name"], "test-sensor");
        assert_eq!(r.body["sensor"]["site"], "East wing");
        assert_eq!(r.body["sensor"]["hospital"], "St. Example");
        assert!(r.body["events"].as_array().is_some_and(|e| e.len() <= 5));
    }
    // Retry-After: 1 was honoured.
    let gap = st.requests[3].at.duration_since(st.requests[2].at);
    assert!(gap >= Duration::from_millis(950), "{gap:?}");
    drop(st);
    // Every alert arrived; a repeat carries the same id and the same event;
    // first arrivals are in capture order.
    let mut first: Vec<(u64, String)> = Vec::new();
    let mut by_id: HashMap<String, Value> = HashMap::new();
    for e in portal.events() {
        let id = e["alert_id"].as_str().expect("alert_id").to_string();
        assert_eq!(
            uuid::Uuid::parse_str(&id).expect("uuid").get_version_num(),
            4
        );
        match by_id.get(&id) {
            Some(prev) => assert_eq!(prev, &e, "a duplicate is the same event"),
            None => {
                first.push(key(&e));
                by_id.insert(id, e);
            }
        }
    }
    let want: Vec<(u64, String)> = alerts.iter().map(key).collect();
    assert_eq!(first, want);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("portal:  12 queued, 12 delivered"),
        "{stdout}"
    );
    assert!(!stdout.contains(", 0 retried,"), "{stdout}");
    assert!(stdout.contains("12 spooled, 0 dropped"), "{stdout}");
    // Acknowledged events left the spool.
    assert_eq!(spool_bytes(&dir.path().join("spool")), 0);
}

/// Bytes in the spool's segment files (0 when there is no spool yet).
fn spool_bytes(spool: &Path) -> u64 {
    std::fs::read_dir(spool)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".wws"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// The alert_ids found in the spool's segment files, in order.
fn spooled_ids(spool: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(spool)
        .expect("spool dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wws"))
        .collect();
    files.sort();
    let mut ids = Vec::new();
    for f in files {
        let t = text(&std::fs::read(f).expect("segment"));
        let mut rest = t.as_str();
        while let Some(i) = rest.find("\"alert_id\":\"") {
            let start = i + 12;
            ids.push(rest[start..start + 36].to_string());
            rest = &rest[start + 36..];
        }
    }
    ids
}

#[test]
fn portal_down_then_up_sends_spooled_alerts_exactly_once() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 6);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/api/v1/alerts");
    write_config(dir.path(), &portal_config(&url, dir.path(), ""));
    // Portal down: everything stays in the spool.
    let started = Instant::now();
    let (out, _) = replay(dir.path(), "1", &[]);
    assert!(started.elapsed() < Duration::from_secs(10));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("portal:  6 queued, 0 delivered")
            && stdout.contains("6 spooled, 0 dropped"),
        "{stdout}"
    );
    let earlier = spooled_ids(&dir.path().join("spool"));
    assert_eq!(earlier.len(), 6);
    // Portal up; a second replay sends the earlier alerts first, then its own.
    let portal = TestPortal::start(
        TcpListener::bind(("127.0.0.1", port)).expect("bind the same port"),
        vec![],
        None,
    );
    let (out, _) = replay(dir.path(), "20", &[]);
    let ids: Vec<String> = portal.alert_ids();
    assert_eq!(ids.len(), 12, "each alert exactly once: {ids:?}");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 12);
    assert_eq!(&ids[..6], &earlier[..]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("12 delivered"), "{stdout}");
    assert!(spooled_ids(&dir.path().join("spool")).is_empty());
}

#[test]
fn portal_corrupt_spool_tail_is_skipped_and_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 4);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/api/v1/alerts");
    write_config(dir.path(), &portal_config(&url, dir.path(), ""));
    replay(dir.path(), "0.5", &[]);
    let earlier = spooled_ids(&dir.path().join("spool"));
    assert_eq!(earlier.len(), 4);
    // A crash mid-write: the last record is torn.
    let seg = std::fs::read_dir(dir.path().join("spool"))
        .expect("spool")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wws"))
        .expect("segment");
    let data = std::fs::read(&seg).expect("read");
    std::fs::write(&seg, &data[..data.len() - 7]).expect("truncate");
    let portal = TestPortal::start(
        TcpListener::bind(("127.0.0.1", port)).expect("bind"),
        vec![],
        None,
    );
    let (out, _) = replay(dir.path(), "20", &[]);
    let ids: Vec<String> = portal.alert_ids();
    assert_eq!(&ids[..3], &earlier[..3], "the intact records are sent");
    assert_eq!(ids.len(), 3 + 4);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("1 corrupt in spool"), "{stdout}");
    assert!(
        text(&out.stderr).contains("corrupt"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn portal_refusal_parks_the_batch_and_never_logs_the_token() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 3);
    let portal = TestPortal::start(
        TcpListener::bind("127.0.0.1:0").expect("bind"),
        vec![Reply::EchoAuth400],
        None,
    );
    write_config(
        dir.path(),
        &portal_config(
            &portal.url("http", "127.0.0.1"),
            dir.path(),
            "batch_max_events = 100\nbatch_max_age = \"2 s\"\n",
        ),
    );
    let started = Instant::now();
    let (out, _) = replay(dir.path(), "30", &[("WARDWATCH_LOG", "trace")]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "a 4xx is not retried until the drain timeout"
    );
    assert_eq!(portal.state.lock().expect("lock").requests.len(), 1);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("3 parked"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("400") && stderr.contains("parked"),
        "{stderr}"
    );
    assert!(stderr.contains("[redacted]"), "{stderr}");
    assert!(!stderr.contains(TOKEN) && !stdout.contains(TOKEN));
    let parked: Vec<PathBuf> = std::fs::read_dir(dir.path().join("spool/parked"))
        .expect("parked dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(parked.len(), 1);
    let body: Value =
        serde_json::from_slice(&std::fs::read(&parked[0]).expect("read")).expect("json");
    assert_eq!(body["events"].as_array().map(Vec::len), Some(3));
    // Nowhere on disk but the token file.
    for f in walk(dir.path()) {
        if f.file_name().is_some_and(|n| n == "token") {
            continue;
        }
        let data = std::fs::read(&f).unwrap_or_default();
        assert!(
            !data.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "token found in {}",
            f.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn portal_over_https_with_configured_ca() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 3);
    let pki = test_pki();
    std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).expect("ca");
    let portal = TestPortal::start(
        TcpListener::bind("127.0.0.1:0").expect("bind"),
        vec![],
        Some(Arc::clone(&pki.server)),
    );
    write_config(
        dir.path(),
        &portal_config(
            &portal.url("https", "localhost"),
            dir.path(),
            &format!("ca_file = \"{}\"\n", dir.path().join("ca.pem").display()),
        ),
    );
    let (out, _) = replay(dir.path(), "20", &[]);
    assert_eq!(portal.events().len(), 3);
    assert!(
        text(&out.stdout).contains("3 delivered"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_stalled_portal_does_not_hold_up_detection() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 300);
    // Accepts, reads, and never answers within the client's timeout.
    let portal = TestPortal::start(
        TcpListener::bind("127.0.0.1:0").expect("bind"),
        vec![Reply::Slow(Duration::from_secs(120)); 4],
        None,
    );
    write_config(
        dir.path(),
        &portal_config(
            &portal.url("http", "127.0.0.1"),
            dir.path(),
            "timeout = \"60 s\"\n",
        ),
    );
    let started = Instant::now();
    let (out, _) = replay(dir.path(), "1", &[]);
    // The drain timeout bounds the wait; every alert is in the EVE file and
    // in the spool, none dropped.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(eve_alerts(dir.path()).len(), 300);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("300 spooled, 0 dropped"), "{stdout}");
    assert_eq!(spooled_ids(&dir.path().join("spool")).len(), 300);
}

#[test]
fn the_example_config_documents_real_output_keys() {
    // Uncomment the syslog and portal sections of the shipped example, point
    // the files at real ones, and the result must validate.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/wardwatch.toml");
    let text = std::fs::read_to_string(example).expect("example config");
    let dir = tempfile::tempdir().expect("tmp");
    let pki = test_pki();
    let pem = dir.path().join("x.pem");
    std::fs::write(&pem, &pki.ca_pem).expect("pem");
    let key = dir.path().join("x.key");
    std::fs::write(
        &key,
        rcgen::KeyPair::generate().expect("key").serialize_pem(),
    )
    .expect("key");
    std::fs::write(dir.path().join("portal.token"), "abc\n").expect("token");
    std::fs::write(dir.path().join("redis.password"), "pw\n").expect("password");
    let mut out = String::new();
    let mut uncommented = 0;
    for line in text.lines() {
        let body = line.strip_prefix("# ").unwrap_or("");
        let is_key = body.split_once(" = ").is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        });
        if body.starts_with("[outputs.syslog]")
            || body.starts_with("[outputs.portal]")
            || body.starts_with("[outputs.redis]")
            || is_key
        {
            uncommented += 1;
            out.push_str(body);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(uncommented > 30, "{uncommented}");
    let out = out
        .replace("transport = \"unix\"", "transport = \"tls\"")
        .replace("address = \"/dev/log\"", "address = \"127.0.0.1:6514\"")
        .replace(
            "/etc/wardwatch/portal.token",
            &dir.path().join("portal.token").display().to_string(),
        )
        .replace(
            "/var/lib/wardwatch/spool",
            &dir.path().join("spool").display().to_string(),
        )
        .replace("/etc/wardwatch/client.key", &key.display().to_string())
        .replace(
            "/etc/wardwatch/detectors.toml",
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("rules/detectors.toml")
                .display()
                .to_string(),
        )
        .replace(
            "/etc/wardwatch/redis.password",
            &dir.path().join("redis.password").display().to_string(),
        );
    let out = ["siem-ca.pem", "client.pem", "portal-ca.pem"]
        .iter()
        .fold(out, |t, f| {
            t.replace(&format!("/etc/wardwatch/{f}"), &pem.display().to_string())
        });
    let cfg = wardwatch::config::RawConfig::parse(&out, Path::new("example"))
        .and_then(|r| r.validate())
        .unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(cfg.syslog.is_some() && cfg.portal.is_some() && cfg.redis.is_some());
    assert_eq!(cfg.drain_timeout, Duration::from_secs(10));
}

// ----------------------------------------------------------------- redis --

fn redis_binaries() -> Option<(PathBuf, PathBuf)> {
    let server = debian_program("redis-server", "redis-server", "redis test")?;
    let cli = debian_program("redis-cli", "redis-server", "redis test")?;
    Some((server, cli))
}

/// A redis-server on a loopback port, in a temp dir, killed on drop.
struct TestRedis {
    child: std::process::Child,
    cli: PathBuf,
    /// How redis-cli reaches the server (`-p PORT`, plus TLS options).
    cli_args: Vec<String>,
}

impl TestRedis {
    fn start(server: &Path, cli: &Path, port: u16, dir: &Path) -> Self {
        let p = port.to_string();
        Self::start_with(server, cli, dir, &["--port", &p], &["-p", &p])
    }

    /// Plain TCP port 0 (off), TLS on `port` with the certificate of `pki`.
    fn start_tls(server: &Path, cli: &Path, port: u16, dir: &Path, pki: &TestPki) -> Self {
        let write = |name: &str, pem: &str| {
            let p = dir.join(name);
            std::fs::write(&p, pem).expect("pem");
            p.display().to_string()
        };
        let ca = write("redis-ca.pem", &pki.ca_pem);
        let cert = write("redis-cert.pem", &pki.server_cert_pem);
        let key = write("redis-key.pem", &pki.server_key_pem);
        let p = port.to_string();
        Self::start_with(
            server,
            cli,
            dir,
            &[
                "--port",
                "0",
                "--tls-port",
                &p,
                "--tls-cert-file",
                &cert,
                "--tls-key-file",
                &key,
                "--tls-ca-cert-file",
                &ca,
                "--tls-auth-clients",
                "no",
            ],
            &["-p", &p, "--tls", "--cacert", &ca, "--sni", "localhost"],
        )
    }

    fn start_with(
        server: &Path,
        cli: &Path,
        dir: &Path,
        server_args: &[&str],
        cli_args: &[&str],
    ) -> Self {
        let child = Command::new(server)
            .args(server_args)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(dir.join("redis.log"))
            .spawn()
            .expect("start redis-server");
        let mut r = TestRedis {
            child,
            cli: cli.to_path_buf(),
            cli_args: cli_args.iter().map(|a| a.to_string()).collect(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while r.cli(&["PING"]).trim() != "PONG" {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start ({server_args:?}): {}",
                std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        r
    }

    fn cli(&mut self, args: &[&str]) -> String {
        let out = Command::new(&self.cli)
            .args(&self.cli_args)
            .arg("--raw")
            .args(args)
            .output()
            .expect("redis-cli");
        text(&out.stdout)
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn redis_list_and_stream_modes_with_a_real_server() {
    let Some((server, cli)) = redis_binaries() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 5);
    let port = free_port();
    let mut redis = TestRedis::start(&server, &cli, port, dir.path());
    // List mode: LPUSH, so the oldest alert is at the tail.
    write_config(
        dir.path(),
        &format!("[outputs.redis]\naddress = \"127.0.0.1:{port}\"\nkey = \"ww-alerts\"\n"),
    );
    let (out, _) = replay(dir.path(), "5", &[]);
    assert!(
        text(&out.stdout)
            .contains("redis:   5 queued, 5 delivered, 0 retried, 0 spooled, 0 dropped"),
        "{}",
        text(&out.stdout)
    );
    let alerts = eve_alerts(dir.path());
    let listed: Vec<Value> = redis
        .cli(&["LRANGE", "ww-alerts", "0", "-1"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON element"))
        .collect();
    assert_eq!(listed.len(), 5);
    for (got, want) in listed.iter().rev().zip(&alerts) {
        assert!(got["alert_id"].as_str().is_some_and(|s| s.len() == 36));
        let mut got = got.clone();
        got.as_object_mut().expect("object").remove("alert_id");
        assert_eq!(&got, want, "the element is the EVE alert plus alert_id");
    }
    // Stream mode: XADD with an `event` field, capped.
    write_config(
        dir.path(),
        &format!(
            "[outputs.redis]\naddress = \"127.0.0.1:{port}\"\nkey = \"ww-stream\"\nmode = \"stream\"\n\
             stream_maxlen = 1000\n"
        ),
    );
    replay(dir.path(), "5", &[]);
    assert_eq!(redis.cli(&["XLEN", "ww-stream"]).trim(), "5");
    let range = redis.cli(&["XRANGE", "ww-stream", "-", "+", "COUNT", "1"]);
    let lines: Vec<&str> = range.lines().collect();
    assert_eq!(lines[1], "event", "{range}");
    let first: Value = serde_json::from_str(lines[2]).expect("json");
    assert_eq!(key(&first), key(&alerts[0]));
    // A key of the wrong type: Redis refuses, the sensor drops and counts.
    write_config(
        dir.path(),
        &format!("[outputs.redis]\naddress = \"127.0.0.1:{port}\"\nkey = \"ww-stream\"\n"),
    );
    let (out, _) = replay(dir.path(), "5", &[]);
    assert!(
        text(&out.stdout).contains("0 delivered, 0 retried, 0 spooled, 5 dropped"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("WRONGTYPE"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn redis_sink_waits_for_a_server_that_comes_up_late() {
    let Some((server, cli)) = redis_binaries() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 4);
    let port = free_port();
    write_config(
        dir.path(),
        &format!("[outputs.redis]\naddress = \"127.0.0.1:{port}\"\nmax_backoff = \"200 ms\"\n"),
    );
    let data = dir.path().to_path_buf();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        TestRedis::start(&server, &cli, port, &data)
    });
    let (out, _) = replay(dir.path(), "15", &[]);
    let mut redis = starter.join().expect("redis started");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("4 queued, 4 delivered"), "{stdout}");
    assert!(!stdout.contains(" 0 retried"), "{stdout}");
    assert_eq!(redis.cli(&["LLEN", "wardwatch"]).trim(), "4");
}

/// The flow ids of the EVE lines in `text`; every line must be whole JSON.
fn eve_ids(text: &str) -> Vec<u64> {
    assert!(text.is_empty() || text.ends_with('\n'), "a line is cut");
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("whole JSON line");
            v["flow_id"].as_u64().expect("flow_id")
        })
        .collect()
}

fn numbered_alert(n: u64) -> wardwatch::output::EveRecord {
    let mut a = wardwatch::output::eve::AlertEvent::sensor_health(
        wardwatch::time::Timestamp::from_secs_micros(1_700_000_000, 0),
        9_100_999,
        "logrotate test".into(),
        3,
        serde_json::json!({}),
    );
    a.header.flow_id = Some(n);
    wardwatch::output::EveRecord::Alert(Box::new(a))
}

/// The shipped logrotate snippet, run for real by `logrotate -f` twice on a
/// temp copy whose postrotate sends SIGHUP to this process, where a handler
/// does what the daemon's does (`OutputSender::reopen_logs`) while a thread
/// keeps writing alerts. Every alert ends up in exactly one file, whole, and
/// the second rotation compresses the first rotated file (delaycompress).
#[test]
fn logrotate_snippet_rotates_and_sighup_reopens_without_loss() {
    let Some(logrotate) = debian_program(
        "logrotate",
        "logrotate",
        "logrotate_snippet_rotates_and_sighup_reopens_without_loss",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let eve = dir.path().join("eve.json");
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/systemd/wardwatch.logrotate"
    ))
    .expect("snippet");
    let path_line = "/var/log/wardwatch/eve.json {";
    let hup_line =
        "systemctl kill --signal=HUP --kill-whom=main wardwatch.service >/dev/null 2>&1 || true";
    assert!(shipped.contains(path_line) && shipped.contains(hup_line));
    for directive in ["compress", "delaycompress", "missingok", "notifempty"] {
        assert!(
            shipped.lines().any(|l| l.trim() == directive),
            "{directive}"
        );
    }
    let conf = dir.path().join("wardwatch.logrotate");
    std::fs::write(
        &conf,
        shipped
            .replace(path_line, &format!("{} {{", eve.display()))
            .replace(hup_line, &format!("kill -HUP {}", std::process::id())),
    )
    .expect("conf");

    // The daemon's side: SIGHUP sets a flag, the control loop reopens.
    let hup = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hup)).expect("handler");
    let writer = wardwatch::output::EveWriter::open(&eve).expect("open");
    let types = wardwatch::config::EveTypes {
        alert: true,
        ..Default::default()
    };
    let outputs = wardwatch::output::Outputs::start(Some(writer), types);
    let stop = Arc::new(AtomicBool::new(false));
    let tx = outputs.sender();
    let st = Arc::clone(&stop);
    let producer = std::thread::spawn(move || {
        let mut n = 0u64;
        while !st.load(Ordering::Relaxed) {
            tx.send(numbered_alert(n));
            n += 1;
            if n % 64 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        n
    });
    let control = outputs.sender();
    let mut reopens = 0;
    let rotate = |reopens: &mut u32| {
        std::thread::sleep(Duration::from_millis(200));
        let out = Command::new(&logrotate)
            .arg("-f")
            .arg("-s")
            .arg(dir.path().join("state"))
            .arg(&conf)
            .output()
            .expect("run logrotate");
        assert!(out.status.success(), "logrotate: {}", text(&out.stderr));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !hup.swap(false, Ordering::Relaxed) {
            assert!(Instant::now() < deadline, "no SIGHUP from postrotate");
            std::thread::sleep(Duration::from_millis(5));
        }
        control.reopen_logs();
        *reopens += 1;
    };
    rotate(&mut reopens);
    rotate(&mut reopens);
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let sent = producer.join().expect("producer");
    drop(control);
    let c = outputs.finish();
    assert_eq!((c.written, c.errors), (sent, 0));
    assert_eq!(reopens, 2);

    // eve.json.2.gz (first rotation, compressed by the second), eve.json.1
    // (second rotation, not yet compressed), eve.json (current).
    let gz = dir.path().join("eve.json.2.gz");
    let mut oldest = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&gz).expect("eve.json.2.gz"))
        .read_to_string(&mut oldest)
        .expect("gunzip");
    assert!(!dir.path().join("eve.json.1.gz").exists());
    let middle = std::fs::read_to_string(dir.path().join("eve.json.1")).expect("eve.json.1");
    let current = std::fs::read_to_string(&eve).expect("eve.json");
    let parts = [eve_ids(&oldest), eve_ids(&middle), eve_ids(&current)];
    assert!(parts.iter().all(|p| !p.is_empty()), "each file got alerts");
    // In send order across the files: each alert exactly once.
    let all: Vec<u64> = parts.concat();
    assert_eq!(all, (0..sent).collect::<Vec<_>>());
}

/// The portal is down and its spool (64 KiB) fills: the oldest alerts are
/// dropped, and besides the counter and the log line the SIEM hears of it
/// through the syslog sink — a `sensor-health` alert whose counts add up to
/// `output.portal.dropped` in the final stats event.
#[test]
fn full_portal_spool_warns_through_syslog() {
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 200);
    let (port, reader) = tcp_receiver();
    let portal_url = format!("http://127.0.0.1:{}/api/v1/alerts", free_port());
    write_config(
        dir.path(),
        &format!(
            "[outputs.syslog]\ntransport = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n{}",
            portal_config(&portal_url, dir.path(), "spool_max_size = \"64 KiB\"\n")
        ),
    );
    let (out, _) = replay(dir.path(), "1", &[]);
    let msgs = octet_frames(&reader.join().expect("reader"));
    let warnings: Vec<&String> = msgs
        .iter()
        .filter(|m| m.contains(" sid=\"9100910\" "))
        .collect();
    assert!(
        !warnings.is_empty(),
        "no spool warning among {} messages",
        msgs.len()
    );
    let mut told = 0u64;
    for w in &warnings {
        assert!(w.contains(" detector=\"sensor-health\""), "{w}");
        // RFC 5424 severity err (local5 = 21: 21*8+3).
        assert!(w.starts_with("<171>1 "), "{w}");
        let n = w
            .split("portal spool full, ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("count in {w}"));
        assert!(n > 0);
        told += n;
    }
    // Every alert went to syslog too, besides the warnings.
    assert_eq!(msgs.len() - warnings.len(), 200);
    let stats = read_eve(dir.path().join("eve.json"))
        .into_iter()
        .rfind(|e| e["event_type"] == "stats")
        .expect("stats");
    let portal = &stats["stats"]["output"]["portal"];
    assert_eq!(portal["dropped"], told, "{stats}");
    assert_eq!(portal["spooled"].as_u64().expect("spooled"), 200);
    // The final stats event carries the final counters (written after the
    // sinks drained): syslog delivered the alerts and the warnings.
    let syslog = &stats["stats"]["output"]["syslog"];
    assert_eq!(syslog["delivered"], msgs.len() as u64, "{stats}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("200 spooled, {told} dropped")),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("portal spool full"),
        "{}",
        text(&out.stderr)
    );
}

/// The intact records of a spool directory, read by the sensor's own spool
/// code from a copy (so the original stays as the killed process left it):
/// their alert_ids, oldest first.
fn intact_spooled_ids(spool: &Path) -> Vec<String> {
    let copy = tempfile::tempdir().expect("tmp");
    for e in std::fs::read_dir(spool)
        .expect("spool")
        .filter_map(Result::ok)
    {
        if e.path().is_file() {
            std::fs::copy(e.path(), copy.path().join(e.file_name())).expect("copy");
        }
    }
    let counters = Arc::new(wardwatch::output::sink::SinkCounters::default());
    let mut s = wardwatch::output::spool::Spool::open(
        copy.path(),
        1 << 30,
        wardwatch::output::spool::FsyncPolicy::Never,
        counters,
    )
    .expect("open spool copy");
    s.read_batch(usize::MAX, usize::MAX)
        .iter()
        .map(|r| {
            let v: Value = serde_json::from_slice(&r.payload).expect("record JSON");
            v["alert_id"].as_str().expect("alert_id").to_string()
        })
        .collect()
}

/// SIGKILL while the portal is down and alerts are being spooled; start
/// again with the portal up: every alert the spool held at the kill arrives,
/// exactly once, in order.
#[test]
fn sigkill_with_the_portal_down_loses_no_spooled_alert() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 3000);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/api/v1/alerts");
    write_config(dir.path(), &portal_config(&url, dir.path(), ""));
    let spool = dir.path().join("spool");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["replay", "-c", "c.toml", "--rules", "test.rules"])
        .args(["--drain-timeout", "60", "alerts.pcap"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run wardwatch");
    // Kill as soon as some alerts are on disk, most likely mid-replay.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "nothing was spooled");
        if spool_bytes(&spool) > 8 * 1024 {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert_eq!(status.signal(), Some(9), "{status:?}");
    let at_kill = intact_spooled_ids(&spool);
    assert!(!at_kill.is_empty());
    eprintln!("killed with {} of 3000 alerts spooled", at_kill.len());
    assert_eq!(at_kill.iter().collect::<HashSet<_>>().len(), at_kill.len());

    // Restart with the portal up and rules that raise nothing new.
    std::fs::write(dir.path().join("test.rules"), NO_ALERT_RULE).expect("rules");
    let portal = TestPortal::start(
        TcpListener::bind(("127.0.0.1", port)).expect("bind the portal port"),
        vec![],
        None,
    );
    let (out, _) = replay(dir.path(), "60", &[]);
    let received: Vec<String> = portal.alert_ids();
    // Nothing was acknowledged before the kill, so nothing is sent twice.
    assert_eq!(received, at_kill, "every spooled alert once, in order");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("{} delivered", at_kill.len())),
        "{stdout}"
    );
    assert!(intact_spooled_ids(&spool).is_empty(), "the spool is empty");
}

/// Redis over TLS (`tls-port`, Debian's redis-server is built with TLS):
/// the alerts arrive through a verified connection; a server certificate the
/// configured CA did not sign is refused and nothing is delivered.
#[test]
fn redis_over_tls_with_configured_ca() {
    let Some((server, cli)) = redis_binaries() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    alert_capture(dir.path(), 4);
    let pki = test_pki();
    let port = free_port();
    let mut redis = TestRedis::start_tls(&server, &cli, port, dir.path(), &pki);
    let ca = dir.path().join("redis-ca.pem");
    let cfg = |ca: &Path| {
        format!(
            "[outputs.redis]\naddress = \"127.0.0.1:{port}\"\nkey = \"ww-tls\"\ntls = true\n\
             ca_file = \"{}\"\nserver_name = \"localhost\"\nconnect_timeout = \"1 s\"\n",
            ca.display()
        )
    };
    write_config(dir.path(), &cfg(&ca));
    let (out, _) = replay(dir.path(), "10", &[]);
    assert!(
        text(&out.stdout).contains("redis:   4 queued, 4 delivered, 0 retried"),
        "{}",
        text(&out.stdout)
    );
    let alerts = eve_alerts(dir.path());
    let listed: Vec<Value> = redis
        .cli(&["LRANGE", "ww-tls", "0", "-1"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON element"))
        .collect();
    let got: Vec<(u64, String)> = listed.iter().rev().map(key).collect();
    assert_eq!(got, alerts.iter().map(key).collect::<Vec<_>>());
    // Another CA: the server is not trusted, nothing is sent.
    let other = dir.path().join("other-ca.pem");
    std::fs::write(&other, test_pki().ca_pem).expect("pem");
    write_config(dir.path(), &cfg(&other));
    let (out, _) = replay(dir.path(), "1", &[]);
    assert!(
        text(&out.stdout).contains("redis:   4 queued, 0 delivered"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(redis.cli(&["LLEN", "ww-tls"]).trim(), "4");
    let err = text(&out.stderr);
    assert!(
        err.contains("redis: cannot deliver") && err.contains("certificate"),
        "{err}"
    );
}

/// `wardwatch run` live on a veth (root, network namespaces), the portal
/// down, tcpreplay feeding it alerting sessions: SIGKILL once alerts are
/// spooled, then start again with the portal up: every intact spooled alert
/// arrives exactly once, in order.
#[test]
fn sigkill_of_a_live_sensor_loses_no_spooled_alert() {
    use common::netns::{Sensor, VethPair, root_or_skip, wait_for};
    use std::os::unix::process::ExitStatusExt;
    if !root_or_skip("sigkill_of_a_live_sensor_loses_no_spooled_alert") {
        return;
    }
    let Some(tcpreplay) = debian_program(
        "tcpreplay",
        "tcpreplay",
        "sigkill_of_a_live_sensor_loses_no_spooled_alert",
    ) else {
        return;
    };
    let v = VethPair::new();
    let dir = tempfile::tempdir().expect("tmp");
    let pcap = alert_capture(dir.path(), 600);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/api/v1/alerts");
    write_config(
        dir.path(),
        &format!(
            "[capture]\ninterfaces = [\"{}\"]\n[rules]\nfiles = [\"{}\"]\n{}",
            v.if_b,
            dir.path().join("test.rules").display(),
            portal_config(&url, dir.path(), "")
        ),
    );
    let mut sensor = Sensor::start(
        &v,
        &v.ns_b,
        &["--config", &dir.path().join("c.toml").display().to_string()],
        &[],
    );
    // The EVE file is opened once the capture handle is.
    assert!(
        wait_for(Duration::from_secs(20), || dir
            .path()
            .join("eve.json")
            .exists()),
        "the sensor did not start"
    );
    std::thread::sleep(Duration::from_millis(500));
    let mut replay_in = v
        .exec(&v.ns_a, &tcpreplay)
        .args(["-q", "--pps", "1500", "-i", &v.if_a])
        .arg(&pcap)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tcpreplay");
    let spool = dir.path().join("spool");
    assert!(
        wait_for(Duration::from_secs(30), || spool_bytes(&spool) > 8 * 1024),
        "nothing was spooled"
    );
    // While traffic still flows.
    assert!(replay_in.try_wait().expect("tcpreplay").is_none());
    sensor.child.kill().expect("SIGKILL");
    let status = sensor.child.wait().expect("wait");
    assert_eq!(status.signal(), Some(9), "{status:?}");
    let _ = replay_in.kill();
    let _ = replay_in.wait();
    let at_kill = intact_spooled_ids(&spool);
    assert!(!at_kill.is_empty());
    eprintln!(
        "live sensor killed with {} of 600 alerts spooled",
        at_kill.len()
    );

    // The portal comes up in the sensor's namespace; a replay there with
    // rules that raise nothing new sends what the spool kept.
    let listener = v
        .spawn_in(&v.ns_b, move || TcpListener::bind(("127.0.0.1", port)))
        .join()
        .expect("thread")
        .expect("bind the portal port");
    let portal = TestPortal::start(listener, vec![], None);
    std::fs::write(dir.path().join("none.rules"), NO_ALERT_RULE).expect("rules");
    let out = v
        .exec(&v.ns_b, env!("CARGO_BIN_EXE_wardwatch"))
        .args(["replay", "-c", "c.toml", "--rules", "none.rules"])
        .args(["--drain-timeout", "60", "alerts.pcap"])
        .current_dir(dir.path())
        .output()
        .expect("replay");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let received: Vec<String> = portal.alert_ids();
    assert_eq!(received, at_kill, "every spooled alert once, in order");
    assert!(intact_spooled_ids(&spool).is_empty());
}
