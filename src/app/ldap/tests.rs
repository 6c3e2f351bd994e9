//! LDAP on messages captured here: OpenLDAP 2.5 clients (`ldapwhoami`,
//! `ldapsearch`) against slapd 2.5 on loopback
//! (`tests/fixtures/ldap/slapd-binds.pcap`), one connection each:
//! 1. simple bind cn=admin, right password, WhoAmI extended op, unbind;
//! 2. simple bind cn=admin, wrong password (invalidCredentials);
//! 3. simple bind cn=nobody (invalidCredentials);
//! 4. SASL DIGEST-MD5 as bob: saslBindInProgress, then invalidCredentials;
//! 5. StartTLS refused (protocolError: no TLS configured);
//! 6. anonymous bind and a subtree search with one entry.

use super::*;
use crate::app::Outcome;
use crate::app::testkit::{Recorder, Rng, conversations};

const PCAP: &[u8] = include_bytes!("../../../tests/fixtures/ldap/slapd-binds.pcap");

type Conn = Vec<(Direction, Vec<u8>)>;

fn connections() -> Vec<Conn> {
    conversations(PCAP, &[389])
        .into_iter()
        .map(|c| c.segments)
        .collect()
}

fn run(conns: &[Conn]) -> Recorder {
    let mut r = Recorder::default();
    for c in conns {
        let mut p = LdapParser::new();
        for (dir, d) in c {
            p.parse(*dir, d, &mut r);
        }
        p.close(Direction::ToServer, &mut r);
        p.close(Direction::ToClient, &mut r);
        assert_eq!(p.memory(), 0);
    }
    r
}

/// A BER element.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    if content.len() < 128 {
        v.push(content.len() as u8);
    } else {
        v.push(0x82);
        v.extend_from_slice(&(content.len() as u16).to_be_bytes());
    }
    v.extend_from_slice(content);
    v
}

/// An LDAPMessage with a BindResponse.
fn bind_response(id: u8, code: u8, message: &str) -> Vec<u8> {
    let mut op = tlv(0x0a, &[code]);
    op.extend(tlv(0x04, b""));
    op.extend(tlv(0x04, message.as_bytes()));
    let mut msg = tlv(0x02, &[id]);
    msg.extend(tlv(0x61, &op));
    tlv(0x30, &msg)
}

/// An LDAPMessage with a simple BindRequest.
fn simple_bind(id: u8, name: &str, password: &str) -> Vec<u8> {
    let mut op = tlv(0x02, &[3]);
    op.extend(tlv(0x04, name.as_bytes()));
    op.extend(tlv(0x80, password.as_bytes()));
    let mut msg = tlv(0x02, &[id]);
    msg.extend(tlv(0x60, &op));
    tlv(0x30, &msg)
}

#[test]
fn slapd_capture() {
    let conns = connections();
    assert_eq!(conns.len(), 6);
    for c in &conns {
        assert_eq!(probe(c[0].0, 389, &c[0].1), Probe::Yes);
        assert_eq!(probe(c[1].0, 389, &c[1].1), Probe::Yes);
    }
    let r = run(&conns);
    assert_eq!(
        r.login_triples(),
        vec![
            (
                "cn=admin,dc=example,dc=org".into(),
                Outcome::Success,
                "success".into()
            ),
            (
                "cn=admin,dc=example,dc=org".into(),
                Outcome::Failure,
                "invalidCredentials".into()
            ),
            (
                "cn=nobody,dc=example,dc=org".into(),
                Outcome::Failure,
                "invalidCredentials".into()
            ),
            (
                "bob".into(),
                Outcome::Failure,
                "invalidCredentials: SASL(-13): user not found: no secret in database \
                 [SASL DIGEST-MD5]"
                    .into()
            ),
        ]
    );
    // The anonymous bind of connection 6 is no login attempt.
    let rec: Vec<&serde_json::Value> = r.records.iter().map(|(_, v)| v).collect();
    assert_eq!(rec.len(), 15);
    assert_eq!(rec[0]["request"]["operation"], "bind_request");
    assert_eq!(rec[0]["request"]["message_id"], 1);
    assert_eq!(
        rec[0]["request"]["bind_request"]["name"],
        "cn=admin,dc=example,dc=org"
    );
    assert_eq!(
        rec[0]["responses"][0]["bind_response"]["result_code"],
        "success"
    );
    assert_eq!(
        rec[3]["responses"][0]["bind_response"]["result_code"],
        "invalid_credentials"
    );
    assert_eq!(
        rec[7]["request"]["bind_request"]["sasl"]["mechanism"],
        "DIGEST-MD5"
    );
    assert_eq!(
        rec[7]["responses"][0]["bind_response"]["result_code"],
        "sasl_bind_in_progress"
    );
    let search = &rec[13];
    assert_eq!(
        search["request"]["search_request"]["base_object"],
        "dc=example,dc=org"
    );
    assert_eq!(search["responses"].as_array().map(Vec::len), Some(2));
    // No password anywhere.
    let all = serde_json::to_string(&rec).expect("json");
    assert!(
        !all.contains("adminpw") && !all.contains("wrongpw"),
        "{all}"
    );
}

