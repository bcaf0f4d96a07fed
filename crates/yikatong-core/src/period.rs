//! Periods a subsidy is paid for: a day, month, quarter, half-year or year.
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::Period;
//!
//! let quarter: Period = "2026-Q4".parse()?;
//! assert_eq!(quarter.to_string(), "2026Q4");
//! assert_eq!(quarter.first_day(), date!(2026 - 10 - 01));
//! assert_eq!(quarter.last_day(), date!(2026 - 12 - 31));
//! assert_eq!(quarter.days(), 92);
//! assert_eq!(quarter.next().map(|p| p.to_string()).as_deref(), Some("2027Q1"));
//! assert!(quarter.contains(date!(2026 - 11 - 26)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

use time::{Date, Month};

use crate::{Error, Result};

/// The kind of a [`Period`], ordered by length.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// One day, written `2026-11-26`.
    Day,
    /// A calendar month, written `2026-11`.
    Month,
    /// A calendar quarter (January–March is Q1), written `2026Q4`.
    Quarter,
    /// A half-year (January–June is H1), written `2026H2`.
    HalfYear,
    /// A calendar year, written `2026`.
    Year,
}

impl PeriodKind {
    /// All kinds, shortest first.
    pub const ALL: [PeriodKind; 5] = [
        PeriodKind::Day,
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::HalfYear,
        PeriodKind::Year,
    ];

    /// How many months a period of this kind spans (`None` for a day).
    pub const fn months(self) -> Option<u8> {
        match self {
            PeriodKind::Day => None,
            PeriodKind::Month => Some(1),
            PeriodKind::Quarter => Some(3),
            PeriodKind::HalfYear => Some(6),
            PeriodKind::Year => Some(12),
        }
    }
}

/// The rule a period broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeriodRule {
    /// The text is not written as any kind of period.
    #[error(
        "is not a period; write a day as 2026-11-26, a month as 2026-11, a quarter as 2026Q4, \
         a half-year as 2026H2 or a year as 2026"
    )]
    Format,
    /// The year is outside the years the library handles.
    #[error("year {year} is outside the years 1900 to 9999")]
    YearOutOfRange {
        /// The year given.
        year: i32,
    },
    /// The month is not 1 to 12.
    #[error("month {month} does not exist; months run from 01 to 12")]
    MonthOutOfRange {
        /// The month given.
        month: u8,
    },
    /// The day does not exist in its month.
    #[error("day {day} does not exist in {year}-{month:02}, which has {days_in_month} days")]
    DayOutOfRange {
        /// The year given.
        year: i32,
        /// The month given.
        month: u8,
        /// The day given.
        day: u8,
        /// How many days that month has.
        days_in_month: u8,
    },
    /// The quarter is not 1 to 4.
    #[error("quarter {quarter} does not exist; quarters run from Q1 to Q4")]
    QuarterOutOfRange {
        /// The quarter given.
        quarter: u8,
    },
    /// The half-year is not 1 or 2.
    #[error("half-year {half} does not exist; H1 is January to June and H2 July to December")]
    HalfOutOfRange {
        /// The half given.
        half: u8,
    },
}

/// A day, month, quarter, half-year or year between 1900 and 9999.
///
/// Built only through constructors that check their input, so every `Period`
/// is a real stretch of days. Periods order by first day, then by length
/// (`2026-01 < 2026Q1 < 2026H1 < 2026`). Serialized as its canonical text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    // Field order gives the documented ordering.
    first: Date,
    kind: PeriodKind,
}

impl Period {
    /// The first year a period may fall in.
    pub const MIN_YEAR: i32 = 1900;
    /// The last year a period may fall in.
    pub const MAX_YEAR: i32 = 9999;

    /// Reads a period: `2026-11-26`, `2026-11`, `2026Q4` (also `2026-Q4`, `2026q4`),
    /// `2026H2` (also `2026-H2`, `2026h2`) or `2026`.
    pub fn parse(text: &str) -> Result<Period> {
        parse_period(text).map_err(|rule| Error::Period {
            value: text.to_owned(),
            rule,
        })
    }

    /// One day.
    pub fn day(date: Date) -> Result<Period> {
        Period::containing(PeriodKind::Day, date)
    }

    /// A month (1 = January).
    pub fn month(year: i32, month: u8) -> Result<Period> {
        month_period(year, month).map_err(|rule| Error::Period {
            value: format!("{year}-{month:02}"),
            rule,
        })
    }

