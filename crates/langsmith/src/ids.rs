//! Validated example ids: parse, don't validate.

use langsmith_api::spec::schemas::examples_delete_examples_request::example_ids as limits;
use langsmith_api::types::ExamplesDeleteExamplesRequest;
use std::collections::HashSet;
use std::fmt;
use uuid::Uuid;

/// How many offending items an [`InvalidIds`] error lists before it only counts.
const MAX_LISTED_PROBLEMS: usize = InvalidIds::MAX_LISTED;
/// How many characters of an offending value a message quotes ([`quote_value`]).
pub const MAX_QUOTED_CHARS: usize = 80;

/// Parses one id in any form the `uuid` crate accepts (hyphenated in any case, simple,
/// braced, `urn:uuid:`), after trimming surrounding whitespace: the one rule every id
/// input (the API, the CLI's arguments, files and stdin) follows.
///
/// ```
/// let id = langsmith::parse_id(" {123E4567-E89B-12D3-A456-426614174000}\n").unwrap();
/// assert_eq!(id.to_string(), "123e4567-e89b-12d3-a456-426614174000");
/// let err = langsmith::parse_id("nope").unwrap_err();
/// assert!(err.to_string().starts_with("not a UUID ("));
/// ```
pub fn parse_id(text: &str) -> Result<Uuid, NotAUuid> {
    Uuid::parse_str(text.trim()).map_err(|error| NotAUuid { error })
}

/// A text that is not a UUID in any accepted form ([`parse_id`]). Its message says why
/// (and has no further source).
#[derive(Debug)]
pub struct NotAUuid {
    error: uuid::Error,
}

impl fmt::Display for NotAUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a UUID ({})", self.error)
    }
}

impl std::error::Error for NotAUuid {}

/// At most [`MAX_QUOTED_CHARS`] characters of `value`, quoted and escaped for one line,
/// and how many more there were.
///
/// ```
/// assert_eq!(langsmith::quote_value("a\tb"), r#""a\tb""#);
/// let long = "x".repeat(langsmith::MAX_QUOTED_CHARS + 3);
/// assert!(langsmith::quote_value(&long).ends_with("\" (+3 more chars)"));
/// ```
pub fn quote_value(value: &str) -> String {
    let shown: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    let extra = value.chars().count().saturating_sub(MAX_QUOTED_CHARS);
    let mut out = format!("{shown:?}");
    if extra > 0 {
        out.push_str(&format!(" (+{extra} more chars)"));
    }
    out
}

/// One offending input item.
#[derive(Debug)]
pub struct IdProblem {
    pub(crate) position: usize,
    pub(crate) value: String,
    pub(crate) reason: String,
}

impl IdProblem {
    /// 0-based position in the input.
    pub fn position(&self) -> usize {
        self.position
    }
    /// The value as given (quoted, escaped and truncated for display).
    pub fn value(&self) -> &str {
        &self.value
    }
    /// Why it was refused.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The count of unique ids is outside what one request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CountProblem {
    /// Fewer unique ids than `minItems`.
    TooFew {
        /// Unique ids given.
        unique: usize,
        /// The spec's `minItems`.
        min: usize,
    },
    /// More unique ids than `maxItems`.
    TooMany {
        /// Unique ids given.
        unique: usize,
        /// The spec's `maxItems`.
        max: usize,
    },
}

/// Invalid example ids: every offending position (the first [`InvalidIds::MAX_LISTED`]),
/// how many there were in all, and any count problem. Nothing was sent.
#[derive(Debug)]
pub struct InvalidIds {
    pub(crate) problems: Vec<IdProblem>,
    pub(crate) total_problems: usize,
    pub(crate) count: Option<CountProblem>,
}

impl InvalidIds {
    /// How many offending items are listed before they are only counted.
    pub const MAX_LISTED: usize = 20;

    /// The first [`InvalidIds::MAX_LISTED`] offending items, in input order.
    pub fn problems(&self) -> &[IdProblem] {
        &self.problems
    }
    /// How many items were refused in all.
    pub fn total_problems(&self) -> usize {
        self.total_problems
    }
    /// Whether the number of unique ids is out of the spec's bounds.
    pub fn count(&self) -> Option<CountProblem> {
        self.count
    }
}

