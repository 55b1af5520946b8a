//! `hard-delete`: ids or a selection, confirmed, journaled, deleted, reported, and with
//! `--verify` read back.

use crate::model::args::{Global, Output, Shared};
use crate::model::deletion::{Done, Prepared};
use crate::model::exit::{Exit, ExitStatus, usage};
use crate::model::report::{self, Plan};
use crate::model::selection::Selectors;
use crate::model::traces::{Recorded, TraceRun};
use crate::model::verification::DeletedAt;
use crate::ops::connect::{self, Target};
use crate::ops::input::{self, IdArgs, Input};
use crate::ops::{journal, selection, traces, verification};
use crate::present;
use crate::present::hard_delete::Files;
use crate::util::text::chain_lines;
use crate::util::{fs::check_writable, rfc3339};
use langsmith::{BulkOptions, BulkReport, ExampleIds, Outcome, Uuid};
use langsmith_case::evidence::DeletionReport;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime};

#[derive(clap::Args)]
pub struct Args {
    /// Example ids (UUIDs in any usual form).
    #[arg(value_name = "ID")]
    ids: Vec<String>,
    /// Select the examples to delete instead of naming ids: the server counts them, they
    /// are listed, and the confirmation shows the count and a few ids.
    #[command(flatten)]
    selectors: Selectors,
    /// After deleting, read every id back; exit 0 only when each is erased.
    #[arg(long)]
    verify: bool,
    /// After deleting, also find the experiment traces whose runs reference the deleted
    /// examples (every run re-checked) and request their deletion; with --verify, read
    /// back whether they are gone. LangSmith queues trace deletions: "requested" until a
    /// later runs query no longer lists them.
    #[arg(long)]
    with_runs: bool,
    /// Ids one per line (blank lines and # comments ignored) or a JSON array of strings; `-` for stdin.
    #[arg(long, value_name = "PATH")]
    ids_file: Option<String>,
    /// Validate, de-duplicate, batch and print the plan; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(short = 'y', long)]
    yes: bool,
    /// Ids per request (at most the spec's maximum).
    #[arg(long, value_name = "N", default_value_t = ExampleIds::MAX)]
    batch_size: usize,
    /// Append-only, hash-chained journal of confirmed ids; re-running with it skips them.
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Write the JSON report (the run's evidence) here, atomically.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    #[command(flatten)]
    shared: Shared,
    /// Stop starting requests after the first failure.
    #[arg(long)]
    fail_fast: bool,
}

pub async fn run(cli: &Global, args: &Args) -> Result<ExitStatus, Exit> {
    let started = SystemTime::now();
    check_flags(cli, args)?;
    let evidence = report::Evidence::of(cli);
    let hash = report::wanted(args.report.as_deref(), args.shared.output);
    let (input, target) = if args.selectors.any() {
        let target = super::connect(
            cli,
            connect::Connect {
                rate_limit: args.shared.rate_limit,
                needs_key: true,
                seed: connect::Seed::Dataset(args.selectors.dataset.as_deref()),
                with_runs: args.with_runs,
            },
        )
        .await?;
        let progress = present::term::ticker(cli.quiet, None);
        let (query, selection) = selection::select(
            &target,
            &args.selectors,
            args.shared.concurrency,
            progress.as_ref(),
        )
        .await?;
        present::selection::warn_if_changed(&selection);
        let input = selection::as_input(&query, selection, &args.selectors, &evidence.recorder);
        (input, target)
    } else {
        let input = input::collect(IdArgs {
            ids: &args.ids,
            ids_file: args.ids_file.as_deref(),
            hash,
        })?;
        let target = super::connect(
            cli,
            connect::Connect {
                rate_limit: args.shared.rate_limit,
                needs_key: !args.dry_run,
                seed: connect::Seed::Ids(input.set.as_slice()),
                with_runs: args.with_runs,
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
        let run = prepare(args, input, &target, started, false, evidence)?.1;
        return nothing_selected(args, &run);
    }
    let (mut journal, mut run) = prepare(args, input, &target, started, !ask, evidence)?;
    // With nothing left to send, a run still looks up (and requests) the traces of what
    // its journal confirmed: the run before may have stopped before it did.
    if args.dry_run || (run.plan.to_send == 0 && !args.verify && !args.with_runs) {
        return dry_run(args, &run);
    }
    if ask && (run.plan.to_send > 0 || args.with_runs) {
        present::hard_delete::confirm(&run, &target, args.ids_file.as_deref() == Some("-"))?;
    }
    // The summary's rate is the run's, not the time a person took to answer.
    let clock = Instant::now();
    if journal.is_none()
        && let Some(path) = &args.journal
    {
        // Confirmed: now the journal is opened (and locked) for writing; what it holds
        // by now is taken out once more.
        let (j, loaded) = journal::Journal::open(path, journal_target(&target)).map_err(usage)?;
        run.take_out(&loaded.confirmed, args.batch_size);
        run.traces_journaled = loaded.traces_requested;
        run.journal_created_at = loaded.created_at;
        journal = Some(j);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    present::term::watch_interrupts(cancel.clone());
    let sent_at = SystemTime::now();
    let (bulk, journal, mut journal_error) =
        execute(cli, args, &target, &mut run, journal, cancel.clone()).await?;
    let went_on = !bulk.cancelled() && bulk.stopped_by().is_none();
    // The examples this run deleted, and those an earlier run's journal confirmed: the
    // list is built only when the traces are looked for (16 B an id otherwise unspent).
    let examples_deleted = bulk.count(Outcome::Deleted) + run.already.len();
    let deleted: Vec<Uuid> = if args.with_runs {
        let mut deleted: Vec<Uuid> = bulk.ids_with(Outcome::Deleted).copied().collect();
        deleted.extend_from_slice(&run.already);
        deleted.sort_unstable();
        deleted
    } else {
        Vec::new()
    };
    // LangSmith stops listing a hard-deleted example: one no longer listed is read as of
    // before this run sent anything (it was listed then: selected, or named in the input
    // and deleted by id), and those an earlier run deleted as of when the journal was
    // made.
    let read_at = verification::ReadAt::latest_then(
        std::iter::once(sent_at)
            .chain(run.journal_created_at.filter(|_| !run.already.is_empty()))
            .flat_map(|t| langsmith::at_and_a_second_before(t.into())),
    );
    let traces = if args.with_runs && went_on && !cancel.load(Ordering::SeqCst) {
        Some({
            present::traces::looking_up(deleted.len(), cli.quiet);
            let (client, concurrency) = (&target.client, args.shared.concurrency);
            let found = traces::find(
                client,
                &deleted,
                &read_at.before_deletion,
                concurrency,
                &cancel,
            )
            .await;
            if let Ok(f) = &found {
                present::traces::say_api(f, cli.quiet);
            }
            // Each request the server accepts is journaled, on the journal's thread.
            let writer = journal.map(journal::JournalWriter::start);
            let run = traces::request_deletion(
                client,
                deleted.len(),
                found,
                traces::TraceJournal {
                    earlier: std::mem::take(&mut run.traces_journaled),
                    sender: writer.as_ref().map(|w| w.sender.clone()),
                },
                concurrency,
                &|n| present::term::ticker(cli.quiet, Some(n)),
                &cancel,
            )
            .await;
            if let Some(e) = writer.and_then(|w| w.finish().1) {
                journal_error.get_or_insert(e);
            }
            run
        })
    } else {
        None
    };
    let verification = if args.verify && went_on {
        // Every id of the run, also those an earlier run's journal confirmed.
        let mut ids = bulk.ids().to_vec();
        ids.extend_from_slice(&run.already);
        Some(
            verification::verify_ids(
                &target.client,
                ids,
                read_at.clone(),
                args.shared.concurrency,
                present::term::ticker(cli.quiet, None),
                cancel.clone(),
            )
            .await,
        )
    } else {
        None
    };
    let trace_verification = match &traces {
        Some(t) if args.verify && !cancel.load(Ordering::SeqCst) && t.found.is_ok() => {
            // The same question as the lookup: its API, window and datasets.
            let recorded = t.found.as_ref().ok().map(Recorded::of);
            Some(
                traces::verify(
                    &target.client,
                    &deleted,
                    t.requested(),
                    recorded.as_ref(),
                    &read_at.before_deletion,
                    args.shared.concurrency,
                    &cancel,
                )
                .await,
            )
        }
        _ => None,
    };
    let done = Done {
        bulk: &bulk,
        journal_error,
        verification: verification.as_ref(),
        traces: traces.as_ref(),
        trace_verification: trace_verification.as_ref(),
        deleted_at: DeletedAt {
            // The earliest this run's deletions can have happened; an earlier run's are
            // not known here.
            time: Some(sent_at),
            unknown: run.already.clone(),
        },
        examples_deleted,
        interrupted: cancel.load(Ordering::SeqCst),
        elapsed: clock.elapsed(),
    };
    finish(args, &target, &run, done)
}

/// Flag checks that need no input: every number in range.
fn check_flags(cli: &Global, args: &Args) -> Result<(), Exit> {
    super::check(cli, &args.shared, args.ids_file.as_deref())?;
    args.selectors.check()?;
    if args.selectors.any() && (!args.ids.is_empty() || args.ids_file.is_some()) {
        return Err(usage(
            "give ids (IDs, --ids-file) or selectors (--dataset, --contains, ...), not both; nothing was sent",
        ));
    }
    if args.with_runs && args.dry_run {
        return Err(usage(
            "--with-runs sends its runs queries after the deletion, which --dry-run does not make; review the traces with `select --with-runs -o json` instead; nothing was sent",
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
        check_writable(path).map_err(|e| usage(format!("--report {e}; nothing was sent")))?;
    }
    Ok(())
}

/// The run a journal belongs to: this endpoint (or the embedded stand-in) and workspace.
fn journal_target(target: &Target) -> journal::Target<'_> {
    journal::Target {
        endpoint: &target.journal_identity,
        workspace: target.workspace.as_deref(),
    }
}

/// Opens (or, for a dry run, only reads) the journal and takes what it confirmed out of
/// the ids to send.
fn prepare(
    args: &Args,
    input: Input,
    target: &Target,
    started: SystemTime,
    open: bool,
    evidence: report::Evidence,
) -> Result<(Option<journal::Journal>, Prepared), Exit> {
    let jtarget = journal_target(target);
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
        present::hard_delete::torn_journal(path);
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
    let plan = Plan {
        to_send: set.len() as u64,
        batch_size: args.batch_size,
        batches: set.len().div_ceil(args.batch_size),
    };
    Ok((
        journal,
        Prepared {
            evidence,
            started,
            endpoint: target.endpoint.clone(),
            workspace: target.workspace.clone(),
            sources,
            input_lines: lines,
            unique,
            duplicates,
            already,
            journal_created_at: loaded.created_at,
            traces_journaled: loaded.traces_requested,
            set: Some(set),
            plan,
            selection,
        },
    ))
}

/// A selection that selected nothing: said, and with `--report` written; nothing is sent.
fn nothing_selected(args: &Args, run: &Prepared) -> Result<ExitStatus, Exit> {
    let selection = run.selection.as_ref().expect("a selection");
    let exit = run.unsent_exit();
    if report::wanted(args.report.as_deref(), args.shared.output) {
        let unsent = BulkReport::unsent(langsmith::IdSet::default());
        emit_report(args, &report_of(args, run, &unsent, None, exit))?;
    }
    if args.shared.output == Output::Text {
        present::hard_delete::nothing_selected(selection);
    }
    Ok(exit)
}

/// The plan, printed and reported; nothing is sent.
fn dry_run(args: &Args, run: &Prepared) -> Result<ExitStatus, Exit> {
    let exit = run.unsent_exit();
    if report::wanted(args.report.as_deref(), args.shared.output) {
        let unsent = BulkReport::unsent(run.set.clone().unwrap_or_default());
        emit_report(args, &report_of(args, run, &unsent, None, exit))?;
    }
    if args.shared.output == Output::Text {
        present::hard_delete::plan(run, args.dry_run);
    }
    Ok(exit)
}

/// Sends everything, journaling each confirmation on the journal's own thread, with a
/// progress line and Ctrl-C handling; returns the report, the journal (for the traces'
/// requests) and any journal write error.
async fn execute(
    cli: &Global,
    args: &Args,
    target: &Target,
    run: &mut Prepared,
    journal: Option<journal::Journal>,
    cancel: Arc<AtomicBool>,
) -> Result<(BulkReport, Option<journal::Journal>, Option<String>), Exit> {
    let progress = present::term::ticker(cli.quiet, Some(run.plan.to_send));
    let writer = journal.map(journal::JournalWriter::start);
    let callback = {
        let progress = progress.clone();
        let sender = writer.as_ref().map(|w| w.sender.clone());
        langsmith::ProgressCallback::new(move |p: &langsmith::Progress<'_>| {
            if !p.deleted.is_empty()
                && let Some(sender) = &sender
            {
                let _ = sender.send(journal::Entry {
                    t: rfc3339(p.request.finished()),
                    outcome: "deleted".into(),
                    request: p.request.index(),
                    request_id: p.request.request_id().map(str::to_owned),
                    count: p.request.server_count(),
                    ids: p.deleted.to_vec(),
                    session_id: None,
                });
            }
            progress.inc(p.settled as u64);
        })
    };
    let options = BulkOptions {
        batch_size: args.batch_size,
        concurrency: args.shared.concurrency,
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
    progress.finish();
    let (journal, error) = writer.map_or((None, None), journal::JournalWriter::finish);
    Ok((bulk, journal, error))
}

/// Report, summary, failures, and the exit status.
fn finish(
    args: &Args,
    target: &Target,
    run: &Prepared,
    done: Done<'_>,
) -> Result<ExitStatus, Exit> {
    let (bulk, verification, interrupted) = (done.bulk, done.verification, done.interrupted);
    // Deleted is not enough under --verify: every id must read back erased.
    let ok = ExitStatus::Success;
    let exit = ExitStatus::worst([
        ExitStatus::of_deletion(bulk),
        if done.journal_error.is_some() {
            ExitStatus::Partial
        } else {
            ok
        },
        done.traces.map_or(ok, |t| {
            ExitStatus::of_trace_deletion(&t.found, t.deletion.as_ref())
        }),
        verification.map_or(ok, |v| {
            ExitStatus::of_verification(v, done.deleted_at.overdue(v))
        }),
        done.trace_verification
            .map_or(ok, ExitStatus::of_trace_verification),
        ExitStatus::excluded_if(run.excluded() + done.traces.map_or(0, TraceRun::excluded)),
        if interrupted {
            ExitStatus::Interrupted
        } else {
            ok
        },
    ]);
    let digest = if report::wanted(args.report.as_deref(), args.shared.output) {
        emit_report(args, &report_of(args, run, bulk, Some(&done), exit))?
    } else {
        None
    };
    let files = Files {
        report: args.report.as_deref(),
        report_sha256: digest.as_deref(),
        journal: args.journal.as_deref(),
    };
    present::hard_delete::finished(
        run,
        &done,
        target,
        &files,
        exit,
        args.shared.output == Output::Text,
    );
    Ok(exit)
}

/// The run's report, as its flags say.
fn report_of(
    args: &Args,
    run: &Prepared,
    bulk: &BulkReport,
    done: Option<&Done<'_>>,
    exit: ExitStatus,
) -> DeletionReport {
    run.report(args.dry_run, args.journal.as_deref(), bulk, done, exit)
}

fn emit_report(args: &Args, r: &DeletionReport) -> Result<Option<String>, Exit> {
    present::report::write_json(args.report.as_deref(), args.shared.output, r)
}
