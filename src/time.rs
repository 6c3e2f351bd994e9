//! Packet time.
//!
//! Every timeout, window and threshold in wardwatch is measured in *packet time*:
//! the capture timestamps of the packets, never the wall clock. A replay of an
//! hour-long capture therefore behaves exactly as the live hour did, and the same
//! pcap gives the same results on every run.

use std::fmt;

/// A point in packet time: microseconds since the Unix epoch (UTC).
///
/// pcap timestamps carry microseconds (pcapng may carry nanoseconds, which are
/// truncated); microseconds are also the resolution of EVE timestamps.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Builds a timestamp from seconds and microseconds (as in a pcap record).
    /// Negative values (pre-1970 clocks) clamp to zero.
    pub fn from_secs_micros(secs: i64, micros: i64) -> Self {
        let total = (secs as i128) * 1_000_000 + micros as i128;
        Timestamp(total.clamp(0, u64::MAX as i128) as u64)
    }

    /// Builds a timestamp from whole seconds.
    pub fn from_secs(secs: u64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000))
    }

    /// Microseconds since the epoch.
    pub fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole seconds since the epoch.
    pub fn as_secs(self) -> u64 {
        self.0 / 1_000_000
    }

    /// This time plus `secs` seconds, saturating.
    pub fn plus_secs(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1_000_000)))
    }

    /// Microseconds from `earlier` to `self`, zero if `earlier` is later.
    pub fn micros_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The current wall-clock time. Only the capture and output layers may call
    /// this (live capture stamps, `stats` events of a live sensor); detection
    /// code receives time as a parameter.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_micros().min(u64::MAX as u128) as u64)
    }

    /// RFC 3339 in UTC with microseconds and an explicit offset, e.g.
    /// `2024-04-01T09:30:00.123456+00:00` (the EVE `timestamp` format).
    pub fn rfc3339(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = (self.0 / 1_000_000) as i64;
        let micros = (self.0 % 1_000_000) as u32;
        match chrono::DateTime::from_timestamp(secs, micros * 1000) {
            Some(dt) => write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%S%.6f+00:00")),
            None => write!(f, "{}.{:06}", secs, micros),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_with_micros_and_offset() {
        let t = Timestamp::from_secs_micros(1_700_000_000, 42);
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20.000042+00:00");
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00.000000+00:00");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Timestamp(u64::MAX).plus_secs(5), Timestamp(u64::MAX));
        assert_eq!(Timestamp(5).micros_since(Timestamp(9)), 0);
        assert_eq!(Timestamp::from_secs_micros(-5, 0), Timestamp(0));
    }
}
