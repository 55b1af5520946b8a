//! The one call path around the generated client ([`Client::call`]: the client's retries
//! and rate limit, the response captured, its error mapped to the facade's [`Error`], every
//! attempt logged at debug level), and the one record of a request a batch operation
//! reports ([`RequestRecord`]: what every request has, plus the operation's own facts).

use crate::answer::{DocumentedError, map_error};
use crate::client::Client;
use crate::error::Error;
use crate::retry;
use langsmith_api::hooks::ResponseMeta;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};
use tracing::Instrument;

/// What a call is, for its log lines: the operation, and how many ids it carries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call<'a> {
    /// The operation (`hard_delete_examples`, `read_examples`, ...): the span's name.
    pub(crate) op: &'static str,
    /// Ids (or trace ids) the request carries, when it carries any.
    pub(crate) ids: Option<usize>,
    /// When it becomes true, a failed attempt is not retried.
    pub(crate) cancel: Option<&'a AtomicBool>,
}

impl Call<'static> {
    /// A call of `op` carrying no ids, never cancelled.
    pub(crate) fn new(op: &'static str) -> Self {
        Call {
            op,
            ids: None,
            cancel: None,
        }
    }
}

impl<'a> Call<'a> {
    /// The same call, carrying `n` ids.
    pub(crate) fn ids(self, n: usize) -> Self {
        Call {
            ids: Some(n),
            ..self
        }
    }

    /// The same call, not retried once `cancel` is true.
    pub(crate) fn cancel(self, cancel: Option<&'a AtomicBool>) -> Call<'a> {
        Call { cancel, ..self }
    }
}

impl Call<'_> {
    /// The debug line of attempt `n`: the operation, the ids it carried, then `what`.
    fn log(&self, n: u32, what: &str) {
        match self.ids {
            Some(ids) => tracing::debug!("attempt {n}: {}, {ids} ids, {what}", self.op),
            None => tracing::debug!("attempt {n}: {}, {what}", self.op),
        }
    }
}

/// An attempt on its way: logged when dropped before its answer.
struct Pending<'a> {
    call: Call<'a>,
    n: u32,
    clock: Instant,
    done: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.done {
            let ms = self.clock.elapsed().as_millis();
            self.call
                .log(self.n, &format!("dropped before its answer, {ms} ms"));
        }
    }
}

/// What a call came to: its result after retries, how many attempts it took, and when.
#[derive(Debug)]
pub(crate) struct Called<T> {
    pub(crate) result: Result<T, Error>,
    pub(crate) attempts: u32,
    pub(crate) started: SystemTime,
    pub(crate) finished: SystemTime,
}

impl Client {
    /// Sends one request through the one call path: `attempt(n)` sends it once (a generated
    /// call inside `hooks::capture`), `answer` maps a success (and may refuse it, boxed as
    /// it is rare: a refusal is retried as any error is), and an error becomes the
    /// facade's [`Error`]. Retries follow the client's [`crate::RetryPolicy`] within its
    /// rate limit; each attempt is a debug line (`-vv`): the operation, the ids it
    /// carried, the status and the latency (or that it was dropped before its answer).
    pub(crate) async fn call<R, E, T, A, Fut, F>(
        &self,
        call: Call<'_>,
        mut attempt: A,
        answer: F,
    ) -> Called<T>
    where
        A: FnMut(u32) -> Fut,
        Fut: Future<Output = (Result<R, langsmith_api::Error<E>>, ResponseMeta)>,
        E: DocumentedError,
        F: Fn(R, ResponseMeta) -> Result<T, Box<Error>>,
    {
        let started = SystemTime::now();
        let span = tracing::debug_span!("call", op = call.op, attempts = tracing::field::Empty);
        let answer = &answer;
        let (result, attempts) = retry::run(&self.retry, self.limiter(), call.cancel, |n| {
            let attempt_span = tracing::debug_span!(
                "attempt",
                attempt = n,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty
            );
            let sent = attempt(n);
            async move {
                // An attempt dropped before its answer (a prefetched page past the end of
                // a listing) is logged too, as such.
                let mut pending = Pending {
                    call,
                    n,
                    clock: Instant::now(),
                    done: false,
                };
                let (result, meta) = sent.await;
                pending.done = true;
                let latency_ms = pending.clock.elapsed().as_millis() as u64;
                let span = tracing::Span::current();
                span.record("latency_ms", latency_ms);
                if let Some(status) = meta.status {
                    span.record("status", status.as_u16());
                }
                let status = meta
                    .status
                    .map_or_else(|| "no response".to_owned(), |s| s.as_u16().to_string());
                call.log(n, &format!("HTTP {status}, {latency_ms} ms"));
                let result = match result {
                    Ok(value) => answer(value, meta).map_err(|e| *e),
                    Err(e) => Err(map_error(e, meta).await),
                };
                if let Err(e) = &result {
                    tracing::debug!(error = %e, "attempt failed");
                }
                result
            }
            .instrument(attempt_span)
        })
        .instrument(span.clone())
        .await;
        span.record("attempts", attempts);
        Called {
            result,
            attempts,
            started,
            finished: SystemTime::now(),
        }
    }
}

