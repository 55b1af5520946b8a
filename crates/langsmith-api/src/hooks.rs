//! Hand-written hooks the generated client calls on every request (set in the xtask with
//! progenitor's `with_pre_hook`/`with_post_hook`).

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Headers added to every request the generated [`crate::Client`] sends.
///
/// progenitor ignores the spec's `securitySchemes`, so authentication headers travel
/// here. Holding them per client (rather than as `reqwest` default headers) means they
/// are also sent through a caller-supplied `reqwest::Client`. Values that hold secrets
/// should be marked sensitive ([`reqwest::header::HeaderValue::set_sensitive`]) so that
/// `reqwest` and `http` never print them; `Debug` here prints header names only.
#[derive(Clone)]
pub struct RequestDefaults {
    headers: HeaderMap,
    response_limit_base: usize,
    versioned_endpoint: Option<VersionedEndpoint>,
    /// The base URL's path (`/api/v1`, `/langsmith`, or empty), and its root: the path
    /// less a trailing `/api/vN` or `/vN`.
    base: Option<(String, String)>,
}

/// An endpoint whose path already ends in an API version (`/api/v1`, self-hosted).
#[derive(Clone, Debug)]
struct VersionedEndpoint {
    /// The endpoint's path, `/api/v1`.
    path: String,
    /// Its version segment, `v1`.
    version: String,
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
            versioned_endpoint: None,
            base: None,
        }
    }

    /// Declares that the base URL the client was built with ends in an API version
    /// (`https://host/api/v1`): every request then drops its spec path's own version
    /// prefix (`/api/v1` or `/v1`, when the version matches) before it is appended, as
    /// the official SDKs do: `/api/v1/examples` reaches `https://host/api/v1/examples`
    /// and `/v1/platform/...` reaches `https://host/api/v1/platform/...`, never
    /// `/api/v1/api/v1/...`. `base_path` is the base URL's path; one that does not end in
    /// a version segment leaves paths unchanged.
    ///
    /// The v2 family is the exception, under every endpoint form: the spec writes
    /// `/v2/runs/query`, and the official SDK (`client.runs.query()`) sends it to
    /// `/api/v2/runs/query` at the endpoint's root, so a spec path starting `/v2/` goes to
    /// `{root}/api/v2/...`, where the root is the base path less a trailing `/api/vN` or
    /// `/vN` (`https://host` and `https://host/api/v1` both reach
    /// `https://host/api/v2/runs/query`).
    pub fn with_versioned_base_path(mut self, base_path: &str) -> Self {
        let path = base_path.trim_end_matches('/');
        let last = path.rsplit('/').next().unwrap_or("");
        let versioned = is_version_segment(last);
        self.versioned_endpoint = versioned.then(|| VersionedEndpoint {
            path: path.to_owned(),
            version: last.to_owned(),
        });
        let mut root = path;
        if versioned {
            root = &root[..root.len() - last.len() - 1];
            root = root.strip_suffix("/api").unwrap_or(root);
        }
        self.base = Some((path.to_owned(), root.to_owned()));
        self
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
    /// Within [`capture_fields_present`], for a listing of examples: each example's id
    /// and which content fields the answer carried (`None` when the body was not a
    /// listing of examples).
    pub fields_present: Option<Vec<(uuid::Uuid, FieldsPresent)>>,
    /// Whether to record `fields_present`.
    record_fields: bool,
}
/// Which content fields of one example an answer carried, whether null or not: what a
/// typed `Option` cannot say (it reads an absent field and a null one alike).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldsPresent {
    pub inputs: bool,
    pub outputs: bool,
    pub metadata: bool,
    pub attachment_urls: bool,
}

/// One element of a `GET /api/v1/examples` answer, read for presence only.
#[derive(serde::Deserialize)]
struct PresenceRow {
    id: uuid::Uuid,
    #[serde(default, deserialize_with = "present")]
    inputs: bool,
    #[serde(default, deserialize_with = "present")]
    outputs: bool,
    #[serde(default, deserialize_with = "present")]
    metadata: bool,
    #[serde(default, deserialize_with = "present")]
    attachment_urls: bool,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d)?;
    Ok(true)
}

use serde::Deserialize as _;

/// The operation whose answers [`capture_fields_present`] reads for presence.
const LIST_EXAMPLES: &str = "read_examples_api_v1_examples_get";

/// [`capture`], and for a `GET /api/v1/examples` answer also which content fields each
/// example carried ([`ResponseMeta::fields_present`]): the proof of an erasure must not
/// read an absent field as a null one.
pub async fn capture_fields_present<F: std::future::Future>(
    future: F,
) -> (F::Output, ResponseMeta) {
    capture_with(
        ResponseMeta {
            record_fields: true,
            ..ResponseMeta::default()
        },
        future,
    )
    .await
}

