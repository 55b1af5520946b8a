//! The erasure case figures (issue 31): `case find` and `case find --scan` over a stand-in
//! workspace holding one person among many (`langsmith-mock serve --person
//! --person-scale ...`), the requests counted by the stand-in itself (its `-v` log, one
//! line per request), against an ideal made from the stand-in's own record of what it
//! seeded (the `record` line it prints) and the spec's page sizes, never from the client.

use super::{Figure, KEY, Measured, Spread, measure};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// The identifiers the stand-in's person workspace seeds (`langsmith_mock::person`).
const IDENTIFIERS: [&str; 3] = ["maria.keller@example.org", "Maria Keller", "CUST-48213"];
/// Page sizes, the spec's maxima: datasets, examples, sessions, feedback and share-link
/// listings (`limit` <= 100), and the v2 runs query (`page_size` <= 1000).
const PAGE: u64 = 100;
const V2_PAGE: u64 = 1000;
/// Projects per v2 query (`project_ids`) and run ids per query (`ids`).
const PROJECTS_PER_QUERY: u64 = 100;
const IDS_PER_QUERY: u64 = 500;
/// The requests a minute the issue's wall-time figure is taken at.
const RATE_PER_MINUTE: f64 = 2000.0;

/// The workspace: datasets, examples per dataset, plain projects, traces (of three runs)
/// per project, copies of the person per dataset and per project.
#[derive(Clone, Copy)]
pub struct CaseScale {
    pub datasets: usize,
    pub examples: usize,
    pub projects: usize,
    pub traces: usize,
    pub copies: usize,
}

impl CaseScale {
    /// The issue's: 200 datasets x 2,000 examples, 50 projects x 20,000 runs (6,667
    /// traces of three runs: 20,001), 4 copies a place (about 1,000 in all).
    pub const ISSUE: CaseScale = CaseScale {
        datasets: 200,
        examples: 2000,
        projects: 50,
        traces: 6667,
        copies: 4,
    };

    fn arg(&self) -> String {
        format!(
            "{},{},{},{},{}",
            self.datasets, self.examples, self.projects, self.traces, self.copies
        )
    }

    fn describe(&self) -> String {
        format!(
            "{} datasets x {} examples, {} projects x {} traces of 3 runs, {} copies a place",
            self.datasets, self.examples, self.projects, self.traces, self.copies
        )
    }
}

/// Requests a stand-in answered, by `METHOD path`, from its `-v` log.
type Counts = Arc<Mutex<BTreeMap<String, u64>>>;

fn take(counts: &Counts) -> BTreeMap<String, u64> {
    std::mem::take(&mut *counts.lock().unwrap())
}

fn total(c: &BTreeMap<String, u64>) -> u64 {
    c.values().sum()
}

