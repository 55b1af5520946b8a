//! A find killed midway resumes: the places searched completely since it began are not
//! searched again (judged by the stand-in's record of the requests it received), and the
//! rest are.

use langsmith_case::case::{Case, CaseDir, Identifier, Place, PlaceState};
use langsmith_mock::MockServer;

const MARKER: &str = "jane.doe@example.com";

fn now() -> String {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Requests of the examples search by content (the first place's own listings).
fn content_listings(server: &MockServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/examples") || r.path.ends_with("/examples/count"))
        .filter(|r| {
            r.query
                .as_deref()
                .is_some_and(|q| q.contains("full_text_contains"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_killed_after_a_place_resumes_without_searching_it_again() {
    let server = MockServer::builder()
        .api_key("lsv2_resume")
        .marker(MARKER, 7)
        .experiment_sessions(1)
        .dataset("support")
        .examples(120)
        .record_requests(true)
        .start()
        .await
        .unwrap();
    let client = langsmith::Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("case");
    let given = vec![Identifier::new(MARKER, "--match #1")];
    let today = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive();
    let case = Case::new("T-1", today, None, &given, &now()).unwrap();
    let mut dir = CaseDir::create(&path, case).unwrap();
    let who = dir.case().check_identifiers(&given).unwrap();

    // A find begins, searches the examples, and is killed (the directory dropped, the
    // search never ended).
    assert_eq!(dir.begin_search(&now(), false, false).unwrap(), None);
    let search = langsmith_case::find::examples(&client, &who, false, &now).await;
    assert_eq!(search.record.state, PlaceState::Complete);
    let found = search.items.len();
    assert!(found > 0);
    dir.record_place(search.record, search.items, &now())
        .unwrap();
    drop(dir);
    let listed_once = content_listings(&server);
    assert!(listed_once > 0);

    // The next find resumes: the examples are not searched again, every other place is.
    let mut dir = CaseDir::load(&path).unwrap();
    assert!(dir.case().search_under_way.is_some());
    let searched = langsmith_case::find::all(
        &client,
        &mut dir,
        &who,
        &langsmith_case::find::FindOptions::default(),
        &now,
    )
    .await
    .unwrap();
    assert_eq!(
        content_listings(&server),
        listed_once,
        "nothing searched twice"
    );
    let places: Vec<Place> = searched.iter().map(|s| s.place).collect();
    assert!(!places.contains(&Place::Examples));
    for p in [
        Place::ExperimentTraces,
        Place::Traces,
        Place::SourceRuns,
        Place::Feedback,
        Place::Shares,
    ] {
        assert!(places.contains(&p), "{p} searched");
    }
    let case = dir.case();
    assert_eq!(case.search_under_way, None, "the search ended");
    assert_eq!(
        case.items
            .iter()
            .filter(|i| i.place == Place::Examples)
            .count(),
        found
    );

    // A find after an ended one searches every place again.
    langsmith_case::find::all(
        &client,
        &mut dir,
        &who,
        &langsmith_case::find::FindOptions::default(),
        &now,
    )
    .await
    .unwrap();
    assert!(content_listings(&server) > listed_once);

    // A search killed midway is not resumed by one of the other kind: a scan after a
    // search by the index searches every place (what the index found proves nothing of
    // what a scan must read).
    dir.begin_search(&now(), false, false).unwrap();
    let search = langsmith_case::find::examples(&client, &who, false, &now).await;
    dir.record_place(search.record, search.items, &now())
        .unwrap();
    let scan = langsmith_case::find::FindOptions {
        scan: true,
        ..Default::default()
    };
    let searched = langsmith_case::find::all(&client, &mut dir, &who, &scan, &now)
        .await
        .unwrap();
    assert!(searched.iter().any(|s| s.place == Place::Examples));
    assert!(dir.case().found_with_scan);
}
