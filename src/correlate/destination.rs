//! `suspicious-destination`: names and addresses on indicator lists.
//!
//! DNS query names, TLS server names and HTTP Host headers are matched
//! against domain lists by suffix (a listed domain covers every name below
//! it, label by label: `evil.example` matches `www.evil.example`, never
//! `notevil.example`); flow endpoints are matched against IP/CIDR lists by
//! longest prefix. Lists are plain-text files (format in the shipped
//! `rules/indicators/*.txt`), loaded by [`Indicators::load`] outside the event
//! path and swapped in whole, so a reload never leaves a half-read list.
//!
//! One episode per (client, indicator): the first hit alerts, later hits are
//! counted (updates by `correlator.update_factor`), the end comes after
//! `quiet_secs` without a hit.
//!
//! Evidence: `indicator`, `indicator_type` (`domain`/`ip`), `list` (file),
//! `note`, `matched` (names or addresses that hit, capped), `seen_in`
//! (`dns`, `tls_sni`, `http_host`, `flow`), `direction` (`outbound`, or
//! `inbound` for a listed client), `hits`, `first_seen`, `last_seen`,
//! `duration_secs`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::config::{CorrelatorSettings, DestinationConfig, DetectorsConfig, parse_net};
use super::track::{BoundedMap, CappedSet, Counting, end_evicted, sweep_trackers};
use super::{Anomaly, ConnEvent, EpisodeIds, EpisodeState, NameEvent, list, proto_name, sids};
use crate::time::Timestamp;

const SHIPPED_DOMAINS: &str = include_str!("../../rules/indicators/domains.txt");
const SHIPPED_IPS: &str = include_str!("../../rules/indicators/ips.txt");

/// An indicator file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    /// The file could not be read.
    #[error("cannot read indicator list {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A line is not a domain or address.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// What a listed indicator says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    /// The indicator as listed (normalised).
    text: Arc<str>,
    /// The file it came from.
    list: Arc<str>,
    /// The note after it, if any.
    note: Option<Arc<str>>,
}

/// Loaded indicator lists.
#[derive(Clone, Debug, Default)]
pub struct Indicators {
    domains: HashMap<String, Entry>,
    /// Networks by (prefix length, masked address as u128; IPv4 mapped).
    nets: HashMap<(u8, u128), Entry>,
    /// Prefix lengths present (on the mapped 128-bit scale), longest first.
    prefixes: Vec<u8>,
}

fn mapped(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(a.to_ipv6_mapped()),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn mask(v: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        v & (u128::MAX << (128 - u32::from(prefix.min(128))))
    }
}

/// Splits a line into its indicator and note; `None` for blank/comment lines.
fn split_line(raw: &str) -> Option<(&str, Option<&str>)> {
    let line = match raw.find(" #").or_else(|| raw.find("\t#")) {
        Some(i) => &raw[..i],
        None => raw,
    };
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut parts = line.splitn(2, char::is_whitespace);
    let ind = parts.next()?;
    let note = parts.next().map(str::trim).filter(|n| !n.is_empty());
    Some((ind, note))
}

