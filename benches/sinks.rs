//! Alert delivery: how many alerts per second each sink sustains, end to end
//! (sent into the output thread until the receiver has them), and what a
//! stalled incident portal costs a replay.
//!
//! - `sinks/eve_file`: the EVE thread writing alerts to a file (batch flush).
//! - `sinks/syslog_udp`, `sinks/syslog_tcp`: RFC 5424 to a Rust listener on
//!   loopback that reads everything.
//! - `sinks/portal_http`: the portal sink with its durable spool (fsync per
//!   write batch, the default) POSTing batches of 100 to a small keep-alive
//!   HTTP server on loopback that answers 200 at once.
//! - `sinks/redis_list`: LPUSH into a `redis-server` started here, when one is
//!   installed (else skipped with a note).
//!
//! Each iteration sends 20,000 alerts and waits until the sink counted them
//! all delivered (the queue is as large, so none is dropped).
//!
//! - `stalled/no_sink`, `stalled/portal_healthy` (answers 200 at once) and
//!   `stalled/portal_never_answers`: `pipeline::replay`
//!   of a capture of 12,000 TCP sessions (108,000 packets), each raising one
//!   alert (an alert storm: one alert per 9 packets), without delivery sinks,
//!   with a healthy portal, and with a portal that accepts connections and
//!   never answers. With a portal every
//!   alert still goes to the portal's disk spool. The request timeout is
//!   20 ms and the drain timeout 0, so the end of the run waits at most
//!   ~30 ms for the blocked request: what is measured is packet processing,
//!   not the (configurable) wait for sinks at exit.
//!
//! Figures are in the README ("Alert delivery").

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use common::*;
use wardwatch::config::{Config, EveTypes, RawConfig};
use wardwatch::output::eve::{AlertEvent, AlertInfo, EveHeader};
use wardwatch::output::{EveRecord, EveWriter, Outputs, start_sinks};

const ALERTS: u64 = 20_000;

/// Alerting TCP sessions in the `stalled` capture (9 packets each).
const SESSIONS: u64 = 12_000;

fn alert(n: u64) -> EveRecord {
    EveRecord::Alert(Box::new(AlertEvent {
        header: EveHeader {
            flow_id: Some(n),
            in_iface: Some("eth1".into()),
            src_ip: Some([10, 1, (n >> 8) as u8, n as u8].into()),
            src_port: Some(40000 + (n % 20000) as u16),
            dest_ip: Some([192, 168, 10, 20].into()),
            dest_port: Some(445),
            proto: Some("TCP".into()),
            app_proto: Some("smb"),
            ..EveHeader::unbound(
                format!("2024-04-01T09:{:02}:00.123456+00:00", n % 60),
                "alert",
            )
        },
        direction: Some("to_server"),
        alert: AlertInfo {
            action: "allowed",
            gid: 1,
            signature_id: 2_100_000 + (n % 100) as u32,
            rev: 3,
            signature: "ET EXPLOIT Possible EternalBlue MS17-010 Echo Response".into(),
            category: "A Network Trojan was detected".into(),
            severity: 1,
            metadata: None,
        },
        anomaly: None,
        app: serde_json::Map::new(),
    }))
}

fn config(text: &str) -> Config {
    RawConfig::parse(text, Path::new("bench.toml"))
        .and_then(|r| r.validate())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn alerts_only() -> EveTypes {
    EveTypes {
        alert: true,
        ..EveTypes::default()
    }
}

/// Sends `ALERTS` alerts through an output thread with the sinks of `cfg`
/// (and `eve`, if any) and waits until they are delivered.
fn deliver(cfg: &Config, eve: Option<&Path>) -> Duration {
    let writer = eve.map(|p| EveWriter::open(p).expect("eve"));
    let sinks = start_sinks(cfg).expect("sinks");
    let records: Vec<EveRecord> = (0..ALERTS).map(alert).collect();
    let started = Instant::now();
    let outputs = Outputs::start_with_sinks(writer, alerts_only(), 0, None, sinks);
    let tx = outputs.sender();
    for r in records {
        tx.send(r);
    }
    drop(tx);
    let c = outputs.finish_within(Duration::from_secs(120));
    let took = started.elapsed();
    for (name, s) in &c.sinks {
        if s.delivered != ALERTS {
            eprintln!("note: {name} delivered {} of {ALERTS}", s.delivered);
        }
    }
    if eve.is_some() {
        assert_eq!(c.written, ALERTS);
    }
    took
}

fn bench_sink(c: &mut Criterion, name: &str, cfg: &Config, eve: Option<&Path>) {
    let mut g = c.benchmark_group("sinks");
    g.throughput(Throughput::Elements(ALERTS));
    g.sample_size(10);
    g.bench_function(name, |b| {
        b.iter_custom(|iters| (0..iters).map(|_| deliver(cfg, eve)).sum())
    });
    g.finish();
}

/// A loopback HTTP/1.1 server answering every request 200 at once,
/// keeping connections open (as a portal behind a load balancer does).
fn http_200_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || serve_keepalive(s));
        }
    });
    port
}

