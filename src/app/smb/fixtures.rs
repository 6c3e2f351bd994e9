//! Captures made here with real clients and servers (Samba 4.17 `smbd`,
//! `smbclient`, `rpcclient`; `xrdp` 0.9 with FreeRDP 2 and a script sending
//! an X.224 Connection Request), committed under `tests/fixtures/`, and a
//! tiny reader that turns them into the in-order TCP payloads of each
//! connection, as the stream reassembler would hand them over.

use std::collections::BTreeMap;

use crate::flow::Direction;

/// SMB2 with a wrong password: STATUS_LOGON_FAILURE for WARDTEST\nurse.
pub const SMB2_LOGON_FAILURE: &[u8] =
    include_bytes!("../../../tests/fixtures/smb/smb2_logon_failure.pcap");
/// SMB2 (3.11) login of WARDTEST\nurse, `ls` and `get readme.txt` on `share`.
pub const SMB2_LOGON_SUCCESS: &[u8] =
    include_bytes!("../../../tests/fixtures/smb/smb2_logon_success.pcap");
/// `smbclient -m NT1`: SMB1 login of nurse and `ls`.
pub const SMB1_LOGON: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb1_logon.pcap");
/// SMB1 over NetBIOS on port 139 (session request first), wrong password.
pub const SMB1_NBSS139_FAILURE: &[u8] =
    include_bytes!("../../../tests/fixtures/smb/smb1_nbss139_failure.pcap");
/// SMB 3.11 with encryption required after the login.
pub const SMB3_ENCRYPTED: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb3_encrypted.pcap");
/// `smbclient -N -L`: root with no password refused, then anonymous, IPC$,
/// srvsvc; then the same over SMB1 with \PIPE\LANMAN.
pub const SMB_ANONYMOUS: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb_anonymous.pcap");
/// `rpcclient -c srvinfo`: IPC$ and srvsvc as nurse.
pub const SMB_RPC_PIPES: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb_rpc_pipes.pcap");

/// One TCP connection's payloads in capture order, retransmissions removed.
#[derive(Clone, Debug, Default)]
pub struct Conn {
    /// Client port.
    pub client_port: u16,
    /// Server port.
    pub server_port: u16,
    /// (sender, payload) in order.
    pub chunks: Vec<(Direction, Vec<u8>)>,
}

impl Conn {
    /// Everything `dir` sent, concatenated.
    pub fn stream(&self, dir: Direction) -> Vec<u8> {
        self.chunks
            .iter()
            .filter(|(d, _)| *d == dir)
            .flat_map(|(_, b)| b.iter().copied())
            .collect()
    }
}

fn frames(pcap: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    if pcap.len() < 24 {
        return out;
    }
    let le = pcap[0..4] == [0xd4, 0xc3, 0xb2, 0xa1] || pcap[0..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let rd = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3]];
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let mut i = 24;
    while i + 16 <= pcap.len() {
        let caplen = rd(&pcap[i + 8..i + 12]) as usize;
        i += 16;
        if i + caplen > pcap.len() {
            break;
        }
        out.push(&pcap[i..i + caplen]);
        i += caplen;
    }
    out
}

/// The TCP connections of an Ethernet/IPv4 capture to any of `server_ports`.
pub fn connections(pcap: &[u8], server_ports: &[u16]) -> Vec<Conn> {
    let mut conns: Vec<Conn> = Vec::new();
    // Next expected sequence number per (client port, direction).
    let mut next: BTreeMap<(u16, usize), u32> = BTreeMap::new();
    for f in frames(pcap) {
        if f.len() < 34 || f[12..14] != [0x08, 0x00] || f[23] != 6 {
            continue;
        }
        let ip = &f[14..];
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]])).min(ip.len());
        let Some(t) = ip.get(ihl..total) else {
            continue;
        };
        if t.len() < 20 {
            continue;
        }
        let sport = u16::from_be_bytes([t[0], t[1]]);
        let dport = u16::from_be_bytes([t[2], t[3]]);
        let seq = u32::from_be_bytes([t[4], t[5], t[6], t[7]]);
        let flags = t[13];
        let doff = usize::from(t[12] >> 4) * 4;
        let payload = t.get(doff..).unwrap_or_default();
        let (dir, client, server) = if server_ports.contains(&dport) {
            (Direction::ToServer, sport, dport)
        } else if server_ports.contains(&sport) {
            (Direction::ToClient, dport, sport)
        } else {
            continue;
        };
        if flags & 0x02 != 0 {
            // SYN: a new connection (reusing the client port replaces it).
            next.insert((client, dir.index()), seq.wrapping_add(1));
            if dir == Direction::ToServer {
                conns.push(Conn {
                    client_port: client,
                    server_port: server,
                    chunks: Vec::new(),
                });
            }
            continue;
        }
        if payload.is_empty() {
            continue;
        }
        let Some(expect) = next.get_mut(&(client, dir.index())) else {
            continue;
        };
        // Drop retransmitted bytes.
        let behind = expect.wrapping_sub(seq) as usize;
        if seq != *expect && behind >= payload.len() {
            continue;
        }
        let fresh = if seq == *expect {
            payload
        } else {
            &payload[behind.min(payload.len())..]
        };
        *expect = expect.wrapping_add(fresh.len() as u32);
        if let Some(c) = conns.iter_mut().rev().find(|c| c.client_port == client) {
            c.chunks.push((dir, fresh.to_vec()));
        }
    }
    conns
}

/// A sink that keeps everything a parser reports.
#[derive(Clone, Debug, Default)]
pub struct Collect {
    /// (dir, tx_id, smb.share values, smb.named_pipe values).
    pub txs: Vec<(Direction, u64, Vec<String>, Vec<String>)>,
    /// Login attempts.
    pub logins: Vec<crate::app::LoginAttempt>,
    /// EVE record bodies.
    pub records: Vec<(Direction, serde_json::Map<String, serde_json::Value>)>,
}

impl crate::app::ParseSink for Collect {
    fn tx(&mut self, dir: Direction, tx_id: u64, buffers: &dyn crate::app::TxBuffers) {
        use crate::rules::ir::BufferId;
        let get = |id| {
            let mut v = Vec::new();
            buffers.visit(id, &mut |b| v.push(String::from_utf8_lossy(b).into_owned()));
            v
        };
        self.txs.push((
            dir,
            tx_id,
            get(BufferId::SmbShare),
            get(BufferId::SmbNamedPipe),
        ));
    }

    fn login(&mut self, login: crate::app::LoginAttempt) {
        self.logins.push(login);
    }

    fn record(&mut self, dir: Direction, body: serde_json::Map<String, serde_json::Value>) {
        self.records.push((dir, body));
    }
}

/// Feeds a connection's chunks to `p` in order, then closes both sides.
pub fn replay(p: &mut dyn crate::app::StreamParser, conn: &Conn) -> Collect {
    let mut sink = Collect::default();
    for (dir, data) in &conn.chunks {
        p.parse(*dir, data, &mut sink);
    }
    p.close(Direction::ToServer, &mut sink);
    p.close(Direction::ToClient, &mut sink);
    sink
}
