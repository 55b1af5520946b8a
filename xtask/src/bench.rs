//! `cargo xtask bench`: every benchmark figure, each as a ratio against a baseline
//! measured in the same run. Criterion runs the micro-benchmarks; this harness runs the
//! process-level ones (release binaries against a `langsmith-mock serve` process on
//! loopback) and reads wall time, and CPU time and peak RSS from `wait4`'s rusage.

mod case;
mod traces;

pub use case::CaseScale;

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One reported figure.
pub struct Figure {
    pub name: String,
    pub measured: String,
    pub baseline: String,
    /// Median over the runs (per-pair ratios where two commands alternated), with min and max.
    pub ratio: Option<Spread>,
    pub target: String,
    pub pass: Option<bool>,
}

impl Figure {
    fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {} | {} |",
            self.name,
            self.measured,
            self.baseline,
            self.ratio
                .map(|r| r.show(3, ""))
                .unwrap_or_else(|| "-".into()),
            self.target,
            match self.pass {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "-",
            }
        )
    }
}

/// What to run.
pub struct Options {
    /// Id counts of the per-size figures: client CPU, the Python peer, `--mock` memory and
    /// bulk at 20 ms run at each (default 100,000 and 1,000,000; `--quick`: 100,000). The
    /// find-and-prove figures run at the largest.
    pub sizes: Vec<usize>,
    /// Ids for the dry-run memory figure (default 10,000,000).
    pub dry_run_ids: usize,
    /// Seconds of each rate-limit run (default 15).
    pub rate_seconds: u64,
    /// Runs of each process-level figure (at least 3); two commands compared alternate.
    pub runs: usize,
    pub criterion: bool,
    pub build_cost: bool,
    /// Only the find-and-prove figures (select and verify).
    pub find_only: bool,
    /// Only the generation figures (the whole spec against the five operations).
    pub generation_only: bool,
    /// Only the `--with-runs` request figures (v2 and v1).
    pub with_runs_only: bool,
    /// Only the erasure case figures (issue 31).
    pub case_only: bool,
    /// The stand-in workspace of the case figures.
    pub case_scale: CaseScale,
}

/// The release binaries the harness runs, copied out of cargo's target directory.
const BINARIES: [&str; 5] = [
    "langsmith-mock",
    "langsmith-examples",
    "bare_reqwest_loop",
    "bulk",
    "select_loop",
];

/// `cargo` run in the workspace root. A relative `CARGO_TARGET_DIR` is made absolute
/// against this process's directory first, as the `cargo` that started it read it.
fn cargo_command(root: &Path) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into()));
    c.current_dir(root);
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        if dir.is_relative()
            && let Ok(cwd) = std::env::current_dir()
        {
            c.env("CARGO_TARGET_DIR", cwd.join(dir));
        }
    }
    c
}

fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = cargo_command(root)
        .args(args)
        .status()
        .map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("cargo {args:?} failed"))
}

/// Where cargo builds this workspace (`CARGO_TARGET_DIR`, `build.target-dir`, or
/// `<root>/target`), as `cargo metadata` reports it.
pub fn target_dir(root: &Path) -> Result<PathBuf, String> {
    let out = cargo_command(root)
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err("cargo metadata failed".into());
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    v["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata gave no target_directory".into())
}

/// The executables cargo reports in its `--message-format=json` stream
/// (`compiler-artifact` messages with an `executable`), by target name.
fn executables(messages: impl BufRead) -> Result<BTreeMap<String, PathBuf>, String> {
    let mut found = BTreeMap::new();
    for line in messages.lines() {
        let line = line.map_err(|e| e.to_string())?;
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if v["reason"] != "compiler-artifact" {
            continue;
        }
        if let (Some(name), Some(exe)) = (v["target"]["name"].as_str(), v["executable"].as_str()) {
            found.insert(name.to_owned(), PathBuf::from(exe));
        }
    }
    Ok(found)
}

/// Builds the release binaries and copies them into `dir`, taking each from where cargo
/// says it put it. The copies are what runs, so a build into a shared target directory
/// during the benchmarks cannot swap a binary between two runs.
fn build_binaries(root: &Path, dir: &Path) -> Result<(), String> {
    let mut child = cargo_command(root)
        .args([
            "build",
            "--release",
            "--locked",
            "--message-format=json-render-diagnostics",
            "-p",
            "langsmith-mock",
            "-p",
            "langsmith-cli",
            "-p",
            "bench-helpers",
            "--bins",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cargo build: {e}"))?;
    let found = executables(BufReader::new(child.stdout.take().unwrap()));
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo build --release of the benchmark binaries failed".into());
    }
    let found = found?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for name in BINARIES {
        let from = found
            .get(name)
            .ok_or_else(|| format!("cargo build reported no executable `{name}`"))?;
        let to = dir.join(name);
        let _ = std::fs::remove_file(&to);
        std::fs::copy(from, &to)
            .map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))?;
    }
    Ok(())
}

/// Resource use of one finished child process.
struct Measured {
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
    /// The first [`KEPT_STDOUT`] bytes of standard output (the rest only counted).
    stdout: String,
    /// Lines of standard output, all of it.
    stdout_lines: usize,
    stderr: String,
}

/// How much of a child's standard output the harness keeps. A child runs with what this
/// process ever held counted in its peak RSS (the kernel carries the parent's high-water
/// mark across `posix_spawn`'s exec), so a 370 MB dry-run listing read into a `String`
/// here would show in every later child's memory figure: output is counted, not kept.
const KEPT_STDOUT: usize = 1 << 20;

impl Measured {
    fn cpu_s(&self) -> f64 {
        self.cpu.as_secs_f64()
    }
    fn wall_s(&self) -> f64 {
        self.wall.as_secs_f64()
    }
    fn rss_mib(&self) -> f64 {
        self.peak_rss_kib as f64 / 1024.0
    }
}

fn measure(cmd: Command) -> Result<Measured, String> {
    measure_exit(cmd, &[0])
}

