//! Finding the traces that copied examples ([`Client::traces_referencing`],
//! [`Client::runs_referencing`]) and reading back whether they are gone
//! ([`Client::verify_traces_gone`]), on the runs API LangSmith keeps.
//!
//! `evaluate()` traces its target with `reference_example_id` set to the example, in the
//! experiment's session; the child runs of that trace hold prompts built from the
//! example's inputs. Deleting the example leaves them all.
//!
//! **Which API.** `POST /api/v2/runs/query` first (the official SDK's `client.runs.query()`;
//! its predecessor `POST /api/v1/runs/query` is deprecated, "will be removed after Jan 31,
//! 2027"): one query per dataset of the examples (`reference_dataset_id`, which the server
//! resolves to the dataset's experiment sessions), `reference_examples` in chunks, pages of
//! the spec's `page_size` maximum. The v1 query is used only where the v2 route is missing
//! (a 404 that is not a problem document, or a 405, on the route itself), detected once per
//! lookup and recorded ([`TracesFound::api`]); any other failure of v2 (a 5xx, 401/403,
//! 400/422, a timeout) fails the lookup, never falls back. A server answering neither
//! route is [`Error::NoRunsApi`].
//!
//! **The window.** v2's `min_start_time` defaults to one day ago: a lookup that left it to
//! the server would find yesterday's traces only and then call the rest gone. Every query
//! here sets it: by default from [`TimeWindow::covering`] (no later than the examples'
//! earliest `created_at`, less [`TimeWindow::BEFORE_CREATION`]; up to now plus
//! [`TimeWindow::CLOCK_SKEW`]), and the window is recorded ([`TracesFound::window`]) so a
//! later read-back asks the same question.
//!
//! **Decode what was selected.** Each run is decoded into a type holding exactly the
//! properties selected ([`V2_SELECTS`], [`V1_SELECT`]); the answer may leave every other
//! property out (v2 does, by contract).
//!
//! **Trust nothing checkable.** Every listed run is re-checked: a run whose
//! `reference_example_id` is not one of the ids asked about is [`ListedRun::Excluded`],
//! never acted on. A listing that does not end as a listing must (a repeated cursor, a
//! full page of runs listed before, more runs than the bound, a cancellation) is
//! [`Error::Paging`]: an incomplete listing finds nothing and proves nothing gone.

use crate::call::Call;
use crate::client::Client;
use crate::error::{Error, Listing, PagingError, PagingReason};
use crate::paging::{Bound, CursorPage, Lister, Rows};
use crate::read::{Example, ExampleQuery};
use crate::runs::TraceKey;
use crate::select::Listed;
use futures_util::{StreamExt, TryStreamExt, stream};
use langsmith_api::hooks;
use langsmith_api::types;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};
use tracing::Instrument;
use uuid::Uuid;

use langsmith_api::spec::schemas::{
    body_params_for_runs_query_schema as v1_body, query_query_runs_request_body as v2_body,
};

/// Runs per page of the v1 runs query: the spec's `limit` maximum.
pub const RUNS_PAGE_SIZE: usize = v1_body::limit::MAXIMUM as usize;

/// The most unique runs one read by content takes before it is stopped as a server
/// paging without end.
pub(crate) const MAX_RUNS_PER_READ: u64 = 10_000_000;

/// Runs per page of the v2 runs query: the spec's `page_size` maximum.
pub const V2_PAGE_SIZE: usize = v2_body::page_size::MAXIMUM as usize;

/// The properties each v2 run is asked for (`selects`), in the spec's enum.
pub const V2_SELECTS: &[types::QueryRunSelectField] = &[
    types::QueryRunSelectField::Id,
    types::QueryRunSelectField::TraceId,
    types::QueryRunSelectField::ProjectId,
    types::QueryRunSelectField::ReferenceExampleId,
];

/// The properties each v1 run is asked for (`select`), in the spec's enum.
pub const V1_SELECT: &[types::RunSelect] = &[
    types::RunSelect::Id,
    types::RunSelect::TraceId,
    types::RunSelect::SessionId,
    types::RunSelect::ReferenceExampleId,
];

/// A v2 run as selected ([`V2_SELECTS`]): the properties used are required, every other
/// one is ignored.
#[derive(Deserialize)]
struct SelectedV2 {
    id: Uuid,
    trace_id: Uuid,
    project_id: Uuid,
    #[serde(default)]
    reference_example_id: Option<Uuid>,
}

/// A v1 run as selected ([`V1_SELECT`]).
#[derive(Deserialize)]
struct SelectedV1 {
    id: Uuid,
    trace_id: Uuid,
    session_id: Uuid,
    #[serde(default)]
    reference_example_id: Option<Uuid>,
}

/// The property names the decoders read, per API, for the contract suite: each must be a
/// property of the spec's run schema and (upper-cased for v2) a value of its select enum.
pub const V2_FIELDS: &[&str] = &["id", "trace_id", "project_id", "reference_example_id"];
/// See [`V2_FIELDS`].
pub const V1_FIELDS: &[&str] = &["id", "trace_id", "session_id", "reference_example_id"];

