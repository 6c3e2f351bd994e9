//! Incident portal sink: alerts POSTed as JSON batches over HTTPS, through a
//! durable spool (see [`super::spool`]), with retries that never give up on a
//! transient failure and never loop forever on a permanent one.
//!
//! Two threads share the spool: the *spooler* takes events from the sink's
//! queue and appends them to disk (fast, so the queue stays short while the
//! portal is down), the *sender* reads the oldest records, POSTs them as one
//! batch and acknowledges them in the spool on a 2xx. The wire format is in
//! `docs/portal-api.md`.
//!
//! Retry policy: network errors, 5xx and 429 are retried with exponential
//! backoff (`retry_initial` doubling up to `retry_max`) and "equal jitter"
//! (half fixed, half random, so a fleet of sensors does not retry in step);
//! a `Retry-After: <seconds>` on 429/503 is honoured instead (up to an hour).
//! Any other status (4xx, or a 3xx: redirects are not followed for a POST) is
//! permanent: the batch is written to `spool_dir/parked/` for a person to look
//! at, logged, counted in `output.portal.parked`, and removed from the spool.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::RecvTimeoutError;

use super::eve::{AlertEvent, EveRecord};
use super::sink::{SinkCounters, SinkInput, SinkNotifier};
pub use super::spool::FsyncPolicy;
use super::spool::{Spool, SpooledRecord};
use super::tls::{TlsError, TlsFiles, ureq_tls};
use crate::config::{EveTypes, SensorIdentity};
use crate::time::Timestamp;

/// The validated `[outputs.portal]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalConfig {
    /// Endpoint.
    pub url: String,
    /// Bearer token file.
    pub token_file: Option<PathBuf>,
    /// Spool directory.
    pub spool_dir: PathBuf,
    /// Spool size cap in bytes.
    pub spool_max_size: u64,
    /// fsync policy of the spool.
    pub fsync: FsyncPolicy,
    /// Events per batch.
    pub batch_max_events: usize,
    /// Bytes per batch.
    pub batch_max_bytes: usize,
    /// Longest wait for a batch to fill.
    pub batch_max_age: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// First retry delay.
    pub retry_initial: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// TLS files.
    pub tls: TlsFiles,
    /// Event types sent.
    pub types: EveTypes,
    /// Queue depth in front of the spool.
    pub queue_size: usize,
}

/// Why the portal sink could not start.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The spool directory is unusable.
    #[error(
        "outputs.portal.spool_dir {path}: {source} (give a directory the sensor may create and write)"
    )]
    Spool {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The TLS files are unusable.
    #[error("outputs.portal: {0}")]
    Tls(#[from] TlsError),
    /// A thread could not start.
    #[error("outputs.portal: cannot start thread: {0}")]
    Thread(#[from] io::Error),
}

/// Reads the bearer token: the file's first line, trimmed. Errors name the
/// file and never contain any of its content.
pub fn read_token(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read token file {}: {e}", path.display()))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        return Err(format!(
            "token file {} is empty; put the portal's bearer token on its first line",
            path.display()
        ));
    }
    if token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!(
            "token file {} holds characters a bearer token cannot have (spaces or control characters)",
            path.display()
        ));
    }
    Ok(token)
}

/// State shared by the spooler and the sender.
struct Shared {
    spool: Mutex<Spool>,
    /// Signalled when records were appended or the spooler finished.
    wake: Condvar,
    /// The spooler has exited (no more records will come).
    closed: Mutex<bool>,
}

fn lock(spool: &Mutex<Spool>) -> MutexGuard<'_, Spool> {
    // A panic in the other thread must not take delivery down with it: the
    // spool's state is consistent between calls.
    spool.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the spooler and sender threads.