/// [`measure`], accepting any of `codes` as the exit status.
fn measure_exit(mut cmd: Command, codes: &[i32]) -> Result<Measured, String> {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut kept, mut lines) = (Vec::new(), 0usize);
        let mut stdout = stdout;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match std::io::Read::read(&mut stdout, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
                    let room = KEPT_STDOUT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        (String::from_utf8_lossy(&kept).into_owned(), lines)
    });
    let stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut s).ok();
        s
    });
    // wait4 reaps the child and reports its exact CPU time and peak RSS (no polling).
    let mut status = 0;
    // SAFETY: rusage is plain data the kernel fills in; pid is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    std::mem::forget(child); // already reaped
    let wall = started.elapsed();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    let (stdout, stdout_lines) = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    if !(libc::WIFEXITED(status) && codes.contains(&libc::WEXITSTATUS(status))) {
        return Err(format!("{cmd:?} failed: status {status}\n{stderr}"));
    }
    Ok(Measured {
        wall,
        cpu,
        peak_rss_kib: usage.ru_maxrss as u64,
        stdout,
        stdout_lines,
        stderr,
    })
}

/// Median, min and max of one quantity over several runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// Of at least one value; the median of an even count is the mean of the middle two.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let mut v: Vec<f64> = values.into_iter().collect();
        assert!(!v.is_empty(), "a spread of no values");
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Spread {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }

    /// One value: a single run, or a quantity that does not vary.
    pub fn one(x: f64) -> Spread {
        Spread::of([x])
    }

    /// `median unit (min .., max ..)`, or just `median unit` when there is no range.
    pub fn show(&self, decimals: usize, unit: &str) -> String {
        let d = decimals;
        if self.min == self.max {
            format!("{:.d$}{unit}", self.median)
        } else {
            format!(
                "{:.d$}{unit} (min {:.d$}, max {:.d$})",
                self.median, self.min, self.max
            )
        }
    }

    fn map(self, f: impl Fn(f64) -> f64) -> Spread {
        Spread {
            median: f(self.median),
            min: f(self.min),
            max: f(self.max),
        }
    }
}

/// `key` of every run.
fn spread<T>(runs: &[T], key: impl Fn(&T) -> f64) -> Spread {
    Spread::of(runs.iter().map(key))
}

/// `runs` runs of `f`, one after the other.
fn repeat<T>(runs: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<Vec<T>, String> {
    (0..runs).map(|_| f()).collect()
}

/// `runs` alternating runs of two commands, A B A B ...: the two of a pair ran back to
/// back under (nearly) the same load from whatever else the machine is doing, so their
/// ratio carries less of that noise than two medians taken apart.
fn alternate<A, B>(
    runs: usize,
    mut a: impl FnMut() -> Result<A, String>,
    mut b: impl FnMut() -> Result<B, String>,
) -> Result<(Vec<A>, Vec<B>), String> {
    let (mut xs, mut ys) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        xs.push(a()?);
        ys.push(b()?);
    }
    Ok((xs, ys))
}

/// The ratios `num(a_i) / den(b_i)` of each alternating pair: median, min and max.
fn pair_ratios<A, B>(a: &[A], b: &[B], num: impl Fn(&A) -> f64, den: impl Fn(&B) -> f64) -> Spread {
    assert_eq!(a.len(), b.len(), "pairs of unequal sides");
    Spread::of(a.iter().zip(b).map(|(x, y)| num(x) / den(y)))
}

