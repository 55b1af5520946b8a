//! `langsmith-examples`: compliance-grade hard deletion of LangSmith dataset examples.

mod input;
mod journal;
mod report;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use langsmith::{
    BatchOutcome, BulkOptions, BulkReport, Client, ClientBuilder, Error, ExampleIds, IdSet,
    RetryPolicy,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const EXIT_CODES: &str = "\
Exit codes:
  0  every id was confirmed hard-deleted (or --dry-run succeeded)
  1  some batches failed; the report says which ids
  2  usage or input error; nothing was sent
  3  authentication or permission refused (401/403)
  4  could not reach the server

Environment: LANGSMITH_ENDPOINT, LANGSMITH_API_KEY, LANGSMITH_WORKSPACE_ID (or the
LANGCHAIN_* names). The API key is never accepted as an argument.";

#[derive(Parser)]
#[command(name = "langsmith-examples", version, about = "Hard-delete LangSmith dataset examples, provably.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// API endpoint (default: $LANGSMITH_ENDPOINT, else https://api.smith.langchain.com).
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,
    /// Workspace id, sent as X-Tenant-Id (default: $LANGSMITH_WORKSPACE_ID).
    #[arg(long, global = true, value_name = "ID")]
    workspace_id: Option<String>,
    /// Read the API key from this file, or `-` for stdin (default: $LANGSMITH_API_KEY).
    #[arg(long, global = true, value_name = "PATH")]
    api_key_file: Option<String>,
    /// Seconds allowed per attempt.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30.0)]
    timeout: f64,
    /// Retries per batch for 408/429/5xx/connection failures.
    #[arg(long, global = true, value_name = "N", default_value_t = 5)]
    max_retries: u32,
    /// Run against an embedded stand-in server on loopback, seeded with the ids given.
    #[arg(long, global = true)]
    mock: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// No progress bar and only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Hard-delete examples: null inputs, outputs and metadata of every version, delete attachments.
    #[command(after_help = EXIT_CODES)]
    HardDelete(HardDelete),
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Output {
    Text,
    Json,
}

#[derive(Args)]
struct HardDelete {
    /// Example ids (UUIDs in any usual form).
    #[arg(value_name = "ID")]
    ids: Vec<String>,
    /// Ids one per line (blank lines and # comments ignored) or a JSON array of strings; `-` for stdin.
    #[arg(long, value_name = "PATH")]
    ids_file: Option<String>,
    /// Validate, de-duplicate, batch and print the plan; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long)]
    yes: bool,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Client-side limit, requests per minute (LangSmith allows 2000/min per key).
    #[arg(long, value_name = "PER_MIN")]
    rate_limit: Option<u32>,
    /// Ids per request (at most the spec's maximum).
    #[arg(long, value_name = "N", default_value_t = ExampleIds::MAX)]
    batch_size: usize,
    /// Append-only journal of confirmed batches; re-running with it skips what it confirms.
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Stop starting batches after the first failure.
    #[arg(long)]
    fail_fast: bool,
}

/// A failure that ends the run with `code`.
struct Exit {
    code: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> Exit {
    Exit {
        code: 2,
        message: message.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let Command::HardDelete(args) = &cli.command;
    match runtime.block_on(hard_delete(&cli, args)) {
        Ok(code) => ExitCode::from(code),
        Err(exit) => {
            eprintln!("error: {}", exit.message);
            ExitCode::from(exit.code)
        }
    }
}

fn init_tracing(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, 2) => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Reads and validates every input; nothing is sent before this succeeds.
fn collect(args: &HardDelete) -> Result<(IdSet, u64), Exit> {
    let mut collected = input::Collected::default();
    collected.add_args(&args.ids);
    if let Some(path) = &args.ids_file {
        let name = if path == "-" {
            "<stdin>"
        } else {
            path.as_str()
        };
        let reader = input::open(path).map_err(|e| usage(format!("{name}: {e}")))?;
        collected
            .add_reader(name, reader)
            .map_err(|e| usage(format!("{name}: {e}")))?;
    }
    if collected.bad_total > 0 {
        let mut err = std::io::stderr().lock();
        for bad in &collected.bad {
            let _ = writeln!(err, "{bad}");
        }
        let unlisted = collected.bad_total - collected.bad.len();
        if unlisted > 0 {
            let _ = writeln!(err, "... and {unlisted} more invalid item(s)");
        }
        return Err(usage(format!(
            "{} invalid id(s); nothing was sent",
            collected.bad_total
        )));
    }
    if collected.ids.is_empty() {
        return Err(usage(
            "no ids given (pass IDs or --ids-file PATH); nothing was sent",
        ));
    }
    let lines = collected.input_lines;
    Ok((IdSet::from_uuids(collected.ids), lines))
}

async fn hard_delete(cli: &Cli, args: &HardDelete) -> Result<u8, Exit> {
    let started = SystemTime::now();
    if args.ids_file.as_deref() == Some("-") && cli.api_key_file.as_deref() == Some("-") {
        return Err(usage(
            "--ids-file - and --api-key-file - cannot both read stdin",
        ));
    }
    if !(ExampleIds::MIN..=ExampleIds::MAX).contains(&args.batch_size) {
        return Err(usage(format!(
            "--batch-size {} is outside {}..={} (the spec's bounds)",
            args.batch_size,
            ExampleIds::MIN,
            ExampleIds::MAX
        )));
    }
    if args.concurrency == 0 || args.rate_limit == Some(0) {
        return Err(usage("--concurrency and --rate-limit must be at least 1"));
    }
    if !(cli.timeout.is_finite() && cli.timeout > 0.0) {
        return Err(usage("--timeout must be a positive number of seconds"));
    }
    let (mut set, input_lines) = collect(args)?;
    let unique = set.len() as u64;
    let duplicates = set.duplicates_removed();

    // The embedded stand-in, seeded with the ids given.
    let mock = if cli.mock {
        let mut b = langsmith_mock::MockServer::builder();
        b.example_ids(set.as_slice().iter().copied())
            .record_requests(false);
        Some(
            b.start()
                .await
                .map_err(|e| usage(format!("cannot start the stand-in server: {e}")))?,
        )
    } else {
        None
    };

    let mut builder = ClientBuilder::from_env()
        .timeout(Duration::from_secs_f64(cli.timeout))
        .retry_policy(RetryPolicy {
            max_retries: cli.max_retries,
            ..RetryPolicy::default()
        });
    if let Some(server) = &mock {
        builder = builder
            .endpoint(server.url())
            .api_key(server.api_key())
            .workspace_id(server.workspace_id().to_string());
    } else {
        if let Some(e) = &cli.endpoint {
            builder = builder.endpoint(e);
        }
        if let Some(ws) = &cli.workspace_id {
            builder = builder.workspace_id(ws);
        }
        if let Some(path) = &cli.api_key_file {
            let key = input::read_secret(path)
                .map_err(|e| usage(format!("--api-key-file {path}: {e}")))?;
            if key.is_empty() {
                return Err(usage(format!("--api-key-file {path}: the file is empty")));
            }
            builder = builder.api_key(key);
        }
        if !args.dry_run && !builder.has_credentials() {
            return Err(usage(
                "no API key: set LANGSMITH_API_KEY or pass --api-key-file PATH (never the key itself)",
            ));
        }
    }
    let endpoint = builder.configured_endpoint().to_owned();
    let workspace = builder.configured_workspace_id().map(str::to_owned);
    let client: Client = builder.build().map_err(|e| usage(e.to_string()))?;

    // Skip what a journal already confirmed.
    let mut already = 0u64;
    let mut journal = None;
    if let Some(path) = &args.journal {
        let loaded = journal::load(path, &endpoint, workspace.as_deref()).map_err(usage)?;
        if loaded.torn_tail {
            eprintln!(
                "note: {}: the last line was cut short by an interrupted run; its batch will be sent again",
                path.display()
            );
        }
        already = set.remove_all(&loaded.confirmed) as u64;
        if !args.dry_run {
            journal = Some(
                journal::Journal::open(path, &endpoint, workspace.as_deref(), &loaded)
                    .map_err(usage)?,
            );
        }
    }
    let to_send = set.len();
    let batches = to_send.div_ceil(args.batch_size);
    let make_report =
        |dry_run: bool, batches: Vec<report::Batch>, totals: report::Totals| report::Report {
            endpoint: &endpoint,
            workspace: workspace.as_deref(),
            dry_run,
            started_at: report::rfc3339(started),
            finished_at: report::rfc3339(SystemTime::now()),
            input_lines,
            unique_ids: unique,
            duplicates_dropped: duplicates,
            already_confirmed: already,
            batches,
            totals,
        };
    let ws_shown = workspace.as_deref().unwrap_or("(the key's default)");

    if args.dry_run || to_send == 0 {
        let plan = format!(
            "plan: hard-delete {to_send} unique example(s) in {batches} request(s) of at most {} at {endpoint}, workspace {ws_shown}\n\
             input: {input_lines} line(s), {unique} unique, {duplicates} duplicate(s) dropped, {already} already confirmed in the journal",
            args.batch_size
        );
        if args.output == Output::Json {
            let r = make_report(
                args.dry_run,
                Vec::new(),
                report::Totals {
                    already_confirmed: already,
                    not_attempted: to_send as u64,
                    ..Default::default()
                },
            );
            println!("{}", serde_json::to_string_pretty(&r).expect("json"));
        } else {
            println!("{plan}");
            if to_send == 0 {
                println!("nothing to send: every id is already confirmed");
            } else {
                println!("dry run: nothing was sent");
            }
        }
        return Ok(0);
    }

    if !args.yes {
        confirm(args, to_send, batches, &endpoint, ws_shown)?;
    }

    let progress = if cli.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(to_send as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} ids confirmed, {per_sec}, ETA {eta} {msg}",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        bar
    };
    let journal = Arc::new(Mutex::new(journal));
    let journal_error: Arc<Mutex<Option<String>>> = Arc::default();
    let done_batches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let failed_batches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let callback = {
        let (journal, journal_error, progress) =
            (journal.clone(), journal_error.clone(), progress.clone());
        let (done_batches, failed_batches) = (done_batches.clone(), failed_batches.clone());
        Arc::new(
            move |batch: &langsmith::BatchReport, ids: &[langsmith::Uuid]| {
                use std::sync::atomic::Ordering::SeqCst;
                if batch.outcome == BatchOutcome::Confirmed {
                    if let Some(j) = journal.lock().unwrap().as_mut()
                        && let Err(e) = j.record(batch.index, batch.server_count, ids)
                    {
                        journal_error.lock().unwrap().get_or_insert(e);
                    }
                    progress.inc(ids.len() as u64);
                } else if batch.outcome == BatchOutcome::Failed {
                    failed_batches.fetch_add(1, SeqCst);
                }
                let done = done_batches.fetch_add(1, SeqCst) + 1;
                progress.set_message(format!(
                    "batches {done}/{batches}, {} failed",
                    failed_batches.load(SeqCst)
                ));
            },
        )
    };
    let options = BulkOptions {
        batch_size: args.batch_size,
        concurrency: args.concurrency,
        rate_limit_per_minute: args.rate_limit,
        fail_fast: args.fail_fast,
        on_batch: Some(callback),
    };
    let bulk = client
        .hard_delete_set(set, &options)
        .await
        .map_err(|e| usage(e.to_string()))?;
    progress.finish_and_clear();

    let totals = report::Totals {
        confirmed: bulk.confirmed as u64,
        failed: bulk.failed as u64,
        not_attempted: bulk.not_attempted as u64,
        already_confirmed: already,
    };
    if args.report.is_some() || args.output == Output::Json {
        let r = make_report(false, report::batches(&bulk), totals);
        let json = serde_json::to_string_pretty(&r).expect("json");
        if let Some(path) = &args.report {
            std::fs::write(path, format!("{json}\n")).map_err(|e| Exit {
                code: 1,
                message: format!("{}: cannot write the report: {e}", path.display()),
            })?;
        }
        if args.output == Output::Json {
            println!("{json}");
        }
    }
    if args.output == Output::Text {
        println!(
            "confirmed {} of {to_send} unique id(s) in {} request(s) at {endpoint}, workspace {ws_shown}",
            totals.confirmed,
            bulk.batches.len()
        );
        println!(
            "input: {input_lines} line(s), {unique} unique, {duplicates} duplicate(s) dropped, {already} already confirmed in the journal"
        );
        if totals.failed + totals.not_attempted > 0 {
            println!(
                "failed: {} id(s); not attempted: {} id(s)",
                totals.failed, totals.not_attempted
            );
        }
        if let Some(server) = &mock {
            println!(
                "stand-in server: {} example(s) now hard-deleted (inputs, outputs, metadata nulled in every version)",
                server.hard_deleted_ids().len()
            );
        }
    }
    let failed: Vec<_> = bulk
        .batches
        .iter()
        .filter(|b| b.outcome == BatchOutcome::Failed)
        .collect();
    for b in failed.iter().take(input::MAX_LISTED) {
        if let Some(e) = &b.error {
            eprintln!(
                "batch {} ({} ids) failed after {} attempt(s): {e}",
                b.index,
                b.range.len(),
                b.attempts
            );
        }
    }
    if failed.len() > input::MAX_LISTED {
        eprintln!(
            "... and {} more failed batch(es)",
            failed.len() - input::MAX_LISTED
        );
    }
    if let Some(e) = journal_error.lock().unwrap().take() {
        eprintln!(
            "error: the journal could not be written ({e}); a re-run will send some confirmed ids again"
        );
        return Ok(1);
    }
    Ok(exit_code(&bulk))
}

fn confirm(
    args: &HardDelete,
    n: usize,
    batches: usize,
    endpoint: &str,
    ws: &str,
) -> Result<(), Exit> {
    let interactive = std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
        && args.ids_file.as_deref() != Some("-");
    if !interactive {
        return Err(usage(
            "not on a terminal: pass --yes to confirm the hard deletion (nothing was sent)",
        ));
    }
    eprint!(
        "About to HARD-DELETE {n} unique example(s) in {batches} request(s) at {endpoint}, workspace {ws}.\n\
         Inputs, outputs and metadata of every version are nulled at once; this cannot be undone.\n\
         Type 'yes' to continue: "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| usage(format!("cannot read the answer: {e}")))?;
    if answer.trim() != "yes" {
        return Err(usage("not confirmed; nothing was sent"));
    }
    Ok(())
}

fn exit_code(report: &BulkReport) -> u8 {
    if report.is_complete() {
        return 0;
    }
    let errors: Vec<&Error> = report
        .batches
        .iter()
        .filter_map(|b| b.error.as_ref())
        .collect();
    if errors.iter().any(|e| e.is_auth()) {
        3
    } else if report.confirmed == 0
        && !errors.is_empty()
        && errors
            .iter()
            .all(|e| matches!(e, Error::Transport { .. } | Error::Timeout { .. }))
    {
        4
    } else {
        1
    }
}
