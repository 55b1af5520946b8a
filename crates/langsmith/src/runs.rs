//! Requesting the deletion of the traces that copied an example ([`Client::delete_traces`],
//! on the shared batch engine). Finding them and reading back whether they are gone is
//! `runs_query.rs` ([`Client::traces_referencing`], [`Client::verify_traces_gone`]).
//!
//! `evaluate()` traces its target with `reference_example_id` set to the example, in the
//! experiment's session; the child runs of that trace hold prompts built from the
//! example's inputs. Deleting the example leaves them all.
//!
//! A trace deletion is queued by the service (it answers 202 `{"message": "Run deletes
//! queued"}`, langchain-ai/langsmith-sdk issue 2077) and carried out later, with no
//! confirmation: a 2xx is [`TraceOutcome::DeletionRequested`], never "gone". Only a later
//! runs query that no longer lists the trace ([`crate::TraceState::Gone`]) says it is gone.

use crate::call::{Call, Callback, RequestRecord, stops_the_run};
use crate::client::Client;
use crate::engine;
use crate::error::{Error, ErrorKind};
use langsmith_api::hooks;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use uuid::Uuid;

/// Trace ids per runs delete request: the service takes at most 1,000 (LangSmith's
/// data-deletion guide; the spec states no limit).
pub const MAX_TRACE_IDS: usize = 1000;

/// A trace, the unit a runs delete names: its session and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceKey {
    /// The session the trace is in (one session per delete request).
    pub session_id: Uuid,
    /// The trace id (its root run's id).
    pub trace_id: Uuid,
}

impl fmt::Display for TraceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trace {} in session {}", self.trace_id, self.session_id)
    }
}

// ---------------------------------------------------------------------------------------
// Requesting the deletion of traces

/// What became of one trace's deletion. Exhaustive on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TraceOutcome {
    /// A 2xx answered the request naming it: the service queued its deletion. Not gone
    /// until a runs query no longer lists it ([`Client::verify_traces_gone`]).
    DeletionRequested,
    /// Its request failed (after retries) with this kind of error.
    Failed(ErrorKind),
    /// Never sent (cancelled, or the run stopped first).
    NotAttempted,
}

impl TraceOutcome {
    /// `deletion_requested`, `failed`, `not_attempted`.
    pub fn as_str(self) -> &'static str {
        match self {
            TraceOutcome::DeletionRequested => "deletion_requested",
            TraceOutcome::Failed(_) => "failed",
            TraceOutcome::NotAttempted => "not_attempted",
        }
    }
}

