//! The one test kit of the parsers of `src/app/`: the packets and TCP
//! conversations of the small classic-pcap captures under `tests/fixtures/`
//! (loopback captures of real clients and servers), a [`Recorder`] sink
//! that keeps everything a parser reports, the runs every stream parser is
//! put through (split at every offset, byte by byte, seeded mutation with
//! a memory check) and a small deterministic PRNG. Parser unit tests feed
//! the captured bytes as the capture shows them, without the flow table.

use crate::app::{LoginAttempt, Outcome, ParseSink, StreamParser, TxBuffers};
use crate::flow::Direction;
use crate::rules::ir::BufferId;

/// One captured IPv4 TCP or UDP packet.
#[derive(Clone, Debug)]
pub struct Segment {
    /// UDP (else TCP).
    pub udp: bool,
    /// Source address.
    pub src: [u8; 4],
    /// Destination address.
    pub dst: [u8; 4],
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// TCP sequence number (0 for UDP).
    pub seq: u32,
    /// TCP flags (0 for UDP).
    pub flags: u8,
    /// Payload (empty for bare TCP control segments).
    pub payload: Vec<u8>,
}

fn u16be(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The IPv4 TCP and UDP packets of a classic pcap (either byte order;
/// Ethernet, Linux cooked or raw IP), in capture order; anything else is
/// skipped. Panics on a file that is not a classic pcap.
pub fn segments(pcap: &[u8]) -> Vec<Segment> {
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
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= pcap.len() {
        let incl = u32at(off + 8) as usize;
        let Some(pkt) = pcap.get(off + 16..off + 16 + incl) else {
            break;
        };
        off += 16 + incl;
        let ip = match linktype {
            1 if pkt.len() >= 14 && u16be(pkt, 12) == 0x0800 => &pkt[14..],
            113 if pkt.len() >= 16 && u16be(pkt, 14) == 0x0800 => &pkt[16..],
            101 => pkt,
            _ => continue,
        };
        if ip.len() < 20 || ip[0] >> 4 != 4 {
            continue;
        }
        let ihl = usize::from(ip[0] & 15) * 4;
        let total = usize::from(u16be(ip, 2)).min(ip.len());
        let Some(l4) = ip.get(ihl..total) else {
            continue;
        };
        let (udp, hlen, seq, flags) = match ip[9] {
            17 if l4.len() >= 8 => (true, 8, 0, 0),
            6 if l4.len() >= 20 => (
                false,
                usize::from(l4[12] >> 4) * 4,
                u32::from_be_bytes([l4[4], l4[5], l4[6], l4[7]]),
                l4[13],
            ),
            _ => continue,
        };
        out.push(Segment {
            udp,
            src: [ip[12], ip[13], ip[14], ip[15]],
            dst: [ip[16], ip[17], ip[18], ip[19]],
            src_port: u16be(l4, 0),
            dst_port: u16be(l4, 2),
            seq,
            flags,
            payload: l4.get(hlen..).unwrap_or_default().to_vec(),
        });
    }
    out
}

/// One TCP connection: its payloads in order, as the stream reassembler
/// would hand them over.
#[derive(Clone, Debug, Default)]
pub struct Conversation {
    /// Server port.
    pub server_port: u16,
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

    /// The segments as a [`Script`]'s steps.
    pub fn steps(&self) -> Vec<(Direction, &[u8])> {
        self.segments.iter().map(|(d, b)| (*d, &b[..])).collect()
    }

    /// Consecutive segments of one sender coalesced: one chunk per turn.
    pub fn turns(&self) -> Vec<(Direction, Vec<u8>)> {
        let mut turns: Vec<(Direction, Vec<u8>)> = Vec::new();
        for (d, b) in &self.segments {
            match turns.last_mut() {
                Some((ld, lb)) if ld == d => lb.extend_from_slice(b),
                _ => turns.push((*d, b.clone())),
            }
        }
        turns
    }
}

/// The TCP conversations to any of `server_ports`, in order of first
/// packet. A SYN starts a conversation (a reused client port replaces the
/// old one); retransmitted bytes are dropped by sequence number.
pub fn conversations(pcap: &[u8], server_ports: &[u16]) -> Vec<Conversation> {
    type Key = (u16, [u8; 4], [u8; 4]);
    let mut convs: Vec<(Key, Conversation)> = Vec::new();
    // Next expected sequence number per (conversation, direction).
    let mut next: Vec<[Option<u32>; 2]> = Vec::new();
    for s in segments(pcap).into_iter().filter(|s| !s.udp) {
        let (dir, key, server) = if server_ports.contains(&s.dst_port) {
            (Direction::ToServer, (s.src_port, s.src, s.dst), s.dst_port)
        } else if server_ports.contains(&s.src_port) {
            (Direction::ToClient, (s.dst_port, s.dst, s.src), s.src_port)
        } else {
            continue;
        };
        let syn = s.flags & 0x02 != 0;
        let i = match convs.iter().rposition(|(k, _)| *k == key) {
            Some(i) if !(syn && dir == Direction::ToServer) => i,
            _ => {
                convs.push((
                    key,
                    Conversation {
                        server_port: server,
                        segments: Vec::new(),
                    },
                ));
                next.push([None, None]);
                convs.len() - 1
            }
        };
        if syn {
            next[i][dir.index()] = Some(s.seq.wrapping_add(1));
            continue;
        }
        if s.payload.is_empty() {
            continue;
        }
        let expect = next[i][dir.index()].get_or_insert(s.seq);
        let behind = expect.wrapping_sub(s.seq) as usize;
        if s.seq != *expect && behind >= s.payload.len() {
            continue;
        }
        let fresh = if s.seq == *expect {
            &s.payload[..]
        } else {
            &s.payload[behind.min(s.payload.len())..]
        };
        *expect = expect.wrapping_add(fresh.len() as u32);
        convs[i].1.segments.push((dir, fresh.to_vec()));
    }
    convs.into_iter().map(|c| c.1).collect()
}

/// A [`ParseSink`] that keeps everything it is given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recorder {
    /// Buffers to read from each transaction (none by default).
    pub buffers: Vec<BufferId>,
    /// `(dir, tx_id)` of each transaction half, in order.
    pub txs: Vec<(Direction, u64)>,
    /// Values of each buffer in [`Recorder::buffers`], per transaction.
    pub values: Vec<Vec<(BufferId, Vec<u8>)>>,
    /// Login attempts.
    pub logins: Vec<LoginAttempt>,
    /// EVE record bodies with their direction.
    pub records: Vec<(Direction, serde_json::Value)>,
}

impl ParseSink for Recorder {
    fn tx(&mut self, dir: Direction, tx_id: u64, buffers: &dyn TxBuffers) {
        self.txs.push((dir, tx_id));
        let mut vals = Vec::new();
        for id in &self.buffers {
            buffers.visit(*id, &mut |v| vals.push((*id, v.to_vec())));
        }
        self.values.push(vals);
    }

    fn login(&mut self, login: LoginAttempt) {
        self.logins.push(login);
    }

    fn record(&mut self, dir: Direction, body: serde_json::Map<String, serde_json::Value>) {
        self.records.push((dir, serde_json::Value::Object(body)));
    }
}

impl Recorder {
    /// A recorder that reads `buffers` from each transaction.
    pub fn reading(buffers: &[BufferId]) -> Self {
        Recorder {
            buffers: buffers.to_vec(),
            ..Recorder::default()
        }
    }

    /// Values of buffer `id` over all transactions, in order.
    pub fn values_of(&self, id: BufferId) -> Vec<String> {
        self.values
            .iter()
            .flatten()
            .filter(|(b, _)| *b == id)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    /// The EVE record bodies without their direction.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.records.iter().map(|r| r.1.clone()).collect()
    }

    /// The logins as `(account, outcome, reason)` triples, for compact asserts.
    pub fn login_triples(&self) -> Vec<(String, Outcome, String)> {
        self.logins
            .iter()
            .map(|l| {
                (
                    l.account.clone().unwrap_or_default(),
                    l.outcome,
                    l.reason.clone(),
                )
            })
            .collect()
    }
}

/// A conversation: who sent which bytes, in order.
pub type Script<'a> = &'a [(Direction, &'a [u8])];

/// Feeds `p` each step of `script` in pieces of `chunk` bytes, then closes
/// both directions.
pub fn feed(p: &mut dyn StreamParser, script: Script<'_>, chunk: usize, sink: &mut Recorder) {
    for (dir, data) in script {
        for piece in data.chunks(chunk.max(1)) {
            p.parse(*dir, piece, sink);
        }
    }
    for dir in Direction::BOTH {
        p.close(dir, sink);
    }
}

/// Runs `script` through a fresh parser, one `parse` per step, then
/// closes both directions.
pub fn run(new: fn() -> Box<dyn StreamParser>, script: Script<'_>) -> Recorder {
    run_chunked(new, script, usize::MAX)
}

/// Like [`run`], with each step cut into pieces of `chunk` bytes.
pub fn run_chunked(
    new: fn() -> Box<dyn StreamParser>,
    script: Script<'_>,
    chunk: usize,
) -> Recorder {
    let mut sink = Recorder::default();
    feed(new().as_mut(), script, chunk, &mut sink);
    sink
}

/// Feeds `p` every segment of `conv`, then closes both directions; the
/// recorder reads `buffers`.
pub fn replay(p: &mut dyn StreamParser, conv: &Conversation, buffers: &[BufferId]) -> Recorder {
    let mut sink = Recorder::reading(buffers);
    feed(p, &conv.steps(), usize::MAX, &mut sink);
    sink
}

/// Each step split in two at every offset, and the whole script fed byte
/// by byte, give the same result as one call per step (reading `buffers`).
pub fn assert_split_invariant(
    new: fn() -> Box<dyn StreamParser>,
    script: Script<'_>,
    buffers: &[BufferId],
) {
    let mut want = Recorder::reading(buffers);
    feed(new().as_mut(), script, usize::MAX, &mut want);
    for (k, (dir, data)) in script.iter().enumerate() {
        for cut in 0..=data.len() {
            let mut p = new();
            let mut c = Recorder::reading(buffers);
            for (j, (d, bytes)) in script.iter().enumerate() {
                if j == k {
                    p.parse(*dir, &data[..cut], &mut c);
                    p.parse(*dir, &data[cut..], &mut c);
                } else {
                    p.parse(*d, bytes, &mut c);
                }
            }
            for dir in Direction::BOTH {
                p.close(dir, &mut c);
            }
            assert_eq!(c, want, "step {k} cut at {cut}");
        }
    }
    let mut bytewise = Recorder::reading(buffers);
    feed(new().as_mut(), script, 1, &mut bytewise);
    assert_eq!(bytewise, want, "byte by byte");
}

/// [`assert_split_invariant`] on a captured conversation: its turns (one
/// chunk per sender turn) give the same result as its segments, and each
/// turn may be split anywhere.
pub fn assert_conversation_split_invariant(
    new: fn() -> Box<dyn StreamParser>,
    conv: &Conversation,
    buffers: &[BufferId],
) {
    let whole = replay(new().as_mut(), conv, buffers);
    let turns = conv.turns();
    let steps: Vec<(Direction, &[u8])> = turns.iter().map(|(d, b)| (*d, &b[..])).collect();
    let mut by_turn = Recorder::reading(buffers);
    feed(new().as_mut(), &steps, usize::MAX, &mut by_turn);
    assert_eq!(by_turn, whole, "one chunk per turn");
    assert_split_invariant(new, &steps, buffers);
}

/// Mutates the scripts `rounds` times in turn (byte flips, cuts,
/// insertions, random chunking, gaps) and feeds each version to a fresh
/// parser, then junk alone: no panic, and memory stays under `cap` after
/// every call.
pub fn fuzz(new: fn() -> Box<dyn StreamParser>, scripts: &[Script<'_>], rounds: usize, cap: usize) {
    let mut rng = Rng(0x5eed_7e57);
    for round in 0..rounds {
        let Some(script) = scripts.get(round % scripts.len().max(1)) else {
            return;
        };
        let mut p = new();
        let mut c = Recorder::default();
        for (dir, data) in script.iter() {
            let mut d = data.to_vec();
            for _ in 0..rng.below(4) {
                if d.is_empty() {
                    break;
                }
                let i = rng.below(d.len());
                match rng.below(6) {
                    0 => d[i] = rng.next_u64() as u8,
                    1 => d.truncate(i),
                    2 => d.insert(i, [b'\n', b'\r', 0xff, b' ', b'{'][rng.below(5)]),
                    3 => drop(d.splice(i..i, b"{99999}\r\n".iter().copied())),
                    4 => d[i] ^= 1 << rng.below(8),
                    _ => d.extend((0..rng.below(300)).map(|_| rng.next_u64() as u8)),
                }
            }
            let mut rest = &d[..];
            while !rest.is_empty() {
                let n = 1 + rng.below(rest.len());
                p.parse(*dir, &rest[..n], &mut c);
                rest = &rest[n..];
                assert!(p.memory() <= cap, "memory {} over {cap}", p.memory());
                if rng.below(50) == 0 {
                    p.gap(*dir, rng.below(100) as u64);
                }
            }
        }
        // Garbage alone.
        let junk: Vec<u8> = (0..rng.below(2000)).map(|_| rng.next_u64() as u8).collect();
        p.parse(Direction::ToServer, &junk, &mut c);
        p.parse(Direction::ToClient, &junk, &mut c);
        assert!(p.memory() <= cap, "memory {} over {cap}", p.memory());
        for dir in Direction::BOTH {
            p.close(dir, &mut c);
        }
    }
}

/// [`fuzz`] over captured conversations.
pub fn fuzz_conversations(
    new: fn() -> Box<dyn StreamParser>,
    convs: &[Conversation],
    rounds: usize,
    cap: usize,
) {
    let steps: Vec<Vec<(Direction, &[u8])>> = convs.iter().map(Conversation::steps).collect();
    let scripts: Vec<Script<'_>> = steps.iter().map(Vec::as_slice).collect();
    fuzz(new, &scripts, rounds, cap);
}

/// A tiny deterministic PRNG (SplitMix64) for mutation loops.
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

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// `data` with a few random bytes changed, cut or extended.
    pub fn mutate(&mut self, data: &[u8]) -> Vec<u8> {
        let mut v = data.to_vec();
        match self.below(4) {
            0 if !v.is_empty() => {
                let n = self.below(v.len());
                v.truncate(n);
            }
            1 => {
                for _ in 0..self.below(8) {
                    v.push(self.next_u64() as u8);
                }
            }
            _ => {}
        }
        for _ in 0..1 + self.below(4) {
            if v.is_empty() {
                break;
            }
            let i = self.below(v.len());
            v[i] = self.next_u64() as u8;
        }
        v
    }
}
