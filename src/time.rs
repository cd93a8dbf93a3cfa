//! Dates through `jiff`: commit times are Unix seconds, reports want
//! RFC 3339 in UTC, and `--since` takes a calendar date (`YYYY-MM-DD`,
//! optionally with a time, UTC unless an offset is given). A date that is
//! not on the calendar (`2024-02-31`) is refused, never rolled over.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;

/// `2024-05-01T12:00:00Z` for a Unix time. Times beyond what the calendar
/// holds (years before -9999 or after 9999, which only a crafted commit
/// carries) are shown as the nearest time it does hold.
pub fn rfc3339(unix: i64) -> String {
    let clamped = unix.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
    Timestamp::from_second(clamped)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Parse `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` (UTC) or an RFC 3339 time
/// with an offset to Unix seconds. `None` for anything else, including a
/// day the month does not have.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t.as_second());
    }
    let civil = match s.parse::<DateTime>() {
        Ok(dt) => dt,
        Err(_) => s
            .parse::<Date>()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    Offset::UTC
        .to_timestamp(civil)
        .ok()
        .map(Timestamp::as_second)
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400));
        assert_eq!(
            parse_date("2026-11-24T12:14:28Z").map(rfc3339).unwrap(),
            "2026-11-24T12:14:28Z"
        );
        assert_eq!(
            parse_date("2026-11-24T12:14:28"),
            parse_date("2026-11-24T12:14:28Z")
        );
        assert_eq!(
            parse_date("2026-11-24T14:14:28+02:00"),
            parse_date("2026-11-24T12:14:28Z")
        );
        assert_eq!(parse_date("1969-12-31"), Some(-86_400));
    }

    #[test]
    fn crafted_commit_times_do_not_panic() {
        assert!(rfc3339(i64::MAX).starts_with("9999-12-30T"));
        assert!(rfc3339(i64::MIN).starts_with("-9999-01-0"));
        assert_eq!(rfc3339(-62_135_596_800), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn rejects_garbage_and_days_not_on_the_calendar() {
        for s in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-31",
            "2023-02-29",
            "2024-04-31",
            "2024-01-01T25:00:00",
            "2024-01",
            "2024-01-01-01",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }
}
