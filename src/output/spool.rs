//! The portal's durable spool: every event is on disk before any send, and
//! leaves the disk only once the portal acknowledged its batch.
//!
//! Layout of `spool_dir`:
//!
//! ```text
//! seg-0000000000000007.wws   segment files, appended in order
//! seg-0000000000000008.wws
//! cursor                     "<segment> <offset>": the first unacknowledged record
//! parked/                    batches the portal refused (4xx), kept for a person
//! ```
//!
//! A record is `len: u32 LE | crc32: u32 LE | payload` where the CRC-32 covers
//! the length bytes and the payload, so a torn write (power loss mid-record) or
//! flipped bits are both caught. Delivery is strictly in order, one batch in
//! flight, so "acknowledged" is a single cursor: everything before it is done.
//! Segments wholly before the cursor are deleted; the cursor file is replaced
//! atomically (write + rename). A crash between an acknowledgement and the
//! cursor update resends that batch — the portal drops it by `alert_id`.
//!
//! The spool has a size cap (`spool_max_size`). When an append would pass it,
//! the oldest segment is deleted with the events in it: counted in
//! `output.portal.dropped` and logged as a warning. It is never silent.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::sink::{SinkCounters, SinkCounts};

/// When appended records are forced to disk.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// After every group of events written together (the safest).
    EveryBatch,
    /// At most this often.
    Interval(Duration),
    /// Never explicitly (the OS writes back within seconds; a power loss may
    /// lose the last events, a crash of wardwatch alone does not).
    Never,
}

/// A record larger than this is refused: no alert is near it, and a corrupt
/// length field must not make the reader allocate gigabytes.
const MAX_RECORD: u32 = 16 << 20;
const HEADER: u64 = 8;

/// Where a record starts: segment number, byte offset.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Segment number.
    pub segment: u64,
    /// Byte offset of the record header in it.
    pub offset: u64,
}

#[derive(Copy, Clone, Debug)]
struct Entry {
    pos: Position,
    len: u32,
    appended: Instant,
}

/// One record read back for sending.
#[derive(Clone, Debug)]
pub struct SpooledRecord {
    /// Where it is.
    pub pos: Position,
    /// Its payload (a JSON object).
    pub payload: Vec<u8>,
}

/// The spool of one portal sink. Not thread-safe by itself: the portal sink
/// keeps it behind a mutex shared by its writer and sender threads.
pub struct Spool {
    dir: PathBuf,
    max_size: u64,
    segment_size: u64,
    fsync: FsyncPolicy,
    last_sync: Instant,
    dirty: bool,
    /// Unacknowledged, intact records in order.
    entries: VecDeque<Entry>,
    pending_bytes: u64,
    /// Segment number → file size, for every segment file present.
    segments: BTreeMap<u64, u64>,
    writer: Option<(u64, File)>,
    reader: Option<(u64, File)>,
    counters: Arc<SinkCounters>,
    /// Records dropped (spool full) since [`Spool::take_dropped`] last ran.
    dropped_unreported: u64,
}

fn segment_name(n: u64) -> String {
    format!("seg-{n:016}.wws")
}

fn record_crc(len_bytes: &[u8; 4], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(len_bytes);
    h.update(payload);
    h.finalize()
}

