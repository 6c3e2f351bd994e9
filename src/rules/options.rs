//! Rule options → IR, keyword by keyword, with Suricata's rules for content
//! modifiers and buffers.
//!
//! The rules this file enforces, as Suricata does:
//!
//! - A content goes to the current *sticky buffer* (`http.uri; content:..`),
//!   or to the payload. `pkt_data` returns to the payload.
//! - A *legacy modifier* (`content:"x"; http_uri;`) moves the last payload
//!   content into its buffer; it is an error while a sticky buffer is set.
//! - Content modifiers (`nocase`, `depth`, `distance`, ...) apply to the
//!   last content — while a sticky buffer is set, the last content *of that
//!   buffer*, so a modifier right after a buffer switch has nothing to apply
//!   to and the rule fails. Relative modifiers on the first content of a
//!   buffer are relative to the buffer start.
//! - Absolute (`offset`, `depth`, `startswith`) and relative (`distance`,
//!   `within`) positions do not mix on one content; `depth` and `within` may
//!   not be shorter than the pattern; each modifier once per content.
//! - Relative `isdataat`/`byte_*` without a sticky buffer go to the buffer
//!   of the previous content or pcre.
//! - Variables of `byte_extract`/`byte_math` must be defined before use.

use super::RuleProblem;
use super::classification::{ClassType, Classifications};
use super::ir::{
    BufferId, ByteExtract, ByteJump, ByteMath, ByteOp, ByteTest, Cmp, Content, DetectionFilter,
    Endian, FastPattern, FlagsModifier, FlowMatch, Flowbits, Flowint, FlowintCmp, HeaderCheck,
    Match, MatchList, MathOp, Num, StreamSide, StringBase, Target, Threshold, ThresholdKind, Track,
    Transform,
};
use super::keywords::{
    SURICATA_APP_PROTOS, buffer_app_proto, buffer_name, ip_proto_number, is_suricata_keyword,
    legacy_modifier, sticky_buffer,
};
use super::lexer::{
    RawOption, comma_list, decode_content, optional_quotes, quoted_inner, strip_negation,
    unescape_text,
};
use super::pcre::{PcreOptions, parse_pcre, translate};

type Res<T> = Result<T, RuleProblem>;

fn fail(kw: &str, msg: impl Into<String>) -> RuleProblem {
    RuleProblem::failed(Some(kw), msg)
}

/// Longest content pattern Suricata accepts.
const MAX_CONTENT_LEN: usize = 65_535;

/// Everything the options of a rule produce.
#[derive(Debug, Default)]
pub(crate) struct RuleOptions {
    pub msg: String,
    pub sid: u32,
    pub gid: u32,
    pub rev: u32,
    pub classtype: Option<String>,
    pub category: String,
    pub priority: u8,
    pub metadata: Vec<(String, String)>,
    pub references: Vec<String>,
    pub target: Option<Target>,
    pub lists: Vec<MatchList>,
    pub flow: Option<FlowMatch>,
    pub flowbits: Vec<Flowbits>,
    pub flowints: Vec<Flowint>,
    pub header: Vec<HeaderCheck>,
    pub threshold: Option<Threshold>,
    pub detection_filter: Option<DetectionFilter>,
    pub noalert: bool,
    pub app_layer_protocol: Option<(String, bool)>,
}

/// Which list an option goes to: a buffer and the transforms applied to it
/// (an index into [`OptionsBuilder::xforms`]; 0 is none).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct ListKey {
    buffer: BufferId,
    xf: usize,
}

impl ListKey {
    /// The buffer without transforms.
    fn plain(buffer: BufferId) -> Self {
        ListKey { buffer, xf: 0 }
    }
}

/// Most transforms on one buffer (Suricata's `DETECT_TRANSFORMS_MAX`).
const MAX_TRANSFORMS: usize = 16;

struct ListBuild {
    key: ListKey,
    /// Items with a rule-wide id, so a content can be found after a legacy
    /// modifier moved it.
    items: Vec<(u32, Match)>,
}

/// Builds [`RuleOptions`] from the options in rule order.
pub(crate) struct OptionsBuilder<'a> {
    classes: &'a Classifications,
    /// The application protocol of the rule header, if any.
    header_app: Option<String>,
    out: RuleOptions,
    msg: Option<String>,
    sid: Option<u32>,
    gid: Option<u32>,
    rev: Option<u32>,
    class: Option<ClassType>,
    priority: Option<u8>,
    lists: Vec<ListBuild>,
    next_id: u32,
    /// The sticky buffer in effect (with its transforms so far) and the
    /// keyword that set it.
    sticky: Option<(ListKey, String)>,
    /// Whether a match was added since the sticky buffer was set.
    sticky_has_match: bool,
    last_content: Option<u32>,
    last_match: Option<u32>,
    byte_vars: Vec<String>,
    fast_pattern_set: bool,
    /// Application protocol implied by a keyword, and that keyword.
    app: Option<(&'static str, String)>,
    /// `file_data`/`file.data` was used.
    file_data: bool,
    dsize_set: bool,
    /// Transform chains used by [`ListKey`]s; `xforms[0]` is empty.
    xforms: Vec<Vec<Transform>>,
}

impl<'a> OptionsBuilder<'a> {
    pub(crate) fn new(classes: &'a Classifications, header_app: Option<String>) -> Self {
        OptionsBuilder {
            classes,
            header_app,
            out: RuleOptions::default(),
            msg: None,
            sid: None,
            gid: None,
            rev: None,
            class: None,
            priority: None,
            lists: Vec::new(),
            next_id: 0,
            sticky: None,
            sticky_has_match: false,
            last_content: None,
            last_match: None,
            byte_vars: Vec::new(),
            fast_pattern_set: false,
            app: None,
            file_data: false,
            dsize_set: false,
            xforms: vec![Vec::new()],
        }
    }

