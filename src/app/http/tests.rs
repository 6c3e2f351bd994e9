//! Parser tests: buffers, splits, pipelining, bodies, evasions, gaps,
//! robustness. Evasion fixtures are the server responses of
//! suricata-verify's http-evader cases (extracted from their pcaps).

use super::*;
use crate::app::TxBuffers;
use crate::flow::Direction;
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

// ---------------------------------------------------------------------------
// A sample exchange and every buffer
// ---------------------------------------------------------------------------

const REQ: &[u8] = b"POST /app/./x/../login.php?user=a%41&x=1#frag HTTP/1.1\r\n\
Host: WWW.Example.COM:8080\r\n\
User-Agent: curl/8.5\r\n\
Accept: */*\r\n\
Referer: http://ref.example/\r\n\
Connection: keep-alive\r\n\
Cookie: sid=abc\r\n\
Authorization: Basic YWxpY2U6c2VjcmV0\r\n\
Content-Type: application/x-www-form-urlencoded\r\n\
Content-Length: 13\r\n\
\r\n\
user=a&pass=b";

const RES: &[u8] = b"HTTP/1.1 401 Unauthorized\r\n\
Server: nginx\r\n\
Location: /login\r\n\
Set-Cookie: a=b\r\n\
Content-Type: text/html\r\n\
Transfer-Encoding: chunked\r\n\
\r\n\
5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";

fn sample() -> (HttpTx, HttpTx) {
    let seen = run(REQ, RES);
    assert!(seen.anomalies.is_empty(), "{:?}", seen.anomalies);
    assert_eq!(seen.requests.len(), 1);
    assert_eq!(seen.responses.len(), 1);
    (seen.requests[0].clone(), seen.responses[0].clone())
}

#[test]
fn request_buffers() {
    let (tx, _) = sample();
    let d = Direction::ToServer;
    assert_eq!(tx.id, 0);
    assert!(tx.request_complete && !tx.response_complete);
    assert_eq!(one(&tx, d, BufferId::HttpMethod), b"POST");
    assert_eq!(
        one(&tx, d, BufferId::HttpUriRaw),
        b"/app/./x/../login.php?user=a%41&x=1#frag"
    );
    assert_eq!(
        one(&tx, d, BufferId::HttpUri),
        b"/app/login.php?user=a%41&x=1#frag"
    );
    assert_eq!(one(&tx, d, BufferId::HttpProtocol), b"HTTP/1.1");
    assert_eq!(
        one(&tx, d, BufferId::HttpRequestLine),
        b"POST /app/./x/../login.php?user=a%41&x=1#frag HTTP/1.1"
    );
    assert_eq!(one(&tx, d, BufferId::HttpHost), b"www.example.com");
    assert_eq!(one(&tx, d, BufferId::HttpHostRaw), b"WWW.Example.COM:8080");
    assert_eq!(one(&tx, d, BufferId::HttpUserAgent), b"curl/8.5");
    assert_eq!(one(&tx, d, BufferId::HttpAccept), b"*/*");
    assert_eq!(one(&tx, d, BufferId::HttpReferer), b"http://ref.example/");
    assert_eq!(one(&tx, d, BufferId::HttpConnection), b"keep-alive");
    assert_eq!(one(&tx, d, BufferId::HttpCookie), b"sid=abc");
    assert_eq!(
        one(&tx, d, BufferId::HttpContentType),
        b"application/x-www-form-urlencoded"
    );
    assert_eq!(one(&tx, d, BufferId::HttpContentLen), b"13");
    assert_eq!(one(&tx, d, BufferId::HttpRequestBody), b"user=a&pass=b");
    let hdr = one(&tx, d, BufferId::HttpHeader);
    assert!(hdr.starts_with(b"Host: WWW.Example.COM:8080\r\nUser-Agent: curl/8.5\r\n"));
    assert!(!has(&hdr, b"Cookie"), "cookies are not in http.header");
    assert!(hdr.ends_with(b"Content-Length: 13\r\n"));
    let raw = one(&tx, d, BufferId::HttpHeaderRaw);
    assert!(
        raw.starts_with(b"Host: WWW.Example.COM:8080\r\n")
            && raw.ends_with(b"Content-Length: 13\r\n\r\n")
    );
    let start = one(&tx, d, BufferId::HttpStart);
    assert!(start.starts_with(b"POST /app/./x/../login.php?user=a%41&x=1#frag HTTP/1.1\r\nHost: "));
    assert!(has(&start, b"Cookie: sid=abc\r\n") && start.ends_with(b"Content-Length: 13\r\n\r\n"));
    assert_eq!(tx.basic_auth_user.as_deref(), Some("alice"));
    // Response buffers are absent before the response.
    for id in [
        BufferId::HttpStatCode,
        BufferId::HttpResponseBody,
        BufferId::HttpServer,
    ] {
        assert!(buf(&tx, d, id).is_empty());
        assert!(buf(&tx, Direction::ToClient, id).is_empty());
    }
    // The TxBuffers impl of the tx follows the event's direction.
    let mut via_tx = Vec::new();
    tx.visit(BufferId::HttpCookie, &mut |b| via_tx.push(b.to_vec()));
    assert_eq!(via_tx, vec![b"sid=abc".to_vec()]);
}

