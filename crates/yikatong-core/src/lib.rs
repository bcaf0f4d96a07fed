#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod account;
pub mod amount;
pub mod calendar;
pub mod clock;
pub mod credit_code;
mod error;
pub mod period;
pub mod region;
pub mod resident_id;

pub use account::{AccountKind, AccountNumber, AccountRule, AccountWarning};
pub use amount::{Amount, AmountRule, Rounding};
pub use calendar::{CalendarCoverage, WorkCalendar};
pub use clock::today_in_china;
pub use credit_code::{CreditCode, CreditCodeRule};
pub use error::{Error, Result};
pub use period::{Period, PeriodRule};
pub use region::{Region, RegionCode, RegionCodeRule, RegionLevel, RegionTree};
pub use resident_id::{ResidentId, ResidentIdRule, Sex};
