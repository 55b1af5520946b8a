//! What an operation answers, `(status, body)`, and FastAPI's answers to a request it
//! refuses: `{"detail": ...}`, and the 422 `HTTPValidationError` naming a path or query
//! parameter that is not a UUID.

use serde_json::{Value, json};
use uuid::Uuid;

/// `(status, body)`.
pub(crate) type Answer = (u16, Value);

/// FastAPI's 422 for one problem.
pub(crate) fn unprocessable(loc: &[&str], msg: impl Into<String>, kind: &str) -> Answer {
    (
        422,
        json!({"detail": [{"loc": loc, "msg": msg.into(), "type": kind}]}),
    )
}

pub(crate) fn detail(status: u16, msg: impl Into<String>) -> Answer {
    (status, json!({"detail": msg.into()}))
}

pub(crate) fn path_uuid(raw: &str, name: &str) -> Result<Uuid, Answer> {
    Uuid::try_parse(raw).map_err(|e| unprocessable(&["path", name], e.to_string(), "uuid_parsing"))
}

/// A query string as `name -> values`.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Every value of `name` as a UUID (422 in FastAPI's shape naming it otherwise).
pub(crate) fn query_uuids(q: &[(String, String)], name: &str) -> Result<Vec<Uuid>, Answer> {
    q.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| {
            Uuid::try_parse(v)
                .map_err(|e| unprocessable(&["query", name], e.to_string(), "uuid_parsing"))
        })
        .collect()
}
