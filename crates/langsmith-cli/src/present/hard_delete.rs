//! `hard-delete` on stdout and stderr: the prompt, the plan, the summary, what failed.

use crate::model::deletion::{Done, Prepared};
use crate::model::exit::{Exit, ExitStatus, usage};
use crate::model::report::SelectionInfo;
use crate::ops::connect::Target;
use crate::ops::input::MAX_LISTED;
use crate::util::text::{chain_lines, human_rate, plural};
use langsmith::{BulkReport, Outcome, Uuid};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

/// The files a run was told to write, and the report's sha256 once written.
pub(crate) struct Files<'a> {
    pub report: Option<&'a Path>,
    pub report_sha256: Option<&'a str>,
    pub journal: Option<&'a Path>,
}

/// A journal whose last line an interrupted run cut short.
pub(crate) fn torn_journal(path: &Path) {
    eprintln!(
        "note: {}: the last line was cut short by an interrupted run; its ids will be sent again",
        path.display()
    );
}

/// A selection that selected nothing.
pub(crate) fn nothing_selected(selection: &SelectionInfo) {
    println!(
        "no example matches ({}); the server counted {}; nothing to delete",
        selection.selectors, selection.counted
    );
}

/// The plan of a run that sends nothing: with `--dry-run` the ids it would delete on
/// stdout (nothing else goes there) and what it says on stderr; otherwise (nothing left
/// to send) on stdout, as any run reports.
pub(crate) fn plan(run: &Prepared, dry_run: bool) {
    if dry_run && let Some(set) = &run.set {
        // What would be deleted, one id a line (less what the journal already
        // confirmed): stdout holds nothing else.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for id in set.as_slice() {
            let _ = writeln!(out, "{id}");
        }
        let _ = out.flush();
    }
    if let Some(selection) = &run.selection {
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
    // A dry run's stdout is the ids alone (machine-readable); what it says goes to
    // stderr. A run with nothing left to send reports on stdout, as any run does.
    let say = |line: String| {
        if dry_run {
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

/// What a run that sent requests did, on stdout (`text`: the summaries); on stderr, what
/// failed, whatever the output.
pub(crate) fn finished(
    run: &Prepared,
    done: &Done<'_>,
    target: &Target,
    files: &Files<'_>,
    exit: ExitStatus,
    text: bool,
) {
    let bulk = done.bulk;
    if text {
        summary(bulk, done.elapsed, run, target, files);
        if let Some(t) = done.traces {
            super::traces::print_summary(t);
        }
        if let Some(v) = done.verification {
            super::verification::print_summary(v, &done.deleted_at);
        }
        if let Some(t) = done.trace_verification {
            super::traces::print_verify_summary(t);
        }
        if exit == ExitStatus::Pending {
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
    if done.interrupted {
        match files.journal {
            Some(p) => eprintln!(
                "interrupted: re-run the same command with --journal {} to resume",
                p.display()
            ),
            None => eprintln!(
                "interrupted: {} confirmed deleted before the interruption; {}",
                plural(bulk.count(Outcome::Deleted) as u64, "id was", "ids were"),
                if files.report.is_some() {
                    "the report names them"
                } else {
                    "pass --report PATH (and --journal PATH) next time to keep their names"
                }
            ),
        }
    }
}

fn summary(
    bulk: &BulkReport,
    elapsed: Duration,
    run: &Prepared,
    target: &Target,
    files: &Files<'_>,
) {
    let settled = (bulk.unique() - bulk.count(Outcome::NotAttempted)) as f64;
    let secs = elapsed.as_secs_f64().max(1e-3);
    println!(
        "deleted {} of {} in {:.1} s ({} ids/s), {} made",
        bulk.count(Outcome::Deleted),
        plural(bulk.unique() as u64, "unique id", "unique ids"),
        secs,
        human_rate(settled / secs),
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
    if let (Some(p), Some(sha)) = (files.report, files.report_sha256) {
        println!("report: {} (sha256 {sha})", p.display());
    }
    if let Some(p) = files.journal {
        println!("journal: {}", p.display());
    }
}

/// The requests that failed or were not confirmed, on stderr.
pub(crate) fn explain_failures(bulk: &BulkReport) {
    let failing: Vec<_> = bulk
        .requests()
        .iter()
        .filter(|r| r.error().is_some() || r.anomaly().is_some())
        .collect();
    for r in failing.iter().take(MAX_LISTED) {
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
    if failing.len() > MAX_LISTED {
        eprintln!(
            "... and {}",
            plural(
                (failing.len() - MAX_LISTED) as u64,
                "more request",
                "more requests"
            )
        );
    }
}

/// Asks before deleting, on a terminal (`ids_from_stdin`: stdin holds the ids, so it
/// cannot answer); anything but `yes` stops the run.
pub(crate) fn confirm(run: &Prepared, target: &Target, ids_from_stdin: bool) -> Result<(), Exit> {
    let n = run.plan.to_send as usize;
    let batches = run.plan.batches;
    let endpoint = &target.endpoint;
    let ws = target.shown_workspace();
    let interactive =
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !ids_from_stdin;
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
