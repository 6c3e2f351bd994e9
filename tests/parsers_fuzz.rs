//! Every application-layer parser against its own captures and hostile
//! versions of them. The captures in `tests/fixtures/PROTO/` were made with
//! real clients and servers (see each parser's tests); here they are:
//!
//! - replayed as they are: each directory's protocol must be detected by
//!   content on at least one of its connections;
//! - mutated (flipped bytes, cuts, inserted junk, dropped and repeated
//!   messages) and replayed: no panic, and the per-flow memory stays under
//!   its cap;
//! - and every registered parser is fed random bytes directly, past
//!   detection.
//!
//! The seeds are fixed, so a failure reproduces.

mod common;

use std::path::Path;

use common::{Conversation, SplitMix64 as Rng, capture_files, pcap_conversations};
use wardwatch::app::http::HttpConfig;
use wardwatch::app::layer::{
    AppLayer, AppProto, DATAGRAM_PROTOS, LayerSink, STREAM_PROTOS, Tagged, TxReady, udp_dns,
    udp_parser,
};
use wardwatch::app::{DatagramParser, LoginAttempt, StreamParser};
use wardwatch::flow::Direction;

/// Per-flow memory a parser may hold, whatever it is fed (the largest cap
/// of any parser: HTTP bodies and HL7 messages are bounded at 1 MiB).
const MEMORY_CAP: usize = 2 << 20;

#[derive(Default)]
struct Counts {
    txs: u64,
    logins: u64,
    records: u64,
}

impl LayerSink for Counts {
    fn tx(&mut self, tx: TxReady<'_>) {
        // Touch every buffer, as detection would.
        tx.buffers
            .visit(wardwatch::rules::ir::BufferId::Payload, &mut |_| {});
        self.txs += 1;
    }
    fn login(&mut self, _l: LoginAttempt) {
        self.logins += 1;
    }
    fn record(
        &mut self,
        _p: AppProto,
        _d: Direction,
        _b: serde_json::Map<String, serde_json::Value>,
    ) {
        self.records += 1;
    }
}

/// Replays one conversation; returns the protocol detected and what it gave.
fn replay(c: &Conversation, counts: &mut Counts) -> Option<AppProto> {
    let cfg = HttpConfig::default();
    if c.tcp {
        let mut layer = AppLayer::new();
        for (dir, msg) in &c.messages {
            layer.stream_data(*dir, c.server_port, msg, &cfg, counts);
            assert!(layer.memory() <= MEMORY_CAP, "memory {}", layer.memory());
        }
        layer.close(Direction::ToServer, counts);
        layer.close(Direction::ToClient, counts);
        layer.proto()
    } else {
        let mut parser: Option<(AppProto, Box<dyn DatagramParser>)> = None;
        let mut proto = None;
        for (dir, msg) in &c.messages {
            let (sp, dp) = match dir {
                Direction::ToServer => (c.client_port, c.server_port),
                Direction::ToClient => (c.server_port, c.client_port),
            };
            if udp_dns(sp, dp, msg).is_some() {
                proto = Some(AppProto::Dns);
                continue;
            }
            if parser.is_none() {
                parser = udp_parser(sp, dp, msg);
            }
            if let Some((p, dp)) = parser.as_mut() {
                proto = Some(*p);
                dp.datagram(
                    *dir,
                    msg,
                    &mut Tagged {
                        proto: *p,
                        sink: counts,
                    },
                );
                assert!(dp.memory() <= MEMORY_CAP);
            }
        }
        proto
    }
}

fn fixtures() -> Vec<(String, Vec<Conversation>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    capture_files(&root)
        .into_iter()
        .map(|p| {
            let dir = p
                .parent()
                .and_then(|d| d.file_name())
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            (dir, pcap_conversations(&p))
        })
        .collect()
}

