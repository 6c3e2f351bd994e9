//! The detectors' settings: thresholds, windows, switches and allow-lists,
//! read from `rules/detectors.toml` (every key has a default, the shipped
//! file documents them) and checked before a [`super::Correlator`] is built.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use crate::app::layer::AppProto;
use crate::rules::ir::IpNet;

/// The detector settings file shipped in `rules/` (also the documentation
/// of every key).
pub const SHIPPED: &str = include_str!("../../rules/detectors.toml");

/// A problem with the detector settings, naming the file or key at fault.
#[derive(Debug, thiserror::Error)]
pub enum DetectorsError {
    /// The settings file could not be read.
    #[error("cannot read detector settings {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key or a value of the wrong type.
    #[error("detector settings {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML parser's message (line, column, key).
        message: String,
    },
    /// A value out of range or inconsistent with another.
    #[error("detector settings key `{key}`: {message}")]
    Invalid {
        /// Dotted key, e.g. `login-flood.window_secs`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

fn invalid(key: &str, message: impl Into<String>) -> DetectorsError {
    DetectorsError::Invalid {
        key: key.to_string(),
        message: message.into(),
    }
}

/// A list of networks (`"10.0.0.0/8"`, `"192.168.1.20"`, `"fd00::/8"`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetList(pub Vec<IpNet>);

impl NetList {
    /// True when `ip` is inside one of the networks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// True when the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn parse(items: &[&str]) -> Result<NetList, String> {
        items
            .iter()
            .map(|s| parse_net(s))
            .collect::<Result<Vec<_>, _>>()
            .map(NetList)
    }

    /// RFC 1918 and RFC 4193 ranges: the default inside of a hospital.
    pub fn private() -> NetList {
        // The literals are valid, so parsing cannot fail; fall back to empty
        // rather than panic all the same.
        NetList::parse(&["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])
            .unwrap_or_default()
    }
}

impl<'de> Deserialize<'de> for NetList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<String>::deserialize(d)?;
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        NetList::parse(&refs).map_err(serde::de::Error::custom)
    }
}

/// Parses `addr` or `addr/prefix`.
pub fn parse_net(item: &str) -> Result<IpNet, String> {
    let item = item.trim();
    let (addr, prefix) = match item.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (item, None),
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{item}` is not an IP address or CIDR network"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("`{item}`: the prefix length must be 0-{max}"))?,
        None => max,
    };
    Ok(IpNet { addr, prefix })
}

/// A transport service: `tcp/443`, `udp/5000-5010`, `tcp` (any port),
/// `icmp`, or `any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// IP protocol number; `None` for any.
    pub ip_proto: Option<u8>,
    /// Inclusive server port range; `None` for any port.
    pub ports: Option<(u16, u16)>,
}

impl Service {
    /// True when a flow of `ip_proto` to `port` is this service. ICMP
    /// and ICMPv6 are one protocol here.
    pub fn matches(&self, ip_proto: u8, port: u16) -> bool {
        let proto_ok = match self.ip_proto {
            None => true,
            Some(1) => ip_proto == 1 || ip_proto == 58,
            Some(p) => p == ip_proto,
        };
        proto_ok && self.ports.is_none_or(|(lo, hi)| lo <= port && port <= hi)
    }