    /// Applies one option.
    pub(crate) fn apply(&mut self, opt: RawOption<'_>) -> Res<()> {
        let lower = opt.name.to_ascii_lowercase();
        let kw = lower.as_str();
        let v = opt.value;
        match kw {
            "msg" => {
                let v = need(kw, v)?;
                once(kw, self.msg.is_some())?;
                let inner = optional_quotes(kw, v).map_err(|m| fail(kw, m))?;
                self.msg = Some(unescape_text(inner));
            }
            "sid" => {
                once(kw, self.sid.is_some())?;
                let n = parse_u32(kw, need(kw, v)?)?;
                if n == 0 {
                    return Err(fail(kw, "sid 0 is not allowed"));
                }
                self.sid = Some(n);
            }
            "gid" => {
                once(kw, self.gid.is_some())?;
                self.gid = Some(parse_u32(kw, need(kw, v)?)?);
            }
            "rev" => {
                once(kw, self.rev.is_some())?;
                self.rev = Some(parse_u32(kw, need(kw, v)?)?);
            }
            "classtype" => self.classtype(need(kw, v)?)?,
            "priority" => {
                once(kw, self.priority.is_some())?;
                let s = need(kw, v)?;
                let n = parse_u32(kw, s)?;
                let p = u8::try_from(n)
                    .ok()
                    .filter(|&p| p >= 1)
                    .ok_or_else(|| fail(kw, format!("invalid priority {n} (expected 1-255)")))?;
                self.priority = Some(p);
            }
            "reference" => {
                let s = need(kw, v)?;
                let s = unescape_text(optional_quotes(kw, s).map_err(|m| fail(kw, m))?);
                let Some((ty, id)) = s.split_once(',') else {
                    return Err(fail(kw, format!("reference \"{s}\" is not type,id")));
                };
                let (ty, id) = (ty.trim(), id.trim());
                if ty.is_empty() || id.is_empty() {
                    return Err(fail(kw, format!("reference \"{s}\" is not type,id")));
                }
                self.out.references.push(format!("{ty},{id}"));
            }
            "metadata" => {
                for entry in comma_list(need(kw, v)?) {
                    if entry.is_empty() {
                        continue;
                    }
                    let (k, val) = match entry.split_once(char::is_whitespace) {
                        Some((k, val)) => (k, val.trim()),
                        None => (entry, ""),
                    };
                    self.out.metadata.push((k.to_owned(), val.to_owned()));
                }
            }
            "target" => {
                once(kw, self.out.target.is_some())?;
                self.out.target = Some(match need(kw, v)? {
                    "src_ip" => Target::Source,
                    "dest_ip" => Target::Destination,
                    other => {
                        return Err(fail(
                            kw,
                            format!("invalid target \"{other}\" (expected src_ip or dest_ip)"),
                        ));
                    }
                });
            }
            "content" => self.content(need(kw, v)?)?,
            "uricontent" => {
                self.content(need(kw, v)?)?;
                self.legacy(kw, BufferId::HttpUri)?;
            }
            "nocase" => {
                no_value(kw, v)?;
                let c = self.modifier_target(kw)?;
                if c.nocase {
                    return Err(fail(kw, "nocase is given twice for the same content"));
                }
                c.nocase = true;
            }
            "rawbytes" => {
                no_value(kw, v)?;
                if let Some((_, name)) = &self.sticky {
                    return Err(fail(
                        kw,
                        format!("rawbytes cannot be used with the sticky buffer {name}"),
                    ));
                }
                let c = self.modifier_target(kw)?;
                if c.rawbytes {
                    return Err(fail(kw, "rawbytes is given twice for the same content"));
                }
                c.rawbytes = true;
            }
            "depth" | "offset" | "distance" | "within" => self.position(kw, need(kw, v)?)?,
            "startswith" => {
                no_value(kw, v)?;
                let c = self.modifier_target(kw)?;
                if c.startswith {
                    return Err(fail(kw, "startswith is given twice for the same content"));
                }
                if c.depth.is_some() || c.offset.is_some() {
                    return Err(fail(
                        kw,
                        "startswith cannot be combined with depth or offset",
                    ));
                }
                if c.distance.is_some() || c.within.is_some() {
                    return Err(fail(
                        kw,
                        "startswith cannot be combined with distance or within",
                    ));
                }
                c.startswith = true;
            }
            "endswith" => {
                no_value(kw, v)?;
                let c = self.modifier_target(kw)?;
                if c.endswith {
                    return Err(fail(kw, "endswith is given twice for the same content"));
                }
                c.endswith = true;
            }
            "fast_pattern" => self.fast_pattern(v)?,
            "isdataat" => self.isdataat(need(kw, v)?)?,
            "pcre" => self.pcre(need(kw, v)?)?,
            "bsize" => {
                let s = need(kw, v)?;
                let Some((b, _)) = self.sticky.clone() else {
                    return Err(fail(
                        kw,
                        "bsize needs a sticky buffer (such as http.uri) before it",
                    ));
                };
                let cmp = parse_cmp(kw, s, u64::MAX)?;
                self.push(b, Match::Bsize(cmp));
            }
            "dsize" => {
                once(kw, self.dsize_set)?;
                self.dsize_set = true;
                let cmp = parse_cmp(kw, need(kw, v)?, u64::from(u16::MAX))?;
                self.out.header.push(HeaderCheck::Dsize(cmp));
            }
            "urilen" => self.urilen(need(kw, v)?)?,
            "byte_test" => self.byte_test(need(kw, v)?)?,
            "byte_jump" => self.byte_jump(need(kw, v)?)?,
            "byte_extract" => self.byte_extract(need(kw, v)?)?,
            "byte_math" => self.byte_math(need(kw, v)?)?,
            "flow" => self.flow(need(kw, v)?)?,
            "flowbits" => self.flowbits(need(kw, v)?)?,
            "flowint" => self.flowint(need(kw, v)?)?,
            "stream_size" => self.stream_size(need(kw, v)?)?,
            "flags" | "tcp.flags" => self.flags(need(kw, v)?)?,
            "fragbits" => self.fragbits(need(kw, v)?)?,
            "ttl" => {
                let c = parse_cmp(kw, need(kw, v)?, 255)?;
                self.out.header.push(HeaderCheck::Ttl(c));
            }
            "itype" => {
                let c = parse_cmp(kw, need(kw, v)?, 255)?;
                self.out.header.push(HeaderCheck::Itype(c));
            }
            "icode" => {
                let c = parse_cmp(kw, need(kw, v)?, 255)?;
                self.out.header.push(HeaderCheck::Icode(c));
            }
            "icmp_id" => {
                let n = parse_small::<u16>(kw, need(kw, v)?)?;
                self.out.header.push(HeaderCheck::IcmpId(n));
            }
            "icmp_seq" => {
                let n = parse_small::<u16>(kw, need(kw, v)?)?;
                self.out.header.push(HeaderCheck::IcmpSeq(n));
            }
            "id" => {
                let n = parse_small::<u16>(kw, need(kw, v)?)?;
                self.out.header.push(HeaderCheck::Id(n));
            }
            "seq" => {
                let n = parse_small::<u32>(kw, need(kw, v)?)?;
                self.out.header.push(HeaderCheck::Seq(n));
            }
            "ack" => {
                let n = parse_small::<u32>(kw, need(kw, v)?)?;
                self.out.header.push(HeaderCheck::Ack(n));
            }
            "window" => {
                let (negated, s) = strip_negation(need(kw, v)?);
                let value = parse_small::<u16>(kw, s)?;
                self.out.header.push(HeaderCheck::Window { value, negated });
            }
            "ip_proto" => self.ip_proto(need(kw, v)?)?,
            "sameip" => {
                no_value(kw, v)?;
                self.out.header.push(HeaderCheck::SameIp);
            }
            "threshold" => {
                once(kw, self.out.threshold.is_some())?;
                if self.out.detection_filter.is_some() {
                    return Err(fail(
                        kw,
                        "threshold and detection_filter cannot be used in one rule",
                    ));
                }
                self.out.threshold = Some(parse_threshold(kw, need(kw, v)?)?);
            }
            "detection_filter" => {
                once(kw, self.out.detection_filter.is_some())?;
                if self.out.threshold.is_some() {
                    return Err(fail(
                        kw,
                        "threshold and detection_filter cannot be used in one rule",
                    ));
                }
                self.out.detection_filter = Some(parse_detection_filter(kw, need(kw, v)?)?);
            }
            "noalert" => {
                no_value(kw, v)?;
                self.out.noalert = true;
            }
            "app-layer-protocol" => self.app_layer_protocol(need(kw, v)?)?,
            // A performance hint (use this keyword for prefiltering): it does
            // not change what matches.
            "prefilter" => no_value(kw, v)?,
            "pkt_data" => {
                no_value(kw, v)?;
                self.end_sticky()?;
                self.sticky = None;
            }
            "strip_whitespace"
            | "compress_whitespace"
            | "to_lowercase"
            | "to_uppercase"
            | "url_decode"
            | "dotprefix"
            | "to_md5"
            | "to_sha1"
            | "to_sha256"
            | "header_lowercase"
            | "strip_pseudo_headers" => {
                no_value(kw, v)?;
                let t = match kw {
                    "strip_whitespace" => Transform::StripWhitespace,
                    "compress_whitespace" => Transform::CompressWhitespace,
                    "to_lowercase" => Transform::ToLowercase,
                    "to_uppercase" => Transform::ToUppercase,
                    "url_decode" => Transform::UrlDecode,
                    "dotprefix" => Transform::DotPrefix,
                    "to_md5" => Transform::ToMd5,
                    "to_sha1" => Transform::ToSha1,
                    "to_sha256" => Transform::ToSha256,
                    "header_lowercase" => Transform::HeaderLowercase,
                    _ => Transform::StripPseudoHeaders,
                };
                self.transform(kw, t)?;
            }
            "xor" => {
                let key = parse_xor_key(need(kw, v)?)?;
                self.transform(kw, Transform::Xor(key))?;
            }
            "pcrexform" => {
                let re = parse_pcrexform(need(kw, v)?)?;
                self.transform(kw, Transform::PcreXform(re))?;
            }
            // The old forms with a value: a prefix match on the version
            // string (Suricata compares the first strlen(value) bytes).
            "ssh.softwareversion" | "ssh.protoversion" if v.is_some() => {
                self.ssh_version(kw, v.unwrap_or_default())?;
            }
            _ => {
                if let Some(b) = sticky_buffer(kw) {
                    no_value(kw, v)?;
                    self.set_sticky(kw, b)?;
                } else if let Some(b) = legacy_modifier(kw) {
                    no_value(kw, v)?;
                    self.legacy(kw, b)?;
                } else if is_suricata_keyword(kw) {
                    return Err(RuleProblem::unsupported(
                        kw,
                        format!("keyword \"{kw}\" is not supported yet"),
                    ));
                } else {
                    return Err(RuleProblem::unsupported(
                        kw,
                        format!("unknown keyword \"{}\"", opt.name),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks what can only be checked at the end and returns the options.
    pub(crate) fn finish(mut self) -> Res<RuleOptions> {
        self.end_sticky()?;
        let sid = self
            .sid
            .ok_or_else(|| RuleProblem::failed(Some("sid"), "rule has no sid"))?;
        if self.file_data
            && self
                .out
                .flow
                .as_ref()
                .is_some_and(|f| f.to_server == Some(true))
        {
            return Err(RuleProblem::unsupported(
                "file_data",
                "file_data in the to_server direction (HTTP uploads) is not supported yet",
            ));
        }
        for l in &self.lists {
            validate_list(l, self.out.header.iter())?;
        }
        let mut out = self.out;
        out.msg = self.msg.unwrap_or_default();
        out.sid = sid;
        out.gid = self.gid.unwrap_or(1);
        out.rev = self.rev.unwrap_or(0);
        out.priority = self
            .priority
            .or(self.class.as_ref().map(|c| c.priority))
            .unwrap_or(3);
        if let Some(c) = self.class {
            out.category = c.description;
            out.classtype = Some(c.name);
        }
        if out.flowbits.contains(&Flowbits::NoAlert) {
            out.noalert = true;
        }
        let xforms = self.xforms;
        out.lists = self
            .lists
            .into_iter()
            .map(|l| MatchList {
                buffer: l.key.buffer,
                transforms: xforms.get(l.key.xf).cloned().unwrap_or_default(),
                items: l.items.into_iter().map(|(_, m)| m).collect(),
            })
            .collect();
        Ok(out)
    }

    // --- buffers -----------------------------------------------------------

    fn list_index(&mut self, b: ListKey) -> usize {
        if let Some(i) = self.lists.iter().position(|l| l.key == b) {
            return i;
        }
        self.lists.push(ListBuild {
            key: b,
            items: Vec::new(),
        });
        self.lists.len() - 1
    }

    /// Appends a match to list `b` and returns its id.
    fn push(&mut self, b: ListKey, m: Match) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        let is_content = matches!(m, Match::Content(_));
        let is_match = is_content || matches!(m, Match::Pcre(_));
        let i = self.list_index(b);
        self.lists[i].items.push((id, m));
        if is_content {
            self.last_content = Some(id);
        }
        if is_match {
            self.last_match = Some(id);
        }
        if self.sticky.as_ref().is_some_and(|(s, _)| *s == b) {
            self.sticky_has_match = true;
        }
        id
    }

    fn locate(&self, id: u32) -> Option<(usize, usize)> {
        self.lists.iter().enumerate().find_map(|(li, l)| {
            l.items
                .iter()
                .position(|(i, _)| *i == id)
                .map(|ii| (li, ii))
        })
    }

    fn buffer_of(&self, id: u32) -> Option<ListKey> {
        self.locate(id).map(|(li, _)| self.lists[li].key)
    }

    fn content_mut(&mut self, id: u32) -> Option<&mut Content> {
        let (li, ii) = self.locate(id)?;
        match &mut self.lists[li].items[ii].1 {
            Match::Content(c) => Some(c),
            _ => None,
        }
    }

    /// Records that an app-layer buffer (or keyword) needs `proto`.
    fn require_app(&mut self, proto: &'static str, why: &str) -> Res<()> {
        if !super::supported_app_proto(proto) {
            return Err(RuleProblem::unsupported(
                why,
                format!("{why} needs the {proto} parser, which is not available yet"),
            ));
        }
        if let Some(h) = &self.header_app {
            if h != proto {
                return Err(fail(
                    why,
                    format!("{why} is a {proto} keyword but the rule's protocol is {h}"),
                ));
            }
        }
        match &self.app {
            Some((p, w)) if *p != proto => Err(fail(
                why,
                format!("{why} ({proto}) and {w} ({p}) need different application protocols"),
            )),
            Some(_) => Ok(()),
            None => {
                self.app = Some((proto, why.to_owned()));
                Ok(())
            }
        }
    }

    /// Suricata refuses a rule whose last sticky buffer has no match after it.
    fn end_sticky(&mut self) -> Res<()> {
        if let Some((_, name)) = &self.sticky {
            if !self.sticky_has_match {
                return Err(fail(
                    name,
                    format!("sticky buffer {name} is not followed by a content or other match"),
                ));
            }
        }
        Ok(())
    }

    fn set_sticky(&mut self, kw: &str, b: BufferId) -> Res<()> {
        // file_data is the file of any file-carrying protocol in Suricata;
        // wardwatch extracts files from HTTP bodies only so far.
        if matches!(kw, "file_data" | "file.data") {
            // The protocols Suricata extracts files from.
            let carries_files =
                |h: &&str| matches!(*h, "smtp" | "smb" | "ftp" | "ftp-data" | "nfs" | "http2");
            if let Some(h) = self.header_app.as_deref().filter(carries_files) {
                return Err(RuleProblem::unsupported(
                    kw,
                    format!(
                        "{kw} on {h} needs file extraction from {h}, which is not available yet"
                    ),
                ));
            }
        }
        if let Some(p) = buffer_app_proto(b) {
            self.require_app(p, kw)?;
        }
        if kw == "file_data" || kw == "file.data" {
            self.file_data = true;
        }
        self.sticky = Some((ListKey::plain(b), kw.to_owned()));
        self.sticky_has_match = false;
        Ok(())
    }

    /// `content:"x"; http_uri;`: moves the last payload content.
    fn legacy(&mut self, kw: &str, b: BufferId) -> Res<()> {
        if let Some((_, name)) = &self.sticky {
            return Err(fail(
                kw,
                format!(
                    "{kw} follows the sticky buffer {name}; legacy content modifiers need pkt_data before them"
                ),
            ));
        }
        let li = self
            .lists
            .iter()
            .position(|l| l.key == ListKey::plain(BufferId::Payload));
        let pos = li.and_then(|li| {
            self.lists[li]
                .items
                .iter()
                .rposition(|(_, m)| matches!(m, Match::Content(_)))
                .map(|ii| (li, ii))
        });
        let Some((li, ii)) = pos else {
            return Err(fail(kw, format!("{kw} needs a preceding content")));
        };
        if let Match::Content(c) = &self.lists[li].items[ii].1 {
            if c.rawbytes {
                return Err(fail(kw, format!("{kw} cannot be combined with rawbytes")));
            }
        }
        if let Some(p) = buffer_app_proto(b) {
            self.require_app(p, kw)?;
        }
        let item = self.lists[li].items.remove(ii);
        if self.lists[li].items.is_empty() {
            self.lists.remove(li);
        }
        let ti = self.list_index(ListKey::plain(b));
        self.lists[ti].items.push(item);
        Ok(())
    }

    // --- transforms -----------------------------------------------------------------
    //
    // A transform rewrites the sticky buffer before its options are
    // evaluated (`http.uri; to_lowercase; content:"/admin";`). As in
    // Suricata, transforms directly follow the sticky buffer keyword (or
    // its plain matches, which then stay on the plain buffer), and a buffer
    // with a different transform chain is a different list.

    fn transform(&mut self, kw: &str, t: Transform) -> Res<()> {
        let Some((key, name)) = self.sticky.clone() else {
            return Err(fail(
                kw,
                format!("{kw} needs a sticky buffer (such as http.uri) before it"),
            ));
        };
        if self.sticky_has_match {
            if key.xf != 0 {
                return Err(fail(
                    kw,
                    format!(
                        "{kw} must directly follow the sticky buffer {name} (transforms come before its content and other matches)"
                    ),
                ));
            }
            // Suricata: the first transform after plain matches starts a
            // transformed instance of the buffer (as if the sticky buffer
            // were named again); the matches so far stay on the plain one.
            self.sticky_has_match = false;
        }
        let mut chain = self.xforms.get(key.xf).cloned().unwrap_or_default();
        if chain.len() >= MAX_TRANSFORMS {
            return Err(fail(
                kw,
                format!("more than {MAX_TRANSFORMS} transforms on {name}"),
            ));
        }
        chain.push(t);
        let xf = match self.xforms.iter().position(|c| *c == chain) {
            Some(i) => i,
            None => {
                self.xforms.push(chain);
                self.xforms.len() - 1
            }
        };
        self.sticky = Some((
            ListKey {
                buffer: key.buffer,
                xf,
            },
            name,
        ));
        Ok(())
    }

    /// Suricata refuses a content that the buffer's transforms make
    /// impossible to match (`TransformValidate`), e.g. upper case after
    /// `to_lowercase`; checked when the content is set, so `nocase` after
    /// it does not help.
    fn check_transforms(&self, key: ListKey, pattern: &[u8], shown: &str) -> Res<()> {
        let Some(chain) = self.xforms.get(key.xf) else {
            return Ok(());
        };
        for t in chain {
            let why = match t {
                Transform::StripWhitespace if pattern.iter().any(|&b| is_c_space(b)) => {
                    "it contains white space, which the transform removes"
                }
                Transform::CompressWhitespace
                    if pattern
                        .windows(2)
                        .any(|w| is_c_space(w[0]) && is_c_space(w[1])) =>
                {
                    "it contains consecutive white space, which the transform compresses"
                }
                Transform::ToLowercase if pattern.iter().any(u8::is_ascii_uppercase) => {
                    "it contains upper case letters"
                }
                Transform::ToUppercase if pattern.iter().any(u8::is_ascii_lowercase) => {
                    "it contains lower case letters"
                }
                _ => continue,
            };
            return Err(fail(
                "content",
                format!(
                    "content \"{shown}\" is incompatible with the {} transform: {why}",
                    t.keyword()
                ),
            ));
        }
        Ok(())
    }

    // --- content and its modifiers -------------------------------------------

    fn content(&mut self, value: &str) -> Res<()> {
        let kw = "content";
        let (negated, rest) = strip_negation(value);
        let inner = quoted_inner(kw, rest).map_err(|m| fail(kw, m))?;
        let pattern = decode_content(kw, inner).map_err(|m| fail(kw, m))?;
        if pattern.is_empty() {
            return Err(fail(kw, "content is empty"));
        }
        if pattern.len() > MAX_CONTENT_LEN {
            return Err(fail(
                kw,
                format!("content is longer than {MAX_CONTENT_LEN} bytes"),
            ));
        }
        let b = self
            .sticky
            .as_ref()
            .map_or(ListKey::plain(BufferId::Payload), |(b, _)| *b);
        if !negated {
            self.check_transforms(b, &pattern, inner)?;
        }
        self.push(
            b,
            Match::Content(Content {
                pattern,
                negated,
                nocase: false,
                offset: None,
                depth: None,
                distance: None,
                within: None,
                startswith: false,
                endswith: false,
                fast_pattern: FastPattern::Auto,
                rawbytes: false,
            }),
        );
        Ok(())
    }

    /// The content a modifier applies to.
    fn modifier_target(&mut self, kw: &str) -> Res<&mut Content> {
        let id = match &self.sticky {
            Some((b, _)) => self
                .lists
                .iter()
                .find(|l| l.key == *b)
                .and_then(|l| {
                    l.items
                        .iter()
                        .rev()
                        .find(|(_, m)| matches!(m, Match::Content(_)))
                })
                .map(|(id, _)| *id),
            None => self.last_content,
        };
        let Some(id) = id else {
            let msg = match (&self.sticky, self.last_content) {
                (Some((_, name)), Some(_)) => format!(
                    "{kw} needs a preceding content in the {name} buffer (a modifier cannot follow a buffer switch)"
                ),
                _ => format!("{kw} needs a preceding content"),
            };
            return Err(fail(kw, msg));
        };
        self.content_mut(id)
            .ok_or_else(|| fail(kw, format!("{kw} needs a preceding content")))
    }

    /// `depth`, `offset`, `distance`, `within`.
    fn position(&mut self, kw: &str, value: &str) -> Res<()> {
        let num = self.num(kw, value)?;
        let c = self.modifier_target(kw)?;
        let len = i64::try_from(c.pattern.len()).unwrap_or(i64::MAX);
        let pattern_len = c.pattern.len();
        let already = match kw {
            "depth" => c.depth.is_some(),
            "offset" => c.offset.is_some(),
            "distance" => c.distance.is_some(),
            _ => c.within.is_some(),
        };
        if already {
            return Err(fail(
                kw,
                format!("{kw} is given twice for the same content"),
            ));
        }
        let relative = kw == "distance" || kw == "within";
        if relative && (c.depth.is_some() || c.offset.is_some()) {
            return Err(fail(
                kw,
                format!(
                    "{kw} cannot be combined with depth or offset (relative and absolute positions)"
                ),
            ));
        }
        if !relative && (c.distance.is_some() || c.within.is_some()) {
            return Err(fail(
                kw,
                format!(
                    "{kw} cannot be combined with distance or within (absolute and relative positions)"
                ),
            ));
        }
        if c.startswith {
            return Err(fail(kw, format!("{kw} cannot be combined with startswith")));
        }
        if c.fast_pattern == FastPattern::Only {
            return Err(fail(
                kw,
                format!("{kw} cannot be used on a fast_pattern:only content"),
            ));
        }
        if c.negated && c.fast_pattern != FastPattern::Auto {
            return Err(fail(
                kw,
                format!("{kw} cannot be used on a negated content with fast_pattern"),
            ));
        }
        if let Num::Lit(n) = num {
            let ok = match kw {
                "depth" | "offset" => (0..=i64::from(u16::MAX)).contains(&n),
                "within" => (1..=i64::from(i32::MAX)).contains(&n),
                _ => (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&n),
            };
            if !ok {
                return Err(fail(kw, format!("invalid {kw} value {n}")));
            }
            if (kw == "depth" || kw == "within") && n < len {
                return Err(fail(
                    kw,
                    format!("{kw} {n} is smaller than the content length {pattern_len}"),
                ));
            }
        }
        let slot = match kw {
            "depth" => &mut c.depth,
            "offset" => &mut c.offset,
            "distance" => &mut c.distance,
            _ => &mut c.within,
        };
        *slot = Some(num);
        Ok(())
    }

    fn fast_pattern(&mut self, value: Option<&str>) -> Res<()> {
        let kw = "fast_pattern";
        if self.fast_pattern_set {
            return Err(fail(kw, "fast_pattern is set on more than one content"));
        }
        let c = self.modifier_target(kw)?;
        let positioned =
            c.offset.is_some() || c.depth.is_some() || c.distance.is_some() || c.within.is_some();
        if c.negated && positioned {
            return Err(fail(
                kw,
                "fast_pattern cannot be used on a negated content with offset, depth, distance or within",
            ));
        }
        let fp = match value.map(str::trim) {
            None | Some("") => FastPattern::Yes,
            Some("only") => {
                if c.negated {
                    return Err(fail(
                        kw,
                        "fast_pattern:only cannot be used on a negated content",
                    ));
                }
                if positioned {
                    return Err(fail(
                        kw,
                        "fast_pattern:only cannot be combined with offset, depth, distance or within",
                    ));
                }
                FastPattern::Only
            }
            Some(s) => {
                let parts = comma_list(s);
                let (Some(o), Some(l), 2) = (parts.first(), parts.get(1), parts.len()) else {
                    return Err(fail(
                        kw,
                        format!(
                            "invalid fast_pattern value \"{s}\" (expected only or offset,length)"
                        ),
                    ));
                };
                let (Ok(offset), Ok(len)) = (o.parse::<u16>(), l.parse::<u16>()) else {
                    return Err(fail(
                        kw,
                        format!(
                            "invalid fast_pattern value \"{s}\" (expected only or offset,length)"
                        ),
                    ));
                };
                if c.negated {
                    return Err(fail(
                        kw,
                        "fast_pattern:offset,length cannot be used on a negated content",
                    ));
                }
                if len == 0 || usize::from(offset) + usize::from(len) > c.pattern.len() {
                    return Err(fail(
                        kw,
                        format!(
                            "fast_pattern {offset},{len} is outside the content (length {})",
                            c.pattern.len()
                        ),
                    ));
                }
                FastPattern::Chop { offset, len }
            }
        };
        c.fast_pattern = fp;
        self.fast_pattern_set = true;
        Ok(())
    }

    /// A literal (decimal) number or a byte variable defined earlier.
    fn num(&self, kw: &str, s: &str) -> Res<Num> {
        self.num_in(kw, s, parse_int)
    }

    /// A literal number as C's `strtol(s, 0)` reads it (the `byte_*`
    /// keywords' offsets: `0x10` is 16) or a byte variable.
    fn num_base0(&self, kw: &str, s: &str) -> Res<Num> {
        self.num_in(kw, s, parse_i64_base0)
    }

    fn num_in(&self, kw: &str, s: &str, lit: fn(&str) -> Option<i64>) -> Res<Num> {
        let s = s.trim();
        if let Some(n) = lit(s) {
            return Ok(Num::Lit(n));
        }
        if is_var_name(s) {
            if self.byte_vars.iter().any(|v| v == s) {
                return Ok(Num::Var(s.to_owned()));
            }
            return Err(fail(
                kw,
                format!(
                    "{kw} uses \"{s}\", which is not a byte_extract or byte_math variable defined before it"
                ),
            ));
        }
        Err(fail(kw, format!("invalid {kw} value \"{s}\"")))
    }

    fn define_var(&mut self, kw: &str, name: &str) -> Res<()> {
        if !is_var_name(name) {
            return Err(fail(kw, format!("invalid variable name \"{name}\"")));
        }
        if self.byte_vars.iter().any(|v| v == name) {
            return Err(fail(kw, format!("variable \"{name}\" is already defined")));
        }
        self.byte_vars.push(name.to_owned());
        Ok(())
    }

    /// The buffer of a payload keyword that is not a content/pcre.
    fn keyword_buffer(&self, relative: bool) -> ListKey {
        if let Some((b, _)) = &self.sticky {
            *b
        } else if relative {
            self.last_match
                .and_then(|id| self.buffer_of(id))
                .unwrap_or(ListKey::plain(BufferId::Payload))
        } else {
            ListKey::plain(BufferId::Payload)
        }
    }

    fn isdataat(&mut self, value: &str) -> Res<()> {
        let kw = "isdataat";
        let parts = comma_list(value);
        let (negated, n) = strip_negation(parts.first().copied().unwrap_or_default());
        let offset = self.num(kw, n)?;
        if let Num::Lit(n) = offset {
            if !(0..=i64::from(u16::MAX)).contains(&n) {
                return Err(fail(kw, format!("invalid isdataat value {n}")));
            }
        }
        let mut relative = false;
        for p in &parts[1..] {
            match *p {
                "relative" => relative = true,
                "rawbytes" => {}
                other => return Err(fail(kw, format!("unknown isdataat option \"{other}\""))),
            }
        }
        let b = self.keyword_buffer(relative);
        self.push(
            b,
            Match::IsDataAt {
                offset,
                relative,
                negated,
            },
        );
        Ok(())
    }

    fn pcre(&mut self, value: &str) -> Res<()> {
        let kw = "pcre";
        let k = parse_pcre(value)?;
        let b = match (&self.sticky, k.buffer) {
            // A flag naming the sticky buffer itself is redundant, and
            // Suricata accepts it; another buffer is a contradiction.
            (Some((b, name)), Some((fb, flag))) => {
                if b.buffer != fb {
                    return Err(fail(
                        kw,
                        format!(
                            "pcre flag '{flag}' ({}) cannot be used after the sticky buffer {name}",
                            buffer_name(fb)
                        ),
                    ));
                }
                *b
            }
            (Some((b, _)), None) => *b,
            (None, Some((b, flag))) => {
                if let Some(p) = buffer_app_proto(b) {
                    self.require_app(p, &format!("pcre flag '{flag}'"))?;
                }
                ListKey::plain(b)
            }
            (None, None) => ListKey::plain(BufferId::Payload),
        };
        if k.pcre.relative && self.sticky.is_none() && self.last_match.is_none() {
            return Err(fail(
                kw,
                "pcre with the R (relative) flag needs a content or pcre before it",
            ));
        }
        self.push(b, Match::Pcre(k.pcre));
        Ok(())
    }

    fn urilen(&mut self, value: &str) -> Res<()> {
        let kw = "urilen";
        let parts = comma_list(value);
        let b = match parts.get(1).copied() {
            None | Some("norm") => BufferId::HttpUri,
            Some("raw") => BufferId::HttpUriRaw,
            Some(other) => {
                return Err(fail(
                    kw,
                    format!("unknown urilen option \"{other}\" (expected norm or raw)"),
                ));
            }
        };
        if parts.len() > 2 {
            return Err(fail(kw, format!("invalid urilen value \"{value}\"")));
        }
        let cmp = parse_cmp(kw, parts[0], u64::from(u16::MAX))?;
        self.require_app("http", kw)?;
        self.push(ListKey::plain(b), Match::Bsize(cmp));
        Ok(())
    }

    fn ssh_version(&mut self, kw: &str, value: &str) -> Res<()> {
        let s = optional_quotes(kw, value).map_err(|m| fail(kw, m))?.trim();
        if s.is_empty() {
            return Err(fail(kw, format!("{kw} needs a version string")));
        }
        if kw == "ssh.protoversion" && s == "2_compat" {
            return Err(RuleProblem::unsupported(
                kw,
                "ssh.protoversion:2_compat is not supported yet",
            ));
        }
        let b = if kw == "ssh.protoversion" {
            BufferId::SshProto
        } else {
            BufferId::SshSoftware
        };
        self.require_app("ssh", kw)?;
        self.push(
            ListKey::plain(b),
            Match::Content(Content {
                pattern: s.as_bytes().to_vec(),
                negated: false,
                nocase: false,
                offset: None,
                depth: None,
                distance: None,
                within: None,
                startswith: true,
                endswith: false,
                fast_pattern: FastPattern::Auto,
                rawbytes: false,
            }),
        );
        Ok(())
    }

    // --- byte_* --------------------------------------------------------------

    fn byte_test(&mut self, value: &str) -> Res<()> {
        let kw = "byte_test";
        let parts = comma_list(value);
        if parts.len() < 4 {
            return Err(fail(
                kw,
                "byte_test needs at least 4 values: bytes, operator, value, offset",
            ));
        }
        let nb = self.nbytes_num(kw, parts[0], 23)?;
        let (negated, op) = strip_negation(parts[1]);
        let op = match op {
            "<" => ByteOp::Lt,
            ">" => ByteOp::Gt,
            "=" | "" if negated || op == "=" => ByteOp::Eq,
            "<=" => ByteOp::Le,
            ">=" => ByteOp::Ge,
            "&" => ByteOp::And,
            "^" => ByteOp::Xor,
            _ => {
                return Err(fail(
                    kw,
                    format!("invalid byte_test operator \"{}\"", parts[1]),
                ));
            }
        };
        let value_num = match parse_u64_base0(parts[2]) {
            Some(n) => Num::Lit(
                i64::try_from(n)
                    .map_err(|_| fail(kw, format!("byte_test value {n} is too large")))?,
            ),
            None => self.num(kw, parts[2])?,
        };
        let offset = self.num_base0(kw, parts[3])?;
        let mut o = ByteOpts::default();
        for p in &parts[4..] {
            if !o.common(kw, p)? {
                return Err(fail(kw, format!("unknown byte_test option \"{p}\"")));
            }
        }
        let (endian, string) = o.finish(kw, lit_nbytes(&nb))?;
        if nb == Num::Lit(0) && string.is_none() {
            return Err(fail(
                kw,
                "byte_test reads 0 bytes (a number of any length) only with string",
            ));
        }
        let b = self.keyword_buffer(o.relative);
        self.push(
            b,
            Match::ByteTest(ByteTest {
                nbytes: nb,
                op,
                negated,
                value: value_num,
                offset,
                relative: o.relative,
                endian,
                string,
                bitmask: o.bitmask,
            }),
        );
        Ok(())
    }

    fn byte_jump(&mut self, value: &str) -> Res<()> {
        let kw = "byte_jump";
        let parts = comma_list(value);
        if parts.len() < 2 {
            return Err(fail(kw, "byte_jump needs at least 2 values: bytes, offset"));
        }
        let nb = self.nbytes_num(kw, parts[0], 23)?;
        let offset = self.num_base0(kw, parts[1])?;
        let mut o = ByteOpts::default();
        let mut multiplier = None;
        let mut align = false;
        let mut from_beginning = false;
        let mut from_end = false;
        let mut post_offset = None;
        for p in &parts[2..] {
            if o.common(kw, p)? {
                continue;
            }
            let mut words = p.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("align"), None, None) => align = true,
                (Some("from_beginning"), None, None) => from_beginning = true,
                (Some("from_end"), None, None) => from_end = true,
                (Some("multiplier"), Some(n), None) => {
                    multiplier = Some(parse_multiplier(kw, n)?);
                }
                (Some("post_offset"), Some(n), None) => {
                    post_offset = Some(
                        parse_i64_base0(n)
                            .ok_or_else(|| fail(kw, format!("invalid post_offset \"{n}\"")))?,
                    );
                }
                _ => return Err(fail(kw, format!("unknown byte_jump option \"{p}\""))),
            }
        }
        if from_beginning && from_end {
            return Err(fail(
                kw,
                "byte_jump cannot have both from_beginning and from_end",
            ));
        }
        let (endian, string) = o.finish(kw, lit_nbytes(&nb))?;
        if nb == Num::Lit(0) && string.is_some() {
            // Suricata 7: 0 bytes is a jump by post_offset alone.
            return Err(fail(kw, "byte_jump reads 0 bytes only without string"));
        }
        let b = self.keyword_buffer(o.relative);
        self.push(
            b,
            Match::ByteJump(ByteJump {
                nbytes: nb,
                offset,
                relative: o.relative,
                multiplier,
                endian,
                string,
                align,
                from_beginning,
                from_end,
                post_offset,
                bitmask: o.bitmask,
            }),
        );
        Ok(())
    }

    fn byte_extract(&mut self, value: &str) -> Res<()> {
        let kw = "byte_extract";
        let parts = comma_list(value);
        if parts.len() < 3 {
            return Err(fail(
                kw,
                "byte_extract needs at least 3 values: bytes, offset, variable name",
            ));
        }
        let nb = self.nbytes(kw, parts[0])?;
        let offset = parse_i64_base0(parts[1])
            .ok_or_else(|| fail(kw, format!("invalid byte_extract offset \"{}\"", parts[1])))?;
        let name = parts[2];
        let mut o = ByteOpts::default();
        let mut multiplier = None;
        let mut align = None;
        for p in &parts[3..] {
            if o.common(kw, p)? {
                continue;
            }
            let mut words = p.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("multiplier"), Some(n), None) => {
                    multiplier = Some(parse_multiplier(kw, n)?);
                }
                (Some("align"), Some(n @ ("2" | "4")), None) => {
                    align = n.parse::<u8>().ok();
                }
                (Some("align"), _, _) => {
                    return Err(fail(kw, "byte_extract align must be 2 or 4"));
                }
                _ => return Err(fail(kw, format!("unknown byte_extract option \"{p}\""))),
            }
        }
        let (endian, string) = o.finish(kw, nb)?;
        self.define_var(kw, name)?;
        let b = self.keyword_buffer(o.relative);
        self.push(
            b,
            Match::ByteExtract(ByteExtract {
                nbytes: nb,
                offset,
                name: name.to_owned(),
                relative: o.relative,
                multiplier,
                endian,
                string,
                align,
                bitmask: o.bitmask,
            }),
        );
        Ok(())
    }

    fn byte_math(&mut self, value: &str) -> Res<()> {
        let kw = "byte_math";
        let mut nbytes = None;
        let mut offset = None;
        let mut oper = None;
        let mut rvalue = None;
        let mut result = None;
        let mut o = ByteOpts::default();
        for p in comma_list(value) {
            let mut words = p.split_whitespace();
            let (key, arg, extra) = (words.next(), words.next(), words.next());
            if extra.is_some() {
                return Err(fail(kw, format!("invalid byte_math option \"{p}\"")));
            }
            match (key, arg) {
                (Some("bytes"), Some(n)) => nbytes = Some(n),
                (Some("offset"), Some(n)) => {
                    offset =
                        Some(parse_i64_base0(n).ok_or_else(|| {
                            fail(kw, format!("invalid byte_math offset \"{n}\""))
                        })?);
                }
                (Some("oper"), Some(op)) => {
                    oper = Some(match op {
                        "+" => MathOp::Add,
                        "-" => MathOp::Sub,
                        "*" => MathOp::Mul,
                        "/" => MathOp::Div,
                        "<<" => MathOp::Shl,
                        ">>" => MathOp::Shr,
                        other => {
                            return Err(fail(
                                kw,
                                format!("invalid byte_math operator \"{other}\""),
                            ));
                        }
                    });
                }
                (Some("rvalue"), Some(r)) => {
                    rvalue =
                        Some(match parse_u64_base0(r) {
                            Some(n) => Num::Lit(i64::try_from(n).map_err(|_| {
                                fail(kw, format!("byte_math rvalue {n} is too large"))
                            })?),
                            None => self.num(kw, r)?,
                        });
                }
                (Some("result"), Some(r)) => result = Some(r),
                (Some("endian"), Some(e)) => {
                    if !o.common(kw, e)? || !matches!(e, "big" | "little" | "dce") {
                        return Err(fail(kw, format!("invalid byte_math endian \"{e}\"")));
                    }
                }
                (Some("string"), Some(base)) => {
                    if !matches!(base, "hex" | "dec" | "oct") {
                        return Err(fail(
                            kw,
                            format!("invalid byte_math string base \"{base}\""),
                        ));
                    }
                    o.common(kw, "string")?;
                    o.common(kw, base)?;
                }
                (Some(k), None) if matches!(k, "relative" | "dce") => {
                    o.common(kw, k)?;
                }
                (Some("bitmask"), Some(_)) => {
                    o.common(kw, p)?;
                }
                _ => return Err(fail(kw, format!("unknown byte_math option \"{p}\""))),
            }
        }
        let (Some(nb), Some(offset), Some(oper), Some(rvalue), Some(result)) =
            (nbytes, offset, oper, rvalue, result)
        else {
            return Err(fail(
                kw,
                "byte_math needs bytes, offset, oper, rvalue and result",
            ));
        };
        let nb = if nb == "0" {
            // Not a count of any length, as for byte_test: invalid.
            self.nbytes_range(kw, nb, 10)
                .map(|n| Num::Lit(i64::from(n)))?
        } else {
            self.nbytes_num(kw, nb, 10)?
        };
        if oper == MathOp::Div && rvalue == Num::Lit(0) {
            return Err(fail(kw, "byte_math divides by an rvalue of 0"));
        }
        let (endian, string) = o.finish(kw, lit_nbytes(&nb))?;
        self.define_var(kw, result)?;
        let b = self.keyword_buffer(o.relative);
        self.push(
            b,
            Match::ByteMath(ByteMath {
                nbytes: nb,
                offset,
                oper,
                rvalue,
                result: result.to_owned(),
                relative: o.relative,
                endian,
                string,
                bitmask: o.bitmask,
            }),
        );
        Ok(())
    }

    /// The byte count of `byte_extract`: a literal only.
    fn nbytes(&self, kw: &str, s: &str) -> Res<u8> {
        if s == "0" {
            return Err(RuleProblem::unsupported(
                kw,
                format!("{kw} with 0 bytes (a number of any length) is not supported yet"),
            ));
        }
        self.nbytes_range(kw, s, 23)
    }

    /// The byte count of `byte_test`, `byte_jump` and `byte_math`: 0 to
    /// `max`, or a variable set by an earlier `byte_extract`/`byte_math`
    /// (Suricata 7). Callers reject 0 where it means nothing.
    fn nbytes_num(&self, kw: &str, s: &str, max: u8) -> Res<Num> {
        if is_var_name(s) {
            return self.num(kw, s);
        }
        if s == "0" {
            return Ok(Num::Lit(0));
        }
        self.nbytes_range(kw, s, max)
            .map(|n| Num::Lit(i64::from(n)))
    }

    fn nbytes_range(&self, kw: &str, s: &str, max: u8) -> Res<u8> {
        if is_var_name(s) {
            return Err(RuleProblem::unsupported(
                kw,
                format!("{kw} with a variable number of bytes is not supported yet"),
            ));
        }
        match s.parse::<u8>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(fail(
                kw,
                format!("invalid number of bytes \"{s}\" for {kw} (expected 1-{max})"),
            )),
        }
    }

