//! End-to-end replay through the library: pcaps built in the test, run through
//! capture → dispatch → decode → defrag → flows → stream reassembly → EVE, with an
//! inspector that records exactly what the flow table delivered.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::*;
use wardwatch::config::{Config, RawConfig};
use wardwatch::decode::DecodedPacket;
use wardwatch::flow::{Direction, EndReason, Flow, FlowHandler, PacketMeta, StreamEvent};
use wardwatch::pipeline::{self, InspectorFactory, Summary};

/// What the inspector saw, by (flow_id, direction).
#[derive(Default, Debug)]
struct Seen {
    /// Reassembled stream bytes.
    stream: BTreeMap<(u64, bool), Vec<u8>>,
    /// Gap events (offset, len).
    gaps: BTreeMap<(u64, bool), Vec<(u64, u64)>>,
    /// DepthReached offsets.
    depth: BTreeMap<(u64, bool), u64>,
    /// Payloads of non-TCP packets as delivered (after defragmentation).
    datagrams: Vec<(u64, Vec<u8>)>,
    /// Flows ended, with reason.
    ended: Vec<(u64, &'static str)>,
}

struct Recorder(Arc<Mutex<Seen>>);

fn key(flow: &Flow, dir: Direction) -> (u64, bool) {
    (flow.id, matches!(dir, Direction::ToServer))
}

impl FlowHandler for Recorder {
    fn on_packet(
        &mut self,
        flow: &mut Flow,
        _: Direction,
        pkt: &DecodedPacket<'_>,
        _: &PacketMeta,
    ) {
        if pkt.ip_proto != 6 {
            let mut s = self.0.lock().expect("lock");
            s.datagrams.push((flow.id, pkt.payload.to_vec()));
        }
    }

    fn on_stream(&mut self, flow: &mut Flow, dir: Direction, event: StreamEvent<'_>) {
        let mut s = self.0.lock().expect("lock");
        let k = key(flow, dir);
        match event {
            StreamEvent::Data { offset, data } => {
                let buf = s.stream.entry(k).or_default();
                // Never delivered twice: each chunk starts at or after the end of
                // what came before (after a gap, beyond it).
                assert!(
                    offset as usize >= buf.len(),
                    "data delivered twice at {offset}"
                );
                buf.extend_from_slice(data);
            }
            StreamEvent::Gap { offset, len } => {
                s.gaps.entry(k).or_default().push((offset, len));
            }
            StreamEvent::DepthReached { offset } => {
                s.depth.insert(k, offset);
            }
            StreamEvent::Closed => {}
        }
    }

    fn on_flow_end(&mut self, flow: &mut Flow, reason: EndReason) {
        self.0
            .lock()
            .expect("lock")
            .ended
            .push((flow.id, reason.as_str()));
    }
}

struct Run {
    summary: Summary,
    events: Vec<serde_json::Value>,
    seen: Seen,
    _dir: tempfile::TempDir,
}

impl Run {
    fn flows(&self) -> Vec<&serde_json::Value> {
        events_of_type(&self.events, "flow")
    }

    fn last_stats(&self) -> &serde_json::Value {
        events_of_type(&self.events, "stats")
            .into_iter()
            .last()
            .expect("a stats event")
    }

    fn stream_to_server(&self) -> Vec<u8> {
        self.only_stream(true)
    }

    fn stream_to_client(&self) -> Vec<u8> {
        self.only_stream(false)
    }

