//! Pure SMB decoding over borrowed bytes: NetBIOS session service framing,
//! SMB1 and SMB2/3 headers, the bodies of the commands wardwatch reads
//! (NEGOTIATE, SESSION_SETUP, TREE_CONNECT, CREATE), and the NTLMSSP
//! messages inside a session setup's security blob.
//!
//! Every function takes the bytes of one message and returns what they mean
//! or `None`/an error; no state, no allocation beyond the bounded strings
//! returned. Offsets inside SMB bodies are checked against the message.

use std::fmt;

/// Longest string kept from the wire (account, domain, host, share, file
/// name), in characters; longer ones are cut. Windows limits account names
/// to 256 characters and paths rarely need more than this.
pub const MAX_STRING: usize = 512;

/// Most dialects kept from a NEGOTIATE request (a real client offers at most
/// a dozen; an attacker may offer thousands).
pub const MAX_DIALECTS: usize = 32;

/// NetBIOS session service packet types (RFC 1002 §4.3.1).
pub mod nbss {
    /// SESSION MESSAGE: carries one SMB message.
    pub const SESSION_MESSAGE: u8 = 0x00;
    /// SESSION REQUEST (port 139 only).
    pub const SESSION_REQUEST: u8 = 0x81;
    /// POSITIVE SESSION RESPONSE.
    pub const POSITIVE_RESPONSE: u8 = 0x82;
    /// NEGATIVE SESSION RESPONSE.
    pub const NEGATIVE_RESPONSE: u8 = 0x83;
    /// RETARGET SESSION RESPONSE.
    pub const RETARGET_RESPONSE: u8 = 0x84;
    /// SESSION KEEP ALIVE.
    pub const KEEP_ALIVE: u8 = 0x85;
}

/// SMB1 header magic.
pub const SMB1_MAGIC: &[u8; 4] = b"\xffSMB";
/// SMB2/3 header magic.
pub const SMB2_MAGIC: &[u8; 4] = b"\xfeSMB";
/// SMB3 transform (encrypted message) header magic.
pub const SMB3_TRANSFORM_MAGIC: &[u8; 4] = b"\xfdSMB";
/// SMB3.1.1 compression transform header magic.
pub const SMB3_COMPRESSED_MAGIC: &[u8; 4] = b"\xfcSMB";

/// What went wrong decoding an SMB message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmbError {
    /// The message is shorter than its fixed header or body.
    Truncated {
        /// What was being read.
        what: &'static str,
    },
    /// Not an SMB message (bad magic or structure size).
    BadMagic,
}

impl fmt::Display for SmbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmbError::Truncated { what } => write!(f, "SMB {what} truncated"),
            SmbError::BadMagic => write!(f, "not an SMB message"),
        }
    }
}

impl std::error::Error for SmbError {}

fn u16le(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64le(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

/// `len` bytes at `off` of `b`, if all there.
fn slice(b: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    b.get(off..off.checked_add(len)?)
}

/// UTF-16LE to a String (unpaired surrogates become U+FFFD), cut at
/// [`MAX_STRING`] characters and at the first NUL.
pub fn utf16le(b: &[u8]) -> String {
    let units = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0);
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .take(MAX_STRING)
        .collect()
}

/// An 8-bit (OEM) string, up to the first NUL, cut at [`MAX_STRING`].
pub fn oem(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    let b = &b[..end.min(MAX_STRING)];
    String::from_utf8_lossy(b).into_owned()
}

/// A NetBIOS session service header: packet type and length of what follows.
/// For SESSION MESSAGE the length is 24 bits (the direct-TCP framing of
/// MS-SMB2 §2.1 zeroes the first byte and uses the other three); for the
/// other types it is RFC 1002's 17 bits.
pub fn nbss_header(b: &[u8]) -> Option<(u8, usize)> {
    let h = b.get(..4)?;
    let len = if h[0] == nbss::SESSION_MESSAGE {
        (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3])
    } else {
        (usize::from(h[1] & 1) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3])
    };
    Some((h[0], len))
}

/// SMB2 header flag: the message is a response.
pub const SMB2_FLAGS_SERVER_TO_REDIR: u32 = 0x0000_0001;
/// SMB2 header flag: asynchronous header (AsyncId instead of TreeId).
pub const SMB2_FLAGS_ASYNC_COMMAND: u32 = 0x0000_0002;
/// SMB2 header flag: the message is signed.
pub const SMB2_FLAGS_SIGNED: u32 = 0x0000_0008;
/// Length of the SMB2 header.
pub const SMB2_HEADER_LEN: usize = 64;

