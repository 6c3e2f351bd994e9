//! SMB tests on captured bytes (see `fixtures`) and hand-made messages.

use super::fixtures::*;
use super::*;
use crate::app::Outcome;
use crate::app::testkit::{Conversation, Recorder, conversations, replay};

/// The buffers the tests read from each transaction.
const BUFFERS: &[BufferId] = &[BufferId::SmbShare, BufferId::SmbNamedPipe];

fn smb_conns(pcap: &[u8]) -> Vec<Conversation> {
    conversations(pcap, &[445, 139])
}

fn one(pcap: &[u8]) -> (SmbParser, Recorder) {
    let conns = smb_conns(pcap);
    assert_eq!(conns.len(), 1);
    let mut p = SmbParser::new();
    let s = replay(&mut p, &conns[0], BUFFERS);
    (p, s)
}

fn logins(s: &Recorder) -> Vec<(Outcome, Option<String>, Option<String>, String)> {
    s.logins
        .iter()
        .map(|l| {
            assert_eq!(l.protocol, AppProto::Smb);
            (
                l.outcome,
                l.account.clone(),
                l.domain.clone(),
                l.reason.clone(),
            )
        })
        .collect()
}

fn login(
    o: Outcome,
    acct: &str,
    dom: Option<&str>,
    reason: &str,
) -> (Outcome, Option<String>, Option<String>, String) {
    (
        o,
        Some(acct.to_string()),
        dom.map(str::to_string),
        reason.to_string(),
    )
}

/// Values of field `k` of every record, as strings.
fn field(s: &Recorder, k: &str) -> Vec<String> {
    s.records
        .iter()
        .filter_map(|(_, r)| r.get(k))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect()
}

fn shares(s: &Recorder) -> Vec<String> {
    s.values_of(BufferId::SmbShare)
}

fn pipes(s: &Recorder) -> Vec<String> {
    s.values_of(BufferId::SmbNamedPipe)
}

#[test]
fn smb2_wrong_password_is_a_logon_failure() {
    let (p, s) = one(SMB2_LOGON_FAILURE);
    assert_eq!(
        logins(&s),
        vec![login(
            Outcome::Failure,
            "nurse",
            Some("WARDTEST"),
            "STATUS_LOGON_FAILURE (NTLM)"
        )]
    );
    // The multi-protocol SMB1 NEGOTIATE answered in SMB2, the SMB2
    // NEGOTIATE, and both SESSION_SETUP legs.
    assert_eq!(
        field(&s, "command"),
        [
            "SMB1_COMMAND_NEGOTIATE_PROTOCOL",
            "SMB2_COMMAND_NEGOTIATE_PROTOCOL",
            "SMB2_COMMAND_SESSION_SETUP",
            "SMB2_COMMAND_SESSION_SETUP"
        ]
    );
    assert_eq!(
        field(&s, "status"),
        [
            "STATUS_SUCCESS",
            "STATUS_SUCCESS",
            "STATUS_MORE_PROCESSING_REQUIRED",
            "STATUS_LOGON_FAILURE"
        ]
    );
    assert_eq!(field(&s, "dialect")[1..], ["3.11", "3.11", "3.11"]);
    let first = &s.records[0].1;
    assert_eq!(first["dialect"], "2.??");
    assert_eq!(first["smb1"], true);
    assert_eq!(
        first["client_dialects"],
        serde_json::json!(["NT LANMAN 1.0", "NT LM 0.12", "SMB 2.002", "SMB 2.???"])
    );
    assert_eq!(
        s.records[1].1["client_dialects"],
        serde_json::json!(["2.02", "2.10", "3.00", "3.02", "3.11"])
    );
    assert_eq!(
        s.records[3].1["ntlmssp"],
        serde_json::json!({"domain": "WARDTEST", "user": "nurse", "host": "VM"})
    );
    assert_eq!(s.records[3].1["status_code"], "0xc000006d");
    assert_eq!(p.dialect(), Some("3.11"));
    assert!(p.smb1_seen());
    // Every request half and response half went to detection.
    assert_eq!(s.txs.len(), 8);
}

