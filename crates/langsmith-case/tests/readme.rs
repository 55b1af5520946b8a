//! The README's case example is `examples/case.rs` (the lines between its markers, as the
//! README shows them after "A case from Rust"), and it runs: against the stand-in's
//! person workspace it closes the case, and the stand-in's own record shows nothing of
//! the person left.

#[path = "../examples/case.rs"]
#[allow(dead_code)]
mod example;

use langsmith_mock::MockServer;
use langsmith_mock::person::IDENTIFIERS;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The README's ```rust block that follows the heading naming the case example.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let after = readme
        .find("#### A case from Rust")
        .expect("the README has a case example");
    let start = after
        + readme[after..]
            .find("```rust\n")
            .expect("a ```rust block after it")
        + 8;
    let len = readme[start..].find("```\n").unwrap();
    readme[start..start + len].to_owned()
}

#[test]
fn the_readme_shows_the_case_example_exactly() {
    let source =
        std::fs::read_to_string(root().join("crates/langsmith-case/examples/case.rs")).unwrap();
    let start = source.find("// README-BEGIN\n").unwrap() + "// README-BEGIN\n".len();
    let end = source.find("// README-END\n").unwrap();
    assert_eq!(
        readme_block(),
        source[start..end],
        "README.md and examples/case.rs differ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_case_example_closes_the_case_and_leaves_nothing_of_the_person() {
    let server = MockServer::builder()
        .person_workspace()
        .start()
        .await
        .unwrap();
    assert!(!server.person_copies().is_erased());
    // SAFETY: the only test of this binary that reads the environment.
    unsafe {
        std::env::set_var("LANGSMITH_ENDPOINT", server.url());
        std::env::set_var("LANGSMITH_API_KEY", server.api_key());
        std::env::set_var(
            "LANGSMITH_CONFIG_FILE",
            "/nonexistent/langsmith-config.json",
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let state = example::erase_person(&tmp.path().join("case"), "DSR-1", &IDENTIFIERS)
        .await
        .unwrap();
    assert_eq!(state, langsmith_case::case::CaseState::Closed);
    let left = server.person_left();
    assert!(left.is_erased(), "left: {left:?}");
}
