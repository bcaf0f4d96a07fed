//! Placeholder: being written.

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreditCodeRule {
    /// Placeholder.
    #[error("invalid")]
    Invalid,
}
/// A credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CreditCode([u8; 18]);
