//! `threshold.config`: suppressions and thresholds applied to rules from
//! outside the rule text (Suricata's format):
//!
//! ```text
//! suppress gen_id 1, sig_id 2002087
//! suppress gen_id 1, sig_id 2002087, track by_src, ip 10.1.2.3
//! threshold gen_id 1, sig_id 10, type limit, track by_src, count 1, seconds 60
//! event_filter gen_id 1, sig_id 10, type both, track by_dst, count 5, seconds 60
//! rate_filter gen_id 1, sig_id 10, track by_rule, count 100, seconds 60, new_action drop, timeout 30
//! ```
//!
//! `sig_id 0` means every rule of the `gen_id` (and `gen_id 0, sig_id 0`
//! every rule), as in Suricata. A bad line is reported with `file:line` and
//! skipped; the others still apply. `ip` takes anything a rule header's
//! address does (`$HOME_NET`, lists, CIDR, negation).

use super::ir::{AddrSet, Threshold, ThresholdKind, Track};
use super::vars::Vars;
use super::{Problem, RuleError};

/// Whose address a suppression compares with its `ip`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SuppressTrack {
    /// `by_src`.
    BySrc,
    /// `by_dst`.
    ByDst,
    /// `by_either`: source or destination.
    ByEither,
}

/// What a `rate_filter` changes the action to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RateAction {
    /// `alert`.
    Alert,
    /// `drop`.
    Drop,
    /// `pass`.
    Pass,
    /// `log`.
    Log,
    /// `sdrop` (drop silently).
    Sdrop,
    /// `reject`.
    Reject,
}

/// `rate_filter`: once `count` matches in `seconds` are seen, the rule's
/// action becomes `new_action` for `timeout` seconds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RateFilter {
    /// Tracking key.
    pub track: Track,
    /// Matches that trigger the filter.
    pub count: u32,
    /// Window, seconds of packet time.
    pub seconds: u32,
    /// Action while the filter is active.
    pub new_action: RateAction,
    /// How long it stays active, seconds.
    pub timeout: u32,
}

/// What an entry does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThresholdRule {
    /// `suppress`: no alert at all, or none for these addresses.
    Suppress(Option<(SuppressTrack, AddrSet)>),
    /// `threshold`: as the rule keyword `threshold`, overriding it.
    Threshold(Threshold),
    /// `event_filter`: Suricata's other name for `threshold`.
    EventFilter(Threshold),
    /// `rate_filter`.
    RateFilter(RateFilter),
}

/// One line of threshold.config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdEntry {
    /// File it came from.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// `gen_id` (0 = every generator).
    pub gid: u32,
    /// `sig_id` (0 = every rule of `gid`).
    pub sid: u32,
    /// What it does.
    pub rule: ThresholdRule,
}

/// A parsed threshold.config: the valid entries, and a problem per bad line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThresholdConfig {
    /// Valid entries in file order.
    pub entries: Vec<ThresholdEntry>,
    /// Lines that could not be used.
    pub problems: Vec<Problem>,
}

impl ThresholdConfig {
    /// Reads and parses a threshold.config file.
    pub fn load(path: &std::path::Path, vars: &Vars) -> Result<Self, RuleError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RuleError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Ok(parse_threshold_config(&text, &file, vars))
    }
}

/// Parses threshold.config text; `file` names it in entries and problems.
pub fn parse_threshold_config(text: &str, file: &str, vars: &Vars) -> ThresholdConfig {
    let mut out = ThresholdConfig::default();
    for (idx, raw) in text.lines().enumerate() {
        let line = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        match parse_line(l, vars) {
            Ok((gid, sid, rule)) => out.entries.push(ThresholdEntry {
                file: file.to_owned(),
                line,
                gid,
                sid,
                rule,
            }),
            Err((message, keyword)) => out.problems.push(Problem {
                file: file.to_owned(),
                line,
                message,
                keyword: keyword.map(str::to_owned),
                sid: None,
                rule: None,
                span: None,
            }),
        }
    }
    out
}

