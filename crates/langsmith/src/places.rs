//! The other places a person's data lives in a workspace, beside examples: tracing
//! projects and their runs (found by content), feedback, public share links, and what
//! keeps making copies (rules, bulk exports).
//!
//! - **Projects** ([`Client::all_projects`]): `GET /api/v1/sessions`, every page, oldest
//!   first; experiments included.
//! - **Runs by content** ([`Client::read_runs`]): the v2 runs query
//!   (`POST /api/v2/runs/query`) over a list of projects, with an explicit window (never
//!   the server's one-day default), optionally the server's full-text search
//!   (`filter: search("...")`, `or(...)` of several) and optionally by run ids. Each run
//!   listed is re-checked here ([`RunQuery::check`]): the texts are looked for, folded as
//!   [`crate::fold`] folds, in every string value and key of its `inputs`, `outputs`,
//!   `error`, `events` and `extra` (where metadata lives). The content is read only to
//!   check it: what comes back holds ids and which texts matched, never content. A run
//!   of a project or id not asked for is [`ReadRun::stray`]. There is no v1 fallback
//!   here: a server without the v2 route is [`Error::NoRunsApi`].
//! - **Feedback** ([`Client::feedback_of_project`], [`Client::read_feedback`],
//!   [`Client::delete_feedback`]): listed per project (the server cannot search
//!   feedback), `comment` and `correction` checked here.
//! - **Share links** ([`Client::shared_entities`], [`Client::unshare_run`],
//!   [`Client::unshare_dataset`]): the share tokens themselves are never kept.
//! - **Rules and bulk exports** ([`Client::copy_sources`]): listed for warnings, by id.

use crate::call::Call;
use crate::client::Client;
use crate::error::{Error, Listing};
use crate::paging::{Bound, CursorPage, Lister, Order, Rows};
use crate::runs_query::TimeWindow;
use crate::select::{fold, holds};
use langsmith_api::hooks;
use langsmith_api::types;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;
use uuid::Uuid;

/// Projects per page of `GET /api/v1/sessions`: the spec's `limit` maximum.
const PROJECTS_PAGE_SIZE: usize = 100;
/// The most projects a listing takes before it is stopped as a server paging without end.
const MAX_PROJECTS: u64 = 1_000_000;
/// Feedback per page of `GET /api/v1/feedback`: the spec's `limit` maximum.
const FEEDBACK_PAGE_SIZE: usize = 100;
/// Share links per page of `GET /api/v1/workspaces/current/shared`: the spec's maximum.
const SHARED_PAGE_SIZE: usize = 100;
/// Projects per runs query (`project_ids`).
pub const PROJECTS_PER_QUERY: usize = 100;
/// Run ids per runs query (`ids`).
pub const IDS_PER_QUERY: usize = 500;

/// A tracing project (session): a plain project, or an experiment over a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Project {
    /// The project's id (v2's `project_id`, v1's `session_id`).
    pub id: Uuid,
    /// When it started (its first run cannot be earlier).
    pub start_time: Option<SystemTime>,
    /// The dataset an experiment ran over.
    pub reference_dataset_id: Option<Uuid>,
    /// How many runs it holds, when the listing says.
    pub run_count: Option<u64>,
}

/// The order a content read asks for (`sort_order`): latest `start_time` first, the
/// spec's default, sent all the same. The spec sorts a page's `items` by `start_time` in
/// this direction; the read holds the whole listing to it ([`Lister::sorted`]).
const RUNS_ORDER: types::QuerySortOrder = types::QuerySortOrder::Desc;

/// The properties a content read selects, in the spec's enum: the run's place, the key
/// the listing is sorted by, and every property that holds text a person wrote or that
/// was written about them.
pub const CONTENT_SELECTS: &[types::QueryRunSelectField] = &[
    types::QueryRunSelectField::Id,
    types::QueryRunSelectField::TraceId,
    types::QueryRunSelectField::ProjectId,
    types::QueryRunSelectField::StartTime,
    types::QueryRunSelectField::Inputs,
    types::QueryRunSelectField::Outputs,
    types::QueryRunSelectField::Error,
    types::QueryRunSelectField::Events,
    types::QueryRunSelectField::Extra,
];

/// The properties a read by id without a check selects (its place, and the key the
/// listing is sorted by).
pub const PLACE_SELECTS: &[types::QueryRunSelectField] = &[
    types::QueryRunSelectField::Id,
    types::QueryRunSelectField::TraceId,
    types::QueryRunSelectField::ProjectId,
    types::QueryRunSelectField::StartTime,
];