    fn only_stream(&self, to_server: bool) -> Vec<u8> {
        let v: Vec<_> = self
            .seen
            .stream
            .iter()
            .filter(|((_, d), _)| *d == to_server)
            .collect();
        assert!(v.len() <= 1, "more than one stream: {:?}", v.len());
        v.first().map(|(_, b)| (*b).clone()).unwrap_or_default()
    }
}

fn config(toml: &str, workers: usize) -> Config {
    let mut c = RawConfig::parse(toml, Path::new("test.toml"))
        .and_then(|r| r.validate())
        .expect("test config is valid");
    c.workers = workers;
    c.stats_interval = 0;
    c
}

fn replay_files(files: &[PathBuf], toml: &str, workers: usize) -> Run {
    let dir = tempfile::tempdir().expect("tmp");
    let mut cfg = config(toml, workers);
    cfg.eve_path = Some(dir.path().join("eve.json"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s2 = Arc::clone(&seen);
    let factory: InspectorFactory = Arc::new(move |_| Box::new(Recorder(Arc::clone(&s2))));
    let summary = pipeline::replay(&cfg, files, Some(factory)).expect("replay runs");
    let events = read_eve(dir.path().join("eve.json"));
    let seen = std::mem::take(&mut *seen.lock().expect("lock"));
    Run {
        summary,
        events,
        seen,
        _dir: dir,
    }
}

fn replay_frames(linktype: u32, frames: &[Frame], toml: &str, workers: usize) -> Run {
    let (dir, path) = temp_pcap(linktype, frames);
    let run = replay_files(&[path], toml, workers);
    drop(dir);
    run
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

fn simple_session(link: Link) -> (Vec<Frame>, Vec<u8>, Vec<u8>) {
    let mut s = TcpSession::new(client4(), 40000, server4(), 80, 1000, 9000).over(link);
    let req = b"GET /index.html HTTP/1.1\r\nHost: ehr.hospital.example\r\n\r\n".to_vec();
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec();
    let mut frames = s.handshake();
    frames.push(s.send(Dir::ToServer, &req));
    frames.push(s.ack(Dir::ToClient));
    frames.push(s.send(Dir::ToClient, &resp));
    frames.push(s.ack(Dir::ToServer));
    frames.extend(s.close());
    (frames, req, resp)
}

#[test]
fn tcp_session_gives_one_closed_flow_with_exact_counters() {
    let (frames, req, resp) = simple_session(Link::Ethernet);
    let run = replay_frames(1, &frames, "", 2);
    let flows = run.flows();
    assert_eq!(flows.len(), 1, "{flows:?}");
    let f = flows[0];
    assert_eq!(f["src_ip"], "10.20.30.40");
    assert_eq!(f["src_port"], 40000);
    assert_eq!(f["dest_ip"], "10.20.1.10");
    assert_eq!(f["dest_port"], 80);
    assert_eq!(f["proto"], "TCP");
    // S, A, PA, PA, A, FA, A (client) vs SA, A, FA (server)
    assert_eq!(f["flow"]["pkts_toserver"], 6);
    assert_eq!(f["flow"]["pkts_toclient"], 4);
    let bytes_ts: usize = frames
        .iter()
        .filter(|fr| fr.data[26..30] == [10, 20, 30, 40])
        .map(|fr| fr.data.len())
        .sum();
    assert_eq!(f["flow"]["bytes_toserver"], bytes_ts as u64);
    assert_eq!(f["flow"]["state"], "closed");
    assert_eq!(f["tcp"]["syn"], true);
    assert_eq!(f["tcp"]["fin"], true);
    assert_eq!(f["flow"]["start"], "2024-04-01T09:30:00.000000+00:00");
    assert_eq!(f["timestamp"], f["flow"]["end"]);
    assert!(f["flow_id"].as_u64().unwrap_or(0) > 0);
    assert_eq!(run.stream_to_server(), req);
    assert_eq!(run.stream_to_client(), resp);
    let stats = run.last_stats();
    assert_eq!(stats["stats"]["decoder"]["pkts"], frames.len() as u64);
    assert_eq!(stats["stats"]["flow"]["total"], 1);
    assert_eq!(stats["stats"]["decoder"]["invalid"], 0);
    assert_eq!(run.summary.packets(), frames.len() as u64);
}

#[test]
fn every_link_type_decodes_the_same_session() {
    let mut reference: Option<(serde_json::Value, Vec<u8>)> = None;
    for link in Link::ALL {
        let (frames, req, _) = simple_session(link);
        let run = replay_frames(link.linktype(), &frames, "", 1);
        let flows = run.flows();
        assert_eq!(flows.len(), 1, "{link:?}: {flows:?}");
        let mut f = flows[0].clone();
        assert_eq!(run.stream_to_server(), req, "{link:?}");
        let vlan = f.as_object_mut().and_then(|o| o.remove("vlan"));
        match link {
            Link::Vlan(id) => assert_eq!(vlan, Some(serde_json::json!([id]))),
            Link::QinQ { outer, inner } => {
                assert_eq!(vlan, Some(serde_json::json!([outer, inner])))
            }
            _ => assert_eq!(vlan, None, "{link:?}"),
        }
        // Byte counts differ by link header size; compare the rest.
        for k in ["bytes_toserver", "bytes_toclient"] {
            f["flow"].as_object_mut().map(|o| o.remove(k));
        }
        f.as_object_mut().map(|o| o.remove("flow_id"));
        match &reference {
            None => reference = Some((f, req)),
            Some((r, _)) => assert_eq!(&f, r, "{link:?} differs from Ethernet"),
        }
    }
}

#[test]
fn same_addresses_in_two_vlans_are_two_flows() {
    let (mut a, _, _) = simple_session(Link::Vlan(10));
    let (b, _, _) = simple_session(Link::Vlan(20));
    a.extend(b);
    restamp(&mut a, T0_MICROS, 1000);
    let run = replay_frames(1, &a, "", 2);
    let mut vlans: Vec<_> = run.flows().iter().map(|f| f["vlan"].clone()).collect();
    vlans.sort_by_key(|v| v.to_string());
    assert_eq!(
        vlans,
        vec![serde_json::json!([10]), serde_json::json!([20])]
    );
}

#[test]
fn ipv6_with_extension_headers() {
    let exts = [Ipv6Ext::HopByHop, Ipv6Ext::DestinationOptions];
    let c = Host::v6("2001:db8:20::40");
    let s = Host::v6("2001:db8:1::10");
    let mut frames = Vec::new();
    for (i, payload) in [b"first".as_slice(), b"second".as_slice()]
        .iter()
        .enumerate()
    {
        let ip6 = udp_ip(c, 5353, s, 514, payload);
        let with = with_ipv6_ext_headers(&ip6, &exts);
        frames.push(Frame::new(
            T0_MICROS + i as u64,
            encapsulate(Link::Ethernet, &with),
        ));
    }
    let tcp6 = with_ipv6_ext_headers(
        &tcp_ip(c, 41000, s, 443, 77, 0, "S", b""),
        &[Ipv6Ext::HopByHop],
    );
    frames.push(Frame::new(
        T0_MICROS + 5,
        encapsulate(Link::Ethernet, &tcp6),
    ));
    let run = replay_frames(1, &frames, "", 2);
    let flows = run.flows();
    let udp = flows
        .iter()
        .find(|f| f["proto"] == "UDP")
        .expect("udp flow");
    assert_eq!(udp["src_ip"], "2001:db8:20::40");
    assert_eq!(udp["dest_port"], 514);
    assert_eq!(udp["flow"]["pkts_toserver"], 2);
    let tcp = flows
        .iter()
        .find(|f| f["proto"] == "TCP")
        .expect("tcp flow");
    assert_eq!(tcp["dest_port"], 443);
    assert_eq!(tcp["flow"]["state"], "new");
    let payloads: Vec<_> = run.seen.datagrams.iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(payloads, vec![b"first".to_vec(), b"second".to_vec()]);
}

fn fragmented_udp(v6: bool) -> (Vec<u8>, Vec<Vec<u8>>) {
    let payload: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    if v6 {
        let ip = udp_ip(client6(), 7000, server6(), 2049, &payload);
        let frags = fragment_ipv6(&ip, 1000, 0xabcd);
        (payload, frags)
    } else {
        let ip = udp_ip(client4(), 7000, server4(), 2049, &payload);
        (payload, fragment_ipv4(&ip, 1000))
    }
}

fn frames_of(ips: &[Vec<u8>]) -> Vec<Frame> {
    frames_at(
        T0_MICROS,
        100,
        ips.iter().map(|p| encapsulate(Link::Ethernet, p)),
    )
}

#[test]
fn fragments_in_order_reversed_and_shuffled_reassemble() {
    for v6 in [false, true] {
        let (payload, frags) = fragmented_udp(v6);
        assert!(frags.len() >= 3);
        let mut orders = vec![frags.clone()];
        let mut rev = frags.clone();
        rev.reverse();
        orders.push(rev);
        let mut shuf = frags.clone();
        shuffle_with_seed(&mut shuf, 7);
        orders.push(shuf);
        for (n, order) in orders.iter().enumerate() {
            let run = replay_frames(1, &frames_of(order), "", 3);
            assert_eq!(
                run.seen.datagrams.len(),
                1,
                "v6={v6} order {n}: one datagram expected"
            );
            assert_eq!(run.seen.datagrams[0].1, payload, "v6={v6} order {n}");
            let flows = run.flows();
            assert_eq!(flows.len(), 1);
            assert_eq!(flows[0]["dest_port"], 2049);
            let st = &run.last_stats()["stats"];
            let fam = if v6 { "ipv6" } else { "ipv4" };
            assert_eq!(st["defrag"][fam]["fragments"], order.len() as u64);
            assert_eq!(st["defrag"][fam]["reassembled"], 1);
            assert_eq!(st["decoder"]["pkts"], order.len() as u64);
        }
    }
}

#[test]
fn overlapping_fragments_first_arrival_wins() {
    for v6 in [false, true] {
        let payload: Vec<u8> = (0..64u32).map(|i| b'a' + (i % 26) as u8).collect();
        let ip = if v6 {
            udp_ip(client6(), 7000, server6(), 9999, &payload)
        } else {
            udp_ip(client4(), 7000, server4(), 9999, &payload)
        };
        let ov = if v6 {
            overlapping_ipv6(&ip, 0x77, 24, b"XXXXXXXXXXXXXXXX")
        } else {
            overlapping_ipv4(&ip, 24, b"XXXXXXXXXXXXXXXX")
        };
        // In capture order: the original bytes arrive first and win.
        let run = replay_frames(1, &frames_of(&ov.fragments), "", 2);
        let got = &run.seen.datagrams.first().expect("reassembled").1;
        let hdr = 8; // UDP header precedes the payload in the fragmentable part
        assert_eq!(got[..], ov.original_payload[hdr..], "v6={v6}");
        let st = &run.last_stats()["stats"];
        assert_eq!(st["defrag"]["overlap"], 1, "v6={v6}");
        // Reversed: the replacement arrives first and wins — deterministically.
        let mut rev = ov.fragments.clone();
        rev.reverse();
        let run = replay_frames(1, &frames_of(&rev), "", 2);
        let got = &run.seen.datagrams.first().expect("reassembled").1;
        assert_eq!(got[..], ov.replaced_payload[hdr..], "v6={v6} reversed");
    }
}

#[test]
fn tcp_out_of_order_retransmitted_and_overlapping_segments() {
    let mut s = TcpSession::new(client4(), 40001, server4(), 104, 4_294_967_000, 1);
    let mut frames = s.handshake();
    let data: Vec<u8> = (0..6000u32).map(|i| (i * 7 % 256) as u8).collect();
    let base = s.next_seq(Dir::ToServer);
    let mut segs = s.send_segments(Dir::ToServer, &data, 1000);
    // Out of order: segments 1 and 3 swapped, so segment 3 (3000..4000) waits
    // in the buffer; while it waits, a segment with different bytes over
    // 3200..3800 arrives (first wins: the buffered original is kept); segment
    // 2 is retransmitted after it was delivered (never delivered twice).
    segs.swap(1, 3);
    let overlap = s.segment_at(Dir::ToServer, base.wrapping_add(3200), "PA", &[0xEE; 600]);
    segs.insert(2, overlap);
    let retrans = segs[3].clone();
    segs.insert(5, retrans);
    frames.extend(segs);
    frames.push(s.ack(Dir::ToClient));
    frames.extend(s.close());
    restamp(&mut frames, T0_MICROS, 500);
    let run = replay_frames(1, &frames, "", 2);
    assert_eq!(
        run.stream_to_server(),
        data,
        "stream differs from what was sent"
    );
    assert!(run.seen.gaps.is_empty(), "{:?}", run.seen.gaps);
    let tcp = &run.last_stats()["stats"]["tcp"];
    assert_eq!(tcp["overlap"], 1, "{tcp}");
    assert_eq!(tcp["overlap_diff_data"], 1, "{tcp}");
    assert!(tcp["pkt_retransmitted"].as_u64().unwrap_or(0) >= 1, "{tcp}");
    // segments 3, the overlap and 2 arrive ahead of the hole at 1000
    assert_eq!(tcp["pkt_out_of_order"], 3, "{tcp}");
    assert_eq!(tcp["reassembly_gap"], 0);
}

#[test]
fn stream_picked_up_mid_connection_is_inspected() {
    let mut s = TcpSession::new(client4(), 40002, server4(), 445, 5000, 6000);
    let _ = s.handshake(); // not in the capture
    let frames = vec![
        s.send(Dir::ToServer, b"first bytes seen"),
        s.ack(Dir::ToClient),
        s.send(Dir::ToClient, b"reply"),
    ];
    let run = replay_frames(1, &frames, "", 1);
    assert_eq!(run.stream_to_server(), b"first bytes seen");
    assert_eq!(run.stream_to_client(), b"reply");
    assert_eq!(run.last_stats()["stats"]["tcp"]["midstream_pickups"], 1);
    assert_eq!(run.flows()[0]["flow"]["state"], "established");
}

#[test]
fn missing_segment_becomes_a_flagged_gap() {
    let mut s = TcpSession::new(client4(), 40003, server4(), 80, 100, 200);
    let mut frames = s.handshake();
    let segs = s.send_segments(Dir::ToServer, &[b'z'; 3000], 1000);
    frames.push(segs[0].clone());
    frames.push(segs[2].clone()); // segs[1] never arrives
    frames.push(s.rst(Dir::ToClient));
    let run = replay_frames(1, &frames, "", 1);
    let gaps: Vec<_> = run.seen.gaps.values().flatten().copied().collect();
    assert_eq!(gaps, vec![(1000, 1000)]);
    assert_eq!(run.stream_to_server(), vec![b'z'; 2000]);
    assert_eq!(run.last_stats()["stats"]["tcp"]["reassembly_gap"], 1);
    assert_eq!(run.flows()[0]["flow"]["gap"], true);
}

#[test]
fn stream_depth_is_configurable() {
    let mut s = TcpSession::new(client4(), 40004, server4(), 21, 1, 2);
    let mut frames = s.handshake();
    frames.extend(s.send_segments(Dir::ToServer, &[b'q'; 5000], 1400));
    frames.extend(s.close());
    let run = replay_frames(1, &frames, "[stream]\ndepth = 2048\n", 1);
    assert_eq!(run.stream_to_server().len(), 2048);
    assert_eq!(
        run.seen.depth.values().copied().collect::<Vec<_>>(),
        vec![2048]
    );
    assert_eq!(run.last_stats()["stats"]["tcp"]["stream_depth_reached"], 1);
}

#[test]
fn flows_time_out_on_packet_time() {
    let c = client4();
    let s = server4();
    let frames = vec![
        Frame::new(T0_MICROS, udp(c, 5000, s, 53, b"q1")),
        Frame::new(T0_MICROS + 1_000, udp(s, 53, c, 5000, b"a1")),
        // 31 s later — past udp_established? no: established timeout is 300 s.
        Frame::new(T0_MICROS + 31_000_000, udp(c, 5000, s, 53, b"q2")),
        // 400 s later: the flow timed out; this starts a new one.
        Frame::new(T0_MICROS + 431_000_000, udp(c, 5000, s, 53, b"q3")),
    ];
    let run = replay_frames(1, &frames, "", 2);
    let mut flows = run.flows();
    flows.sort_by_key(|f| f["flow"]["start"].as_str().unwrap_or("").to_string());
    assert_eq!(flows.len(), 2, "{flows:?}");
    assert_eq!(flows[0]["flow"]["reason"], "timeout");
    assert_eq!(flows[0]["flow"]["pkts_toserver"], 2);
    assert_eq!(flows[0]["flow"]["state"], "established");
    assert_eq!(flows[0]["flow"]["end"], "2024-04-01T09:30:31.000000+00:00");
    assert_eq!(flows[1]["flow"]["reason"], "shutdown");
    assert_eq!(flows[1]["flow"]["state"], "new");
    assert_ne!(flows[0]["flow_id"], flows[1]["flow_id"]);
}

#[test]
fn malformed_packets_are_counted_and_skipped() {
    let good = udp(client4(), 1, server4(), 2, b"ok");
    let mut short_ip = good.clone();
    short_ip.truncate(14 + 10); // IPv4 header cut
    let mut bad_ihl = good.clone();
    bad_ihl[14] = 0x42; // IHL 2 (< 5)
    let runt = vec![0u8; 6]; // not even an Ethernet header
    let frames = frames_at(
        T0_MICROS,
        10,
        vec![good.clone(), short_ip, bad_ihl, runt, good],
    );
    let run = replay_frames(1, &frames, "", 2);
    let st = &run.last_stats()["stats"];
    assert_eq!(st["decoder"]["pkts"], 5);
    assert_eq!(st["decoder"]["invalid"], 3);
    let flows = run.flows();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["flow"]["pkts_toserver"], 2);
    // Each invalid packet has exactly one reason counter.
    let mut reasons = 0;
    fn sum(v: &serde_json::Value) -> u64 {
        match v {
            serde_json::Value::Number(n) => n.as_u64().unwrap_or(0),
            serde_json::Value::Object(m) => m.values().map(sum).sum(),
            _ => 0,
        }
    }
    reasons += sum(&st["decoder"]["event"]);
    assert_eq!(reasons, 3, "{}", st["decoder"]["event"]);
}

#[test]
fn several_files_pcapng_and_nanosecond_pcap_in_order() {
    let (frames, req, _) = simple_session(Link::Ethernet);
    let (a, b) = frames.split_at(4);
    let (c, d) = b.split_at(3);
    let dir = tempfile::tempdir().expect("tmp");
    let p1 = dir.path().join("1.pcap");
    let p2 = dir.path().join("2.pcapng");
    let p3 = dir.path().join("3.pcap");
    write_pcap(&p1, 1, a).expect("write");
    write_pcapng(&p2, 1, c).expect("write");
    write_pcap_nanos(&p3, 1, d).expect("write");
    let run = replay_files(&[p1, p2, p3], "", 2);
    assert_eq!(run.flows().len(), 1);
    assert_eq!(run.stream_to_server(), req);
    let f = run.flows()[0];
    assert_eq!(f["flow"]["state"], "closed");
    // The flow's interface is the file its first packet came from.
    assert_eq!(f["in_iface"], "1.pcap");
    let last = frames.last().expect("frames").ts_micros;
    assert_eq!(f["flow"]["end"], wardwatch::time::Timestamp(last).rfc3339());
    assert_eq!(run.summary.packets(), frames.len() as u64);
}

/// A mixed capture for the determinism check: many TCP sessions (some out of
/// order), UDP, fragments, VLANs, ICMP, timeouts.
fn mixed_capture() -> Vec<Frame> {
    let mut all: Vec<Frame> = Vec::new();
    for i in 0..60u32 {
        let c = Host::v4(&format!("10.1.{}.{}", i % 7, 10 + i));
        let s = Host::v4(&format!("10.2.0.{}", 1 + i % 5));
        let link = match i % 3 {
            0 => Link::Ethernet,
            1 => Link::Vlan(100 + (i % 2) as u16),
            _ => Link::QinQ { outer: 5, inner: 6 },
        };
        let mut t = TcpSession::new(
            c,
            30000 + i as u16,
            s,
            80 + (i % 4) as u16,
            i * 1000,
            i * 77,
        )
        .over(link)
        .starting_at(T0_MICROS + u64::from(i) * 2_000_000)
        .with_step(3000);
        let mut f = t.handshake();
        let mut segs = t.send_segments(Dir::ToServer, &vec![b'a' + (i % 26) as u8; 2500], 700);
        if i % 4 == 0 {
            segs.reverse();
        }
        f.extend(segs);
        f.push(t.send(Dir::ToClient, b"HTTP/1.1 200 OK\r\n\r\n"));
        if i % 5 != 0 {
            f.extend(t.close());
        }
        all.extend(f);
        let u = udp(c, 40000 + i as u16, s, 53, b"dns?");
        all.push(Frame::new(T0_MICROS + u64::from(i) * 1_500_000 + 7, u));
        if i % 6 == 0 {
            let payload = vec![i as u8; 2000];
            let ip = udp_ip(c, 6000, s, 2049, &payload);
            for (k, fr) in fragment_ipv4(&ip, 800).into_iter().rev().enumerate() {
                all.push(Frame::new(
                    T0_MICROS + u64::from(i) * 1_700_000 + k as u64,
                    encapsulate(Link::Ethernet, &fr),
                ));
            }
        }
        all.push(Frame::new(
            T0_MICROS + u64::from(i) * 5_000_000,
            icmpv4_echo(c, s, Echo::Request, i as u16, 1, b"ping"),
        ));
    }
    all.sort_by_key(|f| f.ts_micros);
    all
}

fn normalised_flows(run: &Run) -> Vec<String> {
    let mut v: Vec<String> = run.flows().iter().map(|f| f.to_string()).collect();
    v.sort();
    v
}

#[test]
fn replay_is_deterministic_across_worker_counts() {
    let frames = mixed_capture();
    let one = replay_frames(1, &frames, "", 1);
    let four = replay_frames(1, &frames, "", 4);
    let again = replay_frames(1, &frames, "", 4);
    let a = normalised_flows(&one);
    assert!(a.len() > 150, "{} flows", a.len());
    assert_eq!(a, normalised_flows(&four), "1 worker vs 4 workers");
    assert_eq!(a, normalised_flows(&again), "4 workers twice");
    // Reassembled streams too.
    assert_eq!(one.seen.stream, four.seen.stream);
    let s1 = &one.last_stats()["stats"];
    let s4 = &four.last_stats()["stats"];
    for k in ["pkts", "bytes", "invalid"] {
        assert_eq!(s1["decoder"][k], s4["decoder"][k], "decoder.{k}");
    }
    assert_eq!(s1["flow"]["total"], s4["flow"]["total"]);
    assert_eq!(s1["decoder"]["pkts"], frames.len() as u64);
}

#[test]
fn flow_events_use_client_as_source_and_icmp_type() {
    let frames = frames_at(
        T0_MICROS,
        1000,
        vec![
            icmpv4_echo(client4(), server4(), Echo::Request, 9, 1, b"x"),
            icmpv4_echo(server4(), client4(), Echo::Reply, 9, 1, b"x"),
        ],
    );
    let run = replay_frames(1, &frames, "", 2);
    let flows = run.flows();
    assert_eq!(flows.len(), 1);
    let f = flows[0];
    assert_eq!(f["proto"], "ICMP");
    assert_eq!(f["icmp_type"], 8);
    assert!(f.get("src_port").is_none());
    assert_eq!(
        f["src_ip"],
        serde_json::json!(ip("10.20.30.40").to_string())
    );
    assert_eq!(f["flow"]["pkts_toclient"], 1);
}

#[test]
fn merged_pcapng_with_mixed_interfaces() {
    // What mergecap makes of two sensors' captures: an Ethernet interface in
    // microseconds and a raw-IP one in nanoseconds with another snaplen, plus
    // an interface of a link type wardwatch does not decode (802.11, 105).
    // libpcap refuses such files; wardwatch reads every packet of both.
    let ifaces = [
        NgInterface {
            linktype: 1,
            snaplen: 262_144,
            tsresol: 6,
        },
        NgInterface {
            linktype: 101,
            snaplen: 65_535,
            tsresol: 9,
        },
        NgInterface {
            linktype: 105,
            snaplen: 2_048,
            tsresol: 6,
        },
    ];
    let c = client4();
    let s = server4();
    let frames = vec![
        (0, Frame::new(T0_MICROS, udp(c, 5000, s, 53, b"eth"))),
        (
            1,
            Frame::new(T0_MICROS + 1_500, udp_ip(s, 53, c, 5000, b"raw")),
        ),
        (
            2,
            Frame::new(T0_MICROS + 2_000, vec![0x08, 0x00, 0, 0, 1, 2, 3]),
        ),
        (
            0,
            Frame::new(T0_MICROS + 3_000_123, udp(c, 5000, s, 53, b"eth2")),
        ),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("merged.pcapng");
    std::fs::write(&path, pcapng_multi_bytes(&ifaces, &frames)).expect("write");
    let run = replay_files(&[path], "", 2);
    let flows = run.flows();
    assert_eq!(flows.len(), 1, "{flows:?}");
    let f = flows[0];
    assert_eq!(f["flow"]["pkts_toserver"], 2);
    assert_eq!(f["flow"]["pkts_toclient"], 1);
    assert_eq!(f["flow"]["start"], "2024-04-01T09:30:00.000000+00:00");
    assert_eq!(f["flow"]["end"], "2024-04-01T09:30:03.000123+00:00");
    let st = &run.last_stats()["stats"]["decoder"];
    assert_eq!(st["pkts"], 4);
    assert_eq!(st["unsupported_link"], 1);
    assert_eq!(st["invalid"], 0);
    let payloads: Vec<_> = run.seen.datagrams.iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(
        payloads,
        vec![b"eth".to_vec(), b"raw".to_vec(), b"eth2".to_vec()]
    );
}

#[test]
fn truncated_pcapng_keeps_the_packets_before_the_cut() {
    let (frames, _, _) = simple_session(Link::Ethernet);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("cut.pcapng");
    write_pcapng(&path, 1, &frames).expect("write");
    truncate_file(&path, 7).expect("truncate");
    let run = replay_files(&[path], "", 1);
    assert_eq!(run.summary.packets(), frames.len() as u64 - 1);
    assert_eq!(run.summary.warnings.len(), 1, "{:?}", run.summary.warnings);
    assert!(
        run.summary.warnings[0].contains("cut.pcapng")
            && run.summary.warnings[0].contains(&format!("after record {}", frames.len() - 1)),
        "{:?}",
        run.summary.warnings
    );
}
