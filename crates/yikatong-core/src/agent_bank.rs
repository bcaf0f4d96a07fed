//! Agent banks (代理银行) and their agency agreements per county.

use time::Date;

use crate::{CreditCode, RegionCode};

/// A bank that pays subsidies on the government's behalf.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentBank {
    /// The bank's short code used in files, e.g. `NXS` or a 12-digit clearing code.
    pub code: String,
    /// Full name, e.g. 内蒙古农村信用社联合社.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: CreditCode,
    /// Whether the bank issues social security cards (it is then an agent bank for them).
    #[serde(default)]
    pub issues_social_security_cards: bool,
}

/// An agency agreement (代理协议): the bank may pay in this county while it is valid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyAgreement {
    /// The bank's code.
    pub bank_code: String,
    /// The county (旗县) the agreement covers.
    pub county: RegionCode,
    /// First day of validity.
    #[serde(with = "crate::policy::iso_date")]
    pub valid_from: Date,
    /// Last day of validity; `None` while open-ended.
    #[serde(
        default,
        with = "crate::policy::iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_to: Option<Date>,
}

impl AgencyAgreement {
    /// Whether its validity and `other`'s share at least one day.
    pub fn overlaps(&self, other: &AgencyAgreement) -> bool {
        let ends_before = |a: &AgencyAgreement, b: &AgencyAgreement| {
            a.valid_to.is_some_and(|end| end < b.valid_from)
        };
        !ends_before(self, other) && !ends_before(other, self)
    }

    /// Whether the agreement lets the bank pay in `region` (any code within the county) on `date`.
    pub fn covers(&self, region: RegionCode, date: Date) -> bool {
        region.is_within(self.county)
            && self.valid_from <= date
            && self.valid_to.is_none_or(|end| date <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn agreement(
        from: Date,
        to: Option<Date>,
    ) -> std::result::Result<AgencyAgreement, crate::Error> {
        Ok(AgencyAgreement {
            bank_code: "NXS".into(),
            county: RegionCode::parse("150422")?,
            valid_from: from,
            valid_to: to,
        })
    }

    #[test]
    fn covers_the_county_while_valid() -> TestResult {
        let a = agreement(date!(2024 - 01 - 01), Some(date!(2025 - 12 - 31)))?;
        let village = RegionCode::parse("150422100001")?;
        assert!(a.covers(village, date!(2024 - 01 - 01)));
        assert!(a.covers(village, date!(2025 - 12 - 31)));
        assert!(!a.covers(village, date!(2023 - 12 - 31)));
        assert!(!a.covers(village, date!(2026 - 01 - 01)));
        assert!(!a.covers(RegionCode::parse("150423100001")?, date!(2024 - 06 - 01)));
        // The prefecture above is not inside the county.
        assert!(!a.covers(RegionCode::parse("1504")?, date!(2024 - 06 - 01)));
        Ok(())
    }

    #[test]
    fn overlaps() -> TestResult {
        let a = agreement(date!(2024 - 01 - 01), Some(date!(2024 - 12 - 31)))?;
        let touching = agreement(date!(2024 - 12 - 31), None)?;
        let after = agreement(date!(2025 - 01 - 01), None)?;
        let before = agreement(date!(2020 - 01 - 01), Some(date!(2023 - 12 - 31)))?;
        let open = agreement(date!(2010 - 01 - 01), None)?;
        assert!(a.overlaps(&touching) && touching.overlaps(&a));
        assert!(!a.overlaps(&after) && !after.overlaps(&a));
        assert!(!a.overlaps(&before) && !before.overlaps(&a));
        assert!(a.overlaps(&open) && open.overlaps(&after));
        Ok(())
    }

    #[test]
    fn dates_serialize_as_iso() -> TestResult {
        let a = agreement(date!(2024 - 01 - 01), None)?;
        let json = serde_json::to_string(&a)?;
        assert_eq!(
            json,
            r#"{"bank_code":"NXS","county":"150422000000","valid_from":"2024-01-01"}"#
        );
        assert_eq!(serde_json::from_str::<AgencyAgreement>(&json)?, a);
        let ended = agreement(date!(2024 - 01 - 01), Some(date!(2024 - 06 - 30)))?;
        let back: AgencyAgreement = serde_json::from_str(&serde_json::to_string(&ended)?)?;
        assert_eq!(back, ended);
        Ok(())
    }
}
