//! One error type for every way a call can fail, shaped after smithy-rs RFC 0022: each
//! variant wraps a context struct with private fields and accessors, `Display` never
//! repeats the cause, and the cause is kept as the [`std::error::Error::source`] (never
//! flattened to a string, never a foreign type in the public API).

use crate::ids::InvalidIds;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// How much of an unexpected body an error keeps.
pub(crate) const BODY_SNIPPET_BYTES: usize = 512;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Whether an HTTP status is a 2xx.
fn is_success(status: u16) -> bool {
    (200..=299).contains(&status)
}

/// An HTTP status as messages print it: the code and its canonical reason (`404 Not
/// Found`), as `reqwest` prints its status type (which stays out of the public API).
struct HttpStatus(u16);

impl fmt::Display for HttpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match reqwest::StatusCode::from_u16(self.0) {
            Ok(status) => write!(f, "{status}"),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

/// The server's `details`: parsed when it is a JSON string, kept raw otherwise.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Details {
    /// `details` held JSON text.
    Json(JsonDetails),
    /// `details` held plain text.
    Raw(String),
}

/// JSON the server sent as an error's `details`, parsed (an owned type of this crate:
/// the JSON library behind it stays out of the public API).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonDetails(serde_json::Value);

impl JsonDetails {
    /// The JSON, compact (as [`fmt::Display`] writes it).
    pub fn to_json(&self) -> String {
        self.0.to_string()
    }

    /// The string at a JSON pointer (RFC 6901: `/field`, `/missing/0`), when there is
    /// one there.
    pub fn string_at(&self, pointer: &str) -> Option<&str> {
        self.0.pointer(pointer).and_then(serde_json::Value::as_str)
    }

    /// Whether there is a value (of any type, `null` included) at a JSON pointer.
    pub fn has(&self, pointer: &str) -> bool {
        self.0.pointer(pointer).is_some()
    }
}

impl fmt::Display for JsonDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Details {
    pub(crate) fn parse(text: String) -> Self {
        match serde_json::from_str(&text) {
            Ok(value) => Details::Json(JsonDetails(value)),
            Err(_) => Details::Raw(text),
        }
    }

