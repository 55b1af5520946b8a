//! `cargo xtask bench`: every benchmark figure, each as a ratio against a baseline
//! measured in the same run. Criterion runs the micro-benchmarks; this harness runs the
//! process-level ones (release binaries against a `langsmith-mock serve` process on
//! loopback) and reads wall time, and CPU time and peak RSS from `wait4`'s rusage.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One reported figure.
pub struct Figure {
    pub name: String,
    pub measured: String,
    pub baseline: String,
    pub ratio: Option<f64>,
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
                .map(|r| format!("{r:.3}"))
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
    /// Ids for the throughput/CPU/memory runs (default 1,000,000).
    pub ids: usize,
    /// Ids for the 10M dry-run memory figure (default 10,000,000).
    pub dry_run_ids: usize,
    /// Seconds of the rate-limit run (default 15).
    pub rate_seconds: u64,
    pub criterion: bool,
    pub build_cost: bool,
    /// Only the find-and-prove figures (select and verify).
    pub find_only: bool,
    /// Only the generation figures (the whole spec against the five operations).
    pub generation_only: bool,
}

fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("cargo {args:?} failed"))
}

/// Resource use of one finished child process.
struct Measured {
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
    stdout: String,
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
        .map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stdout), &mut s).ok();
        s
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
    let stdout = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    if !(libc::WIFEXITED(status) && codes.contains(&libc::WEXITSTATUS(status))) {
        return Err(format!("{cmd:?} failed: status {status}\n{stderr}"));
    }
    Ok(Measured {
        wall,
        cpu,
        peak_rss_kib: usage.ru_maxrss as u64,
        stdout,
    })
}