/// `warn`, when set, is where a spool that dropped alerts (full) raises a
/// `sensor-health` alert ([`SPOOL_DROP_SID`]): the syslog sink.
pub fn start(
    cfg: &PortalConfig,
    sensor: &SensorIdentity,
    input: SinkInput,
    warn: Option<SinkNotifier>,
) -> Result<Vec<JoinHandle<()>>, PortalError> {
    let spool = Spool::open(
        &cfg.spool_dir,
        cfg.spool_max_size,
        cfg.fsync,
        Arc::clone(&input.counters),
    )
    .map_err(|source| PortalError::Spool {
        path: cfg.spool_dir.clone(),
        source,
    })?;
    if let Some(p) = &cfg.token_file {
        warn_if_readable_by_others(p);
    }
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_connect(Some(cfg.connect_timeout))
            .timeout_global(Some(cfg.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(format!("wardwatch/{}", env!("CARGO_PKG_VERSION")))
            .tls_config(ureq_tls(&cfg.tls)?)
            .build(),
    );
    let shared = Arc::new(Shared {
        spool: Mutex::new(spool),
        wake: Condvar::new(),
        closed: Mutex::new(false),
    });
    let sensor_json = serde_json::json!({
        "name": sensor.name,
        "site": sensor.site,
        "hospital": sensor.hospital,
        "version": env!("CARGO_PKG_VERSION"),
    })
    .to_string();
    let sender = Sender {
        cfg: cfg.clone(),
        agent,
        sensor_json,
        shared: Arc::clone(&shared),
        counters: Arc::clone(&input.counters),
        abort: input.abort.clone(),
    };
    let spooler_shared = Arc::clone(&shared);
    let t1 = std::thread::Builder::new()
        .name("ww-out-spool".into())
        .spawn(move || spooler(spooler_shared, input, warn))?;
    let t2 = std::thread::Builder::new()
        .name("ww-out-portal".into())
        .spawn(move || sender.run())?;
    Ok(vec![t1, t2])
}

fn warn_if_readable_by_others(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(p) {
        if m.permissions().mode() & 0o004 != 0 {
            tracing::warn!(
                path = %p.display(),
                "the portal token file is readable by every user; chmod 600 it"
            );
        }
    }
}

/// `alert.signature_id` of the `sensor-health` alert raised when the full
/// portal spool dropped its oldest alerts (the end of the behavioural
/// detectors' range, 9100000–9100999, is kept for the sensor's own notices).
pub const SPOOL_DROP_SID: u32 = 9_100_910;

/// The `sensor-health` alert telling the SIEM that `dropped` undelivered
/// alerts were just lost from the portal spool in `dir`.
pub fn spool_drop_alert(dropped: u64, total: u64, dir: &Path) -> EveRecord {
    EveRecord::Alert(Box::new(AlertEvent::sensor_health(
        Timestamp::now(),
        SPOOL_DROP_SID,
        format!(
            "WARDWATCH sensor-health: portal spool full, {dropped} oldest undelivered alerts \
             dropped ({total} in all); the incident portal is unreachable or too slow"
        ),
        2,
        serde_json::json!({
            "event": "portal_spool_full",
            "dropped": dropped,
            "dropped_total": total,
            "spool_dir": dir.display().to_string(),
        }),
    )))
}

/// Moves events from the queue to the spool; when the full spool dropped
/// alerts, says so through `warn` (syslog) as well as the counter and log.
fn spooler(shared: Arc<Shared>, input: SinkInput, warn: Option<SinkNotifier>) {
    let c = &input.counters;
    let mut append_errors = 0u64;
    loop {
        let first = match input.rx.recv_timeout(Duration::from_millis(200)) {
            Ok(d) => Some(d),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut spool = lock(&shared.spool);
        if let Some(first) = first {
            // Everything queued now goes to disk as one write batch.
            for d in std::iter::once(first).chain(input.rx.try_iter().take(4096)) {
                let result = d
                    .json()
                    .map_err(io::Error::other)
                    .and_then(|json| spool.append(json.as_bytes()));
                if let Err(e) = result {
                    SinkCounters::add(&c.dropped, 1);
                    if append_errors % 1000 == 0 {
                        tracing::error!(
                            dir = %spool.dir().display(),
                            error = %e,
                            "portal spool: cannot store an event; it is dropped \
                             (output.portal.dropped)"
                        );
                    }
                    append_errors += 1;
                }
            }
        }
        if let Err(e) = spool.commit() {
            tracing::error!(dir = %spool.dir().display(), error = %e, "portal spool: fsync failed");
        }
        let dropped = spool.take_dropped();
        if let (Some(w), true) = (&warn, dropped > 0) {
            let total = c.dropped.load(std::sync::atomic::Ordering::Relaxed);
            w.notify(spool_drop_alert(dropped, total, spool.dir()));
        }
        drop(spool);
        shared.wake.notify_all();
    }
    let mut spool = lock(&shared.spool);
    if let Err(e) = spool.commit() {
        tracing::error!(dir = %spool.dir().display(), error = %e, "portal spool: fsync failed");
    }
    drop(spool);
    *shared.closed.lock().unwrap_or_else(|p| p.into_inner()) = true;
    shared.wake.notify_all();
}

/// What one POST came to.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Acked,
    /// Try again after this long (`None`: the backoff decides).
    Retry(Option<Duration>, String),
    /// The portal refused the batch for good.
    Refused(u16, String),
}

struct Sender {
    cfg: PortalConfig,
    agent: ureq::Agent,
    sensor_json: String,
    shared: Arc<Shared>,
    counters: Arc<SinkCounters>,
    abort: super::sink::AbortFlag,
}

impl Sender {
    fn run(self) {
        let c = &self.counters;
        let mut backoff = self.cfg.retry_initial;
        let mut failing_since: Option<Instant> = None;
        loop {
            let Some(batch) = self.next_batch() else {
                return;
            };
            let body = self.body(&batch);
            let n = batch.len() as u64;
            let mut attempt = 0u32;
            loop {
                if self.abort.is_set() {
                    let left = lock(&self.shared.spool).pending();
                    tracing::warn!(
                        url = %self.cfg.url,
                        undelivered = left,
                        "portal: stopping; undelivered events stay in the spool and are \
                         sent on the next start"
                    );
                    return;
                }
                if attempt > 0 {
                    SinkCounters::add(&c.retried, n);
                }
                match self.post(&body) {
                    Outcome::Acked => {
                        self.ack(&batch);
                        SinkCounters::add(&c.delivered, n);
                        if let Some(since) = failing_since.take() {
                            tracing::info!(
                                url = %self.cfg.url,
                                after_secs = since.elapsed().as_secs(),
                                "portal: delivering again"
                            );
                        }
                        backoff = self.cfg.retry_initial;
                        break;
                    }
                    Outcome::Retry(after, why) => {
                        SinkCounters::add(&c.errors, 1);
                        let wait = match after {
                            Some(d) => d,
                            None => jitter(backoff),
                        };
                        backoff = (backoff * 2).min(self.cfg.retry_max);
                        if failing_since.is_none() {
                            failing_since = Some(Instant::now());
                            tracing::warn!(
                                url = %self.cfg.url,
                                reason = %why,
                                retry_in_ms = wait.as_millis() as u64,
                                "portal: delivery failed; retrying (events are safe in the spool)"
                            );
                        } else {
                            tracing::debug!(url = %self.cfg.url, reason = %why, "portal: still failing");
                        }
                        attempt += 1;
                        if !self.abort.sleep(wait) {
                            continue; // the abort check above reports it
                        }
                    }
                    Outcome::Refused(status, detail) => {
                        SinkCounters::add(&c.errors, 1);
                        let parked = self.park(&body, status);
                        tracing::error!(
                            url = %self.cfg.url,
                            status,
                            response = %detail,
                            events = n,
                            parked = %parked.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "(could not write)".into()),
                            "portal refused a batch; it is parked and not retried \
                             (check the URL, the token and the portal's logs)"
                        );
                        self.ack(&batch);
                        SinkCounters::add(&c.parked, n);
                        backoff = self.cfg.retry_initial;
                        break;
                    }
                }
            }
        }
    }

    /// Waits until a batch is due, then reads it; `None` when the spooler has
    /// finished and nothing is left, or on abort.
    fn next_batch(&self) -> Option<Vec<SpooledRecord>> {
        let mut spool = lock(&self.shared.spool);
        loop {
            if self.abort.is_set() {
                return None;
            }
            let closed = *self.shared.closed.lock().unwrap_or_else(|p| p.into_inner());
            let pending = spool.pending();
            let full = pending >= self.cfg.batch_max_events
                || spool.pending_bytes() >= self.cfg.batch_max_bytes as u64;
            let age = spool.oldest().map(|t| t.elapsed());
            let old = age.is_some_and(|a| a >= self.cfg.batch_max_age);
            if pending > 0 && (full || old || closed) {
                let batch = spool.read_batch(self.cfg.batch_max_events, self.cfg.batch_max_bytes);
                if !batch.is_empty() {
                    return Some(batch);
                }
                continue;
            }
            if closed && pending == 0 {
                return None;
            }
            let wait = match age {
                Some(a) => self.cfg.batch_max_age.saturating_sub(a),
                None => Duration::from_millis(200),
            }
            .clamp(Duration::from_millis(1), Duration::from_millis(200));
            spool = match self.shared.wake.wait_timeout(spool, wait) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    fn body(&self, batch: &[SpooledRecord]) -> Vec<u8> {
        let size: usize = batch.iter().map(|r| r.payload.len() + 1).sum();
        let mut body = Vec::with_capacity(size + self.sensor_json.len() + 32);
        body.extend_from_slice(b"{\"sensor\":");
        body.extend_from_slice(self.sensor_json.as_bytes());
        body.extend_from_slice(b",\"events\":[");
        for (i, r) in batch.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&r.payload);
        }
        body.extend_from_slice(b"]}");
        body
    }

    fn post(&self, body: &[u8]) -> Outcome {
        let token = match &self.cfg.token_file {
            Some(p) => match read_token(p) {
                Ok(t) => Some(t),
                Err(e) => return Outcome::Retry(None, e),
            },
            None => None,
        };
        let mut req = self
            .agent
            .post(&self.cfg.url)
            .header("Content-Type", "application/json");
        if let Some(t) = &token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = match req.send(body) {
            Ok(r) => r,
            // ureq's errors name the host and the failure, never headers.
            Err(e) => return Outcome::Retry(None, e.to_string()),
        };
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Outcome::Acked;
        }
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s.min(3600)));
        let mut detail = resp
            .body_mut()
            .with_config()
            .limit(2048)
            .read_to_string()
            .unwrap_or_default();
        super::syslog::truncate_utf8(&mut detail, 200);
        // A portal that echoes the request must not put the token in our logs.
        if let Some(t) = &token {
            detail = detail.replace(t.as_str(), "[redacted]");
        }
        let detail = detail.replace(['\n', '\r'], " ");
        match status {
            429 | 500..=599 => Outcome::Retry(retry_after, format!("HTTP {status}: {detail}")),
            _ => Outcome::Refused(status, detail),
        }
    }

    fn ack(&self, batch: &[SpooledRecord]) {
        if let Some(last) = batch.last() {
            let mut spool = lock(&self.shared.spool);
            if let Err(e) = spool.ack(last.pos) {
                // The records are delivered; at worst they are sent again
                // after a restart, and the portal drops them by alert_id.
                tracing::error!(dir = %spool.dir().display(), error = %e, "portal spool: cannot record an acknowledgement");
            }
        }
    }

    /// Writes a refused batch to `parked/`; returns the file.
    fn park(&self, body: &[u8], status: u16) -> Option<PathBuf> {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let path = self
            .cfg
            .spool_dir
            .join("parked")
            .join(format!("{ms}-http{status}-{}.json", uuid::Uuid::new_v4()));
        let write = || -> io::Result<()> {
            std::fs::create_dir_all(self.cfg.spool_dir.join("parked"))?;
            let mut f = std::fs::File::create(&path)?;
            io::Write::write_all(&mut f, body)?;
            f.sync_data()
        };
        match write() {
            Ok(()) => Some(path),
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "portal: cannot park a refused batch; it is dropped");
                SinkCounters::add(&self.counters.dropped, 1);
                None
            }
        }
    }
}

/// "Equal jitter": half of `d` fixed, the other half random.
fn jitter(d: Duration) -> Duration {
    let half = d / 2;
    let r = (uuid::Uuid::new_v4().as_u128() as u64) % 10_000;
    half + half.mul_f64(r as f64 / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_name_the_file_not_the_content() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("token");
        std::fs::write(&p, "has space-in-it s3cr3t\n").expect("write");
        let e = read_token(&p).expect_err("space");
        assert!(e.contains("token") && !e.contains("s3cr3t"), "{e}");
        std::fs::write(&p, "  abc.def-123  \nsecond line\n").expect("write");
        assert_eq!(read_token(&p).as_deref(), Ok("abc.def-123"));
        std::fs::write(&p, "\n").expect("write");
        assert!(read_token(&p).expect_err("empty").contains("empty"));
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        for _ in 0..100 {
            let j = jitter(Duration::from_millis(1000));
            assert!(j >= Duration::from_millis(500) && j <= Duration::from_millis(1000));
        }
    }
}
