//! NFQUEUE: packets the Linux netfilter hands to user space for a verdict
//! (inline IPS mode).
//!
//! A rule such as `iptables -A FORWARD -j NFQUEUE --queue-num 0 --queue-bypass`
//! makes the kernel hold each forwarded packet and send a copy over a netlink
//! socket to whoever bound queue 0; the packet goes on only when that socket
//! answers with a verdict naming the packet's id (`NF_ACCEPT` or `NF_DROP`).
//!
//! This speaks the `nfnetlink_queue` protocol itself (a few fixed-layout
//! messages, see `linux/netfilter/nfnetlink_queue.h`) over a socket opened with
//! `nix`, instead of using the `nfq` crate: that crate hides its socket, so the
//! capture thread could neither `poll` it (shutdown and reload must stay prompt
//! on a quiet link) nor let the workers answer on it directly. The kernel only
//! takes verdicts from the socket bound to the queue, so [`NfqVerdicts`] shares
//! that socket (an `Arc<OwnedFd>`); a netlink `sendto` is one syscall and may
//! come from any thread, so each worker answers its own packets as soon as they
//! are inspected, never waiting for another worker or for the capture thread.
//!
//! Packets arrive as bare IPv4/IPv6 packets ([`LinkType::Raw`]). Their
//! timestamp is the kernel's when it has one, otherwise the time they were read.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    self, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, sockopt,
};

use super::{CaptureError, KernelStats, PacketSource, RawPacket, ReadStatus, SourceKind};
use crate::decode::LinkType;
use crate::inline::Inline;
use crate::time::Timestamp;

/// How long one `read` waits for a packet, so shutdown stays prompt.
const POLL_MS: u16 = 100;

/// Receive buffer: one netlink message holds at most one packet of up to
/// 64 KiB (the copy range) plus its attributes.
const RECV_BUF: usize = 70 * 1024;

/// Socket receive buffer asked of the kernel: room for a burst of ~5000
/// full-size packets while the workers catch up. Beyond it the kernel counts
/// `user_dropped` (or, with fail-open, lets packets through uninspected).
const SOCKET_RCVBUF: usize = 8 << 20;

// linux/netlink.h
const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
// linux/netfilter/nfnetlink.h, nfnetlink_queue.h
const NFNL_SUBSYS_QUEUE: u16 = 3;
const NFQNL_MSG_PACKET: u16 = 0;
const NFQNL_MSG_VERDICT: u16 = 1;
const NFQNL_MSG_CONFIG: u16 = 2;
const NFQA_PACKET_HDR: u16 = 1;
const NFQA_VERDICT_HDR: u16 = 2;
const NFQA_TIMESTAMP: u16 = 4;
const NFQA_PAYLOAD: u16 = 10;
const NFQA_CFG_CMD: u16 = 1;
const NFQA_CFG_PARAMS: u16 = 2;
const NFQA_CFG_QUEUE_MAXLEN: u16 = 3;
const NFQA_CFG_MASK: u16 = 4;
const NFQA_CFG_FLAGS: u16 = 5;
const NFQNL_CFG_CMD_BIND: u8 = 1;
const NFQNL_COPY_PACKET: u8 = 2;
const NFQA_CFG_F_FAIL_OPEN: u32 = 1;
/// `NF_DROP` / `NF_ACCEPT` (linux/netfilter.h).
const NF_DROP: u32 = 0;
const NF_ACCEPT: u32 = 1;

/// Which packet a verdict answers: the queue it came from and the id the
/// kernel gave it there.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct VerdictId {
    /// NFQUEUE number.
    pub queue: u16,
    /// The kernel's packet id in that queue.
    pub packet: u32,
}

/// The kernel's answer for a packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Let the packet go on.
    Accept,
    /// Discard it.
    Drop,
}

