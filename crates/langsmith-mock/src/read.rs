//! The read operations: list, count and read examples, list and read datasets. Query
//! parameters are read per the spec's declarations and validated with `jsonschema`
//! against the parameter schemas of the vendored document (a violation is FastAPI's 422
//! shape); a parameter the spec does not declare is ignored, as FastAPI ignores it, and a
//! declared one the stand-in does not apply is refused by name (see [`crate::params`]).
//!
//! The `filter` parameter accepts a documented subset of LangSmith's filter language
//! (see [`Filter`]); anything else is a 400 naming what is not supported.

use crate::answer::Answer;
use crate::faults::{EndlessPages, Lies};
use crate::spec::{self, Parameter, ReadOperation, Scalar, Shape};
use crate::store::{Content, Store, example_name};
use crate::time::{parse_as_of_time_us, rfc3339, rfc3339_us};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

fn validation_error(name: &str, location: &str, msg: &str, kind: &str) -> Answer {
    (
        422,
        json!({"detail": [{"loc": [location, name], "msg": msg, "type": kind}]}),
    )
}

fn bad_request(msg: String) -> Answer {
    (400, json!({ "detail": msg }))
}

/// Query parameters read per the spec: name -> JSON value (arrays for array-shaped ones).
pub(crate) fn read_query(
    op: &ReadOperation,
    query: Option<&str>,
) -> Result<Map<String, Value>, Answer> {
    let mut raw: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        raw.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    let mut out = Map::new();
    for (name, values) in raw {
        let Some(p) = op.parameter(&name).filter(|p| p.location == "query") else {
            // Undeclared: ignored, as FastAPI does (recorded by `params::undeclared`).
            continue;
        };
        let value = match p.shape {
            Shape::Array(item) => Value::Array(values.iter().map(|v| scalar(item, v)).collect()),
            Shape::One(one) => {
                if values.len() > 1 {
                    return Err(validation_error(
                        &name,
                        "query",
                        "given more than once, but not an array",
                        "value_error",
                    ));
                }
                scalar(one, &values[0])
            }
        };
        check(p, &value)?;
        out.insert(name, value);
    }
    Ok(out)
}

/// A path parameter, validated.
pub(crate) fn read_path_parameter(
    op: &ReadOperation,
    name: &str,
    raw: &str,
) -> Result<Value, Answer> {
    let p = op.parameter(name).expect("a declared path parameter");
    let v = scalar(
        match p.shape {
            Shape::One(s) | Shape::Array(s) => s,
        },
        raw,
    );
    check(p, &v)?;
    Ok(v)
}

fn check(p: &Parameter, value: &Value) -> Result<(), Answer> {
    if let Some(v) = spec::parameter_violations(p, value).into_iter().next() {
        return Err(validation_error(
            &p.name,
            &p.location,
            &v.message,
            "value_error",
        ));
    }
    Ok(())
}

/// A query string value as the JSON type the spec declares; left a string when it does
/// not read as one (so validation names the type error).
fn scalar(kind: Scalar, raw: &str) -> Value {
    match kind {
        Scalar::Integer => raw
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| raw.into()),
        Scalar::Number => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| raw.into()),
        // As pydantic (FastAPI) reads a boolean: Python's `requests` sends `True`.
        Scalar::Boolean => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Value::Bool(true),
            "false" | "0" | "no" | "off" | "f" | "n" => Value::Bool(false),
            _ => raw.into(),
        },
        Scalar::String => raw.into(),
    }
}

// ---------------------------------------------------------------------------------------
// The filter language (a documented subset of LangSmith's)

/// A parsed `filter` expression. The stand-in supports:
///
/// - `and(F, F, ...)`, `or(F, F, ...)`, `not(F)`
/// - `eq(id, "UUID")`, `neq(id, "UUID")`, `eq(name, "#0123")`, `neq(name, "...")`
/// - `exists(metadata, "key")`: the metadata holds the key
/// - `has(metadata, '{"key": value}')`: the metadata holds every key with that value
///
/// Strings are single- or double-quoted. Anything else is refused with a 400 naming it.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Eq(Field, String),
    Neq(Field, String),
    Exists(String),
    Has(Map<String, Value>),
}

