//! The journal: an append-only, hash-chained record of the ids the server confirmed
//! deleted, fsynced after each request, so that a run killed at any moment resumes
//! without resending what is known to be gone, and without trusting an edited file.
//!
//! Format (version 2): one JSON object per line; the first is the header.
//! ```text
//! {"journal":"langsmith-examples","version":2,"endpoint":"...","workspace":"...","created_at":"...","hash":"<sha256>"}
//! {"t":"2026-11-29T12:00:00.000Z","outcome":"deleted","request":0,"request_id":"...","count":1000,"ids":["...", ...],"hash":"<sha256>"}
//! {"t":"...","outcome":"traces_requested","request":0,"request_id":"...","count":null,"ids":["<trace id>", ...],"session_id":"...","hash":"<sha256>"}
//! ```
//! `deleted` lines hold the example ids the server confirmed; `traces_requested` lines
//! (`--with-runs`) the trace ids of one session whose deletion the server accepted (a 2xx
//! to a runs delete): a resumed run finds those traces again but does not request them
//! again, and its report marks them `requested_by_earlier_run`.
//! Each line's `hash` is the sha256 (hex) of the previous line's hash, a newline, and the
//! line as it would read without its `hash` field (the first line chains from the empty
//! string). Editing, reordering or splicing lines breaks the chain and the journal is
//! refused. Dropping trailing lines cannot be detected, and is harmless: their ids are
//! sent again (hard deletion is idempotent). The chain is not keyed: it detects edits,
//! not a forger who recomputes it.
//!
//! Safety for the user's files:
//! - a file that does not start with this tool's header is refused and never modified;
//! - an exclusive advisory lock (`flock`) keeps a second run out;
//! - only a last line without its newline is a torn write (cut off when reopened); a
//!   complete line that does not verify is corruption, reported with its line number;
//! - a failed write is cut back to the last complete line, so a later run can resume;
//! - lines are read with a length cap; only regular files are accepted.
//!
//! The journal never holds the API key.

use crate::model::traces::JournaledTrace;
use langsmith::{IdSet, TraceKey, Uuid};
use langsmith_case::chain::{open_seal, seal};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The bytes every journal starts with.
pub(crate) const MAGIC: &[u8] = br#"{"journal":"langsmith-examples""#;
pub(crate) const VERSION: u32 = 2;
/// Longest line read: a 1,000-id entry is about 40 KB.
pub(crate) const MAX_LINE_BYTES: u64 = 1 << 20;

#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) struct Header {
    journal: String,
    version: u32,
    endpoint: String,
    workspace: Option<String>,
    created_at: String,
}

/// One request's confirmed deletions.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Entry {
    /// When it was recorded (RFC 3339).
    pub t: String,
    /// Always `deleted`: only the server's confirmations are journaled.
    pub outcome: String,
    /// The request's index in its run's report.
    pub request: usize,
    /// The server's request id.
    pub request_id: Option<String>,
    /// The server's `count`.
    pub count: Option<i64>,
    /// The ids the server named (examples; for `traces_requested`, trace ids).
    pub ids: Vec<Uuid>,
    /// For `traces_requested`: the session of the traces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
}

/// What an existing journal says.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Ids the server confirmed deleted in earlier runs.
    pub confirmed: IdSet,
    /// Traces whose deletion earlier runs requested (sorted by key, unique).
    pub traces_requested: Vec<JournaledTrace>,
    /// A torn last line was found (and is cut off when the journal is reopened).
    pub torn_tail: bool,
    /// Entries after the header.
    pub entries: usize,
    /// When the journal was made (its header's `created_at`): before any deletion it
    /// records was sent.
    pub created_at: Option<std::time::SystemTime>,
    /// Bytes up to the end of the last good line (where appending resumes).
    valid_bytes: u64,
    /// The hash of the last good line.
    last_hash: String,
    /// The file exists with a complete header.
    has_header: bool,
}

/// The run a journal belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub endpoint: &'a str,
    pub workspace: Option<&'a str>,
}

pub(crate) fn describe(path: &Path) -> String {
    path.display().to_string()
}

/// Reads (at most [`MAX_LINE_BYTES`] of) one line; `Ok(None)` at the end.
pub(crate) fn read_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let n = reader.take(MAX_LINE_BYTES + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(buf.ends_with(b"\n")))
}