/// SMB2 commands (MS-SMB2 §2.2.1).
pub mod smb2_cmd {
    /// NEGOTIATE.
    pub const NEGOTIATE: u16 = 0;
    /// SESSION_SETUP.
    pub const SESSION_SETUP: u16 = 1;
    /// LOGOFF.
    pub const LOGOFF: u16 = 2;
    /// TREE_CONNECT.
    pub const TREE_CONNECT: u16 = 3;
    /// TREE_DISCONNECT.
    pub const TREE_DISCONNECT: u16 = 4;
    /// CREATE.
    pub const CREATE: u16 = 5;
    /// CLOSE.
    pub const CLOSE: u16 = 6;
    /// FLUSH.
    pub const FLUSH: u16 = 7;
    /// READ.
    pub const READ: u16 = 8;
    /// WRITE.
    pub const WRITE: u16 = 9;
    /// LOCK.
    pub const LOCK: u16 = 10;
    /// IOCTL.
    pub const IOCTL: u16 = 11;
    /// CANCEL.
    pub const CANCEL: u16 = 12;
    /// ECHO.
    pub const ECHO: u16 = 13;
    /// QUERY_DIRECTORY.
    pub const QUERY_DIRECTORY: u16 = 14;
    /// CHANGE_NOTIFY.
    pub const CHANGE_NOTIFY: u16 = 15;
    /// QUERY_INFO.
    pub const QUERY_INFO: u16 = 16;
    /// SET_INFO.
    pub const SET_INFO: u16 = 17;
    /// OPLOCK_BREAK.
    pub const OPLOCK_BREAK: u16 = 18;
}

/// Suricata's name for an SMB2 command (EVE `smb.command`).
pub fn smb2_command_name(c: u16) -> String {
    let n = match c {
        0 => "SMB2_COMMAND_NEGOTIATE_PROTOCOL",
        1 => "SMB2_COMMAND_SESSION_SETUP",
        2 => "SMB2_COMMAND_SESSION_LOGOFF",
        3 => "SMB2_COMMAND_TREE_CONNECT",
        4 => "SMB2_COMMAND_TREE_DISCONNECT",
        5 => "SMB2_COMMAND_CREATE",
        6 => "SMB2_COMMAND_CLOSE",
        7 => "SMB2_COMMAND_FLUSH",
        8 => "SMB2_COMMAND_READ",
        9 => "SMB2_COMMAND_WRITE",
        10 => "SMB2_COMMAND_LOCK",
        11 => "SMB2_COMMAND_IOCTL",
        12 => "SMB2_COMMAND_CANCEL",
        13 => "SMB2_COMMAND_KEEPALIVE",
        14 => "SMB2_COMMAND_FIND",
        15 => "SMB2_COMMAND_CHANGE_NOTIFY",
        16 => "SMB2_COMMAND_GET_INFO",
        17 => "SMB2_COMMAND_SET_INFO",
        18 => "SMB2_COMMAND_OPLOCK_BREAK",
        _ => return c.to_string(),
    };
    n.to_string()
}

/// Suricata's spelling of an SMB2 dialect revision (`2.02`, `3.11`, `2.??`).
pub fn smb2_dialect_name(d: u16) -> String {
    let n = match d {
        0x0202 => "2.02",
        0x0210 => "2.10",
        0x0222 => "2.22",
        0x0224 => "2.24",
        0x02ff => "2.??",
        0x0300 => "3.00",
        0x0302 => "3.02",
        0x0310 => "3.10",
        0x0311 => "3.11",
        _ => return d.to_string(),
    };
    n.to_string()
}

/// The fixed 64-byte SMB2 header (MS-SMB2 §2.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smb2Header {
    /// NT status (meaningful in responses).
    pub status: u32,
    /// Command code.
    pub command: u16,
    /// Flags (`SMB2_FLAGS_*`).
    pub flags: u32,
    /// Offset of the next compounded message from this header, 0 if last.
    pub next_command: u32,
    /// MessageId: pairs a response with its request.
    pub message_id: u64,
    /// TreeId (0 in async headers).
    pub tree_id: u32,
    /// SessionId.
    pub session_id: u64,
}

impl Smb2Header {
    /// True for a response.
    pub fn is_response(&self) -> bool {
        self.flags & SMB2_FLAGS_SERVER_TO_REDIR != 0
    }
}

