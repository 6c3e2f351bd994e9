//! Dropping root after the capture handles are open.
//!
//! Started as root outside systemd (under systemd the unit's `User=` and
//! `AmbientCapabilities=` do this job), the sensor opens its interfaces, then
//! becomes the configured user and group, keeping only the capabilities it
//! still needs (none for a passive sensor: an open libpcap handle needs no
//! privilege to read).
//!
//! Capabilities are per thread on Linux, so this must run before the
//! pipeline starts its threads; the uid/gid change itself is applied to every
//! thread by the C library.

use caps::{CapSet, Capability, CapsHashSet};
use nix::unistd::{Gid, Group, Uid, User};

/// Why the privileges could not be dropped (the sensor then refuses to run
/// as root rather than carry on with more rights than configured).
#[derive(Debug, thiserror::Error)]
pub enum PrivDropError {
    /// `sensor.user` names nobody.
    #[error(
        "sensor.user `{0}`: no such user; create it (`useradd --system --no-create-home wardwatch`) or set sensor.user = \"\" to stay root"
    )]
    NoUser(String),
    /// `sensor.group` names no group.
    #[error(
        "sensor.group `{0}`: no such group; create it or leave sensor.group empty for the user's own group"
    )]
    NoGroup(String),
    /// A system call failed.
    #[error("cannot switch to {user}: {step}: {source}")]
    Sys {
        /// The target user.
        user: String,
        /// What was being done.
        step: &'static str,
        /// The error.
        source: std::io::Error,
    },
}

/// Who the process became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// New user id.
    pub uid: u32,
    /// New group id.
    pub gid: u32,
    /// Capabilities kept (effective and permitted).
    pub kept: Vec<Capability>,
}

/// Becomes `user` (and `group`, else the user's primary group) when running
/// as root, keeping the capabilities in `keep`. Does nothing (returns
/// `Ok(None)`) when not root or when `user` is empty.
pub fn drop_privileges(
    user: &str,
    group: &str,
    keep: &[Capability],
) -> Result<Option<Dropped>, PrivDropError> {
    if user.is_empty() || !Uid::effective().is_root() {
        return Ok(None);
    }
    let sys = |step: &'static str| {
        let user = user.to_string();
        move |e: nix::Error| PrivDropError::Sys {
            user,
            step,
            source: std::io::Error::from(e),
        }
    };
    let caps_err = |step: &'static str| {
        let user = user.to_string();
        move |e: caps::errors::CapsError| PrivDropError::Sys {
            user,
            step,
            source: std::io::Error::other(e.to_string()),
        }
    };
    let u = User::from_name(user)
        .map_err(sys("looking up the user"))?
        .ok_or_else(|| PrivDropError::NoUser(user.to_string()))?;
    let gid: Gid = if group.is_empty() {
        u.gid
    } else {
        Group::from_name(group)
            .map_err(sys("looking up the group"))?
            .ok_or_else(|| PrivDropError::NoGroup(group.to_string()))?
            .gid
    };
    // Keep the permitted set across the uid change, then trim it.
    nix::sys::prctl::set_keepcaps(true).map_err(sys("prctl(PR_SET_KEEPCAPS)"))?;
    nix::unistd::setgroups(&[gid]).map_err(sys("setgroups"))?;
    nix::unistd::setresgid(gid, gid, gid).map_err(sys("setresgid"))?;
    nix::unistd::setresuid(u.uid, u.uid, u.uid).map_err(sys("setresuid"))?;
    nix::sys::prctl::set_keepcaps(false).map_err(sys("prctl(PR_SET_KEEPCAPS)"))?;
    let kept: CapsHashSet = keep.iter().copied().collect();
    caps::clear(None, CapSet::Ambient).map_err(caps_err("clearing ambient capabilities"))?;
    caps::set(None, CapSet::Permitted, &kept)
        .map_err(caps_err("setting permitted capabilities"))?;
    caps::set(None, CapSet::Effective, &kept)
        .map_err(caps_err("setting effective capabilities"))?;
    // Kept capabilities also reach the programs the sensor runs (`nft` for
    // detector blocks), as the unit's AmbientCapabilities= would give them.
    caps::set(None, CapSet::Inheritable, &kept)
        .map_err(caps_err("setting inheritable capabilities"))?;
    for cap in &kept {
        caps::raise(None, CapSet::Ambient, *cap)
            .map_err(caps_err("raising ambient capabilities"))?;
    }
    // Never trust that it worked: a process that can become root again has
    // not dropped anything.
    if nix::unistd::setuid(Uid::from_raw(0)).is_ok() {
        return Err(PrivDropError::Sys {
            user: user.to_string(),
            step: "verifying",
            source: std::io::Error::other("could regain root after dropping it"),
        });
    }
    let mut kept: Vec<Capability> = kept.into_iter().collect();
    kept.sort_by_key(|c| c.index());
    Ok(Some(Dropped {
        uid: u.uid.as_raw(),
        gid: gid.as_raw(),
        kept,
    }))
}

/// Parses capability names as systemd writes them (`CAP_NET_ADMIN`).
pub fn parse_caps(names: &[String]) -> Result<Vec<Capability>, String> {
    names
        .iter()
        .map(|n| {
            n.trim().to_ascii_uppercase().parse::<Capability>().map_err(|_| {
                format!("sensor.keep_capabilities: `{n}` is not a capability name (e.g. CAP_NET_ADMIN)")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names_parse_or_are_named_in_the_error() {
        let ok = parse_caps(&["CAP_NET_ADMIN".into(), "cap_net_raw".into()]).expect("valid");
        assert_eq!(ok, vec![Capability::CAP_NET_ADMIN, Capability::CAP_NET_RAW]);
        let err = parse_caps(&["CAP_FLY".into()]).expect_err("invalid");
        assert!(err.contains("CAP_FLY"), "{err}");
    }

    #[test]
    fn nothing_happens_without_a_user() {
        assert_eq!(drop_privileges("", "", &[]).expect("no-op"), None);
    }
}
