//! `case`: a workspace-wide erasure case (`open`, `find`, `erase`, `verify`, `show`).

use crate::model::args::Global;
use crate::model::exit::{self, Exit, ExitStatus, usage};
use crate::ops::{case, connect};
use crate::present;
use langsmith_case::case::{Case, CaseDir, PlaceState};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Open a case: create the directory CASE, record the identifiers as salted hashes,
    /// the dates and the deadline (needs the global --ticket REF).
    #[command(after_help = exit::CASE_CODES)]
    Open(Open),
    /// Search the workspace for the identifiers (read-only): examples in every dataset,
    /// the experiment traces that copied them, traces of every project, the examples'
    /// source runs, feedback comments, public share links; rules and exports as warnings.
    #[command(after_help = exit::CASE_CODES)]
    Find(Find),
    /// Erase what the case found: each example re-checked and hard-deleted, each
    /// experiment trace re-checked and its deletion requested; asks first unless --yes.
    #[command(after_help = exit::CASE_CODES)]
    Erase(Erase),
    /// Read every item back and search again: erased, pending (when to look again), or
    /// data left; new copies are added to the case for the next erase.
    #[command(after_help = exit::CASE_CODES)]
    Verify(Verify),
    /// Show the case: text, json (case.json), or markdown (a one-page summary to file).
    #[command(after_help = exit::CASE_CODES)]
    Show(Show),
}

/// The person's identifiers, given to every command again.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct Matches {
    /// An identifier of the person (an email, a name, a customer id); repeatable.
    #[arg(long = "match", value_name = "TEXT")]
    matches: Vec<String>,
    /// A file with one identifier per line (`-`: stdin); blank lines skipped.
    #[arg(long, value_name = "PATH")]
    match_file: Option<String>,
}

impl Matches {
    fn read(&self, global: &Global) -> Result<Vec<langsmith_case::case::Identifier>, Exit> {
        if self.match_file.as_deref() == Some("-") && global.api_key_file.as_deref() == Some("-") {
            return Err(usage(
                "--match-file - and --api-key-file - cannot both read stdin",
            ));
        }
        case::identifiers(&self.matches, self.match_file.as_deref())
    }
}

#[derive(clap::Args)]
struct Open {
    /// The case directory (created; must not exist).
    case: PathBuf,
    /// When the request was received, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    received: Option<String>,
    /// When it must be answered, YYYY-MM-DD (default: one calendar month after
    /// --received, GDPR Art. 12(3); under the CCPA give 45 days).
    #[arg(long, value_name = "DATE")]
    deadline: Option<String>,
    #[command(flatten)]
    matches: Matches,
}

#[derive(clap::Args)]
struct Find {
    /// The case directory.
    case: PathBuf,
    #[command(flatten)]
    matches: Matches,
    /// Read every run of the window and check it here, instead of the server's search
    /// (which indexes 250 characters of a value and drops stop words: it cannot prove
    /// absence). Says what it will read, and how long that takes, first.
    #[arg(long)]
    scan: bool,
    /// Search traces that started on or after DATE, YYYY-MM-DD (default: each project's
    /// start).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
}

#[derive(clap::Args)]
struct Verify {
    /// The case directory.
    case: PathBuf,
    #[command(flatten)]
    matches: Matches,
}

#[derive(clap::Args)]
struct Erase {
    /// The case directory.
    case: PathBuf,
    #[command(flatten)]
    matches: Matches,
    /// Do not ask (required without a terminal).
    #[arg(short = 'y', long)]
    yes: bool,
    /// Show what would be sent, send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(clap::Args)]
struct Show {
    /// The case directory.
    case: PathBuf,
    /// `text`, `json` (case.json as recorded) or `markdown` (a one-page summary).
    #[arg(short = 'o', long, value_enum, default_value_t = present::case::Format::Text)]
    output: present::case::Format,
}

/// `case ...`.
pub async fn run(global: &Global, args: &Args) -> Result<ExitStatus, Exit> {
    if !matches!(args.command, Command::Open(_) | Command::Show(_)) {
        present::term::exit_on_interrupt();
    }
    match &args.command {
        Command::Open(a) => open(global, a),
        Command::Find(a) => find(global, a).await,
        Command::Erase(a) => erase(global, a).await,
        Command::Verify(a) => verify(global, a).await,
        Command::Show(a) => show(a),
    }
}

fn open(global: &Global, a: &Open) -> Result<ExitStatus, Exit> {
    let ticket = global
        .ticket
        .as_deref()
        .ok_or_else(|| usage("case open needs --ticket REF (the erasure request's reference)"))?;
    let received = match &a.received {
        Some(d) => case::date("--received", d)?,
        None => case::today(),
    };
    if received > case::today() {
        return Err(usage(format!(
            "--received {received}: a date in the future (today is {})",
            case::today()
        )));
    }
    let deadline = a
        .deadline
        .as_deref()
        .map(|d| case::date("--deadline", d))
        .transpose()?;
    let given = a.matches.read(global)?;
    let new = Case::new(ticket, received, deadline, &given, &case::now()).map_err(case::exit)?;
    let dir = CaseDir::create(&a.case, new).map_err(case::exit)?;
    present::case::opened(dir.path(), dir.case(), case::today());
    Ok(ExitStatus::Success)
}

/// Under `--mock`, the stand-in's workspace is kept here, inside the case directory: the
/// person workspace (`langsmith_mock::person`), made by the first command that talks to
/// it and served as the last one left it, so `find`, `erase` and `verify` work on the same
/// data across processes. It holds the fictitious person's seeded data (it is the
/// stand-in's store, not the case's record: delete it freely).
pub const MOCK_WORKSPACE_DIR: &str = "mock-workspace";

async fn target(global: &Global, case_dir: &std::path::Path) -> Result<connect::Target, Exit> {
    let mock_dir = case_dir.join(MOCK_WORKSPACE_DIR);
    super::connect(
        global,
        connect::Connect {
            rate_limit: None,
            needs_key: true,
            seed: connect::Seed::Person(&mock_dir),
            with_runs: false,
        },
    )
    .await
}

/// Binds the case to where `target` points (its first command that talks to a
/// LangSmith), or refuses another endpoint or workspace before anything is sent.
fn bind(dir: &mut CaseDir, target: &connect::Target) -> Result<(), Exit> {
    dir.bind(
        langsmith_case::case::CaseTarget {
            endpoint: target.journal_identity.clone(),
            workspace: target.workspace.clone(),
        },
        &case::now(),
    )
    .map_err(case::exit)
}

async fn find(global: &Global, a: &Find) -> Result<ExitStatus, Exit> {
    connect::check_common(global, None, 1, None)?;
    let since = a
        .since
        .as_deref()
        .map(|d| case::date("--since", d))
        .transpose()?;
    if let Some(d) = since
        && d > case::today()
    {
        return Err(usage(format!("--since {d}: a date in the future")));
    }
    let given = a.matches.read(global)?;
    let (mut dir, who) = case::load(&a.case, &given)?;
    let target = target(global, &a.case).await?;
    bind(&mut dir, &target)?;
    let client = &target.client;
    let options = langsmith_case::find::FindOptions {
        since: since.map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().into()),
        scan: a.scan,
        beyond_examples: false,
        fresh: false,
    };
    if a.scan {
        match langsmith_case::find::scan_plan(client).await {
            Ok(plan) => present::case::scan_notice(&plan),
            Err(e) => return Ok(step_status(Some(&e), true)),
        }
    }
    let searched = langsmith_case::find::all(client, &mut dir, &who, &options, &case::now)
        .await
        .map_err(case::exit)?;
    let statuses: Vec<ExitStatus> = searched
        .iter()
        .map(|s| step_status(s.error.as_ref(), s.state == PlaceState::Incomplete))
        .collect();
    present::case::found(dir.case());
    Ok(decisive(statuses))
}