#[test]
fn every_split_gives_the_same() {
    for c in connections() {
        let whole = run(std::slice::from_ref(&c));
        for k in 0..c.len() {
            for cut in 1..c[k].1.len() {
                let mut split = c.clone();
                let (dir, data) = split.remove(k);
                split.insert(k, (dir, data[cut..].to_vec()));
                split.insert(k, (dir, data[..cut].to_vec()));
                let r = run(&[split]);
                assert_eq!(r.logins, whole.logins);
                assert_eq!(r.records, whole.records);
                assert_eq!(r.txs, whole.txs);
            }
        }
    }
}

#[test]
fn several_binds_in_one_connection_pipelined() {
    let mut p = LdapParser::new();
    let mut r = Recorder::default();
    let mut reqs = simple_bind(1, "cn=a", "x");
    reqs.extend(simple_bind(2, "cn=b", "y"));
    reqs.extend(simple_bind(3, "cn=c", "z"));
    p.parse(Direction::ToServer, &reqs, &mut r);
    let mut resps = bind_response(2, 0, "");
    resps.extend(bind_response(1, 49, ""));
    p.parse(Direction::ToClient, &resps, &mut r);
    p.close(Direction::ToClient, &mut r);
    assert_eq!(
        r.login_triples(),
        vec![
            ("cn=b".into(), Outcome::Success, "success".into()),
            ("cn=a".into(), Outcome::Failure, "invalidCredentials".into()),
            ("cn=c".into(), Outcome::Unknown, "no answer".into()),
        ]
    );
}

#[test]
fn active_directory_data_codes() {
    let mut p = LdapParser::new();
    let mut r = Recorder::default();
    for (id, data) in [(1u8, "52e"), (2, "775"), (3, "533"), (4, "999")] {
        p.parse(
            Direction::ToServer,
            &simple_bind(id, "HOSP\\nurse1", "pw"),
            &mut r,
        );
        let msg = format!(
            "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data {data}, v4563\0"
        );
        p.parse(Direction::ToClient, &bind_response(id, 49, &msg), &mut r);
    }
    let reasons: Vec<&str> = r.logins.iter().map(|l| l.reason.as_str()).collect();
    assert!(reasons[0].starts_with("invalidCredentials: 80090308: LdapErr"));
    assert!(
        reasons[0].ends_with("(invalid credentials)"),
        "{}",
        reasons[0]
    );
    assert!(reasons[1].ends_with("(account locked out)"));
    assert!(reasons[2].ends_with("(account disabled)"));
    assert!(!reasons[3].ends_with(')'));
    assert_eq!(r.logins[0].account.as_deref(), Some("HOSP\\nurse1"));
    // Another code: failure named by its code.
    p.parse(Direction::ToServer, &simple_bind(9, "cn=x", "pw"), &mut r);
    p.parse(Direction::ToClient, &bind_response(9, 53, ""), &mut r);
    assert_eq!(r.logins[4].reason, "unwillingToPerform");
}

#[test]
fn starttls_success_stops_parsing() {
    let c = &connections()[4];
    let (req, mut resp) = (c[0].1.clone(), c[1].1.clone());
    // The captured refusal, turned into a success (resultCode byte).
    let at = resp.iter().position(|b| *b == 0x0a).expect("enumerated") + 2;
    assert_eq!(resp[at], 2);
    resp[at] = 0;
    let mut p = LdapParser::new();
    let mut r = Recorder::default();
    p.parse(Direction::ToServer, &req, &mut r);
    p.parse(Direction::ToClient, &resp, &mut r);
    assert!(p.stopped(Direction::ToServer) && p.stopped(Direction::ToClient));
    p.parse(Direction::ToServer, &simple_bind(2, "cn=a", "x"), &mut r);
    p.parse(Direction::ToClient, &bind_response(2, 49, ""), &mut r);
    assert!(r.logins.is_empty());
    // Refused (the capture as is): parsing goes on.
    let r = run(std::slice::from_ref(c));
    assert_eq!(r.records.len(), 2);
}

#[test]
fn sasl_security_layer_stops_a_direction() {
    let mut p = LdapParser::new();
    let mut r = Recorder::default();
    // A GSS-SPNEGO-sealed message: 4-byte length, then the wrapped token.
    p.parse(
        Direction::ToServer,
        b"\x00\x00\x00\x40\x05\x04\x06\xff",
        &mut r,
    );
    assert!(p.stopped(Direction::ToServer));
    assert!(!p.stopped(Direction::ToClient));
    assert!(r.txs.is_empty());
}

