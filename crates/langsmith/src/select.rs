//! The client's own check of a listed example against the selectors: the server's word
//! that a row matches is not enough for an irreversible deletion.
//!
//! What is re-checked, and by which rule (each documented on [`Exclusion`]):
//! - `dataset`: the row's `dataset_id` is the queried dataset.
//! - `ids`: the row's id is one of the queried ids.
//! - `contains`: each term occurs in one string value or key of the row's `inputs` or
//!   `outputs`, compared after [`fold`] (Unicode NFKC, lower case, runs of white space as
//!   one space) on both sides.
//! - `metadata`: the row's metadata contains the queried object, as PostgreSQL's
//!   `jsonb @>` decides (objects key by key, recursively; each element of a queried array
//!   in some element of the row's array; other values equal).
//! - `splits`: the row's `metadata.dataset_split` (a string or an array of strings, where
//!   LangSmith keeps an example's splits) names one of the queried splits.
//!
//! What cannot be re-checked is the server's word, and says so
//! ([`ExampleQuery::server_evaluated`](crate::ExampleQuery::server_evaluated)): `filter`
//! (LangSmith's filter language) and `as_of` (which version is listed).

use langsmith_api::types::Example;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

/// Why a listed example was kept out of a selection: the selector it failed. An excluded
/// example is never to be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Exclusion {
    /// Its `dataset_id` is not the queried dataset.
    DatasetMismatch,
    /// Its id is not one of the queried ids.
    IdMismatch,
    /// A `contains` term occurs in no string value or key of its inputs or outputs (an
    /// answer that left out `outputs` proves nothing about them: the term must be found
    /// in what the answer carried).
    TextNotFound,
    /// Its metadata does not contain the queried metadata (or the answer left it out).
    MetadataMismatch,
    /// Its `metadata.dataset_split` names none of the queried splits.
    SplitMismatch,
}

impl Exclusion {
    /// Every exclusion, in a fixed order (for tallies).
    pub const ALL: [Exclusion; 5] = [
        Exclusion::DatasetMismatch,
        Exclusion::IdMismatch,
        Exclusion::TextNotFound,
        Exclusion::MetadataMismatch,
        Exclusion::SplitMismatch,
    ];

    /// `dataset_mismatch`, `id_mismatch`, `text_not_found`, `metadata_mismatch`,
    /// `split_mismatch`: stable names for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::DatasetMismatch => "dataset_mismatch",
            Exclusion::IdMismatch => "id_mismatch",
            Exclusion::TextNotFound => "text_not_found",
            Exclusion::MetadataMismatch => "metadata_mismatch",
            Exclusion::SplitMismatch => "split_mismatch",
        }
    }

    /// The selector it failed, as the command line names it.
    pub fn selector(self) -> &'static str {
        match self {
            Exclusion::DatasetMismatch => "dataset",
            Exclusion::IdMismatch => "ids",
            Exclusion::TextNotFound => "contains",
            Exclusion::MetadataMismatch => "metadata",
            Exclusion::SplitMismatch => "split",
        }
    }
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a listing, as the client judged it. Deliberately exhaustive: a new kind
/// of row must be handled by every caller, never fall into a catch-all.
#[derive(Debug)]
pub enum Listed {
    /// It passed every selector the answer can prove.
    Selected(Example),
    /// It failed one: the server listed it, but it is not what was asked for.
    Excluded {
        /// The row as listed.
        example: Example,
        /// The first selector it failed.
        reason: Exclusion,
    },
    /// Its id was listed before (offset paging shifted under a concurrent change); it
    /// was judged the first time.
    Repeated(Uuid),
}

impl Listed {
    /// The id of the row.
    pub fn id(&self) -> Uuid {
        match self {
            Listed::Selected(e) | Listed::Excluded { example: e, .. } => e.id,
            Listed::Repeated(id) => *id,
        }
    }

    /// The example, when it passed every check.
    pub fn selected(&self) -> Option<&Example> {
        match self {
            Listed::Selected(e) => Some(e),
            Listed::Excluded { .. } | Listed::Repeated(_) => None,
        }
    }
}

/// What [`Client::select`](crate::Client::select) found: the ids to act on, and what the
/// server listed that failed the client's check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selection {
    /// Unique ids that passed every check, in listing order.
    pub selected: Vec<Uuid>,
    /// Unique ids the server listed that failed a check (never to be acted on), with the
    /// check, in listing order.
    pub excluded: Vec<(Uuid, Exclusion)>,
    /// The server's count of the query, before listing.
    pub counted: u64,
    /// Rows listed again (offset paging shifted under a concurrent change).
    pub repeated: u64,
}

