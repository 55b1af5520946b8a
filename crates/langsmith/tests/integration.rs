//! The facade against the stand-in server and against canned raw HTTP responses.

use langsmith::{BatchOutcome, BulkOptions, Client, Details, Error, ExampleIds, RetryPolicy};
use langsmith_mock::raw::{Behavior, RawServer, http_response};
use langsmith_mock::{Faults, MockServer, UnknownIds};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use uuid::Uuid;

fn fast_retries(n: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries: n,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(5),
        jitter: true,
    }
}

fn client_for(server: &MockServer) -> Client {
    client_with_retries(server, 5)
}

fn client_with_retries(server: &MockServer, retries: u32) -> Client {
    Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .workspace_id(server.workspace_id().to_string())
        .retry_policy(fast_retries(retries))
        .build()
        .unwrap()
}

#[tokio::test]
async fn deletes_and_sends_what_the_spec_requires() {
    let server = MockServer::builder().examples(3).start().await.unwrap();
    let client = client_for(&server);
    let seeded = server.seeded_ids();
    let mut input: Vec<String> = seeded
        .iter()
        .map(|u| u.to_string().to_uppercase())
        .collect();
    input.push(format!("{{{}}}", seeded[0]));
    let ids = ExampleIds::parse(&input).unwrap();
    assert_eq!(ids.duplicates_removed(), 1);
    let done = client.hard_delete_examples(&ids).await.unwrap();
    assert_eq!(done.count, Some(3));
    assert_eq!(done.attempts, 1);
    assert_eq!(
        done.example_ids,
        seeded.iter().map(|u| u.to_string()).collect::<Vec<_>>()
    );
    assert!(
        seeded
            .iter()
            .all(|id| server.example(id).unwrap().is_hard_deleted())
    );

    let req = &server.requests()[0];
    assert_eq!(req.path, "/v1/platform/datasets/examples/delete");
    assert_eq!(req.headers["x-api-key"], server.api_key());
    assert_eq!(
        req.headers["x-tenant-id"],
        server.workspace_id().to_string().as_str()
    );
    assert_eq!(req.headers["content-type"], "application/json");
    assert!(
        req.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("langsmith-rs/")
    );
    let body: serde_json::Value = serde_json::from_slice(req.body.as_ref().unwrap()).unwrap();
    assert_eq!(body["hard_delete"], true);
    assert_eq!(body["example_ids"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn endpoint_forms_reach_the_documented_path() {
    let server = MockServer::builder().examples(4).start().await.unwrap();
    let ids = server.seeded_ids();
    let forms = [
        (
            format!("{}/", server.url()),
            "/v1/platform/datasets/examples/delete",
        ),
        (
            format!("{}/api/v1", server.url()),
            "/api/v1/platform/datasets/examples/delete",
        ),
        (
            format!("{}/api/v1/", server.url()),
            "/api/v1/platform/datasets/examples/delete",
        ),
        (
            format!("\"{}/api\"", server.url()),
            "/api/v1/platform/datasets/examples/delete",
        ),
    ];
    for (i, (endpoint, path)) in forms.iter().enumerate() {
        let client = Client::builder()
            .endpoint(endpoint)
            .api_key(server.api_key())
            .build()
            .unwrap();
        client
            .hard_delete_examples(&ExampleIds::from_uuids([ids[i]]).unwrap())
            .await
            .unwrap();
        assert_eq!(&server.requests()[i].path, path, "{endpoint}");
    }
}

#[tokio::test]
async fn bearer_auth_and_a_callers_own_http_client() {
    let mut b = MockServer::builder();
    b.bearer_token("tok").examples(2);
    let server = b.start().await.unwrap();
    let ids = server.seeded_ids();
    let client = Client::builder()
        .endpoint(server.url())
        .bearer_token("tok")
        .workspace_id(server.workspace_id().to_string())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    client
        .hard_delete_examples(&ExampleIds::from_uuids([ids[0]]).unwrap())
        .await
        .unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.headers["authorization"], "Bearer tok");
    assert!(req.headers.get("x-api-key").is_none());

    let org_client = Client::builder()
        .endpoint(server.url())
        .bearer_token("tok")
        .organization_id(server.organization_id().to_string())
        .build()
        .unwrap();
    org_client
        .hard_delete_examples(&ExampleIds::from_uuids([ids[1]]).unwrap())
        .await
        .unwrap();
    assert_eq!(
        server.requests()[1].headers["x-organization-id"],
        server.organization_id().to_string().as_str()
    );
}

#[tokio::test]
async fn real_semantics_401_403_404() {
    let ws_other = Uuid::from_u128(0xb);
    let mut b = MockServer::builder();
    b.workspace(ws_other).examples(1);
    b.workspace(Uuid::from_u128(0xa))
        .api_key("key-a")
        .examples(1);
    let server = b.start().await.unwrap();
    let own = server.seeded_ids_in(Uuid::from_u128(0xa))[0];
    let foreign = server.seeded_ids_in(ws_other)[0];

    let anonymous = Client::builder().endpoint(server.url()).build().unwrap();
    let err = anonymous
        .hard_delete_examples(&ExampleIds::from_uuids([own]).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err}");

    let client = Client::builder()
        .endpoint(server.url())
        .api_key("key-a")
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    let err = client
        .hard_delete_examples(&ExampleIds::from_uuids([own, foreign]).unwrap())
        .await
        .unwrap_err();
    let Error::Forbidden(api) = &err else {
        panic!("{err}")
    };
    assert!(
        matches!(&api.details, Some(Details::Json(v)) if v.to_string().contains(&foreign.to_string()))
    );
    assert_eq!(server.request_count(), 2, "403 is not retried");

    let err = client
        .hard_delete_examples(&ExampleIds::from_uuids([Uuid::from_u128(7)]).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");
    assert_eq!(server.hard_delete_count(&own), 0);
}

#[tokio::test]
async fn transient_faults_are_retried_to_success() {
    let server = MockServer::builder()
        .examples(5)
        .faults(Faults {
            seed: 3,
            rate_503: 0.2,
            rate_429: 0.1,
            retry_after_secs: 0,
            rate_close: 0.1,
            rate_truncated: 0.1,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let client = client_with_retries(&server, 12);
    let ids = ExampleIds::from_uuids(server.seeded_ids()).unwrap();
    let mut total_attempts = 0;
    for _ in 0..10 {
        let done = client.hard_delete_examples(&ids).await.unwrap();
        total_attempts += done.attempts;
    }
    assert!(
        total_attempts > 10,
        "faults at these rates must have forced retries"
    );
    assert_eq!(server.request_count() as u32, total_attempts);
}

/// A complete HTTP/1.1 response.
fn http(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    http_response(status, &[("content-type", content_type)], body.as_bytes())
}

/// A server answering every request with `response`.
async fn canned(response: Vec<u8>) -> RawServer {
    RawServer::start(Behavior::Respond(response)).await.unwrap()
}

async fn call(url: &str) -> Result<langsmith::HardDeleted, Error> {
    let client = Client::builder()
        .endpoint(url)
        .api_key("k")
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    client
        .hard_delete_examples(&ExampleIds::from_uuids([Uuid::from_u128(1)]).unwrap())
        .await
}

#[tokio::test]
async fn every_status_maps_to_its_error() {
    let json_error = |status: &str| {
        http_response(
            status,
            &[
                ("content-type", "application/json"),
                ("x-request-id", "req-1"),
                ("retry-after", "3"),
            ],
            br#"{"error":"nope","details":"{\"field\":\"example_ids\"}"}"#,
        )
    };
    type Check = fn(&Error) -> bool;
    let cases: Vec<(&str, Check)> = vec![
        ("400 Bad Request", |e| matches!(e, Error::BadRequest(_))),
        ("401 Unauthorized", |e| matches!(e, Error::Unauthorized(_))),
        ("403 Forbidden", |e| matches!(e, Error::Forbidden(_))),
        ("404 Not Found", |e| matches!(e, Error::NotFound(_))),
        ("422 Unprocessable Entity", |e| {
            matches!(e, Error::Unprocessable(_))
        }),
        (
            "429 Too Many Requests",
            |e| matches!(e, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(3)),
        ),
        ("500 Internal Server Error", |e| {
            matches!(e, Error::Server(_))
        }),
        ("503 Service Unavailable", |e| matches!(e, Error::Server(_))),
        ("418 I'm a teapot", |e| {
            matches!(e, Error::UnexpectedStatus(_))
        }),
    ];
    for (status, check) in cases {
        let server = canned(json_error(status)).await;
        let err = call(server.url()).await.unwrap_err();
        assert!(check(&err), "{status}: {err:?}");
        assert_eq!(err.request_id(), Some("req-1"), "{status}");
        assert_eq!(err.status().unwrap().as_str(), &status[..3]);
        if let Error::BadRequest(api) = &err {
            assert_eq!(api.error.as_deref(), Some("nope"));
            assert_eq!(
                api.details,
                Some(Details::Json(serde_json::json!({"field": "example_ids"})))
            );
        }
    }
}

#[tokio::test]
async fn odd_bodies_never_panic_and_keep_the_status() {
    // Prism's example echo: not UUIDs, still a success.
    let server = canned(http(
        "200 OK",
        "application/json",
        r#"{"count":1,"example_ids":["[\"123e4567-e89b-12d3-a456-4266\"]"]}"#,
    ))
    .await;
    let done = call(server.url()).await.unwrap();
    assert_eq!(done.count, Some(1));
    assert_eq!(
        done.example_ids,
        vec!["[\"123e4567-e89b-12d3-a456-4266\"]".to_owned()]
    );

    let server = canned(http("502 Bad Gateway", "text/html", "<html>gateway</html>")).await;
    let Error::Server(api) = call(server.url()).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(api.body_snippet.as_deref(), Some("<html>gateway</html>"));

    let server = canned(http("200 OK", "application/json", r#"{"count": 3,"#)).await;
    let err = call(server.url()).await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedBody { status: Some(s), .. } if s.as_u16() == 200),
        "{err:?}"
    );
    assert!(err.is_retryable());

    let server = canned(http("400 Bad Request", "application/json", "not json!")).await;
    let err = call(server.url()).await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedBody { status: Some(s), .. } if s.as_u16() == 400),
        "{err:?}"
    );
    assert!(!err.is_retryable());

    let server = canned(http(
        "403 Forbidden",
        "application/json",
        r#"{"error":"no","details":"plain words"}"#,
    ))
    .await;
    let Error::Forbidden(api) = call(server.url()).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(api.details, Some(Details::Raw("plain words".into())));
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let server = RawServer::start(Behavior::Silent).await.unwrap();
    let started = std::time::Instant::now();
    let err = call(server.url()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn stalled_servers_time_out_per_attempt_and_are_retried_per_policy() {
    let trickle = Behavior::Trickle {
        head: b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
            .to_vec(),
        every: Duration::from_millis(100),
    };
    for (mode, behavior) in [("silent", Behavior::Silent), ("trickle", trickle)] {
        let server = RawServer::start(behavior).await.unwrap();
        let url = server.url().to_owned();
        let client = Client::builder()
            .endpoint(&url)
            .api_key("k")
            .timeout(Duration::from_millis(300))
            .retry_policy(fast_retries(2))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let err = client
            .hard_delete_examples(&ExampleIds::from_uuids([Uuid::from_u128(1)]).unwrap())
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(err, Error::Timeout { .. }), "{mode}: {err:?}");
        // Three attempts of 300 ms each, plus tiny backoffs; never the trickle's 100 s.
        assert_eq!(server.connections(), 3, "{mode}");
        assert!(
            elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
            "{mode}: {elapsed:?}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = call(&url).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn bulk_totals_add_up_under_faults_and_nothing_else_is_touched() {
    let n = 50_000;
    let server = MockServer::builder()
        .examples(n)
        .record_requests(false)
        .faults(Faults {
            seed: 11,
            rate_503: 0.1,
            rate_429: 0.05,
            retry_after_secs: 1,
            rate_close: 0.02,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let client = client_with_retries(&server, 10);
    let mut ids = server.seeded_ids();
    ids.extend_from_within(..500); // duplicates
    let finished = Arc::new(AtomicUsize::new(0));
    let f = finished.clone();
    let options = BulkOptions {
        concurrency: 8,
        on_batch: Some(Arc::new(move |_, _| {
            f.fetch_add(1, Ordering::SeqCst);
        })),
        ..BulkOptions::default()
    };
    let report = client.hard_delete_all(ids, &options).await.unwrap();
    assert_eq!(report.unique(), n);
    assert_eq!(report.duplicates, 500);
    assert_eq!(
        report.confirmed,
        n,
        "{:?}",
        report.batches.iter().find(|b| b.error.is_some())
    );
    assert_eq!(report.confirmed + report.failed + report.not_attempted, n);
    assert_eq!(finished.load(Ordering::SeqCst), report.batches.len());
    assert!(report.batches.iter().any(|b| b.attempts > 1));
    let requested: HashSet<Uuid> = report.ids().iter().copied().collect();
    assert!(server.touched_outside(&requested).is_empty());
    assert!(
        report
            .ids()
            .iter()
            .all(|id| server.example(id).unwrap().is_hard_deleted())
    );
}

#[tokio::test]
async fn bulk_without_retries_reports_only_unconfirmed_ids_as_failed() {
    let server = MockServer::builder()
        .examples(10_000)
        .record_requests(false)
        .faults(Faults {
            seed: 5,
            rate_503: 0.3,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let options = BulkOptions {
        batch_size: 100,
        ..BulkOptions::default()
    };
    let report = client
        .hard_delete_all(server.seeded_ids(), &options)
        .await
        .unwrap();
    assert!(report.failed > 0 && report.confirmed > 0);
    assert_eq!(report.confirmed + report.failed, 10_000);
    for b in &report.batches {
        let deleted = report
            .batch_ids(b)
            .iter()
            .all(|id| server.hard_delete_count(id) == 1);
        match b.outcome {
            BatchOutcome::Confirmed => assert!(deleted),
            // A 503 deletes nothing: failed really means not deleted here.
            BatchOutcome::Failed => assert!(
                report
                    .batch_ids(b)
                    .iter()
                    .all(|id| server.hard_delete_count(id) == 0)
            ),
            BatchOutcome::NotAttempted => unreachable!(),
        }
    }
}

#[tokio::test]
async fn fail_fast_and_unauthorized_stop_the_run() {
    let server = MockServer::builder()
        .examples(5 * ExampleIds::MAX)
        .faults(Faults {
            rate_503: 1.0,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let options = BulkOptions {
        concurrency: 1,
        fail_fast: true,
        ..BulkOptions::default()
    };
    let report = client
        .hard_delete_all(server.seeded_ids(), &options)
        .await
        .unwrap();
    // Default batches are the spec's maximum: the first fails, the other four never start.
    let max = ExampleIds::MAX;
    assert_eq!((report.failed, report.not_attempted), (max, 4 * max));
    assert_eq!(report.unconfirmed_ids().count(), 5 * max);

    let server = MockServer::builder()
        .unknown_ids(UnknownIds::Ignore)
        .examples(3 * ExampleIds::MAX)
        .start()
        .await
        .unwrap();
    let bad_key = Client::builder()
        .endpoint(server.url())
        .api_key("wrong")
        .build()
        .unwrap();
    let options = BulkOptions {
        concurrency: 1,
        ..BulkOptions::default()
    };
    let report = bad_key
        .hard_delete_all(server.seeded_ids(), &options)
        .await
        .unwrap();
    assert_eq!(
        (report.failed, report.not_attempted),
        (ExampleIds::MAX, 2 * ExampleIds::MAX)
    );
    assert!(matches!(
        report.batches[0].error,
        Some(Error::Unauthorized(_))
    ));
}

#[tokio::test]
async fn invalid_bulk_options_are_refused() {
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .build()
        .unwrap();
    for options in [
        BulkOptions {
            batch_size: 0,
            ..BulkOptions::default()
        },
        BulkOptions {
            batch_size: ExampleIds::MAX + 1,
            ..BulkOptions::default()
        },
        BulkOptions {
            concurrency: 0,
            ..BulkOptions::default()
        },
        BulkOptions {
            rate_limit_per_minute: Some(0),
            ..BulkOptions::default()
        },
    ] {
        assert!(matches!(
            client.hard_delete_all([Uuid::from_u128(1)], &options).await,
            Err(Error::Config(_))
        ));
    }
}