/// A `langsmith-mock serve` process.
struct Mock {
    child: Child,
    url: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const KEY: &str = "lsv2_bench_key";

fn mock(bin: &Path, args: &[&str]) -> Result<Mock, String> {
    let mut child = Command::new(bin.join("langsmith-mock"))
        .args([
            "serve",
            "--port",
            "0",
            "--api-key",
            KEY,
            "--unknown-ids",
            "ignore",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.join("langsmith-mock").display()))?;
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
    // Keep draining stdout so the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    Ok(Mock { child, url })
}

fn write_ids(path: &Path, n: usize, seed: u64) -> Result<(), String> {
    let mut rng = seed | 1;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    for _ in 0..n {
        // xorshift64*, twice for 128 bits.
        let mut next = || {
            rng ^= rng >> 12;
            rng ^= rng << 25;
            rng ^= rng >> 27;
            rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let v = (u128::from(next()) << 64) | u128::from(next());
        let h = format!("{v:032x}");
        writeln!(
            out,
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
        .map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn criterion_mean_ns(target: &Path, rel: &str) -> Result<f64, String> {
    let path = target
        .join("criterion")
        .join(rel)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    v["mean"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("{}: no mean", path.display()))
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// Runs the `bulk` example against `server` and returns its JSON line.
fn run_bulk(
    bin: &Path,
    server: &Mock,
    ids: &Path,
    concurrency: usize,
    rate: Option<u32>,
) -> Result<Value, String> {
    let mut c = Command::new(bin.join("bulk"));
    c.args([
        server.url.as_str(),
        KEY,
        ids.to_str().unwrap(),
        &concurrency.to_string(),
    ]);
    if let Some(r) = rate {
        c.arg(r.to_string());
    }
    let m = measure(c)?;
    serde_json::from_str(m.stdout.trim()).map_err(|e| format!("bulk output: {e}: {}", m.stdout))
}

/// Runs every benchmark and returns the figures. `target` is cargo's target directory
/// ([`target_dir`]): the binaries, the id files, the Python venv and criterion's
/// results live under it.
pub fn run(root: &Path, target: &Path, opts: &Options) -> Result<Vec<Figure>, String> {
    let mut figures = Vec::new();
    let work = target.join("bench");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    if opts.generation_only {
        return generation(root, target, &work);
    }

    if opts.criterion {
        cargo(
            root,
            &[
                "bench",
                "--locked",
                "-p",
                "langsmith",
                "--bench",
                "validation",
                "--bench",
                "request",
            ],
        )?;
        for n in [1_000u64, 1_000_000] {
            let base = criterion_mean_ns(target, &format!("validation/baseline_uuid_parse/{n}"))?;
            let ours = criterion_mean_ns(target, &format!("validation/idset_parse/{n}"))?;
            let per_id = ours / n as f64;
            figures.push(Figure {
                name: format!(
                    "validation: IdSet::parse of {n} id strings (parse, canonicalise, dedup)"
                ),
                measured: format!("{per_id:.1} ns/id"),
                baseline: format!("Uuid::parse_str alone: {:.1} ns/id", base / n as f64),
                ratio: Some(Spread::one(ours / base)),
                target: "well under 100 ns/id".into(),
                pass: Some(per_id < 100.0),
            });
        }
        let raw = criterion_mean_ns(target, "request_1000_ids/baseline_raw_reqwest")?;
        let facade = criterion_mean_ns(target, "request_1000_ids/facade_hard_delete_examples")?;
        figures.push(Figure {
            name: "per-request: facade hard_delete_examples, 1,000 ids, in-process stand-in".into(),
            measured: format!("{:.1} µs", facade / 1e3),
            baseline: format!("raw reqwest POST of the same bytes: {:.1} µs", raw / 1e3),
            ratio: Some(Spread::one(facade / raw)),
            target: "ratio <= 1.10".into(),
            pass: Some(facade / raw <= 1.10),
        });
    }

    let bin = work.join("bin");
    build_binaries(root, &bin)?;
    let runs = opts.runs.max(3);
    let largest = *opts.sizes.iter().max().ok_or("no id counts to run")?;
    let ids_file = |n: usize| -> Result<PathBuf, String> {
        let path = work.join(format!("ids-{n}.txt"));
        write_ids(&path, n, 1)?;
        Ok(path)
    };
    if opts.with_runs_only {
        return traces::with_runs_requests(root, &bin, runs);
    }
    if opts.case_only {
        return case::case_figures(&bin, &work, opts.case_scale);
    }
    if opts.find_only {
        return find_and_prove(root, &bin, &ids_file(largest)?, largest, runs);
    }

    let python = python_sdk(&work);
    for &n in &opts.sizes {
        figures.extend(per_size(&bin, &work, &ids_file(n)?, n, runs, &python)?);
    }
    {
        let big = work.join(format!("ids-{}.txt", opts.dry_run_ids));
        write_ids(&big, opts.dry_run_ids, 2)?;
        let dry = repeat(runs, || {
            let mut c = Command::new(bin.join("langsmith-examples"));
            c.env_clear().args([
                "hard-delete",
                "--dry-run",
                "-q",
                "--ids-file",
                big.to_str().unwrap(),
            ]);
            measure(c)
        })?;
        let _ = std::fs::remove_file(&big);
        let limit = 40.0 * opts.dry_run_ids as f64 / 1024.0 + 32.0 * 1024.0;
        let rss = spread(&dry, Measured::rss_mib);
        figures.push(Figure {
            name: format!("peak RSS: hard-delete --dry-run, {} ids", opts.dry_run_ids),
            measured: format!(
                "{} ({:.1} B/id), {} wall",
                rss.show(1, " MiB"),
                rss.median * 1024.0 * 1024.0 / opts.dry_run_ids as f64,
                spread(&dry, Measured::wall_s).show(3, " s")
            ),
            baseline: format!("budget 40 B/id + 32 MiB = {:.1} MiB", limit / 1024.0),
            ratio: Some(rss.map(|r| r * 1024.0 / limit)),
            target: "ratio <= 1.0".into(),
            pass: Some(rss.median * 1024.0 <= limit),
        });
    }

    // Under a rate limit: 2000/min on the client; the server enforces 2000/min too. A
    // new server for each run, so no run starts inside the previous one's window.
    {
        let requests = (opts.rate_seconds as usize * 2000 / 60).max(2);
        let subset = work.join("ids-rate.txt");
        write_ids(&subset, requests * 1000, 3)?;
        let results = repeat(runs, || {
            let server = mock(
                &bin,
                &[
                    "--ids-file",
                    subset.to_str().unwrap(),
                    "--rate-limit",
                    "2000",
                ],
            )?;
            let v = run_bulk(&bin, &server, &subset, 8, Some(2000))?;
            let wall = v["wall_s"].as_f64().ok_or("bulk: no wall_s")?;
            let n = v["batches"].as_f64().ok_or("bulk: no batches")?;
            let retried = v["retried_batches"].as_u64().ok_or("bulk: no retried")?;
            // n starts spaced 30 ms apart span (n - 1) intervals.
            Ok(((n - 1.0) / wall * 60.0, retried))
        })?;
        let achieved = spread(&results, |r| r.0);
        let retried: u64 = results.iter().map(|r| r.1).sum();
        let ratio = achieved.map(|a| a / 2000.0);
        figures.push(Figure {
            name: format!("rate limit 2000/min, {requests} requests, {runs} runs"),
            measured: format!(
                "{} requests/min, {retried} batches retried in all runs (a 429 forces a retry)",
                achieved.show(0, "")
            ),
            baseline: "2000 requests/min".into(),
            ratio: Some(ratio),
            target: "within 5%, no 429".into(),
            pass: Some((ratio.median - 1.0).abs() <= 0.05 && retried == 0),
        });
    }

    figures.extend(find_and_prove(
        root,
        &bin,
        &ids_file(largest)?,
        largest,
        runs,
    )?);
    figures.extend(case::case_figures(&bin, &work, opts.case_scale)?);
    figures.extend(generation(root, target, &work)?);

    if opts.build_cost {
        figures.push(build_cost(root, &work)?);
    }
    Ok(figures)
}

/// The figures measured at each id count: the CLI's client CPU against the lean loop,
/// throughput and the stand-in's capacity from the same runs, the Python SDK as a peer,
/// `--mock` memory, and bulk at 20 ms latency.
fn per_size(
    bin: &Path,
    work: &Path,
    ids: &Path,
    n: usize,
    runs: usize,
    python: &Result<PathBuf, String>,
) -> Result<Vec<Figure>, String> {
    let mut figures = Vec::new();
    let ids_arg = ids.to_str().unwrap();
    let per_million = 1e6 / n as f64;
    let server = mock(bin, &["--ids-file", ids_arg])?;
    let cli = |extra: &[&str]| {
        let mut c = Command::new(bin.join("langsmith-examples"));
        c.env_clear()
            .env("LANGSMITH_ENDPOINT", &server.url)
            .env("LANGSMITH_API_KEY", KEY)
            .args(["hard-delete", "--yes", "--ids-file", ids_arg])
            .args(extra);
        measure(c)
    };

    // CPU: the CLI's whole process against a bare reqwest loop, same server, same ids.
    let (cli_runs, bare) = alternate(
        runs,
        || cli(&["-q"]),
        || {
            let mut c = Command::new(bin.join("bare_reqwest_loop"));
            c.args([&server.url, KEY, ids_arg]);
            measure(c)
        },
    )?;
    let cpu_ratio = pair_ratios(&cli_runs, &bare, Measured::cpu_s, Measured::cpu_s);
    figures.push(Figure {
        name: format!(
            "client CPU per million ids: langsmith-examples process, {n} ids, journal off, {runs} alternating pairs"
        ),
        measured: format!(
            "{} CPU s/M ids ({} wall)",
            spread(&cli_runs, Measured::cpu_s).map(|c| c * per_million).show(3, ""),
            spread(&cli_runs, Measured::wall_s).show(3, " s"),
        ),
        baseline: format!(
            "lean hand-written loop (current-thread, typed echo): {} CPU s/M ids ({} wall)",
            spread(&bare, Measured::cpu_s).map(|c| c * per_million).show(3, ""),
            spread(&bare, Measured::wall_s).show(3, " s"),
        ),
        ratio: Some(cpu_ratio),
        target: "ratio <= 1.25".into(),
        pass: Some(cpu_ratio.median <= 1.25),
    });
    let throughput = |m: &Measured| n as f64 / m.wall_s();
    figures.push(Figure {
        name: format!("throughput, no latency, no faults (CLI, concurrency 4), {n} ids"),
        measured: format!("{} ids/s", spread(&cli_runs, throughput).show(0, "")),
        baseline: format!(
            "lean hand-written loop (sequential): {} ids/s",
            spread(&bare, throughput).show(0, "")
        ),
        ratio: Some(pair_ratios(&cli_runs, &bare, throughput, throughput)),
        target: "-".into(),
        pass: None,
    });
    // The stand-in (its own process, validating each body with jsonschema) kept up
    // with the CLI: requests of 1,000 ids it answered per second of those runs.
    let served = spread(&cli_runs, |m| (n as f64 / 1000.0) / m.wall_s());
    figures.push(Figure {
        name: format!(
            "stand-in capacity: requests of 1,000 ids answered per second (during the CLI runs), {n} ids"
        ),
        measured: format!("{} requests/s", served.show(0, "")),
        baseline: "target 1,000 requests/s".into(),
        ratio: Some(served.map(|s| s / 1000.0)),
        target: "ratio >= 1.0".into(),
        pass: Some(served.median >= 1000.0),
    });

    // The peer: the official Python SDK's natural loop against the same server.
    figures.push(match python {
        Ok(python) => peer(python, work, &server, ids, n, runs, || cli(&[]))?,
        Err(reason) => Figure {
            name: format!("peer: official Python SDK {SDK_VERSION}, {n} ids, client CPU"),
            measured: format!("skipped: {reason}"),
            baseline: "-".into(),
            ratio: None,
            target: "ratio <= 0.10".into(),
            pass: None,
        },
    });
    drop(server);

    // Memory: the whole CLI with the embedded stand-in, against its budget; the same
    // command on one id shows the fixed part.
    let one = work.join("ids-1.txt");
    write_ids(&one, 1, 1)?;
    let with_mock = |ids: &Path| {
        let mut c = Command::new(bin.join("langsmith-examples"));
        c.env_clear().args([
            "hard-delete",
            "--mock",
            "--yes",
            "-q",
            "--ids-file",
            ids.to_str().unwrap(),
        ]);
        measure(c)
    };
    let (small, full) = alternate(runs, || with_mock(&one), || with_mock(ids))?;
    // Two programs share the process: the client, held to its 40 B/id, and the stand-in,
    // whose store holds every example it serves (STORE_BYTES_PER_ID). The old budget,
    // which left the store out, is shown beside it.
    let limit = (CLIENT_BYTES_PER_ID + STORE_BYTES_PER_ID) * n as f64 / 1024.0 + 32.0 * 1024.0;
    let client_only = CLIENT_BYTES_PER_ID * n as f64 / 1024.0 + 32.0 * 1024.0;
    let rss = spread(&full, Measured::rss_mib);
    figures.push(Figure {
        name: format!("peak RSS: hard-delete --mock --yes, {n} ids (stand-in store included)"),
        measured: rss.show(1, " MiB"),
        baseline: format!(
            "budget {CLIENT_BYTES_PER_ID} B/id (client) + {STORE_BYTES_PER_ID} B/id (the stand-in's store) + 32 MiB = {:.1} MiB (the same command on 1 id: {}; against the client's budget alone, {:.1} MiB: {:.3})",
            limit / 1024.0,
            spread(&small, Measured::rss_mib).show(1, " MiB"),
            client_only / 1024.0,
            rss.median * 1024.0 / client_only,
        ),
        ratio: Some(rss.map(|r| r * 1024.0 / limit)),
        target: "ratio <= 1.0".into(),
        pass: Some(rss.median * 1024.0 <= limit),
    });

    // Throughput at the limit: 20 ms per request, concurrency 8, against a careful
    // hand-written loop keeping 8 requests in flight on the same server (a fresh one
    // for each run: every run deletes every id). The ideal, latency alone, is shown
    // beside it: the stand-in's own overshoot per request (its timer's millisecond,
    // the answer's writing) is in both sides and in neither the ideal.
    let bulk_run = |concurrency: usize, lean: bool| -> Result<(f64, f64), String> {
        let server = mock(bin, &["--ids-file", ids_arg, "--latency-ms", "20"])?;
        let v = if lean {
            let mut c = Command::new(bin.join("bare_reqwest_loop"));
            c.args([&server.url, KEY, ids_arg, &concurrency.to_string()]);
            let m = measure(c)?;
            serde_json::from_str::<Value>(m.stdout.trim())
                .map_err(|e| format!("bare_reqwest_loop output: {e}: {}", m.stdout))?
        } else {
            run_bulk(bin, &server, ids, concurrency, None)?
        };
        let wall = v["wall_s"].as_f64().ok_or("bulk: no wall_s")?;
        let batches = v["batches"].as_f64().ok_or("bulk: no batches")?;
        let confirmed = v["confirmed"].as_u64().ok_or("bulk: no confirmed")?;
        if confirmed != n as u64 {
            return Err(format!("bulk confirmed {confirmed} of {n} ids"));
        }
        Ok((wall, (batches / concurrency as f64).ceil() * 0.020))
    };
    let (bulk, lean) = alternate(runs, || bulk_run(8, false), || bulk_run(8, true))?;
    let ideal = bulk[0].1;
    let ratio = pair_ratios(&bulk, &lean, |b| b.0, |l| l.0);
    let of_ideal = spread(&bulk, |(wall, ideal)| wall / ideal);
    figures.push(Figure {
        name: format!(
            "hard_delete_all of {n} ids, 20 ms latency, concurrency 8, {runs} alternating pairs"
        ),
        measured: format!(
            "{} wall, every id confirmed ({} of the ideal ceil(batches/8) x 20 ms = {ideal:.3} s)",
            spread(&bulk, |b| b.0).show(3, " s"),
            of_ideal.show(3, ""),
        ),
        baseline: format!(
            "lean hand-written loop, 8 requests in flight: {} wall ({} of the ideal)",
            spread(&lean, |l| l.0).show(3, " s"),
            spread(&lean, |(wall, ideal)| wall / ideal).show(3, ""),
        ),
        ratio: Some(ratio),
        target: "ratio <= 1.10".into(),
        pass: Some(ratio.median <= 1.10),
    });
    Ok(figures)
}

/// The client's memory budget per id (its ids, outcomes and records).
const CLIENT_BYTES_PER_ID: f64 = 40.0;
/// The stand-in's store per example, by its layout (`crates/langsmith-mock/src/store.rs`):
/// the 16-byte id and three `u16` columns (dataset, hard-delete count, nulled versions).
const STORE_BYTES_PER_ID: f64 = 22.0;

/// The official Python SDK the peer figure runs.
const SDK_VERSION: &str = "0.14.17";

/// The SDK's natural loop: `delete_examples(chunk, hard_delete=True)` per 1,000 ids.
const SDK_SCRIPT: &str = r#"import json, sys
from langsmith import Client

url, key, path = sys.argv[1:4]
with open(path) as f:
    ids = [line.strip() for line in f if line.strip()]
client = Client(api_url=url, api_key=key)
for start in range(0, len(ids), 1000):
    client.delete_examples(ids[start:start + 1000], hard_delete=True)
print(json.dumps({"ids": len(ids)}))
"#;

/// A Python with `langsmith==SDK_VERSION`, in a venv under `work` made the first time
/// and reused after. `Err` is the reason the peer figure is skipped.
fn python_sdk(work: &Path) -> Result<PathBuf, String> {
    let venv = work.join(format!("python-langsmith-{SDK_VERSION}"));
    let python = venv.join("bin/python");
    let has_sdk = || {
        Command::new(&python)
            .args([
                "-c",
                &format!(
                    "import sys, langsmith; sys.exit(langsmith.__version__ != '{SDK_VERSION}')"
                ),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_sdk() {
        return Ok(python);
    }
    let interpreter = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    let run = |c: &mut Command, what: &str| -> Result<(), String> {
        let out = c.output().map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Err(format!("{what} failed: {}", last.replace('|', "\\|")))
    };
    eprintln!(
        "bench: installing langsmith=={SDK_VERSION} into {}",
        venv.display()
    );
    run(
        Command::new(&interpreter)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        &format!("{} -m venv", interpreter.to_string_lossy()),
    )?;
    run(
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("langsmith=={SDK_VERSION}"),
        ]),
        &format!("pip install langsmith=={SDK_VERSION}"),
    )?;
    if !has_sdk() {
        return Err(format!(
            "langsmith {SDK_VERSION} does not import after pip install"
        ));
    }
    Ok(python)
}

/// The Python SDK against `langsmith-examples hard-delete --yes` on the same server and
/// ids, alternating: client CPU and wall time.
fn peer(
    python: &Path,
    work: &Path,
    server: &Mock,
    ids: &Path,
    n: usize,
    runs: usize,
    ours: impl Fn() -> Result<Measured, String>,
) -> Result<Figure, String> {
    let script = work.join("sdk_delete.py");
    std::fs::write(&script, SDK_SCRIPT).map_err(|e| e.to_string())?;
    let sdk = || {
        let mut c = Command::new(python);
        c.env_clear()
            .env("HOME", work)
            .env("LANGSMITH_TRACING", "false")
            .arg(&script)
            .args([server.url.as_str(), KEY, ids.to_str().unwrap()]);
        let m = measure(c)?;
        let want = format!("{{\"ids\": {n}}}");
        if m.stdout.trim() != want {
            return Err(format!("the SDK script printed {:?}, not {want}", m.stdout));
        }
        Ok(m)
    };
    let (ours, theirs) = alternate(runs, ours, sdk)?;
    // What the SDK said on stderr (warnings about side requests the stand-in does not
    // serve, say), once.
    let said = theirs[0].stderr.trim();
    if !said.is_empty() {
        eprintln!("bench: the Python SDK's stderr (first run):\n{said}");
    }
    let ratio = pair_ratios(&ours, &theirs, Measured::cpu_s, Measured::cpu_s);
    Ok(Figure {
        name: format!(
            "peer: official Python SDK {SDK_VERSION}, delete_examples(1,000 ids, hard_delete=True) in a loop, {n} ids, client CPU, {runs} alternating pairs"
        ),
        measured: format!(
            "langsmith-examples hard-delete --yes: {} CPU s, {} wall, {} peak",
            spread(&ours, Measured::cpu_s).show(3, ""),
            spread(&ours, Measured::wall_s).show(3, " s"),
            spread(&ours, Measured::rss_mib).show(1, " MiB"),
        ),
        baseline: format!(
            "Python SDK: {} CPU s, {} wall, {} peak",
            spread(&theirs, Measured::cpu_s).show(3, ""),
            spread(&theirs, Measured::wall_s).show(3, " s"),
            spread(&theirs, Measured::rss_mib).show(1, " MiB"),
        ),
        ratio: Some(ratio),
        target: "ratio <= 0.10".into(),
        pass: Some(ratio.median <= 0.10),
    })
}

/// Generation and `cargo check` of the whole LangSmith client against the five-operation
/// one, side by side. Generation runs in this process (the profile `cargo xtask` built);
/// each check is timed on a second run after the dependencies are built, with the crate's
/// own source touched, so it measures the generated crate alone.
fn generation(root: &Path, target: &Path, work: &Path) -> Result<Vec<Figure>, String> {
    use xtask::{Flavor, SpecSource, Strictness};
    let spec = root.join(xtask::VENDORED_SPEC);
    let source = SpecSource::read(&spec, xtask::VENDORED_SPEC).map_err(|e| e.to_string())?;
    let list = xtask::read_operation_list(&root.join(xtask::OPERATION_LIST), xtask::OPERATION_LIST)
        .map_err(|e| e.to_string())?;

    let started = Instant::now();
    let (five_source, _) = source.pruned(&list).map_err(|e| e.to_string())?;
    let five = xtask::generate(&five_source, Flavor::Standalone, Strictness::Lenient)
        .map_err(|e| e.to_string())?;
    let five_gen = started.elapsed();

    let started = Instant::now();
    let full = xtask::whole::generate_all(&source, Flavor::Standalone, &mut |_| {})
        .map_err(|e| e.to_string())?;
    let full_gen = started.elapsed();
    let generated_ops = full.operations - full.left_out.len();

    let write = |name: &str, code: &str, lib: String| -> Result<PathBuf, String> {
        let dir = work.join(name);
        std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("Cargo.toml"), xtask::standalone_manifest(name))
            .map_err(|e| e.to_string())?;
        std::fs::write(dir.join("src/lib.rs"), lib).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("src/generated.rs"), code).map_err(|e| e.to_string())?;
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| e.to_string())?;
        Ok(dir)
    };
    let five_dir = write(
        "five-client",
        &five.code,
        xtask::standalone_lib_rs(&[], None),
    )?;
    let full_dir = write(
        "full-client",
        &full.generated.code,
        xtask::standalone_lib_rs(&full.left_out, Some(full.operations)),
    )?;
    let check = |dir: &Path| -> Result<Duration, String> {
        let run = || {
            let status = cargo_command(root)
                .args(["check", "--quiet", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", target)
                .status()
                .map_err(|e| e.to_string())?;
            status
                .success()
                .then_some(())
                .ok_or_else(|| format!("cargo check of {} failed", dir.display()))
        };
        run()?; // dependencies
        let lib = dir.join("src/generated.rs");
        let text = std::fs::read(&lib).map_err(|e| e.to_string())?;
        std::fs::write(&lib, text).map_err(|e| e.to_string())?; // a new mtime
        let started = Instant::now();
        run()?;
        Ok(started.elapsed())
    };
    let five_check = check(&five_dir)?;
    let full_check = check(&full_dir)?;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    Ok(vec![
        Figure {
            name: format!(
                "generation ({profile} xtask): the whole spec, {generated_ops} of {} operations ({} left out, {} attempts)",
                full.operations,
                full.left_out.len(),
                full.attempts
            ),
            measured: format!(
                "{} ({:.1} MB of code)",
                secs(full_gen),
                full.generated.code.len() as f64 / 1e6
            ),
            baseline: format!(
                "the five-operation client: {} ({:.1} kB)",
                secs(five_gen),
                five.code.len() as f64 / 1e3
            ),
            ratio: Some(Spread::one(full_gen.as_secs_f64() / five_gen.as_secs_f64())),
            target: "-".into(),
            pass: None,
        },
        Figure {
            name: "cargo check of the generated crate alone (dependencies built)".into(),
            measured: format!("whole spec: {}", secs(full_check)),
            baseline: format!("five operations: {}", secs(five_check)),
            ratio: Some(Spread::one(
                full_check.as_secs_f64() / five_check.as_secs_f64(),
            )),
            target: "-".into(),
            pass: None,
        },
    ])
}

/// The `limit` maximum of listing examples, read from the vendored spec: the page the
/// facade reads (the contract suite checks that it does).
fn page_size(root: &Path) -> Result<f64, String> {
    let path = root.join(xtask::VENDORED_SPEC);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    doc.pointer("/paths/~1api~1v1~1examples/get/parameters")
        .and_then(Value::as_array)
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        .and_then(|p| p.pointer("/schema/maximum"))
        .and_then(Value::as_f64)
        .ok_or_else(|| "the spec gives GET /api/v1/examples no `limit` maximum".into())
}

/// Peak memory per id of each of `all` net of `base` (the same command on almost
/// nothing). A baseline not below a run means this process held memory while its
/// children were measured (a forked child's peak RSS counts what it shared before
/// `exec`): an error, never a figure of 0 B/id.
fn memory_figure(
    name: String,
    all: &[Measured],
    base: &Measured,
    base_is: &str,
    n: usize,
) -> Result<Figure, String> {
    for run in all {
        if base.peak_rss_kib >= run.peak_rss_kib {
            return Err(format!(
                "{name}: the baseline's peak RSS ({} KiB) is not below the run's ({} KiB)",
                base.peak_rss_kib, run.peak_rss_kib
            ));
        }
    }
    let per_id = spread(all, |m| {
        (m.peak_rss_kib - base.peak_rss_kib) as f64 * 1024.0 / n as f64
    });
    Ok(Figure {
        name,
        measured: format!(
            "{} ({} peak)",
            per_id.show(1, " B/id"),
            spread(all, Measured::rss_mib).show(1, " MiB")
        ),
        baseline: format!(
            "same command {base_is}: {:.1} MiB; a UUID is 16 B",
            base.rss_mib()
        ),
        ratio: Some(per_id.map(|b| b / 16.0)),
        target: "<= 64 B/id (ratio <= 4)".into(),
        pass: Some(per_id.median <= 64.0),
    })
}

/// `select` and `verify` of every id against a stand-in answering each request after
/// 20 ms, 8 requests in flight, `runs` times each, alternating: wall time against the
/// ideal the request count, the concurrency and the latency set, and peak memory per id
/// net of the same command on (almost) nothing.
fn find_and_prove(
    root: &Path,
    bin: &Path,
    ids_file: &Path,
    n: usize,
    runs: usize,
) -> Result<Vec<Figure>, String> {
    const LATENCY: f64 = 0.020;
    const CONCURRENCY: f64 = 8.0;
    let mut figures = vec![check_cost(bin, n, runs)?];
    figures.extend(traces::with_runs_requests(root, bin, runs)?);
    let server = mock(
        bin,
        &[
            "--ids-file",
            ids_file.to_str().unwrap(),
            "--dataset",
            "bench",
            "--latency-ms",
            "20",
        ],
    )?;
    let cli = |args: &[&str]| {
        let mut c = Command::new(bin.join("langsmith-examples"));
        c.env_clear()
            .env("LANGSMITH_ENDPOINT", &server.url)
            .env("LANGSMITH_API_KEY", KEY)
            .args(args)
            .args(["-q", "--concurrency", "8"]);
        c
    };

    // The baselines run first: a forked child's peak RSS includes what it shared with
    // this process before exec, so nothing large may be held here while measuring.
    let none = measure(cli(&[
        "select",
        "--dataset",
        "bench",
        "--contains",
        "no such text",
    ]))?;
    // An id the stand-in does not hold: not_found, exit 6.
    let one = measure_exit(
        cli(&["verify", "00000000-0000-4000-8000-000000000001"]),
        &[6],
    )?;

    let (selected, verified) = alternate(
        runs,
        // Select every id of the dataset; its output is dropped before the next run.
        || {
            let all = measure(cli(&["select", "--dataset", "bench"]))?;
            let listed = all.stdout_lines;
            if listed != n {
                return Err(format!("select listed {listed} ids, not {n}"));
            }
            Ok(all)
        },
        // Verify every id (none is erased: exit 6, every id read back).
        || {
            measure_exit(
                cli(&["verify", "--ids-file", ids_file.to_str().unwrap()]),
                &[6],
            )
        },
    )?;
    // Read only now: the parsed spec would count in the children measured before it.
    let page = page_size(root)?;
    // A name lookup and a count, then the pages: at most CONCURRENCY in flight.
    let pages = (n as f64 / page).floor() + 1.0;
    let ideal = 2.0 * LATENCY + (pages / CONCURRENCY).ceil() * LATENCY;
    let ratio = spread(&selected, |m| m.wall_s() / ideal);
    figures.push(Figure {
        name: format!("select --dataset: {n} ids, 20 ms latency, 8 pages in flight, {runs} runs"),
        measured: format!(
            "{} wall, {} CPU s",
            spread(&selected, Measured::wall_s).show(3, " s"),
            spread(&selected, Measured::cpu_s).show(3, "")
        ),
        baseline: format!("ideal (2 + ceil({pages}/8)) x 20 ms = {ideal:.3} s"),
        ratio: Some(ratio),
        target: "ratio <= 1.25".into(),
        pass: Some(ratio.median <= 1.25),
    });
    figures.push(memory_figure(
        format!("select memory per id ({n} ids; each id kept once to drop repeats)"),
        &selected,
        &none,
        "selecting nothing",
        n,
    )?);

    let requests = (n as f64 / page).ceil();
    let ideal = (requests / CONCURRENCY).ceil() * LATENCY;
    let ratio = spread(&verified, |m| m.wall_s() / ideal);
    figures.push(Figure {
        name: format!(
            "verify: {n} ids read back, 20 ms latency, 8 requests in flight, {runs} runs"
        ),
        measured: format!(
            "{} wall, {} CPU s",
            spread(&verified, Measured::wall_s).show(3, " s"),
            spread(&verified, Measured::cpu_s).show(3, "")
        ),
        baseline: format!("ideal ceil({requests}/8) x 20 ms = {ideal:.3} s"),
        ratio: Some(ratio),
        target: "ratio <= 1.25".into(),
        pass: Some(ratio.median <= 1.25),
    });
    figures.push(memory_figure(
        format!("verify memory per id ({n} ids)"),
        &verified,
        &one,
        "on one id",
        n,
    )?);
    Ok(figures)
}

/// The client's re-check of every listed row (issue 18), isolated: the same lean listing
/// of `n` examples that all hold the text, with and without the facade's check per row,
/// alternating; the median of the pairs' CPU ratios.
fn check_cost(bin: &Path, n: usize, runs: usize) -> Result<Figure, String> {
    const TEXT: &str = "jane.doe@example.com";
    let seed = n.to_string();
    let server = mock(
        bin,
        &[
            "--seed",
            &seed,
            "--dataset",
            "bench",
            "--marker",
            TEXT,
            "--marker-every",
            "1",
        ],
    )?;
    let run = |check: bool| -> Result<Measured, String> {
        let mut c = Command::new(bin.join("select_loop"));
        c.args([server.url.as_str(), KEY, "bench", TEXT]);
        if check {
            c.arg("--check");
        }
        let m = measure(c)?;
        let want = format!("{{\"listed\":{n},\"passed\":{n}}}");
        if m.stdout.trim() != want {
            return Err(format!("select_loop: {} (wanted {want})", m.stdout.trim()));
        }
        Ok(m)
    };
    let (plain, checked) = alternate(runs, || run(false), || run(true))?;
    let ratio = pair_ratios(&checked, &plain, Measured::cpu_s, Measured::cpu_s);
    Ok(Figure {
        name: format!(
            "select's local re-check: {n} listed examples all holding the text (dataset + contains), client CPU, {runs} alternating pairs"
        ),
        measured: format!(
            "{} CPU s with checks",
            spread(&checked, Measured::cpu_s).show(3, "")
        ),
        baseline: format!(
            "the same lean listing without them: {} CPU s",
            spread(&plain, Measured::cpu_s).show(3, "")
        ),
        ratio: Some(ratio),
        target: "ratio <= 1.05".into(),
        pass: Some(ratio.median <= 1.05),
    })
}

fn build_cost(root: &Path, work: &Path) -> Result<Figure, String> {
    let build = |dir: &Path, target: &Path, args: &[&str]| -> Result<(Duration, usize), String> {
        let _ = std::fs::remove_dir_all(target);
        let started = Instant::now();
        let out = cargo_command(dir)
            .args(args)
            .env("CARGO_TARGET_DIR", target)
            .output()
            .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        let log = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("build failed: {log}"));
        }
        let crates = log
            .lines()
            .filter(|l| l.trim_start().starts_with("Compiling "))
            .count();
        let _ = std::fs::remove_dir_all(target);
        Ok((elapsed, crates))
    };
    let baseline_dir = work.join("baseline-crate");
    std::fs::create_dir_all(baseline_dir.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(
        baseline_dir.join("Cargo.toml"),
        r#"[package]
name = "baseline-http"
version = "0.1.0"
edition = "2024"

[workspace]

[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["rustls", "json"] }
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros", "time", "sync", "net"] }
"#,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(
        baseline_dir.join("src/lib.rs"),
        "pub use reqwest; pub use serde; pub use tokio;\n",
    )
    .map_err(|e| e.to_string())?;
    // The baseline shares the workspace's lockfile versions where it can.
    let _ = std::fs::copy(root.join("Cargo.lock"), baseline_dir.join("Cargo.lock"));
    let (base_t, base_n) = build(&baseline_dir, &work.join("build-baseline"), &["build"])?;
    let (ours_t, ours_n) = build(
        root,
        &work.join("build-langsmith"),
        &["build", "--locked", "-p", "langsmith"],
    )?;
    let ratio = ours_t.as_secs_f64() / base_t.as_secs_f64();
    Ok(Figure {
        name: "clean `cargo build -p langsmith` (dev profile)".into(),
        measured: format!("{} , {ours_n} crates", secs(ours_t)),
        baseline: format!(
            "reqwest + serde + tokio only: {}, {base_n} crates",
            secs(base_t)
        ),
        ratio: Some(Spread::one(ratio)),
        target: "ratio <= 1.3".into(),
        pass: Some(ratio <= 1.3),
    })
}

/// The figures as a Markdown table.
pub fn table(figures: &[Figure]) -> String {
    let mut s = String::from(
        "| figure | measured | baseline (same run) | ratio | target | |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for f in figures {
        s.push_str(&f.row());
        s.push('\n');
    }
    s
}

/// Where the harness writes its last table: under cargo's target directory.
pub fn last_table_path(target: &Path) -> PathBuf {
    target.join("bench/last.md")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_median_min_max() {
        let s = Spread::of([3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Spread::of([4.0, 1.0, 2.0, 3.0]);
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
        assert_eq!(Spread::one(1.5).show(3, " s"), "1.500 s");
        assert_eq!(
            Spread::of([1.0, 2.0, 4.0]).show(1, " s"),
            "2.0 s (min 1.0, max 4.0)"
        );
    }

    #[test]
    fn alternate_runs_a_then_b_each_time() {
        let order = std::cell::RefCell::new(String::new());
        let (a, b) = alternate(
            3,
            || {
                order.borrow_mut().push('A');
                Ok(order.borrow().len())
            },
            || {
                order.borrow_mut().push('B');
                Ok(order.borrow().len())
            },
        )
        .unwrap();
        assert_eq!(order.into_inner(), "ABABAB");
        assert_eq!((a, b), (vec![1, 3, 5], vec![2, 4, 6]));
    }

    #[test]
    fn ratios_are_taken_per_pair() {
        // A drifting machine: each pair is 2:1, the medians of each side taken apart
        // would say 10:3.
        let a = [2.0, 10.0, 40.0];
        let b = [1.0, 5.0, 20.0];
        let r = pair_ratios(&a, &b, |x| *x, |y| *y);
        assert_eq!((r.median, r.min, r.max), (2.0, 2.0, 2.0));
    }

    #[test]
    fn executables_come_from_compiler_artifact_messages() {
        let stream = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"langsmith"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"bulk"},"executable":"/x/release/bulk"}"#,
            "\n",
            r#"{"reason":"compiler-message","target":{"name":"other"},"executable":"/no"}"#,
            "\n",
            "not json\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n"
        );
        let found = executables(stream.as_bytes()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found["bulk"], PathBuf::from("/x/release/bulk"));
    }
}
