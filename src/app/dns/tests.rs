//! DNS tests on real bytes: messages captured here with tcpdump from `dig`
//! (BIND 9.18) querying dnsmasq 2.90 over UDP and TCP on loopback, and one
//! response from the public Malcolm DNS capture (a real resolver's answer with
//! chained compression pointers).

use super::*;
use crate::flow::Direction;

fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    s.chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).expect("ascii"), 16).expect("hex"))
        .collect()
}

/// `dig +noedns www.example.test A` (id 0xfaa8, RD, AD).
const Q_A: &str = "faa80120000100000000000003777777076578616d706c6504746573740000010001";
/// dnsmasq's answer: A 10.1.2.3, owner name compressed (`c00c`).
const R_A: &str = "faa88580000100010000000003777777076578616d706c6504746573740000010001\
                   c00c000100010000000000040a010203";
/// `alias.example.test A` with EDNS: CNAME answer (uncompressed target) + OPT.
const R_CNAME: &str = "8ec38580000100010000000105616c696173076578616d706c6504746573740000010001\
                       c00c0005000100000000001203777777076578616d706c6504746573740000002904d0000000000000";
/// `www.example.test AAAA`: 2001:db8::1.
const R_AAAA: &str = "63748580000100010000000103777777076578616d706c65047465737400001c0001\
                      c00c001c000100000000001020010db800000000000000000000000100002904d0000000000000";
/// `example.test MX`: `10 mail.example.test` whose owner in the additional
/// section is a pointer into the MX RDATA (`c02c`).
const R_MX: &str = "a9fb85800001000100000002076578616d706c65047465737400000f0001c00c000f00010000\
                    00000015000a046d61696c076578616d706c65047465737400c02c000100010000000000040a\
                    01020400002904d0000000000000";
/// `example.test TXT`: two character-strings.
const R_TXT: &str = "c29a85800001000100000001076578616d706c6504746573740000100001c00c00100001000000\
                     00001a0b763d73706631202d616c6c0d7365636f6e6420737472696e6700002904d0000000000000";
/// `dig -x 10.1.2.3`: PTR www.example.test.
const R_PTR: &str = "78c58580000100010000000101330132013102313007696e2d61646472046172706100000c0001\
                     c00c000c000100000000001203777777076578616d706c6504746573740000002904d0000000000000";
/// `nonexistent.invalid A`: REFUSED (rcode 5: dnsmasq has no upstream) with an
/// Extended DNS Error option (RFC 8914, code 14 "Not Ready").
const R_NX: &str = "6757818500010000000000010b6e6f6e6578697374656e7407696e76616c6964000001000100\
                    002904d0000000000006000f0002000e";
/// A real resolver's answer for www.tcpdump.org (public Malcolm capture):
/// 2 A, 2 NS, 4 glue records and OPT, pointers to pointers.
const R_TCPDUMP: &str = "593485000001000200020005037777770774637064756d70036f72670000010001c00c000100010000003c0004\
                         c08b2e42c00c000100010000003c0004c6c75868c0100002000100015180001203736e7308636f6f7065726978036e\
                         657400c01000020001000151800012036e69630973616e64656c6d616e02636100c06b000100010000012c0004d157\
                         f912c06b001c00010000012c00102607f0b0000f000000000000babef00dc04d0001000100001c200004616b850fc0\
                         4d001c000100001c20001026003c0300000000f03c91fffe96e8ef0000291000000000000000";

/// Two DNS-over-TCP connections (`dig +tcp`), each direction's stream bytes.
const TCP1_Q: &str = "003902b10120000100000000000103777777076578616d706c650474657374000001000100002904d0000000\
                      00000c000a0008442beb393f1fb737";
const TCP1_R: &str = "003d02b18580000100010000000103777777076578616d706c6504746573740000010001c00c00010001000000\
                      0000040a01020300002904d0000000000000";
const TCP2_Q: &str = "0035769f01200001000000000001076578616d706c65047465737400000f000100002904d000000000000c000a\
                      00082858a2c87dbef395";
const TCP2_R: &str = "005a769f85800001000100000002076578616d706c65047465737400000f0001c00c000f000100000000001500\
                      0a046d61696c076578616d706c65047465737400c02c000100010000000000040a01020400002904d0000000000000";