/// Which runs query answered a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunsApi {
    /// `POST /api/v2/runs/query`.
    V2,
    /// `POST /api/v1/runs/query` (deprecated upstream; used where v2 is missing).
    V1,
}

impl RunsApi {
    /// `v2`, `v1`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunsApi::V2 => "v2",
            RunsApi::V1 => "v1",
        }
    }

    /// `v2` or `v1`; anything else is `None`.
    pub fn parse(s: &str) -> Option<RunsApi> {
        match s {
            "v2" => Some(RunsApi::V2),
            "v1" => Some(RunsApi::V1),
            _ => None,
        }
    }

    /// The route, as the official SDK sends it.
    pub fn route(self) -> &'static str {
        match self {
            RunsApi::V2 => "POST /api/v2/runs/query",
            RunsApi::V1 => "POST /api/v1/runs/query",
        }
    }
}

impl fmt::Display for RunsApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `start_time` range a runs lookup covers, sent with every query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    /// The lower bound (`min_start_time`; v1's `start_time`).
    pub min_start_time: SystemTime,
    /// The upper bound (`max_start_time`; v1 takes no upper bound, so there it is the
    /// moment the lookup was made, recorded).
    pub max_start_time: SystemTime,
}

impl TimeWindow {
    /// How far before the earliest example's `created_at` the window starts: a run cannot
    /// reference an example before the example exists, but `start_time` is the tracing
    /// client's clock.
    pub const BEFORE_CREATION: Duration = Duration::from_secs(24 * 3600);
    /// How far past now the window ends: runs stamped by a clock ahead of ours.
    pub const CLOCK_SKEW: Duration = Duration::from_secs(3600);

    /// The window that holds every run referencing examples created at
    /// `earliest_created_at` or later, looked up at `now`.
    pub fn covering(earliest_created_at: SystemTime, now: SystemTime) -> TimeWindow {
        TimeWindow {
            min_start_time: earliest_created_at
                .checked_sub(Self::BEFORE_CREATION)
                .unwrap_or(SystemTime::UNIX_EPOCH),
            max_start_time: now + Self::CLOCK_SKEW,
        }
    }
}

fn to_chrono(t: SystemTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::from(t)
}

/// The examples whose traces are looked up, by dataset (the v2 query names one dataset),
/// and the earliest of their `created_at` (which bounds the window).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExampleScope {
    datasets: BTreeMap<Uuid, Vec<Uuid>>,
    earliest_created_at: Option<SystemTime>,
}

impl ExampleScope {
    /// No examples.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one example.
    pub fn add(&mut self, example_id: Uuid, dataset_id: Uuid, created_at: SystemTime) {
        self.datasets
            .entry(dataset_id)
            .or_default()
            .push(example_id);
        self.earliest_created_at = Some(
            self.earliest_created_at
                .map_or(created_at, |e| e.min(created_at)),
        );
    }

    /// Adds one example as the API listed it; `false` (and nothing added) when it carries
    /// no `created_at`.
    pub fn add_example(&mut self, example: &Example) -> bool {
        match example.created_at {
            Some(created) => {
                self.add(example.id, example.dataset_id, created.into());
                true
            }
            None => false,
        }
    }

    /// Examples whose dataset is not known one by one (a report records the datasets and
    /// the examples apart): each dataset is asked about every example. Correct, as a run
    /// names one example; it costs a query per dataset and chunk.
    pub fn spanning(
        datasets: impl IntoIterator<Item = Uuid>,
        examples: impl IntoIterator<Item = Uuid>,
        earliest_created_at: SystemTime,
    ) -> Self {
        let examples: Vec<Uuid> = examples.into_iter().collect();
        ExampleScope {
            datasets: datasets
                .into_iter()
                .map(|d| (d, examples.clone()))
                .collect(),
            earliest_created_at: Some(earliest_created_at),
        }
    }

    /// Every example, sorted, unique.
    pub fn example_ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self.datasets.values().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The datasets, sorted.
    pub fn datasets(&self) -> Vec<Uuid> {
        self.datasets.keys().copied().collect()
    }

    /// The earliest `created_at` of the examples.
    pub fn earliest_created_at(&self) -> Option<SystemTime> {
        self.earliest_created_at
    }

    /// Whether it holds no example.
    pub fn is_empty(&self) -> bool {
        self.datasets.values().all(Vec::is_empty)
    }

    fn normalized(&self) -> BTreeMap<Uuid, Vec<Uuid>> {
        let mut d = self.datasets.clone();
        for ids in d.values_mut() {
            ids.sort_unstable();
            ids.dedup();
        }
        d.retain(|_, ids| !ids.is_empty());
        d
    }
}

