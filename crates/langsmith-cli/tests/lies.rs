//! Delete only what was selected: against a stand-in that lies about its listing (ignores
//! a filter, leaks another dataset's rows, pages without end, answers HTML), the ids sent
//! to the delete endpoint are exactly the ids that match. Expected ids come from the
//! stand-in's own store and its own record of the requests it received, never from the
//! CLI's output.

mod common;
use common::*;
use langsmith_mock::{EndlessPages, Faults, Lies, MockServer};
use serde_json::Value;
use std::collections::BTreeSet;
use uuid::Uuid;

const KEY: &str = "lsv2_sk_LIESECRET_0a1b2c3d";
const MARKER: &str = "jane.doe@example.com";
/// The documented exit code for "the server listed examples that fail the selectors".
const EXIT_EXCLUDED: i32 = 8;

impl Env {
    /// 600 examples in `compliance` (one in 30 holding the marker), 50 in `other`.
    async fn new(lies: Lies) -> Env {
        let server = MockServer::builder()
            .api_key(KEY)
            .dataset("compliance")
            .marker(MARKER, 30)
            .examples(600)
            .dataset("other")
            .examples(50)
            .faults(Faults {
                lies,
                ..Faults::default()
            })
            .start()
            .await
            .unwrap();
        Env::with(server, KEY)
    }

    fn in_dataset(&self, name: &str) -> BTreeSet<Uuid> {
        let ds = self.server.dataset_id(name).unwrap();
        self.server
            .seeded_ids()
            .into_iter()
            .filter(|id| self.server.example(id).unwrap().dataset_id == ds)
            .collect()
    }

    /// The stand-in's marked examples of `compliance`: what `--dataset compliance
    /// --contains MARKER` must select.
    fn marked_in_compliance(&self) -> BTreeSet<Uuid> {
        let ds = self.in_dataset("compliance");
        self.server
            .marked_ids()
            .into_iter()
            .filter(|id| ds.contains(id))
            .collect()
    }

