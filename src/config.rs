//! The configuration file: schema, defaults and validation.
//!
//! Two stages, as in ripgrep's LowArgs → HiArgs: [`RawConfig`] mirrors the TOML
//! file (`serde`, `deny_unknown_fields`, every key with a default), then
//! [`RawConfig::validate`] checks values and turns them into the [`Config`] the
//! pipeline uses. Every error names the key and what is allowed. The annotated
//! example of every key is `systemd/wardwatch.toml`; defaults live here only.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use std::time::Duration;

use crate::decode::{DecoderConfig, DefragConfig};
use crate::flow::{FlowConfig, FlowTimeouts, StreamConfig};
use crate::output::portal::{FsyncPolicy, PortalConfig};
use crate::output::redis::{RedisConfig, RedisMode, RedisTls};
use crate::output::syslog::{SyslogConfig, SyslogFormat, SyslogTransport};
use crate::output::tls::TlsFiles;

/// A configuration problem, with the key (or file) at fault and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key or a value of the wrong type.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML parser's message (line, column, key, expected values).
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("config key `{key}`: {message}")]
    Invalid {
        /// Dotted key, e.g. `capture.workers`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        message: message.into(),
    }
}

/// A size in bytes, written as an integer (`1048576`) or with a unit
/// (`"1 MiB"`, `"64MB"`, `"512 KiB"`, `"2g"`). Units are powers of 1024.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parses `"64 MiB"` and friends.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u64 = num.parse().map_err(|_| {
            format!("`{text}` is not a size; write e.g. 1048576, \"512 KiB\" or \"64 MiB\"")
        })?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            other => {
                return Err(format!(
                    "unknown size unit `{other}` in `{text}`; use B, KiB, MiB or GiB"
                ));
            }
        };
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("size `{text}` is too large"))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size: an integer number of bytes or a string like \"64 MiB\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration, written as an integer number of seconds (`30`) or a string with
/// a unit (`"250 ms"`, `"5 s"`, `"2 min"`, `"1 h"`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TimeSpan(pub Duration);

impl TimeSpan {
    /// Parses `"250 ms"` and friends.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u64 = num.parse().map_err(|_| {
            format!("`{text}` is not a duration; write e.g. 30, \"250 ms\", \"5 s\" or \"2 min\"")
        })?;
        let ms: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "ms" => 1,
            "" | "s" | "sec" | "secs" => 1000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hour" | "hours" => 3_600_000,
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{text}`; use ms, s, min or h"
                ));
            }
        };
        n.checked_mul(ms)
            .map(|ms| TimeSpan(Duration::from_millis(ms)))
            .ok_or_else(|| format!("duration `{text}` is too large"))
    }

    fn secs(s: u64) -> Self {
        TimeSpan(Duration::from_secs(s))
    }
}

impl<'de> Deserialize<'de> for TimeSpan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TimeSpan;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration: seconds as an integer or a string like \"500 ms\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<TimeSpan, E> {
                Ok(TimeSpan::secs(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<TimeSpan, E> {
                u64::try_from(v)
                    .map(TimeSpan::secs)
                    .map_err(|_| E::custom("a duration cannot be negative"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TimeSpan, E> {
                TimeSpan::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// The file as written: every section optional, every key defaulted.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    /// Suricata address and port groups (`HOME_NET`, `HTTP_PORTS`, ...).
    pub vars: BTreeMap<String, String>,
    /// Packet sources.
    pub capture: RawCapture,
    /// Rule files.
    pub rules: RawRules,
    /// Flow tracking.
    pub flow: RawFlow,
    /// TCP stream reassembly.
    pub stream: RawStream,
    /// IP defragmentation.
    pub defrag: RawDefrag,
    /// Periodic `stats` events.
    pub stats: RawStats,
    /// Who this sensor is (sent with every alert to syslog and the portal).
    pub sensor: RawSensor,
    /// Alert and event outputs.
    pub outputs: RawOutputs,
    /// Behavioural detectors.
    pub detectors: RawDetectors,
    /// Inline (IPS) mode: what happens to packets from `capture.nfqueue`.
    pub inline: RawInline,
    /// Active response outside the inline path.
    pub response: RawResponse,
    /// Network zones and the flows allowed between them (`zone-policy`),
    /// added to those of the detector settings.
    pub zones: RawZones,
    /// The sensor watching itself (`sensor-health` alerts).
    pub health: RawHealth,
    /// The Prometheus/status endpoint.
    pub metrics: RawMetrics,
}

/// `[health]`: when a monitored interface goes blind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawHealth {
    /// Raise `sensor-health` alerts (live capture only).
    pub enabled: bool,
    /// An interface that sees no packet for this long is blind.
    pub silent_after: TimeSpan,
    /// Window over which one-way TCP and the drop rate are judged.
    pub window: TimeSpan,
    /// SYNs (or SYN-ACKs) seen in a window, with none of the other kind,
    /// before the mirror is called one-way.
    pub one_way_min_syns: u64,
    /// Share of packets dropped (kernel + queue) in a window that raises an
    /// alert and a log warning (0.01 = 1 %).
    pub max_drop_rate: f64,
}

impl Default for RawHealth {
    fn default() -> Self {
        RawHealth {
            enabled: true,
            silent_after: TimeSpan::secs(300),
            window: TimeSpan::secs(300),
            one_way_min_syns: 50,
            max_drop_rate: 0.01,
        }
    }
}

/// `[metrics]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawMetrics {
    /// `host:port` of the Prometheus text endpoint (`/metrics`); empty = off.
    /// Keep it on a local or management address: it is plain HTTP.
    pub listen: String,
}

/// Validated `[health]`.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthConfig {
    /// See [`RawHealth::enabled`].
    pub enabled: bool,
    /// See [`RawHealth::silent_after`].
    pub silent_after: Duration,
    /// See [`RawHealth::window`].
    pub window: Duration,
    /// See [`RawHealth::one_way_min_syns`].
    pub one_way_min_syns: u64,
    /// See [`RawHealth::max_drop_rate`].
    pub max_drop_rate: f64,
}

/// Who the sensor becomes after opening its capture (started as root).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Privileges {
    /// `sensor.user`; empty = stay as started.
    pub user: String,
    /// `sensor.group`; empty = the user's primary group.
    pub group: String,
    /// `sensor.keep_capabilities`.
    pub keep: Vec<caps::Capability>,
}

/// `[detectors]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDetectors {
    /// Run the behavioural detectors (login floods, scans, ...).
    pub enabled: bool,
    /// Detector settings (the format of `rules/detectors.toml`); empty for
    /// the built-in defaults.
    pub file: PathBuf,
}

impl Default for RawDetectors {
    fn default() -> Self {
        RawDetectors {
            enabled: true,
            file: PathBuf::new(),
        }
    }
}

/// `[inline]`: verdicts for packets read from `capture.nfqueue`
/// (see [`crate::inline`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawInline {
    /// Accept packets that cannot be inspected in time (worker queue or kernel
    /// queue full); `false` drops them.
    pub fail_open: bool,
    /// Accept every packet; log and count what would have been blocked.
    pub dry_run: bool,
    /// Addresses and networks never blocked (medical devices, EHR servers,
    /// the sensor's management address).
    pub allow: crate::correlate::NetList,
    /// Packets the kernel queue holds before it is full.
    pub queue_maxlen: u32,
}

impl Default for RawInline {
    fn default() -> Self {
        let d = crate::inline::InlineConfig::default();
        RawInline {
            fail_open: d.fail_open,
            dry_run: d.dry_run,
            allow: d.allow,
            queue_maxlen: d.queue_maxlen,
        }
    }
}

/// `[response]`: blocks applied outside the inline path.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawResponse {
    /// nftables set (`"FAMILY TABLE SET"`, with `flags timeout`) that
    /// detector blocks are added to; empty: none.
    pub nft_set: String,
    /// Mirror-port sensors: interface that `reject` rules' TCP resets are
    /// sent on; empty: off.
    pub rst_interface: String,
}

/// `[zones]`: `[zones.networks]` maps each zone name to its networks,
/// `[[zones.flows]]` lists the allowed flows (`from`, `to`, `services`), as
/// `zone-policy` in the detector settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawZones {
    /// Zone name → networks (addresses, CIDRs).
    pub networks: BTreeMap<String, crate::correlate::NetList>,
    /// Allowed flows between zones.
    pub flows: Vec<crate::correlate::config::ZoneFlowConfig>,
}

