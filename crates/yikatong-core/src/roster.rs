//! Rosters (补贴底册): one project, one period, one township.
//!
//! A [`Roster`] lists who is paid how much onto which account. It is either built
//! from the [`Register`] and the [`PolicyCatalog`] ([`Roster::build`]) or taken in
//! from the records of a roster file ([`Roster::intake`]); both compute each line's
//! amount with the policy version in force and return a [`ValidationReport`] that
//! names every problem with its file line, roster line, field, value and rule.
//!
//! - **Errors block submission**, **warnings need an acknowledgement** with a reason
//!   ([`Roster::acknowledge`], [`Roster::ready_for_submission`]). A problem blocks
//!   only while its line is on the roster: removing the line clears it. Errors of
//!   file records that a lenient intake rejected do not block the lines it kept.
//! - **Strict intake** is all or nothing; **lenient intake** keeps exactly the
//!   records without errors and lists the rejected ones; none is dropped silently.
//! - **Explanations are rendered lazily** ([`Roster::explain`]): a line keeps its
//!   facts and the policy version, which determine the computation, so the text is
//!   produced only when someone reads it. Rendering two explanations per line would
//!   cost more than reading, validating and computing the line together.
//! - **An approved roster is never edited**: [`Roster::supplementary`] makes a
//!   supplementary roster (补充底册) that corrects it.
//! - [`Roster::content_hash`] is the fingerprint recorded when finance approves.
//!
//! Intake is linear in the records: the policy and the file's column positions are
//! looked up once per roster, each record costs a few hash lookups in the register
//! (person, household, account), and bank agreements are checked once per bank.
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::roster::{HeldProjects, IntakeMode, Roster, RosterHeader};
//! use yikatong_core::{
//!     Beneficiary, Period, PolicyCatalog, RegionCode, Register, ResidentId, RosterField,
//!     RosterRecord,
//! };
//!
//! let catalog = PolicyCatalog::from_json("高龄津贴.json", r#"{
//!   "projects": [{
//!     "code": "GLJT", "name": "高龄津贴", "name_en": "Old-age allowance",
//!     "category": "people",
//!     "department": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
//!     "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 }
//!   }],
//!   "policies": [{
//!     "project": "GLJT", "name": "高龄津贴", "document": "内民政发〔2023〕1号",
//!     "issuer": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
//!     "level": "region", "scope": ["15"], "effective_from": "2023-01-01", "version": 1,
//!     "standard": { "per": "month", "basis": { "kind": "age_bands", "bands": [
//!         { "from": 80, "to": 89, "amount": "100.00" } ] } },
//!     "eligibility": { "rule": "age", "min": 80 },
//!     "funding_shares": { "region": "50", "county": "50" }
//!   }]
//! }"#)?;
//! let town = RegionCode::parse("150422100")?;
//! let mut register = Register::new();
//! let elder = ResidentId::parse("110105194012310024")?;
//! register.upsert_beneficiary(Beneficiary::new(elder, "张三", "H1", RegionCode::parse("150422100001")?));
//!
//! let header = RosterHeader::new("GLJT-2026-11-150422100", "GLJT", Period::month(2026, 11)?, town);
//! let mut record = RosterRecord::new(2);
//! record.insert(RosterField::ResidentId, &elder.to_string());
//! record.insert(RosterField::Amount, "120.00");
//! let (roster, report) = Roster::intake(
//!     header, &[record], &register, &catalog, &HeldProjects::new(), IntakeMode::Lenient,
//!     date!(2026 - 11 - 02),
//! )?;
//! // The stated 120.00 is over the standard 100.00, and there is no account: rejected.
//! assert_eq!((report.accepted, report.rejected), (0, 1));
//! assert!(roster.lines().is_empty());
//! assert!(report.problems.iter().any(|p| p.to_string().contains("more than the standard 100.00")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use compact_str::CompactString;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use time::Date;

use crate::beneficiary::same_name;
use crate::entitlement::amount_due;
use crate::register::FastMap;
use crate::{
    AccountKind, AccountNumber, Amount, Beneficiary, BeneficiaryFacts, Error, Language, Outcome,
    PaymentUnit, Period, Policy, PolicyCatalog, RegionCode, RegionLevel, Register, ResidentId,
    Result, RosterField, RosterRecord, SubsidyProject, entitle,
};

/// How many problems a strict-intake error or a not-ready error quotes.
const QUOTED: usize = 3;

/// What is wrong with a roster or a roster command, and what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterRule {
    /// The roster id is blank.
    #[error("the roster id is blank; give each roster an id such as GLJT-2026-11-150422100")]
    EmptyId,
    /// The region of a roster is not a township.
    #[error(
        "region {code} is a {level}, not a township (苏木乡镇/街道); a roster covers one township"
    )]
    NotATownship {
        /// The code given.
        code: RegionCode,
        /// Its level.
        level: RegionLevel,
    },
    /// The project is not in the catalogue.
    #[error("project {code:?} is not in the policy catalogue; load its catalogue first")]
    UnknownProject {
        /// The project code given.
        code: String,
    },
    /// The period is not one of the project's payment periods.
    #[error(
        "period {period} is not a payment period of project {project}, which pays {cycle}; \
         give a period of that length"
    )]
    PeriodDoesNotFitCycle {
        /// The project code.
        project: String,
        /// The period given.
        period: Period,
        /// The project's cycle, in Chinese (按月, 按年, …).
        cycle: &'static str,
    },
    /// No version of the project's policy is in force for the township and period.
    #[error(
        "no policy of project {project} is in force in township {township} during {period}; \
         add the policy version to the catalogue first"
    )]
    NoPolicy {
        /// The project code.
        project: String,
        /// The township.
        township: RegionCode,
        /// The period.
        period: Period,
    },
    /// A strict intake found errors: nothing was taken in.
    #[error("{}", rejected_message(report))]
    Rejected {
        /// The full report.
        report: Box<ValidationReport>,
    },
    /// A line number that is not on the roster.
    #[error("line {line_no} is not on roster {roster}")]
    UnknownLine {
        /// The roster id.
        roster: String,
        /// The line number given.
        line_no: u32,
    },
    /// A line edit that changes nothing.
    #[error("line {line_no}: nothing to change; give a new amount, account or note")]
    NothingToChange {
        /// The line number.
        line_no: u32,
    },
    /// A line amount of zero.
    #[error(
        "line {line_no}: amount {amount} must be more than 0.00; remove or cancel the line \
         instead of paying nothing"
    )]
    NonPositiveAmount {
        /// The line number (for an added line, the number it would get).
        line_no: u32,
        /// The amount given.
        amount: Amount,
    },
    /// Errors remain or warnings are unacknowledged.
    #[error(
        "not ready for submission: {errors} error(s) to correct and {unacknowledged} \
         warning(s) to acknowledge; first: {first}"
    )]
    NotReady {
        /// Errors on lines of the roster.
        errors: usize,
        /// Warnings on lines of the roster without an acknowledgement.
        unacknowledged: usize,
        /// The first blocking problems, in words.
        first: String,
    },
    /// An acknowledgement of something that is not a warning on a line of the roster.
    #[error(
        "{rule:?} on line {line_no} cannot be acknowledged: only warnings on lines of the \
         roster can; errors must be corrected"
    )]
    NotAcknowledgeable {
        /// The line number of the key.
        line_no: u32,
        /// The rule code of the key.
        rule: String,
    },
    /// A required text (who acknowledges, a reason) is blank.
    #[error("{what} is blank; it is required")]
    Blank {
        /// What is missing.
        what: &'static str,
    },
    /// A supplementary roster without corrections.
    #[error("a supplementary roster needs at least one correction")]
    NoCorrections,
    /// Two corrections of the same line.
    #[error(
        "line {line_no} is corrected more than once in one supplementary roster; \
         combine the corrections"
    )]
    CorrectedTwice {
        /// The line number.
        line_no: u32,
    },
    /// An added line for a payee who already has a line.
    #[error("payee {payee} is already on line {line_no}; change that line instead of adding one")]
    AlreadyOnRoster {
        /// The payee, masked.
        payee: String,
        /// The line they are on.
        line_no: u32,
    },
    /// Stored roster data that breaks the roster's invariants.
    #[error("roster data is inconsistent: {detail}")]
    Inconsistent {
        /// What is wrong.
        detail: String,
    },
}

fn rejected_message(report: &ValidationReport) -> String {
    format!(
        "{} error(s) in {} line(s), nothing taken in (strict intake); first: {}",
        report.error_count(),
        report.rejected,
        quote(
            report
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
        )
    )
}

fn quote<'a>(problems: impl Iterator<Item = &'a Problem>) -> String {
    let quoted: Vec<String> = problems.take(QUOTED).map(Problem::to_string).collect();
    quoted.join("; ")
}

fn fail(rule: RosterRule) -> Error {
    Error::Roster { rule }
}

// ---------------------------------------------------------------------------
// Validation report

/// How serious a problem is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Must be corrected: blocks submission (and rejects a file record).
    Error,
    /// Must be acknowledged with a reason before submission.
    Warning,
}

/// The rule a roster line or file record broke.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemRule {
    /// A required cell is blank.
    Blank,
    /// Not a valid resident ID number.
    InvalidResidentId {
        /// The GB 11643 rule it broke.
        reason: String,
    },
    /// A value that cannot be read (a quantity, an amount, a code, an account number…).
    Unreadable {
        /// Why, and what is expected.
        reason: String,
    },
    /// No one with this ID number is in the register.
    NotInRegister,
    /// The person is registered outside the roster's township.
    OutsideTownship {
        /// Where the person is registered.
        region: RegionCode,
        /// The roster's township.
        township: RegionCode,
    },
    /// An identifying value (name, household, head, village, bank) that the register
    /// has differently.
    DiffersFromRegister {
        /// What the register has.
        registered: String,
    },
    /// A fact (quantity, household size, income) that the register has differently;
    /// the file's value is used.
    FactDiffersFromRegister {
        /// What the register has.
        registered: String,
    },
    /// The person is recorded as deceased.
    Deceased {
        /// The date of death.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
    /// The policy does not make the person eligible.
    NotEligible {
        /// Why, in English.
        explanation_en: String,
        /// Why, in Chinese.
        explanation_zh: String,
    },
    /// Eligible, but the standard gives nothing (a fact it needs is missing, or no top-up is due).
    NothingDue {
        /// The computation, in English.
        explanation_en: String,
        /// The computation, in Chinese.
        explanation_zh: String,
    },
    /// The amount could not be computed.
    ComputationFailed {
        /// Why.
        reason: String,
    },
    /// The payee has no verified account to pay onto.
    NoVerifiedAccount,
    /// The account is not in the register.
    AccountNotInRegister,
    /// The account belongs to someone other than the payee.
    AccountOfAnotherPerson {
        /// The holder, masked.
        holder: String,
    },
    /// The account is not verified, or is rejected or closed.
    AccountNotPayable {
        /// Its status, in words.
        status: String,
    },
    /// The account's bank has no agency agreement in the county on the check date.
    NoAgreement {
        /// The bank code.
        bank_code: String,
        /// The county.
        county: RegionCode,
    },
    /// The same payee (person, or household for per-household projects) is on an earlier line.
    Duplicate {
        /// The earlier file line, if it came from a file.
        first_line: Option<u64>,
        /// The earlier roster line, if it was kept.
        first_line_no: Option<u32>,
    },
    /// The person already receives, this period, a project that cannot be received with this one.
    ExcludedProject {
        /// The project held.
        held: String,
    },
    /// The amount stated in the file is over the standard.
    StatedAmountOver {
        /// The amount stated.
        stated: Amount,
        /// The amount the policy gives.
        standard: Amount,
    },
    /// The amount stated in the file is under the standard; the standard is used.
    StatedAmountUnder {
        /// The amount stated.
        stated: Amount,
        /// The amount the policy gives.
        standard: Amount,
    },
    /// The line's amount is over what the policy gives (after an amendment).
    AmountOverStandard {
        /// The line's amount.
        amount: Amount,
        /// The amount the policy gives.
        standard: Amount,
    },
    /// The account holder's name is not the payee's.
    HolderNameDiffers {
        /// The holder's name.
        holder_name: String,
        /// The payee's registered name.
        name: String,
    },
    /// A passbook number without a check digit.
    AccountNumberUnchecked,
}

impl ProblemRule {
    /// How serious the problem is: each rule has one severity.
    pub fn severity(&self) -> Severity {
        match self {
            ProblemRule::FactDiffersFromRegister { .. }
            | ProblemRule::StatedAmountUnder { .. }
            | ProblemRule::HolderNameDiffers { .. }
            | ProblemRule::AccountNumberUnchecked => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// A short stable code (snake case), used in [`ProblemKey`]s.
    pub fn code(&self) -> &'static str {
        match self {
            ProblemRule::Blank => "blank",
            ProblemRule::InvalidResidentId { .. } => "invalid_resident_id",
            ProblemRule::Unreadable { .. } => "unreadable",
            ProblemRule::NotInRegister => "not_in_register",
            ProblemRule::OutsideTownship { .. } => "outside_township",
            ProblemRule::DiffersFromRegister { .. } => "differs_from_register",
            ProblemRule::FactDiffersFromRegister { .. } => "fact_differs_from_register",
            ProblemRule::Deceased { .. } => "deceased",
            ProblemRule::NotEligible { .. } => "not_eligible",
            ProblemRule::NothingDue { .. } => "nothing_due",
            ProblemRule::ComputationFailed { .. } => "computation_failed",
            ProblemRule::NoVerifiedAccount => "no_verified_account",
            ProblemRule::AccountNotInRegister => "account_not_in_register",
            ProblemRule::AccountOfAnotherPerson { .. } => "account_of_another_person",
            ProblemRule::AccountNotPayable { .. } => "account_not_payable",
            ProblemRule::NoAgreement { .. } => "no_agreement",
            ProblemRule::Duplicate { .. } => "duplicate",
            ProblemRule::ExcludedProject { .. } => "excluded_project",
            ProblemRule::StatedAmountOver { .. } => "stated_amount_over",
            ProblemRule::StatedAmountUnder { .. } => "stated_amount_under",
            ProblemRule::AmountOverStandard { .. } => "amount_over_standard",
            ProblemRule::HolderNameDiffers { .. } => "holder_name_differs",
            ProblemRule::AccountNumberUnchecked => "account_number_unchecked",
        }
    }
}

fn is_warning_code(code: &str) -> bool {
    matches!(
        code,
        "fact_differs_from_register"
            | "stated_amount_under"
            | "holder_name_differs"
            | "account_number_unchecked"
    )
}

impl fmt::Display for ProblemRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemRule::Blank => f.write_str("is blank; every line needs this value"),
            ProblemRule::InvalidResidentId { reason } => {
                write!(f, "is not a valid resident ID number: {reason}")
            }
            ProblemRule::Unreadable { reason } => write!(f, "cannot be read: {reason}"),
            ProblemRule::NotInRegister => f.write_str(
                "no one with this ID number is in the register; register the person first",
            ),
            ProblemRule::OutsideTownship { region, township } => write!(
                f,
                "the person is registered in {}, outside township {}; put the line on that \
                 township's roster or correct the register",
                region.to_short_string(),
                township.to_short_string()
            ),
            ProblemRule::DiffersFromRegister { registered } => write!(
                f,
                "differs from the register, which has {registered:?}; correct the file or the register"
            ),
            ProblemRule::FactDiffersFromRegister { registered } => write!(
                f,
                "differs from the register, which has {registered}; the file's value is used, \
                 confirm it"
            ),
            ProblemRule::Deceased { on } => write!(
                f,
                "the person is recorded as deceased on {on}; remove the line, or correct the \
                 date of death in the register"
            ),
            ProblemRule::NotEligible { explanation_en, .. } => {
                write!(f, "not eligible under the policy: {explanation_en}")
            }
            ProblemRule::NothingDue { explanation_en, .. } => {
                write!(f, "nothing is due under the policy: {explanation_en}")
            }
            ProblemRule::ComputationFailed { reason } => {
                write!(f, "the amount cannot be computed: {reason}")
            }
            ProblemRule::NoVerifiedAccount => f.write_str(
                "the payee has no verified account; register one and have the agent bank verify it",
            ),
            ProblemRule::AccountNotInRegister => f.write_str(
                "this account is not in the register; register it and have the agent bank verify it",
            ),
            ProblemRule::AccountOfAnotherPerson { holder } => write!(
                f,
                "this account belongs to {holder}, not to the payee; give the payee's own account"
            ),
            ProblemRule::AccountNotPayable { status } => write!(
                f,
                "the account is {status}; it cannot be paid onto until the agent bank verifies it"
            ),
            ProblemRule::NoAgreement { bank_code, county } => write!(
                f,
                "bank {bank_code} has no agency agreement in county {} in force on the check \
                 date; use an account at one of the county's agent banks",
                county.to_short_string()
            ),
            ProblemRule::Duplicate {
                first_line,
                first_line_no,
            } => {
                f.write_str("the same payee is already on ")?;
                match (first_line, first_line_no) {
                    (Some(line), _) => write!(f, "file line {line}")?,
                    (None, Some(line_no)) => write!(f, "roster line {line_no}")?,
                    (None, None) => f.write_str("an earlier line")?,
                }
                f.write_str("; keep one line per payee")
            }
            ProblemRule::ExcludedProject { held } => write!(
                f,
                "the person already receives {held} this period, which cannot be received \
                 together with this project"
            ),
            ProblemRule::StatedAmountOver { stated, standard } => write!(
                f,
                "stated amount {stated} is more than the standard {standard}; over-payment is \
                 not allowed, correct the amount"
            ),
            ProblemRule::StatedAmountUnder { stated, standard } => write!(
                f,
                "stated amount {stated} is less than the standard {standard}; the standard is \
                 paid, confirm it"
            ),
            ProblemRule::AmountOverStandard { amount, standard } => write!(
                f,
                "amount {amount} is more than the standard {standard}; over-payment is not \
                 allowed, correct the amount"
            ),
            ProblemRule::HolderNameDiffers { holder_name, name } => write!(
                f,
                "account holder {holder_name:?} is not the payee {name:?}; confirm the account \
                 is the payee's"
            ),
            ProblemRule::AccountNumberUnchecked => f.write_str(
                "the passbook number has no check digit to verify; confirm it with the agent bank",
            ),
        }
    }
}

