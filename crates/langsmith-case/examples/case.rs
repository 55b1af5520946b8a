//! The README's case example as a program: `cargo run -p langsmith-case --example case --
//! CASE TICKET IDENTIFIER..`, with `LANGSMITH_ENDPOINT` and `LANGSMITH_API_KEY` set. Exit
//! 0 when the case is closed, 7 while something is pending, 6 otherwise. The tests check
//! that the README shows exactly the lines between the markers, and run them against the
//! stand-in's person workspace.

// README-BEGIN
use langsmith::Client;
use langsmith_case::case::{Case, CaseDir, CaseState, Identifier};
use langsmith_case::{erase, find, verify};

/// Opens a case for one person, finds every copy in the workspace, erases exactly those,
/// and verifies: the state the case is in after the pass.
pub async fn erase_person(
    dir: &std::path::Path,
    ticket: &str,
    identifiers: &[&str],
) -> Result<CaseState, Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let utc = || chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let now = || utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    // The identifiers are stored only as salted hashes; every step needs them again.
    let given: Vec<Identifier> = identifiers
        .iter()
        .enumerate()
        .map(|(i, text)| Identifier::new(*text, format!("identifier #{}", i + 1)))
        .collect();
    let today = utc().date_naive();
    let case = Case::new(ticket, today, None, &given, &now())?;
    let mut dir = CaseDir::create(dir, case)?;
    let who = dir.case().check_identifiers(&given)?;
    // Find, read-only: every place, each listed row re-checked here; `scan` reads every
    // run instead of trusting the server's search index.
    let options = find::FindOptions {
        scan: true,
        ..find::FindOptions::default()
    };
    find::all(&client, &mut dir, &who, &options, &now).await?;
    // Erase: each item re-read and re-checked right before it is deleted.
    erase::erase(&client, &mut dir, &who, &now).await?;
    // Verify: read every item back and search again; `closed` only when all is proven.
    verify::verify(&client, &mut dir, &who, &now).await?;
    Ok(dir.case().state)
}
// README-END

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, ticket, identifiers @ ..] = args.as_slice() else {
        return Err("usage: case CASE TICKET IDENTIFIER..".into());
    };
    let identifiers: Vec<&str> = identifiers.iter().map(String::as_str).collect();
    let state = erase_person(std::path::Path::new(dir), ticket, &identifiers).await?;
    println!("case state: {state}");
    std::process::exit(match state {
        CaseState::Closed => 0,
        CaseState::Pending => 7,
        _ => 6,
    });
}
