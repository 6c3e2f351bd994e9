//! Hostile input end to end: realistic sessions of every parsed protocol,
//! mutated at random (flipped bytes, cut frames, shuffled segments), pushed
//! through decoder, flow table, reassembly, app layer and signature matching.
//! Nothing may panic, and the per-flow state must be freed when flows end.

mod common;

use std::sync::Arc;

use common::*;
use wardwatch::config::{Config, EveTypes};
use wardwatch::decode::{Decoded, Decoder, DecoderConfig, LinkType};
use wardwatch::flow::{FlowConfig, FlowTable, PacketMeta};
use wardwatch::inspect::Inspector;
use wardwatch::output::Outputs;
use wardwatch::time::Timestamp;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn sessions() -> Vec<Vec<Frame>> {
    let c = Host::v4("203.0.113.9");
    let s = Host::v4("10.20.0.10");
    let mut all = Vec::new();
    let mut add = |port: u16, req: &[u8], resp: &[u8]| {
        let mut t = TcpSession::new(c, 40000 + port, s, port, 11, 22);
        let mut f = t.handshake();
        f.extend(t.send_segments(Dir::ToServer, req, 90));
        f.extend(t.send_segments(Dir::ToClient, resp, 90));
        f.extend(t.close());
        all.push(f);
    };
    add(
        80,
        b"GET /remote/fgt_lang?lang=/../../x HTTP/1.1\r\nHost: a\r\nUser-Agent: ${jndi:ldap://x}\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n1f\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcbH\xcd\xc9\xc9\x07\x00\x86\xa6\x106\x05\x00\x00\x00\r\n0\r\n\r\n",
    );
    add(
        443,
        &[
            0x16, 0x03, 0x01, 0x00, 0x31, 0x01, 0x00, 0x00, 0x2d, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7,
            8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
            30, 31, 32, 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00,
        ],
        &[0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00],
    );
    add(
        22,
        b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\x00\x00\x00\x1c\x06\x14abcdefghijklmnop\x00\x00\x00\x00\x00\x00",
        b"SSH-2.0-OpenSSH_8.4\r\n",
    );
    add(
        53,
        b"\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03org\x00\x00\x01\x00\x01",
        b"\x00\x1d\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03org\x00\x00\x01\x00\x01",
    );
    add(445, b"\x00\x00\x00\x2f\xffSMBr\x00\x00\x00\x00", b"");
    all.push(vec![Frame::new(
        T0_MICROS,
        udp(
            c,
            5353,
            s,
            53,
            b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",
        ),
    )]);
    all
}

fn mutate(rng: &mut Rng, frames: &mut Vec<Frame>) {
    for _ in 0..(1 + rng.below(6)) {
        let i = rng.below(frames.len());
        let Some(f) = frames.get_mut(i) else {
            continue;
        };
        match rng.below(5) {
            0 | 1 => {
                // Flip bytes anywhere past the Ethernet header.
                for _ in 0..(1 + rng.below(4)) {
                    let len = f.data.len();
                    if len > 14 {
                        let at = 14 + rng.below(len - 14);
                        f.data[at] ^= (rng.next() as u8) | 1;
                    }
                }
            }
            2 => {
                let keep = rng.below(f.data.len() + 1);
                f.data.truncate(keep);
            }
            3 => {
                let j = rng.below(frames.len());
                frames.swap(i, j);
            }
            _ => {
                let dup = frames[i].clone();
                frames.insert(rng.below(frames.len() + 1), dup);
            }
        }
    }
}

#[test]
fn mutated_sessions_never_panic_and_state_is_freed() {
    let rules = wardwatch::signatures::load(&Config::default()).expect("built-in rules");
    let mut rng = Rng(0x5eed_cafe_f00d);
    let base = sessions();
    let outputs = Outputs::start(
        None,
        EveTypes {
            alert: true,
            flow: true,
            stats: false,
            ..EveTypes::default()
        },
    );
    for round in 0..3000u64 {
        let mut decoder = Decoder::new(DecoderConfig::default());
        let mut flows = FlowTable::new(FlowConfig::default());
        let mut inspector = Inspector::new(
            Arc::clone(&rules.set),
            outputs.sender(),
            Arc::new(vec!["fuzz".into()]),
        );
        let mut frames = base[rng.below(base.len())].clone();
        mutate(&mut rng, &mut frames);
        for (n, f) in frames.iter().enumerate() {
            let meta = PacketMeta {
                ts: Timestamp(T0_MICROS + round * 1_000_000 + n as u64),
                wire_len: f.wire_len(),
                iface: 0,
                pcap_cnt: n as u64 + 1,
            };
            if let Decoded::Packet(p) =
                decoder.decode(LinkType::Ethernet, &f.data, f.wire_len(), meta.ts)
            {
                flows.process(&p, &meta, &mut inspector);
            }
            inspector.packet_done();
        }
        flows.shutdown(
            Timestamp(T0_MICROS + round * 1_000_000 + 10_000_000),
            &mut inspector,
        );
        assert!(flows.is_empty(), "round {round}: flows left after shutdown");
    }
    let out = outputs.finish();
    assert_eq!(out.errors, 0);
}
