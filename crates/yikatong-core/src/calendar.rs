//! Working days (工作日) under China's statutory holiday calendar.
//!
//! The State Council General Office announces each year which weekdays are
//! holidays (法定节假日) and which weekend days are make-up working days (调休上班).
//! A [`WorkCalendar`] holds those notices for the years it has; outside them it
//! counts Monday to Friday and says so: every result of working-day arithmetic
//! is a [`Reckoned`] value whose [`CalendarCoverage`] tells whether any day it
//! looked at lay outside the statutory data.
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::{CalendarCoverage, WorkCalendar};
//!
//! # #[cfg(feature = "bundled-data")] {
//! let calendar = WorkCalendar::bundled()?;
//! assert!(!calendar.is_working_day(date!(2024 - 10 - 01))); // National Day
//! assert!(calendar.is_working_day(date!(2024 - 09 - 29))); // a Sunday, made up
//! let due = calendar.add_working_days(date!(2024 - 09 - 30), 1)?;
//! assert_eq!(due.value, date!(2024 - 10 - 08));
//! assert_eq!(due.coverage, CalendarCoverage::Statutory);
//! let old = calendar.add_working_days(date!(1999 - 12 - 31), 1)?;
//! assert_eq!(old.coverage, CalendarCoverage::WeekdayFallback);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::Read;

use time::{Date, Weekday};

use crate::region::for_each_csv_row;
use crate::{Error, Result};

/// Whether a date or a piece of working-day arithmetic rests on the statutory calendar.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CalendarCoverage {
    /// Every day involved lies in a year the statutory calendar covers.
    Statutory,
    /// Some day involved lies outside those years, where Monday to Friday were
    /// counted as working days; a holiday there may have been missed.
    WeekdayFallback,
}

impl CalendarCoverage {
    /// `WeekdayFallback` if either side is.
    pub const fn and(self, other: CalendarCoverage) -> CalendarCoverage {
        match (self, other) {
            (CalendarCoverage::Statutory, CalendarCoverage::Statutory) => {
                CalendarCoverage::Statutory
            }
            _ => CalendarCoverage::WeekdayFallback,
        }
    }
}

/// A result of working-day arithmetic together with how it was reckoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Reckoned<T> {
    /// The date or count.
    pub value: T,
    /// `WeekdayFallback` if any day examined lay outside the statutory calendar.
    pub coverage: CalendarCoverage,
}

impl<T> Reckoned<T> {
    /// Whether every day examined was covered by the statutory calendar.
    pub fn is_statutory(&self) -> bool {
        self.coverage == CalendarCoverage::Statutory
    }

    /// Applies `f` to the value, keeping the coverage.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reckoned<U> {
        Reckoned {
            value: f(self.value),
            coverage: self.coverage,
        }
    }
}

/// What a statutory notice says about a date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum StatutoryKind {
    /// A weekday that is a day off (法定节假日).
    Holiday,
    /// A weekend day that is a working day (调休上班).
    Workday,
}

impl StatutoryKind {
    /// The word used in the calendar file: `holiday` or `workday`.
    pub const fn as_str(self) -> &'static str {
        match self {
            StatutoryKind::Holiday => "holiday",
            StatutoryKind::Workday => "workday",
        }
    }
}

/// What kind of day a date is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary Monday to Friday.
    Weekday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A weekday that is a statutory holiday.
    Holiday,
    /// A weekend day that is a make-up working day.
    MakeUpWorkday,
}

impl DayKind {
    /// Whether people work on a day of this kind.
    pub const fn is_working(self) -> bool {
        matches!(self, DayKind::Weekday | DayKind::MakeUpWorkday)
    }
}

/// One dated line of a statutory notice.
#[derive(Debug, Clone)]
struct Entry {
    /// Julian day number of the date.
    day: i32,
    kind: StatutoryKind,
    name: Box<str>,
}