/// `[capture]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCapture {
    /// Interfaces for `run` (mirror ports).
    pub interfaces: Vec<String>,
    /// NFQUEUE numbers for inline mode (instead of `interfaces`).
    pub nfqueue: Vec<u16>,
    /// Worker threads; 0 = one per CPU core.
    pub workers: usize,
    /// Bytes captured per packet.
    pub snaplen: u32,
    /// Kernel capture buffer per interface.
    pub buffer_size: ByteSize,
    /// Promiscuous mode.
    pub promiscuous: bool,
    /// libpcap immediate mode (lower latency, more drops under load).
    pub immediate: bool,
    /// A BPF filter applied in the kernel, e.g. `"not port 22"`.
    pub bpf_filter: String,
    /// Packets handed to a worker at once.
    pub batch_size: usize,
    /// Batches queued per worker before live capture drops.
    pub queue_batches: usize,
}

impl Default for RawCapture {
    fn default() -> Self {
        RawCapture {
            interfaces: Vec::new(),
            nfqueue: Vec::new(),
            workers: 0,
            snaplen: 65535,
            buffer_size: ByteSize(64 << 20),
            promiscuous: true,
            immediate: false,
            bpf_filter: String::new(),
            batch_size: 64,
            queue_batches: 256,
        }
    }
}

/// `[rules]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRules {
    /// Rule files (globs allowed); when set, they replace the built-in rules.
    pub files: Vec<String>,
    /// Suricata `classification.config` (classtype names, descriptions,
    /// priorities); the built-in table when unset.
    pub classification_file: Option<PathBuf>,
    /// Suricata `threshold.config` (suppress, threshold, rate_filter).
    pub threshold_file: Option<PathBuf>,
}

/// `[flow]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawFlow {
    /// Flows tracked at once, over all workers.
    pub max_flows: usize,
    /// Idle timeouts in seconds of packet time.
    pub timeouts: RawTimeouts,
}

impl Default for RawFlow {
    fn default() -> Self {
        RawFlow {
            max_flows: 1 << 20,
            timeouts: RawTimeouts::default(),
        }
    }
}

/// `[flow.timeouts]`, seconds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawTimeouts {
    /// TCP before the handshake completes.
    pub tcp_new: u64,
    /// Established TCP.
    pub tcp_established: u64,
    /// TCP after FIN/RST.
    pub tcp_closed: u64,
    /// UDP seen one way.
    pub udp_new: u64,
    /// UDP seen both ways.
    pub udp_established: u64,
    /// ICMP seen one way.
    pub icmp_new: u64,
    /// ICMP seen both ways.
    pub icmp_established: u64,
    /// Other protocols seen one way.
    pub other_new: u64,
    /// Other protocols seen both ways.
    pub other_established: u64,
}

impl Default for RawTimeouts {
    fn default() -> Self {
        let d = FlowTimeouts::default();
        RawTimeouts {
            tcp_new: d.tcp_new,
            tcp_established: d.tcp_established,
            tcp_closed: d.tcp_closed,
            udp_new: d.udp_new,
            udp_established: d.udp_established,
            icmp_new: d.icmp_new,
            icmp_established: d.icmp_established,
            other_new: d.other_new,
            other_established: d.other_established,
        }
    }
}

/// `[stream]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStream {
    /// Bytes per direction inspected; 0 = unlimited.
    pub depth: ByteSize,
    /// Out-of-order bytes buffered, over all workers.
    pub memcap: ByteSize,
    /// Bytes buffered beyond a hole before it is skipped as a gap.
    pub gap_bound: ByteSize,
}

impl Default for RawStream {
    fn default() -> Self {
        let d = StreamConfig::default();
        RawStream {
            depth: ByteSize(d.depth as u64),
            memcap: ByteSize(256 << 20),
            gap_bound: ByteSize(d.gap_bound as u64),
        }
    }
}

/// `[defrag]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDefrag {
    /// Bytes held in incomplete datagrams, over all workers.
    pub memcap: ByteSize,
    /// Fragments per datagram.
    pub max_fragments: usize,
    /// Datagrams being reassembled at once, over all workers.
    pub max_datagrams: usize,
    /// Seconds an incomplete datagram is kept.
    pub timeout: u64,
}

impl Default for RawDefrag {
    fn default() -> Self {
        let d = DefragConfig::default();
        RawDefrag {
            memcap: ByteSize(32 << 20),
            max_fragments: d.max_fragments,
            max_datagrams: 16384,
            timeout: d.timeout_secs,
        }
    }
}

/// `[stats]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStats {
    /// Seconds between `stats` events; 0 = only the final one.
    pub interval: u64,
}

impl Default for RawStats {
    fn default() -> Self {
        RawStats { interval: 8 }
    }
}

/// `[outputs]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawOutputs {
    /// How long `replay` (and `run` on SIGTERM) waits for the sinks to
    /// deliver what they hold before exiting; `--drain-timeout` overrides it.
    pub drain_timeout: TimeSpan,
    /// The EVE JSON file.
    pub eve: RawEve,
    /// Syslog; off when the section is absent.
    pub syslog: Option<RawSyslog>,
    /// Incident portal; off when the section is absent.
    pub portal: Option<RawPortal>,
    /// Redis; off when the section is absent.
    pub redis: Option<RawRedis>,
}

/// `[outputs.redis]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRedis {
    /// `host:port`.
    pub address: String,
    /// List or stream key.
    pub key: String,
    /// `list` (LPUSH) or `stream` (XADD).
    pub mode: String,
    /// Stream mode: approximate cap on the stream's length (`MAXLEN ~`); 0 = none.
    pub stream_maxlen: u64,
    /// Database number.
    pub db: u32,
    /// ACL user (Redis 6+), with `password_file`.
    pub username: String,
    /// File whose first line is the password (never put it in this file).
    pub password_file: Option<PathBuf>,
    /// Event types sent (`alert` by default).
    pub types: Vec<String>,
    /// Events queued before new ones are dropped (and counted).
    pub queue_size: usize,
    /// Connect timeout.
    pub connect_timeout: TimeSpan,
    /// Longest wait between reconnect attempts.
    pub max_backoff: TimeSpan,
    /// Connect with TLS (Redis's `tls-port`).
    pub tls: bool,
    /// TLS: CA certificates (PEM) to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// TLS: client certificate chain (PEM), for `tls-auth-clients yes`.
    pub cert_file: Option<PathBuf>,
    /// TLS: the client certificate's private key (PEM).
    pub key_file: Option<PathBuf>,
    /// TLS: name checked against the server certificate; empty = the host of `address`.
    pub server_name: String,
}

impl Default for RawRedis {
    fn default() -> Self {
        RawRedis {
            address: "127.0.0.1:6379".into(),
            key: "wardwatch".into(),
            mode: "list".into(),
            stream_maxlen: 100_000,
            db: 0,
            username: String::new(),
            password_file: None,
            types: vec!["alert".into()],
            queue_size: 10_000,
            connect_timeout: TimeSpan::secs(5),
            max_backoff: TimeSpan::secs(30),
            tls: false,
            ca_file: None,
            cert_file: None,
            key_file: None,
            server_name: String::new(),
        }
    }
}

impl Default for RawOutputs {
    fn default() -> Self {
        RawOutputs {
            drain_timeout: TimeSpan::secs(10),
            eve: RawEve::default(),
            syslog: None,
            portal: None,
            redis: None,
        }
    }
}

/// `[sensor]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSensor {
    /// The sensor's name; empty = the host name.
    pub name: String,
    /// Site (building, campus) the sensor watches.
    pub site: String,
    /// The hospital (organisation) it belongs to.
    pub hospital: String,
    /// Started as root (outside systemd): the user to become once the
    /// capture is open; empty = stay root.
    pub user: String,
    /// Group to become; empty = the user's primary group.
    pub group: String,
    /// Capabilities kept after becoming `user` (e.g. `["CAP_NET_ADMIN"]`
    /// for nftables blocking); none by default.
    pub keep_capabilities: Vec<String>,
}

