//! `port-scan`: one source probing many ports of one host.
//!
//! Counted are the probes that did not become a working connection — SYNs
//! answered by RST or never answered, half-open handshakes (SYN scans),
//! FIN/NULL/Xmas probes, UDP datagrams unanswered or answered by ICMP port
//! unreachable — as distinct ports per (source, host, transport). Completed
//! connections do not count (an FTP client opens many data ports on its
//! server), but their ports are listed as `open_ports`: what the scan found.
//!
//! Evidence: `transport`, `distinct_ports`, `ports` (capped, in probe order),
//! `ports_capped`, `probes`, `probe_types` (`{"refused": n, "half_open": n,
//! ...}`), `open_ports`, `threshold`, `window_secs`, `first_seen`,
//! `last_seen`, `duration_secs`.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::config::{CorrelatorSettings, DetectorsConfig, PortScanConfig};
use super::track::{BoundedMap, CappedSet, Counting, end_evicted, sweep_trackers};
use super::{Anomaly, ConnEvent, ConnOutcome, EpisodeIds, EpisodeState, proto_name, sids};
use crate::time::Timestamp;

/// Probes by outcome, in a fixed order for the evidence.
#[derive(Debug, Default, Clone)]
pub(crate) struct OutcomeCounts(Vec<(&'static str, u64)>);

impl OutcomeCounts {
    pub fn add(&mut self, o: ConnOutcome) {
        let name = o.as_str();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => self.0.push((name, 1)),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut sorted = self.0.clone();
        sorted.sort_by_key(|(n, _)| *n);
        let m: Map<String, Value> = sorted
            .into_iter()
            .map(|(n, c)| (n.to_string(), Value::from(c)))
            .collect();
        Value::Object(m)
    }
}

#[derive(Debug)]
struct ScanTracker {
    c: Counting<u16>,
    open: CappedSet<u16>,
    kinds: OutcomeCounts,
}

type Key = (IpAddr, IpAddr, u8);

pub(crate) struct PortScan {
    cfg: PortScanConfig,
    map: BoundedMap<Key, ScanTracker>,
}

impl PortScan {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        PortScan {
            cfg: cfg.port_scan.clone(),
            map: BoundedMap::new(cfg.port_scan.max_tracked),
        }
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.port_scan.clone();
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
        if !cfg.enabled || !(e.ip_proto == 6 || e.ip_proto == 17) || cfg.allow.contains(e.client) {
            return;
        }
        let key = (e.client, e.server, e.ip_proto);
        if !e.outcome.failed() {
            // Only a host already under probe remembers its open ports.
            if let Some(t) = self.map.get_mut(&key) {
                t.open.insert(e.server_port, 1024, s.evidence_list);
            }
            return;
        }
        let (t, evicted) = self.map.entry(
            key,
            || ScanTracker {
                c: Counting::new(e.ts),
                open: CappedSet::new(),
                kinds: OutcomeCounts::default(),
            },
            |t| t.c.is_open(),
        );
        if t.c.begin(e.ts, cfg.window_secs) {
            t.open = CappedSet::new();
            t.kinds = OutcomeCounts::default();
        }
        let w = cfg.window_secs;
        t.c.add(e.ts, w);
        t.kinds.add(e.outcome);
        t.c.add_value(e.server_port, e.ts, w, s.max_distinct, s.evidence_list);
        if let Some(state) = t.c.judge_distinct(cfg.threshold, s.update_factor, ids) {
            out.push(anomaly(&key, t, state, e.ts, cfg));
        }
        end_evicted(
            evicted,
            |t| t.c.is_open(),
            |k, t| anomaly(k, t, EpisodeState::End, e.ts, cfg),
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
        let cfg = &self.cfg;
        sweep_trackers(
            &mut self.map,
            |t| t.c.verdict(now, force, cfg.window_secs, cfg.quiet_secs),
            |k, t| anomaly(k, t, EpisodeState::End, now, cfg),
            out,
        );
    }
}

fn anomaly(
    k: &Key,
    t: &ScanTracker,
    state: EpisodeState,
    ts: Timestamp,
    cfg: &PortScanConfig,
) -> Anomaly {
    let (client, server, ip_proto) = *k;
    let mut a = Anomaly::new(&sids::PORT_SCAN, state, t.c.episode_id(), ts);
    a.src_ip = Some(client);
    a.dest_ip = Some(server);
    a.proto = proto_name(ip_proto);
    let ev = &mut a.evidence;
    ev.insert(
        "transport".into(),
        proto_name(ip_proto).unwrap_or("other").into(),
    );
    ev.insert("window_secs".into(), cfg.window_secs.into());
    t.c.window.evidence(ev);
    ev.insert("distinct_ports".into(), (t.c.distinct.len() as u64).into());
    ev.insert(
        "ports".into(),
        Value::Array(
            t.c.distinct
                .sample()
                .iter()
                .map(|p| Value::from(*p))
                .collect(),
        ),
    );
    ev.insert("ports_capped".into(), t.c.distinct.saturated().into());
    ev.insert("probes".into(), t.c.count.into());
    ev.insert("probe_types".into(), t.kinds.to_json());
    ev.insert(
        "open_ports".into(),
        Value::Array(t.open.sample().iter().map(|p| Value::from(*p)).collect()),
    );
    ev.insert("threshold".into(), cfg.threshold.into());
    if state == EpisodeState::End {
        ev.insert("end_reason".into(), "quiet".into());
    }
    a
}
