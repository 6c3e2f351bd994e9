//! The typed meaning of a rule: what the parser produces and the detection
//! engine compiles. Nothing here knows rule *text* (that is `parse`) or how
//! matching is done fast (that is `crate::detect`).
//!
//! A rule's detection options are kept in [`MatchList`]s, one per inspection
//! buffer, in rule order: Suricata's relative keywords (`distance`, `within`,
//! `relative`) refer to the previous match *in the same buffer*.

use std::net::IpAddr;

/// What a rule does when it matches.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Raise an alert.
    Alert,
    /// Stop inspecting the packet/flow for other rules, no alert.
    Pass,
    /// Inline: drop; in IDS mode an alert with `action: "blocked"`... see `crate::detect`.
    Drop,
    /// Inline: drop and send a reset/unreachable.
    Reject,
}

/// The protocol part of a rule header.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RuleProto {
    /// Any IP packet.
    Ip,
    /// TCP (packets and reassembled stream).
    Tcp,
    /// TCP packets only (`tcp-pkt`).
    TcpPkt,
    /// TCP reassembled stream only (`tcp-stream`).
    TcpStream,
    /// UDP.
    Udp,
    /// ICMP and ICMPv6 (`icmp`); `icmpv4`/`icmpv6` narrow it.
    Icmp,
    /// ICMPv4 only.
    Icmpv4,
    /// ICMPv6 only.
    Icmpv6,
    /// An application protocol by Suricata's name (`http`, `dns`, `tls`, ...):
    /// matches flows whose detected `app_proto` is this one.
    App(String),
}

/// An IP network (address + prefix length).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpNet {
    /// Network address (host bits may be set; `contains` masks them).
    pub addr: IpAddr,
    /// Prefix length (0-32 or 0-128).
    pub prefix: u8,
}

impl IpNet {
    /// True when `ip` is inside this network (families must match).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let p = u32::from(self.prefix.min(32));
                let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
                (u32::from(n) & mask) == (u32::from(a) & mask)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let p = u32::from(self.prefix.min(128));
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                (u128::from(n) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}

/// A set of addresses from a rule header after variables are expanded:
/// `any`, or the union of `include` minus the union of `exclude`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddrSet {
    /// True for `any` (then `include` is ignored; `exclude` still applies).
    pub any: bool,
    /// Networks in the set.
    pub include: Vec<IpNet>,
    /// Networks taken out of it (`!` items).
    pub exclude: Vec<IpNet>,
}

impl AddrSet {
    /// Membership test.
    pub fn contains(&self, ip: IpAddr) -> bool {
        (self.any || self.include.iter().any(|n| n.contains(ip)))
            && !self.exclude.iter().any(|n| n.contains(ip))
    }
}

/// A set of ports after variables are expanded (inclusive ranges).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortSet {
    /// True for `any`.
    pub any: bool,
    /// Ranges in the set.
    pub include: Vec<(u16, u16)>,
    /// Ranges taken out (`!` items).
    pub exclude: Vec<(u16, u16)>,
}

impl PortSet {
    /// Membership test.
    pub fn contains(&self, port: u16) -> bool {
        (self.any
            || self
                .include
                .iter()
                .any(|&(lo, hi)| lo <= port && port <= hi))
            && !self
                .exclude
                .iter()
                .any(|&(lo, hi)| lo <= port && port <= hi)
    }
}

