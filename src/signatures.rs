//! The rule set a sensor runs: the configured rule files (globs expanded), or
//! the built-in hospital rules compiled into the binary; variables from the
//! config; classification and threshold files; compiled into a shared
//! [`RuleSet`], with the counts Suricata reports (`rules_loaded`,
//! `rules_failed`, `rules_skipped`) and a fingerprint of what was loaded.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::detect::{RateFilter, RuleSet, SuppressTrack, ThresholdTable};
use crate::rules::ir::Action;
use crate::rules::threshold::{RateAction, ThresholdRule};
use crate::rules::{Classifications, LoadReport, ThresholdConfig, Vars};

/// The built-in rules (`rules/hospital.rules`), used when no rule file is set.
pub const BUILTIN_RULES: &str = include_str!("../rules/hospital.rules");
/// The name the built-in rules carry in messages.
pub const BUILTIN_NAME: &str = "<built-in>/hospital.rules";

/// A loaded and compiled rule set with its report.
#[derive(Clone)]
pub struct LoadedRules {
    /// The compiled rules, shared by every worker.
    pub set: Arc<RuleSet>,
    /// Rules loaded and compiled.
    pub loaded: usize,
    /// Rules that are wrong (each in `failed_messages`).
    pub failed: usize,
    /// Valid rules wardwatch cannot evaluate (each in `skipped_messages`).
    pub skipped: usize,
    /// `file:line: message` of every failed rule (and threshold line); a
    /// rule's message goes on with the rule text and a caret line under the
    /// offending option (`rules::Problem::render`).
    pub failed_messages: Vec<String>,
    /// `file:line: message` of every skipped rule, with the caret lines.
    pub skipped_messages: Vec<String>,
    /// Skipped rules by keyword, most frequent first.
    pub skipped_by_keyword: Vec<(String, usize)>,
    /// Files read (or the built-in name).
    pub files: Vec<String>,
    /// FNV-1a hash of the rule text read, hex: what runs, for the record.
    pub fingerprint: String,
    /// Time to parse and compile.
    pub load_time: Duration,
}

/// A rule-set problem that stops the sensor (a file or glob that gives nothing,
/// bad variables, an unreadable classification file).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RulesError(pub String);

