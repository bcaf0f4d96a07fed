//! Placeholder: being written.

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResidentIdRule {
    /// Placeholder.
    #[error("invalid")]
    Invalid,
}
/// A resident ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResidentId([u8; 18]);
/// Sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
}
