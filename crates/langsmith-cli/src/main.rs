//! `langsmith-examples`: find, hard-delete and verify LangSmith dataset examples.

mod find;
mod input;
mod journal;
mod report;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use langsmith::{
    BulkOptions, BulkReport, Client, ClientBuilder, Error, ErrorKind, ExampleIds, IdSet, Outcome,
    RetryPolicy, Uuid,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

const EXIT_CODES: &str = "\
Exit codes:
  0    hard-delete: every id was confirmed deleted by the server's answer (or --dry-run
       succeeded), and with --verify read back erased; select: the ids were listed;
       verify: every id read back erased
  1    some ids failed, were not confirmed, or were not attempted; the report says which
  2    usage or input error; nothing was sent
  3    authentication or permission refused (401/403), for the run or for some ids
  4    could not reach the server (nothing confirmed; connection, TLS or timeout)
  5    every id was deleted or not found, and some were not found
  6    verification read back an id that is not erased (data left, a field left out
       of the answer, or not found)
  8    select, hard-delete: the server listed examples that fail the selectors when
       checked here (another dataset, text or metadata or split not there); they were
       excluded, never deleted; the ids that passed were (see the report's `excluded`)
  130  interrupted (Ctrl-C): in-flight requests finished, journal and report written

\"Deleted\" means the server's answer named the id; \"erased\" means the id read back
with inputs, outputs and metadata all null. Environment: LANGSMITH_ENDPOINT,
LANGSMITH_API_KEY, LANGSMITH_WORKSPACE_ID (or the LANGCHAIN_* names). The API key is
never accepted as an argument.";

const EXIT_PARTIAL: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_AUTH: u8 = 3;
const EXIT_UNREACHABLE: u8 = 4;
const EXIT_NOT_FOUND: u8 = 5;
const EXIT_NOT_ERASED: u8 = 6;
const EXIT_EXCLUDED: u8 = 8;
const EXIT_INTERRUPTED: u8 = 130;

#[derive(Parser)]
#[command(name = "langsmith-examples", version, about = "Find, hard-delete and verify the erasure of LangSmith dataset examples.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// API endpoint (default: $LANGSMITH_ENDPOINT, else https://api.smith.langchain.com).
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,
    /// Workspace id (a UUID), sent as X-Tenant-Id (default: $LANGSMITH_WORKSPACE_ID).
    #[arg(long, global = true, value_name = "ID")]
    workspace_id: Option<String>,
    /// Read the API key from this file, or `-` for stdin (default: $LANGSMITH_API_KEY).
    #[arg(long, global = true, value_name = "PATH")]
    api_key_file: Option<String>,
    /// The CLI login profile to read (default: $LANGSMITH_PROFILE, else the config file's
    /// current profile). Flags win over the environment, which wins over the profile.
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// Seconds allowed per attempt (0.001 to 3600).
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30.0)]
    timeout: f64,
    /// Retries per request for 408/429/5xx/connection failures (0 to 100).
    #[arg(long, global = true, value_name = "N", default_value_t = 5)]
    max_retries: u32,
    /// Allow plain http:// off loopback (self-hosted installs on an internal network):
    /// the API key then travels unencrypted.
    #[arg(long, global = true)]
    allow_insecure_http: bool,
    /// Run against an embedded stand-in server on loopback, seeded with the ids given, or
    /// (with selectors) with 10,000 examples in the dataset --dataset names, one in 50
    /// holding the marker jane.doe@example.com.
    #[cfg(feature = "mock")]
    #[arg(long, global = true, conflicts_with_all = ["endpoint", "workspace_id", "api_key_file", "profile"])]
    mock: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// No progress bar and only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
}

impl Cli {
    fn mock(&self) -> bool {
        #[cfg(feature = "mock")]
        return self.mock;
        #[cfg(not(feature = "mock"))]
        false
    }
}

#[derive(Subcommand)]
enum Command {
    /// Hard-delete examples: null inputs, outputs and metadata of every version, delete attachments.
    #[command(after_help = EXIT_CODES)]
    HardDelete(HardDelete),
    /// Print the ids of the examples the selectors match, one per line (read-only).
    #[command(after_help = EXIT_CODES)]
    Select(Select),
    /// Read ids back and say per id whether inputs, outputs and metadata are null (read-only).
    #[command(after_help = EXIT_CODES)]
    Verify(Verify),
}

#[derive(Args)]
struct Select {
    #[command(flatten)]
    selectors: find::Selectors,
    /// `text`: one id per line; `json`: one document with the ids and the count.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Pages in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Client-side limit, requests per minute.
    #[arg(long, value_name = "PER_MIN")]
    rate_limit: Option<u32>,
}

#[derive(Args)]
struct Verify {
    /// Example ids (UUIDs in any usual form).
    #[arg(value_name = "ID")]
    ids: Vec<String>,
    /// Ids one per line (blank lines and # comments ignored) or a JSON array of strings; `-` for stdin.
    #[arg(long, value_name = "PATH")]
    ids_file: Option<String>,
    /// Read the examples as they were at this time (RFC 3339), to check earlier versions.
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// Requests in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Client-side limit, requests per minute.
    #[arg(long, value_name = "PER_MIN")]
    rate_limit: Option<u32>,
    /// Write the JSON verification report here, atomically.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
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
    /// Select the examples to delete instead of naming ids: the server counts them, they
    /// are listed, and the confirmation shows the count and a few ids.
    #[command(flatten)]
    selectors: find::Selectors,
    /// After deleting, read every id back; exit 0 only when each is erased.
    #[arg(long)]
    verify: bool,
    /// Ids one per line (blank lines and # comments ignored) or a JSON array of strings; `-` for stdin.
    #[arg(long, value_name = "PATH")]
    ids_file: Option<String>,
    /// Validate, de-duplicate, batch and print the plan; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(short = 'y', long)]
    yes: bool,
    /// Batches in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Client-side limit, requests per minute (LangSmith allows 2000/min per key).
    #[arg(long, value_name = "PER_MIN")]
    rate_limit: Option<u32>,
    /// Ids per request (at most the spec's maximum).
    #[arg(long, value_name = "N", default_value_t = ExampleIds::MAX)]
    batch_size: usize,
    /// Append-only, hash-chained journal of confirmed ids; re-running with it skips them.
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Write the JSON report (the run's evidence) here, atomically.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Stop starting requests after the first failure.
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
        code: EXIT_USAGE,
        message: message.into(),
    }
}

