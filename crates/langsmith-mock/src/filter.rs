//! The runs queries' `filter`: a small subset of LangSmith's trace query language,
//! evaluated on each run (`POST /api/v2/runs/query` and `POST /api/v1/runs/query`).
//!
//! Accepted:
//!
//! - `search("text")`: full-text search (below);
//! - `and(F, F, ...)`, `or(F, F, ...)`: at least one argument each;
//! - `eq(FIELD, "value")` with FIELD one of `id`, `trace_id` (compared as UUIDs: the value
//!   must be one), `run_type` (case-insensitive: `"llm"` and `"LLM"` alike), `is_root`
//!   (`true`/`false`, bare or quoted) and `name` (exact);
//! - `eq(metadata_key, "k")`, `eq(metadata_value, "v")`: the run's metadata
//!   (`extra.metadata`) has the key `k`, has a value `v` (a string equal to it, or another
//!   JSON value whose text is it: `eq(metadata_value, "3")` matches `3`). Within one
//!   `and(...)`, LangSmith reads a key and a value as one pair, "the metadata key `k` holds
//!   `v`": the first `metadata_key` there pairs with the first `metadata_value`, the second
//!   with the second, and so on; one left without a partner stands alone (LangSmith docs,
//!   "filter traces": `and(eq(metadata_key, "user_id"), eq(metadata_value, "2"))`).
//!
//! Strings are double- or single-quoted; a backslash escapes the next character. Anything
//! else (`has`, `like`, `gt`, `not`, ..., another field, a bare word where a string
//! belongs, an unterminated string, text after the expression) is an error naming what
//! cannot be evaluated, which the routes answer 400 in their own error shape: a filter is
//! never read as "no filter".
//!
//! **`search` is LangSmith's full-text index, with its blind spots** (LangSmith docs,
//! "filter traces"):
//!
//! - the text is matched case-insensitively as a substring of each string value, and each
//!   object key, anywhere in the run's `inputs`, `outputs`, `error`, `extra` (where
//!   `extra.metadata` lives) and `events`;
//! - **only the first [`INDEXED_CHARS`] characters of each string value are indexed**:
//!   text that starts later in a long value is not found (a search cannot prove absence);
//! - a search text that is nothing but a stop word ([`STOP_WORDS`], e.g. `"the"`, `"a"`)
//!   matches nothing; an empty one is refused.

use crate::traces::Run;
use serde_json::Value;
use uuid::Uuid;

/// How many characters of each string value the full-text index holds.
pub const INDEXED_CHARS: usize = 250;

/// Words the full-text index drops: a search for one of them alone matches nothing
/// (Lucene's classic English stop set).
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// A parsed runs filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunFilter {
    /// `search("text")`, the text lower-cased.
    Search(String),
    And(Vec<RunFilter>),
    Or(Vec<RunFilter>),
    Eq(Equals),
    /// `and(eq(metadata_key, k), eq(metadata_value, v))`: the metadata key `k` holds `v`.
    MetadataPair(String, String),
}

/// An `eq(FIELD, value)` the stand-in evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Equals {
    Id(Uuid),
    TraceId(Uuid),
    RunType(String),
    IsRoot(bool),
    Name(String),
    MetadataKey(String),
    MetadataValue(String),
}

