//! What the delivery sinks (syslog, portal) share: the event handed to them,
//! their counters, and the handle the EVE thread fans out through.
//!
//! The EVE thread never waits for a delivery sink: it offers each wanted event
//! to every sink's bounded queue with `try_send`, and a full queue drops the
//! event there and counts it in `output.<sink>.dropped` (Vector's "drop newest"
//! buffer policy). A dead syslog server or a slow portal therefore costs
//! detection nothing; the portal sink keeps its queue short by writing to its
//! disk spool first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use uuid::Uuid;

use super::eve::EveRecord;
use crate::config::EveTypes;

/// One event on its way to the delivery sinks: an EVE record and the id that
/// every sink sends with it, so a portal or SIEM receiving it twice (a retry,
/// or syslog and portal both) can tell it is the same alert.
#[derive(Debug)]
pub struct Delivery {
    /// Random (v4) UUID, the event's `alert_id`.
    pub id: Uuid,
    /// The event (never a `Deferred` or `Watermark`).
    pub record: EveRecord,
}

impl Delivery {
    /// Wraps a record with a fresh id.
    pub fn new(record: EveRecord) -> Self {
        Delivery {
            id: Uuid::new_v4(),
            record,
        }
    }

    /// The EVE JSON object with `"alert_id"` appended as its last key.
    pub fn json(&self) -> Result<String, serde_json::Error> {
        let line = self.record.to_json_line()?;
        Ok(match line.strip_suffix('}') {
            Some(head) if head.len() > 1 => format!("{head},\"alert_id\":\"{}\"}}", self.id),
            Some(_) => format!("{{\"alert_id\":\"{}\"}}", self.id),
            None => line,
        })
    }

    /// `alert`, `flow`, `stats` or the app-layer type.
    pub fn event_type(&self) -> &'static str {
        record_type(&self.record)
    }
}

/// The EVE `event_type` of a record.
pub fn record_type(record: &EveRecord) -> &'static str {
    match record {
        EveRecord::Alert(_) | EveRecord::Deferred(_) => "alert",
        EveRecord::Flow(_) => "flow",
        EveRecord::Stats(_) => "stats",
        EveRecord::App(e) => e.header.event_type,
        // Arbiter and correlator messages never reach the delivery sinks.
        _ => "internal",
    }
}

/// True when `types` selects `record`.
pub fn wants(types: &EveTypes, record: &EveRecord) -> bool {
    match record {
        EveRecord::Alert(_) | EveRecord::Deferred(_) => types.alert,
        EveRecord::Flow(_) => types.flow,
        EveRecord::Stats(_) => types.stats,
        EveRecord::App(e) => types.app(e.header.event_type),
        _ => false,
    }
}

/// Live counters of one sink, shared between its thread(s), the EVE thread
/// and whoever reads them. Every count is in events.
#[derive(Debug, Default)]
pub struct SinkCounters {
    /// Accepted into the sink's queue.
    pub queued: AtomicU64,
    /// Acknowledged by the receiver (portal: 2xx) or, for syslog, which has no
    /// acknowledgement, written whole to the socket.
    pub delivered: AtomicU64,
    /// Sent again after a failure (per event, per attempt).
    pub retried: AtomicU64,
    /// Written to the disk spool (portal).
    pub spooled: AtomicU64,
    /// Lost: queue full, spool full (oldest dropped), undeliverable at exit.
    pub dropped: AtomicU64,
    /// Refused by the portal with a 4xx and parked in `spool_dir/parked/`.
    pub parked: AtomicU64,
    /// Spool records skipped because their checksum or length was bad.
    pub corrupt: AtomicU64,
    /// Messages cut to the transport's size limit (syslog).
    pub truncated: AtomicU64,
    /// Connection failures (connect, send or request errors).
    pub errors: AtomicU64,
}

/// A plain copy of [`SinkCounters`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkCounts {
    /// See [`SinkCounters::queued`].
    pub queued: u64,
    /// See [`SinkCounters::delivered`].
    pub delivered: u64,
    /// See [`SinkCounters::retried`].
    pub retried: u64,
    /// See [`SinkCounters::spooled`].
    pub spooled: u64,
    /// See [`SinkCounters::dropped`].
    pub dropped: u64,
    /// See [`SinkCounters::parked`].
    pub parked: u64,
    /// See [`SinkCounters::corrupt`].
    pub corrupt: u64,
    /// See [`SinkCounters::truncated`].
    pub truncated: u64,
    /// See [`SinkCounters::errors`].
    pub errors: u64,
}

