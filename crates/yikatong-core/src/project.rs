//! Subsidy projects (补贴项目): the named programmes a policy belongs to, with
//! their payment cycle, deadline and public-notice length.
//!
//! ```
//! use yikatong_core::{Cycle, Period, SubsidyProject, WorkCalendar};
//!
//! let project: SubsidyProject = serde_json::from_str(r#"{
//!     "code": "GDDLBH",
//!     "name": "耕地地力保护补贴",
//!     "name_en": "Cultivated land fertility protection subsidy",
//!     "category": "agriculture",
//!     "department": { "name": "内蒙古自治区农牧厅", "credit_code": "111500000116068800" },
//!     "payment_unit": "household",
//!     "cycle": "yearly",
//!     "deadline": { "working_day": 10, "month": "last" }
//! }"#)?;
//! assert_eq!(project.cycle, Cycle::Yearly);
//! assert_eq!(project.publicity_working_days, 7);
//! let due = project.deadline.due_date(Period::year(2026)?, &WorkCalendar::weekdays_only())?;
//! assert_eq!(due.value.to_string(), "2026-12-14");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use time::Date;

use crate::calendar::Reckoned;
use crate::period::PeriodKind;
use crate::{CreditCode, Error, Period, Result, WorkCalendar};

/// The two families of subsidies in the one-card system.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ProjectCategory {
    /// 惠民: subsidies for residents (elderly, disabled, low income, …).
    People,
    /// 惠农: subsidies for farmers and herders (land, grassland, machinery, …).
    Agriculture,
}

impl ProjectCategory {
    /// The Chinese name: 惠民 or 惠农.
    pub const fn name_zh(self) -> &'static str {
        match self {
            ProjectCategory::People => "惠民",
            ProjectCategory::Agriculture => "惠农",
        }
    }
}

/// A government department, named and identified by its unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Full name, e.g. 内蒙古自治区财政厅.
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    pub credit_code: CreditCode,
}

/// Who a line of the roster pays.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PaymentUnit {
    /// Each eligible person is paid.
    Person,
    /// Each eligible household is paid, to its head (户主).
    Household,
}

impl PaymentUnit {
    /// The Chinese counter: 人 or 户.
    pub const fn name_zh(self) -> &'static str {
        match self {
            PaymentUnit::Person => "人",
            PaymentUnit::Household => "户",
        }
    }
}

/// How often a project pays (发放周期).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    /// Every month.
    Monthly,
    /// Every quarter.
    Quarterly,
    /// Every half-year.
    HalfYearly,
    /// Once a year.
    Yearly,
    /// Once per event (a machine bought, a house rebuilt), paid for the year it falls in.
    OneOff,
}

impl Cycle {
    /// The kind of period one payment covers; a one-off is booked to a year.
    pub const fn period_kind(self) -> PeriodKind {
        match self {
            Cycle::Monthly => PeriodKind::Month,
            Cycle::Quarterly => PeriodKind::Quarter,
            Cycle::HalfYearly => PeriodKind::HalfYear,
            Cycle::Yearly | Cycle::OneOff => PeriodKind::Year,
        }
    }

    /// The Chinese name, e.g. 按月.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Cycle::Monthly => "按月",
            Cycle::Quarterly => "按季",
            Cycle::HalfYearly => "按半年",
            Cycle::Yearly => "按年",
            Cycle::OneOff => "一次性",
        }
    }
}

/// Which month of the period a deadline is counted in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineMonth {
    /// The period's first month (payment in advance).
    #[default]
    First,
    /// The period's last month.
    Last,
}

/// When a period's payment is due: "by the `working_day`-th working day of the
/// period's first (or last) month".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    /// Which working day of the month, counting from 1.
    pub working_day: u32,
    /// Which month of the period.
    #[serde(default)]
    pub month: DeadlineMonth,
}

impl DeadlineRule {
    /// The due date of `period`'s payment, with whether the statutory calendar
    /// covered it. Fails only past the year 9999.
    pub fn due_date(&self, period: Period, calendar: &WorkCalendar) -> Result<Reckoned<Date>> {
        let anchor = match self.month {
            DeadlineMonth::First => period.first_day(),
            DeadlineMonth::Last => period.last_day(),
        };
        let first = anchor.replace_day(1).unwrap_or(anchor);
        let Some(before) = first.previous_day() else {
            return Err(Error::DateOutOfRange {
                detail: format!("deadline of {period}: no day before {first}"),
            });
        };
        calendar.add_working_days(before, self.working_day.max(1))
    }

