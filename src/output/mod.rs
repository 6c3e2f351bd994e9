//! Outputs: each sink runs on its own thread behind a bounded queue.
//!
//! Workers hand owned [`EveRecord`]s to the output thread and never touch a
//! file themselves. The queue is bounded so a stalled disk cannot grow memory
//! without limit; for the EVE file a full queue makes the sender wait (the
//! file is local, and losing alerts is worse than slowing down).

pub mod eve;

use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};

pub use eve::{EveRecord, EveWriter};

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use crate::config::EveTypes;
use crate::detect::ThresholdArbiter;
use eve::{DeferredAlert, FlowEvent};

/// Records queued towards the output thread before senders wait.
const QUEUE: usize = 16 * 1024;

/// Counters of the EVE sink, read when it stops.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputCounters {
    /// Lines written.
    pub written: u64,
    /// Lines that failed.
    pub errors: u64,
    /// Deferred alerts the threshold arbiter let through.
    pub deferred_allowed: u64,
    /// Deferred alerts it kept quiet.
    pub deferred_quieted: u64,
}

/// A handle to the running output thread.
pub struct Outputs {
    tx: Sender<EveRecord>,
    types: EveTypes,
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
        let (tx, rx) = bounded(QUEUE);
        let sink = Sink {
            writer,
            types,
            arbiter,
            pending: BinaryHeap::new(),
            watermarks: vec![0; workers],
            pending_flows: HashMap::new(),
            alerted_flows: HashSet::new(),
            held: Vec::new(),
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
        Outputs { tx, types, thread }
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
    pub fn finish(mut self) -> OutputCounters {
        let (dummy, _) = bounded(0);
        drop(std::mem::replace(&mut self.tx, dummy));
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
            EveRecord::Deferred(_) | EveRecord::Correlate(_) | EveRecord::Watermark { .. } => true,
        };
        if wanted {
            // Fails only when the output thread is gone, which it logged.
            let _ = self.tx.send(record);
        }
    }
}

/// A deferred alert in the heap, ordered by its capture-order key.
struct Pending(Box<DeferredAlert>);

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
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
        self.0.key.cmp(&other.0.key)
    }
}

struct Sink {
    writer: Option<EveWriter>,
    types: EveTypes,
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
}

/// Flows remembered as alerted by a deferred alert before their flow record
/// arrives. Each entry is one written alert, so this is reached only by an
/// alert storm; past it the oldest knowledge is dropped (a flow record may
/// then say `alerted: false` for a thresholded alert), never memory.
const MAX_ALERTED_FLOWS: usize = 100_000;

impl Sink {
    fn run(mut self, rx: Receiver<EveRecord>) -> OutputCounters {
        loop {
            // Write what is queued, flush when the queue runs dry so a live
            // sensor's file is current within a fraction of a second.
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(record) => {
                    self.handle(record);
                    if rx.is_empty() {
                        if let Some(w) = self.writer.as_mut() {
                            w.flush();
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // Every worker is gone: what is still pending is decided now, in order.
        self.release(u64::MAX);
        let (deferred_allowed, deferred_quieted) = self
            .arbiter
            .as_ref()
            .map(|a| (a.allowed, a.quieted))
            .unwrap_or((0, 0));
        match self.writer.as_mut() {
            Some(w) => {
                w.flush();
                OutputCounters {
                    written: w.written,
                    errors: w.errors,
                    deferred_allowed,
                    deferred_quieted,
                }
            }
            None => OutputCounters {
                deferred_allowed,
                deferred_quieted,
                ..OutputCounters::default()
            },
        }
    }

    fn handle(&mut self, record: EveRecord) {
        match record {
            EveRecord::Deferred(d) => {
                *self.pending_flows.entry(d.key.1).or_default() += 1;
                self.pending.push(Reverse(Pending(d)));
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
                // Deferred alerts decided so far belong in detect.alert.
                if let Some(a) = &self.arbiter {
                    if let Some(v) = e.stats.pointer_mut("/detect/alert") {
                        let base = v.as_u64().unwrap_or(0);
                        *v = serde_json::Value::from(base + a.allowed);
                    }
                }
                self.write(&EveRecord::Stats(e));
            }
            other => self.write(&other),
        }
    }

    /// Decides and writes every pending alert at or below capture record `low`.
    fn release(&mut self, low: u64) {
        while self
            .pending
            .peek()
            .is_some_and(|Reverse(p)| p.0.key.0 <= low)
        {
            let Some(Reverse(Pending(d))) = self.pending.pop() else {
                break;
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
        if let Some(w) = self.writer.as_mut() {
            w.write(record);
        }
    }
}
