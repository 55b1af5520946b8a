//! Repairs for gaps of the generator (progenitor 0.15 and typify 0.8): valid OpenAPI that
//! it refuses, panics on, or turns into code that does not compile. The spec is not wrong
//! here; each fixup names the generator's message and where LangSmith's document has the
//! construct.

use super::{Fixup, MustApply, for_each_object, is_data_key, is_null_schema, ptr_push};
use crate::HTTP_METHODS;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Works around: typify 0.8 panics on a `format` beside an object schema ("not yet
/// implemented: invalid (or unexpected) schema"). JSON Schema allows it (a format
/// constrains strings only). In `openapi/langsmith.json`:
/// `#/components/schemas/threads.UpdateThreadMetadata/properties/sandbox_recreated_at`.
pub const OBJECT_FORMAT_DROPPED: Fixup = Fixup {
    name: "object-format-dropped",
    why: "a `format` on an object schema (LangSmith has `type: object, format: date-time` \
          with properties) means nothing to JSON Schema for objects, and typify 0.8 panics \
          on it (\"not yet implemented: invalid (or unexpected) schema\"). Dropped; \
          nothing an object can be is lost, and each change names the format.",
    apply: object_format_dropped,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: progenitor 0.15 requires an `operationId` ("path ... is missing operation
/// ID"; oxidecomputer/progenitor issue 1105, pull request 1110 unmerged), which OpenAPI
/// makes optional. `openapi/langsmith.json` has 212 operations without one, for example
/// `#/paths/~1v1~1platform~1datasets~1examples~1delete/post`.
pub const SYNTHESIZE_OPERATION_IDS: Fixup = Fixup {
    name: "synthesize-operation-ids",
    why: "progenitor requires an operationId on every operation (\"path ... is missing \
          operation ID\"); upstream publishes none. Derives one from the summary, or \
          from method and path.",
    apply: synthesize_operation_ids,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: typify 0.8 cannot place a default in an `anyOf` of strings ("type error
/// value does not conform to the given schema"). In `openapi/langsmith.json` 15 places,
/// among them the `as_of` query parameter of `#/paths/~1api~1v1~1examples/get` (the
/// client's) and `#/components/schemas/Body_clone_dataset_api_v1_datasets_clone_post/properties/as_of`.
pub const ANYOF_OF_STRINGS_IS_A_STRING: Fixup = Fixup {
    name: "anyof-of-strings-is-a-string",
    why: "typify 0.8 cannot place a default in an `anyOf` whose branches are all strings \
          (\"type error value does not conform to the given schema\"); LangSmith's \
          `as_of` parameter is `anyOf: [{string, format: date-time}, {string}]` with \
          default \"latest\". A union that includes an unformatted string accepts every \
          string, so it is `type: string`; the formats of the other branches are lost \
          (each change names them).",
    apply: anyof_of_strings_is_a_string,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: typify 0.8 refuses a default equal to a `const` inside an untagged union
/// ("value does not conform to the given schema"). In `openapi/langsmith.json` 16 tags,
/// for example `#/components/schemas/AIMessage/properties/type` (`const: "ai"`,
/// `default: "ai"`).
pub const REDUNDANT_CONST_DEFAULTS_DROPPED: Fixup = Fixup {
    name: "redundant-const-defaults-dropped",
    why: "a `default` equal to the only value a schema allows (`const: \"app\"` with \
          `default: \"app\"`, LangSmith's message and feedback-source tags) adds nothing \
          the type does not say, and typify 0.8 refuses it inside an untagged union \
          (\"value does not conform to the given schema\"). Dropped; an absent tag is \
          not filled in on reading, which is all that is lost.",
    apply: redundant_const_defaults_dropped,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: typify 0.8 panics on a default inside a union of several types
/// ("entered unreachable code", its `defaults.rs`). In `openapi/langsmith.json` 25
/// FastAPI `Missing` sentinel unions, for example
/// `#/components/schemas/AnnotationQueueUpdateSchema/properties/num_reviewers_per_item`.
pub const UNION_DEFAULTS_DROPPED: Fixup = Fixup {
    name: "union-defaults-dropped",
    why: "typify 0.8 cannot place a default inside a union of several types (it panics: \
          \"entered unreachable code\" in defaults.rs; LangSmith has `anyOf [integer, \
          Missing, null]` with `default: 1`). The default is dropped (each change names \
          it): the generated field stays optional and the server applies its own default \
          when it is absent.",
    apply: union_defaults_dropped,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: progenitor 0.15 generates header code that does not compile for a
/// nullable optional header (`Option<&str>::to_string`). In `openapi/langsmith.json` five
/// `accept` headers, for example `#/paths/~1api~1v1~1runs~1group/post/parameters/0`.
pub const NULLABLE_HEADER_PARAMETERS_ARE_OPTIONAL: Fixup = Fixup {
    name: "nullable-header-parameters-are-optional",
    why: "an optional header parameter typed `anyOf [string, null]` (LangSmith's \
          `accept` on many operations) becomes a nullable optional in 3.0, and \
          progenitor 0.15 then generates header code that does not compile \
          (`Option<&str>::to_string`). A header cannot carry a JSON null: absent is how \
          it is left out, so `nullable` is dropped and nothing is lost.",
    apply: nullable_header_parameters_are_optional,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: typify 0.8 names an inline type after its `title`, so a title equal to a
/// component schema's name defines the type twice ("the name `Missing` is defined
/// multiple times"). In `openapi/langsmith.json`:
/// `#/components/schemas/Missing/properties/__missing__/title`.
pub const INLINE_TITLES_THAT_NAME_A_SCHEMA_DROPPED: Fixup = Fixup {
    name: "inline-titles-that-name-a-schema-dropped",
    why: "typify names an inline type after its `title`; LangSmith titles every property \
          (`__missing__` is titled \"Missing\"), and when a title is also the name of a \
          component schema the two generated types collide (\"the name `Missing` is \
          defined multiple times\"). Such an inline title is dropped (the inline type is \
          named from its place instead); only that documentation title is lost.",
    apply: inline_titles_that_name_a_schema_dropped,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Works around: typify 0.8 names an inline type after its `title` and, when two
/// different inline types share a title, keeps one of them for both: in
/// `openapi/langsmith.json` the share tokens' `type` (`TenantShareRunToken`: `const: run`;
/// `TenantShareDatasetToken`: `const: dataset`), both titled "Type", became one enum
/// holding only `dataset`, so every run share link failed to decode.
pub const INLINE_TITLES_SHARED_BY_DIFFERENT_TYPES_DROPPED: Fixup = Fixup {
    name: "inline-titles-shared-by-different-types-dropped",
    why: "typify names an inline type after its `title`; when inline schemas that differ \
          share a title (the share tokens' `type`: `const: run` and `const: dataset`, both \
          titled \"Type\") it generates one type for all of them, and the others' values no \
          longer decode. Their titles are dropped (each inline type is then named from its \
          place); only those documentation titles are lost.",
    apply: inline_titles_shared_by_different_types_dropped,
    must_apply: MustApply::ToTheWholeDocument,
    defined_in: file!(),
};

/// Whether a schema is an object schema by its own keywords.
fn is_object_schema(map: &Map<String, Value>) -> bool {
    map.get("type").and_then(Value::as_str) == Some("object")
        || (map.get("type").is_none() && map.contains_key("properties"))
}

fn object_format_dropped(doc: &mut Value) -> Result<Vec<String>, String> {
    // Component schemas that are objects: a `format` beside a reference to one (directly
    // or as the only `allOf` member, as LangSmith writes it) is just as stray.
    let objects: std::collections::BTreeSet<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter(|(_, s)| s.as_object().is_some_and(is_object_schema))
                .map(|(name, _)| format!("#/components/schemas/{name}"))
                .collect()
        })
        .unwrap_or_default();
    let refers_to_object = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| objects.contains(r))
    };
    let mut changes = Vec::new();
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        let is_object = is_object_schema(map)
            || refers_to_object(&Value::Object(map.clone()))
            || map
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|all| all.iter().any(refers_to_object));
        if is_object
            && let Some(format) = map.get("format").and_then(Value::as_str).map(str::to_owned)
        {
            map.remove("format");
            changes.push(format!(
                "{ptr}/format: dropped from an object schema (`{format}` constrains strings, not objects)"
            ));
        }
    });
    Ok(changes)
}

/// Keys a string branch may carry and still be "just a string".
const PLAIN_STRING_KEYS: &[&str] = &["type", "format", "title", "description"];

fn anyof_of_strings_is_a_string(doc: &mut Value) -> Result<Vec<String>, String> {
    fn walk(v: &mut Value, ptr: &str, changes: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                let collapsible = map
                    .get("anyOf")
                    .and_then(Value::as_array)
                    .and_then(|branches| {
                        let all_strings = !branches.is_empty()
                            && branches.iter().all(|b| {
                                b.as_object().is_some_and(|o| {
                                    o.get("type").and_then(Value::as_str) == Some("string")
                                        && o.keys().all(|k| PLAIN_STRING_KEYS.contains(&k.as_str()))
                                })
                            });
                        let some_unformatted = branches.iter().any(|b| b.get("format").is_none());
                        (all_strings && some_unformatted).then(|| {
                            branches
                                .iter()
                                .filter_map(|b| b.get("format").and_then(Value::as_str))
                                .map(str::to_owned)
                                .collect::<Vec<_>>()
                        })
                    });
                if let Some(formats) = collapsible {
                    map.remove("anyOf");
                    map.insert("type".into(), Value::String("string".into()));
                    changes.push(format!(
                        "{ptr}: anyOf of strings -> type: string{}",
                        if formats.is_empty() {
                            String::new()
                        } else {
                            format!(" (loses format {})", formats.join(", "))
                        }
                    ));
                }
                for (key, child) in map.iter_mut() {
                    if !is_data_key(key) {
                        walk(child, &ptr_push(ptr, key), changes);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, &ptr_push(ptr, &i.to_string()), changes);
                }
            }
            _ => {}
        }
    }
    let mut changes = Vec::new();
    walk(doc, "", &mut changes);
    Ok(changes)
}

fn redundant_const_defaults_dropped(doc: &mut Value) -> Result<Vec<String>, String> {
    let mut changes = Vec::new();
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        let Some(default) = map.get("default") else {
            return;
        };
        let only = match (map.get("const"), map.get("enum").and_then(Value::as_array)) {
            (Some(c), _) => Some(c),
            (None, Some(values)) if values.len() == 1 => values.first(),
            _ => None,
        };
        if only == Some(default) {
            let d = map.remove("default").expect("present");
            changes.push(format!(
                "{ptr}/default: dropped ({d} is the only value the schema allows)"
            ));
        }
    });
    Ok(changes)
}

