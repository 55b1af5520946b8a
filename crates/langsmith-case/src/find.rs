//! The searches of a case, place by place: read-only, each returning what it asked and
//! what came back ([`Search`]), for [`crate::case::CaseDir::record_place`].

use crate::case::{
    Answered, Asked, Case, Identified, Item, ItemState, Place, PlaceRecord, PlaceState, Transition,
    Window,
};
use langsmith::{Client, Error, ExampleQuery, Exclusion, RunsOptions, Uuid};
use std::collections::BTreeMap;

/// Records why a place is incomplete (`what`: which container): the error's kind, or a
/// cut-off listing's own words (which listing, where), never content. Returns the error
/// when it should decide the exit status (not a cut-off listing nor an unreadable
/// example, which only make the place incomplete).
fn problem(e: Error, what: &str, problems: &mut Vec<String>) -> Option<Error> {
    problems.push(match &e {
        Error::Paging(p) => format!("{what}: {p}"),
        other => format!("{what}: failed ({})", other.kind().as_str()),
    });
    (!matches!(e, Error::Paging(_) | Error::NameResolution(_))).then_some(e)
}

/// One place searched: the record, the items, and the first error that was not a cut-off
/// listing (an authentication or connection failure decides the exit status).
#[derive(Debug)]
pub struct Search {
    pub record: PlaceRecord,
    pub items: Vec<Item>,
    pub error: Option<Error>,
}

/// Examples in every dataset: every dataset listed (every page), then per dataset and
/// identifier an examples listing with `contains` ([`ExampleQuery::contains`]: the
/// server's `full_text_contains`, and every listed row re-checked here, the identifier
/// folded as `--contains` folds, in a string value or key of its inputs or outputs).
/// Rows that pass are items `found`; rows that fail are `excluded` with the check they
/// failed, never to be erased. A listing that failed or was cut off, and a dataset's
/// listing holding another dataset's rows, make the place `incomplete`.
///
/// `now` gives the time (RFC 3339) for the record and the items' history.
pub async fn examples(client: &Client, who: &Identified, now: &dyn Fn() -> String) -> Search {
    let started_at = now();
    let mut asked = Asked {
        identifiers: who.len() as u64,
        ..Asked::default()
    };
    let mut answered = Answered::default();
    let mut problems = Vec::new();
    let mut items = Vec::new();
    let mut error = None;
    let mut note = |e: Error, what: String, problems: &mut Vec<String>| {
        if let Some(e) = problem(e, &what, problems) {
            error.get_or_insert(e);
        }
    };
    let datasets = match client.all_datasets().await {
        Ok(d) => d,
        Err(e) => {
            note(e, "the datasets listing".into(), &mut problems);
            Vec::new()
        }
    };
    asked.containers = datasets.len() as u64;
    for dataset in &datasets {
        for (hash, identifier) in who.iter() {
            asked.queries += 1;
            let query = ExampleQuery::new()
                .dataset(dataset.id)
                .contains(identifier.text());
            let selection = match client.select(&query).await {
                Ok(s) => s,
                Err(e) => {
                    note(e, format!("dataset {}", dataset.id), &mut problems);
                    continue;
                }
            };
            answered.counted += selection.counted;
            answered.listed += selection.listed();
            answered.matched += selection.selected.len() as u64;
            answered.excluded += selection.excluded.len() as u64;
            let at = now();
            let item = |id, state, reason: Option<Exclusion>| Item {
                place: Place::Examples,
                id,
                dataset_id: Some(dataset.id),
                session_id: None,
                examples: Vec::new(),
                matched: vec![hash.to_owned()],
                state,
                reason: reason.map(|r| r.as_str().to_owned()),
                history: vec![Transition {
                    at: at.clone(),
                    state,
                }],
                look_again: None,
            };
            for id in &selection.selected {
                items.push(item(*id, ItemState::Found, None));
            }
            for (id, reason) in &selection.excluded {
                items.push(item(*id, ItemState::Excluded, Some(*reason)));
            }
            let foreign = selection
                .excluded
                .iter()
                .filter(|(_, r)| *r == Exclusion::DatasetMismatch)
                .count();
            if foreign > 0 {
                problems.push(format!(
                    "dataset {}: the listing returned {foreign} rows of another dataset",
                    dataset.id
                ));
            }
        }
    }
    let state = if problems.is_empty() {
        PlaceState::Complete
    } else {
        PlaceState::Incomplete
    };
    Search {
        record: PlaceRecord {
            place: Place::Examples,
            state,
            started_at,
            finished_at: now(),
            asked,
            answered,
            problems,
            runs_api: None,
            window: None,
        },
        items,
        error,
    }
}

