//! Outputs: each sink runs on its own thread behind a bounded queue.
//!
//! Workers hand owned [`EveRecord`]s to the output thread and never touch a
//! file themselves. The queue is bounded so a stalled disk cannot grow memory
//! without limit; for the EVE file a full queue makes the sender wait (the
//! file is local, and losing alerts is worse than slowing down).
//!
//! ```text
//!  workers ──► EVE thread ──► EVE file
//!                 │ (threshold arbiter, watermarks: every alert is decided here)
//!                 ├─try_send─► [queue] ─► syslog thread ─► unix / udp / tcp / tls
//!                 ├─try_send─► [queue] ─► spooler ─► disk spool ─► portal sender ─► HTTPS
//!                 └─try_send─► [queue] ─► redis thread ─► LPUSH / XADD
//! ```
//!
//! The delivery sinks ([`syslog`], [`portal`], [`redis`]) get the events the EVE thread
//! writes (alerts only, unless their `types` say otherwise), each with one
//! `alert_id` (a v4 UUID) shared by all sinks. The EVE thread never waits for
//! them: a full sink queue drops the event and counts it (see [`sink`]).
//! Each sink's counters appear in every `stats` event under `output.<sink>.*`.

pub mod eve;
pub mod portal;
pub mod redis;
pub mod sink;
pub mod spool;
pub mod syslog;
pub mod tls;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};

pub use eve::{EveFlush, EveOptions, EveRecord, EveWriter};

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use crate::config::{Config, EveTypes};
use crate::correlate::{Anomaly, Correlator};
use crate::detect::ThresholdArbiter;
use crate::time::Timestamp;
use eve::{Control, CorrelateEvent, DeferredAlert, FlowEvent};
use sink::{Delivery, SinkCounts, SinkHandle};

