//! `host-sweep`: one source probing many hosts on one port, or by ICMP echo.
//!
//! Keyed by (source, transport, port); ICMP echo requests share the key
//! (source, ICMP, 0). Every attempt counts, answered or not — a worm
//! spreading over SMB finds many open hosts — but only toward hosts inside
//! `host-sweep.targets` (the hospital's own networks; a browser reaches
//! dozens of outside hosts on 443 a minute), and never toward multicast or
//! broadcast addresses. Backup servers, monitoring and inventory tools that
//! touch every host by design belong in `host-sweep.allow`.
//!
//! Evidence: `transport`, `port`, `distinct_hosts`, `hosts` (capped, in
//! the order the attempts were judged: at each flow's end), `hosts_capped`, `answered_hosts`, `probes`, `probe_types`,
//! `threshold`, `window_secs`, `first_seen`, `last_seen`, `duration_secs`.

use std::net::IpAddr;

use super::config::{CorrelatorSettings, DetectorsConfig, HostSweepConfig};
use super::port_scan::OutcomeCounts;
use super::track::{BoundedMap, Counting, end_evicted, sweep_trackers};
use super::{Anomaly, ConnEvent, EpisodeIds, EpisodeState, list, proto_name, sids};
use crate::time::Timestamp;

#[derive(Debug)]
struct SweepTracker {
    c: Counting<IpAddr>,
    answered: u64,
    kinds: OutcomeCounts,
}

type Key = (IpAddr, u8, u16);

pub(crate) struct HostSweep {
    cfg: HostSweepConfig,
    map: BoundedMap<Key, SweepTracker>,
}

fn broadcast_or_multicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_multicast() || a.is_broadcast(),
        IpAddr::V6(a) => a.is_multicast(),
    }
}

impl HostSweep {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        HostSweep {
            cfg: cfg.host_sweep.clone(),
            map: BoundedMap::new(cfg.host_sweep.max_tracked),
        }
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.host_sweep.clone();
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
            || cfg.allow.contains(e.client)
            || !cfg.targets.contains(e.server)
            || broadcast_or_multicast(e.server)
        {
            return;
        }
        let key = match e.ip_proto {
            6 | 17 => (e.client, e.ip_proto, e.server_port),
            1 | 58 if e.outcome.is_echo() => (e.client, e.ip_proto, 0),
            _ => return,
        };
        let (t, evicted) = self.map.entry(
            key,
            || SweepTracker {
                c: Counting::new(e.ts),
                answered: 0,
                kinds: OutcomeCounts::default(),
            },
            |t| t.c.is_open(),
        );
        if t.c.begin(e.ts, cfg.window_secs) {
            t.answered = 0;
            t.kinds = OutcomeCounts::default();
        }
        let w = cfg.window_secs;
        t.c.add(e.ts, w);
        t.kinds.add(e.outcome);
        if t.c
            .add_value(e.server, e.ts, w, s.max_distinct, s.evidence_list)
            && !e.outcome.failed()
        {
            t.answered += 1;
        }
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
    t: &SweepTracker,
    state: EpisodeState,
    ts: Timestamp,
    cfg: &HostSweepConfig,
) -> Anomaly {
    let (client, ip_proto, port) = *k;
    let mut a = Anomaly::new(&sids::HOST_SWEEP, state, t.c.episode_id(), ts);
    let icmp = ip_proto == 1 || ip_proto == 58;
    a.signature = if icmp {
        format!("{} (ICMP echo)", a.signature)
    } else {
        format!(
            "{} ({}/{port})",
            a.signature,
            proto_name(ip_proto).unwrap_or("other").to_lowercase()
        )
    };
    a.src_ip = Some(client);
    a.dest_port = (!icmp).then_some(port);
    a.proto = proto_name(ip_proto);
    let ev = &mut a.evidence;
    ev.insert(
        "transport".into(),
        proto_name(ip_proto).unwrap_or("other").into(),
    );
    if !icmp {
        ev.insert("port".into(), port.into());
    }
    ev.insert("window_secs".into(), cfg.window_secs.into());
    t.c.window.evidence(ev);
    ev.insert("distinct_hosts".into(), (t.c.distinct.len() as u64).into());
    ev.insert("hosts".into(), list(t.c.distinct.sample()));
    ev.insert("hosts_capped".into(), t.c.distinct.saturated().into());
    ev.insert("answered_hosts".into(), t.answered.into());
    ev.insert("probes".into(), t.c.count.into());
    ev.insert("probe_types".into(), t.kinds.to_json());
    ev.insert("threshold".into(), cfg.threshold.into());
    if state == EpisodeState::End {
        ev.insert("end_reason".into(), "quiet".into());
    }
    a
}
