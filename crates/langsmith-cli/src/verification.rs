//! Proving: reading ids back, the verification part of a report, its summary.

use crate::exit::{Exit, usage};
use crate::term::{chain_lines, plural};
use langsmith::VerificationKind as K;
use langsmith::{AsOf, Client, Uuid, Verification, VerifyOptions, VerifyReport};
use serde::Serialize;

/// Parses `--as-of`: RFC 3339 (`2026-05-01T00:00:00Z`).
pub(crate) fn parse_as_of(text: &str) -> Result<AsOf, Exit> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.to_utc())
        .map_err(|e| {
            usage(format!(
                "--as-of {}: not an RFC 3339 time such as 2026-05-01T00:00:00Z ({e}); nothing was sent",
                langsmith::quote_value(text)
            ))
        })
}

/// Reads `ids` back with a progress line; Ctrl-C stops starting requests.
pub(crate) async fn verify_ids(
    client: &Client,
    ids: Vec<Uuid>,
    as_of: Option<AsOf>,
    concurrency: usize,
    quiet: bool,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> VerifyReport {
    let progress = crate::term::Progress::new(quiet, Some(ids.len() as u64));
    let bar = progress.clone();
    let options = VerifyOptions {
        concurrency,
        as_of,
        on_request: Some(langsmith::VerifyCallback::new(
            move |r: &langsmith::VerifyRequest| bar.inc(r.ids() as u64),
        )),
        cancel: Some(cancel),
    };
    let report = client
        .verify_erased(ids, &options)
        .await
        .expect("verification has no invalid options");
    progress.finish();
    report
}

/// How long LangSmith takes, at most, to delete a hard-deleted example's attachment
/// files (its data-deletion guide: "within up to 7 days").
pub(crate) const ATTACHMENT_WINDOW: std::time::Duration =
    std::time::Duration::from_secs(7 * 86_400);

/// When the ids read back were deleted, as far as the run knows: the attachments'
/// deadline is that time + [`ATTACHMENT_WINDOW`].
#[derive(Default)]
pub(crate) struct DeletedAt {
    /// The deletion time of the ids not in `unknown` (the earliest it can have been).
    pub time: Option<std::time::SystemTime>,
    /// Ids whose deletion time is not known (sorted): an earlier run's journal.
    pub unknown: Vec<Uuid>,
}

impl DeletedAt {
    /// The attachments' deadline of `id`, when its deletion time is known.
    pub fn deadline(&self, id: &Uuid) -> Option<std::time::SystemTime> {
        if self.unknown.binary_search(id).is_ok() {
            return None;
        }
        self.time.map(|t| t + ATTACHMENT_WINDOW)
    }

    /// Ids with attachments still listed past their deadline.
    pub fn overdue(&self, v: &VerifyReport) -> usize {
        let now = std::time::SystemTime::now();
        v.outcomes()
            .filter(|(id, o)| {
                matches!(o, Verification::AttachmentsPending { .. })
                    && self.deadline(id).is_some_and(|d| now > d)
            })
            .count()
    }
}

/// The verification part of a report.
#[derive(Serialize)]
pub(crate) struct VerificationSection<'a> {
    /// The time read as of; absent: the latest version.
    pub as_of: Option<String>,
    pub http_requests: u64,
    pub totals: VerifyTotals,
    pub ids: VerifyIds<'a>,
    pub stopped_by: Option<&'static str>,
    /// Every read request, in order of completion: when, what the server answered, and
    /// its request id (the read-back's own evidence).
    pub requests: Vec<ReadRequest>,
    /// Requests that failed, with their error.
    pub failed_requests: Vec<FailedRead>,
    /// What the read-back showed this run did not touch: for each example its
    /// `source_run_id` (the trace it was made from), when set.
    pub residual: Residual,
}

/// Copies of the examples' data this run did not touch, as far as the API shows them.
#[derive(Serialize)]
pub(crate) struct Residual {
    pub note: &'static str,
    pub source_runs: Vec<SourceRun>,
}

#[derive(Serialize)]
pub(crate) struct SourceRun {
    pub example_id: Uuid,
    pub source_run_id: Uuid,
}

const RESIDUAL_NOTE: &str = "source_run_id: the run each example was made from, a copy of its data this tool does not delete (its trace may hold the same inputs); review it in its project";