    /// A quarter (1 = January to March).
    pub fn quarter(year: i32, quarter: u8) -> Result<Period> {
        quarter_period(year, quarter).map_err(|rule| Error::Period {
            value: format!("{year}Q{quarter}"),
            rule,
        })
    }

    /// A half-year (1 = January to June, 2 = July to December).
    pub fn half_year(year: i32, half: u8) -> Result<Period> {
        half_period(year, half).map_err(|rule| Error::Period {
            value: format!("{year}H{half}"),
            rule,
        })
    }

    /// A calendar year.
    pub fn year(year: i32) -> Result<Period> {
        year_period(year).map_err(|rule| Error::Period {
            value: year.to_string(),
            rule,
        })
    }

    /// The period of `kind` that contains `date`, e.g. the quarter of today.
    pub fn containing(kind: PeriodKind, date: Date) -> Result<Period> {
        containing(kind, date).map_err(|rule| Error::Period {
            value: date.to_string(),
            rule,
        })
    }

    /// What kind of period this is.
    pub const fn kind(self) -> PeriodKind {
        self.kind
    }

    /// The calendar year the period lies in.
    pub const fn calendar_year(self) -> i32 {
        self.first.year()
    }

    /// The period's number within its year: the day of the year, the month
    /// (1–12), the quarter (1–4), the half (1–2), or 1 for a year.
    pub const fn number(self) -> u16 {
        let month = self.first.month() as u16;
        match self.kind {
            PeriodKind::Day => self.first.ordinal(),
            PeriodKind::Month => month,
            PeriodKind::Quarter => (month - 1) / 3 + 1,
            PeriodKind::HalfYear => (month - 1) / 6 + 1,
            PeriodKind::Year => 1,
        }
    }

    /// The period in Chinese as purposes and notices write it: 2026年11月,
    /// 2026年第4季度, 2026年上半年, 2026年, 2026年11月26日.
    pub fn label_zh(self) -> String {
        let year = self.first.year();
        let month = self.first.month() as u8;
        match self.kind {
            PeriodKind::Day => format!("{year}年{month}月{}日", self.first.day()),
            PeriodKind::Month => format!("{year}年{month}月"),
            PeriodKind::Quarter => format!("{year}年第{}季度", self.number()),
            PeriodKind::HalfYear if self.number() == 1 => format!("{year}年上半年"),
            PeriodKind::HalfYear => format!("{year}年下半年"),
            PeriodKind::Year => format!("{year}年"),
        }
    }

    /// The first day of the period.
    pub const fn first_day(self) -> Date {
        self.first
    }

    /// The last day of the period.
    pub fn last_day(self) -> Date {
        let Some(months) = self.kind.months() else {
            return self.first;
        };
        let year = self.first.year();
        let last_month = month_from_number(self.first.month() as u8 + months - 1);
        // Cannot fail: the month exists and the day is its length.
        Date::from_calendar_date(year, last_month, last_month.length(year)).unwrap_or(self.first)
    }

    /// How many days the period has.
    pub fn days(self) -> u32 {
        let span = self.last_day().to_julian_day() - self.first.to_julian_day();
        span.unsigned_abs() + 1
    }

    /// Whether `date` falls in the period.
    pub fn contains(self, date: Date) -> bool {
        self.first <= date && date <= self.last_day()
    }

    /// The period of the same kind right after this one; `None` after 9999.
    pub fn next(self) -> Option<Period> {
        let first = self.last_day().next_day()?;
        (first.year() <= Period::MAX_YEAR).then_some(Period {
            first,
            kind: self.kind,
        })
    }

    /// The period of the same kind right before this one; `None` before 1900.
    pub fn previous(self) -> Option<Period> {
        containing(self.kind, self.first.previous_day()?).ok()
    }
}

const fn month_from_number(number: u8) -> Month {
    match number {
        1 => Month::January,
        2 => Month::February,
        3 => Month::March,
        4 => Month::April,
        5 => Month::May,
        6 => Month::June,
        7 => Month::July,
        8 => Month::August,
        9 => Month::September,
        10 => Month::October,
        11 => Month::November,
        _ => Month::December,
    }
}

fn check_year(year: i32) -> std::result::Result<(), PeriodRule> {
    if (Period::MIN_YEAR..=Period::MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(PeriodRule::YearOutOfRange { year })
    }
}