/// `[outputs.syslog]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSyslog {
    /// `unix`, `udp`, `tcp` or `tls`.
    pub transport: String,
    /// `host:port`, or a socket path for `unix`; empty = the transport's default.
    pub address: String,
    /// `rfc5424`, `rfc3164` or `cef`.
    pub format: String,
    /// Syslog facility name (`local0`..`local7`, `user`, `daemon`, `auth`, ...).
    pub facility: String,
    /// APP-NAME / TAG.
    pub app_name: String,
    /// HOSTNAME field; empty = the sensor name.
    pub hostname: String,
    /// RFC 5424 SD-ID of the structured-data element.
    pub sd_id: String,
    /// Largest message in bytes; longer ones are cut at a UTF-8 boundary.
    /// 0 = the transport's default (2048 for udp, 8192 otherwise).
    pub max_message_size: ByteSize,
    /// Event types sent (`alert` by default).
    pub types: Vec<String>,
    /// Events queued towards the sink before new ones are dropped (and counted).
    pub queue_size: usize,
    /// TLS: CA certificates (PEM) to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// TLS: client certificate chain (PEM), for mutual TLS.
    pub cert_file: Option<PathBuf>,
    /// TLS: the client certificate's private key (PEM).
    pub key_file: Option<PathBuf>,
    /// TLS: name checked against the server certificate; empty = the host of `address`.
    pub server_name: String,
    /// Connect timeout (tcp, tls).
    pub connect_timeout: TimeSpan,
    /// Longest wait between reconnect attempts (the backoff doubles up to it).
    pub max_backoff: TimeSpan,
}

impl Default for RawSyslog {
    fn default() -> Self {
        RawSyslog {
            transport: "unix".into(),
            address: String::new(),
            format: "rfc5424".into(),
            facility: "local5".into(),
            app_name: "wardwatch".into(),
            hostname: String::new(),
            sd_id: "wardwatch@32473".into(),
            max_message_size: ByteSize(0),
            types: vec!["alert".into()],
            queue_size: 10_000,
            ca_file: None,
            cert_file: None,
            key_file: None,
            server_name: String::new(),
            connect_timeout: TimeSpan::secs(5),
            max_backoff: TimeSpan::secs(30),
        }
    }
}

/// `[outputs.portal]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPortal {
    /// Where batches are POSTed (`https://...`; `http://` only for loopback tests).
    pub url: String,
    /// File holding the bearer token (never put the token in this file).
    pub token_file: Option<PathBuf>,
    /// Directory of the durable spool.
    pub spool_dir: PathBuf,
    /// Largest spool on disk; when full, the oldest alerts are dropped (counted, logged).
    pub spool_max_size: ByteSize,
    /// `batch` (fsync after every write batch), `interval` or `never`.
    pub fsync: String,
    /// With `fsync = "interval"`: how often.
    pub fsync_interval: TimeSpan,
    /// Most events per POST.
    pub batch_max_events: usize,
    /// Most bytes of events per POST (one larger event is still sent alone).
    pub batch_max_bytes: ByteSize,
    /// Longest an event waits for its batch to fill.
    pub batch_max_age: TimeSpan,
    /// TCP + TLS connect timeout.
    pub connect_timeout: TimeSpan,
    /// Whole-request timeout.
    pub timeout: TimeSpan,
    /// First retry delay; doubles (with jitter) per failure.
    pub retry_initial: TimeSpan,
    /// Longest retry delay.
    pub retry_max: TimeSpan,
    /// CA certificates (PEM) to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// Client certificate chain (PEM), for mutual TLS.
    pub cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub key_file: Option<PathBuf>,
    /// Event types sent (`alert` by default).
    pub types: Vec<String>,
    /// Events queued towards the spool writer before new ones are dropped.
    pub queue_size: usize,
}

impl Default for RawPortal {
    fn default() -> Self {
        RawPortal {
            url: String::new(),
            token_file: None,
            spool_dir: PathBuf::from("/var/lib/wardwatch/spool"),
            spool_max_size: ByteSize(256 << 20),
            fsync: "batch".into(),
            fsync_interval: TimeSpan::secs(1),
            batch_max_events: 100,
            batch_max_bytes: ByteSize(1 << 20),
            batch_max_age: TimeSpan::secs(2),
            connect_timeout: TimeSpan::secs(10),
            timeout: TimeSpan::secs(30),
            retry_initial: TimeSpan::secs(1),
            retry_max: TimeSpan::secs(300),
            ca_file: None,
            cert_file: None,
            key_file: None,
            types: vec!["alert".into()],
            queue_size: 10_000,
        }
    }
}

/// `[outputs.eve]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawEve {
    /// Write the EVE file at all.
    pub enabled: bool,
    /// Its path.
    pub path: PathBuf,
    /// Event types written: `alert`, `flow`, `stats`.
    pub types: Vec<String>,
    /// Rotate when the file would grow past this size (`"100 MiB"`); 0 = never
    /// (leave it to logrotate, which reopens the file through SIGHUP).
    pub rotate_size: ByteSize,
    /// Rotated files kept: `eve.json.1` (newest) … `eve.json.N`.
    pub rotate_keep: u32,
    /// `batch` (when the output queue runs dry) or `line` (after every line).
    pub flush: String,
    /// `never`, `batch` (fsync after every flush) or `interval`.
    pub fsync: String,
    /// With `fsync = "interval"`: how often.
    pub fsync_interval: TimeSpan,
}

impl Default for RawEve {
    fn default() -> Self {
        RawEve {
            enabled: true,
            path: PathBuf::from("eve.json"),
            types: vec!["alert".into(), "flow".into(), "stats".into()],
            rotate_size: ByteSize(0),
            rotate_keep: 5,
            flush: "batch".into(),
            fsync: "never".into(),
            fsync_interval: TimeSpan::secs(1),
        }
    }
}

/// Live capture settings per interface.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Bytes captured per packet.
    pub snaplen: u32,
    /// Kernel buffer in bytes.
    pub buffer_size: u64,
    /// Promiscuous mode.
    pub promiscuous: bool,
    /// Immediate mode.
    pub immediate: bool,
    /// BPF filter, empty for none.
    pub bpf_filter: String,
}

/// Which EVE event types are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EveTypes {
    /// `alert` events.
    pub alert: bool,
    /// `flow` events.
    pub flow: bool,
    /// `stats` events.
    pub stats: bool,
    /// Application-layer and `login` events, one bit per name of
    /// [`EveTypes::APP_TYPES`].
    pub apps: u32,
}

impl EveTypes {
    /// The app-layer event types (one per parsed protocol, named as its
    /// `app_proto`) and `login` (one per login attempt a parser saw).
    pub const APP_TYPES: [&'static str; 20] = [
        "http", "dns", "tls", "ssh", "ftp", "telnet", "smtp", "pop3", "imap", "radius", "ldap",
        "krb5", "smb", "rdp", "mysql", "pgsql", "tds", "dicom", "hl7", "login",
    ];

    /// True when events of app-layer type `name` (or `login`) are written.
    pub fn app(&self, name: &str) -> bool {
        Self::APP_TYPES
            .iter()
            .position(|t| *t == name)
            .is_some_and(|i| self.apps & (1 << i) != 0)
    }

    /// Switches app-layer type `name` on; false when there is no such type.
    pub fn enable_app(&mut self, name: &str) -> bool {
        match Self::APP_TYPES.iter().position(|t| *t == name) {
            Some(i) => {
                self.apps |= 1 << i;
                true
            }
            None => false,
        }
    }
}

