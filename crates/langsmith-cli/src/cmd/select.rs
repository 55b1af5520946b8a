//! `select`: the ids the selectors match, one per line, as pages arrive.

use crate::model::args::{Global, Output, Shared};
use crate::model::exit::{self, Exit, ExitStatus, usage};
use crate::model::report::excluded_rows;
use crate::model::selection::Selectors;
use crate::model::traces::would_delete;
use crate::ops::{connect, selection, traces};
use crate::present;
use crate::present::select::IdsOut;
use langsmith_case::evidence::{SCHEMA, SelectDoc};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selectors: Selectors,
    #[command(flatten)]
    shared: Shared,
    /// Also list the experiment traces whose runs reference the selected examples: the
    /// traces `hard-delete --with-runs` would request deleted (in `-o json`; the text
    /// output counts them on stderr). Read-only.
    #[arg(long)]
    with_runs: bool,
}

/// `select`: the ids the selectors match, on stdout (or a JSON document); the count on
/// stderr.
pub async fn run(global: &Global, args: &Args) -> Result<ExitStatus, Exit> {
    super::check(global, &args.shared, None)?;
    args.selectors.check()?;
    if !args.selectors.any() {
        return Err(usage(
            "select needs a selector: --dataset, --contains, --metadata, --filter or --split",
        ));
    }
    let target = super::connect(
        global,
        connect::Connect {
            rate_limit: args.shared.rate_limit,
            needs_key: true,
            seed: connect::Seed::Dataset(args.selectors.dataset.as_deref()),
            with_runs: args.with_runs,
        },
    )
    .await?;
    let client = &target.client;
    let (output, prefetch) = (args.shared.output, args.shared.concurrency);
    let query = selection::query(&args.selectors, client, prefetch).await?;
    let out = IdsOut::new(output == Output::Text);
    let progress = present::term::ticker(global.quiet, None);
    // Each id reaches the reader before the next page is awaited.
    let selection = selection::select_ids(
        client,
        &query,
        progress.as_ref(),
        |id| out.id(id),
        || out.flush(),
    )
    .await;
    progress.finish();
    let mut selection = match selection {
        Ok(s) => s,
        Err(exit) => {
            // Ids may already be out: end the stream with a line that is no id, so that
            // a pipeline into `hard-delete --ids-file -` refuses the whole input, even
            // without `set -o pipefail`.
            out.incomplete();
            return Err(exit);
        }
    };
    let traces = if args.with_runs {
        present::traces::looking_up(selection.selected.len(), global.quiet);
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let found = traces::find(client, &selection.selected, &[], prefetch, &cancel).await;
        if let Ok(f) = &found {
            present::traces::say_api(f, global.quiet);
        }
        Some(found)
    } else {
        None
    };
    let count = selection.selected.len();
    if output == Output::Json {
        // The ids move into the document and back: no second copy of them.
        let doc = SelectDoc {
            schema: SCHEMA,
            selectors: args.selectors.describe(),
            server_evaluated: query
                .server_evaluated()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            counted: selection.counted,
            count,
            ids: std::mem::take(&mut selection.selected),
            excluded: excluded_rows(&selection),
            runs: traces.as_ref().map(|t| would_delete(count, t)),
        };
        out.json(&doc);
        selection.selected = doc.ids;
    }
    if let Some(e) = out.finish() {
        // A closed pipe (`| head`) is the reader's choice, not a failure of ours.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitStatus::Success);
        }
        return Err(Exit::new(
            ExitStatus::Partial,
            format!("cannot write the ids to stdout: {e}"),
        ));
    }
    present::selection::warn_if_changed(&selection);
    present::select::summary(&args.selectors, &query, &selection, global.quiet);
    let mut excluded = selection.excluded.len();
    match &traces {
        Some(Ok(found)) => {
            present::select::traces_summary(found, output, global.quiet);
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
