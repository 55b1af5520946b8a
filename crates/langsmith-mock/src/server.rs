//! The HTTP side: routing, auth, validation against the spec, semantics, faults.

use crate::faults::{Effect, Fault, Faults, Operation};
use crate::params;
use crate::read;
use crate::side;
use crate::spec;
use crate::store::{Lookup, Principal, Store};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What the server does with ids it does not know (the real server's behaviour is not
/// documented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownIds {
    /// 404 whose `details` name the missing ids (at most 20, with their `count`);
    /// nothing is deleted. The default: it never reports a deletion that did not happen,
    /// and it keeps a request all-or-nothing.
    #[default]
    NotFound,
    /// 404 in the documented error shape that names no ids; nothing is deleted.
    NotFoundBare,
    /// 200, deleting and counting only the ids found.
    Ignore,
}

/// How the server's 200 echoes the ids it deleted (a correct server is [`Echo::Honest`];
/// the others let tests play a server whose answer must not be trusted blindly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Echo {
    /// `example_ids` names exactly the ids deleted; `count` agrees.
    #[default]
    Honest,
    /// The echo leaves out the last id deleted (all are deleted); `count` still counts all.
    OmitLast,
    /// The body is `{}` (all are deleted).
    Empty,
    /// The echo adds an id that was not sent.
    Foreign,
}

/// Which runs query routes the server serves (the v2 query is LangSmith's new run store;
/// self-hosted installs before v0.16 lack it, and v1 is deprecated): the other answers
/// 404 with FastAPI's `{"detail":"Not Found"}`, as an unknown route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunsApi {
    /// Only `POST /api/v1/runs/query`.
    V1,
    /// Only `POST /api/v2/runs/query`.
    V2,
    /// Both (the default).
    #[default]
    Both,
}

impl RunsApi {
    fn v1(self) -> bool {
        self != RunsApi::V2
    }
    fn v2(self) -> bool {
        self != RunsApi::V1
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: Method,
    pub path: String,
    /// The query string, if any (undecoded).
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub status: u16,
    pub fault: Fault,
    /// How many ids the body carried (0 when it had none readable).
    pub id_count: usize,
    /// The ids as sent (when body recording is on).
    pub ids: Vec<String>,
    /// The raw body (when body recording is on).
    pub body: Option<Bytes>,
    /// Query parameters (or, for the runs queries, body fields) the spec does not declare
    /// for the operation, ignored as FastAPI ignores them (once each, in order; logged at
    /// `serve -v`).
    pub ignored_params: Vec<String>,
}

/// Fixed one-minute windows per credential.
#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
}

pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) rng: Mutex<fastrand::Rng>,
    pub(crate) unknown: UnknownIds,
    pub(crate) echo: Echo,
    pub(crate) record_requests: bool,
    pub(crate) log: Mutex<Vec<RecordedRequest>>,
    /// Requests received, recorded or not.
    pub(crate) received: std::sync::atomic::AtomicU64,
    windows: Mutex<HashMap<String, Window>>,
    pub(crate) checkpoints: Mutex<read::Checkpoints>,
    /// Log each request, and the query parameters it ignored, to stderr.
    pub(crate) verbose: bool,
    /// A hard-deleted example is no longer listed at the latest version (as the official
    /// SDK's own `test_datasets` says LangSmith lists), yet read as of an earlier time it
    /// is there, nulled at every version ([`crate::MockServerBuilder::hard_deleted_unlisted`]).
    pub(crate) hide_hard_deleted: bool,
    /// Writes are dated to the whole second
    /// ([`crate::MockServerBuilder::whole_second_times`]).
    pub(crate) whole_seconds: bool,
    /// `/info` says the multipart example routes are enabled
    /// ([`crate::MockServerBuilder::examples_multipart`]).
    pub(crate) examples_multipart: bool,
    /// The runs (experiment traces) and the trace deletions queued.
    pub(crate) runs: Mutex<crate::traces::Runs>,
    /// Which runs query routes are served.
    pub(crate) runs_api: RunsApi,
    /// Requests each fault rule has seen of its operation (by index in `Faults::rules`).
    pub(crate) rule_counts: Mutex<Vec<u32>>,
    /// Whether the workspace is kept in a directory (`serve --data DIR`).
    pub(crate) kept: bool,
    /// Its database while open (closed when the server stops, so another can open it).
    pub(crate) db: Mutex<Option<crate::persist::Db>>,
}

impl Shared {
    /// Now, Unix microseconds, as writes are dated: truncated to the second with
    /// [`Shared::whole_seconds`].
    pub(crate) fn now_us(&self) -> i64 {
        let now = crate::time::unix_now_us();
        if self.whole_seconds {
            now - now.rem_euclid(crate::time::MICROS)
        } else {
            now
        }
    }

    pub(crate) fn new(
        store: Store,
        faults: Faults,
        unknown: UnknownIds,
        echo: Echo,
        record_requests: bool,
    ) -> Self {
        Shared {
            rng: Mutex::new(fastrand::Rng::with_seed(faults.seed)),
            store: Mutex::new(store),
            faults: Mutex::new(faults),
            unknown,
            echo,
            record_requests,
            log: Mutex::new(Vec::new()),
            received: std::sync::atomic::AtomicU64::new(0),
            windows: Mutex::new(HashMap::new()),
            checkpoints: Mutex::new(read::Checkpoints::default()),
            verbose: false,
            hide_hard_deleted: false,
            whole_seconds: false,
            examples_multipart: false,
            runs: Mutex::new(crate::traces::Runs::default()),
            runs_api: RunsApi::default(),
            rule_counts: Mutex::new(Vec::new()),
            kept: false,
            db: Mutex::new(None),
        }
    }
}

