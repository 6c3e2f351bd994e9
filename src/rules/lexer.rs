//! Rule text → header tokens and raw `name:value` options.
//!
//! Suricata's grammar at this level is small: seven whitespace-separated
//! header fields (an address or port list in brackets may contain spaces),
//! then `(`, options each ended by `;`, and `)`. A `;` inside a value must be
//! escaped as `\;` — Suricata does not look at quotes when it splits options,
//! so neither do we. Values keep their escapes; each keyword unescapes its
//! own value (a `pcre` keeps `\;` for the regex, a `content` resolves it).

/// A rule split into its parts, borrowing the rule text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RawRule<'a> {
    /// The seven header fields: action, protocol, source, source port,
    /// direction, destination, destination port.
    pub header: [&'a str; 7],
    /// The options in rule order.
    pub options: Vec<RawOption<'a>>,
}

/// One `name[:value];` option.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) struct RawOption<'a> {
    /// Keyword name as written (compare case-insensitively).
    pub name: &'a str,
    /// Value with surrounding whitespace trimmed, escapes kept; `None` when
    /// the option had no `:`.
    pub value: Option<&'a str>,
}

/// Nesting limit of `[...]` in a header field (Suricata has none; ours
/// keeps a hostile rule file from recursing deeply in the address parser).
pub(crate) const MAX_BRACKET_DEPTH: usize = 32;

/// Splits a rule into header fields and options.
pub(crate) fn split_rule(text: &str) -> Result<RawRule<'_>, String> {
    let text = text.trim();
    let open = text
        .find('(')
        .ok_or_else(|| "rule has no option list: expected '(' after the header".to_owned())?;
    let header_text = &text[..open];
    let rest = &text[open + 1..];
    let close = rest.rfind(')').ok_or_else(|| {
        "option list is not closed: expected ')' at the end of the rule".to_owned()
    })?;
    let trailing = rest[close + 1..].trim();
    if !trailing.is_empty() {
        return Err(format!(
            "unexpected text after the option list: \"{trailing}\""
        ));
    }
    let fields = split_header(header_text)?;
    let header: [&str; 7] = match fields.as_slice() {
        [a, b, c, d, e, f, g] => [a, b, c, d, e, f, g],
        _ => {
            return Err(format!(
                "rule header has {} fields, expected 7: action protocol source port direction destination port",
                fields.len()
            ));
        }
    };
    let options = split_options(&rest[..close])?;
    Ok(RawRule { header, options })
}

/// Splits the header on whitespace outside brackets.
fn split_header(text: &str) -> Result<Vec<&str>, String> {
    let mut fields = Vec::with_capacity(7);
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match c {
            '[' => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    return Err(format!(
                        "address or port list nested deeper than {MAX_BRACKET_DEPTH} levels"
                    ));
                }
                start.get_or_insert(i);
            }
            ']' => {
                if depth == 0 {
                    return Err("unbalanced ']' in the rule header".to_owned());
                }
                depth -= 1;
                start.get_or_insert(i);
            }
            c if c.is_whitespace() && depth == 0 => {
                if let Some(s) = start.take() {
                    fields.push(&text[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if depth != 0 {
        return Err("unbalanced '[' in the rule header".to_owned());
    }
    if let Some(s) = start {
        fields.push(&text[s..]);
    }
    Ok(fields)
}

/// Splits `name:value; name; ...` (the text between the parentheses).
pub(crate) fn split_options(text: &str) -> Result<Vec<RawOption<'_>>, String> {
    let mut options = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip whitespace between options.
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let name_start = i;
        while i < bytes.len() && bytes[i] != b':' && bytes[i] != b';' {
            i += 1;
        }
        let name = text[name_start..i].trim();
        if i >= bytes.len() {
            return Err(format!("option \"{name}\" is not terminated by ';'"));
        }
        if name.is_empty() {
            return Err("empty option (a ';' or ':' without a keyword before it)".to_owned());
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            return Err(format!("invalid keyword name \"{name}\""));
        }
        if bytes[i] == b';' {
            options.push(RawOption { name, value: None });
            i += 1;
            continue;
        }
        // Value: up to the first ';' not escaped by a backslash.
        i += 1;
        let value_start = i;
        let mut escaped = false;
        let mut end = None;
        while i < bytes.len() {
            let b = bytes[i];
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b';' {
                end = Some(i);
                break;
            }
            i += 1;
        }
        let end = end.ok_or_else(|| format!("option \"{name}\" is not terminated by ';'"))?;
        options.push(RawOption {
            name,
            value: Some(text[value_start..end].trim()),
        });
        i = end + 1;
    }
    Ok(options)
}

/// Strips a leading `!` (and the whitespace after it) from a value.
pub(crate) fn strip_negation(value: &str) -> (bool, &str) {
    match value.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, value),
    }
}

