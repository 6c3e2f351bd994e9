//! Rule files → a [`LoadReport`]: the rules that loaded, and every rule that
//! did not, with `file:line` and the reason.
//!
//! The file format is Suricata's: one rule a line; a line ending in `\`
//! continues on the next (the rule's line is its first); blank lines and
//! `#` comments are ignored, including disabled rules (`# alert ...`, which
//! are counted). An `include PATH` line (Snort's form; relative to the
//! including file) reads another rule file in place.
//!
//! Loading never stops at a bad rule: the contract is that a rule
//! set with problems loads what it can and says what it skipped.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::classification::Classifications;
use super::ir::Rule;
use super::parse::parse_rule;
use super::vars::Vars;
use super::{ProblemKind, RuleProblem};

/// How deep `include` may nest (a cycle is caught separately).
const MAX_INCLUDE_DEPTH: usize = 8;

/// One rule (or file) that did not load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// File name as given (or the name passed for built-in text).
    pub file: String,
    /// 1-based line of the rule's first line; 0 for a problem with the file
    /// itself.
    pub line: u32,
    /// What is wrong.
    pub message: String,
    /// The keyword concerned, when there is one (always set for skipped
    /// rules; `protocol NAME` for an unsupported rule protocol).
    pub keyword: Option<String>,
    /// The rule's sid, when it could be read.
    pub sid: Option<u32>,
    /// The rule's text (continuation lines joined), for rule problems.
    pub rule: Option<String>,
    /// Byte range in `rule` of the offending option or header field.
    pub span: Option<Range<usize>>,
}

/// Widest excerpt of a rule shown above a caret line: longer rules are
/// shown as a window around the span, with `...` where text is left out.
const CARET_WINDOW: usize = 100;
/// Characters shown before the span when the rule is cut.
const CARET_CONTEXT: usize = 40;

impl Problem {
    /// The rule text and a caret line under the offending option, each
    /// indented by four spaces (STYLE: errors rendered with the rule and a
    /// caret); `None` without a rule or span.
    pub fn caret(&self) -> Option<String> {
        caret_lines(self.rule.as_deref()?, self.span.clone()?)
    }

    /// `file:line: message`, then [`Problem::caret`]'s lines when there are
    /// any: what `rules check` and the load warnings print.
    pub fn render(&self) -> String {
        match self.caret() {
            Some(c) => format!("{self}\n{c}"),
            None => self.to_string(),
        }
    }
}

/// Renders `text` (or a window of it) and a caret line under `span`.
pub fn caret_lines(text: &str, span: Range<usize>) -> Option<String> {
    if span.start > span.end
        || span.end > text.len()
        || !text.is_char_boundary(span.start)
        || !text.is_char_boundary(span.end)
    {
        return None;
    }
    // One column per char; control characters (a tab) shown as a space so
    // the caret stays under its text.
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let n = chars.len();
    let s = text[..span.start].chars().count();
    let e = (s + text[span.start..span.end].chars().count()).max(s + 1);
    let (lo, hi) = if n <= CARET_WINDOW {
        (0, n)
    } else {
        let lo = s.saturating_sub(CARET_CONTEXT).min(n - CARET_WINDOW);
        (lo, lo + CARET_WINDOW)
    };
    let mut line = String::from("    ");
    let mut pad = 4;
    if lo > 0 {
        line.push_str("...");
        pad += 3;
    }
    line.extend(&chars[lo..hi]);
    if hi < n {
        line.push_str("...");
    }
    let from = pad + (s - lo);
    let width = e.min(hi.max(s + 1)) - s;
    let caret = format!("{}{}", " ".repeat(from), "^".repeat(width.max(1)));
    Some(format!("{}\n{}", line.trim_end(), caret))
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// The outcome of loading rule files.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Rules fully understood, in file order.
    pub rules: Vec<Rule>,
    /// Rules that are wrong (and files that could not be read).
    pub failed: Vec<Problem>,
    /// Valid rules wardwatch cannot evaluate yet.
    pub skipped: Vec<Problem>,
    /// Rules commented out (`# alert ...`).
    pub disabled: usize,
    /// The files read, in order (includes after their includer), for a
    /// rule-set fingerprint.
    pub files: Vec<String>,
}

impl LoadReport {
    /// Skipped rules counted by keyword, most frequent first (ties by name).
    pub fn skipped_by_keyword(&self) -> Vec<(String, usize)> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for p in &self.skipped {
            *counts
                .entry(p.keyword.as_deref().unwrap_or("?"))
                .or_default() += 1;
        }
        let mut v: Vec<(String, usize)> =
            counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// Rules seen (loaded + failed + skipped; file problems excluded).
    pub fn total(&self) -> usize {
        self.rules.len() + self.failed.iter().filter(|p| p.line != 0).count() + self.skipped.len()
    }
}