/// The validated configuration the pipeline runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address and port variables.
    pub vars: BTreeMap<String, String>,
    /// Interfaces for `run`.
    pub interfaces: Vec<String>,
    /// Worker threads (resolved: never 0).
    pub workers: usize,
    /// Live capture options.
    pub live: LiveOptions,
    /// Packets per batch.
    pub batch_size: usize,
    /// Batches queued per worker.
    pub queue_batches: usize,
    /// Rule file patterns (empty = built-in rules).
    pub rule_files: Vec<String>,
    /// classification.config to use instead of the built-in table.
    pub classification_file: Option<PathBuf>,
    /// threshold.config, if any.
    pub threshold_file: Option<PathBuf>,
    /// Decoder settings for the whole sensor (memcaps are split per worker by [`Config::decoder_for_worker`]).
    pub decoder: DecoderConfig,
    /// Flow settings for the whole sensor (split per worker by [`Config::flow_for_worker`]).
    pub flow: FlowConfig,
    /// Seconds between stats events (0 = final only).
    pub stats_interval: u64,
    /// EVE file path, `None` when disabled.
    pub eve_path: Option<PathBuf>,
    /// EVE event types.
    pub eve_types: EveTypes,
    /// EVE rotation, flush and fsync.
    pub eve: crate::output::EveOptions,
    /// Who this sensor is.
    pub sensor: SensorIdentity,
    /// The syslog sink, when configured.
    pub syslog: Option<SyslogConfig>,
    /// The incident portal sink, when configured.
    pub portal: Option<PortalConfig>,
    /// The Redis sink, when configured.
    pub redis: Option<RedisConfig>,
    /// `sensor-health` settings.
    pub health: HealthConfig,
    /// Where `/metrics` is served, if anywhere.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// The user to become after the capture is open.
    pub privileges: Privileges,
    /// How long the end of a run waits for the sinks to drain.
    pub drain_timeout: Duration,
    /// Behavioural detector settings, `None` when `detectors.enabled` is false.
    pub detectors: Option<crate::correlate::DetectorsConfig>,
    /// NFQUEUE numbers to read inline (empty: not inline).
    pub nfqueue: Vec<u16>,
    /// Inline verdict settings.
    pub inline: crate::inline::InlineConfig,
    /// Where detector blocks go for sensors that are not inline.
    pub nft_set: Option<crate::inline::block::NftSet>,
    /// Mirror-port active response: the interface resets are sent on.
    pub rst_interface: Option<String>,
}

/// The sensor's identity, sent with every alert to syslog and the portal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SensorIdentity {
    /// Sensor name (`[sensor] name`, else the host name).
    pub name: String,
    /// Site.
    pub site: String,
    /// Hospital.
    pub hospital: String,
}

impl Default for Config {
    fn default() -> Self {
        match RawConfig::default().validate() {
            Ok(c) => c,
            Err(e) => unreachable!("built-in defaults are valid: {e}"),
        }
    }
}

impl Config {
    /// Keys whose change a reload cannot apply (they shape threads, sockets
    /// and files opened at start): compared with `new`, the ones that differ.
    pub fn restart_needed(&self, new: &Config) -> Vec<&'static str> {
        // Debug text compares every field without asking each type for
        // PartialEq; this runs once per reload.
        fn differs<T: fmt::Debug>(a: &T, b: &T) -> bool {
            format!("{a:?}") != format!("{b:?}")
        }
        let mut out = Vec::new();
        let checks: [(&'static str, bool); 12] = [
            (
                "capture.interfaces",
                differs(&self.interfaces, &new.interfaces),
            ),
            ("capture.workers", self.workers != new.workers),
            (
                "capture (snaplen, buffer, bpf_filter, ...)",
                differs(&self.live, &new.live),
            ),
            (
                "capture.batch_size / queue_batches",
                (self.batch_size, self.queue_batches) != (new.batch_size, new.queue_batches),
            ),
            ("flow / stream", differs(&self.flow, &new.flow)),
            ("defrag", differs(&self.decoder, &new.decoder)),
            (
                "outputs.eve",
                differs(
                    &(&self.eve_path, &self.eve_types),
                    &(&new.eve_path, &new.eve_types),
                ),
            ),
            ("outputs.syslog", differs(&self.syslog, &new.syslog)),
            ("outputs.portal", differs(&self.portal, &new.portal)),
            ("outputs.redis", differs(&self.redis, &new.redis)),
            (
                "metrics.listen / health",
                differs(
                    &(self.metrics_listen, &self.health),
                    &(new.metrics_listen, &new.health),
                ),
            ),
            (
                "sensor",
                differs(
                    &(&self.sensor, &self.privileges),
                    &(&new.sensor, &new.privileges),
                ),
            ),
        ];
        for (key, changed) in checks {
            if changed {
                out.push(key);
            }
        }
        out
    }

    /// Loads and validates `path`; `None` gives the built-in defaults.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            None => Ok(Config::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.to_path_buf(),
                    source,
                })?;
                RawConfig::parse(&text, p)?.validate()
            }
        }
    }

    /// The decoder settings of one of `workers` workers: sensor-wide memory caps
    /// are divided evenly, so the total stays what the operator configured
    /// without any lock shared between workers.
    pub fn decoder_for_worker(&self) -> DecoderConfig {
        let n = self.workers.max(1);
        let mut d = self.decoder.clone();
        d.defrag.memcap = (d.defrag.memcap / n).max(64 * 1024);
        d.defrag.max_datagrams = (d.defrag.max_datagrams / n).max(16);
        d
    }

    /// The flow settings of one worker (caps divided as in [`Config::decoder_for_worker`]).
    pub fn flow_for_worker(&self) -> FlowConfig {
        let n = self.workers.max(1);
        let mut f = self.flow.clone();
        f.max_flows = (f.max_flows / n).max(1024);
        f.stream.memcap = (f.stream.memcap / n).max(1 << 20);
        f
    }
}

