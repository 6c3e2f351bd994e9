//! Request-target parsing and the normalised URI of `http.uri`.
//!
//! Suricata builds `http.uri` from libhtp's parsed URI: the normalised path,
//! then `?` and the query *as sent*, then `#` and the decoded fragment
//! (`uri-include-all: no`, the default). libhtp runs with the IDS
//! personality, minus lower-casing (Suricata turns that off: "signatures do
//! not expect this"). So the path gets, in this order:
//!
//! 1. `%XX` decoded for every valid pair, `%2F` and `%5C` included (IDS
//!    decodes separators); `%uHHHH` decoded (IIS style) to one byte: the low
//!    byte when the high byte is 0, full-width ASCII (U+FF01-FF5E) to ASCII,
//!    anything else to `?`. Invalid escapes stay as they are (`%zz`, `%4`).
//!    An encoded NUL stays a NUL byte.
//! 2. `\` becomes `/`.
//! 3. UTF-8 best fit: each 2-4 byte UTF-8 sequence (overlong forms included,
//!    so `%c0%af` is `/`) becomes one byte: its code point below 0x100, the
//!    ASCII of a full-width form, else `?`. Bytes that are not UTF-8 stay.
//! 4. Runs of `/` become one `/`.
//! 5. `.` and `..` segments are removed (RFC 3986 section 5.2.4); `..`
//!    never climbs above the root.
//!
//! The query is not decoded (Suricata's `double-decode-query: no`); `+` is
//! never turned into a space. An absolute URI (`http://host:port/p`, proxy
//! requests) contributes its path, query and fragment; its host is what
//! `http.host` shows. A CONNECT target (`host:port`) has no path.

use super::parser::split_hostport;

/// The parts of a request target, as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UriParts<'a> {
    /// Host from an absolute URI or a CONNECT target.
    pub host: Option<&'a [u8]>,
    /// Port from an absolute URI or a CONNECT target.
    pub port: Option<&'a [u8]>,
    /// Path (may be empty).
    pub path: &'a [u8],
    /// Query, without the `?`.
    pub query: Option<&'a [u8]>,
    /// Fragment, without the `#`.
    pub fragment: Option<&'a [u8]>,
}

/// Splits a request target. `connect`: the target is `authority` form.
pub(crate) fn split_uri(uri: &[u8], connect: bool) -> UriParts<'_> {
    let mut parts = UriParts::default();
    if connect {
        let (h, p) = split_hostport(uri);
        parts.host = Some(h);
        parts.port = p;
        return parts;
    }
    let mut rest = uri;
    if !uri.starts_with(b"/") {
        if let Some(p) = memchr::memmem::find(uri, b"://") {
            let scheme = &uri[..p];
            if !scheme.is_empty()
                && scheme
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
            {
                let auth_and_more = &uri[p + 3..];
                let auth_end = auth_and_more
                    .iter()
                    .position(|&c| matches!(c, b'/' | b'?' | b'#'))
                    .unwrap_or(auth_and_more.len());
                let mut auth = &auth_and_more[..auth_end];
                if let Some(at) = auth.iter().rposition(|&c| c == b'@') {
                    auth = &auth[at + 1..];
                }
                let (h, port) = split_hostport(auth);
                parts.host = Some(h);
                parts.port = port;
                rest = &auth_and_more[auth_end..];
            }
        }
    }
    let path_end = rest
        .iter()
        .position(|&c| c == b'?' || c == b'#')
        .unwrap_or(rest.len());
    parts.path = &rest[..path_end];
    let mut tail = &rest[path_end..];
    if let Some(q) = tail.strip_prefix(b"?") {
        let qe = q.iter().position(|&c| c == b'#').unwrap_or(q.len());
        parts.query = Some(&q[..qe]);
        tail = &q[qe..];
    }
    if let Some(f) = tail.strip_prefix(b"#") {
        parts.fragment = Some(f);
    }
    parts
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// One byte for a Unicode code point (libhtp's best-fit idea, reduced to
/// what matters for evasions: Latin-1 as is, full-width ASCII to ASCII).
fn best_fit(cp: u32) -> u8 {
    if cp < 0x100 {
        cp as u8
    } else if (0xff01..=0xff5e).contains(&cp) {
        (cp - 0xff01 + 0x21) as u8
    } else {
        b'?'
    }
}

