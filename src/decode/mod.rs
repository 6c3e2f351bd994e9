//! Layer 2-4 decoding over borrowed bytes, and IP defragmentation.
//!
//! A worker owns one [`Decoder`]. Each captured frame goes through
//! [`Decoder::decode`], which returns a [`DecodedPacket`] borrowing the capture
//! buffer (no copy, no allocation), or says why there is nothing to process:
//! a fragment was held for reassembly, the frame carries no IP, or it is
//! malformed. Every outcome is counted (`decoder.*`, `defrag.*`), never logged:
//! malformed traffic is the attacker's choice and must not flood the logs.
//!
//! Supported framing: Ethernet II with up to two VLAN tags (802.1Q, 802.1ad,
//! QinQ), Linux cooked capture v1 and v2, raw IP, BSD loopback (`NULL`,
//! `LOOP`). Then IPv4 (with options), IPv6 (with extension headers), and TCP,
//! UDP, ICMPv4, ICMPv6; other IP protocols are passed on with their IP payload.
//!
//! Snaplen truncation: a packet whose headers were captured but whose payload
//! was cut by the snaplen is still decoded, with the captured part of the
//! payload; a packet whose headers were cut, or whose IP length claims more
//! than was on the wire, is invalid. The details are in the `parse` module.
//!
//! Fragments are reassembled by a bounded defragmenter with a "first-arrived
//! data wins" overlap policy (see [`DefragConfig`] and the `defrag` module).
//!
//! [`dispatch_hash`] is the symmetric hash that picks a packet's worker.

mod defrag;
mod hash;
pub mod packet;
mod parse;

pub use defrag::DefragCounters;
pub use hash::dispatch_hash;
pub use packet::*;

use crate::time::Timestamp;

/// Settings of a [`Decoder`].
#[derive(Clone, Debug, Default)]
pub struct DecoderConfig {
    /// Limits of the defragmenter.
    pub defrag: DefragConfig,
}

/// Limits of the defragmenter. Fragments are free for an attacker to send and
/// never-completed datagrams would be held forever, so every resource is
/// capped; a fragment that hits a cap is dropped and counted (`defrag.*`).
#[derive(Clone, Debug)]
pub struct DefragConfig {
    /// Bytes of fragment data held in incomplete datagrams, per decoder.
    /// A fragment that would exceed it is dropped (`defrag.memcap_drop`).
    /// Default 16 MiB.
    pub memcap: usize,
    /// Fragments per datagram; one more abandons the whole datagram
    /// (`defrag.max_frag_hits`). Default 256 (a 64 KiB datagram at the IPv6
    /// minimum MTU of 1280 needs 52).
    pub max_fragments: usize,
    /// Datagrams being reassembled at once; fragments of a new one beyond it
    /// are dropped (`defrag.tracker_drop`). Default 4096.
    pub max_datagrams: usize,
    /// Seconds of packet time an incomplete datagram lives after its first
    /// fragment (`defrag.timeout`). Hosts give up reassembly after this long,
    /// so holding longer only lets an attacker pin memory and lets a stale
    /// datagram absorb fragments of a new one reusing its id. Default 60
    /// (RFC 8200 section 4.5; Linux's `ipfrag_time` is 30).
    pub timeout_secs: u64,
}

impl Default for DefragConfig {
    fn default() -> Self {
        DefragConfig {
            memcap: 16 * 1024 * 1024,
            max_fragments: 256,
            max_datagrams: 4096,
            timeout_secs: 60,
        }
    }
}

/// The outcome of decoding one frame.
#[derive(Clone, Debug)]
pub enum Decoded<'a> {
    /// An IP packet, or a datagram just completed by defragmentation.
    Packet(DecodedPacket<'a>),
    /// A fragment was stored (or dropped by a limit, counted); nothing to
    /// process yet.
    FragmentHeld,
    /// A valid frame that carries no IPv4/IPv6 (LLDP, ...): counted, skipped.
    NotIp,
    /// An ARP request or reply over Ethernet: counted as not IP (no flow),
    /// handed on for the device inventory.
    Arp(ArpPacket),
    /// Malformed: counted by reason (`decoder.event.*`), skipped.
    Invalid,
}

