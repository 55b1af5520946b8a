//! The contract suite: each test reads `openapi/langsmith.yaml` at run time.

use contract_tests::*;
use langsmith::{Client, Error, ExampleIds, RetryPolicy};
use langsmith_mock::MockServer;
use langsmith_mock::raw::{Behavior, RawServer, http_response};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::Digest;
use std::time::Duration;
use uuid::Uuid;

// 1. Currency ------------------------------------------------------------------------

#[test]
fn committed_generated_code_is_current() {
    for target in xtask::TARGETS {
        let fresh = xtask::generate_target(&root(), target).unwrap_or_else(|e| panic!("{e}"));
        let committed = std::fs::read_to_string(root().join(target.out)).unwrap();
        if let Some(diff) = xtask::diff(target.out, &committed, &fresh.code) {
            panic!(
                "{} is stale: run `cargo xtask generate`\n{diff}",
                target.out
            );
        }
    }
}

#[test]
fn banner_records_the_specs_sha256() {
    let committed = std::fs::read_to_string(root().join(xtask::GENERATED_CLIENT)).unwrap();
    let sha: String = sha2::Sha256::digest(spec_text().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(xtask::banner_sha256(&committed), Some(sha.as_str()));
    assert_eq!(langsmith_api::spec::SHA256, sha);
    assert!(committed.lines().take(3).any(|l| l.contains("Do not edit")));
}

// 2, 3, 6. Types, constraints, operations, examples ------------------------------------

#[test]
fn every_check_passes_on_the_vendored_spec() {
    let doc = spec();
    for (name, result) in all_checks(&doc) {
        if let Err(e) = result {
            panic!("{name}:\n{e}");
        }
    }
}

// 8. Sensitivity ----------------------------------------------------------------------

fn mutate(f: impl FnOnce(&mut Value)) -> Value {
    let mut doc = spec();
    f(&mut doc);
    doc
}

const REQ: &str = "/components/schemas/examples.DeleteExamplesRequest";
const RESP: &str = "/components/schemas/examples.ExamplesDeletedResponse";

#[test]
fn every_upstream_change_is_noticed() {
    let mutations: Vec<(&str, Value)> = vec![
        (
            "maxItems changed",
            mutate(|d| {
                let m = &mut d.pointer_mut(REQ).unwrap()["properties"]["example_ids"]["maxItems"];
                *m = json!(m.as_u64().unwrap() * 2);
            }),
        ),
        (
            "minItems changed",
            mutate(|d| {
                d.pointer_mut(REQ).unwrap()["properties"]["example_ids"]["minItems"] = json!(2);
            }),
        ),
        (
            "new required request property",
            mutate(|d| {
                let s = d.pointer_mut(REQ).unwrap();
                s["properties"]["dataset_id"] = json!({"type": "string"});
                s["required"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("dataset_id"));
            }),
        ),
        (
            "response property renamed",
            mutate(|d| {
                let props = d.pointer_mut(RESP).unwrap()["properties"]
                    .as_object_mut()
                    .unwrap();
                let count = props.remove("count").unwrap();
                props.insert("deleted_count".into(), count);
            }),
        ),
        (
            "new response status",
            mutate(|d| {
                let op = d
                    .pointer_mut("/paths/~1v1~1platform~1datasets~1examples~1delete/post")
                    .unwrap();
                let e = op["responses"]["404"].clone();
                op["responses"]["409"] = e;
            }),
        ),
        (
            "description edited",
            mutate(|d| {
                d.pointer_mut(REQ).unwrap()["properties"]["example_ids"]["description"] =
                    json!("Some ids.");
            }),
        ),
        (
            "item type changed",
            mutate(|d| {
                d.pointer_mut(REQ).unwrap()["properties"]["example_ids"]["items"]["type"] =
                    json!("integer");
            }),
        ),
        (
            "hard_delete may now be false",
            mutate(|d| {
                d.pointer_mut(REQ).unwrap()["properties"]["hard_delete"]["description"] =
                    json!("HardDelete: true or false.");
            }),
        ),
        (
            "response example changed shape",
            mutate(|d| {
                d.pointer_mut(RESP).unwrap()["properties"]["count"]["example"] = json!("one");
            }),
        ),
    ];
    // What the generator makes of a document (JSON text, so only the mutation differs).
    let generate = |doc: &Value| {
        let text = serde_json::to_string(doc).unwrap();
        xtask::generate(
            &xtask::SpecSource::from_text(text, xtask::VENDORED_SPEC),
            xtask::Flavor::Workspace,
            xtask::Strictness::Vendored,
        )
        .map(|g| g.code)
    };
    let unmutated = generate(&spec()).unwrap();
    for (name, doc) in &mutations {
        let noticed: Vec<&str> = all_checks(doc)
            .into_iter()
            .filter(|(_, r)| r.is_err())
            .map(|(n, _)| n)
            .collect();
        // Stronger than required: a semantic check notices each, not only regeneration.
        assert!(
            !noticed.is_empty(),
            "mutation `{name}` passes every contract check"
        );
        // `cargo xtask generate --check` may notice too: reported, not required.
        let generation_differs = generate(doc).map_or(true, |c| c != unmutated);
        eprintln!("{name}: noticed by {noticed:?}; generate --check notices: {generation_differs}");
    }
}

// 4. What goes on the wire -------------------------------------------------------------

#[tokio::test]
async fn requests_on_the_wire_match_the_spec() {
    let doc = spec();
    let request_schema = request_schema(&doc);
    let mut b = MockServer::builder();
    b.bearer_token("tok").examples(1100);
    let server = b.start().await.unwrap();
    let ids = server.seeded_ids();
    let schemes = &doc["components"]["securitySchemes"];
    let header_of = |scheme: &str| {
        schemes[scheme]["name"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase()
    };

    let api_key = Client::builder()
        .endpoint(format!("{}/api/v1", server.url()))
        .api_key(server.api_key())
        .workspace_id(server.workspace_id().to_string())
        .build()
        .unwrap();
    let bearer = Client::builder()
        .endpoint(server.url())
        .bearer_token("tok")
        .workspace_id(server.workspace_id().to_string())
        .build()
        .unwrap();
    api_key
        .hard_delete_examples(
            &ExampleIds::from_uuids(ids[..ExampleIds::MAX].iter().copied()).unwrap(),
        )
        .await
        .unwrap();
    bearer
        .hard_delete_examples(
            &ExampleIds::from_uuids(ids[ExampleIds::MAX..].iter().copied()).unwrap(),
        )
        .await
        .unwrap();

    let op_path = operations(&doc)[0].path.clone();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for (i, req) in reqs.iter().enumerate() {
        let body: Value = serde_json::from_slice(req.body.as_ref().unwrap()).unwrap();
        assert_eq!(violations(&request_schema, &body), Vec::<String>::new());
        assert_eq!(req.headers["content-type"], "application/json");
        assert_eq!(req.method, "POST");
        assert_eq!(
            req.path,
            if i == 0 {
                format!("/api{op_path}")
            } else {
                op_path.clone()
            }
        );
        assert_eq!(
            req.headers[header_of("Tenant ID").as_str()],
            server.workspace_id().to_string().as_str()
        );
    }
    assert_eq!(
        reqs[0].headers[header_of("API Key").as_str()],
        server.api_key()
    );
    let bearer_scheme = schemes
        .as_object()
        .unwrap()
        .values()
        .find(|s| s["scheme"] == "bearer")
        .unwrap();
    assert_eq!(bearer_scheme["type"], "http");
    assert_eq!(reqs[1].headers["authorization"], "Bearer tok");
}

// 3. Statuses: documented ones map to their own outcome; undocumented never panic ----------

/// A server answering every request with `status` and a JSON `body`.
async fn canned(status: u16, body: &str) -> RawServer {
    let bytes = http_response(
        &format!("{status} X"),
        &[("content-type", "application/json")],
        body.as_bytes(),
    );
    RawServer::start(Behavior::Respond(bytes)).await.unwrap()
}

fn outcome(result: &Result<langsmith::HardDeleted, Error>) -> &'static str {
    match result {
        Ok(_) => "success",
        Err(Error::BadRequest(_)) => "BadRequest",
        Err(Error::Unauthorized(_)) => "Unauthorized",
        Err(Error::Forbidden(_)) => "Forbidden",
        Err(Error::NotFound(_)) => "NotFound",
        Err(Error::Unprocessable(_)) => "Unprocessable",
        Err(Error::RateLimited { .. }) => "RateLimited",
        Err(Error::Server(_)) => "Server",
        Err(_) => "unexpected",
    }
}

async fn call(url: &str) -> Result<langsmith::HardDeleted, Error> {
    Client::builder()
        .endpoint(url)
        .api_key("k")
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .hard_delete_examples(&ExampleIds::from_uuids([Uuid::from_u128(1)]).unwrap())
        .await
}

#[tokio::test]
async fn every_documented_status_has_its_own_outcome() {
    let doc = spec();
    let mut seen = std::collections::HashSet::new();
    for op in operations(&doc) {
        for (status, schema) in &op.responses {
            let example = example_of(schema).unwrap_or(json!({}));
            let result = call(canned(*status, &example.to_string()).await.url()).await;
            let got = outcome(&result);
            assert_eq!(got, facade_outcome(*status), "status {status}: {result:?}");
            assert!(
                seen.insert(got),
                "status {status} shares the outcome {got} with another documented status"
            );
            if let Err(e) = &result {
                assert_eq!(e.status().map(|s| s.as_u16()), Some(*status));
            }
        }
    }
    for undocumented in [201u16, 202, 204, 302, 409, 418, 451] {
        let result = call(canned(undocumented, "{}").await.url()).await;
        assert!(result.is_err(), "{undocumented} must not be a success");
        assert_eq!(
            outcome(&result),
            facade_outcome(undocumented),
            "{undocumented}"
        );
    }
}

// 6. Random bodies ---------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn schema_valid_success_bodies_deserialise(count in proptest::option::of(any::<i64>()), ids in proptest::option::of(proptest::collection::vec(".*", 0..20))) {
        let mut body = serde_json::Map::new();
        if let Some(c) = count { body.insert("count".into(), json!(c)); }
        if let Some(ids) = &ids { body.insert("example_ids".into(), json!(ids)); }
        let body = Value::Object(body);
        let doc = spec();
        let schema = &operations(&doc)[0].responses[0].1;
        prop_assert!(violations(schema, &body).is_empty());
        let t: langsmith_api::types::ExamplesExamplesDeletedResponse = serde_json::from_value(body).unwrap();
        prop_assert_eq!(t.count, count);
        prop_assert_eq!(t.example_ids, ids.unwrap_or_default());
    }

    #[test]
    fn schema_valid_error_bodies_deserialise(error in proptest::option::of(".*"), details in proptest::option::of(".*")) {
        let body = json!({"error": error, "details": details});
        let body: Value = body.as_object().unwrap().iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>().into();
        let t: langsmith_api::types::ExamplesErrorResponse = serde_json::from_value(body).unwrap();
        prop_assert_eq!(t.error, error);
        prop_assert_eq!(t.details, details);
    }
}

