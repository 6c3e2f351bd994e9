//! Server responses of suricata-verify's http-evader cases (MIT, OISF),
//! extracted from the cases' pcaps: each must show the EICAR test file
//! as the response body. The name is the case number and the trick, as
//! the case's request path describes it.

/// (case, response bytes).
pub(super) const RESPONSES: &[(&str, &[u8])] = &[
    (
        "000 chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "004 ucsize",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nF\r\nX5O!P%@AP[4\\PZX\r\nF\r\n54(P^)7CC)7}$EI\r\nF\r\nCAR-STANDARD-AN\r\nF\r\nTIVIRUS-TEST-FI\r\n8\r\nLE!$H+H*\r\n0\r\n\r\n",
    ),
    (
        "007 size-tab",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nf\t\r\nX5O!P%@AP[4\\PZX\r\nf\t\r\n54(P^)7CC)7}$EI\r\nf\t\r\nCAR-STANDARD-AN\r\nf\t\r\nTIVIRUS-TEST-FI\r\n8\t\r\nLE!$H+H*\r\n0\r\n\r\n",
    ),
    (
        "009 size-x",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nfx\r\nX5O!P%@AP[4\\PZX\r\nfx\r\n54(P^)7CC)7}$EI\r\nfx\r\nCAR-STANDARD-AN\r\nfx\r\nTIVIRUS-TEST-FI\r\n8x\r\nLE!$H+H*\r\n0\r\n\r\n",
    ),
    (
        "017 cr-size",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\rf\r\nX5O!P%@AP[4\\PZX\r\n\rf\r\n54(P^)7CC)7}$EI\r\n\rf\r\nCAR-STANDARD-AN\r\n\rf\r\nTIVIRUS-TEST-FI\r\n\r8\r\nLE!$H+H*\r\n0\r\n\r\n",
    ),
    (
        "019 crlf-size",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\r\nf\r\nX5O!P%@AP[4\\PZX\r\n\r\nf\r\n54(P^)7CC)7}$EI\r\n\r\nf\r\nCAR-STANDARD-AN\r\n\r\nf\r\nTIVIRUS-TEST-FI\r\n\r\n8\r\nLE!$H+H*\r\n0\r\n\r\n",
    ),
    (
        "021 \\013-size",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\x0bf\r\nX5O!P%@AP[4\\PZX\r\n\x0bf\r\n54(P^)7CC)7}$EI\r\n\x0bf\r\nCAR-STANDARD-AN\r\n\x0bf\r\nTIVIRUS-TEST-FI\r\n\x0b8\r\nLE!$H+H*\r\n0\r\n\r\n",
    ),
    (
        "027 finalchunk=0\\015",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r",
    ),
    (
        "028 finalchunk=0",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0",
    ),
    (
        "031 finalchunk=0\\012\\015\\012",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\n\r\n",
    ),
    (
        "039 chunked,clen50",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nContent-length: 34\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "040 addjunk,chunked,clen50",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nContent-length: 68\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n5\r\n+H*xx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n1\r\nx\r\n0\r\n\r\n",
    ),
    (
        "043 clen,chunked,http10",
        b"HTTP/1.0 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-length: 68\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "050 chunked,clen,HTTP/0.9,do_clen",
        b"HTTP/0.9 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "054 chunked,http/1.1",
        b"http/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "063 xchunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: xchunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "065 chunked-x",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked x\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "071 rfc2047,do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: =?UTF-8?B?Y2h1bmtlZAo=?=\r\nConnection: close\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "072 rfc2047,clen,do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: =?UTF-8?B?Y2h1bmtlZAo=?=\r\nConnection: close\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "074 crchunked,do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: \rchunked\r\nConnection: close\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "075 cr-chunked,do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: \r chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "079 xte,chunked,do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: lalala\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "080 chunked,xte,do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nTransfer-Encoding: lalala\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "084 xte,chunked,clen,do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: lalala\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nContent-length: 68\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "086 xte,chunked,clen,do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: lalala\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "090 tab-colon-chunked,do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding\t: chunked\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "093 colon-colon-chunked,do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding:: chunked\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "095 cronly-chunked,do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\rTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "097 chunk-lf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\nX5O!P\n5\n%@AP[\n5\n4\\PZX\n5\n54(P^\n5\n)7CC)\n5\n7}$EI\n5\nCAR-S\n5\nTANDA\n5\nRD-AN\n5\nTIVIR\n5\nUS-TE\n5\nST-FI\n5\nLE!$H\n3\n+H*\n0\n\n",
    ),
    (
        "099 eof-inchunk",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\nd\r\n+H*",
    ),
    (
        "100 space-before-chunks",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n 5\r\nX5O!P\r\n5\r\n%@AP[\r\n5\r\n4\\PZX\r\n5\r\n54(P^\r\n5\r\n)7CC)\r\n5\r\n7}$EI\r\n5\r\nCAR-S\r\n5\r\nTANDA\r\n5\r\nRD-AN\r\n5\r\nTIVIR\r\n5\r\nUS-TE\r\n5\r\nST-FI\r\n5\r\nLE!$H\r\n3\r\n+H*\r\n0\r\n\r\n",
    ),
    (
        "105 ce:x-gzip;gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:x-gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "109 ce:deflate;deflate2p,partial",
        b"HTTP/1.1 200 ok\r\nContent-length: 72\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\n\r\n\x8a0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\x05\x08\xb0\xe0\x10G?\x17\xc7 \x17]G\xbf\x10\xcf0\xcf\xa0\xd0`\xdd\x10\xd7\xe0\x10]7O\x1fWE\x15\x0fm\x0f-\x00",
    ),
    (
        "111 ce:deflate;deflate2p,block",
        b"HTTP/1.1 200 ok\r\nContent-length: 71\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\n\r\n\x8a0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\x05,8\xc4\xd1\xcf\xc51\xc8E\xd7\xd1/\xc43\xcc3(4X7\xc458D\xd7\xcd\xd3\xc7UQ\xc5C\xdbC\x0b\x00",
    ),
    (
        "115 ce:deflate;deflate2p",
        b"HTTP/1.1 200 ok\r\nContent-length: 76\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\n\r\n\x8a0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\x05\x00\x00\x00\xff\xff\x0b\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "117 ce:deflate;zlib",
        b"HTTP/1.1 200 ok\r\nContent-length: 76\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\n\r\nx\x9c\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00tT\x12\x0f",
    ),
    (
        "118 ce:deflate;zlib2p",
        b"HTTP/1.1 200 ok\r\nContent-length: 82\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\n\r\nx\x9c\x8a0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\x05\x00\x00\x00\xff\xff\x0b\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00tT\x12\x0f",
    ),
    (
        "121 ce:nl-nl-deflate;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\r\n \r\n deflate\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "122 ce:deflate,;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate,\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "123 ce:deflate-nl-,;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:deflate\r\n ,\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "124 ce:deflate-nl-,-nl-;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:deflate\r\n ,\r\n \r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "125 ce:gzip;ce:gzip;gzip;gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 106\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x93\xef\xe6`\x00\x03\xe6n\x83\xaf\xe1<\x01\xa5\x05<\x1df\x9d\x9c\x1d]\x06\xa6\x179:.\x9b\x94\x97]3Y\x1fZ\xf8\xb5\xa4\x8c\xe7\x12/_\xe1\x97\xe2B\x9e\xa2\x8b\xa5_\xb8?\xf2|\xe6\xe1\xe2\xbd\xc6[\xc8\xcbw\xb1\xf4\xf3\x97\xc2\xd0\x90\x8f\x17\xbe]`b\xb09\x1f\x98\xe1\x024\x0e\x00l\x8b\x9e\x7fX\x00\x00\x00",
    ),
    (
        "126 ce:gzip,gzip;gzip;gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 106\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip,gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x93\xef\xe6`\x00\x03\xe6n\x83\xaf\xe1<\x01\xa5\x05<\x1df\x9d\x9c\x1d]\x06\xa6\x179:.\x9b\x94\x97]3Y\x1fZ\xf8\xb5\xa4\x8c\xe7\x12/_\xe1\x97\xe2B\x9e\xa2\x8b\xa5_\xb8?\xf2|\xe6\xe1\xe2\xbd\xc6[\xc8\xcbw\xb1\xf4\xf3\x97\xc2\xd0\x90\x8f\x17\xbe]`b\xb09\x1f\x98\xe1\x024\x0e\x00l\x8b\x9e\x7fX\x00\x00\x00",
    ),
    (
        "132 ce:gzip,deflate;gzip;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip,deflate\r\n\r\n\x93\xef\xe6`\x00\x03\xe6n\x83\xaf\xe1<\x01\xa5\x05<\x1df\x9d\x9c\x1d]\x06\xa6\x179:.\x9b\x94\x97]3Y\x1fZ\xf8\xb5\xa4\x8c\xe7\x12/_\xe1\x97\xe2B\x9e\xa2\x8b\xa5_\xb8?\xf2|\xe6\xe1\xe2\xbd\xc6[\xc8\xcbw\xb1\xf4\xf3\x97\xc2\xd0\x90\x8f\x17\xbe]`b\xb09\x1f\x98\xe1\x024\x0e\x00",
    ),
    (
        "144 ce:deflate;ce:identity;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\nContent-Encoding:identity\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "147 ce:gzip,deflate,gzip;gzip;deflate;gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 111\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip,deflate,gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x01X\x00\xa7\xff\x93\xef\xe6`\x00\x03\xe6n\x83\xaf\xe1<\x01\xa5\x05<\x1df\x9d\x9c\x1d]\x06\xa6\x179:.\x9b\x94\x97]3Y\x1fZ\xf8\xb5\xa4\x8c\xe7\x12/_\xe1\x97\xe2B\x9e\xa2\x8b\xa5_\xb8?\xf2|\xe6\xe1\xe2\xbd\xc6[\xc8\xcbw\xb1\xf4\xf3\x97\xc2\xd0\x90\x8f\x17\xbe]`b\xb09\x1f\x98\xe1\x024\x0e\x00\xcel\xdf\xd8X\x00\x00\x00",
    ),
    (
        "150 ce:deflate,gzip,deflate;deflate;gzip;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 93\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate,gzip,deflate\r\n\r\n\x93\xef\xe6`\x00\x03fF7\x86\x9d\xff\xbb\r\xbe\x86\xf3\x04\x94\x16\xf0t\x98urvt\x19\x98^\xe4\xe8\xb8lR^v\xcdd}h\xe1\xd7\x922\x9eK\xbc|\x85_\x8a\x0by\x8a.\x96~\xe1\xfe\xc8\xf3\x99\x87\x8b\xf7\x1ao!/\xdf\xc5\xd2\xcf_\nCC>^\xf8v\x81\x89\xe1r\xdd\nE7\xa0\x99\x00",
    ),
    (
        "152 ce:gzip;ce:gzip;gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "154 ce:deflate;ce:deflate;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\nContent-Encoding:deflate\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "155 ce:deflate;ce:deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 68\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\nContent-Encoding:deflate\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "159 ce:gzip,deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 68\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip,deflate\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "166 ce:gzip_x;gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:gzip x\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "170 ce:deflate;ce:gzip_x;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:deflate\r\nConnection: close\r\nContent-Encoding:gzip x\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "174 ce-space-colon-deflate;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding : deflate\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "178 ce-colon-colon-deflate;deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 70\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:: deflate\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "181 ce-colon-colon-gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 68\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:: gzip\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "183 cronly-deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 68\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\rContent-Encoding: deflate\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "184 cronly-gzip;gzip",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\rContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "190 ce:cr-deflate",
        b"HTTP/1.1 200 ok\r\nContent-length: 68\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\r deflate\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "194 ce:gzip;gzip;replace:3,1|01",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x01\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "197 ce:gzip;gzip;replace:3,1|04;replace:10,0=05004170010000",
        b"HTTP/1.1 200 ok\r\nContent-length: 95\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\x03\x05\x00Ap\x01\x00\x00\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "199 ce:gzip;gzip;replace:3,1|10;replace:10,0=2000",
        b"HTTP/1.1 200 ok\r\nContent-length: 90\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x10\x00\x00\x00\x00\x00\x03 \x00\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "203 ce:gzip;gzip;replace:-8,4^ffffffff",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00\xc30\xae\x97D\x00\x00\x00",
    ),
    (
        "204 ce:gzip;gzip;replace:-4,1^ff",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQh\xbb\x00\x00\x00",
    ),
    (
        "205 ce:gzip;gzip;replace:-4,4=",
        b"HTTP/1.1 200 ok\r\nContent-length: 84\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQh",
    ),
    (
        "210 ce:gzip;gzip;replace:-8,8=;noclen",
        b"HTTP/1.1 200 ok\r\nConnection: close\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding:gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "212 ce:cr-gzip;gzip;replace:3,1|02;replace:10,0=0000",
        b"HTTP/1.1 200 ok\r\nContent-length: 90\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\r gzip\r\n\r\n\x1f\x8b\x08\x02\x00\x00\x00\x00\x00\x03\x00\x00\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "219 ce:cr-gzip;gzip;replace:3,1|80",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\r gzip\r\n\r\n\x1f\x8b\x08\x80\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "222 ce:cr-gzip;gzip;replace:-4,4=",
        b"HTTP/1.1 200 ok\r\nContent-length: 84\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\r gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQh",
    ),
    (
        "224 ce-space-colon-gzip;gzip;replace:3,1|01",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding : gzip\r\n\r\n\x1f\x8b\x08\x01\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "230 ce-space-colon-gzip;gzip;replace:3,1|20",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding : gzip\r\n\r\n\x1f\x8b\x08 \x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "232 ce-space-colon-gzip;gzip;replace:3,1|80",
        b"HTTP/1.1 200 ok\r\nContent-length: 88\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nContent-Encoding : gzip\r\n\r\n\x1f\x8b\x08\x80\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "239 close,clen,content,junk",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "241 close,clen200,content",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 136\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "247 close,xte,clen-folding100,clen200,content,junk",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: lalala\r\nContent-length: \r\n 68\r\nContent-length: 136\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "250 close,clen50-(100),content",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 34( 68)\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "251 close,clen100-folding50,content",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 68\r\n 34\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "252 close,clen100-50,content",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 68 34\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "255 close,clen100-(200),content,junk",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 68( 136)\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "258 close,(clen)\\054,content,junk",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 68,\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "259 close,(clen)\\054(clen),content,junk",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 68,68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "264 close,(clen).9,content,junk",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-length: 68.9\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "273 hdrfirst;tab;chunked;do_close",
        b"HTTP/1.1 200 ok\r\nConnection: close\r\n\tTransfer-Encoding: chunked\r\nYet-another-header: foo\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "274 somehdr;space;chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nX-Foo: bar\r\n Transfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "276 somehdr;space;chunked;do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nX-Foo: bar\r\n Transfer-Encoding: chunked\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "277 somehdr;tab;chunked;do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nX-Foo: bar\r\n\tTransfer-Encoding: chunked\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "279 colon;chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\n: foo\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "285 crcr;chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\n\r\r\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "286 crcronly;chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\n\r\rTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "288 crcronly;chunked;do_clen",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\n\r\rTransfer-Encoding: chunked\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "293 te\\000:chunked;do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding\x00:chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "298 te\\015\\012\\040:chunked;do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding\r\n :chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "299 te\\015\\012\\040:\\015\\012\\040chunked;do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding\r\n :\r\n chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "302 te:\\073chunked;do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding:;chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "304 te:\\013chunked;do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding:\x0bchunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "305 te:\\014chunked;do_chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding:\x0cchunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "318 ce\\015\\012\\040:gzip;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding\r\n :gzip\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "321 ce\\014:gzip;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding\x0c:gzip\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "323 ce:\\000gzip;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\x00gzip\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "324 ce:\\013gzip;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\x0bgzip\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "327 ce:\\012\\000gzip;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\n\x00gzip\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "329 ce:gzip\\073;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:gzip;\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "330 ce:gzip\\000;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:gzip\x00\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "333 ce:gzip\\240;do_gzip",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:gzip\xa0\r\nYet-another-header: foo\r\nContent-length: 88\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "337 ce\\015\\012\\040:deflate;do_deflate",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding\r\n :deflate\r\nYet-another-header: foo\r\nContent-length: 70\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "340 ce\\014:deflate;do_deflate",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding\x0c:deflate\r\nYet-another-header: foo\r\nContent-length: 70\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "343 ce:\\013deflate;do_deflate",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\x0bdeflate\r\nYet-another-header: foo\r\nContent-length: 70\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "344 ce:\\014deflate;do_deflate",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:\x0cdeflate\r\nYet-another-header: foo\r\nContent-length: 70\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "348 ce:deflate\\073;do_deflate",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding:deflate;\r\nYet-another-header: foo\r\nContent-length: 70\r\n\r\n\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00",
    ),
    (
        "354 8bitkey",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nL\xc3\xb6chriger-H\xc3\xa4ddar: foobar\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "355 colon",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\n: foo\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "357 177",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\n\x7f\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "359 junkline",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nqutqzdafsdshadsdfdshsdd sddfd\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "362 crcr",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\n\r\r\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "366 proto:HTTP/1.10",
        b"HTTP/1.10 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "368 proto:HTTP/1.01",
        b"HTTP/1.01 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "369 proto:HTTP/1.2",
        b"HTTP/1.2 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "377 status:HTTP/1.1(cr)Transfer-Encoding:chunked;do_clen",
        b"HTTP/1.1\rTransfer-Encoding:chunked\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "385 status:HTTP/1.1(space)200(space)(cr)Transfer-Encoding:chunked;do_chunked",
        b"HTTP/1.1 200 \rTransfer-Encoding:chunked\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "387 status:HTTP/1.1(space)200(space)ok(cr)Transfer-Encoding:chunked;do_clen",
        b"HTTP/1.1 200 ok\rTransfer-Encoding:chunked\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "388 status:HTTP/1.1(space)200(space)ok(cr)Transfer-Encoding:chunked;do_chunked",
        b"HTTP/1.1 200 ok\rTransfer-Encoding:chunked\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "390 status:\\000HTTP/1.1(space)200(space)ok;chunked",
        b"\x00HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "392 status:HTTP/1.1\\000(space)200(space)ok;chunked",
        b"HTTP/1.1\x00 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "397 status:HTTP/1.1foobar;chunked",
        b"HTTP/1.1foobar\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "399 cr-no-crlf;end-crlflf",
        b"HTTP/1.1 200 ok\rContent-type: application/octet-stream\rContent-disposition: attachment; filename=\"eicar.txt\"\rConnection: close\rYet-another-header: foo\rContent-length: 68\r\n\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "401 lf-no-crlf",
        b"HTTP/1.1 200 ok\nContent-type: application/octet-stream\nContent-disposition: attachment; filename=\"eicar.txt\"\nConnection: close\nYet-another-header: foo\nContent-length: 68\n\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "410 end-lfcrcrlf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\n\r\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "414 end-lfcrcrlfcrlf;chunked",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\n\r\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "418 end-crlf\\040crlfcrlf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n \r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "419 chunked;end-lf\\040lf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\n \n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "422 gzip;end-lf\\040lf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding: gzip\r\nYet-another-header: foo\r\nContent-length: 88\n \n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "425 end-lf\\011lf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\n\t\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "426 end-lf\\011lflf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\n\t\n\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "428 chunked;end-lf\\011lf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\n\t\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "431 gzip;end-lf\\011lf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding: gzip\r\nYet-another-header: foo\r\nContent-length: 88\n\t\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "433 gzip;end-crlf\\011crlfcrlf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding: gzip\r\nYet-another-header: foo\r\nContent-length: 88\r\n\t\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "435 end-crlf\\013crlfcrlf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\x0b\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "437 chunked;end-crlf\\013crlfcrlf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\x0b\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "439 gzip;end-crlf\\013crlfcrlf",
        b"HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nContent-Encoding: gzip\r\nYet-another-header: foo\r\nContent-length: 88\r\n\x0b\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x8b0\xf5W\x0cPup\x0c\x886\x89\t\x88\x8a05\xd1\x08\x88\xd34wv\xd64\xafUq\xf5tv\x0c\xd2\r\x0eq\xf4sq\x0cr\xd1u\xf4\x0b\xf1\x0c\xf3\x0c\n\r\xd6\rq\r\x0e\xd1u\xf3\xf4qUT\xf1\xd0\xf6\xd0\x02\x00<\xcfQhD\x00\x00\x00",
    ),
    (
        "442 302",
        b"HTTP/1.1 302 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "443 303",
        b"HTTP/1.1 303 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "446 308",
        b"HTTP/1.1 308 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "449 102",
        b"HTTP/1.1 102 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "450 204",
        b"HTTP/1.1 204 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "451 205",
        b"HTTP/1.1 205 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "452 206",
        b"HTTP/1.1 206 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "453 304",
        b"HTTP/1.1 304 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "454 401",
        b"HTTP/1.1 401 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "455 407",
        b"HTTP/1.1 407 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "457 403",
        b"HTTP/1.1 403 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "467 2xx",
        b"HTTP/1.1 2xx ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "471 2000",
        b"HTTP/1.1 2000 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "472 0200",
        b"HTTP/1.1 0200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "478 2040",
        b"HTTP/1.1 2040 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nYet-another-header: foo\r\nContent-length: 68\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "479 crlf-header;chunked",
        b"\r\nHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "481 space-crlf-header;chunked",
        b" \r\nHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "484 space-tab-cr-crlf-header;chunked",
        b" \t\r\r\nHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "488 space-SIP/2.0-space-200-space-ok-crlf-header;chunked",
        b" SIP/2.0 200 ok\r\nHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "489 cr-header;chunked",
        b"\rHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "490 cr-cr-header;chunked",
        b"\r\rHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "491 space-cr-header;chunked",
        b" \rHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "495 lfcr-header;chunked",
        b"\n\rHTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nYet-another-header: foo\r\n\r\n4\r\nX5O!\r\n4\r\nP%@A\r\n4\r\nP[4\\\r\n4\r\nPZX5\r\n4\r\n4(P^\r\n4\r\n)7CC\r\n4\r\n)7}$\r\n4\r\nEICA\r\n4\r\nR-ST\r\n4\r\nANDA\r\n4\r\nRD-A\r\n4\r\nNTIV\r\n4\r\nIRUS\r\n4\r\n-TES\r\n4\r\nT-FI\r\n4\r\nLE!$\r\n4\r\nH+H*\r\n0\r\n\r\n",
    ),
    (
        "500 full",
        b"HTTP/1.1 200 ok\r\nContent-length: 68\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
    (
        "501 range,full",
        b"HTTP/1.1 206 partial content\r\nContent-length: 68\r\nAccept-Ranges: bytes\r\nContent-Range: bytes 0-67/68\r\nContent-type: application/octet-stream\r\nContent-disposition: attachment; filename=\"eicar.txt\"\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ),
];
