//! Named, in-memory repairs that let progenitor 0.15 read a spec it would refuse.
//!
//! The vendored spec stays byte-identical to upstream; every repair happens here, on a
//! `serde_json::Value`, before the document is handed to `openapiv3`/progenitor. Each
//! fixup says which upstream gap it repairs and reports how many places it changed. When
//! generating the vendored spec ([`Strictness::Vendored`]) a fixup that changes nothing is
//! an error naming itself: upstream fixed the gap, so the fixup must go (the pattern of
//! Arnavion/k8s-openapi's `fixups/upstream_bugs.rs`). For other specs (`--spec`) a fixup
//! that does not apply is skipped.
//!
//! A construct that cannot be translated faithfully is an error naming its JSON pointer;
//! nothing is silently dropped.

use crate::HTTP_METHODS;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// How to treat a fixup that finds nothing to repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// The vendored spec: a fixup that no longer applies is an error.
    Vendored,
    /// Any other spec: a fixup that does not apply is skipped.
    Lenient,
}

/// A fixup failure: which fixup, and what went wrong where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixupError {
    pub fixup: &'static str,
    pub message: String,
}

impl fmt::Display for FixupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fixup `{}`: {}", self.fixup, self.message)
    }
}

impl std::error::Error for FixupError {}

/// What one fixup did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub fixup: &'static str,
    /// One line per change, each naming the JSON pointer it changed.
    pub changes: Vec<String>,
}

/// A named repair.
pub struct Fixup {
    pub name: &'static str,
    /// The upstream bug or generator gap it exists for.
    pub why: &'static str,
    pub apply: fn(&mut Value) -> Result<Vec<String>, String>,
    /// Whether the vendored spec must need it: such a fixup that finds nothing to repair
    /// fails ("upstream fixed it"). A general translation that the vendored spec may or
    /// may not need (it repairs a construct wherever it occurs) is not required.
    pub required: bool,
}

