//! The per-worker inspector: what a worker does with each packet and each
//! piece of reassembled stream after the flow table — application-layer
//! detection and parsing ([`crate::app`]), signature matching
//! ([`crate::detect`]) — and the EVE `alert` events that come out of it.
//!
//! Per-flow state (the app-layer parser and the detection state) lives in the
//! flow's extension slot, so it is created with the flow, found without a
//! second lookup, and freed when the flow ends.

use std::collections::HashMap;
use std::sync::Arc;

use crate::app::http::HttpConfig;
use crate::app::layer::{AppLayer, AppProto, LayerSink, Tagged, TxReady, udp_dns, udp_parser};
use crate::app::{DatagramParser, LoginAttempt, TxBuffers};
use crate::correlate::from_flow::{
    arp_device, dhcp_device, flow_events, mdns_devices, netbios_device,
};
use crate::correlate::{DeviceEvent, DeviceSource, Event, LoginEvent, NameEvent, NameKind};
use crate::decode::{ArpPacket, DecodedPacket, Transport};
use crate::detect::{
    Detector, FlowDetectState, FlowFacts, Hit, HitSource, PacketCtx, RuleSet, StreamCtx, TxCtx,
};
use crate::flow::{Direction, EndReason, Flow, FlowHandler, PacketMeta, StreamEvent};
use crate::inline::{Decision, Inline};
use crate::output::eve::{
    AlertEvent, AlertInfo, CorrelateEvent, DeferredAlert, EveHeader, proto_name,
};
use crate::output::{EveRecord, OutputSender};
use crate::rules::ir::Action;
use crate::rules::ir::BufferId;
use crate::time::Timestamp;

/// Keys that order deferred alerts and correlator events the same way for
/// any worker count: (capture position, flow id, n-th of that pair).
#[derive(Default)]
struct Keys {
    /// The current packet's record number, or the capture position of the
    /// tick that is expiring flows.
    position: u64,
    last: (u64, u64, u32),
}

impl Keys {
    fn next(&mut self, flow_id: u64) -> (u64, u64, u32) {
        let n = if (self.last.0, self.last.1) == (self.position, flow_id) {
            self.last.2 + 1
        } else {
            0
        };
        self.last = (self.position, flow_id, n);
        self.last
    }
}

/// State kept per flow by the inspector.
#[derive(Default)]
struct FlowState {
    app: AppLayer,
    detect: FlowDetectState,
    /// Transaction counter for datagram protocols (DNS over UDP).
    datagrams: u64,
    /// The parser of a UDP flow's protocol (other than DNS), once known.
    udp: Option<(AppProto, Box<dyn DatagramParser>)>,
    /// Datagrams no UDP probe recognised (detection stops after a few).
    udp_unknown: u8,
}

/// Seconds of packet time before an ARP sighting of the same (MAC,
/// address) pair is sent to the correlator again.
pub const ARP_RESEND_SECS: u64 = 300;
/// (MAC, address) pairs remembered per worker for [`ARP_RESEND_SECS`].
pub const ARP_SENT_MAX: usize = 4096;
/// The flow id in the ordering key of events without a flow (ARP).
const NO_FLOW: u64 = u64::MAX;

/// Datagrams a UDP flow may send before detection gives up on it.
const UDP_PROBE_DATAGRAMS: u8 = 4;

/// Application-layer parsing and signature matching for one worker.
pub struct Inspector {
    detector: Detector,
    http: HttpConfig,
    out: OutputSender,
    ifaces: Arc<Vec<String>>,
    hits: Vec<Hit>,
    /// App-layer context for the hits `from..to` of `hits`.
    app_meta: Vec<(usize, usize, serde_json::Map<String, serde_json::Value>)>,
    /// `pcap_cnt` of the packet being processed (0 between packets: stream
    /// data flushed by a timeout belongs to no packet).
    pcap_cnt: u64,
    /// Where deferred alerts and correlator events sit in capture order.
    keys: Keys,
    /// (MAC, address) pairs whose ARP sighting was sent, and when.
    arp_sent: HashMap<([u8; 6], std::net::Ipv4Addr), Timestamp>,
    /// Send events to the behavioural detectors.
    correlate: bool,
    /// Inline mode: verdicts, allow-list, dry run.
    inline: Option<Arc<Inline>>,
    /// What the current packet's matches decided (inline).
    decision: Decision,
    /// Flows a `drop`/`reject` rule blocked (inline): every later packet of
    /// theirs is dropped. Bounded by the flow table (removed when the flow
    /// ends).
    blocked: std::collections::HashSet<u64>,
    /// Alerts written.
    pub alerts: u64,
}

