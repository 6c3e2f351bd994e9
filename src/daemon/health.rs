//! The `sensor-health` detector: a silent sensor must never look like a
//! quiet network.
//!
//! Fed once a second (live capture only) with each interface's counters, it
//! raises an alert when a monitored interface
//!
//! - **is silent**: no packet for `health.silent_after` (cable pulled, mirror
//!   session deleted on the switch, interface down);
//! - **is one-way**: over `health.window`, at least `health.one_way_min_syns`
//!   TCP SYNs and no SYN-ACK, or the reverse (the switch mirrors only the
//!   receive or only the transmit direction of the source port);
//! - **drops**: more than `health.max_drop_rate` of its packets were dropped
//!   before inspection over the window (kernel buffer full, or the sensor's
//!   own queues full).
//!
//! Each condition is an episode like the correlator's: a `new` alert when it
//! starts and an `end` alert when it clears, with the evidence. Timing here is
//! the wall clock (it watches the capture itself, not the traffic), so it
//! does not run during replay.

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::config::HealthConfig;
use crate::correlate::{Anomaly, EpisodeState, SigInfo, sids};
use crate::time::Timestamp;

/// Episode ids of health alerts start here, far from the correlator's (which
/// count from 1), so the two never share an id.
const EPISODE_BASE: u64 = 1 << 40;

/// One interface's counters since the sensor started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IfaceSample {
    /// Interface name.
    pub name: String,
    /// Packets read from it.
    pub packets: u64,
    /// Packets the kernel dropped for it (capture buffer full).
    pub kernel_drops: u64,
    /// Packets dropped by the sensor's own full queues.
    pub queue_drops: u64,
    /// TCP SYNs (without ACK) inspected.
    pub syn: u64,
    /// TCP SYN-ACKs inspected.
    pub synack: u64,
}

/// The kind of blindness.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// No packets.
    Silent,
    /// One direction of TCP only.
    OneWay,
    /// Drops above the threshold.
    Drops,
}

impl Condition {
    /// EVE `anomaly.condition`.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Silent => "silent",
            Condition::OneWay => "one-way",
            Condition::Drops => "drops",
        }
    }

    fn sig(self) -> &'static SigInfo {
        match self {
            Condition::Silent => &sids::SENSOR_SILENT,
            Condition::OneWay => &sids::SENSOR_ONE_WAY,
            Condition::Drops => &sids::SENSOR_DROPS,
        }
    }
}

#[derive(Debug, Default)]
struct IfaceState {
    /// Counters at the start of the current window.
    window_start: IfaceSample,
    /// When the current window started (monotonic).
    window_at: Duration,
    /// Packets at the last change, and when it was seen.
    last_packets: u64,
    last_change: Duration,
    /// Open episodes: (condition, episode id, evidence at start).
    open: Vec<(Condition, u64)>,
}

/// Watches the interfaces; see the module docs.
#[derive(Debug)]
pub struct HealthMonitor {
    cfg: HealthConfig,
    ifaces: Vec<IfaceState>,
    next_episode: u64,
}

impl HealthMonitor {
    /// A monitor for `ifaces` interfaces, started at monotonic time `now`.
    pub fn new(cfg: HealthConfig, ifaces: usize, now: Duration) -> Self {
        HealthMonitor {
            cfg,
            ifaces: (0..ifaces)
                .map(|_| IfaceState {
                    window_at: now,
                    last_change: now,
                    ..IfaceState::default()
                })
                .collect(),
            next_episode: EPISODE_BASE,
        }
    }