#[test]
fn response_buffers() {
    let (_, tx) = sample();
    let d = Direction::ToClient;
    assert!(tx.request_complete && tx.response_complete);
    assert_eq!(tx.direction, Direction::ToClient);
    assert_eq!(tx.status, Some(401));
    assert_eq!(one(&tx, d, BufferId::HttpStatCode), b"401");
    assert_eq!(one(&tx, d, BufferId::HttpStatMsg), b"Unauthorized");
    assert_eq!(
        one(&tx, d, BufferId::HttpResponseLine),
        b"HTTP/1.1 401 Unauthorized"
    );
    assert_eq!(one(&tx, d, BufferId::HttpProtocol), b"HTTP/1.1");
    assert_eq!(one(&tx, d, BufferId::HttpServer), b"nginx");
    assert_eq!(one(&tx, d, BufferId::HttpLocation), b"/login");
    assert_eq!(one(&tx, d, BufferId::HttpCookie), b"a=b");
    assert_eq!(one(&tx, d, BufferId::HttpContentType), b"text/html");
    assert!(buf(&tx, d, BufferId::HttpContentLen).is_empty());
    assert_eq!(one(&tx, d, BufferId::HttpResponseBody), b"hello world");
    let hdr = one(&tx, d, BufferId::HttpHeader);
    assert_eq!(
        hdr,
        b"Server: nginx\r\nLocation: /login\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nX-Trailer: t\r\n"
    );
    let raw = one(&tx, d, BufferId::HttpHeaderRaw);
    assert!(raw.starts_with(b"Server: nginx\r\n") && raw.ends_with(b"chunked\r\n\r\n"));
    let start = one(&tx, d, BufferId::HttpStart);
    assert!(
        start.starts_with(b"HTTP/1.1 401 Unauthorized\r\nServer: nginx\r\n")
            && start.ends_with(b"\r\n\r\n")
    );
    assert!(has(&start, b"Set-Cookie: a=b\r\n"));
    // Request buffers stay visible on the response event.
    assert_eq!(one(&tx, d, BufferId::HttpMethod), b"POST");
    assert_eq!(
        one(&tx, Direction::ToServer, BufferId::HttpCookie),
        b"sid=abc"
    );
    // Non-HTTP buffers are never visited.
    assert!(buf(&tx, d, BufferId::DnsQuery).is_empty());
    assert!(buf(&tx, d, BufferId::Payload).is_empty());
}

#[test]
fn every_split_gives_the_same_result() {
    let whole = run(REQ, RES);
    let key = |s: &Seen| {
        (
            format!("{:?}", s.requests),
            format!("{:?}", s.responses),
            s.anomalies.clone(),
        )
    };
    let expect = key(&whole);
    for cut in 0..=REQ.len() {
        assert_eq!(
            key(&run_split(REQ, RES, cut, 0)),
            expect,
            "request cut at {cut}"
        );
    }
    for cut in 0..=RES.len() {
        assert_eq!(
            key(&run_split(REQ, RES, 0, cut)),
            expect,
            "response cut at {cut}"
        );
    }
    // Byte by byte.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    for b in REQ.chunks(1) {
        p.parse(Direction::ToServer, b, &mut seen.sink());
    }
    for b in RES.chunks(1) {
        p.parse(Direction::ToClient, b, &mut seen.sink());
    }
    p.close(Direction::ToServer, &mut seen.sink());
    p.close(Direction::ToClient, &mut seen.sink());
    assert_eq!(key(&seen), expect);
}

#[test]
fn evader_responses_split_anywhere() {
    // A few tricky ones, cut at every position.
    for (name, res) in evader_fixtures::RESPONSES {
        if ![
            "027", "099", "105", "115", "125", "147", "274", "285", "385", "399", "410", "419",
            "479", "488",
        ]
        .iter()
        .any(|n| name.starts_with(n))
        {
            continue;
        }
        let req = b"GET /x HTTP/1.1\r\nHost: evader.example.com\r\n\r\n";
        for cut in 0..=res.len() {
            let seen = run_split(req, res, req.len(), cut);
            let bodies: Vec<_> = seen
                .responses
                .iter()
                .filter(|t| has(&t.response_body, EICAR))
                .collect();
            assert_eq!(bodies.len(), 1, "{name} cut at {cut}: {:?}", seen.responses);
        }
    }
}

#[test]
fn bytes_after_a_length_body_depend_on_the_segment_boundary() {
    // evader 250: Content-Length 34, 68 bytes sent. When the extra bytes come
    // in the same segment they extend the body (libhtp); when the segment
    // ends exactly at the announced length the response is complete then
    // (we do not hold a finished response back waiting for the next packet),
    // and the extra bytes become a body of their own (libhtp does the same).
    let res = b"HTTP/1.1 200 ok\r\nConnection: close\r\nContent-length: 34( 68)\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    let req = b"GET / HTTP/1.1\r\n\r\n";
    assert_eq!(body_of(res), EICAR);
    let at = res.len() - 34;
    let seen = run_split(req, res, req.len(), at);
    assert_eq!(seen.responses.len(), 2);
    assert_eq!(seen.responses[0].response_body, &EICAR[..34]);
    assert_eq!(seen.responses[1].response_body, &EICAR[34..]);
}

