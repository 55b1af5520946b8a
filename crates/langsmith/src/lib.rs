//! A validated, ergonomic client for LangSmith's "Hard Delete Examples" API.
//!
//! Built on the progenitor-generated [`langsmith_api`] crate. Invalid requests are not
//! representable: [`ExampleIds`] holds between the spec's `minItems` and `maxItems`
//! canonical, unique UUIDs, and `hard_delete` is always `true`. Every response becomes a
//! [`HardDeleted`] or an [`Error`]; retryable failures are retried per [`RetryPolicy`].
//!
//! ```no_run
//! use langsmith::{BulkOptions, Client, ExampleIds};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // LANGSMITH_ENDPOINT, LANGSMITH_API_KEY, LANGSMITH_WORKSPACE_ID (or LANGCHAIN_*).
//! let client = Client::from_env()?;
//!
//! // One request: 1 to 1000 ids, validated before anything is sent.
//! let ids = ExampleIds::parse(["123e4567-e89b-12d3-a456-426614174000"])?;
//! let deleted = client.hard_delete_examples(&ids).await?;
//! println!("server count: {:?}", deleted.count);
//!
//! // Any number of ids: batched, concurrent, rate-limited, with a report.
//! let many = (0..5_000u128).map(uuid::Uuid::from_u128);
//! let options = BulkOptions { rate_limit_per_minute: Some(2000), ..BulkOptions::default() };
//! let report = client.hard_delete_all(many, &options).await?;
//! assert_eq!(report.confirmed + report.failed + report.not_attempted, report.unique());
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod bulk;
mod client;
mod config;
mod error;
mod ids;
mod retry;

pub use bulk::{BatchCallback, BatchOutcome, BatchReport, BulkOptions, BulkReport};
pub use client::{Client, HardDeleted};
pub use config::{
    ClientBuilder, DEFAULT_ENDPOINT, DEFAULT_USER_AGENT, Secret, clean_env_value, env_var,
};
pub use error::{ApiError, ConfigError, Details, Error};
pub use ids::{
    CountProblem, ExampleIds, IdProblem, IdSet, InvalidIds, MAX_LISTED_PROBLEMS, canonical,
    parse_id, quote_value,
};
pub use retry::{RateLimiter, RetryPolicy};

pub use langsmith_api;
pub use uuid::{self, Uuid};
