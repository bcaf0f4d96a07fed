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

use compact_str::CompactString;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

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
    pub household_id: Option<CompactString>,
    /// Number of household members counted by the policy (at least 1).
    #[serde(default = "one")]
    pub household_members: u32,
    /// Per-capita household income for the standard's period (e.g. a month), if assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_capita_income: Option<Amount>,
    /// Tags that are present, e.g. `rural_hukou`, `disability:1`, `family_planning_only_child`.
    #[serde(default)]
    pub tags: Tags,
    /// Quantities by name, e.g. `farmland_mu` → 35.5, `grassland_mu` → 1200, `machines` → 1.
    #[serde(default)]
    pub quantities: Quantities,
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
            tags: Tags::new(),
            quantities: Quantities::new(),
            eligible_days: None,
            eligible_months: None,
        }
    }

    /// Adds a tag.
    pub fn with_tag(mut self, tag: impl Into<CompactString>) -> BeneficiaryFacts {
        self.tags.insert(tag.into());
        self
    }

    /// Sets a quantity.
    pub fn with_quantity(
        mut self,
        name: impl Into<CompactString>,
        value: Decimal,
    ) -> BeneficiaryFacts {
        self.quantities.insert(name.into(), value);
        self
    }

    /// Sets the household and its number of members.
    pub fn with_household(
        mut self,
        id: impl Into<CompactString>,
        members: u32,
    ) -> BeneficiaryFacts {
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
            .starting_with(name)
            .filter_map(|tag| tag.get(name.len()..)?.strip_prefix(':')?.parse::<u8>().ok())
            .min()
    }
}

/// A set of tags in order, e.g. `rural_hukou`, `disability:2`.
///
/// A clone shares the tags (it counts a reference instead of copying), because every
/// roster line copies its beneficiary's facts and few lines change them; a change
/// copies them first.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tags(Option<Arc<[CompactString]>>);

impl Tags {
    /// No tags (no allocation: an empty set is `None`, never an empty slice).
    pub fn new() -> Tags {
        Tags(None)
    }

    fn all(&self) -> &[CompactString] {
        self.0.as_deref().unwrap_or_default()
    }

    fn replace(&mut self, tags: Vec<CompactString>) {
        self.0 = (!tags.is_empty()).then(|| tags.into());
    }

    /// Whether `tag` is present.
    pub fn contains(&self, tag: &str) -> bool {
        self.position(tag).is_ok()
    }

    /// Adds `tag`; whether it was new.
    pub fn insert(&mut self, tag: impl Into<CompactString>) -> bool {
        let tag = tag.into();
        match self.position(&tag) {
            Ok(_) => false,
            Err(at) => {
                let mut tags = self.all().to_vec();
                tags.insert(at, tag);
                self.replace(tags);
                true
            }
        }
    }

    /// Removes `tag`; whether it was present.
    pub fn remove(&mut self, tag: &str) -> bool {
        match self.position(tag) {
            Ok(at) => {
                let mut tags = self.all().to_vec();
                tags.remove(at);
                self.replace(tags);
                true
            }
            Err(_) => false,
        }
    }

    /// The tags, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, CompactString> {
        self.all().iter()
    }

    /// The first tag in order.
    pub fn first(&self) -> Option<&CompactString> {
        self.all().first()
    }

    /// How many tags there are.
    pub fn len(&self) -> usize {
        self.all().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The tags that start with `prefix`, in order.
    pub fn starting_with<'t>(
        &'t self,
        prefix: &'t str,
    ) -> impl Iterator<Item = &'t CompactString> + 't {
        let from = self.all().partition_point(|tag| tag.as_str() < prefix);
        self.all()
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(move |tag| tag.starts_with(prefix))
    }

    fn position(&self, tag: &str) -> Result<usize, usize> {
        position_by_name(self.all(), tag, |known| known)
    }
}

impl Default for Tags {
    fn default() -> Tags {
        Tags::new()
    }
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<S: Into<CompactString>> FromIterator<S> for Tags {
    fn from_iter<I: IntoIterator<Item = S>>(tags: I) -> Tags {
        let mut tags: Vec<CompactString> = tags.into_iter().map(Into::into).collect();
        tags.sort_unstable();
        tags.dedup();
        let mut set = Tags::new();
        set.replace(tags);
        set
    }
}

impl<'t> IntoIterator for &'t Tags {
    type Item = &'t CompactString;
    type IntoIter = std::slice::Iter<'t, CompactString>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl serde::Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Tags {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Tags, D::Error> {
        Vec::<CompactString>::deserialize(deserializer).map(Tags::from_iter)
    }
}

/// Where `name` is in `all` (sorted by name), as `binary_search` says it. A person has a
/// tag or quantity or two: an equality test each (lengths first) beats ordering
/// comparisons.
fn position_by_name<T>(
    all: &[T],
    name: &str,
    name_of: impl Fn(&T) -> &CompactString,
) -> Result<usize, usize> {
    if let Some(found) = all.iter().position(|item| name_of(item) == name) {
        return Ok(found);
    }
    Err(all.partition_point(|item| name_of(item).as_str() < name))
}

