//! Building [`Rule`] values in code, without rule text: for tests, benches
//! and generated rule sets.
//!
//! ```
//! use wardwatch::detect::builder::{RuleBuilder, content};
//! use wardwatch::rules::ir::RuleProto;
//!
//! let rule = RuleBuilder::new(1000)
//!     .proto(RuleProto::Tcp)
//!     .payload(content("GET ").depth(4))
//!     .payload(content("/admin").nocase().distance(0))
//!     .build();
//! assert_eq!(rule.lists[0].items.len(), 2);
//! ```

use std::net::IpAddr;

use crate::rules::ir::{
    Action, AddrSet, BufferId, Content, DetectionFilter, FastPattern, FlowMatch, Flowbits, Flowint,
    HeaderCheck, IpNet, Match, MatchList, Num, Pcre, PortSet, Rule, RuleProto, Threshold,
    Transform,
};

/// A [`Rule`] under construction; [`RuleBuilder::new`] starts from
/// `alert ip any any -> any any (msg:"sid N"; sid:N; rev:1;)`.
#[derive(Clone, Debug)]
pub struct RuleBuilder {
    rule: Rule,
}

impl RuleBuilder {
    /// An `alert ip any any -> any any` rule with this sid.
    pub fn new(sid: u32) -> Self {
        let any_addr = AddrSet {
            any: true,
            ..AddrSet::default()
        };
        let any_port = PortSet {
            any: true,
            ..PortSet::default()
        };
        RuleBuilder {
            rule: Rule {
                action: Action::Alert,
                proto: RuleProto::Ip,
                src: any_addr.clone(),
                src_ports: any_port.clone(),
                dst: any_addr,
                dst_ports: any_port,
                bidirectional: false,
                sid,
                gid: 1,
                rev: 1,
                msg: format!("sid {sid}"),
                classtype: None,
                category: String::new(),
                priority: 3,
                metadata: Vec::new(),
                references: Vec::new(),
                target: None,
                lists: Vec::new(),
                flow: None,
                flowbits: Vec::new(),
                flowints: Vec::new(),
                header: Vec::new(),
                threshold: None,
                detection_filter: None,
                noalert: false,
                app_layer_protocol: None,
                file: "built.rules".to_owned(),
                line: sid,
            },
        }
    }

    /// The action.
    pub fn action(mut self, action: Action) -> Self {
        self.rule.action = action;
        self
    }

    /// The protocol.
    pub fn proto(mut self, proto: RuleProto) -> Self {
        self.rule.proto = proto;
        self
    }

    /// Source addresses.
    pub fn src(mut self, set: AddrSet) -> Self {
        self.rule.src = set;
        self
    }

    /// Source ports.
    pub fn src_ports(mut self, set: PortSet) -> Self {
        self.rule.src_ports = set;
        self
    }

    /// Destination addresses.
    pub fn dst(mut self, set: AddrSet) -> Self {
        self.rule.dst = set;
        self
    }

    /// Destination ports.
    pub fn dst_ports(mut self, set: PortSet) -> Self {
        self.rule.dst_ports = set;
        self
    }

    /// `<>` instead of `->`.
    pub fn bidirectional(mut self) -> Self {
        self.rule.bidirectional = true;
        self
    }

    /// `msg`.
    pub fn msg(mut self, msg: &str) -> Self {
        self.rule.msg = msg.to_owned();
        self
    }

    /// `gid`.
    pub fn gid(mut self, gid: u32) -> Self {
        self.rule.gid = gid;
        self
    }

    /// `priority`.
    pub fn priority(mut self, priority: u8) -> Self {
        self.rule.priority = priority;
        self
    }