/// The text between a value's double quotes, escapes kept. The value must
/// be exactly one quoted string: `"..."` with no unescaped `"` inside.
pub(crate) fn quoted_inner<'a>(keyword: &str, value: &'a str) -> Result<&'a str, String> {
    let Some(body) = value.strip_prefix('"') else {
        return Err(format!("{keyword} needs a value in double quotes"));
    };
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                if i + 1 != bytes.len() {
                    return Err(format!(
                        "{keyword} has an unescaped '\"' inside its value (write \\\")"
                    ));
                }
                return Ok(&body[..i]);
            }
            _ => i += 1,
        }
    }
    Err(format!("{keyword} value has no closing '\"'"))
}

/// The text between a value's first and last double quote, escapes kept,
/// without looking at quotes inside: Suricata's own check for keywords such
/// as `pcre` and `msg`, where an inner `"` is just a character.
pub(crate) fn quoted_outer<'a>(keyword: &str, value: &'a str) -> Result<&'a str, String> {
    let Some(body) = value.strip_prefix('"') else {
        return Err(format!("{keyword} needs a value in double quotes"));
    };
    let Some(inner) = body.strip_suffix('"') else {
        return Err(format!("{keyword} value has no closing '\"'"));
    };
    // The closing quote must not be escaped: an odd run of backslashes
    // before it escapes it.
    let backslashes = inner.bytes().rev().take_while(|&b| b == b'\\').count();
    if backslashes % 2 == 1 {
        return Err(format!("{keyword} value has no closing '\"'"));
    }
    Ok(inner)
}

/// A value that may or may not be quoted (`msg`, `reference`, numbers):
/// quotes are removed when present.
pub(crate) fn optional_quotes<'a>(keyword: &str, value: &'a str) -> Result<&'a str, String> {
    if value.starts_with('"') {
        quoted_outer(keyword, value)
    } else {
        Ok(value)
    }
}

