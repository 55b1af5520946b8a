//! The JSON run report (`--report PATH`, `--output json`). It never holds the API key.

use langsmith::{BatchOutcome, BulkReport};
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Serialize)]
pub struct Report<'a> {
    pub endpoint: &'a str,
    pub workspace: Option<&'a str>,
    pub dry_run: bool,
    pub started_at: String,
    pub finished_at: String,
    pub input_lines: u64,
    pub unique_ids: u64,
    pub duplicates_dropped: u64,
    /// Ids skipped because the journal had them confirmed already.
    pub already_confirmed: u64,
    pub batches: Vec<Batch>,
    pub totals: Totals,
}

#[derive(Serialize)]
pub struct Batch {
    pub index: usize,
    pub ids: Vec<String>,
    pub outcome: &'static str,
    pub http_status: Option<u16>,
    pub server_count: Option<i64>,
    pub attempts: u32,
    pub elapsed_ms: u64,
    pub error: Option<String>,
}

/// `confirmed + failed + not_attempted + already_confirmed == unique_ids`.
#[derive(Serialize, Default, Clone, Copy)]
pub struct Totals {
    pub confirmed: u64,
    pub failed: u64,
    pub not_attempted: u64,
    pub already_confirmed: u64,
}

pub fn outcome_name(o: BatchOutcome) -> &'static str {
    match o {
        BatchOutcome::Confirmed => "confirmed",
        BatchOutcome::Failed => "failed",
        BatchOutcome::NotAttempted => "not_attempted",
    }
}

pub fn batches(report: &BulkReport) -> Vec<Batch> {
    report
        .batches
        .iter()
        .map(|b| Batch {
            index: b.index,
            ids: report
                .batch_ids(b)
                .iter()
                .map(|id| id.hyphenated().to_string())
                .collect(),
            outcome: outcome_name(b.outcome),
            http_status: b.status,
            server_count: b.server_count,
            attempts: b.attempts,
            elapsed_ms: b.elapsed.as_millis() as u64,
            error: b.error.as_ref().map(|e| e.to_string()),
        })
        .collect()
}

/// RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_910_400_123); // 2026-11-29
        assert_eq!(rfc3339(t), "2026-11-29T00:00:00.123Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // leap day 2000
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.000Z");
    }
}
