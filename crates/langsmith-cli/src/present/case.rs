//! A case on stdout: after `open` and `find`, and `show` as text, JSON or a one-page
//! Markdown summary. Only what the case holds is printed: hashes, ids, counts, states;
//! never an identifier or content.

use chrono::NaiveDate;
use langsmith_case::case::{Case, ItemState, Place, PlaceRecord, PlaceState};
use std::path::Path;

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
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(case).expect("a case serializes")
        ),
        Format::Text => text(case, today),
        Format::Markdown => print!("{}", markdown(case, today)),
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
    let what = match p.place {
        Place::Examples => "datasets",
        Place::ExperimentTraces => "examples",
        _ => "containers",
    };
    let by = match p.place {
        Place::Examples => format!(
            "for {}",
            crate::util::text::plural(p.asked.identifiers, "identifier", "identifiers")
        ),
        _ => "by their reference".to_owned(),
    };
    format!(
        "{}: {} {what} searched {by} ({} queries): {} listed, {} matched, {} excluded, {} new; {}",
        p.place,
        p.asked.containers,
        p.asked.queries,
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
            "{} datasets, {} identifiers, {} queries",
            p.asked.containers, p.asked.identifiers, p.asked.queries
        ),
        _ => {
            let mut s = format!(
                "traces referencing {} found examples, {} queries",
                p.asked.containers, p.asked.queries
            );
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

fn text(case: &Case, today: NaiveDate) {
    println!("ticket: {}", case.ticket);
    println!("state: {}", case.state);
    println!("opened: {}", case.opened_at);
    println!("received: {}", case.received);
    println!(
        "deadline: {} ({}), {}",
        case.deadline,
        rule(&case.deadline_rule),
        days_left(case, today)
    );
    println!("identifiers: {} (salted sha256)", case.identifiers.len());
    if case.places.is_empty() {
        println!("places: none searched yet");
    }
    for p in &case.places {
        println!("{}", place_line(p));
        println!("  searched {} to {}", p.started_at, p.finished_at);
        if let (Some(api), Some(w)) = (&p.runs_api, &p.window) {
            println!(
                "  runs query {api}, start_time from {} to {}",
                w.min_start_time, w.max_start_time
            );
        }
        println!("  items: {}", tally_text(case, p.place));
        for problem in &p.problems {
            println!("  incomplete: {problem}");
        }
    }
    for w in &case.warnings {
        println!("warning: {w}");
    }
    for n in &case.not_reached {
        println!("not reached: {n}");
    }
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
        "| Days left (as of {today}) | {} |",
        case.days_left(today)
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
        line("| Place | Searched | Asked | Came back | Items | State |".into());
        line("|---|---|---|---|---|---|".into());
        for p in &case.places {
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
