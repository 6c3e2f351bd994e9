//! `beacon`: connections from an inside host to one outside destination at
//! regular intervals (malware checking in with its command-and-control).
//!
//! Per (inside client, outside server, transport, port) the start times of
//! the latest connections are kept (`min_connections`, at least 32 and at
//! most 128; a burst within one second is one check-in). Once there are
//! `min_connections` and the connections since the first span
//! `min_span_secs`, the kept intervals are judged: their median must lie between
//! `min_interval_secs` and `max_interval_secs`, and their spread — the
//! median absolute deviation over the median — must not exceed `max_jitter`.
//! Robust statistics, so one missed or doubled check-in does not hide a
//! beacon. Periodic-by-design services (NTP, DNS) are excluded by service;
//! monitoring systems, update servers and vendor support endpoints by
//! address (`beacon.allow`, client or destination).
//!
//! The episode ends when the destination has not been contacted for three
//! median intervals. Evidence: `connections`, `interval_secs` (median),
//! `jitter`, `span_secs`, `intervals` (the latest, seconds), `service`,
//! `first_seen`, `last_seen`, `duration_secs`.

use std::collections::VecDeque;
use std::net::IpAddr;

use serde_json::Value;

use super::config::{BeaconConfig, CorrelatorSettings, DetectorsConfig};
use super::track::{BoundedMap, Episode, Window, end_evicted};
use super::{Anomaly, ConnEvent, EpisodeIds, EpisodeState, proto_name, sids};
use crate::time::Timestamp;

const HISTORY_MAX: usize = 128;

#[derive(Debug)]
struct BeaconTracker {
    window: Window,
    starts: VecDeque<u64>,
    connections: u64,
    median: f64,
    jitter: f64,
    episode: Option<Episode>,
}

type Key = (IpAddr, IpAddr, u8, u16);

pub(crate) struct Beacon {
    cfg: BeaconConfig,
    history: usize,
    map: BoundedMap<Key, BeaconTracker>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let a = v.get((n - 1) / 2).copied().unwrap_or(0.0);
    let b = v.get(n / 2).copied().unwrap_or(0.0);
    (a + b) / 2.0
}

