//! Live capture for real: a veth pair between two network namespaces made by the
//! test, traffic sent across it, `wardwatch run` capturing on one end.
//!
//! Needs root (namespaces, CAP_NET_RAW). Without root the test says it was
//! skipped; with `WARDWATCH_REQUIRE_ROOT_TESTS=1` (set by `.ci/run`) a skip is a
//! failure.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::netns::{VethPair, root_or_skip};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

#[test]
fn captures_tcp_and_udp_across_a_veth() {
    if !root_or_skip("captures_tcp_and_udp_across_a_veth") {
        return;
    }
    let net = VethPair::new();
    let (ns_a, ns_b, if_b) = (net.ns_a.as_str(), net.ns_b.as_str(), net.if_b.as_str());
    let dir = tempfile::tempdir().expect("tmpdir");
    let eve = dir.path().join("eve.json");
    // A kernel BPF filter hides port 5515; stats every second.
    let config = dir.path().join("wardwatch.toml");
    std::fs::write(
        &config,
        "[capture]\nbpf_filter = \"not udp port 5515\"\nbuffer_size = \"8 MiB\"\n[stats]\ninterval = 1\n",
    )
    .expect("write config");
    let sensor = Command::new("ip")
        .args(["netns", "exec", ns_b])
        .arg(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["run", "--interface", if_b, "--workers", "2", "--config"])
        .arg(&config)
        .arg("--eve")
        .arg(&eve)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wardwatch run");
    let sensor_pid = Pid::from_raw(sensor.id() as i32);

    // A TCP server in B, a client in A sending 5 messages, then 20 UDP datagrams.
    let server = Command::new("ip")
        .args(["netns", "exec", ns_b, "python3", "-c"])
        .arg(
            "import socket\n\
             s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
             s.bind(('10.99.0.2', 8080)); s.listen(1); c,_=s.accept()\n\
             while True:\n    d=c.recv(4096)\n    if not d: break\n    c.sendall(b'ok:'+d)\n\
             c.close()\n",
        )
        .spawn()
        .expect("start server");
    // Let the capture open before traffic starts.
    std::thread::sleep(Duration::from_millis(1500));
    let client = Command::new("ip")
        .args(["netns", "exec", ns_a, "python3", "-c"])
        .arg(
            "import socket, time\n\
             c=socket.create_connection(('10.99.0.2', 8080), timeout=5)\n\
             for i in range(5):\n    c.sendall(b'hello-%d' % i); c.recv(100); time.sleep(0.05)\n\
             c.close()\n\
             u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
             for i in range(20): u.sendto(b'dgram', ('10.99.0.2', 5514))\n\
             for i in range(5): u.sendto(b'hidden', ('10.99.0.2', 5515))\n",
        )
        .status()
        .expect("run client");
    assert!(client.success(), "client failed");
    let _ = server.wait_with_output();
    std::thread::sleep(Duration::from_millis(700));

    kill(sensor_pid, Signal::SIGTERM).expect("SIGTERM");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut sensor = sensor;
    let status = loop {
        if let Some(st) = sensor.try_wait().expect("wait") {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "sensor did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = sensor
        .stderr
        .take()
        .map(|mut s| {
            let mut t = String::new();
            let _ = std::io::Read::read_to_string(&mut s, &mut t);
            t
        })
        .unwrap_or_default();
    assert!(status.success(), "sensor exit {status:?}: {stderr}");

    let events = common::read_eve(&eve);
    let flows: Vec<_> = events
        .iter()
        .filter(|e| e["event_type"] == "flow")
        .collect();
    let tcp = flows
        .iter()
        .find(|e| e["proto"] == "TCP" && e["dest_port"] == 8080)
        .unwrap_or_else(|| panic!("no TCP flow to 8080 in {flows:?}\nstderr: {stderr}"));
    assert_eq!(tcp["src_ip"], "10.99.0.1");
    assert_eq!(tcp["dest_ip"], "10.99.0.2");
    assert_eq!(tcp["in_iface"], if_b);
    // 3-way handshake + 5 data segments + FIN/ACKs: at least 8 each way is safe.
    assert!(
        tcp["flow"]["pkts_toserver"].as_u64().unwrap_or(0) >= 8,
        "{tcp}"
    );
    assert!(
        tcp["flow"]["pkts_toclient"].as_u64().unwrap_or(0) >= 6,
        "{tcp}"
    );
    assert_eq!(tcp["tcp"]["syn"], true, "{tcp}");
    assert_eq!(tcp["tcp"]["fin"], true, "{tcp}");
    let udp = flows
        .iter()
        .find(|e| e["proto"] == "UDP" && e["dest_port"] == 5514)
        .unwrap_or_else(|| panic!("no UDP flow to 5514 in {flows:?}"));
    assert_eq!(udp["flow"]["pkts_toserver"], 20, "{udp}");
    assert_eq!(udp["flow"]["pkts_toclient"], 0, "{udp}");
    assert!(
        !flows.iter().any(|e| e["dest_port"] == 5515),
        "the BPF filter should hide port 5515: {flows:?}"
    );
    let stats_events = events.iter().filter(|e| e["event_type"] == "stats").count();
    assert!(stats_events >= 2, "stats every second: got {stats_events}");

    let stats = events
        .iter()
        .rev()
        .find(|e| e["event_type"] == "stats")
        .expect("a final stats event");
    let pkts = stats["stats"]["decoder"]["pkts"].as_u64().unwrap_or(0);
    assert!(pkts >= 40, "decoder.pkts {pkts}");
    // The kernel counted what it gave us, and dropped nothing at this rate.
    let kernel = stats["stats"]["capture"]["kernel_packets"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        kernel >= pkts,
        "kernel_packets {kernel} < decoder.pkts {pkts}"
    );
    assert_eq!(stats["stats"]["capture"]["kernel_drops"], 0);
    assert_eq!(stats["stats"]["capture"]["queue_drops"], 0);
}

#[test]
fn missing_interface_is_a_clear_error() {
    if !root_or_skip("missing_interface_is_a_clear_error") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmpdir");
    let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["run", "--interface", "wwnosuchif0", "--eve"])
        .arg(dir.path().join("eve.json"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wwnosuchif0"), "{err}");
}
