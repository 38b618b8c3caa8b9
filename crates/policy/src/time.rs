//! Calendar arithmetic the policy needs, in UTC. Everything is computed on
//! `jiff::Timestamp`s; a person's time zone is kept only for display.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, tz::TimeZone};

/// The first instant that is "one year after" `t` (REINST-1).
///
/// The anniversary is the same month, day and time of day in UTC one year later.
/// When that day does not exist (29 February in a year that is not a leap year),
/// the answer is 1 March: the policy says "no earlier than one year", so modpod
/// rounds towards the later day rather than the earlier one.
pub fn one_year_after(t: Timestamp) -> Timestamp {
    let dt = TimeZone::UTC.to_datetime(t);
    let year = dt.year().saturating_add(1);
    let date = Date::new(year, dt.month(), dt.day())
        .or_else(|_| Date::new(year, 3, 1))
        .unwrap_or(dt.date());
    TimeZone::UTC
        .to_timestamp(date.to_datetime(dt.time()))
        .unwrap_or(Timestamp::MAX)
}

/// `t` plus a whole number of days of 24 hours, saturating at the end of time.
pub fn add_days(t: Timestamp, days: i64) -> Timestamp {
    add_seconds(t, days.saturating_mul(86_400))
}

/// `t` plus a number of seconds, saturating at the end of time. A
/// `SignedDuration`, unlike a `Span` (`ToSpan::seconds`), takes any `i64`
/// without panicking, so a huge setting cannot make `decide` panic.
pub fn add_seconds(t: Timestamp, seconds: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(seconds))
        .unwrap_or(if seconds.is_negative() {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn adding_past_either_end_of_time_stops_there() {
        let t = ts("2026-01-01T00:00:00Z");
        assert_eq!(add_seconds(t, i64::MIN), Timestamp::MIN);
        assert_eq!(add_seconds(t, i64::MAX), Timestamp::MAX);
        assert_eq!(add_days(t, -1), ts("2025-12-31T00:00:00Z"));
        assert_eq!(add_days(t, i64::MIN), Timestamp::MIN);
    }

    #[test]
    fn one_year_after_an_ordinary_day_is_its_anniversary() {
        assert_eq!(
            one_year_after(ts("2025-06-10T14:30:00Z")),
            ts("2026-06-10T14:30:00Z")
        );
    }

    #[test]
    fn one_year_after_29_february_is_1_march() {
        assert_eq!(
            one_year_after(ts("2024-02-29T09:00:00Z")),
            ts("2025-03-01T09:00:00Z")
        );
    }

    #[test]
    fn one_year_after_28_february_before_a_leap_day_is_28_february() {
        assert_eq!(
            one_year_after(ts("2023-02-28T00:00:00Z")),
            ts("2024-02-28T00:00:00Z")
        );
    }

    #[test]
    fn one_year_after_spans_a_leap_day() {
        // 366 days, because 2028-02-29 lies in between.
        let from = ts("2027-12-01T00:00:00Z");
        let to = one_year_after(from);
        assert_eq!(to, ts("2028-12-01T00:00:00Z"));
        assert_eq!(to.duration_since(from).as_secs(), 366 * 86_400);
    }
}
