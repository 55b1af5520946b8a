//! Reading back what a case recorded: the window and scope its searches asked, and the
//! runs of its traces; shared by `erase` (the re-check before a deletion) and `verify`
//! (the read-back after it).

use crate::case::{Case, Item, ItemState, Place};
use langsmith::{
    Client, ExampleScope, RunQuery, RunsApi, RunsOptions, TimeWindow, TraceKey, Uuid, Verification,
    VerifyOptions,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

/// Why an example not listed at a read-back, nor as of when the case found it, is not
/// erased.
pub(crate) const NOT_LISTED: &str = "not listed when read back, nor as of when the case found it: nothing shows its data gone; look at the endpoint and workspace";

/// Why an example no longer listed is not shown erased, from its read as of when the case
/// found it ([`as_found`]): not found then either, another outcome, or no answer.
pub(crate) fn not_shown_erased(as_found: Option<&Verification>) -> String {
    match as_found {
        Some(Verification::NotFound) => NOT_LISTED.to_owned(),
        Some(v) => format!(
            "no longer listed; read as of when the case found it: {}",
            v.as_str()
        ),
        None => "no longer listed; the read as of when the case found it failed".to_owned(),
    }
}

/// How long after a deletion to look again at a pending item: attachments are removed
/// within 7 days; a queued trace deletion runs in a weekly (weekend) job.
pub const LOOK_AGAIN: Duration = Duration::from_secs(7 * 24 * 3600);

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A week after `at` (RFC 3339), when a pending item is to be looked at again.
pub(crate) fn plus_week(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|d| rfc3339(SystemTime::from(d.with_timezone(&chrono::Utc)) + LOOK_AGAIN))
        .unwrap_or_else(|_| rfc3339(SystemTime::now() + LOOK_AGAIN))
}

/// The runs query's scope and options from what the find recorded: the case's examples
/// (every one not excluded) under each dataset holding one, the recorded window (its end
/// moved to `until` when given) and API. `None` when the traces were never searched.
pub(crate) fn recorded_scope(
    case: &crate::case::Case,
    extra: &[Item],
    until: Option<SystemTime>,
) -> Option<(ExampleScope, RunsOptions)> {
    let record = case
        .places
        .iter()
        .find(|p| p.place == Place::ExperimentTraces)?;
    let window = record.window.as_ref()?;
    let parse = |t: &str| -> Option<SystemTime> {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc).into())
    };
    let min = parse(&window.min_start_time)?;
    let mut max = parse(&window.max_start_time)?;
    if let Some(u) = until {
        max = max.max(u + TimeWindow::CLOCK_SKEW);
    }
    let examples: Vec<&Item> = case
        .items
        .iter()
        .chain(extra)
        .filter(|i| i.place == Place::Examples && i.state != ItemState::Excluded)
        .collect();
    let datasets: BTreeSet<Uuid> = examples.iter().filter_map(|i| i.dataset_id).collect();
    let ids: BTreeSet<Uuid> = examples.iter().map(|i| i.id).collect();
    let scope = ExampleScope::spanning(datasets, ids, min);
    let options = RunsOptions {
        window: Some(TimeWindow {
            min_start_time: min,
            max_start_time: max,
        }),
        api: record.runs_api.as_deref().and_then(RunsApi::parse),
        ..RunsOptions::default()
    };
    Some((scope, options))
}

/// The window a place's search recorded, its end moved to `until`.
pub(crate) fn recorded_window(
    case: &crate::case::Case,
    place: Place,
    until: SystemTime,
) -> Option<TimeWindow> {
    let w = case
        .places
        .iter()
        .find(|p| p.place == place)?
        .window
        .as_ref()?;
    let parse = |t: &str| -> Option<SystemTime> {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc).into())
    };
    Some(TimeWindow {
        min_start_time: parse(&w.min_start_time)?,
        max_start_time: parse(&w.max_start_time)?.max(until + TimeWindow::CLOCK_SKEW),
    })
}

