//! Decode what you asked for: a project or a feedback is read for a few properties
//! (`PROJECT_FIELDS`, `FEEDBACK_FIELDS`), so a property the client never uses (an enum
//! value newer than the spec, a score of another type, stats of any shape) cannot fail a
//! search; one it uses that is missing or of another type fails it, naming which object.
//! The answers are a hand-written server's, shaped past the spec on purpose.

use langsmith::{Client, ErrorKind};
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

/// A server answering each `GET` path (query string aside) with its body, 404 otherwise;
/// one request per connection.
async fn server(bodies: BTreeMap<&'static str, String>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let bodies = bodies.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut read = 0;
                while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..read]);
                let target = head.split_whitespace().nth(1).unwrap_or_default();
                let path = target.split('?').next().unwrap_or_default();
                let (status, body) = match bodies.get(path) {
                    Some(b) => ("200 OK", b.clone()),
                    None => ("404 Not Found", r#"{"detail":"Not Found"}"#.to_owned()),
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

fn client(url: &str) -> Client {
    Client::builder()
        .endpoint(url)
        .api_key("lsv2_sk_decode")
        .build()
        .unwrap()
}

const PROJECT: &str = "5b3c1a2e-0000-4000-8000-000000000001";
const RUN: &str = "5b3c1a2e-0000-4000-8000-000000000002";

#[tokio::test]
async fn properties_the_client_never_reads_cannot_fail_a_search() {
    let project = serde_json::json!({
        "id": PROJECT,
        "name": "support-prod",
        "tenant_id": "5b3c1a2e-0000-4000-8000-0000000000aa",
        "start_time": "2026-11-01T00:00:00Z",
        "run_count": 12,
        // Past the spec: an enum value it does not name, stats of another shape.
        "trace_tier": "a_tier_from_next_year",
        "feedback_stats": [1, 2, 3],
        "run_facets": "not an array",
    });
    let feedback = serde_json::json!({
        "id": "5b3c1a2e-0000-4000-8000-000000000003",
        "key": "user_comment",
        "run_id": RUN,
        "session_id": PROJECT,
        "comment": "wrong answer, write to jane.doe@example.com",
        // Past the spec: a source type it does not name, a score of another type.
        "feedback_source": {"type": "a_source_from_next_year"},
        "score": {"not": "a number"},
        "created_at": "yesterday",
    });
    let url = server(BTreeMap::from([
        ("/api/v1/sessions", serde_json::json!([project]).to_string()),
        (
            "/api/v1/feedback",
            serde_json::json!([feedback]).to_string(),
        ),
    ]))
    .await;
    let client = client(&url);
    let projects = client.all_projects().await.unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].id, PROJECT.parse::<Uuid>().unwrap());
    assert_eq!(projects[0].run_count, Some(12));
    let read = client
        .feedback_of_project(projects[0].id, &["jane.doe@example.com"])
        .await
        .unwrap();
    assert_eq!((read.listed, read.holding.len()), (1, 1));
    assert_eq!(read.holding[0].run_id, Some(RUN.parse().unwrap()));
}

#[tokio::test]
async fn a_property_the_client_reads_that_is_missing_fails_the_search_naming_it() {
    // The second feedback has no id: the client cannot act on it, so the listing fails.
    let good = serde_json::json!({"id": "5b3c1a2e-0000-4000-8000-000000000003", "key": "k"});
    let bad = serde_json::json!({"key": "k", "comment": "no id"});
    let url = server(BTreeMap::from([(
        "/api/v1/feedback",
        serde_json::json!([good, bad]).to_string(),
    )]))
    .await;
    let e = client(&url)
        .feedback_of_project(PROJECT.parse().unwrap(), &["x"])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedBody, "{e}");
    let chain: Vec<String> = langsmith::error_chain(&e).map(|c| c.to_string()).collect();
    assert!(chain[0].contains("feedback 2 of the listing"), "{chain:?}");
    assert!(chain.iter().any(|c| c.contains("id")), "{chain:?}");
}
