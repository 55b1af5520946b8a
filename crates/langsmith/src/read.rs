//! Finding examples and proving their erasure: [`Client::examples`],
//! [`Client::count_examples`], [`Client::dataset_by_name`] and [`Client::verify_erased`],
//! over the generated client's read operations.

use crate::call::{Call, Callback, Called, RequestRecord, stops_the_run};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Listing};
use crate::paging::{Bound, Lister, Rows};
use crate::select::{self, Exclusion, Listed, Selection};
use futures_util::{Stream, StreamExt, stream};
use langsmith_api::hooks;
use langsmith_api::spec::{operations, schemas};
use langsmith_api::types;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tracing::Instrument;
use uuid::Uuid;

pub use langsmith_api::types::{Dataset, Example};

/// Examples per page and ids per verification request: the spec's `limit` maximum of
/// `GET /api/v1/examples`.
pub const PAGE_SIZE: usize =
    operations::read_examples_api_v1_examples_get::parameters::limit::MAXIMUM as usize;

/// A time to read examples as of (`as_of`): every modification made on or before it.
pub type AsOf = chrono::DateTime<chrono::Utc>;

/// Which examples to read: the filters of `GET /api/v1/examples`, typed. Filters combine
/// with "and"; an empty query selects every example of the workspace.
///
/// ```
/// use langsmith::ExampleQuery;
/// let q = ExampleQuery::new()
///     .dataset(langsmith::Uuid::nil())
///     .contains("jane.doe@example.com")
///     .split("test");
/// assert_eq!(q.contains_terms(), ["jane.doe@example.com"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExampleQuery {
    dataset: Option<Uuid>,
    ids: Option<Vec<Uuid>>,
    contains: Vec<String>,
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
    filter: Option<String>,
    splits: Vec<String>,
    as_of: Option<AsOf>,
    prefetch: Option<usize>,
    counted: Option<u64>,
    /// Also select `created_at` (the runs window is bounded by it).
    created_at: bool,
    /// Also select `source_run_id`.
    source_run: bool,
    /// Also select `outputs` and `metadata` (a scan checks them here).
    content: bool,
    /// The `contains` texts are also looked for in metadata.
    metadata_too: bool,
}

impl ExampleQuery {
    /// Also select each example's `created_at` (not a required field of `Example`, so
    /// not selected otherwise).
    pub(crate) fn with_created_at(mut self) -> Self {
        self.created_at = true;
        self
    }

    /// Also select each example's `outputs` and `metadata` (the text a scan checks).
    pub(crate) fn with_content(mut self) -> Self {
        self.content = true;
        self
    }

    /// Also select each example's `source_run_id`.
    pub(crate) fn with_source_run(mut self) -> Self {
        self.source_run = true;
        self
    }

    /// The `contains` texts count when found in an example's metadata too (keys and
    /// string values), not only in its inputs and outputs: a person's data is theirs
    /// wherever it sits. (The server's `full_text_contains` is still what lists a row.)
    pub fn contains_in_metadata(mut self) -> Self {
        self.metadata_too = true;
        self
    }

    /// Every example.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only examples of this dataset.
    pub fn dataset(mut self, id: Uuid) -> Self {
        self.dataset = Some(id);
        self
    }

    /// Only these ids (at most [`PAGE_SIZE`] per request are sent by
    /// [`Client::verify_erased`]; here, all go in one query string).
    pub fn ids(mut self, ids: impl IntoIterator<Item = Uuid>) -> Self {
        self.ids = Some(ids.into_iter().collect());
        self
    }

    /// Only examples whose inputs or outputs contain `text` (`full_text_contains`;
    /// repeat to require several).
    pub fn contains(mut self, text: impl Into<String>) -> Self {
        self.contains.push(text.into());
        self
    }

    /// Only examples whose metadata holds every key of `metadata` with that value.
    pub fn metadata(mut self, metadata: serde_json::Map<String, serde_json::Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// A filter expression in LangSmith's filter language, passed as is.
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.filter = Some(expression.into());
        self
    }

    /// Only examples in this split (repeat for any of several).
    pub fn split(mut self, name: impl Into<String>) -> Self {
        self.splits.push(name.into());
        self
    }

    /// Read the dataset as it was at `time` (default: the latest version).
    pub fn as_of(mut self, time: AsOf) -> Self {
        self.as_of = Some(time);
        self
    }

    /// Pages in flight at once in [`Client::examples`] (default 4). At most `n - 1`
    /// requests are spent past the last page.
    pub fn prefetch(mut self, n: usize) -> Self {
        self.prefetch = Some(n.max(1));
        self
    }

    /// The server's count of this query, when the caller already has it
    /// ([`Client::count_examples`]): it bounds the listing of [`Client::examples`], which
    /// then does not count again.
    pub fn counted(mut self, n: u64) -> Self {
        self.counted = Some(n);
        self
    }

    /// The dataset, if the query selects one.
    pub fn dataset_id(&self) -> Option<Uuid> {
        self.dataset
    }

    /// The `full_text_contains` terms.
    pub fn contains_terms(&self) -> &[String] {
        &self.contains
    }

