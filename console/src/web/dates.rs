//! Times as the console's pages write them.

/// A Unix time as `YYYY-MM-DD hh:mm UTC`.
pub(crate) fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).ok())
        .unwrap_or_else(|| unix.to_string())
}