fn show(c: &BTreeMap<String, u64>) -> String {
    c.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stand-in's record (`serve --person` prints it as JSON).
struct Record {
    datasets: u64,
    examples_per_dataset: u64,
    sessions: u64,
    runs: u64,
    feedback_per_session: Vec<u64>,
    experiment_traces_per_session: Vec<u64>,
    person_traces: u64,
    person_examples: u64,
    shared: u64,
}

impl Record {
    fn parse(v: &Value) -> Result<Record, String> {
        let n = |k: &str| v[k].as_u64().ok_or(format!("record: no {k}"));
        let list = |k: &str| -> Result<Vec<u64>, String> {
            v[k].as_array()
                .ok_or(format!("record: no {k}"))?
                .iter()
                .map(|x| x.as_u64().ok_or(format!("record: {k}")))
                .collect()
        };
        Ok(Record {
            datasets: n("datasets")?,
            examples_per_dataset: n("examples_per_dataset")?,
            sessions: n("sessions")?,
            runs: n("runs")?,
            feedback_per_session: list("feedback_per_session")?,
            experiment_traces_per_session: list("experiment_traces_per_session")?,
            person_traces: n("person_traces")?,
            person_examples: n("person_examples")?,
            shared: n("shared")?,
        })
    }
}

/// An offset listing of `n` rows: its full pages, then the short (maybe empty) page that
/// ends it (the spec's listings carry no total).
fn offset_pages(n: u64) -> u64 {
    n / PAGE + 1
}

/// The ideal of the places both searches share beyond examples and traces, itemised.
fn shared_ideal(r: &Record) -> Vec<(String, u64)> {
    // Each experiment's traces of the person's examples: two runs each (root and child
    // both reference the example), one query per experiment's dataset.
    let experiment: u64 = r
        .experiment_traces_per_session
        .iter()
        .map(|t| (2 * t).div_ceil(V2_PAGE).max(1))
        .sum();
    let feedback: u64 = r
        .feedback_per_session
        .iter()
        .map(|f| offset_pages(*f))
        .sum::<u64>()
        + (r.sessions - r.feedback_per_session.len() as u64);
    vec![
        (
            format!(
                "experiment traces: {} quer(ies) (one per experiment's dataset, pages of 1,000 runs)",
                experiment
            ),
            experiment,
        ),
        (
            format!("projects listing: floor({} sessions / 100) + 1", r.sessions),
            offset_pages(r.sessions),
        ),
        (
            format!(
                "source runs by id: 1 query (the person's {} examples name a few source runs, under {IDS_PER_QUERY} ids)",
                r.person_examples
            ),
            1,
        ),
        (
            format!(
                "feedback: floor(f / 100) + 1 for each of {} sessions",
                r.sessions
            ),
            feedback,
        ),
        (
            format!("share links: floor({} / 100) + 1", r.shared),
            offset_pages(r.shared),
        ),
        ("rules and exports: 1 + 1".into(), 2),
    ]
}

/// The figures: `case find` against the ideal, `case find --scan` against ceil(rows/page)
/// over its listings, the scan's memory per row read, and the wall time each count takes
/// at 2,000 requests a minute beside the time measured on loopback.
pub(super) fn case_figures(
    bin: &Path,
    work: &Path,
    scale: CaseScale,
) -> Result<Vec<Figure>, String> {
    let mut child = Command::new(bin.join("langsmith-mock"))
        .args(["serve", "--port", "0", "--api-key", KEY, "-v", "--person"])
        .args(["--person-scale", &scale.arg()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("langsmith-mock: {e}"))?;
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let log = BufReader::new(child.stderr.take().unwrap());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let _child = Kill(child);
    let counts: Counts = Arc::default();
    let c = counts.clone();
    std::thread::spawn(move || {
        for line in log.lines().map_while(Result::ok) {
            let Some(rest) = line.strip_prefix("langsmith-mock: ") else {
                continue;
            };
            let mut words = rest.split(' ');
            let (Some(method), Some(uri)) = (words.next(), words.next()) else {
                continue;
            };
            let path = uri.split('?').next().unwrap_or(uri);
            *c.lock()
                .unwrap()
                .entry(format!("{method} {path}"))
                .or_default() += 1;
        }
    });
    let seeding = std::time::Instant::now();
    let (mut url, mut record) = (None, None);
    while record.is_none() {
        let line = lines
            .next()
            .ok_or("langsmith-mock exited before printing its record")?
            .map_err(|e| e.to_string())?;
        if let Some(u) = line.strip_prefix("langsmith-mock listening on ") {
            url = Some(u.to_owned());
        } else if let Some(r) = line.trim_start().strip_prefix("record ") {
            let v: Value = serde_json::from_str(r).map_err(|e| format!("record: {e}"))?;
            record = Some(Record::parse(&v)?);
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let (url, r) = (url.ok_or("no url")?, record.unwrap());
    eprintln!(
        "bench: case: stand-in seeded ({}) in {:.0} s",
        scale.describe(),
        seeding.elapsed().as_secs_f64()
    );
    let cases = work.join("cases");
    let _ = std::fs::remove_dir_all(&cases);
    std::fs::create_dir_all(&cases).map_err(|e| e.to_string())?;
    let cli = |args: &[&str]| {
        let mut c = Command::new(bin.join("langsmith-examples"));
        c.env_clear()
            .env("LANGSMITH_ENDPOINT", &url)
            .env("LANGSMITH_API_KEY", KEY)
            .args(args);
        for i in IDENTIFIERS {
            c.args(["--match", i]);
        }
        c
    };
    let run = |name: &str, scan: bool| -> Result<(Measured, BTreeMap<String, u64>), String> {
        let dir = cases.join(name);
        let dir = dir.to_str().unwrap();
        measure(cli(&["case", "open", dir, "--ticket", "BENCH-1"]))?;
        take(&counts);
        let mut args = vec!["case", "find", dir];
        if scan {
            args.push("--scan");
        }
        let m = measure(cli(&args))?;
        // The log's last lines may still be on their way.
        std::thread::sleep(std::time::Duration::from_millis(300));
        Ok((m, take(&counts)))
    };
    let (found, found_counts) = run("find", false)?;
    eprintln!("bench: case find: {}", show(&found_counts));
    let (scanned, scan_counts) = run("scan", true)?;
    eprintln!("bench: case find --scan: {}", show(&scan_counts));

    let identifiers = IDENTIFIERS.len() as u64;
    let mut figures = Vec::new();

    // find: the ideal.
    if scale.copies as u64 >= PAGE {
        return Err("the ideal takes each search's matches in one page: copies < 100".into());
    }
    let datasets_pages = offset_pages(r.datasets);
    let pairs = r.datasets * identifiers;
    let search_queries = r.sessions.div_ceil(PROJECTS_PER_QUERY);
    // At most the person's traces' runs match (3 each): their pages per query.
    let search_pages = search_queries * (3 * r.person_traces).div_ceil(V2_PAGE).max(1);
    let mut ideal: Vec<(String, u64)> = vec![
        (
            format!("datasets listing: floor({} / 100) + 1", r.datasets),
            datasets_pages,
        ),
        (
            format!(
                "examples: {} datasets x {identifiers} identifiers x (1 count + 1 page of at most {} matches)",
                r.datasets, scale.copies
            ),
            2 * pairs,
        ),
        (
            format!(
                "trace search: {search_queries} quer(ies) of <= 100 projects, at most {} runs matching: pages of 1,000",
                3 * r.person_traces
            ),
            search_pages,
        ),
    ];
    ideal.extend(shared_ideal(&r));
    let ideal_total: u64 = ideal.iter().map(|(_, n)| n).sum();
    let measured = total(&found_counts);
    let ratio = measured as f64 / ideal_total as f64;
    figures.push(Figure {
        name: format!(
            "case find: requests over a stand-in workspace of {} ({} runs in {} sessions; the person's {} examples and {} traces), 3 identifiers, 1 run (counted by the stand-in)",
            scale.describe(),
            r.runs,
            r.sessions,
            r.person_examples,
            r.person_traces
        ),
        measured: format!("{measured} requests ({})", show(&found_counts)),
        baseline: format!(
            "ideal {ideal_total}: {}",
            ideal
                .iter()
                .map(|(what, n)| format!("{what} = {n}"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ratio: Some(Spread::one(ratio)),
        target: "ratio <= 1.10".into(),
        pass: Some(ratio <= 1.10),
    });

    // find --scan: ceil(rows / page) over its listings.
    let example_pages = (r.datasets - 1) * r.examples_per_dataset.div_ceil(PAGE)
        + 1 /* the stand-in's `default` dataset, empty: one page to see it */;
    let run_pages = r.runs.div_ceil(V2_PAGE).max(search_queries);
    let mut scan_ideal: Vec<(String, u64)> = vec![
        (
            format!("datasets listing: ceil({} / 100)", r.datasets),
            r.datasets.div_ceil(PAGE),
        ),
        (
            format!(
                "examples: {} x ceil({} / 100) + 1 (the empty `default` dataset)",
                r.datasets - 1,
                r.examples_per_dataset
            ),
            example_pages,
        ),
        (format!("runs: ceil({} / 1000)", r.runs), run_pages),
    ];
    scan_ideal.extend(shared_ideal(&r));
    let scan_total: u64 = scan_ideal.iter().map(|(_, n)| n).sum();
    let scan_measured = total(&scan_counts);
    let scan_ratio = scan_measured as f64 / scan_total as f64;
    figures.push(Figure {
        name: format!(
            "case find --scan: requests over the same workspace ({} examples, {} runs read), 1 run (counted by the stand-in)",
            (r.datasets - 1) * r.examples_per_dataset,
            r.runs
        ),
        measured: format!("{scan_measured} requests ({})", show(&scan_counts)),
        baseline: format!(
            "ceil(rows / page) over its listings, {scan_total}: {}",
            scan_ideal
                .iter()
                .map(|(what, n)| format!("{what} = {n}"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ratio: Some(Spread::one(scan_ratio)),
        target: "ratio <= 1.05".into(),
        pass: Some(scan_ratio <= 1.05),
    });

    // Memory per row the scan read, net of the same search without the scan.
    let rows = (r.datasets - 1) * r.examples_per_dataset + r.runs;
    let per_row = (scanned.peak_rss_kib as f64 - found.peak_rss_kib as f64) * 1024.0 / rows as f64;
    figures.push(Figure {
        name: format!("case find --scan: client memory per row read ({rows} examples and runs)"),
        measured: format!("{:.1} B/row ({:.1} MiB peak)", per_row, scanned.rss_mib()),
        baseline: format!(
            "case find without --scan on the same workspace: {:.1} MiB peak",
            found.rss_mib()
        ),
        ratio: Some(Spread::one(scanned.rss_mib() / found.rss_mib())),
        target: "<= 16 B/row (a scan that streams holds no row)".into(),
        pass: Some(per_row <= 16.0),
    });

    // Wall time: the count at 2,000 requests a minute, beside loopback.
    for (what, m, n) in [
        ("case find", &found, measured),
        ("case find --scan", &scanned, scan_measured),
    ] {
        let at_rate = n as f64 * 60.0 / RATE_PER_MINUTE;
        figures.push(Figure {
            name: format!("{what}: wall time of its {n} requests at 2,000 requests/min"),
            measured: format!(
                "{:.0} s ({:.1} min) at the rate limit (arithmetic)",
                at_rate,
                at_rate / 60.0
            ),
            baseline: format!(
                "measured on loopback, no limit: {:.1} s wall, {:.1} CPU s (client)",
                m.wall_s(),
                m.cpu_s()
            ),
            ratio: Some(Spread::one(at_rate / m.wall_s())),
            target: "-".into(),
            pass: None,
        });
    }
    Ok(figures)
}
