//! Workspace-level objects that expose or copy a person's data beyond examples and runs:
//! dataset share links (`GET`/`PUT`/`DELETE /api/v1/datasets/{id}/share`, listed with the
//! run share links by `GET /api/v1/workspaces/current/shared`), run rules (automations,
//! `GET /api/v1/runs/rules`, the spec's `RunRulesSchema`) and bulk exports
//! (`GET /api/v1/bulk-exports`, `BulkExport`). Rules and exports are seeded (see
//! [`crate::person`]); the stand-in serves no route that makes or deletes them.
//!
//! Errors are FastAPI's (`{"detail": ...}`, 422 `HTTPValidationError` for a malformed
//! path or query parameter), as on the other classic routes.

use crate::answer::{Answer, detail, path_uuid, query_pairs, query_uuids};
use crate::cx::Cx;
use crate::time::rfc3339;
use serde_json::{Value, json};
use uuid::Uuid;

/// The live dataset `raw` of the caller's workspace, or the route's error.
fn own_dataset(cx: &Cx<'_>, raw: &str) -> Result<Uuid, Answer> {
    let id = path_uuid(raw, "dataset_id")?;
    cx.store
        .live_dataset(cx.workspace, id)
        .map(|_| id)
        .ok_or_else(|| detail(404, format!("Dataset {id} not found")))
}

fn share_json(dataset: Uuid, token: Uuid) -> Value {
    json!({"dataset_id": dataset.to_string(), "share_token": token.to_string()})
}

/// `GET /datasets/{id}/share`: `DatasetShareSchema`, or null when not shared.
pub(crate) fn read_dataset_share(cx: Cx<'_>, raw: &str) -> Result<Value, Answer> {
    let id = own_dataset(&cx, raw)?;
    Ok(cx
        .runs
        .dataset_shares
        .get(&id)
        .map_or(Value::Null, |(t, _)| share_json(id, *t)))
}

/// `PUT /datasets/{id}/share`: shares it (the same token when it already is);
/// `share_projects=true` (share its experiments too) is refused by name.
pub(crate) fn share_dataset(cx: Cx<'_>, raw: &str, query: Option<&str>) -> Result<Value, Answer> {
    let id = own_dataset(&cx, raw)?;
    let q = query_pairs(query);
    if q.iter()
        .any(|(k, v)| k == "share_projects" && matches!(v.as_str(), "true" | "True" | "1"))
    {
        return Err(detail(
            400,
            "query parameter `share_projects`: true is not supported by the stand-in (it shares no experiments with a dataset)",
        ));
    }
    let (token, _) = *cx
        .runs
        .dataset_shares
        .entry(id)
        .or_insert_with(|| (crate::traces::uuid4(&mut fastrand::Rng::new()), cx.now));
    Ok(share_json(id, token))
}

/// `DELETE /datasets/{id}/share`: revokes the link (404 when not shared).
pub(crate) fn unshare_dataset(cx: Cx<'_>, raw: &str) -> Result<Value, Answer> {
    let id = own_dataset(&cx, raw)?;
    cx.runs
        .dataset_shares
        .remove(&id)
        .map(|_| json!({"message": "Dataset unshared"}))
        .ok_or_else(|| detail(404, format!("Dataset {id} is not shared")))
}

/// The workspace's shared (live) datasets as `TenantShareDatasetToken`s.
pub(crate) fn shared_dataset_entities(cx: &Cx<'_>) -> Vec<Value> {
    cx.runs
        .dataset_shares
        .iter()
        .filter_map(|(id, (token, at))| {
            let ds = cx.store.live_dataset(cx.workspace, *id)?;
            Some(json!({
                "type": "dataset",
                "share_token": token.to_string(),
                "created_at": rfc3339(*at),
                "dataset_id": id.to_string(),
                "dataset_name": cx.store.datasets[ds as usize].name,
            }))
        })
        .collect()
}

/// `GET /runs/rules`: the workspace's rules, filtered by `id`, `dataset_id`, `session_id`,
/// `type` (`session`: rules over a project; `dataset`: over a dataset's experiments) and
/// `name_contains`; `evaluator_id`, `tag_value_id` and `include_backfill_progress=true`
/// are refused by name.
pub(crate) fn list_rules(cx: Cx<'_>, query: Option<&str>) -> Result<Value, Answer> {
    let q = query_pairs(query);
    for (k, v) in &q {
        let refused = match k.as_str() {
            "evaluator_id" | "tag_value_id" => true,
            "include_backfill_progress" => matches!(v.as_str(), "true" | "True" | "1"),
            _ => false,
        };
        if refused {
            return Err(detail(
                400,
                format!("query parameter `{k}` is not supported by the stand-in"),
            ));
        }
    }
    let ids = query_uuids(&q, "id")?;
    let datasets = query_uuids(&q, "dataset_id")?;
    let sessions = query_uuids(&q, "session_id")?;
    let kind = q.iter().find(|(k, _)| k == "type").map(|(_, v)| v.as_str());
    if let Some(t) = kind
        && !matches!(t, "session" | "dataset")
    {
        return Err((
            422,
            json!({"detail": [{"loc": ["query", "type"], "msg": "Input should be 'session' or 'dataset'", "type": "enum"}]}),
        ));
    }
    let contains = q
        .iter()
        .find(|(k, _)| k == "name_contains")
        .map(|(_, v)| v.to_lowercase());
    let uuid_of = |r: &Value, name: &str| r[name].as_str().and_then(|s| Uuid::try_parse(s).ok());
    Ok(Value::Array(
        cx.runs
            .rules
            .iter()
            .filter(|(ws, _)| *ws == cx.workspace)
            .map(|(_, r)| r)
            .filter(|r| ids.is_empty() || uuid_of(r, "id").is_some_and(|i| ids.contains(&i)))
            .filter(|r| {
                datasets.is_empty()
                    || uuid_of(r, "dataset_id").is_some_and(|i| datasets.contains(&i))
            })
            .filter(|r| {
                sessions.is_empty()
                    || uuid_of(r, "session_id").is_some_and(|i| sessions.contains(&i))
            })
            .filter(|r| match kind {
                Some("session") => !r["session_id"].is_null(),
                Some(_) => !r["dataset_id"].is_null(),
                None => true,
            })
            .filter(|r| {
                contains.as_ref().is_none_or(|c| {
                    r["display_name"]
                        .as_str()
                        .is_some_and(|n| n.to_lowercase().contains(c))
                })
            })
            .cloned()
            .collect(),
    ))
}

/// `GET /bulk-exports`: the workspace's exports.
pub(crate) fn list_exports(cx: Cx<'_>) -> Value {
    Value::Array(
        cx.runs
            .exports
            .iter()
            .filter(|(ws, _)| *ws == cx.workspace)
            .map(|(_, e)| e.clone())
            .collect(),
    )
}