/// The most ids a server's count may make the client allocate room for at once: the count
/// is the server's word, so past this the lists grow as ids actually arrive.
const MAX_PRESIZED: u64 = 1 << 20;

/// Room to allocate up front for a listing the server counted `counted`.
pub(crate) fn presized(counted: u64) -> usize {
    counted.min(MAX_PRESIZED) as usize
}

impl Selection {
    /// An empty selection of a query the server counted `counted`.
    pub fn new(counted: u64) -> Self {
        Selection {
            selected: Vec::with_capacity(presized(counted)),
            counted,
            ..Selection::default()
        }
    }

    /// Takes in one row of the listing.
    pub fn push(&mut self, row: &Listed) {
        match row {
            Listed::Selected(e) => self.selected.push(e.id),
            Listed::Excluded { example, reason } => self.excluded.push((example.id, *reason)),
            Listed::Repeated(_) => self.repeated += 1,
        }
    }

    /// Unique ids the server listed, selected or excluded.
    pub fn listed(&self) -> u64 {
        (self.selected.len() + self.excluded.len()) as u64
    }
}

/// Folds text for comparison: Unicode NFKC, lower case, each run of white space as one
/// space. ASCII text without upper case or unusual white space is returned as is.
pub fn fold(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        let plain = text
            .bytes()
            .all(|b| !b.is_ascii_uppercase() && (b == b' ' || !b.is_ascii_whitespace()))
            && !text.contains("  ");
        if plain {
            return Cow::Borrowed(text);
        }
        // ASCII is its own NFKC form: lower-case it and collapse white space, byte by byte.
        let mut out = String::with_capacity(text.len());
        let mut space = false;
        for b in text.bytes() {
            if b.is_ascii_whitespace() {
                if !space {
                    out.push(' ');
                }
                space = true;
            } else {
                out.push(char::from(b.to_ascii_lowercase()));
                space = false;
            }
        }
        return Cow::Owned(out);
    }
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkc().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    Cow::Owned(out)
}

/// The terms of a `contains` selector, folded once.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Terms(Vec<String>);

impl Terms {
    pub(crate) fn new(terms: &[String]) -> Self {
        Terms(terms.iter().map(|t| fold(t).into_owned()).collect())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every term occurs in some string value or key of `docs`.
    pub(crate) fn all_found(&self, docs: &[Option<&Map<String, Value>>]) -> bool {
        let mut missing: Vec<&str> = self.0.iter().map(String::as_str).collect();
        for doc in docs.iter().flatten() {
            for (k, v) in doc.iter() {
                strike(&mut missing, k);
                walk(v, &mut missing);
                if missing.is_empty() {
                    return true;
                }
            }
        }
        missing.is_empty()
    }
}

/// Whether `term` (folded) occurs in a string value or key of `v`, anywhere in it.
pub(crate) fn holds(term: &str, v: &Value) -> bool {
    let mut missing = vec![term];
    walk(v, &mut missing);
    missing.is_empty()
}

/// Removes the terms `text` contains.
fn strike(missing: &mut Vec<&str>, text: &str) {
    if missing.is_empty() {
        return;
    }
    let folded = fold(text);
    missing.retain(|t| !folded.contains(t));
}

fn walk(v: &Value, missing: &mut Vec<&str>) {
    match v {
        Value::String(s) => strike(missing, s),
        Value::Array(a) => {
            for x in a {
                if missing.is_empty() {
                    return;
                }
                walk(x, missing);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                if missing.is_empty() {
                    return;
                }
                strike(missing, k);
                walk(x, missing);
            }
        }
        _ => {}
    }
}

/// Whether `have` contains `want`, as PostgreSQL's `jsonb @>` decides.
pub(crate) fn contains_json(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| h.get(k).is_some_and(|hv| contains_json(hv, wv))),
        (Value::Array(h), Value::Array(w)) => {
            w.iter().all(|wv| h.iter().any(|hv| contains_json(hv, wv)))
        }
        // A scalar array contains a primitive of it (jsonb's special case).
        (Value::Array(h), w) if !w.is_object() && !w.is_array() => h.iter().any(|hv| hv == w),
        (h, w) => h == w,
    }
}

