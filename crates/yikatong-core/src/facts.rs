//! What is known about one beneficiary (补贴对象) when an entitlement is computed.
//!
//! Facts are plain data collected by the township: who the person is, where they
//! live, tags such as `disability:1` or `rural_hukou`, quantities such as
//! `grassland_mu`, the household's size and income, and how much of the period
//! they were eligible for. Age and sex are read from the resident ID number.
//!
//! ```
//! use rust_decimal::Decimal;
//! use yikatong_core::{BeneficiaryFacts, RegionCode, ResidentId};
//!
//! let facts = BeneficiaryFacts::new(ResidentId::parse("11010519491231002X")?, RegionCode::parse("150422100")?)
//!     .with_tag("rural_hukou")
//!     .with_quantity("grassland_mu", Decimal::new(120, 0));
//! assert!(facts.has_tag("rural_hukou"));
//! assert_eq!(facts.quantity("grassland_mu"), Some(Decimal::new(120, 0)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use rust_decimal::Decimal;
use time::Date;

use crate::{Amount, Period, RegionCode, ResidentId, Sex};

/// The date an age is taken on, relative to the period being paid.
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
pub enum AgeOn {
    /// The first day of the period: someone who turns 80 during a month is paid from the next month.
    #[default]
    PeriodStart,
    /// The last day of the period: someone who turns 80 during a month is paid for that month.
    PeriodEnd,
}

impl AgeOn {
    /// The reference date for `period`.
    pub fn date(self, period: Period) -> Date {
        match self {
            AgeOn::PeriodStart => period.first_day(),
            AgeOn::PeriodEnd => period.last_day(),
        }
    }
}

fn one() -> u32 {
    1
}

/// The facts about one beneficiary (or, for per-household subsidies, about the
/// household, keyed by its head) that policies are applied to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryFacts {
    /// The beneficiary (or household head).
    pub resident_id: ResidentId,
    /// Where the beneficiary is registered: usually a village or township code.
    pub region: RegionCode,
    /// The household (户) the beneficiary belongs to, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_id: Option<String>,
    /// Number of household members counted by the policy (at least 1).
    #[serde(default = "one")]
    pub household_members: u32,
    /// Per-capita household income for the standard's period (e.g. a month), if assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_capita_income: Option<Amount>,
    /// Tags that are present, e.g. `rural_hukou`, `disability:1`, `family_planning_only_child`.
    #[serde(default)]
    pub tags: BTreeSet<String>,
    /// Quantities by name, e.g. `farmland_mu` → 35.5, `grassland_mu` → 1200, `machines` → 1.
    #[serde(default)]
    pub quantities: BTreeMap<String, Decimal>,
    /// Days of the period the beneficiary was eligible; `None` means all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_days: Option<u32>,
    /// Whole months of the period the beneficiary was eligible; `None` means all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_months: Option<u32>,
}

impl BeneficiaryFacts {
    /// Facts with only an ID and a region: a household of one, no tags, no quantities,
    /// eligible for the whole period.
    pub fn new(resident_id: ResidentId, region: RegionCode) -> BeneficiaryFacts {
        BeneficiaryFacts {
            resident_id,
            region,
            household_id: None,
            household_members: 1,
            per_capita_income: None,
            tags: BTreeSet::new(),
            quantities: BTreeMap::new(),
            eligible_days: None,
            eligible_months: None,
        }
    }

    /// Adds a tag.
    pub fn with_tag(mut self, tag: impl Into<String>) -> BeneficiaryFacts {
        self.tags.insert(tag.into());
        self
    }

    /// Sets a quantity.
    pub fn with_quantity(mut self, name: impl Into<String>, value: Decimal) -> BeneficiaryFacts {
        self.quantities.insert(name.into(), value);
        self
    }

    /// Sets the household and its number of members.
    pub fn with_household(mut self, id: impl Into<String>, members: u32) -> BeneficiaryFacts {
        self.household_id = Some(id.into());
        self.household_members = members;
        self
    }

    /// Sets the per-capita household income.
    pub fn with_income(mut self, per_capita: Amount) -> BeneficiaryFacts {
        self.per_capita_income = Some(per_capita);
        self
    }

    /// Sets the number of eligible months of the period.
    pub fn with_eligible_months(mut self, months: u32) -> BeneficiaryFacts {
        self.eligible_months = Some(months);
        self
    }

    /// Sets the number of eligible days of the period.
    pub fn with_eligible_days(mut self, days: u32) -> BeneficiaryFacts {
        self.eligible_days = Some(days);
        self
    }

    /// Whether the tag is present.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.contains(tag)
    }

    /// The quantity called `name`, if recorded.
    pub fn quantity(&self, name: &str) -> Option<Decimal> {
        self.quantities.get(name).copied()
    }

    /// Age in completed years on `date`, from the resident ID number.
    pub fn age_on(&self, date: Date) -> u32 {
        self.resident_id.age_on(date)
    }

    /// Sex, from the resident ID number.
    pub fn sex(&self) -> Sex {
        self.resident_id.sex()
    }

    /// The grade recorded as a tag `name:N` (e.g. `disability:2` → 2); the best
    /// (lowest) grade if several are present.
    pub fn grade(&self, name: &str) -> Option<u8> {
        self.tags
            .range::<str, _>((Bound::Included(name), Bound::Unbounded))
            .take_while(|tag| tag.starts_with(name))
            .filter_map(|tag| tag.get(name.len()..)?.strip_prefix(':')?.parse::<u8>().ok())
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn grade_is_read_from_tags() -> TestResult {
        let facts = BeneficiaryFacts::new(
            ResidentId::parse("11010519491231002X")?,
            RegionCode::parse("15")?,
        )
        .with_tag("disability_note")
        .with_tag("disability:3")
        .with_tag("disability:2")
        .with_tag("disabilityx:1");
        assert_eq!(facts.grade("disability"), Some(2));
        assert_eq!(facts.grade("care"), None);
        Ok(())
    }

    #[test]
    fn facts_json_rejects_unknown_fields() {
        let text = r#"{"resident_id":"11010519491231002X","region":"150422","landmu":3}"#;
        let error = serde_json::from_str::<BeneficiaryFacts>(text)
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("unknown field `landmu`")));
    }
}