/// A run the runs query listed: the fields the client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunRef {
    /// The run.
    pub id: Uuid,
    /// Its trace (the root run's id).
    pub trace_id: Uuid,
    /// Its session (the experiment's project; v2 calls it `project_id`).
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
    /// Example ids per v2 query (`reference_examples`); default 500.
    pub v2_chunk: usize,
    /// Example ids per v1 query (`reference_example`); default 100.
    pub v1_chunk: usize,
    /// Queries in flight at once (each pages on by its cursor); default 4.
    pub concurrency: usize,
    /// A listing that brings more unique runs than this many per example of its chunk is
    /// stopped with [`Error::Paging`] (a server paging without end); default 1,000.
    pub max_runs_per_example: usize,
    /// The window to query; `None`: [`TimeWindow::covering`] the scope's examples, now.
    pub window: Option<TimeWindow>,
    /// The API to use; `None`: v2, or v1 where the v2 route is missing.
    pub api: Option<RunsApi>,
    /// When set, no new page is asked for once it is true.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for RunsOptions {
    fn default() -> Self {
        RunsOptions {
            v2_chunk: 500,
            v1_chunk: 100,
            concurrency: 4,
            max_runs_per_example: 1000,
            window: None,
            api: None,
            cancel: None,
        }
    }
}

impl fmt::Debug for RunsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunsOptions")
            .field("v2_chunk", &self.v2_chunk)
            .field("v1_chunk", &self.v1_chunk)
            .field("concurrency", &self.concurrency)
            .field("max_runs_per_example", &self.max_runs_per_example)
            .field("window", &self.window)
            .field("api", &self.api)
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

impl RunsOptions {
    fn validate(&self) -> Result<(), crate::error::ConfigError> {
        let bad = |what: &'static str, why: &str| {
            Err(crate::error::ConfigError::setting(what, why.to_owned()))
        };
        if self.v2_chunk == 0 || self.v1_chunk == 0 {
            return bad("runs chunk", "must be at least 1");
        }
        if self.concurrency == 0 {
            return bad("concurrency", "must be at least 1");
        }
        if self.max_runs_per_example == 0 {
            return bad("max runs per example", "must be at least 1");
        }
        if let Some(w) = self.window
            && w.min_start_time > w.max_start_time
        {
            return bad("runs window", "min_start_time is after max_start_time");
        }
        Ok(())
    }
}

/// Every trace that references some examples, found by [`Client::traces_referencing`].
#[derive(Debug)]
pub struct TracesFound {
    traces: Vec<Trace>,
    excluded: Vec<RunRef>,
    runs: u64,
    pages: u64,
    http_requests: u64,
    api: RunsApi,
    window: TimeWindow,
    datasets: Vec<Uuid>,
}

impl TracesFound {
    fn empty(api: RunsApi, window: TimeWindow, datasets: Vec<Uuid>) -> Self {
        TracesFound {
            traces: Vec::new(),
            excluded: Vec::new(),
            runs: 0,
            pages: 0,
            http_requests: 0,
            api,
            window,
            datasets,
        }
    }
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
    /// HTTP requests made, retries and a v2 probe that found no route included.
    pub fn http_requests(&self) -> u64 {
        self.http_requests
    }
    /// The runs query that answered.
    pub fn api(&self) -> RunsApi {
        self.api
    }
    /// The `start_time` window every query of the lookup asked for.
    pub fn window(&self) -> TimeWindow {
        self.window
    }
    /// The datasets of the examples (each a v2 query's `reference_dataset_id`), sorted.
    pub fn datasets(&self) -> &[Uuid] {
        &self.datasets
    }
}

/// One page of a runs query.
struct RunsPage {
    runs: Vec<RunRef>,
    next: Option<String>,
}

/// What one query request came back with.
enum Answer {
    Page(RunsPage),
    /// The route is not there (a 404 that is no problem document of the route, or a
    /// 405): this status.
    RouteMissing(u16),
}

/// One query: which API, which dataset (v2), which examples.
struct Query {
    api: RunsApi,
    dataset: Option<Uuid>,
    examples: Vec<Uuid>,
    window: TimeWindow,
}

/// One chunk's listing: its rows, and what it cost.
struct Chunk {
    result: Result<Vec<ListedRun>, Error>,
    pages: u64,
    attempts: u64,
}

/// Whether a failed v2 or v1 call means the route itself is absent: a 405, or a 404
/// whose body is not a problem document of the route (FastAPI's `{"detail": "Not
/// Found"}`, an empty body, a proxy's page). `status` is the response's, as captured.
fn route_missing<T: ProblemShape>(
    e: &langsmith_api::Error<T>,
    status: Option<http::StatusCode>,
) -> Option<u16> {
    use langsmith_api::Error as E;
    let problem = match e {
        E::ErrorResponse(rv) => rv.is_problem(),
        // A documented status whose body is no JSON of the route's error shape.
        E::InvalidResponsePayload(_, _) => false,
        E::UnexpectedResponse(_) => false,
        _ => return None,
    };
    match status.map(|s| s.as_u16()) {
        Some(405) => Some(405),
        Some(404) if !problem => Some(404),
        _ => None,
    }
}