/// Decodes the SMB2 header at the start of `b`.
pub fn smb2_header(b: &[u8]) -> Result<Smb2Header, SmbError> {
    if b.get(..4) != Some(&SMB2_MAGIC[..]) {
        return Err(SmbError::BadMagic);
    }
    if b.len() < SMB2_HEADER_LEN {
        return Err(SmbError::Truncated {
            what: "SMB2 header",
        });
    }
    if u16le(b, 4) != Some(64) {
        return Err(SmbError::BadMagic);
    }
    let t = SmbError::Truncated {
        what: "SMB2 header",
    };
    let flags = u32le(b, 16).ok_or(t.clone())?;
    let tree_id = if flags & SMB2_FLAGS_ASYNC_COMMAND != 0 {
        0
    } else {
        u32le(b, 36).ok_or(t.clone())?
    };
    Ok(Smb2Header {
        status: u32le(b, 8).ok_or(t.clone())?,
        command: u16le(b, 12).ok_or(t.clone())?,
        flags,
        next_command: u32le(b, 20).ok_or(t.clone())?,
        message_id: u64le(b, 24).ok_or(t.clone())?,
        tree_id,
        session_id: u64le(b, 40).ok_or(t)?,
    })
}

/// The body of an SMB2 message whose header starts `msg`, with its
/// StructureSize checked (the low bit is the "variable part" marker).
fn smb2_body(msg: &[u8], structure_size: u16) -> Option<&[u8]> {
    let body = msg.get(SMB2_HEADER_LEN..)?;
    (u16le(body, 0)? == structure_size).then_some(body)
}

/// A buffer named by a 16-bit offset (from the SMB2 header) and length.
fn smb2_buffer(msg: &[u8], off: u16, len: usize) -> Option<&[u8]> {
    if len == 0 {
        return Some(&[]);
    }
    slice(msg, usize::from(off), len)
}

/// NEGOTIATE request: the dialects offered and the client GUID.
pub fn smb2_negotiate_request(msg: &[u8]) -> Option<(Vec<u16>, [u8; 16])> {
    let body = smb2_body(msg, 36)?;
    let count = usize::from(u16le(body, 2)?);
    let mut guid = [0u8; 16];
    guid.copy_from_slice(slice(body, 12, 16)?);
    let dialects = (0..count.min(MAX_DIALECTS))
        .map_while(|i| u16le(body, 36 + 2 * i))
        .collect();
    Some((dialects, guid))
}

/// NEGOTIATE response: the dialect chosen and the server GUID.
pub fn smb2_negotiate_response(msg: &[u8]) -> Option<(u16, [u8; 16])> {
    let body = smb2_body(msg, 65)?;
    let mut guid = [0u8; 16];
    guid.copy_from_slice(slice(body, 8, 16)?);
    Some((u16le(body, 4)?, guid))
}

/// SESSION_SETUP request: the security blob (SPNEGO, raw NTLMSSP, ...).
pub fn smb2_session_setup_request(msg: &[u8]) -> Option<&[u8]> {
    let body = smb2_body(msg, 25)?;
    smb2_buffer(msg, u16le(body, 12)?, usize::from(u16le(body, 14)?))
}

/// SESSION_SETUP response SessionFlags: the session is a guest session.
pub const SMB2_SESSION_FLAG_IS_GUEST: u16 = 0x0001;
/// SESSION_SETUP response SessionFlags: the session is anonymous.
pub const SMB2_SESSION_FLAG_IS_NULL: u16 = 0x0002;

/// SESSION_SETUP response: SessionFlags.
pub fn smb2_session_setup_response(msg: &[u8]) -> Option<u16> {
    u16le(smb2_body(msg, 9)?, 2)
}

/// TREE_CONNECT request: the UNC path (`\\host\share`).
pub fn smb2_tree_connect_request(msg: &[u8]) -> Option<String> {
    let body = smb2_body(msg, 9)?;
    let path = smb2_buffer(msg, u16le(body, 4)?, usize::from(u16le(body, 6)?))?;
    Some(utf16le(path))
}

/// TREE_CONNECT response: ShareType (1 disk, 2 pipe, 3 print).
pub fn smb2_tree_connect_response(msg: &[u8]) -> Option<u8> {
    smb2_body(msg, 16)?.get(2).copied()
}

/// What a CREATE request opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smb2Create {
    /// File (or pipe) name, relative to the share.
    pub name: String,
    /// CreateDisposition.
    pub disposition: u32,
    /// CreateOptions.
    pub options: u32,
}

/// CREATE request.
pub fn smb2_create_request(msg: &[u8]) -> Option<Smb2Create> {
    let body = smb2_body(msg, 57)?;
    let name = smb2_buffer(msg, u16le(body, 44)?, usize::from(u16le(body, 46)?))?;
    Some(Smb2Create {
        name: utf16le(name),
        disposition: u32le(body, 36)?,
        options: u32le(body, 40)?,
    })
}

/// Suricata's name for a CreateDisposition.
pub fn disposition_name(d: u32) -> &'static str {
    match d {
        0 => "FILE_SUPERSEDE",
        1 => "FILE_OPEN",
        2 => "FILE_CREATE",
        3 => "FILE_OPEN_IF",
        4 => "FILE_OVERWRITE",
        5 => "FILE_OVERWRITE_IF",
        _ => "UNKNOWN",
    }
}

