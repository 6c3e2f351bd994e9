//! `login-flood`: many failed logins in a window.
//!
//! Four forms, each its own signature and episode:
//!
//! - **source→service** (9100001): failures from one client to one server
//!   port and protocol, against the protocol's threshold. Each failure the
//!   parser reports counts, so a tool reusing one connection for many
//!   attempts (hydra over FTP, SMB, HTTP) is counted attempt by attempt.
//! - **service, distributed** (9100002): distinct failing sources toward one
//!   server port and protocol (a botnet, or a worm spreading by guessing).
//! - **account, distributed** (9100003): distinct failing sources for one
//!   account, across protocols and servers.
//! - **inferred** (9100004): for SSH and RDP the outcome is encrypted, so the
//!   detector judges finished sessions instead: short sessions that reached
//!   authentication (enough bytes for a key exchange) and ended without
//!   carrying a working session's traffic, with server→client sizes alike
//!   (a failed attempt looks the same each time). The evidence says
//!   `inferred: true`.
//!
//! Evidence: `protocol`, `failures`, `window_secs`, `first_seen`,
//! `last_seen`, `duration_secs`, `accounts` (capped), `distinct_accounts`,
//! `reasons`, `successes`, `sources`/`distinct_sources` for the distributed
//! forms, `sessions`/`bytes_toclient_min`/`..._max` for the inferred form.
//! A success from the attacking source during an open source→service episode
//! is reported at once as an update with `success_after_failures: true`.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::config::{CorrelatorSettings, DetectorsConfig, InferredConfig, LoginFloodConfig};
use super::track::{BoundedMap, CappedSet, Counting, end_evicted, sweep_trackers};
use super::{
    Anomaly, EpisodeIds, EpisodeState, LoginEvent, SessionEvent, SigInfo, list, proto_name, sids,
};
use crate::app::Outcome;

