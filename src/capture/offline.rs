//! Replay of pcap and pcapng files, in the order given.
//!
//! Classic pcap files are read by libpcap. pcapng files are read with the
//! `pcap-file` crate instead, because libpcap (1.10) refuses a pcapng file
//! whose interfaces differ in link type or snaplen — exactly what merged
//! captures from several sensors look like. Here each pcapng interface keeps
//! its own link type and timestamp resolution.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};

use super::{CaptureError, PacketSource, RawPacket, ReadStatus, header_ts, link_type_of};
use crate::decode::LinkType;
use crate::time::Timestamp;

/// Reads several capture files one after the other.
///
/// Every file is opened (and, for pcap, its link type checked) up front by
/// [`OfflineSource::open`], so a missing or non-capture file is reported before
/// any packet is processed. A read error mid-file — typically a truncated last
/// record from a capture that was cut off — is reported as a warning naming the
/// file and the record number; the records before it have been delivered and
/// replay goes on with the next file.
pub struct OfflineSource {
    files: Vec<OpenFile>,
    current: usize,
    warnings: Vec<String>,
}

struct OpenFile {
    path: PathBuf,
    reader: Option<FileReader>,
    records: u64,
}

enum FileReader {
    Libpcap {
        cap: pcap::Capture<pcap::Offline>,
        link: LinkType,
    },
    PcapNg {
        reader: Box<PcapNgReader<BufReader<File>>>,
        ifaces: Vec<NgIface>,
        /// Time of the last timed record, for Simple Packet Blocks (which carry none).
        last_ts: Timestamp,
    },
}

/// One pcapng interface (Interface Description Block).
struct NgIface {
    link: LinkType,
    /// Timestamp units per second (`if_tsresol`, default 10^6).
    units_per_sec: u64,
    /// Seconds added to every timestamp (`if_tsoffset`).
    offset_secs: u64,
}

impl NgIface {
    fn timestamp(&self, units: u64) -> Timestamp {
        let micros = u128::from(units) * 1_000_000 / u128::from(self.units_per_sec.max(1));
        Timestamp(u64::try_from(micros).unwrap_or(u64::MAX)).plus_secs(self.offset_secs)
    }
}

/// What one step of a reader produced.
enum Step {
    Delivered,
    Skipped,
    End,
    Failed(String),
}

impl OfflineSource {
    /// Opens every file; the first one that cannot be read is the error.
    pub fn open(paths: &[PathBuf]) -> Result<Self, CaptureError> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(open_file(path)?);
        }
        Ok(OfflineSource {
            files,
            current: 0,
            warnings: Vec::new(),
        })
    }
}

