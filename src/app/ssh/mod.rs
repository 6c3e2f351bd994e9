//! SSH: identification banners (`ssh.proto`, `ssh.software`), the clear
//! part of the binary packet protocol, and what can be measured of the
//! encrypted rest.
//!
//! Nothing is decrypted. Until a direction sends SSH_MSG_NEWKEYS its packets
//! are in clear (RFC 4253 §6, MAC "none"): they are framed, counted, and the
//! KEXINIT is read (algorithms and HASSH). After NEWKEYS even the packet
//! lengths are encrypted for most ciphers, so only the sizes of the data
//! chunks handed in are recorded (packets and bytes per direction, and the
//! first [`MAX_RECORDED_SIZES`] sizes). That is what Zeek's heuristic needs to
//! tell a failed password attempt from a success (a server's
//! USERAUTH_FAILURE and USERAUTH_SUCCESS differ in size), and what a later
//! login-flood detector reads from [`SshState::encrypted`].

mod parser;

pub use parser::{
    KexInit, MSG_KEXINIT, MSG_NEWKEYS, SshBanner, SshError, parse_banner, parse_kexinit,
};

use crate::app::Probe;
use crate::app::TxBuffers;
use crate::flow::Direction;
use crate::rules::ir::BufferId;

/// Longest identification line, CR LF included (RFC 4253 §4.2). Longer lines
/// are cut here (and reported); the rest up to LF is skipped.
pub const MAX_LINE: usize = 255;

/// Most lines a server may send before its identification (RFC 4253 §4.2
/// allows some, e.g. a legal notice), and most bytes in them; beyond either,
/// the stream is not taken for SSH.
pub const MAX_PRE_BANNER_LINES: u32 = 32;
/// See [`MAX_PRE_BANNER_LINES`].
pub const MAX_PRE_BANNER_BYTES: usize = 8 * 1024;

/// Largest clear packet accepted: OpenSSH's own limit (256 KiB). A larger
/// `packet_length` in the clear phase means the framing is lost (or the flow
/// was picked up after key exchange).
pub const MAX_PACKET: usize = 256 * 1024;

/// Largest KEXINIT payload buffered for its algorithm lists (RFC 4253 §6.1:
/// implementations need only handle 35,000-byte packets).
pub const MAX_KEXINIT: usize = 35_000;

/// Encrypted chunk sizes kept per direction (the first ones: the
/// authentication exchange comes right after key exchange).
pub const MAX_RECORDED_SIZES: usize = 64;

/// Something odd in a direction's stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SshAnomaly {
    /// The identification line did not parse (it started with `SSH-`).
    BadBanner,
    /// The identification line was longer than [`MAX_LINE`]; it was cut.
    LongBanner,
    /// A client line that is not an identification string, or too many
    /// server lines before one: not SSH. Parsing of the direction stops.
    NotSsh,
    /// A protocol version other than 2.0/1.99: packets are not framed, only
    /// counted as encrypted.
    NotVersion2,
    /// A clear packet with impossible lengths: framing lost; from here the
    /// direction is only counted as encrypted.
    BadPacket {
        /// `packet_length`.
        packet_length: u32,
        /// `padding_length`.
        padding_length: u8,
    },
    /// A KEXINIT that did not decode.
    BadKexInit(SshError),
}

/// What the parser reports to its sink, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SshEvent<'a> {
    /// `dir`'s identification string.
    Banner(Direction, &'a SshBanner),
    /// `dir`'s KEXINIT (the first one is kept).
    KexInit(Direction, &'a KexInit),
    /// `dir` sent NEWKEYS: its packets are encrypted from here.
    NewKeys(Direction),
    /// See [`SshAnomaly`].
    Anomaly(Direction, SshAnomaly),
}

/// Sizes of what a direction sent after its NEWKEYS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptedStats {
    /// Chunks (TCP payloads, as handed in).
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
    /// The first [`MAX_RECORDED_SIZES`] chunk sizes, in order.
    pub sizes: Vec<u32>,
}