    // --- flow state ----------------------------------------------------------

    fn flow(&mut self, value: &str) -> Res<()> {
        let kw = "flow";
        once(kw, self.out.flow.is_some())?;
        let mut f = FlowMatch::default();
        let mut seen: Vec<&str> = Vec::new();
        for opt in comma_list(value) {
            let o = opt.to_ascii_lowercase();
            if seen.contains(&opt) {
                return Err(fail(kw, format!("flow option {opt} is given twice")));
            }
            seen.push(opt);
            match o.as_str() {
                "established" => f.established = true,
                "not_established" => f.not_established = true,
                "stateless" => f.stateless = true,
                "to_server" | "from_client" | "to_client" | "from_server" => {
                    let ts = o == "to_server" || o == "from_client";
                    if f.to_server.is_some() {
                        return Err(fail(
                            kw,
                            "flow has more than one direction (to_server, to_client, from_server, from_client)",
                        ));
                    }
                    f.to_server = Some(ts);
                }
                "only_stream" => f.only_stream = true,
                "no_stream" => f.no_stream = true,
                "only_frag" | "no_frag" => {
                    return Err(RuleProblem::unsupported(
                        kw,
                        format!("flow option {o} is not supported yet"),
                    ));
                }
                "" => return Err(fail(kw, "flow has an empty option")),
                _ => return Err(fail(kw, format!("unknown flow option \"{opt}\""))),
            }
        }
        if f.established && f.not_established {
            return Err(fail(
                kw,
                "flow cannot be both established and not_established",
            ));
        }
        if f.stateless && (f.established || f.not_established) {
            return Err(fail(
                kw,
                "flow cannot be stateless and established or not_established",
            ));
        }
        if f.only_stream && f.no_stream {
            return Err(fail(kw, "flow cannot be both only_stream and no_stream"));
        }
        self.out.flow = Some(f);
        Ok(())
    }

