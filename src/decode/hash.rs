//! The symmetric hash the capture thread uses to pick a worker.
//!
//! It runs once per packet on the single capture thread, before any worker can
//! share the load, so it reads only the few bytes it needs (link header, VLAN
//! tags, IP addresses) by hand rather than decoding the packet.

use super::LinkType;
use super::parse::{
    ETHERNET_LEN, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD,
    ETHERTYPE_VLAN, NULL_LEN, SLL_LEN, SLL2_LEN, be16, null_family,
};

/// Symmetric dispatch hash used by the capture thread to pick a worker.
///
/// Hashes the VLAN ids and the unordered pair of IP addresses, so both
/// directions of a flow land on the same worker. Ports are left out on
/// purpose: non-first IP fragments carry no transport header, and every
/// fragment of a datagram must reach the worker that reassembles it (and that
/// tracks the flow the datagram belongs to).
///
/// Non-IP or unparseable frames hash to 0. The hash uses fixed constants, so
/// it is the same on every run and every machine (replays are deterministic).
pub fn dispatch_hash(link: LinkType, data: &[u8]) -> u64 {
    hash_frame(link, data).unwrap_or(0)
}

fn hash_frame(link: LinkType, data: &[u8]) -> Option<u64> {
    match link {
        LinkType::Ethernet => hash_ether(be16(data, 12), data.get(ETHERNET_LEN..)?),
        LinkType::LinuxSll => hash_ether(be16(data, 14), data.get(SLL_LEN..)?),
        LinkType::LinuxSll2 => hash_ether(be16(data, 0), data.get(SLL2_LEN..)?),
        LinkType::Raw => match data.first()? >> 4 {
            4 => hash_ipv4([0; 2], data),
            6 => hash_ipv6([0; 2], data),
            _ => None,
        },
        LinkType::Unsupported(_) => None,
        LinkType::Ipv4 => hash_ipv4([0; 2], data),
        LinkType::Ipv6 => hash_ipv6([0; 2], data),
        LinkType::Null | LinkType::Loop => {
            let hdr: [u8; NULL_LEN] = data.get(..NULL_LEN)?.try_into().ok()?;
            let family = match link {
                LinkType::Null => null_family(u32::from_le_bytes(hdr))
                    .or_else(|| null_family(u32::from_be_bytes(hdr))),
                _ => null_family(u32::from_be_bytes(hdr)),
            };
            let rest = data.get(NULL_LEN..)?;
            match family? {
                4 => hash_ipv4([0; 2], rest),
                _ => hash_ipv6([0; 2], rest),
            }
        }
    }
}

/// Hashes what follows an EtherType (VLAN tags, then IP).
fn hash_ether(mut ether_type: u16, mut rest: &[u8]) -> Option<u64> {
    let mut vlans = [0u16; 2];
    for slot in &mut vlans {
        if !matches!(
            ether_type,
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
        ) {
            break;
        }
        let tag = rest.get(..4)?;
        *slot = be16(tag, 0) & 0x0fff;
        ether_type = be16(tag, 2);
        rest = rest.get(4..)?;
    }
    match ether_type {
        ETHERTYPE_IPV4 => hash_ipv4(vlans, rest),
        ETHERTYPE_IPV6 => hash_ipv6(vlans, rest),
        // Non-IP, or a third VLAN tag (invalid for the decoder).
        _ => None,
    }
}

fn hash_ipv4(vlans: [u16; 2], ip: &[u8]) -> Option<u64> {
    if ip.first()? >> 4 != 4 {
        return None;
    }
    let src = u32::from_be_bytes(ip.get(12..16)?.try_into().ok()?);
    let dst = u32::from_be_bytes(ip.get(16..20)?.try_into().ok()?);
    let (lo, hi) = if src <= dst { (src, dst) } else { (dst, src) };
    let h = mix(SEED ^ 4, vlan_word(vlans));
    Some(finish(mix(h, (u64::from(lo) << 32) | u64::from(hi))))
}

fn hash_ipv6(vlans: [u16; 2], ip: &[u8]) -> Option<u64> {
    if ip.first()? >> 4 != 6 {
        return None;
    }
    let src = u128::from_be_bytes(ip.get(8..24)?.try_into().ok()?);
    let dst = u128::from_be_bytes(ip.get(24..40)?.try_into().ok()?);
    let (lo, hi) = if src <= dst { (src, dst) } else { (dst, src) };
    let mut h = mix(SEED ^ 6, vlan_word(vlans));
    for word in [lo >> 64, lo, hi >> 64, hi] {
        h = mix(h, word as u64);
    }
    Some(finish(h))
}

const SEED: u64 = 0x243f_6a88_85a3_08d3;
const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn vlan_word(vlans: [u16; 2]) -> u64 {
    (u64::from(vlans[0]) << 16) | u64::from(vlans[1])
}

/// One FxHash-style round: cheap, and `finish` spreads the bits afterwards.
fn mix(h: u64, v: u64) -> u64 {
    (h.rotate_left(5) ^ v).wrapping_mul(K)
}

/// The MurmurHash3 64-bit finalizer, so that `hash % workers` uses every bit.
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let mut v = vec![0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0];
        v.extend_from_slice(&src);
        v.extend_from_slice(&dst);
        v
    }

    #[test]
    fn symmetric_and_spread() {
        let a = [10, 0, 0, 1];
        let mut seen = std::collections::HashSet::new();
        for last in 0..=255u8 {
            let b = [10, 0, 1, last];
            let h = dispatch_hash(LinkType::Ipv4, &ipv4(a, b));
            assert_eq!(h, dispatch_hash(LinkType::Ipv4, &ipv4(b, a)));
            seen.insert(h % 8);
        }
        // Neighbouring addresses reach every one of 8 workers.
        assert_eq!(seen.len(), 8);
    }

    #[test]
    fn fixed_across_runs() {
        // No random seed: the same value on every run and machine.
        let h = dispatch_hash(LinkType::Ipv4, &ipv4([10, 0, 0, 1], [10, 0, 0, 2]));
        assert_eq!(
            h,
            dispatch_hash(LinkType::Raw, &ipv4([10, 0, 0, 2], [10, 0, 0, 1]))
        );
        assert_eq!(h, FIXED);
    }

    const FIXED: u64 = 5_050_264_234_246_653_179;
}
