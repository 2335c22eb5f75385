//! Where the stored answers' bytes lie (issue 76): appended to segment files in the
//! cache's directory, found through an index held in memory, read with one `pread`.
//!
//! In RocksDB, a first ask's read of a certificate's ~3 KB of answers took 30 % of its CPU,
//! three-quarters of it spent finding the value — versions, table readers, the index
//! block's search, the Bloom filters — rather than reading it (docs/BENCHMARKS-HISTORY.md,
//! "Where a first ask's CPU goes"). Here a read is a hash-map lookup and one `pread` of
//! the entry, whose CRC-32 and certificate ID are checked before it is believed.
//!
//! RocksDB keeps what is to be believed: each certificate's *pointer* — the digest its
//! answers were rendered under, then their segment, offset, length and CRC — written in
//! the same batch as the record it was rendered from ([`super::answers`]). So:
//! - the entries are appended and synced (`fdatasync`) before the batch naming them is
//!   written, and the index in memory takes a pointer only once that batch is written: a
//!   lookup finds what the record as stored was rendered into, never an older answer;
//! - a crash between the two leaves entries no pointer names: dead bytes, reclaimed with
//!   their segment;
//! - at open, the index is rebuilt from the pointers (a segment no pointer names is
//!   deleted; a pointer to a segment that is gone is reported, to be deleted and its
//!   answers rendered again).
//!
//! Segments: `answers/NNNNNNNN.seg` (decimal numbers) in the cache's directory, up to
//! [`SEGMENT_BYTES`] each. A process appends only to segments it made (the first after a
//! restart gets a new number), so no offset is ever written twice. A replaced answer's
//! entry is dead; a segment no longer appended to whose live bytes fall below half is
//! compacted ([`super::Cache::compact_answers`]): its live entries are appended anew, their
//! pointers moved, the file deleted. A lookup that read a pointer before the move reads
//! the old file through its open descriptor, which outlives the deletion.
//!
//! An entry: its CRC-32 (4 bytes, over the rest), its length (4), the certificate ID's
//! length (2) and the ID, then the body (the digest and the packed answers, [`super::packed`]);
//! integers big-endian.

use super::error::{corrupt, CacheError};
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// A segment takes entries until it holds this many bytes: ~80,000 certificates' answers.
/// At 10⁷ certificates (~33 GB of answers) the verifier holds ~130 of them open.
pub(super) const SEGMENT_BYTES: u64 = 256 << 20;
/// The directory in the cache's directory where the segments lie.
const DIR: &str = "answers";
/// The bytes before an entry's ID: CRC, length, ID length.
const HEAD: usize = 10;
/// The most bytes an entry may take: a longer length read from a segment is not believed.
/// Packed answers take at most a little over [`super::packed::MAX_ANSWERS_BYTES`].
const MAX_ENTRY_BYTES: u32 = 8 << 20;
/// Dead bytes worth a segment's compaction: below this, a half-dead segment stays.
const MIN_RECLAIM_BYTES: u64 = 16 << 20;

/// Where an entry lies, as a pointer holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Loc {
    segment: u32,
    offset: u32,
    len: u32,
    crc: u32,
}

impl Loc {
    /// Its bytes in a pointer.
    pub(super) const BYTES: usize = 16;

    /// Its bytes in a pointer.
    pub(super) fn encode(&self) -> [u8; Self::BYTES] {
        let mut out = [0u8; Self::BYTES];
        for (i, n) in [self.segment, self.offset, self.len, self.crc].into_iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&n.to_be_bytes());
        }
        out
    }

    /// The location `bytes` hold (exactly [`Loc::BYTES`]); `None` for a length no entry
    /// has (a damaged pointer must not make a lookup allocate gigabytes).
    pub(super) fn decode(bytes: &[u8]) -> Option<Loc> {
        let bytes: &[u8; Self::BYTES] = bytes.try_into().ok()?;
        let n = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let loc = Loc { segment: n(0), offset: n(4), len: n(8), crc: n(12) };
        (HEAD as u32..=MAX_ENTRY_BYTES).contains(&loc.len).then_some(loc)
    }
}

