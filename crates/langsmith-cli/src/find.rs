//! Find and prove: `select` (stream the ids a query selects), `verify` (read ids back
//! and say per id whether inputs, outputs and metadata are null), and the pieces
//! `hard-delete --dataset ... --verify` shares with them.

use crate::{Exit, Output, chain_lines, plural, report, usage};
use clap::Args;
use futures_util::{FutureExt, StreamExt};
use langsmith::{
    AsOf, Client, ExampleQuery, Exclusion, Listed, Uuid, Verification, VerifyOptions, VerifyReport,
};
use serde::Serialize;
use std::io::Write;

/// Which examples: the read API's filters. They combine with "and".
#[derive(Args, Clone, Debug, Default)]
pub struct Selectors {
    /// Only examples of this dataset (its exact name, or its UUID).
    #[arg(long, value_name = "NAME|UUID")]
    pub dataset: Option<String>,
    /// Only examples whose inputs or outputs contain TEXT (repeat: all must appear).
    #[arg(long, value_name = "TEXT")]
    pub contains: Vec<String>,
    /// Only examples whose metadata holds every key of this JSON object with its value.
    #[arg(long, value_name = "JSON")]
    pub metadata: Option<String>,
    /// A filter expression in LangSmith's filter language, e.g. `exists(metadata, "user")`.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Only examples in this split (repeat: any of them).
    #[arg(long, value_name = "NAME")]
    pub split: Vec<String>,
}

impl Selectors {
    /// Whether any selector is given.
    pub fn any(&self) -> bool {
        self.dataset.is_some()
            || !self.contains.is_empty()
            || self.metadata.is_some()
            || self.filter.is_some()
            || !self.split.is_empty()
    }

    /// Checks what can be checked without the server; errors say which flag and why.
    pub fn check(&self) -> Result<(), Exit> {
        if let Some(m) = &self.metadata {
            match serde_json::from_str::<serde_json::Value>(m) {
                Ok(serde_json::Value::Object(_)) => {}
                Ok(_) => {
                    return Err(usage(format!(
                        "--metadata {}: must be a JSON object such as '{{\"user\": \"jane\"}}'; nothing was sent",
                        crate::input::quote_value(m)
                    )));
                }
                Err(e) => {
                    return Err(usage(format!(
                        "--metadata {}: not JSON ({e}); nothing was sent",
                        crate::input::quote_value(m)
                    )));
                }
            }
        }
        for (flag, values) in [("--contains", &self.contains), ("--split", &self.split)] {
            if values.iter().any(|v| v.trim().is_empty()) {
                return Err(usage(format!(
                    "{flag} needs a non-empty value; nothing was sent"
                )));
            }
        }
        if self.filter.as_deref().is_some_and(|f| f.trim().is_empty()) {
            return Err(usage("--filter needs an expression; nothing was sent"));
        }
        if self.dataset.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(usage("--dataset needs a name or a UUID; nothing was sent"));
        }
        Ok(())
    }

    /// One line saying what is selected, for messages and the report.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.dataset {
            parts.push(format!("dataset {}", crate::input::quote_value(d)));
        }
        for c in &self.contains {
            parts.push(format!("contains {}", crate::input::quote_value(c)));
        }
        if let Some(m) = &self.metadata {
            parts.push(format!("metadata {m}"));
        }
        if let Some(f) = &self.filter {
            parts.push(format!("filter {}", crate::input::quote_value(f)));
        }
        for s in &self.split {
            parts.push(format!("split {}", crate::input::quote_value(s)));
        }
        parts.join(", ")
    }

    /// The typed query; a dataset name is resolved to its id (one request).
    pub async fn query(&self, client: &Client, prefetch: usize) -> Result<ExampleQuery, Exit> {
        let mut q = ExampleQuery::new().prefetch(prefetch);
        if let Some(d) = &self.dataset {
            let id = match Uuid::try_parse(d.trim()) {
                Ok(id) => id,
                Err(_) => {
                    client
                        .dataset_by_name(d)
                        .await
                        .map_err(|e| request_failed("resolving --dataset", &e))?
                        .id
                }
            };
            q = q.dataset(id);
        }
        for c in &self.contains {
            q = q.contains(c.clone());
        }
        if let Some(m) = &self.metadata
            && let Ok(serde_json::Value::Object(map)) = serde_json::from_str(m)
        {
            q = q.metadata(map);
        }
        if let Some(f) = &self.filter {
            q = q.filter(f.clone());
        }
        for s in &self.split {
            q = q.split(s.clone());
        }
        Ok(q)
    }
}

