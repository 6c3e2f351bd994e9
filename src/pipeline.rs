//! The pipeline wired together: capture threads → worker threads → output.
//!
//! ```text
//!  source ──► capture thread ──batches (by symmetric hash)──► worker 0..N ──► output thread ──► EVE
//!                  │  Tick(now) to every worker each second        decode, defrag,
//!                  └─ of packet time (flow expiry)                  flows, streams
//! ```
//!
//! **Determinism.** Replay gives the same flows whatever the worker count:
//! both directions and all fragments of a conversation reach the same worker
//! ([`crate::decode::dispatch_hash`]); flows expire only on `Tick`s, which the
//! capture thread broadcasts at the same places in the packet sequence whatever
//! the worker count, and on the lazy per-packet expiry rule of the flow table;
//! replay never drops (a full worker queue makes the capture thread wait).
//! Live capture instead never waits: a full queue drops the batch and counts it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use crate::capture::{
    CaptureError, KernelStats, LiveSource, OfflineSource, PacketSource, RawPacket, ReadStatus,
    VerdictId,
};
use crate::config::Config;
use crate::daemon::health::{HealthMonitor, IfaceSample};
use crate::daemon::notify::Notifier;
use crate::decode::{Decoded, Decoder, DecoderCounters, DefragCounters, LinkType, dispatch_hash};
use crate::detect::ThresholdArbiter;
use crate::flow::{
    Direction, EndReason, Flow, FlowCounters, FlowHandler, FlowTable, PacketMeta, StreamEvent,
    TcpCounters,
};
use crate::inline::Inline;
use crate::inspect::Inspector;
use crate::output::eve::{EveOpenError, FlowEvent, StatsEvent};
use crate::output::{EveRecord, EveWriter, OutputError, OutputSender, Outputs};
use crate::signatures::{self, LoadedRules, RuleSlot, RulesError};
use crate::stats::{CounterSet, Snapshot};
use crate::time::Timestamp;

/// Seconds of packet time between the `Tick`s that expire idle flows.
const TICK_SECS: u64 = 1;

/// Builds one extra inspector per worker (the worker index is the argument).
/// Later stages — app-layer parsers, the signature engine — plug in here, and
/// tests use it to see exactly what the flow table delivers.
pub type InspectorFactory = Arc<dyn Fn(usize) -> Box<dyn FlowHandler + Send> + Send + Sync>;

/// Why the pipeline could not run.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A capture file or interface could not be opened.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The EVE file could not be opened.
    #[error(transparent)]
    Eve(#[from] EveOpenError),
    /// The rule set could not be loaded.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// A delivery sink (syslog, portal) could not start.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Nothing to capture from.
    #[error("no packet source: {0}")]
    NoSource(String),
    /// A thread could not be started.
    #[error("cannot start thread: {0}")]
    Thread(#[from] std::io::Error),
    /// The metrics endpoint could not listen.
    #[error("{0}")]
    Metrics(std::io::Error),
    /// Root could not be dropped as configured.
    #[error("{0}")]
    Privileges(String),
}

/// What a finished run did.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Final counters (the same as the last `stats` event).
    pub stats: Snapshot,
    /// Wall-clock time spent reading and inspecting the packets (until the
    /// last worker finished): what the throughput figures are over.
    pub wall: Duration,
    /// Wall-clock time then spent finishing the outputs (EVE flush, sinks
    /// draining within `drain_timeout`).
    pub drain: Duration,
    /// Worker threads used.
    pub workers: usize,
    /// Problems that did not stop the run (truncated files, read errors).
    pub warnings: Vec<String>,
    /// EVE lines written.
    pub eve_written: u64,
    /// The rule set that ran.
    pub rules: RulesInfo,
}

/// What the summary and `stats` say about the rule set.
#[derive(Clone, Debug, Default)]
pub struct RulesInfo {
    /// Rules loaded.
    pub loaded: usize,
    /// Rules that failed.
    pub failed: usize,
    /// Rules skipped as unsupported.
    pub skipped: usize,
    /// Parse + compile time.
    pub load_time: Duration,
    /// Hash of the rule text.
    pub fingerprint: String,
    /// Files (or the built-in name).
    pub files: Vec<String>,
    /// Reloads that took effect.
    pub reloads: u64,
    /// Reloads refused (the rule set in use stayed).
    pub reload_failures: u64,
    /// When this set was loaded (RFC 3339, wall clock).
    pub loaded_at: String,
}

impl RulesInfo {
    fn of(r: &LoadedRules) -> Self {
        RulesInfo {
            loaded: r.loaded,
            failed: r.failed,
            skipped: r.skipped,
            load_time: r.load_time,
            fingerprint: r.fingerprint.clone(),
            files: r.files.clone(),
            reloads: 0,
            reload_failures: 0,
            loaded_at: Timestamp::now().rfc3339(),
        }
    }

    /// `stats.detect.engines[0]`: the loaded rule set as Suricata reports
    /// it, plus what identifies it (files, a hash of their text, when and
    /// how fast it was loaded, reloads).
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!([{
            "id": 0,
            "rules_loaded": self.loaded,
            "rules_failed": self.failed,
            "rules_skipped": self.skipped,
            "fingerprint": self.fingerprint,
            "files": self.files,
            "load_time_ms": self.load_time.as_millis() as u64,
            "loaded_at": self.loaded_at,
            "reloads": self.reloads,
            "reload_failures": self.reload_failures,
        }])
    }
}

impl Summary {
    /// Packets read.
    pub fn packets(&self) -> u64 {
        self.stats.get("decoder.pkts")
    }

