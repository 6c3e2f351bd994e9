//! Self-tests of the fixture library in `tests/common`: the capture writers are
//! read back with libpcap (through the `pcap` crate), the packets with
//! etherparse, so a bug in a fixture cannot hide a bug in the sensor.

mod common;

use std::path::Path;

use common::*;
use etherparse::{NetHeaders, PacketHeaders, SlicedPacket, TransportHeader};

/// One record as libpcap returned it.
#[derive(Debug)]
struct Record {
    secs: i64,
    frac: i64,
    caplen: u32,
    len: u32,
    data: Vec<u8>,
}

/// Reads every record of a capture file; the error libpcap ended on, if not end-of-file.
fn read_capture(
    path: &Path,
    precision: pcap::Precision,
) -> (i32, Vec<Record>, Option<pcap::Error>) {
    let mut cap = pcap::Capture::from_file_with_precision(path, precision)
        .expect("libpcap opens the fixture");
    let linktype = cap.get_datalink().0;
    let mut records = Vec::new();
    loop {
        match cap.next_packet() {
            Ok(p) => records.push(Record {
                secs: p.header.ts.tv_sec,
                frac: p.header.ts.tv_usec,
                caplen: p.header.caplen,
                len: p.header.len,
                data: p.data.to_vec(),
            }),
            Err(pcap::Error::NoMorePackets) => return (linktype, records, None),
            Err(e) => return (linktype, records, Some(e)),
        }
    }
}

fn sample_frames() -> Vec<Frame> {
    let c = client4();
    let s = server4();
    vec![
        Frame::new(T0_MICROS, tcp(c, 40000, s, 104, 1, 0, "S", &[])),
        Frame::new(T0_MICROS + 1, udp(c, 5353, s, 53, b"odd")),
        Frame::new(
            T0_MICROS + 1_500_250,
            tcp(c, 40000, s, 104, 2, 7, "PA", &[0xab; 1200]),
        )
        .snapped(96),
    ]
}

fn assert_sample_records(records: &[Record], frames: &[Frame], frac_per_micro: i64) {
    assert_eq!(records.len(), frames.len(), "record count");
    for (r, f) in records.iter().zip(frames) {
        assert_eq!(r.secs, (f.ts_micros / 1_000_000) as i64);
        assert_eq!(r.frac, (f.ts_micros % 1_000_000) as i64 * frac_per_micro);
        assert_eq!(r.caplen as usize, f.data.len());
        assert_eq!(r.len, f.wire_len());
        assert_eq!(r.data, f.data);
    }
}

#[test]
fn pcap_micros_round_trips_through_libpcap() {
    let frames = sample_frames();
    assert_eq!(frames[2].data.len(), 96);
    assert_eq!(frames[2].orig_len, Some(14 + 20 + 20 + 1200));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("micros.pcap");
    write_pcap(&path, 1, &frames).expect("write");

    let bytes = std::fs::read(&path).expect("read back");
    assert_eq!(&bytes[0..4], &0xa1b2_c3d4u32.to_le_bytes());
    assert_eq!(&bytes[16..20], &262_144u32.to_le_bytes(), "snaplen");
    assert_eq!(&bytes[20..24], &1u32.to_le_bytes(), "linktype");

    let (linktype, records, err) = read_capture(&path, pcap::Precision::Micro);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(linktype, 1);
    assert_sample_records(&records, &frames, 1);
}

#[test]
fn pcap_nanos_round_trips_through_libpcap() {
    let frames = sample_frames();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nanos.pcap");
    write_pcap_nanos(&path, 1, &frames).expect("write");

    let bytes = std::fs::read(&path).expect("read back");
    assert_eq!(&bytes[0..4], &0xa1b2_3c4du32.to_le_bytes());
    // The first record's fraction field holds nanoseconds.
    let frac = u32::from_le_bytes(bytes[28..32].try_into().expect("4 bytes"));
    assert_eq!(u64::from(frac), (frames[0].ts_micros % 1_000_000) * 1000);

    let (_, records, err) = read_capture(&path, pcap::Precision::Nano);
    assert!(err.is_none(), "{err:?}");
    assert_sample_records(&records, &frames, 1000);
    // libpcap scales a nanosecond file down when asked for microseconds.
    let (_, records, _) = read_capture(&path, pcap::Precision::Micro);
    assert_sample_records(&records, &frames, 1);
}

