//! Runs and attachments of the stand-in (issue 23), in raw HTTP against the spec's shapes.

use langsmith_mock::{Faults, Lies, MockServer, spec};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

async fn post(server: &MockServer, path: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .header("x-api-key", server.api_key())
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The spec's schema of a response, `$ref`s inlined.
fn response_schema(path: &str, status: &str) -> Value {
    let doc = spec::document();
    spec::inline(
        doc,
        &doc["paths"][path]["post"]["responses"][status]["content"]["application/json"]["schema"],
    )
}

async fn server(sessions: usize, lies: Lies, delay: Duration) -> MockServer {
    MockServer::builder()
        .examples(5)
        .experiment_sessions(sessions)
        .attachments_every(2)
        .run_delete_delay(delay)
        .faults(Faults {
            lies,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn runs_query_filters_by_reference_example_and_pages_with_cursors_per_the_spec() {
    let s = server(2, Lies::default(), Duration::ZERO).await;
    let example = s.seeded_ids()[0];
    let example_inputs = s
        .example(&example)
        .unwrap()
        .versions
        .last()
        .unwrap()
        .inputs
        .clone();
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let (status, body) = post(
            &s,
            "/api/v1/runs/query",
            &json!({"reference_example": [example], "limit": 1, "cursor": cursor,
                    "select": ["id", "trace_id", "session_id", "reference_example_id", "inputs"]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let v = spec::validate(&response_schema("/api/v1/runs/query", "200"), &body);
        assert!(v.is_empty(), "{v:?}");
        seen.extend(body["runs"].as_array().unwrap().iter().cloned());
        cursor = body["cursors"]["next"].clone();
        if cursor.is_null() {
            break;
        }
    }
    // One root run per session references it, with its inputs copied.
    assert_eq!(seen.len(), 2, "{seen:?}");
    let sessions: HashSet<&str> = seen
        .iter()
        .map(|r| r["session_id"].as_str().unwrap())
        .collect();
    assert_eq!(sessions.len(), 2);
    for r in &seen {
        assert_eq!(r["reference_example_id"], example.to_string());
        assert_eq!(
            Some(std::sync::Arc::new(r["inputs"].clone())),
            example_inputs
        );
    }
    // Its trace holds a child run too.
    let trace = seen[0]["trace_id"].clone();
    let (_, body) = post(&s, "/api/v1/runs/query", &json!({"trace": trace})).await;
    assert_eq!(body["runs"].as_array().unwrap().len(), 2);
    let (_, body) = post(
        &s,
        "/api/v1/runs/query",
        &json!({"trace": trace, "is_root": false}),
    )
    .await;
    assert_eq!(body["runs"].as_array().unwrap().len(), 1);
    // Out of the spec's range: 422.
    for limit in [0, 101] {
        let (status, _) = post(&s, "/api/v1/runs/query", &json!({"limit": limit})).await;
        assert_eq!(status, 422, "limit {limit}");
    }
}

#[tokio::test]
async fn a_lying_runs_query_ignores_reference_example() {
    let lies = Lies {
        runs_ignore_reference_example: true,
        ..Lies::default()
    };
    let s = server(1, lies, Duration::ZERO).await;
    let example = s.seeded_ids()[0];
    let (status, body) = post(
        &s,
        "/api/v1/runs/query",
        &json!({"reference_example": [example]}),
    )
    .await;
    assert_eq!(status, 200);
    // Every run of the workspace: 5 example traces and 1 unrelated, 2 runs each.
    assert_eq!(body["runs"].as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn runs_delete_answers_202_queued_and_deletes_after_the_delay() {
    let s = server(1, Lies::default(), Duration::from_millis(400)).await;
    let example = s.seeded_ids()[0];
    let root = s
        .runs()
        .into_iter()
        .find(|r| r.reference_example_id == Some(example))
        .unwrap();
    let before = s.runs().len();
    let (status, body) = post(
        &s,
        "/api/v1/runs/delete",
        &json!({"session_id": root.session_id, "trace_ids": [root.trace_id]}),
    )
    .await;
    // What the service answers (langchain-ai/langsmith-sdk issue 2077), not the spec's 200.
    assert_eq!(status, 202);
    assert_eq!(body, json!({"message": "Run deletes queued"}));
    assert_eq!(s.runs().len(), before, "queued, not yet done");
    assert!(s.deleted_traces().is_empty());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.runs().len(), before - 2, "the root and its child");
    assert_eq!(s.deleted_traces(), [(root.session_id, root.trace_id)]);
    let recorded = s.requests().into_iter().last().unwrap();
    assert_eq!(recorded.path, "/api/v1/runs/delete");
    assert_eq!(recorded.ids, [root.trace_id.to_string()]);
    // More than 1,000 trace ids, or a malformed body: 422, nothing queued.
    let many: Vec<String> = (0..1001u128)
        .map(|i| Uuid::from_u128(i).to_string())
        .collect();
    let (status, _) = post(
        &s,
        "/api/v1/runs/delete",
        &json!({"session_id": root.session_id, "trace_ids": many}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = post(&s, "/api/v1/runs/delete", &json!({"trace_ids": "x"})).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn attachments_are_listed_until_the_attachment_delay_after_the_hard_delete() {
    // Read by id after the hard delete at the latest version: kept listed, nulled.
    let s = MockServer::builder()
        .hard_deleted_unlisted(false)
        .examples(8)
        .attachments_every(2)
        .attachment_delay(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let with = s.ids_with_attachments();
    assert!(!with.is_empty() && with.len() < 8, "{with:?}");
    let id = with[0];
    let read = || async {
        let r = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/examples/{id}?select=attachment_urls&select=inputs",
                s.url()
            ))
            .header("x-api-key", s.api_key())
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()
    };
    assert!(read().await["attachment_urls"].is_object());
    let (status, _) = post(
        &s,
        "/v1/platform/datasets/examples/delete",
        &json!({"example_ids": [id], "hard_delete": true}),
    )
    .await;
    assert_eq!(status, 200);
    let after = read().await;
    assert!(after["inputs"].is_null());
    assert!(
        after["attachment_urls"].is_object(),
        "still within the delay"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(read().await["attachment_urls"].is_null());
}