/// An error and its causes on one line: `outer: cause: innermost cause`.
pub(crate) fn chain_text(e: &Error) -> String {
    langsmith::error_chain(e)
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// An error and its causes, one per line, for stderr.
fn chain_lines(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    for (i, c) in langsmith::error_chain(e).enumerate() {
        if i == 0 {
            out.push_str(&c.to_string());
        } else {
            out.push_str(&format!("\n  caused by: {c}"));
        }
    }
    out
}

fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.quiet);
    // One thread: the work is I/O-bound, and a single-threaded runtime costs the least
    // CPU; the journal writes on a thread of its own.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let work = async {
        match &cli.command {
            Command::HardDelete(args) => hard_delete(&cli, args).await,
            Command::Select(args) => select(&cli, args).await,
            Command::Verify(args) => verify(&cli, args).await,
        }
    };
    match runtime.block_on(work) {
        Ok(code) => ExitCode::from(code),
        Err(exit) => {
            eprintln!("error: {}", exit.message);
            ExitCode::from(exit.code)
        }
    }
}

/// `-v`: retries and isolated refusals (INFO) from this tool and the facade only;
/// `-vv`: plus one line per request (DEBUG); `-vvv`: everything, libraries included.
/// `RUST_LOG`, when set, replaces all of that with its own filter.
fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let ours = |level: &str| {
        format!("warn,langsmith={level},langsmith_api={level},langsmith_examples={level}")
    };
    let directives = match (quiet, verbose) {
        (true, _) => "error".to_owned(),
        (false, 0) => "warn".to_owned(),
        (false, 1) => ours("info"),
        (false, 2) => ours("debug"),
        _ => "trace".to_owned(),
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(v.trim()).unwrap_or_else(|e| {
            eprintln!("warning: RUST_LOG is not a valid filter ({e}); using -v levels");
            EnvFilter::new(&directives)
        }),
        _ => EnvFilter::new(&directives),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(verbose >= 3)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Everything read from the inputs.
struct Input {
    set: IdSet,
    lines: u64,
    sources: Vec<report::InputSource>,
    /// When the ids came from selectors: what they selected.
    selection: Option<report::SelectionInfo>,
}

/// Where ids come from: arguments and an ids file.
struct IdArgs<'a> {
    ids: &'a [String],
    ids_file: Option<&'a str>,
    /// Whether to hash the file's bytes (for a report).
    hash: bool,
}

/// Reads and validates every input; nothing is sent before this succeeds.
fn collect(args: IdArgs<'_>) -> Result<Input, Exit> {
    let mut collected = input::Collected::default();
    let mut sources = Vec::new();
    if !args.ids.is_empty() {
        collected.add_args(args.ids);
        let mut h =
            input::Hashing::new(std::io::Cursor::new(args.ids.join("\n").into_bytes()), true);
        let _ = std::io::copy(&mut h, &mut std::io::sink());
        let (sha256, bytes) = h.finish();
        sources.push(report::InputSource {
            source: "arguments".into(),
            sha256,
            bytes,
            lines: args.ids.len() as u64,
        });
    }
    if let Some(path) = args.ids_file {
        let name = if path == "-" { "<stdin>" } else { path };
        let before = collected.input_lines;
        // The digest is evidence for the report; without one, only bytes are counted.
        let mut reader = input::open(path, args.hash).map_err(|e| usage(format!("{name}: {e}")))?;
        collected
            .add_reader(name, &mut reader)
            .map_err(|e| usage(format!("{name}: {e}")))?;
        // Hash every byte of the input, also what follows a JSON array.
        std::io::copy(&mut reader, &mut std::io::sink())
            .map_err(|e| usage(format!("{name}: {e}")))?;
        let (sha256, bytes) = reader.into_inner().finish();
        sources.push(report::InputSource {
            source: name.into(),
            sha256,
            bytes,
            lines: collected.input_lines - before,
        });
    }
    if collected.bad_total > 0 {
        let mut err = std::io::stderr().lock();
        for bad in &collected.bad {
            let _ = writeln!(err, "{bad}");
        }
        let unlisted = collected.bad_total - collected.bad.len();
        if unlisted > 0 {
            let _ = writeln!(
                err,
                "... and {}",
                plural(unlisted as u64, "more invalid item", "more invalid items")
            );
        }
        return Err(usage(format!(
            "{}; nothing was sent",
            plural(collected.bad_total as u64, "invalid id", "invalid ids")
        )));
    }
    if collected.ids.is_empty() {
        return Err(usage(
            "no ids given (pass IDs, --ids-file PATH, or selectors such as --dataset NAME); nothing was sent",
        ));
    }
    Ok(Input {
        lines: collected.input_lines,
        set: IdSet::from_uuids(collected.ids),
        sources,
        selection: None,
    })
}

