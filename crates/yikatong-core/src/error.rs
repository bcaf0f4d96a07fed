//! The one error type of the core.

use crate::{
    AccountRule, AmountRule, CreditCodeRule, PeriodRule, PolicyRule, RegionCodeRule, RegisterRule,
    ResidentIdRule, ReviewRule, RosterRule,
};

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core. Each variant carries the offending
/// value and the rule it broke, so a caller can tell a clerk exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A resident ID number (公民身份号码) broke a GB 11643-1999 rule.
    #[error("resident ID number {value:?}: {rule}")]
    ResidentId {
        /// The text as given.
        value: String,
        /// The rule it broke.
        rule: ResidentIdRule,
    },
    /// A unified social credit code (统一社会信用代码) broke a GB 32100-2015 rule.
    #[error("unified social credit code {value:?}: {rule}")]
    CreditCode {
        /// The text as given.
        value: String,
        /// The rule it broke.
        rule: CreditCodeRule,
    },
    /// An account number that cannot be an account at an agent bank.
    #[error("account number {value:?}: {rule}")]
    AccountNumber {
        /// The text as given.
        value: String,
        /// The rule it broke.
        rule: AccountRule,
    },
    /// An amount of money that could not be read or is not allowed here.
    #[error("amount {value:?}: {rule}")]
    Amount {
        /// The text or value as given.
        value: String,
        /// The rule it broke.
        rule: AmountRule,
    },
    /// A region code (行政区划代码) that is malformed.
    #[error("region code {value:?}: {rule}")]
    RegionCode {
        /// The text as given.
        value: String,
        /// The rule it broke.
        rule: RegionCodeRule,
    },
    /// A region code or name path that is not in the region table.
    #[error("region {query:?} is not in the region table (NBS 2023)")]
    UnknownRegion {
        /// The code or name path that was looked up.
        query: String,
    },
    /// A region name path that matches several regions (names repeat across China).
    #[error(
        "region {query:?} matches {} regions ({}); give the full path from the province",
        candidates.len(),
        candidates.join(", ")
    )]
    AmbiguousRegion {
        /// The name path that was looked up.
        query: String,
        /// The codes of the regions it matches.
        candidates: Vec<String>,
    },
    /// A period (month, quarter, half-year, year or day) that could not be read.
    #[error("period {value:?}: {rule}")]
    Period {
        /// The text as given.
        value: String,
        /// The rule it broke.
        rule: PeriodRule,
    },
    /// Date arithmetic left the range of dates the library supports.
    #[error("date out of range: {detail}")]
    DateOutOfRange {
        /// What was being computed.
        detail: String,
    },
    /// A data file (region table, calendar) has a bad line.
    #[error("{source_name}, line {line}: {message}")]
    Data {
        /// The file or data set.
        source_name: String,
        /// One-based line number in that file.
        line: u64,
        /// What is wrong with the line.
        message: String,
    },
    /// A policy catalogue (projects, policies, versions) that is malformed or inconsistent.
    #[error("{source_name}, at {path}: {rule}")]
    Policy {
        /// The file or text the catalogue was read from.
        source_name: String,
        /// The JSON path of the problem, e.g. `policies[3].funding_shares`.
        path: String,
        /// What is wrong and what is expected.
        rule: PolicyRule,
    },
    /// A register change (beneficiary, household, bank, agreement, account) that is not allowed.
    #[error("{subject}: {rule}")]
    Register {
        /// What the change was about, e.g. `account 6217…1234` or `beneficiary 1501…`.
        subject: String,
        /// The rule it broke.
        rule: RegisterRule,
    },
    /// A roster or roster command that is not allowed.
    #[error("roster: {rule}")]
    Roster {
        /// The rule it broke.
        rule: RosterRule,
    },
    /// A payment, batch or bank-result command refused, or a bad payment reference.
    /// A refused command changes nothing.
    #[error("payment: {rule}")]
    Payment {
        /// The rule it broke.
        rule: crate::payment::PaymentRule,
    },
    /// A review command refused: the roster's state, the command and the actor's role say
    /// where, the rule says why. A refused command changes nothing.
    #[error(
        "review: {command} by {} refused while the roster is {status}: {rule}",
        .role.map_or("no one (replay)", crate::review::Role::label)
    )]
    Review {
        /// The roster's review state when the command came.
        status: crate::review::ReviewStatus,
        /// The command, by its serde name (`submit`, `finance_approve`, …).
        command: &'static str,
        /// The actor's role; `None` when replaying events.
        role: Option<crate::review::Role>,
        /// The rule it broke.
        rule: ReviewRule,
    },
}