/// Verifies a journal's content. Errors name the line; the file is never modified here.
pub(crate) fn verify(path: &Path, reader: impl Read, target: Target<'_>) -> Result<Loaded, String> {
    let name = describe(path);
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut loaded = Loaded::default();
    let mut ids = Vec::new();
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut offset = 0u64;
    while let Some(complete) = read_line(&mut reader, &mut buf)
        .map_err(|e| format!("{name}: cannot read the journal: {e}"))?
    {
        line_no += 1;
        if buf.len() as u64 > MAX_LINE_BYTES {
            return Err(format!(
                "{name}:{line_no}: line longer than {MAX_LINE_BYTES} bytes: not a langsmith-examples journal"
            ));
        }
        // The whole magic prefix, or it is not ours: a file holding only `{` (or any
        // other beginning of it) is someone else's, and is never modified. A journal
        // whose very first write was cut shorter than that held nothing yet.
        if line_no == 1 && !buf.starts_with(MAGIC) {
            return Err(format!(
                "{name}: not a langsmith-examples journal (it does not start with the journal header); refusing to use or modify it"
            ));
        }
        if !complete {
            // Only a last line without its newline is torn.
            loaded.torn_tail = true;
            break;
        }
        let line = &buf[..buf.len() - 1];
        let (payload, hash) = open_seal(line, &loaded.last_hash)
            .map_err(|e| format!("{name}:{line_no}: corrupt journal line: {e}"))?;
        if line_no == 1 {
            let found: Header = serde_json::from_slice(&payload)
                .map_err(|e| format!("{name}:1: not a langsmith-examples journal header ({e})"))?;
            if found.version != VERSION {
                return Err(format!(
                    "{name}:1: journal version {} is not the version this tool writes ({VERSION})",
                    found.version
                ));
            }
            if found.endpoint != target.endpoint {
                return Err(format!(
                    "{name}:1: this journal belongs to endpoint {}; this run targets endpoint {}",
                    found.endpoint, target.endpoint
                ));
            }
            if found.workspace.as_deref() != target.workspace {
                let show = |w: Option<&str>| w.unwrap_or("(none)").to_owned();
                return Err(format!(
                    "{name}:1: this journal belongs to workspace {}; this run targets workspace {}",
                    show(found.workspace.as_deref()),
                    show(target.workspace)
                ));
            }
            loaded.has_header = true;
            loaded.created_at = chrono::DateTime::parse_from_rfc3339(&found.created_at)
                .ok()
                .map(std::time::SystemTime::from);
        } else {
            let entry: Entry = serde_json::from_slice(&payload)
                .map_err(|e| format!("{name}:{line_no}: corrupt journal entry ({e})"))?;
            match (entry.outcome.as_str(), entry.session_id) {
                ("deleted", None) => ids.extend(entry.ids),
                ("traces_requested", Some(session_id)) => {
                    loaded
                        .traces_requested
                        .extend(entry.ids.iter().map(|trace_id| JournaledTrace {
                            key: TraceKey {
                                session_id,
                                trace_id: *trace_id,
                            },
                            request_id: entry.request_id.clone(),
                            requested_at: entry.t.clone(),
                        }))
                }
                ("traces_requested", None) => {
                    return Err(format!(
                        "{name}:{line_no}: corrupt journal entry (traces_requested without a session_id)"
                    ));
                }
                (outcome, _) => {
                    return Err(format!("{name}:{line_no}: unknown outcome {outcome:?}"));
                }
            }
            loaded.entries += 1;
        }
        offset += buf.len() as u64;
        loaded.valid_bytes = offset;
        loaded.last_hash = hash;
    }
    loaded.confirmed = IdSet::from_uuids(ids);
    // The first request of a trace is the one kept.
    loaded.traces_requested.sort_by_key(|t| t.key);
    loaded.traces_requested.dedup_by(|b, a| a.key == b.key);
    Ok(loaded)
}

/// Reads the journal at `path` without changing it (missing: empty).
pub fn load(path: &Path, target: Target<'_>) -> Result<Loaded, String> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(format!(
                "{}: a journal must be a regular file",
                describe(path)
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(e) => return Err(format!("{}: {e}", describe(path))),
    }
    let file = File::open(path).map_err(|e| format!("{}: {e}", describe(path)))?;
    verify(path, file, target)
}

