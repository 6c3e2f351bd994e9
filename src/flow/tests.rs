//! Flow-table tests: packets built by hand, run through a [`FlowTable`], with a
//! handler that records every call.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::decode::{DecodedPacket, IpFlags, TcpFlags, Transport, Vlans};
use crate::stats::{CounterSet, Snapshot};
use crate::time::Timestamp;

const SYN: u8 = TcpFlags::SYN;
const ACK: u8 = TcpFlags::ACK;
const FIN: u8 = TcpFlags::FIN;
const RST: u8 = TcpFlags::RST;
const PSH: u8 = TcpFlags::PSH;

/// xorshift64*: a small deterministic PRNG for the randomised tests.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn v4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

/// An endpoint: (address, port).
type Ep = (IpAddr, u16);

const CLI: Ep = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40000);
const SRV: Ep = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 80);

fn packet<'a>(
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    transport: Transport,
    payload: &'a [u8],
) -> DecodedPacket<'a> {
    DecodedPacket {
        vlans: Vlans::default(),
        src_mac: None,
        dst_mac: None,
        src,
        dst,
        ip_proto: proto,
        ttl: 64,
        ip_id: 0,
        ip_len: 40 + payload.len() as u32,
        ip_flags: IpFlags::default(),
        reassembled: false,
        transport,
        icmp_echo: None,
        payload,
    }
}

fn tcp<'a>(
    src: Ep,
    dst: Ep,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &'a [u8],
) -> DecodedPacket<'a> {
    let t = Transport::Tcp {
        src_port: src.1,
        dst_port: dst.1,
        seq,
        ack,
        flags: TcpFlags(flags),
        window: 65535,
    };
    packet(src.0, dst.0, 6, t, payload)
}

fn udp<'a>(src: Ep, dst: Ep, payload: &'a [u8]) -> DecodedPacket<'a> {
    let t = Transport::Udp {
        src_port: src.1,
        dst_port: dst.1,
    };
    packet(src.0, dst.0, 17, t, payload)
}

fn icmp<'a>(src: IpAddr, dst: IpAddr, icmp_type: u8) -> DecodedPacket<'a> {
    let t = Transport::Icmpv4 {
        icmp_type,
        icmp_code: 0,
    };
    packet(src, dst, 1, t, b"")
}

fn secs(s: u64) -> Timestamp {
    Timestamp::from_secs(s)
}

/// A flow as it ended, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct EndRec {
    id: u64,
    reason: &'static str,
    start: Timestamp,
    end: Timestamp,
    client: Ep,
    server: Ep,
    pkts: (u64, u64),
    bytes: (u64, u64),
    state: &'static str,
    tcp_state: Option<&'static str>,
    had_gap: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    Packet(u64, Direction),
    Data(u64, Direction, u64, Vec<u8>),
    Gap(u64, Direction, u64, u64),
    Depth(u64, Direction, u64),
    Closed(u64, Direction),
    End(EndRec),
}

/// Records every handler call.
#[derive(Default)]
struct Recorder {
    evs: Vec<Ev>,
}

impl FlowHandler for Recorder {
    fn on_packet(
        &mut self,
        flow: &mut Flow,
        dir: Direction,
        _: &DecodedPacket<'_>,
        _: &PacketMeta,
    ) {
        self.evs.push(Ev::Packet(flow.id, dir));
    }

    fn on_stream(&mut self, flow: &mut Flow, dir: Direction, event: StreamEvent<'_>) {
        let id = flow.id;
        self.evs.push(match event {
            StreamEvent::Data { offset, data } => Ev::Data(id, dir, offset, data.to_vec()),
            StreamEvent::Gap { offset, len } => Ev::Gap(id, dir, offset, len),
            StreamEvent::DepthReached { offset } => Ev::Depth(id, dir, offset),
            StreamEvent::Closed => Ev::Closed(id, dir),
        });
    }

    fn on_flow_end(&mut self, flow: &mut Flow, reason: EndReason) {
        self.evs.push(Ev::End(EndRec {
            id: flow.id,
            reason: reason.as_str(),
            start: flow.start,
            end: flow.last_seen,
            client: (flow.client, flow.client_port),
            server: (flow.server, flow.server_port),
            pkts: (flow.pkts_toserver, flow.pkts_toclient),
            bytes: (flow.bytes_toserver, flow.bytes_toclient),
            state: flow.state(),
            tcp_state: flow.tcp_state(),
            had_gap: flow.had_gap(),
        }));
    }
}

