//! Conversions the binding does by hand because the plain pyo3 ones are too lenient:
//! pyo3 turns a float into a `Decimal` through `str()` and a `datetime` into its date,
//! and money must never come from a float, nor a civil date from a zoned timestamp.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyFloat, PyInt, PyString};
use rust_decimal::Decimal;
use time::Date;

/// A civil date from a `datetime.date`. A `datetime.datetime` is refused: which day it
/// falls on depends on its time zone, and yikatong dates everything in China (UTC+8).
pub(crate) struct CivilDate(pub(crate) Date);

impl<'a, 'py> FromPyObject<'a, 'py> for CivilDate {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyDateTime>() {
            return Err(PyTypeError::new_err(
                "expected a datetime.date, got a datetime.datetime: pass .date() of the time in China (UTC+8)",
            ));
        }
        if !obj.is_instance_of::<PyDate>() {
            return Err(PyTypeError::new_err(format!(
                "expected a datetime.date, got {}",
                type_name(&obj)
            )));
        }
        Ok(Self(obj.extract::<Date>()?))
    }
}

/// A decimal number for money arithmetic (weights, factors): `decimal.Decimal`, `int` or
/// `str`. Floats and bools are refused with a `TypeError`.
pub(crate) struct DecimalArg(pub(crate) Decimal);

impl<'a, 'py> FromPyObject<'a, 'py> for DecimalArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        reject_float_or_bool(&obj)?;
        if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyString>() || is_decimal(&obj)? {
            return Ok(Self(obj.extract::<Decimal>()?));
        }
        Err(PyTypeError::new_err(format!(
            "expected a decimal.Decimal, int or str, got {}",
            type_name(&obj)
        )))
    }
}

/// The message every float refusal carries, so users learn the rule once.
pub(crate) const FLOAT_REFUSED: &str = "money is never a float (a float cannot hold 0.10 exactly): \
    pass a str or decimal.Decimal instead, e.g. \"12.50\" or Decimal(\"12.50\")";

/// Raises `TypeError` for a float (binary fractions cannot hold 0.10 exactly) or a bool
/// (an `int` subclass that is almost surely a mistake where a number is expected).
pub(crate) fn reject_float_or_bool(obj: &Borrowed<'_, '_, PyAny>) -> PyResult<()> {
    if obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(FLOAT_REFUSED));
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "expected a number, got a bool: pass a str, int or decimal.Decimal",
        ));
    }
    Ok(())
}

/// Whether `obj` is a `decimal.Decimal` (or a subclass).
pub(crate) fn is_decimal(obj: &Borrowed<'_, '_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    let class = DECIMAL.import(py, "decimal", "Decimal")?;
    obj.is_instance(class)
}

static DECIMAL: pyo3::sync::PyOnceLock<Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();

/// The Python type name of `obj`, for error messages.
pub(crate) fn type_name(obj: &Borrowed<'_, '_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "an object of unknown type".to_owned())
}

/// Declares a Python enum that mirrors a (exhaustive) core enum variant for variant, with
/// `From` both ways and `python_name()` ("Kind.Variant", for `repr` and pickling).
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident mirrors $core:path {
            $( $(#[$variant_meta:meta])* $variant:ident, )+
        }
    ) => {
        $(#[$meta])*
        #[pyo3::pyclass(module = "yikatong._native", frozen, eq, hash, from_py_object)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                use $core as Core;
                match value {
                    $( $name::$variant => Core::$variant, )+
                }
            }
        }

        impl From<$core> for $name {
            fn from(value: $core) -> Self {
                use $core as Core;
                match value {
                    $( Core::$variant => $name::$variant, )+
                }
            }
        }

        impl $name {
            /// The Python spelling of the variant, as in `repr()`; also what pickling stores.
            #[allow(dead_code, reason = "not every enum is pickled by name")]
            pub(crate) fn python_name(self) -> &'static str {
                match self {
                    $( $name::$variant => concat!(stringify!($name), ".", stringify!($variant)), )+
                }
            }
        }
    };
}
pub(crate) use mirror_enum;
