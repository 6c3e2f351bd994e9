//! Syslog sink: alerts to the hospital's SIEM.
//!
//! Formats: RFC 5424 (the alert's facts in a structured-data element, the
//! signature as MSG), RFC 3164 (BSD syslog, MSG in Snort/Suricata `fast.log`
//! style, which every SIEM has a parser for) and CEF (ArcSight Common Event
//! Format behind an RFC 3164 header, as ArcSight, QRadar and Sentinel expect).
//!
//! Transports: a unix datagram socket (`/dev/log`), UDP (RFC 5426), TCP with
//! octet-counting framing (RFC 6587 §3.4.1: `LEN SP MSG`, so a message may hold
//! any byte) and TLS (RFC 5425, the same framing inside TLS).
//!
//! Syslog has no acknowledgement: "delivered" means written whole to the
//! socket. Lost connections are noticed before each write (a peer that closed
//! shows as EOF on a non-blocking peek), the message is kept, and the sink
//! reconnects with exponential backoff up to `max_backoff`.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use rustls::pki_types::ServerName;

use super::eve::{AlertEvent, EveHeader, EveRecord};
use super::sink::{Delivery, SinkCounters, SinkInput};
use super::tls::{TlsError, TlsFiles, client_config};
use crate::config::{EveTypes, SensorIdentity};

/// How messages reach the syslog server.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyslogTransport {
    /// Unix datagram socket (`/dev/log`).
    Unix,
    /// UDP (RFC 5426).
    Udp,
    /// TCP with octet-counting framing (RFC 6587).
    Tcp,
    /// TLS (RFC 5425).
    Tls,
}

impl SyslogTransport {
    /// The address used when none is configured.
    pub fn default_address(self) -> &'static str {
        match self {
            SyslogTransport::Unix => "/dev/log",
            SyslogTransport::Udp | SyslogTransport::Tcp => "127.0.0.1:514",
            SyslogTransport::Tls => "127.0.0.1:6514",
        }
    }

    /// The default largest message: 2048 bytes for UDP (RFC 5426 §3.2: what
    /// every receiver must take without IP fragmentation trouble), 8192 for
    /// the others (RFC 5425 §4.3.1's SHOULD, rsyslog's default limit).
    pub fn default_max_message(self) -> usize {
        match self {
            SyslogTransport::Udp => 2048,
            _ => 8192,
        }
    }
}

/// The message format.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyslogFormat {
    /// RFC 5424 with structured data.
    Rfc5424,
    /// RFC 3164 (BSD).
    Rfc3164,
    /// CEF behind an RFC 3164 header.
    Cef,
}

/// The validated `[outputs.syslog]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyslogConfig {
    /// Transport.
    pub transport: SyslogTransport,
    /// `host:port` or socket path.
    pub address: String,
    /// Message format.
    pub format: SyslogFormat,
    /// Facility code (local5 = 21).
    pub facility: u8,
    /// APP-NAME / TAG.
    pub app_name: String,
    /// HOSTNAME.
    pub hostname: String,
    /// RFC 5424 SD-ID.
    pub sd_id: String,
    /// Largest message in bytes (the frame's payload).
    pub max_message_size: usize,
    /// Event types sent.
    pub types: EveTypes,
    /// Queue depth.
    pub queue_size: usize,
    /// TLS files.
    pub tls: TlsFiles,
    /// TLS server name, else the host of `address`.
    pub server_name: Option<String>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Longest reconnect backoff.
    pub max_backoff: Duration,
}

/// Facility name → code (RFC 5424 §6.2.1).
pub fn facility_code(name: &str) -> Option<u8> {
    Some(match name {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" | "security" => 4,
        "syslog" => 5,
        "authpriv" => 10,
        "local0" => 16,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        _ => return None,
    })
}

/// Syslog severity of an alert of priority `priority` (1 = highest, as in
/// Suricata's `alert.severity`): 1 → crit (2), 2 → err (3), 3 → warning (4),
/// 4 and lower → notice (5). Events other than alerts are info (6).
pub fn severity_for(priority: u8) -> u8 {
    match priority {
        0 | 1 => 2,
        2 => 3,
        3 => 4,
        _ => 5,
    }
}

/// CEF severity (0-10) of an alert priority: 1 → 10, 2 → 7, 3 → 5, else 3.
pub fn cef_severity(priority: u8) -> u8 {
    match priority {
        0 | 1 => 10,
        2 => 7,
        3 => 5,
        _ => 3,
    }
}

/// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
/// Returns true when something was cut.
pub fn truncate_utf8(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    true
}

/// Formats events as syslog messages (without transport framing).
#[derive(Clone, Debug)]
pub struct SyslogFormatter {
    format: SyslogFormat,
    facility: u8,
    hostname: String,
    app_name: String,
    sd_id: String,
    procid: String,
    sensor: SensorIdentity,
    max: usize,
}

impl SyslogFormatter {
    /// A formatter for `cfg`; `pid` is the PROCID.
    pub fn new(cfg: &SyslogConfig, sensor: &SensorIdentity, pid: u32) -> Self {
        SyslogFormatter {
            format: cfg.format,
            facility: cfg.facility,
            hostname: cfg.hostname.clone(),
            app_name: cfg.app_name.clone(),
            sd_id: cfg.sd_id.clone(),
            procid: pid.to_string(),
            sensor: sensor.clone(),
            max: cfg.max_message_size,
        }
    }

    /// The message for `d`, and whether it had to be truncated.
    pub fn format(&self, d: &Delivery) -> (String, bool) {
        let alert = match &d.record {
            EveRecord::Alert(a) => Some(a.as_ref()),
            EveRecord::Deferred(x) => Some(&x.event),
            _ => None,
        };
        let severity = alert.map_or(6, |a| severity_for(a.alert.severity));
        let pri = u16::from(self.facility) * 8 + u16::from(severity);
        let (timestamp, header) = match &d.record {
            EveRecord::Alert(a) => (a.header.timestamp.as_str(), Some(&a.header)),
            EveRecord::Deferred(x) => (x.event.header.timestamp.as_str(), Some(&x.event.header)),
            EveRecord::Flow(f) => (f.header.timestamp.as_str(), Some(&f.header)),
            EveRecord::App(e) => (e.header.timestamp.as_str(), Some(&e.header)),
            EveRecord::Stats(s) => (s.timestamp.as_str(), None),
            _ => ("", None),
        };
        let mut msg = match self.format {
            SyslogFormat::Rfc5424 => self.rfc5424(pri, timestamp, d, header, alert),
            SyslogFormat::Rfc3164 => self.rfc3164(pri, timestamp, d, header, alert),
            SyslogFormat::Cef => self.cef(pri, timestamp, d, header, alert),
        };
        let cut = truncate_utf8(&mut msg, self.max);
        (msg, cut)
    }

    fn rfc5424(
        &self,
        pri: u16,
        timestamp: &str,
        d: &Delivery,
        header: Option<&EveHeader>,
        alert: Option<&AlertEvent>,
    ) -> String {
        let ts = if timestamp.is_empty() { "-" } else { timestamp };
        let mut sd = format!("[{} id=\"{}\"", self.sd_id, d.id);
        let mut param = |name: &str, value: &str| {
            sd.push(' ');
            sd.push_str(name);
            sd.push_str("=\"");
            sd.push_str(&sd_escape(value));
            sd.push('"');
        };
        if let Some(a) = alert {
            param("sid", &a.alert.signature_id.to_string());
            param("gid", &a.alert.gid.to_string());
            param("rev", &a.alert.rev.to_string());
            param("severity", &a.alert.severity.to_string());
            param("action", a.alert.action);
            if !a.alert.category.is_empty() {
                param("category", &a.alert.category);
            }
            if let Some(det) = detector(a) {
                param("detector", det);
            }
        }
        if let Some(h) = header {
            if let Some(src) = endpoint(h.src_ip, h.src_port) {
                param("src", &src);
            }
            if let Some(dst) = endpoint(h.dest_ip, h.dest_port) {
                param("dst", &dst);
            }
            if let Some(p) = &h.proto {
                param("proto", p);
            }
            if let Some(app) = h.app_proto {
                param("app_proto", app);
            }
        }
        if !self.sensor.site.is_empty() {
            param("site", &self.sensor.site);
        }
        if !self.sensor.hospital.is_empty() {
            param("hospital", &self.sensor.hospital);
        }
        sd.push(']');
        let text = match alert {
            Some(a) => clean(&a.alert.signature),
            None => d.record.to_json_line().unwrap_or_default(),
        };
        format!(
            "<{pri}>1 {ts} {} {} {} {} {sd} {text}",
            self.hostname,
            self.app_name,
            self.procid,
            d.event_type()
        )
    }