/// One token of the expression, with its character offset.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Call(String, Vec<Node>, usize),
    Word(String, usize),
    Str(String, usize),
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn fail<T>(&self, at: usize, what: impl std::fmt::Display) -> Result<T, String> {
        Err(format!(
            "filter {:?}: at character {}: {what}",
            self.text,
            at + 1
        ))
    }

    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn node(&mut self) -> Result<Node, String> {
        self.skip_ws();
        let start = self.pos;
        match self.chars.get(self.pos).copied() {
            None => self.fail(start, "expected an expression, found the end"),
            Some(q @ ('"' | '\'')) => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.chars.get(self.pos).copied() {
                        None => return self.fail(start, "unterminated string"),
                        Some('\\') => {
                            let Some(c) = self.chars.get(self.pos + 1).copied() else {
                                return self.fail(start, "unterminated string");
                            };
                            s.push(c);
                            self.pos += 2;
                        }
                        Some(c) if c == q => {
                            self.pos += 1;
                            return Ok(Node::Str(s, start));
                        }
                        Some(c) => {
                            s.push(c);
                            self.pos += 1;
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                let mut word = String::new();
                while let Some(c) = self
                    .chars
                    .get(self.pos)
                    .copied()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                {
                    word.push(c);
                    self.pos += 1;
                }
                self.skip_ws();
                if self.chars.get(self.pos) != Some(&'(') {
                    return Ok(Node::Word(word, start));
                }
                self.pos += 1;
                let mut args = Vec::new();
                self.skip_ws();
                if self.chars.get(self.pos) == Some(&')') {
                    self.pos += 1;
                    return Ok(Node::Call(word, args, start));
                }
                loop {
                    args.push(self.node()?);
                    self.skip_ws();
                    match self.chars.get(self.pos) {
                        Some(',') => self.pos += 1,
                        Some(')') => {
                            self.pos += 1;
                            return Ok(Node::Call(word, args, start));
                        }
                        _ => return self.fail(self.pos, "expected `,` or `)`"),
                    }
                }
            }
            Some(c) => self.fail(start, format!("unexpected {c:?}")),
        }
    }

    fn filter(&self, node: Node) -> Result<RunFilter, String> {
        let (name, args, at) = match node {
            Node::Call(n, a, at) => (n, a, at),
            Node::Word(w, at) | Node::Str(w, at) => {
                return self.fail(
                    at,
                    format!("expected a function such as search(...), got {w:?}"),
                );
            }
        };
        match name.as_str() {
            "and" | "or" => {
                if args.is_empty() {
                    return self.fail(at, format!("{name}() needs at least one argument"));
                }
                let all = args
                    .into_iter()
                    .map(|a| self.filter(a))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if name == "and" {
                    RunFilter::And(paired(all))
                } else {
                    RunFilter::Or(all)
                })
            }
            "search" => {
                let [Node::Str(text, s_at)] = &args[..] else {
                    return self.fail(at, "search() takes one quoted string");
                };
                if text.trim().is_empty() {
                    return self.fail(*s_at, "search() needs a non-empty text");
                }
                Ok(RunFilter::Search(text.to_lowercase()))
            }
            "eq" => {
                let [field, value] = &args[..] else {
                    return self.fail(at, format!("eq() takes 2 arguments, got {}", args.len()));
                };
                let Node::Word(field, f_at) = field else {
                    return self.fail(at, "eq()'s first argument must be a field name");
                };
                let (value, v_at) = match value {
                    Node::Str(s, v_at) => (s.clone(), *v_at),
                    // `true`/`false` may be bare (for is_root).
                    Node::Word(w, v_at) if field == "is_root" => (w.clone(), *v_at),
                    Node::Word(w, v_at) | Node::Call(w, _, v_at) => {
                        return self.fail(*v_at, format!("expected a quoted value, got {w:?}"));
                    }
                };
                let uuid = |v: &str| {
                    Uuid::try_parse(v).or_else(|e| {
                        self.fail(v_at, format!("eq({field}, ...): not a UUID: {v:?} ({e})"))
                    })
                };
                Ok(RunFilter::Eq(match field.as_str() {
                    "id" => Equals::Id(uuid(&value)?),
                    "trace_id" => Equals::TraceId(uuid(&value)?),
                    "run_type" => Equals::RunType(value.to_ascii_lowercase()),
                    "name" => Equals::Name(value),
                    "metadata_key" => Equals::MetadataKey(value),
                    "metadata_value" => Equals::MetadataValue(value),
                    "is_root" => match value.as_str() {
                        "true" | "True" => Equals::IsRoot(true),
                        "false" | "False" => Equals::IsRoot(false),
                        other => {
                            return self.fail(v_at, format!("eq(is_root, ...): not a boolean: {other:?}"));
                        }
                    },
                    other => {
                        return self.fail(
                            *f_at,
                            format!(
                                "the stand-in cannot evaluate eq() on field {other:?} (only id, trace_id, run_type, is_root, name, metadata_key, metadata_value)"
                            ),
                        );
                    }
                }))
            }
            other => self.fail(
                at,
                format!(
                    "the stand-in cannot evaluate {other}() (only search, and, or, eq on id, trace_id, run_type, is_root, name, metadata_key, metadata_value)"
                ),
            ),
        }
    }
}

