//! A certificate's stored answers as they lie on disk: compressed once, on the thread
//! that rendered them, as one LZ4 block (the C library RocksDB already links), in a
//! column family RocksDB itself does not compress.
//!
//! Compressed by RocksDB instead (LZ4 per table block), the same bytes were compressed
//! at their flush and again at every compaction that moved them down a level, and went
//! to the write-ahead log uncompressed: a tenth of the cache build's CPU was RocksDB's
//! LZ4 (issue 76, docs/BENCHMARKS-HISTORY.md). A lookup decompresses one value where it
//! used to decompress the table block holding it: the same work.
//!
//! The bytes: the answers' length (4 bytes, big-endian), then the LZ4 block.

use super::error::{corrupt, CacheError};

/// The most bytes a certificate's answers may take uncompressed: a length above it is
/// not believed (a damaged value must not make a lookup allocate gigabytes). A
/// certificate's answers take ~13 KB.
pub(super) const MAX_ANSWERS_BYTES: usize = 4 << 20;

/// `answers` compressed; `None` when they are longer than [`MAX_ANSWERS_BYTES`] (they
/// are then not stored, and are rendered when asked for).
pub(super) fn pack(answers: &[u8]) -> Option<Vec<u8>> {
    if answers.len() > MAX_ANSWERS_BYTES {
        return None;
    }
    let len = u32::try_from(answers.len()).ok()?;
    let bound = lz4::block::compress_bound(answers.len()).ok()?;
    let mut out = vec![0u8; 4 + bound];
    out[..4].copy_from_slice(&len.to_be_bytes());
    let written = lz4::block::compress_to_buffer(answers, None, false, &mut out[4..]).ok()?;
    out.truncate(4 + written);
    Some(out)
}

/// The answers `packed` holds (`id`'s, for the error).
pub(super) fn unpack(id: &str, packed: &[u8]) -> Result<Vec<u8>, CacheError> {
    let Some((len, block)) = packed.split_first_chunk::<4>() else {
        return Err(corrupt(format!("answers of {id}"), "shorter than their length"));
    };
    let len = u32::from_be_bytes(*len);
    let size = usize::try_from(len).ok().filter(|n| *n <= MAX_ANSWERS_BYTES);
    let (Some(size), Ok(size_i32)) = (size, i32::try_from(len)) else {
        return Err(corrupt(format!("answers of {id}"), format!("a length of {len} bytes")));
    };
    let mut out = vec![0u8; size];
    match lz4::block::decompress_to_buffer(block, Some(size_i32), &mut out) {
        Ok(n) if n == size => Ok(out),
        Ok(n) => Err(corrupt(format!("answers of {id}"), format!("{n} bytes where {size} were stored"))),
        Err(e) => Err(corrupt(format!("answers of {id}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_come_back_as_packed() {
        let answers: Vec<u8> = b"{\"verdict\":\"VALID\"} <main>".repeat(400);
        let packed = pack(&answers).expect("packed");
        assert!(packed.len() < answers.len() / 4, "repetitive text compresses");
        assert_eq!(unpack("NT-A", &packed).expect("unpacked"), answers);
        assert_eq!(unpack("NT-A", &pack(b"").expect("packed")).expect("unpacked"), b"");
    }

    #[test]
    fn damaged_bytes_are_refused_rather_than_believed() {
        let packed = pack(&b"abcdefgh".repeat(100)).expect("packed");
        assert!(unpack("NT-A", &packed[..3]).is_err(), "no length");
        assert!(unpack("NT-A", &packed[..packed.len() - 2]).is_err(), "cut short");
        let mut longer = packed.clone();
        longer[..4].copy_from_slice(&801u32.to_be_bytes());
        assert!(unpack("NT-A", &longer).is_err(), "a length the block does not fill");
        let mut huge = packed.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        let e = unpack("NT-A", &huge).expect_err("a length past the bound");
        assert!(e.to_string().contains("4294967295"), "{e}");
        assert!(pack(&vec![0u8; MAX_ANSWERS_BYTES + 1]).is_none());
    }
}