/// The property names the content decoder reads (see [`CONTENT_SELECTS`]).
pub const CONTENT_FIELDS: &[&str] = &[
    "id",
    "trace_id",
    "project_id",
    "start_time",
    "inputs",
    "outputs",
    "error",
    "events",
    "extra",
];

/// A run as a content read selects it: the place required, the content optional (a run
/// may have none of it).
#[derive(Deserialize)]
struct SelectedContent {
    id: Uuid,
    trace_id: Uuid,
    project_id: Uuid,
    /// The key the listing is sorted by.
    start_time: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    inputs: Option<Value>,
    #[serde(default)]
    outputs: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    events: Option<Value>,
    #[serde(default)]
    extra: Option<Value>,
}

/// A run read by [`Client::read_runs`]: where it is and which of the query's texts it
/// holds. Never its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRun {
    /// The run.
    pub id: Uuid,
    /// Its trace (the root run's id).
    pub trace_id: Uuid,
    /// Its project (v2's `project_id`).
    pub session_id: Uuid,
    /// The indexes (into [`RunQuery::check`]'s texts) of the texts found in it.
    pub holds: Vec<usize>,
    /// Listed though its project (or id) is none of those asked about: never acted on.
    pub stray: bool,
}

/// What [`Client::read_runs`] asks. Its `Debug` shows how many texts it holds, never
/// them (they are a person's identifiers).
#[derive(Clone)]
pub struct RunQuery {
    projects: Vec<Uuid>,
    window: TimeWindow,
    search: Vec<String>,
    check: Vec<String>,
    ids: Option<Vec<Uuid>>,
    only_holding: bool,
    cancel: Option<std::sync::Arc<AtomicBool>>,
}

impl fmt::Debug for RunQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunQuery")
            .field("projects", &self.projects.len())
            .field("window", &self.window)
            .field("search", &format_args!("{} texts", self.search.len()))
            .field("check", &format_args!("{} texts", self.check.len()))
            .field("ids", &self.ids.as_ref().map(Vec::len))
            .field("only_holding", &self.only_holding)
            .finish()
    }
}

impl RunQuery {
    /// Runs of `projects` that started within `window`.
    pub fn new(projects: impl IntoIterator<Item = Uuid>, window: TimeWindow) -> Self {
        let projects: BTreeSet<Uuid> = projects.into_iter().collect();
        RunQuery {
            projects: projects.into_iter().collect(),
            window,
            search: Vec::new(),
            check: Vec::new(),
            ids: None,
            only_holding: false,
            cancel: None,
        }
    }

    /// The server's full-text search for any of `texts` (`search("...")`, `or(...)` of
    /// several), each run then checked here for them ([`RunQuery::check`]).
    pub fn search(mut self, texts: &[&str]) -> Self {
        self.search = texts.iter().map(|t| (*t).to_owned()).collect();
        self.check = self.search.clone();
        self
    }

