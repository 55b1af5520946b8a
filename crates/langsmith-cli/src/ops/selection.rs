//! Selecting: the server counts and lists, each listed row re-checked (by the facade);
//! a selection as a run's input.

use crate::model::exit::{self, Exit};
use crate::model::report;
use crate::model::report::excluded_rows;
use crate::model::selection::Selectors;
use crate::ops::connect::Target;
use crate::ops::input::Input;
use crate::util::Tick;
use futures_util::{FutureExt, StreamExt};
use langsmith::{Client, ExampleQuery, IdSet, Listed, Selection, Uuid};

/// The typed query of `selectors`; a dataset name is resolved to its id (one request).
pub(crate) async fn query(
    selectors: &Selectors,
    client: &Client,
    prefetch: usize,
) -> Result<ExampleQuery, Exit> {
    let s = selectors;
    let mut q = ExampleQuery::new().prefetch(prefetch);
    if let Some(d) = &s.dataset {
        let id = match Uuid::try_parse(d.trim()) {
            Ok(id) => id,
            Err(_) => {
                client
                    .dataset_by_name(d)
                    .await
                    .map_err(|e| exit::for_error("resolving --dataset", &e))?
                    .id
            }
        };
        q = q.dataset(id);
    }
    for c in &s.contains {
        q = q.contains(c.clone());
    }
    if let Some(m) = &s.metadata
        && let Ok(serde_json::Value::Object(map)) = serde_json::from_str(m)
    {
        q = q.metadata(map);
    }
    if let Some(f) = &s.filter {
        q = q.filter(f.clone());
    }
    for split in &s.split {
        q = q.split(split.clone());
    }
    Ok(q)
}

/// Counts, then lists every selected id (each once), calling `each` as ids pass the
/// client's check and `idle` whenever the listing waits for the server. A listing that
/// does not end normally is an error: nothing it listed is returned.
pub(crate) async fn select_ids(
    client: &Client,
    query: &ExampleQuery,
    progress: &dyn Tick,
    mut each: impl FnMut(&Uuid),
    mut idle: impl FnMut(),
) -> Result<Selection, Exit> {
    let counted = client
        .count_examples(query)
        .await
        .map_err(|e| exit::for_error("counting the selection", &e))?;
    progress.set_total(counted);
    let mut selection = Selection::new(counted);
    let query = query.clone().counted(counted);
    let mut stream = std::pin::pin!(client.examples(&query));
    loop {
        let item = match stream.next().now_or_never() {
            Some(item) => item,
            None => {
                idle();
                stream.next().await
            }
        };
        let Some(item) = item else { break };
        let row = item.map_err(|e| exit::for_error("listing the selection", &e))?;
        if let Listed::Selected(example) = &row {
            each(&example.id);
        }
        if !matches!(row, Listed::Repeated(_)) {
            progress.inc(1);
        }
        selection.push(&row);
    }
    Ok(selection)
}

/// The ids the selectors match: the server counts, then lists them (see [`as_input`]).
pub(crate) async fn select(
    target: &Target,
    selectors: &Selectors,
    concurrency: usize,
    progress: &dyn Tick,
) -> Result<(ExampleQuery, Selection), Exit> {
    let query = query(selectors, &target.client, concurrency).await?;
    let selection = select_ids(&target.client, &query, progress, |_| {}, || {}).await;
    progress.finish();
    Ok((query, selection?))
}

/// A selection as the run's input, with its evidence.
pub(crate) fn as_input(
    query: &ExampleQuery,
    selection: Selection,
    selectors: &Selectors,
    recorder: &report::Recorder,
) -> Input {
    // The selection's evidence: the sha256 of the ids as `select` prints them.
    let (sha256, bytes) = {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut buf = [0u8; 37];
        for id in &selection.selected {
            let text = id.hyphenated().encode_lower(&mut buf[..36]);
            let len = text.len();
            buf[len] = b'\n';
            hasher.update(&buf[..=len]);
        }
        (
            Some(format!("{:x}", hasher.finalize())),
            selection.selected.len() as u64 * 37,
        )
    };
    let n = selection.selected.len() as u64;
    Input {
        sources: vec![report::InputSource {
            source: format!("selection: {}", selectors.describe_with(recorder)),
            sha256,
            bytes,
            lines: n,
        }],
        lines: n,
        selection: Some(report::SelectionInfo {
            selectors: selectors.describe_with(recorder),
            dataset: selectors.dataset.clone(),
            dataset_id: query.dataset_id(),
            server_evaluated: query
                .server_evaluated()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            counted: selection.counted,
            listed: selection.listed(),
            selected: n,
            excluded: excluded_rows(&selection),
            samples: selection.selected.iter().take(5).copied().collect(),
        }),
        set: IdSet::from_uuids(selection.selected),
    }
}
