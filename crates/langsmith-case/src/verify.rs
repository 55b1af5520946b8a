//! A verification pass: every item read back, and the workspace searched again.
//!
//! - **Examples** ([`Client::verify_erased`]): read back null is
//!   `erased`; attachments still listed is `pending`, to look again 7 days after the
//!   deletion; data is `still_present` (an item never erased stays `found`); an answer
//!   that proves nothing, or a failed read, is `failed`.
//! - **Experiment traces** ([`Client::verify_traces_gone`], the API the find recorded,
//!   its window ending now): a requested trace no longer listed is `gone`; one still
//!   listed is `pending` (a queued deletion; LangSmith runs the job later, on the
//!   weekend: look again 7 days after the request); a listed trace never requested stays
//!   `found` (data left; a failed one stays `failed`); one the case did not hold is a new
//!   item. A trace never requested that is no longer listed is `gone` too: the read-back
//!   shows it.
//! - **Search again:** the examples of every dataset with every identifier
//!   ([`crate::find::examples`]); copies the case did not hold are new `found` items, so
//!   the next `erase` takes them.
//!
//! Each pass is appended to the case ([`crate::case::Pass`]) with its time.

use crate::case::{
    Answered, Asked, Case, CaseDir, CaseError, CaseState, Change, Identified, Item, ItemState,
    Pass, Place, PlaceRecord, PlaceState, Window,
};
use langsmith::{Client, Error, TraceKey, TraceState, Uuid, Verification, VerifyOptions};
use std::collections::BTreeMap;
use std::time::SystemTime;

pub use crate::readback::LOOK_AGAIN;

/// What a pass decided, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The case is closed.
    Closed,
    /// Nothing contradicts the erasure, but something is pending (an item, or a place not
    /// searched yet).
    Pending,
    /// Data is left, or the search found new copies.
    DataLeft,
    /// A read-back or search failed, or a place is incomplete.
    Failed,
}

/// A pass's outcome: the pass (also in the case), its verdict, and the first error that
/// decides the exit status.
#[derive(Debug)]
pub struct Verified {
    pub pass: Pass,
    pub verdict: Verdict,
    pub error: Option<Error>,
}

