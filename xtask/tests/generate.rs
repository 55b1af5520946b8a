//! `cargo xtask generate --spec PATH --out DIR` as a process: what a user sees.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_xtask");

fn fixture(name: &str) -> String {
    format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_schema_that_makes_typify_panic_is_named_exit_1_no_backtrace() {
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["generate", "--spec", &fixture("typify-panic.json"), "--out"])
        .arg(out.path().join("client"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    // The error names the schema (not `Fine`, which it references) and the operation.
    assert!(
        err.contains("error: ")
            && err.contains("panicked on schema Odd (#/components/schemas/Odd)"),
        "{err}"
    );
    assert!(err.contains("left out GET /x: schema Odd"), "{err}");
    assert!(err.contains("unhandled not schema"), "{err}");
    assert!(!err.contains("stack backtrace"), "{err}");
    assert!(!err.contains("panicked at"), "{err}");
    assert!(!out.path().join("client").exists(), "nothing written");
}

#[test]
fn a_file_that_cannot_be_written_exits_1_naming_it() {
    // `--out` under a regular file: its directory cannot be created.
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let o = Command::new(BIN)
        .args([
            "generate",
            "--spec",
            &fixture("multi-operation-3.1.yaml"),
            "--out",
        ])
        .arg(blocker.join("client"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: cannot write ") && err.contains("a-file"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["generate", "--spec", "x.json"][..],
        &["generate", "--operations", "ops.txt"],
        &["generate", "--out"],
        &["generate", "--frobnicate"],
        &["frobnicate"],
        &[],
    ] {
        let o = Command::new(BIN).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
}
