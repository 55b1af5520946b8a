//! Contract checks: the generated client and the facade say what `openapi/langsmith.json`
//! says for the operations of `openapi/operations.txt`. Every check reads a spec document
//! (the vendored one pruned to those operations, or a mutated copy in the sensitivity
//! test) and compares it with the compiled code; none restates the spec.
//!
//! Also here: the client generated from the multi-operation OpenAPI 3.1 fixture, compiled
//! to prove the fixups yield a client that builds.

#[rustfmt::skip]
#[allow(dead_code, clippy::all)]
pub mod fixture_client;

pub mod prism;

use langsmith::ExampleIds;
use langsmith_api::{spec as generated_spec, types};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    xtask::workspace_root()
}

/// The vendored spec's text.
pub fn spec_text() -> String {
    std::fs::read_to_string(root().join(xtask::VENDORED_SPEC)).expect("the vendored spec")
}

/// The vendored spec, whole, as JSON.
pub fn full_spec() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(&spec_text()).expect("the vendored spec is JSON"))
}

/// The vendored spec pruned to the operations the client holds (`openapi/operations.txt`),
/// as the generator prunes it, before any fixup: the document the checks compare with.
pub fn spec() -> Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let list =
            xtask::read_operation_list(&root().join(xtask::OPERATION_LIST), xtask::OPERATION_LIST)
                .unwrap_or_else(|e| panic!("{e}"));
        xtask::prune::prune(full_spec(), &list)
            .unwrap_or_else(|e| panic!("{e}"))
            .0
    })
    .clone()
}

/// Writes `doc` as `target/contract/NAME` (for Prism, which reads files) and returns the path.
pub fn write_spec(name: &str, doc: &Value) -> PathBuf {
    let dir = root().join("target/contract");
    std::fs::create_dir_all(&dir).expect("target/contract");
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(doc).expect("json")).expect("written");
    path
}

/// The pruned document with the named repairs applied in their OpenAPI 3.1 form: see
/// [`repaired`].
pub fn repaired_spec() -> Value {
    repaired(&spec())
}

/// `doc` with the named repairs applied in their OpenAPI 3.1 form (the fixups themselves
/// run after the 3.0 translation): `Example.inputs` admits null. Written here, apart from
/// the fixup, as the suite's own statement of the repair.
pub fn repaired(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let inputs = doc
        .pointer_mut("/components/schemas/Example/properties/inputs")
        .expect("Example.inputs");
    let original = inputs.take();
    *inputs = serde_json::json!({"anyOf": [original, {"type": "null"}]});
    doc
}

/// Spec repairs the generated types are expected to differ by: `(schema, property, fixup)`.
/// Each names the fixup in `xtask/src/fixups/` that makes the difference; the types
/// check fails if that fixup is gone or the difference is not there.
pub const EXPECTED_REPAIRS: &[(&str, &str, &str)] =
    &[("Example", "inputs", "hard-deleted-example-inputs-are-null")];

/// Success statuses the generated client is expected to differ by: `(method, path, the
/// spec's status, the status generated, fixup)`. Written here from the upstream report the
/// fixup cites (langchain-ai/langsmith-sdk issue 2077: the runs delete answers 202 `{"message":
/// "Run deletes queued"}`, the spec says 200), not from the fixup; the operations check
/// fails if the spec stops documenting the status repaired or the fixup is gone.
pub const EXPECTED_STATUS_REPAIRS: &[(&str, &str, u16, u16, &str)] = &[(
    "POST",
    "/api/v1/runs/delete",
    200,
    202,
    "runs-delete-answers-202-queued",
)];

/// The statuses the generated client must document for `op`: the spec's, with
/// [`EXPECTED_STATUS_REPAIRS`] applied; an error when a repair no longer fits the spec.
pub fn expected_statuses(op: &SpecOperation) -> Result<Vec<u16>, String> {
    let mut statuses = op.statuses.clone();
    for (method, path, from, to, fixup) in EXPECTED_STATUS_REPAIRS {
        if op.method != *method || op.path != *path {
            continue;
        }
        if !xtask::fixups::FIXUPS.iter().any(|f| f.name == *fixup) {
            return Err(format!("{method} {path}: the fixup `{fixup}` is gone"));
        }
        let Some(at) = statuses.iter().position(|s| s == from) else {
            return Err(format!(
                "{method} {path}: the spec no longer documents {from}, which `{fixup}` repairs"
            ));
        };
        statuses[at] = *to;
    }
    statuses.sort_unstable();
    Ok(statuses)
}

