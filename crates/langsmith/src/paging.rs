//! The one lister, for offset and cursor paging alike: every page of a listing goes
//! through [`Lister::judge`], which holds the guards once (ids seen before, a cursor given
//! before, a full page with no new id, the bound on unique rows, the page cap,
//! cancellation) and hands each new row to the listing's own re-check ([`Rows`]). A
//! listing that breaks a guard ends with one [`PagingError`] naming the listing and the
//! page (and offset) where it stopped.
//!
//! How a repeat is told: a listing keeps the id of every row it listed (and drops or
//! reports a row listed before), unless it is sorted ([`Lister::sorted`]): then every row
//! must come in the listing's order of its sort key ([`Rows::sort_key`]), and only the ids
//! of the rows with the last key listed are kept. A row out of that order, or listed
//! before, ends the listing: memory no longer grows with the rows listed, and a repeat is
//! told all the same (a row listed before either has the last key, and is among those
//! kept, or an earlier one, and is out of order).
//!
//! [`Lister::walk_offset`] and [`Lister::walk_cursor`] drive a whole listing, one page
//! after the other, from a page source; [`Lister::walk_cursor_pages`] hands each page
//! over as it is judged, keeping none; a listing with pages in flight (the examples'
//! prefetch) calls [`Lister::judge`] itself, in page order.

use crate::error::{Error, Listing, PagingError, PagingReason};
use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

/// A listing's rows: the id of a row, and the client's own re-check of a row listed for
/// the first time.
pub(crate) trait Rows {
    /// A row as the page holds it.
    type Row;
    /// What makes two rows the same row.
    type Id: Eq + Hash;
    /// A row as the client judged it.
    type Judged;
    /// The row's id.
    fn id(&self, row: &Self::Row) -> Self::Id;
    /// A row listed for the first time, re-checked.
    fn judge(&self, row: Self::Row) -> Self::Judged;
    /// A row whose id was listed before: reported (`Some`) or dropped.
    fn repeated(&self, row: Self::Row) -> Option<Self::Judged>;
    /// The key a sorted listing ([`Lister::sorted`]) is sorted by: none for a row that
    /// has none (a sorted listing stops there, as out of order).
    fn sort_key(&self, _row: &Self::Row) -> Option<SystemTime> {
        None
    }
}

/// The order of a sorted listing's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Earliest first.
    Ascending,
    /// Latest first.
    Descending,
}

/// How a listing tells a row listed before.
enum Seen<Id> {
    /// Every id listed.
    All(HashSet<Id>),
    /// A sorted listing: the last key listed, and the ids listed with it.
    Sorted {
        order: Order,
        last: Option<SystemTime>,
        ties: HashSet<Id>,
    },
}

/// What [`Seen::admit`] makes of a row.
enum Admit {
    /// Listed for the first time.
    New,
    /// Listed before.
    Repeated,
    /// Out of the listing's order (or without a key).
    OutOfOrder,
}

impl<Id: Eq + Hash> Seen<Id> {
    fn admit(&mut self, id: Id, key: Option<SystemTime>) -> Admit {
        match self {
            Seen::All(seen) => {
                if seen.insert(id) {
                    Admit::New
                } else {
                    Admit::Repeated
                }
            }
            Seen::Sorted { order, last, ties } => {
                let Some(key) = key else {
                    return Admit::OutOfOrder;
                };
                let after = match (*last, *order) {
                    (None, _) => true,
                    (Some(l), Order::Ascending) => key > l,
                    (Some(l), Order::Descending) => key < l,
                };
                if after {
                    *last = Some(key);
                    ties.clear();
                    ties.insert(id);
                    Admit::New
                } else if Some(key) != *last {
                    Admit::OutOfOrder
                } else if ties.insert(id) {
                    Admit::New
                } else {
                    Admit::Repeated
                }
            }
        }
    }