impl Beacon {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        let b = &cfg.beacon;
        Beacon {
            cfg: b.clone(),
            history: (b.min_connections as usize).clamp(32, HISTORY_MAX),
            map: BoundedMap::new(b.max_tracked),
        }
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.beacon.clone();
    }

    pub fn usage(&self) -> (usize, u64) {
        (self.map.len(), self.map.evicted)
    }

    pub fn conn(
        &mut self,
        e: &ConnEvent,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        let cfg = &self.cfg;
        if !cfg.enabled
            || !cfg.inside.contains(e.client)
            || cfg.inside.contains(e.server)
            || e.server.is_multicast()
            || cfg.exclude_services.matches(e.ip_proto, e.server_port)
            || cfg.allow.contains(e.client)
            || cfg.allow.contains(e.server)
        {
            return;
        }
        let key = (e.client, e.server, e.ip_proto, e.server_port);
        let history = self.history;
        let (t, evicted) = self.map.entry(
            key,
            || BeaconTracker {
                window: Window::new(e.ts),
                starts: VecDeque::new(),
                connections: 0,
                median: 0.0,
                jitter: 0.0,
                episode: None,
            },
            |t| t.episode.is_some(),
        );
        let ts = e.ts.as_micros();
        if t.starts
            .back()
            .is_some_and(|&l| ts.saturating_sub(l) < 1_000_000)
        {
            // Same check-in (a burst of parallel connections).
            t.window.touch(e.ts);
        } else {
            t.window.touch(e.ts);
            t.connections += 1;
            t.starts.push_back(ts);
            if t.starts.len() > history {
                t.starts.pop_front();
            }
            judge(t, cfg, &key, e.ts, s, ids, out);
        }
        end_evicted(
            evicted,
            |t| t.episode.is_some(),
            |k, t| anomaly(k, t, EpisodeState::End, e.ts),
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
        let max_gap = self.cfg.max_interval_secs.saturating_mul(2_000_000);
        self.map.retain(|k, t| {
            let idle = now.micros_since(t.window.last);
            match &t.episode {
                Some(_) => {
                    let quiet = ((t.median * 3.0) as u64).max(60).saturating_mul(1_000_000);
                    if force || idle > quiet {
                        out.push(anomaly(k, t, EpisodeState::End, now));
                        false
                    } else {
                        true
                    }
                }
                None => !force && idle <= max_gap,
            }
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn judge(
    t: &mut BeaconTracker,
    cfg: &BeaconConfig,
    key: &Key,
    ts: Timestamp,
    s: &CorrelatorSettings,
    ids: &mut EpisodeIds,
    out: &mut Vec<Anomaly>,
) {
    let n = t.starts.len();
    if (n as u64) < cfg.min_connections.min(HISTORY_MAX as u64) {
        return;
    }
    // The span counts from the tracker's first connection; the regularity
    // is judged on the kept history (the latest check-ins).
    let span = t.window.last.micros_since(t.window.first);
    if span < cfg.min_span_secs.saturating_mul(1_000_000) {
        return;
    }
    let mut intervals: Vec<f64> = t
        .starts
        .iter()
        .zip(t.starts.iter().skip(1))
        .map(|(a, b)| b.saturating_sub(*a) as f64 / 1e6)
        .collect();
    let m = median(&mut intervals.clone());
    let mut dev: Vec<f64> = intervals.iter().map(|i| (i - m).abs()).collect();
    let mad = median(&mut dev);
    intervals.clear();
    t.median = m;
    t.jitter = if m > 0.0 { mad / m } else { f64::INFINITY };
    let regular = m >= cfg.min_interval_secs as f64
        && m <= cfg.max_interval_secs as f64
        && t.jitter <= cfg.max_jitter;
    let state = match &mut t.episode {
        None if regular => {
            t.episode = Some(Episode::new(ids.next(), t.connections, s.update_factor));
            Some(EpisodeState::New)
        }
        None => None,
        Some(e) => e
            .due(t.connections, s.update_factor)
            .then_some(EpisodeState::Update),
    };
    if let Some(state) = state {
        out.push(anomaly(key, t, state, ts));
    }
}

fn anomaly(k: &Key, t: &BeaconTracker, state: EpisodeState, ts: Timestamp) -> Anomaly {
    let (client, server, ip_proto, port) = *k;
    let id = t.episode.as_ref().map_or(0, |e| e.id);
    let mut a = Anomaly::new(&sids::BEACON, state, id, ts);
    a.src_ip = Some(client);
    a.dest_ip = Some(server);
    a.dest_port = (ip_proto == 6 || ip_proto == 17).then_some(port);
    a.proto = proto_name(ip_proto);
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let intervals: Vec<Value> = t
        .starts
        .iter()
        .zip(t.starts.iter().skip(1))
        .map(|(a, b)| Value::from(round(b.saturating_sub(*a) as f64 / 1e6)))
        .rev()
        .take(10)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let span = t.window.last.micros_since(t.window.first) / 1_000_000;
    let ev = &mut a.evidence;
    ev.insert("connections".into(), t.connections.into());
    ev.insert("interval_secs".into(), round(t.median).into());
    ev.insert(
        "jitter".into(),
        if t.jitter.is_finite() {
            round(t.jitter).into()
        } else {
            Value::Null
        },
    );
    ev.insert("span_secs".into(), span.into());
    ev.insert("intervals".into(), Value::Array(intervals));
    ev.insert(
        "service".into(),
        format!(
            "{}/{port}",
            proto_name(ip_proto).unwrap_or("ip").to_lowercase()
        )
        .into(),
    );
    t.window.evidence(ev);
    if state == EpisodeState::End {
        ev.insert("end_reason".into(), "quiet".into());
    }
    a
}
