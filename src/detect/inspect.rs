//! Verification of one detection list (the options bound to one buffer) on
//! one buffer value: Suricata's content inspection, keyword by keyword.
//!
//! This is a port of the *semantics* of Suricata's
//! `DetectEngineContentInspection`, not of its code:
//!
//! - a list is a sequence of [`Op`]s evaluated in rule order against one
//!   buffer; relative keywords (`distance`, `within`, `relative`, PCRE `R`)
//!   refer to the end of the previous match (`prev`), which starts at the
//!   buffer start;
//! - **backtracking**: when the rest of the list fails after a content (or
//!   pcre) matched, and a later keyword depends on this match's position
//!   through `within` or a relative byte/pcre/isdataat keyword (Suricata's
//!   `WITHIN_NEXT`/`RELATIVE_NEXT`), the content is searched again from its
//!   previous match start + 1 and the rest retried. A later content with
//!   only `distance` does not cause a retry: its window only shrinks when the
//!   earlier match moves right, so nothing new can be found (Suricata's rule);
//! - **discontinue**: a failure that no retry of an earlier keyword can
//!   repair (an absolute content not found, an absolute negated content
//!   found, `bsize` false, ...) stops the whole list at once;
//! - a recursion budget ([`INSPECTION_RECURSION_LIMIT`], Suricata's
//!   `inspection-recursion-limit` default) bounds the work an attacker can
//!   cause with many near-matches; hitting it is a no-match and is counted.
//!
//! Positions are kept in *stream coordinates* (`i64`): a buffer value covers
//! `[base, base + len)`. For packet payloads and app-layer buffers `base` is
//! 0; for a TCP stream window it is the stream offset of the window's first
//! byte, so absolute `offset`/`depth`/`isdataat`/`byte_*` positions count
//! from the start of the stream, as Suricata's raw stream inspection does.
//! Bytes before `base` are gone: a search window is clipped to `base`, a read
//! before it fails.

use std::sync::Arc;

use memchr::memmem;
use regex::bytes::Regex;

use crate::rules::ir::{ByteOp, Cmp, MathOp, StringBase};

/// Variables (`byte_extract`/`byte_math` results) per list.
pub(crate) const MAX_VARS: usize = 16;

/// Keyword evaluations per list and buffer value before giving up (no
/// match). Suricata's default `detect.inspection-recursion-limit`.
pub(crate) const INSPECTION_RECURSION_LIMIT: u32 = 3000;

/// A number of a keyword: a literal or a variable slot of the list.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    /// Literal.
    Lit(i64),
    /// `byte_extract`/`byte_math` slot.
    Var(u8),
}

impl Val {
    fn is_var(self) -> bool {
        matches!(self, Val::Var(_))
    }
}

/// A compiled `content`.
#[derive(Debug)]
pub(crate) struct ContentOp {
    /// Pattern bytes; ASCII-lowercased when `nocase`.
    pub pattern: Box<[u8]>,
    /// ASCII case-insensitive.
    pub nocase: bool,
    /// `!`.
    pub negated: bool,
    /// `offset`.
    pub offset: Option<Val>,
    /// `depth` (relative to `offset` when absolute, to `prev` when relative).
    pub depth: Option<Val>,
    /// `distance`.
    pub distance: Option<Val>,
    /// `within`.
    pub within: Option<Val>,
    /// `startswith`.
    pub startswith: bool,
    /// `endswith`.
    pub endswith: bool,
    /// Has `distance` or `within`: the window starts at `prev`.
    pub relative: bool,
    /// A later keyword depends on this match through `within` or a relative
    /// non-content keyword: search the next occurrence when the rest fails.
    pub retry: bool,
    /// Neither relative nor using variables: the result cannot change when
    /// an earlier keyword is retried.
    pub independent: bool,
    /// Case-sensitive searcher.
    finder: Option<memmem::Finder<'static>>,
}