/// An attempt's outcome with a missing route set apart from the errors (which the call
/// path maps and retries).
fn sort_out<T, E: ProblemShape>(
    (result, meta): (
        Result<T, langsmith_api::Error<E>>,
        langsmith_api::hooks::ResponseMeta,
    ),
) -> (
    Result<Sent<T>, langsmith_api::Error<E>>,
    langsmith_api::hooks::ResponseMeta,
) {
    let result = match result {
        Ok(body) => Ok(Sent::Body(body)),
        Err(e) => match route_missing(&e, meta.status) {
            Some(status) => Ok(Sent::RouteMissing(status)),
            None => Err(e),
        },
    };
    (result, meta)
}

type V2Answer = langsmith_api::ResponseValue<types::QueryQueryRunsResponseBody>;
type V1Answer = langsmith_api::ResponseValue<types::ListRunsResponse>;

/// A v2 page: its runs decoded as selected, and its next cursor (`has_more` rules).
fn v2_answer(rv: V2Answer, _: langsmith_api::hooks::ResponseMeta) -> Result<Answer, Box<Error>> {
    let status = rv.status().as_u16();
    let request_id = hooks::request_id(rv.headers());
    let page = rv.into_inner();
    let runs = decode_runs(&page.items, |r: SelectedV2| RunRef {
        id: r.id,
        trace_id: r.trace_id,
        session_id: r.project_id,
        reference_example_id: r.reference_example_id,
    })
    .map_err(|e| Box::new(undecodable(RunsApi::V2, status, request_id.clone(), e)))?;
    let next = match (page.has_more, page.next_cursor.filter(|c| !c.is_empty())) {
        (Some(true), None) => {
            return Err(Box::new(Error::unexpected_body(
                Some(status),
                true,
                "a v2 runs query page says has_more but gives no next_cursor",
                String::new(),
                request_id,
                None,
            )));
        }
        (Some(true), next) => next,
        // `has_more` false or absent: the last page, whatever cursor it carries.
        _ => None,
    };
    Ok(Answer::Page(RunsPage { runs, next }))
}

/// A v1 page: its runs decoded as selected, and its `cursors.next`.
fn v1_answer(rv: V1Answer, _: langsmith_api::hooks::ResponseMeta) -> Result<Answer, Box<Error>> {
    let status = rv.status().as_u16();
    let request_id = hooks::request_id(rv.headers());
    let page = rv.into_inner();
    let runs = decode_runs(&page.runs, |r: SelectedV1| RunRef {
        id: r.id,
        trace_id: r.trace_id,
        session_id: r.session_id,
        reference_example_id: r.reference_example_id,
    })
    .map_err(|e| Box::new(undecodable(RunsApi::V1, status, request_id, e)))?;
    Ok(Answer::Page(RunsPage {
        runs,
        next: page
            .cursors
            .get("next")
            .cloned()
            .flatten()
            .filter(|c| !c.is_empty()),
    }))
}

/// Whether a documented error body is one the route itself wrote (not a router's "Not
/// Found").
trait ProblemShape {
    fn is_problem(&self) -> bool;
}

impl ProblemShape for types::SharedProblemDetails {
    /// RFC 7807: a route's problem has a title, type, status or instance; a bare
    /// `detail` is what a router answers for a path it does not have.
    fn is_problem(&self) -> bool {
        self.title.is_some()
            || self.type_.is_some()
            || self.status.is_some()
            || self.instance.is_some()
    }
}

impl ProblemShape for types::HttpValidationError {
    fn is_problem(&self) -> bool {
        // v1's only documented error is 422: any such body is the route's.
        true
    }
}

/// Decodes each run of a page into what the query selected; the first that does not
/// decode is an error naming its place in the page.
fn decode_runs<T: serde::de::DeserializeOwned>(
    runs: &[langsmith_api::partial::PartialRun],
    to_ref: impl Fn(T) -> RunRef,
) -> Result<Vec<RunRef>, (usize, serde_json::Error)> {
    runs.iter()
        .enumerate()
        .map(|(i, r)| r.decode::<T>().map(&to_ref).map_err(|e| (i, e)))
        .collect()
}

/// A run of a page that is not what the query selected.
fn undecodable(
    api: RunsApi,
    status: u16,
    request_id: Option<String>,
    (i, e): (usize, serde_json::Error),
) -> Error {
    Error::unexpected_body(
        Some(status),
        true,
        format!(
            "run {} of a {api} runs query page is not what the query selected",
            i + 1
        ),
        String::new(),
        request_id,
        Some(Box::new(e)),
    )
}

/// What one attempt of a runs query came back with: the route's answer, or that the
/// route is not there (not an error: the lookup then chooses the other API).
enum Sent<T> {
    Body(T),
    RouteMissing(u16),
}

