//! `password-spray`: one source failing logins for many distinct accounts
//! (one or two passwords tried against the whole staff list, staying under
//! every per-account lockout).
//!
//! Keyed by source alone, across servers and protocols: a spray often
//! alternates domain controllers. Sources that legitimately relay many
//! users' failures (terminal servers, a VPN appliance acting as RADIUS NAS)
//! belong in `password-spray.allow`.
//!
//! Evidence: `distinct_accounts`, `accounts` (capped), `accounts_capped`,
//! `failures`, `servers`, `protocols`, `threshold`, `window_secs`,
//! `first_seen`, `last_seen`, `duration_secs`.

use std::net::IpAddr;

use serde_json::Value;

use super::config::{CorrelatorSettings, DetectorsConfig, SprayConfig};
use super::login_flood::normalise_account;
use super::track::{BoundedMap, CappedSet, Counting, end_evicted, sweep_trackers};
use super::{Anomaly, EpisodeIds, EpisodeState, LoginEvent, list, sids};
use crate::app::Outcome;
use crate::time::Timestamp;

#[derive(Debug)]
struct SprayTracker {
    c: Counting<String>,
    servers: CappedSet<IpAddr>,
    protocols: CappedSet<&'static str>,
}

pub(crate) struct PasswordSpray {
    cfg: SprayConfig,
    map: BoundedMap<IpAddr, SprayTracker>,
}

impl PasswordSpray {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        PasswordSpray {
            cfg: cfg.password_spray.clone(),
            map: BoundedMap::new(cfg.password_spray.max_tracked),
        }
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.password_spray.clone();
    }

    pub fn usage(&self) -> (usize, u64) {
        (self.map.len(), self.map.evicted)
    }

    pub fn login(
        &mut self,
        e: &LoginEvent,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        let cfg = &self.cfg;
        if !cfg.enabled || e.attempt.outcome != Outcome::Failure || cfg.allow.contains(e.client) {
            return;
        }
        let Some(account) = e
            .attempt
            .account
            .as_deref()
            .map(normalise_account)
            .filter(|a| !a.is_empty())
        else {
            return;
        };
        let (t, evicted) = self.map.entry(
            e.client,
            || SprayTracker {
                c: Counting::new(e.ts),
                servers: CappedSet::new(),
                protocols: CappedSet::new(),
            },
            |t| t.c.is_open(),
        );
        if t.c.begin(e.ts, cfg.window_secs) {
            t.servers = CappedSet::new();
            t.protocols = CappedSet::new();
        }
        let w = cfg.window_secs;
        t.c.add(e.ts, w);
        t.c.add_value(account, e.ts, w, s.max_distinct, s.evidence_list);
        t.servers.insert(e.server, s.max_distinct, s.evidence_list);
        t.protocols
            .insert(e.attempt.protocol.as_str(), 32, s.evidence_list);
        if let Some(state) = t.c.judge_distinct(cfg.threshold, s.update_factor, ids) {
            out.push(anomaly(e.client, t, state, e.ts, cfg));
        }
        end_evicted(
            evicted,
            |t| t.c.is_open(),
            |k, t| anomaly(*k, t, EpisodeState::End, e.ts, cfg),
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
            |k, t| anomaly(*k, t, EpisodeState::End, now, cfg),
            out,
        );
    }
}

fn anomaly(
    client: IpAddr,
    t: &SprayTracker,
    state: EpisodeState,
    ts: Timestamp,
    cfg: &SprayConfig,
) -> Anomaly {
    let mut a = Anomaly::new(&sids::PASSWORD_SPRAY, state, t.c.episode_id(), ts);
    a.src_ip = Some(client);
    if t.servers.len() == 1 {
        a.dest_ip = t.servers.sample().first().copied();
    }
    if t.protocols.len() == 1 {
        a.app_proto = t.protocols.sample().first().copied();
    }
    let ev = &mut a.evidence;
    ev.insert("window_secs".into(), cfg.window_secs.into());
    t.c.window.evidence(ev);
    ev.insert(
        "distinct_accounts".into(),
        (t.c.distinct.len() as u64).into(),
    );
    ev.insert("accounts".into(), list(t.c.distinct.sample()));
    ev.insert("accounts_capped".into(), t.c.distinct.saturated().into());
    ev.insert("failures".into(), t.c.count.into());
    ev.insert("threshold".into(), cfg.threshold.into());
    ev.insert("servers".into(), list(t.servers.sample()));
    ev.insert("protocols".into(), list(t.protocols.sample()));
    if state == EpisodeState::End {
        ev.insert("end_reason".into(), Value::String("quiet".into()));
    }
    a
}
