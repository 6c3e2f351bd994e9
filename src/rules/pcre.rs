//! `pcre:"/regex/flags"` → [`ir::Pcre`](super::ir::Pcre): PCRE syntax
//! translated to the `regex` crate's, or refused with the reason.
//!
//! Suricata matches with PCRE2 (non-UTF mode: the subject is bytes, `\w`,
//! `\d`, `\s`, `\b` and case folding are ASCII). The `regex` crate with
//! Unicode off (`(?-u)`, `regex::bytes`) has the same byte semantics, and a
//! linear-time engine, so it cannot do what needs backtracking: lookaround,
//! backreferences, atomic groups, possessive quantifiers, recursion,
//! conditionals, `\G`, `\K`. A pattern using one is *unsupported* (the rule is
//! skipped, the construct named), never approximated.
//!
//! What differs only in spelling is rewritten:
//!
//! - PCRE's non-multiline `$` matches at the end *or before a final
//!   newline*; the `regex` crate's only at the end. It becomes `(?:\n?\z)`
//!   (with the `E` flag, `\z`). The match then includes that newline, which
//!   moves a following relative match by at most one byte at the buffer end.
//! - `\Z` as `$`; `\h` `\v` `\R` `\N` `\e` `\a` `\cX` `\o{}` `\0nn` as
//!   explicit bytes or classes (PCRE's `\v` is vertical *space*, the crate's
//!   is the VT character).
//! - `{` that does not start a valid quantifier is a literal in PCRE (`a{`,
//!   `x{,5}` before PCRE2 10.43) and an error in the crate: it is escaped.
//! - Character classes are rebuilt item by item, because in the crate `[`
//!   inside a class nests and `&&`, `--`, `~~` are set operators, while in
//!   PCRE they are literals.
//! - Named groups become plain groups (names are never used).
//! - The `x` flag is applied here (whitespace and `#` comments outside
//!   classes are dropped), because PCRE keeps whitespace inside classes and
//!   the crate does not.
//! - Bytes outside printable ASCII are written `\xHH`.

use regex::bytes::RegexBuilder;

use super::RuleProblem;
use super::ir::{BufferId, Pcre};
use super::lexer::{quoted_outer, strip_negation};

/// Compiled-size limit when validating (the `regex` crate's default): a
/// pattern over it is reported unsupported rather than making the engine
/// slow or large.
const REGEX_SIZE_LIMIT: usize = 10 * (1 << 20);

/// A parsed `pcre` keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcreKeyword {
    /// The IR pattern.
    pub pcre: Pcre,
    /// The buffer named by a Suricata/Snort buffer flag (`U`, `H`, ...), with
    /// the flag.
    pub buffer: Option<(BufferId, char)>,
}

/// The PCRE options that change how the pattern is translated.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PcreOptions {
    /// `i`: caseless.
    pub caseless: bool,
    /// `s`: `.` matches newline.
    pub dotall: bool,
    /// `m`: `^`/`$` at line boundaries.
    pub multiline: bool,
    /// `x`: extended (whitespace and comments ignored).
    pub extended: bool,
    /// `G` (PCRE's `U`): quantifiers lazy by default.
    pub ungreedy: bool,
    /// `E` (PCRE's `D`): `$` only at the very end.
    pub dollar_endonly: bool,
}

/// Parses a `pcre` value (`[!]"/pattern/flags"`), translates and validates
/// the pattern.
pub fn parse_pcre(value: &str) -> Result<PcreKeyword, RuleProblem> {
    let fail = |m: String| RuleProblem::failed(Some("pcre"), m);
    let (negated, rest) = strip_negation(value);
    let inner = quoted_outer("pcre", rest).map_err(fail)?;
    let body = inner
        .strip_prefix('/')
        .ok_or_else(|| fail("pcre must be written \"/pattern/flags\"".to_owned()))?;
    let last = body
        .rfind('/')
        .ok_or_else(|| fail("pcre has no closing '/' after the pattern".to_owned()))?;
    let (pattern, flags) = (&body[..last], &body[last + 1..]);

    let mut opts = PcreOptions::default();
    let mut relative = false;
    let mut anchored = false;
    let mut rawbytes = false;
    let mut buffer: Option<(BufferId, char)> = None;
    for f in flags.chars() {
        let buf = match f {
            'i' => {
                opts.caseless = true;
                None
            }
            's' => {
                opts.dotall = true;
                None
            }
            'm' => {
                opts.multiline = true;
                None
            }
            'x' => {
                opts.extended = true;
                None
            }
            'A' => {
                anchored = true;
                None
            }
            'E' => {
                opts.dollar_endonly = true;
                None
            }
            'G' => {
                opts.ungreedy = true;
                None
            }
            'R' => {
                relative = true;
                None
            }
            // Snort compatibility: Suricata accepts and ignores it.
            'B' => {
                rawbytes = true;
                None
            }
            // Overrides PCRE's match limits; the regex crate has none.
            'O' => None,
            'U' => Some(BufferId::HttpUri),
            'I' => Some(BufferId::HttpUriRaw),
            'P' => Some(BufferId::HttpRequestBody),
            'Q' => Some(BufferId::HttpResponseBody),
            'H' => Some(BufferId::HttpHeader),
            'D' => Some(BufferId::HttpHeaderRaw),
            'M' => Some(BufferId::HttpMethod),
            'C' => Some(BufferId::HttpCookie),
            'S' => Some(BufferId::HttpStatCode),
            'Y' => Some(BufferId::HttpStatMsg),
            'V' => Some(BufferId::HttpUserAgent),
            'W' => Some(BufferId::HttpHost),
            'Z' => Some(BufferId::HttpHostRaw),
            other => return Err(fail(format!("unknown pcre flag '{other}'"))),
        };
        if let Some(b) = buf {
            match buffer {
                Some((prev, pf)) if prev != b => {
                    return Err(fail(format!(
                        "pcre flags '{pf}' and '{f}' name two different buffers"
                    )));
                }
                _ => buffer = Some((b, f)),
            }
        }
    }
    if let (true, Some((_, f))) = (rawbytes, buffer) {
        return Err(fail(format!(
            "pcre flag '{f}' cannot be combined with 'B' (rawbytes)"
        )));
    }
    let regex = translate(pattern, opts)?;
    validate(&regex)?;
    Ok(PcreKeyword {
        pcre: Pcre {
            regex,
            negated,
            relative,
            anchored,
            dollar_endonly: opts.dollar_endonly,
            ungreedy: opts.ungreedy,
        },
        buffer,
    })
}

