#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use yikatong_core as core;
pub use yikatong_core::*;
/// Files in and out: roster files in CSV (UTF-8/GBK) and XLSX, publicity lists.
pub use yikatong_formats as formats;
/// The embedded store: the event journal on SQLite with its hash chain, snapshots
/// and read models.
pub use yikatong_store as store;
