//! Rule parser tests: every keyword, the modifier rules, and the messages.

use std::path::PathBuf;

use super::ir::*;
use super::*;

fn classes() -> Classifications {
    Classifications::builtin()
}

fn parse(text: &str) -> Result<Rule, RuleProblem> {
    parse_rule(text, "t.rules", 7, &Vars::new(), &classes())
}

/// A tcp rule with these options (sid added).
fn rule(opts: &str) -> Rule {
    let text = format!("alert tcp any any -> any any ({opts} sid:1;)");
    parse(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

fn rule_on(proto: &str, opts: &str) -> Rule {
    let text = format!("alert {proto} any any -> any any ({opts} sid:1;)");
    parse(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

fn problem(opts: &str) -> RuleProblem {
    let text = format!("alert tcp any any -> any any ({opts} sid:1;)");
    match parse(&text) {
        Ok(r) => panic!("{text}: parsed {r:?}"),
        Err(e) => e,
    }
}

/// The message of a rule that must fail.
fn failed(opts: &str) -> String {
    let p = problem(opts);
    assert_eq!(p.kind, ProblemKind::Failed, "{opts}: {p:?}");
    p.message
}

/// (keyword, message) of a rule that must be skipped.
fn skipped(opts: &str) -> (String, String) {
    let p = problem(opts);
    assert_eq!(p.kind, ProblemKind::Unsupported, "{opts}: {p:?}");
    (p.keyword.unwrap_or_default(), p.message)
}

fn list(r: &Rule, b: BufferId) -> &[Match] {
    &r.lists
        .iter()
        .find(|l| l.buffer == b)
        .unwrap_or_else(|| panic!("no {b:?} list in {:?}", r.lists))
        .items
}

fn content(m: &Match) -> &Content {
    match m {
        Match::Content(c) => c,
        other => panic!("not a content: {other:?}"),
    }
}

fn c(pattern: &[u8]) -> Content {
    Content {
        pattern: pattern.to_vec(),
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
    }
}

// --- header ------------------------------------------------------------------

#[test]
fn header_fields() {
    let r =
        parse("drop tcp $HOME_NET [1024:,!8080] <> $EXTERNAL_NET $HTTP_PORTS (msg:\"x\"; sid:5;)")
            .unwrap();
    assert_eq!(r.action, Action::Drop);
    assert_eq!(r.proto, RuleProto::Tcp);
    assert!(r.bidirectional);
    assert!(r.src.contains("10.1.1.1".parse().unwrap()));
    assert!(r.src_ports.contains(1024) && !r.src_ports.contains(8080));
    assert!(r.dst.contains("8.8.8.8".parse().unwrap()));
    assert_eq!(r.dst_ports.include, vec![(80, 80)]);
    assert_eq!((r.file.as_str(), r.line), ("t.rules", 7));
    for (a, want) in [
        ("alert", Action::Alert),
        ("pass", Action::Pass),
        ("reject", Action::Reject),
        ("rejectsrc", Action::Reject),
        ("rejectdst", Action::Reject),
        ("rejectboth", Action::Reject),
    ] {
        let r = parse(&format!("{a} ip any any -> any any (sid:1;)")).unwrap();
        assert_eq!(r.action, want);
    }
}

#[test]
fn header_protocols() {
    for (p, want) in [
        ("ip", RuleProto::Ip),
        ("tcp", RuleProto::Tcp),
        ("udp", RuleProto::Udp),
        ("icmp", RuleProto::Icmp),
        ("icmpv4", RuleProto::Icmpv4),
        ("icmpv6", RuleProto::Icmpv6),
        ("tcp-pkt", RuleProto::TcpPkt),
        ("tcp-stream", RuleProto::TcpStream),
        ("http", RuleProto::App("http".into())),
        ("HTTP1", RuleProto::App("http".into())),
        ("dns", RuleProto::App("dns".into())),
        ("tls", RuleProto::App("tls".into())),
        ("ssh", RuleProto::App("ssh".into())),
        ("krb5", RuleProto::App("krb5".into())),
        ("ldap", RuleProto::App("ldap".into())),
        ("radius", RuleProto::App("radius".into())),
        ("smb", RuleProto::App("smb".into())),
        ("rdp", RuleProto::App("rdp".into())),
    ] {
        let r = parse(&format!("alert {p} any any -> any any (sid:1;)")).unwrap();
        assert_eq!(r.proto, want, "{p}");
    }
    for p in [
        "dcerpc", "dnp3", "modbus", "nfs", "sip", "mqtt", "quic", "ike", "http2",
    ] {
        let e = parse(&format!("alert {p} any any -> any any (sid:1;)")).unwrap_err();
        assert_eq!(e.kind, ProblemKind::Unsupported, "{p}");
        assert_eq!(
            e.message,
            format!("app-layer protocol {p} is not supported yet")
        );
        assert_eq!(e.keyword, Some(format!("protocol {p}")));
        assert_eq!(e.sid, Some(1));
    }
    let e = parse("alert sctp any any -> any any (sid:1;)").unwrap_err();
    assert_eq!(e.message, "protocol sctp is not supported yet");
    let e = parse("alert foo any any -> any any (sid:1;)").unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ProblemKind::Failed, "unknown protocol \"foo\"")
    );
}

#[test]
fn header_errors() {
    let m = |t: &str| parse(t).unwrap_err().message;
    assert_eq!(
        m("block tcp any any -> any any (sid:1;)"),
        "unknown action \"block\" (expected alert, pass, drop or reject)"
    );
    assert_eq!(
        m("alert tcp any any <- any any (sid:1;)"),
        "invalid direction \"<-\" (expected -> or <>)"
    );
    assert_eq!(
        m("alert tcp $NOPE any -> any any (sid:1;)"),
        "source address: unknown variable $NOPE"
    );
    assert_eq!(
        m("alert tcp any 99999 -> any any (sid:1;)"),
        "source port: invalid port \"99999\""
    );
    assert_eq!(
        m("alert tcp any any -> [1.2.3.4,!1.2.3.4] any (sid:1;)"),
        "destination address: address \"[1.2.3.4,!1.2.3.4]\" matches no address"
    );
    assert_eq!(
        m("alert tcp any any -> any $HOME_NET (sid:1;)"),
        "destination port: $HOME_NET is an address group, not a port group"
    );
    let e = parse("alert tcp any any => any any (sid:1;)").unwrap_err();
    assert_eq!(e.kind, ProblemKind::Unsupported);
    assert_eq!(
        e.message,
        "transactional rules (direction =>) are not supported yet"
    );
    let e = parse("config tcp any any -> any any (sid:1;)").unwrap_err();
    assert_eq!(e.kind, ProblemKind::Unsupported);
}

// --- metadata keywords -----------------------------------------------------------

#[test]
fn meta_keywords() {
    let r = rule(
        r#"msg:"a \"quoted\" \; msg"; rev:3; gid:2; classtype:trojan-activity; reference:url, example.com/x; reference:cve,2021-44228; metadata:created_at 2024_01_01, signature_severity Major,  flag; target:dest_ip;"#,
    );
    assert_eq!(r.msg, "a \"quoted\" ; msg");
    assert_eq!((r.sid, r.rev, r.gid), (1, 3, 2));
    assert_eq!(r.classtype.as_deref(), Some("trojan-activity"));
    assert_eq!(r.category, "A Network Trojan was detected");
    assert_eq!(r.priority, 1);
    assert_eq!(r.references, vec!["url,example.com/x", "cve,2021-44228"]);
    assert_eq!(
        r.metadata,
        vec![
            ("created_at".to_owned(), "2024_01_01".to_owned()),
            ("signature_severity".to_owned(), "Major".to_owned()),
            ("flag".to_owned(), String::new()),
        ]
    );
    assert_eq!(r.target, Some(Target::Destination));
    assert_eq!(rule("target:src_ip;").target, Some(Target::Source));
}

#[test]
fn defaults_and_priority() {
    let r = rule("");
    assert_eq!((r.gid, r.rev, r.priority), (1, 0, 3));
    assert_eq!(r.msg, "");
    assert_eq!(r.category, "");
    assert_eq!(r.classtype, None);
    // priority wins over the classtype's, in either order.
    assert_eq!(rule("priority:2; classtype:trojan-activity;").priority, 2);
    assert_eq!(rule("classtype:trojan-activity; priority:4;").priority, 4);
    assert_eq!(rule("classtype:misc-activity;").priority, 3);
    assert_eq!(rule("classtype:tcp-connection;").priority, 4);
    // Two classtypes: Suricata keeps the more severe.
    let r = rule("classtype:misc-activity; classtype:attempted-admin;");
    assert_eq!(r.classtype.as_deref(), Some("attempted-admin"));
}

#[test]
fn meta_errors() {
    assert_eq!(failed("classtype:nope;"), "unknown classtype \"nope\"");
    assert_eq!(failed("priority:0;"), "invalid priority 0 (expected 1-255)");
    assert_eq!(
        failed("priority:300;"),
        "invalid priority 300 (expected 1-255)"
    );
    assert_eq!(
        failed("priority:high;"),
        "invalid priority \"high\" (expected a number)"
    );
    assert_eq!(failed("msg:\"a\"; msg:\"b\";"), "msg is given twice");
    assert_eq!(failed("rev:1; rev:2;"), "rev is given twice");
    assert_eq!(failed("rev:x;"), "invalid rev \"x\" (expected a number)");
    assert_eq!(failed("gid:-1;"), "invalid gid \"-1\" (expected a number)");
    assert_eq!(
        failed("reference:nocomma;"),
        "reference \"nocomma\" is not type,id"
    );
    assert_eq!(
        failed("target:both;"),
        "invalid target \"both\" (expected src_ip or dest_ip)"
    );
    assert_eq!(failed("msg;"), "msg needs a value");
    let m = |t: &str| parse(t).unwrap_err();
    let e = m("alert tcp any any -> any any (msg:\"x\";)");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ProblemKind::Failed, "rule has no sid")
    );
    assert_eq!(
        m("alert tcp any any -> any any (sid:0;)").message,
        "sid 0 is not allowed"
    );
    assert_eq!(
        m("alert tcp any any -> any any (sid:1; sid:2;)").message,
        "sid is given twice"
    );
    assert_eq!(
        m("alert tcp any any -> any any (sid:abc;)").message,
        "invalid sid \"abc\" (expected a number)"
    );
    // A missing sid is reported before an unsupported keyword.
    let e = m("alert smb any any -> any any (msg:\"x\";)");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ProblemKind::Failed, "rule has no sid")
    );
}