    /// Parses the text form.
    pub fn parse(s: &str) -> Result<Service, String> {
        let s = s.trim().to_ascii_lowercase();
        if s == "any" {
            return Ok(Service {
                ip_proto: None,
                ports: None,
            });
        }
        let (proto, ports) = match s.split_once('/') {
            Some((p, ports)) => (p, Some(ports)),
            None => (s.as_str(), None),
        };
        let ip_proto = match proto {
            "tcp" => 6,
            "udp" => 17,
            "icmp" | "icmpv6" => 1,
            _ => {
                return Err(format!(
                    "`{s}`: expected tcp/PORT, udp/PORT, tcp/LO-HI, tcp, udp, icmp or any"
                ));
            }
        };
        let ports = match ports {
            None => None,
            Some(_) if ip_proto == 1 => return Err(format!("`{s}`: ICMP has no ports")),
            Some(p) => {
                let (lo, hi) = p.split_once('-').unwrap_or((p, p));
                let lo: u16 = lo.parse().map_err(|_| format!("`{s}`: bad port"))?;
                let hi: u16 = hi.parse().map_err(|_| format!("`{s}`: bad port"))?;
                if lo > hi {
                    return Err(format!("`{s}`: the range is reversed"));
                }
                Some((lo, hi))
            }
        };
        Ok(Service {
            ip_proto: Some(ip_proto),
            ports,
        })
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proto = match self.ip_proto {
            None => return f.write_str("any"),
            Some(6) => "tcp",
            Some(17) => "udp",
            Some(_) => "icmp",
        };
        match self.ports {
            None => f.write_str(proto),
            Some((lo, hi)) if lo == hi => write!(f, "{proto}/{lo}"),
            Some((lo, hi)) => write!(f, "{proto}/{lo}-{hi}"),
        }
    }
}

/// A list of services (see [`Service`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceList(pub Vec<Service>);

impl ServiceList {
    /// True when one of the services matches.
    pub fn matches(&self, ip_proto: u8, port: u16) -> bool {
        self.0.iter().any(|s| s.matches(ip_proto, port))
    }
}

impl<'de> Deserialize<'de> for ServiceList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<String>::deserialize(d)?;
        items
            .iter()
            .map(|s| Service::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map(ServiceList)
            .map_err(serde::de::Error::custom)
    }
}

/// Settings shared by all detectors.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorrelatorSettings {
    /// An open episode is re-reported (`state: "update"`) each time its
    /// count grows by this factor since the last report; 0 or 1: never.
    pub update_factor: u64,
    /// Entries kept in evidence lists (accounts, ports, hosts).
    pub evidence_list: usize,
    /// Distinct values (ports, hosts, accounts, sources) counted exactly per
    /// tracker; beyond it the count is a lower bound (`*_capped: true`).
    pub max_distinct: usize,
    /// Packet-time seconds between sweeps for quiet episodes and stale state.
    pub sweep_secs: u64,
}

impl Default for CorrelatorSettings {
    fn default() -> Self {
        CorrelatorSettings {
            update_factor: 10,
            evidence_list: 20,
            max_distinct: 4096,
            sweep_secs: 5,
        }
    }
}

/// `login-flood`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginFloodConfig {
    /// Switch.
    pub enabled: bool,
    /// Counting window, seconds.
    pub window_secs: u64,
    /// An episode ends after this many seconds without a failure.
    pub quiet_secs: u64,
    /// Failures from one source to one service per window, by protocol
    /// (Suricata's names); `default` for the others.
    pub thresholds: BTreeMap<String, u64>,
    /// Distributed form: distinct failing sources toward one service.
    pub server_sources: u64,
    /// Distributed form: distinct failing sources for one account.
    pub account_sources: u64,
    /// Window of the distributed forms, seconds.
    pub distributed_window_secs: u64,
    /// Sources whose failures are never counted.
    pub allow: NetList,
    /// Trackers kept per form (source→service, service, account).
    pub max_tracked: usize,
    /// Failed logins inferred from session shapes (SSH, RDP).
    pub inferred: InferredConfig,
    /// Block the acting source for this long (`block = { minutes = N }`).
    pub block: Option<BlockAction>,
}

