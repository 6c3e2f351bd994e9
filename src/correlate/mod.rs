//! The correlator: behavioural detectors over the events of all workers.
//!
//! Signature rules judge one flow at a time; the questions the hospital's
//! guidance asks — *is someone guessing passwords*, *is a host scanning the
//! ward network*, *is this device new*, *did the contractor's VPN reach the
//! medical-records servers* — need counting across flows, sources and time.
//! Workers describe what they saw as small [`Event`]s (a login attempt, what a
//! connection attempt became, a finished session, a name looked up, a device
//! seen); one [`Correlator`] takes them in capture order and returns
//! [`Anomaly`] alerts, which the output thread writes as EVE `alert` records
//! with an `anomaly` object (see [`Anomaly::to_eve_json`]).
//!
//! Properties every detector keeps:
//!
//! - **Packet time only.** Windows, quiet periods and learning periods use the
//!   events' timestamps ([`Correlator::tick`] passes packet time too), so a
//!   replay raises exactly what the live traffic did.
//! - **Episodes, not events.** A detector raises one alert when a key (a
//!   source, a source→service pair, a server, ...) crosses its threshold
//!   (`state: "new"`), re-reports it with the grown counts each time it grows
//!   by `correlator.update_factor` (`"update"`), and closes it with a final
//!   summary after a quiet period (`"end"`). All three share an `episode` id.
//! - **Bounded memory.** Every detector keeps its trackers in a map of fixed
//!   capacity (`max_tracked`), evicting one-shot keys first and counting what
//!   it evicted ([`Correlator::counters`]); distinct values per tracker are
//!   capped (`correlator.max_distinct`). A spoofed SYN flood from a million
//!   sources costs the same memory as one from ten thousand.
//! - **No I/O on the event path.** Indicator lists and the device inventory
//!   are loaded and saved by explicit calls ([`Indicators::load`],
//!   [`Inventory::load`], [`Inventory::save`]).

mod beacon;
pub mod config;
mod destination;
pub mod from_flow;
mod host_sweep;
mod inventory;
mod login_flood;
mod password_spray;
mod port_scan;
mod syn_flood;
mod track;
mod zone_policy;

#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::app::LoginAttempt;
use crate::time::Timestamp;

pub use config::{DetectorsConfig, DetectorsError, NetList, Service, ServiceList};
pub use destination::{IndicatorError, Indicators};
pub use inventory::{Device, Inventory, InventoryError, OuiTable};

/// Something a worker saw that the detectors judge. Workers fill these from
/// the flow record and the app-layer parsers; the correlator takes them in
/// capture order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A login attempt reported by an app-layer parser.
    Login(LoginEvent),
    /// What a connection attempt became (one per flow, once known).
    Conn(ConnEvent),
    /// A finished flow (one per flow, at its end).
    Session(SessionEvent),
    /// A name the client looked up or asked for (DNS query, TLS SNI, HTTP Host).
    Name(NameEvent),
    /// A device seen on the network (DHCP, ARP, mDNS, NetBIOS, flows).
    Device(DeviceEvent),
}

impl Event {
    /// The event's packet time.
    pub fn ts(&self) -> Timestamp {
        match self {
            Event::Login(e) => e.ts,
            Event::Conn(e) => e.ts,
            Event::Session(e) => e.end,
            Event::Name(e) => e.ts,
            Event::Device(e) => e.ts,
        }
    }
}

/// A login attempt with the flow's endpoints.
#[derive(Clone, Debug, PartialEq)]
pub struct LoginEvent {
    /// Time of the packet that decided the outcome.
    pub ts: Timestamp,
    /// The flow's client (for RADIUS: the NAS relaying the attempt).
    pub client: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// The server.
    pub server: IpAddr,
    /// The server's port.
    pub server_port: u16,
    /// What the parser saw: protocol, account, domain, outcome, reason.
    pub attempt: LoginAttempt,
}

/// What a connection attempt became, as the flow table judged it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConnOutcome {
    /// TCP: the three-way handshake completed.
    Established,
    /// TCP: the SYN was answered by a RST (closed port).
    Refused,
    /// TCP: the server answered SYN+ACK, the client never completed the
    /// handshake (half-open: SYN scans, SYN floods).
    HalfOpen,
    /// TCP: the SYN was never answered (filtered port, dead host, or a
    /// server too flooded to answer).
    Unanswered,
    /// TCP: a first packet without SYN of a stealth scan — FIN, NULL (no
    /// flags) or Xmas (FIN+PSH+URG); `flags` are the TCP flags seen.
    Stealth {
        /// The TCP flags of the probe.
        flags: u8,
    },
    /// UDP: the server answered.
    UdpAnswered,
    /// UDP: no answer.
    UdpUnanswered,
    /// UDP: answered by ICMP port unreachable.
    UdpUnreachable,
    /// ICMP echo request answered by an echo reply.
    EchoAnswered,
    /// ICMP echo request without reply.
    EchoUnanswered,
    /// Any other protocol; `answered` when the server sent anything back.
    Other {
        /// A packet came back.
        answered: bool,
    },
}

