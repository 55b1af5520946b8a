//! Baseline for the CPU benchmark: the least a hand-written client does. Reads ids (one
//! per line), parses each to a `Uuid`, POSTs 1,000 at a time and parses the echo.
//! `bare_reqwest_loop ENDPOINT API_KEY IDS_FILE`

use std::io::BufRead;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (endpoint, key, path) = (&args[1], &args[2], &args[3]);
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let ids: Vec<uuid::Uuid> = file
        .lines()
        .map(|l| uuid::Uuid::parse_str(l.unwrap().trim()).unwrap())
        .collect();
    let client = reqwest::Client::new();
    let url = format!("{endpoint}/v1/platform/datasets/examples/delete");
    let mut confirmed = 0;
    for chunk in ids.chunks(1000) {
        let body = serde_json::json!({
            "example_ids": chunk.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            "hard_delete": true,
        });
        let resp = client
            .post(&url)
            .header("x-api-key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
        let echo: serde_json::Value = resp.json().await.unwrap();
        confirmed += echo["example_ids"].as_array().unwrap().len();
    }
    println!("{{\"confirmed\":{confirmed}}}");
}