    fn rfc3164(
        &self,
        pri: u16,
        timestamp: &str,
        d: &Delivery,
        header: Option<&EveHeader>,
        alert: Option<&AlertEvent>,
    ) -> String {
        let text = match alert {
            Some(a) => {
                let mut t = format!(
                    "[{}:{}:{}] {} [Classification: {}] [Priority: {}]",
                    a.alert.gid,
                    a.alert.signature_id,
                    a.alert.rev,
                    clean(&a.alert.signature),
                    clean(&a.alert.category),
                    a.alert.severity
                );
                if let Some(det) = detector(a) {
                    t.push_str(&format!(" [Detector: {}]", clean(det)));
                }
                t.push_str(&format!(" [Id: {}]", d.id));
                if let Some(h) = header {
                    t.push_str(&format!(
                        " {{{}}} {} -> {}",
                        h.proto.as_deref().unwrap_or("-"),
                        endpoint(h.src_ip, h.src_port).unwrap_or_else(|| "-".into()),
                        endpoint(h.dest_ip, h.dest_port).unwrap_or_else(|| "-".into()),
                    ));
                }
                t
            }
            None => d.record.to_json_line().unwrap_or_default(),
        };
        format!(
            "<{pri}>{} {} {}[{}]: {text}",
            bsd_timestamp(timestamp),
            self.hostname,
            self.app_name,
            self.procid
        )
    }

    fn cef(
        &self,
        pri: u16,
        timestamp: &str,
        d: &Delivery,
        header: Option<&EveHeader>,
        alert: Option<&AlertEvent>,
    ) -> String {
        let (class, name, sev) = match alert {
            Some(a) => (
                a.alert.signature_id.to_string(),
                a.alert.signature.clone(),
                cef_severity(a.alert.severity),
            ),
            None => (d.event_type().to_string(), d.event_type().to_string(), 1),
        };
        let mut ext = String::new();
        let mut kv = |k: &str, v: &str| {
            if !ext.is_empty() {
                ext.push(' ');
            }
            ext.push_str(k);
            ext.push('=');
            ext.push_str(&cef_ext_escape(v));
        };
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(timestamp) {
            kv("rt", &t.timestamp_millis().to_string());
        }
        if let Some(h) = header {
            if let Some(ip) = h.src_ip {
                kv("src", &ip.to_string());
            }
            if let Some(p) = h.src_port {
                kv("spt", &p.to_string());
            }
            if let Some(ip) = h.dest_ip {
                kv("dst", &ip.to_string());
            }
            if let Some(p) = h.dest_port {
                kv("dpt", &p.to_string());
            }
            if let Some(p) = &h.proto {
                kv("proto", p);
            }
            if let Some(app) = h.app_proto {
                kv("app", app);
            }
        }
        if let Some(a) = alert {
            kv("act", a.alert.action);
            kv("cat", &a.alert.category);
            kv("cn1Label", "gid");
            kv("cn1", &a.alert.gid.to_string());
            kv("cn2Label", "rev");
            kv("cn2", &a.alert.rev.to_string());
            if let Some(det) = detector(a) {
                kv("cs1Label", "detector");
                kv("cs1", det);
            }
        }
        kv("externalId", &d.id.to_string());
        kv("dvchost", &self.hostname);
        if !self.sensor.site.is_empty() {
            kv("cs2Label", "site");
            kv("cs2", &self.sensor.site);
        }
        if !self.sensor.hospital.is_empty() {
            kv("cs3Label", "hospital");
            kv("cs3", &self.sensor.hospital);
        }
        format!(
            "<{pri}>{} {} CEF:0|wardwatch|wardwatch|{}|{}|{}|{sev}|{ext}",
            bsd_timestamp(timestamp),
            self.hostname,
            cef_header_escape(env!("CARGO_PKG_VERSION")),
            cef_header_escape(&class),
            cef_header_escape(&name),
        )
    }
}

fn detector(a: &AlertEvent) -> Option<&str> {
    a.anomaly
        .as_ref()
        .and_then(|v| v.get("detector"))
        .and_then(|v| v.as_str())
}