impl ConnOutcome {
    /// Name in evidence (`established`, `refused`, `half_open`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnOutcome::Established => "established",
            ConnOutcome::Refused => "refused",
            ConnOutcome::HalfOpen => "half_open",
            ConnOutcome::Unanswered => "unanswered",
            ConnOutcome::Stealth { flags } => match flags & 0x3f {
                0 => "null_probe",
                0x01 => "fin_probe",
                f if f & 0x29 == 0x29 => "xmas_probe",
                _ => "stealth_probe",
            },
            ConnOutcome::UdpAnswered => "udp_answered",
            ConnOutcome::UdpUnanswered => "udp_unanswered",
            ConnOutcome::UdpUnreachable => "udp_unreachable",
            ConnOutcome::EchoAnswered => "echo_answered",
            ConnOutcome::EchoUnanswered => "echo_unanswered",
            ConnOutcome::Other { answered: true } => "answered",
            ConnOutcome::Other { answered: false } => "unanswered",
        }
    }

    /// True when the attempt did not become a working connection (the
    /// probes scans consist of).
    pub fn failed(self) -> bool {
        !matches!(
            self,
            ConnOutcome::Established
                | ConnOutcome::UdpAnswered
                | ConnOutcome::EchoAnswered
                | ConnOutcome::Other { answered: true }
        )
    }

    /// True for ICMP echo requests.
    pub fn is_echo(self) -> bool {
        matches!(
            self,
            ConnOutcome::EchoAnswered | ConnOutcome::EchoUnanswered
        )
    }
}

/// A connection attempt and what it became.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnEvent {
    /// Time of the flow's first packet.
    pub ts: Timestamp,
    /// The flow's client.
    pub client: IpAddr,
    /// Client port (0 for ICMP).
    pub client_port: u16,
    /// The flow's server.
    pub server: IpAddr,
    /// Server port (0 for ICMP).
    pub server_port: u16,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
    pub ip_proto: u8,
    /// What it became.
    pub outcome: ConnOutcome,
}

/// A finished flow, from its EVE `flow` record's fields.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionEvent {
    /// Time of the first packet.
    pub ts: Timestamp,
    /// Time of the last packet.
    pub end: Timestamp,
    /// The flow's client.
    pub client: IpAddr,
    /// Client port.
    pub client_port: u16,
    /// The flow's server.
    pub server: IpAddr,
    /// Server port.
    pub server_port: u16,
    /// IP protocol number.
    pub ip_proto: u8,
    /// Detected application protocol (Suricata's name), if any.
    pub app_proto: Option<&'static str>,
    /// TCP: the handshake completed (other protocols: answered).
    pub established: bool,
    /// Wire bytes client→server.
    pub bytes_toserver: u64,
    /// Wire bytes server→client.
    pub bytes_toclient: u64,
    /// Packets client→server.
    pub pkts_toserver: u64,
    /// Packets server→client.
    pub pkts_toclient: u64,
}

/// Where a [`NameEvent`]'s name came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// A DNS query name.
    Dns,
    /// A TLS ClientHello's server name.
    TlsSni,
    /// An HTTP request's Host header.
    HttpHost,
}

impl NameKind {
    /// Name in evidence: `dns`, `tls_sni`, `http_host`.
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Dns => "dns",
            NameKind::TlsSni => "tls_sni",
            NameKind::HttpHost => "http_host",
        }
    }
}

/// A name a client asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct NameEvent {
    /// Packet time.
    pub ts: Timestamp,
    /// Who asked.
    pub client: IpAddr,
    /// Whom it asked (resolver, web server), for the alert's destination.
    pub server: Option<IpAddr>,
    /// Server port, when `server` is set.
    pub server_port: u16,
    /// Where the name came from.
    pub kind: NameKind,
    /// The name as sent (case and a trailing dot do not matter).
    pub name: String,
}

/// How a device was seen.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceSource {
    /// A DHCP request or lease (MAC, IP, hostname option 12).
    Dhcp,
    /// An ARP request or reply (MAC, IP).
    Arp,
    /// A flow's endpoint (IP, and the MAC when on the local segment).
    Flow,
    /// An mDNS announcement (hostname).
    Mdns,
    /// A NetBIOS name registration or answer (hostname).
    NetBios,
}

impl DeviceSource {
    /// Name in evidence and the inventory: `dhcp`, `arp`, `flow`, `mdns`, `netbios`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceSource::Dhcp => "dhcp",
            DeviceSource::Arp => "arp",
            DeviceSource::Flow => "flow",
            DeviceSource::Mdns => "mdns",
            DeviceSource::NetBios => "netbios",
        }
    }
}