#[test]
fn evader_responses_show_the_file() {
    let req = b"GET /x HTTP/1.1\r\nHost: evader.example.com\r\n\r\n";
    let mut failed = Vec::new();
    for (name, res) in evader_fixtures::RESPONSES {
        let seen = run(req, res);
        let hits = seen
            .responses
            .iter()
            .filter(|t| has(&t.response_body, EICAR))
            .count();
        if hits != 1 {
            failed.push(format!(
                "{name}: {:?}",
                seen.responses
                    .iter()
                    .map(|t| String::from_utf8_lossy(&t.response_body).into_owned())
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

fn body_of(res: &[u8]) -> Vec<u8> {
    let seen = run(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", res);
    assert_eq!(seen.responses.len(), 1, "{seen:?}");
    seen.responses[0].response_body.clone()
}

#[test]
fn evasion_specifics() {
    // Chunk sizes: upper case, tab, junk after the digits, CR before, blank lines.
    assert_eq!(
        body_of(
            b"HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"
        ),
        b"0123456789"
    );
    assert_eq!(body_of(b"HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n\r\n\r\n3x\r\nabc\r\n\r2\t\r\nde\r\n0\r\n\r\n"), b"abcde");
    // Chunked on HTTP/1.0 is still chunked; TE wins over CL.
    assert_eq!(body_of(b"HTTP/1.0 200 ok\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), b"abc");
    // "chunked" anywhere in the value, and in a repeated header.
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        b"abc"
    );
    assert_eq!(body_of(b"HTTP/1.1 200 ok\r\nTransfer-Encoding: lalala\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), b"abc");
    // Chunked announced, plain sent: the body is read to the close.
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\nplain body"),
        b"plain body"
    );
    // Duplicate Content-Length: the first one counts; junk after it too.
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc"),
        b"abc"
    );
    // Bytes after a body that are not a status line belong to it (evader 250).
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\r\nContent-Length: 3\r\n\r\nabcjunk\r\nmore"),
        b"abcjunk\r\nmore"
    );
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\r\nContent-Length: 3(5)\r\n\r\nabcde"),
        b"abcde"
    );
    // A 1xx/204/304 with a length has a body; without one it does not.
    assert_eq!(
        body_of(b"HTTP/1.1 204 ok\r\nContent-Length: 3\r\n\r\nabc"),
        b"abc"
    );
    assert_eq!(body_of(b"HTTP/1.1 304 ok\r\n\r\n"), b"");
    // Folding in a response header, LF-only and CR-only lines.
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\r\nTransfer-Encoding:\r\n chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        b"abc"
    );
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\nContent-Length: 3\n\nabc"),
        b"abc"
    );
    assert_eq!(
        body_of(b"HTTP/1.1 200 ok\rContent-Length: 3\r\r\nabc"),
        b"abc"
    );
    // Junk before the status line.
    assert_eq!(
        body_of(b"\r\n \r\nHTTP/1.1 200 ok\r\nContent-Length: 3\r\n\r\nabc"),
        b"abc"
    );
}

#[test]
fn pipelining_matches_in_order() {
    let req = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\nPOST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /4 HTTP/1.1\r\n\r\n";
    let res = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nC\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n";
    for cut in [0, 1, 17, 40, res.len() - 3] {
        let seen = run_split(req, res, req.len() / 2, cut);
        let uris: Vec<_> = seen.requests.iter().map(|t| t.uri_raw.clone()).collect();
        assert_eq!(
            uris,
            vec![
                b"/1".to_vec(),
                b"/2".to_vec(),
                b"/3".to_vec(),
                b"/4".to_vec()
            ]
        );
        assert_eq!(seen.requests[2].request_body, b"hi");
        let got: Vec<_> = seen
            .responses
            .iter()
            .map(|t| (t.id, t.uri_raw.clone(), t.status, t.response_body.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, b"/1".to_vec(), Some(200), b"A".to_vec()),
                (1, b"/2".to_vec(), Some(200), Vec::new()),
                (2, b"/3".to_vec(), Some(201), b"C".to_vec()),
                (3, b"/4".to_vec(), Some(404), Vec::new()),
            ],
            "cut {cut}"
        );
    }
}

#[test]
fn body_encodings() {
    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use std::io::Write;
    let text = b"The quick brown fox jumps over the lazy dog. ".repeat(20);
    let gz = {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(&text).expect("compress");
        e.finish().expect("compress")
    };
    let raw = {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(&text).expect("compress");
        e.finish().expect("compress")
    };
    let zl = {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(&text).expect("compress");
        e.finish().expect("compress")
    };
    let with_cl = |ce: &str, body: &[u8]| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: {ce}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    assert_eq!(body_of(&with_cl("gzip", &gz)), text);
    assert_eq!(body_of(&with_cl("x-gzip", &gz)), text);
    assert_eq!(body_of(&with_cl("deflate", &raw)), text);
    assert_eq!(body_of(&with_cl("deflate", &zl)), text);
    // gzip inside chunks.
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for c in gz.chunks(7) {
        chunked.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        chunked.extend_from_slice(c);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(body_of(&chunked), text);
    // Until close.
    let mut uc = b"HTTP/1.0 200 OK\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
    uc.extend_from_slice(&gz);
    assert_eq!(body_of(&uc), text);
    // Request bodies are dechunked and decompressed too: Suricata turns on
    // libhtp's request decompression (suricata-verify
    // http-post-data-decompression).
    let mut req =
        b"POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    req.extend_from_slice(format!("{:x}\r\n", gz.len()).as_bytes());
    req.extend_from_slice(&gz);
    req.extend_from_slice(b"\r\n0\r\nX-T: 1\r\n\r\n");
    let seen = run(&req, b"");
    assert_eq!(seen.requests[0].request_body, text);
    assert_eq!(seen.requests[0].request_body_len, gz.len() as u64);
    assert_eq!(seen.requests[0].request_header("x-t"), Some(&b"1"[..]));
    let post = |ce: &str, body: &[u8]| {
        let mut r = format!(
            "POST /f HTTP/1.1\r\nContent-Encoding: {ce}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    assert_eq!(
        run(&post("deflate", &raw), b"").requests[0].request_body,
        text
    );
    assert_eq!(
        run(&post("deflate", &zl), b"").requests[0].request_body,
        text
    );
    // Split anywhere, the same body.
    let whole = post("gzip", &gz);
    for cut in [20, 60, 70, whole.len() - 3] {
        let seen = run_split(&whole, b"", cut, 0);
        assert_eq!(seen.requests[0].request_body, text, "cut {cut}");
    }
    // A gzip label on plain text: the text, as browsers and libhtp pass it.
    assert_eq!(
        run(&post("gzip", b"name=value"), b"").requests[0].request_body,
        b"name=value"
    );
    // No Content-Encoding: the bytes as sent.
    let mut plain = format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", gz.len()).into_bytes();
    plain.extend_from_slice(&gz);
    assert_eq!(run(&plain, b"").requests[0].request_body, gz);
}

#[test]
fn request_decompression_is_bounded() {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![b'A'; 8 << 20]).expect("compress");
    let bomb = e.finish().expect("compress");
    let mut req = format!(
        "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        bomb.len()
    )
    .into_bytes();
    req.extend_from_slice(&bomb);
    req.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
    let seen = run(&req, b"");
    let limit = HttpConfig::default().request_body_limit;
    assert_eq!(seen.requests[0].request_body.len(), limit);
    assert!(seen.requests[0].request_body_truncated);
    // The parser stays in step: the next request is seen.
    assert_eq!(seen.requests.len(), 2);
    assert_eq!(seen.requests[1].uri_raw, b"/next");
}

#[test]
fn no_body_responses() {
    // HEAD: no body whatever the headers say; the next response follows.
    let seen = run(
        b"HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    assert_eq!(seen.responses.len(), 2);
    assert_eq!(seen.responses[0].response_body, b"");
    assert_eq!(seen.responses[1].response_body, b"ok");
    // 100 Continue is interim: the final response belongs to the same tx.
    let seen = run(
        b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    assert_eq!(seen.responses.len(), 1);
    assert_eq!(
        (
            seen.responses[0].status,
            &seen.responses[0].response_body[..]
        ),
        (Some(200), &b"ok"[..])
    );
    // 204 and 304 end at the empty line.
    let seen = run(
        b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n",
    );
    assert_eq!(
        seen.responses.iter().map(|t| t.status).collect::<Vec<_>>(),
        vec![Some(204), Some(304)]
    );
    // A 401 to a request waiting for 100-continue: the body never comes.
    let seen = run(
        b"PUT /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9999\r\n\r\n",
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(seen.requests.len(), 1);
    assert_eq!(seen.responses[0].status, Some(401));
}

#[test]
fn response_ends_at_close() {
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.0\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.0 200 OK\r\n\r\npart one, ",
        &mut seen.sink(),
    );
    p.parse(Direction::ToClient, b"part two", &mut seen.sink());
    assert!(
        seen.responses.is_empty(),
        "no length: not complete before the close"
    );
    p.close(Direction::ToClient, &mut seen.sink());
    assert_eq!(seen.responses[0].response_body, b"part one, part two");
    // Later data is ignored.
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\n\r\n",
        &mut seen.sink(),
    );
    assert_eq!(seen.responses.len(), 1);
}

#[test]
fn http09_and_unmatched() {
    let seen = run(b"GET /old\r\n", b"<html>old style</html>");
    assert_eq!(seen.requests[0].request_version, HttpVersion::V09);
    assert_eq!(seen.responses[0].response_body, b"<html>old style</html>");
    // A response nobody asked for still becomes a transaction.
    let seen = run(b"", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    assert_eq!(seen.responses.len(), 1);
    assert!(!seen.responses[0].request_seen);
    assert!(buf(&seen.responses[0], Direction::ToClient, BufferId::HttpUri).is_empty());
    assert_eq!(seen.responses[0].response_body, b"ok");
}

#[test]
fn tunnels() {
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01\x00",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToServer,
        b"GET /not/parsed HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    assert!(p.is_tunnel());
    assert_eq!(seen.requests.len(), 1);
    assert_eq!(seen.requests[0].host.as_deref(), Some(&b"example.com"[..]));
    assert_eq!(seen.responses.len(), 1);
    // Refused CONNECT: what the client sent meanwhile is parsed after all.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"CONNECT example.com:443 HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
        &mut seen.sink(),
    );
    assert!(!p.is_tunnel());
    assert_eq!(
        seen.requests
            .iter()
            .map(|t| t.uri_raw.clone())
            .collect::<Vec<_>>(),
        vec![b"example.com:443".to_vec(), b"/next".to_vec()]
    );
    // 101 Switching Protocols.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
        &mut seen.sink(),
    );
    assert!(p.is_tunnel());
    assert_eq!(seen.responses.len(), 1);
}

#[test]
fn garbage_fails_the_flow() {
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n",
        &mut seen.sink(),
    );
    assert!(p.failed(Direction::ToServer));
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\n\r\n",
        &mut seen.sink(),
    );
    assert!(seen.requests.is_empty() && seen.responses.is_empty());
    assert!(!seen.anomalies.is_empty());
    // Server side garbage with no request.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToClient,
        b"SSH-2.0-OpenSSH_9.6\r\nmore\r\n",
        &mut seen.sink(),
    );
    assert!(p.failed(Direction::ToClient));
    assert!(seen.responses.is_empty());
}