impl Spool {
    /// Opens (or creates) the spool in `dir`, scanning what a previous run
    /// left: intact unacknowledged records are queued again; corrupt ones
    /// (bad CRC, torn tail) are skipped and counted in `counters.corrupt`.
    pub fn open(
        dir: &Path,
        max_size: u64,
        fsync: FsyncPolicy,
        counters: Arc<SinkCounters>,
    ) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        fs::create_dir_all(dir.join("parked"))?;
        let cursor = read_cursor(&dir.join("cursor"));
        let mut segments = BTreeMap::new();
        for e in fs::read_dir(dir)? {
            let e = e?;
            let name = e.file_name();
            let Some(n) = name
                .to_str()
                .and_then(|s| s.strip_prefix("seg-"))
                .and_then(|s| s.strip_suffix(".wws"))
                .and_then(|s| s.parse::<u64>().ok())
            else {
                continue;
            };
            if n < cursor.segment {
                // Acknowledged before the last exit; its deletion was cut short.
                let _ = fs::remove_file(e.path());
                continue;
            }
            segments.insert(n, e.metadata()?.len());
        }
        // Segments of about an eighth of the cap, so dropping the oldest when
        // full frees room without throwing away most of the backlog.
        let segment_size = (max_size / 8).clamp(16 << 10, 16 << 20);
        let mut spool = Spool {
            dir: dir.to_path_buf(),
            max_size,
            segment_size,
            fsync,
            last_sync: Instant::now(),
            dirty: false,
            entries: VecDeque::new(),
            pending_bytes: 0,
            segments,
            writer: None,
            reader: None,
            counters,
            dropped_unreported: 0,
        };
        // Recovered records are old: send them without waiting for a batch to fill.
        let recovered = Instant::now()
            .checked_sub(Duration::from_secs(3600))
            .unwrap_or_else(Instant::now);
        let numbers: Vec<u64> = spool.segments.keys().copied().collect();
        let mut corrupt = 0u64;
        for n in numbers {
            let start = if n == cursor.segment {
                cursor.offset
            } else {
                0
            };
            corrupt += spool.scan(n, start, recovered)?;
        }
        if corrupt > 0 {
            SinkCounters::add(&spool.counters.corrupt, corrupt);
            tracing::warn!(
                dir = %dir.display(),
                corrupt,
                "portal spool: skipped corrupt records (bad checksum or torn tail); \
                 the intact ones will be sent"
            );
        }
        if !spool.entries.is_empty() {
            tracing::info!(
                dir = %dir.display(),
                events = spool.entries.len(),
                "portal spool: resuming delivery of events from a previous run"
            );
        }
        Ok(spool)
    }

    /// Reads segment `n` from `start`, queueing intact records; returns how
    /// many were corrupt.
    fn scan(&mut self, n: u64, start: u64, appended: Instant) -> io::Result<u64> {
        let mut data = Vec::new();
        File::open(self.dir.join(segment_name(n)))?.read_to_end(&mut data)?;
        let total = data.len() as u64;
        let mut off = start;
        let mut corrupt = 0;
        while off < total {
            let rest = &data[off as usize..];
            let Some((len_bytes, crc_bytes)) =
                rest.get(0..4).zip(rest.get(4..8)).and_then(|(a, b)| {
                    Some((<[u8; 4]>::try_from(a).ok()?, <[u8; 4]>::try_from(b).ok()?))
                })
            else {
                corrupt += 1; // torn header at the tail
                break;
            };
            let len = u32::from_le_bytes(len_bytes);
            let end = HEADER + u64::from(len);
            if len > MAX_RECORD || end > rest.len() as u64 {
                // A torn tail, or a length we cannot trust: nothing after it
                // in this segment can be framed.
                corrupt += 1;
                break;
            }
            let payload = &rest[HEADER as usize..end as usize];
            if record_crc(&len_bytes, payload) == u32::from_le_bytes(crc_bytes) {
                self.entries.push_back(Entry {
                    pos: Position {
                        segment: n,
                        offset: off,
                    },
                    len,
                    appended,
                });
                self.pending_bytes += u64::from(len);
            } else {
                corrupt += 1;
            }
            off += end;
        }
        Ok(corrupt)
    }

    /// Events waiting for acknowledgement.
    pub fn pending(&self) -> usize {
        self.entries.len()
    }

    /// Bytes of payload waiting.
    pub fn pending_bytes(&self) -> u64 {
        self.pending_bytes
    }

    /// When the oldest waiting event was appended (recovered ones: long ago).
    pub fn oldest(&self) -> Option<Instant> {
        self.entries.front().map(|e| e.appended)
    }

    /// Bytes of segment files on disk.
    pub fn disk_size(&self) -> u64 {
        self.segments.values().sum()
    }

    /// The spool directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends one record. When the spool would pass its cap, the oldest
    /// segment is dropped first (counted and logged).
    pub fn append(&mut self, payload: &[u8]) -> io::Result<()> {
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|l| *l <= MAX_RECORD)
            .ok_or_else(|| io::Error::other("event larger than 16 MiB"))?;
        let size = HEADER + u64::from(len);
        if size > self.max_size {
            return Err(io::Error::other(
                "event larger than outputs.portal.spool_max_size",
            ));
        }
        while self.disk_size() + size > self.max_size && !self.segments.is_empty() {
            self.drop_oldest_segment()?;
        }
        let rotate = match &self.writer {
            None => true,
            Some((n, _)) => self.segments.get(n).copied().unwrap_or(0) + size > self.segment_size,
        };
        if rotate {
            let n = self
                .segments
                .keys()
                .next_back()
                .map_or(1, |last| last + 1)
                .max(read_cursor(&self.dir.join("cursor")).segment);
            let f = OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(self.dir.join(segment_name(n)))?;
            self.segments.insert(n, 0);
            self.writer = Some((n, f));
            if self.fsync != FsyncPolicy::Never {
                sync_dir(&self.dir);
            }
        }
        let Some((n, f)) = self.writer.as_mut() else {
            return Err(io::Error::other("no spool segment open"));
        };
        let offset = self.segments.get(n).copied().unwrap_or(0);
        let len_bytes = len.to_le_bytes();
        let mut rec = Vec::with_capacity(size as usize);
        rec.extend_from_slice(&len_bytes);
        rec.extend_from_slice(&record_crc(&len_bytes, payload).to_le_bytes());
        rec.extend_from_slice(payload);
        let n = *n;
        if let Err(e) = f.write_all(&rec) {
            // A partial write leaves a torn record: start a new segment so
            // the next one is framed cleanly; the reader skips the torn one.
            self.writer = None;
            if let Ok(m) = fs::metadata(self.dir.join(segment_name(n))) {
                self.segments.insert(n, m.len());
            }
            return Err(e);
        }
        self.segments.insert(n, offset + size);
        self.entries.push_back(Entry {
            pos: Position { segment: n, offset },
            len,
            appended: Instant::now(),
        });
        self.pending_bytes += u64::from(len);
        self.dirty = true;
        SinkCounters::add(&self.counters.spooled, 1);
        Ok(())
    }

    /// Applies the fsync policy after a group of appends (`tick` = called on
    /// an idle timer, for the interval policy).
    pub fn commit(&mut self) -> io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let due = match self.fsync {
            FsyncPolicy::EveryBatch => true,
            FsyncPolicy::Interval(d) => self.last_sync.elapsed() >= d,
            FsyncPolicy::Never => false,
        };
        if due {
            if let Some((_, f)) = &self.writer {
                f.sync_data()?;
            }
            self.last_sync = Instant::now();
            self.dirty = false;
        }
        Ok(())
    }

    fn drop_oldest_segment(&mut self) -> io::Result<()> {
        let Some((&n, _)) = self.segments.iter().next() else {
            return Ok(());
        };
        if self.writer.as_ref().is_some_and(|(w, _)| *w == n) {
            self.writer = None;
        }
        if self.reader.as_ref().is_some_and(|(r, _)| *r == n) {
            self.reader = None;
        }
        let mut dropped = 0u64;
        while self.entries.front().is_some_and(|e| e.pos.segment == n) {
            if let Some(e) = self.entries.pop_front() {
                self.pending_bytes -= u64::from(e.len);
                dropped += 1;
            }
        }
        self.segments.remove(&n);
        remove_if_present(&self.dir.join(segment_name(n)))?;
        if dropped > 0 {
            SinkCounters::add(&self.counters.dropped, dropped);
            self.dropped_unreported += dropped;
            tracing::warn!(
                dir = %self.dir.display(),
                dropped,
                max_size = self.max_size,
                "portal spool full: dropped the oldest undelivered events \
                 (output.portal.dropped); is the portal reachable? raise \
                 outputs.portal.spool_max_size to keep more"
            );
        }
        Ok(())
    }

    /// How many records the spool dropped because it was full since the
    /// last call (so the caller can raise a warning through syslog).
    pub fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped_unreported)
    }

    /// Reads the oldest unacknowledged records: at most `max_events`, and no
    /// more than `max_bytes` of payload unless the first alone is larger.
    /// A record whose checksum no longer matches is skipped and counted.
    pub fn read_batch(&mut self, max_events: usize, max_bytes: usize) -> Vec<SpooledRecord> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let mut i = 0;
        while i < self.entries.len() && out.len() < max_events {
            let e = self.entries[i];
            if !out.is_empty() && bytes + e.len as usize > max_bytes {
                break;
            }
            match self.read_record(e) {
                Ok(payload) => {
                    bytes += payload.len();
                    out.push(SpooledRecord {
                        pos: e.pos,
                        payload,
                    });
                    i += 1;
                }
                Err(err) => {
                    tracing::warn!(
                        dir = %self.dir.display(),
                        segment = e.pos.segment,
                        offset = e.pos.offset,
                        error = %err,
                        "portal spool: skipping an unreadable record"
                    );
                    SinkCounters::add(&self.counters.corrupt, 1);
                    self.pending_bytes -= u64::from(e.len);
                    self.entries.remove(i);
                }
            }
        }
        out
    }

    fn read_record(&mut self, e: Entry) -> io::Result<Vec<u8>> {
        if self
            .reader
            .as_ref()
            .is_none_or(|(n, _)| *n != e.pos.segment)
        {
            let f = File::open(self.dir.join(segment_name(e.pos.segment)))?;
            self.reader = Some((e.pos.segment, f));
        }
        let Some((_, f)) = self.reader.as_mut() else {
            return Err(io::Error::other("no reader"));
        };
        f.seek(SeekFrom::Start(e.pos.offset))?;
        let mut header = [0u8; 8];
        f.read_exact(&mut header)?;
        let mut len_bytes = [0u8; 4];
        len_bytes.copy_from_slice(&header[..4]);
        let mut crc_bytes = [0u8; 4];
        crc_bytes.copy_from_slice(&header[4..]);
        if u32::from_le_bytes(len_bytes) != e.len {
            return Err(io::Error::other("length changed on disk"));
        }
        let mut payload = vec![0u8; e.len as usize];
        f.read_exact(&mut payload)?;
        if record_crc(&len_bytes, &payload) != u32::from_le_bytes(crc_bytes) {
            return Err(io::Error::other("checksum mismatch"));
        }
        Ok(payload)
    }

    /// Records everything up to and including `last` as acknowledged: drops
    /// them, moves the cursor and deletes segments wholly behind it.
    pub fn ack(&mut self, last: Position) -> io::Result<usize> {
        let mut n = 0;
        while self.entries.front().is_some_and(|e| e.pos <= last) {
            if let Some(e) = self.entries.pop_front() {
                self.pending_bytes -= u64::from(e.len);
                n += 1;
            }
        }
        let cursor = match self.entries.front() {
            Some(e) => e.pos,
            // All delivered: the next append starts a new segment, and every
            // file present goes (keeps an idle spool empty on disk).
            None => {
                self.writer = None;
                Position {
                    segment: self.segments.keys().next_back().map_or(0, |l| l + 1),
                    offset: 0,
                }
            }
        };
        self.write_cursor(cursor)?;
        let behind: Vec<u64> = self
            .segments
            .range(..cursor.segment)
            .map(|(k, _)| *k)
            .collect();
        for s in behind {
            if self.reader.as_ref().is_some_and(|(r, _)| *r == s) {
                self.reader = None;
            }
            self.segments.remove(&s);
            remove_if_present(&self.dir.join(segment_name(s)))?;
        }
        Ok(n)
    }

    fn write_cursor(&self, pos: Position) -> io::Result<()> {
        let tmp = self.dir.join("cursor.tmp");
        {
            let mut f = File::create(&tmp)?;
            writeln!(f, "{} {}", pos.segment, pos.offset)?;
            if self.fsync != FsyncPolicy::Never {
                f.sync_data()?;
            }
        }
        fs::rename(&tmp, self.dir.join("cursor"))
    }

    /// The counters this spool updates.
    pub fn counts(&self) -> SinkCounts {
        self.counters.read()
    }
}