#[test]
fn pcapng_round_trips_through_libpcap() {
    let frames = sample_frames();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("micros.pcapng");
    write_pcapng(&path, 1, &frames).expect("write");
    let (linktype, records, err) = read_capture(&path, pcap::Precision::Micro);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(linktype, 1);
    assert_sample_records(&records, &frames, 1);

    let path = dir.path().join("nanos.pcapng");
    write_pcapng_nanos(&path, 113, &frames).expect("write");
    let (linktype, records, err) = read_capture(&path, pcap::Precision::Nano);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(linktype, 113);
    assert_sample_records(&records, &frames, 1000);
}

#[test]
fn pcapng_blocks_are_padded_and_framed() {
    // Data lengths 1..=5 exercise every padding amount.
    let frames: Vec<Frame> = (1..=5u8)
        .map(|n| Frame::new(T0_MICROS + u64::from(n), vec![n; usize::from(n)]))
        .collect();
    let bytes = pcapng_bytes(101, &frames);
    let mut offset = 0;
    let mut types = Vec::new();
    let mut epb_caplens = Vec::new();
    while offset < bytes.len() {
        let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let block_type = word(offset);
        let total = word(offset + 4) as usize;
        assert_eq!(total % 4, 0, "block at {offset} not 32-bit aligned");
        assert_eq!(
            word(offset + total - 4),
            total as u32,
            "trailing length of block at {offset}"
        );
        if block_type == 6 {
            let caplen = word(offset + 20) as usize;
            assert_eq!(total, 32 + caplen.next_multiple_of(4));
            epb_caplens.push(caplen);
        }
        types.push(block_type);
        offset += total;
    }
    assert_eq!(offset, bytes.len());
    assert_eq!(types, [0x0a0d_0d0a, 1, 6, 6, 6, 6, 6]);
    assert_eq!(epb_caplens, [1, 2, 3, 4, 5]);
}

#[test]
fn truncated_file_yields_the_records_before_the_cut_then_an_error() {
    let frames = sample_frames();
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in [
        ("cut.pcap", pcap_bytes(1, &frames)),
        ("cut.pcapng", pcapng_bytes(1, &frames)),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let whole = std::fs::metadata(&path).expect("stat").len();
        truncate_file(&path, 10).expect("truncate");
        assert_eq!(std::fs::metadata(&path).expect("stat").len(), whole - 10);
        let (_, records, err) = read_capture(&path, pcap::Precision::Micro);
        assert_eq!(records.len(), 2, "{name}: records before the cut");
        assert_sample_records(&records, &frames[..2], 1);
        assert!(
            err.is_some(),
            "{name}: a cut record must be an error, not a clean end"
        );
    }
}