impl Recorder {
    fn ends(&self) -> Vec<EndRec> {
        self.evs
            .iter()
            .filter_map(|e| match e {
                Ev::End(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    /// Stream events (not packets, not ends) of one direction of any flow.
    fn stream(&self, dir: Direction) -> Vec<Ev> {
        self.evs
            .iter()
            .filter(|e| match e {
                Ev::Data(_, d, ..) | Ev::Gap(_, d, ..) | Ev::Depth(_, d, _) | Ev::Closed(_, d) => {
                    *d == dir
                }
                _ => false,
            })
            .cloned()
            .collect()
    }

    /// The reassembled bytes of `dir` for flow `id`, gaps as `?`.
    fn bytes(&self, id: u64, dir: Direction) -> Vec<u8> {
        let mut v = Vec::new();
        for e in &self.evs {
            match e {
                Ev::Data(i, d, off, data) if *i == id && *d == dir => {
                    assert_eq!(*off, v.len() as u64);
                    v.extend_from_slice(data);
                }
                Ev::Gap(i, d, off, len) if *i == id && *d == dir => {
                    assert_eq!(*off, v.len() as u64);
                    v.extend(std::iter::repeat_n(b'?', *len as usize));
                }
                _ => {}
            }
        }
        v
    }
}

/// A table and a recorder.
struct Sensor {
    table: FlowTable,
    rec: Recorder,
}

impl Sensor {
    fn new(cfg: FlowConfig) -> Self {
        Sensor {
            table: FlowTable::new(cfg),
            rec: Recorder::default(),
        }
    }

    fn at(&mut self, ts: Timestamp, pkt: &DecodedPacket<'_>) {
        let meta = PacketMeta {
            ts,
            wire_len: 54 + pkt.payload.len() as u32,
            iface: 0,
            pcap_cnt: 0,
        };
        self.table.process(pkt, &meta, &mut self.rec);
    }

    fn flow(&self, pkt: &DecodedPacket<'_>) -> &Flow {
        self.table.get(pkt).expect("flow is tracked")
    }

    fn tcp_state(&self, pkt: &DecodedPacket<'_>) -> (&'static str, &'static str) {
        let f = self.flow(pkt);
        (f.state(), f.tcp_state().expect("tcp flow"))
    }
}

#[test]
fn handshake_data_and_client_close() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    assert_eq!(s.tcp_state(&syn), ("new", "syn_sent"));
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("new", "syn_recv"));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("established", "established"));
    s.at(secs(2), &tcp(CLI, SRV, 101, 501, ACK | PSH, b"GET /"));
    s.at(secs(2), &tcp(SRV, CLI, 501, 106, ACK | PSH, b"200 OK"));
    s.at(secs(3), &tcp(CLI, SRV, 106, 507, FIN | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("established", "close_wait"));
    s.at(secs(3), &tcp(SRV, CLI, 507, 107, FIN | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "last_ack"));
    s.at(secs(3), &tcp(CLI, SRV, 107, 508, ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "closed"));

    let id = s.flow(&syn).id;
    use Direction::*;
    assert_eq!(
        s.rec.stream(ToServer),
        vec![
            Ev::Data(id, ToServer, 0, b"GET /".to_vec()),
            Ev::Closed(id, ToServer)
        ]
    );
    assert_eq!(
        s.rec.stream(ToClient),
        vec![
            Ev::Data(id, ToClient, 0, b"200 OK".to_vec()),
            Ev::Closed(id, ToClient)
        ]
    );
    let t = s.table.tcp_counters();
    assert_eq!(
        (t.sessions, t.syn, t.synack, t.fin, t.midstream_pickups),
        (1, 1, 1, 2, 0)
    );

    // Closed flows time out after tcp_closed (10 s).
    s.table.advance(secs(12), &mut s.rec);
    assert_eq!(s.table.len(), 1);
    s.table.advance(secs(13), &mut s.rec);
    assert!(s.table.is_empty());
    let ends = s.rec.ends();
    assert_eq!(ends.len(), 1);
    let e = &ends[0];
    assert_eq!(
        (e.reason, e.state, e.tcp_state),
        ("timeout", "closed", Some("closed"))
    );
    assert_eq!((e.start, e.end), (secs(1), secs(3)));
    assert_eq!((e.client, e.server), (CLI, SRV));
    assert_eq!(e.pkts, (5, 3));
    assert_eq!(e.bytes, (5 * 54 + 5, 3 * 54 + 6));
    let c = s.table.counters();
    assert_eq!((c.total, c.tcp, c.ended_timeout, c.active), (1, 1, 1, 0));
    // One Closed per direction, and none again at the flow's end.
    let closed = s
        .rec
        .evs
        .iter()
        .filter(|e| matches!(e, Ev::Closed(..)))
        .count();
    assert_eq!(closed, 2);
}

/// `flow:established` for a packet is the state before it, as Suricata sets
/// `FLOW_PKT_ESTABLISHED` before stream tracking: the handshake's last ACK
/// and a mid-stream pickup's first packet are not established yet.
#[test]
fn established_for_packet_is_the_state_before_it() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    let mut seen = vec![];
    for p in [
        syn.clone(),
        tcp(SRV, CLI, 500, 101, SYN | ACK, b""),
        tcp(CLI, SRV, 101, 501, ACK, b""),
        tcp(CLI, SRV, 101, 501, ACK | PSH, b"GET /"),
        tcp(SRV, CLI, 501, 106, RST | ACK, b""),
    ] {
        s.at(secs(1), &p);
        seen.push(s.flow(&syn).established_for_packet());
    }
    assert_eq!(seen, [false, false, false, true, true]);

    let mut s = Sensor::new(FlowConfig::default());
    let first = tcp(CLI, SRV, 7777, 9000, ACK | PSH, b"USER admin\r\n");
    s.at(secs(2), &first);
    assert!(!s.flow(&first).established_for_packet());
    s.at(secs(2), &tcp(SRV, CLI, 9000, 7789, ACK, b""));
    assert!(s.flow(&first).established_for_packet());
}

#[test]
fn server_closes_first() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    s.at(secs(2), &tcp(SRV, CLI, 501, 101, FIN | ACK, b"bye"));
    assert_eq!(s.tcp_state(&syn), ("established", "fin_wait1"));
    s.at(secs(2), &tcp(CLI, SRV, 101, 505, ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("established", "fin_wait2"));
    s.at(secs(2), &tcp(CLI, SRV, 101, 505, FIN | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "time_wait"));
    s.at(secs(2), &tcp(SRV, CLI, 505, 102, ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "closed"));
    let id = s.flow(&syn).id;
    assert_eq!(
        s.rec.stream(Direction::ToClient),
        vec![
            Ev::Data(id, Direction::ToClient, 0, b"bye".to_vec()),
            Ev::Closed(id, Direction::ToClient)
        ]
    );
}

#[test]
fn simultaneous_fins_go_through_closing() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    s.at(secs(2), &tcp(SRV, CLI, 501, 101, FIN | ACK, b""));
    s.at(secs(2), &tcp(CLI, SRV, 101, 501, FIN | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("established", "closing"));
    s.at(secs(2), &tcp(CLI, SRV, 102, 502, ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "time_wait"));
}

#[test]
fn rst_closes_both_directions_and_flushes() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    s.at(secs(2), &tcp(CLI, SRV, 101, 501, ACK, b"ab"));
    s.at(secs(2), &tcp(CLI, SRV, 105, 501, ACK, b"ef")); // hole at 2..4
    s.at(secs(3), &tcp(SRV, CLI, 501, 103, RST | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "closed"));
    let id = s.flow(&syn).id;
    use Direction::*;
    assert_eq!(
        s.rec.stream(ToServer),
        vec![
            Ev::Data(id, ToServer, 0, b"ab".to_vec()),
            Ev::Gap(id, ToServer, 2, 2),
            Ev::Data(id, ToServer, 4, b"ef".to_vec()),
            Ev::Closed(id, ToServer),
        ]
    );
    assert_eq!(s.rec.stream(ToClient), vec![Ev::Closed(id, ToClient)]);
    assert!(s.flow(&syn).was_reset());
    assert!(s.flow(&syn).had_gap());
    assert_eq!(s.table.tcp_counters().rst, 1);
    assert_eq!(s.table.tcp_counters().reassembly_gap, 1);
    // Closed by RST: the closed timeout applies.
    s.table.advance(secs(13), &mut s.rec);
    assert_eq!(s.rec.ends()[0].reason, "timeout");
}

#[test]
fn out_of_window_rst_is_ignored() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    s.at(secs(2), &tcp(SRV, CLI, 501 + (1 << 24), 101, RST, b""));
    assert_eq!(s.tcp_state(&syn), ("established", "established"));
    let t = s.table.tcp_counters();
    assert_eq!((t.rst, t.rst_invalid), (1, 1));
    s.at(secs(2), &tcp(CLI, SRV, 101, 501, ACK, b"still inspected"));
    let id = s.flow(&syn).id;
    assert_eq!(s.rec.bytes(id, Direction::ToServer), b"still inspected");
}

