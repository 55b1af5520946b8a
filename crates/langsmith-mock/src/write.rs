//! The writes the official SDKs make (issue 32): datasets, examples, sessions and run
//! ingestion, into the one workspace store every read answers from.
//!
//! Every body is validated with `jsonschema` against the request schema **read from the
//! vendored spec** for the route; a violation is the route's documented error (FastAPI's
//! 422 `HTTPValidationError` on the classic routes, `runs.ErrorResponse` on the ingestion
//! routes), and nothing is written. Fields the spec does not declare are ignored, as
//! pydantic and Go's JSON decoding ignore them, and recorded in
//! `RecordedRequest::ignored_params`. A request is all-or-nothing: every check runs
//! before the first change.

use crate::answer::{Answer, detail, path_uuid, query_pairs, query_uuids, unprocessable};
use crate::cx::Cx;
use crate::kinds::RUN_TYPES;
use crate::read;
use crate::side;
use crate::spec;
use crate::store::{AttachmentChange, Content, Dataset, NewAttachment, NewExample, Store};
use crate::time::{parse_as_of_time_us, rfc3339, rfc3339_us};
use crate::traces::{Run, Session};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use uuid::Uuid;

/// A write operation (path parameters as sent, unparsed).
#[derive(Debug, Clone)]
pub(crate) enum Write {
    CreateDataset,
    UploadCsv,
    UpdateDataset(String),
    DeleteDataset(String),
    CreateExample,
    CreateExamples,
    UploadExamples(String),
    UpdateExamplesMultipart(String),
    UpdateExamples,
    UpdateExample(String),
    DeleteExample(String),
    DeleteExamples,
    CreateSession,
    ReadSession(String),
    UpdateSession(String),
    DeleteSession(String),
    CreateRun,
    UpdateRun(String),
    BatchRuns,
    MultipartRuns,
    RunStats,
    ReadRun(String),
    ReadRunV2(String),
    CreateFeedback,
    ListFeedback,
    ReadFeedback(String),
    DeleteFeedback(String),
    ShareRun(String),
    UnshareRun(String),
    ReadRunShare(String),
    ListShared,
    ReadDatasetShare(String),
    ShareDataset(String),
    UnshareDataset(String),
    ListRunRules,
    ListBulkExports,
    ExampleRuns(String),
    DiffVersions(String),
}

impl Write {
    /// The spec's path and method of the operation.
    pub(crate) fn spec_operation(&self) -> (&'static str, &'static str) {
        match self {
            Write::CreateDataset => ("/api/v1/datasets", "post"),
            Write::UploadCsv => ("/api/v1/datasets/upload", "post"),
            Write::UpdateDataset(_) => ("/api/v1/datasets/{dataset_id}", "patch"),
            Write::DeleteDataset(_) => ("/api/v1/datasets/{dataset_id}", "delete"),
            Write::CreateExample => ("/api/v1/examples", "post"),
            Write::CreateExamples => ("/api/v1/examples/bulk", "post"),
            Write::UpdateExamples => ("/api/v1/examples/bulk", "patch"),
            Write::UploadExamples(_) => ("/v1/platform/datasets/{dataset_id}/examples", "post"),
            Write::UpdateExamplesMultipart(_) => {
                ("/v1/platform/datasets/{dataset_id}/examples", "patch")
            }
            Write::UpdateExample(_) => ("/api/v1/examples/{example_id}", "patch"),
            Write::DeleteExample(_) => ("/api/v1/examples/{example_id}", "delete"),
            Write::DeleteExamples => ("/api/v1/examples", "delete"),
            Write::CreateSession => ("/api/v1/sessions", "post"),
            Write::ReadSession(_) => ("/api/v1/sessions/{session_id}", "get"),
            Write::UpdateSession(_) => ("/api/v1/sessions/{session_id}", "patch"),
            Write::DeleteSession(_) => ("/api/v1/sessions/{session_id}", "delete"),
            Write::CreateRun => ("/runs", "post"),
            Write::UpdateRun(_) => ("/runs/{run_id}", "patch"),
            Write::BatchRuns => ("/runs/batch", "post"),
            Write::MultipartRuns => ("/runs/multipart", "post"),
            Write::RunStats => ("/api/v1/runs/stats", "post"),
            Write::ExampleRuns(_) => ("/api/v1/datasets/{dataset_id}/runs", "post"),
            Write::DiffVersions(_) => ("/api/v1/datasets/{dataset_id}/versions/diff", "get"),
            Write::ReadRun(_) => ("/api/v1/runs/{run_id}", "get"),
            Write::ReadRunV2(_) => ("/v2/runs/{run_id}", "get"),
            Write::CreateFeedback => ("/api/v1/feedback", "post"),
            Write::ListFeedback => ("/api/v1/feedback", "get"),
            Write::ReadFeedback(_) => ("/api/v1/feedback/{feedback_id}", "get"),
            Write::DeleteFeedback(_) => ("/api/v1/feedback/{feedback_id}", "delete"),
            Write::ShareRun(_) => ("/api/v1/runs/{run_id}/share", "put"),
            Write::UnshareRun(_) => ("/api/v1/runs/{run_id}/share", "delete"),
            Write::ReadRunShare(_) => ("/api/v1/runs/{run_id}/share", "get"),
            Write::ListShared => ("/api/v1/workspaces/current/shared", "get"),
            Write::ReadDatasetShare(_) => ("/api/v1/datasets/{dataset_id}/share", "get"),
            Write::ShareDataset(_) => ("/api/v1/datasets/{dataset_id}/share", "put"),
            Write::UnshareDataset(_) => ("/api/v1/datasets/{dataset_id}/share", "delete"),
            Write::ListRunRules => ("/api/v1/runs/rules", "get"),
            Write::ListBulkExports => ("/api/v1/bulk-exports", "get"),
        }
    }

    /// Whether the route belongs to the ingestion service (errors as `runs.ErrorResponse`).
    pub(crate) fn is_ingest(&self) -> bool {
        matches!(
            self,
            Write::CreateRun | Write::UpdateRun(_) | Write::BatchRuns | Write::MultipartRuns
        )
    }
}

/// A run's `start_time` and `end_time` sent as numbers (the official JS SDK sends
/// `Date.now()`), written as the RFC 3339 times the spec declares before the body is
/// checked against it: LangSmith reads them as pydantic reads a number for a `datetime`
/// ([`crate::time::unix_number`]). Runs are the body (`POST /runs`, `PATCH /runs/{id}`) or
/// the items of its `post` and `patch` (`POST /runs/batch`).
fn unix_times_as_text(body: &mut Value) {
    let fix = |run: &mut Value| {
        for field in ["start_time", "end_time"] {
            if let Some(t) = run
                .get(field)
                .and_then(Value::as_f64)
                .and_then(crate::time::unix_number)
            {
                run[field] = Value::String(crate::time::rfc3339(t));
            }
        }
    };
    let batch = ["post", "patch"]
        .iter()
        .any(|k| body.get(k).is_some_and(Value::is_array));
    if batch {
        for k in ["post", "patch"] {
            if let Some(Value::Array(runs)) = body.get_mut(k) {
                runs.iter_mut().for_each(fix);
            }
        }
    } else if body.is_object() {
        fix(body);
    }
}

/// The ingestion service's error shape (`runs.ErrorResponse`).
fn ingest_error(status: u16, error: &str, details: impl Into<String>) -> Answer {
    (status, json!({"error": error, "details": details.into()}))
}

/// The request body schema of an operation, as the spec writes it.
fn request_schema(path: &str, method: &str) -> &'static Value {
    &spec::document()["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
}

/// Compiled request validators, by the spec's path and method.
type Validators = HashMap<(&'static str, &'static str), Arc<jsonschema::Validator>>;

/// A validator per operation, compiled once.
fn validator(path: &'static str, method: &'static str) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<Validators>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache
        .entry((path, method))
        .or_insert_with(|| Arc::new(spec::compile(request_schema(path, method))))
        .clone()
}

/// Reads and validates the body of `op`: the value, and the fields it carries that the
/// spec does not declare (ignored).
fn body_of(op: &Write, body: &[u8]) -> Result<(Value, Vec<String>), Answer> {
    let (path, method) = op.spec_operation();
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        if op.is_ingest() {
            ingest_error(400, "invalid JSON", e.to_string())
        } else {
            unprocessable(
                &["body", &e.column().to_string()],
                e.to_string(),
                "json_invalid",
            )
        }
    })?;
    let mut value = value;
    if op.is_ingest() {
        unix_times_as_text(&mut value);
    }
    if matches!(op, Write::BatchRuns) {
        // A run's field sent as null is absent, as in `POST /runs/multipart` (the ingestion
        // service decodes runs with Go's encoding/json, which leaves a field at its zero
        // value for null; the SDK's tracing thread sends `"parent_run_id": null` and
        // `"session_id": null` in its patches).
        for part in ["post", "patch"] {
            let runs = value.get_mut(part).and_then(Value::as_array_mut);
            for run in runs.into_iter().flatten() {
                if let Some(m) = run.as_object_mut() {
                    m.retain(|_, v| !v.is_null());
                }
            }
        }
    }
    let v = validator(path, method);
    let errors: Vec<(String, String)> = v
        .iter_errors(&value)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect();
    if !errors.is_empty() {
        if op.is_ingest() {
            let text: Vec<String> = errors
                .iter()
                .map(|(p, m)| format!("{}: {m}", if p.is_empty() { "/" } else { p }))
                .collect();
            return Err(ingest_error(422, "invalid run", text.join("; ")));
        }
        let list: Vec<Value> = errors
            .iter()
            .map(|(p, m)| {
                let mut loc = vec![Value::from("body")];
                loc.extend(
                    p.split('/')
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse::<u64>().map_or_else(|_| s.into(), Value::from)),
                );
                json!({"loc": loc, "msg": m, "type": "value_error"})
            })
            .collect();
        return Err((422, json!({ "detail": list })));
    }
    // Undeclared fields: of the object, or of each item of an array body (or of each run
    // of a batch).
    let schema = spec::inline(spec::document(), request_schema(path, method));
    let mut ignored = Vec::new();
    let mut note = |props: &Value, obj: &Value, prefix: &str| {
        if let (Some(props), Some(obj)) = (props.as_object(), obj.as_object()) {
            for k in obj.keys() {
                let name = format!("{prefix}{k}");
                if !props.contains_key(k) && !ignored.contains(&name) {
                    ignored.push(name);
                }
            }
        }
    };
    match (&value, op) {
        (Value::Array(items), _) => {
            for item in items {
                note(&schema["items"]["properties"], item, "");
            }
        }
        (Value::Object(m), Write::BatchRuns) => {
            note(&schema["properties"], &value, "");
            for part in ["post", "patch"] {
                for item in m.get(part).and_then(Value::as_array).into_iter().flatten() {
                    note(
                        &schema["properties"][part]["items"]["properties"],
                        item,
                        &format!("{part}[]."),
                    );
                }
            }
        }
        _ => note(&schema["properties"], &value, ""),
    }
    Ok((value, ignored))
}

/// An optional UUID field of a body (validated already: a string when present).
fn uuid_field(v: &Value, name: &str, ingest: bool) -> Result<Option<Uuid>, Answer> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => {
            let s = x.as_str().unwrap_or_default();
            Uuid::try_parse(s).map(Some).map_err(|e| {
                if ingest {
                    ingest_error(422, "invalid run", format!("{name}: {e}"))
                } else {
                    unprocessable(&["body", name], e.to_string(), "uuid_parsing")
                }
            })
        }
    }
}

/// A time field (RFC 3339, or without an offset: UTC), or `None`; Unix seconds.
fn time_field(v: &Value, name: &str, ingest: bool) -> Result<Option<i64>, Answer> {
    Ok(time_field_us(v, name, ingest)?.map(|us| us.div_euclid(crate::time::MICROS)))
}

