//! The terminal: the progress line, Ctrl-C, logging set-up, and the last word of a
//! failed run.

use crate::model::exit::{self, Exit};
use crate::util::Tick;
use crate::util::text::human_rate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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

/// For a case command: Ctrl-C exits at once with 130. Safe: every state the case holds
/// was logged (fsynced) before it counted, and the next command resumes from the log (a
/// search skips the places searched completely; an erase re-reads every item it had not
/// recorded, so an answer lost to the interruption is read back, not assumed).
pub(crate) fn exit_on_interrupt() {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\ninterrupted: the case holds every step confirmed so far; run the same command again to resume"
            );
            std::process::exit(i32::from(exit::ExitStatus::Interrupted.code()));
        }
    });
}

/// Says why the run failed, on stderr, and gives its exit code.
pub fn fail(exit: &Exit) -> std::process::ExitCode {
    for line in &exit.details {
        eprintln!("{line}");
    }
    eprintln!("error: {}", exit.message);
    std::process::ExitCode::from(exit.status.code())
}

/// `-v`: retries and isolated refusals (INFO) from this tool and the facade only;
/// `-vv`: plus one line per request (DEBUG); `-vvv`: everything, libraries included.
/// `RUST_LOG`, when set, replaces all of that with its own filter.
pub fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let ours = |level: &str| {
        format!("warn,langsmith={level},langsmith_api={level},langsmith_examples={level}")
    };
    let directives = match (quiet, verbose) {
        (true, _) => "error".to_owned(),
        (false, 0) => "warn".to_owned(),
        (false, 1) => ours("info"),
        (false, 2) => ours("debug"),
        _ => "trace".to_owned(),
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(v.trim()).unwrap_or_else(|e| {
            eprintln!("warning: RUST_LOG is not a valid filter ({e}); using -v levels");
            EnvFilter::new(&directives)
        }),
        _ => EnvFilter::new(&directives),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(verbose >= 3)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

impl Tick for Progress {
    fn set_total(&self, total: u64) {
        Progress::set_total(self, total);
    }

    fn inc(&self, n: u64) {
        Progress::inc(self, n);
    }

    fn finish(&self) {
        Progress::finish(self);
    }
}

/// A progress line for `total` things, as an operation takes it.
pub fn ticker(quiet: bool, total: Option<u64>) -> Arc<dyn Tick> {
    Progress::new(quiet, total)
}

/// Warnings, one a line on stderr.
pub fn warnings(lines: &[String]) {
    for line in lines {
        eprintln!("warning: {line}");
    }
}
