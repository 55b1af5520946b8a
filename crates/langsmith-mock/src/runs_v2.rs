//! `POST /api/v2/runs/query` (the spec's `/v2/runs/query`; the official SDK's
//! `client.runs.query()` sends it under `/api`), with the spec's semantics
//! (`query.QueryRunsRequestBody`, `query.QueryRunsResponseBody`, errors
//! `shared.ProblemDetails`):
//!
//! - exactly one of `project_ids` and `reference_dataset_id` (the latter resolves the
//!   dataset's experiment sessions);
//! - the window: `min_start_time` absent is **one day ago** (with `reference_dataset_id`:
//!   the creation of the earliest session of the dataset), `max_start_time` absent is now;
//! - `selects`: each run has `id` plus exactly the selected properties (the enum name in
//!   snake case: `TRACE_ID` -> `trace_id`); a property a run has no value for (the
//!   reference of an unrelated trace, the error of a run that succeeded) is omitted, as the
//!   response schema admits no null;
//! - `page_size` (1..=1000, the spec's default), `sort_order` by `start_time` (default
//!   `DESC`), `has_more` and an opaque `next_cursor` (omitted on the last page) that
//!   resumes after the last run listed, so deletions between pages skip nothing;
//! - `filter`: the subset [`crate::filter`] evaluates (`search`, `and`, `or`, `eq` on
//!   `id`, `trace_id`, `run_type`, `is_root`, `name`), with the full-text index's blind
//!   spots; anything else is a 400 naming it;
//! - every declared field is applied or refused by name ([`V2_QUERY_FIELDS`]), and so is
//!   every value of `selects` ([`V2_SELECTS`]); an empty `project_ids`,
//!   `reference_examples` or `ids` is refused too (a list that names nothing would
//!   otherwise read as "no filter" or "nothing": neither proves an absence).

use crate::params::Use::{self, Applied, Refused};
use crate::runs::{audit_body, time_bound};
use crate::spec;
use crate::time::rfc3339;
use crate::traces::{Run, Runs};
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use uuid::Uuid;

/// Where the stand-in serves the v2 runs query (what the official SDK sends).
pub const RUNS_V2_QUERY_PATH: &str = "/api/v2/runs/query";
/// The path as the spec writes it (served too).
pub const RUNS_V2_SPEC_PATH: &str = "/v2/runs/query";

/// What the stand-in does with each field of `query.QueryRunsRequestBody`: applied, or
/// refused with a 400 `ProblemDetails` naming it when present and not null. A unit test
/// fails when the spec declares a field this table does not decide.
pub const V2_QUERY_FIELDS: &[(&str, Use)] = &[
    ("project_ids", Applied),
    ("reference_dataset_id", Applied),
    ("reference_examples", Applied),
    ("ids", Applied),
    ("trace_id", Applied),
    ("is_root", Applied),
    // Every seeded run succeeded: `true` matches none, `false` all.
    ("has_error", Applied),
    ("run_type", Applied),
    ("min_start_time", Applied),
    ("max_start_time", Applied),
    ("selects", Applied),
    ("page_size", Applied),
    ("cursor", Applied),
    ("sort_order", Applied),
    // The subset of `crate::filter` (search, and, or, eq on five fields); anything else
    // is a 400 naming what it cannot evaluate.
    ("filter", Applied),
    (
        "trace_filter",
        Refused("it does not evaluate filter expressions on runs"),
    ),
    (
        "tree_filter",
        Refused("it does not evaluate filter expressions on runs"),
    ),
    ("ai_query", Refused("it has no AI to read a query")),
];

const NO_USAGE: &str = "its runs record no token usage, cost or pricing";

