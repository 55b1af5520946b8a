//! Erasing what a case found beyond examples and experiment traces: share links revoked,
//! feedback re-read and deleted, traces found by content re-read and their deletion
//! requested. Each item is re-read and re-checked right before it is acted on; every
//! outcome is the server's word, logged and saved per step.

use crate::case::{CaseDir, CaseError, Change, Identified, ItemState, Place};
use crate::readback::{read_traces, recorded_window};

/// What one step did: the changes it applied (logged and saved), and the first error that
/// decides the exit status.
#[derive(Debug, Default)]
pub(crate) struct Step {
    pub(crate) changes: Vec<Change>,
    pub(crate) error: Option<langsmith::Error>,
}

fn keep_first(slot: &mut Option<langsmith::Error>, e: langsmith::Error) {
    if slot.is_none() {
        *slot = Some(e);
    }
}
use langsmith::{Client, TraceDeleteOptions, TraceKey, TraceOutcome, Uuid};
use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

/// Revokes each share link whose dataset or trace still backs an item after the
/// re-checks (else `excluded`, never revoked). A 2xx, and a 404 naming it, are
/// `erase_requested`: the read-back of `verify` (the links listed) shows it gone.
pub(crate) async fn revoke_shares(
    client: &Client,
    dir: &mut CaseDir,
    shares: &[(String, Uuid)],
    now: &dyn Fn() -> String,
) -> Result<Step, CaseError> {
    let mut changes = Vec::new();
    let mut error = None;
    for (kind, id) in shares {
        // What the link exposes, as the case holds it now (after the re-checks).
        let case = dir.case();
        let item = case
            .items
            .iter()
            .find(|i| i.place == Place::Shares && i.id == *id);
        let backed = match (kind.as_str(), item) {
            ("dataset", _) => case.items.iter().any(|i| {
                i.place == Place::Examples
                    && i.dataset_id == Some(*id)
                    && i.state != ItemState::Excluded
            }),
            (_, Some(share)) => case.items.iter().any(|i| {
                matches!(
                    i.place,
                    Place::Traces | Place::ExperimentTraces | Place::SourceRuns
                ) && Some(i.id) == share.trace_id
                    && i.state != ItemState::Excluded
            }),
            _ => false,
        };
        if !backed {
            changes.push(
                Change::new(Place::Shares, *id, ItemState::Excluded)
                    .because("what it exposes was excluded at the re-check"),
            );
            continue;
        }
        let sent = if kind == "dataset" {
            client.unshare_dataset(*id).await
        } else {
            client.unshare_run(*id).await
        };
        changes.push(match sent {
            Ok(true) => Change::new(Place::Shares, *id, ItemState::EraseRequested),
            // The route says there is none: the read-back (the links listed) decides.
            Ok(false) => Change::new(Place::Shares, *id, ItemState::EraseRequested)
                .because("the revoke answered 404: none such, to be read back"),
            Err(e) => {
                let c = Change::new(Place::Shares, *id, ItemState::Failed)
                    .because(format!("revoke failed ({})", e.kind().as_str()));
                keep_first(&mut error, e);
                c
            }
        });
    }
    dir.apply(&changes, &now())?;
    Ok(Step { changes, error })
}

/// Re-reads each feedback (`gone` when the route says there is none; `excluded` when it
/// no longer holds an identifier), then deletes it: a 2xx is `erase_requested`; a 404
/// for feedback just read is `failed` (the delete did not do what it says).
pub(crate) async fn delete_feedback(
    client: &Client,
    dir: &mut CaseDir,
    who: &Identified,
    feedback: &[Uuid],
    now: &dyn Fn() -> String,
) -> Result<Step, CaseError> {
    let texts: Vec<&str> = who.iter().map(|(_, i)| i.text()).collect();
    let mut changes = Vec::new();
    let mut error = None;
    for id in feedback {
        let c = |s| Change::new(Place::Feedback, *id, s);
        let change = match client.read_feedback(*id, &texts).await {
            Ok(None) => c(ItemState::Gone).because("not found at the re-check (deleted before)"),
            Ok(Some(f)) if f.holds.is_empty() => {
                c(ItemState::Excluded).because("no_identifier_at_erase")
            }
            Ok(Some(_)) => match client.delete_feedback(*id).await {
                Ok(true) => c(ItemState::EraseRequested),
                Ok(false) => c(ItemState::Failed)
                    .because("the delete answered 404 for feedback read just before"),
                Err(e) => {
                    let ch = c(ItemState::Failed)
                        .because(format!("delete failed ({})", e.kind().as_str()));
                    keep_first(&mut error, e);
                    ch
                }
            },
            Err(e) => {
                let ch = c(ItemState::Failed).because(format!(
                    "recheck failed ({}; not deleted)",
                    e.kind().as_str()
                ));
                keep_first(&mut error, e);
                ch
            }
        };
        changes.push(change);
    }
    dir.apply(&changes, &now())?;
    Ok(Step { changes, error })
}

