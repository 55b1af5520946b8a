//! The one batch engine every batch operation runs on (hard-deleting examples, reading
//! them back; deleting traces next): batches of sorted unique ids, bounded concurrency,
//! cancellation, the rules that stop a run, progress in completion order, and a record
//! per request. Retries and the rate limit live in the client's calls ([`crate::retry`]),
//! apart from this loop.
//!
//! An operation plugs in with [`BatchOp`]: how it sends one request for a set of ids and
//! maps the answer to per-id outcomes (and sets to send again, when the answer isolates
//! refused ids), its outcome type, and its own facts on the one request record
//! ([`RequestRecord`]).

use crate::call::RequestRecord;
use crate::error::ErrorKind;
use futures_util::StreamExt;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Instrument;

/// What one request settled.
pub(crate) struct Step<K, O, E> {
    /// Ids this request decided, each with its outcome.
    pub(crate) settled: Vec<(K, O)>,
    /// Sets of this request's ids to send again (isolation), each smaller than the set sent.
    pub(crate) resend: Vec<Vec<K>>,
    /// The request, for the report.
    pub(crate) record: RequestRecord<E>,
    /// Every later request would fail the same way (401, a redirect, TLS, a wrong
    /// endpoint): the run stops, naming this kind.
    pub(crate) stops_run: Option<ErrorKind>,
    /// The request failed (for fail-fast), with this kind.
    pub(crate) failed: Option<ErrorKind>,
}

/// A batch operation: its request, its answer-to-outcomes mapping, its outcome type.
pub(crate) trait BatchOp: Sync {
    /// What an id is: an example id, or a trace's `(session_id, trace_id)`.
    type Key: Copy + Ord + Send + Sync;
    /// What becomes of one id.
    type Outcome: Copy + Send + Sync;
    /// The operation's own facts about one request, beside the common ones.
    type Extra: Send;
    /// The outcome of an id no request settled (cancelled, stopped, fail-fast).
    const NOT_ATTEMPTED: Self::Outcome;

    /// Sends one request for `ids` (sorted, unique), retries included, and maps the
    /// answer: every id of `ids` is either settled or in a resent set.
    fn send(
        &self,
        batch: usize,
        ids: Vec<Self::Key>,
        cancel: Option<&AtomicBool>,
    ) -> impl Future<Output = Step<Self::Key, Self::Outcome, Self::Extra>> + Send;

    /// Called once per finished request, in completion order, after the engine has set
    /// its place in the run's records (for tallies and progress callbacks).
    fn finished(
        &self,
        record: &mut RequestRecord<Self::Extra>,
        settled: &[(Self::Key, Self::Outcome)],
    );
}

/// How a run goes.
pub(crate) struct Settings<'a> {
    /// Ids per batch (at least 1).
    pub(crate) batch_size: usize,
    /// Batches in flight at once (at least 1).
    pub(crate) concurrency: usize,
    /// Stop starting requests after the first failed one.
    pub(crate) fail_fast: bool,
    /// When it becomes true, no new request starts; in-flight ones finish.
    pub(crate) cancel: Option<&'a AtomicBool>,
}

/// A finished run: an outcome per id (aligned with `ids`), which request settled it, and
/// every request's record in completion order.
pub(crate) struct BatchRun<K, O, E> {
    pub(crate) ids: Vec<K>,
    pub(crate) outcomes: Vec<O>,
    pub(crate) settled_by: Vec<u32>,
    pub(crate) records: Vec<RequestRecord<E>>,
    pub(crate) stopped_by: Option<ErrorKind>,
    pub(crate) cancelled: bool,
}

/// `settled_by` of an id no request settled.
pub(crate) const NO_REQUEST: u32 = u32::MAX;

struct Shared<'a, Op: BatchOp> {
    op: &'a Op,
    settings: &'a Settings<'a>,
    stop: AtomicBool,
    stopped_by: Mutex<Option<ErrorKind>>,
    records: Mutex<Vec<RequestRecord<Op::Extra>>>,
}