#[derive(Serialize)]
pub(crate) struct AttachmentsPendingRow<'a> {
    pub id: &'a Uuid,
    /// Attachments still listed.
    pub attachments: usize,
    /// The deletion time + 7 days; null when the deletion time is not known.
    pub deadline: Option<String>,
    /// Past the deadline: no longer pending, not erased.
    pub overdue: bool,
}

#[derive(Serialize)]
pub(crate) struct ReadRequest {
    pub index: usize,
    pub batch: usize,
    pub ids: usize,
    pub started_at: String,
    pub finished_at: String,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    /// Examples the answer held, and of those not asked for (ignored).
    pub returned: usize,
    pub foreign: usize,
    pub error_kind: Option<&'static str>,
}

#[derive(Serialize, Default)]
pub(crate) struct VerifyTotals {
    pub erased: u64,
    pub not_erased: u64,
    /// Read back with a content field left out of the answer: proves nothing about it.
    pub unproven: u64,
    /// Content null, attachments still listed (counted as not erased).
    pub attachments_pending: u64,
    pub not_found: u64,
    pub failed: u64,
    pub not_attempted: u64,
}

#[derive(Serialize)]
pub(crate) struct NotErased<'a> {
    pub id: &'a Uuid,
    /// Which of inputs, outputs, metadata still hold data (never the data).
    pub holding: Vec<&'static str>,
}

#[derive(Serialize)]
pub(crate) struct Unproven<'a> {
    pub id: &'a Uuid,
    /// Which of outputs, metadata, attachment_urls the answer left out.
    pub absent: Vec<&'static str>,
}

#[derive(Serialize, Default)]
pub(crate) struct VerifyIds<'a> {
    pub erased: Vec<&'a Uuid>,
    pub not_erased: Vec<NotErased<'a>>,
    pub unproven: Vec<Unproven<'a>>,
    /// Content null, attachments still listed: not erased yet.
    pub attachments_pending: Vec<AttachmentsPendingRow<'a>>,
    pub not_found: Vec<&'a Uuid>,
    pub failed: Vec<&'a Uuid>,
    pub not_attempted: Vec<&'a Uuid>,
}

#[derive(Serialize)]
pub(crate) struct FailedRead {
    pub index: usize,
    pub ids: usize,
    pub attempts: u32,
    pub error_kind: &'static str,
    pub error: String,
}

impl<'a> VerificationSection<'a> {
    pub fn of(v: &'a VerifyReport, deleted_at: &DeletedAt) -> Self {
        let now = std::time::SystemTime::now();
        let mut totals = VerifyTotals::default();
        let mut ids = VerifyIds::default();
        for (id, o) in v.outcomes() {
            match o {
                Verification::Erased => {
                    totals.erased += 1;
                    ids.erased.push(id);
                }
                Verification::NotErased { .. } => {
                    totals.not_erased += 1;
                    ids.not_erased.push(NotErased {
                        id,
                        holding: o.holding_data(),
                    });
                }
                Verification::Unproven { .. } => {
                    totals.unproven += 1;
                    ids.unproven.push(Unproven {
                        id,
                        absent: o.absent_fields(),
                    });
                }
                Verification::AttachmentsPending { attachments } => {
                    totals.attachments_pending += 1;
                    let deadline = deleted_at.deadline(id);
                    ids.attachments_pending.push(AttachmentsPendingRow {
                        id,
                        attachments,
                        deadline: deadline.map(crate::report::rfc3339),
                        overdue: deadline.is_some_and(|d| now > d),
                    });
                }
                Verification::NotFound => {
                    totals.not_found += 1;
                    ids.not_found.push(id);
                }
                Verification::Failed(_) => {
                    totals.failed += 1;
                    ids.failed.push(id);
                }
                Verification::NotAttempted => {
                    totals.not_attempted += 1;
                    ids.not_attempted.push(id);
                }
            }
        }
        VerificationSection {
            as_of: v
                .as_of()
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            http_requests: v.http_requests(),
            totals,
            ids,
            stopped_by: v.stopped_by().map(langsmith::ErrorKind::as_str),
            requests: v
                .requests()
                .iter()
                .map(|r| ReadRequest {
                    index: r.index(),
                    batch: r.batch(),
                    ids: r.ids(),
                    started_at: crate::report::rfc3339(r.started()),
                    finished_at: crate::report::rfc3339(r.finished()),
                    attempts: r.attempts(),
                    http_status: r.status(),
                    request_id: r.request_id().map(str::to_owned),
                    returned: r.returned(),
                    foreign: r.foreign(),
                    error_kind: r.error().map(|e| e.kind().as_str()),
                })
                .collect(),
            failed_requests: v
                .requests()
                .iter()
                .filter_map(|r| {
                    r.error().map(|e| FailedRead {
                        index: r.index(),
                        ids: r.ids(),
                        attempts: r.attempts(),
                        error_kind: e.kind().as_str(),
                        error: langsmith::error_chain_line(e).to_string(),
                    })
                })
                .collect(),
            residual: Residual {
                note: RESIDUAL_NOTE,
                source_runs: v
                    .source_runs()
                    .into_iter()
                    .map(|(example_id, source_run_id)| SourceRun {
                        example_id,
                        source_run_id,
                    })
                    .collect(),
            },
        }
    }
}