/// Share type names as Suricata logs them.
pub fn share_type_name(t: u8) -> &'static str {
    match t {
        1 => "FILE",
        2 => "PIPE",
        3 => "PRINT",
        _ => "UNKNOWN",
    }
}

/// SMB1 header flag: the message is a reply.
pub const SMB1_FLAGS_REPLY: u8 = 0x80;
/// SMB1 FLAGS2: strings are UTF-16LE.
pub const SMB1_FLAGS2_UNICODE: u16 = 0x8000;
/// SMB1 FLAGS2: the status is an NT status (else a DOS error class/code).
pub const SMB1_FLAGS2_NT_STATUS: u16 = 0x4000;
/// SMB1 FLAGS2: extended security (SPNEGO blobs in SESSION_SETUP_ANDX).
pub const SMB1_FLAGS2_EXTENDED_SECURITY: u16 = 0x0800;
/// Length of the SMB1 header.
pub const SMB1_HEADER_LEN: usize = 32;

/// SMB1 commands wardwatch reads (MS-CIFS §2.2.2.1).
pub mod smb1_cmd {
    /// SMB_COM_NEGOTIATE.
    pub const NEGOTIATE: u8 = 0x72;
    /// SMB_COM_SESSION_SETUP_ANDX.
    pub const SESSION_SETUP_ANDX: u8 = 0x73;
    /// SMB_COM_LOGOFF_ANDX.
    pub const LOGOFF_ANDX: u8 = 0x74;
    /// SMB_COM_TREE_CONNECT_ANDX.
    pub const TREE_CONNECT_ANDX: u8 = 0x75;
    /// SMB_COM_TREE_DISCONNECT.
    pub const TREE_DISCONNECT: u8 = 0x71;
    /// SMB_COM_NT_CREATE_ANDX.
    pub const NT_CREATE_ANDX: u8 = 0xa2;
    /// SMB_COM_READ_ANDX.
    pub const READ_ANDX: u8 = 0x2e;
    /// SMB_COM_WRITE_ANDX.
    pub const WRITE_ANDX: u8 = 0x2f;
    /// SMB_COM_ECHO.
    pub const ECHO: u8 = 0x2b;
    /// No further AndX command.
    pub const NO_ANDX: u8 = 0xff;
}

/// Suricata's name for an SMB1 command.
pub fn smb1_command_name(c: u8) -> String {
    let n = match c {
        0x04 => "SMB1_COMMAND_CLOSE",
        0x06 => "SMB1_COMMAND_DELETE",
        0x07 => "SMB1_COMMAND_RENAME",
        0x24 => "SMB1_COMMAND_LOCKING_ANDX",
        0x25 => "SMB1_COMMAND_TRANS",
        0x2b => "SMB1_COMMAND_ECHO",
        0x2d => "SMB1_COMMAND_OPEN_ANDX",
        0x2e => "SMB1_COMMAND_READ_ANDX",
        0x2f => "SMB1_COMMAND_WRITE_ANDX",
        0x32 => "SMB1_COMMAND_TRANS2",
        0x34 => "SMB1_COMMAND_FIND_CLOSE2",
        0x71 => "SMB1_COMMAND_TREE_DISCONNECT",
        0x72 => "SMB1_COMMAND_NEGOTIATE_PROTOCOL",
        0x73 => "SMB1_COMMAND_SESSION_SETUP_ANDX",
        0x74 => "SMB1_COMMAND_LOGOFF_ANDX",
        0x75 => "SMB1_COMMAND_TREE_CONNECT_ANDX",
        0xa0 => "SMB1_COMMAND_NT_TRANS",
        0xa2 => "SMB1_COMMAND_NT_CREATE_ANDX",
        0xa4 => "SMB1_COMMAND_NT_CANCEL",
        _ => return c.to_string(),
    };
    n.to_string()
}

/// The SMB1 header and the parameter/data blocks of its first command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smb1Header {
    /// Command code.
    pub command: u8,
    /// Status: an NT status when `flags2` has NT_STATUS, else ErrorClass
    /// (low byte) and ErrorCode (high 16 bits).
    pub status: u32,
    /// Flags (`SMB1_FLAGS_*`).
    pub flags: u8,
    /// Flags2 (`SMB1_FLAGS2_*`).
    pub flags2: u16,
    /// TID.
    pub tid: u16,
    /// UID (the session).
    pub uid: u16,
    /// MID: pairs a response with its request.
    pub mid: u16,
}

