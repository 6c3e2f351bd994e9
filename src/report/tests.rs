use super::*;

/// 2024-04-01T09:00:00Z, the base of every test time.
const T0: u64 = 1_711_962_000;

fn ts(secs_after: u64) -> String {
    Timestamp::from_secs(T0 + secs_after).rfc3339()
}

/// An EVE alert line: `secs` after T0, `src` -> `dest`, rule `sid`.
fn alert_line(secs: u64, src: &str, dest: &str, sid: u64) -> String {
    serde_json::json!({
        "timestamp": ts(secs),
        "flow_id": 1,
        "event_type": "alert",
        "src_ip": src, "src_port": 41000, "dest_ip": dest, "dest_port": 443, "proto": "TCP",
        "alert": {
            "action": "allowed", "gid": 1, "signature_id": sid, "rev": 1,
            "signature": format!("WARDWATCH TEST rule {sid}"),
            "category": "Misc activity", "severity": 3
        }
    })
    .to_string()
}

/// A behavioural alert line with `anomaly` evidence.
fn anomaly_line(secs: u64, src: &str, dest: &str, detector: &str, episode: u64) -> String {
    serde_json::json!({
        "timestamp": ts(secs),
        "event_type": "alert",
        "src_ip": src, "src_port": 50000, "dest_ip": dest, "dest_port": 22, "proto": "TCP",
        "alert": {
            "action": "allowed", "gid": 1, "signature_id": 9100001, "rev": 1,
            "signature": "WARDWATCH ANOMALY failed-login flood",
            "category": "Attempted User Privilege Gain", "severity": 1
        },
        "anomaly": {
            "detector": detector, "episode": episode, "failures": 120, "window": 60,
            "accounts": ["admin", "root"], "ports": [22]
        }
    })
    .to_string()
}

fn read(lines: &[String]) -> ReadAlerts {
    let text = lines.join("\n");
    read_alerts(text.as_bytes()).expect("in-memory read")
}

fn incidents(lines: &[String]) -> Vec<Incident> {
    group(&read(lines).alerts, DEFAULT_GAP_SECS)
}

/// (source, alert count) of each incident.
fn shape(incs: &[Incident]) -> Vec<(String, u64)> {
    incs.iter().map(|i| (i.source.clone(), i.alerts)).collect()
}

#[test]
fn alerts_closer_than_the_gap_are_one_incident_further_apart_two() {
    let gap = DEFAULT_GAP_SECS;
    let incs = incidents(&[
        alert_line(0, "203.0.113.5", "10.0.0.1", 1),
        alert_line(gap, "203.0.113.5", "10.0.0.1", 1),
        // Exactly the gap after the previous alert: still the same incident.
        alert_line(2 * gap, "203.0.113.5", "10.0.0.1", 2),
        // One second more than the gap: a new one.
        alert_line(3 * gap + 1, "203.0.113.5", "10.0.0.1", 1),
    ]);
    assert_eq!(
        shape(&incs),
        [("203.0.113.5".into(), 3), ("203.0.113.5".into(), 1)]
    );
    assert_eq!(incs[0].first, Timestamp::from_secs(T0));
    assert_eq!(incs[0].last, Timestamp::from_secs(T0 + 2 * gap));
}

#[test]
fn a_shorter_gap_splits_more() {
    let alerts = read(&[
        alert_line(0, "203.0.113.5", "10.0.0.1", 1),
        alert_line(600, "203.0.113.5", "10.0.0.1", 1),
    ])
    .alerts;
    assert_eq!(group(&alerts, 600).len(), 1);
    assert_eq!(group(&alerts, 599).len(), 2);
}

#[test]
fn sources_are_split_and_targets_collected() {
    let incs = incidents(&[
        alert_line(0, "203.0.113.5", "10.0.0.1", 1),
        alert_line(5, "198.51.100.7", "10.0.0.1", 1),
        alert_line(10, "203.0.113.5", "10.0.0.2", 2),
        alert_line(15, "203.0.113.5", "10.0.0.1", 2),
    ]);
    assert_eq!(
        shape(&incs),
        [("203.0.113.5".into(), 3), ("198.51.100.7".into(), 1)]
    );
    assert_eq!(incs[0].targets, ["10.0.0.1", "10.0.0.2"]);
    let counts: Vec<(u64, u64)> = incs[0]
        .signatures
        .iter()
        .map(|s| (s.signature_id, s.count))
        .collect();
    assert_eq!(counts, [(2, 2), (1, 1)]);
}

