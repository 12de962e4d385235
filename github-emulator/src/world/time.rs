//! Timestamps in the world: seconds since the Unix epoch, printed the way
//! GitHub prints them (`2024-06-01T12:00:00Z`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in Unix seconds.
pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Unix seconds of a UTC date and time (for the seed data).
pub(crate) fn utc(year: i64, month: u32, day: u32, hour: u64, minute: u64) -> u64 {
    let days = days_from_civil(year, month, day);
    u64::try_from(days).unwrap_or(0) * 86_400 + hour * 3600 + minute * 60
}

/// `2024-06-01T12:00:00Z`.
pub(crate) fn iso(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Unix seconds of `2024-06-01T12:00:00Z` (the form GitHub takes; `None` for anything else).
pub(crate) fn parse(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(utc(i64::from(y), mo, d, u64::from(h), u64::from(mi)) + u64::from(s))
}

/// Whether `text` is a real calendar date written `2024-06-01`.
pub(crate) fn is_date(text: &str) -> bool {
    text.len() == 10 && parse(&format!("{text}T00:00:00Z")).is_some_and(|secs| iso(secs).starts_with(text))
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(2024, 6, 1, 12, 0), 1_717_243_200);
        assert_eq!(iso(utc(2024, 2, 29, 23, 59) + 59), "2024-02-29T23:59:59Z");
        assert_eq!(iso(utc(2000, 1, 1, 0, 0)), "2000-01-01T00:00:00Z");
        assert_eq!(parse("2024-02-29T23:59:59Z").map(iso).as_deref(), Some("2024-02-29T23:59:59Z"));
        assert_eq!(parse("2024-02-29"), None);
        assert_eq!(parse("2024-13-01T00:00:00Z"), None);
    }
}