/// Which operation a request is for.
#[derive(Debug, Clone)]
enum Op {
    HardDelete,
    ListExamples,
    CountExamples,
    ReadExample(String),
    ListDatasets,
    ReadDataset(String),
    Info,
    Sessions,
    RunsQuery,
    RunsQueryV2,
    RunsDelete,
    /// A route switched off: 404 `{"detail":"Not Found"}`.
    NotServed,
    /// A write (or a read that came with the writes).
    Write(crate::write::Write),
    /// An attachment file, by key (`store::ATTACHMENT_PATH`): the stand-in's presigned
    /// URLs, answered without an API key.
    Attachment(String),
    /// No route: 404 `{"detail":"Not Found"}` once authenticated.
    Unknown,
    /// A route without this method: 405 `{"detail":"Method Not Allowed"}` once
    /// authenticated.
    MethodNotAllowed,
}

impl Op {
    /// Whether it may change the store (then a successful answer is stored first, when
    /// the workspace is kept in a directory).
    fn writes(&self) -> bool {
        matches!(self, Op::Write(_) | Op::HardDelete | Op::RunsDelete)
    }

    /// The operation fault rules name it by.
    fn rule_operation(&self) -> Option<Operation> {
        Some(match self {
            Op::HardDelete => Operation::HardDelete,
            Op::ListExamples => Operation::ListExamples,
            Op::CountExamples => Operation::CountExamples,
            Op::ReadExample(_) => Operation::ReadExample,
            Op::ListDatasets => Operation::ListDatasets,
            Op::ReadDataset(_) => Operation::ReadDataset,
            Op::Sessions => Operation::Sessions,
            Op::RunsQuery => Operation::RunsQueryV1,
            Op::RunsQueryV2 => Operation::RunsQueryV2,
            Op::RunsDelete => Operation::RunsDelete,
            Op::Info
            | Op::NotServed
            | Op::Write(_)
            | Op::Attachment(_)
            | Op::Unknown
            | Op::MethodNotAllowed => {
                return None;
            }
        })
    }

    /// The GET operation of the spec this is (none for the hard delete).
    fn read_path(&self) -> Option<&'static str> {
        Some(match self {
            Op::HardDelete
            | Op::RunsQuery
            | Op::RunsQueryV2
            | Op::RunsDelete
            | Op::NotServed
            | Op::Write(_)
            | Op::Attachment(_)
            | Op::Unknown
            | Op::MethodNotAllowed => {
                return None;
            }
            Op::ListExamples => spec::LIST_EXAMPLES_PATH,
            Op::CountExamples => spec::COUNT_EXAMPLES_PATH,
            Op::ReadExample(_) => spec::READ_EXAMPLE_PATH,
            Op::ListDatasets => spec::LIST_DATASETS_PATH,
            Op::ReadDataset(_) => spec::READ_DATASET_PATH,
            Op::Info => spec::INFO_PATH,
            Op::Sessions => spec::SESSIONS_PATH,
        })
    }
}

/// Where a classic operation is served: the spec's path (`/api/v1/...`) and the
/// host-root form (`/...`, which the SDKs call when their endpoint is the host), each
/// also with a trailing slash when `slash`.
fn classic_paths(spec_path: &'static str, slash: bool) -> Vec<String> {
    let mut out = Vec::new();
    for p in [spec_path, spec::host_root(spec_path)] {
        out.push(p.to_owned());
        if slash {
            out.push(format!("{p}/"));
        }
    }
    out
}

pub(crate) fn router(shared: Arc<Shared>) -> axum::Router {
    use axum::extract::Path;
    use axum::routing::{get, post};
    type Router = axum::Router<Arc<Shared>>;
    let path = &spec::hard_delete().path;
    let mut router = Router::new();
    // The platform path as the spec writes it, and behind a self-hosted `/api` prefix.
    for p in [
        path.clone(),
        format!("{path}/"),
        format!("/api{path}"),
        format!("/api{path}/"),
    ] {
        router = router.route(
            &p,
            post(
                |s: State<Arc<Shared>>, m: Method, u: Uri, h: HeaderMap, b: Bytes| {
                    handle(s, m, u, h, b, Op::HardDelete)
                },
            ),
        );
    }
    let plain = |mut router: Router, spec_path: &'static str, slash: bool, op: Op| {
        for p in classic_paths(spec_path, slash) {
            let op = op.clone();
            router = router.route(
                &p,
                get(
                    move |s: State<Arc<Shared>>, m: Method, u: Uri, h: HeaderMap| {
                        handle(s, m, u, h, Bytes::new(), op.clone())
                    },
                ),
            );
        }
        router
    };
    let by_id = |mut router: Router, spec_path: &'static str, op: fn(String) -> Op| {
        for p in classic_paths(spec_path, false) {
            router = router.route(
                &p,
                get(
                    move |s: State<Arc<Shared>>,
                          Path(id): Path<String>,
                          m: Method,
                          u: Uri,
                          h: HeaderMap| {
                        handle(s, m, u, h, Bytes::new(), op(id))
                    },
                ),
            );
        }
        router
    };
    let runs_api = shared.runs_api;
    let v1_query = if runs_api.v1() {
        Op::RunsQuery
    } else {
        Op::NotServed
    };
    let v2_query = if runs_api.v2() {
        Op::RunsQueryV2
    } else {
        Op::NotServed
    };
    let runs_routes = [
        (classic_paths(crate::runs::RUNS_QUERY_PATH, false), v1_query),
        (
            classic_paths(crate::runs::RUNS_DELETE_PATH, false),
            Op::RunsDelete,
        ),
        (
            vec![
                crate::runs_v2::RUNS_V2_QUERY_PATH.to_owned(),
                crate::runs_v2::RUNS_V2_SPEC_PATH.to_owned(),
            ],
            v2_query,
        ),
    ];
    for (paths, op) in runs_routes {
        for p in paths {
            let not_served = matches!(op, Op::NotServed);
            let op = op.clone();
            let handler =
                move |s: State<Arc<Shared>>, m: Method, u: Uri, h: HeaderMap, b: Bytes| {
                    handle(s, m, u, h, b, op.clone())
                };
            // A route switched off answers every method as an unknown route does.
            let method_router = if not_served {
                axum::routing::any(handler)
            } else {
                post(handler)
            };
            router = router.route(&p, method_router);
        }
    }
    router = plain(router, spec::LIST_EXAMPLES_PATH, true, Op::ListExamples);
    router = plain(router, spec::COUNT_EXAMPLES_PATH, false, Op::CountExamples);
    router = by_id(router, spec::READ_EXAMPLE_PATH, Op::ReadExample);
    router = plain(router, spec::LIST_DATASETS_PATH, true, Op::ListDatasets);
    router = by_id(router, spec::READ_DATASET_PATH, Op::ReadDataset);
    router = plain(router, spec::INFO_PATH, false, Op::Info);
    router = plain(router, spec::SESSIONS_PATH, true, Op::Sessions);
    router = write_routes(router);
    router = router.route(
        &format!("{}{{key}}", crate::store::ATTACHMENT_PATH),
        get(
            |s: State<Arc<Shared>>, Path(key): Path<String>, m: Method, u: Uri, h: HeaderMap| {
                handle(s, m, u, h, Bytes::new(), Op::Attachment(key))
            },
        ),
    );
    router
        .fallback(|s: State<Arc<Shared>>, m: Method, u: Uri, h: HeaderMap| {
            handle(s, m, u, h, Bytes::new(), Op::Unknown)
        })
        .method_not_allowed_fallback(|s: State<Arc<Shared>>, m: Method, u: Uri, h: HeaderMap| {
            handle(s, m, u, h, Bytes::new(), Op::MethodNotAllowed)
        })
        .with_state(shared)
}

