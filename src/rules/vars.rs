//! Address and port groups (`$HOME_NET`, `$HTTP_PORTS`, ...) and the address
//! and port grammar of rule headers.
//!
//! Suricata's semantics, which are not plain boolean algebra: a list is the
//! union of its positive items *minus* the union of its negated ones
//! (`[1.2.3.0/24,!1.2.3.4]`), a list of negations only starts from "any"
//! (`[!1.2.3.4]`), and a negated variable is "any minus" its value
//! (`!$HOME_NET`). A negated list inside a list takes out whatever the inner
//! list means, its own exclusions included. To get every case right the
//! parser works on exact sets of integer ranges and only at the end writes
//! them as an [`AddrSet`]/[`PortSet`] (include list, or `any` with an exclude
//! list, whichever is shorter).

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::RuleError;
use super::ir::{AddrSet, IpNet, PortSet};
use super::lexer::MAX_BRACKET_DEPTH;

/// Suricata's default address groups (suricata.yaml), with wardwatch's
/// `HOME_NET`, which adds the RFC 4193 unique local IPv6 range (DESIGN.md).
pub const DEFAULT_ADDRESS_GROUPS: &[(&str, &str)] = &[
    (
        "HOME_NET",
        "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7]",
    ),
    ("EXTERNAL_NET", "!$HOME_NET"),
    ("HTTP_SERVERS", "$HOME_NET"),
    ("SMTP_SERVERS", "$HOME_NET"),
    ("SQL_SERVERS", "$HOME_NET"),
    ("DNS_SERVERS", "$HOME_NET"),
    ("TELNET_SERVERS", "$HOME_NET"),
    // suricata.yaml has "$EXTERNAL_NET" here (AIM servers are outside).
    ("AIM_SERVERS", "$EXTERNAL_NET"),
    ("DC_SERVERS", "$HOME_NET"),
    ("DNP3_SERVER", "$HOME_NET"),
    ("DNP3_CLIENT", "$HOME_NET"),
    ("MODBUS_CLIENT", "$HOME_NET"),
    ("MODBUS_SERVER", "$HOME_NET"),
    ("ENIP_CLIENT", "$HOME_NET"),
    ("ENIP_SERVER", "$HOME_NET"),
];

/// Suricata's default port groups (suricata.yaml).
pub const DEFAULT_PORT_GROUPS: &[(&str, &str)] = &[
    ("HTTP_PORTS", "80"),
    ("SHELLCODE_PORTS", "!80"),
    ("ORACLE_PORTS", "1521"),
    ("SSH_PORTS", "22"),
    ("DNP3_PORTS", "20000"),
    ("MODBUS_PORTS", "502"),
    ("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"),
    ("FTP_PORTS", "21"),
    ("GENEVE_PORTS", "6081"),
    ("VXLAN_PORTS", "4789"),
    ("TEREDO_PORTS", "3544"),
];

/// How deep variables may refer to variables (`$A` → `$B` → ...). Suricata
/// has no limit but detects cycles; a limit keeps a config mistake from
/// costing more than a clear error.
const MAX_VAR_DEPTH: usize = 16;

/// Address and port groups, resolved once: a rule's `$HOME_NET` costs a
/// clone, not a parse.
#[derive(Clone, Debug)]
pub struct Vars {
    raw_addr: BTreeMap<String, String>,
    raw_port: BTreeMap<String, String>,
    addr: HashMap<String, IpRanges>,
    port: HashMap<String, Ranges>,
}

impl Default for Vars {
    fn default() -> Self {
        // The built-in defaults are tested to resolve; should that ever
        // break, an empty set of variables is still a working value.
        Self::with_overrides(BTreeMap::new()).unwrap_or_else(|_| Vars {
            raw_addr: BTreeMap::new(),
            raw_port: BTreeMap::new(),
            addr: HashMap::new(),
            port: HashMap::new(),
        })
    }
}