    /// Checks each run here for `texts` (no server filter): [`ReadRun::holds`].
    pub fn check(mut self, texts: &[&str]) -> Self {
        self.check = texts.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    /// Only these runs (`ids`).
    pub fn ids(mut self, ids: impl IntoIterator<Item = Uuid>) -> Self {
        let ids: BTreeSet<Uuid> = ids.into_iter().collect();
        self.ids = Some(ids.into_iter().collect());
        self
    }

    /// Keeps only the runs holding a text (and strays) in [`RunsRead::runs`]; the others
    /// are counted ([`RunsRead::listed`]) and dropped as they are read: what a scan of
    /// every run needs.
    pub fn only_holding(mut self) -> Self {
        self.only_holding = true;
        self
    }

    /// Stops asking for pages once `cancel` is true (the read is then incomplete).
    pub fn cancel(mut self, cancel: std::sync::Arc<AtomicBool>) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// The filter expression sent, if any: `search("TEXT")` with `\` and `"` escaped, or
    /// `or(...)` of several.
    pub fn filter(&self) -> Option<String> {
        let one = |t: &String| {
            format!(
                "search(\"{}\")",
                t.replace('\\', "\\\\").replace('"', "\\\"")
            )
        };
        match self.search.len() {
            0 => None,
            1 => Some(one(&self.search[0])),
            _ => Some(format!(
                "or({})",
                self.search.iter().map(one).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// The window.
    pub fn window(&self) -> TimeWindow {
        self.window
    }
}

/// What [`Client::read_runs`] read: the runs, and what it cost.
#[derive(Debug, Default)]
pub struct RunsRead {
    /// Every run listed, once each, in the order listed (with
    /// [`RunQuery::only_holding`]: only those holding a text, and strays).
    pub runs: Vec<ReadRun>,
    /// Runs listed, once each (kept in [`RunsRead::runs`] or not): a run listed twice
    /// ends the read as incomplete ([`crate::PagingReason::RepeatedRow`]).
    pub listed: u64,
    /// Pages answered.
    pub pages: u64,
    /// HTTP requests made, retries included.
    pub http_requests: u64,
}

struct ContentRows<'a> {
    projects: &'a [Uuid],
    ids: Option<&'a [Uuid]>,
    check: Vec<String>,
    only_holding: bool,
}

impl Rows for ContentRows<'_> {
    type Row = SelectedContent;
    type Id = Uuid;
    /// `None`: a run dropped as soon as it is judged ([`RunQuery::only_holding`]), and
    /// counted.
    type Judged = Option<ReadRun>;

    fn id(&self, row: &SelectedContent) -> Uuid {
        row.id
    }

    fn sort_key(&self, row: &SelectedContent) -> Option<SystemTime> {
        Some(from_chrono(row.start_time))
    }

    fn judge(&self, r: SelectedContent) -> Option<ReadRun> {
        let docs = [&r.inputs, &r.outputs, &r.error, &r.events, &r.extra];
        let held = self
            .check
            .iter()
            .enumerate()
            .filter(|(_, t)| docs.iter().any(|d| d.as_ref().is_some_and(|v| holds(t, v))))
            .map(|(i, _)| i)
            .collect();
        let stray = self.projects.binary_search(&r.project_id).is_err()
            || self
                .ids
                .is_some_and(|ids| ids.binary_search(&r.id).is_err());
        let held: Vec<usize> = held;
        if self.only_holding && held.is_empty() && !stray {
            return None;
        }
        Some(ReadRun {
            id: r.id,
            trace_id: r.trace_id,
            session_id: r.project_id,
            holds: held,
            stray,
        })
    }

    /// Never called: the listing is sorted, and a repeat ends it.
    fn repeated(&self, _: SelectedContent) -> Option<Option<ReadRun>> {
        None
    }
}

fn to_chrono(t: SystemTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::from(t)
}

fn from_chrono(t: chrono::DateTime<chrono::Utc>) -> SystemTime {
    t.into()
}

/// A run share link: which run, in which project. The token is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shared {
    /// A run's public link.
    Run {
        /// The run shared.
        run_id: Uuid,
        /// Its project, when the listing names it.
        session_id: Option<Uuid>,
    },
    /// A dataset's public link.
    Dataset {
        /// The dataset shared.
        dataset_id: Uuid,
    },
}

/// Feedback listed or read: where it is and which texts its comment or correction holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRef {
    /// The feedback.
    pub id: Uuid,
    /// The run it is about (none for feedback on a project or comparison).
    pub run_id: Option<Uuid>,
    /// That run's trace, when the server names it.
    pub trace_id: Option<Uuid>,
    /// That run's project, when the server names it.
    pub session_id: Option<Uuid>,
    /// The indexes of the texts found in its comment or correction.
    pub holds: Vec<usize>,
}

/// What a listing of feedback read: the feedback holding a text, and how many listed.
#[derive(Debug, Default)]
pub struct FeedbackRead {
    /// The feedback holding one of the texts.
    pub holding: Vec<FeedbackRef>,
    /// Feedback listed (holding a text or not).
    pub listed: u64,
    /// Feedback listed under another project than the one asked for: never acted on.
    pub stray: u64,
    /// HTTP requests made, retries included.
    pub http_requests: u64,
}

/// What keeps making copies: a rule (adds runs to a dataset or queue, or calls webhooks)
/// or a bulk export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySource {
    /// A run rule (automation).
    Rule {
        /// The rule.
        id: Uuid,
        /// Whether it is on.
        enabled: bool,
        /// The dataset it adds runs to.
        adds_to_dataset: Option<Uuid>,
        /// The annotation queue it adds runs to.
        adds_to_queue: Option<Uuid>,
        /// How many webhooks it calls.
        webhooks: usize,
    },
    /// A bulk export of a project's runs.
    Export {
        /// The export.
        id: Uuid,
        /// The project it exports.
        session_id: Uuid,
        /// Its status, as the server names it.
        status: String,
        /// Whether it runs again on an interval.
        recurring: bool,
    },
}

fn feedback_ref(f: ReadFeedback, check: &[String]) -> FeedbackRef {
    let comment = f.comment.map(Value::String);
    let correction = f.correction.filter(|c| !c.is_null());
    let holds_ = check
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            [&comment, &correction]
                .iter()
                .any(|d| d.as_ref().is_some_and(|v| holds(t, v)))
        })
        .map(|(i, _)| i)
        .collect();
    FeedbackRef {
        id: f.id,
        run_id: f.run_id,
        trace_id: f.trace_id,
        session_id: f.session_id,
        holds: holds_,
    }
}

