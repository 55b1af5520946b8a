//! Proving as evidence: when the ids were deleted (the attachments' deadline), and the
//! verification part of a report.

use crate::util::rfc3339;
use langsmith::{Uuid, Verification, VerifyReport};
pub use langsmith_case::evidence::{
    AttachmentsPendingRow, EarlierRead, FailedRead, NotErased, ReadRequest, Residual, SourceRun,
    Unproven, VerificationSection, VerifyIds, VerifyTotals,
};

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

const RESIDUAL_NOTE: &str = "source_run_id: the run each example was made from, a copy of its data this tool does not delete (its trace may hold the same inputs); review it in its project";

/// The verification part of a report.
pub(crate) fn verification_section(
    v: &VerifyReport,
    deleted_at: &DeletedAt,
) -> VerificationSection {
    let now = std::time::SystemTime::now();
    let mut totals = VerifyTotals::default();
    let mut ids = VerifyIds::default();
    for (id, o) in v.outcomes() {
        match o {
            Verification::Erased => {
                totals.erased += 1;
                ids.erased.push(*id);
            }
            Verification::NotErased { .. } => {
                totals.not_erased += 1;
                ids.not_erased.push(NotErased {
                    id: *id,
                    holding: strings(o.holding_data()),
                });
            }
            Verification::Unproven { .. } => {
                totals.unproven += 1;
                ids.unproven.push(Unproven {
                    id: *id,
                    absent: strings(o.absent_fields()),
                });
            }
            Verification::AttachmentsPending { attachments } => {
                totals.attachments_pending += 1;
                let deadline = deleted_at.deadline(id);
                ids.attachments_pending.push(AttachmentsPendingRow {
                    id: *id,
                    attachments,
                    deadline: deadline.map(rfc3339),
                    overdue: deadline.is_some_and(|d| now > d),
                });
            }
            Verification::NotFound => {
                totals.not_found += 1;
                ids.not_found.push(*id);
            }
            Verification::Failed(_) => {
                totals.failed += 1;
                ids.failed.push(*id);
            }
            Verification::NotAttempted => {
                totals.not_attempted += 1;
                ids.not_attempted.push(*id);
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
        stopped_by: v.stopped_by().map(|k| k.as_str().to_owned()),
        requests: v
            .requests()
            .iter()
            .map(|r| ReadRequest {
                index: r.index(),
                batch: r.batch(),
                ids: r.ids(),
                started_at: rfc3339(r.started()),
                finished_at: rfc3339(r.finished()),
                attempts: r.attempts(),
                http_status: r.status(),
                request_id: r.request_id().map(str::to_owned),
                returned: r.returned(),
                foreign: r.foreign(),
                error_kind: r.error().map(|e| e.kind().as_str().to_owned()),
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
                    error_kind: e.kind().as_str().to_owned(),
                    error: langsmith::error_chain_line(e).to_string(),
                })
            })
            .collect(),
        residual: Residual {
            note: RESIDUAL_NOTE.to_owned(),
            source_runs: v
                .source_runs()
                .into_iter()
                .map(|(example_id, source_run_id)| SourceRun {
                    example_id,
                    source_run_id,
                })
                .collect(),
        },
        earlier_reads: v
            .read_before_deletion()
            .iter()
            .map(|(t, ids)| EarlierRead {
                as_of: t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                ids: ids.clone(),
            })
            .collect(),
    }
}

fn strings(names: Vec<&'static str>) -> Vec<String> {
    names.into_iter().map(str::to_owned).collect()
}