/// The experiment traces that copied the examples the case found: every trace with a run
/// whose `reference_example_id` is one of them ([`Client::example_scope`] for their
/// datasets and creation times, then [`Client::traces_referencing`]: the v2 runs query,
/// v1 only where v2 is missing, an explicit window from the examples' creation, each run
/// re-checked by its reference). A trace made from the person's example is a copy
/// whatever it holds now, so no identifier is sent: the items' `matched` are the hashes of
/// the examples they reference. Runs the check refused are items `excluded`. A lookup
/// that failed makes the place `incomplete` (it finds nothing then).
pub async fn experiment_traces(client: &Client, case: &Case, now: &dyn Fn() -> String) -> Search {
    let started_at = now();
    let found: BTreeMap<Uuid, Vec<String>> = case
        .items
        .iter()
        .filter(|i| i.place == Place::Examples && i.state == ItemState::Found)
        .map(|i| (i.id, i.matched.clone()))
        .collect();
    let mut record = PlaceRecord {
        place: Place::ExperimentTraces,
        state: PlaceState::Complete,
        started_at,
        finished_at: String::new(),
        asked: Asked {
            identifiers: 0,
            containers: found.len() as u64,
            queries: 0,
        },
        answered: Answered::default(),
        problems: Vec::new(),
        runs_api: None,
        window: None,
    };
    let mut items = Vec::new();
    let mut error = None;
    let lookup = async {
        let scope = client.example_scope(found.keys().copied()).await?;
        client
            .traces_referencing(&scope, &RunsOptions::default())
            .await
    };
    match lookup.await {
        Ok(traces) => {
            let at = now();
            let rfc3339 = |t: std::time::SystemTime| {
                chrono::DateTime::<chrono::Utc>::from(t)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            };
            record.asked.queries = traces.http_requests();
            record.runs_api = Some(traces.api().as_str().to_owned());
            record.window = Some(Window {
                min_start_time: rfc3339(traces.window().min_start_time),
                max_start_time: rfc3339(traces.window().max_start_time),
            });
            record.answered.listed = traces.runs() + traces.excluded().len() as u64;
            record.answered.matched = traces.runs();
            record.answered.excluded = traces.excluded().len() as u64;
            for t in traces.traces() {
                let mut matched: Vec<String> = t
                    .reference_example_ids
                    .iter()
                    .filter_map(|e| found.get(e))
                    .flatten()
                    .cloned()
                    .collect();
                matched.sort();
                matched.dedup();
                items.push(Item {
                    place: Place::ExperimentTraces,
                    id: t.key.trace_id,
                    dataset_id: None,
                    session_id: Some(t.key.session_id),
                    examples: t.reference_example_ids.clone(),
                    matched,
                    state: ItemState::Found,
                    reason: None,
                    history: vec![Transition {
                        at: at.clone(),
                        state: ItemState::Found,
                    }],
                    look_again: None,
                });
            }
            for run in traces.excluded() {
                items.push(Item {
                    place: Place::ExperimentTraces,
                    id: run.trace_id,
                    dataset_id: None,
                    session_id: Some(run.session_id),
                    examples: Vec::new(),
                    matched: Vec::new(),
                    state: ItemState::Excluded,
                    reason: Some("reference_mismatch".to_owned()),
                    history: vec![Transition {
                        at: at.clone(),
                        state: ItemState::Excluded,
                    }],
                    look_again: None,
                });
            }
        }
        Err(e) => {
            error = problem(e, "the runs lookup", &mut record.problems);
            record.state = PlaceState::Incomplete;
        }
    }
    record.finished_at = now();
    Search {
        record,
        items,
        error,
    }
}