/// The first day of `month` (1-based) of a checked year.
fn first_of(year: i32, month: u8, kind: PeriodKind) -> std::result::Result<Period, PeriodRule> {
    check_year(year)?;
    let first = Date::from_calendar_date(year, month_from_number(month), 1)
        .map_err(|_| PeriodRule::YearOutOfRange { year })?;
    Ok(Period { first, kind })
}

fn month_period(year: i32, month: u8) -> std::result::Result<Period, PeriodRule> {
    check_year(year)?;
    if !(1..=12).contains(&month) {
        return Err(PeriodRule::MonthOutOfRange { month });
    }
    first_of(year, month, PeriodKind::Month)
}

fn quarter_period(year: i32, quarter: u8) -> std::result::Result<Period, PeriodRule> {
    check_year(year)?;
    if !(1..=4).contains(&quarter) {
        return Err(PeriodRule::QuarterOutOfRange { quarter });
    }
    first_of(year, (quarter - 1) * 3 + 1, PeriodKind::Quarter)
}

fn half_period(year: i32, half: u8) -> std::result::Result<Period, PeriodRule> {
    check_year(year)?;
    if !(1..=2).contains(&half) {
        return Err(PeriodRule::HalfOutOfRange { half });
    }
    first_of(year, (half - 1) * 6 + 1, PeriodKind::HalfYear)
}

fn year_period(year: i32) -> std::result::Result<Period, PeriodRule> {
    first_of(year, 1, PeriodKind::Year)
}

fn day_period(year: i32, month: u8, day: u8) -> std::result::Result<Period, PeriodRule> {
    check_year(year)?;
    if !(1..=12).contains(&month) {
        return Err(PeriodRule::MonthOutOfRange { month });
    }
    let days_in_month = month_from_number(month).length(year);
    if !(1..=days_in_month).contains(&day) {
        return Err(PeriodRule::DayOutOfRange {
            year,
            month,
            day,
            days_in_month,
        });
    }
    let first = Date::from_calendar_date(year, month_from_number(month), day).map_err(|_| {
        PeriodRule::DayOutOfRange {
            year,
            month,
            day,
            days_in_month,
        }
    })?;
    Ok(Period {
        first,
        kind: PeriodKind::Day,
    })
}

fn containing(kind: PeriodKind, date: Date) -> std::result::Result<Period, PeriodRule> {
    let year = date.year();
    check_year(year)?;
    let month = date.month() as u8;
    match kind {
        PeriodKind::Day => Ok(Period { first: date, kind }),
        PeriodKind::Month => month_period(year, month),
        PeriodKind::Quarter => quarter_period(year, (month - 1) / 3 + 1),
        PeriodKind::HalfYear => half_period(year, (month - 1) / 6 + 1),
        PeriodKind::Year => year_period(year),
    }
}

fn digit(byte: u8) -> Option<u8> {
    byte.is_ascii_digit().then(|| byte - b'0')
}

fn two_digits(high: u8, low: u8) -> Option<u8> {
    Some(digit(high)? * 10 + digit(low)?)
}

fn parse_period(text: &str) -> std::result::Result<Period, PeriodRule> {
    let format = PeriodRule::Format;
    let [y1, y2, y3, y4, rest @ ..] = text.as_bytes() else {
        return Err(format);
    };
    let mut year = 0i32;
    for byte in [y1, y2, y3, y4] {
        year = year * 10 + i32::from(digit(*byte).ok_or(PeriodRule::Format)?);
    }
    match rest {
        [] => year_period(year),
        // Before the month form, which would take `-Q4` as a month.
        [b'Q' | b'q', q] | [b'-', b'Q' | b'q', q] => quarter_period(year, digit(*q).ok_or(format)?),
        [b'H' | b'h', h] | [b'-', b'H' | b'h', h] => half_period(year, digit(*h).ok_or(format)?),
        [b'-', m1, m2] => month_period(year, two_digits(*m1, *m2).ok_or(format)?),
        [b'-', m1, m2, b'-', d1, d2] => {
            let month = two_digits(*m1, *m2).ok_or(PeriodRule::Format)?;
            day_period(year, month, two_digits(*d1, *d2).ok_or(format)?)
        }
        _ => Err(format),
    }
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(text: &str) -> Result<Period> {
        Period::parse(text)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let year = self.first.year();
        let month = self.first.month() as u8;
        match self.kind {
            PeriodKind::Day => write!(f, "{year:04}-{month:02}-{:02}", self.first.day()),
            PeriodKind::Month => write!(f, "{year:04}-{month:02}"),
            PeriodKind::Quarter => write!(f, "{year:04}Q{}", self.number()),
            PeriodKind::HalfYear => write!(f, "{year:04}H{}", self.number()),
            PeriodKind::Year => write!(f, "{year:04}"),
        }
    }
}

