//! Funding shares (资金分担): which level of government pays which part of a subsidy.
//!
//! ```
//! use yikatong_core::{Amount, FundingShares, GovernmentLevel};
//!
//! let shares: FundingShares = serde_json::from_str(r#"{ "central": "80", "region": "15", "county": "5" }"#)?;
//! let parts = shares.split(Amount::parse("100.01")?)?;
//! assert_eq!(parts[0], (GovernmentLevel::Central, Amount::parse("80.01")?));
//! assert_eq!(parts[2], (GovernmentLevel::County, Amount::parse("5.00")?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::{Amount, PolicyRule, Result};

/// A level of government, from the top.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum GovernmentLevel {
    /// The central government (中央).
    Central,
    /// The province or autonomous region (自治区/省).
    Region,
    /// The prefecture or league (盟市).
    Prefecture,
    /// The county or banner (旗县).
    County,
}

impl GovernmentLevel {
    /// All levels, from the top.
    pub const ALL: [GovernmentLevel; 4] = [
        GovernmentLevel::Central,
        GovernmentLevel::Region,
        GovernmentLevel::Prefecture,
        GovernmentLevel::County,
    ];

    /// The Chinese name, as in Inner Mongolia: 中央, 自治区, 盟市, 旗县.
    pub const fn name_zh(self) -> &'static str {
        match self {
            GovernmentLevel::Central => "中央",
            GovernmentLevel::Region => "自治区",
            GovernmentLevel::Prefecture => "盟市",
            GovernmentLevel::County => "旗县",
        }
    }

    /// The English name in snake case, as in the JSON.
    pub const fn name_en(self) -> &'static str {
        match self {
            GovernmentLevel::Central => "central",
            GovernmentLevel::Region => "region",
            GovernmentLevel::Prefecture => "prefecture",
            GovernmentLevel::County => "county",
        }
    }
}

/// Percentages of a subsidy paid by each level of government; valid shares are
/// zero or more and add up to exactly 100. Serialized as a map, e.g.
/// `{"central": "80", "region": "20"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FundingShares(BTreeMap<GovernmentLevel, Decimal>);

impl FundingShares {
    /// Shares from (level, percent) pairs, checked.
    pub fn new(
        shares: impl IntoIterator<Item = (GovernmentLevel, Decimal)>,
    ) -> std::result::Result<FundingShares, PolicyRule> {
        let shares = FundingShares(shares.into_iter().collect());
        shares.check()?;
        Ok(shares)
    }

    /// The whole subsidy paid by one level.
    pub fn all(level: GovernmentLevel) -> FundingShares {
        FundingShares(BTreeMap::from([(level, Decimal::ONE_HUNDRED)]))
    }

    /// The percent paid by `level` (zero if it has no share).
    pub fn percent(&self, level: GovernmentLevel) -> Decimal {
        self.0.get(&level).copied().unwrap_or_default()
    }

