//! `--with-runs`: the experiment traces that copied the examples, found by the runs query
//! (every run re-checked), their deletion requested (never called gone), read back.

use crate::model::traces::TraceRun;
use crate::util::Tick;
use langsmith::{
    Client, Error, RunsOptions, TraceDeleteOptions, TraceKey, TraceVerifyReport, TracesFound, Uuid,
};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn runs_options(concurrency: usize, cancel: &Arc<AtomicBool>) -> RunsOptions {
    RunsOptions {
        concurrency,
        cancel: Some(cancel.clone()),
        ..RunsOptions::default()
    }
}

/// Finds the traces referencing `examples`.
pub(crate) async fn find(
    client: &Client,
    examples: &[Uuid],
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<TracesFound, Error> {
    client
        .traces_referencing(examples.iter().copied(), &runs_options(concurrency, cancel))
        .await
}

/// Finds the traces referencing `examples` and requests their deletion; `progress` makes
/// the progress of the deletion requests from their number of traces.
pub(crate) async fn find_and_delete(
    client: &Client,
    examples: Vec<Uuid>,
    concurrency: usize,
    progress: &dyn Fn(u64) -> Arc<dyn Tick>,
    cancel: &Arc<AtomicBool>,
) -> TraceRun {
    let found = find(client, &examples, concurrency, cancel).await;
    let deletion = match &found {
        Ok(f) if !f.traces().is_empty() => {
            let progress = progress(f.traces().len() as u64);
            let bar = progress.clone();
            let options = TraceDeleteOptions {
                concurrency,
                on_request: Some(Arc::new(move |r: &langsmith::TraceDeleteRequest| {
                    bar.inc(r.traces() as u64)
                })),
                cancel: Some(cancel.clone()),
                ..TraceDeleteOptions::default()
            };
            let report = client
                .delete_traces(f.keys(), &options)
                .await
                .expect("trace deletion has no invalid options");
            progress.finish();
            Some(report)
        }
        _ => None,
    };
    TraceRun {
        examples: examples.len(),
        found,
        deletion,
    }
}

/// Reads back whether the traces referencing `examples` are gone.
pub(crate) async fn verify(
    client: &Client,
    examples: &[Uuid],
    requested: Vec<TraceKey>,
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<TraceVerifyReport, Error> {
    client
        .verify_traces_gone(
            examples.iter().copied(),
            requested,
            &runs_options(concurrency, cancel),
        )
        .await
}