    fn flowbits(&mut self, value: &str) -> Res<()> {
        let kw = "flowbits";
        let (cmd, names) = match value.split_once(',') {
            Some((c, n)) => (c.trim(), Some(n.trim())),
            None => (value.trim(), None),
        };
        let one_name = |names: Option<&str>| -> Res<String> {
            let n = names
                .filter(|n| !n.is_empty())
                .ok_or_else(|| fail(kw, format!("flowbits {cmd} needs a name")))?;
            if n.contains(['|', '&']) {
                return Err(RuleProblem::unsupported(
                    kw,
                    format!("flowbits {cmd} with several names is not supported yet"),
                ));
            }
            if n.contains(char::is_whitespace) || n.contains(',') {
                return Err(fail(kw, format!("invalid flowbit name \"{n}\"")));
            }
            Ok(n.to_owned())
        };
        let many = |names: Option<&str>| -> Res<(Vec<String>, bool)> {
            let n = names
                .filter(|n| !n.is_empty())
                .ok_or_else(|| fail(kw, format!("flowbits {cmd} needs a name")))?;
            let (any, all) = (n.contains('|'), n.contains('&'));
            if any && all {
                return Err(fail(kw, "flowbits cannot mix '|' and '&'"));
            }
            let list: Vec<String> = n.split(['|', '&']).map(|s| s.trim().to_owned()).collect();
            if list
                .iter()
                .any(|s| s.is_empty() || s.contains(char::is_whitespace) || s.contains(','))
            {
                return Err(fail(kw, format!("invalid flowbit names \"{n}\"")));
            }
            Ok((list, all))
        };
        let fb = match cmd {
            "set" => Flowbits::Set(one_name(names)?),
            "unset" => Flowbits::Unset(one_name(names)?),
            "toggle" => Flowbits::Toggle(one_name(names)?),
            "isset" => {
                let (names, all) = many(names)?;
                Flowbits::IsSet { names, all }
            }
            "isnotset" => {
                let (names, all) = many(names)?;
                Flowbits::IsNotSet { names, all }
            }
            "noalert" => {
                if names.is_some() {
                    return Err(fail(kw, "flowbits noalert takes no name"));
                }
                Flowbits::NoAlert
            }
            other => {
                return Err(fail(kw, format!("unknown flowbits command \"{other}\"")));
            }
        };
        self.out.flowbits.push(fb);
        Ok(())
    }

