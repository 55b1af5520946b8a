//! The `--with-runs` figure (issue 23): the requests `hard-delete --with-runs` sends to
//! find and request the deletion of the traces that copied the deleted examples, counted
//! by the stand-in itself (its `-v` log, one line per request), against the ideal.

use super::{Figure, KEY, Spread};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Examples deleted, sessions, traces per example: the case.
const EXAMPLES: usize = 10_000;
const SESSIONS: usize = 3;
const TRACES_PER_EXAMPLE: usize = 2;
/// The runs query's page (the spec's `limit` maximum) and the trace ids a delete takes.
const PAGE: usize = 100;
const TRACE_IDS: usize = 1000;

/// Requests a stand-in answered, by path, read from its `-v` log on stderr.
#[derive(Default, Clone, Copy)]
struct Counted {
    runs_query: usize,
    runs_delete: usize,
}

fn one_run(bin: &Path) -> Result<Counted, String> {
    let mut child = Command::new(bin.join("langsmith-mock"))
        .args(["serve", "--port", "0", "--api-key", KEY, "-v"])
        .args(["--seed", &EXAMPLES.to_string(), "--dataset", "bench"])
        .args(["--experiment-sessions", &SESSIONS.to_string()])
        .args(["--traces-per-example", &TRACES_PER_EXAMPLE.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("langsmith-mock: {e}"))?;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .ok_or("langsmith-mock exited before listening")?
            .map_err(|e| e.to_string())?;
        if let Some(url) = line.strip_prefix("langsmith-mock listening on ") {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let log = BufReader::new(child.stderr.take().unwrap());
    let counter = std::thread::spawn(move || {
        let mut c = Counted::default();
        for line in log.lines().map_while(Result::ok) {
            if line.contains(" /api/v1/runs/query ") {
                c.runs_query += 1;
            } else if line.contains(" /api/v1/runs/delete ") {
                c.runs_delete += 1;
            }
        }
        c
    });
    let status = Command::new(bin.join("langsmith-examples"))
        .env_clear()
        .env("LANGSMITH_ENDPOINT", &url)
        .env("LANGSMITH_API_KEY", KEY)
        .args([
            "hard-delete",
            "--dataset",
            "bench",
            "--yes",
            "--with-runs",
            "-q",
        ])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("langsmith-examples: {e}"))?;
    let _ = child.kill();
    let _ = child.wait();
    let counted = counter.join().map_err(|_| "the log reader panicked")?;
    if !status.success() {
        return Err(format!("hard-delete --with-runs exited with {status}"));
    }
    Ok(counted)
}

/// The figure: the median of `runs` runs (the count does not vary, but a run that did
/// would show in the range).
pub(super) fn with_runs_requests(bin: &Path, runs: usize) -> Result<Figure, String> {
    let counts: Vec<Counted> = (0..runs).map(|_| one_run(bin)).collect::<Result<_, _>>()?;
    // The ideal: every query page full (a chunk of 100 / 2 = 50 examples fills one), and
    // each session's traces in requests of 1,000.
    let per_page = PAGE / TRACES_PER_EXAMPLE;
    let pages = EXAMPLES.div_ceil(per_page);
    let per_session = EXAMPLES * TRACES_PER_EXAMPLE / SESSIONS;
    let deletes = SESSIONS * per_session.div_ceil(TRACE_IDS);
    let ideal = (pages + deletes) as f64;
    let total = Spread::of(counts.iter().map(|c| (c.runs_query + c.runs_delete) as f64));
    let ratio = total.map(|t| t / ideal);
    let last = counts[counts.len() - 1];
    Ok(Figure {
        name: format!(
            "hard-delete --with-runs: runs requests for {EXAMPLES} deleted examples, {TRACES_PER_EXAMPLE} traces each in {SESSIONS} sessions, {runs} runs (counted by the stand-in)"
        ),
        measured: format!(
            "{} requests ({} runs queries, {} runs deletes)",
            total.show(0, ""),
            last.runs_query,
            last.runs_delete
        ),
        baseline: format!(
            "ideal ceil({EXAMPLES} / {per_page}) = {pages} query pages + {SESSIONS} x ceil({per_session} / {TRACE_IDS}) = {deletes} deletes: {ideal:.0}"
        ),
        ratio: Some(ratio),
        target: "ratio <= 1.1".into(),
        pass: Some(ratio.median <= 1.1),
    })
}
