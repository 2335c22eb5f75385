//! The XML writer both syntaxes share (UBL in [`ubl`](crate::ubl), CII in
//! [`cii`](crate::cii)): quick-xml writes the events and escapes every text and attribute;
//! no markup is assembled from strings.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// What a write returns: writing to memory fails only if memory does.
pub(crate) type Written<T = ()> = std::io::Result<T>;

/// An indented XML document being written to memory, with the few shapes of element an
/// invoice has.
pub(crate) struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    /// A document with its XML declaration (UTF-8) written.
    pub(crate) fn new() -> Written<Self> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self { w })
    }

    /// The root element's start tag with its namespace declarations.
    pub(crate) fn root(&mut self, name: &str, namespaces: &[(&str, &str)]) -> Written {
        let start = BytesStart::new(name).with_attributes(namespaces.iter().copied());
        self.w.write_event(Event::Start(start))
    }

    /// A start tag.
    pub(crate) fn start(&mut self, name: &str) -> Written {
        self.w.write_event(Event::Start(BytesStart::new(name)))
    }

    /// An end tag.
    pub(crate) fn end(&mut self, name: &str) -> Written {
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name attrs…>text</name>`, the text escaped.
    pub(crate) fn leaf_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) -> Written {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.w.write_event(Event::Start(start))?;
        self.w.write_event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }

    /// `<name>text</name>`, the text escaped.
    pub(crate) fn leaf(&mut self, name: &str, text: &str) -> Written {
        self.leaf_with(name, &[], text)
    }

    /// [`leaf`](Self::leaf) when there is a text, nothing otherwise.
    pub(crate) fn optional(&mut self, name: &str, text: Option<&str>) -> Written {
        match text {
            Some(text) => self.leaf(name, text),
            None => Ok(()),
        }
    }

    /// `<outer><inner>text</inner></outer>`, e.g. UBL's `cac:TaxScheme`.
    pub(crate) fn wrapped(&mut self, outer: &str, inner: &str, text: &str) -> Written {
        self.start(outer)?;
        self.leaf(inner, text)?;
        self.end(outer)
    }

    /// The document's bytes, ending with a line feed.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut bytes = self.w.into_inner();
        bytes.push(b'\n');
        bytes
    }
}