/// The text summary of a verification, on stdout; not-erased ids listed on stderr.
pub(crate) fn print_summary(v: &VerifyReport, deleted_at: &DeletedAt) {
    let not_erased = v.count(K::NotErased);
    println!(
        "verified {}: erased {}, not_erased {}, not_found {}{}{}{}{} ({}{})",
        plural(v.ids().len() as u64, "id", "ids"),
        v.count(K::Erased),
        not_erased,
        v.count(K::NotFound),
        match v.count(K::AttachmentsPending) {
            0 => String::new(),
            n => format!(", attachments_pending {n}"),
        },
        match v.count(K::Unproven) {
            0 => String::new(),
            n => format!(", unproven {n}"),
        },
        match v.count(K::Failed) {
            0 => String::new(),
            n => format!(", failed {n}"),
        },
        match v.count(K::NotAttempted) {
            0 => String::new(),
            n => format!(", not_attempted {n}"),
        },
        plural(v.http_requests(), "read request", "read requests"),
        v.as_of()
            .map(|t| format!(
                ", as of {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ))
            .unwrap_or_default(),
    );
    println!(
        "(erased: read back with inputs, outputs and metadata all null and no attachment listed)"
    );
    let pending = v.count(K::AttachmentsPending);
    if pending > 0 {
        let overdue = deleted_at.overdue(v);
        let deadline = v
            .outcomes()
            .filter(|(_, o)| matches!(o, Verification::AttachmentsPending { .. }))
            .filter_map(|(id, _)| deleted_at.deadline(id))
            .max();
        println!(
            "attachments: {} still listed{}; {}",
            plural(pending as u64, "example has its attachments", "examples have their attachments"),
            match overdue {
                0 => String::new(),
                n => format!(", {n} past the 7 days LangSmith takes to remove them (not erased)"),
            },
            match deadline {
                Some(d) => format!(
                    "LangSmith removes them within 7 days of the deletion: verify again after {}",
                    crate::report::rfc3339(d)
                ),
                None => "LangSmith removes them within 7 days of the deletion (its time is not known here): verify again later".to_owned(),
            }
        );
    }
    println!(
        "(not covered by this proof: exports already made, systems fed by webhooks, evaluator runs, other workspaces; the report's not_reached lists them)"
    );
    let sources = v.source_runs();
    if !sources.is_empty() {
        println!(
            "residual: {} made from a run (source_run_id) that this tool does not delete; the report names each",
            plural(sources.len() as u64, "example was", "examples were")
        );
    }
    let listed = v
        .outcomes()
        .filter(|(_, o)| !matches!(o, Verification::Erased))
        .take(crate::input::MAX_LISTED);
    for (id, o) in listed {
        eprintln!("{id}: {o}");
    }
    // What was not listed, by what it is: not every id that is not erased holds data.
    let mut rest: std::collections::BTreeMap<K, u64> = Default::default();
    for (_, o) in v
        .outcomes()
        .filter(|(_, o)| !matches!(o, Verification::Erased))
        .skip(crate::input::MAX_LISTED)
    {
        *rest.entry(o.kind()).or_default() += 1;
    }
    if !rest.is_empty() {
        let parts: Vec<String> = rest.iter().map(|(k, n)| format!("{n} {k}")).collect();
        eprintln!(
            "... and {} more: {} (each id with its outcome in the report)",
            rest.values().sum::<u64>(),
            parts.join(", ")
        );
    }
    for r in v.requests().iter().filter(|r| r.error().is_some()).take(3) {
        if let Some(e) = r.error() {
            eprintln!(
                "read request {} ({}) after {}: {}",
                r.index(),
                plural(r.ids() as u64, "id", "ids"),
                plural(r.attempts(), "attempt", "attempts"),
                chain_lines(e)
            );
        }
    }
}
