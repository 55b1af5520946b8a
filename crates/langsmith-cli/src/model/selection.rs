//! Selectors: the read API's filters as flags, what a report says of them, and the rows
//! the client's re-check excluded.

use crate::model::exit::{Exit, usage};
use crate::model::report;

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
}

/// The last line `select` prints when its listing fails after ids were printed: not an
/// id (nor a comment), so whatever reads the ids as input refuses them all.
pub(crate) const INCOMPLETE_LINE: &str =
    "!incomplete: the listing failed (see stderr); the ids above are not the selection";
