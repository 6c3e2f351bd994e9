//! systemd's notification protocol (`sd_notify(3)`), spoken by hand: one
//! datagram of `KEY=VALUE` lines to the unix socket named by `NOTIFY_SOCKET`
//! (a path, or an abstract name written with a leading `@`).
//!
//! No C library is needed for this: the protocol is a single `sendto`.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// A connection to the service manager, when one asked for notifications.
#[derive(Debug)]
pub struct Notifier {
    socket: UnixDatagram,
    target: Target,
    watchdog: Option<Duration>,
}

#[derive(Debug)]
enum Target {
    Path(std::path::PathBuf),
    #[cfg(target_os = "linux")]
    Abstract(Vec<u8>),
}

impl Notifier {
    /// The notifier systemd set up for this process (`NOTIFY_SOCKET`), with
    /// the watchdog interval (`WATCHDOG_USEC`, when `WATCHDOG_PID` is unset
    /// or names this process). `None` outside systemd.
    pub fn from_env() -> Option<Notifier> {
        let socket = std::env::var_os("NOTIFY_SOCKET")?;
        let watchdog = watchdog_from_env();
        match Notifier::new(socket.as_encoded_bytes(), watchdog) {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::warn!(error = %e, "NOTIFY_SOCKET set but unusable; no systemd notifications");
                None
            }
        }
    }

    /// A notifier for `socket` (`@name` for an abstract socket).
    pub fn new(socket: &[u8], watchdog: Option<Duration>) -> io::Result<Notifier> {
        let target = match socket.split_first() {
            #[cfg(target_os = "linux")]
            Some((b'@', name)) => Target::Abstract(name.to_vec()),
            Some((b'/', _)) => {
                use std::os::unix::ffi::OsStrExt;
                Target::Path(std::ffi::OsStr::from_bytes(socket).into())
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "NOTIFY_SOCKET must be an absolute path or an @abstract name",
                ));
            }
        };
        Ok(Notifier {
            socket: UnixDatagram::unbound()?,
            target,
            watchdog,
        })
    }

    /// How often the manager wants `WATCHDOG=1` at the latest, if at all.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    /// Sends `state` (newline-separated `KEY=VALUE` lines).
    pub fn notify(&self, state: &str) -> io::Result<()> {
        let sent = match &self.target {
            Target::Path(p) => self.socket.send_to(state.as_bytes(), p),
            #[cfg(target_os = "linux")]
            Target::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
                self.socket.send_to_addr(state.as_bytes(), &addr)
            }
        }?;
        if sent != state.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "short notification datagram",
            ));
        }
        Ok(())
    }

    /// Sends `state`, logging (not failing) when the manager is gone.
    pub fn send(&self, state: &str) {
        if let Err(e) = self.notify(state) {
            tracing::debug!(error = %e, state, "sd_notify failed");
        }
    }

    /// `READY=1` with a status line.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    /// `STATUS=...`.
    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}", one_line(status)));
    }

    /// `WATCHDOG=1`: the pipeline is alive.
    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    /// `RELOADING=1` with the monotonic time systemd asks for (`sd_notify(3)`).
    pub fn reloading(&self) {
        let usec = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
            .map(|t| t.tv_sec() as u64 * 1_000_000 + t.tv_nsec() as u64 / 1_000)
            .unwrap_or(0);
        self.send(&format!("RELOADING=1\nMONOTONIC_USEC={usec}"));
    }

    /// `STOPPING=1`.
    pub fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=stopping: draining queues and outputs");
    }
}

/// A status value must stay on one line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn watchdog_from_env() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    if usec == 0 {
        return None;
    }
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.trim().parse::<u32>().ok() != Some(std::process::id()) {
            return None;
        }
    }
    Some(Duration::from_micros(usec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_arrive_on_a_path_socket() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify.sock");
        let rx = UnixDatagram::bind(&path).expect("bind");
        let n = Notifier::new(path.as_os_str().as_encoded_bytes(), None).expect("notifier");
        n.ready("capturing on\neth1");
        n.watchdog();
        let mut buf = [0u8; 256];
        let len = rx.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..len], b"READY=1\nSTATUS=capturing on eth1");
        let len = rx.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..len], b"WATCHDOG=1");
    }

    #[test]
    fn abstract_sockets_work_and_bad_names_are_refused() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("wardwatch-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
            .expect("abstract addr");
        let rx = UnixDatagram::bind_addr(&addr).expect("bind abstract");
        let n = Notifier::new(format!("@{name}").as_bytes(), None).expect("notifier");
        n.status("42 packets");
        let mut buf = [0u8; 64];
        let len = rx.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..len], b"STATUS=42 packets");
        assert!(Notifier::new(b"relative/path", None).is_err());
        assert!(Notifier::new(b"", None).is_err());
    }
}