#[test]
fn every_fixture_directory_is_detected_as_its_protocol() {
    let mut checked = 0;
    for (dir, convs) in fixtures() {
        let Some(want) = AppProto::from_name(&dir) else {
            continue;
        };
        let mut counts = Counts::default();
        let found: Vec<_> = convs.iter().map(|c| replay(c, &mut counts)).collect();
        assert!(
            found.contains(&Some(want)),
            "tests/fixtures/{dir}: no connection detected as {want:?} ({found:?})"
        );
        assert!(counts.txs > 0, "tests/fixtures/{dir}: no transaction");
        checked += 1;
    }
    // The parsers plugged in through the registry all have captures.
    for p in STREAM_PROTOS
        .iter()
        .map(|p| p.proto)
        .chain(DATAGRAM_PROTOS.iter().map(|p| p.proto))
    {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(p.as_str());
        assert!(
            !capture_files(&dir).is_empty(),
            "{p:?} has no captures in {}",
            dir.display()
        );
    }
    let _ = checked;
}

fn mutate(rng: &mut Rng, c: &Conversation) -> Conversation {
    let mut m = c.clone();
    for _ in 0..=rng.below(4) {
        if m.messages.is_empty() {
            break;
        }
        let i = rng.below(m.messages.len());
        match rng.below(6) {
            0 => {
                let msg = &mut m.messages[i].1;
                for _ in 0..=rng.below(8) {
                    if !msg.is_empty() {
                        let k = rng.below(msg.len());
                        msg[k] = rng.next_u64() as u8;
                    }
                }
            }
            1 => {
                let msg = &mut m.messages[i].1;
                let cut = rng.below(msg.len() + 1);
                msg.truncate(cut);
            }
            2 => {
                let n = 1 + rng.below(300);
                let junk = rng.bytes(n);
                let msg = &mut m.messages[i].1;
                let at = rng.below(msg.len() + 1);
                msg.splice(at..at, junk);
            }
            3 => {
                m.messages.remove(i);
            }
            4 => {
                let dup = m.messages[i].clone();
                m.messages.insert(i, dup);
            }
            _ => {
                // Length fields at their extremes.
                let msg = &mut m.messages[i].1;
                if msg.len() > 4 {
                    let k = rng.below(msg.len() - 4);
                    let v = if rng.below(2) == 0 { 0xff } else { 0 };
                    msg[k..k + 4].fill(v);
                }
            }
        }
    }
    m
}

#[test]
fn mutated_captures_never_panic_and_stay_bounded() {
    let mut rng = Rng(0x00c0_ffee_d1c0);
    for (_dir, convs) in fixtures() {
        for c in &convs {
            for _ in 0..150 {
                let m = mutate(&mut rng, c);
                replay(&m, &mut Counts::default());
            }
        }
    }
}

/// Directions taking turns.
fn alternate(round: usize) -> Direction {
    if round % 2 == 0 {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

#[test]
fn registered_parsers_survive_random_bytes() {
    let mut rng = Rng(0x5eed_0bad_f00d);
    for p in STREAM_PROTOS {
        let mut parser: Box<dyn StreamParser> = (p.new)();
        let mut counts = Counts::default();
        for round in 0..3000 {
            let dir = alternate(round);
            let n = rng.below(2000);
            let data = rng.bytes(n);
            parser.parse(
                dir,
                &data,
                &mut Tagged {
                    proto: p.proto,
                    sink: &mut counts,
                },
            );
            if round % 500 == 0 {
                parser.gap(dir, 100);
            }
            assert!(parser.memory() <= MEMORY_CAP, "{:?}", p.proto);
        }
    }
    for p in DATAGRAM_PROTOS {
        let mut parser = (p.new)();
        let mut counts = Counts::default();
        for round in 0..3000 {
            let dir = alternate(round);
            let n = rng.below(1500);
            let data = rng.bytes(n);
            parser.datagram(
                dir,
                &data,
                &mut Tagged {
                    proto: p.proto,
                    sink: &mut counts,
                },
            );
            assert!(parser.memory() <= MEMORY_CAP, "{:?}", p.proto);
        }
    }
}
