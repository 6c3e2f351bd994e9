//! `classification.config`: what a rule's `classtype` means — the alert's
//! category (EVE `alert.category`) and default priority (`alert.severity`).
//!
//! The format is Suricata's (inherited from Snort), one entry a line:
//!
//! ```text
//! config classification: shortname,description,priority
//! ```
//!
//! wardwatch ships the table Suricata ships ([`DEFAULT_CLASSIFICATION`]), so
//! rule sets written for Suricata (ET Open uses these names) load without a
//! file; a user's file replaces it.

use std::collections::HashMap;

use super::RuleError;

/// One class type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassType {
    /// Short name used by `classtype:` (e.g. `trojan-activity`).
    pub name: String,
    /// Description, used as the alert's category.
    pub description: String,
    /// Default priority of rules of this class (1 is the most severe).
    pub priority: u8,
}

/// The class types known to the rule parser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classifications {
    by_name: HashMap<String, ClassType>,
}

/// wardwatch's built-in table: the class types Suricata documents and
/// ships in its `classification.config`, with the same descriptions and
/// priorities.
pub const DEFAULT_CLASSIFICATION: &str = "\
# wardwatch's built-in classification table: Suricata's class types.
# config classification: shortname,description,priority
config classification: not-suspicious,Not Suspicious Traffic,3
config classification: unknown,Unknown Traffic,3
config classification: bad-unknown,Potentially Bad Traffic,2
config classification: attempted-recon,Attempted Information Leak,2
config classification: successful-recon-limited,Information Leak,2
config classification: successful-recon-largescale,Large Scale Information Leak,2
config classification: attempted-dos,Attempted Denial of Service,2
config classification: successful-dos,Denial of Service,2
config classification: attempted-user,Attempted User Privilege Gain,1
config classification: unsuccessful-user,Unsuccessful User Privilege Gain,1
config classification: successful-user,Successful User Privilege Gain,1
config classification: attempted-admin,Attempted Administrator Privilege Gain,1
config classification: successful-admin,Successful Administrator Privilege Gain,1
config classification: rpc-portmap-decode,Decode of an RPC Query,2
config classification: shellcode-detect,Executable code was detected,1
config classification: string-detect,A suspicious string was detected,3
config classification: suspicious-filename-detect,A suspicious filename was detected,2
config classification: suspicious-login,An attempted login using a suspicious username was detected,2
config classification: system-call-detect,A system call was detected,2
config classification: tcp-connection,A TCP connection was detected,4
config classification: trojan-activity,A Network Trojan was detected,1
config classification: unusual-client-port-connection,A client was using an unusual port,2
config classification: network-scan,Detection of a Network Scan,3
config classification: denial-of-service,Detection of a Denial of Service Attack,2
config classification: non-standard-protocol,Detection of a non-standard protocol or event,2
config classification: protocol-command-decode,Generic Protocol Command Decode,3
config classification: web-application-activity,access to a potentially vulnerable web application,2
config classification: web-application-attack,Web Application Attack,1
config classification: misc-activity,Misc activity,3
config classification: misc-attack,Misc Attack,2
config classification: icmp-event,Generic ICMP event,3
config classification: inappropriate-content,Inappropriate Content was Detected,1
config classification: policy-violation,Potential Corporate Privacy Violation,1
config classification: default-login-attempt,Attempt to login by a default username and password,2
config classification: targeted-activity,Targeted Malicious Activity was Detected,1
config classification: exploit-kit,Exploit Kit Activity Detected,1
config classification: external-ip-check,Device Retrieving External IP Address Detected,2
config classification: domain-c2,Domain Observed Used for C2 Detected,1
config classification: pup-activity,Possibly Unwanted Program Detected,2
config classification: credential-theft,Successful Credential Theft Detected,1
config classification: social-engineering,Possible Social Engineering Attempted,2
config classification: coin-mining,Crypto Currency Mining Activity Detected,2
config classification: command-and-control,Malware Command and Control Activity Detected,1
";

impl Classifications {
    /// The built-in table ([`DEFAULT_CLASSIFICATION`]).
    pub fn builtin() -> Self {
        // The built-in text is tested to parse; an empty table is the
        // fallback that keeps this infallible.
        Self::parse(DEFAULT_CLASSIFICATION, "<built-in classification.config>").unwrap_or_default()
    }

