//! Test helper: the TCP conversations of a small classic pcap captured here
//! (Ethernet or Linux cooked, IPv4), as each direction's segments in
//! capture order, so parser unit tests run on the real captured bytes of
//! the fixtures under `tests/fixtures/`. Loopback captures have no loss or
//! reordering; retransmissions (same direction and sequence number) are
//! dropped.

use crate::flow::Direction;

/// One TCP connection: its payload segments in order.
#[derive(Clone, Debug, Default)]
pub struct Conversation {
    /// (sender, payload) per segment with data.
    pub segments: Vec<(Direction, Vec<u8>)>,
}

impl Conversation {
    /// All bytes `dir` sent, concatenated.
    pub fn stream(&self, dir: Direction) -> Vec<u8> {
        self.segments
            .iter()
            .filter(|(d, _)| *d == dir)
            .flat_map(|(_, b)| b.iter().copied())
            .collect()
    }
}

fn u16be(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

/// The conversations with `server_port` on one side, in order of first packet.
pub fn conversations(pcap: &[u8], server_port: u16) -> Vec<Conversation> {
    let le = match pcap.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1]) | Some([0x4d, 0x3c, 0xb2, 0xa1]) => true,
        Some([0xa1, 0xb2, 0xc3, 0xd4]) | Some([0xa1, 0xb2, 0x3c, 0x4d]) => false,
        _ => panic!("not a classic pcap"),
    };
    let u32at = |at: usize| {
        let b = [pcap[at], pcap[at + 1], pcap[at + 2], pcap[at + 3]];
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let linktype = u32at(20);
    let mut keys: Vec<(u16, u32, u32)> = Vec::new();
    let mut convs: Vec<Conversation> = Vec::new();
    let mut seen: Vec<Vec<(Direction, u32)>> = Vec::new();
    let mut off = 24;
    while off + 16 <= pcap.len() {
        let incl = u32at(off + 8) as usize;
        let pkt = &pcap[off + 16..off + 16 + incl];
        off += 16 + incl;
        let ip = match linktype {
            1 if u16be(pkt, 12) == 0x0800 => &pkt[14..],
            113 if u16be(pkt, 14) == 0x0800 => &pkt[16..],
            101 => pkt,
            _ => continue,
        };
        if ip[0] >> 4 != 4 || ip[9] != 6 {
            continue;
        }
        let ihl = usize::from(ip[0] & 15) * 4;
        let tcp = &ip[ihl..u16be(ip, 2)];
        let (sp, dp) = (u16be(tcp, 0) as u16, u16be(tcp, 2) as u16);
        let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
        let payload = &tcp[usize::from(tcp[12] >> 4) * 4..];
        let src = u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]]);
        let dst = u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]);
        let (dir, key) = if sp == server_port {
            (Direction::ToClient, (dp, dst, src))
        } else if dp == server_port {
            (Direction::ToServer, (sp, src, dst))
        } else {
            continue;
        };
        let i = match keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                keys.push(key);
                convs.push(Conversation::default());
                seen.push(Vec::new());
                keys.len() - 1
            }
        };
        if payload.is_empty() || seen[i].contains(&(dir, seq)) {
            continue;
        }
        seen[i].push((dir, seq));
        convs[i].segments.push((dir, payload.to_vec()));
    }
    convs
}

/// One transaction half as seen: sender, id, (buffer, value) pairs.
pub type SeenTx = (Direction, u64, Vec<(crate::rules::ir::BufferId, Vec<u8>)>);

/// A [`crate::app::ParseSink`] that keeps everything, for assertions.
#[derive(Clone, Debug, Default)]
pub struct CollectSink {
    /// (dir, tx_id, [(buffer, value)]) per transaction half.
    pub txs: Vec<SeenTx>,
    /// Login attempts.
    pub logins: Vec<crate::app::LoginAttempt>,
    /// EVE record bodies with their direction.
    pub records: Vec<(Direction, serde_json::Value)>,
}

impl CollectSink {
    /// Values of buffer `id` over all transactions, in order.
    pub fn values(&self, id: crate::rules::ir::BufferId) -> Vec<String> {
        self.txs
            .iter()
            .flat_map(|(_, _, b)| b.iter())
            .filter(|(b, _)| *b == id)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }
}