impl RawConfig {
    /// Parses TOML text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// Checks every value and builds the [`Config`].
    pub fn validate(mut self) -> Result<Config, ConfigError> {
        for name in self.vars.keys() {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(invalid(
                    &format!("vars.{name}"),
                    "variable names are upper-case letters, digits and `_` (e.g. HOME_NET)",
                ));
            }
        }
        let c = &self.capture;
        if !c.nfqueue.is_empty() && !c.interfaces.is_empty() {
            return Err(invalid(
                "capture.nfqueue",
                "set either capture.interfaces (mirror ports) or capture.nfqueue (inline), not both",
            ));
        }
        let nft_set = match self.response.nft_set.trim() {
            "" => None,
            text => Some(
                crate::inline::block::NftSet::parse(text)
                    .map_err(|e| invalid("response.nft_set", e))?,
            ),
        };
        if self.inline.queue_maxlen == 0 {
            return Err(invalid(
                "inline.queue_maxlen",
                "must be at least 1 (packets the kernel queue holds)",
            ));
        }
        for (i, name) in c.interfaces.iter().enumerate() {
            if name.is_empty() || name.len() > 15 || name.contains(['/', ' ']) {
                return Err(invalid(
                    &format!("capture.interfaces[{i}]"),
                    format!(
                        "`{name}` is not an interface name (1-15 characters, no `/` or spaces)"
                    ),
                ));
            }
        }
        let workers = match c.workers {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            n if n <= 256 => n,
            n => {
                return Err(invalid(
                    "capture.workers",
                    format!("{n} is too many; use 1-256, or 0 for one per CPU core"),
                ));
            }
        };
        if !(64..=262_144).contains(&c.snaplen) {
            return Err(invalid(
                "capture.snaplen",
                format!("{} is out of range; use 64-262144 bytes", c.snaplen),
            ));
        }
        if c.buffer_size.0 < (1 << 20) || c.buffer_size.0 > (1 << 31) {
            return Err(invalid(
                "capture.buffer_size",
                "use between 1 MiB and 2 GiB (e.g. \"64 MiB\")",
            ));
        }
        if !(1..=4096).contains(&c.batch_size) {
            return Err(invalid("capture.batch_size", "use 1-4096 packets"));
        }
        if !(1..=65536).contains(&c.queue_batches) {
            return Err(invalid("capture.queue_batches", "use 1-65536 batches"));
        }
        if self.flow.max_flows < 1024 {
            return Err(invalid(
                "flow.max_flows",
                format!("{} is too small; use at least 1024", self.flow.max_flows),
            ));
        }
        let t = &self.flow.timeouts;
        for (key, v) in [
            ("tcp_new", t.tcp_new),
            ("tcp_established", t.tcp_established),
            ("tcp_closed", t.tcp_closed),
            ("udp_new", t.udp_new),
            ("udp_established", t.udp_established),
            ("icmp_new", t.icmp_new),
            ("icmp_established", t.icmp_established),
            ("other_new", t.other_new),
            ("other_established", t.other_established),
        ] {
            if !(1..=86_400).contains(&v) {
                return Err(invalid(
                    &format!("flow.timeouts.{key}"),
                    format!("{v} is out of range; use 1-86400 seconds"),
                ));
            }
        }
        let s = &self.stream;
        if s.memcap.0 < (1 << 20) {
            return Err(invalid("stream.memcap", "use at least 1 MiB"));
        }
        if s.gap_bound.0 < 1024 || s.gap_bound.0 > s.memcap.0 {
            return Err(invalid(
                "stream.gap_bound",
                "use at least 1 KiB and no more than stream.memcap",
            ));
        }
        let d = &self.defrag;
        if d.memcap.0 < (64 << 10) {
            return Err(invalid("defrag.memcap", "use at least 64 KiB"));
        }
        if !(2..=8192).contains(&d.max_fragments) {
            return Err(invalid("defrag.max_fragments", "use 2-8192"));
        }
        if d.max_datagrams < 16 {
            return Err(invalid("defrag.max_datagrams", "use at least 16"));
        }
        if !(1..=3600).contains(&d.timeout) {
            return Err(invalid("defrag.timeout", "use 1-3600 seconds"));
        }
        let types = parse_types("outputs.eve.types", &self.outputs.eve.types)?;
        if self.outputs.eve.enabled && self.outputs.eve.path.as_os_str().is_empty() {
            return Err(invalid("outputs.eve.path", "must not be empty"));
        }
        let eve = validate_eve(&self.outputs.eve)?;
        let to_usize = |b: ByteSize| usize::try_from(b.0).unwrap_or(usize::MAX);
        let sensor = sensor_identity(&self.sensor)?;
        let privileges = Privileges {
            user: self.sensor.user.trim().to_string(),
            group: self.sensor.group.trim().to_string(),
            keep: crate::daemon::privdrop::parse_caps(&self.sensor.keep_capabilities)
                .map_err(|m| invalid("sensor.keep_capabilities", m))?,
        };
        let h = &self.health;
        if !(0.0..=1.0).contains(&h.max_drop_rate) {
            return Err(invalid(
                "health.max_drop_rate",
                format!(
                    "{} is not a share; write e.g. 0.01 for 1 %",
                    h.max_drop_rate
                ),
            ));
        }
        if h.window.0.is_zero() || h.silent_after.0.is_zero() {
            return Err(invalid(
                "health.window",
                "health.window and health.silent_after must be at least 1 s (e.g. \"5 min\")",
            ));
        }
        let health = HealthConfig {
            enabled: h.enabled,
            silent_after: h.silent_after.0,
            window: h.window.0,
            one_way_min_syns: h.one_way_min_syns.max(1),
            max_drop_rate: h.max_drop_rate,
        };
        let metrics_listen = match self.metrics.listen.trim() {
            "" => None,
            a => Some(a.parse::<std::net::SocketAddr>().map_err(|_| {
                invalid(
                    "metrics.listen",
                    format!("`{a}` is not host:port; write e.g. \"127.0.0.1:9187\" (an IP address, not a name)"),
                )
            })?),
        };
        let syslog = match &self.outputs.syslog {
            Some(raw) => Some(validate_syslog(raw, &sensor)?),
            None => None,
        };
        let portal = match &self.outputs.portal {
            Some(raw) => Some(validate_portal(raw)?),
            None => None,
        };
        let redis = match &self.outputs.redis {
            Some(raw) => Some(validate_redis(raw)?),
            None => None,
        };
        let drain_timeout = self.outputs.drain_timeout.0;
        if drain_timeout > Duration::from_secs(3600) {
            return Err(invalid("outputs.drain_timeout", "use at most 1 h"));
        }
        let detectors = if !self.detectors.enabled {
            None
        } else if self.detectors.file.as_os_str().is_empty() {
            Some(crate::correlate::DetectorsConfig::builtin())
        } else {
            Some(
                crate::correlate::DetectorsConfig::load(&self.detectors.file).map_err(|e| {
                    invalid(
                        "detectors.file",
                        format!("{e} (fix the file, or remove the key for the built-in settings)"),
                    )
                })?,
            )
        };
        let mut detectors = detectors;
        if let Some(d) = detectors.as_mut() {
            let zones = std::mem::take(&mut self.zones.networks)
                .into_iter()
                .map(|(name, networks)| crate::correlate::config::ZoneConfig { name, networks })
                .collect();
            d.add_zones(zones, std::mem::take(&mut self.zones.flows))
                .map_err(|e| invalid("zones", e.to_string()))?;
        }
        Ok(Config {
            vars: self.vars,
            interfaces: c.interfaces.clone(),
            workers,
            live: LiveOptions {
                snaplen: c.snaplen,
                buffer_size: c.buffer_size.0,
                promiscuous: c.promiscuous,
                immediate: c.immediate,
                bpf_filter: c.bpf_filter.clone(),
            },
            batch_size: c.batch_size,
            queue_batches: c.queue_batches,
            rule_files: self.rules.files,
            classification_file: self.rules.classification_file,
            threshold_file: self.rules.threshold_file,
            decoder: DecoderConfig {
                defrag: DefragConfig {
                    memcap: to_usize(d.memcap),
                    max_fragments: d.max_fragments,
                    max_datagrams: d.max_datagrams,
                    timeout_secs: d.timeout,
                },
            },
            flow: FlowConfig {
                timeouts: FlowTimeouts {
                    tcp_new: t.tcp_new,
                    tcp_established: t.tcp_established,
                    tcp_closed: t.tcp_closed,
                    udp_new: t.udp_new,
                    udp_established: t.udp_established,
                    icmp_new: t.icmp_new,
                    icmp_established: t.icmp_established,
                    other_new: t.other_new,
                    other_established: t.other_established,
                },
                max_flows: self.flow.max_flows,
                stream: StreamConfig {
                    depth: to_usize(s.depth),
                    memcap: to_usize(s.memcap),
                    gap_bound: to_usize(s.gap_bound),
                },
            },
            stats_interval: self.stats.interval,
            detectors,
            eve_path: self.outputs.eve.enabled.then_some(self.outputs.eve.path),
            eve_types: types,
            eve,
            sensor,
            syslog,
            portal,
            redis,
            health,
            metrics_listen,
            privileges,
            drain_timeout,
            nfqueue: c.nfqueue.clone(),
            inline: crate::inline::InlineConfig {
                fail_open: self.inline.fail_open,
                dry_run: self.inline.dry_run,
                allow: self.inline.allow,
                queue_maxlen: self.inline.queue_maxlen,
            },
            nft_set,
            rst_interface: Some(self.response.rst_interface.trim().to_string())
                .filter(|s| !s.is_empty()),
        })
    }
}

/// `fsync` / `fsync_interval` of the section `section` (EVE and portal spool).
fn parse_fsync(section: &str, fsync: &str, interval: TimeSpan) -> Result<FsyncPolicy, ConfigError> {
    match fsync {
        "batch" => Ok(FsyncPolicy::EveryBatch),
        "interval" => {
            if interval.0.is_zero() {
                return Err(invalid(
                    &format!("{section}.fsync_interval"),
                    "must be more than 0 (or use fsync = \"batch\")",
                ));
            }
            Ok(FsyncPolicy::Interval(interval.0))
        }
        "never" => Ok(FsyncPolicy::Never),
        other => Err(invalid(
            &format!("{section}.fsync"),
            format!("unknown policy `{other}`; use batch, interval or never"),
        )),
    }
}

/// The rotation, flush and fsync keys of `[outputs.eve]`.
fn validate_eve(raw: &RawEve) -> Result<crate::output::EveOptions, ConfigError> {
    use crate::output::{EveFlush, EveOptions};
    let rotate_size = match raw.rotate_size.0 {
        0 => None,
        n if n < (64 << 10) => {
            return Err(invalid(
                "outputs.eve.rotate_size",
                "use at least 64 KiB (or 0 to leave rotation to logrotate)",
            ));
        }
        n => Some(n),
    };
    if !(1..=1000).contains(&raw.rotate_keep) {
        return Err(invalid("outputs.eve.rotate_keep", "use 1-1000 files"));
    }
    let flush = match raw.flush.as_str() {
        "batch" => EveFlush::Batch,
        "line" => EveFlush::Line,
        other => {
            return Err(invalid(
                "outputs.eve.flush",
                format!("unknown policy `{other}`; use batch or line"),
            ));
        }
    };
    Ok(EveOptions {
        rotate_size,
        rotate_keep: raw.rotate_keep,
        flush,
        fsync: parse_fsync("outputs.eve", &raw.fsync, raw.fsync_interval)?,
    })
}