    /// Packets per second of wall time.
    pub fn packets_per_sec(&self) -> f64 {
        self.packets() as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// Megabits per second of wall time (bytes on the wire).
    pub fn mbits_per_sec(&self) -> f64 {
        self.stats.get("decoder.bytes") as f64 * 8.0 / 1e6 / self.wall.as_secs_f64().max(1e-9)
    }

    /// The short human summary `replay` prints.
    pub fn render(&self) -> String {
        let s = &self.stats;
        let r = &self.rules;
        let mut out = format!(
            "rules:   {} loaded, {} skipped (unsupported), {} failed in {:.2} s ({})\n",
            r.loaded,
            r.skipped,
            r.failed,
            r.load_time.as_secs_f64(),
            if r.files.len() == 1 {
                r.files[0].clone()
            } else {
                format!("{} files", r.files.len())
            },
        );
        out += &format!(
            "packets: {} ({} invalid, {} not IP)\nbytes:   {}\nflows:   {}\nalerts:  {}\n\
             time:    {:.3} s with {} worker{}: {:.0} packets/s, {:.1} Mbit/s (outputs finished {:.3} s later)\n",
            s.get("decoder.pkts"),
            s.get("decoder.invalid"),
            s.get("decoder.not_ip"),
            s.get("decoder.bytes"),
            s.get("flow.total"),
            s.get("detect.alert"),
            self.wall.as_secs_f64(),
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            self.packets_per_sec(),
            self.mbits_per_sec(),
            self.drain.as_secs_f64(),
        );
        for sink in ["syslog", "portal", "redis"] {
            let c = |n: &str| s.get(&format!("output.{sink}.{n}"));
            if s.iter()
                .any(|(k, _)| k.starts_with(&format!("output.{sink}.")))
            {
                out.push_str(&format!(
                    "{:<8} {} queued, {} delivered, {} retried, {} spooled, {} dropped",
                    format!("{sink}:"),
                    c("queued"),
                    c("delivered"),
                    c("retried"),
                    c("spooled"),
                    c("dropped"),
                ));
                if c("parked") > 0 {
                    out.push_str(&format!(", {} parked", c("parked")));
                }
                if c("spool_corrupt") > 0 {
                    out.push_str(&format!(", {} corrupt in spool", c("spool_corrupt")));
                }
                out.push('\n');
            }
        }
        let drops = s.get("capture.kernel_drops") + s.get("capture.queue_drops");
        if drops > 0 {
            out.push_str(&format!(
                "drops:   {} in the kernel, {} at full worker queues\n",
                s.get("capture.kernel_drops"),
                s.get("capture.queue_drops")
            ));
        }
        out
    }
}

/// Replays capture files through the whole pipeline, losing nothing.
pub fn replay(
    config: &Config,
    files: &[PathBuf],
    inspectors: Option<InspectorFactory>,
) -> Result<Summary, PipelineError> {
    if files.is_empty() {
        return Err(PipelineError::NoSource("no capture files given".into()));
    }
    let source = OfflineSource::open(files)?;
    let ifaces = source.iface_names();
    let rules = signatures::load(config)?;
    run(
        config,
        &rules,
        vec![Box::new(source)],
        ifaces,
        Mode::Replay,
        Arc::new(AtomicBool::new(false)),
        None,
        inspectors,
    )
}

/// What steers a live sensor: signals and systemd.
pub struct LiveControl {
    /// Set by SIGTERM/SIGINT: stop capturing, drain the queues, flush the
    /// outputs and the spool.
    pub shutdown: Arc<AtomicBool>,
    /// Set by SIGHUP: reload rules, thresholds, detector settings and
    /// indicator lists, reopen the log files.
    pub reload: Arc<AtomicBool>,
    /// Reads the configuration again for a reload (the same file and
    /// command-line overrides as at start).
    pub reconfigure: Box<dyn Fn() -> Result<Config, String> + Send>,
    /// systemd's notification socket, when started by systemd.
    pub notifier: Option<Notifier>,
}

impl LiveControl {
    /// Control by `shutdown` alone: no reloads, no systemd (tests, tools).
    pub fn with_shutdown(shutdown: Arc<AtomicBool>) -> Self {
        LiveControl {
            shutdown,
            reload: Arc::new(AtomicBool::new(false)),
            reconfigure: Box::new(|| Err("reload is not available here".into())),
            notifier: None,
        }
    }
}

/// Captures live on the configured interfaces until `control.shutdown` is
/// set. Started as root with `sensor.user` set, it becomes that user once the
/// interfaces are open.
pub fn run_live(
    config: &Config,
    control: LiveControl,
    inspectors: Option<InspectorFactory>,
) -> Result<Summary, PipelineError> {
    if config.interfaces.is_empty() && config.nfqueue.is_empty() {
        return Err(PipelineError::NoSource(
            "no interface configured; set capture.interfaces in the config or pass --interface \
             (or capture.nfqueue / --nfqueue for inline mode)"
                .into(),
        ));
    }
    let rules = signatures::load(config)?;
    log_rules(&rules, 0, "loaded");
    let mut sources: Vec<Box<dyn PacketSource>> = Vec::new();
    let mut ifaces = config.interfaces.clone();
    if !config.nfqueue.is_empty() {
        let source = crate::inline::open_nfqueue(config)?;
        ifaces = source.iface_names();
        sources.push(Box::new(source));
    }
    for (i, name) in config.interfaces.iter().enumerate() {
        let idx = u16::try_from(i).unwrap_or(u16::MAX);
        let live: Box<dyn PacketSource> = Box::new(LiveSource::open(name, idx, &config.live)?);
        // A mirror port's active response rides on its first source
        // (opened here, before privileges are dropped).
        let mirror = if i == 0 {
            crate::inline::mirror_response(config)
        } else {
            None
        };
        sources.push(match mirror {
            Some(m) => Box::new(crate::inline::WithInline::new(live, m)),
            None => live,
        });
        tracing::info!(interface = %name, "capture started");
    }
    // Before any thread starts: capabilities are per thread.
    let p = &config.privileges;
    match crate::daemon::privdrop::drop_privileges(&p.user, &p.group, &p.keep) {
        Ok(Some(d)) => tracing::info!(
            user = %p.user,
            uid = d.uid,
            gid = d.gid,
            kept = ?d.kept,
            "privileges dropped"
        ),
        Ok(None) => {}
        Err(e) => return Err(PipelineError::Privileges(e.to_string())),
    }
    run(
        config,
        &rules,
        sources,
        ifaces,
        Mode::Live,
        Arc::clone(&control.shutdown),
        Some(control),
        inspectors,
    )
}

/// The log line that proves which rule set runs (after a load or a reload).
fn log_rules(rules: &LoadedRules, generation: u64, what: &str) {
    tracing::info!(
        loaded = rules.loaded,
        skipped = rules.skipped,
        failed = rules.failed,
        fingerprint = %rules.fingerprint,
        files = ?rules.files,
        load_ms = rules.load_time.as_millis() as u64,
        generation,
        "rules {what}"
    );
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Mode {
    Replay,
    Live,
}

/// Packets copied out of the capture buffer, handed to one worker at once.
struct Batch {
    data: Vec<u8>,
    pkts: Vec<BatchPacket>,
}

struct BatchPacket {
    ts: Timestamp,
    /// Record number in the capture source, from 1.
    pcap_cnt: u64,
    link: LinkType,
    iface: u16,
    start: usize,
    len: usize,
    wire_len: u32,
    /// Inline: the verdict this packet waits for.
    verdict: Option<VerdictId>,
}

impl Batch {
    fn with_capacity(pkts: usize) -> Self {
        Batch {
            data: Vec::with_capacity(pkts * 1600),
            pkts: Vec::with_capacity(pkts),
        }
    }

    fn push(&mut self, p: &RawPacket<'_>, pcap_cnt: u64) {
        let start = self.data.len();
        self.data.extend_from_slice(p.data);
        self.pkts.push(BatchPacket {
            ts: p.ts,
            pcap_cnt,
            link: p.link,
            iface: p.iface,
            start,
            len: p.data.len(),
            wire_len: p.wire_len,
            verdict: p.verdict,
        });
    }

    fn clear(&mut self) {
        self.data.clear();
        self.pkts.clear();
    }
}

enum WorkerMsg {
    Batch(Batch),
    /// Packet time has reached this point: expire idle flows and fragments.
    /// The second field is the capture position (records read so far).
    Tick(Timestamp, u64),
}

/// Per-worker counters, published once per batch (never per packet) so the
/// stats loop can read them without touching the hot path.
#[derive(Clone, Copy, Debug, Default)]
struct WorkerCounters {
    decoder: DecoderCounters,
    defrag: DefragCounters,
    flow: FlowCounters,
    tcp: TcpCounters,
    stream_bytes: u64,
    alerts: u64,
    /// TCP SYNs and SYN-ACKs per interface index (`sensor-health`).
    iface_tcp: [[u64; 2]; MAX_IFACES],
}

impl CounterSet for WorkerCounters {
    fn visit(&self, f: &mut dyn FnMut(&'static str, u64)) {
        self.decoder.visit(f);
        self.defrag.visit(f);
        self.flow.visit(f);
        self.tcp.visit(f);
        f("tcp.reassembled_bytes", self.stream_bytes);
        f("detect.alert", self.alerts);
    }
}

#[derive(Default)]
struct Shared {
    workers: Vec<Mutex<WorkerCounters>>,
    /// Kernel counters per capture source (one interface each when live).
    kernel: Mutex<Vec<KernelStats>>,
    /// Per interface (or capture file).
    ifaces: Vec<IfaceCounters>,
    /// Packets dropped because a worker queue was full (live only).
    queue_drops: AtomicU64,
    /// Latest packet time read by any capture thread (µs).
    latest: AtomicU64,
    /// Inline mode: answers packets that wait for a verdict.
    inline: Option<Arc<Inline>>,
    /// Progress counters: capture threads first, then workers.
    heartbeats: Vec<AtomicU64>,
    /// The rule set running now.
    rules: Mutex<RulesInfo>,
}

/// Interfaces whose TCP handshake packets are counted for `sensor-health`.
const MAX_IFACES: usize = 16;

/// What the capture threads count per interface.
#[derive(Default)]
struct IfaceCounters {
    packets: AtomicU64,
    queue_drops: AtomicU64,
}

impl Shared {
    fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::new();
        for w in &self.workers {
            let c = *w.lock().unwrap_or_else(|e| e.into_inner());
            s.add_set(&c);
        }
        let kernel = self.kernel.lock().unwrap_or_else(|e| e.into_inner());
        s.add(
            "capture.kernel_packets",
            kernel.iter().map(|k| k.received).sum(),
        );
        s.add(
            "capture.kernel_drops",
            kernel.iter().map(|k| k.dropped).sum(),
        );
        s.add(
            "capture.kernel_ifdrops",
            kernel.iter().map(|k| k.if_dropped).sum(),
        );
        s.add(
            "capture.queue_drops",
            self.queue_drops.load(Ordering::Relaxed),
        );
        if let Some(inline) = &self.inline {
            inline.publish(&mut s);
        }
        s
    }

    /// Each interface's counters, for `stats`, `/metrics` and `sensor-health`.
    fn iface_samples(&self, names: &[String]) -> Vec<IfaceSample> {
        let kernel = self
            .kernel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut tcp = [[0u64; 2]; MAX_IFACES];
        for w in &self.workers {
            let c = w.lock().unwrap_or_else(|e| e.into_inner());
            for (t, w) in tcp.iter_mut().zip(c.iface_tcp.iter()) {
                t[0] += w[0];
                t[1] += w[1];
            }
        }
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let c = self.ifaces.get(i);
                IfaceSample {
                    name: name.clone(),
                    packets: c.map_or(0, |c| c.packets.load(Ordering::Relaxed)),
                    // Live sources have one interface each, in order.
                    kernel_drops: kernel.get(i).map_or(0, |k| k.dropped + k.if_dropped),
                    queue_drops: c.map_or(0, |c| c.queue_drops.load(Ordering::Relaxed)),
                    syn: tcp.get(i).map_or(0, |t| t[0]),
                    synack: tcp.get(i).map_or(0, |t| t[1]),
                }
            })
            .collect()
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    config: &Config,
    rules: &LoadedRules,
    sources: Vec<Box<dyn PacketSource>>,
    ifaces: Vec<String>,
    mode: Mode,
    shutdown: Arc<AtomicBool>,
    live: Option<LiveControl>,
    inspectors: Option<InspectorFactory>,
) -> Result<Summary, PipelineError> {
    let started = Instant::now();
    let nworkers = config.workers.max(1);
    let writer = match &config.eve_path {
        Some(p) => Some(EveWriter::open_with(p, config.eve.clone())?),
        None => None,
    };
    let sinks = crate::output::start_sinks(config)?;
    let inline = sources.iter().find_map(|s| s.inline());
    let correlator = config.detectors.clone().map(|d| {
        let blocks = crate::inline::block::DetectorBlocks::new(&d, config, inline.clone());
        let mut c = crate::correlate::Correlator::new(d);
        c.set_blocks(blocks);
        if let Err(e) = c.reload_indicators() {
            tracing::warn!(error = %e, "indicator lists not loaded; suspicious-destination checks nothing");
        }
        match crate::correlate::OuiTable::from_config(c.config()) {
            Ok(oui) => c.set_oui(oui),
            Err(e) => tracing::warn!(error = %e, "OUI table not loaded; devices get no vendor names"),
        }
        if let Some(p) = c.config().new_device.inventory_file.clone() {
            let path = c.config().resolve(&p);
            match crate::correlate::Inventory::load(&path) {
                Ok(inv) => c.set_inventory(inv),
                Err(e) => tracing::warn!(error = %e, "device inventory not loaded; starting a new one"),
            }
        }
        c
    });
    let correlate = correlator.is_some();
    let outputs = Outputs::start_full(
        writer,
        config.eve_types,
        nworkers,
        Some(ThresholdArbiter::new(&rules.set)),
        sinks,
        correlator,
    );
    let slot = Arc::new(RuleSlot::new(Arc::clone(&rules.set)));
    let ifaces = Arc::new(ifaces);
    let nsources = sources.len();
    let shared = Arc::new(Shared {
        workers: (0..nworkers)
            .map(|_| Mutex::new(WorkerCounters::default()))
            .collect(),
        kernel: Mutex::new(vec![KernelStats::default(); nsources]),
        inline,
        ifaces: (0..ifaces.len())
            .map(|_| IfaceCounters::default())
            .collect(),
        heartbeats: (0..nsources + nworkers)
            .map(|_| AtomicU64::new(0))
            .collect(),
        rules: Mutex::new(RulesInfo::of(rules)),
        ..Shared::default()
    });

    // Empty batches flow back from workers to the capture threads for reuse,
    // so steady-state capture allocates nothing.
    let pool_size = nworkers * (config.queue_batches + 2) * nsources.max(1);
    let (pool_tx, pool_rx) = bounded::<Batch>(pool_size);

    let mut worker_txs = Vec::with_capacity(nworkers);
    let mut workers = Vec::with_capacity(nworkers);
    for id in 0..nworkers {
        let (tx, rx) = bounded::<WorkerMsg>(config.queue_batches);
        worker_txs.push(tx);
        let ctx = WorkerContext {
            id,
            rx,
            pool: pool_tx.clone(),
            decoder: Decoder::new(config.decoder_for_worker()),
            flows: FlowTable::new(config.flow_for_worker()),
            handler: WorkerHandler {
                out: outputs.sender(),
                ifaces: Arc::clone(&ifaces),
                detect: {
                    let mut i = Inspector::new(
                        Arc::clone(&rules.set),
                        outputs.sender(),
                        Arc::clone(&ifaces),
                    );
                    i.correlate(correlate);
                    i.set_inline(shared.inline.clone());
                    i
                },
                inspector: inspectors.as_ref().map(|f| f(id)),
                stream_bytes: 0,
                iface_tcp: [[0; 2]; MAX_IFACES],
            },
            shared: Arc::clone(&shared),
            slot: Arc::clone(&slot),
            rules_gen: 0,
            heartbeat: nsources + id,
        };
        workers.push(
            std::thread::Builder::new()
                .name(format!("ww-worker-{id}"))
                .spawn(move || ctx.run())?,
        );
    }
    drop(pool_tx);

    let mut captures: Vec<JoinHandle<Vec<String>>> = Vec::new();
    // Each capture thread drops its clone of `done_tx` when it ends, so the
    // main thread wakes at once instead of polling.
    let (done_tx, done_rx) = bounded::<()>(0);
    for (i, source) in sources.into_iter().enumerate() {
        let done = done_tx.clone();
        let cap = CaptureLoop {
            source,
            index: i,
            workers: worker_txs.clone(),
            pool: pool_rx.clone(),
            batch_size: config.batch_size,
            mode,
            shutdown: Arc::clone(&shutdown),
            shared: Arc::clone(&shared),
        };
        captures.push(
            std::thread::Builder::new()
                .name(format!("ww-capture-{i}"))
                .spawn(move || {
                    let warnings = cap.run();
                    drop(done);
                    warnings
                })?,
        );
    }
    drop(done_tx);
    drop(worker_txs);

    let stats_out = outputs.sender();
    let mut daemon = match live {
        Some(control) => Some(Daemon::start(
            control, config, &ifaces, &shared, &outputs, started,
        )?),
        None => None,
    };

    // Periodic stats while capture runs; a live sensor also looks after
    // itself once a second (health, watchdog, status) and reloads on SIGHUP.
    let interval = Duration::from_secs(config.stats_interval);
    let mut next_stats = Instant::now() + interval;
    loop {
        let mut wait = if config.stats_interval > 0 {
            next_stats.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(3600)
        };
        if daemon.is_some() {
            wait = wait.min(Duration::from_millis(200));
        }
        if let Err(crossbeam_channel::RecvTimeoutError::Disconnected) = done_rx.recv_timeout(wait) {
            break;
        }
        if let Some(d) = daemon.as_mut() {
            d.poll(&shared, &slot, &stats_out, &ifaces, started);
        }
        if config.stats_interval > 0 && Instant::now() >= next_stats {
            next_stats += interval;
            let snap = shared.snapshot();
            stats_out.send(stats_record(
                &snap,
                stats_time(mode, &shared),
                started,
                &shared,
                &ifaces,
                daemon.as_ref().map(|d| &d.health),
            ));
        }
    }
    if let Some(d) = daemon.as_mut() {
        d.stopping(&stats_out);
    }
    let mut warnings = Vec::new();
    for c in captures {
        match c.join() {
            Ok(w) => warnings.extend(w),
            Err(_) => warnings.push("a capture thread panicked".into()),
        }
    }
    for w in workers {
        if w.join().is_err() {
            warnings.push("a worker thread panicked".into());
        }
    }
    let processed = started.elapsed();
    let snap = shared.snapshot();
    stats_out.send_final_stats(stats_record(
        &snap,
        stats_time(mode, &shared),
        started,
        &shared,
        &ifaces,
        daemon.as_ref().map(|d| &d.health),
    ));
    drop(stats_out);
    let out = outputs.finish_within(config.drain_timeout);
    drop(daemon);
    let mut stats = snap;
    for (name, counts) in &out.sinks {
        for (counter, v) in counts.named() {
            stats.set(&format!("output.{name}.{counter}"), v);
        }
    }
    stats.add("detect.alert", out.deferred_allowed + out.anomalies);
    stats.set("detect.alert_quieted_by_threshold", out.deferred_quieted);
    stats.set("output.eve.written", out.written);
    stats.set("output.eve.errors", out.errors);
    let rules_info = shared
        .rules
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(Summary {
        stats,
        wall: processed,
        drain: started.elapsed().saturating_sub(processed),
        workers: nworkers,
        warnings,
        eve_written: out.written,
        rules: rules_info,
    })
}

/// The live sensor's care of itself, on the main thread: SIGHUP reloads,
/// `sensor-health`, the systemd watchdog and status, the metrics endpoint.
struct Daemon {
    control: LiveControl,
    health: HealthMonitor,
    liveness: Liveness,
    monitor: Arc<crate::output::OutputMonitor>,
    metrics_stop: Arc<AtomicBool>,
    metrics: Option<JoinHandle<()>>,
    next_second: Instant,
    /// The configuration in force (compared on reload to name what needs a
    /// restart).
    config: Config,
}

impl Daemon {
    fn start(
        control: LiveControl,
        config: &Config,
        ifaces: &[String],
        shared: &Shared,
        outputs: &Outputs,
        started: Instant,
    ) -> Result<Daemon, PipelineError> {
        let monitor = outputs.monitor();
        let metrics_stop = Arc::new(AtomicBool::new(false));
        let metrics = match config.metrics_listen {
            Some(addr) => {
                let (local, handle) = crate::daemon::metrics::serve(
                    addr,
                    Arc::clone(&monitor),
                    Arc::clone(&metrics_stop),
                )
                .map_err(PipelineError::Metrics)?;
                tracing::info!(address = %local, "metrics endpoint listening (/metrics)");
                Some(handle)
            }
            None => None,
        };
        let d = Daemon {
            health: HealthMonitor::new(config.health.clone(), ifaces.len(), started.elapsed()),
            liveness: Liveness::new(shared.heartbeats.len() + 1),
            monitor,
            metrics_stop,
            metrics,
            next_second: Instant::now(),
            config: config.clone(),
            control,
        };
        if let Some(n) = &d.control.notifier {
            // Capture is open and the rules compiled: ready.
            n.ready(&format!("capturing on {}", ifaces.join(", ")));
        }
        Ok(d)
    }