    fn flowint(&mut self, value: &str) -> Res<()> {
        let kw = "flowint";
        let parts = comma_list(value);
        let (name, op) = match (parts.first(), parts.get(1)) {
            (Some(n), Some(o)) if !n.is_empty() => (n.to_string(), *o),
            _ => return Err(fail(kw, "flowint needs a name and an operator")),
        };
        if parts.len() > 3 {
            return Err(fail(kw, format!("invalid flowint value \"{value}\"")));
        }
        let operand = |parts: &[&str]| -> Res<Num> {
            let Some(v) = parts.get(2) else {
                return Err(fail(kw, format!("flowint {op} needs a value")));
            };
            match v.parse::<u32>() {
                Ok(n) => Ok(Num::Lit(i64::from(n))),
                Err(_) if is_var_name(v) => Err(RuleProblem::unsupported(
                    kw,
                    "flowint with another flowint as the value is not supported yet",
                )),
                Err(_) => Err(fail(kw, format!("invalid flowint value \"{v}\""))),
            }
        };
        let fi = match op {
            "=" => Flowint::Set(name, operand(&parts)?),
            "+" => Flowint::Add(name, operand(&parts)?),
            "-" => Flowint::Sub(name, operand(&parts)?),
            "isset" | "notset" | "isnotset" => {
                if parts.len() > 2 {
                    return Err(fail(kw, format!("flowint {op} takes no value")));
                }
                if op == "isset" {
                    Flowint::IsSet(name)
                } else {
                    Flowint::NotSet(name)
                }
            }
            _ => {
                let c = match op {
                    "==" => FlowintCmp::Eq,
                    "!=" => FlowintCmp::Ne,
                    "<" => FlowintCmp::Lt,
                    ">" => FlowintCmp::Gt,
                    "<=" => FlowintCmp::Le,
                    ">=" => FlowintCmp::Ge,
                    other => {
                        return Err(fail(kw, format!("invalid flowint operator \"{other}\"")));
                    }
                };
                Flowint::Compare(name, c, operand(&parts)?)
            }
        };
        self.out.flowints.push(fi);
        Ok(())
    }

