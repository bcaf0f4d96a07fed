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
    pub valid_from: Date,
    /// Last day of validity; `None` while open-ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Date>,
}

impl AgencyAgreement {
    /// Whether the agreement lets the bank pay in `region` (any code within the county) on `date`.
    pub fn covers(&self, region: RegionCode, date: Date) -> bool {
        region.is_within(self.county)
            && self.valid_from <= date
            && self.valid_to.is_none_or(|end| date <= end)
    }
}
