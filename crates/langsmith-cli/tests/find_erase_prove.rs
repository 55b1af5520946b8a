//! Find, erase, prove from a shell: `select`, `hard-delete` by selectors with `--verify`,
//! and `verify`, end to end against the stand-in. Expected ids come from the stand-in's
//! store; digests from `sha256sum`.

mod common;
use common::*;
use langsmith_mock::MockServer;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use uuid::Uuid;

const KEY: &str = "lsv2_sk_FINDSECRET_0a1b2c3d";
const MARKER: &str = "jane.doe@example.com";

impl Env {
    async fn new(n: usize) -> Env {
        let server = MockServer::builder()
            .api_key(KEY)
            .dataset("compliance")
            .marker(MARKER, 50)
            .examples(n)
            .dataset("other")
            .examples(100)
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
}

/// `hard-delete` of the marked examples of `compliance`, with `--verify` and a report.
async fn hard_delete_marked(env: &Env, report: &std::path::Path) -> std::process::Output {
    env.run(&[
        "hard-delete",
        "--dataset",
        "compliance",
        "--contains",
        MARKER,
        "--yes",
        "--verify",
        "--report",
        report.to_str().unwrap(),
    ])
    .await
}

fn ids_of(stdout: &str) -> Vec<Uuid> {
    stdout
        .lines()
        .map(|l| Uuid::parse_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_erase_and_prove_the_erasure() {
    let env = Env::new(10_000).await;

    // Every id of the dataset, each once, and the count on stderr.
    let o = env.run(&["select", "--dataset", "compliance"]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let all = ids_of(&text(&o).0);
    assert_eq!(all.len(), 10_000);
    assert_eq!(
        all.iter().copied().collect::<BTreeSet<_>>(),
        env.in_dataset("compliance")
    );
    assert!(
        text(&o).1.contains("10000 examples selected"),
        "{}",
        text(&o).1
    );

    // Exactly the examples holding the marker, in every dataset...
    let o = env.run(&["select", "--contains", MARKER]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let everywhere: BTreeSet<Uuid> = ids_of(&text(&o).0).into_iter().collect();
    assert_eq!(everywhere, env.server.marked_ids().into_iter().collect());
    // ...and in the dataset of the erasure request.
    let o = env
        .run(&["select", "--dataset", "compliance", "--contains", MARKER])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let marked = ids_of(&text(&o).0);
    let expected: BTreeSet<Uuid> = everywhere
        .intersection(&env.in_dataset("compliance"))
        .copied()
        .collect();
    assert!(
        expected.len() > 100 && expected.len() < everywhere.len(),
        "{}",
        expected.len()
    );
    assert_eq!(marked.iter().copied().collect::<BTreeSet<_>>(), expected);
    let marked_file = env.path("marked.txt");
    std::fs::write(&marked_file, &o.stdout).unwrap();
    let marked_path = marked_file.to_str().unwrap();

    // Before: not erased, exit 6, and which fields hold data (never the data).
    let o = env.run(&["verify", "--ids-file", marked_path]).await;
    assert_eq!(o.status.code(), Some(6), "{:?}", text(&o));
    let (out, err) = text(&o);
    assert!(
        out.contains(&format!("erased 0, not_erased {}", marked.len())),
        "{out}"
    );
    assert!(
        err.contains("not_erased (inputs, outputs, metadata hold data)"),
        "{err}"
    );
    assert!(
        !err.contains(MARKER) && !out.contains(MARKER),
        "data printed"
    );

    // Erase by selectors, and prove it.
    let report = env.path("report.json");
    let o = hard_delete_marked(&env, &report).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["totals"]["deleted"], marked.len());
    assert_eq!(r["selection"]["counted"], marked.len());
    assert_eq!(r["selection"]["listed"], marked.len());
    assert_eq!(r["verification"]["totals"]["erased"], marked.len());
    assert_eq!(r["verification"]["totals"]["not_erased"], 0);
    assert_eq!(r["exit_code"], 0);
    // The selection's digest is that of the ids as `select` printed them.
    assert_eq!(r["inputs"][0]["sha256"], sha256sum(&marked_file));
    assert!(
        r["inputs"][0]["source"]
            .as_str()
            .unwrap()
            .starts_with("selection: dataset \"compliance\""),
        "{}",
        r["inputs"][0]
    );
    let deleted: BTreeSet<Uuid> = env.server.hard_deleted_ids().into_iter().collect();
    assert_eq!(
        deleted, expected,
        "exactly the marked examples were deleted"
    );

    // After: erased, exit 0; the content selection finds nothing now. LangSmith lists
    // them no more (nor does the stand-in): read as of a time before the deletion, when
    // they were listed (the seeded examples were there an hour after the first).
    let o = env
        .run(&[
            "verify",
            "--ids-file",
            marked_path,
            "--deleted-after",
            "2026-01-01T06:00:00Z",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verification"]["totals"]["erased"], marked.len());
    assert_eq!(v["unique_ids"], marked.len());
    let o = env
        .run(&["select", "--dataset", "compliance", "--contains", MARKER])
        .await;
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    // An earlier version, read as of a time, is erased too (every version is nulled).
    let o = env
        .run(&[
            "verify",
            "--ids-file",
            marked_path,
            "--as-of",
            "2026-01-01T06:00:00Z",
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_and_refusals_send_no_deletion() {
    let env = Env::new(300).await;
    // A dry run lists what would be deleted and deletes nothing.
    let o = env
        .run(&["hard-delete", "--dataset", "compliance", "--dry-run"])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    // stdout holds the ids alone, one a line; what the dry run says is on stderr.
    let listed: BTreeSet<Uuid> = ids_of(&text(&o).0).into_iter().collect();
    assert_eq!(listed, env.in_dataset("compliance"));
    assert!(
        text(&o).1.contains("dry run: nothing was sent"),
        "{}",
        text(&o).1
    );
    assert!(env.server.hard_deleted_ids().is_empty());
    // Not on a terminal and no --yes: refused before anything is deleted.
    let o = env.run(&["hard-delete", "--dataset", "compliance"]).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("--yes"), "{}", text(&o).1);
    assert!(env.server.hard_deleted_ids().is_empty());
    assert!(
        env.server.requests().iter().all(|r| r.method == "GET"),
        "only reads were sent"
    );

    // Usage errors say which flag and why; nothing is sent.
    let before = env.server.request_count();
    for (args, says) in [
        (
            vec![
                "hard-delete",
                "--dataset",
                "compliance",
                Uuid::nil().to_string().leak(),
            ],
            "not both",
        ),
        (vec!["select", "--metadata", "{not json"], "--metadata"),
        (vec!["select", "--metadata", "[1]"], "must be a JSON object"),
        (vec!["select"], "select needs a selector"),
        (
            vec!["select", "--contains", " "],
            "--contains needs a non-empty value",
        ),
        (
            vec![
                "verify",
                Uuid::nil().to_string().leak(),
                "--as-of",
                "yesterday",
            ],
            "--as-of",
        ),
        (vec!["verify", "not-a-uuid"], "argument 1"),
        (
            vec!["select", "--dataset", "c", "--concurrency", "0"],
            "--concurrency",
        ),
    ] {
        let o = env.run(&args).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains(says), "{args:?}: {}", text(&o).1);
    }
    assert_eq!(
        env.server.request_count(),
        before,
        "usage errors send nothing"
    );

    // A dataset name nobody has: one lookup, a clear error, exit 2, no deletion.
    let o = env
        .run(&["hard-delete", "--dataset", "nope", "--yes"])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("no dataset is named \"nope\""),
        "{}",
        text(&o).1
    );
    // A filter the stand-in does not support: its 400 says what, exit 2.
    let o = env.run(&["select", "--filter", "gt(latency, 5)"]).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("gt() is not supported"),
        "{}",
        text(&o).1
    );
    // A selection matching nothing deletes nothing and says so.
    let o = env
        .run(&[
            "hard-delete",
            "--contains",
            "nobody@example.org",
            "--yes",
            "--verify",
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).0.contains("no example matches"), "{}", text(&o).0);
    assert!(env.server.hard_deleted_ids().is_empty());
    // A wrong key: exit 3 from the first read.
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("LANGSMITH_ENDPOINT", env.server.url())
        .env("LANGSMITH_API_KEY", "wrong")
        .args(["select", "--dataset", "compliance"]);
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{:?}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_mode_runs_the_workflow_offline() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = tokio::task::spawn_blocking({
        let report = report.clone();
        move || {
            Command::new(BIN)
                .env_clear()
                .args([
                    "hard-delete",
                    "--mock",
                    "--dataset",
                    "compliance",
                    "--contains",
                    langsmith_mock::DEMO_MARKER,
                    "--yes",
                    "--verify",
                    "--report",
                    report.to_str().unwrap(),
                ])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let n = r["totals"]["deleted"].as_u64().unwrap();
    // About one in DEMO_MARKER_EVERY of the 10,000 seeded examples.
    let expected = 10_000 / langsmith_mock::DEMO_MARKER_EVERY;
    assert!(n > expected / 2 && n < expected * 2, "{n}");
    assert_eq!(r["verification"]["totals"]["erased"], n);
}

/// A server that dates a hard delete to the whole second (the start of the second it was
/// made in) unlists the examples from a time before the deletion, when that time falls
/// in the same second: read as of the run's start they are not found. The read-back then
/// tries a second earlier, where they read null. The run is started at the beginning of a
/// second, so its start and its deletions most often share one (when they do not, the
/// first read already finds them: erased either way, never "not found").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_dated_to_its_whole_second_is_still_read_back_erased() {
    let server = MockServer::builder()
        .api_key(KEY)
        .whole_second_times(true)
        .dataset("compliance")
        .marker(MARKER, 50)
        .examples(200)
        .start()
        .await
        .unwrap();
    let env = Env::with(server, KEY);
    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    assert!(!marked.is_empty());
    let report = env.path("report.json");
    let into_second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    tokio::time::sleep(std::time::Duration::from_millis(
        u64::from(1_000 - into_second) + 5,
    ))
    .await;
    let o = hard_delete_marked(&env, &report).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["verification"]["totals"]["erased"], marked.len(), "{r}");
    assert_eq!(r["verification"]["totals"]["not_found"], 0, "{r}");
    let reads = r["verification"]["earlier_reads"].as_array().unwrap().len();
    assert!((1..=2).contains(&reads), "{r}");
}

/// LangSmith stops listing a hard-deleted example (the official SDK's own `test_datasets`
/// counts one fewer after a hard delete; the stand-in's `hard_deleted_unlisted`). The
/// read-back then reads each one no longer listed as of before the deletion: the run's
/// start for `hard-delete --verify` and `verify --from-report`, `--deleted-after` for
/// ids from elsewhere. A hard delete's nulls there are the proof; a soft-deleted
/// example's data there is not erased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn examples_langsmith_lists_no_more_are_read_back_as_of_before_their_deletion() {
    let server = MockServer::builder()
        .api_key(KEY)
        .hard_deleted_unlisted(true)
        .dataset("compliance")
        .marker(MARKER, 50)
        .examples(1_000)
        .start()
        .await
        .unwrap();
    let env = Env::with(server, KEY);
    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    assert!(marked.len() > 5);
    let report = env.path("report.json");
    let o = hard_delete_marked(&env, &report).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).0.contains("no longer listed"), "{}", text(&o).0);
    let deleted: BTreeSet<Uuid> = env.server.hard_deleted_ids().into_iter().collect();
    assert_eq!(deleted, marked, "exactly the marked examples were deleted");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["verification"]["totals"]["erased"], marked.len());
    let earlier = &r["verification"]["earlier_reads"];
    assert_eq!(earlier.as_array().map(Vec::len), Some(1), "{earlier}");
    let reread: BTreeSet<Uuid> = serde_json::from_value(earlier[0]["ids"].clone()).unwrap();
    assert_eq!(
        reread, marked,
        "none of them is listed at the latest version"
    );

    // The report's start serves `verify --from-report` the same way.
    let o = env
        .run(&["verify", "--from-report", report.to_str().unwrap()])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));