/// One segment file.
#[derive(Debug)]
struct Segment {
    file: Arc<File>,
    /// Bytes written to it.
    size: u64,
    /// Bytes of its entries the index names.
    live: u64,
}

/// What a lookup reads through: the certificates' locations, by a hash of their IDs, and
/// the segments.
#[derive(Debug, Default)]
struct Index {
    by_id: HashMap<u64, Loc>,
    segments: BTreeMap<u32, Segment>,
}

impl Index {
    /// Names `loc` for the ID of hash `key` (none with `None`), counting live bytes.
    fn set(&mut self, key: u64, loc: Option<Loc>) {
        let old = match loc {
            Some(loc) => self.by_id.insert(key, loc),
            None => self.by_id.remove(&key),
        };
        if let Some(old) = old {
            if let Some(s) = self.segments.get_mut(&old.segment) {
                s.live = s.live.saturating_sub(u64::from(old.len));
            }
        }
        if let Some(loc) = loc {
            if let Some(s) = self.segments.get_mut(&loc.segment) {
                s.live += u64::from(loc.len);
            }
        }
    }
}

/// The segment appended to.
#[derive(Debug)]
struct Active {
    number: u32,
    file: Arc<File>,
    size: u64,
}

/// An entry of a segment, as [`AnswerLog::live_entries`] reads them.
#[derive(Debug)]
pub(super) struct Entry {
    /// The certificate's ID.
    pub(super) id: Vec<u8>,
    /// The body: the digest and the packed answers.
    pub(super) body: Vec<u8>,
}

/// An entry's body as [`AnswerLog::read`] read it (the entry, without a copy of its body).
#[derive(Debug)]
pub(super) struct Body {
    entry: Vec<u8>,
    start: usize,
}

impl std::ops::Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.entry[self.start..]
    }
}

/// A change of the index, made once the batch holding its pointer is written
/// ([`AnswerLog::commit`]).
#[derive(Debug)]
pub(super) struct Change {
    key: u64,
    loc: Option<Loc>,
}

/// The segments and their index (see the module docs).
#[derive(Debug)]
pub(super) struct AnswerLog {
    dir: PathBuf,
    hasher: RandomState,
    index: RwLock<Index>,
    /// Appends and compactions, one at a time (they also run under the cache's records'
    /// lock; this one keeps the log's own state whole).
    active: Mutex<Option<Active>>,
    /// The number the next segment made gets.
    next: Mutex<u32>,
    /// Dead bytes worth a segment's compaction ([`MIN_RECLAIM_BYTES`]; tests set less).
    min_reclaim: AtomicU64,
}

/// An I/O error on `path`, while doing `context`.
fn io_error<'a>(path: &'a Path, context: &'static str) -> impl FnOnce(std::io::Error) -> CacheError + 'a {
    move |source| CacheError::Io { path: path.to_path_buf(), context, source }
}

impl AnswerLog {
    /// The index's key of `id`: its hash under this process's random key (an ID's own
    /// bytes, so a collision only makes a lookup miss: the entry's ID is checked).
    fn key(&self, id: &[u8]) -> u64 {
        self.hasher.hash_one(id)
    }
}

/// The CRC an entry carries: over its bytes after the CRC.
fn checksum(rest: &[u8]) -> u32 {
    crc32fast::hash(rest)
}