impl fmt::Display for InvalidIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid example ids, nothing was sent")?;
        if let Some(count) = self.count {
            match count {
                CountProblem::TooFew { unique, min } => {
                    write!(f, "; {unique} unique id(s), at least {min} required")?
                }
                CountProblem::TooMany { unique, max } => write!(
                    f,
                    "; {unique} unique ids, at most {max} per request (use hard_delete_all to batch)"
                )?,
            }
        }
        for p in &self.problems {
            write!(f, "; position {}: {}: {}", p.position, p.reason, p.value)?;
        }
        let unlisted = self.total_problems.saturating_sub(self.problems.len());
        if unlisted > 0 {
            write!(f, "; and {unlisted} more invalid id(s)")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidIds {}

/// Collects problems, listing the first [`MAX_LISTED_PROBLEMS`].
#[derive(Default)]
struct Problems {
    listed: Vec<IdProblem>,
    total: usize,
}

impl Problems {
    fn push(&mut self, position: usize, value: &str, reason: String) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(IdProblem {
                position,
                value: quote_value(value),
                reason,
            });
        }
    }
}

/// Parses every item, collecting the UUIDs and every problem with its position.
fn parse_all<I, S>(items: I) -> (Vec<Uuid>, Problems)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut problems = Problems::default();
    let mut ids = Vec::new();
    for (position, item) in items.into_iter().enumerate() {
        let text = item.as_ref();
        match parse_id(text) {
            Ok(id) => ids.push(id),
            Err(e) => problems.push(position, text, e.to_string()),
        }
    }
    (ids, problems)
}

/// The ids of one hard-delete request: canonical UUIDs, unique, in input order, and
/// between the spec's `minItems` and `maxItems` (read from the generated crate).
///
/// ```
/// use langsmith::ExampleIds;
/// let ids = ExampleIds::parse(["{123E4567-E89B-12D3-A456-426614174000}", "urn:uuid:123e4567-e89b-12d3-a456-426614174000"])?;
/// assert_eq!(ids.len(), 1); // one id in two forms
/// assert_eq!(ids.to_canonical_strings(), ["123e4567-e89b-12d3-a456-426614174000"]);
/// let err = ExampleIds::parse(["123e4567-e89b-12d3-a456-426614174000", "nope"]).unwrap_err();
/// assert_eq!(err.problems()[0].position(), 1);
/// assert!(ExampleIds::from_uuids((0..=ExampleIds::MAX as u128).map(langsmith::Uuid::from_u128)).is_err());
/// # Ok::<(), langsmith::InvalidIds>(())
/// ```
#[derive(Clone, Debug)]
pub struct ExampleIds {
    /// The request body, which holds the ids themselves: `hard_delete` is always `true`.
    body: ExamplesDeleteExamplesRequest,
    duplicates: usize,
}

impl PartialEq for ExampleIds {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice() && self.duplicates == other.duplicates
    }
}

impl Eq for ExampleIds {}

fn body_for(ids: Vec<Uuid>) -> ExamplesDeleteExamplesRequest {
    ExamplesDeleteExamplesRequest {
        // UUIDs, not strings: the `request-example-ids-are-uuids` fixup gives the
        // generated type `Vec<Uuid>`, serialized as canonical lowercase strings.
        example_ids: ids,
        hard_delete: true,
    }
}

impl ExampleIds {
    /// The fewest ids one request may carry (`minItems` of the spec).
    pub const MIN: usize = limits::MIN_ITEMS;
    /// The most ids one request may carry (`maxItems` of the spec).
    pub const MAX: usize = limits::MAX_ITEMS;

    /// Parses ids from strings. Every invalid item is reported, with its position.
    pub fn parse<I, S>(items: I) -> Result<Self, InvalidIds>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let (uuids, problems) = parse_all(items);
        Self::build(uuids, problems)
    }

    /// Builds from UUIDs (only the count can be wrong).
    pub fn from_uuids<I: IntoIterator<Item = Uuid>>(items: I) -> Result<Self, InvalidIds> {
        Self::build(items.into_iter().collect(), Problems::default())
    }

    fn build(uuids: Vec<Uuid>, problems: Problems) -> Result<Self, InvalidIds> {
        let mut seen = HashSet::with_capacity(uuids.len().min(Self::MAX + 1));
        let mut ids = Vec::with_capacity(uuids.len().min(Self::MAX + 1));
        let mut duplicates = 0;
        for id in uuids {
            if seen.insert(id) {
                ids.push(id);
            } else {
                duplicates += 1;
            }
        }
        let count = count_problem(ids.len());
        if problems.total > 0 || count.is_some() {
            return Err(InvalidIds {
                problems: problems.listed,
                total_problems: problems.total,
                count: if problems.total > 0 && ids.len() < Self::MIN {
                    // The count is a consequence of the bad items; don't report it twice.
                    None
                } else {
                    count
                },
            });
        }
        Ok(ExampleIds {
            body: body_for(ids),
            duplicates,
        })
    }

    /// Trusted constructor for batches cut from an [`IdSet`] (unique, within bounds).
    pub(crate) fn from_batch(ids: &[Uuid]) -> Self {
        debug_assert!(count_problem(ids.len()).is_none());
        ExampleIds {
            body: body_for(ids.to_vec()),
            duplicates: 0,
        }
    }

    /// The unique ids, in input order.
    pub fn as_slice(&self) -> &[Uuid] {
        &self.body.example_ids
    }

    /// How many unique ids.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Always false: an `ExampleIds` holds at least [`ExampleIds::MIN`] ids.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// How many duplicates were dropped.
    pub fn duplicates_removed(&self) -> usize {
        self.duplicates
    }

    /// The ids as the wire carries them: lowercase hyphenated.
    pub fn to_canonical_strings(&self) -> Vec<String> {
        self.as_slice().iter().map(canonical).collect()
    }

    /// The generated request body for these ids (`hard_delete: true`).
    pub fn request_body(&self) -> &ExamplesDeleteExamplesRequest {
        &self.body
    }
}

