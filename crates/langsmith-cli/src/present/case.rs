//! A case on stdout: after `open`, `find`, `erase` and `verify`, and `show` as text, JSON or a one-page
//! Markdown summary. Only what the case holds is printed: hashes, ids, counts, states;
//! never an identifier or content.

use crate::model::exit::{Exit, usage};
use crate::ops::connect::Target;
use crate::util::text::plural;
use chrono::NaiveDate;
use langsmith_case::case::{Case, CaseState, ItemState, Place, PlaceRecord, PlaceState};
use langsmith_case::erase::{Erasure, Plan};
use langsmith_case::verify::{Verdict, Verified};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Every place, in the order they are searched.
const PLACES: [Place; 6] = [
    Place::Examples,
    Place::ExperimentTraces,
    Place::Traces,
    Place::SourceRuns,
    Place::Feedback,
    Place::Shares,
];

/// How many ids of each place `erase` shows before it asks.
const FIRST_ITEMS: usize = 5;

/// What `erase` will do (or, with `--dry-run`, would do): counts per place and the first
/// ids; never content.
pub fn erase_plan(plan: &Plan, dry_run: bool) {
    let verb = if dry_run { "would" } else { "will" };
    println!(
        "examples: {verb} re-check and hard-delete {}",
        plural(plan.examples.len() as u64, "example", "examples")
    );
    for id in plan.examples.iter().take(FIRST_ITEMS) {
        println!("  {id}");
    }
    if plan.examples.len() > FIRST_ITEMS {
        println!("  ... and {} more", plan.examples.len() - FIRST_ITEMS);
    }
    println!(
        "experiment_traces: {verb} re-check and request the deletion of {}",
        plural(plan.traces.len() as u64, "trace", "traces")
    );
    for k in plan.traces.iter().take(FIRST_ITEMS) {
        println!("  {} (session {})", k.trace_id, k.session_id);
    }
    if plan.traces.len() > FIRST_ITEMS {
        println!("  ... and {} more", plan.traces.len() - FIRST_ITEMS);
    }
    println!(
        "traces and source_runs: {verb} re-check and request the deletion of {}",
        plural(plan.content_traces.len() as u64, "trace", "traces")
    );
    for (place, k) in plan.content_traces.iter().take(FIRST_ITEMS) {
        println!("  {} (session {}, {place})", k.trace_id, k.session_id);
    }
    if plan.content_traces.len() > FIRST_ITEMS {
        println!("  ... and {} more", plan.content_traces.len() - FIRST_ITEMS);
    }
    println!(
        "feedback: {verb} re-check and delete {}",
        plural(
            plan.feedback.len() as u64,
            "feedback record",
            "feedback records"
        )
    );
    for id in plan.feedback.iter().take(FIRST_ITEMS) {
        println!("  {id}");
    }
    println!(
        "shares: {verb} revoke {}",
        plural(
            plan.shares.len() as u64,
            "public share link",
            "public share links"
        )
    );
    for (kind, id) in plan.shares.iter().take(FIRST_ITEMS) {
        println!("  {kind} {id}");
    }
    println!(
        "{} done before (not sent again), {} excluded (never sent)",
        plural(plan.done as u64, "item", "items"),
        plan.excluded
    );
    if dry_run {
        println!("dry run: nothing was sent");
    } else if plan.is_empty() {
        println!("nothing to erase");
    }
}

