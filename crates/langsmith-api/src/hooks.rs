//! Hand-written hooks the generated client calls on every request (set in the xtask with
//! progenitor's `with_pre_hook`/`with_post_hook`).

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

/// Headers added to every request the generated [`crate::Client`] sends.
///
/// progenitor ignores the spec's `securitySchemes`, so authentication headers travel
/// here. Holding them per client (rather than as `reqwest` default headers) means they
/// are also sent through a caller-supplied `reqwest::Client`. Values that hold secrets
/// should be marked sensitive ([`HeaderValue::set_sensitive`]) so that `reqwest` and
/// `http` never print them; `Debug` here prints header names only.
#[derive(Clone)]
pub struct RequestDefaults {
    headers: HeaderMap,
    response_limit_base: usize,
}

impl Default for RequestDefaults {
    fn default() -> Self {
        Self::new(HeaderMap::new())
    }
}

/// Every response body may be this large, plus [`RESPONSE_BYTES_PER_REQUEST_BYTE`] bytes
/// per byte of the request body (a 1,000-id hard-delete echo is about 40 KB).
pub const DEFAULT_RESPONSE_LIMIT_BASE: usize = 1 << 20;
/// See [`DEFAULT_RESPONSE_LIMIT_BASE`].
pub const RESPONSE_BYTES_PER_REQUEST_BYTE: usize = 16;

impl RequestDefaults {
    /// Defaults that add `headers` to each request (existing headers of the same name win).
    pub fn new(headers: HeaderMap) -> Self {
        Self {
            headers,
            response_limit_base: DEFAULT_RESPONSE_LIMIT_BASE,
        }
    }

    /// Replaces the fixed part of the response-body bound.
    pub fn with_response_limit_base(mut self, bytes: usize) -> Self {
        self.response_limit_base = bytes;
        self
    }

    /// The bound on a response body for a request whose body has `request_bytes` bytes.
    pub fn response_limit(&self, request_bytes: usize) -> usize {
        self.response_limit_base
            .saturating_add(request_bytes.saturating_mul(RESPONSE_BYTES_PER_REQUEST_BYTE))
    }

    /// The headers added to each request.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl std::fmt::Debug for RequestDefaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestDefaults")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Headers that name a request for support (the first present is kept).
pub const REQUEST_ID_HEADERS: &[&str] = &["x-request-id", "request-id"];

/// Status and request id of the last response received inside a [`capture`] scope.
#[derive(Clone, Debug, Default)]
pub struct ResponseMeta {
    /// The response status.
    pub status: Option<StatusCode>,
    /// The request id header.
    pub request_id: Option<String>,
    /// The URL that answered.
    pub url: Option<String>,
    /// The bound the response body was read with (see [`limit_body`]).
    pub body_limit: Option<usize>,
}

tokio::task_local! {
    static LAST_RESPONSE: std::cell::RefCell<ResponseMeta>;
}

/// Runs `future` (a generated call) and returns its output with the status and request
/// id of the response it received, even when progenitor's error for it carries neither
/// (for example `InvalidResponsePayload` or a body that failed mid-read).
pub async fn capture<F: std::future::Future>(future: F) -> (F::Output, ResponseMeta) {
    LAST_RESPONSE
        .scope(
            std::cell::RefCell::new(ResponseMeta::default()),
            async move {
                let out = future.await;
                let meta = LAST_RESPONSE.with(|m| m.take());
                (out, meta)
            },
        )
        .await
}

/// Pre-request hook: adds the client's default headers.
pub fn pre(inner: &RequestDefaults, request: &mut reqwest::Request) {
    let headers = request.headers_mut();
    for (name, value) in inner.headers.iter() {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
}

/// The request id a response carries, if any.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Post-response hook: records status and request id for [`capture`].
pub fn post(_inner: &RequestDefaults, result: &reqwest::Result<reqwest::Response>) {
    if let Ok(response) = result {
        let _ = LAST_RESPONSE.try_with(|m| {
            let mut meta = m.borrow_mut();
            meta.status = Some(response.status());
            meta.request_id = request_id(response.headers());
            meta.url = Some(response.url().as_str().to_owned());
        });
    }
}

/// Marks a header value as sensitive and returns it.
pub fn sensitive(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}

/// Executes requests with a bound on every response body (success or error), so that a
/// hostile or broken server cannot make the client read gigabytes. Reading past the bound
/// fails with an error whose chain holds a [`BodyTooLarge`] marker (see
/// [`is_body_too_large`]). An impl for `Client` takes precedence over the generated
/// default impl for `&Client`.
impl progenitor_client::ClientHooks<RequestDefaults> for crate::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        let sent = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .map_or(0, <[u8]>::len);
        let limit = self.inner().response_limit(sent);
        // Recorded for [`capture`], so an error can say which bound it hit.
        let _ = LAST_RESPONSE.try_with(|m| m.borrow_mut().body_limit = Some(limit));
        let response = self.client().execute(request).await?;
        Ok(limit_body(response, limit))
    }
}

/// Wraps a response's body so that reading more than `limit` bytes fails.
pub fn limit_body(response: reqwest::Response, limit: usize) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    let url = response.url().clone();
    let response: http::Response<reqwest::Body> = response.into();
    let (mut parts, body) = response.into_parts();
    // Keep the response's URL: reqwest carries it in an extension of its own.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    let limited = http_body_util::Limited::new(body, limit);
    reqwest::Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap(limited),
    ))
}

/// The marker type of an over-long body: `http_body_util`'s length-limit error.
pub type BodyTooLarge = http_body_util::LengthLimitError;

/// Whether `error` or any of its sources is the body bound of [`limit_body`].
pub fn is_body_too_large(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<BodyTooLarge>() {
            return true;
        }
        current = e.source();
    }
    false
}
