//! Erasing what a case found, place by place: every item re-checked right before its
//! deletion, every outcome the server's word, every change logged and saved
//! ([`crate::case::CaseDir::apply`]).
//!
//! - **Examples:** re-read by id and checked here for every identifier
//!   ([`Client::recheck_examples`]: a string value or key of inputs, outputs or
//!   metadata; no server search decides it); one that no longer holds an identifier is
//!   read back: `erased` if it reads back erased (an earlier erase killed
//!   before it recorded the deletion), else `excluded` (`no_identifier_at_erase`), never
//!   deleted. The others are
//!   hard-deleted ([`Client::hard_delete_all`]): `deleted` only when the server's answer
//!   named the id, `failed` (with the outcome) otherwise.
//! - **Experiment traces:** re-checked by the runs query again (the API and window the
//!   find recorded, the case's examples as scope: no example needs to be readable); one
//!   no longer listed is `excluded` (`not_listed_at_erase`) when every example it
//!   references was refused by the re-check, else `gone` (the read-back shows it gone).
//!   The others' deletion is requested
//!   ([`Client::delete_traces`]): a 2xx is `erase_requested`, never gone.
//!
//! Resumable: only items `found`, `failed` or `still_present` are sent
//! ([`plan`]); one already `deleted` or `erase_requested` is not sent again.

use crate::case::{CaseDir, CaseError, Change, Identified, Item, ItemState, Place};
use langsmith::{
    BulkOptions, Client, Error, Outcome, TraceDeleteOptions, TraceKey, TraceOutcome, Uuid,
    Verification, VerifyOptions,
};
use std::collections::{BTreeMap, BTreeSet};

/// What `erase` would send: the items to act on, per place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Examples to re-check and hard-delete, sorted.
    pub examples: Vec<Uuid>,
    /// Experiment traces to re-check and request the deletion of, sorted.
    pub traces: Vec<TraceKey>,
    /// Traces found by content (`traces`, `source_runs`) to re-check and request the
    /// deletion of, sorted.
    pub content_traces: Vec<(Place, TraceKey)>,
    /// Feedback to re-check and delete, sorted.
    pub feedback: Vec<Uuid>,
    /// Share links to revoke: `(kind, id)`, `run` or `dataset`, sorted.
    pub shares: Vec<(String, Uuid)>,
    /// Items already done (deleted, requested, erased, gone, pending): not sent again.
    pub done: usize,
    /// Items excluded (never sent).
    pub excluded: usize,
}

fn to_send(i: &Item) -> bool {
    matches!(
        i.state,
        ItemState::Found | ItemState::Failed | ItemState::StillPresent
    )
}

/// What [`erase`] would send for `case`, without sending anything (`--dry-run`).
pub fn plan(case: &crate::case::Case) -> Plan {
    let mut p = Plan::default();
    for i in &case.items {
        if i.state == ItemState::Excluded {
            p.excluded += 1;
        } else if !to_send(i) {
            p.done += 1;
        } else if i.place == Place::Examples {
            p.examples.push(i.id);
        } else if let (Place::ExperimentTraces, Some(session_id)) = (i.place, i.session_id) {
            p.traces.push(TraceKey {
                session_id,
                trace_id: i.id,
            });
        } else if let (Place::Traces | Place::SourceRuns, Some(session_id)) =
            (i.place, i.session_id)
        {
            p.content_traces.push((
                i.place,
                TraceKey {
                    session_id,
                    trace_id: i.id,
                },
            ));
        } else if i.place == Place::Feedback {
            p.feedback.push(i.id);
        } else if let (Place::Shares, Some(kind)) = (i.place, &i.share) {
            p.shares.push((kind.clone(), i.id));
        }
    }
    p.examples.sort_unstable();
    p.traces.sort_unstable();
    p.content_traces.sort_unstable();
    p.feedback.sort_unstable();
    p.shares.sort_unstable();
    p
}

impl Plan {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
            && self.traces.is_empty()
            && self.content_traces.is_empty()
            && self.feedback.is_empty()
            && self.shares.is_empty()
    }
}

