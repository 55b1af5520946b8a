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
        on_request: Some(std::sync::Arc::new(move |r: &langsmith::VerifyRequest| {
            bar.inc(r.ids() as u64)
        })),
        cancel: Some(cancel),
    };
    let report = client
        .verify_erased(ids, &options)
        .await
        .expect("verification has no invalid options");
    progress.finish();
    report
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
    pub attachments_pending: Vec<&'a Uuid>,
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
    pub fn of(v: &'a VerifyReport) -> Self {
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
                Verification::AttachmentsPending { .. } => {
                    totals.attachments_pending += 1;
                    ids.attachments_pending.push(id);
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
        }
    }
}

/// The text summary of a verification, on stdout; not-erased ids listed on stderr.
pub(crate) fn print_summary(v: &VerifyReport) {
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