/// The write routes (issue 32), each where the SDKs call it: classic ones at the spec's
/// path and the host root, the ingestion ones (the spec's `/runs...`) at the host root and
/// under `/api/v1` (an endpoint ending in `/api/v1`).
fn write_routes(mut router: axum::Router<Arc<Shared>>) -> axum::Router<Arc<Shared>> {
    use crate::write::Write;
    use axum::extract::Path;
    use axum::routing::{MethodFilter, on};
    let classic = |p: &'static str| classic_paths(p, false);
    let ingest = |p: &'static str| vec![p.to_owned(), format!("/api/v1{p}")];
    let plain: Vec<(Vec<String>, MethodFilter, Write)> = vec![
        (
            classic("/api/v1/datasets"),
            MethodFilter::POST,
            Write::CreateDataset,
        ),
        (
            classic("/api/v1/datasets/upload"),
            MethodFilter::POST,
            Write::UploadCsv,
        ),
        (
            classic("/api/v1/examples"),
            MethodFilter::POST,
            Write::CreateExample,
        ),
        (
            classic("/api/v1/examples"),
            MethodFilter::DELETE,
            Write::DeleteExamples,
        ),
        (
            classic("/api/v1/examples/bulk"),
            MethodFilter::POST,
            Write::CreateExamples,
        ),
        (
            classic("/api/v1/examples/bulk"),
            MethodFilter::PATCH,
            Write::UpdateExamples,
        ),
        (
            classic("/api/v1/sessions"),
            MethodFilter::POST,
            Write::CreateSession,
        ),
        (ingest("/runs"), MethodFilter::POST, Write::CreateRun),
        (ingest("/runs/batch"), MethodFilter::POST, Write::BatchRuns),
        (
            ingest("/runs/multipart"),
            MethodFilter::POST,
            Write::MultipartRuns,
        ),
        (
            classic("/api/v1/runs/stats"),
            MethodFilter::POST,
            Write::RunStats,
        ),
        (
            classic("/api/v1/feedback"),
            MethodFilter::POST,
            Write::CreateFeedback,
        ),
        (
            classic("/api/v1/feedback"),
            MethodFilter::GET,
            Write::ListFeedback,
        ),
        (
            classic("/api/v1/workspaces/current/shared"),
            MethodFilter::GET,
            Write::ListShared,
        ),
        (
            classic("/api/v1/runs/rules"),
            MethodFilter::GET,
            Write::ListRunRules,
        ),
        (
            classic("/api/v1/bulk-exports"),
            MethodFilter::GET,
            Write::ListBulkExports,
        ),
    ];
    for (paths, method, op) in plain {
        for p in paths {
            let op = op.clone();
            router = router.route(
                &p,
                on(
                    method,
                    move |s: State<Arc<Shared>>, m: Method, u: Uri, h: HeaderMap, b: Bytes| {
                        handle(s, m, u, h, b, Op::Write(op.clone()))
                    },
                ),
            );
        }
    }
    type ById = fn(String) -> Write;
    let by_id: Vec<(Vec<String>, MethodFilter, ById)> = vec![
        (
            classic("/api/v1/datasets/{dataset_id}"),
            MethodFilter::PATCH,
            Write::UpdateDataset,
        ),
        (
            classic("/api/v1/datasets/{dataset_id}"),
            MethodFilter::DELETE,
            Write::DeleteDataset,
        ),
        (
            classic("/api/v1/datasets/{dataset_id}/runs"),
            MethodFilter::POST,
            Write::ExampleRuns,
        ),
        (
            classic("/api/v1/examples/{example_id}"),
            MethodFilter::PATCH,
            Write::UpdateExample,
        ),
        (
            classic("/api/v1/examples/{example_id}"),
            MethodFilter::DELETE,
            Write::DeleteExample,
        ),
        (
            classic("/api/v1/datasets/{dataset_id}/versions/diff"),
            MethodFilter::GET,
            Write::DiffVersions,
        ),
        (
            classic("/api/v1/sessions/{session_id}"),
            MethodFilter::GET,
            Write::ReadSession,
        ),
        (
            classic("/api/v1/sessions/{session_id}"),
            MethodFilter::PATCH,
            Write::UpdateSession,
        ),
        (
            classic("/api/v1/sessions/{session_id}"),
            MethodFilter::DELETE,
            Write::DeleteSession,
        ),
        (
            ingest("/runs/{run_id}"),
            MethodFilter::PATCH,
            Write::UpdateRun,
        ),
        (ingest("/runs/{run_id}"), MethodFilter::GET, Write::ReadRun),
        (
            classic("/api/v1/feedback/{feedback_id}"),
            MethodFilter::GET,
            Write::ReadFeedback,
        ),
        (
            classic("/api/v1/feedback/{feedback_id}"),
            MethodFilter::DELETE,
            Write::DeleteFeedback,
        ),
        (
            classic("/api/v1/runs/{run_id}/share"),
            MethodFilter::PUT,
            Write::ShareRun,
        ),
        (
            classic("/api/v1/runs/{run_id}/share"),
            MethodFilter::DELETE,
            Write::UnshareRun,
        ),
        (
            classic("/api/v1/runs/{run_id}/share"),
            MethodFilter::GET,
            Write::ReadRunShare,
        ),
        (
            vec![
                "/v1/platform/datasets/{dataset_id}/examples".to_owned(),
                "/api/v1/platform/datasets/{dataset_id}/examples".to_owned(),
            ],
            MethodFilter::POST,
            Write::UploadExamples,
        ),
        (
            classic("/api/v1/datasets/{dataset_id}/share"),
            MethodFilter::GET,
            Write::ReadDatasetShare,
        ),
        (
            classic("/api/v1/datasets/{dataset_id}/share"),
            MethodFilter::PUT,
            Write::ShareDataset,
        ),
        (
            classic("/api/v1/datasets/{dataset_id}/share"),
            MethodFilter::DELETE,
            Write::UnshareDataset,
        ),
        (
            vec![
                "/v1/platform/datasets/{dataset_id}/examples".to_owned(),
                "/api/v1/platform/datasets/{dataset_id}/examples".to_owned(),
            ],
            MethodFilter::PATCH,
            Write::UpdateExamplesMultipart,
        ),
        (
            vec![
                "/api/v2/runs/{run_id}".to_owned(),
                "/v2/runs/{run_id}".to_owned(),
            ],
            MethodFilter::GET,
            Write::ReadRunV2,
        ),
    ];
    for (paths, method, op) in by_id {
        for p in paths {
            router = router.route(
                &p,
                on(
                    method,
                    move |s: State<Arc<Shared>>,
                          Path(id): Path<String>,
                          m: Method,
                          u: Uri,
                          h: HeaderMap,
                          b: Bytes| {
                        handle(s, m, u, h, b, Op::Write(op(id)))
                    },
                ),
            );
        }
    }
    router
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(body).expect("json")));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// An error in the spec's `ErrorResponse` shape: `error`, and `details` as a JSON string.
pub fn error_body(error: &str, details: Option<Value>) -> Value {
    let mut body = json!({ "error": error });
    if let Some(d) = details {
        body["details"] = Value::String(d.to_string());
    }
    body
}

