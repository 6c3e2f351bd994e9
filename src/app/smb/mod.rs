//! SMB 1, 2 and 3 over TCP (direct on 445, NetBIOS session service on 139):
//! dialect negotiation, logins, shares and named pipes.
//!
//! Why: a hospital network still runs SMBv1 on old modalities and print
//! servers, and SMB logins are where password guessing and lateral movement
//! show. The parser frames NetBIOS session messages (RFC 1002 §4.3; the
//! 4-byte header of MS-SMB2 §2.1 on 445), decodes each SMB1 message or SMB2
//! message (compounded ones through NextCommand included), and pairs
//! requests with responses by MessageId (SMB2) or MID (SMB1). It reports:
//!
//! - a login attempt per SESSION_SETUP exchange that carried credentials:
//!   the NTLM AUTHENTICATE message's user, domain and workstation (found in
//!   the SPNEGO blob), SMB1's plain account name, or a Kerberos ticket (no
//!   account visible), judged by the response status: `STATUS_SUCCESS` is a
//!   success (guest and anonymous sessions say so in the reason),
//!   `STATUS_MORE_PROCESSING_REQUIRED` an intermediate leg, anything else a
//!   failure named by its status (`STATUS_LOGON_FAILURE`,
//!   `STATUS_ACCOUNT_LOCKED_OUT`, ...);
//! - `smb.share` (the TREE_CONNECT path of a disk or printer share, without
//!   its first backslash, as Suricata has it: `\host\share`) and
//!   `smb.named_pipe` (the path of an `IPC$` tree connect, as Suricata, and
//!   the name of each pipe opened on it: `srvsvc`, `lsarpc`, `samr`);
//! - an EVE `smb` record per request/response pair of the session-level
//!   commands (not READ/WRITE and other data commands), with Suricata's
//!   field names, and `smb1: true` whenever SMB1 was spoken: a client that
//!   still offers `NT LM 0.12`, or a server that still answers in SMB1.
//!
//! Encrypted SMB3 messages (transform header) are counted and skipped;
//! signed ones are read as usual (signing does not hide anything).
//! Limits: [`MAX_FRAME_KEEP`] bytes of each message are kept (the rest of a
//! large READ/WRITE is skipped), [`MAX_PENDING`] unanswered requests and
//! [`MAX_TREES`] trees per flow.

mod parser;

pub use parser::*;

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use crate::app::layer::AppProto;
use crate::app::{LoginAttempt, Outcome, ParseSink, Probe, StreamParser, TxBuffers};
use crate::flow::Direction;
use crate::rules::ir::BufferId;

/// Bytes of one NetBIOS message kept for parsing; the rest of a longer one
/// (a big READ or WRITE) is skipped. Every command whose fields wardwatch
/// reads fits: a SESSION_SETUP with a Kerberos ticket is a few KiB.
pub const MAX_FRAME_KEEP: usize = 64 * 1024;

/// Requests waiting for their response. SMB2 clients keep up to their
/// credit count in flight (often 512 with large MTU), but session-level
/// commands, the only ones tracked, are few; the oldest is dropped (logged
/// as unanswered) beyond this.
pub const MAX_PENDING: usize = 128;

/// Trees remembered per flow (to know which are `IPC$`); the oldest is
/// forgotten beyond this.
pub const MAX_TREES: usize = 64;

/// Most messages followed in one compounded SMB2 frame.
pub const MAX_COMPOUND: usize = 32;