impl Default for LoginFloodConfig {
    fn default() -> Self {
        let thresholds = [
            ("default", 10),
            ("ssh", 10),
            ("rdp", 10),
            ("smb", 20),
            ("krb5", 20),
            ("ldap", 20),
            ("radius", 10),
            ("ftp", 10),
            ("telnet", 5),
            ("http", 20),
            ("smtp", 10),
            ("pop3", 10),
            ("imap", 10),
            ("mysql", 10),
            ("pgsql", 10),
            ("tds", 10),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        LoginFloodConfig {
            enabled: true,
            window_secs: 300,
            quiet_secs: 600,
            thresholds,
            server_sources: 50,
            account_sources: 8,
            distributed_window_secs: 600,
            allow: NetList::default(),
            max_tracked: 50_000,
            inferred: InferredConfig::default(),
            block: None,
        }
    }
}

impl LoginFloodConfig {
    /// The per-source threshold for `proto`.
    pub fn threshold(&self, proto: &str) -> u64 {
        self.thresholds
            .get(proto)
            .or_else(|| self.thresholds.get("default"))
            .copied()
            .unwrap_or(10)
    }
}

/// Failed logins inferred from the shape of encrypted sessions.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferredConfig {
    /// Switch.
    pub enabled: bool,
    /// Application protocols judged this way.
    pub protocols: Vec<String>,
    /// Sessions per source→service per window (`login-flood.window_secs`).
    pub threshold: u64,
    /// A failed attempt's session is at most this long, seconds.
    pub max_duration_secs: u64,
    /// Server→client bytes of a session that got as far as authentication.
    pub min_bytes_toclient: u64,
    /// Server→client bytes beyond which the session did more than fail.
    pub max_bytes_toclient: u64,
    /// Client→server bytes beyond which the session did more than fail.
    pub max_bytes_toserver: u64,
    /// Sessions count when their server→client size is within this fraction
    /// of the episode's first one (failed attempts look alike).
    pub size_tolerance: f64,
}

impl Default for InferredConfig {
    fn default() -> Self {
        InferredConfig {
            enabled: true,
            protocols: vec!["ssh".into(), "rdp".into()],
            threshold: 10,
            max_duration_secs: 30,
            min_bytes_toclient: 1000,
            max_bytes_toclient: 16_000,
            max_bytes_toserver: 16_000,
            size_tolerance: 0.25,
        }
    }
}

/// `password-spray`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SprayConfig {
    /// Switch.
    pub enabled: bool,
    /// Counting window, seconds.
    pub window_secs: u64,
    /// Episode end after this many quiet seconds.
    pub quiet_secs: u64,
    /// Distinct accounts failing from one source per window.
    pub threshold: u64,
    /// Sources never counted (terminal servers, VPN concentrators relaying
    /// many users, the identity team's tools).
    pub allow: NetList,
    /// Sources tracked.
    pub max_tracked: usize,
    /// Block the acting source for this long (`block = { minutes = N }`).
    pub block: Option<BlockAction>,
}

impl Default for SprayConfig {
    fn default() -> Self {
        SprayConfig {
            enabled: true,
            window_secs: 600,
            quiet_secs: 1200,
            threshold: 10,
            allow: NetList::default(),
            max_tracked: 50_000,
            block: None,
        }
    }
}

/// `port-scan`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortScanConfig {
    /// Switch.
    pub enabled: bool,
    /// Counting window, seconds.
    pub window_secs: u64,
    /// Episode end after this many quiet seconds.
    pub quiet_secs: u64,
    /// Distinct ports of one host probed without a completed connection.
    pub threshold: u64,
    /// Scanners never counted (the vulnerability scanner).
    pub allow: NetList,
    /// Source→host pairs tracked.
    pub max_tracked: usize,
    /// Block the acting source for this long (`block = { minutes = N }`).
    pub block: Option<BlockAction>,
}

impl Default for PortScanConfig {
    fn default() -> Self {
        PortScanConfig {
            enabled: true,
            window_secs: 60,
            quiet_secs: 120,
            threshold: 25,
            allow: NetList::default(),
            max_tracked: 20_000,
            block: None,
        }
    }
}