/// What an erase did, per place (the per-item states are in the case).
#[derive(Debug, Default)]
pub struct Erasure {
    /// Examples the server named deleted.
    pub deleted: u64,
    /// Traces whose deletion the server accepted (requested, not gone).
    pub requested: u64,
    /// Items the re-check refused (now `excluded`, never sent).
    pub excluded: u64,
    /// Items the re-check read back erased or gone already (an earlier erase's, never
    /// recorded: not sent again).
    pub already_gone: u64,
    /// Items whose re-check or deletion failed (now `failed`).
    pub failed: u64,
    /// The first error that decides the exit status (authentication, connection).
    pub error: Option<Error>,
}

fn keep_first(slot: &mut Option<Error>, e: Error) {
    if slot.is_none() {
        *slot = Some(e);
    }
}

/// Erases what the case found ([`plan`]): examples re-checked first, then traces
/// re-checked (the runs query again, over the examples that passed, while they still
/// exist: a trace of an example that no longer holds an identifier is not a copy of the
/// person's data and is excluded), then examples hard-deleted, then the traces' deletion
/// requested. Every change is logged and saved as it happens. Fails only when the case
/// cannot be written; request failures are per item (`failed`) and in
/// [`Erasure::error`].
pub async fn erase(
    client: &Client,
    dir: &mut CaseDir,
    who: &Identified,
    now: &dyn Fn() -> String,
) -> Result<Erasure, CaseError> {
    dir.case().require_searched()?;
    let plan = plan(dir.case());
    let mut out = Erasure::default();
    dir.step(
        "erase",
        format!(
            "{} examples, {} experiment traces, {} traces, {} feedback and {} share links to re-check; {} items done before",
            plan.examples.len(),
            plan.traces.len(),
            plan.content_traces.len(),
            plan.feedback.len(),
            plan.shares.len(),
            plan.done
        ),
        &now(),
    )?;

    // 0. Feedback re-checked and deleted (before the traces, whose deletion takes their
    //    run-level feedback along).
    let step = Box::pin(crate::erase_more::delete_feedback(
        client,
        dir,
        who,
        &plan.feedback,
        now,
    ))
    .await?;
    took(step, &mut out);

    // 1. Examples re-checked: re-read by id, each checked here for every identifier (in
    //    a string value or key of its inputs, outputs or metadata), whatever the server's
    //    search would say.
    let mut still: BTreeSet<Uuid> = BTreeSet::new();
    let mut unread: BTreeSet<Uuid> = BTreeSet::new();
    let texts: Vec<&str> = who.iter().map(|(_, i)| i.text()).collect();
    for chunk in plan.examples.chunks(langsmith::PAGE_SIZE - 1) {
        match client.recheck_examples(chunk, &texts).await {
            Ok(read) => still.extend(read.holding.iter().map(|(id, _)| *id)),
            Err(e) => {
                unread.extend(chunk.iter().copied());
                keep_first(&mut out.error, e);
            }
        }
    }
    // One that no longer holds an identifier may be erased already (an earlier erase
    // killed after the server deleted it, before the case recorded it): read back.
    let unmatched: Vec<Uuid> = plan
        .examples
        .iter()
        .filter(|id| !unread.contains(id) && !still.contains(id))
        .copied()
        .collect();
    let mut read_back = BTreeMap::new();
    if !unmatched.is_empty() {
        match client
            .verify_erased(unmatched.iter().copied(), &VerifyOptions::default())
            .await
        {
            Ok(report) => read_back.extend(report.outcomes().map(|(id, v)| (*id, v))),
            Err(e) => keep_first(&mut out.error, e),
        }
    }
    // Those no longer listed: read as of when the case found them (an earlier erase's
    // hard delete nulls every version; LangSmith lists the example no more).
    let unlisted: Vec<Uuid> = read_back
        .iter()
        .filter(|(_, v)| matches!(v, Verification::NotFound))
        .map(|(id, _)| *id)
        .collect();
    let as_found = if unlisted.is_empty() {
        BTreeMap::new()
    } else {
        Box::pin(crate::readback::as_found(client, dir.case(), &unlisted)).await
    };
    let mut changes = Vec::new();
    for id in &plan.examples {
        if unread.contains(id) {
            changes.push(
                Change::new(Place::Examples, *id, ItemState::Failed)
                    .because("recheck failed (not deleted)"),
            );
        } else if !still.contains(id) {
            changes.push(match read_back.get(id) {
                Some(Verification::Erased) => Change::new(Place::Examples, *id, ItemState::Erased)
                    .because("read back erased at the re-check (deleted before)"),
                Some(Verification::NotFound) => match as_found.get(id) {
                    Some(Verification::Erased) => {
                        Change::new(Place::Examples, *id, ItemState::Erased)
                            .because(crate::readback::NULL_AS_FOUND)
                    }
                    Some(Verification::NotErased { .. }) => {
                        Change::new(Place::Examples, *id, ItemState::Failed)
                            .because(crate::readback::DATA_AS_FOUND)
                    }
                    Some(Verification::AttachmentsPending { .. }) => {
                        let mut c = Change::new(Place::Examples, *id, ItemState::Pending)
                            .because("no longer listed; as of when found, null but attachments still listed (removed within 7 days)");
                        c.look_again = Some(crate::readback::plus_week(&now()));
                        c
                    }
                    other => Change::new(Place::Examples, *id, ItemState::Failed)
                        .because(crate::readback::not_shown_erased(other)),
                },
                Some(Verification::NotErased { .. }) => {
                    Change::new(Place::Examples, *id, ItemState::Excluded)
                        .because("no_identifier_at_erase")
                }
                Some(v) => Change::new(Place::Examples, *id, ItemState::Failed)
                    .because(format!("recheck: read back {} (not deleted)", v.as_str())),
                None => Change::new(Place::Examples, *id, ItemState::Failed)
                    .because("recheck: read back failed (not deleted)"),
            });
        }
    }
    count(&changes, &mut out);
    dir.apply(&changes, &now())?;

    // 2. Traces re-checked: still listed as referencing the case's examples (those
    //    that failed the re-check above are no longer in the scope).
    let mut traces_still: Vec<TraceKey> = Vec::new();
    if !plan.traces.is_empty() {
        let mut changes = Vec::new();
        match crate::readback::recorded_scope(dir.case(), &[], None) {
            None => {
                for k in &plan.traces {
                    changes.push(
                        Change::new(Place::ExperimentTraces, k.trace_id, ItemState::Failed)
                            .because("recheck: the traces search has no recorded window"),
                    );
                }
            }
            Some((scope, options)) => match client.traces_referencing(&scope, &options).await {
                Ok(found) => {
                    let listed = found.keys();
                    let case = dir.case();
                    let excluded = |e: &Uuid| {
                        case.items.iter().any(|i| {
                            i.place == Place::Examples
                                && i.id == *e
                                && i.state == ItemState::Excluded
                        })
                    };
                    for k in &plan.traces {
                        if listed.binary_search(k).is_ok() {
                            traces_still.push(*k);
                            continue;
                        }
                        let refs = case
                            .items
                            .iter()
                            .find(|i| i.place == Place::ExperimentTraces && i.id == k.trace_id)
                            .map(|i| i.examples.clone())
                            .unwrap_or_default();
                        // Not listed: a copy only of examples the re-check refused is
                        // not the person's; otherwise the read-back shows it gone (an
                        // earlier erase's request, carried out).
                        changes.push(if !refs.is_empty() && refs.iter().all(excluded) {
                            Change::new(Place::ExperimentTraces, k.trace_id, ItemState::Excluded)
                                .because("not_listed_at_erase")
                        } else {
                            Change::new(Place::ExperimentTraces, k.trace_id, ItemState::Gone)
                                .because("not listed at the re-check (deleted before)")
                        });
                    }
                }
                Err(e) => {
                    for k in &plan.traces {
                        changes.push(
                            Change::new(Place::ExperimentTraces, k.trace_id, ItemState::Failed)
                                .because(format!("recheck failed ({})", e.kind().as_str())),
                        );
                    }
                    keep_first(&mut out.error, e);
                }
            },
        }
        count(&changes, &mut out);
        dir.apply(&changes, &now())?;
    }

    // 3. Examples hard-deleted: deleted only when the server named the id.
    let send: Vec<Uuid> = still.difference(&unread).copied().collect();
    if !send.is_empty() {
        let mut changes = Vec::new();
        match client
            .hard_delete_all(send.iter().copied(), &BulkOptions::default())
            .await
        {
            Ok(report) => {
                for (id, outcome) in report.outcomes() {
                    changes.push(match outcome {
                        Outcome::Deleted => Change::new(Place::Examples, *id, ItemState::Deleted),
                        other => Change::new(Place::Examples, *id, ItemState::Failed)
                            .because(other.as_str()),
                    });
                }
                if let Some(kind) = report.stopped_by() {
                    dir.step(
                        "erase",
                        format!("hard delete stopped: {}", kind.as_str()),
                        &now(),
                    )?;
                }
            }
            Err(e) => {
                for id in &send {
                    changes.push(
                        Change::new(Place::Examples, *id, ItemState::Failed)
                            .because(format!("hard delete not sent ({})", e.kind().as_str())),
                    );
                }
                keep_first(&mut out.error, e);
            }
        }
        count(&changes, &mut out);
        dir.apply(&changes, &now())?;
    }

    // 4. Traces' deletion requested: a 2xx is requested, never gone.
    if !traces_still.is_empty() {
        let mut changes = Vec::new();
        match client
            .delete_traces(traces_still.iter().copied(), &TraceDeleteOptions::default())
            .await
        {
            Ok(report) => {
                for (key, outcome) in report.outcomes() {
                    changes.push(match outcome {
                        TraceOutcome::DeletionRequested => Change::new(
                            Place::ExperimentTraces,
                            key.trace_id,
                            ItemState::EraseRequested,
                        ),
                        other => {
                            Change::new(Place::ExperimentTraces, key.trace_id, ItemState::Failed)
                                .because(other.as_str())
                        }
                    });
                }
            }
            Err(e) => {
                for k in &traces_still {
                    changes.push(
                        Change::new(Place::ExperimentTraces, k.trace_id, ItemState::Failed)
                            .because(format!("runs delete not sent ({})", e.kind().as_str())),
                    );
                }
                keep_first(&mut out.error, e);
            }
        }
        count(&changes, &mut out);
        dir.apply(&changes, &now())?;
    }
    // 5. Traces found by content re-checked and their deletion requested.
    let step = Box::pin(crate::erase_more::content_traces(
        client,
        dir,
        who,
        &plan.content_traces,
        now,
    ))
    .await?;
    took(step, &mut out);
    // 6. Share links revoked, once what each exposes passed its re-check above (a link
    //    of a dataset or trace the re-check excluded is not the person's: kept).
    let step = Box::pin(crate::erase_more::revoke_shares(
        client,
        dir,
        &plan.shares,
        now,
    ))
    .await?;
    took(step, &mut out);
    dir.step(
        "erase",
        format!(
            "done: {} deleted, {} requested, {} excluded, {} failed",
            out.deleted, out.requested, out.excluded, out.failed
        ),
        &now(),
    )?;
    Ok(out)
}

/// Takes in what a step of [`crate::erase_more`] did.
fn took(step: crate::erase_more::Step, out: &mut Erasure) {
    count(&step.changes, out);
    if let Some(e) = step.error {
        keep_first(&mut out.error, e);
    }
}

fn count(changes: &[Change], out: &mut Erasure) {
    for c in changes {
        match c.state {
            ItemState::Deleted => out.deleted += 1,
            ItemState::EraseRequested => out.requested += 1,
            ItemState::Excluded => out.excluded += 1,
            ItemState::Erased | ItemState::Gone => out.already_gone += 1,
            ItemState::Failed => out.failed += 1,
            _ => {}
        }
    }
}
