//! `langsmith-examples`: find, hard-delete and verify LangSmith dataset examples.
//!
//! This file only parses and dispatches; each command lives in `cmd/`, the exit codes and
//! their decision in `exit.rs`, the terminal in `term.rs`, the connection in `connect.rs`.

mod cmd;
mod connect;
mod exit;
mod input;
mod journal;
mod report;
mod selection;
mod term;
mod traces;
mod verification;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "langsmith-examples", version, about = "Find, hard-delete and verify the erasure of LangSmith dataset examples.", after_help = exit::GENERAL)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// API endpoint (default: $LANGSMITH_ENDPOINT, else https://api.smith.langchain.com).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "URL"
    )]
    endpoint: Option<String>,
    /// Workspace id (a UUID), sent as X-Tenant-Id (default: $LANGSMITH_WORKSPACE_ID).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "ID"
    )]
    workspace_id: Option<String>,
    /// Read the API key from this file, or `-` for stdin (default: $LANGSMITH_API_KEY).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "PATH"
    )]
    api_key_file: Option<String>,
    /// The CLI login profile to read (default: $LANGSMITH_PROFILE, else the config file's
    /// current profile). Flags win over the environment, which wins over the profile.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "NAME"
    )]
    profile: Option<String>,
    /// Seconds allowed per attempt (0.001 to 3600).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "SECS",
        default_value_t = 30.0
    )]
    timeout: f64,
    /// Retries per request for 408/429/5xx/connection failures (0 to 100).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "N",
        default_value_t = 5
    )]
    max_retries: u32,
    /// Allow plain http:// off loopback (self-hosted installs on an internal network):
    /// the API key then travels unencrypted.
    #[arg(long, global = true, help_heading = "Global options")]
    allow_insecure_http: bool,
    /// Run against an embedded stand-in server on loopback, seeded with the ids given, or
    /// (with selectors) with 10,000 examples in the dataset --dataset names, one in 50
    /// holding the marker jane.doe@example.com.
    #[cfg(feature = "mock")]
    #[arg(long, global = true, help_heading = "Global options", conflicts_with_all = ["endpoint", "workspace_id", "api_key_file", "profile"])]
    mock: bool,
    /// The erasure request's reference (a ticket or case number), recorded in every
    /// report.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "REF"
    )]
    ticket: Option<String>,
    /// Record selector values (--contains, --metadata, --filter) in reports as they are.
    /// By default a report records each as a salted SHA-256 (the salt is in the report),
    /// since the report proves the erasure of the person they name: an auditor given the
    /// value can confirm it, a reader of the report cannot learn it.
    #[arg(long, global = true, help_heading = "Global options")]
    plain_selectors: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, help_heading = "Global options", action = clap::ArgAction::Count)]
    verbose: u8,
    /// No progress bar and only errors on stderr.
    #[arg(short, long, global = true, help_heading = "Global options")]
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
    #[command(after_help = exit::HARD_DELETE_CODES)]
    HardDelete(cmd::hard_delete::Args),
    /// Print the ids of the examples the selectors match, one per line; with --with-runs, the traces that copied them (read-only).
    #[command(after_help = exit::SELECT_CODES)]
    Select(cmd::select::Args),
    /// Read ids back and say per id whether inputs, outputs, metadata and attachments are gone; with --with-runs, whether the traces that copied them are (read-only).
    #[command(after_help = exit::VERIFY_CODES)]
    Verify(cmd::verify::Args),
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
            return ExitCode::from(exit::ExitStatus::Usage.code());
        }
    };
    let work = async {
        match &cli.command {
            Command::HardDelete(args) => cmd::hard_delete::run(&cli, args).await,
            Command::Select(args) => cmd::select::run(&cli, args).await,
            Command::Verify(args) => cmd::verify::run(&cli, args).await,
        }
    };
    match runtime.block_on(work) {
        Ok(status) => ExitCode::from(status.code()),
        Err(exit) => {
            eprintln!("error: {}", exit.message);
            ExitCode::from(exit.status.code())
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