/// A body that fails once with the error reading the original one failed with.
struct FailedBody(Option<Box<dyn std::error::Error + Send + Sync>>);

impl http_body::Body for FailedBody {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(self.0.take().map(Err))
    }
}

/// Reads a (bounded) success body whole, records the presence of each example's content
/// fields, and hands the same bytes (or the same read error) on.
async fn record_fields_present(response: reqwest::Response) -> reqwest::Response {
    use http_body_util::BodyExt;
    let (parts, body) = into_parts(response);
    let body = match body.collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            let rows = serde_json::from_slice::<Vec<PresenceRow>>(&bytes)
                .ok()
                .map(|rows| {
                    rows.into_iter()
                        .map(|r| {
                            (
                                r.id,
                                FieldsPresent {
                                    inputs: r.inputs,
                                    outputs: r.outputs,
                                    metadata: r.metadata,
                                    attachment_urls: r.attachment_urls,
                                },
                            )
                        })
                        .collect()
                });
            let _ = LAST_RESPONSE.try_with(|m| m.borrow_mut().fields_present = rows);
            reqwest::Body::from(bytes)
        }
        Err(e) => reqwest::Body::wrap(FailedBody(Some(e.into()))),
    };
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

tokio::task_local! {
    static LAST_RESPONSE: std::cell::RefCell<ResponseMeta>;
}

/// Runs `future` (a generated call) and returns its output with the status and request
/// id of the response it received, even when progenitor's error for it carries neither
/// (for example `InvalidResponsePayload` or a body that failed mid-read).
pub async fn capture<F: std::future::Future>(future: F) -> (F::Output, ResponseMeta) {
    capture_with(ResponseMeta::default(), future).await
}

/// Runs `future` in a capture scope starting from `meta`.
async fn capture_with<F: std::future::Future>(
    meta: ResponseMeta,
    future: F,
) -> (F::Output, ResponseMeta) {
    LAST_RESPONSE
        .scope(std::cell::RefCell::new(meta), async move {
            let out = future.await;
            let meta = LAST_RESPONSE.with(|m| m.take());
            (out, meta)
        })
        .await
}

/// `v1`, `v2`, ...
fn is_version_segment(segment: &str) -> bool {
    segment.len() > 1
        && segment.starts_with('v')
        && segment[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The spec path's version prefix to drop behind a versioned endpoint: `/api/v1` or
/// `/v1` (only the endpoint's own version), or `None`.
fn spec_version_prefix_len(spec_path: &str, version: &str) -> Option<usize> {
    for prefix in ["/api/", "/"] {
        if let Some(rest) = spec_path.strip_prefix(prefix)
            && let Some(after) = rest.strip_prefix(version)
            && (after.is_empty() || after.starts_with('/'))
        {
            return Some(prefix.len() + version.len());
        }
    }
    None
}

/// The path a request for `url_path` (base path + spec path) goes to behind `endpoint`.
fn map_path(endpoint: &VersionedEndpoint, url_path: &str) -> Option<String> {
    let spec_path = url_path.strip_prefix(endpoint.path.as_str())?;
    let drop = spec_version_prefix_len(spec_path, &endpoint.version)?;
    Some(format!("{}{}", endpoint.path, &spec_path[drop..]))
}

/// The path a request for a v2 spec path (`/v2/...`) goes to: `{root}/api/v2/...`.
fn map_v2_path(base: &str, root: &str, url_path: &str) -> Option<String> {
    let spec_path = url_path.strip_prefix(base)?;
    spec_path
        .starts_with("/v2/")
        .then(|| format!("{root}/api{spec_path}"))
}

/// Pre-request hook: maps the path behind a versioned endpoint
/// ([`RequestDefaults::with_versioned_base_path`]) and adds the client's default headers.
pub fn pre(inner: &RequestDefaults, request: &mut reqwest::Request) {
    if let Some((base, root)) = &inner.base
        && let Some(path) = map_v2_path(base, root, request.url().path())
    {
        request.url_mut().set_path(&path);
    } else if let Some(endpoint) = &inner.versioned_endpoint
        && let Some(path) = map_path(endpoint, request.url().path())
    {
        request.url_mut().set_path(&path);
    }
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

/// Executes requests with a bound on every response body (success or error), so that a
/// hostile or broken server cannot make the client read gigabytes. Reading past the bound
/// fails with an error whose chain holds a [`BodyTooLarge`] marker (see
/// [`is_body_too_large`]). An impl for `Client` takes precedence over the generated
/// default impl for `&Client`.
impl progenitor_client::ClientHooks<RequestDefaults> for crate::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        let sent = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .map_or(0, <[u8]>::len);
        let limit = self.inner().response_limit(sent);
        // Recorded for [`capture`], so an error can say which bound it hit.
        let _ = LAST_RESPONSE.try_with(|m| m.borrow_mut().body_limit = Some(limit));
        let response = limit_body(self.client().execute(request).await?, limit);
        let record = info.operation_id == LIST_EXAMPLES
            && response.status().is_success()
            && LAST_RESPONSE
                .try_with(|m| m.borrow().record_fields)
                .unwrap_or(false);
        if record {
            return Ok(record_fields_present(response).await);
        }
        Ok(response)
    }
}

/// Wraps a response's body so that reading more than `limit` bytes fails.
pub fn limit_body(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let (parts, body) = into_parts(response);
    let limited = http_body_util::Limited::new(body, limit);
    reqwest::Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap(limited),
    ))
}

