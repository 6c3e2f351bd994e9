//! Captures made here with real clients and servers (Samba 4.17 `smbd`,
//! `smbclient`, `rpcclient`; `xrdp` 0.9 with FreeRDP 2 and a script sending
//! an X.224 Connection Request), committed under `tests/fixtures/`; `crate::app::testkit` reads them.

/// SMB2 with a wrong password: STATUS_LOGON_FAILURE for WARDTEST\nurse.
pub const SMB2_LOGON_FAILURE: &[u8] =
    include_bytes!("../../../tests/fixtures/smb/smb2_logon_failure.pcap");
/// SMB2 (3.11) login of WARDTEST\nurse, `ls` and `get readme.txt` on `share`.
pub const SMB2_LOGON_SUCCESS: &[u8] =
    include_bytes!("../../../tests/fixtures/smb/smb2_logon_success.pcap");
/// `smbclient -m NT1`: SMB1 login of nurse and `ls`.
pub const SMB1_LOGON: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb1_logon.pcap");
/// SMB1 over NetBIOS on port 139 (session request first), wrong password.
pub const SMB1_NBSS139_FAILURE: &[u8] =
    include_bytes!("../../../tests/fixtures/smb/smb1_nbss139_failure.pcap");
/// SMB 3.11 with encryption required after the login.
pub const SMB3_ENCRYPTED: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb3_encrypted.pcap");
/// `smbclient -N -L`: root with no password refused, then anonymous, IPC$,
/// srvsvc; then the same over SMB1 with \PIPE\LANMAN.
pub const SMB_ANONYMOUS: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb_anonymous.pcap");
/// `rpcclient -c srvinfo`: IPC$ and srvsvc as nurse.
pub const SMB_RPC_PIPES: &[u8] = include_bytes!("../../../tests/fixtures/smb/smb_rpc_pipes.pcap");