/// A failed read request as the run's exit: its code from the error's kind.
pub fn request_failed(what: &str, e: &langsmith::Error) -> Exit {
    use langsmith::ErrorKind as K;
    let code = match e.kind() {
        K::Unauthorized | K::Forbidden => crate::EXIT_AUTH,
        K::Transport | K::Timeout | K::Tls => crate::EXIT_UNREACHABLE,
        K::Lookup | K::BadRequest | K::Unprocessable | K::NotFound => crate::EXIT_USAGE,
        _ => crate::EXIT_PARTIAL,
    };
    Exit {
        code,
        message: format!("{what}: {}", chain_lines(e)),
    }
}

/// What a selection found.
pub struct Selection {
    /// Unique ids that passed the client's check, in the order the server listed them.
    pub ids: Vec<Uuid>,
    /// Listed ids that failed the client's check (never deleted), in listing order.
    pub excluded: Vec<(Uuid, Exclusion)>,
    /// The server's count before listing.
    pub counted: u64,
    /// Ids listed more than once (paging shifted under a concurrent change).
    pub repeated: u64,
}

impl Selection {
    /// Unique ids the server listed, selected or excluded.
    pub fn listed(&self) -> u64 {
        (self.ids.len() + self.excluded.len()) as u64
    }
}

/// Counts, then lists every selected id (each once), calling `each` as ids pass the
/// client's check and `idle` whenever the listing waits for the server. A listing that
/// does not end normally is an error: nothing it listed is returned.
pub async fn select_ids(
    client: &Client,
    query: &ExampleQuery,
    mut each: impl FnMut(&Uuid),
    mut idle: impl FnMut(),
) -> Result<Selection, Exit> {
    let counted = client
        .count_examples(query)
        .await
        .map_err(|e| request_failed("counting the selection", &e))?;
    // The count is the server's word: it sizes the first allocation only up to a bound,
    // past which the list grows as ids actually arrive.
    let mut ids = Vec::with_capacity(counted.min(1 << 20) as usize);
    let mut excluded = Vec::new();
    let mut repeated = 0;
    let query = query.clone().counted(counted);
    let mut stream = std::pin::pin!(client.examples(&query));
    loop {
        let item = match stream.next().now_or_never() {
            Some(item) => item,
            None => {
                idle();
                stream.next().await
            }
        };
        let Some(item) = item else { break };
        match item.map_err(|e| request_failed("listing the selection", &e))? {
            Listed::Selected(example) => {
                each(&example.id);
                ids.push(example.id);
            }
            Listed::Excluded { example, reason } => excluded.push((example.id, reason)),
            Listed::Repeated(_) => repeated += 1,
        }
    }
    Ok(Selection {
        ids,
        excluded,
        counted,
        repeated,
    })
}

/// Warns on stderr when the listing and the count disagree, and lists what the client's
/// check excluded (never deleted).
pub fn warn_if_changed(s: &Selection) {
    if s.listed() != s.counted || s.repeated > 0 {
        eprintln!(
            "warning: the server counted {} but listed {} ({} listed twice): the selection changed while it was read",
            s.counted,
            s.listed(),
            s.repeated
        );
    }
    if s.excluded.is_empty() {
        return;
    }
    let mut tally: std::collections::BTreeMap<Exclusion, u64> = Default::default();
    for (_, reason) in &s.excluded {
        *tally.entry(*reason).or_default() += 1;
    }
    let tally: Vec<String> = tally
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    eprintln!(
        "warning: the server listed {} that fail the selectors when checked here ({}); they are excluded and never deleted:",
        plural(s.excluded.len() as u64, "example", "examples"),
        tally.join(", ")
    );
    for (id, reason) in s.excluded.iter().take(crate::input::MAX_LISTED) {
        eprintln!("excluded {id}: {reason} (fails --{})", reason.selector());
    }
    if s.excluded.len() > crate::input::MAX_LISTED {
        eprintln!(
            "... and {}",
            plural(
                (s.excluded.len() - crate::input::MAX_LISTED) as u64,
                "more excluded example",
                "more excluded examples"
            )
        );
    }
}

