//! A verification in text.

use crate::model::verification::DeletedAt;
use crate::util::rfc3339;
use crate::util::text::{chain_lines, plural};
use langsmith::VerificationKind as K;
use langsmith::{Verification, VerifyReport};

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
    if let Some((_, first)) = v.read_before_deletion().first() {
        let times: Vec<String> = v
            .read_before_deletion()
            .iter()
            .map(|(t, _)| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .collect();
        println!(
            "(no longer listed: {} read again as of {}, before the deletion; a hard delete leaves null at every version, a soft delete does not)",
            plural(first.len() as u64, "id", "ids"),
            times.join(", then ")
        );
    } else if v.as_of().is_none() && v.count(K::NotFound) > 0 {
        println!(
            "(not_found: LangSmith stops listing a hard-deleted example; --deleted-after TIME, a time before the deletion when it was listed, reads each one there)"
        );
    }
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
                    rfc3339(d)
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
        .take(crate::ops::input::MAX_LISTED);
    for (id, o) in listed {
        eprintln!("{id}: {o}");
    }
    // What was not listed, by what it is: not every id that is not erased holds data.
    let mut rest: std::collections::BTreeMap<K, u64> = Default::default();
    for (_, o) in v
        .outcomes()
        .filter(|(_, o)| !matches!(o, Verification::Erased))
        .skip(crate::ops::input::MAX_LISTED)
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
