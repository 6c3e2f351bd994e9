//! Names: buffers (sticky and legacy), Suricata's application protocols and
//! keywords, so that an unsupported rule is reported as "not supported yet"
//! rather than "unknown".

use super::ir::BufferId;

/// Sticky-buffer keywords (`http.uri; content:...`) and their aliases.
pub(crate) fn sticky_buffer(name: &str) -> Option<BufferId> {
    use BufferId::*;
    Some(match name {
        "http.uri" => HttpUri,
        "http.uri.raw" => HttpUriRaw,
        "http.method" => HttpMethod,
        "http.protocol" | "http_protocol" => HttpProtocol,
        "http.request_line" | "http_request_line" => HttpRequestLine,
        "http.host" => HttpHost,
        "http.host.raw" => HttpHostRaw,
        "http.user_agent" => HttpUserAgent,
        "http.header" => HttpHeader,
        "http.header.raw" => HttpHeaderRaw,
        "http.cookie" => HttpCookie,
        "http.request_body" => HttpRequestBody,
        "http.stat_code" => HttpStatCode,
        "http.stat_msg" => HttpStatMsg,
        "http.response_line" | "http_response_line" => HttpResponseLine,
        "http.response_body" | "file_data" | "file.data" => HttpResponseBody,
        "http.content_type" | "http_content_type" => HttpContentType,
        "http.content_len" | "http_content_len" => HttpContentLen,
        "http.connection" | "http_connection" => HttpConnection,
        "http.referer" | "http_referer" => HttpReferer,
        "http.accept" | "http_accept" => HttpAccept,
        "http.server" => HttpServer,
        "http.location" => HttpLocation,
        "http.start" | "http_start" => HttpStart,
        "dns.query" | "dns_query" => DnsQuery,
        "tls.sni" | "tls_sni" => TlsSni,
        "tls.cert_subject" | "tls_cert_subject" => TlsCertSubject,
        "tls.cert_issuer" | "tls_cert_issuer" => TlsCertIssuer,
        "tls.cert_serial" | "tls_cert_serial" => TlsCertSerial,
        "ja3.hash" | "ja3_hash" => Ja3Hash,
        "ja3.string" | "ja3_string" => Ja3String,
        "ja3s.hash" | "ja3s_hash" => Ja3sHash,
        "ssh.software" | "ssh_software" | "ssh.softwareversion" => SshSoftware,
        "ssh.proto" | "ssh_proto" | "ssh.protoversion" => SshProto,
        "ssh.hassh" | "ssh_hassh" => SshHassh,
        "ssh.hassh.string" | "ssh_hassh_string" => SshHasshString,
        "ssh.hassh.server" | "ssh_hassh_server" => SshHasshServer,
        "ssh.hassh.server.string" | "ssh_hassh_server_string" => SshHasshServerString,
        "dicom.calling_ae" => DicomCallingAe,
        "dicom.called_ae" => DicomCalledAe,
        "dicom.command" => DicomCommand,
        "hl7.msh" => Hl7Msh,
        "hl7.message_type" => Hl7MessageType,
        "hl7.sending_app" => Hl7SendingApp,
        "krb5.cname" | "krb5_cname" => Krb5Cname,
        "krb5.sname" | "krb5_sname" => Krb5Sname,
        "smb.share" | "smb_share" => SmbShare,
        "smb.named_pipe" | "smb_named_pipe" => SmbNamedPipe,
        "http.header_names" | "http_header_names" => HttpHeaderNames,
        "tls.certs" => TlsCerts,
        "http.request_header" => HttpRequestHeader,
        "http.response_header" => HttpResponseHeader,
        _ => return None,
    })
}

