//! `select`: the ids the selectors match, one per line, as pages arrive.

use crate::exit::{self, Exit, ExitStatus, usage};
use crate::report::Output;
use crate::selection::{
    ExcludedRow, INCOMPLETE_LINE, Selectors, excluded_rows, select_ids, server_word,
    warn_if_changed,
};
use crate::term::plural;
use crate::{Cli, connect};
use langsmith::{Client, Uuid};
use serde::Serialize;
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selectors: Selectors,
    /// `text`: one id per line; `json`: one document with the ids and the count.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Pages in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Client-side limit, requests per minute.
    #[arg(long, value_name = "PER_MIN")]
    rate_limit: Option<u32>,
    /// Also list the experiment traces whose runs reference the selected examples: the
    /// traces `hard-delete --with-runs` would request deleted (in `-o json`; the text
    /// output counts them on stderr). Read-only.
    #[arg(long)]
    with_runs: bool,
}

/// `select`: the ids the selectors match, on stdout.
pub async fn run(cli: &Cli, args: &Args) -> Result<ExitStatus, Exit> {
    connect::check_common(cli, None, args.concurrency, args.rate_limit)?;
    args.selectors.check()?;
    if !args.selectors.any() {
        return Err(usage(
            "select needs a selector: --dataset, --contains, --metadata, --filter or --split",
        ));
    }
    let target = connect::connect(
        cli,
        connect::Connect {
            rate_limit: args.rate_limit,
            needs_key: true,
            seed: connect::Seed::Dataset(args.selectors.dataset.as_deref()),
            with_runs: args.with_runs,
        },
    )
    .await?;
    list(
        &target.client,
        &args.selectors,
        args.output,
        cli.quiet,
        args.concurrency,
        args.with_runs,
    )
    .await
}

/// `select`: the ids, one per line, on stdout (or a JSON document); the count on stderr.
async fn list(
    client: &Client,
    selectors: &Selectors,
    output: Output,
    quiet: bool,
    prefetch: usize,
    with_runs: bool,
) -> Result<ExitStatus, Exit> {
    let query = selectors.query(client, prefetch).await?;
    let stdout = std::io::stdout();
    let out = std::cell::RefCell::new(std::io::BufWriter::new(stdout.lock()));
    let write_error = std::cell::RefCell::new(None);
    let progress = crate::term::Progress::new(quiet, None);
    let selection = select_ids(
        client,
        &query,
        &progress,
        |id| {
            if output == Output::Text
                && write_error.borrow().is_none()
                && let Err(e) = writeln!(out.borrow_mut(), "{id}")
            {
                *write_error.borrow_mut() = Some(e);
            }
        },
        // Each id reaches the reader before the next page is awaited.
        || {
            if write_error.borrow().is_none()
                && let Err(e) = out.borrow_mut().flush()
            {
                *write_error.borrow_mut() = Some(e);
            }
        },
    )
    .await;
    progress.finish();
    let mut out = out.into_inner();
    let mut write_error = write_error.into_inner();
    let selection = match selection {
        Ok(s) => s,
        Err(exit) => {
            // Ids may already be out: end the stream with a line that is no id, so that
            // a pipeline into `hard-delete --ids-file -` refuses the whole input, even
            // without `set -o pipefail`.
            if output == Output::Text && write_error.is_none() {
                let _ = writeln!(out, "{INCOMPLETE_LINE}");
                let _ = out.flush();
            }
            return Err(exit);
        }
    };
    let traces = if with_runs {
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        Some(crate::traces::find(client, &selection.selected, prefetch, quiet, &cancel).await)
    } else {
        None
    };
    if output == Output::Json {
        #[derive(Serialize)]
        struct Doc<'a> {
            selectors: String,
            /// Selectors only the server evaluated (not re-checked here).
            server_evaluated: Vec<&'static str>,
            counted: u64,
            count: usize,
            ids: &'a [Uuid],
            /// Listed, but failing a selector when checked here: not selected.
            excluded: Vec<ExcludedRow>,
            /// With `--with-runs`: the traces `hard-delete --with-runs` would request
            /// deleted.
            #[serde(skip_serializing_if = "Option::is_none")]
            runs: Option<crate::traces::WouldDelete<'a>>,
        }
        let doc = Doc {
            selectors: selectors.describe(),
            server_evaluated: query.server_evaluated(),
            counted: selection.counted,
            count: selection.selected.len(),
            ids: &selection.selected,
            excluded: excluded_rows(&selection),
            runs: traces
                .as_ref()
                .map(|t| crate::traces::WouldDelete::of(selection.selected.len(), t)),
        };
        let written = serde_json::to_writer(&mut out, &doc)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
        if let Err(e) = written {
            write_error = Some(e);
        }
    }
    if let Err(e) = out.flush() {
        write_error.get_or_insert(e);
    }
    if let Some(e) = write_error {
        // A closed pipe (`| head`) is the reader's choice, not a failure of ours.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitStatus::Success);
        }
        return Err(Exit {
            status: ExitStatus::Partial,
            message: format!("cannot write the ids to stdout: {e}"),
        });
    }
    warn_if_changed(&selection);
    if !quiet {
        eprintln!(
            "{} selected ({}){}",
            plural(selection.selected.len() as u64, "example", "examples"),
            selectors.describe(),
            server_word(&query)
        );
    }
    let mut excluded = selection.excluded.len();
    match &traces {
        Some(Ok(found)) => {
            if !quiet {
                let sessions: std::collections::BTreeSet<_> =
                    found.traces().iter().map(|t| t.key.session_id).collect();
                eprintln!(
                    "{} in {} reference the selected examples ({} listed){}",
                    plural(found.traces().len() as u64, "trace", "traces"),
                    plural(sessions.len() as u64, "session", "sessions"),
                    plural(found.runs(), "run", "runs"),
                    if output == Output::Text {
                        "; -o json lists them"
                    } else {
                        ""
                    }
                );
            }
            if !found.excluded().is_empty() {
                eprintln!(
                    "{} listed by the runs query reference none of the selected examples: excluded",
                    plural(found.excluded().len() as u64, "run", "runs")
                );
            }
            excluded += found.excluded().len();
        }
        Some(Err(e)) => {
            // After the listing's requests: the same status as in every command.
            let mut exit = exit::for_error("the runs lookup (--with-runs)", e);
            exit.status = exit.status.after_requests();
            return Err(exit);
        }
        None => {}
    }
    Ok(ExitStatus::excluded_if(excluded))
}
