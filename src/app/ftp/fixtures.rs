//! vsftpd 3.0.3 on loopback, recorded with tcpdump: Python ftplib (two wrong
//! passwords then the right one, on one connection), curl (a login and a
//! listing), curl with an unknown user; `FTPS_0`: curl with `--ssl-reqd`
//! against vsftpd with TLS on port 2121 (`AUTH SSL`, 234, then TLS).

use crate::app::testkit::Script;
use crate::flow::Direction;

/// Stream 0 of `ftp.pcap`.
pub const VSFTPD_0: Script<'static> = &[
    (Direction::ToClient, b"220 (vsFTPd 3.0.3)\r\n"),
    (Direction::ToServer, b"USER ptextuser\r\n"),
    (Direction::ToClient, b"331 Please specify the password.\r\n"),
    (Direction::ToServer, b"PASS wrong1\r\n"),
    (Direction::ToClient, b"530 Login incorrect.\r\n"),
    (Direction::ToServer, b"USER ptextuser\r\n"),
    (Direction::ToClient, b"331 Please specify the password.\r\n"),
    (Direction::ToServer, b"PASS wrong2\r\n"),
    (Direction::ToClient, b"530 Login incorrect.\r\n"),
    (Direction::ToServer, b"USER ptextuser\r\n"),
    (Direction::ToClient, b"331 Please specify the password.\r\n"),
    (Direction::ToServer, b"PASS Secr3t!pw\r\n"),
    (Direction::ToClient, b"230 Login successful.\r\n"),
    (Direction::ToServer, b"PWD\r\n"),
    (
        Direction::ToClient,
        b"257 \"/home/ptextuser\" is the current directory\r\n",
    ),
    (Direction::ToServer, b"QUIT\r\n"),
    (Direction::ToClient, b"221 Goodbye.\r\n"),
];

/// Stream 1 of `ftp.pcap`.
pub const VSFTPD_1: Script<'static> = &[
    (Direction::ToClient, b"220 (vsFTPd 3.0.3)\r\n"),
    (Direction::ToServer, b"USER ptextuser\r\n"),
    (Direction::ToClient, b"331 Please specify the password.\r\n"),
    (Direction::ToServer, b"PASS Secr3t!pw\r\n"),
    (Direction::ToClient, b"230 Login successful.\r\n"),
    (Direction::ToServer, b"PWD\r\n"),
    (
        Direction::ToClient,
        b"257 \"/home/ptextuser\" is the current directory\r\n",
    ),
    (Direction::ToServer, b"EPSV\r\n"),
    (
        Direction::ToClient,
        b"229 Entering Extended Passive Mode (|||19209|)\r\n",
    ),
    (Direction::ToServer, b"TYPE A\r\n"),
    (Direction::ToClient, b"200 Switching to ASCII mode.\r\n"),
    (Direction::ToServer, b"LIST\r\n"),
    (
        Direction::ToClient,
        b"150 Here comes the directory listing.\r\n",
    ),
    (Direction::ToClient, b"226 Directory send OK.\r\n"),
    (Direction::ToServer, b"QUIT\r\n"),
    (Direction::ToClient, b"221 Goodbye.\r\n"),
];

/// Stream 2 of `ftp.pcap`.
pub const VSFTPD_2: Script<'static> = &[
    (Direction::ToClient, b"220 (vsFTPd 3.0.3)\r\n"),
    (Direction::ToServer, b"USER nosuchuser\r\n"),
    (Direction::ToClient, b"331 Please specify the password.\r\n"),
    (Direction::ToServer, b"PASS guess\r\n"),
    (Direction::ToClient, b"530 Login incorrect.\r\n"),
];

/// Stream 0 of `ftps.pcap` (TLS records cut to 48 bytes, first three kept).
pub const FTPS_0: Script<'static> = &[
    (Direction::ToClient, b"220 (vsFTPd 3.0.3)\r\n"),
    (Direction::ToServer, b"AUTH SSL\r\n"),
    (Direction::ToClient, b"234 Proceed with negotiation.\r\n"),
    (Direction::ToServer, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xa1\xb3\x96\xed\x17+\xd0\xa7\xf0\xf2\xe5\xa6\x85Z7\xc1'\xb5\xa6\x93b\x1b\xbc\xf4\xe5\x12`S\xa1\x92\xabI \xce\xe1u\xf4"),
    (Direction::ToClient, b"\x16\x03\x03\x00X\x02\x00\x00T\x03\x03\xcf!\xadt\xe5\x9aa\x11\xbe\x1d\x8c\x02\x1ee\xb8\x91\xc2\xa2\x11\x16z\xbb\x8c^\x07\x9e\t\xe2\xc8\xa83\x9c \xce\xe1u\xf4"),
    (Direction::ToServer, b"\x14\x03\x03\x00\x01\x01\x16\x03\x03\x02\x00\x01\x00\x01\xfc\x03\x03\xa1\xb3\x96\xed\x17+\xd0\xa7\xf0\xf2\xe5\xa6\x85Z7\xc1'\xb5\xa6\x93b\x1b\xbc\xf4\xe5\x12`S\xa1\x92\xab"),
];
