//! The `--with-runs` figures (issues 23 and 30): the requests `hard-delete --with-runs`
//! sends to find and request the deletion of the traces that copied the deleted examples,
//! counted by the stand-in itself (its `-v` log, one line per request), against the ideal:
//! on the v2 runs query (a stand-in serving both routes: the client chooses v2) and on the
//! v1 query (a stand-in serving only v1, as a self-hosted LangSmith before v0.16).

use super::{Figure, KEY, Spread};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Examples deleted, sessions, traces per example: the case.
const EXAMPLES: usize = 10_000;
const SESSIONS: usize = 3;
const TRACES_PER_EXAMPLE: usize = 2;
/// The trace ids a delete takes (LangSmith's data-deletion guide; the spec states none).
const TRACE_IDS: usize = 1000;

/// The runs queries' page maxima, read from the vendored spec as the facade reads them
/// (v2 `page_size`, v1 `limit`).
fn page_maxima(root: &Path) -> Result<(usize, usize), String> {
    let text = std::fs::read_to_string(root.join(xtask::VENDORED_SPEC))
        .map_err(|e| format!("{}: {e}", xtask::VENDORED_SPEC))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let max = |schema: &str, prop: &str| {
        doc["components"]["schemas"][schema]["properties"][prop]["maximum"]
            .as_f64()
            .filter(|m| m.fract() == 0.0 && *m >= 1.0)
            .map(|m| m as usize)
            .ok_or_else(|| format!("{schema}.{prop}: no maximum in the spec"))
    };
    Ok((
        max("query.QueryRunsRequestBody", "page_size")?,
        max("BodyParamsForRunsQuerySchema", "limit")?,
    ))
}

/// Requests a stand-in answered, by path, read from its `-v` log on stderr.
#[derive(Default, Clone, Copy)]
struct Counted {
    runs_query: usize,
    /// Of those, v2 queries (a probe of a missing v2 route included).
    v2_query: usize,
    runs_delete: usize,
    /// Example reads (`GET /api/v1/examples`): the selection's listing and any read of
    /// the examples' scope.
    examples_read: usize,
}

fn one_run(bin: &Path, runs_api: &str) -> Result<Counted, String> {
    let mut child = Command::new(bin.join("langsmith-mock"))
        .args(["serve", "--port", "0", "--api-key", KEY, "-v"])
        .args(["--runs-api", runs_api])
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
            } else if line.contains(" /api/v2/runs/query ") {
                c.runs_query += 1;
                c.v2_query += 1;
            } else if line.contains(" /api/v1/runs/delete ") {
                c.runs_delete += 1;
            } else if line.contains("GET /api/v1/examples ")
                || line.contains("GET /api/v1/examples?")
            {
                c.examples_read += 1;
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

/// The figures: for each API, the median of `runs` runs (the count does not vary, but a
/// run that did would show in the range).
pub(super) fn with_runs_requests(
    root: &Path,
    bin: &Path,
    runs: usize,
) -> Result<Vec<Figure>, String> {
    let (v2_page, v1_page) = page_maxima(root)?;
    let runs_per_example = TRACES_PER_EXAMPLE;
    let referencing = EXAMPLES * runs_per_example;
    let per_session = EXAMPLES * TRACES_PER_EXAMPLE / SESSIONS;
    let deletes = SESSIONS * per_session.div_ceil(TRACE_IDS);
    let mut figures = Vec::new();
    for (api, page, target) in [("v2", v2_page, 1.05), ("v1", v1_page, 1.1)] {
        let counts: Vec<Counted> = (0..runs)
            .map(|_| one_run(bin, api))
            .collect::<Result<_, _>>()?;
        // The ideal: every query page full (one dataset: its referencing runs in pages of
        // the API's maximum), and each session's traces in requests of 1,000. v1 asks
        // about at most `page / traces per example` examples a query, so its pages fill
        // only at that chunk; v2 asks about 500 examples a query (1,000 runs: one page).
        let pages = referencing.div_ceil(page);
        let ideal = (pages + deletes) as f64;
        let total = Spread::of(counts.iter().map(|c| (c.runs_query + c.runs_delete) as f64));
        let ratio = total.map(|t| t / ideal);
        let last = counts[counts.len() - 1];
        if api == "v2" && last.v2_query != last.runs_query {
            return Err(format!(
                "a stand-in serving v2 got {} v1 queries: the client fell back",
                last.runs_query - last.v2_query
            ));
        }
        figures.push(Figure {
            name: format!(
                "hard-delete --with-runs on the {api} runs query: runs requests for {EXAMPLES} deleted examples, {TRACES_PER_EXAMPLE} traces each in {SESSIONS} sessions, {runs} runs (counted by the stand-in)"
            ),
            measured: format!(
                "{} requests ({} runs queries{}, {} runs deletes; besides, {} example reads: the selection's listing and the examples' scope)",
                total.show(0, ""),
                last.runs_query,
                if api == "v1" {
                    format!(", {} of them the v2 probe", last.v2_query)
                } else {
                    String::new()
                },
                last.runs_delete,
                last.examples_read,
            ),
            baseline: format!(
                "ideal ceil({referencing} referencing runs / {page}) = {pages} query pages + {SESSIONS} x ceil({per_session} / {TRACE_IDS}) = {deletes} deletes: {ideal:.0}"
            ),
            ratio: Some(ratio),
            target: format!("ratio <= {target}"),
            pass: Some(ratio.median <= target),
        });
    }
    Ok(figures)
}