impl ContentOp {
    /// Builds a content op; `pattern` as written in the rule.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pattern: &[u8],
        nocase: bool,
        negated: bool,
        offset: Option<Val>,
        depth: Option<Val>,
        distance: Option<Val>,
        within: Option<Val>,
        startswith: bool,
        endswith: bool,
    ) -> Self {
        let relative = distance.is_some() || within.is_some();
        let uses_var = [offset, depth, distance, within]
            .iter()
            .flatten()
            .any(|v| v.is_var());
        let pattern: Box<[u8]> = if nocase {
            pattern.to_ascii_lowercase().into()
        } else {
            pattern.into()
        };
        let finder = (!nocase).then(|| memmem::Finder::new(&pattern[..]).into_owned());
        ContentOp {
            pattern,
            nocase,
            negated,
            offset,
            depth,
            distance,
            within,
            startswith,
            endswith,
            relative,
            retry: false,
            independent: !relative && !uses_var,
            finder,
        }
    }

    /// First occurrence at or after `hay[0]`, as an index into `hay`.
    fn find_in(&self, hay: &[u8]) -> Option<usize> {
        if let Some(f) = &self.finder {
            return f.find(hay);
        }
        find_nocase(hay, &self.pattern)
    }

    /// True when the pattern is at `hay[0..]`.
    fn is_at(&self, hay: &[u8]) -> bool {
        hay.len() >= self.pattern.len()
            && if self.nocase {
                hay[..self.pattern.len()].eq_ignore_ascii_case(&self.pattern)
            } else {
                hay[..self.pattern.len()] == self.pattern[..]
            }
    }
}

/// ASCII case-insensitive search of a lowercased `needle`. Bytes outside
/// ASCII compare only to themselves (0xC4 never equals 0xE4), as Suricata's
/// `nocase` does.
pub(crate) fn find_nocase(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    if hay.len() < needle.len() {
        return None;
    }
    let last_start = hay.len() - needle.len();
    let upper = first.to_ascii_uppercase();
    let mut from = 0;
    while from <= last_start {
        let window = &hay[from..=last_start];
        let hit = if upper != first {
            memchr::memchr2(first, upper, window)
        } else {
            memchr::memchr(first, window)
        }?;
        let pos = from + hit;
        if hay[pos + 1..pos + needle.len()].eq_ignore_ascii_case(rest) {
            return Some(pos);
        }
        from = pos + 1;
    }
    None
}

/// A compiled `pcre`.
#[derive(Debug)]
pub(crate) struct PcreOp {
    /// Shared, cached regex.
    pub regex: Arc<Regex>,
    /// `!`.
    pub negated: bool,
    /// `R`.
    pub relative: bool,
    /// `A`: the match must start where the search starts.
    pub anchored: bool,
    /// A later keyword is relative to this match: retry on failure.
    pub retry: bool,
}

/// How a `byte_*` keyword reads its number.
#[derive(Copy, Clone, Debug)]
pub(crate) struct ReadSpec {
    /// Bytes to read (binary 1-8, string 1-23; 0: see `Inspector::read`),
    /// or the variable holding the count.
    pub nbytes: Val,
    /// Little endian (binary only).
    pub little: bool,
    /// Text number instead of binary.
    pub string: Option<StringBase>,
    /// Applied after reading (`byte_test`, `byte_jump`, `byte_extract`) or
    /// after the operation (`byte_math`).
    pub bitmask: Option<u64>,
}

/// A compiled `byte_test`.
#[derive(Debug)]
pub(crate) struct ByteTestOp {
    pub read: ReadSpec,
    pub op: ByteOp,
    pub negated: bool,
    pub value: Val,
    pub offset: Val,
    pub relative: bool,
}

/// A compiled `byte_jump`.
#[derive(Debug)]
pub(crate) struct ByteJumpOp {
    pub read: ReadSpec,
    pub offset: Val,
    pub relative: bool,
    pub multiplier: u64,
    pub align: bool,
    pub from_beginning: bool,
    pub from_end: bool,
    pub post_offset: i64,
}

/// A compiled `byte_extract`.
#[derive(Debug)]
pub(crate) struct ByteExtractOp {
    pub read: ReadSpec,
    pub offset: i64,
    pub slot: u8,
    pub relative: bool,
    pub multiplier: u64,
    pub align: Option<u8>,
}

