//! Selectors: the read API's filters, the client's re-check of every listed row, and a
//! selection as a run's input.

use crate::connect::Target;
use crate::exit::{self, Exit, usage};
use crate::input::Input;
use crate::term::plural;
use crate::{Cli, report};
use futures_util::{FutureExt, StreamExt};
use langsmith::{Client, ExampleQuery, Exclusion, IdSet, Listed, Selection, Uuid};
use serde::Serialize;

/// Which examples: the read API's filters. They combine with "and".
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct Selectors {
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
                        langsmith::quote_value(m)
                    )));
                }
                Err(e) => {
                    return Err(usage(format!(
                        "--metadata {}: not JSON ({e}); nothing was sent",
                        langsmith::quote_value(m)
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
        self.describe_with(&report::Recorder::new(true))
    }

    /// [`Selectors::describe`] with the values that may name a person (contains,
    /// metadata, filter) as `recorder` keeps them.
    pub fn describe_with(&self, recorder: &report::Recorder) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.dataset {
            parts.push(format!("dataset {}", langsmith::quote_value(d)));
        }
        for c in &self.contains {
            parts.push(format!(
                "contains {}",
                langsmith::quote_value(&recorder.value(c))
            ));
        }
        if let Some(m) = &self.metadata {
            parts.push(format!("metadata {}", recorder.value(m)));
        }
        if let Some(f) = &self.filter {
            parts.push(format!(
                "filter {}",
                langsmith::quote_value(&recorder.value(f))
            ));
        }
        for s in &self.split {
            parts.push(format!("split {}", langsmith::quote_value(s)));
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
                        .map_err(|e| exit::for_error("resolving --dataset", &e))?
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

/// Counts, then lists every selected id (each once), calling `each` as ids pass the
/// client's check and `idle` whenever the listing waits for the server. A listing that
/// does not end normally is an error: nothing it listed is returned.
pub(crate) async fn select_ids(
    client: &Client,
    query: &ExampleQuery,
    progress: &crate::term::Progress,
    mut each: impl FnMut(&Uuid),
    mut idle: impl FnMut(),
) -> Result<Selection, Exit> {
    let counted = client
        .count_examples(query)
        .await
        .map_err(|e| exit::for_error("counting the selection", &e))?;
    progress.set_total(counted);
    let mut selection = Selection::new(counted);
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
        let row = item.map_err(|e| exit::for_error("listing the selection", &e))?;
        if let Listed::Selected(example) = &row {
            each(&example.id);
        }
        if !matches!(row, Listed::Repeated(_)) {
            progress.inc(1);
        }
        selection.push(&row);
    }
    Ok(selection)
}

/// Warns on stderr when the listing and the count disagree, and lists what the client's
/// check excluded (never deleted).
pub(crate) fn warn_if_changed(s: &Selection) {
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
pub(crate) struct ExcludedRow {
    pub id: Uuid,
    /// `dataset_mismatch`, `id_mismatch`, `text_not_found`, `metadata_mismatch` or
    /// `split_mismatch`.
    pub reason: &'static str,
}

pub(crate) fn excluded_rows(s: &Selection) -> Vec<ExcludedRow> {
    s.excluded
        .iter()
        .map(|(id, r)| ExcludedRow {
            id: *id,
            reason: r.as_str(),
        })
        .collect()
}

/// `; --filter is the server's word (not re-checked here)` when a selector is.
pub(crate) fn server_word(query: &ExampleQuery) -> String {
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

/// The last line `select` prints when its listing fails after ids were printed: not an
/// id (nor a comment), so whatever reads the ids as input refuses them all.
pub(crate) const INCOMPLETE_LINE: &str =
    "!incomplete: the listing failed (see stderr); the ids above are not the selection";

/// The ids the selectors match, as the run's input: the server counts, then lists them.
pub(crate) async fn select_input(
    cli: &Cli,
    target: &Target,
    selectors: &Selectors,
    concurrency: usize,
    recorder: &report::Recorder,
) -> Result<Input, Exit> {
    let query = selectors.query(&target.client, concurrency).await?;
    let progress = crate::term::Progress::new(cli.quiet, None);
    let selection = select_ids(&target.client, &query, &progress, |_| {}, || {}).await;
    progress.finish();
    let selection = selection?;
    warn_if_changed(&selection);
    // The selection's evidence: the sha256 of the ids as `select` prints them.
    let (sha256, bytes) = {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut buf = [0u8; 37];
        for id in &selection.selected {
            let text = id.hyphenated().encode_lower(&mut buf[..36]);
            let len = text.len();
            buf[len] = b'\n';
            hasher.update(&buf[..=len]);
        }
        (
            Some(format!("{:x}", hasher.finalize())),
            selection.selected.len() as u64 * 37,
        )
    };
    let n = selection.selected.len() as u64;
    Ok(Input {
        sources: vec![report::InputSource {
            source: format!("selection: {}", selectors.describe_with(recorder)),
            sha256,
            bytes,
            lines: n,
        }],
        lines: n,
        selection: Some(report::SelectionInfo {
            selectors: selectors.describe_with(recorder),
            dataset: selectors.dataset.clone(),
            dataset_id: query.dataset_id(),
            server_evaluated: query.server_evaluated(),
            counted: selection.counted,
            listed: selection.listed(),
            selected: n,
            excluded: excluded_rows(&selection),
            samples: selection.selected.iter().take(5).copied().collect(),
        }),
        set: IdSet::from_uuids(selection.selected),
    })
}
