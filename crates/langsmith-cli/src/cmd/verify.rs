//! `verify`: read ids back and say per id whether they are erased; with `--with-runs`,
//! whether the traces that referenced them are gone. The ids come from arguments, an
//! ids file, or an earlier hard-delete's report (`--from-report`).

use crate::model::args::{Global, Output, Shared};
use crate::model::exit::{Exit, ExitStatus, usage};
use crate::model::report;
use crate::model::traces::{Recorded, trace_verify_section};
use crate::model::verification::{DeletedAt, verification_section};
use crate::ops::input::{self, IdArgs};
use crate::ops::{connect, traces, verification};
use crate::present;
use crate::util::fs::check_writable;
use langsmith::{TraceKey, Uuid};
use langsmith_case::evidence::{
    self, Document, EarlierSummary, LoadErrorKind, SCHEMA, VerifyReport,
};
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
    /// A time (RFC 3339) before the ids were deleted, when they were listed with their
    /// data. LangSmith stops listing a hard-deleted example: an id no longer listed is
    /// read again as of this time, where a hard delete left null at every version. With
    /// --from-report, the report's start is tried too.
    #[arg(long, value_name = "TIME", conflicts_with = "as_of")]
    deleted_after: Option<String>,
    /// Write the JSON verification report here, atomically.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    #[command(flatten)]
    shared: Shared,
}