/// Re-reads each trace found by content (its matched runs and root, checked again):
/// not listed is `gone`; listed without an identifier is `excluded`; the others' deletion
/// is requested (one request per project, at most [`langsmith::MAX_TRACE_IDS`] traces):
/// a 2xx is `erase_requested`. A trace still holding the text whose deletion was already
/// requested as an experiment trace is not sent again: it takes that state, and the
/// read-back decides.
pub(crate) async fn content_traces(
    client: &Client,
    dir: &mut CaseDir,
    who: &Identified,
    content_traces: &[(Place, TraceKey)],
    now: &dyn Fn() -> String,
) -> Result<Step, CaseError> {
    let mut error = None;
    if content_traces.is_empty() {
        return Ok(Step::default());
    }
    let texts: Vec<&str> = who.iter().map(|(_, i)| i.text()).collect();
    let mut changes = Vec::new();
    let mut send: Vec<(Place, TraceKey)> = Vec::new();
    let requested_before: BTreeMap<Uuid, ItemState> = dir
        .case()
        .items
        .iter()
        .filter(|i| i.place == Place::ExperimentTraces)
        .filter(|i| i.state == ItemState::EraseRequested)
        .map(|i| (i.id, i.state))
        .collect();
    for place in [Place::Traces, Place::SourceRuns] {
        let keys: Vec<(Place, TraceKey)> = content_traces
            .iter()
            .filter(|(p, _)| *p == place)
            .copied()
            .collect();
        if keys.is_empty() {
            continue;
        }
        let Some(window) = recorded_window(dir.case(), place, SystemTime::now()) else {
            for (p, k) in &keys {
                changes.push(
                    Change::new(*p, k.trace_id, ItemState::Failed)
                        .because("recheck: the search has no recorded window"),
                );
            }
            continue;
        };
        match read_traces(client, dir.case(), &keys, window, &texts).await {
            Ok(read) => {
                for (p, k) in keys {
                    if !read.listed.contains(&k.trace_id) {
                        changes.push(
                            Change::new(p, k.trace_id, ItemState::Gone)
                                .because("not listed at the re-check (deleted before)"),
                        );
                    } else if !read.holding.contains(&k.trace_id) {
                        changes.push(
                            Change::new(p, k.trace_id, ItemState::Excluded)
                                .because("no_identifier_at_erase"),
                        );
                    } else if let Some(state) = requested_before.get(&k.trace_id) {
                        // Listed and holding the text, its deletion already requested as
                        // an experiment trace: not sent again; the read-back decides.
                        changes.push(
                            Change::new(p, k.trace_id, *state)
                                .because("its deletion is requested as an experiment trace"),
                        );
                    } else {
                        // A trace found in both places is sent once; both items follow.
                        send.push((p, k));
                    }
                }
            }
            Err(e) => {
                for (p, k) in &keys {
                    changes.push(
                        Change::new(*p, k.trace_id, ItemState::Failed)
                            .because(format!("recheck failed ({})", e.kind().as_str())),
                    );
                }
                keep_first(&mut error, e);
            }
        }
    }
    let unique: BTreeSet<TraceKey> = send.iter().map(|(_, k)| *k).collect();
    if !unique.is_empty() {
        match client
            .delete_traces(unique.iter().copied(), &TraceDeleteOptions::default())
            .await
        {
            Ok(report) => {
                let outcomes: BTreeMap<TraceKey, TraceOutcome> =
                    report.outcomes().map(|(k, o)| (*k, o)).collect();
                for (p, k) in &send {
                    changes.push(match outcomes.get(k) {
                        Some(TraceOutcome::DeletionRequested) => {
                            Change::new(*p, k.trace_id, ItemState::EraseRequested)
                        }
                        Some(other) => {
                            Change::new(*p, k.trace_id, ItemState::Failed).because(other.as_str())
                        }
                        None => Change::new(*p, k.trace_id, ItemState::Failed)
                            .because("runs delete: no outcome"),
                    });
                }
            }
            Err(e) => {
                for (p, k) in &send {
                    changes.push(
                        Change::new(*p, k.trace_id, ItemState::Failed)
                            .because(format!("runs delete not sent ({})", e.kind().as_str())),
                    );
                }
                keep_first(&mut error, e);
            }
        }
    }
    dir.apply(&changes, &now())?;
    Ok(Step { changes, error })
}