/// Options of an NFQUEUE source.
#[derive(Clone, Debug)]
pub struct NfqOptions {
    /// Queue numbers to bind.
    pub queues: Vec<u16>,
    /// Ask the kernel to accept packets when the queue is full
    /// (`NFQA_CFG_F_FAIL_OPEN`) rather than drop them.
    pub fail_open: bool,
    /// Packets the kernel queue holds before it is full.
    pub queue_maxlen: u32,
}

/// Sends verdicts on the socket bound to the queues. Cheap to share between
/// threads: each verdict is one `sendto` of a 32-byte message.
#[derive(Debug)]
pub struct NfqVerdicts {
    fd: Arc<OwnedFd>,
}

impl NfqVerdicts {
    /// Tells the kernel what to do with packet `id`.
    pub fn send(&self, id: VerdictId, verdict: Verdict) -> Result<(), Errno> {
        let code = match verdict {
            Verdict::Accept => NF_ACCEPT,
            Verdict::Drop => NF_DROP,
        };
        // nlmsghdr (16) + nfgenmsg (4) + nlattr (4) + nfqnl_msg_verdict_hdr (8).
        let mut m = [0u8; 32];
        put_nlmsghdr(
            &mut m,
            32,
            (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT,
            NLM_F_REQUEST,
            0,
        );
        put_nfgenmsg(&mut m[16..20], id.queue);
        m[20..22].copy_from_slice(&12u16.to_ne_bytes());
        m[22..24].copy_from_slice(&NFQA_VERDICT_HDR.to_ne_bytes());
        m[24..28].copy_from_slice(&code.to_be_bytes());
        m[28..32].copy_from_slice(&id.packet.to_be_bytes());
        loop {
            match socket::sendto(
                self.fd.as_raw_fd(),
                &m,
                &NetlinkAddr::new(0, 0),
                MsgFlags::empty(),
            ) {
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
                Ok(_) => return Ok(()),
            }
        }
    }
}

/// Packets from one or more NFQUEUE numbers, each waiting for a verdict.
pub struct NfqSource {
    fd: Arc<OwnedFd>,
    queues: Vec<u16>,
    portid: u32,
    buf: Vec<u8>,
    inline: Option<Arc<Inline>>,
}

impl NfqSource {
    /// Opens a netlink socket and binds `opts.queues`. Needs CAP_NET_ADMIN.
    /// The caller then builds the [`Inline`] state around
    /// [`NfqSource::verdicts`] and hands it back with [`NfqSource::set_inline`].
    pub fn open(opts: &NfqOptions) -> Result<Self, CaptureError> {
        let name = queue_names(&opts.queues).join(",");
        let err = |what: &str, e: Errno| CaptureError::Live {
            iface: name.clone(),
            message: if e == Errno::EPERM {
                format!("{what}: {e} (inline mode needs root or CAP_NET_ADMIN)")
            } else {
                format!("{what}: {e}")
            },
        };
        if opts.queues.is_empty() {
            return Err(CaptureError::Live {
                iface: "nfqueue".into(),
                message: "no queue number given".into(),
            });
        }
        let fd = socket::socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkNetFilter,
        )
        .map_err(|e| err("cannot open a netfilter netlink socket", e))?;
        socket::bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 0))
            .map_err(|e| err("cannot bind the netlink socket", e))?;
        let portid = socket::getsockname::<NetlinkAddr>(fd.as_raw_fd())
            .map(|a| a.pid())
            .map_err(|e| err("getsockname", e))?;
        // Forcing the size needs CAP_NET_ADMIN, which binding a queue needs
        // anyway; fall back to what the sysctl limit allows.
        if socket::setsockopt(&fd, sockopt::RcvBufForce, &SOCKET_RCVBUF).is_err() {
            let _ = socket::setsockopt(&fd, sockopt::RcvBuf, &SOCKET_RCVBUF);
        }
        let mut src = NfqSource {
            fd: Arc::new(fd),
            queues: opts.queues.clone(),
            portid,
            buf: vec![0u8; RECV_BUF],
            inline: None,
        };
        let mut seq = 0u32;
        for &q in &opts.queues {
            let mut cmd = [0u8; 4];
            cmd[0] = NFQNL_CFG_CMD_BIND;
            src.config(q, &mut seq, &[(NFQA_CFG_CMD, &cmd)])
                .map_err(|e| {
                    err(
                        &format!("cannot bind queue {q} (is another program bound to it?)"),
                        e,
                    )
                })?;
            let mut params = [0u8; 5];
            params[..4].copy_from_slice(&0xffffu32.to_be_bytes());
            params[4] = NFQNL_COPY_PACKET;
            src.config(q, &mut seq, &[(NFQA_CFG_PARAMS, &params)])
                .map_err(|e| err(&format!("queue {q}: cannot set copy mode"), e))?;
            src.config(
                q,
                &mut seq,
                &[(
                    NFQA_CFG_QUEUE_MAXLEN,
                    &opts.queue_maxlen.max(1).to_be_bytes(),
                )],
            )
            .map_err(|e| err(&format!("queue {q}: cannot set the queue length"), e))?;
            let flags = if opts.fail_open {
                NFQA_CFG_F_FAIL_OPEN
            } else {
                0
            };
            src.config(
                q,
                &mut seq,
                &[
                    (NFQA_CFG_FLAGS, &flags.to_be_bytes()),
                    (NFQA_CFG_MASK, &NFQA_CFG_F_FAIL_OPEN.to_be_bytes()),
                ],
            )
            .map_err(|e| err(&format!("queue {q}: cannot set the fail-open flag"), e))?;
        }
        Ok(src)
    }

    /// A handle that answers this source's packets.
    pub fn verdicts(&self) -> NfqVerdicts {
        NfqVerdicts {
            fd: Arc::clone(&self.fd),
        }
    }

    /// The inline state the pipeline uses to answer this source's packets.
    pub fn set_inline(&mut self, inline: Arc<Inline>) {
        self.inline = Some(inline);
    }

    /// Sends one config message and waits for the kernel's acknowledgement.
    /// Packets that arrive meanwhile (a queue already has traffic when bound)
    /// are accepted uninspected: nothing may wait for a verdict that would
    /// never come.
    fn config(&mut self, queue: u16, seq: &mut u32, attrs: &[(u16, &[u8])]) -> Result<(), Errno> {
        *seq = seq.wrapping_add(1);
        let mut m = vec![0u8; NLMSG_HDRLEN + 4];
        put_nfgenmsg(&mut m[16..20], queue);
        for (kind, value) in attrs {
            let len = 4 + value.len();
            m.extend_from_slice(&(len as u16).to_ne_bytes());
            m.extend_from_slice(&kind.to_ne_bytes());
            m.extend_from_slice(value);
            m.resize(align4(m.len()), 0);
        }
        let total = m.len() as u32;
        put_nlmsghdr(
            &mut m,
            total,
            (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG,
            NLM_F_REQUEST | NLM_F_ACK,
            *seq,
        );
        socket::sendto(
            self.fd.as_raw_fd(),
            &m,
            &NetlinkAddr::new(0, 0),
            MsgFlags::empty(),
        )?;
        let verdicts = NfqVerdicts {
            fd: Arc::clone(&self.fd),
        };
        loop {
            let n = recv_retry(&self.fd, &mut self.buf, MsgFlags::empty())?;
            let mut answer = None;
            for msg in Messages::new(self.buf.get(..n).unwrap_or_default()) {
                match msg {
                    NlMsg::Error { seq: s, errno } if s == *seq => answer = Some(errno),
                    NlMsg::Packet(p) => {
                        let _ = verdicts.send(p.id, Verdict::Accept);
                    }
                    _ => {}
                }
            }
            match answer {
                Some(0) => return Ok(()),
                Some(e) => return Err(Errno::from_raw(e.saturating_abs())),
                None => {}
            }
        }
    }
}