impl Inspector {
    /// An inspector running `rules`, writing alerts to `out`.
    pub fn new(rules: Arc<RuleSet>, out: OutputSender, ifaces: Arc<Vec<String>>) -> Self {
        let mut detector = Detector::new(rules);
        // Cross-flow thresholds are decided by the output thread's arbiter.
        detector.defer_thresholds(true);
        Inspector {
            detector,
            http: HttpConfig::default(),
            out,
            ifaces,
            hits: Vec::new(),
            app_meta: Vec::new(),
            pcap_cnt: 0,
            keys: Keys::default(),
            arp_sent: HashMap::new(),
            correlate: false,
            inline: None,
            decision: Decision::Accept,
            blocked: std::collections::HashSet::new(),
            alerts: 0,
        }
    }

    /// Inline mode: `drop`/`reject` matches decide the packet's verdict and
    /// block their flow; alerts say `blocked` (see [`crate::inline`]).
    pub fn set_inline(&mut self, inline: Option<Arc<Inline>>) {
        self.inline = inline;
    }

    /// The verdict for the packet just processed (inline), reset for the next.
    pub fn take_decision(&mut self) -> Decision {
        std::mem::take(&mut self.decision)
    }

    /// Runs `rules` from the next packet on (a reload). Flows inspected with
    /// the old set drop its flowbits and marks at their next packet.
    pub fn set_rules(&mut self, rules: Arc<RuleSet>) {
        self.detector.set_rules(rules);
    }

    /// Sends login attempts, names and flow outcomes to the behavioural
    /// detectors (the output thread's correlator).
    pub fn correlate(&mut self, on: bool) {
        self.correlate = on;
    }

    /// An ARP request or reply the decoder handed on (ARP has no flow): its
    /// sender is a device sighting for the inventory, ordered among the
    /// correlator's events by its capture record `pcap_cnt`. A (MAC,
    /// address) pair is sent again only after [`ARP_RESEND_SECS`] of packet
    /// time, and the table of pairs sent holds [`ARP_SENT_MAX`] (emptied
    /// when full), so a gratuitous-ARP storm costs bounded memory here and
    /// one event per pair and period downstream (where the inventory caps
    /// devices).
    pub fn arp(&mut self, arp: &ArpPacket, ts: Timestamp, pcap_cnt: u64) {
        if !self.correlate {
            return;
        }
        let Some(device) = arp_device(arp, ts) else {
            return;
        };
        let pair = (arp.sender_mac, arp.sender_ip);
        if self
            .arp_sent
            .get(&pair)
            .is_some_and(|t| ts.micros_since(*t) < ARP_RESEND_SECS * 1_000_000)
        {
            return;
        }
        if self.arp_sent.len() >= ARP_SENT_MAX {
            self.arp_sent.clear();
        }
        self.arp_sent.insert(pair, ts);
        self.keys.position = pcap_cnt;
        let key = self.keys.next(NO_FLOW);
        self.out.send(EveRecord::Correlate(Box::new(CorrelateEvent {
            key,
            event: Event::Device(device),
        })));
    }

    /// The flow table finished with the current packet.
    pub fn packet_done(&mut self) {
        self.pcap_cnt = 0;
    }

    /// The capture position of a tick (flows it expires flush at this position).
    pub fn set_position(&mut self, position: u64) {
        self.keys.position = position;
    }

