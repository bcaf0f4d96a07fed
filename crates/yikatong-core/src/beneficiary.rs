//! Beneficiaries (补贴对象) and households (户): who is paid.

use compact_str::CompactString;
use time::Date;

use crate::{Amount, BeneficiaryFacts, Quantities, RegionCode, ResidentId, Tags};

/// One person in the register, identified by resident ID number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beneficiary {
    /// The person's resident ID number (公民身份号码).
    pub resident_id: ResidentId,
    /// Name as registered (姓名).
    pub name: CompactString,
    /// The household (户) the person belongs to.
    pub household_id: CompactString,
    /// The village (嘎查/村) or township where the person is registered.
    pub village: RegionCode,
    /// Mobile phone number for payment notices; never published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Tags, e.g. `rural_hukou`, `disability:2`.
    #[serde(default)]
    pub tags: Tags,
    /// Quantities by name, e.g. `farmland_mu` → 35.5.
    #[serde(default)]
    pub quantities: Quantities,
    /// Per-capita household income, if assessed (for top-up standards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_capita_income: Option<Amount>,
    /// Date of death, when civil affairs has reported one.
    #[serde(
        default,
        with = "crate::policy::iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub deceased_on: Option<Date>,
}

impl Beneficiary {
    /// A beneficiary with no phone, tags, quantities, income or date of death.
    ///
    /// ```
    /// use yikatong_core::{Beneficiary, RegionCode, ResidentId};
    ///
    /// let person = Beneficiary::new(
    ///     ResidentId::parse("11010519491231002X")?,
    ///     "张三",
    ///     "H1",
    ///     RegionCode::parse("150422100")?,
    /// );
    /// assert_eq!(person.name, "张三");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        resident_id: ResidentId,
        name: impl Into<CompactString>,
        household_id: impl Into<CompactString>,
        village: RegionCode,
    ) -> Beneficiary {
        Beneficiary {
            resident_id,
            name: name.into(),
            household_id: household_id.into(),
            village,
            phone: None,
            tags: Tags::new(),
            quantities: Quantities::new(),
            per_capita_income: None,
            deceased_on: None,
        }
    }

    /// The facts policies are applied to, with the household size given by the caller
    /// (the register knows it; a roster file may state it).
    pub fn facts(&self, household_members: u32) -> BeneficiaryFacts {
        let mut facts = BeneficiaryFacts::new(self.resident_id, self.village)
            .with_household(self.household_id.clone(), household_members.max(1));
        facts.tags = self.tags.clone();
        facts.quantities = self.quantities.clone();
        facts.per_capita_income = self.per_capita_income;
        facts
    }

    /// Whether the person had died on or before `date`.
    pub fn is_deceased_on(&self, date: Date) -> bool {
        self.deceased_on.is_some_and(|died| died <= date)
    }
}

/// A household (户): its head receives per-household subsidies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Household {
    /// The household's identifier (户编号), unique in the register.
    pub id: CompactString,
    /// The head of household (户主).
    pub head: ResidentId,
    /// Every member, the head included.
    pub members: Vec<ResidentId>,
}

impl Household {
    /// A household with its head and members (the head is added to the members if
    /// missing, so the result always lists its head).
    pub fn new(
        id: impl Into<CompactString>,
        head: ResidentId,
        members: impl IntoIterator<Item = ResidentId>,
    ) -> Household {
        let mut all: Vec<ResidentId> = members.into_iter().collect();
        if !all.contains(&head) {
            all.insert(0, head);
        }
        Household {
            id: id.into(),
            head,
            members: all,
        }
    }

    /// Number of members (at least the head).
    pub fn size(&self) -> u32 {
        u32::try_from(self.members.len()).unwrap_or(u32::MAX).max(1)
    }
}

/// Whether two names are the same person's name as written. Spaces and the dots that
/// separate the parts of Mongolian, Uyghur and other transliterated names are ignored,
/// whichever dot is used and whether it is written at all: clerks and banks differ
/// (阿拉坦·其其格 = 阿拉坦•其其格 = 阿拉坦其其格).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let significant = |c: &char| {
        !c.is_whitespace()
            && !matches!(
                c,
                '.' | '\u{00B7}'
                    | '\u{2022}'
                    | '\u{2027}'
                    | '\u{22C5}'
                    | '\u{30FB}'
                    | '\u{FF0E}'
                    | '\u{FF65}'
            )
    };
    a.chars()
        .filter(significant)
        .eq(b.chars().filter(significant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn names_match_whatever_dot_or_spacing_separates_their_parts() {
        for written in [
            "阿拉坦·其其格",
            "阿拉坦•其其格",
            "阿拉坦・其其格",
            "阿拉坦其其格",
            " 阿拉坦 其其格 ",
            "阿拉坦.其其格",
        ] {
            assert!(same_name(written, "阿拉坦·其其格"), "{written}");
        }
        assert!(same_name("张三", "张三"));
        assert!(!same_name("张三", "张三丰"));
        assert!(!same_name("阿拉坦·其其格", "阿拉坦·其格"));
        assert!(!same_name("", "张三"));
    }

    #[test]
    fn new_beneficiary_and_facts() -> TestResult {
        let id = ResidentId::parse("11010519491231002X")?;
        let mut person = Beneficiary::new(id, "张三", "H1", RegionCode::parse("150422100")?);
        person.tags.insert("rural_hukou");
        person.deceased_on = Some(date!(2026 - 02 - 01));
        let facts = person.facts(3);
        assert!(facts.has_tag("rural_hukou"));
        assert!(!person.is_deceased_on(date!(2026 - 01 - 31)));
        assert!(person.is_deceased_on(date!(2026 - 02 - 01)));
        let json = serde_json::to_string(&person)?;
        assert!(json.contains(r#""deceased_on":"2026-02-01""#), "{json}");
        assert_eq!(serde_json::from_str::<Beneficiary>(&json)?, person);
        Ok(())
    }

    #[test]
    fn household_lists_its_head() -> TestResult {
        let head = ResidentId::parse("11010519491231002X")?;
        let other = ResidentId::parse("110105194912310038")?;
        let household = Household::new("H1", head, [other]);
        assert_eq!(household.members, vec![head, other]);
        assert_eq!(household.size(), 2);
        let again = Household::new("H1", head, [other, head]);
        assert_eq!(again.members, vec![other, head]);
        Ok(())
    }
}