/// An inspection buffer: where a content, pcre, byte_* ... looks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BufferId {
    /// The packet payload, and for TCP also the reassembled stream (the
    /// default buffer of a rule without sticky buffer).
    Payload,
    /// `http.uri` / `http_uri`: the normalised request URI.
    HttpUri,
    /// `http.uri.raw` / `http_raw_uri`.
    HttpUriRaw,
    /// `http.method` / `http_method`.
    HttpMethod,
    /// `http.protocol`.
    HttpProtocol,
    /// `http.request_line`.
    HttpRequestLine,
    /// `http.host` / `http_host` (normalised: lower case, no port).
    HttpHost,
    /// `http.host.raw` / `http_raw_host`.
    HttpHostRaw,
    /// `http.user_agent` / `http_user_agent`.
    HttpUserAgent,
    /// `http.header` / `http_header`: normalised headers of the request or
    /// the response (by direction), `Name: value\r\n` each, cookies excluded.
    HttpHeader,
    /// `http.header.raw` / `http_raw_header`.
    HttpHeaderRaw,
    /// `http.cookie` / `http_cookie`.
    HttpCookie,
    /// `http.request_body` / `http_client_body`.
    HttpRequestBody,
    /// `http.stat_code` / `http_stat_code`.
    HttpStatCode,
    /// `http.stat_msg` / `http_stat_msg`.
    HttpStatMsg,
    /// `http.response_line`.
    HttpResponseLine,
    /// `http.response_body` / `file_data` / `file.data` (decoded: dechunked,
    /// decompressed).
    HttpResponseBody,
    /// `http.content_type`.
    HttpContentType,
    /// `http.content_len`.
    HttpContentLen,
    /// `http.connection`.
    HttpConnection,
    /// `http.referer`.
    HttpReferer,
    /// `http.accept`.
    HttpAccept,
    /// `http.server`.
    HttpServer,
    /// `http.location`.
    HttpLocation,
    /// `http.start`: request/response line plus headers, raw.
    HttpStart,
    /// `dns.query` / `dns_query`: the query name, dotted.
    DnsQuery,
    /// `tls.sni` / `tls_sni`.
    TlsSni,
    /// `tls.cert_subject`.
    TlsCertSubject,
    /// `tls.cert_issuer`.
    TlsCertIssuer,
    /// `tls.cert_serial`.
    TlsCertSerial,
    /// `ja3.hash` / `ja3_hash`: lowercase hex MD5.
    Ja3Hash,
    /// `ja3.string`.
    Ja3String,
    /// `ja3s.hash`.
    Ja3sHash,
    /// `ssh.software` / `ssh.softwareversion`.
    SshSoftware,
    /// `ssh.hassh`: MD5 of the client's HASSH string.
    SshHassh,
    /// `ssh.hassh.string`: the client's KEXINIT algorithm lists.
    SshHasshString,
    /// `ssh.hassh.server`: MD5 of the server's HASSH string.
    SshHasshServer,
    /// `ssh.hassh.server.string`.
    SshHasshServerString,
    /// `ssh.proto` / `ssh.protoversion`.
    SshProto,
    /// `dicom.calling_ae`: the calling AE title of an A-ASSOCIATE-RQ/AC (trimmed).
    DicomCallingAe,
    /// `dicom.called_ae`: the called AE title of an A-ASSOCIATE-RQ/AC (trimmed).
    DicomCalledAe,
    /// `dicom.command`: a DIMSE command name (`C-ECHO-RQ`, `C-STORE-RSP`, ...).
    DicomCommand,
    /// `hl7.msh`: the MSH segment of an HL7 v2 message, as sent.
    Hl7Msh,
    /// `hl7.message_type`: MSH-9 (`ADT^A01`, `ORU^R01^ORU_R01`, ...).
    Hl7MessageType,
    /// `hl7.sending_app`: MSH-3, the sending application.
    Hl7SendingApp,
    /// `krb5.cname` / `krb5_cname`: the client principal name(s).
    Krb5Cname,
    /// `krb5.sname` / `krb5_sname`: the service principal name(s).
    Krb5Sname,
    /// `smb.share` / `smb_share`: the share of a TREE_CONNECT.
    SmbShare,
    /// `smb.named_pipe` / `smb_named_pipe`: a named pipe opened.
    SmbNamedPipe,
    /// `http.header_names`: `\r\n`, then each header name and `\r\n`, then
    /// `\r\n` (request or response, by direction).
    HttpHeaderNames,
    /// `tls.certs`: each certificate of the server's Certificate message,
    /// DER (a multi-value buffer).
    TlsCerts,
    /// `http.request_header`: each request header as `Name: value` (a
    /// multi-value buffer).
    HttpRequestHeader,
    /// `http.response_header`: each response header as `Name: value`.
    HttpResponseHeader,
}