/// A domain name as matched: lowercase, no trailing dot.
fn normalise_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl Indicators {
    /// Loads the files named in `[suspicious-destination]`, resolved against
    /// the settings file's directory. With the built-in settings the shipped
    /// (empty) lists are used for the default names.
    pub fn load(cfg: &DetectorsConfig) -> Result<Indicators, IndicatorError> {
        let d = &cfg.suspicious_destination;
        let defaults = DestinationConfig::default();
        let mut ind = Indicators::default();
        for (files, default, shipped, is_domain) in [
            (
                &d.domain_files,
                &defaults.domain_files,
                SHIPPED_DOMAINS,
                true,
            ),
            (&d.ip_files, &defaults.ip_files, SHIPPED_IPS, false),
        ] {
            for f in files {
                let text = if cfg.base_dir.is_none() && default.contains(f) {
                    shipped.to_string()
                } else {
                    let path = cfg.resolve(f);
                    std::fs::read_to_string(&path)
                        .map_err(|source| IndicatorError::Read { path, source })?
                };
                let origin = cfg.resolve(f);
                if is_domain {
                    ind.add_domains(&text, &origin)?;
                } else {
                    ind.add_ips(&text, &origin)?;
                }
            }
        }
        Ok(ind)
    }

    /// Adds the domains of a list's text; `origin` names it in errors and
    /// evidence.
    pub fn add_domains(&mut self, text: &str, origin: &Path) -> Result<(), IndicatorError> {
        let list: Arc<str> = Arc::from(origin.display().to_string());
        for (n, raw) in text.lines().enumerate() {
            let Some((ind, note)) = split_line(raw) else {
                continue;
            };
            let d = normalise_name(ind.trim_start_matches("*.").trim_start_matches('.'));
            let valid = !d.is_empty()
                && d.len() <= 253
                && d.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
            if !valid {
                return Err(IndicatorError::Line {
                    path: origin.to_path_buf(),
                    line: n + 1,
                    message: format!("`{ind}` is not a domain name"),
                });
            }
            self.domains.insert(
                d.clone(),
                Entry {
                    text: Arc::from(d.as_str()),
                    list: list.clone(),
                    note: note.map(Arc::from),
                },
            );
        }
        Ok(())
    }

    /// Adds the addresses and networks of a list's text.
    pub fn add_ips(&mut self, text: &str, origin: &Path) -> Result<(), IndicatorError> {
        let list: Arc<str> = Arc::from(origin.display().to_string());
        for (n, raw) in text.lines().enumerate() {
            let Some((ind, note)) = split_line(raw) else {
                continue;
            };
            let net = parse_net(ind).map_err(|message| IndicatorError::Line {
                path: origin.to_path_buf(),
                line: n + 1,
                message,
            })?;
            let prefix = if net.addr.is_ipv4() {
                net.prefix + 96
            } else {
                net.prefix
            };
            let key = (prefix, mask(mapped(net.addr), prefix));
            self.nets.insert(
                key,
                Entry {
                    text: Arc::from(ind),
                    list: list.clone(),
                    note: note.map(Arc::from),
                },
            );
            if !self.prefixes.contains(&prefix) {
                self.prefixes.push(prefix);
                self.prefixes.sort_unstable_by(|a, b| b.cmp(a));
            }
        }
        Ok(())
    }

    /// Domains loaded.
    pub fn domain_count(&self) -> usize {
        self.domains.len()
    }

    /// Addresses and networks loaded.
    pub fn net_count(&self) -> usize {
        self.nets.len()
    }

    fn match_name(&self, name: &str) -> Option<&Entry> {
        if self.domains.is_empty() {
            return None;
        }
        let mut n = name;
        loop {
            if let Some(e) = self.domains.get(n) {
                return Some(e);
            }
            n = n.split_once('.')?.1;
        }
    }

    fn match_ip(&self, ip: IpAddr) -> Option<&Entry> {
        let v = mapped(ip);
        let v4 = ip.is_ipv4();
        self.prefixes
            .iter()
            .filter(|&&p| !v4 || p >= 96)
            .find_map(|&p| self.nets.get(&(p, mask(v, p))))
    }
}

#[derive(Debug)]
struct HitTracker {
    c: Counting<String>,
    seen_in: CappedSet<&'static str>,
    entry: Entry,
    indicator_type: &'static str,
    inbound: bool,
    peer: Option<IpAddr>,
    peer_port: Option<u16>,
    ip_proto: Option<u8>,
}

type Key = (IpAddr, Arc<str>);

pub(crate) struct SuspiciousDestination {
    cfg: DestinationConfig,
    indicators: Indicators,
    map: BoundedMap<Key, HitTracker>,
}

