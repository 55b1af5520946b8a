//! The official SDKs' side requests: `GET /info` (the server's version and flags, read
//! before version-dependent calls) and `GET /sessions` (the Python SDK's tenant look-up,
//! `?limit=1`, sent for every example it builds until one answer names a tenant), in the
//! spec's shapes (`InfoGetResponse`, `TracerSession`).

use crate::answer::Answer;
use crate::spec;
use crate::store::EPOCH;
use crate::time::rfc3339;
use crate::traces::{Runs, Session};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The `version` the stand-in's `/info` reports: at least every minimum backend version
/// the pinned SDKs check (Python 0.14.17's highest is 0.18.0), so neither warns; the
/// `+langsmith-mock` label says it is no LangSmith release.
pub const INFO_VERSION: &str = "0.18.0+langsmith-mock";

/// The name of each workspace's one session (tracing project), as LangSmith names the
/// project it makes first.
pub const SESSION_NAME: &str = "default";

/// `GET /info`: the version, no license expiry, the spec's default batch-ingest config
/// (the multipart run ingestion on, as LangSmith has it), and instance flags that turn
/// its zstd compression on and keep example writes on JSON unless `examples_multipart`
/// turns the multipart example routes on
/// ([`crate::MockServerBuilder::examples_multipart`]).
pub(crate) fn info(examples_multipart: bool) -> Value {
    // Read from the document as written: inlining a `$ref` drops the `default` beside it.
    let doc = spec::document();
    let schema = spec::resolve(
        doc,
        &doc["paths"][spec::INFO_PATH]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
    );
    // Runs are ingested through `POST /runs/multipart` (zstd-compressed), as LangSmith
    // has it: the SDKs drop a traced run's attachments on the JSON routes ("Attachments
    // are not supported when use_multipart_endpoint is False"), and a rehearsal must see
    // what an app writes, files included. `POST /runs/batch` and `/runs` stay served.
    let batch = schema["properties"]["batch_ingest_config"]
        .get("default")
        .cloned()
        .expect("the vendored spec gives InfoGetResponse.batch_ingest_config a default");
    json!({
        "version": INFO_VERSION,
        "git_sha": null,
        "license_expiration_time": null,
        "batch_ingest_config": batch,
        // Examples are written as JSON (`POST /examples`, `/examples/bulk`, `PATCH
        // /examples/{id}`), not through the multipart routes these flags switch on,
        // unless the server was built to say they are on.
        "instance_flags": {
            "dataset_examples_multipart_enabled": examples_multipart,
            "examples_multipart_enabled": examples_multipart,
            // The SDKs compress multipart run ingestion with zstd when this is on (and
            // warn "Run compression is not enabled" when it is off).
            "zstd_compression_enabled": true,
        },
        "customer_info": null,
    })
}

/// The id of a workspace's session: derived from the workspace id, so a stand-in
/// restarted with the same workspace answers the same one.
pub fn session_id(workspace: Uuid) -> Uuid {
    let bits = workspace.as_u128() ^ 0x5e55_1011_0000_4000_8000_5e55_1011_0000;
    uuid::Builder::from_random_bytes(bits.rotate_left(61).to_le_bytes()).into_uuid()
}

/// A session as `GET /sessions` lists it: the store's [`Session`] and what its runs say.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub(crate) session: Session,
    /// How many runs it holds.
    pub(crate) runs: u64,
    /// When its last run started (Unix seconds), if it holds any.
    pub(crate) last_run_start: Option<i64>,
}

/// The workspace's `default` session (tracing project): no dataset, no runs.
pub(crate) fn default_session(workspace: Uuid) -> Listed {
    Listed {
        session: Session {
            id: session_id(workspace),
            workspace_id: workspace,
            name: SESSION_NAME.to_owned(),
            reference_dataset_id: None,
            start_time: EPOCH - 86_400,
            description: None,
            end_time: None,
            extra: None,
        },
        runs: 0,
        last_run_start: None,
    }
}

/// The workspace's sessions: its `default` one and its experiments, with their run stats.
pub(crate) fn listed(workspace: Uuid, runs: &Runs) -> Vec<Listed> {
    let mut out = vec![default_session(workspace)];
    // Runs ingested without a session went to the `default` one.
    let default = out[0].session.id;
    let of = runs.runs.iter().filter(|r| r.session_id == default);
    out[0].runs = of.clone().count() as u64;
    out[0].last_run_start = of.map(|r| r.start_time).max();
    for s in runs.sessions.iter().filter(|s| s.workspace_id == workspace) {
        let of = runs.runs.iter().filter(|r| r.session_id == s.id);
        out.push(Listed {
            session: s.clone(),
            runs: of.clone().count() as u64,
            last_run_start: of.map(|r| r.start_time).max(),
        });
    }
    out
}

