//! Baseline for the CPU and latency benchmarks: what a careful hand-written client does,
//! and no more. One read of the ids file, a current-thread runtime, `&[Uuid]` serialized
//! directly (no `String` per id), the echo parsed into a typed struct, 1,000 ids per
//! request; with CONCURRENCY above 1, that many requests in flight (a new one starts as
//! soon as one ends) on tokio's default multi-thread runtime, as a careful client hides
//! the latency.
//! `bare_reqwest_loop ENDPOINT API_KEY IDS_FILE [CONCURRENCY]`; prints one JSON line.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Serialize)]
struct Request<'a> {
    example_ids: &'a [uuid::Uuid],
    hard_delete: bool,
}

#[derive(Deserialize)]
struct Echo {
    example_ids: Vec<uuid::Uuid>,
}

async fn delete(client: &reqwest::Client, url: &str, key: &str, chunk: &[uuid::Uuid]) -> usize {
    let body = serde_json::to_vec(&Request {
        example_ids: chunk,
        hard_delete: true,
    })
    .unwrap();
    let resp = client
        .post(url)
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let bytes = resp.bytes().await.unwrap();
    let echo: Echo = serde_json::from_slice(&bytes).unwrap();
    echo.example_ids.len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (endpoint, key, path) = (&args[1], args[2].clone(), &args[3]);
    let concurrency: usize = args.get(4).map_or(1, |c| c.parse().unwrap());
    let text = std::fs::read_to_string(path).unwrap();
    let ids: Vec<uuid::Uuid> = text
        .lines()
        .map(|l| uuid::Uuid::parse_str(l.trim()).unwrap())
        .collect();
    // Sequential: one thread is all it needs (the CPU baseline). In flight: tokio's
    // default multi-thread runtime (what `#[tokio::main]` gives), the faster for wall time.
    let runtime = if concurrency <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    let url = format!("{endpoint}/v1/platform/datasets/examples/delete");
    let batches = ids.len().div_ceil(1000);
    let (confirmed, wall) = runtime.block_on(async {
        let client = reqwest::Client::new();
        // Timed from here, as the facade's `bulk` program is: the requests only.
        let started = std::time::Instant::now();
        if concurrency <= 1 {
            let mut confirmed = 0;
            for chunk in ids.chunks(1000) {
                confirmed += delete(&client, &url, &key, chunk).await;
            }
            return (confirmed, started.elapsed().as_secs_f64());
        }
        let (ids, url, key) = (Arc::new(ids), Arc::new(url), Arc::new(key));
        let mut in_flight = tokio::task::JoinSet::new();
        let mut next = 0;
        let mut confirmed = 0;
        loop {
            while next < batches && in_flight.len() < concurrency {
                let (client, ids, url, key) =
                    (client.clone(), ids.clone(), url.clone(), key.clone());
                let range = next * 1000..((next + 1) * 1000).min(ids.len());
                in_flight.spawn(async move { delete(&client, &url, &key, &ids[range]).await });
                next += 1;
            }
            match in_flight.join_next().await {
                Some(done) => confirmed += done.unwrap(),
                None => break (confirmed, started.elapsed().as_secs_f64()),
            }
        }
    });
    println!("{{\"confirmed\":{confirmed},\"wall_s\":{wall},\"batches\":{batches}}}");
}