/// Counters of the clear phase of a direction.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ClearStats {
    /// Binary packets framed in clear.
    pub packets: u64,
    /// Their bytes (4 + packet_length each).
    pub bytes: u64,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Reading lines until the identification string.
    #[default]
    Banner,
    /// Framing clear binary packets.
    Packets,
    /// After NEWKEYS (or lost framing): counting chunks.
    Encrypted,
    /// Not parsed any more.
    Stopped,
}

/// The state of one direction, and its detection buffers.
#[derive(Clone, Debug, Default)]
pub struct SshSide {
    phase: Phase,
    /// Partial line (≤ MAX_LINE bytes).
    line: Vec<u8>,
    /// The current line is longer than MAX_LINE: its tail is dropped.
    line_overflow: bool,
    pre_lines: u32,
    pre_bytes: usize,
    banner: Option<SshBanner>,
    /// Partial packet header: packet_length (4), padding_length, msg code.
    hdr: [u8; 6],
    hdr_len: usize,
    /// Bytes of the current packet still to come after the 6 header bytes.
    remaining: usize,
    /// KEXINIT payload being collected (msg code included).
    kex_buf: Vec<u8>,
    collecting_kex: bool,
    kexinit: Option<KexInit>,
    newkeys: bool,
    clear: ClearStats,
    encrypted: EncryptedStats,
    gaps: u64,
    /// This side is the client (its KEXINIT gives `ssh.hassh`, the server's
    /// gives `ssh.hassh.server`).
    client: bool,
}

impl SshSide {
    /// The identification string, once seen.
    pub fn banner(&self) -> Option<&SshBanner> {
        self.banner.as_ref()
    }

    /// The first KEXINIT, once seen.
    pub fn kexinit(&self) -> Option<&KexInit> {
        self.kexinit.as_ref()
    }

    /// True once NEWKEYS was sent.
    pub fn newkeys(&self) -> bool {
        self.newkeys
    }

    /// Clear-phase counters.
    pub fn clear_stats(&self) -> ClearStats {
        self.clear
    }

    /// Counters after key exchange.
    pub fn encrypted_stats(&self) -> &EncryptedStats {
        &self.encrypted
    }
}

impl TxBuffers for SshSide {
    /// `ssh.proto` and `ssh.software` of this direction.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        if let Some(b) = &self.banner {
            match id {
                BufferId::SshProto => f(&b.proto),
                BufferId::SshSoftware => f(&b.software),
                _ => {}
            }
        }
        if let Some(k) = &self.kexinit {
            match (id, self.client) {
                (BufferId::SshHassh, true) => f(k.hassh(true).as_bytes()),
                (BufferId::SshHasshString, true) => f(&k.hassh_string(true)),
                (BufferId::SshHasshServer, false) => f(k.hassh(false).as_bytes()),
                (BufferId::SshHasshServerString, false) => f(&k.hassh_string(false)),
                _ => {}
            }
        }
    }
}

/// Per-flow SSH state: both directions.
#[derive(Clone, Debug, Default)]
pub struct SshState {
    sides: [SshSide; 2],
}

impl TxBuffers for SshState {
    /// Both directions' values, client first: Suricata's `ssh.proto` and
    /// `ssh.software` match the banner of either side. Use
    /// [`SshState::side`] for one direction.
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        for side in &self.sides {
            side.visit(id, f);
        }
    }
}

impl SshState {
    /// State at the start of a connection.
    pub fn new() -> SshState {
        let mut s = SshState::default();
        s.sides[Direction::ToServer.index()].client = true;
        s
    }

    /// One direction's state and buffers.
    pub fn side(&self, dir: Direction) -> &SshSide {
        &self.sides[dir.index()]
    }

    /// Sizes `dir` sent after its NEWKEYS.
    pub fn encrypted(&self, dir: Direction) -> &EncryptedStats {
        &self.sides[dir.index()].encrypted
    }