fn median_by<T>(mut runs: Vec<T>, key: impl Fn(&T) -> f64) -> T {
    runs.sort_by(|a, b| key(a).total_cmp(&key(b)));
    runs.swap_remove(runs.len() / 2)
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

fn criterion_mean_ns(root: &Path, rel: &str) -> Result<f64, String> {
    let path = root
        .join("target/criterion")
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

/// Runs every benchmark and returns the figures.
pub fn run(root: &Path, opts: &Options) -> Result<Vec<Figure>, String> {
    let mut figures = Vec::new();
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    if opts.generation_only {
        return generation(root, &work);
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
            let base = criterion_mean_ns(root, &format!("validation/baseline_uuid_parse/{n}"))?;
            let ours = criterion_mean_ns(root, &format!("validation/idset_parse/{n}"))?;
            let per_id = ours / n as f64;
            figures.push(Figure {
                name: format!(
                    "validation: IdSet::parse of {n} id strings (parse, canonicalise, dedup)"
                ),
                measured: format!("{per_id:.1} ns/id"),
                baseline: format!("Uuid::parse_str alone: {:.1} ns/id", base / n as f64),
                ratio: Some(ours / base),
                target: "well under 100 ns/id".into(),
                pass: Some(per_id < 100.0),
            });
        }
        let raw = criterion_mean_ns(root, "request_1000_ids/baseline_raw_reqwest")?;
        let facade = criterion_mean_ns(root, "request_1000_ids/facade_hard_delete_examples")?;
        figures.push(Figure {
            name: "per-request: facade hard_delete_examples, 1,000 ids, in-process stand-in".into(),
            measured: format!("{:.1} µs", facade / 1e3),
            baseline: format!("raw reqwest POST of the same bytes: {:.1} µs", raw / 1e3),
            ratio: Some(facade / raw),
            target: "ratio <= 1.10".into(),
            pass: Some(facade / raw <= 1.10),
        });
    }

    cargo(
        root,
        &[
            "build",
            "--release",
            "--locked",
            "-p",
            "langsmith-mock",
            "-p",
            "langsmith-cli",
            "-p",
            "bench-helpers",
            "--bins",
        ],
    )?;
    let bin = root.join("target/release");
    let ids_file = work.join(format!("ids-{}.txt", opts.ids));
    write_ids(&ids_file, opts.ids, 1)?;
    let ids_arg = ids_file.to_str().unwrap();
    let million_factor = 1e6 / opts.ids as f64;
    if opts.find_only {
        return find_and_prove(root, &bin, &ids_file, opts.ids);
    }

    // CPU: the CLI's whole process against a bare reqwest loop, same server, same ids.
    {
        let server = mock(&bin, &["--ids-file", ids_arg])?;
        let run_bare = || {
            let mut c = Command::new(bin.join("bare_reqwest_loop"));
            c.args([&server.url, KEY, ids_arg]);
            measure(c)
        };
        let run_cli = || {
            let mut c = Command::new(bin.join("langsmith-examples"));
            c.env_clear()
                .env("LANGSMITH_ENDPOINT", &server.url)
                .env("LANGSMITH_API_KEY", KEY)
                .args(["hard-delete", "--yes", "-q", "--ids-file", ids_arg]);
            measure(c)
        };
        let mut bare = Vec::new();
        let mut cli = Vec::new();
        for _ in 0..3 {
            bare.push(run_bare()?);
            cli.push(run_cli()?);
        }
        let bare = median_by(bare, |m| m.cpu.as_secs_f64());
        let cli = median_by(cli, |m| m.cpu.as_secs_f64());
        let ratio = cli.cpu.as_secs_f64() / bare.cpu.as_secs_f64();
        figures.push(Figure {
            name: format!(
                "client CPU per million ids: langsmith-examples process, {} ids, journal off",
                opts.ids
            ),
            measured: format!(
                "{:.3} CPU s/M ids ({} wall)",
                cli.cpu.as_secs_f64() * million_factor,
                secs(cli.wall)
            ),
            baseline: format!(
                "lean hand-written loop (current-thread, typed echo): {:.3} CPU s/M ids ({} wall)",
                bare.cpu.as_secs_f64() * million_factor,
                secs(bare.wall)
            ),
            ratio: Some(ratio),
            target: "ratio <= 1.25".into(),
            pass: Some(ratio <= 1.25),
        });
        figures.push(Figure {
            name: "throughput, no latency, no faults (CLI, concurrency 4)".into(),
            measured: format!("{:.0} ids/s", opts.ids as f64 / cli.wall.as_secs_f64()),
            baseline: format!(
                "lean hand-written loop (sequential): {:.0} ids/s",
                opts.ids as f64 / bare.wall.as_secs_f64()
            ),
            ratio: Some(bare.wall.as_secs_f64() / cli.wall.as_secs_f64()),
            target: "-".into(),
            pass: None,
        });
        // The stand-in (its own process, validating each body with jsonschema) kept up
        // with the CLI: requests of 1,000 ids it answered per second of that run.
        let served = (opts.ids as f64 / 1000.0) / cli.wall.as_secs_f64();
        figures.push(Figure {
            name:
                "stand-in capacity: requests of 1,000 ids answered per second (during the CLI run)"
                    .into(),
            measured: format!("{served:.0} requests/s"),
            baseline: "target 1,000 requests/s".into(),
            ratio: Some(served / 1000.0),
            target: "ratio >= 1.0".into(),
            pass: Some(served >= 1000.0),
        });

        // Memory: the whole CLI with the embedded stand-in, and a bare dry run.
        let mut c = Command::new(bin.join("langsmith-examples"));
        c.env_clear().args([
            "hard-delete",
            "--mock",
            "--yes",
            "-q",
            "--ids-file",
            ids_arg,
        ]);
        let with_mock = measure(c)?;
        let limit = 40.0 * opts.ids as f64 / 1024.0 + 32.0 * 1024.0;
        figures.push(Figure {
            name: format!(
                "peak RSS: hard-delete --mock --yes, {} ids (stand-in store included)",
                opts.ids
            ),
            measured: format!("{:.1} MiB", with_mock.peak_rss_kib as f64 / 1024.0),
            baseline: format!("budget 40 B/id + 32 MiB = {:.1} MiB", limit / 1024.0),
            ratio: Some(with_mock.peak_rss_kib as f64 / limit),
            target: "ratio <= 1.0".into(),
            pass: Some(with_mock.peak_rss_kib as f64 <= limit),
        });
    }
    {
        let big = work.join(format!("ids-{}.txt", opts.dry_run_ids));
        write_ids(&big, opts.dry_run_ids, 2)?;
        let mut c = Command::new(bin.join("langsmith-examples"));
        c.env_clear().args([
            "hard-delete",
            "--dry-run",
            "-q",
            "--ids-file",
            big.to_str().unwrap(),
        ]);
        let dry = measure(c)?;
        let _ = std::fs::remove_file(&big);
        let limit = 40.0 * opts.dry_run_ids as f64 / 1024.0 + 32.0 * 1024.0;
        figures.push(Figure {
            name: format!("peak RSS: hard-delete --dry-run, {} ids", opts.dry_run_ids),
            measured: format!(
                "{:.1} MiB ({:.1} B/id), {} wall",
                dry.peak_rss_kib as f64 / 1024.0,
                dry.peak_rss_kib as f64 * 1024.0 / opts.dry_run_ids as f64,
                secs(dry.wall)
            ),
            baseline: format!("budget 40 B/id + 32 MiB = {:.1} MiB", limit / 1024.0),
            ratio: Some(dry.peak_rss_kib as f64 / limit),
            target: "ratio <= 1.0".into(),
            pass: Some(dry.peak_rss_kib as f64 <= limit),
        });
    }

    // Throughput at the limit: 20 ms per request, concurrency 8.
    {
        let server = mock(&bin, &["--ids-file", ids_arg, "--latency-ms", "20"])?;
        let v = run_bulk(&bin, &server, &ids_file, 8, None)?;
        let wall = v["wall_s"].as_f64().unwrap();
        let batches = v["batches"].as_f64().unwrap();
        let ideal = (batches / 8.0).ceil() * 0.020;
        figures.push(Figure {
            name: format!(
                "hard_delete_all of {} ids, 20 ms latency, concurrency 8",
                opts.ids
            ),
            measured: format!("{wall:.3} s wall, {} confirmed", v["confirmed"]),
            baseline: format!("ideal ceil(batches/8) x 20 ms = {ideal:.3} s"),
            ratio: Some(wall / ideal),
            target: "ratio <= 1.10".into(),
            pass: Some(wall / ideal <= 1.10),
        });
    }

    // Under a rate limit: 2000/min on the client; the server enforces 2000/min too.
    {
        let requests = (opts.rate_seconds as usize * 2000 / 60).max(2);
        let subset = work.join("ids-rate.txt");
        write_ids(&subset, requests * 1000, 3)?;
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
        let wall = v["wall_s"].as_f64().unwrap();
        let n = v["batches"].as_f64().unwrap();
        // n starts spaced 30 ms apart span (n - 1) intervals.
        let achieved = (n - 1.0) / wall * 60.0;
        let retried = v["retried_batches"].as_u64().unwrap();
        figures.push(Figure {
            name: format!("rate limit 2000/min, {n} requests"),
            measured: format!(
                "{achieved:.0} requests/min, {retried} batches retried (a 429 forces a retry)"
            ),
            baseline: "2000 requests/min".into(),
            ratio: Some(achieved / 2000.0),
            target: "within 5%, no 429".into(),
            pass: Some((achieved / 2000.0 - 1.0).abs() <= 0.05 && retried == 0),
        });
    }

    figures.extend(find_and_prove(root, &bin, &ids_file, opts.ids)?);
    figures.extend(generation(root, &work)?);

    if opts.build_cost {
        figures.push(build_cost(root, &work)?);
    }
    Ok(figures)
}

/// Generation and `cargo check` of the whole LangSmith client against the five-operation
/// one, side by side. Generation runs in this process (the profile `cargo xtask` built);
/// each check is timed on a second run after the dependencies are built, with the crate's
/// own source touched, so it measures the generated crate alone.
fn generation(root: &Path, work: &Path) -> Result<Vec<Figure>, String> {
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
            let status = Command::new(env!("CARGO"))
                .args(["check", "--quiet", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", root.join("target"))
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
            ratio: Some(full_gen.as_secs_f64() / five_gen.as_secs_f64()),
            target: "-".into(),
            pass: None,
        },
        Figure {
            name: "cargo check of the generated crate alone (dependencies built)".into(),
            measured: format!("whole spec: {}", secs(full_check)),
            baseline: format!("five operations: {}", secs(five_check)),
            ratio: Some(full_check.as_secs_f64() / five_check.as_secs_f64()),
            target: "-".into(),
            pass: None,
        },
    ])
}