#[test]
fn limits() {
    let cfg = HttpConfig {
        request_body_limit: 10,
        response_body_limit: 16,
        max_header_bytes: 256,
        ..HttpConfig::default()
    };
    // Bodies: the event comes when the limit is hit, once.
    let mut p = HttpParser::new(&cfg);
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"POST / HTTP/1.1\r\nContent-Length: 40\r\n\r\n0123456789abcdef",
        &mut seen.sink(),
    );
    assert_eq!(seen.requests.len(), 1);
    assert_eq!(seen.requests[0].request_body, b"0123456789");
    assert!(seen.requests[0].request_body_truncated);
    p.parse(Direction::ToServer, &[b'x'; 24], &mut seen.sink());
    p.parse(
        Direction::ToServer,
        b"GET /next HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    assert_eq!(seen.requests.len(), 2);
    assert_eq!(seen.requests[1].uri_raw, b"/next");
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(Direction::ToClient, &[b'y'; 100], &mut seen.sink());
    assert_eq!(seen.responses.len(), 1);
    assert_eq!(seen.responses[0].response_body.len(), 16);
    assert_eq!(seen.responses[0].response_body_len, 100);
    // Header block too long: the direction gives up.
    let mut p = HttpParser::new(&cfg);
    let mut seen = Seen::default();
    p.parse(Direction::ToServer, b"GET / HTTP/1.1\r\n", &mut seen.sink());
    for _ in 0..20 {
        p.parse(
            Direction::ToServer,
            b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaa\r\n",
            &mut seen.sink(),
        );
    }
    assert!(p.failed(Direction::ToServer));
    assert!(p.heap_bytes() < 4096, "{}", p.heap_bytes());
    assert_eq!(seen.requests.len(), 1, "what was parsed is still reported");
    // Zip bomb: the decoded body stops at the limit.
    use flate2::write::GzEncoder;
    use std::io::Write;
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 8 << 20]).expect("compress");
    let bomb = e.finish().expect("compress");
    let mut res = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        bomb.len()
    )
    .into_bytes();
    res.extend_from_slice(&bomb);
    let seen = run(b"GET / HTTP/1.1\r\n\r\n", &res);
    assert_eq!(
        seen.responses[0].response_body.len(),
        HttpConfig::default().response_body_limit
    );
    assert!(seen.responses[0].response_body_truncated);
}

