//! The public notice (公示) of a roster and objections (异议) to it.
//!
//! (Being written: see issue 4.)