/// The excluded examples for a JSON document: id and the check it failed.
#[derive(Serialize, Clone, Debug)]
pub struct ExcludedRow {
    pub id: Uuid,
    /// `dataset_mismatch`, `id_mismatch`, `text_not_found`, `metadata_mismatch` or
    /// `split_mismatch`.
    pub reason: &'static str,
}

pub fn excluded_rows(s: &Selection) -> Vec<ExcludedRow> {
    s.excluded
        .iter()
        .map(|(id, r)| ExcludedRow {
            id: *id,
            reason: r.as_str(),
        })
        .collect()
}

/// The last line `select` prints when its listing fails after ids were printed: not an
/// id (nor a comment), so whatever reads the ids as input refuses them all.
pub const INCOMPLETE_LINE: &str =
    "!incomplete: the listing failed (see stderr); the ids above are not the selection";

/// `select`: the ids, one per line, on stdout (or a JSON document); the count on stderr.
pub async fn select(
    client: &Client,
    selectors: &Selectors,
    output: Output,
    quiet: bool,
    prefetch: usize,
) -> Result<u8, Exit> {
    let query = selectors.query(client, prefetch).await?;
    let stdout = std::io::stdout();
    let out = std::cell::RefCell::new(std::io::BufWriter::new(stdout.lock()));
    let write_error = std::cell::RefCell::new(None);
    let selection = select_ids(
        client,
        &query,
        |id| {
            if output == Output::Text
                && write_error.borrow().is_none()
                && let Err(e) = writeln!(out.borrow_mut(), "{id}")
            {
                *write_error.borrow_mut() = Some(e);
            }
        },
        // Each id reaches the reader before the next page is awaited.
        || {
            if write_error.borrow().is_none()
                && let Err(e) = out.borrow_mut().flush()
            {
                *write_error.borrow_mut() = Some(e);
            }
        },
    )
    .await;
    let mut out = out.into_inner();
    let mut write_error = write_error.into_inner();
    let selection = match selection {
        Ok(s) => s,
        Err(exit) => {
            // Ids may already be out: end the stream with a line that is no id, so that
            // a pipeline into `hard-delete --ids-file -` refuses the whole input, even
            // without `set -o pipefail`.
            if output == Output::Text && write_error.is_none() {
                let _ = writeln!(out, "{INCOMPLETE_LINE}");
                let _ = out.flush();
            }
            return Err(exit);
        }
    };
    if output == Output::Json {
        #[derive(Serialize)]
        struct Doc<'a> {
            selectors: String,
            /// Selectors only the server evaluated (not re-checked here).
            server_evaluated: Vec<&'static str>,
            counted: u64,
            count: usize,
            ids: &'a [Uuid],
            /// Listed, but failing a selector when checked here: not selected.
            excluded: Vec<ExcludedRow>,
        }
        let doc = Doc {
            selectors: selectors.describe(),
            server_evaluated: query.server_evaluated(),
            counted: selection.counted,
            count: selection.ids.len(),
            ids: &selection.ids,
            excluded: excluded_rows(&selection),
        };
        let written = serde_json::to_writer(&mut out, &doc)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
        if let Err(e) = written {
            write_error = Some(e);
        }
    }
    if let Err(e) = out.flush() {
        write_error.get_or_insert(e);
    }
    if let Some(e) = write_error {
        // A closed pipe (`| head`) is the reader's choice, not a failure of ours.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(0);
        }
        return Err(Exit {
            code: crate::EXIT_PARTIAL,
            message: format!("cannot write the ids to stdout: {e}"),
        });
    }
    warn_if_changed(&selection);
    if !quiet {
        eprintln!(
            "{} selected ({}){}",
            plural(selection.ids.len() as u64, "example", "examples"),
            selectors.describe(),
            server_word(&query)
        );
    }
    Ok(if selection.excluded.is_empty() {
        0
    } else {
        crate::EXIT_EXCLUDED
    })
}

