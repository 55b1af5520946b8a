//! The JSON run report (`--report PATH`, `--output json`): the evidence a compliance run
//! keeps. It never holds the API key. Written atomically (a temporary file in the same
//! directory, fsynced, then renamed over the target).

use crate::exit::{self, Exit};
use langsmith::{BulkReport, Outcome, RequestReport, Uuid};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// One source of ids and the sha256 of exactly the bytes read from it.
#[derive(Serialize, Clone, Debug)]
pub struct InputSource {
    /// A path, `<stdin>`, or `arguments`.
    pub source: String,
    /// Absent when no report was asked for at reading time (only then is it computed).
    pub sha256: Option<String>,
    pub bytes: u64,
    /// Lines (or JSON items, or arguments) read, blank and comment lines included.
    pub lines: u64,
}

/// How a report records values that may name the data subject: the values of
/// `--contains`, `--metadata` and `--filter`, in the selection and in the command line.
/// By default each is `sha256:HEX` of `SALT:VALUE` (`printf '%s:%s' SALT VALUE |
/// sha256sum`), with one random salt per report; `--plain-selectors` keeps them as typed.
pub(crate) struct Recorder {
    salt: Option<String>,
}

/// The flags whose values a [`Recorder`] hashes.
const SUBJECT_FLAGS: [&str; 3] = ["--contains", "--metadata", "--filter"];

impl Recorder {
    pub(crate) fn new(plain: bool) -> Self {
        Recorder {
            salt: (!plain).then(|| Uuid::new_v4().simple().to_string()),
        }
    }

    /// A value as the report keeps it.
    pub(crate) fn value(&self, value: &str) -> String {
        use sha2::Digest;
        match &self.salt {
            None => value.to_owned(),
            Some(salt) => {
                let mut h = sha2::Sha256::new();
                h.update(salt.as_bytes());
                h.update(b":");
                h.update(value.as_bytes());
                format!("sha256:{:x}", h.finalize())
            }
        }
    }

    /// The command line with the values of [`SUBJECT_FLAGS`] recorded by [`Self::value`]
    /// (`--contains X` and `--contains=X` alike).
    pub(crate) fn command(&self, argv: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(argv.len());
        let mut hash_next = false;
        for arg in argv {
            if hash_next {
                out.push(self.value(arg));
                hash_next = false;
                continue;
            }
            match arg.split_once('=') {
                Some((flag, v)) if SUBJECT_FLAGS.contains(&flag) => {
                    out.push(format!("{flag}={}", self.value(v)))
                }
                _ => {
                    hash_next = SUBJECT_FLAGS.contains(&arg.as_str());
                    out.push(arg.clone());
                }
            }
        }
        out
    }

    /// For the report: how the values were recorded, and the salt.
    pub(crate) fn describe(&self) -> SelectorValues {
        SelectorValues {
            recorded_as: if self.salt.is_some() {
                "salted_sha256"
            } else {
                "plain"
            },
            salt: self.salt.clone(),
            how_to_check: self
                .salt
                .as_ref()
                .map(|_| "printf '%s:%s' \"$salt\" \"$value\" | sha256sum"),
        }
    }
}

/// How a report recorded selector values.
#[derive(Serialize)]
pub(crate) struct SelectorValues {
    pub recorded_as: &'static str,
    pub salt: Option<String>,
    pub how_to_check: Option<&'static str>,
}

/// What every command's report starts with: which tool ran what, against what, when,
/// for which request.
#[derive(Serialize)]
pub(crate) struct Envelope<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    /// The erasure request's reference (`--ticket`).
    pub ticket: Option<&'a str>,
    /// The command line (the key is never an argument, so it holds no secret), its
    /// selector values recorded as `selector_values` says.
    pub command: Vec<String>,
    pub selector_values: SelectorValues,
    pub endpoint: &'a str,
    /// The workspace sent as `X-Tenant-Id`; null when none was sent (the API key's
    /// default workspace, which the API does not name).
    pub workspace: Option<&'a str>,
    pub started_at: String,
    pub finished_at: String,
    /// Places the data may have been copied to that the API does not reach for this
    /// tool: what this report cannot speak for.
    pub not_reached: &'static [&'static str],
}

/// What a run's report needs beyond its outcomes: the request's reference and how
/// selector values are recorded (one salt for the whole report).
pub(crate) struct Evidence {
    pub ticket: Option<String>,
    pub recorder: Recorder,
}

impl Evidence {
    pub(crate) fn of(cli: &crate::Cli) -> Self {
        Evidence {
            ticket: cli.ticket.clone(),
            recorder: Recorder::new(cli.plain_selectors),
        }
    }
}