/// The runs of one query, re-checked: a run is ours when its `reference_example_id` is
/// one of the query's examples (sorted).
struct RunRows<'a>(&'a [Uuid]);

impl Rows for RunRows<'_> {
    type Row = RunRef;
    type Id = Uuid;
    type Judged = ListedRun;

    fn id(&self, run: &RunRef) -> Uuid {
        run.id
    }

    fn judge(&self, run: RunRef) -> ListedRun {
        let ours = run
            .reference_example_id
            .is_some_and(|r| self.0.binary_search(&r).is_ok());
        if ours {
            ListedRun::Referencing(run)
        } else {
            ListedRun::Excluded(run)
        }
    }

    fn repeated(&self, _: RunRef) -> Option<ListedRun> {
        None
    }
}

impl Client {
    /// One page of a runs query, on the one call path (retries, rate limit, a debug line
    /// per attempt); returns it and the attempts it took.
    async fn runs_page(
        &self,
        q: &Query,
        cursor: Option<&str>,
        cancel: Option<&AtomicBool>,
    ) -> (Result<Answer, Error>, u32) {
        let call = Call::new(match q.api {
            RunsApi::V2 => "query_runs_v2",
            RunsApi::V1 => "query_runs_v1",
        })
        .ids(q.examples.len())
        .cancel(cancel);
        let called = match q.api {
            RunsApi::V2 => {
                self.call(
                    call,
                    |_| async move {
                        let sent = self
                            .api
                            .query_runs()
                            .body_map(|b| {
                                b.reference_dataset_id(q.dataset)
                                    .reference_examples(q.examples.clone())
                                    .selects(V2_SELECTS.to_vec())
                                    .min_start_time(Some(to_chrono(q.window.min_start_time)))
                                    .max_start_time(Some(to_chrono(q.window.max_start_time)))
                                    .page_size(
                                        NonZeroU64::new(V2_PAGE_SIZE as u64).expect("non-zero"),
                                    )
                                    .cursor(cursor.map(str::to_owned))
                            })
                            .send();
                        sort_out(hooks::capture(sent).await)
                    },
                    |sent, meta| match sent {
                        Sent::RouteMissing(status) => Ok(Answer::RouteMissing(status)),
                        Sent::Body(rv) => v2_answer(rv, meta),
                    },
                )
                .await
            }
            RunsApi::V1 => {
                self.call(
                    call,
                    |_| async move {
                        let sent = self
                            .api
                            .query_runs_api_v1_runs_query_post()
                            .body_map(|b| {
                                b.reference_example(Some(q.examples.clone()))
                                    .select(V1_SELECT.to_vec())
                                    .start_time(Some(to_chrono(q.window.min_start_time)))
                                    .limit(
                                        NonZeroU64::new(RUNS_PAGE_SIZE as u64).expect("non-zero"),
                                    )
                                    .cursor(cursor.map(str::to_owned))
                            })
                            .send();
                        sort_out(hooks::capture(sent).await)
                    },
                    |sent, meta| match sent {
                        Sent::RouteMissing(status) => Ok(Answer::RouteMissing(status)),
                        Sent::Body(rv) => v1_answer(rv, meta),
                    },
                )
                .await
            }
        };
        (called.result, called.attempts)
    }

    /// Every run of one query, over its cursor pages, on the one lister: each re-checked,
    /// bounded (a cursor given before, a full page of runs listed before, more unique runs
    /// than `max_runs_per_example` per example end it with [`Error::Paging`]). `first` is
    /// its first page when already fetched (the probe that chose the API).
    async fn chunk_runs(&self, q: Query, first: Option<RunsPage>, options: &RunsOptions) -> Chunk {
        let cancel = options.cancel.as_deref();
        let page_size = match q.api {
            RunsApi::V2 => V2_PAGE_SIZE,
            RunsApi::V1 => RUNS_PAGE_SIZE,
        };
        let cap = q
            .examples
            .len()
            .saturating_mul(options.max_runs_per_example) as u64;
        let lister = Lister::cursor(Listing::Runs, page_size, RunRows(&q.examples))
            .bound(Bound::unique(cap));
        let mut first = first;
        let q = &q;
        let walk = lister
            .walk_cursor(cancel, |cursor| {
                let ready = first.take();
                async move {
                    if let Some(page) = ready {
                        return (
                            Ok(CursorPage {
                                rows: page.runs,
                                next: page.next,
                            }),
                            0,
                        );
                    }
                    let (result, n) = self.runs_page(q, cursor.as_deref(), cancel).await;
                    let page = match result {
                        Ok(Answer::Page(p)) => Ok(CursorPage {
                            rows: p.runs,
                            next: p.next,
                        }),
                        // The route answered before, in this lookup: now it is gone.
                        Ok(Answer::RouteMissing(status)) => Err(match q.api {
                            RunsApi::V2 => Error::no_runs_api(Some(status), None),
                            RunsApi::V1 => Error::no_runs_api(None, Some(status)),
                        }),
                        Err(e) => Err(e),
                    };
                    (page, n)
                }
            })
            .await;
        Chunk {
            result: walk.result,
            pages: walk.pages,
            attempts: walk.attempts,
        }
    }

