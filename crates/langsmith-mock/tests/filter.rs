//! The runs queries' `filter` subset and the runs' `extra` and `events`, in raw HTTP.
//! Runs are ingested by the test itself, so what each query must find follows from the
//! test's own data (where it put the text, and at which character) and the spec
//! (response schemas validated with `jsonschema`), never from the filter code.

use langsmith_mock::{Faults, Lies, MockServer, spec};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

const V2: &str = "/api/v2/runs/query";
const V2_SPEC: &str = "/v2/runs/query";
const V1: &str = "/api/v1/runs/query";
const SESSION: &str = "filter-tests";

async fn call(
    server: &MockServer,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", server.url()))
        .header("x-api-key", server.api_key())
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(server: &MockServer, path: &str, body: &Value) -> (u16, Value) {
    call(server, reqwest::Method::POST, path, body).await
}

/// Asserts `body` is what the spec documents for `status` of `method path`.
fn conforms(path: &str, method: &str, status: u16, body: &Value) {
    let doc = spec::document();
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{status} is not documented for {method} {path}"
    );
    let schema = spec::inline(doc, &response["content"]["application/json"]["schema"]);
    let v = spec::validate(&schema, body);
    assert!(v.is_empty(), "{method} {path} {status} {body}: {v:?}");
}