impl PacketSource for NfqSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Inline
    }

    fn iface_names(&self) -> Vec<String> {
        queue_names(&self.queues)
    }

    fn inline(&self) -> Option<Arc<Inline>> {
        self.inline.clone()
    }

    fn read(
        &mut self,
        max: usize,
        f: &mut dyn FnMut(RawPacket<'_>),
    ) -> Result<ReadStatus, CaptureError> {
        let mut delivered = 0;
        let mut polled = false;
        while delivered < max {
            let n = match recv_retry(&self.fd, &mut self.buf, MsgFlags::MSG_DONTWAIT) {
                Ok(n) => n,
                Err(Errno::EAGAIN) => {
                    if delivered > 0 || polled {
                        break;
                    }
                    polled = true;
                    let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
                    match nix::poll::poll(&mut fds, PollTimeout::from(POLL_MS)) {
                        Ok(_) | Err(Errno::EINTR) => {}
                        Err(e) => return Err(self.read_error(format!("poll failed: {e}"))),
                    }
                    continue;
                }
                // The socket buffer overflowed: the kernel dropped (or, with
                // fail-open, passed) packets we never saw. It counts them in
                // `user_dropped`; reading goes on.
                Err(Errno::ENOBUFS) => {
                    if let Some(i) = &self.inline {
                        i.count_socket_overrun();
                    }
                    continue;
                }
                Err(e) => return Err(self.read_error(format!("recv failed: {e}"))),
            };
            let now = Timestamp::now();
            for msg in Messages::new(self.buf.get(..n).unwrap_or_default()) {
                if let NlMsg::Packet(p) = msg {
                    let iface = self
                        .queues
                        .iter()
                        .position(|&q| q == p.id.queue)
                        .and_then(|i| u16::try_from(i).ok())
                        .unwrap_or(0);
                    f(RawPacket {
                        ts: p.ts.unwrap_or(now),
                        link: LinkType::Raw,
                        data: p.payload,
                        wire_len: u32::try_from(p.payload.len()).unwrap_or(u32::MAX),
                        iface,
                        verdict: Some(p.id),
                    });
                    delivered += 1;
                }
            }
        }
        Ok(if delivered > 0 {
            ReadStatus::Packets(delivered)
        } else {
            ReadStatus::Idle
        })
    }

    /// The kernel's queue counters (`/proc/net/netfilter/nfnetlink_queue`):
    /// packets queued, and packets dropped because the queue or our socket
    /// buffer was full.
    fn kernel_stats(&mut self) -> Option<KernelStats> {
        let text = std::fs::read_to_string("/proc/net/netfilter/nfnetlink_queue").ok()?;
        Some(parse_queue_stats(&text, &self.queues, self.portid))
    }
}