impl SuspiciousDestination {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        SuspiciousDestination {
            cfg: cfg.suspicious_destination.clone(),
            indicators: Indicators::default(),
            map: BoundedMap::new(cfg.suspicious_destination.max_tracked),
        }
    }

    pub fn set_indicators(&mut self, ind: Indicators) {
        self.indicators = ind;
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.suspicious_destination.clone();
    }

    pub fn usage(&self) -> (usize, u64) {
        (self.map.len(), self.map.evicted)
    }

    pub fn name(
        &mut self,
        e: &NameEvent,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        if !self.cfg.enabled || self.cfg.allow.contains(e.client) {
            return;
        }
        let name = normalise_name(&e.name);
        let Some(entry) = self.indicators.match_name(&name).cloned() else {
            return;
        };
        let hit = Hit {
            ts: e.ts,
            actor: e.client,
            peer: e.server,
            peer_port: e.server.map(|_| e.server_port),
            ip_proto: None,
            matched: name,
            seen_in: e.kind.as_str(),
            indicator_type: "domain",
            inbound: false,
        };
        self.hit(hit, entry, s, ids, out);
    }

    pub fn conn(
        &mut self,
        e: &ConnEvent,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        if !self.cfg.enabled || self.indicators.nets.is_empty() {
            return;
        }
        if let Some(entry) = self.indicators.match_ip(e.server).cloned() {
            if self.cfg.allow.contains(e.client) {
                return;
            }
            let hit = Hit {
                ts: e.ts,
                actor: e.client,
                peer: Some(e.server),
                peer_port: Some(e.server_port),
                ip_proto: Some(e.ip_proto),
                matched: e.server.to_string(),
                seen_in: "flow",
                indicator_type: "ip",
                inbound: false,
            };
            self.hit(hit, entry, s, ids, out);
        } else if let Some(entry) = self.indicators.match_ip(e.client).cloned() {
            if self.cfg.allow.contains(e.server) {
                return;
            }
            // Inbound from a listed address: the alert's source is the listed
            // host, the episode is keyed by the inside host it reached.
            let hit = Hit {
                ts: e.ts,
                actor: e.server,
                peer: Some(e.client),
                peer_port: Some(e.server_port),
                ip_proto: Some(e.ip_proto),
                matched: e.client.to_string(),
                seen_in: "flow",
                indicator_type: "ip",
                inbound: true,
            };
            self.hit(hit, entry, s, ids, out);
        }
    }

    fn hit(
        &mut self,
        h: Hit,
        entry: Entry,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        let cfg = &self.cfg;
        let key = (h.actor, entry.text.clone());
        let (t, evicted) = self.map.entry(
            key.clone(),
            || HitTracker {
                c: Counting::new(h.ts),
                seen_in: CappedSet::new(),
                entry,
                indicator_type: h.indicator_type,
                inbound: h.inbound,
                peer: h.peer,
                peer_port: h.peer_port,
                ip_proto: h.ip_proto,
            },
            |t| t.c.is_open(),
        );
        let q = cfg.quiet_secs;
        t.c.begin(h.ts, q);
        t.c.add(h.ts, q);
        t.c.add_value(h.matched, h.ts, q, s.max_distinct, s.evidence_list);
        t.seen_in.insert(h.seen_in, 8, 8);
        if t.peer.is_none() {
            t.peer = h.peer;
            t.peer_port = h.peer_port;
        }
        let measure = t.c.count;
        if let Some(state) = t.c.judge(measure, measure, 1, s.update_factor, ids) {
            out.push(anomaly(&key, t, state, h.ts));
        }
        end_evicted(
            evicted,
            |t| t.c.is_open(),
            |k, t| anomaly(k, t, EpisodeState::End, h.ts),
            out,
        );
    }

    pub fn sweep(
        &mut self,
        now: Timestamp,
        force: bool,
        _s: &CorrelatorSettings,
        out: &mut Vec<Anomaly>,
    ) {
        let q = self.cfg.quiet_secs;
        sweep_trackers(
            &mut self.map,
            |t| t.c.verdict(now, force, q, q),
            |k, t| anomaly(k, t, EpisodeState::End, now),
            out,
        );
    }
}