/// Each value of `query.RunSelectField`: served, or refused by name (a unit test fails
/// when the spec's enum has a value this table does not decide).
pub const V2_SELECTS: &[(&str, Use)] = &[
    ("ID", Applied),
    ("NAME", Applied),
    ("RUN_TYPE", Applied),
    ("STATUS", Applied),
    ("START_TIME", Applied),
    ("END_TIME", Applied),
    ("LATENCY_SECONDS", Applied),
    ("FIRST_TOKEN_TIME", Refused("its runs stream no tokens")),
    ("ERROR", Applied),
    ("ERROR_PREVIEW", Applied),
    ("EXTRA", Applied),
    ("METADATA", Applied),
    ("EVENTS", Applied),
    ("INPUTS", Applied),
    ("INPUTS_PREVIEW", Applied),
    ("OUTPUTS", Applied),
    ("OUTPUTS_PREVIEW", Applied),
    ("MANIFEST", Refused("its runs record no manifest")),
    ("PARENT_RUN_IDS", Applied),
    ("PROJECT_ID", Applied),
    ("TRACE_ID", Applied),
    ("THREAD_ID", Refused("its runs belong to no thread")),
    ("DOTTED_ORDER", Applied),
    ("IS_ROOT", Applied),
    ("REFERENCE_EXAMPLE_ID", Applied),
    ("REFERENCE_DATASET_ID", Applied),
    ("TOTAL_TOKENS", Refused(NO_USAGE)),
    ("PROMPT_TOKENS", Refused(NO_USAGE)),
    ("COMPLETION_TOKENS", Refused(NO_USAGE)),
    ("TOTAL_COST", Refused(NO_USAGE)),
    ("PROMPT_COST", Refused(NO_USAGE)),
    ("COMPLETION_COST", Refused(NO_USAGE)),
    ("PROMPT_TOKEN_DETAILS", Refused(NO_USAGE)),
    ("COMPLETION_TOKEN_DETAILS", Refused(NO_USAGE)),
    ("PROMPT_COST_DETAILS", Refused(NO_USAGE)),
    ("COMPLETION_COST_DETAILS", Refused(NO_USAGE)),
    ("PRICE_MODEL_ID", Refused(NO_USAGE)),
    ("TAGS", Applied),
    ("APP_PATH", Applied),
    ("ATTACHMENTS", Refused("its runs keep no attachments")),
    (
        "THREAD_EVALUATION_TIME",
        Refused("its runs belong to no thread"),
    ),
    ("IS_IN_DATASET", Applied),
    ("SHARE_URL", Refused("it shares no runs")),
    ("FEEDBACK_STATS", Refused("it keeps no feedback")),
];

/// Every select must be one the stand-in applies (400 naming it otherwise).
fn check_selects(selects: &[&str]) -> Result<(), (u16, Value)> {
    for s in selects {
        match V2_SELECTS.iter().find(|(n, _)| n == s) {
            Some((_, Applied)) => {}
            Some((_, Refused(why))) => {
                return Err(problem(
                    400,
                    format!(
                        "`selects`: {s} is not supported by the stand-in ({why}); leave it out"
                    ),
                ));
            }
            None => {
                return Err(problem(400, format!("`selects`: unknown property {s}")));
            }
        }
    }
    Ok(())
}

/// `GET /api/v2/runs/{run_id}` (the spec's `/v2/runs/{run_id}`): the run of the caller's
/// `project_id` with `id` plus the selected properties; `start_time` (required) is applied
/// as on the query: the run started at or after it (to the second). Errors are
/// `shared.ProblemDetails`: 400 for a missing parameter or a refused select, 422 for a
/// malformed UUID or time, 404 for no such run in that project.
pub(crate) fn read(
    runs: &Runs,
    workspace: Uuid,
    run_id: &str,
    query: Option<&str>,
) -> (u16, Value) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let read = || -> Result<Value, (u16, Value)> {
        let id = Uuid::try_parse(run_id)
            .map_err(|e| problem(422, format!("path parameter `run_id`: {e}")))?;
        let project = one("project_id")
            .ok_or_else(|| problem(400, "query parameter `project_id` is required"))?;
        let project = Uuid::try_parse(project)
            .map_err(|e| problem(422, format!("query parameter `project_id`: {e}")))?;
        let start = one("start_time")
            .ok_or_else(|| problem(400, "query parameter `start_time` is required"))?;
        let start = crate::runs::time_bound(start, false).ok_or_else(|| {
            problem(
                422,
                format!("query parameter `start_time`: not an RFC 3339 time: {start:?}"),
            )
        })?;
        let selects: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == "selects")
            .map(|(_, v)| v.as_str())
            .collect();
        check_selects(&selects)?;
        runs.runs
            .iter()
            .find(|r| {
                r.id == id
                    && r.workspace_id == workspace
                    && r.session_id == project
                    && r.start_time >= start
            })
            .map(|r| render(r, &selects))
            .ok_or_else(|| problem(404, format!("run {id} not found in project {project}")))
    };
    match read() {
        Ok(v) => (200, v),
        Err(e) => e,
    }
}

