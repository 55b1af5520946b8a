//! The operations over runs (their store and seeded experiment traces are
//! [`crate::traces`]): `POST /api/v1/runs/query`, `POST /api/v1/runs/delete` and (in
//! [`crate::runs_v2`]) `POST /api/v2/runs/query`. A runs delete is queued
//! (202 `{"message": "Run deletes queued"}`, as the service answers:
//! langchain-ai/langsmith-sdk issue 2077) and happens after the server's run-delete delay.

use crate::params::Use::{self, Applied, Refused};
use crate::spec;
use crate::time::rfc3339;
use crate::traces::{Queued, Run, Runs};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;
use uuid::Uuid;

/// The runs delete path, as the spec writes it.
pub const RUNS_DELETE_PATH: &str = "/api/v1/runs/delete";
/// The runs query path, as the spec writes it.
pub const RUNS_QUERY_PATH: &str = "/api/v1/runs/query";
/// What the service answers a runs delete (langchain-ai/langsmith-sdk issue 2077).
pub const RUN_DELETES_QUEUED: &str = "Run deletes queued";
/// The most trace ids one runs delete takes (LangSmith's data-deletion guide: "at most
/// 1,000 traces a request"; the spec states no limit).
pub const MAX_TRACE_IDS: usize = 1000;

fn schema_of(path: &str) -> &'static Value {
    use std::sync::OnceLock;
    static QUERY: OnceLock<Value> = OnceLock::new();
    static DELETE: OnceLock<Value> = OnceLock::new();
    let cell = if path == RUNS_QUERY_PATH {
        &QUERY
    } else {
        &DELETE
    };
    cell.get_or_init(|| {
        let doc = spec::document();
        spec::inline(
            doc,
            &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"],
        )
    })
}

/// What the stand-in does with each field the spec declares for the v1 runs query body
/// (`BodyParamsForRunsQuerySchema`): applied, or refused with a 400 naming it when present
/// and not null. A unit test fails when the spec declares a field this table does not
/// decide. (`use_experimental_search: true` is refused by the handler, by name.)
pub const V1_QUERY_FIELDS: &[(&str, Use)] = &[
    ("id", Applied),
    ("trace", Applied),
    ("parent_run", Applied),
    ("run_type", Applied),
    ("session", Applied),
    ("reference_example", Applied),
    // The spec allows only 1: the first run of its trace, the root.
    ("execution_order", Applied),
    // Runs that started at or after it.
    ("start_time", Applied),
    // Runs that ended at or before it.
    ("end_time", Applied),
    // Every seeded run succeeded: `true` matches none, `false` all.
    ("error", Applied),
    (
        "query",
        Refused("the stand-in does not search runs by free text"),
    ),
    // The subset of `crate::filter`; anything else is refused by name.
    ("filter", Applied),
    (
        "trace_filter",
        Refused("the stand-in does not evaluate filter expressions on runs"),
    ),
    (
        "tree_filter",
        Refused("the stand-in does not evaluate filter expressions on runs"),
    ),
    ("is_root", Applied),
    (
        "data_source_type",
        Refused("the stand-in keeps one store of runs"),
    ),
    ("skip_pagination", Applied),
    (
        "search_filter",
        Refused("the stand-in does not search runs by free text"),
    ),
    ("use_experimental_search", Applied),
    ("cursor", Applied),
    ("limit", Applied),
    ("select", Applied),
    ("order", Applied),
    ("skip_prev_cursor", Applied),
];

/// The first field of `body` the table refuses (present and not null), as a message
/// naming it; and the names the spec does not declare (ignored, as pydantic ignores them).
pub(crate) fn audit_body(
    body: &Map<String, Value>,
    table: &[(&str, Use)],
    route: &str,
) -> (Option<String>, Vec<String>) {
    let mut ignored = Vec::new();
    let mut refused = None;
    for (name, value) in body {
        match table.iter().find(|(n, _)| n == name) {
            None => ignored.push(name.clone()),
            Some((_, Refused(why))) if !value.is_null() && refused.is_none() => {
                refused = Some(format!(
                    "body field `{name}`: declared by the spec for POST {route}, but not supported by the stand-in: {name} ({why}); leave it out"
                ));
            }
            Some(_) => {}
        }
    }
    (refused, ignored)
}

