//! Pieces shared by the line-oriented clear-text protocols (FTP, SMTP, POP3,
//! IMAP; Telnet uses the account cleaning): a bounded line reader, base64,
//! and the account name carried by a SASL exchange (RFC 4422).
//!
//! Passwords never leave this module: the SASL reader looks at a client's
//! responses only to find the authentication identity and drops the rest.

/// Longest line kept, CR LF excluded. RFC 5321 §4.5.3.1.6 caps SMTP lines at
/// 1000 bytes, RFC 959 sets no limit; 4 KiB keeps every real command whole.
/// The rest of a longer line is dropped (the line is marked truncated), so a
/// peer that never sends LF cannot grow the buffer.
pub const MAX_LINE: usize = 4096;

/// Longest account name reported (characters).
pub const MAX_ACCOUNT: usize = 256;

/// Splits one direction's byte stream into lines (LF-terminated, a CR before
/// the LF removed), holding at most [`MAX_LINE`] bytes.
#[derive(Clone, Debug, Default)]
pub struct LineReader {
    buf: Vec<u8>,
    /// The current line went past [`MAX_LINE`]: its tail is dropped.
    truncated: bool,
    /// Bytes to pass over raw (a BDAT chunk, an IMAP literal) before lines
    /// resume.
    skip: u64,
    /// A gap cut the current line: drop everything up to the next LF.
    resync: bool,
    /// `buf` holds the line last handed out; cleared on the next call.
    ready: bool,
}

/// What [`LineReader::next`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A complete line (without CR LF) and whether it was cut at
    /// [`MAX_LINE`].
    Line(&'a [u8], bool),
    /// Raw bytes of a [`LineReader::skip`] span.
    Raw(&'a [u8]),
}

impl LineReader {
    /// Takes the next line or raw span from `input` (advancing it). `None`
    /// when `input` is used up without completing a line (the partial line
    /// is kept for the next call).
    pub fn next<'a, 'd: 'a>(&'a mut self, input: &mut &'d [u8]) -> Option<Piece<'a>> {
        if std::mem::take(&mut self.ready) {
            self.buf.clear();
        }
        loop {
            if input.is_empty() {
                return None;
            }
            if self.skip > 0 {
                let n = usize::try_from(self.skip)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                let (raw, rest) = input.split_at(n);
                *input = rest;
                self.skip -= n as u64;
                return Some(Piece::Raw(raw));
            }
            let (piece, complete) = match memchr::memchr(b'\n', input) {
                Some(i) => {
                    let (p, rest) = input.split_at(i);
                    *input = rest.get(1..).unwrap_or_default();
                    (p, true)
                }
                None => (std::mem::take(input), false),
            };
            if self.resync {
                self.resync = !complete;
                continue;
            }
            let room = MAX_LINE.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&piece[..piece.len().min(room)]);
            self.truncated |= piece.len() > room;
            if !complete {
                return None;
            }
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
            let truncated = std::mem::take(&mut self.truncated);
            self.ready = true;
            return Some(Piece::Line(&self.buf, truncated));
        }
    }

    /// The next `n` bytes are raw data, not lines.
    pub fn skip(&mut self, n: u64) {
        self.skip = self.skip.saturating_add(n);
    }

    /// Bytes still to pass over raw.
    pub fn skipping(&self) -> u64 {
        self.skip
    }

    /// Bytes were lost: the partial line is dropped and reading resumes after
    /// the next LF (a raw span shrinks by what was lost).
    pub fn gap(&mut self, len: u64) {
        if self.skip > 0 {
            self.skip = self.skip.saturating_sub(len);
            if self.skip > 0 {
                return;
            }
        }
        self.buf.clear();
        self.ready = false;
        self.truncated = false;
        self.resync = true;
    }

    /// Bytes held.
    pub fn memory(&self) -> usize {
        self.buf.capacity()
    }
}

/// True when `line` could be a text protocol line: no NUL and mostly
/// printable. Binary data (a TLS handshake after a missed STARTTLS, another
/// protocol) fails this and the direction stops being parsed.
pub fn is_text(line: &[u8]) -> bool {
    if line.contains(&0) {
        return false;
    }
    let control = line
        .iter()
        .filter(|&&b| b < 0x20 && b != b'\t' && b != b'\r' && b != 0x1b)
        .count();
    control * 8 <= line.len()
}