    /// The queries a lookup makes on `api`: per dataset for v2, over every example for v1.
    fn queries(
        scope: &BTreeMap<Uuid, Vec<Uuid>>,
        api: RunsApi,
        options: &RunsOptions,
    ) -> Vec<(Option<Uuid>, Vec<Uuid>)> {
        match api {
            RunsApi::V2 => scope
                .iter()
                .flat_map(|(d, ids)| {
                    ids.chunks(options.v2_chunk)
                        .map(move |c| (Some(*d), c.to_vec()))
                })
                .collect(),
            RunsApi::V1 => {
                let mut all: Vec<Uuid> = scope.values().flatten().copied().collect();
                all.sort_unstable();
                all.dedup();
                all.chunks(options.v1_chunk)
                    .map(|c| (None, c.to_vec()))
                    .collect()
            }
        }
    }

    /// The API to use, and its first query's first page: v2, unless its route is missing
    /// (then v1; [`Error::NoRunsApi`] when that is missing too).
    async fn choose_api(
        &self,
        scope: &BTreeMap<Uuid, Vec<Uuid>>,
        window: TimeWindow,
        options: &RunsOptions,
    ) -> Result<(RunsApi, RunsPage, u64), Error> {
        let cancel = options.cancel.as_deref();
        let mut attempts = 0u64;
        let mut missing_v2 = None;
        let order: &[RunsApi] = match options.api {
            Some(RunsApi::V1) => &[RunsApi::V1],
            Some(RunsApi::V2) => &[RunsApi::V2],
            None => &[RunsApi::V2, RunsApi::V1],
        };
        for &api in order {
            if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                // Not even a first page: incomplete, it finds (and proves) nothing.
                return Err(Error::Paging(PagingError::runs(
                    1,
                    0,
                    PagingReason::Cancelled,
                )));
            }
            let queries = Self::queries(scope, api, options);
            let (dataset, examples) = queries.into_iter().next().expect("a scope with examples");
            let q = Query {
                api,
                dataset,
                examples,
                window,
            };
            let (result, n) = self.runs_page(&q, None, cancel).await;
            attempts += u64::from(n);
            match result? {
                Answer::Page(page) => {
                    if let Some(status) = missing_v2 {
                        tracing::info!(
                            "the v2 runs query is not served here (HTTP {status}): using the v1 runs query"
                        );
                    }
                    return Ok((api, page, attempts));
                }
                Answer::RouteMissing(status) => match api {
                    RunsApi::V2 => missing_v2 = Some(status),
                    RunsApi::V1 => return Err(Error::no_runs_api(missing_v2, Some(status))),
                },
            }
        }
        Err(Error::no_runs_api(missing_v2, None))
    }

    /// Every run whose `reference_example_id` is one of the scope's examples: the runs
    /// query (v2 first; see the module docs) over the options' window, each query paged by
    /// its cursor, with the client's retries and rate limit. Every listed run is
    /// re-checked: [`ListedRun::Excluded`] when its `reference_example_id` is none of the
    /// ids. Fails with the listing's first error: an incomplete listing finds nothing.
    pub async fn runs_referencing(
        &self,
        scope: &ExampleScope,
        options: &RunsOptions,
    ) -> Result<(Vec<ListedRun>, TracesFound), Error> {
        options.validate()?;
        let scope_map = scope.normalized();
        let now = SystemTime::now();
        let window = options.window.unwrap_or_else(|| {
            TimeWindow::covering(scope.earliest_created_at().unwrap_or(now), now)
        });
        if scope_map.is_empty() {
            let api = options.api.unwrap_or(RunsApi::V2);
            return Ok((Vec::new(), TracesFound::empty(api, window, Vec::new())));
        }
        let (api, first, probe_attempts) = self.choose_api(&scope_map, window, options).await?;
        let mut found = TracesFound::empty(api, window, scope_map.keys().copied().collect());
        found.http_requests = probe_attempts;
        // The probe's v2 answer for another API's first query is not reused: when v2 was
        // missing, `probe_attempts` counts that request too.
        let queries = Self::queries(&scope_map, api, options);
        let mut first = Some(first);
        let chunks = stream::iter(queries.into_iter().enumerate())
            .map(|(i, (dataset, examples))| {
                let q = Query {
                    api,
                    dataset,
                    examples,
                    window,
                };
                let first = if i == 0 { first.take() } else { None };
                self.chunk_runs(q, first, options)
                    .instrument(tracing::debug_span!(
                        "runs_query",
                        api = api.as_str(),
                        chunk = i
                    ))
            })
            .buffered(options.concurrency);
        let mut chunks = std::pin::pin!(chunks);
        let mut rows = Vec::new();
        while let Some(chunk) = chunks.next().await {
            found.pages += chunk.pages;
            found.http_requests += chunk.attempts;
            rows.extend(chunk.result?);
        }
        Ok((rows, found))
    }

    /// [`Client::runs_referencing`], grouped by trace: every trace holding a run that
    /// references one of the scope's examples, with the examples it references, and the
    /// API and window that found them. Fails with the listing's first error: an
    /// incomplete listing finds nothing.
    pub async fn traces_referencing(
        &self,
        scope: &ExampleScope,
        options: &RunsOptions,
    ) -> Result<TracesFound, Error> {
        let (rows, mut found) = self.runs_referencing(scope, options).await?;
        let mut traces: BTreeMap<TraceKey, (Vec<Uuid>, HashSet<Uuid>)> = BTreeMap::new();
        let mut excluded: Vec<RunRef> = Vec::new();
        for row in rows {
            match row {
                ListedRun::Referencing(run) => {
                    let entry = traces
                        .entry(TraceKey {
                            session_id: run.session_id,
                            trace_id: run.trace_id,
                        })
                        .or_default();
                    // A run listed by two datasets' queries (an example in both) counts once.
                    if entry.1.insert(run.id) {
                        found.runs += 1;
                        entry.0.extend(run.reference_example_id);
                    }
                }
                ListedRun::Excluded(run) => excluded.push(run),
            }
        }
        found.traces = traces
            .into_iter()
            .map(|(key, (mut refs, runs))| {
                refs.sort_unstable();
                refs.dedup();
                Trace {
                    key,
                    reference_example_ids: refs,
                    runs: runs.len(),
                }
            })
            .collect();
        excluded.sort_unstable();
        excluded.dedup();
        found.excluded = excluded;
        Ok(found)
    }

    /// The scope of some examples, read from the API by id (`GET /api/v1/examples`, one
    /// request per [`crate::PAGE_SIZE`] less one ids): each example's dataset and `created_at`. An id
    /// not listed, or listed without a `created_at`, fails it ([`Error::NameResolution`], naming
    /// the first and how many): a window could not be shown to hold its runs, and a
    /// lookup that skipped it would be incomplete.
    pub async fn example_scope(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<ExampleScope, Error> {
        self.example_scope_before(ids, &[]).await
    }

    /// [`Client::example_scope`] of examples that may have been deleted: one the latest
    /// read does not list is read again as of each of `before_deletion` in turn (times
    /// before the deletion, when it was listed; LangSmith stops listing a hard-deleted
    /// example, and an example's dataset and `created_at` are those of every version).
    pub async fn example_scope_before(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
        before_deletion: &[crate::AsOf],
    ) -> Result<ExampleScope, Error> {
        let mut wanted: Vec<Uuid> = ids.into_iter().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut scope = ExampleScope::new();
        let mut resolved: HashSet<Uuid> = HashSet::new();
        for as_of in std::iter::once(None).chain(before_deletion.iter().copied().map(Some)) {
            let left: Vec<Uuid> = wanted
                .iter()
                .filter(|id| !resolved.contains(id))
                .copied()
                .collect();
            if left.is_empty() {
                break;
            }
            // One request a chunk: a page short of full ends the listing, the ids asked
            // for bound it (no count is asked), and no page is fetched ahead.
            for chunk in left.chunks(crate::read::PAGE_SIZE - 1) {
                let mut query = ExampleQuery::new()
                    .ids(chunk.iter().copied())
                    .with_created_at()
                    .counted(chunk.len() as u64)
                    .prefetch(1);
                if let Some(t) = as_of {
                    query = query.as_of(t);
                }
                let listed: Vec<Listed> = self.examples(&query).try_collect().await?;
                for row in listed {
                    if let Listed::Selected(example) = row
                        && chunk.binary_search(&example.id).is_ok()
                        && scope.add_example(&example)
                    {
                        resolved.insert(example.id);
                    }
                }
            }
        }
        let unresolved: Vec<Uuid> = wanted
            .into_iter()
            .filter(|id| !resolved.contains(id))
            .collect();
        if let Some(first) = unresolved.first() {
            return Err(Error::lookup(
                "example (its dataset and created_at bound the runs query; unreadable examples here)",
                &first.to_string(),
                0,
                self.endpoint(),
                Vec::new(),
            ));
        }
        Ok(scope)
    }
}

