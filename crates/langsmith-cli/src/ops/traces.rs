//! `--with-runs`: the experiment traces that copied the examples, found by the runs query
//! (every run re-checked), their deletion requested (never called gone), read back.

use crate::model::traces::{Recorded, TraceRun};
use crate::util::Tick;
use langsmith::{
    Client, Error, ExampleScope, RunsOptions, TraceDeleteOptions, TraceKey, TraceVerifyReport,
    TracesFound, Uuid,
};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The options and scope of a lookup: with an earlier report's lookup (`recorded`), its
/// API, window and datasets; else the examples' scope is read and the window covers
/// them.
async fn scope_of(
    client: &Client,
    examples: &[Uuid],
    recorded: Option<&Recorded>,
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<(ExampleScope, RunsOptions), Error> {
    let mut options = RunsOptions {
        concurrency,
        cancel: Some(cancel.clone()),
        ..RunsOptions::default()
    };
    let scope = match recorded {
        Some(r) => {
            options.window = Some(r.window);
            options.api = r.api;
            ExampleScope::spanning(
                r.datasets.iter().copied(),
                examples.iter().copied(),
                r.window.min_start_time,
            )
        }
        None => client.example_scope(examples.iter().copied()).await?,
    };
    Ok((scope, options))
}

/// Finds the traces referencing `examples`.
pub(crate) async fn find(
    client: &Client,
    examples: &[Uuid],
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<TracesFound, Error> {
    let (scope, options) = scope_of(client, examples, None, concurrency, cancel).await?;
    client.traces_referencing(&scope, &options).await
}

/// Requests the deletion of the traces `found` (the lookup for `examples` examples);
/// `progress` makes the progress of the deletion requests from their number of traces.
pub(crate) async fn request_deletion(
    client: &Client,
    examples: usize,
    found: Result<TracesFound, Error>,
    concurrency: usize,
    progress: &dyn Fn(u64) -> Arc<dyn Tick>,
    cancel: &Arc<AtomicBool>,
) -> TraceRun {
    let deletion = match &found {
        Ok(f) if !f.traces().is_empty() => {
            let progress = progress(f.traces().len() as u64);
            let bar = progress.clone();
            let options = TraceDeleteOptions {
                concurrency,
                on_request: Some(langsmith::TraceDeleteCallback::new(
                    move |r: &langsmith::TraceDeleteRequest| bar.inc(r.traces() as u64),
                )),
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
        examples,
        found,
        deletion,
    }
}

/// Reads back whether the traces referencing `examples` are gone, asking what `recorded`
/// (the deletion's lookup) asked when given.
pub(crate) async fn verify(
    client: &Client,
    examples: &[Uuid],
    requested: Vec<TraceKey>,
    recorded: Option<&Recorded>,
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<TraceVerifyReport, Error> {
    let (scope, options) = scope_of(client, examples, recorded, concurrency, cancel).await?;
    client.verify_traces_gone(&scope, requested, &options).await
}
