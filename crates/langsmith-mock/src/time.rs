//! Time as the API writes it: RFC 3339 in UTC (`2026-01-01T00:00:00Z`) and back to Unix
//! seconds (or microseconds, for example versions), and the clock.

/// Microseconds in a second: example versions are timed in microseconds, as LangSmith
/// times them (`modified_at` carries them), so two versions made within a second are
/// told apart by `as_of`.
pub const MICROS: i64 = 1_000_000;

/// Now, Unix seconds.
pub(crate) fn unix_now() -> i64 {
    unix_now_us().div_euclid(MICROS)
}

/// Now, Unix microseconds.
pub(crate) fn unix_now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-01-01T00:00:00Z`
pub fn rfc3339(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `2026-01-01T00:00:00.250000Z` (microseconds; none written when whole).
pub fn rfc3339_us(us: i64) -> String {
    let (s, frac) = (us.div_euclid(MICROS), us.rem_euclid(MICROS));
    let whole = rfc3339(s);
    if frac == 0 {
        whole
    } else {
        format!("{}.{frac:06}Z", &whole[..whole.len() - 1])
    }
}

/// Parses RFC 3339 (`Z` or `±HH:MM`; fractional seconds accepted and dropped, which
/// rounds toward the past: a version made within that second is still "on or before").
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    parse_rfc3339_us(text).map(|us| us.div_euclid(MICROS))
}

/// Parses RFC 3339 to Unix microseconds (digits past the sixth dropped, toward the past).
pub fn parse_rfc3339_us(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut micros = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        micros = format!("{:0<6}", &frac[..n.min(6)]).parse().ok()?;
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let seconds = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset;
    Some(seconds * MICROS + micros)
}

/// A number sent for a time, read as pydantic (and so LangSmith, a FastAPI service) reads
/// one for a `datetime`: Unix seconds, or milliseconds when its magnitude is above 2e10
/// (the official JS SDK sends a run's `start_time` as `Date.now()`). Whole seconds, toward
/// the past; `None` for what is no finite number.
pub fn unix_number(n: f64) -> Option<i64> {
    unix_number_us(n).map(|us| us.div_euclid(MICROS))
}

/// [`unix_number`] in microseconds.
pub fn unix_number_us(n: f64) -> Option<i64> {
    if !n.is_finite() {
        return None;
    }
    let seconds = if n.abs() > 2e10 { n / 1000.0 } else { n };
    Some((seconds * MICROS as f64).floor() as i64)
}

/// A time as `as_of` takes it, Unix microseconds: RFC 3339, or the same without an
/// offset (Python's `datetime.isoformat()` of a naive datetime), read as UTC.
pub fn parse_as_of_time_us(text: &str) -> Option<i64> {
    parse_rfc3339_us(text).or_else(|| parse_rfc3339_us(&format!("{text}Z")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-01T00:00:00Z (the store's `EPOCH`).
    const EPOCH: i64 = 1_767_225_600;

    #[test]
    fn numbers_are_read_as_pydantic_reads_them() {
        // pydantic's rule: seconds up to 2e10, milliseconds above.
        assert_eq!(unix_number(EPOCH as f64), Some(EPOCH));
        assert_eq!(unix_number(EPOCH as f64 * 1000.0 + 999.0), Some(EPOCH));
        assert_eq!(unix_number(EPOCH as f64 + 0.5), Some(EPOCH));
        assert_eq!(unix_number(f64::NAN), None);
    }

    #[test]
    fn microseconds_are_kept_where_versions_need_them() {
        let us = EPOCH * MICROS;
        assert_eq!(rfc3339_us(us), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339_us(us + 250_000), "2026-01-01T00:00:00.250000Z");
        assert_eq!(rfc3339_us(us - 1), "2025-12-31T23:59:59.999999Z");
        for t in [us, us + 1, us + 250_000, us - 1] {
            assert_eq!(parse_rfc3339_us(&rfc3339_us(t)), Some(t));
        }
        // Python's isoformat() of a naive datetime; digits past the sixth dropped.
        assert_eq!(
            parse_as_of_time_us("2026-01-01T00:00:00.123456"),
            Some(us + 123_456)
        );
        assert_eq!(
            parse_rfc3339_us("2026-01-01T00:00:00.1234567Z"),
            Some(us + 123_456)
        );
        assert_eq!(
            parse_rfc3339_us("2026-01-01T00:00:00.5Z"),
            Some(us + 500_000)
        );
        assert_eq!(unix_number_us(EPOCH as f64 + 0.5), Some(us + 500_000));
    }

    #[test]
    fn times_round_trip_and_offsets_apply() {
        assert_eq!(rfc3339(EPOCH), "2026-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Some(EPOCH));
        assert_eq!(parse_rfc3339("2026-01-01T01:00:00+01:00"), Some(EPOCH));
        assert_eq!(parse_rfc3339("2025-12-31T23:00:00.999-01:00"), Some(EPOCH));
        assert_eq!(parse_rfc3339("2024-02-29T12:34:56Z"), Some(1_709_210_096));
        for bad in [
            "latest",
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00+0100",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        // `as_of` also takes Python's isoformat() of a naive datetime, as UTC.
        let minute = (EPOCH + 60) * MICROS;
        assert_eq!(parse_as_of_time_us("2026-01-01T00:01:00"), Some(minute));
        assert_eq!(
            parse_as_of_time_us("2026-01-01T00:01:00.250000"),
            Some(minute + 250_000)
        );
        assert_eq!(
            parse_as_of_time_us("2026-01-01T01:01:00+01:00"),
            Some(minute)
        );
        for bad in [
            "latest",
            "v1",
            "2026-01-01",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00ZZ",
        ] {
            assert_eq!(parse_as_of_time_us(bad), None, "{bad}");
        }
    }
}
