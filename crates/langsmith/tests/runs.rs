//! The experiment traces that copied an example (issue 23), against the stand-in. What is
//! expected comes from the stand-in's own store (`runs()`) and its record of what it
//! received and deleted (`deleted_traces()`, `requests()`), not from the facade.

use langsmith::{
    BulkOptions, Client, Error, ErrorKind, ExampleScope, ListedRun, RetryPolicy, RunsApi,
    RunsOptions, TraceDeleteOptions, TraceKey, TraceOutcome, TraceState,
};
use langsmith_mock::{Faults, Lies, MockServer};
use std::collections::BTreeSet;
use std::time::Duration;
use uuid::Uuid;

/// The examples' scope (dataset and created_at), read from the stand-in as the CLI does.
async fn scope(client: &Client, ids: impl IntoIterator<Item = Uuid>) -> ExampleScope {
    client.example_scope(ids).await.unwrap()
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .retry_policy(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

async fn server(examples: usize, sessions: usize, faults: Faults, delay: Duration) -> MockServer {
    MockServer::builder()
        .examples(examples)
        .experiment_sessions(sessions)
        .run_delete_delay(delay)
        .faults(faults)
        .start()
        .await
        .unwrap()
}

/// The traces of the stand-in's store whose root run references one of `ids`.
fn expected_traces(server: &MockServer, ids: &[Uuid]) -> BTreeSet<TraceKey> {
    server
        .runs()
        .into_iter()
        .filter(|r| r.reference_example_id.is_some_and(|e| ids.contains(&e)))
        .map(|r| TraceKey {
            session_id: r.session_id,
            trace_id: r.trace_id,
        })
        .collect()
}

fn deleted(server: &MockServer) -> BTreeSet<TraceKey> {
    server
        .deleted_traces()
        .into_iter()
        .map(|(session_id, trace_id)| TraceKey {
            session_id,
            trace_id,
        })
        .collect()
}

#[tokio::test]
async fn the_traces_referencing_some_examples_are_found_over_chunks_and_cursor_pages() {
    // 230 examples x 3 sessions: 690 referencing root runs, plus children and unrelated
    // traces; chunks of 40 ids (120 runs each: two cursor pages).
    let s = server(230, 3, Faults::default(), Duration::ZERO).await;
    let client = client(&s);
    let ids: Vec<Uuid> = s.seeded_ids().into_iter().step_by(2).collect();
    // The v1 query: pages of 100 (the v2 query's pages are tested apart).
    let options = RunsOptions {
        v1_chunk: 40,
        api: Some(RunsApi::V1),
        ..RunsOptions::default()
    };
    let found = client
        .traces_referencing(&scope(&client, ids.clone()).await, &options)
        .await
        .unwrap();
    let want = expected_traces(&s, &ids);
    assert_eq!(want.len(), ids.len() * 3);
    assert_eq!(found.keys().into_iter().collect::<BTreeSet<_>>(), want);
    assert!(found.excluded().is_empty());
    for t in found.traces() {
        assert_eq!(t.reference_example_ids.len(), 1);
        assert!(ids.contains(&t.reference_example_ids[0]));
    }
    // ceil(115 / 40) = 3 chunks of 120, 120 and 105 runs: 2 pages each.
    assert_eq!(found.pages(), 6);
    // The runs say the same, run by run.
    let (rows, _) = client
        .runs_referencing(&scope(&client, ids.clone()).await, &options)
        .await
        .unwrap();
    assert_eq!(rows.len(), ids.len() * 3);
    assert!(rows.iter().all(|r| matches!(r, ListedRun::Referencing(_))));
}

/// A runs query that does not apply its example filter (`lies`), asked on `api`: every
/// other run of the window comes back and is excluded, and only the traces of the four
/// examples asked about are deleted, judged by the stand-in's record.
async fn a_lying_runs_query_gets_no_foreign_trace_deleted(lies: Lies, api: RunsApi) {
    let s = server(
        30,
        2,
        Faults {
            lies,
            ..Faults::default()
        },
        Duration::ZERO,
    )
    .await;
    let client = client(&s);
    let ids: Vec<Uuid> = s.seeded_ids()[..4].to_vec();
    let options = RunsOptions {
        api: Some(api),
        ..RunsOptions::default()
    };
    let found = client
        .traces_referencing(&scope(&client, ids.clone()).await, &options)
        .await
        .unwrap();
    assert_eq!(found.api(), api);
    let want = expected_traces(&s, &ids);
    assert_eq!(found.keys().into_iter().collect::<BTreeSet<_>>(), want);
    // Every other run of the store in the window came back and was excluded (the
    // stand-in's store says which): all of them but our roots.
    let min = found
        .window()
        .min_start_time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let in_window = s.runs().iter().filter(|r| r.start_time >= min).count();
    assert!(in_window > want.len());
    assert_eq!(found.excluded().len(), in_window - want.len());
    let report = client
        .delete_traces(found.keys(), &TraceDeleteOptions::default())
        .await
        .unwrap();
    assert_eq!(report.requested(), want.len());
    // Judged by the stand-in's record: exactly the traces of the four examples.
    assert_eq!(deleted(&s), want);
}

#[tokio::test]
async fn a_runs_query_that_ignores_its_filter_gets_no_foreign_trace_deleted() {
    let lies = Lies {
        runs_ignore_reference_example: true,
        ..Lies::default()
    };
    a_lying_runs_query_gets_no_foreign_trace_deleted(lies, RunsApi::V1).await;
}

#[tokio::test]
async fn a_v2_query_that_ignores_reference_examples_gets_no_foreign_trace_deleted() {
    let lies = Lies {
        runs_v2_ignore_reference_examples: true,
        ..Lies::default()
    };
    a_lying_runs_query_gets_no_foreign_trace_deleted(lies, RunsApi::V2).await;
}

#[tokio::test]
async fn traces_days_to_months_old_are_found_with_the_window_not_the_servers_one_day() {
    // The stand-in seeds runs over the last 90 days, most older than a day (its v2
    // query, like LangSmith's, looks one day back unless told).
    let s = server(60, 2, Faults::default(), Duration::ZERO).await;
    let client = client(&s);
    let ids = s.seeded_ids();
    let found = client
        .traces_referencing(&scope(&client, ids.clone()).await, &RunsOptions::default())
        .await
        .unwrap();
    assert_eq!(found.api(), RunsApi::V2);
    let want = expected_traces(&s, &ids);
    assert_eq!(found.keys().into_iter().collect::<BTreeSet<_>>(), want);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let age_days = |k: &TraceKey| {
        let root = s.runs().into_iter().find(|r| r.id == k.trace_id).unwrap();
        (now - root.start_time) / 86_400
    };
    let ages: BTreeSet<i64> = want.iter().map(age_days).collect();
    assert!(
        ages.iter().any(|d| *d >= 3) && ages.iter().any(|d| *d >= 30),
        "the stand-in seeded traces of these ages: {ages:?}"
    );
    // Every v2 query the stand-in received named the window; none left it to the server.
    let v2: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/v2/runs/query"))
        .collect();
    assert!(!v2.is_empty());
    for r in v2 {
        let body: serde_json::Value =
            serde_json::from_slice(r.body.as_ref().expect("bodies are recorded")).unwrap();
        assert!(body["min_start_time"].is_string() && body["max_start_time"].is_string());
        assert!(body["reference_dataset_id"].is_string() && body.get("project_ids").is_none());
    }
}

#[tokio::test]
async fn a_v2_query_answering_500_fails_the_lookup_with_no_fall_back() {
    let fault = Faults {
        runs_v2_500: true,
        ..Faults::default()
    };
    let s = server(20, 1, fault, Duration::ZERO).await;
    let client = client(&s);
    let ids = s.seeded_ids();
    let e = client
        .traces_referencing(&scope(&client, ids).await, &RunsOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server, "{e}");
    let paths: Vec<String> = s.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p.ends_with("/v2/runs/query")));
    assert!(
        !paths.iter().any(|p| p.ends_with("/v1/runs/query")),
        "no fall-back to v1 on a 500: {paths:?}"
    );
}