/// Legacy content modifiers (`content:"x"; http_uri;`): they move the
/// preceding payload content into a buffer.
pub(crate) fn legacy_modifier(name: &str) -> Option<BufferId> {
    use BufferId::*;
    Some(match name {
        "http_uri" => HttpUri,
        "http_raw_uri" => HttpUriRaw,
        "http_method" => HttpMethod,
        "http_host" => HttpHost,
        "http_raw_host" => HttpHostRaw,
        "http_user_agent" => HttpUserAgent,
        "http_header" => HttpHeader,
        "http_raw_header" => HttpHeaderRaw,
        "http_cookie" => HttpCookie,
        "http_client_body" => HttpRequestBody,
        "http_server_body" => HttpResponseBody,
        "http_stat_code" => HttpStatCode,
        "http_stat_msg" => HttpStatMsg,
        _ => return None,
    })
}

/// The name a user would write for a buffer (for messages).
pub(crate) fn buffer_name(b: BufferId) -> &'static str {
    use BufferId::*;
    match b {
        Payload => "payload",
        HttpUri => "http.uri",
        HttpUriRaw => "http.uri.raw",
        HttpMethod => "http.method",
        HttpProtocol => "http.protocol",
        HttpRequestLine => "http.request_line",
        HttpHost => "http.host",
        HttpHostRaw => "http.host.raw",
        HttpUserAgent => "http.user_agent",
        HttpHeader => "http.header",
        HttpHeaderRaw => "http.header.raw",
        HttpCookie => "http.cookie",
        HttpRequestBody => "http.request_body",
        HttpStatCode => "http.stat_code",
        HttpStatMsg => "http.stat_msg",
        HttpResponseLine => "http.response_line",
        HttpResponseBody => "http.response_body",
        HttpContentType => "http.content_type",
        HttpContentLen => "http.content_len",
        HttpConnection => "http.connection",
        HttpReferer => "http.referer",
        HttpAccept => "http.accept",
        HttpServer => "http.server",
        HttpLocation => "http.location",
        HttpStart => "http.start",
        DnsQuery => "dns.query",
        TlsSni => "tls.sni",
        TlsCertSubject => "tls.cert_subject",
        TlsCertIssuer => "tls.cert_issuer",
        TlsCertSerial => "tls.cert_serial",
        Ja3Hash => "ja3.hash",
        Ja3String => "ja3.string",
        Ja3sHash => "ja3s.hash",
        SshSoftware => "ssh.software",
        SshProto => "ssh.proto",
        SshHassh => "ssh.hassh",
        SshHasshString => "ssh.hassh.string",
        SshHasshServer => "ssh.hassh.server",
        SshHasshServerString => "ssh.hassh.server.string",
        DicomCallingAe => "dicom.calling_ae",
        DicomCalledAe => "dicom.called_ae",
        DicomCommand => "dicom.command",
        Hl7Msh => "hl7.msh",
        Hl7MessageType => "hl7.message_type",
        Hl7SendingApp => "hl7.sending_app",
        Krb5Cname => "krb5.cname",
        Krb5Sname => "krb5.sname",
        SmbShare => "smb.share",
        SmbNamedPipe => "smb.named_pipe",
        HttpHeaderNames => "http.header_names",
        TlsCerts => "tls.certs",
        HttpRequestHeader => "http.request_header",
        HttpResponseHeader => "http.response_header",
    }
}

/// The application protocol a buffer belongs to (`None` for the payload).
pub(crate) fn buffer_app_proto(b: BufferId) -> Option<&'static str> {
    use BufferId::*;
    match b {
        Payload => None,
        DnsQuery => Some("dns"),
        TlsSni | TlsCertSubject | TlsCertIssuer | TlsCertSerial | Ja3Hash | Ja3String
        | Ja3sHash => Some("tls"),
        SshSoftware | SshProto | SshHassh | SshHasshString | SshHasshServer
        | SshHasshServerString => Some("ssh"),
        DicomCallingAe | DicomCalledAe | DicomCommand => Some("dicom"),
        Hl7Msh | Hl7MessageType | Hl7SendingApp => Some("hl7"),
        Krb5Cname | Krb5Sname => Some("krb5"),
        SmbShare | SmbNamedPipe => Some("smb"),
        TlsCerts => Some("tls"),
        _ => Some("http"),
    }
}