    /// Called at least five times a second.
    fn poll(
        &mut self,
        shared: &Shared,
        slot: &RuleSlot,
        out: &OutputSender,
        ifaces: &[String],
        started: Instant,
    ) {
        if self.control.reload.swap(false, Ordering::SeqCst) {
            self.reload(shared, slot, out);
        }
        let now = Instant::now();
        if now < self.next_second {
            return;
        }
        self.next_second = now + Duration::from_secs(1);
        let snap = shared.snapshot();
        let ts = Timestamp::now();
        let samples = shared.iface_samples(ifaces);
        let mut alerts = Vec::new();
        self.health
            .observe(started.elapsed(), ts, &samples, &mut alerts);
        for a in &alerts {
            tracing::warn!(
                condition = %a.evidence.get("condition").and_then(|v| v.as_str()).unwrap_or(""),
                interface = %a.evidence.get("interface").and_then(|v| v.as_str()).unwrap_or(""),
                state = a.state.as_str(),
                "{}",
                a.signature
            );
            out.send(EveRecord::Alert(Box::new(
                crate::output::eve::AlertEvent::from_anomaly(a),
            )));
        }
        // The health endpoint (when there is one) gets the counters as a
        // stats event would.
        if self.metrics.is_some() {
            if let EveRecord::Stats(e) =
                stats_record(&snap, ts, started, shared, ifaces, Some(&self.health))
            {
                out.send(EveRecord::Control(crate::output::eve::Control::Publish(e)));
            }
        }
        let mut beats: Vec<u64> = shared
            .heartbeats
            .iter()
            .map(|h| h.load(Ordering::Relaxed))
            .collect();
        beats.push(self.monitor.heartbeat.load(Ordering::Relaxed));
        let stuck = self.liveness.stuck(&beats, now);
        if let Some(n) = &self.control.notifier {
            if stuck.is_empty() {
                n.watchdog();
            }
            n.status(&format!(
                "{} packets, {} alerts, {} dropped{}",
                snap.get("decoder.pkts"),
                snap.get("detect.alert"),
                snap.get("capture.kernel_drops") + snap.get("capture.queue_drops"),
                if stuck.is_empty() {
                    ""
                } else {
                    "; pipeline stalled"
                }
            ));
        }
        if !stuck.is_empty() && self.liveness.report_due(now) {
            let nsources = shared.heartbeats.len() - shared.workers.len();
            let names: Vec<String> = stuck
                .iter()
                .map(|&i| {
                    if i < nsources {
                        format!("capture {i}")
                    } else if i < shared.heartbeats.len() {
                        format!("worker {}", i - nsources)
                    } else {
                        "output".to_string()
                    }
                })
                .collect();
            tracing::error!(
                threads = ?names,
                "pipeline stalled: no progress for {} s; the systemd watchdog is no longer fed",
                STALL.as_secs()
            );
        }
    }