#[test]
fn rst_answering_a_syn_closes() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 0, 101, RST | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "closed"));
}

#[test]
fn midstream_pickup_delivers_data() {
    let mut s = Sensor::new(FlowConfig::default());
    let first = tcp(CLI, SRV, 7777, 9000, ACK | PSH, b"USER admin\r\n");
    s.at(secs(1), &first);
    assert_eq!(s.tcp_state(&first), ("established", "established"));
    assert!(s.flow(&first).midstream());
    s.at(
        secs(1),
        &tcp(SRV, CLI, 9000, 7789, ACK | PSH, b"331 ok\r\n"),
    );
    s.at(
        secs(1),
        &tcp(CLI, SRV, 7789, 9008, ACK | PSH, b"PASS x\r\n"),
    );
    let id = s.flow(&first).id;
    assert_eq!(
        s.rec.bytes(id, Direction::ToServer),
        b"USER admin\r\nPASS x\r\n"
    );
    assert_eq!(s.rec.bytes(id, Direction::ToClient), b"331 ok\r\n");
    assert_eq!(s.table.tcp_counters().midstream_pickups, 1);
    assert_eq!(s.table.tcp_counters().sessions, 0);
    assert_eq!((s.flow(&first).client, s.flow(&first).client_port), CLI);
}

#[test]
fn syn_ack_first_makes_its_destination_the_client() {
    let mut s = Sensor::new(FlowConfig::default());
    let synack = tcp(SRV, CLI, 500, 101, SYN | ACK, b"");
    s.at(secs(1), &synack);
    let f = s.flow(&synack);
    assert_eq!(
        ((f.client, f.client_port), (f.server, f.server_port)),
        (CLI, SRV)
    );
    assert_eq!((f.pkts_toserver, f.pkts_toclient), (0, 1));
    assert_eq!(f.tcp_flags_tc, SYN | ACK);
    assert_eq!(s.tcp_state(&synack), ("new", "syn_recv"));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK | PSH, b"hi"));
    assert_eq!(s.tcp_state(&synack), ("established", "established"));
    assert_eq!(s.table.tcp_counters().sessions, 1);
    // The client's stream base came from the SYN+ACK's ACK.
    let id = s.flow(&synack).id;
    assert_eq!(s.rec.evs[0], Ev::Packet(id, Direction::ToClient));
    assert_eq!(
        s.rec.evs[2],
        Ev::Data(id, Direction::ToServer, 0, b"hi".to_vec())
    );
}

#[test]
fn packet_event_comes_before_its_stream_events() {
    let mut s = Sensor::new(FlowConfig::default());
    s.at(secs(1), &tcp(CLI, SRV, 100, 0, SYN, b""));
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    s.rec.evs.clear();
    s.at(secs(2), &tcp(CLI, SRV, 104, 501, ACK, b"def")); // out of order
    s.at(secs(2), &tcp(CLI, SRV, 101, 501, ACK, b"abc"));
    let fid = match s.rec.evs[0] {
        Ev::Packet(id, _) => id,
        ref e => panic!("unexpected {e:?}"),
    };
    use Direction::*;
    assert_eq!(
        s.rec.evs,
        vec![
            Ev::Packet(fid, ToServer),
            Ev::Packet(fid, ToServer),
            Ev::Data(fid, ToServer, 0, b"abc".to_vec()),
            Ev::Data(fid, ToServer, 3, b"def".to_vec()),
        ]
    );
    assert_eq!(s.table.tcp_counters().pkt_out_of_order, 1);
}

#[test]
fn peer_ack_beyond_a_hole_flushes_that_direction_first() {
    let mut s = Sensor::new(FlowConfig::default());
    s.at(secs(1), &tcp(CLI, SRV, 100, 0, SYN, b""));
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    s.at(secs(2), &tcp(CLI, SRV, 105, 501, ACK, b"efgh")); // 101..105 missed
    s.rec.evs.clear();
    // The server got all 8 bytes and answers.
    s.at(secs(2), &tcp(SRV, CLI, 501, 109, ACK, b"resp"));
    let fid = match s.rec.evs[0] {
        Ev::Packet(id, _) => id,
        ref e => panic!("unexpected {e:?}"),
    };
    use Direction::*;
    assert_eq!(
        s.rec.evs,
        vec![
            Ev::Packet(fid, ToClient),
            Ev::Gap(fid, ToServer, 0, 4),
            Ev::Data(fid, ToServer, 4, b"efgh".to_vec()),
            Ev::Data(fid, ToClient, 0, b"resp".to_vec()),
        ]
    );
}

#[test]
fn gap_and_held_data_are_flushed_at_flow_end() {
    let mut s = Sensor::new(FlowConfig::default());
    s.at(secs(1), &tcp(CLI, SRV, 100, 0, SYN, b""));
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b"0123"));
    s.at(secs(1), &tcp(CLI, SRV, 111, 501, ACK, b"abc")); // hole 4..10
    s.at(secs(1), &tcp(CLI, SRV, 120, 501, ACK, b"XY")); // hole 13..19
    s.table.shutdown(secs(2), &mut s.rec);
    use Direction::*;
    let ends = s.rec.ends();
    let id = ends[0].id;
    assert_eq!(
        s.rec.stream(ToServer),
        vec![
            Ev::Data(id, ToServer, 0, b"0123".to_vec()),
            Ev::Gap(id, ToServer, 4, 6),
            Ev::Data(id, ToServer, 10, b"abc".to_vec()),
            Ev::Gap(id, ToServer, 13, 6),
            Ev::Data(id, ToServer, 19, b"XY".to_vec()),
            Ev::Closed(id, ToServer),
        ]
    );
    assert_eq!(s.rec.stream(ToClient), vec![Ev::Closed(id, ToClient)]);
    assert_eq!((ends[0].reason, ends[0].had_gap), ("shutdown", true));
    assert!(matches!(s.rec.evs.last(), Some(Ev::End(_))));
    assert_eq!(s.table.tcp_counters().reassembly_memuse, 0);
    assert_eq!(s.table.counters().ended_shutdown, 1);
}

