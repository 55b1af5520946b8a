//! `--with-runs` as evidence: the experiment traces that copied the examples, what was
//! done about them (the report's `runs` and `runs_verification` sections), and what a
//! report must say it did not reach.

use crate::util::rfc3339;
use langsmith::{
    Error, RunsApi, TimeWindow, TraceDeleteReport, TraceKey, TraceOutcome, TraceState,
    TraceVerifyReport, TracesFound, Uuid,
};
pub use langsmith_case::evidence::{
    self, Lookup, RunRow, RunsSection, StillPresentRow, TraceKeyRow, TraceRequestRow, TraceRow,
    TraceRowOutcome, TraceTotals, TraceVerifySection, Window, WouldDelete, WouldDeleteRow,
};

/// The runs lookup a report recorded: the API, the window and the datasets it asked
/// about, so a read-back asks the same question.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub api: Option<RunsApi>,
    pub window: TimeWindow,
    pub datasets: Vec<Uuid>,
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

    /// What a report's lookup recorded; `None` when it recorded no window (a report from
    /// before the v2 runs query: the read-back then reads the examples' scope afresh).
    /// The error names the field that is not a time.
    pub fn of_report(lookup: &Lookup) -> Result<Option<Recorded>, String> {
        let Some(w) = &lookup.window else {
            return Ok(None);
        };
        let (min, max) = w.parse().map_err(|e| format!("runs.lookup.window.{e}"))?;
        Ok(Some(Recorded {
            api: lookup.runs_api.map(|a| match a {
                evidence::RunsApi::V2 => RunsApi::V2,
                evidence::RunsApi::V1 => RunsApi::V1,
            }),
            window: TimeWindow {
                min_start_time: min.into(),
                max_start_time: max.into(),
            },
            datasets: lookup.datasets.clone(),
        }))
    }
}

/// The facade's runs API as the report names it.
fn runs_api(api: RunsApi) -> evidence::RunsApi {
    match api {
        RunsApi::V2 => evidence::RunsApi::V2,
        RunsApi::V1 => evidence::RunsApi::V1,
    }
}

/// Places an example's data may have been copied to that the API does not reach for this
/// tool: every report lists them, so that it never claims more than it proves.
pub(crate) const UNREACHABLE: &[&str] = &[
    "exports already made: datasets or traces downloaded, or bulk-exported to other storage",
    "systems fed by automation rules' webhooks, or by other integrations, with this data",
    "evaluator runs, which go to a project named \"evaluators\" and name the example only in their metadata (the runs query's reference_example filter does not find them)",
    "copies in other workspaces or other LangSmith deployments, and the datasets other people made from these examples",
];

/// What `--with-runs` did after the examples were deleted.
/// A trace whose deletion an earlier run requested, as its journal recorded it: not
/// requested again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JournaledTrace {
    pub key: TraceKey,
    pub request_id: Option<String>,
    /// When the request was answered (RFC 3339).
    pub requested_at: String,
}

pub(crate) struct TraceRun {
    /// The examples whose traces were looked up.
    pub examples: usize,
    /// Traces an earlier run's journal says were requested (sorted by key): found again,
    /// they are not requested again.
    pub journaled: Vec<JournaledTrace>,
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