#[test]
fn transactions_in_flight_are_bounded() {
    let cfg = HttpConfig {
        max_txs_in_flight: 4,
        ..HttpConfig::default()
    };
    let mut p = HttpParser::new(&cfg);
    let mut seen = Seen::default();
    for i in 0..10 {
        p.parse(
            Direction::ToServer,
            format!("GET /{i} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes(),
            &mut seen.sink(),
        );
    }
    assert_eq!(seen.requests.len(), 10);
    assert_eq!(p.txs_in_flight(), 10);
    for _ in 0..10 {
        p.parse(
            Direction::ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            &mut seen.sink(),
        );
    }
    assert_eq!(seen.responses.len(), 10);
    // Over the cap, responses still match in order, with a lean request.
    assert_eq!(seen.responses[3].uri_raw, b"/3");
    assert_eq!(seen.responses[9].id, 9);
    assert_eq!(p.txs_in_flight(), 0);
    // Far beyond it the flow is given up.
    let mut p = HttpParser::new(&cfg);
    let mut seen = Seen::default();
    for i in 0..100 {
        p.parse(
            Direction::ToServer,
            format!("GET /{i} HTTP/1.1\r\n\r\n").as_bytes(),
            &mut seen.sink(),
        );
    }
    assert!(p.failed(Direction::ToServer));
    assert!(p.txs_in_flight() <= 4 * 16);
}

#[test]
fn gaps() {
    // A gap inside a body of known length is skipped.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab",
        &mut seen.sink(),
    );
    p.gap_with(Direction::ToClient, 5, &mut seen.sink());
    p.parse(
        Direction::ToClient,
        b"fgjHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nZ",
        &mut seen.sink(),
    );
    assert_eq!(seen.responses.len(), 2);
    assert_eq!(seen.responses[0].response_body, b"abfgj");
    assert!(seen.responses[0].response_gap);
    assert_eq!(seen.responses[1].response_body, b"Z");
    // A gap in the headers: the message ends, parsing resumes at the next request.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"GET /a HTTP/1.1\r\nHost: x\r\nUser-Ag",
        &mut seen.sink(),
    );
    p.gap(Direction::ToServer, 100);
    p.parse(
        Direction::ToServer,
        b"ent junk\r\n\r\nbody bytes\r\nPOST /b HTTP/1.1\r\nContent-Length: 1\r\n\r\n!",
        &mut seen.sink(),
    );
    p.close(Direction::ToServer, &mut seen.sink());
    let uris: Vec<_> = seen
        .requests
        .iter()
        .map(|t| (t.uri_raw.clone(), t.request_gap))
        .collect();
    assert_eq!(uris, vec![(b"/a".to_vec(), true), (b"/b".to_vec(), false)]);
    assert_eq!(seen.requests[1].request_body, b"!");
    // A gap in a compressed body stops decoding instead of producing garbage.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00",
        &mut seen.sink(),
    );
    p.gap(Direction::ToClient, 1000);
    p.parse(
        Direction::ToClient,
        b"\x00\x01\x02 random compressed tail",
        &mut seen.sink(),
    );
    p.close(Direction::ToClient, &mut seen.sink());
    assert_eq!(seen.responses.len(), 1);
    assert!(seen.responses[0].response_gap);
    assert!(!has(&seen.responses[0].response_body, b"random"));
    // A gap before anything: the first thing that looks like a response.
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    p.gap(Direction::ToClient, 10);
    p.parse(
        Direction::ToClient,
        b"tail of something\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        &mut seen.sink(),
    );
    assert_eq!(seen.responses.len(), 1);
    assert_eq!(seen.responses[0].response_body, b"ok");
}