/// One problem found in a roster line or a file record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// The line in the file, for a record taken in from a file.
    pub line: Option<u64>,
    /// The roster line, when the record is on the roster.
    pub line_no: Option<u32>,
    /// The field concerned, if one is.
    pub field: Option<RosterField>,
    /// The value concerned, as given (may be blank).
    pub value: String,
    /// The rule broken.
    pub rule: ProblemRule,
    /// Error or warning (given by the rule).
    pub severity: Severity,
}

impl Problem {
    // Problems are the exception: kept out of line so the hot path stays small.
    #[cold]
    #[inline(never)]
    fn new(field: Option<RosterField>, value: impl Into<String>, rule: ProblemRule) -> Problem {
        Problem {
            line: None,
            line_no: None,
            field,
            value: value.into(),
            severity: rule.severity(),
            rule,
        }
    }

    /// The key an acknowledgement refers to: the roster line and the rule's code.
    /// `None` for a problem of a record that is not on the roster.
    pub fn key(&self) -> Option<ProblemKey> {
        self.line_no.map(|line_no| ProblemKey {
            line_no,
            rule: self.rule.code().to_owned(),
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.line_no) {
            (Some(line), _) => write!(f, "line {line}")?,
            (None, Some(line_no)) => write!(f, "roster line {line_no}")?,
            (None, None) => f.write_str("roster")?,
        }
        if let Some(field) = &self.field {
            write!(f, ", {}", field.header_zh())?;
        }
        if !self.value.is_empty() {
            write!(f, " {:?}", self.value)?;
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {severity}: {}", self.rule)
    }
}

/// Every problem of a build or an intake, sorted by file line then roster line.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidationReport {
    /// The problems.
    pub problems: Vec<Problem>,
    /// Records or register entries that became roster lines.
    pub accepted: usize,
    /// File records that did not (each has at least one error in `problems`).
    pub rejected: usize,
}

impl ValidationReport {
    fn finish(mut problems: Vec<Problem>, accepted: usize, rejected: usize) -> ValidationReport {
        // Stable: the problems of one line keep the order they were found in.
        problems.sort_by_key(|p| (p.line, p.line_no));
        ValidationReport {
            problems,
            accepted,
            rejected,
        }
    }

    /// How many errors.
    pub fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    /// How many warnings.
    pub fn warning_count(&self) -> usize {
        self.problems.len() - self.error_count()
    }

    /// The file lines of the rejected records, in order, each once.
    pub fn rejected_lines(&self) -> Vec<u64> {
        let lines: BTreeSet<u64> = self
            .problems
            .iter()
            .filter(|p| p.line_no.is_none() && p.severity == Severity::Error)
            .filter_map(|p| p.line)
            .collect();
        lines.into_iter().collect()
    }
}

/// What an acknowledgement refers to: a warning of one roster line.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ProblemKey {
    /// The roster line.
    pub line_no: u32,
    /// The rule's code ([`ProblemRule::code`]).
    pub rule: String,
}

/// A recorded acknowledgement of a warning.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Acknowledgement {
    /// The warning acknowledged.
    pub key: ProblemKey,
    /// Who acknowledged it (actor id).
    pub by: String,
    /// Why it is acceptable.
    pub reason: String,
}

// ---------------------------------------------------------------------------
// Lines and rosters

/// The account a line is paid onto.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayeeAccount {
    /// The agent bank's code.
    pub bank_code: CompactString,
    /// The account number and kind.
    pub number: AccountNumber,
    /// The holder's name as the bank has it.
    pub holder_name: CompactString,
}

impl PayeeAccount {
    fn from_register(account: &crate::Account) -> PayeeAccount {
        PayeeAccount {
            bank_code: account.bank_code.clone(),
            number: account.number.clone(),
            holder_name: account.holder_name.clone(),
        }
    }
}

/// One line of a roster: who, why, how much, onto which account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterLine {
    /// The line number, stable within the roster (never reused).
    pub line_no: u32,
    /// The beneficiary's registered name.
    pub name: CompactString,
    /// Who is paid: the beneficiary, or the household head for per-household projects.
    pub payee: ResidentId,
    /// The facts the amount was computed from: among them the beneficiary (for
    /// per-household projects built from the register, the head) and the household,
    /// kept only there (a million-line roster holds each once).
    pub facts: BeneficiaryFacts,
    /// The amount to pay.
    pub amount: Amount,
    /// The document number (文号) of the policy version applied.
    pub policy_document: Arc<str>,
    /// The version applied.
    pub policy_version: u32,
    /// The account to pay onto, if the payee has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<PayeeAccount>,
    /// The amount stated in the file, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_amount: Option<Amount>,
    /// The line of the file the line came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_line: Option<u64>,
    /// A remark (备注), e.g. why the line was amended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl RosterLine {
    /// The beneficiary (for per-household projects built from the register, the head).
    pub fn beneficiary(&self) -> ResidentId {
        self.facts.resident_id
    }

    /// The beneficiary when it is not the payee (a household member paid through
    /// the head), else `None`.
    pub fn beneficiary_if_not_payee(&self) -> Option<ResidentId> {
        Some(self.beneficiary()).filter(|person| *person != self.payee)
    }

    /// The beneficiary's household.
    pub fn household_id(&self) -> &str {
        self.facts.household_id.as_deref().unwrap_or_default()
    }

    /// Explains the line's amount under `policy` (the version the line names) for
    /// `period`: the computation is repeated from the line's facts, which is cheap,
    /// instead of keeping two texts per line.
    pub fn explain(&self, policy: &Policy, period: Period, language: Language) -> Result<String> {
        Ok(entitle(policy, &self.facts, period)?.explain(language))
    }
}

/// Whether a roster is an original or corrects another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RosterKind {
    /// An original roster of the period.
    Original,
    /// A supplementary roster (补充底册) correcting an approved one.
    Supplementary {
        /// The id of the roster corrected.
        corrects: String,
    },
}

/// What a roster is for: id, project, period, township.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RosterHeader {
    /// The roster's id, e.g. `GLJT-2026-11-150422100`.
    pub id: String,
    /// The project code.
    pub project: String,
    /// The period paid.
    pub period: Period,
    /// The township (苏木乡镇/街道).
    pub township: RegionCode,
}

impl RosterHeader {
    /// A header.
    pub fn new(
        id: impl Into<String>,
        project: impl Into<String>,
        period: Period,
        township: RegionCode,
    ) -> RosterHeader {
        RosterHeader {
            id: id.into(),
            project: project.into(),
            period,
            township,
        }
    }
}

/// Whether an intake is all or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeMode {
    /// Any error rejects the whole file: an error and no roster.
    Strict,
    /// Records without errors become lines; the others are rejected and reported.
    Lenient,
}

/// What a correction did, as recorded on a supplementary roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionAction {
    /// A line was added.
    Added,
    /// A line was cancelled.
    Cancelled,
    /// A line's amount, account or note was changed.
    Changed,
}

/// One correction recorded on a supplementary roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppliedCorrection {
    /// The line concerned (for an added line, its new number).
    pub line_no: u32,
    /// What was done.
    pub action: CorrectionAction,
    /// Why.
    pub reason: String,
}

/// A change of one line's amount, account or note; fields left `None` stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineChange {
    /// The new amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The new account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<PayeeAccount>,
    /// The new note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A correction of an approved roster, made by a supplementary roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "correction", rename_all = "snake_case")]
pub enum Correction {
    /// Add a line (its `line_no` is ignored: the next free number is given).
    Add {
        /// The line.
        line: Box<RosterLine>,
        /// Why.
        reason: String,
    },
    /// Cancel a line of the original.
    Cancel {
        /// The line of the original.
        line_no: u32,
        /// Why.
        reason: String,
    },
    /// Change a line of the original.
    Change {
        /// The line of the original.
        line_no: u32,
        /// The change.
        change: LineChange,
        /// Why.
        reason: String,
    },
}

/// A roster (补贴底册) for one project, one period and one township.
///
/// Lines are kept in line-number order; line numbers are never reused, so a
/// report's line numbers stay meaningful after lines are removed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RosterData")]
pub struct Roster {
    id: String,
    project: String,
    period: Period,
    township: RegionCode,
    kind: RosterKind,
    lines: Vec<RosterLine>,
    next_line_no: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    corrections: Vec<AppliedCorrection>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    acknowledgements: Vec<Acknowledgement>,
    /// The content hash once computed; every change of content clears it.
    #[serde(skip)]
    hash: HashMemo,
}

/// A roster's content hash, kept once computed: hashing a million lines takes a
/// second, and approval and every batch preparation ask for it. Not part of the
/// roster's value (equal rosters may or may not have it yet).
#[derive(Debug, Clone, Default)]
struct HashMemo(std::sync::OnceLock<String>);

impl PartialEq for HashMemo {
    fn eq(&self, _: &HashMemo) -> bool {
        true
    }
}

impl Eq for HashMemo {}

/// The serialized form, checked on reading.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterData {
    id: String,
    project: String,
    period: Period,
    township: RegionCode,
    kind: RosterKind,
    lines: Vec<RosterLine>,
    next_line_no: u32,
    #[serde(default)]
    corrections: Vec<AppliedCorrection>,
    #[serde(default)]
    acknowledgements: Vec<Acknowledgement>,
}

impl TryFrom<RosterData> for Roster {
    type Error = Error;

    fn try_from(data: RosterData) -> Result<Roster> {
        check_header(&data.id, data.township)?;
        let mut previous = 0u32;
        for line in &data.lines {
            if line.line_no <= previous || line.line_no >= data.next_line_no {
                return Err(fail(RosterRule::Inconsistent {
                    detail: format!(
                        "line number {} is out of order, repeated or not below next_line_no {}",
                        line.line_no, data.next_line_no
                    ),
                }));
            }
            previous = line.line_no;
        }
        Ok(Roster {
            id: data.id,
            project: data.project,
            period: data.period,
            township: data.township,
            kind: data.kind,
            lines: data.lines,
            next_line_no: data.next_line_no,
            corrections: data.corrections,
            acknowledgements: data.acknowledgements,
            hash: HashMemo::default(),
        })
    }
}

fn check_header(id: &str, township: RegionCode) -> Result<()> {
    if id.trim().is_empty() {
        return Err(fail(RosterRule::EmptyId));
    }
    if township.level() != RegionLevel::Township {
        return Err(fail(RosterRule::NotATownship {
            code: township,
            level: township.level(),
        }));
    }
    Ok(())
}

/// The header fields and lines that [`Roster::content_hash`] covers, in this order.
#[derive(serde::Serialize)]
struct Canonical<'a> {
    format: &'static str,
    id: &'a str,
    project: &'a str,
    period: Period,
    township: RegionCode,
    kind: &'a RosterKind,
    corrections: &'a [AppliedCorrection],
    lines: &'a [RosterLine],
}