    /// Ids held now (for a sorted listing, those of the last key only).
    #[cfg(test)]
    fn held(&self) -> usize {
        match self {
            Seen::All(seen) => seen.len(),
            Seen::Sorted { ties, .. } => ties.len(),
        }
    }
}

/// How far a listing may go: past it, the server is not paging as the API says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bound {
    /// The server's count, when the bound comes from it.
    counted: Option<u64>,
    /// The most unique rows.
    max_unique: u64,
    /// The most pages, when capped.
    max_pages: Option<u64>,
}

impl Bound {
    /// From the server's count: `counted` plus a margin of a tenth of it or one page,
    /// whichever is more (rows added while the listing runs), and the pages those need
    /// plus one (the short page that ends the listing).
    pub(crate) fn counted(counted: u64, page_size: usize) -> Self {
        let page = page_size.max(1) as u64;
        let max_unique = counted.saturating_add((counted / 10).max(page));
        Bound {
            counted: Some(counted),
            max_unique,
            max_pages: Some(max_unique.div_ceil(page) + 1),
        }
    }

    /// Without a count: at most `max_unique` unique rows, and the pages they need plus
    /// one.
    pub(crate) fn at_most(max_unique: u64, page_size: usize) -> Self {
        Bound {
            counted: None,
            max_unique,
            max_pages: Some(max_unique.div_ceil(page_size.max(1) as u64) + 1),
        }
    }

    /// At most `max_unique` unique rows, pages uncapped (a cursor listing whose pages may
    /// be short).
    pub(crate) fn unique(max_unique: u64) -> Self {
        Bound {
            counted: None,
            max_unique,
            max_pages: None,
        }
    }
}

/// How a listing pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paging {
    /// By offset: a full page means there may be more.
    Offset,
    /// By cursor: a next cursor means there is more.
    Cursor,
}

/// One page of a cursor-paged listing: its rows, and the next cursor (none on the last).
#[derive(Debug)]
pub(crate) struct CursorPage<T> {
    pub(crate) rows: Vec<T>,
    pub(crate) next: Option<String>,
}

/// A whole listing walked: its judged rows (or, handed over page by page, nothing) or the
/// error that ended it, and its cost (the runs query reports both; the datasets listing
/// needs neither).
#[derive(Debug)]
pub(crate) struct Walk<T> {
    pub(crate) result: Result<T, Error>,
    /// Pages answered.
    pub(crate) pages: u64,
    /// HTTP attempts made, retries included.
    pub(crate) attempts: u64,
}

impl Walk<()> {
    /// The same walk, with `out` as its result when it ended normally.
    fn with<T>(self, out: T) -> Walk<T> {
        Walk {
            result: self.result.map(|()| out),
            pages: self.pages,
            attempts: self.attempts,
        }
    }
}

/// A listing's state: the rows seen, the cursors followed, the bound, and the re-check.
pub(crate) struct Lister<R: Rows> {
    listing: Listing,
    paging: Paging,
    page_size: usize,
    rows: R,
    seen: Seen<R::Id>,
    /// Unique rows listed so far.
    unique: u64,
    /// Every next cursor given (one a page).
    cursors: HashSet<String>,
    bound: Option<Bound>,
    /// Pages judged so far.
    page: u64,
}

impl<R: Rows> Lister<R> {
    /// A listing paged by offset, `page_size` rows a page.
    pub(crate) fn offset(listing: Listing, page_size: usize, rows: R) -> Self {
        Self::new(listing, Paging::Offset, page_size, rows)
    }

    /// A listing paged by cursor, at most `page_size` rows a page.
    pub(crate) fn cursor(listing: Listing, page_size: usize, rows: R) -> Self {
        Self::new(listing, Paging::Cursor, page_size, rows)
    }