#[test]
fn host_and_uri_normalisation() {
    let seen = run(b"GET http://User@EXAMPLE.org.:81/a//b/%2e%2e/c?q=%2e HTTP/1.1\r\nHost: other.example\r\n\r\n", b"");
    let tx = &seen.requests[0];
    assert_eq!(
        tx.host.as_deref(),
        Some(&b"example.org"[..]),
        "the URI's host wins"
    );
    assert_eq!(tx.uri_normalized, b"/a/c?q=%2e");
    let seen = run(
        b"GET /x HTTP/1.1\r\nHost: a.example\r\nHost: B.example\r\n\r\n",
        b"",
    );
    assert_eq!(
        seen.requests[0].host.as_deref(),
        Some(&b"a.example, b.example"[..])
    );
    let seen = run(
        b"GET /x HTTP/1.1\r\nUser-Agent: a\r\nuser-agent: b\r\n\r\n",
        b"",
    );
    assert_eq!(
        seen.requests[0].request_header("User-Agent"),
        Some(&b"a, b"[..])
    );
}

#[test]
fn probing() {
    use Direction::*;
    assert_eq!(probe(ToServer, b"GET / HTTP/1.1\r\n"), Probe::Yes);
    assert_eq!(probe(ToServer, b"PROPFIND /dav HTTP/1.1"), Probe::Yes);
    assert_eq!(probe(ToServer, b"\r\nPOST /x"), Probe::Yes);
    assert_eq!(probe(ToServer, b"PROP"), Probe::NeedMore);
    assert_eq!(probe(ToServer, b""), Probe::NeedMore);
    assert_eq!(probe(ToServer, b"get / HTTP/1.1"), Probe::No);
    assert_eq!(probe(ToServer, b"\x16\x03\x01"), Probe::No);
    assert_eq!(probe(ToServer, b"SSH-2.0-x"), Probe::No);
    assert_eq!(probe(ToClient, b"HTTP/1.1 200 OK"), Probe::Yes);
    assert_eq!(probe(ToClient, b"http/1.0 200"), Probe::Yes);
    assert_eq!(probe(ToClient, b"HTTP/0.9 200"), Probe::Yes);
    assert_eq!(probe(ToClient, b"HTT"), Probe::NeedMore);
    assert_eq!(probe(ToClient, b"HTTP/2 200"), Probe::No);
    assert_eq!(probe(ToClient, b"220 ftp ready"), Probe::No);
}

// ---------------------------------------------------------------------------
// Robustness: random and mutated input
// ---------------------------------------------------------------------------

/// xorshift64*: a small deterministic generator for the tests.
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