/// `; --filter is the server's word (not re-checked here)` when a selector is.
pub fn server_word(query: &ExampleQuery) -> String {
    let names = query.server_evaluated();
    if names.is_empty() {
        return String::new();
    }
    let flags: Vec<String> = names.iter().map(|n| format!("--{n}")).collect();
    format!(
        "; {} the server's word (not re-checked here)",
        if flags.len() == 1 {
            format!("{} is", flags[0])
        } else {
            format!("{} are", flags.join(", "))
        }
    )
}

/// Parses `--as-of`: RFC 3339 (`2026-05-01T00:00:00Z`).
pub fn parse_as_of(text: &str) -> Result<AsOf, Exit> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.to_utc())
        .map_err(|e| {
            usage(format!(
                "--as-of {}: not an RFC 3339 time such as 2026-05-01T00:00:00Z ({e}); nothing was sent",
                crate::input::quote_value(text)
            ))
        })
}

/// Reads `ids` back with a progress line; Ctrl-C stops starting requests.
pub async fn verify_ids(
    client: &Client,
    ids: Vec<Uuid>,
    as_of: Option<AsOf>,
    concurrency: usize,
    quiet: bool,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> VerifyReport {
    let progress = crate::progress_bar(quiet, ids.len() as u64);
    let bar = progress.clone();
    let options = VerifyOptions {
        concurrency,
        as_of,
        on_request: Some(std::sync::Arc::new(move |n| bar.inc(n as u64))),
        cancel: Some(cancel),
    };
    let report = client
        .verify_erased(ids, &options)
        .await
        .expect("verification has no invalid options");
    progress.finish_and_clear();
    report
}

/// The verification part of a report.
#[derive(Serialize)]
pub struct VerificationSection<'a> {
    /// The time read as of; absent: the latest version.
    pub as_of: Option<String>,
    pub http_requests: u64,
    pub totals: VerifyTotals,
    pub ids: VerifyIds<'a>,
    pub stopped_by: Option<&'static str>,
    /// Requests that failed, with their error.
    pub failed_requests: Vec<FailedRead>,
}

#[derive(Serialize, Default)]
pub struct VerifyTotals {
    pub erased: u64,
    pub not_erased: u64,
    /// Read back with a content field left out of the answer: proves nothing about it.
    pub unproven: u64,
    pub not_found: u64,
    pub failed: u64,
    pub not_attempted: u64,
}

#[derive(Serialize)]
pub struct NotErased<'a> {
    pub id: &'a Uuid,
    /// Which of inputs, outputs, metadata still hold data (never the data).
    pub holding: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct Unproven<'a> {
    pub id: &'a Uuid,
    /// Which of outputs, metadata the answer left out.
    pub absent: Vec<&'static str>,
}

#[derive(Serialize, Default)]
pub struct VerifyIds<'a> {
    pub erased: Vec<&'a Uuid>,
    pub not_erased: Vec<NotErased<'a>>,
    pub unproven: Vec<Unproven<'a>>,
    pub not_found: Vec<&'a Uuid>,
    pub failed: Vec<&'a Uuid>,
    pub not_attempted: Vec<&'a Uuid>,
}

#[derive(Serialize)]
pub struct FailedRead {
    pub index: usize,
    pub ids: usize,
    pub attempts: u32,
    pub error_kind: &'static str,
    pub error: String,
}

impl<'a> VerificationSection<'a> {
    pub fn of(v: &'a VerifyReport) -> Self {
        let mut totals = VerifyTotals::default();
        let mut ids = VerifyIds::default();
        for (id, o) in v.outcomes() {
            match o {
                Verification::Erased => {
                    totals.erased += 1;
                    ids.erased.push(id);
                }
                Verification::NotErased { .. } => {
                    totals.not_erased += 1;
                    ids.not_erased.push(NotErased {
                        id,
                        holding: o.holding_data(),
                    });
                }
                Verification::Unproven { .. } => {
                    totals.unproven += 1;
                    ids.unproven.push(Unproven {
                        id,
                        absent: o.absent_fields(),
                    });
                }
                Verification::NotFound => {
                    totals.not_found += 1;
                    ids.not_found.push(id);
                }
                Verification::Failed(_) => {
                    totals.failed += 1;
                    ids.failed.push(id);
                }
                _ => {
                    totals.not_attempted += 1;
                    ids.not_attempted.push(id);
                }
            }
        }
        VerificationSection {
            as_of: v
                .as_of()
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            http_requests: v.http_requests(),
            totals,
            ids,
            stopped_by: v.stopped_by().map(langsmith::ErrorKind::as_str),
            failed_requests: v
                .requests()
                .iter()
                .filter_map(|r| {
                    r.error.as_ref().map(|e| FailedRead {
                        index: r.index,
                        ids: r.ids,
                        attempts: r.attempts,
                        error_kind: e.kind().as_str(),
                        error: crate::chain_text(e),
                    })
                })
                .collect(),
        }
    }
}

