//! Configuration: environment, builder, endpoint rules and authentication headers.

use crate::error::{ConfigError, InsecureHttp};
use crate::profile::Source;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use langsmith_api::spec;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// The endpoint the official SDKs default to.
pub const DEFAULT_ENDPOINT: &str = "https://api.smith.langchain.com";
/// `User-Agent` sent unless the caller sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("langsmith-rs/", env!("CARGO_PKG_VERSION"));
/// Header naming an organization, for bearer auth on org-scoped APIs (the spec's Bearer
/// scheme description names it; it is not a scheme of its own).
pub(crate) const ORGANIZATION_HEADER: &str = "x-organization-id";

/// Strips surrounding whitespace and quotes as the official SDKs do; empty is unset.
pub(crate) fn clean_env_value(raw: &str) -> Option<String> {
    let v = raw.trim().trim_matches('"').trim_matches('\'').trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// Reads `LANGSMITH_{name}`, then `LANGCHAIN_{name}`, through `get`: the variable's name
/// and its cleaned value.
pub(crate) fn env_var_named(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
) -> Option<(String, String)> {
    ["LANGSMITH", "LANGCHAIN"].iter().find_map(|prefix| {
        let var = format!("{prefix}_{name}");
        get(&var)
            .and_then(|v| clean_env_value(&v))
            .map(|v| (var, v))
    })
}

/// Settings for a [`crate::Client`].
///
/// ```
/// use std::time::Duration;
/// let client = langsmith::Client::builder()
///     .endpoint("https://langsmith.internal.example/api/v1") // self-hosted: /v1 is not doubled
///     .api_key("lsv2_sk_...")
///     .workspace_id("00000000-0000-4000-8000-000000000001")
///     .timeout(Duration::from_secs(10))
///     .rate_limit_per_minute(2000)
///     .build()?;
/// assert_eq!(client.endpoint(), "https://langsmith.internal.example/api/v1");
/// # Ok::<(), langsmith::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    pub(crate) endpoint: String,
    pub(crate) api_key: Option<Secret>,
    pub(crate) bearer_token: Option<Secret>,
    pub(crate) workspace_id: Option<String>,
    pub(crate) organization_id: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: String,
    pub(crate) http_customizer: Option<HttpCustomizer>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) rate_limit_per_minute: Option<u32>,
    pub(crate) sources: Sources,
}

/// Where the builder's settings came from (for `-v` output and support); never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// The endpoint's.
    pub endpoint: Source,
    /// The API key's or bearer token's.
    pub credential: Source,
    /// The workspace id's.
    pub workspace_id: Source,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            endpoint: Source::Default,
            credential: Source::Default,
            workspace_id: Source::Default,
        }
    }
}

/// Adjusts the `reqwest::ClientBuilder` the facade builds (proxies, TLS roots, pools).
pub(crate) type HttpCustomizer =
    std::sync::Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key)
            .field("bearer_token", &self.bearer_token)
            .field("workspace_id", &self.workspace_id)
            .field("organization_id", &self.organization_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            endpoint: DEFAULT_ENDPOINT.into(),
            api_key: None,
            bearer_token: None,
            workspace_id: None,
            organization_id: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            user_agent: DEFAULT_USER_AGENT.into(),
            http_customizer: None,
            allow_insecure_http: false,
            rate_limit_per_minute: None,
            sources: Sources::default(),
        }
    }
}

impl ClientBuilder {
    /// Defaults, overridden by `LANGSMITH_ENDPOINT`, `LANGSMITH_API_KEY` and
    /// `LANGSMITH_WORKSPACE_ID` (each falling back to its `LANGCHAIN_*` name).
    pub fn from_env() -> Self {
        Self::from_env_with(&|name| std::env::var(name).ok())
    }

    /// [`ClientBuilder::from_env`] with a custom variable lookup (for tests and embedding).
    pub fn from_env_with(get: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut b = ClientBuilder::default();
        if let Some((var, endpoint)) = env_var_named(get, "ENDPOINT") {
            b = b.endpoint(endpoint);
            b.sources.endpoint = Source::Env(var);
        }
        if let Some((var, key)) = env_var_named(get, "API_KEY") {
            b.api_key = Some(Secret::new(key));
            b.sources.credential = Source::Env(var);
        }
        if let Some((var, ws)) = env_var_named(get, "WORKSPACE_ID") {
            b.workspace_id = Some(ws);
            b.sources.workspace_id = Source::Env(var);
        }
        b
    }

