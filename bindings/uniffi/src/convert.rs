//! The two custom types: how `Decimal` and `time::Date` cross the FFI.
//!
//! Both cross as strings: `Decimal` as its plain decimal text ("1234.50", scale kept),
//! a date as ISO 8601 "YYYY-MM-DD". `uniffi.toml` maps them to `java.math.BigDecimal` /
//! `java.time.LocalDate` in Kotlin and `Foundation.Decimal` / `String` in Swift.

use rust_decimal::Decimal;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::YikatongError;

/// A civil date (China). Named `LocalDate` across the FFI: `Date` would shadow
/// `Foundation.Date` in Swift and read like `java.util.Date` in Kotlin.
pub type LocalDate = time::Date;

const ISO_DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

uniffi::custom_type!(Decimal, String, {
    remote,
    lower: |value| value.to_string(),
    try_lift: |text| decimal_from_text(&text).map_err(Into::into),
});

uniffi::custom_type!(LocalDate, String, {
    remote,
    lower: |date| date_to_text(date),
    try_lift: |text| date_from_text(&text).map_err(Into::into),
});

/// Reads the decimal text the foreign side sent (a BigDecimal's `toPlainString`).
pub(crate) fn decimal_from_text(text: &str) -> Result<Decimal, YikatongError> {
    // Exact: a number with more digits than Decimal holds is refused, never rounded.
    Decimal::from_str_exact(text).map_err(|error| YikatongError::Amount {
        message: format!("number {text:?} cannot be used: {error} (at most 28 significant digits)"),
    })
}

pub(crate) fn date_to_text(date: LocalDate) -> String {
    // Formatting a valid Date with this description cannot fail; fall back to Display anyway.
    date.format(ISO_DATE).unwrap_or_else(|_| date.to_string())
}

/// Reads an ISO date; years outside -9999..=9999 (which `java.time.LocalDate` allows)
/// are out of the library's range.
pub(crate) fn date_from_text(text: &str) -> Result<LocalDate, YikatongError> {
    LocalDate::parse(text, ISO_DATE).map_err(|_| {
        YikatongError::from(yikatong::Error::DateOutOfRange {
            detail: format!("date {text:?} is not a date between -9999-01-01 and 9999-12-31"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_cross_as_iso_text() -> Result<(), YikatongError> {
        for (day, text) in [
            (date!(2026 - 11 - 26), "2026-11-26"),
            (date!(0987 - 01 - 02), "0987-01-02"),
            (date!(9999 - 12 - 31), "9999-12-31"),
        ] {
            assert_eq!(date_to_text(day), text);
            assert_eq!(date_from_text(text)?, day);
        }
        Ok(())
    }

    #[test]
    fn dates_the_library_cannot_hold_are_date_out_of_range() {
        for text in ["+10000-01-01", "2026-02-30", "26-11-26", ""] {
            assert!(
                matches!(
                    date_from_text(text),
                    Err(YikatongError::DateOutOfRange { ref message }) if message.contains(text)
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn decimals_keep_scale_and_refuse_rounding() -> Result<(), YikatongError> {
        assert_eq!(decimal_from_text("1234.50")?.to_string(), "1234.50");
        assert_eq!(decimal_from_text("-0.001")?.to_string(), "-0.001");
        assert!(matches!(
            decimal_from_text("0.000000000000000000000000000001"),
            Err(YikatongError::Amount { .. })
        ));
        assert!(matches!(
            decimal_from_text("1e3"),
            Err(YikatongError::Amount { .. })
        ));
        Ok(())
    }
}
