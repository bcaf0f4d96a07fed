#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod account;
pub mod agent_bank;
pub mod amount;
pub mod arrears;
pub mod bank_account;
pub mod beneficiary;
pub mod calendar;
pub mod catalog;
pub mod checks;
pub mod clock;
pub mod credit_code;
pub mod disclosure;
pub mod eligibility;
pub mod entitlement;
mod error;
pub mod facts;
pub mod funding;
pub mod ledger;
pub mod notice;
pub mod payment;
pub mod period;
pub mod policy;
pub mod progress;
pub mod project;
pub mod publicity;
pub mod region;
pub mod register;
pub mod report;
pub mod resident_id;
pub mod review;
pub mod roster;
pub mod roster_case;
pub mod roster_record;
pub mod standard;

pub use account::{AccountKind, AccountNumber, AccountRule, AccountWarning};
pub use agent_bank::{AgencyAgreement, AgentBank};
pub use amount::{Amount, AmountRule, Rounding};
pub use arrears::{Adjustment, AdjustmentKind, adjust, retroactive_adjustments};
pub use bank_account::{
    Account, AccountChange, AccountChangeKind, AccountCommand, AccountEvent, AccountSource,
    AccountStatus, CloseReason, VerificationResult,
};
pub use beneficiary::{Beneficiary, Household};
pub use calendar::{CalendarCoverage, DayKind, Reckoned, StatutoryKind, WorkCalendar};
pub use catalog::{CatalogDocument, ChangeKind, ChangeRecord, PolicyCatalog};
pub use checks::{
    ApprovedLine, AuditFinding, AuditInput, AuditReport, AuditSample, AuditSeverity, CheckConfig,
    CheckKind, CheckTally, CountySample, CountyTally, DeathList, Evidence, PaidRow, References,
    SampledPayment, TaggedExclusions, Timeliness, draw_audit_sample, run_checks,
    run_checks_with_progress,
};
pub use clock::today_in_china;
/// Short texts (names, household and account numbers) are kept inline, without an
/// allocation each: a roster of millions of lines copies them per line.
pub use compact_str::CompactString;
pub use credit_code::{CreditCode, CreditCodeRule};
pub use disclosure::{
    AttemptOutcome, DailyFeed, Difference, DifferenceKind, DisclosureRow, FeedTotal, FeedTotals,
    OwnAttempt, OwnPayment, OwnPaymentStatus, PublicityList, check_consistency, daily_feed,
    self_query,
};
pub use eligibility::{Eligibility, ExclusionList, Failed, Observed};
pub use entitlement::{Entitlement, Language, Missing, Outcome, Step, entitle};
pub use error::{Error, Result};
pub use facts::{AgeOn, BeneficiaryFacts, Quantities, Tags};
pub use funding::{FundingShares, GovernmentLevel};
pub use ledger::{
    BatchPlan, BatchSummary, CorrectionItem, CorrectionStatus, Finding, PaymentChange,
    PaymentCommand, PaymentEvent, PaymentLedger, Preparation, ReconciliationReport, Recovery,
    RecoveryStatus, ResultClass, Settlement, Tally,
};
pub use notice::{
    LongSms, NoticeError, NoticeIssuer, NoticeSigner, PaymentNotice, Placeholder, SignedNotice,
    SmsTemplate, SmsText, SmsWorstCase, verify_notice, verify_notice_json,
};
pub use payment::{
    BankResult, BankReturn, BatchKind, BatchStatus, FailureKind, FailureReason, InstructionId,
    MAX_ATTEMPTS, Payer, PaymentBatch, PaymentId, PaymentIdSeed, PaymentInstruction, PaymentRule,
    ResultStatus, lower_hex, sha256_hex,
};
pub use period::{Period, PeriodKind, PeriodRule};
pub use policy::{Policy, PolicyRule};
pub use progress::{Progress, Silent};
pub use project::{
    Cycle, DeadlineMonth, DeadlineRule, Department, PaymentUnit, ProjectCategory, SubsidyProject,
};
pub use publicity::{
    AccountMasking, IdMasking, MaskingPolicy, NameMasking, Objection, ObjectionStatus, Publicity,
    PublicityEntry, PublicityInput, Resolution,
};
pub use region::{Region, RegionCode, RegionCodeRule, RegionLevel, RegionTree};
pub use register::{
    CardField, CardImportProblem, CardImportReport, CardImportRule, Register, RegisterRule,
    SocialSecurityCardRecord,
};
pub use report::{Grouping, PaymentReport, ReportRow};
pub use resident_id::{ResidentId, ResidentIdRule, Sex};
pub use review::{
    Actor, Hold, Review, ReviewChange, ReviewCommand, ReviewContext, ReviewEvent, ReviewRule,
    ReviewStatus, Role, Sample, Signoff, draw_sample,
};
pub use roster::{
    Acknowledgement, AmountChange, AppliedCorrection, Correction, CorrectionAction, DiffEntry,
    HeldProjects, IntakeMode, LineChange, PayeeAccount, PayeeAccountChange, Problem, ProblemKey,
    ProblemRule, Roster, RosterDiff, RosterHeader, RosterIntake, RosterKind, RosterLine,
    RosterRule, Severity, ValidationReport,
};
pub use roster_case::{CaseContext, RosterCase};
pub use roster_record::{RosterField, RosterRecord, RosterRecordBuilder};
pub use standard::{
    AgeBand, Basis, GradeAmount, Limit, LimitScope, Per, Proration, Standard, Unit,
};