    /// The shares, from the top level down.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (GovernmentLevel, Decimal)> + '_ {
        self.0.iter().map(|(level, percent)| (*level, *percent))
    }

    /// Checks that there is a share, none is negative and they add up to 100.
    pub fn check(&self) -> std::result::Result<(), PolicyRule> {
        if self.0.is_empty() {
            return Err(PolicyRule::EmptyList {
                what: "funding shares",
            });
        }
        if let Some((level, percent)) = self
            .iter()
            .find(|(_, p)| p.is_sign_negative() && !p.is_zero())
        {
            return Err(PolicyRule::NegativeShare { level, percent });
        }
        let total: Decimal = self.0.values().copied().sum();
        if total != Decimal::ONE_HUNDRED {
            return Err(PolicyRule::SharesNotHundred {
                total: total.normalize(),
            });
        }
        Ok(())
    }

    /// Splits `amount` by the shares, exact to the fen (largest remainder): the parts
    /// add up to `amount`. Levels with a zero share get zero.
    pub fn split(&self, amount: Amount) -> Result<Vec<(GovernmentLevel, Amount)>> {
        let weights: Vec<Decimal> = self.0.values().copied().collect();
        let parts = amount.split(&weights)?;
        Ok(self.0.keys().copied().zip(parts).collect())
    }

    /// The shares in Chinese, e.g. 中央 80%、自治区 20%.
    pub fn describe_zh(&self) -> String {
        self.iter()
            .map(|(level, p)| format!("{} {}%", level.name_zh(), p.normalize()))
            .collect::<Vec<_>>()
            .join("、")
    }

    /// The shares in English, e.g. central 80%, region 20%.
    pub fn describe_en(&self) -> String {
        self.iter()
            .map(|(level, p)| format!("{} {}%", level.name_en(), p.normalize()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::{FundingShares, GovernmentLevel};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    impl Arbitrary for GovernmentLevel {
        type Parameters = ();
        type Strategy = BoxedStrategy<GovernmentLevel>;
        fn arbitrary_with((): ()) -> Self::Strategy {
            proptest::sample::select(GovernmentLevel::ALL.to_vec()).boxed()
        }
    }

    impl Arbitrary for FundingShares {
        type Parameters = ();
        type Strategy = BoxedStrategy<FundingShares>;
        /// Valid shares: basis points over the four levels adding up to 100%.
        fn arbitrary_with((): ()) -> Self::Strategy {
            (0u32..=10_000, 0u32..=10_000, 0u32..=10_000)
                .prop_map(|(a, b, c)| {
                    let mut cuts = [a, b, c];
                    cuts.sort_unstable();
                    let bounds = [0, cuts[0], cuts[1], cuts[2], 10_000];
                    FundingShares(
                        GovernmentLevel::ALL
                            .iter()
                            .zip(bounds.windows(2))
                            .map(|(level, w)| (*level, Decimal::new(i64::from(w[1] - w[0]), 2)))
                            .collect(),
                    )
                })
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_must_add_up_to_hundred() {
        let bad = FundingShares::new([
            (GovernmentLevel::Central, Decimal::from(80)),
            (GovernmentLevel::Region, Decimal::from(15)),
        ]);
        assert_eq!(
            bad.err(),
            Some(PolicyRule::SharesNotHundred {
                total: Decimal::from(95)
            })
        );
        let negative = FundingShares::new([
            (GovernmentLevel::Central, Decimal::from(120)),
            (GovernmentLevel::Region, Decimal::from(-20)),
        ]);
        assert!(matches!(
            negative,
            Err(PolicyRule::NegativeShare {
                level: GovernmentLevel::Region,
                ..
            })
        ));
        assert_eq!(
            FundingShares::new([]).err(),
            Some(PolicyRule::EmptyList {
                what: "funding shares"
            })
        );
    }

    #[test]
    fn describes_shares() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let shares = FundingShares::new([
            (GovernmentLevel::Region, Decimal::new(400, 1)),
            (GovernmentLevel::Central, Decimal::from(60)),
        ])?;
        assert_eq!(shares.describe_zh(), "中央 60%、自治区 40%");
        assert_eq!(shares.describe_en(), "central 60%, region 40%");
        Ok(())
    }

    proptest! {
        #[test]
        fn splits_add_up_exactly(fen in 0i64..10_000_000_000, a in 0u32..=10_000, b in 0u32..=10_000) {
            let (low, high) = (a.min(b), a.max(b));
            let shares = FundingShares::new([
                (GovernmentLevel::Central, Decimal::new(i64::from(low), 2)),
                (GovernmentLevel::Region, Decimal::new(i64::from(high - low), 2)),
                (GovernmentLevel::County, Decimal::new(i64::from(10_000 - high), 2)),
            ]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let amount = Amount::from_fen(fen).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let parts = shares.split(amount).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let total: i64 = parts.iter().map(|(_, part)| part.to_fen()).sum();
            prop_assert_eq!(total, fen);
            for (level, part) in parts {
                // Each part is within one fen of its exact share.
                let exact = Decimal::from(fen) * shares.percent(level) / Decimal::ONE_HUNDRED;
                prop_assert!((Decimal::from(part.to_fen()) - exact).abs() < Decimal::ONE);
            }
        }
    }
}
