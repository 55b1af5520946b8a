//! Pruning a large document to a chosen set of operations: the operations themselves, the
//! components they reference (transitively, of every kind), and the security schemes they
//! name. Generating a client for five operations of LangSmith's 581 starts here.
//!
//! The operation list is a small text file, one operation a line: `METHOD /path` or an
//! upstream `operationId`; blank lines and `#` comments are ignored.

use crate::HTTP_METHODS;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One line of an operation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `POST /v1/platform/datasets/examples/delete`
    Route { method: String, path: String },
    /// An upstream `operationId`.
    Id(String),
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Route { method, path } => write!(f, "{} {path}", method.to_uppercase()),
            Selector::Id(id) => write!(f, "operationId {id}"),
        }
    }
}

/// Parses an operation list; errors name the line.
pub fn parse_operation_list(name: &str, text: &str) -> Result<Vec<Selector>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let first = words.next().expect("non-empty");
        let selector = match words.next() {
            Some(path) => {
                let method = first.to_ascii_lowercase();
                if !HTTP_METHODS.contains(&method.as_str()) || !path.starts_with('/') {
                    return Err(format!(
                        "{name}:{}: expected `METHOD /path` or an operationId, got {line:?}",
                        i + 1
                    ));
                }
                if words.next().is_some() {
                    return Err(format!("{name}:{}: trailing words in {line:?}", i + 1));
                }
                Selector::Route {
                    method,
                    path: path.to_owned(),
                }
            }
            None => Selector::Id(first.to_owned()),
        };
        if out.contains(&selector) {
            return Err(format!("{name}:{}: {selector} is listed twice", i + 1));
        }
        out.push(selector);
    }
    if out.is_empty() {
        return Err(format!("{name}: lists no operation"));
    }
    Ok(out)
}

/// What pruning kept.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// `METHOD /path` of each kept operation.
    pub operations: Vec<String>,
    /// `kind/name` of each kept component (`schemas/Example`, ...).
    pub components: Vec<String>,
    /// Security schemes kept.
    pub security_schemes: Vec<String>,
    /// Security schemes the kept operations name that the document does not define.
    pub undefined_security_schemes: Vec<String>,
}

