//! `verify`: read ids back and say per id whether they are erased; with `--with-runs`,
//! whether the traces that referenced them are gone. The ids come from arguments, an
//! ids file, or an earlier hard-delete's report (`--from-report`).

use crate::exit::{self, Exit, usage};
use crate::input::{self, IdArgs};
use crate::report::{self, Output};
use crate::verification::{self, DeletedAt, VerificationSection};
use crate::{Cli, connect, term, traces};
use langsmith::{TraceKey, Uuid};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

#[derive(clap::Args)]
pub struct Args {
    /// Example ids (UUIDs in any usual form).
    #[arg(value_name = "ID")]
    ids: Vec<String>,
    /// Ids one per line (blank lines and # comments ignored) or a JSON array of strings; `-` for stdin.
    #[arg(long, value_name = "PATH", conflicts_with = "from_report")]
    ids_file: Option<String>,
    /// The report of an earlier `hard-delete --report PATH`: verify its ids, with the
    /// attachments' deadline from its time, and with --with-runs the traces it requested.
    #[arg(long, value_name = "PATH", conflicts_with = "ids")]
    from_report: Option<PathBuf>,
    /// Also query the runs that reference the ids: none left means their traces are gone.
    #[arg(long)]
    with_runs: bool,
    /// Read the examples as they were at this time (RFC 3339), to check earlier versions.
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// Requests in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Client-side limit, requests per minute.
    #[arg(long, value_name = "PER_MIN")]
    rate_limit: Option<u32>,
    /// Write the JSON verification report here, atomically.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// `verify`: reads ids back and says per id whether they are erased.
pub async fn run(cli: &Cli, args: &Args) -> Result<u8, Exit> {
    let started = SystemTime::now();
    connect::check_common(
        cli,
        args.ids_file.as_deref(),
        args.concurrency,
        args.rate_limit,
    )?;
    let as_of = args
        .as_of
        .as_deref()
        .map(verification::parse_as_of)
        .transpose()?;
    if let Some(path) = &args.report {
        if args.from_report.as_deref() == Some(path.as_path()) {
            return Err(usage(format!(
                "--report {} is the --from-report file: verify would overwrite the evidence it reads; give another path; nothing was sent",
                path.display()
            )));
        }
        report::check_writable(path)
            .map_err(|e| usage(format!("--report {e}; nothing was sent")))?;
    }
    let (mut input, earlier) = match &args.from_report {
        Some(path) => {
            let earlier = EarlierRun::read(path)?;
            let input = input::Input {
                set: langsmith::IdSet::from_uuids(earlier.ids.iter().copied()),
                lines: earlier.ids.len() as u64,
                sources: vec![earlier.source.clone()],
                selection: None,
            };
            (input, Some(earlier))
        }
        None => {
            if args.ids.is_empty() && args.ids_file.is_none() {
                return Err(usage(
                    "verify needs ids: IDs, --ids-file PATH, or --from-report PATH (a hard-delete report); nothing was sent",
                ));
            }
            let input = input::collect(IdArgs {
                ids: &args.ids,
                ids_file: args.ids_file.as_deref(),
                hash: report::wanted(args.report.as_deref(), args.output),
            })?;
            (input, None)
        }
    };
    let target = connect::connect(
        cli,
        connect::Connect {
            rate_limit: args.rate_limit,
            needs_key: true,
            seed: connect::Seed::Ids(input.set.as_slice()),
            with_runs: args.with_runs,
        },
    )
    .await?;
    if let Some(e) = &earlier {
        e.check_endpoint(cli, &target)?;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    term::watch_interrupts(cancel.clone());
    // The ids move on to the read-back (which keeps them, sorted, in its report): one
    // copy of them in memory, and a second only when the runs are looked up too.
    let unique = input.set.len();
    let ids = std::mem::take(&mut input.set).into_vec();
    let for_runs = if args.with_runs {
        ids.clone()
    } else {
        Vec::new()
    };
    let v = verification::verify_ids(
        &target.client,
        ids,
        as_of,
        args.concurrency,
        cli.quiet,
        cancel.clone(),
    )
    .await;
    let trace_verification = if args.with_runs && !cancel.load(Ordering::SeqCst) {
        let requested = earlier
            .as_ref()
            .map_or_else(Vec::new, |e| e.requested.clone());
        if !cli.quiet {
            eprintln!(
                "looking up the runs that reference {}",
                term::plural(unique as u64, "example", "examples")
            );
        }
        Some(
            traces::verify(
                &target.client,
                &for_runs,
                requested,
                earlier.as_ref().and_then(|e| e.runs.as_ref()),
                args.concurrency,
                &cancel,
            )
            .await,
        )
    } else {
        None
    };
    let deleted_at = earlier
        .as_ref()
        .map_or_else(DeletedAt::default, |e| DeletedAt {
            time: e.deleted_at,
            unknown: e.already.clone(),
        });
    let interrupted = cancel.load(Ordering::SeqCst);
    let excluded_runs = trace_verification
        .as_ref()
        .and_then(|t| t.as_ref().ok())
        .map_or(0, |t| t.listing().excluded().len());
    let exit = exit::decide(&exit::RunOutcome {
        verification: Some(&v),
        interrupted,
        trace_verification: trace_verification.as_ref(),
        attachments_overdue: deleted_at.overdue(&v),
        excluded: excluded_runs,
        ..exit::RunOutcome::default()
    });
    let digest = if report::wanted(args.report.as_deref(), args.output) {
        let evidence = report::Evidence::of(cli);
        let doc = VerifyReportDoc {
            envelope: report::Envelope::now(
                &evidence,
                &target.endpoint,
                target.workspace.as_deref(),
                started,
            ),
            inputs: &input.sources,
            from_report: earlier.as_ref().map(EarlierRun::summary),
            unique_ids: v.ids().len() as u64,
            verification: VerificationSection::of(&v, &deleted_at),
            runs_verification: trace_verification
                .as_ref()
                .map(|t| traces::TraceVerifySection::of(unique, t)),
            interrupted,
            exit_code: exit,
        };
        report::write_json(args.report.as_deref(), args.output, &doc)?
    } else {
        None
    };
    if args.output == Output::Text {
        verification::print_summary(&v, &deleted_at);
        if let Some(t) = &trace_verification {
            traces::print_verify_summary(t);
            if earlier.as_ref().is_none_or(|e| e.requested.is_empty())
                && t.as_ref().is_ok_and(|t| t.unrequested() > 0)
            {
                eprintln!(
                    "(no trace deletion was requested {}: `hard-delete --with-runs` requests it)",
                    if earlier.is_some() {
                        "by the run of that report"
                    } else {
                        "for these ids here; with --from-report, the traces a hard-delete requested are known"
                    }
                );
            }
        }
        if exit == exit::PENDING {
            println!(
                "pending: nothing contradicts the erasure, but part of it is still to happen; run the same verify again later"
            );
        }
        if let (Some(p), Some(sha)) = (&args.report, digest) {
            println!("report: {} (sha256 {sha})", p.display());
        }
    }
    Ok(exit)
}

/// The `verify` command's report.
#[derive(serde::Serialize)]
pub struct VerifyReportDoc<'a> {
    #[serde(flatten)]
    pub envelope: report::Envelope<'a>,
    pub inputs: &'a [report::InputSource],
    /// With `--from-report`: the run whose erasure this verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_report: Option<EarlierSummary<'a>>,
    pub unique_ids: u64,
    pub verification: VerificationSection<'a>,
    /// With `--with-runs`: whether the traces referencing the ids are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_verification: Option<traces::TraceVerifySection>,
    pub interrupted: bool,
    pub exit_code: u8,
}

/// What `--from-report` read from an earlier hard-delete's report.
struct EarlierRun {
    path: PathBuf,
    source: report::InputSource,
    /// Every id of the report, whatever its outcome there.
    ids: Vec<Uuid>,
    /// Ids an earlier run's journal confirmed (their deletion time is not in the report).
    already: Vec<Uuid>,
    /// The report's `started_at`: the earliest the deletions can have happened.
    deleted_at: Option<SystemTime>,
    /// The traces whose deletion that run requested.
    requested: Vec<TraceKey>,
    /// Its runs lookup (API, window, datasets), when the report records one.
    runs: Option<traces::Recorded>,
    endpoint: String,
    ticket: Option<String>,
    started_at: String,
}

#[derive(serde::Serialize)]
pub struct EarlierSummary<'a> {
    path: &'a Path,
    sha256: Option<&'a str>,
    endpoint: &'a str,
    ticket: Option<&'a str>,
    started_at: &'a str,
    ids: usize,
    traces_requested: usize,
}