/// Every fixup, in the order they run.
pub const FIXUPS: &[Fixup] = &[
    Fixup {
        name: "property-names-dropped",
        why: "JSON Schema 2020-12 `propertyNames` (a schema every key of an object must \
              match; LangSmith uses `{format: uuid}` and enum `$ref`s) has no OpenAPI 3.0 \
              form and typify ignores it. Dropped, each change naming what it constrained: \
              the generated map accepts any string key (the key constraint is lost).",
        apply: property_names_dropped,
        required: false,
    },
    Fixup {
        name: "object-format-dropped",
        why: "a `format` on an object schema (LangSmith has `type: object, format: date-time` \
              with properties) means nothing to JSON Schema for objects, and typify 0.8 panics \
              on it (\"not yet implemented: invalid (or unexpected) schema\"). Dropped; \
              nothing an object can be is lost, and each change names the format.",
        apply: object_format_dropped,
        required: false,
    },
    Fixup {
        name: "prefix-items-as-items",
        why: "JSON Schema 2020-12 `prefixItems` (a tuple) has no OpenAPI 3.0 form. Becomes \
              `items`: the one schema when every position has the same one (LangSmith's \
              two-string tuples), else an `anyOf` of them; `minItems`/`maxItems` are kept. \
              Which position holds which type is lost when they differ (the change says so).",
        apply: prefix_items_as_items,
        required: false,
    },
    Fixup {
        name: "openapi-3.1-to-3.0",
        why: "progenitor 0.15 accepts only OpenAPI 3.0.x (\"invalid version: 3.1.0\"); \
              upstream publishes 3.1.0. Translates 3.1-only constructs to their 3.0 form.",
        apply: openapi_31_to_30,
        required: true,
    },
    Fixup {
        name: "synthesize-operation-ids",
        why: "progenitor requires an operationId on every operation (\"path ... is missing \
              operation ID\"); upstream publishes none. Derives one from the summary, or \
              from method and path.",
        apply: synthesize_operation_ids,
        required: true,
    },
    Fixup {
        name: "request-example-ids-are-uuids",
        why: "the hard-delete request's `example_ids` are described as \"a list of UUIDs\" \
              but typed as plain strings, so the generated type held a `String` per id \
              (an allocation each, and a type that admits non-UUIDs). Adds `format: uuid` to \
              its items, so typify generates `Vec<uuid::Uuid>`; the wire form is unchanged \
              (a UUID serializes as its canonical string).",
        apply: request_example_ids_are_uuids,
        required: true,
    },
    Fixup {
        name: "hard-deleted-example-inputs-are-null",
        why: "the hard-delete operation says it works \"by setting inputs, outputs, and \
              metadata to null\", but the `Example` schema declares `inputs` a required, \
              non-nullable object, so a hard-deleted example read back would not deserialize \
              (outputs and metadata are already nullable). Makes `Example.inputs` nullable; \
              it stays required (the key is present, its value null). It loses nothing; it \
              fails once upstream makes `inputs` nullable, or stops saying inputs are nulled.",
        apply: hard_deleted_example_inputs_are_null,
        required: true,
    },
    Fixup {
        name: "anyof-of-strings-is-a-string",
        why: "typify 0.8 cannot place a default in an `anyOf` whose branches are all strings \
              (\"type error value does not conform to the given schema\"); LangSmith's \
              `as_of` parameter is `anyOf: [{string, format: date-time}, {string}]` with \
              default \"latest\". A union that includes an unformatted string accepts every \
              string, so it is `type: string`; the formats of the other branches are lost \
              (each change names them).",
        apply: anyof_of_strings_is_a_string,
        required: false,
    },
    Fixup {
        name: "redundant-const-defaults-dropped",
        why: "a `default` equal to the only value a schema allows (`const: \"app\"` with \
              `default: \"app\"`, LangSmith's message and feedback-source tags) adds nothing \
              the type does not say, and typify 0.8 refuses it inside an untagged union \
              (\"value does not conform to the given schema\"). Dropped; an absent tag is \
              not filled in on reading, which is all that is lost.",
        apply: redundant_const_defaults_dropped,
        required: false,
    },
    Fixup {
        name: "union-defaults-dropped",
        why: "typify 0.8 cannot place a default inside a union of several types (it panics: \
              \"entered unreachable code\" in defaults.rs; LangSmith has `anyOf [integer, \
              Missing, null]` with `default: 1`). The default is dropped (each change names \
              it): the generated field stays optional and the server applies its own default \
              when it is absent.",
        apply: union_defaults_dropped,
        required: false,
    },
    Fixup {
        name: "undeclared-path-parameters-declared",
        why: "a `{name}` in a path template that no parameter declares (LangSmith's \
              `/api/v1/repos/{owner}/{repo}/...` operations declare `repo` but not `owner`) \
              makes progenitor panic (\"missing path name mapping\"). Declares it as a \
              required string path parameter, each change naming it; nothing is lost.",
        apply: undeclared_path_parameters_declared,
        required: false,
    },
    Fixup {
        name: "path-parameters-not-in-the-path-dropped",
        why: "a path parameter whose `{name}` is not in the path template cannot be sent \
              (LangSmith's `POST /v1/platform/alerts/{session_id}/test` declares \
              `alert_rule_id`), and progenitor panics on it (\"missing from path\"). Dropped, \
              each change naming it: the operation is generated for the path as documented.",
        apply: path_parameters_not_in_the_path_dropped,
        required: false,
    },
    Fixup {
        name: "nullable-header-parameters-are-optional",
        why: "an optional header parameter typed `anyOf [string, null]` (LangSmith's \
              `accept` on many operations) becomes a nullable optional in 3.0, and \
              progenitor 0.15 then generates header code that does not compile \
              (`Option<&str>::to_string`). A header cannot carry a JSON null: absent is how \
              it is left out, so `nullable` is dropped and nothing is lost.",
        apply: nullable_header_parameters_are_optional,
        required: false,
    },
    Fixup {
        name: "inline-titles-that-name-a-schema-dropped",
        why: "typify names an inline type after its `title`; LangSmith titles every property \
              (`__missing__` is titled \"Missing\"), and when a title is also the name of a \
              component schema the two generated types collide (\"the name `Missing` is \
              defined multiple times\"). Such an inline title is dropped (the inline type is \
              named from its place instead); only that documentation title is lost.",
        apply: inline_titles_that_name_a_schema_dropped,
        required: false,
    },
];