/// FastAPI's 422 `HTTPValidationError` for body problems.
fn unprocessable(problems: Vec<(String, String)>) -> (u16, Value) {
    let detail: Vec<Value> = problems
        .into_iter()
        .map(|(pointer, msg)| {
            let mut loc = vec![Value::from("body")];
            loc.extend(
                pointer
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::from(s.to_owned())),
            );
            json!({"loc": loc, "msg": msg, "type": "value_error"})
        })
        .collect();
    (422, json!({ "detail": detail }))
}

/// Parses and validates a body against the operation's request schema.
fn body_of(path: &str, body: &[u8]) -> Result<Value, (u16, Value)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| unprocessable(vec![(String::new(), format!("JSON decode error: {e}"))]))?;
    let violations = spec::validate(schema_of(path), &value);
    if !violations.is_empty() {
        return Err(unprocessable(
            violations
                .into_iter()
                .map(|v| (v.pointer, v.message))
                .collect(),
        ));
    }
    Ok(value)
}

pub(crate) fn uuids(v: &Value) -> Vec<Uuid> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().and_then(|s| Uuid::try_parse(s).ok()))
        .collect()
}

/// A run as the spec's `RunSchema`: its required fields and the selected ones (all
/// with an empty selection).
pub(crate) fn render(run: &Run, select: &[String]) -> Value {
    let selected = |f: &str| select.is_empty() || select.iter().any(|s| s == f);
    let mut m = Map::new();
    m.insert("id".into(), run.id.to_string().into());
    m.insert("trace_id".into(), run.trace_id.to_string().into());
    m.insert("session_id".into(), run.session_id.to_string().into());
    m.insert("name".into(), run.name.clone().into());
    m.insert("run_type".into(), run.run_type.into());
    let status = match (&run.error, run.end_time) {
        (Some(_), _) => "error",
        (None, Some(_)) => "success",
        (None, None) => "pending",
    };
    m.insert("status".into(), status.into());
    m.insert("app_path".into(), "/".into());
    m.insert("dotted_order".into(), run.dotted_order.clone().into());
    let id_or_null = |id: Option<Uuid>| id.map_or(Value::Null, |id| id.to_string().into());
    if selected("reference_example_id") {
        m.insert(
            "reference_example_id".into(),
            id_or_null(run.reference_example_id),
        );
    }
    if selected("reference_dataset_id") {
        m.insert(
            "reference_dataset_id".into(),
            id_or_null(run.reference_dataset_id),
        );
    }
    if selected("parent_run_id") {
        m.insert("parent_run_id".into(), id_or_null(run.parent_run_id));
    }
    if selected("parent_run_ids") {
        let ids: Vec<Value> = run
            .parent_run_ids()
            .iter()
            .map(|id| id.to_string().into())
            .collect();
        m.insert("parent_run_ids".into(), ids.into());
    }
    if selected("inputs") {
        m.insert("inputs".into(), run.inputs.clone());
    }
    if selected("outputs") {
        m.insert("outputs".into(), run.outputs.clone());
    }
    if selected("error") {
        m.insert(
            "error".into(),
            run.error.clone().map_or(Value::Null, Value::from),
        );
    }
    if selected("extra") {
        m.insert("extra".into(), run.extra.clone().unwrap_or(Value::Null));
    }
    if selected("events") {
        m.insert("events".into(), run.events.clone().unwrap_or(Value::Null));
    }
    if selected("start_time") {
        m.insert("start_time".into(), rfc3339(run.start_time).into());
    }
    if selected("end_time") {
        m.insert(
            "end_time".into(),
            run.end_time.map_or(Value::Null, |t| rfc3339(t).into()),
        );
    }
    if selected("tags") {
        m.insert("tags".into(), run.tags.clone().into());
    }
    let usage = usage_of(run);
    for (field, from, with) in USAGE_FIELDS {
        // A breakdown comes with its total: LangSmith answers the SDK's default
        // selection, which names `prompt_tokens` and `prompt_cost` but no `*_details`,
        // with the details (the SDK's own `test_usage_metadata` reads them so).
        if !selected(field) && !selected(with) {
            continue;
        }
        let v = usage.and_then(|u| u.get(*from)).filter(|v| !v.is_null());
        let value = match (*field, v) {
            // Token counts are integers, 0 when unknown (the spec's default).
            ("prompt_tokens" | "completion_tokens" | "total_tokens", v) => {
                let n = v.and_then(Value::as_i64).or_else(|| {
                    (*field == "total_tokens")
                        .then(|| {
                            let u = usage?;
                            Some(
                                u.get("input_tokens")?.as_i64()?
                                    + u.get("output_tokens")?.as_i64()?,
                            )
                        })
                        .flatten()
                });
                n.unwrap_or(0).into()
            }
            (_, None) => Value::Null,
            // Costs are decimal strings in the spec.
            ("prompt_cost" | "completion_cost" | "total_cost", Some(v)) => decimal(v),
            ("prompt_cost_details" | "completion_cost_details", Some(Value::Object(d))) => d
                .iter()
                .map(|(k, v)| (k.clone(), decimal(v)))
                .collect::<Map<_, _>>()
                .into(),
            ("prompt_token_details" | "completion_token_details", Some(v @ Value::Object(_))) => {
                v.clone()
            }
            _ => Value::Null,
        };
        m.insert((*field).into(), value);
    }
    Value::Object(m)
}

