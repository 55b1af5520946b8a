//! Repairs of mistakes in LangSmith's document itself: places where the spec contradicts
//! its own words, the OpenAPI specification, or what the service is reported (in an
//! upstream issue) to answer. Each names the spec location it repairs.

use super::{Fixup, MustApply, ptr_push};
use crate::HTTP_METHODS;
use serde_json::{Map, Value};

/// Repairs `#/components/schemas/examples.DeleteExamplesRequest/properties/example_ids` of
/// `openapi/langsmith.json`: its description says "a list of UUIDs", its `items` are
/// `{type: string}` without `format: uuid`.
pub const REQUEST_EXAMPLE_IDS_ARE_UUIDS: Fixup = Fixup {
    name: "request-example-ids-are-uuids",
    why: "the hard-delete request's `example_ids` are described as \"a list of UUIDs\" \
          but typed as plain strings, so the generated type held a `String` per id \
          (an allocation each, and a type that admits non-UUIDs). Adds `format: uuid` to \
          its items, so typify generates `Vec<uuid::Uuid>`; the wire form is unchanged \
          (a UUID serializes as its canonical string).",
    apply: request_example_ids_are_uuids,
    must_apply: MustApply::ToTheClient,
    defined_in: file!(),
};

/// Repairs `#/components/schemas/Example/properties/inputs` of `openapi/langsmith.json`
/// (required, `type: object`, not nullable) against the description of
/// `#/paths/~1v1~1platform~1datasets~1examples~1delete/post` ("by setting inputs,
/// outputs, and metadata to null").
pub const HARD_DELETED_EXAMPLE_INPUTS_ARE_NULL: Fixup = Fixup {
    name: "hard-deleted-example-inputs-are-null",
    why: "the hard-delete operation says it works \"by setting inputs, outputs, and \
          metadata to null\", but the `Example` schema declares `inputs` a required, \
          non-nullable object, so a hard-deleted example read back would not deserialize \
          (outputs and metadata are already nullable). Makes `Example.inputs` nullable; \
          it stays required (the key is present, its value null). It loses nothing; it \
          fails once upstream makes `inputs` nullable, or stops saying inputs are nulled.",
    apply: hard_deleted_example_inputs_are_null,
    must_apply: MustApply::ToTheClient,
    defined_in: file!(),
};

/// Repairs `#/paths/~1api~1v1~1runs~1delete/post/responses` of `openapi/langsmith.json`
/// (success `200`, `content.application/json.schema: {}`) against what the service answers,
/// reported in langchain-ai/langsmith-sdk issue 2077: **202** `{"message": "Run deletes
/// queued"}` (the deletion is queued and happens later).
pub const RUNS_DELETE_ANSWERS_202_QUEUED: Fixup = Fixup {
    name: "runs-delete-answers-202-queued",
    why: "`POST /api/v1/runs/delete` is documented to answer 200 with an empty schema, \
          but the service answers 202 `{\"message\": \"Run deletes queued\"}` \
          (langchain-ai/langsmith-sdk issue 2077), so the generated call took the real \
          answer for an undocumented status. Moves the success to 202, with an object \
          schema whose optional `message` is a string and that answer as its example; \
          it fails once upstream documents 202, or changes the 200 it repairs.",
    apply: runs_delete_answers_202_queued,
    must_apply: MustApply::ToTheClient,
    defined_in: file!(),
};

