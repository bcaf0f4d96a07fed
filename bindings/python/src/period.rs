//! `Period` and `PeriodKind`.

use pyo3::prelude::*;
use pyo3::types::PyType;
use time::Date;

use crate::convert::{CivilDate, mirror_enum};
use crate::error::CoreResult;

mirror_enum! {
    /// The kind of a period, ordered by length.
    pub enum PeriodKind mirrors yikatong::period::PeriodKind {
        /// One day.
        Day,
        /// A calendar month.
        Month,
        /// A calendar quarter.
        Quarter,
        /// A half-year.
        HalfYear,
        /// A calendar year.
        Year,
    }
}

#[pymethods]
impl PeriodKind {
    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// A period a subsidy is paid for: a day, month, quarter, half-year or year.
///
/// `Period(text)` reads "2026-11-26", "2026-11", "2026Q4", "2026H2" or "2026"; raises
/// `InvalidPeriod`. Periods order by first day, then by length.
#[pyclass(module = "yikatong._native", frozen, eq, hash, ord, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period(pub(crate) yikatong::Period);

#[pymethods]
impl Period {
    #[new]
    fn new(text: &str) -> CoreResult<Self> {
        Ok(Self(yikatong::Period::parse(text)?))
    }

    /// The first year a period may fall in.
    #[classattr]
    const MIN_YEAR: i32 = yikatong::Period::MIN_YEAR;

    /// The last year a period may fall in.
    #[classattr]
    const MAX_YEAR: i32 = yikatong::Period::MAX_YEAR;

    /// Reads a period: "2026-11-26", "2026-11", "2026Q4", "2026H2" or "2026".
    #[staticmethod]
    fn parse(text: &str) -> CoreResult<Self> {
        Self::new(text)
    }

    /// One day.
    #[staticmethod]
    fn day(date: CivilDate) -> CoreResult<Self> {
        Ok(Self(yikatong::Period::day(date.0)?))
    }

    /// A month (1 = January).
    #[staticmethod]
    fn month(year: i32, month: u8) -> CoreResult<Self> {
        Ok(Self(yikatong::Period::month(year, month)?))
    }

    /// A quarter (1 = January to March).
    #[staticmethod]
    fn quarter(year: i32, quarter: u8) -> CoreResult<Self> {
        Ok(Self(yikatong::Period::quarter(year, quarter)?))
    }

    /// A half-year (1 = January to June, 2 = July to December).
    #[staticmethod]
    fn half_year(year: i32, half: u8) -> CoreResult<Self> {
        Ok(Self(yikatong::Period::half_year(year, half)?))
    }

    /// A calendar year.
    #[staticmethod]
    fn year(year: i32) -> CoreResult<Self> {
        Ok(Self(yikatong::Period::year(year)?))
    }

    /// The period of `kind` that contains `date`, e.g. the quarter of today.
    #[staticmethod]
    fn containing(kind: PeriodKind, date: CivilDate) -> CoreResult<Self> {
        Ok(Self(yikatong::Period::containing(kind.into(), date.0)?))
    }

    /// What kind of period this is.
    #[getter]
    fn kind(&self) -> PeriodKind {
        self.0.kind().into()
    }

    /// The calendar year the period lies in.
    #[getter]
    fn calendar_year(&self) -> i32 {
        self.0.calendar_year()
    }

    /// The period's number within its year: day of the year, month, quarter, half, or 1.
    #[getter]
    fn number(&self) -> u16 {
        self.0.number()
    }

    /// The first day of the period.
    #[getter]
    fn first_day(&self) -> Date {
        self.0.first_day()
    }

    /// The last day of the period.
    #[getter]
    fn last_day(&self) -> Date {
        self.0.last_day()
    }

    /// How many days the period has.
    fn days(&self) -> u32 {
        self.0.days()
    }

    /// Whether `date` falls in the period.
    fn contains(&self, date: CivilDate) -> bool {
        self.0.contains(date.0)
    }

    /// The period of the same kind right after this one; `None` after 9999.
    fn next(&self) -> Option<Self> {
        self.0.next().map(Self)
    }

    /// The period of the same kind right before this one; `None` before 1900.
    fn previous(&self) -> Option<Self> {
        self.0.previous().map(Self)
    }

    fn __contains__(&self, date: CivilDate) -> bool {
        self.0.contains(date.0)
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Period('{}')", self.0)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (String,)) {
        (py.get_type::<Self>(), (self.0.to_string(),))
    }
}