/// `verify`: reads ids back and says per id whether they are erased.
pub async fn run(cli: &Global, args: &Args) -> Result<ExitStatus, Exit> {
    let started = SystemTime::now();
    super::check(cli, &args.shared, args.ids_file.as_deref())?;
    let as_of = args
        .as_of
        .as_deref()
        .map(verification::parse_as_of)
        .transpose()?;
    let deleted_after = args
        .deleted_after
        .as_deref()
        .map(verification::parse_deleted_after)
        .transpose()?;
    if let Some(path) = &args.report {
        if args.from_report.as_deref() == Some(path.as_path()) {
            return Err(usage(format!(
                "--report {} is the --from-report file: verify would overwrite the evidence it reads; give another path; nothing was sent",
                path.display()
            )));
        }
        check_writable(path).map_err(|e| usage(format!("--report {e}; nothing was sent")))?;
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
                hash: report::wanted(args.report.as_deref(), args.shared.output),
            })?;
            (input, None)
        }
    };
    let target = super::connect(
        cli,
        connect::Connect {
            rate_limit: args.shared.rate_limit,
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
    present::term::watch_interrupts(cancel.clone());
    // The ids move on to the read-back (which keeps them, sorted, in its report): one
    // copy of them in memory, and a second only when the runs are looked up too.
    let unique = input.set.len();
    let ids = std::mem::take(&mut input.set).into_vec();
    let for_runs = if args.with_runs {
        ids.clone()
    } else {
        Vec::new()
    };
    let at = match as_of {
        Some(t) => verification::ReadAt {
            as_of: Some(t),
            before_deletion: Vec::new(),
        },
        None => verification::ReadAt::latest_then(
            deleted_after.into_iter().chain(
                earlier
                    .as_ref()
                    .and_then(|e| e.deleted_at)
                    .into_iter()
                    .flat_map(|t| langsmith::at_and_a_second_before(t.into())),
            ),
        ),
    };
    // The runs' scope reads the examples no longer listed as of the same times (with
    // --as-of, that time).
    let before_deletion = match at.as_of {
        Some(t) => vec![t],
        None => at.before_deletion.clone(),
    };
    let v = verification::verify_ids(
        &target.client,
        ids,
        at,
        args.shared.concurrency,
        present::term::ticker(cli.quiet, None),
        cancel.clone(),
    )
    .await;
    let trace_verification = if args.with_runs && !cancel.load(Ordering::SeqCst) {
        let requested = earlier
            .as_ref()
            .map_or_else(Vec::new, |e| e.requested.clone());
        present::traces::looking_up(unique, cli.quiet);
        Some(
            traces::verify(
                &target.client,
                &for_runs,
                requested,
                earlier.as_ref().and_then(|e| e.runs.as_ref()),
                &before_deletion,
                args.shared.concurrency,
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
    let exit = ExitStatus::worst([
        ExitStatus::of_verification(&v, deleted_at.overdue(&v)),
        trace_verification
            .as_ref()
            .map_or(ExitStatus::Success, ExitStatus::of_trace_verification),
        ExitStatus::excluded_if(excluded_runs),
        if interrupted {
            ExitStatus::Interrupted
        } else {
            ExitStatus::Success
        },
    ]);
    let digest = if report::wanted(args.report.as_deref(), args.shared.output) {
        let evidence = report::Evidence::of(cli);
        let doc = VerifyReport {
            schema: SCHEMA,
            envelope: evidence.envelope(&target.endpoint, target.workspace.as_deref(), started),
            inputs: input.sources.clone(),
            from_report: earlier.as_ref().map(EarlierRun::summary),
            unique_ids: v.ids().len() as u64,
            verification: verification_section(&v, &deleted_at),
            runs_verification: trace_verification
                .as_ref()
                .map(|t| trace_verify_section(unique, t)),
            interrupted,
            exit_code: exit.code(),
        };
        present::report::write_json(args.report.as_deref(), args.shared.output, &doc)?
    } else {
        None
    };
    if args.shared.output == Output::Text {
        present::verify::summary(
            &v,
            &deleted_at,
            trace_verification.as_ref(),
            earlier.as_ref().map(|e| e.requested.is_empty()),
            exit,
            args.report.as_deref().zip(digest.as_deref()),
        );
    }
    Ok(exit)
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
    runs: Option<Recorded>,
    endpoint: String,
    ticket: Option<String>,
    started_at: String,
}

/// Reports larger than this are refused (a million ids take about 40 MB).
const MAX_REPORT_BYTES: u64 = 1 << 30;

impl EarlierRun {
    fn summary(&self) -> EarlierSummary {
        EarlierSummary {
            path: self.path.clone(),
            sha256: self.source.sha256.clone(),
            endpoint: self.endpoint.clone(),
            ticket: self.ticket.clone(),
            started_at: self.started_at.clone(),
            ids: self.ids.len(),
            traces_requested: self.requested.len(),
        }
    }

    /// Reads an earlier hard-delete's report by type ([`evidence::load`]: this
    /// release's reports through their compatibility path).
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
        let not_a_deletion = || {
            at("not a hard-delete report (it has no `ids` by outcome; a verify report is not the evidence of a deletion)".into())
        };
        let report = match evidence::load(&bytes) {
            Ok(Document::Deletion(r)) => *r,
            Ok(Document::Verify(_)) => return Err(not_a_deletion()),
            Err(e) if e.kind() == LoadErrorKind::UnknownKind => return Err(not_a_deletion()),
            Err(e) => {
                // One line: the place and what is wrong there, then the parser's word.
                let cause = std::error::Error::source(&e)
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default();
                return Err(at(format!("{e}{cause}")));
            }
        };
        if report.dry_run {
            return Err(at("the report of a --dry-run: it deleted nothing".into()));
        }
        let ids = report.all_ids();
        let mut already = report.ids.already_deleted.clone();
        already.sort_unstable();
        let started_at = report.envelope.started_at.clone();
        let deleted_at = chrono::DateTime::parse_from_rfc3339(&started_at)
            .map_err(|e| at(format!("started_at {started_at:?}: not RFC 3339 ({e})")))?;
        let requested = report
            .requested_traces()
            .into_iter()
            .map(|t| TraceKey {
                session_id: t.session_id,
                trace_id: t.trace_id,
            })
            .collect();
        // The lookup's window, API and datasets (reports from before the v2 runs query
        // have none: the read-back then reads the examples' scope afresh).
        let runs = match &report.runs {
            Some(r) => Recorded::of_report(&r.lookup).map_err(at)?,
            None => None,
        };
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
            endpoint: report.envelope.endpoint,
            ticket: report.envelope.ticket,
            started_at,
        })
    }

    /// The report must be of the endpoint this run reads (not checked under `--mock`,
    /// whose stand-in is new each run).
    fn check_endpoint(&self, cli: &Global, target: &connect::Target) -> Result<(), Exit> {
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
