//! `wardwatch report`: the incident summary the IT staff paste into their
//! report (in Japan, to the Ministry of Health).
//!
//! Why a separate pass over the EVE file rather than something the daemon
//! keeps: the EVE file is the record that survives restarts and rotations,
//! the SIEM reads the same file, and a report can be rerun after the fact
//! with another `--since` or language. So the report reads nothing but EVE.
//!
//! How alerts become incidents ([`group`]):
//!
//! - alerts are taken in packet-time order;
//! - an alert joins the latest incident of the **same source address** when it
//!   comes at most `gap` after that incident's last alert ([`DEFAULT_GAP_SECS`],
//!   30 minutes, `--gap`); otherwise it opens a new incident. Targets are not
//!   required to overlap: a sweep or a scan hits a different host with each
//!   alert, and splitting it per target would bury the one attack under dozens
//!   of "incidents". The incident lists its targets instead;
//! - alerts of one behavioural episode (the same `anomaly.detector` and
//!   `anomaly.episode`) always land in the same incident, whatever the gap.
//!
//! Times are printed in UTC with the offset shown (`2024-04-01 09:30:05
//! +00:00`): the same EVE file gives the same report on every machine, and
//! the EVE timestamps themselves are UTC. `--since` counts back from the
//! newest alert in the file (packet time), so a replayed capture reports
//! the same as the live traffic did.
//!
//! Reading is streaming and lenient: lines that are not alerts are skipped,
//! lines that are not JSON, lack an alert's fields or exceed
//! [`MAX_LINE_BYTES`] are skipped and counted, and nothing in the file can make
//! the report panic.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use crate::config::{Config, ConfigError};
use crate::time::Timestamp;

/// Alerts further apart than this (seconds) start a new incident.
pub const DEFAULT_GAP_SECS: u64 = 30 * 60;

/// Longest EVE line read (bytes). Real alert lines are a few kB; an EVE file
/// damaged by a crash (a missing newline, binary garbage) must not make the
/// report buffer gigabytes. Longer lines are skipped and counted as malformed.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// Items shown in a list (targets, accounts, ports) before "and N more".
pub const LIST_CAP: usize = 5;

/// Signatures listed per incident before "and N more".
pub const SIGNATURE_CAP: usize = 10;