/// The hard-delete operation of a document.
pub fn hard_delete_op(doc: &Value) -> SpecOperation {
    operations(doc)
        .into_iter()
        .find(|o| {
            o.method == generated_spec::operations::hard_delete_examples::METHOD
                && o.path == generated_spec::operations::hard_delete_examples::PATH
        })
        .expect("the hard-delete operation")
}

/// Replaces every local `$ref` with what it points to.
pub fn inline_refs(doc: &Value, v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                let target = doc
                    .pointer(r.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("unresolvable $ref {r}"));
                let mut inlined = inline_refs(doc, target);
                // 2020-12 keeps a `$ref`'s siblings (schemars 1 writes a property's own
                // description and default beside the `$ref` of its type): they are the
                // property's, so they win over the referenced schema's.
                if let Value::Object(out) = &mut inlined {
                    for (k, v) in m.iter().filter(|(k, _)| *k != "$ref") {
                        out.insert(k.clone(), inline_refs(doc, v));
                    }
                }
                return inlined;
            }
            Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), inline_refs(doc, v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| inline_refs(doc, v)).collect()),
        other => other.clone(),
    }
}

/// An operation of the spec.
#[derive(Debug, Clone)]
pub struct SpecOperation {
    pub method: String,
    pub path: String,
    pub statuses: Vec<u16>,
    pub request_schema: Option<Value>,
    pub responses: Vec<(u16, Value)>,
    /// `(name, in, schema)` of each parameter, `$ref`s inlined.
    pub parameters: Vec<(String, String, Value)>,
}

/// Every operation of a spec document.
pub fn operations(doc: &Value) -> Vec<SpecOperation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in xtask::HTTP_METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut responses: Vec<(u16, Value)> = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, r)| {
                    let schema = r
                        .pointer("/content/application~1json/schema")
                        .cloned()
                        .unwrap_or(Value::Null);
                    Some((k.parse().ok()?, inline_refs(doc, &schema)))
                })
                .collect();
            responses.sort_by_key(|(s, _)| *s);
            out.push(SpecOperation {
                method: method.to_uppercase(),
                path: path.clone(),
                statuses: responses.iter().map(|(s, _)| *s).collect(),
                request_schema: op
                    .pointer("/requestBody/content/application~1json/schema")
                    .map(|s| inline_refs(doc, s)),
                responses,
                parameters: op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or_default().to_owned(),
                            p["in"].as_str().unwrap_or_default().to_owned(),
                            inline_refs(doc, &p["schema"]),
                        )
                    })
                    .collect(),
            });
        }
    }
    out
}

/// The request schema of the hard-delete operation.
pub fn request_schema(doc: &Value) -> Value {
    hard_delete_op(doc)
        .request_schema
        .expect("the hard-delete operation has a JSON request body")
}

/// A draft 2020-12 validator for `schema`.
pub fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(schema).expect("a valid JSON Schema")
}

