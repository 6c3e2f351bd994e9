//! Pure SSH parsers (RFC 4253): the identification string and the
//! SSH_MSG_KEXINIT payload, plus the HASSH fingerprint built from it.

use md5::{Digest, Md5};

/// SSH_MSG_KEXINIT.
pub const MSG_KEXINIT: u8 = 20;
/// SSH_MSG_NEWKEYS.
pub const MSG_NEWKEYS: u8 = 21;

/// Why an SSH message did not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SshError {
    /// The identification line does not have the `SSH-proto-software` form.
    #[error("SSH identification line is not `SSH-<proto>-<software>`")]
    BadBanner,
    /// A KEXINIT field runs past the end of the payload.
    #[error("SSH KEXINIT: {field} runs past the end of the {len}-byte payload")]
    Truncated {
        /// Field that did not fit.
        field: &'static str,
        /// Payload length.
        len: usize,
    },
}

/// An identification string (RFC 4253 §4.2):
/// `SSH-protoversion-softwareversion SP comments CR LF`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshBanner {
    /// `ssh.proto`: the protocol version (`2.0`, `1.99`, `1.5`).
    pub proto: Vec<u8>,
    /// `ssh.software`: up to the first space (`OpenSSH_8.9p1`), as Suricata cuts it.
    pub software: Vec<u8>,
    /// What follows the first space (`Ubuntu-3ubuntu0.1`), if anything.
    pub comments: Vec<u8>,
}

impl SshBanner {
    /// True for SSH 2 (`2.0`, or `1.99`: a server that speaks both).
    pub fn is_v2(&self) -> bool {
        self.proto == b"2.0" || self.proto == b"1.99"
    }
}

/// Parses an identification line without its line ending. As Suricata's
/// `ssh_parse_banner`: the protocol version runs to the first `-` and must not
/// be empty; the software version runs to the first space (it may be empty).
pub fn parse_banner(line: &[u8]) -> Result<SshBanner, SshError> {
    let rest = line.strip_prefix(b"SSH-").ok_or(SshError::BadBanner)?;
    let dash = memchr::memchr(b'-', rest).ok_or(SshError::BadBanner)?;
    if dash == 0 {
        return Err(SshError::BadBanner);
    }
    let (proto, rest) = (&rest[..dash], &rest[dash + 1..]);
    let (software, comments) = match memchr::memchr(b' ', rest) {
        Some(sp) => (&rest[..sp], &rest[sp + 1..]),
        None => (rest, &b""[..]),
    };
    Ok(SshBanner {
        proto: proto.to_vec(),
        software: software.to_vec(),
        comments: comments.to_vec(),
    })
}

/// The algorithm lists of an SSH_MSG_KEXINIT (RFC 4253 §7.1), each a
/// comma-separated name-list as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KexInit {
    /// kex_algorithms.
    pub kex_algorithms: Vec<u8>,
    /// server_host_key_algorithms.
    pub server_host_key_algorithms: Vec<u8>,
    /// encryption_algorithms_client_to_server.
    pub encryption_client_to_server: Vec<u8>,
    /// encryption_algorithms_server_to_client.
    pub encryption_server_to_client: Vec<u8>,
    /// mac_algorithms_client_to_server.
    pub mac_client_to_server: Vec<u8>,
    /// mac_algorithms_server_to_client.
    pub mac_server_to_client: Vec<u8>,
    /// compression_algorithms_client_to_server.
    pub compression_client_to_server: Vec<u8>,
    /// compression_algorithms_server_to_client.
    pub compression_server_to_client: Vec<u8>,
    /// first_kex_packet_follows.
    pub first_kex_packet_follows: bool,
}

/// Reads SSH wire types from a payload, naming the field on failure.
struct Cursor<'a> {
    rest: &'a [u8],
    len: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], SshError> {
        if self.rest.len() < n {
            return Err(SshError::Truncated {
                field,
                len: self.len,
            });
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Ok(a)
    }

    /// A `name-list`: uint32 length, then the bytes (RFC 4251 §5).
    fn name_list(&mut self, field: &'static str) -> Result<Vec<u8>, SshError> {
        let n = self.take(4, field)?;
        let n = u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize;
        Ok(self.take(n, field)?.to_vec())
    }
}

/// Parses a KEXINIT payload (starting with the message code 20).
pub fn parse_kexinit(payload: &[u8]) -> Result<KexInit, SshError> {
    let mut c = Cursor {
        rest: payload,
        len: payload.len(),
    };
    c.take(1, "message code")?;
    c.take(16, "cookie")?;
    let mut kex = KexInit {
        kex_algorithms: c.name_list("kex_algorithms")?,
        server_host_key_algorithms: c.name_list("server_host_key_algorithms")?,
        encryption_client_to_server: c.name_list("encryption_algorithms_client_to_server")?,
        encryption_server_to_client: c.name_list("encryption_algorithms_server_to_client")?,
        mac_client_to_server: c.name_list("mac_algorithms_client_to_server")?,
        mac_server_to_client: c.name_list("mac_algorithms_server_to_client")?,
        compression_client_to_server: c.name_list("compression_algorithms_client_to_server")?,
        compression_server_to_client: c.name_list("compression_algorithms_server_to_client")?,
        first_kex_packet_follows: false,
    };
    c.name_list("languages_client_to_server")?;
    c.name_list("languages_server_to_client")?;
    kex.first_kex_packet_follows = c.take(1, "first_kex_packet_follows")?[0] != 0;
    Ok(kex)
}

impl KexInit {
    /// The HASSH string (Salesforce, <https://github.com/salesforce/hassh>):
    /// `kex;encryption;mac;compression`, the client-to-server lists for a
    /// client's KEXINIT (`hassh`), the server-to-client lists for a server's
    /// (`hasshServer`).
    pub fn hassh_string(&self, from_client: bool) -> Vec<u8> {
        let parts: [&[u8]; 4] = if from_client {
            [
                &self.kex_algorithms,
                &self.encryption_client_to_server,
                &self.mac_client_to_server,
                &self.compression_client_to_server,
            ]
        } else {
            [
                &self.kex_algorithms,
                &self.encryption_server_to_client,
                &self.mac_server_to_client,
                &self.compression_server_to_client,
            ]
        };
        parts.join(&b';')
    }

    /// MD5 of [`hassh_string`](Self::hassh_string), lowercase hex.
    pub fn hassh(&self, from_client: bool) -> String {
        Md5::digest(self.hassh_string(from_client))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
