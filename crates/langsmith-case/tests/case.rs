//! The case model and its directory, and the first place a case searches, judged by
//! independent parties: identifier hashes by `sha256sum`, deadlines by the rule of GDPR
//! Art. 12(3) (Regulation 1182/71: the same date one month later, or that month's last
//! day), what was found by the stand-in's own record.

use chrono::NaiveDate;
use langsmith_case::case::{
    Case, CaseDir, CaseError, CaseState, Identifier, ItemState, Place, PlaceState, gdpr_deadline,
};
use langsmith_mock::MockServer;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use uuid::Uuid;

const NOW: &str = "2026-12-04T15:00:00.000Z";
const MARKER: &str = "jane.doe@example.com";
const ABSENT: &str = "Customer-4711";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ids(texts: &[&str]) -> Vec<Identifier> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Identifier::new(*t, format!("--match #{}", i + 1)))
        .collect()
}

/// `printf '%s:%s' SALT VALUE | sha256sum`, as the case's documentation says to check.
fn sha256sum(salt: &str, value: &str) -> String {
    let mut child = Command::new("sh")
        .args([
            "-c",
            "printf '%s:%s' \"$1\" \"$2\" | sha256sum",
            "sh",
            salt,
            value,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    use std::io::Read;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child.wait().unwrap();
    format!("sha256:{}", out.split_whitespace().next().unwrap())
}

/// Every file of a directory, as text.
fn all_files(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            )
        })
        .collect()
}

fn assert_no_identifier(dir: &Path, identifiers: &[&str]) {
    for (path, text) in all_files(dir) {
        let folded = text.to_lowercase();
        for i in identifiers {
            assert!(
                !folded.contains(&i.to_lowercase()),
                "{path} holds an identifier"
            );
        }
    }
}

#[test]
fn deadlines_follow_gdpr_one_calendar_month() {
    assert_eq!(gdpr_deadline(date("2026-12-04")), date("2027-01-04"));
    assert_eq!(gdpr_deadline(date("2026-01-31")), date("2026-02-28"));
    assert_eq!(gdpr_deadline(date("2028-01-31")), date("2028-02-29"));
    assert_eq!(gdpr_deadline(date("2026-03-31")), date("2026-04-30"));
    let c = Case::new("T-1", date("2026-12-04"), None, &ids(&[MARKER]), NOW).unwrap();
    assert_eq!(
        (c.deadline, c.deadline_rule.as_str()),
        (date("2027-01-04"), "gdpr_one_month")
    );
    // CCPA: 45 days, given.
    let c = Case::new(
        "T-1",
        date("2026-12-04"),
        Some(date("2027-01-18")),
        &ids(&[MARKER]),
        NOW,
    )
    .unwrap();
    assert_eq!(
        (c.deadline, c.deadline_rule.as_str()),
        (date("2027-01-18"), "given")
    );
    assert_eq!(c.days_left(date("2026-12-04")), 45);
    let e = Case::new(
        "T-1",
        date("2026-12-04"),
        Some(date("2026-12-03")),
        &ids(&[MARKER]),
        NOW,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("--deadline: "), "{e}");
}

