//! IP fragmentation: split a built packet into fragments (RFC 791 for IPv4,
//! RFC 8200 section 4.5 for IPv6), build single fragments at any offset, and
//! build overlapping sets with different bytes in the overlap, for checking
//! which copy a reassembler keeps (RFC 5722 says IPv6 must drop them all).

use super::packet::{IPV6_NH_FRAGMENT, ipv4_header_len, ipv6_ext_chain, refresh_ipv4_checksum};

/// The bytes after an IPv4 header, up to the header's total length.
pub fn ipv4_payload(packet: &[u8]) -> &[u8] {
    let hl = ipv4_header_len(packet);
    let total = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    &packet[hl..total.min(packet.len())]
}

/// An IPv4 packet's fragment offset in bytes and its MF flag.
pub fn ipv4_frag_info(packet: &[u8]) -> (usize, bool) {
    let field = u16::from_be_bytes([packet[6], packet[7]]);
    (usize::from(field & 0x1fff) * 8, field & 0x2000 != 0)
}

/// Options of an IPv4 header that must be copied into every fragment (copied flag 0x80 set).
fn copied_options(options: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < options.len() {
        match options[i] {
            0 => break,
            1 => i += 1,
            kind => {
                let len = usize::from(*options.get(i + 1).unwrap_or(&2)).max(2);
                let end = (i + len).min(options.len());
                if kind & 0x80 != 0 {
                    out.extend_from_slice(&options[i..end]);
                }
                i = end;
            }
        }
    }
    out
}

/// One IPv4 fragment: `template`'s header (options without the copied flag dropped unless
/// `offset` is 0), carrying `data` at byte `offset` (a multiple of 8) of the original payload.
pub fn ipv4_fragment(template: &[u8], offset: usize, data: &[u8], more_fragments: bool) -> Vec<u8> {
    assert_eq!(
        offset % 8,
        0,
        "IPv4 fragment offset {offset} is not a multiple of 8"
    );
    assert!(
        offset / 8 <= 0x1fff,
        "IPv4 fragment offset {offset} does not fit 13 bits"
    );
    let hl = ipv4_header_len(template);
    let options = if offset == 0 {
        template[20..hl].to_vec()
    } else {
        copied_options(&template[20..hl])
    };
    let new_hl = 20 + options.len().next_multiple_of(4);
    let mut out = Vec::with_capacity(new_hl + data.len());
    out.extend_from_slice(&template[..20]);
    out.extend_from_slice(&options);
    out.resize(new_hl, 0);
    out.extend_from_slice(data);
    out[0] = 0x40 | (new_hl / 4) as u8;
    let total = u16::try_from(out.len()).expect("IPv4 fragment fits 65535 bytes");
    out[2..4].copy_from_slice(&total.to_be_bytes());
    // Flags: reserved 0, DF cleared (a fragment cannot be "don't fragment"), MF as asked.
    let field = ((offset / 8) as u16) | if more_fragments { 0x2000 } else { 0 };
    out[6..8].copy_from_slice(&field.to_be_bytes());
    refresh_ipv4_checksum(&mut out);
    out
}

/// Splits an IPv4 packet into fragments of `frag_payload_size` bytes (a multiple of 8; the last may be shorter).
pub fn fragment_ipv4(ip_packet: &[u8], frag_payload_size: usize) -> Vec<Vec<u8>> {
    assert!(
        frag_payload_size > 0 && frag_payload_size % 8 == 0,
        "fragment payload size {frag_payload_size} must be a positive multiple of 8"
    );
    let payload = ipv4_payload(ip_packet);
    let (base_offset, base_mf) = ipv4_frag_info(ip_packet);
    if payload.is_empty() {
        return vec![ip_packet.to_vec()];
    }
    let count = payload.len().div_ceil(frag_payload_size);
    payload
        .chunks(frag_payload_size)
        .enumerate()
        .map(|(i, chunk)| {
            let last = i + 1 == count;
            ipv4_fragment(
                ip_packet,
                base_offset + i * frag_payload_size,
                chunk,
                !last || base_mf,
            )
        })
        .collect()
}

/// Where an IPv6 packet splits: end of the unfragmentable part, the byte holding the
/// next-header value to rewrite to 44, and the first header of the fragmentable part.
fn ipv6_split(packet: &[u8]) -> (usize, usize, u8) {
    let (headers, _, _) = ipv6_ext_chain(packet);
    assert!(
        headers.iter().all(|h| h.kind != IPV6_NH_FRAGMENT),
        "packet already carries a Fragment header"
    );
    // RFC 8200 4.5: Hop-by-Hop, and everything up to the Routing header, stay unfragmentable.
    match headers.iter().rposition(|h| h.kind == 0 || h.kind == 43) {
        Some(i) => {
            let h = headers[i];
            (h.offset + h.len, h.offset, packet[h.offset])
        }
        None => (40, 6, packet[6]),
    }
}

/// The fragmentable part of an unfragmented IPv6 packet (what its fragments carry).
pub fn ipv6_fragmentable_part(packet: &[u8]) -> &[u8] {
    let (start, _, _) = ipv6_split(packet);
    let end = 40 + usize::from(u16::from_be_bytes([packet[4], packet[5]]));
    &packet[start..end.min(packet.len())]
}