/// Asks before `erase` sends anything; without a terminal `--yes` is required (as
/// `hard-delete` asks).
pub(crate) fn confirm(plan: &Plan, target: &Target, stdin_used: bool) -> Result<(), Exit> {
    let interactive =
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !stdin_used;
    if !interactive {
        return Err(usage(
            "not on a terminal: pass --yes to confirm the erasure (nothing was sent)",
        ));
    }
    eprint!(
        "About to HARD-DELETE up to {}, request the deletion of up to {}, delete up to {} and revoke up to {} at {}, workspace {}.\n\
         Each is re-checked first; this cannot be undone.\n\
         Type yes (the whole word) to continue, anything else to stop: ",
        plural(plan.examples.len() as u64, "example", "examples"),
        plural(
            (plan.traces.len() + plan.content_traces.len()) as u64,
            "trace",
            "traces"
        ),
        plural(
            plan.feedback.len() as u64,
            "feedback record",
            "feedback records"
        ),
        plural(plan.shares.len() as u64, "share link", "share links"),
        target.endpoint,
        target.shown_workspace(),
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

/// After `erase`.
pub fn erased(case: &Case, out: &Erasure) {
    println!(
        "erase: {} deleted (the server named each), {} requested (trace deletions queued, not yet gone), {} excluded at the re-check (never sent), {} read back erased or gone already (not sent again), {} failed",
        out.deleted, out.requested, out.excluded, out.already_gone, out.failed
    );
    for place in PLACES {
        println!("{place}: {}", tally_text(case, place));
    }
    println!("case state: {}", case.state);
    if out.requested > 0 || out.deleted > 0 {
        println!("next: case verify (reads every item back and searches again)");
    }
}

/// After `verify`.
pub fn verified(case: &Case, v: &Verified) {
    let p = &v.pass;
    println!(
        "examples: {} erased, {} pending (attachments), {} with data",
        p.examples_erased, p.examples_pending, p.examples_not_erased
    );
    println!(
        "traces (experiment, by content, source runs): {} gone, {} pending (deletion queued), {} listed and never requested",
        p.traces_gone, p.traces_pending, p.traces_present
    );
    println!(
        "feedback and share links: {} gone, {} still there",
        p.others_gone, p.others_present
    );
    println!(
        "searched again: {}",
        if p.new_items == 0 {
            "nothing new".to_owned()
        } else {
            format!(
                "{} the case did not hold (added as found: run case erase)",
                plural(p.new_items, "new copy", "new copies")
            )
        }
    );
    for problem in &p.problems {
        println!("  incomplete: {problem}");
    }
    print!("{}", not_searched_lines(case));
    println!("case state: {}", case.state);
    match v.verdict {
        Verdict::Closed => println!("closed: every copy searched for is proven gone"),
        Verdict::Pending => match case.look_again() {
            Some(at) => println!("pending: verify again after {at}"),
            None if !case.found_with_scan => println!(
                "pending: nothing contradicts the erasure, but the server's search cannot prove absence: run case find --scan, then case verify"
            ),
            None => println!(
                "pending: nothing contradicts the erasure, but the places above are not searched yet"
            ),
        },
        Verdict::DataLeft => println!("data left: run case erase, then verify again"),
        _ => println!("attention: a read-back or search failed; verify again"),
    }
}

/// The places not searched, and why they keep the case from `closed`.
fn not_searched_lines(case: &Case) -> String {
    let mut out = String::new();
    for n in &case.not_searched {
        out.push_str(&format!("not searched: {n}\n"));
    }
    if !case.not_searched.is_empty() {
        out.push_str("  (this version does not search these places yet: the case stays pending, never closed, until they are searched)\n");
    }
    out
}

/// What stopped a step (the endpoint, the key, a server failure), with its causes.
///
/// Only what cannot hold the person's data: the error's kind, the HTTP status and the
/// server's request id, and for a failure to connect the endpoint's origin. A server's
/// message, a body's start and a request's URL may all echo what was searched for (the
/// identifier in `full_text_contains` or `search("...")`) or content read, so a case
/// command never prints them.
pub fn stopped_by(e: &langsmith::Error) {
    let mut line = format!("error: {}", e.kind().as_str().replace('_', " "));
    if let Some(status) = e.status() {
        line.push_str(&format!(" (HTTP {status})"));
    }
    if let Some(id) = e.request_id() {
        line.push_str(&format!(", request id {id}"));
    }
    line.push_str(match e.kind() {
        langsmith::ErrorKind::Unauthorized | langsmith::ErrorKind::Forbidden => {
            ": the API key (or workspace) was refused"
        }
        langsmith::ErrorKind::Timeout
        | langsmith::ErrorKind::Transport
        | langsmith::ErrorKind::Tls => ": the endpoint could not be reached",
        _ => "",
    });
    eprintln!("{line}");
}

/// `show -o`.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// After `open`.
pub fn opened(path: &Path, case: &Case, today: NaiveDate) {
    println!(
        "opened case {} (ticket {}): {} recorded as salted hashes",
        path.display(),
        case.ticket,
        crate::util::text::plural(case.identifiers.len() as u64, "identifier", "identifiers")
    );
    println!(
        "received {}, deadline {} ({}), {}",
        case.received,
        case.deadline,
        rule(&case.deadline_rule),
        days_left(case, today)
    );
}

/// Before `find --scan`: what it reads, and how long that takes at the rate limit.
pub fn scan_notice(plan: &langsmith_case::find::ScanPlan) {
    let secs = plan.time_at(SCAN_RATE).as_secs();
    let took = if secs < 120 {
        plural(secs.max(1), "second", "seconds")
    } else {
        plural(secs.div_ceil(60), "minute", "minutes")
    };
    // The projects listing may give no run count (LangSmith's without stats does not):
    // then the runs are unknown, and the requests and time a lower bound.
    let runs = match plan.projects_uncounted {
        0 => format!("{} runs", plan.runs),
        n if n == plan.projects => "runs not counted by the projects listing".to_owned(),
        n => format!(
            "{} runs, and those of {} the listing does not count",
            plan.runs,
            plural(n, "project", "projects")
        ),
    };
    eprintln!(
        "scan: reads every example of {} ({} examples) and every run of {} ({runs}) in the window, each checked here: at least {} requests, about {took} at 2,000 requests a minute",
        plural(plan.datasets, "dataset", "datasets"),
        plan.examples,
        plural(plan.projects, "project", "projects"),
        plan.requests,
    );
}

/// The request rate a scan's time is told at (the rate issue 31's benchmarks assume).
const SCAN_RATE: u64 = 2_000;

/// After `find`.
pub fn found(case: &Case) {
    for p in &case.places {
        println!("{}", place_line(p));
        for problem in &p.problems {
            println!("  incomplete: {problem}");
        }
    }
    println!("case state: {}", case.state);
}

/// `show`.
pub fn show(case: &Case, format: Format, today: NaiveDate) {
    let shown = match format {
        Format::Json => serde_json::to_string_pretty(case).expect("a case serializes") + "\n",
        Format::Text => text(case, today),
        Format::Markdown => markdown(case, today),
    };
    // A reader that stops early (`| head`) is no error of the case.
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(shown.as_bytes())
        .and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: writing to stdout: {e}");
    }
}

fn rule(r: &str) -> &str {
    match r {
        "gdpr_one_month" => "one calendar month, GDPR Art. 12(3)",
        _ => "as given",
    }
}

fn days_left(case: &Case, today: NaiveDate) -> String {
    match case.days_left(today) {
        n if n < 0 => format!(
            "{} past the deadline",
            crate::util::text::plural(n.unsigned_abs(), "day", "days")
        ),
        n => format!(
            "{} left",
            crate::util::text::plural(n as u64, "day", "days")
        ),
    }
}

fn place_line(p: &PlaceRecord) -> String {
    let (one, many) = match p.place {
        Place::Examples => ("dataset", "datasets"),
        Place::ExperimentTraces | Place::SourceRuns => ("example", "examples"),
        Place::Traces | Place::Feedback => ("project", "projects"),
        _ => ("found item", "found items"),
    };
    let containers = plural(p.asked.containers, one, many);
    let by = match p.place {
        Place::Examples | Place::Traces | Place::Feedback => format!(
            "for {}",
            crate::util::text::plural(p.asked.identifiers, "identifier", "identifiers")
        ),
        Place::SourceRuns => "for their source runs".to_owned(),
        Place::Shares => "for public links".to_owned(),
        _ => "by their reference".to_owned(),
    };
    format!(
        "{}: {containers} searched {by} ({}): {} listed, {} matched, {} excluded, {} new; {}",
        p.place,
        plural(p.asked.queries, "query", "queries"),
        p.answered.listed,
        p.answered.matched,
        p.answered.excluded,
        p.answered.new_items,
        match p.state {
            PlaceState::Complete => "complete",
            PlaceState::Incomplete => "INCOMPLETE",
        }
    )
}

/// What a search asked, for the summary's table.
fn asked(p: &PlaceRecord) -> String {
    match p.place {
        Place::Examples => format!(
            "{} datasets, {} identifiers, {}",
            p.asked.containers,
            p.asked.identifiers,
            plural(p.asked.queries, "query", "queries")
        ),
        Place::Feedback => format!(
            "feedback of {} projects, {} identifiers, {}",
            p.asked.containers,
            p.asked.identifiers,
            plural(p.asked.queries, "query", "queries")
        ),
        Place::Shares => format!(
            "public links of {} found traces and datasets, {}",
            p.asked.containers,
            plural(p.asked.queries, "query", "queries")
        ),
        _ => {
            let mut s = match p.place {
                Place::Traces => format!(
                    "runs of {} projects searched for {} identifiers, {}",
                    p.asked.containers,
                    p.asked.identifiers,
                    plural(p.asked.queries, "query", "queries")
                ),
                Place::SourceRuns => format!(
                    "source runs of {} found examples, {}",
                    p.asked.containers,
                    plural(p.asked.queries, "query", "queries")
                ),
                _ => format!(
                    "traces referencing {} found examples, {}",
                    p.asked.containers,
                    plural(p.asked.queries, "query", "queries")
                ),
            };
            if let (Some(api), Some(w)) = (&p.runs_api, &p.window) {
                s.push_str(&format!(
                    " (runs query {api}, {} to {})",
                    w.min_start_time, w.max_start_time
                ));
            }
            s
        }
    }
}

/// Items per state, in the order of the states' life.
fn tally(case: &Case, place: Place) -> Vec<(ItemState, usize)> {
    [
        ItemState::Found,
        ItemState::Excluded,
        ItemState::EraseRequested,
        ItemState::Deleted,
        ItemState::Erased,
        ItemState::Pending,
        ItemState::Gone,
        ItemState::StillPresent,
        ItemState::Failed,
    ]
    .into_iter()
    .map(|s| (s, case.count(place, s)))
    .filter(|(_, n)| *n > 0)
    .collect()
}

fn tally_text(case: &Case, place: Place) -> String {
    let t = tally(case, place);
    if t.is_empty() {
        return "no items".to_owned();
    }
    t.iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn text(case: &Case, today: NaiveDate) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "ticket: {}", case.ticket);
    let _ = writeln!(out, "state: {}", case.state);
    let _ = writeln!(out, "opened: {}", case.opened_at);
    let _ = writeln!(out, "received: {}", case.received);
    let _ = writeln!(
        out,
        "deadline: {} ({}), {}",
        case.deadline,
        rule(&case.deadline_rule),
        days_left(case, today)
    );
    let _ = writeln!(
        out,
        "identifiers: {} (salted sha256)",
        case.identifiers.len()
    );
    if case.places.is_empty() {
        let _ = writeln!(out, "places: none searched yet");
    }
    for p in &case.places {
        let _ = writeln!(out, "{}", place_line(p));
        let _ = writeln!(out, "  searched {} to {}", p.started_at, p.finished_at);
        let earlier: Vec<_> = case
            .earlier_searches
            .iter()
            .filter(|e| e.place == p.place)
            .collect();
        if let Some(first) = earlier.first() {
            let _ = writeln!(
                out,
                "  searched {} before; the first, at {}, matched {} of {} listed",
                crate::util::text::plural(earlier.len() as u64, "time", "times"),
                first.finished_at,
                first.answered.matched,
                first.answered.listed
            );
        }
        if let (Some(api), Some(w)) = (&p.runs_api, &p.window) {
            let _ = writeln!(
                out,
                "  runs query {api}, start_time from {} to {}",
                w.min_start_time, w.max_start_time
            );
        }
        let _ = writeln!(out, "  items: {}", tally_text(case, p.place));
        for problem in &p.problems {
            let _ = writeln!(out, "  incomplete: {problem}");
        }
    }
    if let Some(p) = case.passes.last() {
        let _ = writeln!(
            out,
            "verified {} ({} so far): {} new, {} failed",
            p.at,
            plural(case.passes.len() as u64, "pass", "passes"),
            p.new_items,
            p.failed
        );
    }
    if case.state == CaseState::Pending
        && let Some(at) = case.look_again()
    {
        let _ = writeln!(out, "verify again after: {at}");
    }
    out.push_str(&not_searched_lines(case));
    for w in &case.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for n in &case.not_reached {
        let _ = writeln!(out, "not reached: {n}");
    }
    out
}