#[tokio::test]
async fn junk_bodies_never_panic() {
    let mut rng = proptest::test_runner::TestRng::deterministic_rng(
        proptest::test_runner::RngAlgorithm::ChaCha,
    );
    for status in [200u16, 400, 401, 403, 404, 422, 429, 500, 503, 418] {
        for _ in 0..8 {
            let len = (rng.random::<u32>() % 200) as usize;
            let junk: String = (0..len)
                .map(|_| char::from_u32(rng.random::<u32>() % 0x250).unwrap_or('?'))
                .filter(|c| *c != '\r')
                .collect();
            let result = call(canned(status, &junk).await.url()).await;
            // Anything but a panic; a 200 with junk is never a success unless it parses.
            if status == 200 && result.is_ok() {
                serde_json::from_str::<Value>(&junk).expect("a success body must have been JSON");
            }
        }
    }
}

// 7. Validation equivalence --------------------------------------------------------------

fn id_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()),
        2 => (0u128..8).prop_map(|n| Uuid::from_u128(n).hyphenated().to_string().to_uppercase()),
        1 => (0u128..8).prop_map(|n| format!("{{{}}}", Uuid::from_u128(n))),
        1 => (0u128..8).prop_map(|n| Uuid::from_u128(n).simple().to_string()),
        1 => (0u128..8).prop_map(|n| Uuid::from_u128(n).urn().to_string()),
        1 => "[0-9a-g-]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_facade_refuses_exactly_what_no_valid_request_allows(
        len_bucket in 0usize..4,
        seed_ids in proptest::collection::vec(id_strategy(), 0..64),
    ) {
        let doc = spec();
        let schema = request_schema(&doc);
        let min = schema["properties"]["example_ids"]["minItems"].as_u64().unwrap() as usize;
        let max = schema["properties"]["example_ids"]["maxItems"].as_u64().unwrap() as usize;
        // Lengths from 0 to max+100: a few, around min, around max.
        let target = match len_bucket { 0 => seed_ids.len(), 1 => min, 2 => max, _ => max + 100 };
        let mut input = seed_ids.clone();
        let mut k = 0u128;
        while input.len() < target { input.push(Uuid::from_u128(1_000_000 + k).to_string()); k += 1; }
        input.truncate(target.max(seed_ids.len().min(target)));

        let bad: Vec<usize> = input.iter().enumerate().filter(|(_, s)| Uuid::parse_str(s.trim()).is_err()).map(|(i, _)| i).collect();
        let unique: std::collections::HashSet<Uuid> = input.iter().filter_map(|s| Uuid::parse_str(s.trim()).ok()).collect();
        let valid_request_exists = bad.is_empty() && (min..=max).contains(&unique.len());

        match ExampleIds::parse(&input) {
            Ok(ids) => {
                prop_assert!(valid_request_exists);
                let body = serde_json::to_value(langsmith_api::types::ExamplesDeleteExamplesRequest {
                    example_ids: ids.to_canonical_strings(),
                    hard_delete: true,
                }).unwrap();
                prop_assert_eq!(violations(&schema, &body), Vec::<String>::new());
                prop_assert_eq!(ids.len(), unique.len());
            }
            Err(e) => {
                prop_assert!(!valid_request_exists);
                let named: Vec<usize> = e.problems.iter().map(|p| p.position).collect();
                prop_assert_eq!(&named[..], &bad[..bad.len().min(langsmith::MAX_LISTED_PROBLEMS)]);
                prop_assert_eq!(e.total_problems, bad.len());
                if bad.is_empty() { prop_assert!(e.count.is_some()); }
            }
        }
    }
}
