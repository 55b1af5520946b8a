//! The query-parameter policy, as FastAPI (LangSmith's framework) applies it, plus the
//! stand-in's own rule for what it cannot do:
//!
//! - a parameter the spec does **not declare** for the operation is ignored, as FastAPI
//!   ignores it (the official SDKs always send the undeclared `inline_s3_urls` on
//!   `GET /examples`); each request records the names it ignored
//!   ([`crate::RecordedRequest::ignored_params`]) and `serve -v` logs them;
//! - a **declared** parameter is read and validated per its schema (422, in
//!   [`crate::read`]) and then either applied or **refused with a 400 naming it**
//!   ([`refuse_unapplied`]): the stand-in never pretends to filter by something it does
//!   not filter by.
//!
//! [`POLICY`] says, for every query parameter the vendored spec declares on an operation
//! the stand-in serves, whether it is applied or why it is refused; a unit test fails when
//! the spec declares one the table does not decide.

use crate::answer::Answer;
use crate::spec::{self, ReadOperation};
use serde_json::{Map, Value, json};

/// What the stand-in does with a field or query parameter the spec declares (or a value
/// of `selects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Applied (values the stand-in cannot honour are refused by the handler, naming them:
    /// `order=random`, an `as_of` version tag, `include_stats=true`).
    Applied,
    /// Refused with a 400 naming the parameter, for this reason.
    Refused(&'static str),
}

use Use::{Applied, Refused};

/// Per served operation (the spec's path), each declared query parameter's use.
pub(crate) const POLICY: &[(&str, &[(&str, Use)])] = &[
    (
        spec::LIST_EXAMPLES_PATH,
        &[
            ("id", Applied),
            ("as_of", Applied),
            ("metadata", Applied),
            ("full_text_contains", Applied),
            ("splits", Applied),
            ("dataset", Applied),
            ("offset", Applied),
            ("limit", Applied),
            ("order", Applied),
            (
                "random_seed",
                Refused("it seeds order=random, which the stand-in does not serve"),
            ),
            ("select", Applied),
            ("descending", Applied),
            ("filter", Applied),
        ],
    ),
    (
        spec::COUNT_EXAMPLES_PATH,
        &[
            ("id", Applied),
            ("as_of", Applied),
            ("metadata", Applied),
            ("full_text_contains", Applied),
            ("splits", Applied),
            ("dataset", Applied),
            ("filter", Applied),
        ],
    ),
    (
        spec::READ_EXAMPLE_PATH,
        &[("as_of", Applied), ("dataset", Applied)],
    ),
    (
        spec::LIST_DATASETS_PATH,
        &[
            ("id", Applied),
            ("data_type", Applied),
            ("name", Applied),
            ("name_contains", Applied),
            ("metadata", Applied),
            ("offset", Applied),
            ("limit", Applied),
            ("sort_by", Applied),
            ("sort_by_desc", Applied),
            // The stand-in's datasets carry no tags and none is a corrections dataset:
            // applied, a tag matches none and the exclusion removes none.
            ("tag_value_id", Applied),
            ("exclude_corrections_datasets", Applied),
            ("exclude", Applied),
        ],
    ),
    (spec::READ_DATASET_PATH, &[]),
    (spec::INFO_PATH, &[]),
    (
        spec::SESSIONS_PATH,
        &[
            // A workspace's sessions: its `default` project (no dataset) and its
            // experiments (each with its dataset); see `side::sessions` for the sorts.
            ("reference_free", Applied),
            ("reference_dataset", Applied),
            ("id", Applied),
            ("name", Applied),
            ("name_contains", Applied),
            (
                "dataset_version",
                Refused("the stand-in keeps no experiments over dataset versions"),
            ),
            ("sort_by", Applied),
            ("sort_by_desc", Applied),
            ("metadata", Applied),
            (
                "sort_by_feedback_key",
                Refused("the stand-in keeps no feedback"),
            ),
            (
                "sort_by_feedback_source",
                Refused("the stand-in keeps no feedback"),
            ),
            ("offset", Applied),
            ("limit", Applied),
            (
                "tag_value_id",
                Refused("the stand-in keeps no tags on sessions"),
            ),
            ("facets", Refused("the stand-in computes no facets")),
            (
                "filter",
                Refused("the stand-in does not filter sessions by expression"),
            ),
            ("include_stats", Applied),
            // With `include_stats=true`: `crate::runs::session_stats`, exact, over all of
            // a session's runs, every stat.
            (
                "use_approx_stats",
                Refused("the stand-in computes exact stats only"),
            ),
            (
                "stats_start_time",
                Refused("the stand-in computes stats over all of a session's runs"),
            ),
            (
                "stats_select",
                Refused("the stand-in computes every stat or none"),
            ),
            (
                "stats_filter",
                Refused("the stand-in computes stats over all of a session's runs"),
            ),
        ],
    ),
];

