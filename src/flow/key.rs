//! The flow key: which packets belong to the same flow, in both directions.
//!
//! A flow is (VLAN ids, IP protocol, the two (address, port) endpoints). The
//! endpoints are stored in a canonical order (lower first), so both directions
//! of a connection build the same key with one comparison and no branch on the
//! protocol. ICMP and other port-less protocols use port 0: all ICMP between
//! two hosts is one flow (echo identifiers are not used to split it, and ICMP
//! errors are not attached to the flow they report on; both would be
//! refinements, not needed by anything yet).

use std::net::IpAddr;

use crate::decode::DecodedPacket;
use crate::time::Timestamp;

/// The normalised key of a flow. Small and `Copy`: hashed once per packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// Endpoint addresses, lower endpoint first; IPv4 in the low 32 bits.
    addr: [u128; 2],
    /// Endpoint ports, in the same order as `addr`.
    port: [u16; 2],
    vlans: [u16; 2],
    proto: u8,
    v6: bool,
}

/// The address as a number, and whether it is IPv6.
fn addr_bits(ip: IpAddr) -> (u128, bool) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), false),
        IpAddr::V6(a) => (u128::from(a), true),
    }
}

impl FlowKey {
    /// The key of `pkt`'s flow, and whether the packet's source is the key's
    /// first (lower) endpoint.
    pub fn of(pkt: &DecodedPacket<'_>) -> (FlowKey, bool) {
        let (src, v6) = addr_bits(pkt.src);
        let (dst, _) = addr_bits(pkt.dst);
        let (sport, dport) = pkt.transport.ports();
        let src_first = (src, sport) <= (dst, dport);
        let (addr, port) = if src_first {
            ([src, dst], [sport, dport])
        } else {
            ([dst, src], [dport, sport])
        };
        let key = FlowKey {
            addr,
            port,
            vlans: pkt.vlans.0,
            proto: pkt.ip_proto,
            v6,
        };
        (key, src_first)
    }

    /// The stable flow id of a flow with this key that started at `start`:
    /// the same on every run, machine and worker count (it does not use the
    /// table's hasher, whose seeds are random), masked to 51 bits so that JSON
    /// readers that parse numbers as doubles keep it exact (as Suricata does),
    /// and never 0.
    pub fn flow_id(&self, start: Timestamp) -> u64 {
        let mut h = StableHash::new();
        for a in self.addr {
            h.word(a as u64);
            h.word((a >> 64) as u64);
        }
        h.word(
            u64::from(self.port[0])
                | u64::from(self.port[1]) << 16
                | u64::from(self.vlans[0]) << 32
                | u64::from(self.vlans[1]) << 48,
        );
        h.word(u64::from(self.proto) | u64::from(self.v6) << 8);
        h.word(start.as_micros());
        match h.finish() & ((1 << 51) - 1) {
            0 => 1,
            id => id,
        }
    }
}

/// A fixed, portable 64-bit hash (multiply-xorshift rounds with a SplitMix64
/// finaliser). Not DoS-resistant, and need not be: it names flows, it does not
/// index a table.
struct StableHash(u64);

impl StableHash {
    fn new() -> Self {
        StableHash(0x243F_6A88_85A3_08D3)
    }

    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 ^= self.0 >> 29;
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