    /// Every UUID named anywhere in the details (strings inside JSON, words in raw text),
    /// canonical, in order of appearance.
    pub fn named_uuids(&self) -> Vec<uuid::Uuid> {
        fn walk(v: &serde_json::Value, out: &mut Vec<uuid::Uuid>) {
            match v {
                serde_json::Value::String(s) => {
                    if let Ok(id) = uuid::Uuid::try_parse(s.trim()) {
                        out.push(id);
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
                serde_json::Value::Object(map) => map.values().for_each(|i| walk(i, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        match self {
            Details::Json(JsonDetails(v)) => walk(v, &mut out),
            Details::Raw(s) => out.extend(
                s.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
                    .filter_map(|w| uuid::Uuid::try_parse(w).ok()),
            ),
        }
        out
    }
}

impl fmt::Display for Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Details::Json(v) => write!(f, "{v}"),
            Details::Raw(s) => write!(f, "{}", s.escape_debug()),
        }
    }
}

/// What an error response said.
#[derive(Debug)]
pub struct ApiError {
    status: u16,
    error: Option<String>,
    details: Option<Details>,
    request_id: Option<String>,
    body_snippet: Option<String>,
    url: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: u16) -> Self {
        ApiError {
            status,
            error: None,
            details: None,
            request_id: None,
            body_snippet: None,
            url: None,
        }
    }

    pub(crate) fn with_error(mut self, error: Option<String>, details: Option<String>) -> Self {
        self.error = error;
        self.details = details.map(Details::parse);
        self
    }

    pub(crate) fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    pub(crate) fn with_snippet(mut self, snippet: Option<String>) -> Self {
        self.body_snippet = snippet;
        self
    }

    pub(crate) fn with_url(mut self, url: Option<String>) -> Self {
        self.url = url;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body's `error` field.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The body's `details` field.
    pub fn details(&self) -> Option<&Details> {
        self.details.as_ref()
    }

    /// The `x-request-id` (or `request-id`) response header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The start of the body when it was not the documented JSON shape.
    pub fn body_snippet(&self) -> Option<&str> {
        self.body_snippet.as_deref()
    }

    /// The URL that was called (without credentials, which never travel in URLs).
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// Whether the body had the API's documented error shape.
    pub fn is_documented_shape(&self) -> bool {
        self.body_snippet.is_none()
    }

    /// Whether the body is the route's own answer: of the documented shape, and saying
    /// something in it (an error or details). A body of the documented shape that holds
    /// none of its fields (the shape's fields are all optional), or only FastAPI's words
    /// for a missing route (`{"detail": "Not Found"}`), is what a router answers for a
    /// path it does not have: a wrong endpoint, not a refusal of the ids.
    pub fn is_the_routes_answer(&self) -> bool {
        // FastAPI's own words for a path it has no route for (a route's own 404 names
        // what it did not find).
        let router_words = self.error.as_deref() == Some("Not Found") && self.details.is_none();
        self.is_documented_shape()
            && (self.error.is_some() || self.details.is_some())
            && !router_words
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", HttpStatus(self.status))?;
        if let Some(e) = &self.error {
            write!(f, ": {}", e.escape_debug())?;
        }
        if let Some(d) = &self.details {
            write!(f, " (details: {d})")?;
        }
        if let Some(s) = &self.body_snippet {
            write!(f, " (body: {s:?})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {}]", id.escape_debug())?;
        }
        Ok(())
    }
}

/// A 429 response (after retries, if any).
#[derive(Debug)]
pub struct RateLimited {
    api: ApiError,
    retry_after: Option<Duration>,
}

impl RateLimited {
    /// What the response said.
    pub fn api(&self) -> &ApiError {
        &self.api
    }

    /// The server's `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

/// A response whose body is not the documented shape, or could not be read whole.
#[derive(Debug)]
pub struct UnexpectedBody {
    status: Option<u16>,
    /// The body arrived whole (it is malformed, not cut short).
    whole: bool,
    reason: String,
    snippet: String,
    request_id: Option<String>,
    source: Option<BoxError>,
}

impl UnexpectedBody {
    /// The status of the response, when known.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether the body arrived whole: then it is malformed (the server answered
    /// something else: not JSON, or JSON of another shape), not cut short in transit (JSON
    /// that ends early, or a body that could not be read to its end).
    pub fn arrived_whole(&self) -> bool {
        self.whole
    }

    /// What was wrong with it.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The start of the body (at most 512 bytes).
    pub fn snippet(&self) -> &str {
        &self.snippet
    }

    /// The server's request id.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// A response body larger than the bound that fits the request.
#[derive(Debug)]
pub struct ResponseTooLarge {
    status: Option<u16>,
    limit: usize,
    request_id: Option<String>,
}

impl ResponseTooLarge {
    /// The status of the response, when known.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The bound, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// A 3xx response. Redirects are never followed: credentials go only to the configured
/// endpoint's origin.
#[derive(Debug)]
pub struct Redirect {
    status: u16,
    location: Option<String>,
    url: Option<String>,
}

impl Redirect {
    /// The 3xx status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The origin (`scheme://host:port`) the `Location` header points at, when present
    /// and absolute; never its path or query.
    pub fn location_origin(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The URL that was called.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

/// The request could not be completed: no connection, a broken connection, a TLS
/// failure, or no answer in time. The cause is the [`std::error::Error::source`].
#[derive(Debug)]
pub struct TransportError {
    url: Option<String>,
    status: Option<u16>,
    source: BoxError,
}

impl TransportError {
    /// The URL that was called.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The status, when the response's head arrived before the failure (a body that
    /// timed out mid-read).
    pub fn status(&self) -> Option<u16> {
        self.status
    }
}

/// The request could not be built (nothing was sent).
#[derive(Debug)]
pub struct RequestError {
    message: String,
}

/// Configuration that cannot work.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The endpoint is not a usable URL.
    Endpoint(EndpointError),
    /// Plain `http://` off loopback (or through a proxy) without the opt-in.
    InsecureHttp(InsecureHttp),
    /// A header value (key, token, id) cannot be sent.
    Header(InvalidSetting),
    /// The HTTP client could not be built; the cause is the source.
    HttpClient(HttpClientError),
    /// A numeric or other setting is out of range.
    Setting(InvalidSetting),
    /// The CLI login profile could not be used.
    Profile(ProfileError),
}

/// A CLI login profile (`~/.langsmith/config.json`) that cannot be used: which file,
/// which profile, what was wrong; the cause (the file could not be read, or is not the
/// JSON expected, or a key command could not run) is the [`std::error::Error::source`].
#[derive(Debug)]
pub struct ProfileError {
    pub(crate) path: std::path::PathBuf,
    pub(crate) profile: Option<String>,
    pub(crate) message: String,
    pub(crate) source: Option<BoxError>,
}

impl ProfileError {
    /// The config file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
    /// The profile, when one was chosen.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }
}

/// An endpoint that is not a usable URL.
#[derive(Debug)]
pub struct EndpointError {
    pub(crate) endpoint: String,
    pub(crate) reason: String,
}

impl EndpointError {
    /// The endpoint as given.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// Plain `http://` that would leave loopback.
#[derive(Debug)]
pub struct InsecureHttp {
    pub(crate) host: String,
    pub(crate) proxy_variable: Option<&'static str>,
}

impl InsecureHttp {
    /// The endpoint's host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy environment variable that would carry the request off loopback.
    pub fn proxy_variable(&self) -> Option<&str> {
        self.proxy_variable
    }
}

/// A setting that cannot be used.
#[derive(Debug)]
pub struct InvalidSetting {
    pub(crate) what: &'static str,
    pub(crate) reason: String,
}

impl InvalidSetting {
    /// Which setting.
    pub fn what(&self) -> &str {
        self.what
    }
}

/// The HTTP client could not be built.
#[derive(Debug)]
pub struct HttpClientError {
    pub(crate) source: BoxError,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Endpoint(e) => {
                write!(f, "invalid endpoint {:?}: {}", e.endpoint, e.reason)
            }
            ConfigError::InsecureHttp(e) => match e.proxy_variable {
                Some(var) => write!(
                    f,
                    "refusing plain http:// to {}: {var} would carry the API key unencrypted \
                     through a proxy; set NO_PROXY={}, use https://, or opt in to insecure http",
                    e.host, e.host
                ),
                None => write!(
                    f,
                    "refusing plain http:// to {}: API keys would travel unencrypted; use \
                     https://, a loopback host, or opt in to insecure http",
                    e.host
                ),
            },
            ConfigError::Header(s) => write!(f, "invalid {}: {}", s.what, s.reason),
            ConfigError::HttpClient(_) => f.write_str("cannot build the HTTP client"),
            ConfigError::Setting(s) => write!(f, "invalid setting {}: {}", s.what, s.reason),
            ConfigError::Profile(p) => {
                write!(f, "{}", p.path.display())?;
                if let Some(name) = &p.profile {
                    write!(f, ": profile {name:?}")?;
                }
                write!(f, ": {}", p.message)
            }
        }
    }
}

impl StdError for ConfigError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ConfigError::HttpClient(e) => Some(e.source.as_ref()),
            ConfigError::Profile(p) => p.source.as_deref().map(|e| e as &(dyn StdError + 'static)),
            ConfigError::Endpoint(_)
            | ConfigError::InsecureHttp(_)
            | ConfigError::Header(_)
            | ConfigError::Setting(_) => None,
        }
    }
}

impl ConfigError {
    pub(crate) fn setting(what: &'static str, reason: impl Into<String>) -> Self {
        ConfigError::Setting(InvalidSetting {
            what,
            reason: reason.into(),
        })
    }

    pub(crate) fn header(what: &'static str, reason: impl Into<String>) -> Self {
        ConfigError::Header(InvalidSetting {
            what,
            reason: reason.into(),
        })
    }

    pub(crate) fn endpoint(endpoint: &str, reason: impl Into<String>) -> Self {
        ConfigError::Endpoint(EndpointError {
            endpoint: endpoint.to_owned(),
            reason: reason.into(),
        })
    }
}

/// Defines [`ErrorKind`], its [`ErrorKind::ALL`] and [`ErrorKind::as_str`] from one
/// list, so the three cannot drift apart.
macro_rules! error_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident => $name:literal,)*) => {
        /// A machine-readable name for what went wrong; stable strings for reports. Each
        /// [`Error`] variant has its own kind ([`Error::kind`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind),*];

            /// `snake_case`, for reports and logs.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $name,)*
                }
            }
        }
    };
}

