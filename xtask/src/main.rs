//! `cargo xtask <command>`: repository automation.

mod bench;

use std::path::PathBuf;
use std::process::ExitCode;
use xtask::{Ensured, Flavor, SpecSource, Strictness, TARGETS};

const USAGE: &str = "\
usage:
  cargo xtask generate            regenerate crates/langsmith-api (and the tests' fixture client)
  cargo xtask generate --check    fail with a diff when committed generated code is stale
  cargo xtask generate --spec PATH --out DIR [--operations FILE]
                                  generate a standalone client crate from any OpenAPI 3.0/3.1 file:
                                  with FILE, pruned to the operations it lists (`METHOD /path` or an
                                  operationId a line) and the components they need; without, every
                                  operation that can be generated, each one left out listed on
                                  stdout with its reason (and in the crate's docs)
  cargo xtask bench [--quick] [--runs N] [--no-criterion] [--build-cost] [--find-only]
                    [--generation-only] [--with-runs-only] [--case-only]
                                  every benchmark figure as a ratio to a baseline of the same run,
                                  each process-level one the median of N runs (default 3, at
                                  least 3; two commands compared alternate A B A B ...) with its
                                  min and max, at 100,000 and 1,000,000 ids (--quick: 100,000
                                  ids, a 1,000,000-id dry run, 5 s rate-limit runs); binaries,
                                  inputs and the table go under cargo's target directory
                                  (--find-only: only select and verify of every id;
                                  --generation-only: only generating and checking the whole
                                  spec's client against the five-operation one;
                                  --with-runs-only: only the runs requests of --with-runs on
                                  the v2 and the v1 runs query; --case-only: only the erasure
                                  case's figures, `case find` and `case find --scan` over a
                                  stand-in workspace of 200 datasets x 2,000 examples and 50
                                  projects x 20,001 runs, --quick: 20 and 5 of them)

exit status: 0 done (or current), 1 stale under --check or the work failed (generating,
reading or writing a file), 2 a usage error (the arguments, or an input they name)
";

/// Why a command failed: how it was asked (exit 2), or the work itself: generation,
/// reading or writing a file (exit 1). Each error says which it is where it is made.
enum Failure {
    Usage(String),
    Failed(String),
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    fn failed(message: impl std::fmt::Display) -> Self {
        Failure::Failed(message.to_string())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::usage(format!("no command given\n{USAGE}")));
    };
    match command.as_str() {
        "generate" => generate(rest),
        "bench" => bench(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(Failure::usage(format!(
            "unknown command `{other}`\n{USAGE}"
        ))),
    }
}

/// The value after `flag`, or a usage error saying what it needs.
fn value(
    it: &mut std::slice::Iter<'_, String>,
    flag: &str,
    what: &str,
) -> Result<PathBuf, Failure> {
    it.next()
        .map(PathBuf::from)
        .ok_or_else(|| Failure::usage(format!("{flag} needs {what}")))
}

fn generate(args: &[String]) -> Result<ExitCode, Failure> {
    let mut check = false;
    let mut spec: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut operations: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--spec" => spec = Some(value(&mut it, "--spec", "a path")?),
            "--out" => out = Some(value(&mut it, "--out", "a directory")?),
            "--operations" => operations = Some(value(&mut it, "--operations", "a file")?),
            other => {
                return Err(Failure::usage(format!(
                    "unknown argument `{other}`\n{USAGE}"
                )));
            }
        }
    }
    match (spec, out) {
        (Some(spec), Some(out)) => standalone(&spec, &out, operations.as_deref(), check),
        (None, None) if operations.is_none() => workspace(check),
        (None, None) => Err(Failure::usage("--operations goes with --spec and --out")),
        _ => Err(Failure::usage("--spec and --out go together")),
    }
}

fn bench(args: &[String]) -> Result<ExitCode, Failure> {
    let mut opts = bench::Options {
        sizes: vec![100_000, 1_000_000],
        dry_run_ids: 10_000_000,
        rate_seconds: 15,
        runs: 3,
        criterion: true,
        build_cost: false,
        find_only: false,
        generation_only: false,
        with_runs_only: false,
        case_only: false,
        case_scale: bench::CaseScale::ISSUE,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => {
                opts.sizes = vec![100_000];
                opts.dry_run_ids = 1_000_000;
                opts.rate_seconds = 5;
                opts.case_scale = bench::CaseScale {
                    datasets: 20,
                    projects: 5,
                    ..bench::CaseScale::ISSUE
                };
            }
            "--runs" => {
                let n = it
                    .next()
                    .ok_or_else(|| Failure::usage("--runs needs a number"))?;
                opts.runs = match n.parse() {
                    Ok(n) if n >= 3 => n,
                    _ => {
                        return Err(Failure::usage(format!(
                            "--runs takes a number of at least 3, not `{n}`"
                        )));
                    }
                };
            }
            "--no-criterion" => opts.criterion = false,
            "--build-cost" => opts.build_cost = true,
            "--generation-only" => {
                opts.generation_only = true;
                opts.criterion = false;
            }
            "--find-only" => {
                opts.find_only = true;
                opts.criterion = false;
            }
            "--with-runs-only" => {
                opts.with_runs_only = true;
                opts.criterion = false;
            }
            "--case-only" => {
                opts.case_only = true;
                opts.criterion = false;
            }
            other => {
                return Err(Failure::usage(format!(
                    "unknown argument `{other}`\n{USAGE}"
                )));
            }
        }
    }
    let root = xtask::workspace_root();
    let target = bench::target_dir(&root).map_err(Failure::failed)?;
    let figures = bench::run(&root, &target, &opts).map_err(Failure::failed)?;
    let table = bench::table(&figures);
    let path = bench::last_table_path(&target);
    std::fs::write(&path, &table)
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))?;
    println!("\n{table}\n(also written to {})", path.display());
    Ok(ExitCode::SUCCESS)
}

