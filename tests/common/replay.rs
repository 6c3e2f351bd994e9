//! `wardwatch replay` on fixture captures with a given EVE config and rule
//! set, and readers of the login events it writes.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::capture::{Frame, write_pcap};
use crate::common::util::{events_of_type, read_eve};

/// What one replay wrote.
pub struct Replayed {
    /// The EVE events, in file order.
    pub events: Vec<Value>,
    /// The EVE file as written.
    pub eve: String,
    /// The binary's standard output.
    pub stdout: String,
}

/// Replays `pcaps` (relative paths are under `tests/fixtures/`) with EVE
/// output of `eve_types`, the rules `rules` and the extra arguments `args`;
/// panics with the binary's stderr when it fails.
pub fn replay_fixtures<P: AsRef<Path>>(
    pcaps: &[P],
    eve_types: &[&str],
    rules: &str,
    args: &[&str],
) -> Replayed {
    let dir = tempfile::tempdir().expect("tempdir");
    let types: Vec<String> = eve_types.iter().map(|t| format!("{t:?}")).collect();
    let cfg = format!(
        "[outputs.eve]\npath = \"eve.json\"\ntypes = [{}]\n",
        types.join(", ")
    );
    std::fs::write(dir.path().join("cfg.toml"), cfg).expect("write config");
    std::fs::write(dir.path().join("t.rules"), rules).expect("write rules");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wardwatch"));
    cmd.args(["replay", "--config", "cfg.toml", "--rules", "t.rules"])
        .args(args)
        .current_dir(dir.path());
    for p in pcaps {
        cmd.arg(fixtures.join(p));
    }
    let out = cmd.output().expect("run wardwatch");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.path().join("eve.json");
    Replayed {
        events: read_eve(&path),
        eve: std::fs::read_to_string(&path).expect("read eve"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// `(account, outcome, reason)` of each login event in order, checking
/// that each is of protocol `proto`; a missing field reads as `missing`.
pub fn login_triples(
    events: &[Value],
    proto: &str,
    missing: &str,
) -> Vec<(String, String, String)> {
    events_of_type(events, "login")
        .into_iter()
        .map(|e| {
            let l = &e["login"];
            assert_eq!(l["protocol"], proto, "{e}");
            assert_eq!(e["app_proto"], proto, "{e}");
            let s = |k: &str| l[k].as_str().unwrap_or(missing).to_string();
            (s("account"), s("outcome"), s("reason"))
        })
        .collect()
}

/// Replays `frames` (sorted by time first) with the behavioural detectors
/// set up by `detectors` (written as `dir/detectors.toml`, with `files`
/// beside it: indicator lists, ...), EVE to `dir/e.json`, and `workers`
/// workers; returns the behavioural alerts (events with an `anomaly`
/// object) in file order. State the settings keep in `dir` (the device
/// inventory) carries over to the next call.
pub fn replay_detectors(
    dir: &Path,
    detectors: &str,
    files: &[(&str, &str)],
    frames: &[Frame],
    workers: &str,
) -> Vec<Value> {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write file");
    }
    std::fs::write(dir.join("detectors.toml"), detectors).expect("write detectors");
    std::fs::write(
        dir.join("c.toml"),
        "[detectors]\nfile = \"detectors.toml\"\n[outputs.eve]\npath = \"e.json\"\n",
    )
    .expect("write config");
    let mut frames = frames.to_vec();
    frames.sort_by_key(|f| f.ts_micros);
    write_pcap(dir.join("a.pcap"), 1, &frames).expect("pcap");
    let _ = std::fs::remove_file(dir.join("e.json"));
    wardwatch_in(
        dir,
        &["replay", "-c", "c.toml", "--workers", workers, "a.pcap"],
    );
    read_eve(dir.join("e.json"))
        .into_iter()
        .filter(|e| e.get("anomaly").is_some())
        .collect()
}

/// Runs `wardwatch args` in `dir`; panics with its stderr when it fails;
/// returns its standard output.
pub fn wardwatch_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run wardwatch");
    assert!(
        out.status.success(),
        "wardwatch {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
