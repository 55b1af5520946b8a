//! The experiment traces that copied an example: finding them
//! ([`Client::runs_referencing`], [`Client::traces_referencing`]), requesting their
//! deletion ([`Client::delete_traces`], on the shared batch engine), and reading back
//! whether they are gone ([`Client::verify_traces_gone`]).
//!
//! `evaluate()` traces its target with `reference_example_id` set to the example, in the
//! experiment's session; the child runs of that trace hold prompts built from the
//! example's inputs. Deleting the example leaves them all. The runs query filters by
//! `reference_example`, but a server's filter is not trusted here, as for selections:
//! every listed run is re-checked, and a run whose `reference_example_id` is not one of
//! the ids asked about is [`ListedRun::Excluded`], never acted on.
//!
//! A trace deletion is queued by the service (it answers 202 `{"message": "Run deletes
//! queued"}`, langchain-ai/langsmith-sdk issue 2077) and carried out later, with no
//! confirmation: a 2xx is [`TraceOutcome::DeletionRequested`], never "gone". Only a later
//! runs query that no longer lists the trace ([`TraceState::Gone`]) says it is gone.

use crate::call::{Call, Callback, RequestRecord, stops_the_run};
use crate::client::{Client, map_error};
use crate::engine;
use crate::error::{Error, ErrorKind, PagingError, PagingReason};
use crate::retry;
use futures_util::{Stream, StreamExt, stream};
use langsmith_api::hooks;
use langsmith_api::types;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tracing::Instrument;
use uuid::Uuid;

/// Runs per page of the runs query: the spec's `limit` maximum.
pub const RUNS_PAGE_SIZE: usize = 100;

/// Trace ids per runs delete request: the service takes at most 1,000 (LangSmith's
/// data-deletion guide; the spec states no limit).
pub const MAX_TRACE_IDS: usize = 1000;

/// A run the runs query listed: the fields the client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunRef {
    /// The run.
    pub id: Uuid,
    /// Its trace (the root run's id).
    pub trace_id: Uuid,
    /// Its session (the experiment's project).
    pub session_id: Uuid,
    /// The example it evaluated, as the server gave it.
    pub reference_example_id: Option<Uuid>,
}

/// A listed run, as the client judged it. Exhaustive on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedRun {
    /// Its `reference_example_id` is one of the ids asked about.
    Referencing(RunRef),
    /// Listed, but its `reference_example_id` is none of them (or absent): a server that
    /// did not apply the filter. Never acted on.
    Excluded(RunRef),
}

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

/// A trace holding runs that reference examples asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// Its session and id.
    pub key: TraceKey,
    /// The examples its runs reference (sorted, unique; among the ids asked about).
    pub reference_example_ids: Vec<Uuid>,
    /// Runs of it listed.
    pub runs: usize,
}

/// How the runs of some examples are looked up.
#[derive(Clone)]
pub struct RunsOptions {
    /// Example ids per query (the `reference_example` filter); default 100.
    pub chunk: usize,
    /// Queries in flight at once (each pages on by its cursor); default 4.
    pub concurrency: usize,
    /// A listing that brings more unique runs than this many per example of its chunk is
    /// stopped with [`Error::Paging`] (a server paging without end); default 1,000.
    pub max_runs_per_example: usize,
    /// When set, no new page is asked for once it is true.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for RunsOptions {
    fn default() -> Self {
        RunsOptions {
            chunk: 100,
            concurrency: 4,
            max_runs_per_example: 1000,
            cancel: None,
        }
    }
}

impl fmt::Debug for RunsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunsOptions")
            .field("chunk", &self.chunk)
            .field("concurrency", &self.concurrency)
            .field("max_runs_per_example", &self.max_runs_per_example)
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

impl RunsOptions {
    fn validate(&self) -> Result<(), crate::error::ConfigError> {
        let bad = |what: &'static str, why: &str| {
            Err(crate::error::ConfigError::setting(what, why.to_owned()))
        };
        if self.chunk == 0 {
            return bad("runs chunk", "must be at least 1");
        }
        if self.concurrency == 0 {
            return bad("concurrency", "must be at least 1");
        }
        if self.max_runs_per_example == 0 {
            return bad("max runs per example", "must be at least 1");
        }
        Ok(())
    }
}

/// Every trace that references some examples, found by [`Client::traces_referencing`].
#[derive(Debug, Default)]
pub struct TracesFound {
    traces: Vec<Trace>,
    excluded: Vec<RunRef>,
    runs: u64,
    pages: u64,
    http_requests: u64,
}

