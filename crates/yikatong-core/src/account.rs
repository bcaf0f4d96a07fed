//! Placeholder: being written.

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountRule {
    /// Placeholder.
    #[error("invalid")]
    Invalid,
}
/// An account number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountNumber(String);
/// Account kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// Social security card.
    SocialSecurityCard,
}
/// Warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountWarning {
    /// Not Luhn.
    NotLuhn,
}