/// A column `eq`/`neq` compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Name,
}

#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Call(String, Vec<Arg>, usize),
    Ident(String, usize),
    Str(String, usize),
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err<T>(&self, at: usize, what: impl std::fmt::Display) -> Result<T, String> {
        Err(format!("filter: at character {}: {what}", at + 1))
    }

    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.text[self.pos..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
        }
    }

    fn arg(&mut self) -> Result<Arg, String> {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.text[self.pos..];
        if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let body = &rest[1..];
            let Some(end) = body.find(q) else {
                return self.err(start, "unterminated string");
            };
            self.pos += 1 + end + 1;
            return Ok(Arg::Str(body[..end].to_owned(), start));
        }
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if n == 0 {
            return self.err(start, "expected a function, a column or a string");
        }
        let ident = rest[..n].to_owned();
        self.pos += n;
        self.skip_ws();
        if !self.text[self.pos..].starts_with('(') {
            return Ok(Arg::Ident(ident, start));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.text[self.pos..].starts_with(')') {
            self.pos += 1;
            return Ok(Arg::Call(ident, args, start));
        }
        loop {
            args.push(self.arg()?);
            self.skip_ws();
            match self.text[self.pos..].chars().next() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Arg::Call(ident, args, start));
                }
                _ => return self.err(self.pos, "expected `,` or `)`"),
            }
        }
    }
}

impl Filter {
    /// Parses a filter expression; the error names the character and what is wrong.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut p = Parser { text, pos: 0 };
        let arg = p.arg()?;
        p.skip_ws();
        if p.pos != text.len() {
            return p.err(p.pos, "unexpected text after the expression");
        }
        Self::from_arg(&p, arg)
    }

    fn from_arg(p: &Parser, arg: Arg) -> Result<Filter, String> {
        let (name, args, at) = match arg {
            Arg::Call(n, a, at) => (n, a, at),
            Arg::Ident(i, at) | Arg::Str(i, at) => {
                return p.err(
                    at,
                    format!("expected a function such as eq(...), got {i:?}"),
                );
            }
        };
        let string = |a: &Arg| match a {
            Arg::Str(s, _) => Ok(s.clone()),
            Arg::Ident(s, at) | Arg::Call(s, _, at) => {
                p.err(*at, format!("expected a quoted string, got {s:?}"))
            }
        };
        // A column is named bare (`metadata`) or quoted (`"metadata"`: LangSmith takes
        // both; the SDK's own `test_list_examples` sends the quoted form).
        let column = |a: &Arg| -> Result<String, String> {
            match a {
                Arg::Ident(s, _) | Arg::Str(s, _) => Ok(s.clone()),
                Arg::Call(s, _, at) => p.err(*at, format!("expected a column name, got {s:?}")),
            }
        };
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                p.err(
                    at,
                    format!("{name}() takes {n} arguments, got {}", args.len()),
                )
            }
        };
        Ok(match name.as_str() {
            "and" | "or" => {
                if args.is_empty() {
                    return p.err(at, format!("{name}() needs at least one argument"));
                }
                let fs = args
                    .into_iter()
                    .map(|a| Self::from_arg(p, a))
                    .collect::<Result<Vec<_>, _>>()?;
                if name == "and" {
                    Filter::And(fs)
                } else {
                    Filter::Or(fs)
                }
            }
            "not" => {
                arity(1)?;
                Filter::Not(Box::new(Self::from_arg(
                    p,
                    args.into_iter().next().expect("one"),
                )?))
            }
            "eq" | "neq" => {
                arity(2)?;
                let field = match column(&args[0])?.as_str() {
                    "id" => Field::Id,
                    "name" => Field::Name,
                    other => {
                        return p.err(
                            at,
                            format!("{name}() on column {other:?} is not supported by the stand-in (only id and name)"),
                        );
                    }
                };
                let v = string(&args[1])?;
                if name == "eq" {
                    Filter::Eq(field, v)
                } else {
                    Filter::Neq(field, v)
                }
            }
            "exists" | "has" => {
                arity(2)?;
                let col = column(&args[0])?;
                if col != "metadata" {
                    return p.err(
                        at,
                        format!("{name}() on column {col:?} is not supported by the stand-in (only metadata)"),
                    );
                }
                let v = string(&args[1])?;
                if name == "exists" {
                    Filter::Exists(v)
                } else {
                    match serde_json::from_str::<Value>(&v) {
                        Ok(Value::Object(m)) => Filter::Has(m),
                        _ => {
                            return p.err(at, "has(metadata, ...) takes a JSON object in a string");
                        }
                    }
                }
            }
            other => {
                return p.err(
                    at,
                    format!(
                        "the function {other}() is not supported by the stand-in (supported: and, or, not, eq, neq, exists, has)"
                    ),
                );
            }
        })
    }

    fn matches(&self, id: &Uuid, name: &str, metadata: Option<&Value>) -> bool {
        match self {
            Filter::And(fs) => fs.iter().all(|f| f.matches(id, name, metadata)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(id, name, metadata)),
            Filter::Not(f) => !f.matches(id, name, metadata),
            Filter::Eq(field, v) => field_is(*field, id, name, v),
            Filter::Neq(field, v) => !field_is(*field, id, name, v),
            Filter::Exists(key) => metadata.and_then(|m| m.get(key)).is_some(),
            Filter::Has(want) => contains(metadata, want),
        }
    }

    fn needs_content(&self) -> bool {
        match self {
            Filter::And(fs) | Filter::Or(fs) => fs.iter().any(Filter::needs_content),
            Filter::Not(f) => f.needs_content(),
            Filter::Eq(..) | Filter::Neq(..) => false,
            Filter::Exists(_) | Filter::Has(_) => true,
        }
    }
}

