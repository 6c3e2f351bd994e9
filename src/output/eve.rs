//! EVE JSON: one Suricata-compatible JSON object per line.
//!
//! SIEM pipelines (Elastic, Splunk, Wazuh, Graylog, EveBox) already parse
//! Suricata's EVE, so field names and nesting follow Suricata's: a common header
//! (`timestamp`, `flow_id`, `in_iface`, `event_type`, addresses, ports, `proto`,
//! `app_proto`) and one object named after the event type.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::spool::FsyncPolicy;
use crate::flow::{EndReason, Flow};
use crate::time::Timestamp;

/// Fields every flow-bound EVE event starts with.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EveHeader {
    /// RFC 3339, microseconds, explicit offset.
    pub timestamp: String,
    /// Stable id shared by all events of one flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<u64>,
    /// Interface (live) or capture file name (replay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_iface: Option<String>,
    /// `flow`, `alert`, `stats`, ...
    pub event_type: &'static str,
    /// Record number of the triggering packet in its capture (alerts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pcap_cnt: Option<u64>,
    /// VLAN ids, outer first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<Vec<u16>>,
    /// Source address (the client for flow events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_ip: Option<IpAddr>,
    /// Source port (absent for port-less protocols).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    /// Destination address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_ip: Option<IpAddr>,
    /// Destination port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_port: Option<u16>,
    /// `TCP`, `UDP`, `ICMP`, `IPv6-ICMP`, or the protocol number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto: Option<String>,
    /// ICMP type (ICMP flows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<u8>,
    /// ICMP code (ICMP flows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<u8>,
    /// Detected application protocol, Suricata's names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_proto: Option<&'static str>,
}

impl EveHeader {
    /// The header of an event about `flow`, client as source.
    pub fn for_flow(
        flow: &Flow,
        timestamp: Timestamp,
        event_type: &'static str,
        ifaces: &[String],
    ) -> Self {
        let is_icmp = flow.icmp_type.is_some();
        let vlans: Vec<u16> = flow.vlans.ids().collect();
        EveHeader {
            timestamp: timestamp.rfc3339(),
            flow_id: Some(flow.id),
            in_iface: ifaces.get(usize::from(flow.iface)).cloned(),
            event_type,
            pcap_cnt: None,
            vlan: (!vlans.is_empty()).then_some(vlans),
            src_ip: Some(flow.client),
            src_port: (!is_icmp && has_ports(flow.ip_proto)).then_some(flow.client_port),
            dest_ip: Some(flow.server),
            dest_port: (!is_icmp && has_ports(flow.ip_proto)).then_some(flow.server_port),
            proto: Some(proto_name(flow.ip_proto)),
            icmp_type: flow.icmp_type,
            icmp_code: flow.icmp_code,
            app_proto: flow.app_proto,
        }
    }
}

impl EveHeader {
    /// The header of an event bound to no flow (a behavioural alert, a
    /// sensor notice): only the time and the type.
    pub fn unbound(timestamp: String, event_type: &'static str) -> Self {
        EveHeader {
            timestamp,
            flow_id: None,
            in_iface: None,
            event_type,
            pcap_cnt: None,
            vlan: None,
            src_ip: None,
            src_port: None,
            dest_ip: None,
            dest_port: None,
            proto: None,
            icmp_type: None,
            icmp_code: None,
            app_proto: None,
        }
    }
}

fn has_ports(ip_proto: u8) -> bool {
    matches!(ip_proto, 6 | 17 | 132)
}

/// Suricata's `proto` names for the common protocols, else the number.
pub fn proto_name(ip_proto: u8) -> String {
    match ip_proto {
        1 => "ICMP".into(),
        2 => "IGMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        47 => "GRE".into(),
        50 => "ESP".into(),
        51 => "AH".into(),
        58 => "IPv6-ICMP".into(),
        89 => "OSPF".into(),
        103 => "PIM".into(),
        112 => "VRRP".into(),
        132 => "SCTP".into(),
        n => n.to_string(),
    }
}

/// `event_type: "flow"`: written when a flow ends.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FlowEvent {
    /// Common fields.
    #[serde(flatten)]
    pub header: EveHeader,
    /// Counters and lifetime.
    pub flow: FlowInfo,
    /// TCP flags and state (TCP flows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpInfo>,
}

