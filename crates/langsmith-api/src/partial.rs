//! Runs as a query answers them: only the properties the query selected.
//!
//! Both runs queries let the caller choose the properties of each run (`select` on
//! `POST /api/v1/runs/query`, `selects` on `POST /v2/runs/query`), and the v2 contract
//! says a run then carries exactly those ("Properties not listed are omitted from each
//! run object"). The spec's run schemas cannot describe that: v1's `RunSchema` requires
//! `name`, `run_type`, `dotted_order`, `status` and `app_path` whatever was selected, so a
//! server that answers only the selected fields fails to decode into it. `cargo xtask
//! generate` therefore replaces both run schemas with [`PartialRun`] (progenitor's
//! `with_replacement`; the list and its reasons are `xtask::REPLACEMENTS`): the answer's
//! envelope (`runs` and `cursors`, `items`, `has_more` and `next_cursor`) is decoded as the
//! spec says, and each run is kept as the object the server sent, for the caller to decode
//! into a type holding exactly what it selected ([`PartialRun::decode`]). A property the
//! caller needs is then required by the caller's type, and one it did not select is
//! never read.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One run of a runs query's answer: the properties the server sent, undecoded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartialRun(Map<String, Value>);

impl PartialRun {
    /// Decodes the run into `T`, a type holding the properties the query selected (and
    /// requiring those the caller needs). Properties `T` does not name are ignored.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.0)
    }

    /// Decodes the run into `T` as [`PartialRun::decode`] does, consuming it: what `T`
    /// holds is moved out of the run rather than copied (a page of runs with their
    /// content is then held once, not twice, while it is decoded).
    pub fn into_decoded<T: DeserializeOwned>(self) -> Result<T, serde_json::Error> {
        T::deserialize(Value::Object(self.0))
    }

    /// The names of the properties the server sent.
    pub fn properties(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl From<Map<String, Value>> for PartialRun {
    fn from(map: Map<String, Value>) -> Self {
        PartialRun(map)
    }
}

impl JsonSchema for PartialRun {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PartialRun".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "A run with only the properties its query selected (see langsmith_api::partial)."
        })
    }
}

/// An object the client reads only a few properties of (a rule, a bulk export): kept as
/// the server sent it, decoded by the caller into a type holding exactly what it uses
/// ([`PartialObject::decode`]). The spec's schemas for these require properties (a
/// rule's `evaluator_version`, an export's `finished_at`) and name enums the client never
/// reads; a listing that lists them for warnings must not fail on one of those.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartialObject(Map<String, Value>);

impl PartialObject {
    /// Decodes the object into `T`; properties `T` does not name are ignored.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.0)
    }
}

impl JsonSchema for PartialObject {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PartialObject".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "An object the client reads only some properties of (see langsmith_api::partial)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Picked {
        id: uuid::Uuid,
        reference_example_id: Option<uuid::Uuid>,
    }

    #[test]
    fn decodes_what_was_selected_and_ignores_the_rest() {
        let run: PartialRun = serde_json::from_str(
            r#"{"id":"018e4c7e-a9fb-7ef0-a5b6-6ea3a82e9327","status":{"not":"an enum"}}"#,
        )
        .unwrap();
        let picked: Picked = run.decode().unwrap();
        assert_eq!(picked.reference_example_id, None);
        assert_eq!(run.properties().collect::<Vec<_>>(), ["id", "status"]);
    }

    #[test]
    fn a_needed_property_left_out_is_an_error_naming_it() {
        let run: PartialRun = serde_json::from_str(r#"{"reference_example_id":null}"#).unwrap();
        let e = run.decode::<Picked>().unwrap_err().to_string();
        assert!(e.contains("missing field `id`"), "{e}");
    }
}