error_kinds! {
    /// Ids refused before sending.
    InvalidIds => "invalid_ids",
    /// Misconfiguration.
    Config => "config",
    /// 400.
    BadRequest => "bad_request",
    /// 401.
    Unauthorized => "unauthorized",
    /// 403.
    Forbidden => "forbidden",
    /// 404.
    NotFound => "not_found",
    /// 422.
    Unprocessable => "unprocessable",
    /// 429.
    RateLimited => "rate_limited",
    /// 5xx.
    Server => "server_error",
    /// Another status.
    UnexpectedStatus => "unexpected_status",
    /// A body not of the documented shape.
    UnexpectedBody => "unexpected_body",
    /// A body over the bound.
    ResponseTooLarge => "response_too_large",
    /// A 3xx (never followed).
    Redirect => "redirect",
    /// The request could not be built.
    Request => "request",
    /// No answer in time.
    Timeout => "timeout",
    /// TLS handshake or certificate failure.
    Tls => "tls",
    /// Connection failures.
    Transport => "transport",
    /// A name resolved to no resource, or to several (a dataset name). Its report name
    /// stays `lookup`, as reports of earlier releases have it.
    NameResolution => "lookup",
    /// A listing that did not end as a listing must (pages without end).
    Paging => "paging",
    /// Neither runs query's route is served at the endpoint.
    NoRunsApi => "no_runs_api",
}

