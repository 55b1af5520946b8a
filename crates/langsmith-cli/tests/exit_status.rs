//! One exit status: the same failure ends every command with the same code. A forwarding
//! front before the stand-in fails the runs query (a 404 problem document from the v2
//! route: a request that failed; or both routes missing: no runs API) and passes
//! everything else through, so each command reaches that request after real work. What is expected is the help
//! texts' word (`--help`, read here) and the stand-in's record of what it received.

mod common;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::*;
use langsmith_mock::MockServer;

const KEY: &str = "lsv2_sk_EXIT_STATUS_5e6f7a8b";
const MARKER: &str = "jane.doe@example.com";
/// Both runs query routes (v2, and v1 where v2 is missing): a server serving neither.
const RUNS_QUERIES: [&str; 2] = ["/api/v2/runs/query", "/api/v1/runs/query"];

/// How the front fails the runs query.
#[derive(Clone, Copy, Debug)]
enum Failure {
    /// Both routes missing (FastAPI's 404 `{"detail": "Not Found"}`): no runs API.
    NoRoute,
    /// The v2 route answers a 404 problem document (RFC 7807): an answer, not a missing
    /// route, so no fallback: a failed request of kind `not_found`.
    Problem404,
}

impl Failure {
    fn paths(self) -> &'static [&'static str] {
        match self {
            Failure::NoRoute => &RUNS_QUERIES,
            Failure::Problem404 => &RUNS_QUERIES[..1],
        }
    }

    fn answer(self) -> Response {
        match self {
            Failure::NoRoute => (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"detail":"Not Found"}"#,
            )
                .into_response(),
            Failure::Problem404 => (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/problem+json")],
                r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"no such dataset"}"#,
            )
                .into_response(),
        }
    }

    /// What stderr says of it.
    fn said(self) -> &'static str {
        match self {
            Failure::NoRoute => "no runs query is served",
            Failure::Problem404 => "not found",
        }
    }
}

/// Starts a front that answers `POST` to the runs query as `failure` says and forwards
/// every other request to `upstream`; returns its URL.
async fn front(upstream: String, failure: Failure) -> String {
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: Request| {
        let client = client.clone();
        let upstream = upstream.clone();
        async move {
            let (parts, body) = req.into_parts();
            if parts.method == axum::http::Method::POST
                && failure.paths().contains(&parts.uri.path())
            {
                return failure.answer();
            }
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let url = format!(
                "{upstream}{}",
                parts.uri.path_and_query().map_or("/", |p| p.as_str())
            );
            let mut request = client.request(parts.method, url).body(bytes);
            for (name, value) in &parts.headers {
                if name != header::HOST && name != header::CONTENT_LENGTH {
                    request = request.header(name, value);
                }
            }
            let answer = request.send().await.unwrap();
            let mut out = Response::new(Body::empty());
            *out.status_mut() = answer.status();
            for (name, value) in answer.headers() {
                if name != header::TRANSFER_ENCODING && name != header::CONTENT_LENGTH {
                    out.headers_mut().insert(name, value.clone());
                }
            }
            *out.body_mut() = Body::from(answer.bytes().await.unwrap());
            out
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn env_with_front(failure: Failure) -> Env {
    let mut b = MockServer::builder();
    b.api_key(KEY)
        .dataset("compliance")
        .marker(MARKER, 5)
        .examples(40)
        .experiment_sessions(1);
    let mut env = Env::with(b.start().await.unwrap(), KEY);
    env.endpoint = front(env.server.url(), failure).await;
    env
}

/// The code a command's `--help` gives for `what` (the first line naming it).
fn code_in_help(command: &str, what: &str) -> i32 {
    let o = std::process::Command::new(BIN)
        .args([command, "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(o.stdout).unwrap();
    let mut code = None;
    for line in help.lines() {
        if let Some(n) = line
            .strip_prefix("  ")
            .and_then(|l| l.split_whitespace().next())
            .and_then(|w| w.parse::<i32>().ok())
        {
            code = Some(n);
        }
        if line.contains(what) {
            return code.unwrap_or_else(|| panic!("{command}: {what:?} before any code"));
        }
    }
    panic!("{command} --help does not mention {what:?}:\n{help}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_runs_lookup_ends_every_command_with_one_code() {
    for failure in [Failure::Problem404, Failure::NoRoute] {
        one_failure_one_code(failure).await;
    }
}

async fn one_failure_one_code(failure: Failure) {
    let env = env_with_front(failure).await;
    let marked: Vec<String> = env
        .server
        .marked_ids()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(!marked.is_empty());

    let select = env
        .run(&[
            "select",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--with-runs",
        ])
        .await;
    // Only reads so far: verify the same ids before anything is deleted.
    let mut verify_args = vec!["verify", "--with-runs"];
    verify_args.extend(marked.iter().map(String::as_str));
    let verify = env.run(&verify_args).await;
    let hard_delete = env
        .run(&[
            "hard-delete",
            "--dataset",
            "compliance",
            "--contains",
            MARKER,
            "--with-runs",
            "--yes",
        ])
        .await;

    // The runs query was sent by each (so each reached it after real work), and the
    // deletion of examples happened in hard-delete: the runs lookup came after it.
    let runs_queries = env
        .server
        .requests()
        .iter()
        .filter(|r| RUNS_QUERIES.contains(&r.path.as_str()))
        .count();
    assert_eq!(
        runs_queries, 0,
        "the front answered every runs query itself"
    );
    assert_eq!(env.server.hard_deleted_count(), marked.len());

    let codes: Vec<(&str, i32, String)> = [
        ("select", &select),
        ("verify", &verify),
        ("hard-delete", &hard_delete),
    ]
    .into_iter()
    .map(|(name, o)| (name, code(o), text(o).1))
    .collect();
    for (name, c, err) in &codes {
        assert!(err.contains(failure.said()), "{failure:?} {name}: {err}");
        assert_eq!(*c, codes[0].1, "{failure:?}: {name} differs: {codes:?}");
    }
    // ...and that code is the one each command's help gives a failed runs lookup.
    for (name, what) in [
        ("select", "runs lookup"),
        ("verify", "runs query failed"),
        ("hard-delete", "runs lookup or a trace"),
    ] {
        assert_eq!(
            code_in_help(name, what),
            codes[0].1,
            "{failure:?}: {name} --help"
        );
    }
}