/// Compiles a translated pattern the way the engine will, to refuse the
/// rule now rather than at match time.
fn validate(regex: &str) -> Result<(), RuleProblem> {
    match RegexBuilder::new(regex)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        Ok(_) => Ok(()),
        Err(regex::Error::CompiledTooBig(limit)) => Err(RuleProblem::unsupported(
            "pcre",
            format!(
                "pcre compiles to more than {} MiB in wardwatch's regex engine",
                limit >> 20
            ),
        )),
        Err(e) => Err(RuleProblem::failed(
            Some("pcre"),
            format!(
                "pcre does not compile: {}",
                short_regex_error(&e.to_string())
            ),
        )),
    }
}

/// The one-line reason from a `regex` error (they are multi-line, with the
/// pattern and a caret).
fn short_regex_error(msg: &str) -> String {
    msg.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_owned)
        .unwrap_or_else(|| msg.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn unsupported(construct: &str) -> RuleProblem {
    RuleProblem::unsupported(
        "pcre",
        format!("pcre uses {construct}, which wardwatch's regex engine does not support"),
    )
}

fn invalid(what: impl std::fmt::Display) -> RuleProblem {
    RuleProblem::failed(Some("pcre"), format!("invalid pcre: {what}"))
}

/// Translates a PCRE pattern (without delimiters) into the `regex` crate's
/// syntax, with `(?-u)` and the `i`, `s`, `m`, `G` flags folded in.
pub fn translate(pattern: &str, opts: PcreOptions) -> Result<String, RuleProblem> {
    let mut t = Translator {
        src: pattern.as_bytes(),
        pos: 0,
        out: String::with_capacity(pattern.len() + 16),
        cur: Mode {
            extended: opts.extended,
            multiline: opts.multiline,
        },
        stack: Vec::new(),
        dollar_endonly: opts.dollar_endonly,
    };
    t.out.push_str("(?-u)");
    let mut flags = String::new();
    if opts.caseless {
        flags.push('i');
    }
    if opts.multiline {
        flags.push('m');
    }
    if opts.dotall {
        flags.push('s');
    }
    if opts.ungreedy {
        flags.push('U');
    }
    if !flags.is_empty() {
        t.out.push_str("(?");
        t.out.push_str(&flags);
        t.out.push(')');
    }
    t.run()?;
    Ok(t.out)
}

/// Flags the translator itself must track (the others are passed through).
#[derive(Copy, Clone, Debug)]
struct Mode {
    extended: bool,
    multiline: bool,
}

struct Translator<'a> {
    src: &'a [u8],
    pos: usize,
    out: String,
    cur: Mode,
    /// Modes to restore at each `)`.
    stack: Vec<Mode>,
    dollar_endonly: bool,
}