    /// The traces whose deletion was requested, by this run or (found again) an
    /// earlier one its journal records.
    pub fn requested(&self) -> Vec<TraceKey> {
        let mut keys: Vec<TraceKey> = self.deletion.as_ref().map_or_else(Vec::new, |d| {
            d.outcomes()
                .filter(|(_, o)| *o == TraceOutcome::DeletionRequested)
                .map(|(k, _)| *k)
                .collect()
        });
        if let Ok(found) = &self.found {
            keys.extend(
                found
                    .keys()
                    .into_iter()
                    .filter(|k| self.journaled_request(k).is_some()),
            );
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The earlier run's request of a trace, when its journal holds one.
    pub fn journaled_request(&self, key: &TraceKey) -> Option<&JournaledTrace> {
        self.journaled
            .binary_search_by(|j| j.key.cmp(key))
            .ok()
            .map(|i| &self.journaled[i])
    }
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

fn lookup_of(examples: usize, found: Result<&TracesFound, &Error>) -> Lookup {
    match found {
        Ok(f) => Lookup {
            examples,
            runs_api: Some(runs_api(f.api())),
            window: Some(Window {
                min_start_time: rfc3339(f.window().min_start_time),
                max_start_time: rfc3339(f.window().max_start_time),
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
            error_kind: Some(e.kind().as_str().to_owned()),
        },
    }
}

const REQUESTED_NOTE: &str = "deletion_requested: the service accepted the request and queues the deletion (LangSmith runs it later, and confirms nothing); a trace is gone only when a later runs query no longer lists it (verify --with-runs)";

/// The report's `runs` section of a `hard-delete --with-runs`.
pub(crate) fn runs_section(run: &TraceRun) -> RunsSection {
    let mut totals = TraceTotals::default();
    let mut traces = Vec::new();
    let mut requests = Vec::new();
    if let Ok(found) = &run.found {
        for t in found.traces() {
            if let Some(j) = run.journaled_request(&t.key) {
                // Requested by an earlier run (its journal says so): not sent again.
                totals.deletion_requested += 1;
                traces.push(TraceRow {
                    session_id: t.key.session_id,
                    trace_id: t.key.trace_id,
                    reference_example_ids: t.reference_example_ids.clone(),
                    outcome: TraceRowOutcome::DeletionRequested,
                    error_kind: None,
                    http_status: None,
                    request_id: j.request_id.clone(),
                    requested_at: Some(j.requested_at.clone()),
                    requested_by_earlier_run: true,
                });
                continue;
            }
            let outcome = run
                .deletion
                .as_ref()
                .and_then(|d| d.outcome_of(&t.key))
                .unwrap_or(TraceOutcome::NotAttempted);
            match outcome {
                TraceOutcome::DeletionRequested => totals.deletion_requested += 1,
                TraceOutcome::Failed(_) => totals.failed += 1,
                TraceOutcome::NotAttempted => totals.not_attempted += 1,
            }
            let by = run.deletion.as_ref().and_then(|d| d.settled_by(&t.key));
            traces.push(TraceRow {
                session_id: t.key.session_id,
                trace_id: t.key.trace_id,
                reference_example_ids: t.reference_example_ids.clone(),
                outcome: match outcome {
                    TraceOutcome::DeletionRequested => TraceRowOutcome::DeletionRequested,
                    TraceOutcome::Failed(_) => TraceRowOutcome::Failed,
                    TraceOutcome::NotAttempted => TraceRowOutcome::NotAttempted,
                },
                error_kind: match outcome {
                    TraceOutcome::Failed(kind) => Some(kind.as_str().to_owned()),
                    _ => None,
                },
                http_status: by.and_then(|r| r.status()),
                request_id: by.and_then(|r| r.request_id()).map(str::to_owned),
                requested_at: by.map(|r| rfc3339(r.finished())),
                requested_by_earlier_run: false,
            });
        }
    }
    if let Some(d) = &run.deletion {
        requests = d
            .requests()
            .iter()
            .map(|r| TraceRequestRow {
                index: r.index(),
                session_id: r.session_id(),
                traces: r.traces(),
                started_at: rfc3339(r.started()),
                finished_at: rfc3339(r.finished()),
                attempts: r.attempts(),
                http_status: r.status(),
                request_id: r.request_id().map(str::to_owned),
                message: r.message().map(str::to_owned),
                error_kind: r.error().map(|e| e.kind().as_str().to_owned()),
                error: r
                    .error()
                    .map(|e| langsmith::error_chain_line(e).to_string()),
            })
            .collect();
    }
    RunsSection {
        note: REQUESTED_NOTE.to_owned(),
        lookup: lookup_of(run.examples, run.found.as_ref()),
        totals,
        http_requests: run.deletion.as_ref().map_or(0, |d| d.http_requests()),
        traces,
        requests,
        stopped_by: run
            .deletion
            .as_ref()
            .and_then(|d| d.stopped_by())
            .map(|k| k.as_str().to_owned()),
    }
}

/// The traces a `select --with-runs` would have requested deleted.
pub(crate) fn would_delete(examples: usize, found: &Result<TracesFound, Error>) -> WouldDelete {
    WouldDelete {
        lookup: lookup_of(examples, found.as_ref()),
        traces: found.as_ref().map_or_else(
            |_| Vec::new(),
            |f| {
                f.traces()
                    .iter()
                    .map(|t| WouldDeleteRow {
                        session_id: t.key.session_id,
                        trace_id: t.key.trace_id,
                        reference_example_ids: t.reference_example_ids.clone(),
                        runs: t.runs,
                    })
                    .collect()
            },
        ),
    }
}

const GONE_NOTE: &str = "gone: its deletion was requested and a runs query for the examples no longer lists it; still_present with requested=true: queued, not carried out yet (LangSmith runs trace deletions later, at the weekend per its compliance guide)";

/// The read-back of traces (`verify --with-runs`, `hard-delete --with-runs --verify`).
pub(crate) fn trace_verify_section(
    examples: usize,
    v: &Result<TraceVerifyReport, Error>,
) -> TraceVerifySection {
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
    let listing = lookup_of(examples, v.as_ref().map(TraceVerifyReport::listing));
    TraceVerifySection {
        note: GONE_NOTE.to_owned(),
        lookup: listing,
        gone,
        still_present,
    }
}