impl crate::app::ParseSink for CollectSink {
    fn tx(&mut self, dir: Direction, tx_id: u64, buffers: &dyn crate::app::TxBuffers) {
        let mut got = Vec::new();
        use crate::rules::ir::BufferId::*;
        for id in [
            DicomCallingAe,
            DicomCalledAe,
            DicomCommand,
            Hl7Msh,
            Hl7MessageType,
            Hl7SendingApp,
        ] {
            buffers.visit(id, &mut |v| got.push((id, v.to_vec())));
        }
        self.txs.push((dir, tx_id, got));
    }

    fn login(&mut self, login: crate::app::LoginAttempt) {
        self.logins.push(login);
    }

    fn record(&mut self, dir: Direction, body: serde_json::Map<String, serde_json::Value>) {
        self.records.push((dir, serde_json::Value::Object(body)));
    }
}

/// Feeds `parser` every conversation segment, then closes both directions.
pub fn run(parser: &mut dyn crate::app::StreamParser, conv: &Conversation) -> CollectSink {
    let mut sink = CollectSink::default();
    for (dir, data) in &conv.segments {
        parser.parse(*dir, data, &mut sink);
    }
    parser.close(Direction::ToServer, &mut sink);
    parser.close(Direction::ToClient, &mut sink);
    sink
}

/// A tiny deterministic PRNG (SplitMix64) for mutation tests.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }
}

/// Mutates each conversation `rounds` times (flipped bytes, cuts, inserted
/// junk, random split points) and feeds it to fresh parsers: no panic, and
/// memory stays under `cap` after every call.
pub fn fuzz(
    new: fn() -> Box<dyn crate::app::StreamParser>,
    convs: &[Conversation],
    rounds: usize,
    cap: usize,
) {
    let mut rng = Rng(0x5eed_0d1c);
    for round in 0..rounds {
        let Some(conv) = convs.get(round % convs.len().max(1)) else {
            return;
        };
        let mut p = new();
        let mut sink = CollectSink::default();
        for (dir, data) in &conv.segments {
            let mut d = data.clone();
            for _ in 0..rng.below(4) {
                if d.is_empty() {
                    break;
                }
                let i = rng.below(d.len());
                match rng.below(4) {
                    0 => d[i] ^= 1 << rng.below(8),
                    1 => d[i] = rng.next_u64() as u8,
                    2 => d.truncate(i),
                    _ => d.insert(i, rng.next_u64() as u8),
                }
            }
            let mut rest = &d[..];
            while !rest.is_empty() {
                let n = 1 + rng.below(rest.len());
                p.parse(*dir, &rest[..n], &mut sink);
                rest = &rest[n..];
                assert!(p.memory() <= cap, "memory {} > {cap}", p.memory());
            }
        }
        p.close(Direction::ToServer, &mut sink);
        p.close(Direction::ToClient, &mut sink);
    }
    // Pure random input too.
    for _ in 0..rounds / 4 {
        let mut p = new();
        let mut sink = CollectSink::default();
        for _ in 0..8 {
            let len = rng.below(300);
            let d: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let dir = if rng.below(2) == 0 {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            p.parse(dir, &d, &mut sink);
            assert!(p.memory() <= cap);
        }
    }
}

/// Feeds each direction's whole stream split at every byte offset `k`
/// (`[..k]`, then `[k..]`), the other direction whole, in conversation
/// order of first appearance, and checks the result equals one call per
/// segment.
pub fn assert_split_invariant(new: fn() -> Box<dyn crate::app::StreamParser>, conv: &Conversation) {
    let summary = |s: &CollectSink| {
        (
            s.txs.clone(),
            s.logins.clone(),
            s.records
                .iter()
                .map(|r| r.1.to_string())
                .collect::<Vec<_>>(),
        )
    };
    let whole = summary(&run(new().as_mut(), conv));
    // Messages of one direction coalesced into one chunk per turn, then cut.
    let mut turns: Vec<(Direction, Vec<u8>)> = Vec::new();
    for (d, b) in &conv.segments {
        match turns.last_mut() {
            Some((ld, lb)) if ld == d => lb.extend_from_slice(b),
            _ => turns.push((*d, b.clone())),
        }
    }
    for t in 0..turns.len() {
        let len = turns[t].1.len();
        for k in 0..=len {
            let mut p = new();
            let mut sink = CollectSink::default();
            for (i, (d, b)) in turns.iter().enumerate() {
                if i == t {
                    p.parse(*d, &b[..k], &mut sink);
                    p.parse(*d, &b[k..], &mut sink);
                } else {
                    p.parse(*d, b, &mut sink);
                }
            }
            p.close(Direction::ToServer, &mut sink);
            p.close(Direction::ToClient, &mut sink);
            assert_eq!(summary(&sink), whole, "turn {t} split at {k}");
        }
    }
}
