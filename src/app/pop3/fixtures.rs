//! Dovecot 2.3 POP3 on loopback, recorded with tcpdump: `DOVECOT_0` Python
//! poplib (CAPA, USER, wrong PASS), `DOVECOT_1` poplib (a login, STAT, LIST),
//! `DOVECOT_2`/`_3` curl with `AUTH=PLAIN` (refused, accepted), `DOVECOT_4`
//! curl with `--ssl-reqd` (STLS, then TLS).

use crate::app::testkit::Script;
use crate::flow::Direction;

/// Stream 0 of `pop3.pcap`.
pub const DOVECOT_0: Script<'static> = &[
    (Direction::ToClient, b"+OK Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"CAPA\r\n"),
    (Direction::ToClient, b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n"),
    (Direction::ToServer, b"USER ptextuser\r\n"),
    (Direction::ToClient, b"+OK\r\n"),
    (Direction::ToServer, b"PASS wrongpass\r\n"),
    (Direction::ToClient, b"-ERR [AUTH] Authentication failed.\r\n"),
    (Direction::ToServer, b"QUIT\r\n"),
    (Direction::ToClient, b"+OK Logging out\r\n"),
];

/// Stream 1 of `pop3.pcap`.
pub const DOVECOT_1: Script<'static> = &[
    (Direction::ToClient, b"+OK Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"USER ptextuser\r\n"),
    (Direction::ToClient, b"+OK\r\n"),
    (Direction::ToServer, b"PASS Secr3t!pw\r\n"),
    (Direction::ToClient, b"+OK Logged in.\r\n"),
    (Direction::ToServer, b"STAT\r\n"),
    (Direction::ToClient, b"+OK 3 1383\r\n"),
    (Direction::ToServer, b"LIST\r\n"),
    (
        Direction::ToClient,
        b"+OK 3 messages:\r\n1 454\r\n2 464\r\n3 465\r\n.\r\n",
    ),
    (Direction::ToServer, b"QUIT\r\n"),
    (Direction::ToClient, b"+OK Logging out.\r\n"),
];

/// Stream 2 of `pop3.pcap`.
pub const DOVECOT_2: Script<'static> = &[
    (Direction::ToClient, b"+OK Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"CAPA\r\n"),
    (Direction::ToClient, b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n"),
    (Direction::ToServer, b"AUTH PLAIN\r\n"),
    (Direction::ToClient, b"+ \r\n"),
    (Direction::ToServer, b"AHB0ZXh0dXNlcgBiYWRwdw==\r\n"),
    (Direction::ToClient, b"-ERR [AUTH] Authentication failed.\r\n"),
];

/// Stream 3 of `pop3.pcap`.
pub const DOVECOT_3: Script<'static> = &[
    (Direction::ToClient, b"+OK Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"CAPA\r\n"),
    (Direction::ToClient, b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n"),
    (Direction::ToServer, b"AUTH PLAIN\r\n"),
    (Direction::ToClient, b"+ \r\n"),
    (Direction::ToServer, b"AHB0ZXh0dXNlcgBTZWNyM3QhcHc=\r\n"),
    (Direction::ToClient, b"+OK Logged in.\r\n"),
    (Direction::ToServer, b"LIST\r\n"),
    (Direction::ToClient, b"+OK 3 messages:\r\n1 454\r\n2 464\r\n3 465\r\n.\r\n"),
    (Direction::ToServer, b"QUIT\r\n"),
    (Direction::ToClient, b"+OK Logging out.\r\n"),
];

/// Stream 4 of `pop3.pcap` (TLS records cut to 48 bytes, first three kept).
pub const DOVECOT_4: Script<'static> = &[
    (Direction::ToClient, b"+OK Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"CAPA\r\n"),
    (Direction::ToClient, b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n"),
    (Direction::ToServer, b"STLS\r\n"),
    (Direction::ToClient, b"+OK Begin TLS negotiation now.\r\n"),
    (Direction::ToServer, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x11$l\x86\xcc\x03\x98\xd3\xcd\xe2\x03+_R\x94\xa2m\xe4\xdb\xd9\xf9%\x1f\xebi\xd2\xdbcl\xa9\xcb1 \xb41\t\xac"),
    (Direction::ToClient, b"\x16\x03\x03\x00z\x02\x00\x00v\x03\x032\x9a\xea\x8b&\xf1t\x83\xdbf\x05=Qs\xfb#\x0e\x07\xf50E\xe4\x85\x97KE\x01zGa\x0f+ \xb41\t\xac"),
    (Direction::ToServer, b"\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00E\x08\xd2{d\n\xdfm\xd6\xb5\x94l9lH\x91\xb0O\xb3\"\xeb\xfd\x93g\xe5\x8d\x08\xfb2\xf7\xc4\xee\xd4N\x9f*\x90d"),
];
