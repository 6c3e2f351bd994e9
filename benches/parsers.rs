//! Application-layer parser throughput (MB/s of payload): HTTP, DNS, TLS,
//! and — from the captures in `tests/fixtures/` made with real clients and
//! servers — SMB2 and DICOM. Each iteration runs whole conversations through
//! [`AppLayer`] (protocol detection, parsing, transaction buffers) the way a
//! worker does, in 1,460-byte segments. Figures are in the README
//! ("Performance").

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::path::Path;

use common::{Conversation, capture_files, pcap_conversations, tls_client_hello};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use wardwatch::app::http::HttpConfig;
use wardwatch::app::layer::{AppLayer, TxReady, udp_dns};
use wardwatch::flow::Direction;

/// Runs `convs` through fresh app layers; returns the transactions seen.
fn drive(convs: &[Conversation], cfg: &HttpConfig) -> u64 {
    let mut txs = 0u64;
    for c in convs {
        let mut layer = AppLayer::new();
        for (dir, msg) in &c.messages {
            for seg in msg.chunks(1460) {
                layer.stream_data(*dir, c.server_port, seg, cfg, &mut |tx: TxReady<'_>| {
                    txs += 1;
                    black_box(tx.tx_id);
                });
            }
        }
    }
    txs
}

fn http_conversations() -> Vec<Conversation> {
    let body = "<html>".to_string() + &"patient portal ".repeat(200) + "</html>";
    (0..50u16)
        .map(|i| {
            let mut req = Vec::new();
            let mut res = Vec::new();
            for j in 0..10 {
                req.extend_from_slice(
                    format!(
                        "GET /ehr/records/{i}/{j}?view=summary&lang=ja HTTP/1.1\r\nHost: ehr.hospital.example\r\n\
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: text/html\r\nCookie: sid=abcdef{i}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                res.extend_from_slice(
                    format!(
                        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            }
            // Requests then responses: pipelined, as a browser keeps a connection busy.
            Conversation {
                tcp: true,
                client_port: 40000 + i,
                server_port: 80,
                messages: vec![(Direction::ToServer, req), (Direction::ToClient, res)],
            }
        })
        .collect()
}

fn tls_conversations() -> Vec<Conversation> {
    (0..500)
        .map(|i| {
            let mut c = tls_client_hello(&format!("portal{i}.hospital.example"));
            // Encrypted application data after the handshake: skipped by length.
            for _ in 0..4 {
                c.extend_from_slice(&[23, 3, 3, 0x05, 0xb4]);
                c.extend_from_slice(&[0x5a; 0x5b4]);
            }
            Conversation {
                tcp: true,
                client_port: 40000,
                server_port: 443,
                messages: vec![(Direction::ToServer, c)],
            }
        })
        .collect()
}

fn dns_datagrams() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for i in 0..1000u16 {
        let name = format!("host{i}.clinic{}.hospital.example", i % 7);
        let mut q = i.to_be_bytes().to_vec();
        q.extend_from_slice(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        for label in name.split('.') {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.extend_from_slice(&[0, 0, 1, 0, 1]);
        let mut r = q.clone();
        r[2..8].copy_from_slice(&[0x81, 0x80, 0, 1, 0, 2]);
        for k in 0..2u8 {
            r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 10, 1, k, 9]);
        }
        out.push(q);
        out.push(r);
    }
    out
}

fn bench_stream(c: &mut Criterion, name: &str, convs: Vec<Conversation>) {
    if convs.is_empty() {
        eprintln!("parsers/{name}: no traffic, skipped");
        return;
    }
    let cfg = HttpConfig::default();
    let bytes: u64 = convs.iter().map(Conversation::bytes).sum();
    let txs = drive(&convs, &cfg);
    assert!(txs > 0, "{name}: the parser saw no transaction");
    let mut g = c.benchmark_group("parsers");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(name, |b| b.iter(|| drive(black_box(&convs), &cfg)));
    g.finish();
}

fn parsers(c: &mut Criterion) {
    bench_stream(c, "http", http_conversations());
    bench_stream(c, "tls", tls_conversations());
    let dns = dns_datagrams();
    let bytes: u64 = dns.iter().map(|d| d.len() as u64).sum();
    let mut g = c.benchmark_group("parsers");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("dns", |b| {
        b.iter(|| {
            let mut n = 0;
            for d in &dns {
                n += usize::from(udp_dns(33333, 53, black_box(d)).is_some());
            }
            assert_eq!(n, dns.len());
        })
    });
    g.finish();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (name, dir) in [("smb2", "smb"), ("dicom", "dicom")] {
        let mut convs: Vec<Conversation> = capture_files(&fixtures.join(dir))
            .iter()
            .flat_map(|p| pcap_conversations(p))
            .filter(|c| c.tcp)
            .collect();
        // Small captures: repeat them so one iteration is a measurable amount.
        let n = convs.len();
        for i in 0..n * 49 {
            let c = &convs[i % n];
            convs.push(c.clone());
        }
        bench_stream(c, name, convs);
    }
}

criterion_group!(benches, parsers);
criterion_main!(benches);