    fn stream_size(&mut self, value: &str) -> Res<()> {
        let kw = "stream_size";
        let parts = comma_list(value);
        let [side, op, n] = parts.as_slice() else {
            return Err(fail(
                kw,
                "stream_size needs 3 values: server|client|both|either, operator, bytes",
            ));
        };
        let side = match *side {
            "server" => StreamSide::Server,
            "client" => StreamSide::Client,
            "both" => StreamSide::Both,
            "either" => StreamSide::Either,
            other => {
                return Err(fail(kw, format!("invalid stream_size side \"{other}\"")));
            }
        };
        let n: u64 = n
            .parse::<u32>()
            .map(u64::from)
            .map_err(|_| fail(kw, format!("invalid stream_size value \"{n}\"")))?;
        let cmp = match *op {
            "<" => Cmp::Lt(n),
            ">" => Cmp::Gt(n),
            "=" | "==" => Cmp::Eq(n),
            "!=" => Cmp::Ne(n),
            "<=" => Cmp::Le(n),
            ">=" => Cmp::Ge(n),
            other => {
                return Err(fail(
                    kw,
                    format!("invalid stream_size operator \"{other}\""),
                ));
            }
        };
        self.out.header.push(HeaderCheck::StreamSize { side, cmp });
        Ok(())
    }

    // --- packet header -------------------------------------------------------

    fn flags(&mut self, value: &str) -> Res<()> {
        let kw = "flags";
        let (set, ignore) = match value.split_once(',') {
            Some((s, i)) => (s.trim(), Some(i.trim())),
            None => (value.trim(), None),
        };
        let mut modifier = None;
        let mut bits = 0u8;
        let mut zero = false;
        for c in set.chars() {
            let bit = match c {
                '+' | '*' | '!' => {
                    if modifier.is_some() {
                        return Err(fail(kw, "flags has more than one modifier (+ * !)"));
                    }
                    modifier = Some(match c {
                        '+' => FlagsModifier::Plus,
                        '*' => FlagsModifier::Any,
                        _ => FlagsModifier::Not,
                    });
                    continue;
                }
                '0' => {
                    zero = true;
                    continue;
                }
                c => tcp_flag_bit(c)
                    .ok_or_else(|| fail(kw, format!("invalid TCP flag '{c}' in flags")))?,
            };
            bits |= bit;
        }
        if zero && bits != 0 {
            return Err(fail(
                kw,
                "flags 0 (no flags) cannot be combined with other flags",
            ));
        }
        if !zero && bits == 0 {
            return Err(fail(kw, "flags names no flag"));
        }
        let mut ignore_bits = 0u8;
        if let Some(i) = ignore {
            for c in i.chars() {
                ignore_bits |= tcp_flag_bit(c)
                    .ok_or_else(|| fail(kw, format!("invalid TCP flag '{c}' in the flags mask")))?;
            }
        }
        self.out.header.push(HeaderCheck::Flags {
            bits,
            modifier: modifier.unwrap_or(FlagsModifier::Exact),
            ignore: ignore_bits,
        });
        Ok(())
    }

    fn fragbits(&mut self, value: &str) -> Res<()> {
        let kw = "fragbits";
        let mut modifier = None;
        let mut bits = 0u8;
        for c in value.trim().chars() {
            match c {
                '+' | '*' | '!' => {
                    if modifier.is_some() {
                        return Err(fail(kw, "fragbits has more than one modifier (+ * !)"));
                    }
                    modifier = Some(match c {
                        '+' => FlagsModifier::Plus,
                        '*' => FlagsModifier::Any,
                        _ => FlagsModifier::Not,
                    });
                }
                'M' | 'm' => bits |= 0x1,
                'D' | 'd' => bits |= 0x2,
                'R' | 'r' => bits |= 0x4,
                other => {
                    return Err(fail(
                        kw,
                        format!("invalid fragment bit '{other}' (expected M, D or R)"),
                    ));
                }
            }
        }
        if bits == 0 {
            return Err(fail(kw, "fragbits names no bit"));
        }
        self.out.header.push(HeaderCheck::Fragbits {
            bits,
            modifier: modifier.unwrap_or(FlagsModifier::Exact),
        });
        Ok(())
    }

