//! Network namespaces for live tests: two namespaces joined by a veth pair,
//! removed on drop (also on panic), and a way to run code or processes
//! inside them.
//!
//! Needs root. [`root_or_skip`] says a test was skipped without root; with
//! `WARDWATCH_REQUIRE_ROOT_TESTS=1` (set by `.ci/run`) a skip is a failure.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// True when the test may run; panics when a skip is forbidden.
pub fn root_or_skip(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if std::env::var("WARDWATCH_REQUIRE_ROOT_TESTS").as_deref() == Ok("1") {
        panic!("{test}: needs root, and WARDWATCH_REQUIRE_ROOT_TESTS=1 forbids skipping it");
    }
    eprintln!("{test}: SKIPPED (needs root for network namespaces)");
    false
}

/// Runs a command, panicking with its stderr when it fails.
pub fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A short name prefix unique to this test run (interface names are at most
/// 15 characters).
pub fn unique_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("ww{}x{}", std::process::id() % 100_000, nanos % 10_000)
}

/// Two namespaces `a` (10.99.0.1) and `b` (10.99.0.2) joined by a veth
/// pair (`if_a` in `a`, `if_b` in `b`), both up with loopback.
pub struct VethPair {
    /// Namespace of the client side.
    pub ns_a: String,
    /// Namespace of the server (and sensor) side.
    pub ns_b: String,
    /// The veth end in `ns_a`.
    pub if_a: String,
    /// The veth end in `ns_b`.
    pub if_b: String,
}

impl VethPair {
    /// Makes the namespaces and the link.
    pub fn new() -> VethPair {
        let tag = unique_tag();
        let v = VethPair {
            ns_a: format!("{tag}a"),
            ns_b: format!("{tag}b"),
            if_a: format!("{tag}va"),
            if_b: format!("{tag}vb"),
        };
        sh(&["ip", "netns", "add", &v.ns_a]);
        sh(&["ip", "netns", "add", &v.ns_b]);
        sh(&[
            "ip", "link", "add", &v.if_a, "netns", &v.ns_a, "type", "veth", "peer", "name",
            &v.if_b, "netns", &v.ns_b,
        ]);
        sh(&[
            "ip",
            "-n",
            &v.ns_a,
            "addr",
            "add",
            "10.99.0.1/24",
            "dev",
            &v.if_a,
        ]);
        sh(&[
            "ip",
            "-n",
            &v.ns_b,
            "addr",
            "add",
            "10.99.0.2/24",
            "dev",
            &v.if_b,
        ]);
        for (ns, ifc) in [(&v.ns_a, &v.if_a), (&v.ns_b, &v.if_b)] {
            sh(&["ip", "-n", ns, "link", "set", ifc, "up"]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        v
    }

    /// `ip netns exec NS PROGRAM` as a command to fill in.
    pub fn exec(&self, ns: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns]).arg(program);
        c
    }

    /// Runs `f` on a new thread inside namespace `ns` (its own loopback),
    /// e.g. a receiver bound to 127.0.0.1 there.
    pub fn spawn_in<T: Send + 'static>(
        &self,
        ns: &str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> std::thread::JoinHandle<T> {
        let path = format!("/var/run/netns/{ns}");
        std::thread::spawn(move || {
            let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
                .unwrap_or_else(|e| panic!("setns {path}: {e}"));
            f()
        })
    }
}

impl Drop for VethPair {
    fn drop(&mut self) {
        for ns in [&self.ns_a, &self.ns_b] {
            remove_namespace(ns);
        }
    }
}

/// Kills anything left in `ns`, then deletes it (its veths go with it).
pub fn remove_namespace(ns: &str) {
    if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
        for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            if let Ok(p) = pid.parse::<i32>() {
                let _ = kill(Pid::from_raw(p), Signal::SIGKILL);
            }
        }
    }
    let _ = Command::new("ip").args(["netns", "del", ns]).status();
}

/// Namespaces a test made itself (e.g. more than two), removed on drop.
pub struct Namespaces(pub Vec<String>);

impl Drop for Namespaces {
    fn drop(&mut self) {
        for ns in &self.0 {
            remove_namespace(ns);
        }
    }
}

/// A `wardwatch run` process.
pub struct Sensor {
    /// The process (its pid is the sensor's: `ip netns exec` execs it).
    pub child: Child,
}

impl Sensor {
    /// Starts `wardwatch run ARGS` in `ns` with extra environment.
    pub fn start(v: &VethPair, ns: &str, args: &[&str], env: &[(&str, &str)]) -> Sensor {
        let mut cmd = v.exec(ns, env!("CARGO_BIN_EXE_wardwatch"));
        cmd.arg("run").args(args);
        for (k, val) in env {
            cmd.env(k, val);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wardwatch run");
        Sensor { child }
    }

    /// The process id.
    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    /// Sends `sig`.
    pub fn signal(&self, sig: Signal) {
        kill(self.pid(), sig).unwrap_or_else(|e| panic!("kill {sig}: {e}"));
    }

    /// SIGTERM, then waits up to `within` for the exit; returns the status
    /// and everything the sensor wrote to stderr.
    pub fn stop(mut self, within: Duration) -> (ExitStatus, String) {
        self.signal(Signal::SIGTERM);
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("wait") {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("sensor did not stop within {within:?} after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut err = String::new();
        if let Some(mut s) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut s, &mut err);
        }
        (status, err)
    }
}

/// Waits until `f` is true, checking every 100 ms, for at most `within`.
pub fn wait_for(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    f()
}

/// EVE lines of `path` parsed (a half-written last line is left out).
pub fn eve_events(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
