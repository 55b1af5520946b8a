//! Rehearse on your own data (issue 32): an app written with the official Python SDK only
//! (`crates/langsmith-mock/tests/sdk-py/app.py`) writes to the stand-in a dataset whose
//! example holds a person's email and an experiment that copied it into a trace; then
//! `hard-delete --with-runs --verify` erases exactly that person's copies. Judged by the
//! stand-in's own record of what the app wrote and what was deleted.

mod common;

use common::*;
use langsmith_mock::MockServer;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use uuid::Uuid;

const KEY: &str = "lsv2_sk_OWNAPP_0a1b2c3d";
const EMAIL: &str = "jane.doe@example.com";

fn sdk_tests() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../langsmith-mock/tests/sdk-py")
}

/// Held while the virtual environment is made: the tests of this file run at once, and two
/// `python3 -m venv` into one directory fail ("are the same file").
static PROVISION: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The official Python SDK at the pins of the stand-in's SDK tests, in a virtual
/// environment under the target directory's scratch space (shared with those tests: the
/// same pins, the same place, installed once).
fn python() -> PathBuf {
    let _guard = PROVISION.lock().unwrap_or_else(|e| e.into_inner());
    let requirements = sdk_tests().join("requirements.txt");
    let pins = std::fs::read(&requirements).unwrap();
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("langsmith-sdks")
        .join("py-0.14.17");
    let interpreter = venv.join("bin").join("python");
    let stamp = venv.join("installed-requirements.txt");
    if interpreter.exists() && std::fs::read(&stamp).ok().as_deref() == Some(pins.as_slice()) {
        return interpreter;
    }
    let _ = std::fs::remove_dir_all(&venv);
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let ok = |c: &mut Command, what: &str| {
        let s = c.status().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(s.success(), "{what}: {s}");
    };
    ok(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    );
    ok(
        Command::new(&interpreter)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r requirements.txt (needs PyPI)",
    );
    std::fs::write(&stamp, &pins).unwrap();
    interpreter
}

