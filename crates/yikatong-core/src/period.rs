//! Placeholder: being written.

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeriodRule {
    /// Placeholder.
    #[error("invalid")]
    Invalid,
}
/// A period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A year.
    Year(i32),
}