    /// Like the official SDKs: the environment ([`ClientBuilder::from_env`]) first, then
    /// the CLI login profile for whatever it left unset (see the `profile` module docs:
    /// `~/.langsmith/config.json` or `$LANGSMITH_CONFIG_FILE`; the profile named here,
    /// else `$LANGSMITH_PROFILE`, else the file's `current_profile`, else `default`).
    /// Settings made on the builder afterwards win over both.
    ///
    /// Fails when a variable is set but not UTF-8 (it is never silently skipped for its
    /// fallback), or when the chosen profile cannot be used (a missing file for a named
    /// profile, an `api_key_cmd` that fails, an expired OAuth token).
    pub fn from_env_and_profile(profile: Option<&str>) -> Result<Self, ConfigError> {
        for prefix in ["LANGSMITH", "LANGCHAIN"] {
            for name in ["ENDPOINT", "API_KEY", "WORKSPACE_ID"] {
                let var = format!("{prefix}_{name}");
                if let Some(v) = std::env::var_os(&var)
                    && v.to_str().is_none()
                {
                    return Err(ConfigError::setting(
                        "environment",
                        format!(
                            "${var} is set but is not valid UTF-8; fix or unset it (no other variable is read in its place)"
                        ),
                    ));
                }
            }
        }
        Self::from_env_and_profile_with(&|name| std::env::var(name).ok(), profile)
    }

    /// [`ClientBuilder::from_env_and_profile`] with a custom variable lookup (`HOME`
    /// and `LANGSMITH_CONFIG_FILE` locate the profile file).
    pub fn from_env_and_profile_with(
        get: &dyn Fn(&str) -> Option<String>,
        profile: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let mut b = Self::from_env_with(get);
        let need_key = b.api_key.is_none();
        let Some(p) = crate::profile::resolve(get, profile, need_key)? else {
            return Ok(b);
        };
        let from = |field: &str| Source::Profile {
            name: p.name.clone(),
            field: field.to_owned(),
        };
        if b.sources.endpoint == Source::Default
            && let Some(url) = &p.api_url
        {
            b = b.endpoint(url);
            b.sources.endpoint = from("api_url");
        }
        if b.workspace_id.is_none()
            && let Some(ws) = &p.workspace_id
        {
            b.workspace_id = Some(ws.clone());
            b.sources.workspace_id = from("workspace_id");
        }
        if let Some((credential, field)) = p.credential {
            match credential {
                crate::profile::Credential::ApiKey(k) => b.api_key = Some(k),
                crate::profile::Credential::Bearer(t) => b.bearer_token = Some(t),
            }
            b.sources.credential = from(&field);
        }
        Ok(b)
    }

    /// Where each setting came from.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The API endpoint: `https://api.smith.langchain.com`, or a self-hosted
    /// `https://host/api/v1` (a trailing `/v1` is not doubled). Quotes and a trailing
    /// slash are stripped.
    pub fn endpoint(mut self, endpoint: impl AsRef<str>) -> Self {
        self.endpoint = clean_env_value(endpoint.as_ref())
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        self.sources.endpoint = Source::Explicit;
        self
    }