fn field_is(field: Field, id: &Uuid, name: &str, v: &str) -> bool {
    match field {
        Field::Id => Uuid::try_parse(v).is_ok_and(|u| u == *id),
        Field::Name => name == v,
    }
}

/// The `metadata` query parameter (a JSON object the metadata must contain), if given; a
/// 400 naming it when it is no JSON object.
pub(crate) fn metadata_param(q: &Map<String, Value>) -> Result<Option<Map<String, Value>>, Answer> {
    match q.get("metadata").and_then(Value::as_str) {
        None => Ok(None),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            _ => Err(bad_request(format!("metadata {text:?}: not a JSON object"))),
        },
    }
}

/// Whether `metadata` holds every key of `want` with an equal value.
pub(crate) fn contains(metadata: Option<&Value>, want: &Map<String, Value>) -> bool {
    let Some(m) = metadata.and_then(Value::as_object) else {
        return false;
    };
    want.iter().all(|(k, v)| m.get(k) == Some(v))
}

// ---------------------------------------------------------------------------------------
// Example queries

/// The spec's default of an integer query parameter of the read operation at `path`.
fn spec_default(path: &'static str, name: &str) -> u64 {
    spec::read_operation(path)
        .parameter(name)
        .and_then(|p| p.schema.get("default"))
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("the vendored spec gives {path} `{name}` a default"))
}