    fn ip_proto(&mut self, value: &str) -> Res<()> {
        let kw = "ip_proto";
        let v = value.trim();
        let (prefix, name) = match v.find(|c: char| c.is_ascii_alphanumeric()) {
            Some(i) => v.split_at(i),
            None => return Err(fail(kw, format!("invalid ip_proto value \"{v}\""))),
        };
        if name.bytes().all(|b| b.is_ascii_digit()) {
            let c = parse_cmp(kw, v, 255)?;
            self.out.header.push(HeaderCheck::IpProto(c));
            return Ok(());
        }
        let n = ip_proto_number(&name.to_ascii_lowercase())
            .ok_or_else(|| fail(kw, format!("unknown IP protocol \"{name}\"")))?;
        let c = parse_cmp(kw, &format!("{prefix}{n}"), 255)?;
        self.out.header.push(HeaderCheck::IpProto(c));
        Ok(())
    }

    // --- metadata-like ---------------------------------------------------------

    fn classtype(&mut self, value: &str) -> Res<()> {
        let kw = "classtype";
        let name = value.trim();
        let ct = self
            .classes
            .get(name)
            .ok_or_else(|| fail(kw, format!("unknown classtype \"{name}\"")))?;
        // Given twice, Suricata keeps the one with the highest priority
        // (lowest number) and warns.
        match &self.class {
            Some(prev) if prev.priority <= ct.priority => {}
            _ => self.class = Some(ct.clone()),
        }
        Ok(())
    }

    fn app_layer_protocol(&mut self, value: &str) -> Res<()> {
        let kw = "app-layer-protocol";
        once(kw, self.out.app_layer_protocol.is_some())?;
        let parts = comma_list(value);
        if parts.len() > 1 {
            return Err(RuleProblem::unsupported(
                kw,
                format!(
                    "app-layer-protocol with a mode (\"{}\") is not supported yet",
                    parts[1..].join(",")
                ),
            ));
        }
        let (negated, name) = strip_negation(parts[0]);
        let name = name.trim().to_ascii_lowercase();
        let name = if name == "http1" {
            "http".to_owned()
        } else {
            name
        };
        if super::supported_app_proto(&name) {
            self.out.app_layer_protocol = Some((name, negated));
            Ok(())
        } else if SURICATA_APP_PROTOS.contains(&name.as_str())
            || crate::app::layer::AppProto::from_name(&name).is_some()
        {
            Err(RuleProblem::unsupported(
                kw,
                format!("app-layer protocol {name} is not supported yet"),
            ))
        } else {
            Err(fail(kw, format!("unknown app-layer protocol \"{name}\"")))
        }
    }
}

