//! The client: built from a [`ClientBuilder`], holding the generated client, the retry
//! policy and the rate limiter its calls share.

use crate::config::{self, ClientBuilder};
use crate::error::{ConfigError, HttpClientError};
use crate::retry::{RateLimiter, RetryPolicy};

/// A LangSmith client for hard-deleting dataset examples.
///
/// Cheap to clone: clones share the connection pool and the rate limiter.
///
/// ```no_run
/// # async fn demo() -> Result<(), langsmith::Error> {
/// let client = langsmith::Client::from_env()?;
/// let ids = langsmith::ExampleIds::parse(["123e4567-e89b-12d3-a456-426614174000"])?;
/// let answer = client.hard_delete_examples(&ids).await?;
/// for id in answer.confirmation(ids.as_slice()).confirmed() {
///     println!("{id}: deleted, the server says so");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) api: langsmith_api::Client,
    pub(crate) retry: RetryPolicy,
    limiter: Option<std::sync::Arc<RateLimiter>>,
    endpoint: String,
    workspace_id: Option<String>,
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Configured like the official SDKs: `LANGSMITH_*` (or `LANGCHAIN_*`) environment
    /// variables, then the CLI login profile for what they leave unset
    /// ([`ClientBuilder::from_env_and_profile`]).
    pub fn from_env() -> Result<Client, ConfigError> {
        ClientBuilder::from_env_and_profile(None)?.build()
    }

    pub(crate) fn from_builder(b: ClientBuilder) -> Result<Client, ConfigError> {
        let base = config::base_url(&b.endpoint, b.allow_insecure_http)?;
        config::check_proxy(&base, b.allow_insecure_http)?;
        let headers = config::auth_headers(&b)?;
        let mut http = reqwest::Client::builder()
            .timeout(b.timeout)
            .connect_timeout(b.connect_timeout);
        if let Some(customize) = &b.http_customizer {
            http = customize(http);
        }
        // Never follow a redirect: the credentials would go wherever it points.
        let http = http
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                ConfigError::HttpClient(HttpClientError {
                    source: Box::new(e),
                })
            })?;
        let api = langsmith_api::Client::new_with_client(
            &base,
            http,
            langsmith_api::RequestDefaults::new(headers).with_versioned_base_path(
                url::Url::parse(&base)
                    .map(|u| u.path().to_owned())
                    .unwrap_or_default()
                    .as_str(),
            ),
        );
        if b.rate_limit_per_minute == Some(0) {
            return Err(ConfigError::setting(
                "rate limit",
                "must be at least 1 request per minute",
            ));
        }
        Ok(Client {
            api,
            retry: b.retry,
            limiter: b
                .rate_limit_per_minute
                .map(|n| std::sync::Arc::new(RateLimiter::per_minute(n))),
            endpoint: b.endpoint,
            workspace_id: b.workspace_id,
        })
    }

    /// The endpoint as configured.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The workspace id, if configured.
    pub fn workspace_id(&self) -> Option<&str> {
        self.workspace_id.as_deref()
    }

    /// The client-side rate limiter, shared by every clone of this client and every call.
    pub(crate) fn limiter(&self) -> Option<&RateLimiter> {
        self.limiter.as_deref()
    }

    /// The generated client underneath, for operations the facade does not wrap.
    pub fn api(&self) -> &langsmith_api::Client {
        &self.api
    }
}

impl ClientBuilder {
    /// Builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        Client::from_builder(self)
    }
}