/// Every error of `instance` against `schema`, as text.
pub fn violations(schema: &Value, instance: &Value) -> Vec<String> {
    validator(schema)
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Each `components.schemas` entry paired with the schemars schema of its generated type.
/// A spec schema without a generated type here is a failure of [`check_types`].
pub fn generated_schemas() -> Vec<(&'static str, &'static str, Value)> {
    fn of<T: schemars::JsonSchema>() -> (&'static str, Value) {
        let name = std::any::type_name::<T>().rsplit("::").next().unwrap();
        (name, schemars::schema_for!(T).as_value().clone())
    }
    vec![
        ("DataType", of::<types::DataType>()),
        ("Dataset", of::<types::Dataset>()),
        (
            "DatasetTransformation",
            of::<types::DatasetTransformation>(),
        ),
        (
            "DatasetTransformationType",
            of::<types::DatasetTransformationType>(),
        ),
        ("Example", of::<types::Example>()),
        ("ExampleListOrder", of::<types::ExampleListOrder>()),
        ("ExampleSelect", of::<types::ExampleSelect>()),
        ("GetDatasetsSelect", of::<types::GetDatasetsSelect>()),
        ("HTTPValidationError", of::<types::HttpValidationError>()),
        ("SortByDatasetColumn", of::<types::SortByDatasetColumn>()),
        ("ValidationError", of::<types::ValidationError>()),
        (
            "BodyParamsForRunsQuerySchema",
            of::<types::BodyParamsForRunsQuerySchema>(),
        ),
        (
            "Body_delete_runs_api_v1_runs_delete_post",
            of::<types::BodyDeleteRunsApiV1RunsDeletePost>(),
        ),
        ("ListRunsResponse", of::<types::ListRunsResponse>()),
        ("RunDateOrder", of::<types::RunDateOrder>()),
        // Replaced by a hand-written type (`xtask::REPLACEMENTS`): checked by what
        // the replacement promises (`check_replacements`), not property by property.
        ("RunSchema", of::<langsmith_api::partial::PartialRun>()),
        ("RunSelect", of::<types::RunSelect>()),
        ("RunTypeEnum", of::<types::RunTypeEnum>()),
        (
            "RunsFilterDataSourceTypeEnum",
            of::<types::RunsFilterDataSourceTypeEnum>(),
        ),
        ("TraceTier", of::<types::TraceTier>()),
        // A person across the workspace (issue 31): projects, feedback, share links,
        // rules and bulk exports.
        ("BulkExport", of::<langsmith_api::partial::PartialObject>()),
        (
            "RunRulesSchema",
            of::<langsmith_api::partial::PartialObject>(),
        ),
        (
            "BulkExportCompression",
            of::<types::BulkExportCompression>(),
        ),
        ("BulkExportFormat", of::<types::BulkExportFormat>()),
        (
            "BulkExportFormatVersion",
            of::<types::BulkExportFormatVersion>(),
        ),
        ("BulkExportStatus", of::<types::BulkExportStatus>()),
        (
            "CodeEvaluatorLanguage",
            of::<types::CodeEvaluatorLanguage>(),
        ),
        (
            "CodeEvaluatorTopLevel",
            of::<types::CodeEvaluatorTopLevel>(),
        ),
        (
            "EvaluatorStructuredOutput",
            of::<types::EvaluatorStructuredOutput>(),
        ),
        ("EvaluatorTopLevel", of::<types::EvaluatorTopLevel>()),
        ("FeedbackLevel", of::<types::FeedbackLevel>()),
        (
            "FeedbackSchema",
            of::<langsmith_api::partial::PartialObject>(),
        ),
        ("FeedbackSource", of::<types::FeedbackSource>()),
        ("FeedbackSourceParam", of::<types::FeedbackSourceParam>()),
        ("PagerdutySeverity", of::<types::PagerdutySeverity>()),
        (
            "RunRuleSpendLimitSchema-Output",
            of::<types::RunRuleSpendLimitSchemaOutput>(),
        ),
        (
            "RunRuleSpendLimitWindow",
            of::<types::RunRuleSpendLimitWindow>(),
        ),
        ("RunRulesAlertType", of::<types::RunRulesAlertType>()),
        (
            "RunRulesPagerdutyAlertSchema",
            of::<types::RunRulesPagerdutyAlertSchema>(),
        ),
        (
            "RunRulesWebhookSchema",
            of::<types::RunRulesWebhookSchema>(),
        ),
        (
            "SessionSortableColumns",
            of::<types::SessionSortableColumns>(),
        ),
        ("SourceType", of::<types::SourceType>()),
        (
            "TenantShareDatasetToken",
            of::<types::TenantShareDatasetToken>(),
        ),
        ("TenantShareRunToken", of::<types::TenantShareRunToken>()),
        (
            "TenantShareTokensResponse",
            of::<types::TenantShareTokensResponse>(),
        ),
        (
            "TracerSession",
            of::<langsmith_api::partial::PartialObject>(),
        ),
        (
            "examples.DeleteExamplesRequest",
            of::<types::ExamplesDeleteExamplesRequest>(),
        ),
        (
            "examples.ExamplesDeletedResponse",
            of::<types::ExamplesExamplesDeletedResponse>(),
        ),
        (
            "examples.ErrorResponse",
            of::<types::ExamplesErrorResponse>(),
        ),
        (
            "query.QueryRunsRequestBody",
            of::<types::QueryQueryRunsRequestBody>(),
        ),
        (
            "query.QueryRunsResponseBody",
            of::<types::QueryQueryRunsResponseBody>(),
        ),
        (
            "query.RunAttachmentURLs",
            of::<types::QueryRunAttachmentUrLs>(),
        ),
        (
            "query.RunCompletionCostDetails",
            of::<types::QueryRunCompletionCostDetails>(),
        ),
        (
            "query.RunCompletionTokenDetails",
            of::<types::QueryRunCompletionTokenDetails>(),
        ),
        ("query.RunEvent", of::<types::QueryRunEvent>()),
        ("query.RunFeedbackStat", of::<types::QueryRunFeedbackStat>()),
        (
            "query.RunFeedbackStats",
            of::<types::QueryRunFeedbackStats>(),
        ),
        (
            "query.RunPromptCostDetails",
            of::<types::QueryRunPromptCostDetails>(),
        ),
        (
            "query.RunPromptTokenDetails",
            of::<types::QueryRunPromptTokenDetails>(),
        ),
        // Replaced, as `RunSchema`.
        (
            "query.RunResponse",
            of::<langsmith_api::partial::PartialRun>(),
        ),
        ("query.RunSelectField", of::<types::QueryRunSelectField>()),
        ("query.RunStatus", of::<types::QueryRunStatus>()),
        ("query.RunType", of::<types::QueryRunType>()),
        ("query.SortOrder", of::<types::QuerySortOrder>()),
        ("shared.ProblemDetails", of::<types::SharedProblemDetails>()),
    ]
    .into_iter()
    .map(|(spec_name, (rust_name, schema))| (spec_name, rust_name, schema))
    .collect()
}

fn norm(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The non-null type names of a schema (`["string", "null"]` -> `{"string"}`), through
/// `anyOf`/`oneOf`/`allOf` branches (JSON Schema 2020-12 as upstream and schemars write it).
fn types_of(schema: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = match schema.get("type") {
        Some(Value::String(t)) => [t.clone()].into(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => BTreeSet::new(),
    };
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(types_of(branch));
            if is_nullable(branch) {
                out.insert("null".into());
            }
        }
    }
    // A `const`/`enum` without a type is a string here (every enum of this spec is).
    if out.is_empty() && (schema.get("enum").is_some() || schema.get("const").is_some()) {
        out.insert("string".into());
    }
    out.remove("null");
    out
}

/// The `items` schema of an array schema, through `anyOf` branches.
fn items_of(schema: &Value) -> Value {
    if let Some(items) = schema.get("items") {
        return items.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let items = items_of(branch);
            if !items.is_null() {
                return items;
            }
        }
    }
    Value::Null
}

