//! The official SDKs' side requests: `GET /info` (the server's version and flags, read
//! before version-dependent calls) and `GET /sessions` (the Python SDK's tenant look-up,
//! `?limit=1`, sent for every example it builds until one answer names a tenant), in the
//! spec's shapes (`InfoGetResponse`, `TracerSession`).

use crate::read::{Answer, rfc3339};
use crate::spec;
use crate::store::EPOCH;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The `version` the stand-in's `/info` reports: at least every minimum backend version
/// the pinned SDKs check (Python 0.14.17's highest is 0.18.0), so neither warns; the
/// `+langsmith-mock` label says it is no LangSmith release.
pub const INFO_VERSION: &str = "0.18.0+langsmith-mock";

/// The name of each workspace's one session (tracing project), as LangSmith names the
/// project it makes first.
pub const SESSION_NAME: &str = "default";

/// `GET /info`: the version, no license expiry, the spec's default batch-ingest config,
/// no instance flags (so the SDKs use no multipart or other flagged endpoint).
pub(crate) fn info() -> Value {
    // Read from the document as written: inlining a `$ref` drops the `default` beside it.
    let doc = spec::document();
    let schema = spec::resolve(
        doc,
        &doc["paths"][spec::INFO_PATH]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
    );
    let batch = schema["properties"]["batch_ingest_config"]
        .get("default")
        .cloned()
        .expect("the vendored spec gives InfoGetResponse.batch_ingest_config a default");
    json!({
        "version": INFO_VERSION,
        "git_sha": null,
        "license_expiration_time": null,
        "batch_ingest_config": batch,
        "instance_flags": {},
        "customer_info": null,
    })
}

/// The id of a workspace's session: derived from the workspace id, so a stand-in
/// restarted with the same workspace answers the same one.
pub fn session_id(workspace: Uuid) -> Uuid {
    let bits = workspace.as_u128() ^ 0x5e55_1011_0000_4000_8000_5e55_1011_0000;
    uuid::Builder::from_random_bytes(bits.rotate_left(61).to_le_bytes()).into_uuid()
}

fn session_json(workspace: Uuid) -> Value {
    json!({
        "id": session_id(workspace).to_string(),
        "tenant_id": workspace.to_string(),
        "name": SESSION_NAME,
        "description": null,
        "start_time": rfc3339(EPOCH - 86_400),
        "end_time": null,
        "extra": null,
        "default_dataset_id": null,
        "reference_dataset_id": null,
        "trace_tier": null,
        "last_run_start_time": null,
    })
}

/// `GET /sessions`: the workspace's one session, filtered by `id`, `name`,
/// `name_contains`, `reference_free` (it references no dataset) and
/// `reference_dataset` (so none matches), paged; `include_stats=true` is refused (the
/// stand-in keeps no runs to compute them from).
pub(crate) fn sessions(workspace: Uuid, q: &Map<String, Value>) -> Answer {
    if q.get("include_stats") == Some(&Value::Bool(true)) {
        return (
            400,
            json!({"detail": "query parameter `include_stats`: true is not supported by the stand-in (it keeps no runs to compute stats from)"}),
        );
    }
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let id = session_id(workspace).to_string();
    let ids = strings(q.get("id"));
    let matches = (ids.is_empty()
        || ids
            .iter()
            .any(|i| Uuid::try_parse(i).is_ok_and(|u| u.to_string() == id)))
        && q.get("name")
            .and_then(Value::as_str)
            .is_none_or(|n| n == SESSION_NAME)
        && q.get("name_contains")
            .and_then(Value::as_str)
            .is_none_or(|c| SESSION_NAME.contains(&c.to_lowercase()))
        && q.get("reference_free").and_then(Value::as_bool) != Some(false)
        && !q.contains_key("reference_dataset");
    let offset = q.get("offset").and_then(Value::as_u64).unwrap_or(0);
    let limit = q.get("limit").and_then(Value::as_u64);
    let list = if matches && offset == 0 && limit != Some(0) {
        vec![session_json(workspace)]
    } else {
        Vec::new()
    };
    (200, Value::Array(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answers_validate_against_the_spec() {
        for (path, value) in [
            (spec::INFO_PATH, info()),
            (
                spec::SESSIONS_PATH,
                sessions(Uuid::from_u128(9), &Map::new()).1,
            ),
        ] {
            let schema = &spec::read_operation(path).success_schema;
            let v = spec::validate(schema, &value);
            assert!(v.is_empty(), "{path}: {v:?}");
        }
        assert_eq!(
            session_id(Uuid::from_u128(9)),
            session_id(Uuid::from_u128(9))
        );
        assert_ne!(
            session_id(Uuid::from_u128(9)),
            session_id(Uuid::from_u128(10))
        );
    }
}
