//! The client and the single call.

use crate::call::{Call, Called};
use crate::config::{self, ClientBuilder};
use crate::error::{ApiError, ConfigError, Error, ErrorKind, HttpClientError, snippet};
use crate::ids::ExampleIds;
use crate::retry::{RateLimiter, RetryPolicy};
use langsmith_api::hooks::{self, ResponseMeta, request_id};
use langsmith_api::types;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;
use uuid::Uuid;

/// Bodies of unexpected responses are read up to this many bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the server answered to one hard-delete request (a 2xx with the documented body).
///
/// An id is hard-deleted only when the answer names it: see [`HardDeleted::confirmation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardDeleted {
    count: Option<i64>,
    example_ids: Vec<String>,
    request_id: Option<String>,
    status: u16,
    attempts: u32,
}

impl HardDeleted {
    /// The server's `count`.
    pub fn count(&self) -> Option<i64> {
        self.count
    }

    /// The ids the server echoed, exactly as received (they are not always UUIDs: Prism's
    /// example response echoes `["[\"123e...\"]"]`).
    pub fn echoed(&self) -> &[String] {
        &self.example_ids
    }

    /// The request id header, if the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status (the spec documents 200).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// How many attempts it took.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Compares the echo with the ids that were sent: only ids the echo names (as
    /// canonical UUIDs) are confirmed.
    pub fn confirmation(&self, sent: &[Uuid]) -> Confirmation {
        Confirmation::new(sent, &self.example_ids, self.count)
    }
}

/// What a 2xx answer confirms of the ids sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Confirmation {
    confirmed: Vec<Uuid>,
    unconfirmed: Vec<Uuid>,
    foreign: Vec<Uuid>,
    not_uuids: usize,
    count: Option<i64>,
    echoed_unique: usize,
}

impl Confirmation {
    pub(crate) fn new(sent: &[Uuid], echo: &[String], count: Option<i64>) -> Self {
        let mut named: Vec<Uuid> = Vec::with_capacity(echo.len());
        let mut not_uuids = 0;
        for text in echo {
            match Uuid::try_parse_ascii(text.as_bytes().trim_ascii()) {
                Ok(id) => named.push(id),
                // Not ASCII around the id (Unicode spaces): the rule of every id input.
                Err(_) => match crate::ids::parse_id(text) {
                    Ok(id) => named.push(id),
                    Err(_) => not_uuids += 1,
                },
            }
        }
        // An echo in the order sent (the usual answer) costs one pass: `sort_ids` checks.
        crate::ids::sort_ids(&mut named);
        named.dedup();
        // Bulk batches are sorted already; only a caller's own order needs a sorted copy.
        let sorted_copy;
        let sent_sorted: &[Uuid] = if sent.is_sorted() {
            sent
        } else {
            let mut v = sent.to_vec();
            v.sort_unstable();
            sorted_copy = v;
            &sorted_copy
        };
        // One merge walk over the two sorted lists: confirmed, unconfirmed, foreign.
        let (mut confirmed, mut unconfirmed, mut foreign) =
            (Vec::with_capacity(sent.len()), Vec::new(), Vec::new());
        let mut echoed = named.iter().peekable();
        for id in sent_sorted {
            while let Some(e) = echoed.next_if(|e| *e < id) {
                foreign.push(*e);
            }
            if echoed.next_if(|e| *e == id).is_some() {
                confirmed.push(*id);
            } else {
                unconfirmed.push(*id);
            }
        }
        foreign.extend(echoed.copied());
        Confirmation {
            confirmed,
            unconfirmed,
            foreign,
            not_uuids,
            count,
            echoed_unique: named.len(),
        }
    }

    /// Sent ids the echo names: hard-deleted, on the server's word.
    pub fn confirmed(&self) -> &[Uuid] {
        &self.confirmed
    }

    /// Sent ids the echo does not name.
    pub fn unconfirmed(&self) -> &[Uuid] {
        &self.unconfirmed
    }

    /// Ids the echo names that were not sent (a server anomaly).
    pub fn foreign(&self) -> &[Uuid] {
        &self.foreign
    }

    /// Echoed values that are not UUIDs (a server anomaly).
    pub fn not_uuids(&self) -> usize {
        self.not_uuids
    }

