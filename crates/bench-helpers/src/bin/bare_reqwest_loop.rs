//! Baseline for the CPU benchmark: what a careful hand-written client does, and no more.
//! One read of the ids file, a current-thread runtime, `&[Uuid]` serialized directly
//! (no `String` per id), the echo parsed into a typed struct, 1,000 ids per request.
//! `bare_reqwest_loop ENDPOINT API_KEY IDS_FILE`

use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct Request<'a> {
    example_ids: &'a [uuid::Uuid],
    hard_delete: bool,
}

#[derive(Deserialize)]
struct Echo {
    example_ids: Vec<uuid::Uuid>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (endpoint, key, path) = (&args[1], &args[2], &args[3]);
    let text = std::fs::read_to_string(path).unwrap();
    let ids: Vec<uuid::Uuid> = text
        .lines()
        .map(|l| uuid::Uuid::parse_str(l.trim()).unwrap())
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let confirmed = runtime.block_on(async {
        let client = reqwest::Client::new();
        let url = format!("{endpoint}/v1/platform/datasets/examples/delete");
        let mut confirmed = 0;
        for chunk in ids.chunks(1000) {
            let body = serde_json::to_vec(&Request {
                example_ids: chunk,
                hard_delete: true,
            })
            .unwrap();
            let resp = client
                .post(&url)
                .header("x-api-key", key)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
            let bytes = resp.bytes().await.unwrap();
            let echo: Echo = serde_json::from_slice(&bytes).unwrap();
            confirmed += echo.example_ids.len();
        }
        confirmed
    });
    println!("{{\"confirmed\":{confirmed}}}");
}