/// Feeds serialized bytes straight into the hash, without a buffer.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Roster {
    fn empty(header: RosterHeader, kind: RosterKind) -> Roster {
        Roster {
            id: header.id,
            project: header.project,
            period: header.period,
            township: header.township,
            kind,
            lines: Vec::new(),
            next_line_no: 1,
            corrections: Vec::new(),
            acknowledgements: Vec::new(),
            hash: HashMemo::default(),
        }
    }

    /// The roster's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The project code.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The period paid.
    pub fn period(&self) -> Period {
        self.period
    }

    /// The township.
    pub fn township(&self) -> RegionCode {
        self.township
    }

    /// Original or supplementary.
    pub fn kind(&self) -> &RosterKind {
        &self.kind
    }

    /// The lines, by line number.
    pub fn lines(&self) -> &[RosterLine] {
        &self.lines
    }

    /// The line with this number.
    pub fn line(&self, line_no: u32) -> Option<&RosterLine> {
        self.position(line_no).and_then(|i| self.lines.get(i))
    }

    /// The corrections a supplementary roster makes (empty for an original).
    pub fn corrections(&self) -> &[AppliedCorrection] {
        &self.corrections
    }

    /// The acknowledgements recorded, oldest first.
    pub fn acknowledgements(&self) -> &[Acknowledgement] {
        &self.acknowledgements
    }

    /// The total of the lines' amounts.
    pub fn total(&self) -> Result<Amount> {
        Amount::checked_sum(self.lines.iter().map(|line| line.amount))
    }

    fn position(&self, line_no: u32) -> Option<usize> {
        self.lines
            .binary_search_by_key(&line_no, |line| line.line_no)
            .ok()
    }

    fn unknown_line(&self, line_no: u32) -> Error {
        fail(RosterRule::UnknownLine {
            roster: self.id.clone(),
            line_no,
        })
    }

    /// The SHA-256 of the roster's content, as 64 lower-case hex digits.
    ///
    /// The content is the compact JSON (serde_json) of an object with, in this
    /// order: `format` (`"yikatong-roster/1"`), `id`, `project`, `period`,
    /// `township`, `kind`, `corrections` and `lines` (in line-number order, each with
    /// the fields of [`RosterLine`] in declaration order; maps and sets such as
    /// quantities and tags are ordered by key). Acknowledgements are not content:
    /// they record the review of the roster, not what it pays. The same roster gives
    /// the same hash on every machine and after a serde round trip; any change to a
    /// line changes it. Computed once and kept until the roster changes.
    pub fn content_hash(&self) -> String {
        self.hash
            .0
            .get_or_init(|| self.compute_content_hash())
            .clone()
    }

    fn compute_content_hash(&self) -> String {
        let canonical = Canonical {
            format: "yikatong-roster/1",
            id: &self.id,
            project: &self.project,
            period: self.period,
            township: self.township,
            kind: &self.kind,
            corrections: &self.corrections,
            lines: &self.lines,
        };
        let mut writer = HashWriter(Sha256::new());
        // Cannot fail: the writer never fails and every map key is a string.
        let _ = serde_json::to_writer(&mut writer, &canonical);
        crate::payment::lower_hex(&writer.0.finalize())
    }

    /// Builds the roster from the register: every beneficiary registered within the
    /// township whom the policy in force makes eligible with something due — for a
    /// per-household project one line per household, for its head, with the
    /// household's size — in ID order, with the account from
    /// [`Register::payment_account`]. People recorded as deceased on `on` are left
    /// out, as are people the policy does not make eligible (they would fill the
    /// report with most of the township). Lines with problems (no verified account,
    /// a bank without agreement, a project excluded by one held this period) are
    /// kept and reported, so that they block submission until corrected.
    pub fn build(
        header: RosterHeader,
        register: &Register,
        catalog: &PolicyCatalog,
        held: &HeldProjects,
        on: Date,
    ) -> Result<(Roster, ValidationReport)> {
        let mut checker = Checker::new(&header, register, catalog, held, on)?;
        let mut roster = Roster::empty(header, RosterKind::Original);
        let mut problems = Vec::new();
        let household_project = checker.project.payment_unit == PaymentUnit::Household;
        for person in register.beneficiaries() {
            if !person.village.is_within(roster.township) || person.is_deceased_on(on) {
                continue;
            }
            let payee = register.payee(person, checker.project);
            if household_project && payee != person.resident_id {
                continue;
            }
            let facts = person.facts(checker.household_size(person));
            let entitlement = match entitle(checker.policy, &facts, roster.period) {
                Ok(entitlement) => entitlement,
                Err(error) => {
                    // Not silently dropped: the person is reported without a line.
                    problems.push(Problem::new(
                        Some(RosterField::ResidentId),
                        person.resident_id.as_str(),
                        ProblemRule::ComputationFailed {
                            reason: error.to_string(),
                        },
                    ));
                    continue;
                }
            };
            if !entitlement.is_entitled() || entitlement.amount() == Amount::ZERO {
                continue;
            }
            let line_no = roster.next_line_no;
            let line = RosterLine {
                line_no,
                name: person.name.clone(),
                payee,
                facts,
                amount: entitlement.amount(),
                policy_document: Arc::clone(&checker.document),
                policy_version: checker.policy.version,
                account: register
                    .payment_account(&payee, &checker.project.code)
                    .map(PayeeAccount::from_register),
                stated_amount: None,
                source_line: None,
                note: None,
            };
            let start = problems.len();
            checker.check_payment(&line, &person.name, false, None, &mut problems);
            for problem in problems.get_mut(start..).unwrap_or_default() {
                problem.line_no = Some(line_no);
            }
            roster.lines.push(line);
            roster.next_line_no = line_no.saturating_add(1);
        }
        let accepted = roster.lines.len();
        Ok((roster, ValidationReport::finish(problems, accepted, 0)))
    }

    /// Takes in the records of a roster file. Every field is read and checked
    /// against the register and the policy; see the module documentation for the
    /// rules. File values of quantities, household size and income are used (with
    /// a warning where the register has another value); file tags are added to the
    /// registered ones, so a registered exclusion tag is never lost. The amount is
    /// always the one the policy gives; a stated amount is only compared with it.
    ///
    /// [`IntakeMode::Strict`]: any error gives [`RosterRule::Rejected`] with the
    /// full report, and no roster. [`IntakeMode::Lenient`]: the records without
    /// errors become lines (numbered from 1 in file order), the others are counted
    /// in `rejected` and their problems listed.
    ///
    /// `held` says which projects people already receive this period
    /// ([`HeldProjects::from_rosters`]). Fails as a whole only for a bad header or
    /// when no policy is in force.
    pub fn intake(
        header: RosterHeader,
        records: &[RosterRecord],
        register: &Register,
        catalog: &PolicyCatalog,
        held: &HeldProjects,
        mode: IntakeMode,
        on: Date,
    ) -> Result<(Roster, ValidationReport)> {
        let mut intake = RosterIntake::new(header, register, catalog, held, mode, on)?;
        intake.reserve(records.len());
        intake.take(records);
        intake.finish()
    }

    /// Checks the roster's lines again against the register, the catalogue and the
    /// projects held (after edits, or when the register changed): the beneficiary
    /// and payee are registered in the township and alive, the amount is not over
    /// what the line's policy version gives for its facts, the account is verified,
    /// the payee's own and at an agent bank of the county, and no payee is on two
    /// lines. Every problem carries its roster line.
    pub fn validate(
        &self,
        register: &Register,
        catalog: &PolicyCatalog,
        held: &HeldProjects,
        on: Date,
    ) -> Result<ValidationReport> {
        let header = RosterHeader::new(
            self.id.clone(),
            self.project.clone(),
            self.period,
            self.township,
        );
        let mut checker = Checker::new(&header, register, catalog, held, on)?;
        let mut problems = Vec::new();
        let mut seen: FastMap<ResidentId, u32> =
            FastMap::with_capacity_and_hasher(self.lines.len(), Default::default());
        for line in &self.lines {
            let start = problems.len();
            checker.recheck(line, catalog, &mut problems);
            if let Some(&first) = seen.get(&line.payee) {
                problems.push(Problem::new(
                    Some(RosterField::ResidentId),
                    line.facts.resident_id.as_str(),
                    ProblemRule::Duplicate {
                        first_line: None,
                        first_line_no: Some(first),
                    },
                ));
            } else {
                seen.insert(line.payee, line.line_no);
            }
            for problem in problems.get_mut(start..).unwrap_or_default() {
                problem.line_no = Some(line.line_no);
            }
        }
        Ok(ValidationReport::finish(problems, self.lines.len(), 0))
    }

    /// Explains line `line_no`'s amount in `language`, from the catalogue's policy
    /// version the line names.
    pub fn explain(
        &self,
        line_no: u32,
        catalog: &PolicyCatalog,
        language: Language,
    ) -> Result<String> {
        let line = self
            .line(line_no)
            .ok_or_else(|| self.unknown_line(line_no))?;
        let policy = line_policy(catalog, &self.project, self.township, line).ok_or_else(|| {
            fail(RosterRule::NoPolicy {
                project: self.project.clone(),
                township: self.township,
                period: self.period,
            })
        })?;
        line.explain(policy, self.period, language)
    }

    /// Records that the warning `key` was looked at and is accepted, by whom and why.
    /// Only warnings can be acknowledged; errors must be corrected.
    pub fn acknowledge(&mut self, key: ProblemKey, by: &str, reason: &str) -> Result<()> {
        if by.trim().is_empty() {
            return Err(fail(RosterRule::Blank {
                what: "the acknowledging person's id",
            }));
        }
        if reason.trim().is_empty() {
            return Err(fail(RosterRule::Blank {
                what: "the reason for the acknowledgement",
            }));
        }
        if self.position(key.line_no).is_none() {
            return Err(self.unknown_line(key.line_no));
        }
        if !is_warning_code(&key.rule) {
            return Err(fail(RosterRule::NotAcknowledgeable {
                line_no: key.line_no,
                rule: key.rule,
            }));
        }
        self.acknowledgements.push(Acknowledgement {
            key,
            by: by.to_owned(),
            reason: reason.to_owned(),
        });
        Ok(())
    }

    /// Whether this warning has been acknowledged.
    pub fn is_acknowledged(&self, key: &ProblemKey) -> bool {
        self.acknowledgements.iter().any(|ack| ack.key == *key)
    }

    /// The problems of `report` that keep the roster from being submitted: errors on
    /// lines of the roster (or of the register, with no line), and warnings on lines
    /// of the roster that are not acknowledged. Problems of records a lenient intake
    /// rejected, and of lines since removed, do not block.
    pub fn blocking_problems<'r>(&self, report: &'r ValidationReport) -> Vec<&'r Problem> {
        report
            .problems
            .iter()
            .filter(|problem| match (problem.line_no, problem.line) {
                (Some(line_no), _) => {
                    self.position(line_no).is_some()
                        && match problem.severity {
                            Severity::Error => true,
                            Severity::Warning => {
                                problem.key().is_none_or(|key| !self.is_acknowledged(&key))
                            }
                        }
                }
                // A rejected file record: not on the roster.
                (None, Some(_)) => false,
                // Found while building, with no line (e.g. a computation failed).
                (None, None) => problem.severity == Severity::Error,
            })
            .collect()
    }

    /// Fails while `report` has blocking problems ([`Roster::blocking_problems`]).
    pub fn ready_for_submission(&self, report: &ValidationReport) -> Result<()> {
        let blocking = self.blocking_problems(report);
        if blocking.is_empty() {
            return Ok(());
        }
        let errors = blocking
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        Err(fail(RosterRule::NotReady {
            errors,
            unacknowledged: blocking.len() - errors,
            first: quote(blocking.iter().copied()),
        }))
    }

    /// Removes a line (an objection upheld during the public notice, a person who
    /// should not be on it). Its number is not reused.
    pub fn remove_line(&mut self, line_no: u32) -> Result<RosterLine> {
        let at = self
            .position(line_no)
            .ok_or_else(|| self.unknown_line(line_no))?;
        self.hash = HashMemo::default();
        Ok(self.lines.remove(at))
    }

    /// Changes a line's amount, account or note. Acknowledgements of the line's
    /// warnings are withdrawn, since the warnings may have changed: validate again.
    pub fn amend_line(&mut self, line_no: u32, change: LineChange) -> Result<()> {
        self.hash = HashMemo::default();
        let Some(line) = self.position(line_no).and_then(|at| self.lines.get_mut(at)) else {
            return Err(self.unknown_line(line_no));
        };
        apply_change(line, change)?;
        self.acknowledgements
            .retain(|ack| ack.key.line_no != line_no);
        Ok(())
    }

    /// A supplementary roster (补充底册) that corrects this one, which is left as it
    /// is. It holds the added lines (numbered after this roster's last number) and
    /// the changed lines (with their numbers here), and records every correction
    /// with its reason; a cancelled line only has its record. All or nothing.
    pub fn supplementary(
        &self,
        id: impl Into<String>,
        corrections: Vec<Correction>,
    ) -> Result<Roster> {
        let id = id.into();
        check_header(&id, self.township)?;
        if corrections.is_empty() {
            return Err(fail(RosterRule::NoCorrections));
        }
        let mut touched: HashSet<u32> = HashSet::new();
        let mut cancelled: HashSet<u32> = HashSet::new();
        let mut lines: Vec<RosterLine> = Vec::new();
        let mut records: Vec<AppliedCorrection> = Vec::new();
        let mut additions: Vec<(RosterLine, String)> = Vec::new();
        for correction in corrections {
            let reason = match &correction {
                Correction::Add { reason, .. }
                | Correction::Cancel { reason, .. }
                | Correction::Change { reason, .. } => reason,
            };
            if reason.trim().is_empty() {
                return Err(fail(RosterRule::Blank {
                    what: "the reason for a correction",
                }));
            }
            match correction {
                Correction::Add { line, reason } => additions.push((*line, reason)),
                Correction::Cancel { line_no, reason } => {
                    self.position(line_no)
                        .ok_or_else(|| self.unknown_line(line_no))?;
                    if !touched.insert(line_no) {
                        return Err(fail(RosterRule::CorrectedTwice { line_no }));
                    }
                    cancelled.insert(line_no);
                    records.push(AppliedCorrection {
                        line_no,
                        action: CorrectionAction::Cancelled,
                        reason,
                    });
                }
                Correction::Change {
                    line_no,
                    change,
                    reason,
                } => {
                    let mut line = self
                        .line(line_no)
                        .cloned()
                        .ok_or_else(|| self.unknown_line(line_no))?;
                    if !touched.insert(line_no) {
                        return Err(fail(RosterRule::CorrectedTwice { line_no }));
                    }
                    apply_change(&mut line, change)?;
                    lines.push(line);
                    records.push(AppliedCorrection {
                        line_no,
                        action: CorrectionAction::Changed,
                        reason,
                    });
                }
            }
        }
        // Payees still on the original (not cancelled), and those added here.
        let mut payees: HashMap<ResidentId, u32> = self
            .lines
            .iter()
            .filter(|line| !cancelled.contains(&line.line_no))
            .map(|line| (line.payee, line.line_no))
            .collect();
        let mut next_line_no = self.next_line_no;
        for (mut line, reason) in additions {
            if let Some(&on) = payees.get(&line.payee) {
                return Err(fail(RosterRule::AlreadyOnRoster {
                    payee: line.payee.masked(),
                    line_no: on,
                }));
            }
            if line.amount == Amount::ZERO {
                return Err(fail(RosterRule::NonPositiveAmount {
                    line_no: next_line_no,
                    amount: line.amount,
                }));
            }
            line.line_no = next_line_no;
            payees.insert(line.payee, next_line_no);
            records.push(AppliedCorrection {
                line_no: next_line_no,
                action: CorrectionAction::Added,
                reason,
            });
            lines.push(line);
            next_line_no = next_line_no.checked_add(1).ok_or_else(|| {
                fail(RosterRule::Inconsistent {
                    detail: "no line numbers left".to_owned(),
                })
            })?;
        }
        lines.sort_by_key(|line| line.line_no);
        records.sort_by_key(|record| record.line_no);
        Ok(Roster {
            id,
            project: self.project.clone(),
            period: self.period,
            township: self.township,
            kind: RosterKind::Supplementary {
                corrects: self.id.clone(),
            },
            lines,
            next_line_no,
            corrections: records,
            acknowledgements: Vec::new(),
            hash: HashMemo::default(),
        })
    }

    /// The lines of this roster as corrected by `supplementary` (which must correct
    /// it): cancelled lines dropped, changed lines replaced, added lines appended.
    pub fn corrected_lines(&self, supplementary: &Roster) -> Result<Vec<RosterLine>> {
        if supplementary.kind
            != (RosterKind::Supplementary {
                corrects: self.id.clone(),
            })
        {
            return Err(fail(RosterRule::Inconsistent {
                detail: format!(
                    "roster {} does not correct roster {}",
                    supplementary.id, self.id
                ),
            }));
        }
        let actions: HashMap<u32, CorrectionAction> = supplementary
            .corrections
            .iter()
            .map(|record| (record.line_no, record.action))
            .collect();
        let mut lines: Vec<RosterLine> = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            match actions.get(&line.line_no) {
                Some(CorrectionAction::Cancelled) => {}
                Some(CorrectionAction::Changed) => {
                    if let Some(changed) = supplementary.line(line.line_no) {
                        lines.push(changed.clone());
                    }
                }
                _ => lines.push(line.clone()),
            }
        }
        lines.extend(
            supplementary
                .lines
                .iter()
                .filter(|line| actions.get(&line.line_no) == Some(&CorrectionAction::Added))
                .cloned(),
        );
        Ok(lines)
    }

    /// What changed since `previous` (the previous period's roster), by beneficiary:
    /// who is new, who is gone, whose amount or account (bank or number) changed.
    /// Each list is in ID order.
    pub fn diff(&self, previous: &Roster) -> RosterDiff {
        let (now, before) = (by_beneficiary(self), by_beneficiary(previous));
        let mut diff = RosterDiff::default();
        for (id, line) in &now {
            match before.get(id) {
                None => diff.added.push(DiffEntry::of(line)),
                Some(old) => {
                    if old.amount != line.amount {
                        diff.amount_changed.push(AmountChange {
                            beneficiary: *id,
                            name: line.name.clone(),
                            line_no: line.line_no,
                            old: old.amount,
                            new: line.amount,
                        });
                    }
                    let key = |account: &Option<PayeeAccount>| {
                        account
                            .as_ref()
                            .map(|a| (a.bank_code.clone(), a.number.as_str().to_owned()))
                    };
                    if key(&old.account) != key(&line.account) {
                        diff.account_changed.push(PayeeAccountChange {
                            beneficiary: *id,
                            name: line.name.clone(),
                            line_no: line.line_no,
                            old: old.account.clone(),
                            new: line.account.clone(),
                        });
                    }
                }
            }
        }
        for (id, line) in &before {
            if !now.contains_key(id) {
                diff.removed.push(DiffEntry::of(line));
            }
        }
        diff
    }
}

/// The first line of each beneficiary.
fn by_beneficiary(roster: &Roster) -> BTreeMap<ResidentId, &RosterLine> {
    let mut map: BTreeMap<ResidentId, &RosterLine> = BTreeMap::new();
    for line in &roster.lines {
        map.entry(line.beneficiary()).or_insert(line);
    }
    map
}

fn apply_change(line: &mut RosterLine, change: LineChange) -> Result<()> {
    if change == LineChange::default() {
        return Err(fail(RosterRule::NothingToChange {
            line_no: line.line_no,
        }));
    }
    if change.amount == Some(Amount::ZERO) {
        return Err(fail(RosterRule::NonPositiveAmount {
            line_no: line.line_no,
            amount: Amount::ZERO,
        }));
    }
    if let Some(amount) = change.amount {
        line.amount = amount;
    }
    if let Some(account) = change.account {
        line.account = Some(account);
    }
    if let Some(note) = change.note {
        line.note = Some(note);
    }
    Ok(())
}

