//! A selection in text: what changed while it was read, what was excluded.

use crate::util::text::plural;
use langsmith::{ExampleQuery, Exclusion, Selection};

/// Warns on stderr when the listing and the count disagree, and lists what the client's
/// check excluded (never deleted).
pub(crate) fn warn_if_changed(s: &Selection) {
    if s.listed() != s.counted || s.repeated > 0 {
        eprintln!(
            "warning: the server counted {} but listed {} ({} listed twice): the selection changed while it was read",
            s.counted,
            s.listed(),
            s.repeated
        );
    }
    if s.excluded.is_empty() {
        return;
    }
    let mut tally: std::collections::BTreeMap<Exclusion, u64> = Default::default();
    for (_, reason) in &s.excluded {
        *tally.entry(*reason).or_default() += 1;
    }
    let tally: Vec<String> = tally
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    eprintln!(
        "warning: the server listed {} that fail the selectors when checked here ({}); they are excluded and never deleted:",
        plural(s.excluded.len() as u64, "example", "examples"),
        tally.join(", ")
    );
    for (id, reason) in s.excluded.iter().take(crate::ops::input::MAX_LISTED) {
        eprintln!("excluded {id}: {reason} (fails --{})", reason.selector());
    }
    if s.excluded.len() > crate::ops::input::MAX_LISTED {
        eprintln!(
            "... and {}",
            plural(
                (s.excluded.len() - crate::ops::input::MAX_LISTED) as u64,
                "more excluded example",
                "more excluded examples"
            )
        );
    }
}

/// `; --filter is the server's word (not re-checked here)` when a selector is.
pub(crate) fn server_word(query: &ExampleQuery) -> String {
    let names = query.server_evaluated();
    if names.is_empty() {
        return String::new();
    }
    let flags: Vec<String> = names.iter().map(|n| format!("--{n}")).collect();
    format!(
        "; {} the server's word (not re-checked here)",
        if flags.len() == 1 {
            format!("{} is", flags[0])
        } else {
            format!("{} are", flags.join(", "))
        }
    )
}