/// An open, locked journal.
pub struct Journal {
    path: PathBuf,
    file: File,
    valid_bytes: u64,
    last_hash: String,
    #[cfg(test)]
    fail_after: Option<usize>,
}

impl Journal {
    /// Opens (or creates) the journal for appending, under an exclusive lock, and returns
    /// it with what it already holds. A torn tail is cut off; anything else wrong is an
    /// error and the file is left as it was.
    pub fn open(path: &Path, target: Target<'_>) -> Result<(Journal, Loaded), String> {
        let name = describe(path);
        let existed = match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => {
                return Err(format!("{name}: a journal must be a regular file"));
            }
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(format!("{name}: {e}")),
        };
        let err = |e: std::io::Error| format!("{name}: {e}");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "{name}: another run is using this journal (it is locked); wait for it to finish"
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("{name}: cannot lock the journal: {e}"));
            }
        }
        let loaded = verify(path, &file, target)?;
        let mut journal = Journal {
            path: path.to_path_buf(),
            file,
            valid_bytes: loaded.valid_bytes,
            last_hash: loaded.last_hash.clone(),
            #[cfg(test)]
            fail_after: None,
        };
        let len = journal.file.metadata().map_err(err)?.len();
        if len > journal.valid_bytes {
            // A torn tail (verify refused everything else).
            journal.file.set_len(journal.valid_bytes).map_err(err)?;
        }
        journal
            .file
            .seek(SeekFrom::Start(journal.valid_bytes))
            .map_err(err)?;
        if !loaded.has_header {
            let header = Header {
                journal: "langsmith-examples".into(),
                version: VERSION,
                endpoint: target.endpoint.into(),
                workspace: target.workspace.map(str::to_owned),
                created_at: crate::util::rfc3339(std::time::SystemTime::now()),
            };
            let (line, hash) = seal(&header, "");
            journal.append(&line, hash)?;
            if !existed {
                crate::util::fs::sync_parent(path).map_err(err)?;
            }
        } else {
            journal.file.sync_all().map_err(err)?;
        }
        Ok((journal, loaded))
    }

    /// Appends one request's confirmed ids and fsyncs. On failure the file is cut back to
    /// its last complete line.
    pub fn record(&mut self, entry: &Entry) -> Result<(), String> {
        let (line, hash) = seal(entry, &self.last_hash);
        self.append(&line, hash)
    }

    fn append(&mut self, line: &[u8], hash: String) -> Result<(), String> {
        match self.write_synced(line) {
            Ok(()) => {
                self.valid_bytes += line.len() as u64;
                self.last_hash = hash;
                Ok(())
            }
            Err(e) => {
                let cut = self
                    .file
                    .set_len(self.valid_bytes)
                    .and_then(|()| self.file.seek(SeekFrom::Start(self.valid_bytes)).map(drop))
                    .and_then(|()| self.file.sync_all());
                let path = describe(&self.path);
                Err(match cut {
                    Ok(()) => {
                        format!("{path}: {e} (the journal was cut back to its last complete line)")
                    }
                    Err(c) => format!(
                        "{path}: {e}; cutting back to the last complete line also failed: {c}"
                    ),
                })
            }
        }
    }

    fn write_synced(&mut self, line: &[u8]) -> std::io::Result<()> {
        #[cfg(test)]
        if let Some(n) = self.fail_after.take() {
            self.file.write_all(&line[..n.min(line.len())])?;
            return Err(std::io::Error::other("injected: no space left on device"));
        }
        self.file.write_all(line)?;
        self.file.sync_data()
    }
}

/// The journal runs on its own thread: fsyncs never block the async workers.
pub(crate) struct JournalWriter {
    pub(crate) sender: std::sync::mpsc::Sender<Entry>,
    pub(crate) thread: std::thread::JoinHandle<(Journal, Option<String>)>,
}

impl JournalWriter {
    pub(crate) fn start(mut journal: Journal) -> JournalWriter {
        let (sender, receiver) = std::sync::mpsc::channel::<Entry>();
        let thread = std::thread::spawn(move || {
            let mut first_error = None;
            for entry in receiver {
                if let Err(e) = journal.record(&entry) {
                    tracing::error!(error = %e, "journal write failed");
                    first_error.get_or_insert(e);
                }
            }
            (journal, first_error)
        });
        JournalWriter { sender, thread }
    }