impl Vars {
    /// Suricata's defaults (see [`DEFAULT_ADDRESS_GROUPS`] and
    /// [`DEFAULT_PORT_GROUPS`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The defaults with the config file's `[vars]` applied.
    ///
    /// A name that is a default port group, or a new name ending in `_PORTS`
    /// or `_PORT`, is a port group; every other name is an address group.
    /// Names are `[A-Za-z_][A-Za-z0-9_]*` without the `$`. Every variable is
    /// resolved here, so an unknown reference, a cycle or a bad value is
    /// reported now, naming the variable.
    pub fn with_overrides(overrides: BTreeMap<String, String>) -> Result<Vars, RuleError> {
        let mut raw_addr: BTreeMap<String, String> = DEFAULT_ADDRESS_GROUPS
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut raw_port: BTreeMap<String, String> = DEFAULT_PORT_GROUPS
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut overridden = Vec::new();
        for (name, value) in overrides {
            let name = name.strip_prefix('$').unwrap_or(&name).to_owned();
            if !valid_var_name(&name) {
                return Err(RuleError::Variable {
                    name,
                    message:
                        "invalid name: use letters, digits and '_' (not starting with a digit)"
                            .to_owned(),
                });
            }
            let is_port = raw_port.contains_key(&name)
                || (!raw_addr.contains_key(&name)
                    && (name.ends_with("_PORTS") || name.ends_with("_PORT")));
            overridden.push((name.clone(), is_port));
            if is_port {
                raw_port.insert(name, value);
            } else {
                raw_addr.insert(name, value);
            }
        }
        let mut resolver = Resolver {
            raw_addr: &raw_addr,
            raw_port: &raw_port,
            addr: HashMap::new(),
            port: HashMap::new(),
            stack: Vec::new(),
            failed_in: None,
        };
        // The overridden names first, so that an error is reported on the
        // variable the user wrote rather than on a default that uses it.
        let order = overridden
            .into_iter()
            .chain(raw_addr.keys().map(|k| (k.clone(), false)))
            .chain(raw_port.keys().map(|k| (k.clone(), true)));
        for (name, is_port) in order {
            let result = if is_port {
                resolver.port_var(&name).map(drop)
            } else {
                resolver.addr_var(&name).map(drop)
            };
            if let Err(message) = result {
                return Err(RuleError::Variable {
                    name: resolver.failed_in.take().unwrap_or(name),
                    message,
                });
            }
        }
        let (addr, port) = (resolver.addr, resolver.port);
        Ok(Vars {
            raw_addr,
            raw_port,
            addr,
            port,
        })
    }

    /// The text of an address group, as configured.
    pub fn address_group(&self, name: &str) -> Option<&str> {
        self.raw_addr.get(name).map(String::as_str)
    }

    /// The text of a port group, as configured.
    pub fn port_group(&self, name: &str) -> Option<&str> {
        self.raw_port.get(name).map(String::as_str)
    }

    /// Parses an address expression (`any`, `$HOME_NET`, `[10.0.0.0/8,!10.1.2.3]`, ...).
    pub fn parse_addresses(&self, text: &str) -> Result<AddrSet, String> {
        let set = parse_addr(text, 0, &mut |name| self.lookup_addr(name))?;
        if set.is_empty() {
            return Err(format!("address \"{}\" matches no address", text.trim()));
        }
        Ok(set.to_addr_set())
    }

    /// Parses a port expression (`any`, `80`, `1024:`, `[80,!81]`, `$HTTP_PORTS`, ...).
    pub fn parse_ports(&self, text: &str) -> Result<PortSet, String> {
        let set = parse_port(text, 0, &mut |name| self.lookup_port(name))?;
        if set.is_empty() {
            return Err(format!("port \"{}\" matches no port", text.trim()));
        }
        Ok(set.to_port_set())
    }

    fn lookup_addr(&self, name: &str) -> Result<IpRanges, String> {
        match self.addr.get(name) {
            Some(r) => Ok(r.clone()),
            None if self.port.contains_key(name) => {
                Err(format!("${name} is a port group, not an address group"))
            }
            None => Err(format!("unknown variable ${name}")),
        }
    }

    fn lookup_port(&self, name: &str) -> Result<Ranges, String> {
        match self.port.get(name) {
            Some(r) => Ok(r.clone()),
            None if self.addr.contains_key(name) => {
                Err(format!("${name} is an address group, not a port group"))
            }
            None => Err(format!("unknown variable ${name}")),
        }
    }
}

fn valid_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Resolves variables that refer to variables, detecting cycles.
struct Resolver<'a> {
    raw_addr: &'a BTreeMap<String, String>,
    raw_port: &'a BTreeMap<String, String>,
    addr: HashMap<String, IpRanges>,
    port: HashMap<String, Ranges>,
    stack: Vec<String>,
    /// The innermost variable whose value failed to parse.
    failed_in: Option<String>,
}