fn count_problem(unique: usize) -> Option<CountProblem> {
    if unique < ExampleIds::MIN {
        Some(CountProblem::TooFew {
            unique,
            min: ExampleIds::MIN,
        })
    } else if unique > ExampleIds::MAX {
        Some(CountProblem::TooMany {
            unique,
            max: ExampleIds::MAX,
        })
    } else {
        None
    }
}

/// Sorts ids into [`Uuid`]'s own order (its 16 bytes compared in turn, which is the order
/// of the big-endian `u128`). The comparisons are the sort's cost, so each id is first
/// rewritten as its `u128` in the machine's byte order, sorted comparing plain integers
/// (one load each, no byte swap), and rewritten back: a quarter less time than sorting
/// by `Uuid`'s `Ord` for a million random ids, measured; no memory beyond the slice.
pub(crate) fn sort_ids(ids: &mut [Uuid]) {
    if ids.is_sorted() {
        return;
    }
    for id in ids.iter_mut() {
        *id = Uuid::from_bytes(id.as_u128().to_ne_bytes());
    }
    ids.sort_unstable_by_key(|id| u128::from_ne_bytes(*id.as_bytes()));
    for id in ids.iter_mut() {
        *id = Uuid::from_u128(u128::from_ne_bytes(*id.as_bytes()));
    }
}

/// Lowercase hyphenated form.
pub(crate) fn canonical(id: &Uuid) -> String {
    // Encoded straight into the string's buffer: no formatting machinery per id.
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    String::from(&*id.hyphenated().encode_lower(&mut buf))
}

/// Any number of unique ids for [`crate::Client::hard_delete_all`]: sorted, de-duplicated,
/// 16 bytes per id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdSet {
    ids: Vec<Uuid>,
    input: u64,
    duplicates: u64,
}

impl IdSet {
    /// Collects, sorts and de-duplicates.
    pub fn from_uuids<I: IntoIterator<Item = Uuid>>(items: I) -> Self {
        let mut ids: Vec<Uuid> = items.into_iter().collect();
        let input = ids.len() as u64;
        sort_ids(&mut ids);
        ids.dedup();
        ids.shrink_to_fit();
        let duplicates = input - ids.len() as u64;
        IdSet {
            ids,
            input,
            duplicates,
        }
    }

    /// Parses strings; every invalid item is reported with its position, nothing else.
    pub fn parse<I, S>(items: I) -> Result<Self, InvalidIds>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let (ids, problems) = parse_all(items);
        if problems.total > 0 {
            return Err(InvalidIds {
                problems: problems.listed,
                total_problems: problems.total,
                count: None,
            });
        }
        Ok(Self::from_uuids(ids))
    }

    /// Drops the ids in `done` (for example, those a journal already confirmed) and
    /// returns how many were dropped.
    pub fn remove_all(&mut self, done: &IdSet) -> usize {
        let before = self.ids.len();
        self.ids.retain(|id| done.ids.binary_search(id).is_err());
        before - self.ids.len()
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &Uuid) -> bool {
        self.ids.binary_search(id).is_ok()
    }

    /// The unique ids, sorted.
    pub fn as_slice(&self) -> &[Uuid] {
        &self.ids
    }

    /// Unique ids held.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the set holds no id.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many items the input had, duplicates included.
    pub fn input_len(&self) -> u64 {
        self.input
    }

    /// How many duplicates were dropped.
    pub fn duplicates_removed(&self) -> u64 {
        self.duplicates
    }

    /// The unique ids, sorted, as a vector (no copy).
    pub fn into_vec(self) -> Vec<Uuid> {
        self.ids
    }
}

