//! From flags, the environment and the login profile (or the embedded stand-in) to a
//! client: the plumbing every command shares.

use crate::model::args::Global;
use crate::model::exit::{Exit, usage};
use crate::ops::input;
use crate::util::text::chain_lines;
use langsmith::{Client, ClientBuilder, RetryPolicy, Uuid};
use std::time::Duration;

/// Checks shared by every command: stdin used once, numbers in range.
pub(crate) fn check_common(
    cli: &Global,
    ids_file: Option<&str>,
    concurrency: usize,
    rate_limit: Option<u32>,
) -> Result<(), Exit> {
    if ids_file == Some("-") && cli.api_key_file.as_deref() == Some("-") {
        return Err(usage(
            "--ids-file - and --api-key-file - cannot both read stdin",
        ));
    }
    if !(1..=64).contains(&concurrency) {
        return Err(usage(format!(
            "--concurrency {concurrency} is outside 1..=64"
        )));
    }
    if let Some(r) = rate_limit
        && !(1..=1_000_000).contains(&r)
    {
        return Err(usage(format!(
            "--rate-limit {r} is outside 1..=1000000 per minute"
        )));
    }
    if !(cli.timeout.is_finite() && (0.001..=3600.0).contains(&cli.timeout)) {
        return Err(usage(format!(
            "--timeout {} is outside 0.001..=3600 seconds",
            cli.timeout
        )));
    }
    if cli.max_retries > 100 {
        return Err(usage(format!(
            "--max-retries {} is outside 0..=100",
            cli.max_retries
        )));
    }
    Ok(())
}

/// The client, from the flags, the environment, or the embedded stand-in.
pub(crate) struct Target {
    pub(crate) client: Client,
    pub(crate) endpoint: String,
    pub(crate) workspace: Option<String>,
    /// What a journal is bound to: the endpoint, or under `--mock` the embedded stand-in
    /// (its port changes from run to run; its seeded workspace and ids do not), so an
    /// interrupted `--mock` run resumes like any other.
    pub(crate) journal_identity: String,
    /// What the user should know before anything is sent (said by the caller).
    pub(crate) warnings: Vec<String>,
    #[cfg(feature = "mock")]
    pub(crate) mock: Option<langsmith_mock::MockServer>,
}

impl Target {
    pub(crate) fn shown_workspace(&self) -> &str {
        self.workspace.as_deref().unwrap_or("(the key's default)")
    }
}