    /// Whether the server's `count` disagrees with the number of ids it named.
    pub fn count_disagrees(&self) -> bool {
        self.count
            .is_some_and(|c| usize::try_from(c).ok() != Some(self.echoed_unique))
    }

    /// Whether the answer is exactly what a correct server sends: every id named, nothing
    /// else, and a `count` that agrees.
    pub fn is_exact(&self) -> bool {
        self.unconfirmed.is_empty()
            && self.foreign.is_empty()
            && self.not_uuids == 0
            && !self.count_disagrees()
    }

    /// Why ids are unconfirmed or the answer is odd, in words; `None` when exact.
    pub fn anomaly(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.unconfirmed.is_empty() {
            parts.push(format!(
                "the echo does not name {} of the ids sent",
                self.unconfirmed.len()
            ));
        }
        if self.not_uuids > 0 {
            parts.push(format!("{} echoed values are not UUIDs", self.not_uuids));
        }
        if !self.foreign.is_empty() {
            parts.push(format!(
                "the echo names {} ids that were not sent (first: {})",
                self.foreign.len(),
                self.foreign[0]
            ));
        }
        if self.count_disagrees() {
            parts.push(format!(
                "count {} disagrees with the {} ids echoed",
                self.count.unwrap_or_default(),
                self.echoed_unique
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// A LangSmith client for hard-deleting dataset examples.
///
/// Cheap to clone: clones share the connection pool and the rate limiter.
///
/// ```no_run
/// # async fn demo() -> Result<(), langsmith::Error> {
/// let client = langsmith::Client::from_env()?;
/// let ids = langsmith::ExampleIds::parse(["123e4567-e89b-12d3-a456-426614174000"])?;
/// let answer = client.hard_delete_examples(&ids).await?;
/// for id in answer.confirmation(ids.as_slice()).confirmed() {
///     println!("{id}: deleted, the server says so");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) api: langsmith_api::Client,
    pub(crate) retry: RetryPolicy,
    limiter: Option<std::sync::Arc<RateLimiter>>,
    endpoint: String,
    workspace_id: Option<String>,
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Configured like the official SDKs: `LANGSMITH_*` (or `LANGCHAIN_*`) environment
    /// variables, then the CLI login profile for what they leave unset
    /// ([`ClientBuilder::from_env_and_profile`]).
    pub fn from_env() -> Result<Client, ConfigError> {
        ClientBuilder::from_env_and_profile(None)?.build()
    }

    pub(crate) fn from_builder(b: ClientBuilder) -> Result<Client, ConfigError> {
        let base = config::base_url(&b.endpoint, b.allow_insecure_http)?;
        config::check_proxy(&base, b.allow_insecure_http)?;
        let headers = config::auth_headers(&b)?;
        let mut http = reqwest::Client::builder()
            .timeout(b.timeout)
            .connect_timeout(b.connect_timeout);
        if let Some(customize) = &b.http_customizer {
            http = customize(http);
        }
        // Never follow a redirect: the credentials would go wherever it points.
        let http = http
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                ConfigError::HttpClient(HttpClientError {
                    source: Box::new(e),
                })
            })?;
        let api = langsmith_api::Client::new_with_client(
            &base,
            http,
            langsmith_api::RequestDefaults::new(headers).with_versioned_base_path(
                url::Url::parse(&base)
                    .map(|u| u.path().to_owned())
                    .unwrap_or_default()
                    .as_str(),
            ),
        );
        if b.rate_limit_per_minute == Some(0) {
            return Err(ConfigError::setting(
                "rate limit",
                "must be at least 1 request per minute",
            ));
        }
        Ok(Client {
            api,
            retry: b.retry,
            limiter: b
                .rate_limit_per_minute
                .map(|n| std::sync::Arc::new(RateLimiter::per_minute(n))),
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

    /// The client-side rate limiter, shared by every clone of this client and every call.
    pub(crate) fn limiter(&self) -> Option<&RateLimiter> {
        self.limiter.as_deref()
    }

    /// The generated client underneath, for operations the facade does not wrap.
    pub fn api(&self) -> &langsmith_api::Client {
        &self.api
    }

    /// Hard-deletes every version of the given examples: inputs, outputs and metadata
    /// are nulled at once, attachments within days. `hard_delete` is always `true`.
    ///
    /// Retries per the client's [`RetryPolicy`], within its rate limit. Only the ids the
    /// answer names are confirmed: see [`HardDeleted::confirmation`].
    pub async fn hard_delete_examples(&self, ids: &ExampleIds) -> Result<HardDeleted, Error> {
        self.hard_delete_call(ids, None).await.result
    }

    /// One hard-delete request through [`Client::call`] (retries, rate limit, a debug
    /// line per attempt); a failed attempt is not retried once `cancel` is true.
    pub(crate) async fn hard_delete_call(
        &self,
        ids: &ExampleIds,
        cancel: Option<&std::sync::atomic::AtomicBool>,
    ) -> Called<HardDeleted> {
        let body = ids.request_body();
        let call = Call::new("hard_delete_examples")
            .ids(ids.len())
            .cancel(cancel);
        let mut called = self
            .call(
                call,
                |_| hooks::capture(self.api.hard_delete_examples().body(body.clone()).send()),
                |rv, _| {
                    let request_id = request_id(rv.headers());
                    let status = rv.status().as_u16();
                    let inner = rv.into_inner();
                    Ok(HardDeleted {
                        count: inner.count,
                        example_ids: inner.example_ids,
                        request_id,
                        status,
                        attempts: 0,
                    })
                },
            )
            .await;
        if let Ok(done) = &mut called.result {
            done.attempts = called.attempts;
        }
        called
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

/// Maps a status and what the body said to the facade's error, per
/// [`ErrorKind::for_status`].
pub(crate) fn by_status(api: ApiError, headers: &HeaderMap) -> Error {
    match ErrorKind::for_status(api.status()) {
        Some(ErrorKind::BadRequest) => Error::BadRequest(api),
        Some(ErrorKind::Unauthorized) => Error::Unauthorized(api),
        Some(ErrorKind::Forbidden) => Error::Forbidden(api),
        Some(ErrorKind::NotFound) => Error::NotFound(api),
        Some(ErrorKind::Unprocessable) => Error::Unprocessable(api),
        Some(ErrorKind::RateLimited) => {
            let after = retry_after(headers);
            Error::rate_limited(api, after)
        }
        Some(ErrorKind::Server) => Error::Server(api),
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
    status: u16,
    request_id: Option<String>,
    body: &[u8],
) -> ApiError {
    let parsed = documented_error(body);
    let body_snippet = match &parsed {
        Some(_) => None,
        None if body.is_empty() => Some(String::new()),
        None => Some(snippet(body)),
    };
    let (error, details) = parsed.unwrap_or_default();
    ApiError::new(status)
        .with_error(error, details)
        .with_request_id(request_id)
        .with_snippet(body_snippet)
}

/// The origin (`scheme://host[:port]`) of a `Location` header, never its path or query.
fn location_origin(headers: &HeaderMap, base: &reqwest::Url) -> Option<String> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let target = base.join(location).ok()?;
    Some(target.origin().ascii_serialization()).filter(|o| o != "null")
}

/// What kind of failure a reqwest error is: a timeout, TLS, or another transport failure.
fn transport_kind(err: &reqwest::Error) -> ErrorKind {
    if err.is_timeout() {
        return ErrorKind::Timeout;
    }
    // `error_chain` looks inside io::Error, whose `source()` skips the error it wraps.
    if crate::error_chain(err).any(|e| e.is::<rustls::Error>()) {
        return ErrorKind::Tls;
    }
    ErrorKind::Transport
}

/// The URL of a reqwest error, for messages (never holds credentials: they travel in headers).
fn error_url(err: &reqwest::Error) -> Option<String> {
    err.url().map(|u| u.as_str().to_owned())
}

/// The error shapes of the spec's operations: the platform API's `ErrorResponse`
/// (`error`, `details` as a JSON string) and FastAPI's (`detail`: a message, or the
/// `HTTPValidationError` list). `None` when the body is neither.
fn documented_error(body: &[u8]) -> Option<(Option<String>, Option<String>)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let platform = object.contains_key("error") || object.contains_key("details");
    match object.get("detail") {
        Some(serde_json::Value::Array(_)) if !platform => {
            let p = serde_json::from_value::<types::HttpValidationError>(value).ok()?;
            Some(p.parts())
        }
        Some(serde_json::Value::String(s)) if !platform => Some((Some(s.clone()), None)),
        Some(other) if !platform => Some((Some(other.to_string()), None)),
        _ => {
            let p = serde_json::from_value::<types::ExamplesErrorResponse>(value).ok()?;
            Some(p.parts())
        }
    }
}

/// A documented error body of a generated call, as the facade's message and details.
pub(crate) trait DocumentedError {
    fn parts(self) -> (Option<String>, Option<String>);
}

impl DocumentedError for types::ExamplesErrorResponse {
    fn parts(self) -> (Option<String>, Option<String>) {
        (self.error, self.details)
    }
}

impl DocumentedError for types::HttpValidationError {
    /// The first violation as `query.limit: message`; the whole list as details.
    fn parts(self) -> (Option<String>, Option<String>) {
        let first = self.detail.first().map(|v| {
            let loc: Vec<String> = v
                .loc
                .iter()
                .map(|l| match serde_json::to_value(l) {
                    Ok(serde_json::Value::String(s)) => s,
                    Ok(other) => other.to_string(),
                    Err(_) => String::new(),
                })
                .collect();
            format!("{}: {}", loc.join("."), v.msg)
        });
        (
            Some(first.unwrap_or_else(|| "request validation failed".into())),
            serde_json::to_string(&self.detail).ok(),
        )
    }
}

pub(crate) async fn map_error<T: DocumentedError>(
    e: langsmith_api::Error<T>,
    meta: ResponseMeta,
) -> Error {
    use langsmith_api::Error as E;
    match e {
        E::ErrorResponse(rv) => {
            let status = rv.status().as_u16();
            let headers = rv.headers().clone();
            let (error, details) = rv.into_inner().parts();
            let api = ApiError::new(status)
                .with_error(error, details)
                .with_request_id(request_id(&headers));
            by_status(api, &headers)
        }
        E::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let url = response.url().clone();
            if status.is_redirection() {
                return Error::redirect(
                    status.as_u16(),
                    location_origin(&headers, &url),
                    Some(url.as_str().to_owned()),
                );
            }
            let body = read_bounded(response).await;
            by_status(
                api_error_from_body(status.as_u16(), request_id(&headers), &body)
                    .with_url(Some(url.as_str().to_owned())),
                &headers,
            )
        }
        // A documented error status whose body is not the documented shape is still that
        // error (a 404 from the wrong path, a gateway's page); only a 2xx is "unexpected".
        // (The documented statuses are 400/403/404/422: no `Retry-After` to read.)
        E::InvalidResponsePayload(bytes, _) if meta.status.is_some_and(|s| !s.is_success()) => {
            let status = meta.status.expect("checked").as_u16();
            by_status(
                api_error_from_body(status, meta.request_id.clone(), &bytes)
                    .with_url(meta.url.clone()),
                &HeaderMap::new(),
            )
        }
        // JSON that ends early was cut in transit (a transient fault); anything else
        // arrived whole and is another answer than the documented one.
        E::InvalidResponsePayload(bytes, err) => Error::unexpected_body(
            meta.status.map(u16::from),
            err.classify() != serde_json::error::Category::Eof,
            "not the documented JSON",
            snippet(&bytes),
            meta.request_id.clone(),
            Some(Box::new(err)),
        ),
        E::ResponseBodyError(err) if langsmith_api::hooks::is_body_too_large(&err) => {
            Error::too_large(
                meta.status.map(u16::from),
                meta.body_limit.unwrap_or_default(),
                meta.request_id.clone(),
            )
        }
        E::ResponseBodyError(err) if err.is_timeout() => {
            Error::transport(ErrorKind::Timeout, error_url(&err), err)
                .with_status(meta.status.map(u16::from))
        }
        E::ResponseBodyError(err) => Error::unexpected_body(
            meta.status.map(u16::from),
            false,
            "the body could not be read whole",
            String::new(),
            meta.request_id.clone(),
            Some(Box::new(err)),
        ),
        E::CommunicationError(err) | E::InvalidUpgrade(err) => {
            Error::transport(transport_kind(&err), error_url(&err), err)
        }
        E::InvalidRequest(message) | E::Custom(message) => Error::request(message),
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
