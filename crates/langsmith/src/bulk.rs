//! Any number of ids: batches, bounded concurrency, per-id outcomes, a report.
//!
//! Every id ends with exactly one [`Outcome`]. An id is [`Outcome::Deleted`] only when a
//! 2xx answer's `example_ids` names it. When a request is refused for some of its ids
//! (404, or a 403 that names examples), those ids are isolated: the ids the error
//! `details` name are settled at once and the rest resent; when it names none, the set is
//! split in halves, recursively. A refused set is never resent unchanged.

use crate::call::{Callback, RequestRecord, stops_the_run};
use crate::client::Client;
use crate::delete::Confirmation;
use crate::engine;
use crate::error::{ConfigError, Error, ErrorKind};
use crate::ids::{ExampleIds, IdSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use uuid::Uuid;

/// Called once per finished request (not per attempt), with what it settled.
pub type ProgressCallback = Callback<dyn Fn(&Progress<'_>) + Send + Sync>;

impl ProgressCallback {
    /// Wraps a progress function.
    pub fn new(f: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> Self {
        Callback::from_arc(Arc::new(f))
    }
}

/// What one finished request settled, for [`BulkOptions::on_request`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Progress<'a> {
    /// The request.
    pub request: &'a RequestReport,
    /// Ids this request confirmed deleted (the server named them).
    pub deleted: &'a [Uuid],
    /// Ids whose outcome this request settled, `deleted` included.
    pub settled: usize,
}

/// How [`Client::hard_delete_all`] runs.
///
/// ```no_run
/// use langsmith::{BulkOptions, Outcome};
/// # async fn demo(client: langsmith::Client, ids: Vec<langsmith::Uuid>) -> Result<(), langsmith::Error> {
/// let options = BulkOptions {
///     concurrency: 8,
///     on_request: Some(langsmith::ProgressCallback::new(|p| {
///         eprintln!("{} settled, {} deleted", p.settled, p.deleted.len())
///     })),
///     ..BulkOptions::default()
/// };
/// let report = client.hard_delete_all(ids, &options).await?;
/// for id in report.ids_with(Outcome::NotFound) {
///     println!("{id}: not found");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BulkOptions {
    /// Ids per request, at most the spec's `maxItems` (the default).
    pub batch_size: usize,
    /// Batches in flight at once (default 4).
    pub concurrency: usize,
    /// Stop starting requests after the first failed one.
    pub fail_fast: bool,
    /// Progress: called as each request finishes.
    pub on_request: Option<ProgressCallback>,
    /// When set, no new request starts once it is true (in-flight ones finish); the ids
    /// left are [`Outcome::NotAttempted`].
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            batch_size: ExampleIds::MAX,
            concurrency: 4,
            fail_fast: false,
            on_request: None,
            cancel: None,
        }
    }
}

impl BulkOptions {
    /// Checks the options against the spec's bounds.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(ExampleIds::MIN..=ExampleIds::MAX).contains(&self.batch_size) {
            return Err(ConfigError::setting(
                "batch size",
                format!(
                    "{} is outside {}..={} (the spec's minItems..maxItems)",
                    self.batch_size,
                    ExampleIds::MIN,
                    ExampleIds::MAX
                ),
            ));
        }
        if self.concurrency == 0 {
            return Err(ConfigError::setting("concurrency", "must be at least 1"));
        }
        Ok(())
    }
}