/// Checks on a finished list that Suricata makes when the rule is complete.
fn validate_list<'h>(l: &ListBuild, mut header: impl Iterator<Item = &'h HeaderCheck>) -> Res<()> {
    let contents = l.items.iter().filter_map(|(_, m)| match m {
        Match::Content(c) => Some(c),
        _ => None,
    });
    // A transformed buffer no longer has the buffer's own shape.
    let own_shape = l.key.xf == 0;
    for c in contents.clone().filter(|_| own_shape) {
        let shown = String::from_utf8_lossy(&c.pattern);
        match l.key.buffer {
            BufferId::HttpHost if !c.nocase && c.pattern.iter().any(u8::is_ascii_uppercase) => {
                return Err(fail(
                    "http.host",
                    format!(
                        "content \"{shown}\" has upper case letters but the http.host buffer is lower case (write it in lower case or add nocase)"
                    ),
                ));
            }
            BufferId::HttpMethod
                if matches!(c.pattern.first(), Some(b' ' | b'\t'))
                    || matches!(c.pattern.last(), Some(b' ' | b'\t')) =>
            {
                return Err(fail(
                    "http.method",
                    format!(
                        "http.method content \"{shown}\" starts or ends with white space; methods never do"
                    ),
                ));
            }
            BufferId::Ja3Hash | BufferId::Ja3sHash => {
                let lower_hex = c
                    .pattern
                    .iter()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
                if c.pattern.len() != 32 || !lower_hex {
                    return Err(fail(
                        buffer_name(l.key.buffer),
                        format!(
                            "{} content \"{shown}\" is not an MD5 hash in lower case hex (32 characters)",
                            buffer_name(l.key.buffer)
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    // A size limit that no content can fit in makes the rule unmatchable;
    // Suricata refuses it.
    let limit = if l.key.buffer == BufferId::Payload {
        header.find_map(|h| match h {
            HeaderCheck::Dsize(c) => Some(("dsize", *c)),
            _ => None,
        })
    } else {
        l.items.iter().find_map(|(_, m)| match m {
            Match::Bsize(c) => Some(("bsize", *c)),
            _ => None,
        })
    };
    if let Some((kw, cmp)) = limit {
        let max = match cmp {
            Cmp::Eq(n) | Cmp::Le(n) => Some(n),
            Cmp::Lt(n) => Some(n.saturating_sub(1)),
            Cmp::Between(_, b) => Some(b.saturating_sub(1)),
            _ => None,
        };
        if let Some(max) = max {
            let need = required_len(l);
            if need > max {
                return Err(fail(
                    kw,
                    format!(
                        "{kw} allows at most {max} bytes but the contents in {} need at least {need}",
                        buffer_name(l.key.buffer)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The fewest bytes a buffer needs for its (non-negated) contents to match,
/// following chains of relative contents.
fn required_len(l: &ListBuild) -> u64 {
    let lit = |n: &Option<Num>| match n {
        Some(Num::Lit(v)) => u64::try_from(*v).unwrap_or(0),
        _ => 0,
    };
    let mut best = 0u64;
    let mut chain = 0u64;
    for (_, m) in &l.items {
        let Match::Content(c) = m else {
            continue;
        };
        if c.negated {
            continue;
        }
        let len = u64::try_from(c.pattern.len()).unwrap_or(u64::MAX);
        chain = if c.distance.is_some() || c.within.is_some() {
            chain.saturating_add(lit(&c.distance)).saturating_add(len)
        } else {
            lit(&c.offset).saturating_add(len)
        };
        best = best.max(chain);
    }
    best
}

// --- small parsers ---------------------------------------------------------------

/// C's `isspace` in the "C" locale: what Suricata's whitespace transforms
/// remove (space, `\t`, `\n`, `\v`, `\f`, `\r`).
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Longest `xor` key (Suricata keeps its length in a byte).
const MAX_XOR_KEY: usize = 255;

/// `xor:"0d0ac8ff"`: the key as hex digits, an even number of them.
fn parse_xor_key(value: &str) -> Res<Vec<u8>> {
    let kw = "xor";
    let hex = optional_quotes(kw, value.trim())
        .map_err(|m| fail(kw, m))?
        .trim();
    if hex.is_empty() {
        return Err(fail(kw, "xor needs a key in hex, such as xor:\"0d0ac8ff\""));
    }
    if hex.len() % 2 != 0 {
        return Err(fail(
            kw,
            format!("xor key \"{hex}\" has an odd number of hex digits"),
        ));
    }
    if hex.len() / 2 > MAX_XOR_KEY {
        return Err(fail(
            kw,
            format!("xor key is longer than {MAX_XOR_KEY} bytes"),
        ));
    }
    let digit = |c: u8| (c as char).to_digit(16);
    hex.as_bytes()
        .chunks(2)
        .map(|p| match (digit(p[0]), digit(p[1])) {
            (Some(h), Some(l)) => Ok((h * 16 + l) as u8),
            _ => Err(fail(kw, format!("xor key \"{hex}\" is not hex"))),
        })
        .collect()
}

/// `pcrexform:"regex"`: a PCRE pattern without delimiters or flags, with at
/// least one capture group (its first one becomes the buffer).
fn parse_pcrexform(value: &str) -> Res<String> {
    let kw = "pcrexform";
    let pattern = optional_quotes(kw, value.trim()).map_err(|m| fail(kw, m))?;
    if pattern.is_empty() {
        return Err(fail(kw, "pcrexform needs a regular expression"));
    }
    let retag = |mut p: RuleProblem| {
        p.keyword = Some(kw.to_owned());
        p.message = p.message.replacen("pcre", "pcrexform", 1);
        p
    };
    let regex = translate(pattern, PcreOptions::default()).map_err(retag)?;
    let compiled = regex::bytes::RegexBuilder::new(&regex)
        .unicode(false)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let short = msg
                .lines()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or("invalid pattern");
            fail(kw, format!("pcrexform does not compile: {short}"))
        })?;
    if compiled.captures_len() < 2 {
        return Err(fail(
            kw,
            "pcrexform needs a capture group: its first group becomes the buffer",
        ));
    }
    Ok(regex)
}

fn need<'v>(kw: &str, v: Option<&'v str>) -> Res<&'v str> {
    match v {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(fail(kw, format!("{kw} needs a value"))),
    }
}

fn no_value(kw: &str, v: Option<&str>) -> Res<()> {
    match v {
        None => Ok(()),
        Some(s) => Err(fail(kw, format!("{kw} takes no value (found \"{s}\")"))),
    }
}

fn once(kw: &str, already: bool) -> Res<()> {
    if already {
        Err(fail(kw, format!("{kw} is given twice")))
    } else {
        Ok(())
    }
}

fn parse_u32(kw: &str, s: &str) -> Res<u32> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = t.parse() {
            return Ok(n);
        }
    }
    Err(fail(
        kw,
        format!("invalid {kw} \"{t}\" (expected a number)"),
    ))
}

/// A number that may be quoted (`icmp_id:"5"`), for fixed-width fields.
fn parse_small<T: std::str::FromStr>(kw: &str, s: &str) -> Res<T> {
    let t = s.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
        .trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(kw, format!("invalid {kw} value \"{t}\"")));
    }
    t.parse()
        .map_err(|_| fail(kw, format!("{kw} value {t} is out of range")))
}

/// A signed decimal integer.
fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// A signed integer as C's `strtol(s, 0)` reads it: an optional sign, then
/// as [`parse_u64_base0`].
fn parse_i64_base0(s: &str) -> Option<i64> {
    let t = s.trim();
    let (negative, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = i64::try_from(parse_u64_base0(body)?).ok()?;
    Some(if negative { -v } else { v })
}

/// An unsigned integer as C's `strtoull(s, 0)` reads it: `0x` hex, a
/// leading `0` octal, else decimal.
fn parse_u64_base0(s: &str) -> Option<u64> {
    let t = s.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok();
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) || t.is_empty() {
        return None;
    }
    if t.len() > 1 && t.starts_with('0') {
        return u64::from_str_radix(&t[1..], 8).ok();
    }
    t.parse().ok()
}

fn parse_multiplier(kw: &str, s: &str) -> Res<u64> {
    match s.parse::<u64>() {
        Ok(n) if (1..=65_535).contains(&n) => Ok(n),
        _ => Err(fail(
            kw,
            format!("invalid multiplier \"{s}\" (expected 1-65535)"),
        )),
    }
}

fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn tcp_flag_bit(c: char) -> Option<u8> {
    Some(match c.to_ascii_uppercase() {
        'F' => 0x01,
        'S' => 0x02,
        'R' => 0x04,
        'P' => 0x08,
        'A' => 0x10,
        'U' => 0x20,
        'E' | '2' => 0x40,
        'C' | '1' => 0x80,
        _ => return None,
    })
}

/// Parses `N`, `!N`, `<N`, `>N`, `<=N`, `>=N`, `=N`, `A<>B`, `A-B`.
fn parse_cmp(kw: &str, s: &str, max: u64) -> Res<Cmp> {
    let t = s.trim();
    let num = |x: &str| -> Res<u64> {
        let x = x.trim();
        let n: u64 = if !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()) {
            x.parse()
                .map_err(|_| fail(kw, format!("{kw} value {x} is out of range")))?
        } else {
            return Err(fail(kw, format!("invalid {kw} value \"{t}\"")));
        };
        if n > max {
            return Err(fail(
                kw,
                format!("{kw} value {n} is out of range (at most {max})"),
            ));
        }
        Ok(n)
    };
    let between = |a: &str, b: &str| -> Res<Cmp> {
        let (a, b) = (num(a)?, num(b)?);
        if a >= b {
            return Err(fail(
                kw,
                format!("invalid {kw} range {a}<>{b}: the first number must be smaller"),
            ));
        }
        Ok(Cmp::Between(a, b))
    };
    if let Some((a, b)) = t.split_once("<>") {
        return between(a, b);
    }
    if let Some(r) = t.strip_prefix("<=") {
        return Ok(Cmp::Le(num(r)?));
    }
    if let Some(r) = t.strip_prefix(">=") {
        return Ok(Cmp::Ge(num(r)?));
    }
    if let Some(r) = t.strip_prefix('<') {
        return Ok(Cmp::Lt(num(r)?));
    }
    if let Some(r) = t.strip_prefix('>') {
        return Ok(Cmp::Gt(num(r)?));
    }
    if let Some(r) = t.strip_prefix('!') {
        return Ok(Cmp::Ne(num(r)?));
    }
    if let Some(r) = t.strip_prefix('=') {
        return Ok(Cmp::Eq(num(r)?));
    }
    if let Some((a, b)) = t.split_once('-') {
        return between(a, b);
    }
    Ok(Cmp::Eq(num(t)?))
}

fn parse_track(kw: &str, s: &str) -> Res<Track> {
    Ok(match s {
        "by_src" => Track::BySrc,
        "by_dst" => Track::ByDst,
        "by_rule" => Track::ByRule,
        "by_both" => Track::ByBoth,
        "by_flow" => Track::ByFlow,
        other => return Err(fail(kw, format!("invalid {kw} track \"{other}\""))),
    })
}

/// `key value` pairs separated by commas (`threshold`, `detection_filter`,
/// and the entries of threshold.config).
fn key_values<'v>(kw: &str, value: &'v str) -> Res<Vec<(&'v str, &'v str)>> {
    let mut out = Vec::new();
    for part in comma_list(value) {
        let mut words = part.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(k), Some(v), None) => out.push((k, v)),
            _ => {
                return Err(fail(
                    kw,
                    format!("invalid {kw} option \"{part}\" (expected key value)"),
                ));
            }
        }
    }
    Ok(out)
}

fn parse_threshold(kw: &str, value: &str) -> Res<Threshold> {
    let mut kind = None;
    let mut track = None;
    let mut count = None;
    let mut seconds = None;
    let mut multiplier = None;
    for (k, v) in key_values(kw, value)? {
        match k {
            "type" => {
                kind = Some(match v {
                    "limit" => ThresholdKind::Limit,
                    "threshold" => ThresholdKind::Threshold,
                    "both" => ThresholdKind::Both,
                    // The multiplier is filled in below.
                    "backoff" => ThresholdKind::Backoff { multiplier: 0 },
                    other => return Err(fail(kw, format!("invalid {kw} type \"{other}\""))),
                });
            }
            "track" => track = Some(parse_track(kw, v)?),
            "count" => count = Some(parse_u32(kw, v)?),
            "seconds" => seconds = Some(parse_u32(kw, v)?),
            "multiplier" => multiplier = Some(parse_u32(kw, v)?),
            other => return Err(fail(kw, format!("unknown {kw} option \"{other}\""))),
        }
    }
    // Suricata's syntax: `count N, <seconds T | multiplier M>`; backoff
    // takes the multiplier, the other types the seconds.
    match (kind, track, count, seconds, multiplier) {
        (Some(ThresholdKind::Backoff { .. }), Some(track), Some(count), None, Some(m)) => {
            if count == 0 || m == 0 {
                return Err(fail(
                    kw,
                    format!("{kw} type backoff needs a count and a multiplier of at least 1"),
                ));
            }
            Ok(Threshold {
                kind: ThresholdKind::Backoff { multiplier: m },
                track,
                count,
                seconds: 0,
            })
        }
        (Some(ThresholdKind::Backoff { .. }), ..) => Err(fail(
            kw,
            format!("{kw} type backoff needs track, count and multiplier (and no seconds)"),
        )),
        (Some(kind), Some(track), Some(count), Some(seconds), None) => Ok(Threshold {
            kind,
            track,
            count,
            seconds,
        }),
        (Some(_), _, _, _, Some(_)) => Err(fail(
            kw,
            format!("{kw}: multiplier is only for type backoff"),
        )),
        _ => Err(fail(
            kw,
            format!("{kw} needs type, track, count and seconds"),
        )),
    }
}

fn parse_detection_filter(kw: &str, value: &str) -> Res<DetectionFilter> {
    let mut track = None;
    let mut count = None;
    let mut seconds = None;
    for (k, v) in key_values(kw, value)? {
        match k {
            "track" => track = Some(parse_track(kw, v)?),
            "count" => count = Some(parse_u32(kw, v)?),
            "seconds" => seconds = Some(parse_u32(kw, v)?),
            other => return Err(fail(kw, format!("unknown {kw} option \"{other}\""))),
        }
    }
    match (track, count, seconds) {
        (Some(track), Some(count), Some(seconds)) => Ok(DetectionFilter {
            track,
            count,
            seconds,
        }),
        _ => Err(fail(kw, format!("{kw} needs track, count and seconds"))),
    }
}

/// Endianness, string base, bitmask and `relative`, shared by the `byte_*`
/// keywords.
#[derive(Default)]
struct ByteOpts {
    relative: bool,
    endian: Option<Endian>,
    string: bool,
    base: Option<StringBase>,
    bitmask: Option<u64>,
}

impl ByteOpts {
    /// Handles a common option; false when `p` is not one.
    fn common(&mut self, kw: &str, p: &str) -> Res<bool> {
        let set_endian = |cur: &mut Option<Endian>, e: Endian| -> Res<()> {
            match cur {
                Some(prev) if *prev != e => Err(fail(kw, format!("{kw} has two byte orders"))),
                _ => {
                    *cur = Some(e);
                    Ok(())
                }
            }
        };
        let set_base = |cur: &mut Option<StringBase>, b: StringBase| -> Res<()> {
            match cur {
                Some(prev) if *prev != b => Err(fail(kw, format!("{kw} has two number bases"))),
                _ => {
                    *cur = Some(b);
                    Ok(())
                }
            }
        };
        match p {
            "relative" => self.relative = true,
            "big" => set_endian(&mut self.endian, Endian::Big)?,
            "little" => set_endian(&mut self.endian, Endian::Little)?,
            "dce" => set_endian(&mut self.endian, Endian::Dce)?,
            "string" => self.string = true,
            "hex" => set_base(&mut self.base, StringBase::Hex)?,
            "dec" => set_base(&mut self.base, StringBase::Dec)?,
            "oct" => set_base(&mut self.base, StringBase::Oct)?,
            _ => {
                let mut words = p.split_whitespace();
                match (words.next(), words.next(), words.next()) {
                    (Some("bitmask"), Some(m), None) => {
                        let v = parse_u64_base0(m)
                            .filter(|&v| v != 0)
                            .ok_or_else(|| fail(kw, format!("invalid bitmask \"{m}\"")))?;
                        self.bitmask = Some(v);
                    }
                    _ => return Ok(false),
                }
            }
        }
        Ok(true)
    }

    fn finish(&self, kw: &str, nbytes: u8) -> Res<(Endian, Option<StringBase>)> {
        if self.endian == Some(Endian::Dce) {
            // `dce` makes the rule a DCE/RPC rule in Suricata.
            return Err(RuleProblem::unsupported(
                kw,
                format!("{kw} with dce (DCE/RPC byte order) is not supported yet"),
            ));
        }
        if self.base.is_some() && !self.string {
            return Err(fail(kw, format!("{kw}: hex, dec and oct need string")));
        }
        if !self.string && nbytes > 8 {
            return Err(fail(
                kw,
                format!("{kw} reads at most 8 bytes without string (found {nbytes})"),
            ));
        }
        let string = self.string.then(|| self.base.unwrap_or(StringBase::Dec));
        Ok((self.endian.unwrap_or_default(), string))
    }
}

/// A literal byte count for the checks that need one (a variable's value is
/// checked when the rule runs).
fn lit_nbytes(n: &Num) -> u8 {
    match n {
        Num::Lit(x) => u8::try_from(*x).unwrap_or(u8::MAX),
        Num::Var(_) => 0,
    }
}
