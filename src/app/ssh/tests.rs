//! SSH tests on captured bytes (see `fixtures`) and hand-made banners.

use super::fixtures::*;
use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    s.chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).expect("ascii"), 16).expect("hex"))
        .collect()
}

fn dir_of(from_client: bool) -> Direction {
    if from_client {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

/// Feeds steps in order, collecting rendered events.
fn run(steps: &[(Direction, &[u8])]) -> (SshState, Vec<String>) {
    let mut st = SshState::new();
    let mut ev = Vec::new();
    for (dir, data) in steps {
        st.parse(*dir, data, &mut |e| ev.push(format!("{e:?}")));
    }
    (st, ev)
}

/// The OpenSSH connection, one `parse` per captured TCP payload.
fn openssh_in_capture_order() -> (SshState, Vec<String>) {
    let (c, s) = (hex(OPENSSH_CLIENT), hex(OPENSSH_SERVER));
    let (mut ci, mut si) = (0, 0);
    let mut steps = Vec::new();
    for &(from_client, len) in OPENSSH_SEGMENTS {
        let (buf, at) = if from_client {
            (&c, &mut ci)
        } else {
            (&s, &mut si)
        };
        steps.push((dir_of(from_client), buf[*at..*at + len].to_vec()));
        *at += len;
    }
    assert_eq!((ci, si), (c.len(), s.len()));
    let steps: Vec<(Direction, &[u8])> = steps.iter().map(|(d, b)| (*d, &b[..])).collect();
    run(&steps)
}

fn values(tx: &dyn TxBuffers, id: BufferId) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    tx.visit(id, &mut |b| v.push(b.to_vec()));
    v
}

#[test]
fn openssh_session_banners_kex_and_encrypted_sizes() {
    let (st, ev) = openssh_in_capture_order();
    assert!(!ev.iter().any(|e| e.starts_with("Anomaly")), "{ev:?}");
    for dir in Direction::BOTH {
        let side = st.side(dir);
        let b = side.banner().expect("banner");
        assert_eq!(b.proto, b"2.0");
        assert_eq!(b.software, b"OpenSSH_9.2p1");
        assert_eq!(b.comments, b"Debian-2+deb12u10");
        assert!(side.kexinit().is_some() && side.newkeys());
        assert!(st.is_encrypted(dir));
    }
    // Clear packets: KEXINIT, ECDH init/reply, NEWKEYS (4 + packet_length each).
    let c = st.side(Direction::ToServer);
    assert_eq!(
        c.clear_stats(),
        ClearStats {
            packets: 3,
            bytes: 1560 + 1208 + 16
        }
    );
    let s = st.side(Direction::ToClient);
    assert_eq!(
        s.clear_stats(),
        ClearStats {
            packets: 3,
            bytes: 1088 + 1232 + 16
        }
    );
    // After NEWKEYS: the client's service request, `none` attempt and three
    // password attempts; the server's EXT_INFO (the tail of the segment that
    // carried its NEWKEYS), service accept and four USERAUTH_FAILUREs of equal
    // size, which is what Zeek's heuristic counts as failed attempts.
    assert_eq!(
        st.encrypted(Direction::ToServer).sizes,
        vec![44, 60, 148, 148, 148]
    );
    assert_eq!(
        st.encrypted(Direction::ToClient).sizes,
        vec![316, 44, 52, 52, 52, 52]
    );
    assert_eq!(st.encrypted(Direction::ToClient).packets, 6);
    assert_eq!(st.encrypted(Direction::ToClient).bytes, 316 + 44 + 4 * 52);
    // HASSH, cross-checked with an independent Python computation.
    let kc = c.kexinit().expect("client kex");
    assert_eq!(kc.hassh(true), "472b5de333ad665af5cbf10ff892c4df");
    assert!(kc.kex_algorithms.starts_with(b"sntrup761x25519-sha512,"));
    assert_eq!(
        s.kexinit().expect("server kex").hassh(false),
        "425d29fe50d8e4f5e37efb6e24bcf660"
    );
    // ssh.hassh comes from the client only, ssh.hassh.server from the server.
    assert_eq!(
        values(&st, BufferId::SshHassh),
        vec![b"472b5de333ad665af5cbf10ff892c4df".to_vec()]
    );
    assert_eq!(
        values(&st, BufferId::SshHasshServer),
        vec![b"425d29fe50d8e4f5e37efb6e24bcf660".to_vec()]
    );
    assert_eq!(
        values(&st, BufferId::SshHasshString),
        vec![kc.hassh_string(true)]
    );
    // Buffers: both sides from the state, one side from `side`.
    assert_eq!(
        values(&st, BufferId::SshProto),
        vec![b"2.0".to_vec(), b"2.0".to_vec()]
    );
    assert_eq!(
        values(c, BufferId::SshSoftware),
        vec![b"OpenSSH_9.2p1".to_vec()]
    );
    assert!(values(c, BufferId::TlsSni).is_empty());
    assert_eq!(
        st.buffered(Direction::ToServer) + st.buffered(Direction::ToClient),
        0
    );
}

#[test]
fn hassh_known_answer_and_lf_only_banners() {
    // suricata-verify ssh-hassh-reassembled expects this hash on both sides.
    let (st, ev) = run(&[
        (Direction::ToServer, &hex(CISCO_CLIENT)),
        (Direction::ToClient, &hex(CISCO_SERVER)),
    ]);
    assert!(!ev.iter().any(|e| e.starts_with("Anomaly")), "{ev:?}");
    let c = st.side(Direction::ToServer);
    assert_eq!(c.banner().expect("banner").proto, b"1.99");
    assert_eq!(c.banner().expect("banner").software, b"Cisco-1.25");
    let kc = c.kexinit().expect("kex");
    assert_eq!(kc.hassh(true), "3cc67862bceac0f334c62ad1b76895b4");
    assert_eq!(
        kc.hassh_string(true),
        b"diffie-hellman-group1-sha1;aes128-cbc,3des-cbc,aes192-cbc,aes256-cbc;\
          hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96;none"
    );
    let ks = st.side(Direction::ToClient).kexinit().expect("kex");
    assert_eq!(ks.hassh(false), "3cc67862bceac0f334c62ad1b76895b4");
    assert!(!st.is_encrypted(Direction::ToServer));
}

#[test]
fn streams_split_at_every_byte() {
    let (c, s) = (hex(OPENSSH_CLIENT), hex(OPENSSH_SERVER));
    let (want, want_ev) = run(&[(Direction::ToServer, &c), (Direction::ToClient, &s)]);
    for (dir, bytes) in [(Direction::ToServer, &c), (Direction::ToClient, &s)] {
        for cut in 0..=bytes.len() {
            let (st, ev) = run(&[(dir, &bytes[..cut]), (dir, &bytes[cut..])]);
            let (a, b) = (st.side(dir), want.side(dir));
            assert_eq!(a.banner(), b.banner(), "cut {cut}");
            assert_eq!(a.kexinit(), b.kexinit(), "cut {cut}");
            assert_eq!(a.clear_stats(), b.clear_stats(), "cut {cut}");
            assert_eq!(
                a.encrypted_stats().bytes,
                b.encrypted_stats().bytes,
                "cut {cut}"
            );
            let mine: Vec<_> = want_ev
                .iter()
                .filter(|e| e.contains(&format!("{dir:?}")))
                .collect();
            assert_eq!(ev.iter().collect::<Vec<_>>(), mine, "cut {cut}");
        }
        let (st, _) = run(&bytes.chunks(1).map(|b| (dir, b)).collect::<Vec<_>>());
        assert_eq!(st.side(dir).kexinit(), want.side(dir).kexinit());
    }
}

#[test]
fn banner_forms() {
    let banner = |line: &[u8]| parse_banner(line);
    let b = banner(b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1").expect("ok");
    assert_eq!(
        (&b.proto[..], &b.software[..], &b.comments[..]),
        (
            &b"2.0"[..],
            &b"OpenSSH_8.9p1"[..],
            &b"Ubuntu-3ubuntu0.1"[..]
        )
    );
    let b = banner(b"SSH-2.0-").expect("empty software is accepted");
    assert!(b.software.is_empty());
    let b = banner(b"SSH-2.0-Soft-Ware-1").expect("dashes in software");
    assert_eq!(b.software, b"Soft-Ware-1");
    assert_eq!(banner(b"SSH-2.0"), Err(SshError::BadBanner));
    assert_eq!(banner(b"SSH--x"), Err(SshError::BadBanner));
    assert_eq!(banner(b"HTTP/1.1 200"), Err(SshError::BadBanner));

    // CR LF and LF endings; a CR alone stays in the line (RFC 4253 wants CR LF).
    for line in [&b"SSH-2.0-X_1\r\n"[..], b"SSH-2.0-X_1\n"] {
        let (st, _) = run(&[(Direction::ToServer, line)]);
        assert_eq!(
            st.side(Direction::ToServer).banner().expect("b").software,
            b"X_1"
        );
    }
}

#[test]
fn lines_before_the_banner_and_oddities() {
    // RFC 4253 §4.2: a server may send lines first.
    let (st, ev) = run(&[(
        Direction::ToClient,
        b"Authorized use only.\r\nAll access is logged\r\nSSH-2.0-srv\r\n",
    )]);
    assert!(ev[0].starts_with("Banner"), "{ev:?}");
    assert_eq!(
        st.side(Direction::ToClient).banner().expect("b").software,
        b"srv"
    );
    // A client may not.
    let (st, ev) = run(&[(Direction::ToServer, b"hello\r\nSSH-2.0-cli\r\n")]);
    assert_eq!(ev, vec!["Anomaly(ToServer, NotSsh)".to_owned()]);
    assert!(st.side(Direction::ToServer).banner().is_none());
    // Too many lines, or an endless one, from a server.
    let many = "x\r\n".repeat(40);
    let (_, ev) = run(&[(Direction::ToClient, many.as_bytes())]);
    assert_eq!(ev, vec!["Anomaly(ToClient, NotSsh)".to_owned()]);
    let endless = vec![b'y'; 10_000];
    let (st, ev) = run(&[(Direction::ToClient, &endless)]);
    assert_eq!(ev, vec!["Anomaly(ToClient, NotSsh)".to_owned()]);
    assert!(st.buffered(Direction::ToClient) <= MAX_LINE);
    // An over-long banner is cut and reported, then parsing goes on.
    let mut long = b"SSH-2.0-".to_vec();
    long.extend(std::iter::repeat_n(b'A', 400));
    long.extend_from_slice(b" comment\r\n");
    let (st, ev) = run(&[(Direction::ToServer, &long)]);
    assert_eq!(ev[0], "Anomaly(ToServer, LongBanner)");
    let b = st.side(Direction::ToServer).banner().expect("cut banner");
    assert_eq!(b.software.len(), MAX_LINE - 1 - 8);
    assert!(!st.is_encrypted(Direction::ToServer));
    // SSH 1: only counted.
    let (st, ev) = run(&[
        (Direction::ToClient, b"SSH-1.5-old\n\x00\x00\x00\x10garbage"),
        (Direction::ToClient, b"more"),
    ]);
    assert!(ev.contains(&"Anomaly(ToClient, NotVersion2)".to_owned()));
    assert_eq!(st.encrypted(Direction::ToClient).sizes, vec![11, 4]);
    // A banner that does not parse still moves on to packets.
    let (_, ev) = run(&[(Direction::ToServer, b"SSH-2.0\r\n")]);
    assert_eq!(ev, vec!["Anomaly(ToServer, BadBanner)".to_owned()]);
}

#[test]
fn bad_packets_gaps_and_direct_counting() {
    // packet_length 0xffffff00: framing lost, counted from there on.
    let (st, ev) = run(&[
        (
            Direction::ToServer,
            b"SSH-2.0-x\r\n\xff\xff\xff\x00\x04\x14rest",
        ),
        (Direction::ToServer, b"next"),
    ]);
    assert!(ev[1].starts_with("Anomaly(ToServer, BadPacket"), "{ev:?}");
    assert!(st.is_encrypted(Direction::ToServer));
    assert_eq!(st.encrypted(Direction::ToServer).sizes, vec![4, 4]);
    // Padding shorter than 4 is not a valid packet either.
    let (_, ev) = run(&[(
        Direction::ToServer,
        b"SSH-2.0-x\r\n\x00\x00\x00\x10\x02\x14",
    )]);
    assert!(ev[1].contains("padding_length: 2"), "{ev:?}");

    // A gap before key exchange stops the direction.
    let c = hex(OPENSSH_CLIENT);
    let mut st = SshState::new();
    let mut ev = Vec::new();
    st.parse(Direction::ToServer, &c[..100], &mut |e| {
        ev.push(format!("{e:?}"))
    });
    let before = ev.len();
    st.gap(Direction::ToServer);
    st.parse(Direction::ToServer, &c[200..], &mut |e| {
        ev.push(format!("{e:?}"))
    });
    assert_eq!(ev.len(), before, "nothing parsed after the gap");
    assert_eq!(st.gaps(Direction::ToServer), 1);
    assert!(st.side(Direction::ToServer).kexinit().is_none());
    assert_eq!(st.buffered(Direction::ToServer), 0);
    // After key exchange counting goes on.
    let (mut st, _) = openssh_in_capture_order();
    st.gap(Direction::ToClient);
    st.parse(Direction::ToClient, &[0; 52], &mut |_| {});
    assert_eq!(st.encrypted(Direction::ToClient).packets, 7);
    // Direct counting (e.g. past the stream depth), sizes capped.
    for i in 0..100 {
        st.record_encrypted(Direction::ToServer, i);
    }
    let e = st.encrypted(Direction::ToServer);
    assert_eq!(e.packets, 105);
    assert_eq!(e.sizes.len(), MAX_RECORDED_SIZES);
}

#[test]
fn kexinit_truncations() {
    let c = hex(CISCO_CLIENT);
    let nl = c.iter().position(|&b| b == b'\n').expect("lf") + 1;
    let payload = &c[nl + 5..]; // after packet_length and padding_length
    assert!(parse_kexinit(payload).is_ok());
    for cut in 0..payload.len() - 4 {
        // The padding and the reserved uint32 are not read; anything shorter fails.
        if cut < payload.len() - 4 - 4 {
            assert!(
                matches!(
                    parse_kexinit(&payload[..cut]),
                    Err(SshError::Truncated { .. })
                ),
                "cut {cut}"
            );
        }
    }
}

#[test]
fn probe_first_bytes() {
    assert_eq!(probe(b"SSH-2.0-OpenSSH_9.2p1\r\n"), Probe::Yes);
    assert_eq!(probe(b"SSH-"), Probe::Yes);
    assert_eq!(probe(b"SS"), Probe::NeedMore);
    assert_eq!(probe(b""), Probe::NeedMore);
    assert_eq!(probe(b"SSX-"), Probe::No);
    assert_eq!(probe(b"GET / HTTP/1.1"), Probe::No);
    // A server's pre-banner line is not recognised by the probe (Suricata's
    // pattern is also anchored at offset 0).
    assert_eq!(probe(b"Welcome\r\nSSH-2.0-x\r\n"), Probe::No);
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

#[test]
fn mutation_fuzz_never_panics_and_stays_bounded() {
    let bases = [
        hex(OPENSSH_CLIENT),
        hex(OPENSSH_SERVER),
        hex(CISCO_CLIENT),
        hex(CISCO_SERVER),
    ];
    let mut rng = Rng(0x55_4800);
    for _ in 0..3_000 {
        let mut m = bases[rng.below(bases.len())].clone();
        for _ in 0..1 + rng.below(6) {
            // Mutations concentrated on the clear part, where parsing happens.
            let hot = m.len().min(3_000);
            if hot == 0 {
                break;
            }
            match rng.below(5) {
                0 => {
                    let i = rng.below(hot);
                    m[i] = rng.next() as u8;
                }
                1 => {
                    let i = rng.below(hot);
                    m[i] ^= 1 << rng.below(8);
                }
                2 if m.len() > 1 => {
                    let i = rng.below(hot.min(m.len() - 1));
                    m.remove(i);
                }
                3 => {
                    let i = rng.below(hot);
                    m.insert(i, [b'\n', b'\r', 0xff, 0x14, 0x15][rng.below(5)]);
                }
                _ => {
                    let i = rng.below(m.len() + 1);
                    m.truncate(i);
                }
            }
        }
        let dir = if rng.below(2) == 0 {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let mut st = SshState::new();
        let mut rest = &m[..];
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len().min(700));
            st.parse(dir, &rest[..n], &mut |_| {});
            assert!(st.buffered(dir) <= MAX_LINE + MAX_KEXINIT);
            rest = &rest[n..];
            if rng.below(50) == 0 {
                st.gap(dir);
            }
        }
        assert!(st.encrypted(dir).sizes.len() <= MAX_RECORDED_SIZES);
        let _ = probe(&m);
        let _ = parse_banner(&m[..m.len().min(300)]);
        let _ = parse_kexinit(&m[m.len().min(40)..]);
    }
}

#[test]
fn random_bytes_after_a_banner_never_panic() {
    let mut rng = Rng(7);
    for _ in 0..2_000 {
        let mut st = SshState::new();
        let mut data = b"SSH-2.0-fuzz\r\n".to_vec();
        for _ in 0..rng.below(6) {
            // Plausible packet headers with random bodies.
            let len = 6 + rng.below(400);
            data.extend_from_slice(&(len as u32).to_be_bytes());
            data.push(4 + rng.below(8) as u8);
            data.push([20u8, 21, 30, 31, 5][rng.below(5)]);
            data.extend((0..len - 2).map(|_| rng.next() as u8));
        }
        let cut = rng.below(data.len());
        st.parse(Direction::ToClient, &data[..cut], &mut |_| {});
        st.parse(Direction::ToClient, &data[cut..], &mut |_| {});
        assert!(st.buffered(Direction::ToClient) <= MAX_LINE + MAX_KEXINIT);
    }
}