#[test]
fn file_order_does_not_matter() {
    let lines = [
        alert_line(100, "203.0.113.5", "10.0.0.1", 1),
        alert_line(0, "203.0.113.5", "10.0.0.1", 1),
        alert_line(50, "203.0.113.5", "10.0.0.1", 1),
    ];
    let incs = incidents(&lines);
    assert_eq!(shape(&incs), [("203.0.113.5".into(), 3)]);
    assert_eq!(incs[0].first, Timestamp::from_secs(T0));
}

#[test]
fn one_episode_stays_together_across_gaps_and_sources() {
    let incs = incidents(&[
        anomaly_line(0, "10.1.0.9", "10.0.0.1", "login-flood", 7),
        // Two hours later, same episode: same incident.
        anomaly_line(7200, "10.1.0.9", "10.0.0.1", "login-flood", 7),
        // Another source reporting the same episode (a detector merging them).
        anomaly_line(7300, "10.1.0.10", "10.0.0.1", "login-flood", 7),
        // Same number, other detector: a different episode.
        anomaly_line(7400, "10.1.0.10", "10.0.0.1", "port-scan", 7),
    ]);
    assert_eq!(
        shape(&incs),
        [("10.1.0.9".into(), 3), ("10.1.0.10".into(), 1)]
    );
    assert_eq!(incs[0].accounts, ["admin", "root"]);
    assert_eq!(incs[0].ports, [22]);
    assert_eq!(incs[0].kinds, [Kind::LoginFlood]);
    assert_eq!(incs[1].kinds, [Kind::Scan]);
}

#[test]
fn without_episode_the_gap_still_splits_behavioural_alerts() {
    let mut a = anomaly_line(0, "10.1.0.9", "10.0.0.1", "login-flood", 1);
    let mut b = anomaly_line(7200, "10.1.0.9", "10.0.0.1", "login-flood", 1);
    for l in [&mut a, &mut b] {
        *l = l.replace(",\"episode\":1", "");
        assert!(!l.contains("episode"), "{l}");
    }
    assert_eq!(incidents(&[a, b]).len(), 2);
}

#[test]
fn since_counts_back_from_the_newest_alert() {
    let r = read(&[
        alert_line(0, "203.0.113.5", "10.0.0.1", 1),
        alert_line(3600, "203.0.113.6", "10.0.0.1", 1),
        alert_line(5400, "203.0.113.7", "10.0.0.1", 1),
        alert_line(7200, "203.0.113.8", "10.0.0.1", 1),
    ]);
    let report = Report::build(
        Path::new("eve.json"),
        r.clone(),
        Some(3600),
        DEFAULT_GAP_SECS,
    );
    // Newest at +7200: the window starts at +3600, inclusive.
    assert_eq!(report.window_start, Some(Timestamp::from_secs(T0 + 3600)));
    assert_eq!(report.alerts_in_file, 4);
    assert_eq!(report.alerts, 3);
    let sources: Vec<&str> = report.incidents.iter().map(|i| i.source.as_str()).collect();
    assert_eq!(sources, ["203.0.113.6", "203.0.113.7", "203.0.113.8"]);
    let all = Report::build(Path::new("eve.json"), r, None, DEFAULT_GAP_SECS);
    assert_eq!(all.alerts, 4);
    assert_eq!(all.window_start, None);
}

#[test]
fn malformed_lines_are_counted_and_skipped() {
    let mut missing_sid = alert_line(2, "203.0.113.5", "10.0.0.1", 1);
    missing_sid = missing_sid.replace(",\"signature_id\":1", "");
    let bad_time = alert_line(3, "203.0.113.5", "10.0.0.1", 1).replace(&ts(3), "yesterday");
    let lines = [
        alert_line(0, "203.0.113.5", "10.0.0.1", 1),
        "{\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\"}".to_string(),
        "not json at all".to_string(),
        "{\"event_type\":\"alert\",\"alert\":".to_string(),
        missing_sid,
        bad_time,
        String::new(),
        "{\"event_type\":\"stats\",\"stats\":{\"alerted\":1}}".to_string(),
        alert_line(1, "203.0.113.5", "10.0.0.1", 1),
    ];
    let r = read(&lines);
    assert_eq!(r.lines, 9);
    assert_eq!(r.alerts.len(), 2);
    assert_eq!(r.other_events, 2);
    assert_eq!(r.malformed, 4);
    assert_eq!(r.first_malformed, Some(3));
}

