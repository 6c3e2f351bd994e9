//! Dovecot 2.3 IMAP on loopback, recorded with tcpdump: `DOVECOT_0` Python
//! imaplib (a wrong LOGIN, a right one, SELECT), `DOVECOT_1`/`_3` curl
//! (AUTHENTICATE PLAIN with SASL-IR, refused), `DOVECOT_2` curl with
//! `AUTH=LOGIN` (accepted, LIST, LOGOUT), `DOVECOT_4` curl with
//! `--ssl-reqd` (STARTTLS, then TLS); `LITERALS_0`: a Python socket client
//! sending LOGIN with LITERAL+ and synchronising literals, and a FETCH whose
//! response carries a literal.

use crate::app::testkit::Script;
use crate::flow::Direction;

/// Stream 0 of `imap.pcap`.
pub const DOVECOT_0: Script<'static> = &[
    (Direction::ToClient, b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"HPNL0 CAPABILITY\r\n"),
    (Direction::ToClient, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN\r\nHPNL0 OK Pre-login capabilities listed, post-login capabilities have more.\r\n"),
    (Direction::ToServer, b"HPNL1 LOGIN ptextuser \"wrongpass\"\r\n"),
    (Direction::ToClient, b"HPNL1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
    (Direction::ToServer, b"HPNL2 LOGIN ptextuser \"Secr3t!pw\"\r\n"),
    (Direction::ToClient, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY\r\nHPNL2 OK Logged in\r\n"),
    (Direction::ToServer, b"HPNL3 SELECT INBOX\r\n"),
    (Direction::ToClient, b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] First unseen.\r\n* OK [UIDVALIDITY 1795589808] UIDs valid\r\n* OK [UIDNEXT 4] Predicted next UID\r\nHPNL3 OK [READ-ONLY] Select completed (0.001 + 0.000 secs).\r\n"),
];

/// Stream 1 of `imap.pcap`.
pub const DOVECOT_1: Script<'static> = &[
    (Direction::ToClient, b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"A001 CAPABILITY\r\n"),
    (Direction::ToClient, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN\r\nA001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n"),
    (Direction::ToServer, b"A002 AUTHENTICATE PLAIN AHB0ZXh0dXNlcgBiYWRwdw==\r\n"),
    (Direction::ToClient, b"A002 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
];

/// Stream 2 of `imap.pcap`.
pub const DOVECOT_2: Script<'static> = &[
    (Direction::ToClient, b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"A001 CAPABILITY\r\n"),
    (Direction::ToClient, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN\r\nA001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n"),
    (Direction::ToServer, b"A002 AUTHENTICATE LOGIN cHRleHR1c2Vy\r\n"),
    (Direction::ToClient, b"+ UGFzc3dvcmQ6\r\n"),
    (Direction::ToServer, b"U2VjcjN0IXB3\r\n"),
    (Direction::ToClient, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY\r\nA002 OK Logged in\r\n"),
    (Direction::ToServer, b"A003 LIST \"\" *\r\n"),
    (Direction::ToClient, b"* LIST (\\HasNoChildren) \"/\" INBOX\r\nA003 OK List completed (0.001 + 0.000 secs).\r\n"),
    (Direction::ToServer, b"A004 LOGOUT\r\n"),
    (Direction::ToClient, b"* BYE Logging out\r\nA004 OK Logout completed (0.001 + 0.000 secs).\r\n"),
];

/// Stream 3 of `imap.pcap`.
pub const DOVECOT_3: Script<'static> = &[
    (Direction::ToClient, b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"A001 CAPABILITY\r\n"),
    (Direction::ToClient, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN\r\nA001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n"),
    (Direction::ToServer, b"A002 AUTHENTICATE PLAIN AHB0ZXh0dXNlcgBiYWRwdw==\r\n"),
    (Direction::ToClient, b"A002 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
];

/// Stream 4 of `imap.pcap` (TLS records cut to 48 bytes, first three kept).
pub const DOVECOT_4: Script<'static> = &[
    (Direction::ToClient, b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"A001 CAPABILITY\r\n"),
    (Direction::ToClient, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN\r\nA001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n"),
    (Direction::ToServer, b"A002 STARTTLS\r\n"),
    (Direction::ToClient, b"A002 OK Begin TLS negotiation now.\r\n"),
    (Direction::ToServer, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xc4\x9c\x03^LG2GG\xd9bD\xcd\x80\x03\\X:\x9ep\x93`\xfa\xf4\x0b\xe3\xb0\x9aq\x19\x92k \xba\xc1\x0f\xc1"),
    (Direction::ToClient, b"\x16\x03\x03\x00z\x02\x00\x00v\x03\x03\xe5L\x19\x89\xd3\x0b\xfe\x0b\xacP\xa1\xd80\x08HAD\xa2\xcc\xbd\x1d\xd2]=\"\xdd\xc4\x98\x1ekl- \xba\xc1\x0f\xc1"),
    (Direction::ToServer, b"\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00E\xcc\xdc\x89\xab\x7f\x8ebUx\xe54S\xff\xf8\xd0q\x81\xc08`\x9f\x8fl1\x14<zM\xf2\xf3\xde\xe4\xb9$.O\xac"),
];

/// Stream 0 of `imap2.pcap`.
pub const LITERALS_0: Script<'static> = &[
    (Direction::ToClient, b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"),
    (Direction::ToServer, b"a1 LOGIN {9+}\r\nptextuser {8+}\r\nwrongpw!\r\n"),
    (Direction::ToClient, b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
    (Direction::ToServer, b"a2 LOGIN {9}\r\n"),
    (Direction::ToClient, b"+ OK\r\n"),
    (Direction::ToServer, b"ptextuser {9}\r\n"),
    (Direction::ToClient, b"+ OK\r\n"),
    (Direction::ToServer, b"Secr3t!pw\r\n"),
    (Direction::ToClient, b"a2 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY] Logged in\r\n"),
    (Direction::ToServer, b"a3 SELECT INBOX\r\na4 FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n"),
    (Direction::ToClient, b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] First unseen.\r\n* OK [UIDVALIDITY 1795589808] UIDs valid\r\n* OK [UIDNEXT 4] Predicted next UID\r\na3 OK [READ-ONLY] Select completed (0.001 + 0.000 secs).\r\n* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: hello\r\n\r\n)\r\na4 OK Fetch completed (0.001 + 0.000 secs).\r\n"),
    (Direction::ToServer, b"a5 LOGOUT\r\n"),
    (Direction::ToClient, b"* BYE Logging out\r\na5 OK Logout completed (0.001 + 0.000 secs).\r\n"),
];