/// The parsed query of list/count.
pub(crate) struct ExampleQuery {
    ids: Option<Vec<Uuid>>,
    dataset: Option<u16>,
    as_of: Option<i64>,
    metadata: Option<Map<String, Value>>,
    contains: Vec<String>,
    splits: Vec<String>,
    filter: Option<Filter>,
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    descending: bool,
    /// `order=id` (else by creation).
    by_id: bool,
    select: Vec<String>,
    /// What identifies the result set, for paging checkpoints.
    pub(crate) key: String,
    /// The lie `foreign_examples`: examples of other datasets that match `dataset` too.
    leak: HashSet<usize>,
    /// The lie `endless_pages`.
    endless: Option<EndlessPages>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Parses `as_of`: `latest` (the default) or a time ([`parse_as_of_time_us`]), Unix
/// microseconds.
pub(crate) fn as_of(v: Option<&Value>) -> Result<Option<i64>, Answer> {
    match v.and_then(Value::as_str) {
        None | Some("latest") => Ok(None),
        Some(t) => parse_as_of_time_us(t).map(Some).ok_or_else(|| {
            bad_request(format!(
                "as_of {t:?}: the stand-in supports \"latest\" and RFC 3339 times (without an offset: UTC), not version tags"
            ))
        }),
    }
}

/// The dataset index a `dataset` parameter names, in the caller's workspace.
pub(crate) fn dataset_index(
    store: &Store,
    workspace: Uuid,
    v: Option<&Value>,
) -> Result<Option<u16>, Answer> {
    let Some(id) = v.and_then(Value::as_str) else {
        return Ok(None);
    };
    let id = Uuid::try_parse(id)
        .map_err(|e| validation_error("dataset", "query", &e.to_string(), "uuid_parsing"))?;
    store
        .datasets
        .iter()
        .position(|d| d.id == id && !d.deleted && store.dataset_workspace(d) == workspace)
        .map(|i| Some(i as u16))
        .ok_or_else(|| (404, json!({"detail": format!("Dataset {id} not found")})))
}

impl ExampleQuery {
    pub(crate) fn parse(
        store: &Store,
        workspace: Uuid,
        q: &Map<String, Value>,
        paged: bool,
    ) -> Result<ExampleQuery, Answer> {
        let ids = match q.get("id") {
            Some(v) => Some(
                strings(Some(v))
                    .iter()
                    .map(|s| Uuid::try_parse(s))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| validation_error("id", "query", &e.to_string(), "uuid_parsing"))?,
            ),
            None => None,
        };
        let metadata = metadata_param(q)?;
        let filter = match q.get("filter").and_then(Value::as_str) {
            None => None,
            Some(text) => Some(Filter::parse(text).map_err(bad_request)?),
        };
        // The stand-in's examples were created in id order, so both orders walk the
        // table; by creation, the newest comes first unless `descending` says otherwise.
        let by_creation = match q.get("order").and_then(Value::as_str) {
            None | Some("recent") | Some("recently_created") => true,
            Some("id") => false,
            Some(other) => {
                return Err(bad_request(format!(
                    "order {other:?} is not supported by the stand-in (recent, recently_created, id)"
                )));
            }
        };
        let descending = q
            .get("descending")
            .and_then(Value::as_bool)
            .unwrap_or(by_creation);
        let mut key_parts: Vec<String> = q
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "offset" | "limit" | "select"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        key_parts.push(workspace.to_string());
        Ok(ExampleQuery {
            ids,
            dataset: dataset_index(store, workspace, q.get("dataset"))?,
            as_of: as_of(q.get("as_of"))?,
            metadata,
            contains: strings(q.get("full_text_contains"))
                .into_iter()
                .map(|s| s.to_lowercase())
                .collect(),
            splits: strings(q.get("splits")),
            filter,
            offset: if paged {
                q.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize
            } else {
                0
            },
            limit: if paged {
                q.get("limit")
                    .and_then(Value::as_u64)
                    .unwrap_or_else(|| spec_default(spec::LIST_EXAMPLES_PATH, "limit"))
                    as usize
            } else {
                usize::MAX
            },
            descending,
            by_id: !by_creation,
            select: match q.get("select") {
                Some(v) => strings(Some(v)),
                None => spec::read_operation(spec::LIST_EXAMPLES_PATH)
                    .parameter("select")
                    .map(|p| strings(p.schema.get("default")))
                    .unwrap_or_default(),
            },
            key: key_parts.join("&"),
            leak: HashSet::new(),
            endless: None,
        })
    }

    /// Makes this query tell the listing lies of `lies` (the caller already dropped the
    /// parameters it ignores).
    pub(crate) fn lie(&mut self, store: &Store, workspace: Uuid, lies: &Lies) {
        self.endless = lies.endless_pages;
        let Some(ds) = self.dataset else { return };
        if lies.foreign_examples == 0 {
            return;
        }
        let mut taken: HashMap<u16, usize> = HashMap::new();
        for i in 0..store.len() {
            let d = store.dataset_index_at(i);
            if d == ds || store.workspace_at(i) != workspace {
                continue;
            }
            let n = taken.entry(d).or_default();
            if *n < lies.foreign_examples {
                *n += 1;
                self.leak.insert(i);
            }
        }
    }