/// The catalogue's version of `project` that `line` names, covering `township`.
fn line_policy<'c>(
    catalog: &'c PolicyCatalog,
    project: &str,
    township: RegionCode,
    line: &RosterLine,
) -> Option<&'c Policy> {
    catalog.policies().iter().find(|policy| {
        policy.project == project
            && policy.version == line.policy_version
            && *policy.document == *line.policy_document
            && policy.covers(township)
    })
}

// ---------------------------------------------------------------------------
// Diff

/// A line that is new or gone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiffEntry {
    /// The beneficiary.
    pub beneficiary: ResidentId,
    /// The name.
    pub name: CompactString,
    /// The line in its roster.
    pub line_no: u32,
    /// The amount.
    pub amount: Amount,
}

impl DiffEntry {
    fn of(line: &RosterLine) -> DiffEntry {
        DiffEntry {
            beneficiary: line.beneficiary(),
            name: line.name.clone(),
            line_no: line.line_no,
            amount: line.amount,
        }
    }
}

/// A beneficiary whose amount changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AmountChange {
    /// The beneficiary.
    pub beneficiary: ResidentId,
    /// The name.
    pub name: CompactString,
    /// The line in the newer roster.
    pub line_no: u32,
    /// The amount before.
    pub old: Amount,
    /// The amount now.
    pub new: Amount,
}

/// A beneficiary whose account (bank or number) changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PayeeAccountChange {
    /// The beneficiary.
    pub beneficiary: ResidentId,
    /// The name.
    pub name: CompactString,
    /// The line in the newer roster.
    pub line_no: u32,
    /// The account before.
    pub old: Option<PayeeAccount>,
    /// The account now.
    pub new: Option<PayeeAccount>,
}

/// What changed between two periods' rosters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RosterDiff {
    /// On the new roster only.
    pub added: Vec<DiffEntry>,
    /// On the previous roster only.
    pub removed: Vec<DiffEntry>,
    /// On both, with another amount.
    pub amount_changed: Vec<AmountChange>,
    /// On both, with another account.
    pub account_changed: Vec<PayeeAccountChange>,
}

impl RosterDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.amount_changed.is_empty()
            && self.account_changed.is_empty()
    }
}

// ---------------------------------------------------------------------------
// Projects held this period

/// Which projects people already receive in a period: the input to the check that a
/// person does not receive two projects that exclude each other.
///
/// Kept in a hash map: intake asks it about every line, and it may hold a county's
/// worth of people. Serialized in ID order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "HeldData")]
pub struct HeldProjects {
    held: FastMap<ResidentId, BTreeSet<String>>,
}

/// The serialized form of [`HeldProjects`].
#[derive(serde::Deserialize)]
struct HeldData {
    held: BTreeMap<ResidentId, BTreeSet<String>>,
}

impl From<HeldData> for HeldProjects {
    fn from(data: HeldData) -> HeldProjects {
        HeldProjects {
            held: data.held.into_iter().collect(),
        }
    }
}

impl serde::Serialize for HeldProjects {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct InOrder<'a> {
            held: BTreeMap<&'a ResidentId, &'a BTreeSet<String>>,
        }
        serde::Serialize::serialize(
            &InOrder {
                held: self.held.iter().collect(),
            },
            serializer,
        )
    }
}

impl HeldProjects {
    /// Nobody holds anything.
    pub fn new() -> HeldProjects {
        HeldProjects::default()
    }

    /// The beneficiaries and payees of the lines of `rosters` whose period overlaps
    /// `period`, with each roster's project.
    pub fn from_rosters(period: Period, rosters: &[&Roster]) -> HeldProjects {
        let mut held = HeldProjects::new();
        for roster in rosters {
            let other = roster.period;
            if other.first_day() > period.last_day() || period.first_day() > other.last_day() {
                continue;
            }
            for line in &roster.lines {
                held.insert(line.beneficiary(), roster.project.clone());
                held.insert(line.payee, roster.project.clone());
            }
        }
        held
    }

    /// Records that `person` receives `project` (e.g. from the host system's own data).
    pub fn insert(&mut self, person: ResidentId, project: impl Into<String>) {
        self.held.entry(person).or_default().insert(project.into());
    }

    /// Whether `person` receives `project`.
    pub fn holds(&self, person: &ResidentId, project: &str) -> bool {
        self.held
            .get(person)
            .is_some_and(|projects| projects.contains(project))
    }
}

// ---------------------------------------------------------------------------
// The checks

/// How many [`RosterField`]s there are besides quantities.
const FIXED_FIELDS: usize = 16;

/// The slot of a field that is not a quantity, for [`Layout::slots`].
fn fixed_slot(field: &RosterField) -> Option<usize> {
    Some(match field {
        RosterField::ResidentId => 0,
        RosterField::Name => 1,
        RosterField::HeadResidentId => 2,
        RosterField::HouseholdId => 3,
        RosterField::HouseholdMembers => 4,
        RosterField::Village => 5,
        RosterField::Phone => 6,
        RosterField::Tags => 7,
        RosterField::PerCapitaIncome => 8,
        RosterField::Bank => 9,
        RosterField::AccountKind => 10,
        RosterField::AccountNumber => 11,
        RosterField::HolderName => 12,
        RosterField::Amount => 13,
        RosterField::Note => 14,
        RosterField::Quantity(_) => return None,
    })
}

/// Where each field is among a file's columns: found once per file, not per cell.
#[derive(Default)]
struct Layout {
    /// The columns this layout is for (records of one file share them).
    columns: std::sync::Arc<[RosterField]>,
    /// Column index by [`fixed_slot`].
    slots: [Option<usize>; FIXED_FIELDS],
    /// The quantity columns' indexes, in field order.
    quantities: Vec<usize>,
}

impl Layout {
    fn of(record: &RosterRecord) -> Layout {
        let columns = std::sync::Arc::clone(record.columns());
        let mut slots = [None; FIXED_FIELDS];
        let mut quantities = Vec::new();
        for (index, field) in columns.iter().enumerate() {
            match fixed_slot(field).and_then(|slot| slots.get_mut(slot)) {
                Some(slot) => *slot = Some(index),
                None => quantities.push(index),
            }
        }
        quantities.sort_by(|a, b| columns.get(*a).cmp(&columns.get(*b)));
        Layout {
            columns,
            slots,
            quantities,
        }
    }

    fn fits(&self, record: &RosterRecord) -> bool {
        std::sync::Arc::ptr_eq(&self.columns, record.columns())
    }
}

/// A record with the layout of its columns.
struct Cells<'r> {
    record: &'r RosterRecord,
    layout: &'r Layout,
}

impl<'r> Cells<'r> {
    fn line(&self) -> u64 {
        self.record.line
    }

    fn get(&self, field: &RosterField) -> Option<&'r str> {
        match fixed_slot(field) {
            Some(slot) => self
                .layout
                .slots
                .get(slot)
                .copied()
                .flatten()
                .and_then(|index| self.record.cell(index)),
            None => self.record.get(field),
        }
    }

    /// The non-blank quantity cells, in field order.
    fn quantities(&self) -> impl Iterator<Item = (&'r RosterField, &'r str)> + 'r {
        let record = self.record;
        self.layout
            .quantities
            .iter()
            .filter_map(move |index| Some((record.columns().get(*index)?, record.cell(*index)?)))
    }
}

/// Records per chunk whose beneficiaries are found (and their memory read) before
/// their lines are made: enough misses in flight to hide the memory's latency, few
/// enough that what was read is still in the cache when the lines are made.
const PREFETCHED: usize = 64;

/// A roster intake fed its records a batch at a time, e.g. as a large file is read
/// (`yikatong_formats::read_roster_into`), so the file's records never all have to
/// be held at once. [`Roster::intake`] is this with every record in one batch; the
/// result does not depend on how the records are split into batches.
pub struct RosterIntake<'a> {
    checker: Checker<'a>,
    mode: IntakeMode,
    /// The lines accepted so far.
    roster: Roster,
    problems: Vec<Problem>,
    /// The first record of each payee.
    seen: FirstRecords,
    rejected: usize,
    /// The layout of the last record's columns.
    layout: Layout,
    /// The beneficiaries of the chunk being read ahead.
    found: Vec<Option<Found>>,
    /// The register position of the last beneficiary found.
    last_slot: usize,
}

impl fmt::Debug for RosterIntake<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RosterIntake")
            .field("roster", &self.roster.id)
            .field("lines", &self.roster.lines.len())
            .field("rejected", &self.rejected)
            .finish()
    }
}

impl<'a> RosterIntake<'a> {
    /// Starts taking in a roster; see [`Roster::intake`] for the rules. Fails only for
    /// a bad header or when no policy is in force.
    pub fn new(
        header: RosterHeader,
        register: &'a Register,
        catalog: &'a PolicyCatalog,
        held: &'a HeldProjects,
        mode: IntakeMode,
        on: Date,
    ) -> Result<RosterIntake<'a>> {
        let checker = Checker::new(&header, register, catalog, held, on)?;
        Ok(RosterIntake {
            checker,
            mode,
            roster: Roster::empty(header, RosterKind::Original),
            problems: Vec::new(),
            seen: FirstRecords::new(register.beneficiary_slots()),
            rejected: 0,
            layout: Layout::default(),
            found: Vec::with_capacity(PREFETCHED),
            last_slot: usize::MAX,
        })
    }

    /// Makes room for `lines` more lines.
    pub fn reserve(&mut self, lines: usize) {
        self.roster.lines.reserve(lines);
        self.seen.firsts.reserve(lines);
    }

    /// Takes in the next records of the file, in file order.
    pub fn take(&mut self, records: &[RosterRecord]) {
        let register = self.checker.register;
        // Taken out while lines are made (which borrows `self` mutably), kept between
        // calls to reuse their memory.
        let mut found = std::mem::take(&mut self.found);
        let mut layout = std::mem::take(&mut self.layout);
        for chunk in records.chunks(PREFETCHED) {
            // First find each record's beneficiary and read ahead what its line will
            // read, each step for the whole chunk, so that the cache misses of a
            // chunk overlap instead of queueing one line at a time.
            found.clear();
            for record in chunk {
                if !layout.fits(record) {
                    layout = Layout::of(record);
                }
                let cells = Cells {
                    record,
                    layout: &layout,
                };
                let id = cells.get(&RosterField::ResidentId);
                found.push(
                    id.and_then(|id| ResidentId::parse(id).ok())
                        .map(|id| (id, 0)),
                );
            }
            for known in &mut found {
                // In place: rebuilding the option costs the loop its overlap.
                if let Some((id, slot)) = known {
                    // Files usually list people in register order: try the next
                    // position before the hash lookup.
                    let next = self.last_slot.wrapping_add(1);
                    match register.beneficiary_position_near(id, next) {
                        Some(position) => {
                            *slot = position;
                            self.last_slot = position;
                        }
                        None => *known = None,
                    }
                }
            }
            for (_, slot) in found.iter().flatten() {
                std::hint::black_box(register.touch(*slot));
            }
            for (record, known) in chunk.iter().zip(&found) {
                if !layout.fits(record) {
                    layout = Layout::of(record);
                }
                self.take_record(
                    &Cells {
                        record,
                        layout: &layout,
                    },
                    *known,
                );
            }
        }
        self.found = found;
        self.layout = layout;
    }

    /// The roster and its validation report; in strict mode, [`RosterRule::Rejected`]
    /// instead if any record was rejected.
    pub fn finish(self) -> Result<(Roster, ValidationReport)> {
        let report =
            ValidationReport::finish(self.problems, self.roster.lines.len(), self.rejected);
        if self.mode == IntakeMode::Strict && self.rejected > 0 {
            return Err(fail(RosterRule::Rejected {
                report: Box::new(report),
            }));
        }
        Ok((self.roster, report))
    }

    /// Takes one record in: a line, or problems and a rejection.
    fn take_record(&mut self, cells: &Cells<'_>, known: Option<Found>) {
        let start = self.problems.len();
        let line = self.checker.intake_record(cells, known, &mut self.problems);
        let payee = line.as_ref().map(|(line, slot)| (line.payee, *slot));
        if let Some((line, payee_slot)) = &line {
            if let Some((first_line, first_line_no)) = self.seen.get(*payee_slot, &line.payee) {
                self.problems.push(Problem::new(
                    Some(RosterField::ResidentId),
                    line.facts.resident_id.as_str(),
                    ProblemRule::Duplicate {
                        first_line: Some(first_line),
                        first_line_no,
                    },
                ));
            }
        }
        let found = self.problems.get_mut(start..).unwrap_or_default();
        let has_error = found.iter().any(|p| p.severity == Severity::Error);
        match line {
            Some((mut line, _)) if !has_error => {
                let line_no = self.roster.next_line_no;
                line.line_no = line_no;
                for problem in found.iter_mut() {
                    problem.line = Some(cells.line());
                    problem.line_no = Some(line_no);
                }
                // No earlier record for this payee, or this one would be a duplicate.
                if let Some((payee, slot)) = payee {
                    self.seen.set(slot, payee, (cells.line(), Some(line_no)));
                }
                self.roster.lines.push(line);
                self.roster.next_line_no = line_no.saturating_add(1);
            }
            _ => {
                for problem in found.iter_mut() {
                    problem.line = Some(cells.line());
                }
                if let Some((payee, slot)) = payee {
                    if self.seen.get(slot, &payee).is_none() {
                        self.seen.set(slot, payee, (cells.line(), None));
                    }
                }
                self.rejected += 1;
            }
        }
    }
}

/// A record's beneficiary, found ahead of making its line: ID and register position.
type Found = (ResidentId, usize);

/// The first record for each payee: its file line and, if accepted, its roster line.
/// Kept by the payee's position in the register, so that a roster in register order
/// reads this in order too; payees not registered are kept by ID.
struct FirstRecords {
    /// By register position: 0 for none, else 1 + the index in `firsts`.
    by_slot: Vec<u32>,
    firsts: Vec<(u64, Option<u32>)>,
    unregistered: FastMap<ResidentId, (u64, Option<u32>)>,
}

impl FirstRecords {
    fn new(slots: usize) -> FirstRecords {
        FirstRecords {
            by_slot: vec![0; slots],
            firsts: Vec::new(),
            unregistered: FastMap::default(),
        }
    }

    fn get(&self, slot: Option<usize>, payee: &ResidentId) -> Option<(u64, Option<u32>)> {
        match slot {
            Some(slot) => {
                let index = self.by_slot.get(slot).copied()?.checked_sub(1)?;
                self.firsts.get(index as usize).copied()
            }
            None => self.unregistered.get(payee).copied(),
        }
    }

    fn set(&mut self, slot: Option<usize>, payee: ResidentId, first: (u64, Option<u32>)) {
        let entry = slot.and_then(|slot| self.by_slot.get_mut(slot));
        match entry {
            Some(index) => match index.checked_sub(1) {
                Some(known) => {
                    if let Some(slot) = self.firsts.get_mut(known as usize) {
                        *slot = first;
                    }
                }
                None => {
                    self.firsts.push(first);
                    *index = u32::try_from(self.firsts.len()).unwrap_or(u32::MAX);
                }
            },
            None => {
                self.unregistered.insert(payee, first);
            }
        }
    }
}

/// Everything fixed for one roster: looked up once, not per line.
struct Checker<'a> {
    project: &'a SubsidyProject,
    policy: &'a Policy,
    /// The policy's document number, shared by every line.
    document: Arc<str>,
    period: Period,
    township: RegionCode,
    register: &'a Register,
    held: &'a HeldProjects,
    /// Projects that cannot be received with this one, either way round.
    excluded: Vec<&'a str>,
    on: Date,
    /// (Bank code, social security card) → whether it may pay in the county on `on`;
    /// a file has few banks, so a short list.
    agreements: Vec<(CompactString, bool, bool)>,
}