/// True when the first bytes `dir` sent look like SMB over NetBIOS session
/// service or direct TCP.
pub fn probe(_dir: Direction, server_port: u16, data: &[u8]) -> Probe {
    let smb_port = matches!(server_port, 139 | 445);
    // Keep-alives may precede the first message.
    let mut data = data;
    while data.len() >= 4 && data[..4] == [nbss::KEEP_ALIVE, 0, 0, 0] {
        data = &data[4..];
    }
    let Some(&kind) = data.first() else {
        return if smb_port { Probe::NeedMore } else { Probe::No };
    };
    match kind {
        nbss::SESSION_MESSAGE => {
            if data.len() < 5 {
                return if smb_port { Probe::NeedMore } else { Probe::No };
            }
            let magics: [&[u8; 4]; 4] = [
                SMB1_MAGIC,
                SMB2_MAGIC,
                SMB3_TRANSFORM_MAGIC,
                SMB3_COMPRESSED_MAGIC,
            ];
            let got = &data[4..data.len().min(8)];
            if !magics.iter().any(|m| m.starts_with(got)) {
                return Probe::No;
            }
            if got.len() < 4 {
                return Probe::NeedMore;
            }
            let len = nbss_header(data).map_or(0, |(_, l)| l);
            if len < SMB1_HEADER_LEN {
                return Probe::No;
            }
            Probe::Yes
        }
        nbss::SESSION_REQUEST => {
            // Called name: 0x20 then 32 "half-ASCII" letters (RFC 1002 §4.1).
            if data.len() > 1 && data[1] & 0xfe != 0 {
                return Probe::No;
            }
            let name = data.get(5..data.len().min(37)).unwrap_or_default();
            if data.get(4).is_some_and(|b| *b != 0x20)
                || !name.iter().all(|c| (b'A'..=b'P').contains(c))
            {
                return Probe::No;
            }
            if data.len() < 37 {
                return Probe::NeedMore;
            }
            Probe::Yes
        }
        nbss::POSITIVE_RESPONSE | nbss::NEGATIVE_RESPONSE if server_port == 139 => {
            if data.len() < 4 {
                return Probe::NeedMore;
            }
            let want = if kind == nbss::POSITIVE_RESPONSE {
                0
            } else {
                1
            };
            if data[1..4] == [0, 0, want] {
                Probe::Yes
            } else {
                Probe::No
            }
        }
        _ => Probe::No,
    }
}

/// A fresh parser, for the registry.
pub fn new_parser() -> Box<dyn StreamParser> {
    Box::new(SmbParser::new())
}

/// Which message pairs with a response.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Key {
    Smb1(u16),
    Smb2(u64),
}

/// The credentials a SESSION_SETUP request carried.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Auth {
    /// NTLM AUTHENTICATE message.
    Ntlm(NtlmAuthenticate),
    /// NTLM NEGOTIATE (first leg): no credentials yet.
    NtlmNegotiate,
    /// A Kerberos AP-REQ: the client's name is in the encrypted part.
    Kerberos,
    /// SMB1 without extended security: account and domain in clear.
    Plain {
        account: String,
        domain: String,
        no_password: bool,
    },
    /// A blob we cannot read.
    Unknown,
}

impl Auth {
    fn from_blob(blob: &[u8]) -> Auth {
        if let Some(msg) = find_ntlmssp(blob) {
            match ntlm_message_type(msg) {
                Some(ntlm::AUTHENTICATE) => {
                    ntlm_authenticate(msg).map_or(Auth::Unknown, Auth::Ntlm)
                }
                Some(ntlm::NEGOTIATE) => Auth::NtlmNegotiate,
                _ => Auth::Unknown,
            }
        } else if is_kerberos_blob(blob) {
            Auth::Kerberos
        } else {
            Auth::Unknown
        }
    }

    /// True when the request carried credentials the response judges.
    fn is_final_leg(&self) -> bool {
        !matches!(self, Auth::NtlmNegotiate | Auth::Unknown)
    }

    fn memory(&self) -> usize {
        match self {
            Auth::Ntlm(a) => a.user.len() + a.domain.len() + a.host.len(),
            Auth::Plain {
                account, domain, ..
            } => account.len() + domain.len(),
            _ => 0,
        }
    }
}

/// A request waiting for its response, with what it asked for.
#[derive(Clone, Debug)]
struct Pending {
    key: Key,
    tx_id: u64,
    smb1: bool,
    command: String,
    session_id: u64,
    tree_id: u32,
    dialects: Option<Vec<String>>,
    client_guid: Option<[u8; 16]>,
    auth: Option<Auth>,
    /// TREE_CONNECT path as Suricata keeps it (first backslash dropped).
    tree_path: Option<String>,
    /// The tree connect is to `IPC$`.
    tree_ipc: bool,
    /// CREATE / NT_CREATE_ANDX / TRANS name, and whether it is on a pipe.
    file: Option<(String, u32, bool)>,
}

impl Pending {
    fn new(key: Key, tx_id: u64, smb1: bool, command: String) -> Pending {
        Pending {
            key,
            tx_id,
            smb1,
            command,
            session_id: 0,
            tree_id: 0,
            dialects: None,
            client_guid: None,
            auth: None,
            tree_path: None,
            tree_ipc: false,
            file: None,
        }
    }