/// What a scan of one dataset's examples read: the examples holding a text (with the
/// indexes of the texts), and how many were listed.
#[derive(Debug, Default)]
pub struct ExamplesScanned {
    /// `(example, indexes of the texts it holds)`, in the order listed.
    pub holding: Vec<(Uuid, Vec<usize>)>,
    /// Examples listed.
    pub listed: u64,
    /// Rows of another dataset the listing returned: never acted on.
    pub foreign: u64,
}

/// Rows listed by id, dropped when listed before.
struct ById<T>(fn(&T) -> Uuid);

impl<T> Rows for ById<T> {
    type Row = T;
    type Id = Uuid;
    type Judged = T;

    fn id(&self, row: &T) -> Uuid {
        (self.0)(row)
    }

    fn judge(&self, row: T) -> T {
        row
    }

    fn repeated(&self, _: T) -> Option<T> {
        None
    }
}

/// Whether an error is a 404 the route itself answered (it names what it did not find),
/// not a router's answer for a path it does not have.
fn not_found(e: &Error) -> bool {
    matches!(e, Error::NotFound(a) if a.error().is_some_and(|m| m != "Not Found"))
}

impl Client {
    /// Every example of `dataset` (`GET /api/v1/examples`, every page, no server
    /// filter), each checked here for `texts` in a string value or key of its inputs,
    /// outputs or metadata: what the server's search cannot prove absent, read whole.
    /// Streams: an example's content is dropped once checked.
    ///
    /// `counted`: the dataset's `example_count` as its listing gave it, when it did: the
    /// listing is then bounded by it (as by the server's count: that many plus a tenth or
    /// a page), and no count is asked. A count that is too low stops the listing with
    /// [`Error::Paging`]: incomplete, never a short proof.
    pub async fn scan_examples(
        &self,
        dataset: &crate::Dataset,
        texts: &[&str],
    ) -> Result<ExamplesScanned, Error> {
        let mut query = crate::ExampleQuery::new()
            .dataset(dataset.id)
            .with_content();
        if let Some(n) = dataset.example_count.and_then(|n| u64::try_from(n).ok()) {
            query = query.counted(n);
        }
        self.check_examples(&query, texts).await
    }

    /// Some examples re-read by id (`GET /api/v1/examples`, one listing per
    /// [`crate::PAGE_SIZE`] less one ids, no server filter), each checked here for `texts`
    /// as [`Client::scan_examples`] checks: what a deletion is decided on, whatever the
    /// server's search says. An id not listed is in neither list of the answer.
    pub async fn recheck_examples(
        &self,
        ids: &[Uuid],
        texts: &[&str],
    ) -> Result<ExamplesScanned, Error> {
        let mut out = ExamplesScanned::default();
        for chunk in ids.chunks(crate::PAGE_SIZE - 1) {
            let query = crate::ExampleQuery::new()
                .ids(chunk.iter().copied())
                .with_content();
            let read = self.check_examples(&query, texts).await?;
            out.listed += read.listed;
            out.foreign += read.foreign;
            out.holding.extend(
                read.holding
                    .into_iter()
                    .filter(|(id, _)| chunk.contains(id)),
            );
        }
        Ok(out)
    }