/// Repairs what OpenAPI requires ("Path Item Object": each template expression must be
/// declared as a path parameter) and `openapi/langsmith.json` breaks in 20 operations, for
/// example `#/paths/~1api~1v1~1repos~1{owner}~1{repo}~1optimization-jobs/get`, which
/// never declares `owner`.
pub const UNDECLARED_PATH_PARAMETERS_DECLARED: Fixup = Fixup {
    name: "undeclared-path-parameters-declared",
    why: "a `{name}` in a path template that no parameter declares (LangSmith's \
          `/api/v1/repos/{owner}/{repo}/...` operations declare `repo` but not `owner`) \
          makes progenitor panic (\"missing path name mapping\"). Declares it as a \
          required string path parameter, each change naming it; nothing is lost.",
    apply: undeclared_path_parameters_declared,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Repairs what OpenAPI requires ("Parameter Object": a path parameter's name must occur
/// in the path template) and `openapi/langsmith.json` breaks at
/// `#/paths/~1v1~1platform~1alerts~1{session_id}~1test/post/parameters` (`alert_rule_id`).
pub const PATH_PARAMETERS_NOT_IN_THE_PATH_DROPPED: Fixup = Fixup {
    name: "path-parameters-not-in-the-path-dropped",
    why: "a path parameter whose `{name}` is not in the path template cannot be sent \
          (LangSmith's `POST /v1/platform/alerts/{session_id}/test` declares \
          `alert_rule_id`), and progenitor panics on it (\"missing from path\"). Dropped, \
          each change naming it: the operation is generated for the path as documented.",
    apply: path_parameters_not_in_the_path_dropped,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

const HARD_DELETE_REQUEST_IDS: &str =
    "/components/schemas/examples.DeleteExamplesRequest/properties/example_ids";

fn request_example_ids_are_uuids(doc: &mut Value) -> Result<Vec<String>, String> {
    let Some(ids) = doc.pointer_mut(HARD_DELETE_REQUEST_IDS) else {
        return Ok(Vec::new());
    };
    let described = ids
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| d.contains("UUID"));
    let items = ids
        .get_mut("items")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{HARD_DELETE_REQUEST_IDS}/items: missing"))?;
    match items.get("format").and_then(Value::as_str) {
        // Upstream says so itself now: nothing to repair.
        Some("uuid") => return Ok(Vec::new()),
        Some(other) => {
            return Err(format!(
                "{HARD_DELETE_REQUEST_IDS}/items: format is {other:?}, not uuid; the repair \
                 no longer fits"
            ));
        }
        None => {}
    }
    if items.get("type").and_then(Value::as_str) != Some("string") {
        return Err(format!(
            "{HARD_DELETE_REQUEST_IDS}/items: no longer `type: string`; the repair no longer fits"
        ));
    }
    if !described {
        return Err(format!(
            "{HARD_DELETE_REQUEST_IDS}: the description no longer says the ids are UUIDs; \
             the repair has no ground"
        ));
    }
    items.insert("format".into(), Value::String("uuid".into()));
    Ok(vec![format!(
        "{HARD_DELETE_REQUEST_IDS}/items: format: uuid"
    )])
}

const EXAMPLE_INPUTS: &str = "/components/schemas/Example/properties/inputs";
/// What the hard-delete operation's description says it does to an example.
const NULLS_INPUTS: &str = "setting inputs, outputs, and metadata to null";

fn hard_deleted_example_inputs_are_null(doc: &mut Value) -> Result<Vec<String>, String> {
    let said = doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.iter())
        .flat_map(|(_, item)| HTTP_METHODS.iter().filter_map(|m| item.get(*m)))
        .filter_map(|op| op.get("description").and_then(Value::as_str))
        .find(|d| d.contains(NULLS_INPUTS))
        .is_some();
    let Some(inputs) = doc
        .pointer_mut(EXAMPLE_INPUTS)
        .and_then(Value::as_object_mut)
    else {
        return Ok(Vec::new());
    };
    if !said {
        // No operation of this document nulls inputs: there is nothing to reconcile.
        return Ok(Vec::new());
    }
    // Upstream says so itself now (3.1 `anyOf [.., null]` arrives here as `nullable`).
    if inputs.get("nullable").and_then(Value::as_bool) == Some(true) {
        return Ok(Vec::new());
    }
    if inputs.get("type").and_then(Value::as_str) != Some("object") {
        return Err(format!(
            "{EXAMPLE_INPUTS}: no longer `type: object`; the repair no longer fits"
        ));
    }
    inputs.insert("nullable".into(), Value::Bool(true));
    Ok(vec![format!(
        "{EXAMPLE_INPUTS}: nullable: true (the hard-delete operation says it sets inputs to null)"
    )])
}

const RUNS_DELETE_RESPONSES: &str = "/paths/~1api~1v1~1runs~1delete/post/responses";
/// The service's answer to a runs delete (langchain-ai/langsmith-sdk issue 2077).
const RUN_DELETES_QUEUED: &str = "Run deletes queued";

fn runs_delete_answers_202_queued(doc: &mut Value) -> Result<Vec<String>, String> {
    let Some(responses) = doc
        .pointer_mut(RUNS_DELETE_RESPONSES)
        .and_then(Value::as_object_mut)
    else {
        return Ok(Vec::new());
    };
    // Upstream documents the queued answer now: nothing to repair.
    if responses.contains_key("202") {
        return Ok(Vec::new());
    }
    let Some(ok) = responses.get("200") else {
        return Err(format!(
            "{RUNS_DELETE_RESPONSES}: neither 200 nor 202 documented; the repair no longer fits"
        ));
    };
    let schema = ok.pointer("/content/application~1json/schema");
    if schema != Some(&Value::Object(Map::new())) {
        return Err(format!(
            "{RUNS_DELETE_RESPONSES}/200: its schema is no longer the empty `{{}}` \
             (now {}); the repair no longer fits",
            schema.map_or_else(|| "absent".to_owned(), Value::to_string)
        ));
    }
    let mut queued = responses.remove("200").unwrap_or(Value::Null);
    queued["description"] = Value::String("Run deletes queued".into());
    queued["content"]["application/json"]["schema"] = serde_json::json!({
        "type": "object",
        "title": "RunDeletesQueued",
        "properties": {"message": {"type": "string", "title": "Message"}},
        "example": {"message": RUN_DELETES_QUEUED}
    });
    responses.insert("202".into(), queued);
    Ok(vec![format!(
        "{RUNS_DELETE_RESPONSES}: 200 {{}} -> 202 {{\"message\": \"{RUN_DELETES_QUEUED}\"}} \
         (langchain-ai/langsmith-sdk issue 2077)"
    )])
}

/// The `{name}`s of a path template, in order.
fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// The names of the path parameters an operation declares (its own and its path's);
/// `$ref`ed parameters are resolved in `components`.
fn declared_path_parameters(
    components: &Value,
    item: &Map<String, Value>,
    op: &Map<String, Value>,
) -> Vec<String> {
    let mut out = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => r
                    .strip_prefix("#/components/")
                    .and_then(|rest| components.pointer(&format!("/{rest}")))
                    .unwrap_or(p),
                None => p,
            };
            if p.get("in").and_then(Value::as_str) == Some("path")
                && let Some(name) = p.get("name").and_then(Value::as_str)
            {
                out.push(name.to_owned());
            }
        }
    }
    out
}