/// Errors of `wardwatch report`.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The EVE file could not be opened.
    #[error(
        "cannot open EVE file {path}: {source} (give the file with --eve, or set outputs.eve.path in the config)"
    )]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Reading the EVE file failed part way.
    #[error("cannot read EVE file {path} at line {line}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// 1-based line number being read.
        line: u64,
        /// Why.
        source: std::io::Error,
    },
    /// A duration flag that could not be parsed.
    #[error("invalid duration `{0}` for {1}: use a number and a unit, e.g. 30m, 24h, 7d")]
    Duration(String, &'static str),
    /// The config file.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Report language.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Japanese.
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The language of the locale: Japanese when the first set variable of
    /// `LC_ALL`, `LC_MESSAGES`, `LANG` (POSIX order) starts with `ja`.
    pub fn from_env() -> Lang {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Lang::from_locale(
            var("LC_ALL")
                .or_else(|| var("LC_MESSAGES"))
                .or_else(|| var("LANG"))
                .as_deref(),
        )
    }

    /// The language of a locale name such as `ja_JP.UTF-8`.
    pub fn from_locale(locale: Option<&str>) -> Lang {
        match locale {
            Some(l) if l.starts_with("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }
}

/// Output format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text, one block per incident.
    Text,
    /// One JSON document with every incident, for tools.
    Json,
}

/// `wardwatch report` arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Times are packet times from the EVE file, printed in UTC with the offset shown. \
--since counts back from the newest alert in the file, not from the wall clock, \
so a replayed capture gives the same report as the live traffic did.")]
pub struct ReportArgs {
    /// Config file (TOML) whose outputs.eve.path is read.
    #[arg(long, short = 'c', value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// EVE JSON file to read (default: outputs.eve.path, else ./eve.json).
    #[arg(long, value_name = "PATH")]
    pub eve: Option<PathBuf>,
    /// Only alerts within DURATION before the newest alert in the file
    /// (packet time, not the wall clock), e.g. 30m, 24h, 7d.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Alerts of one source further apart than this start a new incident.
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    pub gap: String,
    /// Language (default: Japanese when LC_ALL/LC_MESSAGES/LANG start with `ja`).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `wardwatch report`: reads the EVE file, groups, prints to stdout.
pub fn run(args: &ReportArgs) -> Result<ExitCode, ReportError> {
    let path = match &args.eve {
        Some(p) => p.clone(),
        None => Config::load(args.config.as_deref())?
            .eve_path
            .unwrap_or_else(|| PathBuf::from("eve.json")),
    };
    let since = match &args.since {
        Some(s) => {
            Some(parse_duration(s).ok_or_else(|| ReportError::Duration(s.clone(), "--since"))?)
        }
        None => None,
    };
    let gap = parse_duration(&args.gap)
        .ok_or_else(|| ReportError::Duration(args.gap.clone(), "--gap"))?;
    let file = std::fs::File::open(&path).map_err(|source| ReportError::Open {
        path: path.clone(),
        source,
    })?;
    let read =
        read_alerts(std::io::BufReader::new(file)).map_err(|(line, source)| ReportError::Read {
            path: path.clone(),
            line,
            source,
        })?;
    let report = Report::build(&path, read, since, gap);
    let text = match args.format {
        Format::Text => report.render(args.lang.unwrap_or_else(Lang::from_env)),
        Format::Json => report.to_json(),
    };
    // A closed stdout (`| head`) is not an error worth a panic.
    let mut out = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut out, text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// Parses `30s`, `30m`, `24h`, `7d`, `2w` into seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// One alert as the report needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Packet time.
    pub ts: Timestamp,
    /// `src_ip`.
    pub src: String,
    /// `dest_ip`.
    pub dest: String,
    /// `dest_port`, if any.
    pub dest_port: Option<u16>,
    /// `alert.signature_id`.
    pub sid: u64,
    /// `alert.signature`.
    pub signature: String,
    /// `alert.category`.
    pub category: String,
    /// `alert.severity` (1 highest .. 4).
    pub severity: u8,
    /// `alert.action` was `blocked`.
    pub blocked: bool,
    /// `alert.metadata.attack_target` values.
    pub attack_target: Vec<String>,
    /// `anomaly.detector`.
    pub detector: Option<String>,
    /// `anomaly.episode`, as text.
    pub episode: Option<String>,
    /// Accounts named in the anomaly evidence.
    pub accounts: Vec<String>,
    /// Ports named in the anomaly evidence.
    pub ports: Vec<u16>,
}

/// What reading an EVE file found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadAlerts {
    /// The alerts, in file order.
    pub alerts: Vec<Alert>,
    /// Lines read (empty ones included).
    pub lines: u64,
    /// Well-formed events of other types (flow, stats, ...).
    pub other_events: u64,
    /// Lines skipped as malformed (not JSON, too long, alert fields missing).
    pub malformed: u64,
    /// Line number of the first malformed line.
    pub first_malformed: Option<u64>,
}

#[derive(Deserialize)]
struct RawEvent {
    timestamp: Option<String>,
    event_type: Option<String>,
    src_ip: Option<String>,
    dest_ip: Option<String>,
    dest_port: Option<u16>,
    alert: Option<RawAlert>,
    anomaly: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawAlert {
    signature_id: Option<u64>,
    signature: Option<String>,
    category: Option<String>,
    severity: Option<u8>,
    action: Option<String>,
    metadata: Option<serde_json::Value>,
}

/// Reads EVE lines from `reader`, keeping the alerts. An I/O error returns
/// the line number it happened at.
pub fn read_alerts<R: BufRead>(mut reader: R) -> Result<ReadAlerts, (u64, std::io::Error)> {
    let mut out = ReadAlerts::default();
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        let line_no = out.lines + 1;
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| (line_no, e))?;
        if n == 0 {
            break;
        }
        out.lines += 1;
        if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
            skip_rest_of_line(&mut reader).map_err(|e| (line_no, e))?;
            out.malformed(line_no);
            continue;
        }
        let line = buf.trim_ascii();
        if line.is_empty() {
            continue;
        }
        // Most lines are flows and app events; skip them without a full parse.
        if memchr::memmem::find(line, b"\"alert\"").is_none() {
            if serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok() {
                out.other_events += 1;
            } else {
                out.malformed(line_no);
            }
            continue;
        }
        let Ok(raw) = serde_json::from_slice::<RawEvent>(line) else {
            out.malformed(line_no);
            continue;
        };
        if raw.event_type.as_deref() != Some("alert") {
            out.other_events += 1;
            continue;
        }
        match Alert::from_raw(raw) {
            Some(a) => out.alerts.push(a),
            None => out.malformed(line_no),
        }
    }
    Ok(out)
}

fn skip_rest_of_line<R: BufRead>(reader: &mut R) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

impl ReadAlerts {
    fn malformed(&mut self, line: u64) {
        self.malformed += 1;
        self.first_malformed.get_or_insert(line);
    }
}