    fn memory(&self) -> usize {
        std::mem::size_of::<Pending>()
            + self.command.len()
            + self
                .dialects
                .as_ref()
                .map_or(0, |d| d.iter().map(|s| s.len() + 24).sum())
            + self.auth.as_ref().map_or(0, Auth::memory)
            + self.tree_path.as_ref().map_or(0, String::len)
            + self.file.as_ref().map_or(0, |f| f.0.len())
    }

    /// The detection buffers of the request half.
    fn buffers(&self) -> SmbTx<'_> {
        let mut tx = SmbTx::default();
        if let Some(p) = &self.tree_path {
            if self.tree_ipc {
                tx.named_pipe = Some(p);
            } else {
                tx.share = Some(p);
            }
        }
        if let Some((name, _, true)) = &self.file {
            tx.named_pipe = Some(name.trim_start_matches('\\'));
        }
        tx
    }
}

/// The detection buffers of one SMB transaction half.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmbTx<'a> {
    /// `smb.share`.
    pub share: Option<&'a str>,
    /// `smb.named_pipe`.
    pub named_pipe: Option<&'a str>,
}

impl TxBuffers for SmbTx<'_> {
    fn visit(&self, id: BufferId, f: &mut dyn FnMut(&[u8])) {
        let v = match id {
            BufferId::SmbShare => self.share,
            BufferId::SmbNamedPipe => self.named_pipe,
            _ => None,
        };
        if let Some(v) = v {
            f(v.as_bytes());
        }
    }
}

/// A tree the server granted.
#[derive(Clone, Debug)]
struct Tree {
    id: u32,
    smb1: bool,
    pipe: bool,
}

/// Framing state of one direction.
#[derive(Clone, Debug, Default)]
struct Side {
    /// NetBIOS header bytes collected.
    hdr: [u8; 4],
    hdr_len: usize,
    /// The current message's kept bytes.
    buf: Vec<u8>,
    /// Bytes of the current message to keep (≤ MAX_FRAME_KEEP).
    keep: usize,
    /// Bytes of the current message to skip after `keep`.
    skip_after: usize,
    /// Bytes to skip now (tail of an over-long message).
    skip: usize,
    /// Framing lost: nothing more is parsed.
    stopped: bool,
    closed: bool,
}

/// Counters of one flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmbStats {
    /// SMB1 messages seen.
    pub smb1_messages: u64,
    /// SMB2/3 messages seen.
    pub smb2_messages: u64,
    /// Encrypted (transform) or compressed messages skipped.
    pub encrypted_messages: u64,
    /// Messages longer than [`MAX_FRAME_KEEP`], cut.
    pub truncated_messages: u64,
    /// Requests dropped from the pending table unanswered.
    pub pending_evicted: u64,
}

/// One TCP flow's SMB state.
#[derive(Debug, Default)]
pub struct SmbParser {
    sides: [Side; 2],
    pending: VecDeque<Pending>,
    trees: VecDeque<Tree>,
    /// The negotiated dialect (`3.11`, `NT LM 0.12`).
    dialect: Option<String>,
    /// SMB1 was spoken on this flow.
    smb1: bool,
    next_tx: u64,
    stats: SmbStats,
}

impl SmbParser {
    /// A parser for a new flow.
    pub fn new() -> SmbParser {
        SmbParser::default()
    }

    /// True once SMB1 was seen on the flow (offered or answered).
    pub fn smb1_seen(&self) -> bool {
        self.smb1
    }

    /// The dialect the server chose, once seen.
    pub fn dialect(&self) -> Option<&str> {
        self.dialect.as_deref()
    }

    /// Counters.
    pub fn stats(&self) -> SmbStats {
        self.stats
    }

    fn take_tx_id(&mut self) -> u64 {
        let id = self.next_tx;
        self.next_tx += 1;
        id
    }

    /// One complete (or cut) NetBIOS message.
    fn message(&mut self, dir: Direction, kind: u8, msg: &[u8], sink: &mut dyn ParseSink) {
        if kind != nbss::SESSION_MESSAGE {
            // Session request/response, keep-alive: no SMB inside.
            return;
        }
        match msg.get(..4) {
            Some(m) if m == SMB2_MAGIC => self.smb2_compound(dir, msg, sink),
            Some(m) if m == SMB1_MAGIC => self.smb1_message(dir, msg, sink),
            Some(m) if m == SMB3_TRANSFORM_MAGIC || m == SMB3_COMPRESSED_MAGIC => {
                self.stats.encrypted_messages += 1;
            }
            None if msg.is_empty() => {}
            _ => self.sides[dir.index()].stopped = true,
        }
    }