/// Loads rules from several sources into one report, checking sids across
/// all of them.
pub struct RuleLoader<'a> {
    vars: &'a Vars,
    classes: &'a Classifications,
    report: LoadReport,
    /// (gid, sid) → where it was first defined.
    seen: HashMap<(u32, u32), (String, u32)>,
    include_stack: Vec<PathBuf>,
}

impl<'a> RuleLoader<'a> {
    /// A loader using these variables and class types.
    pub fn new(vars: &'a Vars, classes: &'a Classifications) -> Self {
        RuleLoader {
            vars,
            classes,
            report: LoadReport::default(),
            seen: HashMap::new(),
            include_stack: Vec::new(),
        }
    }

    /// Reads a rule file. An unreadable file is a failed [`Problem`] with
    /// line 0.
    pub fn add_file(&mut self, path: &Path) -> &mut Self {
        let name = path.display().to_string();
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if self.include_stack.contains(&canonical) {
            self.file_problem(&name, "file includes itself (include cycle)");
            return self;
        }
        if self.include_stack.len() >= MAX_INCLUDE_DEPTH {
            self.file_problem(
                &name,
                &format!("includes nested more than {MAX_INCLUDE_DEPTH} deep"),
            );
            return self;
        }
        // Rule files are text, but a stray non-UTF-8 byte (a pasted payload
        // in a comment) should not lose the whole file.
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                self.file_problem(&name, &format!("cannot read rule file: {e}"));
                return self;
            }
        };
        self.include_stack.push(canonical);
        self.add_text(&text, &name, path.parent());
        self.include_stack.pop();
        self
    }

    /// Reads rules from text (e.g. built-in rules from `include_str!`);
    /// `file_name` names it in problems. `include` is not available.
    pub fn add_str(&mut self, text: &str, file_name: &str) -> &mut Self {
        self.add_text(text, file_name, None);
        self
    }

    /// The report.
    pub fn finish(self) -> LoadReport {
        self.report
    }

    fn file_problem(&mut self, file: &str, message: &str) {
        self.report.failed.push(Problem {
            file: file.to_owned(),
            line: 0,
            message: message.to_owned(),
            keyword: None,
            sid: None,
            rule: None,
            span: None,
        });
    }

    fn add_text(&mut self, text: &str, file: &str, dir: Option<&Path>) {
        self.report.files.push(file.to_owned());
        for (line, rule) in logical_lines(text) {
            let trimmed = rule.trim();
            if trimmed.is_empty() {
                continue;
            }
            if let Some(comment) = trimmed.strip_prefix('#') {
                if looks_like_rule(comment) {
                    self.report.disabled += 1;
                }
                continue;
            }
            if let Some(target) = trimmed.strip_prefix("include ") {
                self.include(file, line, dir, target.trim());
                continue;
            }
            match parse_rule(trimmed, file, line, self.vars, self.classes) {
                Ok(r) => {
                    let key = (r.gid, r.sid);
                    if let Some((f, l)) = self.seen.get(&key) {
                        self.report.failed.push(Problem {
                            file: file.to_owned(),
                            line,
                            message: format!(
                                "duplicate sid {} (gid {}): first defined at {f}:{l}",
                                r.sid, r.gid
                            ),
                            keyword: Some("sid".to_owned()),
                            sid: Some(r.sid),
                            rule: Some(trimmed.to_owned()),
                            span: None,
                        });
                    } else {
                        self.seen.insert(key, (file.to_owned(), line));
                        self.report.rules.push(r);
                    }
                }
                Err(p) => self.push_rule_problem(file, line, trimmed, p),
            }
        }
    }

    fn push_rule_problem(&mut self, file: &str, line: u32, rule: &str, p: RuleProblem) {
        self.push_with_rule(file, line, p, Some(rule));
    }

    fn push_problem(&mut self, file: &str, line: u32, p: RuleProblem) {
        self.push_with_rule(file, line, p, None);
    }

    fn push_with_rule(&mut self, file: &str, line: u32, p: RuleProblem, rule: Option<&str>) {
        let problem = Problem {
            file: file.to_owned(),
            line,
            message: p.message,
            keyword: p.keyword,
            sid: p.sid,
            rule: rule.map(str::to_owned),
            span: p.span,
        };
        match p.kind {
            ProblemKind::Failed => self.report.failed.push(problem),
            ProblemKind::Unsupported => self.report.skipped.push(problem),
        }
    }

    fn include(&mut self, file: &str, line: u32, dir: Option<&Path>, target: &str) {
        let Some(dir) = dir else {
            self.push_problem(
                file,
                line,
                RuleProblem::failed(
                    Some("include"),
                    "include is not available in built-in rules",
                ),
            );
            return;
        };
        if target.is_empty() || target.contains('$') {
            self.push_problem(
                file,
                line,
                RuleProblem::failed(
                    Some("include"),
                    format!("include needs a file path without variables (found \"{target}\")"),
                ),
            );
            return;
        }
        let path = dir.join(target);
        self.add_file(&path);
    }
}