/// [`time_field`] in Unix microseconds (an example's times).
fn time_field_us(v: &Value, name: &str, ingest: bool) -> Result<Option<i64>, Answer> {
    if let Some(n) = v.get(name).and_then(Value::as_f64) {
        return Ok(crate::time::unix_number_us(n));
    }
    match v.get(name).and_then(Value::as_str) {
        None => Ok(None),
        Some(t) => parse_as_of_time_us(t).map(Some).ok_or_else(|| {
            if ingest {
                ingest_error(
                    422,
                    "invalid run",
                    format!("{name}: not an RFC 3339 time: {t:?}"),
                )
            } else {
                unprocessable(
                    &["body", name],
                    format!("not an RFC 3339 time: {t:?}"),
                    "datetime_parsing",
                )
            }
        }),
    }
}

fn random_id() -> Uuid {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid()
}

/// Answers a write operation: `(status, body)` and the body fields ignored.
pub(crate) fn answer(
    cx: Cx<'_>,
    op: &Write,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> (Answer, Vec<String>) {
    if let Write::UploadExamples(ds) | Write::UpdateExamplesMultipart(ds) = op {
        let mut ignored = Vec::new();
        let result = if matches!(op, Write::UploadExamples(_)) {
            upload_examples(cx, ds, content_type, body, &mut ignored)
        } else {
            update_examples_multipart(cx, ds, content_type, body, &mut ignored)
        };
        return (result.map_or_else(|e| e, |v| (201, v)), ignored);
    }
    if let Write::UploadCsv = op {
        let mut ignored = Vec::new();
        let result = upload_csv(cx, content_type, body, &mut ignored);
        return (result.map_or_else(|e| e, |v| (200, v)), ignored);
    }
    if let Write::MultipartRuns = op {
        let mut ignored = Vec::new();
        let result = multipart_runs(cx, content_type, body, &mut ignored);
        return (result.map_or_else(|e| e, |v| (202, v)), ignored);
    }
    let has_body = matches!(
        op,
        Write::CreateDataset
            | Write::UpdateDataset(_)
            | Write::CreateExample
            | Write::CreateExamples
            | Write::UpdateExamples
            | Write::UpdateExample(_)
            | Write::CreateSession
            | Write::UpdateSession(_)
            | Write::CreateRun
            | Write::UpdateRun(_)
            | Write::BatchRuns
            | Write::CreateFeedback
            | Write::RunStats
            | Write::ExampleRuns(_)
    );
    let (value, ignored) = if has_body {
        match body_of(op, body) {
            Ok(v) => v,
            Err(e) => return (e, Vec::new()),
        }
    } else {
        // No body is declared: one sent is ignored, as FastAPI ignores it; query parameters
        // the spec does not declare are ignored too. Both are recorded.
        let (path, method) = op.spec_operation();
        let declared: Vec<&str> = spec::document()["paths"][path][method]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str())
            .collect();
        let mut ignored: Vec<String> = Vec::new();
        for (k, _) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            if !declared.contains(&&*k) && !ignored.iter().any(|i| *i == k) {
                ignored.push(k.into_owned());
            }
        }
        if !body.is_empty() {
            ignored.push("(body)".to_owned());
        }
        (Value::Null, ignored)
    };
    let result = match op {
        Write::CreateDataset => create_dataset(cx, &value),
        Write::UpdateDataset(id) => update_dataset(cx, id, &value),
        Write::DeleteDataset(id) => delete_dataset(cx, id),
        Write::CreateExample => {
            create_examples(cx, std::slice::from_ref(&value), false).map(|mut list| {
                match list.pop() {
                    Some(e) => e,
                    None => Value::Null,
                }
            })
        }
        Write::CreateExamples => {
            create_examples(cx, value.as_array().map_or(&[][..], Vec::as_slice), true)
                .map(Value::Array)
        }
        Write::UpdateExample(id) => update_example(cx, id, &value),
        Write::UploadExamples(_)
        | Write::UpdateExamplesMultipart(_)
        | Write::MultipartRuns
        | Write::UploadCsv => {
            unreachable!("answered above")
        }
        Write::UpdateExamples => {
            update_examples(cx, value.as_array().map_or(&[][..], Vec::as_slice))
        }
        Write::DeleteExample(id) => {
            path_uuid(id, "example_id").and_then(|id| delete_examples(cx, &[id]))
        }
        Write::DeleteExamples => {
            let mut ids = Vec::new();
            let mut bad = None;
            for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
                if k == "example_ids" {
                    match Uuid::try_parse(&v) {
                        Ok(id) => ids.push(id),
                        Err(e) => bad = Some(e.to_string()),
                    }
                }
            }
            match (bad, ids.is_empty()) {
                (Some(e), _) => Err(unprocessable(&["query", "example_ids"], e, "uuid_parsing")),
                (None, true) => Err(unprocessable(
                    &["query", "example_ids"],
                    "Field required",
                    "missing",
                )),
                (None, false) => delete_examples(cx, &ids),
            }
        }
        Write::CreateSession => {
            let upsert = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .any(|(k, v)| k == "upsert" && matches!(&*v, "true" | "True" | "1" | "yes" | "on"));
            create_session(cx, &value, upsert)
        }
        Write::ReadSession(id) => read_session(cx, id, query),
        Write::UpdateSession(id) => update_session(cx, id, &value),
        Write::DeleteSession(id) => delete_session(cx, id),
        Write::CreateRun => ingest(cx, std::slice::from_ref(&value), &[]),
        Write::UpdateRun(id) => match Uuid::try_parse(id) {
            Ok(id) => {
                let mut patch = value.clone();
                patch["id"] = id.to_string().into();
                ingest(cx, &[], std::slice::from_ref(&patch))
            }
            Err(e) => Err(ingest_error(400, "invalid run id", e.to_string())),
        },
        Write::BatchRuns => {
            let part = |name: &str| {
                value
                    .get(name)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            ingest(cx, &part("post"), &part("patch"))
        }
        Write::ReadRunV2(id) => {
            let (status, v) = crate::runs_v2::read(cx.runs, cx.workspace, id, query);
            if status == 200 {
                Ok(v)
            } else {
                Err((status, v))
            }
        }
        Write::CreateFeedback => create_feedback(cx, &value),
        Write::RunStats => run_stats(cx, &value),
        Write::ListFeedback => list_feedback(cx, query),
        Write::DiffVersions(id) => diff_versions(cx, id, query),
        Write::ReadFeedback(id) => path_uuid(id, "feedback_id").and_then(|id| {
            cx.runs
                .feedback
                .iter()
                .find(|f| f.id == id && f.workspace_id == cx.workspace)
                .map(feedback_json)
                .ok_or_else(|| detail(404, format!("Feedback {id} not found")))
        }),
        Write::DeleteFeedback(id) => path_uuid(id, "feedback_id").and_then(|id| {
            if cx.feedback_delete_404 {
                // The lie: not found, and kept.
                return Err(detail(404, format!("Feedback {id} not found")));
            }
            let before = cx.runs.feedback.len();
            cx.runs
                .feedback
                .retain(|f| !(f.id == id && f.workspace_id == cx.workspace));
            if cx.runs.feedback.len() == before {
                return Err(detail(404, format!("Feedback {id} not found")));
            }
            Ok(json!({"message": "Feedback deleted"}))
        }),
        Write::ShareRun(id) => path_uuid(id, "run_id").and_then(|id| {
            own_run(&cx, id)?;
            let (token, _) = *cx.runs.shares.entry(id).or_insert((random_id(), cx.now));
            Ok(json!({"run_id": id.to_string(), "share_token": token.to_string()}))
        }),
        Write::UnshareRun(id) => path_uuid(id, "run_id").and_then(|id| {
            own_run(&cx, id)?;
            cx.runs
                .shares
                .remove(&id)
                .map(|_| json!({"message": "Run unshared"}))
                .ok_or_else(|| detail(404, format!("Run {id} is not shared")))
        }),
        Write::ReadRunShare(id) => path_uuid(id, "run_id").and_then(|id| {
            own_run(&cx, id)?;
            Ok(cx.runs.shares.get(&id).map_or(
                Value::Null,
                |(t, _)| json!({"run_id": id.to_string(), "share_token": t.to_string()}),
            ))
        }),
        Write::ListShared => list_shared(cx, query),
        Write::ReadDatasetShare(id) => crate::workspace::read_dataset_share(cx, id),
        Write::ShareDataset(id) => crate::workspace::share_dataset(cx, id, query),
        Write::UnshareDataset(id) => crate::workspace::unshare_dataset(cx, id),
        Write::ListRunRules => crate::workspace::list_rules(cx, query),
        Write::ListBulkExports => Ok(crate::workspace::list_exports(cx)),
        Write::ExampleRuns(id) => example_runs(cx, id, &value),
        Write::ReadRun(id) => path_uuid(id, "run_id").and_then(|id| {
            let mut run = cx
                .runs
                .runs
                .iter()
                .find(|r| r.id == id && r.workspace_id == cx.workspace)
                .map(|r| crate::runs::render(r, &[]))
                .ok_or_else(|| detail(404, format!("Run {id} not found")))?;
            // The attachments `POST /runs/multipart` gave it, as `RunSchema.s3_urls`.
            let urls = cx.store.run_attachment_urls(&id);
            if !urls.is_null() {
                run["s3_urls"] = urls;
            }
            Ok(run)
        }),
    };
    (
        result.map_or_else(|e| e, |v| (success_status(op), v)),
        ignored,
    )
}

/// The ingestion routes answer 202 (accepted), the others 200.
fn success_status(op: &Write) -> u16 {
    if op.is_ingest() { 202 } else { 200 }
}

// ---- datasets ----

fn name_taken(store: &Store, workspace: Uuid, name: &str, except: Option<Uuid>) -> bool {
    store.datasets.iter().any(|d| {
        !d.deleted
            && d.name == name
            && Some(d.id) != except
            && store.dataset_workspace(d) == workspace
    })
}

fn dataset_answer(store: &Store, workspace: Uuid, id: Uuid) -> Value {
    read::dataset(store, workspace, id, &Vec::new()).1
}

fn create_dataset(cx: Cx<'_>, v: &Value) -> Result<Value, Answer> {
    let name = v["name"].as_str().unwrap_or_default().to_owned();
    if v.get("transformations").is_some_and(|x| !x.is_null()) {
        return Err(detail(
            400,
            "field `transformations` is not supported by the stand-in",
        ));
    }
    let mut schemas = [None, None];
    for (slot, field) in schemas
        .iter_mut()
        .zip(["inputs_schema_definition", "outputs_schema_definition"])
    {
        if let Some(schema) = v.get(field).filter(|x| !x.is_null()) {
            if let Err(e) = jsonschema::validator_for(schema) {
                return Err(unprocessable(
                    &["body", field],
                    format!("not a JSON Schema: {e}"),
                    "value_error",
                ));
            }
            *slot = Some(schema.clone());
        }
    }
    let [inputs_schema, outputs_schema] = schemas;
    if v.get("externally_managed").and_then(Value::as_bool) == Some(true) {
        return Err(detail(
            400,
            "field `externally_managed`: true is not supported by the stand-in",
        ));
    }
    // The spec's `DataType` values (the schema validated it), as `&'static str`.
    let data_type = match v.get("data_type").and_then(Value::as_str) {
        Some("llm") => "llm",
        Some("chat") => "chat",
        _ => "kv",
    };
    if name_taken(cx.store, cx.workspace, &name, None) {
        return Err(detail(
            409,
            format!("Dataset with name {name:?} already exists"),
        ));
    }
    let id = uuid_field(v, "id", false)?.unwrap_or_else(random_id);
    if cx.store.datasets.iter().any(|d| d.id == id) {
        return Err(detail(409, format!("Dataset {id} already exists")));
    }
    let created_at = time_field(v, "created_at", false)?.unwrap_or(cx.now);
    let workspace = cx
        .store
        .workspace_index(cx.workspace)
        .expect("an authenticated workspace");
    let metadata = v["extra"].get("metadata").cloned().unwrap_or(Value::Null);
    cx.store
        .add_dataset(Dataset {
            id,
            name,
            workspace,
            created_at,
            description: v["description"].as_str().map(str::to_owned),
            metadata,
            deleted: false,
            data_type,
            inputs_schema,
            outputs_schema,
        })
        .map_err(|e| detail(400, e))?;
    Ok(dataset_answer(cx.store, cx.workspace, id))
}