    fn smb2_compound(&mut self, dir: Direction, frame: &[u8], sink: &mut dyn ParseSink) {
        let mut at = 0usize;
        for _ in 0..MAX_COMPOUND {
            let Some(rest) = frame.get(at..) else { return };
            let Ok(hdr) = smb2_header(rest) else {
                if at == 0 {
                    self.sides[dir.index()].stopped = true;
                }
                return;
            };
            let next = usize::try_from(hdr.next_command).unwrap_or(usize::MAX);
            let msg = if next >= SMB2_HEADER_LEN && next <= rest.len() {
                &rest[..next]
            } else {
                rest
            };
            self.stats.smb2_messages += 1;
            self.smb2_message(dir, &hdr, msg, sink);
            if hdr.next_command == 0 || next < SMB2_HEADER_LEN {
                return;
            }
            at = at.saturating_add(next);
        }
    }

    fn smb2_message(
        &mut self,
        dir: Direction,
        hdr: &Smb2Header,
        msg: &[u8],
        sink: &mut dyn ParseSink,
    ) {
        use smb2_cmd::*;
        let tracked = matches!(
            hdr.command,
            NEGOTIATE
                | SESSION_SETUP
                | LOGOFF
                | TREE_CONNECT
                | TREE_DISCONNECT
                | CREATE
                | CLOSE
                | IOCTL
                | QUERY_DIRECTORY
        );
        if !tracked {
            return;
        }
        if !hdr.is_response() {
            let tx_id = self.take_tx_id();
            let mut p = Pending::new(
                Key::Smb2(hdr.message_id),
                tx_id,
                false,
                smb2_command_name(hdr.command),
            );
            p.session_id = hdr.session_id;
            p.tree_id = hdr.tree_id;
            match hdr.command {
                NEGOTIATE => {
                    if let Some((dialects, guid)) = smb2_negotiate_request(msg) {
                        p.dialects = Some(dialects.into_iter().map(smb2_dialect_name).collect());
                        p.client_guid = Some(guid);
                    }
                }
                SESSION_SETUP => {
                    p.auth = smb2_session_setup_request(msg).map(Auth::from_blob);
                }
                TREE_CONNECT => {
                    if let Some(path) = smb2_tree_connect_request(msg) {
                        p.tree_ipc = is_ipc_path(&path);
                        p.tree_path = Some(suricata_share(path));
                    }
                }
                CREATE => {
                    if let Some(c) = smb2_create_request(msg) {
                        let pipe = self.tree_is_pipe(hdr.tree_id, false);
                        p.file = Some((c.name, c.disposition, pipe));
                    }
                }
                _ => {}
            }
            sink.tx(dir, tx_id, &p.buffers());
            self.push_pending(p, sink);
            return;
        }
        // Interim response of an async operation: the final one follows.
        if hdr.status == status::PENDING {
            return;
        }
        let key = Key::Smb2(hdr.message_id);
        let mut p = match self.take_pending(key) {
            Some(p) => p,
            // A multi-protocol SMB1 NEGOTIATE answered in SMB2 (MS-SMB2 §3.3.5.3.1).
            None if hdr.command == NEGOTIATE => match self.take_smb1_negotiate() {
                Some(p) => p,
                None => self.unmatched(key, false, smb2_command_name(hdr.command)),
            },
            None => self.unmatched(key, false, smb2_command_name(hdr.command)),
        };
        if hdr.session_id != 0 {
            p.session_id = hdr.session_id;
        }
        let mut body = Map::new();
        let mut guest_flags = 0u16;
        match hdr.command {
            NEGOTIATE => {
                if let Some((dialect, guid)) = smb2_negotiate_response(msg) {
                    self.dialect = Some(smb2_dialect_name(dialect));
                    body.insert("server_guid".into(), guid_string(&guid).into());
                }
            }
            SESSION_SETUP => {
                guest_flags = smb2_session_setup_response(msg).unwrap_or(0);
            }
            TREE_CONNECT => {
                p.tree_id = hdr.tree_id;
                if let Some(t) = smb2_tree_connect_response(msg) {
                    body.insert("share_type".into(), share_type_name(t).into());
                    if hdr.status == status::SUCCESS {
                        self.add_tree(Tree {
                            id: hdr.tree_id,
                            smb1: false,
                            pipe: t == 2 || p.tree_ipc,
                        });
                    }
                }
            }
            TREE_DISCONNECT if hdr.status == status::SUCCESS => {
                self.remove_tree(p.tree_id, false);
            }
            _ => {}
        }
        let status_name = nt_status_name(hdr.status)
            .map(str::to_string)
            .unwrap_or_else(|| hdr.status.to_string());
        let status_code = format!("0x{:x}", hdr.status);
        if hdr.command == SESSION_SETUP {
            self.session_login(&p, hdr.status, &status_name, guest_flags, sink);
        }
        self.finish(dir, p, Some((status_name, status_code)), body, sink);
    }