    /// Where the app layer of `flow` delivers what it parsed from `dir`.
    fn sink<'a>(
        &'a mut self,
        flow: &'a Flow,
        ts: Timestamp,
        dir: Direction,
        detect: &'a mut FlowDetectState,
        payload: Option<&'a [u8]>,
    ) -> TxSink<'a> {
        TxSink {
            detector: &mut self.detector,
            hits: &mut self.hits,
            metas: &mut self.app_meta,
            out: &self.out,
            ifaces: &self.ifaces,
            flow,
            ts,
            dir,
            detect,
            payload,
            keys: &mut self.keys,
            correlate: self.correlate,
        }
    }

    /// The detector's work counters.
    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    fn emit(&mut self, flow: &mut Flow, ts: Timestamp, pkt: Option<&DecodedPacket<'_>>) {
        if self.hits.is_empty() {
            self.app_meta.clear();
            return;
        }
        // A thresholded hit counted across workers is decided later by the
        // output thread, which marks the flow record itself.
        if self.hits.iter().any(|h| h.deferred.is_none()) {
            flow.alerted = true;
        }
        let hits = std::mem::take(&mut self.hits);
        for (i, hit) in hits.into_iter().enumerate() {
            let dir = match hit.to_server {
                Some(false) => Direction::ToClient,
                _ => Direction::ToServer,
            };
            let mut header = EveHeader::for_flow(flow, ts, "alert", &self.ifaces);
            header.pcap_cnt = (self.pcap_cnt > 0).then_some(self.pcap_cnt);
            // Source and destination are those of what matched.
            match (hit.source, pkt) {
                (HitSource::Packet, Some(p)) => {
                    let (sp, dp) = p.transport.ports();
                    let ported =
                        matches!(p.transport, Transport::Tcp { .. } | Transport::Udp { .. });
                    header.src_ip = Some(p.src);
                    header.dest_ip = Some(p.dst);
                    header.src_port = ported.then_some(sp);
                    header.dest_port = ported.then_some(dp);
                    header.proto = Some(proto_name(p.ip_proto));
                }
                _ => {
                    if dir == Direction::ToClient {
                        std::mem::swap(&mut header.src_ip, &mut header.dest_ip);
                        std::mem::swap(&mut header.src_port, &mut header.dest_port);
                    }
                }
            }
            let metadata = (!hit.metadata.is_empty()).then(|| {
                let mut m = serde_json::Map::new();
                for (k, v) in hit.metadata.iter() {
                    let entry = m
                        .entry(k.clone())
                        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                    if let serde_json::Value::Array(a) = entry {
                        a.push(serde_json::Value::from(v.clone()));
                    }
                }
                m
            });
            let action = self.inline_action(flow, hit.action);
            let mut event = AlertEvent {
                header,
                direction: Some(match dir {
                    Direction::ToServer => "to_server",
                    Direction::ToClient => "to_client",
                }),
                alert: AlertInfo {
                    // IDS mode: nothing is blocked, whatever the rule's action
                    // (Suricata writes "blocked" only when inline).
                    action: match action {
                        InlineAction::Blocked => "blocked",
                        InlineAction::Allowed | InlineAction::WouldBlock => "allowed",
                    },
                    gid: hit.gid,
                    signature_id: hit.sid,
                    rev: hit.rev,
                    signature: hit.msg.to_string(),
                    category: hit.category.to_string(),
                    severity: hit.priority,
                    metadata,
                },
                anomaly: None,
                app: self
                    .app_meta
                    .iter()
                    .find(|(from, to, _)| (*from..*to).contains(&i))
                    .map(|(_, _, m)| m.clone())
                    .unwrap_or_default(),
            };
            if action == InlineAction::WouldBlock {
                event.app.insert("would_block".into(), true.into());
            }
            // Suricata's `flow` object in alerts: the flow so far.
            event.app.insert(
                "flow".into(),
                serde_json::json!({
                    "pkts_toserver": flow.pkts_toserver,
                    "pkts_toclient": flow.pkts_toclient,
                    "bytes_toserver": flow.bytes_toserver,
                    "bytes_toclient": flow.bytes_toclient,
                    "start": flow.start.rfc3339(),
                }),
            );
            match hit.deferred {
                None => {
                    self.alerts += 1;
                    self.out.send(EveRecord::Alert(Box::new(event)));
                }
                Some(rate) => {
                    self.out.send(EveRecord::Deferred(Box::new(DeferredAlert {
                        key: self.keys.next(flow.id),
                        rate,
                        event,
                    })));
                }
            }
        }
        self.app_meta.clear();
    }
}

