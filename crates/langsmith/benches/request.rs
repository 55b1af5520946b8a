//! Per-request overhead: the facade's `hard_delete_examples` with 1,000 ids against the
//! in-process stand-in, versus a raw `reqwest` POST of the identical bytes to the same
//! server, measured in the same run (`cargo xtask bench` prints the ratio).

use criterion::{Criterion, criterion_group, criterion_main};
use langsmith::{Client, ExampleIds, RetryPolicy};
use langsmith_mock::{MockServer, UnknownIds};
use std::hint::black_box;

fn request(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(async {
        let mut b = MockServer::builder();
        b.examples(ExampleIds::MAX)
            .record_requests(false)
            .unknown_ids(UnknownIds::Ignore);
        b.start().await.unwrap()
    });
    let ids = ExampleIds::from_uuids(server.seeded_ids()).unwrap();
    let client = Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .workspace_id(server.workspace_id().to_string())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    // The same bytes the facade sends.
    let body = serde_json::to_vec(
        &langsmith::langsmith_api::types::ExamplesDeleteExamplesRequest {
            example_ids: ids.as_slice().to_vec(),
            hard_delete: true,
        },
    )
    .unwrap();
    let raw = reqwest::Client::new();
    let url = format!("{}/v1/platform/datasets/examples/delete", server.url());

    let mut group = c.benchmark_group("request_1000_ids");
    group.bench_function("baseline_raw_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = raw
                .post(&url)
                .header("x-api-key", server.api_key())
                .header("x-tenant-id", server.workspace_id().to_string())
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
            black_box(resp.json::<serde_json::Value>().await.unwrap())
        })
    });
    group.bench_function("facade_hard_delete_examples", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(client.hard_delete_examples(&ids).await.unwrap()) })
    });
    group.finish();
}

criterion_group!(benches, request);
criterion_main!(benches);