/// Parses an EVE timestamp: RFC 3339 (`+00:00`) or Suricata's `+0000`.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let dt = chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()?;
    let micros = dt.timestamp_micros();
    u64::try_from(micros).ok().map(Timestamp)
}

/// Strings of a JSON value that is a string or an array of strings.
fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                serde_json::Value::String(s) => Some(s.clone()),
                // {"account": "x", "count": 3} style evidence.
                serde_json::Value::Object(o) => o
                    .get("account")
                    .or_else(|| o.get("name"))
                    .and_then(|n| n.as_str())
                    .map(str::to_string),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn ports(v: Option<&serde_json::Value>) -> Vec<u16> {
    let port = |x: &serde_json::Value| x.as_u64().and_then(|p| u16::try_from(p).ok());
    match v {
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(port).collect(),
        Some(x) => port(x).into_iter().collect(),
        None => Vec::new(),
    }
}

impl Alert {
    fn from_raw(raw: RawEvent) -> Option<Alert> {
        let ts = parse_timestamp(raw.timestamp.as_deref()?)?;
        let a = raw.alert?;
        let anomaly = raw.anomaly.as_ref().and_then(|v| v.as_object());
        let field = |k: &str| anomaly.and_then(|o| o.get(k));
        let mut accounts = strings(field("accounts"));
        accounts.extend(strings(field("account")));
        let mut ports_seen = ports(field("ports"));
        ports_seen.extend(ports(field("dest_ports")));
        ports_seen.extend(ports(field("port")));
        let attack_target = strings(a.metadata.as_ref().and_then(|m| m.get("attack_target")));
        Some(Alert {
            ts,
            src: raw.src_ip?,
            dest: raw.dest_ip.unwrap_or_default(),
            dest_port: raw.dest_port,
            sid: a.signature_id?,
            signature: a.signature.unwrap_or_default(),
            category: a.category.unwrap_or_default(),
            severity: a.severity.unwrap_or(3).clamp(1, 4),
            blocked: a.action.as_deref() == Some("blocked"),
            attack_target,
            detector: field("detector")
                .and_then(|d| d.as_str())
                .map(str::to_string),
            episode: field("episode").and_then(|e| match e {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
            accounts,
            ports: ports_seen,
        })
    }

    fn kind(&self) -> Kind {
        Kind::of(self)
    }
}

/// What an alert is about, for the summary line and the first steps.
/// Ordered by urgency: an incident's kinds are listed most urgent first.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An exploit against a VPN appliance or other remote-access gateway.
    VpnExploit,
    /// Malware on a host (trojan, C2, beaconing, suspicious destinations).
    Malware,
    /// Another exploit attempt.
    Exploit,
    /// Many failed logins at one account/host.
    LoginFlood,
    /// Few passwords tried across many accounts.
    PasswordSpray,
    /// Traffic that breaks the network's zone policy.
    ZonePolicy,
    /// A denial of service (SYN flood).
    Dos,
    /// Port scans, host sweeps, scanning tools.
    Scan,
    /// A device not seen before.
    NewDevice,
    /// Other policy violations (cleartext passwords, SMBv1, RDP from outside).
    Policy,
    /// The sensor itself.
    SensorHealth,
    /// Anything else.
    Other,
}

impl Kind {
    /// The kind of one alert: the detector first, then the rule's target
    /// metadata and wording, then its class.
    pub fn of(a: &Alert) -> Kind {
        match a.detector.as_deref() {
            Some("login-flood") => return Kind::LoginFlood,
            Some("password-spray") => return Kind::PasswordSpray,
            Some("port-scan") | Some("host-sweep") => return Kind::Scan,
            Some("syn-flood") => return Kind::Dos,
            Some("suspicious-destination") | Some("beacon") => return Kind::Malware,
            Some("new-device") => return Kind::NewDevice,
            Some("zone-policy") => return Kind::ZonePolicy,
            Some("sensor-health") => return Kind::SensorHealth,
            _ => {}
        }
        let sig = a.signature.to_ascii_lowercase();
        let cat = a.category.to_ascii_lowercase();
        let exploit = sig.contains("exploit")
            || cat.contains("privilege gain")
            || cat.contains("web application attack")
            || cat.contains("executable code");
        let vpn = a
            .attack_target
            .iter()
            .any(|t| t.to_ascii_lowercase().contains("vpn"))
            || [
                "vpn",
                "fortios",
                "fortigate",
                "pulse secure",
                "ivanti",
                "citrix",
                "netscaler",
            ]
            .iter()
            .any(|w| sig.contains(w));
        if exploit && vpn {
            Kind::VpnExploit
        } else if exploit {
            Kind::Exploit
        } else if cat.contains("trojan")
            || cat.contains("c2")
            || sig.contains("trojan")
            || sig.contains("malware")
        {
            Kind::Malware
        } else if sig.contains(" scan ") || cat.contains("scan") || cat.contains("information leak")
        {
            Kind::Scan
        } else if cat.contains("denial of service") {
            Kind::Dos
        } else if sig.contains("policy") || cat.contains("policy") {
            Kind::Policy
        } else {
            Kind::Other
        }
    }

