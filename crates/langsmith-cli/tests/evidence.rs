//! What a person meets: the report as evidence (ticket, dataset id, the subject's values
//! salted and hashed, per-request read-back records, the file's own digest), `--mock`
//! runs that resume, a prompt that says what to type, help that puts a command's own
//! flags first. Expected values come from the stand-in's own store and record, and from
//! `sha256sum`, never from the CLI's code.

mod common;
use common::*;
use langsmith_mock::MockServer;
use serde_json::Value;
use std::process::{Command, Stdio};
use uuid::Uuid;

const KEY: &str = "lsv2_sk_EVIDENCE_0a1b2c3d";
const MARKER: &str = "jane.doe@example.com";

impl Env {
    async fn new() -> Env {
        let server = MockServer::builder()
            .api_key(KEY)
            .dataset("compliance")
            .marker(MARKER, 20)
            .examples(400)
            .start()
            .await
            .unwrap();
        Env::with(server, KEY)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_is_evidence_without_the_subjects_data() {
    let env = Env::new().await;
    let report = env.path("erasure.json");
    let o = env
        .run(&[
            "hard-delete",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--verify",
            "--yes",
            "--ticket",
            "DSR-2026-0042",
            "--report",
            report.to_str().unwrap(),
        ])
        .await;
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    let bytes = std::fs::read(&report).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();

    // The person's address appears nowhere in the evidence...
    assert!(
        !String::from_utf8_lossy(&bytes).contains(MARKER),
        "the report keeps the subject's email"
    );
    // ...but an auditor given it can confirm it: sha256("SALT:VALUE").
    let salt = doc["selector_values"]["salt"].as_str().unwrap();
    let want = format!(
        "sha256:{}",
        sha256sum_of(format!("{salt}:{MARKER}").as_bytes())
    );
    assert!(
        doc["selection"]["selectors"]
            .as_str()
            .unwrap()
            .contains(&want),
        "{}",
        doc["selection"]["selectors"]
    );
    let command: Vec<&str> = doc["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let i = command.iter().position(|a| *a == "--contains").unwrap();
    assert_eq!(command[i + 1], want);
    assert_eq!(doc["selector_values"]["recorded_as"], "salted_sha256");

    // The request's reference, the dataset by name and by id.
    assert_eq!(doc["ticket"], "DSR-2026-0042");
    assert_eq!(doc["selection"]["dataset"], "compliance");
    assert_eq!(
        doc["selection"]["dataset_id"],
        env.server.dataset_id("compliance").unwrap().to_string()
    );
    // No input file: no line count.
    assert!(doc.get("input_lines").is_none(), "{doc}");

    // Each read-back request with its time, status and the server's own request id.
    let reads = doc["verification"]["requests"].as_array().unwrap();
    assert!(!reads.is_empty());
    for r in reads {
        assert_eq!(r["http_status"], 200, "{r}");
        assert!(
            r["request_id"].as_str().unwrap().starts_with("mock-"),
            "{r}"
        );
        assert!(r["started_at"].as_str().unwrap().ends_with('Z'), "{r}");
    }

    // The file's digest on stderr and in the summary, as sha256sum computes it.
    let sha = sha256sum(&report);
    assert!(err.contains(&format!("(sha256 {sha})")), "{err}");
    assert!(out.contains(&format!("(sha256 {sha})")), "{out}");

    // With --plain-selectors the value is kept as typed.
    let plain = env.path("plain.json");
    let o = env
        .run(&[
            "hard-delete",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--dry-run",
            "--plain-selectors",
            "--report",
            plain.to_str().unwrap(),
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let doc: Value = serde_json::from_slice(&std::fs::read(&plain).unwrap()).unwrap();
    assert_eq!(doc["selector_values"]["recorded_as"], "plain");
    assert!(
        doc["selection"]["selectors"]
            .as_str()
            .unwrap()
            .contains(MARKER)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_run_resumes_from_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (1..=30u128)
        .map(|i| Uuid::from_u128(0x1000 + i).to_string())
        .collect();
    let file = dir.path().join("ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let journal = dir.path().join("run.journal");
    let args = [
        "hard-delete",
        "--mock",
        "--yes",
        "--ids-file",
        file.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    let run = || {
        Command::new(BIN)
            .env_clear()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{:?}", text(&first));
    // Each --mock run listens on a new port; the journal is bound to the embedded
    // stand-in, so the second run takes it and sends nothing it already confirmed.
    let second = run();
    let (out, err) = text(&second);
    assert_eq!(second.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("30 already deleted per the journal"), "{out}");
}

#[test]
fn help_puts_a_commands_own_flags_first_and_lists_its_own_exit_codes() {
    let help = |cmd: &str| {
        let o = Command::new(BIN).args([cmd, "--help"]).output().unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let hd = help("hard-delete");
    let own = hd.find("--dry-run").unwrap();
    let global = hd.find("Global options:").unwrap();
    assert!(
        own < global && global < hd.find("--endpoint").unwrap(),
        "{hd}"
    );
    assert!(hd.contains("\n  8 "), "{hd}");
    let select = help("select");
    assert!(
        select.contains("\n  8 ") && !select.contains("\n  6 "),
        "{select}"
    );
    let verify = help("verify");
    // verify deletes nothing: no 5 (not found is an outcome of the read-back, 6).
    assert!(
        verify.contains("\n  6 ") && verify.contains("\n  7 ") && !verify.contains("\n  5 "),
        "{verify}"
    );
}

/// `script` gives the CLI a terminal of `cols` columns; `input` is typed at it.
fn on_terminal(cols: u16, command: &str, input: &str) -> String {
    let shell = format!("stty cols {cols} rows 24; {command}");
    let mut c = Command::new("script")
        .args(["-qec", &shell, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut stdin = c.stdin.take().unwrap();
    // Typed once the prompt is up.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let o = c.wait_with_output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prompt_says_what_to_type_and_y_is_refused_by_name() {
    if Command::new("script").arg("--version").output().is_err() {
        panic!("the terminal tests need `script` (util-linux)");
    }
    let env = Env::new().await;
    let command = format!(
        "env -i LANGSMITH_ENDPOINT={} LANGSMITH_API_KEY={KEY} {BIN} hard-delete --dataset compliance --contains {MARKER}",
        env.server.url()
    );
    let screen = tokio::task::spawn_blocking(move || on_terminal(80, &command, "y\n"))
        .await
        .unwrap();
    assert!(screen.contains("Type yes (the whole word)"), "{screen}");
    assert!(
        screen.contains("only the whole word yes confirms"),
        "{screen}"
    );
    assert!(env.server.hard_deleted_ids().is_empty(), "{screen}");
}

#[test]
fn the_embedded_stand_in_names_its_workspace_and_dataset_apart() {
    let o = Command::new(BIN)
        .env_clear()
        .args([
            "hard-delete",
            "--mock",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--dry-run",
            "-o",
            "json",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let workspace = doc["workspace"].as_str().unwrap();
    let dataset = doc["selection"]["dataset_id"].as_str().unwrap();
    Uuid::parse_str(workspace).unwrap();
    Uuid::parse_str(dataset).unwrap();
    assert_ne!(workspace, dataset);
}

/// The terminal's text without ANSI escapes, cut into what was drawn between carriage
/// returns and newlines.
fn drawn_lines(screen: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ params final-byte
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
        .split(['\r', '\n'])
        .map(str::to_owned)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_line_fits_the_terminal_and_keeps_its_rate() {
    let server = MockServer::builder()
        .api_key(KEY)
        .examples(3_000)
        .faults(langsmith_mock::Faults {
            latency: std::time::Duration::from_millis(60),
            ..langsmith_mock::Faults::default()
        })
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ids.txt");
    let ids: Vec<String> = server.seeded_ids().iter().map(Uuid::to_string).collect();
    std::fs::write(&file, ids.join("\n")).unwrap();
    for cols in [40u16, 80] {
        // 30 read requests one at a time: about two seconds of progress.
        let command = format!(
            "env -i TERM=xterm LANGSMITH_ENDPOINT={} LANGSMITH_API_KEY={KEY} {BIN} verify --concurrency 1 --ids-file {}",
            server.url(),
            file.display()
        );
        let started = std::time::Instant::now();
        let screen = tokio::task::spawn_blocking(move || on_terminal(cols, &command, ""))
            .await
            .unwrap();
        let secs = started.elapsed().as_secs_f64();
        let progress: Vec<String> = drawn_lines(&screen)
            .into_iter()
            .filter(|l| l.contains(" ids") && !l.starts_with("verified"))
            .collect();
        assert!(
            !progress.is_empty(),
            "{cols} columns: no progress line in {screen:?}"
        );
        for line in &progress {
            assert!(
                line.trim_end().chars().count() <= cols as usize,
                "{cols} columns: {line:?}"
            );
        }
        // At most 4 redraws a second (the first and the last aside).
        assert!(
            progress.len() as f64 <= 4.0 * secs + 2.0,
            "{cols} columns: {} redraws in {secs:.1} s",
            progress.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistakes_get_messages_that_say_what_to_do() {
    let env = Env::new().await;
    // A dataset name in another case, or with a typo: the endpoint and the close names.
    for typed in ["Compliance", "complaince"] {
        let o = env.run(&["select", "--dataset", typed]).await;
        let err = text(&o).1;
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "no dataset is named {typed:?} at {}",
                env.server.url()
            )),
            "{err}"
        );
        assert!(err.contains("did you mean \"compliance\"?"), "{err}");
    }
    // https:// to a server speaking plain http: each cause once, and the likely fix.
    let https = env.server.url().replace("http://", "https://");
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("LANGSMITH_API_KEY", KEY)
        .args([
            "select",
            "--dataset",
            "compliance",
            "--max-retries",
            "0",
            "--endpoint",
            &https,
        ])
        .stdin(Stdio::null());
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert_eq!(err.matches("InvalidContentType").count(), 1, "{err}");
    assert!(err.contains("it may speak plain http"), "{err}");
}
