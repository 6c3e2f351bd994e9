//! TLS tests on captured bytes (see `fixtures`) and on hellos rebuilt from
//! published fingerprints (the JA3 README's example, FoxIO's JA4 example and a
//! browser's published JA3/JA4 pair).

use super::fixtures::*;
use super::*;
use crate::flow::Direction;

fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    s.chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).expect("ascii"), 16).expect("hex"))
        .collect()
}

/// Feeds (direction, bytes) steps in order; returns the parser and the
/// events, rendered (they borrow the parser's state).
fn run(steps: &[(Direction, &[u8])]) -> (TlsParser, Vec<String>) {
    let mut p = TlsParser::new();
    let mut ev = Vec::new();
    for (dir, data) in steps {
        p.parse(*dir, data, &mut |e| ev.push(format!("{e:?}")));
    }
    (p, ev)
}

/// Length of the first record of a stream (header included).
fn first_record(stream: &[u8]) -> usize {
    5 + usize::from(u16::from_be_bytes([stream[3], stream[4]]))
}

/// A realistic interleaving: the client's first record, the server's
/// stream, the client's rest.
fn handshake(client: &[u8], server: &[u8]) -> (TlsParser, Vec<String>) {
    let n = first_record(client);
    run(&[
        (Direction::ToServer, &client[..n]),
        (Direction::ToClient, server),
        (Direction::ToServer, &client[n..]),
    ])
}

fn values(tx: &dyn TxBuffers, id: BufferId) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    tx.visit(id, &mut |b| v.push(b.to_vec()));
    v
}