/// The statutory working-day calendar.
///
/// Every query is a binary search: a day counts as working if it is Monday to
/// Friday, minus the listed holidays, plus the listed make-up workdays, and
/// running totals of those corrections make counting over any span O(log n).
#[derive(Clone)]
pub struct WorkCalendar {
    /// Sorted by day; holidays are weekdays and make-up workdays weekend days.
    entries: Vec<Entry>,
    /// `correction[k]`: make-up workdays minus holidays in `entries[..=k]`.
    correction: Vec<i64>,
    /// The years the notices cover, ascending.
    years: Vec<i32>,
}

impl fmt::Debug for WorkCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkCalendar")
            .field("entries", &self.entries.len())
            .field("years", &self.years.first().zip(self.years.last()))
            .finish_non_exhaustive()
    }
}

/// The header every calendar CSV starts with.
const CALENDAR_HEADER: [&str; 3] = ["date", "kind", "name"];

impl WorkCalendar {
    /// Reads a calendar CSV with the header `date,kind,name` (see `data/README.md`):
    /// `date` as `YYYY-MM-DD`; `kind` `holiday` (a weekday off) or `workday` (a
    /// weekend day worked); `name` the festival. Each year that appears is covered.
    ///
    /// A bad line gives [`Error::Data`] with `source_name`, the line number and the field.
    pub fn from_csv_reader<R: Read>(source_name: &str, reader: R) -> Result<WorkCalendar> {
        let mut rows: Vec<(Entry, u64)> = Vec::new();
        for_each_csv_row(
            source_name,
            reader,
            "a calendar",
            &CALENDAR_HEADER,
            |record, line| {
                rows.push((parse_calendar_row(record)?, line));
                Ok(())
            },
        )?;
        // Stable: of two lines for one date, the later is reported.
        rows.sort_by_key(|(entry, _)| entry.day);
        let duplicate = rows
            .windows(2)
            .filter_map(|pair| match pair {
                [(a, first), (b, second)] if a.day == b.day => Some((*second, *first, b.day)),
                _ => None,
            })
            .min();
        if let Some((line, first, day)) = duplicate {
            let date =
                Date::from_julian_day(day).map_or_else(|_| day.to_string(), |d| d.to_string());
            return Err(Error::Data {
                source_name: source_name.to_owned(),
                line,
                message: format!(
                    "field date = \"{date}\": the date is listed twice (also on line {first})"
                ),
            });
        }
        let entries: Vec<Entry> = rows.into_iter().map(|(entry, _)| entry).collect();
        Ok(WorkCalendar::from_entries(entries))
    }

    /// A calendar with no statutory data: Monday to Friday everywhere, always
    /// flagged [`CalendarCoverage::WeekdayFallback`].
    pub fn weekdays_only() -> WorkCalendar {
        WorkCalendar::from_entries(Vec::new())
    }

    fn from_entries(entries: Vec<Entry>) -> WorkCalendar {
        let mut running = 0i64;
        let correction = entries
            .iter()
            .map(|entry| {
                running += match entry.kind {
                    StatutoryKind::Holiday => -1,
                    StatutoryKind::Workday => 1,
                };
                running
            })
            .collect();
        let mut years: Vec<i32> = entries
            .iter()
            .filter_map(|entry| Date::from_julian_day(entry.day).ok())
            .map(Date::year)
            .collect();
        years.dedup();
        WorkCalendar {
            entries,
            correction,
            years,
        }
    }