    fn smb1_message(&mut self, dir: Direction, msg: &[u8], sink: &mut dyn ParseSink) {
        use smb1_cmd::*;
        let Ok(hdr) = smb1_header(msg) else {
            self.sides[dir.index()].stopped = true;
            return;
        };
        self.stats.smb1_messages += 1;
        self.smb1 = true;
        let tracked = matches!(
            hdr.command,
            NEGOTIATE
                | SESSION_SETUP_ANDX
                | LOGOFF_ANDX
                | TREE_CONNECT_ANDX
                | TREE_DISCONNECT
                | NT_CREATE_ANDX
                | 0x04
                | 0x25
                | 0x32
        );
        if !tracked {
            return;
        }
        let unicode = hdr.unicode();
        let blocks = smb1_blocks(msg, hdr.command);
        if !hdr.is_response() {
            let tx_id = self.take_tx_id();
            let mut p = Pending::new(
                Key::Smb1(hdr.mid),
                tx_id,
                true,
                smb1_command_name(hdr.command),
            );
            p.session_id = u64::from(hdr.uid);
            p.tree_id = u32::from(hdr.tid);
            for b in &blocks {
                match b.command {
                    NEGOTIATE => p.dialects = Some(smb1_negotiate_dialects(b.bytes)),
                    SESSION_SETUP_ANDX => {
                        p.auth = smb1_session_setup_request(b, unicode).map(|s| match s {
                            Smb1SessionSetup::Blob(blob) => Auth::from_blob(blob),
                            Smb1SessionSetup::Plain {
                                account,
                                domain,
                                no_password,
                            } => Auth::Plain {
                                account,
                                domain,
                                no_password,
                            },
                        });
                    }
                    TREE_CONNECT_ANDX => {
                        if let Some((path, service)) = smb1_tree_connect_request(b, unicode) {
                            p.tree_ipc = is_ipc_path(&path) || service == "IPC";
                            p.tree_path = Some(suricata_share(path));
                        }
                    }
                    NT_CREATE_ANDX => {
                        if let Some(c) = smb1_nt_create_request(b, unicode) {
                            let pipe = self.tree_is_pipe(u32::from(hdr.tid), true);
                            p.file = Some((c.name, c.disposition, pipe));
                        }
                    }
                    // SMB_COM_TRANSACTION names its pipe (`\PIPE\LANMAN`).
                    0x25 => {
                        let (name, _) = smb1_string(b.bytes, 0, b.bytes_at, unicode);
                        let pipe = name.to_ascii_uppercase().starts_with("\\PIPE\\");
                        if !name.is_empty() {
                            let name = if pipe { name[6..].to_string() } else { name };
                            p.file = Some((name, u32::MAX, pipe));
                        }
                    }
                    _ => {}
                }
            }
            sink.tx(dir, tx_id, &p.buffers());
            self.push_pending(p, sink);
            return;
        }
        let key = Key::Smb1(hdr.mid);
        let mut p = match self.take_pending(key) {
            Some(p) => p,
            None => self.unmatched(key, true, smb1_command_name(hdr.command)),
        };
        p.smb1 = true;
        if hdr.uid != 0 {
            p.session_id = u64::from(hdr.uid);
        }
        let mut body = Map::new();
        let mut action = 0u16;
        for b in &blocks {
            match b.command {
                NEGOTIATE => {
                    let idx = b.words.get(..2).map(|w| u16::from_le_bytes([w[0], w[1]]));
                    let chosen = idx.and_then(|i| {
                        p.dialects
                            .as_ref()
                            .and_then(|d| d.get(usize::from(i)).cloned())
                    });
                    if let Some(d) = chosen {
                        self.dialect = Some(d);
                    }
                }
                SESSION_SETUP_ANDX => action = smb1_session_setup_action(b).unwrap_or(0),
                TREE_CONNECT_ANDX => {
                    p.tree_id = u32::from(hdr.tid);
                    if let Some(service) = smb1_tree_connect_response(b) {
                        let pipe = service == "IPC" || p.tree_ipc;
                        body.insert("service".into(), json!({ "response": service }));
                        if hdr.status == status::SUCCESS {
                            self.add_tree(Tree {
                                id: u32::from(hdr.tid),
                                smb1: true,
                                pipe,
                            });
                        }
                    }
                }
                TREE_DISCONNECT if hdr.status == status::SUCCESS => {
                    self.remove_tree(p.tree_id, true);
                }
                _ => {}
            }
        }
        let (status_name, status_code) = if hdr.nt_status() {
            (
                nt_status_name(hdr.status)
                    .map(str::to_string)
                    .unwrap_or_else(|| hdr.status.to_string()),
                format!("0x{:x}", hdr.status),
            )
        } else {
            let class = (hdr.status & 0xff) as u8;
            let code = (hdr.status >> 16) as u16;
            if class == 0 {
                ("STATUS_SUCCESS".to_string(), "0x0".to_string())
            } else {
                (dos_error_name(class, code), format!("0x{code:04x}"))
            }
        };
        if blocks
            .first()
            .is_some_and(|b| b.command == SESSION_SETUP_ANDX)
            || hdr.command == SESSION_SETUP_ANDX
        {
            let code = if hdr.nt_status() {
                hdr.status
            } else if hdr.status & 0xff == 0 {
                status::SUCCESS
            } else {
                // A DOS error: any failure will do for the judgement.
                status::LOGON_FAILURE
            };
            let guest = if action & SMB1_SETUP_GUEST != 0 {
                SMB2_SESSION_FLAG_IS_GUEST
            } else {
                0
            };
            self.session_login(&p, code, &status_name, guest, sink);
        }
        self.finish(dir, p, Some((status_name, status_code)), body, sink);
    }

