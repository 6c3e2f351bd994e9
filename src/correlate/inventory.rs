//! `new-device` and the passive asset inventory.
//!
//! Every device the sensor sees (DHCP, ARP, mDNS, NetBIOS, flow endpoints)
//! is recorded by MAC address when one is seen, else by IP address when it
//! is inside `new-device.networks`: vendor from the MAC's OUI, the IP
//! addresses and hostnames it used, how it was seen, the services it offered
//! and the application protocols it spoke (from finished sessions), first
//! and last seen. The inventory is saved to and loaded from a JSON file
//! ([`Inventory::save`], [`Inventory::load`]) so it survives restarts, and
//! exports CSV laid out as an equipment register ([`Inventory::to_csv`]).
//!
//! The inventory starts learning at its first event (packet time, kept in
//! the file). After `learning_secs`, a device never seen before raises one
//! `new-device` alert (`state: "new"` only: a device has no end); devices
//! known only by IP alert only with `alert_ip_only`. Both the inventory
//! (`max_devices`) and the alerts (`max_alerts_per_hour`) are capped, so a
//! MAC flood (macof) costs bounded memory and a bounded number of alerts;
//! what the caps held back is counted.
//!
//! Evidence: `mac`, `vendor`, `ip`, `hostname`, `seen_by`, `first_seen`,
//! `learning_ended`, `known_devices`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::{CorrelatorSettings, DetectorsConfig, NewDeviceConfig};
use super::{Anomaly, DeviceEvent, EpisodeIds, EpisodeState, SessionEvent, sids};
use crate::time::Timestamp;

const SHIPPED_OUI: &str = include_str!("../../rules/oui.txt");
const MAX_IPS: usize = 8;
const MAX_NAMES: usize = 4;
const MAX_SERVICES: usize = 16;

/// The inventory or OUI file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// Reading or writing failed.
    #[error("inventory file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not an inventory.
    #[error("inventory file {path}: not a wardwatch inventory: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The JSON parser's message.
        message: String,
    },
}

/// OUI (first three octets of a MAC) → vendor name.
#[derive(Clone, Debug, Default)]
pub struct OuiTable {
    map: HashMap<[u8; 3], String>,
}

fn hex3(s: &str) -> Option<[u8; 3]> {
    let digits: String = s.chars().filter(|c| *c != ':' && *c != '-').collect();
    if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let b = |i: usize| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok();
    Some([b(0)?, b(2)?, b(4)?])
}

impl OuiTable {
    /// The excerpt shipped in `rules/oui.txt` (a dozen entries; see the file).
    pub fn shipped() -> OuiTable {
        OuiTable::parse(SHIPPED_OUI)
    }

    /// Reads IEEE's `oui.csv` or `oui.txt`, or `AA:BB:CC Vendor` lines.
    /// Lines of no known form are skipped.
    pub fn parse(text: &str) -> OuiTable {
        let mut map = HashMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // IEEE CSV: Registry,Assignment,Organization Name,Organization Address
            if let Some(rest) = line.strip_prefix("MA-L,") {
                let Some((assign, org)) = rest.split_once(',') else {
                    continue;
                };
                let org = if let Some(q) = org.strip_prefix('"') {
                    q.split('"').next().unwrap_or("")
                } else {
                    org.split(',').next().unwrap_or("")
                };
                if let Some(k) = hex3(assign) {
                    map.insert(k, org.trim().to_string());
                }
                continue;
            }
            let mut parts = line.splitn(2, char::is_whitespace);
            let (Some(first), Some(rest)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Some(k) = hex3(first) else { continue };
            // oui.txt: `00-00-0C   (hex)\t\tCISCO SYSTEMS, INC.`
            let vendor = rest
                .trim()
                .trim_start_matches("(hex)")
                .trim_start_matches("(base 16)")
                .trim();
            if !vendor.is_empty() {
                map.insert(k, vendor.to_string());
            }
        }
        OuiTable { map }
    }

    /// Reads an OUI file.
    pub fn load(path: &Path) -> Result<OuiTable, InventoryError> {
        std::fs::read_to_string(path)
            .map(|t| OuiTable::parse(&t))
            .map_err(|source| InventoryError::Io {
                path: path.to_path_buf(),
                source,
            })
    }

    /// The OUI file named in the settings (the shipped excerpt with the
    /// built-in settings), or an empty table when none is configured.
    pub fn from_config(cfg: &DetectorsConfig) -> Result<OuiTable, InventoryError> {
        match &cfg.new_device.oui_file {
            None => Ok(OuiTable::default()),
            Some(p) if cfg.base_dir.is_none() && p == Path::new("oui.txt") => {
                Ok(OuiTable::shipped())
            }
            Some(p) => OuiTable::load(&cfg.resolve(p)),
        }
    }

