//! The Python exception hierarchy and the mapping from the core's one error enum.
//!
//! Every exception derives from `YikatongError`, which derives from `ValueError`, so code
//! that already catches `ValueError` around parsing keeps working. The message is the
//! core's `Display`; `value` and `rule` carry the offending text and the broken rule.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::{PyTypeInfo, create_exception};

create_exception!(
    yikatong._native,
    YikatongError,
    PyValueError,
    "Base class of every error raised by yikatong."
);
create_exception!(
    yikatong._native,
    InvalidResidentId,
    YikatongError,
    "A resident ID number (公民身份号码) broke a GB 11643-1999 rule."
);
create_exception!(
    yikatong._native,
    InvalidCreditCode,
    YikatongError,
    "A unified social credit code (统一社会信用代码) broke a GB 32100-2015 rule."
);
create_exception!(
    yikatong._native,
    InvalidAccountNumber,
    YikatongError,
    "An account number that cannot be an account at an agent bank."
);
create_exception!(
    yikatong._native,
    InvalidAmount,
    YikatongError,
    "An amount of money that could not be read or is not allowed here."
);
create_exception!(
    yikatong._native,
    InvalidRegionCode,
    YikatongError,
    "A region code (行政区划代码) that is malformed."
);
create_exception!(
    yikatong._native,
    UnknownRegion,
    YikatongError,
    "A region code or name path that is not in the region table."
);
create_exception!(
    yikatong._native,
    InvalidPeriod,
    YikatongError,
    "A period (day, month, quarter, half-year, year) that could not be read."
);
create_exception!(
    yikatong._native,
    DateOutOfRange,
    YikatongError,
    "Date arithmetic left the range of dates the library supports."
);
create_exception!(
    yikatong._native,
    DataError,
    YikatongError,
    "A data file (region table, calendar) has a bad line."
);

create_exception!(
    yikatong._native,
    InvalidPolicy,
    YikatongError,
    "A policy catalogue (projects, policies, versions) that is malformed or inconsistent."
);
create_exception!(
    yikatong._native,
    UnknownProject,
    InvalidPolicy,
    "A subsidy project code that is not in the policy catalogue."
);

create_exception!(
    yikatong._native,
    InvalidTable,
    YikatongError,
    "An Arrow table (payment rows, reference lists) with a missing column, a column of the wrong type or a bad value."
);

create_exception!(
    yikatong._native,
    InvalidRegisterChange,
    YikatongError,
    "A register change (beneficiary, household, bank, agreement) that breaks a rule; nothing was changed."
);
create_exception!(
    yikatong._native,
    NoMatchingPerson,
    YikatongError,
    "A self-query whose ID number and name match no registered person; the same error whether the number is unknown or the name differs."
);
create_exception!(
    yikatong._native,
    InvalidRoster,
    YikatongError,
    "A roster or roster command that is not allowed (bad header, no policy in force, not ready for submission)."
);
create_exception!(
    yikatong._native,
    RosterRejected,
    InvalidRoster,
    "A strict intake found errors and took in nothing; `report` is the full ValidationReport."
);
create_exception!(
    yikatong._native,
    ReviewRefused,
    YikatongError,
    "A review command refused; `status`, `command` and `role` say where, `rule` why. Nothing was changed."
);
create_exception!(
    yikatong._native,
    InvalidNotice,
    YikatongError,
    "A payment notice that cannot be signed or shown: an empty or multi-line field, an unmasked ID number, a bad account tail or date, or unreadable JSON."
);
create_exception!(
    yikatong._native,
    InvalidSmsTemplate,
    YikatongError,
    "An SMS template with an unknown placeholder, an unclosed or a stray brace, or no text."
);
create_exception!(
    yikatong._native,
    SmsTooLong,
    InvalidSmsTemplate,
    "An SMS template whose message, with the longest values, does not fit one SMS (70 characters)."
);
create_exception!(
    yikatong._native,
    InvalidNoticeKey,
    YikatongError,
    "A notice-signing seed or public key that is not a valid Ed25519 key."
);
create_exception!(
    yikatong._native,
    NoticeForged,
    YikatongError,
    "A signed notice that must not be trusted: the signature does not match the notice and key, or is malformed."
);
create_exception!(
    yikatong._native,
    WrongNoticeKey,
    NoticeForged,
    "A signed notice that names another signing key than the one it is checked with."
);

create_exception!(
    yikatong._native,
    StoreError,
    YikatongError,
    "The store refused a command or could not read or write its file (the message says which)."
);
create_exception!(
    yikatong._native,
    StoreConflict,
    StoreError,
    "Someone else changed the stream first (optimistic concurrency): reload and decide again."
);
create_exception!(
    yikatong._native,
    StoreCorrupt,
    StoreError,
    "The journal file was changed outside the store: verify it and restore from a backup."
);

