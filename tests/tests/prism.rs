//! Check 5, an independent validator: Stoplight Prism's mock of the vendored spec (pruned
//! to the client's operations), and Prism's proxy validating the stand-in server's
//! responses. The proxy runs on the *repaired* document (`Example.inputs` nullable, the
//! fixup `hard-deleted-example-inputs-are-null`): on the upstream document Prism flags
//! every hard-deleted example, which the last test shows.

use contract_tests::{operations, prism, repaired_spec, spec, write_spec};
use langsmith::{Client, Error, ExampleIds, RetryPolicy};
use langsmith_mock::MockServer;
use std::time::Duration;
use uuid::Uuid;

fn client(url: &str, key: Option<&str>) -> Client {
    let mut b = Client::builder()
        .endpoint(url)
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(30));
    if let Some(k) = key {
        b = b.api_key(k).workspace_id(Uuid::from_u128(7).to_string());
    }
    b.build().unwrap()
}

async fn raw_post(url: &str, key: &str, body: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/v1/platform/datasets/examples/delete"))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Node.js and npm (Stoplight Prism); run with --include-ignored, as .ci/run and the README's test command do"]
async fn prism_mock_accepts_what_the_facade_sends() {
    let entry = prism::require();
    let spec = write_spec("pruned.json", &spec());
    let server = prism::mock(&entry, &spec);

    // Valid calls at the bounds: no violations, and Prism's odd echo is still a success.
    for n in [ExampleIds::MIN, ExampleIds::MAX] {
        let ids = ExampleIds::from_uuids((0..n as u128).map(|i| Uuid::from_u128(i + 1))).unwrap();
        let out = client(&server.url, Some("lsv2_test"))
            .hard_delete_examples(&ids)
            .await;
        let done = out.unwrap_or_else(|e| panic!("{n} ids: {e}\n{}", server.log()));
        assert!(done.count().is_some());
        assert!(!done.echoed().is_empty());
        // Prism's static example echo names none of the ids sent: it confirms nothing.
        let c = done.confirmation(ids.as_slice());
        assert!(c.confirmed().is_empty(), "{:?}", done.echoed());
        assert_eq!(c.unconfirmed().len(), n);
        assert!(c.not_uuids() > 0);
    }
    // In bulk, every id is then `unconfirmed`, never `deleted`.
    let report = client(&server.url, Some("lsv2_test"))
        .hard_delete_all(
            (1..=5u128).map(Uuid::from_u128),
            &langsmith::BulkOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.count(langsmith::Outcome::Unconfirmed), 5);
    assert_eq!(report.count(langsmith::Outcome::Deleted), 0);
    // The facade's raw request, re-sent by hand, carries no sl-violations header.
    let resp = raw_post(
        &server.url,
        "lsv2_test",
        serde_json::json!({"example_ids": [Uuid::from_u128(1).to_string()], "hard_delete": true}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("sl-violations").is_none());

    // No credentials: Prism's 401 surfaces as the facade's 401.
    let ids = ExampleIds::from_uuids([Uuid::from_u128(1)]).unwrap();
    let err = client(&server.url, None)
        .hard_delete_examples(&ids)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");

    // 0 and max+1 ids never reach Prism: the facade cannot even build them...
    assert!(ExampleIds::from_uuids([]).is_err());
    assert!(ExampleIds::from_uuids((0..=ExampleIds::MAX as u128).map(Uuid::from_u128)).is_err());
    // ...and Prism does refuse them, so the facade's bounds are the spec's.
    for n in [0usize, ExampleIds::MAX + 1] {
        let ids: Vec<String> = (0..n as u128)
            .map(|i| Uuid::from_u128(i).to_string())
            .collect();
        let resp = raw_post(
            &server.url,
            "lsv2_test",
            serde_json::json!({"example_ids": ids, "hard_delete": true}),
        )
        .await;
        assert_eq!(resp.status(), 422, "{n} ids");
        assert!(resp.headers().get("sl-violations").is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Node.js and npm (Stoplight Prism); run with --include-ignored, as .ci/run and the README's test command do"]
async fn the_stand_in_conforms_through_prism_proxy() {
    let entry = prism::require();
    let stand_in = MockServer::builder().examples(5).start().await.unwrap();
    let spec = write_spec("pruned-repaired.json", &repaired_spec());
    let proxy = prism::proxy(&entry, &spec, &stand_in.url());
    let ids = stand_in.seeded_ids();
    let key = stand_in.api_key().to_owned();

    // Success, 400, 403 (another workspace's key is not needed: a wrong tenant), 404, 422:
    // with `--errors`, any response violating the spec would come back as an error.
    let cases = vec![
        (
            serde_json::json!({"example_ids": [ids[0].to_string()], "hard_delete": true}),
            200u16,
        ),
        (
            serde_json::json!({"example_ids": [Uuid::from_u128(5).to_string()], "hard_delete": true}),
            404,
        ),
        (
            serde_json::json!({"example_ids": ["not-a-uuid"], "hard_delete": true}),
            400,
        ),
    ];
    for (body, expected) in cases {
        let resp = raw_post(&proxy.url, &key, body.clone()).await;
        let status = resp.status().as_u16();
        let violations = resp
            .headers()
            .get("sl-violations")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        assert_eq!(status, expected, "{body}: {text}\n{}", proxy.log());
        assert_eq!(violations, None, "{body}: {text}");
    }
    let done = client(&proxy.url, Some(&key))
        .hard_delete_examples(&ExampleIds::from_uuids(ids[1..].iter().copied()).unwrap())
        .await;
    // The client's workspace header names a workspace the stand-in's key does not own.
    assert!(matches!(done, Err(Error::Forbidden(_))), "{done:?}");
    let done = Client::builder()
        .endpoint(&proxy.url)
        .api_key(key.as_str())
        .build()
        .unwrap()
        .hard_delete_examples(&ExampleIds::from_uuids(ids[1..].iter().copied()).unwrap())
        .await
        .unwrap();
    assert_eq!(done.count(), Some(4));
    assert_eq!(done.confirmation(&ids[1..]).confirmed().len(), 4);
}

async fn raw_get(url: &str, key: &str, path_and_query: &str) -> (u16, Option<String>, String) {
    let resp = reqwest::Client::new()
        .get(format!("{url}{path_and_query}"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let violations = resp
        .headers()
        .get("sl-violations")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, violations, resp.text().await.unwrap())
}

/// The `limit` maximum of `GET /api/v1/examples`, as the spec says (a page of it is the
/// largest valid read, one more the smallest invalid one).
fn examples_limit_maximum() -> u64 {
    operations(&spec())
        .into_iter()
        .find(|o| o.method == "GET" && o.path == "/api/v1/examples")
        .and_then(|o| {
            o.parameters
                .into_iter()
                .find(|(name, location, _)| name == "limit" && location == "query")
        })
        .and_then(|(_, _, schema)| schema["maximum"].as_u64())
        .expect("GET /api/v1/examples has a limit maximum")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Node.js and npm (Stoplight Prism); run with --include-ignored, as .ci/run and the README's test command do"]
async fn the_stand_ins_reads_conform_through_prism_proxy() {
    let entry = prism::require();
    let stand_in = MockServer::builder()
        .dataset("compliance")
        .marker("jane@example.com", 2)
        .examples(20)
        .start()
        .await
        .unwrap();
    let key = stand_in.api_key().to_owned();
    let ds = stand_in.dataset_id("compliance").unwrap();
    let ids = stand_in.seeded_ids();
    // One hard-deleted example, read back below.
    let client = Client::builder()
        .endpoint(stand_in.url())
        .api_key(key.as_str())
        .build()
        .unwrap();
    client
        .hard_delete_all([ids[0]], &langsmith::BulkOptions::default())
        .await
        .unwrap();

    let repaired = prism::proxy(
        &entry,
        &write_spec("pruned-repaired.json", &repaired_spec()),
        &stand_in.url(),
    );
    let page = examples_limit_maximum();
    let reads = [
        "/api/v1/datasets?name=compliance&limit=2".to_owned(),
        format!(
            "/api/v1/examples?dataset={ds}&limit={page}&offset=0&order=id&select=id&select=name&select=dataset_id&select=inputs"
        ),
        // Two values each: Prism 5 reads a lone `name=v` of an `anyOf [array, null]`
        // parameter as a string, not as the one-item array OpenAPI's form style makes it
        // (FastAPI, and the stand-in, read it as an array).
        "/api/v1/examples?full_text_contains=jane&full_text_contains=example.com&splits=train&splits=test&metadata=%7B%7D".to_owned(),
        format!("/api/v1/examples/count?dataset={ds}"),
        format!(
            "/api/v1/examples?id={}&id={}&select=outputs&select=metadata&as_of=2026-01-01T05:00:00Z",
            ids[0], ids[1]
        ),
        format!("/api/v1/examples/{}", ids[1]),
        // LangSmith lists a hard-deleted example no more (nor does the stand-in, by
        // default): read as of before the deletion, where every version is null.
        format!("/api/v1/examples/{}?as_of=2026-01-01T05:00:00Z", ids[0]),
    ];
    for read in &reads {
        let (status, violations, body) = raw_get(&repaired.url, &key, read).await;
        assert_eq!(status, 200, "{read}: {body}\n{}", repaired.log());
        assert_eq!(violations, None, "{read}: {body}");
    }
    // A validation error of the stand-in is the spec's 422 shape.
    let too_many = format!("/api/v1/examples?limit={}", page + 1);
    let (status, violations, body) = raw_get(&repaired.url, &key, &too_many).await;
    assert_eq!((status, violations.as_deref()), (422, None), "{body}");

    // The upstream document: Prism flags the hard-deleted example's null inputs (the
    // contradiction the fixup repairs), and passes the same read of a live one.
    let upstream = prism::proxy(&entry, &write_spec("pruned.json", &spec()), &stand_in.url());
    let (status, violations, body) =
        raw_get(&upstream.url, &key, &format!("/api/v1/examples/{}", ids[1])).await;
    assert_eq!((status, violations.as_deref()), (200, None), "{body}");
    let (status, _, body) = raw_get(
        &upstream.url,
        &key,
        &format!("/api/v1/examples/{}?as_of=2026-01-01T05:00:00Z", ids[0]),
    )
    .await;
    assert_ne!(
        status, 200,
        "Prism should refuse null inputs per the upstream spec: {body}"
    );
    assert!(body.contains("inputs"), "{body}\n{}", upstream.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Node.js and npm (Stoplight Prism); run with --include-ignored, as .ci/run and the README's test command do"]
async fn the_runs_queries_the_facade_sends_conform_through_prism_proxy() {
    // The facade's v2 and v1 runs queries, as the stand-in recorded them, sent again
    // through Prism's proxy (at the spec's own paths): Prism validates each body against
    // the spec, and the stand-in's answer too.
    let entry = prism::require();
    let stand_in = MockServer::builder()
        .examples(12)
        .experiment_sessions(2)
        .start()
        .await
        .unwrap();
    let key = stand_in.api_key().to_owned();
    let client = Client::builder()
        .endpoint(stand_in.url())
        .api_key(key.as_str())
        .build()
        .unwrap();
    let scope = client.example_scope(stand_in.seeded_ids()).await.unwrap();
    for api in [langsmith::RunsApi::V2, langsmith::RunsApi::V1] {
        let options = langsmith::RunsOptions {
            api: Some(api),
            ..langsmith::RunsOptions::default()
        };
        let found = client.traces_referencing(&scope, &options).await.unwrap();
        assert!(!found.traces().is_empty());
    }
    // The content read a case's scan makes (its order and selects), over every project.
    let projects = client.all_projects().await.unwrap();
    let now = std::time::SystemTime::now();
    let window = langsmith::TimeWindow {
        min_start_time: now - std::time::Duration::from_secs(365 * 86_400),
        max_start_time: now,
    };
    let scan = langsmith::RunQuery::new(projects.iter().map(|p| p.id), window)
        .check(&["a text no run holds"])
        .only_holding();
    let read = client.read_runs(&scan).await.unwrap();
    assert!(read.listed > 0 && read.runs.is_empty(), "{read:?}");
    let sent: Vec<(String, Vec<u8>)> = stand_in
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/runs/query"))
        .map(|r| (r.path, r.body.expect("bodies are recorded").to_vec()))
        .collect();
    assert!(
        sent.iter().any(|(p, _)| p == "/api/v2/runs/query"),
        "{sent:?}"
    );
    assert!(
        sent.iter().any(|(p, _)| p == "/api/v1/runs/query"),
        "{sent:?}"
    );
    let proxy = prism::proxy(
        &entry,
        &write_spec("pruned-repaired.json", &repaired_spec()),
        &stand_in.url(),
    );
    for (path, body) in sent {
        // The spec writes the v2 path without `/api` (the SDK and the facade send it
        // with); the stand-in serves both.
        let spec_path = path.strip_prefix("/api").filter(|p| p.starts_with("/v2/"));
        let resp = reqwest::Client::new()
            .post(format!("{}{}", proxy.url, spec_path.unwrap_or(&path)))
            .header("x-api-key", &key)
            // v2 names both schemes: the key and the tenant.
            .header("x-tenant-id", stand_in.workspace_id().to_string())
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let violations = resp
            .headers()
            .get("sl-violations")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        let shown = String::from_utf8_lossy(&body);
        assert_eq!(status, 200, "{path} {shown}: {text}\n{}", proxy.log());
        assert_eq!(violations, None, "{path} {shown}: {text}");
    }
}