/// A `shared.ProblemDetails` (RFC 7807) answer.
pub fn problem(status: u16, detail: impl Into<String>) -> (u16, Value) {
    let title = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    (
        status,
        json!({
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail.into(),
            "instance": RUNS_V2_QUERY_PATH,
        }),
    )
}

fn operation() -> &'static Value {
    &spec::document()["paths"][RUNS_V2_SPEC_PATH]["post"]
}

/// The request schema, `$ref`s inlined, with its validator (compiled once).
fn request_validator() -> &'static (Value, jsonschema::Validator) {
    static V: std::sync::OnceLock<(Value, jsonschema::Validator)> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let schema = spec::inline(
            spec::document(),
            &operation()["requestBody"]["content"]["application/json"]["schema"],
        );
        let validator = jsonschema::draft202012::new(&schema).expect("a valid request schema");
        (schema, validator)
    })
}

/// The request schema, as the spec writes it (`$ref`s resolved one level).
pub fn request_schema() -> &'static Value {
    spec::resolve(
        spec::document(),
        &operation()["requestBody"]["content"]["application/json"]["schema"],
    )
}

/// `page_size`'s default, read from the spec.
fn default_page_size() -> usize {
    request_schema()["properties"]["page_size"]["default"]
        .as_u64()
        .expect("the spec gives page_size a default") as usize
}

/// What the v2 query's lies and the server's clock are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub(crate) workspace: Uuid,
    /// Unix seconds.
    pub(crate) now: i64,
    /// The lie: `reference_examples` is not applied.
    pub(crate) ignore_reference_examples: bool,
    /// The lie: every next cursor leads back to the first page.
    pub(crate) endless: bool,
    /// The lie: `filter` is parsed, then not applied (every run of the projects in the
    /// window comes back).
    pub(crate) ignore_filter: bool,
}

/// The sort key a cursor resumes after: `(start_time, id)`.
type Key = (i64, Uuid);

fn encode_cursor(key: Key) -> String {
    let text = format!("{}:{}", key.0, key.1.simple());
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Option<Key> {
    if !cursor.len().is_multiple_of(2) || !cursor.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (t, id) = text.split_once(':')?;
    Some((t.parse().ok()?, Uuid::try_parse(id).ok()?))
}

/// `POST /api/v2/runs/query`: `(status, body)`, and the body fields it ignored because
/// the spec does not declare them. `datasets` are the ids of the caller's datasets.
pub(crate) fn query(
    runs: &mut Runs,
    datasets: &[Uuid],
    body: &[u8],
    cx: Context,
) -> ((u16, Value), Vec<String>) {
    runs.settle();
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return (
                problem(400, format!("malformed JSON body: {e}")),
                Vec::new(),
            );
        }
    };
    let violations: Vec<String> = request_validator()
        .1
        .iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if !violations.is_empty() {
        return (
            problem(
                400,
                format!(
                    "the body does not match query.QueryRunsRequestBody: {}",
                    violations.join("; ")
                ),
            ),
            Vec::new(),
        );
    }
    let empty = Map::new();
    let q = value.as_object().unwrap_or(&empty);
    let (refused, ignored) = audit_body(q, V2_QUERY_FIELDS, RUNS_V2_SPEC_PATH);
    if let Some(detail) = refused {
        return (problem(400, detail), ignored);
    }
    (answer(runs, datasets, q, cx), ignored)
}

/// A present, non-null field.
fn field<'a>(q: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    q.get(name).filter(|v| !v.is_null())
}

