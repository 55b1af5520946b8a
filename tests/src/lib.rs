//! Contract checks: the generated client and the facade say what `openapi/langsmith.yaml`
//! says. Every check reads a spec document (the vendored one, or a mutated copy in the
//! sensitivity test) and compares it with the compiled code; none restates the spec.
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

/// The vendored spec as JSON.
pub fn spec() -> Value {
    serde_saphyr::from_str(&spec_text()).expect("the vendored spec is YAML")
}

/// Replaces every local `$ref` with what it points to.
pub fn inline_refs(doc: &Value, v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                let target = doc
                    .pointer(r.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("unresolvable $ref {r}"));
                return inline_refs(doc, target);
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
}

/// Every operation of a spec document.
pub fn operations(doc: &Value) -> Vec<SpecOperation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
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
            });
        }
    }
    out
}

/// The request schema of the hard-delete operation.
pub fn request_schema(doc: &Value) -> Value {
    operations(doc)
        .into_iter()
        .find(|o| o.path == generated_spec::OPERATIONS[0].path)
        .and_then(|o| o.request_schema)
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
    ]
    .into_iter()
    .map(|(spec_name, (rust_name, schema))| (spec_name, rust_name, schema))
    .collect()
}

fn norm(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The non-null type names of a schema (`["string", "null"]` -> `{"string"}`).
fn types_of(schema: &Value) -> BTreeSet<String> {
    match schema.get("type") {
        Some(Value::String(t)) => [t.clone()].into(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .map(str::to_owned)
            .collect(),
        _ => BTreeSet::new(),
    }
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
        let Some((_, rust_name, generated_schema)) = generated.iter().find(|(n, _, _)| n == name)
        else {
            problems.push(format!(
                "{name}: no generated type is checked; add it to generated_schemas()"
            ));
            continue;
        };
        let expected_rust: String = name
            .split(['.', '_', '-'])
            .map(|part| {
                let mut c = part.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        if *rust_name != expected_rust {
            problems.push(format!(
                "{name}: generated type is {rust_name}, expected {expected_rust}"
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
            if types_of(&ps["items"]) != types_of(&gs["items"]) {
                problems.push(format!(
                    "{name}.{prop}: item type {:?} vs {:?}",
                    types_of(&ps["items"]),
                    types_of(&gs["items"])
                ));
            }
            let d = |s: &Value| s.get("description").and_then(Value::as_str).map(norm);
            if d(ps) != d(gs) {
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
        if g.statuses != op.statuses.as_slice() {
            problems.push(format!(
                "{} {}: statuses {:?} in the spec, {:?} generated",
                op.method, op.path, op.statuses, g.statuses
            ));
        }
        if !generated.contains(&format!("pub async fn {}<", g.operation_id)) {
            problems.push(format!("{}: no generated method", g.operation_id));
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
        for status in &op.statuses {
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
    ]
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

/// Check 6, examples: every `example` of the spec validates against its schema and deserialises into the
/// generated type: response examples into their status's type.
pub fn check_examples(doc: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    for op in operations(doc) {
        for (status, schema) in &op.responses {
            let Some(example) = example_of(schema) else {
                continue;
            };
            let v = violations(schema, &example);
            if !v.is_empty() {
                problems.push(format!("{status} example does not match its schema: {v:?}"));
            }
            let ok = if *status == 200 {
                serde_json::from_value::<types::ExamplesExamplesDeletedResponse>(example.clone())
                    .map(|_| ())
            } else {
                serde_json::from_value::<types::ExamplesErrorResponse>(example.clone()).map(|_| ())
            };
            if let Err(e) = ok {
                problems.push(format!(
                    "{status} example {example} does not deserialise: {e}"
                ));
            }
            // Every property of the example must survive the round trip.
            let back = if *status == 200 {
                serde_json::from_value::<types::ExamplesExamplesDeletedResponse>(example.clone())
                    .ok()
                    .map(|t| serde_json::to_value(t).unwrap())
            } else {
                serde_json::from_value::<types::ExamplesErrorResponse>(example.clone())
                    .ok()
                    .map(|t| serde_json::to_value(t).unwrap())
            };
            if back.as_ref() != Some(&example) {
                problems.push(format!(
                    "{status} example {example} round-trips as {back:?}"
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