fn error(status: StatusCode, message: &str, details: Option<Value>) -> Response {
    json_response(status, &error_body(message, details))
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    op: Op,
) -> Response {
    let arrived = tokio::time::Instant::now();
    let (fault, delay) = {
        let faults = shared.faults.lock().unwrap().clone();
        let mut rng = shared.rng.lock().unwrap();
        faults.draw(&mut rng)
    };
    let mut record = RecordedRequest {
        method,
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers: if shared.record_requests {
            headers.clone()
        } else {
            HeaderMap::new()
        },
        status: 0,
        fault,
        id_count: 0,
        ids: Vec::new(),
        body: shared.record_requests.then(|| body.clone()),
        ignored_params: op
            .read_path()
            .map(|p| params::undeclared(spec::read_operation(p), uri.query()))
            .unwrap_or_default(),
    };
    let mut response = process(
        &shared,
        &headers,
        uri.query(),
        &body,
        fault,
        &op,
        &mut record,
    );
    if matches!(
        op,
        Op::RunsQueryV2 | Op::Write(crate::write::Write::ReadRunV2(_))
    ) {
        response = problem_details(response).await;
    }
    record.status = response.status().as_u16();
    let n = shared
        .received
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(v) = HeaderValue::from_str(&format!("mock-{n}")) {
        response.headers_mut().insert("x-request-id", v);
    }
    if shared.verbose {
        log(&record, &uri);
    }
    if shared.record_requests {
        shared.log.lock().unwrap().push(record);
    }
    // The work above happens within the injected latency, as on a real server.
    if !delay.is_zero() {
        tokio::time::sleep_until(arrived + delay).await;
    }
    response
}

/// The v2 routes answer errors as `shared.ProblemDetails`: an error the shared path made
/// in another shape (auth, rate limit, injected statuses) is rewritten into one, its
/// message as `detail`, its headers (`Retry-After`) kept. HTML pages stay HTML.
async fn problem_details(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let body = if value.get("title").is_some() && value.get("status").is_some() {
        value
    } else {
        let detail = match (value.get("error"), value.get("detail")) {
            (Some(Value::String(e)), _) | (None, Some(Value::String(e))) => e.clone(),
            _ => value.to_string(),
        };
        crate::runs_v2::problem(status.as_u16(), detail).1
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(serde_json::to_vec(&body).expect("json")))
}

