//! The stand-in's own tests: every status, semantics, tenant isolation, each fault mode.
//! Requests are raw `reqwest` calls, independent of the facade.

use langsmith_mock::{Fault, Faults, MockServer, UnknownIds, spec};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

const PATH: &str = "/v1/platform/datasets/examples/delete";

async fn post(
    server: &MockServer,
    path: &str,
    key: Option<&str>,
    body: Value,
) -> (u16, reqwest::header::HeaderMap, String) {
    post_raw(server, path, key, serde_json::to_vec(&body).unwrap()).await
}

async fn post_raw(
    server: &MockServer,
    path: &str,
    key: Option<&str>,
    body: Vec<u8>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .header("content-type", "application/json")
        .body(body);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap_or_default())
}

fn body(ids: &[Uuid]) -> Value {
    json!({"example_ids": ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(), "hard_delete": true})
}

/// Every response body must match the spec's schema for its status.
fn assert_conforms(status: u16, text: &str) {
    let op = spec::hard_delete();
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    let schema = if status == 200 {
        &op.success_schema
    } else {
        &op.error_schema
    };
    let v = spec::validate(schema, &value);
    assert!(v.is_empty(), "{status} {text}: {v:?}");
}

#[tokio::test]
async fn hard_delete_nulls_every_version_and_keeps_identity() {
    let server = MockServer::builder()
        .versions_per_example(16)
        .examples(5)
        .start()
        .await
        .unwrap();
    let ids = server.seeded_ids();
    let before = server.example(&ids[0]).unwrap();
    assert!(
        before
            .versions
            .iter()
            .all(|v| v.inputs.is_some() && !v.attachments.is_empty())
    );
    let (status, _, text) = post(&server, PATH, Some(server.api_key()), body(&ids[..2])).await;
    assert_eq!(status, 200, "{text}");
    assert_conforms(status, &text);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["count"], 2);
    assert_eq!(
        v["example_ids"],
        json!([ids[0].to_string(), ids[1].to_string()])
    );
    let after = server.example(&ids[0]).unwrap();
    assert!(after.is_hard_deleted());
    // Every one of the 16 versions, each read back on its own.
    assert_eq!(after.versions.len(), 16);
    assert!(
        after
            .versions
            .iter()
            .all(|v| v.inputs.is_none() && v.outputs.is_none() && v.metadata.is_none())
    );
    assert_eq!(
        (after.id, after.dataset_id, after.created_at),
        (before.id, before.dataset_id, before.created_at)
    );
    assert_eq!(server.attachment_queue_len(), 2 * 16);
    // Others untouched.
    assert!(!server.example(&ids[2]).unwrap().is_hard_deleted());
    assert!(
        server
            .touched_outside(&ids[..2].iter().copied().collect())
            .is_empty()
    );
    // Idempotent: again is a 200 with the same count, counted twice.
    let (status, _, _) = post(&server, PATH, Some(server.api_key()), body(&ids[..2])).await;
    assert_eq!(status, 200);
    assert_eq!(server.hard_delete_count(&ids[0]), 2);
}