/// The `flow` object.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FlowInfo {
    /// Packets client → server.
    pub pkts_toserver: u64,
    /// Packets server → client.
    pub pkts_toclient: u64,
    /// Bytes (on the wire) client → server.
    pub bytes_toserver: u64,
    /// Bytes server → client.
    pub bytes_toclient: u64,
    /// First packet.
    pub start: String,
    /// Last packet.
    pub end: String,
    /// Whole seconds from start to end.
    pub age: u64,
    /// `new`, `established` or `closed`.
    pub state: &'static str,
    /// `timeout`, `forced`, `shutdown` or `tcp_reuse`.
    pub reason: &'static str,
    /// Whether any alert was raised on the flow.
    pub alerted: bool,
    /// Whether stream reassembly skipped a gap (wardwatch's addition).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gap: bool,
}

/// The `tcp` object of a flow event.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TcpInfo {
    /// All flags seen, hex.
    pub tcp_flags: String,
    /// Flags seen client → server, hex.
    pub tcp_flags_ts: String,
    /// Flags seen server → client, hex.
    pub tcp_flags_tc: String,
    /// SYN seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub syn: bool,
    /// FIN seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fin: bool,
    /// RST seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rst: bool,
    /// PSH seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub psh: bool,
    /// ACK seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ack: bool,
    /// URG seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub urg: bool,
    /// ECE seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ecn: bool,
    /// CWR seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cwr: bool,
    /// TCP state at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
}

impl FlowEvent {
    /// The event for a flow that just ended. Its timestamp is the flow's last
    /// packet, so the event is the same whenever the sweep that ended it ran.
    pub fn new(flow: &Flow, reason: EndReason, ifaces: &[String]) -> Self {
        let tcp = (flow.ip_proto == 6).then(|| {
            let all = flow.tcp_flags_ts | flow.tcp_flags_tc;
            TcpInfo {
                tcp_flags: format!("{all:02x}"),
                tcp_flags_ts: format!("{:02x}", flow.tcp_flags_ts),
                tcp_flags_tc: format!("{:02x}", flow.tcp_flags_tc),
                syn: all & 0x02 != 0,
                fin: all & 0x01 != 0,
                rst: all & 0x04 != 0,
                psh: all & 0x08 != 0,
                ack: all & 0x10 != 0,
                urg: all & 0x20 != 0,
                ecn: all & 0x40 != 0,
                cwr: all & 0x80 != 0,
                state: flow.tcp_state(),
            }
        });
        FlowEvent {
            header: EveHeader::for_flow(flow, flow.last_seen, "flow", ifaces),
            flow: FlowInfo {
                pkts_toserver: flow.pkts_toserver,
                pkts_toclient: flow.pkts_toclient,
                bytes_toserver: flow.bytes_toserver,
                bytes_toclient: flow.bytes_toclient,
                start: flow.start.rfc3339(),
                end: flow.last_seen.rfc3339(),
                age: flow.last_seen.micros_since(flow.start) / 1_000_000,
                state: flow.state(),
                reason: reason.as_str(),
                alerted: flow.alerted,
                gap: flow.had_gap(),
            },
            tcp,
        }
    }
}

/// `event_type: "alert"`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertEvent {
    /// Common fields (source/destination as the alerting packet's direction).
    #[serde(flatten)]
    pub header: EveHeader,
    /// `to_server` or `to_client` for flow-bound alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// What fired.
    pub alert: AlertInfo,
    /// Behavioural detectors' evidence (`detector`, counts, window, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomaly: Option<serde_json::Value>,
    /// Application-layer context of the transaction that matched, as
    /// Suricata's alert metadata: an `http`, `tls`, `dns` or `ssh` object.
    #[serde(flatten)]
    pub app: serde_json::Map<String, serde_json::Value>,
}

/// The `alert` object.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertInfo {
    /// `allowed` (IDS) or `blocked` (inline drop).
    pub action: &'static str,
    /// Generator id (1 for rules).
    pub gid: u32,
    /// Rule id (`sid`), or 9100000-9100999 for behavioural detectors.
    pub signature_id: u32,
    /// Rule revision.
    pub rev: u32,
    /// The rule's `msg`.
    pub signature: String,
    /// Class description from `classification.config`.
    pub category: String,
    /// Priority, 1 (highest) to 4.
    pub severity: u8,
    /// The rule's `metadata` keyword, key → values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `event_type: "stats"`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StatsEvent {
    /// When the counters were read.
    pub timestamp: String,
    /// Always `stats`.
    pub event_type: &'static str,
    /// Nested counters (`decoder.pkts` → `{"decoder":{"pkts":..}}`).
    pub stats: serde_json::Value,
}

