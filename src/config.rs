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

use crate::decode::{DecoderConfig, DefragConfig};
use crate::flow::{FlowConfig, FlowTimeouts, StreamConfig};

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
    /// Alert and event outputs.
    pub outputs: RawOutputs,
}

/// `[capture]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCapture {
    /// Interfaces for `run` (mirror ports).
    pub interfaces: Vec<String>,
    /// NFQUEUE numbers for inline mode (a later feature).
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
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawOutputs {
    /// The EVE JSON file.
    pub eve: RawEve,
    /// Syslog (not in this build yet; accepted only so the error can say so).
    pub syslog: Option<toml::Table>,
    /// Incident portal (not in this build yet).
    pub portal: Option<toml::Table>,
    /// Redis (not in this build yet).
    pub redis: Option<toml::Table>,
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
}

impl Default for RawEve {
    fn default() -> Self {
        RawEve {
            enabled: true,
            path: PathBuf::from("eve.json"),
            types: vec!["alert".into(), "flow".into(), "stats".into()],
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
    pub fn validate(self) -> Result<Config, ConfigError> {
        let unavailable = [
            ("outputs.syslog", self.outputs.syslog.is_some()),
            ("outputs.portal", self.outputs.portal.is_some()),
            ("outputs.redis", self.outputs.redis.is_some()),
        ];
        if let Some((name, _)) = unavailable.iter().find(|(_, set)| *set) {
            return Err(invalid(
                name,
                "this output is not available in this build yet; remove the section \
                 (alerts go to the EVE file, [outputs.eve])",
            ));
        }
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
        if !c.nfqueue.is_empty() {
            return Err(invalid(
                "capture.nfqueue",
                "inline mode (NFQUEUE) is not available in this build yet; use capture.interfaces",
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
        let mut types = EveTypes::default();
        for (i, ty) in self.outputs.eve.types.iter().enumerate() {
            match ty.as_str() {
                "alert" => types.alert = true,
                "flow" => types.flow = true,
                "stats" => types.stats = true,
                other if types.enable_app(other) => {}
                other => {
                    return Err(invalid(
                        &format!("outputs.eve.types[{i}]"),
                        format!(
                            "unknown event type `{other}`; use alert, flow, stats, login or a protocol: {}",
                            EveTypes::APP_TYPES[..EveTypes::APP_TYPES.len() - 1].join(", ")
                        ),
                    ));
                }
            }
        }
        if self.outputs.eve.enabled && self.outputs.eve.path.as_os_str().is_empty() {
            return Err(invalid("outputs.eve.path", "must not be empty"));
        }
        let to_usize = |b: ByteSize| usize::try_from(b.0).unwrap_or(usize::MAX);
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
            eve_path: self.outputs.eve.enabled.then_some(self.outputs.eve.path),
            eve_types: types,
        })
    }
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
    fn unavailable_outputs_are_refused_not_ignored() {
        let msg = parse("[outputs.syslog]\ntransport = \"udp\"\n")
            .expect_err("not yet")
            .to_string();
        assert!(msg.contains("outputs.syslog"), "{msg}");
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
