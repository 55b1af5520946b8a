//! The journal: an append-only record of confirmed batches, fsynced after each, so that a
//! run killed at any moment resumes without losing track of anything.
//!
//! Format: a header line, then one JSON object per confirmed batch, each on its own line:
//! ```text
//! {"journal":"langsmith-examples","version":1,"endpoint":"...","workspace":"..."}
//! {"batch":0,"count":1000,"ids":["...", ...]}
//! ```
//! A last line without its newline, or that is not valid JSON, is a torn write from a
//! killed run: it is reported and ignored (its ids are simply sent again). Any other bad
//! line is corruption and an error. The journal never holds the API key.

use langsmith::{IdSet, Uuid};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
struct Header {
    journal: String,
    version: u32,
    endpoint: String,
    workspace: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    batch: usize,
    count: Option<i64>,
    ids: Vec<Uuid>,
}

/// What an existing journal says.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Ids already confirmed.
    pub confirmed: IdSet,
    /// A torn last line was found (and ignored).
    pub torn_tail: bool,
    pub entries: usize,
    /// Bytes up to the end of the last good line (where appending resumes).
    pub valid_bytes: u64,
}

/// An open journal.
pub struct Journal {
    path: PathBuf,
    file: File,
}

fn header(endpoint: &str, workspace: Option<&str>) -> Header {
    Header {
        journal: "langsmith-examples".into(),
        version: 1,
        endpoint: endpoint.into(),
        workspace: workspace.map(str::to_owned),
    }
}

/// Reads the journal at `path` (missing: empty). Errors name the line.
pub fn load(path: &Path, endpoint: &str, workspace: Option<&str>) -> Result<Loaded, String> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut reader = BufReader::new(file);
    let mut ids = Vec::new();
    let mut loaded = Loaded::default();
    let mut line = Vec::new();
    let mut line_no = 0;
    let mut pending_bad: Option<(usize, String)> = None;
    let mut offset = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        offset += n as u64;
        if let Some((bad_line, reason)) = pending_bad.take() {
            // A bad line followed by more lines is not a torn tail.
            return Err(format!(
                "{}:{bad_line}: corrupt journal line: {reason}",
                path.display()
            ));
        }
        let complete = line.ends_with(b"\n");
        let parsed: Result<serde_json::Value, String> =
            serde_json::from_slice(&line).map_err(|e| e.to_string());
        let value = match (parsed, complete) {
            (Ok(v), true) => v,
            (Ok(_), false) | (Err(_), false) => {
                loaded.torn_tail = true;
                break;
            }
            (Err(e), true) => {
                pending_bad = Some((line_no, e));
                continue;
            }
        };
        if line_no == 1 {
            let found: Header = serde_json::from_value(value).map_err(|e| {
                format!(
                    "{}:1: not a langsmith-examples journal ({e})",
                    path.display()
                )
            })?;
            let expected = header(endpoint, workspace);
            if found != expected {
                return Err(format!(
                    "{}:1: this journal belongs to endpoint {} workspace {}; this run targets endpoint {} workspace {}",
                    path.display(),
                    found.endpoint,
                    found.workspace.as_deref().unwrap_or("(none)"),
                    expected.endpoint,
                    expected.workspace.as_deref().unwrap_or("(none)")
                ));
            }
            loaded.valid_bytes = offset;
            continue;
        }
        let entry: Entry = serde_json::from_value(value)
            .map_err(|e| format!("{}:{line_no}: corrupt journal entry ({e})", path.display()))?;
        ids.extend(entry.ids);
        loaded.entries += 1;
        loaded.valid_bytes = offset;
    }
    if pending_bad.is_some() {
        // The last complete line is unreadable: a torn write that happened to end in '\n'
        // cannot occur (we write whole lines), but tolerate it as a torn tail.
        loaded.torn_tail = true;
    }
    loaded.confirmed = IdSet::from_uuids(ids);
    Ok(loaded)
}

impl Journal {
    /// Opens the journal for appending: creates it with a header when new, and cuts
    /// whatever follows the last good line (a torn tail, per [`load`]) so that new
    /// entries start on a line of their own.
    pub fn open(
        path: &Path,
        endpoint: &str,
        workspace: Option<&str>,
        loaded: &Loaded,
    ) -> Result<Journal, String> {
        let err = |e: std::io::Error| format!("{}: {e}", path.display());
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(err)?;
        let len = file.metadata().map_err(err)?.len();
        if len > loaded.valid_bytes {
            file.set_len(loaded.valid_bytes).map_err(err)?;
        }
        if loaded.valid_bytes == 0 {
            let mut line = serde_json::to_vec(&header(endpoint, workspace)).expect("json");
            line.push(b'\n');
            file.write_all(&line).map_err(err)?;
        }
        file.sync_all().map_err(err)?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one confirmed batch and fsyncs.
    pub fn record(&mut self, batch: usize, count: Option<i64>, ids: &[Uuid]) -> Result<(), String> {
        let mut line = serde_json::to_vec(&Entry {
            batch,
            count,
            ids: ids.to_vec(),
        })
        .expect("json");
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_torn_tail_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let ids: Vec<Uuid> = (1..=3u128).map(Uuid::from_u128).collect();
        let fresh = load(&path, "http://e", Some("ws")).unwrap();
        let mut j = Journal::open(&path, "http://e", Some("ws"), &fresh).unwrap();
        j.record(0, Some(2), &ids[..2]).unwrap();
        drop(j);
        let loaded = load(&path, "http://e", Some("ws")).unwrap();
        assert_eq!(loaded.confirmed.as_slice(), &ids[..2]);
        assert!(!loaded.torn_tail);

        // A torn tail is tolerated and reported, then cut when reopened.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"batch\":1,\"ids\":[\"0000")
            .unwrap();
        let loaded = load(&path, "http://e", Some("ws")).unwrap();
        assert!(loaded.torn_tail);
        assert_eq!(loaded.confirmed.len(), 2);
        let mut j = Journal::open(&path, "http://e", Some("ws"), &loaded).unwrap();
        j.record(1, Some(1), &ids[2..]).unwrap();
        let loaded = load(&path, "http://e", Some("ws")).unwrap();
        assert!(!loaded.torn_tail);
        assert_eq!(loaded.confirmed.as_slice(), &ids[..]);

        // Another target is refused.
        assert!(
            load(&path, "http://other", Some("ws"))
                .unwrap_err()
                .contains("belongs to")
        );

        // A bad line in the middle is corruption.
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.insert(1, "garbage");
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        assert!(
            load(&path, "http://e", Some("ws"))
                .unwrap_err()
                .contains(":2: corrupt")
        );
    }
}