    /// Conditions open now, as (interface index, condition).
    pub fn open(&self) -> Vec<(usize, Condition)> {
        self.ifaces
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.open.iter().map(move |(c, _)| (i, *c)))
            .collect()
    }

    /// Looks at the counters at monotonic time `now` (wall clock `ts` for the
    /// alerts) and pushes the alerts of conditions that started or ended.
    pub fn observe(
        &mut self,
        now: Duration,
        ts: Timestamp,
        samples: &[IfaceSample],
        out: &mut Vec<Anomaly>,
    ) {
        if !self.cfg.enabled {
            return;
        }
        let cfg = self.cfg.clone();
        for (i, sample) in samples.iter().enumerate() {
            let Some(st) = self.ifaces.get_mut(i) else {
                continue;
            };
            // Silence: no packet since `silent_after`.
            if sample.packets != st.last_packets {
                st.last_packets = sample.packets;
                st.last_change = now;
            }
            let quiet_for = now.saturating_sub(st.last_change);
            let silent = quiet_for >= cfg.silent_after;
            let mut ev = Map::new();
            ev.insert("interface".into(), sample.name.clone().into());
            ev.insert("silent_seconds".into(), quiet_for.as_secs().into());
            ev.insert("packets".into(), sample.packets.into());
            ev.insert(
                "hint".into(),
                "check the cable and link of the capture interface and the switch's mirror (SPAN) session; `tcpdump -ni IFACE -c 10` shows whether frames arrive".into(),
            );
            toggle(
                &mut self.next_episode,
                st,
                Condition::Silent,
                silent,
                ts,
                ev,
                out,
            );

            // One-way and drops are judged per window.
            let elapsed = now.saturating_sub(st.window_at);
            if elapsed < cfg.window {
                continue;
            }
            let w = &st.window_start;
            let syn = sample.syn.saturating_sub(w.syn);
            let synack = sample.synack.saturating_sub(w.synack);
            let packets = sample.packets.saturating_sub(w.packets);
            let kdrops = sample.kernel_drops.saturating_sub(w.kernel_drops);
            let qdrops = sample.queue_drops.saturating_sub(w.queue_drops);
            let min = cfg.one_way_min_syns;
            let one_way = (syn >= min && synack == 0) || (synack >= min && syn == 0);
            let seen = if synack == 0 {
                "client-to-server only (SYNs, no SYN-ACKs)"
            } else {
                "server-to-client only (SYN-ACKs, no SYNs)"
            };
            let ev = json!({
                "interface": sample.name,
                "window_seconds": elapsed.as_secs(),
                "syn": syn,
                "synack": synack,
                "direction_seen": seen,
                "hint": "the switch mirrors one direction only: set the mirror (SPAN) session to both directions (e.g. Cisco `monitor session 1 source interface Gi1/0/1 both`)",
            });
            toggle(
                &mut self.next_episode,
                st,
                Condition::OneWay,
                one_way && !silent,
                ts,
                object(ev),
                out,
            );
            let drops = kdrops + qdrops;
            let rate = drops as f64 / (packets + drops).max(1) as f64;
            let dropping = drops > 0 && rate > cfg.max_drop_rate;
            let cause = if kdrops >= qdrops { "kernel" } else { "queue" };
            let ev = json!({
                "interface": sample.name,
                "window_seconds": elapsed.as_secs(),
                "packets": packets,
                "kernel_drops": kdrops,
                "queue_drops": qdrops,
                "drop_rate": (rate * 10_000.0).round() / 10_000.0,
                "cause": cause,
                "hint": drop_hint(cause),
            });
            if dropping {
                tracing::warn!(
                    interface = %sample.name,
                    kernel_drops = kdrops,
                    queue_drops = qdrops,
                    packets,
                    "{:.2} % of packets dropped before inspection: {}",
                    rate * 100.0,
                    drop_hint(cause)
                );
            }
            toggle(
                &mut self.next_episode,
                st,
                Condition::Drops,
                dropping,
                ts,
                object(ev),
                out,
            );
            st.window_start = sample.clone();
            st.window_at = now;
        }
    }

    /// Ends every open condition (shutdown).
    pub fn finish(&mut self, ts: Timestamp, out: &mut Vec<Anomaly>) {
        for st in &mut self.ifaces {
            for (cond, episode) in st.open.drain(..) {
                let mut a = Anomaly::new(cond.sig(), EpisodeState::End, episode, ts);
                a.evidence.insert("condition".into(), cond.as_str().into());
                a.evidence.insert("reason".into(), "shutdown".into());
                out.push(a);
            }
        }
    }
}