    /// A listing paged by cursor, at most `page_size` rows a page, sorted by
    /// [`Rows::sort_key`] in `order`: a row out of that order, or listed before, stops it
    /// ([`PagingReason::OutOfOrder`], [`PagingReason::RepeatedRow`]). Keeps the ids of the
    /// rows with the last key only, not those of every row listed.
    pub(crate) fn sorted(listing: Listing, page_size: usize, rows: R, order: Order) -> Self {
        let mut lister = Self::new(listing, Paging::Cursor, page_size, rows);
        lister.seen = Seen::Sorted {
            order,
            last: None,
            ties: HashSet::new(),
        };
        lister
    }

    fn new(listing: Listing, paging: Paging, page_size: usize, rows: R) -> Self {
        Lister {
            listing,
            paging,
            page_size: page_size.max(1),
            rows,
            seen: Seen::All(HashSet::new()),
            unique: 0,
            cursors: HashSet::new(),
            bound: None,
            page: 0,
        }
    }

    /// Bounds the listing (before its first page is judged).
    pub(crate) fn bind(&mut self, bound: Bound) {
        self.bound = Some(bound);
    }

    /// The same lister, bounded.
    pub(crate) fn bound(mut self, bound: Bound) -> Self {
        self.bind(bound);
        self
    }

    /// Whether it is bounded yet.
    pub(crate) fn is_bound(&self) -> bool {
        self.bound.is_some()
    }

    /// Room for `n` ids seen, allocated at once (so the set never holds its old and new
    /// tables together while it grows).
    pub(crate) fn reserve(&mut self, n: usize) {
        if let Seen::All(seen) = &mut self.seen {
            seen.reserve(n);
        }
    }