impl SinkCounters {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The current values.
    pub fn read(&self) -> SinkCounts {
        let r = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SinkCounts {
            queued: r(&self.queued),
            delivered: r(&self.delivered),
            retried: r(&self.retried),
            spooled: r(&self.spooled),
            dropped: r(&self.dropped),
            parked: r(&self.parked),
            corrupt: r(&self.corrupt),
            truncated: r(&self.truncated),
            errors: r(&self.errors),
        }
    }
}

impl SinkCounts {
    /// Every counter with its name (`queued`, `delivered`, ...).
    pub fn named(&self) -> [(&'static str, u64); 9] {
        [
            ("queued", self.queued),
            ("delivered", self.delivered),
            ("retried", self.retried),
            ("spooled", self.spooled),
            ("dropped", self.dropped),
            ("parked", self.parked),
            ("spool_corrupt", self.corrupt),
            ("truncated", self.truncated),
            ("errors", self.errors),
        ]
    }
}

/// Set when the drain deadline has passed: sinks stop retrying and exit.
#[derive(Clone, Debug, Default)]
pub struct AbortFlag(Arc<AtomicBool>);

impl AbortFlag {
    /// True once the sink must give up.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Tells the sinks to give up.
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Sleeps `d`, waking early (false) when the flag is set.
    pub fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.is_set() {
                return false;
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }
}

/// What a sink's thread receives when it starts.
pub struct SinkInput {
    /// Its queue; disconnected when the EVE thread stops.
    pub rx: Receiver<Arc<Delivery>>,
    /// Its counters.
    pub counters: Arc<SinkCounters>,
    /// Set when the drain deadline passed.
    pub abort: AbortFlag,
}

impl SinkInput {
    /// Counts everything still queued as dropped (at abort).
    pub fn drop_queued(&self) {
        let n = self.rx.try_iter().count() as u64;
        SinkCounters::add(&self.counters.dropped, n);
    }
}

/// A way for one sink to tell the operator something through another (the
/// portal spool's drops through syslog): a clone of that sink's queue. It
/// never waits; a full queue drops the notice (counted in that sink's
/// `dropped`). Hold it only in a thread that ends when its own queue closes,
/// or the other sink's queue never closes.
#[derive(Clone)]
pub struct SinkNotifier {
    name: &'static str,
    tx: Sender<Arc<Delivery>>,
    counters: Arc<SinkCounters>,
}

impl SinkNotifier {
    /// Queues `record` (with a fresh id) towards the sink.
    pub fn notify(&self, record: EveRecord) {
        match self.tx.try_send(Arc::new(Delivery::new(record))) {
            Ok(()) => SinkCounters::add(&self.counters.queued, 1),
            Err(_) => {
                SinkCounters::add(&self.counters.dropped, 1);
                tracing::warn!(
                    sink = self.name,
                    "cannot queue a sensor notice: sink queue full"
                );
            }
        }
    }
}

/// The EVE thread's end of one running sink.
pub struct SinkHandle {
    /// `syslog`, `portal`: the `output.<name>.*` counter prefix.
    pub name: &'static str,
    types: EveTypes,
    tx: Option<Sender<Arc<Delivery>>>,
    counters: Arc<SinkCounters>,
    abort: AbortFlag,
    threads: Vec<JoinHandle<()>>,
    full_warnings: u64,
}

impl SinkHandle {
    /// Starts a sink: a bounded queue of `queue_size` events of `types`, and
    /// `spawn`, which gets the receiving end and returns the sink's threads.
    pub fn start(
        name: &'static str,
        types: EveTypes,
        queue_size: usize,
        spawn: impl FnOnce(SinkInput) -> std::io::Result<Vec<JoinHandle<()>>>,
    ) -> std::io::Result<Self> {
        let (tx, rx) = crossbeam_channel::bounded(queue_size);
        let counters = Arc::new(SinkCounters::default());
        let abort = AbortFlag::default();
        let threads = spawn(SinkInput {
            rx,
            counters: Arc::clone(&counters),
            abort: abort.clone(),
        })?;
        Ok(SinkHandle {
            name,
            types,
            tx: Some(tx),
            counters,
            abort,
            threads,
            full_warnings: 0,
        })
    }