/// A `DatasetUpdate` field that is set: neither absent, null nor the spec's `Missing`
/// marker (`{"__missing__": ...}`).
fn set_field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get(name)
        .filter(|x| !x.is_null() && x.get("__missing__").is_none())
}

fn update_dataset(cx: Cx<'_>, raw: &str, v: &Value) -> Result<Value, Answer> {
    let id = path_uuid(raw, "dataset_id")?;
    let ds = cx
        .store
        .live_dataset(cx.workspace, id)
        .ok_or_else(|| detail(404, format!("Dataset {id} not found")))?;
    for refused in [
        "inputs_schema_definition",
        "outputs_schema_definition",
        "patch_examples",
        "transformations",
        "baseline_experiment_id",
    ] {
        if set_field(v, refused).is_some() {
            return Err(detail(
                400,
                format!("field `{refused}` is not supported by the stand-in"),
            ));
        }
    }
    let name = set_field(v, "name").and_then(Value::as_str);
    if let Some(n) = name
        && name_taken(cx.store, cx.workspace, n, Some(id))
    {
        return Err(detail(
            409,
            format!("Dataset with name {n:?} already exists"),
        ));
    }
    let d = &mut cx.store.datasets[ds as usize];
    if let Some(n) = name {
        d.name = n.to_owned();
    }
    if let Some(desc) = set_field(v, "description").and_then(Value::as_str) {
        d.description = Some(desc.to_owned());
    }
    if let Some(m) = set_field(v, "metadata") {
        d.metadata = m.clone();
    }
    Ok(json!({
        "id": d.id.to_string(),
        "name": d.name,
        "description": d.description,
        "created_at": rfc3339(d.created_at),
        "data_type": d.data_type,
        "tenant_id": cx.workspace.to_string(),
    }))
}

fn delete_dataset(cx: Cx<'_>, raw: &str) -> Result<Value, Answer> {
    let id = path_uuid(raw, "dataset_id")?;
    let ds = cx
        .store
        .live_dataset(cx.workspace, id)
        .ok_or_else(|| detail(404, format!("Dataset {id} not found")))?;
    cx.store.delete_dataset(ds);
    Ok(json!({"message": "Dataset deleted"}))
}

// ---- examples ----

/// The metadata an example is stored with: its `metadata` and its `split` as
/// `dataset_split` (a list, as LangSmith stores it).
fn with_split(metadata: &Value, split: Option<&Value>) -> Value {
    let mut m = metadata.as_object().cloned().unwrap_or_default();
    match split {
        Some(Value::String(s)) => {
            m.insert("dataset_split".into(), json!([s]));
        }
        Some(Value::Array(a)) => {
            m.insert("dataset_split".into(), Value::Array(a.clone()));
        }
        _ => {}
    }
    Value::Object(m)
}

/// The spec's default `split` of an example create.
fn default_split() -> Value {
    spec::inline(spec::document(), request_schema("/api/v1/examples", "post"))["properties"]
        ["split"]["default"]
        .clone()
}

/// Checks an example's content against its dataset's schema definitions, if it has any
/// (the outputs only when the example has some): a violation is a 422 naming the field at
/// `at` (`["body", "inputs", ...]`, the path inside it and what the schema wants).
fn conforms_to_dataset(
    store: &Store,
    dataset: u16,
    content: &Content,
    at: &[Value],
) -> Result<(), Answer> {
    let d = &store.datasets[dataset as usize];
    for (field, schema, value) in [
        ("inputs", &d.inputs_schema, &content.inputs),
        ("outputs", &d.outputs_schema, &content.outputs),
    ] {
        let Some(schema) = schema else { continue };
        if field == "outputs" && value.is_null() {
            continue;
        }
        let validator =
            jsonschema::validator_for(schema).expect("checked when the dataset was made");
        let errors: Vec<Value> = validator
            .iter_errors(value)
            .map(|e| {
                let mut loc = at.to_vec();
                loc.push(field.into());
                loc.extend(
                    e.instance_path()
                        .to_string()
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse::<u64>().map_or_else(|_| s.into(), Value::from)),
                );
                json!({
                    "loc": loc,
                    "msg": format!("does not match the dataset's {field} schema: {e}"),
                    "type": "value_error",
                })
            })
            .collect();
        if !errors.is_empty() {
            return Err((422, json!({ "detail": errors })));
        }
    }
    Ok(())
}

/// `POST /examples` (one, `bulk` false) or `/examples/bulk`.
fn create_examples(cx: Cx<'_>, items: &[Value], bulk: bool) -> Result<Vec<Value>, Answer> {
    let mut new = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for (k, v) in items.iter().enumerate() {
        let at = |field: &str| -> Vec<String> {
            if items.len() > 1 || v.is_object() {
                vec!["body".into(), k.to_string(), field.into()]
            } else {
                vec!["body".into(), field.into()]
            }
        };
        if v.get("use_source_run_io").and_then(Value::as_bool) == Some(true)
            || v.get("use_source_run_attachments")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        {
            return Err(detail(
                400,
                format!(
                    "{}: copying a source run's inputs/outputs is not supported by the stand-in",
                    at("use_source_run_io").join(".")
                ),
            ));
        }
        let dataset_id = uuid_field(v, "dataset_id", false)?.expect("required by the schema");
        let ds = cx
            .store
            .live_dataset(cx.workspace, dataset_id)
            .ok_or_else(|| detail(404, format!("Dataset {dataset_id} not found")))?;
        let id = uuid_field(v, "id", false)?.unwrap_or_else(random_id);
        if cx.store.index(&id).is_some() || !seen.insert(id) {
            return Err(detail(409, format!("Example {id} already exists")));
        }
        let created_at = time_field_us(v, "created_at", false)?.unwrap_or(cx.now_us);
        let split = v.get("split").cloned().unwrap_or_else(default_split);
        let inputs = match v.get("inputs") {
            Some(Value::Object(m)) => Value::Object(m.clone()),
            _ => json!({}),
        };
        let content = Content {
            inputs,
            outputs: v.get("outputs").cloned().unwrap_or(Value::Null),
            metadata: with_split(v.get("metadata").unwrap_or(&Value::Null), Some(&split)),
        };
        let loc = if bulk {
            vec![Value::from("body"), Value::from(k)]
        } else {
            vec![Value::from("body")]
        };
        conforms_to_dataset(cx.store, ds, &content, &loc)?;
        new.push(NewExample {
            id,
            dataset: ds,
            created_at,
            content,
            source_run_id: uuid_field(v, "source_run_id", false)?,
            attachments: Vec::new(),
        });
    }
    let ids: Vec<Uuid> = new.iter().map(|e| e.id).collect();
    cx.store.add_examples(new);
    Ok(ids
        .into_iter()
        .map(|id| read::example(cx.store, cx.workspace, id, None, None).1)
        .collect())
}

/// `PATCH /examples/bulk`: every update checked first, then all applied (or none).
fn update_examples(cx: Cx<'_>, items: &[Value]) -> Result<Value, Answer> {
    let mut planned = Vec::with_capacity(items.len());
    for v in items {
        let id = uuid_field(v, "id", false)?.expect("required by the schema");
        planned.push((id, planned_update(&cx, id, v)?));
    }
    for (_, (i, next, dataset)) in planned {
        cx.store
            .update(i, next, dataset, cx.now_us, AttachmentChange::Keep);
    }
    Ok(json!({"message": format!("{} examples updated", items.len()), "count": items.len()}))
}

fn update_example(cx: Cx<'_>, raw: &str, v: &Value) -> Result<Value, Answer> {
    let id = path_uuid(raw, "example_id")?;
    let (i, next, dataset) = planned_update(&cx, id, v)?;
    cx.store
        .update(i, next, dataset, cx.now_us, AttachmentChange::Keep);
    Ok(read::example(cx.store, cx.workspace, id, None, None).1)
}

/// What an update of example `id` makes: its index, its next content and dataset.
fn planned_update(cx: &Cx<'_>, id: Uuid, v: &Value) -> Result<(usize, Content, u16), Answer> {
    let not_found = || detail(404, format!("Example {id} not found"));
    let i = cx.store.index(&id).ok_or_else(not_found)?;
    if cx.store.workspace_at(i) != cx.workspace {
        return Err(not_found());
    }
    let (_, current) = cx.store.current(i).ok_or_else(not_found)?;
    if set_field(v, "attachments_operations").is_some() {
        return Err(detail(
            400,
            "field `attachments_operations` is not supported by the stand-in",
        ));
    }
    let dataset = match uuid_field(v, "dataset_id", false)? {
        Some(d) => cx
            .store
            .live_dataset(cx.workspace, d)
            .ok_or_else(|| detail(404, format!("Dataset {d} not found")))?,
        None => cx.store.dataset_index_at(i),
    };
    let overwrite = v.get("overwrite").and_then(Value::as_bool) == Some(true);
    let mut next = current.clone();
    if let Some(x) = v.get("inputs").filter(|x| overwrite || !x.is_null()) {
        next.inputs = if x.is_null() { json!({}) } else { x.clone() };
    }
    if let Some(x) = v.get("outputs").filter(|x| overwrite || !x.is_null()) {
        next.outputs = x.clone();
    }
    if let Some(x) = v.get("metadata").filter(|x| overwrite || !x.is_null()) {
        // The split lives in the metadata: kept unless a new one is given.
        let split = current.metadata.get("dataset_split").cloned();
        next.metadata = with_split(x, split.as_ref());
    }
    if let Some(s) = v.get("split").filter(|x| !x.is_null()) {
        next.metadata = with_split(&next.metadata, Some(s));
    }
    conforms_to_dataset(cx.store, dataset, &next, &["body".into()])?;
    Ok((i, next, dataset))
}

/// Soft-deletes examples: every one must be readable now (else 404 naming the missing,
/// nothing deleted).
fn delete_examples(cx: Cx<'_>, ids: &[Uuid]) -> Result<Value, Answer> {
    let mut found = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match cx.store.index(id) {
            Some(i)
                if cx.store.workspace_at(i) == cx.workspace
                    && cx.store.version_at(i, None).is_some() =>
            {
                found.push(i)
            }
            _ => missing.push(id.to_string()),
        }
    }
    if !missing.is_empty() {
        return Err(detail(
            404,
            format!("Examples not found: {}", missing.join(", ")),
        ));
    }
    for i in found {
        cx.store.soft_delete(i, cx.now_us);
    }
    Ok(json!({"message": "Examples deleted", "count": ids.len()}))
}

// ---- sessions ----

fn listed(cx: &Cx<'_>) -> Vec<side::Listed> {
    side::listed(cx.workspace, cx.runs)
}

fn session_by_id(cx: &Cx<'_>, raw: &str) -> Result<side::Listed, Answer> {
    let id = path_uuid(raw, "session_id")?;
    listed(cx)
        .into_iter()
        .find(|l| l.session.id == id)
        .ok_or_else(|| detail(404, format!("Session {id} not found")))
}

/// `TracerSessionWithoutVirtualFields`.
fn session_answer(l: &side::Listed) -> Value {
    let mut v = side::session_json(l);
    if let Some(m) = v.as_object_mut() {
        m.remove("last_run_start_time");
    }
    v
}