    /// The bundled calendar: the State Council notices for 2004 to 2026, parsed
    /// once on first use.
    ///
    /// The shipped data is tested to parse; should it still fail, every call
    /// returns that error instead of panicking.
    #[cfg(feature = "bundled-data")]
    pub fn bundled() -> Result<&'static WorkCalendar> {
        use std::sync::LazyLock;
        static CALENDAR: LazyLock<Result<WorkCalendar>> = LazyLock::new(|| {
            WorkCalendar::from_csv_reader(
                "data/calendar/cn_statutory_calendar_2004_2026.csv",
                include_str!("../../../data/calendar/cn_statutory_calendar_2004_2026.csv")
                    .as_bytes(),
            )
        });
        CALENDAR.as_ref().map_err(Clone::clone)
    }

    /// The years the statutory data covers, ascending.
    pub fn covered_years(&self) -> &[i32] {
        &self.years
    }

    /// Whether `date` lies in a year the statutory data covers.
    pub fn covers(&self, date: Date) -> bool {
        self.years.binary_search(&date.year()).is_ok()
    }

    /// Whether `date` is reckoned from the statutory data or by weekdays.
    pub fn coverage(&self, date: Date) -> CalendarCoverage {
        if self.covers(date) {
            CalendarCoverage::Statutory
        } else {
            CalendarCoverage::WeekdayFallback
        }
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: Date) -> DayKind {
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        match (self.entry(date).map(|entry| entry.kind), weekend) {
            (Some(StatutoryKind::Holiday), _) => DayKind::Holiday,
            (Some(StatutoryKind::Workday), _) => DayKind::MakeUpWorkday,
            (None, true) => DayKind::Weekend,
            (None, false) => DayKind::Weekday,
        }
    }

    /// The festival a holiday or make-up workday belongs to, e.g. `National Day`.
    pub fn festival(&self, date: Date) -> Option<&str> {
        self.entry(date).map(|entry| &*entry.name)
    }

    /// Whether people work on `date`: a weekday that is not a holiday, or a
    /// make-up workday. Outside the covered years, Monday to Friday.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.day_kind(date).is_working()
    }

    /// The `n`-th working day strictly after `date`; `date` itself when `n` is 0
    /// (no day examined, so the coverage is `Statutory`).
    ///
    /// Fails with [`Error::DateOutOfRange`] past 9999-12-31.
    pub fn add_working_days(&self, date: Date, n: u32) -> Result<Reckoned<Date>> {
        if n == 0 {
            return Ok(Reckoned {
                value: date,
                coverage: CalendarCoverage::Statutory,
            });
        }
        let start = i64::from(date.to_julian_day());
        let last = i64::from(Date::MAX.to_julian_day());
        let target = self.working_through(start) + i64::from(n);
        if self.working_through(last) < target {
            return Err(Error::DateOutOfRange {
                detail: format!("{n} working days after {date} is later than {}", Date::MAX),
            });
        }
        // Grow the window until it holds `n` working days, then bisect:
        // `working_through` never decreases, so the first day reaching the target is the answer.
        let mut span = 2 * i64::from(n) + 16;
        let mut high = (start + span).min(last);
        while self.working_through(high) < target {
            span *= 2;
            high = (start + span).min(last);
        }
        let mut low = start;
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if self.working_through(middle) >= target {
                high = middle;
            } else {
                low = middle;
            }
        }
        let value = i32::try_from(high)
            .ok()
            .and_then(|day| Date::from_julian_day(day).ok())
            .ok_or_else(|| Error::DateOutOfRange {
                detail: format!("{n} working days after {date} is later than {}", Date::MAX),
            })?;
        Ok(Reckoned {
            value,
            coverage: self.span_coverage(date.next_day().unwrap_or(value), value),
        })
    }

    /// The next working day strictly after `date`.
    pub fn next_working_day(&self, date: Date) -> Result<Reckoned<Date>> {
        self.add_working_days(date, 1)
    }

    /// `date` if it is a working day, else the next one: where a deadline that
    /// falls on a day off moves to.
    pub fn working_day_on_or_after(&self, date: Date) -> Result<Reckoned<Date>> {
        if self.is_working_day(date) {
            Ok(Reckoned {
                value: date,
                coverage: self.coverage(date),
            })
        } else {
            let next = self.next_working_day(date)?;
            Ok(Reckoned {
                value: next.value,
                coverage: next.coverage.and(self.coverage(date)),
            })
        }
    }

    /// How many working days `d` satisfy `start < d <= end`; 0 when `end <= start`
    /// (no day examined, so the coverage is `Statutory`).
    pub fn working_days_between(&self, start: Date, end: Date) -> Reckoned<u32> {
        let Some(first) = start.next_day().filter(|first| *first <= end) else {
            return Reckoned {
                value: 0,
                coverage: CalendarCoverage::Statutory,
            };
        };
        let count = self.working_through(i64::from(end.to_julian_day()))
            - self.working_through(i64::from(start.to_julian_day()));
        Reckoned {
            // At most the number of days from year -9999 to 9999: fits.
            value: u32::try_from(count).unwrap_or(u32::MAX),
            coverage: self.span_coverage(first, end),
        }
    }

    fn entry(&self, date: Date) -> Option<&Entry> {
        let day = date.to_julian_day();
        self.entries
            .binary_search_by_key(&day, |entry| entry.day)
            .ok()
            .and_then(|k| self.entries.get(k))
    }

    /// Working days up to and including Julian day `day`, counted from an
    /// arbitrary origin: only differences are meaningful.
    fn working_through(&self, day: i64) -> i64 {
        let listed = self
            .entries
            .partition_point(|entry| i64::from(entry.day) <= day);
        let correction = listed
            .checked_sub(1)
            .and_then(|k| self.correction.get(k))
            .copied()
            .unwrap_or(0);
        weekdays_through(day) + correction
    }

    /// Coverage of the days `first..=last`.
    fn span_coverage(&self, first: Date, last: Date) -> CalendarCoverage {
        let (from, to) = (first.year(), last.year());
        let covered_from = self.years.partition_point(|year| *year < from);
        let covered_to = self.years.partition_point(|year| *year <= to);
        let needed = i64::from(to) - i64::from(from) + 1;
        if i64::try_from(covered_to.saturating_sub(covered_from)).ok() == Some(needed) {
            CalendarCoverage::Statutory
        } else {
            CalendarCoverage::WeekdayFallback
        }
    }
}

