//! `syn-flood`: TCP handshakes that never complete toward one server port.
//!
//! A SYN flood's sources are usually spoofed — one address per packet — so
//! the detector is keyed by the *server* port only, never by source: its
//! state is bounded by the number of servers (`max_tracked`), whatever the
//! number of sources. The distinct sources are estimated with a 64-byte
//! HyperLogLog sketch (about 13% error) and the first few kept as a sample.
//! Counted are half-open handshakes (SYN+ACK never acknowledged) and SYNs
//! never answered (a flooded server stops answering); completed handshakes
//! are counted beside them, and the episode starts only when failures make
//! up `min_failed_ratio` of the sliding window's attempts, so a busy server
//! with a few lost clients is not flooded, and one with a long history of
//! good handshakes is still judged on the last window. `failed_ratio` in
//! the evidence is over the tracker's whole life.
//!
//! Evidence: `failed`, `half_open`, `unanswered`, `completed`,
//! `failed_ratio`, `distinct_sources_estimate`, `sources` (sample),
//! `threshold`, `window_secs`, `first_seen`, `last_seen`, `duration_secs`.

use std::net::IpAddr;

use super::config::{CorrelatorSettings, DetectorsConfig, SynFloodConfig};
use super::track::{
    BoundedMap, Counting, DistinctSketch, Ring, end_evicted, ip_bytes, sweep_trackers,
};
use super::{Anomaly, ConnEvent, ConnOutcome, EpisodeIds, EpisodeState, list, sids};
use crate::time::Timestamp;

#[derive(Debug)]
struct FloodTracker {
    /// `distinct` holds the source sample only (capped at the evidence list).
    c: Counting<IpAddr>,
    half_open: u64,
    unanswered: u64,
    completed: u64,
    /// Completed handshakes in the sliding window (the ratio is judged there).
    recent_completed: Ring,
    sources: DistinctSketch,
}

type Key = (IpAddr, u16);

pub(crate) struct SynFlood {
    cfg: SynFloodConfig,
    map: BoundedMap<Key, FloodTracker>,
}

impl SynFlood {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        SynFlood {
            cfg: cfg.syn_flood.clone(),
            map: BoundedMap::new(cfg.syn_flood.max_tracked),
        }
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.syn_flood.clone();
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
        if !cfg.enabled || e.ip_proto != 6 || cfg.allow.contains(e.server) {
            return;
        }
        let failed = match e.outcome {
            ConnOutcome::HalfOpen | ConnOutcome::Unanswered => true,
            ConnOutcome::Established => false,
            _ => return,
        };
        let key = (e.server, e.server_port);
        if !failed {
            // Completed handshakes matter only beside failures.
            if let Some(t) = self.map.get_mut(&key) {
                t.completed += 1;
                t.recent_completed.count(e.ts, cfg.window_secs);
            }
            return;
        }
        let (t, evicted) = self.map.entry(
            key,
            || FloodTracker {
                c: Counting::new(e.ts),
                half_open: 0,
                unanswered: 0,
                completed: 0,
                recent_completed: Ring::default(),
                sources: DistinctSketch::new(),
            },
            |t| t.c.is_open(),
        );
        if t.c.begin(e.ts, cfg.window_secs) {
            t.half_open = 0;
            t.unanswered = 0;
            t.completed = 0;
            t.recent_completed = Ring::default();
            t.sources = DistinctSketch::new();
        }
        let w = cfg.window_secs;
        t.c.add(e.ts, w);
        if e.outcome == ConnOutcome::HalfOpen {
            t.half_open += 1;
        } else {
            t.unanswered += 1;
        }
        t.sources.insert(&ip_bytes(e.client));
        t.c.add_value(e.client, e.ts, w, s.evidence_list, s.evidence_list);
        // The failed share among the window's attempts: a server with a
        // long history of good handshakes is judged on the last window.
        let failed = t.c.in_window();
        let completed = t.recent_completed.in_window_at(e.ts, w);
        let ratio_ok = failed as f64 >= cfg.min_failed_ratio * (failed + completed) as f64;
        let measure = if ratio_ok || t.c.is_open() { failed } else { 0 };
        let total = t.c.count;
        if let Some(state) =
            t.c.judge(measure, total, cfg.threshold, s.update_factor, ids)
        {
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

fn ratio(t: &FloodTracker) -> f64 {
    let total = t.c.count + t.completed;
    if total == 0 {
        0.0
    } else {
        t.c.count as f64 / total as f64
    }
}

fn anomaly(
    k: &Key,
    t: &FloodTracker,
    state: EpisodeState,
    ts: Timestamp,
    cfg: &SynFloodConfig,
) -> Anomaly {
    let (server, port) = *k;
    let mut a = Anomaly::new(&sids::SYN_FLOOD, state, t.c.episode_id(), ts);
    a.dest_ip = Some(server);
    a.dest_port = Some(port);
    a.proto = Some("TCP");
    let ev = &mut a.evidence;
    ev.insert("window_secs".into(), cfg.window_secs.into());
    t.c.window.evidence(ev);
    ev.insert("failed".into(), t.c.count.into());
    ev.insert("half_open".into(), t.half_open.into());
    ev.insert("unanswered".into(), t.unanswered.into());
    ev.insert("completed".into(), t.completed.into());
    ev.insert(
        "failed_ratio".into(),
        ((ratio(t) * 1000.0).round() / 1000.0).into(),
    );
    ev.insert(
        "distinct_sources_estimate".into(),
        t.sources.estimate().into(),
    );
    ev.insert("sources".into(), list(t.c.distinct.sample()));
    ev.insert("threshold".into(), cfg.threshold.into());
    if state == EpisodeState::End {
        ev.insert("end_reason".into(), "quiet".into());
    }
    a
}