#[test]
fn every_link_type_is_readable_and_carries_the_packet() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (c, s) in [(client4(), server4()), (client6(), server6())] {
        let ip = tcp_ip(c, 40000, s, 443, 10, 20, "PA", b"hello");
        for link in Link::ALL {
            let data = encapsulate(link, &ip);
            assert_eq!(data.len(), link.header_len() + ip.len(), "{link:?}");
            assert_eq!(&data[link.header_len()..], &ip[..], "{link:?}");

            let path = dir.path().join(format!("{}.pcap", link.linktype()));
            write_pcap(
                &path,
                link.linktype(),
                &[Frame::new(T0_MICROS, data.clone())],
            )
            .expect("write");
            let (dlt, records, err) = read_capture(&path, pcap::Precision::Micro);
            assert!(err.is_none());
            // libpcap reports LINKTYPE_RAW (101) as its DLT_RAW (12 on Linux).
            let expected = if link == Link::Raw {
                12
            } else {
                link.linktype() as i32
            };
            assert_eq!(dlt, expected, "{link:?}");
            assert_eq!(records[0].data, data);

            let v6 = s.ip.is_ipv6();
            let ethertype: [u8; 2] = if v6 { [0x86, 0xdd] } else { [0x08, 0x00] };
            let af: u32 = if v6 { 24 } else { 2 };
            match link {
                Link::Ethernet | Link::Vlan(_) | Link::QinQ { .. } => {
                    assert_eq!(&data[0..6], &s.mac, "destination MAC first");
                    assert_eq!(&data[6..12], &c.mac);
                    let sliced = SlicedPacket::from_ethernet(&data).expect("etherparse slices it");
                    let ids: Vec<u16> = sliced.vlan_ids().iter().map(|v| v.value()).collect();
                    match link {
                        Link::Ethernet => assert!(ids.is_empty()),
                        Link::Vlan(id) => {
                            assert_eq!(&data[12..14], &[0x81, 0x00]);
                            assert_eq!(ids, [id]);
                        }
                        Link::QinQ { outer, inner } => {
                            assert_eq!(&data[12..14], &[0x88, 0xa8], "outer tag is 802.1ad");
                            assert_eq!(&data[16..18], &[0x81, 0x00], "inner tag is 802.1Q");
                            assert_eq!(ids, [outer, inner], "outer first");
                        }
                        _ => unreachable!(),
                    }
                    assert_eq!(&data[link.header_len() - 2..link.header_len()], &ethertype);
                    assert!(sliced.transport.is_some(), "{link:?}: TCP reached");
                }
                Link::Sll => {
                    let sliced =
                        SlicedPacket::from_linux_sll(&data).expect("etherparse slices SLL");
                    assert!(sliced.transport.is_some());
                    assert_eq!(&data[6..12], &c.mac, "SLL carries the source MAC");
                    assert_eq!(&data[14..16], &ethertype);
                }
                Link::Sll2 => {
                    assert_eq!(&data[0..2], &ethertype);
                    assert_eq!(&data[8..10], &[0, 1], "ARPHRD_ETHER");
                    assert_eq!(data[11], 6, "address length");
                    assert_eq!(&data[12..18], &c.mac);
                }
                Link::Raw => assert_eq!(data, ip),
                Link::Null => assert_eq!(&data[0..4], &af.to_le_bytes()),
                Link::Loop => assert_eq!(&data[0..4], &af.to_be_bytes()),
            }
        }
    }
}

#[test]
fn ethernet_builders_match_encapsulate_for_derived_macs() {
    let (c, s) = (client4(), server4());
    assert_eq!(c, Host::from_ip(c.ip));
    assert_eq!(
        tcp(c, 1, s, 2, 3, 4, "A", b"x"),
        encapsulate(Link::Ethernet, &tcp_ip(c, 1, s, 2, 3, 4, "A", b"x"))
    );
    // Derived MACs are unicast, stable and distinct per address.
    assert_eq!(c.mac[0] & 1, 0);
    assert_eq!(mac_for_ip(c.ip), c.mac);
    assert_ne!(c.mac, s.mac);
    // An explicit MAC is honoured.
    let nurse = Host::new([0x00, 0x09, 0xfb, 1, 2, 3], c.ip);
    assert_eq!(&udp(nurse, 1, s, 2, b"")[6..12], &nurse.mac);
}

/// Checks every checksum of a bare IP packet against etherparse's own computation.
fn assert_checksums_valid(ip_packet: &[u8]) {
    let headers = PacketHeaders::from_ip_slice(ip_packet).expect("etherparse parses the packet");
    let payload = headers.payload.slice();
    let (src4, dst4, src6, dst6) = match headers.net.as_ref().expect("an IP header") {
        NetHeaders::Ipv4(h, _) => {
            assert_eq!(
                h.header_checksum,
                h.calc_header_checksum(),
                "IPv4 header checksum"
            );
            (h.source, h.destination, [0; 16], [0; 16])
        }
        NetHeaders::Ipv6(h, _) => ([0; 4], [0; 4], h.source, h.destination),
        NetHeaders::Arp(_) => panic!("not IP"),
    };
    let v4 = ip_packet[0] >> 4 == 4;
    match headers.transport.expect("a transport header") {
        TransportHeader::Tcp(t) => {
            let want = if v4 {
                t.calc_checksum_ipv4_raw(src4, dst4, payload)
            } else {
                t.calc_checksum_ipv6_raw(src6, dst6, payload)
            };
            assert_eq!(t.checksum, want.expect("fits"), "TCP checksum");
        }
        TransportHeader::Udp(u) => {
            let want = if v4 {
                u.calc_checksum_ipv4_raw(src4, dst4, payload)
            } else {
                u.calc_checksum_ipv6_raw(src6, dst6, payload)
            };
            assert_eq!(u.checksum, want.expect("fits"), "UDP checksum");
        }
        TransportHeader::Icmpv4(i) => {
            assert_eq!(
                i.checksum,
                i.icmp_type.calc_checksum(payload),
                "ICMPv4 checksum"
            );
        }
        TransportHeader::Icmpv6(i) => {
            let want = i
                .icmp_type
                .calc_checksum(src6, dst6, payload)
                .expect("fits");
            assert_eq!(i.checksum, want, "ICMPv6 checksum");
        }
        TransportHeader::Igmp(_) => panic!("no IGMP builder"),
    }
}