/// A device seen on the network.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceEvent {
    /// Packet time.
    pub ts: Timestamp,
    /// Its MAC address, when seen on the local segment.
    pub mac: Option<[u8; 6]>,
    /// Its IP address, when known.
    pub ip: Option<IpAddr>,
    /// Its name (DHCP option 12, NetBIOS, mDNS), when announced.
    pub hostname: Option<String>,
    /// How it was seen.
    pub source: DeviceSource,
}

/// The behavioural detectors (EVE `anomaly.detector`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detector {
    /// Many failed logins: one source to one service, or many sources to one
    /// service or account.
    LoginFlood,
    /// One source failing against many accounts.
    PasswordSpray,
    /// One source probing many ports of one host.
    PortScan,
    /// One source probing many hosts on one port, or by ICMP echo.
    HostSweep,
    /// Handshakes that never complete toward one server.
    SynFlood,
    /// A name or address on an indicator list.
    SuspiciousDestination,
    /// A device never seen before, after the learning period.
    NewDevice,
    /// A flow between zones that the policy does not allow.
    ZonePolicy,
    /// Regular connections from inside to one outside destination.
    Beacon,
    /// The sensor itself is blind: an interface silent, one-way, or dropping
    /// (raised by the daemon, not the correlator: `crate::daemon::health`).
    SensorHealth,
}

impl Detector {
    /// The name fixed in DESIGN.md.
    pub fn as_str(self) -> &'static str {
        match self {
            Detector::LoginFlood => "login-flood",
            Detector::PasswordSpray => "password-spray",
            Detector::PortScan => "port-scan",
            Detector::HostSweep => "host-sweep",
            Detector::SynFlood => "syn-flood",
            Detector::SuspiciousDestination => "suspicious-destination",
            Detector::NewDevice => "new-device",
            Detector::ZonePolicy => "zone-policy",
            Detector::Beacon => "beacon",
            Detector::SensorHealth => "sensor-health",
        }
    }
}

/// Where an anomaly is in its episode (EVE `anomaly.state`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EpisodeState {
    /// First alert of the episode: the threshold was crossed.
    New,
    /// The episode grew past a further threshold; counts are the totals so far.
    Update,
    /// The episode is over (quiet period, state evicted, or shutdown); final totals.
    End,
}

impl EpisodeState {
    /// `"new"`, `"update"` or `"end"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EpisodeState::New => "new",
            EpisodeState::Update => "update",
            EpisodeState::End => "end",
        }
    }
}

/// The fixed alert fields of one kind of anomaly.
#[derive(Copy, Clone, Debug)]
pub struct SigInfo {
    /// Detector.
    pub detector: Detector,
    /// `alert.signature_id`, in 9100000–9100999.
    pub sid: u32,
    /// `alert.rev`.
    pub rev: u32,
    /// `alert.signature` (detectors may append detail).
    pub msg: &'static str,
    /// `alert.category` (a Suricata classification description).
    pub category: &'static str,
    /// `alert.severity` (1 high … 3 low).
    pub severity: u8,
}

/// Every signature the detectors raise.
pub mod sids {
    use super::{Detector, SigInfo};

    const BRUTE: &str = "Attempted User Privilege Gain";
    const SCAN: &str = "Detection of a Network Scan";

