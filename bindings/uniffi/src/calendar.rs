//! The statutory working-day calendar.

use std::fmt;
use std::sync::Arc;

use yikatong::CalendarCoverage;
use yikatong::calendar::{DayKind, Reckoned};

use crate::{LocalDate, Result};

/// Whether a date or a piece of working-day arithmetic rests on the statutory calendar.
#[uniffi::remote(Enum)]
enum CalendarCoverage {
    /// Every day involved lies in a year the statutory calendar covers.
    Statutory,
    /// Some day lies outside those years, where Monday to Friday were counted as working days.
    WeekdayFallback,
}

/// What kind of day a date is.
#[uniffi::remote(Enum)]
enum DayKind {
    Weekday,
    Weekend,
    Holiday,
    MakeUpWorkday,
}

/// A date from working-day arithmetic and whether it rests on the statutory calendar
/// (`Reckoned<Date>` in Rust).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct ReckonedDate {
    /// The date.
    pub value: LocalDate,
    /// `WeekdayFallback` if any day examined lay outside the statutory calendar.
    pub coverage: CalendarCoverage,
}

/// A count of working days and whether it rests on the statutory calendar
/// (`Reckoned<u32>` in Rust).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct ReckonedDays {
    /// The number of working days.
    pub value: u32,
    /// `WeekdayFallback` if any day examined lay outside the statutory calendar.
    pub coverage: CalendarCoverage,
}

impl From<Reckoned<LocalDate>> for ReckonedDate {
    fn from(reckoned: Reckoned<LocalDate>) -> Self {
        ReckonedDate {
            value: reckoned.value,
            coverage: reckoned.coverage,
        }
    }
}

impl From<Reckoned<u32>> for ReckonedDays {
    fn from(reckoned: Reckoned<u32>) -> Self {
        ReckonedDays {
            value: reckoned.value,
            coverage: reckoned.coverage,
        }
    }
}

enum Calendar {
    Bundled(&'static yikatong::WorkCalendar),
    Owned(yikatong::WorkCalendar),
}

/// The statutory working-day calendar (State Council notices); outside the covered
/// years Monday to Friday count as working days and results say so. Immutable, so one
/// calendar can be shared by any number of threads.
#[derive(uniffi::Object)]
pub struct WorkCalendar(Calendar);

impl fmt::Debug for WorkCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.calendar(), f)
    }
}

impl WorkCalendar {
    fn calendar(&self) -> &yikatong::WorkCalendar {
        match &self.0 {
            Calendar::Bundled(calendar) => calendar,
            Calendar::Owned(calendar) => calendar,
        }
    }
}

#[uniffi::export]
impl WorkCalendar {
    /// The bundled calendar: the State Council notices for the years it covers.
    #[uniffi::constructor]
    pub fn bundled() -> Result<Arc<Self>> {
        Ok(Arc::new(Self(Calendar::Bundled(
            yikatong::WorkCalendar::bundled()?,
        ))))
    }

    /// A calendar with no statutory data: Monday to Friday are working days.
    #[uniffi::constructor]
    pub fn weekdays_only() -> Arc<Self> {
        Arc::new(Self(Calendar::Owned(
            yikatong::WorkCalendar::weekdays_only(),
        )))
    }

    /// Reads a calendar from CSV text in the format of the bundled data file;
    /// `source_name` names it in error messages.
    #[uniffi::constructor]
    pub fn from_csv(source_name: &str, csv: &str) -> Result<Arc<Self>> {
        let calendar = yikatong::WorkCalendar::from_csv_reader(source_name, csv.as_bytes())?;
        Ok(Arc::new(Self(Calendar::Owned(calendar))))
    }

    /// The years the statutory data covers, ascending.
    pub fn covered_years(&self) -> Vec<i32> {
        self.calendar().covered_years().to_vec()
    }

    /// Whether `date` lies in a year the statutory data covers.
    pub fn covers(&self, date: LocalDate) -> bool {
        self.calendar().covers(date)
    }

    /// Whether `date` is reckoned from the statutory data or by weekdays.
    pub fn coverage(&self, date: LocalDate) -> CalendarCoverage {
        self.calendar().coverage(date)
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: LocalDate) -> DayKind {
        self.calendar().day_kind(date)
    }

    /// The festival a holiday or make-up workday belongs to, e.g. "National Day"; null otherwise.
    pub fn festival(&self, date: LocalDate) -> Option<String> {
        self.calendar().festival(date).map(str::to_owned)
    }

    /// Whether people work on `date`.
    pub fn is_working_day(&self, date: LocalDate) -> bool {
        self.calendar().is_working_day(date)
    }

    /// The `n`-th working day strictly after `date`; `date` itself when `n` is 0.
    pub fn add_working_days(&self, date: LocalDate, n: u32) -> Result<ReckonedDate> {
        Ok(self.calendar().add_working_days(date, n)?.into())
    }

    /// The next working day strictly after `date`.
    pub fn next_working_day(&self, date: LocalDate) -> Result<ReckonedDate> {
        Ok(self.calendar().next_working_day(date)?.into())
    }

    /// `date` if it is a working day, else the next one (where a deadline on a day off moves to).
    pub fn working_day_on_or_after(&self, date: LocalDate) -> Result<ReckonedDate> {
        Ok(self.calendar().working_day_on_or_after(date)?.into())
    }

    /// How many working days `d` satisfy `start < d <= end`; 0 when `end <= start`.
    pub fn working_days_between(&self, start: LocalDate, end: LocalDate) -> ReckonedDays {
        self.calendar().working_days_between(start, end).into()
    }
}
