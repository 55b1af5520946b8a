//! The writes (issue 32) in raw HTTP. Expected values come from the spec (read at test
//! time: request and response schemas validated with `jsonschema`) and from the stand-in's
//! own record (`example()`, `runs()`, `sessions()`, `requests()`), never from the write
//! code.

use langsmith_mock::{MockServer, spec};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

async fn call(
    server: &MockServer,
    method: Method,
    path: &str,
    body: Option<&Value>,
    key: Option<&str>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new().request(method, format!("{}{path}", server.url()));
    if let Some(k) = key {
        r = r.header("x-api-key", k);
    }
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn ok(server: &MockServer, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    call(server, method, path, body, Some(server.api_key())).await
}

/// Asserts `body` is what the spec documents for `status` of `method path`.
fn conforms(path: &str, method: &str, status: u16, body: &Value) {
    let doc = spec::document();
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{status} is not a documented status of {method} {path}"
    );
    let schema = &response["content"]["application/json"]["schema"];
    let v = spec::validate(&spec::inline(doc, schema), body);
    assert!(v.is_empty(), "{method} {path} {status} {body}: {v:?}");
}

/// Asserts `body` is the spec's `HTTPValidationError` (FastAPI's 422), for a route whose
/// operation lists no 422 of its own.
fn validation_error(body: &Value) {
    let doc = spec::document();
    let schema = json!({"$ref": "#/components/schemas/HTTPValidationError"});
    let v = spec::validate(&spec::inline(doc, &schema), body);
    assert!(v.is_empty(), "{body}: {v:?}");
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn now_iso() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    chrono::DateTime::from_timestamp(d.as_secs() as i64, d.subsec_nanos())
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[tokio::test]
async fn datasets_and_examples_written_are_what_the_reads_answer() {
    let server = MockServer::builder().examples(3).start().await.unwrap();
    let (s, ds) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "mine", "description": "d", "extra": {"metadata": {"team": "a"}}})),
    )
    .await;
    assert_eq!(s, 200, "{ds}");
    conforms("/api/v1/datasets", "post", s, &ds);
    let ds_id = Uuid::parse_str(ds["id"].as_str().unwrap()).unwrap();
    assert_eq!(server.dataset_id("mine"), Some(ds_id));
    // A duplicate name: 409, and still one dataset of that name.
    let (s, e) = ok(
        &server,
        Method::POST,
        "/api/v1/datasets",
        Some(&json!({"name": "mine"})),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    let (_, list) = ok(&server, Method::GET, "/datasets?name=mine", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // The spec's data types are kept and filtered on; a field the stand-in cannot keep is
    // refused by name, and nothing is created.
    let (s, chat) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "chats", "data_type": "chat"})),
    )
    .await;
    assert_eq!(s, 200, "{chat}");
    assert_eq!(chat["data_type"], "chat");
    let (_, list) = ok(&server, Method::GET, "/datasets?data_type=chat", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], chat["id"]);
    let (s, e) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "schema", "transformations": [{"path": ["inputs"], "transformation_type": "remove_system_messages"}]})),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("transformations"),
        "{e}"
    );
    assert_eq!(server.dataset_id("schema"), None);

    let person = "jane.doe@example.com";
    let ids = [Uuid::new_v4(), Uuid::new_v4()];
    let bulk = json!([
        {"id": ids[0], "dataset_id": ds_id, "inputs": {"q": "hi", "email": person}, "outputs": {"a": 1}, "split": "train", "sdk_only_field": 1},
        {"id": ids[1], "dataset_id": ds_id, "inputs": {"q": "other"}},
    ]);
    let (s, made) = ok(&server, Method::POST, "/examples/bulk", Some(&bulk)).await;
    assert_eq!(s, 200, "{made}");
    conforms("/api/v1/examples/bulk", "post", s, &made);
    let last = server.requests().pop().unwrap();
    assert_eq!(last.ignored_params, vec!["sdk_only_field".to_owned()]);
    // The stand-in's record holds what was sent.
    let e = server.example(&ids[0]).unwrap();
    assert_eq!(e.dataset_id, ds_id);
    assert_eq!(
        e.versions.last().unwrap().inputs.as_deref(),
        Some(&json!({"q": "hi", "email": person}))
    );
    // The listing and the full-text search find them; the count agrees with the dataset's.
    let (_, listed) = ok(
        &server,
        Method::GET,
        &format!("/examples?dataset={ds_id}"),
        None,
    )
    .await;
    let mut got: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    got.sort_unstable();
    let mut want: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    want.sort_unstable();
    assert_eq!(got, want);
    let (_, found) = ok(
        &server,
        Method::GET,
        &format!("/examples?dataset={ds_id}&full_text_contains=jane.doe%40example.com"),
        None,
    )
    .await;
    assert_eq!(found[0]["id"], ids[0].to_string());
    assert_eq!(found.as_array().unwrap().len(), 1);

    // A bad write changes nothing: inputs must be an object (422 naming it), an unknown
    // dataset is a 404, a repeated id a 409.
    let before = server.seeded_ids();
    let (s, e) = ok(
        &server,
        Method::POST,
        "/examples",
        Some(&json!({"dataset_id": ds_id, "inputs": "text"})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    conforms("/api/v1/examples/{example_id}", "get", 422, &e);
    assert_eq!(e["detail"][0]["loc"], json!(["body", "inputs"]));
    let (s, _) = ok(
        &server,
        Method::POST,
        "/examples/bulk",
        Some(&json!([{"dataset_id": ds_id, "inputs": {}}, {"dataset_id": Uuid::new_v4(), "inputs": {}}])),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = ok(
        &server,
        Method::POST,
        "/examples",
        Some(&json!({"id": ids[1], "dataset_id": ds_id, "inputs": {}})),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(server.seeded_ids(), before, "a refused write wrote nothing");

    // An update makes a version: `as_of` before it reads the old one.
    // (Versions are timed to the microsecond: no need to wait for the next second.)
    let before_update = now_iso();
    let (s, up) = ok(
        &server,
        Method::PATCH,
        &format!("/examples/{}", ids[1]),
        Some(&json!({"inputs": {"q": "changed"}})),
    )
    .await;
    assert_eq!(s, 200, "{up}");
    assert_eq!(server.example(&ids[1]).unwrap().versions.len(), 2);
    let (_, old) = ok(
        &server,
        Method::GET,
        &format!(
            "/examples/{}?as_of={}",
            ids[1],
            before_update.replace('+', "%2B")
        ),
        None,
    )
    .await;
    assert_eq!(old["inputs"], json!({"q": "other"}));

    // A bulk update is all-or-nothing: one unknown id and no example changes.
    let versions = |id: &Uuid| server.example(id).unwrap().versions.len();
    let before = (versions(&ids[0]), versions(&ids[1]));
    let (s, e) = ok(
        &server,
        Method::PATCH,
        "/examples/bulk",
        Some(&json!([{"id": ids[0], "outputs": {"a": 2}}, {"id": Uuid::new_v4(), "outputs": {}}])),
    )
    .await;
    assert_eq!(s, 404, "{e}");
    assert_eq!((versions(&ids[0]), versions(&ids[1])), before);
    let (s, body) = ok(
        &server,
        Method::PATCH,
        "/api/v1/examples/bulk",
        Some(&json!([{"id": ids[0], "outputs": {"a": 2}}, {"id": ids[1], "split": ["test"]}])),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    conforms("/api/v1/examples/bulk", "patch", s, &body);
    assert_eq!(
        (versions(&ids[0]), versions(&ids[1])),
        (before.0 + 1, before.1 + 1)
    );
    let e1 = server.example(&ids[1]).unwrap();
    let last = e1.versions.last().unwrap();
    assert_eq!(
        last.metadata.as_deref().unwrap()["dataset_split"],
        json!(["test"])
    );
    assert_eq!(
        last.inputs.as_deref(),
        Some(&json!({"q": "changed"})),
        "inputs kept"
    );
    assert_eq!(
        server
            .example(&ids[0])
            .unwrap()
            .versions
            .last()
            .unwrap()
            .outputs
            .as_deref(),
        Some(&json!({"a": 2}))
    );

    // Soft delete by list: gone from the listing, the content kept in the record.
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/examples?example_ids={}", ids[1]),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = ok(&server, Method::GET, &format!("/examples/{}", ids[1]), None).await;
    assert_eq!(s, 404);
    assert!(!server.example(&ids[1]).unwrap().is_hard_deleted());
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/examples/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(s, 404, "a soft-deleted example is not found again");

    // The hard delete nulls every version of a written example.
    let (s, body) = ok(
        &server,
        Method::POST,
        "/v1/platform/datasets/examples/delete",
        Some(&json!({"example_ids": [ids[0], ids[1]], "hard_delete": true})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    for id in ids {
        assert!(server.example(&id).unwrap().is_hard_deleted(), "{id}");
    }

    // Deleting the dataset takes its examples from every read.
    let (s, _) = ok(&server, Method::DELETE, &format!("/datasets/{ds_id}"), None).await;
    assert_eq!(s, 200);
    let (s, _) = ok(&server, Method::GET, &format!("/datasets/{ds_id}"), None).await;
    assert_eq!(s, 404);
    assert_eq!(server.dataset_id("mine"), None);
}

/// Example versions are timed to the microsecond, as LangSmith's `modified_at` is: a
/// version made within the same second as another is told apart by `as_of`, and the
/// dataset's version diff names what was added and modified between two of them.
#[tokio::test]
async fn versions_made_within_a_second_are_told_apart_and_diffed() {
    let server = MockServer::builder().examples(0).start().await.unwrap();
    let (s, ds) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "versions"})),
    )
    .await;
    assert_eq!(s, 200, "{ds}");
    let ds_id = ds["id"].as_str().unwrap().to_owned();
    // Two examples made a tenth of a second apart, within one second.
    let made =
        |q: &str, at: &str| json!({"dataset_id": ds_id, "inputs": {"q": q}, "created_at": at});
    let (s, first) = ok(
        &server,
        Method::POST,
        "/examples",
        Some(&made("one", "2026-03-01T10:00:00.100000Z")),
    )
    .await;
    assert_eq!(s, 200, "{first}");
    let first_id = first["id"].as_str().unwrap().to_owned();
    let first_version = first["modified_at"].as_str().unwrap().to_owned();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&first_version).unwrap(),
        chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00.100Z").unwrap(),
        "modified_at keeps the fraction of a second"
    );
    let (_, second) = ok(
        &server,
        Method::POST,
        "/examples",
        Some(&made("two", "2026-03-01T10:00:00.200000Z")),
    )
    .await;
    let second_id = second["id"].as_str().unwrap().to_owned();
    let (s, _) = ok(
        &server,
        Method::PATCH,
        &format!("/examples/{first_id}"),
        Some(&json!({"inputs": {"q": "one"}})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        server
            .example(&first_id.parse().unwrap())
            .unwrap()
            .versions
            .len(),
        2,
        "the stand-in's record: an update made a version"
    );

    let (s, then) = ok(
        &server,
        Method::GET,
        &format!("/examples?dataset={ds_id}&as_of=2026-03-01T10:00:00.150000Z"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{then}");
    let ids: Vec<&str> = then
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first_id.as_str()], "as of between the two");

    let diff_path = "/api/v1/datasets/{dataset_id}/versions/diff";
    let (s, diff) = ok(
        &server,
        Method::GET,
        &format!("/datasets/{ds_id}/versions/diff?from_version={first_version}&to_version=latest"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{diff}");
    conforms(diff_path, "get", s, &diff);
    assert_eq!(diff["examples_added"], json!([second_id]));
    assert_eq!(diff["examples_modified"], json!([first_id]));
    assert_eq!(diff["examples_removed"], json!([]));
    // The other way round, and from `latest` to `latest`: nothing.
    let (_, back) = ok(
        &server,
        Method::GET,
        &format!("/datasets/{ds_id}/versions/diff?from_version=latest&to_version={first_version}"),
        None,
    )
    .await;
    assert_eq!(back["examples_removed"], json!([second_id]));
    let (_, same) = ok(
        &server,
        Method::GET,
        &format!("/datasets/{ds_id}/versions/diff?from_version=latest&to_version=latest"),
        None,
    )
    .await;
    assert_eq!(
        same,
        json!({"examples_added": [], "examples_modified": [], "examples_removed": []})
    );
    // Soft-deleted since: removed from a version before the delete to the latest.
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/examples/{second_id}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (_, gone) = ok(
        &server,
        Method::GET,
        &format!(
            "/datasets/{ds_id}/versions/diff?from_version=2026-03-01T10:00:00.250000Z&to_version=latest"
        ),
        None,
    )
    .await;
    assert_eq!(gone["examples_removed"], json!([second_id]));
    assert_eq!(gone["examples_modified"], json!([first_id]));
    assert_eq!(gone["examples_added"], json!([]));
    // A required version missing: FastAPI's 422 naming it; a tag: 400; another
    // workspace's or unknown dataset: 404.
    let (s, e) = ok(
        &server,
        Method::GET,
        &format!("/datasets/{ds_id}/versions/diff?from_version=latest"),
        None,
    )
    .await;
    assert_eq!(s, 422, "{e}");
    conforms(diff_path, "get", s, &e);
    assert_eq!(e["detail"][0]["loc"], json!(["query", "to_version"]));
    let (s, _) = ok(
        &server,
        Method::GET,
        &format!("/datasets/{ds_id}/versions/diff?from_version=prod&to_version=latest"),
        None,
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = ok(
        &server,
        Method::GET,
        &format!(
            "/datasets/{}/versions/diff?from_version=latest&to_version=latest",
            Uuid::new_v4()
        ),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn runs_ingested_with_a_reference_are_found_by_both_runs_queries() {
    let server = MockServer::builder().start().await.unwrap();
    let (_, ds) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "d"})),
    )
    .await;
    let ds_id = ds["id"].as_str().unwrap().to_owned();
    let example = Uuid::new_v4();
    let (s, _) = ok(
        &server,
        Method::POST,
        "/api/v1/examples",
        Some(&json!({"id": example, "dataset_id": ds_id, "inputs": {"email": "jane.doe@example.com"}})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, session) = ok(
        &server,
        Method::POST,
        "/sessions",
        Some(&json!({"name": "experiment-1", "reference_dataset_id": ds_id})),
    )
    .await;
    assert_eq!(s, 200, "{session}");
    conforms("/api/v1/sessions", "post", s, &session);
    let (s, _) = ok(
        &server,
        Method::POST,
        "/sessions",
        Some(&json!({"name": "experiment-1"})),
    )
    .await;
    assert_eq!(s, 409);
    let session_id = session["id"].as_str().unwrap().to_owned();
    let (s, read) = ok(
        &server,
        Method::GET,
        &format!("/sessions/{session_id}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    conforms("/api/v1/sessions/{session_id}", "get", s, &read);
    // Listed by metadata: the sessions whose `extra.metadata` holds every given pair.
    for (name, metadata) in [
        ("tagged-a", json!({"team": "a", "env": "prod"})),
        ("tagged-b", json!({"team": "b", "env": "prod"})),
    ] {
        let (s, _) = ok(
            &server,
            Method::POST,
            "/sessions",
            Some(&json!({"name": name, "extra": {"metadata": metadata}})),
        )
        .await;
        assert_eq!(s, 200);
    }
    let names = |listed: &Value| -> Vec<String> {
        let mut n: Vec<String> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    let by = |m: &str| format!("/sessions?metadata={}", urlencode(m));
    let (s, listed) = ok(&server, Method::GET, &by(r#"{"team": "a"}"#), None).await;
    assert_eq!(s, 200, "{listed}");
    conforms("/api/v1/sessions", "get", s, &listed);
    assert_eq!(names(&listed), ["tagged-a"]);
    let (_, listed) = ok(&server, Method::GET, &by(r#"{"env": "prod"}"#), None).await;
    assert_eq!(names(&listed), ["tagged-a", "tagged-b"]);
    let (_, listed) = ok(
        &server,
        Method::GET,
        &by(r#"{"env": "prod", "team": "c"}"#),
        None,
    )
    .await;
    assert_eq!(names(&listed), Vec::<String>::new());
    let (s, e) = ok(&server, Method::GET, &by("not json"), None).await;
    assert_eq!(s, 400, "{e}");

    let (root, child) = (Uuid::new_v4(), Uuid::new_v4());
    let t = now_iso();
    let batch = json!({
        "post": [
            {"id": root, "trace_id": root, "dotted_order": format!("20260101T000000000000Z{root}"), "name": "app", "run_type": "chain",
             "inputs": {"email": "jane.doe@example.com"}, "start_time": t, "session_name": "experiment-1", "reference_example_id": example},
            {"id": child, "trace_id": root, "parent_run_id": root, "dotted_order": format!("20260101T000000000000Z{root}.20260101T000000000001Z{child}"),
             "name": "llm", "run_type": "llm", "inputs": {"prompt": "x"}, "start_time": t, "session_name": "experiment-1"}
        ],
        "patch": [{"id": child, "end_time": t, "outputs": {"y": 1}}]
    });
    let (s, body) = ok(&server, Method::POST, "/runs/batch", Some(&batch)).await;
    assert_eq!(s, 202, "{body}");
    conforms("/runs/batch", "post", s, &body);
    let (s, body) = ok(
        &server,
        Method::PATCH,
        &format!("/api/v1/runs/{root}"),
        Some(&json!({"end_time": t, "outputs": {"answer": "ok"}})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    // The record: both runs in the session, the root referencing the example.
    let runs = server.runs();
    let r = runs.iter().find(|r| r.id == root).unwrap();
    assert_eq!(r.session_id.to_string(), session_id);
    assert_eq!(r.reference_example_id, Some(example));
    assert!(r.end_time.is_some());
    assert_eq!(runs.iter().filter(|r| r.trace_id == root).count(), 2);

    // v2 by dataset and v1 by reference find exactly the root.
    let (s, v2) = ok(
        &server,
        Method::POST,
        "/api/v2/runs/query",
        Some(&json!({"reference_dataset_id": ds_id, "reference_examples": [example], "selects": ["REFERENCE_EXAMPLE_ID"]})),
    )
    .await;
    assert_eq!(s, 200, "{v2}");
    assert_eq!(v2["items"].as_array().unwrap().len(), 1, "{v2}");
    assert_eq!(v2["items"][0]["id"], root.to_string());
    let (s, v1) = ok(
        &server,
        Method::POST,
        "/api/v1/runs/query",
        Some(&json!({"reference_example": [example]})),
    )
    .await;
    assert_eq!(s, 200, "{v1}");
    assert_eq!(v1["runs"].as_array().unwrap().len(), 1);
    let (s, one) = ok(&server, Method::GET, &format!("/runs/{root}"), None).await;
    assert_eq!(s, 200);
    conforms("/api/v1/runs/{run_id}", "get", s, &one);

    // `GET /api/v2/runs/{id}` (what `read_run` calls on the new run store): the run with
    // the selected properties, in the spec's shapes.
    let v2_path = "/v2/runs/{run_id}";
    let t_q = t.replace(':', "%3A");
    let (s, one) = ok(
        &server,
        Method::GET,
        &format!("/api/v2/runs/{root}?project_id={session_id}&start_time={t_q}&selects=REFERENCE_EXAMPLE_ID&selects=INPUTS"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{one}");
    conforms(v2_path, "get", s, &one);
    assert_eq!(one["reference_example_id"], example.to_string());
    assert_eq!(one["inputs"]["email"], "jane.doe@example.com");
    let (s, e) = ok(
        &server,
        Method::GET,
        &format!("/api/v2/runs/{root}?start_time={t_q}"),
        None,
    )
    .await;
    assert_eq!(s, 400, "project_id is required: {e}");
    conforms(v2_path, "get", s, &e);
    let (s, e) = ok(
        &server,
        Method::GET,
        &format!(
            "/api/v2/runs/{root}?project_id={}&start_time={t_q}",
            Uuid::new_v4()
        ),
        None,
    )
    .await;
    assert_eq!(s, 404, "{e}");
    conforms(v2_path, "get", s, &e);
    let (s, e) = call(
        &server,
        Method::GET,
        &format!("/api/v2/runs/{root}"),
        None,
        Some("wrong"),
    )
    .await;
    assert_eq!(s, 401);
    conforms(v2_path, "get", s, &e);

    // A malformed run changes nothing: the whole batch is refused.
    let before = server.runs().len();
    let bad = json!({"post": [{"id": Uuid::new_v4(), "name": "ok", "run_type": "chain", "start_time": t},
                              {"id": Uuid::new_v4(), "name": 5}]});
    let (s, e) = ok(&server, Method::POST, "/runs/batch", Some(&bad)).await;
    assert_eq!(s, 422, "{e}");
    conforms("/runs/batch", "post", s, &e);
    assert_eq!(server.runs().len(), before);

    // Deleting the session deletes its runs.
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/sessions/{session_id}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(server.runs().iter().all(|r| r.trace_id != root));
}

#[tokio::test]
async fn every_route_checks_the_key_first_and_answers_json() {
    let server = MockServer::builder().start().await.unwrap();
    for (method, path) in [
        (Method::POST, "/datasets"),
        (Method::POST, "/runs/batch"),
        (Method::GET, "/no/such/route"),
        (Method::PUT, "/examples"),
    ] {
        let (s, body) = call(&server, method.clone(), path, Some(&json!({})), None).await;
        assert_eq!(s, 401, "{method} {path}: {body}");
        assert!(body.is_object(), "{method} {path}: JSON error");
    }
    let (s, body) = ok(&server, Method::GET, "/no/such/route", None).await;
    assert_eq!((s, body), (404, json!({"detail": "Not Found"})));
    let (s, body) = ok(&server, Method::PUT, "/examples", None).await;
    assert_eq!((s, body), (405, json!({"detail": "Method Not Allowed"})));
}

#[tokio::test]
async fn feedback_and_share_links_are_written_listed_revoked_and_go_with_their_trace() {
    let server = MockServer::builder().start().await.unwrap();
    let (root, other) = (Uuid::new_v4(), Uuid::new_v4());
    let t = now_iso();
    let post = |id: Uuid| {
        json!({"id": id, "trace_id": id, "dotted_order": format!("20260101T000000000000Z{id}"), "name": "app",
               "run_type": "chain", "inputs": {}, "start_time": t, "session_name": "proj"})
    };
    let (s, _) = ok(
        &server,
        Method::POST,
        "/runs/batch",
        Some(&json!({"post": [post(root), post(other)]})),
    )
    .await;
    assert_eq!(s, 202);

    // Feedback: written, read, listed by run and by comment, deleted.
    let (s, fb) = ok(
        &server,
        Method::POST,
        "/feedback",
        Some(&json!({"run_id": root, "key": "correctness", "score": 1, "comment": "mentions jane.doe@example.com"})),
    )
    .await;
    assert_eq!(s, 200, "{fb}");
    conforms("/api/v1/feedback", "post", s, &fb);
    let (s, _) = ok(
        &server,
        Method::POST,
        "/feedback",
        Some(&json!({"run_id": other, "key": "k"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, e) = ok(
        &server,
        Method::POST,
        "/feedback",
        Some(&json!({"run_id": root})),
    )
    .await;
    assert_eq!(s, 422, "key is required: {e}");
    assert_eq!(server.feedback().len(), 2, "refused feedback wrote nothing");
    // Feedback on a run not ingested yet is accepted (the SDKs send it while their
    // tracing thread may still hold the run), and stays when other traces go.
    let later = Uuid::new_v4();
    let (s, e) = ok(
        &server,
        Method::POST,
        "/feedback",
        Some(&json!({"run_id": later, "key": "early"})),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    let (s, list) = ok(
        &server,
        Method::GET,
        &format!("/api/v1/feedback?run={root}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    conforms("/api/v1/feedback", "get", s, &list);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], fb["id"]);
    let (_, with_comment) = ok(&server, Method::GET, "/feedback?has_comment=true", None).await;
    assert_eq!(with_comment.as_array().unwrap().len(), 1);
    let (s, _) = ok(&server, Method::GET, "/feedback?level=run", None).await;
    assert_eq!(
        s, 400,
        "a declared filter the stand-in does not apply is refused"
    );
    let other_fb = server
        .feedback()
        .into_iter()
        .find(|f| f.run_id == Some(other))
        .unwrap();
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/feedback/{}", other_fb.id),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = ok(
        &server,
        Method::GET,
        &format!("/feedback/{}", other_fb.id),
        None,
    )
    .await;
    assert_eq!(s, 404);

    // Share links: made (once per run), listed in the workspace, revoked.
    let (s, share) = ok(&server, Method::PUT, &format!("/runs/{root}/share"), None).await;
    assert_eq!(s, 200, "{share}");
    conforms("/api/v1/runs/{run_id}/share", "put", s, &share);
    let (_, again) = ok(
        &server,
        Method::PUT,
        &format!("/api/v1/runs/{root}/share"),
        None,
    )
    .await;
    assert_eq!(again, share);
    let (s, _) = ok(&server, Method::PUT, &format!("/runs/{other}/share"), None).await;
    assert_eq!(s, 200);
    let (s, shared) = ok(&server, Method::GET, "/workspaces/current/shared", None).await;
    assert_eq!(s, 200);
    conforms("/api/v1/workspaces/current/shared", "get", s, &shared);
    let mut tokens: Vec<&str> = shared["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["share_token"].as_str().unwrap())
        .collect();
    tokens.sort_unstable();
    let mut want: Vec<String> = server
        .shared_runs()
        .iter()
        .map(|(_, t)| t.to_string())
        .collect();
    want.sort_unstable();
    assert_eq!(tokens, want);
    assert!(want.contains(&share["share_token"].as_str().unwrap().to_owned()));
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/runs/{other}/share"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, state) = ok(&server, Method::GET, &format!("/runs/{other}/share"), None).await;
    assert_eq!((s, state), (200, Value::Null));
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/runs/{other}/share"),
        None,
    )
    .await;
    assert_eq!(s, 404, "not shared any more");

    // Deleting the trace takes its feedback and its share link with it.
    let session = server
        .runs()
        .iter()
        .find(|r| r.id == root)
        .unwrap()
        .session_id;
    let (s, _) = ok(
        &server,
        Method::POST,
        "/api/v1/runs/delete",
        Some(&json!({"session_id": session, "trace_ids": [root]})),
    )
    .await;
    assert_eq!(s, 202);
    let left = server.feedback();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].run_id, Some(later));
    assert!(server.shared_runs().is_empty());
}

/// A `multipart/form-data` body of `(name, content type, bytes)` parts.
fn form_raw(boundary: &str, parts: &[(String, &str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, content_type, data) in parts {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// Sends a multipart body (boundary `b0undary`) with the server's key: status and JSON.
async fn send_form(server: &MockServer, method: Method, path: &str, body: Vec<u8>) -> (u16, Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", server.url()))
        .header("x-api-key", server.api_key())
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

/// `GET` of an attachment URL as the SDKs fetch it: no API key (it is presigned).
async fn download(server: &MockServer, url: &str) -> (u16, Option<String>, Vec<u8>) {
    let r = reqwest::get(format!("{}{url}", server.url()))
        .await
        .unwrap();
    let status = r.status().as_u16();
    let mime = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, mime, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_multipart_example_upload_writes_all_or_nothing_with_attachments() {
    let server = MockServer::builder().start().await.unwrap();
    let (_, ds) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "mp"})),
    )
    .await;
    let ds_id = ds["id"].as_str().unwrap().to_owned();
    let path = "/v1/platform/datasets/{dataset_id}/examples";
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let json_part = |name: String, v: Value| (name, "application/json", v.to_string().into_bytes());
    let parts = vec![
        json_part(
            a.to_string(),
            json!({"metadata": {"m": 1}, "split": "test"}),
        ),
        json_part(
            format!("{a}.inputs"),
            json!({"email": "jane.doe@example.com"}),
        ),
        json_part(format!("{a}.outputs"), json!({"o": 1})),
        json_part(b.to_string(), json!({})),
        json_part(format!("{b}.inputs"), json!({"q": 2})),
        (
            format!("{b}.attachment.scan.png"),
            "image/png; length=4",
            vec![0x89, b'P', 0, 0xff],
        ),
    ];
    // A part the route does not know: refused by name, nothing written.
    let mut bad = parts.clone();
    bad.push(json_part(format!("{b}.bogus"), json!({})));
    let (s, e) = send_form(
        &server,
        Method::POST,
        &format!("/v1/platform/datasets/{ds_id}/examples"),
        form_raw("b0undary", &bad),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    conforms(path, "post", s, &e);
    assert!(e["details"].as_str().unwrap().contains("bogus"), "{e}");
    assert!(server.example(&a).is_none() && server.example(&b).is_none());
    // A dataset not of the caller's: 404 (the SDK's own integration test expects it of
    // LangSmith; the spec documents it for the update, in the same schema).
    let (s, e) = send_form(
        &server,
        Method::POST,
        &format!("/v1/platform/datasets/{}/examples", Uuid::new_v4()),
        form_raw("b0undary", &parts),
    )
    .await;
    assert_eq!(s, 404, "{e}");
    conforms(path, "patch", s, &e);

    let (s, made) = send_form(
        &server,
        Method::POST,
        &format!("/api/v1/platform/datasets/{ds_id}/examples"),
        form_raw("b0undary", &parts),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    conforms(path, "post", s, &made);
    assert_eq!(made["count"], 2);
    assert_eq!(made["example_ids"], json!([a.to_string(), b.to_string()]));
    let ea = server.example(&a).unwrap();
    let v = ea.versions.last().unwrap();
    assert_eq!(
        v.inputs.as_deref(),
        Some(&json!({"email": "jane.doe@example.com"}))
    );
    assert_eq!(v.outputs.as_deref(), Some(&json!({"o": 1})));
    assert_eq!(
        v.metadata.as_deref(),
        Some(&json!({"m": 1, "dataset_split": ["test"]}))
    );
    assert!(v.attachments.is_empty());
    assert_eq!(ea.dataset_id.to_string(), ds_id);
    let eb = server.example(&b).unwrap();
    let names: Vec<&str> = eb.versions[0].attachments.iter().map(|a| &**a).collect();
    assert_eq!(names, ["scan.png"]);
    // Read back as the spec's `Example`: `attachment_urls` names it with its MIME type,
    // and its URL serves the bytes without an API key.
    let (s, read) = ok(&server, Method::GET, &format!("/examples/{b}"), None).await;
    assert_eq!(s, 200, "{read}");
    conforms("/api/v1/examples/{example_id}", "get", s, &read);
    let urls = read["attachment_urls"].as_object().unwrap();
    assert_eq!(urls.keys().collect::<Vec<_>>(), ["attachment.scan.png"]);
    let file = &urls["attachment.scan.png"];
    assert_eq!(file["mime_type"], "image/png");
    let url = file["presigned_url"].as_str().unwrap();
    assert_eq!(
        download(&server, url).await,
        (200, Some("image/png".into()), vec![0x89, b'P', 0, 0xff])
    );
    assert_eq!(download(&server, &format!("{url}0")).await.0, 404);
    // The listing selects it too.
    let (_, list) = ok(
        &server,
        Method::GET,
        &format!("/examples?dataset={ds_id}&select=attachment_urls"),
        None,
    )
    .await;
    for e in list.as_array().unwrap() {
        let want = if e["id"] == b.to_string() {
            &read["attachment_urls"]
        } else {
            &Value::Null
        };
        assert_eq!(&e["attachment_urls"], want, "{e}");
    }
    // Again: the ids exist now (409), nothing changes.
    let (s, e) = send_form(
        &server,
        Method::POST,
        &format!("/v1/platform/datasets/{ds_id}/examples"),
        form_raw("b0undary", &parts),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    conforms(path, "post", s, &e);
    assert_eq!(server.example(&a).unwrap().versions.len(), 1);
    // A hard delete takes the files (attachment delay 0): no URL, no file.
    let (s, _) = ok(
        &server,
        Method::POST,
        "/v1/platform/datasets/examples/delete",
        Some(&json!({"example_ids": [b.to_string()], "hard_delete": true})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(download(&server, url).await.0, 404);
    assert!(server.example(&b).unwrap().is_hard_deleted());
    assert_eq!(server.attachment_queue_len(), 1);
}

#[tokio::test]
async fn the_multipart_example_update_keeps_renames_and_replaces_attachments_all_or_nothing() {
    let server = MockServer::builder().start().await.unwrap();
    let mut datasets = Vec::new();
    for name in ["one", "two"] {
        let (_, ds) = ok(
            &server,
            Method::POST,
            "/datasets",
            Some(&json!({ "name": name })),
        )
        .await;
        datasets.push(ds["id"].as_str().unwrap().to_owned());
    }
    let path = "/v1/platform/datasets/{dataset_id}/examples";
    let route = |ds: &str| format!("/v1/platform/datasets/{ds}/examples");
    let file = |name: String, data: &str| (name, "text/plain", data.as_bytes().to_vec());
    let json_part = |name: String, v: Value| (name, "application/json", v.to_string().into_bytes());
    let (a, b, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut create = Vec::new();
    for id in [a, b] {
        create.push(json_part(id.to_string(), json!({"metadata": {"v": 1}})));
        create.push(json_part(
            format!("{id}.inputs"),
            json!({"q": id.to_string()}),
        ));
        create.push(json_part(format!("{id}.outputs"), json!({"o": 1})));
        create.push(file(format!("{id}.attachment.keep"), "kept"));
        create.push(file(format!("{id}.attachment.drop"), "dropped"));
        create.push(file(format!("{id}.attachment.old"), "renamed"));
    }
    let (s, _) = send_form(
        &server,
        Method::POST,
        &route(&datasets[0]),
        form_raw("b0undary", &create),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = send_form(
        &server,
        Method::POST,
        &route(&datasets[1]),
        form_raw(
            "b0undary",
            &[
                json_part(other.to_string(), json!({})),
                json_part(format!("{other}.inputs"), json!({})),
            ],
        ),
    )
    .await;
    assert_eq!(s, 201);
    let names = |id: &Uuid| -> Vec<String> {
        let e = server.example(id).unwrap();
        e.versions
            .last()
            .unwrap()
            .attachments
            .iter()
            .map(|a| a.to_string())
            .collect()
    };
    // `a`: inputs replaced, outputs kept (no part), metadata replaced; `keep` retained,
    // `old` renamed to `new`, `drop` dropped, `fresh` uploaded, and an upload named like a
    // retained file wins over it.
    let update_a = vec![
        json_part(a.to_string(), json!({"metadata": {"v": 2}})),
        json_part(format!("{a}.inputs"), json!({"q": "changed"})),
        json_part(
            format!("{a}.attachments_operations"),
            json!({"retain": ["keep"], "rename": {"old": "new"}}),
        ),
        file(format!("{a}.attachment.fresh"), "fresh"),
    ];
    // Refused as a whole: `b` names an attachment it lacks, renames one it also retains,
    // or renames one onto a retained name (the JS SDK's own test expects both refused);
    // `other` is in another dataset (409); an unknown example (404). Nothing of `a` is
    // applied.
    let b_ops = |ops: Value| {
        vec![
            json_part(b.to_string(), json!({})),
            json_part(format!("{b}.attachments_operations"), ops),
        ]
    };
    for (extra, status) in [
        (b_ops(json!({"retain": ["nope"]})), 422),
        (
            b_ops(json!({"retain": ["keep"], "rename": {"keep": "kept"}})),
            422,
        ),
        (
            b_ops(json!({"retain": ["keep"], "rename": {"old": "keep"}})),
            422,
        ),
        (vec![json_part(other.to_string(), json!({}))], 409),
        (vec![json_part(Uuid::new_v4().to_string(), json!({}))], 404),
    ] {
        let mut body = update_a.clone();
        body.extend(extra);
        let (s, e) = send_form(
            &server,
            Method::PATCH,
            &route(&datasets[0]),
            form_raw("b0undary", &body),
        )
        .await;
        assert_eq!(s, status, "{e}");
        conforms(path, "patch", s, &e);
        assert_eq!(server.example(&a).unwrap().versions.len(), 1, "{e}");
    }
    // `b`: no attachment part and no operations: its files are kept.
    let mut body = update_a.clone();
    body.push(json_part(b.to_string(), json!({"split": "test"})));
    let (s, done) = send_form(
        &server,
        Method::PATCH,
        &route(&datasets[0]),
        form_raw("b0undary", &body),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    conforms(path, "patch", s, &done);
    assert_eq!(done["count"], 2);
    assert_eq!(done["example_ids"], json!([a.to_string(), b.to_string()]));
    let ea = server.example(&a).unwrap();
    let last = ea.versions.last().unwrap();
    assert_eq!(last.inputs.as_deref(), Some(&json!({"q": "changed"})));
    assert_eq!(last.outputs.as_deref(), Some(&json!({"o": 1})));
    assert_eq!(
        last.metadata.as_deref(),
        Some(&json!({"v": 2, "dataset_split": ["base"]}))
    );
    assert_eq!(names(&a), ["keep", "new", "fresh"]);
    assert_eq!(names(&b), ["keep", "drop", "old"]);
    assert_eq!(
        server
            .example(&b)
            .unwrap()
            .versions
            .last()
            .unwrap()
            .metadata
            .as_deref(),
        Some(&json!({"v": 1, "dataset_split": ["test"]}))
    );
    // The renamed file is the old bytes; the earlier version still lists its own.
    let (_, read) = ok(&server, Method::GET, &format!("/examples/{a}"), None).await;
    let url = |name: &str| {
        read["attachment_urls"][format!("attachment.{name}")]["presigned_url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(download(&server, &url("new")).await.2, b"renamed");
    assert_eq!(download(&server, &url("fresh")).await.2, b"fresh");
    assert_eq!(download(&server, &url("keep")).await.2, b"kept");
    let v0: Vec<String> = ea.versions[0]
        .attachments
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(v0, ["keep", "drop", "old"]);
    // Uploads replace: an update with a file and no operations keeps only the new file.
    let (s, _) = send_form(
        &server,
        Method::PATCH,
        &route(&datasets[0]),
        form_raw(
            "b0undary",
            &[
                json_part(b.to_string(), json!({})),
                file(format!("{b}.attachment.only"), "x"),
            ],
        ),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(names(&b), ["only"]);
}

#[tokio::test]
async fn the_multipart_run_ingestion_stores_runs_fields_feedback_and_files_all_or_nothing() {
    let server = MockServer::builder().start().await.unwrap();
    let route = "/runs/multipart";
    let (root, early) = (Uuid::new_v4(), Uuid::new_v4());
    let json_part = |name: String, v: Value| (name, "application/json", v.to_string().into_bytes());
    let post = |id: Uuid| {
        json!({"id": id.to_string(), "trace_id": id.to_string(), "name": "app",
               "run_type": "chain", "session_name": "mine", "start_time": now_iso(),
               "dotted_order": format!("20260101T000000000000Z{id}"), "parent_run_id": null})
    };
    // A patch before its post: accepted, applied when the post arrives.
    let (s, e) = send_form(
        &server,
        Method::POST,
        route,
        form_raw(
            "b0undary",
            &[json_part(
                format!("patch.{early}"),
                json!({"id": early.to_string(), "trace_id": early.to_string(),
                       "end_time": now_iso(), "outputs": {"late": true}}),
            )],
        ),
    )
    .await;
    assert_eq!(s, 202, "{e}");
    conforms(route, "post", s, &e);
    assert!(server.runs().iter().all(|r| r.id != early));
    let parts = vec![
        json_part(format!("post.{root}"), post(root)),
        json_part(
            format!("post.{root}.inputs"),
            json!({"email": "jane.doe@example.com"}),
        ),
        json_part(format!("post.{early}"), post(early)),
        (
            format!("attachment.{root}.note.txt"),
            "text/plain; length=2",
            b"hi".to_vec(),
        ),
        json_part(
            format!("feedback.{root}"),
            json!({"run_id": root.to_string(), "trace_id": root.to_string(), "key": "score", "score": 1}),
        ),
    ];
    // A bad run type anywhere refuses the whole request: nothing is stored.
    let mut bad = parts.clone();
    let other = Uuid::new_v4();
    let mut wrong = post(other);
    wrong["run_type"] = "agent".into();
    bad.push(json_part(format!("post.{other}"), wrong));
    let (s, e) = send_form(&server, Method::POST, route, form_raw("b0undary", &bad)).await;
    assert_eq!(s, 422, "{e}");
    conforms(route, "post", s, &e);
    assert!(server.runs().is_empty() && server.feedback().is_empty());
    // Compressed as the SDKs' tracing thread sends it.
    let body = ruzstd::encoding::compress_to_vec(
        &form_raw("b0undary", &parts)[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let r = reqwest::Client::new()
        .post(format!("{}{route}", server.url()))
        .header("x-api-key", server.api_key())
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .header("content-encoding", "zstd")
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let e: Value = r.json().await.unwrap();
    assert_eq!(s, 202, "{e}");
    conforms(route, "post", s, &e);
    let runs = server.runs();
    let r = runs.iter().find(|r| r.id == root).unwrap();
    assert_eq!(r.inputs, json!({"email": "jane.doe@example.com"}));
    let session = server
        .sessions()
        .into_iter()
        .find(|s| s.id == r.session_id)
        .unwrap();
    assert_eq!(session.name, "mine");
    let e = runs.iter().find(|r| r.id == early).unwrap();
    assert_eq!(e.outputs, json!({"late": true}));
    assert!(e.end_time.is_some());
    let fb = server.feedback();
    assert_eq!(fb.len(), 1);
    assert_eq!((fb[0].run_id, fb[0].key.as_str()), (Some(root), "score"));
    // The run reads back with its file as `s3_urls`.
    let (s, read) = ok(&server, Method::GET, &format!("/runs/{root}"), None).await;
    assert_eq!(s, 200, "{read}");
    let file = &read["s3_urls"]["attachment.note.txt"];
    assert_eq!(file["mime_type"], "text/plain");
    assert_eq!(
        download(&server, file["presigned_url"].as_str().unwrap()).await,
        (200, Some("text/plain".into()), b"hi".to_vec())
    );
    // So does it through the runs query, when `s3_urls` is selected (the SDK's
    // `list_runs` selects it to give `run.attachments`); a run without files has none.
    let query = json!({"session": [session.id.to_string()], "select": ["id", "s3_urls"]});
    let (s, page) = ok(&server, Method::POST, "/api/v1/runs/query", Some(&query)).await;
    assert_eq!(s, 200, "{page}");
    conforms("/api/v1/runs/query", "post", s, &page);
    let listed = |id: Uuid| {
        page["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.to_string())
            .unwrap()
            .clone()
    };
    assert_eq!(listed(root)["s3_urls"], read["s3_urls"]);
    assert_eq!(listed(early)["s3_urls"], Value::Null);
    // Another encoding is refused by name.
    let r = reqwest::Client::new()
        .post(format!("{}{route}", server.url()))
        .header("x-api-key", server.api_key())
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .header("content-encoding", "br")
        .body(form_raw("b0undary", &parts))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let e: Value = r.json().await.unwrap();
    conforms(route, "post", 400, &e);
    assert!(e["details"].as_str().unwrap().contains("br"), "{e}");
    // Unauthenticated: 401 before anything is read.
    let (s, _) = call(&server, Method::POST, route, Some(&json!({})), None).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn run_stats_count_the_selected_runs_and_refuse_what_they_cannot_apply() {
    let server = MockServer::builder().start().await.unwrap();
    let at = |secs: i64| {
        chrono::DateTime::from_timestamp(1_767_225_600 + secs, 0)
            .unwrap()
            .to_rfc3339()
    };
    // Three llm runs of 1, 2 and 10 s (one failed) and a chain run, in session `s`.
    let mut posts = Vec::new();
    for (k, (kind, secs, error)) in [
        ("llm", 1, None),
        ("llm", 2, Some("boom")),
        ("llm", 10, None),
        ("chain", 5, None),
    ]
    .into_iter()
    .enumerate()
    {
        let id = Uuid::new_v4();
        let start = 100 * k as i64;
        let mut run = json!({"id": id.to_string(), "trace_id": id.to_string(), "name": "r",
            "run_type": kind, "session_name": "s", "start_time": at(start),
            "end_time": at(start + secs),
            "dotted_order": format!("20260101T000000000000Z{id}")});
        if let Some(e) = error {
            run["error"] = e.into();
        }
        posts.push(run);
    }
    let (s, e) = ok(
        &server,
        Method::POST,
        "/runs/batch",
        Some(&json!({ "post": posts })),
    )
    .await;
    assert_eq!(s, 202, "{e}");
    let session = server.sessions()[0].id.to_string();
    let stats = |body: Value| {
        let server = &server;
        async move { ok(server, Method::POST, "/runs/stats", Some(&body)).await }
    };
    let (s, llm) = stats(json!({"session": [session], "run_type": "llm"})).await;
    assert_eq!(s, 200, "{llm}");
    conforms("/api/v1/runs/stats", "post", s, &llm);
    assert_eq!(llm["run_count"], 3);
    assert_eq!(llm["latency_p50"], 2.0);
    assert_eq!(llm["latency_p99"], 10.0);
    assert!((llm["error_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(llm["last_run_start_time"].as_str().unwrap())
            .unwrap()
            .timestamp(),
        1_767_225_600 + 200
    );
    let (_, all) = stats(json!({ "session": [session] })).await;
    assert_eq!(all["run_count"], server.runs().len());
    let (_, none) = stats(json!({"session": [Uuid::new_v4().to_string()]})).await;
    assert_eq!(none["run_count"], 0);
    assert_eq!(none["latency_p50"], Value::Null);
    // A filter expression it cannot apply is refused by name, not ignored.
    let (s, e) = stats(json!({"session": [session], "filter": "eq(name, 'r')"})).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("filter"), "{e}");
    // A body the schema refuses: FastAPI's 422 naming the field.
    let (s, e) = stats(json!({"session": "not-a-list"})).await;
    assert_eq!(s, 422, "{e}");
    conforms("/api/v1/runs/stats", "post", s, &e);
    assert_eq!(e["detail"][0]["loc"], json!(["body", "session"]));
}

/// A CSV upload form: the file part (with its file name) and text fields.
fn csv_form(file: Option<(&str, &[u8])>, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!(
                "--b0undary\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, data)) = file {
        out.extend_from_slice(
            format!(
                "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--b0undary--\r\n");
    out
}

#[tokio::test]
async fn a_csv_upload_makes_a_dataset_of_its_rows_all_or_nothing() {
    let server = MockServer::builder().start().await.unwrap();
    let path = "/api/v1/datasets/upload";
    // Quoted fields (a comma, a doubled quote, a line break), CRLF line ends.
    let csv = b"q,a,src,unused\r\n\"Is it, really?\",\"yes \"\"indeed\"\"\",web,x\r\nline,\"two\nlines\",,y\r\n";
    let keys = [
        ("input_keys", "q"),
        ("output_keys", "a"),
        ("metadata_keys", "src"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f = keys.to_vec();
        f.extend_from_slice(extra);
        f
    };
    // Refused, each naming the field, and nothing written: no `input_keys`; a key that is
    // no column; a row of another width; a CSV that is not UTF-8.
    let refusals: Vec<(Vec<u8>, &str)> = vec![
        (
            csv_form(Some(("t.csv", csv)), &[("output_keys", "a")]),
            "input_keys",
        ),
        (
            csv_form(Some(("t.csv", csv)), &with(&[("input_keys", "nope")])),
            "input_keys",
        ),
        (csv_form(Some(("t.csv", b"q,a,src\nx,y\n")), &keys), "file"),
        (
            csv_form(Some(("t.csv", b"q,a,src\n\xff,y,z\n")), &keys),
            "file",
        ),
        (csv_form(None, &keys), "file"),
        (
            csv_form(Some(("t.csv", csv)), &with(&[("data_type", "table")])),
            "data_type",
        ),
    ];
    for (form, field) in refusals {
        let (s, e) = send_form(&server, Method::POST, "/datasets/upload", form).await;
        assert_eq!(s, 422, "{field}: {e}");
        conforms(path, "post", s, &e);
        assert!(
            e["detail"].as_array().unwrap().iter().any(|d| d["loc"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == field)),
            "{field}: {e}"
        );
        assert_eq!(server.dataset_id("t.csv"), None, "{field}: half-written");
    }
    // The upload: a dataset named after the file, one example per row.
    let form = csv_form(
        Some(("t.csv", csv)),
        &with(&[("description", "from a file"), ("id", "ignored")]),
    );
    let (s, ds) = send_form(&server, Method::POST, "/datasets/upload", form.clone()).await;
    assert_eq!(s, 200, "{ds}");
    conforms(path, "post", s, &ds);
    assert_eq!(ds["name"], "t.csv");
    assert_eq!(ds["description"], "from a file");
    assert_eq!(ds["example_count"], 2, "{ds}");
    let ds_id = Uuid::parse_str(ds["id"].as_str().unwrap()).unwrap();
    assert_eq!(server.dataset_id("t.csv"), Some(ds_id));
    let upload = server
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/datasets/upload")
        .unwrap();
    assert_eq!(upload.ignored_params, vec!["id".to_owned()]);
    let (_, listed) = ok(
        &server,
        Method::GET,
        &format!("/examples?dataset={ds_id}"),
        None,
    )
    .await;
    let mut rows: Vec<(Value, Value, Value)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let id = Uuid::parse_str(e["id"].as_str().unwrap()).unwrap();
            let stored = server.example(&id).unwrap();
            assert_eq!(stored.dataset_id, ds_id);
            let v = stored.versions.last().unwrap();
            let mut metadata = (**v.metadata.as_ref().unwrap()).clone();
            metadata.as_object_mut().unwrap().remove("dataset_split");
            (
                (**v.inputs.as_ref().unwrap()).clone(),
                (**v.outputs.as_ref().unwrap()).clone(),
                metadata,
            )
        })
        .collect();
    rows.sort_by_key(|r| r.0.to_string());
    assert_eq!(
        rows,
        vec![
            (
                json!({"q": "Is it, really?"}),
                json!({"a": "yes \"indeed\""}),
                json!({"src": "web"})
            ),
            (
                json!({"q": "line"}),
                json!({"a": "two\nlines"}),
                json!({"src": ""})
            ),
        ]
    );
    // The same name again: 409, and still the one dataset with its two examples.
    let (s, e) = send_form(&server, Method::POST, "/api/v1/datasets/upload", form).await;
    assert_eq!(s, 409, "{e}");
    let (_, list) = ok(&server, Method::GET, "/datasets?name=t.csv", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["example_count"], 2);
    // Without the key: 401, nothing read.
    let r = reqwest::Client::new()
        .post(format!("{}/datasets/upload", server.url()))
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(csv_form(Some(("u.csv", csv)), &keys))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(server.dataset_id("u.csv"), None);
}

#[tokio::test]
async fn a_datasets_schemas_are_kept_and_every_example_write_is_checked_against_them() {
    let server = MockServer::builder().start().await.unwrap();
    let inputs_schema = json!({
        "type": "object",
        "properties": {"input": {"type": "string"}},
        "required": ["input"],
    });
    let outputs_schema = json!({
        "type": "object",
        "properties": {"output": {"type": "string"}},
        "required": ["output"],
    });
    // A schema that is not one: 422 naming it, no dataset.
    let (s, e) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "typed", "inputs_schema_definition": {"type": 5}})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    conforms("/api/v1/datasets", "post", s, &e);
    assert_eq!(
        e["detail"][0]["loc"],
        json!(["body", "inputs_schema_definition"])
    );
    assert_eq!(server.dataset_id("typed"), None);
    let (s, ds) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({
            "name": "typed",
            "inputs_schema_definition": inputs_schema,
            "outputs_schema_definition": outputs_schema,
        })),
    )
    .await;
    assert_eq!(s, 200, "{ds}");
    conforms("/api/v1/datasets", "post", s, &ds);
    let ds_id = ds["id"].as_str().unwrap().to_owned();
    let (s, read) = ok(&server, Method::GET, &format!("/datasets/{ds_id}"), None).await;
    assert_eq!(s, 200);
    conforms("/api/v1/datasets/{dataset_id}", "get", s, &read);
    assert_eq!(read["inputs_schema_definition"], inputs_schema);
    assert_eq!(read["outputs_schema_definition"], outputs_schema);
    // Conforming: written (outputs may be absent).
    let good = Uuid::new_v4();
    let (s, e) = ok(
        &server,
        Method::POST,
        "/examples",
        Some(&json!({"id": good, "dataset_id": ds_id, "inputs": {"input": "hi"}, "outputs": {"output": "yo"}})),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    let (s, e) = ok(
        &server,
        Method::POST,
        "/examples",
        Some(&json!({"dataset_id": ds_id, "inputs": {"input": "no outputs"}})),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    // Not conforming, by each route that writes an example: 422 (the multipart upload:
    // its own error shape), nothing written.
    let bad_in = Uuid::new_v4();
    let (s, e) = ok(
        &server,
        Method::POST,
        "/examples",
        Some(&json!({"id": bad_in, "dataset_id": ds_id, "inputs": {"john": 1}, "outputs": {"output": "yo"}})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    validation_error(&e);
    assert_eq!(e["detail"][0]["loc"][1], "inputs", "{e}");
    assert!(server.example(&bad_in).is_none());
    let bad_out = Uuid::new_v4();
    let (s, e) = ok(
        &server,
        Method::POST,
        "/examples/bulk",
        Some(&json!([
            {"id": Uuid::new_v4(), "dataset_id": ds_id, "inputs": {"input": "fine"}, "outputs": {"output": "fine"}},
            {"id": bad_out, "dataset_id": ds_id, "inputs": {"input": "x"}, "outputs": {"output": 7}},
        ])),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    validation_error(&e);
    assert_eq!(
        e["detail"][0]["loc"],
        json!(["body", 1, "outputs", "output"]),
        "{e}"
    );
    assert!(server.example(&bad_out).is_none());
    let (s, e) = ok(
        &server,
        Method::PATCH,
        &format!("/examples/{good}"),
        Some(&json!({"inputs": {"input": 3}})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    conforms("/api/v1/examples/{example_id}", "patch", s, &e);
    assert_eq!(
        **server
            .example(&good)
            .unwrap()
            .versions
            .last()
            .unwrap()
            .inputs
            .as_ref()
            .unwrap(),
        json!({"input": "hi"})
    );
    let c = Uuid::new_v4();
    let json_part = |name: String, v: Value| (name, "application/json", v.to_string().into_bytes());
    let (s, e) = send_form(
        &server,
        Method::POST,
        &format!("/v1/platform/datasets/{ds_id}/examples"),
        form_raw(
            "b0undary",
            &[
                json_part(c.to_string(), json!({})),
                json_part(format!("{c}.inputs"), json!({"other": "x"})),
            ],
        ),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    conforms("/v1/platform/datasets/{dataset_id}/examples", "post", s, &e);
    assert!(server.example(&c).is_none());
    let (_, listed) = ok(
        &server,
        Method::GET,
        &format!("/examples?dataset={ds_id}"),
        None,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
}

/// The official JS SDK sends a run's `start_time` and `end_time` as `Date.now()` (epoch
/// milliseconds), where the spec declares RFC 3339 strings; LangSmith, a FastAPI service,
/// reads a number for a `datetime` as pydantic does: Unix seconds, or milliseconds above
/// 2e10. The stand-in takes both forms, on each ingestion route, and still refuses what
/// is no time at all.
#[tokio::test]
async fn run_times_sent_as_epoch_numbers_are_read_as_langsmith_reads_them() {
    let server = MockServer::builder().start().await.unwrap();
    // 2026-03-04T05:06:07Z, worked out by hand: 2026-01-01 is 1_767_225_600; + 62 days
    // (January and February) + 5 h 6 min 7 s.
    let at: i64 = 1_767_225_600 + 62 * 86_400 + 5 * 3600 + 6 * 60 + 7;
    let ms = at * 1000 + 250;
    let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let post = |id: Uuid, start: Value| {
        json!({"id": id, "trace_id": id, "dotted_order": format!("20260304T050607000000Z{id}"),
               "name": "app", "run_type": "chain", "inputs": {"q": 1}, "start_time": start,
               "session_name": "js-app"})
    };
    let (s, body) = ok(&server, Method::POST, "/runs", Some(&post(a, json!(ms)))).await;
    assert_eq!(s, 202, "{body}");
    let batch = json!({
        "post": [post(b, json!(at))],
        "patch": [{"id": b, "end_time": ms + 1000, "trace_id": b,
                   "dotted_order": format!("20260304T050607000000Z{b}")}],
    });
    let (s, body) = ok(&server, Method::POST, "/runs/batch", Some(&batch)).await;
    assert_eq!(s, 202, "{body}");
    let runs = server.runs();
    let of = |id: Uuid| runs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(of(a).start_time, at, "milliseconds");
    assert_eq!(of(b).start_time, at, "seconds");
    assert_eq!(of(b).end_time, Some(at + 1), "milliseconds in a patch");
    // Not a time: refused with the ingestion error naming the field, nothing written.
    for bad in [json!(true), json!("yesterday")] {
        let (s, body) = ok(&server, Method::POST, "/runs", Some(&post(c, bad.clone()))).await;
        assert_eq!(s, 422, "{bad}: {body}");
        assert!(body.to_string().contains("start_time"), "{body}");
    }
    assert!(server.runs().iter().all(|r| r.id != c));
}

#[tokio::test]
async fn an_experiments_stats_and_its_examples_with_runs_are_read_back() {
    // What the SDK's `get_experiment_results` reads: the session with
    // `include_stats=true`, then `POST /datasets/{id}/runs` (the dataset's examples with
    // the experiment's root runs).
    let server = MockServer::builder().start().await.unwrap();
    let (s, ds) = ok(
        &server,
        Method::POST,
        "/datasets",
        Some(&json!({"name": "qa"})),
    )
    .await;
    assert_eq!(s, 200, "{ds}");
    let dataset = ds["id"].as_str().unwrap().to_owned();
    let mut examples = Vec::new();
    for q in ["one", "two", "three"] {
        let (s, e) = ok(
            &server,
            Method::POST,
            "/examples",
            Some(&json!({"dataset_id": dataset, "inputs": {"q": q}, "outputs": {"a": q}})),
        )
        .await;
        assert_eq!(s, 200, "{e}");
        examples.push(e["id"].as_str().unwrap().to_owned());
    }
    let mut sessions = Vec::new();
    for name in ["exp", "other"] {
        let (s, e) = ok(
            &server,
            Method::POST,
            "/sessions",
            Some(&json!({"name": name, "reference_dataset_id": dataset})),
        )
        .await;
        assert_eq!(s, 200, "{e}");
        sessions.push(e["id"].as_str().unwrap().to_owned());
    }
    let at = |secs: i64| {
        chrono::DateTime::from_timestamp(1_767_225_600 + secs, 0)
            .unwrap()
            .to_rfc3339()
    };
    // In `exp`: a trace over example 0 (2 s, with an llm child reporting its usage) and
    // one over example 1 (4 s, failed); example 2 was not run. In `other`: a trace over
    // example 0.
    let (r0, child, r1, r2) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let root = |id: Uuid, session: &str, example: &str, start: i64, secs: i64| {
        json!({"id": id, "trace_id": id, "name": "target", "run_type": "chain",
               "session_id": session, "reference_example_id": example,
               "start_time": at(start), "end_time": at(start + secs),
               "dotted_order": format!("20260101T000000000000Z{id}"),
               "inputs": {"q": "x"}, "outputs": {"a": "x"}})
    };
    let mut failed = root(r1, &sessions[0], &examples[1], 10, 4);
    failed["error"] = "boom".into();
    let posts = json!([
        root(r0, &sessions[0], &examples[0], 0, 2),
        {"id": child, "trace_id": r0, "parent_run_id": r0, "name": "llm", "run_type": "llm",
         "session_id": sessions[0], "start_time": at(0), "end_time": at(1),
         "dotted_order": format!("20260101T000000000000Z{r0}.20260101T000000000000Z{child}"),
         "outputs": {"usage_metadata": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7,
                                         "input_cost": 0.25, "output_cost": 0.5, "total_cost": 0.75}}},
        failed,
        root(r2, &sessions[1], &examples[0], 20, 1),
    ]);
    let (s, e) = ok(
        &server,
        Method::POST,
        "/runs/batch",
        Some(&json!({"post": posts})),
    )
    .await;
    assert_eq!(s, 202, "{e}");
    for (run, key, fb) in [
        (r0, "correctness", json!({"score": 1})),
        (r1, "correctness", json!({"score": 0})),
        (r0, "tone", json!({"value": "calm"})),
        (r2, "correctness", json!({"score": 1})),
    ] {
        let mut body = fb;
        body["run_id"] = run.to_string().into();
        body["key"] = key.into();
        let (s, e) = ok(&server, Method::POST, "/feedback", Some(&body)).await;
        assert_eq!(s, 200, "{e}");
    }

    // The stats: over `exp`'s two traces (not the child, not `other`'s trace).
    let (s, listed) = ok(
        &server,
        Method::GET,
        "/sessions?name=exp&include_stats=true",
        None,
    )
    .await;
    assert_eq!(s, 200, "{listed}");
    conforms("/api/v1/sessions", "get", s, &listed);
    let stats = &listed[0];
    assert_eq!(stats["run_count"], 2);
    assert_eq!(stats["error_rate"], 0.5);
    // Nearest rank of two latencies, 2 s and 4 s: the 50th percentile is the first.
    assert_eq!(stats["latency_p50"], 2.0, "{stats}");
    assert_eq!(stats["latency_p99"], 4.0);
    assert_eq!(
        (
            &stats["prompt_tokens"],
            &stats["completion_tokens"],
            &stats["total_tokens"]
        ),
        (&json!(3), &json!(4), &json!(7))
    );
    assert_eq!(
        stats["total_cost"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        0.75
    );
    let fb = &stats["feedback_stats"];
    assert_eq!(
        (&fb["correctness"]["n"], &fb["correctness"]["avg"]),
        (&json!(2), &json!(0.5))
    );
    assert_eq!(fb["tone"]["n"], 1);
    assert_eq!(fb["tone"]["values"], json!({"calm": 1}));
    // The same through the single read.
    let (s, one) = ok(
        &server,
        Method::GET,
        &format!("/sessions/{}?include_stats=true", sessions[0]),
        None,
    )
    .await;
    assert_eq!(s, 200, "{one}");
    conforms("/api/v1/sessions/{session_id}", "get", s, &one);
    assert_eq!(one["run_count"], 2);

    // The examples with `exp`'s runs: the two it ran, each with its root run.
    let route = format!("/datasets/{dataset}/runs");
    let query = |extra: Value| {
        let mut body = json!({"session_ids": [sessions[0]], "preview": false,
                              "comparative_experiment_id": null, "filters": null});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let (s, page) = ok(&server, Method::POST, &route, Some(&query(json!({})))).await;
    assert_eq!(s, 200, "{page}");
    conforms("/api/v1/datasets/{dataset_id}/runs", "post", s, &page);
    let got: Vec<(&str, Vec<&str>)> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let runs = e["runs"].as_array().unwrap();
            (
                e["id"].as_str().unwrap(),
                runs.iter().map(|r| r["id"].as_str().unwrap()).collect(),
            )
        })
        .collect();
    let (r0s, r1s) = (r0.to_string(), r1.to_string());
    let got: std::collections::BTreeSet<_> = got.into_iter().collect();
    assert_eq!(
        got,
        [
            (examples[0].as_str(), vec![r0s.as_str()]),
            (examples[1].as_str(), vec![r1s.as_str()]),
        ]
        .into_iter()
        .collect()
    );
    let of = |example: &str| {
        page.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == example)
            .unwrap()
            .clone()
    };
    assert_eq!(of(&examples[0])["inputs"], json!({"q": "one"}));
    assert_eq!(
        of(&examples[0])["runs"][0]["feedback_stats"]["correctness"]["n"],
        1
    );
    assert_eq!(of(&examples[1])["runs"][0]["status"], "error");
    // Paged.
    let (_, first) = ok(
        &server,
        Method::POST,
        &route,
        Some(&query(json!({"limit": 1}))),
    )
    .await;
    let (_, rest) = ok(
        &server,
        Method::POST,
        &route,
        Some(&query(json!({"offset": 1}))),
    )
    .await;
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(first[0]["id"], page[0]["id"]);
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert_eq!(rest[0]["id"], page[1]["id"]);
    // What it cannot apply is refused by name; a dataset not the caller's is a 404.
    let (s, e) = ok(
        &server,
        Method::POST,
        &route,
        Some(&query(
            json!({"filters": {sessions[0].clone(): ["eq(is_root, true)"]}}),
        )),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("filters"), "{e}");
    let (s, _) = ok(
        &server,
        Method::POST,
        &format!("/datasets/{}/runs", Uuid::new_v4()),
        Some(&query(json!({}))),
    )
    .await;
    assert_eq!(s, 404);
    // The body is validated against the spec: `session_ids` is required.
    let (s, e) = ok(&server, Method::POST, &route, Some(&json!({}))).await;
    assert_eq!(s, 422, "{e}");
}
