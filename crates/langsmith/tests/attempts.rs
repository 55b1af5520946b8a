//! The README's `-vv` promise: one debug line per HTTP attempt (the operation, the ids it
//! carried, the status, the latency), for every operation the facade sends, retries
//! included. The attempts expected are counted from the stand-in's own record of the
//! requests it received, not from the facade.

use langsmith::{
    BulkOptions, Client, ExampleQuery, RetryPolicy, TraceDeleteOptions, TraceKey, VerifyOptions,
};
use langsmith_mock::{Faults, MockServer};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Log lines written by the subscriber, kept for the test to read.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn every_attempt_of_every_operation_is_a_debug_line() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("langsmith=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::builder()
        .dataset("compliance")
        .examples(30)
        .experiment_sessions(1)
        // The first runs delete fails: its retry must show as a second attempt.
        .faults(Faults {
            runs_delete_500_first: 1,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .retry_policy(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();

    let ids = server.seeded_ids();
    let dataset = client.dataset_by_name("compliance").await.unwrap();
    let found = client
        .select(&ExampleQuery::new().dataset(dataset.id))
        .await
        .unwrap();
    assert_eq!(found.selected.len(), ids.len());
    client
        .hard_delete_all(ids.clone(), &BulkOptions::default())
        .await
        .unwrap();
    client
        .verify_erased(ids.clone(), &VerifyOptions::default())
        .await
        .unwrap();
    let run = &server.runs()[0];
    let key = TraceKey {
        session_id: run.session_id,
        trace_id: run.trace_id,
    };
    client
        .delete_traces([key], &TraceDeleteOptions::default())
        .await
        .unwrap();

    let text = lines.text();
    // The attempt lines: `attempt N: ...` (not the `attempt failed` that may follow one).
    let attempts: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split_once("langsmith::call: attempt ")
                .is_some_and(|(_, rest)| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    let served = server.requests();
    let on = |path: &str| served.iter().filter(|r| r.path == path).count();
    // One line per request the stand-in received, each naming its operation.
    let of = |op: &str| {
        attempts
            .iter()
            .filter(|l| l.contains(&format!(": {op}, ")))
            .count()
    };
    assert_eq!(of("list_datasets"), on("/api/v1/datasets"), "{text}");
    assert_eq!(of("count_examples"), on("/api/v1/examples/count"), "{text}");
    // Pages are prefetched: those past the end are dropped before their answer (and may
    // not have reached the stand-in), and logged as such.
    assert!(
        of("list_examples") + of("read_examples_back") >= on("/api/v1/examples"),
        "{text}"
    );
    assert!(of("read_examples_back") > 0, "{text}");
    assert_eq!(
        of("hard_delete_examples"),
        on("/v1/platform/datasets/examples/delete"),
        "{text}"
    );
    assert_eq!(of("delete_traces"), on("/api/v1/runs/delete"), "{text}");
    assert_eq!(
        of("delete_traces"),
        2,
        "the failed attempt and its retry: {text}"
    );
    // Each line says the status and the latency; an id-carrying request, how many ids.
    for line in &attempts {
        assert!(
            (line.contains("HTTP ") || line.contains("dropped before its answer"))
                && line.ends_with(" ms"),
            "{line}"
        );
    }
    assert!(
        attempts.iter().any(|l| l.contains(&format!(
            "hard_delete_examples, {} ids, HTTP 200",
            ids.len()
        ))),
        "{text}"
    );
    assert!(
        attempts
            .iter()
            .any(|l| l.contains("delete_traces, 1 ids, HTTP 500")),
        "{text}"
    );
    // Counts and statuses only: no id is written.
    let any_id: Vec<Uuid> = ids.iter().copied().chain([run.trace_id]).collect();
    for id in any_id {
        assert!(!text.contains(&id.to_string()), "{id} in the log");
    }
}