    // Ids from elsewhere: not found at the latest version, which proves nothing; the
    // summary names --deleted-after.
    let other = env
        .server
        .seeded_ids()
        .into_iter()
        .find(|id| !marked.contains(id))
        .unwrap();
    let r = reqwest::Client::new()
        .delete(format!("{}/api/v1/examples/{other}", env.server.url()))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "a soft delete: {}", r.status());
    let ids = env.path("ids.txt");
    let lines: Vec<String> = marked.iter().chain([&other]).map(Uuid::to_string).collect();
    std::fs::write(&ids, lines.join("\n")).unwrap();
    let ids = ids.to_str().unwrap();
    let o = env.run(&["verify", "--ids-file", ids]).await;
    assert_ne!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(
        text(&o).0.contains(&format!(
            "erased 0, not_erased 0, not_found {}",
            marked.len() + 1
        )),
        "{}",
        text(&o).0
    );
    assert!(text(&o).0.contains("--deleted-after"), "{}", text(&o).0);
    // As of a time every seeded example was listed (an hour after the first): the hard
    // deletes read null, the soft delete's data is there: not erased (exit 6).
    let o = env
        .run(&[
            "verify",
            "--ids-file",
            ids,
            "--deleted-after",
            "2026-01-01T06:00:00Z",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(o.status.code(), Some(6), "{:?}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verification"]["totals"]["erased"], marked.len());
    assert_eq!(v["verification"]["totals"]["not_erased"], 1);
    assert_eq!(
        v["verification"]["ids"]["not_erased"][0]["id"],
        other.to_string()
    );
    // A deletion in the future, or with --as-of (one time already): refused, nothing sent.
    let before = env.server.requests().len();
    let o = env
        .run(&[
            "verify",
            "--ids-file",
            ids,
            "--deleted-after",
            "2999-01-01T00:00:00Z",
        ])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("--deleted-after"), "{}", text(&o).1);
    let o = env
        .run(&[
            "verify",
            "--ids-file",
            ids,
            "--as-of",
            "2999-01-01T00:00:00Z",
        ])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("--as-of"), "{}", text(&o).1);
    let o = env
        .run(&[
            "verify",
            "--ids-file",
            ids,
            "--deleted-after",
            "2026-01-01T06:00:00Z",
            "--as-of",
            "2026-01-01T06:00:00Z",
        ])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert_eq!(env.server.requests().len(), before, "nothing was sent");
}