/// Mondays to Fridays among Julian days `0..=day` (negative below 0, so that
/// differences are right everywhere). Julian day 0 was a Monday.
fn weekdays_through(day: i64) -> i64 {
    let days = day + 1;
    5 * days.div_euclid(7) + days.rem_euclid(7).min(5)
}

fn parse_calendar_row(record: &csv::StringRecord) -> std::result::Result<Entry, String> {
    let (Some(date_text), Some(kind_text), Some(name), None) =
        (record.get(0), record.get(1), record.get(2), record.get(3))
    else {
        return Err(format!(
            "has {} fields; a calendar row has 3: {}",
            record.len(),
            CALENDAR_HEADER.join(",")
        ));
    };
    let (date_text, kind_text, name) = (date_text.trim(), kind_text.trim(), name.trim());
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(date_text, format).map_err(|error| {
        format!("field date = {date_text:?}: not a date written YYYY-MM-DD ({error})")
    })?;
    let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
    let kind = match kind_text {
        "holiday" if weekend => {
            return Err(format!(
                "field kind = \"holiday\", but {date} is a {}; list only weekdays that are days off",
                date.weekday()
            ));
        }
        "workday" if !weekend => {
            return Err(format!(
                "field kind = \"workday\", but {date} is a {}; list only weekend days that are working days",
                date.weekday()
            ));
        }
        "holiday" => StatutoryKind::Holiday,
        "workday" => StatutoryKind::Workday,
        other => {
            return Err(format!(
                "field kind = {other:?}: not one of holiday, workday"
            ));
        }
    };
    Ok(Entry {
        day: date.to_julian_day(),
        kind,
        name: name.into(),
    })
}

#[cfg(feature = "proptest")]
mod arbitrary {
    //! `Arbitrary` for the calendar's value types.

    use proptest::arbitrary::{Arbitrary, any_with};
    use proptest::sample::select;
    use proptest::strategy::{BoxedStrategy, Strategy};

    use super::{CalendarCoverage, DayKind, Reckoned, StatutoryKind};

    impl Arbitrary for CalendarCoverage {
        type Parameters = ();
        type Strategy = BoxedStrategy<CalendarCoverage>;

        fn arbitrary_with((): ()) -> Self::Strategy {
            select(vec![
                CalendarCoverage::Statutory,
                CalendarCoverage::WeekdayFallback,
            ])
            .boxed()
        }
    }