/// Resolves Suricata's text escapes (`\"`, `\;`, `\:`, `\\`); any other
/// backslash is kept as written (as Suricata does for `msg`).
pub(crate) fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('"' | ';' | ':' | '\\')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes a `content` string (the text inside the quotes): `|41 42|` hex
/// blocks and the escapes `\"`, `\;`, `\:`, `\\`.
pub(crate) fn decode_content(keyword: &str, s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut in_hex = false;
    let mut nibble: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if in_hex {
            match b {
                b'|' => {
                    if nibble.is_some() {
                        return Err(format!(
                            "{keyword} has an odd number of hex digits in a |..| block"
                        ));
                    }
                    in_hex = false;
                }
                // Suricata skips spaces anywhere inside a hex block.
                b' ' | b'\t' => {}
                _ => {
                    let v = hex_value(b).ok_or_else(|| {
                        format!(
                            "{keyword} has an invalid character '{}' in a |..| hex block",
                            char_at(s, i)
                        )
                    })?;
                    nibble = match nibble {
                        Some(hi) => {
                            out.push(hi << 4 | v);
                            None
                        }
                        None => Some(v),
                    };
                }
            }
            i += 1;
            continue;
        }
        match b {
            b'|' => {
                in_hex = true;
                i += 1;
            }
            b'\\' => {
                let Some(&n) = bytes.get(i + 1) else {
                    return Err(format!("{keyword} ends with a lone '\\'"));
                };
                if matches!(n, b'"' | b';' | b':' | b'\\') {
                    out.push(n);
                    i += 2;
                } else {
                    return Err(format!(
                        "{keyword} has an invalid escape '\\{}' (only \\\" \\; \\: \\\\ are allowed; use |..| hex for other bytes)",
                        char_at(s, i + 1)
                    ));
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    if in_hex {
        return Err(format!("{keyword} has a |..| hex block that is not closed"));
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The character starting at byte `i` (for messages), or '?' when `i` is
/// not on a character boundary.
fn char_at(s: &str, i: usize) -> char {
    s.get(i..).and_then(|t| t.chars().next()).unwrap_or('?')
}

/// Splits a value on commas, trimming each part.
pub(crate) fn comma_list(value: &str) -> Vec<&str> {
    value.split(',').map(str::trim).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a panic is how a test reports failure")]
mod tests {
    use super::*;

    #[test]
    fn splits_header_and_options() {
        let r = split_rule(
            r#"alert tcp [1.2.3.4, 5.6.7.8] any -> $HOME_NET 80 (msg:"a\;b"; content:"x"; nocase; sid:1;)"#,
        )
        .unwrap();
        assert_eq!(
            r.header,
            [
                "alert",
                "tcp",
                "[1.2.3.4, 5.6.7.8]",
                "any",
                "->",
                "$HOME_NET",
                "80"
            ]
        );
        assert_eq!(
            r.options,
            vec![
                RawOption {
                    name: "msg",
                    value: Some(r#""a\;b""#)
                },
                RawOption {
                    name: "content",
                    value: Some(r#""x""#)
                },
                RawOption {
                    name: "nocase",
                    value: None
                },
                RawOption {
                    name: "sid",
                    value: Some("1")
                },
            ]
        );
    }

    #[test]
    fn value_whitespace_is_trimmed() {
        let o = split_options(r#"  content :  "POST" ; sid: 5 ;"#).unwrap();
        assert_eq!(
            o[0],
            RawOption {
                name: "content",
                value: Some(r#""POST""#)
            }
        );
        assert_eq!(
            o[1],
            RawOption {
                name: "sid",
                value: Some("5")
            }
        );
    }

    #[test]
    fn escaped_backslash_before_semicolon_ends_the_value() {
        let o = split_options(r#"content:"a\\"; sid:1;"#).unwrap();
        assert_eq!(o[0].value, Some(r#""a\\""#));
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(
            split_rule("alert tcp any any -> any any").unwrap_err(),
            "rule has no option list: expected '(' after the header"
        );
        assert_eq!(
            split_rule("alert tcp any any -> any any (sid:1;").unwrap_err(),
            "option list is not closed: expected ')' at the end of the rule"
        );
        assert_eq!(
            split_rule("alert tcp any any -> any any (sid:1) x").unwrap_err(),
            "unexpected text after the option list: \"x\""
        );
        assert_eq!(
            split_rule("alert tcp any any -> any any (sid:1)").unwrap_err(),
            "option \"sid\" is not terminated by ';'"
        );
        assert_eq!(
            split_rule("alert tcp any any -> any any (sid:1;) x)").unwrap_err(),
            "option \") x\" is not terminated by ';'"
        );
        assert_eq!(
            split_rule("alert tcp any -> any any (sid:1;)").unwrap_err(),
            "rule header has 6 fields, expected 7: action protocol source port direction destination port"
        );
        assert_eq!(
            split_rule("alert tcp [1.2.3.4 any -> any any (sid:1;)").unwrap_err(),
            "unbalanced '[' in the rule header"
        );
        assert_eq!(
            split_options("con tent:\"x\";").unwrap_err(),
            "invalid keyword name \"con tent\""
        );
        assert_eq!(
            split_options("sid:1;;").unwrap_err(),
            "empty option (a ';' or ':' without a keyword before it)"
        );
    }

    #[test]
    fn quoted_values() {
        assert_eq!(quoted_inner("msg", r#""abc""#).unwrap(), "abc");
        assert_eq!(quoted_inner("msg", r#""a\"b""#).unwrap(), r#"a\"b"#);
        assert_eq!(quoted_inner("msg", r#""a\\""#).unwrap(), r#"a\\"#);
        assert_eq!(
            quoted_inner("content", "abc").unwrap_err(),
            "content needs a value in double quotes"
        );
        assert_eq!(
            quoted_inner("content", r#""a"b""#).unwrap_err(),
            "content has an unescaped '\"' inside its value (write \\\")"
        );
        assert_eq!(
            quoted_inner("content", r#""a\""#).unwrap_err(),
            "content value has no closing '\"'"
        );
        assert_eq!(optional_quotes("msg", "plain").unwrap(), "plain");
        assert_eq!(quoted_outer("pcre", r#""/a"b/""#).unwrap(), r#"/a"b/"#);
        assert_eq!(quoted_outer("pcre", r#""/a\\""#).unwrap(), r#"/a\\"#);
        assert_eq!(
            quoted_outer("pcre", r#""/a\""#).unwrap_err(),
            "pcre value has no closing '\"'"
        );
        assert_eq!(
            quoted_outer("pcre", r#"""#).unwrap_err(),
            "pcre value has no closing '\"'"
        );
        assert_eq!(strip_negation("! \"x\""), (true, "\"x\""));
    }

    #[test]
    fn text_escapes() {
        assert_eq!(unescape_text(r#"a\"b\;c\:d\\e\xf"#), r#"a"b;c:d\e\xf"#);
    }

    #[test]
    fn content_decoding() {
        assert_eq!(decode_content("content", "AB|43 44|E").unwrap(), b"ABCDE");
        assert_eq!(decode_content("content", "|0d0a|").unwrap(), b"\r\n");
        assert_eq!(
            decode_content("content", r#"a\;b\"c\\d\:"#).unwrap(),
            b"a;b\"c\\d:"
        );
        assert_eq!(decode_content("content", "é").unwrap(), "é".as_bytes());
        assert_eq!(
            decode_content("content", "|4|").unwrap_err(),
            "content has an odd number of hex digits in a |..| block"
        );
        assert_eq!(decode_content("content", "|4 1|").unwrap(), b"A");
        assert_eq!(
            decode_content("content", "|4g|").unwrap_err(),
            "content has an invalid character 'g' in a |..| hex block"
        );
        assert_eq!(
            decode_content("content", "|41").unwrap_err(),
            "content has a |..| hex block that is not closed"
        );
        assert_eq!(
            decode_content("content", r"\x41").unwrap_err(),
            "content has an invalid escape '\\x' (only \\\" \\; \\: \\\\ are allowed; use |..| hex for other bytes)"
        );
    }
}