    /// Bytes buffered for `dir`: a partial line (≤ [`MAX_LINE`]) or a partial
    /// KEXINIT (≤ [`MAX_KEXINIT`]).
    pub fn buffered(&self, dir: Direction) -> usize {
        let side = &self.sides[dir.index()];
        side.line.len() + side.kex_buf.len()
    }

    /// True once `dir`'s packets are encrypted (or no longer framed).
    pub fn is_encrypted(&self, dir: Direction) -> bool {
        self.sides[dir.index()].phase == Phase::Encrypted
    }

    /// Records `len` bytes sent encrypted by `dir` as one packet. [`parse`]
    /// calls this for every data chunk after `dir`'s NEWKEYS; call it directly
    /// for payloads that are not handed to `parse` (e.g. after the stream's
    /// reassembly depth was reached), never for both.
    ///
    /// [`parse`]: SshState::parse
    pub fn record_encrypted(&mut self, dir: Direction, len: usize) {
        let e = &mut self.sides[dir.index()].encrypted;
        e.packets += 1;
        e.bytes += len as u64;
        if e.sizes.len() < MAX_RECORDED_SIZES {
            e.sizes.push(u32::try_from(len).unwrap_or(u32::MAX));
        }
    }

    /// Bytes of `dir` were lost. Before key exchange the framing is gone
    /// (parsing of `dir` stops); after it, counting goes on (the lost bytes
    /// are not counted).
    pub fn gap(&mut self, dir: Direction) {
        let side = &mut self.sides[dir.index()];
        if matches!(side.phase, Phase::Banner | Phase::Packets) {
            side.phase = Phase::Stopped;
            side.line = Vec::new();
            side.kex_buf = Vec::new();
        }
        side.gaps += 1;
    }

    /// Gaps reported for `dir`.
    pub fn gaps(&self, dir: Direction) -> u64 {
        self.sides[dir.index()].gaps
    }

    /// Consumes in-order stream bytes of `dir`.
    pub fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn FnMut(SshEvent<'_>)) {
        let mut input = data;
        while !input.is_empty() {
            match self.sides[dir.index()].phase {
                Phase::Banner => input = self.banner_bytes(dir, input, sink),
                Phase::Packets => input = self.packet_bytes(dir, input, sink),
                Phase::Encrypted => {
                    self.record_encrypted(dir, input.len());
                    return;
                }
                Phase::Stopped => return,
            }
        }
    }

