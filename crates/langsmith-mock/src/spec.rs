//! The vendored OpenAPI yaml, read by the stand-in itself (not through the facade or the
//! generated types, so a mistake shared with them cannot pass unseen), and a small
//! validator for the JSON Schema subset the document uses.

use serde_json::Value;
use std::sync::OnceLock;

/// The vendored spec, embedded at build time.
pub const SPEC_YAML: &str = include_str!("../../../openapi/langsmith.yaml");

/// The hard-delete operation as the spec describes it.
#[derive(Debug)]
pub struct Operation {
    pub path: String,
    pub request_schema: Value,
    pub success_schema: Value,
    pub error_schema: Value,
    /// Documented statuses.
    pub statuses: Vec<u16>,
}

/// The spec as JSON.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_saphyr::from_str(SPEC_YAML).expect("the vendored spec is valid YAML"))
}

/// Resolves a local `$ref` (one level at a time, recursively).
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').unwrap_or(r);
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("unresolvable $ref {r} in the vendored spec"));
            resolve(doc, target)
        }
        None => schema,
    }
}

/// The single POST operation whose path ends in `/examples/delete`.
pub fn hard_delete() -> &'static Operation {
    static OP: OnceLock<Operation> = OnceLock::new();
    OP.get_or_init(|| {
        let doc = document();
        let paths = doc["paths"].as_object().expect("paths");
        let (path, item) = paths
            .iter()
            .find(|(p, item)| p.ends_with("/examples/delete") && item.get("post").is_some())
            .expect("the spec has the hard-delete operation");
        let op = &item["post"];
        let schema_of = |status: &str| {
            resolve(
                doc,
                &op["responses"][status]["content"]["application/json"]["schema"],
            )
            .clone()
        };
        let statuses = op["responses"]
            .as_object()
            .map(|m| m.keys().filter_map(|k| k.parse().ok()).collect())
            .unwrap_or_default();
        let error_status = op["responses"]
            .as_object()
            .and_then(|m| m.keys().find(|k| k.starts_with('4')).cloned())
            .expect("a documented 4xx");
        Operation {
            path: path.clone(),
            request_schema: resolve(
                doc,
                &op["requestBody"]["content"]["application/json"]["schema"],
            )
            .clone(),
            success_schema: schema_of("200"),
            error_schema: schema_of(&error_status),
            statuses,
        }
    })
}

/// One schema violation: where (a JSON pointer) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub message: String,
}

/// Validates `value` against `schema` (type, required, properties, items, minItems,
/// maxItems, enum, minLength, maxLength: what the vendored spec uses). Unknown keywords
/// are an error at start-up time in tests, not silently ignored: see [`unsupported_keywords`].
pub fn validate(schema: &Value, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check(document(), schema, value, "", &mut out);
    out
}

const SUPPORTED: &[&str] = &[
    "type",
    "required",
    "properties",
    "items",
    "minItems",
    "maxItems",
    "enum",
    "minLength",
    "maxLength",
    "description",
    "example",
    "examples",
    "$ref",
    "format",
    "title",
];

/// Keywords in `schema` (recursively) this validator does not implement.
pub fn unsupported_keywords(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(doc: &Value, s: &Value, out: &mut Vec<String>) {
        let s = resolve(doc, s);
        if let Some(m) = s.as_object() {
            for (k, v) in m {
                if !SUPPORTED.contains(&k.as_str()) {
                    out.push(k.clone());
                }
                match k.as_str() {
                    "properties" => v
                        .as_object()
                        .into_iter()
                        .flatten()
                        .for_each(|(_, p)| walk(doc, p, out)),
                    "items" => walk(doc, v, out),
                    _ => {}
                }
            }
        }
    }
    walk(document(), schema, &mut out);
    out
}

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, ptr: &str, out: &mut Vec<Violation>) {
    let schema = resolve(doc, schema);
    let mut fail = |message: String| {
        out.push(Violation {
            pointer: if ptr.is_empty() {
                "/".into()
            } else {
                ptr.to_owned()
            },
            message,
        })
    };
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(t) => type_matches(t, value),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, value)),
            _ => true,
        };
        if !ok {
            fail(format!("expected type {t}, got {}", kind(value)));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        fail(format!("{value} is not one of {allowed:?}"));
    }
    if let (Some(s), Some(n)) = (
        value.as_str(),
        schema.get("minLength").and_then(Value::as_u64),
    ) && (s.chars().count() as u64) < n
    {
        fail(format!("shorter than minLength {n}"));
    }
    if let (Some(s), Some(n)) = (
        value.as_str(),
        schema.get("maxLength").and_then(Value::as_u64),
    ) && (s.chars().count() as u64) > n
    {
        fail(format!("longer than maxLength {n}"));
    }
    if let Some(items) = value.as_array() {
        if let Some(n) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < n
        {
            fail(format!("{} item(s), minItems is {n}", items.len()));
        }
        if let Some(n) = schema.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > n
        {
            fail(format!("{} items, maxItems is {n}", items.len()));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(doc, item_schema, item, &format!("{ptr}/{i}"), out);
            }
        }
    }
    if let Some(obj) = value.as_object() {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(name) {
                    out.push(Violation {
                        pointer: format!("{ptr}/{name}"),
                        message: "required property is missing".into(),
                    });
                }
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop_schema) in props {
                if let Some(v) = obj.get(name) {
                    check(doc, prop_schema, v, &format!("{ptr}/{name}"), out);
                }
            }
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_validator_covers_every_keyword_the_operation_uses() {
        let op = hard_delete();
        for schema in [&op.request_schema, &op.success_schema, &op.error_schema] {
            assert_eq!(unsupported_keywords(schema), Vec::<String>::new());
        }
    }

    #[test]
    fn request_schema_bounds_and_types() {
        let s = &hard_delete().request_schema;
        let max = s["properties"]["example_ids"]["maxItems"].as_u64().unwrap() as usize;
        let min = s["properties"]["example_ids"]["minItems"].as_u64().unwrap() as usize;
        let ids = |n: usize| vec![json!("x"); n];
        assert!(validate(s, &json!({"example_ids": ids(min), "hard_delete": true})).is_empty());
        assert!(validate(s, &json!({"example_ids": ids(max), "hard_delete": true})).is_empty());
        let v = validate(
            s,
            &json!({"example_ids": ids(max + 1), "hard_delete": true}),
        );
        assert_eq!(v[0].pointer, "/example_ids");
        assert!(
            !validate(
                s,
                &json!({"example_ids": ids(min - 1), "hard_delete": true})
            )
            .is_empty()
        );
        let v = validate(s, &json!({"example_ids": [1], "hard_delete": "yes"}));
        assert_eq!(v.len(), 2, "{v:?}");
        let v = validate(s, &json!({"example_ids": ["a"]}));
        assert_eq!(v[0].pointer, "/hard_delete");
        assert!(!validate(s, &json!([])).is_empty());
    }
}