impl RunFilter {
    /// Parses an expression; the error names the character and what cannot be evaluated.
    pub fn parse(text: &str) -> Result<RunFilter, String> {
        let mut p = Parser {
            chars: text.chars().collect(),
            pos: 0,
            text,
        };
        let node = p.node()?;
        p.skip_ws();
        if p.pos != p.chars.len() {
            return p.fail(p.pos, "unexpected text after the expression");
        }
        p.filter(node)
    }

    /// Whether `run` matches.
    pub fn matches(&self, run: &Run) -> bool {
        match self {
            RunFilter::And(all) => all.iter().all(|f| f.matches(run)),
            RunFilter::Or(any) => any.iter().any(|f| f.matches(run)),
            RunFilter::Search(text) => searchable(run, text),
            RunFilter::Eq(Equals::Id(id)) => run.id == *id,
            RunFilter::Eq(Equals::TraceId(id)) => run.trace_id == *id,
            RunFilter::Eq(Equals::RunType(t)) => run.run_type.eq_ignore_ascii_case(t),
            RunFilter::Eq(Equals::IsRoot(b)) => run.is_root() == *b,
            RunFilter::Eq(Equals::Name(n)) => run.name == *n,
            RunFilter::Eq(Equals::MetadataKey(k)) => {
                metadata(run).is_some_and(|m| m.contains_key(k))
            }
            RunFilter::Eq(Equals::MetadataValue(v)) => {
                metadata(run).is_some_and(|m| m.values().any(|x| value_is(x, v)))
            }
            RunFilter::MetadataPair(k, v) => {
                metadata(run).is_some_and(|m| m.get(k).is_some_and(|x| value_is(x, v)))
            }
        }
    }
}

