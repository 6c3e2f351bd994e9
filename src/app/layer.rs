//! Per-flow application layer: find out which protocol a flow speaks (by
//! content, in both directions — not only by port), then drive that
//! protocol's parser and hand every completed transaction half to detection.

use crate::app::dns::{self, DnsTcpParser};
use crate::app::http::{self, HttpConfig, HttpEvent, HttpParser};
use crate::app::ssh::{self, SshEvent, SshState};
use crate::app::tls::{self, TlsEvent, TlsParser};
use crate::app::{DatagramParser, LoginAttempt, ParseSink, Probe, StreamParser, TxBuffers};
use crate::flow::Direction;

/// Application protocols wardwatch knows. Names are Suricata's where it has
/// one (EVE `app_proto`, rule headers), ours otherwise (`dicom`, `hl7`,
/// `radius`, `tds`, `telnet`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AppProto {
    /// HTTP/1.x.
    Http,
    /// TLS.
    Tls,
    /// SSH.
    Ssh,
    /// DNS (UDP or TCP).
    Dns,
    /// FTP control channel.
    Ftp,
    /// Telnet.
    Telnet,
    /// SMTP (and submission).
    Smtp,
    /// POP3.
    Pop3,
    /// IMAP.
    Imap,
    /// RADIUS authentication.
    Radius,
    /// LDAP.
    Ldap,
    /// Kerberos 5 (UDP or TCP).
    Krb5,
    /// SMB 1/2/3 (NetBIOS session service or direct TCP).
    Smb,
    /// RDP (X.224 connection phase).
    Rdp,
    /// MySQL / MariaDB client protocol.
    Mysql,
    /// PostgreSQL frontend/backend protocol.
    Pgsql,
    /// Microsoft SQL Server TDS.
    Tds,
    /// DICOM upper layer.
    Dicom,
    /// HL7 v2 over MLLP.
    Hl7,
}

impl AppProto {
    /// Every protocol, in declaration order.
    pub const ALL: [AppProto; 19] = [
        AppProto::Http,
        AppProto::Tls,
        AppProto::Ssh,
        AppProto::Dns,
        AppProto::Ftp,
        AppProto::Telnet,
        AppProto::Smtp,
        AppProto::Pop3,
        AppProto::Imap,
        AppProto::Radius,
        AppProto::Ldap,
        AppProto::Krb5,
        AppProto::Smb,
        AppProto::Rdp,
        AppProto::Mysql,
        AppProto::Pgsql,
        AppProto::Tds,
        AppProto::Dicom,
        AppProto::Hl7,
    ];

    /// Suricata's name (EVE `app_proto`, rule headers).
    pub fn as_str(self) -> &'static str {
        match self {
            AppProto::Http => "http",
            AppProto::Tls => "tls",
            AppProto::Ssh => "ssh",
            AppProto::Dns => "dns",
            AppProto::Ftp => "ftp",
            AppProto::Telnet => "telnet",
            AppProto::Smtp => "smtp",
            AppProto::Pop3 => "pop3",
            AppProto::Imap => "imap",
            AppProto::Radius => "radius",
            AppProto::Ldap => "ldap",
            AppProto::Krb5 => "krb5",
            AppProto::Smb => "smb",
            AppProto::Rdp => "rdp",
            AppProto::Mysql => "mysql",
            AppProto::Pgsql => "pgsql",
            AppProto::Tds => "tds",
            AppProto::Dicom => "dicom",
            AppProto::Hl7 => "hl7",
        }
    }

    /// The protocol called `name` (Suricata's spelling).
    pub fn from_name(name: &str) -> Option<AppProto> {
        AppProto::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// True when wardwatch has a parser for it (rules naming it in their
    /// header can match; others are skipped as unsupported).
    pub fn parsed(self) -> bool {
        matches!(
            self,
            AppProto::Http | AppProto::Tls | AppProto::Ssh | AppProto::Dns
        ) || STREAM_PROTOS.iter().any(|p| p.proto == self)
            || DATAGRAM_PROTOS.iter().any(|p| p.proto == self)
    }
}