#[test]
fn depth_is_cut_at_the_byte() {
    let cfg = FlowConfig {
        stream: StreamConfig {
            depth: 5,
            ..StreamConfig::default()
        },
        ..FlowConfig::default()
    };
    let mut s = Sensor::new(cfg);
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(CLI, SRV, 101, 0, ACK, b"abc"));
    s.at(secs(1), &tcp(CLI, SRV, 104, 0, ACK, b"defg"));
    s.at(secs(1), &tcp(CLI, SRV, 108, 0, ACK, b"hij"));
    let id = s.flow(&syn).id;
    use Direction::*;
    assert_eq!(
        s.rec.stream(ToServer),
        vec![
            Ev::Data(id, ToServer, 0, b"abc".to_vec()),
            Ev::Data(id, ToServer, 3, b"de".to_vec()),
            Ev::Depth(id, ToServer, 5),
        ]
    );
    assert!(s.flow(&syn).depth_reached(ToServer));
    assert_eq!(s.table.tcp_counters().stream_depth_reached, 1);
}

#[test]
fn fin_and_rst_are_read_correctly_long_after_the_depth() {
    let mut s = Sensor::new(FlowConfig::default()); // depth 1 MiB
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    let seg = vec![0u8; 60_000];
    let mut seq = 101u32;
    // 5 GiB: far past the depth, and the sequence numbers wrap.
    for _ in 0..(5u64 << 30) / 60_000 {
        s.at(secs(2), &tcp(CLI, SRV, seq, 501, ACK, &seg));
        seq = seq.wrapping_add(60_000);
    }
    assert!(s.flow(&syn).depth_reached(Direction::ToServer));
    s.at(secs(3), &tcp(CLI, SRV, seq, 501, RST | ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "closed"));
    assert_eq!(s.table.tcp_counters().rst_invalid, 0);
    assert_eq!(s.table.tcp_counters().pkt_retransmitted, 0);
}

#[test]
fn syn_and_fin_payloads_take_their_sequence_numbers() {
    let mut s = Sensor::new(FlowConfig::default());
    // TCP Fast Open: data on the SYN starts at ISN + 1.
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"tfo");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 500, 104, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 104, 501, ACK | FIN, b"last"));
    s.at(secs(1), &tcp(CLI, SRV, 109, 501, ACK, b"after fin"));
    let id = s.flow(&syn).id;
    use Direction::*;
    assert_eq!(
        s.rec.stream(ToServer),
        vec![
            Ev::Data(id, ToServer, 0, b"tfo".to_vec()),
            Ev::Data(id, ToServer, 3, b"last".to_vec()),
            Ev::Closed(id, ToServer),
        ]
    );
    // The server acknowledges the FIN (ISN + 1 + 3 + 4 + 1).
    s.at(secs(1), &tcp(SRV, CLI, 501, 109, ACK | FIN, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "last_ack"));
}

#[test]
fn stream_wraps_around_2_pow_32() {
    let mut s = Sensor::new(FlowConfig::default());
    let isn = u32::MAX - 6;
    let syn = tcp(CLI, SRV, isn, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(
        secs(1),
        &tcp(SRV, CLI, 500, isn.wrapping_add(1), SYN | ACK, b""),
    );
    let at = |off: u32| isn.wrapping_add(1).wrapping_add(off);
    s.at(secs(1), &tcp(CLI, SRV, at(8), 501, ACK, b"89abcdef")); // after the wrap
    s.at(secs(1), &tcp(CLI, SRV, at(0), 501, ACK, b"01234567")); // crosses it
    s.at(secs(1), &tcp(CLI, SRV, at(4), 501, ACK, b"4567"));
    s.at(secs(1), &tcp(CLI, SRV, at(16), 501, ACK | FIN, b"g"));
    let id = s.flow(&syn).id;
    assert_eq!(s.rec.bytes(id, Direction::ToServer), b"0123456789abcdefg");
    assert_eq!(s.table.tcp_counters().pkt_retransmitted, 1);
    assert!(s.flow(&syn).stream_closed(Direction::ToServer));
}

#[test]
fn overlap_with_different_data_keeps_the_first_bytes() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(CLI, SRV, 105, 0, ACK, b"/etc/passwd")); // held
    s.at(secs(1), &tcp(CLI, SRV, 105, 0, ACK, b"/index.html")); // evasion attempt
    s.at(secs(1), &tcp(CLI, SRV, 101, 0, ACK, b"GET "));
    let id = s.flow(&syn).id;
    assert_eq!(s.rec.bytes(id, Direction::ToServer), b"GET /etc/passwd");
    let t = s.table.tcp_counters();
    assert_eq!((t.overlap, t.overlap_diff_data), (1, 1));
}

#[test]
fn memcap_drop_becomes_a_gap() {
    let cfg = FlowConfig {
        stream: StreamConfig {
            memcap: 100 + stream::SEGMENT_OVERHEAD,
            ..StreamConfig::default()
        },
        ..FlowConfig::default()
    };
    let mut s = Sensor::new(cfg);
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    let big = [b'x'; 100];
    s.at(secs(1), &tcp(CLI, SRV, 111, 0, ACK, &big)); // held: exactly the memcap
    // Another flow's out-of-order segment does not fit.
    let other = (v4(3), 5555);
    s.at(secs(1), &tcp(other, SRV, 1000, 0, SYN, b""));
    s.at(secs(1), &tcp(other, SRV, 1005, 0, ACK, b"yy"));
    assert_eq!(s.table.tcp_counters().segment_memcap_drop, 1);
    s.at(secs(1), &tcp(other, SRV, 1001, 0, ACK, b"abcd"));
    s.table.shutdown(secs(2), &mut s.rec);
    let other_id = s
        .rec
        .ends()
        .iter()
        .find(|e| e.client == other)
        .map(|e| e.id);
    let other_id = other_id.expect("other flow ended");
    assert_eq!(s.rec.bytes(other_id, Direction::ToServer), b"abcd??");
    assert_eq!(s.table.tcp_counters().reassembly_memuse, 0);
}

#[test]
fn udp_becomes_established_when_answered() {
    let mut s = Sensor::new(FlowConfig::default());
    let q = udp((v4(1), 5353), (v4(2), 53), b"query");
    s.at(secs(1), &q);
    assert_eq!(s.flow(&q).state(), "new");
    assert_eq!(s.flow(&q).tcp_state(), None);
    s.at(secs(1), &udp((v4(2), 53), (v4(1), 5353), b"answer"));
    assert_eq!(s.flow(&q).state(), "established");
    // Established UDP lives 300 s, not 30.
    s.table.advance(secs(200), &mut s.rec);
    assert_eq!(s.table.len(), 1);
    s.table.advance(secs(301), &mut s.rec);
    assert!(s.table.is_empty());
    let c = s.table.counters();
    assert_eq!((c.total, c.udp, c.ended_timeout), (1, 1, 1));
}