impl BufferId {
    /// True for buffers that belong to an application-layer transaction
    /// (inspected when the parser produced them), false for `Payload`.
    pub fn is_app(self) -> bool {
        self != BufferId::Payload
    }

    /// The one direction in which the buffer exists, as in Suricata's buffer
    /// registration: `Some(true)` for request (to-server) buffers,
    /// `Some(false)` for response (to-client) buffers, `None` for buffers
    /// found in both directions (and `Payload`).
    pub fn to_server_only(self) -> Option<bool> {
        use BufferId::*;
        match self {
            HttpUri | HttpUriRaw | HttpMethod | HttpRequestLine | HttpHost | HttpHostRaw
            | HttpUserAgent | HttpReferer | HttpAccept | HttpConnection | HttpRequestBody
            | TlsSni | Ja3Hash | Ja3String | SshHassh | SshHasshString => Some(true),
            HttpStatCode | HttpStatMsg | HttpResponseLine | HttpResponseBody | HttpServer
            | HttpLocation | TlsCertSubject | TlsCertIssuer | TlsCertSerial | Ja3sHash
            | SshHasshServer | SshHasshServerString => Some(false),
            Payload | HttpProtocol | HttpHeader | HttpHeaderRaw | HttpCookie | HttpContentType
            | HttpContentLen | HttpStart | DnsQuery | SshSoftware | SshProto => None,
            DicomCallingAe | DicomCalledAe | DicomCommand | Hl7Msh | Hl7MessageType
            | Hl7SendingApp | SmbNamedPipe => None,
            // Suricata inspects the principal names in requests only (its
            // krb5_cname/krb5_sname engines are registered to-server).
            Krb5Cname | Krb5Sname => Some(true),
            SmbShare => Some(true),
            HttpHeaderNames => None,
            HttpRequestHeader => Some(true),
            TlsCerts | HttpResponseHeader => Some(false),
        }
    }
}

/// A number in a rule that may instead name a `byte_extract`/`byte_math` variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Num {
    /// A literal.
    Lit(i64),
    /// A variable set earlier in the same rule.
    Var(String),
}

/// `fast_pattern` choice for a content.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum FastPattern {
    /// Not specified: the engine picks.
    #[default]
    Auto,
    /// `fast_pattern`: use this content.
    Yes,
    /// `fast_pattern:only`: use it and do not verify it again (legacy; treat as Yes).
    Only,
    /// `fast_pattern:offset,length`: use this slice of the pattern.
    Chop {
        /// Start within the pattern.
        offset: u16,
        /// Length.
        len: u16,
    },
}

/// `content` with its modifiers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Content {
    /// The bytes (hex `|..|` and escapes resolved).
    pub pattern: Vec<u8>,
    /// `content:!"..."`.
    pub negated: bool,
    /// `nocase` (ASCII case-insensitive).
    pub nocase: bool,
    /// `offset` (absolute, from buffer start).
    pub offset: Option<Num>,
    /// `depth` (absolute: match must end within offset+depth of start).
    pub depth: Option<Num>,
    /// `distance` (relative to the end of the previous match).
    pub distance: Option<Num>,
    /// `within` (relative: match must end within this many bytes of the previous match's end + distance).
    pub within: Option<Num>,
    /// `startswith` (= depth pattern.len(), offset 0).
    pub startswith: bool,
    /// `endswith` (match must end at the buffer end).
    pub endswith: bool,
    /// `fast_pattern`.
    pub fast_pattern: FastPattern,
    /// `rawbytes` (accepted, no effect: there is no normalised payload).
    pub rawbytes: bool,
}