#[test]
fn invalid_utf8_and_overlong_lines_are_malformed_not_fatal() {
    let mut data = Vec::new();
    data.extend_from_slice(b"{\"event_type\":\"alert\",\"x\":\"\xff\xfe\"}\n");
    data.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES + 10));
    data.push(b'\n');
    data.extend_from_slice(alert_line(0, "203.0.113.5", "10.0.0.1", 1).as_bytes());
    // No final newline on the last line.
    let r = read_alerts(&data[..]).expect("read");
    assert_eq!(r.malformed, 2);
    assert_eq!(r.alerts.len(), 1);
    assert_eq!(r.lines, 3);
}

#[test]
fn suricata_timestamps_without_colon_in_the_offset_parse() {
    assert_eq!(
        parse_timestamp("2024-04-01T18:00:00.000001+0900"),
        Some(Timestamp(T0 * 1_000_000 + 1))
    );
    assert_eq!(
        parse_timestamp("2024-04-01T09:00:00.000000+00:00"),
        Some(Timestamp::from_secs(T0))
    );
    assert_eq!(parse_timestamp("1969-12-31T23:59:59+00:00"), None);
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30m"), Some(1800));
    assert_eq!(parse_duration("24h"), Some(86_400));
    assert_eq!(parse_duration("7d"), Some(604_800));
    assert_eq!(parse_duration("45s"), Some(45));
    assert_eq!(parse_duration("30"), None);
    assert_eq!(parse_duration("h"), None);
    assert_eq!(parse_duration("-5m"), None);
    assert_eq!(parse_duration("99999999999999999999d"), None);
}

#[test]
fn locale_picks_the_language() {
    assert_eq!(Lang::from_locale(Some("ja_JP.UTF-8")), Lang::Ja);
    assert_eq!(Lang::from_locale(Some("ja")), Lang::Ja);
    assert_eq!(Lang::from_locale(Some("en_US.UTF-8")), Lang::En);
    assert_eq!(Lang::from_locale(Some("C")), Lang::En);
    assert_eq!(Lang::from_locale(None), Lang::En);
}

#[test]
fn kinds_from_rules_and_detectors() {
    let a = |sig: &str, cat: &str| {
        let mut x = read(&[alert_line(0, "1.2.3.4", "10.0.0.1", 1)])
            .alerts
            .remove(0);
        x.signature = sig.into();
        x.category = cat.into();
        x
    };
    let fortios = a(
        "WARDWATCH EXPLOIT FortiOS SSL-VPN path traversal (CVE-2018-13379)",
        "Attempted Administrator Privilege Gain",
    );
    assert_eq!(fortios.kind(), Kind::VpnExploit);
    let log4j = a(
        "WARDWATCH EXPLOIT Log4Shell JNDI lookup in URI (CVE-2021-44228)",
        "Attempted Administrator Privilege Gain",
    );
    assert_eq!(log4j.kind(), Kind::Exploit);
    let nmap = a(
        "WARDWATCH SCAN Nikto web scanner",
        "Attempted Information Leak",
    );
    assert_eq!(nmap.kind(), Kind::Scan);
    let smb1 = a(
        "WARDWATCH POLICY SMBv1 negotiate request",
        "Potential Corporate Privacy Violation",
    );
    assert_eq!(smb1.kind(), Kind::Policy);
    let mimikatz = a(
        "WARDWATCH TROJAN Mimikatz banner in cleartext traffic",
        "A Network Trojan was detected",
    );
    assert_eq!(mimikatz.kind(), Kind::Malware);
    let mut dev = a("WARDWATCH ANOMALY new device", "Misc activity");
    dev.detector = Some("new-device".into());
    assert_eq!(dev.kind(), Kind::NewDevice);
    assert_eq!(a("something", "Misc activity").kind(), Kind::Other);
}

/// One incident with every field: a login flood episode, then (same source,
/// within the gap) a FortiOS exploit at a second target.
fn golden_incident() -> Vec<Incident> {
    let mut fortios = alert_line(600, "203.0.113.50", "10.20.0.1", 9000001);
    fortios = fortios
        .replace(
            "WARDWATCH TEST rule 9000001",
            "WARDWATCH EXPLOIT FortiOS SSL-VPN path traversal (CVE-2018-13379)",
        )
        .replace("\"severity\":3", "\"severity\":1")
        .replace("Misc activity", "Attempted Administrator Privilege Gain");
    let incs = incidents(&[
        anomaly_line(0, "203.0.113.50", "10.20.0.10", "login-flood", 3),
        anomaly_line(59, "203.0.113.50", "10.20.0.10", "login-flood", 3),
        fortios,
    ]);
    assert_eq!(incs.len(), 1);
    incs
}

