//! The rule language (Suricata syntax): rule files and rule text in, typed
//! [`ir::Rule`]s out.
//!
//! wardwatch reads the rule sets the world already writes (Emerging Threats
//! Open, vendor advisories, a hospital's own), so the parser follows
//! Suricata's grammar and Suricata's validation: a rule Suricata refuses is
//! refused here too ([`ProblemKind::Failed`]), and a valid rule that uses
//! something wardwatch cannot evaluate yet — a keyword, a buffer, an
//! application protocol, a regex construct — is *skipped* with the reason
//! named ([`ProblemKind::Unsupported`]). A rule is never half understood:
//! either every option maps onto the IR, or there is no [`ir::Rule`].
//!
//! The stages, each in its own file:
//!
//! - `lexer`: rule text → header tokens and `name:value` options, with
//!   Suricata's escaping (`\;`, `\"`, `\\`, `\:`).
//! - [`vars`]: address and port groups (`$HOME_NET`, `$HTTP_PORTS`, ...) and
//!   the address/port grammar (lists, negation, CIDR, ranges).
//! - `options`: each keyword into the IR, with the modifier rules of
//!   `content` (sticky and legacy buffers, relative modifiers).
//! - [`pcre`]: PCRE patterns translated to the `regex` crate's syntax.
//! - [`files`]: rule files (comments, continuations, disabled rules,
//!   duplicate sids) into a [`LoadReport`].
//! - [`classification`] and [`threshold`]: the two companion config files.
//! - `check`: the `wardwatch rules check` report.
//!
//! Nothing here keeps state between calls, spawns threads or reads the
//! clock; only [`files`] reads the file system.

mod check;
pub mod classification;
pub mod files;
pub mod ir;
mod keywords;
mod lexer;
mod options;
mod parse;
pub mod pcre;
pub mod threshold;
pub mod vars;

use std::fmt;

pub use check::{CheckSummary, check_files, check_files_with};
pub use classification::{ClassType, Classifications};
pub use files::{LoadReport, Problem, RuleLoader, load_rules, load_rules_from_str};
pub use parse::parse_rule;
pub use threshold::{ThresholdConfig, ThresholdEntry, ThresholdRule, parse_threshold_config};
pub use vars::Vars;

/// True when wardwatch parses the application-layer protocol `name`
/// (Suricata's spelling). A rule on another one is skipped, not failed.
pub fn supported_app_proto(name: &str) -> bool {
    crate::app::layer::AppProto::from_name(name).is_some_and(|p| p.parsed())
}

/// Why a rule was not loaded.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// The rule is wrong (syntax, bad value, missing `sid`, a modifier
    /// Suricata would refuse): it would not load in Suricata either.
    Failed,
    /// The rule is valid Suricata but uses a keyword, buffer, protocol or
    /// regex construct wardwatch does not support (yet): it is skipped.
    Unsupported,
}

/// What is wrong with one rule: the outcome of [`parse_rule`] when there is
/// no [`ir::Rule`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleProblem {
    /// Failed or skipped.
    pub kind: ProblemKind,
    /// What to tell the user, without file and line (see [`Problem`]).
    pub message: String,
    /// The keyword (or `protocol NAME` for a rule header's protocol) the
    /// problem is about, when there is one; always set for
    /// [`ProblemKind::Unsupported`], so skips can be counted by keyword.
    pub keyword: Option<String>,
    /// The rule's `sid`, when it could be read.
    pub sid: Option<u32>,
    /// Byte range of the offending option (or header field) in the rule
    /// text given to [`parse_rule`], for the caret under it.
    pub span: Option<std::ops::Range<usize>>,
}

impl RuleProblem {
    /// A [`ProblemKind::Failed`] problem.
    pub fn failed(keyword: Option<&str>, message: impl Into<String>) -> Self {
        RuleProblem {
            kind: ProblemKind::Failed,
            message: message.into(),
            keyword: keyword.map(str::to_owned),
            sid: None,
            span: None,
        }
    }

    /// A [`ProblemKind::Unsupported`] problem about `keyword`.
    pub fn unsupported(keyword: &str, message: impl Into<String>) -> Self {
        RuleProblem {
            kind: ProblemKind::Unsupported,
            message: message.into(),
            keyword: Some(keyword.to_owned()),
            sid: None,
            span: None,
        }
    }

    /// The problem, pointing at `span` unless it already points somewhere.
    pub fn at(mut self, span: Option<std::ops::Range<usize>>) -> Self {
        if self.span.is_none() {
            self.span = span;
        }
        self
    }

    /// True for [`ProblemKind::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        self.kind == ProblemKind::Unsupported
    }
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleProblem {}

/// Errors of the rule module outside single rules: variables, config files,
/// I/O.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A variable (`[vars]` in the config, or a default) is invalid.
    #[error("variable {name}: {message}")]
    Variable {
        /// Variable name, without `$`.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A line of `classification.config` or `threshold.config` is invalid.
    #[error("{file}:{line}: {message}")]
    Config {
        /// File name as given.
        file: String,
        /// 1-based line.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read.
    #[error("{file}: {message}")]
    Io {
        /// File name as given.
        file: String,
        /// The operating system's reason.
        message: String,
    },
}

#[cfg(test)]
mod tests_realsets;

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a panic is how a test reports failure")]
mod tests;