#[test]
fn smb2_login_share_and_files() {
    let (p, s) = one(SMB2_LOGON_SUCCESS);
    assert_eq!(
        logins(&s),
        vec![login(
            Outcome::Success,
            "nurse",
            Some("WARDTEST"),
            "STATUS_SUCCESS (NTLM)"
        )]
    );
    // smb.share: the disk share only, as Suricata (first backslash dropped);
    // the IPC$ tree connect is a named pipe tree.
    assert_eq!(shares(&s), ["\\127.0.0.1\\share"]);
    assert_eq!(pipes(&s), ["\\127.0.0.1\\IPC$"]);
    assert_eq!(field(&s, "share"), ["\\127.0.0.1\\share"]);
    assert_eq!(field(&s, "share_type"), ["PIPE", "FILE"]);
    assert_eq!(field(&s, "filename"), ["", "", "readme.txt"]);
    assert_eq!(field(&s, "disposition"), ["FILE_OPEN"; 3]);
    // READ, QUERY_INFO and other data commands make no record.
    assert_eq!(s.records.len(), 17);
    assert!(!field(&s, "command").iter().any(|c| c.contains("READ")));
    assert_eq!(p.stats().smb2_messages, 39);
    assert_eq!(p.stats().encrypted_messages, 0);
}

#[test]
fn smb1_session_is_flagged() {
    let (p, s) = one(SMB1_LOGON);
    assert!(p.smb1_seen());
    assert_eq!(p.stats().smb2_messages, 0);
    assert_eq!(
        logins(&s),
        vec![login(
            Outcome::Success,
            "nurse",
            Some("WARDTEST"),
            "STATUS_SUCCESS (NTLM)"
        )]
    );
    // Samba answers index 0 of ["NT LANMAN 1.0", "NT LM 0.12"] (both NT1).
    assert_eq!(p.dialect(), Some("NT LANMAN 1.0"));
    assert!(s.records.iter().all(|(_, r)| r["smb1"] == true));
    assert_eq!(shares(&s), ["\\127.0.0.1\\SHARE"]);
    assert_eq!(pipes(&s), ["\\127.0.0.1\\IPC$"]);
    assert_eq!(
        s.records[3].1["service"],
        serde_json::json!({"response": "IPC"})
    );
}

#[test]
fn netbios_session_request_on_139() {
    let conns = smb_conns(SMB1_NBSS139_FAILURE);
    assert_eq!(conns[0].server_port, 139);
    assert_eq!(conns[0].segments[0].1[0], nbss::SESSION_REQUEST);
    assert_eq!(
        probe(Direction::ToServer, 139, &conns[0].segments[0].1),
        Probe::Yes
    );
    assert_eq!(
        probe(Direction::ToClient, 139, &conns[0].segments[1].1),
        Probe::Yes
    );
    let (_, s) = one(SMB1_NBSS139_FAILURE);
    assert_eq!(
        logins(&s),
        vec![login(
            Outcome::Failure,
            "nurse",
            Some("WARDTEST"),
            "STATUS_LOGON_FAILURE (NTLM)"
        )]
    );
}

#[test]
fn encrypted_messages_are_skipped() {
    let (p, s) = one(SMB3_ENCRYPTED);
    assert_eq!(p.stats().encrypted_messages, 24);
    assert_eq!(s.logins.len(), 1);
    assert_eq!(s.logins[0].outcome, Outcome::Success);
    // Nothing after the login can be read.
    assert_eq!(s.records.len(), 4);
    assert!(p.pending.is_empty());
}

#[test]
fn anonymous_and_named_pipes() {
    let conns = smb_conns(SMB_ANONYMOUS);
    assert_eq!(conns.len(), 2);
    let mut all = Vec::new();
    let mut pipe_names = Vec::new();
    for c in &conns {
        let s = replay(&mut SmbParser::new(), c, BUFFERS);
        all.extend(logins(&s));
        pipe_names.extend(pipes(&s));
    }
    // smbclient -N first tries the local user with no password, then an
    // anonymous session; over SMB2 and again over SMB1.
    let root = login(
        Outcome::Failure,
        "root",
        Some("WARDTEST"),
        "STATUS_LOGON_FAILURE (NTLM)",
    );
    let anon = login(
        Outcome::Success,
        "",
        None,
        "STATUS_SUCCESS (NTLM, anonymous)",
    );
    assert_eq!(all, vec![root.clone(), anon.clone(), root, anon]);
    assert_eq!(
        pipe_names,
        [
            "\\127.0.0.1\\IPC$",
            "srvsvc",
            "\\127.0.0.1\\IPC$",
            "LANMAN",
            "LANMAN"
        ]
    );
}

