//! The OpenAPI 3.1 -> 3.0 translation: constructs of OpenAPI 3.1 (JSON Schema 2020-12)
//! that progenitor 0.15 cannot read, written in their OpenAPI 3.0 form, or refused naming
//! their JSON pointer when they have none that is faithful. Nothing here is specific to
//! LangSmith; each fixup repairs its construct wherever it occurs.

use super::{Fixup, MustApply, for_each_object, is_data_key, is_null_schema, ptr_push};
use serde_json::{Map, Value};

/// Works around: JSON Schema 2020-12 `propertyNames`, which OpenAPI 3.0 (the only version
/// progenitor 0.15 reads: oxidecomputer/progenitor issue 762) cannot express. In
/// `openapi/langsmith.json` ten maps, for example
/// `#/components/schemas/DatasetUpdate/properties/patch_examples/anyOf/0/propertyNames`
/// (`{format: uuid}` keys). Runs before [`OPENAPI_31_TO_30`], which refuses it.
pub const PROPERTY_NAMES_DROPPED: Fixup = Fixup {
    name: "property-names-dropped",
    why: "JSON Schema 2020-12 `propertyNames` (a schema every key of an object must \
          match; LangSmith uses `{format: uuid}` and enum `$ref`s) has no OpenAPI 3.0 \
          form and typify ignores it. Dropped, each change naming what it constrained: \
          the generated map accepts any string key (the key constraint is lost).",
    apply: property_names_dropped,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: JSON Schema 2020-12 `prefixItems` (tuples), which OpenAPI 3.0 (progenitor
/// 0.15: oxidecomputer/progenitor issue 762) cannot express. In `openapi/langsmith.json`
/// `#/components/schemas/InvokePromptPayload/properties/messages/items/prefixItems` and
/// `#/components/schemas/EvaluatorStructuredOutput/properties/prompt/anyOf/0/items/prefixItems`.
/// Runs before [`OPENAPI_31_TO_30`], which refuses it.
pub const PREFIX_ITEMS_AS_ITEMS: Fixup = Fixup {
    name: "prefix-items-as-items",
    why: "JSON Schema 2020-12 `prefixItems` (a tuple) has no OpenAPI 3.0 form. Becomes \
          `items`: the one schema when every position has the same one (LangSmith's \
          two-string tuples), else an `anyOf` of them; `minItems`/`maxItems` are kept. \
          Which position holds which type is lost when they differ (the change says so).",
    apply: prefix_items_as_items,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: progenitor 0.15 refuses OpenAPI 3.1 ("invalid version: 3.1.0";
/// oxidecomputer/progenitor issue 762, open). `openapi/langsmith.json` is
/// `"openapi": "3.1.0"` (`#/openapi`), with `anyOf [X, {type: null}]` for every optional
/// field and `const` tags.
pub const OPENAPI_31_TO_30: Fixup = Fixup {
    name: "openapi-3.1-to-3.0",
    why: "progenitor 0.15 accepts only OpenAPI 3.0.x (\"invalid version: 3.1.0\"); \
          upstream publishes 3.1.0. Translates 3.1-only constructs to their 3.0 form.",
    apply: openapi_31_to_30,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

pub(super) fn openapi_31_to_30(doc: &mut Value) -> Result<Vec<String>, String> {
    let version = doc
        .get("openapi")
        .and_then(Value::as_str)
        .ok_or("the document has no `openapi` version string")?
        .to_owned();
    if !version.starts_with("3.1.") {
        return Ok(Vec::new());
    }
    let mut changes = vec![format!("/openapi: {version} -> 3.0.3")];
    let root = doc.as_object_mut().ok_or("the document is not an object")?;
    root.insert("openapi".into(), Value::String("3.0.3".into()));

    if let Some(webhooks) = root.get("webhooks") {
        if webhooks.as_object().is_some_and(|m| !m.is_empty()) {
            return Err(
                "/webhooks: OpenAPI 3.0 has no webhooks and progenitor cannot \
                        generate them; refusing to drop them silently"
                    .into(),
            );
        }
        root.remove("webhooks");
        changes.push("/webhooks: removed (empty)".into());
    }
    if let Some(dialect) = root.remove("jsonSchemaDialect") {
        if dialect != "https://spec.openapis.org/oas/3.1/dialect/base" {
            return Err(format!(
                "/jsonSchemaDialect: {dialect} is not the OpenAPI 3.1 default dialect"
            ));
        }
        changes.push("/jsonSchemaDialect: removed (the default dialect)".into());
    }
    if !root.contains_key("paths") {
        root.insert("paths".into(), Value::Object(Map::new()));
        changes.push("/paths: added (optional in 3.1, required in 3.0)".into());
    }
    if let Some(schemes) = root
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Value::as_object)
    {
        for (name, scheme) in schemes {
            if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                return Err(format!(
                    "{}: the mutualTLS security scheme does not exist in OpenAPI 3.0",
                    ptr_push("/components/securitySchemes", name)
                ));
            }
        }
    }

    for (key, value) in root.iter_mut() {
        let ptr = ptr_push("", key);
        match key.as_str() {
            "components" => {
                if let Some(components) = value.as_object_mut() {
                    for (ckey, cvalue) in components.iter_mut() {
                        let cptr = ptr_push(&ptr, ckey);
                        if ckey == "schemas" {
                            if let Some(schemas) = cvalue.as_object_mut() {
                                for (name, schema) in schemas.iter_mut() {
                                    translate_schema(schema, &ptr_push(&cptr, name), &mut changes)?;
                                }
                            }
                        } else {
                            walk_document(cvalue, &cptr, &mut changes)?;
                        }
                    }
                }
            }
            "paths" => walk_document(value, &ptr, &mut changes)?,
            _ => {}
        }
    }
    Ok(changes)
}

/// Walks non-schema parts of the document (paths, parameters, responses, ...), handing
/// every `schema` it meets to [`translate_schema`].
fn walk_document(value: &mut Value, ptr: &str, changes: &mut Vec<String>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if map.contains_key("$ref") && map.len() > 1 {
                // 3.1 allows `summary`/`description` beside a Reference Object; 3.0 ignores
                // siblings, which is what these documentation overrides amount to.
                let extra: Vec<String> = map.keys().filter(|k| *k != "$ref").cloned().collect();
                for key in &extra {
                    if key != "summary" && key != "description" {
                        return Err(format!(
                            "{}: `{key}` beside `$ref` in a Reference Object has no 3.0 form",
                            ptr_push(ptr, key)
                        ));
                    }
                    map.remove(key);
                    changes.push(format!("{}: removed (sibling of $ref)", ptr_push(ptr, key)));
                }
            }
            for (key, child) in map.iter_mut() {
                let child_ptr = ptr_push(ptr, key);
                if key == "schema" {
                    translate_schema(child, &child_ptr, changes)?;
                } else if key == "examples" {
                    // Media-type/parameter `examples` are a map of Example Objects in both
                    // versions; their `value`s are data.
                } else if !is_data_key(key) {
                    walk_document(child, &child_ptr, changes)?;
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk_document(item, &ptr_push(ptr, &i.to_string()), changes)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// 3.1 (JSON Schema 2020-12) keywords with no faithful OpenAPI 3.0 form.
const UNTRANSLATABLE: &[&str] = &[
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "patternProperties",
    "$defs",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "contentSchema",
];

/// Translates one schema object (and, recursively, its subschemas) to OpenAPI 3.0.
fn translate_schema(
    schema: &mut Value,
    ptr: &str,
    changes: &mut Vec<String>,
) -> Result<(), String> {
    let Some(map) = schema.as_object_mut() else {
        if schema.is_boolean() {
            return Err(format!("{ptr}: boolean schemas have no OpenAPI 3.0 form"));
        }
        return Ok(());
    };

    for key in UNTRANSLATABLE {
        if map.contains_key(*key) {
            return Err(format!(
                "{}: `{key}` (JSON Schema 2020-12) has no faithful OpenAPI 3.0 form",
                ptr_push(ptr, key)
            ));
        }
    }
    if map.remove("$schema").is_some() {
        changes.push(format!("{ptr}/$schema: removed"));
    }
    if map.remove("$comment").is_some() {
        changes.push(format!("{ptr}/$comment: removed (a comment)"));
    }

    // `type: [X, "null"]` -> `type: X, nullable: true`
    if let Some(Value::Array(types)) = map.get("type") {
        let mut non_null: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let had_null = non_null.len() != types.len();
        match non_null.len() {
            1 => {
                map.insert("type".into(), non_null.remove(0));
                if had_null {
                    map.insert("nullable".into(), Value::Bool(true));
                }
                changes.push(format!(
                    "{ptr}/type: type array -> single type{}",
                    if had_null { " + nullable" } else { "" }
                ));
            }
            0 => {
                return Err(format!(
                    "{ptr}/type: a schema that only allows null has no 3.0 form"
                ));
            }
            _ => {
                return Err(format!(
                    "{ptr}/type: several non-null types {non_null:?} have no faithful 3.0 form"
                ));
            }
        }
    } else if map.get("type").and_then(Value::as_str) == Some("null") {
        return Err(format!(
            "{ptr}/type: `null` has no 3.0 form outside a type array or anyOf"
        ));
    }

    // anyOf/oneOf with a `{type: null}` branch -> nullable
    for combinator in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = map.get_mut(combinator) else {
            continue;
        };
        let before = branches.len();
        branches.retain(|b| !is_null_schema(b));
        if branches.len() == before {
            continue;
        }
        map.insert("nullable".into(), Value::Bool(true));
        let Some(Value::Array(branches)) = map.get(combinator) else {
            unreachable!()
        };
        if branches.is_empty() {
            return Err(format!("{ptr}/{combinator}: only a null branch"));
        }
        if branches.len() == 1 {
            let only = branches[0].clone();
            map.remove(combinator);
            map.insert("allOf".into(), Value::Array(vec![only]));
            changes.push(format!(
                "{ptr}/{combinator}: [X, null] -> allOf [X] + nullable"
            ));
        } else {
            changes.push(format!("{ptr}/{combinator}: null branch -> nullable"));
        }
    }

    // `const` -> one-value `enum`
    if let Some(value) = map.remove("const") {
        if map.contains_key("enum") {
            return Err(format!("{ptr}: both `const` and `enum`"));
        }
        map.insert("enum".into(), Value::Array(vec![value]));
        changes.push(format!("{ptr}/const -> enum"));
    }

    // `examples: [..]` -> `example`
    if let Some(examples) = map.remove("examples") {
        let Value::Array(mut list) = examples else {
            return Err(format!(
                "{ptr}/examples: a schema's `examples` must be an array"
            ));
        };
        if !map.contains_key("example") && !list.is_empty() {
            map.insert("example".into(), list.remove(0));
        }
        changes.push(format!("{ptr}/examples -> example"));
    }

    // numeric exclusiveMinimum/exclusiveMaximum -> minimum/maximum + boolean flag
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(n)) = map.get(exclusive).cloned() {
            if map.contains_key(inclusive) {
                return Err(format!(
                    "{ptr}: both `{inclusive}` and a numeric `{exclusive}`; pick one upstream"
                ));
            }
            map.insert(inclusive.into(), Value::Number(n));
            map.insert(exclusive.into(), Value::Bool(true));
            changes.push(format!("{ptr}/{exclusive}: number -> {inclusive} + true"));
        }
    }

    // contentEncoding/contentMediaType for binary strings -> format
    if let Some(encoding) = map.remove("contentEncoding") {
        if encoding != "base64" || map.contains_key("format") {
            return Err(format!("{ptr}/contentEncoding: {encoding} has no 3.0 form"));
        }
        map.insert("format".into(), Value::String("byte".into()));
        changes.push(format!("{ptr}/contentEncoding base64 -> format byte"));
    }
    if let Some(media) = map.remove("contentMediaType") {
        if media != "application/octet-stream" || map.contains_key("format") {
            return Err(format!("{ptr}/contentMediaType: {media} has no 3.0 form"));
        }
        map.insert("format".into(), Value::String("binary".into()));
        changes.push(format!("{ptr}/contentMediaType -> format binary"));
    }

    // `$ref` with siblings -> allOf [$ref] + siblings (3.0 ignores siblings of $ref)
    if map.contains_key("$ref") && map.len() > 1 {
        let reference = map.remove("$ref").expect("checked");
        if map.contains_key("allOf") {
            return Err(format!("{ptr}: `$ref` beside `allOf`"));
        }
        let mut inner = Map::new();
        inner.insert("$ref".into(), reference);
        map.insert("allOf".into(), Value::Array(vec![Value::Object(inner)]));
        changes.push(format!("{ptr}/$ref: with siblings -> allOf"));
    }

    // Recurse into subschemas.
    for (key, child) in map.iter_mut() {
        let child_ptr = ptr_push(ptr, key);
        match key.as_str() {
            "properties" => {
                if let Some(props) = child.as_object_mut() {
                    for (name, prop) in props.iter_mut() {
                        translate_schema(prop, &ptr_push(&child_ptr, name), changes)?;
                    }
                }
            }
            "items" | "not" => translate_schema(child, &child_ptr, changes)?,
            "additionalProperties" if child.is_object() => {
                translate_schema(child, &child_ptr, changes)?
            }
            "allOf" | "anyOf" | "oneOf" => {
                if let Some(list) = child.as_array_mut() {
                    for (i, sub) in list.iter_mut().enumerate() {
                        translate_schema(sub, &ptr_push(&child_ptr, &i.to_string()), changes)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn property_names_dropped(doc: &mut Value) -> Result<Vec<String>, String> {
    let mut changes = Vec::new();
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        if let Some(constraint) = map.remove("propertyNames") {
            changes.push(format!(
                "{ptr}/propertyNames: dropped (loses the key constraint {constraint})"
            ));
        }
    });
    Ok(changes)
}

fn prefix_items_as_items(doc: &mut Value) -> Result<Vec<String>, String> {
    let mut changes = Vec::new();
    let mut error = None;
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        let Some(prefix) = map.get("prefixItems").and_then(Value::as_array).cloned() else {
            return;
        };
        if matches!(map.get("items"), Some(i) if i != &Value::Bool(false)) {
            // Extra items of another schema: the tuple cannot be folded into one `items`.
            error.get_or_insert(format!(
                "{ptr}: `prefixItems` with `items` for the rest has no OpenAPI 3.0 form"
            ));
            return;
        }
        let closed = map.get("items") == Some(&Value::Bool(false));
        map.remove("prefixItems");
        let mut distinct: Vec<Value> = Vec::new();
        for p in &prefix {
            if !distinct.contains(p) {
                distinct.push(p.clone());
            }
        }
        let items = match distinct.len() {
            0 => serde_json::json!({}),
            1 => distinct.pop().expect("one"),
            _ => serde_json::json!({ "anyOf": distinct }),
        };
        let lost = if items.get("anyOf").is_some() {
            " (loses which position holds which type)"
        } else {
            ""
        };
        map.insert("items".into(), items);
        if closed && !map.contains_key("maxItems") {
            map.insert("maxItems".into(), Value::from(prefix.len()));
        }
        changes.push(format!(
            "{ptr}/prefixItems: a tuple of {} -> items{lost}",
            prefix.len()
        ));
    });
    match error {
        Some(e) => Err(e),
        None => Ok(changes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc31(schemas: Value) -> Value {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
               "components": {"schemas": schemas}})
    }

    #[test]
    fn property_names_are_dropped_and_named() {
        let mut d = json!({"components": {"schemas": {"M": {
            "type": "object", "additionalProperties": {"type": "string"},
            "propertyNames": {"format": "uuid"}}}}});
        let changes = property_names_dropped(&mut d).unwrap();
        assert_eq!(
            changes,
            [
                r#"/components/schemas/M/propertyNames: dropped (loses the key constraint {"format":"uuid"})"#
            ]
        );
        assert_eq!(
            d.pointer("/components/schemas/M").unwrap(),
            &json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
        // A property named `propertyNames`, and data, are left alone.
        let keep = json!({"components": {"schemas": {"N": {"type": "object",
            "properties": {"propertyNames": {"type": "string"}},
            "example": {"propertyNames": 1}}}}});
        let mut d = keep.clone();
        assert!(property_names_dropped(&mut d).unwrap().is_empty());
        assert_eq!(d, keep);
    }

    #[test]
    fn prefix_items_become_items_and_say_what_is_lost() {
        let mut d = json!({"s": {"type": "array", "minItems": 2, "maxItems": 2,
            "prefixItems": [{"type": "string"}, {"type": "string"}]}});
        assert_eq!(
            prefix_items_as_items(&mut d).unwrap(),
            ["/s/prefixItems: a tuple of 2 -> items"]
        );
        assert_eq!(
            d["s"],
            json!({"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}})
        );
        let mut d = json!({"s": {"type": "array", "items": false,
            "prefixItems": [{"type": "string"}, {"type": "integer"}]}});
        assert_eq!(
            prefix_items_as_items(&mut d).unwrap(),
            ["/s/prefixItems: a tuple of 2 -> items (loses which position holds which type)"]
        );
        assert_eq!(
            d["s"],
            json!({"type": "array", "maxItems": 2,
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}})
        );
        // Extra items of their own schema cannot be folded: an error naming the pointer.
        let mut d =
            json!({"s": {"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}});
        assert!(
            prefix_items_as_items(&mut d)
                .unwrap_err()
                .starts_with("/s: ")
        );
    }

    #[test]
    fn version_is_lowered_and_30_specs_are_left_alone() {
        let mut d = doc31(json!({}));
        let changes = openapi_31_to_30(&mut d).unwrap();
        assert_eq!(d["openapi"], "3.0.3");
        assert_eq!(changes.len(), 1);
        let mut d30 = json!({"openapi": "3.0.3", "info": {}, "paths": {}});
        assert!(openapi_31_to_30(&mut d30).unwrap().is_empty());
    }

    #[test]
    fn nullable_type_arrays() {
        let mut d = doc31(json!({"A": {"type": "object", "properties": {
            "x": {"type": ["string", "null"]},
            "y": {"type": ["integer"]},
            "z": {"type": "array", "items": {"type": ["null", "boolean"]}}}}}));
        openapi_31_to_30(&mut d).unwrap();
        let p = &d["components"]["schemas"]["A"]["properties"];
        assert_eq!(p["x"], json!({"type": "string", "nullable": true}));
        assert_eq!(p["y"], json!({"type": "integer"}));
        assert_eq!(
            p["z"]["items"],
            json!({"type": "boolean", "nullable": true})
        );
    }

    #[test]
    fn several_types_is_an_error_naming_the_pointer() {
        let mut d = doc31(json!({"A": {"properties": {"a/b": {"type": ["string", "integer"]}}}}));
        let err = openapi_31_to_30(&mut d).unwrap_err();
        assert!(
            err.starts_with("/components/schemas/A/properties/a~1b/type"),
            "{err}"
        );
    }

    #[test]
    fn anyof_null_becomes_nullable() {
        let mut d = doc31(
            json!({"A": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]},
                                 "B": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}}),
        );
        openapi_31_to_30(&mut d).unwrap();
        let s = &d["components"]["schemas"];
        assert_eq!(
            s["A"],
            json!({"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true})
        );
        assert_eq!(s["B"]["oneOf"].as_array().unwrap().len(), 2);
        assert_eq!(s["B"]["nullable"], true);
    }

    #[test]
    fn const_examples_and_exclusive_bounds() {
        let mut d = doc31(json!({"A": {"type": "object", "properties": {
            "k": {"const": "fixed", "examples": ["fixed", "other"]},
            "n": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10}}}}));
        openapi_31_to_30(&mut d).unwrap();
        let p = &d["components"]["schemas"]["A"]["properties"];
        assert_eq!(p["k"], json!({"enum": ["fixed"], "example": "fixed"}));
        assert_eq!(
            p["n"],
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true,
                                  "maximum": 10, "exclusiveMaximum": true})
        );
    }

    #[test]
    fn ref_with_siblings_becomes_allof() {
        let mut d = doc31(
            json!({"A": {"properties": {"b": {"$ref": "#/components/schemas/B", "description": "d"}}}}),
        );
        openapi_31_to_30(&mut d).unwrap();
        assert_eq!(
            d["components"]["schemas"]["A"]["properties"]["b"],
            json!({"allOf": [{"$ref": "#/components/schemas/B"}], "description": "d"})
        );
    }

    #[test]
    fn schemas_under_paths_are_translated_but_example_data_is_not() {
        let mut d = json!({"openapi": "3.1.1", "info": {}, "paths": {"/a": {"get": {
            "parameters": [{"name": "q", "in": "query", "schema": {"type": ["string", "null"]}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"const": 1},
                "examples": {"e": {"value": {"type": ["x", "y"], "const": 2}}}}}}}}}}});
        openapi_31_to_30(&mut d).unwrap();
        let op = &d["paths"]["/a"]["get"];
        assert_eq!(
            op["parameters"][0]["schema"],
            json!({"type": "string", "nullable": true})
        );
        let media = &op["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"], json!({"enum": [1]}));
        assert_eq!(
            media["examples"]["e"]["value"],
            json!({"type": ["x", "y"], "const": 2})
        );
    }

    #[test]
    fn untranslatable_keywords_are_errors_not_drops() {
        for kw in [
            "prefixItems",
            "if",
            "patternProperties",
            "$defs",
            "unevaluatedProperties",
        ] {
            let mut d = doc31(json!({"A": {"properties": {"p": {kw: {}}}}}));
            let err = openapi_31_to_30(&mut d).unwrap_err();
            assert!(
                err.contains(&format!("/components/schemas/A/properties/p/{kw}")),
                "{err}"
            );
        }
        let mut d = doc31(json!({}));
        d["webhooks"] = json!({"w": {}});
        assert!(
            openapi_31_to_30(&mut d)
                .unwrap_err()
                .starts_with("/webhooks")
        );
    }
}