/// Loads rule files (in order) with `vars` and `classes`.
pub fn load_rules(paths: &[PathBuf], vars: &Vars, classes: &Classifications) -> LoadReport {
    let mut loader = RuleLoader::new(vars, classes);
    for p in paths {
        loader.add_file(p);
    }
    loader.finish()
}

/// Loads rules from the text of a whole rule file (built-in rules compiled
/// in with `include_str!`); `file_name` names it in problems and rules.
pub fn load_rules_from_str(
    text: &str,
    file_name: &str,
    vars: &Vars,
    classes: &Classifications,
) -> LoadReport {
    let mut loader = RuleLoader::new(vars, classes);
    loader.add_str(text, file_name);
    loader.finish()
}

/// Joins continuation lines: yields (first line number, text).
fn logical_lines(text: &str) -> impl Iterator<Item = (u32, String)> + '_ {
    let mut lines = text.split('\n').enumerate();
    std::iter::from_fn(move || {
        let mut acc: Option<(u32, String)> = None;
        for (idx, raw) in lines.by_ref() {
            let l = raw.strip_suffix('\r').unwrap_or(raw);
            let n = u32::try_from(idx + 1).unwrap_or(u32::MAX);
            let (start, mut buf) = acc.take().unwrap_or((n, String::new()));
            let trimmed_end = l.trim_end();
            if let Some(head) = trimmed_end.strip_suffix('\\') {
                buf.push_str(head);
                acc = Some((start, buf));
                continue;
            }
            buf.push_str(l);
            return Some((start, buf));
        }
        // A continuation at the end of the file: the rule as it stands.
        acc
    })
}

/// A commented-out line that is a rule (for the disabled count).
fn looks_like_rule(comment: &str) -> bool {
    let c = comment.trim_start();
    let first = c.split_whitespace().next().unwrap_or("");
    matches!(
        first,
        "alert" | "drop" | "pass" | "reject" | "rejectsrc" | "rejectdst" | "rejectboth"
    ) && c.contains('(')
        && c.contains("sid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_keep_the_first_line() {
        let text = "a\nb \\\n  c\\\nd\n\ne\\";
        let v: Vec<_> = logical_lines(text).collect();
        assert_eq!(
            v,
            vec![
                (1, "a".to_owned()),
                (2, "b   cd".to_owned()),
                (5, String::new()),
                (6, "e".to_owned())
            ]
        );
        let crlf: Vec<_> = logical_lines("x\\\r\ny\r\n").collect();
        assert_eq!(crlf[0], (1, "xy".to_owned()));
    }

    #[test]
    fn disabled_rules_are_recognised() {
        assert!(looks_like_rule(
            " alert tcp any any -> any any (msg:\"x\"; sid:1;)"
        ));
        assert!(!looks_like_rule(" alert me when things break"));
        assert!(!looks_like_rule("------"));
    }

    #[test]
    fn problem_display() {
        let p = Problem {
            file: "a.rules".into(),
            line: 3,
            message: "rule has no sid".into(),
            keyword: Some("sid".into()),
            sid: None,
            rule: Some("alert tcp any any -> any any (msg:\"x\";)".into()),
            span: None,
        };
        assert_eq!(p.to_string(), "a.rules:3: rule has no sid");
        // Without a span: the one line; with one, the rule and a caret.
        assert_eq!(p.render(), "a.rules:3: rule has no sid");
        let at = Problem {
            span: Some(30..37),
            ..p.clone()
        };
        assert_eq!(
            at.render(),
            "a.rules:3: rule has no sid\n    alert tcp any any -> any any (msg:\"x\";)\n                                  ^^^^^^^"
        );
        assert_eq!(at.to_string(), "a.rules:3: rule has no sid");
        let f = Problem { line: 0, ..p };
        assert_eq!(f.to_string(), "a.rules: rule has no sid");
    }
}