type LineErr = (String, Option<&'static str>);

fn err(m: impl Into<String>) -> LineErr {
    (m.into(), None)
}

fn parse_line(l: &str, vars: &Vars) -> Result<(u32, u32, ThresholdRule), LineErr> {
    let (kind, rest) = l.split_once(char::is_whitespace).ok_or_else(|| {
        err(format!(
            "expected an entry such as \"suppress gen_id 1, sig_id 2\", found \"{l}\""
        ))
    })?;
    let kind_name: &'static str = match kind {
        "suppress" => "suppress",
        "threshold" => "threshold",
        "event_filter" => "event_filter",
        "rate_filter" => "rate_filter",
        other => {
            return Err(err(format!(
                "unknown entry \"{other}\" (expected suppress, threshold, event_filter or rate_filter)"
            )));
        }
    };
    let mut gid = None;
    let mut sid = None;
    let mut ty = None;
    let mut track = None;
    let mut count = None;
    let mut seconds = None;
    let mut new_action = None;
    let mut timeout = None;
    let mut ip = None;
    for part in split_top_level(rest)? {
        let (key, value) = part
            .split_once(char::is_whitespace)
            .map(|(k, v)| (k, v.trim()))
            .ok_or_else(|| {
                err(format!(
                    "{kind_name}: expected \"key value\", found \"{part}\""
                ))
            })?;
        let num = |v: &str| -> Result<u32, LineErr> {
            v.parse::<u32>()
                .map_err(|_| err(format!("{kind_name}: invalid {key} \"{v}\"")))
        };
        let slot_taken = |taken: bool| -> Result<(), LineErr> {
            if taken {
                Err(err(format!("{kind_name}: {key} is given twice")))
            } else {
                Ok(())
            }
        };
        match key {
            "gen_id" => {
                slot_taken(gid.is_some())?;
                gid = Some(num(value)?);
            }
            "sig_id" => {
                slot_taken(sid.is_some())?;
                sid = Some(num(value)?);
            }
            "type" if matches!(kind_name, "threshold" | "event_filter") => {
                slot_taken(ty.is_some())?;
                ty = Some(match value {
                    "limit" => ThresholdKind::Limit,
                    "threshold" => ThresholdKind::Threshold,
                    "both" => ThresholdKind::Both,
                    other => return Err(err(format!("{kind_name}: invalid type \"{other}\""))),
                });
            }
            "track" => {
                slot_taken(track.is_some())?;
                track = Some(value);
            }
            "count" if kind_name != "suppress" => {
                slot_taken(count.is_some())?;
                count = Some(num(value)?);
            }
            "seconds" if kind_name != "suppress" => {
                slot_taken(seconds.is_some())?;
                seconds = Some(num(value)?);
            }
            "new_action" if kind_name == "rate_filter" => {
                slot_taken(new_action.is_some())?;
                new_action = Some(match value {
                    "alert" => RateAction::Alert,
                    "drop" => RateAction::Drop,
                    "pass" => RateAction::Pass,
                    "log" => RateAction::Log,
                    "sdrop" => RateAction::Sdrop,
                    "reject" => RateAction::Reject,
                    other => {
                        return Err(err(format!("rate_filter: invalid new_action \"{other}\"")));
                    }
                });
            }
            "timeout" if kind_name == "rate_filter" => {
                slot_taken(timeout.is_some())?;
                timeout = Some(num(value)?);
            }
            "ip" if kind_name == "suppress" => {
                slot_taken(ip.is_some())?;
                ip = Some(
                    vars.parse_addresses(value)
                        .map_err(|m| err(format!("suppress: ip: {m}")))?,
                );
            }
            other => return Err(err(format!("{kind_name}: unknown option \"{other}\""))),
        }
    }
    let (Some(gid), Some(sid)) = (gid, sid) else {
        return Err(err(format!("{kind_name} needs gen_id and sig_id")));
    };
    let rule_track = |t: Option<&str>| -> Result<Track, LineErr> {
        match t {
            Some("by_src") => Ok(Track::BySrc),
            Some("by_dst") => Ok(Track::ByDst),
            Some("by_rule") => Ok(Track::ByRule),
            Some("by_both") => Ok(Track::ByBoth),
            Some("by_flow") => Err((
                format!("{kind_name} track by_flow is not supported yet"),
                Some(kind_name),
            )),
            Some(other) => Err(err(format!("{kind_name}: invalid track \"{other}\""))),
            None => Err(err(format!("{kind_name} needs track"))),
        }
    };
    let rule = match kind_name {
        "suppress" => {
            let target = match (track, ip) {
                (None, None) => None,
                (Some(t), Some(ip)) => {
                    let t = match t {
                        "by_src" => SuppressTrack::BySrc,
                        "by_dst" => SuppressTrack::ByDst,
                        "by_either" => SuppressTrack::ByEither,
                        other => {
                            return Err(err(format!(
                                "suppress: invalid track \"{other}\" (expected by_src, by_dst or by_either)"
                            )));
                        }
                    };
                    Some((t, ip))
                }
                (Some(_), None) => return Err(err("suppress with track needs ip")),
                (None, Some(_)) => return Err(err("suppress with ip needs track")),
            };
            ThresholdRule::Suppress(target)
        }
        "rate_filter" => {
            let track = rule_track(track)?;
            let (Some(count), Some(seconds), Some(new_action), Some(timeout)) =
                (count, seconds, new_action, timeout)
            else {
                return Err(err(
                    "rate_filter needs track, count, seconds, new_action and timeout",
                ));
            };
            ThresholdRule::RateFilter(RateFilter {
                track,
                count,
                seconds,
                new_action,
                timeout,
            })
        }
        _ => {
            let track = rule_track(track)?;
            let (Some(kind), Some(count), Some(seconds)) = (ty, count, seconds) else {
                return Err(err(format!(
                    "{kind_name} needs type, track, count and seconds"
                )));
            };
            let t = Threshold {
                kind,
                track,
                count,
                seconds,
            };
            if kind_name == "threshold" {
                ThresholdRule::Threshold(t)
            } else {
                ThresholdRule::EventFilter(t)
            }
        }
    };
    Ok((gid, sid, rule))
}

