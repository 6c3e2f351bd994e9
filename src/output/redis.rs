//! Redis sink: alerts pushed to a list or appended to a stream, as Suricata's
//! redis output does, for hospital groups whose sensors feed one central SIEM.
//!
//! - `mode = "list"`: `LPUSH key <event JSON>` (Suricata's `list` mode; a
//!   consumer takes the oldest with `BRPOP`).
//! - `mode = "stream"`: `XADD key MAXLEN ~ <stream_maxlen> * event <event JSON>`,
//!   so the stream stays bounded on the Redis side too.
//!
//! The client speaks RESP (the Redis protocol) over TCP itself: a handful of
//! commands do not justify a client library and its async runtime. Commands are
//! pipelined (up to [`PIPELINE`] events per round trip); an event counts as
//! delivered when Redis answered its command. On a connection error the sink
//! reconnects with exponential backoff and sends the unanswered commands again
//! (at least once: the event's `alert_id` tells a consumer it is a repeat). An
//! error *reply* (`-WRONGTYPE`, `-OOM`, ...) will not get better by retrying:
//! the event is dropped, counted and logged.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;

use rustls::pki_types::ServerName;

use super::sink::{Delivery, SinkCounters, SinkInput};
use super::tls::{TlsError, TlsFiles, client_config};
use crate::config::EveTypes;

/// Events sent per round trip.
pub const PIPELINE: usize = 128;

/// Where events go in Redis.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RedisMode {
    /// `LPUSH`.
    List,
    /// `XADD`.
    Stream,
}

/// The validated `[outputs.redis]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisConfig {
    /// `host:port`.
    pub address: String,
    /// List or stream key.
    pub key: String,
    /// List or stream.
    pub mode: RedisMode,
    /// Approximate stream cap (`MAXLEN ~`); 0 = none.
    pub stream_maxlen: u64,
    /// Database number (`SELECT`).
    pub db: u32,
    /// ACL user name (with `password_file`).
    pub username: Option<String>,
    /// File holding the password (`AUTH`).
    pub password_file: Option<PathBuf>,
    /// Event types sent.
    pub types: EveTypes,
    /// Queue depth.
    pub queue_size: usize,
    /// Connect (and per-reply) timeout.
    pub connect_timeout: Duration,
    /// Longest reconnect backoff.
    pub max_backoff: Duration,
    /// TLS (Redis 6+ `tls-port`), when set.
    pub tls: Option<RedisTls>,
}

/// TLS towards Redis: trust, client certificate and the name to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisTls {
    /// CA file (else the system roots), client certificate and key.
    pub files: TlsFiles,
    /// Name checked against the server certificate (default: the host of
    /// `address`).
    pub server_name: String,
}

