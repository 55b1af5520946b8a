//! Small utilities every layer may use: words, numbers, error chains, times, files.

pub mod fs;
pub mod text;

/// Progress of an operation, as the operation reports it: the presentation layer's
/// progress line implements it, so an operation never draws anything itself.
pub trait Tick: Send + Sync {
    /// The total is known now.
    fn set_total(&self, total: u64);
    /// `n` more done.
    fn inc(&self, n: u64);
    /// Done: the line is cleared.
    fn finish(&self) {}
}

/// RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_910_400_123); // 2026-11-29
        assert_eq!(rfc3339(t), "2026-11-29T00:00:00.123Z");
    }
}