impl AnswerLog {
    /// Opens the segments in `cache_dir`'s answers directory (made when missing) and
    /// indexes the entries `pointers` name (certificate ID and location); the segments
    /// none names stay until [`delete_unnamed`](AnswerLog::delete_unnamed). Returns the
    /// log and the IDs whose pointers name a segment that is not there (not indexed:
    /// their answers are rendered when asked for).
    pub(super) fn open(
        cache_dir: &Path,
        pointers: impl IntoIterator<Item = (Vec<u8>, Loc)>,
    ) -> Result<(AnswerLog, Vec<Vec<u8>>), CacheError> {
        let dir = cache_dir.join(DIR);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir, "making the stored answers' directory"))?;
        let mut index = Index::default();
        let listing = std::fs::read_dir(&dir).map_err(io_error(&dir, "listing the stored answers' segments"))?;
        for item in listing {
            let item = item.map_err(io_error(&dir, "listing the stored answers' segments"))?;
            let name = item.file_name();
            let Some(number) = name.to_str().and_then(|n| n.strip_suffix(".seg")).and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let path = item.path();
            let file = File::open(&path).map_err(io_error(&path, "opening a segment of stored answers"))?;
            let size = file.metadata().map_err(io_error(&path, "opening a segment of stored answers"))?.len();
            index.segments.insert(number, Segment { file: Arc::new(file), size, live: 0 });
        }
        let hasher = RandomState::new();
        let mut dangling = Vec::new();
        for (id, loc) in pointers {
            if index.segments.contains_key(&loc.segment) {
                index.set(hasher.hash_one(id.as_slice()), Some(loc));
            } else {
                dangling.push(id);
            }
        }
        let next =
            index.segments.keys().next_back().map_or(Ok(1), |n| {
                n.checked_add(1).ok_or_else(|| corrupt("stored answers", "no segment number left"))
            })?;
        let log = AnswerLog {
            dir,
            hasher,
            index: RwLock::new(index),
            active: Mutex::new(None),
            next: Mutex::new(next),
            min_reclaim: AtomicU64::new(MIN_RECLAIM_BYTES),
        };
        Ok((log, dangling))
    }

    /// Deletes the segments no pointer names — written before a crash, or compacted before
    /// one — but the one appended to. Called once the cache's format is known to be this
    /// build's: a cache this build refuses keeps its files.
    pub(super) fn delete_unnamed(&self) -> Result<(), CacheError> {
        let active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        let appended = active.as_ref().map(|a| a.number);
        let dead: Vec<u32> =
            index.segments.iter().filter(|(n, s)| s.live == 0 && Some(**n) != appended).map(|(n, _)| *n).collect();
        for number in dead {
            index.segments.remove(&number);
            let path = segment_path(&self.dir, number);
            std::fs::remove_file(&path).map_err(io_error(&path, "deleting a segment no stored answer names"))?;
        }
        Ok(())
    }

    /// The body of `id`'s entry, checked against its pointer: `None` when the index names
    /// none (or names another ID's, whose hash is the same).
    pub(super) fn read(&self, id: &str) -> Result<Option<Body>, CacheError> {
        let key = self.key(id.as_bytes());
        let (loc, file) = {
            let index = self.index.read().unwrap_or_else(|p| p.into_inner());
            let Some(loc) = index.by_id.get(&key).copied() else { return Ok(None) };
            let Some(segment) = index.segments.get(&loc.segment) else { return Ok(None) };
            (loc, segment.file.clone())
        };
        // The path only for an error: built on every read, it took ~2 % of a first ask.
        let entry = read_entry(&file, loc).map_err(|e| {
            io_error(&segment_path(&self.dir, loc.segment), "reading a certificate's stored answers")(e)
        })?;
        let (found, body) = check(loc, &entry)?;
        if found != id.as_bytes() {
            return Ok(None);
        }
        let start = entry.len() - body.len();
        Ok(Some(Body { entry, start }))
    }

    /// Appends the entries (certificate ID, body) to the segment appended to, and syncs
    /// it: their locations, in order, and the index's changes to
    /// [`commit`](AnswerLog::commit) once the pointers are written.
    pub(super) fn append(&self, entries: &[(&[u8], &[u8])]) -> Result<Vec<(Loc, Change)>, CacheError> {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::with_capacity(entries.len());
        let mut buffer: Vec<u8> = Vec::new();
        for (id, body) in entries {
            let entry = encode_entry(id, body)?;
            let fits = active.as_ref().is_some_and(|a| a.size + (buffer.len() + entry.len()) as u64 <= SEGMENT_BYTES);
            if !fits {
                self.flush(&mut active, &mut buffer)?;
                *active = Some(self.new_segment()?);
            }
            let Some(a) = active.as_ref() else { unreachable!("a segment was made above") };
            let offset = a.size + buffer.len() as u64;
            let loc = Loc {
                segment: a.number,
                offset: u32::try_from(offset).map_err(|_| corrupt("stored answers", "a segment past 4 GiB"))?,
                len: u32::try_from(entry.len()).map_err(|_| corrupt("stored answers", "an entry past 4 GiB"))?,
                crc: u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]),
            };
            buffer.extend_from_slice(&entry);
            out.push((loc, Change { key: self.key(id), loc: Some(loc) }));
        }
        self.flush(&mut active, &mut buffer)?;
        Ok(out)
    }

    /// Writes `buffer` at the end of the active segment and syncs it.
    fn flush(&self, active: &mut Option<Active>, buffer: &mut Vec<u8>) -> Result<(), CacheError> {
        let Some(a) = active.as_mut() else { return Ok(()) };
        if buffer.is_empty() {
            return Ok(());
        }
        let path = segment_path(&self.dir, a.number);
        a.file.write_all_at(buffer, a.size).map_err(io_error(&path, "writing stored answers"))?;
        a.file.sync_data().map_err(io_error(&path, "syncing stored answers"))?;
        a.size += buffer.len() as u64;
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = index.segments.get_mut(&a.number) {
            s.size = a.size;
        }
        buffer.clear();
        Ok(())
    }

    /// A new segment, registered with the index (no pointer names it yet).
    fn new_segment(&self) -> Result<Active, CacheError> {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let number = *next;
        *next = number.checked_add(1).ok_or_else(|| corrupt("stored answers", "no segment number left"))?;
        let path = segment_path(&self.dir, number);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_error(&path, "making a segment of stored answers"))?;
        // The new file's name, made durable with its directory.
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(&self.dir, "syncing the stored answers' directory"))?;
        let file = Arc::new(file);
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        index.segments.insert(number, Segment { file: file.clone(), size: 0, live: 0 });
        Ok(Active { number, file, size: 0 })
    }

    /// The index's change that forgets `id`'s entry.
    pub(super) fn forget(&self, id: &[u8]) -> Change {
        Change { key: self.key(id), loc: None }
    }

    /// Makes the changes the index's: their pointers are written.
    pub(super) fn commit(&self, changes: impl IntoIterator<Item = Change>) {
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        for change in changes {
            index.set(change.key, change.loc);
        }
    }

    /// The segment most worth compacting: not appended to, under half live, with at least
    /// [`MIN_RECLAIM_BYTES`] dead; the one with the fewest live bytes.
    pub(super) fn to_compact(&self) -> Option<u32> {
        let min_reclaim = self.min_reclaim.load(Ordering::Relaxed);
        let active = self.active.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|a| a.number);
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index
            .segments
            .iter()
            .filter(|(n, s)| Some(**n) != active && s.live * 2 < s.size && s.size - s.live >= min_reclaim)
            .min_by_key(|(_, s)| s.live)
            .map(|(n, _)| *n)
    }

    /// The entries of segment `number` the index names (live), from offset `from` on, at
    /// most `limit` of them; and the offset to go on from (`None` at the segment's end).
    pub(super) fn live_entries(
        &self,
        number: u32,
        from: u64,
        limit: usize,
    ) -> Result<(Vec<Entry>, Option<u64>), CacheError> {
        let (file, size) = {
            let index = self.index.read().unwrap_or_else(|p| p.into_inner());
            let Some(segment) = index.segments.get(&number) else { return Ok((Vec::new(), None)) };
            (segment.file.clone(), segment.size)
        };
        let path = segment_path(&self.dir, number);
        let bad = |offset: u64, why: &str| corrupt(format!("stored answers in segment {number} at {offset}"), why);
        let mut reader =
            BufReader::with_capacity(1 << 20, At { file: &file, at: from }.take(size.saturating_sub(from)));
        let mut live = Vec::new();
        let mut offset = from;
        while offset < size {
            if live.len() == limit {
                return Ok((live, Some(offset)));
            }
            let mut head = [0u8; HEAD];
            reader.read_exact(&mut head).map_err(io_error(&path, "reading a segment to compact"))?;
            let len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
            if !(HEAD as u32..=MAX_ENTRY_BYTES).contains(&len) {
                return Err(bad(offset, "a length out of bounds"));
            }
            let mut entry = vec![0u8; len as usize];
            entry[..HEAD].copy_from_slice(&head);
            reader.read_exact(&mut entry[HEAD..]).map_err(io_error(&path, "reading a segment to compact"))?;
            let loc = Loc {
                segment: number,
                offset: u32::try_from(offset).map_err(|_| bad(offset, "past 4 GiB"))?,
                len,
                crc: u32::from_be_bytes([head[0], head[1], head[2], head[3]]),
            };
            offset += u64::from(len);
            let Some((id, body)) = split_entry(&entry) else { continue };
            if self.names(id, loc) && checksum(&entry[4..]) == loc.crc {
                live.push(Entry { id: id.to_vec(), body: body.to_vec() });
            }
        }
        Ok((live, None))
    }

    /// Whether the index names `loc` for `id`.
    pub(super) fn names(&self, id: &[u8], loc: Loc) -> bool {
        let key = self.key(id);
        self.index.read().unwrap_or_else(|p| p.into_inner()).by_id.get(&key) == Some(&loc)
    }

    /// Deletes segment `number` once no pointer names it; a lookup still reading it does
    /// so through its open descriptor.
    pub(super) fn remove_segment(&self, number: u32) -> Result<(), CacheError> {
        let removed = self.index.write().unwrap_or_else(|p| p.into_inner()).segments.remove(&number);
        if removed.is_some() {
            let path = segment_path(&self.dir, number);
            std::fs::remove_file(&path).map_err(io_error(&path, "deleting a compacted segment"))?;
        }
        Ok(())
    }

    /// Compacts segments with at least `bytes` dead (tests: a few small entries).
    #[cfg(test)]
    pub(super) fn set_min_reclaim(&self, bytes: u64) {
        self.min_reclaim.store(bytes, Ordering::Relaxed);
    }

    /// Segments and their bytes: (segments, bytes written, bytes live).
    pub(super) fn sizes(&self) -> (usize, u64, u64) {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let (size, live) = index.segments.values().fold((0, 0), |(a, b), s| (a + s.size, b + s.live));
        (index.segments.len(), size, live)
    }
}

