//! `ResidentId` and `Sex`.

use pyo3::prelude::*;
use pyo3::types::PyType;
use time::Date;

use crate::convert::{CivilDate, mirror_enum};
use crate::error::CoreResult;

mirror_enum! {
    /// Sex, from the parity of the 17th digit of a resident ID number.
    pub enum Sex mirrors yikatong::Sex {
        /// Odd 17th digit.
        Male,
        /// Even 17th digit.
        Female,
    }
}

#[pymethods]
impl Sex {
    /// "male" or "female".
    fn __str__(&self) -> String {
        yikatong::Sex::from(*self).to_string()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// A valid 18-character resident ID number (公民身份号码, GB 11643-1999).
///
/// `ResidentId(text)` validates: surrounding spaces are ignored, a lower-case `x` is
/// accepted, a 15-digit legacy number is converted. Raises `InvalidResidentId`.
#[pyclass(module = "yikatong._native", frozen, eq, hash, ord, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId(pub(crate) yikatong::ResidentId);

#[pymethods]
impl ResidentId {
    #[new]
    fn new(text: &str) -> CoreResult<Self> {
        Ok(Self(yikatong::ResidentId::parse(text)?))
    }

    /// Validates `text`, checking the birth date against today's date in China.
    #[staticmethod]
    fn parse(text: &str) -> CoreResult<Self> {
        Self::new(text)
    }

    /// Like `parse`, but a birth date after `today` is the one rejected as in the future.
    #[staticmethod]
    fn parse_as_of(text: &str, today: CivilDate) -> CoreResult<Self> {
        Ok(Self(yikatong::ResidentId::parse_as_of(text, today.0)?))
    }

    /// Validates many numbers at once without holding the GIL: one entry per input,
    /// `None` where the number is valid, else the error message.
    #[staticmethod]
    fn validate_many(py: Python<'_>, texts: Vec<String>) -> Vec<Option<String>> {
        py.detach(|| {
            texts
                .iter()
                .map(|text| {
                    yikatong::ResidentId::parse(text)
                        .err()
                        .map(|e| e.to_string())
                })
                .collect()
        })
    }

    /// The check character ('0'–'9' or 'X') for the first 17 digits of a number, or
    /// `None` if `first17` is not exactly 17 ASCII digits.
    #[staticmethod]
    fn check_character(first17: &str) -> Option<char> {
        yikatong::ResidentId::check_character(first17.as_bytes())
    }

    /// The 18-character number, with an upper-case X if it has one.
    fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The 6-digit area code of the place the number was first issued.
    #[getter]
    fn area_code(&self) -> &str {
        self.0.area_code()
    }

    /// The date of birth.
    #[getter]
    fn birth_date(&self) -> Date {
        self.0.birth_date()
    }

    /// Sex: an odd 17th digit is male, an even one female.
    #[getter]
    fn sex(&self) -> Sex {
        self.0.sex().into()
    }

    /// Age in completed years (周岁) on `date`; 0 if `date` is before the birth date.
    fn age_on(&self, date: CivilDate) -> u32 {
        self.0.age_on(date.0)
    }

    /// The number for public outputs: first 6 and last 4 characters, 8 asterisks between.
    fn masked(&self) -> String {
        self.0.masked()
    }

    fn __str__(&self) -> &str {
        self.0.as_str()
    }

    fn __repr__(&self) -> String {
        format!("ResidentId('{}')", self.0.as_str())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (String,)) {
        (py.get_type::<Self>(), (self.0.as_str().to_owned(),))
    }
}
