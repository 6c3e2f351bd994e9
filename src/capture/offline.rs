//! Replay of pcap and pcapng files, in the order given.

use std::path::{Path, PathBuf};

use super::{CaptureError, PacketSource, RawPacket, ReadStatus, header_ts, link_type_of};
use crate::decode::LinkType;

/// Reads several capture files one after the other.
///
/// Every file is opened (and its link type checked) up front by
/// [`OfflineSource::open`], so a missing or non-pcap file is reported before
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
    link: LinkType,
    cap: Option<pcap::Capture<pcap::Offline>>,
    records: u64,
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

fn open_file(path: &Path) -> Result<OpenFile, CaptureError> {
    // libpcap's own message for a missing file is fine, but for a directory or
    // an empty file it is cryptic; check the obvious cases first.
    match std::fs::metadata(path) {
        Err(e) => {
            return Err(CaptureError::Open {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
        Ok(m) if m.is_dir() => {
            return Err(CaptureError::Open {
                path: path.to_path_buf(),
                message: "is a directory, not a capture file".into(),
            });
        }
        Ok(m) if m.len() == 0 => {
            return Err(CaptureError::Open {
                path: path.to_path_buf(),
                message: "file is empty, not a pcap or pcapng capture".into(),
            });
        }
        Ok(_) => {}
    }
    let cap =
        pcap::Capture::from_file_with_precision(path, pcap::Precision::Micro).map_err(|e| {
            CaptureError::Open {
                path: path.to_path_buf(),
                message: format!("not a readable pcap or pcapng file ({e})"),
            }
        })?;
    let link = link_type_of(cap.get_datalink(), path)?;
    Ok(OpenFile {
        path: path.to_path_buf(),
        link,
        cap: Some(cap),
        records: 0,
    })
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
            let Some(cap) = file.cap.as_mut() else {
                self.current += 1;
                continue;
            };
            match cap.next_packet() {
                Ok(p) => {
                    file.records += 1;
                    f(RawPacket {
                        ts: header_ts(p.header),
                        link: file.link,
                        data: p.data,
                        wire_len: p.header.len,
                        iface: u16::try_from(idx).unwrap_or(u16::MAX),
                    });
                    delivered += 1;
                }
                Err(pcap::Error::NoMorePackets) => {
                    file.cap = None;
                    self.current += 1;
                }
                Err(e) => {
                    self.warnings.push(format!(
                        "{}: stopped reading after record {}: {}",
                        file.path.display(),
                        file.records,
                        e
                    ));
                    file.cap = None;
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