/// What an alert's rule did to the traffic.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum InlineAction {
    Allowed,
    Blocked,
    /// Dry run: a `drop`/`reject` rule matched, nothing was blocked.
    WouldBlock,
}

impl Inspector {
    /// Inline: applies a `drop`/`reject` match to the current packet and its
    /// flow, unless the allow-list exempts the flow.
    fn inline_action(&mut self, flow: &Flow, action: Action) -> InlineAction {
        let Some(inline) = &self.inline else {
            return InlineAction::Allowed;
        };
        let decision = match action {
            Action::Drop => Decision::Drop,
            Action::Reject => Decision::Reject,
            Action::Alert | Action::Pass => return InlineAction::Allowed,
        };
        if inline.exempt(flow.client, flow.server) {
            return InlineAction::Allowed;
        }
        if !inline.is_inline() {
            // A mirror port cannot drop; a reject resets the connection.
            if decision == Decision::Reject && self.pcap_cnt > 0 {
                self.decision = Decision::Reject;
            }
            return InlineAction::Allowed;
        }
        self.blocked.insert(flow.id);
        // Stream data flushed by a timeout belongs to no packet.
        if self.pcap_cnt > 0 {
            self.decision = self.decision.max(decision);
        }
        if inline.dry_run() {
            InlineAction::WouldBlock
        } else {
            InlineAction::Blocked
        }
    }
}

fn take_state(flow: &mut Flow) -> Box<FlowState> {
    flow.ext
        .0
        .take()
        .and_then(|b| b.downcast::<FlowState>().ok())
        .unwrap_or_default()
}

fn put_state(flow: &mut Flow, st: Box<FlowState>) {
    flow.ext.0 = Some(st);
}

impl FlowHandler for Inspector {
    fn on_packet(
        &mut self,
        flow: &mut Flow,
        dir: Direction,
        pkt: &DecodedPacket<'_>,
        meta: &PacketMeta,
    ) {
        self.pcap_cnt = meta.pcap_cnt;
        self.keys.position = meta.pcap_cnt;
        if self.inline.as_ref().is_some_and(|i| i.is_inline()) && self.blocked.contains(&flow.id) {
            // A blocked flow: nothing of it goes through any more, so there
            // is nothing more to inspect.
            self.decision = self.decision.max(Decision::Drop);
            return;
        }
        let mut st = take_state(flow);
        if let Transport::Udp { src_port, dst_port } = pkt.transport {
            if let Some(tx) = udp_dns(src_port, dst_port, pkt.payload) {
                flow.app_proto = Some("dns");
                st.datagrams += 1;
                let ctx = TxCtx {
                    flow: FlowFacts::from_flow(flow, dir),
                    ts: meta.ts,
                    tx_id: st.datagrams,
                    buffers: &tx,
                    payload: Some(pkt.payload),
                };
                let ready = TxReady {
                    dir,
                    proto: AppProto::Dns,
                    tx_id: st.datagrams,
                    buffers: &tx,
                };
                log_tx(&self.out, &self.ifaces, flow, meta.ts, &ready);
                // DNS over UDP bypasses the layer sink: its query names
                // reach the correlator here (multicast DNS names a device
                // instead, see `devices`).
                if self.correlate && ![src_port, dst_port].contains(&5353) {
                    for event in name_events(&ready, flow, meta.ts) {
                        let key = self.keys.next(flow.id);
                        self.out.send(EveRecord::Correlate(Box::new(CorrelateEvent {
                            key,
                            event,
                        })));
                    }
                }
                let before = self.hits.len();
                self.detector
                    .inspect_tx(&ctx, &mut st.detect, &mut self.hits);
                if self.hits.len() > before {
                    let meta = app_meta(AppProto::Dns, &tx);
                    self.app_meta.push((before, self.hits.len(), meta));
                }
            } else if !pkt.payload.is_empty() {
                if st.udp.is_none() && st.udp_unknown < UDP_PROBE_DATAGRAMS {
                    st.udp = udp_parser(src_port, dst_port, pkt.payload);
                    if st.udp.is_none() {
                        st.udp_unknown += 1;
                    }
                }
                let FlowState { udp, detect, .. } = &mut *st;
                if let Some((proto, parser)) = udp {
                    flow.app_proto = Some(proto.as_str());
                    let mut sink = self.sink(flow, meta.ts, dir, detect, Some(pkt.payload));
                    parser.datagram(
                        dir,
                        pkt.payload,
                        &mut Tagged {
                            proto: *proto,
                            sink: &mut sink,
                        },
                    );
                }
            }
        }
        if self.correlate {
            self.devices(flow, dir, pkt, meta.ts);
        }
        let ctx = PacketCtx {
            pkt,
            ts: meta.ts,
            flow: Some(FlowFacts::from_flow(flow, dir)),
        };
        self.detector
            .inspect_packet(&ctx, Some(&mut st.detect), &mut self.hits);
        put_state(flow, st);
        self.emit(flow, meta.ts, Some(pkt));
    }

