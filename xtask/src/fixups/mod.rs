//! Named, in-memory repairs that let progenitor 0.15 read a spec it would refuse.
//!
//! The vendored spec stays byte-identical to upstream; every repair happens here, on a
//! `serde_json::Value`, before the document is handed to `openapiv3`/progenitor. Each
//! fixup says which upstream gap it repairs and reports every place it changed. They live
//! by cause (the layout of Arnavion/k8s-openapi's `k8s-openapi-codegen/src/fixups/`):
//!
//! - [`translation`]: OpenAPI 3.1 constructs written in their 3.0 form (progenitor reads
//!   only 3.0); generic, nothing LangSmith-specific.
//! - [`upstream_bugs`]: places where LangSmith's document contradicts itself or the
//!   OpenAPI specification.
//! - [`generator_gaps`]: valid OpenAPI that progenitor 0.15 or typify 0.8 cannot generate.
//!
//! Every fixup must still be needed by the vendored spec, or generation fails naming it:
//! upstream fixed the cause, so the fixup must go. A repair of one upstream mistake must
//! change the spec as pruned to the client's operations ([`MustApply::ToTheClient`]); a
//! general repair, which repairs its construct wherever it occurs, must change the whole
//! vendored document at least once ([`MustApply::ToTheWholeDocument`], checked by
//! [`require_all_apply`]). For other specs (`--spec`) a fixup that does not apply is
//! skipped.
//!
//! A construct that cannot be translated faithfully is an error naming its JSON pointer;
//! nothing is silently dropped.

pub mod generator_gaps;
pub mod translation;
pub mod upstream_bugs;

pub use generator_gaps::{operation_id_for, snake_case};

use serde_json::{Map, Value};
use std::fmt;

/// How to treat a fixup that finds nothing to repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// The vendored spec, pruned to the client's operations: a
    /// [`MustApply::ToTheClient`] fixup that changes nothing is an error.
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

/// Where the vendored spec must still give a fixup something to repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MustApply {
    /// A repair of one upstream mistake at a named place: it must change the vendored
    /// spec pruned to the client's operations (`openapi/operations.txt`).
    ToTheClient,
    /// A general repair (its construct, wherever it occurs): it must change the whole
    /// vendored document at least once; the client's operations may not need it.
    ToTheWholeDocument,
}

/// A named repair.
pub struct Fixup {
    pub name: &'static str,
    /// The upstream bug or generator gap it exists for.
    pub why: &'static str,
    pub apply: fn(&mut Value) -> Result<Vec<String>, String>,
    /// Where the vendored spec must still need it (see [`MustApply`]).
    pub must_apply: MustApply,
    /// The file that defines it: where to delete it once it no longer applies.
    pub defined_in: &'static str,
}

impl Fixup {
    fn no_longer_applies(&self, to: &str) -> FixupError {
        FixupError {
            fixup: self.name,
            message: format!(
                "no longer applies to {to} (it repairs: {}). Upstream fixed it: remove the \
                 fixup from {} and regenerate.",
                self.why, self.defined_in
            ),
        }
    }
}

/// Every fixup, in the order they run: the three that remove 3.1 constructs the
/// translation would refuse (`propertyNames`, a `format` on an object, `prefixItems`)
/// before it, the repairs that read the 3.0 form (`nullable`) after it.
pub const FIXUPS: &[Fixup] = &[
    translation::PROPERTY_NAMES_DROPPED,
    generator_gaps::OBJECT_FORMAT_DROPPED,
    translation::PREFIX_ITEMS_AS_ITEMS,
    translation::OPENAPI_31_TO_30,
    generator_gaps::SYNTHESIZE_OPERATION_IDS,
    upstream_bugs::REQUEST_EXAMPLE_IDS_ARE_UUIDS,
    upstream_bugs::HARD_DELETED_EXAMPLE_INPUTS_ARE_NULL,
    upstream_bugs::RUNS_DELETE_ANSWERS_202_QUEUED,
    generator_gaps::ANYOF_OF_STRINGS_IS_A_STRING,
    generator_gaps::REDUNDANT_CONST_DEFAULTS_DROPPED,
    generator_gaps::UNION_DEFAULTS_DROPPED,
    upstream_bugs::UNDECLARED_PATH_PARAMETERS_DECLARED,
    upstream_bugs::PATH_PARAMETERS_NOT_IN_THE_PATH_DROPPED,
    generator_gaps::NULLABLE_HEADER_PARAMETERS_ARE_OPTIONAL,
    generator_gaps::INLINE_TITLES_THAT_NAME_A_SCHEMA_DROPPED,
    generator_gaps::INLINE_TITLES_SHARED_BY_DIFFERENT_TYPES_DROPPED,
];