fn undeclared_path_parameters_declared(doc: &mut Value) -> Result<Vec<String>, String> {
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(Vec::new());
    };
    let mut changes = Vec::new();
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let item_view = item.clone();
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            let declared = declared_path_parameters(&components, &item_view, op);
            for name in template_names(path) {
                if declared.contains(&name) {
                    continue;
                }
                let params = op
                    .entry("parameters")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = params.as_array_mut() {
                    list.push(serde_json::json!({
                        "name": name, "in": "path", "required": true,
                        "schema": {"type": "string"}
                    }));
                    changes.push(format!(
                        "{}/parameters: declared the path parameter `{name}` (a string; upstream declares none)",
                        ptr_push(&ptr_push("/paths", path), method)
                    ));
                }
            }
        }
    }
    Ok(changes)
}

fn path_parameters_not_in_the_path_dropped(doc: &mut Value) -> Result<Vec<String>, String> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(Vec::new());
    };
    let mut changes = Vec::new();
    for (path, item) in paths.iter_mut() {
        let names = template_names(path);
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in HTTP_METHODS {
            let Some(params) = item
                .get_mut(*method)
                .and_then(|op| op.get_mut("parameters"))
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            params.retain(|p| {
                let is_stray = p.get("in").and_then(Value::as_str) == Some("path")
                    && p.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| !names.iter().any(|t| t == n));
                if is_stray {
                    changes.push(format!(
                        "{}/parameters: dropped the path parameter `{}` (the path has no such placeholder)",
                        ptr_push(&ptr_push("/paths", path), method),
                        p["name"].as_str().unwrap_or_default()
                    ));
                }
                !is_stray
            });
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::{FIXUPS, translation::openapi_31_to_30};
    use serde_json::json;

    #[test]
    fn path_parameters_follow_the_path_template() {
        let mut d = json!({"paths": {
            "/repos/{owner}/{repo}/tags": {"get": {"parameters": [
                {"name": "repo", "in": "path", "required": true, "schema": {"type": "string"}}]}},
            "/alerts/{session_id}/test": {"post": {"parameters": [
                {"name": "session_id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "alert_rule_id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "q", "in": "query", "schema": {"type": "string"}}]}}}});
        assert_eq!(
            undeclared_path_parameters_declared(&mut d).unwrap(),
            [
                "/paths/~1repos~1{owner}~1{repo}~1tags/get/parameters: declared the path parameter `owner` (a string; upstream declares none)"
            ]
        );
        assert_eq!(
            path_parameters_not_in_the_path_dropped(&mut d).unwrap(),
            [
                "/paths/~1alerts~1{session_id}~1test/post/parameters: dropped the path parameter `alert_rule_id` (the path has no such placeholder)"
            ]
        );
        let names: Vec<&str> = d["paths"]["/alerts/{session_id}/test"]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["session_id", "q"]);
        // Declared at the path level counts as declared.
        let mut d = json!({"paths": {"/a/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "get": {}}}});
        assert!(
            undeclared_path_parameters_declared(&mut d)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn example_inputs_become_nullable_only_while_hard_delete_nulls_them() {
        let doc = |inputs: Value, description: &str| {
            serde_json::json!({
                "paths": {"/v1/platform/datasets/examples/delete": {"post": {"description": description}}},
                "components": {"schemas": {"Example": {"properties": {"inputs": inputs}}}}})
        };
        let said = "Deletion is performed by setting inputs, outputs, and metadata to null and ...";
        let mut d = doc(
            serde_json::json!({"type": "object", "additionalProperties": true}),
            said,
        );
        assert_eq!(
            hard_deleted_example_inputs_are_null(&mut d).unwrap(),
            [
                "/components/schemas/Example/properties/inputs: nullable: true (the hard-delete operation says it sets inputs to null)"
            ]
        );
        assert_eq!(
            d.pointer(EXAMPLE_INPUTS).unwrap(),
            &serde_json::json!({"type": "object", "additionalProperties": true, "nullable": true})
        );
        // Upstream fixed it (the 3.1 form, once translated): nothing to do, so the
        // required fixup fails on the vendored spec.
        let mut d = serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/d": {"post": {"description": said}}},
            "components": {"schemas": {"Example": {"properties": {"inputs":
                {"anyOf": [{"type": "object"}, {"type": "null"}]}}}}}});
        openapi_31_to_30(&mut d).unwrap();
        assert!(
            hard_deleted_example_inputs_are_null(&mut d)
                .unwrap()
                .is_empty()
        );
        assert!(
            FIXUPS
                .iter()
                .any(|f| f.name == "hard-deleted-example-inputs-are-null"
                    && f.must_apply == MustApply::ToTheClient),
            "finding nothing must fail generation of the vendored spec"
        );
        // No operation says inputs are nulled: no ground, no change.
        let mut d = doc(serde_json::json!({"type": "object"}), "Deletes examples.");
        assert!(
            hard_deleted_example_inputs_are_null(&mut d)
                .unwrap()
                .is_empty()
        );
        // Another type: the repair no longer fits, loudly.
        let mut d = doc(serde_json::json!({"type": "string"}), said);
        assert!(
            hard_deleted_example_inputs_are_null(&mut d)
                .unwrap_err()
                .contains("no longer `type: object`")
        );
    }

    #[test]
    fn runs_delete_answers_202_only_while_the_spec_says_200_with_an_empty_schema() {
        let doc = |responses: Value| json!({"paths": {"/api/v1/runs/delete": {"post": {"responses": responses}}}});
        let upstream = json!({
            "200": {"description": "Successful Response",
                    "content": {"application/json": {"schema": {}}}},
            "422": {"description": "Validation Error"}});
        let mut d = doc(upstream.clone());
        let changes = runs_delete_answers_202_queued(&mut d).unwrap();
        assert_eq!(changes.len(), 1);
        assert!(changes[0].contains("issue 2077"), "{}", changes[0]);
        let responses = d.pointer(RUNS_DELETE_RESPONSES).unwrap();
        assert!(responses.get("200").is_none());
        assert!(responses.get("422").is_some());
        let schema = &responses["202"]["content"]["application/json"]["schema"];
        assert_eq!(schema["example"], json!({"message": "Run deletes queued"}));
        assert_eq!(schema["properties"]["message"]["type"], "string");
        // Applied twice: upstream (here, the first run) documents 202, nothing to do, and
        // the vendored spec then fails generation naming the fixup.
        assert!(runs_delete_answers_202_queued(&mut d).unwrap().is_empty());
        assert!(
            FIXUPS
                .iter()
                .any(|f| f.name == "runs-delete-answers-202-queued"
                    && f.must_apply == MustApply::ToTheClient)
        );
        // The 200 it repairs has changed: loudly.
        let mut changed = upstream.clone();
        changed["200"]["content"]["application/json"]["schema"] = json!({"type": "object"});
        let e = runs_delete_answers_202_queued(&mut doc(changed)).unwrap_err();
        assert!(e.contains("no longer the empty"), "{e}");
        let e = runs_delete_answers_202_queued(&mut doc(json!({"422": {}}))).unwrap_err();
        assert!(e.contains("neither 200 nor 202"), "{e}");
        // Another document: not applicable.
        assert!(
            runs_delete_answers_202_queued(&mut json!({}))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn request_example_ids_become_uuids_only_where_described_so() {
        let doc = |items: Value, description: &str| {
            serde_json::json!({"components": {"schemas": {"examples.DeleteExamplesRequest": {
                "properties": {"example_ids": {"type": "array", "description": description, "items": items}}}}}})
        };
        let mut d = doc(serde_json::json!({"type": "string"}), "a list of UUIDs");
        let changes = request_example_ids_are_uuids(&mut d).unwrap();
        assert_eq!(changes.len(), 1);
        assert!(changes[0].starts_with(HARD_DELETE_REQUEST_IDS));
        assert_eq!(
            d.pointer(&format!("{HARD_DELETE_REQUEST_IDS}/items/format"))
                .unwrap(),
            "uuid"
        );
        // Upstream fixed it: nothing to do (an error when generating the vendored spec).
        assert!(request_example_ids_are_uuids(&mut d).unwrap().is_empty());
        // No ground for the repair: errors naming the pointer.
        let e = request_example_ids_are_uuids(&mut doc(
            serde_json::json!({"type": "string"}),
            "some ids",
        ))
        .unwrap_err();
        assert!(e.contains(HARD_DELETE_REQUEST_IDS), "{e}");
        let e = request_example_ids_are_uuids(&mut doc(
            serde_json::json!({"type": "integer"}),
            "UUIDs",
        ))
        .unwrap_err();
        assert!(e.contains("type: string"), "{e}");
        let e = request_example_ids_are_uuids(&mut doc(
            serde_json::json!({"type": "string", "format": "email"}),
            "UUIDs",
        ))
        .unwrap_err();
        assert!(e.contains("email"), "{e}");
        // Another document: not applicable.
        assert!(
            request_example_ids_are_uuids(&mut serde_json::json!({}))
                .unwrap()
                .is_empty()
        );
    }
}