fn create_session(cx: Cx<'_>, v: &Value, upsert: bool) -> Result<Value, Answer> {
    let id = uuid_field(v, "id", false)?.unwrap_or_else(random_id);
    let name = match v.get("name").and_then(Value::as_str) {
        Some(n) => n.to_owned(),
        None => format!("session-{}", &id.simple().to_string()[..8]),
    };
    let reference = uuid_field(v, "reference_dataset_id", false)?;
    if let Some(d) = reference
        && cx.store.live_dataset(cx.workspace, d).is_none()
    {
        return Err(detail(404, format!("Dataset {d} not found")));
    }
    if let Some(existing) = listed(&cx).into_iter().find(|l| l.session.name == name) {
        if upsert {
            return Ok(session_answer(&existing));
        }
        return Err(detail(
            409,
            format!("Session with name {name:?} already exists"),
        ));
    }
    if listed(&cx).iter().any(|l| l.session.id == id) || cx.runs.sessions.iter().any(|s| s.id == id)
    {
        return Err(detail(409, format!("Session {id} already exists")));
    }
    let session = Session {
        id,
        workspace_id: cx.workspace,
        name,
        reference_dataset_id: reference,
        start_time: time_field(v, "start_time", false)?.unwrap_or(cx.now),
        description: v
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        end_time: time_field(v, "end_time", false)?,
        extra: v.get("extra").filter(|x| !x.is_null()).cloned(),
    };
    cx.runs.sessions.push(session);
    session_by_id(&cx, &id.to_string()).map(|l| session_answer(&l))
}

/// `GET /sessions/{id}`, with its run stats when `include_stats=true` (as the list).
fn read_session(cx: Cx<'_>, raw: &str, query: Option<&str>) -> Result<Value, Answer> {
    let l = session_by_id(&cx, raw)?;
    let mut v = side::session_json(&l);
    let with_stats = query_pairs(query)
        .iter()
        .any(|(k, v)| k == "include_stats" && v.eq_ignore_ascii_case("true"));
    if with_stats && let Some(m) = v.as_object_mut() {
        m.extend(crate::runs::session_stats(cx.runs, l.session.id));
    }
    Ok(v)
}

/// The index of an experiment (created or seeded) session: the workspace's `default`
/// session is not stored and cannot be changed.
fn stored_session(cx: &Cx<'_>, raw: &str) -> Result<usize, Answer> {
    let id = session_by_id(cx, raw)?.session.id;
    cx.runs
        .sessions
        .iter()
        .position(|s| s.id == id)
        .ok_or_else(|| {
            detail(
                400,
                format!(
                    "the stand-in's `{}` session cannot be changed or deleted",
                    side::SESSION_NAME
                ),
            )
        })
}

fn update_session(cx: Cx<'_>, raw: &str, v: &Value) -> Result<Value, Answer> {
    let k = stored_session(&cx, raw)?;
    for refused in ["default_dataset_id", "trace_tier"] {
        if v.get(refused).is_some_and(|x| !x.is_null()) {
            return Err(detail(
                400,
                format!("field `{refused}` is not supported by the stand-in"),
            ));
        }
    }
    let name = v.get("name").and_then(Value::as_str);
    let id = cx.runs.sessions[k].id;
    if let Some(n) = name
        && listed(&cx)
            .iter()
            .any(|l| l.session.name == n && l.session.id != id)
    {
        return Err(detail(
            409,
            format!("Session with name {n:?} already exists"),
        ));
    }
    let end_time = time_field(v, "end_time", false)?;
    let s = &mut cx.runs.sessions[k];
    if let Some(n) = name {
        s.name = n.to_owned();
    }
    if let Some(d) = v.get("description").and_then(Value::as_str) {
        s.description = Some(d.to_owned());
    }
    if end_time.is_some() {
        s.end_time = end_time;
    }
    if let Some(x) = v.get("extra").filter(|x| !x.is_null()) {
        s.extra = Some(x.clone());
    }
    session_by_id(&cx, raw).map(|l| session_answer(&l))
}

/// Deletes a session and every run in it.
fn delete_session(cx: Cx<'_>, raw: &str) -> Result<Value, Answer> {
    let k = stored_session(&cx, raw)?;
    let s = cx.runs.sessions.remove(k);
    let removed: HashSet<Uuid> = cx
        .runs
        .runs
        .iter()
        .filter(|r| r.session_id == s.id)
        .map(|r| r.id)
        .collect();
    cx.runs.runs.retain(|r| r.session_id != s.id);
    cx.runs.drop_orphans(&removed);
    Ok(json!({"message": "Session deleted"}))
}

// ---- runs ----

fn run_type(v: &Value) -> Result<&'static str, Answer> {
    let t = v.get("run_type").and_then(Value::as_str).unwrap_or("chain");
    RUN_TYPES.iter().find(|x| **x == t).copied().ok_or_else(|| {
        ingest_error(
            422,
            "invalid run",
            format!("run_type {t:?}: one of {RUN_TYPES:?}"),
        )
    })
}

/// A run's `tags` as sent (the spec's `runs.Run`: a list of strings), none when absent
/// or null.
fn tags_of(v: &Value) -> Option<Vec<String>> {
    let tags = v.get("tags")?.as_array()?;
    Some(
        tags.iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
    )
}

/// The session a posted run goes to: `session_id` (one of the workspace's), else
/// `session_name` (made when new, as LangSmith makes a project on first ingest), else the
/// `default` one.
fn session_of(
    workspace: Uuid,
    sessions: &mut Vec<Session>,
    v: &Value,
    now: i64,
) -> Result<Uuid, Answer> {
    let default = side::session_id(workspace);
    if let Some(id) = uuid_field(v, "session_id", true)? {
        if id == default
            || sessions
                .iter()
                .any(|s| s.id == id && s.workspace_id == workspace)
        {
            return Ok(id);
        }
        return Err(ingest_error(
            404,
            "session not found",
            format!("session_id {id}"),
        ));
    }
    let name = v
        .get("session_name")
        .and_then(Value::as_str)
        .unwrap_or(side::SESSION_NAME);
    if name == side::SESSION_NAME {
        return Ok(default);
    }
    if let Some(s) = sessions
        .iter()
        .find(|s| s.workspace_id == workspace && s.name == name)
    {
        return Ok(s.id);
    }
    let id = random_id();
    sessions.push(Session {
        id,
        workspace_id: workspace,
        name: name.to_owned(),
        reference_dataset_id: None,
        start_time: now,
        description: None,
        end_time: None,
        extra: None,
    });
    Ok(id)
}

/// Posts then patches runs, on copies of the runs and sessions swapped in only when every
/// one was accepted.
fn ingest(cx: Cx<'_>, posts: &[Value], patches: &[Value]) -> Result<Value, Answer> {
    let mut runs = cx.runs.runs.clone();
    let mut sessions = cx.runs.sessions.clone();
    let mut known: HashSet<Uuid> = runs.iter().map(|r| r.id).collect();
    for v in posts {
        // The spec's `runs.Run` does not require an id: a run posted without one gets
        // one, as a server following it makes (the JS SDK's `createRun` sends none).
        let id = uuid_field(v, "id", true)?.unwrap_or_else(random_id);
        if !known.insert(id) {
            return Err(ingest_error(409, "run already exists", format!("run {id}")));
        }
        let start_time = time_field(v, "start_time", true)?.unwrap_or(cx.now);
        let parent = uuid_field(v, "parent_run_id", true)?;
        let trace_id = match uuid_field(v, "trace_id", true)? {
            Some(t) => t,
            None => match parent {
                Some(p) => runs
                    .iter()
                    .find(|r| r.id == p)
                    .map(|r| r.trace_id)
                    .ok_or_else(|| {
                        ingest_error(
                            422,
                            "invalid run",
                            format!("parent_run_id {p}: unknown, and no trace_id"),
                        )
                    })?,
                None => id,
            },
        };
        let reference = uuid_field(v, "reference_example_id", true)?;
        let reference_dataset = reference.and_then(|e| {
            let i = cx.store.index(&e)?;
            (cx.store.workspace_at(i) == cx.workspace)
                .then(|| cx.store.datasets[cx.store.dataset_index_at(i) as usize].id)
        });
        if let Some(e) = reference
            && reference_dataset.is_none()
        {
            return Err(ingest_error(
                404,
                "example not found",
                format!("reference_example_id {e}"),
            ));
        }
        let session_id = session_of(cx.workspace, &mut sessions, v, cx.now)?;
        runs.push(Run {
            id,
            trace_id,
            session_id,
            workspace_id: cx.workspace,
            parent_run_id: parent,
            reference_example_id: reference,
            reference_dataset_id: reference_dataset,
            name: v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            run_type: run_type(v)?,
            inputs: v.get("inputs").cloned().unwrap_or_else(|| json!({})),
            outputs: v.get("outputs").cloned().unwrap_or(Value::Null),
            start_time,
            end_time: time_field(v, "end_time", true)?,
            error: v.get("error").and_then(Value::as_str).map(str::to_owned),
            extra: v.get("extra").filter(|x| !x.is_null()).cloned(),
            events: v.get("events").filter(|x| !x.is_null()).cloned(),
            tags: tags_of(v).unwrap_or_default(),
            dotted_order: v
                .get("dotted_order")
                .and_then(Value::as_str)
                .map_or_else(|| id.to_string(), str::to_owned),
        });
    }
    for v in patches {
        let id = uuid_field(v, "id", true)?
            .ok_or_else(|| ingest_error(422, "invalid run", "id: required"))?;
        let run = runs
            .iter_mut()
            .find(|r| r.id == id && r.workspace_id == cx.workspace)
            .ok_or_else(|| ingest_error(404, "run not found", format!("run {id}")))?;
        if let Some(t) = time_field(v, "end_time", true)? {
            run.end_time = Some(t);
        }
        if let Some(o) = v.get("outputs").filter(|x| !x.is_null()) {
            run.outputs = o.clone();
        }
        if let Some(i) = v.get("inputs").filter(|x| !x.is_null()) {
            run.inputs = i.clone();
        }
        if let Some(e) = v.get("error").and_then(Value::as_str) {
            run.error = Some(e.to_owned());
        }
        if let Some(x) = v.get("extra").filter(|x| !x.is_null()) {
            run.extra = Some(x.clone());
        }
        if let Some(x) = v.get("events").filter(|x| !x.is_null()) {
            run.events = Some(x.clone());
        }
        if let Some(tags) = tags_of(v) {
            run.tags = tags;
        }
    }
    cx.runs.runs = runs;
    cx.runs.sessions = sessions;
    // The spec's 202 schema (`additionalProperties` both a string and an object) admits
    // only an empty object.
    Ok(json!({}))
}

// ---- the multipart run ingestion ----

/// A write context borrowed again, for one step of a larger write.
fn again<'b>(cx: &'b mut Cx<'_>) -> Cx<'b> {
    Cx {
        store: &mut *cx.store,
        runs: &mut *cx.runs,
        workspace: cx.workspace,
        now: cx.now,
        now_us: cx.now_us,
        feedback_delete_404: cx.feedback_delete_404,
    }
}

/// The out-of-band run fields a `post.{id}.{field}` / `patch.{id}.{field}` part may carry
/// (the spec's description of the route).
const RUN_FIELDS: [&str; 6] = [
    "inputs",
    "outputs",
    "events",
    "error",
    "extra",
    "serialized",
];

