//! `Amount` and `Rounding`. Money crosses as `decimal.Decimal` or `str`, never `float`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString, PyType};
use rust_decimal::Decimal;

use crate::convert::{DecimalArg, is_decimal, mirror_enum, reject_float_or_bool, type_name};
use crate::error::{CoreResult, PyYikatongError};

mirror_enum! {
    /// How an amount is rounded, half-up (四舍五入).
    pub enum Rounding mirrors yikatong::Rounding {
        /// To the fen (0.01 yuan), the usual rule for a roster line.
        Fen,
        /// To the whole yuan, where a policy says so.
        Yuan,
    }
}

#[pymethods]
impl Rounding {
    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// A non-negative amount of money in yuan, exact to the fen, at most `Amount.MAX`.
///
/// `Amount(value)` takes a `str` ("1,234.50", "¥80", "人民币80元"), a `decimal.Decimal`
/// with at most two decimals, or an `int` of yuan. A `float` raises `TypeError`: money
/// is never a float. Arithmetic is checked and raises `InvalidAmount`.
#[pyclass(module = "yikatong._native", frozen, eq, hash, ord, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount(pub(crate) yikatong::Amount);

impl Amount {
    /// Reads money from Python: an `Amount`, `str`, `decimal.Decimal` or `int`; a
    /// `float` raises `TypeError`.
    pub(crate) fn from_python(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value = value.as_borrowed();
        reject_float_or_bool(&value)?;
        if let Ok(amount) = value.cast::<Amount>() {
            return Ok(*amount.get());
        }
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(Self(
                yikatong::Amount::parse(&text.to_cow()?).map_err(PyYikatongError)?,
            ));
        }
        if value.is_instance_of::<PyInt>() || is_decimal(&value)? {
            let amount = match value.extract::<Decimal>() {
                Ok(decimal) => yikatong::Amount::from_decimal(decimal),
                // NaN, infinities, more digits than a Decimal holds: let the core
                // read the text and say what is wrong with it.
                Err(_) => yikatong::Amount::parse(&value.str()?.to_cow()?),
            };
            return Ok(Self(amount.map_err(PyYikatongError)?));
        }
        Err(PyTypeError::new_err(format!(
            "expected a str, decimal.Decimal or int for an amount, got {}",
            type_name(&value)
        )))
    }
}

// pyo3 methods take `&self`; the names are the core's (`to_fen`, …).
#[allow(clippy::wrong_self_convention)]
#[pymethods]
impl Amount {
    #[new]
    fn new(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_python(value)
    }

    /// Zero yuan.
    #[classattr]
    const ZERO: Amount = Amount(yikatong::Amount::ZERO);

    /// The largest amount: 999,999,999,999.99 yuan.
    #[classattr]
    const MAX: Amount = Amount(yikatong::Amount::MAX);

    /// Reads an amount in yuan such as "1234.5", "1,234.50", "¥1234.50" or "人民币80元";
    /// decimals beyond the second must be zero.
    #[staticmethod]
    fn parse(text: &str) -> CoreResult<Self> {
        Ok(Self(yikatong::Amount::parse(text)?))
    }

    /// Reads an amount like `parse`, rounding half-up instead of refusing extra decimals.
    #[staticmethod]
    #[pyo3(signature = (text, rounding = Rounding::Fen))]
    fn parse_rounded(text: &str, rounding: Rounding) -> CoreResult<Self> {
        Ok(Self(yikatong::Amount::parse_rounded(
            text,
            rounding.into(),
        )?))
    }

    /// Takes a decimal that is already a whole number of fen.
    #[staticmethod]
    fn from_decimal(value: DecimalArg) -> CoreResult<Self> {
        Ok(Self(yikatong::Amount::from_decimal(value.0)?))
    }