/// A TCP protocol plugged into detection.
pub struct StreamProto {
    /// Which protocol.
    pub proto: AppProto,
    /// Looks at the first bytes `dir` sent (at most [`PROBE_BUFFER`]);
    /// `server_port` is a hint for protocols whose first bytes are not
    /// distinctive enough alone. Must not say `Yes` to another protocol's
    /// opening: probes run in the order of [`STREAM_PROTOS`], after HTTP,
    /// TLS, SSH and DNS.
    pub probe: fn(dir: Direction, server_port: u16, data: &[u8]) -> Probe,
    /// A fresh parser for a flow.
    pub new: fn() -> Box<dyn StreamParser>,
}

/// A UDP protocol plugged into detection.
pub struct DatagramProto {
    /// Which protocol.
    pub proto: AppProto,
    /// True when a datagram between these ports with this payload is the
    /// protocol.
    pub probe: fn(src_port: u16, dst_port: u16, payload: &[u8]) -> bool,
    /// A fresh parser for a flow.
    pub new: fn() -> Box<dyn DatagramParser>,
}

/// TCP protocols beyond HTTP, TLS, SSH and DNS, probed in this order.
pub static STREAM_PROTOS: &[StreamProto] = &[
    StreamProto {
        proto: AppProto::Smb,
        probe: crate::app::smb::probe,
        new: crate::app::smb::new_parser,
    },
    StreamProto {
        proto: AppProto::Rdp,
        probe: crate::app::rdp::probe,
        new: crate::app::rdp::new_parser,
    },
    StreamProto {
        proto: AppProto::Ldap,
        probe: crate::app::ldap::probe,
        new: || Box::new(crate::app::ldap::LdapParser::new()),
    },
    StreamProto {
        proto: AppProto::Krb5,
        probe: crate::app::krb5::probe_tcp,
        new: || Box::new(crate::app::krb5::Krb5TcpParser::new()),
    },
    StreamProto {
        proto: AppProto::Dicom,
        probe: crate::app::dicom::probe,
        new: crate::app::dicom::new_parser,
    },
    StreamProto {
        proto: AppProto::Hl7,
        probe: crate::app::hl7::probe,
        new: crate::app::hl7::new_parser,
    },
    StreamProto {
        proto: AppProto::Mysql,
        probe: crate::app::mysql::probe,
        new: crate::app::mysql::new_parser,
    },
    StreamProto {
        proto: AppProto::Pgsql,
        probe: crate::app::pgsql::probe,
        new: crate::app::pgsql::new_parser,
    },
    StreamProto {
        proto: AppProto::Tds,
        probe: crate::app::tds::probe,
        new: crate::app::tds::new_parser,
    },
    StreamProto {
        proto: AppProto::Telnet,
        probe: crate::app::telnet::probe,
        new: crate::app::telnet::TelnetParser::boxed,
    },
    StreamProto {
        proto: AppProto::Ftp,
        probe: crate::app::ftp::probe,
        new: crate::app::ftp::FtpParser::boxed,
    },
    StreamProto {
        proto: AppProto::Smtp,
        probe: crate::app::smtp::probe,
        new: crate::app::smtp::SmtpParser::boxed,
    },
    StreamProto {
        proto: AppProto::Pop3,
        probe: crate::app::pop3::probe,
        new: crate::app::pop3::Pop3Parser::boxed,
    },
    StreamProto {
        proto: AppProto::Imap,
        probe: crate::app::imap::probe,
        new: crate::app::imap::ImapParser::boxed,
    },
];

/// UDP protocols beyond DNS, probed in this order.
pub static DATAGRAM_PROTOS: &[DatagramProto] = &[
    DatagramProto {
        proto: AppProto::Radius,
        probe: crate::app::radius::probe,
        new: || Box::new(crate::app::radius::RadiusParser::new()),
    },
    DatagramProto {
        proto: AppProto::Krb5,
        probe: crate::app::krb5::probe_udp,
        new: || Box::new(crate::app::krb5::Krb5UdpParser::new()),
    },
];

/// Where the application layer delivers what its parsers found.
pub trait LayerSink {
    /// A transaction half ready for inspection.
    fn tx(&mut self, tx: TxReady<'_>);
    /// A login attempt.
    fn login(&mut self, _login: LoginAttempt) {}
    /// An EVE app-layer record body for `proto`.
    fn record(
        &mut self,
        _proto: AppProto,
        _dir: Direction,
        _body: serde_json::Map<String, serde_json::Value>,
    ) {
    }
}

impl<F: FnMut(TxReady<'_>)> LayerSink for F {
    fn tx(&mut self, tx: TxReady<'_>) {
        self(tx)
    }
}

/// A [`ParseSink`] for one protocol's parser, tagging what it reports.
pub struct Tagged<'s> {
    /// The parser's protocol.
    pub proto: AppProto,
    /// Where it goes.
    pub sink: &'s mut dyn LayerSink,
}