fn all_fixtures() -> Vec<Vec<u8>> {
    [
        Q_A, R_A, R_CNAME, R_AAAA, R_MX, R_TXT, R_PTR, R_NX, R_TCPDUMP,
    ]
    .iter()
    .map(|h| hex(h))
    .chain(
        [TCP1_Q, TCP1_R, TCP2_Q, TCP2_R]
            .iter()
            .map(|h| hex(h)[2..].to_vec()),
    )
    .collect()
}

fn query_values(tx: &DnsTx) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    tx.visit(BufferId::DnsQuery, &mut |b| v.push(b.to_vec()));
    v
}

#[test]
fn query_header_question_and_buffer() {
    let tx = parse_udp(&hex(Q_A)).expect("query");
    let h = tx.message.header;
    assert_eq!(h.id, 0xfaa8);
    assert!(!h.qr() && h.rd() && !h.tc() && !h.z());
    assert_eq!((h.opcode(), h.rcode()), (0, 0));
    assert_eq!(tx.message.questions.len(), 1);
    let q = &tx.message.questions[0];
    assert_eq!(q.name, b"www.example.test");
    assert_eq!((q.rtype, q.rclass), (RrType::A, 1));
    assert_eq!(query_values(&tx), vec![b"www.example.test".to_vec()]);
    assert_eq!(tx.message.anomalies, DnsAnomalies::default());
    assert!(tx.message.malformed.is_none());
}

#[test]
fn responses_decode_each_rdata_type() {
    let a = parse_message(&hex(R_A)).expect("A");
    assert!(a.is_response() && a.header.aa() && a.header.ra());
    assert_eq!(a.answers.len(), 1);
    assert_eq!(a.answers[0].name, b"www.example.test");
    assert_eq!(a.answers[0].rdata, RData::A([10, 1, 2, 3].into()));
    // A response has no dns.query value (Suricata inspects requests only).
    assert!(query_values(&DnsTx::new(a)).is_empty());

    let c = parse_message(&hex(R_CNAME)).expect("CNAME");
    assert_eq!(c.answers[0].name, b"alias.example.test");
    assert_eq!(
        c.answers[0].rdata,
        RData::Cname(b"www.example.test".to_vec())
    );
    assert_eq!(c.additionals.len(), 1);
    assert_eq!(c.additionals[0].rtype, RrType::OPT);
    assert_eq!(c.additionals[0].name, b"");
    assert_eq!(c.additionals[0].rclass, 1232); // EDNS UDP payload size

    let aaaa = parse_message(&hex(R_AAAA)).expect("AAAA");
    assert_eq!(
        aaaa.answers[0].rdata,
        RData::Aaaa("2001:db8::1".parse().expect("v6"))
    );

    let mx = parse_message(&hex(R_MX)).expect("MX");
    assert_eq!(
        mx.answers[0].rdata,
        RData::Mx {
            preference: 10,
            exchange: b"mail.example.test".to_vec()
        }
    );
    assert_eq!(mx.additionals[0].name, b"mail.example.test");
    assert_eq!(mx.additionals[0].rdata, RData::A([10, 1, 2, 4].into()));

    let txt = parse_message(&hex(R_TXT)).expect("TXT");
    assert_eq!(
        txt.answers[0].rdata,
        RData::Txt(vec![b"v=spf1 -all".to_vec(), b"second string".to_vec()])
    );

    let ptr = parse_message(&hex(R_PTR)).expect("PTR");
    assert_eq!(ptr.questions[0].name, b"3.2.1.10.in-addr.arpa");
    assert_eq!(
        ptr.answers[0].rdata,
        RData::Ptr(b"www.example.test".to_vec())
    );

    let nx = parse_message(&hex(R_NX)).expect("REFUSED");
    assert_eq!(nx.header.rcode(), 5);
    assert!(nx.answers.is_empty());
    assert_eq!(nx.additionals[0].rdata, RData::Raw(hex("000f0002000e")));
    for m in [&c, &aaaa, &mx, &txt, &ptr, &nx] {
        assert_eq!(m.anomalies, DnsAnomalies::default());
        assert!(m.malformed.is_none());
    }
}