/// One line per request on stderr (`serve -v`), naming the ignored query parameters.
fn log(record: &RecordedRequest, uri: &Uri) {
    let ignored = if record.ignored_params.is_empty() {
        String::new()
    } else {
        let what = if record.method == Method::POST {
            "body field(s)"
        } else {
            "query parameter(s)"
        };
        format!(
            " (ignored {what} the spec does not declare: {})",
            record.ignored_params.join(", ")
        )
    };
    eprintln!(
        "langsmith-mock: {} {} -> {}{ignored}",
        record.method, uri, record.status
    );
}

fn authenticate(store: &Store, headers: &HeaderMap) -> Result<(String, Principal), Box<Response>> {
    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (credential, principal, bearer) = if let Some(key) = header_str("x-api-key") {
        match store.api_keys.get(key) {
            Some(p) => (key.to_owned(), *p, false),
            None => {
                return Err(Box::new(error(
                    StatusCode::UNAUTHORIZED,
                    "Invalid API key",
                    None,
                )));
            }
        }
    } else if let Some(auth) = header_str("authorization") {
        let token = auth.strip_prefix("Bearer ").unwrap_or("");
        match store.bearer_tokens.get(token) {
            Some(p) => (token.to_owned(), *p, true),
            None => {
                return Err(Box::new(error(
                    StatusCode::UNAUTHORIZED,
                    "Invalid bearer token",
                    None,
                )));
            }
        }
    } else {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "Missing API key or bearer token",
            None,
        )));
    };
    let tenant = header_str("x-tenant-id");
    let org = header_str("x-organization-id");
    if bearer && tenant.is_none() && org.is_none() {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "Bearer auth must also specify x-tenant-id or x-organization-id",
            None,
        )));
    }
    if let Some(t) = tenant
        && Uuid::try_parse(t).ok() != Some(principal.workspace_id)
    {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "The credential does not belong to this workspace",
            Some(json!({"x-tenant-id": t})),
        )));
    }
    if let Some(o) = org
        && Uuid::try_parse(o).ok() != Some(principal.organization_id)
    {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "The credential does not belong to this organization",
            Some(json!({"x-organization-id": o})),
        )));
    }
    Ok((credential, principal))
}

fn rate_limited(shared: &Shared, credential: &str, limit: Option<u32>) -> Option<Response> {
    let limit = limit?;
    let mut windows = shared.windows.lock().unwrap();
    let now = Instant::now();
    let w = windows.entry(credential.to_owned()).or_insert(Window {
        start: now,
        count: 0,
    });
    if now.duration_since(w.start) >= Duration::from_secs(60) {
        *w = Window {
            start: now,
            count: 0,
        };
    }
    w.count += 1;
    if w.count <= limit {
        return None;
    }
    let wait = Duration::from_secs(60).saturating_sub(now.duration_since(w.start));
    Some(too_many(wait.as_secs().max(1)))
}

fn too_many(retry_after: u64) -> Response {
    let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded", None);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

/// Answers a request; a successful write is stored (when the workspace is kept in a
/// directory) before its answer is returned, or answered 500 when it cannot be.
fn process(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
    fault: Fault,
    op: &Op,
    record: &mut RecordedRequest,
) -> Response {
    let response = answer(shared, headers, query, body, fault, op, record);
    if op.writes()
        && response.status().as_u16() < 400
        && let Err(e) = persist(shared)
    {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The stand-in could not store the write in its data directory (it is in memory only: a restart loses it)",
            Some(json!({"reason": e})),
        );
    }
    response
}

/// Stores what changed, in one transaction, when the workspace is kept in a directory.
fn persist(shared: &Shared) -> Result<(), String> {
    if !shared.kept {
        return Ok(());
    }
    // The store is locked before the runs, as everywhere.
    let store = shared.store.lock().unwrap();
    let runs = shared.runs.lock().unwrap();
    match shared.db.lock().unwrap().as_mut() {
        Some(db) => db.save(&store, &runs),
        None => Err("the stand-in was stopped".into()),
    }
}

