//! The JSON run report (`--report PATH`, `--output json`): the evidence a compliance run
//! keeps, as `langsmith_case::evidence` types it, built here from the library's reports.
//! It never holds the API key. (Written by `present::report`.)

use crate::model::args::{Global, Output};
use crate::util::rfc3339;
use langsmith::{BulkReport, Outcome, RequestReport, Selection, Uuid};
pub use langsmith_case::evidence::{
    Envelope, ExcludedRow, IdsByOutcome, InputSource, JournalInfo, Plan, Request, SelectionInfo,
    SelectorValues, Totals,
};
use std::path::Path;
use std::time::SystemTime;

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
            }
            .to_owned(),
            salt: self.salt.clone(),
            how_to_check: self
                .salt
                .as_ref()
                .map(|_| "printf '%s:%s' \"$salt\" \"$value\" | sha256sum".to_owned()),
        }
    }
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

    /// The envelope of a run that started at `started` and ends now.
    pub(crate) fn envelope(
        &self,
        endpoint: &str,
        workspace: Option<&str>,
        started: SystemTime,
    ) -> Envelope {
        let argv: Vec<String> = std::env::args().collect();
        Envelope {
            tool: env!("CARGO_BIN_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            ticket: self.ticket.clone(),
            command: self.recorder.command(&argv),
            selector_values: self.recorder.describe(),
            endpoint: endpoint.to_owned(),
            workspace: workspace.map(str::to_owned),
            started_at: rfc3339(started),
            finished_at: rfc3339(SystemTime::now()),
            not_reached: crate::model::traces::UNREACHABLE
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }
}

/// Whether a run writes its report document: to a file (`--report`), or to stdout (`-o
/// json`). Input digests are computed only then.
pub(crate) fn wanted(report: Option<&Path>, output: Output) -> bool {
    report.is_some() || output == Output::Json
}

fn set(t: &mut Totals, outcome: Outcome, n: u64) {
    match outcome {
        Outcome::Deleted => t.deleted = n,
        Outcome::NotFound => t.not_found = n,
        Outcome::Forbidden => t.forbidden = n,
        Outcome::Unconfirmed => t.unconfirmed = n,
        Outcome::Failed => t.failed = n,
        Outcome::NotAttempted => t.not_attempted = n,
    }
}

/// Ids per outcome of a run, with those an earlier run's journal confirmed.
pub fn totals_of_run(bulk: &BulkReport, already: u64) -> Totals {
    let mut t = Totals {
        already_deleted: Some(already),
        ..Totals::default()
    };
    for o in Outcome::ALL {
        set(&mut t, o, bulk.count(o) as u64);
    }
    t
}

fn totals_of_request(r: &RequestReport) -> Totals {
    let mut t = Totals::default();
    for o in Outcome::ALL {
        set(&mut t, o, r.settled(o) as u64);
    }
    t
}

/// Sorted ids per outcome.
pub fn ids_by_outcome(bulk: &BulkReport, already: &[Uuid]) -> IdsByOutcome {
    let mut ids = IdsByOutcome {
        already_deleted: already.to_vec(),
        ..IdsByOutcome::default()
    };
    for (id, outcome) in bulk.outcomes() {
        let list = match outcome {
            Outcome::Deleted => &mut ids.deleted,
            Outcome::NotFound => &mut ids.not_found,
            Outcome::Forbidden => &mut ids.forbidden,
            Outcome::Unconfirmed => &mut ids.unconfirmed,
            Outcome::Failed => &mut ids.failed,
            Outcome::NotAttempted => &mut ids.not_attempted,
        };
        list.push(*id);
    }
    ids
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
            settled: totals_of_request(r),
            error_kind: r.error().map(|e| e.kind().as_str().to_owned()),
            error: r
                .error()
                .map(|e| langsmith::error_chain_line(e).to_string()),
            anomaly: r.anomaly().map(str::to_owned),
        })
        .collect()
}

pub(crate) fn excluded_rows(s: &Selection) -> Vec<ExcludedRow> {
    s.excluded
        .iter()
        .map(|(id, r)| ExcludedRow {
            id: *id,
            reason: r.as_str().to_owned(),
        })
        .collect()
}
