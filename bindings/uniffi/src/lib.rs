//! UniFFI binding of yikatong for Kotlin/JVM and Swift.
//!
//! All logic lives in the core; this crate only converts types and errors. Proc-macros
//! only (no UDL). Generate the foreign sources from the built library with the
//! workspace's own bindgen:
//!
//! ```text
//! cargo build -p yikatong-ffi
//! cargo run -p yikatong-ffi --bin uniffi-bindgen -- generate \
//!     --library target/debug/libyikatong_ffi.so --language kotlin --out-dir <dir>
//! ```
//!
//! `scripts/test-kotlin` and `scripts/check-swift` do this.

mod account;
mod amount;
mod calendar;
mod convert;
mod credit_code;
mod error;
mod period;
mod region;
mod resident_id;

pub use account::{AccountKind, AccountNumber, AccountWarning};
pub use amount::{Amount, amount_checked_sum};
pub use calendar::{ReckonedDate, ReckonedDays, WorkCalendar};
pub use convert::LocalDate;
pub use credit_code::{CreditCode, credit_code_check_character};
pub use error::{Result, YikatongError};
pub use period::Period;
pub use region::{Region, RegionCode, RegionTree};
pub use resident_id::{ResidentId, resident_id_check_character};

uniffi::setup_scaffolding!("yikatong");

/// Today's civil date in China (UTC+8), whatever the host's time zone.
#[uniffi::export]
pub fn today_in_china() -> LocalDate {
    yikatong::today_in_china()
}
