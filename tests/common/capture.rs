//! Capture-file writers: classic pcap (µs and ns) and pcapng, written by hand
//! in little-endian so a test controls every byte a reader sees.
//!
//! Formats: classic pcap per draft-ietf-opsawg-pcap, pcapng per
//! draft-ietf-opsawg-pcapng (Section Header, Interface Description and
//! Enhanced Packet blocks).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Snapshot length written into every file header (libpcap's default).
pub const SNAPLEN: u32 = 262_144;

/// Classic pcap magic for microsecond timestamps.
pub const PCAP_MAGIC_MICROS: u32 = 0xa1b2_c3d4;

/// Classic pcap magic for nanosecond timestamps.
pub const PCAP_MAGIC_NANOS: u32 = 0xa1b2_3c4d;

/// A start time for fixtures: 2024-04-01T09:30:00Z, in microseconds since the epoch.
pub const T0_MICROS: u64 = 1_711_963_800_000_000;

/// One captured frame: its capture time, the captured bytes and, when the
/// capture was cut by a snaplen, the length the frame had on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Capture time in microseconds since the Unix epoch.
    pub ts_micros: u64,
    /// The captured bytes, starting at the link layer.
    pub data: Vec<u8>,
    /// Original length on the wire; `None` means `data.len()`.
    pub orig_len: Option<u32>,
}

impl Frame {
    /// A frame captured whole at `ts_micros`.
    pub fn new(ts_micros: u64, data: Vec<u8>) -> Self {
        Frame {
            ts_micros,
            data,
            orig_len: None,
        }
    }

    /// This frame as a snaplen of `snap` bytes would have captured it (data cut, `orig_len` kept).
    pub fn snapped(mut self, snap: usize) -> Self {
        let orig = self.orig_len.unwrap_or(self.data.len() as u32);
        self.data.truncate(snap);
        self.orig_len = Some(orig);
        self
    }

    /// The length on the wire: `orig_len`, or `data.len()` when unset.
    pub fn wire_len(&self) -> u32 {
        self.orig_len.unwrap_or(self.data.len() as u32)
    }
}

/// Frames from `packets`, stamped `start_micros`, `start_micros + step_micros`, ...
pub fn frames_at(
    start_micros: u64,
    step_micros: u64,
    packets: impl IntoIterator<Item = Vec<u8>>,
) -> Vec<Frame> {
    packets
        .into_iter()
        .enumerate()
        .map(|(i, data)| Frame::new(start_micros + i as u64 * step_micros, data))
        .collect()
}

/// Re-stamps `frames` in their current order (e.g. after a shuffle) with increasing times.
pub fn restamp(frames: &mut [Frame], start_micros: u64, step_micros: u64) {
    for (i, frame) in frames.iter_mut().enumerate() {
        frame.ts_micros = start_micros + i as u64 * step_micros;
    }
}

/// The bytes of a classic pcap file with microsecond timestamps (magic 0xa1b2c3d4).
pub fn pcap_bytes(linktype: u32, frames: &[Frame]) -> Vec<u8> {
    classic_pcap_bytes(PCAP_MAGIC_MICROS, linktype, frames)
}

/// The bytes of a classic pcap file with nanosecond timestamps (magic 0xa1b23c4d).
pub fn pcap_nanos_bytes(linktype: u32, frames: &[Frame]) -> Vec<u8> {
    classic_pcap_bytes(PCAP_MAGIC_NANOS, linktype, frames)
}

fn classic_pcap_bytes(magic: u32, linktype: u32, frames: &[Frame]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + frames.iter().map(|f| 16 + f.data.len()).sum::<usize>());
    out.extend_from_slice(&magic.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes()); // version major
    out.extend_from_slice(&4u16.to_le_bytes()); // version minor
    out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&SNAPLEN.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    for frame in frames {
        let secs = frame.ts_micros / 1_000_000;
        let micros = frame.ts_micros % 1_000_000;
        let frac = if magic == PCAP_MAGIC_NANOS {
            micros * 1000
        } else {
            micros
        };
        out.extend_from_slice(&(secs as u32).to_le_bytes());
        out.extend_from_slice(&(frac as u32).to_le_bytes());
        out.extend_from_slice(&(frame.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&frame.wire_len().to_le_bytes());
        out.extend_from_slice(&frame.data);
    }
    out
}

/// Writes a classic pcap file, microsecond timestamps (magic 0xa1b2c3d4), snaplen 262144.
pub fn write_pcap(path: impl AsRef<Path>, linktype: u32, frames: &[Frame]) -> io::Result<()> {
    write_all(path.as_ref(), &pcap_bytes(linktype, frames))
}

/// Writes a classic pcap file, nanosecond timestamps (magic 0xa1b23c4d; `ts_micros * 1000`).
pub fn write_pcap_nanos(path: impl AsRef<Path>, linktype: u32, frames: &[Frame]) -> io::Result<()> {
    write_all(path.as_ref(), &pcap_nanos_bytes(linktype, frames))
}