    /// The login event of a SESSION_SETUP exchange, when it is final.
    fn session_login(
        &self,
        p: &Pending,
        code: u32,
        status_name: &str,
        session_flags: u16,
        sink: &mut dyn ParseSink,
    ) {
        let Some(auth) = &p.auth else { return };
        if code == status::MORE_PROCESSING_REQUIRED || !auth.is_final_leg() {
            return;
        }
        let ok = code == status::SUCCESS;
        let outcome = if ok {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let guest = session_flags & SMB2_SESSION_FLAG_IS_GUEST != 0;
        let null = session_flags & SMB2_SESSION_FLAG_IS_NULL != 0;
        let (account, domain, anonymous, mech) = match auth {
            Auth::Ntlm(a) => (Some(a.user.clone()), a.domain.clone(), a.anonymous, "NTLM"),
            Auth::Plain {
                account,
                domain,
                no_password,
            } => (
                Some(account.clone()),
                domain.clone(),
                account.is_empty() && *no_password,
                "plain",
            ),
            Auth::Kerberos => (None, String::new(), false, "Kerberos"),
            Auth::NtlmNegotiate | Auth::Unknown => return,
        };
        let mut reason = format!("{status_name} ({mech}");
        if ok && (anonymous || null) {
            reason.push_str(", anonymous");
        } else if ok && guest {
            reason.push_str(", guest");
        }
        reason.push(')');
        let mut login = LoginAttempt::new(AppProto::Smb, outcome, reason);
        if anonymous || (ok && null) {
            login = login.account("");
        } else if let Some(a) = account {
            login = login.account(a);
        }
        if !domain.is_empty() && !anonymous {
            login = login.domain(domain);
        }
        sink.login(login);
    }

    /// Writes the EVE record of a request/response pair (the response may be
    /// missing) and hands the response half to detection.
    fn finish(
        &mut self,
        dir: Direction,
        p: Pending,
        status: Option<(String, String)>,
        extra: Map<String, Value>,
        sink: &mut dyn ParseSink,
    ) {
        let mut body = Map::new();
        body.insert("id".into(), p.tx_id.into());
        body.insert(
            "dialect".into(),
            self.dialect.as_deref().unwrap_or("unknown").into(),
        );
        body.insert("command".into(), p.command.clone().into());
        match status {
            Some((name, code)) => {
                body.insert("status".into(), name.into());
                body.insert("status_code".into(), code.into());
                sink.tx(dir, p.tx_id, &SmbTx::default());
            }
            None => {
                body.insert("response".into(), "UNREPLIED".into());
            }
        }
        body.insert("session_id".into(), p.session_id.into());
        body.insert("tree_id".into(), p.tree_id.into());
        if p.smb1 {
            body.insert("smb1".into(), true.into());
        }
        if let Some(d) = &p.dialects {
            body.insert("client_dialects".into(), d.clone().into());
        }
        if let Some(g) = &p.client_guid {
            body.insert("client_guid".into(), guid_string(g).into());
        }
        match &p.auth {
            Some(Auth::Ntlm(a)) => {
                body.insert(
                    "ntlmssp".into(),
                    json!({ "domain": a.domain, "user": a.user, "host": a.host }),
                );
            }
            Some(Auth::Plain {
                account, domain, ..
            }) => {
                body.insert(
                    "account".into(),
                    json!({ "domain": domain, "user": account }),
                );
            }
            Some(Auth::Kerberos) => {
                body.insert("kerberos".into(), json!({}));
            }
            _ => {}
        }
        if let Some(path) = &p.tree_path {
            let k = if p.tree_ipc { "named_pipe" } else { "share" };
            body.insert(k.into(), path.clone().into());
        }
        if let Some((name, disposition, pipe)) = &p.file {
            body.insert("filename".into(), name.clone().into());
            if *disposition != u32::MAX {
                body.insert("disposition".into(), disposition_name(*disposition).into());
            }
            if *pipe {
                body.insert("named_pipe".into(), name.trim_start_matches('\\').into());
            }
        }
        body.extend(extra);
        sink.record(dir, body);
    }

    fn unmatched(&mut self, key: Key, smb1: bool, command: String) -> Pending {
        let tx_id = self.take_tx_id();
        Pending::new(key, tx_id, smb1, command)
    }

    fn push_pending(&mut self, p: Pending, sink: &mut dyn ParseSink) {
        // A request reusing a pending key (a retransmitted or bogus id)
        // replaces the old one, which will never be answered.
        if let Some(old) = self.take_pending(p.key) {
            self.unanswered(old, sink);
        }
        if self.pending.len() >= MAX_PENDING {
            if let Some(old) = self.pending.pop_front() {
                self.stats.pending_evicted += 1;
                self.unanswered(old, sink);
            }
        }
        self.pending.push_back(p);
    }

    fn take_pending(&mut self, key: Key) -> Option<Pending> {
        let i = self.pending.iter().position(|p| p.key == key)?;
        self.pending.remove(i)
    }

    fn take_smb1_negotiate(&mut self) -> Option<Pending> {
        let i = self
            .pending
            .iter()
            .position(|p| matches!(p.key, Key::Smb1(_)) && p.dialects.is_some())?;
        self.pending.remove(i)
    }

    /// A request that will get no response: its record, and a login of
    /// unknown outcome when it carried credentials.
    fn unanswered(&mut self, p: Pending, sink: &mut dyn ParseSink) {
        if let Some(auth) = &p.auth {
            let (account, domain) = match auth {
                Auth::Ntlm(a) => (Some(a.user.clone()), a.domain.clone()),
                Auth::Plain {
                    account, domain, ..
                } => (Some(account.clone()), domain.clone()),
                _ => (None, String::new()),
            };
            if auth.is_final_leg() {
                let mut login = LoginAttempt::new(
                    AppProto::Smb,
                    Outcome::Unknown,
                    "SESSION_SETUP request unanswered",
                );
                if let Some(a) = account {
                    login = login.account(a);
                }
                if !domain.is_empty() {
                    login = login.domain(domain);
                }
                sink.login(login);
            }
        }
        self.finish(Direction::ToServer, p, None, Map::new(), sink);
    }

    fn tree_is_pipe(&self, id: u32, smb1: bool) -> bool {
        self.trees
            .iter()
            .any(|t| t.id == id && t.smb1 == smb1 && t.pipe)
    }

    fn add_tree(&mut self, tree: Tree) {
        self.remove_tree(tree.id, tree.smb1);
        if self.trees.len() >= MAX_TREES {
            self.trees.pop_front();
        }
        self.trees.push_back(tree);
    }

    fn remove_tree(&mut self, id: u32, smb1: bool) {
        self.trees.retain(|t| !(t.id == id && t.smb1 == smb1));
    }
}

/// True for a `\\host\IPC$` path.
fn is_ipc_path(path: &str) -> bool {
    path.rsplit('\\')
        .next()
        .is_some_and(|s| s.eq_ignore_ascii_case("IPC$"))
}

/// The share as Suricata keeps it: the UNC path without its first byte
/// (`\\host\share` becomes `\host\share`).
fn suricata_share(path: String) -> String {
    match path.strip_prefix('\\') {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => path,
    }
}

/// A GUID in its usual text form (mixed-endian, as Suricata prints it).
fn guid_string(g: &[u8; 16]) -> String {
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g[3],
        g[2],
        g[1],
        g[0],
        g[5],
        g[4],
        g[7],
        g[6],
        g[8],
        g[9],
        g[10],
        g[11],
        g[12],
        g[13],
        g[14],
        g[15]
    )
}