/// The ids the selectors match, as the run's input: the server counts, then lists them.
async fn select_input(
    cli: &Cli,
    target: &Target,
    selectors: &find::Selectors,
    concurrency: usize,
) -> Result<Input, Exit> {
    let query = selectors.query(&target.client, concurrency).await?;
    let spinner = progress_bar(cli.quiet, 0);
    let selection = find::select_ids(&target.client, &query, |_| spinner.inc(1), || {}).await?;
    spinner.finish_and_clear();
    find::warn_if_changed(&selection);
    // The selection's evidence: the sha256 of the ids as `select` prints them.
    let (sha256, bytes) = {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut buf = [0u8; 37];
        for id in &selection.ids {
            let text = id.hyphenated().encode_lower(&mut buf[..36]);
            let len = text.len();
            buf[len] = b'\n';
            hasher.update(&buf[..=len]);
        }
        (
            Some(format!("{:x}", hasher.finalize())),
            selection.ids.len() as u64 * 37,
        )
    };
    let n = selection.ids.len() as u64;
    Ok(Input {
        sources: vec![report::InputSource {
            source: format!("selection: {}", selectors.describe()),
            sha256,
            bytes,
            lines: n,
        }],
        lines: n,
        selection: Some(report::SelectionInfo {
            selectors: selectors.describe(),
            server_evaluated: query.server_evaluated(),
            counted: selection.counted,
            listed: selection.listed(),
            selected: n,
            excluded: find::excluded_rows(&selection),
            samples: selection.ids.iter().take(5).copied().collect(),
        }),
        set: IdSet::from_uuids(selection.ids),
    })
}

/// Checks shared by every command: stdin used once, numbers in range.
fn check_common(
    cli: &Cli,
    ids_file: Option<&str>,
    concurrency: usize,
    rate_limit: Option<u32>,
) -> Result<(), Exit> {
    if ids_file == Some("-") && cli.api_key_file.as_deref() == Some("-") {
        return Err(usage(
            "--ids-file - and --api-key-file - cannot both read stdin",
        ));
    }
    if !(1..=64).contains(&concurrency) {
        return Err(usage(format!(
            "--concurrency {concurrency} is outside 1..=64"
        )));
    }
    if let Some(r) = rate_limit
        && !(1..=1_000_000).contains(&r)
    {
        return Err(usage(format!(
            "--rate-limit {r} is outside 1..=1000000 per minute"
        )));
    }
    if !(cli.timeout.is_finite() && (0.001..=3600.0).contains(&cli.timeout)) {
        return Err(usage(format!(
            "--timeout {} is outside 0.001..=3600 seconds",
            cli.timeout
        )));
    }
    if cli.max_retries > 100 {
        return Err(usage(format!(
            "--max-retries {} is outside 0..=100",
            cli.max_retries
        )));
    }
    Ok(())
}