fn workspace(check: bool) -> Result<ExitCode, Failure> {
    let root = xtask::workspace_root();
    let mut stale = false;
    for target in TARGETS {
        let generated = xtask::generate_target(&root, target).map_err(Failure::failed)?;
        for applied in &generated.applied {
            eprintln!(
                "{}: fixup {}: {} change(s)",
                target.spec,
                applied.fixup,
                applied.changes.len()
            );
            for change in &applied.changes {
                eprintln!("    {change}");
            }
        }
        match xtask::ensure_file_contents(
            &root.join(target.out),
            target.out,
            &generated.code,
            check,
        )
        .map_err(Failure::failed)?
        {
            Ensured::Stale(diff) => {
                stale = true;
                println!("{diff}");
                eprintln!(
                    "{} is stale against {}: run `cargo xtask generate` and commit the result",
                    target.out, target.spec
                );
            }
            Ensured::Current => eprintln!("{} is current", target.out),
            Ensured::Written => eprintln!("wrote {}", target.out),
            Ensured::Unchanged => eprintln!("{} unchanged", target.out),
        }
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn standalone(
    spec: &std::path::Path,
    out: &std::path::Path,
    operations: Option<&std::path::Path>,
    check: bool,
) -> Result<ExitCode, Failure> {
    // The inputs the arguments name: one that cannot be read, or an operation list that
    // does not fit the spec, is a usage error (exit 2), as it has always been.
    let mut source = SpecSource::read(spec, spec.display().to_string())
        .map_err(|e| Failure::usage(e.to_string()))?;
    if let Some(list) = operations {
        let text = std::fs::read_to_string(list)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", list.display())))?;
        let selectors = xtask::prune::parse_operation_list(&list.display().to_string(), &text)
            .map_err(Failure::usage)?;
        let (pruned, kept) = source
            .pruned(&selectors)
            .map_err(|e| Failure::usage(e.to_string()))?;
        eprintln!(
            "pruned to {} operation(s), {} component(s), {} security scheme(s)",
            kept.operations.len(),
            kept.components.len(),
            kept.security_schemes.len()
        );
        for name in &kept.undefined_security_schemes {
            eprintln!(
                "note: the security scheme {name:?} is named by an operation but not defined"
            );
        }
        source = pruned;
    }
    // With an operation list, exactly those operations; without, every operation that
    // can be generated, the others listed with their reason.
    let (generated, left_out, total) = if operations.is_some() {
        let generated = xtask::generate(&source, Flavor::Standalone, Strictness::Lenient)
            .map_err(Failure::failed)?;
        (generated, Vec::new(), None)
    } else {
        let partial =
            xtask::whole::generate_all(&source, Flavor::Standalone, &mut |m| eprintln!("{m}"))
                .map_err(|e| {
                    let explained = match source.to_value() {
                        Ok(doc) => xtask::whole::explain(&source, &doc, e),
                        Err(e) => e,
                    };
                    Failure::failed(explained)
                })?;
        let generated_ops = partial.operations - partial.left_out.len();
        println!(
            "generated {generated_ops} of {} operations ({:.1}%) in {:.1} s ({} generation attempts)",
            partial.operations,
            100.0 * generated_ops as f64 / partial.operations.max(1) as f64,
            partial.elapsed.as_secs_f64(),
            partial.attempts
        );
        if !partial.left_out.is_empty() {
            println!("left out {}:", partial.left_out.len());
            for l in &partial.left_out {
                println!("  {}: {}", l.operation, l.reason);
            }
        }
        (
            partial.generated,
            partial.left_out,
            Some(partial.operations),
        )
    };
    for applied in &generated.applied {
        eprintln!(
            "fixup {}: {} change(s)",
            applied.fixup,
            applied.changes.len()
        );
    }
    let lib_rs = xtask::standalone_lib_rs(&left_out, total);
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.replace('_', "-"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "generated-client".into());
    // Every repair, one line each (synthesized operation ids included): the record that
    // shows a regeneration made the same choices (`--check` compares it too).
    let mut record = String::from(
        "# Every in-memory repair `cargo xtask generate` made to the spec, by fixup.\n",
    );
    for applied in &generated.applied {
        record.push_str(&format!(
            "\n## {} ({} changes)\n",
            applied.fixup,
            applied.changes.len()
        ));
        for change in &applied.changes {
            record.push_str(change);
            record.push('\n');
        }
    }
    let files = [
        ("Cargo.toml", xtask::standalone_manifest(&name)),
        ("src/lib.rs", lib_rs),
        ("src/generated.rs", generated.code),
        ("fixups.txt", record),
    ];
    let mut stale = false;
    for (rel, text) in files {
        let path = out.join(rel);
        let shown = path.display().to_string();
        match xtask::ensure_file_contents(&path, &shown, &text, check).map_err(Failure::failed)? {
            Ensured::Stale(diff) => {
                stale = true;
                println!("{diff}");
            }
            Ensured::Current => {}
            Ensured::Written => eprintln!(
                "wrote {shown} ({} bytes, {} lines)",
                text.len(),
                text.lines().count()
            ),
            Ensured::Unchanged => eprintln!("{shown} unchanged"),
        }
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