    /// Appends a `metadata` pair.
    pub fn metadata(mut self, key: &str, value: &str) -> Self {
        self.rule.metadata.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Appends a detection option to the list of `buffer` (created at the
    /// end of the lists if the rule has none for it yet).
    pub fn on(self, buffer: BufferId, m: impl Into<Match>) -> Self {
        self.on_transformed(buffer, &[], m)
    }

    /// Appends a detection option to the list of `buffer` with
    /// `transforms` applied (`http.uri; to_lowercase; content:..`); a list
    /// with other transforms is another list.
    pub fn on_transformed(
        mut self,
        buffer: BufferId,
        transforms: &[Transform],
        m: impl Into<Match>,
    ) -> Self {
        let m = m.into();
        match self
            .rule
            .lists
            .iter_mut()
            .find(|l| l.buffer == buffer && l.transforms == transforms)
        {
            Some(l) => l.items.push(m),
            None => self.rule.lists.push(MatchList {
                buffer,
                transforms: transforms.to_vec(),
                items: vec![m],
            }),
        }
        self
    }

    /// Appends a detection option on the payload.
    pub fn payload(self, m: impl Into<Match>) -> Self {
        self.on(BufferId::Payload, m)
    }

    /// `flow:`.
    pub fn flow(mut self, flow: FlowMatch) -> Self {
        self.rule.flow = Some(flow);
        self
    }

    /// Appends a `flowbits` operation.
    pub fn flowbits(mut self, fb: Flowbits) -> Self {
        self.rule.flowbits.push(fb);
        self
    }

    /// Appends a `flowint` operation.
    pub fn flowint(mut self, fi: Flowint) -> Self {
        self.rule.flowints.push(fi);
        self
    }

    /// Appends a header check.
    pub fn header(mut self, h: HeaderCheck) -> Self {
        self.rule.header.push(h);
        self
    }

    /// `threshold:`.
    pub fn threshold(mut self, t: Threshold) -> Self {
        self.rule.threshold = Some(t);
        self
    }

    /// `detection_filter:`.
    pub fn detection_filter(mut self, d: DetectionFilter) -> Self {
        self.rule.detection_filter = Some(d);
        self
    }

    /// `noalert`.
    pub fn noalert(mut self) -> Self {
        self.rule.noalert = true;
        self
    }

    /// `app-layer-protocol:[!]name`.
    pub fn app_layer_protocol(mut self, name: &str, negated: bool) -> Self {
        self.rule.app_layer_protocol = Some((name.to_owned(), negated));
        self
    }

    /// Where the rule "came from" (for problem messages).
    pub fn origin(mut self, file: &str, line: u32) -> Self {
        self.rule.file = file.to_owned();
        self.rule.line = line;
        self
    }

    /// The rule.
    pub fn build(self) -> Rule {
        self.rule
    }
}

/// A `content` under construction; converts into a [`Match`].
#[derive(Clone, Debug)]
pub struct ContentSpec(Content);

/// `content:"pattern"` with no modifiers.
pub fn content(pattern: impl AsRef<[u8]>) -> ContentSpec {
    ContentSpec(Content {
        pattern: pattern.as_ref().to_vec(),
        negated: false,
        nocase: false,
        offset: None,
        depth: None,
        distance: None,
        within: None,
        startswith: false,
        endswith: false,
        fast_pattern: FastPattern::Auto,
        rawbytes: false,
    })
}

impl ContentSpec {
    /// `!`.
    pub fn negated(mut self) -> Self {
        self.0.negated = true;
        self
    }
    /// `nocase`.
    pub fn nocase(mut self) -> Self {
        self.0.nocase = true;
        self
    }
    /// `offset:N`.
    pub fn offset(mut self, n: i64) -> Self {
        self.0.offset = Some(Num::Lit(n));
        self
    }
    /// `depth:N`.
    pub fn depth(mut self, n: i64) -> Self {
        self.0.depth = Some(Num::Lit(n));
        self
    }
    /// `distance:N`.
    pub fn distance(mut self, n: i64) -> Self {
        self.0.distance = Some(Num::Lit(n));
        self
    }
    /// `within:N`.
    pub fn within(mut self, n: i64) -> Self {
        self.0.within = Some(Num::Lit(n));
        self
    }
    /// `offset:var`.
    pub fn offset_var(mut self, var: &str) -> Self {
        self.0.offset = Some(Num::Var(var.to_owned()));
        self
    }
    /// `depth:var`.
    pub fn depth_var(mut self, var: &str) -> Self {
        self.0.depth = Some(Num::Var(var.to_owned()));
        self
    }
    /// `distance:var`.
    pub fn distance_var(mut self, var: &str) -> Self {
        self.0.distance = Some(Num::Var(var.to_owned()));
        self
    }
    /// `within:var`.
    pub fn within_var(mut self, var: &str) -> Self {
        self.0.within = Some(Num::Var(var.to_owned()));
        self
    }
    /// `startswith`.
    pub fn startswith(mut self) -> Self {
        self.0.startswith = true;
        self
    }
    /// `endswith`.
    pub fn endswith(mut self) -> Self {
        self.0.endswith = true;
        self
    }
    /// `fast_pattern`.
    pub fn fast_pattern(mut self) -> Self {
        self.0.fast_pattern = FastPattern::Yes;
        self
    }
    /// `fast_pattern:offset,len`.
    pub fn fast_pattern_chop(mut self, offset: u16, len: u16) -> Self {
        self.0.fast_pattern = FastPattern::Chop { offset, len };
        self
    }
    /// The IR value.
    pub fn into_content(self) -> Content {
        self.0
    }
}

impl From<ContentSpec> for Match {
    fn from(c: ContentSpec) -> Match {
        Match::Content(c.0)
    }
}

/// A `pcre` under construction; converts into a [`Match`].
#[derive(Clone, Debug)]
pub struct PcreSpec(Pcre);

/// `pcre:"/regex/"`, the regex already in `regex::bytes` syntax.
pub fn pcre(regex: &str) -> PcreSpec {
    PcreSpec(Pcre {
        regex: regex.to_owned(),
        negated: false,
        relative: false,
        anchored: false,
        dollar_endonly: false,
        ungreedy: false,
    })
}

impl PcreSpec {
    /// `!`.
    pub fn negated(mut self) -> Self {
        self.0.negated = true;
        self
    }
    /// `R`.
    pub fn relative(mut self) -> Self {
        self.0.relative = true;
        self
    }
    /// `A`.
    pub fn anchored(mut self) -> Self {
        self.0.anchored = true;
        self
    }
}

impl From<PcreSpec> for Match {
    fn from(p: PcreSpec) -> Match {
        Match::Pcre(p.0)
    }
}

fn parse_net(item: &str) -> Result<IpNet, String> {
    let (addr, prefix) = match item.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (item, None),
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{item}` is not an address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("`{item}`: bad prefix"))?,
        None => max,
    };
    Ok(IpNet { addr, prefix })
}

fn items(spec: &str) -> impl Iterator<Item = (bool, &str)> {
    let s = spec.trim();
    let s = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(s);
    s.split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(|i| match i.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, i),
        })
}

/// An address set from a simple spec: `any`, `10.0.0.0/8`, `!10.0.0.1`,
/// `[10.0.0.0/8,!10.0.0.1]` (no variables, no nesting).
pub fn addrs(spec: &str) -> Result<AddrSet, String> {
    let mut set = AddrSet::default();
    for (neg, item) in items(spec) {
        if item == "any" {
            if neg {
                return Err("`!any` matches nothing".into());
            }
            set.any = true;
            continue;
        }
        let net = parse_net(item)?;
        if neg {
            set.exclude.push(net);
        } else {
            set.include.push(net);
        }
    }
    if set.include.is_empty() {
        set.any = true;
    }
    Ok(set)
}

/// A port set from a simple spec: `any`, `80`, `1024:`, `:1023`, `80:90`,
/// `!80`, `[80,443,!8080]`.
pub fn ports(spec: &str) -> Result<PortSet, String> {
    let mut set = PortSet::default();
    let port = |s: &str| -> Result<u16, String> {
        s.trim()
            .parse::<u16>()
            .map_err(|_| format!("`{s}` is not a port"))
    };
    for (neg, item) in items(spec) {
        if item == "any" {
            set.any = true;
            continue;
        }
        let range = match item.split_once(':') {
            Some((lo, hi)) => (
                if lo.is_empty() { 0 } else { port(lo)? },
                if hi.is_empty() { u16::MAX } else { port(hi)? },
            ),
            None => {
                let p = port(item)?;
                (p, p)
            }
        };
        if neg {
            set.exclude.push(range);
        } else {
            set.include.push(range);
        }
    }
    if set.include.is_empty() {
        set.any = true;
    }
    Ok(set)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn address_and_port_specs() {
        let a = addrs("[10.0.0.0/8,!10.0.0.1]").unwrap();
        assert!(a.contains("10.2.3.4".parse().unwrap()));
        assert!(!a.contains("10.0.0.1".parse().unwrap()));
        assert!(!a.contains("11.0.0.1".parse().unwrap()));
        let a = addrs("!192.168.1.1").unwrap();
        assert!(a.contains("8.8.8.8".parse().unwrap()));
        assert!(!a.contains("192.168.1.1".parse().unwrap()));
        assert!(addrs("10.0.0.0/33").is_err());
        let p = ports("[80,443,1024:,!8080]").unwrap();
        assert!(p.contains(80) && p.contains(443) && p.contains(5000));
        assert!(!p.contains(8080) && !p.contains(22));
        let p = ports("!53").unwrap();
        assert!(p.contains(54) && !p.contains(53));
        assert!(ports("x").is_err());
    }
}