#[test]
fn renders_one_incident_in_english() {
    let got = render_incident(&golden_incident()[0], 1, 1, Lang::En);
    let want = "\
== Incident 1 of 1: WARDWATCH EXPLOIT FortiOS SSL-VPN path traversal (CVE-2018-13379)
Summary:     Attack on a VPN appliance (remote-access gateway); Mass login failures
Detectors:   login-flood
Severity:    1 (high)
First seen:  2024-04-01 09:00:00 +00:00
Last seen:   2024-04-01 09:10:00 +00:00
Source:      203.0.113.50
Targets:     10.20.0.10, 10.20.0.1
Accounts:    admin, root
Ports:       22
Alerts:      3
      2  [9100001] WARDWATCH ANOMALY failed-login flood
      1  [9000001] WARDWATCH EXPLOIT FortiOS SSL-VPN path traversal (CVE-2018-13379)
First steps:
  1. Isolate the VPN appliance from the network (keep it powered on for the investigation).
  2. Check its firmware version against the vendor advisory for the CVE named in the alert.
  3. Reset the credentials of every VPN account and the appliance's administrators.
  4. Review the appliance's logs for logins and configuration changes since the first alert.
  5. Check the account lockout policy on the target server.
  6. Block the source at the firewall.
  7. Check whether any login from this source succeeded.
";
    assert_eq!(got, want, "\n{got}");
}

#[test]
fn renders_one_incident_in_japanese() {
    let got = render_incident(&golden_incident()[0], 1, 1, Lang::Ja);
    let want = "\
■ インシデント 1/1: WARDWATCH EXPLOIT FortiOS SSL-VPN path traversal (CVE-2018-13379)
概要：        VPN機器（リモートアクセス装置）の脆弱性を狙った攻撃／大量のログイン失敗
検知方式：    login-flood
重要度：      1（高）
発生日時：    2024-04-01 09:00:00 +00:00 〜 2024-04-01 09:10:00 +00:00
送信元：      203.0.113.50
対象：        10.20.0.10、10.20.0.1
アカウント：  admin、root
ポート：      22
件数：        3件
      2件  [9100001] WARDWATCH ANOMALY failed-login flood
      1件  [9000001] WARDWATCH EXPLOIT FortiOS SSL-VPN path traversal (CVE-2018-13379)
初動対応：
  1. VPN機器をネットワークから切り離す（調査のため電源は切らない）。
  2. ファームウェアのバージョンを、アラートに記載のCVEに関するメーカーのアドバイザリと照合する。
  3. VPNアカウントと機器管理者のパスワードをすべて変更する。
  4. 最初のアラート以降の機器ログ（ログイン・設定変更）を確認する。
  5. 対象サーバのアカウントロックアウト設定を確認する。
  6. ファイアウォールで送信元を遮断する。
  7. この送信元からのログインに成功したものがないか確認する。
";
    assert_eq!(got, want, "\n{got}");
}

#[test]
fn long_lists_are_capped() {
    let lines: Vec<String> = (1..=8)
        .map(|i| alert_line(i, "203.0.113.5", &format!("10.0.0.{i}"), 1))
        .collect();
    let incs = incidents(&lines);
    let en = render_incident(&incs[0], 1, 1, Lang::En);
    assert!(
        en.contains("Targets:     10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5 and 3 more\n"),
        "{en}"
    );
    let ja = render_incident(&incs[0], 1, 1, Lang::Ja);
    assert!(
        ja.contains("対象：        10.0.0.1、10.0.0.2、10.0.0.3、10.0.0.4、10.0.0.5 ほか3件\n"),
        "{ja}"
    );
}

#[test]
fn json_format_carries_the_incidents() {
    let r = Report::build(
        Path::new("eve.json"),
        read(&[alert_line(0, "203.0.113.5", "10.0.0.1", 1)]),
        None,
        DEFAULT_GAP_SECS,
    );
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).expect("json");
    let inc = &v["incidents"][0];
    assert_eq!(inc["source"], "203.0.113.5");
    assert_eq!(inc["alerts"], 1);
    assert_eq!(inc["first"], ts(0));
    assert_eq!(inc["signatures"][0]["signature_id"], 1);
    assert_eq!(inc["kinds"][0], "other");
}