impl Translator<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    fn rest_starts_with(&self, s: &str) -> bool {
        self.src[self.pos..].starts_with(s.as_bytes())
    }

    fn run(&mut self) -> Result<(), RuleProblem> {
        while let Some(b) = self.peek() {
            if self.cur.extended {
                if is_pcre_space(b) {
                    self.pos += 1;
                    continue;
                }
                if b == b'#' {
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == b'\n' {
                            break;
                        }
                    }
                    continue;
                }
            }
            match b {
                b'\\' => self.escape()?,
                b'[' => self.class()?,
                b'(' => self.group_open()?,
                b')' => {
                    self.pos += 1;
                    self.cur = self.stack.pop().ok_or_else(|| invalid("unmatched ')'"))?;
                    self.out.push(')');
                    self.after_atom()?;
                }
                b'$' => {
                    self.pos += 1;
                    if self.cur.multiline {
                        self.out.push('$');
                    } else if self.dollar_endonly {
                        self.out.push_str(r"\z");
                    } else {
                        self.out.push_str(r"(?:\n?\z)");
                    }
                }
                b'^' | b'|' => {
                    self.pos += 1;
                    self.out.push(char::from(b));
                }
                b'.' => {
                    self.pos += 1;
                    self.out.push('.');
                    self.after_atom()?;
                }
                b'*' | b'+' | b'?' => {
                    self.pos += 1;
                    self.out.push(char::from(b));
                    self.after_quantifier()?;
                }
                b'{' => {
                    if let Some(q) = self.quantifier_at(self.pos) {
                        self.pos += q.len();
                        self.out.push_str(&q);
                        self.after_quantifier()?;
                    } else {
                        self.pos += 1;
                        self.out.push_str(r"\{");
                        self.after_atom()?;
                    }
                }
                _ => {
                    self.pos += 1;
                    push_literal(&mut self.out, b);
                    self.after_atom()?;
                }
            }
        }
        if !self.stack.is_empty() {
            return Err(invalid("missing ')'"));
        }
        Ok(())
    }

    /// Nothing to do after an atom except in extended mode, where
    /// whitespace may separate it from its quantifier (handled by the main
    /// loop). Kept as a hook so quantifier checks stay in one place.
    fn after_atom(&mut self) -> Result<(), RuleProblem> {
        Ok(())
    }

    /// After `*`, `+`, `?` or `{n,m}`: a following `?` makes it lazy (kept),
    /// a following `+` makes it possessive (unsupported).
    fn after_quantifier(&mut self) -> Result<(), RuleProblem> {
        match self.peek() {
            Some(b'?') => {
                self.pos += 1;
                self.out.push('?');
                Ok(())
            }
            Some(b'+') => Err(unsupported("a possessive quantifier (such as ++ or *+)")),
            _ => Ok(()),
        }
    }

    /// A valid `{n}`, `{n,}` or `{n,m}` at `at`, as text to emit.
    fn quantifier_at(&self, at: usize) -> Option<String> {
        let rest = &self.src[at..];
        let end = rest.iter().position(|&c| c == b'}')?;
        let inner = std::str::from_utf8(&rest[1..end]).ok()?;
        let (lo, hi) = match inner.split_once(',') {
            Some((lo, hi)) => (lo, Some(hi)),
            None => (inner, None),
        };
        if lo.is_empty() || !lo.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if let Some(hi) = hi {
            if !hi.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
        }
        Some(format!("{{{inner}}}"))
    }

    fn group_open(&mut self) -> Result<(), RuleProblem> {
        self.pos += 1; // '('
        if self.peek() == Some(b'*') {
            return Err(unsupported(
                "a backtracking control verb such as (*FAIL) or (*UTF)",
            ));
        }
        if self.peek() != Some(b'?') {
            self.stack.push(self.cur);
            self.out.push('(');
            return Ok(());
        }
        self.pos += 1; // '?'
        let Some(c) = self.peek() else {
            return Err(invalid("pattern ends after \"(?\""));
        };
        match c {
            b'#' => {
                // Comment up to the next ')'.
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == b')' {
                        return Ok(());
                    }
                }
                Err(invalid("comment (?#... is not closed"))
            }
            b':' => {
                self.pos += 1;
                self.stack.push(self.cur);
                self.out.push_str("(?:");
                Ok(())
            }
            b'=' => Err(unsupported("a lookahead assertion (?=...)")),
            b'!' => Err(unsupported("a negative lookahead assertion (?!...)")),
            b'>' => Err(unsupported("an atomic group (?>...)")),
            b'|' => Err(unsupported("a branch reset group (?|...)")),
            b'(' => Err(unsupported("a conditional group (?(...)...)")),
            b'C' => Err(unsupported("a callout (?C...)")),
            b'R' | b'&' | b'+' | b'0'..=b'9' => Err(unsupported(
                "a recursive or subroutine call such as (?R) or (?1)",
            )),
            b'-' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => Err(unsupported(
                "a recursive or subroutine call such as (?R) or (?1)",
            )),
            b'<' => match self.peek_at(1) {
                Some(b'=') => Err(unsupported("a lookbehind assertion (?<=...)")),
                Some(b'!') => Err(unsupported("a negative lookbehind assertion (?<!...)")),
                _ => {
                    self.pos += 1;
                    self.named_group(b'>')
                }
            },
            b'\'' => {
                self.pos += 1;
                self.named_group(b'\'')
            }
            b'P' => match self.peek_at(1) {
                Some(b'<') => {
                    self.pos += 2;
                    self.named_group(b'>')
                }
                Some(b'=') => Err(unsupported("a backreference (?P=name)")),
                Some(b'>') => Err(unsupported(
                    "a recursive or subroutine call such as (?R) or (?1)",
                )),
                _ => Err(invalid("unknown group type after \"(?P\"")),
            },
            _ => self.inline_flags(),
        }
    }

    /// `(?<name>` / `(?'name'` / `(?P<name>`: the name is dropped, the
    /// group kept.
    fn named_group(&mut self, close: u8) -> Result<(), RuleProblem> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == close {
                break;
            }
            if !(c.is_ascii_alphanumeric() || c == b'_') {
                return Err(invalid("bad character in a group name"));
            }
            self.pos += 1;
        }
        if self.peek() != Some(close) || self.pos == start {
            return Err(invalid("group name is not terminated"));
        }
        self.pos += 1;
        self.stack.push(self.cur);
        self.out.push('(');
        Ok(())
    }

    /// `(?imsx-imsx)` or `(?imsx-imsx:...)`.
    fn inline_flags(&mut self) -> Result<(), RuleProblem> {
        let mut on = true;
        let mut kept = String::new();
        let mut mode = self.cur;
        loop {
            let Some(c) = self.peek() else {
                return Err(invalid("inline flags (?... are not closed"));
            };
            self.pos += 1;
            match c {
                b'-' => {
                    if !on {
                        return Err(invalid("two '-' in inline flags"));
                    }
                    on = false;
                    kept.push('-');
                }
                b'i' | b's' | b'U' => kept.push(char::from(c)),
                b'm' => {
                    mode.multiline = on;
                    kept.push('m');
                }
                b'x' => mode.extended = on,
                // J (duplicate names), X (strict escapes), n (no auto
                // capture) do not change what matches.
                b'J' | b'X' | b'n' => {}
                b')' => {
                    // Applies to the rest of the enclosing group.
                    self.cur = mode;
                    let kept = kept.trim_end_matches('-');
                    if !kept.is_empty() {
                        self.out.push_str("(?");
                        self.out.push_str(kept);
                        self.out.push(')');
                    }
                    return Ok(());
                }
                b':' => {
                    self.stack.push(self.cur);
                    self.cur = mode;
                    let kept = kept.trim_end_matches('-');
                    self.out.push_str("(?");
                    self.out.push_str(kept);
                    self.out.push(':');
                    return Ok(());
                }
                other => {
                    return Err(invalid(format!(
                        "unknown inline flag '{}'",
                        char::from(other)
                    )));
                }
            }
        }
    }

    /// An escape outside a character class.
    fn escape(&mut self) -> Result<(), RuleProblem> {
        self.pos += 1; // '\'
        let Some(c) = self.peek() else {
            return Err(invalid("pattern ends with '\\'"));
        };
        self.pos += 1;
        match c {
            b'd' | b'D' | b'w' | b'W' | b's' | b'S' => {
                self.out.push('\\');
                self.out.push(char::from(c));
            }
            b'b' | b'B' | b'A' | b'z' => {
                self.out.push('\\');
                self.out.push(char::from(c));
                return Ok(());
            }
            b'Z' => {
                self.out.push_str(r"(?:\n?\z)");
                return Ok(());
            }
            b'h' => self.out.push_str(r"[\t\x20\xA0]"),
            b'H' => self.out.push_str(r"[^\t\x20\xA0]"),
            b'v' => self.out.push_str(r"[\n\x0B\x0C\r\x85]"),
            b'V' => self.out.push_str(r"[^\n\x0B\x0C\r\x85]"),
            b'R' => self.out.push_str(r"(?:\r\n|[\n\x0B\x0C\r\x85])"),
            b'N' => {
                if self.peek() == Some(b'{') {
                    return Err(invalid("\\N{...} names a Unicode character"));
                }
                self.out.push_str(r"[^\n]");
            }
            b'C' => self.out.push_str("(?s:.)"),
            b'Q' => {
                // Literal up to \E.
                while self.pos < self.src.len() {
                    if self.rest_starts_with("\\E") {
                        self.pos += 2;
                        return Ok(());
                    }
                    push_literal(&mut self.out, self.src[self.pos]);
                    self.pos += 1;
                }
                return Ok(());
            }
            b'E' => return Ok(()),
            b'G' => return Err(unsupported("\\G (anchor at the previous match end)")),
            b'K' => return Err(unsupported("\\K (reset of the match start)")),
            b'1'..=b'9' => return Err(unsupported("a backreference (such as \\1)")),
            b'g' | b'k' => return Err(unsupported("a backreference (\\g or \\k)")),
            b'p' | b'P' | b'X' => return Err(unsupported("a Unicode property (\\p, \\P or \\X)")),
            _ => {
                let byte = self.char_escape(c, false)?;
                push_literal(&mut self.out, byte);
            }
        }
        Ok(())
    }

    /// Escapes that denote one byte (shared by classes and the outside);
    /// `c` is the character after the backslash, already consumed.
    fn char_escape(&mut self, c: u8, in_class: bool) -> Result<u8, RuleProblem> {
        Ok(match c {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'f' => 0x0C,
            b'a' => 0x07,
            b'e' => 0x1B,
            b'b' if in_class => 0x08,
            b'0' => {
                // \0 followed by up to two more octal digits.
                let mut v: u32 = 0;
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                u8::try_from(v).map_err(|_| invalid("octal value above \\377"))?
            }
            b'1'..=b'7' if in_class => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                u8::try_from(v).map_err(|_| invalid("octal value above \\377"))?
            }
            b'o' => {
                let v = self.braced(8)?;
                u8::try_from(v).map_err(|_| invalid("character value in \\o{} above 0xFF"))?
            }
            b'x' => {
                if self.peek() == Some(b'{') {
                    let v = self.braced(16)?;
                    u8::try_from(v).map_err(|_| invalid("character value in \\x{} above 0xFF"))?
                } else {
                    let mut v: u32 = 0;
                    for _ in 0..2 {
                        match self.peek().and_then(|d| char::from(d).to_digit(16)) {
                            Some(d) => {
                                v = v * 16 + d;
                                self.pos += 1;
                            }
                            None => break,
                        }
                    }
                    u8::try_from(v).unwrap_or(0)
                }
            }
            b'c' => {
                let Some(x) = self.peek() else {
                    return Err(invalid("pattern ends after \\c"));
                };
                if !x.is_ascii() {
                    return Err(invalid("\\c must be followed by an ASCII character"));
                }
                self.pos += 1;
                x.to_ascii_uppercase() ^ 0x40
            }
            c if c.is_ascii_alphanumeric() => {
                return Err(invalid(format!("unknown escape \\{}", char::from(c))));
            }
            // Any other escaped character is itself (\/, \., \", \;, ...).
            c => c,
        })
    }

    /// `{digits}` in `radix` after `\x` or `\o`.
    fn braced(&mut self, radix: u32) -> Result<u32, RuleProblem> {
        if self.peek() != Some(b'{') {
            return Err(invalid("expected '{' after \\o"));
        }
        self.pos += 1;
        let mut v: u32 = 0;
        let mut n = 0;
        while let Some(c) = self.peek() {
            if c == b'}' {
                self.pos += 1;
                if n == 0 {
                    return Err(invalid("empty {} in a character escape"));
                }
                return Ok(v);
            }
            let d = char::from(c)
                .to_digit(radix)
                .ok_or_else(|| invalid("bad digit in a braced character escape"))?;
            v = v.saturating_mul(radix).saturating_add(d);
            n += 1;
            self.pos += 1;
        }
        Err(invalid("braced character escape is not closed"))
    }

    /// A character class, rebuilt item by item.
    fn class(&mut self) -> Result<(), RuleProblem> {
        self.pos += 1; // '['
        let mut out = String::from("[");
        if self.peek() == Some(b'^') {
            self.pos += 1;
            out.push('^');
        }
        let mut first = true;
        // The previous item, when it was a single byte that may start a range.
        let mut prev_single: Option<u8> = None;
        loop {
            let Some(c) = self.peek() else {
                return Err(invalid("missing terminating ']' for a character class"));
            };
            if c == b']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            // A range: previous single byte, '-', and an end that is not ']'.
            if c == b'-' {
                if let (Some(lo), Some(next)) = (prev_single, self.peek_at(1)) {
                    if next != b']' {
                        self.pos += 1;
                        let hi = match self.class_item()? {
                            ClassItem::Byte(hi) => hi,
                            ClassItem::Set(_) => {
                                return Err(invalid(
                                    "a range in a character class ends in a class escape",
                                ));
                            }
                        };
                        if hi < lo {
                            return Err(invalid("range out of order in a character class"));
                        }
                        out.push('-');
                        push_class_literal(&mut out, hi);
                        prev_single = None;
                        continue;
                    }
                }
            }
            match self.class_item()? {
                ClassItem::Byte(b) => {
                    push_class_literal(&mut out, b);
                    prev_single = Some(b);
                }
                ClassItem::Set(s) => {
                    out.push_str(&s);
                    prev_single = None;
                }
            }
        }
        out.push(']');
        self.out.push_str(&out);
        Ok(())
    }

    /// One item inside a class.
    fn class_item(&mut self) -> Result<ClassItem, RuleProblem> {
        let Some(c) = self.peek() else {
            return Err(invalid("missing terminating ']' for a character class"));
        };
        if c == b'[' {
            // POSIX class [:name:] / [:^name:]; otherwise a literal '['.
            if let Some(len) = self.posix_class_len() {
                let text =
                    String::from_utf8_lossy(&self.src[self.pos..self.pos + len]).into_owned();
                self.pos += len;
                return Ok(ClassItem::Set(text));
            }
            self.pos += 1;
            return Ok(ClassItem::Byte(b'['));
        }
        if c != b'\\' {
            self.pos += 1;
            return Ok(ClassItem::Byte(c));
        }
        self.pos += 1;
        let Some(e) = self.peek() else {
            return Err(invalid("pattern ends with '\\'"));
        };
        self.pos += 1;
        Ok(match e {
            b'd' | b'D' | b'w' | b'W' | b's' | b'S' => {
                ClassItem::Set(format!("\\{}", char::from(e)))
            }
            b'h' => ClassItem::Set(r"\t\x20\xA0".to_owned()),
            b'H' => ClassItem::Set(r"[^\t\x20\xA0]".to_owned()),
            b'v' => ClassItem::Set(r"\n\x0B\x0C\r\x85".to_owned()),
            b'V' => ClassItem::Set(r"[^\n\x0B\x0C\r\x85]".to_owned()),
            b'Q' => {
                let mut s = String::new();
                while self.pos < self.src.len() && !self.rest_starts_with("\\E") {
                    push_class_literal(&mut s, self.src[self.pos]);
                    self.pos += 1;
                }
                if self.rest_starts_with("\\E") {
                    self.pos += 2;
                }
                ClassItem::Set(s)
            }
            b'E' => ClassItem::Set(String::new()),
            b'p' | b'P' => return Err(unsupported("a Unicode property (\\p, \\P or \\X)")),
            b'N' | b'R' | b'X' | b'B' | b'g' | b'k' | b'K' | b'A' | b'z' | b'Z' | b'G' => {
                return Err(invalid(format!(
                    "escape \\{} is not allowed in a character class",
                    char::from(e)
                )));
            }
            other => ClassItem::Byte(self.char_escape(other, true)?),
        })
    }

    fn posix_class_len(&self) -> Option<usize> {
        const NAMES: &[&str] = &[
            "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print",
            "punct", "space", "upper", "word", "xdigit",
        ];
        let rest = &self.src[self.pos..];
        if !rest.starts_with(b"[:") {
            return None;
        }
        let body = &rest[2..];
        let end = body.windows(2).position(|w| w == b":]")?;
        let name = std::str::from_utf8(&body[..end]).ok()?;
        let bare = name.strip_prefix('^').unwrap_or(name);
        NAMES.contains(&bare).then_some(2 + end + 2)
    }
}