    impl Arbitrary for StatutoryKind {
        type Parameters = ();
        type Strategy = BoxedStrategy<StatutoryKind>;

        fn arbitrary_with((): ()) -> Self::Strategy {
            select(vec![StatutoryKind::Holiday, StatutoryKind::Workday]).boxed()
        }
    }

    impl Arbitrary for DayKind {
        type Parameters = ();
        type Strategy = BoxedStrategy<DayKind>;

        fn arbitrary_with((): ()) -> Self::Strategy {
            select(vec![
                DayKind::Weekday,
                DayKind::Weekend,
                DayKind::Holiday,
                DayKind::MakeUpWorkday,
            ])
            .boxed()
        }
    }

    impl<T: Arbitrary + 'static> Arbitrary for Reckoned<T> {
        type Parameters = T::Parameters;
        type Strategy = BoxedStrategy<Reckoned<T>>;

        fn arbitrary_with(parameters: T::Parameters) -> Self::Strategy {
            (any_with::<T>(parameters), any_with::<CalendarCoverage>(()))
                .prop_map(|(value, coverage)| Reckoned { value, coverage })
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const HEADER: &str = "date,kind,name\n";

    fn read(text: &str) -> Result<WorkCalendar> {
        WorkCalendar::from_csv_reader("calendar.csv", text.as_bytes())
    }

    /// Day-by-day count, the definition `working_days_between` must match.
    fn count_slowly(calendar: &WorkCalendar, start: Date, end: Date) -> u32 {
        let mut count = 0;
        let mut day = start;
        while let Some(next) = day.next_day().filter(|next| *next <= end) {
            count += u32::from(calendar.is_working_day(next));
            day = next;
        }
        count
    }

    /// Dates from 1990 to 2040.
    fn date_1990_2040() -> impl Strategy<Value = Date> {
        (2_447_893i32..=2_466_155).prop_filter_map("a date", |day| Date::from_julian_day(day).ok())
    }

    #[test]
    fn julian_day_zero_is_a_monday() -> TestResult {
        for date in [
            date!(2024 - 10 - 07),
            date!(1900 - 01 - 01),
            date!(-4000 - 03 - 01),
            date!(9999 - 12 - 31),
        ] {
            let weekday = i64::from(date.to_julian_day()).rem_euclid(7);
            assert_eq!(
                weekday,
                i64::from(date.weekday().number_days_from_monday()),
                "{date}"
            );
        }
        assert_eq!(weekdays_through(6) - weekdays_through(-1), 5);
        assert_eq!(weekdays_through(-1), 0);
        assert_eq!(weekdays_through(-8), -5);
        Ok(())
    }

    #[test]
    fn reads_a_small_calendar() -> TestResult {
        let calendar = read(&format!(
            "{HEADER}2024-09-29,workday,National Day\n2024-10-01,holiday,National Day\n"
        ))?;
        assert_eq!(calendar.covered_years(), [2024]);
        assert_eq!(
            calendar.day_kind(date!(2024 - 09 - 29)),
            DayKind::MakeUpWorkday
        );
        assert_eq!(calendar.day_kind(date!(2024 - 10 - 01)), DayKind::Holiday);
        assert_eq!(calendar.day_kind(date!(2024 - 10 - 05)), DayKind::Weekend);
        assert_eq!(calendar.day_kind(date!(2024 - 10 - 08)), DayKind::Weekday);
        assert_eq!(
            calendar.festival(date!(2024 - 10 - 01)),
            Some("National Day")
        );
        assert_eq!(calendar.festival(date!(2024 - 10 - 08)), None);
        assert_eq!(
            format!("{calendar:?}"),
            "WorkCalendar { entries: 2, years: Some((2024, 2024)), .. }"
        );
        let empty = read(HEADER)?;
        assert!(empty.covered_years().is_empty());
        assert!(empty.is_working_day(date!(2024 - 10 - 01)));
        Ok(())
    }

    #[test]
    fn bad_lines_are_reported_with_line_and_field() {
        let cases = [
            (
                "date,kind\n".to_owned(),
                1,
                "the header is \"date,kind\"; a calendar starts with the header date,kind,name",
            ),
            (String::new(), 1, "the file is empty"),
            (
                format!("{HEADER}2024-10-01,holiday,National Day\n2024-13-01,holiday,x\n"),
                3,
                "field date = \"2024-13-01\": not a date written YYYY-MM-DD",
            ),
            (
                format!("{HEADER}\n\n2024-10-01,day off,x\n"),
                4,
                "field kind = \"day off\": not one of holiday, workday",
            ),
            (
                format!("{HEADER}2024-10-05,holiday,National Day\n"),
                2,
                "field kind = \"holiday\", but 2024-10-05 is a Saturday",
            ),
            (
                format!("{HEADER}2024-10-08,workday,National Day\n"),
                2,
                "field kind = \"workday\", but 2024-10-08 is a Tuesday",
            ),
            (
                format!("{HEADER}2024-10-01,holiday\n"),
                2,
                "has 2 fields; a calendar row has 3",
            ),
            (
                format!(
                    "{HEADER}2024-10-02,holiday,a\n2024-10-01,holiday,b\n2024-10-02,holiday,c\n"
                ),
                4,
                "field date = \"2024-10-02\": the date is listed twice (also on line 2)",
            ),
        ];
        for (text, line, message) in cases {
            let found = match read(&text) {
                Err(Error::Data {
                    source_name,
                    line,
                    message,
                }) => Some((source_name, line, message)),
                _ => None,
            };
            assert!(
                matches!(&found, Some((source, l, m)) if source == "calendar.csv" && *l == line && m.contains(message)),
                "{text:?} gave {found:?}"
            );
        }
    }

    #[test]
    fn empty_spans_and_out_of_range() -> TestResult {
        let calendar = WorkCalendar::weekdays_only();
        let day = date!(2024 - 10 - 08);
        assert_eq!(
            calendar.add_working_days(day, 0)?,
            Reckoned {
                value: day,
                coverage: CalendarCoverage::Statutory
            }
        );
        assert_eq!(calendar.working_days_between(day, day).value, 0);
        assert_eq!(
            calendar
                .working_days_between(day, date!(2024 - 10 - 01))
                .value,
            0
        );
        assert!(matches!(
            calendar.add_working_days(date!(9999 - 12 - 30), 5),
            Err(Error::DateOutOfRange { .. })
        ));
        assert!(matches!(
            calendar.add_working_days(day, u32::MAX),
            Err(Error::DateOutOfRange { .. })
        ));
        assert!(matches!(
            calendar.next_working_day(Date::MAX),
            Err(Error::DateOutOfRange { .. })
        ));
        // 9999-12-31 is a Friday.
        assert_eq!(
            calendar.next_working_day(date!(9999 - 12 - 30))?.value,
            date!(9999 - 12 - 31)
        );
        let span = calendar.working_days_between(Date::MIN, Date::MAX);
        assert_eq!(span.value, count_whole_weeks(Date::MIN, Date::MAX));
        assert_eq!(span.coverage, CalendarCoverage::WeekdayFallback);
        Ok(())
    }

    /// Weekdays in `(start, end]` by a closed formula over whole weeks plus the rest.
    fn count_whole_weeks(start: Date, end: Date) -> u32 {
        let days = end.to_julian_day() - start.to_julian_day();
        let (weeks, rest) = (days / 7, days % 7);
        let mut count = u32::try_from(weeks * 5).unwrap_or(0);
        let mut day = end;
        for _ in 0..rest {
            count += u32::from(!matches!(
                day.weekday(),
                Weekday::Saturday | Weekday::Sunday
            ));
            day = day.previous_day().unwrap_or(day);
        }
        count
    }

    #[cfg(feature = "bundled-data")]
    mod bundled {
        use super::*;

        fn calendar() -> Result<&'static WorkCalendar> {
            WorkCalendar::bundled()
        }

        #[test]
        fn bundled_data_parses() -> TestResult {
            let calendar = calendar()?;
            let years: Vec<i32> = (2004..=2026).collect();
            assert_eq!(calendar.covered_years(), years);
            Ok(())
        }

        #[test]
        fn known_days() -> TestResult {
            let calendar = calendar()?;
            assert!(!calendar.is_working_day(date!(2024 - 10 - 01)));
            assert_eq!(calendar.day_kind(date!(2024 - 10 - 01)), DayKind::Holiday);
            assert!(calendar.is_working_day(date!(2024 - 09 - 29)));
            assert_eq!(
                calendar.day_kind(date!(2024 - 09 - 29)),
                DayKind::MakeUpWorkday
            );
            assert!(calendar.is_working_day(date!(2024 - 10 - 08)));
            assert!(!calendar.is_working_day(date!(2024 - 10 - 06)));
            assert!(calendar.is_working_day(date!(2024 - 10 - 12))); // Saturday, made up
            assert!(!calendar.is_working_day(date!(2004 - 01 - 01)));
            assert!(!calendar.is_working_day(date!(2026 - 01 - 01)));
            assert_eq!(
                calendar.festival(date!(2024 - 10 - 01)),
                Some("National Day")
            );
            assert_eq!(
                calendar.coverage(date!(2024 - 10 - 01)),
                CalendarCoverage::Statutory
            );
            // Outside the data: Monday to Friday, flagged.
            assert!(calendar.is_working_day(date!(2003 - 10 - 01)));
            assert!(calendar.is_working_day(date!(2027 - 10 - 01)));
            assert!(!calendar.covers(date!(2003 - 12 - 31)));
            assert!(!calendar.covers(date!(2027 - 01 - 01)));
            assert_eq!(
                calendar.coverage(date!(2027 - 01 - 01)),
                CalendarCoverage::WeekdayFallback
            );
            Ok(())
        }

        #[test]
        fn arithmetic_over_national_day_2024() -> TestResult {
            let calendar = calendar()?;
            fn statutory<T>(value: T) -> Reckoned<T> {
                Reckoned {
                    value,
                    coverage: CalendarCoverage::Statutory,
                }
            }
            assert_eq!(
                calendar.next_working_day(date!(2024 - 09 - 30))?,
                statutory(date!(2024 - 10 - 08))
            );
            assert_eq!(
                calendar.next_working_day(date!(2024 - 09 - 28))?,
                statutory(date!(2024 - 09 - 29))
            );
            assert_eq!(
                calendar.add_working_days(date!(2024 - 09 - 27), 3)?,
                statutory(date!(2024 - 10 - 08))
            );
            // 9-29, 9-30, 10-8, 10-9, 10-10, 10-11, 10-12.
            assert_eq!(
                calendar.working_days_between(date!(2024 - 09 - 28), date!(2024 - 10 - 12)),
                statutory(7)
            );
            assert_eq!(
                calendar.working_day_on_or_after(date!(2024 - 10 - 03))?,
                statutory(date!(2024 - 10 - 08))
            );
            assert_eq!(
                calendar.working_day_on_or_after(date!(2024 - 10 - 08))?,
                statutory(date!(2024 - 10 - 08))
            );
            // 2024 had 251 working days.
            assert_eq!(
                calendar.working_days_between(date!(2023 - 12 - 31), date!(2024 - 12 - 31)),
                statutory(251)
            );
            Ok(())
        }

        #[test]
        fn fallback_is_flagged() -> TestResult {
            let calendar = calendar()?;
            let before = calendar.add_working_days(date!(2003 - 12 - 30), 1)?;
            assert_eq!(before.value, date!(2003 - 12 - 31));
            assert_eq!(before.coverage, CalendarCoverage::WeekdayFallback);
            // From 2003-12-31 on, only 2004 days are examined.
            let into = calendar.add_working_days(date!(2003 - 12 - 31), 1)?;
            assert_eq!(
                into,
                Reckoned {
                    value: date!(2004 - 01 - 02),
                    coverage: CalendarCoverage::Statutory
                }
            );
            let after = calendar.add_working_days(date!(2026 - 12 - 31), 1)?;
            assert_eq!(after.value, date!(2027 - 01 - 01));
            assert_eq!(after.coverage, CalendarCoverage::WeekdayFallback);
            let across =
                calendar.working_days_between(date!(2003 - 12 - 30), date!(2004 - 01 - 05));
            assert_eq!(across.coverage, CalendarCoverage::WeekdayFallback);
            assert_eq!(across.value, 3); // 12-31, 01-02, 01-05
            let inside =
                calendar.working_days_between(date!(2003 - 12 - 31), date!(2026 - 12 - 31));
            assert_eq!(inside.coverage, CalendarCoverage::Statutory);
            assert_eq!(
                inside.value,
                count_slowly(calendar, date!(2003 - 12 - 31), date!(2026 - 12 - 31))
            );
            let on_or_after = calendar.working_day_on_or_after(date!(2027 - 01 - 02))?;
            assert_eq!(on_or_after.value, date!(2027 - 01 - 04));
            assert_eq!(on_or_after.coverage, CalendarCoverage::WeekdayFallback);
            Ok(())
        }

        proptest! {
            #[test]
            fn add_then_count_gives_n(date in date_1990_2040(), n in 0u32..1500) {
                let calendar = calendar()?;
                let end = calendar.add_working_days(date, n)?;
                let count = calendar.working_days_between(date, end.value);
                prop_assert_eq!(count.value, n);
                prop_assert_eq!(count.coverage, end.coverage);
                if n > 0 {
                    prop_assert!(end.value > date);
                    prop_assert!(calendar.is_working_day(end.value));
                    let day_before = end.value.previous_day().ok_or_else(|| TestCaseError::fail("no day before"))?;
                    prop_assert_eq!(calendar.working_days_between(date, day_before).value, n - 1);
                }
            }

            #[test]
            fn counting_matches_day_by_day(start in date_1990_2040(), length in 0i32..800) {
                let calendar = calendar()?;
                let end = Date::from_julian_day(start.to_julian_day() + length)?;
                let count = calendar.working_days_between(start, end);
                prop_assert_eq!(count.value, count_slowly(calendar, start, end));
                let mut examined = start;
                let mut fallback = false;
                while let Some(next) = examined.next_day().filter(|next| *next <= end) {
                    fallback |= !calendar.covers(next);
                    examined = next;
                }
                let expected = if fallback { CalendarCoverage::WeekdayFallback } else { CalendarCoverage::Statutory };
                prop_assert_eq!(count.coverage, expected);
            }

            #[test]
            fn next_working_day_skips_days_off(date in date_1990_2040()) {
                let calendar = calendar()?;
                let next = calendar.next_working_day(date)?.value;
                prop_assert!(calendar.is_working_day(next));
                let mut day = date.next_day().ok_or_else(|| TestCaseError::fail("no next day"))?;
                while day < next {
                    prop_assert!(!calendar.is_working_day(day));
                    day = day.next_day().ok_or_else(|| TestCaseError::fail("no next day"))?;
                }
            }
        }
    }

    proptest! {
        #[test]
        fn reader_never_panics(text in "(date,kind,name\n)?([0-9a-z,\n-]|holiday|workday|2024-10-0){0,60}") {
            let _ = read(&text);
        }

        #[test]
        fn weekdays_only_counts_weekdays(start in date_1990_2040(), length in 0i32..3000) {
            let calendar = WorkCalendar::weekdays_only();
            let end = Date::from_julian_day(start.to_julian_day() + length)?;
            let count = calendar.working_days_between(start, end);
            prop_assert_eq!(count.value, count_whole_weeks(start, end));
            prop_assert_eq!(count.value, count_slowly(&calendar, start, end));
            prop_assert_eq!(count.coverage, if length == 0 {
                CalendarCoverage::Statutory
            } else {
                CalendarCoverage::WeekdayFallback
            });
        }
    }
}