#[test]
fn rpcclient_opens_srvsvc() {
    let (_, s) = one(SMB_RPC_PIPES);
    assert_eq!(pipes(&s), ["\\127.0.0.1\\IPC$", "srvsvc"]);
    let create = s
        .records
        .iter()
        .find(|(_, r)| r["command"] == "SMB2_COMMAND_CREATE")
        .expect("create");
    assert_eq!(create.1["named_pipe"], "srvsvc");
    assert_eq!(create.1["filename"], "srvsvc");
}

/// Patches the final SESSION_SETUP response of a captured SMB2 exchange.
fn patch_final_setup(pcap: &[u8], f: impl Fn(&mut Vec<u8>)) -> Conversation {
    let mut c = smb_conns(pcap).remove(0);
    let chunk = c
        .segments
        .iter_mut()
        .rev()
        .find(|(d, b)| {
            *d == Direction::ToClient
                && b.get(4..8) == Some(SMB2_MAGIC)
                && b.get(16..18) == Some(&[1, 0])
        })
        .expect("session setup response");
    f(&mut chunk.1);
    c
}

#[test]
fn locked_out_and_other_statuses_are_named() {
    for (code, name) in [
        (0xC000_0234u32, "STATUS_ACCOUNT_LOCKED_OUT"),
        (0xC000_0072, "STATUS_ACCOUNT_DISABLED"),
        (0xC000_0071, "STATUS_PASSWORD_EXPIRED"),
        (0xC000_006E, "STATUS_ACCOUNT_RESTRICTION"),
        (0xC0AB_CDEF, "3232484847"),
    ] {
        let c = patch_final_setup(SMB2_LOGON_FAILURE, |b| {
            b[12..16].copy_from_slice(&code.to_le_bytes())
        });
        let s = replay(&mut SmbParser::new(), &c, BUFFERS);
        assert_eq!(
            logins(&s),
            vec![login(
                Outcome::Failure,
                "nurse",
                Some("WARDTEST"),
                &format!("{name} (NTLM)")
            )]
        );
    }
}

#[test]
fn guest_session_says_so() {
    let c = patch_final_setup(SMB2_LOGON_SUCCESS, |b| b[4 + 64 + 2] = 1);
    let s = replay(&mut SmbParser::new(), &c, BUFFERS);
    assert_eq!(
        logins(&s),
        vec![login(
            Outcome::Success,
            "nurse",
            Some("WARDTEST"),
            "STATUS_SUCCESS (NTLM, guest)"
        )]
    );
}

#[test]
fn unanswered_login_is_unknown_at_close() {
    let mut c = smb_conns(SMB2_LOGON_FAILURE).remove(0);
    c.segments.pop(); // the LOGON_FAILURE response
    let s = replay(&mut SmbParser::new(), &c, BUFFERS);
    assert_eq!(
        logins(&s),
        vec![login(
            Outcome::Unknown,
            "nurse",
            Some("WARDTEST"),
            "SESSION_SETUP request unanswered"
        )]
    );
    assert_eq!(s.records.last().expect("record").1["response"], "UNREPLIED");
}

fn render(s: &Recorder) -> String {
    format!("{:?}\n{:?}\n{:?}", s.logins, s.records, s.txs)
}