/// Flag checks that need no input: every number in range.
fn check_flags(cli: &Cli, args: &HardDelete) -> Result<(), Exit> {
    check_common(
        cli,
        args.ids_file.as_deref(),
        args.concurrency,
        args.rate_limit,
    )?;
    args.selectors.check()?;
    if args.selectors.any() && (!args.ids.is_empty() || args.ids_file.is_some()) {
        return Err(usage(
            "give ids (IDs, --ids-file) or selectors (--dataset, --contains, ...), not both; nothing was sent",
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
    if let Some(path) = &args.report {
        report::check_writable(path)
            .map_err(|e| usage(format!("--report {e}; nothing was sent")))?;
    }
    Ok(())
}

/// The client, from the flags, the environment, or the embedded stand-in.
struct Target {
    client: Client,
    endpoint: String,
    workspace: Option<String>,
    #[cfg(feature = "mock")]
    mock: Option<langsmith_mock::MockServer>,
}

/// What the stand-in behind `--mock` is seeded with.
enum Seed<'a> {
    /// These ids, as examples holding data.
    Ids(&'a [Uuid]),
    /// 10,000 examples in a dataset of this name (or the default), some holding the
    /// demo marker.
    Dataset(Option<&'a str>),
}

/// How to connect.
struct Connect<'a> {
    rate_limit: Option<u32>,
    /// Whether a missing API key is an error (a dry run needs none).
    needs_key: bool,
    seed: Seed<'a>,
}

/// Examples the stand-in holds for a selector run under `--mock`.
#[cfg(feature = "mock")]
const MOCK_SEEDED: usize = 10_000;

async fn connect(cli: &Cli, opts: Connect<'_>) -> Result<Target, Exit> {
    let base = if cli.mock() {
        ClientBuilder::default()
    } else {
        ClientBuilder::from_env_and_profile(cli.profile.as_deref())
            .map_err(|e| usage(format!("{}; nothing was sent", chain_lines(&e))))?
    };
    let mut builder = base
        .timeout(Duration::from_secs_f64(cli.timeout))
        .retry_policy(RetryPolicy {
            max_retries: cli.max_retries,
            ..RetryPolicy::default()
        })
        .allow_insecure_http(cli.allow_insecure_http);
    if let Some(r) = opts.rate_limit {
        builder = builder.rate_limit_per_minute(r);
    }
    #[cfg(feature = "mock")]
    let mut mock = None;
    if cli.mock() {
        #[cfg(feature = "mock")]
        {
            let mut b = langsmith_mock::MockServer::builder();
            match opts.seed {
                Seed::Ids(ids) => {
                    b.example_ids(ids.iter().copied());
                }
                Seed::Dataset(name) => {
                    let name = name
                        .filter(|n| Uuid::try_parse(n).is_err())
                        .unwrap_or(langsmith_mock::DEFAULT_DATASET);
                    b.dataset(name)
                        .marker(
                            langsmith_mock::DEMO_MARKER,
                            langsmith_mock::DEMO_MARKER_EVERY,
                        )
                        .examples(MOCK_SEEDED);
                }
            }
            b.record_requests(false);
            let server = b
                .start()
                .await
                .map_err(|e| usage(format!("cannot start the stand-in server: {e}")))?;
            builder = builder
                .endpoint(server.url())
                .api_key(server.api_key())
                .workspace_id(server.workspace_id().to_string());
            mock = Some(server);
        }
    } else {
        let _ = &opts.seed;
        if let Some(e) = &cli.endpoint {
            builder = builder.endpoint(e);
        }
        if let Some(ws) = &cli.workspace_id {
            builder = builder.workspace_id(ws);
        }
        if let Some(ws) = builder.configured_workspace_id()
            && Uuid::try_parse(ws).is_err()
        {
            let from = if cli.workspace_id.is_some() {
                "--workspace-id"
            } else {
                "LANGSMITH_WORKSPACE_ID"
            };
            return Err(usage(format!(
                "{from} {}: a workspace id is a UUID; nothing was sent",
                input::quote_value(ws)
            )));
        }
        if let Some(path) = &cli.api_key_file {
            let key = input::read_secret(path)
                .map_err(|e| usage(format!("--api-key-file {path}: {e}")))?;
            if key.is_empty() {
                return Err(usage(format!("--api-key-file {path}: the file is empty")));
            }
            builder = builder.api_key(key);
        }
        if opts.needs_key && !builder.has_credentials() {
            return Err(usage(
                "no API key: set LANGSMITH_API_KEY or pass --api-key-file PATH (never the key itself)",
            ));
        }
    }
    if cli.allow_insecure_http && builder.configured_endpoint().starts_with("http://") {
        eprintln!(
            "warning: --allow-insecure-http: the API key travels unencrypted to {}",
            builder.configured_endpoint()
        );
    }
    let sources = builder.sources();
    tracing::info!(
        "endpoint {} from {}; credential from {}; workspace from {}",
        builder.configured_endpoint(),
        sources.endpoint,
        sources.credential,
        sources.workspace_id
    );
    let endpoint = builder.configured_endpoint().to_owned();
    let workspace = builder.configured_workspace_id().map(str::to_owned);
    let client = builder
        .build()
        .map_err(|e| usage(format!("{}; nothing was sent", chain_lines(&e))))?;
    Ok(Target {
        client,
        endpoint,
        workspace,
        #[cfg(feature = "mock")]
        mock,
    })
}

/// The journal runs on its own thread: fsyncs never block the async workers.
struct JournalWriter {
    sender: std::sync::mpsc::Sender<journal::Entry>,
    thread: std::thread::JoinHandle<Option<String>>,
}

impl JournalWriter {
    fn start(mut journal: journal::Journal) -> JournalWriter {
        let (sender, receiver) = std::sync::mpsc::channel::<journal::Entry>();
        let thread = std::thread::spawn(move || {
            let mut first_error = None;
            for entry in receiver {
                if let Err(e) = journal.record(&entry) {
                    tracing::error!(error = %e, "journal write failed");
                    first_error.get_or_insert(e);
                }
            }
            first_error
        });
        JournalWriter { sender, thread }
    }

    /// Waits until everything sent is written; the first write error, if any.
    fn finish(self) -> Option<String> {
        drop(self.sender);
        self.thread
            .join()
            .unwrap_or_else(|_| Some("the journal thread panicked".into()))
    }
}

/// At most 80 columns: `00:00:12 [========>           ] 412,000/1,000,000 ids 31.2k ids/s ETA 19s`,
/// redrawn at most 4 times a second.
fn progress_bar(quiet: bool, total: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:20}] {human_pos}/{human_len} ids {rate} ETA {eta}",
        )
        .expect("template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{} ids/s", human_rate(state.per_sec()));
            },
        )
        .progress_chars("=> "),
    );
    bar
}

/// First Ctrl-C: stop starting requests; second: exit at once.
fn watch_interrupts(cancel: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        cancel.store(true, Ordering::SeqCst);
        eprintln!(
            "\ninterrupted: no new requests start; waiting for those in flight (Ctrl-C again to exit at once)"
        );
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "interrupted twice: exiting now; the journal holds every confirmation written so far"
            );
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
}

