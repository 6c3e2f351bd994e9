//! Blocking from the behavioural detectors: a detector with
//! `block = { minutes = N }` in `detectors.toml` has the acting source of each
//! episode (the host flooding logins, scanning, spraying) blocked for N
//! minutes, counted from the packet time of the alert.
//!
//! Two ways, both optional:
//!
//! - **inline**: the NFQUEUE source drops every packet from or to a blocked
//!   address ([`SourceBlocks`], checked by [`super::Inline::answer`] against
//!   the packet's time, so the block ends after N minutes of traffic time);
//! - **nftables** (any sensor, e.g. on a mirror port next to a Linux
//!   firewall): `nft add element <set> { ADDR timeout Ns }` into a set the
//!   firewall's rules drop (`[response] nft_set`); the kernel removes the
//!   element when the timeout runs out.
//!
//! The allow-list (`[inline] allow`) always wins, and in dry run nothing is
//! blocked: the log says `would block`. Detectors run on the output thread, so
//! a block applies to the packets inspected after the alert.

use std::collections::HashMap;
use std::net::IpAddr;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use crate::correlate::{Anomaly, DetectorsConfig, EpisodeState, NetList};
use crate::time::Timestamp;

use super::Inline;

/// Addresses blocked until a packet time, shared by the output thread (which
/// adds) and the workers (which look up). The lookup takes a read lock only
/// when something is blocked at all.
#[derive(Debug, Default)]
pub struct SourceBlocks {
    until: RwLock<HashMap<IpAddr, Timestamp>>,
    len: AtomicUsize,
}

/// Blocked addresses kept at most: one entry per attacking host, so this
/// bounds what a spoofed flood could make us remember.
const MAX_BLOCKED: usize = 65_536;

impl SourceBlocks {
    /// Blocks `ip` until `until` (packet time); a longer block wins.
    pub fn block(&self, ip: IpAddr, until: Timestamp, now: Timestamp) {
        let mut map = self.until.write().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, u| *u > now);
        if map.len() >= MAX_BLOCKED && !map.contains_key(&ip) {
            return;
        }
        let e = map.entry(ip).or_insert(until);
        *e = (*e).max(until);
        self.len.store(map.len(), Ordering::Relaxed);
    }

    /// True when `ip` is blocked at packet time `now`.
    pub fn is_blocked(&self, ip: IpAddr, now: Timestamp) -> bool {
        if self.len.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let map = self.until.read().unwrap_or_else(|e| e.into_inner());
        map.get(&ip).is_some_and(|u| *u > now)
    }
}

/// Where blocks go for sensors that are not inline: an nftables set with
/// timeouts, named `family table set` (e.g. `inet wardwatch blocked`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftSet {
    /// `inet`, `ip` or `ip6`.
    pub family: String,
    /// Table name.
    pub table: String,
    /// Set name (`flags timeout`, type `ipv4_addr` or `ipv6_addr`).
    pub set: String,
}

