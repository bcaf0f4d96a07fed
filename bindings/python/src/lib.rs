//! Python binding of yikatong: the `yikatong._native` extension module.
//!
//! All logic lives in the core; this crate only converts types and errors. Each core
//! module has a file here with the same name.

mod account;
mod amount;
mod bank_file;
mod calendar;
mod catalog;
mod checks;
mod convert;
mod credit_code;
mod disclosure;
mod entitlement;
mod error;
mod facts;
mod notice;
mod payment;
mod period;
mod policy;
mod progress;
mod project;
mod region;
mod register;
mod report;
mod resident_id;
mod review;
mod roster;
mod store;

use pyo3::prelude::*;

// The checks and roster intake allocate and free gigabytes of rows; with the system's
// malloc every run faults them in again 4 KiB at a time (runs after the first took a
// quarter longer). Rust allocations in this extension only; Python keeps its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The compiled part of the `yikatong` package. Import from `yikatong`, not from here.
// gil_used = false: every class is frozen and `Sync`, and the core has no global
// mutable state but atomics and once-initialised tables, so the module is safe on
// free-threaded Python.
#[pymodule(gil_used = false)]
mod _native {
    use super::*;

    #[pymodule_export]
    use crate::error::{
        DataError, DateOutOfRange, InvalidAccountNumber, InvalidAmount, InvalidBankFile,
        InvalidCreditCode, InvalidNotice, InvalidNoticeKey, InvalidPeriod, InvalidPolicy,
        InvalidRegionCode, InvalidRegisterChange, InvalidResidentId, InvalidRoster,
        InvalidSmsTemplate, InvalidTable, NoMatchingPerson, NoticeForged, ReviewRefused,
        RosterRejected, SmsTooLong, StoreConflict, StoreCorrupt, StoreError, UnknownProject,
        UnknownRegion, WrongNoticeKey, YikatongError,
    };

    #[pymodule_export]
    use crate::resident_id::{ResidentId, Sex};

    #[pymodule_export]
    use crate::credit_code::CreditCode;

    #[pymodule_export]
    use crate::account::{AccountKind, AccountNumber, AccountWarning};

    #[pymodule_export]
    use crate::amount::{Amount, Rounding};

    #[pymodule_export]
    use crate::region::{Region, RegionCode, RegionLevel, RegionTree};

    #[pymodule_export]
    use crate::period::{Period, PeriodKind};

    #[pymodule_export]
    use crate::calendar::{CalendarCoverage, DayKind, Reckoned, WorkCalendar};

    #[pymodule_export]
    use crate::checks::{ArrowTable, AuditReport, run_checks};

    #[pymodule_export]
    use crate::project::{Cycle, Department, PaymentUnit, ProjectCategory, SubsidyProject};

    #[pymodule_export]
    use crate::policy::{GovernmentLevel, Policy};

    #[pymodule_export]
    use crate::facts::BeneficiaryFacts;

    #[pymodule_export]
    use crate::entitlement::{Entitlement, Outcome};

    #[pymodule_export]
    use crate::catalog::{ChangeRecord, PolicyCatalog};

    #[pymodule_export]
    use crate::register::{Beneficiary, Register};

    #[pymodule_export]
    use crate::roster::{
        IntakeMode, Problem, Roster, RosterLine, Severity, ValidationReport, read_roster,
    };

    #[pymodule_export]
    use crate::review::{Actor, ReviewContext, Role, RosterCase};

    #[pymodule_export]
    use crate::notice::{
        LongSms, NoticeSigner, PaymentNotice, SignedNotice, SmsTemplate, SmsText, verify_notice,
        verify_notice_json,
    };

    #[pymodule_export]
    use crate::payment::{BankReturn, Payer, PaymentBatch, ReconciliationReport};

    #[pymodule_export]
    use crate::bank_file::{
        AgencyFile, AgencyLine, AgencyProfile, AgencyResultLine, BankFile, answer_pain001,
        read_agency_file, read_agency_results, read_pain002, write_agency_file,
        write_agency_results, write_pain001,
    };

    #[pymodule_export]
    use crate::store::{Committed, Prepared, Received, Store, VerifyReport};

    #[pymodule_export]
    use crate::disclosure::{
        DailyFeed, FeedTotal, MaskingPolicy, OwnAttempt, OwnPayment, daily_feed, self_query,
    };

    #[pymodule_export]
    use crate::report::{PaymentReport, ReportRow};

    #[pymodule_init]
    fn init(py: Python<'_>) -> PyResult<()> {
        crate::error::add_default_attributes(py)
    }
}