/// What to do about drops, by cause.
pub fn drop_hint(cause: &str) -> &'static str {
    if cause == "kernel" {
        "raise capture.buffer_size, add workers (capture.workers) or narrow capture.bpf_filter to the traffic that matters"
    } else {
        "add workers (capture.workers), raise capture.queue_batches, or narrow capture.bpf_filter; check that no output blocks the sensor"
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Opens or closes the episode of `cond` on `st` as `active` says.
fn toggle(
    next_episode: &mut u64,
    st: &mut IfaceState,
    cond: Condition,
    active: bool,
    ts: Timestamp,
    evidence: Map<String, Value>,
    out: &mut Vec<Anomaly>,
) {
    let open = st.open.iter().position(|(c, _)| *c == cond);
    let state = match (open, active) {
        (None, true) => {
            *next_episode += 1;
            st.open.push((cond, *next_episode));
            (EpisodeState::New, *next_episode)
        }
        (Some(i), false) => {
            let (_, episode) = st.open.swap_remove(i);
            (EpisodeState::End, episode)
        }
        _ => return,
    };
    let mut a = Anomaly::new(cond.sig(), state.0, state.1, ts);
    a.evidence.insert("condition".into(), cond.as_str().into());
    a.evidence.extend(evidence);
    out.push(a);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> HealthConfig {
        HealthConfig {
            enabled: true,
            silent_after: Duration::from_secs(60),
            window: Duration::from_secs(30),
            one_way_min_syns: 10,
            max_drop_rate: 0.01,
        }
    }

    fn sample(packets: u64, syn: u64, synack: u64, kdrops: u64) -> IfaceSample {
        IfaceSample {
            name: "eth1".into(),
            packets,
            kernel_drops: kdrops,
            queue_drops: 0,
            syn,
            synack,
        }
    }

    fn run(m: &mut HealthMonitor, secs: u64, s: IfaceSample) -> Vec<Anomaly> {
        let mut out = Vec::new();
        m.observe(
            Duration::from_secs(secs),
            Timestamp(secs * 1_000_000),
            &[s],
            &mut out,
        );
        out
    }

    #[test]
    fn a_silent_interface_raises_one_episode_and_ends_it_when_packets_return() {
        let mut m = HealthMonitor::new(cfg(), 1, Duration::ZERO);
        assert!(run(&mut m, 1, sample(100, 5, 5, 0)).is_empty());
        for t in 2..61 {
            assert!(run(&mut m, t, sample(100, 5, 5, 0)).is_empty(), "t={t}");
        }
        let a = run(&mut m, 61, sample(100, 5, 5, 0));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].detector.as_str(), "sensor-health");
        assert_eq!(a[0].sid, 9_100_900);
        assert_eq!(a[0].state, EpisodeState::New);
        assert_eq!(a[0].evidence["condition"], "silent");
        assert_eq!(a[0].evidence["interface"], "eth1");
        assert_eq!(a[0].evidence["silent_seconds"], 60);
        // Still silent: no repeat.
        assert!(run(&mut m, 62, sample(100, 5, 5, 0)).is_empty());
        assert_eq!(m.open(), vec![(0, Condition::Silent)]);
        let end = run(&mut m, 63, sample(101, 5, 5, 0));
        assert_eq!(end.len(), 1);
        assert_eq!(end[0].state, EpisodeState::End);
        assert_eq!(end[0].episode, a[0].episode);
        assert!(m.open().is_empty());
    }

    #[test]
    fn one_way_tcp_is_noticed_per_window_and_two_way_is_not() {
        let mut m = HealthMonitor::new(cfg(), 1, Duration::ZERO);
        // Both directions: fine.
        assert!(run(&mut m, 30, sample(1000, 40, 38, 0)).is_empty());
        // Next window: 20 SYNs, no SYN-ACK.
        let a = run(&mut m, 60, sample(2000, 60, 38, 0));
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].sid, 9_100_901);
        assert_eq!(a[0].evidence["syn"], 20);
        assert_eq!(a[0].evidence["synack"], 0);
        assert!(
            a[0].evidence["direction_seen"]
                .as_str()
                .is_some_and(|s| s.starts_with("client-to-server"))
        );
        // Too few SYNs to judge: the episode ends.
        let end = run(&mut m, 90, sample(3000, 62, 38, 0));
        assert_eq!(end.len(), 1);
        assert_eq!(end[0].state, EpisodeState::End);
    }

    #[test]
    fn drops_over_the_threshold_raise_with_the_cause() {
        let mut m = HealthMonitor::new(cfg(), 1, Duration::ZERO);
        // 0.5 %: under 1 %.
        assert!(run(&mut m, 30, sample(995, 0, 0, 5)).is_empty());
        let a = run(&mut m, 60, sample(995 + 900, 0, 0, 105));
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].sid, 9_100_902);
        assert_eq!(a[0].evidence["kernel_drops"], 100);
        assert_eq!(a[0].evidence["cause"], "kernel");
        assert_eq!(a[0].evidence["drop_rate"], 0.1);
        let mut out = Vec::new();
        m.finish(Timestamp(61_000_000), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].state, EpisodeState::End);
        assert_eq!(out[0].evidence["reason"], "shutdown");
    }

    #[test]
    fn switched_off_means_silent() {
        let mut c = cfg();
        c.enabled = false;
        let mut m = HealthMonitor::new(c, 1, Duration::ZERO);
        assert!(run(&mut m, 600, sample(0, 100, 0, 0)).is_empty());
    }
}