impl fmt::Debug for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Period({self})")
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Period::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(any(test, feature = "proptest"))]
pub(crate) mod strategy {
    //! Strategies for valid periods, shared by the tests and `Arbitrary`.

    use proptest::prelude::*;
    use time::Date;

    use super::{Period, PeriodKind};

    /// Any kind.
    pub(crate) fn period_kind() -> impl Strategy<Value = PeriodKind> {
        proptest::sample::select(PeriodKind::ALL.to_vec())
    }

    /// Any date from 1900-01-01 to 9999-12-31.
    pub(crate) fn date_in_range() -> impl Strategy<Value = Date> {
        // Julian days of 1900-01-01 and 9999-12-31.
        (2_415_021i32..=5_373_484).prop_filter_map("a date", |day| Date::from_julian_day(day).ok())
    }

    /// Periods of every kind from 1900 to 9999.
    pub(crate) fn period() -> impl Strategy<Value = Period> {
        (period_kind(), date_in_range()).prop_filter_map("a period", |(kind, date)| {
            Period::containing(kind, date).ok()
        })
    }
}

#[cfg(feature = "proptest")]
impl proptest::arbitrary::Arbitrary for Period {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Period>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        proptest::strategy::Strategy::boxed(strategy::period())
    }
}

#[cfg(feature = "proptest")]
impl proptest::arbitrary::Arbitrary for PeriodKind {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<PeriodKind>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        proptest::strategy::Strategy::boxed(strategy::period_kind())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Deserialize;
    use time::macros::date;

    use super::strategy::{date_in_range, period, period_kind};
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn rule_of(text: &str) -> Option<PeriodRule> {
        match Period::parse(text) {
            Err(Error::Period { rule, .. }) => Some(rule),
            _ => None,
        }
    }

    #[test]
    fn chinese_labels_name_the_period() -> TestResult {
        for (text, label) in [
            ("2026-11", "2026年11月"),
            ("2026Q4", "2026年第4季度"),
            ("2026H1", "2026年上半年"),
            ("2026H2", "2026年下半年"),
            ("2026", "2026年"),
            ("2026-11-26", "2026年11月26日"),
        ] {
            assert_eq!(Period::parse(text)?.label_zh(), label);
        }
        Ok(())
    }

    #[test]
    fn strategy_bounds_are_the_supported_dates() -> TestResult {
        assert_eq!(Date::from_julian_day(2_415_021)?, date!(1900 - 01 - 01));
        assert_eq!(Date::from_julian_day(5_373_484)?, date!(9999 - 12 - 31));
        Ok(())
    }

    #[test]
    fn parses_every_form() -> TestResult {
        let cases = [
            (
                "2026-11-26",
                "2026-11-26",
                PeriodKind::Day,
                date!(2026 - 11 - 26),
                date!(2026 - 11 - 26),
                1,
            ),
            (
                "2026-11",
                "2026-11",
                PeriodKind::Month,
                date!(2026 - 11 - 01),
                date!(2026 - 11 - 30),
                30,
            ),
            (
                "2024-02",
                "2024-02",
                PeriodKind::Month,
                date!(2024 - 02 - 01),
                date!(2024 - 02 - 29),
                29,
            ),
            (
                "2026Q4",
                "2026Q4",
                PeriodKind::Quarter,
                date!(2026 - 10 - 01),
                date!(2026 - 12 - 31),
                92,
            ),
            (
                "2026-Q1",
                "2026Q1",
                PeriodKind::Quarter,
                date!(2026 - 01 - 01),
                date!(2026 - 03 - 31),
                90,
            ),
            (
                "2024q1",
                "2024Q1",
                PeriodKind::Quarter,
                date!(2024 - 01 - 01),
                date!(2024 - 03 - 31),
                91,
            ),
            (
                "2026H2",
                "2026H2",
                PeriodKind::HalfYear,
                date!(2026 - 07 - 01),
                date!(2026 - 12 - 31),
                184,
            ),
            (
                "2026-h1",
                "2026H1",
                PeriodKind::HalfYear,
                date!(2026 - 01 - 01),
                date!(2026 - 06 - 30),
                181,
            ),
            (
                "2026",
                "2026",
                PeriodKind::Year,
                date!(2026 - 01 - 01),
                date!(2026 - 12 - 31),
                365,
            ),
            (
                "2024",
                "2024",
                PeriodKind::Year,
                date!(2024 - 01 - 01),
                date!(2024 - 12 - 31),
                366,
            ),
        ];
        for (text, canonical, kind, first, last, days) in cases {
            let period: Period = text.parse()?;
            assert_eq!(period.to_string(), canonical);
            assert_eq!(format!("{period:?}"), format!("Period({canonical})"));
            assert_eq!(period.kind(), kind);
            assert_eq!(period.first_day(), first, "{text}");
            assert_eq!(period.last_day(), last, "{text}");
            assert_eq!(period.days(), days, "{text}");
            assert_eq!(period.calendar_year(), first.year());
        }
        Ok(())
    }