/// `pcre`, translated to the `regex` crate's syntax.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pcre {
    /// Pattern in `regex::bytes` syntax, with the PCRE flags `i s m x` folded
    /// in as inline flags (e.g. `(?i)`); Unicode off (`(?-u)`), as PCRE's bytes.
    pub regex: String,
    /// `pcre:!"..."`.
    pub negated: bool,
    /// `R`: match starts at the end of the previous match in this buffer.
    pub relative: bool,
    /// PCRE `A` flag: anchored at the start (of the buffer, or of the relative point).
    pub anchored: bool,
    /// PCRE `E` flag: `$` only at the very end.
    pub dollar_endonly: bool,
    /// PCRE `G` flag: ungreedy (folded into the regex as `(?U)` by the parser).
    pub ungreedy: bool,
}

/// Byte order for `byte_*` keywords.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Network order (default).
    #[default]
    Big,
    /// `little`.
    Little,
    /// `dce`: from the DCE/RPC header (treated as little unless known).
    Dce,
}

/// Number base for `string` conversions in `byte_*`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StringBase {
    /// `string,hex`.
    Hex,
    /// `string,dec` (and bare `string`).
    Dec,
    /// `string,oct`.
    Oct,
}

/// Comparison operators of `byte_test`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ByteOp {
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `=`
    Eq,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `&` (bitwise and is non-zero)
    And,
    /// `^` (bitwise xor is non-zero)
    Xor,
}

/// `byte_test`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteTest {
    /// Bytes to read (1-8; up to 23 with `string`), or a `byte_extract` /
    /// `byte_math` variable holding the count. `0` with `string` reads all
    /// the digits there are (Suricata hands the bytes to `strtoull`).
    pub nbytes: Num,
    /// Operator, possibly negated (`!`).
    pub op: ByteOp,
    /// `!` before the operator.
    pub negated: bool,
    /// Value compared against.
    pub value: Num,
    /// Where to read.
    pub offset: Num,
    /// Relative to the previous match.
    pub relative: bool,
    /// Byte order.
    pub endian: Endian,
    /// Text number instead of binary.
    pub string: Option<StringBase>,
    /// `bitmask` applied before comparing.
    pub bitmask: Option<u64>,
}

/// `byte_jump`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteJump {
    /// Bytes to read, or a `byte_extract` / `byte_math` variable holding
    /// the count.
    pub nbytes: Num,
    /// Where to read.
    pub offset: Num,
    /// Relative to the previous match.
    pub relative: bool,
    /// `multiplier`.
    pub multiplier: Option<u64>,
    /// Byte order.
    pub endian: Endian,
    /// Text number.
    pub string: Option<StringBase>,
    /// `align` (round up to 4).
    pub align: bool,
    /// `from_beginning`.
    pub from_beginning: bool,
    /// `from_end`.
    pub from_end: bool,
    /// `post_offset`.
    pub post_offset: Option<i64>,
    /// `bitmask`.
    pub bitmask: Option<u64>,
}

/// `byte_extract`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteExtract {
    /// Bytes to read.
    pub nbytes: u8,
    /// Where to read.
    pub offset: i64,
    /// Variable name set.
    pub name: String,
    /// Relative to the previous match.
    pub relative: bool,
    /// `multiplier`.
    pub multiplier: Option<u64>,
    /// Byte order.
    pub endian: Endian,
    /// Text number.
    pub string: Option<StringBase>,
    /// `align` (2 or 4).
    pub align: Option<u8>,
    /// `bitmask`.
    pub bitmask: Option<u64>,
}

/// Operators of `byte_math`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MathOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
}

/// `byte_math`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteMath {
    /// Bytes to read, or a `byte_extract` / `byte_math` variable holding
    /// the count.
    pub nbytes: Num,
    /// Where to read.
    pub offset: i64,
    /// Operator.
    pub oper: MathOp,
    /// Right-hand value.
    pub rvalue: Num,
    /// Variable name set to the result.
    pub result: String,
    /// Relative to the previous match.
    pub relative: bool,
    /// Byte order.
    pub endian: Endian,
    /// Text number.
    pub string: Option<StringBase>,
    /// `bitmask`.
    pub bitmask: Option<u64>,
}