/// `POST /runs/multipart` (the SDKs' run ingestion when `/info` turns it on, and what
/// their tracing thread sends when `zstd_compression_enabled`; the body arrives
/// decompressed): parts `post.{id}` and `patch.{id}` (the run's JSON), `post|patch.{id}.{field}`
/// (a field of it sent apart: inputs, outputs, events, error, extra, serialized),
/// `feedback.{id}` (a feedback create, validated as `POST /feedback`) and
/// `attachment.{id}.{name}` (a file, kept with its MIME type and read back as the run's
/// `s3_urls`). The runs are validated as the batch route's body and stored through the
/// same ingestion; a patch of a run neither stored nor posted in the request is kept and
/// applied when its post arrives (LangSmith's ingestion takes either order; the SDK's own
/// `test_multipart_ingest_update_then_create` sends them so). All-or-nothing; 202 `{}`.
fn multipart_runs(
    mut cx: Cx<'_>,
    content_type: Option<&str>,
    body: &[u8],
    ignored: &mut Vec<String>,
) -> Result<Value, Answer> {
    let bad = |what: String| ingest_error(400, "invalid multipart body", what);
    let boundary = crate::multipart::boundary(content_type.unwrap_or_default()).map_err(bad)?;
    let parts = crate::multipart::parse(body, &boundary).map_err(bad)?;
    // Runs in order of first appearance, per event.
    let mut posts: Vec<(Uuid, serde_json::Map<String, Value>)> = Vec::new();
    let mut patches: Vec<(Uuid, serde_json::Map<String, Value>)> = Vec::new();
    let mut feedback: Vec<Value> = Vec::new();
    let mut files: Vec<(Uuid, NewAttachment)> = Vec::new();
    for p in parts {
        let mut segments = p.name.splitn(3, '.');
        let event = segments.next().unwrap_or_default();
        let id_text = segments.next().unwrap_or_default();
        let rest = segments.next();
        let id = Uuid::try_parse(id_text)
            .map_err(|e| bad(format!("part {:?}: the run id: {e}", p.name)))?;
        if event == "attachment" {
            let name = rest
                .filter(|n| !n.is_empty())
                .ok_or_else(|| bad(format!("part {:?}: an attachment needs a name", p.name)))?;
            let mime_type = p
                .mime_type()
                .ok_or_else(|| bad(format!("part {:?}: no Content-Type", p.name)))?
                .to_owned();
            files.push((
                id,
                NewAttachment {
                    name: name.to_owned(),
                    mime_type,
                    data: p.data,
                },
            ));
            continue;
        }
        let value: Value = serde_json::from_slice(&p.data)
            .map_err(|e| bad(format!("part {:?}: not JSON: {e}", p.name)))?;
        let list = match event {
            "post" => &mut posts,
            "patch" => &mut patches,
            "feedback" if rest.is_none() => {
                feedback.push(value);
                continue;
            }
            _ => return Err(bad(format!("part {:?}: unknown part", p.name))),
        };
        let k = match list.iter().position(|(r, _)| *r == id) {
            Some(k) => k,
            None => {
                list.push((id, serde_json::Map::new()));
                list.len() - 1
            }
        };
        let run = &mut list[k].1;
        match rest {
            None => {
                let Value::Object(m) = value else {
                    return Err(ingest_error(
                        422,
                        "invalid run",
                        format!("part {:?}: not a JSON object", p.name),
                    ));
                };
                for (field, v) in m {
                    run.entry(field).or_insert(v);
                }
            }
            Some(field) if RUN_FIELDS.contains(&field) => {
                run.insert(field.to_owned(), value);
            }
            Some(_) => return Err(bad(format!("part {:?}: unknown part", p.name))),
        }
        run.insert("id".into(), id.to_string().into());
    }
    // The runs, validated as the batch route's body (undeclared fields recorded). A field
    // sent as null is absent: the ingestion service decodes runs with Go's encoding/json,
    // which leaves a field at its zero value for null (the SDK's tracing thread sends
    // `"parent_run_id": null` and `"session_id": null` in its patches here).
    let as_list = |l: Vec<(Uuid, serde_json::Map<String, Value>)>| -> Vec<Value> {
        l.into_iter()
            .map(|(_, mut m)| {
                m.retain(|_, v| !v.is_null());
                Value::Object(m)
            })
            .collect()
    };
    let batch = json!({"post": as_list(posts), "patch": as_list(patches)});
    let (batch, noted) = body_of(
        &Write::BatchRuns,
        &serde_json::to_vec(&batch).expect("json"),
    )?;
    ignored.extend(noted);
    let mut checked_feedback = Vec::with_capacity(feedback.len());
    for f in &feedback {
        let (v, noted) = body_of(
            &Write::CreateFeedback,
            &serde_json::to_vec(f).expect("json"),
        )
        .map_err(|(status, e)| ingest_error(status, "invalid feedback", e.to_string()))?;
        ignored.extend(noted.into_iter().map(|n| format!("feedback.{n}")));
        checked_feedback.push(v);
    }
    let posts = batch["post"].as_array().cloned().unwrap_or_default();
    let mut now = Vec::new();
    let mut early = Vec::new();
    for p in batch["patch"].as_array().into_iter().flatten() {
        let id = uuid_field(p, "id", true)?;
        let known = |x: &Uuid| {
            cx.runs
                .runs
                .iter()
                .any(|r| r.id == *x && r.workspace_id == cx.workspace)
                || posts
                    .iter()
                    .any(|v| v["id"].as_str() == Some(&x.to_string()))
        };
        if id.as_ref().is_some_and(known) {
            now.push(p.clone());
        } else {
            early.push(p.clone());
        }
    }
    // Patches that arrived before these posts.
    let posted: HashSet<String> = posts
        .iter()
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect();
    let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut cx.runs.early_patches)
        .into_iter()
        .partition(|(w, p)| {
            *w == cx.workspace && p["id"].as_str().is_some_and(|id| posted.contains(id))
        });
    cx.runs.early_patches = waiting.clone();
    now.extend(due.iter().map(|(_, p)| p.clone()));
    // All or nothing: what the steps below change is put back if a later one refuses.
    let saved = (
        cx.runs.runs.clone(),
        cx.runs.sessions.clone(),
        cx.runs.feedback.clone(),
    );
    let restore = |cx: &mut Cx<'_>| {
        cx.runs.runs = saved.0.clone();
        cx.runs.sessions = saved.1.clone();
        cx.runs.feedback = saved.2.clone();
        cx.runs.early_patches = waiting.iter().chain(&due).cloned().collect();
    };
    if let Err(e) = ingest(again(&mut cx), &posts, &now) {
        restore(&mut cx);
        return Err(e);
    }
    for f in &checked_feedback {
        if let Err((status, e)) = create_feedback(again(&mut cx), f) {
            restore(&mut cx);
            return Err(ingest_error(status, "invalid feedback", e.to_string()));
        }
    }
    for (id, file) in files {
        cx.store.add_run_attachments(id, vec![file]);
    }
    let workspace = cx.workspace;
    cx.runs
        .early_patches
        .extend(early.into_iter().map(|p| (workspace, p)));
    Ok(json!({}))
}