/// Splits `line` at the first space: (verb, argument), the argument with
/// leading spaces removed.
pub fn split_verb(line: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b' ', line) {
        Some(i) => {
            let rest = &line[i + 1..];
            let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
            (&line[..i], &rest[start..])
        }
        None => (line, &[]),
    }
}

/// ASCII case-insensitive prefix test.
pub fn starts_with_ci(data: &[u8], prefix: &[u8]) -> bool {
    data.len() >= prefix.len() && data[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// ASCII case-insensitive substring test.
pub fn contains_ci(data: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && data
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Text for an EVE field or an account: lossy UTF-8, control characters
/// dropped, at most `max` characters.
pub fn clean(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(b)
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

/// An account name as reported: [`clean`]ed to [`MAX_ACCOUNT`], `None` when
/// empty.
pub fn account(b: &[u8]) -> Option<String> {
    let a = clean(b, MAX_ACCOUNT);
    let a = a.trim();
    (!a.is_empty()).then(|| a.to_string())
}

/// Decodes standard base64 (RFC 4648 §4), padding optional, surrounding
/// spaces ignored. `None` on any other character.
pub fn base64_decode(b: &[u8]) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let b = b.trim_ascii();
    let end = b.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    if b.len() - end > 2 {
        return None;
    }
    let b = &b[..end];
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    for chunk in b.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&bytes[1..4]),
            3 => out.extend_from_slice(&bytes[1..3]),
            2 => out.push(bytes[1]),
            _ => return None,
        }
    }
    Some(out)
}

/// One reply line of FTP (RFC 959 §4.2) or SMTP (RFC 5321 §4.2), which
/// share the format: the code and whether more lines follow (`ddd-`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReplyLine<'a> {
    /// The three-digit code.
    pub code: u16,
    /// `ddd-`: a multi-line reply starts (or, inside one, a line that only
    /// looks like a start).
    pub more: bool,
    /// The text after the code and its separator.
    pub text: &'a [u8],
}

/// Reads `ddd SP text`, `ddd-text` or a bare `ddd`. `None` when the line does
/// not start with a reply code (a continuation line of a multi-line reply,
/// or not FTP).
pub fn parse_reply_line(line: &[u8]) -> Option<ReplyLine<'_>> {
    let digits = line.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    match line.get(3) {
        None => Some(ReplyLine {
            code,
            more: false,
            text: &[],
        }),
        Some(b' ') => Some(ReplyLine {
            code,
            more: false,
            text: &line[4..],
        }),
        Some(b'-') => Some(ReplyLine {
            code,
            more: true,
            text: &line[4..],
        }),
        Some(_) => None,
    }
}

/// SASL mechanisms whose client messages name the account.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Mech {
    /// RFC 4616: `authzid NUL authcid NUL passwd`.
    Plain,
    /// draft-murchison-sasl-login: user name, then password, one per step.
    Login,
    /// RFC 2195: `user SP digest`.
    CramMd5,
    /// RFC 2831: `username="...",realm="..."` in the second step.
    DigestMd5,
    /// RFC 5802: `gs2-header n=user,r=...`.
    Scram,
    /// RFC 7628: `n,a=user,^Aauth=...`.
    OauthBearer,
    /// Google's XOAUTH2: `user=...^Aauth=...`.
    Xoauth2,
    /// Anything else (GSSAPI, NTLM, EXTERNAL, ...): no account read.
    Other,
}

/// What a client revealed in one SASL exchange: the account (never the
/// password).
#[derive(Clone, Debug)]
pub struct SaslExchange {
    mech: Mech,
    /// Client responses seen.
    steps: u32,
    account: Option<String>,
    domain: Option<String>,
    /// The client cancelled (`*`).
    cancelled: bool,
}