/// Whether a schema admits null.
fn is_nullable(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) if t == "null" => return true,
        Some(Value::Array(ts)) if ts.iter().any(|t| t == "null") => return true,
        _ => {}
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        return true;
    }
    ["anyOf", "oneOf"].iter().any(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .is_some_and(|bs| bs.iter().any(is_nullable))
    })
}

/// The enum values of a schema, through single-branch wrappers; `None` if not an enum.
fn enum_of(schema: &Value) -> Option<BTreeSet<String>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().map(|v| v.to_string()).collect());
    }
    // 3.1's `const` is an enum of one value (the 3.0 translation writes it so).
    if let Some(value) = schema.get("const") {
        return Some(BTreeSet::from([value.to_string()]));
    }
    let mut found = None;
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(e) = enum_of(branch) {
                found.get_or_insert_with(BTreeSet::new).extend(e);
            }
        }
    }
    found
}

/// `HTTPValidationError` and `HttpValidationError`, `examples.ErrorResponse` and
/// `ExamplesErrorResponse`: one name, as typify derives it.
fn same_type_name(spec: &str, rust: &str) -> bool {
    let key = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    key(spec) == key(rust)
}

/// Check 2, types vs schemas: same properties, required set, types, item types, descriptions.
pub fn check_types(doc: &Value) -> Result<(), String> {
    let generated = generated_schemas();
    let mut problems = Vec::new();
    for (name, spec_schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let spec_schema = inline_refs(doc, spec_schema);
        let Some((_, rust_name, generated_root)) = generated.iter().find(|(n, _, _)| n == name)
        else {
            problems.push(format!(
                "{name}: no generated type is checked; add it to generated_schemas()"
            ));
            continue;
        };
        if let Some(r) = xtask::REPLACEMENTS.iter().find(|r| r.schema == name) {
            // Generated as the hand-written type the xtask names: the type checked must be
            // that one, and what it promises is checked by `check_replacements`.
            let short = r.rust_type.rsplit("::").next().unwrap_or(r.rust_type);
            if *rust_name != short {
                problems.push(format!(
                    "{name}: replaced by {} (xtask::REPLACEMENTS), but {rust_name} is checked",
                    r.rust_type
                ));
            }
            continue;
        }
        let generated_schema = &inline_refs(generated_root, generated_root);
        if !same_type_name(name, rust_name) {
            problems.push(format!(
                "{name}: generated type is {rust_name}, not the spec's name"
            ));
        }
        if enum_of(&spec_schema) != enum_of(generated_schema) {
            problems.push(format!(
                "{name}: values {:?} in the spec, {:?} generated",
                enum_of(&spec_schema),
                enum_of(generated_schema)
            ));
        }
        let props = |s: &Value| -> BTreeSet<String> {
            s["properties"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let required = |s: &Value| -> BTreeSet<String> {
            s["required"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        if props(&spec_schema) != props(generated_schema) {
            problems.push(format!(
                "{name}: properties {:?} in the spec, {:?} generated",
                props(&spec_schema),
                props(generated_schema)
            ));
        }
        // A repaired property's key stays required on the wire (typify reads it with
        // `deserialize_with` and no default), but schemars lists an `Option` as optional:
        // the repairs are compared apart (see `EXPECTED_REPAIRS` and the contract test of
        // a hard-deleted example).
        let repaired: BTreeSet<String> = EXPECTED_REPAIRS
            .iter()
            .filter(|(s, _, _)| s == name)
            .map(|(_, p, _)| (*p).to_owned())
            .collect();
        let required = |s: &Value| -> BTreeSet<String> {
            required(s).difference(&repaired).cloned().collect()
        };
        if required(&spec_schema) != required(generated_schema) {
            problems.push(format!(
                "{name}: required {:?} in the spec, {:?} generated",
                required(&spec_schema),
                required(generated_schema)
            ));
        }
        if types_of(&spec_schema) != types_of(generated_schema) {
            problems.push(format!(
                "{name}: type {:?} vs {:?}",
                types_of(&spec_schema),
                types_of(generated_schema)
            ));
        }
        for (prop, ps) in spec_schema["properties"].as_object().into_iter().flatten() {
            let Some(gs) = generated_schema["properties"].get(prop) else {
                continue;
            };
            if types_of(ps) != types_of(gs) {
                problems.push(format!(
                    "{name}.{prop}: type {:?} in the spec, {:?} generated",
                    types_of(ps),
                    types_of(gs)
                ));
            }
            let repair = EXPECTED_REPAIRS
                .iter()
                .find(|(s, p, _)| s == name && p == prop)
                .map(|(_, _, fixup)| *fixup);
            // Nullability matters where a value must be present: an optional property
            // may be absent, and the generated `Option` reads absent and null alike.
            let must_be_present = spec_schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == prop));
            match (is_nullable(ps), is_nullable(gs), repair) {
                (a, b, None) if a != b && must_be_present => problems.push(format!(
                    "{name}.{prop}: nullable {a} in the spec, {b} generated"
                )),
                (false, true, Some(fixup))
                    if !xtask::fixups::FIXUPS.iter().any(|f| f.name == fixup) =>
                {
                    problems.push(format!(
                        "{name}.{prop}: the expected repair `{fixup}` is no fixup any more"
                    ));
                }
                (false, true, Some(_)) => {}
                (a, b, Some(fixup)) => problems.push(format!(
                    "{name}.{prop}: the fixup `{fixup}` should make it nullable (spec {a}, generated {b})"
                )),
                _ => {}
            }
            if enum_of(ps) != enum_of(gs) {
                problems.push(format!(
                    "{name}.{prop}: values {:?} in the spec, {:?} generated",
                    enum_of(ps),
                    enum_of(gs)
                ));
            }
            if types_of(&items_of(ps)) != types_of(&items_of(gs)) {
                problems.push(format!(
                    "{name}.{prop}: item type {:?} vs {:?}",
                    types_of(&items_of(ps)),
                    types_of(&items_of(gs))
                ));
            }
            let d = |s: &Value| s.get("description").and_then(Value::as_str).map(norm);
            // typify documents a type the spec leaves undocumented with its own name
            // (`` `BulkExportStatus` ``): no description of the spec's.
            let typify_name = |t: &str| {
                t.len() > 2
                    && t.starts_with('`')
                    && t.ends_with('`')
                    && t[1..t.len() - 1].chars().all(|c| c.is_ascii_alphanumeric())
            };
            let generated_d = d(gs).filter(|t| !(d(ps).is_none() && typify_name(t)));
            if d(ps) != generated_d {
                problems.push(format!(
                    "{name}.{prop}: description {:?} in the spec, {:?} generated",
                    d(ps),
                    d(gs)
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Constraints the generated types drop must be enforced by the facade, with the spec's
/// own numbers: `minItems`/`maxItems` of `example_ids` at min-1, min, max, max+1, UUID
/// items (their description says so) and `hard_delete` (only `true` is supported).
pub fn check_facade_constraints(doc: &Value) -> Result<(), String> {
    let req = request_schema(doc);
    let ids = &req["properties"]["example_ids"];
    let min = ids["minItems"]
        .as_u64()
        .ok_or("example_ids has no minItems")? as usize;
    let max = ids["maxItems"]
        .as_u64()
        .ok_or("example_ids has no maxItems")? as usize;
    let mut problems = Vec::new();
    if (ExampleIds::MIN, ExampleIds::MAX) != (min, max) {
        problems.push(format!(
            "facade bounds {}..={} but the spec says {min}..={max}",
            ExampleIds::MIN,
            ExampleIds::MAX
        ));
    }
    let n = |k: usize| ExampleIds::from_uuids((0..k as u128).map(|i| uuid::Uuid::from_u128(i + 1)));
    for (k, ok) in [
        (min.saturating_sub(1), min == 0),
        (min, true),
        (max, true),
        (max + 1, false),
    ] {
        if n(k).is_ok() != ok {
            problems.push(format!(
                "{k} ids: facade {} but the spec's bounds are {min}..={max}",
                if ok { "refuses" } else { "accepts" }
            ));
        }
    }
    let generated_schema = generated_schemas();
    let gen_req = &generated_schema
        .iter()
        .find(|(n, _, _)| *n == "examples.DeleteExamplesRequest")
        .ok_or("no request type")?
        .2;
    if gen_req["properties"]["example_ids"]
        .get("maxItems")
        .is_some()
    {
        problems.push(
            "the generated type now carries maxItems: the facade's copy may be redundant".into(),
        );
    }
    let described_uuid = ids["description"].as_str().unwrap_or("").contains("UUID");
    if described_uuid && ExampleIds::parse(["not-a-uuid"]).is_ok() {
        problems
            .push("example_ids are UUIDs per the spec, but the facade accepts a non-UUID".into());
    }
    let hd = &req["properties"]["hard_delete"];
    if hd["type"] != "boolean"
        || !hd["description"]
            .as_str()
            .unwrap_or("")
            .contains("only True is supported")
    {
        problems.push(format!(
            "hard_delete changed in the spec ({hd}); the facade always sends true"
        ));
    }
    // Reads: the facade's page (and verification batch) is the spec's `limit` maximum of
    // listing examples, and every read selects what the spec's `Example` requires.
    for op in operations(doc) {
        for (name, location, schema) in &op.parameters {
            if op.path == generated_spec::operations::read_examples_api_v1_examples_get::PATH
                && name == "limit"
                && location == "query"
            {
                let max = schema["maximum"].as_u64().unwrap_or(0) as usize;
                if langsmith::PAGE_SIZE != max {
                    problems.push(format!(
                        "the facade reads {} examples a page; the spec's limit maximum is {max}",
                        langsmith::PAGE_SIZE
                    ));
                }
            }
        }
    }
    let example_required: Vec<&str> = doc["components"]["schemas"]["Example"]["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let select_values: BTreeSet<String> = doc["components"]["schemas"]["ExampleSelect"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    for r in &example_required {
        if !generated_spec::schemas::example::REQUIRED.contains(r) {
            problems.push(format!(
                "Example requires `{r}`; the facade does not select it"
            ));
        }
        if !select_values.contains(*r) {
            problems.push(format!(
                "Example requires `{r}`, which `select` cannot ask for: reads would not deserialize"
            ));
        }
    }
    let required: Vec<&str> = req["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    // What the facade actually sends for a valid request.
    let ids = ExampleIds::from_uuids([uuid::Uuid::from_u128(1)]).map_err(|e| e.to_string())?;
    let sent = serde_json::to_value(ids.request_body()).map_err(|e| e.to_string())?;
    let v = violations(&req, &sent);
    if !v.is_empty() {
        problems.push(format!("the facade's request body breaks the spec: {v:?}"));
    }
    for r in &required {
        if sent.get(*r).is_none() {
            problems.push(format!(
                "the spec requires `{r}`, which the facade never sends"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Check 3, operations: every spec operation is generated with the same method, path and
/// documented statuses, and every documented status has its own facade outcome.
pub fn check_operations(doc: &Value) -> Result<(), String> {
    let generated =
        std::fs::read_to_string(root().join(xtask::GENERATED_CLIENT)).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    let spec_ops = operations(doc);
    if spec_ops.len() != generated_spec::OPERATIONS.len() {
        problems.push(format!(
            "{} operations in the spec, {} generated",
            spec_ops.len(),
            generated_spec::OPERATIONS.len()
        ));
    }
    for op in &spec_ops {
        let Some(g) = generated_spec::OPERATIONS
            .iter()
            .find(|g| g.path == op.path && g.method == op.method)
        else {
            problems.push(format!("{} {}: not generated", op.method, op.path));
            continue;
        };
        match expected_statuses(op) {
            Ok(expected) if g.statuses != expected.as_slice() => problems.push(format!(
                "{} {}: statuses {:?} in the spec (repaired: {expected:?}), {:?} generated",
                op.method, op.path, op.statuses, g.statuses
            )),
            Ok(_) => {}
            Err(e) => problems.push(e),
        }
        // It sends exactly the spec's query parameters, by name: the generator records
        // them beside each operation (with the builder interface each has a setter of
        // that name), so a renamed or added parameter shows here until regenerated; the
        // wire tests (`reads_on_the_wire_match_the_spec`, Prism) check what is sent.
        let sent: BTreeSet<&str> = g.query_parameters.iter().copied().collect();
        let declared: BTreeSet<&str> = op
            .parameters
            .iter()
            .filter(|(_, location, _)| location == "query")
            .map(|(name, _, _)| name.as_str())
            .collect();
        if sent != declared {
            problems.push(format!(
                "{} {}: query parameters {declared:?} in the spec, {sent:?} generated",
                op.method, op.path
            ));
        }
        if !generated.contains(&format!("Sends a `{}` request to `{}`", op.method, op.path)) {
            problems.push(format!(
                "{} {}: the generated method does not send to it",
                op.method, op.path
            ));
        }
        // Each documented status has an outcome of its own in the facade (the mapping
        // every call uses), never the catch-all for undocumented statuses.
        let mut kinds = std::collections::HashMap::new();
        for status in &expected_statuses(op).unwrap_or_else(|_| op.statuses.clone()) {
            let kind = langsmith::ErrorKind::for_status(*status);
            if matches!(
                kind,
                Some(langsmith::ErrorKind::UnexpectedStatus | langsmith::ErrorKind::Redirect)
            ) {
                problems.push(format!(
                    "{} {}: documented status {status} has no facade outcome of its own",
                    op.method, op.path
                ));
            }
            // 5xx share one outcome by design: each is a server failure, retried, and
            // the error carries its status (`Error::status`).
            if kind == Some(langsmith::ErrorKind::Server) {
                continue;
            }
            if let Some(other) = kinds.insert(kind, *status) {
                problems.push(format!(
                    "{} {}: documented statuses {other} and {status} share the outcome {kind:?}",
                    op.method, op.path
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Every check that compares a spec document with the compiled code.
pub fn all_checks(doc: &Value) -> Vec<(&'static str, Result<(), String>)> {
    vec![
        ("types vs schemas", check_types(doc)),
        ("facade constraints", check_facade_constraints(doc)),
        ("operations", check_operations(doc)),
        ("response examples", check_examples(doc)),
        ("replaced run schemas", check_replacements(doc)),
    ]
}

/// The run schemas replaced by `PartialRun` (`xtask::REPLACEMENTS`): the facade decodes
/// each run into exactly what it selected, so every property it reads must be a property
/// of the spec's run schema, and what it selects must be values of the spec's select enum
/// naming those same properties (v2's enum upper-cases them).
pub fn check_replacements(doc: &Value) -> Result<(), String> {
    let schemas = &doc["components"]["schemas"];
    let mut problems = Vec::new();
    for r in xtask::REPLACEMENTS {
        if schemas.get(r.schema).is_none() {
            problems.push(format!(
                "{}: replaced (xtask::REPLACEMENTS) but not in the document",
                r.schema
            ));
        }
    }
    let props = |schema: &str| -> BTreeSet<String> {
        schemas[schema]["properties"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let values = |schema: &str| -> BTreeSet<String> {
        schemas[schema]["enum"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let wire = |v: &dyn erased::Wire| v.wire();
    /// A run schema, its select enum, the properties the facade reads, what it selects
    /// (wire form), and how a property is spelled in the enum.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [&'a str],
        Vec<String>,
        fn(&str) -> String,
    );
    // Objects read for a few properties (no select): each one the client reads must be
    // a property of the spec's schema.
    for (schema, fields) in [
        ("RunRulesSchema", langsmith::RULE_FIELDS),
        ("BulkExport", langsmith::EXPORT_FIELDS),
        ("FeedbackSchema", langsmith::FEEDBACK_FIELDS),
        ("TracerSession", langsmith::PROJECT_FIELDS),
    ] {
        let props = props(schema);
        for f in fields {
            if !props.contains(*f) {
                problems.push(format!(
                    "{schema}: the facade reads `{f}`, not a property here"
                ));
            }
        }
    }
    let cases: [Case; 3] = [
        (
            "query.RunResponse",
            "query.RunSelectField",
            langsmith::V2_FIELDS,
            langsmith::V2_SELECTS.iter().map(|s| wire(s)).collect(),
            |f| f.to_ascii_uppercase(),
        ),
        (
            "query.RunResponse",
            "query.RunSelectField",
            langsmith::CONTENT_FIELDS,
            langsmith::CONTENT_SELECTS.iter().map(|s| wire(s)).collect(),
            |f| f.to_ascii_uppercase(),
        ),
        (
            "RunSchema",
            "RunSelect",
            langsmith::V1_FIELDS,
            langsmith::V1_SELECT.iter().map(|s| wire(s)).collect(),
            |f| f.to_owned(),
        ),
    ];
    for (run, select, fields, selected, spelled) in cases {
        let (props, values) = (props(run), values(select));
        for f in fields {
            if !props.contains(*f) {
                problems.push(format!(
                    "{run}: the facade reads `{f}`, not a property here"
                ));
            }
            if !values.contains(&spelled(f)) {
                problems.push(format!(
                    "{select}: the facade reads `{f}`, but {:?} is no value here",
                    spelled(f)
                ));
            }
        }
        let wanted: BTreeSet<String> = fields.iter().map(|f| spelled(f)).collect();
        let sent: BTreeSet<String> = selected.into_iter().collect();
        if wanted != sent {
            problems.push(format!(
                "{select}: the facade selects {sent:?} but reads {wanted:?}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// How a select value goes on the wire (its serde form), for [`check_replacements`].
mod erased {
    pub trait Wire {
        fn wire(&self) -> String;
    }
    impl<T: serde::Serialize> Wire for T {
        fn wire(&self) -> String {
            match serde_json::to_value(self) {
                Ok(serde_json::Value::String(s)) => s,
                other => format!("{other:?}"),
            }
        }
    }
}

/// Builds an example object for a schema from its properties' `example`s.
pub fn example_of(schema: &Value) -> Option<Value> {
    if let Some(e) = schema.get("example") {
        return Some(e.clone());
    }
    let props = schema.get("properties")?.as_object()?;
    let mut out = serde_json::Map::new();
    for (k, p) in props {
        if let Some(e) = example_of(p) {
            out.insert(k.clone(), e);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// A response example of `op` deserialised into its generated type and serialised back.
fn round_trip(op: &SpecOperation, status: u16, example: &Value) -> Result<Value, String> {
    use generated_spec::operations as ops;
    fn rt<T: serde::de::DeserializeOwned + serde::Serialize>(v: &Value) -> Result<Value, String> {
        let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        serde_json::to_value(t).map_err(|e| e.to_string())
    }
    let ok = (200..300).contains(&status);
    match op.path.as_str() {
        p if p == ops::hard_delete_examples::PATH && ok => {
            rt::<types::ExamplesExamplesDeletedResponse>(example)
        }
        p if p == ops::hard_delete_examples::PATH => rt::<types::ExamplesErrorResponse>(example),
        p if p == ops::query_runs::PATH && ok => rt::<types::QueryQueryRunsResponseBody>(example),
        p if p == ops::query_runs::PATH => rt::<types::SharedProblemDetails>(example),
        _ if status == 422 => rt::<types::HttpValidationError>(example),
        p if p == ops::read_examples_api_v1_examples_get::PATH => {
            rt::<Vec<types::Example>>(example)
        }
        p if p == ops::read_example_api_v1_examples_example_id_get::PATH => {
            rt::<types::Example>(example)
        }
        p if p == ops::count_examples_api_v1_examples_count_get::PATH => rt::<i64>(example),
        p if p == ops::read_datasets_api_v1_datasets_get::PATH => {
            rt::<Vec<types::Dataset>>(example)
        }
        other => Err(format!("no generated type is mapped for {other} {status}")),
    }
}

/// Check 6, examples: every `example` of the spec validates against its schema and
/// deserialises into the generated type of its operation and status, whole.
pub fn check_examples(doc: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    for op in operations(doc) {
        for (status, schema) in &op.responses {
            let Some(example) = example_of(schema) else {
                continue;
            };
            let v = violations(schema, &example);
            if !v.is_empty() {
                problems.push(format!(
                    "{} {} {status} example does not match its schema: {v:?}",
                    op.method, op.path
                ));
            }
            match round_trip(&op, *status, &example) {
                Err(e) => problems.push(format!(
                    "{} {} {status} example {example} does not deserialise: {e}",
                    op.method, op.path
                )),
                // Every property of the example must survive the round trip.
                Ok(back) if back != example => problems.push(format!(
                    "{} {} {status} example {example} round-trips as {back}",
                    op.method, op.path
                )),
                Ok(_) => {}
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
