//! `langsmith-examples`: find, hard-delete and verify LangSmith dataset examples.
//!
//! This file only parses and dispatches. The layers, bottom up (a module uses only its
//! own layer and those below; `tests/tidy.rs` checks it, and that only `present` prints):
//! `util` (words, times, files), `model` (flags, exit status, evidence), `ops` (calls to
//! the library, returning outcomes without printing), `present` (text, json, progress,
//! prompt), `cmd` (one file per command), and this file.

mod cmd;
mod model;
mod ops;
mod present;
mod util;

use clap::{Parser, Subcommand};
use model::args::Global;
use model::exit;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "langsmith-examples", version, about = "Find, hard-delete and verify the erasure of LangSmith dataset examples.", after_help = exit::GENERAL)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
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
    /// A workspace-wide erasure case: open it, find the person in every place, show it.
    Case(cmd::case::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let global = &cli.global;
    present::term::init_tracing(global.verbose, global.quiet);
    // One thread: the work is I/O-bound, and a single-threaded runtime costs the least
    // CPU; the journal writes on a thread of its own.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return present::term::fail(&exit::usage(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    let work = async {
        match &cli.command {
            Command::HardDelete(args) => cmd::hard_delete::run(global, args).await,
            Command::Select(args) => cmd::select::run(global, args).await,
            Command::Verify(args) => cmd::verify::run(global, args).await,
            Command::Case(args) => cmd::case::run(global, args).await,
        }
    };
    match runtime.block_on(work) {
        Ok(status) => ExitCode::from(status.code()),
        Err(exit) => present::term::fail(&exit),
    }
}