/// The exit code of a verification (see the exit code table): 0 only when every id read
/// back erased.
pub fn exit_code(v: &VerifyReport, cancelled: bool) -> u8 {
    if cancelled {
        return crate::EXIT_INTERRUPTED;
    }
    if v.all_erased() {
        return 0;
    }
    let errors: Vec<_> = v
        .requests()
        .iter()
        .filter_map(|r| r.error.as_ref())
        .collect();
    if errors.iter().any(|e| e.is_auth()) {
        return crate::EXIT_AUTH;
    }
    if v.count("failed") + v.count("not_attempted") > 0 {
        let unreachable =
            v.count("erased") + v.count("not_erased") + v.count("unproven") + v.count("not_found")
                == 0
                && errors.iter().all(|e| {
                    matches!(
                        e.kind(),
                        langsmith::ErrorKind::Transport
                            | langsmith::ErrorKind::Timeout
                            | langsmith::ErrorKind::Tls
                    )
                });
        return if unreachable {
            crate::EXIT_UNREACHABLE
        } else {
            crate::EXIT_PARTIAL
        };
    }
    crate::EXIT_NOT_ERASED
}

/// The text summary of a verification, on stdout; not-erased ids listed on stderr.
pub fn print_summary(v: &VerifyReport) {
    let not_erased = v.count("not_erased");
    println!(
        "verified {}: erased {}, not_erased {}, not_found {}{}{}{} ({}{})",
        plural(v.ids().len() as u64, "id", "ids"),
        v.count("erased"),
        not_erased,
        v.count("not_found"),
        match v.count("unproven") {
            0 => String::new(),
            n => format!(", unproven {n}"),
        },
        match v.count("failed") {
            0 => String::new(),
            n => format!(", failed {n}"),
        },
        match v.count("not_attempted") {
            0 => String::new(),
            n => format!(", not_attempted {n}"),
        },
        plural(v.http_requests(), "read request", "read requests"),
        v.as_of()
            .map(|t| format!(
                ", as of {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ))
            .unwrap_or_default(),
    );
    println!("(erased: read back with inputs, outputs and metadata all null)");
    let listed = v
        .outcomes()
        .filter(|(_, o)| !matches!(o, Verification::Erased))
        .take(crate::input::MAX_LISTED);
    for (id, o) in listed {
        eprintln!("{id}: {o}");
    }
    let others = v.ids().len() - v.count("erased");
    if others > crate::input::MAX_LISTED {
        eprintln!(
            "... and {}",
            plural(
                (others - crate::input::MAX_LISTED) as u64,
                "more id not erased",
                "more ids not erased"
            )
        );
    }
    for r in v.requests().iter().filter(|r| r.error.is_some()).take(3) {
        if let Some(e) = &r.error {
            eprintln!(
                "read request {} ({}) after {}: {}",
                r.index,
                plural(r.ids as u64, "id", "ids"),
                plural(r.attempts, "attempt", "attempts"),
                chain_lines(e)
            );
        }
    }
}

/// The `verify` command's report.
#[derive(Serialize)]
pub struct VerifyReportDoc<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub command: &'a [String],
    pub endpoint: &'a str,
    pub workspace: Option<&'a str>,
    pub started_at: String,
    pub finished_at: String,
    pub inputs: &'a [report::InputSource],
    pub unique_ids: u64,
    pub verification: VerificationSection<'a>,
    pub interrupted: bool,
    pub exit_code: u8,
}