    #[test]
    fn constructors_check_their_input() -> TestResult {
        assert_eq!(Period::month(2026, 11)?, Period::parse("2026-11")?);
        assert_eq!(Period::quarter(2026, 4)?.number(), 4);
        assert_eq!(Period::half_year(2026, 2)?.number(), 2);
        assert_eq!(Period::year(2026)?.number(), 1);
        assert_eq!(Period::day(date!(2026 - 02 - 01))?.number(), 32);
        assert_eq!(
            Period::containing(PeriodKind::Quarter, date!(2026 - 11 - 26))?,
            Period::quarter(2026, 4)?
        );
        assert_eq!(
            Period::containing(PeriodKind::HalfYear, date!(2026 - 06 - 30))?,
            Period::half_year(2026, 1)?
        );
        assert_eq!(
            Period::month(2026, 13),
            Err(Error::Period {
                value: "2026-13".to_owned(),
                rule: PeriodRule::MonthOutOfRange { month: 13 },
            })
        );
        assert_eq!(
            Period::quarter(2026, 0),
            Err(Error::Period {
                value: "2026Q0".to_owned(),
                rule: PeriodRule::QuarterOutOfRange { quarter: 0 },
            })
        );
        assert!(Period::half_year(2026, 3).is_err());
        assert!(Period::year(1899).is_err());
        assert!(Period::year(10_000).is_err());
        assert!(Period::day(date!(1899 - 12 - 31)).is_err());
        assert!(Period::containing(PeriodKind::Year, date!(-0001 - 01 - 01)).is_err());
        Ok(())
    }

    #[test]
    fn reports_the_rule_broken() {
        let format = Some(PeriodRule::Format);
        for text in [
            "",
            "26",
            "2026-1",
            "2026-011",
            "2026/11",
            " 2026",
            "2026Q",
            "2026Q12",
            "2026-11-1",
            "２０２６",
            "2026年",
            "2026-Q4-1",
            "2026-+1",
        ] {
            assert_eq!(rule_of(text), format, "{text:?}");
        }
        assert_eq!(
            rule_of("1899"),
            Some(PeriodRule::YearOutOfRange { year: 1899 })
        );
        assert_eq!(
            rule_of("0000-01"),
            Some(PeriodRule::YearOutOfRange { year: 0 })
        );
        assert_eq!(
            rule_of("2026-13"),
            Some(PeriodRule::MonthOutOfRange { month: 13 })
        );
        assert_eq!(
            rule_of("2026-00-01"),
            Some(PeriodRule::MonthOutOfRange { month: 0 })
        );
        assert_eq!(
            rule_of("2026-02-29"),
            Some(PeriodRule::DayOutOfRange {
                year: 2026,
                month: 2,
                day: 29,
                days_in_month: 28
            })
        );
        assert_eq!(rule_of("2024-02-29"), None);
        assert_eq!(
            rule_of("2026Q5"),
            Some(PeriodRule::QuarterOutOfRange { quarter: 5 })
        );
        assert_eq!(
            rule_of("2026-H3"),
            Some(PeriodRule::HalfOutOfRange { half: 3 })
        );
        let message = Period::parse("2026-02-30").map_or_else(|e| e.to_string(), |p| p.to_string());
        assert_eq!(
            message,
            "period \"2026-02-30\": day 30 does not exist in 2026-02, which has 28 days"
        );
    }