    /// Ids held to tell a repeat (for a sorted listing, those of the last key only).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.seen.held()
    }

    /// The stop for a page about to be judged or asked for: `page` is 1-based.
    fn stop(&self, page: u64, reason: PagingReason) -> PagingError {
        let offset = (self.paging == Paging::Offset)
            .then(|| (page - 1).saturating_mul(self.page_size as u64));
        PagingError::new(
            self.listing,
            page,
            offset,
            self.bound.and_then(|b| b.counted),
            self.unique,
            reason,
        )
    }

    /// Before asking for the next page: a listing cancelled before its last page is
    /// incomplete, and ends here.
    pub(crate) fn check_cancel(&self, cancel: Option<&AtomicBool>) -> Result<(), PagingError> {
        if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            return Err(self.stop(self.page + 1, PagingReason::Cancelled));
        }
        Ok(())
    }

    /// Judges one page, the next in order: each row listed for the first time goes
    /// through the listing's re-check, a row listed before is reported or dropped as the
    /// listing says. `next` is a cursor page's next cursor. Returns the judged rows and
    /// whether there are more pages (a full offset page; a cursor page with a next
    /// cursor), or the guard the page broke.
    pub(crate) fn judge(
        &mut self,
        rows: Vec<R::Row>,
        next: Option<&str>,
    ) -> Result<(Vec<R::Judged>, bool), PagingError> {
        self.page += 1;
        let page = self.page;
        if let Some(pages) = self.bound.and_then(|b| b.max_pages)
            && page > pages
        {
            return Err(self.stop(page, PagingReason::PageCap { pages }));
        }
        let full = rows.len() >= self.page_size;
        let mut fresh = 0usize;
        let mut judged = Vec::with_capacity(rows.len());
        let sorted = matches!(self.seen, Seen::Sorted { .. });
        for row in rows {
            let key = if sorted {
                self.rows.sort_key(&row)
            } else {
                None
            };
            match self.seen.admit(self.rows.id(&row), key) {
                Admit::New => {
                    fresh += 1;
                    self.unique += 1;
                    judged.push(self.rows.judge(row));
                }
                // A sorted listing holds no id it could drop a repeat by: a repeat there
                // is a server going round, never a row to drop.
                Admit::Repeated if sorted => {
                    return Err(self.stop(page, PagingReason::RepeatedRow));
                }
                Admit::Repeated => {
                    if let Some(j) = self.rows.repeated(row) {
                        judged.push(j);
                    }
                }
                Admit::OutOfOrder => return Err(self.stop(page, PagingReason::OutOfOrder)),
            }
        }
        if full && fresh == 0 {
            return Err(self.stop(page, PagingReason::NoNewIds));
        }
        if let Some(bound) = self.bound
            && self.unique > bound.max_unique
        {
            return Err(self.stop(
                page,
                PagingReason::PastCount {
                    bound: bound.max_unique,
                },
            ));
        }
        let more = match self.paging {
            Paging::Offset => full,
            Paging::Cursor => match next {
                Some(c) if !self.cursors.insert(c.to_owned()) => {
                    return Err(self.stop(page, PagingReason::RepeatedCursor));
                }
                Some(_) => true,
                None => false,
            },
        };
        Ok((judged, more))
    }

    /// Walks a listing paged by offset, one page after the other: `fetch(offset)` asks
    /// for the page at `offset` (its rows, and the attempts it took); the walk ends after
    /// the first short page, or with the first error.
    pub(crate) async fn walk_offset<F, Fut>(
        self,
        cancel: Option<&AtomicBool>,
        mut fetch: F,
    ) -> Walk<Vec<R::Judged>>
    where
        F: FnMut(u64) -> Fut,
        Fut: Future<Output = (Result<Vec<R::Row>, Error>, u32)>,
    {
        debug_assert_eq!(self.paging, Paging::Offset);
        let mut out = Vec::new();
        let walk = self
            .walk(
                cancel,
                |offset, _| {
                    let page = fetch(offset);
                    async move {
                        let (rows, attempts) = page.await;
                        (rows.map(|rows| CursorPage { rows, next: None }), attempts)
                    }
                },
                |rows| out.extend(rows),
            )
            .await;
        walk.with(out)
    }

    /// Walks a listing paged by cursor: `fetch(cursor)` asks for the page at `cursor`
    /// (none: the first page) and says how many attempts it took; the walk ends after a
    /// page with no next cursor, or with the first error.
    pub(crate) async fn walk_cursor<F, Fut>(
        self,
        cancel: Option<&AtomicBool>,
        fetch: F,
    ) -> Walk<Vec<R::Judged>>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = (Result<CursorPage<R::Row>, Error>, u32)>,
    {
        let mut out = Vec::new();
        let walk = self
            .walk_cursor_pages(cancel, fetch, |rows| out.extend(rows))
            .await;
        walk.with(out)
    }

    /// Walks a listing paged by cursor as [`Lister::walk_cursor`] does, handing each
    /// page's judged rows to `each` as soon as the page is judged (a page that breaks a
    /// guard is not handed over): the walk keeps none of them. Rows handed over before an
    /// error are of a listing that did not end: the result says so.
    pub(crate) async fn walk_cursor_pages<F, Fut>(
        self,
        cancel: Option<&AtomicBool>,
        mut fetch: F,
        each: impl FnMut(Vec<R::Judged>),
    ) -> Walk<()>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = (Result<CursorPage<R::Row>, Error>, u32)>,
    {
        debug_assert_eq!(self.paging, Paging::Cursor);
        self.walk(cancel, |_, cursor| fetch(cursor), each).await
    }

    /// The walk of both forms: `fetch(offset, cursor)` asks for the next page (an offset
    /// listing reads the offset, a cursor listing the cursor), each page's judged rows
    /// handed to `each`, until [`Lister::judge`] says there is no more, a page breaks a
    /// guard, a request fails, or `cancel` is set.
    async fn walk<F, Fut>(
        mut self,
        cancel: Option<&AtomicBool>,
        mut fetch: F,
        mut each: impl FnMut(Vec<R::Judged>),
    ) -> Walk<()>
    where
        F: FnMut(u64, Option<String>) -> Fut,
        Fut: Future<Output = (Result<CursorPage<R::Row>, Error>, u32)>,
    {
        let (mut pages, mut attempts) = (0u64, 0u64);
        let mut cursor: Option<String> = None;
        let result = loop {
            if let Err(e) = self.check_cancel(cancel) {
                break Err(Error::Paging(e));
            }
            let offset = self.page.saturating_mul(self.page_size as u64);
            let (page, n) = fetch(offset, cursor.take()).await;
            attempts += u64::from(n);
            let page = match page {
                Ok(page) => page,
                Err(e) => break Err(e),
            };
            pages += 1;
            match self.judge(page.rows, page.next.as_deref()) {
                Ok((rows, more)) => {
                    each(rows);
                    if !more {
                        break Ok(());
                    }
                    cursor = page.next;
                }
                Err(e) => break Err(Error::Paging(e)),
            }
        };
        Walk {
            result,
            pages,
            attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// Rows are numbers; the re-check keeps the even ones; a repeat is dropped.
    struct Evens;

    #[derive(Debug, PartialEq, Eq)]
    enum Judged {
        Kept(u32),
        Excluded(u32),
        Repeated(u32),
    }

    impl Rows for Evens {
        type Row = u32;
        type Id = u32;
        type Judged = Judged;
        fn id(&self, row: &u32) -> u32 {
            *row
        }
        fn judge(&self, row: u32) -> Judged {
            if row.is_multiple_of(2) {
                Judged::Kept(row)
            } else {
                Judged::Excluded(row)
            }
        }
        fn repeated(&self, row: u32) -> Option<Judged> {
            Some(Judged::Repeated(row))
        }
    }

    /// A fake cursor source: each answer in turn, recording the cursor it was asked for.
    struct Source {
        answers: Mutex<VecDeque<(Vec<u32>, Option<&'static str>)>>,
        asked: Mutex<Vec<Option<String>>>,
    }

    impl Source {
        fn new(answers: Vec<(Vec<u32>, Option<&'static str>)>) -> Self {
            Source {
                answers: Mutex::new(answers.into()),
                asked: Mutex::new(Vec::new()),
            }
        }

        async fn page(&self, cursor: Option<String>) -> (Result<CursorPage<u32>, Error>, u32) {
            self.asked.lock().unwrap().push(cursor);
            let (rows, next) = self
                .answers
                .lock()
                .unwrap()
                .pop_front()
                .expect("the walk asked past the last answer");
            (
                Ok(CursorPage {
                    rows,
                    next: next.map(str::to_owned),
                }),
                1,
            )
        }
    }

    async fn walk(source: &Source, bound: Bound, cancel: Option<&AtomicBool>) -> Walk<Vec<Judged>> {
        Lister::cursor(Listing::Runs, 3, Evens)
            .bound(bound)
            .walk_cursor(cancel, |c| source.page(c))
            .await
    }

    fn paging<T: std::fmt::Debug>(walk: &Walk<T>) -> &PagingError {
        match &walk.result {
            Err(Error::Paging(p)) => p,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_cursor_walk_follows_each_cursor_and_rechecks_each_new_row() {
        let source = Source::new(vec![
            (vec![1, 2, 3], Some("a")),
            (vec![3, 4], Some("b")),
            (vec![6], None),
        ]);
        let w = walk(&source, Bound::unique(100), None).await;
        assert_eq!(
            w.result.unwrap(),
            [
                Judged::Excluded(1),
                Judged::Kept(2),
                Judged::Excluded(3),
                Judged::Repeated(3),
                Judged::Kept(4),
                Judged::Kept(6),
            ]
        );
        assert_eq!((w.pages, w.attempts), (3, 3));
        assert_eq!(
            *source.asked.lock().unwrap(),
            [None, Some("a".to_owned()), Some("b".to_owned())]
        );
    }

    #[tokio::test]
    async fn a_cursor_given_twice_stops_the_walk_naming_the_page() {
        let source = Source::new(vec![
            (vec![1], Some("a")),
            (vec![2], Some("b")),
            (vec![3], Some("a")),
        ]);
        let w = walk(&source, Bound::unique(100), None).await;
        let p = paging(&w);
        assert_eq!(p.reason(), PagingReason::RepeatedCursor);
        assert_eq!(
            (p.listing(), p.page(), p.offset()),
            (Listing::Runs, 3, None)
        );
        assert_eq!((p.listed(), p.counted()), (3, None));
        assert_eq!(w.pages, 3);
    }

    #[tokio::test]
    async fn a_full_page_of_rows_listed_before_stops_the_walk() {
        let source = Source::new(vec![(vec![1, 2, 3], Some("a")), (vec![3, 2, 1], Some("b"))]);
        let w = walk(&source, Bound::unique(100), None).await;
        assert_eq!(paging(&w).reason(), PagingReason::NoNewIds);
        assert_eq!(paging(&w).page(), 2);
        // A short page of repeats is not "full": the listing may simply have ended.
        let source = Source::new(vec![(vec![1, 2, 3], Some("a")), (vec![3], None)]);
        assert!(walk(&source, Bound::unique(100), None).await.result.is_ok());
    }

    #[tokio::test]
    async fn more_unique_rows_than_the_bound_stops_the_walk() {
        let source = Source::new(vec![(vec![1, 2, 3], Some("a")), (vec![4, 5, 6], Some("b"))]);
        let w = walk(&source, Bound::unique(5), None).await;
        assert_eq!(paging(&w).reason(), PagingReason::PastCount { bound: 5 });
        assert_eq!(paging(&w).listed(), 6);
        // Exactly the bound is allowed.
        let source = Source::new(vec![(vec![1, 2, 3], Some("a")), (vec![4, 5], None)]);
        assert_eq!(
            walk(&source, Bound::unique(5), None)
                .await
                .result
                .unwrap()
                .len(),
            5
        );
    }

    #[tokio::test]
    async fn the_page_cap_stops_a_walk_of_short_pages() {
        // 4 unique rows at most, 3 a page: 2 pages and the one that ends the listing.
        let bound = Bound::at_most(4, 3);
        let source = Source::new(vec![
            (vec![1], Some("a")),
            (vec![2], Some("b")),
            (vec![3], Some("c")),
            (vec![4], Some("d")),
        ]);
        let w = walk(&source, bound, None).await;
        assert_eq!(paging(&w).reason(), PagingReason::PageCap { pages: 3 });
        assert_eq!(paging(&w).page(), 4);
    }

    #[tokio::test]
    async fn a_cancelled_walk_asks_for_nothing_more_and_is_incomplete() {
        let cancel = AtomicBool::new(true);
        let source = Source::new(vec![(vec![1], None)]);
        let w = walk(&source, Bound::unique(100), Some(&cancel)).await;
        assert_eq!(paging(&w).reason(), PagingReason::Cancelled);
        assert_eq!((paging(&w).page(), w.pages), (1, 0));
        assert!(source.asked.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_offset_walk_ends_on_a_short_page_and_names_the_offset_it_stopped_at() {
        let pages = Mutex::new(VecDeque::from([vec![0, 2, 4], vec![6, 8, 10], vec![12]]));
        let offsets = Mutex::new(Vec::new());
        let fetch = |offset: u64| {
            offsets.lock().unwrap().push(offset);
            let rows = pages.lock().unwrap().pop_front().unwrap();
            async move { (Ok(rows), 1) }
        };
        let w = Lister::offset(Listing::Datasets, 3, Evens)
            .bound(Bound::at_most(100, 3))
            .walk_offset(None, fetch)
            .await;
        assert_eq!(w.result.unwrap().len(), 7);
        assert_eq!(*offsets.lock().unwrap(), [0, 3, 6]);

        // The server's count bounds it: 3 counted allows 3 + a page (3) = 6 unique ids.
        let pages = Mutex::new(VecDeque::from([
            vec![0, 2, 4],
            vec![6, 8, 10],
            vec![12, 14, 16],
        ]));
        let fetch = |_| {
            let rows = pages.lock().unwrap().pop_front().unwrap();
            async move { (Ok(rows), 1) }
        };
        let w = Lister::offset(Listing::Examples, 3, Evens)
            .bound(Bound::counted(3, 3))
            .walk_offset(None, fetch)
            .await;
        let p = paging(&w);
        assert_eq!(p.reason(), PagingReason::PastCount { bound: 6 });
        assert_eq!((p.page(), p.offset(), p.counted()), (3, Some(6), Some(3)));
        let text = p.to_string();
        assert!(
            text.starts_with("the examples listing did not end normally: the page at offset 6 "),
            "{text}"
        );
    }

    /// Rows of a sorted listing: `(id, start second)`; a start of `u64::MAX` has no key.
    struct Timed;

    impl Rows for Timed {
        type Row = (u32, u64);
        type Id = u32;
        type Judged = u32;
        fn id(&self, row: &(u32, u64)) -> u32 {
            row.0
        }
        fn judge(&self, row: (u32, u64)) -> u32 {
            row.0
        }
        fn repeated(&self, row: (u32, u64)) -> Option<u32> {
            Some(row.0)
        }
        fn sort_key(&self, row: &(u32, u64)) -> Option<std::time::SystemTime> {
            (row.1 != u64::MAX)
                .then(|| std::time::UNIX_EPOCH + std::time::Duration::from_secs(row.1))
        }
    }

    type TimedPages = Vec<(Vec<(u32, u64)>, Option<&'static str>)>;

    /// A sorted walk, latest first, 3 rows a page: the pages handed over, the walk, and
    /// the ids the lister held at its end.
    async fn sorted(answers: TimedPages) -> (Vec<Vec<u32>>, Walk<()>) {
        let answers = Mutex::new(VecDeque::from(answers));
        let mut pages = Vec::new();
        let walk = Lister::sorted(Listing::Runs, 3, Timed, Order::Descending)
            .bound(Bound::unique(100))
            .walk_cursor_pages(
                None,
                |_| {
                    let (rows, next) = answers
                        .lock()
                        .unwrap()
                        .pop_front()
                        .expect("the walk asked past the last answer");
                    async move {
                        let page = CursorPage {
                            rows,
                            next: next.map(str::to_owned),
                        };
                        (Ok(page), 1)
                    }
                },
                |rows| pages.push(rows),
            )
            .await;
        (pages, walk)
    }

    fn sorted_stop(walk: &Walk<()>) -> &PagingError {
        match &walk.result {
            Err(Error::Paging(p)) => p,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_sorted_walk_hands_over_each_page_and_keeps_only_the_last_keys_ids() {
        // Runs 3 and 4 share a start second across the page boundary.
        let (pages, w) = sorted(vec![
            (vec![(1, 90), (2, 80), (3, 70)], Some("a")),
            (vec![(4, 70), (5, 60), (6, 50)], Some("b")),
            (vec![(7, 50), (8, 50)], None),
        ])
        .await;
        assert!(w.result.is_ok(), "{:?}", w.result);
        assert_eq!(pages, [vec![1, 2, 3], vec![4, 5, 6], vec![7, 8]]);
        assert_eq!((w.pages, w.attempts), (3, 3));

        // What the lister holds: the ids of the last key (6, 7, 8 at 50), not all 8.
        let mut lister = Lister::sorted(Listing::Runs, 3, Timed, Order::Descending);
        for (rows, next) in [
            (vec![(1, 90), (2, 80), (3, 70)], Some("a")),
            (vec![(4, 70), (5, 60), (6, 50)], Some("b")),
            (vec![(7, 50), (8, 50)], None),
        ] {
            lister.judge(rows, next).unwrap();
        }
        assert_eq!(lister.held(), 3);
        let mut all = Lister::cursor(Listing::Runs, 3, Timed);
        for (rows, next) in [
            (vec![(1, 90), (2, 80), (3, 70)], Some("a")),
            (vec![(4, 70), (5, 60), (6, 50)], Some("b")),
            (vec![(7, 50), (8, 50)], None),
        ] {
            all.judge(rows, next).unwrap();
        }
        assert_eq!(all.held(), 8);
    }

    #[tokio::test]
    async fn a_sorted_walk_stops_at_a_row_out_of_order_and_hands_that_page_to_no_one() {
        // Page 2 starts again from the top (a server going round with fresh cursors).
        let (pages, w) = sorted(vec![
            (vec![(1, 90), (2, 80), (3, 70)], Some("a")),
            (vec![(1, 90), (2, 80), (3, 70)], Some("b")),
        ])
        .await;
        let p = sorted_stop(&w);
        assert_eq!(
            (p.reason(), p.page(), p.listed()),
            (PagingReason::OutOfOrder, 2, 3)
        );
        assert_eq!(pages, [vec![1, 2, 3]]);
        // Within a page, too; and a row without the key is out of order.
        let (_, w) = sorted(vec![(vec![(1, 70), (2, 80)], None)]).await;
        assert_eq!(sorted_stop(&w).reason(), PagingReason::OutOfOrder);
        let (_, w) = sorted(vec![(vec![(1, 70), (2, u64::MAX)], None)]).await;
        assert_eq!(sorted_stop(&w).reason(), PagingReason::OutOfOrder);
        // Ascending where descending was asked for.
        let (_, w) = sorted(vec![(vec![(1, 70)], Some("a")), (vec![(2, 71)], None)]).await;
        assert_eq!(sorted_stop(&w).page(), 2);
    }

    #[tokio::test]
    async fn a_sorted_walk_stops_at_a_row_listed_before_never_dropping_it() {
        // Run 3 again, at its own second (the last key): a repeat, not a new run.
        let (pages, w) = sorted(vec![
            (vec![(1, 90), (2, 80), (3, 70)], Some("a")),
            (vec![(3, 70), (4, 60)], None),
        ])
        .await;
        let p = sorted_stop(&w);
        assert_eq!((p.reason(), p.page()), (PagingReason::RepeatedRow, 2));
        assert_eq!(pages, [vec![1, 2, 3]]);
        // The unsorted lister drops or reports the same page's repeat and ends normally.
        let source = Source::new(vec![(vec![1, 2, 3], Some("a")), (vec![3, 4], None)]);
        assert!(walk(&source, Bound::unique(100), None).await.result.is_ok());
    }

    #[tokio::test]
    async fn a_sorted_walk_keeps_the_cursor_guard_and_the_bound() {
        let (_, w) = sorted(vec![
            (vec![(1, 90)], Some("a")),
            (vec![(2, 80)], Some("b")),
            (vec![], Some("a")),
        ])
        .await;
        assert_eq!(sorted_stop(&w).reason(), PagingReason::RepeatedCursor);
        // 3 rows a page, each a second earlier than the last, each page its own cursor.
        let answers: TimedPages = (0..40u32)
            .map(|k| {
                let top = 1000 - 3 * u64::from(k);
                let cursor: &'static str = Box::leak(format!("c{k}").into_boxed_str());
                (
                    vec![(3 * k, top), (3 * k + 1, top - 1), (3 * k + 2, top - 2)],
                    Some(cursor),
                )
            })
            .collect();
        let (pages, w) = sorted(answers).await;
        assert_eq!(
            sorted_stop(&w).reason(),
            PagingReason::PastCount { bound: 100 }
        );
        assert_eq!(sorted_stop(&w).listed(), 102);
        assert_eq!(pages.len(), 33);
    }
}
