//! `langsmith-mock serve`: the stand-in server as a process.

use clap::{Args, Parser, Subcommand};
use langsmith_mock::{EndlessPages, Faults, Lies, MockServer, RunsApi, UnknownIds};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "langsmith-mock",
    version,
    about = "A local LangSmith stand-in: hard-delete examples, and the reads that find and verify them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve until interrupted (on loopback unless --host says otherwise).
    Serve(Serve),
}

#[derive(Args)]
struct Serve {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind. The default, 127.0.0.1, is loopback only; 0.0.0.0 (or any other
    /// address) serves other machines too, with made-up credentials: a warning is printed.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// API key, optionally KEY=WORKSPACE_UUID (repeatable). With none, one is made and printed.
    #[arg(long = "api-key", value_name = "KEY[=WORKSPACE]")]
    api_keys: Vec<String>,
    /// Seed this many random examples in the default workspace.
    #[arg(long, default_value_t = 0)]
    seed: usize,
    /// The name of the dataset the seeded examples go to.
    #[arg(long, default_value = langsmith_mock::DEFAULT_DATASET)]
    dataset: String,
    /// A findable string put into the inputs of some seeded examples (an email address
    /// standing for a person an erasure request names).
    #[arg(long, default_value = langsmith_mock::DEMO_MARKER)]
    marker: String,
    /// One seeded example in this many holds the marker (chosen by id).
    #[arg(long, default_value_t = langsmith_mock::DEMO_MARKER_EVERY)]
    marker_every: u64,
    /// Write the seeded ids, one per line.
    #[arg(long, value_name = "FILE")]
    ids_out: Option<PathBuf>,
    /// Seed the ids in this file (one per line; blank lines and # comments ignored).
    #[arg(long, value_name = "FILE")]
    ids_file: Option<PathBuf>,
    /// Unknown ids: `404` (404 whose details name them; nothing deleted; the default),
    /// `404-bare` (404 naming no ids) or `ignore` (200 counting those found).
    #[arg(long, default_value = "404", value_parser = ["404", "404-bare", "ignore"])]
    unknown_ids: String,
    /// Seed of the fault draws.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// Latency per request, milliseconds: each response leaves no sooner than this after its request arrived.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Uniform extra latency up to this, milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Fraction of requests answered 429.
    #[arg(long, default_value_t = 0.0)]
    fault_429: f64,
    /// Retry-After seconds sent with injected 429s.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Fraction of requests answered 500.
    #[arg(long, default_value_t = 0.0)]
    fault_500: f64,
    /// Fraction of requests answered 502 (JSON error body).
    #[arg(long, default_value_t = 0.0)]
    fault_502: f64,
    /// Fraction of requests answered 503.
    #[arg(long, default_value_t = 0.0)]
    fault_503: f64,
    /// Fraction of requests answered 504.
    #[arg(long, default_value_t = 0.0)]
    fault_504: f64,
    /// Fraction answered with a 502 HTML page.
    #[arg(long, default_value_t = 0.0)]
    fault_html: f64,
    /// Fraction whose connection closes mid-response (after deleting).
    #[arg(long, default_value_t = 0.0)]
    fault_close: f64,
    /// Fraction answered with a truncated JSON body (after deleting).
    #[arg(long, default_value_t = 0.0)]
    fault_truncated: f64,
    /// Fraction answered with a non-JSON body (after deleting).
    #[arg(long, default_value_t = 0.0)]
    fault_non_json: f64,
    /// Per-key limit, requests per minute.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Lie: listing and counting examples accept this query parameter but ignore it, as
    /// an older server would (repeatable), e.g. `full_text_contains`.
    #[arg(long, value_name = "NAME")]
    fault_ignore_param: Vec<String>,
    /// Lie: the `dataset` filter leaks the first N examples of every other dataset; N
    /// examples are seeded in a second dataset named `other` for it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    fault_foreign_examples: usize,
    /// Lie: pages past the end of a listing come back full: `repeat` (the first page
    /// again) or `fresh` (made-up examples never listed before).
    #[arg(long, value_name = "MODE", value_parser = ["repeat", "fresh"])]
    fault_endless_pages: Option<String>,
    /// Lie: every read answers 200 with an HTML page instead of its JSON.
    #[arg(long)]
    fault_html_200: bool,
    /// The first N runs delete requests answer 500 before anything is queued.
    #[arg(long, value_name = "N", default_value_t = 0)]
    fault_runs_delete_500_first: u32,
    /// Lie: the runs query ignores its `reference_example` filter.
    #[arg(long)]
    fault_runs_ignore_reference_example: bool,
    /// Lie: the runs queries' (v1 and v2) next cursor always leads back to the first page.
    #[arg(long)]
    fault_runs_endless_cursor: bool,
    /// Lie: the v2 runs query ignores its `reference_examples` filter.
    #[arg(long)]
    fault_runs_v2_ignore_reference_examples: bool,
    /// Every v2 runs query answers 500 (a `shared.ProblemDetails` body).
    #[arg(long)]
    fault_runs_v2_500: bool,
    /// Lie: the v2 runs query parses its `filter`, then answers as if it were absent
    /// (every run of the projects in the window).
    #[arg(long)]
    fault_runs_v2_search_ignores_filter: bool,
    /// Lie: `DELETE /api/v1/feedback/{id}` answers 404 for feedback that exists, and keeps it.
    #[arg(long)]
    fault_feedback_delete_404: bool,
    /// A deterministic fault rule, OPERATION:CONDITION:STATUS (repeatable), e.g.
    /// `runs-query-v2:after-1:500` (the first v2 page answers, every later one 500).
    /// Operations: hard-delete, list-examples, count-examples, read-example,
    /// list-datasets, read-dataset, sessions, runs-query-v1, runs-query-v2, runs-delete;
    /// conditions: always, first-N, after-N.
    #[arg(long = "fault-rule", value_name = "RULE")]
    fault_rules: Vec<langsmith_mock::Rule>,
    /// Which runs query routes to serve: `v1` (`POST /api/v1/runs/query`), `v2`
    /// (`POST /api/v2/runs/query`) or `both`; the other answers 404.
    #[arg(long, default_value = "both", value_parser = ["v1", "v2", "both"])]
    runs_api: String,
    /// Experiment sessions seeded per dataset: each holds one trace per seeded example
    /// (a root run referencing it, with its inputs, and a child run) and one unrelated
    /// trace, spread over the last 90 days (most older than a day).
    #[arg(long, value_name = "N", default_value_t = 0)]
    experiment_sessions: usize,
    /// In how many of those sessions each example has its trace (default: every one).
    #[arg(long, value_name = "K")]
    traces_per_example: Option<usize>,
    /// One seeded example in N has an attachment (`attachment_urls` set); 0: none.
    #[arg(long, value_name = "N", default_value_t = 0)]
    attachments_every: u64,
    /// A runs delete (answered 202, queued) happens this many seconds later.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    run_delete_delay: u64,
    /// A hard-deleted example's attachments are listed this many seconds longer.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    attachment_delay: u64,
    /// Seed the person workspace in the default workspace: one fictitious person (an
    /// email, a full name, a customer id) spread over datasets, tracing projects,
    /// experiments, feedback, share links, a run rule and a bulk export, among other
    /// people's data; the identifiers and what holds them are printed.
    #[arg(long)]
    person: bool,
    /// The person workspace's scale (with --person): datasets, examples per dataset,
    /// plain tracing projects, traces (of three runs each) per project, and how many of a
    /// dataset's examples and of a project's traces hold the person. Default 6,12,4,12,4.
    #[arg(long, value_name = "DATASETS,EXAMPLES,PROJECTS,TRACES,COPIES", value_parser = parse_scale, requires = "person")]
    person_scale: Option<langsmith_mock::person::PersonScale>,
    /// Log each request to stderr, with the query parameters it ignored because the spec
    /// does not declare them (as LangSmith, a FastAPI service, ignores them).
    #[arg(short, long)]
    verbose: bool,
    /// Keep listing a hard-deleted example at the latest version, nulled (the spec's text
    /// alone). By default it is listed no more, as the official SDK's own tests expect of
    /// LangSmith, and read as of a time before the deletion it is there, nulled.
    #[arg(long)]
    hard_deleted_listed: bool,
    /// Date example versions, soft deletes and hard deletes to the whole second, as a
    /// server that keeps whole seconds does (by default they keep microseconds, as
    /// LangSmith's `modified_at` does): to rehearse a read-back "as of before the deletion"
    /// against such a server.
    #[arg(long)]
    whole_second_times: bool,
    /// `GET /info` says the multipart example routes are enabled (as LangSmith does), so
    /// the SDKs write examples through them: the official JS SDK writes examples no other
    /// way. Off by default: the SDKs write examples as JSON.
    #[arg(long)]
    examples_multipart: bool,
    /// Keep the workspace in DIR across restarts (an embedded database, `workspace.redb`;
    /// each write is stored before it is answered). A new or empty DIR is seeded as the
    /// other flags say; a DIR that holds a workspace is served as it was left, and the
    /// seeding flags (--seed, --ids-file, --person, --experiment-sessions, ...) and API
    /// keys it does not hold are refused. Without it, the workspace lives in memory.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

impl Serve {
    /// The seeding flags given (those a stored workspace would contradict).
    fn seeding_flags(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        for (on, name) in [
            (self.seed > 0, "--seed"),
            (self.ids_file.is_some(), "--ids-file"),
            (self.person, "--person"),
            (self.experiment_sessions > 0, "--experiment-sessions"),
            (self.traces_per_example.is_some(), "--traces-per-example"),
            (self.attachments_every > 0, "--attachments-every"),
            (self.fault_foreign_examples > 0, "--fault-foreign-examples"),
            (self.dataset != langsmith_mock::DEFAULT_DATASET, "--dataset"),
            (self.marker != langsmith_mock::DEMO_MARKER, "--marker"),
            (
                self.marker_every != langsmith_mock::DEMO_MARKER_EVERY,
                "--marker-every",
            ),
        ] {
            if on {
                given.push(name);
            }
        }
        given
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let Command::Serve(args) = cli.command;
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(serve(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("langsmith-mock: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// `DATASETS,EXAMPLES,PROJECTS,TRACES,COPIES`: a [`langsmith_mock::person::PersonScale`].
fn parse_scale(text: &str) -> Result<langsmith_mock::person::PersonScale, String> {
    let n: Vec<usize> = text
        .split(',')
        .map(|p| {
            p.trim().parse().map_err(|e| {
                format!(
                    "{p:?}: {e} (expected five numbers: DATASETS,EXAMPLES,PROJECTS,TRACES,COPIES)"
                )
            })
        })
        .collect::<Result<_, _>>()?;
    match n[..] {
        [
            datasets,
            examples_per_dataset,
            projects,
            runs_per_project,
            copies,
        ] => Ok(langsmith_mock::person::PersonScale {
            datasets,
            examples_per_dataset,
            projects,
            runs_per_project,
            copies,
        }),
        _ => Err(format!(
            "{} number(s); expected five: DATASETS,EXAMPLES,PROJECTS,TRACES,COPIES",
            n.len()
        )),
    }
}

fn read_ids(path: &PathBuf) -> Result<Vec<Uuid>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut ids = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        ids.push(
            Uuid::try_parse(line)
                .map_err(|e| format!("{}:{}: {e}: {line:?}", path.display(), i + 1))?,
        );
    }
    Ok(ids)
}

async fn serve(args: Serve) -> Result<(), String> {
    let mut b = MockServer::builder();
    let addr = SocketAddr::new(args.host, args.port);
    if !args.host.is_loopback() {
        eprintln!(
            "langsmith-mock: warning: binding {addr}, not loopback: other machines can reach this stand-in"
        );
    }
    b.bind(addr);
    let mut keys = Vec::new();
    for spec in &args.api_keys {
        let (key, ws) = match spec.split_once('=') {
            Some((k, ws)) => (
                k,
                Some(
                    Uuid::try_parse(ws)
                        .map_err(|e| format!("--api-key {k}=...: workspace: {e}"))?,
                ),
            ),
            None => (spec.as_str(), None),
        };
        keys.push((key.to_owned(), ws));
    }
    // Keys without a workspace share the default one, chosen first.
    let default_ws = keys
        .iter()
        .find_map(|(_, ws)| *ws)
        .unwrap_or_else(Uuid::new_v4);
    b.workspace(default_ws);
    for (k, ws) in &keys {
        b.workspace(ws.unwrap_or(default_ws)).api_key(k.clone());
    }
    b.workspace(default_ws);
    b.dataset(args.dataset.clone());
    b.marker(args.marker.clone(), args.marker_every);
    if let Some(path) = &args.ids_file {
        b.example_ids(read_ids(path)?);
    }
    b.examples(args.seed);
    let list = langsmith_mock::spec::read_operation(langsmith_mock::spec::LIST_EXAMPLES_PATH);
    for name in &args.fault_ignore_param {
        if list.parameter(name).is_none() {
            return Err(format!(
                "--fault-ignore-param {name:?}: GET {} declares no such query parameter",
                langsmith_mock::spec::LIST_EXAMPLES_PATH
            ));
        }
    }
    if args.fault_foreign_examples > 0 {
        b.dataset("other").examples(args.fault_foreign_examples);
        b.dataset(args.dataset.clone());
    }
    b.unknown_ids(match args.unknown_ids.as_str() {
        "ignore" => UnknownIds::Ignore,
        "404-bare" => UnknownIds::NotFoundBare,
        _ => UnknownIds::NotFound,
    });
    b.faults(Faults {
        seed: args.fault_seed,
        latency: Duration::from_millis(args.latency_ms),
        jitter: Duration::from_millis(args.jitter_ms),
        rate_429: args.fault_429,
        retry_after_secs: args.retry_after,
        rate_500: args.fault_500,
        rate_502: args.fault_502,
        rate_503: args.fault_503,
        rate_504: args.fault_504,
        rate_html: args.fault_html,
        rate_close: args.fault_close,
        rate_truncated: args.fault_truncated,
        rate_non_json: args.fault_non_json,
        rate_limit_per_minute: args.rate_limit,
        runs_delete_500_first: args.fault_runs_delete_500_first,
        runs_v2_500: args.fault_runs_v2_500,
        rules: args.fault_rules.clone(),
        lies: Lies {
            ignore_params: args.fault_ignore_param.clone(),
            foreign_examples: args.fault_foreign_examples,
            endless_pages: args.fault_endless_pages.as_deref().map(|m| match m {
                "fresh" => EndlessPages::Fresh,
                _ => EndlessPages::Repeat,
            }),
            html_200: args.fault_html_200,
            runs_ignore_reference_example: args.fault_runs_ignore_reference_example,
            runs_endless_cursor: args.fault_runs_endless_cursor,
            runs_v2_ignore_reference_examples: args.fault_runs_v2_ignore_reference_examples,
            runs_v2_search_ignores_filter: args.fault_runs_v2_search_ignores_filter,
            feedback_delete_404: args.fault_feedback_delete_404,
        },
    });
    b.runs_api(match args.runs_api.as_str() {
        "v1" => RunsApi::V1,
        "v2" => RunsApi::V2,
        _ => RunsApi::Both,
    });
    if let Some(k) = args.traces_per_example {
        b.traces_per_example(k);
    }
    b.experiment_sessions(args.experiment_sessions)
        .attachments_every(args.attachments_every)
        .run_delete_delay(Duration::from_secs(args.run_delete_delay))
        .attachment_delay(Duration::from_secs(args.attachment_delay));
    let scale = args.person_scale.unwrap_or_default();
    if args.person {
        b.person_workspace_scaled(scale);
    }
    b.record_requests(false);
    b.verbose(args.verbose);
    b.hard_deleted_unlisted(!args.hard_deleted_listed);
    b.whole_second_times(args.whole_second_times);
    b.examples_multipart(args.examples_multipart);
    if let Some(dir) = &args.data {
        b.data_dir(dir);
    }
    let server = b.start().await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the port is already in use (pick another with --port, or --port 0 for any free one)"
        ),
        std::io::ErrorKind::InvalidData => format!("--data: {e}"),
        _ => format!("cannot listen on {addr}: {e}"),
    })?;
    if server.restored() {
        let dir = args
            .data
            .as_deref()
            .expect("restored from --data")
            .display();
        let flags = args.seeding_flags();
        if !flags.is_empty() {
            return Err(format!(
                "--data {dir} holds a workspace already: {} would seed another (start without them, or give a new directory)",
                flags.join(", ")
            ));
        }
        if let Some((k, _)) = keys.iter().find(|(k, _)| !server.accepts_api_key(k)) {
            return Err(format!(
                "--data {dir} holds a workspace already, and --api-key {k} is not one of its keys (start without it, or give a new directory)"
            ));
        }
    }
    if let Some(path) = &args.ids_out {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        );
        for id in server.seeded_ids() {
            writeln!(out, "{id}").map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())?;
    }
    println!("langsmith-mock listening on {}", server.url());
    println!("workspace {}", server.workspace_id());
    if keys.is_empty() {
        // A key made up for this throwaway server, printed so a shell demo can use it.
        println!("api key {}", server.api_key());
    }
    if let (true, Some(dir)) = (server.restored(), &args.data) {
        println!(
            "workspace restored from {}: {} example(s), {} run(s), {} session(s)",
            dir.display(),
            server.seeded_ids().len(),
            server.runs().len(),
            server.sessions().len()
        );
        if server.person_copies() != langsmith_mock::person::PersonCopies::default() {
            println!(
                "person workspace: the person is {}",
                langsmith_mock::person::IDENTIFIERS.join(", ")
            );
        }
    } else {
        print_seeded(&args, &server);
    }
    tokio::select! {
        _ = server.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}

/// What a new workspace was seeded with.
fn print_seeded(args: &Serve, server: &MockServer) {
    let scale = args.person_scale.unwrap_or_default();
    // The person workspace's examples are counted apart, below.
    let person_examples = if args.person {
        scale.datasets * scale.examples_per_dataset
    } else {
        0
    };
    println!(
        "{} example(s) seeded in dataset {:?} ({})",
        server.seeded_ids().len() - person_examples,
        args.dataset,
        server
            .dataset_id(&args.dataset)
            .map_or_else(|| "no examples".to_owned(), |id| id.to_string())
    );
    println!(
        "{} of them hold the marker {:?}",
        server.marked_ids().len(),
        args.marker
    );
    if args.person {
        let p = server.person_copies();
        println!(
            "person workspace: the person is {}",
            langsmith_mock::person::IDENTIFIERS.join(", ")
        );
        println!(
            "  {person_examples} example(s) in all; the person's: {} example(s) in {} dataset(s), {} trace(s) holding an identifier in {} session(s), {} experiment trace(s) referencing the person's examples, {} feedback record(s), {} shared run(s), {} shared dataset(s), {} rule(s), {} bulk export(s)",
            p.example_ids().len(),
            p.examples.len(),
            p.traces.values().map(|t| t.len()).sum::<usize>(),
            p.traces.len(),
            p.experiment_traces.values().map(|t| t.len()).sum::<usize>(),
            p.feedback.len(),
            p.shared_runs.len(),
            p.shared_datasets.len(),
            p.rules.len(),
            p.exports.len(),
        );
        println!(
            "  decoy: another person is {}",
            langsmith_mock::person::OTHER.join(", ")
        );
        // What a benchmark's ideal request count is made from (`cargo xtask bench`).
        let ws = server.workspace_id();
        let sessions: Vec<_> = server
            .sessions()
            .into_iter()
            .filter(|s| s.workspace_id == ws)
            .collect();
        let runs = server.run_counts();
        let feedback = server.feedback();
        let experiment_traces: Vec<usize> = p.experiment_traces.values().map(|t| t.len()).collect();
        let record = serde_json::json!({
            "datasets": scale.datasets + usize::from(server.dataset_id(&args.dataset).is_some()),
            "examples_per_dataset": scale.examples_per_dataset,
            "sessions": sessions.len() + 1,
            "runs": sessions.iter().map(|s| runs.get(&s.id).copied().unwrap_or(0)).sum::<usize>(),
            "feedback_per_session": sessions
                .iter()
                .map(|s| feedback.iter().filter(|f| f.session_id == Some(s.id)).count())
                .collect::<Vec<_>>(),
            "experiment_traces_per_session": experiment_traces,
            "person_traces": p.traces.values().map(|t| t.len()).sum::<usize>(),
            "person_examples": p.example_ids().len(),
            "shared": server.shared_runs().len() + server.shared_datasets().len(),
        });
        println!("  record {record}");
    }
}
