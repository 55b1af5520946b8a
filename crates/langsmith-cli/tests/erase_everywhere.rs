//! Erase everywhere (issue 23), from a shell: `hard-delete --with-runs`, `select
//! --with-runs`, `verify --from-report --with-runs`, exit 7 for what is pending. What is
//! expected comes from the stand-in's store (`runs()`, `ids_with_attachments()`) and its
//! record of what it received and deleted (`requests()`, `deleted_traces()`), and digests
//! from `sha256sum`: never from the tool's own output.

mod common;
use common::*;
use langsmith_mock::{Faults, Lies, MockServer, MockServerBuilder};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;
use uuid::Uuid;

const KEY: &str = "lsv2_sk_EVERYWHERE_0a1b2c3d";
const MARKER: &str = "jane.doe@example.com";

impl Env {
    async fn new(configure: impl FnOnce(&mut MockServerBuilder)) -> Env {
        let mut b = MockServer::builder();
        b.api_key(KEY)
            .dataset("compliance")
            .marker(MARKER, 5)
            .examples(60)
            .experiment_sessions(2);
        configure(&mut b);
        Env::with(b.start().await.unwrap(), KEY)
    }

    /// `(session_id, trace_id)` of the traces whose runs reference one of `ids`, as the
    /// stand-in holds them now.
    fn traces_of(&self, ids: &BTreeSet<Uuid>) -> BTreeSet<(Uuid, Uuid)> {
        self.server
            .runs()
            .into_iter()
            .filter(|r| r.reference_example_id.is_some_and(|e| ids.contains(&e)))
            .map(|r| (r.session_id, r.trace_id))
            .collect()
    }

    /// `hard-delete --dataset compliance --contains MARKER --yes`, and `extra`.
    async fn hard_delete_marked(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec![
            "hard-delete",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--yes",
        ];
        args.extend_from_slice(extra);
        self.run(&args).await
    }

    fn deleted_traces(&self) -> BTreeSet<(Uuid, Uuid)> {
        self.server.deleted_traces().into_iter().collect()
    }

    fn sent_to(&self, path: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    fn report(&self, name: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.path(name)).unwrap()).unwrap()
    }
}

