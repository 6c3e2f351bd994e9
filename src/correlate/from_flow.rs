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
