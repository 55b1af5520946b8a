//! A verification pass's read-back of the places beyond examples and experiment traces.
//!
//! - **Traces found by content** (`traces`, `source_runs`): their runs read by id (the
//!   recorded window, its end now): none listed is `gone`; still listed after a request
//!   is `pending` (a queued deletion: look again a week after the request); still listed
//!   and never requested stays as it is (data left).
//! - **Feedback:** read by id: the route's 404 is `gone`; still readable after its delete
//!   was accepted is `still_present`.
//! - **Share links:** the workspace's links listed: not listed is `gone`; still listed
//!   after the revoke was accepted is `still_present`.

use crate::case::{CaseDir, CaseError, Change, Identified, ItemState, Pass, Place};
use crate::readback::{plus_week, read_traces, recorded_window};
use langsmith::{Client, Error, Shared, TraceKey, Uuid};
use std::collections::BTreeSet;
use std::time::SystemTime;

fn requested(state: ItemState) -> bool {
    matches!(
        state,
        ItemState::EraseRequested | ItemState::Pending | ItemState::StillPresent
    )
}

pub(crate) async fn read_back(
    client: &Client,
    dir: &mut CaseDir,
    _who: &Identified,
    pass: &mut Pass,
    error: &mut Option<Error>,
    now: &dyn Fn() -> String,
) -> Result<(), CaseError> {
    let mut changes = Vec::new();
    // Traces found by content.
    for place in [Place::Traces, Place::SourceRuns] {
        let items: Vec<(TraceKey, ItemState, Option<String>)> = dir
            .case()
            .items
            .iter()
            .filter(|i| i.place == place && i.state != ItemState::Excluded)
            .filter(|i| i.state != ItemState::Gone)
            .filter_map(|i| {
                let at = i
                    .history
                    .iter()
                    .rev()
                    .find(|t| t.state == ItemState::EraseRequested)
                    .map(|t| t.at.clone());
                i.session_id.map(|s| {
                    (
                        TraceKey {
                            session_id: s,
                            trace_id: i.id,
                        },
                        i.state,
                        at,
                    )
                })
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        let Some(window) = recorded_window(dir.case(), place, SystemTime::now()) else {
            pass.problems
                .push(format!("{place}: never searched (run find first)"));
            continue;
        };
        let keys: Vec<(Place, TraceKey)> = items.iter().map(|(k, _, _)| (place, *k)).collect();
        match read_traces(client, dir.case(), &keys, window, &[]).await {
            Ok(read) => {
                for (k, state, requested_at) in items {
                    if !read.listed.contains(&k.trace_id) {
                        pass.traces_gone += 1;
                        changes.push(Change::new(place, k.trace_id, ItemState::Gone));
                    } else if requested(state) {
                        pass.traces_pending += 1;
                        let mut c = Change::new(place, k.trace_id, ItemState::Pending)
                            .because("deletion queued; the runs query still lists it");
                        c.look_again = Some(plus_week(requested_at.as_deref().unwrap_or(&now())));
                        changes.push(c);
                    } else {
                        pass.traces_present += 1;
                    }
                }
            }
            Err(e) => {
                pass.problems
                    .push(format!("{place} read-back: failed ({})", e.kind().as_str()));
                error.get_or_insert(e);
            }
        }
    }
    // Feedback.
    let feedback: Vec<(Uuid, ItemState)> = dir
        .case()
        .items
        .iter()
        .filter(|i| i.place == Place::Feedback)
        .filter(|i| !matches!(i.state, ItemState::Excluded | ItemState::Gone))
        .map(|i| (i.id, i.state))
        .collect();
    for (id, state) in feedback {
        match client.read_feedback(id, &[]).await {
            Ok(None) => {
                pass.others_gone += 1;
                changes.push(Change::new(Place::Feedback, id, ItemState::Gone));
            }
            Ok(Some(_)) if requested(state) => {
                pass.others_present += 1;
                changes.push(
                    Change::new(Place::Feedback, id, ItemState::StillPresent)
                        .because("still readable after its deletion was accepted"),
                );
            }
            Ok(Some(_)) => pass.others_present += 1,
            Err(e) => {
                pass.failed += 1;
                pass.problems.push(format!(
                    "feedback read-back: failed ({})",
                    e.kind().as_str()
                ));
                error.get_or_insert(e);
            }
        }
    }
    // Share links.
    let shares: Vec<(Uuid, ItemState)> = dir
        .case()
        .items
        .iter()
        .filter(|i| i.place == Place::Shares)
        .filter(|i| !matches!(i.state, ItemState::Excluded | ItemState::Gone))
        .map(|i| (i.id, i.state))
        .collect();
    if !shares.is_empty() {
        match client.shared_entities().await {
            Ok(all) => {
                let listed: BTreeSet<Uuid> = all
                    .iter()
                    .map(|s| match s {
                        Shared::Run { run_id, .. } => *run_id,
                        Shared::Dataset { dataset_id } => *dataset_id,
                    })
                    .collect();
                for (id, state) in shares {
                    if !listed.contains(&id) {
                        pass.others_gone += 1;
                        changes.push(Change::new(Place::Shares, id, ItemState::Gone));
                    } else if requested(state) || state == ItemState::Failed {
                        pass.others_present += 1;
                        changes.push(
                            Change::new(Place::Shares, id, ItemState::StillPresent)
                                .because("still listed after its revocation"),
                        );
                    } else {
                        pass.others_present += 1;
                    }
                }
            }
            Err(e) => {
                pass.problems.push(format!(
                    "share links read-back: failed ({})",
                    e.kind().as_str()
                ));
                error.get_or_insert(e);
            }
        }
    }
    dir.apply(&changes, &now())
}
