//! A certificate's stored answers as they lie on disk: compressed once, on the thread
//! that rendered them, as one LZ4 block against the renderer's dictionary
//! ([`super::Renderer::dictionary`]), in segment files nothing compresses again.
//!
//! Compressed by RocksDB instead (LZ4 per table block), the same bytes were compressed
//! at their flush and again at every compaction that moved them down a level, and went
//! to the write-ahead log uncompressed: a tenth of the cache build's CPU was RocksDB's
//! LZ4 (issue 76, docs/BENCHMARKS-HISTORY.md). A lookup decompresses one value where it
//! used to decompress the table block holding it: the same work.
//!
//! The dictionary — a specimen certificate's answers, rendered by the same build — holds
//! what every certificate's answers share (the JSON's names, the page's labels and
//! markup), so that a block holds little more than what is this certificate's own: about
//! a third of the bytes LZ4 alone leaves (the JSON answer: ~680 bytes of 2,993, against
//! ~2,250 without it). Fewer bytes to write in the cache build, to read on a first ask,
//! and to hold in the OS's page cache.
//!
//! The bytes: the answers' length (4 bytes, big-endian), then the LZ4 block.

use super::error::{corrupt, CacheError};

/// The most bytes a certificate's answers may take uncompressed: a length above it is
/// not believed (a damaged value must not make a lookup allocate gigabytes). A
/// certificate's answers take ~13 KB.
pub(super) const MAX_ANSWERS_BYTES: usize = 4 << 20;

/// `answers` compressed against `dictionary`; `None` when they are longer than
/// [`MAX_ANSWERS_BYTES`] (they are then not stored, and are rendered when asked for).
pub(super) fn pack(answers: &[u8], dictionary: &[u8]) -> Option<Vec<u8>> {
    if answers.len() > MAX_ANSWERS_BYTES {
        return None;
    }
    let len = u32::try_from(answers.len()).ok()?;
    let mut out = vec![0u8; 4 + lz4_flex::block::get_maximum_output_size(answers.len())];
    out[..4].copy_from_slice(&len.to_be_bytes());
    let written = lz4_flex::block::compress_into_with_dict(answers, &mut out[4..], dictionary).ok()?;
    out.truncate(4 + written);
    Some(out)
}

/// The answers `packed` holds, compressed against `dictionary` (`id`'s, for the error).
pub(super) fn unpack(id: &str, packed: &[u8], dictionary: &[u8]) -> Result<Vec<u8>, CacheError> {
    let Some((len, block)) = packed.split_first_chunk::<4>() else {
        return Err(corrupt(format!("answers of {id}"), "shorter than their length"));
    };
    let len = u32::from_be_bytes(*len);
    let Some(size) = usize::try_from(len).ok().filter(|n| *n <= MAX_ANSWERS_BYTES) else {
        return Err(corrupt(format!("answers of {id}"), format!("a length of {len} bytes")));
    };
    let mut out = vec![0u8; size];
    match lz4_flex::block::decompress_into_with_dict(block, &mut out, dictionary) {
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
        let packed = pack(&answers, b"").expect("packed");
        assert!(packed.len() < answers.len() / 4, "repetitive text compresses");
        assert_eq!(unpack("NT-A", &packed, b"").expect("unpacked"), answers);
        assert_eq!(unpack("NT-A", &pack(b"", b"").expect("packed"), b"").expect("unpacked"), b"");
    }

    #[test]
    fn a_dictionary_takes_what_answers_share() {
        let specimen = b"{\"id\":\"NT-SPECIMEN0001\",\"verdict\":\"VALID\",\"product\":\"SolarShield SPF 50\"}";
        let answers = b"{\"id\":\"NT-ABCDEFGHIJKL\",\"verdict\":\"VALID\",\"product\":\"SolarShield SPF 30\"}";
        let (alone, with) = (pack(answers, b"").expect("packed"), pack(answers, specimen).expect("packed"));
        assert!(with.len() * 2 < alone.len(), "{} bytes with the dictionary, {} without", with.len(), alone.len());
        assert_eq!(unpack("NT-A", &with, specimen).expect("unpacked"), answers);
        // Read against another dictionary, the bytes are not these answers.
        assert!(unpack("NT-A", &with, b"").map_or(true, |other| other != answers));
    }

    #[test]
    fn damaged_bytes_are_refused_rather_than_believed() {
        let packed = pack(&b"abcdefgh".repeat(100), b"").expect("packed");
        assert!(unpack("NT-A", &packed[..3], b"").is_err(), "no length");
        assert!(unpack("NT-A", &packed[..packed.len() - 2], b"").is_err(), "cut short");
        let mut longer = packed.clone();
        longer[..4].copy_from_slice(&801u32.to_be_bytes());
        assert!(unpack("NT-A", &longer, b"").is_err(), "a length the block does not fill");
        let mut huge = packed.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        let e = unpack("NT-A", &huge, b"").expect_err("a length past the bound");
        assert!(e.to_string().contains("4294967295"), "{e}");
        assert!(pack(&vec![0u8; MAX_ANSWERS_BYTES + 1], b"").is_none());
    }
}