crate::counters! {
    /// Counters of the decoder (Suricata's names where one exists).
    ///
    /// Link and IP layer counters count frames as captured (each fragment
    /// counts `decoder.ipv4`); transport counters count transport headers
    /// decoded, so a fragmented datagram counts once, when reassembled.
    pub struct DecoderCounters {
        /// Frames passed to [`Decoder::decode`], whatever the outcome.
        pkts => "decoder.pkts",
        /// Wire length of those frames.
        bytes => "decoder.bytes",
        /// Frames found malformed (one `decoder.event.*` reason each).
        invalid => "decoder.invalid",
        /// Ethernet frames.
        ethernet => "decoder.ethernet",
        /// Linux cooked captures (v1 and v2).
        sll => "decoder.sll",
        /// Raw IP frames (`RAW`, `IPV4`, `IPV6` link types).
        raw => "decoder.raw",
        /// BSD loopback frames (`NULL` and `LOOP`).
        null => "decoder.null",
        /// Frames with at least one VLAN tag.
        vlan => "decoder.vlan",
        /// Frames with two VLAN tags.
        vlan_qinq => "decoder.vlan_qinq",
        /// IPv4 packets (fragments included).
        ipv4 => "decoder.ipv4",
        /// IPv6 packets (fragments included).
        ipv6 => "decoder.ipv6",
        /// TCP headers.
        tcp => "decoder.tcp",
        /// UDP headers.
        udp => "decoder.udp",
        /// ICMPv4 headers.
        icmpv4 => "decoder.icmpv4",
        /// ICMPv6 headers.
        icmpv6 => "decoder.icmpv6",
        /// Packets of other IP protocols.
        other_ip => "decoder.other_ip",
        /// Valid frames without IP.
        not_ip => "decoder.not_ip",
        /// Frames of a link type wardwatch cannot decode (e.g. one interface of
        /// a multi-interface pcapng file); skipped, not malformed.
        unsupported_link => "decoder.unsupported_link",
        /// Ethernet header cut short.
        event_ethernet_pkt_too_small => "decoder.event.ethernet.pkt_too_small",
        /// VLAN tag cut short.
        event_vlan_pkt_too_small => "decoder.event.vlan.pkt_too_small",
        /// More than two VLAN tags.
        event_vlan_header_too_many_layers => "decoder.event.vlan.header_too_many_layers",
        /// Linux cooked header (v1 or v2) cut short.
        event_sll_pkt_too_small => "decoder.event.sll.pkt_too_small",
        /// BSD loopback header cut short.
        event_null_pkt_too_small => "decoder.event.null.pkt_too_small",
        /// Raw IP frame that is neither IPv4 nor IPv6.
        event_ipraw_invalid_ip_version => "decoder.event.ipraw.invalid_ip_version",
        /// Fewer than 20 bytes of IPv4 on the wire.
        event_ipv4_pkt_too_small => "decoder.event.ipv4.pkt_too_small",
        /// IPv4 header length field below 20 bytes.
        event_ipv4_hlen_too_small => "decoder.event.ipv4.hlen_too_small",
        /// IPv4 total length below the header length.
        event_ipv4_iplen_smaller_than_hlen => "decoder.event.ipv4.iplen_smaller_than_hlen",
        /// IPv4 total length beyond the wire length, or header cut by the snaplen.
        event_ipv4_trunc_pkt => "decoder.event.ipv4.trunc_pkt",
        /// Not version 4 where IPv4 was announced.
        event_ipv4_wrong_ip_version => "decoder.event.ipv4.wrong_ip_version",
        /// IPv4 fragment that would make the datagram exceed 65535 bytes.
        event_ipv4_frag_pkt_too_large => "decoder.event.ipv4.frag_pkt_too_large",
        /// IPv4 non-last fragment with less than 8 bytes of data.
        event_ipv4_frag_invalid_length => "decoder.event.ipv4.frag_invalid_length",
        /// Fewer than 40 bytes of IPv6 on the wire.
        event_ipv6_pkt_too_small => "decoder.event.ipv6.pkt_too_small",
        /// IPv6 payload length beyond the wire length, or headers cut by the snaplen.
        event_ipv6_trunc_pkt => "decoder.event.ipv6.trunc_pkt",
        /// Not version 6 where IPv6 was announced.
        event_ipv6_wrong_ip_version => "decoder.event.ipv6.wrong_ip_version",
        /// Malformed IPv6 extension header chain.
        event_ipv6_exthdr_invalid => "decoder.event.ipv6.exthdr_invalid",
        /// IPv6 fragment that would make the payload exceed 65535 bytes.
        event_ipv6_frag_pkt_too_large => "decoder.event.ipv6.frag_pkt_too_large",
        /// IPv6 non-last fragment whose length is zero or not a multiple of 8.
        event_ipv6_frag_invalid_length => "decoder.event.ipv6.frag_invalid_length",
        /// Fewer than 20 bytes of TCP.
        event_tcp_pkt_too_small => "decoder.event.tcp.pkt_too_small",
        /// TCP header (with options) longer than the bytes available.
        event_tcp_hlen_too_small => "decoder.event.tcp.hlen_too_small",
        /// TCP data offset below 5.
        event_tcp_invalid_optlen => "decoder.event.tcp.invalid_optlen",
        /// Fewer than 8 bytes of UDP.
        event_udp_pkt_too_small => "decoder.event.udp.pkt_too_small",
        /// UDP length field below 8 or beyond the IP payload.
        event_udp_len_invalid => "decoder.event.udp.len_invalid",
        /// Fewer than 8 bytes of ICMPv4.
        event_icmpv4_pkt_too_small => "decoder.event.icmpv4.pkt_too_small",
        /// Fewer than 8 bytes of ICMPv6.
        event_icmpv6_pkt_too_small => "decoder.event.icmpv6.pkt_too_small",
    }
}

