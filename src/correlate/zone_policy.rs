//! `zone-policy`: flows between named zones that the policy does not allow.
//!
//! Zones are named sets of networks (`contractor-vpn`, `ehr`,
//! `medical-devices`, `internet` = `0.0.0.0/0`); an address belongs to the
//! zone of its longest matching prefix, so `internet` can be everything not
//! listed more precisely. Allowed flows name a client zone, a server zone and
//! services (`tcp/443`, `udp/53`, `icmp`, `any`). Every connection attempt
//! whose client and server are in two different listed zones and that no
//! entry allows raises an alert — attempted or completed: the catering
//! contractor's VPN subnet *trying* SMB toward the medical-records servers
//! is the news. Flows inside one zone are judged only with `intra_zone`.
//!
//! One episode per (client, server, transport, port); later attempts are
//! counted. Evidence: `from_zone`, `to_zone`, `service`, `attempts`,
//! `established`, `outcomes`, `allowed_services` (what the policy allows
//! between these zones), `first_seen`, `last_seen`, `duration_secs`.

use std::net::IpAddr;

use super::config::{CorrelatorSettings, DetectorsConfig, ServiceList, ZonePolicyConfig};
use super::track::{BoundedMap, Counting, end_evicted, sweep_trackers};
use super::{Anomaly, ConnEvent, ConnOutcome, EpisodeIds, EpisodeState, list, proto_name, sids};
use crate::rules::ir::IpNet;
use crate::time::Timestamp;

#[derive(Debug)]
struct ZoneTracker {
    c: Counting<&'static str>,
    established: u64,
    from: usize,
    to: usize,
}

type Key = (IpAddr, IpAddr, u8, u16);

pub(crate) struct ZonePolicy {
    cfg: ZonePolicyConfig,
    /// (network, zone index), longest prefix first.
    nets: Vec<(IpNet, usize)>,
    map: BoundedMap<Key, ZoneTracker>,
}

impl ZonePolicy {
    pub fn new(cfg: &DetectorsConfig) -> Self {
        let z = &cfg.zone_policy;
        let mut nets: Vec<(IpNet, usize)> = z
            .zones
            .iter()
            .enumerate()
            .flat_map(|(i, zone)| zone.networks.0.iter().map(move |n| (*n, i)))
            .collect();
        nets.sort_by_key(|n| std::cmp::Reverse(n.0.prefix));
        ZonePolicy {
            cfg: z.clone(),
            nets,
            map: BoundedMap::new(z.max_tracked),
        }
    }

    /// New settings of the same shape (windows, caps unchanged): the
    /// running state is kept.
    pub fn set_config(&mut self, cfg: &DetectorsConfig) {
        self.cfg = cfg.zone_policy.clone();
    }

    pub fn usage(&self) -> (usize, u64) {
        (self.map.len(), self.map.evicted)
    }

    fn zone_of(&self, ip: IpAddr) -> Option<usize> {
        self.nets
            .iter()
            .find(|(n, _)| n.contains(ip))
            .map(|(_, i)| *i)
    }

    fn allowed(&self, from: usize, to: usize, ip_proto: u8, port: u16) -> bool {
        let (Some(f), Some(t)) = (self.cfg.zones.get(from), self.cfg.zones.get(to)) else {
            return false;
        };
        self.cfg
            .flows
            .iter()
            .any(|fl| fl.from == f.name && fl.to == t.name && fl.services.matches(ip_proto, port))
    }

    pub fn conn(
        &mut self,
        e: &ConnEvent,
        s: &CorrelatorSettings,
        ids: &mut EpisodeIds,
        out: &mut Vec<Anomaly>,
    ) {
        if !self.cfg.enabled || self.nets.is_empty() || self.cfg.allow.contains(e.client) {
            return;
        }
        let (Some(from), Some(to)) = (self.zone_of(e.client), self.zone_of(e.server)) else {
            return;
        };
        if (from == to && !self.cfg.intra_zone) || self.allowed(from, to, e.ip_proto, e.server_port)
        {
            return;
        }
        let key = (e.client, e.server, e.ip_proto, e.server_port);
        let cfg = &self.cfg;
        let (t, evicted) = self.map.entry(
            key,
            || ZoneTracker {
                c: Counting::new(e.ts),
                established: 0,
                from,
                to,
            },
            |t| t.c.is_open(),
        );
        let q = cfg.quiet_secs;
        t.c.begin(e.ts, q);
        t.c.add(e.ts, q);
        if e.outcome == ConnOutcome::Established || !e.outcome.failed() {
            t.established += 1;
        }
        t.c.add_value(e.outcome.as_str(), e.ts, q, 16, 16);
        let measure = t.c.count;
        if let Some(state) = t.c.judge(measure, measure, 1, s.update_factor, ids) {
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
        let q = cfg.quiet_secs;
        sweep_trackers(
            &mut self.map,
            |t| t.c.verdict(now, force, q, q),
            |k, t| anomaly(k, t, EpisodeState::End, now, cfg),
            out,
        );
    }
}

fn service_text(ip_proto: u8, port: u16) -> String {
    match ip_proto {
        6 => format!("tcp/{port}"),
        17 => format!("udp/{port}"),
        1 | 58 => "icmp".to_string(),
        p => format!("ip-proto-{p}"),
    }
}

fn anomaly(
    k: &Key,
    t: &ZoneTracker,
    state: EpisodeState,
    ts: Timestamp,
    cfg: &ZonePolicyConfig,
) -> Anomaly {
    let (client, server, ip_proto, port) = *k;
    let name = |i: usize| cfg.zones.get(i).map_or("?", |z| z.name.as_str());
    let (from, to) = (name(t.from), name(t.to));
    let mut a = Anomaly::new(&sids::ZONE_POLICY, state, t.c.episode_id(), ts);
    let service = service_text(ip_proto, port);
    a.signature = format!("{} ({from} -> {to} {service})", a.signature);
    a.src_ip = Some(client);
    a.dest_ip = Some(server);
    a.dest_port = (ip_proto == 6 || ip_proto == 17).then_some(port);
    a.proto = proto_name(ip_proto);
    let allowed: Vec<String> = cfg
        .flows
        .iter()
        .filter(|f| f.from == from && f.to == to)
        .flat_map(|f| services(&f.services))
        .collect();
    let ev = &mut a.evidence;
    ev.insert("from_zone".into(), from.into());
    ev.insert("to_zone".into(), to.into());
    ev.insert("service".into(), service.into());
    ev.insert("attempts".into(), t.c.count.into());
    ev.insert("established".into(), t.established.into());
    ev.insert("outcomes".into(), list(t.c.distinct.sample()));
    ev.insert("allowed_services".into(), list(&allowed));
    t.c.window.evidence(ev);
    if state == EpisodeState::End {
        ev.insert("end_reason".into(), "quiet".into());
    }
    a
}

fn services(l: &ServiceList) -> Vec<String> {
    l.0.iter().map(ToString::to_string).collect()
}