    /// Rounds a decimal half-up to the fen or the yuan and takes it as an amount.
    #[staticmethod]
    #[pyo3(signature = (value, rounding = Rounding::Fen))]
    fn from_decimal_rounded(value: DecimalArg, rounding: Rounding) -> CoreResult<Self> {
        Ok(Self(yikatong::Amount::from_decimal_rounded(
            value.0,
            rounding.into(),
        )?))
    }

    /// Takes a whole number of fen (1 yuan = 100 fen).
    #[staticmethod]
    fn from_fen(fen: i64) -> CoreResult<Self> {
        Ok(Self(yikatong::Amount::from_fen(fen)?))
    }

    /// The sum of the amounts; raises `InvalidAmount` as soon as it passes `Amount.MAX`.
    #[staticmethod]
    fn checked_sum(amounts: &Bound<'_, PyAny>) -> PyResult<Self> {
        let amounts = amounts
            .try_iter()?
            .map(|item| {
                item.and_then(|item| Ok(*item.cast::<Amount>()?.get()))
                    .map(|a| a.0)
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Self(
            yikatong::Amount::checked_sum(amounts).map_err(PyYikatongError)?,
        ))
    }

    /// The amount as a whole number of fen.
    fn to_fen(&self) -> i64 {
        self.0.to_fen()
    }

    /// The amount in yuan as a `decimal.Decimal` with exactly two decimals.
    fn as_decimal(&self) -> Decimal {
        self.0.as_decimal()
    }

    /// Whether the amount is zero.
    fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Rounds half-up to the fen (no change) or to the whole yuan.
    fn round(&self, rounding: Rounding) -> CoreResult<Self> {
        Ok(Self(self.0.round(rounding.into())?))
    }

    /// `self + other`; raises `InvalidAmount` above `Amount.MAX`.
    fn checked_add(&self, other: &Self) -> CoreResult<Self> {
        Ok(Self(self.0.checked_add(other.0)?))
    }

    /// `self - other`; raises `InvalidAmount` if that would be negative.
    fn checked_sub(&self, other: &Self) -> CoreResult<Self> {
        Ok(Self(self.0.checked_sub(other.0)?))
    }

    /// `self × quantity` (a `Decimal` or `int`, never a float), rounded once, half-up.
    #[pyo3(signature = (quantity, rounding = Rounding::Fen))]
    fn checked_mul(&self, quantity: DecimalArg, rounding: Rounding) -> CoreResult<Self> {
        Ok(Self(self.0.checked_mul(quantity.0, rounding.into())?))
    }

    /// Splits the amount in proportion to `weights` by the largest-remainder method;
    /// the parts add up to the whole exactly.
    fn split(&self, weights: Vec<DecimalArg>) -> CoreResult<Vec<Self>> {
        let weights: Vec<Decimal> = weights.into_iter().map(|weight| weight.0).collect();
        Ok(self.0.split(&weights)?.into_iter().map(Self).collect())
    }

    /// Splits the amount into `parts` instalments that differ by at most 1 fen.
    fn split_evenly(&self, parts: usize) -> CoreResult<Vec<Self>> {
        Ok(self.0.split_evenly(parts)?.into_iter().map(Self).collect())
    }

    /// The amount in Chinese capitals (大写金额), without the 人民币 prefix.
    fn to_capitals(&self) -> String {
        self.0.to_capitals()
    }

    /// The amount in Chinese capitals with the 人民币 prefix.
    fn to_capitals_with_prefix(&self) -> String {
        self.0.to_capitals_with_prefix()
    }

    /// Two decimals and thousands separators: "1,234,567.50".
    fn to_grouped_string(&self) -> String {
        self.0.to_grouped_string()
    }

    fn __add__(&self, other: &Self) -> CoreResult<Self> {
        self.checked_add(other)
    }

    fn __sub__(&self, other: &Self) -> CoreResult<Self> {
        self.checked_sub(other)
    }

    fn __bool__(&self) -> bool {
        !self.0.is_zero()
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Amount('{}')", self.0)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (String,)) {
        (py.get_type::<Self>(), (self.0.to_string(),))
    }
}