    /// The API key, sent as `X-API-Key`.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self.bearer_token = None;
        self.sources.credential = Source::Explicit;
        self
    }

    /// A bearer token, sent as `Authorization: Bearer`; needs a workspace or organization id.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.bearer_token = Some(token.into());
        self.sources.credential = Source::Explicit;
        self
    }

    /// The workspace (tenant) id, sent as `X-Tenant-Id`.
    pub fn workspace_id(mut self, id: impl Into<String>) -> Self {
        self.workspace_id = Some(id.into());
        self.sources.workspace_id = Source::Explicit;
        self
    }

    /// The organization id, sent as `X-Organization-Id` (bearer auth, org-scoped calls).
    pub fn organization_id(mut self, id: impl Into<String>) -> Self {
        self.organization_id = Some(id.into());
        self
    }

    /// Time allowed for one attempt, response body included (default 30 s).
    /// [`ClientBuilder::http_client_with`] may override it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s). [`ClientBuilder::http_client_with`] may
    /// override it.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::none`] turns it off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Replaces the `User-Agent`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Adjusts the HTTP client before it is built (proxies, TLS roots, pools...). The
    /// function receives a `reqwest::ClientBuilder` with this builder's timeouts set and
    /// returns it; redirect following is then turned off whatever it set, so that the
    /// credentials never reach another origin.
    pub fn http_client_with<F>(mut self, customize: F) -> Self
    where
        F: Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    {
        self.http_customizer = Some(std::sync::Arc::new(customize));
        self
    }

    /// Allows plain `http://` to hosts other than loopback (or to loopback through an
    /// `HTTP_PROXY`). Off by default: the key would travel unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// A client-side limit on request starts per minute, retries included, shared by
    /// every clone of the client and every call (LangSmith publishes 2000/min per API
    /// key). Default: none.
    pub fn rate_limit_per_minute(mut self, per_minute: u32) -> Self {
        self.rate_limit_per_minute = Some(per_minute);
        self
    }

    /// The endpoint as configured.
    pub fn configured_endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether an API key or bearer token is set.
    pub fn has_credentials(&self) -> bool {
        self.api_key.is_some() || self.bearer_token.is_some()
    }

    /// The workspace id as configured.
    pub fn configured_workspace_id(&self) -> Option<&str> {
        self.workspace_id.as_deref()
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// The base URL handed to the generated client: the endpoint without a trailing slash.
/// An endpoint ending in a version (`https://host/api/v1`) is declared to the generated
/// client's hook ([`langsmith_api::RequestDefaults::with_versioned_base_path`]), which
/// drops each spec path's own version prefix, as the official SDKs do.
pub(crate) fn base_url(endpoint: &str, allow_insecure_http: bool) -> Result<String, ConfigError> {
    let bad = |reason: &str| ConfigError::endpoint(endpoint, reason);
    let url = Url::parse(endpoint).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => bad(&format!(
            "a scheme is needed: write https://{endpoint} (or http:// for loopback)"
        )),
        e => bad(&e.to_string()),
    })?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let host = url.host().ok_or_else(|| bad("no host"))?;
            if !allow_insecure_http && !is_loopback(&host) {
                return Err(ConfigError::InsecureHttp(InsecureHttp {
                    host: host.to_string(),
                    proxy_variable: None,
                }));
            }
        }
        _ if !endpoint.contains("://") => {
            return Err(bad(&format!(
                "a scheme is needed: write https://{endpoint} (or http:// for loopback)"
            )));
        }
        other => return Err(bad(&format!("scheme {other:?} is not http or https"))),
    }
    if url.host().is_none() {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an endpoint has no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials belong in the API key, not the URL"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Plain http to loopback is allowed because it never leaves the machine; through a
/// proxy it would. Uses the same matcher (and so the same `HTTP_PROXY`, `ALL_PROXY` and
/// `NO_PROXY` rules) as reqwest.
pub(crate) fn check_proxy(base: &str, allow_insecure_http: bool) -> Result<(), ConfigError> {
    if allow_insecure_http || !base.starts_with("http://") {
        return Ok(());
    }
    let Ok(uri) = base.parse::<http::Uri>() else {
        return Ok(());
    };
    let matcher = hyper_util::client::proxy::matcher::Matcher::from_system();
    if matcher.intercept(&uri).is_none() {
        return Ok(());
    }
    let variable = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .find(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
        .unwrap_or("the system proxy");
    Err(ConfigError::InsecureHttp(InsecureHttp {
        host: uri.host().unwrap_or_default().to_owned(),
        proxy_variable: Some(variable),
    }))
}

fn scheme_header(parameter_name: &'static str) -> Result<HeaderName, ConfigError> {
    HeaderName::try_from(parameter_name)
        .map_err(|e| ConfigError::header("security scheme header", e.to_string()))
}

fn header_value(what: &'static str, value: &str, secret: bool) -> Result<HeaderValue, ConfigError> {
    let mut v = HeaderValue::try_from(value).map_err(|_| {
        // Never echo the value: it may be a secret.
        ConfigError::header(what, "contains characters not allowed in an HTTP header")
    })?;
    v.set_sensitive(secret);
    Ok(v)
}

/// The headers every request carries, per the spec's security schemes.
pub(crate) fn auth_headers(b: &ClientBuilder) -> Result<HeaderMap, ConfigError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        USER_AGENT,
        header_value("user agent", &b.user_agent, false)?,
    );
    if let Some(key) = &b.api_key {
        headers.insert(
            scheme_header(spec::security_schemes::api_key::PARAMETER_NAME)?,
            header_value("API key", key.expose(), true)?,
        );
    }
    if let Some(token) = &b.bearer_token {
        if b.workspace_id.is_none() && b.organization_id.is_none() {
            return Err(ConfigError::setting(
                "bearer token",
                "a bearer token needs a workspace (X-Tenant-Id) or organization (X-Organization-Id) id",
            ));
        }
        let value = format!("Bearer {}", token.expose());
        headers.insert(AUTHORIZATION, header_value("bearer token", &value, true)?);
    }
    if let Some(ws) = &b.workspace_id {
        headers.insert(
            scheme_header(spec::security_schemes::tenant_id::PARAMETER_NAME)?,
            header_value("workspace id", ws, false)?,
        );
    }
    if let Some(org) = &b.organization_id {
        headers.insert(
            HeaderName::from_static(ORGANIZATION_HEADER),
            header_value("organization id", org, false)?,
        );
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn env_defaults_and_fallbacks() {
        let b = ClientBuilder::from_env_with(&env(&[]));
        assert_eq!(b.endpoint, DEFAULT_ENDPOINT);
        assert!(b.api_key.is_none() && b.workspace_id.is_none());

        let b = ClientBuilder::from_env_with(&env(&[
            ("LANGCHAIN_ENDPOINT", "'https://eu.example.com/'"),
            ("LANGCHAIN_API_KEY", " \"lsv2_old\" "),
            ("LANGSMITH_API_KEY", "lsv2_new"),
            ("LANGCHAIN_WORKSPACE_ID", "ws-1"),
        ]));
        assert_eq!(b.endpoint, "https://eu.example.com");
        assert_eq!(b.api_key.as_ref().unwrap().expose(), "lsv2_new");
        assert_eq!(b.workspace_id.as_deref(), Some("ws-1"));

        let b = ClientBuilder::from_env_with(&env(&[
            ("LANGSMITH_API_KEY", "  "),
            ("LANGCHAIN_API_KEY", "\"fallback\""),
        ]));
        assert_eq!(b.api_key.unwrap().expose(), "fallback");
    }

    #[test]
    fn the_base_url_is_the_endpoint_without_a_trailing_slash() {
        // The version suffix is kept: the generated client's hook maps each path behind it
        // (see `langsmith_api::hooks`; the wire paths are tested in tests/integration.rs).
        for (endpoint, base) in [
            (
                "https://api.smith.langchain.com",
                "https://api.smith.langchain.com",
            ),
            ("https://host/api/v1", "https://host/api/v1"),
            ("https://host/api/v1/", "https://host/api/v1"),
            ("https://host/api", "https://host/api"),
        ] {
            assert_eq!(base_url(endpoint, false).unwrap(), base);
        }
    }

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.3.4.5",
        ] {
            assert!(base_url(ok, false).is_ok(), "{ok}");
        }
        let err = base_url("http://example.com", false).unwrap_err();
        assert!(matches!(err, ConfigError::InsecureHttp(_)), "{err}");
        assert!(base_url("http://example.com", true).is_ok());
        for bad in ["ftp://x", "not a url", "https://h/?q=1", "https://u:p@h"] {
            assert!(
                matches!(base_url(bad, false), Err(ConfigError::Endpoint(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn secrets_never_print() {
        let b = ClientBuilder::default()
            .api_key("lsv2_sk_TOPSECRET")
            .bearer_token("tok_TOPSECRET");
        let shown = format!("{b:?} {} {:?}", b.api_key.as_ref().unwrap(), b.api_key);
        assert!(!shown.contains("TOPSECRET"), "{shown}");
        let bad = ClientBuilder::default().api_key("TOPSECRET\n");
        let err = auth_headers(&bad).unwrap_err().to_string();
        assert!(!err.contains("TOPSECRET"), "{err}");
    }

    #[test]
    fn headers_per_auth_mode() {
        let h = auth_headers(&ClientBuilder::default().api_key("k").workspace_id("ws")).unwrap();
        assert_eq!(h["x-api-key"], "k");
        assert!(h["x-api-key"].is_sensitive());
        assert_eq!(h["x-tenant-id"], "ws");
        assert!(h.get(AUTHORIZATION).is_none());
        assert!(h[USER_AGENT].to_str().unwrap().starts_with("langsmith-rs/"));

        let h = auth_headers(
            &ClientBuilder::default()
                .bearer_token("t")
                .organization_id("org"),
        )
        .unwrap();
        assert_eq!(h[AUTHORIZATION], "Bearer t");
        assert!(h[AUTHORIZATION].is_sensitive());
        assert_eq!(h[ORGANIZATION_HEADER], "org");
        assert!(h.get("x-api-key").is_none());

        let e = auth_headers(&ClientBuilder::default().bearer_token("t")).unwrap_err();
        assert!(
            matches!(&e, ConfigError::Setting(s) if s.what() == "bearer token"),
            "{e}"
        );
        assert!(e.to_string().contains("X-Tenant-Id"), "{e}");
        let err = base_url("127.0.0.1:8080", false).unwrap_err().to_string();
        assert!(err.contains("a scheme is needed"), "{err}");
    }
}