    /// One line saying what happened.
    pub fn summary(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Kind::VpnExploit, Lang::En) => "Attack on a VPN appliance (remote-access gateway)",
            (Kind::VpnExploit, Lang::Ja) => "VPN機器（リモートアクセス装置）の脆弱性を狙った攻撃",
            (Kind::Malware, Lang::En) => "Possible malware infection",
            (Kind::Malware, Lang::Ja) => "マルウェア感染の疑い",
            (Kind::Exploit, Lang::En) => "Attempt to exploit a vulnerability",
            (Kind::Exploit, Lang::Ja) => "脆弱性を狙った攻撃",
            (Kind::LoginFlood, Lang::En) => "Mass login failures",
            (Kind::LoginFlood, Lang::Ja) => "大量のログイン失敗",
            (Kind::PasswordSpray, Lang::En) => "Password spraying (many accounts tried)",
            (Kind::PasswordSpray, Lang::Ja) => {
                "パスワードスプレー攻撃（多数のアカウントへのログイン試行）"
            }
            (Kind::ZonePolicy, Lang::En) => "Connection against the network zone policy",
            (Kind::ZonePolicy, Lang::Ja) => "ネットワーク区分のルールに反する通信",
            (Kind::Dos, Lang::En) => "Denial of service (flood)",
            (Kind::Dos, Lang::Ja) => "サービス妨害（DoS）攻撃",
            (Kind::Scan, Lang::En) => "Scanning / reconnaissance",
            (Kind::Scan, Lang::Ja) => "スキャン（偵察行為）",
            (Kind::NewDevice, Lang::En) => "Unknown device connected",
            (Kind::NewDevice, Lang::Ja) => "未登録機器の接続",
            (Kind::Policy, Lang::En) => "Security policy violation",
            (Kind::Policy, Lang::Ja) => "セキュリティポリシー違反の通信",
            (Kind::SensorHealth, Lang::En) => "Sensor problem (monitoring may be incomplete)",
            (Kind::SensorHealth, Lang::Ja) => "センサーの異常（監視が不完全な可能性）",
            (Kind::Other, Lang::En) => "Suspicious traffic",
            (Kind::Other, Lang::Ja) => "不審な通信",
        }
    }

    /// First steps to take, most important first.
    pub fn first_steps(self, lang: Lang) -> &'static [&'static str] {
        match (self, lang) {
            (Kind::VpnExploit, Lang::En) => &[
                "Isolate the VPN appliance from the network (keep it powered on for the investigation).",
                "Check its firmware version against the vendor advisory for the CVE named in the alert.",
                "Reset the credentials of every VPN account and the appliance's administrators.",
                "Review the appliance's logs for logins and configuration changes since the first alert.",
            ],
            (Kind::VpnExploit, Lang::Ja) => &[
                "VPN機器をネットワークから切り離す（調査のため電源は切らない）。",
                "ファームウェアのバージョンを、アラートに記載のCVEに関するメーカーのアドバイザリと照合する。",
                "VPNアカウントと機器管理者のパスワードをすべて変更する。",
                "最初のアラート以降の機器ログ（ログイン・設定変更）を確認する。",
            ],
            (Kind::Malware, Lang::En) => &[
                "Disconnect the internal host from the network (do not power it off).",
                "Scan it with up-to-date antivirus and check which user was logged in.",
                "Search DNS and proxy logs for other hosts contacting the same destination.",
            ],
            (Kind::Malware, Lang::Ja) => &[
                "該当する院内端末をネットワークから切り離す（電源は切らない）。",
                "最新の定義ファイルでウイルス対策ソフトのスキャンを行い、利用者を確認する。",
                "DNS・プロキシのログで、同じ宛先へ通信した他の端末がないか確認する。",
            ],
            (Kind::Exploit, Lang::En) => &[
                "Check whether the target is patched against the vulnerability named in the alert.",
                "Review the target's logs around the alert times for signs of success.",
                "Block the source at the firewall.",
            ],
            (Kind::Exploit, Lang::Ja) => &[
                "対象機器にアラート記載の脆弱性の修正が適用済みか確認する。",
                "アラート発生時刻前後の対象機器のログで、攻撃が成功した形跡がないか確認する。",
                "ファイアウォールで送信元を遮断する。",
            ],
            (Kind::LoginFlood, Lang::En) => &[
                "Check the account lockout policy on the target server.",
                "Block the source at the firewall.",
                "Check whether any login from this source succeeded.",
            ],
            (Kind::LoginFlood, Lang::Ja) => &[
                "対象サーバのアカウントロックアウト設定を確認する。",
                "ファイアウォールで送信元を遮断する。",
                "この送信元からのログインに成功したものがないか確認する。",
            ],
            (Kind::PasswordSpray, Lang::En) => &[
                "Check whether any of the listed accounts logged in successfully from this source.",
                "Reset the passwords of those accounts and enforce strong passwords.",
                "Block the source at the firewall.",
            ],
            (Kind::PasswordSpray, Lang::Ja) => &[
                "記載のアカウントで、この送信元からのログイン成功がないか確認する。",
                "該当アカウントのパスワードを変更し、強固なパスワードを徹底する。",
                "ファイアウォールで送信元を遮断する。",
            ],
            (Kind::ZonePolicy, Lang::En) => &[
                "Ask the owner of the source host whether this connection is needed.",
                "If not, fix the firewall or VLAN rule that allowed it.",
            ],
            (Kind::ZonePolicy, Lang::Ja) => &[
                "送信元機器の管理者に、この通信が業務上必要か確認する。",
                "不要であれば、通信を許可しているファイアウォール・VLANの設定を修正する。",
            ],
            (Kind::Dos, Lang::En) => &[
                "Check that the target service still responds.",
                "Ask the network provider or the firewall to filter the source.",
            ],
            (Kind::Dos, Lang::Ja) => &[
                "対象サービスが応答しているか確認する。",
                "回線事業者またはファイアウォールで送信元の通信を遮断する。",
            ],
            (Kind::Scan, Lang::En) => &[
                "If the source is internal, find out who uses it and whether the scan was planned.",
                "If the source is external, block it at the firewall.",
                "Watch for follow-up alerts against the scanned hosts.",
            ],
            (Kind::Scan, Lang::Ja) => &[
                "送信元が院内の場合、利用者と計画的なスキャンかどうかを確認する。",
                "送信元が院外の場合、ファイアウォールで遮断する。",
                "スキャンされた機器へのその後のアラートに注意する。",
            ],
            (Kind::NewDevice, Lang::En) => &[
                "Identify the device owner and the switch port it is connected to.",
                "Add it to the asset register, or disconnect it if nobody owns it.",
            ],
            (Kind::NewDevice, Lang::Ja) => &[
                "機器の所有者と接続先のスイッチポートを特定する。",
                "資産台帳に登録する。所有者が不明な場合は切り離す。",
            ],
            (Kind::Policy, Lang::En) => &[
                "Ask the user of the source host to stop the flagged use.",
                "If a password was sent in clear text, change it.",
            ],
            (Kind::Policy, Lang::Ja) => &[
                "送信元端末の利用者に、該当する利用をやめるよう依頼する。",
                "パスワードが平文で送信された場合は、そのパスワードを変更する。",
            ],
            (Kind::SensorHealth, Lang::En) => {
                &["Check the sensor's disk, capture interface and mirror port."]
            }
            (Kind::SensorHealth, Lang::Ja) => {
                &["センサーのディスク容量、キャプチャ用インタフェース、ミラーポートを確認する。"]
            }
            (Kind::Other, Lang::En) => &[
                "Check with the owners of the source and target hosts whether the traffic is expected.",
                "If not, block the source and keep the logs for the investigation.",
            ],
            (Kind::Other, Lang::Ja) => &[
                "送信元・対象機器の管理者に、想定された通信か確認する。",
                "想定外であれば送信元を遮断し、調査のためログを保全する。",
            ],
        }
    }
}