    /// SIGHUP: read the configuration again, compile the rules aside, swap
    /// them in; hand the detectors their new settings; reopen the logs. A
    /// configuration or rule set with errors is refused and the old one
    /// keeps running.
    fn reload(&mut self, shared: &Shared, slot: &RuleSlot, out: &OutputSender) {
        if let Some(n) = &self.control.notifier {
            n.reloading();
        }
        tracing::info!("SIGHUP: reopening logs, reloading rules, thresholds and detector settings");
        // First, and whatever becomes of the rules: logrotate moved the file.
        out.reopen_logs();
        let loaded = (self.control.reconfigure)().and_then(|cfg| {
            let rules = signatures::load(&cfg).map_err(|e| e.to_string())?;
            if rules.failed > 0 {
                let mut msg = format!("{} rule(s) failed to load:", rules.failed);
                for m in rules.failed_messages.iter().take(20) {
                    msg.push('\n');
                    msg.push_str(m);
                }
                return Err(msg);
            }
            Ok((cfg, rules))
        });
        match loaded {
            Ok((cfg, rules)) => {
                let generation = slot.replace(Arc::clone(&rules.set));
                let mut info = shared.rules.lock().unwrap_or_else(|e| e.into_inner());
                let (reloads, failures) = (info.reloads + 1, info.reload_failures);
                *info = RulesInfo::of(&rules);
                info.reloads = reloads;
                info.reload_failures = failures;
                drop(info);
                log_rules(&rules, generation, "reloaded");
                match (&cfg.detectors, &self.config.detectors) {
                    (Some(d), Some(_)) => out.send(EveRecord::Control(
                        crate::output::eve::Control::ReloadDetectors(Arc::new(d.clone())),
                    )),
                    (None, None) => {}
                    _ => tracing::warn!(
                        "detectors.enabled changed: switching the behavioural detectors on or off needs a restart"
                    ),
                }
                for key in self.config.restart_needed(&cfg) {
                    tracing::warn!(
                        key,
                        "changed in the configuration; takes effect after a restart"
                    );
                }
                self.config = cfg;
            }
            Err(e) => {
                shared
                    .rules
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .reload_failures += 1;
                tracing::error!("reload refused, the running rules and settings stay: {e}");
            }
        }
        if let Some(n) = &self.control.notifier {
            n.ready("reloaded");
        }
    }

