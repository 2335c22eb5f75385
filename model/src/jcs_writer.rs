//! RFC 8785 (JCS) canonical JSON written straight from typed data, for documents whose
//! shape is fixed in code (a credential and its proof options): the caller writes every
//! object's members in JCS order, so nothing is built as a `serde_json::Value`, parsed
//! back or sorted at run time.
//!
//! What makes it canonical, and who checks it:
//! - members in the order of their names' UTF-16 code units: the names here are ASCII
//!   constants, so that is byte order; each object checks it as it is written (debug
//!   builds), and the documents written with it are compared with
//!   `serde_json_canonicalizer`'s output of the same document built as a `Value` in tests;
//! - strings escaped as ECMAScript's `JSON.stringify` does (`serde_json`'s escaping is
//!   the same: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other controls as lowercase
//!   `\u00xx`, nothing else);
//! - numbers as ECMAScript writes a double (`ryu-js`, the formatter
//!   `serde_json_canonicalizer` uses); a non-finite number is `null`, as `serde_json`'s
//!   `Value` makes it.
//!
//! No whitespace anywhere.

/// One object or array being written.
#[derive(Debug)]
enum Frame {
    /// An object; the last member name written.
    Object(Option<&'static str>),
    /// An array; whether an element has been written.
    Array(bool),
}

/// A canonical JSON text being written ([`JcsWriter::finish`] hands it over).
#[derive(Debug, Default)]
pub struct JcsWriter {
    out: Vec<u8>,
    frames: Vec<Frame>,
}

impl JcsWriter {
    /// An empty text, with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        JcsWriter { out: Vec::with_capacity(capacity), frames: Vec::with_capacity(4) }
    }

    /// The bytes written (every object and array closed).
    pub fn finish(self) -> Vec<u8> {
        debug_assert!(self.frames.is_empty(), "unclosed {:?}", self.frames);
        self.out
    }

    /// Before a value: the comma between array elements.
    fn value_start(&mut self) {
        if let Some(Frame::Array(written)) = self.frames.last_mut() {
            if *written {
                self.out.push(b',');
            }
            *written = true;
        }
    }

    /// Starts an object.
    pub fn begin_object(&mut self) -> &mut Self {
        self.value_start();
        self.out.push(b'{');
        self.frames.push(Frame::Object(None));
        self
    }

    /// Ends the object begun last.
    pub fn end_object(&mut self) -> &mut Self {
        debug_assert!(matches!(self.frames.last(), Some(Frame::Object(_))), "no object to end");
        self.frames.pop();
        self.out.push(b'}');
        self
    }

    /// Starts an array.
    pub fn begin_array(&mut self) -> &mut Self {
        self.value_start();
        self.out.push(b'[');
        self.frames.push(Frame::Array(false));
        self
    }

    /// Ends the array begun last.
    pub fn end_array(&mut self) -> &mut Self {
        debug_assert!(matches!(self.frames.last(), Some(Frame::Array(_))), "no array to end");
        self.frames.pop();
        self.out.push(b']');
        self
    }

    /// The next member's name (an ASCII name needing no escape, after the previous one in
    /// byte order); its value is written next.
    pub fn key(&mut self, name: &'static str) -> &mut Self {
        debug_assert!(name.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'), "name {name:?}");
        match self.frames.last_mut() {
            Some(Frame::Object(last)) => {
                if let Some(previous) = *last {
                    debug_assert!(previous < name, "{name:?} written after {previous:?}: not in JCS order");
                    self.out.push(b',');
                }
                *last = Some(name);
            }
            _ => debug_assert!(false, "a member name outside an object"),
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self
    }

    /// A string.
    pub fn string(&mut self, value: &str) -> &mut Self {
        self.value_start();
        // `serde_json` escapes a `str` exactly as JCS does (module documentation); writing
        // into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut self.out, value);
        self
    }

    /// A value `serde_json` writes as a JSON string, such as a unit enum variant under its
    /// serde name (so its text has one definition: the type's).
    pub fn text_of<T: serde::Serialize>(&mut self, value: &T) -> &mut Self {
        self.value_start();
        let start = self.out.len();
        // Writing into a `Vec` cannot fail; a value that is not a string is a bug here.
        let _ = serde_json::to_writer(&mut self.out, value);
        debug_assert!(self.out.get(start) == Some(&b'"'), "text_of wrote a value that is not a string");
        self
    }

    /// A string, or `null` for `None`.
    pub fn optional_string(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(text) => self.string(text),
            None => self.null(),
        }
    }

    /// A whole number (exact as a double: below 2⁵³).
    pub fn integer(&mut self, value: u32) -> &mut Self {
        self.value_start();
        self.out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        self
    }

    /// A number as ECMAScript writes a double; `null` if it is not finite.
    pub fn number(&mut self, value: f64) -> &mut Self {
        if !value.is_finite() {
            return self.null();
        }
        self.value_start();
        self.out.extend_from_slice(ryu_js::Buffer::new().format_finite(value).as_bytes());
        self
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, value: bool) -> &mut Self {
        self.value_start();
        self.out.extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    /// `null`.
    pub fn null(&mut self) -> &mut Self {
        self.value_start();
        self.out.extend_from_slice(b"null");
        self
    }

    /// An array of strings.
    pub fn strings(&mut self, values: &[&str]) -> &mut Self {
        self.begin_array();
        for value in values {
            self.string(value);
        }
        self.end_array()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn canonical(value: &serde_json::Value) -> Vec<u8> {
        serde_json_canonicalizer::to_vec(value).expect("canonical")
    }

    proptest! {
        /// Any string and any number are written as `serde_json_canonicalizer` writes
        /// them inside the same object and array.
        #[test]
        fn scalars_are_written_as_the_canonicaliser_writes_them(
            text in any::<String>(),
            number in any::<f64>(),
            whole in any::<u32>(),
            flag in any::<bool>(),
            missing in proptest::option::of(any::<String>()),
        ) {
            let mut w = JcsWriter::default();
            w.begin_object()
                .key("a").string(&text)
                .key("b").number(number)
                .key("c").begin_array().integer(whole).boolean(flag).optional_string(missing.as_deref()).end_array()
                .key("d").strings(&[&text, "x"])
                .end_object();
            let expected = canonical(&json!({
                "d": [text, "x"],
                "c": [whole, flag, missing],
                "b": number,
                "a": text,
            }));
            let written = w.finish();
            prop_assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&expected));
        }
    }

    #[test]
    fn controls_quotes_and_non_ascii_are_escaped_as_jcs_says() {
        let mut w = JcsWriter::default();
        w.string("\u{0}\u{8}\t\n\u{c}\r\u{1f}\"\\/\u{7f}é€😀\u{2028}");
        // RFC 8785 §3.2.2.2: only these escapes, lowercase hex; everything else as is.
        assert_eq!(
            String::from_utf8(w.finish()).expect("UTF-8"),
            "\"\\u0000\\b\\t\\n\\f\\r\\u001f\\\"\\\\/\u{7f}é€😀\u{2028}\""
        );
    }

    #[test]
    fn numbers_are_written_as_ecmascript_writes_them() {
        // RFC 8785 Appendix B's examples.
        for (value, text) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (333333333.3333333, "333333333.3333333"),
            (20.0, "20"),
            (f64::NAN, "null"),
        ] {
            let mut w = JcsWriter::default();
            w.number(value);
            assert_eq!(String::from_utf8(w.finish()).expect("UTF-8"), text, "{value}");
        }
    }
}