/// What became of one id. Exhaustive on purpose: a new outcome must be handled by every
/// caller (a report, an exit code), never fall into a catch-all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// A 2xx answer named the id in its `example_ids`: hard-deleted, on the server's word.
    Deleted,
    /// The server answered 404 for the id (already gone, or never existed).
    NotFound,
    /// The server refused the id with 403.
    Forbidden,
    /// The server answered 2xx but did not name the id (or its answer could not be read).
    Unconfirmed,
    /// The request failed (see the request's error kind); the id is not known to be deleted.
    Failed,
    /// Never sent (fail-fast, cancellation, or a failure that stops the run).
    NotAttempted,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 6] = [
        Outcome::Deleted,
        Outcome::NotFound,
        Outcome::Forbidden,
        Outcome::Unconfirmed,
        Outcome::Failed,
        Outcome::NotAttempted,
    ];

    /// `snake_case`, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Deleted => "deleted",
            Outcome::NotFound => "not_found",
            Outcome::Forbidden => "forbidden",
            Outcome::Unconfirmed => "unconfirmed",
            Outcome::Failed => "failed",
            Outcome::NotAttempted => "not_attempted",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request of a bulk run (retries included: `attempts` counts them): the common
/// record, plus what a hard-delete answer said.
pub type RequestReport = RequestRecord<ExampleDeletion>;

/// What a hard-delete request's answer said, beside the common record: read through
/// [`RequestReport`]'s accessors.
#[derive(Debug)]
pub struct ExampleDeletion {
    server_count: Option<i64>,
    anomaly: Option<String>,
    settled: [usize; 6],
}

impl RequestRecord<ExampleDeletion> {
    /// The server's `count`, for a 2xx.
    pub fn server_count(&self) -> Option<i64> {
        self.extra.server_count
    }
    /// What was odd about a 2xx answer (unnamed ids, foreign ids, a disagreeing count).
    pub fn anomaly(&self) -> Option<&str> {
        self.extra.anomaly.as_deref()
    }
    /// How many ids this request settled with `outcome`.
    pub fn settled(&self, outcome: Outcome) -> usize {
        self.extra.settled[outcome.index()]
    }
}

/// The result of [`Client::hard_delete_all`]: one [`Outcome`] per unique id; the counts
/// always add up to [`BulkReport::unique`].
#[derive(Debug)]
pub struct BulkReport {
    ids: Vec<Uuid>,
    outcomes: Vec<Outcome>,
    settled_by: Vec<u32>,
    input: u64,
    duplicates: u64,
    batches: usize,
    requests: Vec<RequestReport>,
    counts: [usize; 6],
    stopped_by: Option<ErrorKind>,
    cancelled: bool,
}

use engine::NO_REQUEST;

impl BulkReport {
    /// A report for ids that were not sent at all (a dry run's plan): every id
    /// [`Outcome::NotAttempted`].
    pub fn unsent(set: IdSet) -> BulkReport {
        let input = set.input_len();
        let duplicates = set.duplicates_removed();
        let ids = set.into_vec();
        let mut counts = [0usize; 6];
        counts[Outcome::NotAttempted.index()] = ids.len();
        BulkReport {
            outcomes: vec![Outcome::NotAttempted; ids.len()],
            settled_by: vec![NO_REQUEST; ids.len()],
            ids,
            input,
            duplicates,
            batches: 0,
            requests: Vec::new(),
            counts,
            stopped_by: None,
            cancelled: false,
        }
    }