    /// Shutdown began: end open health conditions, tell systemd.
    fn stopping(&mut self, out: &OutputSender) {
        if let Some(n) = &self.control.notifier {
            n.stopping();
        }
        let mut alerts = Vec::new();
        self.health.finish(Timestamp::now(), &mut alerts);
        for a in &alerts {
            out.send(EveRecord::Alert(Box::new(
                crate::output::eve::AlertEvent::from_anomaly(a),
            )));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.metrics_stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.metrics.take() {
            let _ = h.join();
        }
    }
}

/// A thread that made no progress for this long is stalled.
const STALL: Duration = Duration::from_secs(10);

/// Tells stalled threads from busy ones by their heartbeat counters.
struct Liveness {
    last: Vec<(u64, Instant)>,
    last_report: Option<Instant>,
}

impl Liveness {
    fn new(n: usize) -> Self {
        Liveness {
            last: vec![(0, Instant::now()); n],
            last_report: None,
        }
    }

    /// Indices of the heartbeats that did not move for [`STALL`].
    fn stuck(&mut self, beats: &[u64], now: Instant) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, &b) in beats.iter().enumerate() {
            let Some(slot) = self.last.get_mut(i) else {
                continue;
            };
            if b != slot.0 {
                *slot = (b, now);
            } else if now.duration_since(slot.1) >= STALL {
                out.push(i);
            }
        }
        out
    }

