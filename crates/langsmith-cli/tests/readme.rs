//! The README's shell blocks run as written: the main job (the first block, offline on the
//! embedded stand-in) and the three find-erase-prove lines (against a stand-in seeded as
//! the README's `serve` line says). Blocks marked `text` are synopses with placeholders;
//! the test command itself is what CI runs. Expected values come from the stand-in.

use langsmith_mock::MockServer;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_langsmith-examples");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The README's ```sh blocks, in order, each as its lines.
fn sh_blocks() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in readme.lines() {
        match (&mut current, line) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(b), l) => b.push(l.to_owned()),
            (None, _) => {}
        }
    }
    blocks
}

/// A command line's words, its trailing `# comment` and a `> FILE` redirection apart.
fn words(line: &str) -> (Vec<String>, Option<String>) {
    let mut words = shlex::split(line).unwrap_or_else(|| panic!("not shell words: {line}"));
    if let Some(i) = words.iter().position(|w| w == "#") {
        words.truncate(i);
    }
    let mut redirect = None;
    if let Some(i) = words.iter().position(|w| w == ">") {
        redirect = Some(words[i + 1].clone());
        words.truncate(i);
    }
    (words, redirect)
}

#[test]
fn the_main_job_runs_as_written() {
    let blocks = sh_blocks();
    let (words, _) = words(&blocks[0][0]);
    let dashdash = words.iter().position(|w| w == "--").unwrap();
    assert_eq!(words[..dashdash], ["cargo", "run", "-p", "langsmith-cli"]);
    let o = Command::new(BIN)
        .args(&words[dashdash + 1..])
        .current_dir(root())
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let ids = std::fs::read_to_string(root().join("crates/langsmith-cli/examples/ids.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| Uuid::parse_str(l.trim()).ok())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("deleted {ids} of {ids} unique ids")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_erase_prove_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    // The stand-in as the README starts it: `serve --port P --seed N --dataset D --api-key K`.
    let serve = readme
        .split("cargo run -p langsmith-mock -- serve")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>();
    let arg = |flag: &str| serve[serve.iter().position(|w| *w == flag).unwrap() + 1];
    let server = MockServer::builder()
        .api_key(arg("--api-key"))
        .dataset(arg("--dataset"))
        .marker(
            langsmith_mock::DEMO_MARKER,
            langsmith_mock::DEMO_MARKER_EVERY,
        )
        .examples(arg("--seed").parse().unwrap())
        .experiment_sessions(arg("--experiment-sessions").parse().unwrap())
        .start()
        .await
        .unwrap();
    // The traces that copied the marked examples, as the stand-in holds them before.
    let marked: std::collections::BTreeSet<Uuid> = server.marked_ids().into_iter().collect();
    let mut copies: Vec<(Uuid, Uuid)> = server
        .runs()
        .into_iter()
        .filter(|r| r.reference_example_id.is_some_and(|e| marked.contains(&e)))
        .map(|r| (r.session_id, r.trace_id))
        .collect();
    copies.sort();
    assert!(!copies.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let block = sh_blocks()
        .into_iter()
        .find(|b| b.iter().any(|l| l.starts_with("langsmith-examples select")))
        .unwrap();
    assert_eq!(block.len(), 3, "{block:?}");
    for line in &block {
        let (words, redirect) = words(line);
        assert_eq!(words[0], "langsmith-examples");
        let asks = words[1] == "hard-delete" && !words.iter().any(|w| w == "--yes");
        let mut c = if asks {
            // It asks before deleting: run on a terminal (`script`), and answer yes.
            let shell = format!(
                "cd {} && env -i LANGSMITH_ENDPOINT={} LANGSMITH_API_KEY={} {BIN} {}",
                dir.path().display(),
                server.url(),
                arg("--api-key"),
                shlex::try_join(words[1..].iter().map(String::as_str)).unwrap()
            );
            let mut c = Command::new("script");
            c.args(["-qec", &shell, "/dev/null"]);
            c
        } else {
            let mut c = Command::new(BIN);
            c.args(&words[1..])
                .current_dir(dir.path())
                .env_clear()
                .env("LANGSMITH_ENDPOINT", server.url())
                .env("LANGSMITH_API_KEY", arg("--api-key"));
            c
        };
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let o = tokio::task::spawn_blocking(move || {
            let mut child = c.spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            if asks {
                use std::io::Write;
                std::thread::sleep(std::time::Duration::from_millis(1500));
                stdin.write_all(b"yes\n").unwrap();
            }
            drop(stdin);
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        assert_eq!(o.status.code(), Some(0), "{line}: {o:?}");
        if let Some(file) = redirect {
            std::fs::write(dir.path().join(file), &o.stdout).unwrap();
        }
    }
    // What was found is what held the marker in that dataset, and it is all erased now.
    let found: Vec<Uuid> = std::fs::read_to_string(dir.path().join("found.txt"))
        .unwrap()
        .lines()
        .map(|l| Uuid::parse_str(l).unwrap())
        .collect();
    assert!(!found.is_empty());
    let mut deleted = server.hard_deleted_ids();
    deleted.sort();
    let mut found_sorted = found.clone();
    found_sorted.sort();
    assert_eq!(deleted, found_sorted);
    assert!(dir.path().join("erasure.json").exists());
    // The traces that copied them, and no other, were deleted.
    let mut traces = server.deleted_traces();
    traces.sort();
    assert_eq!(traces, copies);
}