    /// The selectors the client cannot re-check in a listed row, so a row matches them
    /// on the server's word alone: `filter` (LangSmith's filter language).
    pub fn server_evaluated(&self) -> Vec<&'static str> {
        self.filter.iter().map(|_| "filter").collect()
    }

    /// Re-checks a listed example against every selector its row can prove (see
    /// [`Exclusion`] for each rule): `Err` names the first one it fails.
    /// [`Client::examples`] applies this to every row it lists.
    ///
    /// ```
    /// use langsmith::{Exclusion, ExampleQuery};
    /// let row: langsmith::Example = serde_json::from_value(serde_json::json!({
    ///     "id": "00000000-0000-4000-8000-000000000001",
    ///     "dataset_id": "00000000-0000-4000-8000-0000000000da",
    ///     "name": "#1", "inputs": {"q": "Mail JANE.DOE@example.com"},
    /// })).unwrap();
    /// let q = ExampleQuery::new().contains("jane.doe@example.com");
    /// assert_eq!(q.check(&row), Ok(()));
    /// let q = ExampleQuery::new().contains("john@example.com");
    /// assert_eq!(q.check(&row), Err(Exclusion::TextNotFound));
    /// ```
    pub fn check(&self, example: &Example) -> Result<(), Exclusion> {
        Checker::new(self).check(example)
    }

    /// [`ExampleQuery::check`] prepared once (terms folded, ids sorted) for many rows, as
    /// [`Client::examples`] uses it.
    pub fn checker(&self) -> Checker {
        Checker::new(self)
    }

    /// The content fields a listing must select for [`ExampleQuery::check`]: `outputs`
    /// for text, `metadata` for metadata and splits.
    fn checked_fields(&self) -> Vec<types::ExampleSelect> {
        let mut extra = Vec::new();
        if !self.contains.is_empty() || self.content {
            extra.push(types::ExampleSelect::Outputs);
        }
        if self.metadata.is_some()
            || !self.splits.is_empty()
            || self.content
            || (self.metadata_too && !self.contains.is_empty())
        {
            extra.push(types::ExampleSelect::Metadata);
        }
        if self.created_at {
            extra.push(types::ExampleSelect::CreatedAt);
        }
        if self.source_run {
            extra.push(types::ExampleSelect::SourceRunId);
        }
        select(&extra)
    }

    /// Whether the query selects by nothing: every example of the workspace.
    pub fn is_unfiltered(&self) -> bool {
        self.dataset.is_none()
            && self.ids.is_none()
            && self.contains.is_empty()
            && self.metadata.is_none()
            && self.filter.is_none()
            && self.splits.is_empty()
    }

    /// The filters as the generated calls take them (shared by listing and counting).
    fn params(&self) -> Params<'_> {
        Params {
            as_of: self
                .as_of
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            metadata: self
                .metadata
                .as_ref()
                .map(|m| serde_json::Value::Object(m.clone()).to_string()),
            contains: (!self.contains.is_empty()).then_some(&self.contains),
            splits: (!self.splits.is_empty()).then_some(&self.splits),
        }
    }
}

/// An [`ExampleQuery`]'s checkable selectors, prepared once for many rows
/// ([`ExampleQuery::checker`]).
#[derive(Debug, Clone)]
pub struct Checker {
    dataset: Option<Uuid>,
    ids: Option<Vec<Uuid>>,
    terms: select::Terms,
    metadata_too: bool,
    metadata: Option<serde_json::Value>,
    splits: Vec<String>,
}

impl Checker {
    fn new(q: &ExampleQuery) -> Self {
        Checker {
            dataset: q.dataset,
            ids: q.ids.as_ref().map(|ids| {
                let mut ids = ids.clone();
                crate::ids::sort_ids(&mut ids);
                ids
            }),
            terms: select::Terms::new(&q.contains),
            metadata_too: q.metadata_too,
            metadata: q.metadata.clone().map(serde_json::Value::Object),
            splits: q.splits.clone(),
        }
    }

    /// The first selector `e` fails, if any (see [`ExampleQuery::check`]).
    pub fn check(&self, e: &Example) -> Result<(), Exclusion> {
        if self.dataset.is_some_and(|d| d != e.dataset_id) {
            return Err(Exclusion::DatasetMismatch);
        }
        if let Some(ids) = &self.ids
            && ids.binary_search(&e.id).is_err()
        {
            return Err(Exclusion::IdMismatch);
        }
        if !self.terms.is_empty()
            && !self.terms.all_found(&[
                e.inputs.as_ref(),
                e.outputs.as_ref(),
                e.metadata.as_ref().filter(|_| self.metadata_too),
            ])
        {
            return Err(Exclusion::TextNotFound);
        }
        if let Some(want) = &self.metadata {
            let have = e
                .metadata
                .clone()
                .map(serde_json::Value::Object)
                .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
            if !select::contains_json(&have, want) {
                return Err(Exclusion::MetadataMismatch);
            }
        }
        if !self.splits.is_empty() && !select::in_split(e.metadata.as_ref(), &self.splits) {
            return Err(Exclusion::SplitMismatch);
        }
        Ok(())
    }
}

/// The rows of an examples listing: each new row re-checked by the query's [`Checker`],
/// a row listed before reported as [`Listed::Repeated`].
impl Rows for Checker {
    type Row = Example;
    type Id = Uuid;
    type Judged = Listed;

    fn id(&self, row: &Example) -> Uuid {
        row.id
    }

    fn judge(&self, e: Example) -> Listed {
        match self.check(&e) {
            Ok(()) => Listed::Selected(e),
            Err(reason) => Listed::Excluded { example: e, reason },
        }
    }

    fn repeated(&self, e: Example) -> Option<Listed> {
        Some(Listed::Repeated(e.id))
    }
}

/// Bounds an examples listing by the server's count, and sizes the set of ids seen for
/// it at once (up to the selection's cap: the count is the server's word).
/// The pages an offset listing of `counted` rows asks for: the full ones, then the short
/// (possibly empty) page that ends it.
fn pages_for(counted: u64) -> u64 {
    counted / PAGE_SIZE as u64 + 1
}