impl ErrorKind {
    /// The kind of error a response status becomes (`None`: a 2xx, a success). This is
    /// the mapping every call uses, so contract tests can hold it against the spec's
    /// documented statuses.
    pub fn for_status(status: u16) -> Option<ErrorKind> {
        Some(match status {
            200..=299 => return None,
            300..=399 => ErrorKind::Redirect,
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            422 => ErrorKind::Unprocessable,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::UnexpectedStatus,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every way a call can fail.
///
/// Match on the variant for what happened, read its context through accessors, and walk
/// [`std::error::Error::source`] (or [`crate::error_chain`]) for the cause: `Display`
/// never repeats it.
///
/// ```no_run
/// # async fn demo(client: langsmith::Client, ids: langsmith::ExampleIds) {
/// match client.hard_delete_examples(&ids).await {
///     Ok(answer) => println!("server count {:?}", answer.count()),
///     Err(langsmith::Error::NotFound(api)) => println!("unknown ids: {:?}", api.details()),
///     Err(e) => {
///         eprintln!("error ({}): {e}", e.kind());
///         for cause in langsmith::error_chain(&e).skip(1) {
///             eprintln!("  caused by: {cause}");
///         }
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The ids were refused before anything was sent.
    InvalidIds(InvalidIds),
    /// The client is misconfigured.
    Config(ConfigError),
    /// 400 Bad Request.
    BadRequest(ApiError),
    /// 401: the key is missing or not valid (not in the spec; gateways and Prism send it).
    Unauthorized(ApiError),
    /// 403 Forbidden: the key may not touch these examples or this workspace.
    Forbidden(ApiError),
    /// 404 Not Found.
    NotFound(ApiError),
    /// 422 Unprocessable Entity.
    Unprocessable(ApiError),
    /// 429 Too Many Requests (after retries, if any).
    RateLimited(RateLimited),
    /// A 5xx response (after retries, if any).
    Server(ApiError),
    /// Any other status the spec does not document.
    UnexpectedStatus(ApiError),
    /// A 3xx: not followed, so the credentials never left the endpoint's origin.
    Redirect(Redirect),
    /// A response whose body is not the documented shape (or could not be read whole).
    UnexpectedBody(UnexpectedBody),
    /// A response body larger than the bound that fits the request.
    ResponseTooLarge(ResponseTooLarge),
    /// The request could not be built (not sent).
    Request(RequestError),
    /// No response within the configured timeout.
    Timeout(TransportError),
    /// TLS failed (a certificate or protocol problem); not retried.
    Tls(TransportError),
    /// The server could not be reached, or the connection failed.
    Transport(TransportError),
    /// A name the server resolved to no resource, or to several.
    NameResolution(NameResolutionError),
    /// A listing whose pages did not end as they must: nothing it listed may be acted on.
    Paging(PagingError),
    /// Neither the v2 nor the v1 runs query is served at the endpoint (the route itself
    /// is missing): no trace could be looked up.
    NoRunsApi(NoRunsApi),
}

/// The runs query routes the endpoint does not serve, with the status each answered.
#[derive(Debug)]
pub struct NoRunsApi {
    v2: Option<u16>,
    v1: Option<u16>,
}

impl NoRunsApi {
    /// What `POST /api/v2/runs/query` answered (`None`: not asked).
    pub fn v2_status(&self) -> Option<u16> {
        self.v2
    }

    /// What `POST /api/v1/runs/query` answered (`None`: not asked).
    pub fn v1_status(&self) -> Option<u16> {
        self.v1
    }
}

impl fmt::Display for NoRunsApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let said = |s: Option<u16>| {
            s.map_or_else(
                || "was not asked".to_owned(),
                |s| format!("answered HTTP {s}"),
            )
        };
        write!(
            f,
            "no runs query is served at this endpoint: POST /api/v2/runs/query {}, POST /api/v1/runs/query {} (the route itself is missing; self-hosted LangSmith serves v2 from v0.16)",
            said(self.v2),
            said(self.v1)
        )
    }
}

/// Which listing a [`PagingError`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Listing {
    /// Examples (`GET /api/v1/examples`, offset paging bounded by the server's count).
    Examples,
    /// Datasets (`GET /api/v1/datasets`, offset paging).
    Datasets,
    /// Runs (the runs query, cursor paging).
    Runs,
    /// Tracing projects (`GET /api/v1/sessions`, offset paging).
    Projects,
    /// Feedback (`GET /api/v1/feedback`, offset paging).
    Feedback,
    /// Public share links (`GET /api/v1/workspaces/current/shared`, offset paging).
    Shares,
}

impl Listing {
    /// `examples`, `datasets`, `runs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Listing::Examples => "examples",
            Listing::Datasets => "datasets",
            Listing::Runs => "runs",
            Listing::Projects => "projects",
            Listing::Feedback => "feedback",
            Listing::Shares => "share links",
        }
    }

    /// What one row of it is called in messages (singular, plural).
    fn rows(self) -> (&'static str, &'static str) {
        match self {
            Listing::Examples => ("id", "ids"),
            Listing::Datasets => ("dataset", "datasets"),
            Listing::Runs => ("run", "runs"),
            Listing::Projects => ("project", "projects"),
            Listing::Feedback => ("feedback", "feedback"),
            Listing::Shares => ("share link", "share links"),
        }
    }
}

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A listing that did not end normally: which listing, where it was stopped, and why.
#[derive(Debug)]
pub struct PagingError {
    listing: Listing,
    page: u64,
    offset: Option<u64>,
    counted: Option<u64>,
    listed: u64,
    reason: PagingReason,
}

/// Why a listing was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingReason {
    /// A full page held no id not listed before: the server repeats itself.
    NoNewIds,
    /// More unique ids were listed than the listing allows (this many at most: the
    /// server's count and its margin, or a cap per id asked about).
    PastCount {
        /// The most unique ids allowed.
        bound: u64,
    },
    /// More pages were asked for than the listing allows (this many at most).
    PageCap {
        /// The most pages allowed.
        pages: u64,
    },
    /// A cursor-paged listing (the runs query) answered with a next cursor it had
    /// already given: following it would go round for ever.
    RepeatedCursor,
    /// A sorted listing (the runs query, by `start_time`) listed a row out of its order
    /// (or without the key it is sorted by): what comes after it cannot be trusted to
    /// hold every row.
    OutOfOrder,
    /// A sorted listing listed a row it had listed before: the server is going round.
    RepeatedRow,
    /// The listing was cancelled (the cancel flag) before its last page.
    Cancelled,
}

