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
#[derive(Clone, Default)]
pub struct RequestDefaults {
    headers: HeaderMap,
}

impl RequestDefaults {
    /// Defaults that add `headers` to each request (existing headers of the same name win).
    pub fn new(headers: HeaderMap) -> Self {
        Self { headers }
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
    pub status: Option<StatusCode>,
    pub request_id: Option<String>,
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
            *m.borrow_mut() = ResponseMeta {
                status: Some(response.status()),
                request_id: request_id(response.headers()),
            };
        });
    }
}

/// Marks a header value as sensitive and returns it.
pub fn sensitive(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}