impl Resolver<'_> {
    fn enter(&mut self, name: &str) -> Result<(), String> {
        if let Some(pos) = self.stack.iter().position(|n| n == name) {
            let mut chain: Vec<String> =
                self.stack[pos..].iter().map(|n| format!("${n}")).collect();
            chain.push(format!("${name}"));
            return Err(format!("variable cycle: {}", chain.join(" -> ")));
        }
        if self.stack.len() >= MAX_VAR_DEPTH {
            return Err(format!(
                "variables refer to variables more than {MAX_VAR_DEPTH} levels deep"
            ));
        }
        self.stack.push(name.to_owned());
        Ok(())
    }

    fn addr_var(&mut self, name: &str) -> Result<IpRanges, String> {
        if let Some(r) = self.addr.get(name) {
            return Ok(r.clone());
        }
        let Some(raw) = self.raw_addr.get(name) else {
            if self.raw_port.contains_key(name) {
                return Err(format!("${name} is a port group, not an address group"));
            }
            return Err(format!("unknown variable ${name}"));
        };
        self.enter(name)?;
        let result = parse_addr(raw, 0, &mut |n| self.addr_var(n));
        self.stack.pop();
        let set = result.inspect_err(|_| {
            self.failed_in.get_or_insert_with(|| name.to_owned());
        })?;
        if set.is_empty() {
            self.failed_in.get_or_insert_with(|| name.to_owned());
            return Err(format!("\"{raw}\" matches no address"));
        }
        self.addr.insert(name.to_owned(), set.clone());
        Ok(set)
    }

    fn port_var(&mut self, name: &str) -> Result<Ranges, String> {
        if let Some(r) = self.port.get(name) {
            return Ok(r.clone());
        }
        let Some(raw) = self.raw_port.get(name) else {
            if self.raw_addr.contains_key(name) {
                return Err(format!("${name} is an address group, not a port group"));
            }
            return Err(format!("unknown variable ${name}"));
        };
        self.enter(name)?;
        let result = parse_port(raw, 0, &mut |n| self.port_var(n));
        self.stack.pop();
        let set = result.inspect_err(|_| {
            self.failed_in.get_or_insert_with(|| name.to_owned());
        })?;
        if set.is_empty() {
            self.failed_in.get_or_insert_with(|| name.to_owned());
            return Err(format!("\"{raw}\" matches no port"));
        }
        self.port.insert(name.to_owned(), set.clone());
        Ok(set)
    }
}

// ---------------------------------------------------------------------------
// Range sets

/// Sorted, disjoint, non-adjacent inclusive ranges of integers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ranges(Vec<(u128, u128)>);

impl Ranges {
    fn single(lo: u128, hi: u128) -> Self {
        Ranges(vec![(lo, hi)])
    }

    fn full(max: u128) -> Self {
        Ranges::single(0, max)
    }

    fn from_unsorted(mut v: Vec<(u128, u128)>) -> Self {
        v.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            if let Some(last) = out.last_mut() {
                if lo <= last.1.saturating_add(1) {
                    last.1 = last.1.max(hi);
                    continue;
                }
            }
            out.push((lo, hi));
        }
        Ranges(out)
    }

    fn union(&self, other: &Ranges) -> Ranges {
        let mut v = self.0.clone();
        v.extend_from_slice(&other.0);
        Ranges::from_unsorted(v)
    }

    fn complement(&self, max: u128) -> Ranges {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut next = Some(0u128);
        for &(lo, hi) in &self.0 {
            if let Some(n) = next {
                if lo > n {
                    out.push((n, lo - 1));
                }
            }
            next = if hi >= max { None } else { Some(hi + 1) };
        }
        if let Some(n) = next {
            out.push((n, max));
        }
        Ranges(out)
    }

    fn minus(&self, other: &Ranges, max: u128) -> Ranges {
        self.intersect(&other.complement(max))
    }

    fn intersect(&self, other: &Ranges) -> Ranges {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.0.len() && j < other.0.len() {
            let (a_lo, a_hi) = self.0[i];
            let (b_lo, b_hi) = other.0[j];
            let lo = a_lo.max(b_lo);
            let hi = a_hi.min(b_hi);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a_hi < b_hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        Ranges(out)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn is_full(&self, max: u128) -> bool {
        self.0 == [(0, max)]
    }

    fn to_port_set(&self) -> PortSet {
        const MAX: u128 = u16::MAX as u128;
        let as_ports = |r: &Ranges| -> Vec<(u16, u16)> {
            r.0.iter()
                .map(|&(lo, hi)| (clamp_u16(lo), clamp_u16(hi)))
                .collect()
        };
        if self.is_full(MAX) {
            return PortSet {
                any: true,
                ..PortSet::default()
            };
        }
        let complement = self.complement(MAX);
        if complement.0.len() < self.0.len() {
            PortSet {
                any: true,
                include: Vec::new(),
                exclude: as_ports(&complement),
            }
        } else {
            PortSet {
                any: false,
                include: as_ports(self),
                exclude: Vec::new(),
            }
        }
    }
}

fn clamp_u16(v: u128) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

const V4_MAX: u128 = u32::MAX as u128;
const V6_MAX: u128 = u128::MAX;

/// A set of IPv4 and IPv6 addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IpRanges {
    v4: Ranges,
    v6: Ranges,
}