#[test]
fn builders_produce_valid_checksums_and_fields() {
    let (c4, s4, c6, s6) = (client4(), server4(), client6(), server6());
    let packets = [
        tcp_ip(c4, 40000, s4, 80, 1000, 0, "S", &[]),
        tcp_ip(
            c4,
            40000,
            s4,
            80,
            1001,
            5001,
            "PA",
            b"GET / HTTP/1.1\r\n\r\n",
        ),
        tcp_ip(c6, 40000, s6, 80, 1001, 5001, "FA", b"odd length"),
        udp_ip(c4, 5353, s4, 53, b"\x12\x34 dns-ish"),
        udp_ip(c6, 5353, s6, 53, b"x"),
        icmpv4_echo_ip(c4, s4, Echo::Request, 7, 1, b"ping payload"),
        icmpv4_echo_ip(s4, c4, Echo::Reply, 7, 1, b"ping payload"),
        icmpv6_echo_ip(c6, s6, Echo::Request, 7, 1, b"ping6"),
        icmpv6_echo_ip(s6, c6, Echo::Reply, 7, 1, b"ping6"),
    ];
    for p in &packets {
        assert_checksums_valid(p);
    }
    // Flags, seq, ack and the SYN's MSS option as asked.
    let syn = PacketHeaders::from_ip_slice(&packets[0]).expect("parse");
    let Some(TransportHeader::Tcp(t)) = syn.transport else {
        panic!("TCP expected")
    };
    assert!(t.syn && !t.ack && !t.fin && !t.psh && !t.rst);
    assert_eq!((t.sequence_number, t.acknowledgment_number), (1000, 0));
    assert_eq!(t.options.as_slice(), &[2, 4, 0x05, 0xb4], "MSS 1460");
    let data = PacketHeaders::from_ip_slice(&packets[1]).expect("parse");
    let Some(TransportHeader::Tcp(t)) = data.transport else {
        panic!("TCP expected")
    };
    assert!(t.psh && t.ack && !t.syn);
    assert_eq!((t.sequence_number, t.acknowledgment_number), (1001, 5001));
    assert_eq!(data.payload.slice(), b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(tcp_flags("SAFRPUEC"), 0xff);
    // IPv4 identification is never 0 and set_ipv4_id keeps the header valid.
    assert_ne!(&packets[1][4..6], &[0, 0]);
    let mut p = packets[1].clone();
    set_ipv4_id(&mut p, 0x4242);
    assert_eq!(&p[4..6], &[0x42, 0x42]);
    assert_checksums_valid(&p);
}

#[test]
fn ipv4_options_are_inserted_with_valid_lengths_and_checksum() {
    let base = tcp_ip(client4(), 40000, server4(), 80, 1, 2, "PA", b"payload!");
    let mut opts = vec![IPV4_OPT_NOP];
    opts.extend(record_route_option(3));
    let p = with_ipv4_options(&base, &opts);
    // 1 NOP + 15 bytes RR = 16: already aligned; IHL 9 words.
    assert_eq!(ipv4_header_len(&p), 36);
    assert_eq!(usize::from(u16::from_be_bytes([p[2], p[3]])), p.len());
    assert_eq!(p.len(), base.len() + 16);
    assert_checksums_valid(&p);
    let headers = PacketHeaders::from_ip_slice(&p).expect("parse");
    let Some(NetHeaders::Ipv4(h, _)) = headers.net else {
        panic!("IPv4 expected")
    };
    assert_eq!(h.options.as_slice(), &opts[..]);
    assert_eq!(headers.payload.slice(), b"payload!");

    // Odd option lengths are padded with EOL.
    let p = with_ipv4_options(
        &udp_ip(client4(), 1, server4(), 2, b"u"),
        &[IPV4_OPT_NOP; 3],
    );
    assert_eq!(&p[20..24], &[1, 1, 1, 0]);
    assert_checksums_valid(&p);
}

#[test]
fn ipv6_extension_chain_walks_to_the_transport() {
    let (c, s) = (client6(), server6());
    let base = tcp_ip(c, 40000, s, 443, 1, 2, "PA", b"over v6 with exts");
    let routing = Ipv6Ext::Routing {
        routing_type: 0,
        segments_left: 0,
        addresses: vec!["2001:db8:ff::1".parse().expect("literal")],
    };
    let p = with_ipv6_ext_headers(
        &base,
        &[Ipv6Ext::HopByHop, routing, Ipv6Ext::DestinationOptions],
    );
    assert_eq!(p.len(), base.len() + 8 + 24 + 8);
    assert_eq!(usize::from(u16::from_be_bytes([p[4], p[5]])), p.len() - 40);
    let (chain, upper, upper_at) = ipv6_ext_chain(&p);
    let kinds: Vec<u8> = chain.iter().map(|h| h.kind).collect();
    assert_eq!(kinds, [0, 43, 60]);
    assert_eq!((upper, upper_at), (6, 40 + 40));

    let headers = PacketHeaders::from_ip_slice(&p).expect("etherparse walks the chain");
    let Some(NetHeaders::Ipv6(_, exts)) = &headers.net else {
        panic!("IPv6 expected")
    };
    assert!(exts.hop_by_hop_options.is_some());
    let routing = exts.routing.as_ref().expect("routing header");
    assert_eq!(routing.routing.payload().len(), 6 + 16);
    assert!(routing.final_destination_options.is_some());
    let Some(TransportHeader::Tcp(t)) = &headers.transport else {
        panic!("TCP expected")
    };
    assert_eq!((t.source_port, t.destination_port), (40000, 443));
    assert_eq!(headers.payload.slice(), b"over v6 with exts");
    assert_checksums_valid(&p);

    let p = with_ipv6_ext_headers(
        &udp_ip(c, 5000, s, 53, b"q"),
        &[Ipv6Ext::HopByHop, Ipv6Ext::DestinationOptions],
    );
    let headers = PacketHeaders::from_ip_slice(&p).expect("parse");
    let Some(NetHeaders::Ipv6(_, exts)) = &headers.net else {
        panic!("IPv6 expected")
    };
    assert!(exts.hop_by_hop_options.is_some() && exts.destination_options.is_some());
    assert!(matches!(headers.transport, Some(TransportHeader::Udp(_))));
    assert_checksums_valid(&p);
}

/// Writes each (offset, bytes) into a buffer: `first_wins` keeps bytes already written.
fn reassemble(pieces: &[(usize, Vec<u8>)], first_wins: bool) -> Vec<u8> {
    let end = pieces.iter().map(|(o, d)| o + d.len()).max().unwrap_or(0);
    let mut out = vec![0u8; end];
    let mut filled = vec![false; end];
    for (offset, data) in pieces {
        for (i, b) in data.iter().enumerate() {
            if !(first_wins && filled[offset + i]) {
                out[offset + i] = *b;
                filled[offset + i] = true;
            }
        }
    }
    assert!(filled.iter().all(|f| *f), "hole in the reassembled payload");
    out
}

/// (offset, payload) of an IPv4 fragment, checking its header on the way.
fn ipv4_piece(frag: &[u8]) -> (usize, Vec<u8>) {
    let headers = PacketHeaders::from_ip_slice(frag).expect("parse fragment");
    let Some(NetHeaders::Ipv4(h, _)) = headers.net else {
        panic!("IPv4 expected")
    };
    assert_eq!(h.header_checksum, h.calc_header_checksum());
    assert_eq!(usize::from(h.total_len), frag.len());
    assert!(!h.dont_fragment);
    (
        usize::from(h.fragment_offset.byte_offset()),
        ipv4_payload(frag).to_vec(),
    )
}

/// (offset, payload, M flag) of an IPv6 fragment; checks lengths and the id. etherparse
/// reads the fixed and Fragment headers (its whole-packet parser would read fragment
/// data as extension headers); `ipv6_ext_chain` locates the Fragment header.
fn ipv6_piece(frag: &[u8], id: u32) -> (usize, Vec<u8>, bool) {
    let (h, _) = etherparse::Ipv6Header::from_slice(frag).expect("IPv6 header");
    assert_eq!(usize::from(h.payload_length), frag.len() - 40);
    let (chain, _, data_at) = ipv6_ext_chain(frag);
    let at = chain.last().expect("a header");
    assert_eq!(at.kind, 44, "Fragment header is last");
    let (fh, _) =
        etherparse::Ipv6FragmentHeader::from_slice(&frag[at.offset..]).expect("Fragment header");
    assert_eq!(fh.identification, id);
    (
        usize::from(fh.fragment_offset.byte_offset()),
        frag[data_at..].to_vec(),
        fh.more_fragments,
    )
}

#[test]
fn ipv4_fragments_reassemble_to_the_original_payload() {
    let payload: Vec<u8> = (0..100u8).collect();
    let p = tcp_ip(client4(), 40000, server4(), 80, 9, 9, "PA", &payload);
    let mut frags = fragment_ipv4(&p, 32);
    assert_eq!(frags.len(), 4, "120 bytes of TCP in 32-byte fragments");
    let infos: Vec<(usize, bool)> = frags.iter().map(|f| ipv4_frag_info(f)).collect();
    assert_eq!(infos, [(0, true), (32, true), (64, true), (96, false)]);
    assert!(
        frags.iter().all(|f| f[4..6] == p[4..6]),
        "same identification"
    );
    shuffle_with_seed(&mut frags, 7);
    let pieces: Vec<(usize, Vec<u8>)> = frags.iter().map(|f| ipv4_piece(f)).collect();
    assert_eq!(reassemble(&pieces, true), ipv4_payload(&p));

    // Options without the copied flag (Record Route) stay in the first fragment only.
    let with_rr = with_ipv4_options(&p, &record_route_option(2));
    let frags = fragment_ipv4(&with_rr, 64);
    assert_eq!(ipv4_header_len(&frags[0]), 32);
    assert_eq!(ipv4_header_len(&frags[1]), 20);
    let pieces: Vec<(usize, Vec<u8>)> = frags.iter().map(|f| ipv4_piece(f)).collect();
    assert_eq!(reassemble(&pieces, true), ipv4_payload(&p));
}

#[test]
fn ipv6_fragments_reassemble_to_the_original_payload() {
    let payload: Vec<u8> = (0..77u8).collect();
    let p = with_ipv6_ext_headers(
        &udp_ip(client6(), 4000, server6(), 53, &payload),
        &[Ipv6Ext::HopByHop, Ipv6Ext::DestinationOptions],
    );
    // Hop-by-Hop stays in front; Destination Options (no Routing after it) is fragmentable.
    let fragmentable = ipv6_fragmentable_part(&p).to_vec();
    assert_eq!(fragmentable.len(), 8 + 8 + 77);
    let mut frags = fragment_ipv6(&p, 24, 0xdead_beef);
    assert_eq!(frags.len(), 4);
    for f in &frags {
        let (chain, _, _) = ipv6_ext_chain(f);
        assert_eq!(chain.iter().map(|h| h.kind).collect::<Vec<_>>(), [0, 44]);
    }
    shuffle_with_seed(&mut frags, 3);
    let mut pieces = Vec::new();
    for f in &frags {
        let (offset, data, more) = ipv6_piece(f, 0xdead_beef);
        assert_eq!(more, offset + data.len() < fragmentable.len());
        pieces.push((offset, data));
    }
    assert_eq!(reassemble(&pieces, true), fragmentable);
}

#[test]
fn overlapping_fragments_differ_only_in_the_overlap() {
    let payload = b"GET /index.html HTTP/1.1\r\nHost: pacs\r\n\r\n".to_vec();
    let p4 = tcp_ip(client4(), 40000, server4(), 80, 9, 9, "PA", &payload);
    let p6 = tcp_ip(client6(), 40000, server6(), 80, 9, 9, "PA", &payload);
    let o4 = overlapping_ipv4(&p4, 24, b"EVILEVIL");
    let o6 = overlapping_ipv6(&p6, 77, 24, b"EVILEVIL");
    for o in [&o4, &o6] {
        assert_eq!(o.fragments.len(), 2);
        assert_eq!(o.original_payload.len(), o.replaced_payload.len());
        for (i, (a, b)) in o
            .original_payload
            .iter()
            .zip(&o.replaced_payload)
            .enumerate()
        {
            if !(24..32).contains(&i) {
                assert_eq!(a, b, "byte {i} is outside the overlap");
            }
        }
        assert_eq!(&o.replaced_payload[24..32], b"EVILEVIL");
    }
    assert_eq!(o4.original_payload, ipv4_payload(&p4));
    let pieces: Vec<(usize, Vec<u8>)> = o4.fragments.iter().map(|f| ipv4_piece(f)).collect();
    assert_eq!((pieces[0].0, pieces[0].1.len()), (0, 32));
    assert_eq!(pieces[1].0, 24);
    assert!(ipv4_frag_info(&o4.fragments[0]).1, "MF on the first");
    assert!(!ipv4_frag_info(&o4.fragments[1]).1, "MF clear on the last");
    assert_eq!(reassemble(&pieces, true), o4.original_payload);
    assert_eq!(reassemble(&pieces, false), o4.replaced_payload);

    let pieces: Vec<(usize, Vec<u8>)> = o6
        .fragments
        .iter()
        .map(|f| {
            let (offset, data, _) = ipv6_piece(f, 77);
            (offset, data)
        })
        .collect();
    assert_eq!(reassemble(&pieces, true), o6.original_payload);
    assert_eq!(reassemble(&pieces, false), o6.replaced_payload);
}

/// (seq, ack, flags bits, payload) of a session frame over `link`.
fn tcp_fields(link: Link, frame: &Frame) -> (u32, u32, u8, Vec<u8>) {
    let ip = &frame.data[link.header_len()..];
    let headers = PacketHeaders::from_ip_slice(ip).expect("parse");
    let Some(TransportHeader::Tcp(t)) = &headers.transport else {
        panic!("TCP expected")
    };
    assert_checksums_valid(ip);
    let flags = ip[ip.len() - headers.payload.slice().len() - t.header_len() + 13];
    (
        t.sequence_number,
        t.acknowledgment_number,
        flags,
        headers.payload.slice().to_vec(),
    )
}

#[test]
fn tcp_session_numbers_are_consistent() {
    for (c, s, link) in [
        (client4(), server4(), Link::Ethernet),
        (client6(), server6(), Link::Vlan(7)),
    ] {
        // ISNs near the top of the sequence space: the numbers must wrap.
        let (isn_c, isn_s) = (u32::MAX - 3, 0x1000);
        let mut sess = TcpSession::new(c, 51000, s, 104, isn_c, isn_s)
            .starting_at(T0_MICROS + 5)
            .with_step(250)
            .over(link);
        let mut frames = sess.handshake();
        frames.push(sess.send(Dir::ToServer, b"ASSOCIATE-RQ"));
        frames.push(sess.ack(Dir::ToClient));
        frames.extend(sess.send_segments(Dir::ToClient, &[0x55; 25], 10));
        frames.extend(sess.close());

        let times: Vec<u64> = frames.iter().map(|f| f.ts_micros).collect();
        let want: Vec<u64> = (0..frames.len() as u64)
            .map(|i| T0_MICROS + 5 + 250 * i)
            .collect();
        assert_eq!(times, want);
        let fields: Vec<_> = frames.iter().map(|f| tcp_fields(link, f)).collect();
        let c1 = isn_c.wrapping_add(1);
        let s1 = isn_s.wrapping_add(1);
        let c2 = c1.wrapping_add(12);
        let s2 = s1.wrapping_add(25);
        let expected: [(u32, u32, u8, usize); 11] = [
            (isn_c, 0, 0x02, 0),  // SYN
            (isn_s, c1, 0x12, 0), // SYN-ACK
            (c1, s1, 0x10, 0),    // ACK
            (c1, s1, 0x18, 12),   // client data
            (s1, c2, 0x10, 0),    // server ACK
            (s1, c2, 0x10, 10),
            (s1.wrapping_add(10), c2, 0x10, 10),
            (s1.wrapping_add(20), c2, 0x18, 5),
            (c2, s2, 0x11, 0),                                 // client FIN
            (s2, c2.wrapping_add(1), 0x11, 0),                 // server FIN
            (c2.wrapping_add(1), s2.wrapping_add(1), 0x10, 0), // last ACK
        ];
        assert_eq!(fields.len(), expected.len());
        for (i, ((seq, ack, flags, payload), want)) in fields.iter().zip(expected).enumerate() {
            assert_eq!(
                (*seq, *ack, *flags, payload.len()),
                want,
                "{link:?} frame {i}"
            );
        }
        assert_eq!(fields[3].3, b"ASSOCIATE-RQ");
        assert_eq!(sess.next_seq(Dir::ToServer), c2.wrapping_add(1));
        assert_eq!(sess.next_seq(Dir::ToClient), s2.wrapping_add(1));
        if let Link::Vlan(id) = link {
            let sliced = SlicedPacket::from_ethernet(&frames[0].data).expect("slice");
            assert_eq!(sliced.vlan_ids()[0].value(), id);
        }

        // A retransmission at an old seq leaves the state alone.
        let before = sess.next_seq(Dir::ToServer);
        let rexmit = sess.segment_at(Dir::ToServer, c1, "PA", b"ASSOCIATE-XX");
        assert_eq!(tcp_fields(link, &rexmit).0, c1);
        assert_eq!(sess.next_seq(Dir::ToServer), before);
    }
}

#[test]
fn session_packets_can_be_fragmented_and_framed() {
    let mut sess = TcpSession::new(client4(), 50000, server4(), 80, 100, 200).over(Link::Sll);
    let mut frames = sess.handshake();
    let ip = sess.segment_ip(Dir::ToServer, "PA", &[7; 40]);
    for f in fragment_ipv4(&ip, 16) {
        frames.push(sess.frame(Dir::ToServer, &f));
    }
    assert_eq!(frames.len(), 3 + 4);
    assert!(frames.windows(2).all(|w| w[0].ts_micros < w[1].ts_micros));
    assert!(
        frames
            .iter()
            .all(|f| f.data[..2] == [0, 0] && f.data[14..16] == [8, 0])
    );
    assert_eq!(sess.next_seq(Dir::ToServer), 141);
    frames.reverse();
    restamp(&mut frames, T0_MICROS, 10);
    assert_eq!(frames[6].ts_micros, T0_MICROS + 60);
    assert_eq!(frames_at(5, 2, vec![vec![1], vec![2]])[1].ts_micros, 7);
}

#[test]
fn shuffle_is_a_seeded_permutation() {
    let original: Vec<u32> = (0..50).collect();
    let mut a = original.clone();
    let mut b = original.clone();
    let mut c = original.clone();
    shuffle_with_seed(&mut a, 42);
    shuffle_with_seed(&mut b, 42);
    shuffle_with_seed(&mut c, 43);
    assert_eq!(a, b, "same seed, same order");
    assert_ne!(a, c, "different seed, different order");
    assert_ne!(a, original);
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, original, "a permutation");
}