/// One signature's share of an incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignatureCount {
    /// `alert.signature_id`.
    pub signature_id: u64,
    /// `alert.signature`.
    pub signature: String,
    /// `alert.severity`.
    pub severity: u8,
    /// Alerts.
    pub count: u64,
}

/// Alerts grouped into one incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// The worst alert's signature: lowest severity number, then the most
    /// urgent [`Kind`], then the earliest.
    pub title: String,
    /// Behavioural detectors that fired, in order of first appearance.
    pub detectors: Vec<String>,
    /// Worst severity, 1 (highest) to 4.
    pub severity: u8,
    /// First alert (packet time).
    #[serde(serialize_with = "ser_ts")]
    pub first: Timestamp,
    /// Last alert (packet time).
    #[serde(serialize_with = "ser_ts")]
    pub last: Timestamp,
    /// Source address.
    pub source: String,
    /// Target addresses, in order of first appearance.
    pub targets: Vec<String>,
    /// Alerts.
    pub alerts: u64,
    /// Alerts the sensor blocked (inline mode).
    pub blocked: u64,
    /// By signature, most alerts first.
    pub signatures: Vec<SignatureCount>,
    /// Accounts from the anomaly evidence, in order of first appearance.
    pub accounts: Vec<String>,
    /// Ports from the anomaly evidence, ascending.
    pub ports: Vec<u16>,
    /// What the incident is about, most urgent first.
    pub kinds: Vec<Kind>,
    #[serde(skip)]
    last_seen: Timestamp,
    #[serde(skip)]
    title_kind: Kind,
}