    /// Made-up example `k` past the end of the listing (the lie `endless_pages` fresh):
    /// an id no store holds, in the queried dataset.
    fn made_up(&self, store: &Store, k: usize) -> Value {
        let id = Uuid::from_u128(0xfa1e_0000_0000_4000_8000_0000_0000_0000 | k as u128);
        let dataset = self
            .dataset
            .map(|d| store.datasets[d as usize].id)
            .unwrap_or_default();
        let mut m = Map::new();
        m.insert("id".into(), id.to_string().into());
        m.insert("dataset_id".into(), dataset.to_string().into());
        m.insert("name".into(), example_name(&id).into());
        m.insert("inputs".into(), json!({"text": "a made-up example"}));
        for f in ["outputs", "metadata"] {
            if self.select.iter().any(|s| s == f) {
                m.insert(f.into(), Value::Null);
            }
        }
        Value::Object(m)
    }

    fn needs_content(&self) -> bool {
        self.metadata.is_some()
            || !self.contains.is_empty()
            || !self.splits.is_empty()
            || self.filter.as_ref().is_some_and(Filter::needs_content)
    }

    /// Whether example `i` (in `workspace`) matches; its version and content if so.
    fn matches(
        &self,
        store: &Store,
        workspace: Uuid,
        i: usize,
    ) -> Option<(usize, Option<Content>)> {
        if store.workspace_at(i) != workspace {
            return None;
        }
        if let Some(ds) = self.dataset
            && store.dataset_index_at(i) != ds
            && !self.leak.contains(&i)
        {
            return None;
        }
        let v = store.version_at(i, self.as_of)?;
        let content = if self.needs_content() {
            store.content(i, v)
        } else {
            None
        };
        if self.needs_content() {
            let c = content.as_ref()?;
            if let Some(want) = &self.metadata
                && !contains(Some(&c.metadata), want)
            {
                return None;
            }
            if !self.splits.is_empty() {
                let have = strings(c.metadata.get("dataset_split"));
                if !self.splits.iter().any(|s| have.contains(s)) {
                    return None;
                }
            }
            if !self.contains.is_empty() {
                let mut text = String::new();
                collect_text(&c.inputs, &mut text);
                collect_text(&c.outputs, &mut text);
                let text = text.to_lowercase();
                if !self.contains.iter().all(|t| text.contains(t.as_str())) {
                    return None;
                }
            }
        }
        if let Some(f) = &self.filter {
            let id = store.id_at(i);
            if !f.matches(
                &id,
                &example_name(&id),
                content.as_ref().map(|c| &c.metadata),
            ) {
                return None;
            }
        }
        Some((v, content))
    }

    /// Example `i` at version `v` as the spec's `Example`, with the selected fields plus
    /// the ones the schema requires (`id`, `dataset_id`, `name`, `inputs`).
    fn render(&self, store: &Store, i: usize, v: usize, content: Option<Content>) -> Value {
        let id = store.id_at(i);
        let content = content.or_else(|| store.content(i, v));
        let mut m = Map::new();
        let selected = |f: &str| self.select.iter().any(|s| s == f);
        m.insert("id".into(), id.to_string().into());
        m.insert(
            "dataset_id".into(),
            store.datasets[store.dataset_index_at(i) as usize]
                .id
                .to_string()
                .into(),
        );
        m.insert("name".into(), example_name(&id).into());
        let (inputs, outputs, metadata) = match content {
            Some(c) => (c.inputs, c.outputs, c.metadata),
            None => (Value::Null, Value::Null, Value::Null),
        };
        m.insert("inputs".into(), inputs);
        if selected("outputs") {
            m.insert("outputs".into(), outputs);
        }
        if selected("metadata") {
            m.insert("metadata".into(), metadata);
        }
        if selected("created_at") {
            m.insert("created_at".into(), rfc3339_us(store.created_at(i)).into());
        }
        if selected("modified_at") {
            m.insert(
                "modified_at".into(),
                rfc3339_us(store.version_time(i, v)).into(),
            );
        }
        if selected("source_run_id") {
            m.insert(
                "source_run_id".into(),
                store
                    .source_run_id(i)
                    .map_or(Value::Null, |id| id.to_string().into()),
            );
        }
        if selected("attachment_urls") {
            m.insert("attachment_urls".into(), store.attachment_urls(i, v));
        }
        Value::Object(m)
    }
}

