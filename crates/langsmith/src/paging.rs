//! The one lister, for offset and cursor paging alike: every page of a listing goes
//! through [`Lister::judge`], which holds the guards once (ids seen before, a cursor given
//! before, a full page with no new id, the bound on unique rows, the page cap,
//! cancellation) and hands each new row to the listing's own re-check ([`Rows`]). A
//! listing that breaks a guard ends with one [`PagingError`] naming the listing and the
//! page (and offset) where it stopped.
//!
//! [`Lister::walk_offset`] and [`Lister::walk_cursor`] drive a whole listing, one page
//! after the other, from a page source; a listing with pages in flight (the examples'
//! prefetch) calls [`Lister::judge`] itself, in page order.

use crate::error::{Error, Listing, PagingError, PagingReason};
use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// A whole listing walked: its judged rows (or the error that ended it), and its cost
/// (the runs query reports both; the datasets listing needs neither).
#[derive(Debug)]
pub(crate) struct Walk<J> {
    pub(crate) result: Result<Vec<J>, Error>,
    /// Pages answered.
    pub(crate) pages: u64,
    /// HTTP attempts made, retries included.
    pub(crate) attempts: u64,
}

/// A listing's state: the rows seen, the cursors followed, the bound, and the re-check.
pub(crate) struct Lister<R: Rows> {
    listing: Listing,
    paging: Paging,
    page_size: usize,
    rows: R,
    seen: HashSet<R::Id>,
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

    fn new(listing: Listing, paging: Paging, page_size: usize, rows: R) -> Self {
        Lister {
            listing,
            paging,
            page_size: page_size.max(1),
            rows,
            seen: HashSet::new(),
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
        self.seen.reserve(n);
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
            self.seen.len() as u64,
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
        for row in rows {
            if self.seen.insert(self.rows.id(&row)) {
                fresh += 1;
                judged.push(self.rows.judge(row));
            } else if let Some(j) = self.rows.repeated(row) {
                judged.push(j);
            }
        }
        if full && fresh == 0 {
            return Err(self.stop(page, PagingReason::NoNewIds));
        }
        if let Some(bound) = self.bound
            && self.seen.len() as u64 > bound.max_unique
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
    ) -> Walk<R::Judged>
    where
        F: FnMut(u64) -> Fut,
        Fut: Future<Output = (Result<Vec<R::Row>, Error>, u32)>,
    {
        debug_assert_eq!(self.paging, Paging::Offset);
        self.walk(cancel, |offset, _| {
            let page = fetch(offset);
            async move {
                let (rows, attempts) = page.await;
                (rows.map(|rows| CursorPage { rows, next: None }), attempts)
            }
        })
        .await
    }

    /// Walks a listing paged by cursor: `fetch(cursor)` asks for the page at `cursor`
    /// (none: the first page) and says how many attempts it took; the walk ends after a
    /// page with no next cursor, or with the first error.
    pub(crate) async fn walk_cursor<F, Fut>(
        self,
        cancel: Option<&AtomicBool>,
        mut fetch: F,
    ) -> Walk<R::Judged>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = (Result<CursorPage<R::Row>, Error>, u32)>,
    {
        debug_assert_eq!(self.paging, Paging::Cursor);
        self.walk(cancel, |_, cursor| fetch(cursor)).await
    }

    /// The walk of both forms: `fetch(offset, cursor)` asks for the next page (an offset
    /// listing reads the offset, a cursor listing the cursor), until [`Lister::judge`]
    /// says there is no more, a page breaks a guard, a request fails, or `cancel` is set.
    async fn walk<F, Fut>(mut self, cancel: Option<&AtomicBool>, mut fetch: F) -> Walk<R::Judged>
    where
        F: FnMut(u64, Option<String>) -> Fut,
        Fut: Future<Output = (Result<CursorPage<R::Row>, Error>, u32)>,
    {
        let (mut pages, mut attempts) = (0u64, 0u64);
        let mut out = Vec::new();
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
                    out.extend(rows);
                    if !more {
                        break Ok(out);
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

    async fn walk(source: &Source, bound: Bound, cancel: Option<&AtomicBool>) -> Walk<Judged> {
        Lister::cursor(Listing::Runs, 3, Evens)
            .bound(bound)
            .walk_cursor(cancel, |c| source.page(c))
            .await
    }

    fn paging(walk: &Walk<Judged>) -> &PagingError {
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
}