impl ParseSink for Tagged<'_> {
    fn tx(&mut self, dir: Direction, tx_id: u64, buffers: &dyn TxBuffers) {
        self.sink.tx(TxReady {
            dir,
            proto: self.proto,
            tx_id,
            buffers,
        });
    }

    fn login(&mut self, login: LoginAttempt) {
        self.sink.login(login);
    }

    fn record(&mut self, dir: Direction, body: serde_json::Map<String, serde_json::Value>) {
        self.sink.record(self.proto, dir, body);
    }
}

/// One transaction half ready for inspection.
pub struct TxReady<'a> {
    /// Which side sent it.
    pub dir: Direction,
    /// Its protocol.
    pub proto: AppProto,
    /// Unique within the flow and direction (rules alert once per tx).
    pub tx_id: u64,
    /// Its detection buffers.
    pub buffers: &'a dyn TxBuffers,
}

/// Bytes kept per direction while the protocol is still unknown. Probes need
/// a few bytes at most (a method and a space, a TLS record header, `SSH-`);
/// an attacker trickling one byte per segment must not grow this.
pub const PROBE_BUFFER: usize = 64;

/// Chunks of a refused direction probed again before detection gives up on it.
const MAX_REPROBES: u8 = 8;

/// The application layer of one flow.
pub struct AppLayer {
    state: State,
    /// Start of each direction while still detecting.
    pending: [Vec<u8>; 2],
    /// A direction's probes all said No.
    refused: [bool; 2],
    /// Chunks of a refused direction probed since (see [`MAX_REPROBES`]).
    reprobes: [u8; 2],
    /// Transaction counter for protocols without their own ids.
    next_tx: u64,
    /// The session's EVE record was written (TLS: once per handshake).
    logged: bool,
}

enum State {
    Detecting,
    Http(Box<HttpParser>),
    Tls(Box<TlsParser>),
    Ssh(Box<SshState>),
    DnsTcp(Box<DnsTcpParser>),
    /// A protocol plugged in through [`STREAM_PROTOS`].
    Other(AppProto, Box<dyn StreamParser>),
    /// Not a protocol we parse (or the parser gave up): ignore the payload.
    Unknown,
}

impl Default for AppLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl AppLayer {
    /// A flow whose protocol is not known yet.
    pub fn new() -> Self {
        AppLayer {
            state: State::Detecting,
            pending: [Vec::new(), Vec::new()],
            refused: [false; 2],
            reprobes: [0; 2],
            next_tx: 0,
            logged: false,
        }
    }

    /// The detected protocol.
    pub fn proto(&self) -> Option<AppProto> {
        match self.state {
            State::Http(_) => Some(AppProto::Http),
            State::Tls(_) => Some(AppProto::Tls),
            State::Ssh(_) => Some(AppProto::Ssh),
            State::DnsTcp(_) => Some(AppProto::Dns),
            State::Other(p, _) => Some(p),
            State::Detecting | State::Unknown => None,
        }
    }

    /// In-order stream bytes of `dir`. `server_port` lets DNS over TCP be
    /// recognised on port 53 (its first bytes are a length, not a signature).
    pub fn stream_data(
        &mut self,
        dir: Direction,
        server_port: u16,
        data: &[u8],
        http_cfg: &HttpConfig,
        sink: &mut dyn LayerSink,
    ) {
        if let State::Detecting = self.state {
            let i = dir.index();
            // A direction whose start matched no protocol is probed again on
            // a few later chunks (a flow picked up mid-stream may reach a
            // message boundary), then no more: a long one-sided stream must
            // not be probed chunk after chunk.
            if self.refused[i] {
                if self.reprobes[i] >= MAX_REPROBES {
                    return;
                }
                self.reprobes[i] += 1;
            }
            let start: Vec<u8>;
            let probe_input: &[u8] = if self.pending[i].is_empty() {
                data
            } else {
                let mut v = std::mem::take(&mut self.pending[i]);
                v.extend_from_slice(data);
                start = v;
                &start
            };
            if let Some(proto) = detect_proto(dir, server_port, probe_input) {
                // Decided: the chosen parser gets everything from the start.
                let owned = probe_input.to_vec();
                self.state = match proto {
                    AppProto::Http => State::Http(Box::new(HttpParser::new(http_cfg))),
                    AppProto::Tls => State::Tls(Box::new(TlsParser::new())),
                    AppProto::Ssh => State::Ssh(Box::new(SshState::new())),
                    AppProto::Dns => State::DnsTcp(Box::new(DnsTcpParser::new())),
                    other => match STREAM_PROTOS.iter().find(|p| p.proto == other) {
                        Some(p) => State::Other(other, (p.new)()),
                        None => State::Unknown,
                    },
                };
                self.pending = [Vec::new(), Vec::new()];
                self.feed(dir, &owned, sink);
            } else if wants_more(dir, server_port, probe_input) && probe_input.len() < PROBE_BUFFER
            {
                self.pending[i] = probe_input.to_vec();
            } else {
                self.refused[i] = true;
                self.pending[i].clear();
                if self.refused.iter().all(|r| *r) {
                    self.state = State::Unknown;
                }
            }
            return;
        }
        self.feed(dir, data, sink);
    }

