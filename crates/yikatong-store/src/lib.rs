#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod journal;
mod read_model;
mod state;
mod store;

pub use error::StoreError;
pub use journal::{
    BrokenLink, Entry, Envelope, ExportLine, GENESIS, Head, PAYMENTS_STREAM, REGISTER_STREAM,
    VerifyReport, link_hash, review_stream, roster_stream, verify_jsonl,
};
pub use state::State;
pub use store::{
    Committed, Expected, Options, Prepared, Received, ReviewRequest, SCHEMA_VERSION, Store,
};