    /// Lines until the identification string; returns the unread input.
    fn banner_bytes<'d>(
        &mut self,
        dir: Direction,
        input: &'d [u8],
        sink: &mut dyn FnMut(SshEvent<'_>),
    ) -> &'d [u8] {
        let side = &mut self.sides[dir.index()];
        let (piece, rest, complete) = match memchr::memchr(b'\n', input) {
            Some(i) => (&input[..i], &input[i + 1..], true),
            None => (input, &input[input.len()..], false),
        };
        if !side.line_overflow {
            // Keep room for the LF within MAX_LINE; the rest of a longer line
            // is dropped, not buffered.
            let room = (MAX_LINE - 1).saturating_sub(side.line.len());
            side.line.extend_from_slice(&piece[..piece.len().min(room)]);
            side.line_overflow = piece.len() > room;
        }
        side.pre_bytes = side
            .pre_bytes
            .saturating_add(piece.len() + usize::from(complete));
        if !complete {
            if side.pre_bytes > MAX_PRE_BANNER_BYTES && !side.line.starts_with(b"SSH-") {
                side.phase = Phase::Stopped;
                sink(SshEvent::Anomaly(dir, SshAnomaly::NotSsh));
            }
            return rest;
        }
        let mut line = std::mem::take(&mut side.line);
        let long = std::mem::take(&mut side.line_overflow);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.starts_with(b"SSH-") {
            if long {
                sink(SshEvent::Anomaly(dir, SshAnomaly::LongBanner));
            }
            match parse_banner(&line) {
                Ok(b) => {
                    let v2 = b.is_v2();
                    side.phase = if v2 { Phase::Packets } else { Phase::Encrypted };
                    let b = side.banner.insert(b);
                    sink(SshEvent::Banner(dir, b));
                    if !v2 {
                        sink(SshEvent::Anomaly(dir, SshAnomaly::NotVersion2));
                    }
                }
                Err(_) => {
                    side.phase = Phase::Packets;
                    sink(SshEvent::Anomaly(dir, SshAnomaly::BadBanner));
                }
            }
            return rest;
        }
        side.pre_lines += 1;
        // RFC 4253 §4.2: only the server may send other lines first.
        if dir == Direction::ToServer
            || side.pre_lines > MAX_PRE_BANNER_LINES
            || side.pre_bytes > MAX_PRE_BANNER_BYTES
        {
            side.phase = Phase::Stopped;
            sink(SshEvent::Anomaly(dir, SshAnomaly::NotSsh));
            return rest;
        }
        line.clear();
        side.line = line;
        rest
    }

    /// Clear binary packets; returns the unread input.
    fn packet_bytes<'d>(
        &mut self,
        dir: Direction,
        mut input: &'d [u8],
        sink: &mut dyn FnMut(SshEvent<'_>),
    ) -> &'d [u8] {
        let side = &mut self.sides[dir.index()];
        if side.hdr_len < 6 {
            let take = (6 - side.hdr_len).min(input.len());
            side.hdr[side.hdr_len..side.hdr_len + take].copy_from_slice(&input[..take]);
            side.hdr_len += take;
            input = &input[take..];
            if side.hdr_len < 6 {
                return input;
            }
            let h = side.hdr;
            let packet_length = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
            let padding_length = h[4];
            let plen = packet_length as usize;
            // RFC 4253 §6: padding ≥ 4, a payload of at least the message code.
            if !(6..=MAX_PACKET).contains(&plen)
                || padding_length < 4
                || usize::from(padding_length) + 2 > plen
            {
                side.phase = Phase::Encrypted;
                side.kex_buf = Vec::new();
                sink(SshEvent::Anomaly(
                    dir,
                    SshAnomaly::BadPacket {
                        packet_length,
                        padding_length,
                    },
                ));
                // What follows is counted as encrypted data.
                return input;
            }
            side.remaining = plen - 2;
            side.clear.packets += 1;
            side.clear.bytes += 4 + plen as u64;
            side.collecting_kex = h[5] == MSG_KEXINIT && side.kexinit.is_none();
            if side.collecting_kex {
                let payload_len = plen - usize::from(padding_length) - 1;
                side.kex_buf = Vec::with_capacity(payload_len.min(MAX_KEXINIT));
                side.kex_buf.push(MSG_KEXINIT);
            }
        }
        let n = side.remaining.min(input.len());
        if side.collecting_kex {
            let room = MAX_KEXINIT.saturating_sub(side.kex_buf.len());
            side.kex_buf.extend_from_slice(&input[..n.min(room)]);
        }
        side.remaining -= n;
        input = &input[n..];
        if side.remaining > 0 {
            return input;
        }
        // Packet complete.
        side.hdr_len = 0;
        let code = side.hdr[5];
        if side.collecting_kex {
            side.collecting_kex = false;
            let buf = std::mem::take(&mut side.kex_buf);
            // The buffer holds payload and padding; the parser stops at the
            // fields' end, so the padding is harmless.
            match parse_kexinit(&buf) {
                Ok(k) => {
                    let k = side.kexinit.insert(k);
                    sink(SshEvent::KexInit(dir, k));
                }
                Err(e) => sink(SshEvent::Anomaly(dir, SshAnomaly::BadKexInit(e))),
            }
        }
        if code == MSG_NEWKEYS {
            side.newkeys = true;
            side.phase = Phase::Encrypted;
            sink(SshEvent::NewKeys(dir));
        }
        input
    }
}

/// Protocol detection: the stream starts with `SSH-`.
pub fn probe(data: &[u8]) -> Probe {
    let n = data.len().min(4);
    if data[..n] != b"SSH-"[..n] {
        Probe::No
    } else if n < 4 {
        Probe::NeedMore
    } else {
        Probe::Yes
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