impl TracesFound {
    /// The traces, sorted by session then trace id.
    pub fn traces(&self) -> &[Trace] {
        &self.traces
    }
    /// Their keys, sorted.
    pub fn keys(&self) -> Vec<TraceKey> {
        self.traces.iter().map(|t| t.key).collect()
    }
    /// Listed runs whose `reference_example_id` was none of the ids asked about (sorted,
    /// unique): excluded, never acted on.
    pub fn excluded(&self) -> &[RunRef] {
        &self.excluded
    }
    /// Unique runs listed that reference the ids.
    pub fn runs(&self) -> u64 {
        self.runs
    }
    /// Pages of the runs query answered.
    pub fn pages(&self) -> u64 {
        self.pages
    }
    /// HTTP requests made, retries included.
    pub fn http_requests(&self) -> u64 {
        self.http_requests
    }
}

/// One chunk's listing: its rows, and what it cost.
struct Chunk {
    result: Result<Vec<ListedRun>, Error>,
    pages: u64,
    attempts: u64,
}

/// One page of the runs query.
struct RunsPage {
    runs: Vec<RunRef>,
    next: Option<String>,
}

impl Client {
    /// One page of the runs query for `chunk`'s references, with retries.
    async fn runs_page(
        &self,
        chunk: &[Uuid],
        cursor: Option<&str>,
        cancel: Option<&AtomicBool>,
    ) -> (Result<RunsPage, Error>, u32) {
        retry::run(&self.retry, self.limiter(), cancel, |_attempt| async move {
            let call = self
                .api
                .query_runs_api_v1_runs_query_post()
                .body_map(|b| {
                    b.reference_example(Some(chunk.to_vec()))
                        .select(vec![
                            types::RunSelect::Id,
                            types::RunSelect::TraceId,
                            types::RunSelect::SessionId,
                            types::RunSelect::ReferenceExampleId,
                        ])
                        .limit(NonZeroU64::new(RUNS_PAGE_SIZE as u64).expect("non-zero"))
                        .cursor(cursor.map(str::to_owned))
                })
                .send();
            let (result, meta) = hooks::capture(call).await;
            match result {
                Ok(rv) => {
                    let page = rv.into_inner();
                    Ok(RunsPage {
                        runs: page
                            .runs
                            .iter()
                            .map(|r| RunRef {
                                id: r.id,
                                trace_id: r.trace_id,
                                session_id: r.session_id,
                                reference_example_id: r.reference_example_id,
                            })
                            .collect(),
                        next: page
                            .cursors
                            .get("next")
                            .cloned()
                            .flatten()
                            .filter(|c| !c.is_empty()),
                    })
                }
                Err(e) => Err(map_error(e, meta).await),
            }
        })
        .await
    }

