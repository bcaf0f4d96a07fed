//! Rosters (补贴底册): one project, one period, one township.
//!
//! (Being written: see issue 4.)

/// What is wrong with a roster or a roster command, and what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterRule {
    /// Placeholder until the roster rules are written.
    #[error("{0}")]
    Other(String),
}