    fn on_stream(&mut self, flow: &mut Flow, dir: Direction, event: StreamEvent<'_>) {
        let mut st = take_state(flow);
        let ts = flow.last_seen;
        {
            let FlowState { app, detect, .. } = &mut *st;
            let http = self.http;
            let mut sink = self.sink(flow, ts, dir, detect, None);
            match event {
                StreamEvent::Data { data, .. } => {
                    app.stream_data(dir, flow.server_port, data, &http, &mut sink)
                }
                StreamEvent::Gap { len, .. } => app.gap(dir, len, &mut sink),
                StreamEvent::Closed => app.close(dir, &mut sink),
                StreamEvent::DepthReached { .. } => {}
            }
        }
        if flow.app_proto.is_none() {
            flow.app_proto = st.app.proto().map(|p| p.as_str());
        }
        if let StreamEvent::Data { offset, data } = event {
            let ctx = StreamCtx {
                flow: FlowFacts::from_flow(flow, dir),
                ts,
                offset,
                data,
            };
            self.detector
                .inspect_stream(&ctx, &mut st.detect, &mut self.hits);
        }
        put_state(flow, st);
        self.emit(flow, ts, None);
    }

    fn on_flow_end(&mut self, flow: &mut Flow, _reason: EndReason) {
        // Datagram protocols learn here that unanswered requests stay so.
        if let Some(mut st) = flow
            .ext
            .0
            .take()
            .and_then(|b| b.downcast::<FlowState>().ok())
        {
            self.close_datagrams(flow, &mut st);
            put_state(flow, st);
            self.emit(flow, flow.last_seen, None);
        }
        if self.correlate {
            for event in flow_events(flow) {
                let key = self.keys.next(flow.id);
                self.out.send(EveRecord::Correlate(Box::new(CorrelateEvent {
                    key,
                    event,
                })));
            }
        }
        // Last: what was flushed above may have matched a drop rule.
        self.blocked.remove(&flow.id);
    }
}

