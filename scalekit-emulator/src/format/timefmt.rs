//! Timestamps as Scalekit writes them: RFC 3339, UTC, with fraction digits
//! (e.g. `2025-02-15T06:23:44.560000Z`).

use std::time::Duration;

use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

const RFC3339_MICROS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Formats a UTC instant with six fraction digits.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    // Formatting into a String with a static, valid description cannot fail
    // for years 0..=9999; fall back to the library's own RFC 3339 otherwise.
    utc.format(RFC3339_MICROS)
        .or_else(|_| utc.format(&time::format_description::well_known::Rfc3339))
        .unwrap_or_default()
}

/// The current time plus `after`, saturating at the end of time.
pub(crate) fn now_plus(after: Duration) -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.checked_add(time::Duration::try_from(after).unwrap_or(time::Duration::MAX))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_with_six_fraction_digits_in_utc() {
        let at = datetime!(2025-02-15 06:23:44.56 +01:00);
        assert_eq!(rfc3339(at), "2025-02-15T05:23:44.560000Z");
    }

    #[test]
    fn pads_and_truncates_to_microseconds() {
        assert_eq!(
            rfc3339(datetime!(2025-10-14 11:29:27.0989 +02:00)),
            "2025-10-14T09:29:27.098900Z"
        );
        assert_eq!(
            rfc3339(datetime!(2025-10-14 09:29:27 UTC)),
            "2025-10-14T09:29:27.000000Z"
        );
        assert_eq!(
            rfc3339(datetime!(2025-10-14 09:29:27.1234569 UTC)),
            "2025-10-14T09:29:27.123456Z"
        );
    }

    #[test]
    fn output_parses_as_rfc3339() {
        let text = rfc3339(OffsetDateTime::now_utc());
        OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).unwrap();
    }
}