impl IpRanges {
    fn any() -> Self {
        IpRanges {
            v4: Ranges::full(V4_MAX),
            v6: Ranges::full(V6_MAX),
        }
    }

    fn union(&self, o: &IpRanges) -> IpRanges {
        IpRanges {
            v4: self.v4.union(&o.v4),
            v6: self.v6.union(&o.v6),
        }
    }

    fn minus(&self, o: &IpRanges) -> IpRanges {
        IpRanges {
            v4: self.v4.minus(&o.v4, V4_MAX),
            v6: self.v6.minus(&o.v6, V6_MAX),
        }
    }

    fn complement(&self) -> IpRanges {
        IpRanges::any().minus(self)
    }

    fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    fn nets(&self) -> Vec<IpNet> {
        let mut out = Vec::new();
        for &(lo, hi) in &self.v4.0 {
            for (addr, prefix) in cidrs(lo, hi, 32) {
                let a = Ipv4Addr::from(u32::try_from(addr).unwrap_or(u32::MAX));
                out.push(IpNet {
                    addr: IpAddr::V4(a),
                    prefix,
                });
            }
        }
        for &(lo, hi) in &self.v6.0 {
            for (addr, prefix) in cidrs(lo, hi, 128) {
                out.push(IpNet {
                    addr: IpAddr::V6(Ipv6Addr::from(addr)),
                    prefix,
                });
            }
        }
        out
    }

    fn to_addr_set(&self) -> AddrSet {
        let include = self.nets();
        let exclude = self.complement().nets();
        if exclude.len() < include.len() {
            AddrSet {
                any: true,
                include: Vec::new(),
                exclude,
            }
        } else {
            AddrSet {
                any: false,
                include,
                exclude: Vec::new(),
            }
        }
    }
}

/// Splits the inclusive range `lo..=hi` of a `bits`-wide address space into
/// the fewest CIDR blocks.
fn cidrs(lo: u128, hi: u128, bits: u32) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    let mut lo = lo;
    loop {
        let align = if lo == 0 {
            bits
        } else {
            lo.trailing_zeros().min(bits)
        };
        let span = hi - lo;
        let fit = if span == u128::MAX {
            128
        } else {
            (span + 1).ilog2()
        };
        let k = align.min(fit);
        out.push((lo, u8::try_from(bits - k).unwrap_or(0)));
        let last = if k >= 128 {
            u128::MAX
        } else {
            lo + ((1u128 << k) - 1)
        };
        if last >= hi {
            break;
        }
        lo = last + 1;
    }
    out
}

// ---------------------------------------------------------------------------
// Parsers

/// Splits the inside of a `[...]` list at top-level commas.
fn split_list(inner: &str) -> Result<Vec<&str>, String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| "unbalanced ']' in a list".to_owned())?;
            }
            ',' if depth == 0 => {
                items.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced '[' in a list".to_owned());
    }
    items.push(inner[start..].trim());
    if items.iter().any(|s| s.is_empty()) {
        return Err("empty item in a list".to_owned());
    }
    Ok(items)
}

