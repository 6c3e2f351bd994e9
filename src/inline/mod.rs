//! Inline (IPS) mode: what happens to a packet that waits for a verdict.
//!
//! The pipeline is the same as for a mirror port; only the ends differ. An
//! NFQUEUE source ([`crate::capture::NfqSource`]) hands each packet to a
//! worker with a [`VerdictId`]; the worker's [`crate::inspect::Inspector`]
//! turns the actions of the rules that matched into a [`Decision`]; the worker
//! then calls [`Inline::answer`], which applies the safety settings and sends
//! the kernel its verdict on the queue's socket, from the worker thread, so a
//! packet never waits behind another worker's flows.
//!
//! - `drop`: the packet is dropped, and so is every later packet of its flow
//!   (the inspector remembers the flow until it ends).
//! - `reject`: the same, plus TCP resets to both ends, or an ICMP
//!   "administratively prohibited" to the sender for other protocols
//!   ([`reject`]).
//! - `pass`: the packet and the rest of that inspection are exempt.
//! - `alert`: accepted.
//!
//! Safety first, for a hospital network:
//!
//! - the **allow-list** (`inline.allow`): a flow with an address in it is never
//!   blocked, whatever rule matched; its alerts say `allowed`.
//! - **dry run** (`inline.dry_run`): every packet is accepted; alerts of
//!   `drop`/`reject` rules say `"action":"allowed"` with `"would_block":true`,
//!   and the `inline.would_drop` / `inline.would_reject` counters show what
//!   would have been stopped.
//! - **overload**: when a worker queue is full the packet cannot be inspected
//!   in time; with `fail_open` (the default) it is accepted uninspected and
//!   counted in `inline.bypassed`, otherwise dropped (`inline.overload_dropped`).
//!   The kernel side of the same choice is the queue's fail-open flag (queue
//!   full) and the iptables `--queue-bypass` option (no program bound).
//!
//! **Thresholds.** The verdict is decided on the worker, when the packet is
//! inspected. A `drop`/`reject` rule drops the packets it matches even when a
//! `threshold` or `suppress` later keeps its alert out of the log (the output
//! thread decides those, in capture order, after the packet is gone). A
//! `rate_filter` whose `new_action` is `drop` cannot drop inline for the same
//! reason: the alert it produces says `drop` but the packet was accepted; use
//! a `drop` rule for what must be stopped.

pub mod block;
pub mod mirror;
pub mod reject;

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::capture::{CaptureError, NfqOptions, NfqSource, NfqVerdicts, Verdict, VerdictId};
use crate::correlate::NetList;
use crate::stats::Snapshot;
use crate::time::Timestamp;

use reject::{RawSender, responses_for};

/// What inspection decided for one packet, weakest first: the strongest
/// action of the rules it matched wins.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    /// Let it through.
    #[default]
    Accept,
    /// Drop it (and the rest of its flow).
    Drop,
    /// Drop it and tell both ends.
    Reject,
}

/// The `[inline]` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineConfig {
    /// Accept packets that cannot be inspected in time (default), or drop them.
    pub fail_open: bool,
    /// Accept everything; only log and count what would have been blocked.
    pub dry_run: bool,
    /// Networks never blocked.
    pub allow: NetList,
    /// Packets the kernel queue holds.
    pub queue_maxlen: u32,
}

impl Default for InlineConfig {
    fn default() -> Self {
        InlineConfig {
            fail_open: true,
            dry_run: false,
            allow: NetList::default(),
            queue_maxlen: 4096,
        }
    }
}

macro_rules! inline_counters {
    ($($field:ident => $label:literal),* $(,)?) => {
        /// Verdict counters, shared by the workers (one relaxed atomic add per
        /// packet: the verdict is a syscall anyway).
        #[derive(Debug, Default)]
        struct Counters {
            $($field: AtomicU64,)*
        }

        impl Counters {
            fn publish(&self, s: &mut Snapshot) {
                $(s.set($label, self.$field.load(Ordering::Relaxed));)*
            }
        }
    };
}

inline_counters! {
    accepted => "inline.accepted",
    dropped => "inline.dropped",
    rejected => "inline.rejected",
    bypassed => "inline.bypassed",
    overload_dropped => "inline.overload_dropped",
    would_drop => "inline.would_drop",
    would_reject => "inline.would_reject",
    allowlisted => "inline.allowlisted",
    rst_sent => "inline.rst_sent",
    icmp_sent => "inline.icmp_unreachable_sent",
    response_errors => "inline.response_errors",
    verdict_errors => "inline.verdict_errors",
    socket_overruns => "inline.socket_overruns",
    source_blocked => "inline.source_blocked",
    sources_blocked => "inline.blocks",
    mirror_rst_sent => "response.rst_sent",
    mirror_errors => "response.errors",
}

