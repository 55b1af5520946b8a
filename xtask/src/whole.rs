//! Generating as much of a large document as can be generated: every operation either
//! generates or is left out with a one-line reason, never silently.
//!
//! First the whole document is tried. When progenitor refuses it (or typify panics),
//! each operation is tried alone (pruned with what it references); those that fail are
//! left out, with the error and, for a failure inside a type, the schema that causes it
//! (found by generating each of the operation's schemas alone). The rest are generated
//! together; if that still fails, the first operation whose addition breaks the set is
//! found by bisection and left out, until the set generates.

use crate::HTTP_METHODS;
use crate::prune::{self, Selector};
use crate::{Flavor, GenError, Generated, SpecSource, Strictness, generate_value, trial};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// An operation left out of the generated client, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// `METHOD /path`.
    pub operation: String,
    /// One line.
    pub reason: String,
}

/// What [`generate_all`] made.
pub struct Partial {
    pub generated: Generated,
    /// Operations in the document.
    pub operations: usize,
    pub left_out: Vec<LeftOut>,
    /// Generation attempts made (1 when the whole document generates).
    pub attempts: usize,
    pub elapsed: Duration,
}

/// Every operation of `doc`, as route selectors, in document order.
pub fn all_operations(doc: &Value) -> Vec<Selector> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in HTTP_METHODS {
            if item.get(*method).is_some() {
                out.push(Selector::Route {
                    method: (*method).to_owned(),
                    path: path.clone(),
                });
            }
        }
    }
    out
}

/// The first line of an error, at most 300 characters.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().take(300).collect();
    if line.chars().count() > 300 || text.lines().nth(1).is_some() {
        out.push_str(" ...");
    }
    out
}

/// `doc` with no paths and only the component schema `name` and what it references: a
/// document progenitor generates that one type (and its dependencies) from.
fn schema_alone(doc: &Value, name: &str) -> Value {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut wanted: BTreeSet<(String, String)> = [("schemas".to_owned(), name.to_owned())].into();
    let mut done: BTreeSet<(String, String)> = BTreeSet::new();
    let mut kept = Map::new();
    while let Some(next) = wanted.iter().find(|r| !done.contains(*r)).cloned() {
        if next.0 == "schemas"
            && let Some(s) = schemas.and_then(|m| m.get(&next.1))
        {
            prune::refs(s, &mut wanted);
            kept.insert(next.1.clone(), s.clone());
        }
        done.insert(next);
    }
    let mut out = doc.as_object().cloned().unwrap_or_default();
    out.insert("paths".into(), Value::Object(Map::new()));
    out.insert(
        "components".into(),
        serde_json::json!({ "schemas": Value::Object(kept) }),
    );
    Value::Object(out)
}

/// Names the component schema of `doc` that fails alone, when one does: for a panic
/// inside typify, or an error about a type.
fn culprit_schema(source: &SpecSource, doc: &Value, attempts: &mut usize) -> Option<String> {
    let names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)?
        .keys()
        .cloned()
        .collect();
    // Every schema that fails alone, then the one with the fewest dependencies: the one
    // that fails by itself rather than through another.
    let failing: Vec<(usize, String)> = names
        .into_iter()
        .filter_map(|name| {
            *attempts += 1;
            let alone = schema_alone(doc, &name);
            trial(source, &alone).is_err().then(|| {
                let size = alone
                    .pointer("/components/schemas")
                    .and_then(Value::as_object)
                    .map_or(0, Map::len);
                (size, name)
            })
        })
        .collect();
    failing.into_iter().min().map(|(_, name)| name)
}

/// How many distinct schemas the error responses (4xx, 5xx) of `doc`'s one operation use.
fn error_schemas(doc: &Value) -> usize {
    let mut seen = BTreeSet::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        for method in HTTP_METHODS {
            for (status, response) in item
                .pointer(&format!("/{method}/responses"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if status.starts_with('4') || status.starts_with('5') {
                    seen.insert(
                        response
                            .pointer("/content/application~1json/schema")
                            .map(Value::to_string)
                            .unwrap_or_default(),
                    );
                }
            }
        }
    }
    seen.len()
}

/// Why `doc` does not generate, in one line, naming the schema when one is to blame.
fn reason(source: &SpecSource, doc: &Value, error: &GenError, attempts: &mut usize) -> String {
    let message = match error {
        GenError::Panic { message, .. } if message.contains("response_types.len() <= 1") => {
            format!(
                "its error responses have {} different schemas and progenitor 0.15 takes one \
                 (the generator panicked: {message})",
                error_schemas(doc)
            )
        }
        GenError::Panic { message, .. } => format!("the generator panicked: {message}"),
        other => {
            // Without the file name the document's path prefixes every message.
            let text = other.to_string();
            text.strip_prefix(&format!("{}: ", source.display_path))
                .map(str::to_owned)
                .unwrap_or(text)
        }
    };
    match culprit_schema(source, doc, attempts) {
        Some(schema) => format!(
            "schema {schema} (#/components/schemas/{schema}): {}",
            one_line(&message)
        ),
        None => one_line(&message),
    }
}