impl fmt::Display for TraceOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceOutcome::Failed(kind) => write!(f, "failed ({kind})"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Called once per finished trace deletion request, with it and the traces it settled
/// (each with its outcome): what a journal records.
pub type TraceDeleteCallback =
    Callback<dyn Fn(&TraceDeleteRequest, &[(TraceKey, TraceOutcome)]) + Send + Sync>;

impl TraceDeleteCallback {
    /// Wraps a function called with each finished trace deletion request and the traces
    /// it settled.
    pub fn new(
        f: impl Fn(&TraceDeleteRequest, &[(TraceKey, TraceOutcome)]) + Send + Sync + 'static,
    ) -> Self {
        Callback::from_arc(Arc::new(f))
    }
}

/// How [`Client::delete_traces`] runs.
#[derive(Clone, Debug)]
pub struct TraceDeleteOptions {
    /// Trace ids per request, at most [`MAX_TRACE_IDS`] (the default).
    pub batch_size: usize,
    /// Requests in flight at once (default 4).
    pub concurrency: usize,
    /// Called as each request finishes.
    pub on_request: Option<TraceDeleteCallback>,
    /// When set, no new request starts once it is true.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for TraceDeleteOptions {
    fn default() -> Self {
        TraceDeleteOptions {
            batch_size: MAX_TRACE_IDS,
            concurrency: 4,
            on_request: None,
            cancel: None,
        }
    }
}

/// One runs delete request (retries included): the common record, plus its session and
/// the answer's message.
pub type TraceDeleteRequest = RequestRecord<TraceDeletion>;

/// What a runs delete request named and its answer said, beside the common record: read
/// through [`TraceDeleteRequest`]'s accessors.
#[derive(Debug)]
pub struct TraceDeletion {
    session_id: Uuid,
    message: Option<String>,
}

impl RequestRecord<TraceDeletion> {
    /// The session it named.
    pub fn session_id(&self) -> Uuid {
        self.extra.session_id
    }
    /// Trace ids it carried ([`RequestRecord::ids_sent`]).
    pub fn traces(&self) -> usize {
        self.ids_sent()
    }
    /// The answer's `message` (`Run deletes queued`), when it had one.
    pub fn message(&self) -> Option<&str> {
        self.extra.message.as_deref()
    }
}

/// Per-trace outcomes of [`Client::delete_traces`], sorted by key.
#[derive(Debug)]
pub struct TraceDeleteReport {
    keys: Vec<TraceKey>,
    outcomes: Vec<TraceOutcome>,
    settled_by: Vec<u32>,
    requests: Vec<TraceDeleteRequest>,
    stopped_by: Option<ErrorKind>,
    cancelled: bool,
}

impl TraceDeleteReport {
    /// Every trace with its outcome.
    pub fn outcomes(&self) -> impl Iterator<Item = (&TraceKey, TraceOutcome)> + '_ {
        self.keys.iter().zip(self.outcomes.iter().copied())
    }
    /// The traces, sorted, unique.
    pub fn keys(&self) -> &[TraceKey] {
        &self.keys
    }
    /// The outcome of one trace.
    pub fn outcome_of(&self, key: &TraceKey) -> Option<TraceOutcome> {
        self.keys.binary_search(key).ok().map(|i| self.outcomes[i])
    }
    /// The request that settled a trace (none when not attempted).
    pub fn settled_by(&self, key: &TraceKey) -> Option<&TraceDeleteRequest> {
        let i = self.keys.binary_search(key).ok()?;
        self.requests.get(self.settled_by[i] as usize)
    }
    /// Traces whose deletion was requested.
    pub fn requested(&self) -> usize {
        self.count(|o| o == TraceOutcome::DeletionRequested)
    }
    /// Traces whose request failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, TraceOutcome::Failed(_)))
    }
    /// Traces never sent.
    pub fn not_attempted(&self) -> usize {
        self.count(|o| o == TraceOutcome::NotAttempted)
    }
    fn count(&self, f: impl Fn(TraceOutcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(**o)).count()
    }
    /// Every request, in order of completion.
    pub fn requests(&self) -> &[TraceDeleteRequest] {
        &self.requests
    }
    /// HTTP requests made, retries included.
    pub fn http_requests(&self) -> u64 {
        self.requests.iter().map(|r| u64::from(r.attempts())).sum()
    }
    /// The error kind that stopped the run (401, a redirect, TLS, a wrong endpoint).
    pub fn stopped_by(&self) -> Option<ErrorKind> {
        self.stopped_by
    }
    /// Whether the cancel flag stopped the run.
    pub fn cancelled(&self) -> bool {
        self.cancelled
    }
}

impl Client {
    /// Requests the deletion of traces (`POST /api/v1/runs/delete`): one session per
    /// request, at most [`TraceDeleteOptions::batch_size`] trace ids each, bounded
    /// concurrency, the client's retries and rate limit, on the same batch engine (and
    /// stop rules) as [`Client::hard_delete_all`]. Duplicates are sent once.
    ///
    /// Any 2xx is [`TraceOutcome::DeletionRequested`]: the service queues the deletion
    /// and confirms nothing, so only [`Client::verify_traces_gone`] can say a trace is
    /// gone. Fails only for invalid options.
    pub async fn delete_traces(
        &self,
        traces: impl IntoIterator<Item = TraceKey>,
        options: &TraceDeleteOptions,
    ) -> Result<TraceDeleteReport, Error> {
        if !(1..=MAX_TRACE_IDS).contains(&options.batch_size) {
            return Err(crate::error::ConfigError::setting(
                "trace batch size",
                format!("{} is outside 1..={MAX_TRACE_IDS}", options.batch_size),
            )
            .into());
        }
        if options.concurrency == 0 {
            return Err(
                crate::error::ConfigError::setting("concurrency", "must be at least 1").into(),
            );
        }
        let mut keys: Vec<TraceKey> = traces.into_iter().collect();
        keys.sort_unstable();
        keys.dedup();
        // A batch never crosses a session, nor holds more than the batch size.
        let mut starts = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let new_session = i == 0 || keys[i - 1].session_id != key.session_id;
            let full = starts
                .last()
                .is_some_and(|s: &usize| i - s >= options.batch_size);
            if new_session || full {
                starts.push(i);
            }
        }
        let span =
            tracing::info_span!("delete_traces", traces = keys.len(), batches = starts.len());
        let op = DeleteTraces {
            client: self,
            options,
        };
        let run = engine::run_in(
            &op,
            keys,
            starts,
            &engine::Settings {
                batch_size: options.batch_size,
                concurrency: options.concurrency,
                fail_fast: false,
                cancel: options.cancel.as_deref(),
            },
            span,
        )
        .await;
        Ok(TraceDeleteReport {
            keys: run.ids,
            outcomes: run.outcomes,
            settled_by: run.settled_by,
            requests: run.records,
            stopped_by: run.stopped_by,
            cancelled: run.cancelled,
        })
    }
}