fn union_defaults_dropped(doc: &mut Value) -> Result<Vec<String>, String> {
    let mut changes = Vec::new();
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        if !map.contains_key("default") {
            return;
        }
        let branches = ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| map.get(*k).and_then(Value::as_array))
            .map(|b| b.iter().filter(|x| !is_null_schema(x)).count())
            .max()
            .unwrap_or(0);
        if branches > 1 {
            let d = map.remove("default").expect("present");
            changes.push(format!(
                "{ptr}/default: dropped (loses the default {d} of a union of {branches} types)"
            ));
        }
    });
    Ok(changes)
}

fn nullable_header_parameters_are_optional(doc: &mut Value) -> Result<Vec<String>, String> {
    let mut changes = Vec::new();
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        let is_header = map.get("in").and_then(Value::as_str) == Some("header");
        let required = map.get("required").and_then(Value::as_bool) == Some(true);
        if !is_header || required {
            return;
        }
        if let Some(schema) = map.get_mut("schema").and_then(Value::as_object_mut)
            && schema.remove("nullable").is_some()
        {
            changes.push(format!(
                "{ptr}/schema/nullable: dropped (an optional header is left out, never null)"
            ));
        }
    });
    Ok(changes)
}

/// A name as typify would make a type of it: letters and digits, case folded.
fn type_name_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn inline_titles_that_name_a_schema_dropped(doc: &mut Value) -> Result<Vec<String>, String> {
    let names: std::collections::BTreeSet<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().map(|k| type_name_key(k)).collect())
        .unwrap_or_default();
    let mut changes = Vec::new();
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        // A component schema's own title is its name: only inline schemas are renamed.
        let is_component = ptr
            .strip_prefix("/components/schemas/")
            .is_some_and(|rest| !rest.contains('/'));
        if is_component {
            return;
        }
        if let Some(title) = map.get("title").and_then(Value::as_str)
            && names.contains(&type_name_key(title))
            // Only schemas typify makes a type of: an enum or an object.
            && (map.contains_key("enum") || map.contains_key("properties"))
        {
            let title = title.to_owned();
            map.remove("title");
            changes.push(format!(
                "{ptr}/title: dropped (\"{title}\" is also a component schema's name)"
            ));
        }
    });
    Ok(changes)
}