/// A compiled `byte_math`.
#[derive(Debug)]
pub(crate) struct ByteMathOp {
    pub read: ReadSpec,
    pub offset: i64,
    pub oper: MathOp,
    pub rvalue: Val,
    pub slot: u8,
    pub relative: bool,
}

/// One compiled keyword of a list.
#[derive(Debug)]
pub(crate) enum Op {
    Content(Box<ContentOp>),
    Pcre(PcreOp),
    IsDataAt {
        offset: Val,
        relative: bool,
        negated: bool,
    },
    ByteTest(ByteTestOp),
    ByteJump(ByteJumpOp),
    ByteExtract(ByteExtractOp),
    ByteMath(ByteMathOp),
    Bsize(Cmp),
}

impl Op {
    /// True for keywords whose position depends on the previous match.
    pub fn is_relative(&self) -> bool {
        match self {
            Op::Content(c) => c.relative,
            Op::Pcre(p) => p.relative,
            Op::IsDataAt { relative, .. } => *relative,
            Op::ByteTest(b) => b.relative,
            Op::ByteJump(b) => b.relative,
            Op::ByteExtract(b) => b.relative,
            Op::ByteMath(b) => b.relative,
            Op::Bsize(_) => false,
        }
    }
}

/// Marks each content/pcre that a later relative keyword depends on, the way
/// Suricata's keyword setup does: a relative keyword attaches to the closest
/// earlier content or pcre. A content gets `retry` unless every dependent is
/// a content with `distance` only.
pub(crate) fn link_relative(ops: &mut [Op]) {
    for j in 0..ops.len() {
        if !ops[j].is_relative() {
            continue;
        }
        let causes_retry = match &ops[j] {
            Op::Content(c) => c.within.is_some() || c.depth.is_some(),
            _ => true,
        };
        let Some(i) = (0..j)
            .rev()
            .find(|&i| matches!(ops[i], Op::Content(_) | Op::Pcre(_)))
        else {
            continue;
        };
        match &mut ops[i] {
            Op::Content(c) => c.retry |= causes_retry,
            // Suricata retries a pcre whenever anything relative follows.
            Op::Pcre(p) => p.retry = true,
            _ => {}
        }
    }
}

/// What a keyword evaluation says about the rest of the list.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Step {
    /// This and all later keywords matched.
    Match,
    /// No match here; an earlier keyword may retry.
    NoMatch,
    /// No match, and no retry can help: give up the list.
    Stop,
}

/// Result of one list evaluation.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ListResult {
    /// The list matched.
    pub matched: bool,
    /// The recursion budget ran out (counted as no match).
    pub limit_hit: bool,
}

/// Evaluates `ops` on one buffer value covering `[base, base + data.len())`.
pub(crate) fn inspect(ops: &[Op], data: &[u8], base: u64) -> ListResult {
    let base = i64::try_from(base).unwrap_or(i64::MAX / 2);
    let len = i64::try_from(data.len()).unwrap_or(i64::MAX / 2);
    let mut ins = Inspector {
        ops,
        data,
        base,
        end: base.saturating_add(len),
        vars: [0; MAX_VARS],
        steps: 0,
        limit_hit: false,
    };
    let matched = ins.step(0, 0) == Step::Match;
    ListResult {
        matched,
        limit_hit: ins.limit_hit,
    }
}

struct Inspector<'a> {
    ops: &'a [Op],
    data: &'a [u8],
    base: i64,
    end: i64,
    vars: [u64; MAX_VARS],
    steps: u32,
    limit_hit: bool,
}

impl<'a> Inspector<'a> {
    fn val(&self, v: Val) -> i64 {
        match v {
            Val::Lit(x) => x,
            // Suricata casts extracted u64 values to its 32-bit positions;
            // we keep 64 bits and let the window clipping bound them.
            Val::Var(s) => self.vars.get(usize::from(s)).copied().unwrap_or(0) as i64,
        }
    }

    fn raw(&self, v: Val) -> u64 {
        match v {
            Val::Lit(x) => x as u64,
            Val::Var(s) => self.vars.get(usize::from(s)).copied().unwrap_or(0),
        }
    }