/// `POST /runs/stats`: the spec's `RunStats` of the caller's runs that the body selects
/// (`session`, `id`, `trace`, `parent_run`, `run_type`, `reference_example`, `is_root`,
/// `error`, `start_time`/`end_time`): `run_count`, `latency_p50`/`latency_p99` (seconds,
/// of the finished runs, nearest rank), `error_rate` and `last_run_start_time`. The
/// stand-in keeps no tokens, costs, feedback or streaming: those fields are left out; the
/// filter expressions, grouping and `select` are refused by name (400), as they would
/// otherwise be silently ignored.
fn run_stats(cx: Cx<'_>, v: &Value) -> Result<Value, Answer> {
    for refused in [
        "query",
        "filter",
        "trace_filter",
        "tree_filter",
        "search_filter",
        "group_by",
        "groups",
        "select",
        "data_source_type",
        "execution_order",
    ] {
        if v.get(refused).is_some_and(|x| !x.is_null()) {
            return Err(detail(
                400,
                format!("field `{refused}` is not supported by the stand-in"),
            ));
        }
    }
    let ids = |name: &str| -> Result<Option<Vec<Uuid>>, Answer> {
        match v.get(name).and_then(Value::as_array) {
            None => Ok(None),
            Some(a) => a
                .iter()
                .map(|x| {
                    Uuid::try_parse(x.as_str().unwrap_or_default())
                        .map_err(|e| unprocessable(&["body", name], e.to_string(), "uuid_parsing"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
        }
    };
    let (sessions, run_ids, examples) = (ids("session")?, ids("id")?, ids("reference_example")?);
    let trace = uuid_field(v, "trace", false)?;
    let parent = uuid_field(v, "parent_run", false)?;
    let run_type = v.get("run_type").and_then(Value::as_str);
    let is_root = v.get("is_root").and_then(Value::as_bool);
    let error = v.get("error").and_then(Value::as_bool);
    let after = time_field(v, "start_time", false)?;
    let before = time_field(v, "end_time", false)?;
    let within = |list: &Option<Vec<Uuid>>, id: Option<Uuid>| {
        list.as_ref()
            .is_none_or(|l| id.is_some_and(|id| l.contains(&id)))
    };
    let runs: Vec<&Run> = cx
        .runs
        .runs
        .iter()
        .filter(|r| r.workspace_id == cx.workspace)
        .filter(|r| within(&sessions, Some(r.session_id)) && within(&run_ids, Some(r.id)))
        .filter(|r| within(&examples, r.reference_example_id))
        .filter(|r| trace.is_none_or(|t| r.trace_id == t))
        .filter(|r| parent.is_none_or(|p| r.parent_run_id == Some(p)))
        .filter(|r| run_type.is_none_or(|t| r.run_type == t))
        .filter(|r| is_root.is_none_or(|b| r.is_root() == b))
        .filter(|r| error.is_none_or(|b| r.error.is_some() == b))
        .filter(|r| after.is_none_or(|t| r.start_time >= t))
        .filter(|r| before.is_none_or(|t| r.start_time <= t))
        .collect();
    let (p50, p99) = crate::runs::latency_percentiles(runs.iter().copied());
    let errors = runs.iter().filter(|r| r.error.is_some()).count();
    Ok(json!({
        "run_count": runs.len(),
        "latency_p50": p50,
        "latency_p99": p99,
        "error_rate": if runs.is_empty() { Value::Null } else { json!(errors as f64 / runs.len() as f64) },
        "last_run_start_time": runs.iter().map(|r| r.start_time).max().map(rfc3339),
    }))
}

/// `POST /datasets/{id}/runs` (the SDK's `get_experiment_results`): the dataset's
/// examples, each with the root runs of the given experiment sessions that reference it
/// (as `RunSchemaComparisonView`, with their `feedback_stats`), oldest example first,
/// paged by `offset` and `limit`; examples no session ran are left out (the comparison
/// view lists what was run). `preview: true` answers the full values, a
/// superset of the preview. `comparative_experiment_id`, `sort_params`, `filters` and
/// `example_ids`, when not null, are refused by name; `include_annotator_detail` is
/// ignored (the stand-in keeps no annotators).
fn example_runs(cx: Cx<'_>, raw: &str, v: &Value) -> Result<Value, Answer> {
    let dataset = path_uuid(raw, "dataset_id")?;
    let d = cx
        .store
        .live_dataset(cx.workspace, dataset)
        .ok_or_else(|| detail(404, format!("Dataset {dataset} not found")))?;
    for refused in [
        "comparative_experiment_id",
        "sort_params",
        "filters",
        "example_ids",
    ] {
        if v.get(refused).is_some_and(|x| !x.is_null()) {
            return Err(detail(
                400,
                format!("field `{refused}` is not supported by the stand-in"),
            ));
        }
    }
    let sessions: HashSet<Uuid> = crate::runs::uuids(&v["session_ids"]).into_iter().collect();
    let offset = v.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let limit = v.get("limit").and_then(Value::as_u64).unwrap_or(10) as usize;
    let mut by_example: HashMap<Uuid, Vec<&Run>> = HashMap::new();
    for r in cx.runs.runs.iter().filter(|r| {
        r.workspace_id == cx.workspace && r.is_root() && sessions.contains(&r.session_id)
    }) {
        if let Some(e) = r.reference_example_id {
            by_example.entry(e).or_default().push(r);
        }
    }
    let mut page = Vec::new();
    // The examples of this dataset (not deleted) that were run, oldest first (made in the
    // same microsecond: in the order made).
    let mut examples: Vec<(i64, usize, Uuid)> = Vec::new();
    for id in by_example.keys() {
        if let Some(i) = cx.store.index(id)
            && read::example(cx.store, cx.workspace, *id, None, Some(d)).0 == 200
        {
            examples.push((cx.store.created_at(i), i, *id));
        }
    }
    examples.sort_unstable();
    for (_, _, id) in examples.into_iter().skip(offset).take(limit) {
        let (_, mut e) = read::example(cx.store, cx.workspace, id, None, Some(d));
        let mut runs = by_example.remove(&id).unwrap_or_default();
        runs.sort_by_key(|r| (r.start_time, r.id));
        e["runs"] = runs
            .iter()
            .map(|r| {
                let mut j = crate::runs::render(r, &[]);
                j["feedback_stats"] = crate::runs::feedback_stats(cx.runs, &HashSet::from([r.id]));
                j
            })
            .collect();
        page.push(e);
    }
    Ok(Value::Array(page))
}

// ---- feedback and share links ----

/// The run `id` of the caller's workspace, or a 404.
fn own_run(cx: &Cx<'_>, id: Uuid) -> Result<usize, Answer> {
    cx.runs
        .runs
        .iter()
        .position(|r| r.id == id && r.workspace_id == cx.workspace)
        .ok_or_else(|| detail(404, format!("Run {id} not found")))
}

/// The fields of `FeedbackSchema` a feedback record is answered with.
fn feedback_json(f: &crate::traces::Feedback) -> Value {
    let mut m = f.fields.clone();
    let id_or_null = |id: Option<Uuid>| id.map_or(Value::Null, |id| id.to_string().into());
    m.insert("id".into(), f.id.to_string().into());
    m.insert("key".into(), f.key.clone().into());
    m.insert("run_id".into(), id_or_null(f.run_id));
    m.insert("trace_id".into(), id_or_null(f.trace_id));
    m.insert("session_id".into(), id_or_null(f.session_id));
    m.insert("created_at".into(), rfc3339(f.created_at).into());
    m.insert("modified_at".into(), rfc3339(f.created_at).into());
    Value::Object(m)
}

fn create_feedback(cx: Cx<'_>, v: &Value) -> Result<Value, Answer> {
    for refused in [
        "comparative_experiment_id",
        "feedback_group_id",
        "feedback_config",
    ] {
        if v.get(refused).is_some_and(|x| !x.is_null()) {
            return Err(detail(
                400,
                format!("field `{refused}` is not supported by the stand-in"),
            ));
        }
    }
    let id = uuid_field(v, "id", false)?.unwrap_or_else(random_id);
    if cx.runs.feedback.iter().any(|f| f.id == id) {
        return Err(detail(409, format!("Feedback {id} already exists")));
    }
    let run_id = uuid_field(v, "run_id", false)?;
    let mut session_id = uuid_field(v, "session_id", false)?;
    let mut trace_id = uuid_field(v, "trace_id", false)?;
    match run_id {
        // The SDKs send feedback while their tracing thread may still hold the run: a run
        // not ingested yet is accepted, a run of another workspace is not found.
        Some(r) => match cx.runs.runs.iter().find(|x| x.id == r) {
            Some(run) if run.workspace_id == cx.workspace => {
                session_id = Some(run.session_id);
                trace_id = Some(run.trace_id);
            }
            Some(_) => return Err(detail(404, format!("Run {r} not found"))),
            None => {}
        },
        None => {
            let Some(s) = session_id else {
                return Err(unprocessable(
                    &["body", "run_id"],
                    "one of run_id or session_id is required",
                    "missing",
                ));
            };
            if !listed(&cx).iter().any(|l| l.session.id == s) {
                return Err(detail(404, format!("Session {s} not found")));
            }
        }
    }
    let schema = spec::inline(
        spec::document(),
        &spec::document()["components"]["schemas"]["FeedbackSchema"],
    );
    let declared = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let fields: serde_json::Map<String, Value> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            declared.contains_key(*k)
                && !matches!(
                    k.as_str(),
                    "id" | "key"
                        | "run_id"
                        | "trace_id"
                        | "session_id"
                        | "created_at"
                        | "modified_at"
                )
        })
        .map(|(k, x)| (k.clone(), x.clone()))
        .collect();
    let f = crate::traces::Feedback {
        id,
        workspace_id: cx.workspace,
        run_id,
        trace_id,
        session_id,
        key: v["key"].as_str().unwrap_or_default().to_owned(),
        fields,
        created_at: time_field(v, "created_at", false)?.unwrap_or(cx.now),
    };
    let answer = feedback_json(&f);
    cx.runs.feedback.push(f);
    Ok(answer)
}

/// `limit` and `offset` within the spec's bounds for `path`.
fn paging(q: &[(String, String)], path: &str) -> Result<(usize, usize), Answer> {
    let params = &spec::document()["paths"][path]["get"]["parameters"];
    let bound = |name: &str, key: &str| {
        params
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .and_then(|p| p["schema"][key].as_u64())
    };
    let read = |name: &str| -> Result<u64, Answer> {
        match q.iter().find(|(k, _)| k == name) {
            None => Ok(bound(name, "default").unwrap_or(0)),
            Some((_, v)) => {
                let n: u64 = v.parse().map_err(|_| {
                    unprocessable(
                        &["query", name],
                        "Input should be a valid integer",
                        "int_parsing",
                    )
                })?;
                if bound(name, "minimum").is_some_and(|m| n < m)
                    || bound(name, "maximum").is_some_and(|m| n > m)
                {
                    return Err(unprocessable(
                        &["query", name],
                        format!("{n} is out of the spec's bounds"),
                        "value_error",
                    ));
                }
                Ok(n)
            }
        }
    };
    Ok((read("offset")? as usize, read("limit")? as usize))
}

/// `GET /datasets/{id}/versions/diff`: the examples of the dataset that exist at
/// `to_version` and not at `from_version` (added), the reverse (removed), and those whose
/// version differs between the two (modified: a `PATCH` makes a version, even one that
/// writes the same content). Each version is `latest` or a time, as `as_of` takes them.
fn diff_versions(cx: Cx<'_>, raw: &str, query: Option<&str>) -> Result<Value, Answer> {
    let id = path_uuid(raw, "dataset_id")?;
    let ds = cx
        .store
        .live_dataset(cx.workspace, id)
        .ok_or_else(|| detail(404, format!("Dataset {id} not found")))?;
    let q = query_pairs(query);
    let version = |name: &str| -> Result<Option<i64>, Answer> {
        let value = q
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Value::String(v.clone()))
            .ok_or_else(|| unprocessable(&["query", name], "Field required", "missing"))?;
        read::as_of(Some(&value))
    };
    let (from, to) = (version("from_version")?, version("to_version")?);
    let (mut added, mut removed, mut modified) = (Vec::new(), Vec::new(), Vec::new());
    for i in (0..cx.store.len()).filter(|i| cx.store.dataset_index_at(*i) == ds) {
        let id = || Value::String(cx.store.id_at(i).to_string());
        match (cx.store.version_at(i, from), cx.store.version_at(i, to)) {
            (None, Some(_)) => added.push(id()),
            (Some(_), None) => removed.push(id()),
            (Some(a), Some(b)) if a != b => modified.push(id()),
            _ => {}
        }
    }
    Ok(json!({
        "examples_modified": modified,
        "examples_added": added,
        "examples_removed": removed,
    }))
}

/// `GET /feedback`: by `run`, `session`, `key`, `has_comment`, `has_score`, paged; the
/// other declared filters are refused by name.
fn list_feedback(cx: Cx<'_>, query: Option<&str>) -> Result<Value, Answer> {
    let q = query_pairs(query);
    for refused in [
        "source",
        "user",
        "level",
        "max_created_at",
        "min_created_at",
        "comparative_experiment_id",
    ] {
        if q.iter().any(|(k, _)| k == refused) {
            return Err(detail(
                400,
                format!("query parameter `{refused}` is not supported by the stand-in"),
            ));
        }
    }
    let runs = query_uuids(&q, "run")?;
    let sessions = query_uuids(&q, "session")?;
    let keys: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "key")
        .map(|(_, v)| v.as_str())
        .collect();
    let flag = |name: &str| -> Option<bool> {
        q.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| matches!(v.as_str(), "true" | "True" | "1" | "yes" | "on"))
    };
    let (has_comment, has_score) = (flag("has_comment"), flag("has_score"));
    let (offset, limit) = paging(&q, "/api/v1/feedback")?;
    let set =
        |f: &crate::traces::Feedback, name: &str| f.fields.get(name).is_some_and(|x| !x.is_null());
    Ok(Value::Array(
        cx.runs
            .feedback
            .iter()
            .filter(|f| f.workspace_id == cx.workspace)
            .filter(|f| runs.is_empty() || f.run_id.is_some_and(|r| runs.contains(&r)))
            .filter(|f| sessions.is_empty() || f.session_id.is_some_and(|s| sessions.contains(&s)))
            .filter(|f| keys.is_empty() || keys.contains(&f.key.as_str()))
            .filter(|f| has_comment.is_none_or(|h| set(f, "comment") == h))
            .filter(|f| has_score.is_none_or(|h| set(f, "score") == h))
            .skip(offset)
            .take(limit)
            .map(feedback_json)
            .collect(),
    ))
}

/// `GET /workspaces/current/shared`: the workspace's shared runs, then its shared
/// datasets, paged.
fn list_shared(cx: Cx<'_>, query: Option<&str>) -> Result<Value, Answer> {
    let q = query_pairs(query);
    let (offset, limit) = paging(&q, "/api/v1/workspaces/current/shared")?;
    let sessions = listed(&cx);
    let datasets = crate::workspace::shared_dataset_entities(&cx);
    let entities: Vec<Value> = cx
        .runs
        .shares
        .iter()
        .filter_map(|(run, (token, at))| {
            let r = cx
                .runs
                .runs
                .iter()
                .find(|r| r.id == *run && r.workspace_id == cx.workspace)?;
            let session = sessions.iter().find(|l| l.session.id == r.session_id);
            Some(json!({
                "type": "run",
                "share_token": token.to_string(),
                "created_at": rfc3339(*at),
                "run_id": run.to_string(),
                "run_name": r.name,
                "run_type": r.run_type,
                "session_id": r.session_id.to_string(),
                "session_name": session.map(|l| l.session.name.clone()),
            }))
        })
        .chain(datasets)
        .skip(offset)
        .take(limit)
        .collect();
    Ok(json!({ "entities": entities }))
}

// ---- the multipart example upload ----

/// The platform routes' error shape (`examples.ErrorResponse`).
fn platform_error(status: u16, error: &str, details: Value) -> Answer {
    (
        status,
        json!({"error": error, "details": details.to_string()}),
    )
}

/// One example's parts of a multipart example upload or update.
#[derive(Default)]
struct ExampleParts {
    /// `{id}`: the JSON info (metadata, split, ...).
    info: Option<Value>,
    /// `{id}.inputs`, `{id}.outputs`.
    inputs: Option<Value>,
    outputs: Option<Value>,
    /// `{id}.attachment.{name}` (also `{id}.attachments.{name}`, as the spec writes the
    /// upload's), in order.
    attachments: Vec<NewAttachment>,
    /// `{id}.attachments_operations` (updates only).
    operations: Option<Value>,
}