/// Runs the app (`app.py`), as a user runs it: only the official SDK, pointed at the
/// stand-in; what it says it made.
async fn run_app(env: &Env, python: PathBuf, input: Value) -> Value {
    let app = sdk_tests().join("app.py");
    let url = env.server.url();
    let made = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(python)
            .arg(app)
            .env("LANGSMITH_ENDPOINT", url)
            .env("LANGSMITH_API_KEY", KEY)
            .env("LANGSMITH_TRACING", "true")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&made.stdout);
    assert!(
        made.status.success(),
        "app.py: {out}\n{}",
        String::from_utf8_lossy(&made.stderr)
    );
    serde_json::from_str(out.lines().last().unwrap_or_default()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI (the official SDK); run with --include-ignored, as .ci/run and the README's test command do"]
async fn what_your_app_wrote_is_erased_exactly_where_it_copied_the_person() {
    let python = python();
    let server = MockServer::builder().api_key(KEY).start().await.unwrap();
    let env = Env::with(server, KEY);
    let made = run_app(&env, python, json!({"dataset": "support", "email": EMAIL})).await;
    let person = Uuid::parse_str(made["person_example"].as_str().unwrap()).unwrap();
    // What the app wrote, by the stand-in's record: the person's example, and the trace
    // (root and child runs) that copied the email from it.
    let runs_before = env.server.runs();
    let copied: BTreeSet<(Uuid, Uuid)> = runs_before
        .iter()
        .filter(|r| r.reference_example_id == Some(person))
        .map(|r| (r.session_id, r.trace_id))
        .collect();
    assert_eq!(copied.len(), 1, "{runs_before:?}");
    let others: BTreeSet<Uuid> = made["example_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Uuid::parse_str(v.as_str().unwrap()).unwrap())
        .filter(|id| *id != person)
        .collect();
    assert!(!others.is_empty());

    // Find, erase, prove, as the README says.
    let report = env.path("erasure.json");
    let o = env
        .run(&[
            "hard-delete",
            "--dataset",
            "support",
            "--contains",
            EMAIL,
            "--with-runs",
            "--verify",
            "--yes",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    let (stdout, stderr) = text(&o);
    // The app's run deletion is queued by the stand-in as LangSmith queues it: requested,
    // and pending until a later read-back (exit 7), or gone at once with no delay (0).
    assert!(
        [0, 7].contains(&code(&o)),
        "exit {}: {stdout}\n{stderr}",
        code(&o)
    );
    // Judged by the stand-in's record: exactly the person's example hard-deleted, exactly
    // the trace that copied it deleted; the other examples and traces untouched.
    assert_eq!(env.server.hard_delete_count(&person), 1);
    for other in &others {
        assert_eq!(env.server.hard_delete_count(other), 0, "{other}");
    }
    let deleted: BTreeSet<(Uuid, Uuid)> = env.server.deleted_traces().into_iter().collect();
    assert_eq!(deleted, copied);
    let left = env.server.runs();
    assert!(
        left.iter().all(|r| r.reference_example_id != Some(person)),
        "no run of the person's example is left"
    );
    assert_eq!(
        left.len() + 2,
        runs_before.len(),
        "the trace's two runs went, no other"
    );
    // Nothing the tool printed or wrote holds the person's email.
    assert!(!stdout.contains(EMAIL) && !stderr.contains(EMAIL));
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(!written.contains(EMAIL));
}

/// The whole rehearsal: the app writes a dataset, an experiment over it, and production
/// traces and feedback of its users; then a case (`open`, `find --scan`, `erase`,
/// `verify`) erases exactly the person's copies: their example, the experiment trace
/// made from it, their production conversation and the feedback quoting them. Judged by
/// the stand-in's record of what the app wrote and what was deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python 3 and network access to PyPI (the official SDK); run with --include-ignored, as .ci/run and the README's test command do"]
async fn a_case_erases_everywhere_your_app_copied_the_person() {
    let python = python();
    let server = MockServer::builder().api_key(KEY).start().await.unwrap();
    let env = Env::with(server, KEY);
    let made = run_app(
        &env,
        python,
        json!({"dataset": "support", "email": EMAIL, "production": "support-prod"}),
    )
    .await;
    let uuid = |k: &str| Uuid::parse_str(made[k].as_str().unwrap()).unwrap();
    let (person, person_run, other_run) = (
        uuid("person_example"),
        uuid("production_person_run"),
        uuid("production_other_run"),
    );
    // What the app wrote, by the stand-in's record.
    let runs_before = env.server.runs();
    let trace_of = |run: Uuid| -> (Uuid, Uuid) {
        let r = runs_before.iter().find(|r| r.id == run).unwrap();
        (r.session_id, r.trace_id)
    };
    let mut copies: BTreeSet<(Uuid, Uuid)> = runs_before
        .iter()
        .filter(|r| r.reference_example_id == Some(person))
        .map(|r| (r.session_id, r.trace_id))
        .collect();
    assert_eq!(copies.len(), 1, "the experiment trace: {runs_before:?}");
    copies.insert(trace_of(person_run));
    let untouched = trace_of(other_run);
    let feedback_before = env.server.feedback();
    assert_eq!(feedback_before.len(), 2, "{feedback_before:?}");

    let case = env.path("case");
    let case = case.to_str().unwrap();
    let step = |args: Vec<&'static str>| {
        let env = &env;
        async move {
            let mut all = vec!["case"];
            all.extend(args);
            let mut full: Vec<&str> = all[..2].to_vec();
            full.push(case);
            full.extend(&all[2..]);
            full.extend(["--match", EMAIL]);
            env.run(&full).await
        }
    };
    let o = step(vec!["open", "--ticket", "DSR-1"]).await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let o = step(vec!["find", "--scan"]).await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let o = step(vec!["erase", "--yes"]).await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let o = step(vec!["verify"]).await;
    // Trace deletions are queued as LangSmith queues them: pending (7) until a later
    // read-back, or closed (0) when the stand-in deletes at once.
    assert!([0, 7].contains(&code(&o)), "{:?}", text(&o));

    // Judged by the stand-in's record: the person's example and nothing else, their two
    // traces and no other, the feedback quoting them and not the other.
    assert_eq!(env.server.hard_delete_count(&person), 1);
    assert_eq!(env.server.hard_deleted_ids(), [person]);
    let deleted: BTreeSet<(Uuid, Uuid)> = env.server.deleted_traces().into_iter().collect();
    assert_eq!(deleted, copies);
    assert!(!deleted.contains(&untouched));
    let feedback_left = env.server.feedback();
    assert_eq!(feedback_left.len(), 1, "{feedback_left:?}");
    assert_eq!(feedback_left[0].run_id, Some(other_run));
    // Nothing the tool wrote holds the email.
    for entry in std::fs::read_dir(case).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(EMAIL),
                "{}",
                path.display()
            );
        }
    }
}
