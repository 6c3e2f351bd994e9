//! TCP connection state: handshake, close, reset, and the two stream
//! reassemblers.
//!
//! The state names are Suricata's `tcp.state` values, which name the session
//! from the server's side: a client FIN puts it in `close_wait`, a server FIN in
//! `fin_wait1`. We track less than a TCP endpoint would (no windows, no
//! timestamps); the state is derived from which side closed first and which
//! FINs were acknowledged, which is enough for flow timeouts and EVE records.

use crate::decode::TcpFlags;

use super::seq::SeqNum;
use super::stream::StreamReassembler;
use super::{Direction, TcpCounters};

/// Suricata's TCP session states (`tcp.state` in EVE `flow` records).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// No packet processed yet.
    #[default]
    None,
    /// Client SYN seen.
    SynSent,
    /// Server SYN+ACK seen.
    SynRecv,
    /// Handshake completed, or picked up mid-stream.
    Established,
    /// The server sent a FIN, not yet acknowledged.
    FinWait1,
    /// The client acknowledged the server's FIN.
    FinWait2,
    /// Both sent FINs, the server's first and not yet acknowledged.
    Closing,
    /// The client sent a FIN; the server has not.
    CloseWait,
    /// The client closed first, then the server; the server's FIN awaits its ACK.
    LastAck,
    /// The server closed first, both FINs sent, the client's not yet acknowledged.
    TimeWait,
    /// Both FINs acknowledged, or a RST.
    Closed,
}

impl TcpState {
    /// Suricata's name for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            TcpState::None => "none",
            TcpState::SynSent => "syn_sent",
            TcpState::SynRecv => "syn_recv",
            TcpState::Established => "established",
            TcpState::FinWait1 => "fin_wait1",
            TcpState::FinWait2 => "fin_wait2",
            TcpState::Closing => "closing",
            TcpState::CloseWait => "close_wait",
            TcpState::LastAck => "last_ack",
            TcpState::TimeWait => "time_wait",
            TcpState::Closed => "closed",
        }
    }

    /// The flow state class (Suricata's `FlowUpdateState` mapping):
    /// handshake states are new, open and half-closed ones established, the
    /// rest closed.
    pub fn class(self) -> StateClass {
        match self {
            TcpState::None | TcpState::SynSent | TcpState::SynRecv => StateClass::New,
            TcpState::Established
            | TcpState::FinWait1
            | TcpState::FinWait2
            | TcpState::Closing
            | TcpState::CloseWait => StateClass::Established,
            TcpState::LastAck | TcpState::TimeWait | TcpState::Closed => StateClass::Closed,
        }
    }
}

/// The three flow states of Suricata's `flow.state`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StateClass {
    /// Not (yet) seen both ways / handshake not completed.
    New,
    /// Both ways / handshake completed.
    Established,
    /// TCP closed or reset.
    Closed,
}

impl StateClass {
    /// `"new"`, `"established"` or `"closed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateClass::New => "new",
            StateClass::Established => "established",
            StateClass::Closed => "closed",
        }
    }
}

/// What a TCP header did to the session, for the table's stream handling.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderEffect {
    /// A RST that was accepted: both directions must now be closed.
    pub reset: bool,
    /// Sequence number of the payload's first byte (the SYN's + 1 on a SYN).
    pub data_seq: SeqNum,
}

/// Per-connection TCP state.
#[derive(Debug, Default)]
pub struct TcpSession {
    state: TcpState,
    /// Reassemblers, indexed by [`Direction::index`].
    pub(crate) streams: [StreamReassembler; 2],
    /// ISN of each side's SYN (or SYN+ACK), to tell a new connection from a
    /// retransmitted SYN.
    isn: [Option<SeqNum>; 2],
    fin_acked: [bool; 2],
    first_fin: Option<Direction>,
    midstream: bool,
    reset: bool,
    /// The session was established (or later) before the packet being
    /// processed: Suricata's `FLOW_PKT_ESTABLISHED` for TCP.
    established_before: bool,
}

impl TcpSession {
    /// The session state.
    pub fn state(&self) -> TcpState {
        self.state
    }

    /// True when the flow was picked up without its handshake.
    pub fn midstream(&self) -> bool {
        self.midstream
    }

    /// True when the session had completed its handshake (or was picked up
    /// mid-stream on an earlier packet) before the packet last applied by
    /// [`TcpSession::on_header`]. As in Suricata, the packet that completes
    /// the handshake, and the first packet of a mid-stream pickup, are not
    /// yet established; later ones are, closing and closed states included.
    pub fn established_before(&self) -> bool {
        self.established_before
    }

    /// True when the session ended with an accepted RST.
    pub fn reset(&self) -> bool {
        self.reset
    }