fn keys(rows: &Value) -> BTreeSet<(Uuid, Uuid)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["session_id"].as_str().unwrap().parse().unwrap(),
                t["trace_id"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn with_runs_requests_the_traces_and_verify_says_pending_until_they_are_gone() {
    let delay = Duration::from_millis(2500);
    let env = Env::new(|b| {
        b.attachments_every(2)
            .run_delete_delay(delay)
            .attachment_delay(delay);
    })
    .await;
    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    let want = env.traces_of(&marked);
    assert_eq!(want.len(), marked.len() * 2);
    let with_attachments: BTreeSet<Uuid> = env
        .server
        .ids_with_attachments()
        .into_iter()
        .filter(|id| marked.contains(id))
        .collect();
    assert!(
        !with_attachments.is_empty(),
        "the seed gives some an attachment"
    );
    let report = env.path("run.json");
    let o = env
        .hard_delete_marked(&[
            "--with-runs",
            "--verify",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&o);
    // Nothing contradicts the erasure, but traces and attachments are still to go.
    assert_eq!(code(&o), 7, "{out}\n{err}");
    assert!(out.contains("pending:"), "{out}");
    assert!(out.contains("verify again after"), "{out}");
    assert!(
        env.deleted_traces().is_empty(),
        "nothing is gone before the delay"
    );
    let r = env.report("run.json");
    assert_eq!(r["exit_code"], 7);
    assert_eq!(keys(&r["runs"]["traces"]), want);
    for t in r["runs"]["traces"].as_array().unwrap() {
        assert_eq!(t["outcome"], "deletion_requested");
        assert_eq!(t["http_status"], 202);
        assert!(t["request_id"].is_string());
    }
    assert_eq!(r["runs"]["totals"]["deletion_requested"], want.len());
    // Claimed gone: none. Still present: every one, and requested.
    assert!(
        r["runs_verification"]["gone"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let still = &r["runs_verification"]["still_present"];
    assert_eq!(keys(still), want);
    assert!(
        still
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["requested"] == true)
    );
    let pending: BTreeSet<Uuid> = r["verification"]["ids"]["attachments_pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["overdue"], false);
            assert!(p["deadline"].is_string());
            p["id"].as_str().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(pending, with_attachments);
    assert!(!r["not_reached"].as_array().unwrap().is_empty());

    tokio::time::sleep(delay + Duration::from_millis(300)).await;
    let again = env.path("verify.json");
    let o = env
        .run(&[
            "verify",
            "--from-report",
            report.to_str().unwrap(),
            "--with-runs",
            "--report",
            again.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}\n{err}");
    let v = env.report("verify.json");
    assert_eq!(keys(&v["runs_verification"]["gone"]), want);
    assert!(
        v["runs_verification"]["still_present"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(v["verification"]["totals"]["erased"], marked.len());
    assert_eq!(v["from_report"]["sha256"], sha256sum(&report));
    // The stand-in deleted exactly those traces, no other.
    assert_eq!(env.deleted_traces(), want);
}

/// `hard-delete --with-runs` against a stand-in serving `served` whose runs query does
/// not apply its example filter (`lies`): exit 8, the foreign runs of the window excluded
/// (the stand-in's store says which), only the examples' traces deleted, and the report
/// names the API that answered (`api`).
async fn a_lying_runs_query_gets_no_foreign_trace_deleted(
    served: langsmith_mock::RunsApi,
    lies: Lies,
    api: &str,
) {
    let env = Env::new(|b| {
        b.runs_api(served).faults(Faults {
            lies,
            ..Faults::default()
        });
    })
    .await;
    let ids: BTreeSet<Uuid> = env.server.seeded_ids().into_iter().take(5).collect();
    let want = env.traces_of(&ids);
    // The store before the deletion (the deleted traces' runs leave it).
    let runs_before = env.server.runs();
    let ids_file = env.path("ids.txt");
    std::fs::write(
        &ids_file,
        ids.iter().map(|i| format!("{i}\n")).collect::<String>(),
    )
    .unwrap();
    let report = env.path("run.json");
    let o = env
        .run(&[
            "hard-delete",
            "--ids-file",
            ids_file.to_str().unwrap(),
            "--yes",
            "--with-runs",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 8, "{out}\n{err}");
    assert!(err.contains("excluded, never deleted"), "{err}");
    assert_eq!(env.deleted_traces(), want);
    let r = env.report("run.json");
    assert_eq!(r["runs"]["lookup"]["runs_api"], api);
    assert!(err.contains(&format!("{api} runs query")), "{err}");
    let min = chrono::DateTime::parse_from_rfc3339(
        r["runs"]["lookup"]["window"]["min_start_time"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
    .timestamp();
    let in_window = runs_before
        .iter()
        .filter(|run| run.start_time >= min)
        .count();
    assert_eq!(
        r["runs"]["lookup"]["excluded"].as_array().unwrap().len(),
        in_window - want.len()
    );
}

#[tokio::test]
async fn a_runs_query_that_ignores_its_filter_gets_no_foreign_trace_deleted() {
    // The lie is v1's: a stand-in serving only v1 (self-hosted before v0.16).
    let lies = Lies {
        runs_ignore_reference_example: true,
        ..Lies::default()
    };
    a_lying_runs_query_gets_no_foreign_trace_deleted(langsmith_mock::RunsApi::V1, lies, "v1").await;
}

#[tokio::test]
async fn a_v2_runs_query_that_ignores_reference_examples_gets_no_foreign_trace_deleted() {
    let lies = Lies {
        runs_v2_ignore_reference_examples: true,
        ..Lies::default()
    };
    a_lying_runs_query_gets_no_foreign_trace_deleted(langsmith_mock::RunsApi::Both, lies, "v2")
        .await;
}

#[tokio::test]
async fn a_first_runs_delete_answering_500_is_retried() {
    let env = Env::new(|b| {
        b.faults(Faults {
            runs_delete_500_first: 1,
            ..Faults::default()
        });
    })
    .await;
    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    let want = env.traces_of(&marked);
    let report = env.path("run.json");
    let o = env
        .hard_delete_marked(&[
            "--with-runs",
            "--verify",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}\n{err}");
    let r = env.report("run.json");
    // Two sessions: one request each; the first to arrive answered 500 and was retried.
    let requests = r["runs"]["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2);
    let attempts: Vec<u64> = requests
        .iter()
        .map(|q| q["attempts"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts.iter().sum::<u64>(), 3, "{attempts:?}");
    assert!(requests.iter().all(|q| q["http_status"] == 202));
    assert_eq!(r["runs"]["http_requests"], 3);
    assert_eq!(env.sent_to("/api/v1/runs/delete"), 3);
    assert_eq!(env.deleted_traces(), want);
}

#[tokio::test]
async fn without_with_runs_nothing_about_runs_is_sent() {
    let env = Env::new(|_| {}).await;
    let report = env.path("run.json");
    let o = env
        .hard_delete_marked(&["--verify", "--report", report.to_str().unwrap()])
        .await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert_eq!(env.sent_to("/api/v1/runs/query"), 0);
    assert_eq!(env.sent_to("/api/v1/runs/delete"), 0);
    let r = env.report("run.json");
    assert!(r.get("runs").is_none() && r.get("runs_verification").is_none());
    // The residual list and what the API does not reach are there all the same.
    assert!(r["verification"]["residual"]["source_runs"].is_array());
    assert!(r["not_reached"].is_array());
}

#[tokio::test]
async fn select_with_runs_lists_the_traces_and_deletes_nothing() {
    let env = Env::new(|_| {}).await;
    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    let want = env.traces_of(&marked);
    let o = env
        .run(&[
            "select",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--with-runs",
            "-o",
            "json",
        ])
        .await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}\n{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(keys(&doc["runs"]["traces"]), want);
    for t in doc["runs"]["traces"].as_array().unwrap() {
        let refs = t["reference_example_ids"].as_array().unwrap();
        assert_eq!(refs.len(), 1);
        assert!(marked.contains(&refs[0].as_str().unwrap().parse().unwrap()));
    }
    assert_eq!(env.sent_to("/api/v1/runs/delete"), 0);
    assert!(env.server.hard_deleted_ids().is_empty());
}

#[tokio::test]
async fn verify_with_runs_of_traces_nobody_asked_to_delete_is_not_erased() {
    let env = Env::new(|_| {}).await;
    let want = env.traces_of(&env.server.marked_ids().into_iter().collect());
    let marked: Vec<String> = env
        .server
        .marked_ids()
        .iter()
        .map(Uuid::to_string)
        .collect();
    let mut args = vec!["hard-delete", "--yes"];
    args.extend(marked.iter().map(String::as_str));
    assert_eq!(code(&env.run(&args).await), 0);
    // The examples are erased; the traces that copied them were never requested. They
    // are listed no more: read as of a time before the deletion (the seeded examples
    // were there an hour after the first).
    let mut args = vec![
        "verify",
        "--with-runs",
        "--deleted-after",
        "2026-01-01T06:00:00Z",
    ];
    args.extend(marked.iter().map(String::as_str));
    let o = env.run(&args).await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 6, "{out}\n{err}");
    assert!(
        out.contains(&format!("still present and never requested {}", want.len())),
        "{out}"
    );
    assert!(err.contains("hard-delete --with-runs"), "{err}");
}

#[tokio::test]
async fn verify_from_report_refuses_what_is_not_the_evidence_of_a_deletion() {
    let env = Env::new(|_| {}).await;
    let id = env.server.seeded_ids()[0].to_string();
    // A verify report is not a deletion's.
    let vr = env.path("verify.json");
    let o = env
        .run(&["verify", &id, "--report", vr.to_str().unwrap()])
        .await;
    assert_eq!(code(&o), 6);
    let o = env
        .run(&["verify", "--from-report", vr.to_str().unwrap()])
        .await;
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("not a hard-delete report"), "{err}");
    // A hard-delete report with a broken id: the place is named.
    let run = env.path("run.json");
    let o = env
        .run(&[
            "hard-delete",
            &id,
            "--yes",
            "--report",
            run.to_str().unwrap(),
        ])
        .await;
    assert_eq!(code(&o), 0);
    let mut doc = env.report("run.json");
    doc["ids"]["deleted"]
        .as_array_mut()
        .unwrap()
        .push("not-a-uuid".into());
    let broken = env.path("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&doc).unwrap()).unwrap();
    let before = env.server.request_count();
    let o = env
        .run(&["verify", "--from-report", broken.to_str().unwrap()])
        .await;
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("ids.deleted[1]: not a UUID"), "{err}");
    // The evidence is never overwritten by the verification of it.
    let o = env
        .run(&[
            "verify",
            "--from-report",
            run.to_str().unwrap(),
            "--report",
            run.to_str().unwrap(),
        ])
        .await;
    assert_eq!(code(&o), 2, "{:?}", text(&o));
    assert_eq!(env.server.request_count(), before, "nothing was sent");
}

#[tokio::test]
async fn a_runs_listing_that_never_ends_requests_no_trace_deletion() {
    let env = Env::new(|b| {
        b.faults(Faults {
            lies: Lies {
                runs_endless_cursor: true,
                ..Lies::default()
            },
            ..Faults::default()
        });
    })
    .await;
    let marked = env.server.marked_ids().len();
    let report = env.path("run.json");
    let o = env
        .hard_delete_marked(&["--with-runs", "--report", report.to_str().unwrap()])
        .await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(out.contains("no trace deletion was requested"), "{out}");
    assert!(
        err.contains("the runs listing did not end normally"),
        "{err}"
    );
    assert_eq!(env.sent_to("/api/v1/runs/delete"), 0);
    let r = env.report("run.json");
    assert_eq!(r["runs"]["lookup"]["error_kind"], "paging");
    assert!(r["runs"]["traces"].as_array().unwrap().is_empty());
    // The examples themselves were deleted, and said so.
    assert_eq!(r["totals"]["deleted"], marked);
}

#[tokio::test]
async fn mock_with_runs_and_verify_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = Command::new(BIN)
        .env_clear()
        .args([
            "hard-delete",
            "--mock",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--yes",
            "--with-runs",
            "--verify",
            "--report",
            report.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}\n{err}");
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let requested = r["runs"]["totals"]["deletion_requested"].as_u64().unwrap();
    // Two experiments over every example: two traces per deleted example.
    assert_eq!(requested, 2 * r["totals"]["deleted"].as_u64().unwrap());
    assert_eq!(
        r["runs_verification"]["gone"].as_array().unwrap().len() as u64,
        requested
    );
    assert!(out.contains("traces: gone"), "{out}");
}

#[tokio::test]
async fn a_resumed_run_does_not_request_again_the_traces_its_journal_holds() {
    // The deletions are queued for longer than the test: the traces stay listed, so the
    // second run finds them again.
    let env = Env::new(|b| {
        b.run_delete_delay(Duration::from_secs(600));
    })
    .await;
    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    let want = env.traces_of(&marked);
    let journal = env.path("run.journal");
    let journal = journal.to_str().unwrap();
    let (first_report, second_report) = (env.path("first.json"), env.path("second.json"));
    // The same ids both times, as a resumed run has them (a selection by content would
    // select nothing the second time: the content is gone).
    let ids_file = env.path("ids.txt");
    std::fs::write(
        &ids_file,
        marked.iter().map(|i| format!("{i}\n")).collect::<String>(),
    )
    .unwrap();
    let ids_file = ids_file.to_str().unwrap();
    let first = env
        .run(&[
            "hard-delete",
            "--ids-file",
            ids_file,
            "--yes",
            "--with-runs",
            "--journal",
            journal,
            "--report",
            first_report.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&first);
    assert_eq!(code(&first), 0, "{out}\n{err}");
    let deletes_first = env.sent_to("/api/v1/runs/delete");
    assert!(deletes_first > 0);
    // The journal holds each accepted request's traces (and no content: ids only).
    let text_of_journal = std::fs::read_to_string(journal).unwrap();
    assert!(text_of_journal.contains("\"outcome\":\"traces_requested\""));
    assert!(!text_of_journal.contains(MARKER));

    let second = env
        .run(&[
            "hard-delete",
            "--ids-file",
            ids_file,
            "--yes",
            "--with-runs",
            "--journal",
            journal,
            "--report",
            second_report.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&second);
    assert_eq!(code(&second), 0, "{out}\n{err}");
    // Judged by the stand-in's record: no runs delete was sent again.
    assert_eq!(env.sent_to("/api/v1/runs/delete"), deletes_first);
    let r = env.report("second.json");
    assert!(r["runs"].is_object(), "{out}\n{err}\n{}", r);
    assert_eq!(keys(&r["runs"]["traces"]), want);
    for t in r["runs"]["traces"].as_array().unwrap() {
        assert_eq!(t["outcome"], "deletion_requested", "{t}");
        assert_eq!(t["requested_by_earlier_run"], true, "{t}");
        assert!(t["request_id"].is_string(), "{t}");
    }
    assert_eq!(r["runs"]["totals"]["deletion_requested"], want.len());
    // And its read-back calls them pending (requested, still listed), not data nobody
    // asked to delete.
    let v = env
        .run(&[
            "verify",
            "--from-report",
            second_report.to_str().unwrap(),
            "--with-runs",
        ])
        .await;
    let (out, err) = text(&v);
    assert_eq!(code(&v), 7, "{out}\n{err}");
}
