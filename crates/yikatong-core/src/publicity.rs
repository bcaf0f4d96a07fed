//! The public notice (公示) of a roster and objections (异议) to it.
//!
//! Before a township submits a roster for review it posts the list in the
//! villages for a number of working days (the project's length, 7 by default).
//! Anyone may object to a line while the notice is up; the township
//! investigates each objection and either upholds it (the line is amended or
//! removed) or dismisses it with a reason. The review state machine
//! ([`crate::review`]) refuses submission until the notice has ended and every
//! objection is closed.
//!
//! The notice document is public, so every row is masked by a [`MaskingPolicy`]
//! (DESIGN.md invariant 6): no option shows a full ID number or a full account
//! number, and a phone number has no column at all.
//!
//! ```
//! use yikatong_core::publicity::{MaskingPolicy, PublicityInput};
//! use yikatong_core::{Amount, ResidentId};
//!
//! let id = ResidentId::parse("11010519491231002X")?;
//! let row = MaskingPolicy::default().entry(&PublicityInput {
//!     line: 1,
//!     name: "张三丰",
//!     resident_id: &id,
//!     account: None,
//!     amount: Amount::parse("1250.00")?,
//!     village: "红旗嘎查",
//!     project: "耕地地力保护补贴",
//! });
//! assert_eq!(row.name, "张*丰");
//! assert_eq!(row.resident_id, "110105********002X");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use time::Date;

use crate::{AccountNumber, Amount, ResidentId};

/// When a roster's public notice is up: posted on `starts`, taken down after `ends`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publicity {
    /// The day the notice is posted.
    #[serde(with = "crate::policy::iso_date")]
    pub starts: Date,
    /// The last day of the notice: `starts` plus the notice length in working days.
    /// The posting day itself is not counted, so at least that many whole working
    /// days follow it even when the list goes up late in the day.
    #[serde(with = "crate::policy::iso_date")]
    pub ends: Date,
    /// Whether the end was reckoned Monday to Friday because the statutory calendar
    /// does not cover those days (a holiday may have been missed; check by hand).
    pub fell_back_to_weekdays: bool,
}

impl Publicity {
    /// Whether the notice is up on `date` (objections may be filed): `starts..=ends`.
    pub fn is_open_on(&self, date: Date) -> bool {
        self.starts <= date && date <= self.ends
    }

    /// Whether the notice has ended by `date`: `date` is after `ends`.
    pub fn has_ended_by(&self, date: Date) -> bool {
        date > self.ends
    }
}

/// What the township does about a line when it upholds an objection.
///
/// The review records the decision; the roster applies it (see
/// [`crate::review`] for how a caller does that).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Resolution {
    /// The line goes: the person is not entitled (not resident, deceased, counted twice, …).
    RemoveLine,
    /// The line stays but changes (area, head count, grade, account, …) as the note says.
    AmendLine {
        /// What is to change, in words the clerk and the objector understand,
        /// e.g. "耕地面积由 12.5 亩改为 10.0 亩（村委会复核）".
        note: String,
    },
}

/// Where an objection stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectionStatus {
    /// Filed, not yet looked into.
    Open,
    /// The township is looking into it.
    Investigating,
    /// Found right: the line is amended or removed.
    Upheld {
        /// What happens to the line.
        resolution: Resolution,
    },
    /// Found wrong: the line stays as it is.
    Dismissed {
        /// Why, as told to the objector.
        reason: String,
    },
}

impl ObjectionStatus {
    /// Whether the objection is decided (upheld or dismissed).
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            ObjectionStatus::Upheld { .. } | ObjectionStatus::Dismissed { .. }
        )
    }

    /// The status's name as in serde: `open`, `investigating`, `upheld`, `dismissed`.
    pub fn name(&self) -> &'static str {
        match self {
            ObjectionStatus::Open => "open",
            ObjectionStatus::Investigating => "investigating",
            ObjectionStatus::Upheld { .. } => "upheld",
            ObjectionStatus::Dismissed { .. } => "dismissed",
        }
    }
}

/// An objection (异议) to one line of a roster on public notice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    /// Number of the objection within its review, from 1.
    pub id: u32,
    /// The roster line objected to.
    pub line: u32,
    /// Who objected: a villager named in words, or the official who raised it.
    pub filed_by: String,
    /// What the objection says.
    pub text: String,
    /// The day it was filed (within the notice).
    #[serde(with = "crate::policy::iso_date")]
    pub filed_on: Date,
    /// Where it stands.
    pub status: ObjectionStatus,
}