/// `event_type: "http" | "dns" | "tls" | "ssh"`: one application-layer
/// transaction, the common header plus an object named after the protocol.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AppEvent {
    /// Common fields.
    #[serde(flatten)]
    pub header: EveHeader,
    /// The protocol object (`http`, `dns`, ...).
    #[serde(flatten)]
    pub body: serde_json::Map<String, serde_json::Value>,
}

/// Any EVE event, plus the two messages of the threshold arbiter.
#[derive(Clone, Debug, PartialEq)]
pub enum EveRecord {
    /// An application-layer transaction.
    App(Box<AppEvent>),
    /// A flow ended.
    Flow(Box<FlowEvent>),
    /// An alert.
    Alert(Box<AlertEvent>),
    /// Counters.
    Stats(Box<StatsEvent>),
    /// An alert whose threshold counts across workers: written (or not) by
    /// the output thread once every worker has passed its capture position.
    Deferred(Box<DeferredAlert>),
    /// An event for the behavioural detectors: handed to the correlator by
    /// the output thread in capture order, like deferred alerts.
    Correlate(Box<CorrelateEvent>),
    /// An instruction for the output thread (reload, stats for the health
    /// endpoint); never written anywhere.
    Control(Control),
    /// Worker `worker` has processed every packet up to capture record `seq`.
    Watermark {
        /// Worker index.
        worker: usize,
        /// Capture record number.
        seq: u64,
    },
}

/// Instructions to the output thread, carried in order with the records.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// New detector settings (SIGHUP): the correlator re-reads its indicator
    /// lists and applies them, keeping its device inventory.
    ReloadDetectors(std::sync::Arc<crate::correlate::DetectorsConfig>),
    /// Counters to complete like a `stats` event (sinks, correlator, alert
    /// totals) and publish for the health endpoint, not to write.
    Publish(Box<StatsEvent>),
    /// Reopen the EVE file at its configured path (SIGHUP after logrotate
    /// moved it): records before go to the old file, records after to the
    /// new one ([`crate::output::OutputSender::reopen_logs`]).
    ReopenLogs,
    /// The run's last `stats` event: written after the delivery sinks
    /// drained, so its `output.*` counters are the final ones
    /// ([`crate::output::OutputSender::send_final_stats`]).
    FinalStats(Box<StatsEvent>),
    /// How long the delivery sinks may take to drain at the end
    /// ([`crate::output::Outputs::finish_within`]).
    DrainUntil(std::time::Instant),
}

/// A correlator event and its place in capture order.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelateEvent {
    /// The same key as [`DeferredAlert::key`]: events and thresholded
    /// alerts are decided in one order.
    pub key: (u64, u64, u32),
    /// The event.
    pub event: crate::correlate::Event,
}