    /// The event types this sink takes.
    pub fn types(&self) -> EveTypes {
        self.types
    }

    /// Its counters now.
    pub fn counts(&self) -> SinkCounts {
        self.counters.read()
    }

    /// Events waiting in the sink's queue.
    pub fn queue_len(&self) -> usize {
        self.tx.as_ref().map_or(0, |t| t.len())
    }

    /// Offers an event without waiting; a full queue drops it (counted).
    pub fn offer(&mut self, d: &Arc<Delivery>) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(Arc::clone(d)) {
            Ok(()) => SinkCounters::add(&self.counters.queued, 1),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                SinkCounters::add(&self.counters.dropped, 1);
                // Loud, but not once per event in a storm.
                if self.full_warnings % 1000 == 0 {
                    tracing::warn!(
                        sink = self.name,
                        dropped = self.counters.read().dropped,
                        "output queue full: events dropped (see stats output.{}.dropped)",
                        self.name
                    );
                }
                self.full_warnings += 1;
            }
        }
    }

    /// A [`SinkNotifier`] into this sink's queue (`None` once closed).
    pub fn notifier(&self) -> Option<SinkNotifier> {
        Some(SinkNotifier {
            name: self.name,
            tx: self.tx.clone()?,
            counters: Arc::clone(&self.counters),
        })
    }

    /// Closes the queue so the sink drains and exits.
    pub fn close(&mut self) {
        self.tx = None;
    }

    /// Waits until `deadline` for the sink to deliver what it holds; past it,
    /// tells it to give up and waits a short grace for it to record that.
    /// Returns its final counters.
    pub fn finish(mut self, deadline: Instant) -> SinkCounts {
        self.close();
        let threads = std::mem::take(&mut self.threads);
        for t in threads {
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if !t.is_finished() {
                self.abort.set();
                let grace = Instant::now() + Duration::from_secs(2);
                while !t.is_finished() && Instant::now() < grace {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            if t.is_finished() {
                if t.join().is_err() {
                    tracing::error!(sink = self.name, "output sink thread panicked");
                }
            } else {
                tracing::warn!(
                    sink = self.name,
                    "output sink did not stop in time; leaving it behind"
                );
            }
        }
        self.counters.read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::eve::StatsEvent;

    fn stats() -> EveRecord {
        EveRecord::Stats(Box::new(StatsEvent {
            timestamp: "2024-01-01T00:00:00.000000+00:00".into(),
            event_type: "stats",
            stats: serde_json::json!({"decoder": {"pkts": 1}}),
        }))
    }

    #[test]
    fn json_appends_the_id() {
        let d = Delivery::new(stats());
        let line = d.json().expect("json");
        let v: serde_json::Value = serde_json::from_str(&line).expect("valid json");
        assert_eq!(v["alert_id"], d.id.to_string());
        assert_eq!(v["stats"]["decoder"]["pkts"], 1);
        assert!(line.starts_with("{\"timestamp\""), "{line}");
    }

    #[test]
    fn full_queue_drops_and_counts_without_waiting() {
        let types = EveTypes {
            stats: true,
            ..EveTypes::default()
        };
        let (hold_tx, hold_rx) = crossbeam_channel::bounded::<()>(0);
        let mut h = SinkHandle::start("test", types, 2, move |input| {
            // A sink that never reads until told to.
            Ok(vec![std::thread::spawn(move || {
                let _ = hold_rx.recv();
                input.drop_queued();
            })])
        })
        .expect("start");
        let d = Arc::new(Delivery::new(stats()));
        let started = Instant::now();
        for _ in 0..10 {
            h.offer(&d);
        }
        assert!(started.elapsed() < Duration::from_secs(1));
        let c = h.counts();
        assert_eq!((c.queued, c.dropped), (2, 8));
        drop(hold_tx);
        let c = h.finish(Instant::now() + Duration::from_secs(5));
        assert_eq!(c.dropped, 10);
    }
}