/// `ip:port`, `[v6]:port`, or the bare address for port-less protocols.
fn endpoint(ip: Option<std::net::IpAddr>, port: Option<u16>) -> Option<String> {
    let ip = ip?;
    Some(match (ip, port) {
        (std::net::IpAddr::V6(v6), Some(p)) => format!("[{v6}]:{p}"),
        (ip, Some(p)) => format!("{ip}:{p}"),
        (ip, None) => ip.to_string(),
    })
}

/// Control characters (line breaks above all) would split the message in
/// receivers that read lines; they become spaces.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// RFC 5424 §6.3.3: `"`, `\` and `]` are escaped with a backslash in PARAM-VALUE.
fn sd_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '\\' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// CEF header fields escape `\` and `|`.
fn cef_header_escape(s: &str) -> String {
    clean(s).replace('\\', "\\\\").replace('|', "\\|")
}

/// CEF extension values escape `\` and `=`, and encode line breaks.
fn cef_ext_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// RFC 3164 TIMESTAMP: `Mmm dd hh:mm:ss` (day space-padded) in the event's
/// own offset (UTC for wardwatch's EVE timestamps).
fn bsd_timestamp(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.format("%b %e %H:%M:%S").to_string(),
        Err(_) => chrono::Utc::now().format("%b %e %H:%M:%S").to_string(),
    }
}