/// A bound on what one parser may hold under `cfg`, generously.
fn memory_bound(cfg: &HttpConfig) -> usize {
    let per_tx = cfg.request_body_limit + cfg.response_body_limit + 8 * cfg.max_header_bytes + 4096;
    cfg.max_txs_in_flight * per_tx
        + cfg.max_txs_in_flight * 16 * 2048
        + 8 * cfg.max_header_bytes
        + 4 * cfg.decompress_layer_cap
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(8) {
        let i = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if i < v.len() => v[i] = rng.next() as u8,
            1 if i < v.len() => {
                v.remove(i);
            }
            2 => v.insert(i, *b"\r\n:; \t0\x00".get(rng.below(8)).unwrap_or(&b'x')),
            3 => {
                let j = rng.below(v.len() + 1);
                let (a, b) = (i.min(j), i.max(j));
                let dup = v[a..b].to_vec();
                v.splice(b..b, dup);
            }
            4 => v.truncate(i),
            _ => {
                let tok: &[u8] = [
                    &b"\r\n"[..],
                    b"Content-Length: 9\r\n",
                    b"Transfer-Encoding: chunked\r\n",
                    b"0\r\n\r\n",
                    b"HTTP/1.1 200 OK\r\n",
                    b"GET / HTTP/1.1\r\n",
                    b"\x1f\x8b\x08\x00",
                ][rng.below(7)];
                v.splice(i..i, tok.iter().copied());
            }
        }
    }
    v
}

fn feed_random_splits(
    rng: &mut Rng,
    p: &mut HttpParser,
    dir: Direction,
    data: &[u8],
    seen: &mut Seen,
) {
    let mut i = 0;
    while i < data.len() {
        let n = 1 + rng.below(64);
        let end = (i + n).min(data.len());
        if rng.below(50) == 0 {
            p.gap(dir, 1 + rng.below(100) as u64);
        }
        p.parse(dir, &data[i..end], &mut seen.sink());
        i = end;
    }
}

#[test]
fn random_and_mutated_input_never_panics_and_stays_bounded() {
    let cfg = HttpConfig {
        request_body_limit: 4096,
        response_body_limit: 4096,
        max_header_bytes: 4096,
        max_txs_in_flight: 8,
        ..HttpConfig::default()
    };
    let bound = memory_bound(&cfg);
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let req_base: Vec<u8> = [
        REQ,
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ]
    .concat();
    let mut res_base: Vec<u8> = RES.to_vec();
    for (_, r) in evader_fixtures::RESPONSES.iter().take(40) {
        res_base.extend_from_slice(r);
    }
    for round in 0..1500 {
        let mut p = HttpParser::new(&cfg);
        let mut seen = Seen::default();
        let (req, res) = if round % 3 == 0 {
            let n = rng.below(2000);
            let r1: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            let r2: Vec<u8> = (0..rng.below(2000)).map(|_| rng.next() as u8).collect();
            (r1, r2)
        } else {
            let (_, evr) = evader_fixtures::RESPONSES[rng.below(evader_fixtures::RESPONSES.len())];
            let base_res = if round % 2 == 0 { &res_base[..] } else { evr };
            (mutate(&mut rng, &req_base), mutate(&mut rng, base_res))
        };
        feed_random_splits(&mut rng, &mut p, Direction::ToServer, &req, &mut seen);
        feed_random_splits(&mut rng, &mut p, Direction::ToClient, &res, &mut seen);
        assert!(
            p.heap_bytes() <= bound,
            "round {round}: {} > {bound}",
            p.heap_bytes()
        );
        p.close(Direction::ToServer, &mut seen.sink());
        p.close(Direction::ToClient, &mut seen.sink());
        for tx in seen.requests.iter().chain(&seen.responses) {
            assert!(tx.request_body.len() <= cfg.request_body_limit);
            assert!(tx.response_body.len() <= cfg.response_body_limit);
            for id in [
                BufferId::HttpUri,
                BufferId::HttpHeader,
                BufferId::HttpStart,
                BufferId::HttpResponseBody,
            ] {
                tx.visit(id, &mut |_| {});
            }
        }
    }
}

#[test]
fn endless_streams_stay_bounded() {
    let cfg = HttpConfig::default();
    // One endless header line, one byte at a time, and endless chunk sizes.
    let mut p = HttpParser::new(&cfg);
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\nX: ",
        &mut seen.sink(),
    );
    for _ in 0..(cfg.max_header_bytes + 10) {
        p.parse(Direction::ToServer, b"a", &mut seen.sink());
    }
    assert!(p.failed(Direction::ToServer));
    let mut p = HttpParser::new(&cfg);
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        &mut seen.sink(),
    );
    for _ in 0..100_000 {
        p.parse(Direction::ToClient, b"0000000000", &mut seen.sink());
    }
    assert!(
        p.heap_bytes() < 2 * cfg.max_header_bytes + 200 * 1024,
        "{}",
        p.heap_bytes()
    );
    // Endless body: kept up to the limit.
    let mut p = HttpParser::new(&cfg);
    p.parse(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\n\r\n",
        &mut seen.sink(),
    );
    p.parse(
        Direction::ToClient,
        b"HTTP/1.0 200 OK\r\n\r\n",
        &mut seen.sink(),
    );
    for _ in 0..10_000 {
        p.parse(Direction::ToClient, &[b'z'; 1000], &mut seen.sink());
    }
    assert!(p.heap_bytes() < cfg.response_body_limit + 64 * 1024);
}

