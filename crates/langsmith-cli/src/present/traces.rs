//! `--with-runs` in text: what was found, requested and read back.

use crate::model::traces::TraceRun;
use crate::util::text::{chain_lines, plural};
use langsmith::{Error, TraceState, TraceVerifyReport};

/// Before the runs lookup: what it looks for (unless `quiet`).
pub(crate) fn looking_up(examples: usize, quiet: bool) {
    if !quiet {
        eprintln!(
            "looking up the runs that reference {}",
            plural(examples as u64, "example", "examples")
        );
    }
}

/// The summary of a `--with-runs` deletion, on stdout; failures on stderr.
pub(crate) fn print_summary(run: &TraceRun) {
    match &run.found {
        Err(e) => {
            println!(
                "traces: the runs lookup for {} did not complete, so no trace deletion was requested",
                plural(run.examples as u64, "example", "examples")
            );
            eprintln!("runs lookup: {}", chain_lines(e));
        }
        Ok(f) => {
            let (requested, failed, not_attempted) = run.deletion.as_ref().map_or((0, 0, 0), |d| {
                (d.requested(), d.failed(), d.not_attempted())
            });
            println!(
                "traces: {} found referencing {} ({} listed); deletion requested for {}{}{}",
                plural(f.traces().len() as u64, "trace", "traces"),
                plural(run.examples as u64, "deleted example", "deleted examples"),
                plural(f.runs(), "run", "runs"),
                requested,
                match failed {
                    0 => String::new(),
                    n => format!(", failed {n}"),
                },
                match not_attempted {
                    0 => String::new(),
                    n => format!(", not_attempted {n}"),
                },
            );
            if requested > 0 {
                println!(
                    "(deletion requested: queued by the service, not yet proven gone; verify with --with-runs later)"
                );
            }
            if !f.excluded().is_empty() {
                eprintln!(
                    "{} listed by the runs query reference none of these examples: excluded, never deleted",
                    plural(f.excluded().len() as u64, "run", "runs")
                );
            }
            if let Some(d) = &run.deletion {
                for r in d.requests().iter().filter(|r| r.error().is_some()).take(3) {
                    if let Some(e) = r.error() {
                        eprintln!(
                            "trace deletion request {} (session {}, {}) after {}: {}",
                            r.index(),
                            r.session_id(),
                            plural(r.traces() as u64, "trace", "traces"),
                            plural(r.attempts(), "attempt", "attempts"),
                            chain_lines(e)
                        );
                    }
                }
            }
        }
    }
}

/// The summary of a trace read-back, on stdout; traces still present on stderr.
pub(crate) fn print_verify_summary(v: &Result<TraceVerifyReport, Error>) {
    match v {
        Err(e) => {
            println!("traces: the runs lookup did not complete; nothing is proven gone");
            eprintln!("runs lookup: {}", chain_lines(e));
        }
        Ok(v) => {
            println!(
                "traces: gone {}, pending {} (requested, still listed), still present and never requested {}",
                v.gone(),
                v.pending(),
                v.unrequested()
            );
            for (k, state) in v
                .states()
                .iter()
                .filter(|(_, s)| *s != TraceState::Gone)
                .take(crate::ops::input::MAX_LISTED)
            {
                let why = match state {
                    TraceState::StillPresent { requested: true } => {
                        "still listed (deletion requested, pending)"
                    }
                    _ => "still listed (its deletion was never requested)",
                };
                eprintln!("{k}: {why}");
            }
        }
    }
}

/// Says on stderr which runs query answered, over which window (unless `quiet`).
pub(crate) fn say_api(found: &langsmith::TracesFound, quiet: bool) {
    use crate::util::rfc3339;
    if quiet {
        return;
    }
    let w = found.window();
    match found.api() {
        langsmith::RunsApi::V2 => eprintln!(
            "runs: looked up with the v2 runs query, start_time {} to {}",
            rfc3339(w.min_start_time),
            rfc3339(w.max_start_time)
        ),
        langsmith::RunsApi::V1 => eprintln!(
            "runs: the v2 runs query is not served at this endpoint; looked up with the v1 runs query (deprecated by LangSmith, removal after 2027-01-31), start_time from {}",
            rfc3339(w.min_start_time)
        ),
    }
}