/// How names appear on the notice.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum NameMasking {
    /// First and last character shown, the rest as `*`: 张*丰, 张*, 欧**娜.
    #[default]
    MaskGivenName,
    /// The whole name, where local rules require it (many villages post full names).
    /// Digits are still hidden, so a phone typed into a name never shows.
    Full,
}

/// How resident ID numbers appear on the notice. No option shows the whole number.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IdMasking {
    /// First 6 and last 4 characters: `110105********002X` ([`ResidentId::masked`]).
    #[default]
    FirstSixLastFour,
    /// Not shown at all (the column is empty).
    Hidden,
}

/// How account numbers appear on the notice. No option shows the whole number.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AccountMasking {
    /// Last 4 digits only, the rest as `*` ([`AccountNumber::masked`]).
    #[default]
    LastFour,
    /// Not shown at all.
    Hidden,
}

/// What a public notice shows of a person (DESIGN.md invariant 6).
///
/// The default is the safe one: given name masked, ID number as first 6 and
/// last 4, account as last 4. Phone numbers are never shown: the notice has no
/// column for them and digits in names are hidden.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(default, deny_unknown_fields)]
pub struct MaskingPolicy {
    /// How names appear.
    pub name: NameMasking,
    /// How ID numbers appear.
    pub resident_id: IdMasking,
    /// How account numbers appear.
    pub account: AccountMasking,
}

/// The plain facts of one roster line, as the roster hands them to the notice.
#[derive(Debug, Clone, Copy)]
pub struct PublicityInput<'a> {
    /// The roster line number.
    pub line: u32,
    /// The beneficiary's name.
    pub name: &'a str,
    /// The beneficiary's ID number.
    pub resident_id: &'a ResidentId,
    /// The account paid onto, if the notice shows accounts.
    pub account: Option<&'a AccountNumber>,
    /// The amount to be paid.
    pub amount: Amount,
    /// The village (嘎查村): its name, or its region code.
    pub village: &'a str,
    /// The project's name.
    pub project: &'a str,
}

/// One row of the public notice, already masked: safe to print, post and publish.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct PublicityEntry {
    /// The roster line number.
    pub line: u32,
    /// The name, masked per policy.
    pub name: String,
    /// The ID number, masked per policy (empty when hidden).
    pub resident_id: String,
    /// The village's name or code.
    pub village: String,
    /// The project's name.
    pub project: String,
    /// The amount.
    pub amount: Amount,
    /// The account number, masked per policy; `None` when there is none or it is hidden.
    pub account: Option<String>,
}

impl PublicityEntry {
    /// Column headers for a notice document, in Chinese, in field order.
    pub const HEADERS_ZH: [&'static str; 7] = [
        "序号",
        "姓名",
        "身份证号",
        "村（嘎查）",
        "补贴项目",
        "金额（元）",
        "账号",
    ];

    /// The row's cells as text, in the order of the headers.
    pub fn cells(&self) -> [String; 7] {
        [
            self.line.to_string(),
            self.name.clone(),
            self.resident_id.clone(),
            self.village.clone(),
            self.project.clone(),
            self.amount.to_string(),
            self.account.clone().unwrap_or_default(),
        ]
    }

    /// Column headers for a notice document, in English, in field order.
    pub const HEADERS_EN: [&'static str; 7] = [
        "line",
        "name",
        "resident_id",
        "village",
        "project",
        "amount",
        "account",
    ];
}

impl MaskingPolicy {
    /// The masked notice row for one roster line.
    pub fn entry(&self, input: &PublicityInput<'_>) -> PublicityEntry {
        PublicityEntry {
            line: input.line,
            name: self.mask_name(input.name),
            resident_id: self.mask_resident_id(input.resident_id),
            village: input.village.trim().to_owned(),
            project: input.project.trim().to_owned(),
            amount: input.amount,
            account: input.account.and_then(|account| self.mask_account(account)),
        }
    }

    /// Masked rows for many lines, in the order given; linear in the number of lines.
    pub fn entries<'a, I>(&self, inputs: I) -> Vec<PublicityEntry>
    where
        I: IntoIterator<Item = PublicityInput<'a>>,
    {
        inputs.into_iter().map(|input| self.entry(&input)).collect()
    }