impl AlertEvent {
    /// The EVE alert of a behavioural detector's episode: Suricata's alert
    /// shape plus the top-level `anomaly` object (DESIGN.md).
    pub fn from_anomaly(a: &crate::correlate::Anomaly) -> AlertEvent {
        let mut j = a.to_eve_json();
        let info = j.get("alert").cloned().unwrap_or_default();
        let anomaly = j.get_mut("anomaly").map(serde_json::Value::take);
        let text = |k: &str| {
            info.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        AlertEvent {
            header: EveHeader {
                src_ip: a.src_ip,
                src_port: a.src_port,
                dest_ip: a.dest_ip,
                dest_port: a.dest_port,
                proto: a.proto.map(str::to_string),
                app_proto: a.app_proto,
                ..EveHeader::unbound(a.timestamp.rfc3339(), "alert")
            },
            direction: None,
            alert: AlertInfo {
                action: "allowed",
                gid: 1,
                signature_id: a.sid,
                rev: a.rev,
                signature: text("signature"),
                category: text("category"),
                severity: a.severity,
                metadata: None,
            },
            anomaly,
            app: serde_json::Map::new(),
        }
    }

    /// An alert about the sensor itself (detector `sensor-health`): what an
    /// operator must hear of through the SIEM, such as alerts lost.
    /// `evidence` (an object) is merged into the `anomaly` object.
    pub fn sensor_health(
        timestamp: Timestamp,
        sid: u32,
        signature: String,
        severity: u8,
        evidence: serde_json::Value,
    ) -> AlertEvent {
        let mut anomaly = serde_json::Map::new();
        anomaly.insert("detector".into(), "sensor-health".into());
        if let serde_json::Value::Object(m) = evidence {
            anomaly.extend(m);
        }
        AlertEvent {
            header: EveHeader::unbound(timestamp.rfc3339(), "alert"),
            direction: None,
            alert: AlertInfo {
                action: "allowed",
                gid: 1,
                signature_id: sid,
                rev: 1,
                signature,
                category: "Sensor Health".into(),
                severity,
                metadata: None,
            },
            anomaly: Some(serde_json::Value::Object(anomaly)),
            app: serde_json::Map::new(),
        }
    }
}

/// A deferred alert and its place in capture order.
#[derive(Clone, Debug, PartialEq)]
pub struct DeferredAlert {
    /// (capture record, flow id, n-th alert of that record and flow): the
    /// order in which thresholds are counted, the same for any worker count.
    pub key: (u64, u64, u32),
    /// What the arbiter decides on.
    pub rate: crate::detect::DeferredRate,
    /// The event to write if allowed.
    pub event: AlertEvent,
}

impl EveRecord {
    /// The record as one JSON line (without the newline).
    pub fn to_json_line(&self) -> Result<String, serde_json::Error> {
        match self {
            EveRecord::Flow(e) => serde_json::to_string(e),
            EveRecord::Alert(e) => serde_json::to_string(e),
            EveRecord::Stats(e) => serde_json::to_string(e),
            EveRecord::App(e) => serde_json::to_string(e),
            EveRecord::Deferred(d) => serde_json::to_string(&d.event),
            EveRecord::Correlate(_) | EveRecord::Control(_) | EveRecord::Watermark { .. } => {
                Ok(String::new())
            }
        }
    }
}

/// When buffered EVE lines are handed to the kernel (`[outputs.eve] flush`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum EveFlush {
    /// When the output queue runs dry (and whenever the 256 KiB buffer
    /// fills): few system calls under load, a file current within a fraction
    /// of a second otherwise. The default.
    #[default]
    Batch,
    /// After every line, for readers that tail the file and must see each
    /// event at once (costs one `write` per event).
    Line,
}

/// How the EVE file is written: rotation, flushing and fsync (`[outputs.eve]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EveOptions {
    /// Rotate when the file would grow past this many bytes (`rotate_size`);
    /// `None` leaves rotation to logrotate.
    pub rotate_size: Option<u64>,
    /// Rotated files kept (`eve.json.1` newest … `eve.json.N` oldest); the
    /// oldest is deleted by the next rotation.
    pub rotate_keep: u32,
    /// When lines leave the process's buffer.
    pub flush: EveFlush,
    /// When flushed lines are forced to disk (the portal spool's policy type:
    /// `batch` = after every flush, `interval`, or `never`).
    pub fsync: FsyncPolicy,
}

impl Default for EveOptions {
    fn default() -> Self {
        EveOptions {
            rotate_size: None,
            rotate_keep: 5,
            flush: EveFlush::Batch,
            fsync: FsyncPolicy::Never,
        }
    }
}

/// Appends EVE lines to a file; reopens it for logrotate and rotates it by
/// size. A line is always written whole to one file: the buffer is flushed
/// before the file changes, and the buffer only ever holds whole lines.
pub struct EveWriter {
    path: PathBuf,
    out: BufWriter<File>,
    opts: EveOptions,
    /// Bytes in the current file (for `rotate_size`).
    size: u64,
    /// Flushed lines not yet fsynced.
    unsynced: bool,
    last_sync: Instant,
    /// Lines written.
    pub written: u64,
    /// Lines that could not be written.
    pub errors: u64,
    /// Size-based rotations done.
    pub rotations: u64,
    /// Reopens done (SIGHUP, logrotate).
    pub reopens: u64,
}

/// The EVE file could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open EVE file {path}: {source} (set outputs.eve.path or --eve to a writable file)")]
pub struct EveOpenError {
    /// The file.
    pub path: PathBuf,
    /// The OS error.
    pub source: std::io::Error,
}

