//! The vendored OpenAPI document, read by the stand-in itself (not through the facade or the
//! generated types, so a mistake shared with them cannot pass unseen), validated with the
//! `jsonschema` crate (draft 2020-12).

use serde_json::Value;
use std::sync::OnceLock;

/// The vendored spec (LangSmith's complete document), embedded at build time.
pub const SPEC_JSON: &str = include_str!("../../../openapi/langsmith.json");

/// The hard-delete operation's path.
pub const HARD_DELETE_PATH: &str = "/v1/platform/datasets/examples/delete";
/// The read operations the stand-in serves.
pub const LIST_EXAMPLES_PATH: &str = "/api/v1/examples";
pub const COUNT_EXAMPLES_PATH: &str = "/api/v1/examples/count";
pub const READ_EXAMPLE_PATH: &str = "/api/v1/examples/{example_id}";
pub const LIST_DATASETS_PATH: &str = "/api/v1/datasets";
pub const READ_DATASET_PATH: &str = "/api/v1/datasets/{dataset_id}";
/// The side requests the official SDKs send: the server's version and flags, and the
/// tenant look-up (`GET /sessions?limit=1`).
pub const INFO_PATH: &str = "/api/v1/info";
pub const SESSIONS_PATH: &str = "/api/v1/sessions";

/// Every GET operation the stand-in serves, as the spec writes its path.
pub const READ_PATHS: [&str; 7] = [
    LIST_EXAMPLES_PATH,
    COUNT_EXAMPLES_PATH,
    READ_EXAMPLE_PATH,
    LIST_DATASETS_PATH,
    READ_DATASET_PATH,
    INFO_PATH,
    SESSIONS_PATH,
];

/// The prefix of the classic family in the spec's paths. LangSmith serves the classic
/// routes at the host root too (`/examples`: the form the SDKs call when their endpoint
/// is the host, as the default `https://api.smith.langchain.com` is).
pub const CLASSIC_PREFIX: &str = "/api/v1";

/// The host-root form of a classic path (`/api/v1/examples` -> `/examples`).
pub fn host_root(path: &str) -> &str {
    path.strip_prefix(CLASSIC_PREFIX)
        .filter(|rest| rest.starts_with('/'))
        .unwrap_or_else(|| panic!("{path} is not a classic (`{CLASSIC_PREFIX}/...`) path"))
}

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
    DOC.get_or_init(|| serde_json::from_str(SPEC_JSON).expect("the vendored spec is valid JSON"))
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

