//! LangSmith's official SDKs against the stand-in: Python `langsmith` (pinned in
//! `tests/sdk-py/requirements.txt`, installed with pip into a virtual environment under
//! the target directory) and JS `langsmith` (pinned in `tests/sdk-js/package-lock.json`,
//! installed with `npm ci` there too), each in both endpoint forms: the host root
//! (`http://127.0.0.1:P`, the form of the SDKs' default `https://api.smith.langchain.com`)
//! and self-hosted (`http://127.0.0.1:P/api/v1`).
//!
//! A driver per SDK (`tests/sdk-py/drive.py`, `tests/sdk-js/drive.mjs`) runs the steps and
//! prints what the SDK returned; every expected value comes from the seed this file builds
//! (its ids, the documented split, marker and creation-time rules) and from raw HTTP to the
//! stand-in's `/api/v1/...`, never from the SDK under test. The README's "use it from the
//! official SDKs" snippets are extracted from the README and run here too.
//!
//! The tests are `#[ignore]`d with their reason (they need Python 3 or Node.js and the
//! package registries); `cargo test -- --include-ignored` (CI) runs them, and then a
//! missing interpreter fails them.

use langsmith_mock::{DEMO_MARKER, MockServer, store};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;
use uuid::Uuid;

const PY_SDK: &str = "0.14.17";
const JS_SDK: &str = "0.12.0";
const KEY: &str = "lsv2_sdk_test";
const OTHER_KEY: &str = "lsv2_sdk_other";

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Where the SDKs are installed: the target directory's scratch space (honours
/// `CARGO_TARGET_DIR`), reused while the pins are unchanged.
fn sdk_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("langsmith-sdks")
}

static PROVISION: Mutex<()> = Mutex::new(());

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn works(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The virtual environment's interpreter, with the pinned Python SDK installed (once).
fn python() -> PathBuf {
    venv_with(&format!("py-{PY_SDK}"), "sdk-py/requirements.txt")
}

/// The interpreter of the virtual environment `name` under the SDK root, with the pinned
/// `requirements` (a file under `tests/`) installed (once, again when the pins change).
fn venv_with(name: &str, requirements: &str) -> PathBuf {
    let _guard = PROVISION.lock().unwrap_or_else(|e| e.into_inner());
    let system = ["python3", "python"]
        .into_iter()
        .find(|p| works(p, "--version"))
        .expect("Python 3 (python3) is needed to test the stand-in with the official Python SDK");
    let venv = sdk_root().join(name);
    let interpreter = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let pins = std::fs::read(tests_dir().join(requirements)).unwrap();
    let stamp = venv.join("installed-requirements.txt");
    if interpreter.exists() && std::fs::read(&stamp).ok().as_deref() == Some(pins.as_slice()) {
        return interpreter;
    }
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(&venv);
    std::fs::create_dir_all(sdk_root()).unwrap();
    run(
        Command::new(system).args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    );
    run(
        Command::new(&interpreter)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                "-r",
            ])
            .arg(tests_dir().join(requirements)),
        &format!("pip install -r tests/{requirements} (needs PyPI)"),
    );
    std::fs::write(&stamp, &pins).unwrap();
    eprintln!(
        "installed tests/{requirements} (langsmith=={PY_SDK}, Python) into {} in {:.1?}",
        venv.display(),
        started.elapsed()
    );
    interpreter
}

/// The directory holding `node_modules/langsmith` at the pinned version (`npm ci`, once).
fn node_project() -> PathBuf {
    let _guard = PROVISION.lock().unwrap_or_else(|e| e.into_inner());
    assert!(
        works("node", "--version") && works("npm", "--version"),
        "Node.js and npm are needed to test the stand-in with the official JS SDK"
    );
    let dir = sdk_root().join(format!("js-{JS_SDK}"));
    let lock = std::fs::read(tests_dir().join("sdk-js/package-lock.json")).unwrap();
    let installed = dir.join("node_modules/langsmith/package.json");
    if installed.exists() && std::fs::read(dir.join("package-lock.json")).ok() == Some(lock.clone())
    {
        return dir;
    }
    let started = Instant::now();
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["package.json", "package-lock.json"] {
        std::fs::copy(tests_dir().join("sdk-js").join(f), dir.join(f)).unwrap();
    }
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
        "npm ci in tests/sdk-js (needs the npm registry)",
    );
    eprintln!(
        "installed langsmith@{JS_SDK} (JS) into {} in {:.1?}",
        dir.display(),
        started.elapsed()
    );
    dir
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sdk {
    Python,
    Js,
}

#[derive(Clone, Copy, Debug)]
enum Form {
    /// `http://127.0.0.1:P`
    HostRoot,
    /// `http://127.0.0.1:P/api/v1`
    SelfHosted,
}

impl Form {
    fn endpoint(self, server: &MockServer) -> String {
        match self {
            Form::HostRoot => server.url(),
            Form::SelfHosted => format!("{}/api/v1", server.url()),
        }
    }

    /// Whether a request path belongs to this form's family.
    fn owns(self, path: &str) -> bool {
        match self {
            Form::HostRoot => !path.starts_with("/api/"),
            Form::SelfHosted => path.starts_with("/api/v1/"),
        }
    }
}