/// Reads a multipart example body: the examples' ids in order of first appearance, and
/// per id its parts. `update` admits the `attachments_operations` part.
fn example_parts(
    content_type: Option<&str>,
    body: &[u8],
    update: bool,
) -> Result<(Vec<Uuid>, HashMap<Uuid, ExampleParts>), Answer> {
    let bad = |what: String| platform_error(400, "Invalid request", json!({"reason": what}));
    let boundary = crate::multipart::boundary(content_type.unwrap_or_default()).map_err(bad)?;
    let parts = crate::multipart::parse(body, &boundary).map_err(bad)?;
    let mut order: Vec<Uuid> = Vec::new();
    let mut found: HashMap<Uuid, ExampleParts> = HashMap::new();
    for p in parts {
        let (id_text, suffix) = match p.name.split_once('.') {
            Some((i, s)) => (i, Some(s)),
            None => (p.name.as_str(), None),
        };
        let id = Uuid::try_parse(id_text).map_err(|e| {
            platform_error(
                422,
                "Invalid example id",
                json!({"part": p.name, "reason": e.to_string()}),
            )
        })?;
        let entry = found.entry(id).or_insert_with(|| {
            order.push(id);
            ExampleParts::default()
        });
        let attachment = suffix.and_then(|s| {
            s.strip_prefix("attachment.")
                .or_else(|| s.strip_prefix("attachments."))
        });
        if let Some(name) = attachment {
            if name.is_empty() {
                return Err(bad(format!(
                    "part {:?}: an attachment needs a name",
                    p.name
                )));
            }
            entry.attachments.push(NewAttachment {
                name: name.to_owned(),
                mime_type: p
                    .mime_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
                data: p.data,
            });
            continue;
        }
        let value: Value = serde_json::from_slice(&p.data)
            .map_err(|e| bad(format!("part {:?}: not JSON: {e}", p.name)))?;
        let invalid = |reason: &str| {
            platform_error(
                422,
                "Invalid example",
                json!({"part": p.name, "reason": reason}),
            )
        };
        let slot = match suffix {
            None => &mut entry.info,
            Some("inputs") => &mut entry.inputs,
            Some("outputs") => &mut entry.outputs,
            Some("attachments_operations") if update => &mut entry.operations,
            Some(_) => return Err(bad(format!("part {:?}: unknown part", p.name))),
        };
        let allowed = value.is_object() || (suffix == Some("outputs") && value.is_null());
        if !allowed {
            return Err(invalid("not a JSON object"));
        }
        *slot = Some(value);
    }
    Ok((order, found))
}

/// The info part's fields the spec names for the route (the others are ignored, as
/// FastAPI and Go's JSON decoding ignore them, and recorded).
fn note_undeclared(info: &Value, declared: &[&str], ignored: &mut Vec<String>) {
    for k in info.as_object().into_iter().flatten().map(|(k, _)| k) {
        let name = format!("{{example_id}}.{k}");
        if !declared.contains(&k.as_str()) && !ignored.contains(&name) {
            ignored.push(name);
        }
    }
}

/// The multipart routes' dataset: the caller's live dataset `raw`. A dataset that is not
/// (or not the caller's) is a 404 in `examples.ErrorResponse`'s shape: the update
/// documents it, and the SDK's own integration test expects it of the upload too
/// (`test_upload_examples_multipart`), which the spec documents no 404 for.
fn multipart_dataset(cx: &Cx<'_>, raw: &str) -> Result<u16, Answer> {
    let dataset_id = Uuid::try_parse(raw).map_err(|e| {
        platform_error(
            422,
            "Invalid dataset_id",
            json!({"field": "dataset_id", "reason": e.to_string()}),
        )
    })?;
    cx.store
        .live_dataset(cx.workspace, dataset_id)
        .ok_or_else(|| {
            platform_error(
                404,
                "Dataset not found",
                json!({"dataset_id": dataset_id.to_string()}),
            )
        })
}

/// `POST /v1/platform/datasets/{id}/examples` (what the SDKs use when `/info` says
/// `dataset_examples_multipart_enabled`, or a test forces it): per example a JSON part
/// `{id}` (`metadata`, `split`, `created_at`, `source_run_id`; others ignored and
/// recorded), `{id}.inputs`, `{id}.outputs` and attachments `{id}.attachment.{name}`
/// (kept with the MIME type of the part's `Content-Type`). All-or-nothing; 201
/// `{as_of, count, example_ids}`.
fn upload_examples(
    cx: Cx<'_>,
    raw: &str,
    content_type: Option<&str>,
    body: &[u8],
    ignored: &mut Vec<String>,
) -> Result<Value, Answer> {
    let bad = |what: String| platform_error(400, "Invalid request", json!({"reason": what}));
    let ds = multipart_dataset(&cx, raw)?;
    let (order, mut found) = example_parts(content_type, body, false)?;
    let declared = [
        "metadata",
        "split",
        "created_at",
        "modified_at",
        "source_run_id",
        "use_source_run_io",
        "use_source_run_attachments",
    ];
    let mut new = Vec::with_capacity(order.len());
    for id in &order {
        let parts = found.remove(id).expect("listed");
        let info = parts.info.unwrap_or_else(|| json!({}));
        note_undeclared(&info, &declared, ignored);
        if info.get("use_source_run_io").and_then(Value::as_bool) == Some(true) {
            return Err(bad(format!(
                "example {id}: use_source_run_io is not supported by the stand-in"
            )));
        }
        if cx.store.index(id).is_some() {
            return Err(platform_error(
                409,
                "Example already exists",
                json!({"example_id": id.to_string()}),
            ));
        }
        let invalid = |field: &str| {
            platform_error(
                422,
                "Invalid example",
                json!({"example_id": id.to_string(), "field": field}),
            )
        };
        let created_at = match info.get("created_at").and_then(Value::as_str) {
            None => cx.now_us,
            Some(t) => parse_as_of_time_us(t).ok_or_else(|| invalid("created_at"))?,
        };
        let source_run_id = match info.get("source_run_id").and_then(Value::as_str) {
            None => None,
            Some(s) => Some(Uuid::try_parse(s).map_err(|_| invalid("source_run_id"))?),
        };
        let split = info.get("split").cloned().unwrap_or_else(default_split);
        let content = Content {
            inputs: parts.inputs.unwrap_or_else(|| json!({})),
            outputs: parts.outputs.unwrap_or(Value::Null),
            metadata: with_split(info.get("metadata").unwrap_or(&Value::Null), Some(&split)),
        };
        conforms_to_dataset(cx.store, ds, &content, &[id.to_string().into()])
            .map_err(as_platform_error)?;
        new.push(NewExample {
            id: *id,
            dataset: ds,
            created_at,
            content,
            source_run_id,
            attachments: parts.attachments,
        });
    }
    let count = new.len();
    cx.store.add_examples(new);
    Ok(json!({
        "as_of": rfc3339_us(cx.now_us),
        "count": count,
        "example_ids": order.iter().map(Uuid::to_string).collect::<Vec<_>>(),
    }))
}

/// An error of the classic routes (`{"detail": ...}`) in the platform routes' shape.
fn as_platform_error((status, v): Answer) -> Answer {
    let text = match &v["detail"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    platform_error(status, &text, json!({}))
}

/// What an update's attachment parts make of example `i`'s current attachments: with
/// neither new files nor `attachments_operations`, they are kept; otherwise only those
/// the operations `retain` or `rename` stay, beside the new files (which win over a kept
/// one of the same name), as LangSmith does (the SDK's own integration tests
/// `test_update_example_with_attachments_operations`, `test_update_examples_multipart`).
fn attachment_change(
    cx: &Cx<'_>,
    id: Uuid,
    i: usize,
    operations: Option<&Value>,
    uploaded: Vec<NewAttachment>,
) -> Result<AttachmentChange, Answer> {
    if operations.is_none() && uploaded.is_empty() {
        return Ok(AttachmentChange::Keep);
    }
    let invalid = |reason: String| {
        platform_error(
            422,
            "Invalid attachments_operations",
            json!({"example_id": id.to_string(), "reason": reason}),
        )
    };
    let empty = json!({});
    let ops = operations.unwrap_or(&empty);
    for k in ops.as_object().into_iter().flatten().map(|(k, _)| k) {
        if k != "rename" && k != "retain" {
            return Err(invalid(format!("unknown field {k:?} (rename, retain)")));
        }
    }
    let rename: Vec<(&str, &str)> = match ops.get("rename") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|to| (k.as_str(), to))
                    .ok_or_else(|| invalid(format!("rename.{k}: not a string")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("rename: not an object".into())),
    };
    let retain: Vec<&str> = match ops.get("retain") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| invalid("retain: not a list of strings".into()))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("retain: not a list".into())),
    };
    // Each kept attachment has one name: one both renamed and retained, a rename onto a
    // retained name, or two renames onto one name are refused (the JS SDK's own
    // `update examples multipart` test expects the first two refused).
    for (from, to) in &rename {
        if retain.contains(from) {
            return Err(invalid(format!("{from:?} is both renamed and retained")));
        }
        if retain.contains(to) {
            return Err(invalid(format!(
                "{from:?} is renamed to {to:?}, a retained attachment's name"
            )));
        }
        if rename.iter().filter(|(_, t)| t == to).count() > 1 {
            return Err(invalid(format!("two attachments are renamed to {to:?}")));
        }
    }
    let (v, _) = cx.store.current(i).expect("checked by the caller");
    let current = cx.store.attachments(i, v);
    for name in rename
        .iter()
        .map(|(from, _)| *from)
        .chain(retain.iter().copied())
    {
        if !current.iter().any(|a| a.name == name) {
            return Err(invalid(format!("the example has no attachment {name:?}")));
        }
    }
    let kept = current
        .iter()
        .filter_map(|a| {
            let renamed = rename.iter().find(|(from, _)| *from == a.name);
            match renamed {
                Some((_, to)) => Some(((*to).to_owned(), a.key)),
                None => retain
                    .contains(&a.name.as_str())
                    .then(|| (a.name.clone(), a.key)),
            }
        })
        .collect();
    Ok(AttachmentChange::Set { kept, uploaded })
}

/// `PATCH /v1/platform/datasets/{id}/examples` (what the SDKs' `update_example(s)` use
/// when multipart is on): per example its `{id}` part (`metadata`, `split`; required),
/// and optionally `{id}.inputs`, `{id}.outputs` (absent: kept), new attachments and
/// `{id}.attachments_operations`. An example not found is a 404, one of another dataset
/// a 409 (as the SDK's `test_update_examples_multiple_datasets` expects of LangSmith).
/// Every update is checked before the first is applied; 201
/// `{as_of, count, example_ids}`.
fn update_examples_multipart(
    cx: Cx<'_>,
    raw: &str,
    content_type: Option<&str>,
    body: &[u8],
    ignored: &mut Vec<String>,
) -> Result<Value, Answer> {
    let ds = multipart_dataset(&cx, raw)?;
    let (order, mut found) = example_parts(content_type, body, true)?;
    let mut planned = Vec::with_capacity(order.len());
    for id in &order {
        let parts = found.remove(id).expect("listed");
        let Some(info) = parts.info else {
            return Err(platform_error(
                422,
                "Invalid example",
                json!({"example_id": id.to_string(), "reason": "the `{example_id}` part is required"}),
            ));
        };
        note_undeclared(&info, &["metadata", "split"], ignored);
        let i = cx
            .store
            .index(id)
            .filter(|i| cx.store.workspace_at(*i) == cx.workspace && cx.store.current(*i).is_some())
            .ok_or_else(|| {
                platform_error(
                    404,
                    "Example not found",
                    json!({"example_id": id.to_string()}),
                )
            })?;
        if cx.store.dataset_index_at(i) != ds {
            return Err(platform_error(
                409,
                "Example belongs to another dataset",
                json!({"example_id": id.to_string(), "dataset_id": raw}),
            ));
        }
        let mut update = serde_json::Map::new();
        for (k, v) in [("inputs", parts.inputs), ("outputs", parts.outputs)] {
            if let Some(v) = v {
                update.insert(k.into(), v);
            }
        }
        for k in ["metadata", "split"] {
            if let Some(v) = info.get(k) {
                update.insert(k.into(), v.clone());
            }
        }
        let (i, next, dataset) =
            planned_update(&cx, *id, &Value::Object(update)).map_err(as_platform_error)?;
        let change = attachment_change(&cx, *id, i, parts.operations.as_ref(), parts.attachments)?;
        planned.push((i, next, dataset, change));
    }
    let count = planned.len();
    for (i, next, dataset, change) in planned {
        cx.store.update(i, next, dataset, cx.now_us, change);
    }
    Ok(json!({
        "as_of": rfc3339_us(cx.now_us),
        "count": count,
        "example_ids": order.iter().map(Uuid::to_string).collect::<Vec<_>>(),
    }))
}