    /// Every unique id, sorted.
    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }
    /// Unique ids.
    pub fn unique(&self) -> usize {
        self.ids.len()
    }
    /// Items in the input, duplicates included.
    pub fn input(&self) -> u64 {
        self.input
    }
    /// Duplicates dropped.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }
    /// Batches the ids were cut into.
    pub fn batches(&self) -> usize {
        self.batches
    }
    /// Every request, in order of completion.
    pub fn requests(&self) -> &[RequestReport] {
        &self.requests
    }
    /// HTTP requests actually sent (attempts, retries included).
    pub fn http_requests(&self) -> u64 {
        self.requests.iter().map(|r| u64::from(r.attempts())).sum()
    }
    /// How many ids ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.counts[outcome.index()]
    }
    /// The ids that ended with `outcome`, sorted.
    pub fn ids_with(&self, outcome: Outcome) -> impl Iterator<Item = &Uuid> + '_ {
        self.ids
            .iter()
            .zip(&self.outcomes)
            .filter(move |(_, o)| **o == outcome)
            .map(|(id, _)| id)
    }
    /// Every id with its outcome, sorted by id.
    pub fn outcomes(&self) -> impl Iterator<Item = (&Uuid, Outcome)> + '_ {
        self.ids.iter().zip(self.outcomes.iter().copied())
    }
    /// The outcome of one id, if it was in the input.
    pub fn outcome_of(&self, id: &Uuid) -> Option<Outcome> {
        self.ids.binary_search(id).ok().map(|i| self.outcomes[i])
    }
    /// The request that settled an id (none for [`Outcome::NotAttempted`]).
    pub fn settled_by(&self, id: &Uuid) -> Option<&RequestReport> {
        let i = self.ids.binary_search(id).ok()?;
        self.requests.get(self.settled_by[i] as usize)
    }
    /// Whether every id was confirmed deleted.
    pub fn is_complete(&self) -> bool {
        self.count(Outcome::Deleted) == self.ids.len()
    }
    /// The error kind that stopped the run early (401, a redirect, TLS, fail-fast), if any.
    pub fn stopped_by(&self) -> Option<ErrorKind> {
        self.stopped_by
    }
    /// Whether [`BulkOptions::cancel`] stopped the run.
    pub fn cancelled(&self) -> bool {
        self.cancelled
    }
}

impl Client {
    /// Hard-deletes any number of ids: de-duplicates, splits into batches of at most the
    /// spec's maximum, sends them with bounded concurrency, retries and the client's rate
    /// limit, and isolates ids the server refuses. A 401, a redirect, a TLS failure or a
    /// 404 outside the API's error shape (a wrong endpoint) stops the run (every request
    /// would fail the same way).
    ///
    /// Fails only for invalid options; per-id outcomes are in the report.
    pub async fn hard_delete_all<I>(
        &self,
        ids: I,
        options: &BulkOptions,
    ) -> Result<BulkReport, Error>
    where
        I: IntoIterator<Item = Uuid>,
    {
        self.hard_delete_set(IdSet::from_uuids(ids), options).await
    }

    /// [`Client::hard_delete_all`] for an already de-duplicated [`IdSet`].
    pub async fn hard_delete_set(
        &self,
        set: IdSet,
        options: &BulkOptions,
    ) -> Result<BulkReport, Error> {
        options.validate()?;
        let input = set.input_len();
        let duplicates = set.duplicates_removed();
        let ids = set.into_vec();
        let batches = ids.len().div_ceil(options.batch_size);
        let span = tracing::info_span!("hard_delete_all", unique = ids.len(), batches);
        let op = HardDelete {
            client: self,
            on_request: options.on_request.as_ref(),
        };
        let run = engine::run(
            &op,
            ids,
            &engine::Settings {
                batch_size: options.batch_size,
                concurrency: options.concurrency,
                fail_fast: options.fail_fast,
                cancel: options.cancel.as_deref(),
            },
            span,
        )
        .await;
        let mut counts = [0usize; 6];
        for o in &run.outcomes {
            counts[o.index()] += 1;
        }
        debug_assert_eq!(counts.iter().sum::<usize>(), run.ids.len());
        Ok(BulkReport {
            ids: run.ids,
            outcomes: run.outcomes,
            settled_by: run.settled_by,
            input,
            duplicates,
            batches,
            requests: run.records,
            counts,
            stopped_by: run.stopped_by,
            cancelled: run.cancelled,
        })
    }
}

/// Hard-deleting examples, as a batch operation: one request per set, its echo mapped to
/// outcomes, refused ids isolated.
struct HardDelete<'a> {
    client: &'a Client,
    on_request: Option<&'a ProgressCallback>,
}

