//! The binding's one error type, mapped from `yikatong::Error`.

/// Everything that can go wrong in a yikatong call. One variant per kind of core error;
/// each carries the core's full message (value and rule, in plain words).
///
/// Kotlin: `YikatongException` with subclasses `YikatongException.ResidentId`, ...
/// (`message` is the core's message). Swift: `enum YikatongError: Error` with cases
/// `.ResidentId(message:)`, ...
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum YikatongError {
    /// A resident ID number (公民身份号码) broke a GB 11643-1999 rule.
    #[error("{message}")]
    ResidentId {
        /// The core's message.
        message: String,
    },
    /// A unified social credit code (统一社会信用代码) broke a GB 32100-2015 rule.
    #[error("{message}")]
    CreditCode {
        /// The core's message.
        message: String,
    },
    /// An account number that cannot be an account at an agent bank.
    #[error("{message}")]
    AccountNumber {
        /// The core's message.
        message: String,
    },
    /// An amount of money (or another decimal number) that could not be read or is not allowed.
    #[error("{message}")]
    Amount {
        /// The core's message.
        message: String,
    },
    /// A malformed region code (行政区划代码).
    #[error("{message}")]
    RegionCode {
        /// The core's message.
        message: String,
    },
    /// A region code or name path that is not in the region table.
    #[error("{message}")]
    UnknownRegion {
        /// The core's message.
        message: String,
    },
    /// A period that could not be read.
    #[error("{message}")]
    Period {
        /// The core's message.
        message: String,
    },
    /// Date arithmetic or a date from the caller outside the supported range.
    #[error("{message}")]
    DateOutOfRange {
        /// The core's message.
        message: String,
    },
    /// A bundled data file (region table, calendar) has a bad line.
    #[error("{message}")]
    Data {
        /// The core's message.
        message: String,
    },
    /// A policy catalogue (projects, policies, versions) that is malformed or inconsistent.
    #[error("{message}")]
    Policy {
        /// The core's message.
        message: String,
    },
    /// A core error of a kind this binding does not know yet (the core's enum is non-exhaustive).
    #[error("{message}")]
    Other {
        /// The core's message.
        message: String,
    },
}

impl From<yikatong::Error> for YikatongError {
    fn from(error: yikatong::Error) -> Self {
        use yikatong::Error as E;
        let message = error.to_string();
        match error {
            E::ResidentId { .. } => Self::ResidentId { message },
            E::CreditCode { .. } => Self::CreditCode { message },
            E::AccountNumber { .. } => Self::AccountNumber { message },
            E::Amount { .. } => Self::Amount { message },
            E::RegionCode { .. } => Self::RegionCode { message },
            E::UnknownRegion { .. } | E::AmbiguousRegion { .. } => Self::UnknownRegion { message },
            E::Period { .. } => Self::Period { message },
            E::DateOutOfRange { .. } => Self::DateOutOfRange { message },
            E::Data { .. } => Self::Data { message },
            E::Policy { .. } => Self::Policy { message },
            _ => Self::Other { message },
        }
    }
}

/// Shorthand for results of exported functions.
pub type Result<T, E = YikatongError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn failure<T>(result: yikatong::Result<T>) -> std::result::Result<yikatong::Error, String> {
        result
            .err()
            .ok_or_else(|| "expected the core to refuse this".to_owned())
    }

    /// Every core error keeps its exact message and lands in the variant of its kind.
    #[test]
    fn core_errors_map_by_kind_with_the_core_message() -> std::result::Result<(), String> {
        use yikatong::{AccountKind, AccountNumber, Amount, CreditCode, Period, RegionCode};
        let cases = [
            (
                failure(yikatong::ResidentId::parse("110105194912310021"))?,
                "ResidentId",
            ),
            (
                failure(CreditCode::parse("91350100M000100Y44"))?,
                "CreditCode",
            ),
            (
                failure(AccountNumber::parse("1", AccountKind::BankCard))?,
                "AccountNumber",
            ),
            (failure(Amount::parse("-1"))?, "Amount"),
            (failure(RegionCode::parse("1"))?, "RegionCode"),
            (
                yikatong::Error::UnknownRegion {
                    query: "159999".into(),
                },
                "UnknownRegion",
            ),
            (failure(Period::parse("2026-13"))?, "Period"),
            (
                yikatong::Error::DateOutOfRange { detail: "x".into() },
                "DateOutOfRange",
            ),
            (
                yikatong::Error::Data {
                    source_name: "f.csv".into(),
                    line: 2,
                    message: "bad".into(),
                },
                "Data",
            ),
            (
                failure(yikatong::PolicyCatalog::from_json(
                    "bad.json",
                    "{\"projects\": 1}",
                ))?,
                "Policy",
            ),
        ];
        for (core, kind) in cases {
            let message = core.to_string();
            let mapped = YikatongError::from(core);
            assert_eq!(
                format!("{mapped:?}"),
                format!("{kind} {{ message: {message:?} }}")
            );
            assert_eq!(mapped.to_string(), message);
        }
        Ok(())
    }
}