#[tokio::test]
async fn a_server_with_only_one_runs_api_is_found_on_it() {
    use langsmith_mock::RunsApi as Served;
    for (served, used) in [(Served::V1, RunsApi::V1), (Served::V2, RunsApi::V2)] {
        let s = MockServer::builder()
            .examples(30)
            .experiment_sessions(2)
            .runs_api(served)
            .start()
            .await
            .unwrap();
        let client = client(&s);
        let ids = s.seeded_ids();
        let found = client
            .traces_referencing(&scope(&client, ids.clone()).await, &RunsOptions::default())
            .await
            .unwrap();
        assert_eq!(found.api(), used);
        assert_eq!(
            found.keys().into_iter().collect::<BTreeSet<_>>(),
            expected_traces(&s, &ids)
        );
    }
}

#[tokio::test]
async fn a_trace_deletion_is_one_session_per_request_at_most_1000_traces_each() {
    let s = server(1205, 2, Faults::default(), Duration::ZERO).await;
    let client = client(&s);
    let ids = s.seeded_ids();
    // The store before the deletion (deleted runs leave it).
    let runs_before = s.runs();
    let want = expected_traces(&s, &ids);
    let found = client
        .traces_referencing(&scope(&client, ids.clone()).await, &RunsOptions::default())
        .await
        .unwrap();
    assert_eq!(found.traces().len(), 2410);
    let report = client
        .delete_traces(found.keys(), &TraceDeleteOptions::default())
        .await
        .unwrap();
    assert_eq!(report.requested(), 2410);
    // 1205 traces per session: 2 requests each (1000 + 205), never across sessions.
    assert_eq!(report.requests().len(), 4);
    let deletes: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/runs/delete")
        .collect();
    assert_eq!(deletes.len(), 4);
    for r in &deletes {
        let body: serde_json::Value = serde_json::from_slice(r.body.as_ref().unwrap()).unwrap();
        let traces = body["trace_ids"].as_array().unwrap();
        assert!(
            !traces.is_empty() && traces.len() <= 1000,
            "{}",
            traces.len()
        );
        let session: Uuid = body["session_id"].as_str().unwrap().parse().unwrap();
        let in_session: BTreeSet<Uuid> = runs_before
            .iter()
            .filter(|run| run.session_id == session)
            .map(|run| run.trace_id)
            .collect();
        for t in traces {
            let t: Uuid = t.as_str().unwrap().parse().unwrap();
            assert!(
                in_session.contains(&t),
                "trace {t} is not in session {session}"
            );
        }
    }
    assert_eq!(deleted(&s), want);
    for r in report.requests() {
        assert_eq!(r.status(), Some(202));
        assert_eq!(r.message(), Some("Run deletes queued"));
        assert!(r.request_id().is_some());
    }
}