/// The generic shape of both grammars: `!x`, `[a,b,!c]`, `$VAR`, `any`, or a
/// literal. `full` is the universe, `literal` parses one literal.
fn parse_set<S, L, V, U, M>(
    text: &str,
    depth: usize,
    var: &mut V,
    ops: &SetOps<L, U, M, S>,
) -> Result<S, String>
where
    S: Clone,
    L: Fn(&str) -> Result<S, String>,
    V: FnMut(&str) -> Result<S, String>,
    U: Fn(&S, &S) -> S,
    M: Fn(&S, &S) -> S,
{
    let text = text.trim();
    if depth > MAX_BRACKET_DEPTH {
        return Err(format!(
            "list nested deeper than {MAX_BRACKET_DEPTH} levels"
        ));
    }
    if text.is_empty() {
        return Err("empty address or port".to_owned());
    }
    if let Some(rest) = text.strip_prefix('!') {
        let inner = parse_set(rest, depth + 1, var, ops)?;
        return Ok((ops.minus)(&ops.full, &inner));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let inner = rest
            .strip_suffix(']')
            .ok_or_else(|| format!("list \"{text}\" is not closed by ']'"))?;
        let mut include: Option<S> = None;
        let mut exclude: Option<S> = None;
        for item in split_list(inner)? {
            if let Some(neg) = item.strip_prefix('!') {
                let s = parse_set(neg, depth + 1, var, ops)?;
                exclude = Some(match exclude {
                    Some(e) => (ops.union)(&e, &s),
                    None => s,
                });
            } else {
                let s = parse_set(item, depth + 1, var, ops)?;
                include = Some(match include {
                    Some(i) => (ops.union)(&i, &s),
                    None => s,
                });
            }
        }
        let base = include.unwrap_or_else(|| ops.full.clone());
        return Ok(match exclude {
            Some(e) => (ops.minus)(&base, &e),
            None => base,
        });
    }
    if let Some(name) = text.strip_prefix('$') {
        return var(name);
    }
    if text.eq_ignore_ascii_case("any") {
        return Ok(ops.full.clone());
    }
    (ops.literal)(text)
}

struct SetOps<L, U, M, S> {
    full: S,
    literal: L,
    union: U,
    minus: M,
}

fn parse_addr<V>(text: &str, depth: usize, var: &mut V) -> Result<IpRanges, String>
where
    V: FnMut(&str) -> Result<IpRanges, String>,
{
    let ops = SetOps {
        full: IpRanges::any(),
        literal: parse_addr_literal,
        union: IpRanges::union,
        minus: IpRanges::minus,
    };
    parse_set(text, depth, var, &ops)
}

fn parse_port<V>(text: &str, depth: usize, var: &mut V) -> Result<Ranges, String>
where
    V: FnMut(&str) -> Result<Ranges, String>,
{
    let ops = SetOps {
        full: Ranges::full(u128::from(u16::MAX)),
        literal: parse_port_literal,
        union: Ranges::union,
        minus: |a: &Ranges, b: &Ranges| a.minus(b, u128::from(u16::MAX)),
    };
    parse_set(text, depth, var, &ops)
}

/// One address: `1.2.3.4`, `1.2.3.0/24`, `1.2.3.0/255.255.255.0`,
/// `1.2.3.4-1.2.3.9`, and the IPv6 forms `2001:db8::1`, `2001:db8::/32`,
/// `2001:db8::1-2001:db8::9`.
fn parse_addr_literal(text: &str) -> Result<IpRanges, String> {
    let bad = || format!("invalid address \"{text}\"");
    if let Some((a, b)) = text.split_once('-') {
        let lo: IpAddr = a.trim().parse().map_err(|_| bad())?;
        let hi: IpAddr = b.trim().parse().map_err(|_| bad())?;
        return match (lo, hi) {
            (IpAddr::V4(lo), IpAddr::V4(hi)) if lo <= hi => Ok(IpRanges {
                v4: Ranges::single(u32::from(lo).into(), u32::from(hi).into()),
                v6: Ranges::default(),
            }),
            (IpAddr::V6(lo), IpAddr::V6(hi)) if lo <= hi => Ok(IpRanges {
                v4: Ranges::default(),
                v6: Ranges::single(u128::from(lo), u128::from(hi)),
            }),
            _ => Err(format!(
                "invalid address range \"{text}\": the start must not be after the end, in one family"
            )),
        };
    }
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    match ip {
        IpAddr::V4(v4) => {
            let bits = match prefix {
                None => 32,
                Some(p) if p.contains('.') => {
                    let mask: Ipv4Addr = p.parse().map_err(|_| bad())?;
                    let m = u32::from(mask);
                    if m.leading_ones() + m.trailing_zeros() != 32 {
                        return Err(format!("invalid netmask in \"{text}\""));
                    }
                    m.leading_ones()
                }
                Some(p) => match p.parse::<u32>() {
                    Ok(n) if n <= 32 => n,
                    _ => return Err(format!("invalid prefix length in \"{text}\"")),
                },
            };
            let a = u128::from(u32::from(v4));
            let size = 1u128 << (32 - bits);
            let lo = a & !(size - 1);
            Ok(IpRanges {
                v4: Ranges::single(lo, lo + size - 1),
                v6: Ranges::default(),
            })
        }
        IpAddr::V6(v6) => {
            let bits = match prefix {
                None => 128,
                Some(p) => match p.parse::<u32>() {
                    Ok(n) if n <= 128 => n,
                    _ => return Err(format!("invalid prefix length in \"{text}\"")),
                },
            };
            let a = u128::from(v6);
            let host_mask = if bits == 0 {
                u128::MAX
            } else {
                (1u128 << (128 - bits)).wrapping_sub(1)
            };
            let lo = a & !host_mask;
            Ok(IpRanges {
                v4: Ranges::default(),
                v6: Ranges::single(lo, lo | host_mask),
            })
        }
    }
}