fn iso(secs_ago: i64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - secs_ago;
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A root run of its own trace, posted to [`SESSION`] with `fields` merged in.
fn run(id: Uuid, fields: Value) -> Value {
    let mut r = json!({
        "id": id, "trace_id": id, "name": "probe", "run_type": "chain",
        "session_name": SESSION, "start_time": iso(3600), "end_time": iso(3590),
        "dotted_order": format!("20260101T000000000000Z{id}"),
        "inputs": {"q": "nothing here"},
    });
    for (k, v) in fields.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// A server holding `runs` (ingested through `POST /runs/batch`), and their session.
async fn with_runs(runs: Vec<Value>, faults: Faults) -> (MockServer, Uuid) {
    let server = MockServer::builder().faults(faults).start().await.unwrap();
    let (s, body) = post(&server, "/runs/batch", &json!({ "post": runs })).await;
    assert_eq!(s, 202, "{body}");
    let session = server
        .sessions()
        .into_iter()
        .find(|x| x.name == SESSION)
        .unwrap()
        .id;
    (server, session)
}

async fn v2_ids(server: &MockServer, session: Uuid, filter: &str) -> BTreeSet<Uuid> {
    let body = json!({"project_ids": [session], "filter": filter, "min_start_time": iso(86_400)});
    let (s, page) = post(server, V2, &body).await;
    assert_eq!(s, 200, "{filter}: {page}");
    conforms(V2_SPEC, "post", s, &page);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Uuid::parse_str(r["id"].as_str().unwrap()).unwrap())
        .collect()
}

async fn v1_ids(server: &MockServer, session: Uuid, filter: &str) -> BTreeSet<Uuid> {
    let (s, page) = post(server, V1, &json!({"session": [session], "filter": filter})).await;
    assert_eq!(s, 200, "{filter}: {page}");
    page["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Uuid::parse_str(r["id"].as_str().unwrap()).unwrap())
        .collect()
}

fn ids(n: u128) -> Vec<Uuid> {
    (1..=n)
        .map(|i| Uuid::from_u128(0xf11e_0000_0000_4000_8000_0000_0000_0000 | i))
        .collect()
}

#[tokio::test]
async fn search_finds_the_text_in_every_indexed_field_in_any_case_up_to_character_250() {
    let id = ids(10);
    let long_late = format!("{}Needle", "x".repeat(250));
    let long_early = format!("{}NEEDLE{}", "x".repeat(244), "y".repeat(40));
    let planted = vec![
        run(
            id[0],
            json!({"inputs": {"messages": [[{"content": "a needle in a list"}]]}}),
        ),
        run(id[1], json!({"outputs": {"deep": {"er": "NeEdLe"}}})),
        run(id[2], json!({"error": "failed for needle"})),
        run(id[3], json!({"extra": {"metadata": {"who": "the needle"}}})),
        run(
            id[4],
            json!({"events": [{"name": "custom", "kwargs": {"note": "needle"}}]}),
        ),
        run(id[5], json!({"inputs": {"needle_key": 1}})),
        run(id[6], json!({"inputs": {"text": long_early}})),
        // Not found: past character 250, or only in a field the index does not hold.
        run(id[7], json!({"inputs": {"text": long_late}})),
        run(id[8], json!({"name": "needle"})),
        run(id[9], json!({"inputs": {"text": "the haystack"}})),
    ];
    let (server, session) = with_runs(planted, Faults::default()).await;
    let found: BTreeSet<Uuid> = id[..7].iter().copied().collect();
    assert_eq!(v2_ids(&server, session, "search(\"needle\")").await, found);
    assert_eq!(v1_ids(&server, session, "search(\"needle\")").await, found);
    // A stop word alone matches nothing, though the text holds it.
    assert!(v2_ids(&server, session, "search(\"the\")").await.is_empty());
    assert_eq!(
        v2_ids(&server, session, "search(\"the haystack\")").await,
        BTreeSet::from([id[9]])
    );
    assert!(
        v2_ids(&server, session, "search(\"absent\")")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn eq_and_or_combine_with_search_and_ids_compare_as_uuids() {
    let id = ids(4);
    let child = Uuid::from_u128(0xc41d_0000_0000_4000_8000_0000_0000_0001);
    let mut planted = vec![
        run(id[0], json!({"name": "alpha", "inputs": {"t": "red"}})),
        run(id[1], json!({"name": "beta", "inputs": {"t": "red"}})),
        run(
            id[2],
            json!({"name": "gamma", "run_type": "llm", "inputs": {"t": "blue"}}),
        ),
        run(id[3], json!({"name": "delta", "inputs": {"t": "blue"}})),
    ];
    planted.push(run(
        child,
        json!({"trace_id": id[3], "parent_run_id": id[3], "name": "delta-child",
               "dotted_order": format!("20260101T000000000000Z{}.20260101T000001000000Z{child}", id[3])}),
    ));
    let (server, session) = with_runs(planted, Faults::default()).await;
    let upper = id[0].to_string().to_uppercase();
    for (filter, want) in [
        (format!("eq(id, \"{upper}\")"), vec![id[0]]),
        (format!("eq(id, '{}')", id[0].simple()), vec![id[0]]),
        (format!("eq(trace_id, \"{}\")", id[3]), vec![id[3], child]),
        ("eq(run_type, \"LLM\")".into(), vec![id[2]]),
        ("eq(is_root, false)".into(), vec![child]),
        ("eq(is_root, \"false\")".into(), vec![child]),
        ("eq(name, \"beta\")".into(), vec![id[1]]),
        ("eq(name, \"Beta\")".into(), vec![]),
        (
            "and(search(\"red\"), eq(name, \"alpha\"))".into(),
            vec![id[0]],
        ),
        (
            "or(eq(name, \"alpha\"), search(\"BLUE\"))".into(),
            vec![id[0], id[2], id[3]],
        ),
        (
            "and(eq(is_root, true), or(search(\"red\"), eq(run_type, \"llm\")))".into(),
            vec![id[0], id[1], id[2]],
        ),
    ] {
        let want: BTreeSet<Uuid> = want.into_iter().collect();
        assert_eq!(v2_ids(&server, session, &filter).await, want, "{filter}");
        assert_eq!(v1_ids(&server, session, &filter).await, want, "v1 {filter}");
    }
}

#[tokio::test]
async fn a_filter_it_cannot_evaluate_is_a_400_naming_it_never_no_filter() {
    let (server, session) = with_runs(vec![run(ids(1)[0], json!({}))], Faults::default()).await;
    for (filter, named) in [
        ("has(tags, \"x\")", "has()"),
        ("like(name, \"pro%\")", "like()"),
        ("gt(latency, 5)", "gt()"),
        ("not(search(\"x\"))", "not()"),
        ("eq(status, \"error\")", "\"status\""),
        ("eq(id, \"not-a-uuid\")", "not a UUID"),
        ("search(\"unterminated)", "unterminated"),
        ("search(unquoted)", "quoted"),
        ("search(\"a\", \"b\")", "one quoted string"),
        ("search(\"x\"))", "after the expression"),
        ("and()", "at least one"),
    ] {
        let body = json!({"project_ids": [session], "filter": filter});
        let (s, problem) = post(&server, V2, &body).await;
        assert_eq!(s, 400, "{filter}: {problem}");
        conforms(V2_SPEC, "post", s, &problem);
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains(named) && detail.contains("filter"),
            "{filter}: {detail}"
        );
        let (s, body) = post(
            &server,
            V1,
            &json!({"session": [session], "filter": filter}),
        )
        .await;
        assert_eq!(s, 400, "v1 {filter}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(named),
            "v1 {filter}: {body}"
        );
    }
    for field in ["trace_filter", "tree_filter"] {
        let body = json!({"project_ids": [session], field: "search(\"x\")"});
        let (s, problem) = post(&server, V2, &body).await;
        assert_eq!(s, 400, "{field}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn extra_events_and_metadata_are_stored_patched_and_rendered() {
    let id = ids(2);
    let events =
        json!([{"name": "start", "time": iso(3600)}, {"name": "custom", "kwargs": {"k": "v"}}]);
    let extra = json!({"metadata": {"user": "u-1"}, "runtime": {"sdk": "py"}});
    let planted = vec![
        run(
            id[0],
            json!({"extra": extra, "events": events, "error": "boom",
                          "outputs": {"answer": "42"}}),
        ),
        run(id[1], json!({})),
    ];
    let (server, session) = with_runs(planted, Faults::default()).await;
    let selects = ["EXTRA", "EVENTS", "METADATA", "ERROR", "INPUTS", "OUTPUTS"];
    let body = json!({"project_ids": [session], "selects": selects, "min_start_time": iso(86_400),
                      "sort_order": "ASC"});
    let (s, page) = post(&server, V2, &body).await;
    assert_eq!(s, 200, "{page}");
    conforms(V2_SPEC, "post", s, &page);
    let item = |id: Uuid| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.to_string())
            .unwrap()
            .clone()
    };
    let full = item(id[0]);
    assert_eq!(full["extra"], extra);
    assert_eq!(full["events"], events);
    assert_eq!(full["metadata"], json!({"user": "u-1"}));
    assert_eq!(full["error"], "boom");
    assert_eq!(full["inputs"], json!({"q": "nothing here"}));
    assert_eq!(full["outputs"], json!({"answer": "42"}));
    let bare = item(id[1]);
    assert_eq!(
        (&bare["extra"], &bare["events"], &bare["metadata"]),
        (&json!({}), &json!([]), &json!({}))
    );
    assert!(bare.get("error").is_none(), "{bare}");

    // v1: RunSchema's `extra` and `events`, null when not sent.
    let (s, v1) = post(
        &server,
        V1,
        &json!({"id": [id[0], id[1]], "select": ["extra", "events", "error"]}),
    )
    .await;
    assert_eq!(s, 200, "{v1}");
    conforms(V1, "post", s, &v1);
    let runs = v1["runs"].as_array().unwrap();
    let one = runs.iter().find(|r| r["id"] == id[0].to_string()).unwrap();
    assert_eq!(
        (&one["extra"], &one["events"], &one["error"]),
        (&extra, &events, &json!("boom"))
    );
    let other = runs.iter().find(|r| r["id"] == id[1].to_string()).unwrap();
    assert_eq!(
        (&other["extra"], &other["events"]),
        (&Value::Null, &Value::Null)
    );

    // A PATCH replaces them; so does a batch patch.
    let patch = json!({"extra": {"metadata": {"user": "u-2"}}, "events": [{"name": "end"}], "end_time": iso(3500)});
    let (s, b) = call(
        &server,
        reqwest::Method::PATCH,
        &format!("/runs/{}", id[1]),
        &patch,
    )
    .await;
    assert_eq!(s, 202, "{b}");
    let (s, b) = post(
        &server,
        "/runs/batch",
        &json!({"patch": [{"id": id[0], "trace_id": id[0],
        "dotted_order": format!("20260101T000000000000Z{}", id[0]), "extra": {"metadata": {}}}]}),
    )
    .await;
    assert_eq!(s, 202, "{b}");
    let stored = server.runs();
    let by = |i: Uuid| stored.iter().find(|r| r.id == i).unwrap();
    assert_eq!(by(id[1]).extra, Some(json!({"metadata": {"user": "u-2"}})));
    assert_eq!(by(id[1]).events, Some(json!([{"name": "end"}])));
    assert_eq!(by(id[0]).extra, Some(json!({"metadata": {}})));
    assert_eq!(by(id[0]).events, Some(events));
}

#[tokio::test]
async fn the_lie_answers_as_if_the_filter_were_absent_yet_a_malformed_one_is_still_refused() {
    let id = ids(3);
    let planted = vec![
        run(id[0], json!({"inputs": {"t": "needle"}})),
        run(id[1], json!({})),
        run(id[2], json!({})),
    ];
    let faults = Faults {
        lies: Lies {
            runs_v2_search_ignores_filter: true,
            ..Lies::default()
        },
        ..Faults::default()
    };
    let (server, session) = with_runs(planted, faults).await;
    let all: BTreeSet<Uuid> = id.iter().copied().collect();
    assert_eq!(v2_ids(&server, session, "search(\"needle\")").await, all);
    let (s, _) = post(
        &server,
        V2,
        &json!({"project_ids": [session], "filter": "has(tags, \"x\")"}),
    )
    .await;
    assert_eq!(s, 400);
    // v1 is honest under this lie.
    assert_eq!(
        v1_ids(&server, session, "search(\"needle\")").await,
        BTreeSet::from([id[0]])
    );
}

#[tokio::test]
async fn a_metadata_key_and_value_in_one_and_are_one_pair_and_stand_alone_elsewhere() {
    // LangSmith docs ("filter traces"): `and(eq(metadata_key, "k"), eq(metadata_value,
    // "v"))` finds the runs whose metadata key `k` holds `v`; alone, `eq(metadata_key, "k")`
    // finds those having the key, `eq(metadata_value, "v")` those having the value.
    let id = ids(5);
    let meta = |m: Value| json!({"extra": {"metadata": m}});
    let planted = vec![
        run(id[0], meta(json!({"test_run": "x", "other": "y"}))),
        // The key and the value, but not as a pair.
        run(id[1], meta(json!({"test_run": "y", "other": "x"}))),
        run(id[2], meta(json!({"n": 3, "flag": true}))),
        run(id[3], json!({"extra": {"runtime": {"test_run": "x"}}})),
        run(id[4], json!({})),
    ];
    let (server, session) = with_runs(planted, Faults::default()).await;
    for (filter, want) in [
        (
            "and(eq(metadata_key,'test_run'),eq(metadata_value,'x'))",
            vec![id[0]],
        ),
        (
            "and(eq(metadata_key, \"test_run\"), eq(metadata_value, \"x\"))",
            vec![id[0]],
        ),
        (
            "and(eq(metadata_key, \"test_run\"), eq(metadata_value, \"y\"))",
            vec![id[1]],
        ),
        (
            "and(eq(metadata_key, \"test_run\"), eq(metadata_value, \"x\"), eq(metadata_key, \"other\"), eq(metadata_value, \"y\"))",
            vec![id[0]],
        ),
        ("eq(metadata_key, \"test_run\")", vec![id[0], id[1]]),
        ("eq(metadata_value, \"x\")", vec![id[0], id[1]]),
        (
            "or(eq(metadata_key, \"test_run\"), eq(metadata_value, \"x\"))",
            vec![id[0], id[1]],
        ),
        (
            "and(eq(metadata_key, \"n\"), eq(metadata_value, \"3\"))",
            vec![id[2]],
        ),
        (
            "and(eq(metadata_key, \"flag\"), eq(metadata_value, \"true\"))",
            vec![id[2]],
        ),
        (
            "and(eq(metadata_key, \"test_run\"), eq(metadata_value, \"x\"), eq(name, \"probe\"))",
            vec![id[0]],
        ),
        (
            "and(eq(metadata_key, \"test_run\"), eq(metadata_value, \"z\"))",
            vec![],
        ),
    ] {
        let want: BTreeSet<Uuid> = want.into_iter().collect();
        assert_eq!(v2_ids(&server, session, filter).await, want, "{filter}");
        assert_eq!(v1_ids(&server, session, filter).await, want, "v1 {filter}");
    }
    // Another field of the metadata family is still refused by name.
    let (s, body) = post(
        &server,
        V1,
        &json!({"session": [session], "filter": "eq(metadata, \"x\")"}),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("\"metadata\""),
        "{body}"
    );
}

/// The fields the SDK's `list_runs` selects by default (langsmith 0.14.17).
const SDK_SELECT: [&str; 28] = [
    "app_path",
    "completion_cost",
    "completion_tokens",
    "dotted_order",
    "end_time",
    "error",
    "events",
    "extra",
    "feedback_stats",
    "first_token_time",
    "id",
    "inputs",
    "name",
    "outputs",
    "parent_run_id",
    "parent_run_ids",
    "prompt_cost",
    "prompt_tokens",
    "reference_example_id",
    "run_type",
    "s3_urls",
    "session_id",
    "start_time",
    "status",
    "tags",
    "total_cost",
    "total_tokens",
    "trace_id",
];

#[tokio::test]
async fn tags_and_an_llm_runs_usage_read_back_as_the_run_schemas_fields() {
    // The SDKs' `usage_metadata` (input/output tokens and costs, and their breakdowns) as a
    // traced function returns it in its outputs, or as `run_tree.set(usage_metadata=...)`
    // puts it in the metadata; LangSmith shows it as `prompt_*`/`completion_*`/`total_*`.
    let usage = json!({
        "input_tokens": 10, "output_tokens": 20, "total_tokens": 30,
        "input_cost": 1e-6, "output_cost": 2e-6, "total_cost": 3e-6,
        "input_token_details": {"audio": 1}, "output_token_details": {"reasoning": 3},
        "input_cost_details": {"audio": 1e-7}, "output_cost_details": {"reasoning": 3e-7},
    });
    let id = ids(3);
    let planted = vec![
        run(
            id[0],
            json!({"run_type": "llm", "tags": ["foo", "bar"],
                   "outputs": {"messages": [], "usage_metadata": usage}}),
        ),
        run(
            id[1],
            json!({"run_type": "llm",
                   "extra": {"metadata": {"usage_metadata": {"input_tokens": 4, "output_tokens": 5}}}}),
        ),
        run(id[2], json!({})),
    ];
    let (server, session) = with_runs(planted, Faults::default()).await;
    let (s, page) = post(
        &server,
        V1,
        &json!({"session": [session], "select": SDK_SELECT}),
    )
    .await;
    assert_eq!(s, 200, "{page}");
    conforms(V1, "post", s, &page);
    let by = |i: Uuid| {
        page["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == i.to_string())
            .unwrap()
            .clone()
    };
    let full = by(id[0]);
    assert_eq!(full["tags"], json!(["foo", "bar"]));
    assert_eq!(
        (
            &full["prompt_tokens"],
            &full["completion_tokens"],
            &full["total_tokens"]
        ),
        (&json!(10), &json!(20), &json!(30))
    );
    // Costs are decimal strings (the spec); compared as numbers.
    let cost = |v: &Value| v.as_str().unwrap().parse::<f64>().unwrap();
    assert_eq!(cost(&full["prompt_cost"]), 1e-6);
    assert_eq!(cost(&full["completion_cost"]), 2e-6);
    assert_eq!(cost(&full["total_cost"]), 3e-6);
    // The breakdowns come with their totals, though the SDK's selection names none.
    assert_eq!(full["prompt_token_details"], json!({"audio": 1}));
    assert_eq!(full["completion_token_details"], json!({"reasoning": 3}));
    assert_eq!(cost(&full["prompt_cost_details"]["audio"]), 1e-7);
    assert_eq!(cost(&full["completion_cost_details"]["reasoning"]), 3e-7);
    let from_metadata = by(id[1]);
    assert_eq!(
        (
            &from_metadata["prompt_tokens"],
            &from_metadata["completion_tokens"],
            &from_metadata["total_tokens"]
        ),
        (&json!(4), &json!(5), &json!(9))
    );
    assert_eq!(from_metadata["total_cost"], Value::Null);
    assert_eq!(from_metadata["tags"], json!([]));
    // A run that reported nothing: the spec's default of 0 tokens, no cost.
    let none = by(id[2]);
    assert_eq!(none["prompt_tokens"], json!(0));
    assert_eq!(none["prompt_cost"], Value::Null);
    // The single read gives every field.
    let (s, read) = call(
        &server,
        reqwest::Method::GET,
        &format!("/runs/{}", id[0]),
        &Value::Null,
    )
    .await;
    assert_eq!(s, 200, "{read}");
    conforms("/api/v1/runs/{run_id}", "get", s, &read);
    assert_eq!(read["tags"], full["tags"]);
    assert_eq!(read["prompt_token_details"], full["prompt_token_details"]);
}

#[tokio::test]
async fn a_batch_patch_sent_with_null_fields_takes_them_as_absent() {
    // The SDK's tracing thread sends a patch that did not share a batch with its post with
    // `"parent_run_id": null` and `"session_id": null`; the ingestion service (Go's
    // encoding/json) reads a null as the field left out, as `POST /runs/multipart` does.
    let id = ids(2);
    let mut open = run(id[0], json!({"tags": ["a"]}));
    open.as_object_mut().unwrap().remove("end_time");
    let (server, session) = with_runs(vec![open], Faults::default()).await;
    let patch = json!({
        "id": id[0], "trace_id": id[0], "parent_run_id": null, "session_id": null,
        "dotted_order": format!("20260101T000000000000Z{}", id[0]),
        "end_time": iso(10), "outputs": {"done": true}, "tags": ["a", "b"],
    });
    // In the same batch: a new run's post, which must not be lost with it.
    let newer = run(id[1], json!({"parent_run_id": null}));
    let (s, body) = post(
        &server,
        "/runs/batch",
        &json!({"post": [newer], "patch": [patch]}),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let stored = server.runs();
    let by = |i: Uuid| stored.iter().find(|r| r.id == i).unwrap();
    assert!(by(id[0]).end_time.is_some());
    assert_eq!(by(id[0]).outputs, json!({"done": true}));
    assert_eq!(by(id[0]).tags, ["a", "b"]);
    assert_eq!(by(id[0]).session_id, session);
    assert_eq!(by(id[1]).session_id, session);
}