/// Parses an event-type list (`["alert", "flow", "dns"]`) for `key`.
fn parse_types(key: &str, list: &[String]) -> Result<EveTypes, ConfigError> {
    let mut types = EveTypes::default();
    for (i, ty) in list.iter().enumerate() {
        match ty.as_str() {
            "alert" => types.alert = true,
            "flow" => types.flow = true,
            "stats" => types.stats = true,
            other if types.enable_app(other) => {}
            other => {
                return Err(invalid(
                    &format!("{key}[{i}]"),
                    format!(
                        "unknown event type `{other}`; use alert, flow, stats, login or a protocol: {}",
                        EveTypes::APP_TYPES[..EveTypes::APP_TYPES.len() - 1].join(", ")
                    ),
                ));
            }
        }
    }
    Ok(types)
}

fn sensor_identity(raw: &RawSensor) -> Result<SensorIdentity, ConfigError> {
    let name = if raw.name.trim().is_empty() {
        nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "wardwatch".into())
    } else {
        raw.name.trim().to_string()
    };
    for (key, v) in [
        ("sensor.name", &name),
        ("sensor.site", &raw.site),
        ("sensor.hospital", &raw.hospital),
    ] {
        if v.len() > 255 || v.chars().any(char::is_control) {
            return Err(invalid(
                key,
                "use at most 255 bytes and no control characters",
            ));
        }
    }
    Ok(SensorIdentity {
        name,
        site: raw.site.clone(),
        hospital: raw.hospital.clone(),
    })
}

/// An optional PEM file that must exist when set.
fn pem_file(key: &str, path: &Option<PathBuf>) -> Result<Option<PathBuf>, ConfigError> {
    match path {
        None => Ok(None),
        Some(p) if p.as_os_str().is_empty() => Ok(None),
        Some(p) => match std::fs::metadata(p) {
            Ok(m) if m.is_file() => Ok(Some(p.clone())),
            Ok(_) => Err(invalid(
                key,
                format!("{} is not a file; give a PEM file", p.display()),
            )),
            Err(e) => Err(invalid(
                key,
                format!("cannot read {}: {e}; give a readable PEM file", p.display()),
            )),
        },
    }
}

fn tls_files(
    prefix: &str,
    ca: &Option<PathBuf>,
    cert: &Option<PathBuf>,
    key: &Option<PathBuf>,
) -> Result<TlsFiles, ConfigError> {
    let files = TlsFiles {
        ca_file: pem_file(&format!("{prefix}.ca_file"), ca)?,
        cert_file: pem_file(&format!("{prefix}.cert_file"), cert)?,
        key_file: pem_file(&format!("{prefix}.key_file"), key)?,
    };
    if files.cert_file.is_some() != files.key_file.is_some() {
        return Err(invalid(
            &format!("{prefix}.cert_file"),
            "a client certificate needs both cert_file and key_file (or neither)",
        ));
    }
    Ok(files)
}

fn queue_size(key: &str, n: usize) -> Result<usize, ConfigError> {
    if (1..=1_000_000).contains(&n) {
        Ok(n)
    } else {
        Err(invalid(
            key,
            format!("{n} is out of range; use 1-1000000 events"),
        ))
    }
}

fn validate_syslog(raw: &RawSyslog, sensor: &SensorIdentity) -> Result<SyslogConfig, ConfigError> {
    let transport = match raw.transport.as_str() {
        "unix" => SyslogTransport::Unix,
        "udp" => SyslogTransport::Udp,
        "tcp" => SyslogTransport::Tcp,
        "tls" => SyslogTransport::Tls,
        other => {
            return Err(invalid(
                "outputs.syslog.transport",
                format!("unknown transport `{other}`; use unix, udp, tcp or tls"),
            ));
        }
    };
    let address = if raw.address.trim().is_empty() {
        transport.default_address().to_string()
    } else {
        raw.address.trim().to_string()
    };
    if transport != SyslogTransport::Unix && !address.contains(':') {
        return Err(invalid(
            "outputs.syslog.address",
            format!(
                "`{address}` has no port; write host:port, e.g. 127.0.0.1:514 ([::1]:514 for IPv6)"
            ),
        ));
    }
    let format = match raw.format.as_str() {
        "rfc5424" => SyslogFormat::Rfc5424,
        "rfc3164" => SyslogFormat::Rfc3164,
        "cef" => SyslogFormat::Cef,
        other => {
            return Err(invalid(
                "outputs.syslog.format",
                format!("unknown format `{other}`; use rfc5424, rfc3164 or cef"),
            ));
        }
    };
    let facility = crate::output::syslog::facility_code(&raw.facility).ok_or_else(|| {
        invalid(
            "outputs.syslog.facility",
            format!(
                "unknown facility `{}`; use local0-local7, user, daemon, auth, authpriv, \
                 security or syslog",
                raw.facility
            ),
        )
    })?;
    let printable = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| (33..=126).contains(&b))
    };
    if !printable(&raw.app_name, 48) {
        return Err(invalid(
            "outputs.syslog.app_name",
            "use 1-48 printable ASCII characters without spaces (RFC 5424 APP-NAME)",
        ));
    }
    let hostname = if raw.hostname.is_empty() {
        sensor.name.clone()
    } else {
        raw.hostname.clone()
    };
    if !printable(&hostname, 255) {
        return Err(invalid(
            "outputs.syslog.hostname",
            "use 1-255 printable ASCII characters without spaces (RFC 5424 HOSTNAME); \
             set it when the sensor name has other characters",
        ));
    }
    if !printable(&raw.sd_id, 32) || raw.sd_id.contains(['=', ']', '"']) {
        return Err(invalid(
            "outputs.syslog.sd_id",
            "use an RFC 5424 SD-ID: name@enterprise-number, at most 32 printable characters \
             without = ] \" or spaces",
        ));
    }
    let max_message_size = match raw.max_message_size.0 {
        0 => transport.default_max_message(),
        n if (480..=65_000).contains(&n) => n as usize,
        n => {
            return Err(invalid(
                "outputs.syslog.max_message_size",
                format!("{n} is out of range; use 480-65000 bytes (0 = the transport's default)"),
            ));
        }
    };
    let tls = tls_files(
        "outputs.syslog",
        &raw.ca_file,
        &raw.cert_file,
        &raw.key_file,
    )?;
    if transport != SyslogTransport::Tls
        && (tls.ca_file.is_some() || tls.cert_file.is_some() || !raw.server_name.is_empty())
    {
        return Err(invalid(
            "outputs.syslog.transport",
            "ca_file, cert_file, key_file and server_name apply to transport = \"tls\" only",
        ));
    }
    let connect_timeout = raw.connect_timeout.0;
    if connect_timeout.is_zero() || connect_timeout > Duration::from_secs(300) {
        return Err(invalid(
            "outputs.syslog.connect_timeout",
            "use between 1 ms and 5 min",
        ));
    }
    let max_backoff = raw.max_backoff.0;
    if max_backoff < Duration::from_millis(10) || max_backoff > Duration::from_secs(3600) {
        return Err(invalid(
            "outputs.syslog.max_backoff",
            "use between 10 ms and 1 h",
        ));
    }
    Ok(SyslogConfig {
        transport,
        address,
        format,
        facility,
        app_name: raw.app_name.clone(),
        hostname,
        sd_id: raw.sd_id.clone(),
        max_message_size,
        types: parse_types("outputs.syslog.types", &raw.types)?,
        queue_size: queue_size("outputs.syslog.queue_size", raw.queue_size)?,
        tls,
        server_name: (!raw.server_name.is_empty()).then(|| raw.server_name.clone()),
        connect_timeout,
        max_backoff,
    })
}