fn inline_titles_shared_by_different_types_dropped(doc: &mut Value) -> Result<Vec<String>, String> {
    use std::collections::{BTreeMap, BTreeSet};
    // Pass 1: per title (as typify names it), the distinct inline schemas carrying it.
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut none = Vec::new();
    let is_inline_type = |map: &Map<String, Value>, ptr: &str| {
        let is_component = ptr
            .strip_prefix("/components/schemas/")
            .is_some_and(|rest| !rest.contains('/'));
        !is_component && (map.contains_key("enum") || map.contains_key("properties"))
    };
    let mut probe = doc.clone();
    for_each_object(&mut probe, "", &mut none, &mut |map, ptr, _| {
        if is_inline_type(map, ptr)
            && let Some(title) = map.get("title").and_then(Value::as_str)
        {
            let mut body = map.clone();
            body.remove("title");
            body.remove("description");
            seen.entry(type_name_key(title))
                .or_default()
                .insert(Value::Object(body).to_string());
        }
    });
    let shared: BTreeSet<String> = seen
        .into_iter()
        .filter(|(_, bodies)| bodies.len() > 1)
        .map(|(t, _)| t)
        .collect();
    // Pass 2: drop those titles.
    let mut changes = Vec::new();
    for_each_object(doc, "", &mut changes, &mut |map, ptr, changes| {
        if is_inline_type(map, ptr)
            && let Some(title) = map.get("title").and_then(Value::as_str)
            && shared.contains(&type_name_key(title))
        {
            let title = title.to_owned();
            map.remove("title");
            changes.push(format!(
                "{ptr}/title: dropped (\"{title}\" titles other, different inline types too)"
            ));
        }
    });
    Ok(changes)
}