fn open_append(path: &Path) -> std::io::Result<(File, u64)> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let size = file.metadata()?.len();
    Ok((file, size))
}

/// `eve.json` → `eve.json.N`.
fn numbered(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

impl EveWriter {
    /// Opens `path` for appending (as Suricata does), creating it if needed,
    /// with the default options (no rotation, batch flush, no fsync).
    pub fn open(path: &Path) -> Result<Self, EveOpenError> {
        Self::open_with(path, EveOptions::default())
    }

    /// [`EveWriter::open`] with rotation, flush and fsync options.
    pub fn open_with(path: &Path, opts: EveOptions) -> Result<Self, EveOpenError> {
        let (file, size) = open_append(path).map_err(|source| EveOpenError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(EveWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(256 * 1024, file),
            opts,
            size,
            unsynced: false,
            last_sync: Instant::now(),
            written: 0,
            errors: 0,
            rotations: 0,
            reopens: 0,
        })
    }

    /// The configured path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record as a line. A failure is counted and logged, never
    /// fatal: the sensor keeps running and the count shows in `stats`.
    pub fn write(&mut self, record: &EveRecord) {
        let line = match record.to_json_line() {
            Ok(mut l) => {
                l.push('\n');
                l
            }
            Err(e) => return self.failed(&std::io::Error::other(e)),
        };
        let len = line.len() as u64;
        if self
            .opts
            .rotate_size
            .is_some_and(|max| self.size > 0 && self.size + len > max)
        {
            self.rotate();
        }
        match self.out.write_all(line.as_bytes()) {
            Ok(()) => {
                self.written += 1;
                self.size += len;
                if self.opts.flush == EveFlush::Line {
                    self.flush();
                }
            }
            Err(e) => self.failed(&e),
        }
    }

    fn failed(&mut self, e: &std::io::Error) {
        if self.errors == 0 {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot write EVE event");
        }
        self.errors += 1;
    }

    /// Flushes buffered lines to the file, and fsyncs it when the policy
    /// says so.
    pub fn flush(&mut self) {
        if let Err(e) = self.out.flush() {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot flush EVE file");
            self.errors += 1;
            return;
        }
        self.unsynced = true;
        match self.opts.fsync {
            FsyncPolicy::EveryBatch => self.sync(),
            FsyncPolicy::Interval(d) if self.last_sync.elapsed() >= d => self.sync(),
            _ => {}
        }
    }

    /// Called when the output thread is idle: an `interval` fsync that came
    /// due while no line was written is done now.
    pub fn idle(&mut self) {
        if let FsyncPolicy::Interval(d) = self.opts.fsync {
            if self.unsynced && self.last_sync.elapsed() >= d {
                self.sync();
            }
        }
    }

    fn sync(&mut self) {
        if !self.unsynced {
            return;
        }
        if let Err(e) = self.out.get_ref().sync_data() {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot fsync EVE file");
            self.errors += 1;
        }
        self.unsynced = false;
        self.last_sync = Instant::now();
    }

    /// Flushes (and fsyncs unless the policy is `never`) the current file
    /// before it is closed.
    fn finish_file(&mut self) {
        self.flush();
        if self.opts.fsync != FsyncPolicy::Never {
            self.sync();
        }
    }

    /// Opens the configured path again, for logrotate: after the file was
    /// renamed away, the lines buffered so far go to the old file (whole),
    /// the next ones to a new file at the configured path. On failure the
    /// old file stays in use (nothing is lost) and the error is returned.
    pub fn reopen(&mut self) -> std::io::Result<()> {
        self.finish_file();
        let (file, size) = open_append(&self.path)?;
        // The buffer is empty after a successful flush; after a failed one
        // its lines are kept and go to the new file.
        *self.out.get_mut() = file;
        self.size = size;
        self.reopens += 1;
        tracing::info!(path = %self.path.display(), "EVE file reopened");
        Ok(())
    }

    /// Size-based rotation: `eve.json.(N-1)` → `eve.json.N` (replacing the
    /// oldest), …, `eve.json` → `eve.json.1`, then a new `eve.json`. A failed
    /// rename is logged and counted and writing goes on in the current file;
    /// the next attempt comes after another `rotate_size` bytes.
    fn rotate(&mut self) {
        self.finish_file();
        let keep = self.opts.rotate_keep.max(1);
        let result = (1..keep)
            .rev()
            .try_for_each(|n| {
                match std::fs::rename(numbered(&self.path, n), numbered(&self.path, n + 1)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                    _ => Ok(()),
                }
            })
            .and_then(|()| std::fs::rename(&self.path, numbered(&self.path, 1)))
            .and_then(|()| open_append(&self.path));
        match result {
            Ok((file, size)) => {
                *self.out.get_mut() = file;
                self.size = size;
                self.rotations += 1;
                tracing::info!(path = %self.path.display(), keep, "EVE file rotated");
            }
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot rotate EVE file; writing on in the current one");
                self.errors += 1;
                self.size = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> AlertEvent {
        AlertEvent {
            header: EveHeader {
                timestamp: Timestamp::from_secs_micros(1_700_000_000, 5).rfc3339(),
                flow_id: Some(42),
                in_iface: Some("eth1".into()),
                event_type: "alert",
                pcap_cnt: Some(7),
                vlan: None,
                src_ip: Some("10.0.0.1".parse().expect("ip")),
                src_port: Some(40000),
                dest_ip: Some("192.0.2.7".parse().expect("ip")),
                dest_port: Some(443),
                proto: Some("TCP".into()),
                icmp_type: None,
                icmp_code: None,
                app_proto: Some("tls"),
            },
            direction: Some("to_server"),
            alert: AlertInfo {
                action: "allowed",
                gid: 1,
                signature_id: 9000001,
                rev: 2,
                signature: "WARDWATCH test \"quoted\"".into(),
                category: "Attempted Administrator Privilege Gain".into(),
                severity: 1,
                metadata: None,
            },
            anomaly: None,
            app: serde_json::Map::new(),
        }
    }

    #[test]
    fn alert_has_suricata_shape() {
        let line = EveRecord::Alert(Box::new(alert()))
            .to_json_line()
            .expect("serialises");
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["timestamp"], "2023-11-14T22:13:20.000005+00:00");
        assert_eq!(v["event_type"], "alert");
        assert_eq!(v["flow_id"], 42);
        assert_eq!(v["src_ip"], "10.0.0.1");
        assert_eq!(v["dest_port"], 443);
        assert_eq!(v["proto"], "TCP");
        assert_eq!(v["app_proto"], "tls");
        assert_eq!(v["direction"], "to_server");
        assert_eq!(v["pcap_cnt"], 7);
        assert_eq!(v["alert"]["signature_id"], 9000001);
        assert_eq!(v["alert"]["signature"], "WARDWATCH test \"quoted\"");
        assert_eq!(v["alert"]["action"], "allowed");
        assert_eq!(v["alert"]["gid"], 1);
        assert_eq!(v["alert"]["rev"], 2);
        assert_eq!(v["alert"]["severity"], 1);
        assert!(v.get("anomaly").is_none());
        assert!(v.get("vlan").is_none());
        // The key order matters to people reading the file: header first.
        assert!(line.starts_with("{\"timestamp\":"), "{line}");
    }

    #[test]
    fn writer_appends_lines() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("eve.json");
        for _ in 0..2 {
            let mut w = EveWriter::open(&path).expect("open");
            w.write(&EveRecord::Alert(Box::new(alert())));
            w.flush();
            assert_eq!(w.written, 1);
        }
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json line");
            assert_eq!(v["alert"]["signature_id"], 9000001);
        }
    }

    #[test]
    fn open_error_names_file_and_fix() {
        let e = match EveWriter::open(Path::new("/nonexistent-dir/eve.json")) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("opened a file in a missing directory"),
        };
        assert!(
            e.contains("/nonexistent-dir/eve.json") && e.contains("--eve"),
            "{e}"
        );
    }

    fn numbered_alert(n: u64) -> EveRecord {
        let mut a = alert();
        a.header.flow_id = Some(n);
        EveRecord::Alert(Box::new(a))
    }

    /// The flow ids in `path`, checking every line is whole JSON.
    fn ids_in(path: &Path) -> Vec<u64> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        assert!(text.is_empty() || text.ends_with('\n'), "a line is cut");
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("whole JSON line");
                v["flow_id"].as_u64().expect("flow_id")
            })
            .collect()
    }

    #[test]
    fn size_rotation_keeps_n_files_and_whole_lines() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("eve.json");
        let line_len = numbered_alert(0).to_json_line().expect("json").len() as u64 + 1;
        let max = 64 * 1024;
        let opts = EveOptions {
            rotate_size: Some(max),
            rotate_keep: 3,
            ..EveOptions::default()
        };
        let mut w = EveWriter::open_with(&path, opts).expect("open");
        // flow_id has a few digits more by then; lines stay under this.
        let per_file = max / (line_len + 4);
        let total = per_file * 6 + 7;
        for n in 0..total {
            w.write(&numbered_alert(n));
        }
        w.flush();
        assert_eq!((w.written, w.errors, w.rotations), (total, 0, 6));
        // eve.json holds the newest lines, .1 .. .3 the files before, in
        // order; older ones were deleted. No file is over the limit.
        let mut seen = Vec::new();
        for p in [3, 2, 1].map(|n| numbered(&path, n)).iter().chain([&path]) {
            let size = std::fs::metadata(p).expect("exists").len();
            assert!(size <= max);
            if p != &path {
                // Rotated only when the next line did not fit.
                assert!(size > max - 2 * line_len, "{size}");
            }
            seen.extend(ids_in(p));
        }
        assert!(!numbered(&path, 4).exists());
        // The newest lines, in order; the first three files were deleted.
        let first_kept = total - seen.len() as u64;
        assert!(first_kept >= 3 * (max / (line_len + 4)) && first_kept < total);
        assert_eq!(seen, (first_kept..total).collect::<Vec<_>>());
    }

    #[test]
    fn reopen_after_rename_splits_lines_between_files_exactly() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("eve.json");
        let mut w = EveWriter::open(&path).expect("open");
        for n in 0..1000 {
            w.write(&numbered_alert(n));
        }
        // logrotate renames while lines are still in the buffer.
        std::fs::rename(&path, dir.path().join("eve.json.1")).expect("rename");
        w.reopen().expect("reopen");
        for n in 1000..1500 {
            w.write(&numbered_alert(n));
        }
        w.flush();
        assert_eq!(
            ids_in(&dir.path().join("eve.json.1")),
            (0..1000).collect::<Vec<_>>()
        );
        assert_eq!(ids_in(&path), (1000..1500).collect::<Vec<_>>());
        assert_eq!(w.reopens, 1);
    }

    #[test]
    fn reopen_of_an_unmoved_file_appends() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("eve.json");
        let mut w = EveWriter::open(&path).expect("open");
        w.write(&numbered_alert(1));
        w.reopen().expect("reopen");
        w.write(&numbered_alert(2));
        w.flush();
        assert_eq!(ids_in(&path), vec![1, 2]);
    }

    #[test]
    fn reopen_failure_keeps_writing_to_the_old_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let sub = dir.path().join("logs");
        std::fs::create_dir(&sub).expect("mkdir");
        let path = sub.join("eve.json");
        let mut w = EveWriter::open(&path).expect("open");
        w.write(&numbered_alert(1));
        // The directory itself moved: the configured path cannot be created.
        let moved = dir.path().join("moved");
        std::fs::rename(&sub, &moved).expect("rename dir");
        assert!(w.reopen().is_err());
        w.write(&numbered_alert(2));
        w.flush();
        assert_eq!(ids_in(&moved.join("eve.json")), vec![1, 2]);
    }

    #[test]
    fn line_flush_makes_each_line_visible_at_once() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("eve.json");
        let opts = EveOptions {
            flush: EveFlush::Line,
            fsync: FsyncPolicy::EveryBatch,
            ..EveOptions::default()
        };
        let mut w = EveWriter::open_with(&path, opts).expect("open");
        for n in 0..3 {
            w.write(&numbered_alert(n));
            // No flush() call: the line is in the file already.
            assert_eq!(ids_in(&path), (0..=n).collect::<Vec<_>>());
        }
        let mut batch = EveWriter::open(&dir.path().join("b.json")).expect("open");
        batch.write(&numbered_alert(9));
        assert!(ids_in(&dir.path().join("b.json")).is_empty());
        batch.flush();
        assert_eq!(ids_in(&dir.path().join("b.json")), vec![9]);
    }

    #[test]
    fn proto_names_follow_suricata() {
        assert_eq!(proto_name(6), "TCP");
        assert_eq!(proto_name(58), "IPv6-ICMP");
        assert_eq!(proto_name(253), "253");
    }
}