/// Quantities by name in name order, e.g. `farmland_mu` → 35.5. Clones share them, as
/// [`Tags`] do.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Quantities(Option<Arc<[(CompactString, Decimal)]>>);

impl Quantities {
    /// No quantities.
    pub fn new() -> Quantities {
        Quantities(None)
    }

    fn all(&self) -> &[(CompactString, Decimal)] {
        self.0.as_deref().unwrap_or_default()
    }

    /// The quantity called `name`.
    pub fn get(&self, name: &str) -> Option<&Decimal> {
        let at = self.position(name).ok()?;
        self.all().get(at).map(|(_, value)| value)
    }

    /// Sets the quantity called `name`; the value it replaced.
    pub fn insert(&mut self, name: impl Into<CompactString>, value: Decimal) -> Option<Decimal> {
        let name = name.into();
        let mut quantities = self.all().to_vec();
        let replaced = match self.position(&name) {
            Ok(at) => quantities
                .get_mut(at)
                .map(|(_, old)| std::mem::replace(old, value)),
            Err(at) => {
                quantities.insert(at, (name, value));
                None
            }
        };
        // Never empty: a quantity was just set.
        self.0 = Some(quantities.into());
        replaced
    }

    /// The quantities, in name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&CompactString, &Decimal)> + '_ {
        self.all().iter().map(|(name, value)| (name, value))
    }

    /// The names, in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &CompactString> + '_ {
        self.all().iter().map(|(name, _)| name)
    }

    /// How many quantities there are.
    pub fn len(&self) -> usize {
        self.all().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        position_by_name(self.all(), name, |(known, _)| known)
    }
}

impl Default for Quantities {
    fn default() -> Quantities {
        Quantities::new()
    }
}

impl fmt::Debug for Quantities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<S: Into<CompactString>> FromIterator<(S, Decimal)> for Quantities {
    /// The last value wins for a name given twice.
    fn from_iter<I: IntoIterator<Item = (S, Decimal)>>(quantities: I) -> Quantities {
        let by_name: BTreeMap<CompactString, Decimal> = quantities
            .into_iter()
            .map(|(name, value)| (name.into(), value))
            .collect();
        let all: Vec<(CompactString, Decimal)> = by_name.into_iter().collect();
        Quantities((!all.is_empty()).then(|| all.into()))
    }
}

impl serde::Serialize for Quantities {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Quantities {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Quantities, D::Error> {
        BTreeMap::<CompactString, Decimal>::deserialize(deserializer).map(Quantities::from_iter)
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
    fn tags_and_quantities_stay_ordered_and_clones_do_not_change_each_other() -> TestResult {
        let mut tags: Tags = ["b", "a", "b"].into_iter().collect();
        assert_eq!(tags.iter().collect::<Vec<_>>(), ["a", "b"]);
        let shared = tags.clone();
        assert!(tags.insert("ab"));
        assert!(!tags.insert("a"));
        assert_eq!(tags.iter().collect::<Vec<_>>(), ["a", "ab", "b"]);
        assert_eq!(shared.len(), 2);
        assert_eq!(tags.starting_with("a").count(), 2);
        assert!(tags.remove("a") && !tags.remove("a"));
        assert_eq!(serde_json::to_string(&tags)?, r#"["ab","b"]"#);
        assert_eq!(serde_json::from_str::<Tags>(r#"["b","ab","b"]"#)?, tags);
        // Emptied, a set equals a new one (an empty set is never an empty slice).
        let mut emptied = tags.clone();
        assert!(emptied.remove("ab") && emptied.remove("b"));
        assert_eq!(emptied, Tags::new());
        assert!(emptied.is_empty() && emptied.first().is_none());
        assert_eq!(
            Quantities::from_iter(Vec::<(CompactString, Decimal)>::new()),
            Quantities::new()
        );

        let mut quantities = Quantities::new();
        assert_eq!(quantities.insert("farmland_mu", Decimal::new(355, 1)), None);
        let shared = quantities.clone();
        assert_eq!(
            quantities.insert("farmland_mu", Decimal::from(36)),
            Some(Decimal::new(355, 1))
        );
        quantities.insert("animals", Decimal::from(2));
        assert_eq!(
            quantities.keys().collect::<Vec<_>>(),
            ["animals", "farmland_mu"]
        );
        assert_eq!(shared.get("farmland_mu"), Some(&Decimal::new(355, 1)));
        let json = serde_json::to_string(&quantities)?;
        assert_eq!(json, r#"{"animals":"2","farmland_mu":"36"}"#);
        assert_eq!(serde_json::from_str::<Quantities>(&json)?, quantities);
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
