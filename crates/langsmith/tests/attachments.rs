//! Verification and attachments (issue 23): content nulled but `attachment_urls` still
//! listed is not erased. Judged from the stand-in's record of which examples have them.

use langsmith::{Client, ExampleIds, Verification, VerifyOptions};
use langsmith_mock::MockServer;
use std::time::Duration;

async fn run(delay: Duration) -> (MockServer, langsmith::VerifyReport) {
    let server = MockServer::builder()
        .examples(12)
        .attachments_every(2)
        .attachment_delay(delay)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(server.url())
        .api_key(server.api_key())
        .build()
        .unwrap();
    let ids = server.seeded_ids();
    let listed_at = std::time::SystemTime::now() - Duration::from_secs(1);
    client
        .hard_delete_examples(&ExampleIds::from_uuids(ids.clone()).unwrap())
        .await
        .unwrap();
    // Listed no more (as LangSmith does): read as of before the deletion, where the hard
    // delete nulled every version and the attachments are listed until they are gone.
    let options = VerifyOptions {
        before_deletion: vec![listed_at.into()],
        ..VerifyOptions::default()
    };
    let report = client.verify_erased(ids, &options).await.unwrap();
    (server, report)
}

#[tokio::test]
async fn attachments_still_listed_are_pending_never_erased() {
    let (server, report) = run(Duration::from_secs(60)).await;
    let with = server.ids_with_attachments();
    assert!(!with.is_empty() && with.len() < 12, "{with:?}");
    for (id, outcome) in report.outcomes() {
        if with.contains(id) {
            assert_eq!(
                outcome,
                Verification::AttachmentsPending { attachments: 1 },
                "{id}"
            );
            assert_eq!(outcome.as_str(), "attachments_pending");
        } else {
            assert_eq!(outcome, Verification::Erased, "{id}");
        }
    }
    assert!(!report.all_erased());
}

#[tokio::test]
async fn once_the_attachments_are_gone_every_example_is_erased() {
    let (_server, report) = run(Duration::ZERO).await;
    assert!(report.outcomes().all(|(_, o)| o == Verification::Erased));
    assert!(report.all_erased());
}
