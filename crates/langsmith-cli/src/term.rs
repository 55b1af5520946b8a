//! The terminal: plurals, rates, the progress line, Ctrl-C, the confirmation prompt,
//! error chains.

use crate::exit;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An error and its causes, one per line, for stderr.
pub(crate) fn chain_lines(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    for (i, c) in langsmith::error_chain(e).enumerate() {
        if i == 0 {
            out.push_str(&c.to_string());
        } else {
            out.push_str(&format!("\n  caused by: {c}"));
        }
    }
    out
}

pub(crate) fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn human_rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.1}M", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1}k", per_sec / 1e3)
    } else {
        format!("{per_sec:.0}")
    }
}

/// At most 80 columns: `00:00:12 [========>           ] 412,000/1,000,000 ids 31.2k ids/s ETA 19s`,
/// redrawn at most 4 times a second.
pub(crate) fn progress_bar(quiet: bool, total: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:20}] {human_pos}/{human_len} ids {rate} ETA {eta}",
        )
        .expect("template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{} ids/s", human_rate(state.per_sec()));
            },
        )
        .progress_chars("=> "),
    );
    bar
}

/// First Ctrl-C: stop starting requests; second: exit at once.
pub(crate) fn watch_interrupts(cancel: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        cancel.store(true, Ordering::SeqCst);
        eprintln!(
            "\ninterrupted: no new requests start; waiting for those in flight (Ctrl-C again to exit at once)"
        );
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "interrupted twice: exiting now; the journal holds every confirmation written so far"
            );
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    });
}