impl<Op: BatchOp> Shared<'_, Op> {
    fn cancelled(&self) -> bool {
        self.settings
            .cancel
            .is_some_and(|c| c.load(Ordering::SeqCst))
    }

    fn halted(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.cancelled()
    }

    fn halt(&self, kind: ErrorKind) {
        self.stop.store(true, Ordering::SeqCst);
        self.stopped_by.lock().unwrap().get_or_insert(kind);
    }

    /// One batch: its set, then every set its requests resend; an outcome for every id.
    async fn batch(&self, batch: usize, ids: Vec<Op::Key>) -> Vec<(Op::Key, Op::Outcome, u32)> {
        let mut out = Vec::with_capacity(ids.len());
        let mut work = vec![ids];
        while let Some(set) = work.pop() {
            if self.halted() {
                out.extend(set.iter().map(|id| (*id, Op::NOT_ATTEMPTED, NO_REQUEST)));
                continue;
            }
            let n = set.len();
            let mut step = self
                .op
                .send(batch, set, self.settings.cancel)
                .instrument(tracing::info_span!("request", batch, ids = n))
                .await;
            if let Some(kind) = step
                .stops_run
                .or(step.failed.filter(|_| self.settings.fail_fast))
            {
                self.halt(kind);
            }
            let index = {
                let mut records = self.records.lock().unwrap();
                let index = records.len();
                step.record.set_index(index);
                self.op.finished(&mut step.record, &step.settled);
                records.push(step.record);
                index as u32
            };
            out.extend(step.settled.into_iter().map(|(id, o)| (id, o, index)));
            work.extend(step.resend.into_iter().rev());
        }
        out
    }
}

/// Runs `op` over `ids` (sorted, unique) in batches of `settings.batch_size`. Each batch
/// writes the outcomes of its own ids into its own slice as it finishes: nothing per id
/// is held beyond the batches in flight.
pub(crate) async fn run<Op: BatchOp>(
    op: &Op,
    ids: Vec<Op::Key>,
    settings: &Settings<'_>,
    span: tracing::Span,
) -> BatchRun<Op::Key, Op::Outcome, Op::Extra> {
    let size = settings.batch_size;
    let n = ids.len();
    let cuts: Vec<usize> = (0..n.div_ceil(size)).map(|b| b * size).collect();
    run_in(op, ids, cuts, settings, span).await
}

/// [`run`] with the batches given: batch `b` is `ids[starts[b]..starts[b + 1]]` (the last
/// runs to the end). `starts` is strictly increasing from 0, for an operation whose
/// batches follow the ids' groups (a trace deletion names one session per request).
pub(crate) async fn run_in<Op: BatchOp>(
    op: &Op,
    ids: Vec<Op::Key>,
    starts: Vec<usize>,
    settings: &Settings<'_>,
    span: tracing::Span,
) -> BatchRun<Op::Key, Op::Outcome, Op::Extra> {
    debug_assert!(ids.is_sorted() && settings.batch_size > 0 && settings.concurrency > 0);
    debug_assert!(starts.is_sorted() && starts.first().is_none_or(|s| *s == 0));
    let shared = Shared {
        op,
        settings,
        stop: AtomicBool::new(false),
        stopped_by: Mutex::new(None),
        records: Mutex::new(Vec::new()),
    };
    let mut outcomes = vec![Op::NOT_ATTEMPTED; ids.len()];
    let mut settled_by = vec![NO_REQUEST; ids.len()];
    let (shared_ref, ids_ref, starts_ref) = (&shared, &ids, &starts);
    let mut batches = futures_util::stream::iter(0..starts.len())
        .map(|batch| async move {
            let start = starts_ref[batch];
            let end = starts_ref.get(batch + 1).copied().unwrap_or(ids_ref.len());
            let chunk = ids_ref[start..end].to_vec();
            (start, chunk.len(), shared_ref.batch(batch, chunk).await)
        })
        .buffer_unordered(settings.concurrency);
    async {
        while let Some((start, len, mut list)) = batches.next().await {
            assert_eq!(list.len(), len, "every id of a batch settled once");
            // Each id of the batch is settled exactly once; sorted by id, the list lines
            // up with the batch's slice (no search per id).
            list.sort_unstable_by_key(|(id, _, _)| *id);
            for (k, (id, outcome, request)) in list.into_iter().enumerate() {
                assert!(ids_ref[start + k] == id, "every id of a batch settled once");
                outcomes[start + k] = outcome;
                settled_by[start + k] = request;
            }
        }
    }
    .instrument(span)
    .await;
    drop(batches);
    let cancelled = shared.cancelled();
    let stopped_by = *shared.stopped_by.lock().unwrap();
    BatchRun {
        ids,
        outcomes,
        settled_by,
        records: shared.records.into_inner().unwrap(),
        stopped_by,
        cancelled,
    }
}