fn collect_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|x| collect_text(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_text(x, out)),
        _ => {}
    }
}

/// Paging checkpoints: per result set, matched count -> scan position, so consecutive
/// pages of a large scan continue where the last stopped instead of rescanning. Cleared
/// whenever a hard delete changes what content filters match.
#[derive(Default)]
pub(crate) struct Checkpoints {
    sets: HashMap<String, BTreeMap<usize, usize>>,
}

impl Checkpoints {
    pub(crate) fn clear(&mut self) {
        self.sets.clear();
    }
}

/// Lists (or with `count_only`, counts) the examples `q` selects.
pub(crate) fn examples(
    store: &Store,
    checkpoints: &mut Checkpoints,
    workspace: Uuid,
    q: &ExampleQuery,
    count_only: bool,
) -> Value {
    let n = store.len();
    if let Some(ids) = &q.ids {
        // By id: found ids in the requested order of the table.
        let mut idx: Vec<usize> = ids.iter().filter_map(|id| store.index(id)).collect();
        if q.by_id {
            idx.sort_unstable_by_key(|i| store.id_at(*i));
        } else {
            idx.sort_unstable();
        }
        idx.dedup();
        let positions = if q.descending {
            idx.into_iter().rev().collect::<Vec<_>>()
        } else {
            idx
        };
        let mut matched = positions
            .into_iter()
            .filter_map(|i| q.matches(store, workspace, i).map(|(v, c)| (i, v, c)));
        if count_only {
            return Value::from(matched.count());
        }
        let page = matched
            .by_ref()
            .skip(q.offset)
            .take(q.limit)
            .map(|(i, v, c)| q.render(store, i, v, c))
            .collect();
        return Value::Array(page);
    }
    // The table is in creation order, and in id order while it holds only seeded
    // examples; with written ones, `order=id` walks a permutation sorted by id.
    let by_id: Option<Vec<usize>> = (q.by_id && store.has_written()).then(|| {
        let mut perm: Vec<usize> = (0..n).collect();
        perm.sort_unstable_by_key(|i| store.id_at(*i));
        perm
    });
    let at = |p: usize| {
        let p = if q.descending { n - 1 - p } else { p };
        by_id.as_ref().map_or(p, |perm| perm[p])
    };
    if count_only {
        return Value::from(
            (0..n)
                .filter(|p| q.matches(store, workspace, at(*p)).is_some())
                .count(),
        );
    }
    // Resume from the nearest checkpoint at or before the offset.
    let marks = checkpoints.sets.entry(q.key.clone()).or_default();
    let (mut matched, mut pos) = marks
        .range(..=q.offset)
        .next_back()
        .map(|(m, p)| (*m, *p))
        .unwrap_or((0, 0));
    let mut page = Vec::new();
    while pos < n && page.len() < q.limit {
        let i = at(pos);
        pos += 1;
        if let Some((v, c)) = q.matches(store, workspace, i) {
            if matched >= q.offset {
                page.push(q.render(store, i, v, c));
            }
            matched += 1;
        }
    }
    marks.insert(matched, pos);
    if checkpoints.sets.len() > 256 {
        checkpoints.sets.clear();
    }
    // The lie `endless_pages`: a short page is filled up.
    match q.endless {
        Some(EndlessPages::Repeat) if page.len() < q.limit => {
            let missing = q.limit - page.len();
            page.extend(
                (0..n)
                    .filter_map(|p| q.matches(store, workspace, at(p)).map(|m| (at(p), m)))
                    .take(missing)
                    .map(|(i, (v, c))| q.render(store, i, v, c)),
            );
        }
        Some(EndlessPages::Fresh) if page.len() < q.limit => {
            let first = q.offset + page.len();
            let missing = q.limit - page.len();
            page.extend((first..first + missing).map(|k| q.made_up(store, k)));
        }
        _ => {}
    }
    Value::Array(page)
}