/// Whether `metadata.dataset_split` names one of `splits`.
pub(crate) fn in_split(metadata: Option<&Map<String, Value>>, splits: &[String]) -> bool {
    match metadata.and_then(|m| m.get("dataset_split")) {
        Some(Value::String(s)) => splits.iter().any(|w| w == s),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .any(|s| splits.iter().any(|w| w == s)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("an object"),
        }
    }

    fn found(terms: &[&str], inputs: Value, outputs: Option<Value>) -> bool {
        let terms = Terms::new(&terms.iter().map(|t| t.to_string()).collect::<Vec<_>>());
        let i = obj(inputs);
        let o = outputs.map(obj);
        terms.all_found(&[Some(&i), o.as_ref()])
    }

    #[test]
    fn text_is_found_in_nested_values_keys_and_outputs() {
        assert!(found(
            &["jane.doe@example.com"],
            json!({"messages": [{"role": "user", "content": "I am Jane.Doe@Example.com"}]}),
            None
        ));
        assert!(found(
            &["jane.doe@example.com"],
            json!({"x": 1}),
            Some(json!({"answer": {"to": ["jane.doe@example.com"]}}))
        ));
        // A key holding the text (a map keyed by email address).
        assert!(found(
            &["jane.doe@example.com"],
            json!({"by_user": {"jane.doe@example.com": 3}}),
            None
        ));
        // Every term, each anywhere.
        assert!(found(
            &["jane", "berlin"],
            json!({"a": "Jane", "b": {"c": "Berlin"}}),
            None
        ));
        assert!(!found(
            &["jane", "paris"],
            json!({"a": "Jane", "b": "Berlin"}),
            None
        ));
        // Numbers and booleans are not text.
        assert!(!found(&["42"], json!({"n": 42}), None));
        assert!(!found(
            &["jane"],
            json!({"a": "john"}),
            Some(json!({"b": "joe"}))
        ));
    }

    #[test]
    fn escaped_json_is_compared_as_the_text_it_denotes() {
        // `\u002e` is a full stop and `\u0040` an at sign once the JSON is read.
        let inputs: Value =
            serde_json::from_str(r#"{"q": "mail jane\u002edoe\u0040example.com"}"#).unwrap();
        assert!(found(&["jane.doe@example.com"], inputs, None));
        // JSON text inside a string value is text: its quotes and escapes stay.
        assert!(found(
            &["jane.doe@example.com"],
            json!({"raw": "{\"email\": \"jane.doe@example.com\"}"}),
            None
        ));
    }

    #[test]
    fn non_ascii_text_is_folded_on_both_sides() {
        // Composed and decomposed forms, and case beyond ASCII.
        assert!(found(&["Zoë"], json!({"name": "ZOE\u{0308} Müller"}), None));
        assert!(found(&["MÜLLER"], json!({"name": "zoë müller"}), None));
        // Compatibility forms (full-width letters, the ﬁ ligature).
        assert!(found(&["jane"], json!({"name": "ＪＡＮＥ"}), None));
        assert!(found(&["file"], json!({"name": "the ﬁle"}), None));
        // White space runs, tabs and newlines compare as one space.
        assert!(found(&["jane doe"], json!({"name": "Jane \t\n Doe"}), None));
        assert!(!found(&["jane doe"], json!({"name": "janedoe"}), None));
        assert_eq!(fold("plain text"), Cow::Borrowed("plain text"));
    }

    #[test]
    fn metadata_containment_is_jsonb_containment() {
        let have = json!({"user": "jane", "tags": ["a", "b"], "n": {"x": 1, "y": 2}});
        assert!(contains_json(&have, &json!({"user": "jane"})));
        assert!(contains_json(&have, &json!({"n": {"x": 1}})));
        assert!(contains_json(&have, &json!({"tags": ["b"]})));
        assert!(!contains_json(&have, &json!({"user": "john"})));
        assert!(!contains_json(&have, &json!({"tags": ["c"]})));
        assert!(!contains_json(&have, &json!({"n": {"x": 2}})));
        assert!(!contains_json(&have, &json!({"missing": null})));
        assert!(!contains_json(&have, &json!({"n": 1})));
    }

    #[test]
    fn splits_are_read_as_string_or_array() {
        let want = vec!["test".to_string()];
        assert!(in_split(
            Some(&obj(json!({"dataset_split": ["train", "test"]}))),
            &want
        ));
        assert!(in_split(
            Some(&obj(json!({"dataset_split": "test"}))),
            &want
        ));
        assert!(!in_split(
            Some(&obj(json!({"dataset_split": ["train"]}))),
            &want
        ));
        assert!(!in_split(Some(&obj(json!({}))), &want));
        assert!(!in_split(None, &want));
    }
}