/// Runs every fixup over `doc`.
pub fn apply_all(doc: &mut Value, strictness: Strictness) -> Result<Vec<Applied>, FixupError> {
    let mut applied = Vec::new();
    for fixup in FIXUPS {
        let changes = (fixup.apply)(doc).map_err(|message| FixupError {
            fixup: fixup.name,
            message,
        })?;
        if changes.is_empty() && fixup.required && strictness == Strictness::Vendored {
            return Err(FixupError {
                fixup: fixup.name,
                message: format!(
                    "no longer applies to the vendored spec (it repairs: {}). Upstream fixed \
                     it: remove the fixup from xtask/src/fixups.rs and regenerate.",
                    fixup.why
                ),
            });
        }
        applied.push(Applied {
            fixup: fixup.name,
            changes,
        });
    }
    Ok(applied)
}

// ---------------------------------------------------------------------------------------
// openapi-3.1-to-3.0

/// JSON pointer escaping (RFC 6901).
fn ptr_push(ptr: &str, token: &str) -> String {
    format!("{ptr}/{}", token.replace('~', "~0").replace('/', "~1"))
}

fn openapi_31_to_30(doc: &mut Value) -> Result<Vec<String>, String> {
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

/// Keys whose values are data, not OpenAPI objects: never descended into.
fn is_data_key(key: &str) -> bool {
    matches!(
        key,
        "example" | "examples" | "default" | "enum" | "const" | "value"
    ) || key.starts_with("x-")
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

fn is_null_schema(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.get("type").and_then(Value::as_str) == Some("null"))
}

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

// ---------------------------------------------------------------------------------------
// request-example-ids-are-uuids

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

// ---------------------------------------------------------------------------------------
// General walks over every schema of a document

/// What [`for_each_object`] calls on each object: the object, its JSON pointer, and the
/// list of changes to add to.
type SchemaVisitor<'a> = dyn FnMut(&mut Map<String, Value>, &str, &mut Vec<String>) + 'a;

/// Calls `f(schema, pointer, changes)` on every object below `v` that is not data (not
/// under `example`, `default`, `enum`, `const`, `x-*`), depth first, children first.
fn for_each_object(v: &mut Value, ptr: &str, changes: &mut Vec<String>, f: &mut SchemaVisitor<'_>) {
    match v {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if is_data_key(key) {
                    continue;
                }
                let child_ptr = ptr_push(ptr, key);
                match (key.as_str(), child) {
                    // Maps from names to schemas: the names are not keywords.
                    ("properties" | "schemas" | "$defs" | "definitions", Value::Object(named)) => {
                        for (name, sub) in named.iter_mut() {
                            for_each_object(sub, &ptr_push(&child_ptr, name), changes, f);
                        }
                    }
                    (_, child) => for_each_object(child, &child_ptr, changes, f),
                }
            }
            f(map, ptr, changes);
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                for_each_object(item, &ptr_push(ptr, &i.to_string()), changes, f);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// property-names-dropped

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

// ---------------------------------------------------------------------------------------
// object-format-dropped

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

// ---------------------------------------------------------------------------------------
// prefix-items-as-items

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

// ---------------------------------------------------------------------------------------
// hard-deleted-example-inputs-are-null

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

// ---------------------------------------------------------------------------------------
// anyof-of-strings-is-a-string

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

// ---------------------------------------------------------------------------------------
// redundant-const-defaults-dropped

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

// ---------------------------------------------------------------------------------------
// union-defaults-dropped

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

// ---------------------------------------------------------------------------------------
// Path parameters and path templates

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

// ---------------------------------------------------------------------------------------
// nullable-header-parameters-are-optional

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

// ---------------------------------------------------------------------------------------
// inline-titles-that-name-a-schema-dropped

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

// ---------------------------------------------------------------------------------------
// synthesize-operation-ids

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
                .any(|f| f.name == "hard-deleted-example-inputs-are-null" && f.required),
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

    use super::*;
    use serde_json::json;

    fn doc31(schemas: Value) -> Value {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
               "components": {"schemas": schemas}})
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

    #[test]
    fn a_fixup_that_no_longer_applies_fails_naming_itself_when_vendored() {
        let mut d =
            json!({"openapi": "3.0.3", "info": {}, "paths": {"/a": {"get": {"operationId": "x"}}}});
        let err = apply_all(&mut d.clone(), Strictness::Vendored).unwrap_err();
        assert_eq!(err.fixup, "openapi-3.1-to-3.0");
        assert!(err.to_string().contains("no longer applies"));
        let applied = apply_all(&mut d, Strictness::Lenient).unwrap();
        assert!(applied.iter().all(|a| a.changes.is_empty()));
    }
}