impl PagingError {
    /// `listing` stopped at `page` (1-based; `offset` when it pages by offset), `listed`
    /// unique rows in; `counted` is the server's count, when it bounds the listing.
    pub(crate) fn new(
        listing: Listing,
        page: u64,
        offset: Option<u64>,
        counted: Option<u64>,
        listed: u64,
        reason: PagingReason,
    ) -> Self {
        PagingError {
            listing,
            page,
            offset,
            counted,
            listed,
            reason,
        }
    }

    /// The runs query's paging stopped at page `page` (1-based), `listed` unique runs in.
    pub(crate) fn runs(page: u64, listed: u64, reason: PagingReason) -> Self {
        Self::new(Listing::Runs, page, None, None, listed, reason)
    }

    /// Which listing it was.
    pub fn listing(&self) -> Listing {
        self.listing
    }

    /// The page that stopped the listing (1-based).
    pub fn page(&self) -> u64 {
        self.page
    }

    /// The offset of the page that stopped the listing, for a listing paged by offset.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// The server's count of the query, when it bounded the listing.
    pub fn counted(&self) -> Option<u64> {
        self.counted
    }

    /// Unique rows listed until then.
    pub fn listed(&self) -> u64 {
        self.listed
    }

    /// Why it was stopped.
    pub fn reason(&self) -> PagingReason {
        self.reason
    }
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (row, rows) = self.listing.rows();
        write!(f, "the {} listing did not end normally: ", self.listing)?;
        match self.offset {
            Some(offset) => write!(f, "the page at offset {offset} ")?,
            None => write!(f, "page {} ", self.page)?,
        }
        match self.reason {
            PagingReason::NoNewIds => write!(f, "was full but held no {row} not listed before")?,
            PagingReason::PastCount { bound } => match self.counted {
                Some(_) => write!(
                    f,
                    "took the unique {rows} listed past {bound}, more than the count allows"
                )?,
                None => write!(
                    f,
                    "took the unique {rows} listed past {bound}, the most allowed for what was asked"
                )?,
            },
            PagingReason::PageCap { pages } => match self.counted {
                Some(_) => write!(f, "is past the {pages} pages the count needs")?,
                None => write!(f, "is past {pages} pages")?,
            },
            PagingReason::RepeatedCursor => write!(f, "gave a next cursor it had given before")?,
            PagingReason::OutOfOrder => write!(
                f,
                "listed a {row} out of the order the listing is sorted in"
            )?,
            PagingReason::RepeatedRow => write!(f, "listed a {row} it had listed before")?,
            PagingReason::Cancelled => {
                return write!(
                    f,
                    "was not asked for: the run was cancelled ({} unique {rows} listed); an incomplete listing proves nothing",
                    self.listed
                );
            }
        }
        match self.counted {
            Some(counted) => write!(
                f,
                " (the server counted {counted}; {} unique {rows} listed)",
                self.listed
            )?,
            None => write!(f, " ({} unique {rows} listed)", self.listed)?,
        }
        f.write_str("; the server does not page as the API says, so nothing it listed is used")
    }
}

/// A name that resolved to no resource or to several: which name, and how many matched.
#[derive(Debug)]
pub struct NameResolutionError {
    what: &'static str,
    name: String,
    matches: usize,
    endpoint: String,
    suggestions: Vec<String>,
}