async fn hard_delete(cli: &Cli, args: &HardDelete) -> Result<u8, Exit> {
    let started = SystemTime::now();
    let clock = Instant::now();
    check_flags(cli, args)?;
    let hash = args.report.is_some() || args.output == Output::Json;
    let (input, target) = if args.selectors.any() {
        let target = connect(
            cli,
            Connect {
                rate_limit: args.rate_limit,
                needs_key: true,
                seed: Seed::Dataset(args.selectors.dataset.as_deref()),
            },
        )
        .await?;
        let input = select_input(cli, &target, &args.selectors, args.concurrency).await?;
        (input, target)
    } else {
        let input = collect(IdArgs {
            ids: &args.ids,
            ids_file: args.ids_file.as_deref(),
            hash,
        })?;
        let target = connect(
            cli,
            Connect {
                rate_limit: args.rate_limit,
                needs_key: !args.dry_run,
                seed: Seed::Ids(input.set.as_slice()),
            },
        )
        .await?;
        (input, target)
    };
    let ask = !args.yes && !args.dry_run;
    if let Some(selection) = &input.selection
        && selection.selected == 0
    {
        // A search that found nothing is evidence too: with --report, it is written.
        let run = prepare(args, input, &target, started, false)?.1;
        return nothing_selected(args, &run);
    }
    let (mut journal, mut run) = prepare(args, input, &target, started, !ask)?;
    if args.dry_run || (run.plan.to_send == 0 && !args.verify) {
        return dry_run(args, &run);
    }
    if ask && run.plan.to_send > 0 {
        confirm(args, &run, &target)?;
    }
    if journal.is_none()
        && let Some(path) = &args.journal
    {
        // Confirmed: now the journal is opened (and locked) for writing; what it holds
        // by now is taken out once more.
        let jtarget = journal::Target {
            endpoint: &target.endpoint,
            workspace: target.workspace.as_deref(),
        };
        let (j, loaded) = journal::Journal::open(path, jtarget).map_err(usage)?;
        run.take_out(&loaded.confirmed, args.batch_size);
        journal = Some(j);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    watch_interrupts(cancel.clone());
    let (bulk, journal_error) =
        execute(cli, args, &target, &mut run, journal, cancel.clone()).await?;
    let verification = if args.verify && !bulk.cancelled() && bulk.stopped_by().is_none() {
        // Every id of the run, also those an earlier run's journal confirmed.
        let mut ids = bulk.ids().to_vec();
        ids.extend_from_slice(&run.already);
        Some(
            find::verify_ids(
                &target.client,
                ids,
                None,
                args.concurrency,
                cli.quiet,
                cancel.clone(),
            )
            .await,
        )
    } else {
        None
    };
    let interrupted = cancel.load(Ordering::SeqCst);
    finish(
        args,
        &target,
        &run,
        &bulk,
        journal_error,
        verification.as_ref(),
        interrupted,
        clock.elapsed(),
    )
}

/// `select`: the ids the selectors match, on stdout.
async fn select(cli: &Cli, args: &Select) -> Result<u8, Exit> {
    check_common(cli, None, args.concurrency, args.rate_limit)?;
    args.selectors.check()?;
    if !args.selectors.any() {
        return Err(usage(
            "select needs a selector: --dataset, --contains, --metadata, --filter or --split",
        ));
    }
    let target = connect(
        cli,
        Connect {
            rate_limit: args.rate_limit,
            needs_key: true,
            seed: Seed::Dataset(args.selectors.dataset.as_deref()),
        },
    )
    .await?;
    find::select(
        &target.client,
        &args.selectors,
        args.output,
        cli.quiet,
        args.concurrency,
    )
    .await
}

/// `verify`: reads ids back and says per id whether they are erased.
async fn verify(cli: &Cli, args: &Verify) -> Result<u8, Exit> {
    let started = SystemTime::now();
    check_common(
        cli,
        args.ids_file.as_deref(),
        args.concurrency,
        args.rate_limit,
    )?;
    let as_of = args.as_of.as_deref().map(find::parse_as_of).transpose()?;
    if let Some(path) = &args.report {
        report::check_writable(path)
            .map_err(|e| usage(format!("--report {e}; nothing was sent")))?;
    }
    let input = collect(IdArgs {
        ids: &args.ids,
        ids_file: args.ids_file.as_deref(),
        hash: args.report.is_some() || args.output == Output::Json,
    })?;
    let target = connect(
        cli,
        Connect {
            rate_limit: args.rate_limit,
            needs_key: true,
            seed: Seed::Ids(input.set.as_slice()),
        },
    )
    .await?;
    let cancel = Arc::new(AtomicBool::new(false));
    watch_interrupts(cancel.clone());
    let ids = input.set.as_slice().to_vec();
    let v = find::verify_ids(
        &target.client,
        ids,
        as_of,
        args.concurrency,
        cli.quiet,
        cancel.clone(),
    )
    .await;
    let interrupted = cancel.load(Ordering::SeqCst);
    let exit = find::exit_code(&v, interrupted);
    if args.report.is_some() || args.output == Output::Json {
        let command: Vec<String> = std::env::args().collect();
        let doc = find::VerifyReportDoc {
            tool: env!("CARGO_BIN_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            command: &command,
            endpoint: &target.endpoint,
            workspace: target.workspace.as_deref(),
            started_at: report::rfc3339(started),
            finished_at: report::rfc3339(SystemTime::now()),
            inputs: &input.sources,
            unique_ids: v.ids().len() as u64,
            verification: find::VerificationSection::of(&v),
            interrupted,
            exit_code: exit,
        };
        write_json(args.report.as_deref(), args.output, &doc)?;
    }
    if args.output == Output::Text {
        find::print_summary(&v);
    }
    Ok(exit)
}

/// What a run knows before it sends anything: its inputs, its plan, what the journal
/// already holds. The report is built from it.
struct Prepared {
    command: Vec<String>,
    started: SystemTime,
    endpoint: String,
    workspace: Option<String>,
    sources: Vec<report::InputSource>,
    input_lines: u64,
    unique: u64,
    duplicates: u64,
    /// Ids an earlier run's journal confirmed (not sent again).
    already: Vec<Uuid>,
    /// The ids to send (taken by [`execute`]).
    set: Option<IdSet>,
    plan: report::Plan,
    /// When the ids came from selectors: what they selected.
    selection: Option<report::SelectionInfo>,
}

impl Prepared {
    /// Takes ids a journal confirmed out of the ids to send, as already deleted.
    fn take_out(&mut self, confirmed: &IdSet, batch_size: usize) {
        let Some(set) = self.set.as_mut() else {
            return;
        };
        let newly: Vec<Uuid> = set
            .as_slice()
            .iter()
            .filter(|id| confirmed.contains(id))
            .copied()
            .collect();
        if newly.is_empty() {
            return;
        }
        set.remove_all(confirmed);
        self.already.extend(newly);
        self.already.sort_unstable();
        self.plan = report::Plan {
            to_send: set.len() as u64,
            batch_size,
            batches: set.len().div_ceil(batch_size),
        };
    }
}

impl Target {
    fn shown_workspace(&self) -> &str {
        self.workspace.as_deref().unwrap_or("(the key's default)")
    }
}

/// Opens (or, for a dry run, only reads) the journal and takes what it confirmed out of
/// the ids to send.
fn prepare(
    args: &HardDelete,
    input: Input,
    target: &Target,
    started: SystemTime,
    open: bool,
) -> Result<(Option<journal::Journal>, Prepared), Exit> {
    let jtarget = journal::Target {
        endpoint: &target.endpoint,
        workspace: target.workspace.as_deref(),
    };
    let mut journal = None;
    let loaded = match &args.journal {
        None => journal::Loaded::default(),
        // Read only: a dry run, or a run not yet confirmed (answering "no" must leave
        // no journal behind).
        Some(path) if args.dry_run || !open => journal::load(path, jtarget).map_err(usage)?,
        Some(path) => {
            let (j, loaded) = journal::Journal::open(path, jtarget).map_err(usage)?;
            journal = Some(j);
            loaded
        }
    };
    if let (true, Some(path)) = (loaded.torn_tail, &args.journal) {
        eprintln!(
            "note: {}: the last line was cut short by an interrupted run; its ids will be sent again",
            path.display()
        );
    }
    let Input {
        mut set,
        lines,
        sources,
        selection,
    } = input;
    let unique = set.len() as u64;
    let duplicates = set.duplicates_removed();
    let already: Vec<Uuid> = set
        .as_slice()
        .iter()
        .filter(|id| loaded.confirmed.contains(id))
        .copied()
        .collect();
    set.remove_all(&loaded.confirmed);
    let plan = report::Plan {
        to_send: set.len() as u64,
        batch_size: args.batch_size,
        batches: set.len().div_ceil(args.batch_size),
    };
    Ok((
        journal,
        Prepared {
            command: std::env::args().collect(),
            started,
            endpoint: target.endpoint.clone(),
            workspace: target.workspace.clone(),
            sources,
            input_lines: lines,
            unique,
            duplicates,
            already,
            set: Some(set),
            plan,
            selection,
        },
    ))
}

/// A selection that selected nothing: said, and with `--report` written; nothing is sent.
fn nothing_selected(args: &HardDelete, run: &Prepared) -> Result<u8, Exit> {
    let selection = run.selection.as_ref().expect("a selection");
    let exit = excluded_exit(run, 0);
    if args.report.is_some() || args.output == Output::Json {
        let unsent = BulkReport::unsent(langsmith::IdSet::default());
        emit_report(args, &run.report(args, &unsent, None, false, exit))?;
    }
    if args.output == Output::Text {
        println!(
            "no example matches ({}); the server counted {}; nothing to delete",
            selection.selectors, selection.counted
        );
    }
    Ok(exit)
}

/// [`EXIT_EXCLUDED`] in place of a success when the selection excluded listed examples.
fn excluded_exit(run: &Prepared, exit: u8) -> u8 {
    let excluded = run
        .selection
        .as_ref()
        .is_some_and(|s| !s.excluded.is_empty());
    if excluded && (exit == 0 || exit == EXIT_NOT_FOUND) {
        EXIT_EXCLUDED
    } else {
        exit
    }
}

/// The plan, printed and reported; nothing is sent.
fn dry_run(args: &HardDelete, run: &Prepared) -> Result<u8, Exit> {
    let exit = excluded_exit(run, 0);
    if args.report.is_some() || args.output == Output::Json {
        let unsent = BulkReport::unsent(run.set.clone().unwrap_or_default());
        emit_report(args, &run.report(args, &unsent, None, false, exit))?;
    }
    if args.output == Output::Text
        && let (Some(selection), Some(set)) = (&run.selection, &run.set)
    {
        // What would be deleted, one id a line (the selection, less what the journal
        // already confirmed).
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for id in set.as_slice() {
            let _ = writeln!(out, "{id}");
        }
        let _ = out.flush();
        println!(
            "selected: {} ({}); the server counted {}{}",
            plural(selection.selected, "example", "examples"),
            selection.selectors,
            selection.counted,
            match selection.excluded.len() {
                0 => String::new(),
                n => format!(
                    "; {} excluded (listed, but failing the selectors here)",
                    plural(n as u64, "example", "examples")
                ),
            }
        );
    }
    if args.output == Output::Text {
        println!(
            "plan: hard-delete {} in {} of at most {}",
            plural(run.plan.to_send, "unique example", "unique examples"),
            plural(run.plan.batches as u64, "request", "requests"),
            run.plan.batch_size
        );
        println!(
            "input: {}, {} unique, {}, {} already deleted per the journal",
            plural(run.input_lines, "line", "lines"),
            run.unique,
            plural(run.duplicates, "duplicate", "duplicates"),
            run.already.len()
        );
        if run.plan.to_send == 0 {
            println!("nothing to send: every id is already confirmed deleted");
        } else {
            println!("dry run: nothing was sent");
        }
    }
    Ok(exit)
}

/// Sends everything, journaling each confirmation on the journal's own thread, with a
/// progress line and Ctrl-C handling; returns the report and any journal write error.
async fn execute(
    cli: &Cli,
    args: &HardDelete,
    target: &Target,
    run: &mut Prepared,
    journal: Option<journal::Journal>,
    cancel: Arc<AtomicBool>,
) -> Result<(BulkReport, Option<String>), Exit> {
    let progress = progress_bar(cli.quiet, run.plan.to_send);
    let writer = journal.map(JournalWriter::start);
    let callback = {
        let progress = progress.clone();
        let sender = writer.as_ref().map(|w| w.sender.clone());
        Arc::new(move |p: &langsmith::Progress<'_>| {
            if !p.deleted.is_empty()
                && let Some(sender) = &sender
            {
                let _ = sender.send(journal::Entry {
                    t: report::rfc3339(p.request.finished()),
                    outcome: "deleted".into(),
                    request: p.request.index(),
                    request_id: p.request.request_id().map(str::to_owned),
                    count: p.request.server_count(),
                    ids: p.deleted.to_vec(),
                });
            }
            progress.inc(p.settled as u64);
        })
    };
    let options = BulkOptions {
        batch_size: args.batch_size,
        concurrency: args.concurrency,
        fail_fast: args.fail_fast,
        on_request: Some(callback),
        cancel: Some(cancel),
    };
    let set = run.set.take().unwrap_or_default();
    let bulk = target
        .client
        .hard_delete_set(set, &options)
        .await
        .map_err(|e| usage(chain_lines(&e)))?;
    drop(options); // the callback's journal sender
    progress.finish_and_clear();
    Ok((bulk, writer.and_then(JournalWriter::finish)))
}

/// Report, summary, failures, and the exit code.
#[allow(clippy::too_many_arguments)]
fn finish(
    args: &HardDelete,
    target: &Target,
    run: &Prepared,
    bulk: &BulkReport,
    journal_error: Option<String>,
    verification: Option<&langsmith::VerifyReport>,
    interrupted: bool,
    elapsed: Duration,
) -> Result<u8, Exit> {
    let mut exit = exit_code(bulk);
    if journal_error.is_some() && exit == 0 {
        exit = EXIT_PARTIAL;
    }
    // Deleted is not enough under --verify: every id must read back erased.
    if let Some(v) = verification
        && exit == 0
    {
        exit = find::exit_code(v, false);
    }
    exit = excluded_exit(run, exit);
    if interrupted {
        exit = EXIT_INTERRUPTED;
    }
    if args.report.is_some() || args.output == Output::Json {
        emit_report(
            args,
            &run.report(args, bulk, verification, interrupted, exit),
        )?;
    }
    if args.output == Output::Text {
        summary(bulk, elapsed, run, target, args);
        if let Some(v) = verification {
            find::print_summary(v);
        }
        #[cfg(feature = "mock")]
        if let Some(server) = &target.mock {
            println!(
                "stand-in server: {} now hard-deleted (inputs, outputs, metadata nulled in every version)",
                plural(
                    server.hard_deleted_ids().len() as u64,
                    "example",
                    "examples"
                )
            );
        }
    }
    explain_failures(bulk);
    if let Some(e) = journal_error {
        eprintln!(
            "error: the journal could not be written ({e}); a re-run will send some confirmed ids again"
        );
    }
    if interrupted {
        match &args.journal {
            Some(p) => eprintln!(
                "interrupted: re-run the same command with --journal {} to resume",
                p.display()
            ),
            None => eprintln!(
                "interrupted: {} confirmed deleted before the interruption; {}",
                plural(bulk.count(Outcome::Deleted) as u64, "id was", "ids were"),
                if args.report.is_some() {
                    "the report names them"
                } else {
                    "pass --report PATH (and --journal PATH) next time to keep their names"
                }
            ),
        }
    }
    Ok(exit)
}

impl Prepared {
    fn report<'a>(
        &'a self,
        args: &'a HardDelete,
        bulk: &'a BulkReport,
        verification: Option<&'a langsmith::VerifyReport>,
        interrupted: bool,
        exit_code: u8,
    ) -> report::Report<'a> {
        report::Report {
            tool: env!("CARGO_BIN_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            command: &self.command,
            endpoint: &self.endpoint,
            workspace: self.workspace.as_deref(),
            dry_run: args.dry_run,
            started_at: report::rfc3339(self.started),
            finished_at: report::rfc3339(SystemTime::now()),
            inputs: &self.sources,
            input_lines: self.input_lines,
            unique_ids: self.unique,
            duplicates_dropped: self.duplicates,
            journal: args.journal.as_deref().map(|path| report::JournalInfo {
                path,
                already_deleted: self.already.len() as u64,
            }),
            plan: self.plan.clone(),
            http_requests: bulk.http_requests(),
            requests: report::requests(bulk),
            totals: report::Totals::of_run(bulk, self.already.len() as u64),
            ids: report::IdsByOutcome::of_run(bulk, &self.already),
            stopped_by: bulk.stopped_by().map(ErrorKind::as_str),
            selection: self.selection.as_ref(),
            verification: verification.map(find::VerificationSection::of),
            interrupted,
            exit_code,
        }
    }
}