// ---- the CSV upload ----

/// The form schema of `POST /datasets/upload`, as the spec writes it (refs inlined).
fn upload_csv_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let (path, method) = Write::UploadCsv.spec_operation();
        spec::inline(
            spec::document(),
            &spec::document()["paths"][path][method]["requestBody"]["content"]
                ["multipart/form-data"]["schema"],
        )
    })
}

/// `POST /datasets/upload` (the SDKs' `upload_csv`): a `multipart/form-data` form with the
/// CSV `file` (its first row names the columns), `input_keys` and the optional
/// `output_keys`, `metadata_keys` (a field per key, repeated), `name` (default: the file's
/// name), `description` and `data_type`. It makes a new dataset with one example per data
/// row: the row's input columns as `inputs`, its output columns as `outputs`, its metadata
/// columns as `metadata`, every value a string, as read.
///
/// Everything is checked before anything is written. The form, read as an object (an
/// array field's values as a list), is validated against the spec's
/// `Body_upload_csv_dataset_api_v1_datasets_upload_post`; that, a key that names no
/// column, a CSV that does not parse or a row of another width are a 422
/// `HTTPValidationError` naming the field; a name already taken is a 409. Fields the
/// stand-in does not apply (schema definitions, transformations, key mappings) and a
/// JSONL file are refused by name (400); fields the spec does not declare (the SDK's `id`)
/// are ignored and recorded.
fn upload_csv(
    cx: Cx<'_>,
    content_type: Option<&str>,
    body: &[u8],
    ignored: &mut Vec<String>,
) -> Result<Value, Answer> {
    let schema = upload_csv_schema();
    let not_multipart = |e: String| unprocessable(&["body"], e, "model_attributes_type");
    let boundary =
        crate::multipart::boundary(content_type.unwrap_or_default()).map_err(not_multipart)?;
    let parts = crate::multipart::parse(body, &boundary).map_err(not_multipart)?;
    let mut form = serde_json::Map::new();
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    for p in parts {
        let Some(declared) = schema["properties"].get(&p.name) else {
            if !ignored.contains(&p.name) {
                ignored.push(p.name);
            }
            continue;
        };
        if p.name == "file" {
            form.insert(
                "file".into(),
                Value::from(p.filename.clone().unwrap_or_default()),
            );
            file = Some((p.filename, p.data));
            continue;
        }
        let text = String::from_utf8(p.data)
            .map_err(|_| unprocessable(&["body", &p.name], "not UTF-8 text", "string_unicode"))?;
        if declared["type"] == "array" {
            let list = form.entry(p.name).or_insert_with(|| json!([]));
            list.as_array_mut().expect("an array").push(text.into());
        } else {
            // A scalar field sent twice: the last value, as Starlette's form reads it.
            form.insert(p.name, text.into());
        }
    }
    // A required field missing: FastAPI's `missing`, naming it.
    let missing: Vec<Value> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|name| !form.contains_key(*name))
        .map(|name| json!({"loc": ["body", name], "msg": "Field required", "type": "missing"}))
        .collect();
    if !missing.is_empty() {
        return Err((422, json!({ "detail": missing })));
    }
    let form = Value::Object(form);
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| spec::compile(upload_csv_schema()));
    let errors: Vec<Value> = validator
        .iter_errors(&form)
        .map(|e| {
            let mut loc = vec![Value::from("body")];
            loc.extend(
                e.instance_path()
                    .to_string()
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<u64>().map_or_else(|_| s.into(), Value::from)),
            );
            json!({"loc": loc, "msg": e.to_string(), "type": "value_error"})
        })
        .collect();
    if !errors.is_empty() {
        return Err((422, json!({ "detail": errors })));
    }
    for refused in [
        "inputs_schema_definition",
        "outputs_schema_definition",
        "transformations",
        "input_key_mappings",
        "output_key_mappings",
        "metadata_key_mappings",
    ] {
        if form
            .get(refused)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
        {
            return Err(detail(
                400,
                format!("field `{refused}` is not supported by the stand-in"),
            ));
        }
    }
    let (filename, data) = file.expect("`file` is required by the schema");
    if filename
        .as_deref()
        .is_some_and(|f| f.to_ascii_lowercase().ends_with(".jsonl"))
    {
        return Err(detail(
            400,
            "field `file`: a JSONL upload is not supported by the stand-in (CSV only)",
        ));
    }
    let keys = |field: &str| -> Vec<String> {
        form[field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect()
    };
    let (input_keys, output_keys, metadata_keys) = (
        keys("input_keys"),
        keys("output_keys"),
        keys("metadata_keys"),
    );
    let bad_file = |msg: String| unprocessable(&["body", "file"], msg, "value_error");
    let mut reader = csv::ReaderBuilder::new().from_reader(data.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad_file(format!("not a CSV file: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        return Err(bad_file("the CSV file has no header row".into()));
    }
    if let Some(dup) = header
        .iter()
        .enumerate()
        .find_map(|(i, h)| header[..i].contains(h).then_some(h))
    {
        return Err(bad_file(format!(
            "the CSV header names column {dup:?} twice"
        )));
    }
    let column = |field: &str, keys: &[String]| -> Result<Vec<(String, usize)>, Answer> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                header.iter().position(|h| h == k).map(|c| (k.clone(), c)).ok_or_else(|| {
                    (
                        422,
                        json!({"detail": [{
                            "loc": ["body", field, i],
                            "msg": format!("{k:?} is not a column of the CSV file (its columns: {header:?})"),
                            "type": "value_error",
                        }]}),
                    )
                })
            })
            .collect()
    };
    let inputs_at = column("input_keys", &input_keys)?;
    let outputs_at = column("output_keys", &output_keys)?;
    let metadata_at = column("metadata_keys", &metadata_keys)?;
    let pick = |row: &csv::StringRecord, at: &[(String, usize)]| -> Value {
        Value::Object(
            at.iter()
                .map(|(k, c)| (k.clone(), Value::from(row.get(*c).unwrap_or_default())))
                .collect(),
        )
    };
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| bad_file(format!("not a valid CSV file: {e}")))?;
        rows.push((
            pick(&row, &inputs_at),
            pick(&row, &outputs_at),
            pick(&row, &metadata_at),
        ));
    }
    let name = match form.get("name").and_then(Value::as_str) {
        Some(n) => n.to_owned(),
        None => filename.filter(|f| !f.is_empty()).ok_or_else(|| {
            unprocessable(
                &["body", "name"],
                "no `name`, and the file has no name to use",
                "missing",
            )
        })?,
    };
    if name_taken(cx.store, cx.workspace, &name, None) {
        return Err(detail(
            409,
            format!("Dataset with name {name:?} already exists"),
        ));
    }
    let data_type = match form.get("data_type").and_then(Value::as_str) {
        Some("llm") => "llm",
        Some("chat") => "chat",
        _ => "kv",
    };
    let workspace = cx
        .store
        .workspace_index(cx.workspace)
        .expect("an authenticated workspace");
    let id = random_id();
    let ds = cx
        .store
        .add_dataset(Dataset {
            id,
            name,
            workspace,
            created_at: cx.now,
            description: form
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            metadata: Value::Null,
            deleted: false,
            data_type,
            inputs_schema: None,
            outputs_schema: None,
        })
        .map_err(|e| detail(400, e))?;
    let split = default_split();
    let examples = rows
        .into_iter()
        .map(|(inputs, outputs, metadata)| NewExample {
            id: random_id(),
            dataset: ds,
            created_at: cx.now_us,
            content: Content {
                inputs,
                outputs,
                metadata: with_split(&metadata, Some(&split)),
            },
            source_run_id: None,
            attachments: Vec::new(),
        })
        .collect();
    cx.store.add_examples(examples);
    Ok(dataset_answer(cx.store, cx.workspace, id))
}
#[cfg(test)]
mod tests {
    use super::Write;

    /// Every write route the stand-in serves (the reads have their own table in
    /// `params`) is an operation the spec declares, with that method.
    #[test]
    fn every_write_route_is_declared_by_the_spec() {
        let id = || "x".to_owned();
        let all = [
            Write::CreateDataset,
            Write::UploadCsv,
            Write::UpdateDataset(id()),
            Write::DeleteDataset(id()),
            Write::CreateExample,
            Write::CreateExamples,
            Write::UploadExamples(id()),
            Write::UpdateExamples,
            Write::UpdateExample(id()),
            Write::DeleteExample(id()),
            Write::DeleteExamples,
            Write::CreateSession,
            Write::ReadSession(id()),
            Write::UpdateSession(id()),
            Write::DeleteSession(id()),
            Write::CreateRun,
            Write::UpdateRun(id()),
            Write::BatchRuns,
            Write::ReadRun(id()),
            Write::ReadRunV2(id()),
            Write::CreateFeedback,
            Write::ListFeedback,
            Write::ReadFeedback(id()),
            Write::DeleteFeedback(id()),
            Write::ShareRun(id()),
            Write::UnshareRun(id()),
            Write::ReadRunShare(id()),
            Write::ListShared,
            Write::ReadDatasetShare(id()),
            Write::ShareDataset(id()),
            Write::UnshareDataset(id()),
            Write::ListRunRules,
            Write::ListBulkExports,
            Write::UpdateExamplesMultipart(id()),
            Write::MultipartRuns,
            Write::RunStats,
            Write::ExampleRuns(id()),
            Write::DiffVersions(id()),
        ];
        // A variant added to `Write` fails to compile here until it is listed above.
        for w in &all {
            match w {
                Write::CreateDataset
                | Write::UploadCsv
                | Write::UpdateDataset(_)
                | Write::DeleteDataset(_)
                | Write::CreateExample
                | Write::CreateExamples
                | Write::UploadExamples(_)
                | Write::UpdateExamples
                | Write::UpdateExample(_)
                | Write::DeleteExample(_)
                | Write::DeleteExamples
                | Write::CreateSession
                | Write::ReadSession(_)
                | Write::UpdateSession(_)
                | Write::DeleteSession(_)
                | Write::CreateRun
                | Write::UpdateRun(_)
                | Write::BatchRuns
                | Write::ReadRun(_)
                | Write::ReadRunV2(_)
                | Write::CreateFeedback
                | Write::ListFeedback
                | Write::ReadFeedback(_)
                | Write::DeleteFeedback(_)
                | Write::ShareRun(_)
                | Write::UnshareRun(_)
                | Write::ReadRunShare(_)
                | Write::ListShared
                | Write::UpdateExamplesMultipart(_)
                | Write::MultipartRuns
                | Write::RunStats
                | Write::ReadDatasetShare(_)
                | Write::ShareDataset(_)
                | Write::UnshareDataset(_)
                | Write::ListRunRules
                | Write::ListBulkExports
                | Write::ExampleRuns(_)
                | Write::DiffVersions(_) => {}
            }
        }
        let doc = crate::spec::document();
        for w in &all {
            let (path, method) = w.spec_operation();
            assert!(
                doc["paths"][path][method].is_object(),
                "{w:?}: {method} {path} is not declared by the spec"
            );
        }
    }
}
