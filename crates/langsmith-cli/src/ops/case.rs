//! A case's plumbing: the identifiers read from `--match` or a file, dates, the case
//! directory, and the searches (the library's [`langsmith_case::find`]); nothing printed.

use crate::model::exit::{Exit, ExitStatus, usage};
use chrono::NaiveDate;
use langsmith_case::case::{CaseDir, CaseError, Identified, Identifier};
use std::io::Read;
use std::path::Path;

/// The identifiers as given: each `--match` (named `--match #N`), or each non-blank line
/// of the file (`PATH:N`, `<stdin>:N` for `-`). The text is never put in a message.
pub(crate) fn identifiers(matches: &[String], file: Option<&str>) -> Result<Vec<Identifier>, Exit> {
    let mut out: Vec<Identifier> = matches
        .iter()
        .enumerate()
        .map(|(i, t)| Identifier::new(t.clone(), format!("--match #{}", i + 1)))
        .collect();
    if let Some(path) = file {
        let (name, text) = if path == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| usage(format!("--match-file -: cannot read stdin: {e}")))?;
            ("<stdin>".to_owned(), s)
        } else {
            let bytes = std::fs::read(path)
                .map_err(|e| usage(format!("--match-file {path}: cannot read it: {e}")))?;
            let s = String::from_utf8(bytes).map_err(|e| {
                usage(format!(
                    "--match-file {path}: not UTF-8 text (byte {})",
                    e.utf8_error().valid_up_to()
                ))
            })?;
            (path.to_owned(), s)
        };
        for (n, line) in text.lines().enumerate() {
            if !line.trim().is_empty() {
                out.push(Identifier::new(line, format!("{name}:{}", n + 1)));
            }
        }
    }
    if out.is_empty() {
        return Err(usage(
            "no identifier: give one per --match, or one per line of --match-file",
        ));
    }
    Ok(out)
}

/// A `YYYY-MM-DD` date given to `flag`.
pub(crate) fn date(flag: &str, text: &str) -> Result<NaiveDate, Exit> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| usage(format!("{flag} {text}: not a date YYYY-MM-DD ({e})")))
}

/// Today (UTC).
pub(crate) fn today() -> NaiveDate {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive()
}

/// Now, RFC 3339 (UTC, milliseconds).
pub(crate) fn now() -> String {
    crate::util::rfc3339(std::time::SystemTime::now())
}

/// A case error as the run's exit: input, identifiers and paths are usage (2: nothing
/// sent); a file that cannot be read or written is 1.
pub(crate) fn exit(e: CaseError) -> Exit {
    let status = match e {
        CaseError::Io(_) => ExitStatus::Partial,
        _ => ExitStatus::Usage,
    };
    Exit::new(status, crate::util::text::chain_lines(&e))
}

/// Loads the case at `path` and checks the identifiers against it.
pub(crate) fn load(path: &Path, given: &[Identifier]) -> Result<(CaseDir, Identified), Exit> {
    let dir = CaseDir::load(path).map_err(exit)?;
    let who = dir.case().check_identifiers(given).map_err(exit)?;
    Ok((dir, who))
}