#[test]
fn identifiers_are_salted_hashes_of_the_folded_text() {
    let c = Case::new(
        "T-1",
        date("2026-12-04"),
        None,
        &ids(&["JANE.Doe@Example.COM", MARKER, ABSENT]),
        NOW,
    )
    .unwrap();
    assert_eq!(c.salt.len(), 64);
    assert!(c.salt.bytes().all(|b| b.is_ascii_hexdigit()));
    let mut want = vec![
        sha256sum(&c.salt, MARKER),
        sha256sum(&c.salt, "customer-4711"),
    ];
    want.sort();
    assert_eq!(
        c.identifiers, want,
        "folded as --contains folds; duplicates once"
    );
    let other = Case::new("T-1", date("2026-12-04"), None, &ids(&[MARKER]), NOW).unwrap();
    assert_ne!(c.salt, other.salt, "a salt per case");

    // Later commands: the same set in any order and case passes ...
    let who = c
        .check_identifiers(&ids(&[ABSENT, "jane.doe@EXAMPLE.com"]))
        .unwrap();
    assert_eq!(who.len(), 2);
    assert!(
        !format!("{who:?}").contains("jane"),
        "Debug shows hashes only"
    );
    // ... a different one is refused, naming counts and places, never values.
    let e = c
        .check_identifiers(&ids(&[MARKER, "jane.doe@example.org"]))
        .unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, CaseError::Identifiers(_)));
    assert!(text.contains("1 of its 2 matched"), "{text}");
    assert!(
        text.contains("not an identifier of this case: --match #2"),
        "{text}"
    );
    assert!(text.contains("1 of its identifiers not given"), "{text}");
    assert!(!text.contains("example"), "{text}");
    let e = c.check_identifiers(&ids(&[MARKER])).unwrap_err();
    assert!(e.to_string().contains("1 of its 2 matched"), "{e}");
    // Input that cannot be meant is refused, naming where.
    for bad in ["", " jane.doe@example.com", "jane\tdoe "] {
        let e = Case::new("T-1", date("2026-12-04"), None, &ids(&[MARKER, bad]), NOW).unwrap_err();
        assert!(e.to_string().starts_with("--match #2: "), "{e}");
    }
}