fn bind_to_count(lister: &mut Lister<Checker>, counted: u64) {
    lister.bind(Bound::counted(counted, PAGE_SIZE));
    lister.reserve(select::presized(counted));
}

/// Sets the filters of an [`ExampleQuery`] (`$q`, with its [`Params`] `$p`) on a generated
/// call's builder, by name: listing and counting take the same ones.
macro_rules! with_filters {
    ($call:expr, $q:expr, $p:expr) => {{
        let mut call = $call;
        if let Some(t) = &$p.as_of {
            call = call.as_of(t.clone());
        }
        if let Some(d) = $q.dataset {
            call = call.dataset(d);
        }
        if let Some(f) = &$q.filter {
            call = call.filter(f.clone());
        }
        if let Some(c) = $p.contains {
            call = call.full_text_contains(c.clone());
        }
        if let Some(ids) = &$q.ids {
            call = call.id(ids.clone());
        }
        if let Some(m) = &$p.metadata {
            call = call.metadata(m.clone());
        }
        if let Some(s) = $p.splits {
            call = call.splits(s.clone());
        }
        call
    }};
}

/// The filters of an [`ExampleQuery`] the generated calls take as strings or options.
struct Params<'a> {
    as_of: Option<String>,
    metadata: Option<String>,
    contains: Option<&'a Vec<String>>,
    splits: Option<&'a Vec<String>>,
}

/// The fields every read selects: those the spec's `Example` requires (so a response
/// always deserializes), plus what the caller needs.
fn select(extra: &[types::ExampleSelect]) -> Vec<types::ExampleSelect> {
    let mut out: Vec<types::ExampleSelect> = schemas::example::REQUIRED
        .iter()
        .filter_map(|f| f.parse().ok())
        .collect();
    for e in extra {
        if !out.contains(e) {
            out.push(*e);
        }
    }
    out
}

/// A page of examples: the ids and content fields asked for, and (when asked) which
/// content fields the answer carried for each.
struct Page {
    examples: Vec<Example>,
    present: Option<Vec<(Uuid, hooks::FieldsPresent)>>,
    status: Option<u16>,
    request_id: Option<String>,
}

impl Client {
    /// One page of `GET /api/v1/examples`, with retries within the rate limit.
    async fn examples_page(
        &self,
        q: &ExampleQuery,
        offset: u64,
        limit: usize,
        fields: &[types::ExampleSelect],
        cancel: Option<&AtomicBool>,
        presence: bool,
    ) -> Called<Page> {
        let p = q.params();
        let call = Call::new(if presence {
            "read_examples_back"
        } else {
            "list_examples"
        })
        .cancel(cancel);
        let call = match &q.ids {
            Some(ids) => call.ids(ids.len()),
            None => call,
        };
        self.call(
            call,
            |_| {
                let call = self
                    .api
                    .read_examples_api_v1_examples_get()
                    .limit(limit as u64)
                    .offset(offset)
                    .order(types::ExampleListOrder::Id)
                    .select(fields.to_vec());
                let call = with_filters!(call, q, p).send();
                async move {
                    if presence {
                        hooks::capture_fields_present(call).await
                    } else {
                        hooks::capture(call).await
                    }
                }
            },
            |rv, mut meta| {
                Ok(Page {
                    examples: rv.into_inner(),
                    present: meta.fields_present.take(),
                    status: meta.status.map(|s| s.as_u16()),
                    request_id: meta.request_id.take(),
                })
            },
        )
        .await
    }

