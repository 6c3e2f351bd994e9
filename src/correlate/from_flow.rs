//! The events a finished flow gives the correlator: what its connection
//! attempt became ([`ConnEvent`]) and the session's shape ([`SessionEvent`]),
//! judged from the flow record alone (flags seen each way, packet counts), so
//! a flow ended by timeout or eviction — a SYN never answered, a half-open
//! handshake — counts as much as one that closed.

use std::net::IpAddr;

use super::{ConnEvent, ConnOutcome, DeviceEvent, DeviceSource, Event, SessionEvent};
use crate::flow::Flow;
use crate::time::Timestamp;

const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// ICMP echo request types (ICMPv4, ICMPv6).
const ECHO_REQUEST: [(u8, u8); 2] = [(1, 8), (58, 128)];

/// What the connection attempt of `flow` became.
pub fn conn_outcome(flow: &Flow) -> ConnOutcome {
    let answered = flow.pkts_toclient > 0;
    match flow.ip_proto {
        6 => {
            let (c, s) = (flow.tcp_flags_ts, flow.tcp_flags_tc);
            if c & SYN == 0 {
                // No handshake from the client: a stealth probe (FIN, NULL,
                // Xmas: no ACK) or a connection picked up mid-stream.
                return if c & (ACK | RST) == 0 {
                    ConnOutcome::Stealth { flags: c }
                } else {
                    ConnOutcome::Other { answered }
                };
            }
            if s & SYN != 0 && s & ACK != 0 {
                // SYN+ACK came back: established once the client acknowledged
                // it with more than its SYN.
                if c & ACK != 0 && flow.pkts_toserver >= 2 {
                    ConnOutcome::Established
                } else {
                    ConnOutcome::HalfOpen
                }
            } else if s & RST != 0 {
                ConnOutcome::Refused
            } else {
                ConnOutcome::Unanswered
            }
        }
        // A datagram from a service port to an ephemeral one is an answer
        // whose request the sensor did not see (a capture started late, an
        // asymmetric mirror): not a probe.
        17 if flow.client_port < 1024 && flow.server_port >= 1024 => {
            ConnOutcome::Other { answered: true }
        }
        17 => {
            if answered {
                ConnOutcome::UdpAnswered
            } else {
                ConnOutcome::UdpUnanswered
            }
        }
        p if flow
            .icmp_type
            .is_some_and(|t| ECHO_REQUEST.contains(&(p, t))) =>
        {
            if answered {
                ConnOutcome::EchoAnswered
            } else {
                ConnOutcome::EchoUnanswered
            }
        }
        _ => ConnOutcome::Other { answered },
    }
}

/// The connection and session events of a finished flow.
pub fn flow_events(flow: &Flow) -> [Event; 2] {
    let outcome = conn_outcome(flow);
    let conn = ConnEvent {
        ts: flow.start,
        client: flow.client,
        client_port: flow.client_port,
        server: flow.server,
        server_port: flow.server_port,
        ip_proto: flow.ip_proto,
        outcome,
    };
    let session = SessionEvent {
        ts: flow.start,
        end: flow.last_seen,
        client: flow.client,
        client_port: flow.client_port,
        server: flow.server,
        server_port: flow.server_port,
        ip_proto: flow.ip_proto,
        app_proto: flow.app_proto,
        established: !outcome.failed(),
        bytes_toserver: flow.bytes_toserver,
        bytes_toclient: flow.bytes_toclient,
        pkts_toserver: flow.pkts_toserver,
        pkts_toclient: flow.pkts_toclient,
    };
    [Event::Conn(conn), Event::Session(session)]
}

/// The device a DHCP client message announces: its hardware address, the
/// address it has or asks for, and its host name (option 12).
pub fn dhcp_device(payload: &[u8], ts: crate::time::Timestamp) -> Option<super::DeviceEvent> {
    // BOOTP: op 1 (request), htype 1 (Ethernet), hlen 6; options after the
    // magic cookie at 236.
    if payload.len() < 240 || payload[0] != 1 || payload[1] != 1 || payload[2] != 6 {
        return None;
    }
    if payload[236..240] != [99, 130, 83, 99] {
        return None;
    }
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&payload[28..34]);
    let ciaddr = std::net::Ipv4Addr::new(payload[12], payload[13], payload[14], payload[15]);
    let mut ip = (!ciaddr.is_unspecified()).then_some(ciaddr);
    let mut hostname = None;
    let mut i = 240;
    while i < payload.len() {
        let code = payload[i];
        if code == 255 {
            break;
        }
        if code == 0 {
            i += 1;
            continue;
        }
        let len = usize::from(*payload.get(i + 1)?);
        let value = payload.get(i + 2..i + 2 + len)?;
        match code {
            12 if !value.is_empty() => {
                let name: String = String::from_utf8_lossy(value)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(64)
                    .collect();
                hostname = Some(name);
            }
            50 if len == 4 && ip.is_none() => {
                ip = Some(std::net::Ipv4Addr::new(
                    value[0], value[1], value[2], value[3],
                ));
            }
            _ => {}
        }
        i += 2 + len;
    }
    Some(super::DeviceEvent {
        ts,
        mac: Some(mac),
        ip: ip.map(std::net::IpAddr::V4),
        hostname,
        source: super::DeviceSource::Dhcp,
    })
}