#[test]
fn chained_compression_pointers_from_a_real_resolver() {
    let m = parse_message(&hex(R_TCPDUMP)).expect("tcpdump.org");
    assert_eq!(m.questions[0].name, b"www.tcpdump.org");
    let ns: Vec<_> = m.authorities.iter().map(|r| r.rdata.clone()).collect();
    assert_eq!(
        ns,
        vec![
            RData::Ns(b"sns.cooperix.net".to_vec()),
            RData::Ns(b"nic.sandelman.ca".to_vec())
        ]
    );
    let glue: Vec<_> = m
        .additionals
        .iter()
        .map(|r| (r.name.clone(), r.rtype))
        .collect();
    assert_eq!(
        glue,
        vec![
            (b"nic.sandelman.ca".to_vec(), RrType::A),
            (b"nic.sandelman.ca".to_vec(), RrType::AAAA),
            (b"sns.cooperix.net".to_vec(), RrType::A),
            (b"sns.cooperix.net".to_vec(), RrType::AAAA),
            (b"".to_vec(), RrType::OPT),
        ]
    );
    assert_eq!(m.answers[1].rdata, RData::A([198, 199, 88, 104].into()));
    assert!(m.malformed.is_none());
    assert_eq!(m.anomalies.trailing_bytes, 0);
}

/// A header plus raw bytes, for hand-made malformed messages.
fn message(qd: u16, an: u16, body: &[u8]) -> Vec<u8> {
    let mut m = vec![0x12, 0x34, 0x81, 0x80];
    for c in [qd, an, 0, 0] {
        m.extend_from_slice(&c.to_be_bytes());
    }
    m.extend_from_slice(body);
    m
}

#[test]
fn compression_loops_and_forward_pointers_are_errors() {
    // A question name that points at itself.
    let m = message(1, 0, &hex("c00c00010001"));
    assert!(matches!(
        parse_message(&m),
        Err(DnsError::BadPointer {
            offset: 12,
            target: 12,
            ..
        })
    ));
    // Two names pointing at each other: the first pointer goes forward.
    let m = message(2, 0, &hex("c012 0001 0001 c00c 0001 0001"));
    assert!(matches!(
        parse_message(&m),
        Err(DnsError::BadPointer { .. })
    ));
    // A label, then a pointer back to that label: a loop through a label.
    let m = message(1, 0, &hex("0161 c00c 0001 0001"));
    assert!(matches!(
        parse_message(&m),
        Err(DnsError::BadPointer { .. })
    ));
    // A pointer chain that goes back, then back again, terminates.
    let m = message(
        2,
        1,
        &hex("0161 00 0001 0001  0162 c00c 0001 0001  c013 0001 0001 00000000 0004 01020304"),
    );
    let p = parse_message(&m).expect("backward chain");
    assert_eq!(p.questions[1].name, b"b.a");
    assert_eq!(p.answers[0].name, b"b.a");
    // A pointer into the header region past the end of the message.
    let m = message(1, 0, &hex("ffff"));
    assert!(parse_message(&m).is_err());
    // Extended label types (0x40, 0x80) are errors.
    for b in ["41", "80"] {
        let m = message(1, 0, &hex(&format!("{b}00 0001 0001")));
        assert!(matches!(parse_message(&m), Err(DnsError::BadLabel { .. })));
    }
}