    /// One source failing many logins to one service.
    pub const LOGIN_FLOOD: SigInfo = SigInfo {
        detector: Detector::LoginFlood,
        sid: 9_100_001,
        rev: 1,
        msg: "WARDWATCH login-flood: many failed logins from one source to one service",
        category: BRUTE,
        severity: 2,
    };
    /// Many sources failing logins to one service.
    pub const LOGIN_FLOOD_SERVER: SigInfo = SigInfo {
        detector: Detector::LoginFlood,
        sid: 9_100_002,
        rev: 1,
        msg: "WARDWATCH login-flood: failed logins to one service from many sources",
        category: BRUTE,
        severity: 2,
    };
    /// Many sources failing logins for one account.
    pub const LOGIN_FLOOD_ACCOUNT: SigInfo = SigInfo {
        detector: Detector::LoginFlood,
        sid: 9_100_003,
        rev: 1,
        msg: "WARDWATCH login-flood: failed logins for one account from many sources",
        category: BRUTE,
        severity: 2,
    };
    /// Failed logins inferred from session shapes (SSH, RDP).
    pub const LOGIN_FLOOD_INFERRED: SigInfo = SigInfo {
        detector: Detector::LoginFlood,
        sid: 9_100_004,
        rev: 1,
        msg: "WARDWATCH login-flood: many short sessions ending after authentication (inferred failed logins)",
        category: BRUTE,
        severity: 2,
    };
    /// One source failing against many accounts.
    pub const PASSWORD_SPRAY: SigInfo = SigInfo {
        detector: Detector::PasswordSpray,
        sid: 9_100_010,
        rev: 1,
        msg: "WARDWATCH password-spray: one source failing logins for many accounts",
        category: BRUTE,
        severity: 1,
    };
    /// Port scan.
    pub const PORT_SCAN: SigInfo = SigInfo {
        detector: Detector::PortScan,
        sid: 9_100_020,
        rev: 1,
        msg: "WARDWATCH port-scan: one source probing many ports of one host",
        category: SCAN,
        severity: 2,
    };
    /// Host sweep.
    pub const HOST_SWEEP: SigInfo = SigInfo {
        detector: Detector::HostSweep,
        sid: 9_100_021,
        rev: 1,
        msg: "WARDWATCH host-sweep: one source probing many hosts",
        category: SCAN,
        severity: 2,
    };
    /// SYN flood.
    pub const SYN_FLOOD: SigInfo = SigInfo {
        detector: Detector::SynFlood,
        sid: 9_100_030,
        rev: 1,
        msg: "WARDWATCH syn-flood: many handshakes never completed toward one server",
        category: "Attempted Denial of Service",
        severity: 2,
    };
    /// Listed domain.
    pub const DEST_DOMAIN: SigInfo = SigInfo {
        detector: Detector::SuspiciousDestination,
        sid: 9_100_040,
        rev: 1,
        msg: "WARDWATCH suspicious-destination: name on an indicator list",
        category: "Potentially Bad Traffic",
        severity: 1,
    };
    /// Listed address.
    pub const DEST_IP: SigInfo = SigInfo {
        detector: Detector::SuspiciousDestination,
        sid: 9_100_041,
        rev: 1,
        msg: "WARDWATCH suspicious-destination: address on an indicator list",
        category: "Potentially Bad Traffic",
        severity: 1,
    };
    /// New device.
    pub const NEW_DEVICE: SigInfo = SigInfo {
        detector: Detector::NewDevice,
        sid: 9_100_050,
        rev: 1,
        msg: "WARDWATCH new-device: device never seen before",
        category: "Misc activity",
        severity: 3,
    };
    /// Zone policy.
    pub const ZONE_POLICY: SigInfo = SigInfo {
        detector: Detector::ZonePolicy,
        sid: 9_100_060,
        rev: 1,
        msg: "WARDWATCH zone-policy: flow between zones not allowed by the policy",
        category: "Potential Corporate Privacy Violation",
        severity: 1,
    };
    /// Beacon.
    pub const BEACON: SigInfo = SigInfo {
        detector: Detector::Beacon,
        sid: 9_100_070,
        rev: 1,
        msg: "WARDWATCH beacon: regular connections from an inside host to one outside destination",
        category: "Potentially Bad Traffic",
        severity: 2,
    };
    /// A monitored interface sees no packets.
    pub const SENSOR_SILENT: SigInfo = SigInfo {
        detector: Detector::SensorHealth,
        sid: 9_100_900,
        rev: 1,
        msg: "WARDWATCH sensor-health: monitored interface sees no packets (sensor blind)",
        category: "Sensor Health",
        severity: 1,
    };
    /// A mirror port delivering one direction of TCP only.
    pub const SENSOR_ONE_WAY: SigInfo = SigInfo {
        detector: Detector::SensorHealth,
        sid: 9_100_901,
        rev: 1,
        msg: "WARDWATCH sensor-health: only one direction of TCP traffic arrives (mirror port half set up)",
        category: "Sensor Health",
        severity: 2,
    };
    /// Packets dropped before inspection.
    pub const SENSOR_DROPS: SigInfo = SigInfo {
        detector: Detector::SensorHealth,
        sid: 9_100_902,
        rev: 1,
        msg: "WARDWATCH sensor-health: packets dropped before inspection above the threshold",
        category: "Sensor Health",
        severity: 2,
    };
}

/// A behavioural alert: one state of one episode.
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    /// Which detector raised it.
    pub detector: Detector,
    /// `alert.signature_id` (9100000–9100999).
    pub sid: u32,
    /// `alert.rev`.
    pub rev: u32,
    /// `alert.signature`.
    pub signature: String,
    /// `alert.category`.
    pub category: &'static str,
    /// `alert.severity`.
    pub severity: u8,
    /// Packet time of the event that raised it (for `end`: the time the
    /// quiet period was noticed).
    pub timestamp: Timestamp,
    /// EVE `src_ip`: the acting host (attacker, scanner, client, device);
    /// `None` when many sources act (distributed forms, floods).
    pub src_ip: Option<IpAddr>,
    /// EVE `src_port`, when one port applies.
    pub src_port: Option<u16>,
    /// EVE `dest_ip`: the target host, when one applies.
    pub dest_ip: Option<IpAddr>,
    /// EVE `dest_port`, when one port applies.
    pub dest_port: Option<u16>,
    /// EVE `proto` (`TCP`, `UDP`, `ICMP`, `IPv6-ICMP`), when one applies.
    pub proto: Option<&'static str>,
    /// EVE `app_proto`, when one applies.
    pub app_proto: Option<&'static str>,
    /// Episode id: the same for the `new`, `update` and `end` alerts of
    /// one episode; unique within a correlator's life.
    pub episode: u64,
    /// Where the episode is.
    pub state: EpisodeState,
    /// Counts, window, first/last seen, capped lists of accounts, ports,
    /// hosts — detector-specific, documented per detector.
    pub evidence: Map<String, Value>,
}