/// The device an ARP packet shows: its sender's MAC and IPv4 address (a
/// probe, RFC 5227, has sender address 0.0.0.0: the MAC alone). The target
/// of a reply is the requester, already seen as the sender of its request.
pub fn arp_device(arp: &crate::decode::ArpPacket, ts: Timestamp) -> Option<DeviceEvent> {
    let mac = arp.sender_mac;
    if mac == [0; 6] || mac[0] & 1 != 0 {
        return None;
    }
    Some(DeviceEvent {
        ts,
        mac: Some(mac),
        ip: (!arp.sender_ip.is_unspecified() && !arp.sender_ip.is_broadcast())
            .then_some(IpAddr::V4(arp.sender_ip)),
        hostname: None,
        source: DeviceSource::Arp,
    })
}

/// Host names at most this long are kept (longer ones are cut).
const MAX_NAME: usize = 64;
/// Sightings taken from one mDNS message at most.
const MAX_MDNS_SIGHTINGS: usize = 4;

/// A printable host name from raw bytes, or `None` when nothing is left.
fn clean_name(raw: &[u8]) -> Option<String> {
    let name: String = String::from_utf8_lossy(raw)
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let name = name.trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// `host` of `host.local` (case-insensitive), else `None`.
fn local_host(name: &[u8]) -> Option<String> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    let cut = name.len().checked_sub(6)?;
    if !name[cut..].eq_ignore_ascii_case(b".local") {
        return None;
    }
    let host = &name[..cut];
    // A service instance (`_ipp._tcp.local`) or a sub-name is no host name.
    if host.contains(&b'.') || host.first() == Some(&b'_') {
        return None;
    }
    clean_name(host)
}

/// The IPv4 address of a reverse name `d.c.b.a.in-addr.arpa`.
fn reverse_v4(name: &[u8]) -> Option<std::net::Ipv4Addr> {
    let text = std::str::from_utf8(name).ok()?.trim_end_matches('.');
    let rest = text.strip_suffix(".in-addr.arpa")?;
    let mut octets = [0u8; 4];
    let mut parts = rest.split('.');
    for o in octets.iter_mut().rev() {
        *o = parts.next()?.parse().ok()?;
    }
    parts
        .next()
        .is_none()
        .then_some(std::net::Ipv4Addr::from(octets))
}

/// The devices a multicast DNS message (UDP 5353) names: `host.local`
/// A/AAAA records of answers, probes (authority section) and additional
/// records, and reverse PTR answers pointing at `host.local`. The MAC is
/// the frame's source when the record's address is the sender's own (a
/// sleep proxy answers for others).
pub fn mdns_devices(
    payload: &[u8],
    src: IpAddr,
    src_mac: Option<[u8; 6]>,
    ts: Timestamp,
) -> Vec<DeviceEvent> {
    use crate::app::dns::RData;
    let Ok(tx) = crate::app::dns::parse_udp(payload) else {
        return Vec::new();
    };
    let m = &tx.message;
    let mut out: Vec<DeviceEvent> = Vec::new();
    for r in m.answers.iter().chain(&m.authorities).chain(&m.additionals) {
        let (ip, host) = match &r.rdata {
            RData::A(a) => (IpAddr::V4(*a), local_host(&r.name)),
            RData::Aaaa(a) => (IpAddr::V6(*a), local_host(&r.name)),
            RData::Ptr(target) => match reverse_v4(&r.name) {
                Some(a) => (IpAddr::V4(a), local_host(target)),
                None => continue,
            },
            _ => continue,
        };
        let Some(hostname) = host else { continue };
        if ip.is_unspecified() || ip.is_multicast() || ip.is_loopback() {
            continue;
        }
        if out
            .iter()
            .any(|d| d.ip == Some(ip) && d.hostname.as_deref() == Some(hostname.as_str()))
        {
            continue;
        }
        out.push(DeviceEvent {
            ts,
            mac: src_mac.filter(|_| ip == src),
            ip: Some(ip),
            hostname: Some(hostname),
            source: DeviceSource::Mdns,
        });
        if out.len() >= MAX_MDNS_SIGHTINGS {
            break;
        }
    }
    out
}