impl Inspector {
    /// The devices a packet shows the correlator's inventory: each side of a
    /// flow at its first packet (address and, on the local segment, MAC),
    /// DHCP clients with their host names, and the host names announced by
    /// multicast DNS and NetBIOS name service.
    fn devices(&mut self, flow: &Flow, dir: Direction, pkt: &DecodedPacket<'_>, ts: Timestamp) {
        let first_from_side = match dir {
            Direction::ToServer => flow.pkts_toserver == 1,
            Direction::ToClient => flow.pkts_toclient == 1,
        };
        let mut events = Vec::new();
        if first_from_side {
            events.push(Event::Device(DeviceEvent {
                ts,
                mac: pkt.src_mac,
                ip: Some(pkt.src),
                hostname: None,
                source: DeviceSource::Flow,
            }));
        }
        if let Transport::Udp { src_port, dst_port } = pkt.transport {
            let ports = [src_port, dst_port];
            if dst_port == 67 {
                events.extend(dhcp_device(pkt.payload, ts).map(Event::Device));
            } else if ports.contains(&5353) {
                let found = mdns_devices(pkt.payload, pkt.src, pkt.src_mac, ts);
                events.extend(found.into_iter().map(Event::Device));
            } else if ports.contains(&137) {
                let found = netbios_device(pkt.payload, pkt.src, pkt.src_mac, ts);
                events.extend(found.map(Event::Device));
            }
        }
        for event in events {
            let key = self.keys.next(flow.id);
            self.out.send(EveRecord::Correlate(Box::new(CorrelateEvent {
                key,
                event,
            })));
        }
    }

    fn close_datagrams(&mut self, flow: &mut Flow, st: &mut FlowState) {
        let FlowState { udp, detect, .. } = st;
        if let Some((proto, parser)) = udp {
            let ts = flow.last_seen;
            let mut sink = self.sink(flow, ts, Direction::ToServer, detect, None);
            parser.close(&mut Tagged {
                proto: *proto,
                sink: &mut sink,
            });
        }
    }
}

/// Hands a flow's transaction halves to detection and its login attempts and
/// app-layer records to the outputs.
struct TxSink<'a> {
    detector: &'a mut Detector,
    hits: &'a mut Vec<Hit>,
    metas: &'a mut Vec<(usize, usize, serde_json::Map<String, serde_json::Value>)>,
    out: &'a OutputSender,
    ifaces: &'a [String],
    flow: &'a Flow,
    ts: Timestamp,
    /// Direction of the packet or stream data being parsed.
    dir: Direction,
    detect: &'a mut FlowDetectState,
    /// The datagram's payload, for datagram protocols.
    payload: Option<&'a [u8]>,
    keys: &'a mut Keys,
    /// Send events to the correlator.
    correlate: bool,
}

impl TxSink<'_> {
    fn correlate(&mut self, event: Event) {
        let key = self.keys.next(self.flow.id);
        self.out.send(EveRecord::Correlate(Box::new(CorrelateEvent {
            key,
            event,
        })));
    }

    /// The names a client asked for, for the suspicious-destination detector.
    fn names(&mut self, tx: &TxReady<'_>) {
        for event in name_events(tx, self.flow, self.ts) {
            self.correlate(event);
        }
    }
}