/// Step 1: `%XX` and `%uHHHH`, invalid escapes kept.
fn percent_decode_path(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if matches!(b.get(i + 1), Some(b'u' | b'U')) && i + 6 <= b.len() {
                let ds: Option<Vec<u8>> = b[i + 2..i + 6].iter().map(|&c| hex(c)).collect();
                if let Some(ds) = ds {
                    let cp = ds.iter().fold(0u32, |a, &d| a << 4 | u32::from(d));
                    out.push(best_fit(cp));
                    i += 6;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Step 3: UTF-8 sequences (overlong included) to one byte each.
fn utf8_best_fit(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let (len, init) = match c {
            0xc0..=0xdf => (2, u32::from(c & 0x1f)),
            0xe0..=0xef => (3, u32::from(c & 0x0f)),
            0xf0..=0xf7 => (4, u32::from(c & 0x07)),
            _ => (1, 0),
        };
        if len > 1 && i + len <= b.len() && b[i + 1..i + len].iter().all(|&t| t & 0xc0 == 0x80) {
            let cp = b[i + 1..i + len]
                .iter()
                .fold(init, |a, &t| a << 6 | u32::from(t & 0x3f));
            out.push(best_fit(cp));
            i += len;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Step 5: RFC 3986 `remove_dot_segments`, on a path whose separators are
/// already single slashes.
pub(crate) fn remove_dot_segments(path: &[u8]) -> Vec<u8> {
    let mut input = path;
    let mut out: Vec<u8> = Vec::with_capacity(path.len());
    while !input.is_empty() {
        if let Some(r) = input.strip_prefix(b"../") {
            input = r;
        } else if let Some(r) = input.strip_prefix(b"./") {
            input = r;
        } else if input.starts_with(b"/./") {
            input = &input[2..];
        } else if input == b"/." {
            input = b"/";
        } else if input.starts_with(b"/../") || input == b"/.." {
            input = if input.len() == 3 { b"/" } else { &input[3..] };
            match out.iter().rposition(|&c| c == b'/') {
                Some(p) => out.truncate(p),
                None => out.clear(),
            }
        } else if input == b"." || input == b".." {
            input = b"";
        } else {
            let start = usize::from(input[0] == b'/');
            let end = input[start..]
                .iter()
                .position(|&c| c == b'/')
                .map_or(input.len(), |p| p + start);
            out.extend_from_slice(&input[..end]);
            input = &input[end..];
        }
    }
    out
}

/// The normalised path (steps 1-5 above).
pub(crate) fn normalize_path(path: &[u8]) -> Vec<u8> {
    let mut p = percent_decode_path(path);
    for c in p.iter_mut() {
        if *c == b'\\' {
            *c = b'/';
        }
    }
    let p = utf8_best_fit(&p);
    let mut compressed = Vec::with_capacity(p.len());
    for &c in &p {
        if c == b'/' && compressed.last() == Some(&b'/') {
            continue;
        }
        compressed.push(c);
    }
    remove_dot_segments(&compressed)
}

/// `%XX` decoding only (fragments).
fn percent_decode(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The `http.uri` buffer for a request target.
pub(crate) fn normalized_uri(parts: &UriParts<'_>) -> Vec<u8> {
    let mut out = normalize_path(parts.path);
    if let Some(q) = parts.query {
        out.push(b'?');
        out.extend_from_slice(q);
    }
    if let Some(f) = parts.fragment {
        out.push(b'#');
        out.extend_from_slice(&percent_decode(f));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(u: &str) -> String {
        String::from_utf8_lossy(&normalized_uri(&split_uri(u.as_bytes(), false))).into_owned()
    }

    #[test]
    fn paths() {
        assert_eq!(norm("/index.html"), "/index.html");
        assert_eq!(norm("/a/./b/../c"), "/a/c");
        assert_eq!(norm("/../../etc/passwd"), "/etc/passwd");
        assert_eq!(norm("/a//b///c"), "/a/b/c");
        assert_eq!(norm("/a\\b\\..\\c"), "/a/c");
        assert_eq!(norm("/%41%62c"), "/Abc");
        assert_eq!(norm("/a%2fb%5cc"), "/a/b/c");
        assert_eq!(norm("/a/%2e%2e/b"), "/b");
        assert_eq!(norm("/a%2e%2e/b"), "/a../b");
        assert_eq!(norm("/%zz%4"), "/%zz%4");
        assert_eq!(norm("/%u0041%uff0e%uff0e/x"), "/A../x");
        assert_eq!(norm("/x/%c0%ae%c0%ae/y"), "/y");
        assert_eq!(norm("/x/%c0%afy"), "/x/y");
        assert_eq!(
            normalized_uri(&split_uri(b"/caf%c3%a9", false)),
            b"/caf\xe9"
        );
        assert_eq!(norm("/Admin"), "/Admin");
        assert_eq!(norm("/a%00b"), "/a\u{0}b");
    }

    #[test]
    fn query_and_fragment() {
        assert_eq!(norm("/p/../q?a=%41&b=c+d#f%41"), "/q?a=%41&b=c+d#fA");
        assert_eq!(norm("/?"), "/?");
        assert_eq!(norm("/x?../y"), "/x?../y");
    }

    #[test]
    fn absolute_and_connect() {
        let p = split_uri(b"http://user:pw@Example.com:8080/a/../b?x", false);
        assert_eq!(p.host, Some(&b"Example.com"[..]));
        assert_eq!(p.port, Some(&b"8080"[..]));
        assert_eq!(normalized_uri(&p), b"/b?x");
        let p = split_uri(b"example.com:443", true);
        assert_eq!(
            (p.host, p.port),
            (Some(&b"example.com"[..]), Some(&b"443"[..]))
        );
        assert_eq!(normalized_uri(&p), b"");
        let p = split_uri(b"*", false);
        assert_eq!(normalized_uri(&p), b"*");
    }

    #[test]
    fn dot_segments_rfc_examples() {
        assert_eq!(remove_dot_segments(b"/a/b/c/./../../g"), b"/a/g");
        assert_eq!(remove_dot_segments(b"mid/content=5/../6"), b"mid/6");
        assert_eq!(remove_dot_segments(b"/a/b/.."), b"/a/");
        assert_eq!(remove_dot_segments(b"/."), b"/");
    }
}