fn serve_keepalive(s: TcpStream) {
    let mut w = match s.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut r = BufReader::new(s);
    loop {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let resp =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        if w.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

/// A listener that accepts and reads, but never answers.
fn silent_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis(dir: &Path) -> Option<(Redis, u16)> {
    let server = debian_program("redis-server", "redis-server", "sinks/redis_list")?;
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(server)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let redis = Redis(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some((redis, port))
}

fn sinks(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let base = "[stats]\ninterval = 0\n[outputs.eve]\nenabled = false\n";

    bench_sink(
        c,
        "eve_file",
        &config(base),
        Some(&dir.path().join("eve.json")),
    );

    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let udp_port = udp.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while udp.recv(&mut buf).is_ok() {}
    });
    let syslog = |transport: &str, port: u16| {
        config(&format!(
            "{base}[outputs.syslog]\ntransport = \"{transport}\"\naddress = \"127.0.0.1:{port}\"\n\
             queue_size = {ALERTS}\n"
        ))
    };
    bench_sink(c, "syslog_udp", &syslog("udp", udp_port), None);
    bench_sink(c, "syslog_tcp", &syslog("tcp", silent_server()), None);

    std::fs::write(dir.path().join("token"), "bench-token\n").expect("token");
    let portal = config(&format!(
        "{base}[outputs.portal]\nurl = \"http://127.0.0.1:{}/api/v1/alerts\"\n\
         token_file = \"{}\"\nspool_dir = \"{}\"\nqueue_size = {ALERTS}\nbatch_max_age = \"50 ms\"\n",
        http_200_server(),
        dir.path().join("token").display(),
        dir.path().join("spool").display(),
    ));
    bench_sink(c, "portal_http", &portal, None);

    match start_redis(dir.path()) {
        Some((_redis, port)) => {
            let redis = config(&format!(
                "{base}[outputs.redis]\naddress = \"127.0.0.1:{port}\"\nkey = \"bench\"\n\
                 mode = \"list\"\nqueue_size = {ALERTS}\n"
            ));
            bench_sink(c, "redis_list", &redis, None);
        }
        None => eprintln!("note: sinks/redis_list skipped: redis-server did not start"),
    }
}

/// `SESSIONS` TCP sessions, each with one payload the rule alerts on; returns the
/// file and its packet count.
fn alert_capture(dir: &Path) -> (PathBuf, u64) {
    let mut frames = Vec::new();
    for i in 0..SESSIONS {
        let mut s = TcpSession::new(client4(), 20000 + i as u16, server4(), 8443, 1, 2)
            .starting_at(T0_MICROS + i * 1_000_000);
        frames.extend(s.handshake());
        frames.push(s.send(Dir::ToServer, format!("ALERTME {i}").as_bytes()));
        frames.extend(s.close());
    }
    let p = dir.join("alerts.pcap");
    write_pcap(&p, 1, &frames).expect("pcap");
    let packets = frames.len() as u64;
    std::fs::write(
        dir.join("bench.rules"),
        "alert tcp any any -> any any (msg:\"bench\"; content:\"ALERTME\"; sid:1000001;)\n",
    )
    .expect("rules");
    (p, packets)
}

fn stalled(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let (pcap, packets) = alert_capture(dir.path());
    std::fs::write(dir.path().join("token"), "bench-token\n").expect("token");
    let base = format!(
        "[stats]\ninterval = 0\n[capture]\nworkers = 2\n[rules]\nfiles = [\"{}\"]\n\
         [outputs]\ndrain_timeout = 0\n[outputs.eve]\npath = \"{}\"\n",
        dir.path().join("bench.rules").display(),
        dir.path().join("eve.json").display()
    );
    let none = config(&base);
    let stalled = config(&format!(
        "{base}[outputs.portal]\nurl = \"http://127.0.0.1:{}/api/v1/alerts\"\n\
         token_file = \"{}\"\nspool_dir = \"{}\"\ntimeout = \"20 ms\"\n",
        silent_server(),
        dir.path().join("token").display(),
        dir.path().join("spool").display(),
    ));
    let healthy = config(&format!(
        "{base}[outputs.portal]\nurl = \"http://127.0.0.1:{}/api/v1/alerts\"\n\
         token_file = \"{}\"\nspool_dir = \"{}\"\n",
        http_200_server(),
        dir.path().join("token").display(),
        dir.path().join("spool-healthy").display(),
    ));
    let mut g = c.benchmark_group("stalled");
    g.throughput(Throughput::Elements(packets));
    g.sample_size(10);
    for (name, cfg) in [
        ("no_sink", &none),
        ("portal_healthy", &healthy),
        ("portal_never_answers", &stalled),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let s = wardwatch::pipeline::replay(cfg, std::slice::from_ref(&pcap), None)
                    .expect("replay");
                assert_eq!(s.packets(), packets);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sinks, stalled);
criterion_main!(benches);
