//! CLI login profiles, read like the official SDKs (Python 0.14.17, and per its comments
//! the official CLI and Go SDK): `~/.langsmith/config.json` (or `$LANGSMITH_CONFIG_FILE`),
//!
//! ```json
//! {"current_profile": "work",
//!  "profiles": {"work": {"api_key": "...", "api_key_env": "VAR", "api_key_cmd": "pass show ls",
//!                        "api_url": "https://host/api/v1", "workspace_id": "...",
//!                        "oauth": {"access_token": "...", "refresh_token": "...", "expires_at": 1795910400}}}}
//! ```
//!
//! The profile is the one named explicitly, else `$LANGSMITH_PROFILE`, else
//! `current_profile`, else `default`. Within a profile the key comes from `api_key`, else
//! the variable `api_key_env` names, else the output of `api_key_cmd` (run directly, split
//! like a POSIX shell would split words but with no shell, so nothing in it is
//! interpreted), else an unexpired OAuth access token (sent as a bearer token; an expired
//! one is an error naming the profile: this client does not refresh tokens).

use crate::error::{ConfigError, ProfileError};
use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Deserialize, Default)]
struct ConfigFile {
    current_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

#[derive(Deserialize, Default)]
struct RawProfile {
    api_key: Option<String>,
    api_key_env: Option<String>,
    api_key_cmd: Option<String>,
    api_url: Option<String>,
    workspace_id: Option<String>,
    oauth: Option<OAuth>,
}

#[derive(Deserialize)]
struct OAuth {
    access_token: Option<String>,
    #[allow(dead_code)]
    refresh_token: Option<String>,
    expires_at: Option<serde_json::Value>,
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Not set anywhere: the default.
    Default,
    /// Set by the program (a builder call, a command-line flag).
    Explicit,
    /// An environment variable.
    Env(String),
    /// A profile of the CLI login config file, and which of its fields.
    Profile {
        /// The profile's name.
        name: String,
        /// The field (`api_key`, `api_key_env VAR`, `api_key_cmd`, `oauth`, ...).
        field: String,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("the default"),
            Source::Explicit => f.write_str("the command line"),
            Source::Env(var) => write!(f, "${var}"),
            Source::Profile { name, field } => write!(f, "profile {name:?} ({field})"),
        }
    }
}

/// A credential a profile provides.
pub(crate) enum Credential {
    ApiKey(Secret),
    Bearer(Secret),
}

/// What one profile provides, resolved.
#[derive(Default)]
pub(crate) struct Resolved {
    pub(crate) name: String,
    pub(crate) credential: Option<(Credential, String)>,
    pub(crate) api_url: Option<String>,
    pub(crate) workspace_id: Option<String>,
}