#[test]
fn the_directory_is_created_once_and_its_log_is_chained() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("case-1");
    let case = Case::new("T-1", date("2026-12-04"), None, &ids(&[MARKER]), NOW).unwrap();
    let dir = CaseDir::create(&path, case.clone()).unwrap();
    assert_eq!(dir.case().state, CaseState::Open);
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["case.json", "log.jsonl"]);
    assert_eq!(CaseDir::read(&path).unwrap(), case);
    drop(dir);
    // Each log line's hash: sha256 of the previous hash, a newline, the line without it.
    let log = std::fs::read_to_string(path.join("log.jsonl")).unwrap();
    let mut prev = String::new();
    for line in log.lines() {
        let (body, hash) = line.rsplit_once(",\"hash\":\"").unwrap();
        let hash = hash.trim_end_matches("\"}");
        let payload = format!("{prev}\n{body}}}");
        let out = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(payload.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout)[..64], *hash);
        prev = hash.to_owned();
    }
    assert_eq!(log.lines().count(), 2, "header and opened");
    assert!(log.lines().nth(1).unwrap().contains("\"event\":\"opened\""));

    // Open twice, or over something else: refused, nothing changed.
    let e = CaseDir::create(&path, case.clone()).unwrap_err();
    assert!(e.to_string().contains("is a case already"), "{e}");
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let e = CaseDir::create(&file, case.clone()).unwrap_err();
    assert!(e.to_string().contains("not a case directory"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    let e = CaseDir::load(tmp.path()).unwrap_err();
    assert!(e.to_string().contains("not a case directory"), "{e}");

    // One command at a time: a second one on the case is refused while the first holds it.
    {
        let _held = CaseDir::load(&path).unwrap();
        let e = CaseDir::load(&path).unwrap_err();
        assert!(
            e.to_string().contains("another command is using this case"),
            "{e}"
        );
        assert_eq!(CaseDir::read(&path).unwrap(), case, "reading needs no lock");
    }
    // A torn last line (a write cut by kill -9) is cut before the next append.
    let mut torn = log.clone();
    torn.push_str("{\"t\":\"2026-12");
    std::fs::write(path.join("log.jsonl"), &torn).unwrap();
    let mut dir = CaseDir::load(&path).unwrap();
    let record = langsmith_case::case::PlaceRecord {
        place: Place::Examples,
        state: PlaceState::Complete,
        started_at: NOW.into(),
        finished_at: NOW.into(),
        asked: Default::default(),
        answered: Default::default(),
        problems: Vec::new(),
        runs_api: None,
        window: None,
    };
    dir.record_place(record, Vec::new(), NOW).unwrap();
    drop(dir);
    let grown = std::fs::read_to_string(path.join("log.jsonl")).unwrap();
    assert!(
        grown.starts_with(&log) && grown.lines().count() == 3,
        "{grown}"
    );
    let log = grown;
    CaseDir::load(&path).unwrap();

    // An edited log is refused, naming the line.
    std::fs::write(path.join("log.jsonl"), log.replace("\"T-1\"", "\"T-2\"")).unwrap();
    let e = CaseDir::load(&path).unwrap_err();
    assert!(e.to_string().contains("log.jsonl:2: "), "{e}");
    assert_no_identifier(&path, &[MARKER]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_examples_finds_every_marked_example_in_every_dataset_and_nothing_else() {
    let server = MockServer::builder()
        .api_key("lsv2_case_test")
        .marker(MARKER, 7)
        .dataset("support")
        .examples(300)
        .dataset("sales")
        .examples(250)
        .dataset("empty-of-her")
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
    let given = ids(&[MARKER, ABSENT]);
    let case = Case::new("T-9", date("2026-12-04"), None, &given, NOW).unwrap();
    let mut dir = CaseDir::create(&path, case).unwrap();
    let who = dir.case().check_identifiers(&given).unwrap();

    let now = || NOW.to_owned();
    let search = langsmith_case::find::examples(&client, &who, false, &now).await;
    assert!(search.error.is_none(), "{:?}", search.error);
    dir.record_place(search.record, search.items, NOW).unwrap();

    // The stand-in's record: its marked examples, and which dataset holds each.
    let marked: BTreeSet<_> = server.marked_ids().into_iter().collect();
    let datasets: BTreeSet<_> = marked
        .iter()
        .map(|id| server.example(id).unwrap().dataset_id)
        .collect();
    assert_eq!(
        datasets.len(),
        2,
        "the seed marks examples in both datasets"
    );
    let case = CaseDir::read(&path).unwrap();
    let found: BTreeSet<_> = case
        .items
        .iter()
        .filter(|i| i.state == ItemState::Found)
        .map(|i| i.id)
        .collect();
    assert_eq!(found, marked);
    assert_eq!(
        case.items.len(),
        marked.len(),
        "nothing else, nothing excluded"
    );
    let marker_hash = who.iter().find(|(_, i)| i.text() == MARKER).unwrap().0;
    for item in &case.items {
        assert_eq!(item.place, Place::Examples);
        assert_eq!(
            item.dataset_id,
            Some(server.example(&item.id).unwrap().dataset_id)
        );
        assert_eq!(item.matched, [marker_hash]);
    }
    let place = &case.places[0];
    assert_eq!(place.state, PlaceState::Complete);
    assert_eq!(place.asked.containers, 3);
    assert_eq!(place.asked.queries, 6);
    assert_eq!(place.answered.matched, marked.len() as u64);
    assert_eq!(place.answered.new_items, marked.len() as u64);
    assert_eq!(case.state, CaseState::Found);
    // Read-only: the stand-in deleted nothing.
    assert!(marked.iter().all(|id| server.hard_delete_count(id) == 0));
    let log = std::fs::read_to_string(path.join("log.jsonl")).unwrap();
    assert!(
        log.lines()
            .last()
            .unwrap()
            .contains("\"event\":\"searched\"")
    );
    assert_no_identifier(&path, &[MARKER, ABSENT]);

    // A second search takes nothing twice.
    let search = langsmith_case::find::examples(&client, &who, false, &now).await;
    assert_eq!(
        dir.record_place(search.record, search.items, NOW).unwrap(),
        0
    );
    assert_eq!(dir.case().items.len(), marked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn experiment_traces_of_found_examples_are_found_by_reference() {
    let server = MockServer::builder()
        .api_key("lsv2_case_test")
        .marker(MARKER, 5)
        .experiment_sessions(2)
        .dataset("support")
        .examples(120)
        .dataset("sales")
        .examples(80)
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
    let given = ids(&[MARKER]);
    let case = Case::new("T-10", date("2026-12-04"), None, &given, NOW).unwrap();
    let mut dir = CaseDir::create(&path, case).unwrap();
    let who = dir.case().check_identifiers(&given).unwrap();
    let now = || NOW.to_owned();
    let search = langsmith_case::find::examples(&client, &who, false, &now).await;
    dir.record_place(search.record, search.items, NOW).unwrap();
    let search = langsmith_case::find::experiment_traces(&client, dir.case(), None, &now).await;
    assert!(search.error.is_none(), "{:?}", search.error);
    dir.record_place(search.record, search.items, NOW).unwrap();

    // The stand-in's record: the traces whose runs reference a marked example.
    let marked: BTreeSet<_> = server.marked_ids().into_iter().collect();
    let mut want: std::collections::BTreeMap<(Uuid, Uuid), BTreeSet<Uuid>> = Default::default();
    for run in server.runs() {
        if let Some(e) = run.reference_example_id.filter(|e| marked.contains(e)) {
            want.entry((run.session_id, run.trace_id))
                .or_default()
                .insert(e);
        }
    }
    assert!(
        !want.is_empty(),
        "the seed has experiment traces of marked examples"
    );
    let case = CaseDir::read(&path).unwrap();
    let got: std::collections::BTreeMap<(Uuid, Uuid), BTreeSet<Uuid>> = case
        .items
        .iter()
        .filter(|i| i.place == Place::ExperimentTraces)
        .map(|i| {
            assert_eq!(i.state, ItemState::Found);
            assert_eq!(i.matched, case.identifiers, "the example's identifier hash");
            (
                (i.session_id.unwrap(), i.id),
                i.examples.iter().copied().collect(),
            )
        })
        .collect();
    assert_eq!(got, want);
    let place = case
        .places
        .iter()
        .find(|p| p.place == Place::ExperimentTraces)
        .unwrap();
    assert_eq!(place.state, PlaceState::Complete);
    assert_eq!(place.asked.containers, marked.len() as u64);
    assert_eq!(place.runs_api.as_deref(), Some("v2"));
    assert!(place.window.is_some());
    assert!(server.deleted_traces().is_empty(), "read-only");
    assert_no_identifier(&path, &[MARKER]);
}

/// A stand-in that lies: its examples listing ignores `dataset` (every dataset's rows
/// come back in each listing) and its v2 runs query ignores `reference_examples`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lies_are_excluded_never_found_and_a_foreign_listing_is_incomplete() {
    let server = MockServer::builder()
        .api_key("lsv2_case_test")
        .marker(MARKER, 5)
        .experiment_sessions(2)
        .faults(langsmith_mock::Faults {
            lies: langsmith_mock::Lies {
                ignore_params: vec!["dataset".into()],
                runs_v2_ignore_reference_examples: true,
                ..Default::default()
            },
            ..Default::default()
        })
        .dataset("support")
        .examples(60)
        .dataset("sales")
        .examples(40)
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
    let given = ids(&[MARKER]);
    let case = Case::new("T-11", date("2026-12-04"), None, &given, NOW).unwrap();
    let mut dir = CaseDir::create(&path, case).unwrap();
    let who = dir.case().check_identifiers(&given).unwrap();
    let now = || NOW.to_owned();
    let search = langsmith_case::find::examples(&client, &who, false, &now).await;
    dir.record_place(search.record, search.items, NOW).unwrap();
    let search = langsmith_case::find::experiment_traces(&client, dir.case(), None, &now).await;
    dir.record_place(search.record, search.items, NOW).unwrap();
    let case = dir.case();

    let marked: BTreeSet<_> = server.marked_ids().into_iter().collect();
    let found = |place| -> BTreeSet<Uuid> {
        case.items
            .iter()
            .filter(|i| i.place == place && i.state == ItemState::Found)
            .map(|i| i.id)
            .collect()
    };
    // Each marked example is found through its own dataset; listed in the other's, it
    // was refused there (dataset_mismatch), which makes the place incomplete.
    assert_eq!(found(Place::Examples), marked);
    let examples = &case.places[0];
    assert_eq!(examples.state, PlaceState::Incomplete);
    assert_eq!(examples.answered.excluded, marked.len() as u64);
    assert!(
        examples
            .problems
            .iter()
            .all(|p| p.contains("rows of another dataset")),
        "{:?}",
        examples.problems
    );
    assert_eq!(case.state, CaseState::Attention);

    // Traces: exactly those of marked examples; the runs of others are excluded.
    let want: BTreeSet<Uuid> = server
        .runs()
        .into_iter()
        .filter(|r| r.reference_example_id.is_some_and(|e| marked.contains(&e)))
        .map(|r| r.trace_id)
        .collect();
    assert_eq!(found(Place::ExperimentTraces), want);
    let foreign: BTreeSet<Uuid> = server
        .runs()
        .into_iter()
        .filter(|r| !want.contains(&r.trace_id))
        .map(|r| r.trace_id)
        .collect();
    assert!(!foreign.is_empty(), "the lie returned other runs");
    let excluded: BTreeSet<Uuid> = case
        .items
        .iter()
        .filter(|i| i.place == Place::ExperimentTraces && i.state == ItemState::Excluded)
        .map(|i| i.id)
        .collect();
    assert_eq!(excluded, foreign);
    assert!(server.deleted_traces().is_empty());
    assert!(marked.iter().all(|id| server.hard_delete_count(id) == 0));
}

/// `(session, trace)` of every trace the stand-in was asked to delete (its own record of
/// the runs delete bodies).
fn requested_traces(server: &MockServer) -> BTreeSet<(Uuid, Uuid)> {
    let mut out = BTreeSet::new();
    for r in server.requests() {
        if !r.path.ends_with("/runs/delete") || r.status >= 300 {
            continue;
        }
        let body: serde_json::Value = serde_json::from_slice(r.body.as_ref().unwrap()).unwrap();
        let session: Uuid = body["session_id"].as_str().unwrap().parse().unwrap();
        for t in body["trace_ids"].as_array().unwrap() {
            out.insert((session, t.as_str().unwrap().parse().unwrap()));
        }
    }
    out
}

/// open -> find -> erase -> verify against the stand-in, judged by its own record: a
/// marker in two datasets and experiment traces of the marked examples. The case is made
/// to miss one marked example at find (a copy made after it), and to hold one example
/// that never held the identifier (an example edited between find and erase).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erase_and_verify_take_exactly_the_copies_and_close_only_when_all_is_proven() {
    use langsmith_case::verify::Verdict;
    let delay = std::time::Duration::from_millis(1500);
    let server = MockServer::builder()
        .api_key("lsv2_case_test")
        .marker(MARKER, 6)
        .experiment_sessions(2)
        .run_delete_delay(delay)
        .dataset("support")
        .examples(90)
        .dataset("sales")
        .examples(60)
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
    let given = ids(&[MARKER]);
    let case = Case::new("T-12", date("2026-12-04"), None, &given, NOW).unwrap();
    let mut dir = CaseDir::create(&path, case).unwrap();
    let who = dir.case().check_identifiers(&given).unwrap();
    let now = || {
        chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };

    // The stand-in's record.
    let marked: BTreeSet<Uuid> = server.marked_ids().into_iter().collect();
    assert!(marked.len() >= 4);
    let datasets: BTreeSet<_> = marked
        .iter()
        .map(|id| server.example(id).unwrap().dataset_id)
        .collect();
    assert_eq!(datasets.len(), 2, "marked examples in both datasets");
    let traces_of = |examples: &BTreeSet<Uuid>| -> BTreeSet<(Uuid, Uuid)> {
        server
            .runs()
            .into_iter()
            .filter(|r| {
                r.reference_example_id
                    .is_some_and(|e| examples.contains(&e))
            })
            .map(|r| (r.session_id, r.trace_id))
            .collect()
    };
    let all_traces = traces_of(&marked);
    assert!(!all_traces.is_empty());
    let later = *marked.iter().next().unwrap(); // the copy the find misses
    let edited = server
        .seeded_ids()
        .into_iter()
        .find(|id| !marked.contains(id))
        .unwrap();

    // find, missing `later` and holding `edited` as found (the lie of a changed row).
    let mut search = langsmith_case::find::examples(&client, &who, false, &now).await;
    assert!(search.error.is_none());
    search.items.retain(|i| i.id != later);
    let mut fake = search.items[0].clone();
    fake.id = edited;
    fake.dataset_id = Some(server.example(&edited).unwrap().dataset_id);
    search.items.push(fake);
    dir.record_place(search.record, search.items, &now())
        .unwrap();
    let search = langsmith_case::find::experiment_traces(&client, dir.case(), None, &now).await;
    assert!(search.error.is_none());
    dir.record_place(search.record, search.items, &now())
        .unwrap();

    // A dry run's plan sends nothing.
    let requests = server.request_count();
    let plan = langsmith_case::erase::plan(dir.case());
    assert_eq!(
        plan.examples.len(),
        marked.len(),
        "the found ones and the lie"
    );
    assert_eq!(server.request_count(), requests);

    // erase: the found marked examples deleted, the edited one not; their traces requested.
    let first: BTreeSet<Uuid> = marked.iter().copied().filter(|i| *i != later).collect();
    let out = langsmith_case::erase::erase(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    assert!(out.error.is_none(), "{:?}", out.error);
    let deleted: BTreeSet<Uuid> = server.hard_deleted_ids().into_iter().collect();
    assert_eq!(deleted, first);
    assert_eq!(server.hard_delete_count(&edited), 0);
    let requested: BTreeSet<(Uuid, Uuid)> = server.deleted_traces().into_iter().collect();
    assert!(
        requested.is_empty(),
        "queued: none deleted before the delay"
    );
    let (got, want) = (requested_traces(&server), traces_of(&first));
    assert_eq!(
        got, want,
        "the traces of the edited example are not requested"
    );
    let case = dir.case();
    let lie = case.items.iter().find(|i| i.id == edited).unwrap();
    assert_eq!(
        (lie.state, lie.reason.as_deref()),
        (ItemState::Excluded, Some("no_identifier_at_erase"))
    );
    assert_eq!(out.deleted, first.len() as u64);
    assert_eq!(out.requested, traces_of(&first).len() as u64);
    assert_eq!(case.count(Place::Examples, ItemState::Deleted), first.len());
    assert_eq!(case.state, CaseState::Pending);

    // A second erase sends nothing again.
    let deletes = server.requests().len();
    let out = langsmith_case::erase::erase(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    assert_eq!((out.deleted, out.requested), (0, 0));
    assert_eq!(server.hard_deleted_count(), first.len());
    assert!(first.iter().all(|id| server.hard_delete_count(id) == 1));
    let sent: Vec<_> = server.requests()[deletes..]
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.contains("delete"))
        .collect();
    assert!(sent.is_empty(), "{sent:?}");

    // verify: the copy the case did not hold is found again, with its traces: data left.
    // (The places the find above skipped are searched for the first time too: their
    // items are new as well.)
    let held = |dir: &CaseDir| -> BTreeSet<Uuid> {
        dir.case()
            .items
            .iter()
            .filter(|i| matches!(i.place, Place::Examples | Place::ExperimentTraces))
            .map(|i| i.id)
            .collect()
    };
    let before = held(&dir);
    let v = langsmith_case::verify::verify(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    assert!(v.error.is_none(), "{:?}", v.error);
    assert_eq!(v.verdict, Verdict::DataLeft);
    let later_set: BTreeSet<Uuid> = [later].into();
    assert_eq!(
        held(&dir).difference(&before).count() as u64,
        1 + traces_of(&later_set).difference(&traces_of(&first)).count() as u64
    );
    assert!(v.pass.new_items > 0);
    assert_eq!(v.pass.examples_erased, first.len() as u64);
    let case = dir.case();
    assert_eq!(
        case.items.iter().find(|i| i.id == later).unwrap().state,
        ItemState::Found
    );

    // The next erase takes the new copy (and only it) ...
    langsmith_case::erase::erase(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    let deleted: BTreeSet<Uuid> = server.hard_deleted_ids().into_iter().collect();
    assert_eq!(deleted, marked);
    assert!(marked.iter().all(|id| server.hard_delete_count(id) == 1));
    assert_eq!(requested_traces(&server), all_traces);
    let sends = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/runs/delete"))
        .count();

    // ... verify right after it: the traces' deletion is queued: pending, look again.
    let v = langsmith_case::verify::verify(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Pending);
    assert_eq!(v.pass.new_items, 0);
    assert!(v.pass.traces_pending > 0);
    assert!(dir.case().look_again().is_some());
    assert_eq!(dir.case().state, CaseState::Pending);

    // After the delay: every trace gone (as an experiment trace, and as a trace found by
    // its content), every example erased, every place searched again, nothing new:
    // closed.
    tokio::time::sleep(delay + std::time::Duration::from_millis(200)).await;
    let v = langsmith_case::verify::verify(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    assert!(v.pass.traces_gone >= all_traces.len() as u64);
    assert_eq!(v.pass.traces_pending, 0);
    assert_eq!(v.pass.examples_erased, marked.len() as u64);
    assert_eq!(v.pass.new_items, 0);
    // ... yet searched by the server's index only, which cannot prove absence: pending.
    assert_eq!(v.verdict, Verdict::Pending);
    assert_eq!(dir.case().state, CaseState::Pending, "never a false closed");
    // A scan reads every example and run: nothing new, then the pass closes the case.
    let scan = langsmith_case::find::FindOptions {
        scan: true,
        ..Default::default()
    };
    langsmith_case::find::all(&client, &mut dir, &who, &scan, &now)
        .await
        .unwrap();
    let v = langsmith_case::verify::verify(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Closed);
    assert_eq!(v.pass.new_items, 0);
    let case = dir.case();
    assert!(case.not_searched.is_empty());
    assert_eq!(case.state, CaseState::Closed);
    assert!(case.items.iter().all(|i| matches!(
        i.state,
        ItemState::Erased | ItemState::Gone | ItemState::Excluded
    )));
    assert_eq!(case.passes.len(), 4);
    // Nothing else touched, nothing sent twice.
    assert_eq!(server.hard_deleted_count(), marked.len());
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/runs/delete"))
            .count(),
        sends
    );
    assert_eq!(
        server.deleted_traces().into_iter().collect::<BTreeSet<_>>(),
        all_traces
    );
    drop(dir);
    CaseDir::load(&path).unwrap();
    assert_no_identifier(&path, &[MARKER]);
}

/// An erase killed after the server carried out a deletion, before the case recorded it:
/// the next erase reads those items back as erased or gone (never `excluded`, never sent
/// again). Judged by the stand-in's record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_the_case_did_not_record_reads_back_erased_and_is_not_sent_again() {
    let server = MockServer::builder()
        .api_key("lsv2_case_test")
        .marker(MARKER, 7)
        .experiment_sessions(1)
        .dataset("support")
        .examples(70)
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
    let given = ids(&[MARKER]);
    let case = Case::new("T-13", date("2026-12-04"), None, &given, NOW).unwrap();
    let mut dir = CaseDir::create(&path, case).unwrap();
    let who = dir.case().check_identifiers(&given).unwrap();
    let now = || NOW.to_owned();
    let search = langsmith_case::find::examples(&client, &who, false, &now).await;
    dir.record_place(search.record, search.items, NOW).unwrap();
    let search = langsmith_case::find::experiment_traces(&client, dir.case(), None, &now).await;
    dir.record_place(search.record, search.items, NOW).unwrap();

    let marked: BTreeSet<Uuid> = server.marked_ids().into_iter().collect();
    let gone = *marked.iter().next().unwrap();
    let trace = server
        .runs()
        .into_iter()
        .find(|r| r.reference_example_id == Some(gone))
        .map(|r| langsmith::TraceKey {
            session_id: r.session_id,
            trace_id: r.trace_id,
        })
        .unwrap();
    // The deletions an earlier, killed erase got done.
    client
        .hard_delete_all([gone], &langsmith::BulkOptions::default())
        .await
        .unwrap();
    client
        .delete_traces([trace], &langsmith::TraceDeleteOptions::default())
        .await
        .unwrap();
    assert_eq!(server.hard_delete_count(&gone), 1);

    let out = langsmith_case::erase::erase(&client, &mut dir, &who, &now)
        .await
        .unwrap();
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.already_gone, 2);
    let case = dir.case();
    let state_of = |id: Uuid| case.items.iter().find(|i| i.id == id).unwrap().state;
    assert_eq!(state_of(gone), ItemState::Erased);
    assert_eq!(state_of(trace.trace_id), ItemState::Gone);
    assert_eq!(server.hard_delete_count(&gone), 1, "not sent again");
    let deleted: BTreeSet<Uuid> = server.hard_deleted_ids().into_iter().collect();
    assert_eq!(deleted, marked);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/runs/delete")
                && r.body.as_ref().is_some_and(
                    |b| String::from_utf8_lossy(b).contains(&trace.trace_id.to_string())
                ))
            .count(),
        1,
        "the trace's deletion requested once"
    );
}