impl LayerSink for TxSink<'_> {
    fn tx(&mut self, tx: TxReady<'_>) {
        log_tx(self.out, self.ifaces, self.flow, self.ts, &tx);
        if self.correlate {
            self.names(&tx);
        }
        let mut f = FlowFacts::from_flow(self.flow, self.dir);
        f.dir = tx.dir;
        f.app_proto = Some(tx.proto.as_str());
        let ctx = TxCtx {
            flow: f,
            ts: self.ts,
            tx_id: tx.tx_id,
            buffers: tx.buffers,
            payload: self.payload,
        };
        let before = self.hits.len();
        self.detector.inspect_tx(&ctx, self.detect, self.hits);
        if self.hits.len() > before {
            self.metas
                .push((before, self.hits.len(), app_meta(tx.proto, tx.buffers)));
        }
    }

    fn login(&mut self, login: LoginAttempt) {
        if self.correlate {
            let f = self.flow;
            self.correlate(Event::Login(LoginEvent {
                ts: self.ts,
                client: f.client,
                client_port: f.client_port,
                server: f.server,
                server_port: f.server_port,
                attempt: login.clone(),
            }));
        }
        if !self.out.types().app("login") {
            return;
        }
        let mut header = EveHeader::for_flow(self.flow, self.ts, "login", self.ifaces);
        header.app_proto = Some(login.protocol.as_str());
        let mut body = serde_json::Map::new();
        body.insert(
            "login".into(),
            serde_json::to_value(&login).unwrap_or_default(),
        );
        self.out
            .send(EveRecord::App(Box::new(crate::output::eve::AppEvent {
                header,
                body,
            })));
    }

    fn record(
        &mut self,
        proto: AppProto,
        dir: Direction,
        body: serde_json::Map<String, serde_json::Value>,
    ) {
        let event_type = proto.as_str();
        if !self.out.types().app(event_type) {
            return;
        }
        let mut header = EveHeader::for_flow(self.flow, self.ts, event_type, self.ifaces);
        header.app_proto = Some(event_type);
        if dir == Direction::ToClient && self.flow.ip_proto == 17 {
            // A datagram protocol's answer: from the server.
            std::mem::swap(&mut header.src_ip, &mut header.dest_ip);
            std::mem::swap(&mut header.src_port, &mut header.dest_port);
        }
        let mut outer = serde_json::Map::new();
        outer.insert(event_type.into(), serde_json::Value::Object(body));
        self.out
            .send(EveRecord::App(Box::new(crate::output::eve::AppEvent {
                header,
                body: outer,
            })));
    }
}

/// The first value of buffer `id`, as text (lossy), if present.
fn first(tx: &dyn TxBuffers, id: BufferId) -> Option<String> {
    let mut v = None;
    tx.visit(id, &mut |b| {
        if v.is_none() {
            v = Some(String::from_utf8_lossy(b).into_owned());
        }
    });
    v
}

/// Suricata-style app-layer context for an alert on a transaction: what an
/// analyst needs to see first (host and URL, SNI, query name).
fn app_meta(proto: AppProto, tx: &dyn TxBuffers) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{Map, Value, json};
    let mut obj = Map::new();
    let put = |obj: &mut Map<String, Value>, k: &str, id: BufferId| {
        if let Some(v) = first(tx, id) {
            obj.insert(k.to_string(), Value::from(v));
        }
    };
    match proto {
        AppProto::Http => {
            put(&mut obj, "hostname", BufferId::HttpHost);
            put(&mut obj, "url", BufferId::HttpUriRaw);
            put(&mut obj, "http_user_agent", BufferId::HttpUserAgent);
            put(&mut obj, "http_method", BufferId::HttpMethod);
            put(&mut obj, "protocol", BufferId::HttpProtocol);
            if let Some(code) =
                first(tx, BufferId::HttpStatCode).and_then(|c| c.parse::<u16>().ok())
            {
                obj.insert("status".into(), Value::from(code));
            }
        }
        AppProto::Tls => {
            put(&mut obj, "sni", BufferId::TlsSni);
            put(&mut obj, "subject", BufferId::TlsCertSubject);
            put(&mut obj, "issuerdn", BufferId::TlsCertIssuer);
            if let Some(h) = first(tx, BufferId::Ja3Hash) {
                obj.insert("ja3".into(), json!({ "hash": h }));
            }
        }
        AppProto::Dns => {
            let mut names = Vec::new();
            tx.visit(BufferId::DnsQuery, &mut |b| {
                names.push(json!({ "rrname": String::from_utf8_lossy(b) }))
            });
            if !names.is_empty() {
                obj.insert("query".into(), Value::Array(names));
            }
        }
        AppProto::Ssh => {
            put(&mut obj, "software_version", BufferId::SshSoftware);
            put(&mut obj, "proto_version", BufferId::SshProto);
        }
        // Parsers plugged in through the registry write their own records.
        _ => {}
    }
    let mut out = Map::new();
    if !obj.is_empty() {
        out.insert(proto.as_str().to_string(), Value::Object(obj));
    }
    out
}

