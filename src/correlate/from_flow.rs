//! The events a finished flow gives the correlator: what its connection
//! attempt became ([`ConnEvent`]) and the session's shape ([`SessionEvent`]),
//! judged from the flow record alone (flags seen each way, packet counts), so
//! a flow ended by timeout or eviction — a SYN never answered, a half-open
//! handshake — counts as much as one that closed.

use super::{ConnEvent, ConnOutcome, Event, SessionEvent};
use crate::flow::Flow;

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
}
