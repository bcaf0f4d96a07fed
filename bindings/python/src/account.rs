//! `AccountKind`, `AccountWarning` and `AccountNumber`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::mirror_enum;
use crate::error::CoreResult;

mirror_enum! {
    /// The kind of account a subsidy is paid into.
    pub enum AccountKind mirrors yikatong::AccountKind {
        /// 社会保障卡, the preferred card.
        SocialSecurityCard,
        /// 银行卡.
        BankCard,
        /// 存折.
        Passbook,
    }
}

#[pymethods]
impl AccountKind {
    /// The Chinese name: 社会保障卡, 银行卡 or 存折.
    fn name_zh(&self) -> &'static str {
        yikatong::AccountKind::from(*self).name_zh()
    }

    /// The fewest and most digits a number of this kind may have.
    fn digit_range(&self) -> (usize, usize) {
        yikatong::AccountKind::from(*self).digit_range()
    }

    /// Whether numbers of this kind must pass the Luhn check.
    fn requires_luhn(&self) -> bool {
        yikatong::AccountKind::from(*self).requires_luhn()
    }

    /// "social security card", "bank card" or "passbook".
    fn __str__(&self) -> String {
        yikatong::AccountKind::from(*self).to_string()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// Something about an accepted account number that a person should confirm.
#[pyclass(module = "yikatong._native", frozen, eq, hash, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountWarning {
    /// A passbook number without a Luhn check digit: a typing mistake cannot be detected.
    NoCheckDigit,
}

impl AccountWarning {
    fn from_core(warning: yikatong::AccountWarning) -> PyResult<Self> {
        match warning {
            yikatong::AccountWarning::NoCheckDigit => Ok(AccountWarning::NoCheckDigit),
            // The core's enum is non-exhaustive; a new warning needs a binding release.
            other => Err(PyValueError::new_err(format!(
                "account warning not known to this binding: {other}"
            ))),
        }
    }

    fn to_core(self) -> yikatong::AccountWarning {
        match self {
            AccountWarning::NoCheckDigit => yikatong::AccountWarning::NoCheckDigit,
        }
    }
}

#[pymethods]
impl AccountWarning {
    /// What to do about it, in plain words.
    fn __str__(&self) -> String {
        self.to_core().to_string()
    }

    fn __reduce__(&self) -> &'static str {
        "AccountWarning.NoCheckDigit"
    }
}

/// A validated account number of a known kind: digits only.
///
/// `AccountNumber(text, kind)` drops spaces and hyphens; cards must pass the Luhn check.
/// Raises `InvalidAccountNumber`. `str()` is the full number: public outputs must use
/// `masked()`.
#[pyclass(module = "yikatong._native", frozen, eq, hash, ord, from_py_object)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountNumber(pub(crate) yikatong::AccountNumber);

#[pymethods]
impl AccountNumber {
    #[new]
    fn new(text: &str, kind: AccountKind) -> CoreResult<Self> {
        Ok(Self(yikatong::AccountNumber::parse(text, kind.into())?))
    }

    /// Validates `text` as an account number of `kind`.
    #[staticmethod]
    fn parse(text: &str, kind: AccountKind) -> CoreResult<Self> {
        Self::new(text, kind)
    }

    /// The digits, without spaces or hyphens.
    fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The kind of account.
    #[getter]
    fn kind(&self) -> AccountKind {
        self.0.kind().into()
    }

    /// What a person should confirm about this number, if anything.
    #[getter]
    fn warning(&self) -> PyResult<Option<AccountWarning>> {
        self.0.warning().map(AccountWarning::from_core).transpose()
    }

    /// The last four digits.
    #[getter]
    fn last4(&self) -> &str {
        self.0.last4()
    }

    /// The number for public outputs: every digit but the last four replaced by `*`.
    fn masked(&self) -> String {
        self.0.masked()
    }

    fn __str__(&self) -> &str {
        self.0.as_str()
    }

    fn __repr__(&self) -> String {
        let kind = AccountKind::from(self.0.kind());
        format!(
            "AccountNumber('{}', {})",
            self.0.as_str(),
            kind.python_name()
        )
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (String, AccountKind)) {
        (
            py.get_type::<Self>(),
            (self.0.as_str().to_owned(), self.0.kind().into()),
        )
    }
}