impl NfqSource {
    fn read_error(&self, message: String) -> CaptureError {
        CaptureError::Read {
            source_name: queue_names(&self.queues).join(","),
            message,
        }
    }
}

fn queue_names(queues: &[u16]) -> Vec<String> {
    queues.iter().map(|q| format!("nfq:{q}")).collect()
}

fn recv_retry(fd: &OwnedFd, buf: &mut [u8], flags: MsgFlags) -> Result<usize, Errno> {
    loop {
        match socket::recv(fd.as_raw_fd(), buf, flags) {
            Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn put_nlmsghdr(m: &mut [u8], len: u32, kind: u16, flags: u16, seq: u32) {
    m[0..4].copy_from_slice(&len.to_ne_bytes());
    m[4..6].copy_from_slice(&kind.to_ne_bytes());
    m[6..8].copy_from_slice(&flags.to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    m[12..16].copy_from_slice(&0u32.to_ne_bytes());
}

/// `struct nfgenmsg`: family AF_UNSPEC, version 0, the queue number (big endian).
fn put_nfgenmsg(m: &mut [u8], queue: u16) {
    m[0] = 0;
    m[1] = 0;
    m[2..4].copy_from_slice(&queue.to_be_bytes());
}

/// One queued packet, borrowed from the receive buffer.
#[derive(Debug, PartialEq, Eq)]
struct QueuedPacket<'a> {
    id: VerdictId,
    ts: Option<Timestamp>,
    payload: &'a [u8],
}

#[derive(Debug, PartialEq, Eq)]
enum NlMsg<'a> {
    Packet(QueuedPacket<'a>),
    /// An acknowledgement (`errno` 0) or an error (negative errno).
    Error {
        seq: u32,
        errno: i32,
    },
    Other,
}

/// The netlink messages of one datagram. Every length is checked against the
/// buffer: a short or inconsistent message ends the iteration.
struct Messages<'a> {
    rest: &'a [u8],
}

impl<'a> Messages<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Messages { rest: buf }
    }
}