fn emit_report(args: &HardDelete, r: &report::Report<'_>) -> Result<(), Exit> {
    write_json(args.report.as_deref(), args.output, r)
}

/// Writes a report to `path` (atomically) and, for `-o json`, to stdout.
fn write_json(
    path: Option<&std::path::Path>,
    output: Output,
    r: &impl serde::Serialize,
) -> Result<(), Exit> {
    let json = serde_json::to_vec_pretty(r).expect("json");
    if let Some(path) = path {
        let mut bytes = json.clone();
        bytes.push(b'\n');
        report::write_atomic(path, &bytes).map_err(|message| Exit {
            code: EXIT_PARTIAL,
            message,
        })?;
    }
    if output == Output::Json {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&json);
        let _ = out.write_all(b"\n");
    }
    Ok(())
}

fn human_rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.1}M", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1}k", per_sec / 1e3)
    } else {
        format!("{per_sec:.0}")
    }
}

fn summary(
    bulk: &BulkReport,
    elapsed: Duration,
    run: &Prepared,
    target: &Target,
    args: &HardDelete,
) {
    let settled = (bulk.unique() - bulk.count(Outcome::NotAttempted)) as f64;
    let secs = elapsed.as_secs_f64().max(1e-3);
    println!(
        "deleted {} of {} in {:.1} s ({} ids/s), {} sent",
        bulk.count(Outcome::Deleted),
        plural(bulk.unique() as u64, "unique id", "unique ids"),
        secs,
        human_rate(settled / secs),
        plural(bulk.http_requests(), "HTTP request", "HTTP requests"),
    );
    println!(
        "(deleted: the server named the id in its answer) at {}, workspace {}",
        target.endpoint,
        target.shown_workspace()
    );
    let others: Vec<String> = Outcome::ALL[1..]
        .iter()
        .filter(|o| bulk.count(**o) > 0)
        .map(|o| format!("{} {}", o, bulk.count(*o)))
        .collect();
    if !others.is_empty() {
        println!("not deleted: {}", others.join(", "));
    }
    let already = run.already.len() as u64;
    println!(
        "input: {} ({}), {} unique, {}, {} already deleted per the journal",
        plural(run.input_lines, "line", "lines"),
        plural(run.unique + run.duplicates, "id", "ids"),
        run.unique,
        plural(run.duplicates, "duplicate", "duplicates"),
        already
    );
    if let Some(p) = &args.report {
        println!("report: {}", p.display());
    }
    if let Some(p) = &args.journal {
        println!("journal: {}", p.display());
    }
}