impl NftSet {
    /// Parses `"family table set"`.
    pub fn parse(text: &str) -> Result<NftSet, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let ok = |w: &str| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        match parts[..] {
            [family, table, set]
                if matches!(family, "inet" | "ip" | "ip6") && ok(table) && ok(set) =>
            {
                Ok(NftSet {
                    family: family.into(),
                    table: table.into(),
                    set: set.into(),
                })
            }
            _ => Err(format!(
                "`{text}` is not an nftables set; write \"FAMILY TABLE SET\", e.g. \"inet wardwatch blocked\""
            )),
        }
    }

    /// `nft add element FAMILY TABLE SET { ADDR timeout Ns }`.
    fn add(&self, ip: IpAddr, secs: u64) -> Result<(), String> {
        let element = format!("{{ {ip} timeout {secs}s }}");
        let out = Command::new("nft")
            .args([
                "add",
                "element",
                &self.family,
                &self.table,
                &self.set,
                &element,
            ])
            .output()
            .map_err(|e| format!("cannot run nft: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
}

/// Applies detectors' block actions; lives on the output thread beside the
/// correlator.
#[derive(Debug)]
pub struct DetectorBlocks {
    detectors: DetectorsConfig,
    allow: NetList,
    dry_run: bool,
    inline: Option<Arc<Inline>>,
    nft: Option<NftSet>,
    /// Last block end per address in the nft set, so an episode's updates
    /// do not call `nft` again while the element is still there.
    nft_until: HashMap<IpAddr, Timestamp>,
    /// Blocks applied (inline or nft), for stats.
    pub applied: u64,
    /// nft calls that failed.
    pub errors: u64,
    /// Blocks not applied: dry run.
    pub would_block: u64,
    /// Blocks not applied: the source is on the allow-list.
    pub allowlisted: u64,
}

impl DetectorBlocks {
    /// Blocks as configured; `None` when no detector has a block action or
    /// there is nowhere to apply it (neither inline nor an nft set).
    pub fn new(
        detectors: &DetectorsConfig,
        config: &crate::config::Config,
        inline: Option<Arc<Inline>>,
    ) -> Option<Self> {
        use crate::correlate::Detector as D;
        let any = [D::LoginFlood, D::PasswordSpray, D::PortScan, D::HostSweep]
            .iter()
            .any(|d| detectors.block_for(*d).is_some());
        if !any || (inline.is_none() && config.nft_set.is_none()) {
            return None;
        }
        Some(DetectorBlocks {
            detectors: detectors.clone(),
            allow: config.inline.allow.clone(),
            dry_run: config.inline.dry_run,
            inline,
            nft: config.nft_set.clone(),
            nft_until: HashMap::new(),
            applied: 0,
            errors: 0,
            would_block: 0,
            allowlisted: 0,
        })
    }

    /// New detector settings (SIGHUP): block durations and switches follow
    /// them; blocks in force keep their expiry. (Whether blocks exist at all,
    /// and where they go — inline or the nftables set — is fixed at start.)
    pub fn set_detectors(&mut self, detectors: &DetectorsConfig) {
        self.detectors = detectors.clone();
    }

    /// Counters for `stats` events (`response.*`).
    pub fn counters(&self) -> Vec<(String, u64)> {
        [
            ("response.blocks", self.applied),
            ("response.block_errors", self.errors),
            ("response.would_block", self.would_block),
            ("response.block_allowlisted", self.allowlisted),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Blocks the source of `a` when its detector says so.
    pub fn apply(&mut self, a: &Anomaly) {
        if a.state == EpisodeState::End {
            return;
        }
        let (Some(ip), Some(block)) = (a.src_ip, self.detectors.block_for(a.detector)) else {
            return;
        };
        let detector = a.detector.as_str();
        let secs = block.secs();
        if self.allow.contains(ip) {
            self.allowlisted += 1;
            tracing::info!(%ip, detector, "not blocked: on the allow-list");
            return;
        }
        if self.dry_run {
            self.would_block += 1;
            tracing::warn!(%ip, detector, secs, "dry run: would block");
            return;
        }
        let until = a.timestamp.plus_secs(secs);
        if let Some(inline) = &self.inline {
            inline.block_source(ip, until, a.timestamp);
        }
        if let Some(nft) = &self.nft {
            let due = self.nft_until.get(&ip).is_none_or(|u| *u <= a.timestamp);
            if due {
                self.nft_until.retain(|_, u| *u > a.timestamp);
                match nft.add(ip, secs) {
                    Ok(()) => {
                        self.nft_until.insert(ip, until);
                    }
                    Err(e) => {
                        self.errors += 1;
                        tracing::warn!(%ip, error = %e, "nftables block failed");
                        return;
                    }
                }
            }
        }
        self.applied += 1;
        tracing::warn!(%ip, detector, secs, "source blocked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_ends_at_its_packet_time() {
        let b = SourceBlocks::default();
        let ip = IpAddr::from([10, 0, 0, 5]);
        let t0 = Timestamp(1_700_000_000_000_000);
        assert!(!b.is_blocked(ip, t0));
        b.block(ip, t0.plus_secs(3), t0);
        assert!(b.is_blocked(ip, t0.plus_secs(2)));
        assert!(!b.is_blocked(ip, t0.plus_secs(3)));
        assert!(!b.is_blocked(IpAddr::from([10, 0, 0, 6]), t0));
        // A shorter block does not cut a longer one short.
        b.block(ip, t0.plus_secs(1), t0);
        assert!(b.is_blocked(ip, t0.plus_secs(2)));
        // Expired entries go when the next block is added.
        b.block(
            IpAddr::from([10, 0, 0, 7]),
            t0.plus_secs(20),
            t0.plus_secs(10),
        );
        assert_eq!(b.len.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn nft_set_names_are_checked() {
        assert_eq!(
            NftSet::parse("inet wardwatch blocked"),
            Ok(NftSet {
                family: "inet".into(),
                table: "wardwatch".into(),
                set: "blocked".into()
            })
        );
        assert!(NftSet::parse("inet wardwatch").is_err());
        assert!(NftSet::parse("bridge t s").is_err());
        assert!(NftSet::parse("inet t s;reboot").is_err());
    }
}
