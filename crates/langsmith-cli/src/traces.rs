//! `--with-runs`: the experiment traces that copied the examples. Found by the runs query
//! (every run re-checked), their deletion requested (never called gone), read back; the
//! report's `runs` section; and what a report must say it did not reach.

use crate::term::{chain_lines, plural};
use langsmith::{
    Client, Error, ExampleScope, RunsApi, RunsOptions, TimeWindow, TraceDeleteOptions,
    TraceDeleteReport, TraceKey, TraceOutcome, TraceState, TraceVerifyReport, TracesFound, Uuid,
};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Places an example's data may have been copied to that the API does not reach for this
/// tool: every report lists them, so that it never claims more than it proves.
pub(crate) const UNREACHABLE: &[&str] = &[
    "exports already made: datasets or traces downloaded, or bulk-exported to other storage",
    "systems fed by automation rules' webhooks, or by other integrations, with this data",
    "evaluator runs, which go to a project named \"evaluators\" and name the example only in their metadata (the runs query's reference_example filter does not find them)",
    "copies in other workspaces or other LangSmith deployments, and the datasets other people made from these examples",
];

/// What `--with-runs` did after the examples were deleted.
pub(crate) struct TraceRun {
    /// The examples whose traces were looked up.
    pub examples: usize,
    /// The lookup: the traces found, or why the listing did not complete (then nothing
    /// was requested).
    pub found: Result<TracesFound, Error>,
    /// The deletion requests, when the lookup completed.
    pub deletion: Option<TraceDeleteReport>,
}

impl TraceRun {
    /// Runs listed that reference none of the examples: excluded, never deleted.
    pub fn excluded(&self) -> usize {
        self.found.as_ref().map_or(0, |f| f.excluded().len())
    }

    /// The traces whose deletion was requested.
    pub fn requested(&self) -> Vec<TraceKey> {
        self.deletion.as_ref().map_or_else(Vec::new, |d| {
            d.outcomes()
                .filter(|(_, o)| *o == TraceOutcome::DeletionRequested)
                .map(|(k, _)| *k)
                .collect()
        })
    }
}

/// The runs lookup an earlier report recorded: the API, the window and the datasets it
/// asked about, so a read-back asks the same question.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub api: Option<RunsApi>,
    pub window: TimeWindow,
    pub datasets: Vec<Uuid>,
}

/// Finds (`requested` None) or reads back the traces referencing `examples`: with an
/// earlier report's lookup, its API, window and datasets; else the examples' scope is read
/// and the window covers them.
async fn lookup(
    client: &Client,
    examples: &[Uuid],
    recorded: Option<&Recorded>,
    concurrency: usize,
    cancel: &Arc<AtomicBool>,
    requested: Option<Vec<TraceKey>>,
) -> Result<Lookedup, Error> {
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
    match requested {
        None => client
            .traces_referencing(&scope, &options)
            .await
            .map(Lookedup::Found),
        Some(requested) => client
            .verify_traces_gone(&scope, requested, &options)
            .await
            .map(Lookedup::Verified),
    }
}

enum Lookedup {
    Found(TracesFound),
    Verified(TraceVerifyReport),
}

/// Says on stderr which runs query answered, over which window.
fn say_api(found: &TracesFound, quiet: bool) {
    if quiet {
        return;
    }
    let w = found.window();
    match found.api() {
        RunsApi::V2 => eprintln!(
            "runs: looked up with the v2 runs query, start_time {} to {}",
            crate::report::rfc3339(w.min_start_time),
            crate::report::rfc3339(w.max_start_time)
        ),
        RunsApi::V1 => eprintln!(
            "runs: the v2 runs query is not served at this endpoint; looked up with the v1 runs query (deprecated by LangSmith, removal after 2027-01-31), start_time from {}",
            crate::report::rfc3339(w.min_start_time)
        ),
    }
}

/// Finds the traces referencing `examples` (with a progress line counting examples).
pub(crate) async fn find(
    client: &Client,
    examples: &[Uuid],
    concurrency: usize,
    quiet: bool,
    cancel: &Arc<AtomicBool>,
) -> Result<TracesFound, Error> {
    if !quiet {
        eprintln!(
            "looking up the runs that reference {}",
            plural(examples.len() as u64, "example", "examples")
        );
    }
    match lookup(client, examples, None, concurrency, cancel, None).await? {
        Lookedup::Found(f) => {
            say_api(&f, quiet);
            Ok(f)
        }
        Lookedup::Verified(_) => unreachable!("asked to find"),
    }
}

