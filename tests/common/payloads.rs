//! Application payloads the behavioural-detector tests put on the wire: a
//! DNS query, a TLS ClientHello with a server name, HTTP Basic credentials,
//! and the link-local announcements the device inventory learns from (ARP,
//! mDNS, NetBIOS name service).

use std::net::Ipv4Addr;

use super::link::ethernet_typed;

/// Standard base64 (RFC 4648, with padding) of `data`.
pub fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A name in DNS wire format (labels, then the root).
fn dns_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.trim_end_matches('.').split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A recursive DNS query (one question, type A, class IN).
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&dns_name(name));
    p.extend_from_slice(&[0, 1, 0, 1]);
    p
}

/// An mDNS announcement (response, authoritative) of `host.local` at `ip`:
/// one A record with the cache-flush bit, as Avahi and Bonjour send them.
pub fn mdns_announcement(host: &str, ip: Ipv4Addr) -> Vec<u8> {
    let mut p = vec![0, 0, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0];
    p.extend_from_slice(&dns_name(&format!("{host}.local")));
    p.extend_from_slice(&[0, 1, 0x80, 1]);
    p.extend_from_slice(&120u32.to_be_bytes());
    p.extend_from_slice(&4u16.to_be_bytes());
    p.extend_from_slice(&ip.octets());
    p
}

/// A NetBIOS name in its first-level encoding (RFC 1001 section 14.1): 15
/// characters padded with spaces, the suffix byte, each nibble + 'A'.
fn netbios_name(name: &str, suffix: u8) -> Vec<u8> {
    let mut raw = [b' '; 16];
    for (i, b) in name.bytes().take(15).enumerate() {
        raw[i] = b.to_ascii_uppercase();
    }
    raw[15] = suffix;
    let mut out = vec![32];
    for b in raw {
        out.push(b'A' + (b >> 4));
        out.push(b'A' + (b & 0x0f));
    }
    out.push(0);
    out
}

/// A NetBIOS name registration (RFC 1002 section 4.2.2, broadcast) of
/// `name<00>` at `ip`, as Windows sends it on boot (UDP 137).
pub fn netbios_registration(id: u16, name: &str, ip: Ipv4Addr) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&id.to_be_bytes());
    // Opcode 5 (registration), RD, B (broadcast); one question, one additional.
    p.extend_from_slice(&[0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1]);
    p.extend_from_slice(&netbios_name(name, 0x00));
    p.extend_from_slice(&[0, 0x20, 0, 1]);
    // The additional record points back at the question name.
    p.extend_from_slice(&[0xc0, 0x0c, 0, 0x20, 0, 1]);
    p.extend_from_slice(&300_000u32.to_be_bytes());
    p.extend_from_slice(&6u16.to_be_bytes());
    p.extend_from_slice(&[0x00, 0x00]);
    p.extend_from_slice(&ip.octets());
    p
}

/// An ARP request or reply in an Ethernet frame (RFC 826). A request goes
/// to the broadcast address with an empty target MAC.
pub fn arp(
    reply: bool,
    sender_mac: [u8; 6],
    sender_ip: Ipv4Addr,
    target_mac: [u8; 6],
    target_ip: Ipv4Addr,
) -> Vec<u8> {
    let mut p = vec![0, 1, 0x08, 0x00, 6, 4, 0, if reply { 2 } else { 1 }];
    p.extend_from_slice(&sender_mac);
    p.extend_from_slice(&sender_ip.octets());
    p.extend_from_slice(&target_mac);
    p.extend_from_slice(&target_ip.octets());
    let dst = if reply { target_mac } else { [0xff; 6] };
    ethernet_typed(sender_mac, dst, 0x0806, &p)
}

/// A TLS 1.2/1.3 ClientHello with SNI, groups, ALPN and a 32-byte key share.
pub fn tls_client_hello(sni: &str) -> Vec<u8> {
    fn ext(out: &mut Vec<u8>, ty: u16, body: &[u8]) {
        out.extend_from_slice(&ty.to_be_bytes());
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(body);
    }
    let mut exts = Vec::new();
    let name = sni.as_bytes();
    let mut sni_body = ((name.len() + 3) as u16).to_be_bytes().to_vec();
    sni_body.push(0);
    sni_body.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni_body.extend_from_slice(name);
    ext(&mut exts, 0, &sni_body);
    ext(&mut exts, 10, &[0, 6, 0, 0x1d, 0, 0x17, 0, 0x18]);
    ext(&mut exts, 11, &[1, 0]);
    ext(&mut exts, 16, b"\x00\x0c\x02h2\x08http/1.1");
    ext(&mut exts, 43, &[4, 3, 4, 3, 3]);
    let mut ks = vec![0, 36, 0, 0x1d, 0, 32];
    ks.extend_from_slice(&[7u8; 32]);
    ext(&mut exts, 51, &ks);
    let mut hello = vec![3, 3];
    hello.extend_from_slice(&[9u8; 32]);
    hello.push(0);
    let suites: [u16; 8] = [
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0x009c,
    ];
    hello.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        hello.extend_from_slice(&s.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]);
    hello.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    hello.extend_from_slice(&exts);
    let mut hs = vec![1];
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut rec = vec![22, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}
