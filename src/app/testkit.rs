//! Test helpers for the parsers of `src/app/`: a [`Recorder`] sink, and
//! the transport payloads of a small classic-pcap capture made
//! here (Ethernet, IPv4, TCP or UDP, no loss: loopback captures of real
//! clients and servers under `tests/fixtures/`). Parser unit tests feed
//! these bytes as the capture shows them, without the flow table.

/// One packet's payload and ports.
#[derive(Clone, Debug)]
pub struct Segment {
    /// UDP (else TCP).
    pub udp: bool,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload (empty for bare TCP control segments).
    pub payload: Vec<u8>,
}

/// The segments of `pcap`, in capture order. Panics on anything but the
/// format the fixtures are in.
pub fn segments(pcap: &[u8]) -> Vec<Segment> {
    assert_eq!(
        &pcap[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "little-endian µs pcap"
    );
    let mut out = Vec::new();
    let mut pos = 24;
    while pos + 16 <= pcap.len() {
        let incl =
            u32::from_le_bytes([pcap[pos + 8], pcap[pos + 9], pcap[pos + 10], pcap[pos + 11]])
                as usize;
        let frame = &pcap[pos + 16..pos + 16 + incl];
        pos += 16 + incl;
        assert_eq!(&frame[12..14], &[0x08, 0x00], "IPv4 over Ethernet");
        let ip = &frame[14..];
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        let l4 = &ip[ihl..total];
        let (udp, hlen) = match ip[9] {
            17 => (true, 8),
            6 => (false, usize::from(l4[12] >> 4) * 4),
            p => panic!("IP protocol {p}"),
        };
        out.push(Segment {
            udp,
            src_port: u16::from_be_bytes([l4[0], l4[1]]),
            dst_port: u16::from_be_bytes([l4[2], l4[3]]),
            payload: l4[hlen..].to_vec(),
        });
    }
    out
}

/// A [`ParseSink`](crate::app::ParseSink) that keeps everything it is given.
#[derive(Debug, Default)]
pub struct Recorder {
    /// `(dir, tx_id)` of each transaction half, in order.
    pub txs: Vec<(crate::flow::Direction, u64)>,
    /// Values of each buffer id asked for in [`Recorder::buffers`], per tx.
    pub values: Vec<Vec<(crate::rules::ir::BufferId, Vec<u8>)>>,
    /// Buffers to read from each transaction.
    pub buffers: Vec<crate::rules::ir::BufferId>,
    /// Login attempts.
    pub logins: Vec<crate::app::LoginAttempt>,
    /// EVE record bodies with their direction.
    pub records: Vec<(crate::flow::Direction, serde_json::Value)>,
}

impl crate::app::ParseSink for Recorder {
    fn tx(&mut self, dir: crate::flow::Direction, tx_id: u64, buffers: &dyn crate::app::TxBuffers) {
        self.txs.push((dir, tx_id));
        let mut vals = Vec::new();
        for id in &self.buffers {
            buffers.visit(*id, &mut |v| vals.push((*id, v.to_vec())));
        }
        self.values.push(vals);
    }

    fn login(&mut self, login: crate::app::LoginAttempt) {
        self.logins.push(login);
    }

    fn record(
        &mut self,
        dir: crate::flow::Direction,
        body: serde_json::Map<String, serde_json::Value>,
    ) {
        self.records.push((dir, serde_json::Value::Object(body)));
    }
}

impl Recorder {
    /// The logins as `(account, outcome, reason)` triples, for compact asserts.
    pub fn login_triples(&self) -> Vec<(String, crate::app::Outcome, String)> {
        self.logins
            .iter()
            .map(|l| {
                (
                    l.account.clone().unwrap_or_default(),
                    l.outcome,
                    l.reason.clone(),
                )
            })
            .collect()
    }
}

/// Deterministic pseudo-random bytes (xorshift64) for mutation loops.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `data` with a few random bytes changed, cut or extended.
    pub fn mutate(&mut self, data: &[u8]) -> Vec<u8> {
        let mut v = data.to_vec();
        match self.below(4) {
            0 if !v.is_empty() => {
                let n = self.below(v.len());
                v.truncate(n);
            }
            1 => {
                for _ in 0..self.below(8) {
                    v.push(self.next() as u8);
                }
            }
            _ => {}
        }
        for _ in 0..1 + self.below(4) {
            if v.is_empty() {
                break;
            }
            let i = self.below(v.len());
            v[i] = self.next() as u8;
        }
        v
    }
}
