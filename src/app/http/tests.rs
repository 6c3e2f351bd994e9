//! Parser tests: buffers, splits, pipelining, bodies, evasions, gaps,
//! robustness. Evasion fixtures are the server responses of
//! suricata-verify's http-evader cases (extracted from their pcaps).

use super::*;
use crate::app::TxBuffers;
use crate::rules::ir::BufferId;

/// What a test run saw.
#[derive(Default, Debug, Clone)]
struct Seen {
    requests: Vec<HttpTx>,
    responses: Vec<HttpTx>,
    anomalies: Vec<&'static str>,
}

impl Seen {
    fn sink(&mut self) -> impl FnMut(HttpEvent<'_>) + '_ {
        move |e| match e {
            HttpEvent::Request(tx) => self.requests.push(tx.clone()),
            HttpEvent::Response(tx) => self.responses.push(tx.clone()),
            HttpEvent::Anomaly(a) => self.anomalies.push(a),
        }
    }
}

/// Feeds a request stream then a response stream, then closes both.
fn run(req: &[u8], res: &[u8]) -> Seen {
    run_cfg(&HttpConfig::default(), req, res)
}

fn run_cfg(cfg: &HttpConfig, req: &[u8], res: &[u8]) -> Seen {
    let mut p = HttpParser::new(cfg);
    let mut seen = Seen::default();
    p.parse(Direction::ToServer, req, &mut seen.sink());
    p.parse(Direction::ToClient, res, &mut seen.sink());
    p.close(Direction::ToServer, &mut seen.sink());
    p.close(Direction::ToClient, &mut seen.sink());
    seen
}

/// Feeds each direction in pieces cut at `cuts`.
fn run_split(req: &[u8], res: &[u8], req_cut: usize, res_cut: usize) -> Seen {
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    let rc = req_cut.min(req.len());
    let sc = res_cut.min(res.len());
    p.parse(Direction::ToServer, &req[..rc], &mut seen.sink());
    p.parse(Direction::ToServer, &req[rc..], &mut seen.sink());
    p.parse(Direction::ToClient, &res[..sc], &mut seen.sink());
    p.parse(Direction::ToClient, &res[sc..], &mut seen.sink());
    p.close(Direction::ToServer, &mut seen.sink());
    p.close(Direction::ToClient, &mut seen.sink());
    seen
}

fn buf(tx: &HttpTx, dir: Direction, id: BufferId) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    tx.buffers(dir).visit(id, &mut |b| out.push(b.to_vec()));
    out
}

fn one(tx: &HttpTx, dir: Direction, id: BufferId) -> Vec<u8> {
    let v = buf(tx, dir, id);
    assert_eq!(v.len(), 1, "{id:?} {dir:?}: {v:?}");
    v.into_iter().next().unwrap_or_default()
}

const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