impl<'a> Checker<'a> {
    fn new(
        header: &RosterHeader,
        register: &'a Register,
        catalog: &'a PolicyCatalog,
        held: &'a HeldProjects,
        on: Date,
    ) -> Result<Checker<'a>> {
        check_header(&header.id, header.township)?;
        let project = catalog.project(&header.project).ok_or_else(|| {
            fail(RosterRule::UnknownProject {
                code: header.project.clone(),
            })
        })?;
        if project.cycle.period_kind() != header.period.kind() {
            return Err(fail(RosterRule::PeriodDoesNotFitCycle {
                project: project.code.clone(),
                period: header.period,
                cycle: project.cycle.name_zh(),
            }));
        }
        let policy = catalog
            .policy_for_period(&project.code, header.township, header.period)
            .ok_or_else(|| {
                fail(RosterRule::NoPolicy {
                    project: project.code.clone(),
                    township: header.township,
                    period: header.period,
                })
            })?;
        let mut excluded: Vec<&str> = project.excludes.iter().map(String::as_str).collect();
        for other in catalog.projects() {
            if other.excludes(&project.code) && !excluded.contains(&other.code.as_str()) {
                excluded.push(&other.code);
            }
        }
        Ok(Checker {
            project,
            policy,
            document: Arc::from(policy.document.as_str()),
            period: header.period,
            township: header.township,
            register,
            held,
            excluded,
            on,
            agreements: Vec::new(),
        })
    }

    fn household_size(&self, person: &Beneficiary) -> u32 {
        self.register
            .household(&person.household_id)
            .map_or(1, crate::Household::size)
    }

    /// [`Register::bank_may_pay`] in the township, cached per bank and kind, since a
    /// file has few banks and many lines.
    fn may_pay(&mut self, account: &PayeeAccount) -> bool {
        let kind = account.number.kind();
        let card = kind == crate::AccountKind::SocialSecurityCard;
        if let Some(&(_, _, known)) = self
            .agreements
            .iter()
            .find(|(code, is_card, _)| *is_card == card && *code == account.bank_code)
        {
            return known;
        }
        let allowed = self
            .register
            .bank_may_pay(&account.bank_code, kind, self.township, self.on);
        self.agreements
            .push((account.bank_code.clone(), card, allowed));
        allowed
    }

    /// Account, agreement, holder name and excluded projects of a resolved line.
    /// `account_reported`: a problem with the file's account was already reported.
    /// `registered`: the register's account of the line, when already looked up.
    fn check_payment(
        &mut self,
        line: &RosterLine,
        payee_name: &str,
        account_reported: bool,
        registered: Option<&crate::Account>,
        out: &mut Vec<Problem>,
    ) {
        match &line.account {
            None if !account_reported => out.push(Problem::new(
                Some(RosterField::AccountNumber),
                "",
                ProblemRule::NoVerifiedAccount,
            )),
            None => {}
            Some(account) => self.check_account(line, account, payee_name, registered, out),
        }
        for code in &self.excluded {
            let holds = |person| self.held.holds(person, code);
            let beneficiary = line.beneficiary();
            if holds(&beneficiary) || (line.payee != beneficiary && holds(&line.payee)) {
                out.push(Problem::new(
                    None,
                    *code,
                    ProblemRule::ExcludedProject {
                        held: (*code).to_owned(),
                    },
                ));
            }
        }
    }

    fn check_account(
        &mut self,
        line: &RosterLine,
        account: &PayeeAccount,
        payee_name: &str,
        registered: Option<&crate::Account>,
        out: &mut Vec<Problem>,
    ) {
        let number = account.number.as_str();
        let registered = registered
            .filter(|registered| registered.number.as_str() == number)
            .or_else(|| self.register.account(number));
        let Some(registered) = registered else {
            out.push(Problem::new(
                Some(RosterField::AccountNumber),
                number,
                ProblemRule::AccountNotInRegister,
            ));
            return;
        };
        if registered.holder != line.payee {
            out.push(Problem::new(
                Some(RosterField::AccountNumber),
                number,
                ProblemRule::AccountOfAnotherPerson {
                    holder: registered.holder.masked(),
                },
            ));
        } else if !registered.is_payable() {
            out.push(Problem::new(
                Some(RosterField::AccountNumber),
                number,
                ProblemRule::AccountNotPayable {
                    status: registered.status.to_string(),
                },
            ));
        }
        if !self.may_pay(account) {
            out.push(Problem::new(
                Some(RosterField::Bank),
                account.bank_code.as_str(),
                ProblemRule::NoAgreement {
                    bank_code: account.bank_code.to_string(),
                    county: self.township.truncate(RegionLevel::County),
                },
            ));
        }
        if !same_name(&account.holder_name, payee_name) {
            out.push(Problem::new(
                Some(RosterField::HolderName),
                account.holder_name.as_str(),
                ProblemRule::HolderNameDiffers {
                    holder_name: account.holder_name.to_string(),
                    name: payee_name.to_owned(),
                },
            ));
        }
        if account.number.warning().is_some() {
            out.push(Problem::new(
                Some(RosterField::AccountNumber),
                number,
                ProblemRule::AccountNumberUnchecked,
            ));
        }
    }

    /// Reads a record's ID and finds its beneficiary, pushing the problem if either fails.
    fn identify<'r>(
        register: &'a Register,
        id_text: Option<&'r str>,
        out: &mut Vec<Problem>,
    ) -> Option<(&'r str, ResidentId, usize, &'a Beneficiary)> {
        let Some(id_text) = id_text else {
            out.push(Problem::new(
                Some(RosterField::ResidentId),
                "",
                ProblemRule::Blank,
            ));
            return None;
        };
        let id = match ResidentId::parse(id_text) {
            Ok(id) => id,
            Err(error) => {
                out.push(Problem::new(
                    Some(RosterField::ResidentId),
                    id_text,
                    ProblemRule::InvalidResidentId {
                        reason: rule_text(&error),
                    },
                ));
                return None;
            }
        };
        let Some((slot, person)) = register.beneficiary_slot(&id) else {
            out.push(Problem::new(
                Some(RosterField::ResidentId),
                id_text,
                ProblemRule::NotInRegister,
            ));
            return None;
        };
        Some((id_text, id, slot, person))
    }

    /// Reads one record into a line, pushing its problems; with the line, the payee's
    /// position in the register if registered. `None` when the record cannot become a
    /// line at all (no valid ID, not in the register).
    fn intake_record(
        &mut self,
        record: &Cells<'_>,
        known: Option<Found>,
        out: &mut Vec<Problem>,
    ) -> Option<(RosterLine, Option<usize>)> {
        let register = self.register;
        let id_text = record.get(&RosterField::ResidentId);
        let known = known.and_then(|(id, slot)| Some((id, slot, register.beneficiary_at(slot)?)));
        let (id_text, id, slot, person) = match (id_text, known) {
            (Some(id_text), Some((id, slot, person))) => (id_text, id, slot, person),
            _ => Self::identify(register, id_text, out)?,
        };

        // Identity: village, name, household, head.
        if let Some(text) = record.get(&RosterField::Village) {
            match RegionCode::parse(text) {
                Err(error) => out.push(unreadable(RosterField::Village, text, &error)),
                Ok(village) if village != person.village => out.push(Problem::new(
                    Some(RosterField::Village),
                    text,
                    ProblemRule::DiffersFromRegister {
                        registered: person.village.to_short_string(),
                    },
                )),
                Ok(_) => {}
            }
        }
        if !person.village.is_within(self.township) {
            out.push(Problem::new(
                Some(RosterField::Village),
                person.village.to_short_string(),
                ProblemRule::OutsideTownship {
                    region: person.village,
                    township: self.township,
                },
            ));
        }
        if let Some(name) = record.get(&RosterField::Name) {
            if !same_name(name, &person.name) {
                out.push(differs(RosterField::Name, name, &person.name));
            }
        }
        if let Some(household) = record.get(&RosterField::HouseholdId) {
            if household != person.household_id {
                out.push(differs(
                    RosterField::HouseholdId,
                    household,
                    &person.household_id,
                ));
            }
        }
        if let Some(died) = person
            .deceased_on
            .filter(|_| person.is_deceased_on(self.on))
        {
            out.push(Problem::new(
                Some(RosterField::ResidentId),
                id_text,
                ProblemRule::Deceased { on: died },
            ));
        }
        let registered_household = register.linked_household(slot, person);
        if let Some(text) = record.get(&RosterField::HeadResidentId) {
            match ResidentId::parse(text) {
                Err(error) => out.push(Problem::new(
                    Some(RosterField::HeadResidentId),
                    text,
                    ProblemRule::InvalidResidentId {
                        reason: rule_text(&error),
                    },
                )),
                Ok(head) => {
                    if let Some(household) = registered_household.filter(|h| h.head != head) {
                        out.push(differs(
                            RosterField::HeadResidentId,
                            text,
                            household.head.as_str(),
                        ));
                    }
                }
            }
        }
        // `Register::payee`, with the household already looked up.
        let payee = match self.project.payment_unit {
            PaymentUnit::Person => person.resident_id,
            PaymentUnit::Household => {
                registered_household.map_or(person.resident_id, |household| household.head)
            }
        };
        let (payee_slot, payee_person) = if payee == id {
            (Some(slot), person)
        } else if let Some((head_slot, head)) = register.beneficiary_slot(&payee) {
            if let Some(died) = head.deceased_on.filter(|_| head.is_deceased_on(self.on)) {
                out.push(Problem::new(
                    Some(RosterField::HeadResidentId),
                    payee.as_str(),
                    ProblemRule::Deceased { on: died },
                ));
            }
            (Some(head_slot), head)
        } else {
            out.push(Problem::new(
                Some(RosterField::HeadResidentId),
                payee.as_str(),
                ProblemRule::NotInRegister,
            ));
            (None, person)
        };

        // Facts: the register's, with the file's values where it states them.
        let registered_size = registered_household.map(crate::Household::size);
        let mut members = registered_size.unwrap_or(1);
        if let Some(text) = record.get(&RosterField::HouseholdMembers) {
            match text.parse::<u32>() {
                Ok(n) if n >= 1 => {
                    if registered_size.is_some_and(|size| size != n) {
                        out.push(fact_differs(
                            RosterField::HouseholdMembers,
                            text,
                            registered_size.unwrap_or(1).to_string(),
                        ));
                    }
                    members = n;
                }
                _ => out.push(Problem::new(
                    Some(RosterField::HouseholdMembers),
                    text,
                    ProblemRule::Unreadable {
                        reason: "expected a whole number of household members, at least 1"
                            .to_owned(),
                    },
                )),
            }
        }
        let mut facts = person.facts(members);
        for (field, text) in record.quantities() {
            let RosterField::Quantity(name) = field else {
                continue;
            };
            match Decimal::from_str(text) {
                Ok(value) if !value.is_sign_negative() => {
                    if let Some(old) = person.quantities.get(name).filter(|old| **old != value) {
                        out.push(fact_differs(
                            field.clone(),
                            text,
                            old.normalize().to_string(),
                        ));
                    }
                    // Unchanged values leave the register's quantities shared.
                    if facts.quantities.get(name) != Some(&value) {
                        facts.quantities.insert(name.as_str(), value);
                    }
                }
                _ => out.push(Problem::new(
                    Some(field.clone()),
                    text,
                    ProblemRule::Unreadable {
                        reason: "expected a number that is not negative, such as 35.5".to_owned(),
                    },
                )),
            }
        }
        if let Some(text) = record.get(&RosterField::PerCapitaIncome) {
            match Amount::parse(text) {
                Ok(income) => {
                    if let Some(old) = person.per_capita_income.filter(|old| *old != income) {
                        out.push(fact_differs(
                            RosterField::PerCapitaIncome,
                            text,
                            old.to_string(),
                        ));
                    }
                    facts.per_capita_income = Some(income);
                }
                Err(error) => out.push(unreadable(RosterField::PerCapitaIncome, text, &error)),
            }
        }
        if let Some(text) = record.get(&RosterField::Tags) {
            for tag in text.split([';', '；']).map(str::trim) {
                if !tag.is_empty() && !facts.tags.contains(tag) {
                    facts.tags.insert(tag.to_owned());
                }
            }
        }

        // The amount. Most lines are due one and need no explanation: the computation's
        // steps are recorded only to explain a line that is not.
        let due = match amount_due(self.policy, &facts, self.period) {
            Ok((due, Outcome::Entitled)) if due != Amount::ZERO => Some(due),
            _ => {
                out.push(self.nothing_due(&facts));
                None
            }
        };
        let entitled = due.is_some();
        let amount = due.unwrap_or(Amount::ZERO);
        let mut stated_amount = None;
        if let Some(text) = record.get(&RosterField::Amount) {
            match Amount::parse(text) {
                Err(error) => out.push(unreadable(RosterField::Amount, text, &error)),
                Ok(stated) => {
                    stated_amount = Some(stated);
                    if entitled && stated > amount {
                        out.push(Problem::new(
                            Some(RosterField::Amount),
                            text,
                            ProblemRule::StatedAmountOver {
                                stated,
                                standard: amount,
                            },
                        ));
                    } else if entitled && stated < amount {
                        out.push(Problem::new(
                            Some(RosterField::Amount),
                            text,
                            ProblemRule::StatedAmountUnder {
                                stated,
                                standard: amount,
                            },
                        ));
                    }
                }
            }
        }

        // The account: the file's, which must be registered, else the register's choice.
        let (registered, account_reported) = self.file_account(record, &payee, payee_slot, out);
        let mut account = registered.map(PayeeAccount::from_register);
        if let (Some(text), Some(chosen)) = (record.get(&RosterField::Bank), &account) {
            // The bank as its code (usual) or its name.
            let named = || {
                register
                    .bank(&chosen.bank_code)
                    .is_some_and(|bank| bank.name == text)
            };
            if text != chosen.bank_code && !named() {
                out.push(differs(RosterField::Bank, text, &chosen.bank_code));
            }
        }
        if let (Some(holder), Some(chosen)) = (record.get(&RosterField::HolderName), &mut account) {
            chosen.holder_name = CompactString::from(holder);
        }

        let line = RosterLine {
            line_no: 0,
            name: person.name.clone(),
            payee,
            facts,
            amount,
            policy_document: Arc::clone(&self.document),
            policy_version: self.policy.version,
            account,
            stated_amount,
            source_line: Some(record.line()),
            note: record.get(&RosterField::Note).map(str::to_owned),
        };
        self.check_payment(&line, &payee_person.name, account_reported, registered, out);
        Some((line, payee_slot))
    }

    /// Why `facts` are due nothing: the computation again, with its steps, to explain.
    fn nothing_due(&self, facts: &BeneficiaryFacts) -> Problem {
        let rule = match entitle(self.policy, facts, self.period) {
            Err(error) => ProblemRule::ComputationFailed {
                reason: error.to_string(),
            },
            Ok(entitlement) if !entitlement.is_entitled() => ProblemRule::NotEligible {
                explanation_en: entitlement.explanation_en(),
                explanation_zh: entitlement.explanation_zh(),
            },
            Ok(entitlement) => ProblemRule::NothingDue {
                explanation_en: entitlement.explanation_en(),
                explanation_zh: entitlement.explanation_zh(),
            },
        };
        Problem::new(None, "", rule)
    }

    /// The account a record names, or the register's choice for the payee; and
    /// whether a problem with the file's account was already reported.
    fn file_account<'p>(
        &self,
        record: &Cells<'_>,
        payee: &'p ResidentId,
        payee_slot: Option<usize>,
        out: &mut Vec<Problem>,
    ) -> (Option<&'p crate::Account>, bool)
    where
        'a: 'p,
    {
        let register = self.register;
        let Some(text) = record.get(&RosterField::AccountNumber) else {
            let chosen = register.payment_account(payee, &self.project.code);
            return (chosen, false);
        };
        let kind = match record.get(&RosterField::AccountKind) {
            None => None,
            Some(kind_text) => match parse_account_kind(kind_text) {
                Some(kind) => Some(kind),
                None => {
                    out.push(Problem::new(
                        Some(RosterField::AccountKind),
                        kind_text,
                        ProblemRule::Unreadable {
                            reason: "expected 社会保障卡, 银行卡 or 存折 (social_security_card, \
                                     bank_card or passbook)"
                                .to_owned(),
                        },
                    ));
                    return (None, true);
                }
            },
        };
        // Without a stated kind, the registered account's kind (else a bank card).
        let registered = if text.bytes().all(|b| b.is_ascii_digit()) {
            register.linked_account(payee_slot, text)
        } else {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            register.linked_account(payee_slot, &digits)
        };
        // The registered account as written: its number was checked when registered.
        if let Some(account) = registered.filter(|account| {
            account.number.as_str() == text && kind.is_none_or(|kind| kind == account.kind())
        }) {
            return (Some(account), false);
        }
        let kind = kind
            .or_else(|| registered.map(crate::Account::kind))
            .unwrap_or(AccountKind::BankCard);
        let number = match AccountNumber::parse(text, kind) {
            Ok(number) => number,
            Err(error) => {
                out.push(unreadable(RosterField::AccountNumber, text, &error));
                return (None, true);
            }
        };
        match registered {
            None => {
                out.push(Problem::new(
                    Some(RosterField::AccountNumber),
                    text,
                    ProblemRule::AccountNotInRegister,
                ));
                (None, true)
            }
            Some(account) => {
                if account.kind() != number.kind() {
                    out.push(differs(
                        RosterField::AccountKind,
                        number.kind().name_zh(),
                        account.kind().name_zh(),
                    ));
                }
                (Some(account), false)
            }
        }
    }

    /// The checks of [`Roster::validate`] for one line.
    fn recheck(&mut self, line: &RosterLine, catalog: &PolicyCatalog, out: &mut Vec<Problem>) {
        let register = self.register;
        let id_text = line.facts.resident_id.as_str();
        let Some(person) = register.beneficiary(&line.facts.resident_id) else {
            out.push(Problem::new(
                Some(RosterField::ResidentId),
                id_text,
                ProblemRule::NotInRegister,
            ));
            return;
        };
        if !person.village.is_within(self.township) {
            out.push(Problem::new(
                Some(RosterField::Village),
                person.village.to_short_string(),
                ProblemRule::OutsideTownship {
                    region: person.village,
                    township: self.township,
                },
            ));
        }
        if let Some(died) = person
            .deceased_on
            .filter(|_| person.is_deceased_on(self.on))
        {
            out.push(Problem::new(
                Some(RosterField::ResidentId),
                id_text,
                ProblemRule::Deceased { on: died },
            ));
        }
        let payee = register.payee(person, self.project);
        if payee != line.payee {
            out.push(differs(
                RosterField::HeadResidentId,
                line.payee.as_str(),
                payee.as_str(),
            ));
        }
        let payee_name = register
            .beneficiary(&line.payee)
            .map_or(line.name.as_str(), |payee| payee.name.as_str());
        match line_policy(catalog, &self.project.code, self.township, line) {
            None => out.push(Problem::new(
                None,
                &*line.policy_document,
                ProblemRule::ComputationFailed {
                    reason: format!(
                        "version {} of {} is not in the catalogue",
                        line.policy_version, line.policy_document
                    ),
                },
            )),
            Some(policy) => match entitle(policy, &line.facts, self.period) {
                Err(error) => out.push(Problem::new(
                    None,
                    "",
                    ProblemRule::ComputationFailed {
                        reason: error.to_string(),
                    },
                )),
                Ok(entitlement) if !entitlement.is_entitled() => out.push(Problem::new(
                    None,
                    "",
                    ProblemRule::NotEligible {
                        explanation_en: entitlement.explanation_en(),
                        explanation_zh: entitlement.explanation_zh(),
                    },
                )),
                Ok(entitlement) if line.amount > entitlement.amount() => {
                    out.push(Problem::new(
                        Some(RosterField::Amount),
                        line.amount.to_string(),
                        ProblemRule::AmountOverStandard {
                            amount: line.amount,
                            standard: entitlement.amount(),
                        },
                    ));
                }
                Ok(_) => {}
            },
        }
        self.check_payment(line, payee_name, false, None, out);
    }
}

