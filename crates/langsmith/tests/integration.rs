//! The facade against the stand-in server and against canned raw HTTP responses.

use langsmith::{BulkOptions, Client, Details, Error, ErrorKind, ExampleIds, Outcome, RetryPolicy};
use langsmith_mock::raw::{Behavior, RawServer, http_response};
use langsmith_mock::{Echo, Faults, MockServer, UnknownIds};
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

/// A client with a made-up key for a raw (canned) server, retrying `retries` times.
fn raw_client(url: impl AsRef<str>, retries: u32) -> langsmith::ClientBuilder {
    Client::builder()
        .endpoint(url)
        .api_key("k")
        .retry_policy(fast_retries(retries))
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
    assert_eq!(done.count(), Some(3));
    assert_eq!(done.attempts(), 1);
    assert_eq!(
        done.echoed(),
        seeded.iter().map(|u| u.to_string()).collect::<Vec<_>>()
    );
    let c = done.confirmation(ids.as_slice());
    assert_eq!(c.confirmed().len(), 3);
    assert!(c.is_exact());
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
        .http_client_with(|b| b.pool_max_idle_per_host(1))
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
        matches!(api.details(), Some(Details::Json(v)) if v.to_json().contains(&foreign.to_string()))
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
        total_attempts += done.attempts();
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
            |e| matches!(e, Error::RateLimited(r) if r.retry_after() == Some(Duration::from_secs(3))),
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
        assert_eq!(err.status().unwrap().to_string(), &status[..3]);
        if let Error::BadRequest(api) = &err {
            assert_eq!(api.error(), Some("nope"));
            let Some(Details::Json(details)) = api.details() else {
                panic!("{:?}", api.details())
            };
            // The whole JSON, exactly: one field, that value.
            assert_eq!(details.to_json(), r#"{"field":"example_ids"}"#);
            assert_eq!(details.string_at("/field"), Some("example_ids"));
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
    assert_eq!(done.count(), Some(1));
    assert_eq!(
        done.echoed(),
        vec!["[\"123e4567-e89b-12d3-a456-4266\"]".to_owned()]
    );
    // ... and it confirms nothing.
    let c = done.confirmation(&[Uuid::from_u128(1)]);
    assert!(c.confirmed().is_empty());
    assert_eq!(c.not_uuids(), 1);
    assert!(c.anomaly().unwrap().contains("not UUIDs"));

    let server = canned(http("502 Bad Gateway", "text/html", "<html>gateway</html>")).await;
    let Error::Server(api) = call(server.url()).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(api.body_snippet(), Some("<html>gateway</html>"));

    let server = canned(http("200 OK", "application/json", r#"{"count": 3,"#)).await;
    let err = call(server.url()).await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedBody(b) if b.status() == Some(200)),
        "{err:?}"
    );
    assert!(err.is_retryable());

    // A documented error status with a body of another shape is still that error.
    let server = canned(http("400 Bad Request", "application/json", "not json!")).await;
    let err = call(server.url()).await.unwrap_err();
    let Error::BadRequest(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.body_snippet(), Some("not json!"));
    assert!(!api.is_documented_shape());
    assert!(!err.is_retryable());
    // A 404 of another shape: the endpoint is probably wrong, and the message says where.
    let server = canned(http("404 Not Found", "text/html", "<h1>nope</h1>")).await;
    let err = call(server.url()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("endpoint is probably wrong") && text.contains(server.url()),
        "{text}"
    );

    let server = canned(http(
        "403 Forbidden",
        "application/json",
        r#"{"error":"no","details":"plain words"}"#,
    ))
    .await;
    let Error::Forbidden(api) = call(server.url()).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(api.details(), Some(&Details::Raw("plain words".into())));
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let server = RawServer::start(Behavior::Silent).await.unwrap();
    let started = std::time::Instant::now();
    let err = call(server.url()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
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
        let client = raw_client(&url, 2)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let err = client
            .hard_delete_examples(&ExampleIds::from_uuids([Uuid::from_u128(1)]).unwrap())
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(err, Error::Timeout(_)), "{mode}: {err:?}");
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
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    // The cause is kept as the source, not repeated in the message.
    let chain: Vec<String> = langsmith::error_chain(&err)
        .map(|e| e.to_string())
        .collect();
    assert!(chain.len() >= 2, "{chain:?}");
    assert!(
        chain.iter().any(|c| c.to_lowercase().contains("refused")),
        "the innermost cause names the refusal: {chain:?}"
    );
    assert!(!chain[0].to_lowercase().contains("refused"), "{chain:?}");
}

fn total(report: &langsmith::BulkReport) -> usize {
    Outcome::ALL.iter().map(|o| report.count(*o)).sum()
}

#[tokio::test]
async fn bulk_outcomes_add_up_under_faults_and_nothing_else_is_touched() {
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
        on_request: Some(langsmith::ProgressCallback::new(move |_| {
            f.fetch_add(1, Ordering::SeqCst);
        })),
        ..BulkOptions::default()
    };
    let report = client.hard_delete_all(ids, &options).await.unwrap();
    assert_eq!(report.unique(), n);
    assert_eq!(report.duplicates(), 500);
    assert_eq!(
        report.count(Outcome::Deleted),
        n,
        "{:?}",
        report.requests().iter().find(|r| r.error().is_some())
    );
    assert_eq!(total(&report), n);
    assert_eq!(finished.load(Ordering::SeqCst), report.requests().len());
    assert!(report.requests().iter().any(|r| r.attempts() > 1));
    assert_eq!(server.request_count() as u64, report.http_requests());
    let requested: HashSet<Uuid> = report.ids().iter().copied().collect();
    assert!(server.touched_outside(&requested).is_empty());
    assert!(
        report
            .ids()
            .iter()
            .all(|id| server.example(id).unwrap().is_hard_deleted())
    );
    // Each id's evidence: the request that settled it, with the server's request id.
    let first = report.ids()[0];
    let by = report.settled_by(&first).unwrap();
    assert_eq!(by.status(), Some(200));
    assert!(by.request_id().unwrap().starts_with("mock-"));
}

#[tokio::test]
async fn bulk_without_retries_reports_failed_only_where_nothing_was_deleted() {
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
    let client = client_with_retries(&server, 0);
    let options = BulkOptions {
        batch_size: 100,
        ..BulkOptions::default()
    };
    let report = client
        .hard_delete_all(server.seeded_ids(), &options)
        .await
        .unwrap();
    let (deleted, failed) = (
        report.count(Outcome::Deleted),
        report.count(Outcome::Failed),
    );
    assert!(failed > 0 && deleted > 0);
    assert_eq!(deleted + failed, 10_000);
    for (id, outcome) in report.outcomes() {
        match outcome {
            Outcome::Deleted => assert_eq!(server.hard_delete_count(id), 1),
            // A 503 deletes nothing: failed really means not deleted here.
            Outcome::Failed => assert_eq!(server.hard_delete_count(id), 0),
            other => panic!("{other}"),
        }
    }
    for r in report.requests() {
        if r.settled(Outcome::Failed) > 0 {
            assert_eq!(r.error().unwrap().kind(), ErrorKind::Server);
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
    let client = client_with_retries(&server, 0);
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
    assert_eq!(
        (
            report.count(Outcome::Failed),
            report.count(Outcome::NotAttempted)
        ),
        (max, 4 * max)
    );
    assert_eq!(report.stopped_by(), Some(ErrorKind::Server));

    let server = MockServer::builder()
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
        (
            report.count(Outcome::Failed),
            report.count(Outcome::NotAttempted)
        ),
        (ExampleIds::MAX, 2 * ExampleIds::MAX)
    );
    assert_eq!(report.stopped_by(), Some(ErrorKind::Unauthorized));
    assert!(matches!(
        report.requests()[0].error(),
        Some(Error::Unauthorized(_))
    ));
}

#[tokio::test]
async fn cancellation_stops_new_requests_and_keeps_what_was_confirmed() {
    let server = MockServer::builder()
        .examples(10 * ExampleIds::MAX)
        .record_requests(false)
        .start()
        .await
        .unwrap();
    let client = client_for(&server);
    let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let c = cancel.clone();
    let options = BulkOptions {
        concurrency: 1,
        cancel: Some(cancel.clone()),
        on_request: Some(langsmith::ProgressCallback::new(move |p| {
            if p.request.index() == 2 {
                c.store(true, Ordering::SeqCst);
            }
        })),
        ..BulkOptions::default()
    };
    let report = client
        .hard_delete_all(server.seeded_ids(), &options)
        .await
        .unwrap();
    assert!(report.cancelled());
    assert_eq!(report.count(Outcome::Deleted), 3 * ExampleIds::MAX);
    assert_eq!(report.count(Outcome::NotAttempted), 7 * ExampleIds::MAX);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn invalid_bulk_options_and_rate_limits_are_refused() {
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
    ] {
        assert!(matches!(
            client.hard_delete_all([Uuid::from_u128(1)], &options).await,
            Err(Error::Config(_))
        ));
    }
    assert!(
        Client::builder()
            .endpoint("http://127.0.0.1:9")
            .rate_limit_per_minute(0)
            .build()
            .is_err()
    );
}

// ---- Proof, not trust: what a hostile or broken server cannot make the client believe.

/// A server that must never be contacted; counts connections.
async fn bystander() -> RawServer {
    canned(http(
        "200 OK",
        "application/json",
        &format!(r#"{{"count":1,"example_ids":["{}"]}}"#, Uuid::from_u128(1)),
    ))
    .await
}

#[tokio::test]
async fn redirects_are_never_followed_and_credentials_stay_home() {
    let elsewhere = bystander().await;
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "303 See Other",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let location = format!(
            "{}/v1/platform/datasets/examples/delete?x=1",
            elsewhere.url()
        );
        let origin = canned(http_response(status, &[("location", &location)], b"")).await;
        let err = call(origin.url()).await.unwrap_err();
        let Error::Redirect(r) = &err else {
            panic!("{status}: {err:?}")
        };
        assert_eq!(r.status().to_string(), &status[..3]);
        assert_eq!(
            r.location_origin(),
            Some(elsewhere.url()),
            "origin only, no path"
        );
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(
            text.contains(elsewhere.url()) && text.contains("endpoint"),
            "{text}"
        );
        assert_eq!(origin.connections(), 1, "{status}: not retried");

        // In bulk: nothing is confirmed and the run stops.
        let client = raw_client(origin.url(), 3).build().unwrap();
        let report = client
            .hard_delete_all(
                (1..=2500u128).map(Uuid::from_u128),
                &BulkOptions {
                    concurrency: 1,
                    ..BulkOptions::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(report.count(Outcome::Deleted), 0, "{status}");
        assert_eq!(report.count(Outcome::Failed), ExampleIds::MAX);
        assert_eq!(report.stopped_by(), Some(ErrorKind::Redirect));
    }
    assert_eq!(
        elsewhere.connections(),
        0,
        "no request reached a second origin"
    );
}

#[tokio::test]
async fn only_ids_the_echo_names_are_deleted() {
    // Two full batches of the spec's maxItems and a half one.
    let n = 2 * ExampleIds::MAX + ExampleIds::MAX / 2;
    let batches = n.div_ceil(ExampleIds::MAX);
    for (echo, deleted, unconfirmed) in [
        (Echo::OmitLast, n - batches, batches), // one short per batch
        (Echo::Empty, 0, n),
        (Echo::Foreign, n, 0),
    ] {
        let server = MockServer::builder()
            .examples(n)
            .echo(echo)
            .start()
            .await
            .unwrap();
        let report = client_for(&server)
            .hard_delete_all(server.seeded_ids(), &BulkOptions::default())
            .await
            .unwrap();
        assert_eq!(report.count(Outcome::Deleted), deleted, "{echo:?}");
        assert_eq!(report.count(Outcome::Unconfirmed), unconfirmed, "{echo:?}");
        assert_eq!(total(&report), n);
        assert!(
            report.requests().iter().all(|r| r.anomaly().is_some()),
            "{echo:?}"
        );
        if echo == Echo::OmitLast {
            // Exactly the ids each answer named: the last id of each batch is unconfirmed.
            for r in server.requests() {
                let last = Uuid::parse_str(r.ids.last().unwrap()).unwrap();
                assert_eq!(report.outcome_of(&last), Some(Outcome::Unconfirmed));
                let first = Uuid::parse_str(&r.ids[0]).unwrap();
                assert_eq!(report.outcome_of(&first), Some(Outcome::Deleted));
            }
        }
        if echo == Echo::Foreign {
            assert!(report.requests()[0].anomaly().unwrap().contains("not sent"));
        }
    }
}

#[tokio::test]
async fn unknown_ids_are_isolated_without_blocking_their_batch() {
    let n: usize = 2_000;
    let k: usize = 5;
    let bound = (2 * k) as u64 * (n as f64).log2().ceil() as u64;
    for policy in [UnknownIds::NotFound, UnknownIds::NotFoundBare] {
        let server = MockServer::builder()
            .examples(n - k)
            .unknown_ids(policy)
            .start()
            .await
            .unwrap();
        let mut ids = server.seeded_ids();
        let unknown: Vec<Uuid> = (0..k as u128)
            .map(|i| Uuid::from_u128(0xdead_0000 + i * 7_919_000_000_000_000_000_000_000))
            .collect();
        ids.extend(&unknown);
        let report = client_for(&server)
            .hard_delete_all(ids, &BulkOptions::default())
            .await
            .unwrap();
        assert_eq!(report.count(Outcome::Deleted), n - k, "{policy:?}");
        assert_eq!(report.count(Outcome::NotFound), k, "{policy:?}");
        for id in &unknown {
            assert_eq!(report.outcome_of(id), Some(Outcome::NotFound));
            assert_eq!(report.settled_by(id).unwrap().status(), Some(404));
        }
        let batches = report.batches() as u64;
        let extra = report.http_requests() - batches;
        assert!(
            extra <= bound,
            "{policy:?}: {extra} extra requests for {k} unknown ids among {n}; bound {bound}"
        );
        if policy == UnknownIds::NotFound {
            // Details name them: one resend per refused batch.
            assert!(extra <= batches, "{policy:?}: {extra}");
        }
        // No refused set was ever sent twice unchanged.
        let mut seen = HashSet::new();
        for r in server.requests() {
            assert!(
                seen.insert(r.ids.clone()),
                "a refused set was resent unchanged"
            );
        }
    }
}

#[tokio::test]
async fn per_example_403_isolates_foreign_ids() {
    let other = Uuid::from_u128(0xb);
    let mut b = MockServer::builder();
    // One batch of the spec's maxItems: 3 foreign ids among the key's own.
    let own_n = ExampleIds::MAX - 3;
    b.workspace(other).examples(3);
    b.workspace(Uuid::from_u128(0xa))
        .api_key("key-a")
        .examples(own_n);
    let server = b.start().await.unwrap();
    let own = server.seeded_ids_in(Uuid::from_u128(0xa));
    let foreign = server.seeded_ids_in(other);
    let client = Client::builder()
        .endpoint(server.url())
        .api_key("key-a")
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let ids = own.iter().chain(&foreign).copied();
    let report = client
        .hard_delete_all(ids, &BulkOptions::default())
        .await
        .unwrap();
    assert_eq!(report.count(Outcome::Deleted), own_n);
    assert_eq!(report.count(Outcome::Forbidden), 3);
    assert!(foreign.iter().all(|id| server.hard_delete_count(id) == 0));
    assert_eq!(report.http_requests(), 2, "the 403 named the foreign ids");
}

#[tokio::test]
async fn a_huge_success_body_is_not_read() {
    let head =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 536870912\r\n\r\n"
            .to_vec();
    let server = RawServer::start(Behavior::Flood {
        head,
        fill: b' ',
        len: 512 << 20,
    })
    .await
    .unwrap();
    let client = raw_client(server.url(), 2).build().unwrap();
    let err = client
        .hard_delete_examples(&ExampleIds::from_uuids([Uuid::from_u128(1)]).unwrap())
        .await
        .unwrap_err();
    let Error::ResponseTooLarge(r) = &err else {
        panic!("{err:?}")
    };
    // The bound the exec hook applied: its fixed part, plus little for a 1-id request.
    assert!(
        r.limit() >= langsmith::langsmith_api::hooks::DEFAULT_RESPONSE_LIMIT_BASE
            && r.limit() < 4 << 20,
        "a bound that fits the request: {}",
        r.limit()
    );
    assert_eq!(server.connections(), 1, "an oversized body is not retried");
    // In bulk, a 200 that could not be read confirms nothing.
    let report = client
        .hard_delete_all([Uuid::from_u128(1)], &BulkOptions::default())
        .await
        .unwrap();
    assert_eq!(report.count(Outcome::Unconfirmed), 1);
}

#[tokio::test]
async fn a_tls_failure_is_named_and_not_retried() {
    // A plain-text server behind an https:// endpoint: the handshake fails.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let a = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut sock, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            let _ = sock
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let client = raw_client(format!("https://127.0.0.1:{port}"), 3)
        .build()
        .unwrap();
    let err = client
        .hard_delete_examples(&ExampleIds::from_uuids([Uuid::from_u128(1)]).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
    assert!(err.to_string().contains("TLS"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_2xx_whose_body_never_completes_leaves_its_ids_unconfirmed() {
    // The head says 200, then the body trickles past the timeout: the server may have
    // deleted the ids, but it never said which.
    let server = RawServer::start(Behavior::Trickle {
        head: b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
            .to_vec(),
        every: Duration::from_millis(100),
    })
    .await
    .unwrap();
    let client = raw_client(server.url(), 1)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let report = client
        .hard_delete_all(
            [Uuid::from_u128(1), Uuid::from_u128(2)],
            &BulkOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.count(Outcome::Unconfirmed), 2);
    let r = &report.requests()[0];
    assert_eq!(r.status(), Some(200));
    assert_eq!(r.error().unwrap().kind(), ErrorKind::Timeout);
    assert_eq!(server.connections(), 2, "a timeout is retried");
}
