//! Network namespaces for tests that need root: a unique name prefix per run
//! (other work on the machine makes namespaces too), a guard that kills what
//! runs inside and deletes them on drop (also on panic), and the skip rule
//! (`WARDWATCH_REQUIRE_ROOT_TESTS=1` turns a skip into a failure).

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Namespaces made by the test, removed on drop (their veths go with them).
pub struct Netns {
    pub names: Vec<String>,
}

impl Drop for Netns {
    fn drop(&mut self) {
        for ns in &self.names {
            // Kill anything left in the namespace, then delete it.
            if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    if let Ok(p) = pid.parse::<i32>() {
                        let _ = kill(Pid::from_raw(p), Signal::SIGKILL);
                    }
                }
            }
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Runs a command that must succeed; panics with its stderr otherwise.
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

/// True when running as root; otherwise says the test was skipped (or
/// panics when `WARDWATCH_REQUIRE_ROOT_TESTS=1`).
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

/// A few random-ish digits for unique names.
pub fn rand_suffix() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.subsec_nanos() % 10_000
}

/// A name prefix unique to this test run (short: interface names have 15
/// characters at most).
pub fn unique_tag() -> String {
    format!("ww{}x{}", std::process::id() % 100_000, rand_suffix())
}

/// Sends SIGTERM and waits (at most `limit`) for the child to exit; returns
/// its stderr and whether it exited successfully.
pub fn stop_child(mut child: Child, limit: Duration) -> (bool, String) {
    let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "child did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = child
        .stderr
        .take()
        .map(|mut s| {
            let mut t = String::new();
            let _ = std::io::Read::read_to_string(&mut s, &mut t);
            t
        })
        .unwrap_or_default();
    (status.success(), stderr)
}