impl SaslExchange {
    /// An exchange with mechanism `mech` (case-insensitive) and the optional
    /// initial response (base64, `=` for empty) sent with the command.
    pub fn start(mech: &[u8], initial: Option<&[u8]>) -> SaslExchange {
        let m = mech.to_ascii_uppercase();
        let mech = match &m[..] {
            b"PLAIN" => Mech::Plain,
            b"LOGIN" => Mech::Login,
            b"CRAM-MD5" => Mech::CramMd5,
            b"DIGEST-MD5" => Mech::DigestMd5,
            b"OAUTHBEARER" => Mech::OauthBearer,
            b"XOAUTH2" => Mech::Xoauth2,
            m if m.starts_with(b"SCRAM-") => Mech::Scram,
            _ => Mech::Other,
        };
        let mut x = SaslExchange {
            mech,
            steps: 0,
            account: None,
            domain: None,
            cancelled: false,
        };
        if let Some(ir) = initial.filter(|ir| !ir.is_empty()) {
            x.client_line(ir);
        }
        x
    }

    /// One client response line (base64).
    pub fn client_line(&mut self, line: &[u8]) {
        let line = line.trim_ascii();
        self.steps += 1;
        if line == b"*" {
            self.cancelled = true;
            return;
        }
        if self.account.is_some() {
            return;
        }
        let Some(msg) = (if line == b"=" {
            Some(Vec::new())
        } else {
            base64_decode(line)
        }) else {
            return;
        };
        match self.mech {
            Mech::Plain => {
                let mut parts = msg.split(|&b| b == 0);
                let authzid = parts.next().unwrap_or_default();
                let authcid = parts.next().unwrap_or_default();
                self.account = account(authcid).or_else(|| account(authzid));
            }
            Mech::Login if self.steps == 1 => self.account = account(&msg),
            Mech::CramMd5 => {
                let user = match msg.iter().rposition(|&b| b == b' ') {
                    Some(i) => &msg[..i],
                    None => &msg[..],
                };
                self.account = account(user);
            }
            Mech::DigestMd5 => {
                self.account = quoted_attr(&msg, b"username=").and_then(|v| account(&v));
                self.domain = quoted_attr(&msg, b"realm=").and_then(|v| account(&v));
            }
            Mech::Scram => {
                // gs2-header: cbind-flag "," [ "a=" authzid ] ","; then
                // "n=" saslname with "=2C" and "=3D" escapes.
                let bare = msg.splitn(3, |&b| b == b',').nth(2).unwrap_or_default();
                if let Some(n) = bare
                    .split(|&b| b == b',')
                    .find_map(|a| a.strip_prefix(b"n="))
                {
                    let s = clean(n, MAX_ACCOUNT)
                        .replace("=2C", ",")
                        .replace("=3D", "=");
                    self.account = account(s.as_bytes());
                }
            }
            Mech::OauthBearer => {
                let gs2 = msg.split(|&b| b == 1).next().unwrap_or_default();
                self.account = gs2
                    .split(|&b| b == b',')
                    .find_map(|a| a.strip_prefix(b"a="))
                    .and_then(account);
            }
            Mech::Xoauth2 => {
                self.account = msg
                    .split(|&b| b == 1)
                    .find_map(|a| a.strip_prefix(b"user="))
                    .and_then(account);
            }
            Mech::Login | Mech::Other => {}
        }
    }

    /// The authentication identity, when the mechanism shows it.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The realm, when the mechanism names one apart (DIGEST-MD5).
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// True when the client gave up with `*`: no credentials were tried.
    pub fn cancelled(&self) -> bool {
        self.cancelled
    }
}