/// A delivery sink could not start (bad TLS files, unusable spool directory).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The syslog sink.
    #[error(transparent)]
    Syslog(#[from] syslog::SyslogError),
    /// The portal sink.
    #[error(transparent)]
    Portal(#[from] portal::PortalError),
    /// The Redis sink's thread could not start.
    #[error("outputs.redis: cannot start thread: {0}")]
    Redis(std::io::Error),
    /// The Redis sink's TLS setup failed.
    #[error("outputs.redis: {0}")]
    RedisTls(tls::TlsError),
}

/// Starts the delivery sinks `config` asks for (syslog, portal), each on its
/// own thread(s) behind its own bounded queue.
pub fn start_sinks(config: &Config) -> Result<Vec<SinkHandle>, OutputError> {
    let mut sinks = Vec::new();
    if let Some(cfg) = &config.syslog {
        let sensor = config.sensor.clone();
        let c = cfg.clone();
        let mut err = None;
        let h = SinkHandle::start("syslog", cfg.types, cfg.queue_size, |input| {
            syslog::start(&c, &sensor, input).map_err(|e| {
                let io = std::io::Error::other(e.to_string());
                err = Some(e);
                io
            })
        });
        match (h, err) {
            (Ok(h), _) => sinks.push(h),
            (Err(_), Some(e)) => return Err(e.into()),
            (Err(e), None) => return Err(syslog::SyslogError::Thread(e).into()),
        }
    }
    if let Some(cfg) = &config.portal {
        let sensor = config.sensor.clone();
        let c = cfg.clone();
        let mut err = None;
        // A full spool's drops are also told to the SIEM, never silent.
        let warn = sinks
            .iter()
            .find(|s: &&SinkHandle| s.name == "syslog")
            .and_then(SinkHandle::notifier);
        let h = SinkHandle::start("portal", cfg.types, cfg.queue_size, |input| {
            portal::start(&c, &sensor, input, warn).map_err(|e| {
                let io = std::io::Error::other(e.to_string());
                err = Some(e);
                io
            })
        });
        match (h, err) {
            (Ok(h), _) => sinks.push(h),
            (Err(_), Some(e)) => return Err(e.into()),
            (Err(e), None) => return Err(portal::PortalError::Thread(e).into()),
        }
    }
    if let Some(cfg) = &config.redis {
        let c = cfg.clone();
        let tls = redis::tls_setup(cfg).map_err(OutputError::RedisTls)?;
        let h = SinkHandle::start("redis", cfg.types, cfg.queue_size, |input| {
            redis::start(&c, tls, input)
        })
        .map_err(OutputError::Redis)?;
        sinks.push(h);
    }
    Ok(sinks)
}

/// Records queued towards the output thread before senders wait.
const QUEUE: usize = 16 * 1024;

/// Counters of the EVE sink and the delivery sinks, read when they stop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputCounters {
    /// Lines written.
    pub written: u64,
    /// Lines that failed.
    pub errors: u64,
    /// Deferred alerts the threshold arbiter let through.
    pub deferred_allowed: u64,
    /// Deferred alerts it kept quiet.
    pub deferred_quieted: u64,
    /// Behavioural (correlator) alerts written.
    pub anomalies: u64,
    /// Each delivery sink's final counters, by name.
    pub sinks: Vec<(&'static str, SinkCounts)>,
}

/// What the output thread publishes for the health endpoint and the
/// watchdog (`wardwatch run`).
#[derive(Debug, Default)]
pub struct OutputMonitor {
    /// Turns of the output thread's loop (at least five a second while it
    /// is alive, busy or idle).
    pub heartbeat: AtomicU64,
    /// The latest counters completed like a `stats` event
    /// ([`eve::Control::Publish`]), with `alerts_by_sid` and
    /// `alerts_by_detector` added.
    pub latest: Mutex<Option<serde_json::Value>>,
}

/// Distinct sids counted in `alerts_by_sid`; past it the rest are summed
/// under sid 0 (an alert storm over a huge rule set must not grow memory).
const MAX_TALLIED_SIDS: usize = 2048;

/// Alerts written, by signature id and by behavioural detector.
#[derive(Debug, Default)]
struct AlertTally {
    by_sid: HashMap<u64, u64>,
    by_detector: HashMap<String, u64>,
}

impl AlertTally {
    fn count(&mut self, alert: &eve::AlertEvent) {
        let sid = u64::from(alert.alert.signature_id);
        let key = if self.by_sid.len() < MAX_TALLIED_SIDS || self.by_sid.contains_key(&sid) {
            sid
        } else {
            0
        };
        *self.by_sid.entry(key).or_default() += 1;
        if let Some(d) = alert
            .anomaly
            .as_ref()
            .and_then(|a| a.get("detector"))
            .and_then(|v| v.as_str())
        {
            if let Some(n) = self.by_detector.get_mut(d) {
                *n += 1;
            } else {
                self.by_detector.insert(d.to_string(), 1);
            }
        }
    }

    fn to_json(&self) -> (serde_json::Value, serde_json::Value) {
        let sids: serde_json::Map<String, serde_json::Value> = self
            .by_sid
            .iter()
            .map(|(k, v)| (k.to_string(), (*v).into()))
            .collect();
        let dets: serde_json::Map<String, serde_json::Value> = self
            .by_detector
            .iter()
            .map(|(k, v)| (k.clone(), (*v).into()))
            .collect();
        (sids.into(), dets.into())
    }
}

/// A handle to the running output thread.
pub struct Outputs {
    tx: Sender<EveRecord>,
    types: EveTypes,
    monitor: Arc<OutputMonitor>,
    thread: Option<JoinHandle<OutputCounters>>,
}

impl Outputs {
    /// Starts the EVE sink on its own thread; `writer` is `None` when EVE is
    /// disabled (records are then discarded).
    pub fn start(writer: Option<EveWriter>, types: EveTypes) -> Self {
        Self::start_with(writer, types, 0, None)
    }

    /// [`Outputs::start`] with a threshold arbiter for alerts deferred by
    /// `workers` workers (each sends [`EveRecord::Watermark`]s).
    pub fn start_with(
        writer: Option<EveWriter>,
        types: EveTypes,
        workers: usize,
        arbiter: Option<ThresholdArbiter>,
    ) -> Self {
        Self::start_with_sinks(writer, types, workers, arbiter, Vec::new())
    }

    /// [`Outputs::start_with`] plus delivery sinks (from [`start_sinks`]),
    /// which get the events of their types as the EVE thread writes them.
    pub fn start_with_sinks(
        writer: Option<EveWriter>,
        eve_types: EveTypes,
        workers: usize,
        arbiter: Option<ThresholdArbiter>,
        sinks: Vec<SinkHandle>,
    ) -> Self {
        Self::start_full(writer, eve_types, workers, arbiter, sinks, None)
    }

    /// [`Outputs::start_with_sinks`] plus the behavioural detectors: the
    /// workers' [`EveRecord::Correlate`] events are handed to `correlator`
    /// in capture order and its alerts written like any other.
    pub fn start_full(
        writer: Option<EveWriter>,
        eve_types: EveTypes,
        workers: usize,
        arbiter: Option<ThresholdArbiter>,
        sinks: Vec<SinkHandle>,
        correlator: Option<Correlator>,
    ) -> Self {
        let (tx, rx) = bounded(QUEUE);
        // Senders must pass on every type some output wants.
        let mut types = eve_types;
        for s in &sinks {
            let t = s.types();
            types.alert |= t.alert;
            types.flow |= t.flow;
            types.stats |= t.stats;
            types.apps |= t.apps;
        }
        let monitor = Arc::new(OutputMonitor::default());
        let sink = Sink {
            monitor: Arc::clone(&monitor),
            tally: AlertTally::default(),
            writer,
            eve_types,
            types,
            sinks,
            arbiter,
            pending: BinaryHeap::new(),
            watermarks: vec![0; workers],
            pending_flows: HashMap::new(),
            alerted_flows: HashSet::new(),
            held: Vec::new(),
            correlator,
            correlator_now: Timestamp::default(),
            anomalies: 0,
            final_stats: None,
            drain_until: None,
        };
        let thread = std::thread::Builder::new()
            .name("ww-output".into())
            .spawn(move || sink.run(rx));
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!(error = %e, "cannot start the output thread; events are discarded");
                None
            }
        };
        Outputs {
            tx,
            types,
            monitor,
            thread,
        }
    }

    /// Liveness and the latest counters, for the health endpoint.
    pub fn monitor(&self) -> Arc<OutputMonitor> {
        Arc::clone(&self.monitor)
    }

    /// A sender for worker threads.
    pub fn sender(&self) -> OutputSender {
        OutputSender {
            tx: self.tx.clone(),
            types: self.types,
        }
    }

    /// Closes the queue, waits for the thread to write everything and returns
    /// its counters. Every other [`OutputSender`] must be dropped first.
    /// Delivery sinks get 10 s to drain (see [`Outputs::finish_within`]).
    pub fn finish(self) -> OutputCounters {
        self.finish_within(Duration::from_secs(10))
    }

    /// [`Outputs::finish`], waiting at most `drain` (from now) for the
    /// delivery sinks to deliver what they hold. What the portal has not
    /// acknowledged by then stays in its spool for the next start.
    pub fn finish_within(mut self, drain: Duration) -> OutputCounters {
        let deadline = Instant::now() + drain;
        let (dummy, _) = bounded(0);
        let tx = std::mem::replace(&mut self.tx, dummy);
        // Fails only when the output thread is gone (its sinks with it).
        let _ = tx.send(EveRecord::Control(Control::DrainUntil(deadline)));
        drop(tx);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

/// What workers and the stats loop use to emit events.
#[derive(Clone)]
pub struct OutputSender {
    tx: Sender<EveRecord>,
    types: EveTypes,
}

impl OutputSender {
    /// Which event types are wanted (so callers can skip building the others).
    pub fn types(&self) -> EveTypes {
        self.types
    }

    /// Queues a record, waiting while the queue is full. Records of types that
    /// are switched off are dropped here.
    pub fn send(&self, record: EveRecord) {
        let wanted = match &record {
            EveRecord::Flow(_) => self.types.flow,
            EveRecord::Alert(_) => self.types.alert,
            EveRecord::Stats(_) => self.types.stats,
            EveRecord::App(e) => self.types.app(e.header.event_type),
            // The arbiter counts deferred alerts even when they are not
            // written, and needs every watermark.
            EveRecord::Deferred(_)
            | EveRecord::Correlate(_)
            | EveRecord::Control(_)
            | EveRecord::Watermark { .. } => true,
        };
        if wanted {
            // Fails only when the output thread is gone, which it logged.
            let _ = self.tx.send(record);
        }
    }

    /// Queues the run's last `stats` event. The output thread holds it until
    /// the delivery sinks have drained (see [`Outputs::finish_within`]) and
    /// then writes it with their final `output.<sink>.*` counters, so the
    /// last `stats` line agrees with the summary. Sinks that take `stats`
    /// get it before they drain, with the counters of that moment.
    pub fn send_final_stats(&self, record: EveRecord) {
        match record {
            EveRecord::Stats(e) => self.send(EveRecord::Control(Control::FinalStats(e))),
            other => self.send(other),
        }
    }

    /// Asks the output thread to reopen the EVE file at its configured path
    /// (for logrotate; call it from the SIGHUP handling). The reopen happens
    /// in order with the records: every record sent through any sender
    /// before this call is written to the old file, whole, and every record
    /// sent after it to the new one. Waits only while the queue is full.
    pub fn reopen_logs(&self) {
        self.send(EveRecord::Control(Control::ReopenLogs));
    }
}

/// What waits in the heap for every worker to pass its capture position:
/// deferred alerts (for the threshold arbiter) and correlator events, in one
/// capture order.
enum Pending {
    Alert(Box<DeferredAlert>),
    Event(Box<CorrelateEvent>),
}

impl Pending {
    fn key(&self) -> (u64, u64, u32) {
        match self {
            Pending::Alert(d) => d.key,
            Pending::Event(e) => e.key,
        }
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

struct Sink {
    monitor: Arc<OutputMonitor>,
    tally: AlertTally,
    writer: Option<EveWriter>,
    /// What the EVE file takes.
    eve_types: EveTypes,
    /// What the EVE file or any delivery sink takes.
    types: EveTypes,
    /// Delivery sinks (syslog, portal), fed without waiting.
    sinks: Vec<SinkHandle>,
    arbiter: Option<ThresholdArbiter>,
    pending: BinaryHeap<Reverse<Pending>>,
    watermarks: Vec<u64>,
    /// Undecided deferred alerts per flow id: the flow's own record waits
    /// for them, so its `alerted` says whether one was written.
    pending_flows: HashMap<u64, u32>,
    /// Flows with a deferred alert written, until their flow record is.
    alerted_flows: HashSet<u64>,
    /// Flow records waiting for their flow's deferred alerts.
    held: Vec<FlowEvent>,
    /// The behavioural detectors, fed in capture order.
    correlator: Option<Correlator>,
    /// Packet time of the correlator's last tick.
    correlator_now: Timestamp,
    /// Behavioural alerts written.
    anomalies: u64,
    /// The run's last stats event, written after the sinks drained.
    final_stats: Option<Box<eve::StatsEvent>>,
    /// When the sinks must have drained.
    drain_until: Option<Instant>,
}

/// Flows remembered as alerted by a deferred alert before their flow record
/// arrives. Each entry is one written alert, so this is reached only by an
/// alert storm; past it the oldest knowledge is dropped (a flow record may
/// then say `alerted: false` for a thresholded alert), never memory.
const MAX_ALERTED_FLOWS: usize = 100_000;

impl Sink {
    fn run(mut self, rx: Receiver<EveRecord>) -> OutputCounters {
        loop {
            self.monitor.heartbeat.fetch_add(1, Ordering::Relaxed);
            if let Some(c) = self.correlator.as_mut() {
                c.save_inventory_if_due(Instant::now());
            }
            // Write what is queued, flush when the queue runs dry so a live
            // sensor's file is current within a fraction of a second.
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(record) => self.handle(record),
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(w) = self.writer.as_mut() {
                        w.idle();
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if rx.is_empty() {
                if let Some(w) = self.writer.as_mut() {
                    w.flush();
                }
            }
        }
        // Every worker is gone: what is still pending is decided now, in order.
        self.release(u64::MAX);
        // Open episodes end with the input (a replay's end, a shutdown).
        if let Some(c) = self.correlator.as_mut() {
            let mut out = Vec::new();
            c.finish(&mut out);
            self.write_anomalies(out);
        }
        // The device inventory outlives the run (`wardwatch assets` reads it).
        if let Some(c) = self.correlator.as_mut() {
            c.save_inventory(Instant::now());
        }
        let (deferred_allowed, deferred_quieted) = self
            .arbiter
            .as_ref()
            .map(|a| (a.allowed, a.quieted))
            .unwrap_or((0, 0));
        let mut counters = OutputCounters {
            deferred_allowed,
            deferred_quieted,
            anomalies: self.anomalies,
            ..OutputCounters::default()
        };
        // The delivery sinks drain (until the deadline), then the final
        // stats event is written with their final counters.
        let deadline = self
            .drain_until
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(10));
        let mut sinks = std::mem::take(&mut self.sinks);
        for s in &mut sinks {
            s.close();
        }
        for s in sinks {
            let name = s.name;
            counters.sinks.push((name, s.finish(deadline)));
        }
        if let Some(mut e) = self.final_stats.take() {
            self.adjust_stats(&mut e.stats);
            // Drained (or given up): nothing waits in a queue any more.
            add_sink_counters(
                &mut e.stats,
                counters.sinks.iter().map(|(n, c)| (*n, *c, 0)),
            );
            if let Some(w) = self.writer.as_mut() {
                if self.eve_types.stats {
                    w.write(&EveRecord::Stats(e));
                }
            }
        }
        if let Some(w) = self.writer.as_mut() {
            w.flush();
            counters.written = w.written;
            counters.errors = w.errors;
        }
        counters
    }

    /// Adds what only the output thread knows to a `stats` object: deferred
    /// and behavioural alerts decided so far (in `detect.alert`) and the
    /// correlator's counters.
    fn adjust_stats(&self, stats: &mut serde_json::Value) {
        let allowed = self.arbiter.as_ref().map_or(0, |a| a.allowed);
        if let Some(v) = stats.pointer_mut("/detect/alert") {
            let base = v.as_u64().unwrap_or(0);
            *v = serde_json::Value::from(base + allowed + self.anomalies);
        }
        if let (Some(c), Some(root)) = (&self.correlator, stats.as_object_mut()) {
            for (name, v) in c.counters() {
                crate::stats::insert_dotted(root, &name, v);
            }
        }
    }

    fn handle(&mut self, record: EveRecord) {
        match record {
            EveRecord::Deferred(d) => {
                *self.pending_flows.entry(d.key.1).or_default() += 1;
                self.pending.push(Reverse(Pending::Alert(d)));
            }
            EveRecord::Correlate(e) => {
                if self.correlator.is_some() {
                    self.pending.push(Reverse(Pending::Event(e)));
                }
            }
            EveRecord::Flow(e) => {
                if self
                    .pending_flows
                    .contains_key(&e.header.flow_id.unwrap_or_default())
                {
                    self.held.push(*e);
                } else {
                    self.write_flow(e);
                }
            }
            EveRecord::Watermark { worker, seq } => {
                if let Some(w) = self.watermarks.get_mut(worker) {
                    *w = (*w).max(seq);
                }
                let low = self.watermarks.iter().copied().min().unwrap_or(u64::MAX);
                self.release(low);
            }
            EveRecord::Stats(mut e) => {
                self.complete_stats(&mut e.stats);
                self.write(&EveRecord::Stats(e));
            }
            EveRecord::Control(eve::Control::Publish(mut e)) => {
                self.complete_stats(&mut e.stats);
                let (sids, dets) = self.tally.to_json();
                if let Some(root) = e.stats.as_object_mut() {
                    root.insert("alerts_by_sid".into(), sids);
                    root.insert("alerts_by_detector".into(), dets);
                }
                *self
                    .monitor
                    .latest
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(e.stats);
            }
            EveRecord::Control(eve::Control::ReloadDetectors(cfg)) => {
                let mut ended = Vec::new();
                if let Some(c) = self.correlator.as_mut() {
                    match c.reload((*cfg).clone()) {
                        Ok(sum) => {
                            for w in &sum.warnings {
                                tracing::warn!("detector settings: {w}");
                            }
                            tracing::info!(
                                domains = sum.domains,
                                networks = sum.networks,
                                vendors = sum.vendors,
                                changed = ?sum.changed,
                                restarted = ?sum.restarted,
                                "detector settings and indicator lists reloaded"
                            );
                            ended = sum.ended;
                        }
                        Err(e) => tracing::error!(
                            "detector settings not reloaded, the ones in use stay: {e}"
                        ),
                    }
                }
                self.write_anomalies(ended);
            }
            EveRecord::Control(Control::ReopenLogs) => {
                if let Some(w) = self.writer.as_mut() {
                    if let Err(e) = w.reopen() {
                        tracing::error!(path = %w.path().display(), error = %e, "cannot reopen the EVE file; writing on in the old one");
                        w.errors += 1;
                    }
                }
            }
            EveRecord::Control(Control::FinalStats(e)) => {
                // Sinks that take stats get it now, while they still run,
                // with the counters of this moment; the EVE file gets it
                // after they drained.
                let mut now = e.clone();
                self.complete_stats(&mut now.stats);
                self.offer_to_sinks(&EveRecord::Stats(now));
                self.final_stats = Some(e);
            }
            EveRecord::Control(Control::DrainUntil(t)) => self.drain_until = Some(t),
            other => self.write(&other),
        }
    }

    /// Decides and writes every pending alert at or below capture record `low`.
    fn release(&mut self, low: u64) {
        while self
            .pending
            .peek()
            .is_some_and(|Reverse(p)| p.key().0 <= low)
        {
            let d = match self.pending.pop() {
                Some(Reverse(Pending::Alert(d))) => d,
                Some(Reverse(Pending::Event(e))) => {
                    if let Some(c) = self.correlator.as_mut() {
                        let mut out = Vec::new();
                        // Quiet periods end episodes in packet time, checked
                        // once per second of it: driven by the events alone,
                        // so the same for any worker count.
                        let ts = e.event.ts();
                        if ts.micros_since(self.correlator_now) >= 1_000_000 {
                            self.correlator_now = ts;
                            c.tick(ts, &mut out);
                        }
                        c.handle(&e.event, &mut out);
                        self.write_anomalies(out);
                    }
                    continue;
                }
                None => break,
            };
            let allowed = match self.arbiter.as_mut() {
                Some(a) => a.allow(&d.rate),
                None => true,
            };
            let flow_id = d.key.1;
            if let Some(n) = self.pending_flows.get_mut(&flow_id) {
                *n -= 1;
                if *n == 0 {
                    self.pending_flows.remove(&flow_id);
                }
            }
            if allowed {
                if self.types.flow {
                    if self.alerted_flows.len() >= MAX_ALERTED_FLOWS {
                        self.alerted_flows.clear();
                    }
                    self.alerted_flows.insert(flow_id);
                }
                if self.types.alert {
                    self.write(&EveRecord::Alert(Box::new(d.event)));
                }
            }
        }
        if !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            for e in held {
                if self
                    .pending_flows
                    .contains_key(&e.header.flow_id.unwrap_or_default())
                {
                    self.held.push(e);
                } else {
                    self.write_flow(Box::new(e));
                }
            }
        }
    }

    /// Adds to a `stats` object what only this thread knows: deferred and
    /// behavioural alerts decided so far (in `detect.alert`), the
    /// correlator's counters and each delivery sink's.
    fn complete_stats(&self, stats: &mut serde_json::Value) {
        self.adjust_stats(stats);
        add_sink_counters(
            stats,
            self.sinks
                .iter()
                .map(|s| (s.name, s.counts(), s.queue_len())),
        );
    }

    /// Writes the correlator's alerts.
    fn write_anomalies(&mut self, out: Vec<Anomaly>) {
        for a in out {
            self.anomalies += 1;
            if let Some(c) = self.correlator.as_mut() {
                c.apply_blocks(&a);
            }
            if self.types.alert {
                self.write(&EveRecord::Alert(Box::new(eve::AlertEvent::from_anomaly(
                    &a,
                ))));
            }
        }
    }

    /// Writes a flow record, marked alerted when a deferred alert on it was.
    fn write_flow(&mut self, mut e: Box<FlowEvent>) {
        if self
            .alerted_flows
            .remove(&e.header.flow_id.unwrap_or_default())
        {
            e.flow.alerted = true;
        }
        self.write(&EveRecord::Flow(e));
    }

    fn write(&mut self, record: &EveRecord) {
        if let EveRecord::Alert(a) = record {
            self.tally.count(a);
        }
        if let Some(w) = self.writer.as_mut() {
            if sink::wants(&self.eve_types, record) {
                w.write(record);
            }
        }
        self.offer_to_sinks(record);
    }

    /// Hands `record` to every delivery sink that takes its type.
    fn offer_to_sinks(&mut self, record: &EveRecord) {
        let mut shared: Option<Arc<Delivery>> = None;
        for s in &mut self.sinks {
            if sink::wants(&s.types(), record) {
                // One id per event, the same in every sink.
                let d = shared.get_or_insert_with(|| Arc::new(Delivery::new(record.clone())));
                s.offer(d);
            }
        }
    }
}

/// `output.<sink>.<counter>` in a `stats` object, from (name, counters,
/// events waiting in its queue now).
fn add_sink_counters<'a>(
    stats: &mut serde_json::Value,
    sinks: impl ExactSizeIterator<Item = (&'a str, SinkCounts, usize)>,
) {
    if sinks.len() == 0 {
        return;
    }
    let Some(root) = stats.as_object_mut() else {
        return;
    };
    let output = root
        .entry("output")
        .or_insert_with(|| serde_json::json!({}));
    let Some(output) = output.as_object_mut() else {
        return;
    };
    for (name, counts, queue_len) in sinks {
        let mut m = serde_json::Map::new();
        for (counter, v) in counts.named() {
            m.insert(counter.into(), v.into());
        }
        // Events waiting in the sink's queue (a gauge).
        m.insert("queue_len".into(), queue_len.into());
        output.insert(name.into(), serde_json::Value::Object(m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::eve::{AlertEvent, StatsEvent};

    fn alert(sender: u64, n: u64) -> EveRecord {
        let mut a = AlertEvent::sensor_health(
            Timestamp::from_secs_micros(1_700_000_000, 0),
            9_100_999,
            "test".into(),
            3,
            serde_json::json!({}),
        );
        a.header.flow_id = Some(sender << 32 | n);
        EveRecord::Alert(Box::new(a))
    }

    /// (sender, n) of every line of `path`; every line must be whole JSON.
    fn lines(path: &std::path::Path) -> Vec<(u64, u64)> {
        let text = std::fs::read_to_string(path).expect("read");
        assert!(text.is_empty() || text.ends_with('\n'), "a line is cut");
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("whole line");
                let id = v["flow_id"].as_u64().expect("flow_id");
                (id >> 32, id & 0xffff_ffff)
            })
            .collect()
    }

    #[test]
    fn reopen_logs_between_records_while_they_flow() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("eve.json");
        let rotated = dir.path().join("eve.json.1");
        let w = EveWriter::open(&path).expect("open");
        let types = EveTypes {
            alert: true,
            ..EveTypes::default()
        };
        let outputs = Outputs::start(Some(w), types);
        const N: u64 = 20_000;
        // Two other threads send all the time.
        let others: Vec<_> = (1..=2)
            .map(|t| {
                let tx = outputs.sender();
                std::thread::spawn(move || {
                    for n in 0..N {
                        tx.send(alert(t, n));
                    }
                })
            })
            .collect();
        let tx = outputs.sender();
        for n in 0..N / 2 {
            tx.send(alert(0, n));
        }
        // What logrotate and the SIGHUP handler do.
        std::fs::rename(&path, &rotated).expect("rename");
        tx.reopen_logs();
        for n in N / 2..N {
            tx.send(alert(0, n));
        }
        for t in others {
            t.join().expect("sender");
        }
        drop(tx);
        let c = outputs.finish();
        assert_eq!((c.written, c.errors), (3 * N, 0));
        let old = lines(&rotated);
        let new = lines(&path);
        // Every record is in exactly one file, whole.
        let mut all: Vec<(u64, u64)> = old.iter().chain(&new).copied().collect();
        all.sort_unstable();
        let want: Vec<(u64, u64)> = (0..3).flat_map(|t| (0..N).map(move |n| (t, n))).collect();
        assert_eq!(all, want);
        // The reopen took effect exactly where it was sent: sender 0's
        // records before it are in the old file, those after in the new one.
        let mine = |v: &[(u64, u64)]| {
            v.iter()
                .filter(|r| r.0 == 0)
                .map(|r| r.1)
                .collect::<Vec<_>>()
        };
        assert_eq!(mine(&old), (0..N / 2).collect::<Vec<_>>());
        assert_eq!(mine(&new), (N / 2..N).collect::<Vec<_>>());
        // The other senders' records were split too (they were sending
        // throughout), each in its send order.
        for t in 1..=2 {
            let o: Vec<u64> = old.iter().filter(|r| r.0 == t).map(|r| r.1).collect();
            let n: Vec<u64> = new.iter().filter(|r| r.0 == t).map(|r| r.1).collect();
            assert!(o.windows(2).all(|w| w[0] < w[1]) && n.windows(2).all(|w| w[0] < w[1]));
            assert!(o.last().is_none_or(|l| n.first().is_none_or(|f| l < f)));
        }
    }

    #[test]
    fn final_stats_is_written_last_with_final_sink_counters() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("eve.json");
        let w = EveWriter::open(&path).expect("open");
        let all = EveTypes {
            alert: true,
            stats: true,
            ..EveTypes::default()
        };
        // A sink that takes a while to deliver each event.
        let sink = SinkHandle::start("slow", all, 100, |input| {
            Ok(vec![std::thread::spawn(move || {
                for _ in input.rx.iter() {
                    std::thread::sleep(Duration::from_millis(20));
                    sink::SinkCounters::add(&input.counters.delivered, 1);
                }
            })])
        })
        .expect("sink");
        let outputs = Outputs::start_with_sinks(Some(w), all, 0, None, vec![sink]);
        let tx = outputs.sender();
        for n in 0..10 {
            tx.send(alert(0, n));
        }
        tx.send_final_stats(EveRecord::Stats(Box::new(StatsEvent {
            timestamp: "2024-01-01T00:00:01.000000+00:00".into(),
            event_type: "stats",
            stats: serde_json::json!({"decoder": {"pkts": 5}}),
        })));
        drop(tx);
        let c = outputs.finish_within(Duration::from_secs(10));
        // 10 alerts and the final stats itself were delivered.
        assert_eq!(c.sinks[0].1.delivered, 11);
        let text = std::fs::read_to_string(&path).expect("read");
        let last: serde_json::Value =
            serde_json::from_str(text.lines().last().expect("lines")).expect("json");
        assert_eq!(last["event_type"], "stats");
        assert_eq!(last["stats"]["decoder"]["pkts"], 5);
        assert_eq!(last["stats"]["output"]["slow"]["delivered"], 11);
        assert_eq!(last["stats"]["output"]["slow"]["queued"], 11);
        assert_eq!(text.lines().count(), 11);
    }
}