fn ne_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn ne_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

impl<'a> Iterator for Messages<'a> {
    type Item = NlMsg<'a>;

    fn next(&mut self) -> Option<NlMsg<'a>> {
        let b = self.rest;
        let len = ne_u32(b, 0)? as usize;
        if len < NLMSG_HDRLEN || len > b.len() {
            self.rest = &[];
            return None;
        }
        let kind = ne_u16(b, 4)?;
        let seq = ne_u32(b, 8)?;
        self.rest = b.get(align4(len)..).unwrap_or_default();
        let body = b.get(NLMSG_HDRLEN..len)?;
        Some(match kind {
            NLMSG_ERROR => NlMsg::Error {
                seq,
                errno: ne_u32(body, 0).map_or(-1, |e| e as i32),
            },
            NLMSG_DONE => NlMsg::Other,
            k if k == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET => {
                parse_packet(body).map_or(NlMsg::Other, NlMsg::Packet)
            }
            _ => NlMsg::Other,
        })
    }
}

/// A `NFQNL_MSG_PACKET` body: nfgenmsg, then attributes.
fn parse_packet(body: &[u8]) -> Option<QueuedPacket<'_>> {
    let queue = u16::from_be_bytes(body.get(2..4)?.try_into().ok()?);
    let mut attrs = body.get(4..)?;
    let mut packet = None;
    let mut ts = None;
    let mut payload: &[u8] = &[];
    while attrs.len() >= 4 {
        let len = ne_u16(attrs, 0)? as usize;
        // The top bits are the nested / byte-order flags.
        let kind = ne_u16(attrs, 2)? & 0x3fff;
        if len < 4 || len > attrs.len() {
            break;
        }
        let value = attrs.get(4..len)?;
        match kind {
            NFQA_PACKET_HDR => packet = be_u32(value, 0),
            NFQA_TIMESTAMP => {
                if let (Some(s), Some(us)) = (be_u64(value, 0), be_u64(value, 8)) {
                    ts = Some(Timestamp(s.saturating_mul(1_000_000).saturating_add(us)));
                }
            }
            NFQA_PAYLOAD => payload = value,
            _ => {}
        }
        attrs = attrs.get(align4(len)..).unwrap_or_default();
    }
    Some(QueuedPacket {
        id: VerdictId {
            queue,
            packet: packet?,
        },
        ts,
        payload,
    })
}