/// Why the syslog sink could not start.
#[derive(Debug, thiserror::Error)]
pub enum SyslogError {
    /// The TLS files are unusable.
    #[error("outputs.syslog: {0}")]
    Tls(#[from] TlsError),
    /// The TLS server name is not a DNS name or address.
    #[error("outputs.syslog: `{0}` is not a valid TLS server name; set outputs.syslog.server_name")]
    ServerName(String),
    /// The thread could not start.
    #[error("outputs.syslog: cannot start thread: {0}")]
    Thread(#[from] io::Error),
}

enum Connection {
    Unix(UnixDatagram),
    Udp(UdpSocket),
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Connection {
    fn send(&mut self, msg: &[u8]) -> io::Result<()> {
        match self {
            Connection::Unix(s) => s.send(msg).map(drop),
            Connection::Udp(s) => s.send(msg).map(drop),
            Connection::Tcp(s) => {
                if peer_closed(s) {
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionReset,
                        "the server closed the connection",
                    ));
                }
                s.write_all(&octet_frame(msg))?;
                s.flush()
            }
            Connection::Tls(s) => {
                if tls_peer_closed(s) {
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionReset,
                        "the server closed the connection",
                    ));
                }
                s.write_all(&octet_frame(msg))?;
                s.flush()
            }
        }
    }

    /// Ends a stream connection gracefully, so the server reads everything:
    /// a socket closed with unread data (TLS 1.3 session tickets the server
    /// sent after the handshake) is reset by the kernel, and a reset can
    /// discard messages still waiting in the server's receive buffer.
    fn close(self) {
        let sock = match self {
            Connection::Unix(_) | Connection::Udp(_) => return,
            Connection::Tcp(s) => s,
            Connection::Tls(mut s) => {
                tls_peer_closed(&mut s);
                s.conn.send_close_notify();
                while s.conn.wants_write() {
                    if s.conn.write_tls(&mut s.sock).is_err() {
                        break;
                    }
                }
                s.sock
            }
        };
        let _ = sock.shutdown(std::net::Shutdown::Write);
        // Wait briefly for the server's FIN, discarding what it sends.
        let _ = sock.set_nonblocking(false);
        let _ = sock.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            match io::Read::read(&mut &sock, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

/// Reads whatever the TLS server sent (session tickets, alerts) without
/// blocking; true when it closed the connection or it is broken.
fn tls_peer_closed(s: &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream>) -> bool {
    if s.sock.set_nonblocking(true).is_err() {
        return true;
    }
    let closed = loop {
        match s.conn.read_tls(&mut s.sock) {
            Ok(0) => break true,
            Ok(_) => match s.conn.process_new_packets() {
                Ok(state) => {
                    if state.peer_has_closed() {
                        break true;
                    }
                    // A syslog server has nothing to say: drop any data.
                    let n = state.plaintext_bytes_to_read();
                    if n > 0 {
                        let mut junk = vec![0u8; n];
                        let _ = io::Read::read(&mut s.conn.reader(), &mut junk);
                    }
                }
                Err(_) => break true,
            },
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    closed || s.sock.set_nonblocking(false).is_err()
}

/// RFC 6587 §3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`.
pub fn octet_frame(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 8);
    out.extend_from_slice(msg.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(msg);
    out
}

/// A syslog server never sends anything; EOF or data (a TLS close_notify or
/// alert) on a non-blocking peek means the connection is over.
fn peer_closed(s: &TcpStream) -> bool {
    if s.set_nonblocking(true).is_err() {
        return true;
    }
    let mut b = [0u8; 1];
    let closed = match s.peek(&mut b) {
        Ok(_) => true,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
        Err(_) => true,
    };
    closed || s.set_nonblocking(false).is_err()
}

struct Connector {
    transport: SyslogTransport,
    address: String,
    connect_timeout: Duration,
    tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
}

impl Connector {
    fn resolve(&self) -> io::Result<Vec<SocketAddr>> {
        let addrs: Vec<SocketAddr> = self.address.to_socket_addrs()?.collect();
        if addrs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} resolves to no address", self.address),
            ));
        }
        Ok(addrs)
    }

    fn tcp(&self) -> io::Result<TcpStream> {
        let mut last = None;
        for a in self.resolve()? {
            match TcpStream::connect_timeout(&a, self.connect_timeout) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    s.set_write_timeout(Some(self.connect_timeout.max(Duration::from_secs(5))))?;
                    s.set_read_timeout(Some(self.connect_timeout))?;
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no address")))
    }

    fn connect(&self) -> io::Result<Connection> {
        match self.transport {
            SyslogTransport::Unix => {
                let s = UnixDatagram::unbound()?;
                s.connect(&self.address)?;
                s.set_write_timeout(Some(Duration::from_secs(5)))?;
                Ok(Connection::Unix(s))
            }
            SyslogTransport::Udp => {
                let target = self.resolve()?[0];
                let local: SocketAddr = if target.is_ipv6() {
                    "[::]:0".parse().map_err(io::Error::other)?
                } else {
                    "0.0.0.0:0".parse().map_err(io::Error::other)?
                };
                let s = UdpSocket::bind(local)?;
                s.connect(target)?;
                Ok(Connection::Udp(s))
            }
            SyslogTransport::Tcp => Ok(Connection::Tcp(self.tcp()?)),
            SyslogTransport::Tls => {
                let (config, name) = self
                    .tls
                    .clone()
                    .ok_or_else(|| io::Error::other("TLS not set up"))?;
                let mut sock = self.tcp()?;
                let mut conn =
                    rustls::ClientConnection::new(config, name).map_err(io::Error::other)?;
                // Finish the handshake now, so a certificate problem shows as
                // a connect error with its reason, not as a failed write.
                while conn.is_handshaking() {
                    conn.complete_io(&mut sock)?;
                }
                Ok(Connection::Tls(Box::new(rustls::StreamOwned::new(
                    conn, sock,
                ))))
            }
        }
    }
}

/// Starts the syslog sink's thread.
pub fn start(
    cfg: &SyslogConfig,
    sensor: &SensorIdentity,
    input: SinkInput,
) -> Result<Vec<JoinHandle<()>>, SyslogError> {
    let tls = if cfg.transport == SyslogTransport::Tls {
        let host = match &cfg.server_name {
            Some(n) => n.clone(),
            None => host_of(&cfg.address),
        };
        let name = ServerName::try_from(host.clone()).map_err(|_| SyslogError::ServerName(host))?;
        Some((client_config(&cfg.tls)?, name))
    } else {
        None
    };
    let connector = Connector {
        transport: cfg.transport,
        address: cfg.address.clone(),
        connect_timeout: cfg.connect_timeout,
        tls,
    };
    let formatter = SyslogFormatter::new(cfg, sensor, std::process::id());
    let max_backoff = cfg.max_backoff;
    let address = cfg.address.clone();
    let t = std::thread::Builder::new()
        .name("ww-out-syslog".into())
        .spawn(move || run(connector, formatter, max_backoff, &address, input))?;
    Ok(vec![t])
}

/// The host part of `host:port` / `[v6]:port`.
pub fn host_of(address: &str) -> String {
    let host = match address.rsplit_once(':') {
        Some((h, _)) => h,
        None => address,
    };
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_string()
}

const FIRST_BACKOFF: Duration = Duration::from_millis(250);

fn run(
    connector: Connector,
    formatter: SyslogFormatter,
    max_backoff: Duration,
    address: &str,
    input: SinkInput,
) {
    let c = &input.counters;
    let mut conn: Option<Connection> = None;
    let mut backoff = FIRST_BACKOFF;
    let mut failing_since: Option<Instant> = None;
    loop {
        let d = match input.rx.recv_timeout(Duration::from_millis(200)) {
            Ok(d) => d,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                if let Some(c) = conn.take() {
                    c.close();
                }
                return;
            }
        };
        let (msg, cut) = formatter.format(&d);
        if cut {
            SinkCounters::add(&c.truncated, 1);
        }
        let mut attempts = 0u32;
        loop {
            if input.abort.is_set() {
                SinkCounters::add(&c.dropped, 1);
                input.drop_queued();
                tracing::warn!(
                    address,
                    "syslog: stopping with undelivered messages (counted in output.syslog.dropped)"
                );
                return;
            }
            let result = match conn.as_mut() {
                Some(s) => s.send(msg.as_bytes()),
                None => match connector.connect() {
                    Ok(mut s) => {
                        let r = s.send(msg.as_bytes());
                        conn = Some(s);
                        r
                    }
                    Err(e) => Err(e),
                },
            };
            match result {
                Ok(()) => {
                    SinkCounters::add(&c.delivered, 1);
                    if attempts > 0 {
                        SinkCounters::add(&c.retried, 1);
                    }
                    if let Some(since) = failing_since.take() {
                        tracing::info!(
                            address,
                            after_secs = since.elapsed().as_secs(),
                            "syslog: delivering again"
                        );
                    }
                    backoff = FIRST_BACKOFF;
                    break;
                }
                Err(e) => {
                    SinkCounters::add(&c.errors, 1);
                    conn = None;
                    if failing_since.is_none() {
                        failing_since = Some(Instant::now());
                        tracing::warn!(address, error = %e, "syslog: cannot deliver; retrying with backoff");
                    } else {
                        tracing::debug!(address, error = %e, "syslog: still failing");
                    }
                    // The first failure on an established connection is
                    // often just a restart of the server: reconnect at once.
                    if attempts > 0 {
                        input.abort.sleep(backoff);
                        backoff = (backoff * 2).min(max_backoff);
                    }
                    attempts += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::eve::AlertInfo;
    use std::io::Read;

    pub(crate) fn alert(sig: &str, severity: u8) -> EveRecord {
        EveRecord::Alert(Box::new(AlertEvent {
            header: EveHeader {
                timestamp: "2024-03-05T07:08:09.123456+00:00".into(),
                flow_id: Some(1),
                in_iface: None,
                event_type: "alert",
                pcap_cnt: None,
                vlan: None,
                src_ip: Some("10.1.2.3".parse().expect("ip")),
                src_port: Some(40000),
                dest_ip: Some("2001:db8::7".parse().expect("ip")),
                dest_port: Some(445),
                proto: Some("TCP".into()),
                icmp_type: None,
                icmp_code: None,
                app_proto: Some("smb"),
            },
            direction: None,
            alert: AlertInfo {
                action: "allowed",
                gid: 1,
                signature_id: 2000001,
                rev: 3,
                signature: sig.into(),
                category: "A Network Trojan was detected".into(),
                severity,
                metadata: None,
            },
            anomaly: Some(serde_json::json!({"detector": "login-flood"})),
            app: serde_json::Map::new(),
        }))
    }

    fn cfg(format: SyslogFormat, max: usize) -> SyslogConfig {
        SyslogConfig {
            transport: SyslogTransport::Udp,
            address: "127.0.0.1:514".into(),
            format,
            facility: 21,
            app_name: "wardwatch".into(),
            hostname: "sensor-1".into(),
            sd_id: "wardwatch@32473".into(),
            max_message_size: max,
            types: EveTypes::default(),
            queue_size: 10,
            tls: TlsFiles::default(),
            server_name: None,
            connect_timeout: Duration::from_secs(1),
            max_backoff: Duration::from_secs(1),
        }
    }

    fn sensor() -> SensorIdentity {
        SensorIdentity {
            name: "sensor-1".into(),
            site: "East wing".into(),
            hospital: "St. Example".into(),
        }
    }

    #[test]
    fn rfc5424_exact() {
        let f = SyslogFormatter::new(&cfg(SyslogFormat::Rfc5424, 2048), &sensor(), 77);
        let d = Delivery::new(alert("ET \"quoted\" [x]", 1));
        let (m, cut) = f.format(&d);
        assert!(!cut);
        assert_eq!(
            m,
            format!(
                "<170>1 2024-03-05T07:08:09.123456+00:00 sensor-1 wardwatch 77 alert \
                 [wardwatch@32473 id=\"{}\" sid=\"2000001\" gid=\"1\" rev=\"3\" severity=\"1\" \
                 action=\"allowed\" category=\"A Network Trojan was detected\" \
                 detector=\"login-flood\" src=\"10.1.2.3:40000\" dst=\"[2001:db8::7\\]:445\" \
                 proto=\"TCP\" app_proto=\"smb\" site=\"East wing\" hospital=\"St. Example\"] \
                 ET \"quoted\" [x]",
                d.id
            )
        );
    }

    #[test]
    fn sd_values_are_escaped() {
        assert_eq!(sd_escape(r#"a"b\c]d"#), r#"a\"b\\c\]d"#);
    }

    #[test]
    fn rfc3164_and_cef_exact() {
        let d = Delivery::new(alert("Login flood on SMB", 2));
        let f = SyslogFormatter::new(&cfg(SyslogFormat::Rfc3164, 2048), &sensor(), 9);
        assert_eq!(
            f.format(&d).0,
            format!(
                "<171>Mar  5 07:08:09 sensor-1 wardwatch[9]: [1:2000001:3] Login flood on SMB \
                 [Classification: A Network Trojan was detected] [Priority: 2] \
                 [Detector: login-flood] [Id: {}] {{TCP}} 10.1.2.3:40000 -> [2001:db8::7]:445",
                d.id
            )
        );
        let f = SyslogFormatter::new(&cfg(SyslogFormat::Cef, 2048), &sensor(), 9);
        assert_eq!(
            f.format(&d).0,
            format!(
                "<171>Mar  5 07:08:09 sensor-1 CEF:0|wardwatch|wardwatch|{}|2000001|\
                 Login flood on SMB|7|rt=1709622489123 src=10.1.2.3 spt=40000 dst=2001:db8::7 \
                 dpt=445 proto=TCP app=smb act=allowed cat=A Network Trojan was detected \
                 cn1Label=gid cn1=1 cn2Label=rev cn2=3 cs1Label=detector cs1=login-flood \
                 externalId={} dvchost=sensor-1 cs2Label=site cs2=East wing \
                 cs3Label=hospital cs3=St. Example",
                env!("CARGO_PKG_VERSION"),
                d.id
            )
        );
    }

    #[test]
    fn severity_mapping() {
        assert_eq!(
            [1, 2, 3, 4].map(severity_for),
            [2, 3, 4, 5],
            "crit, err, warning, notice"
        );
    }

    #[test]
    fn truncation_keeps_utf8_whole() {
        // "病院" is 6 bytes; cutting at 4 must not split the second character.
        let mut s = String::from("ab病院");
        assert!(truncate_utf8(&mut s, 4));
        assert_eq!(s, "ab");
        let f = SyslogFormatter::new(&cfg(SyslogFormat::Rfc5424, 480), &sensor(), 1);
        let d = Delivery::new(alert(&"侵入検知".repeat(200), 1));
        let (m, cut) = f.format(&d);
        assert!(cut && m.len() <= 480 && m.len() > 470, "{}", m.len());
        assert!(m.ends_with('侵') || m.ends_with('入') || m.ends_with('検') || m.ends_with('知'));
    }

    #[test]
    fn octet_counting_frame() {
        assert_eq!(
            octet_frame(b"<14>1 - - - - - - hi"),
            b"20 <14>1 - - - - - - hi"
        );
    }

    #[test]
    fn host_of_address() {
        assert_eq!(host_of("logs.example.org:6514"), "logs.example.org");
        assert_eq!(host_of("[::1]:6514"), "::1");
    }

    #[test]
    fn peek_sees_closed_peer() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let c = TcpStream::connect(l.local_addr().expect("addr")).expect("connect");
        let (s, _) = l.accept().expect("accept");
        assert!(!peer_closed(&c));
        drop(s);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !peer_closed(&c) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(peer_closed(&c));
        let mut rest = Vec::new();
        let _ = (&c).read_to_end(&mut rest);
    }
}
