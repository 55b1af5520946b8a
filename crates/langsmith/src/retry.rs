//! Retries with capped exponential backoff and full jitter, honouring `Retry-After`, and
//! a client-side rate limiter.

use crate::error::Error;
use std::future::Future;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// When and how often to retry a failed attempt.
///
/// Retried: 408, 429, 5xx, timeouts, connection failures, and a success status whose
/// body was cut short; a success status whose whole body is not the documented shape is
/// retried once at most ([`Error::is_malformed_success`]). Never retried: 400, 401, 403, 404, 422. A hard delete of the same
/// ids is idempotent, so repeating one is safe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 turns retrying off).
    pub max_retries: u32,
    /// Backoff before the first retry; doubles each time.
    pub initial_backoff: Duration,
    /// Upper bound of the exponential backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one ends retrying for that request.
    pub max_retry_after: Duration,
    /// Full jitter (a uniform draw in `[0, backoff]`); off gives the exact backoff.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Default::default()
        }
    }

    /// How long to wait before retry number `retry` (1-based) after `error`, or `None`
    /// when the error must not be retried or the budget is spent.
    pub fn delay(&self, retry: u32, error: &Error) -> Option<Duration> {
        if retry > self.max_retries || !error.is_retryable() {
            return None;
        }
        // A success whose whole body is not the documented shape is the server answering
        // something else (a login page, another API): one more try, then the error.
        if retry > 1 && error.is_malformed_success() {
            return None;
        }
        if let Some(after) = error.retry_after() {
            return (after <= self.max_retry_after).then_some(after);
        }
        let exp = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry - 1).unwrap_or(u32::MAX));
        let cap = exp.min(self.max_backoff);
        Some(if self.jitter {
            cap.mul_f64(fastrand::f64())
        } else {
            cap
        })
    }
}

/// Spaces request starts evenly to stay under a per-minute limit (LangSmith publishes
/// 2000 requests/min per API key). Every attempt, retries included, takes a slot.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` request starts per minute.
    pub(crate) fn per_minute(per_minute: u32) -> Self {
        let per_minute = per_minute.max(1);
        RateLimiter {
            interval: Duration::from_secs(60) / per_minute,
            next: Mutex::new(None),
        }
    }

    /// Waits for the next slot.
    pub(crate) async fn acquire(&self) {
        let wait_until = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = match *next {
                Some(t) if t > now => t,
                _ => now,
            };
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(wait_until).await;
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's budget is spent.
/// Returns the last result and how many attempts were made.
pub(crate) async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    limiter: Option<&RateLimiter>,
    cancel: Option<&std::sync::atomic::AtomicBool>,
    mut attempt: F,
) -> (Result<T, Error>, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut n = 0;
    loop {
        n += 1;
        if let Some(limiter) = limiter {
            limiter.acquire().await;
        }
        match attempt(n).await {
            Ok(v) => return (Ok(v), n),
            Err(e) => {
                let cancelled = cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst));
                match policy.delay(n, &e) {
                    Some(delay) if !cancelled => {
                        // The chain is formatted only when the event is enabled.
                        tracing::info!(
                            "attempt {n} failed ({}): {}; retrying in {:.1} s",
                            e.kind(),
                            crate::error_chain_line(&e),
                            delay.as_secs_f64()
                        );
                        tokio::time::sleep(delay).await;
                    }
                    _ => return (Err(e), n),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn api(status: u16) -> ApiError {
        ApiError::new(status)
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(60),
            jitter: false,
        }
    }

    #[test]
    fn a_malformed_success_is_retried_once_and_a_cut_body_within_the_budget() {
        let p = policy();
        let body = |status: u16, whole: bool| {
            Error::unexpected_body(Some(status), whole, "test", String::new(), None, None)
        };
        // An HTML page or another JSON document on a 200: one retry, then the error.
        let html = body(200, true);
        assert!(html.is_malformed_success());
        assert!(p.delay(1, &html).is_some());
        assert_eq!(p.delay(2, &html), None);
        // A body cut short in transit: every retry of the budget.
        let cut = body(200, false);
        assert!(!cut.is_malformed_success());
        assert!(p.delay(3, &cut).is_some());
        // A 5xx with a page is a server error: the whole budget too.
        assert!(!body(502, true).is_malformed_success());
        assert!(p.delay(3, &body(502, true)).is_some());
    }

    #[test]
    fn backoff_doubles_and_caps_and_only_retryable_errors_retry() {
        let p = policy();
        let e = Error::Server(api(503));
        assert_eq!(p.delay(1, &e), Some(Duration::from_secs(1)));
        assert_eq!(p.delay(2, &e), Some(Duration::from_secs(2)));
        assert_eq!(p.delay(3, &e), Some(Duration::from_secs(3)));
        assert_eq!(p.delay(4, &e), None);
        for status in [400, 401, 403, 404, 422] {
            let e = match status {
                400 => Error::BadRequest(api(status)),
                401 => Error::Unauthorized(api(status)),
                403 => Error::Forbidden(api(status)),
                404 => Error::NotFound(api(status)),
                _ => Error::Unprocessable(api(status)),
            };
            assert_eq!(p.delay(1, &e), None, "{status}");
        }
        assert!(p.delay(1, &Error::UnexpectedStatus(api(408))).is_some());
        assert!(p.delay(1, &Error::UnexpectedStatus(api(418))).is_none());
        assert_eq!(RetryPolicy::none().delay(1, &e), None);
        let jittered = RetryPolicy { jitter: true, ..p };
        for _ in 0..100 {
            assert!(jittered.delay(2, &e).unwrap() <= Duration::from_secs(2));
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = policy();
        let limited = |secs| Error::rate_limited(api(429), Some(Duration::from_secs(secs)));
        assert_eq!(p.delay(1, &limited(7)), Some(Duration::from_secs(7)));
        assert_eq!(p.delay(1, &limited(61)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn run_sleeps_per_policy_on_a_paused_clock() {
        let calls = Arc::new(AtomicU32::new(0));
        let start = Instant::now();
        let c = calls.clone();
        let (result, attempts) = run(&policy(), None, None, move |_| {
            let c = c.clone();
            async move {
                match c.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(Error::Server(api(502))),
                    1 => Err(Error::rate_limited(api(429), Some(Duration::from_secs(10)))),
                    _ => Ok(42),
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 42);
        assert_eq!(attempts, 3);
        // 1 s backoff, then the server's 10 s Retry-After.
        assert_eq!(start.elapsed(), Duration::from_secs(11));
    }

    #[tokio::test(start_paused = true)]
    async fn run_gives_up_after_the_budget_and_not_on_client_errors() {
        let (result, attempts) = run(&policy(), None, None, |_| async {
            Err::<(), _>(Error::Server(api(500)))
        })
        .await;
        assert!(matches!(result, Err(Error::Server(_))));
        assert_eq!(attempts, 4);
        let (result, attempts) = run(&policy(), None, None, |_| async {
            Err::<(), _>(Error::Forbidden(api(403)))
        })
        .await;
        assert!(matches!(result, Err(Error::Forbidden(_))));
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_spaces_starts() {
        let limiter = RateLimiter::per_minute(2000);
        let start = Instant::now();
        for _ in 0..101 {
            limiter.acquire().await;
        }
        // 100 intervals of 30 ms after the first, immediate, start.
        assert_eq!(start.elapsed(), Duration::from_millis(3000));
    }
}
