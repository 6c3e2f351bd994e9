//! Telnet command sequences (RFC 854 §"The Telnet Command Structure"):
//! removed from the data, with the one subnegotiation that names an
//! account kept aside.

/// RFC 1572 NEW-ENVIRON option code.
pub const NEW_ENVIRON: u8 = 39;
/// RFC 1408 ENVIRON option code (the old one, same layout for `USER`).
pub const OLD_ENVIRON: u8 = 36;

const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;

/// Subnegotiation bytes kept (an ENVIRON `IS` with a few variables).
const MAX_SB: usize = 512;

/// Option codes of the IANA Telnet options registry (0-49, 138-140, and
/// EXOPL 255): a probe accepts negotiation only of these.
pub fn known_option(opt: u8) -> bool {
    matches!(opt, 0..=49 | 138..=140 | 255)
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum St {
    #[default]
    Data,
    Iac,
    /// After WILL/WONT/DO/DONT: the option byte.
    Opt,
    Sb,
    SbIac,
}

/// Removes `IAC` sequences from one direction's stream (state carries over
/// between calls) and keeps the `USER` of an ENVIRON subnegotiation.
#[derive(Clone, Debug, Default)]
pub struct IacStripper {
    st: St,
    sb: Vec<u8>,
    env_user: Option<Vec<u8>>,
}

impl IacStripper {
    /// Appends `data` without its command sequences to `out` (`IAC IAC` is
    /// a literal 255).
    pub fn strip(&mut self, data: &[u8], out: &mut Vec<u8>) {
        for &b in data {
            self.st = match (self.st, b) {
                (St::Data, IAC) => St::Iac,
                (St::Data, _) => {
                    out.push(b);
                    St::Data
                }
                (St::Iac, IAC) => {
                    out.push(IAC);
                    St::Data
                }
                (St::Iac, 251..=254) => St::Opt,
                (St::Iac, SB) => {
                    self.sb.clear();
                    St::Sb
                }
                (St::Iac, _) | (St::Opt, _) => St::Data,
                (St::Sb, IAC) => St::SbIac,
                (St::Sb, _) => {
                    if self.sb.len() < MAX_SB {
                        self.sb.push(b);
                    }
                    St::Sb
                }
                (St::SbIac, SE) => {
                    self.subnegotiation();
                    St::Data
                }
                (St::SbIac, _) => {
                    if self.sb.len() < MAX_SB {
                        self.sb.push(b);
                    }
                    St::Sb
                }
            };
        }
    }

    /// RFC 1572: `option IS|INFO (VAR|USERVAR name VALUE value)*` with
    /// VAR=0, VALUE=1, ESC=2, USERVAR=3.
    fn subnegotiation(&mut self) {
        let sb = std::mem::take(&mut self.sb);
        if let [opt, 0 | 2, rest @ ..] = &sb[..] {
            if *opt == NEW_ENVIRON || *opt == OLD_ENVIRON {
                let mut fields = Vec::new();
                let mut cur: Option<(u8, Vec<u8>)> = None;
                let mut esc = false;
                for &b in rest {
                    if esc {
                        if let Some((_, v)) = &mut cur {
                            v.push(b);
                        }
                        esc = false;
                        continue;
                    }
                    match b {
                        0 | 1 | 3 => {
                            fields.extend(cur.take());
                            cur = Some((b, Vec::new()));
                        }
                        2 => esc = true,
                        _ => {
                            if let Some((_, v)) = &mut cur {
                                v.push(b);
                            }
                        }
                    }
                }
                fields.extend(cur);
                for w in fields.windows(2) {
                    if let [(0, name), (1, value)] = w {
                        if name == b"USER" && !value.is_empty() {
                            self.env_user = Some(value.clone());
                        }
                    }
                }
            }
        }
        self.sb = sb;
        self.sb.clear();
    }

    /// The `USER` an ENVIRON subnegotiation sent, once.
    pub fn take_env_user(&mut self) -> Option<Vec<u8>> {
        self.env_user.take()
    }

    /// Bytes held.
    pub fn memory(&self) -> usize {
        self.sb.capacity()
    }
}
