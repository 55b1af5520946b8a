//! The README's Rust example is `examples/erase.rs` (the lines between its markers, as the
//! README shows them), and it runs: against the stand-in it erases exactly the examples
//! holding the text, as the stand-in's own store says.

#[path = "../examples/erase.rs"]
#[allow(dead_code)]
mod example;

use langsmith_mock::MockServer;

const MARKER: &str = "jane.doe@example.com";

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The README's ```rust block of the facade's section.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let after = readme
        .find("### From Rust: the `langsmith` crate")
        .expect("the README has the facade's section");
    let start = after
        + readme[after..]
            .find("```rust\n")
            .expect("the README has a ```rust block there")
        + 8;
    let len = readme[start..].find("```\n").unwrap();
    readme[start..start + len].to_owned()
}

#[test]
fn the_readme_shows_the_example_exactly() {
    let source =
        std::fs::read_to_string(root().join("crates/langsmith/examples/erase.rs")).unwrap();
    let start = source.find("// README-BEGIN\n").unwrap() + "// README-BEGIN\n".len();
    let end = source.find("// README-END\n").unwrap();
    assert_eq!(
        readme_block(),
        source[start..end],
        "README.md and examples/erase.rs differ"
    );
}

#[tokio::test]
async fn the_readme_example_erases_exactly_the_persons_examples() {
    let server = MockServer::builder()
        .dataset("compliance")
        .marker(MARKER, 25)
        .examples(600)
        .dataset("other")
        .marker(MARKER, 25)
        .examples(100)
        .start()
        .await
        .unwrap();
    let compliance = server.dataset_id("compliance").unwrap();
    let want: std::collections::BTreeSet<_> = server
        .marked_ids()
        .into_iter()
        .filter(|id| server.example(id).unwrap().dataset_id == compliance)
        .collect();
    assert!(!want.is_empty());
    // SAFETY: the only test of this binary that reads the environment.
    unsafe {
        std::env::set_var("LANGSMITH_ENDPOINT", server.url());
        std::env::set_var("LANGSMITH_API_KEY", server.api_key());
        std::env::set_var(
            "LANGSMITH_CONFIG_FILE",
            "/nonexistent/langsmith-config.json",
        );
    }
    let erased = example::erase("compliance", MARKER).await.unwrap();
    assert!(erased);
    let deleted: std::collections::BTreeSet<_> = server.hard_deleted_ids().into_iter().collect();
    assert_eq!(deleted, want);
}
