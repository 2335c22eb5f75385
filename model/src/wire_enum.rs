//! One way to define a closed vocabulary that travels as text (error codes, reason
//! tokens, event kinds): an enum from a single list of variants and their texts, with
//! every text, the parse back and `Display` following from that list.

/// Defines `pub enum $name` from `Variant => "text"` lines (each with its doc), with
/// `ALL` (in list order), `as_str`, `parse` (`None` for a text not in the list) and
/// `Display` (the text).
#[macro_export]
macro_rules! wire_enum {
    ($(#[doc = $enum_doc:literal])* $name:ident { $($(#[doc = $doc:literal])* $variant:ident => $text:literal,)+ }) => {
        $(#[doc = $enum_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[doc = $doc])* $variant,)+
        }

        impl $name {
            /// Every value, in the order of the list.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value's text on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value whose text is `text`; `None` for one not in the list (e.g. of a
            /// newer version).
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