    /// Once a minute at most.
    fn report_due(&mut self, now: Instant) -> bool {
        if self
            .last_report
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(60))
        {
            return false;
        }
        self.last_report = Some(now);
        true
    }
}

/// Stats of a replay are stamped with packet time (so a replay's events sit in
/// the capture's timeline), those of a live sensor with the wall clock.
fn stats_time(mode: Mode, shared: &Shared) -> Timestamp {
    match mode {
        Mode::Replay => Timestamp(shared.latest.load(Ordering::Relaxed)),
        Mode::Live => Timestamp::now(),
    }
}

fn stats_record(
    snap: &Snapshot,
    ts: Timestamp,
    started: Instant,
    shared: &Shared,
    ifaces: &[String],
    health: Option<&HealthMonitor>,
) -> EveRecord {
    let mut stats = snap.to_json();
    if let Some(obj) = stats.as_object_mut() {
        obj.insert("uptime".into(), started.elapsed().as_secs().into());
        let rules = shared.rules.lock().unwrap_or_else(|e| e.into_inner());
        let detect = obj.entry("detect").or_insert_with(|| serde_json::json!({}));
        if let Some(d) = detect.as_object_mut() {
            d.insert("engines".into(), rules.to_json());
        }
        drop(rules);
        let capture = obj
            .entry("capture")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(c) = capture.as_object_mut() {
            let list: Vec<serde_json::Value> = shared
                .iface_samples(ifaces)
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "name": s.name,
                        "packets": s.packets,
                        "kernel_drops": s.kernel_drops,
                        "queue_drops": s.queue_drops,
                        "tcp_syn": s.syn,
                        "tcp_synack": s.synack,
                    })
                })
                .collect();
            c.insert("interfaces".into(), list.into());
        }
        if let Some(h) = health {
            let open: Vec<serde_json::Value> = h
                .open()
                .into_iter()
                .map(|(i, c)| {
                    serde_json::json!({
                        "interface": ifaces.get(i).cloned().unwrap_or_default(),
                        "condition": c.as_str(),
                    })
                })
                .collect();
            obj.insert("health".into(), serde_json::json!({ "open": open }));
        }
    }
    EveRecord::Stats(Box::new(StatsEvent {
        timestamp: ts.rfc3339(),
        event_type: "stats",
        stats,
    }))
}

struct CaptureLoop {
    source: Box<dyn PacketSource>,
    index: usize,
    workers: Vec<Sender<WorkerMsg>>,
    pool: Receiver<Batch>,
    batch_size: usize,
    mode: Mode,
    shutdown: Arc<AtomicBool>,
    shared: Arc<Shared>,
}

impl CaptureLoop {
    fn run(mut self) -> Vec<String> {
        let n = self.workers.len();
        let mut pending: Vec<Batch> = (0..n).map(|_| self.fresh_batch()).collect();
        let mut latest = Timestamp(0);
        let mut next_tick: Option<Timestamp> = None;
        let mut warnings = Vec::new();
        let mut last_stats = Instant::now();
        let mut last_idle_tick = Instant::now();
        let mut overflow: Vec<usize> = Vec::new();
        let mut records: u64 = 0;
        let mut per_iface = vec![0u64; self.shared.ifaces.len()];
        loop {
            if let Some(h) = self.shared.heartbeats.get(self.index) {
                h.fetch_add(1, Ordering::Relaxed);
            }
            if self.shutdown.load(Ordering::Relaxed) {
                break;
            }
            let batch_size = self.batch_size;
            let mut tick_due: Option<Timestamp> = None;
            let status = {
                let pending = &mut pending;
                let overflow = &mut overflow;
                let latest = &mut latest;
                let next_tick = &mut next_tick;
                let tick_due = &mut tick_due;
                let records = &mut records;
                let per_iface = &mut per_iface;
                self.source.read(batch_size, &mut |p: RawPacket<'_>| {
                    *records += 1;
                    if let Some(n) = per_iface.get_mut(usize::from(p.iface)) {
                        *n += 1;
                    }
                    if p.ts > *latest {
                        *latest = p.ts;
                    }
                    match *next_tick {
                        None => *next_tick = Some(p.ts.plus_secs(TICK_SECS)),
                        Some(t) if p.ts >= t && tick_due.is_none() => {
                            // Tick before this packet: remembered, sent after the
                            // batches so far (the callback cannot send).
                            *tick_due = Some(*latest);
                            *next_tick = Some(p.ts.plus_secs(TICK_SECS));
                        }
                        _ => {}
                    }
                    let w = if n == 1 {
                        0
                    } else {
                        (dispatch_hash(p.link, p.data) % n as u64) as usize
                    };
                    if let Some(b) = pending.get_mut(w) {
                        b.push(&p, *records);
                        if b.pkts.len() >= batch_size {
                            overflow.push(w);
                        }
                    }
                })
            };
            // A tick found mid-read applies to the packets read after it, but
            // sending it after the whole read only delays expiry, and does so
            // identically whatever the worker count: the read boundaries depend
            // on the source alone.
            for w in overflow.drain(..) {
                self.send_batch(w, &mut pending);
            }
            if self.shared.inline.is_some() {
                // Inline packets wait in the kernel until inspected: hand
                // over every read at once rather than wait for full batches.
                self.flush_all(&mut pending);
            }
            if let Some(t) = tick_due {
                self.flush_all(&mut pending);
                self.broadcast_tick(t, records, n);
            }
            self.shared.latest.fetch_max(latest.0, Ordering::Relaxed);
            for (n, c) in per_iface.iter_mut().zip(self.shared.ifaces.iter()) {
                if *n > 0 {
                    c.packets.fetch_add(std::mem::take(n), Ordering::Relaxed);
                }
            }
            match status {
                Ok(ReadStatus::Packets(_)) => {}
                Ok(ReadStatus::Idle) => {
                    // A quiet network: hand over what is pending and let flows
                    // expire by the wall clock (which live timestamps follow).
                    self.flush_all(&mut pending);
                    if last_idle_tick.elapsed() >= Duration::from_secs(TICK_SECS) {
                        last_idle_tick = Instant::now();
                        let now = Timestamp::now().max(latest);
                        self.broadcast_tick(now, records, n);
                    }
                }
                Ok(ReadStatus::End) => break,
                Err(e) => {
                    tracing::error!(error = %e, "capture stopped");
                    warnings.push(e.to_string());
                    break;
                }
            }
            warnings.extend(self.source.take_warnings());
            if self.mode == Mode::Live && last_stats.elapsed() >= Duration::from_secs(1) {
                last_stats = Instant::now();
                self.publish_kernel_stats();
            }
        }
        self.flush_all(&mut pending);
        let end = match self.mode {
            Mode::Replay => latest,
            Mode::Live => Timestamp::now().max(latest),
        };
        self.broadcast_tick(end, records, n);
        warnings.extend(self.source.take_warnings());
        self.publish_kernel_stats();
        warnings
    }

    fn fresh_batch(&self) -> Batch {
        self.pool
            .try_recv()
            .unwrap_or_else(|_| Batch::with_capacity(self.batch_size))
    }

    fn publish_kernel_stats(&mut self) {
        if let Some(k) = self.source.kernel_stats() {
            let mut all = self.shared.kernel.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(slot) = all.get_mut(self.index) {
                *slot = k;
            }
        }
    }

    fn flush_all(&self, pending: &mut [Batch]) {
        for w in 0..pending.len() {
            if pending.get(w).is_some_and(|b| !b.pkts.is_empty()) {
                self.send_batch(w, pending);
            }
        }
    }

    fn send_batch(&self, w: usize, pending: &mut [Batch]) {
        let Some(slot) = pending.get_mut(w) else {
            return;
        };
        if slot.pkts.is_empty() {
            return;
        }
        let batch = std::mem::replace(slot, self.fresh_batch());
        let Some(tx) = self.workers.get(w) else {
            return;
        };
        match self.mode {
            Mode::Replay => {
                // Replay waits for the worker: nothing is lost.
                let _ = tx.send(WorkerMsg::Batch(batch));
            }
            Mode::Live => match tx.try_send(WorkerMsg::Batch(batch)) {
                Ok(()) => {}
                Err(TrySendError::Full(WorkerMsg::Batch(mut b))) => {
                    // Never stall the reader on a live link: the kernel
                    // would drop instead, invisibly. Count what we drop.
                    self.shared
                        .queue_drops
                        .fetch_add(b.pkts.len() as u64, Ordering::Relaxed);
                    for p in &b.pkts {
                        if let Some(c) = self.shared.ifaces.get(usize::from(p.iface)) {
                            c.queue_drops.fetch_add(1, Ordering::Relaxed);
                        }
                        // Inline, each still waits for a verdict: fail open or closed.
                        if let (Some(inline), Some(id)) = (&self.shared.inline, p.verdict) {
                            inline.overloaded(id);
                        }
                    }
                    b.clear();
                    *slot = b;
                }
                Err(_) => {}
            },
        }
    }

    fn broadcast_tick(&self, t: Timestamp, records: u64, n: usize) {
        for tx in self.workers.iter().take(n) {
            match self.mode {
                Mode::Replay => {
                    let _ = tx.send(WorkerMsg::Tick(t, records));
                }
                Mode::Live => {
                    // A tick lost to a full queue is harmless: the next one
                    // carries a later time.
                    let _ = tx.try_send(WorkerMsg::Tick(t, records));
                }
            }
        }
    }
}