impl Smb1Header {
    /// True for a reply.
    pub fn is_response(&self) -> bool {
        self.flags & SMB1_FLAGS_REPLY != 0
    }

    /// True when strings are UTF-16LE.
    pub fn unicode(&self) -> bool {
        self.flags2 & SMB1_FLAGS2_UNICODE != 0
    }

    /// True when `status` is an NT status.
    pub fn nt_status(&self) -> bool {
        self.flags2 & SMB1_FLAGS2_NT_STATUS != 0
    }
}

/// Decodes the SMB1 header at the start of `b`.
pub fn smb1_header(b: &[u8]) -> Result<Smb1Header, SmbError> {
    if b.get(..4) != Some(&SMB1_MAGIC[..]) {
        return Err(SmbError::BadMagic);
    }
    let t = || SmbError::Truncated {
        what: "SMB1 header",
    };
    if b.len() < SMB1_HEADER_LEN {
        return Err(t());
    }
    Ok(Smb1Header {
        command: b[4],
        status: u32le(b, 5).ok_or_else(t)?,
        flags: b[9],
        flags2: u16le(b, 10).ok_or_else(t)?,
        tid: u16le(b, 24).ok_or_else(t)?,
        uid: u16le(b, 28).ok_or_else(t)?,
        mid: u16le(b, 30).ok_or_else(t)?,
    })
}

/// One SMB1 command block: its parameter words and data bytes, and where
/// its data bytes start in the message (for Unicode alignment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smb1Block<'a> {
    /// The command.
    pub command: u8,
    /// Parameter words, as bytes (2 × WordCount).
    pub words: &'a [u8],
    /// Data bytes (ByteCount, clamped to the message).
    pub bytes: &'a [u8],
    /// Offset of `bytes` from the SMB1 header.
    pub bytes_at: usize,
}

/// Most AndX commands followed in one message (a real chain has 2 or 3).
pub const MAX_ANDX: usize = 4;

/// The command blocks of an SMB1 message: the first one and the AndX chain
/// that follows it (MS-CIFS §2.2.3.4), at most [`MAX_ANDX`].
pub fn smb1_blocks(msg: &[u8], first: u8) -> Vec<Smb1Block<'_>> {
    let mut out = Vec::new();
    let mut at = SMB1_HEADER_LEN;
    let mut cmd = first;
    while out.len() < MAX_ANDX {
        let Some(block) = smb1_block(msg, at, cmd) else {
            break;
        };
        let andx = is_andx(cmd) && block.words.len() >= 4;
        let (next_cmd, next_at) = (block.words.first().copied(), u16le(block.words, 2));
        out.push(block);
        match (andx, next_cmd, next_at) {
            (true, Some(c), Some(off)) if c != smb1_cmd::NO_ANDX && usize::from(off) > at => {
                cmd = c;
                at = usize::from(off);
            }
            _ => break,
        }
    }
    out
}

fn is_andx(cmd: u8) -> bool {
    matches!(cmd, 0x24 | 0x2d | 0x2e | 0x2f | 0x73 | 0x74 | 0x75 | 0xa2)
}

fn smb1_block(msg: &[u8], at: usize, command: u8) -> Option<Smb1Block<'_>> {
    let wc = usize::from(*msg.get(at)?);
    let words = slice(msg, at + 1, 2 * wc)?;
    let bc_at = at + 1 + 2 * wc;
    let bc = usize::from(u16le(msg, bc_at)?);
    let bytes_at = bc_at + 2;
    let bytes = msg.get(bytes_at..)?;
    let bytes = &bytes[..bc.min(bytes.len())];
    Some(Smb1Block {
        command,
        words,
        bytes,
        bytes_at,
    })
}

/// NEGOTIATE request dialect strings (`NT LM 0.12`, `SMB 2.002`, ...).
pub fn smb1_negotiate_dialects(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter_map(|d| d.strip_prefix(&[0x02]))
        .take(MAX_DIALECTS)
        .map(oem)
        .collect()
}

/// A string in an SMB1 data block starting at `off` of `bytes` (which
/// start at `bytes_at` of the message): UTF-16LE, aligned to 2 from the
/// header, when `unicode`; NUL-terminated either way. Returns the string and
/// the offset after its terminator.
pub fn smb1_string(bytes: &[u8], off: usize, bytes_at: usize, unicode: bool) -> (String, usize) {
    if unicode {
        let off = if (bytes_at + off) % 2 == 1 {
            off + 1
        } else {
            off
        };
        let rest = bytes.get(off..).unwrap_or_default();
        let mut end = rest.len() & !1;
        let mut i = 0;
        while i + 1 < rest.len() {
            if rest[i] == 0 && rest[i + 1] == 0 {
                end = i;
                break;
            }
            i += 2;
        }
        (utf16le(&rest[..end]), off + end + 2)
    } else {
        let rest = bytes.get(off..).unwrap_or_default();
        let end = rest.iter().position(|c| *c == 0).unwrap_or(rest.len());
        (oem(&rest[..end]), off + end + 1)
    }
}