    /// The buffer bytes at stream positions `[from, to)`, clipped.
    fn slice(&self, from: i64, to: i64) -> &'a [u8] {
        let lo = from.max(self.base).min(self.end) - self.base;
        let hi = to.max(self.base).min(self.end) - self.base;
        if hi <= lo {
            return &[];
        }
        &self.data[lo as usize..hi as usize]
    }

    fn step(&mut self, i: usize, prev: i64) -> Step {
        let ops = self.ops;
        let Some(op) = ops.get(i) else {
            return Step::Match;
        };
        self.steps += 1;
        if self.steps >= INSPECTION_RECURSION_LIMIT {
            self.limit_hit = true;
            return Step::Stop;
        }
        match op {
            Op::Content(c) => self.content(i, c, prev),
            Op::Pcre(p) => self.pcre(i, p, prev),
            &Op::IsDataAt {
                offset,
                relative,
                negated,
            } => self.isdataat(i, offset, relative, negated, prev),
            Op::ByteTest(b) => {
                let pos = if b.relative {
                    prev.saturating_add(self.val(b.offset))
                } else {
                    self.val(b.offset)
                };
                let Some((v, _)) = self.read(pos, &b.read) else {
                    return Step::NoMatch;
                };
                let v = apply_bitmask(v, b.read.bitmask);
                let value = self.raw(b.value);
                let hit = match b.op {
                    ByteOp::Lt => v < value,
                    ByteOp::Gt => v > value,
                    ByteOp::Eq => v == value,
                    ByteOp::Le => v <= value,
                    ByteOp::Ge => v >= value,
                    ByteOp::And => v & value != 0,
                    ByteOp::Xor => v ^ value != 0,
                };
                if hit != b.negated {
                    self.step(i + 1, prev)
                } else {
                    Step::NoMatch
                }
            }
            Op::ByteJump(b) => {
                let pos = if b.relative {
                    prev.saturating_add(self.val(b.offset))
                } else {
                    self.val(b.offset)
                };
                let Some((v, used)) = self.read(pos, &b.read) else {
                    return Step::NoMatch;
                };
                let mut v = apply_bitmask(v, b.read.bitmask).wrapping_mul(b.multiplier);
                if b.align && v % 4 != 0 {
                    v = v.wrapping_add(4 - v % 4);
                }
                let jump = (v as i64).wrapping_add(b.post_offset);
                let target = if b.from_beginning {
                    jump
                } else if b.from_end {
                    self.end.saturating_add(jump)
                } else {
                    pos.saturating_add(used as i64).saturating_add(jump)
                };
                // Suricata 7.0.3+ (redmine 4623/4624): before the buffer
                // start clamps to it; exactly the end is allowed (a later
                // relative keyword then sees no data), past it is no match.
                let target = target.max(0);
                if target > self.end {
                    return Step::NoMatch;
                }
                self.step(i + 1, target)
            }
            Op::ByteExtract(b) => {
                let pos = if b.relative {
                    prev.saturating_add(b.offset)
                } else {
                    b.offset
                };
                let Some((v, used)) = self.read(pos, &b.read) else {
                    return Step::NoMatch;
                };
                let mut v = apply_bitmask(v, b.read.bitmask).wrapping_mul(b.multiplier);
                if let Some(a) = b.align.map(u64::from).filter(|a| *a > 0 && v % *a != 0) {
                    v = v.wrapping_add(a - v % a);
                }
                if let Some(slot) = self.vars.get_mut(usize::from(b.slot)) {
                    *slot = v;
                }
                self.step(i + 1, pos.saturating_add(used as i64))
            }
            Op::ByteMath(b) => {
                let pos = if b.relative {
                    prev.saturating_add(b.offset)
                } else {
                    b.offset
                };
                let Some((v, used)) = self.read(pos, &b.read) else {
                    return Step::NoMatch;
                };
                let r = self.raw(b.rvalue);
                let v = match b.oper {
                    MathOp::Add => v.wrapping_add(r),
                    MathOp::Sub => v.wrapping_sub(r),
                    MathOp::Mul => v.wrapping_mul(r),
                    MathOp::Div => match v.checked_div(r) {
                        Some(q) => q,
                        None => return Step::NoMatch,
                    },
                    MathOp::Shl => u32::try_from(r)
                        .ok()
                        .and_then(|s| v.checked_shl(s))
                        .unwrap_or(0),
                    MathOp::Shr => u32::try_from(r)
                        .ok()
                        .and_then(|s| v.checked_shr(s))
                        .unwrap_or(0),
                };
                let v = apply_bitmask(v, b.read.bitmask);
                if let Some(slot) = self.vars.get_mut(usize::from(b.slot)) {
                    *slot = v;
                }
                self.step(i + 1, pos.saturating_add(used as i64))
            }
            Op::Bsize(cmp) => {
                // Suricata compares the whole buffer (stream offset + window).
                if cmp.test(self.end.max(0) as u64) {
                    self.step(i + 1, prev)
                } else {
                    Step::Stop
                }
            }
        }
    }

    fn content(&mut self, i: usize, c: &ContentOp, prev: i64) -> Step {
        let len = c.pattern.len() as i64;
        let mut retry_from: Option<i64> = None;
        loop {
            let (mut start, mut end);
            if c.relative {
                let d = c.distance.map_or(0, |v| self.val(v));
                start = prev.saturating_add(d).max(0);
                end = self.end;
                if let Some(w) = c.within {
                    end = end.min(prev.saturating_add(d).saturating_add(self.val(w)));
                }
                if let Some(dp) = c.depth {
                    end = end.min(prev.saturating_add(self.val(dp)));
                }
                if let Some(o) = c.offset {
                    start = start.max(self.val(o));
                }
            } else {
                start = c.offset.map_or(0, |v| self.val(v)).max(0);
                end = match c.depth {
                    Some(dp) => start.saturating_add(self.val(dp)),
                    None => self.end,
                };
            }
            if c.startswith {
                end = end.min(start.saturating_add(len));
            }
            if let Some(r) = retry_from {
                start = start.max(r);
            }
            let end = end.min(self.end);
            let lo = start.max(self.base);
            let found = if end <= 0 || lo > end || end - lo < len {
                None
            } else if c.endswith {
                // Only an occurrence ending at the buffer end counts, and
                // only when the window reaches it.
                let pos = self.end - len;
                (end == self.end && pos >= lo && c.is_at(self.slice(pos, self.end))).then_some(pos)
            } else {
                c.find_in(self.slice(lo, end)).map(|p| lo + p as i64)
            };
            match found {
                None => {
                    return if c.negated {
                        self.step(i + 1, prev)
                    } else if c.independent {
                        Step::Stop
                    } else {
                        Step::NoMatch
                    };
                }
                Some(pos) => {
                    if c.negated {
                        return if c.independent {
                            Step::Stop
                        } else {
                            Step::NoMatch
                        };
                    }
                    if i + 1 == self.ops.len() {
                        return Step::Match;
                    }
                    match self.step(i + 1, pos + len) {
                        Step::Match => return Step::Match,
                        Step::Stop => return Step::Stop,
                        Step::NoMatch if !c.retry => return Step::Stop,
                        Step::NoMatch => {}
                    }
                    retry_from = Some(pos + 1);
                }
            }
        }
    }

    fn pcre(&mut self, i: usize, p: &PcreOp, prev: i64) -> Step {
        let subject_start = if p.relative {
            prev.max(self.base).min(self.end)
        } else {
            self.base
        };
        let subject = self.slice(subject_start, self.end);
        let mut at = 0usize;
        loop {
            let m = if at > subject.len() {
                None
            } else {
                p.regex
                    .find_at(subject, at)
                    .filter(|m| !p.anchored || m.start() == at)
            };
            match m {
                None => {
                    return if p.negated {
                        self.step(i + 1, prev)
                    } else {
                        Step::NoMatch
                    };
                }
                Some(m) => {
                    if p.negated {
                        return Step::NoMatch;
                    }
                    let mend = subject_start + m.end() as i64;
                    if !p.retry {
                        return self.step(i + 1, mend);
                    }
                    match self.step(i + 1, mend) {
                        Step::NoMatch => at = m.start() + 1,
                        other => return other,
                    }
                }
            }
        }
    }

    fn isdataat(
        &mut self,
        i: usize,
        offset: Val,
        relative: bool,
        negated: bool,
        prev: i64,
    ) -> Step {
        let is_var = offset.is_var();
        let fail = if is_var { Step::NoMatch } else { Step::Stop };
        if is_var && self.raw(offset) >= 100_000_000 {
            // Suricata: an absurd extracted position never has data.
            return if negated {
                self.step(i + 1, prev)
            } else {
                Step::NoMatch
            };
        }
        let n = self.val(offset);
        // Suricata's asymmetry, kept: relative `isdataat:N` asks for N bytes
        // after `prev`; absolute `isdataat:N` asks for a byte at index N.
        let has_data = if relative {
            prev.saturating_add(n) <= self.end
        } else {
            n < self.end
        };
        match (has_data, negated) {
            (true, false) | (false, true) => self.step(i + 1, prev),
            (true, true) => {
                if relative {
                    Step::NoMatch
                } else {
                    fail
                }
            }
            (false, false) => fail,
        }
    }

    /// Reads a number at stream position `pos`: `(value, bytes consumed)`.
    fn read(&self, pos: i64, spec: &ReadSpec) -> Option<(u64, usize)> {
        // A count from a variable is checked here, as Suricata does at
        // match time: more than can be read is no match.
        let n = self.val(spec.nbytes);
        if n < 0 || n > if spec.string.is_some() { 23 } else { 8 } {
            return None;
        }
        if self.data.is_empty() || pos < self.base {
            return None;
        }
        if n == 0 {
            return match spec.string {
                // `byte_test:0,...,string`: Suricata hands the bytes to
                // `strtoull` unbounded, so all the digits there are count;
                // here they stop at the end of the buffer.
                Some(b) if pos < self.end => parse_string_number(self.slice(pos, self.end), b),
                Some(_) => None,
                // `byte_jump:0,...`: a jump by `post_offset` alone. Suricata
                // (redmine 4623) skips its "data left" check when no bytes
                // are read, so the base may be at or past the end; only
                // the jump target is checked.
                None => Some((0, 0)),
            };
        }
        if pos.saturating_add(n) > self.end {
            return None;
        }
        let bytes = self.slice(pos, pos + n);
        match spec.string {
            Some(b) => parse_string_number(bytes, b),
            None => {
                if bytes.len() > 8 {
                    return None;
                }
                let v = if spec.little {
                    bytes
                        .iter()
                        .rev()
                        .fold(0u64, |a, &b| (a << 8) | u64::from(b))
                } else {
                    bytes.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b))
                };
                Some((v, bytes.len()))
            }
        }
    }
}