#[tokio::test]
async fn a_first_runs_delete_answering_500_is_retried() {
    let faults = Faults {
        runs_delete_500_first: 1,
        ..Faults::default()
    };
    let s = server(10, 1, faults, Duration::ZERO).await;
    let client = client(&s);
    let ids = s.seeded_ids();
    let want = expected_traces(&s, &ids);
    let found = client
        .traces_referencing(&scope(&client, ids.clone()).await, &RunsOptions::default())
        .await
        .unwrap();
    let report = client
        .delete_traces(found.keys(), &TraceDeleteOptions::default())
        .await
        .unwrap();
    assert_eq!(report.requested(), 10);
    assert_eq!(report.requests().len(), 1);
    assert_eq!(report.requests()[0].attempts(), 2);
    assert_eq!(report.http_requests(), 2);
    let statuses: Vec<u16> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/runs/delete")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [500, 202]);
    assert_eq!(deleted(&s), want);
}

#[tokio::test]
async fn a_runs_delete_that_keeps_failing_is_failed_never_requested() {
    let faults = Faults {
        runs_delete_500_first: 100,
        ..Faults::default()
    };
    let s = server(3, 1, faults, Duration::ZERO).await;
    let client = client(&s);
    let found = client
        .traces_referencing(
            &scope(&client, s.seeded_ids()).await,
            &RunsOptions::default(),
        )
        .await
        .unwrap();
    let report = client
        .delete_traces(found.keys(), &TraceDeleteOptions::default())
        .await
        .unwrap();
    assert_eq!(report.failed(), 3);
    assert_eq!(report.requested(), 0);
    for (_, o) in report.outcomes() {
        assert_eq!(o, TraceOutcome::Failed(ErrorKind::Server));
    }
    assert!(s.deleted_traces().is_empty());
}