    /// Waits until everything sent is written; the journal, for a later phase to write
    /// to, and the first write error, if any.
    pub(crate) fn finish(self) -> (Option<Journal>, Option<String>) {
        drop(self.sender);
        match self.thread.join() {
            Ok((journal, error)) => (Some(journal), error),
            Err(_) => (None, Some("the journal thread panicked".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Target<'static> = Target {
        endpoint: "http://e",
        workspace: Some("ws"),
    };

    fn entry(request: usize, ids: &[Uuid]) -> Entry {
        Entry {
            t: "2026-11-29T00:00:00.000Z".into(),
            outcome: "deleted".into(),
            request,
            request_id: None,
            count: Some(ids.len() as i64),
            ids: ids.to_vec(),
            session_id: None,
        }
    }

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    #[test]
    fn round_trip_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let ids = ids(3);
        let (mut j, loaded) = Journal::open(&path, T).unwrap();
        assert_eq!(loaded.entries, 0);
        j.record(&entry(0, &ids[..2])).unwrap();
        drop(j);
        let loaded = load(&path, T).unwrap();
        assert_eq!(loaded.confirmed.as_slice(), &ids[..2]);
        assert!(!loaded.torn_tail);

        // A last line without its newline is torn: reported, then cut when reopened.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"t\":\"x\",\"ids\":[\"0000")
            .unwrap();
        let loaded = load(&path, T).unwrap();
        assert!(loaded.torn_tail);
        assert_eq!(loaded.confirmed.len(), 2);
        let (mut j, _) = Journal::open(&path, T).unwrap();
        j.record(&entry(1, &ids[2..])).unwrap();
        drop(j);
        let loaded = load(&path, T).unwrap();
        assert!(!loaded.torn_tail);
        assert_eq!(loaded.confirmed.as_slice(), &ids[..]);
    }

    #[test]
    fn trace_requests_are_kept_apart_from_deleted_examples_and_need_their_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let examples = ids(2);
        let session = Uuid::from_u128(0x5e55);
        let traces = [Uuid::from_u128(0x72), Uuid::from_u128(0x71)];
        let (mut j, _) = Journal::open(&path, T).unwrap();
        j.record(&entry(0, &examples)).unwrap();
        let requested = |request, ids: &[Uuid]| Entry {
            outcome: "traces_requested".into(),
            request_id: Some(format!("req-{request}")),
            count: None,
            session_id: Some(session),
            ..entry(request, ids)
        };
        j.record(&requested(0, &traces)).unwrap();
        // The same trace requested again by a later request: the first is kept.
        j.record(&requested(1, &traces[..1])).unwrap();
        drop(j);
        let loaded = load(&path, T).unwrap();
        assert_eq!(loaded.confirmed.as_slice(), &examples[..]);
        let keys: Vec<(Uuid, Uuid, Option<&str>)> = loaded
            .traces_requested
            .iter()
            .map(|t| (t.key.session_id, t.key.trace_id, t.request_id.as_deref()))
            .collect();
        assert_eq!(
            keys,
            [
                (session, traces[1], Some("req-0")),
                (session, traces[0], Some("req-0"))
            ]
        );
        // A trace request without its session is corruption, named by its line.
        let (mut j, _) = Journal::open(&path, T).unwrap();
        j.record(&Entry {
            session_id: None,
            ..requested(2, &traces)
        })
        .unwrap();
        drop(j);
        let e = load(&path, T).unwrap_err();
        assert!(e.contains(":5:") && e.contains("session_id"), "{e}");
    }

    #[test]
    fn another_target_names_the_field_that_differs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        drop(Journal::open(&path, T).unwrap());
        let e = load(
            &path,
            Target {
                endpoint: "http://other",
                workspace: Some("ws"),
            },
        )
        .unwrap_err();
        assert!(e.contains("belongs to endpoint http://e"), "{e}");
        let e = load(
            &path,
            Target {
                endpoint: "http://e",
                workspace: None,
            },
        )
        .unwrap_err();
        assert!(
            e.contains("belongs to workspace ws; this run targets workspace (none)"),
            "{e}"
        );
    }

