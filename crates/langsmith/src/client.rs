//! The client and the single call.

use crate::config::{self, ClientBuilder};
use crate::error::{ApiError, ConfigError, Details, Error, snippet};
use crate::ids::ExampleIds;
use crate::retry::{self, RateLimiter, RetryPolicy};
use langsmith_api::hooks::{self, ResponseMeta, request_id};
use langsmith_api::types;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;
use tracing::Instrument;

/// Bodies of unexpected responses are read up to this many bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the server confirmed for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardDeleted {
    /// The server's `count`.
    pub count: Option<i64>,
    /// The ids the server echoed, exactly as received (they are not always UUIDs: Prism's
    /// example response echoes `["[\"123e...\"]"]`).
    pub example_ids: Vec<String>,
    /// The request id header, if the server sent one.
    pub request_id: Option<String>,
    /// The HTTP status (the spec documents 200).
    pub status: u16,
    /// How many attempts it took.
    pub attempts: u32,
}

/// A LangSmith client for hard-deleting dataset examples.
///
/// Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) api: langsmith_api::Client,
    pub(crate) retry: RetryPolicy,
    endpoint: String,
    workspace_id: Option<String>,
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Configured from `LANGSMITH_*` (or `LANGCHAIN_*`) environment variables, like the
    /// official SDKs.
    pub fn from_env() -> Result<Client, ConfigError> {
        ClientBuilder::from_env().build()
    }

    pub(crate) fn from_builder(b: ClientBuilder) -> Result<Client, ConfigError> {
        let base = config::base_url(&b.endpoint, b.allow_insecure_http)?;
        let headers = config::auth_headers(&b)?;
        let http = match b.http_client.clone() {
            Some(c) => c,
            None => reqwest::Client::builder()
                .timeout(b.timeout)
                .connect_timeout(b.connect_timeout)
                .build()
                .map_err(|e| ConfigError::HttpClient(e.to_string()))?,
        };
        let api = langsmith_api::Client::new_with_client(
            &base,
            http,
            langsmith_api::RequestDefaults::new(headers),
        );
        Ok(Client {
            api,
            retry: b.retry,
            endpoint: b.endpoint,
            workspace_id: b.workspace_id,
        })
    }

    /// The endpoint as configured.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The workspace id, if configured.
    pub fn workspace_id(&self) -> Option<&str> {
        self.workspace_id.as_deref()
    }

    /// The generated client underneath, for operations the facade does not wrap.
    pub fn api(&self) -> &langsmith_api::Client {
        &self.api
    }

    /// Hard-deletes every version of the given examples: inputs, outputs and metadata
    /// are nulled at once, attachments within days. `hard_delete` is always `true`.
    ///
    /// Retries per the client's [`RetryPolicy`].
    pub async fn hard_delete_examples(&self, ids: &ExampleIds) -> Result<HardDeleted, Error> {
        self.send(ids, None).await.0
    }

    /// One request with retries; also returns the number of attempts.
    pub(crate) async fn send(
        &self,
        ids: &ExampleIds,
        limiter: Option<&RateLimiter>,
    ) -> (Result<HardDeleted, Error>, u32) {
        let body = ids.request_body();
        let span = tracing::info_span!(
            "hard_delete_examples",
            ids = ids.len(),
            attempts = tracing::field::Empty
        );
        let (result, attempts) = retry::run(&self.retry, limiter, |attempt| {
            let attempt_span = tracing::debug_span!(
                "attempt",
                attempt,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty
            );
            async move {
                let started = std::time::Instant::now();
                let (result, meta) = hooks::capture(self.api.hard_delete_examples(body)).await;
                let span = tracing::Span::current();
                span.record("latency_ms", started.elapsed().as_millis() as u64);
                if let Some(status) = meta.status {
                    span.record("status", status.as_u16());
                }
                match result {
                    Ok(rv) => {
                        let request_id = request_id(rv.headers());
                        let status = rv.status().as_u16();
                        let inner = rv.into_inner();
                        Ok(HardDeleted {
                            count: inner.count,
                            example_ids: inner.example_ids,
                            request_id,
                            status,
                            attempts: attempt,
                        })
                    }
                    Err(e) => {
                        let e = map_error(e, meta).await;
                        tracing::debug!(error = %e, "attempt failed");
                        Err(e)
                    }
                }
            }
            .instrument(attempt_span)
        })
        .instrument(span.clone())
        .await;
        span.record("attempts", attempts);
        (result, attempts)
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Maps a status and what the body said to the facade's error.
pub(crate) fn by_status(api: ApiError, headers: &HeaderMap) -> Error {
    match api.status.as_u16() {
        400 => Error::BadRequest(api),
        401 => Error::Unauthorized(api),
        403 => Error::Forbidden(api),
        404 => Error::NotFound(api),
        422 => Error::Unprocessable(api),
        429 => Error::RateLimited {
            retry_after: retry_after(headers),
            api,
        },
        500..=599 => Error::Server(api),
        _ => Error::UnexpectedStatus(api),
    }
}

/// Reads at most [`MAX_ERROR_BODY`] bytes of a body.
async fn read_bounded(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    body
}

/// Builds an [`ApiError`] from an undocumented response: the documented error shape when
/// the body has it, a snippet otherwise.
pub(crate) fn api_error_from_body(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiError {
    let parsed = serde_json::from_slice::<types::ExamplesErrorResponse>(body).ok();
    let body_snippet = match &parsed {
        Some(_) => None,
        None if body.is_empty() => None,
        None => Some(snippet(body)),
    };
    let (error, details) = parsed.map(|p| (p.error, p.details)).unwrap_or_default();
    ApiError {
        status,
        error,
        details: details.map(Details::parse),
        request_id: request_id(headers),
        body_snippet,
    }
}

async fn map_error(
    e: langsmith_api::Error<types::ExamplesErrorResponse>,
    meta: ResponseMeta,
) -> Error {
    use langsmith_api::Error as E;
    match e {
        E::ErrorResponse(rv) => {
            let status = rv.status();
            let headers = rv.headers().clone();
            let body = rv.into_inner();
            let api = ApiError {
                status,
                error: body.error,
                details: body.details.map(Details::parse),
                request_id: request_id(&headers),
                body_snippet: None,
            };
            by_status(api, &headers)
        }
        E::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = read_bounded(response).await;
            by_status(api_error_from_body(status, &headers, &body), &headers)
        }
        E::InvalidResponsePayload(bytes, err) => Error::UnexpectedBody {
            status: meta.status,
            reason: err.to_string(),
            snippet: snippet(&bytes),
            request_id: meta.request_id.clone(),
        },
        E::ResponseBodyError(err) if err.is_timeout() => Error::Timeout { source: err },
        E::ResponseBodyError(err) => Error::UnexpectedBody {
            status: meta.status,
            reason: format!("the body could not be read whole: {err}"),
            snippet: String::new(),
            request_id: meta.request_id.clone(),
        },
        E::CommunicationError(err) | E::InvalidUpgrade(err) => {
            if err.is_timeout() {
                Error::Timeout { source: err }
            } else {
                Error::Transport { source: err }
            }
        }
        E::InvalidRequest(message) | E::Custom(message) => Error::Request(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_seconds_and_http_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = std::time::SystemTime::now() + Duration::from_secs(90);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(85) && d <= Duration::from_secs(90),
            "{d:?}"
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
