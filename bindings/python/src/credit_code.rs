//! `CreditCode`.

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::error::CoreResult;

/// A valid unified social credit code (统一社会信用代码, GB 32100-2015).
///
/// `CreditCode(text)` validates: surrounding spaces are ignored and lower-case letters
/// accepted. Raises `InvalidCreditCode`.
#[pyclass(module = "yikatong._native", frozen, eq, hash, ord, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(pub(crate) yikatong::CreditCode);

#[pymethods]
impl CreditCode {
    #[new]
    fn new(text: &str) -> CoreResult<Self> {
        Ok(Self(yikatong::CreditCode::parse(text)?))
    }

    /// Validates `text`.
    #[staticmethod]
    fn parse(text: &str) -> CoreResult<Self> {
        Self::new(text)
    }

    /// The check character for the first 17 characters of a code, or `None` if
    /// `first17` is not exactly 17 characters of the code alphabet.
    #[staticmethod]
    fn check_character(first17: &str) -> Option<char> {
        yikatong::CreditCode::check_character(first17.as_bytes())
    }

    /// The 18-character code, upper case.
    fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The registration authority (登记管理部门) code, character 1.
    #[getter]
    fn registration_authority(&self) -> char {
        self.0.registration_authority()
    }

    /// The entity type (机构类别) code, character 2.
    #[getter]
    fn entity_type(&self) -> char {
        self.0.entity_type()
    }

    /// The region code (登记管理机关行政区划码), characters 3–8.
    #[getter]
    fn region_code(&self) -> &str {
        self.0.region_code()
    }

    /// The organisation code (主体标识码), characters 9–17.
    #[getter]
    fn organisation_code(&self) -> &str {
        self.0.organisation_code()
    }

    fn __str__(&self) -> &str {
        self.0.as_str()
    }

    fn __repr__(&self) -> String {
        format!("CreditCode('{}')", self.0.as_str())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (String,)) {
        (py.get_type::<Self>(), (self.0.as_str().to_owned(),))
    }
}
