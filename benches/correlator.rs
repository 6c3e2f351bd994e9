//! Correlator cost: events per second over a mixed stream, and the memory a
//! spoofed SYN flood from 1 million distinct sources costs (it must stay
//! bounded by the detectors' caps, not grow with the sources).
//!
//! - `correlator/mixed`: 100,000 events in capture order — failed and
//!   successful logins, connection outcomes toward many servers, finished
//!   sessions, DNS names against a 10,000-domain indicator list, devices.
//! - `correlator/syn_flood_1m`: 1,000,000 half-open handshakes toward one
//!   server, each from a different (spoofed) source.
//!
//! Before the criterion runs, the flood is replayed once with the resident
//! set size (`VmRSS` of /proc/self/status) read before and after, and the
//! correlator's counters printed.
//!
//! Baseline (2-core VM shared with other builds, release profile, built-in
//! settings): `mixed` 1.36 M events/s; `syn_flood_1m` 0.78 M events/s;
//! the flood grows RSS by 35 MiB (4.6 → 39.7 MiB) and the figure is the
//! same after 200,000 sources as after 1,000,000: the port-scan and
//! host-sweep trackers stop at their cap (20,000 each, 980,000 evicted),
//! syn-flood holds one tracker.

use std::hint::black_box;
use std::net::IpAddr;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use wardwatch::app::layer::AppProto;
use wardwatch::app::{LoginAttempt, Outcome};
use wardwatch::correlate::{
    ConnEvent, ConnOutcome, Correlator, DetectorsConfig, DeviceEvent, DeviceSource, Event,
    Indicators, LoginEvent, NameEvent, NameKind, SessionEvent,
};
use wardwatch::time::Timestamp;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const T0: u64 = 1_700_000_000_000_000;

fn inside(r: &mut Rng) -> IpAddr {
    let v = r.next();
    IpAddr::from([
        10,
        (v % 8) as u8,
        ((v >> 8) % 250) as u8,
        1 + ((v >> 16) % 250) as u8,
    ])
}

fn mixed(n: usize) -> Vec<Event> {
    let mut r = Rng(0x5eed);
    let servers: Vec<IpAddr> = (0..50)
        .map(|i| IpAddr::from([10, 0, 0, 1 + i as u8]))
        .collect();
    (0..n)
        .map(|i| {
            let ts = Timestamp(T0 + i as u64 * 2_000);
            let client = inside(&mut r);
            let server = servers[(r.next() % 50) as usize];
            match i % 10 {
                0 | 1 => Event::Login(LoginEvent {
                    ts,
                    client,
                    client_port: 40000,
                    server,
                    server_port: 445,
                    attempt: LoginAttempt::new(
                        AppProto::Smb,
                        if r.next() % 4 == 0 {
                            Outcome::Failure
                        } else {
                            Outcome::Success
                        },
                        "STATUS_LOGON_FAILURE",
                    )
                    .account(format!("user{}", r.next() % 500)),
                }),
                2..=5 => Event::Conn(ConnEvent {
                    ts,
                    client,
                    client_port: 50000,
                    server: if i % 3 == 0 {
                        IpAddr::from([198, 51, 100, (r.next() % 250) as u8])
                    } else {
                        server
                    },
                    server_port: [443, 445, 80, 3389][(r.next() % 4) as usize],
                    ip_proto: 6,
                    outcome: if r.next() % 8 == 0 {
                        ConnOutcome::Refused
                    } else {
                        ConnOutcome::Established
                    },
                }),
                6 | 7 => Event::Session(SessionEvent {
                    ts: Timestamp(ts.0.saturating_sub(5_000_000)),
                    end: ts,
                    client,
                    client_port: 50000,
                    server,
                    server_port: 22,
                    ip_proto: 6,
                    app_proto: Some(if i % 2 == 0 { "ssh" } else { "tls" }),
                    established: true,
                    bytes_toserver: 3000 + r.next() % 50_000,
                    bytes_toclient: 4000 + r.next() % 50_000,
                    pkts_toserver: 20,
                    pkts_toclient: 20,
                }),
                8 => Event::Name(NameEvent {
                    ts,
                    client,
                    server: Some(IpAddr::from([10, 0, 0, 53])),
                    server_port: 53,
                    kind: NameKind::Dns,
                    name: format!("host{}.sub{}.example.org", r.next() % 1000, r.next() % 50),
                }),
                _ => Event::Device(DeviceEvent {
                    ts,
                    mac: Some([
                        0,
                        0x1b,
                        0x21,
                        (r.next() % 4) as u8,
                        (r.next() % 256) as u8,
                        1,
                    ]),
                    ip: Some(client),
                    hostname: None,
                    source: DeviceSource::Flow,
                }),
            }
        })
        .collect()
}

fn flood_event(i: u32) -> Event {
    Event::Conn(ConnEvent {
        ts: Timestamp(T0 + u64::from(i) * 10),
        client: IpAddr::from(
            0x0800_0000u32
                .wrapping_add(i.wrapping_mul(2_654_435_761))
                .to_be_bytes(),
        ),
        client_port: 1024 + (i % 60_000) as u16,
        server: IpAddr::from([10, 0, 0, 5]),
        server_port: 443,
        ip_proto: 6,
        outcome: ConnOutcome::HalfOpen,
    })
}

fn indicators() -> Indicators {
    let mut ind = Indicators::default();
    let text: String = (0..10_000)
        .map(|i| format!("bad{i}.example.net\n"))
        .collect();
    if let Err(e) = ind.add_domains(&text, Path::new("bench-domains.txt")) {
        panic!("{e}");
    }
    ind
}

fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn report_flood_memory() {
    let mut c = Correlator::new(DetectorsConfig::builtin());
    let mut out = Vec::new();
    // Warm up allocator pools a little so the figure is the correlator's.
    let before = rss_kib();
    let start = std::time::Instant::now();
    for i in 0..1_000_000u32 {
        c.handle(&flood_event(i), &mut out);
        if i == 199_999 {
            eprintln!(
                "correlator flood: RSS after 200k sources: {:?} KiB",
                rss_kib()
            );
        }
    }
    let elapsed = start.elapsed();
    let after = rss_kib();
    eprintln!(
        "correlator flood: 1,000,000 spoofed sources in {:.2?} ({:.0} events/s); \
         RSS before {:?} KiB, after {:?} KiB; alerts {}",
        elapsed,
        1e6 / elapsed.as_secs_f64(),
        before,
        after,
        out.len()
    );
    for (k, v) in c.counters() {
        if k.ends_with("tracked") || k.ends_with("evicted") {
            eprintln!("  {k} = {v}");
        }
    }
}

fn bench(c: &mut Criterion) {
    report_flood_memory();
    let events = mixed(100_000);
    let ind = indicators();
    let mut g = c.benchmark_group("correlator");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.sample_size(10);
    g.bench_function("mixed", |b| {
        b.iter(|| {
            let mut corr = Correlator::new(DetectorsConfig::builtin());
            corr.set_indicators(ind.clone());
            let mut out = Vec::new();
            for e in &events {
                corr.handle(e, &mut out);
            }
            black_box(out.len())
        })
    });
    let flood: Vec<Event> = (0..1_000_000u32).map(flood_event).collect();
    g.throughput(Throughput::Elements(flood.len() as u64));
    g.bench_function("syn_flood_1m", |b| {
        b.iter(|| {
            let mut corr = Correlator::new(DetectorsConfig::builtin());
            let mut out = Vec::new();
            for e in &flood {
                corr.handle(e, &mut out);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
