//! The person workspace, in raw HTTP: what the API answers is checked against the
//! stand-in's own record (`person_copies()`, `person_left()`, `runs()`, `feedback()`) and
//! the spec (response schemas validated with `jsonschema`); what "holds the person" means
//! is checked on the answers' own text here, apart from the record's scan.

use langsmith_mock::person::{IDENTIFIERS, OTHER, PersonCopies, PersonScale};
use langsmith_mock::{Faults, Lies, MockServer, spec};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

const DAY: i64 = 86_400;

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
        "{status} is not documented for {method} {path}"
    );
    let schema = &response["content"]["application/json"]["schema"];
    let v = spec::validate(&spec::inline(doc, schema), body);
    assert!(v.is_empty(), "{method} {path} {status} {body}: {v:?}");
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn iso(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn person_server(faults: Faults) -> MockServer {
    MockServer::builder()
        .person_workspace()
        .faults(faults)
        .start()
        .await
        .unwrap()
}

/// Whether the JSON text of `v` names `who` (any identifier, any case).
fn names(v: &Value, who: [&str; 3]) -> bool {
    let text = v.to_string().to_lowercase();
    who.iter().any(|i| text.contains(&i.to_lowercase()))
}

fn uuid(v: &Value) -> Uuid {
    Uuid::parse_str(v.as_str().unwrap()).unwrap()
}

/// Every run of `session` (v2, paged), with the selects asked.
async fn v2_all(server: &MockServer, body: Value) -> Vec<Value> {
    let mut body = body;
    body["min_start_time"] = iso(now() - 90 * DAY).into();
    body["page_size"] = 1000.into();
    let (s, page) = ok(server, Method::POST, "/api/v2/runs/query", Some(&body)).await;
    assert_eq!(s, 200, "{body}: {page}");
    conforms("/v2/runs/query", "post", s, &page);
    assert_eq!(page["has_more"], false);
    page["items"].as_array().unwrap().clone()
}

fn total(m: &BTreeMap<Uuid, BTreeSet<Uuid>>) -> usize {
    m.values().map(BTreeSet::len).sum()
}

#[tokio::test]
async fn the_person_workspace_is_deterministic_and_spreads_the_person_everywhere() {
    let a = person_server(Faults::default()).await;
    let b = person_server(Faults::default()).await;
    let p = a.person_copies();
    assert_eq!(p, b.person_copies(), "the same build gives the same ids");
    let ids = |s: &MockServer| s.runs().iter().map(|r| r.id).collect::<BTreeSet<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert!(
        MockServer::builder().start().await.unwrap().person_copies() == PersonCopies::default()
    );

    let scale = PersonScale::default();
    assert_eq!(p.examples.len(), scale.datasets - 1, "{p:?}");
    assert!(p.examples.values().all(|e| e.len() == scale.copies));
    let plain: BTreeSet<Uuid> = a
        .sessions()
        .iter()
        .filter(|s| s.reference_dataset_id.is_none())
        .map(|s| s.id)
        .collect();
    assert_eq!(plain.len(), scale.projects);
    assert_eq!(
        p.traces.keys().filter(|s| plain.contains(s)).count(),
        scale.projects - 1
    );
    assert!(!p.experiment_traces.is_empty());
    // Experiment traces of the person's examples that hold no identifier themselves.
    let bare = p
        .experiment_traces
        .iter()
        .flat_map(|(s, t)| t.iter().map(move |t| (*s, *t)))
        .filter(|(s, t)| !p.traces.get(s).is_some_and(|x| x.contains(t)))
        .count();
    assert!(bare >= 2, "{p:?}");
    assert_eq!(
        (
            p.shared_runs.len(),
            p.shared_datasets.len(),
            p.rules.len(),
            p.exports.len()
        ),
        (1, 1, 1, 1)
    );
    assert!(p.feedback.len() >= scale.projects, "{p:?}");

    // Every person example, read through the API, names the person; no other does.
    let examples = p.example_ids();
    let mut others = 0;
    let (s, datasets) = ok(&a, Method::GET, "/api/v1/datasets?limit=100", None).await;
    assert_eq!(s, 200);
    for dataset in datasets.as_array().unwrap().iter().map(|d| uuid(&d["id"])) {
        let (s, list) = ok(
            &a,
            Method::GET,
            &format!("/api/v1/examples?dataset={dataset}&limit=100"),
            None,
        )
        .await;
        assert_eq!(s, 200);
        for e in list.as_array().unwrap() {
            let id = uuid(&e["id"]);
            let whole = json!([e["inputs"], e["outputs"], e["metadata"]]);
            assert_eq!(names(&whole, IDENTIFIERS), examples.contains(&id), "{e}");
            others += usize::from(!examples.contains(&id) && names(&whole, OTHER));
        }
    }
    assert!(others > 0, "decoys of OTHER sit beside the person");

    // Examples made from traces: one whose source run names the person, one whose does not.
    let runs = a.runs();
    let run = |id: Uuid| runs.iter().find(|r| r.id == id).unwrap();
    let holds = |id: Uuid| {
        let r = run(id);
        names(
            &json!([r.inputs, r.outputs, r.error, r.extra, r.events]),
            IDENTIFIERS,
        )
    };
    assert!(!p.source_runs.is_empty());
    assert!(p.source_runs.values().all(|r| holds(*r)));
    let mut clean_source = 0;
    for e in &examples {
        let (s, ex) = ok(&a, Method::GET, &format!("/api/v1/examples/{e}"), None).await;
        assert_eq!(s, 200);
        if let Some(src) = ex["source_run_id"].as_str() {
            let src = Uuid::parse_str(src).unwrap();
            assert_eq!(p.source_runs.get(e) == Some(&src), holds(src), "{ex}");
            clean_source += usize::from(!holds(src));
        }
    }
    assert_eq!(
        clean_source, 1,
        "one person example was made from a run naming no one"
    );
    assert!(
        p.source_runs.keys().any(|e| !examples.contains(e)),
        "someone else's example made from the person's run"
    );

    // Runs over the last 60 days, most older than a day.
    let t = now();
    assert!(
        runs.iter()
            .all(|r| r.start_time > t - 61 * DAY && r.start_time <= t)
    );
    let old = runs.iter().filter(|r| r.start_time < t - DAY).count();
    assert!(old * 4 > runs.len() * 3, "{old} of {}", runs.len());
}

#[tokio::test]
async fn search_finds_the_persons_traces_except_past_character_250_and_nobody_elses() {
    let server = person_server(Faults::default()).await;
    let p = server.person_copies();
    let filter = format!(
        "or({})",
        IDENTIFIERS.map(|i| format!("search(\"{i}\")")).join(", ")
    );
    let mut missed = 0;
    for session in server.sessions() {
        let found: BTreeSet<Uuid> = v2_all(
            &server,
            json!({"project_ids": [session.id], "filter": filter, "selects": ["TRACE_ID"]}),
        )
        .await
        .iter()
        .map(|r| uuid(&r["trace_id"]))
        .collect();
        let record = p.traces.get(&session.id).cloned().unwrap_or_default();
        assert!(
            found.is_subset(&record),
            "{}: {found:?} {record:?}",
            session.name
        );
        missed += record.difference(&found).count();
        // Someone else's identifiers find none of the person's traces.
        let others: BTreeSet<Uuid> = v2_all(
            &server,
            json!({"project_ids": [session.id], "filter": format!("search(\"{}\")", OTHER[1]), "selects": ["TRACE_ID"]}),
        )
        .await
        .iter()
        .map(|r| uuid(&r["trace_id"]))
        .collect();
        assert!(others.is_disjoint(&record), "{}", session.name);
    }
    assert!(
        missed >= 1,
        "some traces hold the person past character 250"
    );
    assert!(total(&p.traces) > missed * 2);
}

#[tokio::test]
async fn experiment_traces_are_found_by_the_persons_examples() {
    let server = person_server(Faults::default()).await;
    let p = server.person_copies();
    let examples: Vec<Uuid> = p.example_ids().into_iter().collect();
    for session in server
        .sessions()
        .iter()
        .filter(|s| s.reference_dataset_id.is_some())
    {
        let dataset = session.reference_dataset_id.unwrap();
        let found: BTreeSet<Uuid> = v2_all(
            &server,
            json!({"reference_dataset_id": dataset, "reference_examples": examples, "selects": ["TRACE_ID"]}),
        )
        .await
        .iter()
        .map(|r| uuid(&r["trace_id"]))
        .collect();
        assert_eq!(found, p.experiment_traces[&session.id], "{}", session.name);
    }
}

#[tokio::test]
async fn share_links_rules_and_exports_are_listed_in_the_specs_shapes_and_revoked() {
    let server = person_server(Faults::default()).await;
    let p = server.person_copies();
    let (s, shared) = ok(
        &server,
        Method::GET,
        "/api/v1/workspaces/current/shared",
        None,
    )
    .await;
    assert_eq!(s, 200);
    conforms("/api/v1/workspaces/current/shared", "get", s, &shared);
    let listed = |kind: &str, field: &str| -> BTreeSet<Uuid> {
        shared["entities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == kind)
            .map(|e| uuid(&e[field]))
            .collect()
    };
    let runs = listed("run", "run_id");
    let datasets = listed("dataset", "dataset_id");
    assert!(
        p.shared_runs.is_subset(&runs) && runs.len() > p.shared_runs.len(),
        "{shared}"
    );
    assert!(p.shared_datasets.is_subset(&datasets) && datasets.len() > p.shared_datasets.len());

    let (s, rules) = ok(&server, Method::GET, "/api/v1/runs/rules", None).await;
    assert_eq!(s, 200);
    conforms("/api/v1/runs/rules", "get", s, &rules);
    let rule = &rules[0];
    assert!(p.rules.contains(&uuid(&rule["id"])));
    assert!(
        p.examples.contains_key(&uuid(&rule["add_to_dataset_id"])),
        "it adds runs to a person dataset"
    );
    for (q, n) in [
        (format!("dataset_id={}", Uuid::nil()), 0),
        (
            format!("session_id={}", rule["session_id"].as_str().unwrap()),
            1,
        ),
        ("type=session".to_owned(), 1),
        ("type=dataset".to_owned(), 0),
        ("name_contains=ESCALATION".to_owned(), 1),
    ] {
        let (s, list) = ok(
            &server,
            Method::GET,
            &format!("/api/v1/runs/rules?{q}"),
            None,
        )
        .await;
        assert_eq!((s, list.as_array().unwrap().len()), (200, n), "{q}");
    }
    let (s, body) = ok(
        &server,
        Method::GET,
        "/api/v1/runs/rules?evaluator_id=00000000-0000-4000-8000-000000000000",
        None,
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("evaluator_id"));
    let (s, body) = ok(&server, Method::GET, "/api/v1/runs/rules?type=nope", None).await;
    assert_eq!(s, 422);
    conforms("/api/v1/runs/rules", "get", s, &body);

    let (s, exports) = ok(&server, Method::GET, "/api/v1/bulk-exports", None).await;
    assert_eq!(s, 200);
    conforms("/api/v1/bulk-exports", "get", s, &exports);
    assert!(p.exports.contains(&uuid(&exports[0]["id"])));
    assert_eq!(exports[0]["interval_hours"], 24, "a recurring export");

    // Dataset share: read, put (idempotent), delete, read again.
    let d = *p.shared_datasets.first().unwrap();
    let path = format!("/api/v1/datasets/{d}/share");
    let spec_path = "/api/v1/datasets/{dataset_id}/share";
    let (s, read) = ok(&server, Method::GET, &path, None).await;
    conforms(spec_path, "get", s, &read);
    let (s, put) = ok(&server, Method::PUT, &path, None).await;
    conforms(spec_path, "put", s, &put);
    assert_eq!(read, put, "sharing again keeps the token");
    let (s, _) = ok(
        &server,
        Method::PUT,
        &format!("{path}?share_projects=true"),
        None,
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = ok(&server, Method::DELETE, &path, None).await;
    assert_eq!(s, 200);
    let (s, read) = ok(&server, Method::GET, &path, None).await;
    assert_eq!((s, read), (200, Value::Null));
    let (s, _) = ok(&server, Method::DELETE, &path, None).await;
    assert_eq!(s, 404, "not shared any more");
    // The run share too; then nothing of the person is shared.
    let r = *p.shared_runs.first().unwrap();
    let (s, _) = ok(
        &server,
        Method::DELETE,
        &format!("/api/v1/runs/{r}/share"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let left = server.person_left();
    assert!(
        left.shared_runs.is_empty() && left.shared_datasets.is_empty(),
        "{left:?}"
    );
    assert_eq!(server.shared_datasets().len(), 1, "the decoy stays shared");
    let (s, shared) = ok(
        &server,
        Method::GET,
        "/api/v1/workspaces/current/shared",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(shared["entities"].as_array().unwrap().len(), 2, "{shared}");
}

#[tokio::test]
async fn erasing_what_the_record_names_empties_it_and_leaves_everyone_else_alone() {
    let server = person_server(Faults::default()).await;
    let p = server.person_copies();
    let runs_before = server.runs();
    let feedback_before = server.feedback();
    let traces = p.all_traces();
    let in_person_trace =
        |session: Uuid, trace: Uuid| traces.get(&session).is_some_and(|t| t.contains(&trace));

    let ids: Vec<String> = p.example_ids().iter().map(Uuid::to_string).collect();
    let (s, body) = ok(
        &server,
        Method::POST,
        "/v1/platform/datasets/examples/delete",
        Some(&json!({"example_ids": ids, "hard_delete": true})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    for (session, t) in &traces {
        let (s, body) = ok(
            &server,
            Method::POST,
            "/api/v1/runs/delete",
            Some(&json!({"session_id": session, "trace_ids": t})),
        )
        .await;
        assert_eq!(s, 202, "{body}");
    }
    // Feedback on other people's traces naming the person outlives the traces deleted.
    let left = server.person_left();
    assert!(!left.feedback.is_empty(), "{left:?}");
    for f in &left.feedback {
        let (s, _) = ok(
            &server,
            Method::DELETE,
            &format!("/api/v1/feedback/{f}"),
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
    // The shared dataset exposes no one now its person examples are nulled; its link is
    // still out there, and revoked all the same.
    let left = server.person_left();
    assert!(left.is_erased(), "{left:?}");
    assert_eq!(server.shared_datasets().len(), 2);
    for d in &p.shared_datasets {
        let (s, _) = ok(
            &server,
            Method::DELETE,
            &format!("/api/v1/datasets/{d}/share"),
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
    let left = server.person_left();
    assert!(left.is_erased(), "{left:?}");
    assert_eq!(
        (left.rules, left.exports),
        (p.rules.clone(), p.exports.clone()),
        "configuration is not data"
    );

    // Everyone else's runs and feedback are all still there.
    let after: BTreeSet<Uuid> = server.runs().iter().map(|r| r.id).collect();
    for r in &runs_before {
        assert_eq!(
            after.contains(&r.id),
            !in_person_trace(r.session_id, r.trace_id),
            "{}",
            r.id
        );
    }
    let feedback_after: BTreeSet<Uuid> = server.feedback().iter().map(|f| f.id).collect();
    for f in &feedback_before {
        let gone_with_trace = f
            .run_id
            .and_then(|r| runs_before.iter().find(|x| x.id == r))
            .is_some_and(|r| in_person_trace(r.session_id, r.trace_id));
        assert_eq!(
            feedback_after.contains(&f.id),
            !gone_with_trace && !p.feedback.contains(&f.id),
            "{f:?}"
        );
    }
    assert!(
        server
            .feedback()
            .iter()
            .any(|f| names(&json!(f.fields), OTHER))
    );
}

#[tokio::test]
async fn the_lies_keep_feedback_behind_a_404_and_leak_foreign_rows() {
    let faults = Faults {
        lies: Lies {
            feedback_delete_404: true,
            foreign_examples: 2,
            ..Lies::default()
        },
        ..Faults::default()
    };
    let server = person_server(faults).await;
    let p = server.person_copies();
    let f = *p.feedback.first().unwrap();
    let (s, body) = ok(
        &server,
        Method::DELETE,
        &format!("/api/v1/feedback/{f}"),
        None,
    )
    .await;
    assert_eq!(s, 404, "{body}");
    assert!(body["detail"].is_string());
    assert!(server.feedback().iter().any(|x| x.id == f), "kept");
    let (s, _) = ok(&server, Method::GET, &format!("/api/v1/feedback/{f}"), None).await;
    assert_eq!(s, 200, "still readable");

    let (dataset, _) = p.examples.first_key_value().unwrap();
    let (s, list) = ok(
        &server,
        Method::GET,
        &format!("/api/v1/examples?dataset={dataset}&limit=100"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let foreign = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| uuid(&e["dataset_id"]) != *dataset)
        .count();
    assert!(
        foreign > 0,
        "an examples listing of one dataset returns rows of others"
    );
}

#[tokio::test]
async fn every_new_route_checks_the_key_first_and_answers_errors_as_json() {
    let server = person_server(Faults::default()).await;
    let d = *server.person_copies().shared_datasets.first().unwrap();
    let share = format!("/api/v1/datasets/{d}/share");
    for (method, path) in [
        (Method::GET, share.as_str()),
        (Method::PUT, share.as_str()),
        (Method::DELETE, share.as_str()),
        (Method::GET, "/api/v1/runs/rules"),
        (Method::GET, "/api/v1/bulk-exports"),
        (Method::GET, "/runs/rules"),
        (Method::GET, "/bulk-exports"),
    ] {
        let (s, body) = call(&server, method.clone(), path, None, None).await;
        assert_eq!(s, 401, "{method} {path}: {body}");
        assert!(body.is_object(), "{method} {path}: a JSON error");
        let (s, body) = call(&server, method.clone(), path, None, Some("wrong")).await;
        assert_eq!(s, 401, "{method} {path}: {body}");
    }
    let spec_path = "/api/v1/datasets/{dataset_id}/share";
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let (s, body) = ok(&server, method.clone(), "/api/v1/datasets/nope/share", None).await;
        assert_eq!(s, 422, "{method}: {body}");
        conforms(spec_path, &method.as_str().to_lowercase(), s, &body);
        let (s, body) = ok(
            &server,
            method.clone(),
            &format!("/api/v1/datasets/{}/share", Uuid::nil()),
            None,
        )
        .await;
        assert_eq!(s, 404, "{method}: {body}");
        assert!(body["detail"].is_string(), "{body}");
    }
    // Each route served is one the spec declares, with that method.
    let doc = spec::document();
    for (path, method) in [
        (spec_path, "get"),
        (spec_path, "put"),
        (spec_path, "delete"),
        ("/api/v1/runs/rules", "get"),
        ("/api/v1/bulk-exports", "get"),
        ("/api/v1/workspaces/current/shared", "get"),
        ("/api/v1/feedback/{feedback_id}", "delete"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
}

#[test]
fn serve_person_seeds_it_and_names_the_person() {
    use std::io::{BufRead, BufReader};
    let bin = env!("CARGO_BIN_EXE_langsmith-mock");
    let mut child = std::process::Command::new(bin)
        .args([
            "serve",
            "--person",
            "--port",
            "0",
            "--fault-runs-v2-search-ignores-filter",
            "--fault-feedback-delete-404",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.contains("decoy");
        lines.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = lines.join("\n");
    assert!(
        text.contains(IDENTIFIERS[0]) && text.contains(OTHER[0]),
        "{text}"
    );
    assert!(
        text.contains("1 shared run(s), 1 shared dataset(s)"),
        "{text}"
    );
}

#[tokio::test]
async fn any_scale_seeds_a_consistent_record_even_at_the_edges() {
    for scale in [
        PersonScale {
            datasets: 0,
            examples_per_dataset: 0,
            projects: 0,
            runs_per_project: 0,
            copies: 0,
        },
        PersonScale {
            datasets: 1,
            examples_per_dataset: 2,
            projects: 1,
            runs_per_project: 2,
            copies: 5,
        },
        PersonScale {
            datasets: 9,
            examples_per_dataset: 40,
            projects: 7,
            runs_per_project: 60,
            copies: 9,
        },
    ] {
        let server = MockServer::builder()
            .person_workspace_scaled(scale)
            .start()
            .await
            .unwrap();
        let p = server.person_copies();
        let holding = |n: usize| if n > 1 { n - 1 } else { n };
        let per = scale.copies.min(scale.examples_per_dataset);
        assert_eq!(
            p.example_ids().len(),
            holding(scale.datasets) * per,
            "{scale:?}"
        );
        let plain: BTreeSet<Uuid> = server
            .sessions()
            .iter()
            .filter(|s| s.reference_dataset_id.is_none())
            .map(|s| s.id)
            .collect();
        let plain_traces: usize = p
            .traces
            .iter()
            .filter(|(s, _)| plain.contains(s))
            .map(|(_, t)| t.len())
            .sum();
        assert_eq!(
            plain_traces,
            holding(scale.projects) * scale.copies.min(scale.runs_per_project),
            "{scale:?}"
        );
        assert_eq!(server.person_left(), p, "nothing erased yet: {scale:?}");
        let traces: usize = server
            .runs()
            .iter()
            .filter(|r| r.parent_run_id.is_none() && plain.contains(&r.session_id))
            .count();
        assert_eq!(traces, scale.projects * scale.runs_per_project);
    }
}