/// An SMB1 SESSION_SETUP_ANDX request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Smb1SessionSetup<'a> {
    /// Extended security: a security blob (SPNEGO/NTLMSSP/Kerberos).
    Blob(&'a [u8]),
    /// NT LM 0.12 or LANMAN plain form: account and domain in clear, and
    /// whether both password fields were empty (an anonymous session).
    Plain {
        /// AccountName.
        account: String,
        /// PrimaryDomain.
        domain: String,
        /// No password at all.
        no_password: bool,
    },
}

/// Decodes a SESSION_SETUP_ANDX request block.
pub fn smb1_session_setup_request<'a>(
    block: &Smb1Block<'a>,
    unicode: bool,
) -> Option<Smb1SessionSetup<'a>> {
    let w = block.words;
    match w.len() {
        // WordCount 12: extended security.
        24 => {
            let len = usize::from(u16le(w, 14)?);
            Some(Smb1SessionSetup::Blob(slice(block.bytes, 0, len)?))
        }
        // WordCount 13 (NT LM 0.12) and 10 (LANMAN): passwords then names.
        26 | 20 => {
            let (oem_len, uni_len) = if w.len() == 26 {
                (usize::from(u16le(w, 14)?), usize::from(u16le(w, 16)?))
            } else {
                (usize::from(u16le(w, 14)?), 0)
            };
            let pw = oem_len.checked_add(uni_len)?;
            if pw > block.bytes.len() {
                return None;
            }
            let (account, next) = smb1_string(block.bytes, pw, block.bytes_at, unicode);
            let (domain, _) = smb1_string(block.bytes, next, block.bytes_at, unicode);
            // A one-byte NUL password is how some clients say "none".
            let no_password = pw == 0 || (pw == 1 && block.bytes.first() == Some(&0));
            Some(Smb1SessionSetup::Plain {
                account,
                domain,
                no_password,
            })
        }
        _ => None,
    }
}

/// SESSION_SETUP_ANDX response Action bit: logged on as guest.
pub const SMB1_SETUP_GUEST: u16 = 0x0001;

/// SESSION_SETUP_ANDX response Action field.
pub fn smb1_session_setup_action(block: &Smb1Block<'_>) -> Option<u16> {
    u16le(block.words, 4)
}

/// TREE_CONNECT_ANDX request: the path and the service (`IPC`, `?????`, `A:`).
pub fn smb1_tree_connect_request(block: &Smb1Block<'_>, unicode: bool) -> Option<(String, String)> {
    let pw_len = usize::from(u16le(block.words, 6)?);
    if pw_len > block.bytes.len() {
        return None;
    }
    let (path, next) = smb1_string(block.bytes, pw_len, block.bytes_at, unicode);
    // The service is always OEM.
    let (service, _) = smb1_string(block.bytes, next, block.bytes_at, false);
    Some((path, service))
}

/// TREE_CONNECT_ANDX response: the service the tree is (`IPC`, `A:`, ...).
pub fn smb1_tree_connect_response(block: &Smb1Block<'_>) -> Option<String> {
    (!block.bytes.is_empty()).then(|| smb1_string(block.bytes, 0, block.bytes_at, false).0)
}

/// NT_CREATE_ANDX request: name and disposition.
pub fn smb1_nt_create_request(block: &Smb1Block<'_>, unicode: bool) -> Option<Smb2Create> {
    let w = block.words;
    if w.len() < 48 {
        return None;
    }
    let name_len = usize::from(u16le(w, 5)?);
    let disposition = u32le(w, 35)?;
    let options = u32le(w, 39)?;
    let name = if unicode {
        let off = usize::from((block.bytes_at % 2) == 1);
        utf16le(slice(block.bytes, off, name_len).or_else(|| block.bytes.get(off..))?)
    } else {
        oem(slice(block.bytes, 0, name_len).unwrap_or(block.bytes))
    };
    Some(Smb2Create {
        name,
        disposition,
        options,
    })
}

/// The NTLMSSP message inside a security blob: found by its signature,
/// which SPNEGO (RFC 4178) wraps in a mechToken OCTET STRING or which
/// stands alone ("raw NTLMSSP"). Searching is safe here: every NTLMSSP
/// offset is relative to the signature and checked against the blob's end,
/// and a Kerberos AP-REQ carries no such signature in clear.
pub fn find_ntlmssp(blob: &[u8]) -> Option<&[u8]> {
    const SIG: &[u8] = b"NTLMSSP\0";
    let at = blob.windows(SIG.len()).position(|w| w == SIG)?;
    blob.get(at..)
}