fn ser_ts<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.rfc3339())
}

impl Incident {
    fn new(a: &Alert) -> Incident {
        Incident {
            title: a.signature.clone(),
            detectors: Vec::new(),
            severity: a.severity,
            first: a.ts,
            last: a.ts,
            source: a.src.clone(),
            targets: Vec::new(),
            alerts: 0,
            blocked: 0,
            signatures: Vec::new(),
            accounts: Vec::new(),
            ports: Vec::new(),
            kinds: Vec::new(),
            last_seen: a.ts,
            title_kind: a.kind(),
        }
    }

    fn add(&mut self, a: &Alert) {
        let kind = a.kind();
        if (a.severity, kind) < (self.severity, self.title_kind) {
            self.severity = a.severity;
            self.title = a.signature.clone();
            self.title_kind = kind;
        }
        if let Some(d) = &a.detector
            && !self.detectors.contains(d)
        {
            self.detectors.push(d.clone());
        }
        self.first = self.first.min(a.ts);
        self.last = self.last.max(a.ts);
        self.last_seen = self.last;
        if !a.dest.is_empty() && !self.targets.contains(&a.dest) {
            self.targets.push(a.dest.clone());
        }
        self.alerts += 1;
        self.blocked += u64::from(a.blocked);
        match self.signatures.iter_mut().find(|s| s.signature_id == a.sid) {
            Some(s) => s.count += 1,
            None => self.signatures.push(SignatureCount {
                signature_id: a.sid,
                signature: a.signature.clone(),
                severity: a.severity,
                count: 1,
            }),
        }
        for acct in &a.accounts {
            if !self.accounts.contains(acct) {
                self.accounts.push(acct.clone());
            }
        }
        for p in &a.ports {
            if let Err(i) = self.ports.binary_search(p) {
                self.ports.insert(i, *p);
            }
        }
        if let Err(i) = self.kinds.binary_search(&kind) {
            self.kinds.insert(i, kind);
        }
    }

    fn finish(&mut self) {
        // Stable: equal counts keep the order of first appearance.
        self.signatures.sort_by_key(|s| std::cmp::Reverse(s.count));
    }
}

/// Groups alerts into incidents (see the module docs for the rules);
/// `gap_secs` is the longest quiet time within one incident. Incidents come
/// ordered by their first alert.
pub fn group(alerts: &[Alert], gap_secs: u64) -> Vec<Incident> {
    let mut order: Vec<&Alert> = alerts.iter().collect();
    order.sort_by_key(|a| a.ts);
    let mut incidents: Vec<Incident> = Vec::new();
    let mut by_source: HashMap<&str, usize> = HashMap::new();
    let mut by_episode: HashMap<(&str, &str), usize> = HashMap::new();
    for a in order {
        let episode = match (&a.detector, &a.episode) {
            (Some(d), Some(e)) => Some((d.as_str(), e.as_str())),
            _ => None,
        };
        let joined = episode
            .and_then(|k| by_episode.get(&k).copied())
            .or_else(|| {
                by_source.get(a.src.as_str()).copied().filter(|&i| {
                    incidents.get(i).is_some_and(|inc| {
                        a.ts.micros_since(inc.last_seen) <= gap_secs.saturating_mul(1_000_000)
                    })
                })
            });
        let i = match joined {
            Some(i) => i,
            None => {
                incidents.push(Incident::new(a));
                incidents.len() - 1
            }
        };
        if let Some(inc) = incidents.get_mut(i) {
            inc.add(a);
            if inc.source == a.src {
                by_source.insert(a.src.as_str(), i);
            }
        }
        if let Some(k) = episode {
            by_episode.entry(k).or_insert(i);
        }
    }
    for inc in &mut incidents {
        inc.finish();
    }
    incidents.sort_by_key(|i| i.first);
    incidents
}