/// The token and cost fields of `RunSchema`, the keys of the SDKs' `usage_metadata` they
/// come from (LangSmith docs, "log LLM calls": `input_tokens` is shown as the prompt's,
/// `output_tokens` as the completion's, and so on), and the field whose selection brings
/// them too.
const USAGE_FIELDS: &[(&str, &str, &str)] = &[
    ("prompt_tokens", "input_tokens", "prompt_tokens"),
    ("completion_tokens", "output_tokens", "completion_tokens"),
    ("total_tokens", "total_tokens", "total_tokens"),
    (
        "prompt_token_details",
        "input_token_details",
        "prompt_tokens",
    ),
    (
        "completion_token_details",
        "output_token_details",
        "completion_tokens",
    ),
    ("prompt_cost", "input_cost", "prompt_cost"),
    ("completion_cost", "output_cost", "completion_cost"),
    ("total_cost", "total_cost", "total_cost"),
    ("prompt_cost_details", "input_cost_details", "prompt_cost"),
    (
        "completion_cost_details",
        "output_cost_details",
        "completion_cost",
    ),
];

/// The usage an LLM run reported, as LangSmith reads it (LangSmith docs, "cost
/// tracking"): `usage_metadata` in its metadata (`extra.metadata`, where the SDKs'
/// `run_tree.set(usage_metadata=...)` puts it), else in its outputs (where a traced
/// function returns it). Other run types report none (the stand-in does not add up a
/// trace's usage on its parents).
fn usage_of(run: &Run) -> Option<&Map<String, Value>> {
    if run.run_type != "llm" {
        return None;
    }
    let in_metadata = run
        .extra
        .as_ref()
        .and_then(|x| x.get("metadata"))
        .and_then(|m| m.get("usage_metadata"))
        .and_then(Value::as_object);
    in_metadata.or_else(|| run.outputs.get("usage_metadata").and_then(Value::as_object))
}

/// The 50th and 99th percentile latency (seconds, nearest rank: the smallest latency at
/// or above that share of them) of the ended `runs`, null without any, as
/// `POST /runs/stats` and a session's stats give them.
pub(crate) fn latency_percentiles<'a>(runs: impl Iterator<Item = &'a Run>) -> (Value, Value) {
    let mut latencies: Vec<i64> = runs
        .filter_map(|r| r.end_time.map(|e| e - r.start_time))
        .collect();
    latencies.sort_unstable();
    let rank = |p: f64| -> Value {
        if latencies.is_empty() {
            return Value::Null;
        }
        let k = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        json!(latencies[k - 1] as f64)
    };
    (rank(0.5), rank(0.99))
}