#[test]
fn icmp_flow_keeps_first_type() {
    let mut s = Sensor::new(FlowConfig::default());
    let req = icmp(v4(1), v4(2), 8);
    s.at(secs(1), &req);
    s.at(secs(1), &icmp(v4(2), v4(1), 0));
    let f = s.flow(&req);
    assert_eq!((f.icmp_type, f.icmp_code), (Some(8), Some(0)));
    assert_eq!((f.client_port, f.server_port), (0, 0));
    assert_eq!(f.state(), "established");
    assert_eq!(s.table.counters().icmpv4, 1);
}

/// One packet of each state's flow, then one more exactly at the timeout
/// (expired: a new flow) and one just before it (same flow). No `advance`.
#[test]
fn lazy_expiry_per_state() {
    let t = FlowTimeouts::default();
    let (a, b) = ((v4(1), 1000), (v4(2), 2000));
    // (name, packets making the state, the packet that arrives later, timeout)
    type Case = (
        &'static str,
        Vec<DecodedPacket<'static>>,
        DecodedPacket<'static>,
        u64,
    );
    let cases: Vec<Case> = vec![
        (
            "tcp new",
            vec![tcp(a, b, 1, 0, SYN, b"")],
            tcp(a, b, 1, 0, SYN, b""),
            t.tcp_new,
        ),
        (
            "tcp established",
            vec![tcp(a, b, 1, 9, ACK, b"x")],
            tcp(a, b, 2, 9, ACK, b""),
            t.tcp_established,
        ),
        (
            "tcp closed",
            vec![tcp(a, b, 1, 9, ACK, b""), tcp(a, b, 1, 9, RST, b"")],
            tcp(a, b, 1, 9, ACK, b""),
            t.tcp_closed,
        ),
        ("udp new", vec![udp(a, b, b"")], udp(a, b, b""), t.udp_new),
        (
            "udp established",
            vec![udp(a, b, b""), udp(b, a, b"")],
            udp(a, b, b""),
            t.udp_established,
        ),
        (
            "icmp new",
            vec![icmp(a.0, b.0, 8)],
            icmp(a.0, b.0, 8),
            t.icmp_new,
        ),
        (
            "icmp established",
            vec![icmp(a.0, b.0, 8), icmp(b.0, a.0, 0)],
            icmp(a.0, b.0, 8),
            t.icmp_established,
        ),
        (
            "other new",
            vec![packet(a.0, b.0, 47, Transport::Other, b"")],
            packet(a.0, b.0, 47, Transport::Other, b""),
            t.other_new,
        ),
        (
            "other established",
            vec![
                packet(a.0, b.0, 47, Transport::Other, b""),
                packet(b.0, a.0, 47, Transport::Other, b""),
            ],
            packet(a.0, b.0, 47, Transport::Other, b""),
            t.other_established,
        ),
    ];
    for (name, setup, later, timeout) in cases {
        let last = Timestamp(5_000_000 + 17);
        // Just before the timeout: the same flow.
        let mut s = Sensor::new(FlowConfig::default());
        for p in &setup {
            s.at(last, p);
        }
        let id = s.flow(&later).id;
        s.at(Timestamp(last.0 + timeout * 1_000_000 - 1), &later);
        assert_eq!(s.flow(&later).id, id, "{name}");
        assert!(s.rec.ends().is_empty(), "{name}");

        // Exactly at the timeout: the old flow ended at its last_seen, a new one began.
        let mut s = Sensor::new(FlowConfig::default());
        for p in &setup {
            s.at(last, p);
        }
        let now = last.plus_secs(timeout);
        s.at(now, &later);
        let ends = s.rec.ends();
        assert_eq!(ends.len(), 1, "{name}");
        assert_eq!((ends[0].id, ends[0].reason), (id, "timeout"), "{name}");
        assert_eq!((ends[0].start, ends[0].end), (last, last), "{name}");
        let f = s.flow(&later);
        assert_ne!(f.id, id, "{name}");
        assert_eq!(
            (f.start, f.pkts_toserver + f.pkts_toclient),
            (now, 1),
            "{name}"
        );
        assert_eq!(s.table.counters().total, 2, "{name}");
    }
}

#[test]
fn tcp_reuse_ends_the_closed_flow() {
    let mut s = Sensor::new(FlowConfig::default());
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    s.at(secs(1), &syn);
    s.at(secs(1), &tcp(SRV, CLI, 500, 101, SYN | ACK, b""));
    s.at(secs(1), &tcp(CLI, SRV, 101, 501, ACK, b""));
    let old_id = s.flow(&syn).id;
    // A new SYN on an established flow is not a reuse.
    s.at(secs(2), &tcp(CLI, SRV, 9999, 0, SYN, b""));
    assert_eq!(s.flow(&syn).id, old_id);
    s.at(secs(2), &tcp(CLI, SRV, 101, 501, FIN | ACK, b""));
    s.at(secs(2), &tcp(SRV, CLI, 501, 102, FIN | ACK, b""));
    s.at(secs(2), &tcp(CLI, SRV, 102, 502, ACK, b""));
    assert_eq!(s.tcp_state(&syn), ("closed", "closed"));
    // The original SYN retransmitted (same ISN) is not a reuse either.
    s.at(secs(3), &syn);
    assert_eq!(s.flow(&syn).id, old_id);
    // A SYN with a new ISN is.
    let syn2 = tcp(CLI, SRV, 77_000, 0, SYN, b"");
    s.at(secs(4), &syn2);
    let ends = s.rec.ends();
    assert_eq!(ends.len(), 1);
    assert_eq!(
        (ends[0].id, ends[0].reason, ends[0].end),
        (old_id, "tcp_reuse", secs(3))
    );
    let f = s.flow(&syn2);
    assert_ne!(f.id, old_id);
    assert_eq!((f.state(), f.tcp_state()), ("new", Some("syn_sent")));
    assert_eq!(f.start, secs(4));
    assert_eq!(s.table.counters().ended_tcp_reuse, 1);
    assert_eq!(s.table.counters().total, 2);
}

#[test]
fn eviction_at_max_flows_picks_the_oldest() {
    let cfg = FlowConfig {
        max_flows: 3,
        ..FlowConfig::default()
    };
    let mut s = Sensor::new(cfg);
    let a = udp((v4(1), 1), (v4(9), 53), b"");
    let b = tcp((v4(2), 2), (v4(9), 80), 1, 0, ACK, b""); // established TCP: another class
    let c = udp((v4(3), 3), (v4(9), 53), b"");
    let d = udp((v4(4), 4), (v4(9), 53), b"");
    s.at(secs(1), &a);
    s.at(secs(2), &b);
    s.at(secs(3), &c);
    s.at(secs(4), &a); // a is now recent: b is the oldest
    s.at(secs(5), &d);
    let ends = s.rec.ends();
    assert_eq!(ends.len(), 1);
    assert_eq!((ends[0].client, ends[0].reason), ((v4(2), 2), "forced"));
    assert_eq!(s.table.len(), 3);
    assert_eq!(s.table.counters().evicted, 1);
    assert_eq!(s.table.counters().active, 3);
    assert!(s.table.get(&b).is_none());
}