/// Finds the traces referencing `examples` and requests their deletion.
pub(crate) async fn find_and_delete(
    client: &Client,
    examples: Vec<Uuid>,
    concurrency: usize,
    quiet: bool,
    cancel: &Arc<AtomicBool>,
) -> TraceRun {
    let found = find(client, &examples, concurrency, quiet, cancel).await;
    let deletion = match &found {
        Ok(f) if !f.traces().is_empty() => {
            let progress = crate::term::Progress::new(quiet, Some(f.traces().len() as u64));
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
        examples: examples.len(),
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
    match lookup(
        client,
        examples,
        recorded,
        concurrency,
        cancel,
        Some(requested),
    )
    .await?
    {
        Lookedup::Verified(v) => Ok(v),
        Lookedup::Found(_) => unreachable!("asked to verify"),
    }
}

impl Recorded {
    /// What a finished lookup asked: for the read-back right after a deletion.
    pub fn of(found: &TracesFound) -> Recorded {
        Recorded {
            api: Some(found.api()),
            window: found.window(),
            datasets: found.datasets().to_vec(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct RunRow {
    pub run_id: Uuid,
    pub trace_id: Uuid,
    pub session_id: Uuid,
    pub reference_example_id: Option<Uuid>,
}

fn excluded_rows(found: &TracesFound) -> Vec<RunRow> {
    found
        .excluded()
        .iter()
        .map(|r| RunRow {
            run_id: r.id,
            trace_id: r.trace_id,
            session_id: r.session_id,
            reference_example_id: r.reference_example_id,
        })
        .collect()
}

/// The `start_time` window of a runs lookup, as a report records it.
#[derive(Serialize)]
pub(crate) struct WindowRow {
    pub min_start_time: String,
    pub max_start_time: String,
}

/// The runs query behind a section.
#[derive(Serialize)]
pub(crate) struct Lookup {
    /// Examples whose referencing runs were asked for.
    pub examples: usize,
    /// The runs query that answered: `v2` (`POST /api/v2/runs/query`) or `v1` (where v2
    /// is not served); null when the lookup failed before one answered.
    pub runs_api: Option<&'static str>,
    /// The `start_time` window every query asked for (never the server's default).
    pub window: Option<WindowRow>,
    /// The datasets of the examples: each a v2 query's `reference_dataset_id`.
    pub datasets: Vec<Uuid>,
    /// Unique runs listed that reference them, and the traces holding those runs.
    pub runs: u64,
    pub traces: usize,
    pub pages: u64,
    pub http_requests: u64,
    /// Listed runs whose `reference_example_id` is none of the examples (a server that
    /// did not apply the filter): excluded, never deleted.
    pub excluded: Vec<RunRow>,
    /// Why the listing did not complete (then nothing was requested); null when it did.
    pub error: Option<String>,
    pub error_kind: Option<&'static str>,
}

impl Lookup {
    fn of(examples: usize, found: Result<&TracesFound, &Error>) -> Lookup {
        match found {
            Ok(f) => Lookup {
                examples,
                runs_api: Some(f.api().as_str()),
                window: Some(WindowRow {
                    min_start_time: crate::report::rfc3339(f.window().min_start_time),
                    max_start_time: crate::report::rfc3339(f.window().max_start_time),
                }),
                datasets: f.datasets().to_vec(),
                runs: f.runs(),
                traces: f.traces().len(),
                pages: f.pages(),
                http_requests: f.http_requests(),
                excluded: excluded_rows(f),
                error: None,
                error_kind: None,
            },
            Err(e) => Lookup {
                examples,
                runs_api: None,
                window: None,
                datasets: Vec::new(),
                runs: 0,
                traces: 0,
                pages: 0,
                http_requests: 0,
                excluded: Vec::new(),
                error: Some(langsmith::error_chain_line(e).to_string()),
                error_kind: Some(e.kind().as_str()),
            },
        }
    }
}

#[derive(Serialize)]
pub(crate) struct TraceRow<'a> {
    pub session_id: Uuid,
    pub trace_id: Uuid,
    pub reference_example_ids: &'a [Uuid],
    /// `deletion_requested` (the service queued it: not yet proven gone), `failed`,
    /// `not_attempted`.
    pub outcome: &'static str,
    pub error_kind: Option<&'static str>,
    pub http_status: Option<u16>,
    pub request_id: Option<&'a str>,
    pub requested_at: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct TraceRequestRow {
    pub index: usize,
    pub session_id: Uuid,
    pub traces: usize,
    pub started_at: String,
    pub finished_at: String,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    /// The answer's `message` (`Run deletes queued`).
    pub message: Option<String>,
    pub error_kind: Option<&'static str>,
    pub error: Option<String>,
}

#[derive(Serialize, Default)]
pub(crate) struct TraceTotals {
    pub deletion_requested: usize,
    pub failed: usize,
    pub not_attempted: usize,
}

/// The report's `runs` section of a `hard-delete --with-runs`.
#[derive(Serialize)]
pub(crate) struct RunsSection<'a> {
    /// What "deletion_requested" means, in the report itself.
    pub note: &'static str,
    pub lookup: Lookup,
    pub totals: TraceTotals,
    pub http_requests: u64,
    pub traces: Vec<TraceRow<'a>>,
    pub requests: Vec<TraceRequestRow>,
    pub stopped_by: Option<&'static str>,
}

const REQUESTED_NOTE: &str = "deletion_requested: the service accepted the request and queues the deletion (LangSmith runs it later, and confirms nothing); a trace is gone only when a later runs query no longer lists it (verify --with-runs)";

impl<'a> RunsSection<'a> {
    pub fn of(run: &'a TraceRun) -> Self {
        let mut totals = TraceTotals::default();
        let mut traces = Vec::new();
        let mut requests = Vec::new();
        if let (Ok(found), Some(d)) = (&run.found, &run.deletion) {
            for t in found.traces() {
                let outcome = d.outcome_of(&t.key).unwrap_or(TraceOutcome::NotAttempted);
                match outcome {
                    TraceOutcome::DeletionRequested => totals.deletion_requested += 1,
                    TraceOutcome::Failed(_) => totals.failed += 1,
                    TraceOutcome::NotAttempted => totals.not_attempted += 1,
                }
                let by = d.settled_by(&t.key);
                traces.push(TraceRow {
                    session_id: t.key.session_id,
                    trace_id: t.key.trace_id,
                    reference_example_ids: &t.reference_example_ids,
                    outcome: outcome.as_str(),
                    error_kind: match outcome {
                        TraceOutcome::Failed(kind) => Some(kind.as_str()),
                        _ => None,
                    },
                    http_status: by.and_then(|r| r.status()),
                    request_id: by.and_then(|r| r.request_id()),
                    requested_at: by.map(|r| crate::report::rfc3339(r.finished())),
                });
            }
            requests = d
                .requests()
                .iter()
                .map(|r| TraceRequestRow {
                    index: r.index(),
                    session_id: r.session_id(),
                    traces: r.traces(),
                    started_at: crate::report::rfc3339(r.started()),
                    finished_at: crate::report::rfc3339(r.finished()),
                    attempts: r.attempts(),
                    http_status: r.status(),
                    request_id: r.request_id().map(str::to_owned),
                    message: r.message().map(str::to_owned),
                    error_kind: r.error().map(|e| e.kind().as_str()),
                    error: r
                        .error()
                        .map(|e| langsmith::error_chain_line(e).to_string()),
                })
                .collect();
        }
        RunsSection {
            note: REQUESTED_NOTE,
            lookup: Lookup::of(run.examples, run.found.as_ref()),
            totals,
            http_requests: run.deletion.as_ref().map_or(0, |d| d.http_requests()),
            traces,
            requests,
            stopped_by: run
                .deletion
                .as_ref()
                .and_then(|d| d.stopped_by())
                .map(langsmith::ErrorKind::as_str),
        }
    }
}

/// The traces a `select --with-runs` would have deleted.
#[derive(Serialize)]
pub(crate) struct WouldDelete<'a> {
    pub lookup: Lookup,
    pub traces: Vec<WouldDeleteRow<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WouldDeleteRow<'a> {
    pub session_id: Uuid,
    pub trace_id: Uuid,
    pub reference_example_ids: &'a [Uuid],
    pub runs: usize,
}

impl<'a> WouldDelete<'a> {
    pub fn of(examples: usize, found: &'a Result<TracesFound, Error>) -> Self {
        WouldDelete {
            lookup: Lookup::of(examples, found.as_ref()),
            traces: found.as_ref().map_or_else(
                |_| Vec::new(),
                |f| {
                    f.traces()
                        .iter()
                        .map(|t| WouldDeleteRow {
                            session_id: t.key.session_id,
                            trace_id: t.key.trace_id,
                            reference_example_ids: &t.reference_example_ids,
                            runs: t.runs,
                        })
                        .collect()
                },
            ),
        }
    }
}

/// The read-back of traces (`verify --with-runs`, `hard-delete --with-runs --verify`).
#[derive(Serialize)]
pub(crate) struct TraceVerifySection {
    pub note: &'static str,
    pub lookup: Lookup,
    /// Traces requested that no run referencing the examples is listed in any more.
    pub gone: Vec<TraceKeyRow>,
    /// Traces still listed: `requested` true means their deletion is pending.
    pub still_present: Vec<StillPresentRow>,
}

#[derive(Serialize)]
pub(crate) struct TraceKeyRow {
    pub session_id: Uuid,
    pub trace_id: Uuid,
}

#[derive(Serialize)]
pub(crate) struct StillPresentRow {
    pub session_id: Uuid,
    pub trace_id: Uuid,
    /// Whether its deletion had been requested (then pending; otherwise nobody asked).
    pub requested: bool,
}

const GONE_NOTE: &str = "gone: its deletion was requested and a runs query for the examples no longer lists it; still_present with requested=true: queued, not carried out yet (LangSmith runs trace deletions later, at the weekend per its compliance guide)";

impl TraceVerifySection {
    pub fn of(examples: usize, v: &Result<TraceVerifyReport, Error>) -> Self {
        let mut gone = Vec::new();
        let mut still_present = Vec::new();
        if let Ok(v) = v {
            for (k, state) in v.states() {
                match state {
                    TraceState::Gone => gone.push(TraceKeyRow {
                        session_id: k.session_id,
                        trace_id: k.trace_id,
                    }),
                    TraceState::StillPresent { requested } => still_present.push(StillPresentRow {
                        session_id: k.session_id,
                        trace_id: k.trace_id,
                        requested: *requested,
                    }),
                }
            }
        }
        let listing = Lookup::of(examples, v.as_ref().map(TraceVerifyReport::listing));
        TraceVerifySection {
            note: GONE_NOTE,
            lookup: listing,
            gone,
            still_present,
        }
    }
}

/// The summary of a `--with-runs` deletion, on stdout; failures on stderr.
pub(crate) fn print_summary(run: &TraceRun) {
    match &run.found {
        Err(e) => {
            println!(
                "traces: the runs lookup for {} did not complete, so no trace deletion was requested",
                plural(run.examples as u64, "example", "examples")
            );
            eprintln!("runs lookup: {}", chain_lines(e));
        }
        Ok(f) => {
            let (requested, failed, not_attempted) = run.deletion.as_ref().map_or((0, 0, 0), |d| {
                (d.requested(), d.failed(), d.not_attempted())
            });
            println!(
                "traces: {} found referencing {} ({} listed); deletion requested for {}{}{}",
                plural(f.traces().len() as u64, "trace", "traces"),
                plural(run.examples as u64, "deleted example", "deleted examples"),
                plural(f.runs(), "run", "runs"),
                requested,
                match failed {
                    0 => String::new(),
                    n => format!(", failed {n}"),
                },
                match not_attempted {
                    0 => String::new(),
                    n => format!(", not_attempted {n}"),
                },
            );
            if requested > 0 {
                println!(
                    "(deletion requested: queued by the service, not yet proven gone; verify with --with-runs later)"
                );
            }
            if !f.excluded().is_empty() {
                eprintln!(
                    "{} listed by the runs query reference none of these examples: excluded, never deleted",
                    plural(f.excluded().len() as u64, "run", "runs")
                );
            }
            if let Some(d) = &run.deletion {
                for r in d.requests().iter().filter(|r| r.error().is_some()).take(3) {
                    if let Some(e) = r.error() {
                        eprintln!(
                            "trace deletion request {} (session {}, {}) after {}: {}",
                            r.index(),
                            r.session_id(),
                            plural(r.traces() as u64, "trace", "traces"),
                            plural(r.attempts(), "attempt", "attempts"),
                            chain_lines(e)
                        );
                    }
                }
            }
        }
    }
}

/// The summary of a trace read-back, on stdout; traces still present on stderr.
pub(crate) fn print_verify_summary(v: &Result<TraceVerifyReport, Error>) {
    match v {
        Err(e) => {
            println!("traces: the runs lookup did not complete; nothing is proven gone");
            eprintln!("runs lookup: {}", chain_lines(e));
        }
        Ok(v) => {
            println!(
                "traces: gone {}, pending {} (requested, still listed), still present and never requested {}",
                v.gone(),
                v.pending(),
                v.unrequested()
            );
            for (k, state) in v
                .states()
                .iter()
                .filter(|(_, s)| *s != TraceState::Gone)
                .take(crate::input::MAX_LISTED)
            {
                let why = match state {
                    TraceState::StillPresent { requested: true } => {
                        "still listed (deletion requested, pending)"
                    }
                    _ => "still listed (its deletion was never requested)",
                };
                eprintln!("{k}: {why}");
            }
        }
    }
}
