//! Placeholder: being written.

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegionCodeRule {
    /// Placeholder.
    #[error("invalid")]
    Invalid,
}
/// A region code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionCode(u64);
/// Level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegionLevel {
    /// Province.
    Province,
}
/// A region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region;
/// The tree.
#[derive(Debug)]
pub struct RegionTree;