    /// Every example `query` selects, over all pages (the spec's largest page,
    /// [`PAGE_SIZE`], ordered by id, [`ExampleQuery::prefetch`] pages in flight), each
    /// row judged by the client: the server's word that a row matches is not enough.
    ///
    /// - [`Listed::Selected`]: the row passed every selector it can prove
    ///   ([`ExampleQuery::check`]: dataset, ids, contains, metadata, split; the listing
    ///   selects the fields those need). `filter` is the server's word alone
    ///   ([`ExampleQuery::server_evaluated`]).
    /// - [`Listed::Excluded`]: the server listed it, but it fails a selector; act on it
    ///   never.
    /// - [`Listed::Repeated`]: an id listed before (offset paging shifted under a
    ///   concurrent change).
    ///
    /// Paging cannot run away: the listing is bounded by the server's count (counted
    /// first, unless [`ExampleQuery::counted`] gives it), and ends with
    /// [`Error::Paging`] when a full page brings no id not listed before, when the unique
    /// ids listed exceed the count by more than a tenth of it or one page (whichever is
    /// more), or past the pages that many ids need plus one. A listing that ends with an
    /// error selects nothing: collect first, then act (as the CLI's `hard-delete
    /// --dataset` does). The stream ends after the first short page, or with the first
    /// error (after retries).
    pub fn examples<'a>(
        &'a self,
        query: &'a ExampleQuery,
    ) -> impl Stream<Item = Result<Listed, Error>> + 'a {
        let prefetch = query.prefetch.unwrap_or(4);
        let fields = query.checked_fields();
        let fetch = move |page: u64| {
            let fields = fields.clone();
            async move {
                self.examples_page(
                    query,
                    page * PAGE_SIZE as u64,
                    PAGE_SIZE,
                    &fields,
                    None,
                    false,
                )
                .instrument(tracing::debug_span!("examples_page", page))
                .await
                .result
            }
        };
        let mut lister = Lister::offset(Listing::Examples, PAGE_SIZE, Checker::new(query));
        if let Some(counted) = query.counted {
            bind_to_count(&mut lister, counted);
        }
        // Up to `prefetch` pages in flight, yielded in order; after the first short page
        // (or error) the rest are dropped, unsent or cancelled. No page is asked ahead
        // past those the count needs (its rows, then the short page that ends the
        // listing): pages beyond them (rows added since the count) are asked one at a time.
        let horizon = query.counted.map(pages_for);
        let state = (
            stream::FuturesOrdered::new(),
            0u64,
            false,
            fetch,
            lister,
            horizon,
        );
        stream::unfold(
            state,
            move |(mut queue, mut next, done, fetch, mut lister, mut horizon)| async move {
                if done {
                    return None;
                }
                if !lister.is_bound() {
                    match self.count_examples(query).await {
                        Ok(n) => {
                            bind_to_count(&mut lister, n);
                            horizon = Some(pages_for(n));
                        }
                        Err(e) => {
                            return Some((Err(e), (queue, next, true, fetch, lister, horizon)));
                        }
                    }
                }
                while queue.len() < prefetch
                    && (queue.is_empty() || horizon.is_none_or(|h| next < h))
                {
                    queue.push_back(fetch(next));
                    next += 1;
                }
                let page = queue.next().await?;
                let judged = match page {
                    Ok(p) => lister.judge(p.examples, None).map_err(Error::Paging),
                    Err(e) => Err(e),
                };
                let done = !matches!(&judged, Ok((_, full)) if *full);
                Some((
                    judged.map(|(rows, _)| rows),
                    (queue, next, done, fetch, lister, horizon),
                ))
            },
        )
        .flat_map(|page| match page {
            Ok(rows) => stream::iter(rows.into_iter().map(Ok)).left_stream(),
            Err(e) => stream::once(async { Err(e) }).right_stream(),
        })
    }

    /// Counts, then lists, what `query` selects ([`Client::examples`]), collected: the
    /// ids that passed the client's check, and those the server listed that did not.
    ///
    /// ```no_run
    /// # async fn demo(client: langsmith::Client, dataset: langsmith::Uuid) -> Result<(), langsmith::Error> {
    /// let query = langsmith::ExampleQuery::new().dataset(dataset).contains("jane.doe@example.com");
    /// let found = client.select(&query).await?;
    /// for (id, why) in &found.excluded {
    ///     eprintln!("the server listed {id}, but it fails the check: {why}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn select(&self, query: &ExampleQuery) -> Result<Selection, Error> {
        let counted = self.count_examples(query).await?;
        let query = query.clone().counted(counted);
        let mut out = Selection::new(counted);
        let mut rows = std::pin::pin!(self.examples(&query));
        while let Some(row) = rows.next().await {
            out.push(&row?);
        }
        Ok(out)
    }

    /// How many examples `query` selects (`GET /api/v1/examples/count`).
    pub async fn count_examples(&self, query: &ExampleQuery) -> Result<u64, Error> {
        let p = query.params();
        self.call(
            Call::new("count_examples"),
            |_| {
                let call = self.api.count_examples_api_v1_examples_count_get();
                hooks::capture(with_filters!(call, query, p).send())
            },
            |rv, meta| {
                let n = rv.into_inner();
                u64::try_from(n).map_err(|_| {
                    Box::new(Error::unexpected_body(
                        meta.status.map(u16::from),
                        true,
                        "a negative count",
                        n.to_string(),
                        meta.request_id.clone(),
                        None,
                    ))
                })
            },
        )
        .await
        .result
    }

    /// Every dataset `GET /api/v1/datasets` lists (named exactly `name` when given: the
    /// server's filter, re-checked here), over all pages through the lister: the spec's
    /// largest page, oldest first (so datasets made meanwhile land on later pages), at
    /// most [`MAX_DATASETS`] of them.
    pub(crate) async fn datasets(&self, name: Option<&str>) -> Result<Vec<Dataset>, Error> {
        let rows = DatasetRows { name };
        let walk = Lister::offset(Listing::Datasets, DATASETS_PAGE_SIZE, rows)
            .bound(Bound::at_most(MAX_DATASETS, DATASETS_PAGE_SIZE))
            .walk_offset(None, |offset| async move {
                let called = self
                    .call(
                        Call::new("list_datasets"),
                        |_| {
                            let mut call = self
                                .api
                                .read_datasets_api_v1_datasets_get()
                                .limit(DATASETS_PAGE_SIZE as u64)
                                .offset(offset)
                                .sort_by(types::SortByDatasetColumn::CreatedAt)
                                .sort_by_desc(false);
                            if let Some(name) = name {
                                call = call.name(name);
                            }
                            hooks::capture(call.send())
                        },
                        |rv, _| Ok(rv.into_inner()),
                    )
                    .await;
                (called.result, called.attempts)
            })
            .await;
        Ok(walk.result?.into_iter().flatten().collect())
    }

    /// The dataset named exactly `name` (`GET /api/v1/datasets?name=`, every page, each
    /// row's name re-checked). None, or more than one, is [`Error::NameResolution`] naming it, the
    /// endpoint and how many matched; when none did, it also names the datasets there
    /// whose names are close (another case, a typo or two), from a listing of them all.
    pub async fn dataset_by_name(&self, name: &str) -> Result<Dataset, Error> {
        let mut found = self.datasets(Some(name)).await?;
        match found.len() {
            1 => Ok(found.pop().expect("one")),
            0 => {
                let near: Vec<String> = match self.datasets(None).await {
                    Ok(all) => close_names(name, all.into_iter().map(|d| d.name)),
                    Err(_) => Vec::new(),
                };
                Err(Error::lookup("dataset", name, 0, self.endpoint(), near))
            }
            n => Err(Error::lookup(
                "dataset",
                name,
                n,
                self.endpoint(),
                Vec::new(),
            )),
        }
    }
}

