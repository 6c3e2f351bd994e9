//! One rule's text → [`Rule`]: the header, then the options in order.
//!
//! The first problem found decides the outcome, in text order, with two
//! exceptions that make `rules check` more useful: option-list syntax and a
//! missing or invalid `sid` are reported before anything else, because they
//! make the rule wrong whatever else it uses.

use super::classification::Classifications;
use super::ir::{Action, Rule, RuleProto};
use super::keywords::SURICATA_APP_PROTOS;
use super::lexer::split_rule;
use super::options::OptionsBuilder;
use super::vars::Vars;
use super::{RuleProblem, supported_app_proto};

/// Parses one rule (continuation lines already joined). `file` and `line`
/// are recorded in the [`Rule`]; on failure the [`RuleProblem`] says
/// whether the rule is wrong ([`Failed`](super::ProblemKind::Failed)) or
/// valid but unsupported ([`Unsupported`](super::ProblemKind::Unsupported)).
pub fn parse_rule(
    text: &str,
    file: &str,
    line: u32,
    vars: &Vars,
    classes: &Classifications,
) -> Result<Rule, RuleProblem> {
    let mut sid = None;
    parse_inner(text, file, line, vars, classes, &mut sid).map_err(|mut p| {
        p.sid = p.sid.or(sid);
        p
    })
}

fn parse_inner(
    text: &str,
    file: &str,
    line: u32,
    vars: &Vars,
    classes: &Classifications,
    sid_out: &mut Option<u32>,
) -> Result<Rule, RuleProblem> {
    let raw = split_rule(text).map_err(|m| RuleProblem::failed(None, m))?;
    let opt_span = |o: &super::lexer::RawOption<'_>| {
        let start = span_of(text, o.name)?.start;
        let end = match o.value {
            Some(v) => span_of(text, v)?.end,
            None => span_of(text, o.name)?.end,
        };
        Some(start..end)
    };

    // The sid first: without one the rule is wrong whatever else it says.
    let sids: Vec<_> = raw
        .options
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case("sid"))
        .collect();
    match sids.as_slice() {
        [] => return Err(RuleProblem::failed(Some("sid"), "rule has no sid")),
        [one] => {
            if let Some(v) = one.value {
                *sid_out = v.trim().parse().ok();
            }
        }
        [_, second, ..] => {
            return Err(RuleProblem::failed(Some("sid"), "sid is given twice").at(opt_span(second)));
        }
    }

    let [action, proto, src, sport, dir, dst, dport] = raw.header;
    let field = |f: &str| span_of(text, f);
    let action = parse_action(action).map_err(|p| p.at(field(action)))?;
    let proto_span = field(proto);
    let proto = parse_proto(proto).map_err(|p| p.at(proto_span))?;
    let src_set = vars
        .parse_addresses(src)
        .map_err(|m| RuleProblem::failed(None, format!("source address: {m}")).at(field(src)))?;
    let src_ports = vars
        .parse_ports(sport)
        .map_err(|m| RuleProblem::failed(None, format!("source port: {m}")).at(field(sport)))?;
    let bidirectional = match dir {
        "->" => false,
        "<>" => true,
        "=>" => {
            return Err(RuleProblem::unsupported(
                "=>",
                "transactional rules (direction =>) are not supported yet",
            )
            .at(field(dir)));
        }
        other => {
            return Err(RuleProblem::failed(
                None,
                format!("invalid direction \"{other}\" (expected -> or <>)"),
            )
            .at(field(dir)));
        }
    };
    let dst_set = vars.parse_addresses(dst).map_err(|m| {
        RuleProblem::failed(None, format!("destination address: {m}")).at(field(dst))
    })?;
    let dst_ports = vars.parse_ports(dport).map_err(|m| {
        RuleProblem::failed(None, format!("destination port: {m}")).at(field(dport))
    })?;

    let header_app = match &proto {
        RuleProto::App(p) => Some(p.clone()),
        _ => None,
    };
    let mut builder = OptionsBuilder::new(classes, header_app);
    let spans: Vec<_> = raw.options.iter().map(|o| (o.name, opt_span(o))).collect();
    for (opt, (_, span)) in raw.options.into_iter().zip(&spans) {
        builder.apply(opt).map_err(|p| p.at(span.clone()))?;
    }
    // A problem found at the end points at the last option of its keyword
    // (the sticky buffer without a content, the dotprefix without one...).
    let o = builder.finish().map_err(|p| {
        let span = p.keyword.as_deref().and_then(|kw| {
            spans
                .iter()
                .rev()
                .find(|(name, _)| name.eq_ignore_ascii_case(kw))
                .and_then(|(_, s)| s.clone())
        });
        p.at(span)
    })?;

    Ok(Rule {
        action,
        proto,
        src: src_set,
        src_ports,
        dst: dst_set,
        dst_ports,
        bidirectional,
        sid: o.sid,
        gid: o.gid,
        rev: o.rev,
        msg: o.msg,
        classtype: o.classtype,
        category: o.category,
        priority: o.priority,
        metadata: o.metadata,
        references: o.references,
        target: o.target,
        lists: o.lists,
        flow: o.flow,
        flowbits: o.flowbits,
        flowints: o.flowints,
        header: o.header,
        threshold: o.threshold,
        detection_filter: o.detection_filter,
        noalert: o.noalert,
        app_layer_protocol: o.app_layer_protocol,
        file: file.to_owned(),
        line,
    })
}

/// Where `part` (a slice of `text`) lies in `text`, in bytes.
fn span_of(text: &str, part: &str) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= text.len()).then_some(start..end)
}

fn parse_action(s: &str) -> Result<Action, RuleProblem> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "alert" => Action::Alert,
        "pass" => Action::Pass,
        "drop" => Action::Drop,
        "reject" | "rejectsrc" | "rejectdst" | "rejectboth" => Action::Reject,
        "config" => {
            return Err(RuleProblem::unsupported(
                "config",
                "the config action is not supported yet",
            ));
        }
        _ => {
            return Err(RuleProblem::failed(
                None,
                format!("unknown action \"{s}\" (expected alert, pass, drop or reject)"),
            ));
        }
    })
}

fn parse_proto(s: &str) -> Result<RuleProto, RuleProblem> {
    let p = s.to_ascii_lowercase();
    Ok(match p.as_str() {
        "ip" => RuleProto::Ip,
        "tcp" => RuleProto::Tcp,
        "tcp-pkt" => RuleProto::TcpPkt,
        "tcp-stream" => RuleProto::TcpStream,
        "udp" => RuleProto::Udp,
        "icmp" => RuleProto::Icmp,
        "icmpv4" => RuleProto::Icmpv4,
        "icmpv6" => RuleProto::Icmpv6,
        "http1" => RuleProto::App("http".to_owned()),
        _ if supported_app_proto(&p) => RuleProto::App(p),
        _ if SURICATA_APP_PROTOS.contains(&p.as_str())
            || crate::app::layer::AppProto::from_name(&p).is_some() =>
        {
            return Err(RuleProblem::unsupported(
                &format!("protocol {p}"),
                format!("app-layer protocol {p} is not supported yet"),
            ));
        }
        "sctp" | "ipv4" | "ip4" | "ipv6" | "ip6" | "pkthdr" | "udp-pkt" => {
            return Err(RuleProblem::unsupported(
                &format!("protocol {p}"),
                format!("protocol {p} is not supported yet"),
            ));
        }
        _ => {
            return Err(RuleProblem::failed(
                None,
                format!("unknown protocol \"{s}\""),
            ));
        }
    })
}