/// Runs `program args` in `dir` with the user's environment for the SDKs (endpoint and key,
/// and the LANGSMITH_*/LANGCHAIN_* variables `cmd` sets itself: no other, no login
/// profile), `stdin` on its standard input; its standard output.
fn run_sdk(
    mut cmd: Command,
    dir: &Path,
    endpoint: &str,
    key: &str,
    stdin: &str,
) -> Result<String, String> {
    use std::io::Write;
    let own: Vec<std::ffi::OsString> = cmd.get_envs().map(|(k, _)| k.to_owned()).collect();
    for (k, _) in std::env::vars() {
        if (k.starts_with("LANGSMITH_") || k.starts_with("LANGCHAIN_"))
            && !own.iter().any(|o| *o == *k)
        {
            cmd.env_remove(k);
        }
    }
    let home = sdk_root().join("home");
    std::fs::create_dir_all(&home).unwrap();
    cmd.current_dir(dir)
        .env("HOME", &home)
        .env("USERPROFILE", &home)
        .env("LANGSMITH_ENDPOINT", endpoint)
        .env("LANGSMITH_API_KEY", key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "{}\n--- stdout\n{stdout}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout)
}

/// Runs `code` (a driver or a README snippet) with `sdk` against `endpoint`.
async fn run_code(sdk: Sdk, code: &str, endpoint: &str, key: &str, stdin: &str) -> String {
    let (code, endpoint, key, stdin) = (
        code.to_owned(),
        endpoint.to_owned(),
        key.to_owned(),
        stdin.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let (cmd, dir, file) = match sdk {
            Sdk::Python => {
                let dir = sdk_root().join("py-scripts");
                std::fs::create_dir_all(&dir).unwrap();
                let file = dir.join(format!("run-{}.py", Uuid::new_v4().simple()));
                (Command::new(python()), dir, file)
            }
            Sdk::Js => {
                // Written beside node_modules, so `import "langsmith"` resolves to the pin.
                let dir = node_project();
                let file = dir.join(format!("run-{}.mjs", Uuid::new_v4().simple()));
                (Command::new("node"), dir, file)
            }
        };
        std::fs::write(&file, code).unwrap();
        let mut cmd = cmd;
        cmd.arg(&file);
        let result = run_sdk(cmd, &dir, &endpoint, &key, &stdin);
        let _ = std::fs::remove_file(&file);
        result.unwrap_or_else(|e| panic!("{sdk:?} against {endpoint}: {e}"))
    })
    .await
    .unwrap()
}

// ---------------------------------------------------------------------------------------
// The seed, and what it documents

/// Ids from a fixed sequence (random-looking version 4 UUIDs), so the seed is known here.
fn made_ids(salt: u64, n: usize) -> Vec<Uuid> {
    let mut x = salt.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            let mut bytes = [0u8; 16];
            for chunk in bytes.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.copy_from_slice(&x.to_le_bytes());
            }
            uuid::Builder::from_random_bytes(bytes).into_uuid()
        })
        .collect()
}

struct Fixture {
    server: MockServer,
    compliance: Uuid,
    archive: Uuid,
    /// The compliance dataset's ids, sorted.
    ids: Vec<Uuid>,
    /// Every seeded id (all workspaces), sorted: index i was created at EPOCH + i s.
    all: Vec<Uuid>,
    foreign: Uuid,
}

const MARK_EVERY: u64 = 10;
/// `as_of` without an offset, one minute after the first example was created.
const AS_OF_NAIVE: &str = "2026-01-01T00:01:00";
/// A time after every seeded example was made and before the drivers' hard delete (naive,
/// as Python's `isoformat()` writes one): LangSmith lists a hard-deleted example no more,
/// so the drivers read the deleted ones back as of then, where every version is null.
const BEFORE_DELETION: &str = "2026-06-01T00:00:00";
const AS_OF_SECS: i64 = 60;

async fn fixture() -> Fixture {
    let mut ids = made_ids(1, 170);
    let archive_ids = made_ids(2, 5);
    let foreign_ids = made_ids(3, 3);
    let mut b = MockServer::builder();
    b.workspace(Uuid::from_u128(0x5d4a_0000_0000_4000_8000_0000_0000_0001))
        .api_key(KEY)
        .marker(DEMO_MARKER, MARK_EVERY)
        .dataset("compliance")
        .example_ids(ids.clone())
        .dataset("archive")
        .example_ids(archive_ids.clone());
    b.workspace(Uuid::from_u128(0x5d4a_0000_0000_4000_8000_0000_0000_0002))
        .api_key(OTHER_KEY)
        .dataset("theirs")
        .example_ids(foreign_ids.clone());
    b.workspace(Uuid::from_u128(0x5d4a_0000_0000_4000_8000_0000_0000_0001));
    let server = b.start().await.unwrap();
    ids.sort();
    let mut all: Vec<Uuid> = ids
        .iter()
        .chain(&archive_ids)
        .chain(&foreign_ids)
        .copied()
        .collect();
    all.sort();
    assert_eq!(
        server.seeded_ids(),
        all,
        "the stand-in seeded what was asked"
    );
    Fixture {
        compliance: server.dataset_id("compliance").unwrap(),
        archive: server.dataset_id("archive").unwrap(),
        foreign: foreign_ids[0],
        server,
        ids,
        all,
    }
}

impl Fixture {
    /// Compliance ids holding the marker, per the documented rule (the stand-in's own
    /// inspection API, `marked_ids`, is its documentation of it).
    fn marked(&self) -> Vec<Uuid> {
        let marked = self.server.marked_ids();
        self.ids
            .iter()
            .filter(|id| marked.contains(id))
            .copied()
            .collect()
    }

    fn in_split(&self, split: &str) -> BTreeSet<String> {
        self.ids
            .iter()
            .filter(|id| store::split_of(id) == split)
            .map(Uuid::to_string)
            .collect()
    }

    /// Compliance ids created by `secs` after the epoch (example i of `all` at i s).
    fn created_by(&self, secs: i64) -> BTreeSet<String> {
        self.all
            .iter()
            .enumerate()
            .filter(|(i, id)| *i as i64 <= secs && self.ids.contains(id))
            .map(|(_, id)| id.to_string())
            .collect()
    }

    fn filter(&self) -> String {
        format!(
            r#"and(has(metadata, '{{"dataset_split": ["train"]}}'), not(eq(id, "{}")))"#,
            self.ids[0]
        )
    }