    /// The rule in Chinese, e.g. 每期首月第10个工作日前.
    pub fn describe_zh(&self) -> String {
        let month = match self.month {
            DeadlineMonth::First => "首月",
            DeadlineMonth::Last => "末月",
        };
        format!("每期{month}第{}个工作日前", self.working_day)
    }
}

fn default_publicity() -> u32 {
    7
}

/// A subsidy project (补贴项目), such as 耕地地力保护补贴: it owns the payment
/// cycle, the deadline and the public-notice length; its [`Policy`](crate::Policy)
/// versions say who gets how much.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsidyProject {
    /// Short code, unique in a catalogue, e.g. `GDDLBH`.
    pub code: String,
    /// Chinese name as published.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// 惠民 or 惠农.
    pub category: ProjectCategory,
    /// The competent department (业务主管部门).
    pub department: Department,
    /// Whether each person or each household (its head) is paid.
    pub payment_unit: PaymentUnit,
    /// How often the project pays.
    pub cycle: Cycle,
    /// When each period's payment is due.
    pub deadline: DeadlineRule,
    /// Length of the public notice (公示期) in working days.
    #[serde(default = "default_publicity")]
    pub publicity_working_days: u32,
    /// Codes of projects that cannot be received for the same period together with this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
    /// A remark for the public list, e.g. that figures are illustrative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SubsidyProject {
    /// Whether receiving this project rules out receiving `other` for the same period.
    pub fn excludes(&self, other: &str) -> bool {
        self.excludes.iter().any(|code| code == other)
    }
}

#[cfg(feature = "proptest")]
mod arbitrary {
    use super::{Cycle, PaymentUnit, ProjectCategory};
    use proptest::prelude::*;

    impl Arbitrary for Cycle {
        type Parameters = ();
        type Strategy = BoxedStrategy<Cycle>;
        fn arbitrary_with((): ()) -> Self::Strategy {
            prop_oneof![
                Just(Cycle::Monthly),
                Just(Cycle::Quarterly),
                Just(Cycle::HalfYearly),
                Just(Cycle::Yearly),
                Just(Cycle::OneOff),
            ]
            .boxed()
        }
    }

    impl Arbitrary for PaymentUnit {
        type Parameters = ();
        type Strategy = BoxedStrategy<PaymentUnit>;
        fn arbitrary_with((): ()) -> Self::Strategy {
            prop_oneof![Just(PaymentUnit::Person), Just(PaymentUnit::Household)].boxed()
        }
    }

    impl Arbitrary for ProjectCategory {
        type Parameters = ();
        type Strategy = BoxedStrategy<ProjectCategory>;
        fn arbitrary_with((): ()) -> Self::Strategy {
            prop_oneof![
                Just(ProjectCategory::People),
                Just(ProjectCategory::Agriculture)
            ]
            .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn deadline_counts_working_days_of_the_month() -> TestResult {
        let calendar = WorkCalendar::weekdays_only();
        let rule = DeadlineRule {
            working_day: 10,
            month: DeadlineMonth::First,
        };
        // November 2026 starts on a Sunday: the 10th weekday is Friday the 13th.
        let due = rule.due_date(Period::month(2026, 11)?, &calendar)?;
        assert_eq!(due.value, date!(2026 - 11 - 13));
        let first = DeadlineRule {
            working_day: 1,
            month: DeadlineMonth::Last,
        };
        let due = first.due_date(Period::quarter(2026, 1)?, &calendar)?;
        assert_eq!(due.value, date!(2026 - 03 - 02));
        assert_eq!(rule.describe_zh(), "每期首月第10个工作日前");
        Ok(())
    }

    #[test]
    fn unknown_fields_and_defaults() {
        let text = r#"{"code":"X","name":"x","name_en":"x","category":"people",
            "department":{"name":"d","credit_code":"111500000116068800"},
            "payment_unit":"person","cycle":"monthly","deadline":{"working_day":5},"colour":1}"#;
        let error = serde_json::from_str::<SubsidyProject>(text)
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("unknown field `colour`")));
    }

    #[test]
    fn cycles_map_to_period_kinds() {
        assert_eq!(Cycle::Monthly.period_kind(), PeriodKind::Month);
        assert_eq!(Cycle::OneOff.period_kind(), PeriodKind::Year);
        assert_eq!(Cycle::HalfYearly.name_zh(), "按半年");
    }
}