/// A numeric comparison (`dsize:>100`, `ttl:<5`, `bsize:10<>20`, `itype:8`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cmp {
    /// `N`
    Eq(u64),
    /// `!N`
    Ne(u64),
    /// `<N`
    Lt(u64),
    /// `>N`
    Gt(u64),
    /// `<=N`
    Le(u64),
    /// `>=N`
    Ge(u64),
    /// `A<>B`: strictly between (Suricata's meaning).
    Between(u64, u64),
}

impl Cmp {
    /// Evaluates the comparison.
    pub fn test(&self, v: u64) -> bool {
        match *self {
            Cmp::Eq(n) => v == n,
            Cmp::Ne(n) => v != n,
            Cmp::Lt(n) => v < n,
            Cmp::Gt(n) => v > n,
            Cmp::Le(n) => v <= n,
            Cmp::Ge(n) => v >= n,
            Cmp::Between(a, b) => a < v && v < b,
        }
    }
}

/// One detection option bound to a buffer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Match {
    /// `content`.
    Content(Content),
    /// `pcre`.
    Pcre(Pcre),
    /// `isdataat`.
    IsDataAt {
        /// Position.
        offset: Num,
        /// Relative to the previous match.
        relative: bool,
        /// `!`: true when there is *no* data there.
        negated: bool,
    },
    /// `byte_test`.
    ByteTest(ByteTest),
    /// `byte_jump`.
    ByteJump(ByteJump),
    /// `byte_extract`.
    ByteExtract(ByteExtract),
    /// `byte_math`.
    ByteMath(ByteMath),
    /// `bsize`: length of the buffer.
    Bsize(Cmp),
}

/// The detection options on one buffer, in rule order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MatchList {
    /// The buffer.
    pub buffer: BufferId,
    /// Transforms applied to the buffer, in order, before its options are
    /// evaluated (`http.uri; to_lowercase; content:...`). A buffer with
    /// other transforms is another list, as in Suricata.
    pub transforms: Vec<Transform>,
    /// Its options.
    pub items: Vec<Match>,
}

/// A Suricata transform: the sticky buffer is rewritten before inspection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Transform {
    /// `strip_whitespace`: every C `isspace` byte removed.
    StripWhitespace,
    /// `compress_whitespace`: each run of `isspace` bytes reduced to its
    /// first byte.
    CompressWhitespace,
    /// `to_lowercase` (ASCII).
    ToLowercase,
    /// `to_uppercase` (ASCII).
    ToUppercase,
    /// `url_decode`: `%HH` decoded, `+` to space; invalid escapes kept.
    UrlDecode,
    /// `dotprefix`: a `.` put in front of a non-empty buffer.
    DotPrefix,
    /// `to_md5`: the raw 16-byte MD5 digest of the buffer.
    ToMd5,
    /// `to_sha1`: the raw 20-byte SHA-1 digest.
    ToSha1,
    /// `to_sha256`: the raw 32-byte SHA-256 digest.
    ToSha256,
    /// `header_lowercase`: header names (up to the `:` of each line)
    /// lower-cased.
    HeaderLowercase,
    /// `strip_pseudo_headers`: lines starting with `:` removed.
    StripPseudoHeaders,
    /// `xor:"key"`: each byte XORed with the key, repeated.
    Xor(Vec<u8>),
    /// `pcrexform:"regex"`: the first capture group of the first match
    /// (the buffer is unchanged when the regex does not match). The regex
    /// is in `regex::bytes` syntax, translated from PCRE.
    PcreXform(String),
}

