//! `case open/find/erase/verify --mock` offline, each command its own process: the
//! embedded stand-in's person workspace is kept in CASE/mock-workspace/, made by the first
//! command that talks to it and served as it was left by the next, so the erase's
//! deletions are there for verify and the case closes. Judged by the case file and by the
//! stand-in's own record (its data directory opened afterwards); no identifier in any
//! output or in the case's own files (the stand-in's data directory holds the fictitious
//! person's seeded data by design and is left out: see `MOCK_WORKSPACE_DIR`).

use langsmith_mock::MockServer;
use langsmith_mock::person::{IDENTIFIERS, OTHER};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_langsmith-examples");
/// The stand-in's directory inside the case (the CLI's `MOCK_WORKSPACE_DIR`).
const MOCK_DIR: &str = "mock-workspace";

/// Runs the binary with nothing from the environment (no endpoint, no key).
fn run(args: &[String]) -> Output {
    Command::new(BIN)
        .env_clear()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// `case SUB CASE --match ...` (and `extra`); asserts nothing it printed and no file of
/// the case holds an identifier.
fn case(dir: &Path, sub: &str, extra: &[&str]) -> Output {
    let mut args = vec!["case".to_owned(), sub.to_owned(), dir.display().to_string()];
    if sub == "open" {
        args.extend(["--ticket".to_owned(), "DSR-31".to_owned()]);
    }
    for i in IDENTIFIERS {
        args.extend(["--match".to_owned(), i.to_owned()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let o = run(&args);
    let mut texts = vec![
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    ];
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_name() == MOCK_DIR {
            continue;
        }
        texts.push(String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned());
    }
    for t in texts {
        let t = t.to_lowercase();
        for i in IDENTIFIERS.iter().chain(OTHER.iter()) {
            assert!(
                !t.contains(&i.to_lowercase()),
                "an identifier leaked from `case {sub}`"
            );
        }
    }
    o
}

fn say(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn case_json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap()
}

/// Ids of the case's items of `place` in `state`.
fn items(c: &Value, place: &str, state: &str) -> BTreeSet<Uuid> {
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["place"] == place && i["state"] == state)
        .map(|i| i["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// open, find (with `find_extra`), erase --yes, verify, each under `--mock` in its own
/// process: each exits 0, and verify closes the case when the find scanned (else 7,
/// pending). The case directory, its case.json, and
/// the stand-in restored from the case's data directory.
async fn open_find_erase_verify(
    tmp: &Path,
    find_extra: &[&str],
) -> (std::path::PathBuf, Value, MockServer) {
    let dir = tmp.join("case");
    let o = case(&dir, "open", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", say(&o));
    assert!(!dir.join(MOCK_DIR).exists(), "open talks to no LangSmith");

    let mut find = vec!["--mock"];
    find.extend_from_slice(find_extra);
    let o = case(&dir, "find", &find);
    assert_eq!(o.status.code(), Some(0), "{}", say(&o));
    assert!(
        dir.join(MOCK_DIR)
            .join(langsmith_mock::persist::DB_FILE)
            .is_file(),
        "find made the stand-in's workspace inside the case"
    );
    let examples = items(&case_json(&dir), "examples", "found");
    assert!(!examples.is_empty(), "find found the person's examples");

    let o = case(&dir, "erase", &["--mock", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", say(&o));

    // Closed (0) only after a scan: the server's search cannot prove absence, so a case
    // searched by it alone stays pending (7), saying how to close it.
    let scanned = find_extra.contains(&"--scan");
    let o = case(&dir, "verify", &["--mock"]);
    let c = case_json(&dir);
    if scanned {
        assert_eq!(o.status.code(), Some(0), "{}", say(&o));
        assert_eq!(c["state"], "closed", "{}", say(&o));
    } else {
        assert_eq!(o.status.code(), Some(7), "{}", say(&o));
        assert_eq!(c["state"], "pending", "{}", say(&o));
        assert!(say(&o).contains("run case find --scan"), "{}", say(&o));
    }
    assert_eq!(items(&c, "examples", "erased"), examples);

    // The stand-in's own record, from its data directory: what the case erased is erased
    // there (the erase's deletions outlived its process), and nothing else was touched.
    let server = MockServer::builder()
        .data_dir(dir.join(MOCK_DIR))
        .start()
        .await
        .unwrap();
    assert!(server.restored());
    let seeded = server.person_copies();
    assert!(seeded.example_ids().is_superset(&examples));
    let hard_deleted: BTreeSet<Uuid> = server.hard_deleted_ids().into_iter().collect();
    assert_eq!(
        hard_deleted, examples,
        "exactly the examples the case found"
    );
    for id in &examples {
        assert!(server.example(id).unwrap().is_hard_deleted());
    }
    let theirs: BTreeSet<Uuid> = seeded.all_traces().values().flatten().copied().collect();
    let deleted: BTreeSet<Uuid> = server.deleted_traces().iter().map(|(_, t)| *t).collect();
    assert!(!deleted.is_empty(), "the trace deletions were carried out");
    // The person's traces: those the seed record names, and those of the person's
    // examples' source runs (read from a fresh, identical seed: it is deterministic).
    let fresh = MockServer::builder()
        .person_workspace()
        .start()
        .await
        .unwrap();
    assert_eq!(fresh.person_copies(), seeded, "the seed is deterministic");
    let runs = fresh.runs();
    let mut person: BTreeSet<Uuid> = theirs;
    person.extend(
        seeded
            .source_runs
            .values()
            .filter_map(|run| runs.iter().find(|r| r.id == *run).map(|r| r.trace_id)),
    );
    assert!(
        deleted.is_subset(&person),
        "only the person's traces were deleted: {:?}",
        deleted.difference(&person).collect::<Vec<_>>()
    );
    (dir, c, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_find_erase_verify_under_mock_share_one_workspace_and_stay_pending_without_a_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, c, server) = open_find_erase_verify(tmp.path(), &[]).await;
    // Without --scan the server's search cannot see values past its 250th character: the
    // person workspace puts some there, and the case says it cannot prove absence.
    let left = server.person_left();
    assert!(!left.is_erased(), "the seed hides copies from search()");
    let warnings = c["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("--scan")),
        "{warnings:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_scan_every_copy_the_stand_in_seeded_is_erased_across_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, _, server) = open_find_erase_verify(tmp.path(), &["--scan"]).await;
    let left = server.person_left();
    assert!(left.is_erased(), "left: {left:?}");
}

#[test]
fn the_mock_flag_names_the_person_a_reader_can_type() {
    let o = run(&["case".to_owned(), "find".to_owned(), "--help".to_owned()]);
    let help = String::from_utf8_lossy(&o.stdout).replace(char::is_whitespace, "");
    for i in IDENTIFIERS {
        assert!(
            help.contains(&i.replace(char::is_whitespace, "")),
            "--mock's help names {i:?}"
        );
    }
}

/// The README's `case ... --mock` lines (an indented ```sh block in the case section), run
/// as written in a scratch directory: each exits 0, and the case is closed.
#[test]
fn the_readmes_offline_case_runs_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut inside = false;
    for l in readme.lines() {
        match (inside, l.trim()) {
            (false, "```sh") => inside = true,
            (true, "```") if !lines.is_empty() => break,
            (true, "```") => inside = false,
            (true, t)
                if t.starts_with("langsmith-examples case") && t.contains("--mock")
                    || t.starts_with("langsmith-examples case open") =>
            {
                let mut words = shlex::split(t).unwrap();
                if let Some(i) = words.iter().position(|w| w == "#") {
                    words.truncate(i);
                }
                lines.push(words);
            }
            (true, _) => {}
            (false, _) => {}
        }
    }
    assert_eq!(lines.len(), 4, "open, find, erase, verify: {lines:?}");
    let tmp = tempfile::tempdir().unwrap();
    for words in &lines {
        assert_eq!(words[0], "langsmith-examples");
        let o = Command::new(BIN)
            .args(&words[1..])
            .current_dir(tmp.path())
            .env_clear()
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{words:?}: {}", say(&o));
    }
    let case = tmp.path().join(&lines[0][3]);
    assert_eq!(case_json(&case)["state"], "closed");
}