/// A session's stats, the fields `TracerSession` adds with `include_stats=true` (`GET
/// /sessions`, `GET /sessions/{id}`): over its traces (root runs), `run_count`, the
/// latency percentiles (seconds, nearest rank, as `POST /runs/stats`) and `error_rate`;
/// over all its runs, the tokens and costs their usage reported (costs null when none
/// did); `feedback_stats` per feedback key on its runs (`n`, `avg` and `stdev` of the
/// numeric scores, `errors`, and the count of each categorical `value`). The first-token
/// percentiles and facets are null: the stand-in keeps no token times.
pub(crate) fn session_stats(runs: &Runs, session: Uuid) -> Map<String, Value> {
    let of: Vec<&Run> = runs
        .runs
        .iter()
        .filter(|r| r.session_id == session)
        .collect();
    let roots: Vec<&&Run> = of.iter().filter(|r| r.is_root()).collect();
    let (p50, p99) = latency_percentiles(roots.iter().map(|r| **r));
    let errors = roots.iter().filter(|r| r.error.is_some()).count();
    let mut m = Map::new();
    m.insert("run_count".into(), roots.len().into());
    m.insert("latency_p50".into(), p50);
    m.insert("latency_p99".into(), p99);
    m.insert("first_token_p50".into(), Value::Null);
    m.insert("first_token_p99".into(), Value::Null);
    m.insert(
        "error_rate".into(),
        if roots.is_empty() {
            Value::Null
        } else {
            json!(errors as f64 / roots.len() as f64)
        },
    );
    // Each run's tokens and costs as it reads back (`render`), added up.
    const TOTALS: [&str; 6] = [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_cost",
        "completion_cost",
        "total_cost",
    ];
    let select: Vec<String> = TOTALS.map(str::to_owned).to_vec();
    let rendered: Vec<Value> = of.iter().map(|r| render(r, &select)).collect();
    for field in TOTALS {
        let values = rendered.iter().map(|r| &r[field]);
        if field.ends_with("_tokens") {
            let total: i64 = values.filter_map(Value::as_i64).sum();
            m.insert(field.into(), total.into());
        } else {
            let costs: Vec<f64> = values.filter_map(|v| v.as_str()?.parse().ok()).collect();
            let total = (!costs.is_empty()).then(|| decimal(&json!(costs.iter().sum::<f64>())));
            m.insert(field.into(), total.unwrap_or(Value::Null));
        }
    }
    let ids: HashSet<Uuid> = of.iter().map(|r| r.id).collect();
    m.insert("feedback_stats".into(), feedback_stats(runs, &ids));
    m.insert("session_feedback_stats".into(), Value::Null);
    m.insert("run_facets".into(), Value::Null);
    m.insert("streaming_rate".into(), Value::Null);
    m
}

/// The feedback on `ids` per key, as LangSmith's `feedback_stats`: `n`, the `avg` and
/// `stdev` of the numeric scores (a boolean counts 1 or 0; null without any), `errors`
/// and the count of each categorical `value`.
pub(crate) fn feedback_stats(runs: &Runs, ids: &HashSet<Uuid>) -> Value {
    let mut by_key: std::collections::BTreeMap<&str, Vec<&Map<String, Value>>> =
        std::collections::BTreeMap::new();
    for f in &runs.feedback {
        if f.run_id.is_some_and(|r| ids.contains(&r)) {
            by_key.entry(&f.key).or_default().push(&f.fields);
        }
    }
    let feedback: Map<String, Value> = by_key
        .into_iter()
        .map(|(key, all)| {
            let scores: Vec<f64> = all
                .iter()
                .filter_map(|f| match f.get("score")? {
                    Value::Bool(b) => Some(f64::from(u8::from(*b))),
                    v => v.as_f64(),
                })
                .collect();
            let avg =
                (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
            let stdev = avg.map(|a| {
                (scores.iter().map(|x| (x - a).powi(2)).sum::<f64>() / scores.len() as f64).sqrt()
            });
            let mut values = Map::new();
            for v in all.iter().filter_map(|f| f.get("value")?.as_str()) {
                let n = values.get(v).and_then(Value::as_u64).unwrap_or(0);
                values.insert(v.to_owned(), (n + 1).into());
            }
            (
                key.to_owned(),
                json!({"n": all.len(), "avg": avg, "stdev": stdev, "errors": 0, "values": values}),
            )
        })
        .collect();
    feedback.into()
}

/// A cost as the spec's decimal string: a number as its shortest decimal text, a string
/// as sent.
fn decimal(v: &Value) -> Value {
    match v {
        Value::String(s) => s.clone().into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) => format!("{f}").into(),
            None => n.to_string().into(),
        },
        _ => Value::Null,
    }
}

/// An RFC 3339 time as Unix seconds, rounded up (`ceil`) or down: whole-second run times
/// compare exactly with it either way.
pub(crate) fn time_bound(text: &str, ceil: bool) -> Option<i64> {
    let secs = crate::time::parse_rfc3339(text)?;
    let fraction = text
        .get(19..)
        .and_then(|r| r.strip_prefix('.'))
        .is_some_and(|f| f.bytes().take_while(u8::is_ascii_digit).any(|c| c != b'0'));
    Some(if ceil && fraction { secs + 1 } else { secs })
}