    /// The vendor of `mac`, if listed.
    pub fn vendor(&self, mac: [u8; 6]) -> Option<&str> {
        self.map.get(&[mac[0], mac[1], mac[2]]).map(String::as_str)
    }

    /// Entries loaded.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no entry is loaded.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// One device of the inventory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// MAC address (`aa:bb:cc:dd:ee:ff`), when seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// Vendor from the OUI table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// IP addresses used, most recent last (at most 8).
    #[serde(default)]
    pub ips: Vec<IpAddr>,
    /// Hostnames announced (DHCP, NetBIOS, mDNS), most recent last (at most 4).
    #[serde(default)]
    pub hostnames: Vec<String>,
    /// How it was seen (`dhcp`, `arp`, `flow`, `mdns`, `netbios`).
    #[serde(default)]
    pub seen_by: Vec<String>,
    /// Services it offered (`tcp/443 tls`), at most 16.
    #[serde(default)]
    pub services: Vec<String>,
    /// Application protocols it spoke as a client, at most 16.
    #[serde(default)]
    pub protocols: Vec<String>,
    /// First seen, microseconds of packet time.
    pub first_seen_us: u64,
    /// Last seen, microseconds of packet time.
    pub last_seen_us: u64,
}

fn push_capped<T: PartialEq>(v: &mut Vec<T>, x: T, cap: usize) {
    if let Some(i) = v.iter().position(|y| *y == x) {
        // Most recent last.
        let item = v.remove(i);
        v.push(item);
        return;
    }
    if v.len() >= cap {
        v.remove(0);
    }
    v.push(x);
}

fn push_set(v: &mut Vec<String>, x: &str, cap: usize) {
    if v.len() < cap && !v.iter().any(|y| y == x) {
        v.push(x.to_string());
    }
}

fn mac_text(mac: [u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut m = [0u8; 6];
    for (o, p) in m.iter_mut().zip(parts) {
        *o = u8::from_str_radix(p, 16).ok()?;
    }
    Some(m)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Mac([u8; 6]),
    Ip(IpAddr),
}

/// The on-disk form.
#[derive(Serialize, Deserialize)]
struct Saved {
    format: String,
    version: u32,
    learning_started_us: Option<u64>,
    devices: Vec<Device>,
}

const FORMAT: &str = "wardwatch-inventory";

/// The passive asset inventory.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    devices: HashMap<Key, Device>,
    by_ip: HashMap<IpAddr, Key>,
    learning_started: Option<Timestamp>,
    /// Devices not stored because the inventory was full.
    pub dropped: u64,
    /// Changes recorded (devices seen, sessions noted) since it was made or loaded.
    generation: u64,
}

impl Inventory {
    /// Changes recorded since the inventory was made or loaded: a saver
    /// compares it with the value at its last save.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Devices held.
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// When learning started (the first event ever seen), if it did.
    pub fn learning_started(&self) -> Option<Timestamp> {
        self.learning_started
    }

    /// The devices, MAC-keyed ones first by MAC, then IP-only ones by IP.
    pub fn devices(&self) -> Vec<&Device> {
        let mut keys: Vec<&Key> = self.devices.keys().collect();
        keys.sort();
        keys.into_iter()
            .filter_map(|k| self.devices.get(k))
            .collect()
    }

    /// The device using `ip`, if known.
    pub fn by_ip(&self, ip: IpAddr) -> Option<&Device> {
        self.by_ip.get(&ip).and_then(|k| self.devices.get(k))
    }

    /// The device with MAC `mac`, if known.
    pub fn by_mac(&self, mac: [u8; 6]) -> Option<&Device> {
        self.devices.get(&Key::Mac(mac))
    }

    /// JSON: `{"format": "wardwatch-inventory", "version": 1,
    /// "learning_started_us": ..., "devices": [...]}` (what [`Inventory::save`] writes).
    pub fn to_json(&self) -> Value {
        let saved = Saved {
            format: FORMAT.into(),
            version: 1,
            learning_started_us: self.learning_started.map(Timestamp::as_micros),
            devices: self.devices().into_iter().cloned().collect(),
        };
        serde_json::to_value(saved).unwrap_or(Value::Null)
    }

