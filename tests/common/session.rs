//! A TCP conversation builder that keeps both sides' sequence numbers, so a
//! test writes "client sends X, server answers Y" and gets consistent
//! seq/ack numbers; every call returns frames, which the test may then
//! reorder, duplicate or drop.

use super::capture::{Frame, T0_MICROS};
use super::link::{Link, encapsulate_with_macs};
use super::packet::{Host, tcp_flags, tcp_ip};

/// The direction of a segment within a [`TcpSession`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

impl Dir {
    /// The opposite direction.
    pub fn reverse(self) -> Dir {
        match self {
            Dir::ToServer => Dir::ToClient,
            Dir::ToClient => Dir::ToServer,
        }
    }
}

/// One TCP connection between a client and a server, producing timestamped frames.
#[derive(Clone, Debug)]
pub struct TcpSession {
    /// The side that sends the SYN.
    pub client: Host,
    /// Client port.
    pub client_port: u16,
    /// The side that answers SYN-ACK.
    pub server: Host,
    /// Server port.
    pub server_port: u16,
    /// Client initial sequence number.
    pub client_isn: u32,
    /// Server initial sequence number.
    pub server_isn: u32,
    /// Framing of the produced frames (default Ethernet, MACs from the hosts).
    pub link: Link,
    /// Timestamp the next frame gets.
    pub next_ts_micros: u64,
    /// Added to the timestamp after each frame.
    pub step_micros: u64,
    client_next: u32,
    server_next: u32,
}

impl TcpSession {
    /// A session not yet started; frames from [`T0_MICROS`], 1 ms apart, over Ethernet.
    pub fn new(
        client: Host,
        client_port: u16,
        server: Host,
        server_port: u16,
        client_isn: u32,
        server_isn: u32,
    ) -> Self {
        TcpSession {
            client,
            client_port,
            server,
            server_port,
            client_isn,
            server_isn,
            link: Link::Ethernet,
            next_ts_micros: T0_MICROS,
            step_micros: 1_000,
            client_next: client_isn,
            server_next: server_isn,
        }
    }

    /// Same session with the first frame stamped `ts_micros`.
    pub fn starting_at(mut self, ts_micros: u64) -> Self {
        self.next_ts_micros = ts_micros;
        self
    }

    /// Same session with `step_micros` between consecutive frames.
    pub fn with_step(mut self, step_micros: u64) -> Self {
        self.step_micros = step_micros;
        self
    }

    /// Same session framed for `link`.
    pub fn over(mut self, link: Link) -> Self {
        self.link = link;
        self
    }

    /// The sequence number the side sending in `dir` will use next.
    pub fn next_seq(&self, dir: Dir) -> u32 {
        match dir {
            Dir::ToServer => self.client_next,
            Dir::ToClient => self.server_next,
        }
    }

    /// The bare IP packet of a segment in `dir`: seq = `next_seq(dir)`, ack = the peer's next
    /// seq when `flags` has 'A' (else 0); advances `dir`'s seq by payload + SYN + FIN. No timestamp used.
    pub fn segment_ip(&mut self, dir: Dir, flags: &str, payload: &[u8]) -> Vec<u8> {
        let seq = self.next_seq(dir);
        let packet = self.segment_at_ip(dir, seq, flags, payload);
        let bits = tcp_flags(flags);
        let used = payload.len() as u32 + u32::from(bits & 0x02 != 0) + u32::from(bits & 0x01 != 0);
        match dir {
            Dir::ToServer => self.client_next = self.client_next.wrapping_add(used),
            Dir::ToClient => self.server_next = self.server_next.wrapping_add(used),
        }
        packet
    }

    /// The bare IP packet of a segment in `dir` at an explicit `seq` (retransmissions, overlaps); state unchanged.
    pub fn segment_at_ip(&self, dir: Dir, seq: u32, flags: &str, payload: &[u8]) -> Vec<u8> {
        let ack = if tcp_flags(flags) & 0x10 != 0 {
            self.next_seq(dir.reverse())
        } else {
            0
        };
        let (src, sport, dst, dport) = self.endpoints(dir);
        tcp_ip(src, sport, dst, dport, seq, ack, flags, payload)
    }

    /// Frames any IP packet sent in `dir` with the session's link and MACs, at the next timestamp.
    pub fn frame(&mut self, dir: Dir, ip_packet: &[u8]) -> Frame {
        let (src, _, dst, _) = self.endpoints(dir);
        let data = encapsulate_with_macs(self.link, src.mac, dst.mac, ip_packet);
        let frame = Frame::new(self.next_ts_micros, data);
        self.next_ts_micros += self.step_micros;
        frame
    }

    /// A segment in `dir` with `flags` and `payload` (see [`TcpSession::segment_ip`]), as a frame.
    pub fn segment(&mut self, dir: Dir, flags: &str, payload: &[u8]) -> Frame {
        let packet = self.segment_ip(dir, flags, payload);
        self.frame(dir, &packet)
    }

    /// A segment at an explicit `seq`, seq state unchanged (see [`TcpSession::segment_at_ip`]), as a frame.
    pub fn segment_at(&mut self, dir: Dir, seq: u32, flags: &str, payload: &[u8]) -> Frame {
        let packet = self.segment_at_ip(dir, seq, flags, payload);
        self.frame(dir, &packet)
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake(&mut self) -> Vec<Frame> {
        vec![
            self.segment(Dir::ToServer, "S", &[]),
            self.segment(Dir::ToClient, "SA", &[]),
            self.segment(Dir::ToServer, "A", &[]),
        ]
    }

    /// One PSH-ACK data segment in `dir`.
    pub fn send(&mut self, dir: Dir, payload: &[u8]) -> Frame {
        self.segment(dir, "PA", payload)
    }

    /// `payload` cut into segments of at most `mss` bytes: ACK-only flags, PSH-ACK on the last.
    pub fn send_segments(&mut self, dir: Dir, payload: &[u8], mss: usize) -> Vec<Frame> {
        assert!(mss > 0, "mss must be positive");
        let count = payload.len().div_ceil(mss);
        payload
            .chunks(mss)
            .enumerate()
            .map(|(i, chunk)| {
                let flags = if i + 1 == count { "PA" } else { "A" };
                self.segment(dir, flags, chunk)
            })
            .collect()
    }

    /// A bare ACK sent in `dir` (acknowledging everything the peer has sent).
    pub fn ack(&mut self, dir: Dir) -> Frame {
        self.segment(dir, "A", &[])
    }

    /// A FIN-ACK sent in `dir`.
    pub fn fin(&mut self, dir: Dir) -> Frame {
        self.segment(dir, "FA", &[])
    }

    /// A RST (no ACK flag, ack 0) sent in `dir` at its next seq.
    pub fn rst(&mut self, dir: Dir) -> Frame {
        self.segment(dir, "R", &[])
    }

    /// Client FIN-ACK, server FIN-ACK, client ACK.
    pub fn close(&mut self) -> Vec<Frame> {
        vec![
            self.fin(Dir::ToServer),
            self.fin(Dir::ToClient),
            self.ack(Dir::ToServer),
        ]
    }

    fn endpoints(&self, dir: Dir) -> (Host, u16, Host, u16) {
        match dir {
            Dir::ToServer => (self.client, self.client_port, self.server, self.server_port),
            Dir::ToClient => (self.server, self.server_port, self.client, self.client_port),
        }
    }
}