/// Reports larger than this are refused (a million ids take about 40 MB).
const MAX_REPORT_BYTES: u64 = 1 << 30;

impl EarlierRun {
    fn summary(&self) -> EarlierSummary<'_> {
        EarlierSummary {
            path: &self.path,
            sha256: self.source.sha256.as_deref(),
            endpoint: &self.endpoint,
            ticket: self.ticket.as_deref(),
            started_at: &self.started_at,
            ids: self.ids.len(),
            traces_requested: self.requested.len(),
        }
    }

    fn read(path: &Path) -> Result<EarlierRun, Exit> {
        use sha2::Digest;
        let at = |what: String| {
            usage(format!(
                "--from-report {}: {what}; nothing was sent",
                path.display()
            ))
        };
        let meta = std::fs::metadata(path).map_err(|e| at(e.to_string()))?;
        if meta.len() > MAX_REPORT_BYTES {
            return Err(at(format!(
                "{} bytes, more than a report holds",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| at(e.to_string()))?;
        let doc: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| at(format!("not JSON ({e})")))?;
        let text = |key: &str| doc.get(key).and_then(|v| v.as_str());
        if text("tool") != Some(env!("CARGO_BIN_NAME")) {
            return Err(at(format!(
                "not a report of {} (its `tool` is {})",
                env!("CARGO_BIN_NAME"),
                doc.get("tool")
                    .map_or_else(|| "absent".to_owned(), |v| v.to_string())
            )));
        }
        let Some(by_outcome) = doc.get("ids").and_then(|v| v.as_object()) else {
            return Err(at(
                "not a hard-delete report (it has no `ids` by outcome; a verify report is not the evidence of a deletion)".into(),
            ));
        };
        if doc.get("dry_run").and_then(|v| v.as_bool()) == Some(true) {
            return Err(at("the report of a --dry-run: it deleted nothing".into()));
        }
        let uuid_at = |v: &serde_json::Value, pointer: String| -> Result<Uuid, Exit> {
            v.as_str()
                .and_then(|s| Uuid::try_parse(s).ok())
                .ok_or_else(|| at(format!("{pointer}: not a UUID ({v})")))
        };
        let mut ids = Vec::new();
        let mut already = Vec::new();
        for (outcome, list) in by_outcome {
            let Some(list) = list.as_array() else {
                return Err(at(format!("ids.{outcome}: not an array")));
            };
            for (i, v) in list.iter().enumerate() {
                let id = uuid_at(v, format!("ids.{outcome}[{i}]"))?;
                ids.push(id);
                if outcome == "already_deleted" {
                    already.push(id);
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        already.sort_unstable();
        let started_at = text("started_at")
            .ok_or_else(|| at("no `started_at`".into()))?
            .to_owned();
        let deleted_at = chrono::DateTime::parse_from_rfc3339(&started_at)
            .map_err(|e| at(format!("started_at {started_at:?}: not RFC 3339 ({e})")))?;
        let mut requested = Vec::new();
        if let Some(traces) = doc.pointer("/runs/traces").and_then(|v| v.as_array()) {
            for (i, t) in traces.iter().enumerate() {
                if t.get("outcome").and_then(|v| v.as_str()) != Some("deletion_requested") {
                    continue;
                }
                let field = |k: &str| {
                    uuid_at(
                        t.get(k).unwrap_or(&serde_json::Value::Null),
                        format!("runs.traces[{i}].{k}"),
                    )
                };
                requested.push(TraceKey {
                    session_id: field("session_id")?,
                    trace_id: field("trace_id")?,
                });
            }
        }
        // The lookup's window, API and datasets (reports from before the v2 runs query
        // have none: the read-back then reads the examples' scope afresh).
        let runs = match doc.pointer("/runs/lookup/window") {
            None | Some(serde_json::Value::Null) => None,
            Some(w) => {
                let time = |k: &str| -> Result<SystemTime, Exit> {
                    let v = w.get(k).and_then(|v| v.as_str()).ok_or_else(|| {
                        at(format!("runs.lookup.window.{k}: absent or not a string"))
                    })?;
                    chrono::DateTime::parse_from_rfc3339(v)
                        .map(|t| SystemTime::from(t.to_utc()))
                        .map_err(|e| {
                            at(format!("runs.lookup.window.{k} {v:?}: not RFC 3339 ({e})"))
                        })
                };
                let api = match doc.pointer("/runs/lookup/runs_api") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(v) => Some(v.as_str().and_then(langsmith::RunsApi::parse).ok_or_else(
                        || {
                            at(format!(
                                "runs.lookup.runs_api: {v} is neither \"v2\" nor \"v1\""
                            ))
                        },
                    )?),
                };
                let mut datasets = Vec::new();
                for (i, v) in doc
                    .pointer("/runs/lookup/datasets")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    datasets.push(uuid_at(v, format!("runs.lookup.datasets[{i}]"))?);
                }
                Some(traces::Recorded {
                    api,
                    window: langsmith::TimeWindow {
                        min_start_time: time("min_start_time")?,
                        max_start_time: time("max_start_time")?,
                    },
                    datasets,
                })
            }
        };
        let endpoint = text("endpoint")
            .ok_or_else(|| at("no `endpoint`".into()))?
            .to_owned();
        Ok(EarlierRun {
            path: path.to_owned(),
            source: report::InputSource {
                source: path.display().to_string(),
                sha256: Some(format!("{:x}", sha2::Sha256::digest(&bytes))),
                bytes: bytes.len() as u64,
                lines: ids.len() as u64,
            },
            ids,
            already,
            deleted_at: Some(SystemTime::from(deleted_at.to_utc())),
            requested,
            runs,
            endpoint,
            ticket: text("ticket").map(str::to_owned),
            started_at,
        })
    }

    /// The report must be of the endpoint this run reads (not checked under `--mock`,
    /// whose stand-in is new each run).
    fn check_endpoint(&self, cli: &Cli, target: &connect::Target) -> Result<(), Exit> {
        if cli.mock() || self.endpoint == target.endpoint {
            return Ok(());
        }
        Err(usage(format!(
            "--from-report {}: that run was at {}, this one would read {}; pass --endpoint {} (and its key); nothing was sent",
            self.path.display(),
            self.endpoint,
            target.endpoint,
            self.endpoint
        )))
    }
}
