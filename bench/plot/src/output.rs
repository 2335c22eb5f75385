//! Writing the charts: all of them or none. Every SVG is rendered in memory first; then each
//! is written to a hidden temporary file beside its final name, and only when all are
//! written are they renamed into place, so a failed run leaves the folder as it was.

use crate::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// One rendered chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg {
    /// Its file name in the output folder.
    pub file_name: String,
    /// The SVG document.
    pub text: String,
}

/// Writes `files` into `dir` (created if missing) and returns their paths.
pub fn write_all(dir: &Path, files: &[Svg]) -> Result<Vec<PathBuf>, Error> {
    fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.to_owned(), source })?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = stage_and_rename(dir, files, &mut staged);
    if result.is_err() {
        for (temporary, _) in &staged {
            // Best effort: a temporary file not written has nothing to remove.
            let _ = fs::remove_file(temporary);
        }
    }
    result
}

fn stage_and_rename(dir: &Path, files: &[Svg], staged: &mut Vec<(PathBuf, PathBuf)>) -> Result<Vec<PathBuf>, Error> {
    for file in files {
        let temporary = dir.join(format!(".{}.tmp", file.file_name));
        staged.push((temporary.clone(), dir.join(&file.file_name)));
        fs::write(&temporary, &file.text).map_err(|source| Error::Write { path: temporary.clone(), source })?;
    }
    let mut written = Vec::new();
    for (temporary, path) in staged.iter() {
        fs::rename(temporary, path).map_err(|source| Error::Write { path: path.clone(), source })?;
        written.push(path.clone());
    }
    Ok(written)
}