/// The config file's path: `$LANGSMITH_CONFIG_FILE`, else `$HOME/.langsmith/config.json`.
pub(crate) fn config_path(get: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = get("LANGSMITH_CONFIG_FILE").filter(|p| !p.trim().is_empty()) {
        return Some(PathBuf::from(p));
    }
    get("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| Path::new(&h).join(".langsmith").join("config.json"))
}

fn err(path: &Path, profile: Option<&str>, message: impl Into<String>) -> ConfigError {
    caused(path, profile, message, None)
}

/// A profile error whose cause is kept as its source, never flattened into the message.
fn caused(
    path: &Path,
    profile: Option<&str>,
    message: impl Into<String>,
    source: Option<BoxError>,
) -> ConfigError {
    ConfigError::Profile(ProfileError {
        path: path.to_path_buf(),
        profile: profile.map(str::to_owned),
        message: message.into(),
        source,
    })
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why `api_key_cmd` gave no key: what, and the cause when there is one.
type KeyCommandError = (String, Option<BoxError>);

/// Reads the profile to use. `Ok(None)`: no config file and no profile asked for by name.
/// `need_key`: whether the key must be resolved (the environment did not set one), so that
/// `api_key_cmd` runs only when it is needed.
pub(crate) fn resolve(
    get: &dyn Fn(&str) -> Option<String>,
    explicit: Option<&str>,
    need_key: bool,
) -> Result<Option<Resolved>, ConfigError> {
    let Some(path) = config_path(get) else {
        return Ok(None);
    };
    let named = explicit
        .map(str::to_owned)
        .or_else(|| get("LANGSMITH_PROFILE").filter(|p| !p.trim().is_empty()));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && named.is_none() => {
            return Ok(None);
        }
        Err(e) => {
            return Err(caused(
                &path,
                named.as_deref(),
                "cannot read it",
                Some(Box::new(e)),
            ));
        }
    };
    let file: ConfigFile = serde_json::from_str(&text).map_err(|e| {
        caused(
            &path,
            named.as_deref(),
            "not a LangSmith config file",
            Some(Box::new(e)),
        )
    })?;
    let name = named
        .or(file.current_profile.clone())
        .unwrap_or_else(|| "default".into());
    let Some(raw) = file.profiles.get(&name) else {
        if explicit.is_some() || get("LANGSMITH_PROFILE").is_some() {
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            return Err(err(
                &path,
                Some(&name),
                format!("no such profile (the file has: {})", known.join(", ")),
            ));
        }
        return Ok(None);
    };
    let field = |f: &str| f.to_owned();
    let mut out = Resolved {
        name: name.clone(),
        api_url: raw.api_url.clone().filter(|u| !u.trim().is_empty()),
        workspace_id: raw.workspace_id.clone().filter(|w| !w.trim().is_empty()),
        credential: None,
    };
    if !need_key {
        return Ok(Some(out));
    }
    if let Some(key) = raw.api_key.as_deref().filter(|k| !k.trim().is_empty()) {
        out.credential = Some((
            Credential::ApiKey(Secret::new(key.trim())),
            field("api_key"),
        ));
    } else if let Some(var) = raw.api_key_env.as_deref().filter(|v| !v.trim().is_empty()) {
        let value = get(var).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
            err(
                &path,
                Some(&name),
                format!("api_key_env names ${var}, which is not set"),
            )
        })?;
        out.credential = Some((
            Credential::ApiKey(Secret::new(value.trim())),
            format!("api_key_env {var}"),
        ));
    } else if let Some(cmd) = raw.api_key_cmd.as_deref().filter(|c| !c.trim().is_empty()) {
        let key =
            run_key_command(cmd).map_err(|(m, source)| caused(&path, Some(&name), m, source))?;
        out.credential = Some((Credential::ApiKey(key), field("api_key_cmd")));
    } else if let Some(oauth) = &raw.oauth
        && let Some(token) = oauth.access_token.as_deref().filter(|t| !t.is_empty())
    {
        if let Some(expiry) = &oauth.expires_at {
            let at = expiry_time(expiry).ok_or_else(|| {
                err(
                    &path,
                    Some(&name),
                    format!("oauth.expires_at {expiry} is not a time"),
                )
            })?;
            if at <= SystemTime::now() {
                return Err(err(
                    &path,
                    Some(&name),
                    format!(
                        "the OAuth access token expired at {}; log in again with the LangSmith CLI (this client does not refresh tokens), or set LANGSMITH_API_KEY",
                        humantime::format_rfc3339_seconds(at)
                    ),
                ));
            }
        }
        out.credential = Some((Credential::Bearer(Secret::new(token)), field("oauth")));
    }
    Ok(Some(out))
}

/// `expires_at` as seconds (or milliseconds) since the epoch, or an RFC 3339 time.
fn expiry_time(v: &serde_json::Value) -> Option<SystemTime> {
    match v {
        serde_json::Value::Number(n) => {
            let x = n.as_f64()?;
            if !(x.is_finite() && x >= 0.0) {
                return None;
            }
            let secs = if x > 1e12 { x / 1000.0 } else { x };
            UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(secs).ok()?)
        }
        serde_json::Value::String(s) => {
            humantime::parse_rfc3339_weak(s.trim()).ok().or_else(|| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(|x| expiry_time(&serde_json::json!(x)))
            })
        }
        _ => None,
    }
}

