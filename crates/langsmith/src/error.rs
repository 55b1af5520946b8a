//! One error type for every way a call can fail.

use crate::ids::InvalidIds;
use reqwest::StatusCode;
use std::fmt;
use std::time::Duration;

/// How much of an unexpected body an error keeps.
pub const BODY_SNIPPET_BYTES: usize = 512;

/// The server's `details`: parsed when it is a JSON string, kept raw otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    Json(serde_json::Value),
    Raw(String),
}

impl Details {
    pub(crate) fn parse(text: String) -> Self {
        match serde_json::from_str(&text) {
            Ok(value) => Details::Json(value),
            Err(_) => Details::Raw(text),
        }
    }
}

impl fmt::Display for Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Details::Json(v) => write!(f, "{v}"),
            Details::Raw(s) => write!(f, "{s}"),
        }
    }
}

/// What an error response said.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    /// The body's `error` field.
    pub error: Option<String>,
    /// The body's `details` field.
    pub details: Option<Details>,
    /// The `x-request-id` (or `request-id`) response header.
    pub request_id: Option<String>,
    /// The start of the body when it was not the documented JSON shape.
    pub body_snippet: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(e) = &self.error {
            write!(f, ": {e}")?;
        }
        if let Some(d) = &self.details {
            write!(f, " (details: {d})")?;
        }
        if let Some(s) = &self.body_snippet {
            write!(f, " (body: {s:?})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// Configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("invalid endpoint {endpoint:?}: {reason}")]
    Endpoint { endpoint: String, reason: String },
    #[error(
        "refusing plain http:// to {host}: API keys would travel unencrypted; use https://, a \
         loopback host, or opt in with allow_insecure_http(true)"
    )]
    InsecureHttp { host: String },
    #[error("invalid {what}: {reason}")]
    Header { what: &'static str, reason: String },
    #[error(
        "a bearer token needs a workspace (X-Tenant-Id) or organization (X-Organization-Id) id"
    )]
    BearerWithoutScope,
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    #[error("invalid setting {what}: {reason}")]
    Setting { what: &'static str, reason: String },
}

/// Every way a call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The ids were refused before anything was sent.
    #[error(transparent)]
    InvalidIds(#[from] InvalidIds),
    /// The client is misconfigured.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// 400 Bad Request.
    #[error("bad request: {0}")]
    BadRequest(ApiError),
    /// 401: the key is missing or not valid (not in the spec; gateways and Prism send it).
    #[error("unauthorized (check the API key): {0}")]
    Unauthorized(ApiError),
    /// 403 Forbidden: the key may not touch these examples or this workspace.
    #[error("forbidden: {0}")]
    Forbidden(ApiError),
    /// 404 Not Found.
    #[error("not found: {0}")]
    NotFound(ApiError),
    /// 422 Unprocessable Entity.
    #[error("unprocessable request: {0}")]
    Unprocessable(ApiError),
    /// 429 Too Many Requests (after retries, if any).
    #[error("rate limited{}: {api}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        api: ApiError,
        retry_after: Option<Duration>,
    },
    /// A 5xx response (after retries, if any).
    #[error("server error: {0}")]
    Server(ApiError),
    /// Any other status the spec does not document.
    #[error("unexpected status: {0}")]
    UnexpectedStatus(ApiError),
    /// A response whose body is not the documented shape (or could not be read whole).
    #[error("HTTP {}: body is not the documented shape: {reason}; body starts {snippet:?}", status.map(|s| s.to_string()).unwrap_or_else(|| "status unknown".into()))]
    UnexpectedBody {
        status: Option<StatusCode>,
        reason: String,
        snippet: String,
        request_id: Option<String>,
    },
    /// The generated client could not build the request (not sent).
    #[error("could not build the request: {0}")]
    Request(String),
    /// No response within the configured timeout.
    #[error("timed out: {source}")]
    Timeout {
        #[source]
        source: reqwest::Error,
    },
    /// The server could not be reached, or the connection failed.
    #[error("could not reach the server: {source}")]
    Transport {
        #[source]
        source: reqwest::Error,
    },
}

impl Error {
    /// What the error response said, for errors that carry one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::BadRequest(a)
            | Error::Unauthorized(a)
            | Error::Forbidden(a)
            | Error::NotFound(a)
            | Error::Unprocessable(a)
            | Error::RateLimited { api: a, .. }
            | Error::Server(a)
            | Error::UnexpectedStatus(a) => Some(a),
            _ => None,
        }
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::UnexpectedBody { status, .. } => *status,
            Error::Timeout { source } | Error::Transport { source } => source.status(),
            other => other.api_error().map(|a| a.status),
        }
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::UnexpectedBody { request_id, .. } => request_id.as_deref(),
            other => other.api_error().and_then(|a| a.request_id.as_deref()),
        }
    }

    /// Whether retrying the same request may succeed: 408, 429, 5xx, timeouts, transport
    /// failures, and a success status whose body was cut or malformed. A hard delete of
    /// the same ids is idempotent, so these are safe to repeat.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Server(_) | Error::Timeout { .. } => true,
            Error::Transport { .. } => true,
            Error::UnexpectedStatus(a) => a.status == StatusCode::REQUEST_TIMEOUT,
            Error::UnexpectedBody { status, .. } => {
                status.is_none_or(|s| s.is_success() || s.is_server_error())
            }
            _ => false,
        }
    }

    /// Whether the credentials were refused (401) or lack permission (403).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Unauthorized(_) | Error::Forbidden(_))
    }

    /// The server's `Retry-After`, for a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
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