/// Suricata's application-layer protocol names (rule headers and
/// `app-layer-protocol`), supported or not.
pub(crate) const SURICATA_APP_PROTOS: &[&str] = &[
    "bittorrent-dht",
    "dcerpc",
    "dhcp",
    "dnp3",
    "dns",
    "doh2",
    "enip",
    "failed",
    "ftp",
    "ftp-data",
    "http",
    "http1",
    "http2",
    "ike",
    "ikev2",
    "imap",
    "krb5",
    "ldap",
    "mdns",
    "modbus",
    "mqtt",
    "nfs",
    "ntp",
    "pgsql",
    "pop3",
    "quic",
    "rdp",
    "rfb",
    "sip",
    "smb",
    "smtp",
    "snmp",
    "ssh",
    "telnet",
    "template",
    "tftp",
    "tls",
    "websocket",
];

/// Name prefixes of Suricata keyword families (protocol keywords and
/// buffers) that wardwatch does not support.
const SURICATA_KEYWORD_PREFIXES: &[&str] = &[
    "bittorrent",
    "cip_",
    "dce_",
    "dcerpc.",
    "dhcp.",
    "dnp3",
    "dns.",
    "email.",
    "enip",
    "file.",
    "file_",
    "ftp",
    "http.",
    "http2.",
    "http_",
    "icmpv4.",
    "icmpv6.",
    "ike.",
    "imap.",
    "ipv4.",
    "ipv6.",
    "ja3",
    "ja4",
    "krb5",
    "ldap.",
    "modbus",
    "mqtt.",
    "nfs",
    "ntp.",
    "pgsql.",
    "pop3.",
    "quic.",
    "rfb.",
    "sip.",
    "smb",
    "smtp.",
    "snmp.",
    "ssh.",
    "ssh_",
    "tcp.",
    "tls.",
    "tls_",
    "udp.",
    "vlan.",
    "websocket.",
];

/// Other Suricata keywords wardwatch does not support (yet).
const SURICATA_KEYWORDS: &[&str] = &[
    "absent",
    "app-layer-event",
    "app-layer-state",
    "asn1",
    "base64_data",
    "base64_decode",
    "bypass",
    "compress_whitespace",
    "config",
    "datarep",
    "dataset",
    "decode-event",
    "domain",
    "dotprefix",
    "engine-event",
    "entropy",
    "filemagic",
    "filemd5",
    "filename",
    "fileext",
    "filesha1",
    "filesha256",
    "filesize",
    "filestore",
    "flowvar",
    "fragoffset",
    "frame",
    "from_base64",
    "geoip",
    "gunzip",
    "header_lowercase",
    "hostbits",
    "icmpv4-csum",
    "icmpv6-csum",
    "icmpv6.mtu",
    "ipopts",
    "iprep",
    "ipv4-csum",
    "l3_proto",
    "lua",
    "luajit",
    "luaxform",
    "pcrexform",
    "pktvar",
    "rate_filter",
    "replace",
    "requires",
    "rpc",
    "ssl_state",
    "ssl_version",
    "stream_event",
    "strip_pseudo_headers",
    "strip_whitespace",
    "tag",
    "tcpv4-csum",
    "tcpv6-csum",
    "tld",
    "to_lowercase",
    "to_md5",
    "to_sha1",
    "to_sha256",
    "to_uppercase",
    "tos",
    "transform",
    "udpv4-csum",
    "udpv6-csum",
    "url_decode",
    "xbits",
    "xor",
    "zlib_deflate",
];

/// True when `name` is a Suricata keyword (one wardwatch does not handle).
pub(crate) fn is_suricata_keyword(name: &str) -> bool {
    SURICATA_KEYWORDS.contains(&name)
        || SURICATA_KEYWORD_PREFIXES
            .iter()
            .any(|p| name.starts_with(p))
}

