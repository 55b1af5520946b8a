//! The searches of a case, place by place: read-only, each returning what it asked and
//! what came back ([`Search`]), for [`crate::case::CaseDir::record_place`].

use crate::case::{
    Answered, Asked, Case, Identified, Item, ItemState, Place, PlaceRecord, PlaceState, Window,
};
use langsmith::{
    Client, CopySource, Error, ExampleQuery, Exclusion, Project, ReadRun, RunQuery, RunsOptions,
    Shared, TimeWindow, Uuid,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

/// Records why a place is incomplete (`what`: which container): the error's kind, or a
/// cut-off listing's own words (which listing, where), never content. Returns the error
/// when it should decide the exit status (not a cut-off listing nor an unreadable
/// example, which only make the place incomplete).
fn problem(e: Error, what: &str, problems: &mut Vec<String>) -> Option<Error> {
    problems.push(match &e {
        Error::Paging(p) => format!("{what}: {p}"),
        other => format!("{what}: failed ({})", other.kind().as_str()),
    });
    (!matches!(e, Error::Paging(_) | Error::NameResolution(_))).then_some(e)
}

/// One place searched: the record, the items, and the first error that was not a cut-off
/// listing (an authentication or connection failure decides the exit status).
#[derive(Debug)]
pub struct Search {
    pub record: PlaceRecord,
    pub items: Vec<Item>,
    pub error: Option<Error>,
}

/// Examples in every dataset: every dataset listed (every page), then per dataset and
/// identifier an examples listing with `contains` ([`ExampleQuery::contains`]: the
/// server's `full_text_contains`, and every listed row re-checked here, the identifier
/// folded as `--contains` folds, in a string value or key of its inputs or outputs).
/// Rows that pass are items `found`; rows that fail are `excluded` with the check they
/// failed, never to be erased. A listing that failed or was cut off, and a dataset's
/// listing holding another dataset's rows, make the place `incomplete`.
///
/// `now` gives the time (RFC 3339) for the record and the items' history.
///
/// With `scan`, no server search: every example of every dataset is listed and checked
/// here ([`Client::scan_examples`]), one listing per dataset.
pub async fn examples(
    client: &Client,
    who: &Identified,
    scan: bool,
    now: &dyn Fn() -> String,
) -> Search {
    let started_at = now();
    let mut asked = Asked {
        identifiers: who.len() as u64,
        ..Asked::default()
    };
    let mut answered = Answered::default();
    let mut problems = Vec::new();
    let mut items = Vec::new();
    let mut error = None;
    let mut note = |e: Error, what: String, problems: &mut Vec<String>| {
        if let Some(e) = problem(e, &what, problems) {
            error.get_or_insert(e);
        }
    };
    let datasets = match client.all_datasets().await {
        Ok(d) => d,
        Err(e) => {
            note(e, "the datasets listing".into(), &mut problems);
            Vec::new()
        }
    };
    asked.containers = datasets.len() as u64;
    if scan {
        let texts = texts(who);
        for dataset in &datasets {
            asked.queries += 1;
            match client.scan_examples(dataset, &texts).await {
                Ok(read) => {
                    answered.listed += read.listed;
                    answered.matched += read.holding.len() as u64;
                    let at = now();
                    for (id, holds) in read.holding {
                        items.push(Item {
                            dataset_id: Some(dataset.id),
                            matched: hashes(who, &holds),
                            ..Item::new(Place::Examples, id, ItemState::Found, &at)
                        });
                    }
                    if read.foreign > 0 {
                        problems.push(format!(
                            "dataset {}: the listing returned {} rows of another dataset",
                            dataset.id, read.foreign
                        ));
                    }
                }
                Err(e) => note(e, format!("dataset {}", dataset.id), &mut problems),
            }
        }
    }
    for dataset in datasets.iter().filter(|_| !scan) {
        for (hash, identifier) in who.iter() {
            asked.queries += 1;
            let query = ExampleQuery::new()
                .dataset(dataset.id)
                .contains(identifier.text())
                .contains_in_metadata();
            let selection = match client.select(&query).await {
                Ok(s) => s,
                Err(e) => {
                    note(e, format!("dataset {}", dataset.id), &mut problems);
                    continue;
                }
            };
            answered.counted += selection.counted;
            answered.listed += selection.listed();
            answered.matched += selection.selected.len() as u64;
            answered.excluded += selection.excluded.len() as u64;
            let at = now();
            let item = |id, state, reason: Option<Exclusion>| Item {
                dataset_id: Some(dataset.id),
                matched: vec![hash.to_owned()],
                reason: reason.map(|r| r.as_str().to_owned()),
                ..Item::new(Place::Examples, id, state, &at)
            };
            for id in &selection.selected {
                items.push(item(*id, ItemState::Found, None));
            }
            for (id, reason) in &selection.excluded {
                items.push(item(*id, ItemState::Excluded, Some(*reason)));
            }
            let foreign = selection
                .excluded
                .iter()
                .filter(|(_, r)| *r == Exclusion::DatasetMismatch)
                .count();
            if foreign > 0 {
                problems.push(format!(
                    "dataset {}: the listing returned {foreign} rows of another dataset",
                    dataset.id
                ));
            }
        }
    }
    let state = if problems.is_empty() {
        PlaceState::Complete
    } else {
        PlaceState::Incomplete
    };
    Search {
        record: PlaceRecord {
            place: Place::Examples,
            state,
            started_at,
            finished_at: now(),
            asked,
            answered,
            problems,
            runs_api: None,
            window: None,
        },
        items,
        error,
    }
}

/// The experiment traces that copied the examples the case found: every trace with a run
/// whose `reference_example_id` is one of them ([`Client::example_scope`] for their
/// datasets and creation times, then [`Client::traces_referencing`]: the v2 runs query,
/// v1 only where v2 is missing, an explicit window from the examples' creation, each run
/// re-checked by its reference). A trace made from the person's example is a copy
/// whatever it holds now, so no identifier is sent: the items' `matched` are the hashes of
/// the examples they reference. Runs the check refused are items `excluded`. A lookup
/// that failed makes the place `incomplete` (it finds nothing then).
///
/// With the workspace's `projects` (its sessions listing), only the examples of datasets
/// some experiment ran over (a session's `reference_dataset_id`) are looked up: the v2
/// query by `reference_dataset_id` reads that dataset's experiment sessions, so for a
/// dataset with none it can only answer nothing. Without them, every found example's
/// dataset is asked.
pub async fn experiment_traces(
    client: &Client,
    case: &Case,
    projects: Option<&[Project]>,
    now: &dyn Fn() -> String,
) -> Search {
    let started_at = now();
    let found: BTreeMap<Uuid, Vec<String>> = case
        .items
        .iter()
        .filter(|i| i.place == Place::Examples && i.state == ItemState::Found)
        .map(|i| (i.id, i.matched.clone()))
        .collect();
    let experimented: Option<BTreeSet<Uuid>> =
        projects.map(|p| p.iter().filter_map(|p| p.reference_dataset_id).collect());
    let looked_up: BTreeSet<Uuid> = case
        .items
        .iter()
        .filter(|i| i.place == Place::Examples && i.state == ItemState::Found)
        .filter(|i| match (&experimented, i.dataset_id) {
            (Some(with), Some(d)) => with.contains(&d),
            _ => true,
        })
        .map(|i| i.id)
        .collect();
    let mut record = PlaceRecord {
        place: Place::ExperimentTraces,
        state: PlaceState::Complete,
        started_at,
        finished_at: String::new(),
        asked: Asked {
            identifiers: 0,
            containers: found.len() as u64,
            queries: 0,
        },
        answered: Answered::default(),
        problems: Vec::new(),
        runs_api: None,
        window: None,
    };
    let mut items = Vec::new();
    let mut error = None;
    let lookup = async {
        let scope = client.example_scope(looked_up.iter().copied()).await?;
        client
            .traces_referencing(&scope, &RunsOptions::default())
            .await
    };
    match lookup.await {
        Ok(traces) => {
            let at = now();
            let rfc3339 = |t: std::time::SystemTime| {
                chrono::DateTime::<chrono::Utc>::from(t)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            };
            record.asked.queries = traces.http_requests();
            record.runs_api = Some(traces.api().as_str().to_owned());
            record.window = Some(Window {
                min_start_time: rfc3339(traces.window().min_start_time),
                max_start_time: rfc3339(traces.window().max_start_time),
            });
            record.answered.listed = traces.runs() + traces.excluded().len() as u64;
            record.answered.matched = traces.runs();
            record.answered.excluded = traces.excluded().len() as u64;
            for t in traces.traces() {
                let mut matched: Vec<String> = t
                    .reference_example_ids
                    .iter()
                    .filter_map(|e| found.get(e))
                    .flatten()
                    .cloned()
                    .collect();
                matched.sort();
                matched.dedup();
                items.push(Item {
                    session_id: Some(t.key.session_id),
                    examples: t.reference_example_ids.clone(),
                    matched,
                    ..Item::new(
                        Place::ExperimentTraces,
                        t.key.trace_id,
                        ItemState::Found,
                        &at,
                    )
                });
            }
            for run in traces.excluded() {
                items.push(Item {
                    session_id: Some(run.session_id),
                    reason: Some("reference_mismatch".to_owned()),
                    ..Item::new(
                        Place::ExperimentTraces,
                        run.trace_id,
                        ItemState::Excluded,
                        &at,
                    )
                });
            }
        }
        Err(e) => {
            error = problem(e, "the runs lookup", &mut record.problems);
            record.state = PlaceState::Incomplete;
        }
    }
    record.finished_at = now();
    Search {
        record,
        items,
        error,
    }
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A search's record with nothing answered yet.
fn record(place: Place, started_at: String, asked: Asked) -> PlaceRecord {
    PlaceRecord {
        place,
        state: PlaceState::Complete,
        started_at,
        finished_at: String::new(),
        asked,
        answered: Answered::default(),
        problems: Vec::new(),
        runs_api: None,
        window: None,
    }
}

/// Ends a search: its finish time, and `incomplete` when it has a problem.
fn finish(
    mut record: PlaceRecord,
    items: Vec<Item>,
    error: Option<Error>,
    now: &dyn Fn() -> String,
) -> Search {
    record.finished_at = now();
    if !record.problems.is_empty() {
        record.state = PlaceState::Incomplete;
    }
    Search {
        record,
        items,
        error,
    }
}

/// The earliest time a LangSmith run can have: before LangSmith was launched (2023).
pub const LANGSMITH_FLOOR: &str = "2023-01-01T00:00:00Z";

/// The window every traces search of a case asks: from `since` when given, else from
/// the earliest project's start (a project with none: [`LANGSMITH_FLOOR`]), less
/// [`TimeWindow::BEFORE_CREATION`]; to `now` plus [`TimeWindow::CLOCK_SKEW`]. Never the
/// server's one-day default.
pub fn traces_window(
    projects: &[Project],
    since: Option<SystemTime>,
    now: SystemTime,
) -> TimeWindow {
    let floor = floor();
    let start = since.unwrap_or_else(|| {
        projects
            .iter()
            .map(|p| p.start_time.unwrap_or(floor))
            .min()
            .unwrap_or(now)
    });
    TimeWindow {
        min_start_time: start
            .checked_sub(TimeWindow::BEFORE_CREATION)
            .unwrap_or(floor),
        max_start_time: now + TimeWindow::CLOCK_SKEW,
    }
}

/// [`LANGSMITH_FLOOR`] as a time.
fn floor() -> SystemTime {
    chrono::DateTime::parse_from_rfc3339(LANGSMITH_FLOOR)
        .expect("a valid time")
        .with_timezone(&chrono::Utc)
        .into()
}

/// Every run LangSmith can hold: from [`LANGSMITH_FLOOR`] to `now` plus the clock skew.
pub fn whole_window(now: SystemTime) -> TimeWindow {
    TimeWindow {
        min_start_time: floor(),
        max_start_time: now + TimeWindow::CLOCK_SKEW,
    }
}

fn window_record(w: TimeWindow) -> Window {
    Window {
        min_start_time: rfc3339(w.min_start_time),
        max_start_time: rfc3339(w.max_start_time),
    }
}

/// The hashes of the identifiers a row holds (`holds`: indexes in [`Identified::iter`]'s
/// order), sorted.
fn hashes(who: &Identified, holds: &[usize]) -> Vec<String> {
    let all: Vec<&str> = who.iter().map(|(h, _)| h).collect();
    let mut out: Vec<String> = holds
        .iter()
        .filter_map(|i| all.get(*i))
        .map(|h| (*h).to_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The identifiers' texts, in [`Identified::iter`]'s order.
fn texts(who: &Identified) -> Vec<&str> {
    who.iter().map(|(_, i)| i.text()).collect()
}

/// Runs grouped into trace items: a trace holding a run with an identifier is `found`
/// (its matching runs and the identifiers' hashes recorded); a trace whose listed runs
/// hold none (a search that did not apply its filter, or matched what the check here
/// does not) or lie outside what was asked is `excluded`, never erased.
///
/// Under a scan (`all_listed`: every run of the window listed, none said to match) a
/// trace without an identifier is simply not the person's: counted, not an item.
fn trace_items(
    place: Place,
    who: &Identified,
    runs: &[ReadRun],
    all_listed: bool,
    at: &str,
) -> (Vec<Item>, u64, u64) {
    /// A trace's runs as listed: those holding an identifier, which identifiers, and
    /// whether a run of it was not asked for.
    #[derive(Default)]
    struct Listed {
        runs: Vec<Uuid>,
        holds: BTreeSet<usize>,
        stray: bool,
        /// Runs of it listed (kept by the read: all but a scan's runs without a text).
        listed: u64,
    }
    let mut traces: BTreeMap<(Uuid, Uuid), Listed> = BTreeMap::new();
    for r in runs {
        let e = traces.entry((r.session_id, r.trace_id)).or_default();
        e.listed += 1;
        if r.stray {
            e.stray = true;
        } else if !r.holds.is_empty() {
            e.runs.push(r.id);
            e.holds.extend(r.holds.iter().copied());
        }
    }
    let (mut matched, mut excluded) = (0u64, 0u64);
    let items = traces
        .into_iter()
        .filter(|(_, t)| !all_listed || !t.runs.is_empty() || t.stray)
        .map(
            |(
                (session, trace),
                Listed {
                    mut runs,
                    holds,
                    stray,
                    listed,
                },
            )| {
                runs.sort_unstable();
                // Counted in runs, as the listing's rows are: those that passed the
                // check here, and those it refused (a scan's runs without a text are
                // not refusals: it lists every run, none said to match).
                matched += runs.len() as u64;
                excluded += if !all_listed {
                    listed - runs.len() as u64
                } else if runs.is_empty() {
                    listed
                } else {
                    0
                };
                let (state, reason) = if !runs.is_empty() {
                    (ItemState::Found, None)
                } else if stray {
                    (ItemState::Excluded, Some("not_asked_for".to_owned()))
                } else {
                    (ItemState::Excluded, Some("no_identifier".to_owned()))
                };
                Item {
                    session_id: Some(session),
                    runs,
                    matched: hashes(who, &holds.into_iter().collect::<Vec<_>>()),
                    reason,
                    ..Item::new(place, trace, state, at)
                }
            },
        )
        .collect();
    (items, matched, excluded)
}

/// Traces in every tracing project: the v2 runs query over every project (experiments
/// included) with the server's full-text search for the identifiers (`search(...)`,
/// `or(...)` of several), in `window`; each listed run re-checked here (an identifier in
/// its inputs, outputs, error, events or extra) before its trace counts as found. The
/// search cannot prove absence (the index holds 250 characters of a value and drops stop
/// words): `--scan` reads every run instead (`scan`: no server filter, every run of the
/// window checked here).
pub async fn traces(
    client: &Client,
    who: &Identified,
    projects: &[Project],
    window: TimeWindow,
    scan: bool,
    now: &dyn Fn() -> String,
) -> Search {
    let mut rec = record(
        Place::Traces,
        now(),
        Asked {
            identifiers: who.len() as u64,
            containers: projects.len() as u64,
            queries: 0,
        },
    );
    rec.runs_api = Some("v2".to_owned());
    rec.window = Some(window_record(window));
    let texts = texts(who);
    let query = RunQuery::new(projects.iter().map(|p| p.id), window);
    let query = if scan {
        query.check(&texts).only_holding()
    } else {
        query.search(&texts)
    };
    let mut error = None;
    let mut items = Vec::new();
    match client.read_runs(&query).await {
        Ok(read) => {
            rec.asked.queries = read.http_requests;
            rec.answered.listed = read.listed;
            let (it, matched, excluded) = trace_items(Place::Traces, who, &read.runs, scan, &now());
            rec.answered.matched = matched;
            rec.answered.excluded = excluded;
            items = it;
        }
        Err(e) => error = problem(e, "the runs search", &mut rec.problems),
    }
    finish(rec, items, error, now)
}

/// The source runs of the examples the case found (`source_run_id`): each read by id
/// over every project in `window`, and re-checked for an identifier like any run (an
/// example may have been edited since it was made). A source run holding one makes its
/// trace an item (`found`, the examples made from it recorded); one without is
/// `excluded`. A source run not listed is counted, not an item (nothing to erase).
pub async fn source_runs(
    client: &Client,
    case: &Case,
    who: &Identified,
    projects: &[Project],
    window: TimeWindow,
    now: &dyn Fn() -> String,
) -> Search {
    let found: Vec<Uuid> = case
        .items
        .iter()
        .filter(|i| i.place == Place::Examples && i.state != ItemState::Excluded)
        .map(|i| i.id)
        .collect();
    let mut rec = record(
        Place::SourceRuns,
        now(),
        Asked {
            identifiers: who.len() as u64,
            containers: found.len() as u64,
            queries: 0,
        },
    );
    rec.runs_api = Some("v2".to_owned());
    rec.window = Some(window_record(window));
    let mut items = Vec::new();
    let mut error = None;
    let sources = match client.source_runs_of(found.iter().copied()).await {
        Ok(s) => s,
        Err(e) => {
            error = problem(e, "the examples' source runs", &mut rec.problems);
            return finish(rec, items, error, now);
        }
    };
    let mut made_from: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (example, run) in &sources {
        made_from.entry(*run).or_default().push(*example);
    }
    let query = RunQuery::new(projects.iter().map(|p| p.id), window)
        .ids(made_from.keys().copied())
        .check(&texts(who));
    match client.read_runs(&query).await {
        Ok(read) => {
            rec.asked.queries = read.http_requests;
            rec.answered.counted = made_from.len() as u64;
            rec.answered.listed = read.listed;
            let at = now();
            let (mut it, matched, excluded) =
                trace_items(Place::SourceRuns, who, &read.runs, false, &at);
            for item in &mut it {
                let runs: Vec<Uuid> = read
                    .runs
                    .iter()
                    .filter(|r| r.trace_id == item.id)
                    .map(|r| r.id)
                    .collect();
                let mut examples: Vec<Uuid> = runs
                    .iter()
                    .filter_map(|r| made_from.get(r))
                    .flatten()
                    .copied()
                    .collect();
                examples.sort_unstable();
                examples.dedup();
                item.examples = examples;
                if item.state == ItemState::Excluded
                    && item.reason.as_deref() == Some("no_identifier")
                {
                    item.runs = runs;
                }
            }
            rec.answered.matched = matched;
            rec.answered.excluded = excluded;
            items = it;
        }
        Err(e) => error = problem(e, "the source runs read", &mut rec.problems),
    }
    finish(rec, items, error, now)
}

/// Feedback of every project whose comment or correction holds an identifier (the
/// server cannot search feedback: every project's feedback is listed and checked here).
/// Feedback listed under another project than the one asked for makes the place
/// incomplete. Run-level feedback also goes with its trace when that is deleted; each
/// found here is deleted by id all the same, and read back.
pub async fn feedback(
    client: &Client,
    who: &Identified,
    projects: &[Project],
    now: &dyn Fn() -> String,
) -> Search {
    let mut rec = record(
        Place::Feedback,
        now(),
        Asked {
            identifiers: who.len() as u64,
            containers: projects.len() as u64,
            queries: 0,
        },
    );
    let texts = texts(who);
    let mut items = Vec::new();
    let mut error = None;
    for p in projects {
        match client.feedback_of_project(p.id, &texts).await {
            Ok(read) => {
                rec.asked.queries += read.http_requests;
                rec.answered.listed += read.listed;
                rec.answered.matched += read.holding.len() as u64;
                if read.stray > 0 {
                    rec.problems.push(format!(
                        "project {}: the feedback listing returned {} feedback of another project",
                        p.id, read.stray
                    ));
                }
                let at = now();
                for f in read.holding {
                    items.push(Item {
                        session_id: f.session_id.or(Some(p.id)),
                        runs: f.run_id.into_iter().collect(),
                        trace_id: f.trace_id,
                        matched: hashes(who, &f.holds),
                        ..Item::new(Place::Feedback, f.id, ItemState::Found, &at)
                    });
                }
            }
            Err(e) => {
                if let Some(e) = problem(e, &format!("project {}", p.id), &mut rec.problems) {
                    error.get_or_insert(e);
                }
            }
        }
    }
    finish(rec, items, error, now)
}

/// Public share links that expose what the case found: a run's link when the run is a
/// found trace's root or one of its matched runs, a dataset's link when the dataset holds
/// a found example. The tokens are never kept.
pub async fn shares(client: &Client, case: &Case, now: &dyn Fn() -> String) -> Search {
    let live = || case.items.iter().filter(|i| i.state != ItemState::Excluded);
    let runs: BTreeSet<Uuid> = live()
        .filter(|i| {
            matches!(
                i.place,
                Place::Traces | Place::ExperimentTraces | Place::SourceRuns
            )
        })
        .flat_map(|i| std::iter::once(i.id).chain(i.runs.iter().copied()))
        .collect();
    let datasets: BTreeSet<Uuid> = live()
        .filter(|i| i.place == Place::Examples)
        .filter_map(|i| i.dataset_id)
        .collect();
    let mut rec = record(
        Place::Shares,
        now(),
        Asked {
            identifiers: 0,
            containers: (runs.len() + datasets.len()) as u64,
            queries: 0,
        },
    );
    let mut items = Vec::new();
    let mut error = None;
    match client.shared_entities().await {
        Ok(all) => {
            rec.asked.queries = 1;
            rec.answered.listed = all.len() as u64;
            // A shared run that is none of the found traces' roots or matched runs may
            // still be a run of one of them (a child run's link): its trace is read.
            let traces: BTreeSet<Uuid> = live()
                .filter(|i| {
                    matches!(
                        i.place,
                        Place::Traces | Place::ExperimentTraces | Place::SourceRuns
                    )
                })
                .map(|i| i.id)
                .collect();
            let mut unknown: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
            for s in &all {
                if let Shared::Run {
                    run_id,
                    session_id: Some(session),
                } = s
                    && !runs.contains(run_id)
                {
                    unknown.entry(*session).or_default().push(*run_id);
                }
            }
            let mut of_found_traces: BTreeMap<Uuid, Uuid> = BTreeMap::new();
            if !unknown.is_empty() && !traces.is_empty() {
                let window = whole_window(SystemTime::now());
                for (session, ids) in unknown {
                    let q = RunQuery::new([session], window).ids(ids);
                    match client.read_runs(&q).await {
                        Ok(read) => {
                            rec.asked.queries += read.http_requests;
                            of_found_traces.extend(
                                read.runs
                                    .iter()
                                    .filter(|r| !r.stray && traces.contains(&r.trace_id))
                                    .map(|r| (r.id, r.trace_id)),
                            );
                        }
                        Err(e) => {
                            error = problem(
                                e,
                                &format!("the shared runs of project {session}"),
                                &mut rec.problems,
                            );
                        }
                    }
                }
            }
            let at = now();
            for s in all {
                let (id, kind, session) = match s {
                    Shared::Run { run_id, session_id }
                        if runs.contains(&run_id) || of_found_traces.contains_key(&run_id) =>
                    {
                        (run_id, "run", session_id)
                    }
                    Shared::Dataset { dataset_id } if datasets.contains(&dataset_id) => {
                        (dataset_id, "dataset", None)
                    }
                    _ => continue,
                };
                rec.answered.matched += 1;
                let matched: Vec<String> = {
                    let mut m: Vec<String> = live()
                        .filter(|i| match kind {
                            "run" => i.id == id || i.runs.contains(&id),
                            _ => i.place == Place::Examples && i.dataset_id == Some(id),
                        })
                        .flat_map(|i| i.matched.iter().cloned())
                        .collect();
                    m.sort();
                    m.dedup();
                    m
                };
                // The trace a run's link exposes (what the erase re-checks it by).
                let trace_id = (kind == "run")
                    .then(|| {
                        of_found_traces.get(&id).copied().or_else(|| {
                            live()
                                .filter(|i| {
                                    matches!(
                                        i.place,
                                        Place::Traces | Place::ExperimentTraces | Place::SourceRuns
                                    )
                                })
                                .find(|i| i.id == id || i.runs.contains(&id))
                                .map(|i| i.id)
                        })
                    })
                    .flatten();
                items.push(Item {
                    session_id: session,
                    dataset_id: (kind == "dataset").then_some(id),
                    trace_id,
                    share: Some(kind.to_owned()),
                    matched,
                    ..Item::new(Place::Shares, id, ItemState::Found, &at)
                });
            }
        }
        Err(e) => error = problem(e, "the share links listing", &mut rec.problems),
    }
    finish(rec, items, error, now)
}

/// What keeps making copies, as the case's warnings (ids and counts, never names): rules
/// that add runs to a dataset or an annotation queue or call webhooks, and bulk exports
/// (recurring ones above all). A listing that failed is a warning too.
pub async fn copy_sources(client: &Client) -> Vec<String> {
    match client.copy_sources().await {
        Err(e) => vec![format!(
            "rules and bulk exports could not be listed ({}): copies they make are unknown",
            e.kind().as_str()
        )],
        Ok(sources) => sources
            .into_iter()
            .filter_map(|s| match s {
                CopySource::Rule {
                    id,
                    enabled,
                    adds_to_dataset,
                    adds_to_queue,
                    webhooks,
                } => {
                    let mut what = Vec::new();
                    if let Some(d) = adds_to_dataset {
                        what.push(format!("adds runs to dataset {d}"));
                    }
                    if let Some(q) = adds_to_queue {
                        what.push(format!("adds runs to annotation queue {q}"));
                    }
                    if webhooks > 0 {
                        what.push(format!("calls {webhooks} webhook(s)"));
                    }
                    (!what.is_empty()).then(|| {
                        format!(
                            "rule {id} ({}) {}: new copies may appear after the erasure",
                            if enabled { "enabled" } else { "disabled" },
                            what.join(", ")
                        )
                    })
                }
                CopySource::Export {
                    id,
                    session_id,
                    status,
                    recurring,
                } => Some(format!(
                    "bulk export {id} of project {session_id} ({status}{}): data it exported is out of reach",
                    if recurring { ", recurring" } else { "" }
                )),
            })
            .collect(),
    }
}

/// The warning of a case whose traces were searched by the server's index only.
pub const NOT_PROOF: &str = "traces were searched by the server's full-text index, which holds at most 250 characters of a value and drops stop words: it cannot prove absence; run case find --scan to read and check every run";

/// How [`all`] searches.
#[derive(Debug, Clone, Default)]
pub struct FindOptions {
    /// The start of the traces window (default: each project's start).
    pub since: Option<SystemTime>,
    /// Read every run of the window and check it here instead of the server's search.
    pub scan: bool,
    /// Search only the places beyond examples and experiment traces (a verification
    /// pass reads those itself).
    pub beyond_examples: bool,
    /// Never resume a search under way: search every place anew (a verification pass).
    pub fresh: bool,
}

/// How one place's search ended, for the exit status.
#[derive(Debug)]
pub struct Searched {
    pub place: Place,
    pub state: PlaceState,
    pub error: Option<Error>,
    /// Items new to the case (or reopened).
    pub new: u64,
}

/// Searches every place, in order (examples, experiment traces, traces, source runs,
/// feedback, share links; then rules and exports as warnings), each recorded as it ends.
/// A search killed before it ended is resumed: the places searched completely since it
/// began are not searched again.
pub async fn all(
    client: &Client,
    dir: &mut crate::case::CaseDir,
    who: &Identified,
    options: &FindOptions,
    now: &dyn Fn() -> String,
) -> Result<Vec<Searched>, crate::case::CaseError> {
    let resumed = dir.begin_search(&now(), options.scan, options.fresh)?;
    // A place is skipped only while every place before it was skipped too: once one is
    // searched anew, what it finds may change what the later ones must search.
    let anew = std::cell::Cell::new(false);
    let done = |dir: &crate::case::CaseDir, place| {
        let skip = !anew.get()
            && resumed
                .as_deref()
                .is_some_and(|t| dir.searched_since(place, t));
        if !skip {
            anew.set(true);
        }
        skip
    };
    let mut out = Vec::new();
    let mut keep = |dir: &mut crate::case::CaseDir, search: Search| {
        let (place, state) = (search.record.place, search.record.state);
        let new = dir.record_place(search.record, search.items, &now())?;
        out.push(Searched {
            place,
            state,
            error: search.error,
            new,
        });
        Ok::<u64, crate::case::CaseError>(new)
    };
    let projects = Box::pin(client.all_projects()).await;
    if !options.beyond_examples {
        if !done(dir, Place::Examples) {
            let s = Box::pin(examples(client, who, options.scan, now)).await;
            keep(dir, s)?;
        }
        if !done(dir, Place::ExperimentTraces) {
            let listed = projects.as_deref().ok();
            let s = Box::pin(experiment_traces(client, dir.case(), listed, now)).await;
            keep(dir, s)?;
        }
    }
    let window = match &projects {
        Ok(p) => traces_window(p, options.since, SystemTime::now()),
        Err(_) => traces_window(&[], options.since, SystemTime::now()),
    };
    for place in [Place::Traces, Place::SourceRuns, Place::Feedback] {
        if done(dir, place) {
            continue;
        }
        let s = match &projects {
            Ok(projects) => match place {
                Place::Traces => {
                    Box::pin(traces(client, who, projects, window, options.scan, now)).await
                }
                Place::SourceRuns => {
                    // Read by id: the whole window (a source run may predate `--since`).
                    let whole = whole_window(SystemTime::now());
                    Box::pin(source_runs(client, dir.case(), who, projects, whole, now)).await
                }
                _ => Box::pin(feedback(client, who, projects, now)).await,
            },
            Err(e) => {
                let mut rec = record(place, now(), Asked::default());
                rec.problems.push(format!(
                    "the projects listing: failed ({})",
                    e.kind().as_str()
                ));
                finish(rec, Vec::new(), None, now)
            }
        };
        keep(dir, s)?;
    }
    if !done(dir, Place::Shares) {
        let s = Box::pin(shares(client, dir.case(), now)).await;
        keep(dir, s)?;
    }
    if let Err(e) = projects {
        out.push(Searched {
            place: Place::Traces,
            state: PlaceState::Incomplete,
            error: Some(e),
            new: 0,
        });
    }
    let mut warnings = Box::pin(copy_sources(client)).await;
    if !options.scan && !dir.case().found_with_scan {
        warnings.push(NOT_PROOF.to_owned());
    }
    dir.end_search(warnings, options.scan, &now())?;
    Ok(out)
}

/// What a `--scan` will read, from the listings' own counts (a dataset's
/// `example_count`, a project's `run_count`; the runs of a project that does not say are
/// not counted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanPlan {
    pub datasets: u64,
    pub examples: u64,
    pub projects: u64,
    pub runs: u64,
    /// Projects whose listing gave no run count.
    pub projects_uncounted: u64,
    /// Requests the scan needs at least: every page of every listing.
    pub requests: u64,
}

impl ScanPlan {
    /// The time the requests take at `per_minute` requests a minute.
    pub fn time_at(&self, per_minute: u64) -> Duration {
        Duration::from_secs(self.requests.saturating_mul(60).div_ceil(per_minute.max(1)))
    }
}

/// Counts what a scan reads (two listings: datasets and projects).
pub async fn scan_plan(client: &Client) -> Result<ScanPlan, Error> {
    let datasets = client.all_datasets().await?;
    let projects = client.all_projects().await?;
    let mut plan = ScanPlan {
        datasets: datasets.len() as u64,
        projects: projects.len() as u64,
        ..ScanPlan::default()
    };
    for d in &datasets {
        let n = d
            .example_count
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0);
        plan.examples += n;
        // A count, then the pages (the last one short).
        plan.requests += 1 + n / langsmith::PAGE_SIZE as u64 + 1;
    }
    let per_query = langsmith::PROJECTS_PER_QUERY as u64;
    plan.requests += plan.projects.div_ceil(per_query);
    for p in &projects {
        match p.run_count {
            Some(n) => {
                plan.runs += n;
                plan.requests += n / langsmith::V2_PAGE_SIZE as u64;
            }
            None => plan.projects_uncounted += 1,
        }
    }
    Ok(plan)
}