/// Appends one pcapng block: type, total length, body (padded to 4), total length.
fn push_block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let padded = body.len().next_multiple_of(4);
    let total = (12 + padded) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + (padded - body.len()), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

/// Appends one pcapng option (code, length, value padded to 4).
fn push_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(
        out.len() + (value.len().next_multiple_of(4) - value.len()),
        0,
    );
}

/// One interface of a multi-interface pcapng file.
#[derive(Clone, Copy, Debug)]
pub struct NgInterface {
    /// Its link type.
    pub linktype: u32,
    /// Its snaplen.
    pub snaplen: u32,
    /// `if_tsresol` exponent of ten (6 = µs, the default, written only when not 6).
    pub tsresol: u8,
}

/// The bytes of a pcapng file with several interfaces; each frame names its interface.
pub fn pcapng_multi_bytes(ifaces: &[NgInterface], frames: &[(u32, Frame)]) -> Vec<u8> {
    let mut out = Vec::new();

    // Section Header Block: byte-order magic, version 1.0, section length unknown (-1).
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    push_block(&mut out, 0x0a0d_0d0a, &shb);

    // Interface Description Blocks: linktype, reserved, snaplen, if_name "ethN",
    // and if_tsresol only when not the default 10^-6.
    for (n, iface) in ifaces.iter().enumerate() {
        let mut idb = Vec::new();
        idb.extend_from_slice(&(iface.linktype as u16).to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&iface.snaplen.to_le_bytes());
        push_option(&mut idb, 2, format!("eth{n}").as_bytes());
        if iface.tsresol != 6 {
            push_option(&mut idb, 9, &[iface.tsresol]);
        }
        push_option(&mut idb, 0, &[]);
        push_block(&mut out, 1, &idb);
    }

    // One Enhanced Packet Block per frame, timestamps in its interface's unit.
    for (if_id, frame) in frames {
        let resol = ifaces.get(*if_id as usize).map(|i| i.tsresol).unwrap_or(6);
        let ts = if resol >= 6 {
            frame.ts_micros * 10u64.pow(u32::from(resol) - 6)
        } else {
            frame.ts_micros / 10u64.pow(6 - u32::from(resol))
        };
        let mut epb = Vec::with_capacity(20 + frame.data.len() + 3);
        epb.extend_from_slice(&if_id.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&frame.wire_len().to_le_bytes());
        epb.extend_from_slice(&frame.data);
        push_block(&mut out, 6, &epb);
    }
    out
}

fn pcapng_bytes_with_resolution(linktype: u32, frames: &[Frame], nanos: bool) -> Vec<u8> {
    let iface = NgInterface {
        linktype,
        snaplen: SNAPLEN,
        tsresol: if nanos { 9 } else { 6 },
    };
    let frames: Vec<(u32, Frame)> = frames.iter().map(|f| (0, f.clone())).collect();
    pcapng_multi_bytes(&[iface], &frames)
}

/// The bytes of a pcapng file: SHB, one IDB (µs, `if_name` "eth0"), one EPB per frame.
pub fn pcapng_bytes(linktype: u32, frames: &[Frame]) -> Vec<u8> {
    pcapng_bytes_with_resolution(linktype, frames, false)
}

/// Writes a pcapng file: SHB, one IDB (default if_tsresol = µs), one EPB per frame.
pub fn write_pcapng(path: impl AsRef<Path>, linktype: u32, frames: &[Frame]) -> io::Result<()> {
    write_all(path.as_ref(), &pcapng_bytes(linktype, frames))
}

/// Writes a pcapng file whose IDB carries if_tsresol = 9 (nanosecond EPB timestamps).
pub fn write_pcapng_nanos(
    path: impl AsRef<Path>,
    linktype: u32,
    frames: &[Frame],
) -> io::Result<()> {
    write_all(
        path.as_ref(),
        &pcapng_bytes_with_resolution(linktype, frames, true),
    )
}

/// Cuts the last `drop_bytes` bytes off the file (e.g. into the last record, for truncated-capture tests).
pub fn truncate_file(path: impl AsRef<Path>, drop_bytes: u64) -> io::Result<()> {
    let file = OpenOptions::new().write(true).open(path.as_ref())?;
    let len = file.metadata()?.len();
    file.set_len(len.saturating_sub(drop_bytes))
}

/// Writes a classic µs pcap into a fresh temp dir; keep the `TempDir` alive while the path is used.
pub fn temp_pcap(linktype: u32, frames: &[Frame]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("create temp dir for pcap fixture");
    let path = dir.path().join("fixture.pcap");
    write_pcap(&path, linktype, frames).expect("write pcap fixture");
    (dir, path)
}

fn write_all(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
