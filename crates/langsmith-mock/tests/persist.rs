//! The workspace kept in a data directory (`serve --data DIR`, `MockServerBuilder::data_dir`):
//! written through the API, the server stopped, started again on the same directory, and
//! read back, judged by the API's answers and the stand-in's own accessors before and
//! after; a refused write stores nothing; a directory that is not a workspace is refused.

use langsmith_mock::{MockServer, spec};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

const KEY: &str = "lsv2_sk_PERSIST_0a1b2c3d";

async fn call(
    server: &MockServer,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .request(method, format!("{}{path}", server.url()))
        .header("x-api-key", KEY);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `call`, which must answer `want`.
async fn must(server: &MockServer, want: u16, method: Method, path: &str, body: Value) -> Value {
    let body = (!body.is_null()).then_some(body);
    let (s, v) = call(server, method.clone(), path, body.as_ref()).await;
    assert_eq!(s, want, "{method} {path}: {v}");
    v
}

fn now_iso() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    chrono::DateTime::from_timestamp(d.as_secs() as i64, d.subsec_nanos())
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A stand-in on `dir`: the person workspace beside seeded examples (some with
/// attachments), runs deleted an hour after asked, attachments listed an hour after their
/// example's hard delete.
async fn start(dir: &Path) -> std::io::Result<MockServer> {
    MockServer::builder()
        .api_key(KEY)
        .person_workspace()
        .dataset("seeded")
        .examples(8)
        .attachments_every(2)
        .source_runs_every(3)
        .run_delete_delay(Duration::from_secs(3600))
        .attachment_delay(Duration::from_secs(3600))
        .data_dir(dir)
        .start()
        .await
}

/// Everything the API answers and the stand-in records that a restart must keep.
async fn snapshot(server: &MockServer, datasets: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |name: &str, v: String| out.push((name.to_owned(), v));
    for path in [
        "/api/v1/datasets",
        "/api/v1/sessions",
        "/api/v1/feedback",
        "/api/v1/workspaces/current/shared",
        "/api/v1/runs/rules",
        "/api/v1/bulk-exports",
    ] {
        let (s, v) = call(server, Method::GET, path, None).await;
        put(path, format!("{s} {v}"));
    }
    for name in datasets {
        let id = server.dataset_id(name).unwrap();
        let path = format!("/api/v1/examples?dataset={id}&limit=100");
        let (s, v) = call(server, Method::GET, &path, None).await;
        put(&path, format!("{s} {v}"));
    }
    for s in server.sessions() {
        let body = json!({"session": [s.id], "limit": 100});
        let (st, v) = call(server, Method::POST, "/api/v1/runs/query", Some(&body)).await;
        put(&format!("runs of {}", s.id), format!("{st} {v}"));
    }
    put("seeded_ids", format!("{:?}", server.seeded_ids()));
    put("hard_deleted", format!("{:?}", server.hard_deleted_ids()));
    let examples: Vec<_> = server
        .seeded_ids()
        .iter()
        .map(|id| server.example(id))
        .collect();
    put("examples", format!("{examples:?}"));
    put("runs", format!("{:?}", server.runs()));
    put("sessions", format!("{:?}", server.sessions()));
    put("feedback", format!("{:?}", server.feedback()));
    put("shared_runs", format!("{:?}", server.shared_runs()));
    put("shared_datasets", format!("{:?}", server.shared_datasets()));
    put("rules", format!("{:?}", server.run_rules()));
    put("exports", format!("{:?}", server.bulk_exports()));
    put("person_copies", format!("{:?}", server.person_copies()));
    put("person_left", format!("{:?}", server.person_left()));
    put("deleted_traces", format!("{:?}", server.deleted_traces()));
    put(
        "attachments",
        format!("{:?}", server.ids_with_attachments()),
    );
    put("source_runs", format!("{:?}", server.source_runs()));
    put(
        "attachment_queue",
        server.attachment_queue_len().to_string(),
    );
    put("key", server.api_key().to_owned());
    put("workspace", server.workspace_id().to_string());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_written_is_served_the_same_after_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let server = start(&dir).await.unwrap();
    assert!(!server.restored(), "a new directory is seeded");
    assert!(dir.join(langsmith_mock::persist::DB_FILE).is_file());
    let seeded_person = server.person_copies();

    // Datasets and examples: created, bulk-created, updated (a second version), soft-
    // and hard-deleted; one uploaded with an attachment file.
    let ds = must(
        &server,
        200,
        Method::POST,
        "/datasets",
        json!({"name": "mine", "description": "d"}),
    )
    .await;
    let ds_id = ds["id"].as_str().unwrap().to_owned();
    let ids = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    must(
        &server,
        200,
        Method::POST,
        "/examples/bulk",
        json!([
            {"id": ids[0], "dataset_id": ds_id, "inputs": {"email": "someone@example.com"}, "outputs": {"a": 1}},
            {"id": ids[1], "dataset_id": ds_id, "inputs": {"q": "two"}},
            {"id": ids[2], "dataset_id": ds_id, "inputs": {"q": "three"}},
        ]),
    )
    .await;
    must(
        &server,
        200,
        Method::PATCH,
        &format!("/examples/{}", ids[1]),
        json!({"inputs": {"q": "changed"}}),
    )
    .await;
    must(
        &server,
        200,
        Method::DELETE,
        &format!("/examples/{}", ids[2]),
        Value::Null,
    )
    .await;
    let upload = Uuid::new_v4();
    let form = format!(
        "--b0\r\nContent-Disposition: form-data; name=\"{upload}\"\r\nContent-Type: application/json\r\n\r\n{{}}\r\n\
         --b0\r\nContent-Disposition: form-data; name=\"{upload}.inputs\"\r\nContent-Type: application/json\r\n\r\n{{\"q\": 4}}\r\n\
         --b0\r\nContent-Disposition: form-data; name=\"{upload}.attachment.scan.png\"\r\nContent-Type: image/png; length=4\r\n\r\nPNG!\r\n--b0--\r\n"
    );
    let r = reqwest::Client::new()
        .post(format!(
            "{}/v1/platform/datasets/{ds_id}/examples",
            server.url()
        ))
        .header("x-api-key", KEY)
        .header("content-type", "multipart/form-data; boundary=b0")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    // Hard deletes: a written example and a seeded one with an attachment (listed for an
    // hour more: a wall-clock deadline that must survive the restart).
    let seeded_with_file = server.ids_with_attachments()[0];
    must(
        &server,
        200,
        Method::POST,
        &spec::hard_delete().path,
        json!({"example_ids": [ids[0], seeded_with_file], "hard_delete": true}),
    )
    .await;

    // Sessions, runs, feedback, share links, and a trace deletion queued for an hour.
    let session = must(
        &server,
        200,
        Method::POST,
        "/sessions",
        json!({"name": "app", "reference_dataset_id": ds_id}),
    )
    .await;
    let session_id = session["id"].as_str().unwrap().to_owned();
    let (root, child, gone) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let t = now_iso();
    let post = |id: Uuid, trace: Uuid, parent: Option<Uuid>| {
        let mut run = json!({"id": id, "trace_id": trace, "name": "app", "run_type": "chain",
               "dotted_order": format!("20260101T000000000000Z{id}"),
               "inputs": {"q": id.to_string()}, "start_time": t, "session_name": "app", "reference_example_id": ids[1]});
        if let Some(p) = parent {
            run["parent_run_id"] = json!(p);
            run["dotted_order"] = json!(format!(
                "20260101T000000000000Z{trace}.20260101T000000000001Z{id}"
            ));
        }
        run
    };
    must(
        &server,
        202,
        Method::POST,
        "/runs/batch",
        json!({"post": [post(root, root, None), post(child, root, Some(root)), post(gone, gone, None)]}),
    )
    .await;
    must(
        &server,
        202,
        Method::PATCH,
        &format!("/runs/{root}"),
        json!({"end_time": t, "outputs": {"answer": "ok"}}),
    )
    .await;
    must(
        &server,
        200,
        Method::POST,
        "/feedback",
        json!({"run_id": root, "key": "k", "score": 1, "comment": "fine"}),
    )
    .await;
    must(
        &server,
        200,
        Method::PUT,
        &format!("/runs/{root}/share"),
        Value::Null,
    )
    .await;
    must(
        &server,
        200,
        Method::PUT,
        &format!("/datasets/{ds_id}/share"),
        Value::Null,
    )
    .await;
    must(
        &server,
        202,
        Method::POST,
        "/api/v1/runs/delete",
        json!({"session_id": session_id, "trace_ids": [gone]}),
    )
    .await;
    assert!(
        server.runs().iter().any(|r| r.id == gone),
        "queued for an hour"
    );

    let file_url = {
        let (_, v) = call(
            &server,
            Method::GET,
            &format!("/api/v1/examples/{upload}"),
            None,
        )
        .await;
        v["attachment_urls"]["attachment.scan.png"]["presigned_url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let datasets = ["mine", "seeded"];
    let before = snapshot(&server, &datasets).await;
    server.shutdown().await;

    let server = start(&dir).await.unwrap();
    assert!(
        server.restored(),
        "the stored workspace is loaded, not seeded again"
    );
    let after = snapshot(&server, &datasets).await;
    for ((name, b), (_, a)) in before.iter().zip(&after) {
        assert_eq!(a, b, "{name} differs after the restart");
    }
    assert_eq!(before.len(), after.len());
    assert_eq!(server.person_copies(), seeded_person);
    // The attachment file is served from the store; an `as_of` read finds the first version.
    let r = reqwest::get(format!("{}{file_url}", server.url()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"PNG!");
    let e = server.example(&ids[1]).unwrap();
    assert_eq!(e.versions.len(), 2);
    assert_eq!(e.versions[0].inputs.as_deref(), Some(&json!({"q": "two"})));
    // Writing goes on where it stopped, and is kept again.
    must(
        &server,
        200,
        Method::POST,
        "/datasets",
        json!({"name": "after"}),
    )
    .await;
    server.shutdown().await;
    let server = start(&dir).await.unwrap();
    assert!(server.dataset_id("after").is_some());
    assert!(server.dataset_id("mine").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_deletion_is_due_by_the_wall_clock_across_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let start = |delay: u64| {
        let dir = dir.clone();
        async move {
            MockServer::builder()
                .api_key(KEY)
                .person_workspace()
                .run_delete_delay(Duration::from_secs(delay))
                .data_dir(dir)
                .start()
                .await
                .unwrap()
        }
    };
    let server = start(2).await;
    let run = server.runs().into_iter().find(|r| r.is_root()).unwrap();
    must(
        &server,
        202,
        Method::POST,
        "/api/v1/runs/delete",
        json!({"session_id": run.session_id, "trace_ids": [run.trace_id]}),
    )
    .await;
    server.shutdown().await;
    // Restarted at once (with another delay, which applies to later deletions only): still
    // queued; two seconds after it was asked, carried out, though no process ran then.
    let server = start(0).await;
    assert!(
        server.runs().iter().any(|r| r.trace_id == run.trace_id),
        "not due yet"
    );
    server.shutdown().await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let server = start(0).await;
    assert!(
        !server.runs().iter().any(|r| r.trace_id == run.trace_id),
        "due while stopped"
    );
    assert_eq!(
        server.deleted_traces(),
        vec![(run.session_id, run.trace_id)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_write_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let server = MockServer::builder()
        .api_key(KEY)
        .examples(3)
        .data_dir(&dir)
        .start()
        .await
        .unwrap();
    must(
        &server,
        200,
        Method::POST,
        "/datasets",
        json!({"name": "taken"}),
    )
    .await;
    let file = dir.join(langsmith_mock::persist::DB_FILE);
    let stored = std::fs::read(&file).unwrap();
    let before = snapshot(&server, &["taken"]).await;
    let ds = server.dataset_id("taken").unwrap();
    // A duplicate name, a body breaking the schema, an unknown dataset, a hard delete of
    // an unknown id, a runs delete of too little: each refused.
    must(
        &server,
        409,
        Method::POST,
        "/datasets",
        json!({"name": "taken"}),
    )
    .await;
    must(
        &server,
        422,
        Method::POST,
        "/examples",
        json!({"dataset_id": ds, "inputs": "text"}),
    )
    .await;
    must(
        &server,
        404,
        Method::POST,
        "/examples/bulk",
        json!([{"dataset_id": ds, "inputs": {}}, {"dataset_id": Uuid::new_v4(), "inputs": {}}]),
    )
    .await;
    let known = server.seeded_ids()[0];
    must(
        &server,
        404,
        Method::POST,
        &spec::hard_delete().path,
        json!({"example_ids": [known, Uuid::new_v4()], "hard_delete": true}),
    )
    .await;
    must(
        &server,
        422,
        Method::POST,
        "/api/v1/runs/delete",
        json!({"session_id": Uuid::new_v4(), "trace_ids": []}),
    )
    .await;
    // No transaction was committed: the file is as it was.
    assert_eq!(
        std::fs::read(&file).unwrap(),
        stored,
        "a refused write wrote to the store"
    );
    server.shutdown().await;
    let server = MockServer::builder()
        .api_key(KEY)
        .data_dir(&dir)
        .start()
        .await
        .unwrap();
    assert!(server.restored());
    assert_eq!(snapshot(&server, &["taken"]).await, before);
    assert_eq!(server.hard_delete_count(&known), 0);
}

fn refused(e: std::io::Error, says: &str) {
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
    assert!(e.to_string().contains(says), "{e:?} should say {says:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_that_is_not_a_workspace_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let open = |dir: std::path::PathBuf| async move {
        MockServer::builder()
            .examples(1)
            .data_dir(dir)
            .start()
            .await
    };
    // Someone else's files: left alone, refused.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    refused(
        open(foreign.clone()).await.unwrap_err(),
        "not a langsmith-mock data directory",
    );
    assert_eq!(
        std::fs::read_dir(&foreign).unwrap().count(),
        1,
        "nothing added"
    );
    // A file, not a directory.
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    refused(open(file).await.unwrap_err(), "is not a directory");
    // A database file that is no redb database at all.
    let corrupt = tmp.path().join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(
        corrupt.join(langsmith_mock::persist::DB_FILE),
        vec![0x42; 8192],
    )
    .unwrap();
    refused(
        open(corrupt).await.unwrap_err(),
        langsmith_mock::persist::DB_FILE,
    );
    // A redb database of another program.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    {
        let db = redb::Database::create(other.join(langsmith_mock::persist::DB_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&str, &str> = redb::TableDefinition::new("settings");
            txn.open_table(def)
                .unwrap()
                .insert("theme", "dark")
                .unwrap();
        }
        txn.commit().unwrap();
    }
    refused(
        open(other).await.unwrap_err(),
        "not a langsmith-mock workspace",
    );
    // A workspace whose file was damaged after it was written.
    let damaged = tmp.path().join("damaged");
    drop(open(damaged.clone()).await.unwrap());
    let path = damaged.join(langsmith_mock::persist::DB_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[..512].fill(0);
    std::fs::write(&path, bytes).unwrap();
    refused(
        open(damaged).await.unwrap_err(),
        langsmith_mock::persist::DB_FILE,
    );
    // One stand-in at a time per directory.
    let busy = tmp.path().join("busy");
    let first = open(busy.clone()).await.unwrap();
    refused(
        open(busy.clone()).await.unwrap_err(),
        "in use by another process",
    );
    drop(first);
    assert!(open(busy).await.unwrap().restored());
}

/// `serve --data DIR`, killed once it has said its address: the lines it printed.
fn serve_until_listening(args: &[&str]) -> Vec<String> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_langsmith-mock"))
        .arg("serve")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("workspace restored") || line.contains("hold the marker");
        lines.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    lines
}

#[test]
fn serve_restores_its_data_directory_and_refuses_seeding_flags_that_contradict_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let dir_s = dir.to_str().unwrap();
    let first = serve_until_listening(&["--data", dir_s, "--seed", "3", "--api-key", KEY]);
    assert!(
        first.iter().any(|l| l.starts_with("3 example(s) seeded")),
        "{first:?}"
    );
    // Seeding flags, or a key the stored workspace lacks: refused, naming them.
    for (flags, says) in [
        (vec!["--seed", "3"], "--seed"),
        (vec!["--person"], "--person"),
        (vec!["--api-key", "lsv2_other"], "--api-key lsv2_other"),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_langsmith-mock"))
            .args(["serve", "--data", dir_s])
            .args(&flags)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("holds a workspace already") && err.contains(says),
            "{err}"
        );
    }
    let again = serve_until_listening(&["--data", dir_s, "--api-key", KEY]);
    assert!(
        again
            .iter()
            .any(|l| l.starts_with("workspace restored") && l.contains("3 example(s)")),
        "{again:?}"
    );
}