/// The arguments of an `and(...)` with its `metadata_key`s and `metadata_value`s paired
/// in order (the first key with the first value, ...), each pair where its key was.
fn paired(all: Vec<RunFilter>) -> Vec<RunFilter> {
    let mut values: std::collections::VecDeque<String> = all
        .iter()
        .filter_map(|f| match f {
            RunFilter::Eq(Equals::MetadataValue(v)) => Some(v.clone()),
            _ => None,
        })
        .collect();
    let keys = all
        .iter()
        .filter(|f| matches!(f, RunFilter::Eq(Equals::MetadataKey(_))))
        .count();
    // The values a key takes; the rest stand alone.
    let alone = values.split_off(keys.min(values.len()));
    let mut alone = alone.into_iter();
    let mut out = Vec::with_capacity(all.len());
    for f in all {
        match f {
            RunFilter::Eq(Equals::MetadataKey(k)) => match values.pop_front() {
                Some(v) => out.push(RunFilter::MetadataPair(k, v)),
                None => out.push(RunFilter::Eq(Equals::MetadataKey(k))),
            },
            RunFilter::Eq(Equals::MetadataValue(_)) => {
                if let Some(v) = alone.next() {
                    out.push(RunFilter::Eq(Equals::MetadataValue(v)));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The run's metadata (`extra.metadata`), when it is an object.
fn metadata(run: &Run) -> Option<&serde_json::Map<String, Value>> {
    run.extra.as_ref()?.get("metadata")?.as_object()
}

/// Whether a metadata value reads as `want`: a string equal to it, or another JSON
/// value whose text is it.
fn value_is(x: &Value, want: &str) -> bool {
    match x {
        Value::String(s) => s == want,
        Value::Null => false,
        // Its JSON text (`3`, `true`); not `*other == want`, which holds only for strings.
        other => {
            let text = other.to_string();
            text == want
        }
    }
}

/// Whether the full-text index of `run` holds `text` (lower-cased).
fn searchable(run: &Run, text: &str) -> bool {
    if STOP_WORDS.contains(&text.trim()) {
        return false;
    }
    let error = run.error.clone().map(Value::String);
    [
        Some(&run.inputs),
        Some(&run.outputs),
        error.as_ref(),
        run.extra.as_ref(),
        run.events.as_ref(),
    ]
    .into_iter()
    .flatten()
    .any(|v| indexed(v, text))
}

/// Whether an indexed prefix of any string value or key within `v` holds `text`.
fn indexed(v: &Value, text: &str) -> bool {
    let hit = |s: &str| {
        s.chars()
            .take(INDEXED_CHARS)
            .collect::<String>()
            .to_lowercase()
            .contains(text)
    };
    match v {
        Value::String(s) => hit(s),
        Value::Array(items) => items.iter().any(|x| indexed(x, text)),
        Value::Object(m) => m.iter().any(|(k, x)| hit(k) || indexed(x, text)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_subset_and_names_what_it_cannot_evaluate() {
        let id = Uuid::from_u128(7);
        assert_eq!(
            RunFilter::parse(&format!(
                "and(search(\"Ann\"), or(eq(id, \"{id}\"), eq(is_root, true)), eq(run_type, 'LLM'))"
            )),
            Ok(RunFilter::And(vec![
                RunFilter::Search("ann".into()),
                RunFilter::Or(vec![
                    RunFilter::Eq(Equals::Id(id)),
                    RunFilter::Eq(Equals::IsRoot(true))
                ]),
                RunFilter::Eq(Equals::RunType("llm".into())),
            ]))
        );
        assert_eq!(
            RunFilter::parse(r#"search("say \"hi\"")"#),
            Ok(RunFilter::Search("say \"hi\"".into()))
        );
        for (bad, named) in [
            ("has(tags, \"x\")", "has()"),
            ("like(name, \"x%\")", "like()"),
            ("gt(latency, 5)", "gt()"),
            ("eq(status, \"error\")", "\"status\""),
            ("eq(id, \"nope\")", "not a UUID"),
            ("search(\"unterminated)", "unterminated"),
            ("search(bare)", "one quoted string"),
            ("search(\"x\") extra", "after the expression"),
            ("and()", "at least one"),
            ("search(\"  \")", "non-empty"),
            ("", "found the end"),
            ("eq(name, x)", "quoted value"),
        ] {
            let e = RunFilter::parse(bad).unwrap_err();
            assert!(e.contains(named), "{bad}: {e}");
        }
    }

    #[test]
    fn search_indexes_250_chars_of_each_value_and_drops_stop_words() {
        let f = |t: &str| RunFilter::parse(&format!("search(\"{t}\")")).unwrap();
        let run = |inputs: Value| Run {
            inputs,
            ..crate::traces::tests::run()
        };
        let r = run(serde_json::json!({"msg": [{"Content": "Hello ANN"}]}));
        assert!(f("ann").matches(&r));
        assert!(f("content").matches(&r), "keys are indexed");
        assert!(!f("bob").matches(&r));
        let late = format!("{}ann", "x".repeat(INDEXED_CHARS));
        assert!(!f("ann").matches(&run(serde_json::json!({ "t": late }))));
        let edge = format!("{}ann", "x".repeat(INDEXED_CHARS - 3));
        assert!(f("ann").matches(&run(serde_json::json!({ "t": edge }))));
        assert!(!f("the").matches(&run(serde_json::json!({"t": "the end"}))));
        assert!(f("the end").matches(&run(serde_json::json!({"t": "the end"}))));
    }
}