fn validate_redis(raw: &RawRedis) -> Result<RedisConfig, ConfigError> {
    let address = raw.address.trim();
    if !address.contains(':') {
        return Err(invalid(
            "outputs.redis.address",
            format!("`{address}` has no port; write host:port, e.g. 127.0.0.1:6379"),
        ));
    }
    if raw.key.is_empty() || raw.key.len() > 512 || raw.key.chars().any(char::is_control) {
        return Err(invalid(
            "outputs.redis.key",
            "use 1-512 characters without control characters, e.g. \"wardwatch\"",
        ));
    }
    let mode = match raw.mode.as_str() {
        "list" => RedisMode::List,
        "stream" => RedisMode::Stream,
        other => {
            return Err(invalid(
                "outputs.redis.mode",
                format!("unknown mode `{other}`; use list (LPUSH) or stream (XADD)"),
            ));
        }
    };
    if raw.db > 1_000_000 {
        return Err(invalid(
            "outputs.redis.db",
            "use a database number like 0-15",
        ));
    }
    let password_file = match &raw.password_file {
        Some(p) if !p.as_os_str().is_empty() => match crate::output::redis::read_password(p) {
            Ok(_) => Some(p.clone()),
            Err(e) => return Err(invalid("outputs.redis.password_file", e)),
        },
        _ => None,
    };
    if !raw.username.is_empty() && password_file.is_none() {
        return Err(invalid(
            "outputs.redis.username",
            "an ACL user needs password_file too",
        ));
    }
    for (key, v) in [
        ("connect_timeout", raw.connect_timeout.0),
        ("max_backoff", raw.max_backoff.0),
    ] {
        if v < Duration::from_millis(10) || v > Duration::from_secs(3600) {
            return Err(invalid(
                &format!("outputs.redis.{key}"),
                "use between 10 ms and 1 h",
            ));
        }
    }
    Ok(RedisConfig {
        address: address.to_string(),
        key: raw.key.clone(),
        mode,
        stream_maxlen: raw.stream_maxlen,
        db: raw.db,
        username: (!raw.username.is_empty()).then(|| raw.username.clone()),
        password_file,
        types: parse_types("outputs.redis.types", &raw.types)?,
        queue_size: queue_size("outputs.redis.queue_size", raw.queue_size)?,
        connect_timeout: raw.connect_timeout.0,
        max_backoff: raw.max_backoff.0,
        tls: redis_tls(raw, address)?,
    })
}

/// The TLS keys of `[outputs.redis]`: only with `tls = true`.
fn redis_tls(raw: &RawRedis, address: &str) -> Result<Option<RedisTls>, ConfigError> {
    let files = tls_files("outputs.redis", &raw.ca_file, &raw.cert_file, &raw.key_file)?;
    if !raw.tls {
        if files != TlsFiles::default() || !raw.server_name.is_empty() {
            return Err(invalid(
                "outputs.redis.tls",
                "ca_file, cert_file, key_file and server_name apply with tls = true only",
            ));
        }
        return Ok(None);
    }
    let server_name = if raw.server_name.is_empty() {
        crate::output::syslog::host_of(address)
    } else {
        raw.server_name.clone()
    };
    if rustls::pki_types::ServerName::try_from(server_name.clone()).is_err() {
        return Err(invalid(
            "outputs.redis.server_name",
            format!("`{server_name}` is not a host name or address"),
        ));
    }
    Ok(Some(RedisTls { files, server_name }))
}

