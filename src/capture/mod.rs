//! Packet sources: pcap/pcapng files (replay) and live interfaces (libpcap).
//!
//! A source hands out [`RawPacket`]s: borrowed bytes plus capture time, link type
//! and the index of the interface (or file) they came from. The capture thread
//! copies them into batches for the workers (`pipeline`), so a source's buffer
//! may be reused as soon as its callback returns.
//!
//! An inline source ([`NfqSource`], NFQUEUE) fits the same trait: it reports
//! [`SourceKind::Inline`], each of its packets carries a [`VerdictId`] that
//! the worker answers once the packet is inspected, and it hands the pipeline
//! the [`crate::inline::Inline`] state that sends the answers. Passive sources
//! never wait for a verdict.

mod live;
mod nfq;
mod offline;

pub use live::LiveSource;
pub use nfq::{NfqOptions, NfqSource, NfqVerdicts, Verdict, VerdictId};
pub use offline::OfflineSource;

use std::path::PathBuf;

use crate::decode::LinkType;
use crate::time::Timestamp;

/// One captured packet, borrowed from the source's buffer.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// Framing of `data`.
    pub link: LinkType,
    /// Captured bytes (at most the snaplen).
    pub data: &'a [u8],
    /// Length on the wire.
    pub wire_len: u32,
    /// Index into the source's interface names ([`PacketSource::iface_names`]).
    pub iface: u16,
    /// Inline sources: the packet waits for this verdict.
    pub verdict: Option<VerdictId>,
}

/// Whether packets wait for a verdict.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A mirror port or a file: packets are copies, nothing waits.
    Passive,
    /// Inline (NFQUEUE): every packet waits for a verdict.
    Inline,
}

/// What one [`PacketSource::read`] call found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReadStatus {
    /// Some packets were delivered (possibly fewer than asked).
    Packets(usize),
    /// No packet arrived within the poll interval (live sources only).
    Idle,
    /// The source is exhausted (end of the last file).
    End,
}

/// Kernel counters of a live capture (pcap_stats).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelStats {
    /// Packets the kernel passed to the capture (`ps_recv`).
    pub received: u64,
    /// Packets dropped because the capture buffer was full (`ps_drop`).
    pub dropped: u64,
    /// Packets dropped by the interface or driver (`ps_ifdrop`).
    pub if_dropped: u64,
}

/// A capture problem, naming the file or interface.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// A capture file does not exist or cannot be read.
    #[error("{path}: cannot open capture file: {message}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why (libpcap's words).
        message: String,
    },
    /// A capture file uses a link type wardwatch cannot decode.
    #[error(
        "{path}: unsupported link type {linktype} ({name}); supported: Ethernet, Linux SLL/SLL2, raw IP, NULL/loopback"
    )]
    LinkType {
        /// The file or interface.
        path: PathBuf,
        /// pcap link-type number.
        linktype: i32,
        /// Its name.
        name: String,
    },
    /// A live interface could not be opened or configured.
    #[error("interface {iface}: {message}")]
    Live {
        /// Interface name.
        iface: String,
        /// What failed and, where known, how to fix it.
        message: String,
    },
    /// Reading failed mid-way.
    #[error("{source_name}: read error: {message}")]
    Read {
        /// File or interface.
        source_name: String,
        /// libpcap's words.
        message: String,
    },
}

/// A source of packets. `Send` so it can run on its own capture thread.
pub trait PacketSource: Send {
    /// Passive or inline.
    fn kind(&self) -> SourceKind {
        SourceKind::Passive
    }

    /// Inline sources: what answers their packets.
    fn inline(&self) -> Option<std::sync::Arc<crate::inline::Inline>> {
        None
    }

    /// Names for `RawPacket::iface` (EVE `in_iface`).
    fn iface_names(&self) -> Vec<String>;

    /// Delivers up to `max` packets to `f`. Live sources wait at most a short
    /// poll interval (so shutdown stays prompt on a quiet network) and return
    /// [`ReadStatus::Idle`] when nothing came.
    fn read(
        &mut self,
        max: usize,
        f: &mut dyn FnMut(RawPacket<'_>),
    ) -> Result<ReadStatus, CaptureError>;

    /// Kernel counters, for live sources.
    fn kernel_stats(&mut self) -> Option<KernelStats> {
        None
    }

    /// Problems met while reading that did not stop it (e.g. a truncated last
    /// record), each naming the file. Drained by the caller.
    fn take_warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
}

fn link_type_of(
    linktype: pcap::Linktype,
    path: &std::path::Path,
) -> Result<LinkType, CaptureError> {
    LinkType::from_linktype(linktype.0).ok_or_else(|| CaptureError::LinkType {
        path: path.to_path_buf(),
        linktype: linktype.0,
        name: linktype
            .get_name()
            .unwrap_or_else(|_| "unknown".to_string()),
    })
}

fn header_ts(h: &pcap::PacketHeader) -> Timestamp {
    Timestamp::from_secs_micros(h.ts.tv_sec, h.ts.tv_usec)
}