fn open_error(path: &Path, message: impl Into<String>) -> CaptureError {
    CaptureError::Open {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn open_file(path: &Path) -> Result<OpenFile, CaptureError> {
    // libpcap's own message for a missing file is fine, but for a directory or
    // an empty file it is cryptic; check the obvious cases first.
    match std::fs::metadata(path) {
        Err(e) => return Err(open_error(path, e.to_string())),
        Ok(m) if m.is_dir() => return Err(open_error(path, "is a directory, not a capture file")),
        Ok(m) if m.len() == 0 => {
            return Err(open_error(
                path,
                "file is empty, not a pcap or pcapng capture",
            ));
        }
        Ok(_) => {}
    }
    let reader = if is_pcapng(path) {
        let file = File::open(path).map_err(|e| open_error(path, e.to_string()))?;
        let reader = PcapNgReader::new(BufReader::with_capacity(1 << 20, file))
            .map_err(|e| open_error(path, format!("not a readable pcapng file ({e})")))?;
        FileReader::PcapNg {
            reader: Box::new(reader),
            ifaces: Vec::new(),
            last_ts: Timestamp(0),
        }
    } else {
        let cap = pcap::Capture::from_file_with_precision(path, pcap::Precision::Micro)
            .map_err(|e| open_error(path, format!("not a readable pcap or pcapng file ({e})")))?;
        let link = link_type_of(cap.get_datalink(), path)?;
        FileReader::Libpcap { cap, link }
    };
    Ok(OpenFile {
        path: path.to_path_buf(),
        reader: Some(reader),
        records: 0,
    })
}

/// pcapng files start with a Section Header Block, type 0x0A0D0D0A.
fn is_pcapng(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == [0x0a, 0x0d, 0x0d, 0x0a]
}

impl FileReader {
    /// Reads one record (or one non-packet block) and hands packets to `f`.
    fn step(&mut self, iface: u16, f: &mut dyn FnMut(RawPacket<'_>)) -> Step {
        match self {
            FileReader::Libpcap { cap, link } => match cap.next_packet() {
                Ok(p) => {
                    f(RawPacket {
                        ts: header_ts(p.header),
                        link: *link,
                        data: p.data,
                        wire_len: p.header.len,
                        iface,
                        verdict: None,
                    });
                    Step::Delivered
                }
                Err(pcap::Error::NoMorePackets) => Step::End,
                Err(e) => Step::Failed(e.to_string()),
            },
            FileReader::PcapNg {
                reader,
                ifaces,
                last_ts,
            } => {
                let block = match reader.next_block() {
                    None => return Step::End,
                    Some(Err(e)) => return Step::Failed(format!("pcapng: {e}")),
                    Some(Ok(b)) => b,
                };
                let (if_id, units, wire_len, data) = match &block {
                    Block::SectionHeader(_) => {
                        // Interface ids are per section.
                        ifaces.clear();
                        return Step::Skipped;
                    }
                    Block::InterfaceDescription(idb) => {
                        ifaces.push(describe_interface(idb));
                        return Step::Skipped;
                    }
                    Block::EnhancedPacket(epb) => (
                        epb.interface_id,
                        // pcap-file stores the raw units as if they were
                        // nanoseconds; the real unit is the interface's.
                        Some(u64::try_from(epb.timestamp.as_nanos()).unwrap_or(u64::MAX)),
                        epb.original_len,
                        &epb.data,
                    ),
                    Block::SimplePacket(spb) => (0, None, spb.original_len, &spb.data),
                    Block::Packet(pb) => (
                        u32::from(pb.interface_id),
                        Some(pb.timestamp),
                        pb.original_len,
                        &pb.data,
                    ),
                    _ => return Step::Skipped,
                };
                let Some(ng) = usize::try_from(if_id).ok().and_then(|i| ifaces.get(i)) else {
                    return Step::Failed(format!(
                        "pcapng: packet for interface {if_id}, which was never described"
                    ));
                };
                let ts = units.map(|u| ng.timestamp(u)).unwrap_or(*last_ts);
                *last_ts = ts;
                f(RawPacket {
                    ts,
                    link: ng.link,
                    data,
                    wire_len,
                    iface,
                    verdict: None,
                });
                Step::Delivered
            }
        }
    }
}

fn describe_interface(
    idb: &pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock<'_>,
) -> NgIface {
    let number = u32::from(idb.linktype);
    let link = i32::try_from(number)
        .ok()
        .and_then(LinkType::from_linktype)
        .unwrap_or(LinkType::Unsupported(
            u16::try_from(number).unwrap_or(u16::MAX),
        ));
    let mut units_per_sec = 1_000_000u64;
    let mut offset_secs = 0;
    for opt in &idb.options {
        match opt {
            InterfaceDescriptionOption::IfTsResol(r) => {
                // High bit set: a negative power of two; else of ten.
                let exp = u32::from(r & 0x7f);
                units_per_sec = if r & 0x80 != 0 {
                    1u64.checked_shl(exp).unwrap_or(u64::MAX)
                } else {
                    10u64.checked_pow(exp).unwrap_or(u64::MAX)
                };
            }
            InterfaceDescriptionOption::IfTsOffset(o) => offset_secs = *o,
            _ => {}
        }
    }
    NgIface {
        link,
        units_per_sec,
        offset_secs,
    }
}

impl PacketSource for OfflineSource {
    fn iface_names(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|f| {
                f.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| f.path.display().to_string())
            })
            .collect()
    }

    fn read(
        &mut self,
        max: usize,
        f: &mut dyn FnMut(RawPacket<'_>),
    ) -> Result<ReadStatus, CaptureError> {
        let mut delivered = 0;
        while delivered < max {
            let idx = self.current;
            let Some(file) = self.files.get_mut(idx) else {
                break;
            };
            let Some(reader) = file.reader.as_mut() else {
                self.current += 1;
                continue;
            };
            match reader.step(u16::try_from(idx).unwrap_or(u16::MAX), f) {
                Step::Delivered => {
                    file.records += 1;
                    delivered += 1;
                }
                Step::Skipped => {}
                Step::End => {
                    file.reader = None;
                    self.current += 1;
                }
                Step::Failed(e) => {
                    self.warnings.push(format!(
                        "{}: stopped reading after record {}: {}",
                        file.path.display(),
                        file.records,
                        e
                    ));
                    file.reader = None;
                    self.current += 1;
                }
            }
        }
        if delivered == 0 && self.current >= self.files.len() {
            Ok(ReadStatus::End)
        } else {
            Ok(ReadStatus::Packets(delivered))
        }
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}
