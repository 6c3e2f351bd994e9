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

use crate::config::EveTypes;

/// Records queued towards the output thread before senders wait.
const QUEUE: usize = 16 * 1024;

/// Counters of the EVE sink, read when it stops.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputCounters {
    /// Lines written.
    pub written: u64,
    /// Lines that failed.
    pub errors: u64,
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
        let (tx, rx) = bounded(QUEUE);
        let thread = std::thread::Builder::new()
            .name("ww-output".into())
            .spawn(move || run_sink(writer, rx));
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
        };
        if wanted {
            // Fails only when the output thread is gone, which it logged.
            let _ = self.tx.send(record);
        }
    }
}

fn run_sink(mut writer: Option<EveWriter>, rx: Receiver<EveRecord>) -> OutputCounters {
    loop {
        // Write what is queued, flush when the queue runs dry so a live sensor's
        // file is current within a fraction of a second.
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(record) => {
                if let Some(w) = writer.as_mut() {
                    w.write(&record);
                }
                if rx.is_empty() {
                    if let Some(w) = writer.as_mut() {
                        w.flush();
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    match writer.as_mut() {
        Some(w) => {
            w.flush();
            OutputCounters {
                written: w.written,
                errors: w.errors,
            }
        }
        None => OutputCounters::default(),
    }
}