struct Hit {
    ts: Timestamp,
    /// The inside host the episode is about.
    actor: IpAddr,
    peer: Option<IpAddr>,
    peer_port: Option<u16>,
    ip_proto: Option<u8>,
    matched: String,
    seen_in: &'static str,
    indicator_type: &'static str,
    inbound: bool,
}

fn anomaly(k: &Key, t: &HitTracker, state: EpisodeState, ts: Timestamp) -> Anomaly {
    let sig = if t.indicator_type == "domain" {
        &sids::DEST_DOMAIN
    } else {
        &sids::DEST_IP
    };
    let mut a = Anomaly::new(sig, state, t.c.episode_id(), ts);
    a.signature = format!("{} ({})", a.signature, t.entry.text);
    if t.inbound {
        a.src_ip = t.peer;
        a.dest_ip = Some(k.0);
    } else {
        a.src_ip = Some(k.0);
        a.dest_ip = t.peer;
    }
    a.dest_port = t.peer_port;
    a.proto = t.ip_proto.and_then(proto_name);
    let ev = &mut a.evidence;
    ev.insert("indicator".into(), t.entry.text.to_string().into());
    ev.insert("indicator_type".into(), t.indicator_type.into());
    ev.insert("list".into(), t.entry.list.to_string().into());
    if let Some(n) = &t.entry.note {
        ev.insert("note".into(), n.to_string().into());
    }
    ev.insert("matched".into(), list(t.c.distinct.sample()));
    ev.insert("seen_in".into(), list(t.seen_in.sample()));
    ev.insert(
        "direction".into(),
        if t.inbound { "inbound" } else { "outbound" }.into(),
    );
    ev.insert("hits".into(), t.c.count.into());
    t.c.window.evidence(ev);
    if state == EpisodeState::End {
        ev.insert("end_reason".into(), "quiet".into());
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_by_label_suffix_and_ips_by_longest_prefix() {
        let mut ind = Indicators::default();
        ind.add_domains(
            "# c\n\nEvil.Example.  campaign x\n*.bad.example\n",
            Path::new("d.txt"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(ind.match_name("www.evil.example").is_some());
        assert!(ind.match_name("evil.example").is_some());
        assert!(ind.match_name("notevil.example").is_none());
        assert!(ind.match_name("x.bad.example").is_some());
        assert_eq!(
            ind.match_name("evil.example")
                .and_then(|e| e.note.clone())
                .as_deref(),
            Some("campaign x")
        );
        ind.add_ips(
            "203.0.113.0/24 range\n203.0.113.7 host # comment\n2001:db8::/32\n",
            Path::new("i.txt"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let hit = |s: &str| {
            s.parse()
                .ok()
                .and_then(|ip| ind.match_ip(ip))
                .map(|e| e.text.to_string())
        };
        assert_eq!(hit("203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(hit("203.0.113.8").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(hit("2001:db8::1").as_deref(), Some("2001:db8::/32"));
        assert_eq!(hit("198.51.100.1"), None);
        // An IPv4 list entry never matches an IPv6 address with the same
        // low bits, nor the reverse.
        assert_eq!(hit("::cb00:7107"), None);
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let mut ind = Indicators::default();
        let e = ind
            .add_ips("10.0.0.1\n10.0.0.999\n", Path::new("ips.txt"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("ips.txt:2:"), "{e}");
        let e = ind
            .add_domains("good.example\nbad!domain\n", Path::new("d.txt"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("d.txt:2:"), "{e}");
    }

    #[test]
    fn shipped_lists_load_empty() {
        let ind = Indicators::load(&DetectorsConfig::builtin()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((ind.domain_count(), ind.net_count()), (0, 0));
    }
}