/// Splits at commas outside `[...]` (an `ip` list has commas inside).
fn split_top_level(s: &str) -> Result<Vec<&str>, LineErr> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.checked_sub(1).ok_or_else(|| err("unbalanced ']'"))?,
            ',' if depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(err("unbalanced '['"));
    }
    parts.push(s[start..].trim());
    if parts.iter().any(|p| p.is_empty()) {
        return Err(err(
            "empty option (two commas in a row, or a trailing comma)",
        ));
    }
    Ok(parts)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a panic is how a test reports failure")]
mod tests {
    use super::*;

    fn parse(t: &str) -> ThresholdConfig {
        parse_threshold_config(t, "threshold.config", &Vars::new())
    }

    #[test]
    fn all_entry_kinds() {
        let c = parse(
            "# comment\n\
             suppress gen_id 1, sig_id 2002087\n\
             suppress gen_id 1, sig_id 2, track by_either, ip [10.0.0.0/8, 192.168.1.1]\n\
             threshold gen_id 1, sig_id 10, type limit, track by_src, count 1, seconds 60\n\
             event_filter gen_id 0, sig_id 0, type both, track by_dst, count 5, seconds 30\n\
             rate_filter gen_id 1, sig_id 11, track by_rule, count 100, seconds 60, new_action drop, timeout 30\n\
             suppress gen_id 1, sig_id 3, track by_src, ip $HOME_NET\n",
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.entries.len(), 6);
        assert_eq!(c.entries[0].rule, ThresholdRule::Suppress(None));
        assert_eq!((c.entries[0].line, c.entries[0].sid), (2, 2002087));
        let ThresholdRule::Suppress(Some((SuppressTrack::ByEither, ip))) = &c.entries[1].rule
        else {
            panic!("{:?}", c.entries[1]);
        };
        assert!(ip.contains("10.9.9.9".parse().unwrap()));
        assert!(ip.contains("192.168.1.1".parse().unwrap()));
        assert!(!ip.contains("192.168.1.2".parse().unwrap()));
        assert_eq!(
            c.entries[2].rule,
            ThresholdRule::Threshold(Threshold {
                kind: ThresholdKind::Limit,
                track: Track::BySrc,
                count: 1,
                seconds: 60
            })
        );
        assert_eq!((c.entries[3].gid, c.entries[3].sid), (0, 0));
        assert!(matches!(c.entries[3].rule, ThresholdRule::EventFilter(_)));
        assert_eq!(
            c.entries[4].rule,
            ThresholdRule::RateFilter(RateFilter {
                track: Track::ByRule,
                count: 100,
                seconds: 60,
                new_action: RateAction::Drop,
                timeout: 30
            })
        );
    }

    #[test]
    fn errors_name_file_and_line_and_the_rest_still_loads() {
        let c = parse(
            "suppress gen_id 1\n\
             threshold gen_id 1, sig_id 10, type limit, track by_src, count 1\n\
             threshold gen_id 1, sig_id 10, type often, track by_src, count 1, seconds 1\n\
             suppress gen_id 1, sig_id 2, track by_src\n\
             suppress gen_id 1, sig_id 2, track by_src, ip 10.0.0.300\n\
             limit gen_id 1, sig_id 2\n\
             threshold gen_id 1, sig_id x, type limit, track by_src, count 1, seconds 1\n\
             threshold gen_id 1, sig_id 9, type limit, track by_flow, count 1, seconds 1\n\
             suppress gen_id 1, sig_id 2, count 5\n\
             suppress gen_id 1, sig_id 7\n",
        );
        let msgs: Vec<String> = c.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec![
                "threshold.config:1: suppress needs gen_id and sig_id",
                "threshold.config:2: threshold needs type, track, count and seconds",
                "threshold.config:3: threshold: invalid type \"often\"",
                "threshold.config:4: suppress with track needs ip",
                "threshold.config:5: suppress: ip: invalid address \"10.0.0.300\"",
                "threshold.config:6: unknown entry \"limit\" (expected suppress, threshold, event_filter or rate_filter)",
                "threshold.config:7: threshold: invalid sig_id \"x\"",
                "threshold.config:8: threshold track by_flow is not supported yet",
                "threshold.config:9: suppress: unknown option \"count\"",
            ]
        );
        assert_eq!(c.problems[7].keyword.as_deref(), Some("threshold"));
        assert_eq!(c.entries.len(), 1);
        assert_eq!(c.entries[0].line, 10);
    }
}