    /// Every id the stand-in received in a hard-delete request body.
    fn ids_sent_to_delete(&self) -> BTreeSet<Uuid> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/examples/delete"))
            .flat_map(|r| r.ids.iter().map(|s| Uuid::parse_str(s).unwrap()))
            .collect()
    }

    fn reads(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.method == "GET")
            .count()
    }
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn excluded_of(report: &Value) -> Vec<(Uuid, String)> {
    report["selection"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                Uuid::parse_str(e["id"].as_str().unwrap()).unwrap(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn lie_ignoring(param: &str) -> Lies {
    Lies {
        ignore_params: vec![param.to_owned()],
        ..Lies::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ignored_full_text_filter_deletes_only_the_examples_holding_the_text() {
    let env = Env::new(lie_ignoring("full_text_contains")).await;
    let want = env.marked_in_compliance();
    assert!(!want.is_empty() && want.len() < 100, "{}", want.len());
    let report = env.path("r.json");
    let o = env
        .run(&[
            "hard-delete",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--yes",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(EXIT_EXCLUDED), "{out}\n{err}");
    assert_eq!(env.ids_sent_to_delete(), want);
    // Everything else the server listed is excluded, for the text, and said so.
    let r = read_json(&report);
    let excluded = excluded_of(&r);
    let listed = env.in_dataset("compliance");
    assert_eq!(excluded.len(), listed.len() - want.len());
    assert!(
        excluded
            .iter()
            .all(|(id, reason)| reason == "text_not_found"
                && listed.contains(id)
                && !want.contains(id))
    );
    assert_eq!(r["selection"]["selected"], want.len());
    assert_eq!(r["selection"]["listed"], listed.len());
    assert_eq!(r["exit_code"], EXIT_EXCLUDED);
    assert!(
        err.contains("text_not_found") && err.contains("never deleted"),
        "{err}"
    );

    // `select` says the same, on stdout only the ids that passed.
    let o = env
        .run(&["select", "--dataset", "compliance", "--contains", MARKER])
        .await;
    assert_eq!(o.status.code(), Some(EXIT_EXCLUDED), "{:?}", text(&o));
    // The marked examples were deleted above: the server now lists none holding it.
    assert!(text(&o).0.trim().is_empty(), "{}", text(&o).0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_of_another_dataset_are_never_deleted() {
    let env = Env::new(Lies {
        foreign_examples: 10,
        ..Lies::default()
    })
    .await;
    let want = env.in_dataset("compliance");
    let o = env
        .run(&[
            "hard-delete",
            "--dataset",
            "compliance",
            "--yes",
            "-o",
            "json",
        ])
        .await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(EXIT_EXCLUDED), "{err}");
    assert_eq!(env.ids_sent_to_delete(), want);
    let r: Value = serde_json::from_str(&out).unwrap();
    let excluded = excluded_of(&r);
    let other = env.in_dataset("other");
    assert_eq!(excluded.len(), 10);
    assert!(
        excluded
            .iter()
            .all(|(id, reason)| reason == "dataset_mismatch" && other.contains(id))
    );
    // The server's count included the leak; the dry run and prompt show the mismatch.
    assert_eq!(r["selection"]["counted"], want.len() + 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_metadata_and_split_filters_are_rechecked() {
    let test_split: BTreeSet<Uuid> = {
        let env = Env::new(Lies::default()).await;
        env.in_dataset("compliance")
            .into_iter()
            .filter(|id| langsmith_mock::store::split_of(id) == "test")
            .collect()
    };
    for (param, args, reason) in [
        ("splits", vec!["--split", "test"], "split_mismatch"),
        (
            "metadata",
            vec!["--metadata", r#"{"dataset_split": ["test"]}"#],
            "metadata_mismatch",
        ),
    ] {
        let env = Env::new(lie_ignoring(param)).await;
        let mut argv = vec![
            "hard-delete",
            "--dataset",
            "compliance",
            "--yes",
            "-o",
            "json",
        ];
        argv.extend(args);
        let o = env.run(&argv).await;
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(EXIT_EXCLUDED), "{param}: {err}");
        // The same seed in every server: the same ids.
        assert_eq!(env.ids_sent_to_delete(), test_split, "{param}");
        let r: Value = serde_json::from_str(&out).unwrap();
        let excluded = excluded_of(&r);
        assert_eq!(excluded.len(), 600 - test_split.len(), "{param}");
        assert!(excluded.iter().all(|(_, r)| r == reason), "{param}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_pages_stop_with_an_error_and_delete_nothing() {
    for mode in [EndlessPages::Repeat, EndlessPages::Fresh] {
        let env = Env::new(Lies {
            endless_pages: Some(mode),
            ..Lies::default()
        })
        .await;
        let o = env
            .run(&["hard-delete", "--dataset", "compliance", "--yes"])
            .await;
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{mode:?}: {err}");
        assert!(
            err.contains("the examples listing did not end normally") && err.contains("offset"),
            "{mode:?}: {err}"
        );
        // Caught where it shows: a repeated full page at once, made-up ids past the count.
        let why = match mode {
            EndlessPages::Repeat => "held no id not listed before",
            EndlessPages::Fresh => "more than the count allows",
        };
        assert!(err.contains(why), "{mode:?}: {err}");
        assert!(env.ids_sent_to_delete().is_empty(), "{mode:?}");
        // Bounded: the dataset look-up, the count, the pages the documented bound allows a
        // count of 600 (count plus a tenth or one page, whichever is more, plus one
        // page), and the pages in flight (the CLI's default --concurrency, 4).
        let page = langsmith::PAGE_SIZE;
        let max_pages = (600 + (600 / 10).max(page)).div_ceil(page) + 1;
        assert!(
            env.reads() <= 1 + 1 + max_pages + 4,
            "{mode:?}: {} reads",
            env.reads()
        );

        // `select` prints what it listed, then a last line that is no id...
        let o = env.run(&["select", "--dataset", "compliance"]).await;
        assert_eq!(o.status.code(), Some(1), "{mode:?}");
        let out = text(&o).0;
        let last = out.lines().last().unwrap();
        assert!(Uuid::parse_str(last).is_err(), "{mode:?}: {last}");
        // ...so a pipeline into hard-delete refuses the whole input and sends nothing.
        let o = env
            .run_with_stdin(
                &["hard-delete", "--ids-file", "-", "--yes"],
                Some(out.into_bytes()),
            )
            .await;
        assert_eq!(o.status.code(), Some(2), "{mode:?}: {:?}", text(&o));
        assert!(env.ids_sent_to_delete().is_empty(), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_200_is_retried_once_then_reported() {
    let env = Env::new(Lies {
        html_200: true,
        ..Lies::default()
    })
    .await;
    let o = env
        .run(&["select", "--dataset", "compliance", "--max-retries", "5"])
        .await;
    let (_, err) = text(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("text/html") || err.contains("<!doctype html>"),
        "{err}"
    );
    // The dataset look-up: the first attempt and one retry, not five.
    assert_eq!(env.reads(), 2, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_selection_leaves_a_report() {
    let env = Env::new(Lies::default()).await;
    let report = env.path("empty.json");
    let o = env
        .run(&[
            "hard-delete",
            "--dataset",
            "compliance",
            "--contains",
            "jane.doe@exmaple.com",
            "--plain-selectors",
            "--yes",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let r = read_json(&report);
    assert_eq!(r["selection"]["counted"], 0);
    assert_eq!(r["selection"]["listed"], 0);
    assert_eq!(r["unique_ids"], 0);
    assert_eq!(r["exit_code"], 0);
    assert!(
        r["selection"]["selectors"]
            .as_str()
            .unwrap()
            .contains("exmaple"),
        "{r}"
    );
    assert!(env.ids_sent_to_delete().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_is_recorded_as_the_servers_word() {
    let env = Env::new(Lies::default()).await;
    let o = env
        .run(&[
            "hard-delete",
            "--dataset",
            "compliance",
            "--filter",
            r#"exists(metadata, "source")"#,
            "--dry-run",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(
        r["selection"]["server_evaluated"],
        serde_json::json!(["filter"])
    );
    let o = env
        .run(&["select", "--filter", r#"exists(metadata, "source")"#])
        .await;
    assert!(
        text(&o).1.contains("--filter is the server's word"),
        "{}",
        text(&o).1
    );
}