enum ClassItem {
    Byte(u8),
    Set(String),
}

fn is_pcre_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// Characters the `regex` crate treats specially somewhere; escaping them
/// is always allowed.
fn is_regex_meta(b: u8) -> bool {
    matches!(
        b,
        b'\\'
            | b'.'
            | b'+'
            | b'*'
            | b'?'
            | b'('
            | b')'
            | b'|'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'^'
            | b'$'
            | b'#'
            | b'&'
            | b'-'
            | b'~'
    )
}

/// One literal byte outside a class.
pub(crate) fn push_literal(out: &mut String, b: u8) {
    if b.is_ascii_alphanumeric() || (b.is_ascii_graphic() && !is_regex_meta(b)) {
        out.push(char::from(b));
    } else if is_regex_meta(b) {
        out.push('\\');
        out.push(char::from(b));
    } else {
        out.push_str(&format!("\\x{b:02X}"));
    }
}

/// One literal byte inside a class.
fn push_class_literal(out: &mut String, b: u8) {
    push_literal(out, b);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a panic is how a test reports failure")]
mod tests {
    use super::*;

    fn tr(p: &str) -> String {
        translate(p, PcreOptions::default()).unwrap()
    }

    fn tr_err(p: &str) -> String {
        translate(p, PcreOptions::default()).unwrap_err().message
    }

    fn matches(pcre_value: &str, hay: &[u8]) -> bool {
        let k = parse_pcre(pcre_value).unwrap();
        regex::bytes::RegexBuilder::new(&k.pcre.regex)
            .unicode(false)
            .build()
            .unwrap()
            .is_match(hay)
    }

    #[test]
    fn plain_patterns_pass_through() {
        assert_eq!(tr(r"abc\d+\s*\w{2,5}?"), r"(?-u)abc\d+\s*\w{2,5}?");
        assert_eq!(tr(r"^GET\x20/"), r"(?-u)^GET\x20/");
        assert_eq!(tr(r"a\/b"), r"(?-u)a/b");
        assert_eq!(tr(r"(?:a|b)(c)"), r"(?-u)(?:a|b)(c)");
        assert_eq!(tr(r"\x{41}\x7"), r"(?-u)A\x07");
    }

    #[test]
    fn flags_are_folded() {
        let o = PcreOptions {
            caseless: true,
            dotall: true,
            multiline: true,
            ungreedy: true,
            ..PcreOptions::default()
        };
        assert_eq!(translate("a.$", o).unwrap(), "(?-u)(?imsU)a.$");
        let k = parse_pcre(r#""/abc/smiG""#).unwrap();
        assert_eq!(k.pcre.regex, "(?-u)(?imsU)abc");
        assert!(k.pcre.ungreedy);
    }

    #[test]
    fn dollar_follows_pcre() {
        assert_eq!(tr("a$"), r"(?-u)a(?:\n?\z)");
        assert_eq!(tr(r"a\Z"), r"(?-u)a(?:\n?\z)");
        assert_eq!(tr(r"a\z"), r"(?-u)a\z");
        let e = PcreOptions {
            dollar_endonly: true,
            ..PcreOptions::default()
        };
        assert_eq!(translate("a$", e).unwrap(), r"(?-u)a\z");
        assert!(matches(r#""/abc$/""#, b"xabc\n"));
        assert!(!matches(r#""/abc$/""#, b"xabc\n\n"));
        assert!(!matches(r#""/abc$/E""#, b"xabc\n"));
        assert!(matches(r#""/abc$/m""#, b"abc\nzzz"));
        // Inline (?m) changes what '$' means for the rest of the group.
        assert_eq!(tr("(?m)a$"), "(?-u)(?m)a$");
        assert_eq!(tr("(?m:a$)b$"), r"(?-u)(?m:a$)b(?:\n?\z)");
    }

    #[test]
    fn pcre_escapes_become_bytes() {
        assert_eq!(tr(r"\e\a\cA\0\012\o{101}"), r"(?-u)\x1B\x07\x01\x00\x0AA");
        assert_eq!(tr(r"\h\N"), r"(?-u)[\t\x20\xA0][^\n]");
        assert_eq!(tr(r"\v"), r"(?-u)[\n\x0B\x0C\r\x85]");
        assert_eq!(tr(r"\R"), r"(?-u)(?:\r\n|[\n\x0B\x0C\r\x85])");
        assert_eq!(tr(r"\Qa.b*\E+"), r"(?-u)a\.b\*+");
        assert_eq!(tr("é"), r"(?-u)\xC3\xA9");
        assert!(matches(r#""/\x{ff}\xfe/""#, &[0xff, 0xfe]));
        assert!(matches(r#""/caf\xe9/""#, b"caf\xe9"));
    }

    #[test]
    fn literal_braces() {
        assert_eq!(tr("a{"), r"(?-u)a\{");
        assert_eq!(tr("{foo}"), r"(?-u)\{foo\}");
        // PCRE2 before 10.43 (Debian 12's, which Suricata 7 uses): literal.
        assert_eq!(tr("x{,5}"), r"(?-u)x\{,5\}");
        assert_eq!(tr("x{2,}"), "(?-u)x{2,}");
        assert!(matches(r#""/^[^\x3c]{,100}\x27/""#, b"x{,100}'"));
    }

    #[test]
    fn classes_are_rebuilt() {
        assert_eq!(tr("[a-z0-9_]"), "(?-u)[a-z0-9_]");
        assert_eq!(tr("[]a]"), r"(?-u)[\]a]");
        assert_eq!(tr("[^]a]"), r"(?-u)[^\]a]");
        assert_eq!(tr("[a-]"), r"(?-u)[a\-]");
        assert_eq!(tr("[-a]"), r"(?-u)[\-a]");
        assert_eq!(tr("[[a]"), r"(?-u)[\[a]");
        assert_eq!(tr("[&&~~-]"), r"(?-u)[\&\&\~\~\-]");
        // As in PCRE, "~--" is a range, and out of order.
        assert_eq!(
            tr_err("[~--]"),
            "invalid pcre: range out of order in a character class"
        );
        assert_eq!(tr(r"[\x00-\x1f\x7f]"), r"(?-u)[\x00-\x1F\x7F]");
        assert_eq!(tr(r"[\d\s.]"), r"(?-u)[\d\s\.]");
        assert_eq!(tr(r"[\b\1]"), r"(?-u)[\x08\x01]");
        assert_eq!(tr("[[:alpha:][:^digit:]]"), "(?-u)[[:alpha:][:^digit:]]");
        assert_eq!(tr(r"[\h]"), r"(?-u)[\t\x20\xA0]");
        assert_eq!(tr(r"[^\H]"), r"(?-u)[^[^\t\x20\xA0]]");
        assert_eq!(tr(r"[\]\\]"), r"(?-u)[\]\\]");
        assert!(matches(r#""/^[&-]+$/""#, b"&-&"));
        assert!(matches(r#""/[[]x/""#, b"[x"));
        assert_eq!(
            tr_err("[z-a]"),
            "invalid pcre: range out of order in a character class"
        );
        assert_eq!(
            tr_err("[abc"),
            "invalid pcre: missing terminating ']' for a character class"
        );
    }

    #[test]
    fn extended_mode() {
        let x = PcreOptions {
            extended: true,
            ..PcreOptions::default()
        };
        assert_eq!(translate("a b # comment\n c", x).unwrap(), "(?-u)abc");
        // Whitespace inside a class is kept, escaped whitespace too.
        assert_eq!(translate(r"[ ] \ ", x).unwrap(), r"(?-u)[\x20]\x20");
        assert_eq!(tr("(?x) a b"), "(?-u)ab");
        assert_eq!(tr("(?x: a )b c"), r"(?-u)(?:a)b\x20c");
    }

    #[test]
    fn groups_and_inline_flags() {
        assert_eq!(tr("(?<name>a)(?'n2'b)(?P<n3>c)"), "(?-u)(a)(b)(c)");
        assert_eq!(tr("(?i)a(?-i:b)"), "(?-u)(?i)a(?-i:b)");
        assert_eq!(tr("(?#note)a"), "(?-u)a");
        assert_eq!(tr("(?J)a"), "(?-u)a");
        assert_eq!(tr_err("(a"), "invalid pcre: missing ')'");
        assert_eq!(tr_err("a)"), "invalid pcre: unmatched ')'");
        assert_eq!(tr_err("(?q)"), "invalid pcre: unknown inline flag 'q'");
    }

    #[test]
    fn unsupported_constructs_are_named() {
        let cases = [
            ("a(?=b)", "a lookahead assertion (?=...)"),
            ("a(?!b)", "a negative lookahead assertion (?!...)"),
            ("(?<=a)b", "a lookbehind assertion (?<=...)"),
            ("(?<!a)b", "a negative lookbehind assertion (?<!...)"),
            (r"(a)\1", "a backreference (such as \\1)"),
            (r"(a)\g{1}", "a backreference (\\g or \\k)"),
            (r"(?<n>a)\k<n>", "a backreference (\\g or \\k)"),
            ("(?P<n>a)(?P=n)", "a backreference (?P=name)"),
            ("(?>a+)b", "an atomic group (?>...)"),
            ("a++b", "a possessive quantifier (such as ++ or *+)"),
            ("a{2,3}+b", "a possessive quantifier (such as ++ or *+)"),
            (
                "(a|(?R))",
                "a recursive or subroutine call such as (?R) or (?1)",
            ),
            (
                "(a)(?1)",
                "a recursive or subroutine call such as (?R) or (?1)",
            ),
            ("(?(1)a|b)", "a conditional group (?(...)...)"),
            (
                "(*UTF)a",
                "a backtracking control verb such as (*FAIL) or (*UTF)",
            ),
            (r"\Ga", "\\G (anchor at the previous match end)"),
            (r"a\Kb", "\\K (reset of the match start)"),
            (r"\p{L}", "a Unicode property (\\p, \\P or \\X)"),
            ("(?|a)", "a branch reset group (?|...)"),
        ];
        for (p, construct) in cases {
            let e = translate(p, PcreOptions::default()).unwrap_err();
            assert!(e.is_unsupported(), "{p}");
            assert_eq!(e.keyword.as_deref(), Some("pcre"));
            assert_eq!(
                e.message,
                format!("pcre uses {construct}, which wardwatch's regex engine does not support"),
                "{p}"
            );
        }
    }

    #[test]
    fn invalid_patterns_fail() {
        assert_eq!(tr_err(r"\y"), "invalid pcre: unknown escape \\y");
        assert_eq!(
            tr_err(r"\x{100}"),
            "invalid pcre: character value in \\x{} above 0xFF"
        );
        assert_eq!(tr_err("a\\"), "invalid pcre: pattern ends with '\\'");
        let e = parse_pcre(r#""/a{3,2}/""#).unwrap_err();
        assert_eq!(e.kind, crate::rules::ProblemKind::Failed);
        assert!(
            e.message.starts_with("pcre does not compile: "),
            "{}",
            e.message
        );
        let e = parse_pcre(r#""/*a/""#).unwrap_err();
        assert!(
            e.message.starts_with("pcre does not compile: "),
            "{}",
            e.message
        );
    }

    #[test]
    fn value_and_flags() {
        let k = parse_pcre(r#"!"/a\;b/RiU""#).unwrap();
        assert!(k.pcre.negated && k.pcre.relative);
        assert_eq!(k.pcre.regex, "(?-u)(?i)a;b");
        assert_eq!(k.buffer, Some((BufferId::HttpUri, 'U')));
        let k = parse_pcre(r#""/a/AEBO""#).unwrap();
        assert!(k.pcre.anchored && k.pcre.dollar_endonly);
        assert_eq!(k.buffer, None);
        for (f, b) in [
            ('I', BufferId::HttpUriRaw),
            ('P', BufferId::HttpRequestBody),
            ('Q', BufferId::HttpResponseBody),
            ('H', BufferId::HttpHeader),
            ('D', BufferId::HttpHeaderRaw),
            ('M', BufferId::HttpMethod),
            ('C', BufferId::HttpCookie),
            ('S', BufferId::HttpStatCode),
            ('Y', BufferId::HttpStatMsg),
            ('V', BufferId::HttpUserAgent),
            ('W', BufferId::HttpHost),
            ('Z', BufferId::HttpHostRaw),
        ] {
            let k = parse_pcre(&format!("\"/a/{f}\"")).unwrap();
            assert_eq!(k.buffer, Some((b, f)));
        }
        let m = |v: &str| parse_pcre(v).unwrap_err().message;
        assert_eq!(m(r#""/a/q""#), "unknown pcre flag 'q'");
        assert_eq!(
            m(r#""/a/UH""#),
            "pcre flags 'U' and 'H' name two different buffers"
        );
        assert_eq!(
            m(r#""/a/UB""#),
            "pcre flag 'U' cannot be combined with 'B' (rawbytes)"
        );
        assert_eq!(m(r#""a/""#), "pcre must be written \"/pattern/flags\"");
        assert_eq!(m(r#""/a""#), "pcre has no closing '/' after the pattern");
        assert_eq!(m("/a/"), "pcre needs a value in double quotes");
    }

    #[test]
    fn semantics_match_pcre_on_bytes() {
        // Case folding and classes are ASCII; high bytes are bytes.
        assert!(matches(r#""/^\w+\s\d$/i""#, b"ABC 1"));
        assert!(!matches(r#""/^\w$/""#, b"\xe9"));
        assert!(matches(r#""/./s""#, b"\n"));
        assert!(!matches(r#""/./""#, b"\n"));
        assert!(matches(r#""/[^a]/""#, b"\xff"));
        assert!(matches(r#""/\bword\b/""#, b"a word."));
        assert!(matches(r#""/a.+?b/G""#, b"aXb"));
    }
}
