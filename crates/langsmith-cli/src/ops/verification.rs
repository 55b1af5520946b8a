//! Proving: reading ids back.

use crate::model::exit::{Exit, usage};
use crate::util::Tick;
use langsmith::{AsOf, Client, Uuid, VerifyOptions, VerifyReport};
use std::sync::Arc;

/// Parses `--as-of`: RFC 3339 (`2026-05-01T00:00:00Z`).
pub(crate) fn parse_as_of(text: &str) -> Result<AsOf, Exit> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.to_utc())
        .map_err(|e| {
            usage(format!(
                "--as-of {}: not an RFC 3339 time such as 2026-05-01T00:00:00Z ({e}); nothing was sent",
                langsmith::quote_value(text)
            ))
        })
}

/// Reads `ids` back, telling `progress` of each request; `cancel` (Ctrl-C) stops
/// starting requests.
pub(crate) async fn verify_ids(
    client: &Client,
    ids: Vec<Uuid>,
    as_of: Option<AsOf>,
    concurrency: usize,
    progress: Arc<dyn Tick>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
) -> VerifyReport {
    progress.set_total(ids.len() as u64);
    let bar = progress.clone();
    let options = VerifyOptions {
        concurrency,
        as_of,
        on_request: Some(langsmith::VerifyCallback::new(
            move |r: &langsmith::VerifyRequest| bar.inc(r.ids() as u64),
        )),
        cancel: Some(cancel),
    };
    let report = client
        .verify_erased(ids, &options)
        .await
        .expect("verification has no invalid options");
    progress.finish();
    report
}