/// The rule of a parsing error, without the value (the problem shows the value).
fn rule_text(error: &Error) -> String {
    match error {
        Error::ResidentId { rule, .. } => rule.to_string(),
        Error::AccountNumber { rule, .. } => rule.to_string(),
        Error::Amount { rule, .. } => rule.to_string(),
        Error::RegionCode { rule, .. } => rule.to_string(),
        other => other.to_string(),
    }
}

#[cold]
#[inline(never)]
fn unreadable(field: RosterField, text: &str, error: &Error) -> Problem {
    Problem::new(
        Some(field),
        text,
        ProblemRule::Unreadable {
            reason: rule_text(error),
        },
    )
}

#[cold]
#[inline(never)]
fn differs(field: RosterField, text: &str, registered: &str) -> Problem {
    Problem::new(
        Some(field),
        text,
        ProblemRule::DiffersFromRegister {
            registered: registered.to_owned(),
        },
    )
}

#[cold]
#[inline(never)]
fn fact_differs(field: RosterField, text: &str, registered: String) -> Problem {
    Problem::new(
        Some(field),
        text,
        ProblemRule::FactDiffersFromRegister { registered },
    )
}

fn parse_account_kind(text: &str) -> Option<AccountKind> {
    let lower = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    match lower.as_str() {
        "社会保障卡" | "社保卡" | "social_security_card" | "socialsecuritycard" => {
            Some(AccountKind::SocialSecurityCard)
        }
        "银行卡" | "bank_card" | "bankcard" => Some(AccountKind::BankCard),
        "存折" | "passbook" => Some(AccountKind::Passbook),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Account, AccountStatus, AgencyAgreement, AgentBank, CreditCode, Household};
    use proptest::prelude::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const CATALOG: &str = r#"{
      "projects": [
        { "code": "CYSTBH-JM", "name": "草原生态保护补助奖励·禁牧补助", "name_en": "Grazing ban subsidy",
          "category": "agriculture",
          "department": { "name": "内蒙古自治区林业和草原局", "credit_code": "111500000116068800" },
          "payment_unit": "household", "cycle": "yearly",
          "deadline": { "working_day": 10, "month": "last" }, "excludes": ["CYSTBH-CXPH"] },
        { "code": "CYSTBH-CXPH", "name": "草原生态保护补助奖励·草畜平衡奖励", "name_en": "Balance reward",
          "category": "agriculture",
          "department": { "name": "内蒙古自治区林业和草原局", "credit_code": "111500000116068800" },
          "payment_unit": "household", "cycle": "yearly",
          "deadline": { "working_day": 10, "month": "last" } },
        { "code": "GLJT", "name": "高龄津贴", "name_en": "Old-age allowance", "category": "people",
          "department": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068800" },
          "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 } }
      ],
      "policies": [
        { "project": "CYSTBH-JM", "name": "草原生态保护补助奖励（禁牧补助）", "document": "内财农〔2021〕780号",
          "issuer": { "name": "内蒙古自治区财政厅", "credit_code": "111500000116068800" },
          "level": "region", "scope": ["15"], "effective_from": "2021-01-01", "version": 1,
          "standard": { "per": "year",
            "basis": { "kind": "per_unit", "quantity": "grassland_mu", "unit": "grassland_mu", "rate": "7.50" },
            "floor": { "amount": "500.00", "per": "household" },
            "cap": { "amount": "30000.00", "per": "household" } },
          "eligibility": { "rule": "quantity", "name": "grassland_mu", "above": "0" },
          "funding_shares": { "central": "100" } },
        { "project": "CYSTBH-CXPH", "name": "草原生态保护补助奖励（草畜平衡奖励）", "document": "内财农〔2021〕780号",
          "issuer": { "name": "内蒙古自治区财政厅", "credit_code": "111500000116068800" },
          "level": "region", "scope": ["15"], "effective_from": "2021-01-01", "version": 1,
          "standard": { "per": "year",
            "basis": { "kind": "per_unit", "quantity": "grassland_mu", "unit": "grassland_mu", "rate": "2.50" } },
          "eligibility": { "rule": "quantity", "name": "grassland_mu", "above": "0" },
          "funding_shares": { "central": "100" } },
        { "project": "GLJT", "name": "高龄津贴", "document": "内民政发〔2022〕37号",
          "issuer": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068800" },
          "level": "region", "scope": ["15"], "effective_from": "2022-01-01", "version": 1,
          "standard": { "per": "month", "basis": { "kind": "age_bands", "bands": [
            { "from": 80, "to": 89, "amount": "100.00" },
            { "from": 90, "to": 99, "amount": "300.00" },
            { "from": 100, "amount": "800.00" } ] } },
          "eligibility": { "rule": "age", "min": 80 },
          "funding_shares": { "region": "50", "county": "50" } }
      ]
    }"#;

    const ON: Date = date!(2026 - 11 - 02);

    /// A valid resident ID from its first 17 digits.
    fn pid(first17: &str) -> std::result::Result<ResidentId, Box<dyn std::error::Error>> {
        let check = ResidentId::check_character(first17.as_bytes()).ok_or("17 digits")?;
        Ok(ResidentId::parse(&format!("{first17}{check}"))?)
    }

    /// A Luhn-valid card number from its body.
    fn card(body: &str) -> String {
        (0..10u32)
            .map(|d| format!("{body}{d}"))
            .find(|n| AccountNumber::parse(n, AccountKind::BankCard).is_ok())
            .unwrap_or_default()
    }

    struct People {
        a: ResidentId,
        a2: ResidentId,
        b: ResidentId,
        c: ResidentId,
        d: ResidentId,
        e: ResidentId,
        f: ResidentId,
        g: ResidentId,
        elder: ResidentId,
        young: ResidentId,
    }

    struct Fixture {
        register: Register,
        catalog: PolicyCatalog,
        people: People,
        township: RegionCode,
        card_a: String,
        card_b: String,
    }

    fn fixture() -> std::result::Result<Fixture, Box<dyn std::error::Error>> {
        let catalog = PolicyCatalog::from_json("test", CATALOG)?;
        let township = RegionCode::parse("150422100")?;
        let village = RegionCode::parse("150422100001")?;
        let elsewhere = RegionCode::parse("150422101001")?;
        let people = People {
            a: pid("15042219500101001")?,
            a2: pid("15042219520202002")?,
            b: pid("15042219600303003")?,
            c: pid("15042219700404004")?,
            d: pid("15042219800505005")?,
            e: pid("15042219550606006")?,
            f: pid("15042219450707007")?,
            g: pid("15042219650808008")?,
            elder: pid("15042219400301002")?,
            young: pid("15042219700301002")?,
        };
        let mut register = Register::new();
        let credit = CreditCode::parse("111500000116068800")?;
        register.upsert_bank(AgentBank {
            code: "NXS".into(),
            name: "内蒙古农村信用社联合社".into(),
            credit_code: credit,
            issues_social_security_cards: true,
        });
        register.upsert_bank(AgentBank {
            code: "ICBC".into(),
            name: "中国工商银行".into(),
            credit_code: credit,
            issues_social_security_cards: false,
        });
        register.add_agreement(AgencyAgreement {
            bank_code: "NXS".into(),
            county: RegionCode::parse("150422")?,
            valid_from: date!(2020 - 01 - 01),
            valid_to: None,
        });
        let grass = |mut person: Beneficiary, mu: i64| {
            person.quantities.insert("grassland_mu", Decimal::from(mu));
            person
        };
        let p = &people;
        let entries = [
            (
                grass(Beneficiary::new(p.a, "巴特尔", "H1", village), 100),
                vec![p.a2],
            ),
            (Beneficiary::new(p.a2, "其其格", "H1", village), vec![]),
            (
                grass(Beneficiary::new(p.b, "王五", "H2", village), 20),
                vec![],
            ),
            (
                grass(Beneficiary::new(p.c, "李四", "H3", village), 5000),
                vec![],
            ),
            (Beneficiary::new(p.d, "赵六", "H4", village), vec![]),
            (
                grass(Beneficiary::new(p.e, "钱八", "H5", elsewhere), 50),
                vec![],
            ),
            (
                Beneficiary {
                    deceased_on: Some(date!(2026 - 03 - 01)),
                    ..grass(Beneficiary::new(p.f, "周九", "H6", village), 10)
                },
                vec![],
            ),
            (
                grass(Beneficiary::new(p.g, "孙七", "H7", village), 40),
                vec![],
            ),
            (Beneficiary::new(p.elder, "吴老", "H8", village), vec![]),
            (Beneficiary::new(p.young, "郑十", "H9", village), vec![]),
        ];
        for (person, members) in entries {
            if person.resident_id != p.a2 {
                register.upsert_household(Household::new(
                    person.household_id.clone(),
                    person.resident_id,
                    members,
                ));
            }
            register.upsert_beneficiary(person);
        }
        let card_a = card("621700000000000001");
        let card_b = card("622848000000000001");
        let card_g = card("622202000000000001");
        let card_elder = card("621700000000000002");
        let mut add = |holder: ResidentId, name: &str, bank: &str, number: &str, kind| {
            AccountNumber::parse(number, kind).map(|number| {
                let mut account = Account::new(holder, name, bank, number);
                account.status = AccountStatus::Verified;
                register.upsert_account(account);
            })
        };
        add(
            p.a,
            "巴特尔",
            "NXS",
            &card_a,
            AccountKind::SocialSecurityCard,
        )?;
        add(p.b, "王某", "NXS", &card_b, AccountKind::BankCard)?;
        add(p.g, "孙七", "ICBC", &card_g, AccountKind::BankCard)?;
        add(
            p.elder,
            "吴老",
            "NXS",
            &card_elder,
            AccountKind::SocialSecurityCard,
        )?;
        Ok(Fixture {
            register,
            catalog,
            people,
            township,
            card_a,
            card_b,
        })
    }

    fn jm_header(f: &Fixture) -> Result<RosterHeader> {
        Ok(RosterHeader::new(
            "JM-2026-150422100",
            "CYSTBH-JM",
            Period::year(2026)?,
            f.township,
        ))
    }

    fn rec(line: u64, cells: &[(RosterField, &str)]) -> RosterRecord {
        RosterRecord::from_cells(line, cells.iter().cloned())
    }

    fn id_cell(id: ResidentId) -> (RosterField, String) {
        (RosterField::ResidentId, id.to_string())
    }

    fn intake(
        f: &Fixture,
        records: &[RosterRecord],
        held: &HeldProjects,
        mode: IntakeMode,
    ) -> Result<(Roster, ValidationReport)> {
        Roster::intake(
            jm_header(f)?,
            records,
            &f.register,
            &f.catalog,
            held,
            mode,
            ON,
        )
    }

    fn lenient(
        f: &Fixture,
        records: &[RosterRecord],
    ) -> std::result::Result<(Roster, ValidationReport), Box<dyn std::error::Error>> {
        Ok(intake(
            f,
            records,
            &HeldProjects::new(),
            IntakeMode::Lenient,
        )?)
    }

    fn one(f: &Fixture, cells: &[(RosterField, &str)]) -> Result<ValidationReport> {
        Ok(intake(
            f,
            &[rec(2, cells)],
            &HeldProjects::new(),
            IntakeMode::Lenient,
        )?
        .1)
    }

    fn codes(report: &ValidationReport) -> Vec<&'static str> {
        report.problems.iter().map(|p| p.rule.code()).collect()
    }

    fn build(f: &Fixture) -> Result<(Roster, ValidationReport)> {
        Roster::build(
            jm_header(f)?,
            &f.register,
            &f.catalog,
            &HeldProjects::new(),
            ON,
        )
    }

    #[test]
    fn build_lists_each_eligible_household_once_with_amount_and_account() -> TestResult {
        let f = fixture()?;
        let (roster, report) = build(&f)?;
        let p = &f.people;
        let got: Vec<(u32, ResidentId, String)> = roster
            .lines()
            .iter()
            .map(|l| (l.line_no, l.facts.resident_id, l.amount.to_string()))
            .collect();
        // ID order; member a2, ineligible d, e outside the township and deceased f left out.
        assert_eq!(
            got,
            vec![
                (1, p.a, "750.00".to_owned()),
                (2, p.b, "500.00".to_owned()),
                (3, p.g, "500.00".to_owned()),
                (4, p.c, "30000.00".to_owned()),
            ]
        );
        let first = roster.line(1).ok_or("line 1")?;
        assert_eq!(first.payee, p.a);
        assert_eq!(first.facts.household_members, 2);
        assert_eq!(&*first.policy_document, "内财农〔2021〕780号");
        assert_eq!(
            first.account.as_ref().map(|a| a.number.as_str()),
            Some(f.card_a.as_str())
        );
        assert_eq!(report.accepted, 4);
        let found: Vec<(Option<u32>, &str, Severity)> = report
            .problems
            .iter()
            .map(|p| (p.line_no, p.rule.code(), p.severity))
            .collect();
        assert_eq!(
            found,
            vec![
                (Some(2), "holder_name_differs", Severity::Warning),
                (Some(3), "no_agreement", Severity::Error),
                (Some(4), "no_verified_account", Severity::Error),
            ]
        );
        assert!(roster.ready_for_submission(&report).is_err());
        Ok(())
    }

    #[test]
    fn header_problems_fail_the_whole_roster() -> TestResult {
        let f = fixture()?;
        let none = HeldProjects::new();
        let attempt = |header: RosterHeader| {
            Roster::build(header, &f.register, &f.catalog, &none, ON)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let year = Period::year(2026)?;
        let county = RegionCode::parse("150422")?;
        assert!(
            attempt(RosterHeader::new("X", "CYSTBH-JM", year, county)).contains("not a township")
        );
        assert!(attempt(RosterHeader::new(" ", "CYSTBH-JM", year, f.township)).contains("blank"));
        assert!(attempt(RosterHeader::new("X", "NOPE", year, f.township)).contains("\"NOPE\""));
        let month = Period::month(2026, 11)?;
        assert!(attempt(RosterHeader::new("X", "CYSTBH-JM", month, f.township)).contains("按年"));
        let early = Period::year(2019)?;
        assert!(
            attempt(RosterHeader::new("X", "CYSTBH-JM", early, f.township)).contains("no policy")
        );
        Ok(())
    }

    #[test]
    fn a_clean_record_becomes_a_line() -> TestResult {
        let f = fixture()?;
        let (id, a) = id_cell(f.people.a);
        let (roster, report) = lenient(
            &f,
            &[rec(
                2,
                &[
                    (id, &a),
                    (RosterField::Name, "巴特尔"),
                    (RosterField::Amount, "750"),
                    (RosterField::Note, "第三轮"),
                ],
            )],
        )?;
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let line = roster.line(1).ok_or("line 1")?;
        assert_eq!(line.amount.to_string(), "750.00");
        assert_eq!(
            line.stated_amount.map(|a| a.to_string()).as_deref(),
            Some("750.00")
        );
        assert_eq!(line.source_line, Some(2));
        assert_eq!(line.note.as_deref(), Some("第三轮"));
        roster.ready_for_submission(&report)?;
        Ok(())
    }

    #[test]
    fn invalid_and_blank_ids_are_reported_with_the_rule() -> TestResult {
        let f = fixture()?;
        let bad = format!("{}1", &f.people.a.as_str()[..17]);
        let bad = if bad == f.people.a.as_str() {
            format!("{}2", &f.people.a.as_str()[..17])
        } else {
            bad
        };
        let report = one(&f, &[(RosterField::ResidentId, &bad)])?;
        let problem = report.problems.first().ok_or("a problem")?;
        assert_eq!(problem.line, Some(2));
        assert_eq!(problem.field, Some(RosterField::ResidentId));
        assert_eq!(problem.value, bad);
        assert!(problem.to_string().contains("check character should be"));
        let report = one(&f, &[(RosterField::Name, "无名")])?;
        assert_eq!(codes(&report), vec!["blank"]);
        assert_eq!(report.rejected, 1);
        Ok(())
    }

    #[test]
    fn unregistered_and_outside_the_township() -> TestResult {
        let f = fixture()?;
        let stranger = pid("15042219900909009")?.to_string();
        let report = one(&f, &[(RosterField::ResidentId, &stranger)])?;
        assert_eq!(codes(&report), vec!["not_in_register"]);
        let (id, e) = id_cell(f.people.e);
        let report = one(&f, &[(id, &e)])?;
        assert!(codes(&report).contains(&"outside_township"));
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.to_string().contains("150422101001"))
        );
        Ok(())
    }

    #[test]
    fn identity_fields_must_match_the_register() -> TestResult {
        let f = fixture()?;
        let (id, a) = id_cell(f.people.a);
        let report = one(
            &f,
            &[
                (id, &a),
                (RosterField::Name, "巴 特 尔"),
                (RosterField::HouseholdId, "H1"),
                (RosterField::Village, "150422100001"),
            ],
        )?;
        assert!(report.problems.is_empty(), "spaces in names are ignored");
        let (id, a) = id_cell(f.people.a);
        let report = one(
            &f,
            &[
                (id, &a),
                (RosterField::Name, "巴图"),
                (RosterField::HouseholdId, "H2"),
                (RosterField::Village, "150422100002"),
                (RosterField::HeadResidentId, f.people.b.as_str()),
            ],
        )?;
        let fields: Vec<Option<RosterField>> = report
            .problems
            .iter()
            .filter(|p| p.rule.code() == "differs_from_register")
            .map(|p| p.field.clone())
            .collect();
        assert_eq!(
            fields,
            vec![
                Some(RosterField::Village),
                Some(RosterField::Name),
                Some(RosterField::HouseholdId),
                Some(RosterField::HeadResidentId),
            ]
        );
        Ok(())
    }

    #[test]
    fn accounts_must_be_verified_owned_and_at_an_agent_bank() -> TestResult {
        let mut f = fixture()?;
        // c has no account at all.
        let (id, c) = id_cell(f.people.c);
        assert_eq!(codes(&one(&f, &[(id, &c)])?), vec!["no_verified_account"]);
        // g's bank has no agreement in the county.
        let (id, g) = id_cell(f.people.g);
        let report = one(&f, &[(id, &g)])?;
        assert_eq!(codes(&report), vec!["no_agreement"]);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.to_string().contains("ICBC"))
        );
        // An account number that is not registered, or is someone else's.
        let unknown = card("622848000000000099");
        let (id, b) = id_cell(f.people.b);
        let report = one(
            &f,
            &[(id.clone(), &b), (RosterField::AccountNumber, &unknown)],
        )?;
        assert_eq!(codes(&report), vec!["account_not_in_register"]);
        let report = one(
            &f,
            &[(id.clone(), &b), (RosterField::AccountNumber, &f.card_a)],
        )?;
        assert!(codes(&report).contains(&"account_of_another_person"));
        // A mistyped number.
        let report = one(
            &f,
            &[(id.clone(), &b), (RosterField::AccountNumber, "6228")],
        )?;
        assert_eq!(codes(&report), vec!["unreadable"]);
        // An unverified account.
        let fresh = card("622848000000000077");
        f.register.upsert_account(Account::new(
            f.people.b,
            "王五",
            "NXS",
            AccountNumber::parse(&fresh, AccountKind::BankCard)?,
        ));
        let report = one(&f, &[(id, &b), (RosterField::AccountNumber, &fresh)])?;
        assert_eq!(codes(&report), vec!["account_not_payable"]);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.to_string().contains("unverified"))
        );
        Ok(())
    }

    #[test]
    fn same_payee_twice_names_both_lines() -> TestResult {
        let f = fixture()?;
        let (id, a) = id_cell(f.people.a);
        let (_, a2) = id_cell(f.people.a2);
        let (roster, report) = lenient(
            &f,
            &[
                rec(2, &[(id.clone(), &a)]),
                rec(3, &[(id.clone(), &a)]),
                // A member of the same household: the same payee for a per-household project.
                rec(4, &[(id, &a2)]),
            ],
        )?;
        assert_eq!(roster.lines().len(), 1);
        let duplicates: Vec<(Option<u64>, String)> = report
            .problems
            .iter()
            .filter(|p| p.rule.code() == "duplicate")
            .map(|p| (p.line, p.to_string()))
            .collect();
        assert_eq!(duplicates.len(), 2);
        assert_eq!(duplicates.first().map(|d| d.0), Some(Some(3)));
        assert!(
            duplicates
                .iter()
                .all(|d| d.1.contains("already on file line 2"))
        );
        assert_eq!(report.rejected_lines(), vec![3, 4]);
        Ok(())
    }

    #[test]
    fn a_project_held_this_period_excludes_this_one() -> TestResult {
        let f = fixture()?;
        let other = Roster::build(
            RosterHeader::new("CXPH-2026", "CYSTBH-CXPH", Period::year(2026)?, f.township),
            &f.register,
            &f.catalog,
            &HeldProjects::new(),
            ON,
        )?
        .0;
        let held = HeldProjects::from_rosters(Period::year(2026)?, &[&other]);
        assert!(held.holds(&f.people.a, "CYSTBH-CXPH"));
        let (id, a) = id_cell(f.people.a);
        let (_, report) = intake(&f, &[rec(2, &[(id, &a)])], &held, IntakeMode::Lenient)?;
        assert_eq!(codes(&report), vec!["excluded_project"]);
        // Another year's roster does not count.
        let held = HeldProjects::from_rosters(Period::year(2025)?, &[&other]);
        assert!(!held.holds(&f.people.a, "CYSTBH-CXPH"));
        Ok(())
    }

    #[test]
    fn stated_amounts_over_and_under_the_standard() -> TestResult {
        let f = fixture()?;
        let (id, a) = id_cell(f.people.a);
        let over = one(&f, &[(id.clone(), &a), (RosterField::Amount, "800.00")])?;
        assert_eq!(codes(&over), vec!["stated_amount_over"]);
        assert_eq!(over.error_count(), 1);
        assert!(over.problems.iter().any(|p| {
            p.to_string()
                .contains("800.00 is more than the standard 750.00")
        }));
        let under = one(&f, &[(id.clone(), &a), (RosterField::Amount, "700")])?;
        assert_eq!(codes(&under), vec!["stated_amount_under"]);
        assert_eq!((under.warning_count(), under.accepted), (1, 1));
        let junk = one(&f, &[(id, &a), (RosterField::Amount, "七百")])?;
        assert_eq!(codes(&junk), vec!["unreadable"]);
        Ok(())
    }

    #[test]
    fn holder_name_differs_is_a_warning_to_acknowledge() -> TestResult {
        let f = fixture()?;
        let (id, b) = id_cell(f.people.b);
        let (mut roster, report) = lenient(&f, &[rec(2, &[(id, &b)])])?;
        assert_eq!(codes(&report), vec!["holder_name_differs"]);
        let warning = report.problems.first().ok_or("warning")?;
        assert_eq!(warning.severity, Severity::Warning);
        assert_eq!(warning.line_no, Some(1));
        let err = roster
            .ready_for_submission(&report)
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("1 warning(s) to acknowledge")));
        let key = warning.key().ok_or("key")?;
        assert!(roster.acknowledge(key.clone(), "clerk-7", " ").is_err());
        assert!(roster.acknowledge(key.clone(), "", "ok").is_err());
        let error_key = ProblemKey {
            line_no: 1,
            rule: "no_agreement".into(),
        };
        assert!(roster.acknowledge(error_key, "clerk-7", "ok").is_err());
        let missing = ProblemKey {
            line_no: 9,
            rule: key.rule.clone(),
        };
        assert!(roster.acknowledge(missing, "clerk-7", "ok").is_err());
        roster.acknowledge(
            key,
            "clerk-7",
            "王某 is 王五's registered alias at the bank",
        )?;
        roster.ready_for_submission(&report)?;
        assert_eq!(roster.acknowledgements().len(), 1);
        Ok(())
    }

    #[test]
    fn deceased_and_not_eligible_people_are_errors() -> TestResult {
        let f = fixture()?;
        let (id, dead) = id_cell(f.people.f);
        let report = one(&f, &[(id.clone(), &dead)])?;
        assert!(codes(&report).contains(&"deceased"));
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.to_string().contains("2026-03-01"))
        );
        let (_, d) = id_cell(f.people.d);
        let report = one(&f, &[(id, &d)])?;
        assert!(codes(&report).contains(&"not_eligible"));
        let problem = report
            .problems
            .iter()
            .find(|p| p.rule.code() == "not_eligible");
        assert!(problem.is_some_and(|p| matches!(&p.rule,
            ProblemRule::NotEligible { explanation_zh, .. } if explanation_zh.contains("grassland_mu"))));
        Ok(())
    }

    #[test]
    fn file_facts_are_read_and_checked() -> TestResult {
        let f = fixture()?;
        let (id, a) = id_cell(f.people.a);
        let quantity = RosterField::Quantity("grassland_mu".into());
        for bad in ["abc", "-5", ""] {
            let report = one(&f, &[(id.clone(), &a), (quantity.clone(), bad)])?;
            assert_eq!(codes(&report), vec!["unreadable"], "{bad:?}");
            assert_eq!(
                report.problems.first().and_then(|p| p.field.clone()),
                Some(quantity.clone())
            );
        }
        let report = one(
            &f,
            &[(id.clone(), &a), (RosterField::HouseholdMembers, "0")],
        )?;
        assert_eq!(codes(&report), vec!["unreadable"]);
        // A file value differing from the register is used, with a warning.
        let (roster, report) = lenient(
            &f,
            &[rec(
                2,
                &[
                    (id, &a),
                    (quantity, "200"),
                    (RosterField::HouseholdMembers, "3"),
                    (RosterField::Tags, "herder；grazing_ban"),
                ],
            )],
        )?;
        assert_eq!(
            codes(&report),
            vec!["fact_differs_from_register", "fact_differs_from_register"]
        );
        let line = roster.line(1).ok_or("line")?;
        assert_eq!(line.amount.to_string(), "1500.00");
        assert_eq!(line.facts.household_members, 3);
        assert!(line.facts.tags.contains("grazing_ban") && line.facts.tags.contains("herder"));
        Ok(())
    }

    #[test]
    fn per_person_projects_pay_the_person() -> TestResult {
        let f = fixture()?;
        let header =
            RosterHeader::new("GLJT-2026-11", "GLJT", Period::month(2026, 11)?, f.township);
        let (id, elder) = id_cell(f.people.elder);
        let (_, young) = id_cell(f.people.young);
        let (roster, report) = Roster::intake(
            header.clone(),
            &[rec(2, &[(id.clone(), &elder)]), rec(3, &[(id, &young)])],
            &f.register,
            &f.catalog,
            &HeldProjects::new(),
            IntakeMode::Lenient,
            ON,
        )?;
        assert_eq!(roster.lines().len(), 1);
        assert_eq!(
            roster.line(1).map(|l| l.amount.to_string()).as_deref(),
            Some("100.00")
        );
        assert_eq!(report.rejected_lines(), vec![3]);
        let (built, _) = Roster::build(header, &f.register, &f.catalog, &HeldProjects::new(), ON)?;
        let ids: Vec<ResidentId> = built.lines().iter().map(|l| l.facts.resident_id).collect();
        assert_eq!(ids, vec![f.people.elder]);
        let zh = built.explain(1, &f.catalog, Language::Zh)?;
        assert!(zh.contains("年满 86 周岁"), "{zh}");
        Ok(())
    }

    #[test]
    fn projects_held_serialize_in_id_order_and_round_trip() -> TestResult {
        let f = fixture()?;
        let (low, high) = if f.people.a < f.people.b {
            (f.people.a, f.people.b)
        } else {
            (f.people.b, f.people.a)
        };
        let mut held = HeldProjects::new();
        held.insert(high, "GDLB");
        held.insert(low, "GLJT");
        held.insert(low, "GDLB");
        let json = serde_json::to_string(&held)?;
        let expected = format!(r#"{{"held":{{"{low}":["GDLB","GLJT"],"{high}":["GDLB"]}}}}"#);
        assert_eq!(json, expected);
        let back: HeldProjects = serde_json::from_str(&json)?;
        assert_eq!(back, held);
        assert!(back.holds(&low, "GLJT") && !back.holds(&high, "GLJT"));
        Ok(())
    }

    #[test]
    fn batches_of_any_size_give_the_same_roster() -> TestResult {
        let f = fixture()?;
        let (id, a) = id_cell(f.people.a);
        let (_, b) = id_cell(f.people.b);
        let (_, c) = id_cell(f.people.c);
        // A good line, a bad ID, a duplicate of the first, two more people.
        let records = [
            rec(2, &[(id.clone(), &a)]),
            rec(3, &[(id.clone(), "15042219500101001")]),
            rec(4, &[(id.clone(), &a)]),
            rec(5, &[(id.clone(), &b)]),
            rec(6, &[(id, &c)]),
        ];
        let whole = lenient(&f, &records)?;
        for size in 1..=records.len() {
            let held = HeldProjects::new();
            let mut intake = RosterIntake::new(
                jm_header(&f)?,
                &f.register,
                &f.catalog,
                &held,
                IntakeMode::Lenient,
                ON,
            )?;
            for batch in records.chunks(size) {
                intake.take(batch);
            }
            let (roster, report) = intake.finish()?;
            assert_eq!(report, whole.1, "batches of {size}");
            assert_eq!(roster, whole.0, "batches of {size}");
        }
        assert!(
            whole
                .1
                .problems
                .iter()
                .any(|p| p.rule.code() == "duplicate")
        );
        Ok(())
    }

    #[test]
    fn strict_is_all_or_nothing_lenient_keeps_the_good_lines() -> TestResult {
        let f = fixture()?;
        let (id, a) = id_cell(f.people.a);
        let (_, b) = id_cell(f.people.b);
        let records = [
            rec(2, &[(id.clone(), &a)]),
            rec(3, &[(id.clone(), "15042219500101001")]),
            rec(4, &[(id, &b)]),
        ];
        let strict = intake(&f, &records, &HeldProjects::new(), IntakeMode::Strict);
        match strict {
            Err(Error::Roster {
                rule: RosterRule::Rejected { report },
            }) => {
                assert_eq!((report.accepted, report.rejected), (2, 1));
                assert_eq!(report.rejected_lines(), vec![3]);
            }
            other => return Err(format!("expected a rejection, got {other:?}").into()),
        }
        let message = intake(&f, &records, &HeldProjects::new(), IntakeMode::Strict)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("1 error(s) in 1 line(s)") && message.contains("line 3"),
            "{message}"
        );
        let (roster, report) = lenient(&f, &records)?;
        let kept: Vec<(u32, Option<u64>)> = roster
            .lines()
            .iter()
            .map(|l| (l.line_no, l.source_line))
            .collect();
        assert_eq!(kept, vec![(1, Some(2)), (2, Some(4))]);
        assert_eq!((report.accepted, report.rejected), (2, 1));
        // The rejected line does not block; the warning on kept line 2 does.
        let blocking = roster.blocking_problems(&report);
        assert_eq!(blocking.len(), 1);
        assert_eq!(blocking.first().map(|p| p.line_no), Some(Some(2)));
        Ok(())
    }

    #[test]
    fn removing_a_line_clears_its_problems() -> TestResult {
        let f = fixture()?;
        let (mut roster, report) = build(&f)?;
        assert_eq!(roster.blocking_problems(&report).len(), 3);
        let removed = roster.remove_line(3)?;
        assert_eq!(removed.facts.resident_id, f.people.g);
        roster.remove_line(4)?;
        assert!(roster.remove_line(4).is_err());
        let warning = roster
            .blocking_problems(&report)
            .first()
            .and_then(|p| p.key())
            .ok_or("key")?;
        roster.acknowledge(warning, "clerk-7", "confirmed with the bank")?;
        roster.ready_for_submission(&report)?;
        // Line numbers are never reused.
        assert_eq!(
            roster.lines().iter().map(|l| l.line_no).collect::<Vec<_>>(),
            vec![1, 2]
        );
        Ok(())
    }

    #[test]
    fn amending_a_line_and_validating_again() -> TestResult {
        let f = fixture()?;
        let (mut roster, _) = build(&f)?;
        let none = HeldProjects::new();
        assert!(roster.amend_line(99, LineChange::default()).is_err());
        assert!(roster.amend_line(1, LineChange::default()).is_err());
        let zero = LineChange {
            amount: Some(Amount::ZERO),
            ..LineChange::default()
        };
        assert!(roster.amend_line(1, zero).is_err());
        let key = ProblemKey {
            line_no: 2,
            rule: "holder_name_differs".into(),
        };
        roster.acknowledge(key.clone(), "clerk-7", "alias")?;
        roster.amend_line(
            2,
            LineChange {
                amount: Some(Amount::parse("600")?),
                note: Some("异议成立".into()),
                ..LineChange::default()
            },
        )?;
        assert!(
            !roster.is_acknowledged(&key),
            "an amendment withdraws acknowledgements"
        );
        let report = roster.validate(&f.register, &f.catalog, &none, ON)?;
        let over: Vec<(Option<u32>, &str)> = report
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| (p.line_no, p.rule.code()))
            .collect();
        assert_eq!(
            over,
            vec![
                (Some(2), "amount_over_standard"),
                (Some(3), "no_agreement"),
                (Some(4), "no_verified_account"),
            ]
        );
        Ok(())
    }

    #[test]
    fn diff_against_the_previous_period() -> TestResult {
        let mut f = fixture()?;
        let previous = Roster::build(
            RosterHeader::new("JM-2025", "CYSTBH-JM", Period::year(2025)?, f.township),
            &f.register,
            &f.catalog,
            &HeldProjects::new(),
            date!(2025 - 11 - 01),
        )?
        .0;
        let p = &f.people;
        let (a, b, c, d) = (p.a, p.b, p.c, p.d);
        // a's grassland grew, b changed card, c died, d now has grassland.
        let mut person = f.register.beneficiary(&a).cloned().ok_or("a")?;
        person.quantities.insert("grassland_mu", Decimal::from(200));
        f.register.upsert_beneficiary(person);
        let mut person = f.register.beneficiary(&c).cloned().ok_or("c")?;
        person.deceased_on = Some(date!(2026 - 01 - 05));
        f.register.upsert_beneficiary(person);
        let mut person = f.register.beneficiary(&d).cloned().ok_or("d")?;
        person.quantities.insert("grassland_mu", Decimal::from(1));
        f.register.upsert_beneficiary(person);
        let mut old = f.register.account(&f.card_b).cloned().ok_or("b's card")?;
        old.status = AccountStatus::Closed;
        f.register.upsert_account(old);
        let mut new = Account::new(
            b,
            "王五",
            "NXS",
            AccountNumber::parse(&card("622848000000000055"), AccountKind::BankCard)?,
        );
        new.status = AccountStatus::Verified;
        f.register.upsert_account(new);
        let (current, _) = build(&f)?;
        let diff = current.diff(&previous);
        assert_eq!(
            diff.added.iter().map(|e| e.beneficiary).collect::<Vec<_>>(),
            vec![d]
        );
        // f died in March 2026, c in January: both are gone.
        assert_eq!(
            diff.removed
                .iter()
                .map(|e| e.beneficiary)
                .collect::<Vec<_>>(),
            vec![p.f, c]
        );
        let changed: Vec<(ResidentId, String, String)> = diff
            .amount_changed
            .iter()
            .map(|c| (c.beneficiary, c.old.to_string(), c.new.to_string()))
            .collect();
        assert_eq!(changed, vec![(a, "750.00".into(), "1500.00".into())]);
        assert_eq!(
            diff.account_changed
                .iter()
                .map(|c| c.beneficiary)
                .collect::<Vec<_>>(),
            vec![b]
        );
        assert!(current.diff(&current).is_empty());
        Ok(())
    }

    #[test]
    fn supplementary_rosters_correct_without_editing() -> TestResult {
        let f = fixture()?;
        let (original, _) = build(&f)?;
        let hash = original.content_hash();
        let mut added = original.line(1).cloned().ok_or("line")?;
        added.facts.resident_id = f.people.d;
        added.payee = f.people.d;
        added.name = "赵六".into();
        let corrections = vec![
            Correction::Cancel {
                line_no: 4,
                reason: "已死亡".into(),
            },
            Correction::Change {
                line_no: 1,
                change: LineChange {
                    amount: Some(Amount::parse("700")?),
                    ..LineChange::default()
                },
                reason: "面积更正".into(),
            },
            Correction::Add {
                line: Box::new(added.clone()),
                reason: "漏报".into(),
            },
        ];
        let supplement = original.supplementary("JM-2026-S1", corrections)?;
        assert_eq!(original.content_hash(), hash, "the original is untouched");
        assert_eq!(
            supplement.kind(),
            &RosterKind::Supplementary {
                corrects: original.id().into()
            }
        );
        let lines: Vec<(u32, ResidentId, String)> = supplement
            .lines()
            .iter()
            .map(|l| (l.line_no, l.facts.resident_id, l.amount.to_string()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (1, f.people.a, "700.00".into()),
                (5, f.people.d, "750.00".into())
            ]
        );
        let actions: Vec<(u32, CorrectionAction)> = supplement
            .corrections()
            .iter()
            .map(|c| (c.line_no, c.action))
            .collect();
        assert_eq!(
            actions,
            vec![
                (1, CorrectionAction::Changed),
                (4, CorrectionAction::Cancelled),
                (5, CorrectionAction::Added)
            ]
        );
        let corrected: Vec<(u32, String)> = original
            .corrected_lines(&supplement)?
            .iter()
            .map(|l| (l.line_no, l.amount.to_string()))
            .collect();
        assert_eq!(
            corrected,
            vec![
                (1, "700.00".into()),
                (2, "500.00".into()),
                (3, "500.00".into()),
                (5, "750.00".into())
            ]
        );
        assert!(supplement.corrected_lines(&original).is_err());
        // Refused corrections.
        let fails =
            |corrections: Vec<Correction>| original.supplementary("S2", corrections).is_err();
        assert!(fails(vec![]));
        assert!(fails(vec![Correction::Cancel {
            line_no: 9,
            reason: "x".into()
        }]));
        assert!(fails(vec![Correction::Cancel {
            line_no: 1,
            reason: " ".into()
        }]));
        assert!(fails(vec![
            Correction::Cancel {
                line_no: 1,
                reason: "x".into()
            },
            Correction::Cancel {
                line_no: 1,
                reason: "y".into()
            },
        ]));
        let mut again = added;
        again.facts.resident_id = f.people.a;
        again.payee = f.people.a;
        assert!(fails(vec![Correction::Add {
            line: Box::new(again.clone()),
            reason: "x".into()
        }]));
        // Allowed once a's line is cancelled in the same supplementary roster.
        assert!(!fails(vec![
            Correction::Cancel {
                line_no: 1,
                reason: "x".into()
            },
            Correction::Add {
                line: Box::new(again),
                reason: "y".into()
            },
        ]));
        Ok(())
    }

    #[test]
    fn content_hash_follows_content_only() -> TestResult {
        let f = fixture()?;
        let (mut roster, _) = build(&f)?;
        let hash = roster.content_hash();
        assert_eq!(hash.len(), 64);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(build(&f)?.0.content_hash(), hash);
        let text = serde_json::to_string(&roster)?;
        let back: Roster = serde_json::from_str(&text)?;
        assert_eq!(back, roster);
        assert_eq!(back.content_hash(), hash);
        roster.acknowledge(
            ProblemKey {
                line_no: 2,
                rule: "holder_name_differs".into(),
            },
            "clerk-7",
            "alias",
        )?;
        assert_eq!(
            roster.content_hash(),
            hash,
            "acknowledgements are not content"
        );
        roster.amend_line(
            1,
            LineChange {
                note: Some("x".into()),
                ..LineChange::default()
            },
        )?;
        assert_ne!(roster.content_hash(), hash);
        // The kept hash follows removals too, and equals a fresh computation.
        let amended = roster.content_hash();
        let line_no = roster.lines()[0].line_no;
        roster.remove_line(line_no)?;
        assert_ne!(roster.content_hash(), amended);
        let fresh: Roster = serde_json::from_str(&serde_json::to_string(&roster)?)?;
        assert_eq!(fresh.content_hash(), roster.content_hash());
        Ok(())
    }

    #[test]
    fn stored_rosters_are_checked_on_reading() -> TestResult {
        let f = fixture()?;
        let (roster, _) = build(&f)?;
        let mut value = serde_json::to_value(&roster)?;
        value["next_line_no"] = serde_json::json!(2);
        assert!(serde_json::from_value::<Roster>(value).is_err());
        let mut value = serde_json::to_value(&roster)?;
        value["township"] = serde_json::json!("150422");
        assert!(serde_json::from_value::<Roster>(value).is_err());
        Ok(())
    }

    fn cell_text(f: &Fixture) -> impl Strategy<Value = String> + use<> {
        let known = vec![
            f.people.a.to_string(),
            f.people.b.to_string(),
            f.people.d.to_string(),
            f.people.f.to_string(),
            f.card_a.clone(),
            f.card_b.clone(),
            "巴特尔".to_owned(),
            "750.00".to_owned(),
            "NXS".to_owned(),
            "3".to_owned(),
            "150422100001".to_owned(),
            "社会保障卡".to_owned(),
        ];
        prop_oneof![
            proptest::sample::select(known),
            any::<String>(),
            "[0-9Xx .-]{0,20}",
        ]
    }

    fn records(f: &Fixture) -> impl Strategy<Value = Vec<RosterRecord>> + use<> {
        let fields = vec![
            RosterField::ResidentId,
            RosterField::Name,
            RosterField::HeadResidentId,
            RosterField::HouseholdId,
            RosterField::HouseholdMembers,
            RosterField::Village,
            RosterField::Quantity("grassland_mu".into()),
            RosterField::Tags,
            RosterField::PerCapitaIncome,
            RosterField::Bank,
            RosterField::AccountKind,
            RosterField::AccountNumber,
            RosterField::HolderName,
            RosterField::Amount,
        ];
        let record =
            proptest::collection::btree_map(proptest::sample::select(fields), cell_text(f), 0..8);
        proptest::collection::vec(record, 0..12).prop_map(|records| {
            records
                .into_iter()
                .zip(2u64..)
                .map(|(fields, line)| RosterRecord::from_cells(line, fields))
                .collect()
        })
    }

    /// Records whose ID is a registered person's and whose other cells are
    /// plausible: many of them are accepted.
    fn plausible_records(f: &Fixture) -> impl Strategy<Value = Vec<RosterRecord>> + use<> {
        let p = &f.people;
        let ids = vec![p.a, p.a2, p.b, p.c, p.d, p.e, p.f, p.g]
            .into_iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>();
        let extras = vec![
            (RosterField::Amount, "500.00".to_owned()),
            (RosterField::Amount, "750".to_owned()),
            (
                RosterField::Quantity("grassland_mu".into()),
                "100".to_owned(),
            ),
            (RosterField::Name, "巴特尔".to_owned()),
            (RosterField::Bank, "NXS".to_owned()),
            (RosterField::AccountNumber, f.card_a.clone()),
            (RosterField::HouseholdMembers, "2".to_owned()),
        ];
        let record = (
            proptest::sample::select(ids),
            proptest::sample::subsequence(extras.clone(), 0..=extras.len()),
        );
        proptest::collection::vec(record, 0..12).prop_map(|records| {
            records
                .into_iter()
                .zip(2u64..)
                .map(|((id, extras), line)| {
                    let mut fields: BTreeMap<RosterField, String> = extras.into_iter().collect();
                    fields.insert(RosterField::ResidentId, id);
                    RosterRecord::from_cells(line, fields)
                })
                .collect()
        })
    }

    #[test]
    fn intake_accounts_for_every_record() -> TestResult {
        let f = fixture()?;
        let strategy = prop_oneof![records(&f), plausible_records(&f)];
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
        let accepted = std::cell::Cell::new(0usize);
        runner
            .run(&strategy, |records| {
                let kept = check_intake(&f, &records)?;
                accepted.set(accepted.get() + kept);
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        assert!(
            accepted.get() > 0,
            "some generated records must be accepted"
        );
        Ok(())
    }

    /// The intake invariants for one set of records; gives the number of lines kept.
    fn check_intake(
        f: &Fixture,
        records: &[RosterRecord],
    ) -> std::result::Result<usize, TestCaseError> {
        let none = HeldProjects::new();
        let (roster, report) = intake(f, records, &none, IntakeMode::Lenient)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(report.accepted + report.rejected, records.len());
        prop_assert_eq!(roster.lines().len(), report.accepted);
        let with_errors: BTreeSet<u64> = report
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .filter_map(|p| p.line)
            .collect();
        prop_assert_eq!(with_errors.len(), report.rejected);
        prop_assert_eq!(
            report.rejected_lines(),
            with_errors.iter().copied().collect::<Vec<_>>()
        );
        let kept: BTreeSet<u64> = roster
            .lines()
            .iter()
            .filter_map(|l| l.source_line)
            .collect();
        let all: BTreeSet<u64> = records.iter().map(|r| r.line).collect();
        prop_assert!(kept.is_disjoint(&with_errors));
        prop_assert_eq!(
            kept.union(&with_errors).copied().collect::<BTreeSet<u64>>(),
            all
        );
        prop_assert!(report.problems.iter().all(|p| p.line.is_some()));
        let sorted = report
            .problems
            .windows(2)
            .all(|w| matches!(w, [x, y] if (x.line, x.line_no) <= (y.line, y.line_no)));
        prop_assert!(sorted);
        // Strict gives the same roster when nothing is rejected, else an error.
        let strict = intake(f, records, &none, IntakeMode::Strict);
        match strict {
            Ok((same, _)) => {
                prop_assert_eq!(report.rejected, 0);
                prop_assert_eq!(same.content_hash(), roster.content_hash());
            }
            Err(_) => prop_assert!(report.rejected > 0),
        }
        // The hash is deterministic and survives a round trip.
        let again = intake(f, records, &none, IntakeMode::Lenient)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again.0.content_hash(), roster.content_hash());
        let text =
            serde_json::to_string(&roster).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Roster =
            serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.content_hash(), roster.content_hash());
        Ok(report.accepted)
    }
}