#[tokio::test]
async fn routes_trailing_slash_and_api_prefix() {
    let server = MockServer::builder().examples(3).start().await.unwrap();
    let ids = server.seeded_ids();
    for (i, path) in [
        format!("{PATH}/"),
        format!("/api{PATH}"),
        format!("/api{PATH}/"),
    ]
    .iter()
    .enumerate()
    {
        let (status, _, text) =
            post(&server, path, Some(server.api_key()), body(&ids[i..=i])).await;
        assert_eq!(status, 200, "{path}: {text}");
    }
    let (status, _, _) = post(&server, "/v1/elsewhere", Some(server.api_key()), body(&ids)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn statuses_for_bad_requests() {
    let server = MockServer::builder().examples(2).start().await.unwrap();
    let key = server.api_key().to_owned();
    let ids = server.seeded_ids();
    let max = spec::hard_delete().request_schema["properties"]["example_ids"]["maxItems"]
        .as_u64()
        .unwrap() as usize;

    let cases: Vec<(Value, u16)> = vec![
        (json!({"example_ids": [], "hard_delete": true}), 422),
        (
            json!({"example_ids": vec![ids[0].to_string(); max + 1], "hard_delete": true}),
            422,
        ),
        (json!({"example_ids": [ids[0].to_string()]}), 422),
        (
            json!({"example_ids": [ids[0].to_string()], "hard_delete": false}),
            422,
        ),
        (json!({"example_ids": [1, 2], "hard_delete": true}), 422),
        (json!({"example_ids": "x", "hard_delete": true}), 422),
        (
            json!({"example_ids": ["not-a-uuid"], "hard_delete": true}),
            400,
        ),
    ];
    for (b, expected) in cases {
        let (status, _, text) = post(&server, PATH, Some(&key), b.clone()).await;
        assert_eq!(status, expected, "{b}: {text}");
        assert_conforms(status, &text);
        let v: Value = serde_json::from_str(&text).unwrap();
        // details is a JSON string, as the spec says.
        if let Some(d) = v.get("details") {
            serde_json::from_str::<Value>(d.as_str().unwrap()).unwrap();
        }
    }
    let (status, _, text) = post_raw(&server, PATH, Some(&key), b"{not json".to_vec()).await;
    assert_eq!(status, 400);
    assert_conforms(status, &text);
    assert!(ids.iter().all(|id| server.hard_delete_count(id) == 0));
}

#[tokio::test]
async fn auth_and_tenant_isolation() {
    let ws_a = Uuid::from_u128(0xa);
    let ws_b = Uuid::from_u128(0xb);
    let mut b = MockServer::builder();
    b.workspace(ws_b).api_key("key-b").examples(2);
    b.workspace(ws_a)
        .api_key("key-a")
        .bearer_token("tok-a")
        .examples(2);
    let server = b.start().await.unwrap();
    let a_ids = server.seeded_ids_in(ws_a);
    let b_ids = server.seeded_ids_in(ws_b);
    assert_eq!(server.workspace_id(), ws_a);

    let (status, _, text) = post(&server, PATH, None, body(&a_ids)).await;
    assert_eq!(status, 401);
    assert_conforms(status, &text);
    let (status, _, _) = post(&server, PATH, Some("wrong"), body(&a_ids)).await;
    assert_eq!(status, 401);
    // An example of another workspace: 403, nothing deleted, not even the own one.
    let (status, _, text) = post(&server, PATH, Some("key-a"), body(&[a_ids[0], b_ids[0]])).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains(&b_ids[0].to_string()));
    assert_eq!(server.hard_delete_count(&a_ids[0]), 0);
    // A tenant header naming another workspace: 403.
    let resp = reqwest::Client::new()
        .post(format!("{}{PATH}", server.url()))
        .header("x-api-key", "key-a")
        .header("x-tenant-id", ws_b.to_string())
        .json(&body(&a_ids))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    // Bearer: needs a tenant or organization header.
    let bearer = |tenant: Option<Uuid>| {
        let mut r = reqwest::Client::new()
            .post(format!("{}{PATH}", server.url()))
            .bearer_auth("tok-a")
            .json(&body(&a_ids));
        if let Some(t) = tenant {
            r = r.header("x-tenant-id", t.to_string());
        }
        r.send()
    };
    assert_eq!(bearer(None).await.unwrap().status(), 403);
    assert_eq!(bearer(Some(ws_a)).await.unwrap().status(), 200);
    assert_eq!(server.hard_delete_count(&a_ids[0]), 1);
    assert_eq!(server.hard_delete_count(&b_ids[0]), 0);
}

#[tokio::test]
async fn unknown_ids_per_policy() {
    let unknown = Uuid::from_u128(42);
    let server = MockServer::builder().examples(1).start().await.unwrap();
    let known = server.seeded_ids()[0];
    let (status, _, text) = post(
        &server,
        PATH,
        Some(server.api_key()),
        body(&[known, unknown]),
    )
    .await;
    assert_eq!(status, 404);
    assert_conforms(status, &text);
    assert!(text.contains(&unknown.to_string()));
    assert_eq!(server.hard_delete_count(&known), 0);

    let server = MockServer::builder()
        .unknown_ids(UnknownIds::Ignore)
        .examples(1)
        .start()
        .await
        .unwrap();
    let known = server.seeded_ids()[0];
    let (status, _, text) = post(
        &server,
        PATH,
        Some(server.api_key()),
        body(&[known, unknown]),
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["count"], 1);
    assert_eq!(v["example_ids"], json!([known.to_string()]));
}

#[tokio::test]
async fn a_bare_404_names_no_ids_and_every_response_has_a_request_id() {
    let unknown = Uuid::from_u128(42);
    let server = MockServer::builder()
        .unknown_ids(UnknownIds::NotFoundBare)
        .examples(1)
        .start()
        .await
        .unwrap();
    let known = server.seeded_ids()[0];
    let (status, headers, text) = post(
        &server,
        PATH,
        Some(server.api_key()),
        body(&[known, unknown]),
    )
    .await;
    assert_eq!(status, 404);
    assert_conforms(status, &text);
    assert!(!text.contains(&unknown.to_string()), "{text}");
    assert_eq!(server.hard_delete_count(&known), 0);
    assert!(
        headers["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("mock-")
    );
}

#[tokio::test]
async fn echo_modes_play_an_untrustworthy_server() {
    use langsmith_mock::Echo;
    for (echo, named) in [
        (Echo::Honest, 3usize),
        (Echo::OmitLast, 2),
        (Echo::Empty, 0),
        (Echo::Foreign, 4),
    ] {
        let server = MockServer::builder()
            .examples(3)
            .echo(echo)
            .start()
            .await
            .unwrap();
        let ids = server.seeded_ids();
        let (status, _, text) = post(&server, PATH, Some(server.api_key()), body(&ids)).await;
        assert_eq!(status, 200, "{echo:?}");
        // Every mode stays within the documented response schema.
        assert_conforms(status, &text);
        let v: Value = serde_json::from_str(&text).unwrap();
        let echoed = v["example_ids"].as_array().map_or(0, Vec::len);
        assert_eq!(echoed, named, "{echo:?}: {text}");
        // The deletion itself happened in every mode: only the answer differs.
        assert!(
            ids.iter().all(|id| server.hard_delete_count(id) == 1),
            "{echo:?}"
        );
    }
}

#[test]
fn serve_names_a_busy_port_and_warns_off_loopback() {
    let bin = env!("CARGO_BIN_EXE_langsmith-mock");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let o = std::process::Command::new(bin)
        .args(["serve", "--port", &port])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("127.0.0.1:{port}")) && err.contains("already in use"),
        "{err}"
    );
    // Off loopback: the warning is printed before serving (the port is busy there too,
    // so the process ends right after).
    let any = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = any.local_addr().unwrap().port().to_string();
    let o = std::process::Command::new(bin)
        .args(["serve", "--host", "0.0.0.0", "--port", &port])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not loopback"), "{err}");
    let help = std::process::Command::new(bin)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let lines: Vec<&str> = help.lines().collect();
    for flag in ["--fault-500", "--fault-502", "--fault-503", "--fault-504"] {
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(flag))
            .unwrap();
        // Long help puts the text on the flag's line or the next one.
        let text = format!("{} {}", lines[at], lines.get(at + 1).unwrap_or(&""));
        assert!(text.contains("Fraction"), "{flag} has help text: {text}");
    }
}