struct WorkerContext {
    id: usize,
    rx: Receiver<WorkerMsg>,
    pool: Sender<Batch>,
    decoder: Decoder,
    flows: FlowTable,
    handler: WorkerHandler,
    shared: Arc<Shared>,
    /// Where reloaded rule sets appear.
    slot: Arc<RuleSlot>,
    /// Generation of the rule set in use.
    rules_gen: u64,
    /// Index of this worker's heartbeat in `shared.heartbeats`.
    heartbeat: usize,
}

impl WorkerContext {
    fn run(mut self) {
        let mut now = Timestamp(0);
        let mut position = 0u64;
        while let Ok(msg) = self.rx.recv() {
            if let Some(h) = self.shared.heartbeats.get(self.heartbeat) {
                h.fetch_add(1, Ordering::Relaxed);
            }
            // A reload published a new rule set: take it up between batches.
            if self.slot.generation() != self.rules_gen {
                let (generation, set) = self.slot.current();
                self.handler.detect.set_rules(set);
                self.rules_gen = generation;
            }
            match msg {
                WorkerMsg::Batch(mut batch) => {
                    position = batch.pkts.last().map_or(position, |p| p.pcap_cnt);
                    for p in &batch.pkts {
                        let Some(data) = batch.data.get(p.start..p.start + p.len) else {
                            continue;
                        };
                        if p.ts > now {
                            now = p.ts;
                        }
                        match self.decoder.decode(p.link, data, p.wire_len, p.ts) {
                            Decoded::Packet(pkt) => {
                                let meta = PacketMeta {
                                    ts: p.ts,
                                    wire_len: p.wire_len,
                                    iface: p.iface,
                                    pcap_cnt: p.pcap_cnt,
                                };
                                self.flows.process(&pkt, &meta, &mut self.handler);
                                self.handler.detect.packet_done();
                            }
                            // ARP has no flow: a device sighting only.
                            Decoded::Arp(arp) => self.handler.detect.arp(&arp, p.ts, p.pcap_cnt),
                            _ => {}
                        }
                        if let Some(inline) = &self.shared.inline {
                            let decision = self.handler.detect.take_decision();
                            match p.verdict {
                                Some(id) => inline.answer(id, decision, data, p.ts),
                                None => inline.respond_mirror(decision, p.link, data),
                            }
                        }
                    }
                    batch.clear();
                    let _ = self.pool.try_send(batch);
                }
                WorkerMsg::Tick(t, records) => {
                    if t > now {
                        now = t;
                    }
                    position = position.max(records);
                    self.handler.detect.set_position(records);
                    self.flows.advance(now, &mut self.handler);
                    self.decoder.expire(now);
                }
            }
            // Everything this worker will ever get lies beyond `position`:
            // deferred alerts up to it may be decided.
            self.handler.out.send(EveRecord::Watermark {
                worker: self.id,
                seq: position,
            });
            self.publish();
        }
        // What the shutdown flushes sits after the whole capture, at the same
        // place in every worker (each saw only its own last record).
        self.handler.detect.set_position(u64::MAX - 1);
        self.flows.shutdown(now, &mut self.handler);
        self.decoder.expire(now);
        self.publish();
        self.handler.out.send(EveRecord::Watermark {
            worker: self.id,
            seq: u64::MAX,
        });
        tracing::debug!(worker = self.id, "worker finished");
    }

    fn publish(&self) {
        let c = WorkerCounters {
            decoder: *self.decoder.counters(),
            defrag: *self.decoder.defrag_counters(),
            flow: self.flows.counters(),
            tcp: *self.flows.tcp_counters(),
            stream_bytes: self.handler.stream_bytes,
            alerts: self.handler.detect.alerts,
            iface_tcp: self.handler.iface_tcp,
        };
        if let Some(slot) = self.shared.workers.get(self.id) {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = c;
        }
    }
}

/// What a worker does with flow-table callbacks: pass them to the plugged-in
/// inspector, then log ended flows.
struct WorkerHandler {
    out: OutputSender,
    ifaces: Arc<Vec<String>>,
    /// App layer + signatures.
    detect: Inspector,
    /// An extra inspector plugged in by the caller (tests, later stages).
    inspector: Option<Box<dyn FlowHandler + Send>>,
    stream_bytes: u64,
    /// SYNs and SYN-ACKs per interface.
    iface_tcp: [[u64; 2]; MAX_IFACES],
}