impl Client {
    /// The source runs of some examples (`source_run_id`: the run an example was made
    /// from), read by id (`GET /api/v1/examples`, one request per [`crate::PAGE_SIZE`]
    /// less one ids): `(example, run)` pairs, sorted, for the examples that have one. An
    /// example not listed is left out (it has no source run to read).
    pub async fn source_runs_of(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<Vec<(Uuid, Uuid)>, Error> {
        let mut wanted: Vec<Uuid> = ids.into_iter().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut out = Vec::new();
        for chunk in wanted.chunks(crate::read::PAGE_SIZE - 1) {
            let query = ExampleQuery::new()
                .ids(chunk.iter().copied())
                .with_source_run()
                .counted(chunk.len() as u64)
                .prefetch(1);
            let listed: Vec<Listed> = self.examples(&query).try_collect().await?;
            for row in listed {
                if let Listed::Selected(example) = row
                    && chunk.binary_search(&example.id).is_ok()
                    && let Some(run) = example.source_run_id
                {
                    out.push((example.id, run));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
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
        self.count(TraceState::Gone)
    }
    /// Traces still listed whose deletion was requested (pending).
    pub fn pending(&self) -> usize {
        self.count(TraceState::StillPresent { requested: true })
    }
    /// Traces still listed whose deletion nobody requested.
    pub fn unrequested(&self) -> usize {
        self.count(TraceState::StillPresent { requested: false })
    }
    fn count(&self, state: TraceState) -> usize {
        self.states.iter().filter(|(_, s)| *s == state).count()
    }
    /// The runs query behind it (its traces, excluded runs, pages, requests, API, window).
    pub fn listing(&self) -> &TracesFound {
        &self.found
    }
}

impl Client {
    /// Reads back whether the traces referencing the scope's examples are gone: the runs
    /// query again ([`Client::traces_referencing`]; pass the window and API the deletion's
    /// lookup used, so the same question is asked). Each trace of `requested` that no
    /// listed run references any more is [`TraceState::Gone`]; each trace still listed is
    /// [`TraceState::StillPresent`], requested or not. Fails with the listing's error: an
    /// incomplete listing proves nothing gone.
    pub async fn verify_traces_gone(
        &self,
        scope: &ExampleScope,
        requested: impl IntoIterator<Item = TraceKey>,
        options: &RunsOptions,
    ) -> Result<TraceVerifyReport, Error> {
        let mut requested: Vec<TraceKey> = requested.into_iter().collect();
        requested.sort_unstable();
        requested.dedup();
        // With no example to query by, no query runs, and nothing listed would read as
        // every requested trace gone: a claim no read-back made.
        if scope.is_empty() && !requested.is_empty() {
            return Err(crate::error::ConfigError::setting(
                "runs scope",
                format!(
                    "no example (or no dataset) to look the {} requested traces up by: none can be shown gone",
                    requested.len()
                ),
            )
            .into());
        }
        let found = self.traces_referencing(scope, options).await?;
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
fn futures_are_send(c: &Client, s: &ExampleScope, o: &RunsOptions) {
    fn is_send<T: Send>(_: &T) {}
    is_send(&c.traces_referencing(s, o));
    is_send(&c.verify_traces_gone(s, Vec::new(), o));
    is_send(&c.runs_referencing(s, o));
    is_send(&c.example_scope(Vec::new()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_before_the_earliest_example_and_ends_past_now() {
        let created = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let now = created + Duration::from_secs(90 * 86_400);
        let w = TimeWindow::covering(created, now);
        assert!(w.min_start_time <= created);
        assert_eq!(
            created.duration_since(w.min_start_time).unwrap(),
            TimeWindow::BEFORE_CREATION
        );
        assert!(w.max_start_time > now);
    }

    #[test]
    fn a_scope_groups_by_dataset_and_keeps_the_earliest_creation() {
        let (d1, d2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let t = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        let mut s = ExampleScope::new();
        s.add(Uuid::from_u128(30), d2, t(300));
        s.add(Uuid::from_u128(10), d1, t(100));
        s.add(Uuid::from_u128(20), d1, t(200));
        s.add(Uuid::from_u128(10), d1, t(100));
        assert_eq!(s.datasets(), vec![d1, d2]);
        assert_eq!(s.earliest_created_at(), Some(t(100)));
        assert_eq!(s.example_ids().len(), 3);
        assert_eq!(
            s.normalized()[&d1],
            vec![Uuid::from_u128(10), Uuid::from_u128(20)]
        );
    }

    #[test]
    fn v2_queries_go_per_dataset_and_v1_over_every_example() {
        let (d1, d2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut scope = BTreeMap::new();
        scope.insert(d1, (0..5).map(Uuid::from_u128).collect::<Vec<_>>());
        scope.insert(d2, (5..8).map(Uuid::from_u128).collect::<Vec<_>>());
        let options = RunsOptions {
            v2_chunk: 2,
            v1_chunk: 3,
            ..RunsOptions::default()
        };
        let v2 = Client::queries(&scope, RunsApi::V2, &options);
        assert_eq!(v2.len(), 3 + 2);
        assert!(v2.iter().all(|(d, ids)| d.is_some() && ids.len() <= 2));
        let v1 = Client::queries(&scope, RunsApi::V1, &options);
        assert_eq!(v1.len(), 3);
        assert!(v1.iter().all(|(d, _)| d.is_none()));
    }
}