/// What the stand-in behind `--mock` is seeded with.
#[cfg_attr(not(feature = "mock"), allow(dead_code))]
pub(crate) enum Seed<'a> {
    /// These ids, as examples holding data.
    Ids(&'a [Uuid]),
    /// 10,000 examples in a dataset of this name (or the default), some holding the
    /// demo marker.
    Dataset(Option<&'a str>),
    /// The person workspace (`langsmith_mock::person`: one fictitious person across
    /// datasets, projects, feedback and shares), kept in this data directory: made by the
    /// first command, served as that command left it by the next (`case ... --mock`).
    Person(&'a std::path::Path),
}

/// How to connect.
pub(crate) struct Connect<'a> {
    pub(crate) rate_limit: Option<u32>,
    /// Whether a missing API key is an error (a dry run needs none).
    pub(crate) needs_key: bool,
    pub(crate) seed: Seed<'a>,
    /// Under `--mock`: seed experiment traces over the examples (`--with-runs`). Read only
    /// by the `mock` feature's stand-in.
    #[cfg_attr(not(feature = "mock"), allow(dead_code))]
    pub(crate) with_runs: bool,
}

/// The journal's endpoint under `--mock`.
const MOCK_IDENTITY: &str = "langsmith-mock (embedded, --mock)";

/// Under `--mock`: one example in this many was made from a run (`source_run_id`).
#[cfg(feature = "mock")]
const MOCK_SOURCE_RUNS_EVERY: u64 = 10;
/// Under `--mock`: one example in this many has an attachment.
#[cfg(feature = "mock")]
const MOCK_ATTACHMENTS_EVERY: u64 = 25;
/// Under `--mock --with-runs`: experiment sessions over every example.
#[cfg(feature = "mock")]
const MOCK_EXPERIMENTS: usize = 2;

/// Examples the stand-in holds for a selector run under `--mock`.
#[cfg(feature = "mock")]
pub(crate) const MOCK_SEEDED: usize = 10_000;

pub(crate) async fn connect(cli: &Global, opts: Connect<'_>) -> Result<Target, Exit> {
    let base = if cli.mock() {
        ClientBuilder::default()
    } else {
        ClientBuilder::from_env_and_profile(cli.profile.as_deref())
            .map_err(|e| usage(format!("{}; nothing was sent", chain_lines(&e))))?
    };
    let mut builder = base
        .timeout(Duration::from_secs_f64(cli.timeout))
        .retry_policy(RetryPolicy {
            max_retries: cli.max_retries,
            ..RetryPolicy::default()
        })
        .allow_insecure_http(cli.allow_insecure_http);
    if let Some(r) = opts.rate_limit {
        builder = builder.rate_limit_per_minute(r);
    }
    #[cfg(feature = "mock")]
    let mut mock = None;
    if cli.mock() {
        #[cfg(feature = "mock")]
        {
            let mut b = langsmith_mock::MockServer::builder();
            let person = matches!(opts.seed, Seed::Person(_));
            match opts.seed {
                Seed::Ids(ids) => {
                    b.example_ids(ids.iter().copied());
                }
                Seed::Person(dir) => {
                    // Trace deletions are carried out at once (delay 0), so a later
                    // `verify` can close the case.
                    b.person_workspace()
                        .run_delete_delay(Duration::ZERO)
                        .data_dir(dir);
                }
                Seed::Dataset(name) => {
                    let name = name
                        .filter(|n| Uuid::try_parse(n).is_err())
                        .unwrap_or(langsmith_mock::DEFAULT_DATASET);
                    b.dataset(name)
                        .marker(
                            langsmith_mock::DEMO_MARKER,
                            langsmith_mock::DEMO_MARKER_EVERY,
                        )
                        .examples(MOCK_SEEDED);
                }
            }
            // As LangSmith holds them: some examples made from a run, some with an
            // attachment; with --with-runs, two experiments over every example. (The
            // person workspace seeds its own.)
            if !person {
                b.source_runs_every(MOCK_SOURCE_RUNS_EVERY)
                    .attachments_every(MOCK_ATTACHMENTS_EVERY);
            }
            if opts.with_runs {
                b.experiment_sessions(MOCK_EXPERIMENTS);
            }
            b.record_requests(false);
            let server = b
                .start()
                .await
                .map_err(|e| usage(format!("cannot start the stand-in server: {e}")))?;
            builder = builder
                .endpoint(server.url())
                .api_key(server.api_key())
                .workspace_id(server.workspace_id().to_string());
            mock = Some(server);
        }
    } else {
        let _ = &opts.seed;
        if let Some(e) = &cli.endpoint {
            builder = builder.endpoint(e);
        }
        if let Some(ws) = &cli.workspace_id {
            builder = builder.workspace_id(ws);
        }
        if let Some(ws) = builder.configured_workspace_id()
            && Uuid::try_parse(ws).is_err()
        {
            let from = if cli.workspace_id.is_some() {
                "--workspace-id"
            } else {
                "LANGSMITH_WORKSPACE_ID"
            };
            return Err(usage(format!(
                "{from} {}: a workspace id is a UUID; nothing was sent",
                langsmith::quote_value(ws)
            )));
        }
        if let Some(path) = &cli.api_key_file {
            let key = input::read_secret(path)
                .map_err(|e| usage(format!("--api-key-file {path}: {e}")))?;
            if key.is_empty() {
                return Err(usage(format!("--api-key-file {path}: the file is empty")));
            }
            builder = builder.api_key(key);
        }
        if opts.needs_key && !builder.has_credentials() {
            return Err(usage(
                "no API key: set LANGSMITH_API_KEY or pass --api-key-file PATH (never the key itself)",
            ));
        }
    }
    let mut warnings = Vec::new();
    if cli.allow_insecure_http && builder.configured_endpoint().starts_with("http://") {
        warnings.push(format!(
            "--allow-insecure-http: the API key travels unencrypted to {}",
            builder.configured_endpoint()
        ));
    }
    let sources = builder.sources();
    tracing::info!(
        "endpoint {} from {}; credential from {}; workspace from {}",
        builder.configured_endpoint(),
        sources.endpoint,
        sources.credential,
        sources.workspace_id
    );
    let endpoint = builder.configured_endpoint().to_owned();
    let workspace = builder.configured_workspace_id().map(str::to_owned);
    let client = builder
        .build()
        .map_err(|e| usage(format!("{}; nothing was sent", chain_lines(&e))))?;
    let journal_identity = if cli.mock() {
        MOCK_IDENTITY.to_owned()
    } else {
        endpoint.clone()
    };
    Ok(Target {
        client,
        endpoint,
        workspace,
        journal_identity,
        warnings,
        #[cfg(feature = "mock")]
        mock,
    })
}
