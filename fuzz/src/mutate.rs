//! The stable engine's mutations: a seeded xorshift generator, libFuzzer-format
//! dictionaries, and stacked byte-level mutations of corpus inputs (bit flips, random
//! bytes, insertions, deletions, duplications, splices with another input, dictionary
//! words and boundary numbers). No coverage feedback: it is the fallback when libFuzzer
//! (nightly) is not available, and finds what random damage to real inputs finds.

/// xorshift64* — small, fast, and the same sequence for the same seed everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced by a constant).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability 1/`n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// Parses a libFuzzer dictionary: one `"word"` (optionally `name="word"`) per line,
/// `\\`, `\"` and `\xNN` escapes; `#` comments.
pub fn parse_dict(text: &str) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (Some(open), Some(close)) = (line.find('"'), line.rfind('"')) else {
            continue;
        };
        if close <= open {
            continue;
        }
        let raw = &line.as_bytes()[open + 1..close];
        let mut word = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            match raw[i] {
                b'\\' if raw.get(i + 1) == Some(&b'x') && i + 3 < raw.len() => {
                    let hex = std::str::from_utf8(&raw[i + 2..i + 4]).ok();
                    match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(b) => {
                            word.push(b);
                            i += 4;
                        }
                        None => {
                            word.push(b'\\');
                            i += 1;
                        }
                    }
                }
                b'\\' if i + 1 < raw.len() => {
                    word.push(raw[i + 1]);
                    i += 2;
                }
                b => {
                    word.push(b);
                    i += 1;
                }
            }
        }
        words.push(word);
    }
    words
}

const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "255",
    "65536",
    "2147483647",
    "-2147483648",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e308",
    "1e309",
    "-0",
    "0.5",
    "NaN",
    "null",
    "true",
    "\"\"",
    "[]",
    "{}",
];

/// A mutation of `input`: 1 to 8 stacked edits, at most `max_len` bytes long.
pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], dict: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let mut out = input.to_vec();
    let edits = 1 + rng.below(8);
    for _ in 0..edits {
        let len = out.len();
        match rng.below(12) {
            0 if len > 0 => {
                let at = rng.below(len);
                out[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                out[at] = rng.next_u64() as u8;
            }
            2 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                out.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(32));
                out.drain(at..at + n);
            }
            4 if len > 0 => {
                // Duplicate a range (grows repeated structure: nesting, lists).
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                let copy = out[at..at + n].to_vec();
                let to = rng.below(out.len() + 1);
                out.splice(to..to, copy);
            }
            5 | 6 if !dict.is_empty() => {
                let word = &dict[rng.below(dict.len())];
                let at = rng.below(len + 1);
                if rng.one_in(2) && len > 0 {
                    // Overwrite instead of insert.
                    let end = (at + word.len()).min(len);
                    out.splice(at..end, word.iter().copied());
                } else {
                    out.splice(at..at, word.iter().copied());
                }
            }
            7 => {
                let word = NUMBERS[rng.below(NUMBERS.len())].as_bytes();
                let at = rng.below(len + 1);
                // Replace a run of digits at `at` when there is one.
                let end = at + out[at..].iter().take_while(|b| b.is_ascii_digit() || **b == b'-').count();
                out.splice(at..end, word.iter().copied());
            }
            8 if !corpus.is_empty() => {
                // Splice: our head, another input's tail.
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            9 if len > 1 => {
                out.truncate(rng.below(len));
            }
            10 if len > 1 => {
                // Swap two bytes.
                let (a, b) = (rng.below(len), rng.below(len));
                out.swap(a, b);
            }
            _ => {
                // An interesting byte.
                const BYTES: &[u8] =
                    &[0, 0x7f, 0x80, 0xff, b'"', b'\\', b'%', b'/', b'?', b'&', b'=', b'\n', b' ', b'{'];
                let at = rng.below(len + 1);
                out.insert(at, BYTES[rng.below(BYTES.len())]);
            }
        }
    }
    out.truncate(max_len);
    out
}
