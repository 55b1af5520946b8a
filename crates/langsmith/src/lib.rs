//! A validated, ergonomic client for erasing LangSmith dataset examples: find them
//! ([`Client::select`], [`Client::examples`], [`Client::count_examples`],
//! [`Client::dataset_by_name`]; every listed row re-checked against the selectors),
//! hard-delete them ([`Client::hard_delete_all`]), and prove it by reading them back
//! ([`Client::verify_erased`]). The experiment traces that copied them are found
//! ([`Client::traces_referencing`], every run re-checked), their deletion requested
//! ([`Client::delete_traces`]: queued by the service, so "requested", never "gone"), and
//! read back ([`Client::verify_traces_gone`]).
//!
//! Built on the progenitor-generated [`langsmith_api`] crate. Invalid requests are not
//! representable: [`ExampleIds`] holds between the spec's `minItems` and `maxItems`
//! canonical, unique UUIDs, and `hard_delete` is always `true`. Every response becomes a
//! [`HardDeleted`] or an [`Error`]; retryable failures are retried per [`RetryPolicy`].
//!
//! ```no_run
//! use langsmith::{BulkOptions, Client, ExampleIds};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // LANGSMITH_ENDPOINT, LANGSMITH_API_KEY, LANGSMITH_WORKSPACE_ID (or LANGCHAIN_*).
//! let client = Client::from_env()?;
//!
//! // One request: 1 to 1000 ids, validated before anything is sent.
//! let ids = ExampleIds::parse(["123e4567-e89b-12d3-a456-426614174000"])?;
//! let answer = client.hard_delete_examples(&ids).await?;
//! // Deleted means the server named the id in its answer.
//! let confirmed = answer.confirmation(ids.as_slice());
//! println!("confirmed {} of {}", confirmed.confirmed().len(), ids.len());
//!
//! // Any number of ids: batched, concurrent, isolating refused ids, one outcome per id.
//! let many = (0..5_000u128).map(uuid::Uuid::from_u128);
//! let report = client.hard_delete_all(many, &BulkOptions::default()).await?;
//! let total: usize = langsmith::Outcome::ALL.iter().map(|o| report.count(*o)).sum();
//! assert_eq!(total, report.unique());
//!
//! // Find by dataset and content, erase, then prove: each id read back with inputs,
//! // outputs and metadata null.
//! // Every listed row is re-checked against the selectors before it counts as found.
//! let dataset = client.dataset_by_name("compliance").await?;
//! let query = langsmith::ExampleQuery::new()
//!     .dataset(dataset.id)
//!     .contains("jane.doe@example.com");
//! let found = client.select(&query).await?.selected;
//! client.hard_delete_all(found.clone(), &BulkOptions::default()).await?;
//! let proof = client.verify_erased(found, &langsmith::VerifyOptions::default()).await?;
//! for (id, outcome) in proof.outcomes().filter(|(_, o)| *o != langsmith::Verification::Erased) {
//!     eprintln!("{id}: {outcome}");
//! }
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod answer;
mod bulk;
mod call;
mod client;
mod config;
mod delete;
mod engine;
mod error;
mod ids;
mod paging;
mod places;
mod profile;
mod read;
mod retry;
mod runs;
mod runs_query;
mod secret;
mod select;
mod workspace;

pub use bulk::{
    BulkOptions, BulkReport, ExampleDeletion, Outcome, Progress, ProgressCallback, RequestReport,
};
pub use call::{Callback, RequestRecord};
pub use client::Client;
pub use config::{ClientBuilder, DEFAULT_ENDPOINT, DEFAULT_USER_AGENT, Sources};
pub use delete::{Confirmation, HardDeleted};
pub use error::{
    ApiError, ConfigError, Details, EndpointError, Error, ErrorKind, HttpClientError, InsecureHttp,
    InvalidSetting, JsonDetails, Listing, NameResolutionError, NoRunsApi, PagingError,
    PagingReason, RateLimited, Redirect, RequestError, ResponseTooLarge, TransportError,
    UnexpectedBody,
};
pub use ids::{
    CountProblem, ExampleIds, IdProblem, IdSet, InvalidIds, MAX_QUOTED_CHARS, NotAUuid, parse_id,
    quote_value,
};
pub use places::{
    CONTENT_FIELDS, CONTENT_SELECTS, CopySource, EXPORT_FIELDS, ExamplesScanned, FEEDBACK_FIELDS,
    FeedbackRead, FeedbackRef, IDS_PER_QUERY, PLACE_SELECTS, PROJECT_FIELDS, PROJECTS_PER_QUERY,
    Project, RULE_FIELDS, ReadRun, RunQuery, RunsRead, Shared,
};
pub use profile::Source;
pub use read::{
    AsOf, Checker, Dataset, Example, ExampleQuery, ExampleReadBack, PAGE_SIZE, Verification,
    VerificationKind, VerifyCallback, VerifyOptions, VerifyReport, VerifyRequest,
    at_and_a_second_before,
};
pub use retry::RetryPolicy;
pub use runs::{
    MAX_TRACE_IDS, TraceDeleteCallback, TraceDeleteOptions, TraceDeleteReport, TraceDeleteRequest,
    TraceDeletion, TraceKey, TraceOutcome,
};
pub use runs_query::{
    ExampleScope, ListedRun, RUNS_PAGE_SIZE, RunRef, RunsApi, RunsOptions, TimeWindow, Trace,
    TraceState, TraceVerifyReport, TracesFound, V1_FIELDS, V1_SELECT, V2_FIELDS, V2_PAGE_SIZE,
    V2_SELECTS,
};
pub use secret::Secret;
pub use select::{Exclusion, Listed, Selection, fold};

/// The causes of an error, outermost first, looking inside `std::io::Error` (whose
/// `source()` skips the error it wraps): for printing the whole chain.
pub fn error_chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut next = Some(error);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}

/// An error and its causes on one line, `outer: cause: innermost cause`, as
/// [`error_chain`] walks them; formatted only when displayed.
///
/// ```
/// use std::{error::Error, fmt};
/// #[derive(Debug)]
/// struct Outer(fmt::Error);
/// impl fmt::Display for Outer {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         f.write_str("could not write the report")
///     }
/// }
/// impl Error for Outer {
///     fn source(&self) -> Option<&(dyn Error + 'static)> {
///         Some(&self.0)
///     }
/// }
/// let line = langsmith::error_chain_line(&Outer(fmt::Error)).to_string();
/// assert_eq!(line, "could not write the report: an error occurred when formatting an argument");
/// ```
pub fn error_chain_line<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl std::fmt::Display + 'a {
    struct Line<'a>(&'a (dyn std::error::Error + 'static));
    impl std::fmt::Display for Line<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            // A wrapper that says exactly what the error it wraps says (as I/O and TLS
            // layers do) is written once.
            let mut last: Option<String> = None;
            for cause in error_chain(self.0) {
                let text = cause.to_string();
                if last.as_deref() == Some(text.as_str()) {
                    continue;
                }
                if last.is_some() {
                    f.write_str(": ")?;
                }
                f.write_str(&text)?;
                last = Some(text);
            }
            Ok(())
        }
    }
    Line(error)
}

pub use langsmith_api;
pub use uuid::{self, Uuid};