/// A report over one EVE file.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The EVE file.
    pub file: String,
    /// Lines read.
    pub lines: u64,
    /// Alerts in the file.
    pub alerts_in_file: u64,
    /// Alerts within `--since`.
    pub alerts: u64,
    /// Malformed lines skipped.
    pub malformed: u64,
    /// First malformed line.
    pub first_malformed: Option<u64>,
    /// `--since` in seconds.
    pub since_secs: Option<u64>,
    /// Start of the `--since` window (packet time).
    #[serde(serialize_with = "ser_opt_ts")]
    pub window_start: Option<Timestamp>,
    /// The incidents.
    pub incidents: Vec<Incident>,
}

fn ser_opt_ts<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.rfc3339()),
        None => s.serialize_none(),
    }
}

/// Alerts no older than `since_secs` before the newest one, and where that
/// window starts.
pub fn within(alerts: Vec<Alert>, since_secs: Option<u64>) -> (Vec<Alert>, Option<Timestamp>) {
    let (Some(since), Some(newest)) = (since_secs, alerts.iter().map(|a| a.ts).max()) else {
        return (alerts, None);
    };
    let start = Timestamp(newest.0.saturating_sub(since.saturating_mul(1_000_000)));
    (
        alerts.into_iter().filter(|a| a.ts >= start).collect(),
        Some(start),
    )
}

impl Report {
    /// Cuts to `since_secs`, groups with `gap_secs`.
    pub fn build(path: &Path, read: ReadAlerts, since_secs: Option<u64>, gap_secs: u64) -> Report {
        let alerts_in_file = read.alerts.len() as u64;
        let (alerts, window_start) = within(read.alerts, since_secs);
        Report {
            file: path.display().to_string(),
            lines: read.lines,
            alerts_in_file,
            alerts: alerts.len() as u64,
            malformed: read.malformed,
            first_malformed: read.first_malformed,
            since_secs,
            window_start,
            incidents: group(&alerts, gap_secs),
        }
    }

    /// The report as one JSON document (pretty, with a final newline).
    pub fn to_json(&self) -> String {
        let mut s =
            serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        s.push('\n');
        s
    }

    /// The readable report.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        let n = self.incidents.len();
        match lang {
            Lang::En => {
                let _ = write!(
                    out,
                    "wardwatch incident report: {}\n{} incident{} from {} alert{}",
                    self.file,
                    n,
                    plural(n as u64),
                    self.alerts,
                    plural(self.alerts)
                );
                if let Some(start) = self.window_start {
                    let _ = write!(out, " since {}", local(start));
                }
                out.push('\n');
                if self.malformed > 0 {
                    let _ = writeln!(
                        out,
                        "Skipped {} malformed line{} (first at line {}).",
                        self.malformed,
                        plural(self.malformed),
                        self.first_malformed.unwrap_or(0)
                    );
                }
            }
            Lang::Ja => {
                let _ = write!(
                    out,
                    "wardwatch インシデント報告: {}\nインシデント {}件（アラート {}件",
                    self.file, n, self.alerts
                );
                if let Some(start) = self.window_start {
                    let _ = write!(out, "、{} 以降", local(start));
                }
                out.push_str("）\n");
                if self.malformed > 0 {
                    let _ = writeln!(
                        out,
                        "読み取れない行を {}行 読み飛ばしました（最初は {}行目）。",
                        self.malformed,
                        self.first_malformed.unwrap_or(0)
                    );
                }
            }
        }
        for (i, inc) in self.incidents.iter().enumerate() {
            out.push('\n');
            out.push_str(&render_incident(inc, i + 1, n, lang));
        }
        out
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `2024-04-01 09:30:05 +00:00`: UTC, to the second, offset shown.
fn local(t: Timestamp) -> String {
    let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S +00:00").to_string(),
        None => t.rfc3339(),
    }
}

/// `a, b, c and 2 more` / `a、b、c ほか2件`.
fn capped<T: std::fmt::Display>(items: &[T], cap: usize, lang: Lang) -> String {
    let shown: Vec<String> = items.iter().take(cap).map(|x| x.to_string()).collect();
    let rest = items.len().saturating_sub(cap);
    match lang {
        Lang::En => {
            let mut s = shown.join(", ");
            if rest > 0 {
                let _ = write!(s, " and {rest} more");
            }
            s
        }
        Lang::Ja => {
            let mut s = shown.join("、");
            if rest > 0 {
                let _ = write!(s, " ほか{rest}件");
            }
            s
        }
    }
}

/// `概要：` padded to a fixed display width (full-width characters count two
/// columns), so the values line up in a fixed-width font.
fn ja_label(label: &str) -> String {
    let width: usize = label
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum::<usize>()
        + 2;
    format!("{label}：{}", " ".repeat(14usize.saturating_sub(width)))
}

