//! Accounts that subsidies are paid onto: social security cards, bank cards, passbooks,
//! and the operations the regulation names for them.
//!
//! An account is registered (开户登记) as *unverified*; the agent bank's verification
//! result makes it *verified* or *rejected* (with the bank's reason); it may be enrolled
//! (签约) for projects and withdrawn (解约) from them; a change (变更) closes the old
//! account and registers the new one; closing (注销) is final. Each operation is an
//! [`AccountCommand`] that [`Register::decide_account`](crate::Register::decide_account)
//! turns into [`AccountEvent`]s, and every event leaves one [`AccountChange`] in the
//! account's history.
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::bank_account::{AccountCommand, VerificationResult};
//! use yikatong_core::{
//!     AccountKind, AccountNumber, AccountStatus, AgentBank, Beneficiary, CreditCode,
//!     RegionCode, Register, ResidentId,
//! };
//!
//! let id = ResidentId::parse("11010519491231002X")?;
//! let mut register = Register::new();
//! register.add_bank(AgentBank {
//!     code: "NXS".into(),
//!     name: "内蒙古农村信用社联合社".into(),
//!     credit_code: CreditCode::parse("91350100M000100Y43")?,
//!     issues_social_security_cards: true,
//! })?;
//! register.add_beneficiary(Beneficiary::new(id, "张三", "H1", RegionCode::parse("150422100")?))?;
//!
//! let number = AccountNumber::parse("6228480000000000018", AccountKind::SocialSecurityCard)?;
//! register.execute_account(
//!     AccountCommand::Open {
//!         holder: id,
//!         holder_name: "张三".into(),
//!         bank_code: "NXS".into(),
//!         number,
//!     },
//!     date!(2026 - 03 - 02),
//! )?;
//! register.execute_account(
//!     AccountCommand::Verify {
//!         number: "6228480000000000018".into(),
//!         result: VerificationResult::Confirmed,
//!     },
//!     date!(2026 - 03 - 05),
//! )?;
//! let account = register.account("6228480000000000018").ok_or("missing")?;
//! assert_eq!(account.status, AccountStatus::Verified);
//! assert_eq!(account.history.len(), 2);
//!
//! // Closing twice is refused and changes nothing.
//! let close = AccountCommand::Close { number: "6228480000000000018".into() };
//! register.execute_account(close.clone(), date!(2026 - 04 - 01))?;
//! let err = register.execute_account(close, date!(2026 - 04 - 02)).unwrap_err();
//! assert!(err.to_string().contains("***************0018"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use compact_str::CompactString;
use std::collections::BTreeSet;
use std::fmt;

use time::Date;

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

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountStatus::Unverified => f.write_str("unverified (未验证)"),
            AccountStatus::Verified => f.write_str("verified (已验证)"),
            AccountStatus::Rejected { reason } => {
                write!(f, "rejected by the bank (验证未通过: {reason})")
            }
            AccountStatus::Closed => f.write_str("closed (已注销)"),
        }
    }
}

/// How an account came into the register.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccountSource {
    /// Registered by a clerk (开户登记), on its own or as the new account of a change.
    Registered,
    /// Imported from the HR department's social security card file (人社部门社保卡信息).
    CardImport {
        /// The line of the file.
        line: u64,
    },
}

/// Why an account was closed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case", deny_unknown_fields)]
pub enum CloseReason {
    /// Closed on request (注销).
    Closed,
    /// Replaced by another account of the same person (变更).
    Replaced {
        /// The account that replaces it.
        by: AccountNumber,
    },
}

/// What changed in one entry of an account's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccountChangeKind {
    /// Registered, unverified.
    Opened {
        /// How it came into the register.
        source: AccountSource,
        /// The account it replaces, for a change (变更).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<AccountNumber>,
    },
    /// The bank confirmed it.
    Verified,
    /// The bank rejected it.
    Rejected {
        /// The bank's reason.
        reason: String,
    },
    /// The bank code was corrected; the account must be verified again.
    BankChanged {
        /// The bank code before.
        from: String,
        /// The bank code after.
        to: String,
    },
    /// Closed (注销), or replaced by another account.
    Closed {
        /// Why.
        reason: CloseReason,
    },
    /// Enrolled (签约) for a project.
    Enrolled {
        /// The project code.
        project: String,
    },
    /// Withdrawn (解约) from a project.
    Withdrawn {
        /// The project code.
        project: String,
    },
}

/// One entry of an account's history: the day and what changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    /// The day of the change.
    #[serde(with = "crate::policy::iso_date")]
    pub on: Date,
    /// What changed.
    pub what: AccountChangeKind,
}

