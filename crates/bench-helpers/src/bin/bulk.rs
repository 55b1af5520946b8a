//! `hard_delete_all` as a process, for `cargo xtask bench`:
//! `bulk ENDPOINT API_KEY IDS_FILE CONCURRENCY [RATE_PER_MIN]`; prints one JSON line.

use langsmith::{BulkOptions, Client, IdSet, Outcome, RetryPolicy};
use std::io::BufRead;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (endpoint, key, path) = (&args[1], &args[2], &args[3]);
    let concurrency: usize = args[4].parse().unwrap();
    let rate: Option<u32> = args.get(5).map(|r| r.parse().unwrap());
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let set = IdSet::parse(file.lines().map(|l| l.unwrap())).unwrap();
    let mut builder = Client::builder()
        .endpoint(endpoint)
        .api_key(key.as_str())
        .retry_policy(RetryPolicy::default());
    if let Some(rate) = rate {
        builder = builder.rate_limit_per_minute(rate);
    }
    let client = builder.build().unwrap();
    let options = BulkOptions {
        concurrency,
        ..BulkOptions::default()
    };
    let started = std::time::Instant::now();
    let report = client.hard_delete_set(set, &options).await.unwrap();
    let wall = started.elapsed().as_secs_f64();
    let requests = report.requests();
    let max_attempts = requests.iter().map(|r| r.attempts()).max().unwrap_or(0);
    let retried = requests.iter().filter(|r| r.attempts() > 1).count();
    println!(
        "{{\"wall_s\":{wall},\"batches\":{},\"confirmed\":{},\"failed\":{},\"max_attempts\":{max_attempts},\"retried_batches\":{retried}}}",
        report.batches(),
        report.count(Outcome::Deleted),
        report.unique() - report.count(Outcome::Deleted)
    );
}