    async fn check_examples(
        &self,
        query: &crate::ExampleQuery,
        texts: &[&str],
    ) -> Result<ExamplesScanned, Error> {
        use futures_util::StreamExt;
        let check: Vec<String> = texts.iter().map(|t| fold(t).into_owned()).collect();
        let mut out = ExamplesScanned::default();
        let mut rows = std::pin::pin!(self.examples(query));
        while let Some(row) = rows.next().await {
            out.listed += 1;
            match row? {
                crate::Listed::Selected(e) => {
                    let docs = [e.inputs, e.outputs, e.metadata].map(|d| d.map(Value::Object));
                    let held: Vec<usize> = check
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| {
                            docs.iter().any(|d| d.as_ref().is_some_and(|v| holds(t, v)))
                        })
                        .map(|(i, _)| i)
                        .collect();
                    if !held.is_empty() {
                        out.holding.push((e.id, held));
                    }
                }
                crate::Listed::Excluded { .. } => out.foreign += 1,
                crate::Listed::Repeated(_) => {}
            }
        }
        Ok(out)
    }

    /// Every tracing project (`GET /api/v1/sessions`, every page, oldest first),
    /// experiments included.
    pub async fn all_projects(&self) -> Result<Vec<Project>, Error> {
        let rows: ById<ReadProject> = ById(|s| s.id);
        let walk = Lister::offset(Listing::Projects, PROJECTS_PAGE_SIZE, rows)
            .bound(Bound::at_most(MAX_PROJECTS, PROJECTS_PAGE_SIZE))
            .walk_offset(None, |offset| async move {
                let called = self
                    .call(
                        Call::new("list_projects"),
                        |_| {
                            let call = self
                                .api
                                .read_tracer_sessions_api_v1_sessions_get()
                                .limit(PROJECTS_PAGE_SIZE as u64)
                                .offset(offset)
                                .sort_by(types::SessionSortableColumns::StartTime)
                                .sort_by_desc(false);
                            hooks::capture(call.send())
                        },
                        |rv, _| decode_all(rv.into_inner(), "project"),
                    )
                    .await;
                (called.result, called.attempts)
            })
            .await;
        Ok(walk
            .result?
            .into_iter()
            .map(|s| Project {
                id: s.id,
                start_time: s.start_time.map(from_chrono),
                reference_dataset_id: s.reference_dataset_id,
                run_count: s.run_count.and_then(|n| u64::try_from(n).ok()),
            })
            .collect())
    }

    /// Runs of the query's projects in its window (the v2 runs query, chunked by
    /// [`PROJECTS_PER_QUERY`] projects and [`IDS_PER_QUERY`] ids, every cursor page, latest
    /// `start_time` first), each checked here for the query's texts. Fails with the first
    /// error: an incomplete read finds nothing and proves nothing.
    ///
    /// Streams: each page is judged and dropped before the next is asked for; with
    /// [`RunQuery::only_holding`] only the runs holding a text (and strays) are kept. A
    /// repeat is told without keeping every id: every run must come in the order asked
    /// for (`start_time` not later than the run before it), a run with the same
    /// `start_time` as the last must not be one listed with it, and a next cursor must
    /// not be one given before; any of these ends the read with [`Error::Paging`].
    pub async fn read_runs(&self, q: &RunQuery) -> Result<RunsRead, Error> {
        let mut out = RunsRead::default();
        if q.projects.is_empty() || q.ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(out);
        }
        let filter = q.filter();
        let selects = if q.check.is_empty() {
            PLACE_SELECTS
        } else {
            CONTENT_SELECTS
        };
        let id_chunks: Vec<Option<&[Uuid]>> = match &q.ids {
            Some(ids) => ids.chunks(IDS_PER_QUERY).map(Some).collect(),
            None => vec![None],
        };
        for projects in q.projects.chunks(PROJECTS_PER_QUERY) {
            for ids in &id_chunks {
                let rows = ContentRows {
                    projects: &q.projects,
                    ids: q.ids.as_deref(),
                    check: q.check.iter().map(|t| fold(t).into_owned()).collect(),
                    only_holding: q.only_holding,
                };
                let filter = filter.clone();
                let order = match RUNS_ORDER {
                    types::QuerySortOrder::Asc => Order::Ascending,
                    types::QuerySortOrder::Desc => Order::Descending,
                };
                let (mut listed, mut kept) = (0u64, Vec::new());
                let walk = Lister::sorted(Listing::Runs, crate::V2_PAGE_SIZE, rows, order)
                    .bound(Bound::unique(crate::runs_query::MAX_RUNS_PER_READ))
                    .walk_cursor_pages(
                        q.cancel.as_deref(),
                        |cursor| {
                            let filter = filter.clone();
                            async move {
                                let called = self
                                    .call(
                                        Call::new("query_runs_v2")
                                            .ids(ids.map_or(0, <[Uuid]>::len)),
                                        |_| {
                                            let filter = filter.clone();
                                            let cursor = cursor.clone();
                                            async move {
                                                let sent = self
                                                    .api
                                                    .query_runs()
                                                    .body_map(|b| {
                                                        b.project_ids(projects.to_vec())
                                                            .ids(
                                                                ids.map(<[Uuid]>::to_vec)
                                                                    .unwrap_or_default(),
                                                            )
                                                            .filter(filter)
                                                            .selects(selects.to_vec())
                                                            .min_start_time(Some(to_chrono(
                                                                q.window.min_start_time,
                                                            )))
                                                            .max_start_time(Some(to_chrono(
                                                                q.window.max_start_time,
                                                            )))
                                                            .page_size(
                                                                NonZeroU64::new(
                                                                    crate::V2_PAGE_SIZE as u64,
                                                                )
                                                                .expect("non-zero"),
                                                            )
                                                            .sort_order(RUNS_ORDER)
                                                            .cursor(cursor)
                                                    })
                                                    .send();
                                                hooks::capture(sent).await
                                            }
                                        },
                                        content_page,
                                    )
                                    .await;
                                (called.result, called.attempts)
                            }
                        },
                        |page| {
                            listed += page.len() as u64;
                            kept.extend(page.into_iter().flatten());
                        },
                    )
                    .await;
                out.pages += walk.pages;
                out.http_requests += walk.attempts;
                walk.result.map_err(no_v2)?;
                out.listed += listed;
                out.runs.append(&mut kept);
            }
        }
        Ok(out)
    }

    /// Feedback of one project (`GET /api/v1/feedback?session=`, every page), its
    /// `comment` and `correction` checked here for `texts`; only feedback holding one is
    /// kept.
    pub async fn feedback_of_project(
        &self,
        project: Uuid,
        texts: &[&str],
    ) -> Result<FeedbackRead, Error> {
        let check: Vec<String> = texts.iter().map(|t| fold(t).into_owned()).collect();
        let rows: ById<ReadFeedback> = ById(|f| f.id);
        let walk = Lister::offset(Listing::Feedback, FEEDBACK_PAGE_SIZE, rows)
            .bound(Bound::at_most(MAX_PROJECTS * 10, FEEDBACK_PAGE_SIZE))
            .walk_offset(None, |offset| async move {
                let called = self
                    .call(
                        Call::new("list_feedback"),
                        |_| {
                            let call = self
                                .api
                                .read_feedbacks_api_v1_feedback_get()
                                .session(project)
                                .limit(FEEDBACK_PAGE_SIZE as u64)
                                .offset(offset);
                            hooks::capture(call.send())
                        },
                        |rv, _| decode_all(rv.into_inner(), "feedback"),
                    )
                    .await;
                (called.result, called.attempts)
            })
            .await;
        let mut out = FeedbackRead {
            http_requests: walk.attempts,
            ..FeedbackRead::default()
        };
        for f in walk.result? {
            out.listed += 1;
            if f.session_id.is_some_and(|s| s != project) {
                out.stray += 1;
                continue;
            }
            let r = feedback_ref(f, &check);
            if !r.holds.is_empty() {
                out.holding.push(r);
            }
        }
        Ok(out)
    }

    /// One feedback by id (`GET /api/v1/feedback/{id}`), checked here for `texts`;
    /// `None` when the route answers that it has none such (a 404 naming it).
    pub async fn read_feedback(
        &self,
        id: Uuid,
        texts: &[&str],
    ) -> Result<Option<FeedbackRef>, Error> {
        let check: Vec<String> = texts.iter().map(|t| fold(t).into_owned()).collect();
        let called = self
            .call(
                Call::new("read_feedback"),
                |_| {
                    hooks::capture(
                        self.api
                            .read_feedback_api_v1_feedback_feedback_id_get()
                            .feedback_id(id)
                            .send(),
                    )
                },
                |rv, _| {
                    rv.into_inner()
                        .decode::<ReadFeedback>()
                        .map_err(|e| Box::new(undecodable("feedback", 0, e)))
                },
            )
            .await;
        match called.result {
            Ok(f) if f.id == id => Ok(Some(feedback_ref(f, &check))),
            Ok(_) => Err(Error::unexpected_body(
                Some(200),
                true,
                "a feedback read answered another feedback than the one asked for",
                String::new(),
                None,
                None,
            )),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes one feedback (`DELETE /api/v1/feedback/{id}`): `Ok(true)` when the server
    /// accepted it (a 2xx: requested; only a read-back shows it gone), `Ok(false)` when
    /// the route answered that it has none such.
    pub async fn delete_feedback(&self, id: Uuid) -> Result<bool, Error> {
        let called = self
            .call(
                Call::new("delete_feedback").ids(1),
                |_| {
                    hooks::capture(
                        self.api
                            .delete_feedback_api_v1_feedback_feedback_id_delete()
                            .feedback_id(id)
                            .send(),
                    )
                },
                |_, _| Ok(()),
            )
            .await;
        match called.result {
            Ok(()) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every public share link of the workspace (`GET /api/v1/workspaces/current/shared`,
    /// every page): which run or dataset, never the token.
    pub async fn shared_entities(&self) -> Result<Vec<Shared>, Error> {
        let rows: ById<(Uuid, Shared)> = ById(|(k, _)| *k);
        let walk = Lister::offset(Listing::Shares, SHARED_PAGE_SIZE, rows)
            .bound(Bound::at_most(MAX_PROJECTS, SHARED_PAGE_SIZE))
            .walk_offset(None, |offset| async move {
                let called = self
                    .call(
                        Call::new("list_shared"),
                        |_| {
                            hooks::capture(
                                self.api
                                    .get_shared_tokens_api_v1_workspaces_current_shared_get()
                                    .limit(SHARED_PAGE_SIZE as u64)
                                    .offset(offset)
                                    .send(),
                            )
                        },
                        |rv, _| {
                            Ok(rv
                                .into_inner()
                                .entities
                                .into_iter()
                                .map(|e| match e {
                                    types::EntitiesItem::RunToken(t) => (
                                        t.run_id,
                                        Shared::Run {
                                            run_id: t.run_id,
                                            session_id: t.session_id,
                                        },
                                    ),
                                    types::EntitiesItem::DatasetToken(t) => (
                                        t.dataset_id,
                                        Shared::Dataset {
                                            dataset_id: t.dataset_id,
                                        },
                                    ),
                                })
                                .collect())
                        },
                    )
                    .await;
                (called.result, called.attempts)
            })
            .await;
        Ok(walk.result?.into_iter().map(|(_, s)| s).collect())
    }

    /// Revokes a run's public link (`DELETE /api/v1/runs/{id}/share`): `Ok(true)` when
    /// accepted, `Ok(false)` when the route answered that there is none.
    pub async fn unshare_run(&self, run_id: Uuid) -> Result<bool, Error> {
        let called = self
            .call(
                Call::new("unshare_run").ids(1),
                |_| {
                    hooks::capture(
                        self.api
                            .unshare_run_api_v1_runs_run_id_share_delete()
                            .run_id(run_id)
                            .send(),
                    )
                },
                |_, _| Ok(()),
            )
            .await;
        match called.result {
            Ok(()) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Revokes a dataset's public link (`DELETE /api/v1/datasets/{id}/share`).
    pub async fn unshare_dataset(&self, dataset_id: Uuid) -> Result<bool, Error> {
        let called = self
            .call(
                Call::new("unshare_dataset").ids(1),
                |_| {
                    hooks::capture(
                        self.api
                            .unshare_dataset_api_v1_datasets_dataset_id_share_delete()
                            .dataset_id(dataset_id)
                            .send(),
                    )
                },
                |_, _| Ok(()),
            )
            .await;
        match called.result {
            Ok(()) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The rules (`GET /api/v1/runs/rules`) and bulk exports (`GET /api/v1/bulk-exports`)
    /// of the workspace: what keeps making copies.
    pub async fn copy_sources(&self) -> Result<Vec<CopySource>, Error> {
        let mut out = self.rules().await?;
        out.extend(self.bulk_exports().await?);
        Ok(out)
    }

    /// The rules (`GET /api/v1/runs/rules`), read for the properties the client uses
    /// ([`RULE_FIELDS`]).
    pub async fn rules(&self) -> Result<Vec<CopySource>, Error> {
        let rules = self
            .call(
                Call::new("list_rules"),
                |_| hooks::capture(self.api.list_rules_api_v1_runs_rules_get().send()),
                |rv, _| Ok(rv.into_inner()),
            )
            .await
            .result?;
        let mut out = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            let r: ReadRule = r.decode().map_err(|e| undecodable("rule", i, e))?;
            out.push(CopySource::Rule {
                id: r.id,
                enabled: r.is_enabled.unwrap_or(true),
                adds_to_dataset: r.add_to_dataset_id,
                adds_to_queue: r.add_to_annotation_queue_id,
                webhooks: r.webhooks.map_or(0, |w| w.len()),
            });
        }
        Ok(out)
    }

    /// The bulk exports (`GET /api/v1/bulk-exports`), read for the properties the client
    /// uses ([`EXPORT_FIELDS`]).
    pub async fn bulk_exports(&self) -> Result<Vec<CopySource>, Error> {
        let exports = self
            .call(
                Call::new("list_bulk_exports"),
                |_| hooks::capture(self.api.get_bulk_exports_api_v1_bulk_exports_get().send()),
                |rv, _| Ok(rv.into_inner()),
            )
            .await
            .result?;
        let mut out = Vec::new();
        for (i, e) in exports.iter().enumerate() {
            let e: ReadExport = e.decode().map_err(|e| undecodable("bulk export", i, e))?;
            out.push(CopySource::Export {
                id: e.id,
                session_id: e.session_id,
                status: e.status.unwrap_or_default(),
                recurring: e.interval_hours.is_some_and(|h| h > 0),
            });
        }
        Ok(out)
    }
}

/// A listed object that is not what the client reads (a property it uses missing or of
/// another type): which one, and why.
fn undecodable(what: &str, i: usize, e: serde_json::Error) -> Error {
    Error::unexpected_body(
        Some(200),
        true,
        format!(
            "{what} {} of the listing is not what the client reads",
            i + 1
        ),
        String::new(),
        None,
        Some(Box::new(e)),
    )
}

/// Decodes every object of a listing into what the client reads of it (`T`), failing on
/// the first that is not (which one, and why).
fn decode_all<T: serde::de::DeserializeOwned>(
    listed: Vec<langsmith_api::partial::PartialObject>,
    what: &str,
) -> Result<Vec<T>, Box<Error>> {
    let mut out = Vec::with_capacity(listed.len());
    for (i, o) in listed.iter().enumerate() {
        out.push(o.decode().map_err(|e| Box::new(undecodable(what, i, e)))?);
    }
    Ok(out)
}

/// The properties of a feedback the client reads ([`FEEDBACK_FIELDS`]).
#[derive(Deserialize)]
struct ReadFeedback {
    id: Uuid,
    #[serde(default)]
    run_id: Option<Uuid>,
    #[serde(default)]
    trace_id: Option<Uuid>,
    #[serde(default)]
    session_id: Option<Uuid>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    correction: Option<Value>,
}

/// The properties of `FeedbackSchema` the client reads, for the contract suite.
pub const FEEDBACK_FIELDS: &[&str] = &[
    "id",
    "run_id",
    "trace_id",
    "session_id",
    "comment",
    "correction",
];

/// The properties of a tracing project the client reads ([`PROJECT_FIELDS`]).
#[derive(Deserialize)]
struct ReadProject {
    id: Uuid,
    #[serde(default)]
    start_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    reference_dataset_id: Option<Uuid>,
    #[serde(default)]
    run_count: Option<i64>,
}

/// The properties of `TracerSession` the client reads, for the contract suite.
pub const PROJECT_FIELDS: &[&str] = &["id", "start_time", "reference_dataset_id", "run_count"];

/// The properties of a rule the client reads ([`RULE_FIELDS`]).
#[derive(Deserialize)]
struct ReadRule {
    id: Uuid,
    #[serde(default)]
    is_enabled: Option<bool>,
    #[serde(default)]
    add_to_dataset_id: Option<Uuid>,
    #[serde(default)]
    add_to_annotation_queue_id: Option<Uuid>,
    #[serde(default)]
    webhooks: Option<Vec<Value>>,
}

/// The properties of a bulk export the client reads ([`EXPORT_FIELDS`]).
#[derive(Deserialize)]
struct ReadExport {
    id: Uuid,
    session_id: Uuid,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    interval_hours: Option<i64>,
}

/// The properties of `RunRulesSchema` the client reads, for the contract suite.
pub const RULE_FIELDS: &[&str] = &[
    "id",
    "is_enabled",
    "add_to_dataset_id",
    "add_to_annotation_queue_id",
    "webhooks",
];
/// The properties of `BulkExport` the client reads, for the contract suite.
pub const EXPORT_FIELDS: &[&str] = &["id", "session_id", "status", "interval_hours"];

/// A v2 page of a content read, decoded as selected.
fn content_page(
    rv: langsmith_api::ResponseValue<types::QueryQueryRunsResponseBody>,
    _: hooks::ResponseMeta,
) -> Result<CursorPage<SelectedContent>, Box<Error>> {
    let status = rv.status().as_u16();
    let request_id = hooks::request_id(rv.headers());
    let page = rv.into_inner();
    let (has_more, next_cursor) = (page.has_more, page.next_cursor);
    let mut rows = Vec::with_capacity(page.items.len());
    // Each run consumed as it is decoded: its content moved, not copied.
    for (i, r) in page.items.into_iter().enumerate() {
        rows.push(r.into_decoded::<SelectedContent>().map_err(|e| {
            Box::new(Error::unexpected_body(
                Some(status),
                true,
                format!(
                    "run {} of a v2 runs query page is not what the query selected",
                    i + 1
                ),
                String::new(),
                request_id.clone(),
                Some(Box::new(e)),
            ))
        })?);
    }
    let next = match (has_more, next_cursor.filter(|c| !c.is_empty())) {
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
        _ => None,
    };
    Ok(CursorPage { rows, next })
}

/// A 404 or 405 of the v2 route that is not the route's own problem: no v2 runs query
/// here (this read has no v1 fallback).
fn no_v2(e: Error) -> Error {
    match &e {
        Error::NotFound(a) | Error::UnexpectedStatus(a)
            if (a.status() == 405 || a.status() == 404) && !a.is_the_routes_answer() =>
        {
            Error::no_runs_api(Some(a.status()), None)
        }
        _ => e,
    }
}
