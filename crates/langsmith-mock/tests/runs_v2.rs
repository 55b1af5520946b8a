//! `POST /api/v2/runs/query` in raw HTTP. Expected values come from the spec (read at test
//! time: schemas validated with `jsonschema`, field lists) and from the stand-in's own
//! record (`runs()`, `sessions()`, `requests()`), never from the query code.

use langsmith_mock::runs::V1_QUERY_FIELDS;
use langsmith_mock::runs_v2::{V2_QUERY_FIELDS, V2_SELECTS};
use langsmith_mock::{Faults, Lies, MockServer, Run, RunsApi, Use, spec};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

const V2: &str = "/api/v2/runs/query";
const V2_SPEC: &str = "/v2/runs/query";
const DAY: i64 = 86_400;

async fn post(server: &MockServer, path: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .header("x-api-key", server.api_key())
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The spec's schema of a v2 response for `status`, `$ref`s inlined.
fn v2_schema(status: u16) -> Value {
    let doc = spec::document();
    spec::inline(
        doc,
        &doc["paths"][V2_SPEC]["post"]["responses"][status.to_string()]["content"]["application/json"]
            ["schema"],
    )
}

/// Asserts `body` is what the spec documents for `status` on the v2 route.
fn conforms(status: u16, body: &Value) {
    let doc = spec::document();
    assert!(
        doc["paths"][V2_SPEC]["post"]["responses"]
            .get(status.to_string())
            .is_some(),
        "{status} is not a documented status of POST {V2_SPEC}"
    );
    let v = spec::validate(&v2_schema(status), body);
    assert!(v.is_empty(), "{status} {body}: {v:?}");
    if status >= 400 {
        // A ProblemDetails the spec's schema accepts, and one that says something.
        assert_eq!(body["status"], status, "{body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{body}"
        );
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn at(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn server(examples: usize, sessions: usize) -> MockServer {
    MockServer::builder()
        .examples(examples)
        .experiment_sessions(sessions)
        .start()
        .await
        .unwrap()
}

fn dataset_of(s: &MockServer) -> Uuid {
    s.dataset_id(langsmith_mock::DEFAULT_DATASET).unwrap()
}

/// Every page of a query, each validated; the runs in the order listed.
async fn all_pages(s: &MockServer, body: &Value) -> (Vec<Value>, usize) {
    let mut body = body.clone();
    let mut out = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = post(s, V2, &body).await;
        assert_eq!(status, 200, "{page}");
        conforms(200, &page);
        pages += 1;
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        if page["has_more"] == json!(true) {
            let next = page["next_cursor"]
                .as_str()
                .expect("a cursor while has_more");
            body["cursor"] = next.into();
        } else {
            assert!(
                page.get("next_cursor").is_none(),
                "omitted on the last page: {page}"
            );
            return (out, pages);
        }
        assert!(pages < 1000, "no end");
    }
}

fn ids_of(items: &[Value]) -> Vec<Uuid> {
    items
        .iter()
        .map(|r| Uuid::parse_str(r["id"].as_str().unwrap()).unwrap())
        .collect()
}

fn ids(runs: &[&Run]) -> HashSet<Uuid> {
    runs.iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn the_seed_spreads_runs_over_90_days_after_their_examples_with_sessions_per_dataset() {
    let s = server(40, 2).await;
    let runs = s.runs();
    let now = now();
    let sessions = s.sessions();
    assert_eq!(sessions.len(), 2);
    assert!(
        sessions
            .iter()
            .all(|x| x.reference_dataset_id == Some(dataset_of(&s)))
    );
    let older = runs.iter().filter(|r| r.start_time < now - DAY).count();
    assert!(
        older * 10 > runs.len() * 8,
        "most older than a day: {older} of {}",
        runs.len()
    );
    assert!(older < runs.len(), "some within the last day");
    for r in &runs {
        assert!(
            r.start_time >= now - 90 * DAY - 60 && r.start_time < now,
            "{r:?}"
        );
        let session = sessions.iter().find(|x| x.id == r.session_id).unwrap();
        assert!(session.start_time <= r.start_time, "{session:?} {r:?}");
        if let Some(e) = r.reference_example_id {
            let example = s.example(&e).unwrap();
            assert!(r.start_time > example.created_at, "{r:?}");
            assert_eq!(r.reference_dataset_id, Some(example.dataset_id));
        }
    }
}

#[tokio::test]
async fn only_id_and_the_selects_come_back_and_every_answer_validates() {
    let s = server(12, 2).await;
    let runs = s.runs();
    let by_id: HashMap<Uuid, &Run> = runs.iter().map(|r| (r.id, r)).collect();
    let window =
        json!({"reference_dataset_id": dataset_of(&s), "min_start_time": at(now() - 91 * DAY)});
    // No selects: only `id`.
    let (items, _) = all_pages(&s, &window).await;
    assert_eq!(items.len(), runs.len());
    for r in &items {
        assert_eq!(r.as_object().unwrap().len(), 1, "{r}");
    }
    // Selected properties, named as the spec's RunResponse names them.
    let selects = [
        "TRACE_ID",
        "PROJECT_ID",
        "REFERENCE_EXAMPLE_ID",
        "START_TIME",
        "IS_ROOT",
        "INPUTS",
    ];
    let mut body = window.clone();
    body["selects"] = json!(selects);
    let (items, _) = all_pages(&s, &body).await;
    assert_eq!(items.len(), runs.len());
    for item in &items {
        let id = Uuid::parse_str(item["id"].as_str().unwrap()).unwrap();
        let run = by_id[&id];
        let keys: HashSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want: HashSet<String> = selects.iter().map(|s| s.to_ascii_lowercase()).collect();
        want.insert("id".into());
        if run.reference_example_id.is_none() {
            // The schema admits no null: a property without a value is omitted.
            want.remove("reference_example_id");
        }
        let want: HashSet<&str> = want.iter().map(String::as_str).collect();
        assert_eq!(keys, want, "{item}");
        assert_eq!(item["trace_id"], run.trace_id.to_string());
        assert_eq!(item["project_id"], run.session_id.to_string());
        assert_eq!(item["is_root"], run.is_root());
        assert_eq!(item["inputs"], run.inputs);
        let t = chrono::DateTime::parse_from_rfc3339(item["start_time"].as_str().unwrap()).unwrap();
        assert_eq!(t.timestamp(), run.start_time);
    }
    // Every select the stand-in serves, validated against the spec's RunResponse.
    let served: Vec<&str> = V2_SELECTS
        .iter()
        .filter(|(_, u)| *u == Use::Applied)
        .map(|(n, _)| *n)
        .collect();
    let mut body = window.clone();
    body["selects"] = json!(served);
    let (items, _) = all_pages(&s, &body).await;
    assert_eq!(items.len(), runs.len());
}

#[tokio::test]
async fn the_one_day_default_drops_older_runs_and_an_explicit_window_finds_them() {
    let s = server(60, 2).await;
    let runs = s.runs();
    let now = now();
    let projects: Vec<Uuid> = s.sessions().iter().map(|x| x.id).collect();
    // No min_start_time with project_ids: one day ago (the spec's default).
    let (items, _) = all_pages(&s, &json!({"project_ids": projects, "page_size": 1000})).await;
    let got: HashSet<Uuid> = ids_of(&items).into_iter().collect();
    let recent: Vec<&Run> = runs.iter().filter(|r| r.start_time >= now - DAY).collect();
    assert_eq!(got, ids(&recent));
    assert!(
        !got.is_empty() && got.len() * 4 < runs.len(),
        "{} of {}",
        got.len(),
        runs.len()
    );
    // 3 to 60 days old.
    let body = json!({"project_ids": projects, "page_size": 1000,
                      "min_start_time": at(now - 60 * DAY), "max_start_time": at(now - 3 * DAY)});
    let (items, _) = all_pages(&s, &body).await;
    let got: HashSet<Uuid> = ids_of(&items).into_iter().collect();
    let want: Vec<&Run> = runs
        .iter()
        .filter(|r| r.start_time >= now - 60 * DAY && r.start_time <= now - 3 * DAY)
        .collect();
    assert!(
        want.len() * 2 > runs.len(),
        "{} of {}",
        want.len(),
        runs.len()
    );
    assert_eq!(got, ids(&want));
    // With reference_dataset_id and no min_start_time: the earliest session's creation,
    // so every run of the dataset's sessions.
    let (items, _) = all_pages(
        &s,
        &json!({"reference_dataset_id": dataset_of(&s), "page_size": 1000}),
    )
    .await;
    assert_eq!(items.len(), runs.len());
    // The request as the client sent it is recorded, window fields included.
    let recorded = s
        .requests()
        .into_iter()
        .filter(|r| r.path == V2)
        .nth(1)
        .unwrap();
    let sent: Value = serde_json::from_slice(recorded.body.as_ref().unwrap()).unwrap();
    assert_eq!(sent["min_start_time"], at(now - 60 * DAY));
    assert_eq!(sent["max_start_time"], at(now - 3 * DAY));
    assert_eq!(recorded.status, 200);
}

#[tokio::test]
async fn exactly_one_of_project_ids_and_reference_dataset_id() {
    let s = server(3, 1).await;
    let project = s.sessions()[0].id;
    for body in [
        json!({}),
        json!({"project_ids": [project], "reference_dataset_id": dataset_of(&s)}),
        json!({"selects": ["ID"], "page_size": 5}),
    ] {
        let (status, answer) = post(&s, V2, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        conforms(400, &answer);
        let detail = answer["detail"].as_str().unwrap();
        assert!(
            detail.contains("project_ids") && detail.contains("reference_dataset_id"),
            "{detail}"
        );
    }
    // An empty list names nothing: refused, not read as "no filter".
    for body in [
        json!({"project_ids": []}),
        json!({"project_ids": [project], "reference_examples": []}),
        json!({"project_ids": [project], "ids": []}),
    ] {
        let (status, answer) = post(&s, V2, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        conforms(400, &answer);
    }
    // Unknown sessions and datasets (another workspace's are unknown too): 404.
    for body in [
        json!({"project_ids": [Uuid::from_u128(1)]}),
        json!({"reference_dataset_id": Uuid::from_u128(2)}),
    ] {
        let (status, answer) = post(&s, V2, &body).await;
        assert_eq!(status, 404, "{body}: {answer}");
        conforms(404, &answer);
    }
    // Out of the schema (page_size 1..=1000 per the spec), malformed JSON: 400; a
    // malformed UUID: 422.
    let max = spec::document()["components"]["schemas"]["query.QueryRunsRequestBody"]["properties"]
        ["page_size"]["maximum"]
        .as_u64()
        .unwrap();
    for size in [0, max + 1] {
        let (status, answer) = post(
            &s,
            V2,
            &json!({"project_ids": [project], "page_size": size}),
        )
        .await;
        assert_eq!(status, 400, "{answer}");
        conforms(400, &answer);
    }
    let (status, answer) = post(&s, V2, &json!({"project_ids": [project], "page_size": max})).await;
    assert_eq!(status, 200, "{answer}");
    let r = reqwest::Client::new()
        .post(format!("{}{V2}", s.url()))
        .header("x-api-key", s.api_key())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    conforms(400, &r.json().await.unwrap());
    let (status, answer) = post(&s, V2, &json!({"project_ids": ["not-a-uuid"]})).await;
    assert_eq!(status, 422, "{answer}");
    conforms(422, &answer);
    let (status, answer) = post(
        &s,
        V2,
        &json!({"project_ids": [project], "cursor": "forged"}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    conforms(400, &answer);
    // Errors of the shared path (auth) are ProblemDetails on this route too.
    let r = reqwest::Client::new()
        .post(format!("{}{V2}", s.url()))
        .header("x-api-key", "wrong")
        .json(&json!({"project_ids": [project]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    conforms(401, &r.json().await.unwrap());
}

#[tokio::test]
async fn paging_by_cursor_is_complete_without_duplicates_in_either_order() {
    let s = server(25, 2).await;
    let runs = s.runs();
    let all: HashSet<Uuid> = runs.iter().map(|r| r.id).collect();
    let start: HashMap<Uuid, i64> = runs.iter().map(|r| (r.id, r.start_time)).collect();
    for order in [None, Some("DESC"), Some("ASC")] {
        let mut body = json!({"reference_dataset_id": dataset_of(&s), "page_size": 7});
        if let Some(o) = order {
            body["sort_order"] = o.into();
        }
        let (items, pages) = all_pages(&s, &body).await;
        let listed = ids_of(&items);
        let unique: HashSet<Uuid> = listed.iter().copied().collect();
        assert_eq!(unique.len(), listed.len(), "no duplicate");
        assert_eq!(unique, all, "complete");
        assert_eq!(pages, all.len().div_ceil(7));
        let times: Vec<i64> = listed.iter().map(|id| start[id]).collect();
        let ascending = order == Some("ASC");
        assert!(
            times.windows(2).all(|w| if ascending {
                w[0] <= w[1]
            } else {
                w[0] >= w[1]
            }),
            "{order:?}: {times:?}"
        );
    }
    // A deletion between pages skips nothing that is left.
    let body = json!({"reference_dataset_id": dataset_of(&s), "page_size": 10, "selects": ["TRACE_ID", "PROJECT_ID"]});
    let (status, first) = post(&s, V2, &body).await;
    assert_eq!(status, 200);
    let gone = &first["items"][0];
    let (status, _) = post(
        &s,
        "/api/v1/runs/delete",
        &json!({"session_id": gone["project_id"], "trace_ids": [gone["trace_id"]]}),
    )
    .await;
    assert_eq!(status, 202);
    let mut next = body.clone();
    next["cursor"] = first["next_cursor"].clone();
    let (rest, _) = all_pages(&s, &next).await;
    let mut seen: HashSet<Uuid> = ids_of(first["items"].as_array().unwrap())
        .into_iter()
        .collect();
    seen.extend(ids_of(&rest));
    let left: HashSet<Uuid> = s.runs().iter().map(|r| r.id).collect();
    assert!(left.is_subset(&seen));
}

#[tokio::test]
async fn filters_reference_examples_ids_trace_and_root() {
    let s = server(10, 2).await;
    let runs = s.runs();
    let examples = s.seeded_ids();
    let wanted = [examples[0], examples[3]];
    let base = json!({"reference_dataset_id": dataset_of(&s), "selects": ["REFERENCE_EXAMPLE_ID", "TRACE_ID"]});
    let mut body = base.clone();
    body["reference_examples"] = json!(wanted);
    let (items, _) = all_pages(&s, &body).await;
    let want: Vec<&Run> = runs
        .iter()
        .filter(|r| r.reference_example_id.is_some_and(|e| wanted.contains(&e)))
        .collect();
    assert_eq!(want.len(), 4, "two examples in two sessions");
    assert_eq!(
        ids_of(&items).into_iter().collect::<HashSet<_>>(),
        ids(&want)
    );
    let trace = want[0].trace_id;
    let mut body = base.clone();
    body["trace_id"] = json!(trace);
    let (items, _) = all_pages(&s, &body).await;
    assert_eq!(items.len(), 2, "the root and its child");
    body["is_root"] = json!(false);
    let (items, _) = all_pages(&s, &body).await;
    assert_eq!(items.len(), 1);
    let child = runs
        .iter()
        .find(|r| r.trace_id == trace && !r.is_root())
        .unwrap();
    assert_eq!(ids_of(&items), [child.id]);
    let mut body = base.clone();
    body["ids"] = json!([child.id, want[1].id]);
    let (items, _) = all_pages(&s, &body).await;
    assert_eq!(
        ids_of(&items).into_iter().collect::<HashSet<_>>(),
        HashSet::from([child.id, want[1].id])
    );
}

#[tokio::test]
async fn runs_api_switches_answer_404_as_fastapi_on_the_route_switched_off() {
    let v1_only = MockServer::builder()
        .examples(3)
        .experiment_sessions(1)
        .runs_api(RunsApi::V1)
        .start()
        .await
        .unwrap();
    let project = v1_only.sessions()[0].id;
    for path in [V2, V2_SPEC] {
        let (status, body) = post(&v1_only, path, &json!({"project_ids": [project]})).await;
        assert_eq!(
            (status, body),
            (404, json!({"detail": "Not Found"})),
            "{path}"
        );
    }
    let (status, _) = post(
        &v1_only,
        "/api/v1/runs/query",
        &json!({"session": [project]}),
    )
    .await;
    assert_eq!(status, 200);
    let recorded = v1_only.requests();
    assert_eq!(recorded[0].path, V2);
    assert_eq!(recorded[0].status, 404);

    let v2_only = MockServer::builder()
        .examples(3)
        .experiment_sessions(1)
        .runs_api(RunsApi::V2)
        .start()
        .await
        .unwrap();
    let project = v2_only.sessions()[0].id;
    for path in ["/api/v1/runs/query", "/runs/query"] {
        let (status, body) = post(&v2_only, path, &json!({"session": [project]})).await;
        assert_eq!(
            (status, body),
            (404, json!({"detail": "Not Found"})),
            "{path}"
        );
    }
    let (status, _) = post(&v2_only, V2, &json!({"project_ids": [project]})).await;
    assert_eq!(status, 200);
    // Deleting stays on v1 (the spec has no v2 delete).
    let (status, _) = post(
        &v2_only,
        "/api/v1/runs/delete",
        &json!({"session_id": project, "trace_ids": [v2_only.runs()[0].trace_id]}),
    )
    .await;
    assert_eq!(status, 202);
}

#[tokio::test]
async fn the_lie_ignores_reference_examples_and_the_fault_answers_500_problem_details() {
    let lying = MockServer::builder()
        .examples(5)
        .experiment_sessions(1)
        .faults(Faults {
            lies: Lies {
                runs_v2_ignore_reference_examples: true,
                ..Lies::default()
            },
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let example = lying.seeded_ids()[0];
    let body = json!({"reference_dataset_id": dataset_of(&lying), "reference_examples": [example],
                      "selects": ["REFERENCE_EXAMPLE_ID"]});
    let (items, _) = all_pages(&lying, &body).await;
    assert_eq!(items.len(), lying.runs().len(), "every run of the window");
    assert!(items.iter().any(|r| {
        r.get("reference_example_id")
            .is_some_and(|e| *e != example.to_string())
    }));

    let failing = MockServer::builder()
        .examples(5)
        .experiment_sessions(1)
        .faults(Faults {
            runs_v2_500: true,
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let body = json!({"reference_dataset_id": dataset_of(&failing)});
    for _ in 0..3 {
        let (status, answer) = post(&failing, V2, &body).await;
        assert_eq!(status, 500);
        conforms(500, &answer);
    }
    // v1 is untouched by it.
    let (status, _) = post(&failing, "/api/v1/runs/query", &json!({"limit": 1})).await;
    assert_eq!(status, 200);
}

/// A value the schema accepts (enough for the fields the stand-in refuses).
fn sample(schema: &Value) -> Value {
    let doc = spec::document();
    let schema = spec::resolve(doc, schema);
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(first) = schema[key]
            .as_array()
            .and_then(|a| a.iter().find(|b| b["type"] != "null"))
        {
            return sample(first);
        }
    }
    if let Some(e) = schema["enum"].as_array() {
        return e[0].clone();
    }
    match schema["type"].as_str() {
        Some("boolean") => json!(true),
        Some("integer") | Some("number") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("array") => json!([sample(&schema["items"])]),
        _ => json!("x"),
    }
}

fn body_properties(path: &str) -> serde_json::Map<String, Value> {
    let doc = spec::document();
    let schema = spec::resolve(
        doc,
        &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"],
    );
    schema["properties"].as_object().unwrap().clone()
}

#[tokio::test]
async fn each_refused_field_and_select_is_refused_by_name() {
    let s = server(3, 1).await;
    let project = s.sessions()[0].id;
    // v2: every declared field is applied or refused; the refused ones say so by name.
    let props = body_properties(V2_SPEC);
    let refused: Vec<&str> = V2_QUERY_FIELDS
        .iter()
        .filter(|(_, u)| matches!(u, Use::Refused(_)))
        .map(|(n, _)| *n)
        .collect();
    // `filter` is applied (its subset; the rest is refused by name in tests/filter.rs).
    assert!(
        refused.contains(&"trace_filter") && refused.contains(&"ai_query"),
        "{refused:?}"
    );
    for name in &props.keys().map(String::as_str).collect::<Vec<_>>() {
        assert!(
            V2_QUERY_FIELDS.iter().any(|(n, _)| n == name),
            "{name} undecided"
        );
    }
    for name in refused {
        let mut body = json!({"project_ids": [project]});
        body[name] = sample(&props[name]);
        let (status, answer) = post(&s, V2, &body).await;
        assert_eq!(status, 400, "{name}: {answer}");
        conforms(400, &answer);
        let detail = answer["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("not supported by the stand-in: {name}")),
            "{detail}"
        );
    }
    for (select, u) in V2_SELECTS {
        if matches!(u, Use::Refused(_)) {
            let body = json!({"project_ids": [project], "selects": ["ID", select]});
            let (status, answer) = post(&s, V2, &body).await;
            assert_eq!(status, 400, "{select}: {answer}");
            assert!(
                answer["detail"].as_str().unwrap().contains(select),
                "{answer}"
            );
        }
    }
    // v1: the same audit of BodyParamsForRunsQuerySchema.
    let props = body_properties("/api/v1/runs/query");
    for name in props.keys() {
        assert!(
            V1_QUERY_FIELDS.iter().any(|(n, _)| n == name),
            "{name} undecided"
        );
    }
    for (name, u) in V1_QUERY_FIELDS {
        if matches!(u, Use::Refused(_)) {
            let body = json!({"session": [project], name.to_string(): sample(&props[*name])});
            let (status, answer) = post(&s, "/api/v1/runs/query", &body).await;
            assert_eq!(status, 400, "{name}: {answer}");
            let detail = answer["detail"].as_str().unwrap();
            assert!(
                detail.contains(&format!("not supported by the stand-in: {name}")),
                "{detail}"
            );
            // Null is "not set": applied as absent.
            let body = json!({"session": [project], name.to_string(): null});
            let (status, answer) = post(&s, "/api/v1/runs/query", &body).await;
            assert_eq!(status, 200, "{name}: {answer}");
        }
    }
    let (status, answer) = post(
        &s,
        "/api/v1/runs/query",
        &json!({"session": [project], "use_experimental_search": true}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    // What the facade's generated body always carries is accepted.
    let (status, answer) = post(
        &s,
        "/api/v1/runs/query",
        &json!({"session": [project], "order": "desc", "skip_prev_cursor": false, "use_experimental_search": false, "limit": 100}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    // Undeclared body fields are ignored and recorded.
    let (status, _) = post(
        &s,
        V2,
        &json!({"project_ids": [project], "exclude_default": true}),
    )
    .await;
    assert_eq!(status, 200);
    let last = s.requests().pop().unwrap();
    assert_eq!(last.ignored_params, ["exclude_default"]);
}

#[tokio::test]
async fn v1_applies_its_window_order_and_type_fields() {
    let s = server(20, 1).await;
    let runs = s.runs();
    let now = now();
    let project = s.sessions()[0].id;
    let body = json!({"session": [project], "start_time": at(now - 30 * DAY), "end_time": at(now - 2 * DAY),
                      "order": "asc", "run_type": "llm", "skip_pagination": true, "select": ["start_time"]});
    let (status, answer) = post(&s, "/api/v1/runs/query", &body).await;
    assert_eq!(status, 200, "{answer}");
    let listed = ids_of(answer["runs"].as_array().unwrap());
    let want: HashSet<Uuid> = runs
        .iter()
        .filter(|r| {
            r.run_type == "llm"
                && r.start_time >= now - 30 * DAY
                && r.end_time.is_some_and(|e| e <= now - 2 * DAY)
        })
        .map(|r| r.id)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(listed.iter().copied().collect::<HashSet<_>>(), want);
    let start: HashMap<Uuid, i64> = runs.iter().map(|r| (r.id, r.start_time)).collect();
    assert!(listed.windows(2).all(|w| start[&w[0]] <= start[&w[1]]));
    assert!(answer["cursors"]["next"].is_null());
    let (_, answer) = post(
        &s,
        "/api/v1/runs/query",
        &json!({"session": [project], "error": true}),
    )
    .await;
    assert_eq!(answer["runs"], json!([]), "every seeded run succeeded");
}

#[tokio::test]
async fn get_sessions_lists_the_experiments_with_their_dataset_so_every_project_can_be_enumerated()
{
    let s = MockServer::builder()
        .dataset("a")
        .examples(4)
        .dataset("b")
        .examples(3)
        .experiment_sessions(2)
        .start()
        .await
        .unwrap();
    let get = |q: String| {
        let s = &s;
        async move {
            let r = reqwest::Client::new()
                .get(format!("{}/api/v1/sessions{q}", s.url()))
                .header("x-api-key", s.api_key())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{q}");
            let body: Value = r.json().await.unwrap();
            let schema = &spec::read_operation(spec::SESSIONS_PATH).success_schema;
            let v = spec::validate(schema, &body);
            assert!(v.is_empty(), "{q}: {v:?}");
            body.as_array().unwrap().clone()
        }
    };
    let record = s.sessions();
    assert_eq!(record.len(), 4, "two per dataset");
    let all = get("".into()).await;
    assert_eq!(all.len(), 5, "the default project and the experiments");
    let listed: HashSet<String> = all
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    for session in &record {
        assert!(listed.contains(&session.id.to_string()));
        let row = all
            .iter()
            .find(|x| x["id"] == session.id.to_string())
            .unwrap();
        assert_eq!(
            row["reference_dataset_id"],
            session.reference_dataset_id.unwrap().to_string()
        );
        assert_eq!(row["tenant_id"], s.workspace_id().to_string());
    }
    assert!(listed.contains(&langsmith_mock::session_id(s.workspace_id()).to_string()));
    let a = s.dataset_id("a").unwrap();
    let of_a = get(format!("?reference_dataset={a}")).await;
    assert_eq!(of_a.len(), 2);
    assert!(
        of_a.iter()
            .all(|x| x["reference_dataset_id"] == a.to_string())
    );
    assert_eq!(get("?reference_free=false".into()).await.len(), 4);
    assert_eq!(get("?reference_free=true".into()).await.len(), 1);
    assert_eq!(get("?limit=1".into()).await.len(), 1);
    assert_eq!(get("?offset=3&limit=100".into()).await.len(), 2);
    // Datasets count the experiments that ran over them.
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/datasets", s.url()))
        .header("x-api-key", s.api_key())
        .send()
        .await
        .unwrap();
    let datasets: Value = r.json().await.unwrap();
    let v = spec::validate(
        &spec::read_operation(spec::LIST_DATASETS_PATH).success_schema,
        &datasets,
    );
    assert!(v.is_empty(), "{v:?}");
    for d in datasets.as_array().unwrap() {
        let id = Uuid::parse_str(d["id"].as_str().unwrap()).unwrap();
        let of: Vec<_> = record
            .iter()
            .filter(|x| x.reference_dataset_id == Some(id))
            .collect();
        assert_eq!(d["session_count"], of.len(), "{d}");
        let last = of.iter().map(|x| x.start_time).max().unwrap();
        assert_eq!(d["last_session_start_time"], at(last), "{d}");
    }
    let by_name = get("?sort_by=name&sort_by_desc=false".into()).await;
    let names: Vec<&str> = by_name
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn fault_rules_fail_a_listing_part_way_and_count_per_operation() {
    use langsmith_mock::{Condition, Effect, Operation, Rule};
    let s = MockServer::builder()
        .examples(30)
        .experiment_sessions(1)
        .faults(Faults {
            rules: vec![
                "runs-query-v2:after-1:500".parse::<Rule>().unwrap(),
                Rule {
                    operation: Operation::RunsQueryV1,
                    condition: Condition::FirstN(2),
                    effect: Effect::Status(503),
                },
            ],
            ..Faults::default()
        })
        .start()
        .await
        .unwrap();
    let body = json!({"reference_dataset_id": dataset_of(&s), "page_size": 5});
    let (status, first) = post(&s, V2, &body).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["has_more"], true);
    let mut next = body.clone();
    next["cursor"] = first["next_cursor"].clone();
    for _ in 0..2 {
        let (status, answer) = post(&s, V2, &next).await;
        assert_eq!(status, 500, "{answer}");
        conforms(500, &answer);
    }
    // The v1 rule counts v1 queries only: two 503s, then answers.
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(post(&s, "/api/v1/runs/query", &json!({"limit": 1})).await.0);
        }
        out
    };
    assert_eq!(statuses, [503, 503, 200]);
    assert!("runs-query-v2:sometimes:500".parse::<Rule>().is_err());
    assert!("nowhere:always:500".parse::<Rule>().is_err());
    let bad = Faults {
        rules: vec!["runs-delete:always:200".parse().unwrap()],
        ..Faults::default()
    };
    assert!(s.set_faults(bad).is_err(), "a rule answers an error status");
}