#[test]
fn split_at_every_offset_gives_the_same_result() {
    for pcap in [
        SMB2_LOGON_SUCCESS,
        SMB1_LOGON,
        SMB1_NBSS139_FAILURE,
        SMB3_ENCRYPTED,
    ] {
        let c = smb_conns(pcap).remove(0);
        let want = render(&replay(&mut SmbParser::new(), &c, BUFFERS));
        let longest = c.segments.iter().map(|x| x.1.len()).max().unwrap_or(0);
        for k in 0..=longest {
            let mut p = SmbParser::new();
            let mut sink = Recorder::reading(BUFFERS);
            for (d, b) in &c.segments {
                let (a, z) = b.split_at(k.min(b.len()));
                p.parse(*d, a, &mut sink);
                p.parse(*d, z, &mut sink);
            }
            p.close(Direction::ToServer, &mut sink);
            p.close(Direction::ToClient, &mut sink);
            assert_eq!(render(&sink), want, "split at {k}");
        }
        // And one byte at a time.
        let mut p = SmbParser::new();
        let mut sink = Recorder::reading(BUFFERS);
        for (d, b) in &c.segments {
            for byte in b.chunks(1) {
                p.parse(*d, byte, &mut sink);
            }
        }
        p.close(Direction::ToServer, &mut sink);
        p.close(Direction::ToClient, &mut sink);
        assert_eq!(render(&sink), want);
    }
}