fn validate_portal(raw: &RawPortal) -> Result<PortalConfig, ConfigError> {
    let url = raw.url.trim();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() < 10 {
        return Err(invalid(
            "outputs.portal.url",
            "set the portal's alert endpoint, e.g. https://portal.example.org/api/v1/alerts",
        ));
    }
    if url.contains('@') {
        return Err(invalid(
            "outputs.portal.url",
            "do not put credentials in the URL; put the bearer token in token_file",
        ));
    }
    let token_file = match &raw.token_file {
        Some(p) if !p.as_os_str().is_empty() => {
            match crate::output::portal::read_token(p) {
                Ok(_) => Some(p.clone()),
                // The error names the file, never its content.
                Err(e) => return Err(invalid("outputs.portal.token_file", e)),
            }
        }
        _ => None,
    };
    if raw.spool_dir.as_os_str().is_empty() {
        return Err(invalid(
            "outputs.portal.spool_dir",
            "must not be empty; give a directory the sensor may write, e.g. /var/lib/wardwatch/spool",
        ));
    }
    if raw.spool_max_size.0 < (64 << 10) {
        return Err(invalid(
            "outputs.portal.spool_max_size",
            "use at least 64 KiB",
        ));
    }
    let fsync = parse_fsync("outputs.portal", &raw.fsync, raw.fsync_interval)?;
    if !(1..=10_000).contains(&raw.batch_max_events) {
        return Err(invalid(
            "outputs.portal.batch_max_events",
            "use 1-10000 events",
        ));
    }
    if raw.batch_max_bytes.0 < 1024 || raw.batch_max_bytes.0 > (64 << 20) {
        return Err(invalid(
            "outputs.portal.batch_max_bytes",
            "use 1 KiB to 64 MiB",
        ));
    }
    for (key, v, min) in [
        ("batch_max_age", raw.batch_max_age.0, Duration::ZERO),
        (
            "connect_timeout",
            raw.connect_timeout.0,
            Duration::from_millis(1),
        ),
        ("timeout", raw.timeout.0, Duration::from_millis(1)),
        (
            "retry_initial",
            raw.retry_initial.0,
            Duration::from_millis(1),
        ),
        ("retry_max", raw.retry_max.0, Duration::from_millis(1)),
    ] {
        if v < min || v > Duration::from_secs(3600) {
            return Err(invalid(
                &format!("outputs.portal.{key}"),
                format!("use between {} ms and 1 h", min.as_millis()),
            ));
        }
    }
    if raw.retry_max.0 < raw.retry_initial.0 {
        return Err(invalid(
            "outputs.portal.retry_max",
            "must be at least outputs.portal.retry_initial",
        ));
    }
    Ok(PortalConfig {
        url: url.to_string(),
        token_file,
        spool_dir: raw.spool_dir.clone(),
        spool_max_size: raw.spool_max_size.0,
        fsync,
        batch_max_events: raw.batch_max_events,
        batch_max_bytes: usize::try_from(raw.batch_max_bytes.0).unwrap_or(usize::MAX),
        batch_max_age: raw.batch_max_age.0,
        connect_timeout: raw.connect_timeout.0,
        timeout: raw.timeout.0,
        retry_initial: raw.retry_initial.0,
        retry_max: raw.retry_max.0,
        tls: tls_files(
            "outputs.portal",
            &raw.ca_file,
            &raw.cert_file,
            &raw.key_file,
        )?,
        types: parse_types("outputs.portal.types", &raw.types)?,
        queue_size: queue_size("outputs.portal.queue_size", raw.queue_size)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        RawConfig::parse(text, Path::new("test.toml"))?.validate()
    }

    #[test]
    fn defaults_are_valid() {
        let c = parse("").expect("empty file is valid");
        assert!(c.workers >= 1);
        assert_eq!(c.eve_path.as_deref(), Some(Path::new("eve.json")));
        assert!(c.eve_types.flow && c.eve_types.alert && c.eve_types.stats);
        assert_eq!(c.flow.stream.depth, 1 << 20);
    }

    #[test]
    fn unknown_key_is_named_with_alternatives() {
        let e = parse("[capture]\nworkerz = 2\n").expect_err("unknown key");
        let msg = e.to_string();
        assert!(msg.contains("test.toml"), "{msg}");
        assert!(msg.contains("workerz"), "{msg}");
        assert!(msg.contains("workers"), "{msg}");
    }

    #[test]
    fn bad_value_names_key_and_range() {
        let msg = parse("[capture]\nworkers = 1000\n")
            .expect_err("too many")
            .to_string();
        assert!(
            msg.contains("capture.workers") && msg.contains("1-256"),
            "{msg}"
        );
        let msg = parse("[flow.timeouts]\ntcp_new = 0\n")
            .expect_err("zero")
            .to_string();
        assert!(msg.contains("flow.timeouts.tcp_new"), "{msg}");
        let msg = parse("[outputs.eve]\ntypes = [\"flow\", \"smbv9\"]\n")
            .expect_err("type")
            .to_string();
        assert!(
            msg.contains("outputs.eve.types[1]") && msg.contains("dns"),
            "{msg}"
        );
    }

    #[test]
    fn detector_settings_file_errors_name_the_key() {
        let msg = parse("[detectors]\nfile = \"/nonexistent/detectors.toml\"\n")
            .expect_err("missing file")
            .to_string();
        assert!(msg.contains("detectors.file"), "{msg}");
        assert!(
            parse("[detectors]\nenabled = false\n")
                .expect("valid")
                .detectors
                .is_none()
        );
        assert!(parse("").expect("valid").detectors.is_some());
    }

    #[test]
    fn sizes_accept_units() {
        let c = parse("[stream]\ndepth = \"512 KiB\"\nmemcap = \"1g\"\n").expect("valid");
        assert_eq!(c.flow.stream.depth, 512 * 1024);
        assert_eq!(c.flow.stream.memcap, 1 << 30);
        let msg = parse("[stream]\ndepth = \"5 parsecs\"\n")
            .expect_err("bad unit")
            .to_string();
        assert!(msg.contains("parsecs"), "{msg}");
        assert_eq!(ByteSize::parse("64MB"), Ok(ByteSize(64 << 20)));
    }

    #[test]
    fn redis_section_is_validated() {
        let c = parse("[outputs.redis]\nmode = \"stream\"\n").expect("valid");
        let r = c.redis.expect("redis on");
        assert_eq!(r.mode, RedisMode::Stream);
        assert_eq!(r.address, "127.0.0.1:6379");
        for (text, key) in [
            ("mode = \"pubsub\"", "outputs.redis.mode"),
            ("address = \"redis\"", "outputs.redis.address"),
            (
                "password_file = \"/nonexistent/pw\"",
                "outputs.redis.password_file",
            ),
            ("username = \"ww\"", "outputs.redis.username"),
        ] {
            let msg = parse(&format!("[outputs.redis]\n{text}\n"))
                .expect_err(text)
                .to_string();
            assert!(msg.contains(key), "{text}: {msg}");
        }
    }

    #[test]
    fn syslog_section_is_validated_with_defaults() {
        let c = parse("[outputs.syslog]\ntransport = \"udp\"\naddress = \"127.0.0.1:5514\"\n")
            .expect("valid");
        let s = c.syslog.expect("syslog on");
        assert_eq!(s.transport, SyslogTransport::Udp);
        assert_eq!(s.max_message_size, 2048);
        assert_eq!(s.facility, 21, "local5 by default");
        assert!(s.types.alert && !s.types.flow);
        let c = parse("[outputs.syslog]\n").expect("valid");
        let s = c.syslog.expect("syslog on");
        assert_eq!(s.transport, SyslogTransport::Unix);
        assert_eq!(s.address, "/dev/log");
        for (text, key) in [
            ("transport = \"carrier-pigeon\"", "outputs.syslog.transport"),
            ("format = \"xml\"", "outputs.syslog.format"),
            ("facility = \"local9\"", "outputs.syslog.facility"),
            (
                "transport = \"tcp\"\naddress = \"loghost\"",
                "outputs.syslog.address",
            ),
            ("max_message_size = 100", "outputs.syslog.max_message_size"),
            ("types = [\"alerts\"]", "outputs.syslog.types[0]"),
            (
                "ca_file = \"/nonexistent/ca.pem\"",
                "outputs.syslog.ca_file",
            ),
        ] {
            let msg = parse(&format!("[outputs.syslog]\n{text}\n"))
                .expect_err(text)
                .to_string();
            assert!(msg.contains(key), "{text}: {msg}");
        }
    }

    #[test]
    fn eve_rotation_flush_and_fsync_keys() {
        use crate::output::{EveFlush, EveOptions};
        let c = parse("").expect("defaults");
        assert_eq!(c.eve, EveOptions::default());
        assert_eq!(c.eve.rotate_size, None);
        let c = parse(
            "[outputs.eve]\nrotate_size = \"100 MiB\"\nrotate_keep = 3\nflush = \"line\"\n\
             fsync = \"interval\"\nfsync_interval = \"2 s\"\n",
        )
        .expect("valid");
        assert_eq!(
            c.eve,
            EveOptions {
                rotate_size: Some(100 << 20),
                rotate_keep: 3,
                flush: EveFlush::Line,
                fsync: FsyncPolicy::Interval(Duration::from_secs(2)),
            }
        );
        for (text, key) in [
            ("rotate_size = \"1 KiB\"", "outputs.eve.rotate_size"),
            ("rotate_keep = 0", "outputs.eve.rotate_keep"),
            ("flush = \"sometimes\"", "outputs.eve.flush"),
            ("fsync = \"always\"", "outputs.eve.fsync"),
            (
                "fsync = \"interval\"\nfsync_interval = 0",
                "outputs.eve.fsync_interval",
            ),
        ] {
            let msg = parse(&format!("[outputs.eve]\n{text}\n"))
                .expect_err(text)
                .to_string();
            assert!(msg.contains(key), "{text}: {msg}");
        }
    }

    #[test]
    fn redis_tls_keys() {
        let r = parse("[outputs.redis]\naddress = \"redis.example.org:6380\"\ntls = true\n")
            .expect("valid")
            .redis
            .expect("redis on");
        let tls = r.tls.expect("tls on");
        assert_eq!(tls.server_name, "redis.example.org");
        assert_eq!(tls.files, TlsFiles::default());
        assert!(
            parse("[outputs.redis]\n")
                .expect("valid")
                .redis
                .expect("on")
                .tls
                .is_none()
        );
        let msg = parse("[outputs.redis]\nserver_name = \"x.example.org\"\n")
            .expect_err("server_name without tls")
            .to_string();
        assert!(msg.contains("outputs.redis.tls"), "{msg}");
        let msg = parse("[outputs.redis]\ntls = true\nca_file = \"/nonexistent/ca.pem\"\n")
            .expect_err("missing CA file")
            .to_string();
        assert!(
            msg.contains("outputs.redis.ca_file") && msg.contains("/nonexistent/ca.pem"),
            "{msg}"
        );
    }

    #[test]
    fn portal_section_is_validated() {
        let dir = tempfile::tempdir().expect("tmp");
        let token = dir.path().join("token");
        std::fs::write(&token, "s3cret-token\n").expect("write");
        let text = format!(
            "[outputs.portal]\nurl = \"https://portal.example.org/api/v1/alerts\"\n\
             token_file = \"{}\"\nspool_dir = \"{}\"\nbatch_max_age = \"250 ms\"\n",
            token.display(),
            dir.path().join("spool").display()
        );
        let p = parse(&text).expect("valid").portal.expect("portal on");
        assert_eq!(p.batch_max_age, Duration::from_millis(250));
        assert_eq!(p.fsync, FsyncPolicy::EveryBatch);
        let msg = parse("[outputs.portal]\nurl = \"ftp://x\"\n")
            .expect_err("url")
            .to_string();
        assert!(msg.contains("outputs.portal.url"), "{msg}");
        let msg = parse("[outputs.portal]\nurl = \"https://p.example.org/a\"\ntoken_file = \"/nonexistent/token\"\n")
            .expect_err("token")
            .to_string();
        assert!(
            msg.contains("outputs.portal.token_file") && msg.contains("/nonexistent/token"),
            "{msg}"
        );
        // The token itself is not a config key.
        let msg = parse("[outputs.portal]\nurl = \"https://p.example.org/a\"\ntoken = \"abc\"\n")
            .expect_err("token key")
            .to_string();
        assert!(msg.contains("token"), "{msg}");
        let msg =
            parse("[outputs.portal]\nurl = \"https://p.example.org/a\"\nfsync = \"sometimes\"\n")
                .expect_err("fsync")
                .to_string();
        assert!(msg.contains("outputs.portal.fsync"), "{msg}");
    }

    #[test]
    fn durations_accept_units() {
        assert_eq!(
            TimeSpan::parse("250 ms"),
            Ok(TimeSpan(Duration::from_millis(250)))
        );
        assert_eq!(
            TimeSpan::parse("2min"),
            Ok(TimeSpan(Duration::from_secs(120)))
        );
        assert_eq!(TimeSpan::parse("7"), Ok(TimeSpan(Duration::from_secs(7))));
        assert!(TimeSpan::parse("5 fortnights").is_err());
        let c = parse("[outputs]\ndrain_timeout = \"1500 ms\"\n").expect("valid");
        assert_eq!(c.drain_timeout, Duration::from_millis(1500));
    }

    #[test]
    fn per_worker_caps_split_the_total() {
        let mut c = parse("[capture]\nworkers = 4\n[flow]\nmax_flows = 400000\n").expect("valid");
        assert_eq!(c.flow_for_worker().max_flows, 100_000);
        c.workers = 1;
        assert_eq!(c.flow_for_worker().max_flows, 400_000);
    }

    #[test]
    fn bad_var_name() {
        let msg = parse("[vars]\nhome_net = \"[10.0.0.0/8]\"\n")
            .expect_err("lower case")
            .to_string();
        assert!(msg.contains("vars.home_net"), "{msg}");
    }
}
