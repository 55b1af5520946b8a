//! What the official SDKs need of the stand-in, in raw HTTP (no SDK, no facade): both path
//! families for every read, query parameters as FastAPI treats them, the side requests
//! (`/info`, `/sessions`), every dataset filter applied, a naive `as_of` read as UTC.

use langsmith_mock::{MockServer, spec};
use serde_json::{Value, json};
use uuid::Uuid;

async fn start() -> MockServer {
    let mut b = MockServer::builder();
    b.workspace(Uuid::from_u128(0xa1))
        .api_key("k")
        .dataset("compliance")
        .examples(30)
        .dataset("archive")
        .examples(5);
    b.workspace(Uuid::from_u128(0xb2))
        .api_key("other")
        .dataset("theirs")
        .examples(3);
    b.workspace(Uuid::from_u128(0xa1));
    b.start().await.unwrap()
}

async fn get(server: &MockServer, path_and_query: &str, key: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(format!("{}{path_and_query}", server.url()));
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{path_and_query}: {status}, not JSON ({e}): {text:?}"));
    (status, body)
}

/// A 200 body validated against the spec's response schema of the operation.
async fn ok(server: &MockServer, spec_path: &'static str, path_and_query: &str) -> Value {
    let (status, body) = get(server, path_and_query, Some("k")).await;
    assert_eq!(status, 200, "{path_and_query}: {body}");
    let schema = &spec::read_operation(spec_path).success_schema;
    let v = spec::validate(schema, &body);
    assert!(v.is_empty(), "{path_and_query}: {v:?}");
    body
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_read_is_served_in_both_path_families_with_the_same_answer() {
    let server = start().await;
    let ds = server.dataset_id("compliance").unwrap();
    let ex = server.seeded_ids_in(server.workspace_id())[0];
    for (spec_path, concrete) in [
        (spec::LIST_EXAMPLES_PATH, format!("/examples?dataset={ds}")),
        (
            spec::COUNT_EXAMPLES_PATH,
            format!("/examples/count?dataset={ds}"),
        ),
        (spec::READ_EXAMPLE_PATH, format!("/examples/{ex}")),
        (spec::LIST_DATASETS_PATH, "/datasets".to_owned()),
        (spec::READ_DATASET_PATH, format!("/datasets/{ds}")),
        (spec::INFO_PATH, "/info".to_owned()),
        (spec::SESSIONS_PATH, "/sessions?limit=1".to_owned()),
    ] {
        let classic = ok(&server, spec_path, &format!("/api/v1{concrete}")).await;
        let host_root = ok(&server, spec_path, &concrete).await;
        assert_eq!(classic, host_root, "{concrete}");
    }
    // The list routes take a trailing slash in both families.
    for p in [
        "/datasets/",
        "/api/v1/datasets/",
        "/sessions/",
        "/examples/",
    ] {
        assert_eq!(get(&server, p, Some("k")).await.0, 200, "{p}");
    }
    // Outside the families: still a 404 (once authenticated: every route checks the key
    // first, issue 32; tests/writes.rs checks the 401).
    assert_eq!(get(&server, "/api/v2/examples", Some("k")).await.0, 404);
}

#[tokio::test]
async fn undeclared_query_parameters_are_ignored_and_recorded_declared_unsupported_ones_refused_by_name()
 {
    let server = start().await;
    let ds = server.dataset_id("compliance").unwrap();
    let plain = ok(
        &server,
        spec::LIST_EXAMPLES_PATH,
        &format!("/examples?dataset={ds}&limit=7"),
    )
    .await;
    // What both SDKs always send, and what the Python SDK sends on request.
    let with_extras = ok(
        &server,
        spec::LIST_EXAMPLES_PATH,
        &format!(
            "/examples?dataset={ds}&limit=7&inline_s3_urls=True&exclude_default_fields=true&inline_s3_urls=x"
        ),
    )
    .await;
    assert_eq!(plain, with_extras);
    let last = server.requests().pop().unwrap();
    assert_eq!(
        last.ignored_params,
        ["inline_s3_urls", "exclude_default_fields"]
    );
    assert!(server.requests()[0].ignored_params.is_empty());
    // A declared parameter is still validated (FastAPI's 422) ...
    let (status, body) = get(&server, "/examples?limit=101", Some("k")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["detail"][0]["loc"], json!(["query", "limit"]));
    // ... and one the stand-in does not apply is a 400 naming it, never ignored.
    for (path, name) in [
        (
            format!("/api/v1/examples?dataset={ds}&random_seed=0.5"),
            "random_seed",
        ),
        ("/sessions?filter=eq(name,%20%22x%22)".to_owned(), "filter"),
        ("/api/v1/sessions?facets=true".to_owned(), "facets"),
        (
            "/sessions?include_stats=true&use_approx_stats=true".to_owned(),
            "use_approx_stats",
        ),
        (format!("/examples?dataset={ds}&order=random"), "random"),
    ] {
        let (status, body) = get(&server, &path, Some("k")).await;
        assert_eq!(status, 400, "{path}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(name), "{path}: {detail}");
    }
}

#[tokio::test]
async fn info_says_the_multipart_example_routes_are_on_only_when_built_so() {
    for on in [false, true] {
        let server = MockServer::builder()
            .api_key("k")
            .examples_multipart(on)
            .start()
            .await
            .unwrap();
        let (status, info) = get(&server, "/info", None).await;
        assert_eq!(status, 200);
        let flags = &info["instance_flags"];
        assert_eq!(flags["dataset_examples_multipart_enabled"], on, "{info}");
        assert_eq!(flags["examples_multipart_enabled"], on, "{info}");
    }
}

#[tokio::test]
async fn info_answers_without_credentials_and_sessions_name_the_callers_tenant() {
    let server = start().await;
    let (status, info) = get(&server, "/info", None).await;
    assert_eq!(status, 200);
    assert_eq!(info["version"], langsmith_mock::INFO_VERSION);
    assert!(info["batch_ingest_config"].is_object(), "{info}");
    assert_eq!(get(&server, "/sessions", None).await.0, 401);
    assert_eq!(get(&server, "/sessions", Some("nope")).await.0, 401);
    for (key, ws) in [
        ("k", Uuid::from_u128(0xa1)),
        ("other", Uuid::from_u128(0xb2)),
    ] {
        let (status, list) = get(&server, "/sessions?limit=1", Some(key)).await;
        assert_eq!(status, 200);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["tenant_id"], ws.to_string());
        assert_eq!(list[0]["id"], langsmith_mock::session_id(ws).to_string());
        // The Python SDK's `TracerSession` requires this key (null allowed).
        assert!(list[0].get("reference_dataset_id").is_some());
    }
    let sid = langsmith_mock::session_id(server.workspace_id());
    for (q, n) in [
        (format!("id={sid}"), 1),
        (format!("id={}", Uuid::from_u128(1)), 0),
        ("name=default".to_owned(), 1),
        ("name=other".to_owned(), 0),
        ("name_contains=FAU".to_owned(), 1),
        ("reference_free=true".to_owned(), 1),
        ("reference_free=false".to_owned(), 0),
        (format!("reference_dataset={}", Uuid::from_u128(1)), 0),
        ("offset=1".to_owned(), 0),
        (
            "include_stats=False&sort_by=name&sort_by_desc=false".to_owned(),
            1,
        ),
    ] {
        let list = ok(&server, spec::SESSIONS_PATH, &format!("/sessions?{q}")).await;
        assert_eq!(list.as_array().unwrap().len(), n, "{q}");
    }
}

#[tokio::test]
async fn every_dataset_filter_is_applied() {
    let server = start().await;
    let compliance = server.dataset_id("compliance").unwrap().to_string();
    let archive = server.dataset_id("archive").unwrap().to_string();
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |q: &'static str| {
        let server = &server;
        async move {
            ok(
                server,
                spec::LIST_DATASETS_PATH,
                &format!("/api/v1/datasets?{q}"),
            )
            .await
        }
    };
    // The default order (last session start, descending) ties: creation order.
    assert_eq!(names(&list("").await), ["compliance", "archive"]);
    assert_eq!(
        names(&list("sort_by=name").await),
        ["compliance", "archive"]
    );
    assert_eq!(
        names(&list("sort_by=name&sort_by_desc=false").await),
        ["archive", "compliance"]
    );
    assert_eq!(
        names(&list("sort_by=example_count&sort_by_desc=false").await),
        ["archive", "compliance"]
    );
    assert_eq!(
        names(&list("sort_by=created_at&sort_by_desc=true").await),
        ["archive", "compliance"]
    );
    assert_eq!(names(&list("data_type=kv").await).len(), 2);
    assert_eq!(names(&list("data_type=chat&data_type=llm").await).len(), 0);
    assert_eq!(names(&list("data_type=chat&data_type=kv").await).len(), 2);
    assert_eq!(
        names(&list("metadata=%7B%22source%22%3A%22langsmith-mock%20seed%22%7D").await).len(),
        2
    );
    assert_eq!(
        names(&list("metadata=%7B%22source%22%3A%22elsewhere%22%7D").await).len(),
        0
    );
    assert_eq!(
        names(&list("tag_value_id=00000000-0000-4000-8000-000000000001").await).len(),
        0
    );
    assert_eq!(
        names(&list("exclude_corrections_datasets=true").await).len(),
        2
    );
    assert_eq!(names(&list("name=archive").await), ["archive"]);
    assert_eq!(names(&list("name_contains=CHIV").await), ["archive"]);
    assert_eq!(names(&list("limit=1&offset=1").await), ["archive"]);
    let counted = list("").await;
    assert_eq!(counted[0]["example_count"], 30);
    assert_eq!(counted[1]["example_count"], 5);
    let excluded = list("exclude=example_count").await;
    assert!(excluded[0]["example_count"].is_null(), "{excluded}");
    let by_id = ok(
        &server,
        spec::LIST_DATASETS_PATH,
        &format!("/datasets?id={archive}&id={compliance}"),
    )
    .await;
    assert_eq!(names(&by_id), ["compliance", "archive"]);
    let (status, body) = get(&server, "/datasets?metadata=nope", Some("k")).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = get(&server, "/datasets?sort_by=nope", Some("k")).await;
    assert_eq!(status, 422, "{body}");
    // Another workspace's dataset is not listed and not read.
    let theirs = get(&server, "/datasets", Some("other")).await.1;
    assert_eq!(names(&theirs), ["theirs"]);
    let (status, _) = get(&server, &format!("/datasets/{compliance}"), Some("other")).await;
    assert_eq!(status, 404);
    let (status, body) = get(&server, "/datasets/not-a-uuid", Some("k")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        ok(
            &server,
            spec::READ_DATASET_PATH,
            &format!("/datasets/{archive}")
        )
        .await["name"],
        "archive"
    );
}