    /// A name as the notice shows it. Digits are always replaced by `*`
    /// (a phone number typed into the name field must not leak).
    pub fn mask_name(&self, name: &str) -> String {
        let name = name.trim();
        let hide_digits = |c: char| if c.is_ascii_digit() { '*' } else { c };
        match self.name {
            NameMasking::Full => name.chars().map(hide_digits).collect(),
            NameMasking::MaskGivenName => {
                let count = name.chars().count();
                name.chars()
                    .enumerate()
                    .map(|(index, c)| {
                        // Keep the surname (first character) and, for names of three or
                        // more characters, the last one; 张三 becomes 张*, not 张三.
                        let shown = index == 0 || (count >= 3 && index == count - 1);
                        if shown { hide_digits(c) } else { '*' }
                    })
                    .collect()
            }
        }
    }

    /// An ID number as the notice shows it (empty when hidden).
    pub fn mask_resident_id(&self, id: &ResidentId) -> String {
        match self.resident_id {
            IdMasking::FirstSixLastFour => id.masked(),
            IdMasking::Hidden => String::new(),
        }
    }

    /// An account number as the notice shows it (`None` when hidden).
    pub fn mask_account(&self, account: &AccountNumber) -> Option<String> {
        match self.account {
            AccountMasking::LastFour => Some(account.masked()),
            AccountMasking::Hidden => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountKind;
    use proptest::prelude::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const ALL_POLICIES: [MaskingPolicy; 8] = {
        let mut out = [MaskingPolicy {
            name: NameMasking::MaskGivenName,
            resident_id: IdMasking::FirstSixLastFour,
            account: AccountMasking::LastFour,
        }; 8];
        let mut i = 0;
        while i < 8 {
            out[i] = MaskingPolicy {
                name: if i & 1 == 0 {
                    NameMasking::MaskGivenName
                } else {
                    NameMasking::Full
                },
                resident_id: if i & 2 == 0 {
                    IdMasking::FirstSixLastFour
                } else {
                    IdMasking::Hidden
                },
                account: if i & 4 == 0 {
                    AccountMasking::LastFour
                } else {
                    AccountMasking::Hidden
                },
            };
            i += 1;
        }
        out
    };

    /// Every text field of a row, for leak checks.
    fn texts(entry: &PublicityEntry) -> Vec<String> {
        let mut out = vec![
            entry.line.to_string(),
            entry.name.clone(),
            entry.resident_id.clone(),
            entry.village.clone(),
            entry.project.clone(),
            entry.amount.to_string(),
        ];
        out.extend(entry.account.clone());
        out
    }

    #[test]
    fn names_keep_surname_and_last_character() {
        let policy = MaskingPolicy::default();
        assert_eq!(policy.mask_name("张三丰"), "张*丰");
        assert_eq!(policy.mask_name("张三"), "张*");
        assert_eq!(policy.mask_name(" 欧阳娜娜 "), "欧**娜");
        assert_eq!(policy.mask_name("巴特尔"), "巴*尔");
        assert_eq!(policy.mask_name("张"), "张");
        assert_eq!(policy.mask_name(""), "");
        // A phone number typed into the name field is hidden whatever the policy.
        assert_eq!(policy.mask_name("13812345678"), "***********");
        let full = MaskingPolicy {
            name: NameMasking::Full,
            ..MaskingPolicy::default()
        };
        assert_eq!(full.mask_name("张三丰"), "张三丰");
        assert_eq!(full.mask_name("张三13812345678"), "张三***********");
    }

    #[test]
    fn default_entry_masks_id_and_account() -> TestResult {
        let id = ResidentId::parse("11010519491231002X")?;
        let account = AccountNumber::parse("6228480000000000018", AccountKind::BankCard)?;
        let row = MaskingPolicy::default().entry(&PublicityInput {
            line: 7,
            name: "王五",
            resident_id: &id,
            account: Some(&account),
            amount: Amount::parse("300.50")?,
            village: " 150422100201 ",
            project: "高龄津贴",
        });
        assert_eq!(row.line, 7);
        assert_eq!(row.name, "王*");
        assert_eq!(row.resident_id, "110105********002X");
        assert_eq!(row.account.as_deref(), Some("***************0018"));
        assert_eq!(row.village, "150422100201");
        assert_eq!(row.amount, Amount::parse("300.50")?);
        Ok(())
    }

    #[test]
    fn hidden_columns_are_empty() -> TestResult {
        let id = ResidentId::parse("11010519491231002X")?;
        let account = AccountNumber::parse("6228480000000000018", AccountKind::BankCard)?;
        let policy = MaskingPolicy {
            name: NameMasking::MaskGivenName,
            resident_id: IdMasking::Hidden,
            account: AccountMasking::Hidden,
        };
        let row = policy.entry(&PublicityInput {
            line: 1,
            name: "李四",
            resident_id: &id,
            account: Some(&account),
            amount: Amount::parse("1")?,
            village: "红旗嘎查",
            project: "P",
        });
        assert_eq!(row.resident_id, "");
        assert_eq!(row.account, None);
        Ok(())
    }

    #[test]
    fn policy_serde_defaults_to_safe() -> TestResult {
        let policy: MaskingPolicy = serde_json::from_str("{}")?;
        assert_eq!(policy, MaskingPolicy::default());
        let policy: MaskingPolicy = serde_json::from_str(r#"{"name":"full"}"#)?;
        assert_eq!(policy.name, NameMasking::Full);
        assert_eq!(policy.resident_id, IdMasking::FirstSixLastFour);
        assert!(serde_json::from_str::<MaskingPolicy>(r#"{"phone":"full"}"#).is_err());
        Ok(())
    }

    #[test]
    fn publicity_window() {
        let notice = Publicity {
            starts: date!(2025 - 03 - 03),
            ends: date!(2025 - 03 - 12),
            fell_back_to_weekdays: false,
        };
        assert!(!notice.is_open_on(date!(2025 - 03 - 02)));
        assert!(notice.is_open_on(date!(2025 - 03 - 03)));
        assert!(notice.is_open_on(date!(2025 - 03 - 12)));
        assert!(!notice.is_open_on(date!(2025 - 03 - 13)));
        assert!(!notice.has_ended_by(date!(2025 - 03 - 12)));
        assert!(notice.has_ended_by(date!(2025 - 03 - 13)));
    }

    #[test]
    fn objection_serde_round_trips() -> TestResult {
        let objection = Objection {
            id: 3,
            line: 12,
            filed_by: "村民 赵六".to_owned(),
            text: "已迁出本村".to_owned(),
            filed_on: date!(2025 - 03 - 05),
            status: ObjectionStatus::Upheld {
                resolution: Resolution::AmendLine {
                    note: "面积改为 10 亩".to_owned(),
                },
            },
        };
        let json = serde_json::to_string(&objection)?;
        assert!(json.contains(r#""filed_on":"2025-03-05""#), "{json}");
        assert!(json.contains(r#""status":"upheld""#), "{json}");
        assert!(json.contains(r#""action":"amend_line""#), "{json}");
        assert_eq!(serde_json::from_str::<Objection>(&json)?, objection);
        assert!(objection.status.is_closed());
        assert!(!ObjectionStatus::Investigating.is_closed());
        Ok(())
    }

    proptest! {
        /// Invariant 6: whatever the policy, no row shows a full ID number, a full
        /// account number or a phone number given in the name.
        #[test]
        fn no_output_leaks_id_account_or_phone(
            id in any::<ResidentId>(),
            account in any::<AccountNumber>(),
            surname in "[张王李赵欧阳巴]{1,2}",
            phone in "1[3-9][0-9]{9}",
            phone_in_name in any::<bool>(),
            policy_index in 0usize..8,
            fen in 0i64..100_000_000,
        ) {
            let policy = ALL_POLICIES[policy_index];
            let name = if phone_in_name { format!("{surname}{phone}") } else { format!("{surname}三") };
            let amount = Amount::from_fen(fen).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let row = policy.entry(&PublicityInput {
                line: 1,
                name: &name,
                resident_id: &id,
                account: Some(&account),
                amount,
                village: "红旗嘎查",
                project: "耕地地力保护补贴",
            });
            let json = serde_json::to_string(&row).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for text in texts(&row).iter().chain(std::iter::once(&json)) {
                prop_assert!(!text.contains(id.as_str()), "{text} shows {id}");
                prop_assert!(!text.contains(account.as_str()), "{text} shows {}", account.as_str());
                prop_assert!(!text.contains(&phone), "{text} shows {phone}");
                // Nor the middle of the ID (birth date and sequence).
                prop_assert!(!text.contains(&id.as_str()[6..14]), "{text} shows the birth date of {id}");
            }
            if let Some(shown) = &row.account {
                let hidden = shown.chars().filter(|&c| c == '*').count();
                prop_assert_eq!(hidden + 4, account.as_str().len());
            }
        }
    }
}