/// Errors after which every other request would fail the same way: one rule for every
/// batch operation.
pub(crate) fn stops_the_run(e: &Error) -> bool {
    match e {
        Error::Unauthorized(_) | Error::Redirect(_) | Error::Tls(_) => true,
        // A 404 that is not the route's answer: the endpoint is wrong, not the ids.
        Error::NotFound(api) => !api.is_the_routes_answer(),
        _ => false,
    }
}

/// One request of a batch operation, retries included: what every request has (its
/// place, its batch, how many ids it carried, when, how many attempts, the last status,
/// the server's request id, the error), plus the operation's own facts `E`
/// ([`crate::ExampleDeletion`], [`crate::ExampleReadBack`], [`crate::TraceDeletion`]),
/// read through the accessors of [`crate::RequestReport`], [`crate::VerifyRequest`] and
/// [`crate::TraceDeleteRequest`].
#[derive(Debug)]
pub struct RequestRecord<E> {
    index: usize,
    batch: usize,
    sent: usize,
    started: SystemTime,
    finished: SystemTime,
    attempts: u32,
    status: Option<u16>,
    request_id: Option<String>,
    error: Option<Error>,
    pub(crate) extra: E,
}

impl<E> RequestRecord<E> {
    /// The record of a request of `batch` that carried `sent` ids, from its call; the
    /// operation's facts start as `extra`. The status and request id are the error's
    /// when it failed (see [`RequestRecord::answered`] for a success).
    pub(crate) fn of<T>(batch: usize, sent: usize, called: &Called<T>, extra: E) -> Self {
        let (status, request_id) = match &called.result {
            Ok(_) => (None, None),
            Err(e) => (e.status(), e.request_id().map(str::to_owned)),
        };
        RequestRecord {
            index: 0,
            batch,
            sent,
            started: called.started,
            finished: called.finished,
            attempts: called.attempts,
            status,
            request_id,
            error: None,
            extra,
        }
    }

    /// Notes the status and the server's request id of a successful answer.
    pub(crate) fn answered(&mut self, status: Option<u16>, request_id: Option<String>) {
        self.status = status;
        self.request_id = request_id;
    }

    /// Keeps the error the request ended with.
    pub(crate) fn failed(&mut self, error: Error) {
        self.error = Some(error);
    }

    /// Its place in the run's records (the engine sets it as the request finishes).
    pub(crate) fn set_index(&mut self, index: usize) {
        self.index = index;
    }

    /// Moves a later pass's record after an earlier pass's `requests` records and
    /// `batches` batches, so the two read as one run.
    pub(crate) fn follow(&mut self, requests: usize, batches: usize) {
        self.index += requests;
        self.batch += batches;
    }

    /// 0-based, in order of completion.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The batch it belongs to (0-based, in id order); isolation sends several per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }
    /// Ids it carried (example ids, or trace ids).
    pub fn ids_sent(&self) -> usize {
        self.sent
    }
    /// When its first attempt started.
    pub fn started(&self) -> SystemTime {
        self.started
    }
    /// When its last attempt ended.
    pub fn finished(&self) -> SystemTime {
        self.finished
    }
    /// HTTP attempts made (1 without retries).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Status of the last response, if any.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    /// The server's request id of the last response, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// Why it failed or was refused.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }
}

/// A function the caller hands to a run (called as each request finishes), shared by the
/// options' clones. `Debug` says only that one is set, so options derive theirs.
pub struct Callback<F: ?Sized>(Arc<F>);

impl<F: ?Sized> Callback<F> {
    pub(crate) fn from_arc(f: Arc<F>) -> Self {
        Callback(f)
    }
}

impl<F: ?Sized> Clone for Callback<F> {
    fn clone(&self) -> Self {
        Callback(self.0.clone())
    }
}

impl<F: ?Sized> fmt::Debug for Callback<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Callback")
    }
}

impl<F: ?Sized> Deref for Callback<F> {
    type Target = F;
    fn deref(&self) -> &F {
        &self.0
    }
}