/// The Kerberos 5 mechanism OID (1.2.840.113554.1.2.2) and its legacy
/// Microsoft variant (1.2.840.48018.1.2.2), DER-encoded, as found in a
/// SPNEGO negTokenInit or a GSS-API InitialContextToken.
pub fn is_kerberos_blob(blob: &[u8]) -> bool {
    const KRB5: &[u8] = b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
    const MS_KRB5: &[u8] = b"\x06\x09\x2a\x86\x48\x82\xf7\x12\x01\x02\x02";
    // The client's first mechToken names the mechanism it carries; NTLMSSP
    // blobs list Kerberos OIDs only in the server's negTokenInit hints.
    find_ntlmssp(blob).is_none() && blob.windows(KRB5.len()).any(|w| w == KRB5 || w == MS_KRB5)
}

/// NTLMSSP message types.
pub mod ntlm {
    /// NEGOTIATE_MESSAGE.
    pub const NEGOTIATE: u32 = 1;
    /// CHALLENGE_MESSAGE.
    pub const CHALLENGE: u32 = 2;
    /// AUTHENTICATE_MESSAGE.
    pub const AUTHENTICATE: u32 = 3;
    /// NTLMSSP_NEGOTIATE_UNICODE.
    pub const FLAG_UNICODE: u32 = 0x0000_0001;
    /// NTLMSSP_NEGOTIATE_ANONYMOUS.
    pub const FLAG_ANONYMOUS: u32 = 0x0000_0800;
}

/// The type of the NTLMSSP message `msg` (which starts at its signature).
pub fn ntlm_message_type(msg: &[u8]) -> Option<u32> {
    u32le(msg, 8)
}

/// Who an NTLM AUTHENTICATE_MESSAGE names (MS-NLMP §2.2.1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NtlmAuthenticate {
    /// UserName.
    pub user: String,
    /// DomainName.
    pub domain: String,
    /// Workstation.
    pub host: String,
    /// An anonymous authentication: no user name and no NT response (MS-NLMP
    /// §3.2.5.1.2), or the ANONYMOUS flag.
    pub anonymous: bool,
}

/// Decodes an AUTHENTICATE_MESSAGE starting at its signature.
pub fn ntlm_authenticate(msg: &[u8]) -> Option<NtlmAuthenticate> {
    if ntlm_message_type(msg)? != ntlm::AUTHENTICATE {
        return None;
    }
    // A security buffer: Len (2), MaxLen (2), Offset (4) from the signature.
    let field = |at: usize| -> Option<&[u8]> {
        let len = usize::from(u16le(msg, at)?);
        let off = usize::try_from(u32le(msg, at + 4)?).ok()?;
        if len == 0 {
            return Some(&[]);
        }
        slice(msg, off, len)
    };
    let lm = field(12)?;
    let nt = field(20)?;
    let flags = u32le(msg, 60).unwrap_or(0);
    let text = |b: &[u8]| {
        if flags & ntlm::FLAG_UNICODE != 0 {
            utf16le(b)
        } else {
            oem(b)
        }
    };
    let user = text(field(36)?);
    let anonymous = flags & ntlm::FLAG_ANONYMOUS != 0
        || (user.is_empty() && nt.is_empty() && (lm.is_empty() || lm == [0]));
    Some(NtlmAuthenticate {
        domain: text(field(28)?),
        host: text(field(44)?),
        user,
        anonymous,
    })
}

/// NT status codes wardwatch names (MS-ERREF §2.3.1).
pub mod status {
    /// STATUS_SUCCESS.
    pub const SUCCESS: u32 = 0x0000_0000;
    /// STATUS_PENDING: an interim response; the final one follows.
    pub const PENDING: u32 = 0x0000_0103;
    /// STATUS_MORE_PROCESSING_REQUIRED: another authentication leg follows.
    pub const MORE_PROCESSING_REQUIRED: u32 = 0xC000_0016;
    /// STATUS_LOGON_FAILURE.
    pub const LOGON_FAILURE: u32 = 0xC000_006D;
}