impl NameResolutionError {
    /// What was looked up (`dataset`).
    pub fn what(&self) -> &str {
        self.what
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many matched (0, or more than one).
    pub fn matches(&self) -> usize {
        self.matches
    }

    /// The endpoint asked.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// When none matched: names there that are close (another case, a typo or two).
    pub fn suggestions(&self) -> &[String] {
        &self.suggestions
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |url: &Option<String>| {
            url.as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default()
        };
        match self {
            Error::InvalidIds(e) => write!(f, "{e}"),
            Error::Config(e) => write!(f, "{e}"),
            Error::BadRequest(a) => write!(f, "bad request: {a}"),
            Error::Unauthorized(a) => write!(f, "unauthorized (check the API key): {a}"),
            Error::Forbidden(a) => write!(f, "forbidden: {a}"),
            Error::NotFound(a) if !a.is_the_routes_answer() => write!(
                f,
                "not found: {a}; the body is not the route's answer (not the API's error \
                 shape, or none of its fields), so the endpoint is probably wrong{}",
                at(&a.url)
            ),
            Error::NotFound(a) => write!(f, "not found: {a}"),
            Error::Unprocessable(a) => write!(f, "unprocessable request: {a}"),
            Error::RateLimited(r) => {
                write!(f, "rate limited")?;
                if let Some(d) = r.retry_after {
                    write!(f, " (retry after {}s)", d.as_secs())?;
                }
                write!(f, ": {}", r.api)
            }
            Error::NameResolution(l) if l.matches == 0 => {
                write!(f, "no {} is named {:?} at {}", l.what, l.name, l.endpoint)?;
                if !l.suggestions.is_empty() {
                    let quoted: Vec<String> =
                        l.suggestions.iter().map(|s| format!("{s:?}")).collect();
                    write!(f, " (did you mean {}?)", quoted.join(" or "))?;
                }
                Ok(())
            }
            Error::NameResolution(l) => write!(
                f,
                "{} {}s are named {:?} at {}; name it by its UUID instead",
                l.matches, l.what, l.name, l.endpoint
            ),
            Error::Paging(p) => write!(f, "{p}"),
            Error::NoRunsApi(n) => write!(f, "{n}"),
            Error::Server(a) => write!(f, "server error: {a}"),
            Error::UnexpectedStatus(a) => write!(f, "unexpected status: {a}{}", at(&a.url)),
            Error::Redirect(r) => {
                write!(
                    f,
                    "the server answered {} (a redirect",
                    HttpStatus(r.status)
                )?;
                match &r.location {
                    Some(origin) => write!(f, " to {origin}")?,
                    None => write!(f, " without a usable Location")?,
                }
                write!(
                    f,
                    "); redirects are never followed so that credentials stay with the \
                     configured endpoint{}; if you trust the target, set the endpoint to it",
                    at(&r.url)
                )
            }
            Error::UnexpectedBody(b) => {
                match b.status {
                    Some(s) => write!(f, "HTTP {}", HttpStatus(s))?,
                    None => write!(f, "HTTP status unknown")?,
                }
                write!(f, ": body is not the documented shape: {}", b.reason)?;
                if !b.snippet.is_empty() {
                    write!(f, "; body starts {:?}", b.snippet)?;
                }
                Ok(())
            }
            Error::ResponseTooLarge(r) => {
                match r.status {
                    Some(s) => write!(f, "HTTP {}", HttpStatus(s))?,
                    None => write!(f, "HTTP status unknown")?,
                }
                write!(
                    f,
                    ": the response body is larger than {} bytes, far more than this request's \
                     answer can need; it was not read",
                    r.limit
                )
            }
            Error::Request(r) => write!(f, "could not build the request: {}", r.message),
            Error::Timeout(t) => write!(f, "timed out{}", at(&t.url)),
            Error::Tls(t) => write!(
                f,
                "TLS failed{}: a certificate or TLS protocol problem (not retried)",
                at(&t.url)
            ),
            Error::Transport(t) => write!(f, "could not reach the server{}", at(&t.url)),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::InvalidIds(e) => e.source(),
            Error::Config(e) => e.source(),
            Error::UnexpectedBody(b) => b.source.as_deref().map(|e| e as &(dyn StdError + 'static)),
            Error::Timeout(t) | Error::Tls(t) | Error::Transport(t) => Some(t.source.as_ref()),
            Error::BadRequest(_)
            | Error::Unauthorized(_)
            | Error::Forbidden(_)
            | Error::NotFound(_)
            | Error::Unprocessable(_)
            | Error::RateLimited(_)
            | Error::Server(_)
            | Error::UnexpectedStatus(_)
            | Error::Redirect(_)
            | Error::ResponseTooLarge(_)
            | Error::Request(_)
            | Error::NameResolution(_)
            | Error::Paging(_)
            | Error::NoRunsApi(_) => None,
        }
    }
}

impl From<InvalidIds> for Error {
    fn from(e: InvalidIds) -> Self {
        Error::InvalidIds(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl Error {
    /// Neither runs query route: what each answered (`None`: not asked).
    pub(crate) fn no_runs_api(v2: Option<u16>, v1: Option<u16>) -> Self {
        Error::NoRunsApi(NoRunsApi { v2, v1 })
    }

    pub(crate) fn unexpected_body(
        status: Option<u16>,
        whole: bool,
        reason: impl Into<String>,
        snippet: String,
        request_id: Option<String>,
        source: Option<BoxError>,
    ) -> Self {
        Error::UnexpectedBody(UnexpectedBody {
            status,
            whole,
            reason: reason.into(),
            snippet,
            request_id,
            source,
        })
    }

    pub(crate) fn too_large(status: Option<u16>, limit: usize, request_id: Option<String>) -> Self {
        Error::ResponseTooLarge(ResponseTooLarge {
            status,
            limit,
            request_id,
        })
    }

    pub(crate) fn redirect(status: u16, location: Option<String>, url: Option<String>) -> Self {
        Error::Redirect(Redirect {
            status,
            location,
            url,
        })
    }

    pub(crate) fn rate_limited(api: ApiError, retry_after: Option<Duration>) -> Self {
        Error::RateLimited(RateLimited { api, retry_after })
    }

    pub(crate) fn lookup(
        what: &'static str,
        name: &str,
        matches: usize,
        endpoint: &str,
        suggestions: Vec<String>,
    ) -> Self {
        Error::NameResolution(NameResolutionError {
            what,
            name: name.to_owned(),
            matches,
            endpoint: endpoint.to_owned(),
            suggestions,
        })
    }

    pub(crate) fn request(message: String) -> Self {
        Error::Request(RequestError { message })
    }

    pub(crate) fn transport(
        kind: ErrorKind,
        url: Option<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        let t = TransportError {
            url,
            status: None,
            source: source.into(),
        };
        match kind {
            ErrorKind::Timeout => Error::Timeout(t),
            ErrorKind::Tls => Error::Tls(t),
            _ => Error::Transport(t),
        }
    }

    /// The same error, noting the status of a response whose head had arrived.
    pub(crate) fn with_status(mut self, status: Option<u16>) -> Self {
        if let Error::Timeout(t) | Error::Tls(t) | Error::Transport(t) = &mut self {
            t.status = status;
        }
        self
    }

    /// A machine-readable name for the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidIds(_) => ErrorKind::InvalidIds,
            Error::Config(_) => ErrorKind::Config,
            Error::BadRequest(_) => ErrorKind::BadRequest,
            Error::Unauthorized(_) => ErrorKind::Unauthorized,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Unprocessable(_) => ErrorKind::Unprocessable,
            Error::RateLimited(_) => ErrorKind::RateLimited,
            Error::Server(_) => ErrorKind::Server,
            Error::UnexpectedStatus(_) => ErrorKind::UnexpectedStatus,
            Error::Redirect(_) => ErrorKind::Redirect,
            Error::UnexpectedBody(_) => ErrorKind::UnexpectedBody,
            Error::ResponseTooLarge(_) => ErrorKind::ResponseTooLarge,
            Error::Request(_) => ErrorKind::Request,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Tls(_) => ErrorKind::Tls,
            Error::Transport(_) => ErrorKind::Transport,
            Error::NameResolution(_) => ErrorKind::NameResolution,
            Error::Paging(_) => ErrorKind::Paging,
            Error::NoRunsApi(_) => ErrorKind::NoRunsApi,
        }
    }

    /// What the error response said, for errors that carry one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::BadRequest(a)
            | Error::Unauthorized(a)
            | Error::Forbidden(a)
            | Error::NotFound(a)
            | Error::Unprocessable(a)
            | Error::Server(a)
            | Error::UnexpectedStatus(a) => Some(a),
            Error::RateLimited(r) => Some(&r.api),
            Error::InvalidIds(_)
            | Error::Config(_)
            | Error::Redirect(_)
            | Error::UnexpectedBody(_)
            | Error::ResponseTooLarge(_)
            | Error::Request(_)
            | Error::Timeout(_)
            | Error::Tls(_)
            | Error::Transport(_)
            | Error::NameResolution(_)
            | Error::Paging(_)
            | Error::NoRunsApi(_) => None,
        }
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::UnexpectedBody(b) => b.status,
            Error::ResponseTooLarge(r) => r.status,
            Error::Redirect(r) => Some(r.status),
            Error::Timeout(t) | Error::Tls(t) | Error::Transport(t) => t.status,
            other => other.api_error().map(|a| a.status),
        }
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::UnexpectedBody(b) => b.request_id.as_deref(),
            Error::ResponseTooLarge(r) => r.request_id.as_deref(),
            other => other.api_error().and_then(|a| a.request_id.as_deref()),
        }
    }