/// A response's head and body, the head keeping the response's URL (reqwest carries it in
/// an extension of its own), to put back together with another body.
fn into_parts(response: reqwest::Response) -> (http::response::Parts, reqwest::Body) {
    use reqwest::ResponseBuilderExt;
    let url = response.url().clone();
    let response: http::Response<reqwest::Body> = response.into();
    let (mut parts, body) = response.into_parts();
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    (parts, body)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(base_path: &str, url_path: &str) -> String {
        let d = RequestDefaults::default().with_versioned_base_path(base_path);
        match &d.versioned_endpoint {
            Some(e) => map_path(e, url_path).unwrap_or_else(|| url_path.to_owned()),
            None => url_path.to_owned(),
        }
    }

    #[test]
    fn presence_is_read_for_the_generated_listing_of_examples() {
        assert!(
            crate::spec::OPERATIONS
                .iter()
                .any(|o| o.operation_id == LIST_EXAMPLES && o.path == "/api/v1/examples"),
            "LIST_EXAMPLES names the generated operation"
        );
        let rows: Vec<PresenceRow> = serde_json::from_str(
            r#"[{"id": "00000000-0000-0000-0000-000000000001", "inputs": null, "metadata": {}}]"#,
        )
        .unwrap();
        let r = &rows[0];
        // Null counts as present; absent does not.
        assert_eq!((r.inputs, r.outputs, r.metadata), (true, false, true));
    }

    fn mapped_v2(base_path: &str, url_path: &str) -> String {
        let d = RequestDefaults::default().with_versioned_base_path(base_path);
        let (base, root) = d.base.as_ref().unwrap();
        map_v2_path(base, root, url_path).unwrap_or_else(|| url_path.to_owned())
    }

    #[test]
    fn the_v2_family_goes_under_api_at_the_endpoints_root() {
        // As the official SDK's `client.runs.query()` sends it.
        assert_eq!(mapped_v2("", "/v2/runs/query"), "/api/v2/runs/query");
        assert_eq!(mapped_v2("/", "/v2/runs/query"), "/api/v2/runs/query");
        assert_eq!(
            mapped_v2("/api/v1", "/api/v1/v2/runs/query"),
            "/api/v2/runs/query"
        );
        assert_eq!(mapped_v2("/v1", "/v1/v2/runs/query"), "/api/v2/runs/query");
        assert_eq!(
            mapped_v2("/langsmith", "/langsmith/v2/runs/query"),
            "/langsmith/api/v2/runs/query"
        );
        assert_eq!(
            mapped_v2("/langsmith/api/v1", "/langsmith/api/v1/v2/runs/query"),
            "/langsmith/api/v2/runs/query"
        );
        // Other families are left to the versioned mapping.
        assert_eq!(
            mapped_v2("/api/v1", "/api/v1/api/v1/examples"),
            "/api/v1/api/v1/examples"
        );
        assert_eq!(mapped_v2("", "/v1/platform/x"), "/v1/platform/x");
    }

    #[test]
    fn a_versioned_endpoint_drops_the_spec_paths_own_version_prefix() {
        // Self-hosted `https://host/api/v1`: both path families, as the Python SDK calls them.
        assert_eq!(
            mapped("/api/v1", "/api/v1/v1/platform/datasets/examples/delete"),
            "/api/v1/platform/datasets/examples/delete"
        );
        assert_eq!(
            mapped("/api/v1", "/api/v1/api/v1/examples"),
            "/api/v1/examples"
        );
        assert_eq!(
            mapped("/api/v1/", "/api/v1/api/v1/examples/count"),
            "/api/v1/examples/count"
        );
        // A `/v1` endpoint.
        assert_eq!(mapped("/v1", "/v1/api/v1/datasets"), "/v1/datasets");
        // Another version is left alone; so is an endpoint without one.
        assert_eq!(mapped("/api/v1", "/api/v1/v2/runs"), "/api/v1/v2/runs");
        assert_eq!(mapped("", "/api/v1/examples"), "/api/v1/examples");
        assert_eq!(
            mapped("/langsmith", "/langsmith/v1/platform/x"),
            "/langsmith/v1/platform/x"
        );
        // `/v10` is not `/v1`.
        assert_eq!(mapped("/api/v1", "/api/v1/v10/x"), "/api/v1/v10/x");
    }
}