/// `host-sweep`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostSweepConfig {
    /// Switch.
    pub enabled: bool,
    /// Counting window, seconds.
    pub window_secs: u64,
    /// Episode end after this many quiet seconds.
    pub quiet_secs: u64,
    /// Distinct hosts on one port (or by ICMP echo) per window.
    pub threshold: u64,
    /// Only hosts in these networks count (a browser reaches many outside
    /// hosts on 443; a sweep of the hospital's own network is the signal).
    pub targets: NetList,
    /// Sources never counted (backup server, monitoring, inventory tools).
    pub allow: NetList,
    /// Source→port pairs tracked.
    pub max_tracked: usize,
    /// Block the acting source for this long (`block = { minutes = N }`).
    pub block: Option<BlockAction>,
}

impl Default for HostSweepConfig {
    fn default() -> Self {
        HostSweepConfig {
            enabled: true,
            window_secs: 60,
            quiet_secs: 120,
            threshold: 30,
            targets: NetList::private(),
            allow: NetList::default(),
            max_tracked: 20_000,
            block: None,
        }
    }
}

/// `syn-flood`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SynFloodConfig {
    /// Switch.
    pub enabled: bool,
    /// Counting window, seconds.
    pub window_secs: u64,
    /// Episode end after this many quiet seconds.
    pub quiet_secs: u64,
    /// Handshakes that never completed toward one server port per window.
    pub threshold: u64,
    /// Share of the window's attempts that must have failed (0-1): a busy
    /// server that completes most handshakes is not flooded.
    pub min_failed_ratio: f64,
    /// Servers never judged (a load balancer that drops SYNs by design).
    pub allow: NetList,
    /// Server ports tracked (sources are never keys: they may be spoofed).
    pub max_tracked: usize,
}

impl Default for SynFloodConfig {
    fn default() -> Self {
        SynFloodConfig {
            enabled: true,
            window_secs: 10,
            quiet_secs: 60,
            threshold: 200,
            min_failed_ratio: 0.8,
            allow: NetList::default(),
            max_tracked: 10_000,
        }
    }
}

/// `suspicious-destination`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DestinationConfig {
    /// Switch.
    pub enabled: bool,
    /// Domain indicator files (suffix match), relative to the settings file.
    pub domain_files: Vec<PathBuf>,
    /// IP/CIDR indicator files, relative to the settings file.
    pub ip_files: Vec<PathBuf>,
    /// Episode (client, indicator) end after this many quiet seconds.
    pub quiet_secs: u64,
    /// Clients never reported (a malware-analysis sandbox).
    pub allow: NetList,
    /// Client→indicator episodes tracked.
    pub max_tracked: usize,
}

impl Default for DestinationConfig {
    fn default() -> Self {
        DestinationConfig {
            enabled: true,
            domain_files: vec![PathBuf::from("indicators/domains.txt")],
            ip_files: vec![PathBuf::from("indicators/ips.txt")],
            quiet_secs: 3600,
            allow: NetList::default(),
            max_tracked: 50_000,
        }
    }
}

/// `new-device`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewDeviceConfig {
    /// Switch (the inventory is kept either way).
    pub enabled: bool,
    /// Seconds of packet time after the inventory's start during which
    /// devices are learnt without alerts.
    pub learning_secs: u64,
    /// Where the inventory is saved and loaded (JSON); none: not persisted.
    pub inventory_file: Option<PathBuf>,
    /// Seconds of wall-clock time between saves of a changed inventory
    /// while running (written to a temporary file, then renamed); 0: only
    /// at exit.
    pub save_interval_secs: u64,
    /// OUI→vendor file (IEEE `oui.txt`/`oui.csv` or `AA:BB:CC Vendor`
    /// lines), relative to the settings file; none: no vendor names.
    pub oui_file: Option<PathBuf>,
    /// Devices known only by IP address are kept when inside these networks.
    pub networks: NetList,
    /// Alert for devices known only by IP (routed segments, no MAC seen).
    pub alert_ip_only: bool,
    /// Devices kept; beyond it new devices are counted, not stored.
    pub max_devices: usize,
    /// New-device alerts per hour of packet time; the rest are counted
    /// (a MAC flood must not become an alert flood).
    pub max_alerts_per_hour: u64,
    /// Addresses never reported as new (guest Wi-Fi ranges).
    pub allow: NetList,
}