#[tokio::test]
async fn a_queued_deletion_is_requested_not_gone_until_the_runs_query_stops_listing_it() {
    let delay = Duration::from_millis(1500);
    let s = server(6, 2, Faults::default(), delay).await;
    let client = client(&s);
    let ids = s.seeded_ids();
    let all = expected_traces(&s, &ids);
    // Only part of them requested: the rest are still there and nobody asked.
    let requested: Vec<TraceKey> = all.iter().copied().take(8).collect();
    let report = client
        .delete_traces(requested.clone(), &TraceDeleteOptions::default())
        .await
        .unwrap();
    assert_eq!(report.requested(), 8);
    let options = RunsOptions::default();
    let now = client
        .verify_traces_gone(
            &scope(&client, ids.clone()).await,
            requested.clone(),
            &options,
        )
        .await
        .unwrap();
    assert_eq!(now.gone(), 0, "nothing is gone before the delay");
    assert_eq!(now.pending(), 8);
    assert_eq!(now.unrequested(), all.len() - 8);
    assert!(s.deleted_traces().is_empty());
    tokio::time::sleep(delay + Duration::from_millis(200)).await;
    let later = client
        .verify_traces_gone(
            &scope(&client, ids.clone()).await,
            requested.clone(),
            &options,
        )
        .await
        .unwrap();
    assert_eq!(later.gone(), 8);
    assert_eq!(later.pending(), 0);
    assert_eq!(later.unrequested(), all.len() - 8);
    for (k, state) in later.states() {
        let was_requested = requested.contains(k);
        assert_eq!(*state == TraceState::Gone, was_requested, "{k}");
    }
    assert_eq!(deleted(&s), requested.into_iter().collect());
}