type SrcKey = (IpAddr, IpAddr, u16, &'static str);
type SrvKey = (IpAddr, u16, &'static str);

#[derive(Debug)]
struct SrcTracker {
    c: Counting<String>,
    reasons: CappedSet<String>,
    successes: u64,
    success_reported: bool,
    inferred: bool,
}

#[derive(Debug)]
struct DistTracker {
    c: Counting<IpAddr>,
    accounts: CappedSet<String>,
    servers: CappedSet<IpAddr>,
    protocols: CappedSet<&'static str>,
}

#[derive(Debug)]
struct InferredTracker {
    c: Counting<()>,
    reference: u64,
    min: u64,
    max: u64,
    unlike: u64,
}

pub(crate) struct LoginFlood {
    cfg: LoginFloodConfig,
    per_source: BoundedMap<SrcKey, SrcTracker>,
    per_server: BoundedMap<SrvKey, DistTracker>,
    per_account: BoundedMap<String, DistTracker>,
    inferred: BoundedMap<SrcKey, InferredTracker>,
}

/// `user`, `DOMAIN\user`, `user@REALM` → `user`, lowercased, so the same
/// account over NTLM, Kerberos and LDAP is one key.
pub(crate) fn normalise_account(account: &str) -> String {
    let a = account.rsplit('\\').next().unwrap_or(account);
    let a = a.split('@').next().unwrap_or(a);
    a.trim().to_lowercase()
}

impl LoginFlood {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        let c = &cfg.login_flood;
        LoginFlood {
            cfg: c.clone(),
            per_source: BoundedMap::new(c.max_tracked),
            per_server: BoundedMap::new(c.max_tracked),
            per_account: BoundedMap::new(c.max_tracked),
            inferred: BoundedMap::new(c.max_tracked),
        }
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.login_flood.clone();
    }

    pub fn usage(&self) -> (usize, u64) {
        (
            self.per_source.len()
                + self.per_server.len()
                + self.per_account.len()
                + self.inferred.len(),
            self.per_source.evicted
                + self.per_server.evicted
                + self.per_account.evicted
                + self.inferred.evicted,
        )
    }

    pub fn login(
        &mut self,
        e: &LoginEvent,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        if !self.cfg.enabled || self.cfg.allow.contains(e.client) {
            return;
        }
        let proto = e.attempt.protocol.as_str();
        let key: SrcKey = (e.client, e.server, e.server_port, proto);
        match e.attempt.outcome {
            Outcome::Failure => {}
            Outcome::Success => {
                // A success ends nothing, but after a flood it is the news.
                if let Some(t) = self.per_source.get_mut(&key) {
                    t.successes += 1;
                    if t.c.is_open() && !t.success_reported {
                        t.success_reported = true;
                        let mut a = src_anomaly(&key, t, EpisodeState::Update, e.ts, &self.cfg, s);
                        a.evidence
                            .insert("success_after_failures".into(), Value::Bool(true));
                        if let Some(acc) = &e.attempt.account {
                            a.evidence
                                .insert("success_account".into(), Value::String(acc.clone()));
                        }
                        out.push(a);
                    }
                }
                return;
            }
            Outcome::Unknown => return,
        }
        let account = e.attempt.account.as_deref().map(normalise_account);

        // source → service
        let cfg = &self.cfg;
        let (t, evicted) = self.per_source.entry(
            key,
            || SrcTracker {
                c: Counting::new(e.ts),
                reasons: CappedSet::new(),
                successes: 0,
                success_reported: false,
                inferred: false,
            },
            |t| t.c.is_open(),
        );
        if t.c.begin(e.ts, cfg.window_secs) {
            t.reasons = CappedSet::new();
            t.successes = 0;
            t.success_reported = false;
        }
        let w = cfg.window_secs;
        t.c.add(e.ts, w);
        t.inferred |= e.attempt.inferred;
        if let Some(a) = &account {
            t.c.add_value(a.clone(), e.ts, w, s.max_distinct, s.evidence_list);
        }
        t.reasons.insert(e.attempt.reason.clone(), 64, 8);
        if let Some(state) = t.c.judge_count(cfg.threshold(proto), s.update_factor, ids) {
            out.push(src_anomaly(&key, t, state, e.ts, cfg, s));
        }
        end_evicted(
            evicted,
            |t| t.c.is_open(),
            |k, t| src_anomaly(k, t, EpisodeState::End, e.ts, cfg, s),
            out,
        );

        // service, from many sources
        let skey: SrvKey = (e.server, e.server_port, proto);
        let (t, evicted) = self
            .per_server
            .entry(skey, || dist_new(e.ts), |t| t.c.is_open());
        dist_count(t, e, account.as_deref(), cfg, s);
        if let Some(state) = t.c.judge_distinct(cfg.server_sources, s.update_factor, ids) {
            out.push(server_anomaly(&skey, t, state, e.ts, cfg, s));
        }
        end_evicted(
            evicted,
            |t| t.c.is_open(),
            |k, t| server_anomaly(k, t, EpisodeState::End, e.ts, cfg, s),
            out,
        );

        // account, from many sources
        if let Some(acc) = account.filter(|a| !a.is_empty()) {
            let (t, evicted) =
                self.per_account
                    .entry(acc.clone(), || dist_new(e.ts), |t| t.c.is_open());
            dist_count(t, e, None, cfg, s);
            if let Some(state) =
                t.c.judge_distinct(cfg.account_sources, s.update_factor, ids)
            {
                out.push(account_anomaly(&acc, t, state, e.ts, cfg, s));
            }
            end_evicted(
                evicted,
                |t| t.c.is_open(),
                |k, t| account_anomaly(k, t, EpisodeState::End, e.ts, cfg, s),
                out,
            );
        }
    }

    /// Inferred failures from finished SSH/RDP sessions.
    pub fn session(
        &mut self,
        e: &SessionEvent,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        let cfg = &self.cfg;
        let inf = &cfg.inferred;
        if !cfg.enabled || !inf.enabled || cfg.allow.contains(e.client) {
            return;
        }
        let Some(proto) = e.app_proto.filter(|p| inf.protocols.iter().any(|q| q == p)) else {
            return;
        };
        if !looks_like_failed_attempt(e, inf) {
            return;
        }
        let key: SrcKey = (e.client, e.server, e.server_port, proto);
        let (t, evicted) = self.inferred.entry(
            key,
            || InferredTracker {
                c: Counting::new(e.ts),
                reference: e.bytes_toclient,
                min: e.bytes_toclient,
                max: e.bytes_toclient,
                unlike: 0,
            },
            |t| t.c.is_open(),
        );
        if t.c.begin(e.ts, cfg.window_secs) {
            t.reference = e.bytes_toclient;
            t.min = e.bytes_toclient;
            t.max = e.bytes_toclient;
            t.unlike = 0;
        }
        t.c.window.touch(e.end);
        let tolerance = (t.reference as f64 * inf.size_tolerance) as u64;
        if e.bytes_toclient.abs_diff(t.reference) > tolerance {
            t.unlike += 1;
        } else {
            t.c.add(e.ts, cfg.window_secs);
            t.min = t.min.min(e.bytes_toclient);
            t.max = t.max.max(e.bytes_toclient);
            if let Some(state) = t.c.judge_count(inf.threshold, s.update_factor, ids) {
                out.push(inferred_anomaly(&key, t, state, e.end, cfg, s));
            }
        }
        end_evicted(
            evicted,
            |t| t.c.is_open(),
            |k, t| inferred_anomaly(k, t, EpisodeState::End, e.end, cfg, s),
            out,
        );
    }

    pub fn sweep(
        &mut self,
        now: crate::time::Timestamp,
        force: bool,
        s: &CorrelatorSettings,
        out: &mut Vec<Anomaly>,
    ) {
        let cfg = &self.cfg;
        let (w, dw, q) = (cfg.window_secs, cfg.distributed_window_secs, cfg.quiet_secs);
        sweep_trackers(
            &mut self.per_source,
            |t| t.c.verdict(now, force, w, q),
            |k, t| src_anomaly(k, t, EpisodeState::End, now, cfg, s),
            out,
        );
        sweep_trackers(
            &mut self.per_server,
            |t| t.c.verdict(now, force, dw, q),
            |k, t| server_anomaly(k, t, EpisodeState::End, now, cfg, s),
            out,
        );
        sweep_trackers(
            &mut self.per_account,
            |t| t.c.verdict(now, force, dw, q),
            |k, t| account_anomaly(k, t, EpisodeState::End, now, cfg, s),
            out,
        );
        sweep_trackers(
            &mut self.inferred,
            |t| t.c.verdict(now, force, w, q),
            |k, t| inferred_anomaly(k, t, EpisodeState::End, now, cfg, s),
            out,
        );
    }
}

/// A session that reached authentication (both sides sent a key exchange's
/// worth), was short, and carried no more than a failed attempt does.
fn looks_like_failed_attempt(e: &SessionEvent, inf: &InferredConfig) -> bool {
    e.established
        && e.end.micros_since(e.ts) <= inf.max_duration_secs.saturating_mul(1_000_000)
        && e.bytes_toclient >= inf.min_bytes_toclient
        && e.bytes_toclient <= inf.max_bytes_toclient
        && e.bytes_toserver <= inf.max_bytes_toserver
}

fn dist_new(ts: crate::time::Timestamp) -> DistTracker {
    DistTracker {
        c: Counting::new(ts),
        accounts: CappedSet::new(),
        servers: CappedSet::new(),
        protocols: CappedSet::new(),
    }
}

fn dist_count(
    t: &mut DistTracker,
    e: &LoginEvent,
    account: Option<&str>,
    cfg: &LoginFloodConfig,
    s: &CorrelatorSettings,
) {
    if t.c.begin(e.ts, cfg.distributed_window_secs) {
        t.accounts = CappedSet::new();
        t.servers = CappedSet::new();
        t.protocols = CappedSet::new();
    }
    let w = cfg.distributed_window_secs;
    t.c.add(e.ts, w);
    t.c.add_value(e.client, e.ts, w, s.max_distinct, s.evidence_list);
    if let Some(a) = account {
        t.accounts
            .insert(a.to_string(), s.max_distinct, s.evidence_list);
    }
    t.servers.insert(e.server, s.max_distinct, s.evidence_list);
    t.protocols
        .insert(e.attempt.protocol.as_str(), 32, s.evidence_list);
}

fn base(
    sig: &SigInfo,
    state: EpisodeState,
    episode: u64,
    ts: crate::time::Timestamp,
    window_secs: u64,
    c_window: &super::track::Window,
) -> Anomaly {
    let mut a = Anomaly::new(sig, state, episode, ts);
    a.evidence
        .insert("window_secs".into(), Value::from(window_secs));
    c_window.evidence(&mut a.evidence);
    if state == EpisodeState::End {
        a.evidence
            .insert("end_reason".into(), Value::String("quiet".into()));
    }
    a
}

/// What the alerts of one client failing against one service share (the
/// counted and the inferred form): the window, the protocol in the
/// signature, both ends, `form` and `protocol` in the evidence.
fn source_base<T: std::hash::Hash + Eq + Clone>(
    sig: &SigInfo,
    k: &SrcKey,
    c: &Counting<T>,
    state: EpisodeState,
    ts: crate::time::Timestamp,
    cfg: &LoginFloodConfig,
) -> Anomaly {
    let (client, server, port, proto) = *k;
    let mut a = base(sig, state, c.episode_id(), ts, cfg.window_secs, &c.window);
    a.signature = format!("{} ({proto})", a.signature);
    a.src_ip = Some(client);
    a.dest_ip = Some(server);
    a.dest_port = Some(port);
    a.app_proto = Some(proto);
    a.evidence.insert("form".into(), "source".into());
    a.evidence.insert("protocol".into(), proto.into());
    a
}

fn src_anomaly(
    k: &SrcKey,
    t: &SrcTracker,
    state: EpisodeState,
    ts: crate::time::Timestamp,
    cfg: &LoginFloodConfig,
    _s: &CorrelatorSettings,
) -> Anomaly {
    let proto = k.3;
    let mut a = source_base(&sids::LOGIN_FLOOD, k, &t.c, state, ts, cfg);
    // Kerberos and RADIUS run over UDP or TCP; the event does not say which.
    a.proto = if matches!(proto, "krb5" | "radius") {
        None
    } else {
        proto_name(6)
    };
    let ev: &mut Map<String, Value> = &mut a.evidence;
    ev.insert("failures".into(), t.c.count.into());
    ev.insert("threshold".into(), cfg.threshold(proto).into());
    ev.insert("accounts".into(), list(t.c.distinct.sample()));
    ev.insert(
        "distinct_accounts".into(),
        (t.c.distinct.len() as u64).into(),
    );
    ev.insert("accounts_capped".into(), t.c.distinct.saturated().into());
    ev.insert("reasons".into(), list(t.reasons.sample()));
    ev.insert("successes".into(), t.successes.into());
    ev.insert("inferred".into(), t.inferred.into());
    a
}

fn server_anomaly(
    k: &SrvKey,
    t: &DistTracker,
    state: EpisodeState,
    ts: crate::time::Timestamp,
    cfg: &LoginFloodConfig,
    _s: &CorrelatorSettings,
) -> Anomaly {
    let (server, port, proto) = *k;
    let mut a = base(
        &sids::LOGIN_FLOOD_SERVER,
        state,
        t.c.episode_id(),
        ts,
        cfg.distributed_window_secs,
        &t.c.window,
    );
    a.signature = format!("{} ({proto})", a.signature);
    a.dest_ip = Some(server);
    a.dest_port = Some(port);
    a.app_proto = Some(proto);
    dist_evidence(&mut a.evidence, t, "service", cfg.server_sources);
    a.evidence.insert("protocol".into(), proto.into());
    a
}

fn account_anomaly(
    k: &str,
    t: &DistTracker,
    state: EpisodeState,
    ts: crate::time::Timestamp,
    cfg: &LoginFloodConfig,
    _s: &CorrelatorSettings,
) -> Anomaly {
    let mut a = base(
        &sids::LOGIN_FLOOD_ACCOUNT,
        state,
        t.c.episode_id(),
        ts,
        cfg.distributed_window_secs,
        &t.c.window,
    );
    if t.servers.len() == 1 {
        a.dest_ip = t.servers.sample().first().copied();
    }
    if t.protocols.len() == 1 {
        a.app_proto = t.protocols.sample().first().copied();
    }
    dist_evidence(&mut a.evidence, t, "account", cfg.account_sources);
    a.evidence.insert("account".into(), k.into());
    a.evidence
        .insert("protocols".into(), list(t.protocols.sample()));
    a.evidence
        .insert("servers".into(), list(t.servers.sample()));
    a
}

fn dist_evidence(ev: &mut Map<String, Value>, t: &DistTracker, form: &str, threshold: u64) {
    ev.insert("form".into(), form.into());
    ev.insert("failures".into(), t.c.count.into());
    ev.insert(
        "distinct_sources".into(),
        (t.c.distinct.len() as u64).into(),
    );
    ev.insert("sources_capped".into(), t.c.distinct.saturated().into());
    ev.insert("threshold".into(), threshold.into());
    ev.insert("sources".into(), list(t.c.distinct.sample()));
    ev.insert("accounts".into(), list(t.accounts.sample()));
    ev.insert("distinct_accounts".into(), (t.accounts.len() as u64).into());
}

fn inferred_anomaly(
    k: &SrcKey,
    t: &InferredTracker,
    state: EpisodeState,
    ts: crate::time::Timestamp,
    cfg: &LoginFloodConfig,
    _s: &CorrelatorSettings,
) -> Anomaly {
    let mut a = source_base(&sids::LOGIN_FLOOD_INFERRED, k, &t.c, state, ts, cfg);
    a.proto = Some("TCP");
    let ev = &mut a.evidence;
    ev.insert("inferred".into(), true.into());
    ev.insert(
        "basis".into(),
        "short sessions of similar size ending right after authentication; \
         the outcome itself is encrypted"
            .into(),
    );
    ev.insert("sessions".into(), t.c.count.into());
    ev.insert("threshold".into(), cfg.inferred.threshold.into());
    ev.insert("bytes_toclient_min".into(), t.min.into());
    ev.insert("bytes_toclient_max".into(), t.max.into());
    ev.insert("unlike_sessions".into(), t.unlike.into());
    a
}