create_exception!(
    yikatong._native,
    InvalidBankFile,
    YikatongError,
    "A bank file (agency file, result file, pain.001/pain.002) broke its layout or its summary disagrees with its lines; the whole file is refused."
);

/// An exception class, as `type_object` gives it.
type ExceptionClass = fn(Python<'_>) -> Bound<'_, PyType>;

/// A store error: the domain's refusals as the core's classes, the rest as
/// `StoreError` or one of its subclasses, with `rule` naming the variant.
pub(crate) fn store_error(error: yikatong::store::StoreError) -> PyErr {
    use yikatong::store::StoreError as S;
    let message = error.to_string();
    let (class, value, rule): (ExceptionClass, Option<String>, &str) = match error {
        S::Domain(error) => return PyYikatongError(error).into(),
        S::Conflict { stream, .. } => (StoreConflict::type_object, Some(stream), "conflict"),
        S::Corrupt { seq, .. } => (StoreCorrupt::type_object, Some(seq.to_string()), "corrupt"),
        S::CommandReused { command_id, .. } => {
            (StoreError::type_object, Some(command_id), "command_reused")
        }
        S::BlankCommandId => (StoreError::type_object, None, "blank_command_id"),
        S::UnknownRoster { roster_id } => {
            (StoreError::type_object, Some(roster_id), "unknown_roster")
        }
        S::NoReview { roster_id } => (StoreError::type_object, Some(roster_id), "no_review"),
        S::ReviewExists { roster_id, .. } => {
            (StoreError::type_object, Some(roster_id), "review_exists")
        }
        S::RosterFrozen { roster_id, .. } => {
            (StoreError::type_object, Some(roster_id), "roster_frozen")
        }
        S::SchemaVersion { found, .. } => (
            StoreError::type_object,
            Some(found.to_string()),
            "schema_version",
        ),
        S::Export { line, .. } => (StoreError::type_object, Some(line.to_string()), "export"),
        S::Sqlite(_) => (StoreError::type_object, None, "sqlite"),
        S::Json(_) => (StoreError::type_object, None, "json"),
        S::Io(_) => (StoreError::type_object, None, "io"),
        _ => (StoreError::type_object, None, "store"),
    };
    Python::attach(|py| build(class(py), message, value, Some(rule.to_owned())))
}

/// A table error as `InvalidTable`: `value` and `rule` as for every error, and
/// `row` and `column` where the table says where.
pub(crate) fn table_error(error: yikatong::formats::FormatError) -> PyErr {
    use yikatong::formats::FormatError as F;
    let message = error.to_string();
    let (row, column, value, rule) = match error {
        F::Column {
            row,
            column,
            value,
            rule,
        } => (Some(row), Some(column), Some(value), Some(rule)),
        F::ColumnType {
            column, expected, ..
        } => (
            None,
            Some(column),
            None,
            Some(format!("must hold {expected}")),
        ),
        F::NoColumn { column, .. } => (None, Some(column), None, Some("is required".to_owned())),
        _ => (None, None, None, None),
    };
    Python::attach(|py| {
        let error = build(InvalidTable::type_object(py), message, value, rule);
        let instance = error.value(py);
        match instance
            .setattr("row", row)
            .and_then(|()| instance.setattr("column", column))
        {
            Ok(()) => error,
            Err(err) => err,
        }
    })
}

/// A document that could not be written (a CSV in GBK with a character GBK lacks,
/// a workbook too large) as `YikatongError`, with `rule` naming what failed.
pub(crate) fn write_error(error: yikatong::formats::FormatError) -> PyErr {
    use yikatong::formats::FormatError as F;
    let message = error.to_string();
    let (value, rule) = match error {
        F::Unencodable { character, .. } => (Some(character.to_string()), "unencodable"),
        _ => (None, "write"),
    };
    Python::attach(|py| {
        build(
            YikatongError::type_object(py),
            message,
            value,
            Some(rule.to_owned()),
        )
    })
}

/// A core error on its way to Python. `?` in a binding function turns it into the
/// matching exception through the `From` impl below.
#[derive(Debug)]
pub(crate) struct PyYikatongError(pub(crate) yikatong::Error);

impl From<yikatong::Error> for PyYikatongError {
    fn from(error: yikatong::Error) -> Self {
        Self(error)
    }
}

impl From<PyYikatongError> for PyErr {
    fn from(PyYikatongError(error): PyYikatongError) -> Self {
        use yikatong::Error as E;
        let message = error.to_string();
        // (exception class, offending value, broken rule)
        let (class, value, rule): (fn(Python<'_>) -> Bound<'_, PyType>, _, _) = match &error {
            E::ResidentId { value, rule } => (
                InvalidResidentId::type_object,
                Some(value.clone()),
                Some(rule.to_string()),
            ),
            E::CreditCode { value, rule } => (
                InvalidCreditCode::type_object,
                Some(value.clone()),
                Some(rule.to_string()),
            ),
            E::AccountNumber { value, rule } => (
                InvalidAccountNumber::type_object,
                Some(value.clone()),
                Some(rule.to_string()),
            ),
            E::Amount { value, rule } => (
                InvalidAmount::type_object,
                Some(value.clone()),
                Some(rule.to_string()),
            ),
            E::RegionCode { value, rule } => (
                InvalidRegionCode::type_object,
                Some(value.clone()),
                Some(rule.to_string()),
            ),
            E::UnknownRegion { query } | E::AmbiguousRegion { query, .. } => {
                (UnknownRegion::type_object, Some(query.clone()), None)
            }
            E::Period { value, rule } => (
                InvalidPeriod::type_object,
                Some(value.clone()),
                Some(rule.to_string()),
            ),
            E::DateOutOfRange { .. } => (DateOutOfRange::type_object, None, None),
            E::Data { message, .. } => (DataError::type_object, None, Some(message.clone())),
            E::Policy {
                path,
                rule: rule @ yikatong::PolicyRule::UnknownProject { .. },
                ..
            } => (
                UnknownProject::type_object,
                Some(path.clone()),
                Some(rule.to_string()),
            ),
            E::Policy { path, rule, .. } => (
                InvalidPolicy::type_object,
                Some(path.clone()),
                Some(rule.to_string()),
            ),
            E::Register {
                subject,
                rule: rule @ yikatong::RegisterRule::NoMatchingPerson,
            } => (
                NoMatchingPerson::type_object,
                Some(subject.clone()),
                Some(rule.to_string()),
            ),
            E::Register { subject, rule } => (
                InvalidRegisterChange::type_object,
                Some(subject.clone()),
                Some(rule.to_string()),
            ),
            E::Roster {
                rule: yikatong::RosterRule::Rejected { report },
            } => {
                let report = crate::roster::ValidationReport(report.as_ref().clone());
                return Python::attach(|py| {
                    let rule = Some("strict intake: no line may have an error".to_owned());
                    let error = build(RosterRejected::type_object(py), message, None, rule);
                    let attached = Py::new(py, report)
                        .and_then(|report| error.value(py).setattr("report", report));
                    match attached {
                        Ok(()) => error,
                        Err(err) => err,
                    }
                });
            }
            E::Roster { rule } => (InvalidRoster::type_object, None, Some(rule.to_string())),
            E::Review {
                status,
                command,
                role,
                rule,
            } => {
                let attributes = (status.name(), *command, role.map(crate::review::Role::from));
                let rule = Some(rule.to_string());
                return Python::attach(|py| {
                    let error = build(ReviewRefused::type_object(py), message, None, rule);
                    let instance = error.value(py);
                    let (status, command, role) = attributes;
                    let attached = instance
                        .setattr("status", status)
                        .and_then(|()| instance.setattr("command", command))
                        .and_then(|()| instance.setattr("role", role));
                    match attached {
                        Ok(()) => error,
                        Err(err) => err,
                    }
                });
            }
            // The core's enum is non-exhaustive: a new variant still raises a yikatong error.
            _ => (YikatongError::type_object, None, None),
        };
        Python::attach(|py| build(class(py), message, value, rule))
    }
}

/// A notice error on its way to Python; `?` turns it into the matching exception.
#[derive(Debug)]
pub(crate) struct PyNoticeError(pub(crate) yikatong::NoticeError);

impl From<yikatong::NoticeError> for PyNoticeError {
    fn from(error: yikatong::NoticeError) -> Self {
        Self(error)
    }
}

impl From<PyNoticeError> for PyErr {
    fn from(PyNoticeError(error): PyNoticeError) -> Self {
        use yikatong::NoticeError as N;
        let message = error.to_string();
        // The notice field at fault, as named in the canonical encoding.
        let field = match &error {
            N::EmptyField { field } | N::ControlCharacter { field, .. } => Some(*field),
            N::AccountTail { .. } => Some("account_tail"),
            N::UnmaskedId { .. } => Some("payee_id"),
            N::DateOutOfRange { .. } => Some("settled_on"),
            _ => None,
        };
        // The template character (from 1) where the problem starts.
        let position = match &error {
            N::UnknownPlaceholder { at, .. }
            | N::UnclosedBrace { at, .. }
            | N::StrayClosingBrace { at } => Some(*at),
            _ => None,
        };
        // (exception class, offending value, broken rule)
        let (class, value, rule): (fn(Python<'_>) -> Bound<'_, PyType>, _, _) = match error {
            N::EmptyField { .. } => (InvalidNotice::type_object, Some(String::new()), None),
            N::EmptyTemplate => (InvalidSmsTemplate::type_object, Some(String::new()), None),
            N::ControlCharacter { value, .. }
            | N::AccountTail { value }
            | N::UnmaskedId { value } => (InvalidNotice::type_object, Some(value), None),
            N::DateOutOfRange { date } => {
                (InvalidNotice::type_object, Some(date.to_string()), None)
            }
            N::BadJson { detail } => (InvalidNotice::type_object, None, Some(detail)),
            N::UnknownPlaceholder { name: value, .. }
            | N::UnclosedBrace {
                fragment: value, ..
            } => (InvalidSmsTemplate::type_object, Some(value), None),
            N::StrayClosingBrace { .. } => {
                (InvalidSmsTemplate::type_object, Some("}".to_owned()), None)
            }
            N::TooLong { text, .. } => (SmsTooLong::type_object, Some(text), None),
            N::BadPublicKey { value, detail } => {
                (InvalidNoticeKey::type_object, Some(value), Some(detail))
            }
            N::BadSignatureText { value } => (NoticeForged::type_object, Some(value), None),
            N::WrongKey { found, .. } => (WrongNoticeKey::type_object, Some(found), None),
            N::SignatureMismatch => (NoticeForged::type_object, None, None),
            // The core's enum is non-exhaustive: a new variant still raises a yikatong error.
            _ => (YikatongError::type_object, None, None),
        };
        Python::attach(|py| {
            let error = build(class(py), message, value, rule);
            let instance = error.value(py);
            let extra = match (field, position) {
                (Some(field), _) => instance.setattr("field", field),
                (_, Some(position)) => instance.setattr("position", position),
                (None, None) => Ok(()),
            };
            match extra {
                Ok(()) => error,
                Err(err) => err,
            }
        })
    }
}

/// `InvalidNoticeKey` for a key the binding refuses before the core sees it (a seed
/// of the wrong length). `value` stays `None`: a seed is a secret.
pub(crate) fn invalid_notice_key(message: String, rule: String) -> PyErr {
    Python::attach(|py| build(InvalidNoticeKey::type_object(py), message, None, Some(rule)))
}

/// Shorthand for binding results whose error comes from the core's notices.
pub(crate) type NoticeResult<T> = Result<T, PyNoticeError>;

/// Instantiates the exception now (not lazily) so that `value` and `rule` can be set on it.
fn build(
    class: Bound<'_, PyType>,
    message: String,
    value: Option<String>,
    rule: Option<String>,
) -> PyErr {
    let instance = match class.call1((message,)) {
        Ok(instance) => instance,
        Err(err) => return err,
    };
    match instance
        .setattr("value", value)
        .and_then(|()| instance.setattr("rule", rule))
    {
        Ok(()) => PyErr::from_value(instance),
        Err(err) => err,
    }
}

/// Class-level defaults so `err.value` / `err.rule` exist on every yikatong exception,
/// including ones raised without them.
pub(crate) fn add_default_attributes(py: Python<'_>) -> PyResult<()> {
    let base = YikatongError::type_object(py);
    base.setattr("value", py.None())?;
    base.setattr("rule", py.None())?;
    InvalidNotice::type_object(py).setattr("field", py.None())?;
    InvalidSmsTemplate::type_object(py).setattr("position", py.None())?;
    Ok(())
}

/// Shorthand for binding results whose error comes from the core.
pub(crate) type CoreResult<T> = Result<T, PyYikatongError>;

/// A bank file error as `InvalidBankFile`: `value` names the file and line
/// (`"success file:3"`), `rule` is `bank_file`; a domain error (a bad amount, a
/// reference that is no payment id) keeps its own class.
pub(crate) fn bank_file_error(error: yikatong::formats::FormatError) -> PyErr {
    use yikatong::formats::FormatError as F;
    let message = error.to_string();
    let (value, rule) = match error {
        F::BankFile { file, line, .. } => (Some(format!("{file}:{line}")), "bank_file"),
        F::InvalidOption { .. } => (None, "invalid_option"),
        _ => (None, "bank_file"),
    };
    Python::attach(|py| {
        build(
            InvalidBankFile::type_object(py),
            message,
            value,
            Some(rule.to_owned()),
        )
    })
}