#[tokio::test]
async fn a_naive_as_of_is_read_as_utc() {
    let server = start().await;
    let ds = server.dataset_id("compliance").unwrap();
    let ex = server.seeded_ids_in(server.workspace_id())[0];
    for (naive, zoned) in [
        ("2026-01-01T00:00:10", "2026-01-01T00:00:10Z"),
        ("2026-01-01T00:00:10.500000", "2026-01-01T01:00:10%2B01:00"),
        ("2026-01-01T01:00:05", "2026-01-01T01:00:05Z"),
    ] {
        let a = ok(
            &server,
            spec::LIST_EXAMPLES_PATH,
            &format!("/examples?dataset={ds}&as_of={naive}"),
        )
        .await;
        let b = ok(
            &server,
            spec::LIST_EXAMPLES_PATH,
            &format!("/examples?dataset={ds}&as_of={zoned}"),
        )
        .await;
        assert_eq!(a, b, "{naive}");
        assert!(!ids(&a).is_empty(), "{naive}");
    }
    // The documented seed: example i (in id order, over every dataset) was created i
    // seconds after 2026-01-01T00:00:00Z; at +10 s, eleven existed.
    let all = server.seeded_ids();
    let at10: Vec<String> = ids(&ok(
        &server,
        spec::LIST_EXAMPLES_PATH,
        "/examples?as_of=2026-01-01T00:00:10&order=id&descending=false",
    )
    .await);
    let expected: Vec<String> = all[..11]
        .iter()
        .filter(|id| server.seeded_ids_in(server.workspace_id()).contains(id))
        .map(Uuid::to_string)
        .collect();
    assert_eq!(at10, expected);
    let read = ok(
        &server,
        spec::READ_EXAMPLE_PATH,
        &format!("/examples/{ex}?as_of=2026-01-01T00:00:00"),
    )
    .await;
    assert_eq!(read["id"], ex.to_string());
    let (status, body) = get(&server, "/examples?as_of=v1", Some("k")).await;
    assert_eq!(status, 400, "{body}");
}

#[test]
fn serve_v_logs_each_request_with_the_parameters_it_ignored() {
    use std::io::{BufRead, BufReader};
    let bin = env!("CARGO_BIN_EXE_langsmith-mock");
    let mut child = std::process::Command::new(bin)
        .args([
            "serve",
            "--port",
            "0",
            "--seed",
            "3",
            "--api-key",
            "k",
            "-v",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{url}/examples?inline_s3_urls=true&limit=2"))
            .header("x-api-key", "k")
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    child.kill().unwrap();
    let _ = child.wait();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("GET /examples?inline_s3_urls=true&limit=2 -> 200")
            && err.contains("ignored query parameter(s) the spec does not declare: inline_s3_urls"),
        "{err}"
    );
}
