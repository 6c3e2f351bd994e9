//! Pure functions over FTP control-channel lines (RFC 959 §4).

pub use crate::app::text::{ReplyLine, parse_reply_line};

/// Longest verb kept: RFC 959 verbs have 3 or 4 letters; extensions
/// (`SITE`-less vendor commands) a few more.
pub const MAX_VERB: usize = 16;

/// A command line split into its upper-cased verb and its argument.
pub fn parse_command(line: &[u8]) -> (String, &[u8]) {
    let (verb, arg) = crate::app::text::split_verb(line);
    let verb = crate::app::text::clean(verb, MAX_VERB).to_ascii_uppercase();
    (verb, arg)
}

/// The data port a `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` reply or
/// a `PORT h1,h2,h3,h4,p1,p2` argument names.
pub fn port_from_six(text: &[u8]) -> Option<u16> {
    let start = text.iter().position(u8::is_ascii_digit)?;
    let nums: Vec<u16> = text[start..]
        .split(|&b| b == b',')
        .take(6)
        .map_while(|n| {
            let d: Vec<u8> = n.iter().copied().take_while(u8::is_ascii_digit).collect();
            std::str::from_utf8(&d).ok()?.parse::<u16>().ok()
        })
        .collect();
    match nums[..] {
        [_, _, _, _, hi, lo] if hi < 256 && lo < 256 => Some(hi * 256 + lo),
        _ => None,
    }
}

/// The port of an RFC 2428 `229 ... (|||port|)` reply or an
/// `EPRT |proto|addr|port|` argument: the last non-empty field between
/// delimiters.
pub fn port_from_extended(text: &[u8]) -> Option<u16> {
    let open = text.iter().position(|&b| b == b'(').map_or(0, |i| i + 1);
    let body = &text[open..];
    let delim = *body.first()?;
    body.split(|&b| b == delim)
        .rfind(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit))
        .and_then(|f| std::str::from_utf8(f).ok()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines() {
        assert_eq!(
            parse_reply_line(b"530 Login incorrect."),
            Some(ReplyLine {
                code: 530,
                more: false,
                text: b"Login incorrect."
            })
        );
        assert!(parse_reply_line(b"220-Welcome").expect("line").more);
        assert_eq!(parse_reply_line(b"226").map(|r| r.code), Some(226));
        assert_eq!(parse_reply_line(b" 230 indented"), None);
        assert_eq!(parse_reply_line(b"999 nine"), None);
        assert_eq!(parse_reply_line(b"2300"), None);
        assert_eq!(parse_reply_line(b"23"), None);
    }

    #[test]
    fn commands_and_ports() {
        assert_eq!(
            parse_command(b"user anonymous"),
            ("USER".into(), &b"anonymous"[..])
        );
        assert_eq!(parse_command(b"PASV"), ("PASV".into(), &b""[..]));
        assert_eq!(
            port_from_six(b"Entering Passive Mode (127,0,0,1,156,65)."),
            Some(156 * 256 + 65)
        );
        assert_eq!(port_from_six(b"10,0,0,1,4,1"), Some(1025));
        assert_eq!(port_from_six(b"10,0,0,1,400,1"), None);
        assert_eq!(
            port_from_extended(b"Entering Extended Passive Mode (|||40023|)"),
            Some(40023)
        );
        assert_eq!(port_from_extended(b"|2|::1|5282|"), Some(5282));
        assert_eq!(port_from_extended(b""), None);
    }
}
