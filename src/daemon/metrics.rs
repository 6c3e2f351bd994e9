//! The health endpoint: the sensor's counters in Prometheus' text format on
//! a local address (`[metrics] listen`), and `wardwatch status`, which reads
//! it back for a person.
//!
//! The page is rendered from the latest counters the output thread completed
//! (the same numbers a `stats` event carries, refreshed every second):
//! packets and drops by cause, flows, alerts by detector and by sid, each
//! sink's counters and queue, the rule set's identity, the open
//! `sensor-health` conditions.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::output::OutputMonitor;

/// Metric names start with this.
const PREFIX: &str = "wardwatch";

/// Renders counters (a `stats` object as the output thread completed it)
/// as Prometheus text.
pub fn render(stats: &Value) -> String {
    let mut out = String::new();
    let Some(root) = stats.as_object() else {
        return out;
    };
    for (key, v) in root {
        match key.as_str() {
            "alerts_by_sid" => labelled(&mut out, "alerts_by_sid_total", "sid", v),
            "alerts_by_detector" => labelled(&mut out, "alerts_by_detector_total", "detector", v),
            _ => flatten(&mut out, &mut vec![key.as_str()], v),
        }
    }
    out
}

/// Numbers under `path`, named by their path; arrays of objects that the
/// stats carry (interfaces, rule engines, health conditions) become labels.
fn flatten<'a>(out: &mut String, path: &mut Vec<&'a str>, v: &'a Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                path.push(k);
                flatten(out, path, v);
                path.pop();
            }
        }
        Value::Number(n) => {
            let _ = writeln!(out, "{} {}", metric_name(path), n);
        }
        Value::Bool(b) => {
            let _ = writeln!(out, "{} {}", metric_name(path), u8::from(*b));
        }
        Value::Array(items) => {
            let name = metric_name(path);
            for item in items {
                let Some(obj) = item.as_object() else {
                    continue;
                };
                // String fields are labels, numbers are values.
                let labels: Vec<String> = obj
                    .iter()
                    .filter_map(|(k, v)| {
                        v.as_str()
                            .map(|s| format!("{}=\"{}\"", sanitize(k), escape(s)))
                    })
                    .collect();
                let label_text = labels.join(",");
                let mut numbers = 0;
                for (k, v) in obj {
                    if let Some(n) = v.as_number() {
                        numbers += 1;
                        let _ = writeln!(out, "{name}_{}{{{label_text}}} {n}", sanitize(k));
                    }
                }
                if numbers == 0 || name.ends_with("_engines") {
                    let _ = writeln!(out, "{name}_info{{{label_text}}} 1");
                }
            }
        }
        Value::String(_) | Value::Null => {}
    }
}

fn labelled(out: &mut String, name: &str, label: &str, v: &Value) {
    let Some(m) = v.as_object() else {
        return;
    };
    let mut rows: Vec<(&String, &Value)> = m.iter().collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    for (k, n) in rows {
        if let Some(n) = n.as_number() {
            let _ = writeln!(out, "{PREFIX}_{name}{{{label}=\"{}\"}} {n}", escape(k));
        }
    }
}

fn metric_name(path: &[&str]) -> String {
    let mut s = String::from(PREFIX);
    for p in path {
        s.push('_');
        s.push_str(&sanitize(p));
    }
    s
}

/// Prometheus names: letters, digits and `_`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Label values escape `\`, `"` and newlines.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Serves `/metrics` on `addr` until `shutdown` is set.
pub fn serve(
    addr: SocketAddr,
    monitor: Arc<OutputMonitor>,
    shutdown: Arc<AtomicBool>,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("metrics.listen {addr}: cannot listen: {e} (is another process on that port?)"),
        )
    })?;
    let local = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let handle = std::thread::Builder::new()
        .name("ww-metrics".into())
        .spawn(move || {
            while !shutdown.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Err(e) = answer(stream, &monitor) {
                            tracing::debug!(error = %e, "metrics request failed");
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "metrics endpoint: accept failed");
                        std::thread::sleep(Duration::from_millis(500));
                    }
                }
            }
        })?;
    Ok((local, handle))
}

