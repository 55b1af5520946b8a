//! Find, erase, prove: the facade's read side against the stand-in. Expected ids come
//! from the stand-in's own store (`seeded_ids`, `marked_ids`), not from the facade.

use langsmith::{
    BulkOptions, Client, Error, ErrorKind, ExampleQuery, Outcome, PAGE_SIZE, RetryPolicy,
    Verification, VerificationKind, VerifyOptions,
};
use langsmith_mock::MockServer;
use std::time::Duration;
use uuid::Uuid;

const MARKER: &str = "jane.doe@example.com";

fn client(server: &MockServer, endpoint: String) -> Client {
    Client::builder()
        .endpoint(endpoint)
        .api_key(server.api_key())
        .retry_policy(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

async fn seeded(n: usize) -> MockServer {
    MockServer::builder()
        .dataset("compliance")
        .marker(MARKER, 20)
        .examples(n)
        // Another dataset in the same workspace, which a dataset query must not reach.
        .dataset("other")
        .examples(57)
        .start()
        .await
        .unwrap()
}

fn sorted(mut v: Vec<Uuid>) -> Vec<Uuid> {
    v.sort_unstable();
    v
}

#[tokio::test]
async fn a_dataset_streams_every_example_once_over_all_pages() {
    let n = 3 * PAGE_SIZE + 17;
    let server = seeded(n).await;
    let client = client(&server, server.url());
    let dataset = client.dataset_by_name("compliance").await.unwrap();
    assert_eq!(Some(dataset.id), server.dataset_id("compliance"));
    let query = ExampleQuery::new().dataset(dataset.id).prefetch(3);
    let ids: Vec<Uuid> = client.select(&query).await.unwrap().selected;
    let other = server.dataset_id("other").unwrap();
    let expected: Vec<Uuid> = server
        .seeded_ids()
        .into_iter()
        .filter(|id| server.example(id).unwrap().dataset_id != other)
        .collect();
    assert_eq!(expected.len(), n);
    assert_eq!(ids.len(), n, "each example once");
    assert_eq!(sorted(ids), expected);
    assert_eq!(client.count_examples(&query).await.unwrap(), n as u64);
    // Pages: 4 with data (the last short), none past the end: the count says how many
    // pages there are, so none is asked ahead beyond them.
    let lists = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/examples")
        .count();
    assert_eq!(lists, 4, "{lists} list requests");
}

#[tokio::test]
async fn no_page_is_asked_ahead_past_those_the_count_needs() {
    // Exactly two full pages: a count, the two pages and the empty page that ends the
    // listing, with the default four pages in flight.
    let server = seeded(2 * PAGE_SIZE).await;
    let client = client(&server, server.url());
    let dataset = server.dataset_id("compliance").unwrap();
    let lists = |server: &MockServer| {
        server
            .requests()
            .iter()
            .filter(|r| r.path == "/api/v1/examples")
            .count()
    };
    let all = client
        .select(&ExampleQuery::new().dataset(dataset))
        .await
        .unwrap();
    assert_eq!(all.selected.len(), 2 * PAGE_SIZE);
    assert_eq!(lists(&server), 3);
    // A few matches: one page.
    let few = client
        .select(
            &ExampleQuery::new()
                .dataset(dataset)
                .ids(all.selected[..5].iter().copied()),
        )
        .await
        .unwrap();
    assert_eq!(few.selected.len(), 5);
    assert_eq!(lists(&server), 4);
}

#[tokio::test]
async fn content_selection_finds_exactly_the_marked_examples_and_verify_proves_the_erasure() {
    let server = seeded(2_000).await;
    let client = client(&server, server.url());
    let marked = server.marked_ids();
    assert!(marked.len() > 50, "the marker is in about 1 of 20");
    let query = ExampleQuery::new().contains(MARKER);
    let found: Vec<Uuid> = client.select(&query).await.unwrap().selected;
    assert_eq!(sorted(found.clone()), marked);
    assert_eq!(
        client.count_examples(&query).await.unwrap(),
        marked.len() as u64
    );

    // Before: every one holds data in all three fields.
    let before = client
        .verify_erased(found.clone(), &VerifyOptions::default())
        .await
        .unwrap();
    assert!(!before.all_erased());
    for (_, v) in before.outcomes() {
        assert_eq!(v.holding_data(), ["inputs", "outputs", "metadata"]);
    }
    let reads = before.requests().len();
    assert_eq!(reads, marked.len().div_ceil(PAGE_SIZE));

    let listed_at = std::time::SystemTime::now() - Duration::from_secs(1);
    let report = client
        .hard_delete_all(found.clone(), &BulkOptions::default())
        .await
        .unwrap();
    assert_eq!(report.count(Outcome::Deleted), marked.len());

    // After: listed no more (as LangSmith does), erased as of before the deletion, and
    // at an earlier version (every version is nulled); an id nobody has is not_found,
    // never erased.
    let stranger = Uuid::from_u128(42);
    let mut ids = found.clone();
    ids.push(stranger);
    let after = client
        .verify_erased(
            ids.clone(),
            &VerifyOptions {
                before_deletion: vec![listed_at.into()],
                ..VerifyOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(after.count(VerificationKind::Erased), marked.len());
    assert_eq!(after.outcome_of(&stranger), Some(Verification::NotFound));
    assert!(!after.all_erased());
    // Version 0 of the first example existed at the epoch plus its index; an hour
    // later every example of the table has at least its first version.
    let early = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:59:59Z")
        .unwrap()
        .to_utc();
    let as_of = client
        .verify_erased(
            found.clone(),
            &VerifyOptions {
                as_of: Some(early),
                ..VerifyOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(as_of.all_erased(), "{:?}", as_of.requests());
    // Before the dataset existed, nothing can be read: not_found, not erased.
    let before_time = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let none = client
        .verify_erased(
            found[..3].to_vec(),
            &VerifyOptions {
                as_of: Some(before_time),
                ..VerifyOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(none.count(VerificationKind::NotFound), 3);
    // And the content selection no longer finds them: their inputs are null.
    assert_eq!(client.count_examples(&query).await.unwrap(), 0);
    // The requests said what the spec declares (the stand-in refuses anything else).
    assert!(
        server.statuses().iter().all(|s| *s == 200),
        "{:?}",
        server.statuses()
    );
}

#[tokio::test]
async fn behind_a_versioned_endpoint_both_path_families_are_reached_once() {
    let server = seeded(10).await;
    let client = client(&server, format!("{}/api/v1", server.url()));
    let ds = client.dataset_by_name("compliance").await.unwrap();
    let n = client
        .count_examples(&ExampleQuery::new().dataset(ds.id))
        .await
        .unwrap();
    assert_eq!(n, 10);
    client
        .hard_delete_all(server.seeded_ids(), &BulkOptions::default())
        .await
        .unwrap();
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/datasets",
            "/api/v1/examples/count",
            "/api/v1/platform/datasets/examples/delete"
        ]
    );
}

#[tokio::test]
async fn lookups_and_refusals_say_what_and_where() {
    let server = seeded(5).await;
    let client = client(&server, server.url());
    match client.dataset_by_name("nope").await {
        Err(Error::NameResolution(l)) => {
            assert_eq!((l.what(), l.name(), l.matches()), ("dataset", "nope", 0));
        }
        other => panic!("{other:?}"),
    }
    // An unsupported filter: the stand-in's 400 comes back with its message.
    let err = client
        .count_examples(&ExampleQuery::new().filter("gt(latency, 5)"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert!(err.to_string().contains("gt() is not supported"), "{err}");
    // A dataset of no one: 404.
    let err = client
        .count_examples(&ExampleQuery::new().dataset(Uuid::from_u128(9)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    // A wrong key stops verification at once: every request would fail the same way.
    let bad = Client::builder()
        .endpoint(server.url())
        .api_key("wrong")
        .build()
        .unwrap();
    let ids: Vec<Uuid> = (0..1_000u128).map(Uuid::from_u128).collect();
    let report = bad
        .verify_erased(
            ids,
            &VerifyOptions {
                concurrency: 1,
                ..VerifyOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(report.stopped_by(), Some(ErrorKind::Unauthorized));
    assert_eq!(report.requests().len(), 1);
    assert_eq!(
        report.count(VerificationKind::NotAttempted),
        1_000 - PAGE_SIZE
    );
    assert_eq!(
        report.count(VerificationKind::Failed),
        PAGE_SIZE,
        "the refused request's ids failed"
    );
}

/// A server answering every request with this listing of examples (canned bytes).
async fn listing(body: &str) -> langsmith_mock::raw::RawServer {
    use langsmith_mock::raw::{Behavior, RawServer, http_response};
    let bytes = http_response(
        "200 OK",
        &[("content-type", "application/json")],
        body.as_bytes(),
    );
    RawServer::start(Behavior::Respond(bytes)).await.unwrap()
}

#[tokio::test]
async fn an_answer_that_leaves_a_field_out_proves_nothing_about_it() {
    let id = Uuid::from_u128(0x1234);
    let ds = Uuid::from_u128(0x99);
    let verify = |url: String| async move {
        Client::builder()
            .endpoint(url)
            .api_key("k")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
            .verify_erased([id], &VerifyOptions::default())
            .await
            .unwrap()
            .outcome_of(&id)
    };
    // Every field present and null: erased.
    let full = format!(
        r##"[{{"id":"{id}","dataset_id":"{ds}","name":"#1234","inputs":null,"outputs":null,"metadata":null,"attachment_urls":null}}]"##
    );
    let server = listing(&full).await;
    assert_eq!(
        verify(server.url().to_owned()).await,
        Some(Verification::Erased)
    );
    // `outputs` and `metadata` left out: the typed example reads them as None, but the
    // answer says nothing about them.
    let partial =
        format!(r##"[{{"id":"{id}","dataset_id":"{ds}","name":"#1234","inputs":null}}]"##);
    let server = listing(&partial).await;
    let outcome = verify(server.url().to_owned()).await.unwrap();
    assert_eq!(
        outcome,
        Verification::Unproven {
            outputs: true,
            metadata: true,
            attachment_urls: true,
        }
    );
    assert_eq!(
        outcome.absent_fields(),
        ["outputs", "metadata", "attachment_urls"]
    );
    assert_eq!(
        outcome.to_string(),
        "unproven (the answer left out outputs, metadata, attachment_urls)"
    );
    // Content present and null, `attachment_urls` (asked for) left out: attachments may
    // still be listed, so this is no proof either.
    let no_attachments = format!(
        r##"[{{"id":"{id}","dataset_id":"{ds}","name":"#1234","inputs":null,"outputs":null,"metadata":null}}]"##
    );
    let server = listing(&no_attachments).await;
    assert_eq!(
        verify(server.url().to_owned()).await,
        Some(Verification::Unproven {
            outputs: false,
            metadata: false,
            attachment_urls: true,
        })
    );
    // Data left in a field that is present: not erased, whatever else is absent.
    let held =
        format!(r##"[{{"id":"{id}","dataset_id":"{ds}","name":"#1234","inputs":{{"q":"x"}}}}]"##);
    let server = listing(&held).await;
    assert!(matches!(
        verify(server.url().to_owned()).await,
        Some(Verification::NotErased { inputs: true, .. })
    ));
}

/// A workspace with more datasets than one page of `GET /api/v1/datasets` holds (the
/// spec's `limit` maximum, read from the generated limits): the listing behind a look-up
/// goes on past the first page.
#[tokio::test]
async fn dataset_lookups_read_every_page_of_datasets() {
    let page =
        langsmith_api::spec::operations::read_datasets_api_v1_datasets_get::parameters::limit::MAXIMUM
            as usize;
    let mut builder = MockServer::builder();
    for i in 0..page + 30 {
        // The one that matters is made last, so it sits on the last page in any order
        // that keeps creation order (oldest first) or is stable on ties.
        builder.dataset(format!("dataset-{i:04}"));
    }
    builder.dataset("erasure-requests").examples(3);
    let server = builder.start().await.unwrap();
    let client = client(&server, server.url());

    // The exact name is found, whichever page it is on.
    let found = client.dataset_by_name("erasure-requests").await.unwrap();
    assert_eq!(Some(found.id), server.dataset_id("erasure-requests"));

    // A typo: the close name on the last page is suggested, so every page was listed.
    match client.dataset_by_name("erasure-request").await {
        Err(Error::NameResolution(l)) => {
            assert_eq!(l.matches(), 0);
            assert_eq!(l.suggestions(), ["erasure-requests"]);
        }
        other => panic!("{other:?}"),
    }
    let unnamed_listings: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/datasets")
        .filter_map(|r| r.query.clone())
        .filter(|q| !q.contains("name="))
        .collect();
    // Every dataset (page + 31) in pages of `page`: two pages, the second short.
    assert_eq!(unnamed_listings.len(), 2, "{unnamed_listings:?}");
    assert!(
        unnamed_listings[1].contains(&format!("offset={page}")),
        "{unnamed_listings:?}"
    );
}

/// LangSmith stops listing a hard-deleted example (the official SDK's own `test_datasets`
/// counts one fewer after a hard delete; the stand-in's `hard_deleted_unlisted`). The
/// latest read then finds nothing; read again as of a time before the deletion, a hard
/// delete's nulls at every version show each one erased, a soft-deleted example's data
/// there shows it was not, and an id nobody had stays not found.
#[tokio::test]
async fn examples_no_longer_listed_are_read_again_as_of_a_time_before_the_deletion() {
    let server = MockServer::builder()
        .hard_deleted_unlisted(true)
        .dataset("compliance")
        .marker(MARKER, 20)
        .examples(400)
        .start()
        .await
        .unwrap();
    let client = client(&server, server.url());
    let marked = server.marked_ids();
    assert!(marked.len() > 5, "the marker is in about 1 of 20");
    let hard: Vec<Uuid> = marked[1..].to_vec();
    let soft = marked[0];
    let report = client
        .hard_delete_all(hard.clone(), &BulkOptions::default())
        .await
        .unwrap();
    assert_eq!(report.count(Outcome::Deleted), hard.len());
    // A soft delete, as the SDK's `delete_example` makes it: no longer listed, data kept.
    let r = reqwest::Client::new()
        .delete(format!("{}/api/v1/examples/{soft}", server.url()))
        .header("x-api-key", server.api_key())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let stranger = Uuid::from_u128(42);
    let mut ids = marked.clone();
    ids.push(stranger);

    // Latest only: none of them is listed, so nothing is proven.
    let latest = client
        .verify_erased(ids.clone(), &VerifyOptions::default())
        .await
        .unwrap();
    assert_eq!(latest.count(VerificationKind::NotFound), ids.len());
    assert!(latest.read_before_deletion().is_empty());

    // Every seeded example had its first version an hour after the epoch; a time before
    // the dataset existed lists none. Tried in turn: the second finds them.
    let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc();
    let (before_any, early) = (at("2025-01-01T00:00:00Z"), at("2026-01-01T00:59:59Z"));
    let v = client
        .verify_erased(
            ids.clone(),
            &VerifyOptions {
                before_deletion: vec![before_any, early],
                ..VerifyOptions::default()
            },
        )
        .await
        .unwrap();
    for id in &hard {
        assert_eq!(v.outcome_of(id), Some(Verification::Erased), "{id}");
        assert!(v.read_earlier(id));
    }
    assert_eq!(
        v.outcome_of(&soft).map(|o| o.kind()),
        Some(VerificationKind::NotErased)
    );
    assert_eq!(v.outcome_of(&stranger), Some(Verification::NotFound));
    let passes: Vec<(chrono::DateTime<chrono::Utc>, usize)> = v
        .read_before_deletion()
        .iter()
        .map(|(t, ids)| (*t, ids.len()))
        .collect();
    // Every id read again at the first time, and again at the second (none was listed
    // before the dataset existed): ids.len() each.
    assert_eq!(passes, [(before_any, ids.len()), (early, ids.len())]);
    // Three reads, one per pass (each fits a page), numbered as one run.
    let indices: Vec<usize> = v.requests().iter().map(|r| r.index()).collect();
    assert_eq!(sorted_usize(indices), [0, 1, 2]);
    // An explicit as_of is one read of one time: no second pass.
    let one = client
        .verify_erased(
            ids.clone(),
            &VerifyOptions {
                as_of: Some(before_any),
                before_deletion: vec![early],
                ..VerifyOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(one.count(VerificationKind::NotFound), ids.len());
    assert_eq!(one.requests().len(), 1);
}

fn sorted_usize(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}