/// The one-page summary a data protection officer can file.
pub(crate) fn markdown(case: &Case, today: NaiveDate) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("# Erasure case {}", case.ticket));
    line(String::new());
    line("| | |".into());
    line("|---|---|".into());
    line(format!("| State | **{}** |", case.state));
    line(format!("| Request received | {} |", case.received));
    line(format!(
        "| Deadline | {} ({}) |",
        case.deadline,
        rule(&case.deadline_rule)
    ));
    line(format!(
        "| Time left (as of {today}) | {} |",
        days_left(case, today)
    ));
    line(format!("| Case opened | {} |", case.opened_at));
    line(format!(
        "| Identifiers | {} (recorded only as salted SHA-256) |",
        case.identifiers.len()
    ));
    line(String::new());
    line("## Places searched".into());
    line(String::new());
    if case.places.is_empty() {
        line("None yet.".into());
    } else {
        line("Every search, in order (a later search of a place finds only what is left):".into());
        line(String::new());
        line("| Place | Searched | Asked | Came back | Items now | State |".into());
        line("|---|---|---|---|---|---|".into());
        let mut searches: Vec<_> = case.earlier_searches.iter().chain(&case.places).collect();
        searches.sort_by(|a, b| a.finished_at.cmp(&b.finished_at));
        for p in searches {
            line(format!(
                "| {} | {} | {} | {} listed, {} matched, {} excluded | {} | {} |",
                p.place,
                p.finished_at,
                asked(p),
                p.answered.listed,
                p.answered.matched,
                p.answered.excluded,
                tally_text(case, p.place),
                match p.state {
                    PlaceState::Complete => "complete",
                    PlaceState::Incomplete => "**incomplete**",
                }
            ));
        }
        for p in case.places.iter().filter(|p| !p.problems.is_empty()) {
            line(String::new());
            line(format!("Why {} is incomplete:", p.place));
            for problem in &p.problems {
                line(format!("- {problem}"));
            }
        }
    }
    line(String::new());
    line("Excluded items were listed by the server but failed the check made here; they are never erased.".into());
    line(String::new());
    line("## Verification".into());
    line(String::new());
    if case.passes.is_empty() {
        line("No verification pass yet.".into());
    }
    for p in &case.passes {
        line(format!(
            "- {}: examples {} erased, {} pending, {} with data; traces {} gone, {} pending, {} never requested; feedback and share links {} gone, {} still there; {} new copies{}",
            p.at,
            p.examples_erased,
            p.examples_pending,
            p.examples_not_erased,
            p.traces_gone,
            p.traces_pending,
            p.traces_present,
            p.others_gone,
            p.others_present,
            p.new_items,
            if p.problems.is_empty() {
                ""
            } else {
                "; **incomplete**"
            }
        ));
    }
    if let Some(at) = case.look_again() {
        line(String::new());
        line(format!("Pending items: verify again after {at}."));
    }
    if !case.found_with_scan && !case.places.is_empty() {
        line(String::new());
        line("Searched by the server's full-text index only, which holds at most 250 characters of a value and drops stop words: it cannot prove absence, so this case cannot close until `case find --scan` has read every example and run.".into());
    }
    line(String::new());
    line("## Not searched yet".into());
    line(String::new());
    if case.not_searched.is_empty() {
        line("None.".into());
    } else {
        line("This version does not search these places yet, so the case cannot be closed (it stays **pending** at best: nothing found contradicts the erasure, but the case does not speak for them):".into());
        line(String::new());
        for n in &case.not_searched {
            line(format!("- {n}"));
        }
    }
    line(String::new());
    line("## Warnings".into());
    line(String::new());
    if case.warnings.is_empty() {
        line("None.".into());
    }
    for w in &case.warnings {
        line(format!("- {w}"));
    }
    line(String::new());
    line("## Not reached by this case".into());
    line(String::new());
    for n in &case.not_reached {
        line(format!("- {n}"));
    }
    out
}