    fn feed(&mut self, dir: Direction, data: &[u8], sink: &mut dyn LayerSink) {
        match &mut self.state {
            State::Http(p) => {
                // A direction that is not HTTP after all puts the parser in a
                // failed state that ignores the rest.
                p.parse(dir, data, &mut |ev| http_event(ev, sink));
            }
            State::Tls(p) => {
                p.parse(dir, data, &mut |ev| tls_event(ev, sink));
                // The handshake record, once the server's side is encrypted
                // (everything loggable has been seen).
                if !self.logged && p.is_encrypted(Direction::ToClient) {
                    self.logged = true;
                    tls_record(p, sink);
                }
            }
            State::Ssh(p) => {
                // A banner or a KEXINIT completes buffers of this direction.
                let mut banner = false;
                p.parse(dir, data, &mut |ev| match ev {
                    SshEvent::Banner(d, _) | SshEvent::KexInit(d, _) => banner |= d == dir,
                    _ => {}
                });
                if banner {
                    sink.tx(TxReady {
                        dir,
                        proto: AppProto::Ssh,
                        tx_id: 0,
                        buffers: p.side(dir),
                    });
                }
            }
            State::Other(proto, p) => p.parse(
                dir,
                data,
                &mut Tagged {
                    proto: *proto,
                    sink,
                },
            ),
            State::DnsTcp(p) => {
                let next_tx = &mut self.next_tx;
                p.parse(dir, data, &mut |d, tx| {
                    if let Ok(tx) = tx {
                        *next_tx += 1;
                        sink.tx(TxReady {
                            dir: d,
                            proto: AppProto::Dns,
                            tx_id: *next_tx,
                            buffers: &tx,
                        });
                    }
                });
            }
            State::Detecting | State::Unknown => {}
        }
    }

    /// `len` bytes of `dir` were never seen (a TCP gap).
    pub fn gap(&mut self, dir: Direction, len: u64, sink: &mut dyn LayerSink) {
        match &mut self.state {
            State::Detecting => {
                // Detection on data after a hole would guess; give up on it.
                self.refused[dir.index()] = true;
                self.pending[dir.index()].clear();
                if self.refused.iter().all(|r| *r) {
                    self.state = State::Unknown;
                }
            }
            State::Http(p) => p.gap_with(dir, len, &mut |ev| http_event(ev, sink)),
            State::Tls(p) => p.gap(dir),
            State::Ssh(p) => p.gap(dir),
            State::DnsTcp(p) => p.gap(dir),
            State::Other(_, p) => p.gap(dir, len),
            State::Unknown => {}
        }
    }

    /// `dir` ended: complete what can be completed.
    pub fn close(&mut self, dir: Direction, sink: &mut dyn LayerSink) {
        match &mut self.state {
            State::Http(p) => p.close(dir, &mut |ev| http_event(ev, sink)),
            // A handshake that never finished is logged with what it had.
            State::Tls(p) if !self.logged && p.tx().client_hello.is_some() => {
                self.logged = true;
                tls_record(p, sink);
            }
            State::Other(proto, p) => p.close(
                dir,
                &mut Tagged {
                    proto: *proto,
                    sink,
                },
            ),
            _ => {}
        }
    }

    /// Bytes held by the flow's parser (and the detection buffers).
    pub fn memory(&self) -> usize {
        let pending = self.pending[0].capacity() + self.pending[1].capacity();
        pending
            + match &self.state {
                State::Other(_, p) => p.memory(),
                _ => 0,
            }
    }
}

