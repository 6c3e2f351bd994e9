//! `wardwatch rules check PATH...`: load, then say everything that is wrong.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::classification::Classifications;
use super::files::{LoadReport, Problem, load_rules};
use super::vars::Vars;

/// The result of checking rule files.
#[derive(Clone, Debug)]
pub struct CheckSummary {
    /// What loading produced.
    pub report: LoadReport,
}

impl CheckSummary {
    /// True when a rule (or file) failed: `rules check` exits non-zero.
    pub fn has_failures(&self) -> bool {
        !self.report.failed.is_empty()
    }

    /// The text `rules check` prints: each failed rule as
    /// `file:line: message` (followed by the rule and a caret line under the
    /// offending option, see [`Problem::render`]), then each skipped rule the same way under a
    /// heading (both in file order), a table of skipped rules by keyword,
    /// and the totals.
    pub fn render(&self) -> String {
        let r = &self.report;
        let mut out = String::new();
        for p in in_file_order(&r.failed, &r.files) {
            let _ = writeln!(out, "{}", p.render());
        }
        if !r.skipped.is_empty() {
            if !r.failed.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "Skipped (valid Suricata rules wardwatch cannot evaluate yet):"
            );
            for p in in_file_order(&r.skipped, &r.files) {
                let _ = writeln!(out, "{}", p.render());
            }
        }
        let by_kw = r.skipped_by_keyword();
        if !by_kw.is_empty() {
            let width = by_kw.iter().map(|(k, _)| k.len()).max().unwrap_or(7).max(7);
            let _ = writeln!(out, "\nSkipped rules by keyword:");
            let _ = writeln!(out, "  {:<width$}  {:>6}", "keyword", "rules");
            for (k, n) in &by_kw {
                let _ = writeln!(out, "  {k:<width$}  {n:>6}");
            }
        }
        let _ = writeln!(
            out,
            "\n{} rules: {} loaded, {} failed, {} skipped ({} disabled in comments) in {} files",
            r.total(),
            r.rules.len(),
            r.failed.iter().filter(|p| p.line != 0).count(),
            r.skipped.len(),
            r.disabled,
            r.files.len()
        );
        let unreadable = r.failed.iter().filter(|p| p.line == 0).count();
        if unreadable > 0 {
            let _ = writeln!(out, "{unreadable} file problems");
        }
        out
    }
}

/// Problems in the order their files were read, then by line.
fn in_file_order<'a>(problems: &'a [Problem], files: &[String]) -> Vec<&'a Problem> {
    let rank = |f: &str| files.iter().position(|x| x == f).unwrap_or(usize::MAX);
    let mut v: Vec<&Problem> = problems.iter().collect();
    v.sort_by_key(|p| (rank(&p.file), p.line));
    v
}

/// Checks rule files with the default variables and the built-in class types.
pub fn check_files(paths: &[PathBuf]) -> CheckSummary {
    check_files_with(paths, &Vars::new(), &Classifications::builtin())
}

/// Checks rule files with the given variables and class types.
pub fn check_files_with(paths: &[PathBuf], vars: &Vars, classes: &Classifications) -> CheckSummary {
    CheckSummary {
        report: load_rules(paths, vars, classes),
    }
}