/// The name of an NT status (`STATUS_LOGON_FAILURE`), if known.
pub fn nt_status_name(s: u32) -> Option<&'static str> {
    Some(match s {
        0x0000_0000 => "STATUS_SUCCESS",
        0x0000_0103 => "STATUS_PENDING",
        0x0000_010C => "STATUS_NOTIFY_ENUM_DIR",
        0x8000_0005 => "STATUS_BUFFER_OVERFLOW",
        0x8000_0006 => "STATUS_NO_MORE_FILES",
        0x8000_002D => "STATUS_STOPPED_ON_SYMLINK",
        0xC000_0001 => "STATUS_UNSUCCESSFUL",
        0xC000_0002 => "STATUS_NOT_IMPLEMENTED",
        0xC000_0003 => "STATUS_INVALID_INFO_CLASS",
        0xC000_0008 => "STATUS_INVALID_HANDLE",
        0xC000_000D => "STATUS_INVALID_PARAMETER",
        0xC000_000F => "STATUS_NO_SUCH_FILE",
        0xC000_0010 => "STATUS_INVALID_DEVICE_REQUEST",
        0xC000_0011 => "STATUS_END_OF_FILE",
        0xC000_0016 => "STATUS_MORE_PROCESSING_REQUIRED",
        0xC000_0022 => "STATUS_ACCESS_DENIED",
        0xC000_0023 => "STATUS_BUFFER_TOO_SMALL",
        0xC000_0034 => "STATUS_OBJECT_NAME_NOT_FOUND",
        0xC000_0035 => "STATUS_OBJECT_NAME_COLLISION",
        0xC000_003A => "STATUS_OBJECT_PATH_NOT_FOUND",
        0xC000_0043 => "STATUS_SHARING_VIOLATION",
        0xC000_005E => "STATUS_NO_LOGON_SERVERS",
        0xC000_0064 => "STATUS_NO_SUCH_USER",
        0xC000_006A => "STATUS_WRONG_PASSWORD",
        0xC000_006D => "STATUS_LOGON_FAILURE",
        0xC000_006E => "STATUS_ACCOUNT_RESTRICTION",
        0xC000_006F => "STATUS_INVALID_LOGON_HOURS",
        0xC000_0070 => "STATUS_INVALID_WORKSTATION",
        0xC000_0071 => "STATUS_PASSWORD_EXPIRED",
        0xC000_0072 => "STATUS_ACCOUNT_DISABLED",
        0xC000_009A => "STATUS_INSUFFICIENT_RESOURCES",
        0xC000_00AC => "STATUS_PIPE_NOT_AVAILABLE",
        0xC000_00B0 => "STATUS_PIPE_DISCONNECTED",
        0xC000_00BA => "STATUS_FILE_IS_A_DIRECTORY",
        0xC000_00BB => "STATUS_NOT_SUPPORTED",
        0xC000_00C9 => "STATUS_NETWORK_NAME_DELETED",
        0xC000_00CC => "STATUS_BAD_NETWORK_NAME",
        0xC000_00D0 => "STATUS_REQUEST_NOT_ACCEPTED",
        0xC000_0103 => "STATUS_NOT_A_DIRECTORY",
        0xC000_0120 => "STATUS_CANCELLED",
        0xC000_014B => "STATUS_PIPE_BROKEN",
        0xC000_015B => "STATUS_LOGON_TYPE_NOT_GRANTED",
        0xC000_018C => "STATUS_TRUSTED_DOMAIN_FAILURE",
        0xC000_018D => "STATUS_TRUSTED_RELATIONSHIP_FAILURE",
        0xC000_0192 => "STATUS_NETLOGON_NOT_STARTED",
        0xC000_0193 => "STATUS_ACCOUNT_EXPIRED",
        0xC000_019C => "STATUS_FS_DRIVER_REQUIRED",
        0xC000_0203 => "STATUS_USER_SESSION_DELETED",
        0xC000_0224 => "STATUS_PASSWORD_MUST_CHANGE",
        0xC000_0225 => "STATUS_NOT_FOUND",
        0xC000_0234 => "STATUS_ACCOUNT_LOCKED_OUT",
        0xC000_035C => "STATUS_NETWORK_SESSION_EXPIRED",
        0xC000_0388 => "STATUS_DOWNGRADE_DETECTED",
        _ => return None,
    })
}

/// An SMB1 DOS error (ErrorClass, ErrorCode) by its MS-CIFS name.
pub fn dos_error_name(class: u8, code: u16) -> String {
    let n = match (class, code) {
        (1, 2) => "ERRbadfile",
        (1, 3) => "ERRbadpath",
        (1, 5) => "ERRnoaccess",
        (1, 6) => "ERRbadfid",
        (1, 50) => "ERRunsup",
        (2, 1) => "ERRerror",
        (2, 2) => "ERRbadpw",
        (2, 4) => "ERRaccess",
        (2, 5) => "ERRinvtid",
        (2, 6) => "ERRinvnetname",
        (2, 91) => "ERRbaduid",
        _ => return format!("UNKNOWN_{class:02x}_{code:04x}"),
    };
    n.to_string()
}