fn http_event(ev: HttpEvent<'_>, sink: &mut dyn LayerSink) {
    let (dir, tx) = match ev {
        HttpEvent::Request(tx) => (Direction::ToServer, tx),
        HttpEvent::Response(tx) => {
            if let Some(login) = http::login::login_attempt(tx) {
                sink.login(login);
            }
            (Direction::ToClient, tx)
        }
        HttpEvent::Anomaly(_) => return,
    };
    sink.tx(TxReady {
        dir,
        proto: AppProto::Http,
        tx_id: tx.id,
        buffers: &tx.buffers(dir),
    });
}

/// TLS has one transaction per session, as in Suricata: every handshake
/// message (a second ClientHello after a HelloRetryRequest included) is
/// inspected as transaction 0, so a rule alerts at most once per direction.
fn tls_event(ev: TlsEvent<'_>, sink: &mut dyn LayerSink) {
    let (dir, buffers): (Direction, &dyn TxBuffers) = match ev {
        TlsEvent::ClientHello(ch) => (Direction::ToServer, ch),
        TlsEvent::ServerHello(sh) => (Direction::ToClient, sh),
        TlsEvent::Certificate(c) => (Direction::ToClient, c),
        _ => return,
    };
    sink.tx(TxReady {
        dir,
        proto: AppProto::Tls,
        tx_id: 0,
        buffers,
    });
}

fn tls_record(p: &TlsParser, sink: &mut dyn LayerSink) {
    for body in p.tx().eve() {
        sink.record(AppProto::Tls, Direction::ToClient, body);
    }
}

/// True when no probe said yes but one needs more bytes to decide.
fn wants_more(dir: Direction, server_port: u16, data: &[u8]) -> bool {
    http::probe(dir, data) == Probe::NeedMore
        || tls::probe(data) == Probe::NeedMore
        || ssh::probe(data) == Probe::NeedMore
        || (server_port == 53 && dns::probe_tcp(data) == Probe::NeedMore)
        || STREAM_PROTOS
            .iter()
            .any(|p| (p.probe)(dir, server_port, data) == Probe::NeedMore)
}

/// The protocol some probe recognises, HTTP first.
fn detect_proto(dir: Direction, server_port: u16, data: &[u8]) -> Option<AppProto> {
    if http::probe(dir, data) == Probe::Yes {
        Some(AppProto::Http)
    } else if tls::probe(data) == Probe::Yes {
        Some(AppProto::Tls)
    } else if ssh::probe(data) == Probe::Yes {
        Some(AppProto::Ssh)
    } else if server_port == 53 && dns::probe_tcp(data) == Probe::Yes {
        Some(AppProto::Dns)
    } else {
        STREAM_PROTOS
            .iter()
            .find(|p| (p.probe)(dir, server_port, data) == Probe::Yes)
            .map(|p| p.proto)
    }
}

/// The parser for a UDP flow whose datagram between these ports carries
/// `payload`, when a [`DATAGRAM_PROTOS`] entry recognises it (DNS has its
/// own path, [`udp_dns`]).
pub fn udp_parser(
    src_port: u16,
    dst_port: u16,
    payload: &[u8],
) -> Option<(AppProto, Box<dyn DatagramParser>)> {
    DATAGRAM_PROTOS
        .iter()
        .find(|p| (p.probe)(src_port, dst_port, payload))
        .map(|p| (p.proto, (p.new)()))
}