#[test]
fn request_anomalies() {
    // Smuggling shapes are reported; chunked wins, as in libhtp.
    let seen = run(b"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", b"");
    assert_eq!(seen.requests[0].request_body, b"ab");
    assert!(
        seen.anomalies
            .contains(&"request has both Transfer-Encoding and Content-Length")
    );
    // An invalid chunk size or Content-Length ends request parsing (libhtp).
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut seen = Seen::default();
    p.parse(
        Direction::ToServer,
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        &mut seen.sink(),
    );
    assert!(p.failed(Direction::ToServer));
    assert_eq!(seen.requests.len(), 1);
    let mut p = HttpParser::new(&HttpConfig::default());
    p.parse(
        Direction::ToServer,
        b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        &mut seen.sink(),
    );
    assert!(p.failed(Direction::ToServer));
    // Empty lines before a request are skipped; odd whitespace is accepted.
    let seen = run(b"\r\n\r\n  GET\t/x\tHTTP/1.1\r\nHost:  h \r\n\r\n", b"");
    assert_eq!(
        (
            &seen.requests[0].uri_raw[..],
            seen.requests[0].host.as_deref()
        ),
        (&b"/x"[..], Some(&b"h"[..]))
    );
    // Authorization other than Basic, or broken Basic: no user.
    let seen = run(b"GET / HTTP/1.1\r\nAuthorization: Basic !!!\r\n\r\nGET / HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\n", b"");
    assert!(seen.requests.iter().all(|t| t.basic_auth_user.is_none()));
}

/// Throughput on pipelined keep-alive traffic (run with `--ignored` in
/// release mode to get a meaningful figure).
#[test]
#[ignore]
fn throughput() {
    for size in [10_000, 100] {
        throughput_with(size);
    }
}

fn throughput_with(size: usize) {
    let body = vec![b'a'; size];
    let mut pairs = Vec::new();
    for i in 0..2000 {
        let req = format!("GET /path/{i}/index.html?x=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\nCookie: a=b\r\n\r\n").into_bytes();
        let mut res = format!("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        res.extend_from_slice(&body);
        pairs.push((req, res));
    }
    let start = std::time::Instant::now();
    let mut n = 0usize;
    let mut p = HttpParser::new(&HttpConfig::default());
    let mut sink = |e: HttpEvent<'_>| {
        if let HttpEvent::Response(_) = e {
            n += 1;
        }
    };
    let mut bytes = 0;
    for (req, res) in &pairs {
        p.parse(Direction::ToServer, req, &mut sink);
        for c in res.chunks(1460) {
            p.parse(Direction::ToClient, c, &mut sink);
        }
        bytes += req.len() + res.len();
    }
    p.close(Direction::ToClient, &mut sink);
    let secs = start.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    assert_eq!(n, 2000);
    eprintln!(
        "http throughput, {size}-byte bodies: {:.1} MB/s ({n} responses, {mb:.1} MB in {secs:.3} s)",
        mb / secs
    );
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

#[test]
fn header_names_and_header_lines() {
    let seen = run(
        b"GET / HTTP/1.1\r\nHost: a.b\r\nUser-Agent: x y\r\nCookie: c=1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 0\r\n\r\n",
    );
    let tx = &seen.responses[0];
    // Suricata's format: "\r\n", each name and "\r\n", then "\r\n";
    // names as sent, cookies included.
    assert_eq!(
        one(tx, Direction::ToServer, BufferId::HttpHeaderNames),
        b"\r\nHost\r\nUser-Agent\r\nCookie\r\n\r\n"
    );
    assert_eq!(
        one(tx, Direction::ToClient, BufferId::HttpHeaderNames),
        b"\r\nServer\r\nContent-Length\r\n\r\n"
    );
    assert_eq!(
        buf(tx, Direction::ToServer, BufferId::HttpRequestHeader),
        [&b"Host: a.b"[..], b"User-Agent: x y", b"Cookie: c=1"]
    );
    assert_eq!(
        buf(tx, Direction::ToClient, BufferId::HttpResponseHeader),
        [&b"Server: s"[..], b"Content-Length: 0"]
    );
    // Request lines are there in both directions (the response's rules
    // see the request too), response lines only with the response.
    assert_eq!(
        buf(tx, Direction::ToClient, BufferId::HttpRequestHeader).len(),
        3
    );
    let req_only = &run(b"GET / HTTP/1.1\r\n\r\n", b"").requests[0];
    assert!(buf(req_only, Direction::ToServer, BufferId::HttpHeaderNames).is_empty());
    assert!(buf(req_only, Direction::ToServer, BufferId::HttpRequestHeader).is_empty());
    assert!(buf(req_only, Direction::ToServer, BufferId::HttpResponseHeader).is_empty());
}
