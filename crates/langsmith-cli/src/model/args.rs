//! The invocation as typed values: the global options every command takes, and the
//! options the three commands share (one `#[command(flatten)]` each).

/// Options of every command (`global = true`: accepted before or after the command).
#[derive(clap::Args, Debug)]
pub struct Global {
    /// API endpoint (default: $LANGSMITH_ENDPOINT, else https://api.smith.langchain.com).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "URL"
    )]
    pub endpoint: Option<String>,
    /// Workspace id (a UUID), sent as X-Tenant-Id (default: $LANGSMITH_WORKSPACE_ID).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "ID"
    )]
    pub workspace_id: Option<String>,
    /// Read the API key from this file, or `-` for stdin (default: $LANGSMITH_API_KEY).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "PATH"
    )]
    pub api_key_file: Option<String>,
    /// The CLI login profile to read (default: $LANGSMITH_PROFILE, else the config file's
    /// current profile). Flags win over the environment, which wins over the profile.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// Seconds allowed per attempt (0.001 to 3600).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "SECS",
        default_value_t = 30.0
    )]
    pub timeout: f64,
    /// Retries per request for 408/429/5xx/connection failures (0 to 100).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "N",
        default_value_t = 5
    )]
    pub max_retries: u32,
    /// Allow plain http:// off loopback (self-hosted installs on an internal network):
    /// the API key then travels unencrypted.
    #[arg(long, global = true, help_heading = "Global options")]
    pub allow_insecure_http: bool,
    /// Run against an embedded stand-in server on loopback, seeded with the ids given, or
    /// (with selectors) with 10,000 examples in the dataset --dataset names, one in 50
    /// holding the marker jane.doe@example.com. Under `case`: the stand-in's person
    /// workspace, whose fictitious person is `--match maria.keller@example.org --match
    /// "Maria Keller" --match CUST-48213`, kept in CASE/mock-workspace/ from one command
    /// to the next.
    #[cfg(feature = "mock")]
    #[arg(long, global = true, help_heading = "Global options", conflicts_with_all = ["endpoint", "workspace_id", "api_key_file", "profile"])]
    pub mock: bool,
    /// The erasure request's reference (a ticket or case number), recorded in every
    /// report.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "REF"
    )]
    pub ticket: Option<String>,
    /// Record selector values (--contains, --metadata, --filter) in reports as they are.
    /// By default a report records each as a salted SHA-256 (the salt is in the report),
    /// since the report proves the erasure of the person they name: an auditor given the
    /// value can confirm it, a reader of the report cannot learn it.
    #[arg(long, global = true, help_heading = "Global options")]
    pub plain_selectors: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, help_heading = "Global options", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No progress bar and only errors on stderr.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
}

impl Global {
    pub fn mock(&self) -> bool {
        #[cfg(feature = "mock")]
        return self.mock;
        #[cfg(not(feature = "mock"))]
        false
    }
}

/// What to print on stdout.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
}

/// Options `select`, `hard-delete` and `verify` share.
#[derive(clap::Args, Debug)]
pub struct Shared {
    /// Requests in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Client-side limit, requests per minute (LangSmith allows 2000/min per key).
    #[arg(long, value_name = "PER_MIN")]
    pub rate_limit: Option<u32>,
    /// What to print on stdout: `text`, or `json` (the command's document: the report,
    /// or for `select` the ids with the selectors and the count).
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}