/// One account of one person at an agent bank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account holder.
    pub holder: ResidentId,
    /// The holder's name as the bank has it.
    pub holder_name: CompactString,
    /// The agent bank's code.
    pub bank_code: CompactString,
    /// The account number, with its kind.
    pub number: AccountNumber,
    /// Where it stands with the bank.
    pub status: AccountStatus,
    /// Projects this account is enrolled (签约) for; empty means none yet.
    #[serde(default)]
    pub enrolments: BTreeSet<String>,
    /// Every change since it was registered, oldest first. Accounts loaded with
    /// [`Register::upsert_account`](crate::Register::upsert_account) may start with none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<AccountChange>,
}

impl Account {
    /// An unverified account with no enrolments and no history, for loading existing
    /// data with [`Register::upsert_account`](crate::Register::upsert_account). New
    /// accounts are better registered with [`AccountCommand::Open`], which checks them
    /// and records the history.
    pub fn new(
        holder: ResidentId,
        holder_name: impl Into<CompactString>,
        bank_code: impl Into<CompactString>,
        number: AccountNumber,
    ) -> Account {
        Account {
            holder,
            holder_name: holder_name.into(),
            bank_code: bank_code.into(),
            number,
            status: AccountStatus::Unverified,
            enrolments: BTreeSet::new(),
            history: Vec::new(),
        }
    }

    /// The kind: social security card, bank card or passbook.
    pub fn kind(&self) -> AccountKind {
        self.number.kind()
    }

    /// Whether money may be sent to it: verified and not closed.
    pub fn is_payable(&self) -> bool {
        self.status == AccountStatus::Verified
    }

    /// Whether it is closed (注销): final, never paid onto or changed again.
    pub fn is_closed(&self) -> bool {
        self.status == AccountStatus::Closed
    }

    /// Whether it is enrolled for `project`.
    pub fn is_enrolled(&self, project: &str) -> bool {
        self.enrolments.contains(project)
    }

    /// The day of the latest change in its history, if it has one.
    pub fn last_changed(&self) -> Option<Date> {
        self.history.last().map(|change| change.on)
    }
}

/// The bank's answer to an account verification (账户验证).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "result", rename_all = "snake_case", deny_unknown_fields)]
pub enum VerificationResult {
    /// Number, holder name and state confirmed.
    Confirmed,
    /// Rejected, with the bank's reason (e.g. 户名不符, 账户冻结).
    Rejected {
        /// The bank's reason, as returned.
        reason: String,
    },
}

/// An operation on accounts, as a township clerk or an agent bank asks for it.
///
/// Existing accounts are named by their number as text; spaces and hyphens are ignored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccountCommand {
    /// Register an account (开户登记) for a beneficiary; it starts unverified.
    Open {
        /// The holder, who must be in the register.
        holder: ResidentId,
        /// The holder's name on the account; must match the registered name.
        holder_name: String,
        /// The agent bank's code; the bank must be in the register.
        bank_code: String,
        /// The number, with its kind.
        number: AccountNumber,
    },
    /// Apply the bank's verification result.
    Verify {
        /// The account.
        number: String,
        /// The bank's answer.
        result: VerificationResult,
    },
    /// Change (变更) a person's account: the old one is closed as replaced, the new one
    /// registered unverified for the same holder, keeping the old one's enrolments.
    Change {
        /// The account being replaced.
        number: String,
        /// The new number, with its kind.
        new_number: AccountNumber,
        /// The new account's bank code (may be the same bank).
        bank_code: String,
    },
    /// Correct the bank of an account whose number stays the same; it must be verified
    /// again.
    CorrectBank {
        /// The account.
        number: String,
        /// The right bank code.
        bank_code: String,
    },
    /// Close (注销) an account: final.
    Close {
        /// The account.
        number: String,
    },
    /// Enrol (签约) an account for a project.
    Enrol {
        /// The account.
        number: String,
        /// The project code.
        project: String,
    },
    /// Withdraw (解约) an account from a project.
    Withdraw {
        /// The account.
        number: String,
        /// The project code.
        project: String,
    },
}

impl AccountCommand {
    /// What the command does, in a few words for messages: `verify`, `close`, …
    pub fn action(&self) -> &'static str {
        match self {
            AccountCommand::Open { .. } => "register",
            AccountCommand::Verify {
                result: VerificationResult::Confirmed,
                ..
            } => "verify",
            AccountCommand::Verify { .. } => "record a rejected verification for",
            AccountCommand::Change { .. } => "change",
            AccountCommand::CorrectBank { .. } => "correct the bank of",
            AccountCommand::Close { .. } => "close",
            AccountCommand::Enrol { .. } => "enrol",
            AccountCommand::Withdraw { .. } => "withdraw",
        }
    }
}