/// Every `#/components/KIND/NAME` reference inside `v`.
pub(crate) fn refs(v: &Value, out: &mut BTreeSet<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref"
                    && let Some(r) = x.as_str()
                    && let Some(rest) = r.strip_prefix("#/components/")
                    && let Some((kind, name)) = rest.split_once('/')
                {
                    let name = name.replace("~1", "/").replace("~0", "~");
                    out.insert((kind.to_owned(), name));
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The document with only the selected operations and what they need. Every selector
/// must match exactly one operation; a reference to a missing component is an error
/// naming it.
pub fn prune(doc: &Value, selectors: &[Selector]) -> Result<(Value, Kept), String> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the document has no paths")?;
    let mut kept_paths: Map<String, Value> = Map::new();
    let mut kept = Kept::default();
    for selector in selectors {
        let mut found = Vec::new();
        for (path, item) in paths {
            for method in HTTP_METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let hit = match selector {
                    Selector::Route { method: m, path: p } => m == method && p == path,
                    Selector::Id(id) => {
                        op.get("operationId").and_then(Value::as_str) == Some(id.as_str())
                    }
                };
                if hit {
                    found.push((path.clone(), *method, op.clone(), item));
                }
            }
        }
        let (path, method, op, item) = match found.len() {
            1 => found.pop().expect("one"),
            0 => return Err(format!("{selector}: no such operation in the document")),
            n => return Err(format!("{selector}: matches {n} operations")),
        };
        let entry = kept_paths
            .entry(path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let entry = entry.as_object_mut().expect("object");
        // Path-level parameters apply to every operation of the path.
        if let Some(params) = item.get("parameters") {
            entry.insert("parameters".into(), params.clone());
        }
        entry.insert(method.into(), op);
        kept.operations
            .push(format!("{} {path}", method.to_ascii_uppercase()));
    }

    // Components referenced, transitively.
    let components = doc.get("components").and_then(Value::as_object);
    let mut wanted = BTreeSet::new();
    refs(&Value::Object(kept_paths.clone()), &mut wanted);
    let mut done: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out_components: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    while let Some(next) = wanted.iter().find(|r| !done.contains(*r)).cloned() {
        let (kind, name) = &next;
        let target = components
            .and_then(|c| c.get(kind))
            .and_then(|k| k.get(name))
            .ok_or_else(|| format!("#/components/{kind}/{name}: referenced but not defined"))?;
        refs(target, &mut wanted);
        out_components
            .entry(kind.clone())
            .or_default()
            .insert(name.clone(), target.clone());
        done.insert(next);
    }
    kept.components = done.iter().map(|(k, n)| format!("{k}/{n}")).collect();

    // Security schemes named by the kept operations (or the document's default).
    let mut schemes = BTreeSet::new();
    for item in kept_paths.values() {
        for method in HTTP_METHODS {
            if let Some(op) = item.get(*method) {
                let security = op.get("security").or_else(|| doc.get("security"));
                for requirement in security.and_then(Value::as_array).into_iter().flatten() {
                    for name in requirement
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k)
                    {
                        schemes.insert(name.clone());
                    }
                }
            }
        }
    }
    if !schemes.is_empty() {
        let all = components
            .and_then(|c| c.get("securitySchemes"))
            .and_then(Value::as_object);
        let section = out_components.entry("securitySchemes".into()).or_default();
        for name in &schemes {
            match all.and_then(|a| a.get(name)) {
                Some(scheme) => {
                    section.insert(name.clone(), scheme.clone());
                }
                // Named by an operation but not defined: nothing to keep (progenitor
                // ignores security schemes); reported in `Kept`.
                None => kept.undefined_security_schemes.push(name.clone()),
            }
        }
    }
    kept.security_schemes = schemes
        .into_iter()
        .filter(|s| !kept.undefined_security_schemes.contains(s))
        .collect();

    let mut out = doc
        .as_object()
        .cloned()
        .ok_or("the document is not an object")?;
    out.insert("paths".into(), Value::Object(kept_paths));
    let components: Map<String, Value> = out_components
        .into_iter()
        .map(|(k, v)| (k, Value::Object(v)))
        .collect();
    out.insert("components".into(), Value::Object(components));
    out.remove("webhooks");
    out.remove("tags");
    Ok((Value::Object(out), kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "security": [{"Key": []}],
            "paths": {
                "/a": {"get": {"operationId": "get_a", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
                "/b/{id}": {
                    "parameters": [{"$ref": "#/components/parameters/Id"}],
                    "post": {"security": [{"Bearer": []}], "responses": {"200": {"description": "ok"}}}
                },
                "/c": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unused"}}}}}}}
            },
            "components": {
                "schemas": {
                    "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
                    "B": {"type": "array", "items": {"$ref": "#/components/schemas/A"}},
                    "Unused": {"type": "string"}
                },
                "parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/B"}}},
                "securitySchemes": {"Key": {"type": "apiKey"}, "Bearer": {"type": "http"}, "Other": {"type": "http"}}
            }
        })
    }

    #[test]
    fn keeps_what_the_operations_need_and_nothing_else() {
        let list = parse_operation_list(
            "ops",
            "# two operations\nget_a\nPOST /b/{id}  # by route\n\n",
        )
        .unwrap();
        let (out, kept) = prune(&doc(), &list).unwrap();
        assert_eq!(kept.operations, ["GET /a", "POST /b/{id}"]);
        // Transitive (A -> B -> A, a cycle), across kinds (a path-level parameter's schema).
        assert_eq!(kept.components, ["parameters/Id", "schemas/A", "schemas/B"]);
        assert_eq!(kept.security_schemes, ["Bearer", "Key"]);
        assert!(out.pointer("/paths/~1c").is_none());
        assert!(out.pointer("/components/schemas/Unused").is_none());
        assert!(out.pointer("/components/securitySchemes/Other").is_none());
        assert!(out.pointer("/paths/~1b~1{id}/parameters").is_some());
    }

    #[test]
    fn bad_lists_and_missing_targets_are_named() {
        assert!(
            parse_operation_list("ops", "FETCH /a")
                .unwrap_err()
                .contains("ops:1")
        );
        assert!(
            parse_operation_list("ops", "get_a\nget_a")
                .unwrap_err()
                .contains("ops:2: operationId get_a is listed twice")
        );
        assert!(
            parse_operation_list("ops", "# nothing\n")
                .unwrap_err()
                .contains("lists no operation")
        );
        let e = prune(&doc(), &[Selector::Id("nope".into())]).unwrap_err();
        assert!(e.contains("operationId nope: no such operation"), "{e}");
        let mut broken = doc();
        broken["components"]["schemas"]
            .as_object_mut()
            .unwrap()
            .remove("B");
        let e = prune(&broken, &[Selector::Id("get_a".into())]).unwrap_err();
        assert!(
            e.contains("#/components/schemas/B: referenced but not defined"),
            "{e}"
        );
    }
}
