//! Account numbers at agent banks.

use std::fmt;
use std::sync::Arc;

use crate::Result;

/// What kind of account a subsidy is paid into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum AccountKind {
    /// The beneficiary's social security card (社会保障卡), the preferred account.
    SocialSecurityCard,
    /// A bank card (银行卡).
    BankCard,
    /// A passbook (存折).
    Passbook,
}

#[uniffi::export]
impl AccountKind {
    /// The Chinese name: 社会保障卡, 银行卡 or 存折.
    pub fn name_zh(&self) -> String {
        yikatong::AccountKind::from(*self).name_zh().to_owned()
    }
}

impl From<AccountKind> for yikatong::AccountKind {
    fn from(kind: AccountKind) -> Self {
        match kind {
            AccountKind::SocialSecurityCard => Self::SocialSecurityCard,
            AccountKind::BankCard => Self::BankCard,
            AccountKind::Passbook => Self::Passbook,
        }
    }
}

impl From<yikatong::AccountKind> for AccountKind {
    fn from(kind: yikatong::AccountKind) -> Self {
        match kind {
            yikatong::AccountKind::SocialSecurityCard => Self::SocialSecurityCard,
            yikatong::AccountKind::BankCard => Self::BankCard,
            yikatong::AccountKind::Passbook => Self::Passbook,
        }
    }
}

/// Something about an accepted account number that a person should confirm.
/// Its text (Kotlin `toString()`, Swift `description`) is the core's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum AccountWarning {
    /// A passbook number without a Luhn check digit: a typing mistake cannot be detected.
    NoCheckDigit,
}

impl AccountWarning {
    fn core(self) -> yikatong::AccountWarning {
        match self {
            AccountWarning::NoCheckDigit => yikatong::AccountWarning::NoCheckDigit,
        }
    }

    fn from_core(warning: yikatong::AccountWarning) -> Option<Self> {
        match warning {
            yikatong::AccountWarning::NoCheckDigit => Some(AccountWarning::NoCheckDigit),
            // A warning kind this binding does not know yet.
            _ => None,
        }
    }
}

impl fmt::Display for AccountWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.core(), f)
    }
}

/// A validated account number of a known kind: digits only. `toString()` shows the
/// full number; public outputs must use `masked()`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Ord, Hash)]
pub struct AccountNumber(yikatong::AccountNumber);

#[uniffi::export]
impl AccountNumber {
    /// Validates an account number of the given kind. Spaces and hyphens are dropped.
    /// Cards must pass the Luhn check; a passbook number that does not is accepted with
    /// the warning `NoCheckDigit`.
    #[uniffi::constructor]
    pub fn parse(text: &str, kind: AccountKind) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(yikatong::AccountNumber::parse(
            text,
            kind.into(),
        )?)))
    }

    /// The digits, without spaces or hyphens.
    pub fn as_str(&self) -> String {
        self.0.as_str().to_owned()
    }

    /// The kind of account.
    pub fn kind(&self) -> AccountKind {
        self.0.kind().into()
    }

    /// What a person should confirm about this number, if anything.
    pub fn warning(&self) -> Option<AccountWarning> {
        self.0.warning().and_then(AccountWarning::from_core)
    }

    /// The last four digits.
    pub fn last4(&self) -> String {
        self.0.last4().to_owned()
    }

    /// The number with all but the last four digits hidden, for public outputs.
    pub fn masked(&self) -> String {
        self.0.masked()
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
