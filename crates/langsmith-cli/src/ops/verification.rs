//! Proving: reading ids back.

use crate::model::exit::{Exit, usage};
use crate::util::Tick;
use langsmith::{AsOf, Client, Uuid, VerifyOptions, VerifyReport};
use std::sync::Arc;

/// Parses `--as-of`: RFC 3339 (`2026-05-01T00:00:00Z`), not in the future (a read as of
/// a time to come is a read of the latest version, which `--as-of` left out gives).
pub(crate) fn parse_as_of(text: &str) -> Result<AsOf, Exit> {
    past(
        "--as-of",
        text,
        "a version not made yet; leave --as-of out to read the latest",
    )
}

/// Parses `--deleted-after`: RFC 3339, not in the future (a deletion not made yet).
pub(crate) fn parse_deleted_after(text: &str) -> Result<AsOf, Exit> {
    past("--deleted-after", text, "the ids' deletion was before now")
}

/// Parses the time of `flag`, refusing one in the future (`why` says why).
fn past(flag: &str, text: &str, why: &str) -> Result<AsOf, Exit> {
    let t = parse_time(flag, text)?;
    if t > AsOf::from(std::time::SystemTime::now()) {
        return Err(usage(format!(
            "{flag} {}: in the future ({why}); nothing was sent",
            langsmith::quote_value(text)
        )));
    }
    Ok(t)
}

/// Parses the time of `flag`: RFC 3339 (`2026-05-01T00:00:00Z`).
fn parse_time(flag: &str, text: &str) -> Result<AsOf, Exit> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.to_utc())
        .map_err(|e| {
            usage(format!(
                "{flag} {}: not an RFC 3339 time such as 2026-05-01T00:00:00Z ({e}); nothing was sent",
                langsmith::quote_value(text)
            ))
        })
}

/// The times a read-back reads: one time (`--as-of`), or the latest and then, for ids no
/// longer listed, times before their deletion ([`VerifyOptions::before_deletion`]).
#[derive(Default, Clone)]
pub(crate) struct ReadAt {
    pub as_of: Option<AsOf>,
    pub before_deletion: Vec<AsOf>,
}

impl ReadAt {
    /// The latest, then these times (latest first, each once) for ids no longer listed.
    pub fn latest_then(times: impl IntoIterator<Item = AsOf>) -> ReadAt {
        let mut before: Vec<AsOf> = times.into_iter().collect();
        before.sort_unstable_by(|a, b| b.cmp(a));
        before.dedup();
        ReadAt {
            as_of: None,
            before_deletion: before,
        }
    }
}

/// Reads `ids` back, telling `progress` of each request; `cancel` (Ctrl-C) stops
/// starting requests.
pub(crate) async fn verify_ids(
    client: &Client,
    ids: Vec<Uuid>,
    at: ReadAt,
    concurrency: usize,
    progress: Arc<dyn Tick>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
) -> VerifyReport {
    progress.set_total(ids.len() as u64);
    let bar = progress.clone();
    let options = VerifyOptions {
        concurrency,
        as_of: at.as_of,
        before_deletion: at.before_deletion,
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