/// Sums the lines of `/proc/net/netfilter/nfnetlink_queue` for our queues:
/// `queue peer_portid total copy_mode copy_range queue_dropped user_dropped
/// id_sequence 1`. `received` is the last packet id handed out (ids count
/// from 1 per queue), `dropped` what the kernel dropped for lack of room.
fn parse_queue_stats(text: &str, queues: &[u16], portid: u32) -> KernelStats {
    let mut k = KernelStats::default();
    for line in text.lines() {
        let f: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [
            queue,
            peer,
            _,
            _,
            _,
            queue_dropped,
            user_dropped,
            id_seq,
            ..,
        ] = f[..]
        else {
            continue;
        };
        if peer == u64::from(portid) && queues.iter().any(|&q| u64::from(q) == queue) {
            k.received += id_seq;
            k.dropped += queue_dropped + user_dropped;
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut a = Vec::new();
        a.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
        a.extend_from_slice(&kind.to_ne_bytes());
        a.extend_from_slice(value);
        a.resize(align4(a.len()), 0);
        a
    }

    /// A packet message as the kernel sends it (nfnetlink_queue_core.c
    /// `nfqnl_build_packet_message`): header, timestamp, payload.
    fn packet_msg(queue: u16, id: u32, payload: &[u8], ts: Option<(u64, u64)>) -> Vec<u8> {
        let mut m = vec![0u8; 20];
        put_nfgenmsg(&mut m[16..20], queue);
        let mut hdr = id.to_be_bytes().to_vec();
        hdr.extend_from_slice(&0x0800u16.to_be_bytes());
        hdr.push(2); // NF_INET_FORWARD
        m.extend(attr(NFQA_PACKET_HDR, &hdr));
        if let Some((s, us)) = ts {
            let mut t = s.to_be_bytes().to_vec();
            t.extend_from_slice(&us.to_be_bytes());
            m.extend(attr(NFQA_TIMESTAMP, &t));
        }
        m.extend(attr(NFQA_PAYLOAD, payload));
        let len = m.len() as u32;
        put_nlmsghdr(
            &mut m,
            len,
            (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET,
            0,
            0,
        );
        m
    }

    #[test]
    fn parses_packets_and_acks_in_one_datagram() {
        let ip = [0x45u8, 0, 0, 20, 1, 2, 3];
        let mut buf = packet_msg(7, 42, &ip, Some((1_700_000_000, 250)));
        buf.extend(packet_msg(7, 43, &ip[..5], None));
        let mut ack = vec![0u8; 16 + 4 + 16];
        put_nlmsghdr(&mut ack, 36, NLMSG_ERROR, 0, 9);
        ack[16..20].copy_from_slice(&(-1i32).to_ne_bytes()); // -EPERM
        buf.extend(ack);
        let got: Vec<NlMsg<'_>> = Messages::new(&buf).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            NlMsg::Packet(QueuedPacket {
                id: VerdictId {
                    queue: 7,
                    packet: 42
                },
                ts: Some(Timestamp(1_700_000_000_000_250)),
                payload: &ip,
            })
        );
        match &got[1] {
            NlMsg::Packet(p) => {
                assert_eq!(p.id.packet, 43);
                assert_eq!(p.payload, &ip[..5]);
                assert_eq!(p.ts, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(got[2], NlMsg::Error { seq: 9, errno: -1 });
    }

    #[test]
    fn truncated_messages_end_parsing_without_panic() {
        let buf = packet_msg(1, 5, &[0x45; 40], None);
        for cut in 0..buf.len() {
            let _: Vec<_> = Messages::new(&buf[..cut]).collect();
        }
        // A length field larger than the datagram yields nothing.
        let mut bad = buf.clone();
        bad[0..4].copy_from_slice(&10_000u32.to_ne_bytes());
        assert_eq!(Messages::new(&bad).count(), 0);
        // An attribute claiming more than the message: the packet keeps what
        // was parsed before it (no payload).
        let mut short_attr = buf;
        let at = 20 + 12; // after nfgenmsg and the packet header attribute
        short_attr[at..at + 2].copy_from_slice(&60_000u16.to_ne_bytes());
        match Messages::new(&short_attr).next() {
            Some(NlMsg::Packet(p)) => assert!(p.payload.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn queue_stats_sum_our_queues_only() {
        let text = "    0  12345     0 2 65535     3     4       100 1\n\
                        1  12345     2 2 65535     0     1        50 1\n\
                        2  99999     0 2 65535     7     7       900 1\n";
        let k = parse_queue_stats(text, &[0, 1, 2], 12345);
        assert_eq!(k.received, 150);
        assert_eq!(k.dropped, 8);
    }
}