/// `POST /api/v1/runs/query`: `(status, body)`, and the body fields it ignored because
/// the spec does not declare them. `ignore_reference_example` is the lie of a server that
/// does not apply that filter; `endless` of one whose next cursor always leads back to
/// the first page.
pub(crate) fn query(
    runs: &mut Runs,
    workspace: Uuid,
    body: &[u8],
    attachments: &HashMap<Uuid, Value>,
    ignore_reference_example: bool,
    endless: bool,
) -> ((u16, Value), Vec<String>) {
    runs.settle();
    let q = match body_of(RUNS_QUERY_PATH, body) {
        Ok(q) => q,
        Err(e) => return (e, Vec::new()),
    };
    let empty = Map::new();
    let (refused, ignored) = audit_body(
        q.as_object().unwrap_or(&empty),
        V1_QUERY_FIELDS,
        RUNS_QUERY_PATH,
    );
    if let Some(detail) = refused {
        return ((400, json!({ "detail": detail })), ignored);
    }
    if q.get("use_experimental_search") == Some(&Value::Bool(true)) {
        let detail = "body field `use_experimental_search`: true is not supported by the stand-in: use_experimental_search (it has one search, the filters it applies); leave it out";
        return ((400, json!({ "detail": detail })), ignored);
    }
    (
        query_v1(
            runs,
            workspace,
            &q,
            attachments,
            ignore_reference_example,
            endless,
        ),
        ignored,
    )
}

fn query_v1(
    runs: &Runs,
    workspace: Uuid,
    q: &Value,
    attachments: &HashMap<Uuid, Value>,
    ignore_reference_example: bool,
    endless: bool,
) -> (u16, Value) {
    let set = |name: &str| -> Option<HashSet<Uuid>> {
        q.get(name)
            .filter(|v| !v.is_null())
            .map(|v| uuids(v).into_iter().collect())
    };
    let one = |name: &str| {
        q.get(name)
            .and_then(Value::as_str)
            .and_then(|s| Uuid::try_parse(s).ok())
    };
    let references = set("reference_example").filter(|_| !ignore_reference_example);
    let sessions = set("session");
    let ids = set("id");
    let trace = one("trace");
    let parent = one("parent_run");
    let run_type = q.get("run_type").and_then(Value::as_str);
    let is_root = q.get("is_root").and_then(Value::as_bool).or_else(|| {
        q.get("execution_order")
            .and_then(Value::as_u64)
            .map(|_| true)
    });
    let error = q.get("error").and_then(Value::as_bool);
    let filter = match q.get("filter").and_then(Value::as_str) {
        None => None,
        Some(text) => match crate::filter::RunFilter::parse(text) {
            Ok(f) => Some(f),
            Err(e) => {
                return (
                    400,
                    json!({ "detail": format!("body field `filter`: {e}") }),
                );
            }
        },
    };
    let time = |name: &str, ceil: bool| -> Result<Option<i64>, (u16, Value)> {
        match q.get(name).and_then(Value::as_str) {
            None => Ok(None),
            Some(t) => time_bound(t, ceil).map(Some).ok_or_else(|| {
                unprocessable(vec![(
                    format!("/{name}"),
                    format!("not an RFC 3339 date-time: {t:?}"),
                )])
            }),
        }
    };
    let (min_start, max_end) = match (time("start_time", true), time("end_time", false)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let limit = q.get("limit").and_then(Value::as_u64).unwrap_or(100) as usize;
    let all_at_once = q.get("skip_pagination").and_then(Value::as_bool) == Some(true);
    let skip_prev = q.get("skip_prev_cursor").and_then(Value::as_bool) == Some(true);
    let ascending = q.get("order").and_then(Value::as_str) == Some("asc");
    let select: Vec<String> = q
        .get("select")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let offset = match q.get("cursor").and_then(Value::as_str) {
        None => 0,
        Some(c) => match c.strip_prefix("o:").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return unprocessable(vec![("/cursor".into(), "invalid cursor".into())]),
        },
    };
    let mut matching: Vec<&Run> = runs
        .runs
        .iter()
        .filter(|r| r.workspace_id == workspace)
        .filter(|r| {
            references
                .as_ref()
                .is_none_or(|s| r.reference_example_id.is_some_and(|id| s.contains(&id)))
        })
        .filter(|r| sessions.as_ref().is_none_or(|s| s.contains(&r.session_id)))
        .filter(|r| ids.as_ref().is_none_or(|s| s.contains(&r.id)))
        .filter(|r| trace.is_none_or(|t| r.trace_id == t))
        .filter(|r| parent.is_none_or(|p| r.parent_run_id == Some(p)))
        .filter(|r| run_type.is_none_or(|t| r.run_type == t))
        .filter(|r| is_root.is_none_or(|root| r.is_root() == root))
        .filter(|r| error.is_none_or(|e| r.error.is_some() == e))
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(r)))
        .filter(|r| min_start.is_none_or(|t| r.start_time >= t))
        .filter(|r| max_end.is_none_or(|t| r.end_time.is_some_and(|e| e <= t)))
        .collect();
    // `order`: by start time (the spec's default, descending), ties by id.
    matching.sort_by_key(|r| (r.start_time, r.id));
    if !ascending {
        matching.reverse();
    }
    let limit = if all_at_once {
        matching.len().max(1)
    } else {
        limit
    };
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| {
            let mut v = render(r, &select);
            // The attachments `POST /runs/multipart` gave it (`s3_urls`, only when selected).
            if select.iter().any(|s| s == "s3_urls") {
                v["s3_urls"] = attachments.get(&r.id).cloned().unwrap_or(Value::Null);
            }
            v
        })
        .collect();
    let next = if endless {
        Some("o:0".to_owned())
    } else {
        (offset + limit < matching.len()).then(|| format!("o:{}", offset + limit))
    };
    let prev = (offset > 0 && !skip_prev).then(|| format!("o:{}", offset.saturating_sub(limit)));
    (
        200,
        json!({"runs": page, "cursors": {"next": next, "prev": prev}}),
    )
}