pub(crate) fn session_json(l: &Listed) -> Value {
    let s = &l.session;
    json!({
        "id": s.id.to_string(),
        "tenant_id": s.workspace_id.to_string(),
        "name": s.name,
        "description": s.description,
        "start_time": rfc3339(s.start_time),
        "end_time": s.end_time.map(rfc3339),
        "extra": s.extra,
        "default_dataset_id": null,
        "reference_dataset_id": s.reference_dataset_id.map(|d| d.to_string()),
        "trace_tier": null,
        "last_run_start_time": l.last_run_start.map(rfc3339),
    })
}

/// `GET /sessions`: the workspace's sessions (its `default` one, which references no
/// dataset, and its experiments, each with its `reference_dataset_id`), filtered by
/// `id`, `name`, `name_contains`, `reference_free`, `reference_dataset` and `metadata` (a
/// JSON object its `extra.metadata` must contain), sorted by
/// `sort_by` (`name`, `start_time`, `last_run_start_time`, `runs_count`; the latency,
/// error-rate and feedback columns tie, as every seeded run succeeded in 3 seconds with
/// no feedback, and ties keep start-time order), paged; with `include_stats=true`, each
/// with the fields `stats` gives it (the session's run stats).
pub(crate) fn sessions(
    all: Vec<Listed>,
    q: &Map<String, Value>,
    stats: &dyn Fn(Uuid) -> Map<String, Value>,
) -> Answer {
    let with_stats = q.get("include_stats") == Some(&Value::Bool(true));
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let uuids = |name: &str| -> Vec<Uuid> {
        strings(q.get(name))
            .iter()
            .filter_map(|i| Uuid::try_parse(i).ok())
            .collect()
    };
    let ids = uuids("id");
    let datasets = uuids("reference_dataset");
    let reference_free = q.get("reference_free").and_then(Value::as_bool);
    let metadata = match crate::read::metadata_param(q) {
        Ok(m) => m,
        Err(answer) => return answer,
    };
    let mut list: Vec<Listed> = all
        .into_iter()
        .filter(|l| {
            let s = &l.session;
            (ids.is_empty() || ids.contains(&s.id))
                && q.get("name")
                    .and_then(Value::as_str)
                    .is_none_or(|n| n == s.name)
                && q.get("name_contains")
                    .and_then(Value::as_str)
                    .is_none_or(|c| s.name.to_lowercase().contains(&c.to_lowercase()))
                && reference_free.is_none_or(|free| s.reference_dataset_id.is_none() == free)
                && (!q.contains_key("reference_dataset")
                    || s.reference_dataset_id
                        .is_some_and(|d| datasets.contains(&d)))
                && metadata.as_ref().is_none_or(|want| {
                    crate::read::contains(s.extra.as_ref().and_then(|e| e.get("metadata")), want)
                })
        })
        .collect();
    list.sort_by_key(|l| (l.session.start_time, l.session.id));
    let sort_by = q
        .get("sort_by")
        .and_then(Value::as_str)
        .unwrap_or("start_time");
    match sort_by {
        "name" => list.sort_by(|a, b| a.session.name.cmp(&b.session.name)),
        "last_run_start_time" => list.sort_by_key(|l| l.last_run_start),
        "runs_count" => list.sort_by_key(|l| l.runs),
        _ => {}
    }
    if q.get("sort_by_desc").and_then(Value::as_bool) != Some(false) {
        list.reverse();
    }
    let offset = q.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let limit = q.get("limit").and_then(Value::as_u64).unwrap_or(100) as usize;
    let page: Vec<Value> = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|l| {
            let mut v = session_json(l);
            if with_stats && let Some(m) = v.as_object_mut() {
                m.extend(stats(l.session.id));
            }
            v
        })
        .collect();
    (200, Value::Array(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_reports_the_specs_default_ingest_config_with_compression_on() {
        // As LangSmith: the spec's default (multipart run ingestion on), read from the
        // document as written; the SDKs compress it when the instance flag says so.
        let doc = spec::document();
        let default = &doc["components"]["schemas"]["InfoGetResponse"]["properties"]["batch_ingest_config"]
            ["default"];
        assert_eq!(default["use_multipart_endpoint"], true, "{default}");
        let info = info(false);
        assert_eq!(&info["batch_ingest_config"], default);
        assert_eq!(info["instance_flags"]["zstd_compression_enabled"], true);
    }

    #[test]
    fn the_answers_validate_against_the_spec() {
        for (path, value) in [
            (spec::INFO_PATH, info(false)),
            (spec::INFO_PATH, info(true)),
            (
                spec::SESSIONS_PATH,
                sessions(
                    vec![default_session(Uuid::from_u128(9))],
                    &Map::new(),
                    &|_| Map::new(),
                )
                .1,
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
