//! `verify` in text.

use crate::model::exit::ExitStatus;
use crate::model::verification::DeletedAt;
use langsmith::{Error, TraceVerifyReport, VerifyReport};
use std::path::Path;

/// The summary on stdout (details on stderr). `earlier_requested_none`: with
/// `--from-report`, whether that run requested no trace deletion (`None` without one);
/// `report`: the report's path and sha256, when one was written.
pub(crate) fn summary(
    v: &VerifyReport,
    deleted_at: &DeletedAt,
    traces: Option<&Result<TraceVerifyReport, Error>>,
    earlier_requested_none: Option<bool>,
    exit: ExitStatus,
    report: Option<(&Path, &str)>,
) {
    super::verification::print_summary(v, deleted_at);
    if let Some(t) = traces {
        super::traces::print_verify_summary(t);
        if earlier_requested_none.unwrap_or(true) && t.as_ref().is_ok_and(|t| t.unrequested() > 0) {
            eprintln!(
                "(no trace deletion was requested {}: `hard-delete --with-runs` requests it)",
                if earlier_requested_none.is_some() {
                    "by the run of that report"
                } else {
                    "for these ids here; with --from-report, the traces a hard-delete requested are known"
                }
            );
        }
    }
    if exit == ExitStatus::Pending {
        println!(
            "pending: nothing contradicts the erasure, but part of it is still to happen; run the same verify again later"
        );
    }
    if let Some((p, sha)) = report {
        println!("report: {} (sha256 {sha})", p.display());
    }
}