/// A list of UUIDs: `None` when absent; a 422 naming a malformed one; a 400 when empty.
fn uuid_list(q: &Map<String, Value>, name: &str) -> Result<Option<Vec<Uuid>>, (u16, Value)> {
    let Some(v) = field(q, name) else {
        return Ok(None);
    };
    let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
    if items.is_empty() {
        return Err(problem(
            400,
            format!("`{name}` is empty: name at least one id, or leave it out"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_str()
                .and_then(|s| Uuid::try_parse(s).ok())
                .ok_or_else(|| problem(422, format!("`{name}[{i}]` is not a UUID")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn one_uuid(q: &Map<String, Value>, name: &str) -> Result<Option<Uuid>, (u16, Value)> {
    field(q, name)
        .map(|v| {
            v.as_str()
                .and_then(|s| Uuid::try_parse(s).ok())
                .ok_or_else(|| problem(422, format!("`{name}` is not a UUID")))
        })
        .transpose()
}

fn time(q: &Map<String, Value>, name: &str, ceil: bool) -> Result<Option<i64>, (u16, Value)> {
    field(q, name)
        .map(|v| {
            v.as_str()
                .and_then(|t| time_bound(t, ceil))
                .ok_or_else(|| problem(422, format!("`{name}` is not an RFC 3339 date-time")))
        })
        .transpose()
}

fn answer(runs: &mut Runs, datasets: &[Uuid], q: &Map<String, Value>, cx: Context) -> (u16, Value) {
    match try_answer(runs, datasets, q, cx) {
        Ok(body) => (200, body),
        Err(e) => e,
    }
}

fn try_answer(
    runs: &mut Runs,
    datasets: &[Uuid],
    q: &Map<String, Value>,
    cx: Context,
) -> Result<Value, (u16, Value)> {
    let selects: Vec<&str> = field(q, "selects")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    check_selects(&selects)?;
    let projects = uuid_list(q, "project_ids")?;
    let dataset = one_uuid(q, "reference_dataset_id")?;
    let sessions: HashSet<Uuid>;
    let default_min;
    match (projects, dataset) {
        (Some(projects), None) => {
            let known = |id: &Uuid| {
                *id == crate::side::session_id(cx.workspace)
                    || runs
                        .sessions
                        .iter()
                        .any(|s| s.id == *id && s.workspace_id == cx.workspace)
            };
            let unknown: Vec<String> = projects
                .iter()
                .filter(|id| !known(id))
                .map(Uuid::to_string)
                .collect();
            if !unknown.is_empty() {
                return Err(problem(
                    404,
                    format!("session not found: {}", unknown.join(", ")),
                ));
            }
            sessions = projects.into_iter().collect();
            default_min = cx.now - 86_400;
        }
        (None, Some(dataset)) => {
            if !datasets.contains(&dataset) {
                return Err(problem(
                    404,
                    format!("dataset not found: {dataset} (reference_dataset_id)"),
                ));
            }
            let of_dataset: Vec<_> = runs
                .sessions
                .iter()
                .filter(|s| s.workspace_id == cx.workspace)
                .filter(|s| s.reference_dataset_id == Some(dataset))
                .collect();
            // The spec: "the server derives it from the earliest session creation date".
            default_min = of_dataset
                .iter()
                .map(|s| s.start_time)
                .min()
                .unwrap_or(cx.now - 86_400);
            sessions = of_dataset.into_iter().map(|s| s.id).collect();
        }
        _ => {
            return Err(problem(
                400,
                "set exactly one of `project_ids` and `reference_dataset_id`",
            ));
        }
    }
    let references: Option<HashSet<Uuid>> = uuid_list(q, "reference_examples")?
        .filter(|_| !cx.ignore_reference_examples)
        .map(|v| v.into_iter().collect());
    let ids: Option<HashSet<Uuid>> = uuid_list(q, "ids")?.map(|v| v.into_iter().collect());
    let trace = one_uuid(q, "trace_id")?;
    let is_root = field(q, "is_root").and_then(Value::as_bool);
    let has_error = field(q, "has_error").and_then(Value::as_bool);
    let run_type = field(q, "run_type").and_then(Value::as_str);
    let filter = field(q, "filter")
        .and_then(Value::as_str)
        .map(crate::filter::RunFilter::parse)
        .transpose()
        .map_err(|e| problem(400, format!("`filter`: {e}")))?
        .filter(|_| !cx.ignore_filter);
    let min = time(q, "min_start_time", true)?.unwrap_or(default_min);
    let max = time(q, "max_start_time", false)?.unwrap_or(cx.now);
    let page_size = field(q, "page_size")
        .and_then(Value::as_u64)
        .map_or_else(default_page_size, |n| n as usize);
    let ascending = field(q, "sort_order").and_then(Value::as_str) == Some("ASC");
    let after: Option<Key> = match field(q, "cursor").and_then(Value::as_str) {
        None => None,
        Some(c) => Some(
            decode_cursor(c)
                .ok_or_else(|| problem(400, "`cursor` is not a cursor this server issued"))?,
        ),
    };
    // The runs in the sort order, then the range of it the window and the cursor leave:
    // a page reads from where the cursor left off (a binary search), not every run.
    let (all, order) = runs.by_start();
    let key = |i: u32| {
        let r = &all[i as usize];
        (r.start_time, r.id)
    };
    let lo = order.partition_point(|&i| all[i as usize].start_time < min);
    let hi = order.partition_point(|&i| all[i as usize].start_time <= max);
    let (lo, hi) = match after {
        None => (lo, hi),
        Some(k) if ascending => (lo.max(order.partition_point(|&i| key(i) <= k)), hi),
        Some(k) => (lo, hi.min(order.partition_point(|&i| key(i) < k))),
    };
    let range = &order[lo..hi.max(lo)];
    let wanted = |r: &Run| {
        r.workspace_id == cx.workspace
            && sessions.contains(&r.session_id)
            && references
                .as_ref()
                .is_none_or(|s| r.reference_example_id.is_some_and(|id| s.contains(&id)))
            && ids.as_ref().is_none_or(|s| s.contains(&r.id))
            && trace.is_none_or(|t| r.trace_id == t)
            && is_root.is_none_or(|root| r.is_root() == root)
            && has_error.is_none_or(|e| r.error.is_some() == e)
            && run_type.is_none_or(|t| r.run_type.eq_ignore_ascii_case(t))
            && filter.as_ref().is_none_or(|f| f.matches(r))
    };
    let in_order: Box<dyn Iterator<Item = &u32>> = if ascending {
        Box::new(range.iter())
    } else {
        Box::new(range.iter().rev())
    };
    // The page, and whether a run matching comes after it.
    let mut page: Vec<&Run> = Vec::with_capacity(page_size.min(range.len()));
    let mut more = false;
    for &i in in_order {
        let r = &all[i as usize];
        if !wanted(r) {
            continue;
        }
        if page.len() == page_size {
            more = true;
            break;
        }
        page.push(r);
    }
    let mut body = Map::new();
    body.insert(
        "items".into(),
        page.iter().map(|r| render(r, &selects)).collect(),
    );
    let next = if cx.endless {
        // Before the first run in the sort order: back to the first page.
        Some(if ascending {
            (i64::MIN, Uuid::nil())
        } else {
            (i64::MAX, Uuid::max())
        })
    } else if more {
        page.last().map(|r| (r.start_time, r.id))
    } else {
        None
    };
    body.insert("has_more".into(), next.is_some().into());
    if let Some(key) = next {
        body.insert("next_cursor".into(), encode_cursor(key).into());
    }
    Ok(Value::Object(body))
}

/// A short plain-text preview of a JSON value.
fn preview(v: &Value) -> String {
    let text = v.to_string();
    text.chars().take(150).collect()
}

/// `id` plus exactly the selected properties a run has a value for.
fn render(run: &Run, selects: &[&str]) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), run.id.to_string().into());
    for s in selects {
        let value: Option<Value> = match *s {
            "ID" => continue,
            "NAME" => Some(run.name.clone().into()),
            "RUN_TYPE" => Some(run.run_type.to_uppercase().into()),
            "STATUS" => Some(
                match (&run.error, run.end_time) {
                    (Some(_), _) => "ERROR",
                    (None, Some(_)) => "SUCCESS",
                    (None, None) => "PENDING",
                }
                .into(),
            ),
            "START_TIME" => Some(rfc3339(run.start_time).into()),
            "END_TIME" => run.end_time.map(|t| rfc3339(t).into()),
            "LATENCY_SECONDS" => run.end_time.map(|t| json!((t - run.start_time) as f64)),
            // A run that succeeded has no error to show.
            "ERROR" => run.error.clone().map(Value::from),
            "ERROR_PREVIEW" => run
                .error
                .as_deref()
                .map(|e| preview(&Value::from(e)).into()),
            "EXTRA" => Some(run.extra.clone().unwrap_or_else(|| json!({}))),
            "METADATA" => Some(
                run.extra
                    .as_ref()
                    .and_then(|x| x.get("metadata"))
                    .filter(|m| m.is_object())
                    .cloned()
                    .unwrap_or_else(|| json!({})),
            ),
            "EVENTS" => Some(run.events.clone().unwrap_or_else(|| json!([]))),
            "TAGS" => Some(json!([])),
            // A run still pending (or ingested without them) has no outputs to show.
            "INPUTS" => Some(run.inputs.clone()).filter(|v| !v.is_null()),
            "INPUTS_PREVIEW" => (!run.inputs.is_null()).then(|| preview(&run.inputs).into()),
            "OUTPUTS" => Some(run.outputs.clone()).filter(|v| !v.is_null()),
            "OUTPUTS_PREVIEW" => (!run.outputs.is_null()).then(|| preview(&run.outputs).into()),
            "PARENT_RUN_IDS" => Some(
                run.parent_run_ids()
                    .iter()
                    .map(|id| Value::from(id.to_string()))
                    .collect(),
            ),
            "PROJECT_ID" => Some(run.project_id().to_string().into()),
            "TRACE_ID" => Some(run.trace_id.to_string().into()),
            "DOTTED_ORDER" => Some(run.dotted_order.clone().into()),
            "IS_ROOT" => Some(run.is_root().into()),
            "REFERENCE_EXAMPLE_ID" => run.reference_example_id.map(|id| id.to_string().into()),
            "REFERENCE_DATASET_ID" => run.reference_dataset_id.map(|id| id.to_string().into()),
            "APP_PATH" => Some("/".into()),
            "IS_IN_DATASET" => Some(run.reference_example_id.is_some().into()),
            _ => None,
        };
        if let Some(v) = value {
            m.insert(s.to_ascii_lowercase(), v);
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_decide_every_declared_field_and_select_value() {
        let fields = crate::runs::declared_body_fields(request_schema());
        assert!(fields.len() > 10, "{fields:?}");
        for f in &fields {
            assert!(
                V2_QUERY_FIELDS.iter().any(|(n, _)| n == f),
                "the spec declares `{f}`, which V2_QUERY_FIELDS does not decide"
            );
        }
        for (n, _) in V2_QUERY_FIELDS {
            assert!(fields.iter().any(|f| f == n), "`{n}` is not declared");
        }
        let doc = spec::document();
        let items = spec::resolve(doc, &request_schema()["properties"]["selects"]["items"]);
        let values: Vec<&str> = items["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let run = &doc["components"]["schemas"]["query.RunResponse"]["properties"];
        for v in &values {
            assert!(
                V2_SELECTS.iter().any(|(n, _)| n == v),
                "the spec's RunSelectField has {v}, which V2_SELECTS does not decide"
            );
            assert!(
                run.get(v.to_ascii_lowercase()).is_some(),
                "{v} names no property of query.RunResponse"
            );
        }
        assert_eq!(values.len(), V2_SELECTS.len());
    }

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let key = (1_767_225_600, Uuid::from_u128(7));
        assert_eq!(decode_cursor(&encode_cursor(key)), Some(key));
        assert_eq!(decode_cursor("o:1"), None);
        assert_eq!(decode_cursor("zz"), None);
    }

    /// Every page of a query, followed cursor by cursor: the ids listed, in order.
    fn walk(runs: &mut Runs, mut body: Map<String, Value>, cx: Context) -> Vec<Uuid> {
        let mut out = Vec::new();
        for _ in 0..10_000 {
            let ((status, page), _) = query(
                runs,
                &[],
                Value::Object(body.clone()).to_string().as_bytes(),
                cx,
            );
            assert_eq!(status, 200, "{page}");
            for r in page["items"].as_array().unwrap() {
                out.push(Uuid::try_parse(r["id"].as_str().unwrap()).unwrap());
            }
            match page.get("next_cursor") {
                Some(c) => {
                    assert_eq!(page["has_more"], true);
                    body.insert("cursor".into(), c.clone());
                }
                None => {
                    assert_eq!(page["has_more"], false);
                    return out;
                }
            }
        }
        panic!("more than 10,000 pages");
    }

    /// The query's answer as its definition reads: the runs of the projects in the
    /// window that pass the filters, sorted by `(start_time, id)` (a stable sort: runs
    /// with the same key in the store's order), reversed for `DESC`.
    fn defined(
        runs: &Runs,
        projects: &[Uuid],
        window: (i64, i64),
        run_type: Option<&str>,
        asc: bool,
    ) -> Vec<Uuid> {
        let mut m: Vec<&Run> = runs
            .runs
            .iter()
            .filter(|r| projects.contains(&r.session_id))
            .filter(|r| r.start_time >= window.0 && r.start_time <= window.1)
            .filter(|r| run_type.is_none_or(|t| r.run_type.eq_ignore_ascii_case(t)))
            .collect();
        m.sort_by_key(|r| (r.start_time, r.id));
        if !asc {
            m.reverse();
        }
        m.iter().map(|r| r.id).collect()
    }

    #[test]
    fn pages_resume_from_the_cursor_and_list_what_the_definition_lists() {
        let workspace = Uuid::from_u128(3);
        let cx = Context {
            workspace,
            now: 2_000_000_000,
            ignore_reference_examples: false,
            endless: false,
            ignore_filter: false,
        };
        let mut rng = fastrand::Rng::with_seed(31);
        let mut runs = Runs::default();
        let sessions: Vec<Uuid> = (0..3).map(|_| crate::traces::uuid4(&mut rng)).collect();
        for (k, s) in sessions.iter().enumerate() {
            runs.sessions.push(crate::traces::Session {
                id: *s,
                workspace_id: workspace,
                name: format!("p{k}"),
                reference_dataset_id: None,
                start_time: 0,
                description: None,
                end_time: None,
                extra: None,
            });
        }
        let push = |runs: &mut Runs, rng: &mut fastrand::Rng| {
            let mut r = crate::traces::tests::run();
            r.id = crate::traces::uuid4(rng);
            r.trace_id = r.id;
            r.workspace_id = workspace;
            r.session_id = sessions[rng.usize(..sessions.len())];
            // Few distinct times: many runs share a start_time.
            r.start_time = 1_000_000 + rng.i64(0..40);
            r.run_type = if rng.bool() { "chain" } else { "llm" };
            runs.runs.push(r);
        };
        for _ in 0..500 {
            push(&mut runs, &mut rng);
        }
        // Two runs with the same id and time (a key given twice).
        let twin = runs.runs[7].clone();
        runs.runs.push(twin);
        let iso = crate::time::rfc3339;
        for asc in [false, true] {
            for (size, window, run_type) in [
                (1000, (0, i64::from(i32::MAX)), None),
                (7, (0, i64::from(i32::MAX)), None),
                (1, (1_000_010, 1_000_030), None),
                (13, (1_000_005, 1_000_020), Some("LLM")),
                (5, (1_000_030, 1_000_010), None),
            ] {
                let projects = &sessions[..2];
                let mut body = Map::new();
                body.insert("project_ids".into(), json!(projects));
                body.insert("min_start_time".into(), iso(window.0).into());
                body.insert("max_start_time".into(), iso(window.1).into());
                body.insert("page_size".into(), size.into());
                body.insert(
                    "sort_order".into(),
                    (if asc { "ASC" } else { "DESC" }).into(),
                );
                if let Some(t) = run_type {
                    body.insert("run_type".into(), t.into());
                }
                let listed = walk(&mut runs, body, cx);
                let expected = defined(&runs, projects, window, run_type, asc);
                let twins = expected.iter().filter(|id| **id == runs.runs[7].id).count();
                // The twins share a key: the cursor after the first skips the second
                // unless both are on one page (as a resume strictly after a key does).
                if twins == 2 && listed.len() + 1 == expected.len() {
                    let mut e = expected.clone();
                    let at = e.iter().rposition(|id| *id == runs.runs[7].id).unwrap();
                    e.remove(at);
                    assert_eq!(listed, e, "asc {asc}, size {size}, window {window:?}");
                } else {
                    assert_eq!(
                        listed, expected,
                        "asc {asc}, size {size}, window {window:?}"
                    );
                }
            }
        }
        // A page asked after the store changed reads the change.
        let mut body = Map::new();
        body.insert("project_ids".into(), json!(&sessions));
        body.insert("page_size".into(), 1000.into());
        body.insert("min_start_time".into(), iso(0).into());
        let before = walk(&mut runs, body.clone(), cx);
        push(&mut runs, &mut rng);
        runs.runs.retain(|r| r.id != before[3]);
        let after = walk(&mut runs, body, cx);
        assert_eq!(after, defined(&runs, &sessions, (0, cx.now), None, false));
        assert_eq!(after.len(), before.len());
        assert!(!after.contains(&before[3]));
    }
}