/// Datasets per page of a datasets listing: the spec's `limit` maximum of
/// `GET /api/v1/datasets`.
const DATASETS_PAGE_SIZE: usize =
    operations::read_datasets_api_v1_datasets_get::parameters::limit::MAXIMUM as usize;

/// The most datasets a listing takes before it is stopped as a server paging without
/// end (a workspace with more is not one this client is made for).
const MAX_DATASETS: u64 = 100_000;

/// The rows of a datasets listing: a dataset whose name is not the one asked for (a
/// server that did not apply the `name` filter) is dropped, as is one listed before.
struct DatasetRows<'a> {
    name: Option<&'a str>,
}

impl Rows for DatasetRows<'_> {
    type Row = Dataset;
    type Id = Uuid;
    type Judged = Option<Dataset>;

    fn id(&self, row: &Dataset) -> Uuid {
        row.id
    }

    fn judge(&self, d: Dataset) -> Option<Dataset> {
        self.name.is_none_or(|n| d.name == n).then_some(d)
    }

    fn repeated(&self, _: Dataset) -> Option<Option<Dataset>> {
        None
    }
}

/// The names close to `name`: equal but for case, or within an edit distance of a
/// quarter of its length (at least 1), closest first, at most three.
fn close_names(name: &str, names: impl Iterator<Item = String>) -> Vec<String> {
    let want = name.to_lowercase();
    let names: Vec<String> = names.collect();
    // Another case only: that is the one meant.
    let same: Vec<String> = names
        .iter()
        .filter(|n| n.to_lowercase() == want)
        .take(3)
        .cloned()
        .collect();
    if !same.is_empty() {
        return same;
    }
    let budget = (want.chars().count() / 4).max(1);
    let mut scored: Vec<(usize, String)> = names
        .into_iter()
        .filter_map(|n| {
            let d = edit_distance(&want, &n.to_lowercase());
            (d <= budget).then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    #[test]
    fn close_names_catch_case_and_typos_and_nothing_far() {
        let names = || {
            ["compliance", "Compliance-2025", "other", "complaints"]
                .map(String::from)
                .into_iter()
        };
        assert_eq!(close_names("Compliance", names()), ["compliance"]);
        assert!(close_names("complaince", names()).contains(&"compliance".to_owned()));
        assert!(close_names("zzz", names()).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

// ---------------------------------------------------------------------------------------
// Verification

/// What reading an id back showed. Exhaustive on purpose: a new outcome must be handled
/// by every caller (a report, an exit code), never fall into a catch-all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verification {
    /// Read back with inputs, outputs and metadata all null.
    Erased,
    /// Read back with data in at least one of the three (which ones; never the data).
    NotErased {
        /// `inputs` holds data.
        inputs: bool,
        /// `outputs` holds data.
        outputs: bool,
        /// `metadata` holds data.
        metadata: bool,
    },
    /// Read back, but the answer left out a content field it was asked for, so it proves
    /// nothing about that field (which ones are named; the others read null).
    Unproven {
        /// `outputs` was absent from the answer.
        outputs: bool,
        /// `metadata` was absent from the answer.
        metadata: bool,
        /// `attachment_urls` was absent from the answer (so attachments may be listed).
        attachment_urls: bool,
    },
    /// Inputs, outputs and metadata read back null, but `attachment_urls` still lists
    /// attachment files (the hard delete removes them later, within up to 7 days): not
    /// erased yet.
    AttachmentsPending {
        /// How many attachments the answer listed.
        attachments: usize,
    },
    /// Not in the answer: no example of this workspace has this id (at that time).
    NotFound,
    /// Its request failed (after retries) with this kind of error.
    Failed(ErrorKind),
    /// Never read (the run stopped or was cancelled first).
    NotAttempted,
}

/// The kind of a [`Verification`], without its data: for counting and reports.
/// Exhaustive, as [`Verification`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VerificationKind {
    /// [`Verification::Erased`].
    Erased,
    /// [`Verification::NotErased`].
    NotErased,
    /// [`Verification::Unproven`].
    Unproven,
    /// [`Verification::AttachmentsPending`].
    AttachmentsPending,
    /// [`Verification::NotFound`].
    NotFound,
    /// [`Verification::Failed`].
    Failed,
    /// [`Verification::NotAttempted`].
    NotAttempted,
}

impl VerificationKind {
    /// Every kind, in report order.
    pub const ALL: [VerificationKind; 7] = [
        VerificationKind::Erased,
        VerificationKind::NotErased,
        VerificationKind::Unproven,
        VerificationKind::AttachmentsPending,
        VerificationKind::NotFound,
        VerificationKind::Failed,
        VerificationKind::NotAttempted,
    ];

    /// `erased`, `not_erased`, `unproven`, `not_found`, `failed`, `not_attempted`.
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationKind::Erased => "erased",
            VerificationKind::NotErased => "not_erased",
            VerificationKind::Unproven => "unproven",
            VerificationKind::AttachmentsPending => "attachments_pending",
            VerificationKind::NotFound => "not_found",
            VerificationKind::Failed => "failed",
            VerificationKind::NotAttempted => "not_attempted",
        }
    }
}

impl fmt::Display for VerificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Verification {
    /// Its kind, without the data.
    pub fn kind(self) -> VerificationKind {
        match self {
            Verification::Erased => VerificationKind::Erased,
            Verification::NotErased { .. } => VerificationKind::NotErased,
            Verification::Unproven { .. } => VerificationKind::Unproven,
            Verification::AttachmentsPending { .. } => VerificationKind::AttachmentsPending,
            Verification::NotFound => VerificationKind::NotFound,
            Verification::Failed(_) => VerificationKind::Failed,
            Verification::NotAttempted => VerificationKind::NotAttempted,
        }
    }

    /// `erased`, `not_erased`, `unproven`, `not_found`, `failed`, `not_attempted`.
    pub fn as_str(self) -> &'static str {
        self.kind().as_str()
    }

    /// For [`Verification::NotErased`]: the fields still holding data, by name.
    pub fn holding_data(self) -> Vec<&'static str> {
        match self {
            Verification::NotErased {
                inputs,
                outputs,
                metadata,
            } => [
                (inputs, "inputs"),
                (outputs, "outputs"),
                (metadata, "metadata"),
            ]
            .into_iter()
            .filter_map(|(held, name)| held.then_some(name))
            .collect(),
            _ => Vec::new(),
        }
    }

    /// For [`Verification::Unproven`]: the fields the answer left out, by name.
    pub fn absent_fields(self) -> Vec<&'static str> {
        match self {
            Verification::Unproven {
                outputs,
                metadata,
                attachment_urls,
            } => [
                (outputs, "outputs"),
                (metadata, "metadata"),
                (attachment_urls, "attachment_urls"),
            ]
            .into_iter()
            .filter_map(|(absent, name)| absent.then_some(name))
            .collect(),
            _ => Vec::new(),
        }
    }

    /// What an example read back shows, given which fields the answer carried (`inputs`
    /// is required by the spec, so a typed example always had it).
    fn of(example: &Example, present: hooks::FieldsPresent) -> Verification {
        let inputs = example.inputs.is_some();
        let outputs = example.outputs.is_some();
        let metadata = example.metadata.is_some();
        if inputs || outputs || metadata {
            return Verification::NotErased {
                inputs,
                outputs,
                metadata,
            };
        }
        // All read null: erased only if the answer carried each field.
        if !present.outputs || !present.metadata || !present.attachment_urls {
            return Verification::Unproven {
                outputs: !present.outputs,
                metadata: !present.metadata,
                attachment_urls: !present.attachment_urls,
            };
        }
        // Content gone, files still listed: not erased until they are.
        let attachments = example.attachment_urls.as_ref().map_or(0, |m| m.len());
        if attachments > 0 {
            return Verification::AttachmentsPending { attachments };
        }
        Verification::Erased
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verification::NotErased { .. } => {
                write!(
                    f,
                    "not_erased ({} hold data)",
                    self.holding_data().join(", ")
                )
            }
            Verification::Unproven { .. } => write!(
                f,
                "unproven (the answer left out {})",
                self.absent_fields().join(", ")
            ),
            Verification::Failed(kind) => write!(f, "failed ({kind})"),
            Verification::AttachmentsPending { attachments } => write!(
                f,
                "attachments_pending ({attachments} attachment(s) still listed)"
            ),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Called once per finished verification request, with it.
pub type VerifyCallback = Callback<dyn Fn(&VerifyRequest) + Send + Sync>;

impl VerifyCallback {
    /// Wraps a function called with each finished verification request.
    pub fn new(f: impl Fn(&VerifyRequest) + Send + Sync + 'static) -> Self {
        Callback::from_arc(Arc::new(f))
    }
}

/// How [`Client::verify_erased`] runs.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Requests in flight at once (default 4; at least 1).
    pub concurrency: usize,
    /// Read the examples as of this time instead of the latest version.
    pub as_of: Option<AsOf>,
    /// Times before the ids were deleted, when they were listed with their data (a
    /// hard-delete run's start, a case's find), latest first. LangSmith stops listing a
    /// hard-deleted example (the official SDK's own `test_datasets` counts one fewer after
    /// a hard delete), so an id the latest read does not find is read again as of the
    /// first of these times, one not found then as of the next, and so on: a hard delete
    /// nulls every version, so null there shows it erased, and data there shows it was not
    /// hard-deleted (a soft delete, say). An id found at none of them stays
    /// [`Verification::NotFound`]. Ignored with [`VerifyOptions::as_of`] (that read is
    /// already of one time).
    pub before_deletion: Vec<AsOf>,
    /// Progress: called as each request finishes.
    pub on_request: Option<VerifyCallback>,
    /// When set, no new request starts once it is true; the ids left are
    /// [`Verification::NotAttempted`].
    pub cancel: Option<Arc<AtomicBool>>,
}

