//! Postfix 3.7 with Dovecot SASL on loopback, recorded with tcpdump:
//! `POSTFIX_0` Python smtplib (AUTH LOGIN with a wrong password, AUTH PLAIN
//! for an unknown user, AUTH PLAIN accepted, one message to two recipients);
//! `POSTFIX_1` curl (AUTH PLAIN without initial response, one message);
//! `POSTFIX_2` curl with `--ssl-reqd` (STARTTLS, then TLS).

use crate::app::testkit::Script;
use crate::flow::Direction;

/// Stream 0 of `smtp.pcap`.
pub const POSTFIX_0: Script<'static> = &[
    (Direction::ToClient, b"220 mail.ptext.test ESMTP Postfix (Debian/GNU)\r\n"),
    (Direction::ToServer, b"ehlo client.ptext.test\r\n"),
    (Direction::ToClient, b"250-mail.ptext.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"),
    (Direction::ToServer, b"AUTH LOGIN cHRleHR1c2Vy\r\n"),
    (Direction::ToClient, b"334 UGFzc3dvcmQ6\r\n"),
    (Direction::ToServer, b"d3JvbmdwYXNz\r\n"),
    (Direction::ToClient, b"535 5.7.8 Error: authentication failed: (reason unavailable)\r\n"),
    (Direction::ToServer, b"AUTH PLAIN AG90aGVydXNlcgBndWVzczI=\r\n"),
    (Direction::ToClient, b"535 5.7.8 Error: authentication failed: (reason unavailable)\r\n"),
    (Direction::ToServer, b"AUTH PLAIN AHB0ZXh0dXNlcgBTZWNyM3QhcHc=\r\n"),
    (Direction::ToClient, b"235 2.7.0 Authentication successful\r\n"),
    (Direction::ToServer, b"mail FROM:<ptextuser@mail.ptext.test> size=40\r\n"),
    (Direction::ToClient, b"250 2.1.0 Ok\r\n"),
    (Direction::ToServer, b"rcpt TO:<ptextuser@mail.ptext.test>\r\n"),
    (Direction::ToClient, b"250 2.1.5 Ok\r\n"),
    (Direction::ToServer, b"rcpt TO:<root@mail.ptext.test>\r\n"),
    (Direction::ToClient, b"250 2.1.5 Ok\r\n"),
    (Direction::ToServer, b"data\r\n"),
    (Direction::ToClient, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
    (Direction::ToServer, b"Subject: hello\r\n\r\nbody line\r\n..dot line\r\n.\r\n"),
    (Direction::ToClient, b"250 2.0.0 Ok: queued as EF71AC2379\r\n"),
    (Direction::ToServer, b"quit\r\n"),
    (Direction::ToClient, b"221 2.0.0 Bye\r\n"),
];

/// Stream 1 of `smtp.pcap`.
pub const POSTFIX_1: Script<'static> = &[
    (Direction::ToClient, b"220 mail.ptext.test ESMTP Postfix (Debian/GNU)\r\n"),
    (Direction::ToServer, b"EHLO client.example\r\n"),
    (Direction::ToClient, b"250-mail.ptext.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"),
    (Direction::ToServer, b"AUTH PLAIN\r\n"),
    (Direction::ToClient, b"334 \r\n"),
    (Direction::ToServer, b"AHB0ZXh0dXNlcgBTZWNyM3QhcHc=\r\n"),
    (Direction::ToClient, b"235 2.7.0 Authentication successful\r\n"),
    (Direction::ToServer, b"MAIL FROM:<ptextuser@mail.ptext.test> SIZE=21\r\n"),
    (Direction::ToClient, b"250 2.1.0 Ok\r\n"),
    (Direction::ToServer, b"RCPT TO:<ptextuser@mail.ptext.test>\r\n"),
    (Direction::ToClient, b"250 2.1.5 Ok\r\n"),
    (Direction::ToServer, b"DATA\r\n"),
    (Direction::ToClient, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
    (Direction::ToServer, b"Subject: curl\r\n\r\nhi\r\n"),
    (Direction::ToServer, b".\r\n"),
    (Direction::ToClient, b"250 2.0.0 Ok: queued as 0D44FC237B\r\n"),
    (Direction::ToServer, b"QUIT\r\n"),
    (Direction::ToClient, b"221 2.0.0 Bye\r\n"),
];

/// Stream 2 of `smtp.pcap` (TLS records cut to 48 bytes, first three kept).
pub const POSTFIX_2: Script<'static> = &[
    (Direction::ToClient, b"220 mail.ptext.test ESMTP Postfix (Debian/GNU)\r\n"),
    (Direction::ToServer, b"EHLO client.example\r\n"),
    (Direction::ToClient, b"250-mail.ptext.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"),
    (Direction::ToServer, b"STARTTLS\r\n"),
    (Direction::ToClient, b"220 2.0.0 Ready to start TLS\r\n"),
    (Direction::ToServer, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xe9\xf3\xf1\xa5@\xd2\xe2#\xee[\xd8Y\xd2V\xec\x9f0\xbd\x9a\xa24\x9eV~\xe1\xf1\xd3G\xc3$\x9b\xae |[\x8a\x11"),
    (Direction::ToClient, b"\x16\x03\x03\x00z\x02\x00\x00v\x03\x03z\x1d\x8a\xe4\x06e\xb9\x8b\x9di\xee;\xcc\xe7\n\xf7\x80\xff\xe6pU\xd69rX\xb2fb\x94d7\xa8 |[\x8a\x11"),
    (Direction::ToServer, b"\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00E\xb6\xd7T\xfc\xdf$\xb14P\x98Bkq\x92\xa20\xdd}$1?C\xfb\xd3\x88js\xce\xdd\xc8\xf3\x84\x0eK\xb39\x95"),
];
