//! Runs: the experiment traces that copied seeded examples' inputs (issue 23), and the
//! two operations over them, `POST /api/v1/runs/query` and `POST /api/v1/runs/delete`.
//!
//! As `evaluate()` makes them: per experiment session, one trace per example whose root
//! run has `reference_example_id` = the example and the example's inputs, and a child run
//! in the same trace holding a prompt built from them; plus one unrelated trace per session
//! (no reference). A runs delete is queued (202 `{"message": "Run deletes queued"}`, as the
//! service answers: langchain-ai/langsmith-sdk issue 2077) and happens after the server's
//! run-delete delay.

use crate::spec;
use crate::store::Store;
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};
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

/// One run of the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: Uuid,
    pub trace_id: Uuid,
    pub session_id: Uuid,
    pub workspace_id: Uuid,
    pub parent_run_id: Option<Uuid>,
    pub reference_example_id: Option<Uuid>,
    pub name: String,
    pub inputs: Value,
    /// Unix seconds.
    pub start_time: i64,
}

impl Run {
    pub fn is_root(&self) -> bool {
        self.parent_run_id.is_none()
    }
}

/// A trace deletion the server accepted and has not carried out yet (or has).
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    due: Instant,
    workspace_id: Uuid,
    session_id: Uuid,
    trace_ids: HashSet<Uuid>,
}

/// The runs of the store and the deletions queued.
#[derive(Debug, Default)]
pub(crate) struct Runs {
    pub(crate) runs: Vec<Run>,
    pub(crate) queued: Vec<Queued>,
    pub(crate) delay: Duration,
    /// `(session_id, trace_id)` of every trace deleted, in order.
    pub(crate) deleted: Vec<(Uuid, Uuid)>,
    /// Runs delete requests received (for the deterministic 500s of
    /// `Faults::runs_delete_500_first`).
    pub(crate) delete_requests: u32,
}

impl Runs {
    /// Carries out the queued deletions that are due.
    pub(crate) fn settle(&mut self) {
        let now = Instant::now();
        let (due, later): (Vec<Queued>, Vec<Queued>) =
            self.queued.drain(..).partition(|q| q.due <= now);
        self.queued = later;
        for q in due {
            let mut gone: Vec<(Uuid, Uuid)> = Vec::new();
            self.runs.retain(|r| {
                let hit = r.workspace_id == q.workspace_id
                    && r.session_id == q.session_id
                    && q.trace_ids.contains(&r.trace_id);
                if hit && !gone.contains(&(r.session_id, r.trace_id)) {
                    gone.push((r.session_id, r.trace_id));
                }
                !hit
            });
            self.deleted.extend(gone);
        }
    }