impl Default for NewDeviceConfig {
    fn default() -> Self {
        NewDeviceConfig {
            enabled: true,
            learning_secs: 7 * 24 * 3600,
            inventory_file: None,
            save_interval_secs: 600,
            oui_file: Some(PathBuf::from("oui.txt")),
            networks: NetList::private(),
            alert_ip_only: false,
            max_devices: 20_000,
            max_alerts_per_hour: 20,
            allow: NetList::default(),
        }
    }
}

/// One named zone.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    /// Name (`contractor-vpn`, `ehr`, `medical-devices`, `internet`).
    pub name: String,
    /// Networks; an address belongs to the zone of its longest matching prefix.
    pub networks: NetList,
}

/// An allowed flow between zones.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneFlowConfig {
    /// Client zone.
    pub from: String,
    /// Server zone.
    pub to: String,
    /// Allowed services (`tcp/443`, `udp/53`, `icmp`, `any`).
    pub services: ServiceList,
}

/// `zone-policy`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ZonePolicyConfig {
    /// Switch (nothing is judged without zones).
    pub enabled: bool,
    /// Zones.
    pub zones: Vec<ZoneConfig>,
    /// Allowed flows; any other flow from one listed zone to another alerts.
    pub flows: Vec<ZoneFlowConfig>,
    /// Judge flows inside one zone too (then they need a flow entry).
    pub intra_zone: bool,
    /// Episode (client, server, service) end after this many quiet seconds.
    pub quiet_secs: u64,
    /// Clients never reported.
    pub allow: NetList,
    /// Episodes tracked.
    pub max_tracked: usize,
}

impl Default for ZonePolicyConfig {
    fn default() -> Self {
        ZonePolicyConfig {
            enabled: true,
            zones: Vec::new(),
            flows: Vec::new(),
            intra_zone: false,
            quiet_secs: 3600,
            allow: NetList::default(),
            max_tracked: 20_000,
        }
    }
}

/// `beacon`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BeaconConfig {
    /// Switch.
    pub enabled: bool,
    /// The inside: clients here, servers outside are judged.
    pub inside: NetList,
    /// Connections needed before judging.
    pub min_connections: u64,
    /// Seconds the connections must span.
    pub min_span_secs: u64,
    /// Shortest mean interval judged, seconds (faster is not a beacon).
    pub min_interval_secs: u64,
    /// Longest mean interval judged, seconds.
    pub max_interval_secs: u64,
    /// Largest spread of the intervals (median absolute deviation over the
    /// median) that still counts as regular.
    pub max_jitter: f64,
    /// Services never judged (NTP, DNS: periodic by design).
    pub exclude_services: ServiceList,
    /// Addresses never judged, as client or destination (monitoring,
    /// update servers, the EHR vendor's support endpoint).
    pub allow: NetList,
    /// Client→destination pairs tracked.
    pub max_tracked: usize,
}

impl Default for BeaconConfig {
    fn default() -> Self {
        BeaconConfig {
            enabled: true,
            inside: NetList::private(),
            min_connections: 20,
            min_span_secs: 3600,
            min_interval_secs: 10,
            max_interval_secs: 3600,
            max_jitter: 0.1,
            exclude_services: ServiceList(vec![
                Service {
                    ip_proto: Some(17),
                    ports: Some((123, 123)),
                },
                Service {
                    ip_proto: Some(17),
                    ports: Some((53, 53)),
                },
                Service {
                    ip_proto: Some(6),
                    ports: Some((53, 53)),
                },
            ]),
            allow: NetList::default(),
            max_tracked: 20_000,
        }
    }
}