/// `t`, a time before a deletion, then a second before it: the times to give
/// [`VerifyOptions::before_deletion`] (and [`Client::example_scope_before`]) when `t` is
/// only known to precede the deletion. A server that dates a deletion to its whole second
/// unlists the example from that second's start, so a read as of `t` misses it when `t`
/// falls in the same second; a second earlier it reads null.
pub fn at_and_a_second_before(t: AsOf) -> [AsOf; 2] {
    [t, t - chrono::Duration::seconds(1)]
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            concurrency: 4,
            as_of: None,
            before_deletion: Vec::new(),
            on_request: None,
            cancel: None,
        }
    }
}

/// One verification request: the common record, plus what its answer held.
pub type VerifyRequest = RequestRecord<ExampleReadBack>;

/// What a verification request's answer held, beside the common record: read through
/// [`VerifyRequest`]'s accessors.
#[derive(Debug, Default)]
pub struct ExampleReadBack {
    returned: usize,
    foreign: usize,
    source_runs: Vec<(Uuid, Uuid)>,
}

impl RequestRecord<ExampleReadBack> {
    /// Ids asked for ([`RequestRecord::ids_sent`]).
    pub fn ids(&self) -> usize {
        self.ids_sent()
    }
    /// Examples the answer held.
    pub fn returned(&self) -> usize {
        self.extra.returned
    }
    /// Examples the answer held that were not asked for (ignored; a sign of a server
    /// that does not apply the `id` filter).
    pub fn foreign(&self) -> usize {
        self.extra.foreign
    }
    /// `(example id, source_run_id)` of each example read whose `source_run_id` is set:
    /// the trace it was made from.
    pub fn source_runs(&self) -> &[(Uuid, Uuid)] {
        &self.extra.source_runs
    }
}