fn read_cursor(path: &Path) -> Position {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut it = text.split_whitespace().map(|s| s.parse::<u64>().ok());
    match (it.next().flatten(), it.next().flatten()) {
        (Some(segment), Some(offset)) => Position { segment, offset },
        _ => Position {
            segment: 0,
            offset: 0,
        },
    }
}

fn remove_if_present(p: &Path) -> io::Result<()> {
    match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// fsync of the directory, so a new segment's name survives a power loss.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path, max: u64) -> Spool {
        Spool::open(
            dir,
            max,
            FsyncPolicy::EveryBatch,
            Arc::new(SinkCounters::default()),
        )
        .expect("open spool")
    }

    fn payloads(b: &[SpooledRecord]) -> Vec<String> {
        b.iter()
            .map(|r| String::from_utf8_lossy(&r.payload).into_owned())
            .collect()
    }

    #[test]
    fn survives_reopen_and_acks_remove() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let mut s = open(dir.path(), 1 << 20);
            for i in 0..5 {
                s.append(format!("{{\"n\":{i}}}").as_bytes())
                    .expect("append");
            }
            s.commit().expect("sync");
            let b = s.read_batch(2, 1 << 20);
            assert_eq!(payloads(&b), ["{\"n\":0}", "{\"n\":1}"]);
            assert_eq!(s.ack(b[1].pos).expect("ack"), 2);
        }
        let mut s = open(dir.path(), 1 << 20);
        assert_eq!(s.pending(), 3);
        let b = s.read_batch(10, 1 << 20);
        assert_eq!(payloads(&b), ["{\"n\":2}", "{\"n\":3}", "{\"n\":4}"]);
        s.ack(b[2].pos).expect("ack");
        s.append(b"{\"n\":5}").expect("append");
        drop(s);
        let mut s = open(dir.path(), 1 << 20);
        assert_eq!(payloads(&s.read_batch(10, 1 << 20)), ["{\"n\":5}"]);
    }

    #[test]
    fn batch_respects_byte_limit_but_sends_one_big_record() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open(dir.path(), 1 << 20);
        s.append(&[b'x'; 300]).expect("append");
        s.append(&[b'y'; 300]).expect("append");
        assert_eq!(s.read_batch(10, 100).len(), 1);
        assert_eq!(s.read_batch(10, 600).len(), 2);
    }

    #[test]
    fn torn_tail_and_bad_crc_are_skipped_and_counted() {
        let dir = tempfile::tempdir().expect("tmp");
        {
            let mut s = open(dir.path(), 1 << 20);
            for i in 0..4 {
                s.append(format!("record-{i}").as_bytes()).expect("append");
            }
        }
        let seg = dir.path().join(segment_name(1));
        let mut data = fs::read(&seg).expect("read");
        // Flip a payload byte of record 1 (each record: 8 + 8 bytes).
        data[16 + 8] ^= 0xff;
        // And tear the last record in half, as a crash mid-write would.
        data.truncate(data.len() - 5);
        fs::write(&seg, &data).expect("write");
        let counters = Arc::new(SinkCounters::default());
        let mut s = Spool::open(
            dir.path(),
            1 << 20,
            FsyncPolicy::Never,
            Arc::clone(&counters),
        )
        .expect("open");
        assert_eq!(
            payloads(&s.read_batch(10, 1 << 20)),
            ["record-0", "record-2"]
        );
        assert_eq!(counters.read().corrupt, 2);
        // Appending after a torn tail goes on cleanly in a new segment.
        s.append(b"record-4").expect("append");
        drop(s);
        let mut s = open(dir.path(), 1 << 20);
        assert_eq!(
            payloads(&s.read_batch(10, 1 << 20)),
            ["record-0", "record-2", "record-4"]
        );
    }

    #[test]
    fn full_spool_drops_oldest_loudly() {
        let dir = tempfile::tempdir().expect("tmp");
        let counters = Arc::new(SinkCounters::default());
        // 64 KiB cap, 16 KiB segments, 1 KiB records: 15 fit per segment.
        let mut s = Spool::open(
            dir.path(),
            64 << 10,
            FsyncPolicy::Never,
            Arc::clone(&counters),
        )
        .expect("open");
        for i in 0..200u32 {
            let mut p = format!("{i:08}").into_bytes();
            p.resize(1016, b'.');
            s.append(&p).expect("append");
        }
        assert!(s.disk_size() <= 64 << 10, "{}", s.disk_size());
        let c = counters.read();
        assert!(c.dropped > 0);
        assert_eq!(c.dropped + s.pending() as u64, 200);
        // Every drop is reported once, for the syslog warning.
        assert_eq!(s.take_dropped(), c.dropped);
        assert_eq!(s.take_dropped(), 0);
        // What is left is the newest, in order.
        let b = s.read_batch(1000, usize::MAX);
        let first: u32 = String::from_utf8_lossy(&b[0].payload[..8])
            .parse()
            .expect("n");
        assert_eq!(first as u64, c.dropped);
        let last: u32 = String::from_utf8_lossy(&b[b.len() - 1].payload[..8])
            .parse()
            .expect("n");
        assert_eq!(last, 199);
    }
}