    /// Parses a `classification.config` text; `file` names it in errors.
    /// The first invalid line is an error naming `file:line`. A name given
    /// twice keeps the later entry, as Suricata does.
    pub fn parse(text: &str, file: &str) -> Result<Self, RuleError> {
        let mut by_name = HashMap::new();
        for (idx, raw) in text.lines().enumerate() {
            let line = u32::try_from(idx + 1).unwrap_or(u32::MAX);
            let err = |message: String| RuleError::Config {
                file: file.to_owned(),
                line,
                message,
            };
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let Some(rest) = l.strip_prefix("config") else {
                return Err(err(format!(
                    "expected \"config classification: name,description,priority\", found \"{l}\""
                )));
            };
            let Some(rest) = rest.trim_start().strip_prefix("classification") else {
                return Err(err(format!(
                    "expected \"config classification: name,description,priority\", found \"{l}\""
                )));
            };
            let Some(rest) = rest.trim_start().strip_prefix(':') else {
                return Err(err(
                    "expected ':' after \"config classification\"".to_owned()
                ));
            };
            let parts: Vec<&str> = rest.split(',').map(str::trim).collect();
            let [name, description, priority] = parts.as_slice() else {
                return Err(err(format!(
                    "expected 3 comma-separated fields (name,description,priority), found {}",
                    parts.len()
                )));
            };
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(err(format!("invalid class type name \"{name}\"")));
            }
            let priority: u8 = priority
                .parse()
                .map_err(|_| err(format!("invalid priority \"{priority}\" (expected 0-255)")))?;
            by_name.insert(
                (*name).to_owned(),
                ClassType {
                    name: (*name).to_owned(),
                    description: (*description).to_owned(),
                    priority,
                },
            );
        }
        Ok(Classifications { by_name })
    }

    /// Reads and parses a `classification.config` file.
    pub fn load(path: &std::path::Path) -> Result<Self, RuleError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RuleError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&text, &file)
    }

    /// Looks a class type up by short name.
    pub fn get(&self, name: &str) -> Option<&ClassType> {
        self.by_name.get(name)
    }

    /// Number of class types.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a panic is how a test reports failure")]
mod tests {
    use super::*;

    #[test]
    fn builtin_table() {
        let c = Classifications::builtin();
        assert_eq!(c.len(), 43);
        assert_eq!(
            c.get("attempted-admin"),
            Some(&ClassType {
                name: "attempted-admin".into(),
                description: "Attempted Administrator Privilege Gain".into(),
                priority: 1
            })
        );
        assert_eq!(c.get("tcp-connection").unwrap().priority, 4);
        assert_eq!(
            c.get("bad-unknown").unwrap().description,
            "Potentially Bad Traffic"
        );
        assert!(c.get("nope").is_none());
    }

    #[test]
    fn parses_suricata_format() {
        let text = "# comment\n\nconfig classification: foo,Foo Things, 2\nconfig  classification:bar,Bar,1\r\n";
        let c = Classifications::parse(text, "c.config").unwrap();
        assert_eq!(c.get("foo").unwrap().priority, 2);
        assert_eq!(c.get("foo").unwrap().description, "Foo Things");
        assert_eq!(c.get("bar").unwrap().priority, 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = |t: &str| {
            Classifications::parse(t, "c.config")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("\nconfig classification: foo,Foo\n"),
            "c.config:2: expected 3 comma-separated fields (name,description,priority), found 2"
        );
        assert_eq!(
            e("config classification: foo,Foo,high\n"),
            "c.config:1: invalid priority \"high\" (expected 0-255)"
        );
        assert_eq!(
            e("config reference: url http://\n"),
            "c.config:1: expected \"config classification: name,description,priority\", found \"config reference: url http://\""
        );
        assert_eq!(
            e("config classification foo,Foo,1\n"),
            "c.config:1: expected ':' after \"config classification\""
        );
    }

    #[test]
    fn et_open_file_parses_if_present() {
        let p = std::path::Path::new("../shared/rulesets/et-open-2024-04/classification.config");
        let alt =
            std::path::Path::new("/work/shared/rulesets/et-open-2024-04/classification.config");
        let path = if p.exists() { p } else { alt };
        if !path.exists() {
            return;
        }
        let c = Classifications::load(path).unwrap();
        let builtin = Classifications::builtin();
        // Every class ET uses is in the built-in table, with the same meaning.
        for (name, ct) in &c.by_name {
            assert_eq!(builtin.get(name), Some(ct), "{name}");
        }
    }
}