fn has(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

mod evader_pcaps {
    //! Every http-evader case of the conformance set, fed packet by packet.
    use super::*;
    use std::collections::BTreeMap;

    struct Dir {
        next: Option<u32>,
        segs: BTreeMap<u32, Vec<u8>>,
        fin: bool,
    }

    fn read_pcap(path: &std::path::Path) -> Vec<Vec<u8>> {
        let data = std::fs::read(path).unwrap_or_default();
        let mut out = Vec::new();
        if data.len() < 24 {
            return out;
        }
        let le = data[0..4] == [0xd4, 0xc3, 0xb2, 0xa1] || data[0..4] == [0x4d, 0x3c, 0xb2, 0xa1];
        let rd = |b: &[u8]| {
            let a = [b[0], b[1], b[2], b[3]];
            if le {
                u32::from_le_bytes(a)
            } else {
                u32::from_be_bytes(a)
            }
        };
        let mut i = 24;
        while i + 16 <= data.len() {
            let caplen = rd(&data[i + 8..i + 12]) as usize;
            i += 16;
            if i + caplen > data.len() {
                break;
            }
            out.push(data[i..i + caplen].to_vec());
            i += caplen;
        }
        out
    }

    /// (to_server, seq, flags, payload) of an Ethernet/IPv4/TCP frame.
    fn tcp(frame: &[u8]) -> Option<(u16, u16, u32, u8, Vec<u8>)> {
        let mut off = 14;
        let mut et = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
        while et == 0x8100 {
            et = u16::from_be_bytes([*frame.get(off + 2)?, *frame.get(off + 3)?]);
            off += 4;
        }
        if et != 0x0800 {
            return None;
        }
        let ip = frame.get(off..)?;
        let ihl = usize::from(ip.first()? & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
        if *ip.get(9)? != 6 {
            return None;
        }
        let t = ip.get(ihl..total.min(ip.len()))?;
        let sport = u16::from_be_bytes([t[0], t[1]]);
        let dport = u16::from_be_bytes([t[2], t[3]]);
        let seq = u32::from_be_bytes([t[4], t[5], t[6], t[7]]);
        let doff = usize::from(t[12] >> 4) * 4;
        Some((sport, dport, seq, t[13], t.get(doff..)?.to_vec()))
    }

    /// Replays a capture through the parser; returns the responses.
    pub(super) fn replay(path: &std::path::Path) -> Seen {
        let mut p = HttpParser::new(&HttpConfig::default());
        let mut seen = Seen::default();
        let mut dirs = [
            Dir {
                next: None,
                segs: BTreeMap::new(),
                fin: false,
            },
            Dir {
                next: None,
                segs: BTreeMap::new(),
                fin: false,
            },
        ];
        let mut server_port = None;
        for frame in read_pcap(path) {
            let Some((sport, dport, seq, flags, payload)) = tcp(&frame) else {
                continue;
            };
            if server_port.is_none() && flags & 0x12 == 0x02 {
                server_port = Some(dport);
            }
            let sp = server_port.unwrap_or(80);
            let dir = if dport == sp {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let _ = sport;
            let d = &mut dirs[dir.index()];
            if flags & 0x02 != 0 {
                d.next = Some(seq.wrapping_add(1));
                continue;
            }
            if d.next.is_none() {
                d.next = Some(seq);
            }
            if !payload.is_empty() {
                d.segs.entry(seq).or_insert(payload);
            }
            if flags & 0x05 != 0 {
                d.fin = true;
            }
            // Deliver what is in order.
            loop {
                let next = d.next.unwrap_or(0);
                let Some((&s, _)) = d.segs.iter().find(|&(&s, v)| {
                    let end = s.wrapping_add(v.len() as u32);
                    s.wrapping_sub(next) as i32 <= 0 && end.wrapping_sub(next) as i32 > 0
                }) else {
                    break;
                };
                let v = d.segs.remove(&s).unwrap_or_default();
                let skip = next.wrapping_sub(s) as usize;
                p.parse(dir, &v[skip..], &mut seen.sink());
                d.next = Some(s.wrapping_add(v.len() as u32));
            }
            if d.fin && d.segs.is_empty() {
                p.close(dir, &mut seen.sink());
            }
        }
        p.close(Direction::ToServer, &mut seen.sink());
        p.close(Direction::ToClient, &mut seen.sink());
        seen
    }

    #[test]
    fn all_evader_cases_show_the_file() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/tests");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("no conformance cases at {}: skipped", dir.display());
            return;
        };
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("http-evader"))
            .collect();
        names.sort();
        let mut failed = Vec::new();
        for case in &names {
            let seen = replay(&case.join("input.pcap"));
            let c1 = seen
                .responses
                .iter()
                .filter(|t| has(&t.response_body, b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"))
                .count();
            let c2 = seen
                .responses
                .iter()
                .filter(|t| has(&t.response_body, b"X5O!P%@AP[4"))
                .count();
            if c1 != 1 || c2 != 1 {
                let name = case
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                failed.push(format!(
                    "{name}: {c1}/{c2} {:?}",
                    seen.responses
                        .iter()
                        .map(|t| String::from_utf8_lossy(
                            &t.response_body[..t.response_body.len().min(80)]
                        )
                        .into_owned())
                        .collect::<Vec<_>>()
                ));
            }
        }
        eprintln!(
            "evader: {} of {} pass",
            names.len() - failed.len(),
            names.len()
        );
        assert!(
            failed.is_empty(),
            "{} failed:\n{}",
            failed.len(),
            failed.join("\n")
        );
    }
}
