//! Who is eligible (补贴对象条件): composable predicates over [`BeneficiaryFacts`].
//!
//! ```
//! use rust_decimal::Decimal;
//! use yikatong_core::{BeneficiaryFacts, Eligibility, Period, RegionCode, ResidentId};
//!
//! let rule: Eligibility = serde_json::from_str(r#"{ "rule": "all", "of": [
//!     { "rule": "age", "min": 60 },
//!     { "rule": "has_tag", "tag": "rural_hukou" },
//!     { "rule": "quantity", "name": "farmland_mu", "above": "0" }
//! ] }"#)?;
//! let facts = BeneficiaryFacts::new(ResidentId::parse("11010519491231002X")?, RegionCode::parse("150422")?)
//!     .with_tag("rural_hukou")
//!     .with_quantity("farmland_mu", Decimal::new(355, 1));
//! assert!(rule.check(&facts, Period::parse("2026-11")?).is_ok());
//! assert_eq!(rule.describe_zh(), "60 周岁及以上，且具有“rural_hukou”，且farmland_mu 大于 0");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rust_decimal::Decimal;

use crate::facts::AgeOn;
use crate::{BeneficiaryFacts, Period, PolicyRule, RegionCode, ResidentId, Sex};

/// A sorted list of resident ID numbers excluded from a policy (e.g. public servants).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<ResidentId>", into = "Vec<ResidentId>")]
pub struct ExclusionList(Vec<ResidentId>);

impl ExclusionList {
    /// Whether `id` is on the list.
    pub fn contains(&self, id: &ResidentId) -> bool {
        self.0.binary_search(id).is_ok()
    }

    /// How many numbers are on the list.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<ResidentId>> for ExclusionList {
    fn from(mut ids: Vec<ResidentId>) -> ExclusionList {
        ids.sort_unstable();
        ids.dedup();
        ExclusionList(ids)
    }
}

impl From<ExclusionList> for Vec<ResidentId> {
    fn from(list: ExclusionList) -> Vec<ResidentId> {
        list.0
    }
}

/// A condition a beneficiary must meet. Serialized with a `rule` tag.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Eligibility {
    /// Everyone (within the policy's region scope).
    #[default]
    Always,
    /// Every one of the rules.
    All {
        /// The rules.
        of: Vec<Eligibility>,
    },
    /// At least one of the rules.
    Any {
        /// The rules.
        of: Vec<Eligibility>,
    },
    /// The rule does not hold.
    Not {
        /// The rule.
        not: Box<Eligibility>,
    },
    /// Age in completed years, from the resident ID, in a range (both ends inclusive).
    Age {
        /// Lowest age.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        /// Highest age.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
        /// The reference date for the age.
        #[serde(default)]
        on: AgeOn,
    },
    /// Sex, from the resident ID.
    Sex {
        /// The sex required.
        sex: Sex,
    },
    /// Registered within one of the regions (a narrower scope than the policy's).
    Region {
        /// The regions (subtrees).
        within: Vec<RegionCode>,
    },
    /// A tag is present, e.g. `rural_hukou`.
    HasTag {
        /// The tag.
        tag: String,
    },
    /// A tag is absent, e.g. `public_servant`.
    LacksTag {
        /// The tag.
        tag: String,
    },
    /// A recorded quantity in a range; a missing quantity fails.
    Quantity {
        /// Name of the quantity, e.g. `farmland_mu`.
        name: String,
        /// Must be greater than this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        above: Option<Decimal>,
        /// Must be at least this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<Decimal>,
        /// Must be at most this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<Decimal>,
        /// Must be less than this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        below: Option<Decimal>,
    },
    /// Not on an exclusion list of resident ID numbers.
    NotListed {
        /// The list.
        ids: ExclusionList,
    },
}

/// What was found when a rule failed, for the explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observed {
    /// Nothing specific to show (tags, lists, combinations).
    Nothing,
    /// The age found.
    Age(u32),
    /// The sex found.
    Sex(Sex),
    /// The region found.
    Region(RegionCode),
    /// The quantity found, if any.
    Quantity(Option<Decimal>),
}

/// A rule that failed, and what was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed<'p> {
    /// The rule that failed.
    pub rule: &'p Eligibility,
    /// What was found.
    pub observed: Observed,
}

fn in_range(
    value: Decimal,
    above: Option<Decimal>,
    at_least: Option<Decimal>,
    at_most: Option<Decimal>,
    below: Option<Decimal>,
) -> bool {
    above.is_none_or(|x| value > x)
        && at_least.is_none_or(|x| value >= x)
        && at_most.is_none_or(|x| value <= x)
        && below.is_none_or(|x| value < x)
}

