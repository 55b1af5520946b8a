//! The JSON run report (`--report PATH`, `--output json`): the evidence a compliance run
//! keeps. It never holds the API key. (Written by `present::report`.)

use crate::model::args::{Global, Output};
use crate::util::rfc3339;
use langsmith::{BulkReport, Outcome, RequestReport, Selection, Uuid};
use serde::Serialize;
use std::path::Path;
use std::time::SystemTime;

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
    pub(crate) fn of(cli: &Global) -> Self {
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
            not_reached: crate::model::traces::UNREACHABLE,
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
    pub verification: Option<crate::model::verification::VerificationSection<'a>>,
    /// With `--with-runs`: the traces that referenced the deleted examples, and their
    /// deletion requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<crate::model::traces::RunsSection<'a>>,
    /// With `--with-runs --verify`: whether those traces are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_verification: Option<crate::model::traces::TraceVerifySection>,
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
    pub excluded: Vec<ExcludedRow>,
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

/// The excluded examples for a JSON document: id and the check it failed.
#[derive(Serialize, Clone, Debug)]
pub(crate) struct ExcludedRow {
    pub id: Uuid,
    /// `dataset_mismatch`, `id_mismatch`, `text_not_found`, `metadata_mismatch` or
    /// `split_mismatch`.
    pub reason: &'static str,
}

pub(crate) fn excluded_rows(s: &Selection) -> Vec<ExcludedRow> {
    s.excluded
        .iter()
        .map(|(id, r)| ExcludedRow {
            id: *id,
            reason: r.as_str(),
        })
        .collect()
}