#[test]
fn flow_ids_are_stable_and_distinct() {
    let p = tcp(CLI, SRV, 1, 0, SYN, b"");
    let r = tcp(SRV, CLI, 1, 0, SYN | ACK, b"");
    let (k, _) = key::FlowKey::of(&p);
    let (kr, _) = key::FlowKey::of(&r);
    assert_eq!(k, kr);
    let id = k.flow_id(secs(1));
    // Pinned: the id must not change between runs, machines or versions.
    assert_eq!(id, 0x5_7CBA_E07A_6006, "id is {id:#x}");
    assert!(id != 0 && id < 1 << 51);
    assert_ne!(k.flow_id(Timestamp(1_000_001)), id);
    let (k2, _) = key::FlowKey::of(&tcp((v4(1), 40001), SRV, 1, 0, SYN, b""));
    assert_ne!(k2.flow_id(secs(1)), id);
    let mut vlan = p.clone();
    vlan.vlans = Vlans([10, 0]);
    assert_ne!(key::FlowKey::of(&vlan).0.flow_id(secs(1)), id);
    let v6 = tcp(
        (IpAddr::V6(Ipv6Addr::LOCALHOST), 1),
        (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 2),
        0,
        0,
        SYN,
        b"",
    );
    assert_ne!(key::FlowKey::of(&v6).0.flow_id(secs(1)), id);
    // Two tables give the same id to the same flow.
    let mut s1 = Sensor::new(FlowConfig::default());
    let mut s2 = Sensor::new(FlowConfig::default());
    s1.at(secs(1), &p);
    s2.at(secs(1), &p);
    assert_eq!(s1.flow(&p).id, id);
    assert_eq!(s2.flow(&r).id, id);
}

#[test]
fn counter_names_are_unique_and_never_prefixes() {
    let mut names = Vec::new();
    FlowCounters::default().visit(&mut |n, _| names.push(n));
    TcpCounters::default().visit(&mut |n, _| names.push(n));
    for a in &names {
        for b in &names {
            if a != b {
                assert!(!b.starts_with(&format!("{a}.")), "{a} is a prefix of {b}");
            }
        }
    }
    let mut dedup = names.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), names.len());
    let mut snap = Snapshot::new();
    let mut s = Sensor::new(FlowConfig::default());
    s.at(secs(1), &udp(CLI, SRV, b""));
    snap.add_set(&s.table.counters());
    snap.add_set(s.table.tcp_counters());
    assert_eq!(snap.get("flow.active"), 1);
    assert_eq!(snap.get("flow.udp"), 1);
}

// ---- Randomised traffic: timing and worker-count independence ----

/// One packet of generated traffic, owning its payload.
#[derive(Clone, Debug)]
struct Gen {
    ts: Timestamp,
    src: Ep,
    dst: Ep,
    kind: GenKind,
    payload: Vec<u8>,
}

#[derive(Clone, Debug)]
enum GenKind {
    Tcp { seq: u32, ack: u32, flags: u8 },
    Udp,
}

impl Gen {
    fn packet(&self) -> DecodedPacket<'_> {
        match self.kind {
            GenKind::Tcp { seq, ack, flags } => {
                tcp(self.src, self.dst, seq, ack, flags, &self.payload)
            }
            GenKind::Udp => udp(self.src, self.dst, &self.payload),
        }
    }
}

/// Traffic among a few hosts and ports, so that keys repeat: TCP connections
/// (handshake or mid-stream, data both ways with reordering, duplicates and
/// overlapping resends, then FIN, RST or silence; often a new connection on the
/// same ports soon after) and UDP exchanges, with idle periods that cross every
/// timeout. Sorted by time (stable).
fn traffic(seed: u64) -> Vec<Gen> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Vec::new();
    for _ in 0..40 {
        let c = (v4(1 + rng.below(3) as u8), 40000 + rng.below(2) as u16);
        let s = (
            v4(100 + rng.below(2) as u8),
            [80, 443][rng.below(2) as usize],
        );
        let mut ts = 1_000_000 + rng.below(1_500) * 1_000_000 + rng.below(1_000_000);
        if rng.below(3) == 0 {
            for _ in 0..1 + rng.below(4) {
                let (src, dst) = if rng.below(2) == 0 { (c, s) } else { (s, c) };
                let n = rng.below(30) as usize;
                let payload = (0..n).map(|_| rng.next() as u8).collect();
                ts = next_time(&mut rng, ts);
                out.push(Gen {
                    ts: Timestamp(ts),
                    src,
                    dst,
                    kind: GenKind::Udp,
                    payload,
                });
            }
            continue;
        }
        for _ in 0..1 + rng.below(3) {
            ts = tcp_connection(&mut rng, c, s, ts, &mut out);
            ts += rng.below(15_000_000); // the next connection on the same ports
        }
    }
    out.sort_by_key(|g| g.ts);
    out
}

/// The time of the next packet of a conversation: mostly soon, sometimes after
/// an idle period that may cross a timeout.
fn next_time(rng: &mut Rng, ts: u64) -> u64 {
    ts + match rng.below(25) {
        0 => rng.below(700) * 1_000_000,
        1 | 2 => rng.below(70) * 1_000_000,
        _ => rng.below(50_000),
    }
}

