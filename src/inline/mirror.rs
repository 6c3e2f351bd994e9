//! Active response from a mirror port (off by default): for a `reject` rule,
//! TCP resets to both ends of the connection, injected as Ethernet frames
//! with pcap `sendpacket` on `[response] rst_interface`.
//!
//! A mirror-port sensor sees traffic after the fact, so this races the real
//! endpoints: a reset only stops what comes after it (the matching request
//! already reached its server). Each reset is framed with the MAC addresses
//! of the frame that matched (swapped for the one going back to its sender),
//! keeping its 802.1Q tag, so a switch or bridge delivers it to the host it
//! names. A Linux bridge used as the tap needs `learning off` on the sensor's
//! port, or it learns the endpoints' MACs there and stops forwarding to them.

use std::sync::Mutex;

use crate::decode::LinkType;

use super::reject::responses_for;

/// An open injection handle.
pub struct MirrorResponder {
    iface: String,
    cap: Mutex<pcap::Capture<pcap::Active>>,
}

impl std::fmt::Debug for MirrorResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MirrorResponder")
            .field("iface", &self.iface)
            .finish()
    }
}

impl MirrorResponder {
    /// Opens `iface` for sending. Needs CAP_NET_RAW.
    pub fn open(iface: &str) -> Result<Self, String> {
        let err = |e: pcap::Error| format!("response.rst_interface {iface}: {e}");
        let mut cap = pcap::Capture::from_device(iface)
            .map_err(err)?
            .snaplen(64)
            .buffer_size(1 << 16)
            .open()
            .map_err(err)?;
        // We only send: capture nothing.
        cap.filter("less 1", true).map_err(err)?;
        Ok(MirrorResponder {
            iface: iface.to_string(),
            cap: Mutex::new(cap),
        })
    }

    /// Sends the resets for `frame` (Ethernet, possibly one 802.1Q tag);
    /// returns how many were sent, or why none could be.
    pub fn reset(&self, link: LinkType, frame: &[u8]) -> Result<usize, String> {
        let frames = reset_frames(link, frame);
        if frames.is_empty() {
            return Err("not an Ethernet TCP frame".into());
        }
        let mut cap = self.cap.lock().unwrap_or_else(|e| e.into_inner());
        for f in &frames {
            cap.sendpacket(f.as_slice())
                .map_err(|e| format!("{}: sendpacket: {e}", self.iface))?;
        }
        Ok(frames.len())
    }
}

/// The Ethernet frames that reset the TCP connection of `frame`.
pub fn reset_frames(link: LinkType, frame: &[u8]) -> Vec<Vec<u8>> {
    if link != LinkType::Ethernet {
        return Vec::new();
    }
    let hdr = match frame.get(12..14) {
        Some([0x81, 0x00]) => 18,
        Some(_) => 14,
        None => return Vec::new(),
    };
    let (Some(eth), Some(ip)) = (frame.get(..hdr), frame.get(hdr..)) else {
        return Vec::new();
    };
    let Some(sender) = super::ip_endpoints(ip).map(|(src, _)| src) else {
        return Vec::new();
    };
    responses_for(ip)
        .into_iter()
        .filter(|r| r.is_rst)
        .map(|r| {
            let mut out = Vec::with_capacity(hdr + r.packet.len());
            out.extend_from_slice(eth);
            if r.to == sender {
                // Back to the sender: swap destination and source MACs.
                out[..6].copy_from_slice(&eth[6..12]);
                out[6..12].copy_from_slice(&eth[..6]);
            }
            out.extend_from_slice(&r.packet);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{PacketBuilder, SlicedPacket, TransportSlice};

    #[test]
    fn resets_go_to_each_end_with_its_mac_and_the_vlan_tag() {
        let (client, server) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let mut frame = Vec::new();
        PacketBuilder::ethernet2(client, server)
            .single_vlan(etherparse::VlanId::try_new(42).expect("vlan"))
            .ipv4([10, 1, 0, 2], [10, 2, 0, 2], 64)
            .tcp(40000, 80, 1000, 500)
            .ack(7000)
            .write(&mut frame, b"GET /x HTTP/1.0\r\n\r\n")
            .expect("build");
        let out = reset_frames(LinkType::Ethernet, &frame);
        assert_eq!(out.len(), 2);
        for (f, dst_mac, to_port) in [(&out[0], client, 40000), (&out[1], server, 80)] {
            let p = SlicedPacket::from_ethernet(f).expect("parse");
            assert_eq!(&f[..6], &dst_mac, "destination MAC");
            assert_eq!(&f[12..16], &[0x81, 0x00, 0x00, 42], "VLAN tag kept");
            let Some(TransportSlice::Tcp(t)) = p.transport else {
                panic!("tcp")
            };
            assert!(t.rst());
            assert_eq!(t.destination_port(), to_port);
        }
        assert!(reset_frames(LinkType::Raw, &frame).is_empty());
        assert!(reset_frames(LinkType::Ethernet, &frame[..10]).is_empty());
    }
}
