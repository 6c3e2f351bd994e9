//! Test fixtures for wardwatch's integration tests: capture files and packets
//! built in the test, so each test shows what its capture contains.
//!
//! - [`capture`]: `Frame`, classic pcap (µs/ns) and pcapng writers, truncation.
//! - [`packet`]: `Host`, TCP/UDP/ICMP builders (bare IP `*_ip`, or Ethernet),
//!   IPv4 options, IPv6 extension headers.
//! - [`link`]: `Link` and `encapsulate`: one IP packet framed for Ethernet,
//!   802.1Q, QinQ, Linux SLL/SLL2, raw IP, BSD Null/Loop.
//! - [`frag`]: IPv4/IPv6 fragmentation and overlapping fragment sets.
//! - [`session`]: `TcpSession`, a TCP conversation with consistent seq/ack.
//! - [`util`]: seeded shuffle, EVE JSON-lines readers.
//! - [`conversations`]: the payloads of each connection of a capture file.
//! - [`payloads`]: DNS, TLS ClientHello, base64, ARP, mDNS, NetBIOS payloads.
//! - [`replay`]: `wardwatch replay` on fixtures, EVE events and logins back.
//!
//! Everything is re-exported here, so a test writes `use common::*;`.

// Each test file uses its own subset of these helpers.
#![allow(dead_code, unused_imports)]

pub mod capture;
pub mod conversations;
pub mod frag;
pub mod link;
pub mod netns;
pub mod packet;
pub mod payloads;
pub mod replay;
pub mod session;
pub mod util;

pub use capture::*;
pub use conversations::*;
pub use frag::*;
pub use link::*;
pub use packet::*;
pub use payloads::*;
pub use replay::*;
pub use session::*;
pub use util::*;