// --- content ---------------------------------------------------------------------------

#[test]
fn content_and_modifiers() {
    let r = rule(
        r#"content:"GET |20|/"; nocase; offset:2; depth:10; content:!"x|3b|y"; distance:-2; within:5; content:"abc"; startswith; content:"end"; endswith; fast_pattern; content:"raw"; rawbytes;"#,
    );
    let items = list(&r, BufferId::Payload);
    assert_eq!(items.len(), 5);
    assert_eq!(
        content(&items[0]),
        &Content {
            nocase: true,
            offset: Some(Num::Lit(2)),
            depth: Some(Num::Lit(10)),
            ..c(b"GET  /")
        }
    );
    assert_eq!(
        content(&items[1]),
        &Content {
            negated: true,
            distance: Some(Num::Lit(-2)),
            within: Some(Num::Lit(5)),
            ..c(b"x;y")
        }
    );
    assert!(content(&items[2]).startswith);
    assert!(content(&items[3]).endswith);
    assert_eq!(content(&items[3]).fast_pattern, FastPattern::Yes);
    assert!(content(&items[4]).rawbytes);
}

#[test]
fn content_escapes_and_spaces() {
    let r = rule(r#"content: "a\"b\\c\:d\;" ; content:"|41|B|43 44|";"#);
    let items = list(&r, BufferId::Payload);
    assert_eq!(content(&items[0]).pattern, b"a\"b\\c:d;");
    assert_eq!(content(&items[1]).pattern, b"ABCD");
}

#[test]
fn fast_pattern_forms() {
    let fp = |o: &str| content(&list(&rule(o), BufferId::Payload)[0]).fast_pattern;
    assert_eq!(
        fp("content:\"abcdef\"; fast_pattern:only;"),
        FastPattern::Only
    );
    assert_eq!(
        fp("content:\"abcdef\"; fast_pattern:1,3;"),
        FastPattern::Chop { offset: 1, len: 3 }
    );
    assert_eq!(fp("content:\"abcdef\"; fast_pattern;"), FastPattern::Yes);
    assert_eq!(fp("content:\"abcdef\";"), FastPattern::Auto);
}

#[test]
fn content_errors() {
    assert_eq!(
        failed("content:abc;"),
        "content needs a value in double quotes"
    );
    assert_eq!(failed("content:\"\";"), "content is empty");
    assert_eq!(
        failed("content:\"|4|\";"),
        "content has an odd number of hex digits in a |..| block"
    );
    assert_eq!(
        failed("content:\"a\"b\";"),
        "content has an unescaped '\"' inside its value (write \\\")"
    );
    assert_eq!(
        failed(r#"content:"\n";"#),
        "content has an invalid escape '\\n' (only \\\" \\; \\: \\\\ are allowed; use |..| hex for other bytes)"
    );
}

#[test]
fn modifier_errors() {
    assert_eq!(failed("nocase;"), "nocase needs a preceding content");
    assert_eq!(
        failed("content:\"a\"; nocase; nocase;"),
        "nocase is given twice for the same content"
    );
    assert_eq!(
        failed("content:\"a\"; nocase:1;"),
        "nocase takes no value (found \"1\")"
    );
    assert_eq!(
        failed("content:\"abc\"; depth:2;"),
        "depth 2 is smaller than the content length 3"
    );
    assert_eq!(
        failed("content:\"abc\"; within:2;"),
        "within 2 is smaller than the content length 3"
    );
    assert_eq!(
        failed("content:\"abc\"; depth:x;"),
        "depth uses \"x\", which is not a byte_extract or byte_math variable defined before it"
    );
    assert_eq!(
        failed("content:\"abc\"; depth:-3;"),
        "invalid depth value -3"
    );
    assert_eq!(
        failed("content:\"abc\"; offset:70000;"),
        "invalid offset value 70000"
    );
    assert_eq!(
        failed("content:\"abc\"; depth:4; depth:5;"),
        "depth is given twice for the same content"
    );
    assert_eq!(
        failed("content:\"abc\"; offset:1; distance:0;"),
        "distance cannot be combined with depth or offset (relative and absolute positions)"
    );
    assert_eq!(
        failed("content:\"abc\"; within:5; depth:5;"),
        "depth cannot be combined with distance or within (absolute and relative positions)"
    );
    assert_eq!(
        failed("content:\"abc\"; startswith; offset:1;"),
        "offset cannot be combined with startswith"
    );
    assert_eq!(
        failed("content:\"abc\"; offset:1; startswith;"),
        "startswith cannot be combined with depth or offset"
    );
    assert_eq!(
        failed("content:\"abc\"; distance:1; startswith;"),
        "startswith cannot be combined with distance or within"
    );
    assert_eq!(
        failed("content:\"abc\"; startswith; startswith;"),
        "startswith is given twice for the same content"
    );
    assert_eq!(
        failed("content:\"abc\"; endswith; endswith;"),
        "endswith is given twice for the same content"
    );
    assert_eq!(failed("endswith;"), "endswith needs a preceding content");
    assert_eq!(
        failed("content:\"abc\"; rawbytes; rawbytes;"),
        "rawbytes is given twice for the same content"
    );
    // fast_pattern
    assert_eq!(
        failed("content:\"abc\"; fast_pattern; content:\"def\"; fast_pattern;"),
        "fast_pattern is set on more than one content"
    );
    assert_eq!(
        failed("content:!\"abc\"; fast_pattern:only;"),
        "fast_pattern:only cannot be used on a negated content"
    );
    assert_eq!(
        failed("content:\"abc\"; depth:3; fast_pattern:only;"),
        "fast_pattern:only cannot be combined with offset, depth, distance or within"
    );
    assert_eq!(
        failed("content:\"abc\"; fast_pattern:only; depth:3;"),
        "depth cannot be used on a fast_pattern:only content"
    );
    assert_eq!(
        failed("content:!\"abc\"; depth:3; fast_pattern;"),
        "fast_pattern cannot be used on a negated content with offset, depth, distance or within"
    );
    assert_eq!(
        failed("content:!\"abc\"; fast_pattern; within:3;"),
        "within cannot be used on a negated content with fast_pattern"
    );
    assert_eq!(
        failed("content:\"abc\"; fast_pattern:2,2;"),
        "fast_pattern 2,2 is outside the content (length 3)"
    );
    assert_eq!(
        failed("content:\"abc\"; fast_pattern:x;"),
        "invalid fast_pattern value \"x\" (expected only or offset,length)"
    );
}

// --- buffers ---------------------------------------------------------------------

#[test]
fn sticky_buffers() {
    let r = rule_on(
        "http",
        r#"http.method; content:"POST"; http.uri; content:"/a"; startswith; http.host; content:"example.org"; endswith; pkt_data; content:"raw";"#,
    );
    assert_eq!(content(&list(&r, BufferId::HttpMethod)[0]).pattern, b"POST");
    assert!(content(&list(&r, BufferId::HttpUri)[0]).startswith);
    assert!(content(&list(&r, BufferId::HttpHost)[0]).endswith);
    assert_eq!(content(&list(&r, BufferId::Payload)[0]).pattern, b"raw");
    // Buffers keep the order in which they first appear.
    let order: Vec<BufferId> = r.lists.iter().map(|l| l.buffer).collect();
    assert_eq!(
        order,
        vec![
            BufferId::HttpMethod,
            BufferId::HttpUri,
            BufferId::HttpHost,
            BufferId::Payload
        ]
    );
}

#[test]
fn every_sticky_name_and_alias() {
    use BufferId::*;
    let cases = [
        ("http.uri", HttpUri, "http"),
        ("http.uri.raw", HttpUriRaw, "http"),
        ("http.method", HttpMethod, "http"),
        ("http.protocol", HttpProtocol, "http"),
        ("http_protocol", HttpProtocol, "http"),
        ("http.request_line", HttpRequestLine, "http"),
        ("http_request_line", HttpRequestLine, "http"),
        ("http.host", HttpHost, "http"),
        ("http.host.raw", HttpHostRaw, "http"),
        ("http.user_agent", HttpUserAgent, "http"),
        ("http.header", HttpHeader, "http"),
        ("http.header.raw", HttpHeaderRaw, "http"),
        ("http.cookie", HttpCookie, "http"),
        ("http.request_body", HttpRequestBody, "http"),
        ("http.stat_code", HttpStatCode, "http"),
        ("http.stat_msg", HttpStatMsg, "http"),
        ("http.response_line", HttpResponseLine, "http"),
        ("http_response_line", HttpResponseLine, "http"),
        ("http.response_body", HttpResponseBody, "http"),
        ("file_data", HttpResponseBody, "http"),
        ("file.data", HttpResponseBody, "http"),
        ("http.content_type", HttpContentType, "http"),
        ("http_content_type", HttpContentType, "http"),
        ("http.content_len", HttpContentLen, "http"),
        ("http.connection", HttpConnection, "http"),
        ("http.referer", HttpReferer, "http"),
        ("http.accept", HttpAccept, "http"),
        ("http.server", HttpServer, "http"),
        ("http.location", HttpLocation, "http"),
        ("http.start", HttpStart, "http"),
        ("dns.query", DnsQuery, "dns"),
        ("dns_query", DnsQuery, "dns"),
        ("tls.sni", TlsSni, "tls"),
        ("tls_sni", TlsSni, "tls"),
        ("tls.cert_subject", TlsCertSubject, "tls"),
        ("tls.cert_issuer", TlsCertIssuer, "tls"),
        ("tls_cert_issuer", TlsCertIssuer, "tls"),
        ("tls.cert_serial", TlsCertSerial, "tls"),
        ("ja3.string", Ja3String, "tls"),
        ("ssh.software", SshSoftware, "ssh"),
        ("ssh.softwareversion", SshSoftware, "ssh"),
        ("ssh.proto", SshProto, "ssh"),
        ("ssh_proto", SshProto, "ssh"),
        ("ssh.protoversion", SshProto, "ssh"),
    ];
    for (kw, b, proto) in cases {
        let r = rule_on(proto, &format!("{kw}; content:\"x\"; nocase;"));
        assert_eq!(r.lists.len(), 1, "{kw}");
        assert_eq!(r.lists[0].buffer, b, "{kw}");
        // The buffer implies the protocol: on a tcp rule it is accepted,
        // on another protocol's rule it is refused.
        rule(&format!("{kw}; content:\"x\"; nocase;"));
        let other = if proto == "dns" { "tls" } else { "dns" };
        let e = parse(&format!(
            "alert {other} any any -> any any ({kw}; content:\"x\"; nocase; sid:1;)"
        ))
        .unwrap_err();
        assert_eq!(
            e.message,
            format!("{kw} is a {proto} keyword but the rule's protocol is {other}")
        );
    }
    let hash = "e7d705a3286e19ea42f587b344ee6865";
    for kw in ["ja3.hash", "ja3_hash", "ja3s.hash"] {
        let r = rule_on("tls", &format!("{kw}; content:\"{hash}\";"));
        assert!(matches!(r.lists[0].buffer, Ja3Hash | Ja3sHash));
    }
}

#[test]
fn legacy_modifiers_move_the_content() {
    use BufferId::*;
    let cases = [
        ("http_uri", HttpUri),
        ("http_raw_uri", HttpUriRaw),
        ("http_method", HttpMethod),
        ("http_host", HttpHost),
        ("http_raw_host", HttpHostRaw),
        ("http_user_agent", HttpUserAgent),
        ("http_header", HttpHeader),
        ("http_raw_header", HttpHeaderRaw),
        ("http_cookie", HttpCookie),
        ("http_client_body", HttpRequestBody),
        ("http_server_body", HttpResponseBody),
        ("http_stat_code", HttpStatCode),
        ("http_stat_msg", HttpStatMsg),
    ];
    for (kw, b) in cases {
        let r = rule(&format!(
            "content:\"a\"; content:\"x\"; nocase; {kw}; content:\"z\";"
        ));
        assert_eq!(list(&r, b).len(), 1, "{kw}");
        assert!(content(&list(&r, b)[0]).nocase, "{kw}");
        let payload: Vec<&[u8]> = list(&r, Payload)
            .iter()
            .map(|m| &content(m).pattern[..])
            .collect();
        assert_eq!(payload, vec![&b"a"[..], &b"z"[..]], "{kw}");
    }
    // Modifiers after the legacy modifier apply to the moved content, and
    // relative contents are relative within the target buffer.
    let r = rule(r#"content:"/a"; http_uri; content:"b"; http_uri; distance:0; nocase;"#);
    let uri = list(&r, HttpUri);
    assert_eq!(uri.len(), 2);
    assert_eq!(content(&uri[1]).distance, Some(Num::Lit(0)));
    assert!(content(&uri[1]).nocase);
    assert!(r.lists.iter().all(|l| l.buffer != Payload));
    // uricontent is content + http_uri.
    let r = rule("uricontent:\"/x\";");
    assert_eq!(content(&list(&r, HttpUri)[0]).pattern, b"/x");
}

#[test]
fn buffer_errors() {
    assert_eq!(failed("http_uri;"), "http_uri needs a preceding content");
    assert_eq!(
        failed("http.uri; content:\"a\"; http_header;"),
        "http_header follows the sticky buffer http.uri; legacy content modifiers need pkt_data before them"
    );
    assert_eq!(
        failed("content:\"a\"; rawbytes; http_uri;"),
        "http_uri cannot be combined with rawbytes"
    );
    assert_eq!(
        failed("http.uri; content:\"a\"; rawbytes;"),
        "rawbytes cannot be used with the sticky buffer http.uri"
    );
    assert_eq!(
        failed("http.uri:1; content:\"a\";"),
        "http.uri takes no value (found \"1\")"
    );
    // A modifier after a buffer switch has no content in the new buffer.
    assert_eq!(
        failed("content:\"a\"; http.uri; distance:0;"),
        "distance needs a preceding content in the http.uri buffer (a modifier cannot follow a buffer switch)"
    );
    assert_eq!(
        failed("http.uri; content:\"a\"; http.host; nocase; content:\"b\";"),
        "nocase needs a preceding content in the http.host buffer (a modifier cannot follow a buffer switch)"
    );
    assert_eq!(
        failed("http.uri;"),
        "sticky buffer http.uri is not followed by a content or other match"
    );
    assert_eq!(
        failed("content:\"a\"; dns.query; content:\"b\"; http_uri;"),
        "http_uri follows the sticky buffer dns.query; legacy content modifiers need pkt_data before them"
    );
    assert_eq!(
        failed("dns.query; content:\"b\"; pkt_data; content:\"a\"; http_uri;"),
        "http_uri (http) and dns.query (dns) need different application protocols"
    );
    assert_eq!(
        failed("http.host; content:\"Example.org\";"),
        "content \"Example.org\" has upper case letters but the http.host buffer is lower case (write it in lower case or add nocase)"
    );
    rule("http.host; content:\"Example.org\"; nocase;");
    assert_eq!(
        failed("http.method; content:\"GET \";"),
        "http.method content \"GET \" starts or ends with white space; methods never do"
    );
    assert_eq!(
        failed("ja3.hash; content:\"ABC\";"),
        "ja3.hash content \"ABC\" is not an MD5 hash in lower case hex (32 characters)"
    );
}

#[test]
fn relative_first_content_in_a_buffer_is_allowed() {
    let r = rule("http.uri; content:\"a\"; distance:0; http.header; content:\"b\"; within:5;");
    assert_eq!(
        content(&list(&r, BufferId::HttpUri)[0]).distance,
        Some(Num::Lit(0))
    );
    assert_eq!(
        content(&list(&r, BufferId::HttpHeader)[0]).within,
        Some(Num::Lit(5))
    );
    let r = rule("content:\"a\"; distance:4;");
    assert_eq!(
        content(&list(&r, BufferId::Payload)[0]).distance,
        Some(Num::Lit(4))
    );
    // Returning to a buffer appends to its list.
    let r = rule(
        "http.uri; content:\"a\"; http.header; content:\"b\"; http.uri; content:\"c\"; distance:0;",
    );
    assert_eq!(list(&r, BufferId::HttpUri).len(), 2);
}

#[test]
fn file_data_to_server_is_skipped() {
    let (kw, msg) = skipped("flow:to_server; file_data; content:\"x\";");
    assert_eq!(kw, "file_data");
    assert_eq!(
        msg,
        "file_data in the to_server direction (HTTP uploads) is not supported yet"
    );
    rule("flow:to_client; file_data; content:\"x\";");
    rule("flow:to_server; http.request_body; content:\"x\";");
}

#[test]
fn ssh_version_keywords_with_a_value() {
    let r = rule_on("ssh", "ssh.softwareversion:\"OpenSSH\";");
    assert_eq!(
        content(&list(&r, BufferId::SshSoftware)[0]),
        &Content {
            startswith: true,
            ..c(b"OpenSSH")
        }
    );
    let r = rule_on("ssh", "ssh.protoversion:1.99;");
    assert_eq!(content(&list(&r, BufferId::SshProto)[0]).pattern, b"1.99");
    let (kw, _) = skipped("ssh.protoversion:2_compat;");
    assert_eq!(kw, "ssh.protoversion");
}

#[test]
fn header_names_certs_and_header_lines_are_buffers() {
    let r = rule_on(
        "http",
        r#"http.header_names; content:"|0d 0a|Host|0d 0a|"; http.request_header; content:"Host: a";"#,
    );
    assert_eq!(list(&r, BufferId::HttpHeaderNames).len(), 1);
    assert_eq!(list(&r, BufferId::HttpRequestHeader).len(), 1);
    let r = rule_on("http", r#"http_header_names; content:"X";"#);
    assert_eq!(list(&r, BufferId::HttpHeaderNames).len(), 1);
    let r = rule_on("http", r#"http.response_header; content:"Server: x";"#);
    assert_eq!(list(&r, BufferId::HttpResponseHeader).len(), 1);
    let r = rule_on("tls", r#"tls.certs; content:"|06 03 55 04 03|";"#);
    assert_eq!(list(&r, BufferId::TlsCerts).len(), 1);
    assert_eq!(
        problem(r#"tls.certs; content:"a"; http.uri; content:"b";"#).message,
        "http.uri (http) and tls.certs (tls) need different application protocols"
    );
    assert_eq!(
        parse(r#"alert dns any any -> any any (tls.certs; content:"a"; sid:1;)"#)
            .unwrap_err()
            .message,
        "tls.certs is a tls keyword but the rule's protocol is dns"
    );
}

// --- transforms --------------------------------------------------------------------------

fn transformed<'r>(r: &'r Rule, b: BufferId, t: &[Transform]) -> &'r [Match] {
    &r.lists
        .iter()
        .find(|l| l.buffer == b && l.transforms == t)
        .unwrap_or_else(|| panic!("no {b:?} {t:?} list in {:?}", r.lists))
        .items
}

#[test]
fn transforms_attach_to_the_sticky_buffer_in_order() {
    use Transform::*;
    let r = rule(r#"http.uri; to_lowercase; url_decode; content:"/a b"; nocase;"#);
    assert_eq!(r.lists.len(), 1);
    let items = transformed(&r, BufferId::HttpUri, &[ToLowercase, UrlDecode]);
    assert_eq!(content(&items[0]).pattern, b"/a b");
    // The same buffer without (or with other) transforms is another list;
    // urilen stays on the plain URI.
    let r = rule(
        r#"urilen:>3; http.uri; content:"A"; http.uri; to_lowercase; content:"b"; http.uri; dotprefix; content:".x"; endswith;"#,
    );
    assert_eq!(r.lists.len(), 3);
    assert_eq!(transformed(&r, BufferId::HttpUri, &[]).len(), 2);
    assert_eq!(transformed(&r, BufferId::HttpUri, &[ToLowercase]).len(), 1);
    assert_eq!(transformed(&r, BufferId::HttpUri, &[DotPrefix]).len(), 1);
    // A first transform after plain matches starts a transformed instance
    // (ET Open sid 2044076); the earlier matches stay on the plain buffer.
    let r = rule_on(
        "dns",
        r#"dns.query; content:"rs-"; startswith; fast_pattern; pcre:"/[a-z]{2}/Ri"; dotprefix; content:".rustdesk.com"; nocase; endswith;"#,
    );
    assert_eq!(transformed(&r, BufferId::DnsQuery, &[]).len(), 2);
    let items = transformed(&r, BufferId::DnsQuery, &[DotPrefix]);
    assert_eq!(content(&items[0]).pattern, b".rustdesk.com");
    assert!(content(&items[0]).nocase && content(&items[0]).endswith);
    // Relative keywords and modifiers stay on the transformed list.
    let r = rule(r#"dns.query; dotprefix; content:".com"; endswith; isdataat:!1,relative;"#);
    assert_eq!(transformed(&r, BufferId::DnsQuery, &[DotPrefix]).len(), 2);
    let r = rule(
        r#"http.request_body; xor:"0d0A"; to_md5; to_sha1; to_sha256; strip_whitespace; compress_whitespace; to_uppercase; header_lowercase; strip_pseudo_headers; content:"X";"#,
    );
    assert_eq!(r.lists[0].transforms.len(), 9);
    assert_eq!(r.lists[0].transforms[0], Xor(vec![0x0d, 0x0a]));
    let r = rule(r#"http.uri; pcrexform:"^/([a-z]+)"; content:"admin"; bsize:5;"#);
    assert!(matches!(&r.lists[0].transforms[0], PcreXform(re) if re.contains("[a-z]")));
    // Hash output is raw bytes: a hex content of the digest.
    let r =
        rule(r#"http.uri; to_md5; content:"|00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f|";"#);
    assert_eq!(r.lists[0].transforms, [ToMd5]);
}

#[test]
fn transform_errors() {
    assert_eq!(
        failed(r#"to_lowercase; content:"a";"#),
        "to_lowercase needs a sticky buffer (such as http.uri) before it"
    );
    assert_eq!(
        failed(r#"dotprefix; content:".a"; endswith;"#),
        "dotprefix needs a sticky buffer (such as http.uri) before it"
    );
    assert_eq!(
        failed(r#"http.uri; to_lowercase; content:"a"; url_decode; content:"b";"#),
        "url_decode must directly follow the sticky buffer http.uri (transforms come before its content and other matches)"
    );
    assert_eq!(
        failed(r#"http.uri; content:"a"; to_lowercase;"#),
        "sticky buffer http.uri is not followed by a content or other match"
    );
    assert_eq!(
        failed("dns.query; dotprefix;"),
        "sticky buffer dns.query is not followed by a content or other match"
    );
    // Suricata's TransformValidate: checked when the content is set, so a
    // later nocase does not make it valid.
    assert_eq!(
        failed(r#"http.uri; to_lowercase; content:"/Admin";"#),
        "content \"/Admin\" is incompatible with the to_lowercase transform: it contains upper case letters"
    );
    assert_eq!(
        failed(r#"http.uri; to_lowercase; content:"/Admin"; nocase;"#),
        "content \"/Admin\" is incompatible with the to_lowercase transform: it contains upper case letters"
    );
    assert_eq!(
        failed(r#"http.uri; to_uppercase; content:"/ADMIn";"#),
        "content \"/ADMIn\" is incompatible with the to_uppercase transform: it contains lower case letters"
    );
    assert_eq!(
        failed(r#"file_data; strip_whitespace; content:"a b";"#),
        "content \"a b\" is incompatible with the strip_whitespace transform: it contains white space, which the transform removes"
    );
    assert_eq!(
        failed(r#"file_data; compress_whitespace; content:"a |09|b";"#),
        "content \"a |09|b\" is incompatible with the compress_whitespace transform: it contains consecutive white space, which the transform compresses"
    );
    // What is valid: nocase on a lower-case content, a single space after
    // compress_whitespace, a negated content (never checked).
    rule(r#"http.uri; to_lowercase; content:"/admin"; nocase;"#);
    rule(r#"file_data; compress_whitespace; content:"a b";"#);
    rule(r#"http.uri; to_lowercase; content:!"/Admin";"#);
    assert_eq!(failed("http.uri; xor; content:\"a\";"), "xor needs a value");
    assert_eq!(
        failed(r#"http.uri; xor:"0d0"; content:"a";"#),
        "xor key \"0d0\" has an odd number of hex digits"
    );
    assert_eq!(
        failed(r#"http.uri; xor:"zz"; content:"a";"#),
        "xor key \"zz\" is not hex"
    );
    assert_eq!(
        failed(r#"http.uri; pcrexform:"[a-z]+"; content:"a";"#),
        "pcrexform needs a capture group: its first group becomes the buffer"
    );
    let (kw, msg) = skipped(r#"http.uri; pcrexform:"(?=a)(b)"; content:"a";"#);
    assert_eq!(kw, "pcrexform");
    assert!(msg.starts_with("pcrexform uses "), "{msg}");
    assert_eq!(
        failed(&format!(
            "http.uri; {} content:\"a\";",
            "url_decode; ".repeat(17)
        )),
        "more than 16 transforms on http.uri"
    );
    assert_eq!(
        failed("http.uri; to_md5:x; content:\"a\";"),
        "to_md5 takes no value (found \"x\")"
    );
}

// --- other payload keywords ------------------------------------------------------------

#[test]
fn isdataat_forms() {
    let r = rule("content:\"a\"; isdataat:!2,relative; isdataat:10; isdataat:5,rawbytes;");
    let items = list(&r, BufferId::Payload);
    assert_eq!(
        items[1],
        Match::IsDataAt {
            offset: Num::Lit(2),
            relative: true,
            negated: true
        }
    );
    assert_eq!(
        items[2],
        Match::IsDataAt {
            offset: Num::Lit(10),
            relative: false,
            negated: false
        }
    );
    // A relative isdataat without sticky buffer follows the previous match's buffer.
    let r = rule("content:\"a\"; http_uri; isdataat:1,relative;");
    assert_eq!(list(&r, BufferId::HttpUri).len(), 2);
    assert_eq!(
        failed("isdataat:1,sideways;"),
        "unknown isdataat option \"sideways\""
    );
    assert_eq!(
        failed("isdataat:x;"),
        "isdataat uses \"x\", which is not a byte_extract or byte_math variable defined before it"
    );
}

#[test]
fn pcre_keyword() {
    let r = rule(r#"content:"a"; pcre:"/b+c$/Rsi";"#);
    let Match::Pcre(p) = &list(&r, BufferId::Payload)[1] else {
        panic!();
    };
    assert!(p.relative);
    assert_eq!(p.regex, r"(?-u)(?is)b+c(?:\n?\z)");
    // Buffer flags put the pcre in that buffer.
    let r = rule(r#"pcre:"/^\/admin/U";"#);
    assert!(matches!(list(&r, BufferId::HttpUri)[0], Match::Pcre(_)));
    // With the same sticky buffer the flag is redundant; with another, an error.
    let r = rule(r#"http.uri; content:"x"; pcre:"/y/U";"#);
    assert_eq!(list(&r, BufferId::HttpUri).len(), 2);
    assert_eq!(
        failed(r#"http.header; content:"x"; pcre:"/y/U";"#),
        "pcre flag 'U' (http.uri) cannot be used after the sticky buffer http.header"
    );
    assert_eq!(
        failed(r#"pcre:"/y/R";"#),
        "pcre with the R (relative) flag needs a content or pcre before it"
    );
    rule(r#"http.uri; pcre:"/y/R";"#);
    assert_eq!(
        failed(r#"dns.query; content:"x"; pkt_data; pcre:"/y/U";"#),
        "pcre flag 'U' (http) and dns.query (dns) need different application protocols"
    );
    let (kw, msg) = skipped(r#"pcre:"/(a)\1/";"#);
    assert_eq!(kw, "pcre");
    assert_eq!(
        msg,
        "pcre uses a backreference (such as \\1), which wardwatch's regex engine does not support"
    );
    assert_eq!(failed(r#"pcre:"/a/Z9";"#), "unknown pcre flag '9'");
}

#[test]
fn bsize_dsize_urilen() {
    let r = rule("http.uri; content:\"/a\"; bsize:<10; dsize:>0; urilen:5<>20,raw;");
    assert_eq!(list(&r, BufferId::HttpUri)[1], Match::Bsize(Cmp::Lt(10)));
    assert_eq!(
        list(&r, BufferId::HttpUriRaw)[0],
        Match::Bsize(Cmp::Between(5, 20))
    );
    assert_eq!(r.header, vec![HeaderCheck::Dsize(Cmp::Gt(0))]);
    let r = rule("urilen:>3;");
    assert_eq!(list(&r, BufferId::HttpUri)[0], Match::Bsize(Cmp::Gt(3)));
    for (s, want) in [
        ("5", Cmp::Eq(5)),
        ("!5", Cmp::Ne(5)),
        ("<5", Cmp::Lt(5)),
        (">5", Cmp::Gt(5)),
        ("<=5", Cmp::Le(5)),
        (">=5", Cmp::Ge(5)),
        ("5<>9", Cmp::Between(5, 9)),
        ("5-9", Cmp::Between(5, 9)),
        (" > 5 ", Cmp::Gt(5)),
    ] {
        let r = rule(&format!("dsize:{s};"));
        assert_eq!(r.header, vec![HeaderCheck::Dsize(want)], "{s}");
    }
    assert_eq!(
        failed("bsize:5; content:\"a\";"),
        "bsize needs a sticky buffer (such as http.uri) before it"
    );
    assert_eq!(
        failed("dsize:9<>5;"),
        "invalid dsize range 9<>5: the first number must be smaller"
    );
    assert_eq!(
        failed("dsize:70000;"),
        "dsize value 70000 is out of range (at most 65535)"
    );
    assert_eq!(failed("dsize:abc;"), "invalid dsize value \"abc\"");
    assert_eq!(failed("dsize:1; dsize:2;"), "dsize is given twice");
    assert_eq!(
        failed("urilen:5,odd;"),
        "unknown urilen option \"odd\" (expected norm or raw)"
    );
    // Sizes that no content fits in.
    assert_eq!(
        failed("http.uri; content:\"/abcdef\"; bsize:4;"),
        "bsize allows at most 4 bytes but the contents in http.uri need at least 7"
    );
    assert_eq!(
        failed("http.uri; bsize:<6; content:\"/ab\"; content:\"cd\"; distance:1;"),
        "bsize allows at most 5 bytes but the contents in http.uri need at least 6"
    );
    assert_eq!(
        failed("dsize:3; content:\"abcd\";"),
        "dsize allows at most 3 bytes but the contents in payload need at least 4"
    );
    rule("dsize:3; content:!\"abcd\";");
}

#[test]
fn byte_keywords() {
    let r = rule(
        "content:\"a\"; byte_extract:2,0,len,relative,little; byte_test:4,!&,0x10,len,relative,big,bitmask 0xff; \
         byte_jump:2,len,relative,multiplier 2,align,from_beginning,post_offset -4,string,hex; \
         byte_math:bytes 2, offset 1, oper <<, rvalue len, result shifted, relative, endian little; \
         content:\"b\"; distance:shifted;",
    );
    let items = list(&r, BufferId::Payload);
    assert_eq!(
        items[1],
        Match::ByteExtract(ByteExtract {
            nbytes: 2,
            offset: 0,
            name: "len".into(),
            relative: true,
            multiplier: None,
            endian: Endian::Little,
            string: None,
            align: None,
            bitmask: None,
        })
    );
    assert_eq!(
        items[2],
        Match::ByteTest(ByteTest {
            nbytes: Num::Lit(4),
            op: ByteOp::And,
            negated: true,
            value: Num::Lit(16),
            offset: Num::Var("len".into()),
            relative: true,
            endian: Endian::Big,
            string: None,
            bitmask: Some(0xff),
        })
    );
    assert_eq!(
        items[3],
        Match::ByteJump(ByteJump {
            nbytes: Num::Lit(2),
            offset: Num::Var("len".into()),
            relative: true,
            multiplier: Some(2),
            endian: Endian::Big,
            string: Some(StringBase::Hex),
            align: true,
            from_beginning: true,
            from_end: false,
            post_offset: Some(-4),
            bitmask: None,
        })
    );
    assert_eq!(
        items[4],
        Match::ByteMath(ByteMath {
            nbytes: Num::Lit(2),
            offset: 1,
            oper: MathOp::Shl,
            rvalue: Num::Var("len".into()),
            result: "shifted".into(),
            relative: true,
            endian: Endian::Little,
            string: None,
            bitmask: None,
        })
    );
    assert_eq!(
        content(&items[5]).distance,
        Some(Num::Var("shifted".into()))
    );
    // Operators and bases.
    for (op, want, neg) in [
        ("<", ByteOp::Lt, false),
        (">", ByteOp::Gt, false),
        ("=", ByteOp::Eq, false),
        ("!=", ByteOp::Eq, true),
        ("!", ByteOp::Eq, true),
        ("<=", ByteOp::Le, false),
        (">=", ByteOp::Ge, false),
        ("&", ByteOp::And, false),
        ("^", ByteOp::Xor, false),
    ] {
        let r = rule(&format!("byte_test:1,{op},5,0;"));
        let Match::ByteTest(t) = &list(&r, BufferId::Payload)[0] else {
            panic!()
        };
        assert_eq!((t.op, t.negated), (want, neg), "{op}");
    }
    let r = rule("byte_test:3,=,010,0,string,oct;");
    let Match::ByteTest(t) = &list(&r, BufferId::Payload)[0] else {
        panic!()
    };
    assert_eq!(
        (t.value.clone(), t.string),
        (Num::Lit(8), Some(StringBase::Oct))
    );
    let r = rule("byte_test:3,=,10,0,string;");
    let Match::ByteTest(t) = &list(&r, BufferId::Payload)[0] else {
        panic!()
    };
    assert_eq!(t.string, Some(StringBase::Dec));
    // Offsets and values read as C's strtol(s, 0) does.
    let r = rule("byte_test:1,=,0x1f,0x10; byte_jump:1,-0x2,post_offset 010;");
    let Match::ByteTest(t) = &list(&r, BufferId::Payload)[0] else {
        panic!()
    };
    assert_eq!(
        (t.value.clone(), t.offset.clone()),
        (Num::Lit(31), Num::Lit(16))
    );
    let Match::ByteJump(j) = &list(&r, BufferId::Payload)[1] else {
        panic!()
    };
    assert_eq!((j.offset.clone(), j.post_offset), (Num::Lit(-2), Some(8)));
    assert_eq!(
        failed("byte_test:1,=,1,08;"),
        "invalid byte_test value \"08\""
    );
    let r = rule("byte_extract:1,0,v,align 4,multiplier 8,string,dec; byte_jump:1,0,from_end;");
    let Match::ByteExtract(e) = &list(&r, BufferId::Payload)[0] else {
        panic!()
    };
    assert_eq!((e.align, e.multiplier), (Some(4), Some(8)));
}

#[test]
fn byte_keyword_errors() {
    assert_eq!(
        failed("byte_test:4,>,1;"),
        "byte_test needs at least 4 values: bytes, operator, value, offset"
    );
    assert_eq!(
        failed("byte_test:9,>,1,0;"),
        "byte_test reads at most 8 bytes without string (found 9)"
    );
    assert_eq!(
        failed("byte_test:24,>,1,0,string;"),
        "invalid number of bytes \"24\" for byte_test (expected 1-23)"
    );
    assert_eq!(
        failed("byte_test:4,~,1,0;"),
        "invalid byte_test operator \"~\""
    );
    assert_eq!(
        failed("byte_test:4,>,1,0,hex;"),
        "byte_test: hex, dec and oct need string"
    );
    assert_eq!(
        failed("byte_test:4,>,1,0,big,little;"),
        "byte_test has two byte orders"
    );
    assert_eq!(
        failed("byte_test:4,>,1,0,sideways;"),
        "unknown byte_test option \"sideways\""
    );
    assert_eq!(
        failed("byte_test:4,>,n,0;"),
        "byte_test uses \"n\", which is not a byte_extract or byte_math variable defined before it"
    );
    assert_eq!(
        failed("byte_jump:4;"),
        "byte_jump needs at least 2 values: bytes, offset"
    );
    assert_eq!(
        failed("byte_jump:4,0,from_beginning,from_end;"),
        "byte_jump cannot have both from_beginning and from_end"
    );
    assert_eq!(
        failed("byte_jump:4,0,multiplier 0;"),
        "invalid multiplier \"0\" (expected 1-65535)"
    );
    assert_eq!(
        failed("byte_extract:4,0;"),
        "byte_extract needs at least 3 values: bytes, offset, variable name"
    );
    assert_eq!(
        failed("byte_extract:4,0,1x;"),
        "invalid variable name \"1x\""
    );
    assert_eq!(
        failed("byte_extract:4,0,v; byte_extract:4,0,v;"),
        "variable \"v\" is already defined"
    );
    assert_eq!(
        failed("byte_extract:4,0,v,align 3;"),
        "byte_extract align must be 2 or 4"
    );
    assert_eq!(
        failed("byte_math:bytes 4, offset 0, oper +, rvalue 1;"),
        "byte_math needs bytes, offset, oper, rvalue and result"
    );
    assert_eq!(
        failed("byte_math:bytes 4, offset 0, oper %, rvalue 1, result r;"),
        "invalid byte_math operator \"%\""
    );
    assert_eq!(
        failed("byte_math:bytes 4, offset 0, oper /, rvalue 0, result r;"),
        "byte_math divides by an rvalue of 0"
    );
    assert_eq!(
        failed("byte_math:bytes 11, offset 0, oper +, rvalue 1, result r;"),
        "invalid number of bytes \"11\" for byte_math (expected 1-10)"
    );
    assert_eq!(
        failed("byte_jump:0,0,string;"),
        "byte_jump reads 0 bytes only without string"
    );
    assert_eq!(
        failed("byte_test:0,=,0,0;"),
        "byte_test reads 0 bytes (a number of any length) only with string"
    );
    assert_eq!(
        failed("byte_math:bytes 0, offset 0, oper +, rvalue 1, result r;"),
        "invalid number of bytes \"0\" for byte_math (expected 1-10)"
    );
    assert_eq!(
        failed("byte_jump:n,0;"),
        "byte_jump uses \"n\", which is not a byte_extract or byte_math variable defined before it"
    );
    let (_, msg) = skipped("byte_test:4,=,0,0,dce;");
    assert_eq!(
        msg,
        "byte_test with dce (DCE/RPC byte order) is not supported yet"
    );
    let (_, msg) = skipped("byte_extract:0,0,n,string;");
    assert_eq!(
        msg,
        "byte_extract with 0 bytes (a number of any length) is not supported yet"
    );
}

#[test]
fn byte_counts_from_variables_and_any_length_strings() {
    let r = rule(
        "content:\"a\"; byte_extract:1,0,n,relative; byte_jump:n,0,relative; \
         byte_test:n,>,5,0,relative,string; \
         byte_math:bytes n, offset 0, oper +, rvalue 1, result m; \
         byte_test:0,>=,100,0,string,dec;",
    );
    let items = list(&r, BufferId::Payload);
    let Match::ByteJump(j) = &items[2] else {
        panic!("{:?}", items[2])
    };
    assert_eq!(j.nbytes, Num::Var("n".into()));
    let Match::ByteTest(t) = &items[3] else {
        panic!("{:?}", items[3])
    };
    assert_eq!(t.nbytes, Num::Var("n".into()));
    let Match::ByteMath(m) = &items[4] else {
        panic!("{:?}", items[4])
    };
    assert_eq!(m.nbytes, Num::Var("n".into()));
    let Match::ByteTest(t) = &items[5] else {
        panic!("{:?}", items[5])
    };
    assert_eq!(
        (t.nbytes.clone(), t.string),
        (Num::Lit(0), Some(StringBase::Dec))
    );
    let r = rule("content:\"a\"; byte_jump:0,0,relative,post_offset -8;");
    let Match::ByteJump(j) = &list(&r, BufferId::Payload)[1] else {
        panic!()
    };
    assert_eq!((j.nbytes.clone(), j.post_offset), (Num::Lit(0), Some(-8)));
}

// --- flow state ------------------------------------------------------------------------

#[test]
fn flow_keyword() {
    let r = rule("flow:established,to_server,only_stream;");
    assert_eq!(
        r.flow,
        Some(FlowMatch {
            to_server: Some(true),
            established: true,
            only_stream: true,
            ..FlowMatch::default()
        })
    );
    assert_eq!(
        rule("flow:from_server;").flow.unwrap().to_server,
        Some(false)
    );
    assert_eq!(
        rule("flow:to_client, not_established;")
            .flow
            .unwrap()
            .to_server,
        Some(false)
    );
    assert_eq!(
        rule("flow:from_client;").flow.unwrap().to_server,
        Some(true)
    );
    assert!(rule("flow:stateless;").flow.unwrap().stateless);
    assert!(rule("flow:no_stream;").flow.unwrap().no_stream);
    assert_eq!(
        failed("flow:to_server,to_client;"),
        "flow has more than one direction (to_server, to_client, from_server, from_client)"
    );
    assert_eq!(
        failed("flow:established,not_established;"),
        "flow cannot be both established and not_established"
    );
    assert_eq!(
        failed("flow:established,stateless;"),
        "flow cannot be stateless and established or not_established"
    );
    assert_eq!(
        failed("flow:only_stream,no_stream;"),
        "flow cannot be both only_stream and no_stream"
    );
    assert_eq!(
        failed("flow:established,established;"),
        "flow option established is given twice"
    );
    assert_eq!(failed("flow:sideways;"), "unknown flow option \"sideways\"");
    assert_eq!(
        failed("flow:established; flow:to_server;"),
        "flow is given twice"
    );
    let (kw, msg) = skipped("flow:only_frag;");
    assert_eq!(
        (kw.as_str(), msg.as_str()),
        ("flow", "flow option only_frag is not supported yet")
    );
}

#[test]
fn flowbits_keyword() {
    let r = rule(
        "flowbits:set,a.b; flowbits:isset,x|y; flowbits:isnotset,p&q; flowbits:unset,a; flowbits:toggle,t; flowbits:noalert;",
    );
    assert_eq!(
        r.flowbits,
        vec![
            Flowbits::Set("a.b".into()),
            Flowbits::IsSet {
                names: vec!["x".into(), "y".into()],
                all: false
            },
            Flowbits::IsNotSet {
                names: vec!["p".into(), "q".into()],
                all: true
            },
            Flowbits::Unset("a".into()),
            Flowbits::Toggle("t".into()),
            Flowbits::NoAlert,
        ]
    );
    assert!(r.noalert, "flowbits:noalert also sets noalert");
    assert_eq!(failed("flowbits:set;"), "flowbits set needs a name");
    assert_eq!(
        failed("flowbits:isset,a|b&c;"),
        "flowbits cannot mix '|' and '&'"
    );
    assert_eq!(
        failed("flowbits:flip,a;"),
        "unknown flowbits command \"flip\""
    );
    assert_eq!(
        failed("flowbits:noalert,a;"),
        "flowbits noalert takes no name"
    );
    let (_, msg) = skipped("flowbits:set,a|b;");
    assert_eq!(msg, "flowbits set with several names is not supported yet");
}

#[test]
fn flowint_keyword() {
    let r = rule(
        "flowint:cnt,+,1; flowint:cnt,>=,5; flowint:cnt,isset; flowint:x,notset; flowint:y,=,0; flowint:z,-,2;",
    );
    assert_eq!(
        r.flowints,
        vec![
            Flowint::Add("cnt".into(), Num::Lit(1)),
            Flowint::Compare("cnt".into(), FlowintCmp::Ge, Num::Lit(5)),
            Flowint::IsSet("cnt".into()),
            Flowint::NotSet("x".into()),
            Flowint::Set("y".into(), Num::Lit(0)),
            Flowint::Sub("z".into(), Num::Lit(2)),
        ]
    );
    assert_eq!(failed("flowint:cnt,+;"), "flowint + needs a value");
    assert_eq!(failed("flowint:cnt,%,1;"), "invalid flowint operator \"%\"");
    assert_eq!(
        failed("flowint:cnt,isset,1;"),
        "flowint isset takes no value"
    );
    let (_, msg) = skipped("flowint:a,=,b;");
    assert_eq!(
        msg,
        "flowint with another flowint as the value is not supported yet"
    );
}

#[test]
fn stream_size_keyword() {
    let r = rule("stream_size:server,>,100; stream_size:either,!=,5;");
    assert_eq!(
        r.header,
        vec![
            HeaderCheck::StreamSize {
                side: StreamSide::Server,
                cmp: Cmp::Gt(100)
            },
            HeaderCheck::StreamSize {
                side: StreamSide::Either,
                cmp: Cmp::Ne(5)
            },
        ]
    );
    assert_eq!(
        failed("stream_size:server,>;"),
        "stream_size needs 3 values: server|client|both|either, operator, bytes"
    );
    assert_eq!(
        failed("stream_size:middle,>,1;"),
        "invalid stream_size side \"middle\""
    );
    assert_eq!(
        failed("stream_size:both,<>,1;"),
        "invalid stream_size operator \"<>\""
    );
}

// --- packet header keywords ------------------------------------------------------------

#[test]
fn header_keywords() {
    let r = rule(
        "flags:SA+,12; ttl:<5; itype:8; icode:>0; icmp_id:\"7\"; icmp_seq:9; ip_proto:!tcp; id:4242; seq:1; ack:2; window:!1024; fragbits:!D; sameip;",
    );
    assert_eq!(
        r.header,
        vec![
            HeaderCheck::Flags {
                bits: 0x12,
                modifier: FlagsModifier::Plus,
                ignore: 0xC0
            },
            HeaderCheck::Ttl(Cmp::Lt(5)),
            HeaderCheck::Itype(Cmp::Eq(8)),
            HeaderCheck::Icode(Cmp::Gt(0)),
            HeaderCheck::IcmpId(7),
            HeaderCheck::IcmpSeq(9),
            HeaderCheck::IpProto(Cmp::Ne(6)),
            HeaderCheck::Id(4242),
            HeaderCheck::Seq(1),
            HeaderCheck::Ack(2),
            HeaderCheck::Window {
                value: 1024,
                negated: true
            },
            HeaderCheck::Fragbits {
                bits: 0x2,
                modifier: FlagsModifier::Not
            },
            HeaderCheck::SameIp,
        ]
    );
    let flags = |s: &str| rule(&format!("flags:{s};")).header[0].clone();
    assert_eq!(
        flags("0"),
        HeaderCheck::Flags {
            bits: 0,
            modifier: FlagsModifier::Exact,
            ignore: 0
        }
    );
    assert_eq!(
        flags("*FPU"),
        HeaderCheck::Flags {
            bits: 0x29,
            modifier: FlagsModifier::Any,
            ignore: 0
        }
    );
    assert_eq!(
        flags("!R"),
        HeaderCheck::Flags {
            bits: 0x04,
            modifier: FlagsModifier::Not,
            ignore: 0
        }
    );
    assert_eq!(
        flags("CE"),
        HeaderCheck::Flags {
            bits: 0xC0,
            modifier: FlagsModifier::Exact,
            ignore: 0
        }
    );
    assert_eq!(
        rule("ip_proto:47;").header,
        vec![HeaderCheck::IpProto(Cmp::Eq(47))]
    );
    assert_eq!(
        rule("ip_proto:<6;").header,
        vec![HeaderCheck::IpProto(Cmp::Lt(6))]
    );
    assert_eq!(
        rule("ip_proto:GRE;").header,
        vec![HeaderCheck::IpProto(Cmp::Eq(47))]
    );
    assert_eq!(
        rule("fragbits:M+;").header,
        vec![HeaderCheck::Fragbits {
            bits: 1,
            modifier: FlagsModifier::Plus
        }]
    );
    assert_eq!(failed("flags:SX;"), "invalid TCP flag 'X' in flags");
    assert_eq!(
        failed("flags:S,Q;"),
        "invalid TCP flag 'Q' in the flags mask"
    );
    assert_eq!(
        failed("flags:0S;"),
        "flags 0 (no flags) cannot be combined with other flags"
    );
    assert_eq!(
        failed("flags:+*S;"),
        "flags has more than one modifier (+ * !)"
    );
    assert_eq!(
        failed("ttl:256;"),
        "ttl value 256 is out of range (at most 255)"
    );
    assert_eq!(failed("itype:x;"), "invalid itype value \"x\"");
    assert_eq!(
        failed("icmp_id:70000;"),
        "icmp_id value 70000 is out of range"
    );
    assert_eq!(failed("window:-1;"), "invalid window value \"-1\"");
    assert_eq!(failed("ip_proto:nope;"), "unknown IP protocol \"nope\"");
    assert_eq!(
        failed("fragbits:X;"),
        "invalid fragment bit 'X' (expected M, D or R)"
    );
    assert_eq!(failed("sameip:1;"), "sameip takes no value (found \"1\")");
}

// --- thresholds and the rest ---------------------------------------------------------

#[test]
fn threshold_and_detection_filter() {
    let r = rule("threshold: type limit, track by_src, seconds 60, count 1;");
    assert_eq!(
        r.threshold,
        Some(Threshold {
            kind: ThresholdKind::Limit,
            track: Track::BySrc,
            count: 1,
            seconds: 60
        })
    );
    let r = rule("threshold:type both,count 5,seconds 10,track by_rule;");
    assert_eq!(r.threshold.unwrap().kind, ThresholdKind::Both);
    let r = rule("threshold:type threshold, track by_both, count 3, seconds 1;");
    assert_eq!(r.threshold.unwrap().track, Track::ByBoth);
    let r = rule("detection_filter:track by_dst, count 10, seconds 30;");
    assert_eq!(
        r.detection_filter,
        Some(DetectionFilter {
            track: Track::ByDst,
            count: 10,
            seconds: 30
        })
    );
    assert_eq!(
        failed("threshold:type limit, track by_src, count 1;"),
        "threshold needs type, track, count and seconds"
    );
    assert_eq!(
        failed("threshold:type often, track by_src, count 1, seconds 1;"),
        "invalid threshold type \"often\""
    );
    assert_eq!(
        failed("threshold:type limit, track by_nobody, count 1, seconds 1;"),
        "invalid threshold track \"by_nobody\""
    );
    assert_eq!(
        failed("threshold:type limit, track by_src, count x, seconds 1;"),
        "invalid threshold \"x\" (expected a number)"
    );
    assert_eq!(
        failed("threshold:type limit, track by_src, count 1, seconds 1, burst 2;"),
        "unknown threshold option \"burst\""
    );
    assert_eq!(
        failed("threshold:type limit track by_src;"),
        "invalid threshold option \"type limit track by_src\" (expected key value)"
    );
    assert_eq!(
        failed(
            "threshold:type limit, track by_src, count 1, seconds 1; detection_filter:track by_src, count 1, seconds 1;"
        ),
        "threshold and detection_filter cannot be used in one rule"
    );
    assert_eq!(
        failed("detection_filter:track by_src, count 1;"),
        "detection_filter needs track, count and seconds"
    );
    let r = rule("threshold:type limit, track by_flow, count 1, seconds 1;");
    assert_eq!(r.threshold.unwrap().track, Track::ByFlow);
    let r = rule("threshold:type backoff, track by_flow, count 3, multiplier 2;");
    assert_eq!(
        r.threshold,
        Some(Threshold {
            kind: ThresholdKind::Backoff { multiplier: 2 },
            track: Track::ByFlow,
            count: 3,
            seconds: 0
        })
    );
    assert_eq!(
        failed("threshold:type backoff, track by_src, count 1, seconds 1;"),
        "threshold type backoff needs track, count and multiplier (and no seconds)"
    );
    assert_eq!(
        failed("threshold:type backoff, track by_src, count 0, multiplier 2;"),
        "threshold type backoff needs a count and a multiplier of at least 1"
    );
    assert_eq!(
        failed("threshold:type limit, track by_src, count 1, seconds 1, multiplier 2;"),
        "threshold: multiplier is only for type backoff"
    );
}

#[test]
fn noalert_app_layer_protocol_prefilter() {
    assert!(rule("noalert;").noalert);
    assert_eq!(
        rule("app-layer-protocol:!tls;").app_layer_protocol,
        Some(("tls".into(), true))
    );
    assert_eq!(
        rule("app-layer-protocol:http1;").app_layer_protocol,
        Some(("http".into(), false))
    );
    let (kw, msg) = skipped("app-layer-protocol:nfs;");
    assert_eq!(
        (kw.as_str(), msg.as_str()),
        (
            "app-layer-protocol",
            "app-layer protocol nfs is not supported yet"
        )
    );
    let (_, msg) = skipped("app-layer-protocol:tls,final;");
    assert_eq!(
        msg,
        "app-layer-protocol with a mode (\"final\") is not supported yet"
    );
    assert_eq!(
        failed("app-layer-protocol:gopher;"),
        "unknown app-layer protocol \"gopher\""
    );
    assert_eq!(failed("noalert:1;"), "noalert takes no value (found \"1\")");
    rule("itype:8; prefilter;");
}

#[test]
fn unknown_and_unsupported_keywords_are_skipped() {
    let (kw, msg) = skipped("content:\"a\"; tag:session,10,packets;");
    assert_eq!(
        (kw.as_str(), msg.as_str()),
        ("tag", "keyword \"tag\" is not supported yet")
    );
    let (kw, msg) = skipped("http.accept_enc; content:\"a\";");
    assert_eq!(
        (kw.as_str(), msg.as_str()),
        (
            "http.accept_enc",
            "keyword \"http.accept_enc\" is not supported yet"
        )
    );
    let (kw, msg) = skipped("cotnent:\"a\";");
    assert_eq!(
        (kw.as_str(), msg.as_str()),
        ("cotnent", "unknown keyword \"cotnent\"")
    );
    for kw in [
        "xbits:set,a,track ip_src",
        "base64_decode",
        "tls.store",
        "replace:\"x\"",
        "lua:x.lua",
        "requires:feature geoip",
    ] {
        let p = problem(&format!("{kw};"));
        assert!(p.is_unsupported(), "{kw}: {p:?}");
    }
    // Keyword names are case-insensitive, as in Suricata.
    rule("CONTENT:\"a\"; NoCase;");
}

#[test]
fn never_a_partial_rule() {
    // A problem after valid options still refuses the whole rule, and the
    // sid is reported.
    let e = parse("alert tcp any any -> any any (msg:\"x\"; content:\"a\"; sid:42; base64_data;)")
        .unwrap_err();
    assert!(e.is_unsupported());
    assert_eq!(e.sid, Some(42));
}

// --- files -------------------------------------------------------------------------------

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn files_report_problems_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.rules",
        "# header comment\n\
         \n\
         alert tcp any any -> any any (msg:\"one\"; content:\"x\"; sid:1;)\n\
         # alert tcp any any -> any any (msg:\"disabled\"; sid:2;)\n\
         alert tcp any any -> any any (msg:\"two\"; \\\n\
         \x20 content:\"y\"; \\\n\
         \x20 sid:3;)\n\
         alert tcp any any -> any any (msg:\"bad\"; content:\"abc\"; depth:1; sid:4;)\n\
         alert nfs any any -> any any (msg:\"nfs\"; sid:5;)\n\
         alert tcp any any -> any any (msg:\"dup\"; sid:1;)\n\
         alert tcp any any -> any any (msg:\"tagged\"; tag:session,5,packets; sid:6;)\n",
    );
    let b = write(
        dir.path(),
        "b.rules",
        "alert tcp any any -> any any (msg:\"dup2\"; sid:3;)\nalert tcp any any -> any any (msg:\"gid2\"; gid:2; sid:3;)\n",
    );
    let missing = dir.path().join("missing.rules");
    let report = load_rules(
        &[a.clone(), b.clone(), missing.clone()],
        &Vars::new(),
        &classes(),
    );
    let sids: Vec<u32> = report.rules.iter().map(|r| r.sid).collect();
    assert_eq!(sids, vec![1, 3, 3]);
    assert_eq!(
        report.rules[1].line, 5,
        "a continued rule has its first line"
    );
    assert_eq!(report.rules[1].msg, "two");
    assert_eq!(report.rules[2].gid, 2);
    assert_eq!(report.disabled, 1);
    let (a, b, missing) = (a.display(), b.display(), missing.display());
    let failed: Vec<String> = report.failed.iter().map(ToString::to_string).collect();
    assert_eq!(failed.len(), 4);
    assert_eq!(
        failed[0],
        format!("{a}:8: depth 1 is smaller than the content length 3")
    );
    assert_eq!(
        failed[1],
        format!("{a}:10: duplicate sid 1 (gid 1): first defined at {a}:3")
    );
    assert_eq!(
        failed[2],
        format!("{b}:1: duplicate sid 3 (gid 1): first defined at {a}:5")
    );
    assert!(
        failed[3].starts_with(&format!("{missing}: cannot read rule file: ")),
        "{}",
        failed[3]
    );
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        skipped,
        vec![
            format!("{a}:9: app-layer protocol nfs is not supported yet"),
            format!("{a}:11: keyword \"tag\" is not supported yet"),
        ]
    );
    assert_eq!(report.skipped[0].keyword.as_deref(), Some("protocol nfs"));
    assert_eq!(report.skipped[1].sid, Some(6));
    assert_eq!(report.failed[0].keyword.as_deref(), Some("depth"));
    assert_eq!(report.total(), 8);
}

#[test]
fn includes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(
        &dir.path().join("sub"),
        "inner.rules",
        "alert tcp any any -> any any (sid:2;)\n",
    );
    write(dir.path(), "loop.rules", "include loop.rules\n");
    let main = write(
        dir.path(),
        "main.rules",
        "alert tcp any any -> any any (sid:1;)\ninclude sub/inner.rules\ninclude loop.rules\ninclude $RULE_PATH/x.rules\n",
    );
    let report = load_rules(std::slice::from_ref(&main), &Vars::new(), &classes());
    assert_eq!(report.rules.len(), 2);
    assert_eq!(report.files.len(), 3);
    let failed: Vec<String> = report.failed.iter().map(ToString::to_string).collect();
    assert!(
        failed[0].ends_with("loop.rules: file includes itself (include cycle)"),
        "{failed:?}"
    );
    assert_eq!(
        failed[1],
        format!(
            "{}:4: include needs a file path without variables (found \"$RULE_PATH/x.rules\")",
            main.display()
        )
    );
    let r = load_rules_from_str(
        "include x.rules\n",
        "builtin.rules",
        &Vars::new(),
        &classes(),
    );
    assert_eq!(
        r.failed[0].to_string(),
        "builtin.rules:1: include is not available in built-in rules"
    );
}

#[test]
fn rules_from_str_and_loader() {
    let text = "alert tcp any any -> any any (msg:\"a\"; sid:9000001; rev:1;)\r\n\
                alert udp any any -> any any (msg:\"b\"; sid:9000002; rev:1;)\r\n";
    let r = load_rules_from_str(text, "builtin/hospital.rules", &Vars::new(), &classes());
    assert_eq!(r.rules.len(), 2);
    assert_eq!(r.rules[1].file, "builtin/hospital.rules");
    assert_eq!(r.rules[1].line, 2);
    // One loader across sources checks sids across them.
    let (vars, cls) = (Vars::new(), classes());
    let mut loader = RuleLoader::new(&vars, &cls);
    loader
        .add_str(text, "one")
        .add_str("alert ip any any -> any any (sid:9000001;)\n", "two");
    let r = loader.finish();
    assert_eq!(
        r.failed[0].to_string(),
        "two:1: duplicate sid 9000001 (gid 1): first defined at one:1"
    );
}

#[test]
fn check_summary_render() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.rules",
        "alert tcp any any -> any any (sid:1;)\n\
         alert tcp any any -> any any (content:\"a\"; nocase; nocase; sid:2;)\n\
         alert sip any any -> any any (sid:3;)\n\
         alert nfs any any -> any any (sid:4;)\n\
         alert tcp any any -> any any (tag:session,1,packets; sid:5;)\n\
         alert sip any any -> any any (sid:6;)\n",
    );
    let s = check_files(std::slice::from_ref(&f));
    assert!(s.has_failures());
    let name = f.display();
    // Each problem: `file:line: message`, then the rule and a caret line
    // under the option (or header field) concerned.
    let expected = format!(
        "{name}:2: nocase is given twice for the same content\n\
         \x20   alert tcp any any -> any any (content:\"a\"; nocase; nocase; sid:2;)\n\
         \x20                                                      ^^^^^^\n\
         \n\
         Skipped (valid Suricata rules wardwatch cannot evaluate yet):\n\
         {name}:3: app-layer protocol sip is not supported yet\n\
         \x20   alert sip any any -> any any (sid:3;)\n\
         \x20         ^^^\n\
         {name}:4: app-layer protocol nfs is not supported yet\n\
         \x20   alert nfs any any -> any any (sid:4;)\n\
         \x20         ^^^\n\
         {name}:5: keyword \"tag\" is not supported yet\n\
         \x20   alert tcp any any -> any any (tag:session,1,packets; sid:5;)\n\
         \x20                                 ^^^^^^^^^^^^^^^^^^^^^\n\
         {name}:6: app-layer protocol sip is not supported yet\n\
         \x20   alert sip any any -> any any (sid:6;)\n\
         \x20         ^^^\n\
         \n\
         Skipped rules by keyword:\n\
         \x20 keyword        rules\n\
         \x20 protocol sip       2\n\
         \x20 protocol nfs       1\n\
         \x20 tag                1\n\
         \n\
         6 rules: 1 loaded, 1 failed, 4 skipped (0 disabled in comments) in 1 files\n"
    );
    assert_eq!(s.render(), expected);
    let ok = write(
        dir.path(),
        "ok.rules",
        "alert tcp any any -> any any (sid:1;)\n",
    );
    let s = check_files(&[ok]);
    assert!(!s.has_failures());
    assert_eq!(
        s.render(),
        "\n1 rules: 1 loaded, 0 failed, 0 skipped (0 disabled in comments) in 1 files\n"
    );
}

#[test]
fn caret_lines_point_at_the_option_and_window_long_rules() {
    use super::files::caret_lines;
    let r = r#"alert tcp any any -> any any (content:"a"; nocase; nocase; sid:2;)"#;
    let p = problem_in(r);
    assert_eq!(&r[p.span.clone().unwrap()], "nocase");
    assert_eq!(
        caret_lines(r, p.span.unwrap()).unwrap(),
        format!("    {r}\n{}^^^^^^", " ".repeat(4 + 51))
    );
    // A problem found at the end points at its keyword's option.
    let r = r#"alert tcp any any -> any any (http.uri; sid:2;)"#;
    assert_eq!(&r[problem_in(r).span.unwrap()], "http.uri");
    let r = r#"alert tcp any any -> any any (content:"a"; sid:1; sid:2;)"#;
    assert_eq!(&r[problem_in(r).span.unwrap()], "sid:2");
    let r = r#"alert tcp any any -> 10.0.0.300 any (sid:2;)"#;
    assert_eq!(&r[problem_in(r).span.unwrap()], "10.0.0.300");
    let r = r#"alert tcp any any -> any any (content:"a"; pcre:"/(?=x)/"; sid:2;)"#;
    assert_eq!(&r[problem_in(r).span.unwrap()], r#"pcre:"/(?=x)/""#);
    // A long rule: a window of 100 characters around the span, cut with
    // "...", the caret still under the option.
    let long = format!(
        r#"alert tcp any any -> any any (msg:"{}"; content:"abc"; depth:2; reference:url,{}; sid:3;)"#,
        "m".repeat(300),
        "r".repeat(300)
    );
    let p = problem_in(&long);
    let out = caret_lines(&long, p.span.unwrap()).unwrap();
    let (text, caret) = out.split_once('\n').unwrap();
    assert!(
        text.starts_with("    ...") && text.ends_with("..."),
        "{text}"
    );
    assert_eq!(text.chars().count(), 4 + 3 + 100 + 3);
    let col = caret.find('^').unwrap();
    assert_eq!(&text[col..col + 7], "depth:2");
    assert_eq!(caret.trim(), "^^^^^^^");
    // Multi-byte text before the span, a tab, a span at the very end, and
    // bad spans.
    let t = "é\tabc";
    assert_eq!(caret_lines(t, 3..6).unwrap(), "    é abc\n      ^^^");
    assert_eq!(caret_lines(t, 6..6).unwrap(), "    é abc\n         ^");
    assert!(caret_lines(t, 1..2).is_none());
    assert!(caret_lines(t, 4..9).is_none());
}

fn problem_in(text: &str) -> RuleProblem {
    match parse(text) {
        Ok(r) => panic!("{text}: parsed {r:?}"),
        Err(e) => e,
    }
}

/// Mangled rules (characters replaced, inserted, cut) never panic the
/// parser: every outcome is a rule or a problem.
#[test]
fn mangled_rules_never_panic() {
    let seeds = [
        r#"alert http $HOME_NET any -> $EXTERNAL_NET [80,!81,8000:] (msg:"a \"b\""; flow:established,to_server; http.uri; content:"/x|3a 2f|"; nocase; depth:10; pcre:"/^\/[a-z]{2,}(?:\?|$)/Ui"; http.host; dotprefix; content:".e.org"; endswith; pkt_data; content:"q"; byte_extract:2,0,n,relative; byte_test:2,>,n,0,relative; isdataat:!1,relative; threshold:type limit, track by_src, count 1, seconds 60; classtype:trojan-activity; sid:1; rev:2;)"#,
        r#"alert tcp [10.0.0.0/8,![10.1.0.0/16,!10.1.1.1]] any <> any any (content:"a"; http_uri; content:!"b"; distance:0; within:5; byte_math:bytes 2, offset 0, oper +, rvalue 3, result r; byte_jump:2,r,relative,post_offset -1; flowbits:isset,a|b; flowint:c,+,1; flags:SA+,12; fragbits:!D; dsize:1<>9; urilen:<5,raw; sid:2;)"#,
        r#"alert dns any any -> any any (dns.query; content:"x"; bsize:>2; pcre:"/[[:alpha:]\x00-\x1f]\Q.*\E(?i:a)\h+$/smx"; app-layer-protocol:!tls; sid:3;)"#,
        r#"alert ssh any any -> any any (ssh.softwareversion:OpenSSH; ssh.proto; content:"2.0"; sid:4;)"#,
    ];
    let alphabet: &[u8] = b" \t;:,\"\\|![](){}$-<>/^*+?.aZ09xX#&~=";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (vars, cls) = (Vars::new(), classes());
    for seed in seeds {
        parse_rule(seed, "m.rules", 1, &vars, &cls).unwrap_or_else(|e| panic!("{seed}: {e:?}"));
        for _ in 0..4000 {
            let mut bytes = seed.as_bytes().to_vec();
            for _ in 0..(1 + next() % 4) {
                let pos = (next() as usize) % bytes.len().max(1);
                let ch = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 => bytes[pos] = ch,
                    1 => bytes.insert(pos, ch),
                    _ => bytes.truncate(pos.max(1)),
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse_rule(&text, "m.rules", 1, &vars, &cls);
        }
    }
}

#[test]
fn tcp_flags_is_suricatas_newer_name_for_flags() {
    let a = rule("flags:R,A;");
    let b = rule("tcp.flags:R,A;");
    assert_eq!(a.header, b.header);
    assert!(!a.header.is_empty());
}

#[test]
fn file_data_on_a_non_http_protocol_is_skipped_not_failed() {
    for kw in ["file_data", "file.data"] {
        let e = parse(&format!(
            "alert smtp any any -> any any (msg:\"m\"; {kw}; content:\"x\"; sid:1;)"
        ))
        .unwrap_err();
        assert_eq!(e.kind, ProblemKind::Unsupported, "{kw}");
        assert!(
            e.message.contains("file extraction from smtp"),
            "{}",
            e.message
        );
    }
    // On HTTP (or no protocol) it is the response body, as before.
    assert!(parse("alert http any any -> any any (file_data; content:\"x\"; sid:1;)").is_ok());
}