/// `POST /api/v1/runs/delete`: `(status, body)`, and the trace ids it carried.
pub(crate) fn delete(runs: &mut Runs, workspace: Uuid, body: &[u8]) -> (u16, Value, Vec<String>) {
    let q = match body_of(RUNS_DELETE_PATH, body) {
        Ok(q) => q,
        Err((s, b)) => return (s, b, Vec::new()),
    };
    let raw: Vec<String> = q
        .get("trace_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(session_id) = q
        .get("session_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::try_parse(s).ok())
    else {
        let (s, b) = unprocessable(vec![(
            "/session_id".into(),
            "a session_id is required".into(),
        )]);
        return (s, b, raw);
    };
    if raw.is_empty() {
        let (s, b) = unprocessable(vec![(
            "/trace_ids".into(),
            "trace_ids must name at least one trace".into(),
        )]);
        return (s, b, raw);
    }
    if raw.len() > MAX_TRACE_IDS {
        let (s, b) = unprocessable(vec![(
            "/trace_ids".into(),
            format!("at most {MAX_TRACE_IDS} trace ids a request"),
        )]);
        return (s, b, raw);
    }
    runs.queued.push(Queued {
        due: SystemTime::now() + runs.delay,
        workspace_id: workspace,
        session_id,
        trace_ids: raw.iter().filter_map(|s| Uuid::try_parse(s).ok()).collect(),
    });
    runs.settle();
    (202, json!({"message": RUN_DELETES_QUEUED}), raw)
}

/// The names the spec declares as properties of a request body schema (read at call time).
pub fn declared_body_fields(schema: &Value) -> Vec<String> {
    let doc = spec::document();
    spec::resolve(doc, schema)["properties"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v1_table_decides_every_declared_body_field_and_names_only_declared_ones() {
        let doc = spec::document();
        let fields = declared_body_fields(
            &doc["paths"][RUNS_QUERY_PATH]["post"]["requestBody"]["content"]["application/json"]["schema"],
        );
        assert!(fields.len() > 10, "{fields:?}");
        for f in &fields {
            assert!(
                V1_QUERY_FIELDS.iter().any(|(n, _)| n == f),
                "the spec declares `{f}`, which V1_QUERY_FIELDS does not decide"
            );
        }
        for (n, _) in V1_QUERY_FIELDS {
            assert!(fields.iter().any(|f| f == n), "`{n}` is not declared");
        }
    }

    #[test]
    fn time_bounds_round_fractions_the_safe_way() {
        let t = crate::time::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
        assert_eq!(time_bound("2026-03-01T00:00:00.000Z", true), Some(t));
        assert_eq!(time_bound("2026-03-01T00:00:00.250Z", true), Some(t + 1));
        assert_eq!(time_bound("2026-03-01T00:00:00.250Z", false), Some(t));
        assert_eq!(time_bound("yesterday", false), None);
    }
}