/// A panic or refusal of the whole of `source`, with the schema that causes it named.
pub fn explain(source: &SpecSource, original: &Value, error: GenError) -> GenError {
    match error {
        GenError::Panic { path, message, .. } => {
            let mut attempts = 0;
            let culprit = culprit_schema(source, original, &mut attempts)
                .map(|s| format!("schema {s} (#/components/schemas/{s})"));
            GenError::Panic {
                path,
                message: one_line(&message),
                culprit,
            }
        }
        other => other,
    }
}

/// Generates every operation of `source` that can be, leaving out (and naming) those
/// that cannot. `progress` hears each step.
pub fn generate_all(
    source: &SpecSource,
    flavor: Flavor,
    progress: &mut dyn FnMut(&str),
) -> Result<Partial, GenError> {
    let started = Instant::now();
    let original = source.to_value()?;
    let operations = all_operations(&original);
    let mut attempts = 1;
    let first = match generate_value(source, &original, flavor, Strictness::Lenient) {
        Ok(generated) => {
            return Ok(Partial {
                generated,
                operations: operations.len(),
                left_out: Vec::new(),
                attempts,
                elapsed: started.elapsed(),
            });
        }
        // Fixups that fail are about the document, not an operation: no trial helps.
        Err(e @ (GenError::Fixup(_) | GenError::Parse(..) | GenError::Read(..))) => return Err(e),
        Err(e) => e,
    };
    progress(&format!(
        "the whole document does not generate ({}); trying each of its {} operations alone",
        one_line(&first.to_string()),
        operations.len()
    ));
    let mut left_out = Vec::new();
    let mut keep: Vec<Selector> = Vec::new();
    for op in &operations {
        let (pruned, _) =
            prune::prune(&original, std::slice::from_ref(op)).map_err(GenError::Operations)?;
        attempts += 1;
        match trial(source, &pruned) {
            Ok(()) => keep.push(op.clone()),
            Err(e) => {
                let why = reason(source, &pruned, &e, &mut attempts);
                progress(&format!("left out {op}: {why}"));
                left_out.push(LeftOut {
                    operation: op.to_string(),
                    reason: why,
                });
            }
        }
    }
    loop {
        if keep.is_empty() {
            return Err(first);
        }
        let (pruned, _) = prune::prune(&original, &keep).map_err(GenError::Operations)?;
        attempts += 1;
        match generate_value(source, &pruned, flavor, Strictness::Lenient) {
            Ok(generated) => {
                return Ok(Partial {
                    generated,
                    operations: operations.len(),
                    left_out,
                    attempts,
                    elapsed: started.elapsed(),
                });
            }
            Err(e) => {
                // Each operation generates alone, but not all together: the shortest
                // failing prefix ends with an operation that conflicts with one before it.
                let (mut lo, mut hi) = (1usize, keep.len());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    let (p, _) =
                        prune::prune(&original, &keep[..mid]).map_err(GenError::Operations)?;
                    attempts += 1;
                    if trial(source, &p).is_err() {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                let op = keep.remove(lo - 1);
                let why = format!(
                    "generates alone, not together with the operations listed before it: {}",
                    one_line(&e.to_string())
                );
                progress(&format!("left out {op}: {why}"));
                left_out.push(LeftOut {
                    operation: op.to_string(),
                    reason: why,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source(doc: &Value) -> SpecSource {
        SpecSource::from_text(doc.to_string(), "test.json")
    }

    #[test]
    fn operations_that_cannot_generate_are_left_out_with_their_reason() {
        // One fine operation; one whose body schema makes typify panic (an object schema
        // of an unknown format that no fixup repairs: `format` on an array of objects).
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/ok": {"get": {"operationId": "ok", "responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fine"}}}}}}},
                "/bad": {"post": {"operationId": "bad", "requestBody": {"content": {"application/json":
                    {"schema": {"$ref": "#/components/schemas/Broken"}}}},
                    "responses": {"200": {"description": "ok"}}}}
            },
            "components": {"schemas": {
                "Fine": {"type": "object", "properties": {"a": {"type": "string"}}},
                "Broken": {"type": "string", "enum": ["a", "b"], "default": "c"}
            }}
        });
        let src = source(&doc);
        let mut heard = Vec::new();
        let partial = generate_all(&src, Flavor::Standalone, &mut |m| heard.push(m.to_owned()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(partial.operations, 2);
        assert_eq!(partial.left_out.len(), 1, "{:?}", partial.left_out);
        assert_eq!(partial.left_out[0].operation, "POST /bad");
        assert!(
            partial.left_out[0]
                .reason
                .starts_with("schema Broken (#/components/schemas/Broken): "),
            "{}",
            partial.left_out[0].reason
        );
        assert!(!partial.left_out[0].reason.contains('\n'));
        // The builder interface: the client's method builds, `send` is the async part.
        assert!(partial.generated.code.contains("pub fn ok("));
        assert!(!partial.generated.code.contains("pub fn bad("));
        assert!(
            heard.iter().any(|h| h.starts_with("left out POST /bad")),
            "{heard:?}"
        );
    }

    #[test]
    fn a_whole_document_that_generates_takes_one_attempt() {
        let doc = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/ok": {"get": {"operationId": "ok", "responses": {"200": {"description": "ok"}}}}}
        });
        let partial = generate_all(&source(&doc), Flavor::Standalone, &mut |_| {}).unwrap();
        assert_eq!((partial.operations, partial.attempts), (1, 1));
        assert!(partial.left_out.is_empty());
    }
}