impl Transform {
    /// The keyword that writes it.
    pub fn keyword(&self) -> &'static str {
        match self {
            Transform::StripWhitespace => "strip_whitespace",
            Transform::CompressWhitespace => "compress_whitespace",
            Transform::ToLowercase => "to_lowercase",
            Transform::ToUppercase => "to_uppercase",
            Transform::UrlDecode => "url_decode",
            Transform::DotPrefix => "dotprefix",
            Transform::ToMd5 => "to_md5",
            Transform::ToSha1 => "to_sha1",
            Transform::ToSha256 => "to_sha256",
            Transform::HeaderLowercase => "header_lowercase",
            Transform::StripPseudoHeaders => "strip_pseudo_headers",
            Transform::Xor(_) => "xor",
            Transform::PcreXform(_) => "pcrexform",
        }
    }
}

/// `flow:` options.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlowMatch {
    /// `to_server`/`from_client` = Some(true); `to_client`/`from_server` = Some(false).
    pub to_server: Option<bool>,
    /// `established`.
    pub established: bool,
    /// `not_established`.
    pub not_established: bool,
    /// `stateless`.
    pub stateless: bool,
    /// `only_stream`: match only on reassembled stream data.
    pub only_stream: bool,
    /// `no_stream`: match only on packets.
    pub no_stream: bool,
}

/// `flowbits` operations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Flowbits {
    /// `set,name` (several names with `|` or `&` are allowed by Suricata for isset only).
    Set(String),
    /// `unset,name`.
    Unset(String),
    /// `toggle,name`.
    Toggle(String),
    /// `isset,a|b` (any of) or `isset,a&b` (all of); one name is the common case.
    IsSet {
        /// Names.
        names: Vec<String>,
        /// True for `&` (all), false for `|` (any).
        all: bool,
    },
    /// `isnotset,name` (with `|`/`&` as for isset).
    IsNotSet {
        /// Names.
        names: Vec<String>,
        /// True for `&` (all unset), false for `|` (any unset).
        all: bool,
    },
    /// `noalert`.
    NoAlert,
}

/// `flowint` operations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Flowint {
    /// `name,=,N` (assign).
    Set(String, Num),
    /// `name,+,N`.
    Add(String, Num),
    /// `name,-,N`.
    Sub(String, Num),
    /// `name,isset`.
    IsSet(String),
    /// `name,notset` / `isnotset`.
    NotSet(String),
    /// `name,OP,N` with a comparison (`==` `!=` `<` `>` `<=` `>=`).
    Compare(String, FlowintCmp, Num),
}

/// Comparison for `flowint`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlowintCmp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

/// Who a `threshold`/`detection_filter` counts by.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Track {
    /// `by_src`.
    BySrc,
    /// `by_dst`.
    ByDst,
    /// `by_rule`.
    ByRule,
    /// `by_both`.
    ByBoth,
    /// `by_flow` (Suricata 7): per flow; a match without a flow is not
    /// counted and alerts.
    ByFlow,
}

/// `threshold` kinds.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThresholdKind {
    /// `limit`: at most `count` alerts per `seconds`.
    Limit,
    /// `threshold`: alert every `count`-th match per `seconds`.
    Threshold,
    /// `both`: alert once per `seconds` after `count` matches.
    Both,
    /// `backoff`: alert on the `count`-th match, then on every `multiplier`
    /// times as many (count 1, multiplier 10: the 1st, 10th, 100th...). No
    /// time window: `seconds` is 0.
    Backoff {
        /// `multiplier` (at least 1).
        multiplier: u32,
    },
}

/// `threshold:` (and `threshold.config` entries).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Threshold {
    /// Kind.
    pub kind: ThresholdKind,
    /// Tracking key.
    pub track: Track,
    /// Count.
    pub count: u32,
    /// Window, seconds of packet time (0 for `backoff`, which has none).
    pub seconds: u32,
}

/// `detection_filter:` — alert only after `count` matches within `seconds`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct DetectionFilter {
    /// Tracking key.
    pub track: Track,
    /// Count.
    pub count: u32,
    /// Window, seconds of packet time.
    pub seconds: u32,
}

/// `stream_size:` side.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StreamSide {
    /// `server`.
    Server,
    /// `client`.
    Client,
    /// `both`.
    Both,
    /// `either`.
    Either,
}