/// Appends one TCP connection between `c` and `s` starting after `ts`; returns
/// the time of its last packet.
fn tcp_connection(rng: &mut Rng, c: Ep, s: Ep, mut ts: u64, out: &mut Vec<Gen>) -> u64 {
    let (ci, si) = (rng.next() as u32, rng.next() as u32);
    let mut pkts: Vec<(Ep, Ep, u32, u32, u8, Vec<u8>)> = Vec::new();
    if rng.below(4) != 0 {
        pkts.push((c, s, ci, 0, SYN, Vec::new()));
        pkts.push((s, c, si, ci.wrapping_add(1), SYN | ACK, Vec::new()));
        pkts.push((
            c,
            s,
            ci.wrapping_add(1),
            si.wrapping_add(1),
            ACK,
            Vec::new(),
        ));
    }
    let (mut co, mut so) = (1u32, 1u32);
    let mut segs = Vec::new();
    for _ in 0..rng.below(8) {
        let n = 1 + rng.below(40) as u32;
        let payload: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        let (src, dst, seq, ack) = if rng.below(2) == 0 {
            co += n;
            (c, s, ci.wrapping_add(co - n), si.wrapping_add(so))
        } else {
            so += n;
            (s, c, si.wrapping_add(so - n), ci.wrapping_add(co))
        };
        if n > 3 && rng.below(4) == 0 {
            // Resent as two overlapping pieces, second first.
            let (a, b) = (n / 3, 2 * n / 3);
            let second = payload[a as usize..].to_vec();
            segs.push((src, dst, seq.wrapping_add(a), ack, ACK, second));
            segs.push((src, dst, seq, ack, ACK, payload[..b as usize].to_vec()));
        } else {
            segs.push((src, dst, seq, ack, ACK, payload));
        }
    }
    if segs.len() > 1 && rng.below(3) == 0 {
        let i = rng.below(segs.len() as u64 - 1) as usize;
        segs.swap(i, i + 1);
    }
    if !segs.is_empty() && rng.below(3) == 0 {
        let i = rng.below(segs.len() as u64) as usize;
        let dup = segs[i].clone();
        segs.push(dup);
    }
    pkts.extend(segs);
    let (cn, sn) = (ci.wrapping_add(co), si.wrapping_add(so));
    match rng.below(3) {
        0 => {
            pkts.push((c, s, cn, sn, FIN | ACK, Vec::new()));
            pkts.push((s, c, sn, cn.wrapping_add(1), FIN | ACK, Vec::new()));
            pkts.push((
                c,
                s,
                cn.wrapping_add(1),
                sn.wrapping_add(1),
                ACK,
                Vec::new(),
            ));
        }
        1 => pkts.push((s, c, sn, 0, RST, Vec::new())),
        _ => {}
    }
    for (src, dst, seq, ack, flags, payload) in pkts {
        ts = next_time(rng, ts);
        let kind = GenKind::Tcp { seq, ack, flags };
        out.push(Gen {
            ts: Timestamp(ts),
            src,
            dst,
            kind,
            payload,
        });
    }
    ts
}

/// Runs `pkts` through one table, calling `advance` as `schedule` says
/// (0: never, 1: before every packet, 2: at random times in between).
fn replay(pkts: &[Gen], schedule: u8, seed: u64) -> (Vec<Ev>, FlowCounters, TcpCounters) {
    let mut s = Sensor::new(FlowConfig::default());
    let mut rng = Rng(seed ^ 0xABCD);
    let mut prev = Timestamp(0);
    for g in pkts {
        match schedule {
            1 => s.table.advance(g.ts, &mut s.rec),
            2 if rng.below(4) == 0 => {
                let t = prev.0 + rng.below(g.ts.0 - prev.0 + 1);
                s.table.advance(Timestamp(t), &mut s.rec);
            }
            _ => {}
        }
        s.at(g.ts, &g.packet());
        prev = g.ts;
    }
    let end = prev.plus_secs(100);
    if schedule == 2 {
        s.table.advance(prev.plus_secs(50), &mut s.rec);
    }
    s.table.shutdown(end, &mut s.rec);
    (s.rec.evs, s.table.counters(), *s.table.tcp_counters())
}

#[test]
fn advance_timing_changes_nothing() {
    let mut totals = FlowCounters::default();
    let mut tcp_totals = TcpCounters::default();
    for seed in 1..=20u64 {
        let pkts = traffic(seed);
        let (never, c0, t0) = replay(&pkts, 0, seed);
        let (always, c1, t1) = replay(&pkts, 1, seed);
        let (random, c2, t2) = replay(&pkts, 2, seed);
        assert_eq!(never, always, "seed {seed}");
        assert_eq!(never, random, "seed {seed}");
        assert_eq!((c0, t0), (c1, t1), "seed {seed}");
        assert_eq!((c0, t0), (c2, t2), "seed {seed}");
        totals.merge(&c0);
        tcp_totals.merge(&t0);
    }
    // The workload does exercise what it is meant to.
    assert!(totals.ended_timeout > 0 && totals.ended_tcp_reuse > 0 && totals.ended_shutdown > 0);
    let t = tcp_totals;
    assert!(t.sessions > 0 && t.midstream_pickups > 0 && t.rst > 0 && t.fin > 0);
    assert!(t.pkt_out_of_order > 0 && t.pkt_retransmitted > 0 && t.overlap > 0);
}

/// The worker of a packet: symmetric in the two addresses, as the capture
/// thread routes.
fn route(a: IpAddr, b: IpAddr, workers: usize) -> usize {
    let bits = |ip: IpAddr| match ip {
        IpAddr::V4(v) => u64::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v) as u64,
    };
    let (x, y) = (bits(a).min(bits(b)), bits(a).max(bits(b)));
    ((x.wrapping_mul(31) ^ y.wrapping_mul(0x9E37_79B9)) % workers as u64) as usize
}

#[test]
fn worker_count_changes_no_flow_record() {
    for seed in 1..=10u64 {
        let pkts = traffic(seed);
        let mut per_n = Vec::new();
        for workers in [1usize, 2, 3] {
            let mut sensors: Vec<Sensor> = (0..workers)
                .map(|_| Sensor::new(FlowConfig::default()))
                .collect();
            for g in &pkts {
                sensors[route(g.src.0, g.dst.0, workers)].at(g.ts, &g.packet());
            }
            let mut ends = Vec::new();
            let mut data = Vec::new();
            let end = pkts.last().map_or(Timestamp(0), |g| g.ts.plus_secs(100));
            for s in &mut sensors {
                s.table.shutdown(end, &mut s.rec);
                ends.extend(s.rec.ends());
                for e in s.rec.ends() {
                    for dir in Direction::BOTH {
                        data.push((e.id, dir.index(), s.rec.bytes(e.id, dir)));
                    }
                }
            }
            ends.sort();
            data.sort();
            per_n.push((ends, data));
        }
        assert_eq!(per_n[0], per_n[1], "seed {seed}");
        assert_eq!(per_n[0], per_n[2], "seed {seed}");
    }
}

// ---- Throughput (run by hand: cargo test --release --lib flow::tests::throughput -- --ignored --nocapture) ----

/// Counts delivered bytes, so the work cannot be optimised away.
#[derive(Default)]
struct ByteCounter(u64);

impl FlowHandler for ByteCounter {
    fn on_stream(&mut self, _: &mut Flow, _: Direction, event: StreamEvent<'_>) {
        if let StreamEvent::Data { data, .. } = event {
            self.0 += data.len() as u64;
        }
    }
}