    #[test]
    fn a_complete_bad_line_is_corruption_not_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (mut j, _) = Journal::open(&path, T).unwrap();
        j.record(&entry(0, &ids(2))).unwrap();
        drop(j);
        let mut text = std::fs::read(&path).unwrap();
        text.extend_from_slice(b"garbage\n");
        std::fs::write(&path, &text).unwrap();
        let e = load(&path, T).unwrap_err();
        assert!(e.contains(":3: corrupt journal line"), "{e}");
        // Opening for a run refuses it too, and leaves it byte-identical.
        assert!(Journal::open(&path, T).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), text);
    }

    #[test]
    fn an_edited_or_spliced_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let all = ids(4);
        let (mut j, _) = Journal::open(&path, T).unwrap();
        j.record(&entry(0, &all[..2])).unwrap();
        j.record(&entry(1, &all[2..])).unwrap();
        drop(j);
        let text = std::fs::read_to_string(&path).unwrap();
        // One id edited into another.
        let edited = text.replacen(&all[0].to_string(), &Uuid::from_u128(99).to_string(), 1);
        std::fs::write(&path, &edited).unwrap();
        let e = load(&path, T).unwrap_err();
        assert!(
            e.contains(":2: corrupt journal line: its hash does not match"),
            "{e}"
        );
        // Two entries swapped.
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1])).unwrap();
        assert!(load(&path, T).unwrap_err().contains(":2: corrupt"));
        // An entry of another journal spliced in.
        let other = dir.path().join("other");
        let (mut j, _) = Journal::open(&other, T).unwrap();
        j.record(&entry(0, &ids(1))).unwrap();
        drop(j);
        let foreign = std::fs::read_to_string(&other).unwrap();
        let foreign_entry = foreign.lines().nth(1).unwrap();
        std::fs::write(
            &path,
            format!("{}\n{}\n{foreign_entry}\n", lines[0], lines[1]),
        )
        .unwrap();
        assert!(load(&path, T).unwrap_err().contains(":3: corrupt"));
    }

    #[test]
    fn a_header_cut_after_the_magic_is_ours_and_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        std::fs::write(&path, br#"{"journal":"langsmith-examples","vers"#).unwrap();
        let (mut j, loaded) = Journal::open(&path, T).unwrap();
        assert!(loaded.torn_tail && loaded.entries == 0);
        j.record(&entry(0, &ids(1))).unwrap();
        drop(j);
        assert_eq!(load(&path, T).unwrap().confirmed.len(), 1);
    }

    #[test]
    fn foreign_files_are_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        for content in [
            &b"lsv2_sk_secret_key"[..],
            b"123e4567-e89b-12d3-a456-426614174000\n",
            b"{\"journal\":\"other\"}\n",
            b"{",
            b"{\"journal\":\"langs",
        ] {
            let path = dir.path().join("f");
            std::fs::write(&path, content).unwrap();
            let e = Journal::open(&path, T).err().unwrap();
            assert!(e.contains("not a langsmith-examples journal"), "{e}");
            assert_eq!(std::fs::read(&path).unwrap(), content);
        }
        let e = load(Path::new("/dev/zero"), T).unwrap_err();
        assert!(e.contains("regular file"), "{e}");
        let e = Journal::open(dir.path(), T).err().unwrap();
        assert!(e.contains("regular file"), "{e}");
    }

    #[test]
    fn a_second_run_is_locked_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (_held, _) = Journal::open(&path, T).unwrap();
        let e = Journal::open(&path, T).err().unwrap();
        assert!(e.contains("another run is using this journal"), "{e}");
    }

    #[test]
    fn a_failed_write_is_cut_back_and_the_journal_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let all = ids(6);
        let (mut j, _) = Journal::open(&path, T).unwrap();
        j.record(&entry(0, &all[..2])).unwrap();
        let before = std::fs::read(&path).unwrap();
        j.fail_after = Some(17);
        let e = j.record(&entry(1, &all[2..4])).unwrap_err();
        assert!(e.contains("cut back"), "{e}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the partial line is gone"
        );
        // Space returns: later writes chain on the last good line.
        j.record(&entry(2, &all[4..])).unwrap();
        drop(j);
        let loaded = load(&path, T).unwrap();
        assert!(!loaded.torn_tail);
        let mut expected = all[..2].to_vec();
        expected.extend_from_slice(&all[4..]);
        assert_eq!(loaded.confirmed.as_slice(), &expected[..]);
    }
}
