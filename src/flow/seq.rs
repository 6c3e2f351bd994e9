//! TCP sequence numbers and their modular arithmetic.
//!
//! A sequence number is 32 bits and wraps (RFC 9293 §3.4): a connection that
//! carries more than 4 GiB, or that simply starts near 2^32, wraps through zero.
//! Comparing two sequence numbers therefore only makes sense as a *distance*
//! modulo 2^32, read as a signed 32-bit value (RFC 1982 serial number
//! arithmetic). [`SeqNum`] offers exactly that and nothing that can overflow:
//! there is no `Ord`, because "before" is not transitive around the circle.
//!
//! The reassembler turns sequence numbers into 64-bit *stream offsets* (bytes
//! since the start of the stream), which never wrap; see
//! [`SeqNum::offset_from`].

/// A TCP sequence or acknowledgement number, compared modulo 2^32.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// This number plus `n`, wrapping at 2^32.
    pub fn wrapping_add(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }

    /// The signed distance from `other` to `self`: positive when `self` comes
    /// after `other`. Exactly 2^31 apart is ambiguous (RFC 1982 §3.2) and reads
    /// as "before" (`i32::MIN`).
    pub fn diff(self, other: SeqNum) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// True when `self` comes strictly before `other`.
    pub fn is_before(self, other: SeqNum) -> bool {
        self.diff(other) < 0
    }

    /// True when `self` comes strictly after `other`.
    pub fn is_after(self, other: SeqNum) -> bool {
        self.diff(other) > 0
    }

    /// The stream offset of `self`, given that `anchor` is at offset
    /// `anchor_offset`. The result may be negative (before the stream's first
    /// byte); it is exact as long as `self` is within 2^31 of `anchor`, which
    /// holds for any segment inside a TCP window (at most 2^30, RFC 7323 §2.3).
    pub fn offset_from(self, anchor: SeqNum, anchor_offset: u64) -> i64 {
        let base = i64::try_from(anchor_offset).unwrap_or(i64::MAX);
        base.saturating_add(i64::from(self.diff(anchor)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_across_the_wrap() {
        let near_end = SeqNum(u32::MAX - 10);
        let wrapped = near_end.wrapping_add(20);
        assert_eq!(wrapped, SeqNum(9));
        assert!(wrapped.is_after(near_end));
        assert!(near_end.is_before(wrapped));
        assert_eq!(wrapped.diff(near_end), 20);
        assert_eq!(near_end.diff(wrapped), -20);
        assert!(!near_end.is_after(near_end));
    }

    #[test]
    fn half_circle_is_before() {
        let a = SeqNum(0);
        let b = SeqNum(1 << 31);
        assert_eq!(b.diff(a), i32::MIN);
        assert!(b.is_before(a));
    }

    #[test]
    fn offsets_do_not_wrap() {
        let anchor = SeqNum(u32::MAX - 1);
        // 4 GiB into the stream, the sequence number has wrapped; the offset has not.
        let off = (1u64 << 32) + 100;
        assert_eq!(
            anchor.wrapping_add(5).offset_from(anchor, off),
            off as i64 + 5
        );
        assert_eq!(SeqNum(u32::MAX - 3).offset_from(anchor, 1), -1);
        assert_eq!(SeqNum(0).offset_from(SeqNum(0), u64::MAX), i64::MAX);
    }
}
