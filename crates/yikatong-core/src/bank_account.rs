//! Accounts that subsidies are paid onto: social security cards, bank cards, passbooks.

use std::collections::BTreeSet;

use crate::{AccountKind, AccountNumber, ResidentId};

/// Where an account stands with its bank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccountStatus {
    /// Registered, not yet confirmed by the bank.
    Unverified,
    /// The bank confirmed number, holder and state.
    Verified,
    /// The bank rejected it (wrong name, closed, frozen, …).
    Rejected {
        /// The bank's reason, as returned.
        reason: String,
    },
    /// Closed (注销); never paid onto again.
    Closed,
}

/// One account of one person at an agent bank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account holder.
    pub holder: ResidentId,
    /// The holder's name as the bank has it.
    pub holder_name: String,
    /// The agent bank's code.
    pub bank_code: String,
    /// The account number, with its kind.
    pub number: AccountNumber,
    /// Where it stands with the bank.
    pub status: AccountStatus,
    /// Projects this account is enrolled (签约) for; empty means none yet.
    #[serde(default)]
    pub enrolments: BTreeSet<String>,
}

impl Account {
    /// The kind: social security card, bank card or passbook.
    pub fn kind(&self) -> AccountKind {
        self.number.kind()
    }

    /// Whether money may be sent to it: verified and not closed.
    pub fn is_payable(&self) -> bool {
        self.status == AccountStatus::Verified
    }

    /// Whether it is enrolled for `project`.
    pub fn is_enrolled(&self, project: &str) -> bool {
        self.enrolments.contains(project)
    }
}
