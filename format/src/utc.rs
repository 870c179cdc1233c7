//! UTC times as RFC 3339 text, for messages and reports: the ledger's
//! nanoseconds and the anchors' seconds since the Unix epoch, in the
//! proleptic Gregorian calendar without leap seconds (as POSIX time is).

/// The civil date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DDTHH:MM:SS` of seconds since the Unix epoch (negative before it).
fn date_time(secs: i64) -> String {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch.
pub fn utc_seconds(secs: i64) -> String {
    format!("{}Z", date_time(secs))
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` for nanoseconds since the Unix epoch.
pub fn utc_nanos(nanos: u64) -> String {
    let secs = i64::try_from(nanos / 1_000_000_000).expect("u64 nanoseconds are within i64 seconds");
    format!("{}.{:09}Z", date_time(secs), nanos % 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_match_known_dates() {
        // Values from `date -u -d @N +%FT%TZ`.
        assert_eq!(utc_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_seconds(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_seconds(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc_seconds(1_764_608_545), "2025-12-01T17:02:25Z");
        assert_eq!(utc_seconds(-1), "1969-12-31T23:59:59Z");
        assert_eq!(utc_seconds(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn nanoseconds_keep_every_digit() {
        assert_eq!(utc_nanos(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(utc_nanos(1_700_000_000_000_000_000), "2023-11-14T22:13:20.000000000Z");
        assert_eq!(utc_nanos(951_782_400_000_000_001), "2000-02-29T00:00:00.000000001Z");
        assert_eq!(utc_nanos(u64::MAX), "2554-07-21T23:34:33.709551615Z");
    }
}