#[test]
fn eve_reader_parses_lines_and_names_a_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("eve.json");
    std::fs::write(
        &path,
        "{\"event_type\":\"flow\",\"src_port\":1}\n\n{\"event_type\":\"alert\"}\n{\"event_type\":\"flow\",\"src_port\":2}\n",
    )
    .expect("write");
    let events = read_eve(&path);
    assert_eq!(events.len(), 3);
    let flows = events_of_type(&events, "flow");
    let ports: Vec<i64> = flows
        .iter()
        .filter_map(|e| e["src_port"].as_i64())
        .collect();
    assert_eq!(ports, [1, 2]);
    assert!(events_of_type(&events, "stats").is_empty());

    std::fs::write(&path, "{\"event_type\":\"flow\"}\n{\"event_type\": trunc\n").expect("write");
    let err = std::panic::catch_unwind(|| read_eve(&path)).expect_err("bad line must fail");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("eve.json:2:"), "message names line 2: {msg}");
}

#[test]
fn pcap_bytes_header_and_temp_pcap_agree() {
    let frames = sample_frames();
    let bytes = pcap_bytes(1, &frames);
    let (_dir, path) = temp_pcap(1, &frames);
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
    let nanos = pcap_nanos_bytes(1, &frames);
    assert_eq!(bytes.len(), nanos.len());
    assert_eq!(
        bytes[24..],
        {
            // Only the fraction fields differ between the two encodings.
            let mut v = nanos[24..].to_vec();
            let mut at = 0;
            for f in &frames {
                v[at + 4..at + 8]
                    .copy_from_slice(&((f.ts_micros % 1_000_000) as u32).to_le_bytes());
                at += 16 + f.data.len();
            }
            v
        }[..]
    );
}