/// The verdict the case and its last pass give.
pub fn verdict(case: &Case, pass: &Pass) -> Verdict {
    let live = || case.items.iter().filter(|i| i.state != ItemState::Excluded);
    if !pass.problems.is_empty()
        || case
            .places
            .iter()
            .any(|p| p.state == PlaceState::Incomplete)
        || live().any(|i| i.state == ItemState::Failed)
    {
        Verdict::Failed
    } else if pass.new_items > 0
        || live().any(|i| matches!(i.state, ItemState::Found | ItemState::StillPresent))
    {
        Verdict::DataLeft
    } else if case.state == CaseState::Closed {
        Verdict::Closed
    } else {
        Verdict::Pending
    }
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One verification pass over the case (see the module). Fails only when the case cannot
/// be written; a find that never ran leaves the traces unread (a problem of the pass).
pub async fn verify(
    client: &Client,
    dir: &mut CaseDir,
    who: &Identified,
    now: &dyn Fn() -> String,
) -> Result<Verified, CaseError> {
    dir.case().require_searched()?;
    let mut pass = Pass::default();
    let mut error: Option<Error> = None;

    // 1. Examples read back.
    let examples: Vec<(Uuid, ItemState, Option<String>)> = dir
        .case()
        .items
        .iter()
        .filter(|i| i.place == Place::Examples && i.state != ItemState::Excluded)
        .map(|i| {
            let deleted_at = i
                .history
                .iter()
                .rev()
                .find(|t| t.state == ItemState::Deleted)
                .map(|t| t.at.clone());
            (i.id, i.state, deleted_at)
        })
        .collect();
    if !examples.is_empty() {
        let mut changes = Vec::new();
        match client
            .verify_erased(examples.iter().map(|e| e.0), &VerifyOptions::default())
            .await
        {
            Ok(report) => {
                // Those no longer listed: read as of when the case found them.
                let unlisted: Vec<Uuid> = examples
                    .iter()
                    .map(|e| e.0)
                    .filter(|id| matches!(report.outcome_of(id), Some(Verification::NotFound)))
                    .collect();
                let as_found = if unlisted.is_empty() {
                    BTreeMap::new()
                } else {
                    Box::pin(crate::readback::as_found(client, dir.case(), &unlisted)).await
                };
                for (id, state, deleted_at) in &examples {
                    let change = |s| Change::new(Place::Examples, *id, s);
                    let c = match report.outcome_of(id) {
                        Some(Verification::Erased) => {
                            pass.examples_erased += 1;
                            change(ItemState::Erased)
                        }
                        // Not listed (LangSmith lists a hard-deleted example no more):
                        // read as of when the case found it, which decides.
                        Some(Verification::NotFound) => match as_found.get(id) {
                            Some(Verification::Erased) => {
                                pass.examples_erased += 1;
                                change(ItemState::Erased).because(crate::readback::NULL_AS_FOUND)
                            }
                            Some(Verification::NotErased { .. }) => {
                                pass.examples_not_erased += 1;
                                change(ItemState::StillPresent)
                                    .because(crate::readback::DATA_AS_FOUND)
                            }
                            Some(Verification::AttachmentsPending { .. }) => {
                                pass.examples_pending += 1;
                                let mut c = change(ItemState::Pending).because(
                                    "no longer listed; as of when found, null but attachments still listed (removed within 7 days)",
                                );
                                c.look_again = Some(crate::readback::plus_week(
                                    deleted_at.as_deref().unwrap_or(&now()),
                                ));
                                c
                            }
                            // Not listed then either, unproven or unread: nothing shows it gone.
                            other => {
                                pass.failed += 1;
                                change(ItemState::Failed)
                                    .because(crate::readback::not_shown_erased(other))
                            }
                        },
                        Some(Verification::AttachmentsPending { .. }) => {
                            pass.examples_pending += 1;
                            let mut c = change(ItemState::Pending)
                                .because("attachments still listed (removed within 7 days)");
                            c.look_again = Some(crate::readback::plus_week(
                                deleted_at.as_deref().unwrap_or(&now()),
                            ));
                            c
                        }
                        Some(Verification::NotErased { .. }) => {
                            pass.examples_not_erased += 1;
                            if *state == ItemState::Found {
                                continue; // never erased: still found, data left
                            }
                            change(ItemState::StillPresent).because("read back with data")
                        }
                        Some(v) => {
                            pass.failed += 1;
                            change(ItemState::Failed).because(format!("read back: {}", v.as_str()))
                        }
                        None => {
                            pass.failed += 1;
                            change(ItemState::Failed).because("read back: not_attempted")
                        }
                    };
                    changes.push(c);
                }
            }
            Err(e) => {
                pass.problems.push(format!(
                    "examples read-back: failed ({})",
                    e.kind().as_str()
                ));
                error.get_or_insert(e);
            }
        }
        dir.apply(&changes, &now())?;
    }

    // 2. The examples searched again: new copies are new items.
    let search = Box::pin(crate::find::examples(
        client,
        who,
        dir.case().found_with_scan,
        now,
    ))
    .await;
    if let Some(e) = search.error {
        error.get_or_insert(e);
    }
    let new_examples = dir.record_place(search.record, search.items, &now())?;
    pass.new_items += new_examples;

    // 3. Traces read back and searched again (the case's examples, the new ones
    //    included; the recorded API; the window ending now).
    match crate::readback::recorded_scope(dir.case(), &[], Some(SystemTime::now())) {
        None => pass
            .problems
            .push("experiment traces: never searched (run find first)".to_owned()),
        Some((scope, options)) => {
            // Every trace item the case holds is asked about; what "still listed" means
            // depends on whether its deletion was requested.
            let held: BTreeMap<Uuid, (ItemState, Option<String>)> = dir
                .case()
                .items
                .iter()
                .filter(|i| i.place == Place::ExperimentTraces && i.state != ItemState::Excluded)
                .map(|i| {
                    let requested_at = i
                        .history
                        .iter()
                        .rev()
                        .find(|t| t.state == ItemState::EraseRequested)
                        .map(|t| t.at.clone());
                    (i.id, (i.state, requested_at))
                })
                .collect();
            let requested: Vec<TraceKey> = dir
                .case()
                .items
                .iter()
                .filter(|i| held.contains_key(&i.id) && i.place == Place::ExperimentTraces)
                .filter_map(|i| {
                    i.session_id.map(|s| TraceKey {
                        session_id: s,
                        trace_id: i.id,
                    })
                })
                .collect();
            let started_at = now();
            match client
                .verify_traces_gone(&scope, requested.iter().copied(), &options)
                .await
            {
                Ok(report) => {
                    let at = now();
                    let found_examples: BTreeMap<_, _> = dir
                        .case()
                        .items
                        .iter()
                        .filter(|i| i.place == Place::Examples)
                        .map(|i| (i.id, i.matched.clone()))
                        .collect();
                    let mut changes = Vec::new();
                    let mut new_items = Vec::new();
                    for (key, state) in report.states() {
                        let held_item =
                            dir.case().items.iter().find(|i| {
                                i.place == Place::ExperimentTraces && i.id == key.trace_id
                            });
                        match state {
                            TraceState::Gone => {
                                pass.traces_gone += 1;
                                changes.push(Change::new(
                                    Place::ExperimentTraces,
                                    key.trace_id,
                                    ItemState::Gone,
                                ));
                            }
                            TraceState::StillPresent { requested: true } => {
                                match held.get(&key.trace_id) {
                                    Some((
                                        ItemState::EraseRequested
                                        | ItemState::Pending
                                        | ItemState::Gone,
                                        requested_at,
                                    )) => {
                                        pass.traces_pending += 1;
                                        let mut c = Change::new(
                                            Place::ExperimentTraces,
                                            key.trace_id,
                                            ItemState::Pending,
                                        )
                                        .because("deletion queued; the runs query still lists it");
                                        c.look_again = Some(crate::readback::plus_week(
                                            requested_at.as_deref().unwrap_or(&at),
                                        ));
                                        changes.push(c);
                                    }
                                    // Never requested (found, or its request failed): data left.
                                    Some((ItemState::Found | ItemState::Failed, _)) => {
                                        pass.traces_present += 1;
                                    }
                                    _ => {
                                        pass.traces_present += 1;
                                        changes.push(
                                            Change::new(
                                                Place::ExperimentTraces,
                                                key.trace_id,
                                                ItemState::StillPresent,
                                            )
                                            .because(
                                                "still listed; its deletion was never accepted",
                                            ),
                                        );
                                    }
                                }
                            }
                            TraceState::StillPresent { requested: false } => {
                                pass.traces_present += 1;
                                match held_item {
                                    Some(i) if i.state != ItemState::Excluded => {}
                                    Some(_) => changes.push(
                                        Change::new(
                                            Place::ExperimentTraces,
                                            key.trace_id,
                                            ItemState::Found,
                                        )
                                        .because("listed again as a copy"),
                                    ),
                                    None => {
                                        let t = report
                                            .listing()
                                            .traces()
                                            .iter()
                                            .find(|t| t.key == *key);
                                        let refs = t
                                            .map(|t| t.reference_example_ids.clone())
                                            .unwrap_or_default();
                                        let mut matched: Vec<String> = refs
                                            .iter()
                                            .filter_map(|e| found_examples.get(e))
                                            .flatten()
                                            .cloned()
                                            .collect();
                                        matched.sort();
                                        matched.dedup();
                                        new_items.push(Item {
                                            session_id: Some(key.session_id),
                                            examples: refs,
                                            matched,
                                            ..Item::new(
                                                Place::ExperimentTraces,
                                                key.trace_id,
                                                ItemState::Found,
                                                &at,
                                            )
                                        });
                                    }
                                }
                            }
                        }
                    }
                    dir.apply(&changes, &at)?;
                    let listing = report.listing();
                    let w = listing.window();
                    let record = PlaceRecord {
                        place: Place::ExperimentTraces,
                        state: PlaceState::Complete,
                        started_at,
                        finished_at: now(),
                        asked: Asked {
                            identifiers: 0,
                            containers: scope.example_ids().len() as u64,
                            queries: listing.http_requests(),
                        },
                        answered: Answered {
                            counted: 0,
                            listed: listing.runs() + listing.excluded().len() as u64,
                            matched: listing.runs(),
                            excluded: listing.excluded().len() as u64,
                            new_items: 0,
                        },
                        problems: Vec::new(),
                        runs_api: Some(listing.api().as_str().to_owned()),
                        window: Some(Window {
                            min_start_time: rfc3339(w.min_start_time),
                            max_start_time: rfc3339(w.max_start_time),
                        }),
                    };
                    pass.new_items += dir.record_place(record, new_items, &now())?;
                }
                Err(e) => {
                    pass.problems.push(format!(
                        "experiment traces read-back: failed ({})",
                        e.kind().as_str()
                    ));
                    error.get_or_insert(e);
                }
            }
        }
    }
    // 4. Traces found by content, feedback and share links read back, and those places
    //    searched again.
    Box::pin(crate::verify_more::read_back(
        client, dir, who, &mut pass, &mut error, now,
    ))
    .await?;
    let options = crate::find::FindOptions {
        beyond_examples: true,
        fresh: true,
        scan: dir.case().found_with_scan,
        ..crate::find::FindOptions::default()
    };
    for s in Box::pin(crate::find::all(client, dir, who, &options, now)).await? {
        pass.new_items += s.new;
        if s.state == PlaceState::Incomplete {
            pass.problems
                .push(format!("{}: the search again is incomplete", s.place));
        }
        if let Some(e) = s.error {
            error.get_or_insert(e);
        }
    }
    pass.at = now();
    dir.record_pass(pass.clone(), &pass.at)?;
    let verdict = verdict(dir.case(), &pass);
    Ok(Verified {
        pass,
        verdict,
        error,
    })
}