/// The value of `key="value"` (or `key=value`) in a comma-separated list.
fn quoted_attr(msg: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    let at = msg.windows(key.len()).position(|w| w == key)?;
    let v = &msg[at + key.len()..];
    Some(match v.strip_prefix(b"\"") {
        Some(q) => q.iter().take_while(|&&b| b != b'"').copied().collect(),
        None => v.iter().take_while(|&&b| b != b',').copied().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(reader: &mut LineReader, mut input: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let mut out = Vec::new();
        while let Some(p) = reader.next(&mut input) {
            match p {
                Piece::Line(l, t) => out.push((l.to_vec(), t)),
                Piece::Raw(r) => out.push((r.to_vec(), false)),
            }
        }
        out
    }

    #[test]
    fn line_reader_splits_and_caps() {
        let mut r = LineReader::default();
        assert!(lines(&mut r, b"USER a").is_empty());
        assert_eq!(
            lines(&mut r, b"nna\r\nPASS x\nQU"),
            vec![(b"USER anna".to_vec(), false), (b"PASS x".to_vec(), false)]
        );
        let long = vec![b'a'; MAX_LINE * 3];
        assert!(lines(&mut r, &long).is_empty());
        assert!(r.memory() <= MAX_LINE + 64);
        let got = lines(&mut r, b"\r\nNOOP\r\n");
        assert_eq!(got.len(), 2);
        assert!(got[0].1 && got[0].0.starts_with(b"QUaaa"));
        assert_eq!(got[1], (b"NOOP".to_vec(), false));
        r.skip(3);
        assert_eq!(
            lines(&mut r, b"abcdef\r\n"),
            vec![(b"abc".to_vec(), false), (b"def".to_vec(), false)]
        );
        r.gap(5);
        assert_eq!(
            lines(&mut r, b"tail\r\nok\r\n"),
            vec![(b"ok".to_vec(), false)]
        );
    }

    #[test]
    fn base64_forms() {
        assert_eq!(base64_decode(b"YWxpY2U="), Some(b"alice".to_vec()));
        assert_eq!(base64_decode(b"YWxpY2U"), Some(b"alice".to_vec()));
        assert_eq!(base64_decode(b" YQ== "), Some(b"a".to_vec()));
        assert_eq!(base64_decode(b"Y"), None);
        assert_eq!(base64_decode(b"YW=="), Some(b"a".to_vec()));
        assert_eq!(base64_decode(b"Y@=="), None);
        assert_eq!(base64_decode(b"YQ==="), None);
        assert_eq!(base64_decode(b""), Some(Vec::new()));
    }

    #[test]
    fn sasl_accounts() {
        // "\0alice\0secret" and "admin\0alice\0secret".
        let x = SaslExchange::start(b"plain", Some(b"AGFsaWNlAHNlY3JldA=="));
        assert_eq!(x.account(), Some("alice"));
        let mut x = SaslExchange::start(b"PLAIN", None);
        x.client_line(b"YWRtaW4AYWxpY2UAc2VjcmV0");
        assert_eq!(x.account(), Some("alice"));
        let mut x = SaslExchange::start(b"LOGIN", None);
        x.client_line(b"Ym9i"); // bob
        x.client_line(b"c2VjcmV0"); // secret: ignored
        assert_eq!(x.account(), Some("bob"));
        // RFC 2195's example: "tim b913a602c7eda7a495b4e6e7334d3890".
        let x = SaslExchange::start(
            b"CRAM-MD5",
            Some(b"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"),
        );
        assert_eq!(x.account(), Some("tim"));
        // RFC 5802's example client-first: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".
        let x = SaslExchange::start(
            b"SCRAM-SHA-1",
            Some(b"biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM"),
        );
        assert_eq!(x.account(), Some("user"));
        let mut x = SaslExchange::start(b"DIGEST-MD5", None);
        x.client_line(b"dXNlcm5hbWU9ImNocmlzIixyZWFsbT0iZWx3b29kLmlubm9zb2Z0LmNvbSIsbm9uY2U9Ik9BNk1HOXRFUUdtMmhoIg==");
        assert_eq!(x.account(), Some("chris"));
        assert_eq!(x.domain(), Some("elwood.innosoft.com"));
        let mut x = SaslExchange::start(b"LOGIN", None);
        x.client_line(b"*");
        assert!(x.cancelled() && x.account().is_none());
        let mut x = SaslExchange::start(b"GSSAPI", None);
        x.client_line(b"YIIB");
        assert_eq!(x.account(), None);
    }

    #[test]
    fn text_checks() {
        assert!(is_text(b"USER anonymous"));
        assert!(!is_text(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"));
        assert!(contains_ci(b"220 (vsFTPd 3.0.3)", b"ftp"));
        assert_eq!(
            split_verb(b"MAIL  FROM:<a>"),
            (&b"MAIL"[..], &b"FROM:<a>"[..])
        );
        assert_eq!(account(b"  \x01bob\x7f "), Some("bob".into()));
        assert_eq!(account(b" "), None);
    }
}