/// The hard-delete operation.
pub fn hard_delete() -> &'static Operation {
    static OP: OnceLock<Operation> = OnceLock::new();
    OP.get_or_init(|| {
        let doc = document();
        let path = HARD_DELETE_PATH.to_owned();
        let op = doc["paths"][HARD_DELETE_PATH]
            .get("post")
            .expect("the spec has the hard-delete operation");
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

/// How a query parameter's string values are read before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Repeated `name=v` pairs make an array (items read as `item`).
    Array(Scalar),
    One(Scalar),
}

/// A scalar JSON type a query string value is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

/// A query or path parameter of a read operation, as the spec declares it.
pub struct Parameter {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub shape: Shape,
    /// The parameter's schema, `$ref`s inlined.
    pub schema: Value,
    pub validator: jsonschema::Validator,
}

/// A GET operation the stand-in serves.
pub struct ReadOperation {
    pub path: &'static str,
    pub parameters: Vec<Parameter>,
    /// The 200 response schema, `$ref`s inlined.
    pub success_schema: Value,
}

impl ReadOperation {
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

fn scalar_of(schema: &Value) -> Option<Scalar> {
    match schema.get("type").and_then(Value::as_str)? {
        "integer" => Some(Scalar::Integer),
        "number" => Some(Scalar::Number),
        "boolean" => Some(Scalar::Boolean),
        "string" => Some(Scalar::String),
        _ => None,
    }
}

/// The shape of a parameter schema: any array branch makes it an array.
fn shape_of(schema: &Value) -> Shape {
    let branches: Vec<&Value> = match schema.get("anyOf").and_then(Value::as_array) {
        Some(b) => b.iter().collect(),
        None => vec![schema],
    };
    for b in &branches {
        if b.get("type").and_then(Value::as_str) == Some("array") {
            let item = b.get("items").and_then(scalar_of).unwrap_or(Scalar::String);
            return Shape::Array(item);
        }
    }
    let scalar = branches
        .iter()
        .find_map(|b| scalar_of(b))
        .unwrap_or(Scalar::String);
    Shape::One(scalar)
}

/// The GET operation at `path`, read from the vendored document.
pub fn read_operation(path: &'static str) -> &'static ReadOperation {
    static OPS: OnceLock<Vec<ReadOperation>> = OnceLock::new();
    let ops = OPS.get_or_init(|| {
        let doc = document();
        READ_PATHS
            .into_iter()
            .map(|path| {
                let op = doc["paths"][path]
                    .get("get")
                    .unwrap_or_else(|| panic!("the vendored spec has GET {path}"));
                let parameters = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                let schema = inline(doc, &p["schema"]);
                                Parameter {
                                    name: p["name"].as_str().expect("named").to_owned(),
                                    location: p["in"].as_str().unwrap_or("query").to_owned(),
                                    required: p["required"].as_bool().unwrap_or(false),
                                    shape: shape_of(&schema),
                                    validator: jsonschema::draft202012::new(&schema)
                                        .expect("a valid parameter schema"),
                                    schema,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                ReadOperation {
                    path,
                    parameters,
                    success_schema: inline(
                        doc,
                        &op["responses"]["200"]["content"]["application/json"]["schema"],
                    ),
                }
            })
            .collect()
    });
    ops.iter()
        .find(|o| o.path == path)
        .expect("one of the served read operations")
}

/// The `default` the spec gives a parameter of the GET operation at `path`, read from the
/// document as written (inlining a `$ref` drops the `default` beside it).
pub fn parameter_default(path: &str, name: &str) -> Option<&'static Value> {
    document()["paths"][path]["get"]["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)?
        .get("schema")?
        .get("default")
}

/// The violations of a parameter value.
pub fn parameter_violations(p: &Parameter, value: &Value) -> Vec<Violation> {
    violations_of(&p.validator, value)
}

/// One schema violation: where (a JSON pointer) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub message: String,
}

/// `schema` with every local `$ref` replaced by what it points to.
pub fn inline(doc: &Value, schema: &Value) -> Value {
    match schema {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                return inline(doc, resolve(doc, &serde_json::json!({ "$ref": r })));
            }
            Value::Object(m.iter().map(|(k, v)| (k.clone(), inline(doc, v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| inline(doc, v)).collect()),
        other => other.clone(),
    }
}

/// A draft 2020-12 validator (the `jsonschema` crate, an implementation independent of
/// this crate and of the facade) for a schema of the vendored spec.
pub fn compile(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(&inline(document(), schema))
        .expect("the vendored spec's schemas are valid JSON Schema")
}

fn violations_of(validator: &jsonschema::Validator, value: &Value) -> Vec<Violation> {
    validator
        .iter_errors(value)
        .map(|e| {
            let pointer = e.instance_path().to_string();
            Violation {
                pointer: if pointer.is_empty() {
                    "/".into()
                } else {
                    pointer
                },
                message: e.to_string(),
            }
        })
        .collect()
}

/// Validates `value` against `schema`; the hard-delete operation's request schema uses a
/// validator compiled once.
pub fn validate(schema: &Value, value: &Value) -> Vec<Violation> {
    let op = hard_delete();
    if std::ptr::eq(schema, &op.request_schema) {
        static REQUEST: OnceLock<jsonschema::Validator> = OnceLock::new();
        return violations_of(REQUEST.get_or_init(|| compile(&op.request_schema)), value);
    }
    violations_of(&compile(schema), value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        assert!(v[0].message.contains("hard_delete"), "{v:?}");
        assert!(!validate(s, &json!([])).is_empty());
    }
}
