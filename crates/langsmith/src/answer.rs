//! What a response becomes: the facade's [`Error`] for every way a generated call can
//! fail ([`map_error`], by the status per [`ErrorKind::for_status`], the documented error
//! shapes read, bodies read with a bound).

use crate::error::{ApiError, Error, ErrorKind, snippet};
use langsmith_api::hooks::{ResponseMeta, request_id};
use langsmith_api::types;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

/// Bodies of unexpected responses are read up to this many bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

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

/// An operation that documents no error body (its errors are read from the body as
/// sent, [`api_error_from_body`]).
impl DocumentedError for () {
    fn parts(self) -> (Option<String>, Option<String>) {
        (None, None)
    }
}

impl DocumentedError for types::ExamplesErrorResponse {
    fn parts(self) -> (Option<String>, Option<String>) {
        (self.error, self.details)
    }
}

impl DocumentedError for types::SharedProblemDetails {
    /// RFC 7807 (the v2 API's errors): the title and detail as the message, the
    /// remedy (LangSmith's hint for errors a user can fix) as details.
    fn parts(self) -> (Option<String>, Option<String>) {
        let message = match (self.title, self.detail) {
            (Some(t), Some(d)) => Some(format!("{t}: {d}")),
            (t, d) => t.or(d),
        };
        (message, self.remedy)
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
                .with_request_id(request_id(&headers))
                .with_url(meta.url.clone());
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
