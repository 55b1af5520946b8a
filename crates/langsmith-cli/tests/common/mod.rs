//! What the CLI's end-to-end tests share: a stand-in and a scratch directory, the binary
//! run against them with a key that must never show in what it prints, and reading what
//! it printed. Each test file adds its own constructors and look-ups to [`Env`].

#![allow(dead_code)]

use langsmith_mock::MockServer;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_langsmith-examples");

/// A stand-in, the key it takes, and a scratch directory.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub server: MockServer,
    pub key: &'static str,
    /// Where the binary is pointed (`LANGSMITH_ENDPOINT`): the stand-in, unless a test
    /// puts something in front of it.
    pub endpoint: String,
}

impl Env {
    pub fn with(server: MockServer, key: &'static str) -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            endpoint: server.url(),
            server,
            key,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the binary against the stand-in (endpoint and key from the environment),
    /// on a blocking thread so the in-process server keeps serving.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None).await
    }

    /// [`Env::run`], with these bytes on its stdin.
    pub async fn run_with_stdin(&self, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("LANGSMITH_ENDPOINT", &self.endpoint)
            .env("LANGSMITH_API_KEY", self.key)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let o = tokio::task::spawn_blocking(move || {
            let mut child = c.spawn().unwrap();
            if let Some(bytes) = stdin {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(&bytes).unwrap();
            }
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        let (out, err) = text(&o);
        assert!(
            !out.contains(self.key) && !err.contains(self.key),
            "the key leaked"
        );
        o
    }
}

/// stdout and stderr, as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The exit code.
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// The sha256 of some bytes, as `sha256sum` computes it.
pub fn sha256sum_of(bytes: &[u8]) -> String {
    let mut c = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin.take().unwrap().write_all(bytes).unwrap();
    let o = c.wait_with_output().unwrap();
    String::from_utf8(o.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The sha256 of a file, as `sha256sum` computes it.
pub fn sha256sum(path: &Path) -> String {
    sha256sum_of(&std::fs::read(path).unwrap())
}