/// Runs every fixup over `doc`.
pub fn apply_all(doc: &mut Value, strictness: Strictness) -> Result<Vec<Applied>, FixupError> {
    let mut applied = Vec::new();
    for fixup in FIXUPS {
        let changes = (fixup.apply)(doc).map_err(|message| FixupError {
            fixup: fixup.name,
            message,
        })?;
        if changes.is_empty()
            && fixup.must_apply == MustApply::ToTheClient
            && strictness == Strictness::Vendored
        {
            return Err(fixup.no_longer_applies("the vendored spec's client operations"));
        }
        applied.push(Applied {
            fixup: fixup.name,
            changes,
        });
    }
    Ok(applied)
}

/// Runs every fixup over a copy of the whole vendored document (before pruning) and fails
/// naming the first [`MustApply::ToTheWholeDocument`] fixup that changes nothing in it:
/// a general repair the document no longer needs anywhere. Returns what each one did.
pub fn require_all_apply(whole: &Value) -> Result<Vec<Applied>, FixupError> {
    let mut doc = whole.clone();
    let applied = apply_all(&mut doc, Strictness::Lenient)?;
    for (fixup, done) in FIXUPS.iter().zip(&applied) {
        if fixup.must_apply == MustApply::ToTheWholeDocument && done.changes.is_empty() {
            return Err(fixup.no_longer_applies("the whole vendored document"));
        }
    }
    Ok(applied)
}

// ---------------------------------------------------------------------------------------
// Shared by the fixups: JSON pointers and walks over a document's schemas

/// JSON pointer escaping (RFC 6901).
fn ptr_push(ptr: &str, token: &str) -> String {
    format!("{ptr}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// Keys whose values are data, not OpenAPI objects: never descended into.
fn is_data_key(key: &str) -> bool {
    matches!(
        key,
        "example" | "examples" | "default" | "enum" | "const" | "value"
    ) || key.starts_with("x-")
}

fn is_null_schema(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.get("type").and_then(Value::as_str) == Some("null"))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fixup_that_no_longer_applies_fails_naming_itself_when_vendored() {
        let mut d =
            json!({"openapi": "3.0.3", "info": {}, "paths": {"/a": {"get": {"operationId": "x"}}}});
        // The general ones (the 3.1 translation first) are not asked of the client's
        // operations; the first repair of an upstream mistake is.
        let err = apply_all(&mut d.clone(), Strictness::Vendored).unwrap_err();
        assert_eq!(err.fixup, "request-example-ids-are-uuids");
        let message = err.to_string();
        assert!(message.contains("no longer applies"), "{message}");
        assert!(message.contains("upstream_bugs.rs"), "{message}");
        let applied = apply_all(&mut d, Strictness::Lenient).unwrap();
        assert!(applied.iter().all(|a| a.changes.is_empty()));
    }

    #[test]
    fn a_general_fixup_the_whole_document_no_longer_needs_fails_naming_itself() {
        // Everything but `propertyNames`: the first general fixup finds nothing.
        let d = json!({"openapi": "3.1.0", "info": {}, "paths": {"/a": {"get": {}}}});
        let err = require_all_apply(&d).unwrap_err();
        assert_eq!(err.fixup, "property-names-dropped");
        let message = err.to_string();
        assert!(
            message.contains("no longer applies to the whole vendored document"),
            "{message}"
        );
        assert!(message.contains("translation.rs"), "{message}");
        // Each fixup's own absence is named: with `propertyNames` there, the next one.
        let d = json!({"openapi": "3.1.0", "info": {}, "paths": {"/a": {"get": {}}},
            "components": {"schemas": {"M": {"type": "object", "propertyNames": {"format": "uuid"}}}}});
        assert_eq!(
            require_all_apply(&d).unwrap_err().fixup,
            "object-format-dropped"
        );
    }

    #[test]
    fn every_fixup_is_still_needed_by_the_vendored_spec() {
        let root = crate::workspace_root();
        let text = std::fs::read_to_string(root.join(crate::VENDORED_SPEC)).unwrap();
        let whole: Value = serde_json::from_str(&text).unwrap();
        let applied = require_all_apply(&whole).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(applied.len(), FIXUPS.len());
        for (fixup, done) in FIXUPS.iter().zip(&applied) {
            assert_eq!(fixup.name, done.fixup);
            assert!(
                !done.changes.is_empty(),
                "{} changes nothing in {}",
                fixup.name,
                crate::VENDORED_SPEC
            );
        }
        // The client's: those that must apply to it do.
        let list =
            crate::read_operation_list(&root.join(crate::OPERATION_LIST), crate::OPERATION_LIST)
                .unwrap();
        let (mut client, _) = crate::prune::prune(&whole, &list).unwrap();
        apply_all(&mut client, Strictness::Vendored).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn every_fixup_names_the_file_that_defines_it() {
        for fixup in FIXUPS {
            let path = crate::workspace_root().join(fixup.defined_in);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", fixup.name, path.display()));
            assert!(
                text.contains(&format!("name: \"{}\",", fixup.name)),
                "{} is not defined in {}",
                fixup.name,
                fixup.defined_in
            );
        }
    }
}
