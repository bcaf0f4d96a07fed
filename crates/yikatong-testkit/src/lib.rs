//! Deterministic synthetic data for tests and benchmarks: the same seed always
//! gives the same data, on every machine.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bank;
pub mod bank_files;
pub mod ids;
pub mod payments;
pub mod population;
pub mod prefecture;

pub use bank::{Adversity, BankAnswer, BankSimulator, SimulatedInstruction};
pub use bank_files::{FileAnswer, IsoAnswer, answer_agency_file, answer_pain001};
