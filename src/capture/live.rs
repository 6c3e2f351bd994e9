//! Live capture on an interface (a switch's mirror port) through libpcap.

use std::os::fd::AsFd;

use nix::poll::{PollFd, PollFlags, PollTimeout};

use super::{
    CaptureError, KernelStats, PacketSource, RawPacket, ReadStatus, header_ts, link_type_of,
};
use crate::config::LiveOptions;
use crate::decode::LinkType;

/// How long one `read` waits for a packet on a quiet interface. libpcap's own
/// read timeout never fires on an idle interface on Linux (TPACKET_V3 waits for
/// a block to fill), so the handle is non-blocking and we `poll` its fd; this
/// bounds how late shutdown, reload and idle flow expiry can be.
const POLL_MS: u16 = 100;

/// A live libpcap handle on one interface; the pipeline runs one capture
/// thread per interface.
pub struct LiveSource {
    name: String,
    index: u16,
    link: LinkType,
    cap: pcap::Capture<pcap::Active>,
    /// Counter values at open, so stats count from our start (libpcap's are
    /// 32-bit and cumulative per handle).
    last: pcap::Stat,
    totals: KernelStats,
}

impl LiveSource {
    /// Opens `iface` with the configured options. `index` is the interface's
    /// position in the sensor's interface list (EVE `in_iface`).
    pub fn open(iface: &str, index: u16, opts: &LiveOptions) -> Result<Self, CaptureError> {
        let live = |message: String| CaptureError::Live {
            iface: iface.to_string(),
            message,
        };
        let inactive = pcap::Capture::from_device(iface)
            .map_err(|e| live(format!("no such capture device ({e})")))?;
        let cap = inactive
            .promisc(opts.promiscuous)
            .snaplen(i32::try_from(opts.snaplen).unwrap_or(65535))
            .buffer_size(i32::try_from(opts.buffer_size).unwrap_or(i32::MAX))
            .immediate_mode(opts.immediate)
            .timeout(i32::from(POLL_MS))
            .open()
            .map_err(|e| {
                let hint = match &e {
                    pcap::Error::PcapError(m) if m.contains("ermission") => {
                        " — capturing needs root or CAP_NET_RAW (e.g. `setcap cap_net_raw+ep wardwatch`)"
                    }
                    _ => "",
                };
                live(format!("cannot open for capture: {e}{hint}"))
            })?;
        let mut cap = cap
            .setnonblock()
            .map_err(|e| live(format!("cannot make the handle non-blocking: {e}")))?;
        if !opts.bpf_filter.trim().is_empty() {
            cap.filter(&opts.bpf_filter, true).map_err(|e| {
                live(format!(
                    "bad capture.bpf_filter `{}`: {e} (see `man pcap-filter`)",
                    opts.bpf_filter
                ))
            })?;
        }
        let link = link_type_of(cap.get_datalink(), std::path::Path::new(iface))?;
        let last = cap.stats().unwrap_or(pcap::Stat {
            received: 0,
            dropped: 0,
            if_dropped: 0,
        });
        Ok(LiveSource {
            name: iface.to_string(),
            index,
            link,
            cap,
            last,
            totals: KernelStats::default(),
        })
    }
}

impl PacketSource for LiveSource {
    fn iface_names(&self) -> Vec<String> {
        vec![self.name.clone()]
    }

    fn read(
        &mut self,
        max: usize,
        f: &mut dyn FnMut(RawPacket<'_>),
    ) -> Result<ReadStatus, CaptureError> {
        let mut delivered = 0;
        let mut polled = false;
        while delivered < max {
            match self.cap.next_packet() {
                Ok(p) => {
                    f(RawPacket {
                        ts: header_ts(p.header),
                        link: self.link,
                        data: p.data,
                        wire_len: p.header.len,
                        iface: self.index,
                        verdict: None,
                    });
                    delivered += 1;
                }
                Err(pcap::Error::TimeoutExpired) | Err(pcap::Error::NoMorePackets) => {
                    if delivered > 0 || polled {
                        break;
                    }
                    polled = true;
                    let mut fds = [PollFd::new(self.cap.as_fd(), PollFlags::POLLIN)];
                    match nix::poll::poll(&mut fds, PollTimeout::from(POLL_MS)) {
                        Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                        Err(e) => {
                            return Err(CaptureError::Read {
                                source_name: self.name.clone(),
                                message: format!("poll failed: {e}"),
                            });
                        }
                    }
                }
                Err(e) => {
                    return Err(CaptureError::Read {
                        source_name: self.name.clone(),
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(if delivered == 0 {
            ReadStatus::Idle
        } else {
            ReadStatus::Packets(delivered)
        })
    }

    fn kernel_stats(&mut self) -> Option<KernelStats> {
        let now = self.cap.stats().ok()?;
        // libpcap's counters are u32 and wrap; accumulate deltas into u64.
        let t = &mut self.totals;
        t.received += u64::from(now.received.wrapping_sub(self.last.received));
        t.dropped += u64::from(now.dropped.wrapping_sub(self.last.dropped));
        t.if_dropped += u64::from(now.if_dropped.wrapping_sub(self.last.if_dropped));
        self.last = now;
        Some(*t)
    }
}