    /// True when a SYN (without ACK) with sequence number `seq`, arriving in
    /// `dir`, starts a new connection on the ports of this closed one (port
    /// reuse): the session is closed and the SYN is not a retransmission of the
    /// side's earlier SYN.
    pub fn is_reuse(&self, dir: Direction, seq: u32, flags: TcpFlags) -> bool {
        flags.0 & (TcpFlags::SYN | TcpFlags::ACK) == TcpFlags::SYN
            && self.state.class() == StateClass::Closed
            && self.isn[dir.index()] != Some(SeqNum(seq))
    }

    /// Applies one packet's TCP header, sent in `dir`, before any handler sees
    /// the packet: counts flags, sets stream bases, advances the state.
    pub fn on_header(
        &mut self,
        dir: Direction,
        seq: u32,
        ack: u32,
        flags: TcpFlags,
        payload_len: usize,
        ctr: &mut TcpCounters,
    ) -> HeaderEffect {
        let syn = flags.has(TcpFlags::SYN);
        let has_ack = flags.has(TcpFlags::ACK);
        let rst = flags.has(TcpFlags::RST);
        let fin = flags.has(TcpFlags::FIN);
        match (syn, has_ack) {
            (true, false) => ctr.syn += 1,
            (true, true) => ctr.synack += 1,
            _ => {}
        }
        if rst {
            ctr.rst += 1;
        }
        if fin {
            ctr.fin += 1;
        }
        let (d, o) = (dir.index(), dir.reverse().index());
        let seq = SeqNum(seq);
        let ack = SeqNum(ack);
        let data_seq = if syn { seq.wrapping_add(1) } else { seq };
        self.established_before = self.state.class() != StateClass::New;
        let first = self.state == TcpState::None;

        if rst && !first {
            // Checked before the RST can set anything: a RST carries no data.
            if !self.streams[d].rst_in_window(seq) {
                ctr.rst_invalid += 1;
                return HeaderEffect {
                    reset: false,
                    data_seq,
                };
            }
        }

        if syn {
            self.streams[d].init(data_seq);
            if self.isn[d].is_none() {
                self.isn[d] = Some(seq);
            }
            if has_ack {
                // The SYN+ACK acknowledges the client's ISN + 1: the client's
                // stream starts there even if we missed its SYN.
                self.streams[o].init(ack);
            }
        } else if !rst {
            self.streams[d].init(seq);
        }

        if first {
            self.state = match (syn, has_ack) {
                _ if rst => TcpState::Closed,
                (true, false) => TcpState::SynSent,
                (true, true) => TcpState::SynRecv,
                _ => {
                    self.midstream = true;
                    ctr.midstream_pickups += 1;
                    TcpState::Established
                }
            };
        }

        if rst {
            self.reset = true;
            self.state = TcpState::Closed;
            return HeaderEffect {
                reset: true,
                data_seq,
            };
        }

        if fin
            && self.streams[d].note_fin(data_seq.wrapping_add(payload_len as u32))
            && self.first_fin.is_none()
        {
            self.first_fin = Some(dir);
        }
        if has_ack && self.streams[o].acks_fin(ack) {
            self.fin_acked[o] = true;
        }

        match self.state {
            TcpState::SynSent if syn && has_ack && dir == Direction::ToClient => {
                self.state = TcpState::SynRecv;
            }
            // The handshake ACK; in `syn_sent` we missed the SYN+ACK.
            TcpState::SynSent | TcpState::SynRecv if !syn && has_ack => {
                self.state = TcpState::Established;
                ctr.sessions += 1;
            }
            _ => {}
        }
        if !self.reset && self.state.class() != StateClass::New {
            self.state = self.closing_state();
        }
        HeaderEffect {
            reset: false,
            data_seq,
        }
    }

    /// The state after the handshake, from the FINs seen and acknowledged.
    fn closing_state(&self) -> TcpState {
        let (ts, tc) = (Direction::ToServer.index(), Direction::ToClient.index());
        let fin_ts = self.streams[ts].fin_seen();
        let fin_tc = self.streams[tc].fin_seen();
        match self.first_fin {
            None => TcpState::Established,
            Some(Direction::ToServer) => {
                if !fin_tc {
                    TcpState::CloseWait
                } else if !self.fin_acked[tc] {
                    TcpState::LastAck
                } else {
                    TcpState::Closed
                }
            }
            Some(Direction::ToClient) => {
                if !fin_ts {
                    if self.fin_acked[tc] {
                        TcpState::FinWait2
                    } else {
                        TcpState::FinWait1
                    }
                } else if !self.fin_acked[tc] {
                    TcpState::Closing
                } else if !self.fin_acked[ts] {
                    TcpState::TimeWait
                } else {
                    TcpState::Closed
                }
            }
        }
    }
}