/// The use of the declared query parameter `name` of the operation at `path`; one the
/// table does not name (the spec grew) is refused.
pub(crate) fn use_of(path: &str, name: &str) -> Use {
    POLICY
        .iter()
        .find(|(p, _)| *p == path)
        .and_then(|(_, table)| table.iter().find(|(n, _)| *n == name))
        .map_or(
            Refused("the stand-in has not been taught this parameter"),
            |(_, u)| *u,
        )
}

/// The names in `query` the spec does not declare as query parameters of `op`, once each,
/// in order of appearance: ignored, as FastAPI ignores them.
pub(crate) fn undeclared(op: &ReadOperation, query: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, _) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let declared = op.parameter(&k).is_some_and(|p| p.location == "query");
        if !declared && !out.iter().any(|o| *o == k) {
            out.push(k.into_owned());
        }
    }
    out
}

/// A 400 naming the first declared parameter in `q` the stand-in does not apply.
pub(crate) fn refuse_unapplied(op: &ReadOperation, q: &Map<String, Value>) -> Result<(), Answer> {
    for name in q.keys() {
        if let Refused(why) = use_of(op.path, name) {
            return Err((
                400,
                json!({"detail": format!(
                    "query parameter `{name}`: declared by the spec for GET {}, but not supported by the stand-in ({why}); leave it out",
                    op.path
                )}),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_decides_every_declared_query_parameter_and_names_only_declared_ones() {
        for path in spec::READ_PATHS {
            let op = spec::read_operation(path);
            let table = POLICY
                .iter()
                .find(|(p, _)| *p == path)
                .unwrap_or_else(|| panic!("POLICY has no entry for {path}"))
                .1;
            for p in op.parameters.iter().filter(|p| p.location == "query") {
                assert!(
                    table.iter().any(|(n, _)| *n == p.name),
                    "{path}: the spec declares `{}`, which POLICY does not decide",
                    p.name
                );
            }
            for (n, _) in table {
                assert!(
                    op.parameter(n).is_some_and(|p| p.location == "query"),
                    "{path}: POLICY names `{n}`, which the spec does not declare"
                );
            }
        }
        assert_eq!(POLICY.len(), spec::READ_PATHS.len());
    }

    #[test]
    fn undeclared_names_are_listed_once_and_refusals_name_the_parameter() {
        let op = spec::read_operation(spec::LIST_EXAMPLES_PATH);
        assert_eq!(
            undeclared(
                op,
                Some(
                    "inline_s3_urls=true&limit=5&inline_s3_urls=false&exclude_default_fields=true"
                )
            ),
            ["inline_s3_urls", "exclude_default_fields"]
        );
        assert!(undeclared(op, None).is_empty());
        let mut q = Map::new();
        q.insert("limit".into(), json!(5));
        assert!(refuse_unapplied(op, &q).is_ok());
        q.insert("random_seed".into(), json!(0.5));
        let (status, body) = refuse_unapplied(op, &q).unwrap_err();
        assert_eq!(status, 400);
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("`random_seed`"), "{detail}");
        assert_eq!(
            use_of(spec::SESSIONS_PATH, "not-in-the-table"),
            Refused("the stand-in has not been taught this parameter")
        );
    }
}