/// One IPv6 fragment of `template`: its unfragmentable part, a Fragment header (`id`,
/// `offset` in bytes, a multiple of 8, M flag), then `data`.
pub fn ipv6_fragment(
    template: &[u8],
    id: u32,
    offset: usize,
    data: &[u8],
    more_fragments: bool,
) -> Vec<u8> {
    assert_eq!(
        offset % 8,
        0,
        "IPv6 fragment offset {offset} is not a multiple of 8"
    );
    assert!(
        offset / 8 <= 0x1fff,
        "IPv6 fragment offset {offset} does not fit 13 bits"
    );
    let (unfrag_end, nh_pos, first_next) = ipv6_split(template);
    let mut out = Vec::with_capacity(unfrag_end + 8 + data.len());
    out.extend_from_slice(&template[..unfrag_end]);
    out[nh_pos] = IPV6_NH_FRAGMENT;
    let field = ((offset / 8) as u16) << 3 | u16::from(more_fragments);
    out.push(first_next);
    out.push(0);
    out.extend_from_slice(&field.to_be_bytes());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(data);
    let payload_len = u16::try_from(out.len() - 40).expect("IPv6 fragment fits 65535 bytes");
    out[4..6].copy_from_slice(&payload_len.to_be_bytes());
    out
}

/// Splits an IPv6 packet into fragments with identification `id`, `frag_payload_size` bytes each (multiple of 8).
pub fn fragment_ipv6(ip_packet: &[u8], frag_payload_size: usize, id: u32) -> Vec<Vec<u8>> {
    assert!(
        frag_payload_size > 0 && frag_payload_size % 8 == 0,
        "fragment payload size {frag_payload_size} must be a positive multiple of 8"
    );
    let part = ipv6_fragmentable_part(ip_packet);
    let count = part.len().div_ceil(frag_payload_size).max(1);
    if part.is_empty() {
        return vec![ipv6_fragment(ip_packet, id, 0, &[], false)];
    }
    part.chunks(frag_payload_size)
        .enumerate()
        .map(|(i, chunk)| ipv6_fragment(ip_packet, id, i * frag_payload_size, chunk, i + 1 < count))
        .collect()
}

/// An overlapping fragment set and the two payloads a reassembler can produce from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// Two fragments, in send order: `[0]` carries original bytes `0 .. overlap_at + replacement.len()`
    /// (MF set); `[1]` starts at `overlap_at` with the replacement bytes, then the original rest (MF clear).
    pub fragments: Vec<Vec<u8>>,
    /// The reassembled IP payload if the earlier bytes (fragment `[0]`) win: the original payload.
    pub original_payload: Vec<u8>,
    /// The reassembled IP payload if the replacement bytes (fragment `[1]`) win.
    pub replaced_payload: Vec<u8>,
}

fn overlap_parts(payload: &[u8], overlap_at: usize, replacement: &[u8]) -> (usize, Vec<u8>) {
    assert_eq!(
        overlap_at % 8,
        0,
        "overlap offset {overlap_at} is not a multiple of 8"
    );
    assert!(
        !replacement.is_empty() && replacement.len() % 8 == 0,
        "replacement length {} must be a positive multiple of 8 (it ends the first fragment)",
        replacement.len()
    );
    let overlap_end = overlap_at + replacement.len();
    assert!(
        overlap_end <= payload.len(),
        "overlap {overlap_at}..{overlap_end} runs past the {}-byte payload",
        payload.len()
    );
    let mut replaced = payload.to_vec();
    replaced[overlap_at..overlap_end].copy_from_slice(replacement);
    (overlap_end, replaced)
}

/// Two IPv4 fragments of `ip_packet` that overlap at `overlap_at` with different bytes (`replacement`).
pub fn overlapping_ipv4(ip_packet: &[u8], overlap_at: usize, replacement: &[u8]) -> Overlap {
    let payload = ipv4_payload(ip_packet);
    let (overlap_end, replaced) = overlap_parts(payload, overlap_at, replacement);
    let first = ipv4_fragment(ip_packet, 0, &payload[..overlap_end], true);
    let second = ipv4_fragment(ip_packet, overlap_at, &replaced[overlap_at..], false);
    Overlap {
        fragments: vec![first, second],
        original_payload: payload.to_vec(),
        replaced_payload: replaced,
    }
}

/// Two IPv6 fragments (identification `id`) of `ip_packet` overlapping at `overlap_at` with `replacement`.
pub fn overlapping_ipv6(
    ip_packet: &[u8],
    id: u32,
    overlap_at: usize,
    replacement: &[u8],
) -> Overlap {
    let part = ipv6_fragmentable_part(ip_packet);
    let (overlap_end, replaced) = overlap_parts(part, overlap_at, replacement);
    let first = ipv6_fragment(ip_packet, id, 0, &part[..overlap_end], true);
    let second = ipv6_fragment(ip_packet, id, overlap_at, &replaced[overlap_at..], false);
    Overlap {
        fragments: vec![first, second],
        original_payload: part.to_vec(),
        replaced_payload: replaced,
    }
}