/// Checks on packet headers (all must hold).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HeaderCheck {
    /// `flags`: `mask` bits that must be set exactly/any/at least, after ignoring `ignore`.
    Flags {
        /// Flag bits named (FIN 0x01 ... CWR 0x80).
        bits: u8,
        /// Modifier: `Exact` (default), `Plus` (+: at least these), `Any` (*), `Not` (!).
        modifier: FlagsModifier,
        /// Bits to ignore (the `,mask` part).
        ignore: u8,
    },
    /// `ttl`.
    Ttl(Cmp),
    /// `itype`.
    Itype(Cmp),
    /// `icode`.
    Icode(Cmp),
    /// `icmp_id`.
    IcmpId(u16),
    /// `icmp_seq`.
    IcmpSeq(u16),
    /// `ip_proto`.
    IpProto(Cmp),
    /// `id` (IPv4 identification).
    Id(u16),
    /// `seq`.
    Seq(u32),
    /// `ack`.
    Ack(u32),
    /// `window` (`!` = negated).
    Window {
        /// Value.
        value: u16,
        /// Negated.
        negated: bool,
    },
    /// `fragbits`: M (more fragments 0x1), D (don't fragment 0x2), R (reserved 0x4).
    Fragbits {
        /// Bits named.
        bits: u8,
        /// Modifier as for flags.
        modifier: FlagsModifier,
    },
    /// `sameip`.
    SameIp,
    /// `dsize`: payload size of the packet.
    Dsize(Cmp),
    /// `stream_size`.
    StreamSize {
        /// Which side(s).
        side: StreamSide,
        /// Comparison on bytes seen.
        cmp: Cmp,
    },
}

/// Modifiers of `flags`/`fragbits`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlagsModifier {
    /// Exactly these bits (after ignoring).
    Exact,
    /// `+`: all of these, others allowed.
    Plus,
    /// `*`: any of these.
    Any,
    /// `!`: none of these.
    Not,
}

/// `target:`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `src_ip`.
    Source,
    /// `dest_ip`.
    Destination,
}

/// One parsed, fully understood rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Action.
    pub action: Action,
    /// Protocol.
    pub proto: RuleProto,
    /// Source addresses.
    pub src: AddrSet,
    /// Source ports.
    pub src_ports: PortSet,
    /// Destination addresses.
    pub dst: AddrSet,
    /// Destination ports.
    pub dst_ports: PortSet,
    /// `<>`: either direction.
    pub bidirectional: bool,
    /// `sid`.
    pub sid: u32,
    /// `gid` (default 1).
    pub gid: u32,
    /// `rev` (default 0).
    pub rev: u32,
    /// `msg`.
    pub msg: String,
    /// `classtype` name.
    pub classtype: Option<String>,
    /// Category (classtype description, or "" without classtype).
    pub category: String,
    /// Priority: `priority` keyword, else the classtype's, else 3.
    pub priority: u8,
    /// `metadata` key/value pairs in order.
    pub metadata: Vec<(String, String)>,
    /// `reference` values (`type,id`).
    pub references: Vec<String>,
    /// `target`.
    pub target: Option<Target>,
    /// Detection options per buffer.
    pub lists: Vec<MatchList>,
    /// `flow`.
    pub flow: Option<FlowMatch>,
    /// `flowbits`, in rule order.
    pub flowbits: Vec<Flowbits>,
    /// `flowint`, in rule order.
    pub flowints: Vec<Flowint>,
    /// Header checks.
    pub header: Vec<HeaderCheck>,
    /// `threshold`.
    pub threshold: Option<Threshold>,
    /// `detection_filter`.
    pub detection_filter: Option<DetectionFilter>,
    /// `noalert`.
    pub noalert: bool,
    /// `app-layer-protocol:NAME` (with `!` negation).
    pub app_layer_protocol: Option<(String, bool)>,
    /// File the rule came from.
    pub file: String,
    /// Line of the rule's first character (1-based).
    pub line: u32,
}