/// A file read from a position of its own (`pread`), leaving the descriptor's offset
/// alone.
struct At<'a> {
    file: &'a File,
    at: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// The file of segment `number`.
fn segment_path(dir: &Path, number: u32) -> PathBuf {
    dir.join(format!("{number:08}.seg"))
}

/// The entry of `id` with `body`.
fn encode_entry(id: &[u8], body: &[u8]) -> Result<Vec<u8>, CacheError> {
    let id_len = u16::try_from(id.len()).map_err(|_| corrupt("stored answers", "an ID past 64 KiB"))?;
    let len = u32::try_from(HEAD + id.len() + body.len())
        .ok()
        .filter(|n| *n <= MAX_ENTRY_BYTES)
        .ok_or_else(|| corrupt("stored answers", "an entry past its bound"))?;
    let mut entry = Vec::with_capacity(len as usize);
    entry.extend_from_slice(&[0; 4]);
    entry.extend_from_slice(&len.to_be_bytes());
    entry.extend_from_slice(&id_len.to_be_bytes());
    entry.extend_from_slice(id);
    entry.extend_from_slice(body);
    let crc = checksum(&entry[4..]);
    entry[..4].copy_from_slice(&crc.to_be_bytes());
    Ok(entry)
}

/// The ID and body of a whole entry, when its lengths add up.
fn split_entry(entry: &[u8]) -> Option<(&[u8], &[u8])> {
    let head = entry.get(..HEAD)?;
    let len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
    let id_len = u16::from_be_bytes([head[8], head[9]]) as usize;
    if len != entry.len() {
        return None;
    }
    let id = entry.get(HEAD..HEAD + id_len)?;
    let body = entry.get(HEAD + id_len..)?;
    Some((id, body))
}

