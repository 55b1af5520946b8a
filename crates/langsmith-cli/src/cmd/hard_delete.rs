//! `hard-delete`: ids or a selection, confirmed, journaled, deleted, reported, and with
//! `--verify` read back.

use crate::connect::{self, Target};
use crate::exit::{self, Exit, usage};
use crate::input::{self, IdArgs, Input};
use crate::report::{self, Output};
use crate::term::{self, chain_lines, plural};
use crate::{Cli, journal, selection, verification};
use langsmith::{BulkOptions, BulkReport, ErrorKind, ExampleIds, IdSet, Outcome, Uuid};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

#[derive(clap::Args)]
pub struct Args {
    /// Example ids (UUIDs in any usual form).
    #[arg(value_name = "ID")]
    ids: Vec<String>,
    /// Select the examples to delete instead of naming ids: the server counts them, they
    /// are listed, and the confirmation shows the count and a few ids.
    #[command(flatten)]
    selectors: selection::Selectors,
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

pub async fn run(cli: &Cli, args: &Args) -> Result<u8, Exit> {
    let started = SystemTime::now();
    check_flags(cli, args)?;
    let evidence = report::Evidence::of(cli);
    let hash = report::wanted(args.report.as_deref(), args.output);
    let (input, target) = if args.selectors.any() {
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
        let input = selection::select_input(
            cli,
            &target,
            &args.selectors,
            args.concurrency,
            &evidence.recorder,
        )
        .await?;
        (input, target)
    } else {
        let input = input::collect(IdArgs {
            ids: &args.ids,
            ids_file: args.ids_file.as_deref(),
            hash,
        })?;
        let target = connect::connect(
            cli,
            connect::Connect {
                rate_limit: args.rate_limit,
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
    if args.dry_run || (run.plan.to_send == 0 && !args.verify) {
        return dry_run(args, &run);
    }
    if ask && run.plan.to_send > 0 {
        confirm(args, &run, &target)?;
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
        journal = Some(j);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    term::watch_interrupts(cancel.clone());
    let sent_at = SystemTime::now();
    let (bulk, journal_error) =
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
    let traces = if args.with_runs && went_on && !cancel.load(Ordering::SeqCst) {
        Some(
            crate::traces::find_and_delete(
                &target.client,
                deleted.clone(),
                args.concurrency,
                cli.quiet,
                &cancel,
            )
            .await,
        )
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
    let trace_verification = match &traces {
        Some(t) if args.verify && !cancel.load(Ordering::SeqCst) && t.found.is_ok() => {
            // The same question as the lookup: its API, window and datasets.
            let recorded = t.found.as_ref().ok().map(crate::traces::Recorded::of);
            Some(
                crate::traces::verify(
                    &target.client,
                    &deleted,
                    t.requested(),
                    recorded.as_ref(),
                    args.concurrency,
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
        deleted_at: verification::DeletedAt {
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

/// What a run that sent requests leaves to report.
struct Done<'a> {
    bulk: &'a BulkReport,
    journal_error: Option<String>,
    verification: Option<&'a langsmith::VerifyReport>,
    traces: Option<&'a crate::traces::TraceRun>,
    trace_verification: Option<&'a Result<langsmith::TraceVerifyReport, langsmith::Error>>,
    deleted_at: verification::DeletedAt,
    examples_deleted: usize,
    interrupted: bool,
    elapsed: Duration,
}

/// Flag checks that need no input: every number in range.
fn check_flags(cli: &Cli, args: &Args) -> Result<(), Exit> {
    connect::check_common(
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
        report::check_writable(path)
            .map_err(|e| usage(format!("--report {e}; nothing was sent")))?;
    }
    Ok(())
}

/// What a run knows before it sends anything: its inputs, its plan, what the journal
/// already holds. The report is built from it.
struct Prepared {
    evidence: report::Evidence,
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

impl Prepared {
    fn report<'a>(
        &'a self,
        args: &'a Args,
        bulk: &'a BulkReport,
        done: Option<&'a Done<'a>>,
        exit_code: u8,
    ) -> report::Report<'a> {
        let verification = done.and_then(|d| d.verification);
        let interrupted = done.is_some_and(|d| d.interrupted);
        report::Report {
            envelope: report::Envelope::now(
                &self.evidence,
                &self.endpoint,
                self.workspace.as_deref(),
                self.started,
            ),
            dry_run: args.dry_run,
            inputs: &self.sources,
            input_lines: self.selection.is_none().then_some(self.input_lines),
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
            verification: verification.map(|v| {
                verification::VerificationSection::of(
                    v,
                    &done.expect("a read-back is done").deleted_at,
                )
            }),
            runs: done
                .and_then(|d| d.traces)
                .map(crate::traces::RunsSection::of),
            runs_verification: done.and_then(|d| {
                d.trace_verification
                    .map(|v| crate::traces::TraceVerifySection::of(d.examples_deleted, v))
            }),
            interrupted,
            exit_code,
        }
    }
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
            evidence,
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
fn nothing_selected(args: &Args, run: &Prepared) -> Result<u8, Exit> {
    let selection = run.selection.as_ref().expect("a selection");
    let exit = run.unsent_exit();
    if report::wanted(args.report.as_deref(), args.output) {
        let unsent = BulkReport::unsent(langsmith::IdSet::default());
        emit_report(args, &run.report(args, &unsent, None, exit))?;
    }
    if args.output == Output::Text {
        println!(
            "no example matches ({}); the server counted {}; nothing to delete",
            selection.selectors, selection.counted
        );
    }
    Ok(exit)
}

impl Prepared {
    /// Listed examples the selection excluded.
    fn excluded(&self) -> usize {
        self.selection.as_ref().map_or(0, |s| s.excluded.len())
    }

    /// The exit code of a run that sent no deletion.
    fn unsent_exit(&self) -> u8 {
        exit::decide(&exit::RunOutcome {
            excluded: self.excluded(),
            ..exit::RunOutcome::default()
        })
    }
}

/// The plan, printed and reported; nothing is sent.
fn dry_run(args: &Args, run: &Prepared) -> Result<u8, Exit> {
    let exit = run.unsent_exit();
    if report::wanted(args.report.as_deref(), args.output) {
        let unsent = BulkReport::unsent(run.set.clone().unwrap_or_default());
        emit_report(args, &run.report(args, &unsent, None, exit))?;
    }
    if args.dry_run
        && args.output == Output::Text
        && let Some(set) = &run.set
    {
        // What would be deleted, one id a line (less what the journal already
        // confirmed): stdout holds nothing else.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for id in set.as_slice() {
            let _ = writeln!(out, "{id}");
        }
        let _ = out.flush();
    }
    if args.output == Output::Text
        && let Some(selection) = &run.selection
    {
        eprintln!(
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
        // A dry run's stdout is the ids alone (machine-readable); what it says goes to
        // stderr. A run with nothing left to send reports on stdout, as any run does.
        let say = |line: String| {
            if args.dry_run {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        };
        say(format!(
            "plan: hard-delete {} in {} of at most {}",
            plural(run.plan.to_send, "unique example", "unique examples"),
            plural(run.plan.batches as u64, "request", "requests"),
            run.plan.batch_size
        ));
        say(format!(
            "input: {}, {} unique, {}, {} already deleted per the journal",
            plural(run.input_lines, "line", "lines"),
            run.unique,
            plural(run.duplicates, "duplicate", "duplicates"),
            run.already.len()
        ));
        say(if run.plan.to_send == 0 {
            "nothing to send: every id is already confirmed deleted".into()
        } else {
            "dry run: nothing was sent".into()
        });
    }
    Ok(exit)
}

/// Sends everything, journaling each confirmation on the journal's own thread, with a
/// progress line and Ctrl-C handling; returns the report and any journal write error.
async fn execute(
    cli: &Cli,
    args: &Args,
    target: &Target,
    run: &mut Prepared,
    journal: Option<journal::Journal>,
    cancel: Arc<AtomicBool>,
) -> Result<(BulkReport, Option<String>), Exit> {
    let progress = term::Progress::new(cli.quiet, Some(run.plan.to_send));
    let writer = journal.map(journal::JournalWriter::start);
    let callback = {
        let progress = progress.clone();
        let sender = writer.as_ref().map(|w| w.sender.clone());
        langsmith::ProgressCallback::new(move |p: &langsmith::Progress<'_>| {
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
    progress.finish();
    Ok((bulk, writer.and_then(journal::JournalWriter::finish)))
}

/// Report, summary, failures, and the exit code.
fn finish(args: &Args, target: &Target, run: &Prepared, done: Done<'_>) -> Result<u8, Exit> {
    let (bulk, verification, interrupted) = (done.bulk, done.verification, done.interrupted);
    // Deleted is not enough under --verify: every id must read back erased.
    let exit = exit::decide(&exit::RunOutcome {
        bulk: Some(bulk),
        verification,
        excluded: run.excluded(),
        journal_failed: done.journal_error.is_some(),
        interrupted,
        traces: done.traces,
        trace_verification: done.trace_verification,
        attachments_overdue: verification.map_or(0, |v| done.deleted_at.overdue(v)),
    });
    let digest = if report::wanted(args.report.as_deref(), args.output) {
        emit_report(args, &run.report(args, bulk, Some(&done), exit))?
    } else {
        None
    };
    if args.output == Output::Text {
        summary(bulk, done.elapsed, run, target, args, digest.as_deref());
        if let Some(t) = done.traces {
            crate::traces::print_summary(t);
        }
        if let Some(v) = verification {
            verification::print_summary(v, &done.deleted_at);
        }
        if let Some(t) = done.trace_verification {
            crate::traces::print_verify_summary(t);
        }
        if exit == exit::PENDING {
            println!(
                "pending: nothing contradicts the erasure, but part of it is still to happen; verify again later (langsmith-examples verify --from-report PATH{})",
                if done.traces.is_some() {
                    " --with-runs"
                } else {
                    ""
                }
            );
        }
        #[cfg(feature = "mock")]
        if let Some(server) = &target.mock {
            println!(
                "stand-in server: {} now hard-deleted (inputs, outputs, metadata nulled in every version)",
                plural(server.hard_deleted_count() as u64, "example", "examples")
            );
        }
    }
    explain_failures(bulk);
    if let Some(e) = &done.journal_error {
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

fn emit_report(args: &Args, r: &report::Report<'_>) -> Result<Option<String>, Exit> {
    report::write_json(args.report.as_deref(), args.output, r)
}

fn summary(
    bulk: &BulkReport,
    elapsed: Duration,
    run: &Prepared,
    target: &Target,
    args: &Args,
    report_sha256: Option<&str>,
) {
    let settled = (bulk.unique() - bulk.count(Outcome::NotAttempted)) as f64;
    let secs = elapsed.as_secs_f64().max(1e-3);
    println!(
        "deleted {} of {} in {:.1} s ({} ids/s), {} made",
        bulk.count(Outcome::Deleted),
        plural(bulk.unique() as u64, "unique id", "unique ids"),
        secs,
        term::human_rate(settled / secs),
        plural(bulk.http_requests(), "HTTP attempt", "HTTP attempts"),
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
    if let (Some(p), Some(sha)) = (&args.report, report_sha256) {
        println!("report: {} (sha256 {sha})", p.display());
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

fn confirm(args: &Args, run: &Prepared, target: &Target) -> Result<(), Exit> {
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
         Type yes (the whole word) to continue, anything else to stop: ",
        plural(n as u64, "unique example", "unique examples"),
        plural(batches as u64, "request", "requests"),
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| usage(format!("cannot read the answer: {e}")))?;
    let answer = answer.trim();
    if answer != "yes" {
        return Err(usage(if answer.eq_ignore_ascii_case("y") {
            format!(
                "not confirmed: the answer was {answer:?}; only the whole word yes confirms; nothing was sent"
            )
        } else {
            "not confirmed; nothing was sent".to_owned()
        }));
    }
    Ok(())
}