#[tokio::test]
async fn examples_deleted_then_their_traces_requested_end_to_end() {
    let s = server(50, 3, Faults::default(), Duration::ZERO).await;
    let client = client(&s);
    let ids: Vec<Uuid> = s.seeded_ids()[..20].to_vec();
    let listed_at = std::time::SystemTime::now() - Duration::from_secs(1);
    let bulk = client
        .hard_delete_all(ids.clone(), &BulkOptions::default())
        .await
        .unwrap();
    assert!(bulk.is_complete());
    // Listed no more (as LangSmith does): their scope is read as of before the deletion;
    // without that time it cannot be read, and the lookup says which example.
    let e = client.example_scope(ids.clone()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NameResolution, "{e}");
    let before = [listed_at.into()];
    let scope = |ids: Vec<Uuid>| {
        let client = &client;
        async move { client.example_scope_before(ids, &before).await.unwrap() }
    };
    let found = client
        .traces_referencing(&scope(bulk.ids().to_vec()).await, &RunsOptions::default())
        .await
        .unwrap();
    client
        .delete_traces(found.keys(), &TraceDeleteOptions::default())
        .await
        .unwrap();
    let proof = client
        .verify_traces_gone(
            &scope(ids.clone()).await,
            found.keys(),
            &RunsOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(proof.gone(), 60);
    assert_eq!(proof.pending() + proof.unrequested(), 0);
    // The other 30 examples' traces are untouched.
    let rest: Vec<Uuid> = s.seeded_ids()[20..].to_vec();
    assert_eq!(expected_traces(&s, &rest).len(), 90);
}

#[tokio::test]
async fn invalid_options_are_refused_before_anything_is_sent() {
    let s = server(2, 1, Faults::default(), Duration::ZERO).await;
    let client = client(&s);
    let bad = RunsOptions {
        v1_chunk: 0,
        ..RunsOptions::default()
    };
    // A scope built here, so that nothing at all is sent.
    let mut known = ExampleScope::new();
    for id in s.seeded_ids() {
        known.add(id, Uuid::nil(), std::time::SystemTime::now());
    }
    let e = client.traces_referencing(&known, &bad).await.unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    let bad = TraceDeleteOptions {
        batch_size: 1001,
        ..TraceDeleteOptions::default()
    };
    let e = client.delete_traces(Vec::new(), &bad).await.unwrap_err();
    assert!(e.to_string().contains("1001"), "{e}");
    assert_eq!(s.request_count(), 0);
}

#[tokio::test]
async fn the_read_back_names_the_trace_each_example_was_made_from() {
    let s = MockServer::builder()
        .examples(40)
        .source_runs_every(3)
        .start()
        .await
        .unwrap();
    let client = client(&s);
    let ids = s.seeded_ids();
    let listed_at = std::time::SystemTime::now() - Duration::from_secs(1);
    client
        .hard_delete_all(ids.clone(), &BulkOptions::default())
        .await
        .unwrap();
    let options = langsmith::VerifyOptions {
        before_deletion: vec![listed_at.into()],
        ..langsmith::VerifyOptions::default()
    };
    let proof = client.verify_erased(ids, &options).await.unwrap();
    let want = s.source_runs();
    assert!(!want.is_empty() && want.len() < 40, "{}", want.len());
    // A hard delete leaves `source_run_id`: the copy it names is residual.
    assert_eq!(proof.source_runs(), want);
}

#[tokio::test]
async fn each_example_in_two_of_three_sessions_gets_its_two_traces_found() {
    let s = MockServer::builder()
        .examples(30)
        .experiment_sessions(3)
        .traces_per_example(2)
        .start()
        .await
        .unwrap();
    let client = client(&s);
    let ids = s.seeded_ids();
    let found = client
        .traces_referencing(&scope(&client, ids.clone()).await, &RunsOptions::default())
        .await
        .unwrap();
    assert_eq!(
        found.keys().into_iter().collect::<BTreeSet<_>>(),
        expected_traces(&s, &ids)
    );
    for id in &ids {
        let of_it: BTreeSet<Uuid> = found
            .traces()
            .iter()
            .filter(|t| t.reference_example_ids.contains(id))
            .map(|t| t.key.session_id)
            .collect();
        assert_eq!(of_it.len(), 2, "{id}");
    }
    let sessions: BTreeSet<Uuid> = found.traces().iter().map(|t| t.key.session_id).collect();
    assert_eq!(sessions.len(), 3);
}

#[tokio::test]
async fn a_runs_query_whose_cursor_never_ends_is_stopped_and_finds_nothing() {
    let lie = Faults {
        lies: Lies {
            runs_endless_cursor: true,
            ..Lies::default()
        },
        ..Faults::default()
    };
    // Fewer runs than a page, and more: each way the paging is caught.
    for examples in [10, 120] {
        let s = server(examples, 1, lie.clone(), Duration::ZERO).await;
        let client = client(&s);
        let e = client
            .traces_referencing(
                &scope(&client, s.seeded_ids()).await,
                &RunsOptions::default(),
            )
            .await
            .unwrap_err();
        let Error::Paging(p) = &e else { panic!("{e}") };
        assert_eq!(p.listing(), langsmith::Listing::Runs);
        assert!(
            e.to_string()
                .contains("the runs listing did not end normally"),
            "{e}"
        );
        // Bounded: a handful of pages, not an endless loop.
        let queries = s
            .requests()
            .iter()
            .filter(|r| r.path == "/api/v1/runs/query")
            .count();
        assert!(queries <= 3 * examples.div_ceil(100), "{queries}");
    }
}

#[tokio::test]
async fn a_cancelled_runs_listing_is_incomplete_and_proves_nothing_gone() {
    let s = server(20, 1, Faults::default(), Duration::ZERO).await;
    let client = client(&s);
    let ids = s.seeded_ids();
    let all: Vec<TraceKey> = expected_traces(&s, &ids).into_iter().collect();
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let options = RunsOptions {
        cancel: Some(cancel),
        ..RunsOptions::default()
    };
    let scope = scope(&client, ids).await;
    let before = s.request_count();
    // Nothing listed, so nothing may be called gone.
    let e = client
        .verify_traces_gone(&scope, all, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Paging(p) if p.reason() == langsmith::PagingReason::Cancelled),
        "{e}"
    );
    assert_eq!(s.request_count(), before, "no runs query was sent");
}