/// One example by id (404 when absent or in another workspace).
pub(crate) fn example(
    store: &Store,
    workspace: Uuid,
    id: Uuid,
    as_of: Option<i64>,
    dataset: Option<u16>,
) -> Answer {
    let not_found = || (404, json!({"detail": format!("Example {id} not found")}));
    let Some(i) = store.index(&id) else {
        return not_found();
    };
    if store.workspace_at(i) != workspace || dataset.is_some_and(|d| store.dataset_index_at(i) != d)
    {
        return not_found();
    }
    let Some(v) = store.version_at(i, as_of) else {
        return not_found();
    };
    let all = ExampleQuery {
        ids: None,
        dataset: None,
        as_of,
        metadata: None,
        contains: Vec::new(),
        splits: Vec::new(),
        filter: None,
        offset: 0,
        limit: 1,
        descending: false,
        by_id: false,
        select: [
            "created_at",
            "modified_at",
            "outputs",
            "metadata",
            "source_run_id",
            "attachment_urls",
        ]
        .map(str::to_owned)
        .to_vec(),
        key: String::new(),
        leak: HashSet::new(),
        endless: None,
    };
    (200, all.render(store, i, v, None))
}

/// Per dataset (by index in the store): how many experiment sessions ran over it, and
/// when the last of them started (Unix seconds).
pub(crate) type SessionStats = Vec<(u64, Option<i64>)>;

/// A dataset as the spec's `Dataset`; `example_count` null when `exclude`d.
fn dataset_json(
    store: &Store,
    i: usize,
    example_count: Option<u64>,
    sessions: &SessionStats,
) -> Value {
    let d = &store.datasets[i];
    let (session_count, last_session) = sessions.get(i).copied().unwrap_or((0, None));
    json!({
        "id": d.id.to_string(),
        "name": d.name,
        "created_at": rfc3339(d.created_at),
        "modified_at": rfc3339(d.created_at),
        "tenant_id": store.dataset_workspace(d).to_string(),
        "session_count": session_count,
        "example_count": example_count,
        "data_type": d.data_type,
        "description": d.description,
        "metadata": d.metadata,
        "last_session_start_time": last_session.map(rfc3339),
        "inputs_schema_definition": d.inputs_schema,
        "outputs_schema_definition": d.outputs_schema,
    })
}

fn example_counts(store: &Store) -> Vec<u64> {
    let mut c = vec![0u64; store.datasets.len()];
    for i in 0..store.len() {
        if store.version_at(i, None).is_some() {
            c[store.dataset_index_at(i) as usize] += 1;
        }
    }
    c
}

/// Datasets of the workspace, with every filter the spec declares applied (`id`,
/// `data_type`, `name`, `name_contains`, `metadata` containment, `tag_value_id`: the
/// stand-in's datasets carry none, `exclude_corrections_datasets`: none is one), sorted
/// by `sort_by` (ties in creation order) and paged; `exclude=example_count` nulls the count.
pub(crate) fn datasets(
    store: &Store,
    workspace: Uuid,
    q: &Map<String, Value>,
    sessions: &SessionStats,
) -> Result<Value, Answer> {
    let ids: Vec<Uuid> = strings(q.get("id"))
        .iter()
        .filter_map(|s| Uuid::try_parse(s).ok())
        .collect();
    let data_types = match q.get("data_type") {
        Some(Value::String(s)) => vec![s.clone()],
        other => strings(other),
    };
    let name = q.get("name").and_then(Value::as_str);
    let contains = q
        .get("name_contains")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    let metadata = metadata_param(q)?;
    let tagged = q.contains_key("tag_value_id");
    let offset = q.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let limit =
        q.get("limit")
            .and_then(Value::as_u64)
            .unwrap_or_else(|| spec_default(spec::LIST_DATASETS_PATH, "limit")) as usize;
    let counts = example_counts(store);
    let exclude_count = strings(q.get("exclude"))
        .iter()
        .any(|e| e == "example_count");
    let mut list: Vec<usize> = (0..store.datasets.len())
        .filter(|i| !store.datasets[*i].deleted)
        .filter(|i| store.dataset_workspace(&store.datasets[*i]) == workspace)
        .filter(|i| ids.is_empty() || ids.contains(&store.datasets[*i].id))
        .filter(|i| {
            data_types.is_empty() || data_types.iter().any(|t| t == store.datasets[*i].data_type)
        })
        .filter(|i| name.is_none_or(|n| store.datasets[*i].name == n))
        .filter(|i| {
            contains
                .as_deref()
                .is_none_or(|c| store.datasets[*i].name.to_lowercase().contains(c))
        })
        .filter(|i| {
            metadata
                .as_ref()
                .is_none_or(|m| contains_all(&store.datasets[*i].metadata, m))
        })
        .filter(|_| !tagged)
        .collect();
    let sort_by = q
        .get("sort_by")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| spec_default_str(spec::LIST_DATASETS_PATH, "sort_by"));
    let descending = q
        .get("sort_by_desc")
        .and_then(Value::as_bool)
        .unwrap_or_else(|| spec_default_bool(spec::LIST_DATASETS_PATH, "sort_by_desc"));
    let stat = |i: usize| sessions.get(i).copied().unwrap_or((0, None));
    // Stable: ties keep creation order, whichever the direction.
    let cmp = |a: &usize, b: &usize| {
        let (da, db) = (&store.datasets[*a], &store.datasets[*b]);
        match sort_by.as_str() {
            "name" => da.name.cmp(&db.name),
            "created_at" | "modified_at" => da.created_at.cmp(&db.created_at),
            "example_count" => counts[*a].cmp(&counts[*b]),
            "session_count" => stat(*a).0.cmp(&stat(*b).0),
            // Last session start (a dataset without sessions has none: first ascending).
            _ => stat(*a).1.cmp(&stat(*b).1),
        }
    };
    if descending {
        list.sort_by(|a, b| cmp(b, a));
    } else {
        list.sort_by(cmp);
    }
    Ok(Value::Array(
        list.into_iter()
            .skip(offset)
            .take(limit)
            .map(|i| dataset_json(store, i, (!exclude_count).then_some(counts[i]), sessions))
            .collect(),
    ))
}