/// `bitmask`: AND, then shift right by the mask's trailing zeros (when the
/// result is not zero), as Suricata does.
fn apply_bitmask(v: u64, mask: Option<u64>) -> u64 {
    match mask {
        Some(m) if m != 0 => {
            let v = v & m;
            if v != 0 { v >> m.trailing_zeros() } else { v }
        }
        Some(_) => 0,
        None => v,
    }
}

/// `strtoull` on the `nbytes` read, as Suricata's `ByteExtractString`:
/// leading white space, an optional sign (`-` wraps), `0x` for hex, digits
/// up to the first non-digit. No digits or overflow is a failure. Returns the
/// value and the bytes consumed (up to the last digit).
pub(crate) fn parse_string_number(bytes: &[u8], base: StringBase) -> Option<(u64, usize)> {
    let radix: u64 = match base {
        StringBase::Hex => 16,
        StringBase::Dec => 10,
        StringBase::Oct => 8,
    };
    // The bytes are copied into a NUL-terminated buffer: a NUL ends them.
    let bytes = match memchr::memchr(0, bytes) {
        Some(z) => &bytes[..z],
        None => bytes,
    };
    let mut i = 0;
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        neg = bytes[i] == b'-';
        i += 1;
    }
    if radix == 16
        && i + 2 < bytes.len() + 1
        && bytes.get(i) == Some(&b'0')
        && matches!(bytes.get(i + 1), Some(b'x') | Some(b'X'))
        && bytes.get(i + 2).is_some_and(|b| b.is_ascii_hexdigit())
    {
        i += 2;
    }
    let digits_start = i;
    let mut v: u64 = 0;
    while let Some(&b) = bytes.get(i) {
        let d = match b {
            b'0'..=b'9' => u64::from(b - b'0'),
            b'a'..=b'f' => u64::from(b - b'a' + 10),
            b'A'..=b'F' => u64::from(b - b'A' + 10),
            _ => break,
        };
        if d >= radix {
            break;
        }
        v = v.checked_mul(radix)?.checked_add(d)?;
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    Some((if neg { v.wrapping_neg() } else { v }, i))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::rules::ir::StringBase;

    fn c(p: &[u8]) -> Box<ContentOp> {
        Box::new(ContentOp::new(
            p, false, false, None, None, None, None, false, false,
        ))
    }

    #[test]
    fn nocase_search_folds_ascii_only() {
        assert_eq!(find_nocase(b"xxHeLLo", b"hello"), Some(2));
        assert_eq!(find_nocase(b"\xc4b", b"\xe4b"), None);
        assert_eq!(find_nocase(b"\xe4B", b"\xe4b"), Some(0));
        assert_eq!(find_nocase(b"ab", b"abc"), None);
        assert_eq!(find_nocase(b"aab", b"ab"), Some(1));
        assert_eq!(find_nocase(b"", b"a"), None);
    }

    #[test]
    fn string_numbers_follow_strtoull() {
        assert_eq!(parse_string_number(b"123", StringBase::Dec), Some((123, 3)));
        assert_eq!(parse_string_number(b" 12x", StringBase::Dec), Some((12, 3)));
        assert_eq!(parse_string_number(b"0x1f", StringBase::Hex), Some((31, 4)));
        assert_eq!(parse_string_number(b"1F", StringBase::Hex), Some((31, 2)));
        assert_eq!(parse_string_number(b"17", StringBase::Oct), Some((15, 2)));
        assert_eq!(parse_string_number(b"18", StringBase::Oct), Some((1, 1)));
        assert_eq!(parse_string_number(b"abc", StringBase::Dec), None);
        assert_eq!(parse_string_number(b"", StringBase::Dec), None);
        assert_eq!(
            parse_string_number(b"1\x002", StringBase::Dec),
            Some((1, 1))
        );
        assert_eq!(
            parse_string_number(b"-1", StringBase::Dec),
            Some((u64::MAX, 2))
        );
        assert_eq!(
            parse_string_number(b"99999999999999999999999", StringBase::Dec),
            None
        );
    }

    #[test]
    fn bitmask_shifts_by_trailing_zeros() {
        assert_eq!(apply_bitmask(0xabcd, Some(0x0ff0)), 0xbc);
        assert_eq!(apply_bitmask(0xabcd, None), 0xabcd);
        assert_eq!(apply_bitmask(0x000f, Some(0x00f0)), 0);
    }

    #[test]
    fn retry_links_follow_suricata() {
        let mut ops = vec![
            Op::Content(c(b"a")),
            Op::Content(Box::new(ContentOp::new(
                b"b",
                false,
                false,
                None,
                None,
                Some(Val::Lit(0)),
                None,
                false,
                false,
            ))),
        ];
        link_relative(&mut ops);
        let Op::Content(first) = &ops[0] else {
            panic!("content expected")
        };
        assert!(!first.retry, "distance-only does not cause a retry");
        let mut ops = vec![
            Op::Content(c(b"a")),
            Op::Content(Box::new(ContentOp::new(
                b"b",
                false,
                false,
                None,
                None,
                Some(Val::Lit(0)),
                Some(Val::Lit(1)),
                false,
                false,
            ))),
        ];
        link_relative(&mut ops);
        let Op::Content(first) = &ops[0] else {
            panic!("content expected")
        };
        assert!(first.retry, "within causes a retry");
    }
}