#[test]
#[ignore = "measurement; run in release"]
fn throughput() {
    let mut rng = Rng(42);
    let flows: u32 = std::env::var("FLOWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut pkts: Vec<Gen> = Vec::new();
    let payload = vec![0x41u8; 400];
    // Per flow: handshake, 12 data segments each way (in order), FIN/FIN/ACK;
    // one flow in five is UDP instead.
    let mut per_flow: Vec<Vec<Gen>> = Vec::new();
    for f in 0..flows {
        let c = (
            IpAddr::V4(Ipv4Addr::from(0x0A00_0000 + f)),
            1024 + (f % 60000) as u16,
        );
        let s = (IpAddr::V4(Ipv4Addr::new(192, 168, 1, (f % 200) as u8)), 443);
        let mut v = Vec::new();
        let mk = |src, dst, kind, payload: &[u8]| Gen {
            ts: Timestamp(0),
            src,
            dst,
            kind,
            payload: payload.to_vec(),
        };
        if f % 5 == 0 {
            for i in 0..26 {
                let (a, b) = if i % 2 == 0 { (c, s) } else { (s, c) };
                v.push(mk(a, b, GenKind::Udp, &payload[..100]));
            }
        } else {
            let (ci, si) = (rng.next() as u32, rng.next() as u32);
            let t = |seq, ack, flags| GenKind::Tcp { seq, ack, flags };
            v.push(mk(c, s, t(ci, 0, SYN), b""));
            v.push(mk(s, c, t(si, ci.wrapping_add(1), SYN | ACK), b""));
            v.push(mk(
                c,
                s,
                t(ci.wrapping_add(1), si.wrapping_add(1), ACK),
                b"",
            ));
            for i in 0..12u32 {
                let (co, so) = (1 + i * 400, 1 + i * 400);
                v.push(mk(
                    c,
                    s,
                    t(ci.wrapping_add(co), si.wrapping_add(so), ACK),
                    &payload,
                ));
                v.push(mk(
                    s,
                    c,
                    t(si.wrapping_add(so), ci.wrapping_add(co + 400), ACK),
                    &payload,
                ));
            }
            let (cn, sn) = (ci.wrapping_add(1 + 4800), si.wrapping_add(1 + 4800));
            v.push(mk(c, s, t(cn, sn, FIN | ACK), b""));
            v.push(mk(s, c, t(sn, cn.wrapping_add(1), FIN | ACK), b""));
            v.push(mk(
                c,
                s,
                t(cn.wrapping_add(1), sn.wrapping_add(1), ACK),
                b"",
            ));
        }
        v.reverse();
        per_flow.push(v);
    }
    // Interleave: pick a random live flow for each next packet.
    let mut live: Vec<usize> = (0..per_flow.len()).collect();
    let mut ts = 1_000_000_000u64;
    while !live.is_empty() {
        let i = rng.below(live.len() as u64) as usize;
        let f = live[i];
        match per_flow[f].pop() {
            Some(mut g) => {
                ts += 1;
                g.ts = Timestamp(ts);
                pkts.push(g);
            }
            None => {
                live.swap_remove(i);
            }
        }
    }
    let decoded: Vec<DecodedPacket<'_>> = pkts.iter().map(Gen::packet).collect();
    let metas: Vec<PacketMeta> = pkts
        .iter()
        .map(|g| PacketMeta {
            ts: g.ts,
            wire_len: 54 + g.payload.len() as u32,
            iface: 0,
            pcap_cnt: 0,
        })
        .collect();
    for round in 0..3 {
        let mut table = FlowTable::new(FlowConfig::default());
        let mut h = ByteCounter::default();
        let start = std::time::Instant::now();
        for (p, m) in decoded.iter().zip(&metas) {
            table.process(p, m, &mut h);
        }
        let secs = start.elapsed().as_secs_f64();
        table.shutdown(Timestamp(ts), &mut h);
        eprintln!(
            "round {round}: {} packets, {} flows, {:.2} Mpkt/s, {} bytes delivered",
            decoded.len(),
            flows,
            decoded.len() as f64 / secs / 1e6,
            h.0
        );
    }
}

/// What the correlator is told each connection attempt became, from the
/// flow record alone.
#[test]
fn connection_outcomes_for_the_correlator() {
    use crate::correlate::ConnOutcome as O;
    use crate::correlate::from_flow::conn_outcome;
    let outcome = |pkts: &[&DecodedPacket<'_>]| {
        let mut s = Sensor::new(FlowConfig::default());
        for p in pkts {
            s.at(secs(1), p);
        }
        conn_outcome(s.flow(pkts[0]))
    };
    let syn = tcp(CLI, SRV, 100, 0, SYN, b"");
    let syn_ack = tcp(SRV, CLI, 500, 101, SYN | ACK, b"");
    let ack = tcp(CLI, SRV, 101, 501, ACK, b"");
    assert_eq!(outcome(&[&syn, &syn_ack, &ack]), O::Established);
    // A SYN scan: SYN+ACK answered by the scanner's RST, or never.
    let rst = tcp(CLI, SRV, 101, 0, RST, b"");
    assert_eq!(outcome(&[&syn, &syn_ack, &rst]), O::HalfOpen);
    assert_eq!(outcome(&[&syn, &syn_ack]), O::HalfOpen);
    assert_eq!(
        outcome(&[&syn, &tcp(SRV, CLI, 0, 101, RST | ACK, b"")]),
        O::Refused
    );
    assert_eq!(outcome(&[&syn]), O::Unanswered);
    let xmas = tcp(CLI, SRV, 100, 0, FIN | PSH | 0x20, b"");
    assert_eq!(
        outcome(&[&xmas]),
        O::Stealth {
            flags: FIN | PSH | 0x20
        }
    );
    assert_eq!(
        outcome(&[&tcp(CLI, SRV, 100, 0, 0, b"")]),
        O::Stealth { flags: 0 }
    );
    // Picked up mid-stream: not a probe.
    let data = tcp(CLI, SRV, 7777, 9000, ACK | PSH, b"x");
    assert_eq!(outcome(&[&data]), O::Other { answered: false });
    let q = udp(CLI, SRV, b"q");
    assert_eq!(outcome(&[&q]), O::UdpUnanswered);
    assert_eq!(outcome(&[&q, &udp(SRV, CLI, b"a")]), O::UdpAnswered);
    // A DNS answer whose query was not captured: no probe.
    let answer = udp((SRV.0, 53), (CLI.0, 40000), b"a");
    assert_eq!(outcome(&[&answer]), O::Other { answered: true });
    let ping = icmp(CLI.0, SRV.0, 8);
    assert_eq!(outcome(&[&ping]), O::EchoUnanswered);
    assert_eq!(outcome(&[&ping, &icmp(SRV.0, CLI.0, 0)]), O::EchoAnswered);
}