#[test]
fn pipelined_requests_pair_by_message_id() {
    let c = smb_conns(SMB2_LOGON_SUCCESS).remove(0);
    let serial = replay(&mut SmbParser::new(), &c, BUFFERS);
    // All requests in one call, then all responses in one call.
    let mut p = SmbParser::new();
    let mut sink = Recorder::reading(BUFFERS);
    p.parse(
        Direction::ToServer,
        &c.stream(Direction::ToServer),
        &mut sink,
    );
    p.parse(
        Direction::ToClient,
        &c.stream(Direction::ToClient),
        &mut sink,
    );
    p.close(Direction::ToClient, &mut sink);
    assert_eq!(sink.logins, serial.logins);
    // Shares and pipes are decided by name at the request: the same.
    assert_eq!(shares(&sink), shares(&serial));
    let cmds = |s: &Recorder| {
        let mut v: Vec<(String, String)> = s
            .records
            .iter()
            .map(|(_, r)| (r["command"].to_string(), r["status"].to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(cmds(&sink), cmds(&serial));
}

/// An SMB2 message: header (command, message id, flags, tree, status,
/// NextCommand) and body.
fn smb2(
    command: u16,
    msg_id: u64,
    flags: u32,
    tree: u32,
    status: u32,
    next: u32,
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(SMB2_MAGIC);
    m.extend_from_slice(&64u16.to_le_bytes());
    m.extend_from_slice(&[0, 0]);
    m.extend_from_slice(&status.to_le_bytes());
    m.extend_from_slice(&command.to_le_bytes());
    m.extend_from_slice(&[1, 0]);
    m.extend_from_slice(&flags.to_le_bytes());
    m.extend_from_slice(&next.to_le_bytes());
    m.extend_from_slice(&msg_id.to_le_bytes());
    m.extend_from_slice(&[0; 4]);
    m.extend_from_slice(&tree.to_le_bytes());
    m.extend_from_slice(&7u64.to_le_bytes());
    m.extend_from_slice(&[0; 16]);
    m.extend_from_slice(body);
    m
}

fn nbss_frame(msg: &[u8]) -> Vec<u8> {
    let len = msg.len() as u32;
    let mut f = len.to_be_bytes().to_vec();
    f[0] = 0;
    f.extend_from_slice(msg);
    f
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn tree_connect(msg_id: u64, path: &str) -> Vec<u8> {
    let p = utf16(path);
    let mut body = vec![9, 0, 0, 0];
    body.extend_from_slice(&72u16.to_le_bytes());
    body.extend_from_slice(&(p.len() as u16).to_le_bytes());
    body.extend_from_slice(&p);
    smb2(smb2_cmd::TREE_CONNECT, msg_id, 0, 0, 0, 0, &body)
}

fn create(msg_id: u64, tree: u32, name: &str, next: u32) -> Vec<u8> {
    let n = utf16(name);
    let mut body = vec![0u8; 56];
    body[0] = 57;
    body[36..40].copy_from_slice(&1u32.to_le_bytes());
    body[44..46].copy_from_slice(&120u16.to_le_bytes());
    body[46..48].copy_from_slice(&(n.len() as u16).to_le_bytes());
    body.extend_from_slice(&n);
    let mut m = smb2(smb2_cmd::CREATE, msg_id, 0, tree, 0, next, &body);
    if next != 0 {
        m.resize(next as usize, 0);
    }
    m
}

fn response(command: u16, msg_id: u64, tree: u32, status: u32, next: u32, body: &[u8]) -> Vec<u8> {
    let mut m = smb2(
        command,
        msg_id,
        SMB2_FLAGS_SERVER_TO_REDIR,
        tree,
        status,
        next,
        body,
    );
    if next != 0 {
        m.resize(next as usize, 0);
    }
    m
}

#[test]
fn compounded_creates_on_an_ipc_tree() {
    let mut p = SmbParser::new();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(
        Direction::ToServer,
        &nbss_frame(&tree_connect(1, "\\\\FILESRV\\IPC$")),
        &mut s,
    );
    // TREE_CONNECT response: ShareType PIPE, tree 5.
    let mut tc = vec![16, 0, 2, 0];
    tc.extend_from_slice(&[0; 12]);
    p.parse(
        Direction::ToClient,
        &nbss_frame(&response(smb2_cmd::TREE_CONNECT, 1, 5, 0, 0, &tc)),
        &mut s,
    );
    // Two CREATEs compounded in one frame, and a CREATE on another tree.
    let mut frame = create(2, 5, "lsarpc", 136);
    frame.extend(create(3, 5, "samr", 0));
    p.parse(Direction::ToServer, &nbss_frame(&frame), &mut s);
    p.parse(
        Direction::ToServer,
        &nbss_frame(&create(4, 9, "notes.txt", 0)),
        &mut s,
    );
    // Compounded responses (an interim STATUS_PENDING is ignored).
    let err = [9, 0, 0, 0, 0, 0, 0, 0];
    let mut r = response(smb2_cmd::CREATE, 2, 5, 0, 72, &err);
    r.extend(response(smb2_cmd::CREATE, 3, 5, 0xC000_0034, 0, &err));
    p.parse(
        Direction::ToClient,
        &nbss_frame(&response(smb2_cmd::CREATE, 4, 9, status::PENDING, 0, &err)),
        &mut s,
    );
    p.parse(Direction::ToClient, &nbss_frame(&r), &mut s);
    assert_eq!(pipes(&s), ["\\FILESRV\\IPC$", "lsarpc", "samr"]);
    assert_eq!(
        field(&s, "status"),
        [
            "STATUS_SUCCESS",
            "STATUS_SUCCESS",
            "STATUS_OBJECT_NAME_NOT_FOUND"
        ]
    );
    // The CREATE on tree 9 is still waiting (its answer was only PENDING).
    assert_eq!(p.pending.len(), 1);
    p.close(Direction::ToClient, &mut s);
    assert_eq!(field(&s, "filename"), ["lsarpc", "samr", "notes.txt"]);
    assert_eq!(field(&s, "named_pipe").len(), 3); // IPC$ path + 2 pipes
}

#[test]
fn big_messages_are_skipped_past() {
    let mut p = SmbParser::new();
    let mut s = Recorder::reading(BUFFERS);
    // A 200 KB WRITE, then a TREE_CONNECT, in odd-sized pieces.
    let mut write = smb2(smb2_cmd::WRITE, 1, 0, 1, 0, 0, &[49, 0]);
    write.resize(200_000, 0x41);
    let mut stream = nbss_frame(&write);
    stream.extend(nbss_frame(&tree_connect(2, "\\\\srv\\ADMIN$")));
    for piece in stream.chunks(7_001) {
        p.parse(Direction::ToServer, piece, &mut s);
        assert!(p.memory() <= 2 * MAX_FRAME_KEEP + 4096);
    }
    assert_eq!(shares(&s), ["\\srv\\ADMIN$"]);
    assert_eq!(p.stats().truncated_messages, 1);
}

#[test]
fn gap_inside_a_message_resynchronises() {
    let mut p = SmbParser::new();
    let mut s = Recorder::reading(BUFFERS);
    let first = nbss_frame(&tree_connect(1, "\\\\srv\\one"));
    p.parse(Direction::ToServer, &first[..30], &mut s);
    p.gap(Direction::ToServer, (first.len() - 40) as u64);
    p.parse(Direction::ToServer, &first[first.len() - 10..], &mut s);
    p.parse(
        Direction::ToServer,
        &nbss_frame(&tree_connect(2, "\\\\srv\\two")),
        &mut s,
    );
    assert_eq!(shares(&s), ["\\srv\\two"]);
    // A gap across a message boundary loses the framing: nothing more.
    p.gap(Direction::ToServer, 100_000);
    p.parse(
        Direction::ToServer,
        &nbss_frame(&tree_connect(3, "\\\\srv\\three")),
        &mut s,
    );
    assert_eq!(shares(&s), ["\\srv\\two"]);
}

#[test]
fn pending_requests_are_bounded() {
    let mut p = SmbParser::new();
    let mut s = Recorder::reading(BUFFERS);
    for id in 0..1000u64 {
        p.parse(
            Direction::ToServer,
            &nbss_frame(&tree_connect(id, "\\\\srv\\x")),
            &mut s,
        );
    }
    assert_eq!(p.pending.len(), MAX_PENDING);
    assert_eq!(p.stats().pending_evicted, 1000 - MAX_PENDING as u64);
    assert_eq!(s.records.len(), 1000 - MAX_PENDING);
    assert!(p.memory() < 128 * 1024, "{}", p.memory());
}

/// An SMB1 message: header fields and one command block.
fn smb1(
    cmd: u8,
    reply: bool,
    status: u32,
    flags2: u16,
    mid: u16,
    words: &[u8],
    bytes: &[u8],
) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(SMB1_MAGIC);
    m.push(cmd);
    m.extend_from_slice(&status.to_le_bytes());
    m.push(if reply { SMB1_FLAGS_REPLY } else { 0 });
    m.extend_from_slice(&flags2.to_le_bytes());
    m.extend_from_slice(&[0; 12]);
    m.extend_from_slice(&[0, 0, 0, 0, 0x20, 0x00]); // tid, pid, uid
    m.extend_from_slice(&mid.to_le_bytes());
    m.push((words.len() / 2) as u8);
    m.extend_from_slice(words);
    m.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    m.extend_from_slice(bytes);
    m
}

#[test]
fn smb1_plain_session_setup_and_dos_error() {
    // NT LM 0.12 without extended security: 24-byte password, then account
    // and domain (Unicode, padded to an even offset from the header).
    let mut words = vec![0xff, 0, 0, 0, 0x04, 0x11, 2, 0, 0, 0, 0, 0, 0, 0];
    words.extend_from_slice(&0u16.to_le_bytes()); // OEM password length
    words.extend_from_slice(&24u16.to_le_bytes()); // Unicode password length
    words.extend_from_slice(&[0; 8]);
    let mut bytes = vec![0x55; 24];
    // bytes start at 32 + 1 + 26 + 2 = 61; after the password 85: pad 1.
    bytes.push(0);
    bytes.extend(utf16("frontdesk"));
    bytes.extend_from_slice(&[0, 0]);
    bytes.extend(utf16("WARD"));
    bytes.extend_from_slice(&[0, 0]);
    let unicode = SMB1_FLAGS2_UNICODE;
    let req = smb1(
        smb1_cmd::SESSION_SETUP_ANDX,
        false,
        0,
        unicode,
        9,
        &words,
        &bytes,
    );
    // ERRSRV / ERRbadpw, DOS error (no NT status flag).
    let resp = smb1(
        smb1_cmd::SESSION_SETUP_ANDX,
        true,
        0x0002_0002,
        unicode,
        9,
        &[],
        &[],
    );
    let mut p = SmbParser::new();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(Direction::ToServer, &nbss_frame(&req), &mut s);
    p.parse(Direction::ToClient, &nbss_frame(&resp), &mut s);
    assert_eq!(
        logins(&s),
        vec![login(
            Outcome::Failure,
            "frontdesk",
            Some("WARD"),
            "ERRbadpw (plain)"
        )]
    );
    assert_eq!(s.records[0].1["status"], "ERRbadpw");
    assert_eq!(
        s.records[0].1["account"],
        serde_json::json!({"user": "frontdesk", "domain": "WARD"})
    );
}

#[test]
fn kerberos_session_setup_has_no_account() {
    // A GSS-API token naming the Kerberos mechanism, then an AP-REQ.
    let mut blob = b"\x60\x82\x01\x00".to_vec();
    blob.extend_from_slice(b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01\x00\x6e\x82");
    let mut body = vec![25, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    body.extend_from_slice(&88u16.to_le_bytes());
    body.extend_from_slice(&(blob.len() as u16).to_le_bytes());
    body.extend_from_slice(&[0; 8]);
    body.extend_from_slice(&blob);
    let mut p = SmbParser::new();
    let mut s = Recorder::reading(BUFFERS);
    p.parse(
        Direction::ToServer,
        &nbss_frame(&smb2(smb2_cmd::SESSION_SETUP, 4, 0, 0, 0, 0, &body)),
        &mut s,
    );
    p.parse(
        Direction::ToClient,
        &nbss_frame(&response(
            smb2_cmd::SESSION_SETUP,
            4,
            0,
            0,
            0,
            &[9, 0, 0, 0, 0, 0, 0, 0],
        )),
        &mut s,
    );
    assert_eq!(s.logins.len(), 1);
    assert_eq!(s.logins[0].outcome, Outcome::Success);
    assert_eq!(s.logins[0].account, None);
    assert_eq!(s.logins[0].reason, "STATUS_SUCCESS (Kerberos)");
}

#[test]
fn probe_is_strict() {
    let c = smb_conns(SMB2_LOGON_SUCCESS).remove(0);
    let first = &c.segments[0].1;
    assert_eq!(probe(Direction::ToServer, 445, first), Probe::Yes);
    assert_eq!(probe(Direction::ToServer, 40000, first), Probe::Yes);
    assert_eq!(
        probe(Direction::ToServer, 445, &first[..3]),
        Probe::NeedMore
    );
    assert_eq!(probe(Direction::ToServer, 40000, &first[..3]), Probe::No);
    assert_eq!(
        probe(Direction::ToServer, 40000, &first[..6]),
        Probe::NeedMore
    );
    let mut keepalive = vec![0x85, 0, 0, 0];
    keepalive.extend_from_slice(first);
    assert_eq!(probe(Direction::ToServer, 445, &keepalive), Probe::Yes);
    for other in [
        &b"GET / HTTP/1.1\r\n"[..],
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"\x00\x1c\x12\x34\x01\x00\x00\x01\x00\x00",
        b"\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00",
        b"\x00\x00\x00\x40\xfeSMX",
        b"\x81\x00\x00\x44\x20GET / HTTP",
        b"\x82\x00\x00\x00",
    ] {
        assert_eq!(
            probe(Direction::ToServer, 445, other),
            Probe::No,
            "{other:?}"
        );
    }
    // A positive session response is SMB on port 139 only.
    assert_eq!(
        probe(Direction::ToClient, 139, b"\x82\x00\x00\x00"),
        Probe::Yes
    );
}

#[test]
fn mutated_input_never_panics_and_stays_bounded() {
    let mut rng = 0x5eed_5eed_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let conns: Vec<Conversation> = [
        SMB2_LOGON_SUCCESS,
        SMB1_LOGON,
        SMB_ANONYMOUS,
        SMB1_NBSS139_FAILURE,
    ]
    .iter()
    .flat_map(|p| smb_conns(p))
    .collect();
    for i in 0..3000 {
        let c = &conns[i % conns.len()];
        let mut p = SmbParser::new();
        let mut s = Recorder::reading(BUFFERS);
        for (d, b) in &c.segments {
            let mut b = b.clone();
            for _ in 0..(next() % 6) {
                if !b.is_empty() {
                    let at = (next() as usize) % b.len();
                    b[at] = next() as u8;
                }
            }
            if next() % 10 == 0 {
                b.truncate((next() as usize) % (b.len() + 1));
            }
            let cut = (next() as usize) % (b.len() + 1);
            p.parse(*d, &b[..cut], &mut s);
            p.parse(*d, &b[cut..], &mut s);
            assert!(p.memory() <= 2 * MAX_FRAME_KEEP + 256 * 1024);
        }
        p.close(Direction::ToClient, &mut s);
        // Random bytes too.
        let junk: Vec<u8> = (0..(next() % 300)).map(|_| next() as u8).collect();
        let mut q = SmbParser::new();
        q.parse(Direction::ToServer, &junk, &mut s);
        q.parse(Direction::ToClient, &junk, &mut s);
        q.gap(Direction::ToClient, next() % 100);
        q.parse(Direction::ToClient, &junk, &mut s);
    }
}