fn severity_label(sev: u8, lang: Lang) -> &'static str {
    match (sev, lang) {
        (1, Lang::En) => "high",
        (2, Lang::En) => "medium",
        (3, Lang::En) => "low",
        (_, Lang::En) => "info",
        (1, Lang::Ja) => "高",
        (2, Lang::Ja) => "中",
        (3, Lang::Ja) => "低",
        (_, Lang::Ja) => "情報",
    }
}

/// One incident's block, ending in a newline.
pub fn render_incident(inc: &Incident, number: usize, of: usize, lang: Lang) -> String {
    let mut o = String::new();
    let sigs = |o: &mut String, unit: &str, more: &dyn Fn(usize) -> String| {
        for s in inc.signatures.iter().take(SIGNATURE_CAP) {
            let _ = writeln!(
                o,
                "  {:>5}{unit}  [{}] {}",
                s.count, s.signature_id, s.signature
            );
        }
        let rest = inc.signatures.len().saturating_sub(SIGNATURE_CAP);
        if rest > 0 {
            let _ = writeln!(o, "  {}", more(rest));
        }
    };
    let mut steps: Vec<&str> = Vec::new();
    for k in &inc.kinds {
        for s in k.first_steps(lang) {
            if !steps.contains(s) {
                steps.push(s);
            }
        }
    }
    let summary: Vec<&str> = inc.kinds.iter().map(|k| k.summary(lang)).collect();
    match lang {
        Lang::En => {
            let _ = writeln!(o, "== Incident {number} of {of}: {}", inc.title);
            let _ = writeln!(o, "Summary:     {}", summary.join("; "));
            if !inc.detectors.is_empty() {
                let _ = writeln!(o, "Detectors:   {}", inc.detectors.join(", "));
            }
            let _ = writeln!(
                o,
                "Severity:    {} ({})",
                inc.severity,
                severity_label(inc.severity, lang)
            );
            let _ = writeln!(o, "First seen:  {}", local(inc.first));
            let _ = writeln!(o, "Last seen:   {}", local(inc.last));
            let _ = writeln!(o, "Source:      {}", inc.source);
            let _ = writeln!(o, "Targets:     {}", capped(&inc.targets, LIST_CAP, lang));
            if !inc.accounts.is_empty() {
                let _ = writeln!(o, "Accounts:    {}", capped(&inc.accounts, LIST_CAP, lang));
            }
            if !inc.ports.is_empty() {
                let _ = writeln!(o, "Ports:       {}", capped(&inc.ports, LIST_CAP, lang));
            }
            let _ = write!(o, "Alerts:      {}", inc.alerts);
            if inc.blocked > 0 {
                let _ = write!(o, " ({} blocked)", inc.blocked);
            }
            o.push('\n');
            sigs(&mut o, "", &|n| format!("and {n} more signatures"));
            let _ = writeln!(o, "First steps:");
        }
        Lang::Ja => {
            let _ = writeln!(o, "■ インシデント {number}/{of}: {}", inc.title);
            let _ = writeln!(o, "{}{}", ja_label("概要"), summary.join("／"));
            if !inc.detectors.is_empty() {
                let _ = writeln!(o, "{}{}", ja_label("検知方式"), inc.detectors.join("、"));
            }
            let _ = writeln!(
                o,
                "{}{}（{}）",
                ja_label("重要度"),
                inc.severity,
                severity_label(inc.severity, lang)
            );
            let _ = writeln!(
                o,
                "{}{} 〜 {}",
                ja_label("発生日時"),
                local(inc.first),
                local(inc.last)
            );
            let _ = writeln!(o, "{}{}", ja_label("送信元"), inc.source);
            let _ = writeln!(
                o,
                "{}{}",
                ja_label("対象"),
                capped(&inc.targets, LIST_CAP, lang)
            );
            if !inc.accounts.is_empty() {
                let _ = writeln!(
                    o,
                    "{}{}",
                    ja_label("アカウント"),
                    capped(&inc.accounts, LIST_CAP, lang)
                );
            }
            if !inc.ports.is_empty() {
                let _ = writeln!(
                    o,
                    "{}{}",
                    ja_label("ポート"),
                    capped(&inc.ports, LIST_CAP, lang)
                );
            }
            let _ = write!(o, "{}{}件", ja_label("件数"), inc.alerts);
            if inc.blocked > 0 {
                let _ = write!(o, "（うち遮断 {}件）", inc.blocked);
            }
            o.push('\n');
            sigs(&mut o, "件", &|n| format!("ほか{n}種類のシグネチャ"));
            let _ = writeln!(o, "初動対応：");
        }
    }
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(o, "  {}. {s}", i + 1);
    }
    o
}

#[cfg(test)]
mod tests;
