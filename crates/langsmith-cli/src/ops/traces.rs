//! `--with-runs`: the experiment traces that copied the examples, found by the runs query
//! (every run re-checked), their deletion requested (never called gone), read back.

use crate::model::traces::{JournaledTrace, Recorded, TraceRun};
use crate::ops::journal;
use crate::util::{Tick, rfc3339};
use langsmith::{
    AsOf, Client, Error, ExampleScope, RunsOptions, TraceDeleteOptions, TraceKey, TraceOutcome,
    TraceVerifyReport, TracesFound, Uuid,
};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

/// The options and scope of a lookup: with an earlier report's lookup (`recorded`), its
/// API, window and datasets; else the examples' scope is read (an example no longer
/// listed as of each of `before_deletion` in turn: deleted examples are) and the window
/// covers them.
async fn scope_of(
    client: &Client,
    examples: &[Uuid],
    recorded: Option<&Recorded>,
    before_deletion: &[AsOf],
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
        None => {
            client
                .example_scope_before(examples.iter().copied(), before_deletion)
                .await?
        }
    };
    Ok((scope, options))
}

/// Finds the traces referencing `examples` (deleted ones read as of `before_deletion`).
pub(crate) async fn find(
    client: &Client,
    examples: &[Uuid],
    before_deletion: &[AsOf],
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<TracesFound, Error> {
    let (scope, options) =
        scope_of(client, examples, None, before_deletion, concurrency, cancel).await?;
    client.traces_referencing(&scope, &options).await
}

/// A run's journal, for the traces: what earlier runs requested, and where this run's
/// accepted requests go (the journal's writer).
pub(crate) struct TraceJournal {
    pub earlier: Vec<JournaledTrace>,
    pub sender: Option<Sender<journal::Entry>>,
}

/// Requests the deletion of the traces `found` (the lookup for `examples` examples),
/// except those the journal holds (an earlier run's requests, not sent again); each
/// request the server accepts goes to the journal as a `traces_requested` entry.
/// `progress` makes the progress of the deletion requests from their number of traces.
pub(crate) async fn request_deletion(
    client: &Client,
    examples: usize,
    found: Result<TracesFound, Error>,
    TraceJournal {
        earlier: journaled,
        sender: journal,
    }: TraceJournal,
    concurrency: usize,
    progress: &dyn Fn(u64) -> Arc<dyn Tick>,
    cancel: &Arc<AtomicBool>,
) -> TraceRun {
    let run = TraceRun {
        examples,
        journaled,
        found,
        deletion: None,
    };
    let to_request: Vec<TraceKey> = match &run.found {
        Ok(f) => f
            .keys()
            .into_iter()
            .filter(|k| run.journaled_request(k).is_none())
            .collect(),
        Err(_) => Vec::new(),
    };
    if to_request.is_empty() {
        return run;
    }
    let progress = progress(to_request.len() as u64);
    let bar = progress.clone();
    let options = TraceDeleteOptions {
        concurrency,
        on_request: Some(langsmith::TraceDeleteCallback::new(
            move |r: &langsmith::TraceDeleteRequest, settled: &[(TraceKey, TraceOutcome)]| {
                let accepted: Vec<Uuid> = settled
                    .iter()
                    .filter(|(_, o)| *o == TraceOutcome::DeletionRequested)
                    .map(|(k, _)| k.trace_id)
                    .collect();
                if let Some(journal) = &journal
                    && !accepted.is_empty()
                {
                    let _ = journal.send(journal::Entry {
                        t: rfc3339(r.finished()),
                        outcome: "traces_requested".into(),
                        request: r.index(),
                        request_id: r.request_id().map(str::to_owned),
                        count: None,
                        ids: accepted,
                        session_id: Some(r.session_id()),
                    });
                }
                bar.inc(r.traces() as u64)
            },
        )),
        cancel: Some(cancel.clone()),
        ..TraceDeleteOptions::default()
    };
    let report = client
        .delete_traces(to_request, &options)
        .await
        .expect("trace deletion has no invalid options");
    progress.finish();
    TraceRun {
        deletion: Some(report),
        ..run
    }
}

/// Reads back whether the traces referencing `examples` are gone, asking what `recorded`
/// (the deletion's lookup) asked when given.
pub(crate) async fn verify(
    client: &Client,
    examples: &[Uuid],
    requested: Vec<TraceKey>,
    recorded: Option<&Recorded>,
    before_deletion: &[AsOf],
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<TraceVerifyReport, Error> {
    let (scope, options) = scope_of(
        client,
        examples,
        recorded,
        before_deletion,
        concurrency,
        cancel,
    )
    .await?;
    client.verify_traces_gone(&scope, requested, &options).await
}