fn answer(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
    fault: Fault,
    op: &Op,
    record: &mut RecordedRequest,
) -> Response {
    if matches!(op, Op::NotServed) {
        // FastAPI's answer to a route it does not have.
        return json_response(StatusCode::NOT_FOUND, &json!({"detail": "Not Found"}));
    }
    // The spec declares no security for `GET /info`: it answers without credentials; an
    // attachment's URL is presigned (its key is the credential), as an object store's is.
    let principal = if matches!(op, Op::Info | Op::Attachment(_)) {
        None
    } else {
        let (credential, principal) = {
            let store = shared.store.lock().unwrap();
            match authenticate(&store, headers) {
                Ok(c) => c,
                Err(r) => return *r,
            }
        };
        let limit = shared.faults.lock().unwrap().rate_limit_per_minute;
        if let Some(r) = rate_limited(shared, &credential, limit) {
            return r;
        }
        Some(principal)
    };
    if let Some(status) = fired_rule(shared, op) {
        let status = StatusCode::from_u16(status).expect("validated: 4xx or 5xx");
        let reason = format!(
            "{} (injected: a fault rule)",
            status.canonical_reason().unwrap_or("error")
        );
        return error(status, &reason, None);
    }
    match fault {
        Fault::TooManyRequests => {
            let secs = shared.faults.lock().unwrap().retry_after_secs;
            return too_many(secs);
        }
        Fault::Status(s) => {
            let status = StatusCode::from_u16(s).expect("valid status");
            return error(status, status.canonical_reason().unwrap_or("error"), None);
        }
        Fault::HtmlPage => {
            let mut r = Response::new(Body::from(
                "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
            ));
            *r.status_mut() = StatusCode::BAD_GATEWAY;
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            return r;
        }
        _ => {}
    }
    let bytes = match (op, principal) {
        (Op::Attachment(key), _) => return attachment_file(shared, key),
        (Op::Unknown, _) => {
            return json_response(StatusCode::NOT_FOUND, &json!({"detail": "Not Found"}));
        }
        (Op::MethodNotAllowed, _) => {
            return json_response(
                StatusCode::METHOD_NOT_ALLOWED,
                &json!({"detail": "Method Not Allowed"}),
            );
        }
        (Op::Write(w), Some(principal)) => {
            let ((status, value), ignored) = {
                let feedback_delete_404 = shared.faults.lock().unwrap().lies.feedback_delete_404;
                let mut store = shared.store.lock().unwrap();
                let mut runs = shared.runs.lock().unwrap();
                runs.settle();
                let now_us = shared.now_us();
                let cx = crate::cx::Cx {
                    store: &mut store,
                    runs: &mut runs,
                    workspace: principal.workspace_id,
                    now: now_us.div_euclid(crate::time::MICROS),
                    now_us,
                    feedback_delete_404,
                };
                let content_type = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                // The multipart ingestion's body may come compressed (the spec says so).
                let body = if matches!(w, crate::write::Write::MultipartRuns) {
                    decoded(headers, body)
                } else {
                    Ok(std::borrow::Cow::Borrowed(body))
                };
                match body {
                    Ok(body) => crate::write::answer(cx, w, query, content_type, &body),
                    Err(e) => (e, Vec::new()),
                }
            };
            record.ignored_params = ignored;
            // What filters match may have changed: paging checkpoints are stale.
            shared.checkpoints.lock().unwrap().clear();
            if status >= 300 {
                return json_response(StatusCode::from_u16(status).expect("a status"), &value);
            }
            let mut r = deliver(serde_json::to_vec(&value).expect("json"), fault);
            *r.status_mut() = StatusCode::from_u16(status).expect("a status");
            return r;
        }
        (Op::HardDelete, Some(principal)) => hard_delete(shared, principal, body, record),
        (Op::RunsQuery | Op::RunsQueryV2 | Op::RunsDelete, Some(principal)) => {
            let (status, value) = runs_answer(shared, principal, op, body, record);
            if status != 200 {
                return json_response(StatusCode::from_u16(status).expect("a status"), &value);
            }
            Ok(serde_json::to_vec(&value).expect("json"))
        }
        _ if shared.faults.lock().unwrap().lies.html_200 => return html_200(),
        (read_op, principal) => {
            read_answer(shared, principal.map(|p| p.workspace_id), read_op, query)
        }
    };
    match bytes {
        Ok(bytes) => deliver(bytes, fault),
        Err(response) => *response,
    }
}

/// A request body as sent, or decompressed from `Content-Encoding: zstd` (the SDKs'
/// compressed run ingestion); another encoding is a 400 in `runs.ErrorResponse`'s shape
/// naming it.
fn decoded<'a>(
    headers: &HeaderMap,
    body: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, (u16, Value)> {
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("identity");
    let refuse = |what: String| {
        (
            400,
            json!({"error": "invalid request body", "details": what}),
        )
    };
    match encoding.to_ascii_lowercase().as_str() {
        "" | "identity" => Ok(std::borrow::Cow::Borrowed(body)),
        "zstd" => {
            use std::io::Read;
            let mut out = Vec::new();
            ruzstd::decoding::StreamingDecoder::new(body)
                .map_err(|e| refuse(format!("zstd: {e}")))?
                .read_to_end(&mut out)
                .map_err(|e| refuse(format!("zstd: {e}")))?;
            Ok(std::borrow::Cow::Owned(out))
        }
        other => Err(refuse(format!(
            "Content-Encoding {other:?} is not supported by the stand-in (zstd is)"
        ))),
    }
}