    #[test]
    fn steps_and_ends_of_range() -> TestResult {
        let next = |text: &str| Period::parse(text).map(|p| p.next().map(|n| n.to_string()));
        let previous =
            |text: &str| Period::parse(text).map(|p| p.previous().map(|n| n.to_string()));
        assert_eq!(next("2026-12")?.as_deref(), Some("2027-01"));
        assert_eq!(next("2026Q4")?.as_deref(), Some("2027Q1"));
        assert_eq!(next("2026H1")?.as_deref(), Some("2026H2"));
        assert_eq!(next("2024-02-28")?.as_deref(), Some("2024-02-29"));
        assert_eq!(previous("2026-01")?.as_deref(), Some("2025-12"));
        assert_eq!(previous("2026Q1")?.as_deref(), Some("2025Q4"));
        assert_eq!(next("9999")?, None);
        assert_eq!(next("9999-12-31")?, None);
        assert_eq!(next("9999Q4")?, None);
        assert_eq!(previous("1900")?, None);
        assert_eq!(previous("1900-01")?, None);
        assert_eq!(previous("1900H1")?, None);
        Ok(())
    }

    #[test]
    fn orders_by_first_day_then_length() -> TestResult {
        let mut periods: Vec<Period> = [
            "2026",
            "2026H1",
            "2026-01-01",
            "2025-12",
            "2026Q1",
            "2026-01",
        ]
        .iter()
        .map(|t| Period::parse(t))
        .collect::<Result<_>>()?;
        periods.sort();
        let texts: Vec<String> = periods.iter().map(Period::to_string).collect();
        assert_eq!(
            texts,
            [
                "2025-12",
                "2026-01-01",
                "2026-01",
                "2026Q1",
                "2026H1",
                "2026"
            ]
        );
        Ok(())
    }

    #[test]
    fn serde_reads_the_string() -> TestResult {
        use serde::de::value::{Error as DeError, StrDeserializer};
        let period = Period::deserialize(StrDeserializer::<DeError>::new("2026-Q4"))?;
        assert_eq!(period, Period::quarter(2026, 4)?);
        assert!(Period::deserialize(StrDeserializer::<DeError>::new("2026Q5")).is_err());
        Ok(())
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(period in period()) {
            prop_assert_eq!(Period::parse(&period.to_string())?, period);
        }

        #[test]
        fn next_and_previous_undo_each_other(period in period()) {
            if let Some(next) = period.next() {
                prop_assert_eq!(next.previous(), Some(period));
                prop_assert_eq!(next.kind(), period.kind());
                prop_assert_eq!(next.first_day(), period.last_day().next_day().ok_or_else(|| TestCaseError::fail("no next day"))?);
                prop_assert!(next > period);
            }
            if let Some(previous) = period.previous() {
                prop_assert_eq!(previous.next(), Some(period));
                prop_assert!(previous < period);
            }
        }

        #[test]
        fn bounds_and_length_agree(period in period()) {
            let (first, last) = (period.first_day(), period.last_day());
            prop_assert!(period.contains(first));
            prop_assert!(period.contains(last));
            prop_assert!(first.previous_day().is_none_or(|d| !period.contains(d)));
            prop_assert!(last.next_day().is_none_or(|d| !period.contains(d)));
            prop_assert_eq!(i64::from(period.days()), i64::from(last.to_julian_day() - first.to_julian_day()) + 1);
        }

        #[test]
        fn containing_contains(kind in period_kind(), date in date_in_range()) {
            let period = Period::containing(kind, date)?;
            prop_assert!(period.contains(date));
            prop_assert_eq!(period.kind(), kind);
        }

        #[test]
        fn parser_never_panics(text in any::<String>()) {
            if let Ok(period) = Period::parse(&text) {
                prop_assert_eq!(Period::parse(&period.to_string())?, period);
            }
        }

        #[test]
        fn near_misses_never_panic(text in "[0-9]{4}[-Qq Hh]{0,2}[0-9]{0,3}(-[0-9]{0,3})?") {
            match Period::parse(&text) {
                Ok(period) => prop_assert!(period.to_string().len() <= text.len()),
                Err(Error::Period { value, .. }) => prop_assert_eq!(value, text),
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }
}
