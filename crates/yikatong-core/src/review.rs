//! The review state machine (审核) and the public notice (公示) of a roster.
//!
//! (Being written: see issue 4.)

/// Why a review command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewRule {
    /// Placeholder until the review rules are written.
    #[error("{0}")]
    Other(String),
}