impl Anomaly {
    pub(crate) fn new(sig: &SigInfo, state: EpisodeState, episode: u64, ts: Timestamp) -> Self {
        Anomaly {
            detector: sig.detector,
            sid: sig.sid,
            rev: sig.rev,
            signature: sig.msg.to_string(),
            category: sig.category,
            severity: sig.severity,
            timestamp: ts,
            src_ip: None,
            src_port: None,
            dest_ip: None,
            dest_port: None,
            proto: None,
            app_proto: None,
            episode,
            state,
            evidence: Map::new(),
        }
    }

    /// The EVE fragments of this alert: `{"alert": {...}, "anomaly": {...}}`
    /// (Suricata's `alert` object with `action`, `gid`, `signature_id`,
    /// `rev`, `signature`, `category`, `severity`; `anomaly` with
    /// `detector`, `episode`, `state` and the evidence). The caller adds the
    /// header (`timestamp`, `event_type: "alert"`, addresses, ports, `proto`,
    /// `app_proto`) from the public fields.
    pub fn to_eve_json(&self) -> Value {
        let mut anomaly = Map::new();
        anomaly.insert("detector".into(), self.detector.as_str().into());
        anomaly.insert("episode".into(), self.episode.into());
        anomaly.insert("state".into(), self.state.as_str().into());
        for (k, v) in &self.evidence {
            anomaly.insert(k.clone(), v.clone());
        }
        json!({
            "alert": {
                "action": "allowed",
                "gid": 1,
                "signature_id": self.sid,
                "rev": self.rev,
                "signature": self.signature,
                "category": self.category,
                "severity": self.severity,
            },
            "anomaly": Value::Object(anomaly),
        })
    }
}

/// EVE `proto` name of an IP protocol number.
pub(crate) fn proto_name(ip_proto: u8) -> Option<&'static str> {
    match ip_proto {
        1 => Some("ICMP"),
        6 => Some("TCP"),
        17 => Some("UDP"),
        58 => Some("IPv6-ICMP"),
        _ => None,
    }
}

/// Episode ids, shared by all detectors of a correlator.
#[derive(Debug, Default)]
pub(crate) struct EpisodeIds(u64);