async fn with_fault(
    f: impl FnOnce(&mut Faults),
) -> (
    MockServer,
    u16,
    reqwest::header::HeaderMap,
    Result<String, reqwest::Error>,
) {
    let mut faults = Faults::default();
    f(&mut faults);
    let server = MockServer::builder()
        .examples(3)
        .faults(faults)
        .start()
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}{PATH}", server.url()))
        .header("x-api-key", server.api_key())
        .json(&body(&server.seeded_ids()))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await;
    (server, status, headers, text)
}

#[tokio::test]
async fn each_fault_mode() {
    let (server, status, headers, _) = with_fault(|f| {
        f.rate_429 = 1.0;
        f.retry_after_secs = 7
    })
    .await;
    assert_eq!(
        (status, headers["retry-after"].to_str().unwrap()),
        (429, "7")
    );
    assert_eq!(server.hard_deleted_ids().len(), 0);

    for (s, set) in [(500u16, 0usize), (502, 1), (503, 2), (504, 3)] {
        let (server, status, _, text) = with_fault(|f| match set {
            0 => f.rate_500 = 1.0,
            1 => f.rate_502 = 1.0,
            2 => f.rate_503 = 1.0,
            _ => f.rate_504 = 1.0,
        })
        .await;
        assert_eq!(status, s);
        assert!(serde_json::from_str::<Value>(&text.unwrap()).is_ok());
        assert_eq!(server.hard_deleted_ids().len(), 0, "{s} must not delete");
    }

    let (_, status, headers, text) = with_fault(|f| f.rate_html = 1.0).await;
    assert_eq!(status, 502);
    assert_eq!(headers["content-type"], "text/html");
    assert!(text.unwrap().contains("<html>"));

    // After-delete faults: the delete happened, the response is broken.
    let (server, status, _, text) = with_fault(|f| f.rate_close = 1.0).await;
    assert_eq!(status, 200);
    assert!(text.is_err(), "the body must fail mid-read");
    assert_eq!(server.hard_deleted_ids().len(), 3);
    assert_eq!(
        server.hard_deleted_count(),
        3,
        "the count is the list's length"
    );

    let (server, status, _, text) = with_fault(|f| f.rate_truncated = 1.0).await;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&text.unwrap()).is_err());
    assert_eq!(server.hard_deleted_ids().len(), 3);

    let (_, status, _, text) = with_fault(|f| f.rate_non_json = 1.0).await;
    assert_eq!((status, text.unwrap().as_str()), (200, "OK"));

    let start = std::time::Instant::now();
    let (_, status, _, _) = with_fault(|f| f.latency = Duration::from_millis(50)).await;
    assert_eq!(status, 200);
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn per_key_rate_limit_and_seeded_repeatable_draws() {
    let server = MockServer::builder()
        .examples(1)
        .faults(Faults {
            rate_limit_per_minute: Some(3),
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let ids = server.seeded_ids();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, headers, _) = post(&server, PATH, Some(server.api_key()), body(&ids)).await;
        if status == 429 {
            assert!(
                headers["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
                    >= 1
            );
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);

    let draws = |seed| {
        let faults = Faults {
            seed,
            rate_503: 0.3,
            rate_429: 0.2,
            ..Faults::default()
        };
        async move {
            let server = MockServer::builder()
                .examples(1)
                .faults(faults)
                .start()
                .await
                .unwrap();
            let ids = server.seeded_ids();
            for _ in 0..30 {
                post(&server, PATH, Some(server.api_key()), body(&ids)).await;
            }
            server
                .requests()
                .iter()
                .map(|r| r.fault)
                .collect::<Vec<_>>()
        }
    };
    let a = draws(7).await;
    assert_eq!(a, draws(7).await);
    assert_ne!(a, draws(8).await);
    assert!(
        a.contains(&Fault::Status(503))
            && a.contains(&Fault::TooManyRequests)
            && a.contains(&Fault::None)
    );
}

#[tokio::test]
async fn inspection_records_requests() {
    let server = MockServer::builder().examples(2).start().await.unwrap();
    let ids = server.seeded_ids();
    post(&server, PATH, Some(server.api_key()), body(&ids)).await;
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].id_count, 2);
    assert_eq!(
        reqs[0].ids,
        ids.iter().map(|i| i.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(reqs[0].headers["x-api-key"], server.api_key());
    let all: HashSet<Uuid> = ids.iter().copied().collect();
    assert!(server.touched_outside(&all).is_empty());
}
