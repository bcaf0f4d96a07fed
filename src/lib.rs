#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use yikatong_core as core;
pub use yikatong_core::*;