    /// Whether retrying the same request may succeed: 408, 429, 5xx, timeouts, transport
    /// failures, and a success status whose body was cut or malformed. A hard delete of
    /// the same ids is idempotent, so these are safe to repeat. Never: TLS failures,
    /// redirects, oversized bodies, and 400/401/403/404/422.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_) | Error::Server(_) | Error::Timeout(_) => true,
            Error::Transport(_) => true,
            Error::UnexpectedStatus(a) => a.status == 408,
            Error::UnexpectedBody(b) => b
                .status
                .is_none_or(|s| is_success(s) || (500..=599).contains(&s)),
            Error::InvalidIds(_)
            | Error::Config(_)
            | Error::BadRequest(_)
            | Error::Unauthorized(_)
            | Error::Forbidden(_)
            | Error::NotFound(_)
            | Error::Unprocessable(_)
            | Error::Redirect(_)
            | Error::ResponseTooLarge(_)
            | Error::Request(_)
            | Error::Tls(_)
            | Error::NameResolution(_)
            | Error::Paging(_)
            | Error::NoRunsApi(_) => false,
        }
    }

    /// Whether this is a success status whose body arrived whole but is not the
    /// documented shape (an HTML page, another JSON document): the server answered
    /// something else, which a retry rarely changes. [`RetryPolicy`](crate::RetryPolicy)
    /// retries it at most once.
    pub fn is_malformed_success(&self) -> bool {
        matches!(self, Error::UnexpectedBody(b) if b.whole && b.status.is_some_and(is_success))
    }

    /// Whether the credentials were refused (401) or lack permission (403).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Unauthorized(_) | Error::Forbidden(_))
    }

    /// The server's `Retry-After`, for a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited(r) => r.retry_after,
            _ => None,
        }
    }
}

