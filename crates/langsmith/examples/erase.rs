//! The README's Rust example as a program: `cargo run -p langsmith --example erase --
//! DATASET TEXT`, with `LANGSMITH_ENDPOINT` and `LANGSMITH_API_KEY` set. Exit 0 when every
//! example found was deleted and reads back erased, 6 otherwise. The tests check that the
//! README shows exactly the lines between the markers, and run them against the stand-in.

// README-BEGIN
use langsmith::{BulkOptions, Client, ExampleQuery, Outcome, VerifyOptions};

/// Finds a person's examples in a dataset, hard-deletes exactly those, proves it.
pub async fn erase(dataset: &str, person: &str) -> Result<bool, Box<dyn std::error::Error>> {
    // LANGSMITH_ENDPOINT, LANGSMITH_API_KEY, LANGSMITH_WORKSPACE_ID (or LANGCHAIN_*).
    let client = Client::from_env()?;
    // Find: count, list every page, re-check every listed row here.
    let ds = client.dataset_by_name(dataset).await?;
    let query = ExampleQuery::new().dataset(ds.id).contains(person);
    let found = client.select(&query).await?;
    for (id, why) in &found.excluded {
        eprintln!("listed, but not a match (never deleted): {id}: {why}");
    }
    // Erase: batched, retried, one Outcome per id; deleted means the server named it.
    let ids = found.selected;
    let listed_at = std::time::SystemTime::now();
    let report = client
        .hard_delete_all(ids.clone(), &BulkOptions::default())
        .await?;
    println!(
        "deleted {} of {}",
        report.count(Outcome::Deleted),
        report.unique()
    );
    // Prove: read every id back; erased means inputs, outputs and metadata are null.
    // LangSmith lists a hard-deleted example no more: read those as of before (then a
    // second earlier, for a server that dates a deletion to its whole second).
    let options = VerifyOptions {
        before_deletion: langsmith::at_and_a_second_before(listed_at.into()).to_vec(),
        ..VerifyOptions::default()
    };
    let proof = client.verify_erased(ids, &options).await?;
    Ok(report.is_complete() && proof.all_erased())
}
// README-END

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dataset, person] = args.as_slice() else {
        return Err("usage: erase DATASET TEXT".into());
    };
    let erased = erase(dataset, person).await?;
    std::process::exit(if erased { 0 } else { 6 });
}