#[test]
fn long_names_are_cut_and_label_floods_rejected() {
    // 20 names, each a 63-byte label then a pointer to the previous one:
    // the last decodes to 20 * 64 - 1 = 1279 bytes, cut to MAX_NAME_LEN.
    let mut body = Vec::new();
    let mut prev: Option<usize> = None;
    for _ in 0..20 {
        let at = 12 + body.len();
        body.push(63);
        body.extend_from_slice(&[b'x'; 63]);
        match prev {
            Some(p) => body.extend_from_slice(&(0xc000 | p as u16).to_be_bytes()),
            None => body.push(0),
        }
        body.extend_from_slice(&[0, 1, 0, 1]);
        prev = Some(at);
    }
    let m = parse_message(&message(20, 0, &body)).expect("long names");
    let last = &m.questions[19];
    assert_eq!(last.name.len(), MAX_NAME_LEN);
    assert!(last.name_truncated && m.anomalies.name_truncated);
    assert!(!m.questions[14].name_truncated);

    // 300 one-byte labels in one name.
    let mut body: Vec<u8> = std::iter::repeat_n([1u8, b'a'], 300).flatten().collect();
    body.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert!(matches!(
        parse_message(&message(1, 0, &body)),
        Err(DnsError::TooManyLabels { .. })
    ));

    // A chain of backward pointers: question k's name points at question
    // k-1's. Legal-looking, but walking it costs k steps; the walk stops at
    // 255 steps instead of growing with the message.
    let mut body = hex("0161 00 0001 0001");
    let mut prev = 12u16;
    for _ in 0..300 {
        let at = 12 + body.len() as u16;
        body.extend_from_slice(&(0xc000 | prev).to_be_bytes());
        body.extend_from_slice(&[0, 1, 0, 1]);
        prev = at;
    }
    match parse_message(&message(301, 0, &body)) {
        Err(DnsError::TooManyLabels { offset, .. }) => {
            // Question 255 (1 label + 255 pointers) is the first one too deep.
            assert_eq!(offset, 12 + 7 + 254 * 6);
        }
        other => panic!("expected TooManyLabels, got {other:?}"),
    }
}

#[test]
fn record_cap_counts_what_it_does_not_store() {
    // One question and 300 A answers whose names point at it.
    let mut body = hex("0161 00 0001 0001");
    for i in 0..300u32 {
        body.extend_from_slice(&hex("c00c 0001 0001 00000000 0004"));
        body.extend_from_slice(&i.to_be_bytes());
    }
    let m = parse_message(&message(1, 300, &body)).expect("many answers");
    assert_eq!(m.questions.len() + m.answers.len(), MAX_STORED_RECORDS);
    assert_eq!(
        m.anomalies.records_dropped as usize,
        301 - MAX_STORED_RECORDS
    );
    assert!(m.malformed.is_none());
    assert_eq!(m.anomalies.trailing_bytes, 0);
}

#[test]
fn malformed_rdata_is_kept_raw_and_flagged() {
    // An A record with 3 bytes of RDATA; a CNAME whose name overruns its RDATA.
    let body = hex(
        "0161 00 0001 0001  c00c 0001 0001 00000000 0003 010203  c00c 0005 0001 00000000 0001 0162 00",
    );
    let mut m = message(1, 2, &body);
    let p = parse_message(&m).expect("lenient");
    assert_eq!(p.answers[0].rdata, RData::Raw(vec![1, 2, 3]));
    assert!(p.anomalies.bad_rdata);
    // The second record's RDATA length (1) cuts through its name: kept raw,
    // and the rest of the name is left over after the last record.
    assert_eq!(p.answers.len(), 2);
    assert_eq!(p.answers[1].rdata, RData::Raw(vec![1]));
    assert!(p.anomalies.trailing_bytes > 0);
    // Trailing bytes after a well-formed message are counted.
    m = hex(R_A);
    m.extend_from_slice(b"junk");
    assert_eq!(
        parse_message(&m)
            .expect("trailing")
            .anomalies
            .trailing_bytes,
        4
    );
}

#[test]
fn every_truncation_of_real_messages_fails_cleanly() {
    for msg in all_fixtures() {
        for cut in 0..msg.len() {
            let prefix = &msg[..cut];
            match parse_message(prefix) {
                Err(DnsError::ShortHeader { len }) => assert!(cut < HEADER_LEN && len == cut),
                Err(_) => assert!(cut >= HEADER_LEN),
                // A cut inside the record sections keeps what decoded.
                Ok(m) => assert!(
                    m.malformed.is_some()
                        || m.header.ancount + m.header.nscount + m.header.arcount == 0
                ),
            }
        }
        let full = parse_message(&msg).expect("fixture decodes");
        assert!(full.malformed.is_none());
    }
}