// ---------------------------------------------------------------------------------------
// The runs API LangSmith keeps (issue 30), against servers answering exact bytes: what a
// server sends is written here, independent of the stand-in and of the facade.

mod exact {
    use super::*;
    use langsmith_mock::raw::{Behavior, RawServer, http_response};

    async fn canned(status: &str, body: &str) -> RawServer {
        let bytes = http_response(
            status,
            &[("content-type", "application/json")],
            body.as_bytes(),
        );
        RawServer::start(Behavior::Respond(bytes)).await.unwrap()
    }

    fn client_of(server: &RawServer) -> Client {
        Client::builder()
            .endpoint(server.url())
            .api_key("k")
            .retry_policy(RetryPolicy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    const EXAMPLE: Uuid = Uuid::from_u128(0xe1);
    const DATASET: Uuid = Uuid::from_u128(0xd1);

    /// A scope made here: no example read is sent.
    fn one_example() -> ExampleScope {
        let mut s = ExampleScope::new();
        s.add(EXAMPLE, DATASET, std::time::SystemTime::now());
        s
    }

    fn options(api: Option<RunsApi>) -> RunsOptions {
        RunsOptions {
            api,
            ..RunsOptions::default()
        }
    }

    #[tokio::test]
    async fn a_v2_answer_with_only_the_selected_properties_decodes() {
        let body = format!(
            r#"{{"items":[{{"id":"{r}","trace_id":"{r}","project_id":"{p}","reference_example_id":"{EXAMPLE}"}}],"has_more":false}}"#,
            r = Uuid::from_u128(0xa1),
            p = Uuid::from_u128(0xb1),
        );
        let s = canned("200 OK", &body).await;
        let found = client_of(&s)
            .traces_referencing(&one_example(), &options(None))
            .await
            .unwrap();
        assert_eq!(found.api(), RunsApi::V2);
        assert_eq!(found.traces().len(), 1);
        assert_eq!(found.traces()[0].key.session_id, Uuid::from_u128(0xb1));
        assert_eq!(found.datasets(), [DATASET]);
        assert_eq!(s.connections(), 1, "one query, no probe of v1");
    }

    #[tokio::test]
    async fn a_v1_answer_with_only_the_selected_properties_decodes() {
        // What landed main could not read: RunSchema requires name, run_type, status...
        let body = format!(
            r#"{{"runs":[{{"id":"{r}","trace_id":"{r}","session_id":"{p}","reference_example_id":"{EXAMPLE}"}}],"cursors":{{"next":null}}}}"#,
            r = Uuid::from_u128(0xa1),
            p = Uuid::from_u128(0xb1),
        );
        let s = canned("200 OK", &body).await;
        let found = client_of(&s)
            .traces_referencing(&one_example(), &options(Some(RunsApi::V1)))
            .await
            .unwrap();
        assert_eq!(found.api(), RunsApi::V1);
        assert_eq!(found.traces().len(), 1);
    }

    #[tokio::test]
    async fn a_run_without_a_property_it_was_asked_for_is_an_error_naming_it() {
        let body = format!(
            r#"{{"items":[{{"id":"{r}","project_id":"{r}"}}],"has_more":false}}"#,
            r = Uuid::from_u128(0xa1),
        );
        let s = canned("200 OK", &body).await;
        let e = client_of(&s)
            .traces_referencing(&one_example(), &options(Some(RunsApi::V2)))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedBody, "{e}");
        let chain = langsmith::error_chain_line(&e).to_string();
        assert!(
            chain.contains("run 1") && chain.contains("trace_id"),
            "{chain}"
        );
    }

    #[tokio::test]
    async fn requested_traces_with_nothing_to_look_them_up_by_are_never_gone() {
        // A report that recorded requested traces but no dataset: no query could run,
        // so none of them may be called gone.
        let s = canned("200 OK", r#"{"items":[],"has_more":false}"#).await;
        let requested = [TraceKey {
            session_id: Uuid::from_u128(0xb1),
            trace_id: Uuid::from_u128(0xa1),
        }];
        let no_dataset = ExampleScope::spanning([], [EXAMPLE], std::time::SystemTime::now());
        let e = client_of(&s)
            .verify_traces_gone(&no_dataset, requested, &options(None))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        assert_eq!(s.connections(), 0);
    }

    #[tokio::test]
    async fn has_more_without_a_cursor_is_an_error_not_the_last_page() {
        let s = canned("200 OK", r#"{"items":[],"has_more":true}"#).await;
        let e = client_of(&s)
            .traces_referencing(&one_example(), &options(None))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedBody, "{e}");
    }

    #[tokio::test]
    async fn a_server_with_neither_route_is_an_error_naming_both_and_their_statuses() {
        for (status, code) in [("404 Not Found", 404), ("405 Method Not Allowed", 405)] {
            let s = canned(status, r#"{"detail":"Not Found"}"#).await;
            let e = client_of(&s)
                .traces_referencing(&one_example(), &options(None))
                .await
                .unwrap_err();
            let Error::NoRunsApi(n) = &e else {
                panic!("{e}")
            };
            assert_eq!((n.v2_status(), n.v1_status()), (Some(code), Some(code)));
            let text = e.to_string();
            assert!(
                text.contains("/api/v2/runs/query") && text.contains("/api/v1/runs/query"),
                "{text}"
            );
            assert_eq!(s.connections(), 2, "v2 once, then v1 once");
        }
    }

    #[tokio::test]
    async fn a_problem_from_the_v2_route_is_an_error_never_a_fall_back() {
        // The route answered (an RFC 7807 problem with a title): v1 is not asked.
        for status in [
            "404 Not Found",
            "400 Bad Request",
            "401 Unauthorized",
            "500 Internal Server Error",
        ] {
            let s = canned(
                status,
                r#"{"title":"session not found","status":404,"detail":"no such dataset"}"#,
            )
            .await;
            let e = client_of(&s)
                .traces_referencing(&one_example(), &options(None))
                .await
                .unwrap_err();
            assert!(!matches!(e, Error::NoRunsApi(_)), "{status}: {e}");
            assert_eq!(s.connections(), 1, "{status}: no fall-back to v1");
        }
    }
}

#[tokio::test]
async fn an_examples_scope_is_read_in_one_request_per_page_of_ids() {
    let s = server(250, 1, Faults::default(), Duration::ZERO).await;
    let client = client(&s);
    let ids = s.seeded_ids();
    let before = s.request_count();
    let scope = client.example_scope(ids.clone()).await.unwrap();
    // A page short of full (the spec's limit maximum, less one) a request: no count, no
    // page fetched ahead, no empty page to end it.
    let page = langsmith::PAGE_SIZE - 1;
    assert_eq!(s.request_count() - before, ids.len().div_ceil(page));
    let mut want = ids.clone();
    want.sort_unstable();
    assert_eq!(scope.example_ids(), want);
    assert_eq!(scope.datasets().len(), 1);
    // An id the stand-in does not hold cannot be placed in a window: the read fails.
    let e = client
        .example_scope([Uuid::from_u128(0xdead)])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NameResolution, "{e}");
}
