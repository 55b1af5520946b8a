//! `verify --from-report` reads the reports of release 0.1.0 (the samples committed in
//! `crates/langsmith-case/tests/data`, written by that release's binary), by type. What
//! is expected comes from the sample's raw JSON and from `sha256sum`.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../langsmith-case/tests/data")
        .join(name)
}

#[test]
fn verify_from_report_reads_each_sample_of_the_release() {
    for name in [
        "main-2026-12-04/hard-delete-ids-with-runs-verify.json",
        "f11bf09/hard-delete-ids-with-runs-verify.json",
    ] {
        let path = sample(name);
        let raw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("verify.json");
        // Under --mock the stand-in is seeded with the report's ids, holding data: the
        // read-back finds every one not erased (6), which shows each id was read.
        let o = Command::new(BIN)
            .env_clear()
            .args(["verify", "--mock", "--from-report"])
            .arg(&path)
            .args(["--report"])
            .arg(&out)
            .output()
            .unwrap();
        let (stdout, err) = text(&o);
        assert_eq!(code(&o), 6, "{name}: {stdout}\n{err}");
        let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let mut ids = BTreeSet::new();
        for (_, list) in raw["ids"].as_object().unwrap() {
            for id in list.as_array().unwrap() {
                ids.insert(id.as_str().unwrap().to_owned());
            }
        }
        let requested = raw["runs"]["traces"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["outcome"] == "deletion_requested")
            .count();
        let from = &v["from_report"];
        assert_eq!(from["ids"], ids.len(), "{name}");
        assert_eq!(from["traces_requested"], requested, "{name}");
        assert_eq!(from["sha256"], sha256sum(&path), "{name}");
        assert_eq!(from["started_at"], raw["started_at"], "{name}");
        assert_eq!(from["ticket"], raw["ticket"], "{name}");
        assert_eq!(
            v["verification"]["totals"]["not_erased"],
            ids.len(),
            "{name}"
        );
    }
}

#[test]
fn a_dry_run_report_is_refused() {
    let o = Command::new(BIN)
        .env_clear()
        .args(["verify", "--mock", "--from-report"])
        .arg(sample("main-2026-12-04/hard-delete-selection-dry-run.json"))
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("the report of a --dry-run"), "{err}");
}

#[test]
fn what_the_commands_write_is_the_model_of_this_version() {
    use langsmith_case::evidence::{self, Document, SCHEMA};
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("run.json");
    let o = Command::new(BIN)
        .env_clear()
        .args(["hard-delete", "--mock", "--yes", "--with-runs", "--verify"])
        .args(["--ids-file"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ids.txt"))
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let bytes = std::fs::read(&report).unwrap();
    let raw: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(raw["schema"], SCHEMA);
    let Document::Deletion(r) = evidence::load(&bytes).unwrap() else {
        panic!("not a deletion report")
    };
    // Read back by type, it writes the same document again.
    assert_eq!(serde_json::to_value(&r).unwrap(), raw);
    assert_eq!(
        r.all_ids().len() as u64,
        raw["unique_ids"].as_u64().unwrap()
    );

    let o = Command::new(BIN)
        .env_clear()
        .args(["select", "--mock", "--dataset", "compliance", "--contains"])
        .args(["jane.doe@example.com", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let doc: evidence::SelectDoc = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc.schema, SCHEMA);
    assert_eq!(doc.count, doc.ids.len());
}