/// One dataset of the workspace by id (404 when absent or in another workspace).
pub(crate) fn dataset(store: &Store, workspace: Uuid, id: Uuid, sessions: &SessionStats) -> Answer {
    match store
        .datasets
        .iter()
        .position(|d| d.id == id && !d.deleted && store.dataset_workspace(d) == workspace)
    {
        Some(i) => (
            200,
            dataset_json(store, i, Some(example_counts(store)[i]), sessions),
        ),
        None => (404, json!({"detail": format!("Dataset {id} not found")})),
    }
}

/// Whether the object `have` holds every key of `want` with an equal value.
fn contains_all(have: &Value, want: &Map<String, Value>) -> bool {
    contains(Some(have), want)
}

fn spec_default_str(path: &'static str, name: &str) -> String {
    spec::parameter_default(path, name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("the vendored spec gives {path} `{name}` a default"))
        .to_owned()
}

fn spec_default_bool(path: &'static str, name: &str) -> bool {
    spec::parameter_default(path, name)
        .and_then(Value::as_bool)
        .unwrap_or_else(|| panic!("the vendored spec gives {path} `{name}` a default"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_subset_parses_and_refuses_the_rest_by_position() {
        let f = Filter::parse(
            r##"and(has(metadata, '{"a": 1}'), not(eq(name, "#0123")), exists(metadata, "k"))"##,
        )
        .unwrap();
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::Has(serde_json::from_str(r#"{"a": 1}"#).unwrap()),
                Filter::Not(Box::new(Filter::Eq(Field::Name, "#0123".into()))),
                Filter::Exists("k".into()),
            ])
        );
        let id = Uuid::from_u128(7);
        let meta = json!({"a": 1, "k": null});
        assert!(f.matches(&id, "#0000", Some(&meta)));
        assert!(!f.matches(&id, "#0123", Some(&meta)));
        assert!(!f.matches(&id, "#0000", None));
        for (bad, says) in [
            (
                "gt(latency, 5)",
                "at character 1: the function gt() is not supported",
            ),
            ("eq(inputs, 'x')", "on column \"inputs\" is not supported"),
            ("eq(id, 'x'", "expected `,` or `)`"),
            ("has(metadata, 'nope')", "takes a JSON object"),
            (
                "and(eq(id, \"x\")) extra",
                "at character 18: unexpected text",
            ),
            ("eq(id, \"x)", "unterminated string"),
        ] {
            let e = Filter::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