    fn plan(&self, sdk: Sdk) -> Value {
        let marked = self.marked();
        let example_ids = [3, 17, 42, 99, 160].map(|i| self.ids[i].to_string());
        json!({
            "sdk_version": match sdk { Sdk::Python => PY_SDK, Sdk::Js => JS_SDK },
            "dataset_id": self.compliance.to_string(),
            "dataset_name": "compliance",
            "name_part": "PLIAN",
            "dataset_ids": [self.archive.to_string()],
            "dataset_metadata": {"source": "langsmith-mock seed"},
            "example_ids": example_ids,
            "metadata": {"dataset_split": ["test"]},
            "splits": ["test"],
            "filter": self.filter(),
            "marker": DEMO_MARKER,
            "as_of_naive": AS_OF_NAIVE,
            "offset": 5,
            "limit": 30,
            "long_limit": 150,
            "read_id": marked[0].to_string(),
            "foreign_id": self.foreign.to_string(),
            "delete_ids": marked.iter().map(Uuid::to_string).collect::<Vec<_>>(),
            "before_deletion": BEFORE_DELETION,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Raw HTTP: the expected values

async fn raw(f: &Fixture, key: &str, path_and_query: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1{path_and_query}", f.server.url()))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn raw_ok(f: &Fixture, path_and_query: &str) -> Value {
    let (status, body) = raw(f, KEY, path_and_query).await;
    assert_eq!(status, 200, "raw {path_and_query}: {body}");
    body
}

fn id_list(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of `/examples?query`, in the server's order.
async fn raw_all(f: &Fixture, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let page = id_list(
            &raw_ok(
                f,
                &format!("/examples?{query}&limit=100&offset={}", out.len()),
            )
            .await,
        );
        let n = page.len();
        out.extend(page);
        if n < 100 {
            return out;
        }
    }
}

fn set(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

/// An example as the drivers reduce it (no `name`: the Python SDK's `Example` drops it).
fn reduced(e: &Value) -> Value {
    json!({
        "id": e["id"], "dataset_id": e["dataset_id"],
        "inputs": e["inputs"], "outputs": e["outputs"], "metadata": e["metadata"],
        "created_at": e["created_at"], "modified_at": e["modified_at"],
    })
}

fn q(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// What the SDK steps before the deletion must return, from raw HTTP (each checked
/// against the seed where the seed documents it).
async fn expected_before(f: &Fixture, plan: &Value) -> BTreeMap<&'static str, Value> {
    let mut e = BTreeMap::new();
    let ds = f.compliance;
    let datasets = raw_ok(f, "/datasets").await;
    let rows: Vec<Value> = datasets
        .as_array()
        .unwrap()
        .iter()
        .map(|d| json!([d["id"], d["name"], d["example_count"]]))
        .collect();
    assert_eq!(
        rows,
        [
            json!([f.compliance.to_string(), "compliance", 170]),
            json!([f.archive.to_string(), "archive", 5])
        ],
        "the seed's datasets"
    );
    e.insert("datasets", json!(rows));
    let both = json!([f.compliance.to_string(), f.archive.to_string()]);
    for (step, query, seed) in [
        (
            "datasets_by_name",
            "name=compliance".to_owned(),
            json!([ds.to_string()]),
        ),
        (
            "datasets_name_contains",
            "name_contains=PLIAN".to_owned(),
            json!([ds.to_string()]),
        ),
        (
            "datasets_by_ids",
            format!("id={}", f.archive),
            json!([f.archive.to_string()]),
        ),
        (
            "datasets_data_type",
            "data_type=kv".to_owned(),
            both.clone(),
        ),
        (
            "datasets_data_type_none",
            "data_type=chat".to_owned(),
            json!([]),
        ),
        (
            "datasets_metadata",
            format!("metadata={}", q(&plan["dataset_metadata"].to_string())),
            both.clone(),
        ),
        (
            "datasets_metadata_none",
            format!("metadata={}", q(r#"{"source":"elsewhere"}"#)),
            json!([]),
        ),
    ] {
        let got = json!(id_list(&raw_ok(f, &format!("/datasets?{query}")).await));
        assert_eq!(got, seed, "raw {step}");
        e.insert(step, got);
    }
    e.insert("dataset_by_name", json!(ds.to_string()));
    e.insert(
        "dataset_by_id",
        raw_ok(f, &format!("/datasets/{ds}")).await["name"].clone(),
    );

    let all = raw_all(f, &format!("dataset={ds}")).await;
    let seeded: BTreeSet<String> = f.ids.iter().map(Uuid::to_string).collect();
    assert_eq!(set(&all), seeded, "raw listing by dataset");
    e.insert("examples_by_dataset", json!(all));
    e.insert("examples_by_dataset_name", json!(all));
    e.insert("examples_page", json!(all[5..35]));
    e.insert("examples_limit_over_a_page", json!(all[..150]));

    let wanted: Vec<String> = serde_json::from_value(plan["example_ids"].clone()).unwrap();
    let by_ids = raw_all(
        f,
        &wanted
            .iter()
            .map(|i| format!("id={i}"))
            .collect::<Vec<_>>()
            .join("&"),
    )
    .await;
    assert_eq!(set(&by_ids), set(&wanted), "raw listing by ids");
    e.insert("examples_by_ids", json!(by_ids));

    let test = f.in_split("test");
    assert!(!test.is_empty() && test.len() < f.ids.len());
    for (step, query) in [
        (
            "examples_metadata",
            format!("metadata={}", q(r#"{"dataset_split":["test"]}"#)),
        ),
        ("examples_splits", "splits=test".to_owned()),
    ] {
        let got = raw_all(f, &format!("dataset={ds}&{query}")).await;
        assert_eq!(set(&got), test, "raw {step}");
        e.insert(step, json!(got));
    }
    let got = raw_all(f, &format!("dataset={ds}&filter={}", q(&f.filter()))).await;
    let mut train = f.in_split("train");
    train.remove(&f.ids[0].to_string());
    assert_eq!(set(&got), train, "raw filter");
    e.insert("examples_filter", json!(got));

    let got = raw_all(
        f,
        &format!("dataset={ds}&full_text_contains={}", q(DEMO_MARKER)),
    )
    .await;
    let marked: BTreeSet<String> = f.marked().iter().map(Uuid::to_string).collect();
    assert!(marked.len() > 5, "the seed marks one in {MARK_EVERY}");
    assert_eq!(set(&got), marked, "raw full text");
    e.insert("examples_full_text", json!(got));

    let got = raw_all(f, &format!("dataset={ds}&as_of={AS_OF_NAIVE}Z")).await;
    assert_eq!(set(&got), f.created_by(AS_OF_SECS), "raw as_of");
    e.insert("examples_as_of", json!(got));
    e.insert("examples_as_of_date", json!(got));

    let read_id = plan["read_id"].as_str().unwrap();
    let one = raw_ok(f, &format!("/examples/{read_id}")).await;
    assert_eq!(
        one["inputs"]["contact"], DEMO_MARKER,
        "the read example is marked"
    );
    e.insert("example", reduced(&one));
    let old = raw_ok(f, &format!("/examples/{read_id}?as_of={AS_OF_NAIVE}Z")).await;
    assert_ne!(old["inputs"], one["inputs"], "as_of reads an older version");
    e.insert("example_as_of", reduced(&old));

    let foreign = plan["foreign_id"].as_str().unwrap();
    let (status, _) = raw(f, KEY, &format!("/examples/{foreign}")).await;
    e.insert("foreign_read", json!({"refused": status}));
    let status = reqwest::Client::new()
        .post(format!(
            "{}/v1/platform/datasets/examples/delete",
            f.server.url()
        ))
        .header("x-api-key", KEY)
        .json(&json!({"example_ids": [foreign], "hard_delete": true}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    e.insert("foreign_delete", json!({"refused": status}));
    let (status, _) = raw(f, "not-a-key", "/datasets").await;
    e.insert("wrong_key", json!({"refused": status}));
    assert_eq!(
        [&e["foreign_read"], &e["foreign_delete"], &e["wrong_key"]].map(|v| v["refused"].clone()),
        [json!(404), json!(403), json!(401)]
    );
    e
}

/// What the steps after the hard delete must return, from raw HTTP and the seed.
async fn expected_after(
    f: &Fixture,
    plan: &Value,
    before: &BTreeMap<&'static str, Value>,
) -> BTreeMap<&'static str, Value> {
    let mut e = BTreeMap::new();
    let deleted: Vec<String> = serde_json::from_value(plan["delete_ids"].clone()).unwrap();
    // Read by id at the latest version: not found (LangSmith lists a hard-deleted example
    // no more, and reads it no more).
    let mut reads = Vec::new();
    for id in &deleted {
        let (status, _) = raw(f, KEY, &format!("/examples/{id}")).await;
        assert_eq!(status, 404, "raw read of {id} after its hard delete");
        reads.push(json!({"refused": status}));
    }
    e.insert("after_delete_read", json!(reads));
    // Listed as of before the deletion: every version null, the identity kept.
    let listed = raw_ok(
        f,
        &format!(
            "/examples?dataset={}&{}&as_of={BEFORE_DELETION}Z",
            f.compliance,
            deleted
                .iter()
                .map(|i| format!("id={i}"))
                .collect::<Vec<_>>()
                .join("&")
        ),
    )
    .await;
    let listed: Vec<Value> = listed.as_array().unwrap().iter().map(reduced).collect();
    assert_eq!(listed.len(), deleted.len());
    for r in &listed {
        for field in ["inputs", "outputs", "metadata"] {
            assert!(
                r[field].is_null(),
                "raw read as of before the deletion: {r}"
            );
        }
    }
    // Identity is kept: compare with the example read before the deletion.
    let first = &before["example"];
    let again = listed
        .iter()
        .find(|r| r["id"] == first["id"])
        .expect("the example read before is among the deleted");
    assert_eq!(
        [&again["dataset_id"], &again["created_at"]],
        [&first["dataset_id"], &first["created_at"]]
    );
    e.insert("after_delete_list", json!(listed));
    let found = raw_all(
        f,
        &format!(
            "dataset={}&full_text_contains={}",
            f.compliance,
            q(DEMO_MARKER)
        ),
    )
    .await;
    assert!(
        found.is_empty(),
        "raw full text after the deletion: {found:?}"
    );
    e.insert("after_delete_full_text", json!(found));
    e
}

/// The steps each driver must report (a driver that skips one fails).
fn steps(sdk: Sdk) -> Vec<&'static str> {
    let mut common = vec![
        "datasets",
        "datasets_by_name",
        "datasets_name_contains",
        "datasets_by_ids",
        "datasets_metadata",
        "datasets_metadata_none",
        "dataset_by_name",
        "dataset_by_id",
        "examples_by_dataset",
        "examples_by_dataset_name",
        "examples_by_ids",
        "examples_metadata",
        "examples_splits",
        "examples_filter",
        "examples_as_of",
        "examples_page",
        "example",
        "foreign_read",
        "foreign_delete",
        "wrong_key",
        "after_delete_read",
        "after_delete_list",
    ];
    match sdk {
        // Only the Python SDK passes full_text_contains (as an extra keyword), a
        // data_type, an as_of to read_example, and pages past 100 for a larger limit.
        Sdk::Python => common.extend([
            "datasets_data_type",
            "datasets_data_type_none",
            "examples_full_text",
            "examples_limit_over_a_page",
            "example_as_of",
            "after_delete_full_text",
        ]),
        // The JS SDK takes a Date for as_of (sent with `Z`) as well as a string.
        Sdk::Js => common.push("examples_as_of_date"),
    }
    common
}

async fn drive(sdk: Sdk, form: Form) {
    let f = fixture().await;
    let plan = f.plan(sdk);
    let mut expected = expected_before(&f, &plan).await;
    let driver = match sdk {
        Sdk::Python => include_str!("sdk-py/drive.py"),
        Sdk::Js => include_str!("sdk-js/drive.mjs"),
    };
    // Installed (once) before the clock starts.
    tokio::task::spawn_blocking(move || match sdk {
        Sdk::Python => drop(python()),
        Sdk::Js => drop(node_project()),
    })
    .await
    .unwrap();
    let from = f.server.requests().len();
    let started = Instant::now();
    let out = run_code(
        sdk,
        driver,
        &form.endpoint(&f.server),
        KEY,
        &plan.to_string(),
    )
    .await;
    let took = started.elapsed();
    let sdk_requests = f.server.requests()[from..].to_vec();
    let got: BTreeMap<String, Value> = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{sdk:?} driver output is not JSON ({e}): {out}"));
    let before = expected.clone();
    expected.extend(expected_after(&f, &plan, &before).await);

    let want = steps(sdk);
    let reported: BTreeSet<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(
        reported,
        want.iter().copied().collect::<BTreeSet<_>>(),
        "{sdk:?}: the steps reported"
    );
    for step in &want {
        assert_eq!(
            &got[*step], &expected[step],
            "{sdk:?} {form:?}: step {step}: the SDK's result (left) differs from the expected (right)"
        );
    }

    // Only what was asked was erased; the foreign example is intact.
    let deleted: BTreeSet<Uuid> = serde_json::from_value(plan["delete_ids"].clone()).unwrap();
    assert!(!deleted.is_empty());
    assert_eq!(
        f.server
            .hard_deleted_ids()
            .into_iter()
            .collect::<BTreeSet<_>>(),
        deleted
    );
    assert!(!f.server.example(&f.foreign).unwrap().is_hard_deleted());

    // Every request the SDK sent went to its form's path family and was answered; only
    // the three deliberate refusals were errors.
    let mut errors = Vec::new();
    for r in &sdk_requests {
        assert!(
            form.owns(&r.path),
            "{sdk:?} {form:?}: {} {} is outside the form's family",
            r.method,
            r.path
        );
        if r.status >= 400 {
            errors.push(r.status);
        }
        if r.path.ends_with("/examples") {
            assert!(
                r.ignored_params.iter().any(|p| p == "inline_s3_urls"),
                "{:?}: {:?}",
                r.query,
                r.ignored_params
            );
        }
    }
    errors.sort();
    // The three deliberate refusals, and a 404 for each deleted example read by id.
    let mut refusals = vec![401, 403, 404];
    refusals.extend(deleted.iter().map(|_| 404));
    assert_eq!(errors, refusals, "{sdk:?} {form:?}: the error answers");
    let sessions = sdk_requests
        .iter()
        .filter(|r| r.path.ends_with("/sessions"))
        .count();
    if sdk == Sdk::Python {
        // The tenant look-up is answered, so the SDK asks once per client (the driver
        // makes two), not once per example it builds.
        assert!(
            (1..=2).contains(&sessions),
            "{sessions} GET /sessions; expected one per client"
        );
    }
    eprintln!(
        "{sdk:?} {form:?}: {} requests, {} steps in {took:.1?}",
        sdk_requests.len(),
        want.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI"]
async fn python_sdk_against_the_host_root() {
    drive(Sdk::Python, Form::HostRoot).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI"]
async fn python_sdk_against_the_self_hosted_form() {
    drive(Sdk::Python, Form::SelfHosted).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Node.js, npm and network access to the npm registry"]
async fn js_sdk_against_the_host_root() {
    drive(Sdk::Js, Form::HostRoot).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Node.js, npm and network access to the npm registry"]
async fn js_sdk_against_the_self_hosted_form() {
    drive(Sdk::Js, Form::SelfHosted).await;
}

// ---------------------------------------------------------------------------------------
// The README's snippets

const README: &str = include_str!("../README.md");

/// The fenced block after `<!-- sdk-snippet: NAME -->` in the README.
fn snippet(name: &str) -> String {
    let marker = format!("<!-- sdk-snippet: {name} -->");
    let at = README
        .find(&marker)
        .unwrap_or_else(|| panic!("the README has no {marker}"));
    let rest = &README[at + marker.len()..];
    let open = rest.find("```").expect("a fenced block after the marker");
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("\n```").expect("the block closes")].to_owned() + "\n"
}

/// The stand-in as the README's `serve` line in the SDK section seeds it.
async fn readme_server() -> MockServer {
    let line = snippet("serve");
    let words: Vec<&str> = line
        .lines()
        .find(|l| l.contains(" serve "))
        .expect("a serve command")
        .split_whitespace()
        .collect();
    let arg = |flag: &str| {
        words
            .iter()
            .position(|w| *w == flag)
            .map(|i| words[i + 1])
            .unwrap_or_else(|| panic!("the README's serve line has no {flag}"))
    };
    assert!(
        line.contains(&format!("LANGSMITH_API_KEY={}", arg("--api-key"))),
        "the README exports the key it serves with"
    );
    let mut b = MockServer::builder();
    b.api_key(arg("--api-key"))
        .dataset(arg("--dataset"))
        .marker(DEMO_MARKER, langsmith_mock::DEMO_MARKER_EVERY)
        .examples(arg("--seed").parse().unwrap());
    b.start().await.unwrap()
}

async fn readme_snippet(sdk: Sdk, name: &str, selector: &str) {
    let code = snippet(name);
    for form in [Form::HostRoot, Form::SelfHosted] {
        let server = readme_server().await;
        let key = server.api_key().to_owned();
        let ds = server
            .dataset_id("compliance")
            .expect("the README's dataset");
        // The selection, by raw HTTP, every page.
        let mut selected = BTreeSet::new();
        loop {
            let page = reqwest::Client::new()
                .get(format!(
                    "{}/api/v1/examples?dataset={ds}&{selector}&limit=100&offset={}",
                    server.url(),
                    selected.len()
                ))
                .header("x-api-key", &key)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap();
            let ids = id_list(&page);
            selected.extend(ids.iter().map(|s| Uuid::parse_str(s).unwrap()));
            if ids.len() < 100 {
                break;
            }
        }
        assert!(selected.len() > 1, "{selector}");
        let out = run_code(sdk, &code, &form.endpoint(&server), &key, "").await;
        assert_eq!(
            out.trim(),
            format!("erased {}", selected.len()),
            "{sdk:?} {form:?}"
        );
        assert_eq!(
            server
                .hard_deleted_ids()
                .into_iter()
                .collect::<BTreeSet<_>>(),
            selected,
            "{sdk:?} {form:?}: exactly the selection was erased"
        );
        for id in &selected {
            assert!(server.example(id).unwrap().is_hard_deleted());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI"]
async fn the_readme_python_snippet_runs() {
    readme_snippet(
        Sdk::Python,
        "python",
        &format!("full_text_contains={}", q(DEMO_MARKER)),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Node.js, npm and network access to the npm registry"]
async fn the_readme_js_snippet_runs() {
    readme_snippet(Sdk::Js, "js", "splits=test").await;
}

// ---------------------------------------------------------------------------------------
// Your own app writes to the stand-in (issue 32)

/// `tests/sdk-py/app.py`, an app using only the official SDK, makes a dataset whose
/// example holds a person's email and traces itself on every example with
/// `reference_example_id` set (as `evaluate()` does); then the stand-in's own record
/// (`runs()`, `example()`) and the v2 runs query in raw HTTP must find the trace that
/// copied the email, referencing that example, and nothing else.
async fn own_app(form: Form) {
    let server = MockServer::builder().api_key(KEY).start().await.unwrap();
    let email = "jane.doe@example.com";
    let name = format!("app-{form:?}");
    let code = std::fs::read_to_string(tests_dir().join("sdk-py/app.py")).unwrap();
    let out = run_code(
        Sdk::Python,
        &code,
        &form.endpoint(&server),
        KEY,
        &json!({"dataset": name, "email": email}).to_string(),
    )
    .await;
    let made: Value = serde_json::from_str(out.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("app.py printed no JSON ({e}): {out}"));
    let person = Uuid::parse_str(made["person_example"].as_str().unwrap()).unwrap();
    let dataset = Uuid::parse_str(made["dataset_id"].as_str().unwrap()).unwrap();
    // The record: the dataset and the example as the app wrote them.
    assert_eq!(server.dataset_id(&name), Some(dataset));
    let example = server.example(&person).unwrap();
    assert_eq!(example.dataset_id, dataset);
    assert_eq!(
        example.versions.last().unwrap().inputs.as_ref().unwrap()["email"],
        email
    );
    // Every write went to this form's family.
    for r in server.requests() {
        assert!(
            form.owns(&r.path) || r.path.starts_with("/runs"),
            "{form:?}: {} {}",
            r.method,
            r.path
        );
    }
    // The record: the app's root run references the example and holds the email; its
    // child run (same trace) holds a prompt with the email too.
    let runs = server.runs();
    let roots: Vec<_> = runs
        .iter()
        .filter(|r| r.reference_example_id == Some(person))
        .collect();
    assert_eq!(roots.len(), 1, "{runs:?}");
    let root = roots[0];
    assert_eq!(root.inputs["inputs"]["email"], email, "{:?}", root.inputs);
    let session = server
        .sessions()
        .into_iter()
        .find(|s| s.id == root.session_id)
        .expect("the experiment session");
    assert_eq!(session.reference_dataset_id, Some(dataset));
    assert!(
        runs.iter().any(|r| r.trace_id == root.trace_id
            && r.parent_run_id == Some(root.id)
            && r.inputs.to_string().contains(email)),
        "the child run copied the email"
    );
    // The v2 runs query, raw HTTP, finds exactly that trace's root for that example.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v2/runs/query", server.url()))
        .header("x-api-key", KEY)
        .json(
            &json!({"reference_dataset_id": dataset, "reference_examples": [person],
                      "selects": ["REFERENCE_EXAMPLE_ID", "TRACE_ID"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v2: Value = r.json().await.unwrap();
    let items = v2["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v2}");
    assert_eq!(items[0]["id"], root.id.to_string());
    assert_eq!(items[0]["reference_example_id"], person.to_string());
    assert_eq!(items[0]["trace_id"], root.trace_id.to_string());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI"]
async fn your_own_app_written_with_the_python_sdk_at_the_host_root() {
    own_app(Form::HostRoot).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI"]
async fn your_own_app_written_with_the_python_sdk_at_the_self_hosted_form() {
    own_app(Form::SelfHosted).await;
}

// ---------------------------------------------------------------------------------------
// The SDK's own integration tests (issue 32)

/// The sdist of the pinned Python SDK (it ships `tests/integration_tests/`), downloaded and
/// unpacked once under the SDK root; its directory.
fn sdk_sources(interpreter: &Path) -> PathBuf {
    let _guard = PROVISION.lock().unwrap_or_else(|e| e.into_inner());
    let dir = sdk_root().join(format!("py-sdist-{PY_SDK}"));
    let unpacked = dir.join(format!("langsmith-{PY_SDK}"));
    if unpacked
        .join("tests/integration_tests/test_client.py")
        .exists()
    {
        return unpacked;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    run(
        Command::new(interpreter)
            .args([
                "-m",
                "pip",
                "download",
                "--disable-pip-version-check",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
            ])
            .arg(&dir)
            .arg(format!("langsmith=={PY_SDK}")),
        "pip download the langsmith sdist (needs PyPI)",
    );
    run(
        Command::new(interpreter)
            .args([
                "-c",
                "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter='data')",
            ])
            .arg(dir.join(format!("langsmith-{PY_SDK}.tar.gz")))
            .arg(&dir),
        "unpack the langsmith sdist",
    );
    unpacked
}

/// The SDK's integration test files that touch datasets, examples and runs (issue 32), in
/// `tests/integration_tests/` of its sdist; the expected list names tests `file::id`.
const INTEGRATION_FILES: [&str; 3] = ["test_client.py", "test_runs.py", "test_async_client.py"];

/// Runs the SDK's [`INTEGRATION_FILES`] (datasets, examples, runs) against the stand-in:
/// every test the committed list expects to pass must pass, and a test that now passes
/// beyond the list is named (grow the list).
async fn sdk_integration_suite(form: Form) {
    let expected = expectations_in("sdk-py/integration-expected.txt");
    for (id, _) in &expected {
        let file = id.split_once("::").map(|(f, _)| f);
        assert!(
            file.is_some_and(|f| INTEGRATION_FILES.contains(&f)),
            "integration-expected.txt: {id:?} is not `file::test` of {INTEGRATION_FILES:?}"
        );
    }
    let reasons: Vec<_> = expected.iter().filter(|(_, r)| r.is_some()).collect();
    assert!(
        reasons
            .iter()
            .all(|(_, r)| r.as_ref().is_some_and(|r| r.len() > 10)),
        "every test not expected to pass says why"
    );
    let server = MockServer::builder().api_key(KEY).start().await.unwrap();
    let endpoint = form.endpoint(&server);
    let out = tokio::task::spawn_blocking(move || {
        let interpreter = venv_with(
            &format!("py-it-{PY_SDK}"),
            "sdk-py/integration-requirements.txt",
        );
        let sources = sdk_sources(&interpreter);
        // One suite at a time: its tests have timeouts, and two at once on a small
        // machine would trip them.
        static SUITE: Mutex<()> = Mutex::new(());
        let _one = SUITE.lock().unwrap_or_else(|e| e.into_inner());
        // One interpreter per file: test_client.py's `test_otel_trace_attributes` reloads
        // `langsmith.client`, after which the async client's `create_example` no longer
        // recognises its own "unset" default in the same process.
        let mut out = String::new();
        for file in INTEGRATION_FILES {
            let mut cmd = Command::new(&interpreter);
            cmd.args([
                "-m",
                "pytest",
                "-p",
                "pytest_stand_in",
                "-o",
                "addopts=",
                "-p",
                "no:cacheprovider",
                "-q",
                "-rA",
                "--tb=line",
                "--timeout",
                "30",
                "--timeout-method=signal",
                // Log capture from WARNING up. Several tests assert "no warnings logged"
                // as `caplog.at_level(WARNING)` then `not caplog.records`, but the records
                // also hold those of the whole test before that block: the DEBUG line of
                // the SDK's tracing thread starting ("Tracing control thread func
                // compress parallel called") landed there or not by timing
                // (test_multipart_ingest_empty, test_slow_run_read_multipart,
                // test_multipart_ingest_create_wrong_type). A warning still fails them.
                "-o",
                "log_level=WARNING",
            ])
            .arg(format!("tests/integration_tests/{file}"))
            // Deselected: they hang on a thread join past the timeout (multipart uploads).
            .args(["-k", "not large_multipart"])
            .env("PYTHONPATH", tests_dir().join("sdk-py"));
            // test_runs.py's traced functions post their runs only with tracing on (the
            // SDK's documented switch for `@traceable`). The other files run without it,
            // as they did before: with it, the tracing threads of earlier tests log into
            // test_client.py's `test_multipart_ingest_create_wrong_type`, which counts
            // every record in its window (an SDK race, seen once).
            if file == "test_runs.py" {
                cmd.env("LANGSMITH_TRACING", "true");
            }
            // pytest exits non-zero while tests outside the list fail: the list decides.
            match run_sdk(cmd, &sources, &endpoint, KEY, "") {
                Ok(o) | Err(o) => out.push_str(&o),
            }
        }
        out
    })
    .await
    .unwrap();
    let passed: BTreeSet<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("PASSED tests/integration_tests/"))
        .map(str::trim)
        .filter(|id| {
            id.split_once("::")
                .is_some_and(|(f, _)| INTEGRATION_FILES.contains(&f))
        })
        .collect();
    judge(
        form,
        "sdk-py/integration-expected.txt",
        &expected,
        &passed,
        81,
        &out,
    );
    // The stand-in was used: the suite wrote datasets and examples through it.
    let written = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/datasets") && r.status == 200)
        .count();
    assert!(written > 0, "no dataset was created through the stand-in");
    let traced = server
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && (r.path.ends_with("/runs/batch") || r.path.ends_with("/runs/multipart"))
                && r.status == 202
        })
        .count();
    assert!(traced > 0, "no trace was ingested through the stand-in");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI"]
async fn the_python_sdks_own_integration_tests_at_the_host_root() {
    sdk_integration_suite(Form::HostRoot).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python 3 and network access to PyPI"]
async fn the_python_sdks_own_integration_tests_at_the_self_hosted_form() {
    sdk_integration_suite(Form::SelfHosted).await;
}

/// The committed expectations in `tests/<file>` (the Python and the JS SDK's lists):
/// `(test id, None)` for each test expected to pass, `(test id, Some(reason))` for each
/// known not to.
fn expectations_in(file: &str) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(tests_dir().join(file)).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (verdict, rest) = l.split_once(' ').expect("`PASS id` or `NO id reason`");
            let rest = rest.trim();
            match verdict {
                "PASS" => (rest.to_owned(), None),
                "NO" => {
                    let (id, reason) = rest.split_once(' ').expect("`NO id reason`");
                    (id.to_owned(), Some(reason.trim().to_owned()))
                }
                other => panic!("{file}: unknown verdict {other:?} in {l:?}"),
            }
        })
        .collect()
}

/// Judges an SDK suite's run against its committed list `file`: the list names at least
/// `min` expected passes (as many as it has ever named: the list only grows; raise `min`
/// with it), every one of them passed (else the run's output is shown), and a test passing
/// beyond the list is named (grow the list).
fn judge(
    form: Form,
    file: &str,
    expected: &[(String, Option<String>)],
    passed: &BTreeSet<&str>,
    min: usize,
    out: &str,
) {
    let want: Vec<&str> = expected
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        want.len() >= min,
        "tests/{file} names {} expected passes",
        want.len()
    );
    let missing: Vec<&&str> = want.iter().filter(|id| !passed.contains(**id)).collect();
    assert!(
        missing.is_empty(),
        "{form:?}: expected to pass, did not: {missing:?}\n{out}"
    );
    let beyond: Vec<&&str> = passed.iter().filter(|id| !want.contains(*id)).collect();
    if !beyond.is_empty() {
        eprintln!("{form:?}: now passing beyond tests/{file} (add them): {beyond:?}");
    }
}

// ---------------------------------------------------------------------------------------
// The JS SDK's own integration tests (issue 32)

/// A vitest test's id in `tests/sdk-js/integration-expected.txt`: its describe blocks and
/// title joined by `::`, each space an underscore (the list's ids hold no spaces).
fn js_test_id(ancestors: &[Value], title: &str) -> String {
    ancestors
        .iter()
        .filter_map(Value::as_str)
        .chain([title])
        .collect::<Vec<_>>()
        .join("::")
        .replace(' ', "_")
}

/// A vitest `-t` pattern (matched against "describe title") that leaves out the tests
/// `ids` name.
fn js_deselect_pattern(ids: &[&str]) -> String {
    let alternatives: Vec<String> = ids
        .iter()
        .map(|id| {
            id.replace("::", " ")
                .chars()
                .map(|c| match c {
                    '_' => "[ _]".to_owned(),
                    c if c.is_ascii_alphanumeric() || c == ' ' || c == '-' => c.to_string(),
                    c => format!("\\{c}"),
                })
                .collect()
        })
        .collect();
    format!("^(?!(?:{})$)", alternatives.join("|"))
}

/// Copies the files under `from` into `to` (made if missing).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs the JS SDK's own `client.int.test.ts` (vendored with its helpers under
/// `tests/sdk-js/integration/`, see its README) with vitest against the stand-in: every
/// test the committed list expects to pass must pass, a test that now passes beyond the
/// list is named (grow the list), and the tests the list marks `(deselected)` are not run.
/// The stand-in says the multipart example routes are on: the JS SDK writes examples
/// through no other.
async fn js_sdk_integration_suite(form: Form) {
    let file = "sdk-js/integration-expected.txt";
    let expected = expectations_in(file);
    assert!(
        expected
            .iter()
            .all(|(_, r)| r.as_ref().is_none_or(|r| r.len() > 10)),
        "every test not expected to pass says why"
    );
    let deselected: Vec<&str> = expected
        .iter()
        .filter(|(_, r)| r.as_deref().is_some_and(|r| r.starts_with("(deselected)")))
        .map(|(id, _)| id.as_str())
        .collect();
    let pattern = js_deselect_pattern(&deselected);
    let server = MockServer::builder()
        .api_key(KEY)
        .examples_multipart(true)
        .start()
        .await
        .unwrap();
    let endpoint = form.endpoint(&server);
    let started = Instant::now();
    let (report, out) = tokio::task::spawn_blocking(move || {
        // One suite at a time: they share the copied files, and their tests have
        // timeouts that two at once on a small machine would trip.
        static SUITE: Mutex<()> = Mutex::new(());
        let _one = SUITE.lock().unwrap_or_else(|e| e.into_inner());
        let dir = node_project();
        let _ = std::fs::remove_dir_all(dir.join("integration"));
        copy_tree(
            &tests_dir().join("sdk-js/integration"),
            &dir.join("integration"),
        );
        let report = dir.join("integration-report.json");
        let _ = std::fs::remove_file(&report);
        let mut cmd = Command::new("node");
        cmd.arg(dir.join("node_modules/vitest/vitest.mjs"))
            .args(["run", "--config", "integration/vitest.config.mjs"])
            .arg("--root")
            .arg(&dir)
            .args(["--reporter=default", "--reporter=json"])
            .arg(format!("--outputFile.json={}", report.display()))
            .args(["-t", &pattern])
            // The suite's one test that calls OpenAI returns early (a pass) without it.
            .env_remove("OPENAI_API_KEY")
            .env("NO_COLOR", "1");
        // vitest exits non-zero while tests outside the list fail: the list decides.
        let out = match run_sdk(cmd, &dir, &endpoint, KEY, "") {
            Ok(out) => out,
            Err(e) => e,
        };
        let report = std::fs::read_to_string(&report)
            .unwrap_or_else(|e| panic!("{form:?}: no vitest report ({e}):\n{out}"));
        (report, out)
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_str(&report).unwrap();
    let mut outcomes = BTreeMap::new();
    for file in report["testResults"].as_array().unwrap() {
        for t in file["assertionResults"].as_array().unwrap() {
            let ancestors = t["ancestorTitles"].as_array().unwrap();
            let id = js_test_id(ancestors, t["title"].as_str().unwrap());
            outcomes.insert(id, t["status"].as_str().unwrap().to_owned());
        }
    }
    // The list names every test the file holds, and nothing else.
    let listed: BTreeSet<&str> = expected.iter().map(|(id, _)| id.as_str()).collect();
    let collected: BTreeSet<&str> = outcomes.keys().map(String::as_str).collect();
    assert_eq!(
        listed, collected,
        "{form:?}: tests/{file} and the vendored suite name different tests"
    );
    let passed: BTreeSet<&str> = outcomes
        .iter()
        .filter(|(_, s)| *s == "passed")
        .map(|(id, _)| id.as_str())
        .collect();
    judge(form, file, &expected, &passed, 21, &out);
    assert!(
        deselected.iter().all(|id| outcomes[*id] != "passed"),
        "{form:?}: a deselected test ran"
    );
    eprintln!(
        "{form:?}: {} of {} tests passed in {:.1?}",
        passed.len(),
        outcomes.len(),
        started.elapsed()
    );
    // The stand-in was used: the suite wrote examples through it, in this form's paths.
    let written = server
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.ends_with("/examples")
                && r.path.contains("/platform/datasets/")
                && form.owns(&r.path)
                && r.status == 201
        })
        .count();
    assert!(
        written > 0,
        "no example was written through the stand-in at {form:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Node.js, npm and network access to the npm registry"]
async fn the_js_sdks_own_integration_tests_at_the_host_root() {
    js_sdk_integration_suite(Form::HostRoot).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Node.js, npm and network access to the npm registry"]
async fn the_js_sdks_own_integration_tests_at_the_self_hosted_form() {
    js_sdk_integration_suite(Form::SelfHosted).await;
}