/// `select` and `verify` of every id against a stand-in answering each request after
/// 20 ms, 8 requests in flight: wall time against the ideal the request count, the
/// concurrency and the latency set, and peak memory per id net of the same command on
/// (almost) nothing.
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

/// Peak memory per id of `all` net of `base` (the same command on almost nothing). A
/// baseline not below the run means this process held memory while its children were
/// measured (a forked child's peak RSS counts what it shared before `exec`): an error,
/// never a figure of 0 B/id.
fn memory_figure(
    name: String,
    all: &Measured,
    base: &Measured,
    base_is: &str,
    n: usize,
) -> Result<Figure, String> {
    if base.peak_rss_kib >= all.peak_rss_kib {
        return Err(format!(
            "{name}: the baseline's peak RSS ({} KiB) is not below the run's ({} KiB)",
            base.peak_rss_kib, all.peak_rss_kib
        ));
    }
    let per_id = (all.peak_rss_kib - base.peak_rss_kib) as f64 * 1024.0 / n as f64;
    Ok(Figure {
        name,
        measured: format!(
            "{per_id:.1} B/id ({:.1} MiB peak)",
            all.peak_rss_kib as f64 / 1024.0
        ),
        baseline: format!(
            "same command {base_is}: {:.1} MiB; a UUID is 16 B",
            base.peak_rss_kib as f64 / 1024.0
        ),
        ratio: Some(per_id / 16.0),
        target: "<= 64 B/id (ratio <= 4)".into(),
        pass: Some(per_id <= 64.0),
    })
}