/// Per-id outcomes of [`Client::verify_erased`], sorted by id.
#[derive(Debug)]
pub struct VerifyReport {
    ids: Vec<Uuid>,
    outcomes: Vec<Verification>,
    requests: Vec<VerifyRequest>,
    as_of: Option<AsOf>,
    /// Each read again as of one of [`VerifyOptions::before_deletion`]: its time and the
    /// ids it read (sorted).
    read_before_deletion: Vec<(AsOf, Vec<Uuid>)>,
    stopped_by: Option<ErrorKind>,
}

impl VerifyReport {
    /// The ids verified, sorted, unique.
    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }

    /// Every id with its outcome.
    pub fn outcomes(&self) -> impl Iterator<Item = (&Uuid, Verification)> + '_ {
        self.ids.iter().zip(self.outcomes.iter().copied())
    }

    /// The outcome of one id.
    pub fn outcome_of(&self, id: &Uuid) -> Option<Verification> {
        self.ids.binary_search(id).ok().map(|i| self.outcomes[i])
    }

    /// How many ids had an outcome of this kind (the data of
    /// [`Verification::NotErased`], [`Verification::Unproven`] and
    /// [`Verification::Failed`] aside).
    pub fn count(&self, kind: VerificationKind) -> usize {
        self.outcomes.iter().filter(|o| o.kind() == kind).count()
    }

    /// Whether every id read back erased.
    pub fn all_erased(&self) -> bool {
        self.outcomes.iter().all(|o| *o == Verification::Erased)
    }

    /// The requests made, in order of completion.
    pub fn requests(&self) -> &[VerifyRequest] {
        &self.requests
    }

    /// HTTP requests made, retries included.
    pub fn http_requests(&self) -> u64 {
        self.requests.iter().map(|r| u64::from(r.attempts())).sum()
    }

    /// The time read as of, if not the latest.
    pub fn as_of(&self) -> Option<AsOf> {
        self.as_of
    }

    /// The reads again as of [`VerifyOptions::before_deletion`]'s times, in order: each
    /// time and the ids not found before it (sorted). An id's outcome is its last read's.
    pub fn read_before_deletion(&self) -> &[(AsOf, Vec<Uuid>)] {
        &self.read_before_deletion
    }

    /// Whether `id` was not listed at the time read first, and its outcome is of an
    /// earlier time ([`VerifyOptions::before_deletion`]).
    pub fn read_earlier(&self, id: &Uuid) -> bool {
        self.read_before_deletion
            .first()
            .is_some_and(|(_, ids)| ids.binary_search(id).is_ok())
    }

    /// The error that stopped the run (a 401, a redirect, TLS, a wrong endpoint): every
    /// later request would have failed the same way.
    pub fn stopped_by(&self) -> Option<ErrorKind> {
        self.stopped_by
    }

    /// `(example id, source_run_id)` for every example read back whose `source_run_id`
    /// is set (the trace it was made from: a copy of its data that deleting the example
    /// does not touch), sorted by example id.
    pub fn source_runs(&self) -> Vec<(Uuid, Uuid)> {
        let mut all: Vec<(Uuid, Uuid)> = self
            .requests
            .iter()
            .flat_map(|r| r.source_runs().iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

impl Client {
    /// Reads every id back ([`PAGE_SIZE`] per request through the `id` filter, selecting
    /// only the required fields plus outputs and metadata), with the client's retries
    /// and rate limit, and says per id whether inputs, outputs and metadata are all
    /// null. Duplicates are read once. Runs on the same batch engine as
    /// [`Client::hard_delete_all`]: the same concurrency, cancellation and stop rules.
    ///
    /// An answer that leaves out `outputs` or `metadata` (both asked for) proves nothing
    /// about them: such an id is [`Verification::Unproven`], never erased. Presence is
    /// read from the raw answer (the generated `Example` reads absent and null alike;
    /// `inputs` is required, so a typed example always had it). Fails only for invalid
    /// options (a concurrency of 0).
    pub async fn verify_erased(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
        options: &VerifyOptions,
    ) -> Result<VerifyReport, Error> {
        if options.concurrency == 0 {
            return Err(
                crate::error::ConfigError::setting("concurrency", "must be at least 1").into(),
            );
        }
        let mut ids: Vec<Uuid> = ids.into_iter().collect();
        crate::ids::sort_ids(&mut ids);
        ids.dedup();
        let fields = select(&[
            types::ExampleSelect::Outputs,
            types::ExampleSelect::Metadata,
            types::ExampleSelect::AttachmentUrls,
            types::ExampleSelect::SourceRunId,
        ]);
        let pass = |ids: Vec<Uuid>, as_of: Option<AsOf>| {
            let op = Verify {
                client: self,
                options,
                as_of,
                fields: fields.clone(),
            };
            async move {
                let span = tracing::info_span!("verify_erased", ids = ids.len());
                crate::engine::run(
                    &op,
                    ids,
                    &crate::engine::Settings {
                        batch_size: PAGE_SIZE,
                        concurrency: options.concurrency,
                        fail_fast: false,
                        cancel: options.cancel.as_deref(),
                    },
                    span,
                )
                .await
            }
        };
        let mut run = pass(ids, options.as_of).await;
        let mut read_before_deletion = Vec::new();
        let cancelled = || {
            options
                .cancel
                .as_deref()
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst))
        };
        if options.as_of.is_none() {
            for before in &options.before_deletion {
                let unlisted: Vec<Uuid> = run
                    .ids
                    .iter()
                    .zip(&run.outcomes)
                    .filter(|(_, o)| **o == Verification::NotFound)
                    .map(|(id, _)| *id)
                    .collect();
                if unlisted.is_empty() || run.stopped_by.is_some() || cancelled() {
                    break;
                }
                let again = pass(unlisted, Some(*before)).await;
                for (id, outcome) in again.ids.iter().zip(&again.outcomes) {
                    if let Ok(k) = run.ids.binary_search(id) {
                        run.outcomes[k] = *outcome;
                    }
                }
                let (requests, batches) = (
                    run.records.len(),
                    run.records.iter().map(|r| r.batch() + 1).max().unwrap_or(0),
                );
                run.records.extend(again.records.into_iter().map(|mut r| {
                    r.follow(requests, batches);
                    r
                }));
                run.stopped_by = again.stopped_by;
                read_before_deletion.push((*before, again.ids));
            }
        }
        Ok(VerifyReport {
            ids: run.ids,
            outcomes: run.outcomes,
            requests: run.records,
            as_of: options.as_of,
            read_before_deletion,
            stopped_by: run.stopped_by,
        })
    }
}