impl FlowHandler for WorkerHandler {
    fn on_packet(
        &mut self,
        flow: &mut Flow,
        dir: Direction,
        pkt: &crate::decode::DecodedPacket<'_>,
        meta: &PacketMeta,
    ) {
        if let crate::decode::Transport::Tcp { flags, .. } = pkt.transport {
            let f = flags.0;
            if f & crate::decode::TcpFlags::SYN != 0 {
                let k = usize::from(f & crate::decode::TcpFlags::ACK != 0);
                if let Some(c) = self
                    .iface_tcp
                    .get_mut(usize::from(meta.iface))
                    .and_then(|c| c.get_mut(k))
                {
                    *c += 1;
                }
            }
        }
        self.detect.on_packet(flow, dir, pkt, meta);
        if let Some(i) = self.inspector.as_mut() {
            i.on_packet(flow, dir, pkt, meta);
        }
    }

    fn on_stream(&mut self, flow: &mut Flow, dir: Direction, event: StreamEvent<'_>) {
        if let StreamEvent::Data { data, .. } = &event {
            self.stream_bytes += data.len() as u64;
        }
        self.detect.on_stream(flow, dir, event);
        if let Some(i) = self.inspector.as_mut() {
            i.on_stream(flow, dir, event);
        }
    }

    fn on_flow_end(&mut self, flow: &mut Flow, reason: EndReason) {
        self.detect.on_flow_end(flow, reason);
        if let Some(i) = self.inspector.as_mut() {
            i.on_flow_end(flow, reason);
        }
        if self.out.types().flow {
            self.out.send(EveRecord::Flow(Box::new(FlowEvent::new(
                flow,
                reason,
                &self.ifaces,
            ))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::SourceKind;

    /// Delivers `total` small UDP frames as fast as asked, then ends.
    struct Burst {
        frame: Vec<u8>,
        left: usize,
    }

    impl Burst {
        fn new(total: usize) -> Self {
            let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .udp(1000, 2000);
            let mut frame = Vec::new();
            b.write(&mut frame, b"x").expect("build");
            Burst { frame, left: total }
        }
    }

    impl PacketSource for Burst {
        fn kind(&self) -> SourceKind {
            SourceKind::Passive
        }
        fn iface_names(&self) -> Vec<String> {
            vec!["burst".into()]
        }
        fn read(
            &mut self,
            max: usize,
            f: &mut dyn FnMut(RawPacket<'_>),
        ) -> Result<ReadStatus, CaptureError> {
            if self.left == 0 {
                return Ok(ReadStatus::End);
            }
            let n = max.min(self.left);
            for i in 0..n {
                f(RawPacket {
                    ts: Timestamp(1_700_000_000_000_000 + (self.left - i) as u64),
                    link: LinkType::Ethernet,
                    data: &self.frame,
                    wire_len: self.frame.len() as u32,
                    iface: 0,
                    verdict: None,
                });
            }
            self.left -= n;
            Ok(ReadStatus::Packets(n))
        }
    }

    /// A worker that takes its time over every packet.
    struct Slow;
    impl FlowHandler for Slow {
        fn on_packet(
            &mut self,
            _: &mut Flow,
            _: Direction,
            _: &crate::decode::DecodedPacket<'_>,
            _: &PacketMeta,
        ) {
            std::thread::sleep(Duration::from_micros(20));
        }
    }

    fn burst_run(mode: Mode, total: usize) -> Snapshot {
        slow_run(mode, Box::new(Burst::new(total)))
    }

    /// Runs `source` through one slow worker behind a one-batch queue.
    fn slow_run(mode: Mode, source: Box<dyn PacketSource>) -> Snapshot {
        let cfg = Config {
            workers: 1,
            batch_size: 8,
            queue_batches: 1,
            eve_path: None,
            stats_interval: 0,
            ..Config::default()
        };
        let slow: InspectorFactory = Arc::new(|_| Box::new(Slow));
        let rules = signatures::load(&cfg).expect("built-in rules");
        run(
            &cfg,
            &rules,
            vec![source],
            vec!["burst".into()],
            mode,
            Arc::new(AtomicBool::new(false)),
            None,
            Some(slow),
        )
        .expect("runs")
        .stats
    }

    #[test]
    fn live_drops_full_batches_and_counts_them() {
        let total = 4000;
        let s = burst_run(Mode::Live, total);
        let drops = s.get("capture.queue_drops");
        assert!(
            drops > 0,
            "a slow worker behind a 1-batch queue must overflow"
        );
        // Nothing vanishes uncounted: processed + dropped = read.
        assert_eq!(s.get("decoder.pkts") + drops, total as u64);
    }

    /// A [`Burst`] whose packets wait for verdicts.
    struct InlineBurst(Burst, Arc<Inline>);

    impl PacketSource for InlineBurst {
        fn kind(&self) -> SourceKind {
            SourceKind::Inline
        }
        fn iface_names(&self) -> Vec<String> {
            vec!["nfq:0".into()]
        }
        fn inline(&self) -> Option<Arc<Inline>> {
            Some(Arc::clone(&self.1))
        }
        fn read(
            &mut self,
            max: usize,
            f: &mut dyn FnMut(RawPacket<'_>),
        ) -> Result<ReadStatus, CaptureError> {
            let mut n = 0u32;
            self.0.read(max, &mut |mut p| {
                n += 1;
                p.verdict = Some(VerdictId {
                    queue: 0,
                    packet: n,
                });
                f(p)
            })
        }
    }

    #[test]
    fn inline_overload_fails_open_or_closed_and_every_packet_gets_a_verdict() {
        for fail_open in [true, false] {
            let inline = Arc::new(Inline::new(
                crate::inline::InlineConfig {
                    fail_open,
                    ..Default::default()
                },
                None,
            ));
            let total = 4000u64;
            let s = slow_run(
                Mode::Live,
                Box::new(InlineBurst(Burst::new(total as usize), inline)),
            );
            let (overflow, other) = if fail_open {
                ("inline.bypassed", "inline.overload_dropped")
            } else {
                ("inline.overload_dropped", "inline.bypassed")
            };
            assert!(s.get(overflow) > 0, "fail_open={fail_open}: {s:?}");
            assert_eq!(s.get(other), 0);
            // Inspected packets were accepted; the rest went by the policy.
            assert_eq!(s.get("inline.accepted"), s.get("decoder.pkts"));
            assert_eq!(s.get("inline.accepted") + s.get(overflow), total);
        }
    }

    #[test]
    fn replay_waits_and_loses_nothing() {
        let total = 2000;
        let s = burst_run(Mode::Replay, total);
        assert_eq!(s.get("capture.queue_drops"), 0);
        assert_eq!(s.get("decoder.pkts"), total as u64);
    }
}