impl StreamParser for SmbParser {
    fn parse(&mut self, dir: Direction, data: &[u8], sink: &mut dyn ParseSink) {
        let i = dir.index();
        let mut data = data;
        while !data.is_empty() {
            let side = &mut self.sides[i];
            if side.stopped {
                return;
            }
            if side.skip > 0 {
                let n = side.skip.min(data.len());
                side.skip -= n;
                data = &data[n..];
                continue;
            }
            if side.hdr_len < 4 {
                let n = (4 - side.hdr_len).min(data.len());
                side.hdr[side.hdr_len..side.hdr_len + n].copy_from_slice(&data[..n]);
                side.hdr_len += n;
                data = &data[n..];
                if side.hdr_len < 4 {
                    return;
                }
                let Some((kind, len)) = nbss_header(&side.hdr) else {
                    return;
                };
                let known = matches!(
                    kind,
                    nbss::SESSION_MESSAGE
                        | nbss::SESSION_REQUEST
                        | nbss::POSITIVE_RESPONSE
                        | nbss::NEGATIVE_RESPONSE
                        | nbss::RETARGET_RESPONSE
                        | nbss::KEEP_ALIVE
                );
                if !known {
                    side.stopped = true;
                    return;
                }
                side.keep = len.min(MAX_FRAME_KEEP);
                side.skip_after = len - side.keep;
                if side.skip_after > 0 {
                    self.stats.truncated_messages += 1;
                }
            }
            let side = &mut self.sides[i];
            let kind = side.hdr[0];
            let want = side.keep - side.buf.len();
            if side.buf.is_empty() && data.len() >= want {
                // The whole message is in this chunk: parse it in place.
                let (msg, rest) = data.split_at(want);
                data = rest;
                let skip = side.skip_after;
                side.hdr_len = 0;
                side.skip = skip;
                self.message(dir, kind, msg, sink);
            } else {
                let n = want.min(data.len());
                side.buf.extend_from_slice(&data[..n]);
                data = &data[n..];
                if side.buf.len() == side.keep {
                    let msg = std::mem::take(&mut side.buf);
                    side.hdr_len = 0;
                    side.skip = side.skip_after;
                    self.message(dir, kind, &msg, sink);
                    let side = &mut self.sides[i];
                    if side.buf.capacity() == 0 && msg.capacity() <= 4096 {
                        // Reuse a small buffer; drop big ones.
                        side.buf = msg;
                        side.buf.clear();
                    }
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, len: u64) {
        let side = &mut self.sides[dir.index()];
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if side.skip > 0 && len <= side.skip {
            side.skip -= len;
            return;
        }
        if side.hdr_len == 4 {
            // Inside a message: drop it and skip the rest of it, if the
            // hole ends there; the next header is then where we expect it.
            let remaining = side.keep - side.buf.len() + side.skip_after;
            if len <= remaining {
                side.buf.clear();
                side.hdr_len = 0;
                side.skip = remaining - len;
                return;
            }
        }
        side.stopped = true;
        side.buf = Vec::new();
    }

    fn close(&mut self, dir: Direction, sink: &mut dyn ParseSink) {
        self.sides[dir.index()].closed = true;
        // No response can come once the server's side is closed.
        if dir == Direction::ToClient || self.sides.iter().all(|s| s.closed) {
            while let Some(p) = self.pending.pop_front() {
                self.unanswered(p, sink);
            }
        }
    }

    fn memory(&self) -> usize {
        self.sides.iter().map(|s| s.buf.capacity()).sum::<usize>()
            + self.pending.iter().map(Pending::memory).sum::<usize>()
            + self.trees.len() * std::mem::size_of::<Tree>()
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