impl Eligibility {
    /// Checks the facts for `period`; on failure gives the first rule that failed.
    pub fn check<'p>(&'p self, facts: &BeneficiaryFacts, period: Period) -> Result<(), Failed<'p>> {
        let fail = |observed| {
            Err(Failed {
                rule: self,
                observed,
            })
        };
        match self {
            Eligibility::Always => Ok(()),
            Eligibility::All { of } => of.iter().try_for_each(|rule| rule.check(facts, period)),
            Eligibility::Any { of } => {
                if of.iter().any(|rule| rule.check(facts, period).is_ok()) {
                    Ok(())
                } else {
                    fail(Observed::Nothing)
                }
            }
            Eligibility::Not { not } => match not.check(facts, period) {
                Ok(()) => fail(Observed::Nothing),
                Err(_) => Ok(()),
            },
            Eligibility::Age { min, max, on } => {
                let age = facts.age_on(on.date(period));
                if min.is_none_or(|min| age >= min) && max.is_none_or(|max| age <= max) {
                    Ok(())
                } else {
                    fail(Observed::Age(age))
                }
            }
            Eligibility::Sex { sex } => {
                let found = facts.sex();
                if found == *sex {
                    Ok(())
                } else {
                    fail(Observed::Sex(found))
                }
            }
            Eligibility::Region { within } => {
                if within.iter().any(|scope| facts.region.is_within(*scope)) {
                    Ok(())
                } else {
                    fail(Observed::Region(facts.region))
                }
            }
            Eligibility::HasTag { tag } => {
                if facts.has_tag(tag) {
                    Ok(())
                } else {
                    fail(Observed::Nothing)
                }
            }
            Eligibility::LacksTag { tag } => {
                if facts.has_tag(tag) {
                    fail(Observed::Nothing)
                } else {
                    Ok(())
                }
            }
            Eligibility::Quantity {
                name,
                above,
                at_least,
                at_most,
                below,
            } => {
                let value = facts.quantity(name);
                match value {
                    Some(value) if in_range(value, *above, *at_least, *at_most, *below) => Ok(()),
                    _ => fail(Observed::Quantity(value)),
                }
            }
            Eligibility::NotListed { ids } => {
                if ids.contains(&facts.resident_id) {
                    fail(Observed::Nothing)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Checks the rule; on failure gives the path below `eligibility` and the rule.
    pub(crate) fn validate(&self) -> Result<(), (String, PolicyRule)> {
        match self {
            Eligibility::All { of } | Eligibility::Any { of } => {
                if of.is_empty() {
                    return Err(("of".into(), PolicyRule::EmptyList { what: "rules" }));
                }
                for (i, rule) in of.iter().enumerate() {
                    rule.validate().map_err(|(path, rule)| {
                        (
                            format!("of[{i}].{path}").trim_end_matches('.').to_owned(),
                            rule,
                        )
                    })?;
                }
                Ok(())
            }
            Eligibility::Not { not } => not.validate().map_err(|(path, rule)| {
                (format!("not.{path}").trim_end_matches('.').to_owned(), rule)
            }),
            Eligibility::Age {
                min: Some(min),
                max: Some(max),
                ..
            } if min > max => Err((
                "min".into(),
                PolicyRule::Range {
                    what: "age",
                    low: min.to_string(),
                    high: max.to_string(),
                },
            )),
            Eligibility::Region { within } if within.is_empty() => {
                Err(("within".into(), PolicyRule::EmptyList { what: "regions" }))
            }
            Eligibility::HasTag { tag } | Eligibility::LacksTag { tag }
                if tag.trim().is_empty() =>
            {
                Err(("tag".into(), PolicyRule::EmptyName { what: "tag" }))
            }
            Eligibility::Quantity {
                name,
                above,
                at_least,
                at_most,
                below,
            } => {
                if name.trim().is_empty() {
                    return Err((
                        "name".into(),
                        PolicyRule::EmptyName {
                            what: "quantity name",
                        },
                    ));
                }
                let low = above.or(*at_least);
                let high = below.or(*at_most);
                if let (Some(low), Some(high)) = (low, high) {
                    if low > high {
                        return Err((
                            "name".into(),
                            PolicyRule::Range {
                                what: "quantity",
                                low: low.to_string(),
                                high: high.to_string(),
                            },
                        ));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The rule in Chinese, for the public list and explanations.
    pub fn describe_zh(&self) -> String {
        match self {
            Eligibility::Always => "不限".to_owned(),
            Eligibility::All { of } => join(of, "，且", Eligibility::describe_zh),
            Eligibility::Any { of } => {
                format!("（{}）", join(of, "，或", Eligibility::describe_zh))
            }
            Eligibility::Not { not } => format!("非（{}）", not.describe_zh()),
            Eligibility::Age { min, max, on } => {
                let when = match on {
                    AgeOn::PeriodStart => "",
                    AgeOn::PeriodEnd => "（按期末计）",
                };
                match (min, max) {
                    (Some(min), Some(max)) => format!("{min}–{max} 周岁{when}"),
                    (Some(min), None) => format!("{min} 周岁及以上{when}"),
                    (None, Some(max)) => format!("{max} 周岁及以下{when}"),
                    (None, None) => "年龄不限".to_owned(),
                }
            }
            Eligibility::Sex { sex } => match sex {
                Sex::Male => "男性".to_owned(),
                Sex::Female => "女性".to_owned(),
            },
            Eligibility::Region { within } => format!(
                "户籍在 {} 范围内",
                within
                    .iter()
                    .map(|code| code.to_short_string())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            Eligibility::HasTag { tag } => format!("具有“{tag}”"),
            Eligibility::LacksTag { tag } => format!("不具有“{tag}”"),
            Eligibility::Quantity {
                name,
                above,
                at_least,
                at_most,
                below,
            } => {
                let mut parts = Vec::new();
                if let Some(x) = above {
                    parts.push(format!("大于 {x}"));
                }
                if let Some(x) = at_least {
                    parts.push(format!("不少于 {x}"));
                }
                if let Some(x) = at_most {
                    parts.push(format!("不超过 {x}"));
                }
                if let Some(x) = below {
                    parts.push(format!("小于 {x}"));
                }
                if parts.is_empty() {
                    parts.push("已登记".to_owned());
                }
                format!("{name} {}", parts.join("且"))
            }
            Eligibility::NotListed { ids } => format!("不在排除名单（{} 人）内", ids.len()),
        }
    }

    /// The rule in English.
    pub fn describe_en(&self) -> String {
        match self {
            Eligibility::Always => "anyone".to_owned(),
            Eligibility::All { of } => join(of, ", and ", Eligibility::describe_en),
            Eligibility::Any { of } => format!("({})", join(of, ", or ", Eligibility::describe_en)),
            Eligibility::Not { not } => format!("not ({})", not.describe_en()),
            Eligibility::Age { min, max, on } => {
                let when = match on {
                    AgeOn::PeriodStart => "",
                    AgeOn::PeriodEnd => " (at the end of the period)",
                };
                match (min, max) {
                    (Some(min), Some(max)) => format!("aged {min}–{max}{when}"),
                    (Some(min), None) => format!("aged {min} or over{when}"),
                    (None, Some(max)) => format!("aged {max} or under{when}"),
                    (None, None) => "any age".to_owned(),
                }
            }
            Eligibility::Sex { sex } => match sex {
                Sex::Male => "male".to_owned(),
                Sex::Female => "female".to_owned(),
            },
            Eligibility::Region { within } => format!(
                "registered within {}",
                within
                    .iter()
                    .map(|code| code.to_short_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Eligibility::HasTag { tag } => format!("has \"{tag}\""),
            Eligibility::LacksTag { tag } => format!("does not have \"{tag}\""),
            Eligibility::Quantity {
                name,
                above,
                at_least,
                at_most,
                below,
            } => {
                let mut parts = Vec::new();
                if let Some(x) = above {
                    parts.push(format!("more than {x}"));
                }
                if let Some(x) = at_least {
                    parts.push(format!("at least {x}"));
                }
                if let Some(x) = at_most {
                    parts.push(format!("at most {x}"));
                }
                if let Some(x) = below {
                    parts.push(format!("less than {x}"));
                }
                if parts.is_empty() {
                    parts.push("recorded".to_owned());
                }
                format!("{name} {}", parts.join(" and "))
            }
            Eligibility::NotListed { ids } => {
                format!("not on the exclusion list ({} people)", ids.len())
            }
        }
    }
}

impl Failed<'_> {
    /// Why the beneficiary is not eligible, in Chinese.
    pub fn describe_zh(&self) -> String {
        let found = match self.observed {
            Observed::Nothing => String::new(),
            Observed::Age(age) => format!("实际 {age} 周岁，"),
            Observed::Sex(Sex::Male) => "实际为男性，".to_owned(),
            Observed::Sex(Sex::Female) => "实际为女性，".to_owned(),
            Observed::Region(code) => format!("实际户籍 {}，", code.to_short_string()),
            Observed::Quantity(Some(value)) => format!("实际 {value}，"),
            Observed::Quantity(None) => "未登记，".to_owned(),
        };
        format!("不符合条件：{found}要求{}", self.rule.describe_zh())
    }

    /// Why the beneficiary is not eligible, in English.
    pub fn describe_en(&self) -> String {
        let found = match self.observed {
            Observed::Nothing => String::new(),
            Observed::Age(age) => format!("aged {age}; "),
            Observed::Sex(Sex::Male) => "male; ".to_owned(),
            Observed::Sex(Sex::Female) => "female; ".to_owned(),
            Observed::Region(code) => format!("registered in {}; ", code.to_short_string()),
            Observed::Quantity(Some(value)) => format!("found {value}; "),
            Observed::Quantity(None) => "not recorded; ".to_owned(),
        };
        format!("not eligible: {found}required: {}", self.rule.describe_en())
    }
}

fn join(rules: &[Eligibility], separator: &str, describe: fn(&Eligibility) -> String) -> String {
    rules
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn person() -> std::result::Result<BeneficiaryFacts, Box<dyn std::error::Error>> {
        // Born 1949-12-31, female.
        Ok(BeneficiaryFacts::new(
            ResidentId::parse("11010519491231002X")?,
            RegionCode::parse("150422100")?,
        ))
    }

    #[test]
    fn age_on_period_start_and_end() -> TestResult {
        let rule = Eligibility::Age {
            min: Some(80),
            max: None,
            on: AgeOn::PeriodStart,
        };
        let facts = person()?;
        let december = Period::month(2029, 12)?;
        let failed = rule.check(&facts, december).err();
        assert_eq!(failed.map(|f| f.observed), Some(Observed::Age(79)));
        assert_eq!(
            failed.map(|f| f.describe_zh()).as_deref(),
            Some("不符合条件：实际 79 周岁，要求80 周岁及以上")
        );
        let at_end = Eligibility::Age {
            min: Some(80),
            max: None,
            on: AgeOn::PeriodEnd,
        };
        assert!(at_end.check(&facts, december).is_ok());
        Ok(())
    }

    #[test]
    fn combinators_tags_regions_lists() -> TestResult {
        let facts = person()?.with_tag("disability:2");
        let period = Period::parse("2026-01")?;
        let any = Eligibility::Any {
            of: vec![
                Eligibility::HasTag {
                    tag: "disability:1".into(),
                },
                Eligibility::HasTag {
                    tag: "disability:2".into(),
                },
            ],
        };
        assert!(any.check(&facts, period).is_ok());
        let not = Eligibility::Not {
            not: Box::new(any.clone()),
        };
        assert!(not.check(&facts, period).is_err());
        let region = Eligibility::Region {
            within: vec![RegionCode::parse("1505")?],
        };
        assert_eq!(
            region.check(&facts, period).err().map(|f| f.observed),
            Some(Observed::Region(facts.region))
        );
        let listed = Eligibility::NotListed {
            ids: vec![facts.resident_id].into(),
        };
        assert!(listed.check(&facts, period).is_err());
        assert!(
            Eligibility::Sex { sex: Sex::Female }
                .check(&facts, period)
                .is_ok()
        );
        let land = Eligibility::Quantity {
            name: "farmland_mu".into(),
            above: Some(Decimal::ZERO),
            at_least: None,
            at_most: None,
            below: None,
        };
        assert_eq!(
            land.check(&facts, period).err().map(|f| f.observed),
            Some(Observed::Quantity(None))
        );
        assert!(
            land.check(
                &facts.clone().with_quantity("farmland_mu", Decimal::ONE),
                period
            )
            .is_ok()
        );
        assert!(
            land.check(&facts.with_quantity("farmland_mu", Decimal::ZERO), period)
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn validation_gives_paths() {
        let rule = Eligibility::All {
            of: vec![
                Eligibility::Always,
                Eligibility::Any {
                    of: vec![Eligibility::Age {
                        min: Some(9),
                        max: Some(3),
                        on: AgeOn::PeriodStart,
                    }],
                },
            ],
        };
        let error = rule.validate().err();
        assert_eq!(
            error.as_ref().map(|(path, _)| path.as_str()),
            Some("of[1].of[0].min")
        );
        let empty = Eligibility::Any { of: vec![] };
        assert!(empty.validate().is_err());
    }

    proptest! {
        #[test]
        fn age_range_matches_age(id in any::<ResidentId>(), min in 0u32..120, span in 0u32..50) {
            let facts = BeneficiaryFacts::new(id, RegionCode::parse("15").map_err(|e| TestCaseError::fail(e.to_string()))?);
            let period = Period::parse("2026-06").map_err(|e| TestCaseError::fail(e.to_string()))?;
            let rule = Eligibility::Age { min: Some(min), max: Some(min + span), on: AgeOn::PeriodStart };
            let age = id.age_on(period.first_day());
            prop_assert_eq!(rule.check(&facts, period).is_ok(), age >= min && age <= min + span);
            let not = Eligibility::Not { not: Box::new(rule.clone()) };
            prop_assert_ne!(rule.check(&facts, period).is_ok(), not.check(&facts, period).is_ok());
        }
    }
}
