//! `cargo xtask <command>`: repository automation.

mod bench;

use std::path::PathBuf;
use std::process::ExitCode;
use xtask::{Flavor, SpecSource, Strictness, TARGETS};

const USAGE: &str = "\
usage:
  cargo xtask generate            regenerate crates/langsmith-api (and the tests' fixture client)
  cargo xtask generate --check    fail with a diff when committed generated code is stale
  cargo xtask generate --spec PATH --out DIR [--operations FILE]
                                  generate a standalone client crate from any OpenAPI 3.0/3.1 file,
                                  pruned to the operations FILE lists (`METHOD /path` or an
                                  operationId a line) and the components they need
  cargo xtask bench [--quick] [--no-criterion] [--build-cost] [--find-only]
                                  every benchmark figure as a ratio to a baseline of the same run
                                  (--find-only: only select and verify of every id)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err(format!("no command given\n{USAGE}"));
    };
    match command.as_str() {
        "generate" => generate(rest),
        "bench" => bench(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}

fn generate(args: &[String]) -> Result<ExitCode, String> {
    let mut check = false;
    let mut spec: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut operations: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--spec" => spec = Some(it.next().ok_or("--spec needs a path")?.into()),
            "--out" => out = Some(it.next().ok_or("--out needs a directory")?.into()),
            "--operations" => {
                operations = Some(it.next().ok_or("--operations needs a file")?.into())
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    match (spec, out) {
        (Some(spec), Some(out)) => standalone(&spec, &out, operations.as_deref(), check),
        (None, None) if operations.is_none() => workspace(check),
        (None, None) => Err("--operations goes with --spec and --out".into()),
        _ => Err("--spec and --out go together".into()),
    }
}

fn bench(args: &[String]) -> Result<ExitCode, String> {
    let mut opts = bench::Options {
        ids: 1_000_000,
        dry_run_ids: 10_000_000,
        rate_seconds: 15,
        criterion: true,
        build_cost: false,
        find_only: false,
    };
    for arg in args {
        match arg.as_str() {
            "--quick" => {
                opts.ids = 100_000;
                opts.dry_run_ids = 1_000_000;
                opts.rate_seconds = 5;
            }
            "--no-criterion" => opts.criterion = false,
            "--build-cost" => opts.build_cost = true,
            "--find-only" => {
                opts.find_only = true;
                opts.criterion = false;
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let root = xtask::workspace_root();
    let figures = bench::run(&root, &opts)?;
    let table = bench::table(&figures);
    let path = bench::last_table_path(&root);
    std::fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("\n{table}\n(also written to {})", path.display());
    Ok(ExitCode::SUCCESS)
}

fn workspace(check: bool) -> Result<ExitCode, String> {
    let root = xtask::workspace_root();
    let mut stale = false;
    for target in TARGETS {
        let generated = xtask::generate_target(&root, target).map_err(|e| e.to_string())?;
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
        let path = root.join(target.out);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if check {
            if let Some(diff) = xtask::diff(target.out, &committed, &generated.code) {
                stale = true;
                println!("{diff}");
                eprintln!(
                    "{} is stale against {}: run `cargo xtask generate` and commit the result",
                    target.out, target.spec
                );
            } else {
                eprintln!("{} is current", target.out);
            }
        } else if committed != generated.code {
            std::fs::write(&path, &generated.code)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {}", target.out);
        } else {
            eprintln!("{} unchanged", target.out);
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
) -> Result<ExitCode, String> {
    let mut source =
        SpecSource::read(spec, spec.display().to_string()).map_err(|e| e.to_string())?;
    if let Some(list) = operations {
        let text = std::fs::read_to_string(list)
            .map_err(|e| format!("cannot read {}: {e}", list.display()))?;
        let selectors = xtask::prune::parse_operation_list(&list.display().to_string(), &text)?;
        let (pruned, kept) = source.pruned(&selectors).map_err(|e| e.to_string())?;
        eprintln!(
            "pruned to {} operation(s), {} component(s), {} security scheme(s)",
            kept.operations.len(),
            kept.components.len(),
            kept.security_schemes.len()
        );
        source = pruned;
    }
    let generated = xtask::generate(&source, Flavor::Standalone, Strictness::Lenient)
        .map_err(|e| e.to_string())?;
    for applied in &generated.applied {
        eprintln!(
            "fixup {}: {} change(s)",
            applied.fixup,
            applied.changes.len()
        );
    }
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.replace('_', "-"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "generated-client".into());
    let files = [
        ("Cargo.toml", xtask::standalone_manifest(&name)),
        (
            "src/lib.rs",
            "mod generated;\npub use generated::*;\n".to_owned(),
        ),
        ("src/generated.rs", generated.code),
    ];
    let mut stale = false;
    for (rel, text) in files {
        let path = out.join(rel);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if check {
            if let Some(diff) = xtask::diff(&path.display().to_string(), &committed, &text) {
                stale = true;
                println!("{diff}");
            }
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