/// The inline state shared by the capture thread and the workers.
#[derive(Debug)]
pub struct Inline {
    config: InlineConfig,
    verdicts: Option<NfqVerdicts>,
    responder: Option<RawSender>,
    counters: Counters,
    /// Sources blocked by detectors ([`block`]).
    sources: block::SourceBlocks,
    /// Mirror-port sensors: where `reject` resets go ([`mirror`]). Such an
    /// `Inline` gives no verdicts and blocks nothing.
    mirror: Option<mirror::MirrorResponder>,
}

impl Inline {
    /// Inline state answering on `verdicts` (`None`: decisions are only
    /// counted, as in tests). Opens the raw sockets that send resets; without
    /// them (no CAP_NET_RAW) `reject` only drops, with a warning.
    pub fn new(config: InlineConfig, verdicts: Option<NfqVerdicts>) -> Self {
        let responder = match RawSender::open() {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(error = %e, "cannot open raw sockets: reject rules will drop without sending resets");
                None
            }
        };
        Inline {
            config,
            verdicts,
            responder,
            counters: Counters::default(),
            sources: block::SourceBlocks::default(),
            mirror: None,
        }
    }

    /// A mirror-port sensor's active response: resets for `reject` rules
    /// through `responder`; nothing is dropped or blocked.
    pub fn mirror(config: InlineConfig, responder: mirror::MirrorResponder) -> Self {
        Inline {
            config,
            verdicts: None,
            responder: None,
            counters: Counters::default(),
            sources: block::SourceBlocks::default(),
            mirror: Some(responder),
        }
    }

    /// True for an inline sensor (packets wait for verdicts), false for a
    /// mirror port's active response.
    pub fn is_inline(&self) -> bool {
        self.mirror.is_none()
    }

    /// Mirror port: resets the connection of `frame` when a `reject` rule
    /// matched it (not in dry run).
    pub fn respond_mirror(&self, decision: Decision, link: crate::decode::LinkType, frame: &[u8]) {
        let Some(m) = &self.mirror else {
            return;
        };
        if decision != Decision::Reject {
            return;
        }
        if self.config.dry_run {
            self.counters.would_reject.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match m.reset(link, frame) {
            Ok(n) => {
                self.counters
                    .mirror_rst_sent
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(e) => {
                self.counters.mirror_errors.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(error = %e, "reset not sent");
            }
        }
    }

    /// True when a flow between `a` and `b` must never be blocked.
    pub fn exempt(&self, a: IpAddr, b: IpAddr) -> bool {
        let exempt = self.config.allow.contains(a) || self.config.allow.contains(b);
        if exempt {
            self.counters.allowlisted.fetch_add(1, Ordering::Relaxed);
        }
        exempt
    }

    /// Dry run: nothing is blocked.
    pub fn dry_run(&self) -> bool {
        self.config.dry_run
    }

    /// Blocks every packet from or to `ip` until packet time `until`.
    pub fn block_source(&self, ip: IpAddr, until: Timestamp, now: Timestamp) {
        self.counters
            .sources_blocked
            .fetch_add(1, Ordering::Relaxed);
        self.sources.block(ip, until, now);
    }

    /// Answers a packet the worker inspected at packet time `ts`.
    pub fn answer(&self, id: VerdictId, decision: Decision, packet: &[u8], ts: Timestamp) {
        let c = &self.counters;
        let mut decision = decision;
        if decision == Decision::Accept {
            if let Some((src, dst)) = ip_endpoints(packet) {
                if (self.sources.is_blocked(src, ts) || self.sources.is_blocked(dst, ts))
                    && !(self.config.allow.contains(src) || self.config.allow.contains(dst))
                {
                    c.source_blocked.fetch_add(1, Ordering::Relaxed);
                    decision = Decision::Drop;
                }
            }
        }
        let verdict = match (decision, self.config.dry_run) {
            (Decision::Accept, _) => {
                c.accepted.fetch_add(1, Ordering::Relaxed);
                Verdict::Accept
            }
            (Decision::Drop, true) => {
                c.would_drop.fetch_add(1, Ordering::Relaxed);
                Verdict::Accept
            }
            (Decision::Reject, true) => {
                c.would_reject.fetch_add(1, Ordering::Relaxed);
                Verdict::Accept
            }
            (Decision::Drop, false) => {
                c.dropped.fetch_add(1, Ordering::Relaxed);
                Verdict::Drop
            }
            (Decision::Reject, false) => {
                c.rejected.fetch_add(1, Ordering::Relaxed);
                Verdict::Drop
            }
        };
        self.send(id, verdict);
        if decision == Decision::Reject && !self.config.dry_run {
            self.respond(packet);
        }
    }

    /// Answers a packet no worker could take in time (its queue was full).
    pub fn overloaded(&self, id: VerdictId) {
        if self.config.fail_open {
            self.counters.bypassed.fetch_add(1, Ordering::Relaxed);
            self.send(id, Verdict::Accept);
        } else {
            self.counters
                .overload_dropped
                .fetch_add(1, Ordering::Relaxed);
            self.send(id, Verdict::Drop);
        }
    }

    /// The queue socket's buffer overflowed (the kernel dropped, or with
    /// fail-open passed, packets we never saw).
    pub fn count_socket_overrun(&self) {
        self.counters
            .socket_overruns
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Adds the `inline.*` counters to `s`.
    pub fn publish(&self, s: &mut Snapshot) {
        self.counters.publish(s);
    }

    fn send(&self, id: VerdictId, verdict: Verdict) {
        if let Some(v) = &self.verdicts {
            if let Err(e) = v.send(id, verdict) {
                // The kernel forgot the packet (queue unbound, id too old):
                // nothing more can be done for it.
                self.counters.verdict_errors.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(error = %e, queue = id.queue, "verdict not taken");
            }
        }
    }

    fn respond(&self, packet: &[u8]) {
        let Some(sender) = &self.responder else {
            return;
        };
        for r in responses_for(packet) {
            match sender.send(&r) {
                Ok(()) if r.is_rst => {
                    self.counters.rst_sent.fetch_add(1, Ordering::Relaxed);
                }
                Ok(()) => {
                    self.counters.icmp_sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    self.counters
                        .response_errors
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(error = %e, to = %r.to, "reject response not sent");
                }
            }
        }
    }
}

/// Source and destination of a bare IPv4/IPv6 packet.
pub(crate) fn ip_endpoints(packet: &[u8]) -> Option<(IpAddr, IpAddr)> {
    match packet.first()? >> 4 {
        4 => {
            let a: [u8; 4] = packet.get(12..16)?.try_into().ok()?;
            let b: [u8; 4] = packet.get(16..20)?.try_into().ok()?;
            Some((IpAddr::from(a), IpAddr::from(b)))
        }
        6 => {
            let a: [u8; 16] = packet.get(8..24)?.try_into().ok()?;
            let b: [u8; 16] = packet.get(24..40)?.try_into().ok()?;
            Some((IpAddr::from(a), IpAddr::from(b)))
        }
        _ => None,
    }
}

/// The active response of a mirror-port sensor, when `[response]
/// rst_interface` is set and the sensor is not inline.
pub fn mirror_response(config: &crate::config::Config) -> Option<std::sync::Arc<Inline>> {
    let iface = config.rst_interface.as_deref()?;
    match mirror::MirrorResponder::open(iface) {
        Ok(m) => {
            tracing::info!(
                interface = iface,
                "active response: reject rules reset connections"
            );
            Some(std::sync::Arc::new(Inline::mirror(
                config.inline.clone(),
                m,
            )))
        }
        Err(e) => {
            tracing::warn!(error = %e, "active response off");
            None
        }
    }
}

/// A passive source carrying a mirror port's active response
/// ([`mirror_response`]) to the pipeline.
pub struct WithInline {
    inner: Box<dyn crate::capture::PacketSource>,
    inline: std::sync::Arc<Inline>,
}

impl WithInline {
    /// `inner`, whose packets `inline` answers.
    pub fn new(
        inner: Box<dyn crate::capture::PacketSource>,
        inline: std::sync::Arc<Inline>,
    ) -> Self {
        WithInline { inner, inline }
    }
}

impl crate::capture::PacketSource for WithInline {
    fn kind(&self) -> crate::capture::SourceKind {
        self.inner.kind()
    }
    fn inline(&self) -> Option<std::sync::Arc<Inline>> {
        Some(std::sync::Arc::clone(&self.inline))
    }
    fn iface_names(&self) -> Vec<String> {
        self.inner.iface_names()
    }
    fn read(
        &mut self,
        max: usize,
        f: &mut dyn FnMut(crate::capture::RawPacket<'_>),
    ) -> Result<crate::capture::ReadStatus, CaptureError> {
        self.inner.read(max, f)
    }
    fn kernel_stats(&mut self) -> Option<crate::capture::KernelStats> {
        self.inner.kernel_stats()
    }
    fn take_warnings(&mut self) -> Vec<String> {
        self.inner.take_warnings()
    }
}

/// Opens the NFQUEUE source of `config.nfqueue` with its inline state.
pub fn open_nfqueue(config: &crate::config::Config) -> Result<NfqSource, CaptureError> {
    let mut source = NfqSource::open(&NfqOptions {
        queues: config.nfqueue.clone(),
        fail_open: config.inline.fail_open,
        queue_maxlen: config.inline.queue_maxlen,
    })?;
    let inline = Inline::new(config.inline.clone(), Some(source.verdicts()));
    source.set_inline(std::sync::Arc::new(inline));
    tracing::info!(
        queues = ?config.nfqueue,
        fail_open = config.inline.fail_open,
        dry_run = config.inline.dry_run,
        allow = config.inline.allow.0.len(),
        "inline mode: reading NFQUEUE"
    );
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(i: &Inline) -> Snapshot {
        let mut s = Snapshot::new();
        i.publish(&mut s);
        s
    }

    #[test]
    fn dry_run_accepts_and_counts_what_it_would_block() {
        let i = Inline::new(
            InlineConfig {
                dry_run: true,
                ..InlineConfig::default()
            },
            None,
        );
        let id = VerdictId {
            queue: 0,
            packet: 1,
        };
        i.answer(id, Decision::Drop, &[], Timestamp(0));
        i.answer(id, Decision::Reject, &[], Timestamp(0));
        i.answer(id, Decision::Accept, &[], Timestamp(0));
        let s = counters(&i);
        assert_eq!(s.get("inline.would_drop"), 1);
        assert_eq!(s.get("inline.would_reject"), 1);
        assert_eq!(s.get("inline.accepted"), 1);
        assert_eq!(s.get("inline.dropped") + s.get("inline.rejected"), 0);
    }

    #[test]
    fn overload_follows_fail_open() {
        let id = VerdictId {
            queue: 0,
            packet: 1,
        };
        let open = Inline::new(InlineConfig::default(), None);
        open.overloaded(id);
        assert_eq!(counters(&open).get("inline.bypassed"), 1);
        let closed = Inline::new(
            InlineConfig {
                fail_open: false,
                ..InlineConfig::default()
            },
            None,
        );
        closed.overloaded(id);
        let s = counters(&closed);
        assert_eq!(s.get("inline.overload_dropped"), 1);
        assert_eq!(s.get("inline.bypassed"), 0);
    }

    #[test]
    fn allow_list_matches_either_end() {
        let allow: NetList =
            serde_json::from_str(r#"["10.5.0.0/16", "fd00::1"]"#).expect("netlist");
        let i = Inline::new(
            InlineConfig {
                allow,
                ..InlineConfig::default()
            },
            None,
        );
        let (a, b, c) = (
            IpAddr::from([10, 5, 3, 4]),
            IpAddr::from([10, 6, 0, 1]),
            "fd00::1".parse().expect("v6"),
        );
        assert!(i.exempt(a, b));
        assert!(i.exempt(b, a));
        assert!(i.exempt(b, c));
        assert!(!i.exempt(b, b));
        assert_eq!(counters(&i).get("inline.allowlisted"), 3);
    }

    #[test]
    fn config_keys_parse_and_are_checked() {
        use crate::config::RawConfig;
        let path = std::path::Path::new("w.toml");
        let c = RawConfig::parse(
            "[capture]\nnfqueue = [0, 1]\n[inline]\nfail_open = false\ndry_run = true\n\
             allow = [\"10.1.0.0/16\"]\n[response]\nnft_set = \"inet ww blocked\"\n\
             rst_interface = \"eth1\"\n",
            path,
        )
        .and_then(RawConfig::validate)
        .expect("valid");
        assert_eq!(c.nfqueue, vec![0, 1]);
        assert!(!c.inline.fail_open && c.inline.dry_run);
        assert!(c.inline.allow.contains(IpAddr::from([10, 1, 2, 3])));
        assert_eq!(c.nft_set.map(|s| s.set), Some("blocked".to_string()));
        assert_eq!(c.rst_interface.as_deref(), Some("eth1"));
        let d = crate::config::Config::default();
        assert!(d.inline.fail_open && !d.inline.dry_run && d.nft_set.is_none());
        for (bad, key) in [
            (
                "[capture]\nnfqueue = [0]\ninterfaces = [\"eth0\"]\n",
                "capture.nfqueue",
            ),
            ("[inline]\nallow = [\"10.0.0.0/40\"]\n", "allow"),
            ("[response]\nnft_set = \"inet ww\"\n", "response.nft_set"),
            ("[inline]\nqueue_maxlen = 0\n", "inline.queue_maxlen"),
        ] {
            let err = RawConfig::parse(bad, path)
                .and_then(RawConfig::validate)
                .expect_err(bad)
                .to_string();
            assert!(err.contains(key), "{bad}: {err}");
        }
    }

    #[test]
    fn strongest_decision_wins() {
        assert!(Decision::Reject > Decision::Drop && Decision::Drop > Decision::Accept);
        assert_eq!(Decision::Drop.max(Decision::Accept), Decision::Drop);
    }
}
