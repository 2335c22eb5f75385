//! An error and its causes on one line.

/// `error` and each of its causes (`source()`), joined by `: `, each cause once: a
/// context often repeats its source's text, which is then not said twice. Line breaks
/// inside a cause become spaces, so the result is one line whatever the error says.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = String::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = next {
        let text = cause.to_string().replace(['\r', '\n'], " ");
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        next = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct E {
        text: &'static str,
        #[source]
        source: Option<Box<E>>,
    }

    fn chain(texts: &[&'static str]) -> E {
        texts.iter().rev().fold(None, |source, text| Some(E { text, source: source.map(Box::new) })).expect("one")
    }

    #[test]
    fn causes_are_joined_once_each_on_one_line() {
        assert_eq!(one_line(&chain(&["cannot open x", "No such file"])), "cannot open x: No such file");
        assert_eq!(one_line(&chain(&["reading x: denied", "denied"])), "reading x: denied");
        assert_eq!(one_line(&chain(&["two\nlines", "cause"])), "two lines: cause");
    }
}