/// The start of a body, cut at a character boundary, for error messages.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(BODY_SNIPPET_BYTES)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > BODY_SNIPPET_BYTES {
        text.push_str(&format!("... ({} bytes in all)", bytes.len()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_never_repeats_the_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused-xyz");
        let e = Error::transport(ErrorKind::Transport, Some("http://h/x".into()), io);
        assert!(!e.to_string().contains("refused-xyz"), "{e}");
        assert!(e.source().unwrap().to_string().contains("refused-xyz"));
        assert_eq!(e.kind().as_str(), "transport");
    }

    #[test]
    fn statuses_are_numbers_and_print_with_their_reason() {
        let e = Error::NotFound(ApiError::new(404).with_error(Some("no such id".into()), None));
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.to_string(), "not found: HTTP 404 Not Found: no such id");
        // A 404 that says nothing in the documented shape is not the route's answer.
        let bare = Error::NotFound(ApiError::new(404)).to_string();
        assert!(
            bare.ends_with("so the endpoint is probably wrong"),
            "{bare}"
        );
        let r = Error::redirect(307, None, None);
        assert_eq!(r.status(), Some(307));
        assert!(
            r.to_string()
                .starts_with("the server answered 307 Temporary Redirect")
        );
        let odd = Error::unexpected_body(Some(599), true, "x", String::new(), None, None);
        assert!(
            odd.to_string()
                .starts_with("HTTP 599 <unknown status code>:"),
            "{odd}"
        );
    }

    /// One error of each variant.
    fn one_of_each() -> Vec<Error> {
        let io = || std::io::Error::other("cause");
        vec![
            Error::InvalidIds(InvalidIds {
                problems: Vec::new(),
                total_problems: 0,
                count: None,
            }),
            Error::Config(ConfigError::setting("x", "y")),
            Error::BadRequest(ApiError::new(400)),
            Error::Unauthorized(ApiError::new(401)),
            Error::Forbidden(ApiError::new(403)),
            Error::NotFound(ApiError::new(404)),
            Error::Unprocessable(ApiError::new(422)),
            Error::rate_limited(ApiError::new(429), None),
            Error::Server(ApiError::new(500)),
            Error::UnexpectedStatus(ApiError::new(418)),
            Error::redirect(302, None, None),
            Error::unexpected_body(Some(200), true, "x", String::new(), None, None),
            Error::too_large(Some(200), 1, None),
            Error::request("x".into()),
            Error::transport(ErrorKind::Timeout, None, io()),
            Error::transport(ErrorKind::Tls, None, io()),
            Error::transport(ErrorKind::Transport, None, io()),
            Error::lookup("dataset", "d", 0, "http://h", Vec::new()),
            Error::Paging(PagingError::runs(1, 0, PagingReason::NoNewIds)),
            Error::no_runs_api(Some(404), Some(404)),
        ]
    }

    /// The variant's name. No wildcard: a new variant does not compile until it is named
    /// here, and then `one_of_each` must hold one of it.
    fn variant(e: &Error) -> &'static str {
        match e {
            Error::InvalidIds(_) => "InvalidIds",
            Error::Config(_) => "Config",
            Error::BadRequest(_) => "BadRequest",
            Error::Unauthorized(_) => "Unauthorized",
            Error::Forbidden(_) => "Forbidden",
            Error::NotFound(_) => "NotFound",
            Error::Unprocessable(_) => "Unprocessable",
            Error::RateLimited(_) => "RateLimited",
            Error::Server(_) => "Server",
            Error::UnexpectedStatus(_) => "UnexpectedStatus",
            Error::Redirect(_) => "Redirect",
            Error::UnexpectedBody(_) => "UnexpectedBody",
            Error::ResponseTooLarge(_) => "ResponseTooLarge",
            Error::Request(_) => "Request",
            Error::Timeout(_) => "Timeout",
            Error::Tls(_) => "Tls",
            Error::Transport(_) => "Transport",
            Error::NameResolution(_) => "NameResolution",
            Error::Paging(_) => "Paging",
            Error::NoRunsApi(_) => "NoRunsApi",
        }
    }

    #[test]
    fn every_variant_has_a_kind_of_its_own_and_every_kind_a_variant() {
        use std::collections::HashSet;
        let errors = one_of_each();
        let variants: HashSet<&str> = errors.iter().map(variant).collect();
        assert_eq!(variants.len(), errors.len(), "one error of each variant");
        let kinds: Vec<ErrorKind> = errors.iter().map(Error::kind).collect();
        let distinct: HashSet<ErrorKind> = kinds.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            kinds.len(),
            "two variants share a kind: {kinds:?}"
        );
        // ALL is generated from the kinds' one list, so a new kind is in it: it must then
        // be some variant's kind, and a new variant must bring its own kind.
        let all: HashSet<ErrorKind> = ErrorKind::ALL.iter().copied().collect();
        assert_eq!(all.len(), ErrorKind::ALL.len());
        assert_eq!(
            distinct, all,
            "ErrorKind::ALL and the variants' kinds differ"
        );
        let names: HashSet<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len(), "two kinds share a name");
        for e in &errors {
            let name = e.kind().as_str();
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name:?} is not snake_case"
            );
        }
    }

    #[test]
    fn details_name_uuids_wherever_they_are() {
        let id = uuid::Uuid::from_u128(42);
        let d = Details::parse(format!(r#"{{"missing":["{id}"],"count":1}}"#));
        assert_eq!(d.named_uuids(), vec![id]);
        let d = Details::parse(format!("examples {} were not found", id.simple()));
        assert_eq!(d.named_uuids(), vec![id]);
    }
}