#[test]
fn probes() {
    for msg in all_fixtures() {
        assert!(probe_udp(&msg));
        let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&msg);
        assert_eq!(probe_tcp(&framed), Probe::Yes);
        // Partial frames: more is needed until the first question is whole.
        assert_eq!(probe_tcp(&framed[..1]), Probe::NeedMore);
        assert_eq!(probe_tcp(&framed[..10]), Probe::NeedMore);
        assert_eq!(probe_tcp(&framed[..16]), Probe::NeedMore);
    }
    assert!(!probe_udp(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"));
    assert!(!probe_udp(&hex("16030100e2010000de0303")));
    assert!(!probe_udp(&message(0, 0, &[])));
    assert!(!probe_udp(&message(17, 0, &hex("0161000001000100"))));
    assert_eq!(probe_tcp(b"GET / HTTP/1.1\r\n"), Probe::No);
    assert_eq!(probe_tcp(&hex("0005aabbccddee")), Probe::No);
}

/// Feeds `chunks` of one direction and collects what the sink got.
fn feed(p: &mut DnsTcpParser, dir: Direction, chunks: &[&[u8]]) -> Vec<Result<DnsTx, DnsError>> {
    let mut out = Vec::new();
    for c in chunks {
        p.parse(dir, c, &mut |d, r| {
            assert_eq!(d, dir);
            out.push(r);
        });
    }
    out
}

#[test]
fn tcp_framing_split_at_every_byte() {
    for (stream, dir) in [
        (TCP1_Q, Direction::ToServer),
        (TCP1_R, Direction::ToClient),
        (TCP2_Q, Direction::ToServer),
        (TCP2_R, Direction::ToClient),
    ] {
        let bytes = hex(stream);
        let whole = parse_message(&bytes[2..]).expect("frame");
        for cut in 0..=bytes.len() {
            let mut p = DnsTcpParser::new();
            let (a, b) = bytes.split_at(cut);
            let got = feed(&mut p, dir, &[a, b]);
            assert_eq!(got.len(), 1, "cut at {cut}");
            assert_eq!(got[0].as_ref().expect("ok").message, whole);
            assert_eq!(p.buffered(dir), 0);
        }
        // Byte by byte.
        let mut p = DnsTcpParser::new();
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(feed(&mut p, dir, &chunks).len(), 1);
    }
}

#[test]
fn tcp_coalesced_messages_and_both_directions() {
    // Two queries in one segment, split again at every position.
    let mut both = hex(TCP1_Q);
    both.extend_from_slice(&hex(TCP2_Q));
    for cut in 0..=both.len() {
        let mut p = DnsTcpParser::new();
        let (a, b) = both.split_at(cut);
        let got = feed(&mut p, Direction::ToServer, &[a, b]);
        let names: Vec<_> = got
            .iter()
            .map(|r| r.as_ref().expect("ok").message.questions[0].name.clone())
            .collect();
        assert_eq!(
            names,
            vec![b"www.example.test".to_vec(), b"example.test".to_vec()]
        );
    }
    // Directions are independent: a partial query does not disturb a response.
    let mut p = DnsTcpParser::new();
    let q = hex(TCP1_Q);
    assert!(feed(&mut p, Direction::ToServer, &[&q[..20]]).is_empty());
    let r = feed(&mut p, Direction::ToClient, &[&hex(TCP1_R)]);
    assert!(r[0].as_ref().expect("response").is_response());
    assert_eq!(feed(&mut p, Direction::ToServer, &[&q[20..]]).len(), 1);
    assert_eq!(p.stats().messages, 2);
}

#[test]
fn tcp_bad_frames_and_gaps() {
    // A frame too short for a header is reported and framing goes on.
    let mut stream = hex("0003aabbcc");
    stream.extend_from_slice(&hex(TCP2_Q));
    let mut p = DnsTcpParser::new();
    let got = feed(&mut p, Direction::ToServer, &[&stream]);
    assert!(matches!(got[0], Err(DnsError::ShortHeader { len: 3 })));
    assert!(got[1].is_ok());
    assert_eq!(p.stats().malformed, 1);

    // After a gap: data that does not start a frame is dropped; data that
    // does is parsed.
    let q = hex(TCP1_Q);
    let mut p = DnsTcpParser::new();
    assert!(feed(&mut p, Direction::ToServer, &[&q[..30]]).is_empty());
    p.gap(Direction::ToServer);
    assert_eq!(p.buffered(Direction::ToServer), 0);
    assert!(feed(&mut p, Direction::ToServer, &[&q[30..]]).is_empty());
    assert_eq!(p.stats().resync_dropped, (q.len() - 30) as u64);
    let got = feed(&mut p, Direction::ToServer, &[&hex(TCP2_Q)]);
    assert_eq!(got.len(), 1);
    assert!(got[0].is_ok());
}

/// xorshift64*: a seeded, dependency-free PRNG for the mutation tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut m = base.to_vec();
    for _ in 0..1 + rng.below(8) {
        match rng.below(6) {
            0 if !m.is_empty() => {
                let i = rng.below(m.len());
                m[i] = rng.next() as u8;
            }
            1 if !m.is_empty() => {
                let i = rng.below(m.len());
                m[i] ^= 1 << rng.below(8);
            }
            2 => {
                let i = rng.below(m.len() + 1);
                m.insert(i, [0x00, 0xc0, 0x3f, 0xff][rng.below(4)]);
            }
            3 if !m.is_empty() => {
                let i = rng.below(m.len());
                m.remove(i);
            }
            4 => {
                let i = rng.below(m.len() + 1);
                m.truncate(i);
            }
            _ => {
                // Pointer injection: aim at a random earlier offset.
                if m.len() > 2 {
                    let i = rng.below(m.len() - 1);
                    let t = rng.below(m.len()) as u16;
                    m[i..i + 2].copy_from_slice(&(0xc000 | t).to_be_bytes());
                }
            }
        }
    }
    m
}