/// Expands `*` and `?` in the file-name part of each pattern (e.g.
/// `/etc/wardwatch/rules/*.rules`), sorted; a pattern without wildcards is
/// kept as is. A pattern matching nothing is an error naming it.
pub fn expand_globs(patterns: &[String]) -> Result<Vec<PathBuf>, RulesError> {
    let mut out = Vec::new();
    for pat in patterns {
        let path = Path::new(pat);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.contains(['*', '?']) {
            out.push(path.to_path_buf());
            continue;
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| RulesError(format!("rules.files: cannot list {}: {e}", dir.display())))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| wildcard(&name, &e.file_name().to_string_lossy()))
            .map(|e| e.path())
            .collect();
        if found.is_empty() {
            return Err(RulesError(format!("rules.files: `{pat}` matches no file")));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// Shell-style match of `*` (any run) and `?` (one character).
fn wildcard(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// The config's variables (`[vars]` over Suricata's defaults) and class types
/// (`rules.classification_file`, else the built-in table): what every rule is
/// parsed with, by the sensor and by `rules check` alike.
pub fn vars_and_classes(config: &Config) -> Result<(Vars, Classifications), RulesError> {
    let vars =
        Vars::with_overrides(config.vars.clone()).map_err(|e| RulesError(format!("vars: {e}")))?;
    let classes = match &config.classification_file {
        Some(p) => Classifications::load(p).map_err(|e| RulesError(e.to_string()))?,
        None => Classifications::builtin(),
    };
    Ok((vars, classes))
}

/// Loads the rules the config names (or the built-in ones), with the config's
/// variables, classification and threshold files, and compiles them.
pub fn load(config: &Config) -> Result<LoadedRules, RulesError> {
    let started = Instant::now();
    let (vars, classes) = vars_and_classes(config)?;
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let report: LoadReport = if config.rule_files.is_empty() {
        fnv1a(&mut hash, BUILTIN_RULES.as_bytes());
        crate::rules::load_rules_from_str(BUILTIN_RULES, BUILTIN_NAME, &vars, &classes)
    } else {
        let files = expand_globs(&config.rule_files)?;
        for f in &files {
            match std::fs::read(f) {
                Ok(bytes) => fnv1a(&mut hash, &bytes),
                Err(e) => {
                    return Err(RulesError(format!(
                        "cannot read rule file {}: {e}",
                        f.display()
                    )));
                }
            }
        }
        crate::rules::load_rules(&files, &vars, &classes)
    };
    let mut failed_messages: Vec<String> = report.failed.iter().map(|p| p.render()).collect();
    let thresholds = match &config.threshold_file {
        Some(p) => {
            let tc = ThresholdConfig::load(p, &vars).map_err(|e| RulesError(e.to_string()))?;
            failed_messages.extend(tc.problems.iter().map(|p| p.to_string()));
            Some(threshold_table(&tc))
        }
        None => None,
    };
    let skipped_messages: Vec<String> = report.skipped.iter().map(|p| p.render()).collect();
    let skipped_by_keyword = report.skipped_by_keyword();
    let mut failed = report.failed.len();
    let files = if config.rule_files.is_empty() {
        vec![BUILTIN_NAME.to_string()]
    } else {
        report.files.clone()
    };
    let (set, problems) = RuleSet::compile(report.rules, thresholds.as_ref());
    failed += problems.len();
    failed_messages.extend(problems.iter().map(|p| p.to_string()));
    Ok(LoadedRules {
        loaded: set.len(),
        set: Arc::new(set),
        failed,
        skipped: skipped_messages.len(),
        failed_messages,
        skipped_messages,
        skipped_by_keyword,
        files,
        fingerprint: format!("{hash:016x}"),
        load_time: started.elapsed(),
    })
}

/// The detection engine's view of a parsed threshold.config.
fn threshold_table(tc: &ThresholdConfig) -> ThresholdTable {
    let mut t = ThresholdTable::new();
    for e in &tc.entries {
        match &e.rule {
            ThresholdRule::Suppress(None) => {
                t.suppress(e.gid, e.sid, None, None);
            }
            ThresholdRule::Suppress(Some((track, addrs))) => {
                let track = match track {
                    crate::rules::threshold::SuppressTrack::BySrc => SuppressTrack::BySrc,
                    crate::rules::threshold::SuppressTrack::ByDst => SuppressTrack::ByDst,
                    crate::rules::threshold::SuppressTrack::ByEither => SuppressTrack::ByEither,
                };
                t.suppress(e.gid, e.sid, Some(track), Some(addrs.clone()));
            }
            ThresholdRule::Threshold(th) | ThresholdRule::EventFilter(th) => {
                t.threshold(e.gid, e.sid, *th);
            }
            ThresholdRule::RateFilter(r) => {
                let new_action = match r.new_action {
                    RateAction::Alert | RateAction::Log => Action::Alert,
                    RateAction::Drop | RateAction::Sdrop => Action::Drop,
                    RateAction::Pass => Action::Pass,
                    RateAction::Reject => Action::Reject,
                };
                t.rate_filter(
                    e.gid,
                    e.sid,
                    RateFilter {
                        track: r.track,
                        count: r.count,
                        seconds: r.seconds,
                        new_action,
                        timeout: r.timeout,
                    },
                );
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*.rules", "emerging-dns.rules"));
        assert!(!wildcard("*.rules", "emerging-dns.rules.bak"));
        assert!(wildcard("a?c*", "abcdef"));
        assert!(!wildcard("a?c", "ac"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn builtin_rules_all_load() {
        let loaded = load(&Config::default()).expect("built-in rules load");
        assert!(
            loaded.failed_messages.is_empty() && loaded.skipped_messages.is_empty(),
            "failed: {:?}\nskipped: {:?}",
            loaded.failed_messages,
            loaded.skipped_messages
        );
        assert_eq!(
            loaded.loaded,
            BUILTIN_RULES
                .lines()
                .filter(|l| l.starts_with("alert"))
                .count()
        );
        assert_eq!(loaded.files, vec![BUILTIN_NAME.to_string()]);
    }

    #[test]
    fn a_glob_matching_nothing_is_named() {
        let e =
            expand_globs(&["/nonexistent-dir-ww/*.rules".to_string()]).expect_err("nothing there");
        assert!(e.to_string().contains("/nonexistent-dir-ww"), "{e}");
    }
}

/// The rule set the workers run, replaceable while they run (SIGHUP): a new
/// set is compiled aside, then [`RuleSlot::replace`] publishes it and each
/// worker takes it up between two batches. The old set is freed when the
/// last worker lets go of it.
#[derive(Debug)]
pub struct RuleSlot {
    generation: std::sync::atomic::AtomicU64,
    current: std::sync::Mutex<Arc<RuleSet>>,
}

impl RuleSlot {
    /// A slot holding `set` (generation 0).
    pub fn new(set: Arc<RuleSet>) -> Self {
        RuleSlot {
            generation: std::sync::atomic::AtomicU64::new(0),
            current: std::sync::Mutex::new(set),
        }
    }

    /// Bumped by every replacement; cheap enough to read once per batch.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The set in the slot and its generation.
    pub fn current(&self) -> (u64, Arc<RuleSet>) {
        let set = self.current.lock().unwrap_or_else(|p| p.into_inner());
        (self.generation(), Arc::clone(&set))
    }

    /// Publishes `set`; returns the new generation.
    pub fn replace(&self, set: Arc<RuleSet>) -> u64 {
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        *cur = set;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel)
            + 1
    }
}