    /// Every run of one chunk, over its cursor pages, each re-checked. Bounded: a cursor
    /// followed before, a full page with no run not listed before, or more unique runs
    /// than `max_runs_per_example` per id of the chunk end it with [`Error::Paging`].
    async fn chunk_runs(&self, chunk: Vec<Uuid>, options: &RunsOptions) -> Chunk {
        let cancel = options.cancel.as_deref();
        let cap = chunk.len().saturating_mul(options.max_runs_per_example) as u64;
        let mut seen: HashSet<Uuid> = HashSet::new();
        let mut cursors: HashSet<String> = HashSet::new();
        let mut rows = Vec::new();
        let (mut pages, mut attempts) = (0u64, 0u64);
        let mut cursor: Option<String> = None;
        let paging = |pages: u64, seen: usize, reason| {
            Error::Paging(PagingError::runs(pages, seen as u64, reason))
        };
        loop {
            if cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst)) {
                // Stopped before its last page: incomplete, so it finds (and proves)
                // nothing.
                return Chunk {
                    result: Err(paging(pages + 1, seen.len(), PagingReason::Cancelled)),
                    pages,
                    attempts,
                };
            }
            let (result, n) = self.runs_page(&chunk, cursor.as_deref(), cancel).await;
            attempts += u64::from(n);
            let page = match result {
                Ok(p) => p,
                Err(e) => {
                    return Chunk {
                        result: Err(e),
                        pages,
                        attempts,
                    };
                }
            };
            pages += 1;
            let full = page.runs.len() >= RUNS_PAGE_SIZE;
            let mut new = 0usize;
            for run in page.runs {
                if !seen.insert(run.id) {
                    continue;
                }
                new += 1;
                let ours = run
                    .reference_example_id
                    .is_some_and(|r| chunk.binary_search(&r).is_ok());
                rows.push(if ours {
                    ListedRun::Referencing(run)
                } else {
                    ListedRun::Excluded(run)
                });
            }
            let stop = if full && new == 0 {
                Some(PagingReason::NoNewIds)
            } else if seen.len() as u64 > cap {
                Some(PagingReason::PastCount { bound: cap })
            } else {
                match &page.next {
                    Some(c) if !cursors.insert(c.clone()) => Some(PagingReason::RepeatedCursor),
                    _ => None,
                }
            };
            if let Some(reason) = stop {
                return Chunk {
                    result: Err(paging(pages, seen.len(), reason)),
                    pages,
                    attempts,
                };
            }
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Chunk {
            result: Ok(rows),
            pages,
            attempts,
        }
    }

    fn runs_chunks<'a>(
        &'a self,
        ids: impl IntoIterator<Item = Uuid>,
        options: &'a RunsOptions,
    ) -> impl Stream<Item = Chunk> + 'a {
        let mut ids: Vec<Uuid> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let chunks: Vec<Vec<Uuid>> = ids
            .chunks(options.chunk.max(1))
            .map(<[Uuid]>::to_vec)
            .collect();
        stream::iter(chunks.into_iter().enumerate())
            .map(move |(i, chunk)| {
                self.chunk_runs(chunk, options)
                    .instrument(tracing::debug_span!("runs_chunk", chunk = i))
            })
            .buffered(options.concurrency.max(1))
    }

    /// Every run whose `reference_example_id` is one of `ids`: the runs query
    /// (`POST /api/v1/runs/query`, `reference_example` filter) in chunks of
    /// [`RunsOptions::chunk`] ids, each paged by its cursor ([`RUNS_PAGE_SIZE`] runs a
    /// page), with the client's retries and rate limit. Every listed run is re-checked:
    /// [`ListedRun::Excluded`] when its `reference_example_id` is none of the ids.
    ///
    /// The stream ends with the first error (after retries): a paging that does not end
    /// ([`Error::Paging`]: a repeated cursor, a full page of runs listed before, more runs
    /// than [`RunsOptions::max_runs_per_example`] allows, or the cancel flag set before
    /// the last page) or a failed request. A listing
    /// that ends with an error is incomplete: collect first, then act. Invalid options are
    /// the stream's only item, an error.
    pub fn runs_referencing<'a>(
        &'a self,
        ids: impl IntoIterator<Item = Uuid>,
        options: &'a RunsOptions,
    ) -> impl Stream<Item = Result<ListedRun, Error>> + 'a {
        let invalid = options.validate().err();
        let valid = invalid.is_none();
        let chunks = self.runs_chunks(
            if valid { Some(ids) } else { None }.into_iter().flatten(),
            options,
        );
        stream::iter(invalid.map(Error::from).map(Err))
            .chain(chunks.flat_map(|c| match c.result {
                Ok(rows) => stream::iter(rows.into_iter().map(Ok).collect::<Vec<_>>()),
                Err(e) => stream::iter(vec![Err(e)]),
            }))
            .scan(false, |failed, item| {
                if *failed {
                    return std::future::ready(None);
                }
                *failed = item.is_err();
                std::future::ready(Some(item))
            })
    }

    /// [`Client::runs_referencing`], collected and grouped by trace: every trace holding a
    /// run that references one of `ids`, with the examples it references. Fails with the
    /// listing's first error: an incomplete listing finds nothing.
    pub async fn traces_referencing(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
        options: &RunsOptions,
    ) -> Result<TracesFound, Error> {
        options.validate()?;
        let mut found = TracesFound::default();
        let mut traces: BTreeMap<TraceKey, (Vec<Uuid>, usize)> = BTreeMap::new();
        let mut excluded: Vec<RunRef> = Vec::new();
        let mut chunks = std::pin::pin!(self.runs_chunks(ids, options));
        let mut error = None;
        while let Some(chunk) = chunks.next().await {
            found.pages += chunk.pages;
            found.http_requests += chunk.attempts;
            match chunk.result {
                Ok(rows) => {
                    for row in rows {
                        match row {
                            ListedRun::Referencing(run) => {
                                found.runs += 1;
                                let entry = traces
                                    .entry(TraceKey {
                                        session_id: run.session_id,
                                        trace_id: run.trace_id,
                                    })
                                    .or_default();
                                entry.0.extend(run.reference_example_id);
                                entry.1 += 1;
                            }
                            ListedRun::Excluded(run) => excluded.push(run),
                        }
                    }
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = error {
            return Err(e);
        }
        found.traces = traces
            .into_iter()
            .map(|(key, (mut refs, runs))| {
                refs.sort_unstable();
                refs.dedup();
                Trace {
                    key,
                    reference_example_ids: refs,
                    runs,
                }
            })
            .collect();
        excluded.sort_unstable();
        excluded.dedup();
        found.excluded = excluded;
        Ok(found)
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

/// Called once per finished trace deletion request, with it.
pub type TraceDeleteCallback = Callback<dyn Fn(&TraceDeleteRequest) + Send + Sync>;

impl TraceDeleteCallback {
    /// Wraps a function called with each finished trace deletion request.
    pub fn new(f: impl Fn(&TraceDeleteRequest) + Send + Sync + 'static) -> Self {
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

    fn finished(&self, request: &mut TraceDeleteRequest, _: &[(TraceKey, TraceOutcome)]) {
        if let Some(cb) = &self.options.on_request {
            cb(request);
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

// ---------------------------------------------------------------------------------------
// Reading back whether traces are gone

/// What a runs query showed of a trace. Exhaustive on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TraceState {
    /// Requested for deletion, and no run of it references the examples any more.
    Gone,
    /// A run of it still references one of the examples.
    StillPresent {
        /// Whether its deletion had been requested (then it may be pending; otherwise
        /// nobody asked for it to go).
        requested: bool,
    },
}

impl TraceState {
    /// `gone`, `still_present`.
    pub fn as_str(self) -> &'static str {
        match self {
            TraceState::Gone => "gone",
            TraceState::StillPresent { .. } => "still_present",
        }
    }
}

/// What [`Client::verify_traces_gone`] found, per trace, sorted by key.
#[derive(Debug)]
pub struct TraceVerifyReport {
    states: Vec<(TraceKey, TraceState)>,
    found: TracesFound,
}

impl TraceVerifyReport {
    /// Every trace requested or still listed, with its state.
    pub fn states(&self) -> &[(TraceKey, TraceState)] {
        &self.states
    }
    /// Traces gone.
    pub fn gone(&self) -> usize {
        self.states
            .iter()
            .filter(|(_, s)| *s == TraceState::Gone)
            .count()
    }
    /// Traces still listed whose deletion was requested (pending).
    pub fn pending(&self) -> usize {
        self.states
            .iter()
            .filter(|(_, s)| *s == TraceState::StillPresent { requested: true })
            .count()
    }
    /// Traces still listed whose deletion nobody requested.
    pub fn unrequested(&self) -> usize {
        self.states
            .iter()
            .filter(|(_, s)| *s == TraceState::StillPresent { requested: false })
            .count()
    }
    /// The runs query behind it (its traces, excluded runs, pages and requests).
    pub fn listing(&self) -> &TracesFound {
        &self.found
    }
}

impl Client {
    /// Reads back whether the traces referencing `example_ids` are gone: the runs query
    /// again ([`Client::traces_referencing`]). Each trace of `requested` that no listed
    /// run references any more is [`TraceState::Gone`]; each trace still listed is
    /// [`TraceState::StillPresent`], requested or not. Fails with the listing's error: an
    /// incomplete listing proves nothing gone.
    pub async fn verify_traces_gone(
        &self,
        example_ids: impl IntoIterator<Item = Uuid>,
        requested: impl IntoIterator<Item = TraceKey>,
        options: &RunsOptions,
    ) -> Result<TraceVerifyReport, Error> {
        let found = self.traces_referencing(example_ids, options).await?;
        let mut requested: Vec<TraceKey> = requested.into_iter().collect();
        requested.sort_unstable();
        requested.dedup();
        let listed = found.keys();
        let mut states: Vec<(TraceKey, TraceState)> = requested
            .iter()
            .map(|k| {
                let state = if listed.binary_search(k).is_ok() {
                    TraceState::StillPresent { requested: true }
                } else {
                    TraceState::Gone
                };
                (*k, state)
            })
            .collect();
        states.extend(
            listed
                .iter()
                .filter(|k| requested.binary_search(k).is_err())
                .map(|k| (*k, TraceState::StillPresent { requested: false })),
        );
        states.sort_unstable_by_key(|(k, _)| *k);
        Ok(TraceVerifyReport { states, found })
    }
}

/// The futures are `Send`: they run on a multi-threaded runtime.
#[allow(dead_code)]
fn futures_are_send(c: &Client, o: &RunsOptions, d: &TraceDeleteOptions) {
    fn is_send<T: Send>(_: &T) {}
    is_send(&c.traces_referencing(Vec::new(), o));
    is_send(&c.delete_traces(Vec::new(), d));
    is_send(&c.verify_traces_gone(Vec::new(), Vec::new(), o));
    is_send(&c.runs_referencing(Vec::new(), o));
}
