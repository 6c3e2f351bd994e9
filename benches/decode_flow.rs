//! Decode + flow tracking throughput on a generated mix of traffic.
//!
//! The mix: 70% TCP segments over 2,000 connections (handshake, data of
//! 64-1460 bytes, both directions), 25% UDP datagrams over 1,000 flows (DNS-
//! and syslog-sized), 5% IPv4 fragments (datagrams of 3 fragments). Frames are
//! 64-1514 bytes. Figures are in the README ("Performance").

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use etherparse::PacketBuilder;

use wardwatch::decode::{Decoded, Decoder, DecoderConfig, LinkType};
use wardwatch::flow::{FlowConfig, FlowHandler, FlowTable, PacketMeta};
use wardwatch::time::Timestamp;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 1];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 2];

fn host(n: u32) -> [u8; 4] {
    Ipv4Addr::from(0x0a00_0000 | n).octets()
}

fn tcp_frame(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    flags: u8,
    len: usize,
) -> Vec<u8> {
    let mut b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 64240);
    if flags & 0x02 != 0 {
        b = b.syn();
    }
    if flags & 0x10 != 0 {
        b = b.ack(1);
    }
    if flags & 0x08 != 0 {
        b = b.psh();
    }
    let payload = vec![0x41u8; len];
    let mut out = Vec::with_capacity(b.size(len));
    b.write(&mut out, &payload).expect("build tcp");
    out
}

fn udp_frame(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, len: usize) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4(src, dst, 64)
        .udp(sport, dport);
    let payload = vec![0x42u8; len];
    let mut out = Vec::with_capacity(b.size(len));
    b.write(&mut out, &payload).expect("build udp");
    out
}

/// Splits an Ethernet+IPv4 frame into 3 fragments of datagram `id`, with
/// the test fixtures' fragmenter.
fn fragments(frame: &[u8], id: u16) -> Vec<Vec<u8>> {
    let (eth, ip) = frame.split_at(14);
    let mut ip = ip.to_vec();
    common::set_ipv4_id(&mut ip, id);
    let payload = ip.len() - common::ipv4_header_len(&ip);
    common::fragment_ipv4(&ip, payload.div_ceil(3).div_ceil(8) * 8)
        .into_iter()
        .map(|f| [eth, &f[..]].concat())
        .collect()
}

fn traffic() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut frames = Vec::new();
    let mut seqs = vec![1000u32; 2000];
    let mut started = vec![false; 2000];
    let mut frag_id = 1u16;
    while frames.len() < 100_000 {
        let r = rng.below(100);
        if r < 70 {
            let c = rng.below(2000) as usize;
            let client = host(1 + (c as u32 % 500));
            let server = host(10_000 + (c as u32 % 40));
            let sport = 30_000 + c as u16;
            if !started[c] {
                started[c] = true;
                frames.push(tcp_frame(client, sport, server, 443, 999, 0x02, 0));
                frames.push(tcp_frame(server, 443, client, sport, 5000, 0x12, 0));
                frames.push(tcp_frame(client, sport, server, 443, 1000, 0x10, 0));
                continue;
            }
            let len = [10usize, 64, 300, 1000, 1460][rng.below(5) as usize];
            if rng.below(2) == 0 {
                frames.push(tcp_frame(client, sport, server, 443, seqs[c], 0x18, len));
                seqs[c] = seqs[c].wrapping_add(len as u32);
            } else {
                frames.push(tcp_frame(server, 443, client, sport, 5001, 0x18, len));
            }
        } else if r < 95 {
            let f = rng.below(1000) as u32;
            let len = [40usize, 120, 512][rng.below(3) as usize];
            frames.push(udp_frame(
                host(1 + f % 500),
                40_000 + f as u16,
                host(20_000 + f % 8),
                53,
                len,
            ));
        } else {
            let f = udp_frame(host(7), 5000, host(8), 2049, 3000);
            frames.extend(fragments(&f, frag_id));
            frag_id = frag_id.wrapping_add(1);
        }
    }
    frames
}

struct Nothing;
impl FlowHandler for Nothing {}

fn bench(c: &mut Criterion) {
    let frames = traffic();
    let bytes: usize = frames.iter().map(Vec::len).sum();
    eprintln!(
        "{} frames, {} bytes on average",
        frames.len(),
        bytes / frames.len().max(1)
    );
    let mut g = c.benchmark_group("decode_flow");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("decode_only", |b| {
        let mut dec = Decoder::new(DecoderConfig::default());
        let mut ts = 1_700_000_000_000_000u64;
        b.iter(|| {
            for f in &frames {
                ts += 10;
                black_box(matches!(
                    dec.decode(LinkType::Ethernet, f, f.len() as u32, Timestamp(ts)),
                    Decoded::Packet(_)
                ));
            }
        })
    });
    g.bench_function("decode_and_flow", |b| {
        let mut dec = Decoder::new(DecoderConfig::default());
        let mut table = FlowTable::new(FlowConfig::default());
        let mut ts = 1_700_000_000_000_000u64;
        b.iter(|| {
            for f in &frames {
                ts += 10;
                let meta = PacketMeta {
                    ts: Timestamp(ts),
                    wire_len: f.len() as u32,
                    iface: 0,
                    pcap_cnt: 0,
                };
                if let Decoded::Packet(p) =
                    dec.decode(LinkType::Ethernet, f, f.len() as u32, meta.ts)
                {
                    table.process(&p, &meta, &mut Nothing);
                }
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