/// Decodes captured frames; one per worker thread. Owns the defragmenter and
/// the counters.
#[derive(Debug)]
pub struct Decoder {
    counters: DecoderCounters,
    defrag: defrag::Defragmenter,
}

impl Decoder {
    /// A decoder with the given limits.
    pub fn new(cfg: DecoderConfig) -> Self {
        Decoder {
            counters: DecoderCounters::default(),
            defrag: defrag::Defragmenter::new(cfg.defrag),
        }
    }

    /// Decodes one captured frame. `data` = captured bytes (maybe truncated by
    /// snaplen), `wire_len` = original length.
    ///
    /// A reassembled datagram borrows the decoder's buffer, hence `&'a mut self`:
    /// the result must be dropped before the next call.
    pub fn decode<'a>(
        &'a mut self,
        link: LinkType,
        data: &'a [u8],
        wire_len: u32,
        now: Timestamp,
    ) -> Decoded<'a> {
        let Decoder { counters, defrag } = self;
        counters.pkts += 1;
        counters.bytes += u64::from(wire_len);
        // Bytes the snaplen cut off. A wire length below the captured length
        // is a broken capture record: trust the bytes we have.
        let trunc = (wire_len as usize).saturating_sub(data.len());
        match parse::decode_frame(counters, link, data, trunc) {
            Ok(parse::Frame::Packet(p)) => Decoded::Packet(p),
            Ok(parse::Frame::NotIp) => {
                counters.not_ip += 1;
                Decoded::NotIp
            }
            Ok(parse::Frame::Arp(arp)) => {
                counters.not_ip += 1;
                Decoded::Arp(arp)
            }
            Ok(parse::Frame::Fragment(frag)) => match defrag.insert(frag, now) {
                defrag::Insert::Held => Decoded::FragmentHeld,
                defrag::Insert::Complete(done) => {
                    let defrag: &'a defrag::Defragmenter = defrag;
                    match parse::reassembled(counters, &done, defrag.reassembled()) {
                        Ok(p) => Decoded::Packet(p),
                        Err(reason) => {
                            reason.count(counters);
                            Decoded::Invalid
                        }
                    }
                }
            },
            Err(reason) => {
                reason.count(counters);
                Decoded::Invalid
            }
        }
    }

    /// Drops incomplete datagrams whose first fragment is older than timeout at
    /// packet time `now` (counted in `defrag.timeout`).
    pub fn expire(&mut self, now: Timestamp) {
        self.defrag.expire(now);
    }

    /// The decoder's counters.
    pub fn counters(&self) -> &DecoderCounters {
        &self.counters
    }

    /// The defragmenter's counters.
    pub fn defrag_counters(&self) -> &DefragCounters {
        self.defrag.counters()
    }
}

#[cfg(test)]
mod tests;