/// One port item: `80`, `1024:`, `:1023`, `1000:2000`.
fn parse_port_literal(text: &str) -> Result<Ranges, String> {
    let num = |s: &str| -> Result<u128, String> {
        s.trim()
            .parse::<u16>()
            .map(u128::from)
            .map_err(|_| format!("invalid port \"{text}\""))
    };
    match text.split_once(':') {
        None => {
            let p = num(text)?;
            Ok(Ranges::single(p, p))
        }
        Some((a, b)) => {
            let lo = if a.trim().is_empty() { 0 } else { num(a)? };
            let hi = if b.trim().is_empty() {
                u128::from(u16::MAX)
            } else {
                num(b)?
            };
            if lo > hi {
                return Err(format!(
                    "invalid port range \"{text}\": the start is after the end"
                ));
            }
            Ok(Ranges::single(lo, hi))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a panic is how a test reports failure")]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        let (a, p) = s.split_once('/').unwrap();
        IpNet {
            addr: a.parse().unwrap(),
            prefix: p.parse().unwrap(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_resolve() {
        let v = Vars::new();
        let home = v.parse_addresses("$HOME_NET").unwrap();
        assert_eq!(
            home,
            AddrSet {
                any: false,
                include: vec![
                    net("10.0.0.0/8"),
                    net("172.16.0.0/12"),
                    net("192.168.0.0/16"),
                    net("fc00::/7")
                ],
                exclude: vec![],
            }
        );
        let ext = v.parse_addresses("$EXTERNAL_NET").unwrap();
        assert!(ext.any);
        assert_eq!(ext.exclude, home.include);
        assert!(ext.contains(ip("8.8.8.8")));
        assert!(!ext.contains(ip("10.1.2.3")));
        assert!(ext.contains(ip("2001:db8::1")));
        assert!(!ext.contains(ip("fd00::1")));
        // AIM_SERVERS is outside, as in suricata.yaml.
        assert_eq!(v.parse_addresses("$AIM_SERVERS").unwrap(), ext);
        for (name, _) in DEFAULT_ADDRESS_GROUPS {
            assert!(v.parse_addresses(&format!("${name}")).is_ok(), "{name}");
        }
        for (name, _) in DEFAULT_PORT_GROUPS {
            assert!(v.parse_ports(&format!("${name}")).is_ok(), "{name}");
        }
    }

    #[test]
    fn default_ports() {
        let v = Vars::new();
        assert_eq!(
            v.parse_ports("$HTTP_PORTS").unwrap(),
            PortSet {
                any: false,
                include: vec![(80, 80)],
                exclude: vec![]
            }
        );
        assert_eq!(
            v.parse_ports("$SHELLCODE_PORTS").unwrap(),
            PortSet {
                any: true,
                include: vec![],
                exclude: vec![(80, 80)]
            }
        );
        assert_eq!(
            v.parse_ports("$FILE_DATA_PORTS").unwrap().include,
            vec![(80, 80), (110, 110), (143, 143)]
        );
        assert_eq!(
            v.parse_ports("$ORACLE_PORTS").unwrap().include,
            vec![(1521, 1521)]
        );
    }

    #[test]
    fn addresses() {
        let v = Vars::new();
        assert_eq!(
            v.parse_addresses("any").unwrap(),
            AddrSet {
                any: true,
                ..AddrSet::default()
            }
        );
        assert_eq!(
            v.parse_addresses("192.168.1.5/24").unwrap().include,
            vec![net("192.168.1.0/24")]
        );
        assert_eq!(
            v.parse_addresses("10.0.0.0/255.255.0.0").unwrap().include,
            vec![net("10.0.0.0/16")]
        );
        assert_eq!(
            v.parse_addresses("10.0.0.0-10.0.0.9").unwrap().include,
            vec![net("10.0.0.0/29"), net("10.0.0.8/31")]
        );
        assert_eq!(
            v.parse_addresses("2001:db8::1/32").unwrap().include,
            vec![net("2001:db8::/32")]
        );
        assert_eq!(
            v.parse_addresses("[1.2.3.4, 5.6.7.8]").unwrap().include,
            vec![net("1.2.3.4/32"), net("5.6.7.8/32")]
        );
        let s = v.parse_addresses("::/0").unwrap();
        assert!(s.contains(ip("::1")) && !s.contains(ip("1.1.1.1")));
    }

    #[test]
    fn include_minus_exclude() {
        let v = Vars::new();
        let s = v.parse_addresses("[1.2.3.0/24,!1.2.3.4]").unwrap();
        assert!(s.contains(ip("1.2.3.3")));
        assert!(!s.contains(ip("1.2.3.4")));
        assert!(!s.contains(ip("1.2.4.1")));
        // Negations only: any minus those.
        let s = v.parse_addresses("[!1.2.3.4,!5.6.7.8]").unwrap();
        assert_eq!(
            s,
            AddrSet {
                any: true,
                include: vec![],
                exclude: vec![net("1.2.3.4/32"), net("5.6.7.8/32")]
            }
        );
    }

    #[test]
    fn nested_negation() {
        let v = Vars::new();
        // 10/8 minus (10.1/16 minus 10.1.1/24): 10.1.1.x is back in.
        let s = v
            .parse_addresses("[10.0.0.0/8,![10.1.0.0/16,!10.1.1.0/24]]")
            .unwrap();
        assert!(s.contains(ip("10.2.0.1")));
        assert!(!s.contains(ip("10.1.2.1")));
        assert!(s.contains(ip("10.1.1.7")));
        assert!(!s.contains(ip("11.0.0.1")));
        // A negated group whose value has exclusions.
        let vars = Vars::with_overrides(BTreeMap::from([(
            "HOME_NET".to_owned(),
            "[10.0.0.0/8,!10.9.0.0/16]".to_owned(),
        )]))
        .unwrap();
        let ext = vars.parse_addresses("!$HOME_NET").unwrap();
        assert!(ext.contains(ip("10.9.1.1")));
        assert!(!ext.contains(ip("10.8.1.1")));
        assert!(ext.contains(ip("8.8.8.8")));
        let ext2 = vars.parse_addresses("$EXTERNAL_NET").unwrap();
        assert_eq!(ext, ext2);
        // Double negation.
        assert_eq!(
            v.parse_addresses("!!1.2.3.4").unwrap(),
            v.parse_addresses("1.2.3.4").unwrap()
        );
    }

    #[test]
    fn address_errors() {
        let v = Vars::new();
        assert_eq!(
            v.parse_addresses("$NOPE").unwrap_err(),
            "unknown variable $NOPE"
        );
        assert_eq!(
            v.parse_addresses("$HTTP_PORTS").unwrap_err(),
            "$HTTP_PORTS is a port group, not an address group"
        );
        assert_eq!(
            v.parse_addresses("1.2.3.256").unwrap_err(),
            "invalid address \"1.2.3.256\""
        );
        assert_eq!(
            v.parse_addresses("1.2.3.4/33").unwrap_err(),
            "invalid prefix length in \"1.2.3.4/33\""
        );
        assert_eq!(
            v.parse_addresses("1.2.3.4/255.0.255.0").unwrap_err(),
            "invalid netmask in \"1.2.3.4/255.0.255.0\""
        );
        assert_eq!(
            v.parse_addresses("1.2.3.9-1.2.3.4").unwrap_err(),
            "invalid address range \"1.2.3.9-1.2.3.4\": the start must not be after the end, in one family"
        );
        assert_eq!(
            v.parse_addresses("[1.2.3.4,!1.2.3.4]").unwrap_err(),
            "address \"[1.2.3.4,!1.2.3.4]\" matches no address"
        );
        assert_eq!(
            v.parse_addresses("!any").unwrap_err(),
            "address \"!any\" matches no address"
        );
        assert_eq!(
            v.parse_addresses("[1.2.3.4,,5.6.7.8]").unwrap_err(),
            "empty item in a list"
        );
        assert_eq!(
            v.parse_addresses("[1.2.3.4").unwrap_err(),
            "list \"[1.2.3.4\" is not closed by ']'"
        );
        let deep = format!("{}1.2.3.4{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(
            v.parse_addresses(&deep).unwrap_err(),
            "list nested deeper than 32 levels"
        );
    }

    #[test]
    fn ports() {
        let v = Vars::new();
        let p = |s: &str| v.parse_ports(s).unwrap();
        assert_eq!(
            p("any"),
            PortSet {
                any: true,
                ..PortSet::default()
            }
        );
        assert_eq!(p("1024:").include, vec![(1024, 65535)]);
        assert_eq!(p(":1023").include, vec![(0, 1023)]);
        assert_eq!(p("1000:2000").include, vec![(1000, 2000)]);
        assert_eq!(
            p("[80,443,8000:8080]").include,
            vec![(80, 80), (443, 443), (8000, 8080)]
        );
        assert_eq!(p("[1:100,!50]").include, vec![(1, 49), (51, 100)]);
        assert_eq!(
            p("!$HTTP_PORTS"),
            PortSet {
                any: true,
                include: vec![],
                exclude: vec![(80, 80)]
            }
        );
        assert_eq!(p("[$HTTP_PORTS,81]").include, vec![(80, 81)]);
        assert_eq!(p("[!80,![1:10]]").exclude, vec![(1, 10), (80, 80)]);
        assert_eq!(
            v.parse_ports("70000").unwrap_err(),
            "invalid port \"70000\""
        );
        assert_eq!(
            v.parse_ports("90:80").unwrap_err(),
            "invalid port range \"90:80\": the start is after the end"
        );
        assert_eq!(
            v.parse_ports("[80,!80]").unwrap_err(),
            "port \"[80,!80]\" matches no port"
        );
        assert_eq!(
            v.parse_ports("$HOME_NET").unwrap_err(),
            "$HOME_NET is an address group, not a port group"
        );
    }

    #[test]
    fn overrides() {
        let vars = Vars::with_overrides(BTreeMap::from([
            ("HOME_NET".to_owned(), "192.0.2.0/24".to_owned()),
            ("HTTP_PORTS".to_owned(), "[80,8080]".to_owned()),
            ("MY_PORTS".to_owned(), "9000".to_owned()),
            (
                "PACS_SERVERS".to_owned(),
                "[$HOME_NET,!192.0.2.1]".to_owned(),
            ),
        ]))
        .unwrap();
        assert_eq!(
            vars.parse_addresses("$HTTP_SERVERS").unwrap().include,
            vec![net("192.0.2.0/24")]
        );
        assert_eq!(
            vars.parse_ports("$FILE_DATA_PORTS").unwrap().include.len(),
            4
        );
        assert_eq!(
            vars.parse_ports("$MY_PORTS").unwrap().include,
            vec![(9000, 9000)]
        );
        assert!(
            !vars
                .parse_addresses("$PACS_SERVERS")
                .unwrap()
                .contains(ip("192.0.2.1"))
        );
        assert_eq!(vars.address_group("HOME_NET"), Some("192.0.2.0/24"));
        assert_eq!(vars.port_group("MY_PORTS"), Some("9000"));
    }

    #[test]
    fn override_errors() {
        let err = |k: &str, v: &str| {
            Vars::with_overrides(BTreeMap::from([(k.to_owned(), v.to_owned())]))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("HOME_NET", "10.0.0.0/33"),
            "variable HOME_NET: invalid prefix length in \"10.0.0.0/33\""
        );
        assert_eq!(
            err("HOME_NET", "$EXTERNAL_NET"),
            "variable EXTERNAL_NET: variable cycle: $HOME_NET -> $EXTERNAL_NET -> $HOME_NET"
        );
        assert_eq!(
            err("A B", "1.2.3.4"),
            "variable A B: invalid name: use letters, digits and '_' (not starting with a digit)"
        );
        assert_eq!(
            err("HTTP_PORTS", "$NOPE"),
            "variable HTTP_PORTS: unknown variable $NOPE"
        );
        assert_eq!(
            err("HTTP_PORTS", "[80,!80]"),
            "variable HTTP_PORTS: \"[80,!80]\" matches no port"
        );
        assert_eq!(
            err("SELF", "$SELF"),
            "variable SELF: variable cycle: $SELF -> $SELF"
        );
        // A long chain of references.
        let mut m = BTreeMap::new();
        for i in 0..20 {
            m.insert(format!("V{i:02}"), format!("$V{:02}", i + 1));
        }
        m.insert("V20".to_owned(), "1.2.3.4".to_owned());
        let e = Vars::with_overrides(m).unwrap_err().to_string();
        assert_eq!(
            e,
            "variable V15: variables refer to variables more than 16 levels deep"
        );
    }

    #[test]
    fn cidr_split_edges() {
        assert_eq!(cidrs(0, u128::MAX, 128), vec![(0, 0)]);
        assert_eq!(cidrs(0, u128::from(u32::MAX), 32), vec![(0, 0)]);
        assert_eq!(cidrs(5, 5, 32), vec![(5, 32)]);
        assert_eq!(cidrs(1, 6, 32), vec![(1, 32), (2, 31), (4, 31), (6, 32)]);
    }
}
