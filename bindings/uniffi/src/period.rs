//! Periods a subsidy is paid for: a day, month, quarter, half-year or year.

use std::fmt;
use std::sync::Arc;

use yikatong::period::PeriodKind;

use crate::{LocalDate, Result};

/// The kind of a `Period`, shortest first.
#[uniffi::remote(Enum)]
enum PeriodKind {
    Day,
    Month,
    Quarter,
    HalfYear,
    Year,
}

/// A day, month, quarter, half-year or year between 1900 and 9999. Written
/// `2026-11-26`, `2026-11`, `2026Q4`, `2026H2` or `2026` (`toString()`).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Ord, Hash)]
pub struct Period(yikatong::Period);

impl Period {
    fn wrap(period: yikatong::Period) -> Arc<Self> {
        Arc::new(Self(period))
    }
}

#[uniffi::export]
impl Period {
    /// Reads a period: `2026-11-26`, `2026-11`, `2026Q4` (also `2026-Q4`, `2026q4`),
    /// `2026H2` (also `2026-H2`, `2026h2`) or `2026`.
    #[uniffi::constructor]
    pub fn parse(text: &str) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Period::parse(text)?))
    }

    /// One day.
    #[uniffi::constructor]
    pub fn day(date: LocalDate) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Period::day(date)?))
    }

    /// A month (1 = January).
    #[uniffi::constructor]
    pub fn month(year: i32, month: u8) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Period::month(year, month)?))
    }

    /// A quarter (1 = January to March).
    #[uniffi::constructor]
    pub fn quarter(year: i32, quarter: u8) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Period::quarter(year, quarter)?))
    }

    /// A half-year (1 = January to June, 2 = July to December).
    #[uniffi::constructor]
    pub fn half_year(year: i32, half: u8) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Period::half_year(year, half)?))
    }

    /// A calendar year.
    #[uniffi::constructor]
    pub fn year(year: i32) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Period::year(year)?))
    }

    /// The period of `kind` that contains `date`, e.g. the quarter of today.
    #[uniffi::constructor]
    pub fn containing(kind: PeriodKind, date: LocalDate) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Period::containing(kind, date)?))
    }

    /// What kind of period this is.
    pub fn kind(&self) -> PeriodKind {
        self.0.kind()
    }

    /// The calendar year the period lies in.
    pub fn calendar_year(&self) -> i32 {
        self.0.calendar_year()
    }

    /// The period's number within its year: day of the year, month, quarter, half, or 1.
    pub fn number(&self) -> u16 {
        self.0.number()
    }

    /// The first day of the period.
    pub fn first_day(&self) -> LocalDate {
        self.0.first_day()
    }

    /// The last day of the period.
    pub fn last_day(&self) -> LocalDate {
        self.0.last_day()
    }

    /// How many days the period has.
    pub fn days(&self) -> u32 {
        self.0.days()
    }

    /// Whether `date` falls in the period.
    pub fn contains(&self, date: LocalDate) -> bool {
        self.0.contains(date)
    }

    /// The period of the same kind right after this one; null after 9999.
    pub fn next(&self) -> Option<Arc<Period>> {
        self.0.next().map(Self::wrap)
    }

    /// The period of the same kind right before this one; null before 1900.
    pub fn previous(&self) -> Option<Arc<Period>> {
        self.0.previous().map(Self::wrap)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