/// A ready TLS client setup (built once, at start).
#[derive(Clone)]
pub struct TlsSetup {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

/// Builds the TLS client setup of `cfg`, if it asks for TLS; errors name the
/// file or the bad server name.
pub fn tls_setup(cfg: &RedisConfig) -> Result<Option<TlsSetup>, TlsError> {
    let Some(t) = &cfg.tls else {
        return Ok(None);
    };
    let name = ServerName::try_from(t.server_name.clone()).map_err(|_| TlsError::Pem {
        path: PathBuf::from("outputs.redis.server_name"),
        message: format!("`{}` is not a valid TLS server name", t.server_name),
    })?;
    Ok(Some(TlsSetup {
        config: client_config(&t.files)?,
        name,
    }))
}

/// One RESP command: `*N\r\n` then `$len\r\narg\r\n` per argument.
pub fn encode_command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A reply, as far as this sink cares.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+`, `:`, `$` or `*`: the command worked.
    Ok(String),
    /// `-`: Redis refused the command.
    Error(String),
}

/// Longest bulk reply accepted (a reply to LPUSH/XADD is tiny).
const MAX_BULK: usize = 1 << 20;

/// Reads one RESP reply (nested arrays are read and summarised).
pub fn read_reply(r: &mut impl BufRead) -> io::Result<Reply> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "redis closed the connection",
        ));
    }
    let line = line.trim_end_matches(['\r', '\n']);
    let (kind, rest) = line.split_at(line.len().min(1));
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed redis reply");
    match kind {
        "+" | ":" => Ok(Reply::Ok(rest.to_string())),
        "-" => Ok(Reply::Error(rest.to_string())),
        "$" => {
            let n: i64 = rest.parse().map_err(|_| bad())?;
            if n < 0 {
                return Ok(Reply::Ok(String::new()));
            }
            let n = usize::try_from(n).map_err(|_| bad())?;
            if n > MAX_BULK {
                return Err(bad());
            }
            let mut buf = vec![0u8; n + 2];
            io::Read::read_exact(r, &mut buf)?;
            buf.truncate(n);
            Ok(Reply::Ok(String::from_utf8_lossy(&buf).into_owned()))
        }
        "*" => {
            let n: i64 = rest.parse().map_err(|_| bad())?;
            for _ in 0..n.clamp(0, 1024) {
                read_reply(r)?;
            }
            Ok(Reply::Ok(format!("array of {n}")))
        }
        _ => Err(bad()),
    }
}

/// The byte stream to Redis: plain TCP or TLS over it.
enum RedisStream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for RedisStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            RedisStream::Plain(s) => s.read(buf),
            RedisStream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for RedisStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            RedisStream::Plain(s) => s.write(buf),
            RedisStream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            RedisStream::Plain(s) => s.flush(),
            RedisStream::Tls(s) => s.flush(),
        }
    }
}

struct Connection {
    /// Replies are read through the buffer; commands are written to the
    /// stream beneath it.
    stream: BufReader<RedisStream>,
}

impl Connection {
    fn open(cfg: &RedisConfig, tls: Option<&TlsSetup>) -> io::Result<Connection> {
        let addrs: Vec<SocketAddr> = cfg.address.to_socket_addrs()?.collect();
        let mut last = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, cfg.connect_timeout) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    let t = Some(cfg.connect_timeout.max(Duration::from_secs(5)));
                    s.set_read_timeout(t)?;
                    s.set_write_timeout(t)?;
                    let stream = match tls {
                        None => RedisStream::Plain(s),
                        Some(t) => {
                            let conn = rustls::ClientConnection::new(
                                Arc::clone(&t.config),
                                t.name.clone(),
                            )
                            .map_err(io::Error::other)?;
                            RedisStream::Tls(Box::new(rustls::StreamOwned::new(conn, s)))
                        }
                    };
                    let mut c = Connection {
                        stream: BufReader::new(stream),
                    };
                    c.handshake(cfg)?;
                    return Ok(c);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("address resolves to nothing")))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let s = self.stream.get_mut();
        s.write_all(buf)?;
        s.flush()
    }

    fn handshake(&mut self, cfg: &RedisConfig) -> io::Result<()> {
        if let Some(p) = &cfg.password_file {
            let password = read_password(p).map_err(io::Error::other)?;
            let cmd = match &cfg.username {
                Some(u) => encode_command(&[b"AUTH", u.as_bytes(), password.as_bytes()]),
                None => encode_command(&[b"AUTH", password.as_bytes()]),
            };
            self.simple(&cmd, "AUTH")?;
        }
        if cfg.db != 0 {
            let db = cfg.db.to_string();
            self.simple(&encode_command(&[b"SELECT", db.as_bytes()]), "SELECT")?;
        }
        Ok(())
    }

    fn simple(&mut self, cmd: &[u8], what: &str) -> io::Result<()> {
        self.write_all(cmd)?;
        match read_reply(&mut self.stream)? {
            Reply::Ok(_) => Ok(()),
            // The reply text is Redis's, never the password.
            Reply::Error(e) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{what} refused: {e}"),
            )),
        }
    }
}

/// The password: the file's first line, trimmed. Errors never show content.
pub fn read_password(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read password file {}: {e}", path.display()))?;
    let p = text.lines().next().unwrap_or("").trim().to_string();
    if p.is_empty() {
        return Err(format!("password file {} is empty", path.display()));
    }
    Ok(p)
}

fn command_for(cfg: &RedisConfig, json: &[u8]) -> Vec<u8> {
    match cfg.mode {
        RedisMode::List => encode_command(&[b"LPUSH", cfg.key.as_bytes(), json]),
        RedisMode::Stream if cfg.stream_maxlen > 0 => {
            let max = cfg.stream_maxlen.to_string();
            encode_command(&[
                b"XADD",
                cfg.key.as_bytes(),
                b"MAXLEN",
                b"~",
                max.as_bytes(),
                b"*",
                b"event",
                json,
            ])
        }
        RedisMode::Stream => encode_command(&[b"XADD", cfg.key.as_bytes(), b"*", b"event", json]),
    }
}

/// Starts the Redis sink's thread (`tls` from [`tls_setup`]).
pub fn start(
    cfg: &RedisConfig,
    tls: Option<TlsSetup>,
    input: SinkInput,
) -> io::Result<Vec<JoinHandle<()>>> {
    let cfg = cfg.clone();
    let t = std::thread::Builder::new()
        .name("ww-out-redis".into())
        .spawn(move || run(cfg, tls, input))?;
    Ok(vec![t])
}

const FIRST_BACKOFF: Duration = Duration::from_millis(250);

fn run(cfg: RedisConfig, tls: Option<TlsSetup>, input: SinkInput) {
    let c = &input.counters;
    let mut conn: Option<Connection> = None;
    let mut backoff = FIRST_BACKOFF;
    let mut failing_since: Option<Instant> = None;
    loop {
        let first = match input.rx.recv_timeout(Duration::from_millis(200)) {
            Ok(d) => d,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let batch: Vec<Arc<Delivery>> = std::iter::once(first)
            .chain(input.rx.try_iter().take(PIPELINE - 1))
            .collect();
        let mut cmds: Vec<Vec<u8>> = Vec::with_capacity(batch.len());
        for d in &batch {
            match d.json() {
                Ok(j) => cmds.push(command_for(&cfg, j.as_bytes())),
                Err(_) => SinkCounters::add(&c.dropped, 1),
            }
        }
        let mut attempts = 0u32;
        // Commands of this batch not yet answered.
        let mut next = 0usize;
        while next < cmds.len() {
            if input.abort.is_set() {
                SinkCounters::add(&c.dropped, (cmds.len() - next) as u64);
                input.drop_queued();
                tracing::warn!(
                    address = %cfg.address,
                    "redis: stopping with undelivered events (counted in output.redis.dropped)"
                );
                return;
            }
            if attempts > 0 {
                SinkCounters::add(&c.retried, (cmds.len() - next) as u64);
            }
            let result = match conn.as_mut() {
                Some(s) => send(s, &cmds[next..], &mut next, c, &cfg.key),
                None => match Connection::open(&cfg, tls.as_ref()) {
                    Ok(mut s) => {
                        let r = send(&mut s, &cmds[next..], &mut next, c, &cfg.key);
                        conn = Some(s);
                        r
                    }
                    Err(e) => Err(e),
                },
            };
            match result {
                Ok(()) => {
                    if let Some(since) = failing_since.take() {
                        tracing::info!(
                            address = %cfg.address,
                            after_secs = since.elapsed().as_secs(),
                            "redis: delivering again"
                        );
                    }
                    backoff = FIRST_BACKOFF;
                }
                Err(e) => {
                    SinkCounters::add(&c.errors, 1);
                    conn = None;
                    if failing_since.is_none() {
                        failing_since = Some(Instant::now());
                        tracing::warn!(address = %cfg.address, error = %e, "redis: cannot deliver; retrying with backoff");
                    } else {
                        tracing::debug!(address = %cfg.address, error = %e, "redis: still failing");
                    }
                    if attempts > 0 {
                        input.abort.sleep(backoff);
                        backoff = (backoff * 2).min(cfg.max_backoff);
                    }
                    attempts += 1;
                }
            }
        }
    }
}

/// Writes `cmds` pipelined and reads one reply per command, advancing `next`
/// past each answered one.
fn send(
    s: &mut Connection,
    cmds: &[Vec<u8>],
    next: &mut usize,
    c: &SinkCounters,
    key: &str,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(cmds.iter().map(Vec::len).sum());
    for cmd in cmds {
        buf.extend_from_slice(cmd);
    }
    s.write_all(&buf)?;
    for _ in cmds {
        match read_reply(&mut s.stream)? {
            Reply::Ok(_) => SinkCounters::add(&c.delivered, 1),
            Reply::Error(e) => {
                SinkCounters::add(&c.dropped, 1);
                tracing::warn!(key, error = %e, "redis refused an event; it is dropped (output.redis.dropped)");
            }
        }
        *next += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp_encoding() {
        assert_eq!(
            encode_command(&[b"LPUSH", b"k", b"{\"a\":1}"]),
            b"*3\r\n$5\r\nLPUSH\r\n$1\r\nk\r\n$7\r\n{\"a\":1}\r\n"
        );
    }

    #[test]
    fn resp_replies() {
        let mut r = io::Cursor::new(
            b":3\r\n$15\r\n1700000000000-0\r\n-WRONGTYPE Operation against a key\r\n*2\r\n+a\r\n$-1\r\n+OK\r\n"
                .to_vec(),
        );
        assert_eq!(read_reply(&mut r).expect("int"), Reply::Ok("3".into()));
        assert_eq!(
            read_reply(&mut r).expect("bulk"),
            Reply::Ok("1700000000000-0".into())
        );
        assert!(
            matches!(read_reply(&mut r).expect("err"), Reply::Error(e) if e.starts_with("WRONGTYPE"))
        );
        assert!(matches!(read_reply(&mut r).expect("array"), Reply::Ok(_)));
        assert_eq!(read_reply(&mut r).expect("ok"), Reply::Ok("OK".into()));
        assert!(read_reply(&mut r).is_err(), "EOF");
    }
}