/// A detector's `block = { minutes = N }` (or `seconds = N`): the source of
/// each episode is blocked for that long, inline and/or in an nftables set
/// (see [`crate::inline::block`]). Zero blocks nothing.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlockAction {
    /// Minutes.
    pub minutes: u64,
    /// Seconds (added to the minutes).
    pub seconds: u64,
}

impl BlockAction {
    /// The block's length in seconds.
    pub fn secs(&self) -> u64 {
        self.minutes.saturating_mul(60).saturating_add(self.seconds)
    }
}

impl DetectorsConfig {
    /// The block action configured for `detector`, if any.
    pub fn block_for(&self, detector: super::Detector) -> Option<BlockAction> {
        use super::Detector as D;
        match detector {
            D::LoginFlood => self.login_flood.block,
            D::PasswordSpray => self.password_spray.block,
            D::PortScan => self.port_scan.block,
            D::HostSweep => self.host_sweep.block,
            _ => None,
        }
        .filter(|b| b.secs() > 0)
    }
}

/// Every detector's settings: the `rules/detectors.toml` file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectorsConfig {
    /// Settings shared by all detectors.
    pub correlator: CorrelatorSettings,
    /// `login-flood`.
    #[serde(rename = "login-flood")]
    pub login_flood: LoginFloodConfig,
    /// `password-spray`.
    #[serde(rename = "password-spray")]
    pub password_spray: SprayConfig,
    /// `port-scan`.
    #[serde(rename = "port-scan")]
    pub port_scan: PortScanConfig,
    /// `host-sweep`.
    #[serde(rename = "host-sweep")]
    pub host_sweep: HostSweepConfig,
    /// `syn-flood`.
    #[serde(rename = "syn-flood")]
    pub syn_flood: SynFloodConfig,
    /// `suspicious-destination`.
    #[serde(rename = "suspicious-destination")]
    pub suspicious_destination: DestinationConfig,
    /// `new-device`.
    #[serde(rename = "new-device")]
    pub new_device: NewDeviceConfig,
    /// `zone-policy`.
    #[serde(rename = "zone-policy")]
    pub zone_policy: ZonePolicyConfig,
    /// `beacon`.
    pub beacon: BeaconConfig,
    /// Directory relative paths are resolved against (the settings file's);
    /// `None` for the built-in settings.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

impl DetectorsConfig {
    /// The built-in settings (the same as the shipped file's).
    pub fn builtin() -> DetectorsConfig {
        DetectorsConfig::default()
    }

    /// Reads and checks a settings file.
    pub fn load(path: &Path) -> Result<DetectorsConfig, DetectorsError> {
        let text = std::fs::read_to_string(path).map_err(|source| DetectorsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        DetectorsConfig::parse(&text, path)
    }

    /// Parses and checks settings text; `path` names it in errors, and its
    /// directory resolves relative file names.
    pub fn parse(text: &str, path: &Path) -> Result<DetectorsConfig, DetectorsError> {
        let mut cfg: DetectorsConfig = toml::from_str(text).map_err(|e| DetectorsError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        cfg.base_dir = Some(
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
        );
        cfg.validate()?;
        Ok(cfg)
    }

    /// Adds zones and allowed flows defined elsewhere (the main config's
    /// `[zones]` section) to `zone-policy`'s, then checks the result. A zone
    /// name defined in both places is an error: which networks would win is
    /// not obvious to the reader of either file.
    pub fn add_zones(
        &mut self,
        zones: Vec<ZoneConfig>,
        flows: Vec<ZoneFlowConfig>,
    ) -> Result<(), DetectorsError> {
        let z = &mut self.zone_policy;
        for zone in zones {
            if z.zones.iter().any(|o| o.name == zone.name) {
                return Err(invalid(
                    &format!("zones.networks.{}", zone.name),
                    "is also defined in the detector settings' [[zone-policy.zones]]; keep one",
                ));
            }
            z.zones.push(zone);
        }
        z.flows.extend(flows);
        self.validate()
    }

    /// `p` resolved against the settings file's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        match &self.base_dir {
            Some(base) if p.is_relative() => base.join(p),
            _ => p.to_path_buf(),
        }
    }