#[test]
fn ntlm_account_from_sasl_credentials() {
    // An NTLM AUTHENTICATE message (MS-NLMP §2.2.1.3) with Unicode
    // domain "HOSP" and user "nurse1", as Windows sends inside GSS-SPNEGO.
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let (dom, user) = (utf16("HOSP"), utf16("nurse1"));
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend(3u32.to_le_bytes());
    let base = 64u32;
    let field = |len: usize, off: u32| -> Vec<u8> {
        let mut f = (len as u16).to_le_bytes().to_vec();
        f.extend((len as u16).to_le_bytes());
        f.extend(off.to_le_bytes());
        f
    };
    m.extend(field(0, base)); // LM
    m.extend(field(0, base)); // NT
    m.extend(field(dom.len(), base));
    m.extend(field(user.len(), base + dom.len() as u32));
    m.extend(field(0, base)); // workstation
    m.extend(field(0, base)); // session key
    m.extend(1u32.to_le_bytes()); // NEGOTIATE_UNICODE
    m.extend(&dom);
    m.extend(&user);
    let mut spnego = b"\xa1\x82\x01\x00\x30\x82\x00\xfc\xa2\x82\x00\xf8\x04\x82\x00\xf4".to_vec();
    spnego.extend(&m);
    assert_eq!(
        ntlm_account(&spnego),
        Some((Some("HOSP".into()), "nurse1".into()))
    );
    assert_eq!(ntlm_account(&m[..50]), None);
    assert_eq!(ntlm_account(b"NTLMSSP\0\x01\0\0\0"), None);
}

#[test]
fn probe_is_strict() {
    assert_eq!(probe(Direction::ToServer, 389, b""), Probe::NeedMore);
    assert_eq!(probe(Direction::ToServer, 389, b"\x30"), Probe::NeedMore);
    assert_eq!(
        probe(Direction::ToServer, 389, b"\x30\x0c\x02"),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToServer, 389, b"\x30\x0c\x02\x01\x01"),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToServer, 389, b"\x30\x0c\x02\x01\x01\x60"),
        Probe::Yes
    );
    // Unbind must be primitive; tag 20 is no operation; messageID too long.
    assert_eq!(
        probe(Direction::ToServer, 389, b"\x30\x05\x02\x01\x01\x62\x00"),
        Probe::No
    );
    assert_eq!(
        probe(Direction::ToServer, 389, b"\x30\x05\x02\x01\x01\x74\x00"),
        Probe::No
    );
    assert_eq!(
        probe(Direction::ToServer, 389, b"\x30\x0c\x02\x05\x01"),
        Probe::No
    );
    assert_eq!(
        probe(Direction::ToServer, 389, b"\x30\x80\x02\x01\x01\x60"),
        Probe::No
    );
    for other in [
        &b"GET / HTTP/1.1\r\n"[..],
        b"\x16\x03\x01\x02\x00\x01",
        b"\x00\x00\x00\xb7\x6a\x81\xb4\x30",
        b"SSH-2.0-x\r\n",
        b"\x03\x00\x00\x13\x0e\xe0",
        b"0 OK",
    ] {
        assert_eq!(
            probe(Direction::ToServer, 389, other),
            Probe::No,
            "{other:?}"
        );
    }
}

#[test]
fn oversized_message_is_skipped_unbuffered() {
    let mut p = LdapParser::new();
    let mut r = Recorder::default();
    // A 200 KiB search result entry, then a bind response.
    let mut big = vec![0x30, 0x83, 0x03, 0x20, 0x00];
    big.extend(std::iter::repeat_n(0u8, 0x032000));
    for chunk in big.chunks(1460) {
        p.parse(Direction::ToClient, chunk, &mut r);
        assert!(p.memory() <= MAX_MESSAGE);
    }
    assert_eq!(p.oversized, 1);
    p.parse(Direction::ToServer, &simple_bind(1, "cn=a", "x"), &mut r);
    p.parse(Direction::ToClient, &bind_response(1, 0, ""), &mut r);
    assert_eq!(r.logins.len(), 1);
}

#[test]
fn mutations_never_panic() {
    let conns = connections();
    let mut rng = Rng(0x5eed_0389);
    let mut r = Recorder::default();
    for i in 0..3000 {
        let c = &conns[i % conns.len()];
        let mut p = LdapParser::new();
        for (dir, d) in c {
            let m = rng.mutate(d);
            let _ = probe(*dir, 389, &m);
            let cut = rng.below(m.len() + 1);
            p.parse(*dir, &m[..cut], &mut r);
            p.parse(*dir, &m[cut..], &mut r);
            assert!(p.memory() <= 2 * MAX_MESSAGE + MAX_PENDING * 4096);
        }
        p.close(Direction::ToClient, &mut r);
    }
    // Many outstanding requests stay bounded.
    let mut p = LdapParser::new();
    for id in 0..200u8 {
        p.parse(Direction::ToServer, &simple_bind(id, "cn=a", "x"), &mut r);
    }
    assert!(p.pending.len() <= MAX_PENDING);
}