/// What happened to accounts: the persisted result of an [`AccountCommand`] or a card
/// import. Each event adds exactly one [`AccountChange`] to the account it names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccountEvent {
    /// An account was registered, unverified.
    Opened {
        /// The number, with its kind.
        number: AccountNumber,
        /// The holder.
        holder: ResidentId,
        /// The holder's name on the account.
        holder_name: String,
        /// The bank's code.
        bank_code: String,
        /// Projects it is enrolled for from the start (carried over by a change).
        #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
        enrolments: BTreeSet<String>,
        /// How it came into the register.
        source: AccountSource,
        /// The account it replaces, for a change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<AccountNumber>,
        /// The day.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
    /// The bank confirmed an account.
    Verified {
        /// The account.
        number: AccountNumber,
        /// The day.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
    /// The bank rejected an account.
    Rejected {
        /// The account.
        number: AccountNumber,
        /// The bank's reason.
        reason: String,
        /// The day.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
    /// The bank code of an account was corrected; it is unverified again.
    BankChanged {
        /// The account.
        number: AccountNumber,
        /// The bank code before.
        from: String,
        /// The bank code after.
        to: String,
        /// The day.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
    /// An account was closed, on request or because it was replaced.
    Closed {
        /// The account.
        number: AccountNumber,
        /// Why.
        reason: CloseReason,
        /// The day.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
    /// An account was enrolled for a project.
    Enrolled {
        /// The account.
        number: AccountNumber,
        /// The project code.
        project: String,
        /// The day.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
    /// An account was withdrawn from a project.
    Withdrawn {
        /// The account.
        number: AccountNumber,
        /// The project code.
        project: String,
        /// The day.
        #[serde(with = "crate::policy::iso_date")]
        on: Date,
    },
}

impl AccountEvent {
    /// The account the event is about.
    pub fn number(&self) -> &AccountNumber {
        match self {
            AccountEvent::Opened { number, .. }
            | AccountEvent::Verified { number, .. }
            | AccountEvent::Rejected { number, .. }
            | AccountEvent::BankChanged { number, .. }
            | AccountEvent::Closed { number, .. }
            | AccountEvent::Enrolled { number, .. }
            | AccountEvent::Withdrawn { number, .. } => number,
        }
    }

    /// The day of the event.
    pub fn on(&self) -> Date {
        match self {
            AccountEvent::Opened { on, .. }
            | AccountEvent::Verified { on, .. }
            | AccountEvent::Rejected { on, .. }
            | AccountEvent::BankChanged { on, .. }
            | AccountEvent::Closed { on, .. }
            | AccountEvent::Enrolled { on, .. }
            | AccountEvent::Withdrawn { on, .. } => *on,
        }
    }
}

/// Hides all but the last four characters of an account number given as text, for
/// messages: `6228480000000000018` → `***************0018`.
pub(crate) fn mask_text(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let keep = chars.len().min(4);
    let mut out = "*".repeat(chars.len() - keep);
    out.extend(&chars[chars.len() - keep..]);
    out
}

/// The lookup key of an account number given as text: spaces and hyphens dropped.
pub(crate) fn number_key(number: &str) -> String {
    number
        .chars()
        .filter(|c| !(*c == '-' || c.is_whitespace()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn masks_and_keys() {
        assert_eq!(mask_text("6228480000000000018"), "***************0018");
        assert_eq!(mask_text("12"), "12");
        assert_eq!(mask_text(""), "");
        assert_eq!(number_key(" 6228-4800 0000 "), "622848000000");
    }

    #[test]
    fn status_names() {
        assert_eq!(AccountStatus::Closed.to_string(), "closed (已注销)");
        assert_eq!(
            AccountStatus::Rejected {
                reason: "户名不符".into()
            }
            .to_string(),
            "rejected by the bank (验证未通过: 户名不符)"
        );
    }

    #[test]
    fn events_serialize_tagged_with_iso_dates() -> TestResult {
        let event = AccountEvent::Rejected {
            number: AccountNumber::parse("6228480000000000018", AccountKind::BankCard)?,
            reason: "账户冻结".into(),
            on: time::macros::date!(2026 - 03 - 05),
        };
        let json = serde_json::to_string(&event)?;
        assert_eq!(
            json,
            r#"{"event":"rejected","number":{"number":"6228480000000000018","kind":"BankCard"},"reason":"账户冻结","on":"2026-03-05"}"#
        );
        let back: AccountEvent = serde_json::from_str(&json)?;
        assert_eq!(back, event);
        assert_eq!(back.on(), time::macros::date!(2026 - 03 - 05));

        let command: AccountCommand = serde_json::from_str(
            r#"{"command":"verify","number":"6228 4800 0000 0000 018","result":{"result":"confirmed"}}"#,
        )?;
        assert_eq!(command.action(), "verify");
        Ok(())
    }

    #[test]
    fn account_without_history_reads_and_writes_without_it() -> TestResult {
        let id = ResidentId::parse("11010519491231002X")?;
        let number = AccountNumber::parse("4111111111111111", AccountKind::BankCard)?;
        let account = Account::new(id, "张三", "NXS", number);
        let json = serde_json::to_string(&account)?;
        assert!(!json.contains("history"), "{json}");
        let back: Account = serde_json::from_str(&json)?;
        assert_eq!(back, account);
        assert!(!back.is_payable() && !back.is_closed());
        assert_eq!(back.last_changed(), None);
        Ok(())
    }
}