/// Requesting trace deletions, as a batch operation: one runs delete per set (one
/// session), any 2xx mapped to a request, never to "gone".
struct DeleteTraces<'a> {
    client: &'a Client,
    options: &'a TraceDeleteOptions,
}

impl engine::BatchOp for DeleteTraces<'_> {
    type Key = TraceKey;
    type Outcome = TraceOutcome;
    type Extra = TraceDeletion;
    const NOT_ATTEMPTED: TraceOutcome = TraceOutcome::NotAttempted;

    fn finished(&self, request: &mut TraceDeleteRequest, settled: &[(TraceKey, TraceOutcome)]) {
        if let Some(cb) = &self.options.on_request {
            cb(request, settled);
        }
    }

    async fn send(
        &self,
        batch: usize,
        set: Vec<TraceKey>,
        cancel: Option<&AtomicBool>,
    ) -> engine::Step<TraceKey, TraceOutcome, TraceDeletion> {
        let session_id = set[0].session_id;
        debug_assert!(set.iter().all(|k| k.session_id == session_id));
        let trace_ids: Vec<Uuid> = set.iter().map(|k| k.trace_id).collect();
        let client = self.client;
        let call = Call::new("delete_traces").ids(set.len()).cancel(cancel);
        let called = client
            .call(
                call,
                |_| {
                    let trace_ids = trace_ids.clone();
                    hooks::capture(
                        client
                            .api
                            .delete_runs_api_v1_runs_delete_post()
                            .body_map(|b| b.session_id(Some(session_id)).trace_ids(Some(trace_ids)))
                            .send(),
                    )
                },
                |rv, _| {
                    Ok((
                        rv.status().as_u16(),
                        hooks::request_id(rv.headers()),
                        rv.into_inner().message,
                    ))
                },
            )
            .await;
        let mut request = RequestRecord::of(
            batch,
            set.len(),
            &called,
            TraceDeletion {
                session_id,
                message: None,
            },
        );
        let (mut stops_run, mut failed) = (None, None);
        let outcome = match called.result {
            Ok((status, request_id, message)) => {
                request.answered(Some(status), request_id);
                request.extra.message = message;
                TraceOutcome::DeletionRequested
            }
            // A 2xx the spec does not name (the spec's own 200, say): the request was
            // taken; what it did is as unknown as after a 202.
            Err(e) if e.status().is_some_and(|s| (200..300).contains(&s)) => {
                TraceOutcome::DeletionRequested
            }
            Err(e) => {
                let kind = e.kind();
                if stops_the_run(&e) {
                    stops_run = Some(kind);
                }
                failed = Some(kind);
                tracing::warn!(batch, %session_id, traces = set.len(), error = %e, "trace deletion request failed");
                request.failed(e);
                TraceOutcome::Failed(kind)
            }
        };
        engine::Step {
            settled: set.into_iter().map(|k| (k, outcome)).collect(),
            resend: Vec::new(),
            record: request,
            stops_run,
            failed,
        }
    }
}

/// The futures are `Send`: they run on a multi-threaded runtime.
#[allow(dead_code)]
fn futures_are_send(c: &Client, d: &TraceDeleteOptions) {
    fn is_send<T: Send>(_: &T) {}
    is_send(&c.delete_traces(Vec::new(), d));
}