/// `Hard Delete Examples` -> `hard_delete_examples`.
pub fn snake_case(text: &str) -> String {
    let mut out = String::new();
    let mut prev_lower_or_digit = false;
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower_or_digit && !out.ends_with('_') {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
            prev_lower_or_digit = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower_or_digit = false;
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("op_{out}")
    } else {
        out
    }
}

/// The id for an operation without one: its summary, or else method and path.
pub fn operation_id_for(method: &str, path: &str, summary: Option<&str>) -> String {
    if let Some(id) = summary.map(snake_case).filter(|s| !s.is_empty()) {
        return id;
    }
    let path = path.replace(['{', '}'], "");
    snake_case(&format!("{method} {path}"))
}

fn synthesize_operation_ids(doc: &mut Value) -> Result<Vec<String>, String> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(Vec::new());
    };
    // Every id already taken, and by whom.
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in paths.iter() {
        for method in HTTP_METHODS {
            if let Some(id) = item
                .get(*method)
                .and_then(|op| op.get("operationId"))
                .and_then(Value::as_str)
            {
                taken.insert(id.to_owned(), format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let mut changes = Vec::new();
    for (path, item) in paths.iter_mut() {
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            if op.contains_key("operationId") {
                continue;
            }
            let summary = op.get("summary").and_then(Value::as_str);
            let who = format!("{} {path}", method.to_uppercase());
            let from_summary = operation_id_for(method, path, summary);
            let from_route = operation_id_for(method, path, None);
            // The summary's id; when another operation has it, method and path (unique
            // per operation up to punctuation); then a numbered suffix. Paths are visited
            // in the document's order, so the result is the same on every run.
            let (id, source) = if !taken.contains_key(&from_summary) {
                let source = if summary.is_some_and(|s| !snake_case(s).is_empty()) {
                    "summary".to_owned()
                } else {
                    "method and path".to_owned()
                };
                (from_summary, source)
            } else if !taken.contains_key(&from_route) {
                let owner = taken[&from_summary].clone();
                (
                    from_route,
                    format!("method and path: `{from_summary}` belongs to {owner}"),
                )
            } else {
                let n = (2..)
                    .find(|n| !taken.contains_key(&format!("{from_route}_{n}")))
                    .expect("a free suffix");
                (
                    format!("{from_route}_{n}"),
                    format!("method and path, numbered: `{from_route}` is taken"),
                )
            };
            changes.push(format!(
                "{}: operationId `{id}` (from {source})",
                ptr_push(&ptr_push("/paths", path), method),
            ));
            taken.insert(id.clone(), who);
            op.insert("operationId".into(), Value::String(id));
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_typify_cannot_place_are_dropped_and_named() {
        let mut d = json!({"a": {"type": "string", "const": "app", "default": "app"},
            "b": {"type": "string", "enum": ["x"], "default": "x"},
            "c": {"type": "string", "enum": ["x", "y"], "default": "x"}});
        assert_eq!(
            redundant_const_defaults_dropped(&mut d).unwrap(),
            [
                r#"/a/default: dropped ("app" is the only value the schema allows)"#,
                r#"/b/default: dropped ("x" is the only value the schema allows)"#
            ]
        );
        assert_eq!(d["c"]["default"], "x", "a real choice keeps its default");
        let mut d = json!({"u": {"anyOf": [{"type": "integer"}, {"$ref": "#/M"}, {"type": "null"}], "default": 1},
            "n": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 1}});
        assert_eq!(
            union_defaults_dropped(&mut d).unwrap(),
            ["/u/default: dropped (loses the default 1 of a union of 2 types)"]
        );
        assert_eq!(
            d["n"]["default"], 1,
            "a nullable single type keeps its default"
        );
    }

    #[test]
    fn optional_headers_are_not_nullable_and_inline_titles_do_not_collide() {
        let mut d = json!({"paths": {"/a": {"get": {"parameters": [
            {"name": "accept", "in": "header", "schema": {"type": "string", "nullable": true}},
            {"name": "q", "in": "query", "schema": {"type": "string", "nullable": true}},
            {"name": "x", "in": "header", "required": true, "schema": {"type": "string", "nullable": true}}]}}}});
        assert_eq!(
            nullable_header_parameters_are_optional(&mut d).unwrap(),
            [
                "/paths/~1a/get/parameters/0/schema/nullable: dropped (an optional header is left out, never null)"
            ]
        );
        assert_eq!(
            d.pointer("/paths/~1a/get/parameters/1/schema/nullable"),
            Some(&json!(true))
        );
        assert_eq!(
            d.pointer("/paths/~1a/get/parameters/2/schema/nullable"),
            Some(&json!(true))
        );

        let mut d = json!({"components": {"schemas": {
            "Missing": {"title": "Missing", "type": "object", "properties": {
                "__missing__": {"type": "string", "enum": ["__missing__"], "title": "Missing"}}},
            "Other": {"type": "object", "properties": {"name": {"type": "string", "title": "Missing"}}}}}});
        assert_eq!(
            inline_titles_that_name_a_schema_dropped(&mut d).unwrap(),
            [
                "/components/schemas/Missing/properties/__missing__/title: dropped (\"Missing\" is also a component schema's name)"
            ]
        );
        assert_eq!(
            d.pointer("/components/schemas/Missing/title"),
            Some(&json!("Missing"))
        );
        // A plain string makes no type: its title stays.
        assert_eq!(
            d.pointer("/components/schemas/Other/properties/name/title"),
            Some(&json!("Missing"))
        );
    }

    #[test]
    fn a_format_on_an_object_schema_is_dropped() {
        let mut d = json!({"s": {"type": "object", "format": "date-time",
            "properties": {"value": {"type": "string", "format": "date-time"}}}});
        assert_eq!(
            object_format_dropped(&mut d).unwrap(),
            [
                "/s/format: dropped from an object schema (`date-time` constrains strings, not objects)"
            ]
        );
        // The string property keeps its format.
        assert_eq!(
            d["s"],
            json!({"type": "object", "properties": {"value": {"type": "string", "format": "date-time"}}})
        );
        let mut d = json!({"s": {"type": "string", "format": "uuid"}});
        assert!(object_format_dropped(&mut d).unwrap().is_empty());
        // Beside a reference to an object schema (LangSmith's `sandbox_recreated_at`).
        let mut d = json!({"components": {"schemas": {
            "Opt": {"type": "object", "properties": {"set": {"type": "boolean"}}},
            "T": {"properties": {"at": {"format": "date-time",
                "allOf": [{"$ref": "#/components/schemas/Opt"}]}}}}}});
        assert_eq!(
            object_format_dropped(&mut d).unwrap(),
            [
                "/components/schemas/T/properties/at/format: dropped from an object schema (`date-time` constrains strings, not objects)"
            ]
        );
    }

    #[test]
    fn an_anyof_of_strings_becomes_a_string_and_says_what_it_loses() {
        let mut d = serde_json::json!({"paths": {"/x": {"get": {"parameters": [{"name": "as_of", "schema": {
            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string"}],
            "default": "latest", "description": "d"}}]}}}});
        let changes = anyof_of_strings_is_a_string(&mut d).unwrap();
        assert_eq!(
            changes,
            [
                "/paths/~1x/get/parameters/0/schema: anyOf of strings -> type: string (loses format date-time)"
            ]
        );
        let s = d.pointer("/paths/~1x/get/parameters/0/schema").unwrap();
        assert_eq!(
            s,
            &serde_json::json!({"type": "string", "default": "latest", "description": "d"})
        );
        // Not collapsed: every branch formatted (the formats are the point), a non-string
        // branch, or a constraint a plain string would drop.
        for keep in [
            serde_json::json!({"anyOf": [{"type": "string", "format": "uuid"}, {"type": "string", "format": "date-time"}]}),
            serde_json::json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
            serde_json::json!({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "string"}]}),
        ] {
            let mut d = keep.clone();
            assert!(
                anyof_of_strings_is_a_string(&mut d).unwrap().is_empty(),
                "{keep}"
            );
            assert_eq!(d, keep);
        }
        // Data is never rewritten.
        let mut d = serde_json::json!({"example": {"anyOf": [{"type": "string"}]}});
        assert!(anyof_of_strings_is_a_string(&mut d).unwrap().is_empty());
    }

    #[test]
    fn operation_ids_from_summary_then_method_and_path() {
        let mut d = json!({"paths": {
            "/v1/things/{thing_id}": {
                "get": {"summary": "Read Thing"},
                "delete": {},
                "put": {"operationId": "keep_me"}},
            "/v1/other": {"post": {"summary": "  "}}}});
        let changes = synthesize_operation_ids(&mut d).unwrap();
        assert_eq!(changes.len(), 3);
        let p = &d["paths"];
        assert_eq!(
            p["/v1/things/{thing_id}"]["get"]["operationId"],
            "read_thing"
        );
        assert_eq!(
            p["/v1/things/{thing_id}"]["delete"]["operationId"],
            "delete_v1_things_thing_id"
        );
        assert_eq!(p["/v1/things/{thing_id}"]["put"]["operationId"], "keep_me");
        assert_eq!(p["/v1/other"]["post"]["operationId"], "post_v1_other");
        assert!(synthesize_operation_ids(&mut d).unwrap().is_empty());
    }

    #[test]
    fn colliding_ids_fall_back_to_method_and_path_deterministically() {
        let mut d = json!({"paths": {
            "/a": {"get": {"summary": "List"}},
            "/b": {"get": {"summary": "list"}},
            "/c": {"get": {"operationId": "get_b"}},
            "/d": {"get": {"operationId": "list_d"}},
            "/e": {"get": {"summary": "list d"}}}});
        let before = d.clone();
        let changes = synthesize_operation_ids(&mut d).unwrap();
        let p = &d["paths"];
        // The first in document order keeps the summary's id.
        assert_eq!(p["/a"]["get"]["operationId"], "list");
        // The next falls back to method and path, and says why.
        assert_eq!(p["/b"]["get"]["operationId"], "get_b_2");
        assert!(
            changes.iter().any(|c| c.contains("`get_b` is taken")),
            "{changes:?}"
        );
        // An upstream id is never taken by a synthesized one.
        assert_eq!(p["/c"]["get"]["operationId"], "get_b");
        assert_eq!(p["/e"]["get"]["operationId"], "get_e");
        assert!(
            changes
                .iter()
                .any(|c| c.contains("`list_d` belongs to GET /d")),
            "{changes:?}"
        );
        // The same document gives the same ids every time.
        let mut again = before;
        assert_eq!(synthesize_operation_ids(&mut again).unwrap(), changes);
        assert_eq!(again, d);
    }

    #[test]
    fn snake_case_forms() {
        assert_eq!(snake_case("Hard Delete Examples"), "hard_delete_examples");
        assert_eq!(snake_case("getHTTPThing2"), "get_httpthing2");
        assert_eq!(snake_case("3 things"), "op_3_things");
        assert_eq!(snake_case("List (all) runs!"), "list_all_runs");
    }
}
