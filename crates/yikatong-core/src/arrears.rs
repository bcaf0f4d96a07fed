//! Retroactive changes (补发 / 扣回): when a policy version takes effect in a period
//! already paid, what each beneficiary is still owed or must pay back.
//!
//! ```
//! use yikatong_core::{adjust, AdjustmentKind, Amount};
//! # use yikatong_core::{BeneficiaryFacts, Period, Policy, RegionCode, ResidentId};
//! # let policy = Policy::from_json("example", r#"{
//! #     "project": "GLJT", "name": "高龄津贴", "document": "内民政发〔2024〕9号",
//! #     "issuer": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
//! #     "level": "region", "scope": ["15"], "effective_from": "2024-01-01", "version": 2,
//! #     "standard": { "per": "month", "basis": { "kind": "fixed", "amount": "120.00" } },
//! #     "funding_shares": { "region": "100" } }"#)?;
//! # let facts = BeneficiaryFacts::new(ResidentId::parse("110105194012310024")?, RegionCode::parse("150422")?);
//! // January was paid 100.00 under version 1; version 2 (120.00) applies from 1 January.
//! let adjustment = adjust(&policy, &facts, Period::month(2024, 1)?, Amount::parse("100.00")?)?;
//! assert_eq!(adjustment.kind, AdjustmentKind::Arrears);
//! assert_eq!(adjustment.difference.to_string(), "20.00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::{Amount, BeneficiaryFacts, Period, Policy, ResidentId, Result, entitle};

/// Whether money is still owed, to be recovered, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// Paid exactly what is due.
    Settled,
    /// Paid too little: the difference is paid (补发).
    Arrears,
    /// Paid too much: the difference is recovered (扣回).
    Recovery,
}

impl AdjustmentKind {
    /// The Chinese term: 无差额, 补发 or 扣回.
    pub const fn name_zh(self) -> &'static str {
        match self {
            AdjustmentKind::Settled => "无差额",
            AdjustmentKind::Arrears => "补发",
            AdjustmentKind::Recovery => "扣回",
        }
    }
}

/// The difference for one beneficiary and period between what was paid and what
/// the new version says is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Adjustment {
    /// The beneficiary.
    pub resident_id: ResidentId,
    /// The period.
    pub period: Period,
    /// What was paid.
    pub paid: Amount,
    /// What the new version makes due.
    pub due: Amount,
    /// Arrears, recovery, or settled.
    pub kind: AdjustmentKind,
    /// The amount to pay or recover (zero when settled).
    pub difference: Amount,
    /// The version the amount due was computed under.
    pub version: u32,
}

impl Adjustment {
    /// One line in Chinese, e.g. `2024-01 期已发 100.00 元，应发 120.00 元，补发 20.00 元`.
    pub fn describe_zh(&self) -> String {
        format!(
            "{} 期已发 {} 元，按第 {} 版应发 {} 元，{} {} 元",
            self.period,
            self.paid,
            self.version,
            self.due,
            self.kind.name_zh(),
            self.difference
        )
    }
}

/// Compares what was `paid` for `period` with what `policy` makes due.
pub fn adjust(
    policy: &Policy,
    facts: &BeneficiaryFacts,
    period: Period,
    paid: Amount,
) -> Result<Adjustment> {
    let due = entitle(policy, facts, period)?.amount();
    let (kind, difference) = if due > paid {
        (AdjustmentKind::Arrears, due.checked_sub(paid)?)
    } else if due < paid {
        (AdjustmentKind::Recovery, paid.checked_sub(due)?)
    } else {
        (AdjustmentKind::Settled, Amount::ZERO)
    };
    Ok(Adjustment {
        resident_id: facts.resident_id,
        period,
        paid,
        due,
        kind,
        difference,
        version: policy.version,
    })
}

/// The adjustments for all paid lines of periods in which `policy` is in force
/// (lines of other periods are left out), and not settled, in the order given.
pub fn retroactive_adjustments<'a, I>(policy: &Policy, paid: I) -> Result<Vec<Adjustment>>
where
    I: IntoIterator<Item = (&'a BeneficiaryFacts, Period, Amount)>,
{
    let mut out = Vec::new();
    for (facts, period, amount) in paid {
        if !policy.in_force_during(period) {
            continue;
        }
        let adjustment = adjust(policy, facts, period, amount)?;
        if adjustment.kind != AdjustmentKind::Settled {
            out.push(adjustment);
        }
    }
    Ok(out)
}