async fn erase(global: &Global, a: &Erase) -> Result<ExitStatus, Exit> {
    connect::check_common(global, None, 1, None)?;
    let given = a.matches.read(global)?;
    let (mut dir, who) = case::load(&a.case, &given)?;
    dir.case().require_searched().map_err(case::exit)?;
    let plan = langsmith_case::erase::plan(dir.case());
    present::case::erase_plan(&plan, a.dry_run);
    if a.dry_run || plan.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let target = target(global, &a.case).await?;
    bind(&mut dir, &target)?;
    if !a.yes {
        present::case::confirm(&plan, &target, a.matches.match_file.as_deref() == Some("-"))?;
    }
    let out = langsmith_case::erase::erase(&target.client, &mut dir, &who, &case::now)
        .await
        .map_err(case::exit)?;
    present::case::erased(dir.case(), &out);
    Ok(step_status(out.error.as_ref(), out.failed > 0))
}

async fn verify(global: &Global, a: &Verify) -> Result<ExitStatus, Exit> {
    use langsmith_case::verify::Verdict;
    connect::check_common(global, None, 1, None)?;
    let given = a.matches.read(global)?;
    let (mut dir, who) = case::load(&a.case, &given)?;
    dir.case().require_searched().map_err(case::exit)?;
    let target = target(global, &a.case).await?;
    bind(&mut dir, &target)?;
    let v = langsmith_case::verify::verify(&target.client, &mut dir, &who, &case::now)
        .await
        .map_err(case::exit)?;
    present::case::verified(dir.case(), &v);
    Ok(decisive([
        step_status(v.error.as_ref(), false),
        match v.verdict {
            Verdict::Closed => ExitStatus::Success,
            Verdict::Pending => ExitStatus::Pending,
            Verdict::DataLeft => ExitStatus::NotErased,
            _ => ExitStatus::Partial,
        },
    ]))
}

/// A command's status from its steps': the endpoint or the key (3, 4) when a step was
/// stopped by them, else the worst.
fn decisive(statuses: impl IntoIterator<Item = ExitStatus>) -> ExitStatus {
    let statuses: Vec<ExitStatus> = statuses.into_iter().collect();
    statuses
        .iter()
        .copied()
        .find(|s| matches!(s, ExitStatus::Auth | ExitStatus::Unreachable))
        .unwrap_or_else(|| ExitStatus::worst(statuses))
}

/// A step's status: what stopped it, said on stderr, decides when it is the endpoint or
/// the key (3 or 4: every request would fail the same way, whatever items it left
/// failed or places incomplete); otherwise the worst of it and the partial result.
fn step_status(error: Option<&langsmith::Error>, partial: bool) -> ExitStatus {
    if let Some(e) = error {
        present::case::stopped_by(e);
        let status = ExitStatus::of_error(e);
        if matches!(status, ExitStatus::Auth | ExitStatus::Unreachable) {
            return status;
        }
    }
    ExitStatus::worst([
        error.map_or(ExitStatus::Success, ExitStatus::of_error),
        if partial {
            ExitStatus::Partial
        } else {
            ExitStatus::Success
        },
    ])
}

fn show(a: &Show) -> Result<ExitStatus, Exit> {
    let case = CaseDir::read(&a.case).map_err(case::exit)?;
    present::case::show(&case, a.output, case::today());
    Ok(ExitStatus::Success)
}