    /// Checks ranges and cross-references.
    pub fn validate(&self) -> Result<(), DetectorsError> {
        fn positive(key: &str, v: u64) -> Result<(), DetectorsError> {
            if v == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
            Ok(())
        }
        fn ratio(key: &str, v: f64) -> Result<(), DetectorsError> {
            if !(0.0..=1.0).contains(&v) {
                return Err(invalid(key, "must be between 0 and 1"));
            }
            Ok(())
        }
        let c = &self.correlator;
        positive("correlator.sweep_secs", c.sweep_secs)?;
        positive("correlator.max_distinct", c.max_distinct as u64)?;
        let l = &self.login_flood;
        positive("login-flood.window_secs", l.window_secs)?;
        positive("login-flood.quiet_secs", l.quiet_secs)?;
        positive(
            "login-flood.distributed_window_secs",
            l.distributed_window_secs,
        )?;
        positive("login-flood.server_sources", l.server_sources)?;
        positive("login-flood.account_sources", l.account_sources)?;
        positive("login-flood.max_tracked", l.max_tracked as u64)?;
        for (k, v) in &l.thresholds {
            let key = format!("login-flood.thresholds.{k}");
            if k != "default" && AppProto::from_name(k).is_none() {
                return Err(invalid(
                    &key,
                    "unknown protocol; use Suricata's names (ssh, rdp, smb, krb5, ldap, \
                     radius, ftp, telnet, http, smtp, pop3, imap, mysql, pgsql, tds) or `default`",
                ));
            }
            positive(&key, *v)?;
        }
        let i = &l.inferred;
        for p in &i.protocols {
            if AppProto::from_name(p).is_none() {
                return Err(invalid(
                    "login-flood.inferred.protocols",
                    format!("unknown protocol `{p}`"),
                ));
            }
        }
        positive("login-flood.inferred.threshold", i.threshold)?;
        ratio("login-flood.inferred.size_tolerance", i.size_tolerance)?;
        if i.min_bytes_toclient > i.max_bytes_toclient {
            return Err(invalid(
                "login-flood.inferred.min_bytes_toclient",
                "must not exceed max_bytes_toclient",
            ));
        }
        let s = &self.password_spray;
        positive("password-spray.window_secs", s.window_secs)?;
        positive("password-spray.quiet_secs", s.quiet_secs)?;
        positive("password-spray.threshold", s.threshold)?;
        positive("password-spray.max_tracked", s.max_tracked as u64)?;
        let p = &self.port_scan;
        positive("port-scan.window_secs", p.window_secs)?;
        positive("port-scan.quiet_secs", p.quiet_secs)?;
        positive("port-scan.threshold", p.threshold)?;
        positive("port-scan.max_tracked", p.max_tracked as u64)?;
        let h = &self.host_sweep;
        positive("host-sweep.window_secs", h.window_secs)?;
        positive("host-sweep.quiet_secs", h.quiet_secs)?;
        positive("host-sweep.threshold", h.threshold)?;
        positive("host-sweep.max_tracked", h.max_tracked as u64)?;
        let f = &self.syn_flood;
        positive("syn-flood.window_secs", f.window_secs)?;
        positive("syn-flood.quiet_secs", f.quiet_secs)?;
        positive("syn-flood.threshold", f.threshold)?;
        positive("syn-flood.max_tracked", f.max_tracked as u64)?;
        ratio("syn-flood.min_failed_ratio", f.min_failed_ratio)?;
        let d = &self.suspicious_destination;
        positive("suspicious-destination.quiet_secs", d.quiet_secs)?;
        positive("suspicious-destination.max_tracked", d.max_tracked as u64)?;
        let n = &self.new_device;
        positive("new-device.max_devices", n.max_devices as u64)?;
        let z = &self.zone_policy;
        positive("zone-policy.quiet_secs", z.quiet_secs)?;
        positive("zone-policy.max_tracked", z.max_tracked as u64)?;
        for (idx, zone) in z.zones.iter().enumerate() {
            let key = format!("zone-policy.zones[{idx}]");
            if zone.name.is_empty() {
                return Err(invalid(&format!("{key}.name"), "must not be empty"));
            }
            if z.zones[..idx].iter().any(|o| o.name == zone.name) {
                return Err(invalid(
                    &format!("{key}.name"),
                    format!("zone `{}` is defined twice", zone.name),
                ));
            }
            if zone.networks.is_empty() {
                return Err(invalid(
                    &format!("{key}.networks"),
                    "needs at least one network",
                ));
            }
        }
        for (idx, flow) in z.flows.iter().enumerate() {
            for (field, name) in [("from", &flow.from), ("to", &flow.to)] {
                if !z.zones.iter().any(|zone| &zone.name == name) {
                    return Err(invalid(
                        &format!("zone-policy.flows[{idx}].{field}"),
                        format!("no zone is named `{name}`"),
                    ));
                }
            }
            if flow.services.0.is_empty() {
                return Err(invalid(
                    &format!("zone-policy.flows[{idx}].services"),
                    "needs at least one service (`any` allows everything)",
                ));
            }
        }
        let b = &self.beacon;
        positive("beacon.min_connections", b.min_connections)?;
        if b.min_connections < 4 {
            return Err(invalid("beacon.min_connections", "must be at least 4"));
        }
        positive("beacon.min_interval_secs", b.min_interval_secs)?;
        if b.min_interval_secs > b.max_interval_secs {
            return Err(invalid(
                "beacon.min_interval_secs",
                "must not exceed max_interval_secs",
            ));
        }
        ratio("beacon.max_jitter", b.max_jitter)?;
        positive("beacon.max_tracked", b.max_tracked as u64)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_is_the_builtin_defaults() {
        let mut cfg = DetectorsConfig::parse(SHIPPED, Path::new("rules/detectors.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.base_dir.as_deref(), Some(Path::new("rules")));
        cfg.base_dir = None;
        assert_eq!(cfg, DetectorsConfig::builtin());
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let e = DetectorsConfig::parse("[port-scan]\nthreshhold = 3\n", Path::new("d.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("threshhold"), "{e}");
        assert!(e.contains("d.toml"), "{e}");
        let e = DetectorsConfig::parse("[syn-flood]\nwindow_secs = 0\n", Path::new("d.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("syn-flood.window_secs"), "{e}");
        let e = DetectorsConfig::parse("[login-flood.thresholds]\nsshh = 3\n", Path::new("d.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("login-flood.thresholds.sshh"), "{e}");
        let e = DetectorsConfig::parse(
            "[host-sweep]\nallow = [\"10.0.0.300\"]\n",
            Path::new("d.toml"),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("10.0.0.300") && e.contains("allow"), "{e}");
        let e = DetectorsConfig::parse(
            "[[zone-policy.zones]]\nname = \"a\"\nnetworks = [\"10.0.0.0/8\"]\n\
             [[zone-policy.flows]]\nfrom = \"a\"\nto = \"b\"\nservices = [\"tcp/443\"]\n",
            Path::new("d.toml"),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("zone-policy.flows[0].to"), "{e}");
    }

    #[test]
    fn services_parse_and_match() {
        let s = Service::parse("tcp/8000-8100").unwrap_or_else(|e| panic!("{e}"));
        assert!(s.matches(6, 8080) && !s.matches(17, 8080) && !s.matches(6, 80));
        assert!(Service::parse("icmp").is_ok_and(|s| s.matches(58, 0)));
        assert!(Service::parse("sctp/1").is_err());
        assert!(Service::parse("tcp/99-1").is_err());
    }
}
