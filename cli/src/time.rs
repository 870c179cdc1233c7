//! RFC 3339 times on the command line, as nanoseconds since the Unix epoch
//! (the ledger's `timestamp_nanos`).

use crate::CliError;

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` to nanoseconds since the
/// epoch; a time before 1970 or beyond 2554 (the u64 range) is refused.
pub fn parse_rfc3339(option: &str, text: &str) -> Result<u64, CliError> {
    let bad = |why: &str| {
        CliError::usage(format!(
            "{option} {why}: give an RFC 3339 time such as 2026-12-01T09:30:00Z or 2026-12-01T10:30:00.5+01:00"
        ))
    };
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Result<i64, CliError> {
        let part = b.get(range).ok_or_else(|| bad("is too short"))?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad("has a non-digit where a digit belongs"));
        }
        Ok(part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return Err(bad("is not of the form YYYY-MM-DDTHH:MM:SS"));
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(bad("names no calendar date"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad("names no time of day (leap seconds are not accepted)"));
    }
    let mut at = 19;
    let mut nanos = 0i64;
    if b[at] == b'.' {
        let start = at + 1;
        at = start;
        while at < b.len() && b[at].is_ascii_digit() {
            at += 1;
        }
        let fraction = &b[start..at];
        if fraction.is_empty() || fraction.len() > 9 {
            return Err(bad("has a fraction of 1 to 9 digits after its point"));
        }
        nanos = digits(start..at)? * 10i64.pow(9 - fraction.len() as u32);
    }
    let offset_seconds = match &b[at..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (digits(at + 1..at + 3)?, digits(at + 4..at + 6)?);
            if hours > 23 || minutes > 59 {
                return Err(bad("has an offset beyond ±23:59"));
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'+' { offset } else { -offset }
        }
        _ => return Err(bad("ends with Z or an offset ±HH:MM")),
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    let total = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    u64::try_from(total).map_err(|_| bad("lies outside 1970-01-01T00:00:00Z to 2554-07-21T23:34:33Z"))
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn times_parse_to_the_epoch_nanoseconds_and_bad_ones_are_refused() {
        let at = |text| parse_rfc3339("--from", text).map_err(|e| e.message);
        assert_eq!(at("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(at("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000_000_000));
        assert_eq!(at("2023-11-14T23:13:20.25+01:00"), Ok(1_700_000_000_250_000_000));
        assert_eq!(at("2024-02-29T00:00:00.000000001z"), Ok(1_709_164_800_000_000_001));
        assert_eq!(at("2554-07-21T23:34:33.709551615Z"), Ok(u64::MAX));
        for bad in [
            "2023-02-29T00:00:00Z",
            "2023-11-14 22:13:20Z",
            "2023-11-14T24:00:00Z",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20.1234567891Z",
            "1969-12-31T23:59:59Z",
            "2023-11-14T22:13:20+1:00",
            "2554-07-21T23:34:34Z",
        ] {
            assert!(at(bad).is_err(), "{bad}");
        }
    }
}