/// Protocol numbers by name for `ip_proto` (the IANA names that
/// `/etc/protocols` carries, which Suricata looks up).
pub(crate) fn ip_proto_number(name: &str) -> Option<u8> {
    Some(match name {
        "hopopt" => 0,
        "icmp" => 1,
        "igmp" => 2,
        "ggp" => 3,
        "ipencap" | "ipv4" | "ip-in-ip" => 4,
        "st" => 5,
        "tcp" => 6,
        "egp" => 8,
        "igp" => 9,
        "pup" => 12,
        "udp" => 17,
        "hmp" => 20,
        "xns-idp" => 22,
        "rdp" => 27,
        "iso-tp4" => 29,
        "dccp" => 33,
        "xtp" => 36,
        "ddp" => 37,
        "idpr-cmtp" => 38,
        "ipv6" => 41,
        "ipv6-route" => 43,
        "ipv6-frag" => 44,
        "idrp" => 45,
        "rsvp" => 46,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "skip" => 57,
        "ipv6-icmp" | "icmpv6" => 58,
        "ipv6-nonxt" => 59,
        "ipv6-opts" => 60,
        "rspf" => 73,
        "vmtp" => 81,
        "eigrp" => 88,
        "ospf" => 89,
        "ax.25" => 93,
        "ipip" => 94,
        "etherip" => 97,
        "encap" => 98,
        "pim" => 103,
        "ipcomp" => 108,
        "vrrp" => 112,
        "l2tp" => 115,
        "isis" => 124,
        "sctp" => 132,
        "fc" => 133,
        "mobility-header" => 135,
        "udplite" => 136,
        "mpls-in-ip" => 137,
        "manet" => 138,
        "hip" => 139,
        "shim6" => 140,
        "wesp" => 141,
        "rohc" => 142,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_buffer_has_a_sticky_name_that_maps_back() {
        use BufferId::*;
        let all = [
            HttpUri,
            HttpUriRaw,
            HttpMethod,
            HttpProtocol,
            HttpRequestLine,
            HttpHost,
            HttpHostRaw,
            HttpUserAgent,
            HttpHeader,
            HttpHeaderRaw,
            HttpCookie,
            HttpRequestBody,
            HttpStatCode,
            HttpStatMsg,
            HttpResponseLine,
            HttpResponseBody,
            HttpContentType,
            HttpContentLen,
            HttpConnection,
            HttpReferer,
            HttpAccept,
            HttpServer,
            HttpLocation,
            HttpStart,
            DnsQuery,
            TlsSni,
            TlsCertSubject,
            TlsCertIssuer,
            TlsCertSerial,
            Ja3Hash,
            Ja3String,
            Ja3sHash,
            SshSoftware,
            SshProto,
            SshHassh,
            SshHasshString,
            SshHasshServer,
            SshHasshServerString,
            DicomCallingAe,
            DicomCalledAe,
            DicomCommand,
            Hl7Msh,
            Hl7MessageType,
            Hl7SendingApp,
            Krb5Cname,
            Krb5Sname,
            SmbShare,
            SmbNamedPipe,
        ];
        for b in all {
            assert_eq!(sticky_buffer(buffer_name(b)), Some(b), "{b:?}");
            assert!(buffer_app_proto(b).is_some());
        }
        assert_eq!(buffer_app_proto(Payload), None);
    }

    #[test]
    fn aliases() {
        assert_eq!(sticky_buffer("file_data"), Some(BufferId::HttpResponseBody));
        assert_eq!(sticky_buffer("file.data"), Some(BufferId::HttpResponseBody));
        assert_eq!(sticky_buffer("dns_query"), Some(BufferId::DnsQuery));
        assert_eq!(sticky_buffer("tls_sni"), Some(BufferId::TlsSni));
        assert_eq!(sticky_buffer("ja3_hash"), Some(BufferId::Ja3Hash));
        assert_eq!(
            sticky_buffer("ssh.softwareversion"),
            Some(BufferId::SshSoftware)
        );
        assert_eq!(
            legacy_modifier("http_client_body"),
            Some(BufferId::HttpRequestBody)
        );
        assert_eq!(legacy_modifier("http.uri"), None);
        assert!(is_suricata_keyword("dotprefix"));
        assert!(is_suricata_keyword("http.header_names"));
        assert!(is_suricata_keyword("tls.certs"));
        assert!(!is_suricata_keyword("cotnent"));
        assert_eq!(ip_proto_number("gre"), Some(47));
    }
}
