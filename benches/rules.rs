//! Signature matching cost by rule-set size: 100, 1,000, 10,000 and 30,000
//! rules over the same traffic, through the whole per-worker path (flow
//! table, stream reassembly, app-layer parsing, prefilter + verification).
//!
//! Rules are generated as text and go through the real parser: half HTTP URI
//! rules, a fifth User-Agent rules, the rest raw TCP payload and DNS query
//! rules — roughly ET Open's mix — with random 8-12 letter patterns, so, as in
//! real rule sets, almost none of them match. Traffic: HTTP requests and
//! responses over 200 connections, DNS queries over UDP, and some binary TCP.
//! Figures are in the README ("Performance").

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use common::*;
use wardwatch::config::EveTypes;
use wardwatch::decode::{Decoded, Decoder, DecoderConfig, LinkType};
use wardwatch::detect::RuleSet;
use wardwatch::flow::{FlowConfig, FlowTable, PacketMeta};
use wardwatch::inspect::Inspector;
use wardwatch::output::Outputs;
use wardwatch::rules::{Classifications, Vars, load_rules_from_str};
use wardwatch::time::Timestamp;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn word(&mut self) -> String {
        let len = 8 + (self.next() % 5) as usize;
        (0..len)
            .map(|_| (b'a' + (self.next() % 26) as u8) as char)
            .collect()
    }
}

/// `n` generated rules as rule-file text.
pub fn generated_rules(n: u32, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut out = String::new();
    for i in 0..n {
        let sid = 5_000_000 + i;
        let w = rng.word();
        let line = match i % 20 {
            0..=9 => format!(
                "alert http any any -> any any (msg:\"gen uri {i}\"; flow:established,to_server; http.uri; content:\"/{w}\"; nocase; classtype:web-application-attack; sid:{sid}; rev:1;)"
            ),
            10..=13 => format!(
                "alert http any any -> any any (msg:\"gen ua {i}\"; flow:established,to_server; http.user_agent; content:\"{w}\"; sid:{sid}; rev:1;)"
            ),
            14..=16 => format!(
                "alert tcp any any -> any any (msg:\"gen tcp {i}\"; flow:established; content:\"{w}\"; content:\"|0d 0a|\"; distance:0; sid:{sid}; rev:1;)"
            ),
            _ => format!(
                "alert dns any any -> any any (msg:\"gen dns {i}\"; dns.query; content:\"{w}.example\"; nocase; endswith; sid:{sid}; rev:1;)"
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn traffic() -> Vec<Frame> {
    let mut rng = Rng(7);
    let mut frames = Vec::new();
    for c in 0..200u32 {
        let client = Host::v4(&format!("10.1.{}.{}", c / 200, 1 + c % 200));
        let server = Host::v4(&format!("10.9.0.{}", 1 + c % 20));
        let mut s = TcpSession::new(client, 40000 + c as u16, server, 80, c * 1000, c * 77)
            .starting_at(T0_MICROS + u64::from(c) * 10_000);
        frames.extend(s.handshake());
        for r in 0..3 {
            let req = format!(
                "GET /portal/{}/{}?id={} HTTP/1.1\r\nHost: ehr{}.hospital.example\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\nCookie: s={}\r\n\r\n",
                rng.word(),
                rng.word(),
                r,
                c % 7,
                rng.word()
            );
            frames.push(s.send(Dir::ToServer, req.as_bytes()));
            let body = rng.word().repeat(60);
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{}",
                body.len(),
                body
            );
            frames.extend(s.send_segments(Dir::ToClient, resp.as_bytes(), 1400));
            frames.push(s.ack(Dir::ToServer));
        }
        let blob: Vec<u8> = (0..1200).map(|_| rng.next() as u8).collect();
        let mut b = TcpSession::new(client, 50000 + c as u16, server, 9000, 1, 2)
            .starting_at(T0_MICROS + u64::from(c) * 10_000 + 5_000);
        frames.extend(b.handshake());
        frames.push(b.send(Dir::ToServer, &blob));
        let q = format!(
            "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07{}\x07example\x00\x00\x01\x00\x01",
            &rng.word()[..7]
        );
        frames.push(Frame::new(
            T0_MICROS + u64::from(c) * 10_000 + 7_000,
            udp(client, 33000 + c as u16, server, 53, q.as_bytes()),
        ));
    }
    frames
}

fn bench(c: &mut Criterion) {
    let frames = traffic();
    let mut g = c.benchmark_group("rules");
    g.sample_size(10);
    g.throughput(Throughput::Elements(frames.len() as u64));
    let vars = Vars::new();
    let classes = Classifications::builtin();
    for n in [100u32, 1_000, 10_000, 30_000] {
        let text = generated_rules(n, 42);
        let report = load_rules_from_str(&text, "generated.rules", &vars, &classes);
        assert_eq!(
            report.rules.len(),
            n as usize,
            "{:?}",
            report.failed.first()
        );
        let (set, problems) = RuleSet::compile(report.rules, None);
        assert!(problems.is_empty());
        let set = Arc::new(set);
        g.bench_with_input(BenchmarkId::from_parameter(n), &set, |b, set| {
            b.iter(|| {
                let outputs = Outputs::start(
                    None,
                    EveTypes {
                        alert: true,
                        flow: false,
                        stats: false,
                        ..EveTypes::default()
                    },
                );
                let mut decoder = Decoder::new(DecoderConfig::default());
                let mut flows = FlowTable::new(FlowConfig::default());
                let mut inspector =
                    Inspector::new(Arc::clone(set), outputs.sender(), Arc::new(Vec::new()));
                for f in &frames {
                    let meta = PacketMeta {
                        ts: Timestamp(f.ts_micros),
                        wire_len: f.wire_len(),
                        iface: 0,
                        pcap_cnt: 0,
                    };
                    if let Decoded::Packet(p) =
                        decoder.decode(LinkType::Ethernet, &f.data, f.wire_len(), meta.ts)
                    {
                        flows.process(&p, &meta, &mut inspector);
                    }
                }
                flows.shutdown(Timestamp(u64::MAX / 2), &mut inspector);
                black_box(inspector.alerts);
                drop(inspector);
                outputs.finish();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