/// The ID and body of the entry `bytes` read at `loc`, when its CRC is the one `loc`
/// names and its lengths add up.
fn check(loc: Loc, bytes: &[u8]) -> Result<(&[u8], &[u8]), CacheError> {
    let bad = |why: &str| corrupt(format!("stored answers in segment {} at {}", loc.segment, loc.offset), why);
    let Some((crc, rest)) = bytes.split_first_chunk::<4>() else { return Err(bad("shorter than its head")) };
    if u32::from_be_bytes(*crc) != loc.crc || checksum(rest) != loc.crc {
        return Err(bad("its CRC does not match"));
    }
    split_entry(bytes).ok_or_else(|| bad("its lengths do not add up"))
}

/// The bytes at `loc` in `file`.
fn read_entry(file: &File, loc: Loc) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; loc.len as usize];
    file.read_exact_at(&mut bytes, u64::from(loc.offset))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(dir: &Path, pointers: Vec<(Vec<u8>, Loc)>) -> (AnswerLog, Vec<Vec<u8>>) {
        AnswerLog::open(dir, pointers).expect("open")
    }

    #[test]
    fn an_entry_is_read_only_once_committed_and_only_as_written() {
        let dir = tempfile::tempdir().expect("dir");
        let (log, _) = opened(dir.path(), Vec::new());
        let written = log.append(&[(b"NT-A", b"body a"), (b"NT-B", b"body b")]).expect("append");
        assert_eq!(log.read("NT-A").expect("read").as_deref(), None, "not named before its pointer is written");
        let locs: Vec<Loc> = written.iter().map(|(loc, _)| *loc).collect();
        log.commit(written.into_iter().map(|(_, change)| change));
        assert_eq!(log.read("NT-A").expect("read").as_deref(), Some(&b"body a"[..]));
        assert_eq!(log.read("NT-B").expect("read").as_deref(), Some(&b"body b"[..]));
        assert_eq!(log.read("NT-C").expect("read").as_deref(), None);
        // A pointer whose CRC is not the entry's is refused.
        let mut wrong = locs[0];
        wrong.crc ^= 1;
        log.commit([Change { key: log.key(b"NT-A"), loc: Some(wrong) }]);
        assert!(log.read("NT-A").is_err(), "a CRC that does not match");
        // An entry of another ID under this one's hash is not served as this one's.
        log.commit([Change { key: log.key(b"NT-A"), loc: Some(locs[1]) }]);
        assert_eq!(log.read("NT-A").expect("read").as_deref(), None);
        log.commit([log.forget(b"NT-B")]);
        assert_eq!(log.read("NT-B").expect("read").as_deref(), None, "forgotten");
        assert_eq!(Loc::decode(&locs[1].encode()), Some(locs[1]));
        let huge = Loc { len: u32::MAX, ..locs[1] };
        assert_eq!(Loc::decode(&huge.encode()), None, "a length past any entry's");
        assert_eq!(Loc::decode(&locs[1].encode()[..15]), None);
    }

    #[test]
    fn damaged_bytes_on_disk_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let (log, _) = opened(dir.path(), Vec::new());
        let written = log.append(&[(b"NT-A", b"the answers of NT-A")]).expect("append");
        let loc = written[0].0;
        log.commit(written.into_iter().map(|(_, change)| change));
        let path = segment_path(&dir.path().join(DIR), loc.segment);
        let mut bytes = std::fs::read(&path).expect("segment");
        let last = bytes.len() - 1;
        bytes[last] ^= 0x20;
        std::fs::write(&path, &bytes).expect("damaged");
        let e = log.read("NT-A").expect_err("damaged");
        assert!(e.to_string().contains("CRC"), "{e}");
    }

    #[test]
    fn reopened_it_indexes_what_the_pointers_name_and_deletes_the_rest() {
        let dir = tempfile::tempdir().expect("dir");
        let (log, _) = opened(dir.path(), Vec::new());
        let a = log.append(&[(b"NT-A", b"a")]).expect("append")[0].0;
        drop(log);
        // A second process: a new segment, then one no pointer will name (a crash).
        let (log, _) = opened(dir.path(), vec![(b"NT-A".to_vec(), a)]);
        let b = log.append(&[(b"NT-B", b"b")]).expect("append")[0].0;
        assert_ne!(a.segment, b.segment, "a restart appends to a new segment");
        drop(log);
        let gone = Loc { segment: 999, ..a };
        let (log, dangling) = opened(dir.path(), vec![(b"NT-A".to_vec(), a), (b"NT-Z".to_vec(), gone)]);
        assert_eq!(dangling, vec![b"NT-Z".to_vec()], "a pointer to a segment that is not there");
        assert!(segment_path(&dir.path().join(DIR), b.segment).exists(), "kept until the format is known");
        log.delete_unnamed().expect("delete");
        assert_eq!(log.read("NT-A").expect("read").as_deref(), Some(&b"a"[..]));
        assert_eq!(log.read("NT-B").expect("read").as_deref(), None);
        assert!(!segment_path(&dir.path().join(DIR), b.segment).exists(), "no pointer named it");
        assert_eq!(log.sizes().0, 1);
    }

    #[test]
    fn live_entries_are_those_the_index_names() {
        let dir = tempfile::tempdir().expect("dir");
        let (log, _) = opened(dir.path(), Vec::new());
        let first = log.append(&[(b"NT-A", b"a1"), (b"NT-B", b"b1")]).expect("append");
        let segment = first[0].0.segment;
        log.commit(first.into_iter().map(|(_, change)| change));
        let again = log.append(&[(b"NT-A", b"a2")]).expect("append");
        log.commit(again.into_iter().map(|(_, change)| change));
        let (live, end) = log.live_entries(segment, 0, 10).expect("entries");
        let found: Vec<(&[u8], &[u8])> = live.iter().map(|e| (e.id.as_slice(), e.body.as_slice())).collect();
        assert_eq!(found, vec![(&b"NT-B"[..], &b"b1"[..]), (&b"NT-A"[..], &b"a2"[..])], "in the order written");
        assert_eq!(end, None);
        // A piece at a time, from where the last stopped; read again, the same.
        let (first, next) = log.live_entries(segment, 0, 1).expect("entries");
        assert_eq!((first.len(), first[0].id.as_slice()), (1, &b"NT-B"[..]));
        let (rest, end) = log.live_entries(segment, next.expect("more"), 1).expect("entries");
        assert_eq!((rest.len(), rest[0].id.as_slice(), end), (1, &b"NT-A"[..], None));
        let (_, size, live_bytes) = log.sizes();
        assert!(live_bytes < size, "NT-A's first entry is dead");
        assert!(log.to_compact().is_none(), "the segment appended to is never compacted");
    }
}