/// Reads a NetBIOS name (RFC 1001 section 14: length 32, the first-level
/// encoding, then scope labels up to a zero) at `at`; returns the name
/// (trailing spaces cut), its suffix byte and the offset after it. A
/// compression pointer (`0xc0..`) is followed by nothing: returns `None`.
fn netbios_name(p: &[u8], at: usize) -> Option<(String, u8, usize)> {
    if *p.get(at)? != 32 {
        return None;
    }
    let enc = p.get(at + 1..at + 33)?;
    let mut raw = [0u8; 16];
    for (i, pair) in enc.chunks(2).enumerate() {
        let hi = pair[0].checked_sub(b'A').filter(|v| *v < 16)?;
        let lo = pair[1].checked_sub(b'A').filter(|v| *v < 16)?;
        raw[i] = (hi << 4) | lo;
    }
    // Scope labels, then the terminating zero.
    let mut i = at + 33;
    loop {
        let len = usize::from(*p.get(i)?);
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        i += 1 + len;
    }
    let name = clean_name(raw[..15].trim_ascii_end())?;
    Some((name, raw[15], i + 1))
}

/// The device a NetBIOS name service message (UDP 137) names: a name
/// registration, refresh or release-free overwrite (the question name and
/// the address in the additional record), or a positive answer to a name
/// query (the answer's name and first address). Only unique names of
/// suffix 0x00 (workstation) or 0x20 (file server) are host names; group
/// names (`WORKGROUP`) are not. The MAC is the frame's source when the
/// address is the sender's.
pub fn netbios_device(
    p: &[u8],
    src: IpAddr,
    src_mac: Option<[u8; 6]>,
    ts: Timestamp,
) -> Option<DeviceEvent> {
    if p.len() < 12 {
        return None;
    }
    let count = |at: usize| u16::from_be_bytes([p[at], p[at + 1]]);
    let flags = count(2);
    let response = flags & 0x8000 != 0;
    let opcode = (flags >> 11) & 0xf;
    let rcode = flags & 0xf;
    let (qd, an, ar) = (count(4), count(6), count(10));
    // The name, and where the fixed part (type, class, ttl, rdlength) of
    // the record carrying the address starts.
    let (name, suffix, after) = netbios_name(p, 12)?;
    let fixed = match (response, opcode) {
        // Registration (5), refresh (8 and 9, RFC 1002 erratum): the
        // question (type, class), then the additional record, whose name is
        // a pointer to the question's or the name again.
        (false, 5 | 8 | 9) if qd == 1 && ar >= 1 => {
            let rr = after + 4;
            match *p.get(rr)? {
                b if b & 0xc0 == 0xc0 => rr + 2,
                _ => netbios_name(p, rr)?.2,
            }
        }
        // Positive name query response: the answer record itself.
        (true, 0) if rcode == 0 && an >= 1 => after,
        _ => return None,
    };
    if suffix != 0x00 && suffix != 0x20 {
        return None;
    }
    // type NB (0x20), class IN, ttl, rdlength >= 6, NB_FLAGS, address.
    if p.get(fixed..fixed + 2)? != [0, 0x20] {
        return None;
    }
    let rdlen = usize::from(u16::from_be_bytes([*p.get(fixed + 8)?, *p.get(fixed + 9)?]));
    let rdata = p.get(fixed + 10..fixed + 10 + rdlen.min(6))?;
    if rdata.len() < 6 || rdata[0] & 0x80 != 0 {
        // Too short, or a group name.
        return None;
    }
    let ip = IpAddr::V4(std::net::Ipv4Addr::new(
        rdata[2], rdata[3], rdata[4], rdata[5],
    ));
    if ip.is_unspecified() {
        return None;
    }
    Some(DeviceEvent {
        ts,
        mac: src_mac.filter(|_| ip == src),
        ip: Some(ip),
        hostname: Some(name),
        source: DeviceSource::NetBios,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DHCPREQUEST as dhclient sends it: chaddr, requested address 50,
    /// host name 12.
    fn request(hostname: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 240];
        p[0] = 1;
        p[1] = 1;
        p[2] = 6;
        p[28..34].copy_from_slice(&[0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]);
        p[236..240].copy_from_slice(&[99, 130, 83, 99]);
        p.extend_from_slice(&[53, 1, 3]);
        p.extend_from_slice(&[50, 4, 10, 20, 30, 40]);
        p.push(12);
        p.push(hostname.len() as u8);
        p.extend_from_slice(hostname);
        p.push(255);
        p
    }

    #[test]
    fn dhcp_request_names_the_device() {
        let d = dhcp_device(
            &request(b"ct-scanner-2"),
            crate::time::Timestamp::from_secs(5),
        )
        .expect("device");
        assert_eq!(d.mac, Some([0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]));
        assert_eq!(d.ip, Some("10.20.30.40".parse().expect("ip")));
        assert_eq!(d.hostname.as_deref(), Some("ct-scanner-2"));
    }

    #[test]
    fn truncated_or_foreign_payloads_are_no_device() {
        let p = request(b"x");
        for cut in 0..p.len() - 1 {
            // Cut options end early: still a device or nothing, never a panic.
            let _ = dhcp_device(&p[..cut], crate::time::Timestamp::default());
        }
        assert!(dhcp_device(&p[..239], crate::time::Timestamp::default()).is_none());
        let mut reply = p.clone();
        reply[0] = 2;
        assert!(dhcp_device(&reply, crate::time::Timestamp::default()).is_none());
        let mut bad_len = request(b"name");
        let n = bad_len.len();
        bad_len[n - 6] = 200; // hostname length past the end
        let d = dhcp_device(&bad_len, crate::time::Timestamp::default());
        assert!(d.is_none_or(|d| d.hostname.is_none()));
    }

    fn ts() -> crate::time::Timestamp {
        crate::time::Timestamp::from_secs(100)
    }

    const PUMP: [u8; 6] = [0x00, 0x09, 0xfb, 0x11, 0x22, 0x33];

    fn arp(op: u16, mac: [u8; 6], ip: [u8; 4]) -> crate::decode::ArpPacket {
        crate::decode::ArpPacket {
            op,
            sender_mac: mac,
            sender_ip: ip.into(),
            target_mac: [0; 6],
            target_ip: [10, 20, 30, 1].into(),
            vlans: Default::default(),
        }
    }

    #[test]
    fn arp_sender_is_the_device_and_a_probe_has_no_address() {
        let d = arp_device(&arp(1, PUMP, [10, 20, 30, 7]), ts()).expect("device");
        assert_eq!(d.mac, Some(PUMP));
        assert_eq!(d.ip, Some("10.20.30.7".parse().expect("ip")));
        assert_eq!(d.source, DeviceSource::Arp);
        let probe = arp_device(&arp(1, PUMP, [0, 0, 0, 0]), ts()).expect("probe");
        assert_eq!((probe.mac, probe.ip), (Some(PUMP), None));
        // Multicast/broadcast or zero sender MACs are nobody.
        assert!(arp_device(&arp(2, [0xff; 6], [10, 0, 0, 1]), ts()).is_none());
        assert!(arp_device(&arp(2, [0; 6], [10, 0, 0, 1]), ts()).is_none());
        assert!(arp_device(&arp(2, [0x01, 0, 0x5e, 0, 0, 1], [10, 0, 0, 1]), ts()).is_none());
    }

    fn name(n: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for l in n.split('.') {
            out.push(l.len() as u8);
            out.extend_from_slice(l.as_bytes());
        }
        out.push(0);
        out
    }

    /// An mDNS response with the given (name, type, rdata) answers.
    fn mdns(answers: &[(&str, u16, Vec<u8>)]) -> Vec<u8> {
        let mut p = vec![0, 0, 0x84, 0, 0, 0, 0, answers.len() as u8, 0, 0, 0, 0];
        for (n, ty, rdata) in answers {
            p.extend_from_slice(&name(n));
            p.extend_from_slice(&ty.to_be_bytes());
            p.extend_from_slice(&[0x80, 1, 0, 0, 0, 120]);
            p.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            p.extend_from_slice(rdata);
        }
        p
    }

    #[test]
    fn mdns_announcements_name_hosts() {
        let me: IpAddr = "10.20.30.7".parse().expect("ip");
        let p = mdns(&[
            ("infusion-pump-12.local", 1, vec![10, 20, 30, 7]),
            ("40.30.20.10.in-addr.arpa", 12, name("ward-printer.local")),
            // A service instance is no host name; a non-local name neither.
            ("_ipp._tcp.local", 1, vec![10, 20, 30, 8]),
            ("www.example.com", 1, vec![10, 20, 30, 9]),
        ]);
        let got = mdns_devices(&p, me, Some(PUMP), ts());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].hostname.as_deref(), Some("infusion-pump-12"));
        assert_eq!(got[0].ip, Some(me));
        assert_eq!(got[0].mac, Some(PUMP), "its own address: the sender's MAC");
        assert_eq!(got[0].source, DeviceSource::Mdns);
        assert_eq!(got[1].hostname.as_deref(), Some("ward-printer"));
        assert_eq!(got[1].ip, Some("10.20.30.40".parse().expect("ip")));
        assert_eq!(got[1].mac, None, "announced for another address");
        // Truncations never panic; garbage is nothing.
        for cut in 0..p.len() {
            let _ = mdns_devices(&p[..cut], me, None, ts());
        }
        assert!(mdns_devices(b"\x00\x01garbage", me, None, ts()).is_empty());
    }

    fn nb_name(n: &str, suffix: u8) -> Vec<u8> {
        let mut raw = [b' '; 16];
        raw[..n.len()].copy_from_slice(n.as_bytes());
        raw[15] = suffix;
        let mut out = vec![32];
        for b in raw {
            out.push(b'A' + (b >> 4));
            out.push(b'A' + (b & 15));
        }
        out.push(0);
        out
    }

    /// A broadcast registration of `n<suffix>` at `ip` with NB_FLAGS `flags`.
    fn nb_register(n: &str, suffix: u8, flags: u8, ip: [u8; 4]) -> Vec<u8> {
        let mut p = vec![0x80, 0x01, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1];
        p.extend_from_slice(&nb_name(n, suffix));
        p.extend_from_slice(&[
            0, 0x20, 0, 1, 0xc0, 0x0c, 0, 0x20, 0, 1, 0, 4, 0x93, 0xe0, 0, 6,
        ]);
        p.extend_from_slice(&[flags, 0]);
        p.extend_from_slice(&ip);
        p
    }

    #[test]
    fn netbios_registrations_and_answers_name_hosts() {
        let me: IpAddr = "10.20.30.7".parse().expect("ip");
        let d = netbios_device(
            &nb_register("NURSE-PC-07", 0, 0, [10, 20, 30, 7]),
            me,
            Some(PUMP),
            ts(),
        )
        .expect("device");
        assert_eq!(d.hostname.as_deref(), Some("NURSE-PC-07"));
        assert_eq!(d.ip, Some(me));
        assert_eq!(d.mac, Some(PUMP));
        assert_eq!(d.source, DeviceSource::NetBios);
        // Group names (WORKGROUP) and other suffixes (<1d> master browser) are no hosts.
        assert!(
            netbios_device(
                &nb_register("WORKGROUP", 0, 0x80, [10, 20, 30, 7]),
                me,
                None,
                ts()
            )
            .is_none()
        );
        assert!(
            netbios_device(
                &nb_register("NURSE-PC-07", 0x1d, 0, [10, 20, 30, 7]),
                me,
                None,
                ts()
            )
            .is_none()
        );
        // A positive name query response: the answer carries name and address.
        let mut r = vec![0x80, 0x02, 0x85, 0x00, 0, 0, 0, 1, 0, 0, 0, 0];
        r.extend_from_slice(&nb_name("PACS01", 0x20));
        r.extend_from_slice(&[0, 0x20, 0, 1, 0, 4, 0x93, 0xe0, 0, 6, 0, 0, 10, 20, 0, 5]);
        let d = netbios_device(&r, me, Some(PUMP), ts()).expect("answer");
        assert_eq!(d.hostname.as_deref(), Some("PACS01"));
        assert_eq!(d.ip, Some("10.20.0.5".parse().expect("ip")));
        assert_eq!(d.mac, None, "the answer is about another host");
        // A query names nobody; truncations never panic.
        let mut q = r.clone();
        q[2] = 0x01;
        assert!(netbios_device(&q, me, None, ts()).is_none());
        let p = nb_register("NURSE-PC-07", 0, 0, [10, 20, 30, 7]);
        for cut in 0..p.len() {
            assert!(netbios_device(&p[..cut], me, None, ts()).is_none());
        }
    }
}
