//! End-to-end: the built `langsmith-examples` binary against the stand-in server.

use langsmith_mock::{Faults, MockServer};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use uuid::Uuid;

const KEY: &str = "lsv2_sk_TESTSECRET_9f8e7d6c5b4a";
const BIN: &str = env!("CARGO_BIN_EXE_langsmith-examples");
/// The spec's `maxItems`, the CLI's default batch size.
const MAX: usize = langsmith::ExampleIds::MAX;

struct Env {
    dir: tempfile::TempDir,
    server: MockServer,
}

impl Env {
    async fn new(n: usize, faults: Faults) -> Env {
        let mut b = MockServer::builder();
        b.api_key(KEY).examples(n).faults(faults);
        Env {
            dir: tempfile::tempdir().unwrap(),
            server: b.start().await.unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ids_file(&self, name: &str, ids: &[Uuid]) -> PathBuf {
        let text: String = ids.iter().map(|i| format!("{i}\n")).collect();
        self.write(name, text.as_bytes())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let key_file = self.write("key", format!("{KEY}\n").as_bytes());
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("LANGSMITH_ENDPOINT", self.server.url())
            .env(
                "LANGSMITH_WORKSPACE_ID",
                self.server.workspace_id().to_string(),
            )
            .arg("hard-delete")
            .args(["--api-key-file", key_file.to_str().unwrap()])
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Runs the binary on a blocking thread so the in-process server keeps serving.
    async fn run(&self, args: &[&str]) -> Output {
        let mut c = self.command(args);
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    }
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn assert_no_secret(o: &Output, files: &[&Path]) {
    let (out, err) = text(o);
    assert!(
        !out.contains(KEY) && !err.contains(KEY),
        "the key leaked to stdout/stderr"
    );
    for f in files {
        if let Ok(t) = std::fs::read_to_string(f) {
            assert!(!t.contains(KEY), "the key leaked into {}", f.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_with_journal_and_report() {
    // Two full batches of the spec's maximum and a partial one.
    let n = 2 * MAX + MAX / 2;
    let env = Env::new(n, Faults::default()).await;
    let mut ids = env.server.seeded_ids();
    ids.extend_from_within(..10);
    let file = env.ids_file("ids.txt", &ids);
    let (journal, report) = (env.path("journal"), env.path("report.json"));
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "-vvv",
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_no_secret(&o, &[&journal, &report]);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["unique_ids"], n);
    assert_eq!(r["duplicates_dropped"], 10);
    assert_eq!(r["input_lines"], n + 10);
    assert_eq!(r["totals"]["deleted"], n);
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["tool"], "langsmith-examples");
    assert_eq!(r["requests"].as_array().unwrap().len(), 3);
    assert_eq!(r["http_requests"], 3);
    assert_eq!(r["ids"]["deleted"].as_array().unwrap().len(), n);
    for req in r["requests"].as_array().unwrap() {
        assert!(req["request_id"].as_str().unwrap().starts_with("mock-"));
        assert!(req["started_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(req["http_status"], 200);
        assert_eq!(req["settled"]["deleted"], req["ids_sent"]);
    }
    // The input's sha256, as an independent tool computes it.
    let sum = Command::new("sha256sum").arg(&file).output().unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    assert_eq!(
        r["inputs"][0]["sha256"],
        sum.split_whitespace().next().unwrap()
    );
    assert_eq!(
        r["inputs"][0]["bytes"],
        std::fs::metadata(&file).unwrap().len()
    );
    assert!(
        env.server
            .seeded_ids()
            .iter()
            .all(|id| env.server.hard_delete_count(id) == 1)
    );

    // Re-running with the journal sends nothing.
    let before = env.server.request_count();
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).0.contains("nothing to send"));
    assert_eq!(env.server.request_count(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_non_terminal_send_nothing() {
    let n = MAX + MAX / 2;
    let env = Env::new(n, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let o = env
        .run(&["--dry-run", "--ids-file", file.to_str().unwrap()])
        .await;
    assert_eq!(o.status.code(), Some(0));
    // stdout: the ids that would be deleted, one a line, nothing else; the plan on stderr.
    let (out, err) = text(&o);
    let listed: Vec<Uuid> = out.lines().map(|l| Uuid::parse_str(l).unwrap()).collect();
    let mut seeded = env.server.seeded_ids();
    seeded.sort();
    assert_eq!(listed, seeded);
    assert!(
        err.contains(&format!("{n} unique examples in 2 requests")),
        "{err}"
    );
    // A dry run writes a report with the plan too.
    let report = env.path("plan.json");
    let o = env
        .run(&[
            "--dry-run",
            "--ids-file",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["plan"]["batches"], 2);
    assert_eq!(r["totals"]["not_attempted"], n);
    // An unwritable report path: exit 2 before anything is sent.
    for bad in [env.path("missing-dir/r.json"), env.dir.path().to_path_buf()] {
        let o = env
            .run(&[
                "--yes",
                "--ids-file",
                file.to_str().unwrap(),
                "--report",
                bad.to_str().unwrap(),
            ])
            .await;
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
        assert!(text(&o).1.contains("nothing was sent"), "{:?}", text(&o));
    }
    let o = env.run(&["--ids-file", file.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--yes"));
    assert_eq!(env.server.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_inputs_exit_2_located_and_send_nothing() {
    let env = Env::new(3, Faults::default()).await;
    let good = env.server.seeded_ids()[0].to_string();
    let mut long_line = vec![b'a'; 10 << 20];
    long_line.push(b'\n');
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "bom.txt",
            format!("\u{feff}{good}\nnot-an-id\n").into_bytes(),
            "bom.txt:2: not a UUID",
        ),
        (
            "crlf.txt",
            format!("{good}\r\n\r\nbad\r\n").into_bytes(),
            "crlf.txt:3: not a UUID",
        ),
        (
            "nul.txt",
            format!("{good}\n{good}\0\n").into_bytes(),
            "nul.txt:2: not a UUID",
        ),
        (
            "long.txt",
            [format!("{good}\n").into_bytes(), long_line].concat(),
            "long.txt:2: line too long",
        ),
        (
            "utf8.txt",
            [format!("{good}\n").as_bytes(), b"\xc3\x28\n"].concat(),
            "utf8.txt:2: not UTF-8",
        ),
        (
            "object.json",
            b"{\"ids\": [\"x\"]}".to_vec(),
            "object.json:1: not a UUID",
        ),
        (
            "numbers.json",
            format!("[\"{good}\", 7]").into_bytes(),
            "numbers.json: item 2: not a string",
        ),
        (
            "broken.json",
            b"[\"a\",".to_vec(),
            "broken.json:1:5: invalid JSON",
        ),
    ];
    for (name, bytes, expected) in cases {
        let file = env.write(name, &bytes);
        let o = env
            .run(&["--yes", "--ids-file", file.to_str().unwrap()])
            .await;
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(expected),
            "{name}: expected {expected:?} in {err}"
        );
        assert!(err.contains("nothing was sent"), "{name}: {err}");
        assert!(
            err.len() < 2000,
            "{name}: message too long ({} bytes)",
            err.len()
        );
    }
    let many: String = (0..50).map(|i| format!("bad{i}\n")).collect();
    let file = env.write("many.txt", many.as_bytes());
    let o = env
        .run(&["--yes", "--ids-file", file.to_str().unwrap()])
        .await;
    let (_, err) = text(&o);
    assert_eq!(err.matches("not a UUID").count(), 20);
    assert!(err.contains("and 30 more"));
    assert_eq!(env.server.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_failures_exit_3() {
    let env = Env::new(2, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    // A workspace the key does not belong to: 403.
    let mut c = env.command(&["--yes", "--ids-file", file.to_str().unwrap()]);
    c.env("LANGSMITH_WORKSPACE_ID", Uuid::from_u128(99).to_string());
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{:?}", text(&o));
    assert!(text(&o).1.contains("forbidden"));
    assert_no_secret(&o, &[]);

    // A wrong key, from the environment this time: 401.
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("LANGSMITH_ENDPOINT", env.server.url())
        .env("LANGCHAIN_API_KEY", "lsv2_wrong")
        .args(["hard-delete", "--yes", "--ids-file", file.to_str().unwrap()]);
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{:?}", text(&o));
    assert!(env.server.hard_deleted_ids().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_429_and_503_are_recovered() {
    let faults = Faults {
        seed: 9,
        rate_429: 0.2,
        retry_after_secs: 0,
        rate_503: 0.2,
        ..Faults::default()
    };
    let env = Env::new(5000, faults).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let report = env.path("r.json");
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--batch-size",
            "250",
            "--max-retries",
            "20",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let statuses = env.server.statuses();
    assert!(statuses.contains(&429) && statuses.contains(&503));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let requests = r["requests"].as_array().unwrap();
    assert!(requests.iter().any(|b| b["attempts"].as_u64().unwrap() > 1));
    // The true number of HTTP requests: every attempt the server saw.
    assert_eq!(r["http_requests"], env.server.request_count() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_failure_exit_1_and_unreachable_exit_4() {
    let env = Env::new(
        3000,
        Faults {
            seed: 1,
            rate_503: 0.5,
            ..Faults::default()
        },
    )
    .await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let report = env.path("r.json");
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--batch-size",
            "100",
            "--max-retries",
            "0",
            "--report",
            report.to_str().unwrap(),
            "--output",
            "json",
        ])
        .await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&text(&o).0).unwrap();
    let t = &r["totals"];
    assert_eq!(
        t["deleted"].as_u64().unwrap() + t["failed"].as_u64().unwrap(),
        3000
    );
    assert!(t["failed"].as_u64().unwrap() > 0);
    // The ids per outcome are exactly what the server did and did not delete.
    for (outcome, count) in [("deleted", 1), ("failed", 0)] {
        for id in r["ids"][outcome].as_array().unwrap() {
            let id: Uuid = id.as_str().unwrap().parse().unwrap();
            assert_eq!(env.server.hard_delete_count(&id), count, "{outcome} {id}");
        }
    }
    assert!(
        r["requests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["error_kind"] == "server_error")
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--max-retries",
            "0",
            "--endpoint",
            &dead,
        ])
        .await;
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_runs_resume_from_the_journal() {
    let faults = Faults {
        latency: Duration::from_millis(15),
        ..Faults::default()
    };
    let env = Env::new(600, faults).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let journal = env.path("journal");
    let args = [
        "--yes",
        "--ids-file",
        file.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--batch-size",
        "10",
        "--concurrency",
        "2",
    ];
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut kills = 0;
    for _ in 0..6 {
        // What the journal confirms before this run, and how often the server saw each.
        let confirmed = journal_ids(&journal);
        let counts: HashMap<Uuid, u32> = confirmed
            .iter()
            .map(|id| (*id, env.server.hard_delete_count(id)))
            .collect();
        let mut child = env
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.u64(40..160))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        for (id, n) in &counts {
            assert_eq!(
                env.server.hard_delete_count(id),
                *n,
                "journal-confirmed id {id} was sent again"
            );
        }
    }
    assert!(kills >= 5, "only {kills} runs were killed mid-way");
    let confirmed = journal_ids(&journal);
    let counts: HashMap<Uuid, u32> = confirmed
        .iter()
        .map(|id| (*id, env.server.hard_delete_count(id)))
        .collect();
    let o = env.run(&args).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    for (id, n) in &counts {
        assert_eq!(
            env.server.hard_delete_count(id),
            *n,
            "journal-confirmed id {id} was sent again"
        );
    }
    assert!(
        env.server
            .seeded_ids()
            .iter()
            .all(|id| env.server.example(id).unwrap().is_hard_deleted())
    );
    assert_eq!(journal_ids(&journal).len(), 600);
}

/// Ids a journal confirms (a torn last line ignored), read independently of the CLI.
/// (Hash-chain checks are the journal's own unit tests; here only its content counts.)
fn journal_ids(path: &Path) -> Vec<Uuid> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == 0 || !line.ends_with('\n') {
            continue;
        }
        let v: Value = serde_json::from_str(line).expect("a complete journal line is valid JSON");
        out.extend(
            v["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().parse::<Uuid>().unwrap()),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_mode_runs_offline_on_the_committed_example() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/ids.txt");
    let o = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .env_clear()
            .args(["hard-delete", "--mock", "--yes", "--ids-file", example])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let (out, _) = text(&o);
    assert!(out.contains("deleted 25 of 25 unique ids"), "{out}");
    assert!(
        out.contains("stand-in server: 25 examples now hard-deleted"),
        "{out}"
    );
}

/// On a terminal it asks first: `script` gives the binary a pseudo-terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_it_asks_before_deleting() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("`script` (util-linux) is needed to give the CLI a terminal");
    }
    let env = Env::new(3, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let key = env.write("key", format!("{KEY}\n").as_bytes());
    let journal = env.path("run.journal");
    let run = |answer: &'static str| {
        let cmd = format!(
            "{BIN} hard-delete --ids-file {} --api-key-file {} --journal {}",
            file.display(),
            key.display(),
            journal.display()
        );
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .env("LANGSMITH_ENDPOINT", env.server.url())
            .env_remove("LANGSMITH_API_KEY")
            .env_remove("LANGCHAIN_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        async move {
            tokio::task::spawn_blocking(move || {
                let mut child = c.spawn().unwrap();
                // Give the prompt time to appear before answering.
                std::thread::sleep(Duration::from_millis(500));
                use std::io::Write as _;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(answer.as_bytes())
                    .unwrap();
                child.wait_with_output().unwrap()
            })
            .await
            .unwrap()
        }
    };
    let o = run("no\n").await;
    let (out, _) = text(&o);
    assert!(
        out.contains("About to HARD-DELETE 3 unique examples"),
        "{out}"
    );
    assert!(
        out.contains(&env.server.url()),
        "the prompt names the endpoint: {out}"
    );
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert_eq!(env.server.request_count(), 0);
    assert!(!out.contains(KEY));
    assert!(!journal.exists(), "answering no leaves no journal behind");

    let o = run("yes\n").await;
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(journal_ids(&journal).len(), 3, "the confirmed run journals");
    assert!(
        env.server
            .seeded_ids()
            .iter()
            .all(|id| env.server.hard_delete_count(id) == 1)
    );
    assert!(!out.contains(KEY));
}

// ---- Proof, not trust: the journal cannot hurt, the report and exit codes tell the truth.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_journal_is_refused_and_untouched() {
    let env = Env::new(3, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let key = env.write("apikey", format!("{KEY}\n").as_bytes());
    let one_line = env.write("one-line", b"some user data without a newline");
    for victim in [&key, &file, &one_line] {
        let before = std::fs::read(victim).unwrap();
        let o = env
            .run(&[
                "--yes",
                "--ids-file",
                file.to_str().unwrap(),
                "--journal",
                victim.to_str().unwrap(),
            ])
            .await;
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
        assert!(
            text(&o).1.contains("not a langsmith-examples journal"),
            "{:?}",
            text(&o)
        );
        assert_eq!(
            std::fs::read(victim).unwrap(),
            before,
            "{} was modified",
            victim.display()
        );
    }
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--journal",
            "/dev/zero",
        ])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("regular file"), "{:?}", text(&o));
    assert_eq!(env.server.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_journal_is_refused() {
    let env = Env::new(3, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let journal = env.path("journal");
    let args = [
        "--yes",
        "--ids-file",
        file.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    // A first run creates the journal; then another process holds its lock, as a run would.
    env.server
        .set_faults(Faults {
            rate_503: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let o = env
        .run(&[
            "--max-retries",
            "0",
            args[0],
            args[1],
            args[2],
            args[3],
            args[4],
        ])
        .await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    env.server.set_faults(Faults::default()).unwrap();
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&journal)
        .unwrap();
    held.try_lock().unwrap();
    let before = env.server.request_count();
    let o = env.run(&args).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("another run is using this journal"),
        "{:?}",
        text(&o)
    );
    assert_eq!(env.server.request_count(), before);
    drop(held);
    let o = env.run(&args).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_journal_is_refused_on_resume() {
    let env = Env::new(20, Faults::default()).await;
    let ids = env.server.seeded_ids();
    let journal = env.path("journal");
    let first = env.ids_file("first.txt", &ids[..10]);
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            first.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    // Someone edits an id that was never sent into the journal: it must not be skipped.
    let text_before = std::fs::read_to_string(&journal).unwrap();
    let edited = text_before.replacen(&ids[0].to_string(), &ids[15].to_string(), 1);
    assert_ne!(edited, text_before);
    std::fs::write(&journal, &edited).unwrap();
    let all = env.ids_file("all.txt", &ids);
    let before = env.server.request_count();
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            all.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains(":2: corrupt journal line"),
        "{:?}",
        text(&o)
    );
    assert_eq!(env.server.request_count(), before);
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        edited,
        "left as it was"
    );
}

/// Runs the CLI with a file-size limit (as a full disk would), SIGXFSZ ignored.
fn with_file_size_limit(c: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_journal_write_then_a_rerun_confirms_everything() {
    let n = 3 * MAX;
    let env = Env::new(n, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let journal = env.path("journal");
    let args = [
        "--yes",
        "--ids-file",
        file.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--concurrency",
        "1",
    ];
    // Room for the header and one entry of the spec's maxItems ids (about 40 bytes an id,
    // plus some 500 bytes of header and fields), not two.
    let mut c = env.command(&args);
    with_file_size_limit(&mut c, (1_000 + MAX * 40 * 3 / 2) as u64);
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("journal could not be written"),
        "{:?}",
        text(&o)
    );
    let kept = journal_ids(&journal);
    assert_eq!(
        kept.len(),
        MAX,
        "the journal holds the entry that fit, cut at a line end"
    );
    assert!(std::fs::read(&journal).unwrap().ends_with(b"\n"));
    // Space returns: the rerun resumes, sends only what the journal does not hold.
    let o = env.run(&args).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(
        text(&o)
            .0
            .contains(&format!("{MAX} already deleted per the journal")),
        "{:?}",
        text(&o)
    );
    for id in &kept {
        assert_eq!(
            env.server.hard_delete_count(id),
            1,
            "journal-confirmed id resent"
        );
    }
    assert_eq!(journal_ids(&journal).len(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_named_and_get_their_own_exit_code() {
    let env = Env::new(1995, Faults::default()).await;
    let mut ids = env.server.seeded_ids();
    let unknown: Vec<Uuid> = (1..=5u128).map(|i| Uuid::from_u128(i << 64)).collect();
    ids.extend(&unknown);
    let file = env.ids_file("ids.txt", &ids);
    let report = env.path("r.json");
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(5), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["totals"]["deleted"], 1995);
    assert_eq!(r["totals"]["not_found"], 5);
    let named: Vec<Uuid> = r["ids"]["not_found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(named, unknown);
    assert!(text(&o).0.contains("not_found 5"), "{:?}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_success_body_keeps_memory_bounded() {
    use langsmith_mock::raw::{Behavior, RawServer};
    let server = RawServer::start(Behavior::Flood {
        head: b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 536870912\r\n\r\n".to_vec(),
        fill: b' ',
        len: 512 << 20,
    })
    .await
    .unwrap();
    let env = Env::new(1, Faults::default()).await;
    let file = env.ids_file("ids.txt", &[Uuid::from_u128(1)]);
    let mut c = env.command(&[
        "--yes",
        "--ids-file",
        file.to_str().unwrap(),
        "--endpoint",
        server.url(),
    ]);
    c.env_remove("LANGSMITH_WORKSPACE_ID")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (status, max_rss_kib, stderr) = tokio::task::spawn_blocking(move || {
        // Reaped by `wait4` below, which also reports its peak RSS.
        #[allow(clippy::zombie_processes)]
        let child = c.spawn().unwrap();
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: plain syscall on our own child; rusage is written by the kernel.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(waited, pid);
        let mut stderr = String::new();
        use std::io::Read as _;
        child.stderr.unwrap().read_to_string(&mut stderr).unwrap();
        (libc::WEXITSTATUS(status), usage.ru_maxrss, stderr)
    })
    .await
    .unwrap();
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("larger than"), "{stderr}");
    assert!(
        max_rss_kib < 64 * 1024,
        "peak RSS {max_rss_kib} KiB for a 512 MiB body"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_through_a_proxy_is_refused() {
    use langsmith_mock::raw::{Behavior, RawServer};
    let proxy = RawServer::start(Behavior::Respond(
        b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n".to_vec(),
    ))
    .await
    .unwrap();
    let env = Env::new(2, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let mut c = env.command(&["--yes", "--ids-file", file.to_str().unwrap()]);
    c.env("HTTP_PROXY", proxy.url());
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("HTTP_PROXY"), "{:?}", text(&o));
    assert_eq!(proxy.connections(), 0);
    assert_eq!(env.server.request_count(), 0);
    assert_no_secret(&o, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_reported_not_followed() {
    use langsmith_mock::raw::{Behavior, RawServer, http_response};
    let env = Env::new(2, Faults::default()).await;
    let target = format!("{}/v1/platform/datasets/examples/delete", env.server.url());
    let redirect = RawServer::start(Behavior::Respond(http_response(
        "307 Temporary Redirect",
        &[("location", &target)],
        b"",
    )))
    .await
    .unwrap();
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let report = env.path("r.json");
    let o = env
        .run(&[
            "--yes",
            "--ids-file",
            file.to_str().unwrap(),
            "--endpoint",
            redirect.url(),
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let (out, err) = text(&o);
    assert!(
        err.contains("307") && err.contains(&env.server.url()),
        "{err}"
    );
    assert!(out.contains("deleted 0 of 2"), "{out}");
    assert_eq!(
        env.server.request_count(),
        0,
        "the key never reached the redirect's target"
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["stopped_by"], "redirect");
    assert_eq!(r["requests"][0]["error_kind"], "redirect");
}

// ---- Behaving as a serious CLI: errors that explain, logs that show, Ctrl-C that keeps its word.

/// Runs the binary with `args` (after `hard-delete`) and a clean environment plus `envs`.
async fn run_plain(args: Vec<String>, envs: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .env_clear()
            .envs(envs)
            .arg("hard-delete")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_cause_and_the_fix() {
    let env = Env::new(2, Faults::default()).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let f = file.to_str().unwrap();
    let key = vec![("LANGSMITH_API_KEY".to_owned(), KEY.to_owned())];

    // A closed port: the innermost cause is shown.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let o = run_plain(
        s(&[
            "-y",
            "--ids-file",
            f,
            "--max-retries",
            "0",
            "--endpoint",
            &dead,
        ]),
        key.clone(),
    )
    .await;
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(
        err.contains("caused by:") && err.to_lowercase().contains("connection refused"),
        "{err}"
    );

    // A wrong path: a 404 that is not the API's error shape hints at the endpoint.
    let wrong = format!("{}/api/v2", env.server.url());
    let o = run_plain(
        s(&["-y", "--ids-file", f, "--endpoint", &wrong]),
        key.clone(),
    )
    .await;
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("endpoint is probably wrong") && err.contains("/api/v2/v1/platform"),
        "{err}"
    );

    // No scheme.
    let bare = env.server.url().trim_start_matches("http://").to_owned();
    let o = run_plain(
        s(&["-y", "--ids-file", f, "--endpoint", &bare]),
        key.clone(),
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("a scheme is needed"), "{:?}", text(&o));

    // A workspace id that is not a UUID, from the flag or the environment: nothing sent.
    let o = run_plain(
        s(&[
            "-y",
            "--ids-file",
            f,
            "--endpoint",
            &env.server.url(),
            "--workspace-id",
            "my-workspace",
        ]),
        key.clone(),
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o)
            .1
            .contains("--workspace-id \"my-workspace\": a workspace id is a UUID"),
        "{:?}",
        text(&o)
    );
    let mut envs = key.clone();
    envs.push(("LANGSMITH_WORKSPACE_ID".into(), "my-workspace".into()));
    let o = run_plain(
        s(&["-y", "--ids-file", f, "--endpoint", &env.server.url()]),
        envs,
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("LANGSMITH_WORKSPACE_ID"),
        "{:?}",
        text(&o)
    );

    // Numbers out of range: exit 2, no panic.
    for bad in [
        ["--timeout", "1e20"],
        ["--timeout", "0"],
        ["--concurrency", "0"],
        ["--max-retries", "1000"],
        ["--rate-limit", "0"],
    ] {
        let mut a = s(&["-y", "--ids-file", f, "--endpoint", &env.server.url()]);
        a.extend(s(&bad));
        let o = run_plain(a, key.clone()).await;
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {:?}", text(&o));
        assert!(text(&o).1.contains(bad[0]), "{bad:?}: {:?}", text(&o));
    }

    // --allow-insecure-http says what it allows.
    let o = run_plain(
        s(&[
            "-y",
            "--ids-file",
            f,
            "--endpoint",
            &env.server.url(),
            "--allow-insecure-http",
            "--dry-run",
        ]),
        key.clone(),
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(
        text(&o)
            .1
            .contains("warning: --allow-insecure-http: the API key travels unencrypted"),
        "{:?}",
        text(&o)
    );

    // --mock with a real target is a usage error.
    let o = run_plain(
        s(&[
            "-y",
            "--ids-file",
            f,
            "--mock",
            "--endpoint",
            "https://example.invalid",
        ]),
        vec![],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));

    // A key that is not UTF-8 is named, not silently replaced by LANGCHAIN_API_KEY.
    let o = tokio::task::spawn_blocking({
        let f = f.to_owned();
        let url = env.server.url();
        move || {
            use std::os::unix::ffi::OsStrExt;
            Command::new(BIN)
                .env_clear()
                .env(
                    "LANGSMITH_API_KEY",
                    std::ffi::OsStr::from_bytes(b"lsv2_\xff\xfe"),
                )
                .env("LANGCHAIN_API_KEY", KEY)
                .args(["hard-delete", "-y", "--ids-file", &f, "--endpoint", &url])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o)
            .1
            .contains("LANGSMITH_API_KEY is set but is not valid UTF-8"),
        "{:?}",
        text(&o)
    );
    // The wrong path reached no handler of the API: the stand-in answered it as a router
    // answers a path it does not have (404, recorded), and deleted nothing.
    let seen: Vec<(String, u16)> = env
        .server
        .requests()
        .into_iter()
        .map(|r| (r.path, r.status))
        .collect();
    assert_eq!(
        seen,
        [(
            "/api/v2/v1/platform/datasets/examples/delete".to_owned(),
            404
        )]
    );
    assert!(env.server.hard_deleted_ids().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_each_retry_and_rust_log_overrides() {
    let faults = Faults {
        seed: 4,
        rate_503: 0.4,
        ..Faults::default()
    };
    let env = Env::new(2000, faults).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let args = [
        "-y",
        "--ids-file",
        file.to_str().unwrap(),
        "--batch-size",
        "100",
        "--max-retries",
        "30",
        "-v",
    ];
    let o = env.run(&args).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let err = text(&o).1;
    let retries = err.lines().filter(|l| l.contains("retrying in")).count();
    let served_503 = env.server.statuses().iter().filter(|s| **s == 503).count();
    assert!(served_503 > 0);
    assert_eq!(retries, served_503, "one line per retry:\n{err}");
    let line = err.lines().find(|l| l.contains("retrying in")).unwrap();
    assert!(
        line.contains("batch=") && line.contains("server_error") && line.contains("503"),
        "{line}"
    );
    assert!(
        !err.contains("hyper") && !err.contains("reqwest::"),
        "no library noise at -v"
    );

    // RUST_LOG replaces the -v filter: off silences the retries...
    let mut c = env.command(&args);
    c.env("RUST_LOG", "off");
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(!text(&o).1.contains("retrying in"), "{}", text(&o).1);
    // ...and a debug filter without -v shows per-request lines.
    let mut c = env.command(&["-y", "--ids-file", file.to_str().unwrap()]);
    c.env("RUST_LOG", "langsmith=debug");
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert!(text(&o).1.contains("attempt 1:"), "{}", text(&o).1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_cleanly_and_the_rerun_finishes() {
    let faults = Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    };
    let env = Env::new(400, faults).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let (journal, report) = (env.path("journal"), env.path("r.json"));
    let args = [
        "-y",
        "--ids-file",
        file.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--batch-size",
        "10",
        "--concurrency",
        "2",
    ];
    let child = env
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(130), "{out}\n{err}");
    assert!(out.contains("deleted "), "the summary is printed: {out}");
    assert!(
        err.contains(&format!(
            "re-run the same command with --journal {}",
            journal.display()
        )),
        "{err}"
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["exit_code"], 130);
    let deleted = r["totals"]["deleted"].as_u64().unwrap();
    assert!(deleted > 0 && deleted < 400, "{deleted}");
    assert_eq!(
        r["totals"]["not_attempted"].as_u64().unwrap() + deleted,
        400
    );
    // The journal holds exactly what the report says was deleted.
    let confirmed = journal_ids(&journal);
    assert_eq!(confirmed.len() as u64, deleted);
    let before: HashMap<Uuid, u32> = confirmed
        .iter()
        .map(|id| (*id, env.server.hard_delete_count(id)))
        .collect();
    let o = env.run(&args).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    for (id, n) in before {
        assert_eq!(env.server.hard_delete_count(&id), n, "{id} was resent");
    }
    assert_eq!(journal_ids(&journal).len(), 400);
}

fn write_profiles(env: &Env, json: &str) -> PathBuf {
    let dir = env.path("home/.langsmith");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("config.json");
    std::fs::write(&p, json).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_profiles_are_read_with_the_documented_precedence() {
    let env = Env::new(6, Faults::default()).await;
    let ids = env.server.seeded_ids();
    let ws = env.server.workspace_id().to_string();
    let url = env.server.url();
    write_profiles(
        &env,
        &format!(
            r#"{{"current_profile":"work","profiles":{{
              "work":{{"api_key":"{KEY}","api_url":"{url}","workspace_id":"{ws}"}},
              "byenv":{{"api_key_env":"MY_LS_KEY","api_url":"{url}"}},
              "bycmd":{{"api_key_cmd":"printf %s {KEY}","api_url":"{url}"}},
              "expired":{{"oauth":{{"access_token":"tok","expires_at":1000}},"api_url":"{url}"}},
              "wrongkey":{{"api_key":"lsv2_wrong","api_url":"{url}"}}}}}}"#
        ),
    );
    let home = vec![(
        "HOME".to_owned(),
        env.path("home").to_string_lossy().into_owned(),
    )];
    let run = |extra: Vec<&str>, envs: Vec<(String, String)>, id: Uuid| {
        let file = env.ids_file(&format!("{id}.txt"), &[id]);
        let mut a = s(&["-y", "-v", "--ids-file", file.to_str().unwrap()]);
        a.extend(s(&extra));
        let mut e = home.clone();
        e.extend(envs);
        run_plain(a, e)
    };
    // The current profile: key, endpoint and workspace from it; -v says so, never the key.
    let o = run(vec![], vec![], ids[0]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(
        err.contains("credential from profile \"work\" (api_key)") && err.contains("endpoint"),
        "{err}"
    );
    assert_no_secret(&o, &[]);
    // api_key_env and api_key_cmd.
    let o = run(
        vec!["--profile", "byenv"],
        vec![("MY_LS_KEY".into(), KEY.into())],
        ids[1],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("api_key_env MY_LS_KEY"),
        "{:?}",
        text(&o)
    );
    let o = run(
        vec![],
        vec![("LANGSMITH_PROFILE".into(), "bycmd".into())],
        ids[2],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    // The environment wins over the profile; the flag wins over both.
    let o = run(
        vec!["--profile", "wrongkey"],
        vec![("LANGSMITH_API_KEY".into(), KEY.into())],
        ids[3],
    )
    .await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "the env key beat the profile's: {:?}",
        text(&o)
    );
    assert!(
        text(&o).1.contains("credential from $LANGSMITH_API_KEY"),
        "{:?}",
        text(&o)
    );
    let key_file = env.write("k", KEY.as_bytes());
    let o = run(
        vec![
            "--profile",
            "wrongkey",
            "--api-key-file",
            key_file.to_str().unwrap(),
        ],
        vec![("LANGSMITH_API_KEY".into(), "lsv2_also_wrong".into())],
        ids[4],
    )
    .await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "the flag beat both: {:?}",
        text(&o)
    );
    // An expired OAuth token: a clear error naming the profile, nothing sent.
    let before = env.server.request_count();
    let o = run(vec!["--profile", "expired"], vec![], ids[5]).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(
        err.contains("profile \"expired\"") && err.contains("expired at 1970-01-01T00:16:40Z"),
        "{err}"
    );
    assert_eq!(env.server.request_count(), before);
    // A profile that does not exist.
    let o = run(vec!["--profile", "nope"], vec![], ids[5]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no such profile"), "{:?}", text(&o));
}

/// The progress line, drawn on a pseudo-terminal of 80 columns, fits it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_line_fits_80_columns() {
    let faults = Faults {
        latency: Duration::from_millis(20),
        ..Faults::default()
    };
    let env = Env::new(20_000, faults).await;
    let file = env.ids_file("ids.txt", &env.server.seeded_ids());
    let key = env.write("key", KEY.as_bytes());
    let cmd = format!(
        "stty cols 80 rows 24; {BIN} hard-delete -y --ids-file {} --api-key-file {} --batch-size 100 --concurrency 1",
        file.display(),
        key.display()
    );
    let mut c = Command::new("script");
    c.args(["-qec", &cmd, "/dev/null"])
        .env("LANGSMITH_ENDPOINT", env.server.url())
        .env_remove("LANGSMITH_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    let raw = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{raw}");
    // Strip ANSI escapes; split on carriage returns and newlines.
    let mut plain = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\x1b' {
            plain.push('\n'); // a cursor movement ends what was drawn
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(ch);
    }
    let bars: Vec<&str> = plain
        .split(['\r', '\n'])
        .filter(|l| l.contains(" ids/s ETA"))
        .collect();
    assert!(!bars.is_empty(), "no progress line drawn:\n{plain}");
    for b in &bars {
        assert!(
            b.chars().count() <= 80,
            "{} columns: {b:?}",
            b.chars().count()
        );
        assert!(b.contains("/20,000 ids") && b.contains("ETA"), "{b:?}");
    }
    assert!(
        plain.contains("deleted 20000 of 20,000") || plain.contains("deleted 20000 of 20000"),
        "{plain}"
    );
}