/// An attachment file: its bytes with the MIME type it was uploaded with, or 404 once
/// unknown or gone (the attachment delay after its example's hard delete).
fn attachment_file(shared: &Shared, key: &str) -> Response {
    let store = shared.store.lock().unwrap();
    let Some(file) = Uuid::try_parse(key).ok().and_then(|k| store.file(&k)) else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"detail": "Attachment not found"}),
        );
    };
    let mut r = Response::new(Body::from(Bytes::copy_from_slice(&file.data)));
    if let Ok(v) = HeaderValue::from_str(&file.mime_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// The status of the first fault rule that fires on this request, counting it for every
/// rule of its operation.
fn fired_rule(shared: &Shared, op: &Op) -> Option<u16> {
    let operation = op.rule_operation()?;
    let faults = shared.faults.lock().unwrap();
    if faults.rules.is_empty() {
        return None;
    }
    let mut counts = shared.rule_counts.lock().unwrap();
    counts.resize(faults.rules.len(), 0);
    let mut fired = None;
    for (rule, n) in faults.rules.iter().zip(counts.iter_mut()) {
        if rule.operation != operation {
            continue;
        }
        *n += 1;
        if fired.is_none() && rule.condition.holds(*n) {
            let Effect::Status(s) = rule.effect;
            fired = Some(s);
        }
    }
    fired
}

/// The lie `html_200`: a 200 carrying an HTML page, as a misrouted proxy or a login
/// portal in front of the API would answer.
fn html_200() -> Response {
    let mut r = Response::new(Body::from(
        "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sign in</h1></body></html>",
    ));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}

/// Answers a read operation: the JSON body of a 200, or the error response.
/// `workspace` is the caller's (none for `/info`, which is unauthenticated).
fn read_answer(
    shared: &Shared,
    workspace: Option<Uuid>,
    op: &Op,
    query: Option<&str>,
) -> Result<Vec<u8>, Box<Response>> {
    let path = op.read_path().expect("a read");
    let reply = |(status, body): crate::answer::Answer| {
        Box::new(json_response(
            StatusCode::from_u16(status).expect("a status"),
            &body,
        ))
    };
    let spec_op = spec::read_operation(path);
    let mut q = read::read_query(spec_op, query).map_err(reply)?;
    params::refuse_unapplied(spec_op, &q).map_err(reply)?;
    let Some(workspace) = workspace else {
        return Ok(serde_json::to_vec(&side::info(shared.examples_multipart)).expect("json"));
    };
    let store = shared.store.lock().unwrap();
    let value = match op {
        Op::ListExamples | Op::CountExamples => {
            let count = matches!(op, Op::CountExamples);
            let lies = shared.faults.lock().unwrap().lies.clone();
            // The lie `ignore_params`: validated as usual, then not applied.
            for name in &lies.ignore_params {
                q.remove(name);
            }
            let mut eq = read::ExampleQuery::parse(&store, workspace, &q, !count).map_err(reply)?;
            eq.lie(&store, workspace, &lies);
            let mut checkpoints = shared.checkpoints.lock().unwrap();
            read::examples(&store, &mut checkpoints, workspace, &eq, count)
        }
        Op::ReadExample(raw) => {
            let id = read::read_path_parameter(spec_op, "example_id", raw).map_err(reply)?;
            let id = Uuid::try_parse(id.as_str().unwrap_or_default()).map_err(|e| {
                reply((422, json!({"detail": [{"loc": ["path", "example_id"], "msg": e.to_string(), "type": "uuid_parsing"}]})))
            })?;
            let as_of = read::as_of(q.get("as_of")).map_err(reply)?;
            let dataset =
                read::dataset_index(&store, workspace, q.get("dataset")).map_err(reply)?;
            let (status, body) = read::example(&store, workspace, id, as_of, dataset);
            if status != 200 {
                return Err(reply((status, body)));
            }
            body
        }
        Op::ListDatasets => {
            let stats = session_stats(shared, &store);
            read::datasets(&store, workspace, &q, &stats).map_err(reply)?
        }
        Op::ReadDataset(raw) => {
            let id = read::read_path_parameter(spec_op, "dataset_id", raw).map_err(reply)?;
            let id = Uuid::try_parse(id.as_str().unwrap_or_default()).map_err(|e| {
                reply((422, json!({"detail": [{"loc": ["path", "dataset_id"], "msg": e.to_string(), "type": "uuid_parsing"}]})))
            })?;
            let stats = session_stats(shared, &store);
            let (status, body) = read::dataset(&store, workspace, id, &stats);
            if status != 200 {
                return Err(reply((status, body)));
            }
            body
        }
        Op::Sessions => {
            // The store is locked before the runs, as everywhere.
            let runs = shared.runs.lock().unwrap();
            let listed = side::listed(workspace, &runs);
            let (status, body) =
                side::sessions(listed, &q, &|id| crate::runs::session_stats(&runs, id));
            drop(runs);
            if status != 200 {
                return Err(reply((status, body)));
            }
            body
        }
        Op::HardDelete
        | Op::Info
        | Op::RunsQuery
        | Op::RunsQueryV2
        | Op::RunsDelete
        | Op::NotServed
        | Op::Write(_)
        | Op::Attachment(_)
        | Op::Unknown
        | Op::MethodNotAllowed => {
            unreachable!("answered above")
        }
    };
    Ok(serde_json::to_vec(&value).expect("json"))
}

/// Per dataset of the store: its experiment sessions' count and last start (the store is
/// locked before the runs, as everywhere).
fn session_stats(shared: &Shared, store: &Store) -> read::SessionStats {
    let mut stats = vec![(0u64, None::<i64>); store.datasets.len()];
    let runs = shared.runs.lock().unwrap();
    for s in &runs.sessions {
        if let Some(i) = s
            .reference_dataset_id
            .and_then(|d| store.datasets.iter().position(|x| x.id == d))
        {
            stats[i].0 += 1;
            stats[i].1 = stats[i].1.max(Some(s.start_time));
        }
    }
    stats
}

/// The runs operations: `(status, body)`; the delete's trace ids are recorded as its ids.
fn runs_answer(
    shared: &Shared,
    principal: Principal,
    op: &Op,
    body: &[u8],
    record: &mut RecordedRequest,
) -> (u16, Value) {
    let workspace = principal.workspace_id;
    // The caller's datasets, read before the runs are locked (one lock at a time).
    let datasets: Vec<Uuid> = if matches!(op, Op::RunsQueryV2) {
        let store = shared.store.lock().unwrap();
        store
            .datasets
            .iter()
            .filter(|d| store.dataset_workspace(d) == workspace)
            .map(|d| d.id)
            .collect()
    } else {
        Vec::new()
    };
    // The attachments of the caller's runs (`s3_urls`), read the same way.
    let attachments: HashMap<Uuid, Value> = if matches!(op, Op::RunsQuery) {
        let store = shared.store.lock().unwrap();
        store
            .run_attachments
            .keys()
            .map(|id| (*id, store.run_attachment_urls(id)))
            .filter(|(_, v)| !v.is_null())
            .collect()
    } else {
        HashMap::new()
    };
    let (lies, v2_500) = {
        let faults = shared.faults.lock().unwrap();
        (faults.lies.clone(), faults.runs_v2_500)
    };
    let mut runs = shared.runs.lock().unwrap();
    match op {
        Op::RunsQuery => {
            let (answer, ignored) = crate::runs::query(
                &mut runs,
                workspace,
                body,
                &attachments,
                lies.runs_ignore_reference_example,
                lies.runs_endless_cursor,
            );
            record.ignored_params = ignored;
            answer
        }
        Op::RunsQueryV2 => {
            if v2_500 {
                return crate::runs_v2::problem(
                    500,
                    "Internal Server Error (injected: runs_v2_500)",
                );
            }
            let cx = crate::runs_v2::Context {
                workspace,
                now: crate::time::unix_now(),
                ignore_reference_examples: lies.runs_v2_ignore_reference_examples,
                endless: lies.runs_endless_cursor,
                ignore_filter: lies.runs_v2_search_ignores_filter,
            };
            let (answer, ignored) = crate::runs_v2::query(&mut runs, &datasets, body, cx);
            record.ignored_params = ignored;
            answer
        }
        _ => {
            runs.delete_requests += 1;
            let failing = shared.faults.lock().unwrap().runs_delete_500_first;
            if runs.delete_requests <= failing {
                return (
                    500,
                    serde_json::json!({"detail": "Internal Server Error (injected: runs_delete_500_first)"}),
                );
            }
            let (status, value, ids) = crate::runs::delete(&mut runs, principal.workspace_id, body);
            record.id_count = ids.len();
            if shared.record_requests {
                record.ids = ids;
            }
            (status, value)
        }
    }
}

/// The hard-delete operation: the 200 body, or the error response.
fn hard_delete(
    shared: &Shared,
    principal: Principal,
    body: &[u8],
    record: &mut RecordedRequest,
) -> Result<Vec<u8>, Box<Response>> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "Invalid request: malformed JSON",
                Some(json!({"line": e.line(), "column": e.column(), "reason": e.to_string()})),
            )));
        }
    };
    if let Some(ids) = value.get("example_ids").and_then(Value::as_array) {
        record.id_count = ids.len();
        if shared.record_requests {
            record.ids = ids
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
        }
    }
    let violations = spec::validate(&spec::hard_delete().request_schema, &value);
    if !violations.is_empty() {
        let list: Vec<Value> = violations
            .iter()
            .map(|v| json!({"pointer": v.pointer, "message": v.message}))
            .collect();
        return Err(Box::new(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request: the body does not match the schema",
            Some(json!({"violations": list})),
        )));
    }
    if value["hard_delete"] != Value::Bool(true) {
        return Err(Box::new(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request: only hard_delete=true is supported",
            Some(json!({"field": "hard_delete", "reason": "must be true"})),
        )));
    }
    let raw_ids = value["example_ids"].as_array().expect("validated");
    let mut ids = Vec::with_capacity(raw_ids.len());
    let mut bad = Vec::new();
    for (i, raw) in raw_ids.iter().enumerate() {
        match raw.as_str().and_then(|s| Uuid::try_parse(s).ok()) {
            Some(id) => ids.push(id),
            None => bad.push(json!({"index": i, "value": raw})),
        }
    }
    if !bad.is_empty() {
        bad.truncate(20);
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "Invalid request: example_ids must be UUIDs",
            Some(json!({"invalid": bad})),
        )));
    }
    let mut seen = HashSet::with_capacity(ids.len());
    ids.retain(|id| seen.insert(*id));

    let deleted = {
        let mut store = shared.store.lock().unwrap();
        let mut foreign = Vec::new();
        let mut missing = Vec::new();
        for id in &ids {
            match store.lookup(id) {
                Lookup::In(ws) if ws != principal.workspace_id => foreign.push(id.to_string()),
                Lookup::In(_) => {}
                Lookup::Missing => missing.push(id.to_string()),
            }
        }
        if !foreign.is_empty() {
            let n = foreign.len();
            foreign.truncate(20);
            return Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "Some examples belong to another workspace",
                Some(json!({"example_ids": foreign, "count": n})),
            )));
        }
        if !missing.is_empty() && shared.unknown == UnknownIds::NotFound {
            let n = missing.len();
            missing.truncate(20);
            return Err(Box::new(error(
                StatusCode::NOT_FOUND,
                "Examples not found",
                Some(json!({"missing": missing, "count": n})),
            )));
        }
        if !missing.is_empty() && shared.unknown == UnknownIds::NotFoundBare {
            return Err(Box::new(error(
                StatusCode::NOT_FOUND,
                "Examples not found",
                None,
            )));
        }
        let now = shared.now_us();
        ids.into_iter()
            .filter(|id| {
                let deleted = store.hard_delete(id);
                if deleted
                    && shared.hide_hard_deleted
                    && let Some(i) = store.index(id)
                {
                    // Listed no more from now on; read as of before, it is there, nulled.
                    store.soft_deleted.entry(i).or_insert(now);
                }
                deleted
            })
            .collect::<Vec<_>>()
    };
    let bytes = match shared.echo {
        Echo::Honest => success_body(&deleted, deleted.len()),
        Echo::OmitLast => success_body(&deleted[..deleted.len().saturating_sub(1)], deleted.len()),
        Echo::Empty => b"{}".to_vec(),
        Echo::Foreign => {
            let mut named = deleted.clone();
            named.push(Uuid::from_u128(0xf0e1_d2c3_b4a5_4697_8877_6655_4433_2211));
            success_body(&named, deleted.len())
        }
    };
    // Content filters may match differently now: paging checkpoints are stale.
    shared.checkpoints.lock().unwrap().clear();
    Ok(bytes)
}

/// A 200 with `bytes`, as the drawn fault mangles it.
fn deliver(bytes: Vec<u8>, fault: Fault) -> Response {
    match fault {
        Fault::CloseMidResponse => {
            let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
            // Headers and half the body go out; then the connection is cut.
            let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(half)]).chain(
                futures_util::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "injected: closed mid-response",
                    ))
                }),
            );
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Fault::Truncated => {
            let mut r = Response::new(Body::from(bytes[..bytes.len() / 2].to_vec()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Fault::NonJson => {
            let mut r = Response::new(Body::from("OK"));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            r
        }
        _ => {
            let mut r = Response::new(Body::from(bytes));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
    }
}

/// `{"count": n, "example_ids": [...]}`, written directly (the hot path of benchmarks).
fn success_body(deleted: &[Uuid], count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + deleted.len() * 39);
    out.extend_from_slice(format!("{{\"count\":{count},\"example_ids\":[").as_bytes());
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    for (i, id) in deleted.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(id.hyphenated().encode_lower(&mut buf).as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"]}");
    out
}