impl<'a> Envelope<'a> {
    /// The envelope of a run that started at `started` and ends now.
    pub(crate) fn now(
        evidence: &'a Evidence,
        endpoint: &'a str,
        workspace: Option<&'a str>,
        started: SystemTime,
    ) -> Self {
        let argv: Vec<String> = std::env::args().collect();
        Envelope {
            tool: env!("CARGO_BIN_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            ticket: evidence.ticket.as_deref(),
            command: evidence.recorder.command(&argv),
            selector_values: evidence.recorder.describe(),
            endpoint,
            workspace,
            started_at: rfc3339(started),
            finished_at: rfc3339(SystemTime::now()),
            not_reached: crate::traces::UNREACHABLE,
        }
    }
}

/// Whether a run writes its report document: to a file (`--report`), or to stdout (`-o
/// json`). Input digests are computed only then.
pub(crate) fn wanted(report: Option<&Path>, output: Output) -> bool {
    report.is_some() || output == Output::Json
}

#[derive(Serialize)]
pub(crate) struct Report<'a> {
    #[serde(flatten)]
    pub envelope: Envelope<'a>,
    pub dry_run: bool,
    pub inputs: &'a [InputSource],
    /// Lines read from input files and arguments; absent for a selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_lines: Option<u64>,
    pub unique_ids: u64,
    pub duplicates_dropped: u64,
    pub journal: Option<JournalInfo<'a>>,
    pub plan: Plan,
    /// HTTP requests actually sent, retries included.
    pub http_requests: u64,
    pub requests: Vec<Request>,
    /// Ids per outcome; these add up to `unique_ids`.
    pub totals: Totals,
    pub ids: IdsByOutcome<'a>,
    /// The error kind that stopped the run early, if any.
    pub stopped_by: Option<&'static str>,
    /// When the ids came from selectors (`--dataset`, `--contains`, ...): what selected them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<&'a SelectionInfo>,
    /// With `--verify`: each id read back after deleting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::verification::VerificationSection<'a>>,
    /// With `--with-runs`: the traces that referenced the deleted examples, and their
    /// deletion requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<crate::traces::RunsSection<'a>>,
    /// With `--with-runs --verify`: whether those traces are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_verification: Option<crate::traces::TraceVerifySection>,
    pub interrupted: bool,
    pub exit_code: u8,
}

/// What a selection selected (the ids themselves are in `inputs`' hash and `ids`).
#[derive(Serialize, Clone, Debug)]
pub struct SelectionInfo {
    /// The selectors, as one line.
    pub selectors: String,
    /// The dataset as given (`--dataset`), and the id it resolved to.
    pub dataset: Option<String>,
    pub dataset_id: Option<Uuid>,
    /// Selectors only the server evaluated: every listed row was re-checked against the
    /// others before it could be selected.
    pub server_evaluated: Vec<&'static str>,
    /// The server's count before listing.
    pub counted: u64,
    /// Unique ids listed.
    pub listed: u64,
    /// Listed ids that passed the client's check: the ones acted on.
    pub selected: u64,
    /// Listed ids that failed it, with the check they failed: never deleted.
    pub excluded: Vec<crate::selection::ExcludedRow>,
    /// The first few, as the confirmation showed them.
    pub samples: Vec<Uuid>,
}

#[derive(Serialize)]
pub struct JournalInfo<'a> {
    pub path: &'a Path,
    /// Ids an earlier run's journal records as deleted (not sent again).
    pub already_deleted: u64,
}

#[derive(Serialize, Clone)]
pub struct Plan {
    pub to_send: u64,
    pub batch_size: usize,
    pub batches: usize,
}

#[derive(Serialize)]
pub struct Request {
    pub index: usize,
    pub batch: usize,
    pub ids_sent: usize,
    pub started_at: String,
    pub finished_at: String,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    pub server_count: Option<i64>,
    /// Ids this request settled, per outcome.
    pub settled: Totals,
    pub error_kind: Option<&'static str>,
    pub error: Option<String>,
    /// What was odd about a 2xx answer.
    pub anomaly: Option<String>,
}

/// Counts per outcome. `deleted + not_found + forbidden + unconfirmed + failed +
/// not_attempted + already_deleted == unique_ids` at the top level.
#[derive(Serialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Totals {
    pub deleted: u64,
    pub not_found: u64,
    pub forbidden: u64,
    pub unconfirmed: u64,
    pub failed: u64,
    pub not_attempted: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_deleted: Option<u64>,
}

impl Totals {
    fn set(&mut self, outcome: Outcome, n: u64) {
        match outcome {
            Outcome::Deleted => self.deleted = n,
            Outcome::NotFound => self.not_found = n,
            Outcome::Forbidden => self.forbidden = n,
            Outcome::Unconfirmed => self.unconfirmed = n,
            Outcome::Failed => self.failed = n,
            Outcome::NotAttempted => self.not_attempted = n,
        }
    }