/// DNS over UDP: the parsed message when the datagram is DNS (port 53 or
/// 5353 on either side, or it looks like DNS on another port).
pub fn udp_dns(src_port: u16, dst_port: u16, payload: &[u8]) -> Option<dns::DnsTx> {
    let by_port = [53, 5353].contains(&src_port) || [53, 5353].contains(&dst_port);
    if !by_port && !dns::probe_udp(payload) {
        return None;
    }
    dns::parse_udp(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(
        layer: &mut AppLayer,
        dir: Direction,
        port: u16,
        data: &[u8],
    ) -> Vec<(Direction, AppProto, u64)> {
        let mut seen = Vec::new();
        layer.stream_data(
            dir,
            port,
            data,
            &HttpConfig::default(),
            &mut |tx: TxReady<'_>| seen.push((tx.dir, tx.proto, tx.tx_id)),
        );
        seen
    }

    #[test]
    fn http_on_any_port_and_split_probe() {
        let mut l = AppLayer::new();
        // "GE" alone cannot be decided; the rest arrives later.
        assert!(collect(&mut l, Direction::ToServer, 10000, b"GE").is_empty());
        assert_eq!(l.proto(), None);
        let got = collect(
            &mut l,
            Direction::ToServer,
            10000,
            b"T / HTTP/1.1\r\nHost: a\r\n\r\n",
        );
        assert_eq!(l.proto(), Some(AppProto::Http));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, Direction::ToServer);
    }

    #[test]
    fn non_http_on_port_80_is_not_http() {
        let mut l = AppLayer::new();
        collect(
            &mut l,
            Direction::ToServer,
            80,
            b"\x00\x01\x02\x03binary protocol here....",
        );
        collect(
            &mut l,
            Direction::ToClient,
            80,
            b"\x05\x06\x07\x08 more binary bytes.......",
        );
        assert_eq!(l.proto(), None);
        // Later HTTP-looking bytes do not revive it.
        collect(&mut l, Direction::ToServer, 80, b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(l.proto(), None);
    }

    #[test]
    fn ssh_banner_is_a_tx() {
        let mut l = AppLayer::new();
        let got = collect(
            &mut l,
            Direction::ToClient,
            2222,
            b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
        );
        assert_eq!(l.proto(), Some(AppProto::Ssh));
        assert_eq!(got, vec![(Direction::ToClient, AppProto::Ssh, 0)]);
    }

    #[test]
    fn tls_session_is_one_transaction() {
        use crate::app::tls::fixtures::{HRR_CLIENT, HRR_SERVER};
        let hex = |s: &str| -> Vec<u8> {
            let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            s.chunks(2)
                .map(|c| {
                    u8::from_str_radix(std::str::from_utf8(c).expect("ascii"), 16).expect("hex")
                })
                .collect()
        };
        let (c, s) = (hex(HRR_CLIENT), hex(HRR_SERVER));
        let first = |b: &[u8]| 5 + usize::from(u16::from_be_bytes([b[3], b[4]]));
        let (n1, s1) = (first(&c), first(&s) + 6);
        let mut l = AppLayer::new();
        let mut got = Vec::new();
        for (dir, data) in [
            (Direction::ToServer, &c[..n1]),
            (Direction::ToClient, &s[..s1]),
            (Direction::ToServer, &c[n1..]),
            (Direction::ToClient, &s[s1..]),
        ] {
            got.extend(collect(&mut l, dir, 443, data));
        }
        assert_eq!(l.proto(), Some(AppProto::Tls));
        let hellos: Vec<_> = got.iter().filter(|t| t.0 == Direction::ToServer).collect();
        assert_eq!(hellos.len(), 2, "{got:?}");
        assert!(got.iter().all(|t| t.2 == 0), "{got:?}");
    }

    #[test]
    fn a_refused_direction_is_reprobed_a_few_chunks_then_left_alone() {
        let binary = b"\x00\x01\x02\x03binary, no protocol start....";
        let http = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        // Picked up mid-stream: a later chunk starting at a request is HTTP.
        let mut l = AppLayer::new();
        collect(&mut l, Direction::ToServer, 8080, binary);
        assert_eq!(l.proto(), None);
        collect(&mut l, Direction::ToServer, 8080, http);
        assert_eq!(l.proto(), Some(AppProto::Http));
        // A long one-sided stream is probed MAX_REPROBES more times, no more.
        let mut l = AppLayer::new();
        collect(&mut l, Direction::ToServer, 8080, binary);
        for _ in 0..MAX_REPROBES {
            collect(&mut l, Direction::ToServer, 8080, binary);
        }
        collect(&mut l, Direction::ToServer, 8080, http);
        assert_eq!(l.proto(), None);
        // The other direction still decides.
        collect(
            &mut l,
            Direction::ToClient,
            8080,
            b"SSH-2.0-OpenSSH_9.2\r\n",
        );
        assert_eq!(l.proto(), Some(AppProto::Ssh));
    }

    #[test]
    fn probe_buffer_is_bounded() {
        let mut l = AppLayer::new();
        for _ in 0..200 {
            collect(&mut l, Direction::ToServer, 80, b"G");
        }
        assert!(l.pending.iter().all(|p| p.len() <= PROBE_BUFFER));
    }
}