/// What a read of some traces by their runs showed: per trace, whether a run of it is
/// listed, and whether a listed run holds an identifier.
pub(crate) struct TracesRead {
    pub(crate) listed: BTreeSet<Uuid>,
    pub(crate) holding: BTreeSet<Uuid>,
}

/// Reads the runs of `keys` (each trace's root and matched runs) in `window`, per
/// project, checked for `texts` (none: only whether listed).
pub(crate) async fn read_traces(
    client: &Client,
    case: &crate::case::Case,
    keys: &[(Place, TraceKey)],
    window: TimeWindow,
    texts: &[&str],
) -> Result<TracesRead, langsmith::Error> {
    let mut by_project: BTreeMap<Uuid, BTreeSet<Uuid>> = BTreeMap::new();
    for (place, k) in keys {
        let runs = case
            .items
            .iter()
            .find(|i| i.place == *place && i.id == k.trace_id)
            .map(|i| i.runs.clone())
            .unwrap_or_default();
        let e = by_project.entry(k.session_id).or_default();
        e.insert(k.trace_id);
        e.extend(runs);
    }
    let mut read = TracesRead {
        listed: BTreeSet::new(),
        holding: BTreeSet::new(),
    };
    for (project, ids) in by_project {
        let q = RunQuery::new([project], window).ids(ids).check(texts);
        for r in client.read_runs(&q).await?.runs {
            if r.stray {
                continue;
            }
            read.listed.insert(r.trace_id);
            if !r.holds.is_empty() {
                read.holding.insert(r.trace_id);
            }
        }
    }
    Ok(read)
}

/// Why an example no longer listed reads back erased: its version as of when the case
/// found it (with the person's text) is null now.
pub(crate) const NULL_AS_FOUND: &str = "no longer listed; read as of when the case found it (with data then), it is null: a hard delete nulls every version";

/// Why an example no longer listed is not erased: as of when it was found, it still holds
/// data (removed from the listing some other way, not hard-deleted).
pub(crate) const DATA_AS_FOUND: &str = "no longer listed, but read as of when the case found it, it still holds data: not hard-deleted";

/// Examples the latest listing no longer shows (LangSmith stops listing a hard-deleted
/// example, as the official SDK's own `test_datasets` expects), read back as of the time
/// the case found each one: it was listed with the person's text then, and a hard delete
/// nulls every version, so null there is the read-back that shows it erased, and data
/// there shows it was not hard-deleted. Grouped by that time: each group is read through
/// [`VerifyOptions::before_deletion`]: the latest, then as of the find and a second
/// before it ([`langsmith::at_and_a_second_before`]). An id whose read failed is left
/// out.
pub(crate) async fn as_found(
    client: &Client,
    case: &Case,
    ids: &[Uuid],
) -> BTreeMap<Uuid, Verification> {
    let mut by_time: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for id in ids {
        if let Some(at) = case
            .items
            .iter()
            .find(|i| i.place == Place::Examples && i.id == *id)
            .and_then(|i| i.history.first())
            .map(|t| t.at.clone())
        {
            by_time.entry(at).or_default().push(*id);
        }
    }
    let mut out = BTreeMap::new();
    for (at, ids) in by_time {
        let Ok(t) = chrono::DateTime::parse_from_rfc3339(&at) else {
            continue;
        };
        let t = t.with_timezone(&chrono::Utc);
        let options = VerifyOptions {
            before_deletion: langsmith::at_and_a_second_before(t).to_vec(),
            ..VerifyOptions::default()
        };
        if let Ok(report) = client.verify_erased(ids, &options).await {
            // A failed or unattempted read shows nothing: left out (the caller says so).
            out.extend(
                report
                    .outcomes()
                    .filter(|(_, v)| {
                        !matches!(v, Verification::Failed(_) | Verification::NotAttempted)
                    })
                    .map(|(id, v)| (*id, v)),
            );
        }
    }
    out
}