fn explain_failures(bulk: &BulkReport) {
    let failing: Vec<_> = bulk
        .requests()
        .iter()
        .filter(|r| r.error().is_some() || r.anomaly().is_some())
        .collect();
    for r in failing.iter().take(input::MAX_LISTED) {
        let what = match (r.error(), r.anomaly()) {
            (Some(e), _) => chain_lines(e),
            (None, Some(a)) => format!("answer does not confirm every id: {a}"),
            _ => continue,
        };
        eprintln!(
            "request {} (batch {}, {}) after {}: {what}",
            r.index(),
            r.batch(),
            plural(r.ids_sent() as u64, "id", "ids"),
            plural(r.attempts(), "attempt", "attempts"),
        );
    }
    if failing.len() > input::MAX_LISTED {
        eprintln!(
            "... and {}",
            plural(
                (failing.len() - input::MAX_LISTED) as u64,
                "more request",
                "more requests"
            )
        );
    }
}

fn confirm(args: &HardDelete, run: &Prepared, target: &Target) -> Result<(), Exit> {
    let n = run.plan.to_send as usize;
    let batches = run.plan.batches;
    let endpoint = &target.endpoint;
    let ws = target.shown_workspace();
    let interactive = std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
        && args.ids_file.as_deref() != Some("-");
    if !interactive {
        return Err(usage(
            "not on a terminal: pass --yes to confirm the hard deletion (nothing was sent)",
        ));
    }
    if let Some(s) = &run.selection {
        let samples: Vec<String> = s.samples.iter().map(Uuid::to_string).collect();
        eprintln!(
            "Selected by {}: the server counted {}, {} listed, {} passed the check here, for example:\n  {}{}",
            s.selectors,
            s.counted,
            s.listed,
            s.selected,
            samples.join("\n  "),
            if s.selected > samples.len() as u64 {
                format!("\n  ... and {} more", s.selected - samples.len() as u64)
            } else {
                String::new()
            }
        );
        if !s.excluded.is_empty() {
            eprintln!(
                "{} excluded: listed by the server but failing the selectors here (never deleted).",
                plural(s.excluded.len() as u64, "example is", "examples are")
            );
        }
        for name in &s.server_evaluated {
            eprintln!(
                "--{name} is the server's word: it cannot be re-checked here, so the examples it selected are trusted to match it."
            );
        }
    }
    eprint!(
        "About to HARD-DELETE {} in {} at {endpoint}, workspace {ws}.\n\
         Inputs, outputs and metadata of every version are nulled at once; this cannot be undone.\n\
         Type 'yes' to continue: ",
        plural(n as u64, "unique example", "unique examples"),
        plural(batches as u64, "request", "requests"),
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

/// The exit code for a finished run (see [`EXIT_CODES`]).
fn exit_code(report: &BulkReport) -> u8 {
    let errors: Vec<&Error> = report.requests().iter().filter_map(|r| r.error()).collect();
    if report.count(Outcome::Forbidden) > 0 || errors.iter().any(|e| e.is_auth()) {
        return EXIT_AUTH;
    }
    let unsettled = report.count(Outcome::Failed)
        + report.count(Outcome::Unconfirmed)
        + report.count(Outcome::NotAttempted);
    if unsettled > 0 {
        let unreachable = report.count(Outcome::Deleted) == 0
            && !errors.is_empty()
            && errors.iter().all(|e| {
                matches!(
                    e.kind(),
                    ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Tls
                )
            });
        return if unreachable {
            EXIT_UNREACHABLE
        } else {
            EXIT_PARTIAL
        };
    }
    if report.count(Outcome::NotFound) > 0 {
        return EXIT_NOT_FOUND;
    }
    0
}
