//! The terminal: plurals, rates, the progress line, Ctrl-C, the confirmation prompt,
//! error chains.

use crate::exit;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// An error's causes, outermost first, each once: a wrapper that says exactly what the
/// error it wraps says (as TLS and I/O layers do) is not repeated.
fn causes(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in langsmith::error_chain(e) {
        let text = c.to_string();
        if out.last() != Some(&text) {
            out.push(text);
        }
    }
    out
}

/// What to try, when the causes show a known mistake.
fn hint(causes: &[String]) -> Option<&'static str> {
    // rustls's word for a peer that answered a TLS handshake in plain text.
    causes
        .iter()
        .any(|c| c.contains("InvalidContentType"))
        .then_some("the server answered the TLS handshake in plain text: it may speak plain http (an endpoint starting http://)")
}

/// An error and its causes, one per line, for stderr.
pub(crate) fn chain_lines(e: &(dyn std::error::Error + 'static)) -> String {
    let causes = causes(e);
    let mut out = causes.join("\n  caused by: ");
    if let Some(h) = hint(&causes) {
        out.push_str(&format!("\n  hint: {h}"));
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

/// The progress line on stderr (hidden with `-q` or when stderr is not a terminal): ids
/// done of the total, the rate and the ETA, fitted to the terminal's width (at most 80
/// columns), redrawn at most 4 times a second however often it is told of progress.
/// Without a total yet (a listing before its count) it counts what arrived.
pub(crate) struct Progress {
    bar: ProgressBar,
    pending: AtomicU64,
    last: Mutex<Instant>,
}

/// The most redraws a second.
const REDRAWS_PER_SEC: u32 = 4;

/// The line's template for a terminal `width` columns wide: the widest that fits.
fn template(width: u16, total: bool) -> &'static str {
    match (total, width) {
        (true, 80..) => "{elapsed_precise} [{bar:20}] {human_pos}/{human_len} ids {rate} ETA {eta}",
        (true, 60..) => "{elapsed_precise} {human_pos}/{human_len} ids {rate} ETA {eta}",
        (true, _) => "{percent:>3}% {human_pos} ids ETA {eta}",
        (false, 40..) => "{elapsed_precise} listed {human_pos} ids {rate}",
        (false, _) => "listed {human_pos} ids",
    }
}

impl Progress {
    /// A line for `total` ids (`None`: not known yet).
    pub(crate) fn new(quiet: bool, total: Option<u64>) -> Arc<Progress> {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(
                total,
                ProgressDrawTarget::stderr_with_hz(REDRAWS_PER_SEC as u8),
            );
            bar.set_style(style(total.is_some()));
            bar
        };
        Arc::new(Progress {
            bar,
            pending: AtomicU64::new(0),
            last: Mutex::new(Instant::now()),
        })
    }

    /// The total is known now (a listing's count).
    pub(crate) fn set_total(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.set_style(style(true));
    }

    /// `n` more ids done; drawn when a quarter second has passed since the last draw.
    pub(crate) fn inc(&self, n: u64) {
        self.pending.fetch_add(n, Ordering::Relaxed);
        let mut last = self.last.lock().unwrap();
        if last.elapsed() >= Duration::from_secs(1) / REDRAWS_PER_SEC {
            *last = Instant::now();
            self.bar.inc(self.pending.swap(0, Ordering::Relaxed));
        }
    }

    /// Clears the line.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn style(total: bool) -> ProgressStyle {
    let width = console::Term::stderr().size().1.min(80);
    ProgressStyle::with_template(template(width, total))
        .expect("template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{} ids/s", human_rate(state.per_sec()));
            },
        )
        .progress_chars("=> ")
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
            std::process::exit(i32::from(exit::ExitStatus::Interrupted.code()));
        }
    });
}