    /// CSV for the equipment register: one row per device, header first;
    /// lists joined by `;`; times in RFC 3339. Cells an attacker controls
    /// (hostnames) are quoted and defused against spreadsheet formula
    /// injection (a leading `=`, `+`, `-`, `@` gets a `'`).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "mac,vendor,ip_addresses,hostnames,first_seen,last_seen,seen_by,services,protocols\n",
        );
        for d in self.devices() {
            let join = |v: &[String]| v.join(";");
            let ips: Vec<String> = d.ips.iter().map(IpAddr::to_string).collect();
            let cells = [
                d.mac.clone().unwrap_or_default(),
                d.vendor.clone().unwrap_or_default(),
                join(&ips),
                join(&d.hostnames),
                Timestamp(d.first_seen_us).rfc3339(),
                Timestamp(d.last_seen_us).rfc3339(),
                join(&d.seen_by),
                join(&d.services),
                join(&d.protocols),
            ];
            let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }

    /// Writes the inventory as JSON to `path` atomically (a temporary file
    /// beside it, then a rename), so a crash never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), InventoryError> {
        let io = |source| InventoryError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text =
            serde_json::to_string_pretty(&self.to_json()).map_err(|e| InventoryError::Format {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads an inventory written by [`Inventory::save`]. A missing file
    /// gives an empty inventory (first start); anything else unreadable is
    /// an error, so a damaged file is never silently replaced.
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Inventory::default()),
            Err(source) => {
                return Err(InventoryError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Inventory::from_json(&text).map_err(|message| InventoryError::Format {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses the JSON form.
    pub fn from_json(text: &str) -> Result<Inventory, String> {
        let saved: Saved = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if saved.format != FORMAT {
            return Err(format!("format is `{}`, expected `{FORMAT}`", saved.format));
        }
        let mut inv = Inventory {
            learning_started: saved.learning_started_us.map(Timestamp),
            ..Inventory::default()
        };
        for d in saved.devices {
            let key = match (&d.mac, d.ips.last()) {
                (Some(m), _) => match parse_mac(m) {
                    Some(m) => Key::Mac(m),
                    None => return Err(format!("bad MAC address `{m}`")),
                },
                (None, Some(ip)) => Key::Ip(*ip),
                (None, None) => continue,
            };
            for ip in &d.ips {
                inv.by_ip.insert(*ip, key);
            }
            inv.devices.insert(key, d);
        }
        Ok(inv)
    }

    /// Records a device event; returns the device's key when it is new.
    fn observe(&mut self, e: &DeviceEvent, cfg: &NewDeviceConfig, oui: &OuiTable) -> Option<Key> {
        if self.learning_started.is_none() {
            self.learning_started = Some(e.ts);
        }
        let mac = e.mac.filter(|m| m[0] & 1 == 0 && *m != [0; 6]);
        let ip = e.ip.filter(|ip| !ip.is_unspecified() && !ip.is_multicast());
        let key = match (mac, ip) {
            (Some(m), _) => Key::Mac(m),
            (None, Some(ip)) => match self.by_ip.get(&ip) {
                Some(k) => *k,
                None if cfg.networks.contains(ip) => Key::Ip(ip),
                None => return None,
            },
            (None, None) => return None,
        };
        let ts = e.ts.as_micros();
        let mut is_new = false;
        if !self.devices.contains_key(&key) {
            if self.devices.len() >= cfg.max_devices {
                self.dropped += 1;
                return None;
            }
            // A MAC seen for an address known until now only by IP: the same
            // device, now better identified.
            let merged = ip
                .and_then(|ip| self.by_ip.get(&ip).copied())
                .filter(|k| matches!(k, Key::Ip(_)) && key != *k)
                .and_then(|k| self.devices.remove(&k));
            is_new = merged.is_none();
            let mut d = merged.unwrap_or(Device {
                mac: None,
                vendor: None,
                ips: Vec::new(),
                hostnames: Vec::new(),
                seen_by: Vec::new(),
                services: Vec::new(),
                protocols: Vec::new(),
                first_seen_us: ts,
                last_seen_us: ts,
            });
            if let Some(m) = mac {
                d.mac = Some(mac_text(m));
                d.vendor = oui.vendor(m).map(str::to_string);
            }
            self.devices.insert(key, d);
        }
        if let Some(d) = self.devices.get_mut(&key) {
            self.generation += 1;
            d.last_seen_us = d.last_seen_us.max(ts);
            d.first_seen_us = d.first_seen_us.min(ts);
            if let Some(ip) = ip {
                push_capped(&mut d.ips, ip, MAX_IPS);
                self.by_ip.insert(ip, key);
            }
            if let Some(h) = e
                .hostname
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty())
            {
                let h: String = h.chars().filter(|c| !c.is_control()).take(64).collect();
                push_capped(&mut d.hostnames, h, MAX_NAMES);
            }
            push_set(&mut d.seen_by, e.source.as_str(), 8);
        }
        is_new.then_some(key)
    }

    fn session(&mut self, e: &SessionEvent) {
        let proto = match e.ip_proto {
            6 => "tcp",
            17 => "udp",
            _ => return,
        };
        let ts = e.end.as_micros();
        if e.established
            && let Some(d) = self
                .by_ip
                .get(&e.server)
                .and_then(|k| self.devices.get_mut(k))
        {
            let svc = match e.app_proto {
                Some(a) => format!("{proto}/{} {a}", e.server_port),
                None => format!("{proto}/{}", e.server_port),
            };
            push_set(&mut d.services, &svc, MAX_SERVICES);
            d.last_seen_us = d.last_seen_us.max(ts);
            self.generation += 1;
        }
        if let Some(d) = self
            .by_ip
            .get(&e.client)
            .and_then(|k| self.devices.get_mut(k))
        {
            if let Some(a) = e.app_proto {
                push_set(&mut d.protocols, a, MAX_SERVICES);
            }
            d.last_seen_us = d.last_seen_us.max(ts);
            self.generation += 1;
        }
    }
}

fn csv_cell(s: &str) -> String {
    let defused = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if defused.contains([',', '"', '\n', '\r', ';']) || defused != s {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

pub(crate) struct NewDevice {
    cfg: NewDeviceConfig,
    inventory: Inventory,
    oui: OuiTable,
    alert_hour: Option<Timestamp>,
    alerts_in_hour: u64,
    suppressed: u64,
}

impl NewDevice {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        NewDevice {
            cfg: cfg.new_device.clone(),
            inventory: Inventory::default(),
            oui: OuiTable::default(),
            alert_hour: None,
            alerts_in_hour: 0,
            suppressed: 0,
        }
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    pub fn set_inventory(&mut self, inv: Inventory) {
        self.inventory = inv;
    }

    pub fn set_oui(&mut self, oui: OuiTable) {
        self.oui = oui;
    }

    /// Vendors in the OUI table in use.
    pub fn vendors(&self) -> usize {
        self.oui.len()
    }

    /// New settings; the inventory and the alert budget are kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.new_device.clone();
    }

    pub fn usage(&self) -> (usize, u64) {
        (self.inventory.len(), self.inventory.dropped)
    }

    pub fn suppressed(&self) -> u64 {
        self.suppressed
    }

    pub fn session(&mut self, e: &SessionEvent) {
        self.inventory.session(e);
    }

    pub fn sweep(&mut self, _now: Timestamp) {}

    pub fn device(
        &mut self,
        e: &DeviceEvent,
        _s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        let Some(key) = self.inventory.observe(e, &self.cfg, &self.oui) else {
            return;
        };
        let cfg = &self.cfg;
        let started = self.inventory.learning_started.unwrap_or(e.ts);
        let learning_end = started.plus_secs(cfg.learning_secs);
        if !cfg.enabled
            || e.ts < learning_end
            || (matches!(key, Key::Ip(_)) && !cfg.alert_ip_only)
            || e.ip.is_some_and(|ip| cfg.allow.contains(ip))
        {
            return;
        }
        // At most `max_alerts_per_hour` per hour of packet time.
        let hour = self.alert_hour.get_or_insert(e.ts);
        if e.ts.micros_since(*hour) >= 3_600_000_000 {
            *hour = e.ts;
            self.alerts_in_hour = 0;
        }
        if self.alerts_in_hour >= cfg.max_alerts_per_hour {
            self.suppressed += 1;
            return;
        }
        self.alerts_in_hour += 1;
        let Some(d) = self.inventory.devices.get(&key) else {
            return;
        };
        let mut a = Anomaly::new(&sids::NEW_DEVICE, EpisodeState::New, ids.next(), e.ts);
        a.src_ip = d.ips.last().copied();
        let ev = &mut a.evidence;
        if let Some(m) = &d.mac {
            ev.insert("mac".into(), m.clone().into());
        }
        ev.insert(
            "vendor".into(),
            d.vendor.clone().map_or(Value::Null, Value::String),
        );
        if let Some(ip) = d.ips.last() {
            ev.insert("ip".into(), ip.to_string().into());
        }
        if let Some(h) = d.hostnames.last() {
            ev.insert("hostname".into(), h.clone().into());
        }
        ev.insert("seen_by".into(), e.source.as_str().into());
        ev.insert(
            "first_seen".into(),
            Timestamp(d.first_seen_us).rfc3339().into(),
        );
        ev.insert("learning_ended".into(), learning_end.rfc3339().into());
        ev.insert("known_devices".into(), (self.inventory.len() as u64).into());
        out.push(a);
    }
}
