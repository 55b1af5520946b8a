//! The searches of a case, place by place: read-only, each returning what it asked and
//! what came back ([`Search`]), for [`crate::case::CaseDir::record_place`].

use crate::case::{
    Answered, Asked, Identified, Item, ItemState, Place, PlaceRecord, PlaceState, Transition,
};
use langsmith::{Client, Error, ExampleQuery, Exclusion};

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
        problems.push(match &e {
            Error::Paging(p) => format!("{what}: the listing did not end normally ({p})"),
            other => format!("{what}: failed ({})", other.kind().as_str()),
        });
        if !matches!(e, Error::Paging(_)) && error.is_none() {
            error = Some(e);
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
                example_id: None,
                matched: vec![hash.to_owned()],
                state,
                reason: reason.map(|r| r.as_str().to_owned()),
                history: vec![Transition {
                    at: at.clone(),
                    state,
                }],
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
        },
        items,
        error,
    }
}