/// Writes the EVE app-layer record of a transaction half when its type is on:
/// `http` once the response is complete (request and response fields), `dns`
/// per query name, `tls` at the ClientHello, `ssh` per banner.
fn log_tx(out: &OutputSender, ifaces: &[String], flow: &Flow, ts: Timestamp, tx: &TxReady<'_>) {
    use serde_json::{Map, Value, json};
    let types = out.types();
    let on = match tx.proto {
        AppProto::Http => types.app("http") && tx.dir == Direction::ToClient,
        AppProto::Dns => types.app("dns"),
        // TLS writes one record per handshake through LayerSink::record.
        AppProto::Tls => false,
        AppProto::Ssh => types.app("ssh"),
        // Parsers plugged in through the registry write their own records.
        _ => false,
    };
    if !on {
        return;
    }
    let event_type = tx.proto.as_str();
    let mut bodies: Vec<Map<String, Value>> = Vec::new();
    let own = tx.buffers.eve();
    if !own.is_empty() {
        for mut o in own {
            o.entry("tx_id").or_insert_with(|| Value::from(tx.tx_id));
            let mut m = Map::new();
            m.insert(event_type.to_string(), Value::Object(o));
            bodies.push(m);
        }
    }
    match tx.proto {
        _ if !bodies.is_empty() => {}
        AppProto::Dns => {
            // One record per query name, as Suricata's `dns` query records.
            tx.buffers.visit(BufferId::DnsQuery, &mut |name| {
                let mut m = Map::new();
                m.insert(
                    "dns".into(),
                    json!({"type": "query", "tx_id": tx.tx_id, "rrname": String::from_utf8_lossy(name)}),
                );
                bodies.push(m);
            });
        }
        AppProto::Ssh => {
            let side = if tx.dir == Direction::ToServer {
                "client"
            } else {
                "server"
            };
            let mut inner = app_meta(AppProto::Ssh, tx.buffers)
                .remove("ssh")
                .unwrap_or_else(|| json!({}));
            let mut m = Map::new();
            if let Some(o) = inner.as_object_mut() {
                m.insert("ssh".into(), json!({ side: o.clone() }));
            }
            bodies.push(m);
        }
        _ => {
            let mut m = app_meta(tx.proto, tx.buffers);
            if let Some(Value::Object(o)) = m.get_mut(event_type) {
                o.insert("tx_id".into(), Value::from(tx.tx_id));
            }
            bodies.push(m);
        }
    }
    for body in bodies {
        let mut header = crate::output::eve::EveHeader::for_flow(flow, ts, event_type, ifaces);
        if tx.dir == Direction::ToClient && tx.proto == AppProto::Dns {
            std::mem::swap(&mut header.src_ip, &mut header.dest_ip);
            std::mem::swap(&mut header.src_port, &mut header.dest_port);
        }
        header.app_proto = Some(event_type);
        out.send(EveRecord::App(Box::new(crate::output::eve::AppEvent {
            header,
            body,
        })));
    }
}

/// The names a client asked for in one transaction half (DNS query, TLS
/// SNI, HTTP Host), as events for the suspicious-destination detector.
fn name_events(tx: &TxReady<'_>, flow: &Flow, ts: Timestamp) -> Vec<Event> {
    let (id, kind) = match tx.proto {
        AppProto::Dns => (BufferId::DnsQuery, NameKind::Dns),
        AppProto::Tls => (BufferId::TlsSni, NameKind::TlsSni),
        AppProto::Http => (BufferId::HttpHost, NameKind::HttpHost),
        _ => return Vec::new(),
    };
    if tx.dir != Direction::ToServer {
        return Vec::new();
    }
    let mut names = Vec::new();
    tx.buffers.visit(id, &mut |b| {
        names.push(String::from_utf8_lossy(b).into_owned())
    });
    names
        .into_iter()
        .map(|name| {
            Event::Name(NameEvent {
                ts,
                client: flow.client,
                server: Some(flow.server),
                server_port: flow.server_port,
                kind,
                name,
            })
        })
        .collect()
}
