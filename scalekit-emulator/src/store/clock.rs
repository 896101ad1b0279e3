//! The clock the emulator shows in its `Date` header: the real time, or the
//! real time moved by a skew set on purpose, so a client's clock check can
//! be tested against a server whose clock is off.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

/// RFC 9110's IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
const IMF_FIXDATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// The skew of the emulator's `Date` header, in whole seconds.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    skew_seconds: AtomicI64,
}

impl Clock {
    /// Moves the `Date` header `seconds` ahead (negative: behind); 0 shows
    /// the real time.
    pub(crate) fn set_skew(&self, seconds: i64) {
        self.skew_seconds.store(seconds, Ordering::Relaxed);
    }

    /// The current skew in seconds.
    pub(crate) fn skew(&self) -> i64 {
        self.skew_seconds.load(Ordering::Relaxed)
    }

    /// The `Date` header value to send instead of the real one, when a skew
    /// is set.
    pub(crate) fn skewed_http_date(&self) -> Option<String> {
        let skew = self.skew();
        if skew == 0 {
            return None;
        }
        let now = OffsetDateTime::now_utc();
        let at = now
            .checked_add(time::Duration::seconds(skew))
            .unwrap_or(now);
        Some(http_date(at))
    }
}

/// `at` as an HTTP date (UTC).
fn http_date(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(IMF_FIXDATE)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_an_imf_fixdate() {
        assert_eq!(
            http_date(datetime!(1994-11-06 08:49:37 UTC)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }

    #[test]
    fn no_skew_leaves_the_real_date() {
        let clock = Clock::default();
        assert_eq!(clock.skewed_http_date(), None);
        clock.set_skew(-3600);
        let shown = clock.skewed_http_date().expect("a skewed date");
        let parsed = OffsetDateTime::parse(&shown, &time::format_description::well_known::Rfc2822)
            .expect("an HTTP date parses as RFC 2822");
        let behind = OffsetDateTime::now_utc() - parsed;
        assert!(
            (3590..=3610).contains(&behind.whole_seconds()),
            "{shown}: {behind}"
        );
    }
}