fn answer(mut stream: TcpStream, monitor: &OutputMonitor) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // Headers are read and ignored (bounded).
    let mut header = String::new();
    for _ in 0..100 {
        header.clear();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, body) = match (method, path) {
        ("GET", "/metrics") => {
            let latest = monitor
                .latest
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            match latest {
                Some(v) => ("200 OK", render(&v)),
                None => ("503 Service Unavailable", "# starting\n".to_string()),
            }
        }
        ("GET", "/") => (
            "200 OK",
            "wardwatch: counters at /metrics (Prometheus text format)\n".to_string(),
        ),
        _ => ("404 Not Found", "not found\n".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// One sample of a scraped page.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Metric name.
    pub name: String,
    /// Labels in page order.
    pub labels: Vec<(String, String)>,
    /// Value.
    pub value: f64,
}

/// Parses Prometheus text (the subset [`render`] writes: no timestamps).
pub fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((head, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let (name, labels) = match head.split_once('{') {
            Some((n, rest)) => (n, parse_labels(rest.trim_end_matches('}'))),
            None => (head, Vec::new()),
        };
        out.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    out
}

fn parse_labels(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some((key, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => {}
                },
                '"' => {
                    end = i + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        out.push((key.trim_start_matches(',').trim().to_string(), value));
        rest = after.get(end..).unwrap_or("");
    }
    out
}

/// What `wardwatch status` prints, and whether the sensor is healthy.
#[derive(Clone, Debug)]
pub struct StatusReport {
    /// The text for a person.
    pub text: String,
    /// No `sensor-health` condition open and no drops.
    pub healthy: bool,
}

/// Reads a scraped `/metrics` page back into a short report.
pub fn status_report(page: &str) -> StatusReport {
    let samples = parse(page);
    let value = |name: &str| -> u64 {
        samples
            .iter()
            .filter(|s| s.name == format!("{PREFIX}_{name}"))
            .map(|s| s.value as u64)
            .sum()
    };
    let label = |s: &Sample, k: &str| -> String {
        s.labels
            .iter()
            .find(|(lk, _)| lk == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let rows = |name: &str| {
        let full = format!("{PREFIX}_{name}");
        samples.iter().filter(move |s| s.name == full)
    };
    let mut t = String::new();
    let up = value("uptime");
    let _ = writeln!(
        t,
        "wardwatch: up {}h{:02}m, {} packets, {} flows ({} active), {} alerts",
        up / 3600,
        up % 3600 / 60,
        value("decoder_pkts"),
        value("flow_total"),
        value("flow_active"),
        value("detect_alert")
    );
    for e in rows("detect_engines_info") {
        let _ = writeln!(
            t,
            "rules:     {} loaded, {} skipped, {} failed; fingerprint {}; loaded {} in {} ms; {} reload(s), {} refused",
            value("detect_engines_rules_loaded"),
            value("detect_engines_rules_skipped"),
            value("detect_engines_rules_failed"),
            label(e, "fingerprint"),
            label(e, "loaded_at"),
            value("detect_engines_load_time_ms"),
            value("detect_engines_reloads"),
            value("detect_engines_reload_failures"),
        );
    }
    let kernel = value("capture_kernel_drops");
    let queue = value("capture_queue_drops");
    let _ = writeln!(t, "drops:     kernel {kernel}, queue {queue}");
    for s in rows("capture_interfaces_packets") {
        let name = label(s, "name");
        let of = |field: &str| {
            samples
                .iter()
                .find(|x| {
                    x.name == format!("{PREFIX}_capture_interfaces_{field}")
                        && label(x, "name") == name
                })
                .map_or(0, |x| x.value as u64)
        };
        let _ = writeln!(
            t,
            "interface: {name}: {} packets, {} kernel drops, {} queue drops, TCP SYN {} / SYN-ACK {}",
            s.value as u64,
            of("kernel_drops"),
            of("queue_drops"),
            of("tcp_syn"),
            of("tcp_synack")
        );
    }
    let mut dets: Vec<String> = rows("alerts_by_detector_total")
        .map(|s| format!("{} {}", label(s, "detector"), s.value as u64))
        .collect();
    dets.sort();
    if !dets.is_empty() {
        let _ = writeln!(t, "detectors: {}", dets.join(", "));
    }
    let mut sids: Vec<(u64, String)> = rows("alerts_by_sid_total")
        .map(|s| (s.value as u64, label(s, "sid")))
        .collect();
    sids.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    if !sids.is_empty() {
        let top: Vec<String> = sids
            .iter()
            .take(5)
            .map(|(n, sid)| format!("{sid} ({n})"))
            .collect();
        let _ = writeln!(t, "top sids:  {}", top.join(", "));
    }
    let mut sinks: Vec<&str> = samples
        .iter()
        .filter_map(|s| s.name.strip_prefix(&format!("{PREFIX}_output_")))
        .filter_map(|rest| rest.strip_suffix("_delivered"))
        .collect();
    sinks.sort_unstable();
    for sink in sinks {
        let _ = writeln!(
            t,
            "output:    {sink}: {} queued, {} delivered, {} retried, {} spooled, {} dropped",
            value(&format!("output_{sink}_queued")),
            value(&format!("output_{sink}_delivered")),
            value(&format!("output_{sink}_retried")),
            value(&format!("output_{sink}_spooled")),
            value(&format!("output_{sink}_dropped")),
        );
    }
    let open: Vec<String> = rows("health_open_info")
        .map(|s| format!("{} {}", label(s, "interface"), label(s, "condition")))
        .collect();
    let healthy = open.is_empty();
    if healthy {
        let _ = writeln!(t, "health:    ok");
    } else {
        let _ = writeln!(t, "health:    BLIND: {}", open.join("; "));
    }
    StatusReport { text: t, healthy }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counters_interfaces_engines_and_tallies_render_and_parse_back() {
        let stats = json!({
            "uptime": 12,
            "capture": {"kernel_drops": 3, "interfaces": [
                {"name": "eth1", "packets": 100, "kernel_drops": 3},
                {"name": "eth\"2", "packets": 7, "kernel_drops": 0}
            ]},
            "detect": {"alert": 5, "engines": [{"id": 0, "rules_loaded": 40, "fingerprint": "ab12", "files": ["x"]}]},
            "output": {"syslog": {"queued": 5, "queue_len": 0}},
            "health": {"open": [{"interface": "eth1", "condition": "silent"}]},
            "alerts_by_sid": {"2001": 4, "9100001": 1},
            "alerts_by_detector": {"login-flood": 1},
        });
        let text = render(&stats);
        let samples = parse(&text);
        let get = |name: &str, label: Option<(&str, &str)>| {
            samples
                .iter()
                .find(|s| {
                    s.name == name
                        && label
                            .is_none_or(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
                })
                .map(|s| s.value)
        };
        assert_eq!(get("wardwatch_uptime", None), Some(12.0));
        assert_eq!(get("wardwatch_capture_kernel_drops", None), Some(3.0));
        assert_eq!(
            get(
                "wardwatch_capture_interfaces_packets",
                Some(("name", "eth1"))
            ),
            Some(100.0)
        );
        assert_eq!(
            get(
                "wardwatch_capture_interfaces_packets",
                Some(("name", "eth\"2"))
            ),
            Some(7.0)
        );
        assert_eq!(
            get(
                "wardwatch_detect_engines_rules_loaded",
                Some(("fingerprint", "ab12"))
            ),
            Some(40.0)
        );
        assert_eq!(
            get(
                "wardwatch_detect_engines_info",
                Some(("fingerprint", "ab12"))
            ),
            Some(1.0)
        );
        assert_eq!(get("wardwatch_output_syslog_queued", None), Some(5.0));
        assert_eq!(
            get("wardwatch_health_open_info", Some(("condition", "silent"))),
            Some(1.0)
        );
        assert_eq!(
            get("wardwatch_alerts_by_sid_total", Some(("sid", "2001"))),
            Some(4.0)
        );
        assert_eq!(
            get(
                "wardwatch_alerts_by_detector_total",
                Some(("detector", "login-flood"))
            ),
            Some(1.0)
        );
    }

    #[test]
    fn status_reads_the_page_back_for_a_person() {
        let stats = json!({
            "uptime": 3725,
            "decoder": {"pkts": 1000},
            "flow": {"total": 20, "active": 3},
            "capture": {"kernel_drops": 2, "queue_drops": 0, "interfaces": [
                {"name": "eth1", "packets": 1000, "kernel_drops": 2, "queue_drops": 0, "tcp_syn": 5, "tcp_synack": 4}
            ]},
            "detect": {"alert": 7, "engines": [{"id": 0, "rules_loaded": 40, "rules_skipped": 1, "rules_failed": 0,
                "fingerprint": "ab12", "loaded_at": "2026-11-25T10:00:00Z", "load_time_ms": 12, "reloads": 2, "reload_failures": 1}]},
            "output": {"syslog": {"queued": 7, "delivered": 7, "retried": 0, "spooled": 0, "dropped": 0}},
            "health": {"open": [{"interface": "eth1", "condition": "one-way"}]},
            "alerts_by_sid": {"2001": 5, "9100001": 2},
            "alerts_by_detector": {"login-flood": 2},
        });
        let r = status_report(&render(&stats));
        assert!(!r.healthy);
        let want = "wardwatch: up 1h02m, 1000 packets, 20 flows (3 active), 7 alerts\n\
rules:     40 loaded, 1 skipped, 0 failed; fingerprint ab12; loaded 2026-11-25T10:00:00Z in 12 ms; 2 reload(s), 1 refused\n\
drops:     kernel 2, queue 0\n\
interface: eth1: 1000 packets, 2 kernel drops, 0 queue drops, TCP SYN 5 / SYN-ACK 4\n\
detectors: login-flood 2\n\
top sids:  2001 (5), 9100001 (2)\n\
output:    syslog: 7 queued, 7 delivered, 0 retried, 0 spooled, 0 dropped\n\
health:    BLIND: eth1 one-way\n";
        assert_eq!(r.text, want);
    }

    #[test]
    fn the_endpoint_serves_the_latest_counters_and_404s_the_rest() {
        let monitor = Arc::new(OutputMonitor::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (addr, handle) = serve(
            "127.0.0.1:0".parse().expect("addr"),
            Arc::clone(&monitor),
            Arc::clone(&stop),
        )
        .expect("serve");
        let get = |path: &str| -> (u16, String) {
            match ureq::get(&format!("http://{addr}{path}")).call() {
                Ok(mut r) => (
                    r.status().as_u16(),
                    r.body_mut().read_to_string().unwrap_or_default(),
                ),
                Err(ureq::Error::StatusCode(c)) => (c, String::new()),
                Err(e) => panic!("request failed: {e}"),
            }
        };
        assert_eq!(get("/metrics").0, 503);
        *monitor.latest.lock().expect("lock") = Some(json!({"decoder": {"pkts": 42}}));
        let (code, body) = get("/metrics");
        assert_eq!(code, 200);
        assert_eq!(body, "wardwatch_decoder_pkts 42\n");
        assert_eq!(get("/nope").0, 404);
        stop.store(true, Ordering::Relaxed);
        handle.join().expect("join");
    }
}