/// How long `api_key_cmd` may run.
const KEY_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `api_key_cmd` without a shell: its words are split like a POSIX shell would split
/// them, and the first is the program. Its output, trimmed, is the key; a failure is an
/// error that shows its stderr, never its stdout (which may hold a key).
fn run_key_command(cmd: &str) -> Result<Secret, KeyCommandError> {
    let plain = |m: String| (m, None);
    let words = shlex::split(cmd)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| plain("api_key_cmd: unbalanced quotes or empty".into()))?;
    let mut child = std::process::Command::new(&words[0])
        .args(&words[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            (
                format!("api_key_cmd: cannot run {:?}", words[0]),
                Some(Box::new(e) as BoxError),
            )
        })?;
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() > KEY_COMMAND_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(plain(format!(
                    "api_key_cmd: {:?} did not finish within {} s",
                    words[0],
                    KEY_COMMAND_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                return Err(("api_key_cmd: cannot wait for it".into(), Some(Box::new(e))));
            }
        }
    };
    let out = child.wait_with_output().map_err(|e| {
        (
            "api_key_cmd: cannot read its output".to_owned(),
            Some(Box::new(e) as BoxError),
        )
    })?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(plain(format!(
            "api_key_cmd: {:?} failed ({status}){}",
            words[0],
            if first.is_empty() {
                String::new()
            } else {
                format!(": {}", first.escape_debug())
            }
        )));
    }
    let key = String::from_utf8(out.stdout)
        .map_err(|_| plain("api_key_cmd: its output is not UTF-8".to_owned()))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(plain(format!(
            "api_key_cmd: {:?} printed nothing",
            words[0]
        )));
    }
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn expiry_forms() {
        let t = expiry_time(&serde_json::json!(1_795_910_400)).unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_795_910_400));
        assert_eq!(
            expiry_time(&serde_json::json!(1_795_910_400_000u64)),
            Some(t)
        );
        assert_eq!(
            expiry_time(&serde_json::json!("2026-11-29T00:00:00Z")),
            Some(t)
        );
        assert_eq!(expiry_time(&serde_json::json!("soon")), None);
    }

    #[test]
    fn key_command_runs_without_a_shell() {
        let k = run_key_command("printf '%s\\n' 'lsv2 key;$(rm -rf /)'").unwrap();
        assert_eq!(
            k.expose(),
            "lsv2 key;$(rm -rf /)",
            "no shell interpreted it"
        );
        let (e, _) = run_key_command("sh -c 'echo oops >&2; exit 3'")
            .err()
            .unwrap();
        assert!(e.contains("failed") && e.contains("oops"), "{e}");
        assert!(run_key_command("'unbalanced").is_err());
        // The cause is kept as the source, not flattened into the message.
        let (e, source) = run_key_command("/nonexistent/program").unwrap_err();
        assert!(e.contains("cannot run"), "{e}");
        let source = source.expect("the spawn error is kept");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert!(!e.contains(&source.to_string()), "{e}");
    }

    #[test]
    fn profile_choice_and_key_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"current_profile":"a","profiles":{
                "a":{"api_key":"key-a","api_key_env":"K","api_url":"https://a/api/v1","workspace_id":"ws-a"},
                "b":{"api_key_env":"K"},
                "default":{"api_key_cmd":"echo key-default"}}}"#,
        )
        .unwrap();
        let file = path.to_string_lossy().into_owned();
        let get = env(&[
            ("LANGSMITH_CONFIG_FILE", file.clone()),
            ("K", "key-env".into()),
        ]);
        let r = resolve(&get, None, true).unwrap().unwrap();
        assert_eq!(r.name, "a");
        assert!(
            matches!(&r.credential, Some((Credential::ApiKey(k), f)) if k.expose() == "key-a" && f == "api_key")
        );
        assert_eq!(r.api_url.as_deref(), Some("https://a/api/v1"));
        let r = resolve(&get, Some("b"), true).unwrap().unwrap();
        assert!(
            matches!(&r.credential, Some((Credential::ApiKey(k), _)) if k.expose() == "key-env")
        );
        let get2 = env(&[
            ("LANGSMITH_CONFIG_FILE", file.clone()),
            ("LANGSMITH_PROFILE", "default".into()),
        ]);
        let r = resolve(&get2, None, true).unwrap().unwrap();
        assert!(
            matches!(&r.credential, Some((Credential::ApiKey(k), _)) if k.expose() == "key-default")
        );
        // A file that is not the expected JSON: the parser's error is the source, and
        // the message does not repeat it.
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{not json").unwrap();
        let get_bad = env(&[("LANGSMITH_CONFIG_FILE", bad.to_string_lossy().into_owned())]);
        let e = resolve(&get_bad, None, true).err().unwrap();
        let source = std::error::Error::source(&e).expect("the parse error is the source");
        assert!(source.is::<serde_json::Error>(), "{source:?}");
        assert!(
            e.to_string().ends_with("not a LangSmith config file"),
            "{e}"
        );
        let e = resolve(&get, Some("nope"), true).err().unwrap().to_string();
        assert!(e.contains("no such profile") && e.contains("nope"), "{e}");
        // No file and no profile asked for: nothing.
        let none = env(&[(
            "LANGSMITH_CONFIG_FILE",
            dir.path().join("missing").to_string_lossy().into_owned(),
        )]);
        assert!(resolve(&none, None, true).unwrap().is_none());
    }
}