#[test]
fn tls12_handshake_hellos_certificate_and_fingerprints() {
    let (p, ev) = handshake(&hex(TLS12_CLIENT), &hex(TLS12_SERVER));
    let tx = p.tx();
    let ch = tx.client_hello.as_ref().expect("client hello");
    assert_eq!(ch.version, 0x0303);
    assert_eq!(ch.sni.as_deref(), Some(&b"tls.example.test"[..]));
    assert_eq!(ch.alpn, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    assert_eq!(ch.cipher_suites.len(), 28);
    assert_eq!(ch.supported_groups, vec![29, 23, 30, 25, 24]);
    assert_eq!(ch.ec_point_formats, vec![0, 1, 2]);
    assert!(ch.supported_versions.is_empty());
    assert!(!ch.bad_extension);
    // Cross-checked with an independent Python implementation.
    assert_eq!(
        ch.ja3,
        "771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-\
         49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-16-22-23-13,29-23-30-25-24,0-1-2"
    );
    assert_eq!(ch.ja3_hash, "22558766122974704364c9c75c5cce0a");
    assert_eq!(ch.ja4, "t12d2808h2_d943125447b4_e7e480e5a997");

    let sh = tx.server_hello.as_ref().expect("server hello");
    assert_eq!((sh.version, sh.cipher_suite), (0x0303, 0xc030));
    assert_eq!(sh.alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(sh.ja3s, "771,49200,65281-11-35-16-23");
    assert_eq!(sh.ja3s_hash, "895252f3ce80cebf7a8837be83ec8e16");

    let cert = tx.server_certificate.as_ref().expect("certificate");
    let name = b"C=US, ST=Washington, L=Seattle, O=Ward Watch Test, OU=Sensors, \
                 CN=tls.example.test, Email=ops@example.test";
    assert_eq!(cert.subject, name);
    assert_eq!(cert.issuer, name);
    assert_eq!(cert.serial, "00:8A:1B:2C:3D:4E:5F:60:71");
    assert_eq!(cert.chain_len, 1);

    assert!(p.is_encrypted(Direction::ToServer) && p.is_encrypted(Direction::ToClient));
    // Only the clear messages were decoded; the encrypted Finished and the
    // encrypted close_notify alerts were only framed.
    assert_eq!(p.stats(Direction::ToServer).handshake_messages, 2);
    assert_eq!(p.stats(Direction::ToClient).handshake_messages, 5);
    assert_eq!(p.stats(Direction::ToClient).records, 8);
    assert!(
        !ev.iter()
            .any(|e| e.starts_with("Alert") || e.starts_with("Anomaly"))
    );

    // Detection buffers.
    assert_eq!(
        values(tx, BufferId::TlsSni),
        vec![b"tls.example.test".to_vec()]
    );
    assert_eq!(
        values(tx, BufferId::Ja3Hash),
        vec![b"22558766122974704364c9c75c5cce0a".to_vec()]
    );
    assert_eq!(
        values(tx, BufferId::Ja3String),
        vec![ch.ja3.as_bytes().to_vec()]
    );
    assert_eq!(
        values(tx, BufferId::Ja3sHash),
        vec![b"895252f3ce80cebf7a8837be83ec8e16".to_vec()]
    );
    assert_eq!(values(tx, BufferId::TlsCertSubject), vec![name.to_vec()]);
    assert_eq!(values(tx, BufferId::TlsCertIssuer), vec![name.to_vec()]);
    assert_eq!(
        values(tx, BufferId::TlsCertSerial),
        vec![b"00:8A:1B:2C:3D:4E:5F:60:71".to_vec()]
    );
    // tls.certs: the certificate's DER (a SEQUENCE with a long length).
    let certs = values(tx, BufferId::TlsCerts);
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].len(), cert.der_len);
    assert_eq!(&certs[0][..2], &[0x30, 0x82]);
    assert!(has(&certs[0], b"tls.example.test"));
    assert!(values(tx, BufferId::HttpUri).is_empty());
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn tls_certs_holds_every_certificate_of_the_chain() {
    // Certificate message body: a chain of three opaque entries; only the
    // first must be a certificate, the rest are served as they are.
    let (p, _) = handshake(&hex(TLS12_CLIENT), &hex(TLS12_SERVER));
    let first = p
        .tx()
        .server_certificate
        .as_ref()
        .expect("certificate")
        .certs[0]
        .clone();
    let mut list = Vec::new();
    for der in [&first[..], b"\x30\x03\x02\x01\x07", b"\x30\x00"] {
        list.extend_from_slice(&(der.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(der);
    }
    let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
    body.extend_from_slice(&list);
    let cert = ServerCertificate::parse(&body)
        .expect("parses")
        .expect("a chain");
    assert_eq!(cert.chain_len, 3);
    let mut seen = Vec::new();
    cert.visit(BufferId::TlsCerts, &mut |c| seen.push(c.to_vec()));
    assert_eq!(
        seen,
        [
            first,
            b"\x30\x03\x02\x01\x07".to_vec(),
            b"\x30\x00".to_vec()
        ]
    );
}

#[test]
fn tls13_handshake_switches_both_directions_at_server_hello() {
    let (p, ev) = handshake(&hex(TLS13_CLIENT), &hex(TLS13_SERVER));
    let tx = p.tx();
    let ch = tx.client_hello.as_ref().expect("client hello");
    assert_eq!(ch.sni.as_deref(), Some(&b"tls13.example.test"[..]));
    assert_eq!(ch.max_version(), 0x0304);
    assert_eq!(ch.ja3_hash, "5a1edc7f170af1014fc65c994878e63c");
    assert_eq!(ch.ja4, "t13d3111h2_e8f1e7e78f70_1f22a2ca17c4");
    let sh = tx.server_hello.as_ref().expect("server hello");
    assert_eq!(sh.negotiated_version(), 0x0304);
    assert_eq!(sh.cipher_suite, 0x1302);
    assert!(!sh.hello_retry_request);
    assert_eq!(sh.ja3s, "771,4866,43-51");
    assert!(tx.server_certificate.is_none(), "encrypted in TLS 1.3");
    let starts: Vec<_> = ev.iter().filter(|e| e.starts_with("Encryption")).collect();
    assert_eq!(starts.len(), 2);
    // The server's ChangeCipherSpec and encrypted records, the client's
    // middlebox ChangeCipherSpec and its three encrypted records.
    assert_eq!(p.stats(Direction::ToClient).app_data_records, 1);
    assert_eq!(p.stats(Direction::ToClient).app_data_bytes, 32);
    assert_eq!(p.stats(Direction::ToServer).app_data_records, 3);
    assert_eq!(p.stats(Direction::ToServer).handshake_messages, 1);
}

#[test]
fn no_sni_and_a_multi_valued_rdn() {
    let (p, _) = run(&[
        (Direction::ToServer, &hex(TLS12_NOSNI_CLIENT)),
        (Direction::ToClient, &hex(TLS12_ECDSA_SERVER)),
    ]);
    let tx = p.tx();
    let ch = tx.client_hello.as_ref().expect("client hello");
    assert_eq!(ch.sni, None);
    assert!(ch.alpn.is_empty());
    assert_eq!(ch.ja3_hash, "fbe7e189e37a07ee33706f86bc746344");
    assert_eq!(ch.ja4, "t12i280600_d943125447b4_e7e480e5a997");
    assert!(values(tx, BufferId::TlsSni).is_empty());
    let cert = tx.server_certificate.as_ref().expect("certificate");
    assert_eq!(cert.subject, b"CN=small.example.test, O=Ward + OU=Multi");
    assert_eq!(cert.serial, "07");
    assert_eq!(
        tx.server_hello.as_ref().map(|h| h.ja3s_hash.as_str()),
        Some("abade5a4a7f42baf54766e5d108283b6")
    );
}

#[test]
fn hello_retry_request_keeps_parsing_the_second_client_hello() {
    let c = hex(HRR_CLIENT);
    let s = hex(HRR_SERVER);
    let n1 = first_record(&c);
    let n2 = n1 + 6; // the client's middlebox ChangeCipherSpec
    let s1 = first_record(&s);
    let (p, ev) = run(&[
        (Direction::ToServer, &c[..n1]),
        (Direction::ToClient, &s[..s1 + 6]),
        (Direction::ToServer, &c[n1..n2]),
        (Direction::ToServer, &c[n2..]),
        (Direction::ToClient, &s[s1 + 6..]),
    ]);
    let hellos = ev.iter().filter(|e| e.starts_with("ClientHello")).count();
    let server_hellos = ev.iter().filter(|e| e.starts_with("ServerHello")).count();
    assert_eq!((hellos, server_hellos), (2, 2));
    let tx = p.tx();
    assert!(tx.hello_retry_request);
    assert!(!tx.server_hello.as_ref().expect("final").hello_retry_request);
    assert_eq!(values(tx, BufferId::TlsSni), vec![b"ftp.nluug.nl".to_vec()]);
    assert!(p.is_encrypted(Direction::ToServer) && p.is_encrypted(Direction::ToClient));
}

#[test]
fn certificate_subject_with_nul_matches_suricata() {
    let f = parse_certificate(&hex(SUBJECT_ZERO_CERT)).expect("certificate");
    // The content of suricata-verify's tls-subject-zero rule, byte for byte.
    assert_eq!(
        f.subject,
        b"C=US, ST=WA, L=Redmond, O=Microsoft Corporat\0on, OU=Microsoft Corporation, CN=go.microsoft.com"
    );
    assert_eq!(
        f.issuer,
        b"C=US, O=Microsoft Corporation, CN=Microsoft RSA TLS CA 01"
    );
    assert_eq!(
        format_serial(&f.serial),
        "12:00:1F:1F:B8:02:9F:C1:BD:63:55:EC:B2:00:00:00:1F:1F:B8"
    );
}

#[test]
fn x509_helpers() {
    assert_eq!(
        oid_to_dotted(&[0x55, 0x04, 0x03]).as_deref(),
        Some("2.5.4.3")
    );
    assert_eq!(
        oid_to_dotted(&hex("2a864886f70d010901")).as_deref(),
        Some("1.2.840.113549.1.9.1")
    );
    assert_eq!(
        oid_to_dotted(&hex("0992268993f22c640119")).as_deref(),
        Some("0.9.2342.19200300.100.1.25")
    );
    assert_eq!(oid_to_dotted(&[]), None);
    assert_eq!(oid_to_dotted(&[0x55, 0x84]), None, "ends mid-arc");
    assert_eq!(oid_to_dotted(&[0xff; 12]), None, "arc over 64 bits");
    assert_eq!(format_serial(&[0x00, 0xab, 0x01]), "00:AB:01");
    assert_eq!(format_serial(&[]), "");
    // A hand-made name: an unknown attribute type, a BMPString, an OCTET
    // STRING value (hex), two RDNs.
    let name = hex("3040 \
         310e 300c 0603 550461 0c05 6869206f6b \
         310e 300c 0603 550403 1e05 00e900e900 \
         311e 300c 0603 55040a 0405 deadbeef00 300e 0603 550403 0c07 6578616d706c65");
    let mut cert = hex("3082 0000 3082 0000 a003020102 020107 300a06082a8648ce3d040302");
    cert.extend_from_slice(&name);
    cert.extend_from_slice(&hex("3000"));
    cert.extend_from_slice(&name);
    let tbs_len = (cert.len() - 8) as u16;
    cert[6..8].copy_from_slice(&tbs_len.to_be_bytes());
    let all_len = (cert.len() - 4) as u16;
    cert[2..4].copy_from_slice(&all_len.to_be_bytes());
    let f = parse_certificate(&cert).expect("hand-made");
    assert_eq!(
        String::from_utf8_lossy(&f.subject),
        "OID(2.5.4.97)=hi ok, CN=éé\u{fffd}, O=DEADBEEF00 + CN=example"
    );
    assert_eq!(f.serial, vec![7]);
}

/// TLS extension builders for hand-made hellos.
fn ext(ty: u16, body: &[u8]) -> Vec<u8> {
    let mut e = ty.to_be_bytes().to_vec();
    e.extend_from_slice(&(body.len() as u16).to_be_bytes());
    e.extend_from_slice(body);
    e
}

fn list16(values: &[u16], len_bytes: usize) -> Vec<u8> {
    let mut b = Vec::new();
    let n = values.len() * 2;
    if len_bytes == 2 {
        b.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        b.push(n as u8);
    }
    for v in values {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b
}

fn sni_ext(name: &str) -> Vec<u8> {
    let mut entry = vec![0u8];
    entry.extend_from_slice(&(name.len() as u16).to_be_bytes());
    entry.extend_from_slice(name.as_bytes());
    let mut b = (entry.len() as u16).to_be_bytes().to_vec();
    b.extend_from_slice(&entry);
    ext(0, &b)
}

fn alpn_ext(names: &[&[u8]]) -> Vec<u8> {
    let mut l = Vec::new();
    for n in names {
        l.push(n.len() as u8);
        l.extend_from_slice(n);
    }
    let mut b = (l.len() as u16).to_be_bytes().to_vec();
    b.extend_from_slice(&l);
    ext(16, &b)
}

/// A ClientHello body with the given version, ciphers and extensions.
fn client_hello(version: u16, ciphers: &[u16], exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&[0x11; 32]);
    b.push(0);
    b.extend_from_slice(&list16(ciphers, 2));
    b.extend_from_slice(&[1, 0]);
    let e: Vec<u8> = exts.concat();
    b.extend_from_slice(&(e.len() as u16).to_be_bytes());
    b.extend_from_slice(&e);
    b
}

/// Wraps a handshake body into one record.
fn record(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![22, 3, 1];
    r.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
    r.push(msg_type);
    r.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    r.extend_from_slice(body);
    r
}

#[test]
fn ja3_known_answer_from_the_ja3_readme() {
    // The example of salesforce/ja3's README, GREASE values added (they must
    // not change anything).
    let body = client_hello(
        769,
        &[
            0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4,
        ],
        &[
            ext(0x2a2a, &[]),
            sni_ext("example.com"),
            ext(10, &list16(&[0x3a3a, 23, 24, 25], 2)),
            ext(11, &[1, 0]),
        ],
    );
    let h = ClientHello::parse(&body).expect("hello");
    assert_eq!(
        h.ja3,
        "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"
    );
    assert_eq!(h.ja3_hash, "ada70206e40642a3e4461f35503241d5");
}

#[test]
fn ja3_and_ja4_known_answer_from_a_published_browser_hello() {
    // A browser's ClientHello as published with its fingerprints (JA3
    // 98487aa1..., JA4 t13d1516h2_8daaf6152771_d8a2da3f94cd, and the raw
    // forms), rebuilt from its JA4_ro listing with GREASE values put back.
    let ciphers = [
        0x5a5a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
        0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
    ];
    let sigs = [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
    ];
    let exts = vec![
        ext(0x8a8a, &[]),
        ext(0x002d, &[1, 1]),
        ext(0x0033, &hex("0000")),
        alpn_ext(&[b"h2", b"http/1.1"]),
        ext(0xfe0d, &[0; 8]),
        ext(0x0017, &[]),
        ext(0x44cd, &hex("000302683200")),
        sni_ext("tls.browserleaks.com"),
        ext(0x000b, &[1, 0]),
        ext(0x000a, &list16(&[0x4a4a, 4588, 29, 23, 24], 2)),
        ext(0x002b, &list16(&[0x6a6a, 0x0304, 0x0303], 1)),
        ext(0xff01, &[0]),
        ext(0x0023, &[]),
        ext(0x0012, &[]),
        ext(0x0005, &hex("0100000000")),
        ext(0x000d, &list16(&sigs, 2)),
        ext(0x001b, &hex("020002")),
        ext(0xdada, &[0]),
    ];
    let h = ClientHello::parse(&client_hello(0x0303, &ciphers, &exts)).expect("hello");
    assert_eq!(
        h.ja3,
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,\
         45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0"
    );
    assert_eq!(h.ja3_hash, "98487aa16281980e7d1120d399efb6a4");
    assert_eq!(h.ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
    assert_eq!(
        h.ja4_raw,
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_\
         0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_\
         0403,0804,0401,0503,0805,0501,0806,0601"
    );
    assert_eq!(h.sni.as_deref(), Some(&b"tls.browserleaks.com"[..]));
    assert_eq!(h.supported_versions, vec![0x6a6a, 0x0304, 0x0303]);
    assert_eq!(h.max_version(), 0x0304);
}

#[test]
fn ja4_known_answers_from_the_foxio_spec() {
    // technical_details/JA4.md: the example and its "no signature
    // algorithms" variant.
    let ciphers = [
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
        0x009c, 0x009d, 0x002f, 0x0035,
    ];
    let exts = [
        0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
        0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
    ];
    let sigs = [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
    ];
    let mut input = Ja4Input {
        transport: 't',
        legacy_version: 0x0303,
        supported_versions: &[0x0304, 0x0303],
        ciphers: &ciphers,
        extensions: &exts,
        first_alpn: Some(b"h2"),
        signature_algorithms: &sigs,
    };
    let (hash, raw) = ja4(&input);
    assert_eq!(hash, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_eq!(
        raw,
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_\
         0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_\
         0403,0804,0401,0503,0805,0501,0806,0601"
    );
    input.signature_algorithms = &[];
    assert!(ja4(&input).0.ends_with("_6d807ffa2a79"));
    // Empty fields are zeros; no supported_versions: the legacy version.
    input.ciphers = &[];
    input.extensions = &[0x0000, 0x0010, 0x1a1a];
    input.supported_versions = &[];
    input.first_alpn = None;
    assert_eq!(ja4(&input).0, "t12d000200_000000000000_000000000000");
}

#[test]
fn ja4_alpn_characters() {
    let a = |alpn: &[u8]| {
        let input = Ja4Input {
            transport: 't',
            legacy_version: 0x0301,
            supported_versions: &[],
            ciphers: &[],
            extensions: &[],
            first_alpn: Some(alpn),
            signature_algorithms: &[],
        };
        ja4(&input).0[8..10].to_owned()
    };
    // The spec's examples for non-alphanumeric values.
    assert_eq!(a(&[0xab]), "ab");
    assert_eq!(a(&[0xab, 0xcd]), "ad");
    assert_eq!(a(&[0x30, 0xab]), "3b");
    assert_eq!(a(&[0x30, 0x31, 0xab, 0xcd]), "3d");
    assert_eq!(a(&[0x30, 0xab, 0xcd, 0x31]), "01");
    assert_eq!(a(b"http/1.1"), "h1");
    assert_eq!(a(b"x"), "xx");
    assert_eq!(a(b""), "00");
}

#[test]
fn grease_values() {
    let all: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease(v)).collect();
    assert_eq!(all.len(), 16);
    assert_eq!(all[0], 0x0a0a);
    assert_eq!(all[15], 0xfafa);
    assert!(!is_grease(0x0a1a));
}

#[test]
fn probe_first_bytes() {
    for s in [
        TLS12_CLIENT,
        TLS12_SERVER,
        TLS13_CLIENT,
        TLS13_SERVER,
        HRR_SERVER,
    ] {
        let b = hex(s);
        assert_eq!(probe(&b), Probe::Yes);
        for n in 0..6 {
            assert_eq!(probe(&b[..n]), Probe::NeedMore, "{n} bytes");
        }
    }
    assert_eq!(probe(b"GET / HTTP/1.1\r\n"), Probe::No);
    assert_eq!(probe(b"SSH-2.0-OpenSSH_9.2p1\r\n"), Probe::No);
    assert_eq!(probe(&hex("1603050010 01")), Probe::No);
    assert_eq!(probe(&hex("1703030010 01")), Probe::No);
    assert_eq!(
        probe(&hex("1603010010 0b")),
        Probe::No,
        "a Certificate first"
    );
    assert_eq!(
        probe(&hex("1603010002 01")),
        Probe::No,
        "too short for a hello"
    );
}

/// Rewrites the handshake records of a stream: consecutive handshake
/// payloads are concatenated and re-cut into records of `frag` bytes
/// (`usize::MAX`: one record); other records are copied.
fn reframe(stream: &[u8], frag: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut hs = Vec::new();
    let flush = |hs: &mut Vec<u8>, out: &mut Vec<u8>| {
        for piece in hs.chunks(frag.min(16_384)) {
            out.extend_from_slice(&[22, 3, 3]);
            out.extend_from_slice(&(piece.len() as u16).to_be_bytes());
            out.extend_from_slice(piece);
        }
        hs.clear();
    };
    let mut p = 0;
    let mut encrypted = false;
    while p + 5 <= stream.len() {
        let len = usize::from(u16::from_be_bytes([stream[p + 3], stream[p + 4]]));
        let rec = &stream[p..p + 5 + len];
        if rec[0] == 22 && !encrypted {
            hs.extend_from_slice(&rec[5..]);
        } else {
            flush(&mut hs, &mut out);
            encrypted |= rec[0] == 20;
            out.extend_from_slice(rec);
        }
        p += 5 + len;
    }
    flush(&mut hs, &mut out);
    out
}

fn summary(p: &TlsParser) -> (TlsTx, bool, bool) {
    (
        p.tx().clone(),
        p.is_encrypted(Direction::ToServer),
        p.is_encrypted(Direction::ToClient),
    )
}

#[test]
fn records_and_handshake_messages_split_anywhere() {
    for (c, s) in [
        (TLS12_CLIENT, TLS12_SERVER),
        (TLS13_CLIENT, TLS13_SERVER),
        (TLS12_NOSNI_CLIENT, TLS12_ECDSA_SERVER),
    ] {
        let (c, s) = (hex(c), hex(s));
        let n = first_record(&c);
        let (reference, ref_events) = handshake(&c, &s);
        let want = summary(&reference);
        // Every split point of the client hello record and of the server stream.
        for cut in 0..=n {
            let (p, ev) = run(&[
                (Direction::ToServer, &c[..cut]),
                (Direction::ToServer, &c[cut..n]),
                (Direction::ToClient, &s),
                (Direction::ToServer, &c[n..]),
            ]);
            assert_eq!(summary(&p), want, "client cut {cut}");
            assert_eq!(ev, ref_events);
        }
        for cut in 0..=s.len() {
            let (p, ev) = run(&[
                (Direction::ToServer, &c[..n]),
                (Direction::ToClient, &s[..cut]),
                (Direction::ToClient, &s[cut..]),
                (Direction::ToServer, &c[n..]),
            ]);
            assert_eq!(summary(&p), want, "server cut {cut}");
            assert_eq!(ev, ref_events);
        }
        // Byte by byte.
        let mut steps: Vec<(Direction, &[u8])> =
            c[..n].chunks(1).map(|b| (Direction::ToServer, b)).collect();
        steps.extend(s.chunks(1).map(|b| (Direction::ToClient, b)));
        steps.extend(c[n..].chunks(1).map(|b| (Direction::ToServer, b)));
        assert_eq!(summary(&run(&steps).0), want);
    }
}

#[test]
fn handshake_messages_spanning_records_and_sharing_them() {
    let (c, s) = (hex(TLS12_CLIENT), hex(TLS12_SERVER));
    let want = summary(&handshake(&c, &s).0);
    for frag in [1, 2, 3, 5, 7, 100, 1000, usize::MAX] {
        let (c2, s2) = (reframe(&c, frag), reframe(&s, frag));
        let (p, ev) = run(&[(Direction::ToServer, &c2), (Direction::ToClient, &s2)]);
        assert_eq!(summary(&p), want, "fragment size {frag}");
        assert!(
            !ev.iter().any(|e| e.starts_with("Anomaly")),
            "{frag}: {ev:?}"
        );
    }
}

#[test]
fn anomalies_stop_or_skip() {
    // Not TLS.
    let (p, ev) = run(&[(Direction::ToServer, b"GET / HTTP/1.1\r\n\r\n")]);
    assert!(p.is_stopped(Direction::ToServer));
    assert!(ev[0].contains("BadRecordHeader"));
    // A record longer than TLS allows.
    let (p, ev) = run(&[(Direction::ToClient, &hex("1603034801"))]);
    assert!(p.is_stopped(Direction::ToClient));
    assert!(ev[0].contains("RecordTooLong"));
    // A handshake message over the cap is skipped, and the next one parsed.
    let mut stream = Vec::new();
    let big = 70_000usize;
    let mut hs = vec![0x0b];
    hs.extend_from_slice(&(big as u32).to_be_bytes()[1..]);
    hs.extend(std::iter::repeat_n(0u8, big));
    hs.extend_from_slice(&hex(TLS12_NOSNI_CLIENT)[5..]);
    for piece in hs.chunks(16_384) {
        stream.extend_from_slice(&[22, 3, 3]);
        stream.extend_from_slice(&(piece.len() as u16).to_be_bytes());
        stream.extend_from_slice(piece);
    }
    let mut p = TlsParser::new();
    let mut ev = Vec::new();
    for chunk in stream.chunks(1460) {
        p.parse(Direction::ToServer, chunk, &mut |e| {
            ev.push(format!("{e:?}"))
        });
        assert!(p.buffered(Direction::ToServer) <= MAX_HANDSHAKE + 4);
    }
    assert!(ev[0].contains("HandshakeTooLong"));
    assert!(p.tx().client_hello.is_some());
    // A truncated ClientHello body is reported, not fatal.
    let body = client_hello(0x0303, &[0x1301], &[sni_ext("a.example")]);
    let (p, ev) = run(&[(Direction::ToServer, &record(1, &body[..50]))]);
    assert!(ev[0].contains("Malformed"), "{ev:?}");
    assert!(!p.is_stopped(Direction::ToServer));
    // A gap stops the direction; later bytes are ignored.
    let mut p = TlsParser::new();
    let mut ev = Vec::new();
    p.gap(Direction::ToServer);
    p.parse(Direction::ToServer, &hex(TLS12_CLIENT), &mut |e| {
        ev.push(format!("{e:?}"))
    });
    assert!(ev.is_empty());
    assert!(p.is_stopped(Direction::ToServer) && p.tx().client_hello.is_none());
    assert_eq!(p.gaps(Direction::ToServer), 1);
    // A clear alert is reported.
    let (_, ev) = run(&[(Direction::ToClient, &hex("15030300020228"))]);
    assert_eq!(
        ev,
        vec!["Alert { dir: ToClient, level: 2, description: 40 }".to_owned()]
    );
    // Extension block with a bad length.
    let mut body = client_hello(0x0303, &[0x1301], &[sni_ext("a.example")]);
    let at = body.len() - sni_ext("a.example").len() + 3; // the SNI extension's length
    body[at] += 1;
    assert!(matches!(
        ClientHello::parse(&body),
        Err(TlsError::BadExtensions { .. })
    ));
}

/// xorshift64*: a seeded PRNG for the mutation tests.
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
    for _ in 0..1 + rng.below(6) {
        match rng.below(5) {
            0 if !m.is_empty() => {
                let i = rng.below(m.len());
                m[i] = rng.next() as u8;
            }
            1 if !m.is_empty() => {
                let i = rng.below(m.len());
                m[i] ^= 1 << rng.below(8);
            }
            2 if !m.is_empty() => {
                let i = rng.below(m.len());
                m.remove(i);
            }
            3 => {
                let i = rng.below(m.len() + 1);
                m.insert(i, [0x00, 0xff, 0x16, 0x03][rng.below(4)]);
            }
            _ => {
                let i = rng.below(m.len() + 1);
                m.truncate(i);
            }
        }
    }
    m
}

#[test]
fn mutation_fuzz_never_panics_and_stays_bounded() {
    let streams: Vec<(Vec<u8>, Vec<u8>)> = [
        (TLS12_CLIENT, TLS12_SERVER),
        (TLS13_CLIENT, TLS13_SERVER),
        (TLS12_NOSNI_CLIENT, TLS12_ECDSA_SERVER),
        (HRR_CLIENT, HRR_SERVER),
    ]
    .iter()
    .map(|(c, s)| (hex(c), hex(s)))
    .collect();
    let cert = hex(SUBJECT_ZERO_CERT);
    let mut rng = Rng(0x7153_0001);
    for _ in 0..3_000 {
        let (c, s) = &streams[rng.below(streams.len())];
        let (c, s) = (mutate(&mut rng, c), mutate(&mut rng, s));
        let mut p = TlsParser::new();
        let (mut ci, mut si) = (&c[..], &s[..]);
        while !ci.is_empty() || !si.is_empty() {
            let (dir, rest) = if rng.below(2) == 0 && !ci.is_empty() || si.is_empty() {
                (Direction::ToServer, &mut ci)
            } else {
                (Direction::ToClient, &mut si)
            };
            let n = 1 + rng.below(rest.len().min(600));
            let (a, b) = rest.split_at(n);
            p.parse(dir, a, &mut |_| {});
            *rest = b;
            assert!(p.buffered(dir) <= MAX_HANDSHAKE + 4);
        }
        let _ = probe(&c);
        // The pure parsers on mutated bodies.
        let _ = ClientHello::parse(&mutate(&mut rng, &c[5.min(c.len())..]));
        let _ = parse_certificate(&mutate(&mut rng, &cert));
        let _ = ServerCertificate::parse(&mutate(&mut rng, &s[5.min(s.len())..]));
    }
}

#[test]
fn random_records_never_panic() {
    let mut rng = Rng(99);
    for _ in 0..2_000 {
        let mut p = TlsParser::new();
        // Valid-looking record headers around random bodies and lengths.
        let mut stream = Vec::new();
        for _ in 0..rng.below(8) {
            let ty = [20u8, 21, 22, 22, 22, 23][rng.below(6)];
            let len = rng.below(300);
            stream.extend_from_slice(&[ty, 3, rng.below(5) as u8]);
            stream.extend_from_slice(&(len as u16).to_be_bytes());
            if ty == 22 && len >= 4 && rng.below(2) == 0 {
                stream.extend_from_slice(&[[1u8, 2, 11][rng.below(3)], 0, 0, (len - 4) as u8]);
                stream.extend((4..len).map(|_| rng.next() as u8));
            } else {
                stream.extend((0..len).map(|_| rng.next() as u8));
            }
        }
        for dir in Direction::BOTH {
            p.parse(dir, &stream, &mut |_| {});
            assert!(p.buffered(dir) <= MAX_HANDSHAKE + 4);
        }
    }
}
