//! Conversations read back from capture files: the payloads of each TCP
//! connection and UDP flow in capture order, with their direction — what
//! parser tests, fuzzing and benches feed to the app layer directly.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use wardwatch::flow::Direction;

/// One TCP connection or UDP flow of a capture.
#[derive(Clone, Debug)]
pub struct Conversation {
    /// TCP (true) or UDP.
    pub tcp: bool,
    /// Client and server ports (the client sent the first packet, or the SYN).
    pub client_port: u16,
    /// Server port.
    pub server_port: u16,
    /// Payloads in capture order (segments or datagrams), with their sender.
    pub messages: Vec<(Direction, Vec<u8>)>,
}

impl Conversation {
    /// Payload bytes in both directions.
    pub fn bytes(&self) -> u64 {
        self.messages.iter().map(|(_, m)| m.len() as u64).sum()
    }
}

type Key = (bool, IpAddr, u16, IpAddr, u16);

/// The conversations of a pcap or pcapng file (Ethernet, Linux cooked or
/// raw IP). Segments are taken as captured: captures made on loopback are in
/// order; retransmissions are dropped when their sequence number was seen.
pub fn pcap_conversations(path: &Path) -> Vec<Conversation> {
    let Ok(data) = std::fs::read(path) else {
        return Vec::new();
    };
    let mut out: Vec<(Key, Conversation, Vec<u32>)> = Vec::new();
    let mut add = |linktype: u32, frame: &[u8]| {
        let sliced = match linktype {
            113 => etherparse::SlicedPacket::from_ip(frame.get(16..).unwrap_or_default()),
            101 | 228 | 229 => etherparse::SlicedPacket::from_ip(frame),
            _ => etherparse::SlicedPacket::from_ethernet(frame),
        };
        let Ok(s) = sliced else { return };
        let (src, dst): (IpAddr, IpAddr) = match &s.net {
            Some(etherparse::NetSlice::Ipv4(v4)) => (
                v4.header().source_addr().into(),
                v4.header().destination_addr().into(),
            ),
            Some(etherparse::NetSlice::Ipv6(v6)) => (
                v6.header().source_addr().into(),
                v6.header().destination_addr().into(),
            ),
            _ => return,
        };
        let (tcp, sp, dp, payload, seq, syn_only) = match &s.transport {
            Some(etherparse::TransportSlice::Tcp(t)) => (
                true,
                t.source_port(),
                t.destination_port(),
                t.payload(),
                t.sequence_number(),
                t.syn() && !t.ack(),
            ),
            Some(etherparse::TransportSlice::Udp(u)) => (
                false,
                u.source_port(),
                u.destination_port(),
                u.payload(),
                0,
                false,
            ),
            _ => return,
        };
        let fwd: Key = (tcp, src, sp, dst, dp);
        let rev: Key = (tcp, dst, dp, src, sp);
        let (i, dir) = if let Some(i) = out.iter().position(|(k, _, _)| *k == fwd) {
            (i, Direction::ToServer)
        } else if let Some(i) = out.iter().position(|(k, _, _)| *k == rev) {
            (i, Direction::ToClient)
        } else {
            // A SYN, or the first packet seen, names the client.
            let _ = syn_only;
            out.push((
                fwd,
                Conversation {
                    tcp,
                    client_port: sp,
                    server_port: dp,
                    messages: Vec::new(),
                },
                Vec::new(),
            ));
            (out.len() - 1, Direction::ToServer)
        };
        if payload.is_empty() {
            return;
        }
        let (_, conv, seen) = &mut out[i];
        if tcp {
            // Tag by direction so the two sides' numbers never collide.
            let tag = seq
                ^ if dir == Direction::ToServer {
                    0
                } else {
                    0x8000_0000
                };
            if seen.contains(&tag) {
                return;
            }
            seen.push(tag);
        }
        conv.messages.push((dir, payload.to_vec()));
    };
    if let Ok(mut r) = pcap_file::pcap::PcapReader::new(&data[..]) {
        let lt = u32::from(r.header().datalink);
        while let Some(Ok(p)) = r.next_packet() {
            add(lt, &p.data);
        }
    } else if let Ok(mut r) = pcap_file::pcapng::PcapNgReader::new(&data[..]) {
        let mut lts = Vec::new();
        while let Some(Ok(b)) = r.next_block() {
            match b {
                pcap_file::pcapng::Block::InterfaceDescription(d) => {
                    lts.push(u32::from(d.linktype))
                }
                pcap_file::pcapng::Block::EnhancedPacket(p) => {
                    let lt = lts.get(p.interface_id as usize).copied().unwrap_or(1);
                    add(lt, &p.data);
                }
                _ => {}
            }
        }
    }
    out.into_iter().map(|(_, c, _)| c).collect()
}

/// Every `.pcap`/`.pcapng` under `dir`, recursively, sorted.
pub fn capture_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(capture_files(&p));
        } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
            out.push(p);
        }
    }
    out.sort();
    out
}