    pub fn of_run(bulk: &BulkReport, already: u64) -> Totals {
        let mut t = Totals {
            already_deleted: Some(already),
            ..Totals::default()
        };
        for o in Outcome::ALL {
            t.set(o, bulk.count(o) as u64);
        }
        t
    }

    fn of_request(r: &RequestReport) -> Totals {
        let mut t = Totals::default();
        for o in Outcome::ALL {
            t.set(o, r.settled(o) as u64);
        }
        t
    }
}

/// Sorted ids per outcome (serialized as canonical strings without a `String` each).
#[derive(Serialize, Default)]
pub struct IdsByOutcome<'a> {
    pub deleted: Vec<&'a Uuid>,
    pub not_found: Vec<&'a Uuid>,
    pub forbidden: Vec<&'a Uuid>,
    pub unconfirmed: Vec<&'a Uuid>,
    pub failed: Vec<&'a Uuid>,
    pub not_attempted: Vec<&'a Uuid>,
    /// Confirmed by an earlier run's journal, not sent by this one.
    pub already_deleted: Vec<&'a Uuid>,
}

impl<'a> IdsByOutcome<'a> {
    pub fn of_run(bulk: &'a BulkReport, already: &'a [Uuid]) -> Self {
        let mut ids = IdsByOutcome {
            already_deleted: already.iter().collect(),
            ..IdsByOutcome::default()
        };
        for (id, outcome) in bulk.outcomes() {
            match outcome {
                Outcome::Deleted => ids.deleted.push(id),
                Outcome::NotFound => ids.not_found.push(id),
                Outcome::Forbidden => ids.forbidden.push(id),
                Outcome::Unconfirmed => ids.unconfirmed.push(id),
                Outcome::Failed => ids.failed.push(id),
                Outcome::NotAttempted => ids.not_attempted.push(id),
            }
        }
        ids
    }
}

pub fn requests(bulk: &BulkReport) -> Vec<Request> {
    bulk.requests()
        .iter()
        .map(|r| Request {
            index: r.index(),
            batch: r.batch(),
            ids_sent: r.ids_sent(),
            started_at: rfc3339(r.started()),
            finished_at: rfc3339(r.finished()),
            attempts: r.attempts(),
            http_status: r.status(),
            request_id: r.request_id().map(str::to_owned),
            server_count: r.server_count(),
            settled: Totals::of_request(r),
            error_kind: r.error().map(|e| e.kind().as_str()),
            error: r
                .error()
                .map(|e| langsmith::error_chain_line(e).to_string()),
            anomaly: r.anomaly().map(str::to_owned),
        })
        .collect()
}

/// Checks, before anything is sent, that the report can be written at `path`: not a
/// directory, and its directory takes a new file. Nothing is left behind.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{}: is a directory", path.display()));
    }
    let probe = tempfile::NamedTempFile::new_in(dir_of(path))
        .map_err(|e| format!("{}: cannot write the report there: {e}", path.display()))?;
    drop(probe);
    Ok(())
}

/// The directory a file is in (`.` for a bare file name).
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a new file's directory entry durable (fsyncs its directory).
pub(crate) fn sync_parent(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir_of(path))?.sync_all()
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsynced, renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let err = |e: std::io::Error| format!("{}: cannot write the report: {e}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir_of(path)).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    // The rename is done; a directory that cannot be fsynced does not undo it.
    let _ = sync_parent(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_910_400_123); // 2026-11-29
        assert_eq!(rfc3339(t), "2026-11-29T00:00:00.123Z");
    }

    #[test]
    fn atomic_write_replaces_and_checks_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        check_writable(&path).unwrap();
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        assert!(
            check_writable(dir.path())
                .unwrap_err()
                .contains("directory")
        );
        assert!(check_writable(&dir.path().join("missing/r.json")).is_err());
    }
}
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub(crate) enum Output {
    Text,
    Json,
}

/// Writes a report to `path` (atomically) and, for `-o json`, to stdout.
pub(crate) fn write_json(
    path: Option<&std::path::Path>,
    output: Output,
    r: &impl serde::Serialize,
) -> Result<Option<String>, Exit> {
    let json = serde_json::to_vec_pretty(r).expect("json");
    let mut digest = None;
    if let Some(path) = path {
        use sha2::Digest;
        let mut bytes = json.clone();
        bytes.push(b'\n');
        write_atomic(path, &bytes).map_err(|message| Exit {
            status: exit::ExitStatus::Partial,
            message,
        })?;
        // The file's own digest, to reference it from a ticket.
        let sha = format!("{:x}", sha2::Sha256::digest(&bytes));
        eprintln!("report: {} (sha256 {sha})", path.display());
        digest = Some(sha);
    }
    if output == Output::Json {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&json);
        let _ = out.write_all(b"\n");
    }
    Ok(digest)
}