impl engine::BatchOp for HardDelete<'_> {
    type Key = Uuid;
    type Outcome = Outcome;
    type Extra = ExampleDeletion;
    const NOT_ATTEMPTED: Outcome = Outcome::NotAttempted;

    fn finished(&self, report: &mut RequestReport, settled: &[(Uuid, Outcome)]) {
        for (_, o) in settled {
            report.extra.settled[o.index()] += 1;
        }
        if let Some(callback) = self.on_request {
            let deleted: Vec<Uuid> = settled
                .iter()
                .filter(|(_, o)| *o == Outcome::Deleted)
                .map(|(id, _)| *id)
                .collect();
            callback(&Progress {
                request: report,
                deleted: &deleted,
                settled: settled.len(),
            });
        }
    }

    async fn send(
        &self,
        batch: usize,
        set: Vec<Uuid>,
        cancel: Option<&AtomicBool>,
    ) -> engine::Step<Uuid, Outcome, ExampleDeletion> {
        let request = ExampleIds::from_batch(&set);
        let called = self.client.hard_delete_call(&request, cancel).await;
        let mut report = RequestRecord::of(
            batch,
            set.len(),
            &called,
            ExampleDeletion {
                server_count: None,
                anomaly: None,
                settled: [0; 6],
            },
        );
        let mut settled = Vec::with_capacity(set.len());
        let (mut resend, mut stops_run, mut failed) = (Vec::new(), None, None);
        match called.result {
            Ok(done) => {
                report.answered(Some(done.status()), done.request_id().map(str::to_owned));
                report.extra.server_count = done.count();
                let c: Confirmation = done.confirmation(&set);
                report.extra.anomaly = c.anomaly();
                if let Some(a) = &report.extra.anomaly {
                    tracing::warn!(batch, anomaly = %a, "the server's answer does not confirm every id");
                }
                settled.extend(c.confirmed().iter().map(|id| (*id, Outcome::Deleted)));
                settled.extend(c.unconfirmed().iter().map(|id| (*id, Outcome::Unconfirmed)));
            }
            Err(e) => {
                let refused = match &e {
                    Error::NotFound(api) if api.is_the_routes_answer() => {
                        Some((Outcome::NotFound, api))
                    }
                    Error::Forbidden(api) => Some((Outcome::Forbidden, api)),
                    _ => None,
                };
                if let Some((outcome, api)) = refused {
                    let mut named: Vec<Uuid> =
                        api.details().map(|d| d.named_uuids()).unwrap_or_default();
                    named.sort_unstable();
                    named.dedup();
                    let (hit, rest): (Vec<Uuid>, Vec<Uuid>) =
                        set.iter().partition(|id| named.binary_search(id).is_ok());
                    if !hit.is_empty() {
                        tracing::info!(batch, refused = hit.len(), resent = rest.len(), status = ?report.status(), "the server named refused ids; resending the rest");
                        settled.extend(hit.iter().map(|id| (*id, outcome)));
                        if !rest.is_empty() {
                            resend.push(rest);
                        }
                    } else if outcome == Outcome::Forbidden || set.len() == 1 {
                        // A 403 that names no example is not per-example: isolating would
                        // only multiply refused requests.
                        settled.extend(set.iter().map(|id| (*id, outcome)));
                    } else {
                        let (left, right) = set.split_at(set.len() / 2);
                        tracing::info!(
                            batch,
                            ids = set.len(),
                            "404 names no ids; splitting the request in halves"
                        );
                        resend.push(left.to_vec());
                        resend.push(right.to_vec());
                    }
                } else {
                    let outcome = match (&e, report.status()) {
                        // A 2xx whose body could not be read: the server may have deleted
                        // them, but it did not say so.
                        (
                            Error::UnexpectedBody(_)
                            | Error::ResponseTooLarge(_)
                            | Error::Timeout(_),
                            Some(s),
                        ) if (200..300).contains(&s) => Outcome::Unconfirmed,
                        _ => Outcome::Failed,
                    };
                    if stops_the_run(&e) {
                        stops_run = Some(e.kind());
                    }
                    if outcome == Outcome::Failed {
                        failed = Some(e.kind());
                    }
                    settled.extend(set.iter().map(|id| (*id, outcome)));
                }
                report.failed(e);
            }
        }
        engine::Step {
            settled,
            resend,
            record: report,
            stops_run,
            failed,
        }
    }
}