/// Decoded bytes a message holds (names and RDATA).
fn decoded_size(m: &DnsMessage) -> usize {
    let q: usize = m.questions.iter().map(|q| q.name.len()).sum();
    let r: usize = m
        .answers
        .iter()
        .chain(&m.authorities)
        .chain(&m.additionals)
        .map(|r| {
            r.name.len()
                + match &r.rdata {
                    RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) | RData::Raw(n) => n.len(),
                    RData::Mx { exchange, .. } => exchange.len(),
                    RData::Txt(t) => t.iter().map(Vec::len).sum(),
                    _ => 16,
                }
        })
        .sum();
    q + r
}

#[test]
fn mutation_fuzz_never_panics_and_stays_bounded() {
    let fixtures = all_fixtures();
    let mut rng = Rng(0x5eed_d15e_a5e5_0001);
    for _ in 0..20_000 {
        let base = &fixtures[rng.below(fixtures.len())];
        let m = mutate(&mut rng, base);
        if let Ok(msg) = parse_message(&m) {
            let stored = msg.questions.len()
                + msg.answers.len()
                + msg.authorities.len()
                + msg.additionals.len();
            assert!(stored <= MAX_STORED_RECORDS);
            assert!(decoded_size(&msg) <= MAX_DECODED_BYTES + stored * 24);
            assert!(msg.questions.iter().all(|q| q.name.len() <= MAX_NAME_LEN));
        }
        let _ = probe_udp(&m);
        let _ = probe_tcp(&m);
        // As a TCP stream, in random pieces, with a random gap.
        let mut p = DnsTcpParser::new();
        let mut rest = &m[..];
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len());
            p.parse(Direction::ToClient, &rest[..n], &mut |_, _| {});
            assert!(p.buffered(Direction::ToClient) <= MAX_FRAME + 2);
            rest = &rest[n..];
            if rng.below(16) == 0 {
                p.gap(Direction::ToClient);
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    let mut p = DnsTcpParser::new();
    for _ in 0..5_000 {
        let len = rng.below(600);
        let mut m: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if m.len() >= 12 && rng.below(2) == 0 {
            m[4..6].copy_from_slice(&[0, 1]); // one question: get past the header
        }
        let _ = parse_message(&m);
        let _ = probe_udp(&m);
        p.parse(Direction::ToServer, &m, &mut |_, _| {});
        assert!(p.buffered(Direction::ToServer) <= MAX_FRAME + 2);
    }
}