fn find_and_prove(
    root: &Path,
    bin: &Path,
    ids_file: &Path,
    n: usize,
) -> Result<Vec<Figure>, String> {
    const LATENCY: f64 = 0.020;
    const CONCURRENCY: f64 = 8.0;
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
    let mut figures = vec![check_cost(bin, n)?];

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

    // Select every id of the dataset.
    let mut all = measure(cli(&["select", "--dataset", "bench"]))?;
    let listed = all.stdout.lines().count();
    all.stdout = String::new();
    if listed != n {
        return Err(format!("select listed {listed} ids, not {n}"));
    }
    // Verify every id (none is erased: exit 6, every id read back).
    let verified = measure_exit(
        cli(&["verify", "--ids-file", ids_file.to_str().unwrap()]),
        &[6],
    )?;
    // Read only now: the parsed spec would count in the children measured before it.
    let page = page_size(root)?;
    // A name lookup and a count, then the pages: at most CONCURRENCY in flight.
    let pages = (n as f64 / page).floor() + 1.0;
    let ideal = 2.0 * LATENCY + (pages / CONCURRENCY).ceil() * LATENCY;
    let wall = all.wall.as_secs_f64();
    figures.push(Figure {
        name: format!("select --dataset: {n} ids, 20 ms latency, 8 pages in flight"),
        measured: format!("{wall:.3} s wall, {:.3} CPU s", all.cpu.as_secs_f64()),
        baseline: format!("ideal (2 + ceil({pages}/8)) x 20 ms = {ideal:.3} s"),
        ratio: Some(wall / ideal),
        target: "ratio <= 1.25".into(),
        pass: Some(wall / ideal <= 1.25),
    });
    figures.push(memory_figure(
        format!("select memory per id ({n} ids; each id kept once to drop repeats)"),
        &all,
        &none,
        "selecting nothing",
        n,
    )?);

    let all = verified;
    let requests = (n as f64 / page).ceil();
    let ideal = (requests / CONCURRENCY).ceil() * LATENCY;
    let wall = all.wall.as_secs_f64();
    figures.push(Figure {
        name: format!("verify: {n} ids read back, 20 ms latency, 8 requests in flight"),
        measured: format!("{wall:.3} s wall, {:.3} CPU s", all.cpu.as_secs_f64()),
        baseline: format!("ideal ceil({requests}/8) x 20 ms = {ideal:.3} s"),
        ratio: Some(wall / ideal),
        target: "ratio <= 1.25".into(),
        pass: Some(wall / ideal <= 1.25),
    });
    figures.push(memory_figure(
        format!("verify memory per id ({n} ids)"),
        &all,
        &one,
        "on one id",
        n,
    )?);
    Ok(figures)
}

/// The client's re-check of every listed row (issue 18), isolated: the same lean listing
/// of `n` examples that all hold the text, with and without the facade's check per row,
/// alternating three times each; the median CPU of each.
fn check_cost(bin: &Path, n: usize) -> Result<Figure, String> {
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
    let (mut plain, mut checked) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        plain.push(run(false)?);
        checked.push(run(true)?);
    }
    let cpu = |m: &Measured| m.cpu.as_secs_f64();
    let (pmin, pmax) = (
        plain.iter().map(cpu).fold(f64::MAX, f64::min),
        plain.iter().map(cpu).fold(0.0, f64::max),
    );
    let (cmin, cmax) = (
        checked.iter().map(cpu).fold(f64::MAX, f64::min),
        checked.iter().map(cpu).fold(0.0, f64::max),
    );
    let plain = median_by(plain, cpu);
    let checked = median_by(checked, cpu);
    let ratio = cpu(&checked) / cpu(&plain);
    Ok(Figure {
        name: format!(
            "select's local re-check: {n} listed examples all holding the text (dataset + contains), client CPU"
        ),
        measured: format!(
            "{:.3} CPU s with checks (min {cmin:.3}, max {cmax:.3})",
            cpu(&checked)
        ),
        baseline: format!(
            "the same lean listing without them: {:.3} CPU s (min {pmin:.3}, max {pmax:.3})",
            cpu(&plain)
        ),
        ratio: Some(ratio),
        target: "ratio <= 1.05".into(),
        pass: Some(ratio <= 1.05),
    })
}

fn build_cost(root: &Path, work: &Path) -> Result<Figure, String> {
    let build = |dir: &Path, target: &Path, args: &[&str]| -> Result<(Duration, usize), String> {
        let _ = std::fs::remove_dir_all(target);
        let started = Instant::now();
        let out = Command::new(env!("CARGO"))
            .args(args)
            .env("CARGO_TARGET_DIR", target)
            .current_dir(dir)
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
        ratio: Some(ratio),
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

/// Where the harness writes its last table.
pub fn last_table_path(root: &Path) -> PathBuf {
    root.join("target/bench/last.md")
}