impl EpisodeIds {
    pub fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// A capped evidence list as JSON.
pub(crate) fn list<T: ToString>(items: &[T]) -> Value {
    Value::Array(items.iter().map(|i| Value::String(i.to_string())).collect())
}

/// Runs the detectors over events in capture order.
///
/// Feed every event to [`Correlator::handle`] in capture order and call
/// [`Correlator::tick`] with the current packet time when no event came for
/// a while (a quiet network still ends episodes); call
/// [`Correlator::finish`] at the end of a replay or at shutdown.
pub struct Correlator {
    cfg: DetectorsConfig,
    ids: EpisodeIds,
    now: Timestamp,
    next_sweep: Timestamp,
    events: u64,
    raised: [u64; 3],
    login_flood: login_flood::LoginFlood,
    password_spray: password_spray::PasswordSpray,
    port_scan: port_scan::PortScan,
    host_sweep: host_sweep::HostSweep,
    syn_flood: syn_flood::SynFlood,
    destination: destination::SuspiciousDestination,
    new_device: inventory::NewDevice,
    zone_policy: zone_policy::ZonePolicy,
    beacon: beacon::Beacon,
    /// Detectors' block actions (inline / nftables).
    blocks: Option<crate::inline::block::DetectorBlocks>,
    /// Wall time of the last inventory save (or of the first check).
    last_save: Option<Instant>,
    /// [`Inventory::generation`] at the last save.
    saved_generation: u64,
}

/// The settings could not be applied by [`Correlator::reload`]; the ones in
/// use stay.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The settings are invalid.
    #[error(transparent)]
    Settings(#[from] DetectorsError),
    /// An indicator list could not be read.
    #[error(transparent)]
    Indicators(#[from] IndicatorError),
}

/// What [`Correlator::reload`] did.
#[derive(Debug, Default)]
pub struct ReloadSummary {
    /// Domains in the indicator lists now in use.
    pub domains: usize,
    /// Addresses and networks in the indicator lists now in use.
    pub networks: usize,
    /// Vendors in the OUI table now in use.
    pub vendors: usize,
    /// What was applied with a fallback (an unreadable OUI table: the one
    /// in use stays, as at start, where it is not fatal either).
    pub warnings: Vec<String>,
    /// Detectors whose settings changed in place (thresholds, allow-lists,
    /// switches): their running state — counts, open episodes — is kept.
    pub changed: Vec<Detector>,
    /// Detectors whose settings changed shape (a window, a cap, the zones,
    /// the beacon history): their state started over.
    pub restarted: Vec<Detector>,
    /// The final (`end`, `end_reason: "reload"`) alerts of the episodes the
    /// restarted detectors had open: the caller writes them like any other.
    pub ended: Vec<Anomaly>,
}

impl Correlator {
    /// Applies the detectors' `block` actions to the alerts from now on.
    pub fn set_blocks(&mut self, blocks: Option<crate::inline::block::DetectorBlocks>) {
        self.blocks = blocks;
    }

    /// Blocks the source of `a` if its detector has a block action.
    pub fn apply_blocks(&mut self, a: &Anomaly) {
        if let Some(b) = self.blocks.as_mut() {
            b.apply(a);
        }
    }

    /// A correlator with these settings, no indicators loaded and an empty
    /// inventory (see [`Correlator::set_indicators`],
    /// [`Correlator::set_inventory`]).
    pub fn new(cfg: DetectorsConfig) -> Self {
        Correlator {
            ids: EpisodeIds::default(),
            now: Timestamp(0),
            next_sweep: Timestamp(0),
            events: 0,
            raised: [0; 3],
            login_flood: login_flood::LoginFlood::new(&cfg),
            password_spray: password_spray::PasswordSpray::new(&cfg),
            port_scan: port_scan::PortScan::new(&cfg),
            host_sweep: host_sweep::HostSweep::new(&cfg),
            syn_flood: syn_flood::SynFlood::new(&cfg),
            destination: destination::SuspiciousDestination::new(&cfg),
            new_device: inventory::NewDevice::new(&cfg),
            zone_policy: zone_policy::ZonePolicy::new(&cfg),
            beacon: beacon::Beacon::new(&cfg),
            blocks: None,
            cfg,
            last_save: None,
            saved_generation: 0,
        }
    }

    /// Applies new settings (SIGHUP): checks them, re-reads the indicator
    /// lists and the OUI table they name, then per detector keeps its
    /// running state when only thresholds, allow-lists or switches changed,
    /// and starts it over — ending its open episodes, whose final alerts are
    /// in [`ReloadSummary::ended`] — when a window, a cap, the zones or the
    /// beacon history changed. The device inventory is always kept. On any
    /// error nothing changes.
    pub fn reload(&mut self, cfg: DetectorsConfig) -> Result<ReloadSummary, ReloadError> {
        cfg.validate()?;
        let indicators = Indicators::load(&cfg)?;
        let mut sum = ReloadSummary {
            domains: indicators.domain_count(),
            networks: indicators.net_count(),
            ..ReloadSummary::default()
        };
        let oui = match OuiTable::from_config(&cfg) {
            Ok(oui) => Some(oui),
            Err(e) => {
                sum.warnings
                    .push(format!("{e}; the OUI table in use is kept"));
                None
            }
        };
        let now = self.now;
        let s = self.cfg.correlator.clone();
        // Per detector: (old section, new section, fields whose change
        // restarts the detector).
        macro_rules! apply {
            ($field:ident, $section:ident, $module:ident :: $ty:ident, $det:expr, [$($shape:ident),*]) => {{
                let (old, new) = (&self.cfg.$section, &cfg.$section);
                if old != new {
                    if true $(&& old.$shape == new.$shape)* {
                        self.$field.set_config(&cfg);
                        sum.changed.push($det);
                    } else {
                        let start = sum.ended.len();
                        self.$field.sweep(now, true, &s, &mut sum.ended);
                        for a in &mut sum.ended[start..] {
                            a.evidence.insert("end_reason".into(), "reload".into());
                        }
                        self.$field = $module::$ty::new(&cfg);
                        sum.restarted.push($det);
                    }
                }
            }};
        }
        apply!(
            login_flood,
            login_flood,
            login_flood::LoginFlood,
            Detector::LoginFlood,
            [window_secs, distributed_window_secs, max_tracked]
        );
        apply!(
            password_spray,
            password_spray,
            password_spray::PasswordSpray,
            Detector::PasswordSpray,
            [window_secs, max_tracked]
        );
        apply!(
            port_scan,
            port_scan,
            port_scan::PortScan,
            Detector::PortScan,
            [window_secs, max_tracked]
        );
        apply!(
            host_sweep,
            host_sweep,
            host_sweep::HostSweep,
            Detector::HostSweep,
            [window_secs, max_tracked]
        );
        apply!(
            syn_flood,
            syn_flood,
            syn_flood::SynFlood,
            Detector::SynFlood,
            [window_secs, max_tracked]
        );
        apply!(
            destination,
            suspicious_destination,
            destination::SuspiciousDestination,
            Detector::SuspiciousDestination,
            [quiet_secs, max_tracked]
        );
        apply!(
            zone_policy,
            zone_policy,
            zone_policy::ZonePolicy,
            Detector::ZonePolicy,
            [zones, flows, quiet_secs, max_tracked]
        );
        apply!(
            beacon,
            beacon,
            beacon::Beacon,
            Detector::Beacon,
            [min_connections, max_tracked]
        );
        if self.cfg.new_device != cfg.new_device {
            self.new_device.set_config(&cfg);
            sum.changed.push(Detector::NewDevice);
        }
        sum.ended.sort_by_key(|a| a.episode);
        self.count(&sum.ended);
        self.destination.set_indicators(indicators);
        if let Some(oui) = oui {
            self.new_device.set_oui(oui);
        }
        sum.vendors = self.new_device.vendors();
        if let Some(b) = self.blocks.as_mut() {
            b.set_detectors(&cfg);
        }
        self.cfg = cfg;
        Ok(sum)
    }

    /// The inventory file (`[new-device] inventory_file`, resolved), if any.
    pub fn inventory_path(&self) -> Option<PathBuf> {
        let p = self.cfg.new_device.inventory_file.as_ref()?;
        Some(self.cfg.resolve(p))
    }

    /// Saves the device inventory to its file now (atomically: a temporary
    /// file, then a rename) and logs the outcome; `None` without a file.
    /// `now` is the wall time the next periodic save counts from.
    pub fn save_inventory(&mut self, now: Instant) -> Option<Result<PathBuf, InventoryError>> {
        let path = self.inventory_path()?;
        self.last_save = Some(now);
        let inv = self.new_device.inventory();
        let result = inv.save(&path).map(|()| path.clone());
        match &result {
            Ok(p) => {
                self.saved_generation = inv.generation();
                tracing::info!(path = %p.display(), devices = inv.len(), "device inventory saved");
            }
            Err(e) => tracing::error!(error = %e, "device inventory not saved"),
        }
        Some(result)
    }

    /// The periodic save, for the output thread to call often (each loop):
    /// saves when `[new-device] save_interval_secs` of wall time passed
    /// since the last save (the first call starts the clock) and the
    /// inventory changed since. `None` when nothing was due.
    pub fn save_inventory_if_due(
        &mut self,
        now: Instant,
    ) -> Option<Result<PathBuf, InventoryError>> {
        let every = self.cfg.new_device.save_interval_secs;
        if every == 0 || self.cfg.new_device.inventory_file.is_none() {
            return None;
        }
        let last = *self.last_save.get_or_insert(now);
        if now.saturating_duration_since(last) < Duration::from_secs(every)
            || self.new_device.inventory().generation() == self.saved_generation
        {
            return None;
        }
        self.save_inventory(now)
    }

    /// The settings in use.
    pub fn config(&self) -> &DetectorsConfig {
        &self.cfg
    }

    /// Judges one event; alerts it raises are appended to `out`.
    pub fn handle(&mut self, event: &Event, out: &mut Vec<Anomaly>) {
        self.events += 1;
        let start = out.len();
        self.advance(event.ts(), out);
        let s = &self.cfg.correlator;
        let ids = &mut self.ids;
        match event {
            Event::Login(e) => {
                self.login_flood.login(e, s, ids, out);
                self.password_spray.login(e, s, ids, out);
            }
            Event::Conn(e) => {
                self.port_scan.conn(e, s, ids, out);
                self.host_sweep.conn(e, s, ids, out);
                self.syn_flood.conn(e, s, ids, out);
                self.destination.conn(e, s, ids, out);
                self.zone_policy.conn(e, s, ids, out);
                self.beacon.conn(e, s, ids, out);
            }
            Event::Session(e) => {
                self.login_flood.session(e, s, ids, out);
                self.new_device.session(e);
            }
            Event::Name(e) => self.destination.name(e, s, ids, out),
            Event::Device(e) => self.new_device.device(e, s, ids, out),
        }
        self.count(&out[start..]);
    }

    /// Advances packet time to `now` (no event for a while): ends quiet
    /// episodes and drops stale state.
    pub fn tick(&mut self, now: Timestamp, out: &mut Vec<Anomaly>) {
        let start = out.len();
        self.advance(now, out);
        self.count(&out[start..]);
    }

    /// Ends every open episode (end of a replay, shutdown) with its final
    /// summary (`end_reason: "shutdown"`).
    pub fn finish(&mut self, out: &mut Vec<Anomaly>) {
        let start = out.len();
        let now = self.now;
        let s = &self.cfg.correlator;
        self.login_flood.sweep(now, true, s, out);
        self.password_spray.sweep(now, true, s, out);
        self.port_scan.sweep(now, true, s, out);
        self.host_sweep.sweep(now, true, s, out);
        self.syn_flood.sweep(now, true, s, out);
        self.destination.sweep(now, true, s, out);
        self.zone_policy.sweep(now, true, s, out);
        self.beacon.sweep(now, true, s, out);
        for a in &mut out[start..] {
            a.evidence
                .insert("end_reason".into(), Value::from("shutdown"));
        }
        out[start..].sort_by_key(|a| a.episode);
        self.count(&out[start..]);
    }

    fn advance(&mut self, ts: Timestamp, out: &mut Vec<Anomaly>) {
        if ts > self.now {
            self.now = ts;
        }
        if self.now < self.next_sweep {
            return;
        }
        self.next_sweep = self.now.plus_secs(self.cfg.correlator.sweep_secs);
        let start = out.len();
        let now = self.now;
        let s = &self.cfg.correlator;
        self.login_flood.sweep(now, false, s, out);
        self.password_spray.sweep(now, false, s, out);
        self.port_scan.sweep(now, false, s, out);
        self.host_sweep.sweep(now, false, s, out);
        self.syn_flood.sweep(now, false, s, out);
        self.destination.sweep(now, false, s, out);
        self.zone_policy.sweep(now, false, s, out);
        self.beacon.sweep(now, false, s, out);
        self.new_device.sweep(now);
        // Sweeps walk hash maps; the episode id restores a fixed order.
        out[start..].sort_by_key(|a| a.episode);
    }

    fn count(&mut self, raised: &[Anomaly]) {
        for a in raised {
            let i = match a.state {
                EpisodeState::New => 0,
                EpisodeState::Update => 1,
                EpisodeState::End => 2,
            };
            self.raised[i] += 1;
        }
    }

    /// Replaces the indicator lists of `suspicious-destination` (after
    /// [`Indicators::load`]; open episodes keep running).
    pub fn set_indicators(&mut self, indicators: Indicators) {
        self.destination.set_indicators(indicators);
    }

    /// Loads the indicator files named in the settings and swaps them in;
    /// on error the lists in use stay. Returns (domains, networks) loaded.
    pub fn reload_indicators(&mut self) -> Result<(usize, usize), IndicatorError> {
        let ind = Indicators::load(&self.cfg)?;
        let counts = (ind.domain_count(), ind.net_count());
        self.set_indicators(ind);
        Ok(counts)
    }

    /// The device inventory.
    pub fn inventory(&self) -> &Inventory {
        self.new_device.inventory()
    }

    /// Replaces the device inventory (after [`Inventory::load`]).
    pub fn set_inventory(&mut self, inventory: Inventory) {
        self.saved_generation = inventory.generation();
        self.new_device.set_inventory(inventory);
    }

    /// Sets the OUI→vendor table used for new devices.
    pub fn set_oui(&mut self, oui: OuiTable) {
        self.new_device.set_oui(oui);
    }

    /// Counters for `stats` events: events handled, alerts raised by state,
    /// and per detector the trackers held and evicted (a non-zero
    /// `evicted` means a cap was reached: a flood, or caps too small).
    pub fn counters(&self) -> Vec<(String, u64)> {
        let mut c = vec![
            ("correlator.events".to_string(), self.events),
            ("correlator.alerts_new".to_string(), self.raised[0]),
            ("correlator.alerts_update".to_string(), self.raised[1]),
            ("correlator.alerts_end".to_string(), self.raised[2]),
        ];
        let mut push = |name: &str, tracked: usize, evicted: u64| {
            let key = name.replace('-', "_");
            c.push((format!("correlator.{key}.tracked"), tracked as u64));
            c.push((format!("correlator.{key}.evicted"), evicted));
        };
        let (t, e) = self.login_flood.usage();
        push("login-flood", t, e);
        let (t, e) = self.password_spray.usage();
        push("password-spray", t, e);
        let (t, e) = self.port_scan.usage();
        push("port-scan", t, e);
        let (t, e) = self.host_sweep.usage();
        push("host-sweep", t, e);
        let (t, e) = self.syn_flood.usage();
        push("syn-flood", t, e);
        let (t, e) = self.destination.usage();
        push("suspicious-destination", t, e);
        let (t, e) = self.zone_policy.usage();
        push("zone-policy", t, e);
        let (t, e) = self.beacon.usage();
        push("beacon", t, e);
        let (t, e) = self.new_device.usage();
        push("new-device", t, e);
        c.push((
            "correlator.new_device.alerts_suppressed".to_string(),
            self.new_device.suppressed(),
        ));
        if let Some(b) = &self.blocks {
            c.extend(b.counters());
        }
        c
    }
}
