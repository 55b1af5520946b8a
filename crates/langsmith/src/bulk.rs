//! Any number of ids: batches, bounded concurrency, an optional rate limit, a report.

use crate::client::Client;
use crate::error::{ConfigError, Error};
use crate::ids::{ExampleIds, IdSet};
use crate::retry::RateLimiter;
use futures_util::StreamExt;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tracing::Instrument;
use uuid::Uuid;

/// Called once per finished batch, with its report and ids.
pub type BatchCallback = Arc<dyn Fn(&BatchReport, &[Uuid]) + Send + Sync>;

/// How [`Client::hard_delete_all`] runs.
#[derive(Clone)]
pub struct BulkOptions {
    /// Ids per request, at most the spec's `maxItems` (the default).
    pub batch_size: usize,
    /// Requests in flight at once (default 4).
    pub concurrency: usize,
    /// Client-side limit on request starts per minute, retries included (LangSmith
    /// publishes 2000/min per API key). `None`: no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// Stop starting batches after the first failed one.
    pub fail_fast: bool,
    /// Progress: called as each batch finishes.
    pub on_batch: Option<BatchCallback>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            batch_size: ExampleIds::MAX,
            concurrency: 4,
            rate_limit_per_minute: None,
            fail_fast: false,
            on_batch: None,
        }
    }
}

impl fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkOptions")
            .field("batch_size", &self.batch_size)
            .field("concurrency", &self.concurrency)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("fail_fast", &self.fail_fast)
            .field("on_batch", &self.on_batch.is_some())
            .finish()
    }
}

impl BulkOptions {
    /// Checks the options against the spec's bounds.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(ExampleIds::MIN..=ExampleIds::MAX).contains(&self.batch_size) {
            return Err(ConfigError::Setting {
                what: "batch size",
                reason: format!(
                    "{} is outside {}..={} (the spec's minItems..maxItems)",
                    self.batch_size,
                    ExampleIds::MIN,
                    ExampleIds::MAX
                ),
            });
        }
        if self.concurrency == 0 {
            return Err(ConfigError::Setting {
                what: "concurrency",
                reason: "must be at least 1".into(),
            });
        }
        if self.rate_limit_per_minute == Some(0) {
            return Err(ConfigError::Setting {
                what: "rate limit",
                reason: "must be at least 1 request per minute".into(),
            });
        }
        Ok(())
    }
}

/// How a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// The server answered 200: every id of the batch is hard-deleted.
    Confirmed,
    /// Every attempt failed; the ids are not known to be deleted.
    Failed,
    /// Not sent (fail-fast, or an authentication failure stopped the run).
    NotAttempted,
}

/// One batch of a bulk run.
#[derive(Debug)]
pub struct BatchReport {
    /// 0-based, in id order.
    pub index: usize,
    /// Its ids: `report.ids()[range]`.
    pub range: Range<usize>,
    pub outcome: BatchOutcome,
    /// Status of the last response, if any.
    pub status: Option<u16>,
    /// The server's `count`, when confirmed.
    pub server_count: Option<i64>,
    pub attempts: u32,
    pub elapsed: Duration,
    /// Why it failed.
    pub error: Option<Error>,
}

/// The result of [`Client::hard_delete_all`]. `confirmed + failed + not_attempted`
/// always equals the number of unique ids.
#[derive(Debug)]
pub struct BulkReport {
    ids: Vec<Uuid>,
    /// Items in the input, duplicates included.
    pub input: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    pub batches: Vec<BatchReport>,
    /// Ids in confirmed batches.
    pub confirmed: usize,
    /// Ids in failed batches.
    pub failed: usize,
    /// Ids in batches never sent.
    pub not_attempted: usize,
}

impl BulkReport {
    /// Every unique id, sorted; batches index into it.
    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }

    /// The ids of one batch.
    pub fn batch_ids(&self, batch: &BatchReport) -> &[Uuid] {
        &self.ids[batch.range.clone()]
    }

    /// Unique ids.
    pub fn unique(&self) -> usize {
        self.ids.len()
    }

    /// Whether every id was confirmed.
    pub fn is_complete(&self) -> bool {
        self.confirmed == self.ids.len()
    }

    /// Ids not confirmed (failed or never attempted).
    pub fn unconfirmed_ids(&self) -> impl Iterator<Item = &Uuid> {
        self.batches
            .iter()
            .filter(|b| b.outcome != BatchOutcome::Confirmed)
            .flat_map(|b| self.ids[b.range.clone()].iter())
    }
}

impl Client {
    /// Hard-deletes any number of ids: de-duplicates, splits into batches of at most the
    /// spec's maximum, and sends them with bounded concurrency, retries and an optional
    /// rate limit. One failed batch does not stop the others unless `fail_fast` is set;
    /// a 401 stops the run (every batch would fail the same way).
    ///
    /// Fails only for invalid options; per-batch failures are in the report.
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
        let size = options.batch_size;
        let ranges: Vec<Range<usize>> = (0..ids.len())
            .step_by(size)
            .map(|start| start..(start + size).min(ids.len()))
            .collect();
        let limiter = options.rate_limit_per_minute.map(RateLimiter::per_minute);
        let stop = AtomicBool::new(false);
        let span = tracing::info_span!(
            "hard_delete_all",
            unique = ids.len(),
            batches = ranges.len()
        );

        let ids_ref = &ids;
        let limiter = limiter.as_ref();
        let stop = &stop;
        let mut batches: Vec<BatchReport> =
            futures_util::stream::iter(ranges.into_iter().enumerate())
                .map(|(index, range)| async move {
                    let mut report = BatchReport {
                        index,
                        range: range.clone(),
                        outcome: BatchOutcome::NotAttempted,
                        status: None,
                        server_count: None,
                        attempts: 0,
                        elapsed: Duration::ZERO,
                        error: None,
                    };
                    if !stop.load(Ordering::SeqCst) {
                        let started = std::time::Instant::now();
                        let batch = ExampleIds::from_batch(&ids_ref[range.clone()]);
                        let (result, attempts) = self.send(&batch, limiter).await;
                        report.attempts = attempts;
                        report.elapsed = started.elapsed();
                        match result {
                            Ok(done) => {
                                report.outcome = BatchOutcome::Confirmed;
                                report.status = Some(done.status);
                                report.server_count = done.count;
                            }
                            Err(e) => {
                                if options.fail_fast || matches!(e, Error::Unauthorized(_)) {
                                    stop.store(true, Ordering::SeqCst);
                                }
                                report.outcome = BatchOutcome::Failed;
                                report.status = e.status().map(|s| s.as_u16());
                                report.error = Some(e);
                            }
                        }
                    }
                    if let Some(callback) = &options.on_batch {
                        callback(&report, &ids_ref[range]);
                    }
                    report
                })
                .buffer_unordered(options.concurrency)
                .collect()
                .instrument(span)
                .await;
        batches.sort_by_key(|b| b.index);

        let count = |o: BatchOutcome| -> usize {
            batches
                .iter()
                .filter(|b| b.outcome == o)
                .map(|b| b.range.len())
                .sum()
        };
        let (confirmed, failed, not_attempted) = (
            count(BatchOutcome::Confirmed),
            count(BatchOutcome::Failed),
            count(BatchOutcome::NotAttempted),
        );
        debug_assert_eq!(confirmed + failed + not_attempted, ids.len());
        Ok(BulkReport {
            ids,
            input,
            duplicates,
            batches,
            confirmed,
            failed,
            not_attempted,
        })
    }
}