impl FromIterator<Uuid> for IdSet {
    fn from_iter<T: IntoIterator<Item = Uuid>>(iter: T) -> Self {
        IdSet::from_uuids(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "123e4567-e89b-12d3-a456-426614174000";

    #[test]
    fn every_accepted_form_is_canonicalised_and_deduplicated() {
        let forms = [
            A.to_owned(),
            A.to_uppercase(),
            format!("{{{A}}}"),
            format!("urn:uuid:{A}"),
            A.replace('-', ""),
            format!("  {A}\t"),
        ];
        let ids = ExampleIds::parse(&forms).unwrap();
        assert_eq!(ids.to_canonical_strings(), vec![A.to_owned()]);
        assert_eq!(ids.duplicates_removed(), forms.len() - 1);
    }

    #[test]
    fn every_bad_position_is_listed_and_the_list_is_capped() {
        let mut input: Vec<String> = vec![A.into(), "nope".into(), A.into(), "".into()];
        let err = ExampleIds::parse(&input).unwrap_err();
        assert_eq!(err.total_problems, 2);
        assert_eq!(
            err.problems.iter().map(|p| p.position).collect::<Vec<_>>(),
            [1, 3]
        );
        assert!(err.to_string().contains("position 1") && err.to_string().contains("\"nope\""));
        input.extend((0..100).map(|i| format!("bad{i}")));
        let err = ExampleIds::parse(&input).unwrap_err();
        assert_eq!(err.total_problems, 102);
        assert_eq!(err.problems.len(), MAX_LISTED_PROBLEMS);
        assert!(err.to_string().contains("and 82 more"));
    }

    #[test]
    fn counts_are_the_specs() {
        assert!(matches!(
            ExampleIds::from_uuids([]).unwrap_err().count,
            Some(CountProblem::TooFew { unique: 0, .. })
        ));
        let many: Vec<Uuid> = (0..=ExampleIds::MAX as u128).map(Uuid::from_u128).collect();
        let err = ExampleIds::from_uuids(many.clone()).unwrap_err();
        assert_eq!(
            err.count,
            Some(CountProblem::TooMany {
                unique: ExampleIds::MAX + 1,
                max: ExampleIds::MAX
            })
        );
        assert_eq!(
            ExampleIds::from_uuids(many[..ExampleIds::MAX].iter().copied())
                .unwrap()
                .len(),
            ExampleIds::MAX
        );
        // Duplicates do not count against the maximum.
        let mut dup = many[..ExampleIds::MAX].to_vec();
        dup.push(many[0]);
        assert!(ExampleIds::from_uuids(dup).is_ok());
    }

    #[test]
    fn long_values_are_truncated_when_quoted() {
        let long = "x".repeat(10_000);
        let err = ExampleIds::parse([&long]).unwrap_err();
        assert!(err.to_string().len() < 400, "{}", err);
        assert!(err.to_string().contains("more chars"));
    }

    #[test]
    fn sort_ids_gives_uuids_own_order() {
        // Ids that differ in every byte position, and in the high bit of each, against
        // the order `Uuid`'s `Ord` gives.
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            rng ^= rng >> 12;
            rng ^= rng << 25;
            rng ^= rng >> 27;
            rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut ids: Vec<Uuid> = (0..5000)
            .map(|_| Uuid::from_u128((u128::from(next()) << 64) | u128::from(next())))
            .collect();
        for byte in 0..16 {
            let mut b = [0u8; 16];
            b[byte] = 0x80;
            ids.push(Uuid::from_bytes(b));
            b[byte] = 0x01;
            ids.push(Uuid::from_bytes(b));
        }
        ids.push(Uuid::max());
        ids.push(Uuid::nil());
        let mut expected = ids.clone();
        expected.sort_unstable();
        sort_ids(&mut ids);
        assert_eq!(ids, expected);
    }

    #[test]
    fn id_set_sorts_dedups_and_removes() {
        let mut set = IdSet::from_uuids([3u128, 1, 3, 2, 1].map(Uuid::from_u128));
        assert_eq!(set.len(), 3);
        assert_eq!(set.input_len(), 5);
        assert_eq!(set.duplicates_removed(), 2);
        let done = IdSet::from_uuids([Uuid::from_u128(2), Uuid::from_u128(9)]);
        assert_eq!(set.remove_all(&done), 1);
        assert_eq!(set.as_slice(), &[Uuid::from_u128(1), Uuid::from_u128(3)]);
        let err = IdSet::parse(["x", A, "y"]).unwrap_err();
        assert_eq!(err.total_problems, 2);
    }
}
