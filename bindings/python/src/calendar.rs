//! `WorkCalendar`, `Reckoned`, `CalendarCoverage` and `DayKind`.

use pyo3::prelude::*;
use time::Date;

use crate::convert::{CivilDate, mirror_enum};
use crate::error::CoreResult;

mirror_enum! {
    /// Whether a date or a piece of working-day arithmetic rests on the statutory calendar.
    pub enum CalendarCoverage mirrors yikatong::CalendarCoverage {
        /// Every day involved lies in a year the statutory calendar covers.
        Statutory,
        /// Some day involved lies outside those years, where Monday to Friday were
        /// counted as working days; a holiday there may have been missed.
        WeekdayFallback,
    }
}

#[pymethods]
impl CalendarCoverage {
    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

mirror_enum! {
    /// What kind of day a date is.
    pub enum DayKind mirrors yikatong::calendar::DayKind {
        /// An ordinary Monday to Friday.
        Weekday,
        /// An ordinary Saturday or Sunday.
        Weekend,
        /// A weekday that is a statutory holiday.
        Holiday,
        /// A weekend day that is a make-up working day.
        MakeUpWorkday,
    }
}

#[pymethods]
impl DayKind {
    /// Whether people work on a day of this kind.
    fn is_working(&self) -> bool {
        yikatong::calendar::DayKind::from(*self).is_working()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// The value of a `Reckoned`: a date or a count of working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ReckonedValue {
    Date(Date),
    Count(u32),
}

/// A result of working-day arithmetic together with how it was reckoned: `value` is a
/// `datetime.date` or an `int`; `coverage` is `CalendarCoverage.WeekdayFallback` if any
/// day examined lay outside the statutory calendar.
#[pyclass(module = "yikatong._native", frozen, eq, hash, generic)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reckoned {
    value: ReckonedValue,
    coverage: CalendarCoverage,
}

impl From<yikatong::calendar::Reckoned<Date>> for Reckoned {
    fn from(reckoned: yikatong::calendar::Reckoned<Date>) -> Self {
        Self {
            value: ReckonedValue::Date(reckoned.value),
            coverage: reckoned.coverage.into(),
        }
    }
}

impl From<yikatong::calendar::Reckoned<u32>> for Reckoned {
    fn from(reckoned: yikatong::calendar::Reckoned<u32>) -> Self {
        Self {
            value: ReckonedValue::Count(reckoned.value),
            coverage: reckoned.coverage.into(),
        }
    }
}

#[pymethods]
impl Reckoned {
    /// The date or count.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.value {
            ReckonedValue::Date(date) => Ok(date.into_pyobject(py)?.into_any()),
            ReckonedValue::Count(count) => Ok(count.into_pyobject(py)?.into_any()),
        }
    }

    /// How it was reckoned.
    #[getter]
    fn coverage(&self) -> CalendarCoverage {
        self.coverage
    }

    /// Whether every day examined was covered by the statutory calendar.
    fn is_statutory(&self) -> bool {
        self.coverage == CalendarCoverage::Statutory
    }

    fn __repr__(&self) -> String {
        let value = match self.value {
            ReckonedValue::Date(date) => format!(
                "datetime.date({}, {}, {})",
                date.year(),
                u8::from(date.month()),
                date.day()
            ),
            ReckonedValue::Count(count) => count.to_string(),
        };
        format!(
            "Reckoned(value={value}, coverage={})",
            self.coverage.python_name()
        )
    }
}

/// The bundled calendar is shared for the life of the process; others are owned.
#[derive(Debug)]
enum Calendar {
    Bundled(&'static yikatong::WorkCalendar),
    Owned(yikatong::WorkCalendar),
}

/// Working days (工作日) under China's statutory holiday calendar.
///
/// `WorkCalendar.bundled()` holds the State Council notices shipped with the library;
/// outside their years it counts Monday to Friday, and every result of working-day
/// arithmetic is a `Reckoned` that says so.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct WorkCalendar(Calendar);

impl WorkCalendar {
    pub(crate) fn calendar(&self) -> &yikatong::WorkCalendar {
        match &self.0 {
            Calendar::Bundled(calendar) => calendar,
            Calendar::Owned(calendar) => calendar,
        }
    }
}

#[pymethods]
impl WorkCalendar {
    /// The bundled calendar, parsed once on first use.
    #[staticmethod]
    fn bundled(py: Python<'_>) -> CoreResult<Self> {
        let calendar = py.detach(yikatong::WorkCalendar::bundled)?;
        Ok(Self(Calendar::Bundled(calendar)))
    }

    /// Reads a calendar CSV with the header `date,kind,name`. Raises `DataError`.
    #[staticmethod]
    fn from_csv(source_name: &str, data: Vec<u8>) -> CoreResult<Self> {
        let calendar = yikatong::WorkCalendar::from_csv_reader(source_name, &data[..])?;
        Ok(Self(Calendar::Owned(calendar)))
    }

    /// A calendar with no statutory data: Monday to Friday everywhere.
    #[staticmethod]
    fn weekdays_only() -> Self {
        Self(Calendar::Owned(yikatong::WorkCalendar::weekdays_only()))
    }

    /// The years the statutory data covers, ascending.
    fn covered_years(&self) -> Vec<i32> {
        self.calendar().covered_years().to_vec()
    }

    /// Whether `date` lies in a year the statutory data covers.
    fn covers(&self, date: CivilDate) -> bool {
        self.calendar().covers(date.0)
    }

    /// Whether `date` is reckoned from the statutory data or by weekdays.
    fn coverage(&self, date: CivilDate) -> CalendarCoverage {
        self.calendar().coverage(date.0).into()
    }

    /// What kind of day `date` is.
    fn day_kind(&self, date: CivilDate) -> DayKind {
        self.calendar().day_kind(date.0).into()
    }

    /// The festival a holiday or make-up workday belongs to, e.g. "National Day".
    fn festival(&self, date: CivilDate) -> Option<&str> {
        self.calendar().festival(date.0)
    }

    /// Whether people work on `date`.
    fn is_working_day(&self, date: CivilDate) -> bool {
        self.calendar().is_working_day(date.0)
    }

    /// The `n`-th working day strictly after `date`; `date` itself when `n` is 0.
    /// Raises `DateOutOfRange` past 9999-12-31.
    fn add_working_days(&self, date: CivilDate, n: u32) -> CoreResult<Reckoned> {
        Ok(self.calendar().add_working_days(date.0, n)?.into())
    }

    /// The next working day strictly after `date`.
    fn next_working_day(&self, date: CivilDate) -> CoreResult<Reckoned> {
        Ok(self.calendar().next_working_day(date.0)?.into())
    }

    /// `date` if it is a working day, else the next one.
    fn working_day_on_or_after(&self, date: CivilDate) -> CoreResult<Reckoned> {
        Ok(self.calendar().working_day_on_or_after(date.0)?.into())
    }

    /// How many working days `d` satisfy `start < d <= end`.
    fn working_days_between(&self, start: CivilDate, end: CivilDate) -> Reckoned {
        self.calendar().working_days_between(start.0, end.0).into()
    }

    fn __repr__(&self) -> String {
        let years = self.calendar().covered_years();
        match (years.first(), years.last()) {
            (Some(first), Some(last)) => format!("<WorkCalendar (statutory {first}–{last})>"),
            _ => "<WorkCalendar (weekdays only)>".to_owned(),
        }
    }
}