    /// Seeds `sessions` experiment sessions per workspace over the seeded examples, each
    /// example in `per_example` of them (the `k`-th example of a workspace in sessions
    /// `k % sessions`, `(k + 1) % sessions`, ...).
    pub(crate) fn seed(
        &mut self,
        store: &Store,
        sessions: usize,
        per_example: usize,
        rng: &mut fastrand::Rng,
    ) {
        let mut id = || Uuid::from_u128(rng.u128(..) & !(0xf << 76) | (0x4 << 76));
        let mut workspaces: Vec<Uuid> = Vec::new();
        for i in 0..store.len() {
            let ws = store.workspace_at(i);
            if !workspaces.contains(&ws) {
                workspaces.push(ws);
            }
        }
        for ws in workspaces {
            for s in 0..sessions {
                let session_id = id();
                let mut t = EPOCH_RUNS + (s as i64) * 86_400;
                let in_workspace = (0..store.len()).filter(|i| store.workspace_at(*i) == ws);
                for (k, i) in in_workspace.enumerate() {
                    if (s + sessions - k % sessions) % sessions >= per_example {
                        continue;
                    }
                    let example = store.id_at(i);
                    let inputs = store
                        .content(i, store.versions() - 1)
                        .map_or(Value::Null, |c| c.inputs);
                    let root = id();
                    let prompt = json!({"prompt": format!("Answer the question: {inputs}")});
                    self.push_trace(ws, session_id, root, id(), Some(example), inputs, prompt, t);
                    t += 1;
                }
                // An unrelated trace: no example behind it.
                let (root, child) = (id(), id());
                self.push_trace(
                    ws,
                    session_id,
                    root,
                    child,
                    None,
                    json!({"question": "unrelated"}),
                    json!({"prompt": "unrelated"}),
                    t,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_trace(
        &mut self,
        workspace_id: Uuid,
        session_id: Uuid,
        root: Uuid,
        child: Uuid,
        reference: Option<Uuid>,
        inputs: Value,
        prompt: Value,
        start_time: i64,
    ) {
        self.runs.push(Run {
            id: root,
            trace_id: root,
            session_id,
            workspace_id,
            parent_run_id: None,
            reference_example_id: reference,
            name: "target".into(),
            inputs,
            start_time,
        });
        self.runs.push(Run {
            id: child,
            trace_id: root,
            session_id,
            workspace_id,
            parent_run_id: Some(root),
            reference_example_id: None,
            name: "llm".into(),
            inputs: prompt,
            start_time,
        });
    }
}

/// `start_time` of the first seeded run (2026-02-01T00:00:00Z).
const EPOCH_RUNS: i64 = 1_769_904_000;

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

fn uuids(v: &Value) -> Vec<Uuid> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().and_then(|s| Uuid::try_parse(s).ok()))
        .collect()
}

use crate::read::rfc3339;

/// A run as the spec's `RunSchema`: its required fields and the selected ones.
fn render(run: &Run, select: &[String]) -> Value {
    let selected = |f: &str| select.is_empty() || select.iter().any(|s| s == f);
    let mut m = Map::new();
    m.insert("id".into(), run.id.to_string().into());
    m.insert("trace_id".into(), run.trace_id.to_string().into());
    m.insert("session_id".into(), run.session_id.to_string().into());
    m.insert("name".into(), run.name.clone().into());
    m.insert(
        "run_type".into(),
        if run.is_root() { "chain" } else { "llm" }.into(),
    );
    m.insert("status".into(), "success".into());
    m.insert("app_path".into(), "/".into());
    let compact = |secs: i64| {
        rfc3339(secs)
            .replace(['-', ':'], "")
            .trim_end_matches('Z')
            .to_owned()
    };
    let dotted = match run.parent_run_id {
        None => format!("{}000000Z{}", compact(run.start_time), run.id),
        Some(p) => format!(
            "{}000000Z{p}.{}000001Z{}",
            compact(run.start_time),
            compact(run.start_time),
            run.id
        ),
    };
    m.insert("dotted_order".into(), dotted.into());
    if selected("reference_example_id") {
        m.insert(
            "reference_example_id".into(),
            run.reference_example_id
                .map_or(Value::Null, |id| id.to_string().into()),
        );
    }
    if selected("parent_run_id") {
        m.insert(
            "parent_run_id".into(),
            run.parent_run_id
                .map_or(Value::Null, |id| id.to_string().into()),
        );
    }
    if selected("inputs") {
        m.insert("inputs".into(), run.inputs.clone());
    }
    if selected("start_time") {
        m.insert("start_time".into(), rfc3339(run.start_time).into());
    }
    Value::Object(m)
}

/// `POST /api/v1/runs/query`: `(status, body)`. `ignore_reference_example` is the lie of a
/// server that does not apply that filter; `endless` of one whose next cursor always
/// leads back to the first page.
pub(crate) fn query(
    runs: &mut Runs,
    workspace: Uuid,
    body: &[u8],
    ignore_reference_example: bool,
    endless: bool,
) -> (u16, Value) {
    runs.settle();
    let q = match body_of(RUNS_QUERY_PATH, body) {
        Ok(q) => q,
        Err(e) => return e,
    };
    let references: Option<HashSet<Uuid>> = q
        .get("reference_example")
        .filter(|v| !v.is_null() && !ignore_reference_example)
        .map(|v| uuids(v).into_iter().collect());
    let sessions: Option<HashSet<Uuid>> = q
        .get("session")
        .filter(|v| !v.is_null())
        .map(|v| uuids(v).into_iter().collect());
    let ids: Option<HashSet<Uuid>> = q
        .get("id")
        .filter(|v| !v.is_null())
        .map(|v| uuids(v).into_iter().collect());
    let trace = q
        .get("trace")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::try_parse(s).ok());
    let is_root = q.get("is_root").and_then(Value::as_bool);
    let limit = q.get("limit").and_then(Value::as_u64).unwrap_or(100) as usize;
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
    let matching: Vec<&Run> = runs
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
        .filter(|r| is_root.is_none_or(|root| r.is_root() == root))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| render(r, &select))
        .collect();
    let next = if endless {
        Some("o:0".to_owned())
    } else {
        (offset + limit < matching.len()).then(|| format!("o:{}", offset + limit))
    };
    let prev = (offset > 0).then(|| format!("o:{}", offset.saturating_sub(limit)));
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
        due: Instant::now() + runs.delay,
        workspace_id: workspace,
        session_id,
        trace_ids: raw.iter().filter_map(|s| Uuid::try_parse(s).ok()).collect(),
    });
    runs.settle();
    (202, json!({"message": RUN_DELETES_QUEUED}), raw)
}
