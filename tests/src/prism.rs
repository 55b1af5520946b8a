//! Stoplight Prism, an independent validator: provisioned with `npm ci` from the pinned
//! `tests/prism/package-lock.json` into `target/prism-cache`, then started on loopback.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A running Prism. Killed when dropped.
pub struct Prism {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prism {
    /// What Prism printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn works(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

static PROVISION: Mutex<()> = Mutex::new(());

/// Installs Prism (once; reused while the lockfile is unchanged) and returns its entry
/// point. `Err` when Node.js or npm is absent or the install fails.
pub fn provision() -> Result<PathBuf, String> {
    let _guard = PROVISION.lock().unwrap_or_else(|e| e.into_inner());
    if !works("node") || !works("npm") {
        return Err("Node.js and npm are needed to run Stoplight Prism".into());
    }
    let root = crate::root();
    let source = root.join("tests/prism");
    let cache = root.join("target/prism-cache");
    let entry = cache.join("node_modules/@stoplight/prism-cli/dist/index.js");
    let lock = std::fs::read(source.join("package-lock.json")).map_err(|e| e.to_string())?;
    let installed_lock = std::fs::read(cache.join("package-lock.json")).ok();
    if entry.exists() && installed_lock.as_deref() == Some(lock.as_slice()) {
        return Ok(entry);
    }
    std::fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    for f in ["package.json", "package-lock.json"] {
        std::fs::copy(source.join(f), cache.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&cache)
        .output()
        .map_err(|e| format!("npm ci: {e}"))?;
    if !out.status.success() || !entry.exists() {
        return Err(format!(
            "npm ci failed in {}: {}",
            cache.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(entry)
}

/// Prism, or `None` after a loud message when it cannot be had outside CI. In CI
/// (`CI=true`) a missing Prism fails the test instead.
/// Prism's entry point, or a panic naming what is missing. The Prism tests are
/// `#[ignore]`d (their reason says so) and run by `.ci/run` and the README's test command
/// with `--include-ignored`; when run, a missing Node.js is a failure, never a silent pass.
pub fn require() -> PathBuf {
    match provision() {
        Ok(p) => p,
        Err(e) => panic!("Stoplight Prism is required for this test: {e}"),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(entry: &Path, args: &[&str]) -> Prism {
    let port = free_port();
    let log = std::env::temp_dir().join(format!("prism-{}-{port}.log", std::process::id()));
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new("node")
        .arg(entry)
        .args(args)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("node starts");
    let prism = Prism {
        child,
        url: format!("http://127.0.0.1:{port}"),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "Prism did not start: {}",
            prism.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    prism
}

/// `prism mock SPEC`: answers from the spec's examples, validating requests.
pub fn mock(entry: &Path, spec: &Path) -> Prism {
    start(entry, &["mock", spec.to_str().unwrap()])
}

/// `prism proxy SPEC UPSTREAM --errors`: forwards to `upstream`, validating both the
/// requests and the upstream's responses against the spec.
pub fn proxy(entry: &Path, spec: &Path, upstream: &str) -> Prism {
    start(
        entry,
        &["proxy", spec.to_str().unwrap(), upstream, "--errors"],
    )
}