/// Reading ids back, as a batch operation: one listing by id per set, each id's presence
/// and content mapped to a [`Verification`].
struct Verify<'a> {
    client: &'a Client,
    options: &'a VerifyOptions,
    /// The time read as of: the options' own, or for a second pass
    /// [`VerifyOptions::before_deletion`].
    as_of: Option<AsOf>,
    fields: Vec<types::ExampleSelect>,
}

impl crate::engine::BatchOp for Verify<'_> {
    type Key = Uuid;
    type Outcome = Verification;
    type Extra = ExampleReadBack;
    const NOT_ATTEMPTED: Verification = Verification::NotAttempted;

    fn finished(&self, request: &mut VerifyRequest, _: &[(Uuid, Verification)]) {
        if let Some(cb) = &self.options.on_request {
            cb(request);
        }
    }

    async fn send(
        &self,
        batch: usize,
        chunk: Vec<Uuid>,
        cancel: Option<&AtomicBool>,
    ) -> crate::engine::Step<Uuid, Verification, ExampleReadBack> {
        let mut query = ExampleQuery::new().ids(chunk.iter().copied());
        query.as_of = self.as_of;
        let called = self
            .client
            .examples_page(&query, 0, PAGE_SIZE, &self.fields, cancel, true)
            .await;
        let mut request =
            RequestRecord::of(batch, chunk.len(), &called, ExampleReadBack::default());
        let (mut stops_run, mut failed) = (None, None);
        let found = match called.result {
            Ok(page) => {
                request.answered(page.status, page.request_id.clone());
                request.extra.returned = page.examples.len();
                let mut found = vec![Verification::NotFound; chunk.len()];
                let present = page.present.as_deref().unwrap_or_default();
                for (i, example) in page.examples.iter().enumerate() {
                    // The presence row of the same element (same order, same id).
                    let fields = present
                        .get(i)
                        .filter(|(id, _)| *id == example.id)
                        .map(|(_, f)| *f)
                        .unwrap_or_default();
                    match chunk.binary_search(&example.id) {
                        // A second copy of an id can only make it less erased.
                        Ok(k) => {
                            if let Some(run) = example.source_run_id {
                                request.extra.source_runs.push((example.id, run));
                            }
                            found[k] = match (found[k], Verification::of(example, fields)) {
                                (
                                    v @ (Verification::NotErased { .. }
                                    | Verification::Unproven { .. }),
                                    _,
                                ) => v,
                                (
                                    v @ Verification::AttachmentsPending { .. },
                                    Verification::Erased | Verification::AttachmentsPending { .. },
                                ) => v,
                                (_, v) => v,
                            }
                        }
                        Err(_) => request.extra.foreign += 1,
                    }
                }
                found
            }
            Err(e) => {
                let kind = e.kind();
                if stops_the_run(&e) {
                    stops_run = Some(kind);
                }
                failed = Some(kind);
                request.failed(e);
                vec![Verification::Failed(kind); chunk.len()]
            }
        };
        crate::engine::Step {
            settled: chunk.into_iter().zip(found).collect(),
            resend: Vec::new(),
            record: request,
            stops_run,
            failed,
        }
    }
}

/// The futures are `Send`: they run on a multi-threaded runtime.
#[allow(dead_code)]
fn futures_are_send(c: &Client, q: &ExampleQuery) {
    fn is_send<T: Send>(_: &T) {}
    is_send(&c.verify_erased(Vec::new(), &VerifyOptions::default()));
    is_send(&c.count_examples(q));
    is_send(&c.examples(q));
    is_send(&c.select(q));
    is_send(&c.dataset_by_name("x"));
}
