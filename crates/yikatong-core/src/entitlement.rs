//! Entitlements (应发金额): what one beneficiary is due under one policy for one
//! period, with the computation kept step by step so that a clerk can explain it.
//!
//! [`entitle`] allocates nothing: the steps are small values; the Chinese and
//! English explanations are rendered only when asked for.
//!
//! ```
//! use rust_decimal::Decimal;
//! use yikatong_core::{entitle, BeneficiaryFacts, Period, Policy, RegionCode, ResidentId};
//!
//! let policy = Policy::from_json("example", r#"{
//!     "project": "CYSTBH-JM",
//!     "name": "草原生态保护补助奖励（禁牧补助）",
//!     "document": "内财农〔2021〕780号",
//!     "issuer": { "name": "内蒙古自治区财政厅", "credit_code": "111500000116068800" },
//!     "level": "region",
//!     "scope": ["15"],
//!     "effective_from": "2021-01-01",
//!     "version": 1,
//!     "standard": {
//!         "basis": { "kind": "per_unit", "quantity": "grassland_mu", "unit": "grassland_mu", "rate": "7.50" },
//!         "per": "year",
//!         "cap": { "amount": "800.00", "per": "household" }
//!     },
//!     "funding_shares": { "central": "100" }
//! }"#)?;
//! let facts = BeneficiaryFacts::new(ResidentId::parse("11010519491231002X")?, RegionCode::parse("150422100")?)
//!     .with_quantity("grassland_mu", Decimal::from(120));
//! let entitlement = entitle(&policy, &facts, Period::year(2026)?)?;
//! assert_eq!(entitlement.amount().to_string(), "800.00");
//! assert_eq!(
//!     entitlement.explanation_zh(),
//!     "依据内财农〔2021〕780号（草原生态保护补助奖励（禁牧补助），第 1 版），2026 期：\
//!      草原面积 120 亩 × 7.50 元/亩 = 900.00 元；户封顶 800.00 元：900.00 元按 800.00 元计；应发 800.00 元"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use rust_decimal::Decimal;
use time::Date;

use crate::eligibility::Failed;
use crate::standard::{Basis, Limit, Proration, Unit};
use crate::{Amount, BeneficiaryFacts, Period, Policy, RegionCode, Result, Rounding};

/// Something the standard needed that the facts do not give, so nothing is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Missing {
    /// The quantity a per-unit rate is paid on.
    Quantity,
    /// The per-capita income a top-up needs.
    Income,
    /// A grade the standard has an amount for.
    Grade,
    /// An age in one of the bands.
    AgeBand {
        /// The age found.
        age: u32,
        /// The date it was taken on.
        on: Date,
    },
}

/// One step of an entitlement's computation. Amounts in `exact` fields are not yet rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// A fixed amount.
    Fixed {
        /// The amount for the standard's period.
        amount: Amount,
    },
    /// Quantity × rate.
    PerUnit {
        /// The quantity.
        quantity: Decimal,
        /// Its unit.
        unit: Unit,
        /// Yuan per unit.
        rate: Amount,
        /// The product.
        exact: Decimal,
    },
    /// The age band that applies.
    AgeBand {
        /// Age in completed years.
        age: u32,
        /// The date it was taken on.
        on: Date,
        /// Index of the band in the standard.
        band: usize,
        /// The band's amount.
        amount: Amount,
    },
    /// The grade that applies.
    Grade {
        /// The grade.
        grade: u8,
        /// Its amount.
        amount: Amount,
    },
    /// (standard − income) × members.
    TopUp {
        /// The guaranteed per-capita income.
        standard: Amount,
        /// The per-capita income found.
        income: Amount,
        /// Household members counted.
        members: u32,
        /// The product (zero if income is not below the standard).
        exact: Decimal,
    },
    /// A top-up below the minimum payment is raised to it.
    Minimum {
        /// The amount before.
        before: Decimal,
        /// The minimum payment.
        minimum: Amount,
    },
    /// Nothing is due because a fact is missing.
    Missing(Missing),
    /// Raised to the floor.
    Floor {
        /// The amount before.
        before: Decimal,
        /// The floor.
        floor: Limit,
    },
    /// Lowered to the cap.
    Cap {
        /// The amount before.
        before: Decimal,
        /// The cap.
        cap: Limit,
    },
    /// The standard's period converted to the period paid: × months / of.
    Share {
        /// Months in the standard's period.
        of: u32,
        /// Months in the period paid.
        months: u32,
        /// The result.
        exact: Decimal,
    },
    /// Prorated by eligible days or months.
    Prorate {
        /// Eligible days or months.
        eligible: u32,
        /// Days or months of the period.
        total: u32,
        /// Days or months.
        by: Proration,
        /// The result.
        exact: Decimal,
    },
    /// Rounded cumulatively within the standard's period, so its parts add up to it.
    Cumulative {
        /// Months of the standard's period before this period.
        start: u32,
        /// Months up to the end of this period.
        end: u32,
        /// Months in the standard's period.
        of: u32,
        /// Rounded amount for the first `end` months.
        upto: Amount,
        /// Rounded amount for the first `start` months.
        before: Amount,
        /// The difference: the amount due.
        amount: Amount,
    },
    /// The amount due, rounded once.
    Total {
        /// The amount before rounding.
        exact: Decimal,
        /// The amount due.
        amount: Amount,
        /// The rounding applied.
        rounding: Rounding,
    },
}

const CAPACITY: usize = 8;

/// The steps of one computation, kept inline (no allocation).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Steps {
    items: [Step; CAPACITY],
    len: usize,
}

impl Steps {
    fn new() -> Steps {
        Steps {
            items: [Step::Fixed {
                amount: Amount::ZERO,
            }; CAPACITY],
            len: 0,
        }
    }

    fn as_slice(&self) -> &[Step] {
        self.items.get(..self.len).unwrap_or_default()
    }
}

/// Where a computation records its steps: kept for an [`Entitlement`], or dropped when
/// only the amount is wanted (a roster of a million lines explains only its problems).
pub(crate) trait StepLog {
    /// Whether the steps are kept: when not, the usual case is computed in integers.
    const KEEPS_STEPS: bool = true;

    fn push(&mut self, step: Step);
}

impl StepLog for Steps {
    fn push(&mut self, step: Step) {
        // A computation has at most 7 steps; a ninth would be a bug, not worth a panic.
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = step;
            self.len += 1;
        }
    }
}

/// Steps not kept.
pub(crate) struct NoSteps;

impl StepLog for NoSteps {
    const KEEPS_STEPS: bool = false;

    fn push(&mut self, _: Step) {}
}

/// Whether and why a beneficiary is entitled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<'p> {
    /// Eligible; the amount follows from the steps (it may be zero when a fact is missing).
    Entitled,
    /// The policy is not in force on any day of the period.
    NotInForce,
    /// The beneficiary's region is outside the policy's scope.
    OutOfScope {
        /// The region found.
        region: RegionCode,
    },
    /// An eligibility rule failed.
    NotEligible(Failed<'p>),
}

/// The language of an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

/// What one beneficiary is due under one policy version for one period, and why.
#[derive(Debug, Clone, Copy)]
pub struct Entitlement<'p> {
    policy: &'p Policy,
    period: Period,
    amount: Amount,
    outcome: Outcome<'p>,
    steps: Steps,
}

/// Computes what `facts` are due under `policy` for `period`: checks that the policy
/// is in force during the period, the region is in scope and the eligibility rules
/// hold, then applies the standard. Deterministic and allocation-free.
///
/// Fails only when an amount would overflow, a quantity is negative, or a periodic
/// standard is asked for a single day.
pub fn entitle<'p>(
    policy: &'p Policy,
    facts: &BeneficiaryFacts,
    period: Period,
) -> Result<Entitlement<'p>> {
    // Built in place: the steps are most of its size.
    let mut entitlement = Entitlement {
        policy,
        period,
        amount: Amount::ZERO,
        outcome: Outcome::Entitled,
        steps: Steps::new(),
    };
    (entitlement.amount, entitlement.outcome) =
        decide(policy, facts, period, &mut entitlement.steps)?;
    Ok(entitlement)
}

/// [`entitle`]'s amount and outcome without its steps, for taking in many lines.
pub(crate) fn amount_due<'p>(
    policy: &'p Policy,
    facts: &BeneficiaryFacts,
    period: Period,
) -> Result<(Amount, Outcome<'p>)> {
    decide(policy, facts, period, &mut NoSteps)
}

fn decide<'p, L: StepLog>(
    policy: &'p Policy,
    facts: &BeneficiaryFacts,
    period: Period,
    steps: &mut L,
) -> Result<(Amount, Outcome<'p>)> {
    let outcome = if !policy.in_force_during(period) {
        Outcome::NotInForce
    } else if !policy.covers(facts.region) {
        Outcome::OutOfScope {
            region: facts.region,
        }
    } else if let Err(failed) = policy.eligibility.check(facts, period) {
        Outcome::NotEligible(failed)
    } else {
        let amount = policy.standard.compute(facts, period, steps)?;
        return Ok((amount, Outcome::Entitled));
    };
    Ok((Amount::ZERO, outcome))
}

/// A decimal as yuan: two decimals when exact, up to four, else ≈ four.
fn yuan(value: Decimal) -> String {
    let normal = value.normalize();
    if normal.scale() <= 2 {
        let mut fixed = normal;
        fixed.rescale(2);
        fixed.to_string()
    } else if normal.scale() <= 4 {
        normal.to_string()
    } else {
        format!("≈{}", value.round_dp(4))
    }
}

impl<'p> Entitlement<'p> {
    /// The amount due.
    pub fn amount(&self) -> Amount {
        self.amount
    }

    /// The policy version applied.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The version number of the policy applied.
    pub fn version(&self) -> u32 {
        self.policy.version
    }

    /// The period computed.
    pub fn period(&self) -> Period {
        self.period
    }

    /// Whether and why the beneficiary is entitled.
    pub fn outcome(&self) -> Outcome<'p> {
        self.outcome
    }

    /// Whether the beneficiary met all conditions (the amount may still be zero).
    pub fn is_entitled(&self) -> bool {
        self.outcome == Outcome::Entitled
    }

    /// The steps of the computation, in order.
    pub fn steps(&self) -> &[Step] {
        self.steps.as_slice()
    }

    /// The explanation in Chinese, for the citizen.
    pub fn explanation_zh(&self) -> String {
        self.explain(Language::Zh)
    }

    /// The explanation in English.
    pub fn explanation_en(&self) -> String {
        self.explain(Language::En)
    }

    /// The explanation, step by step, in `language`.
    pub fn explain(&self, language: Language) -> String {
        let policy = self.policy;
        let zh = language == Language::Zh;
        let mut text = if zh {
            format!(
                "依据{}（{}，第 {} 版），{} 期：",
                policy.document, policy.name, policy.version, self.period
            )
        } else {
            format!(
                "Under {} ({}, version {}), period {}: ",
                policy.document, policy.name, policy.version, self.period
            )
        };
        let mut parts: Vec<String> = Vec::new();
        match self.outcome {
            Outcome::Entitled => {
                for step in self.steps() {
                    parts.push(if zh {
                        self.step_zh(step)
                    } else {
                        self.step_en(step)
                    });
                }
            }
            Outcome::NotInForce => parts.push(if zh {
                format!(
                    "本期不在政策有效期内（自 {} 起{}）；应发 0.00 元",
                    policy.effective_from,
                    until_zh(policy.effective_to)
                )
            } else {
                format!(
                    "the policy is not in force in this period (from {}{}); due 0.00 yuan",
                    policy.effective_from,
                    until_en(policy.effective_to)
                )
            }),
            Outcome::OutOfScope { region } => parts.push(if zh {
                format!(
                    "户籍地 {} 不在政策实施范围内；应发 0.00 元",
                    region.to_short_string()
                )
            } else {
                format!(
                    "region {} is outside the policy's scope; due 0.00 yuan",
                    region.to_short_string()
                )
            }),
            Outcome::NotEligible(failed) => parts.push(if zh {
                format!("{}；应发 0.00 元", failed.describe_zh())
            } else {
                format!("{}; due 0.00 yuan", failed.describe_en())
            }),
        }
        text.push_str(&parts.join(if zh { "；" } else { "; " }));
        text
    }

    fn step_zh(&self, step: &Step) -> String {
        let per = self.policy.standard.per.suffix_zh();
        match *step {
            Step::Fixed { amount } => format!("定额标准 {amount} 元{per}"),
            Step::PerUnit {
                quantity,
                unit,
                rate,
                exact,
            } => format!(
                "{} {} {} × {rate} 元/{} = {} 元",
                unit.quantity_zh(),
                quantity.normalize(),
                unit.name_zh(),
                unit.name_zh(),
                yuan(exact)
            ),
            Step::AgeBand {
                age, on, amount, ..
            } => {
                format!("{on} 时年满 {age} 周岁，标准 {amount} 元{per}")
            }
            Step::Grade { grade, amount } => format!(
                "{} 等级 {grade} 级，标准 {amount} 元{per}",
                self.grade_tag()
            ),
            Step::TopUp {
                standard,
                income,
                members,
                exact,
            } => {
                if exact.is_zero() {
                    format!("人均收入 {income} 元不低于保障标准 {standard} 元，无需补差")
                } else {
                    format!(
                        "（保障标准 {standard} 元 − 人均收入 {income} 元）× {members} 人 = {} 元",
                        yuan(exact)
                    )
                }
            }
            Step::Minimum { before, minimum } => {
                format!("{} 元低于最低发放额，按 {minimum} 元计", yuan(before))
            }
            Step::Missing(missing) => match missing {
                Missing::Quantity => format!("未登记{}，应发 0.00 元", self.quantity_label_zh()),
                Missing::Income => "未核定家庭人均收入，应发 0.00 元".to_owned(),
                Missing::Grade => {
                    format!("未登记标准所列的 {} 等级，应发 0.00 元", self.grade_tag())
                }
                Missing::AgeBand { age, on } => {
                    format!("{on} 时年满 {age} 周岁，不在任何年龄档内，应发 0.00 元")
                }
            },
            Step::Floor { before, floor } => format!(
                "{}：{} 元按 {} 元计",
                floor.describe_zh("保底"),
                yuan(before),
                floor.amount
            ),
            Step::Cap { before, cap } => format!(
                "{}：{} 元按 {} 元计",
                cap.describe_zh("封顶"),
                yuan(before),
                cap.amount
            ),
            Step::Share { of, months, exact } => format!(
                "{}标准折算为本期 {months}/{of} = {} 元",
                period_zh(of),
                yuan(exact)
            ),
            Step::Prorate {
                eligible,
                total,
                by,
                exact,
            } => match by {
                Proration::Days => format!("本期享受 {eligible}/{total} 天 = {} 元", yuan(exact)),
                _ => format!("本期享受 {eligible}/{total} 个月 = {} 元", yuan(exact)),
            },
            Step::Cumulative {
                start,
                end,
                upto,
                before,
                amount,
                of,
            } => format!(
                "{}内累计取整：前 {end} 个月 {upto} 元 − 前 {start} 个月 {before} 元；应发 {amount} 元",
                period_zh(of)
            ),
            Step::Total {
                exact,
                amount,
                rounding,
            } => {
                if exact == amount.as_decimal() {
                    format!("应发 {amount} 元")
                } else {
                    let to = if rounding == Rounding::Yuan {
                        "元"
                    } else {
                        "分"
                    };
                    format!("{} 元四舍五入到{to}；应发 {amount} 元", yuan(exact))
                }
            }
        }
    }

    fn step_en(&self, step: &Step) -> String {
        let per = self.policy.standard.per.suffix_en();
        match *step {
            Step::Fixed { amount } => format!("fixed standard {amount} yuan{per}"),
            Step::PerUnit {
                quantity,
                unit,
                rate,
                exact,
            } => format!(
                "{} {} {} × {rate} yuan/{} = {} yuan",
                unit.quantity_en(),
                quantity.normalize(),
                unit.name_en(),
                unit.name_en(),
                yuan(exact)
            ),
            Step::AgeBand {
                age, on, amount, ..
            } => format!("aged {age} on {on}: standard {amount} yuan{per}"),
            Step::Grade { grade, amount } => format!(
                "{} grade {grade}: standard {amount} yuan{per}",
                self.grade_tag()
            ),
            Step::TopUp {
                standard,
                income,
                members,
                exact,
            } => {
                if exact.is_zero() {
                    format!(
                        "per-capita income {income} yuan is not below the standard {standard} yuan: no top-up"
                    )
                } else {
                    format!(
                        "(standard {standard} yuan − per-capita income {income} yuan) × {members} members = {} yuan",
                        yuan(exact)
                    )
                }
            }
            Step::Minimum { before, minimum } => format!(
                "{} yuan is below the minimum payment: {minimum} yuan",
                yuan(before)
            ),
            Step::Missing(missing) => match missing {
                Missing::Quantity => {
                    format!("no {} recorded: due 0.00 yuan", self.quantity_label_en())
                }
                Missing::Income => "no per-capita income assessed: due 0.00 yuan".to_owned(),
                Missing::Grade => format!(
                    "no {} grade listed in the standard: due 0.00 yuan",
                    self.grade_tag()
                ),
                Missing::AgeBand { age, on } => {
                    format!("aged {age} on {on}, in no age band: due 0.00 yuan")
                }
            },
            Step::Floor { before, floor } => format!(
                "{}: {} yuan raised to {} yuan",
                floor.describe_en("floor"),
                yuan(before),
                floor.amount
            ),
            Step::Cap { before, cap } => format!(
                "{}: {} yuan lowered to {} yuan",
                cap.describe_en("cap"),
                yuan(before),
                cap.amount
            ),
            Step::Share { of, months, exact } => format!(
                "{months}/{of} of the {} standard for this period = {} yuan",
                period_en(of),
                yuan(exact)
            ),
            Step::Prorate {
                eligible,
                total,
                by,
                exact,
            } => match by {
                Proration::Days => {
                    format!("eligible {eligible}/{total} days = {} yuan", yuan(exact))
                }
                _ => format!("eligible {eligible}/{total} months = {} yuan", yuan(exact)),
            },
            Step::Cumulative {
                start,
                end,
                upto,
                before,
                amount,
                of,
            } => format!(
                "rounded cumulatively within the {}: first {end} months {upto} yuan − first {start} months {before} yuan; due {amount} yuan",
                period_en(of)
            ),
            Step::Total {
                exact,
                amount,
                rounding,
            } => {
                if exact == amount.as_decimal() {
                    format!("due {amount} yuan")
                } else {
                    let to = if rounding == Rounding::Yuan {
                        "yuan"
                    } else {
                        "fen"
                    };
                    format!(
                        "{} yuan rounded half-up to the {to}; due {amount} yuan",
                        yuan(exact)
                    )
                }
            }
        }
    }

    fn grade_tag(&self) -> &'p str {
        match &self.policy.standard.basis {
            Basis::Grades { tag, .. } => tag,
            _ => "",
        }
    }

    fn quantity_label_zh(&self) -> String {
        match &self.policy.standard.basis {
            Basis::PerUnit { quantity, unit, .. } => {
                format!("{}（{quantity}）", unit.quantity_zh())
            }
            _ => String::new(),
        }
    }

    fn quantity_label_en(&self) -> String {
        match &self.policy.standard.basis {
            Basis::PerUnit { quantity, unit, .. } => format!("{} ({quantity})", unit.quantity_en()),
            _ => String::new(),
        }
    }
}

fn until_zh(to: Option<Date>) -> String {
    to.map_or_else(String::new, |to| format!("至 {to} 止"))
}

fn until_en(to: Option<Date>) -> String {
    let mut text = String::new();
    if let Some(to) = to {
        let _ = write!(text, " to {to}");
    }
    text
}

fn period_zh(of: u32) -> &'static str {
    match of {
        1 => "月",
        3 => "季",
        6 => "半年",
        _ => "年",
    }
}

fn period_en(of: u32) -> &'static str {
    match of {
        1 => "monthly",
        3 => "quarterly",
        6 => "half-yearly",
        _ => "yearly",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // constant test inputs that are known to parse
mod tests {
    use super::*;
    use crate::standard::{AgeBand, GradeAmount, LimitScope, Per, Standard};
    use crate::{
        CreditCode, Department, Eligibility, FundingShares, GovernmentLevel, Policy, ResidentId,
    };
    use proptest::prelude::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn yuan_amount(text: &str) -> Amount {
        Amount::parse(text).unwrap_or(Amount::MAX)
    }

    fn policy(standard: Standard) -> Policy {
        Policy {
            project: "T".into(),
            name: "测试".into(),
            document: "测〔2026〕1号".into(),
            issuer: Department {
                name: "测试厅".into(),
                credit_code: CreditCode::parse("111500000116068800").unwrap(),
            },
            level: GovernmentLevel::Region,
            scope: vec![RegionCode::parse("15").unwrap()],
            effective_from: date!(2020 - 01 - 01),
            effective_to: None,
            version: 1,
            standard,
            eligibility: Eligibility::Always,
            funding_shares: FundingShares::all(GovernmentLevel::Central),
            illustrative: false,
            note: None,
        }
    }

    fn per_mu(rate: &str, cap: Option<&str>, floor: Option<&str>) -> Standard {
        Standard {
            basis: Basis::PerUnit {
                quantity: "grassland_mu".into(),
                unit: Unit::GrasslandMu,
                rate: yuan_amount(rate),
            },
            per: Per::Year,
            floor: floor.map(|f| Limit {
                amount: yuan_amount(f),
                per: LimitScope::Household,
            }),
            cap: cap.map(|c| Limit {
                amount: yuan_amount(c),
                per: LimitScope::Household,
            }),
            proration: Proration::None,
            rounding: Rounding::Fen,
        }
    }

    fn herder(mu: i64) -> std::result::Result<BeneficiaryFacts, Box<dyn std::error::Error>> {
        Ok(BeneficiaryFacts::new(
            ResidentId::parse("11010519491231002X")?,
            RegionCode::parse("150422100")?,
        )
        .with_quantity("grassland_mu", Decimal::from(mu)))
    }

    #[test]
    fn per_mu_with_cap_and_floor() -> TestResult {
        let policy = policy(per_mu("7.50", Some("30000.00"), Some("500.00")));
        let year = Period::year(2026)?;
        let e = entitle(&policy, &herder(120)?, year)?;
        assert_eq!(e.amount(), yuan_amount("900.00"));
        assert_eq!(e.version(), 1);
        assert_eq!(
            e.explanation_zh(),
            "依据测〔2026〕1号（测试，第 1 版），2026 期：草原面积 120 亩 × 7.50 元/亩 = 900.00 元；应发 900.00 元"
        );
        assert_eq!(
            e.explanation_en(),
            "Under 测〔2026〕1号 (测试, version 1), period 2026: grassland 120 mu × 7.50 yuan/mu = 900.00 yuan; due 900.00 yuan"
        );
        let small = entitle(&policy, &herder(10)?, year)?;
        assert_eq!(small.amount(), yuan_amount("500.00"));
        assert!(
            small
                .explanation_zh()
                .contains("户保底 500.00 元：75.00 元按 500.00 元计")
        );
        let big = entitle(&policy, &herder(10_000)?, year)?;
        assert_eq!(big.amount(), yuan_amount("30000.00"));
        assert!(
            big.explanation_en().contains(
                "cap 30000.00 yuan per household: 75000.00 yuan lowered to 30000.00 yuan"
            )
        );
        Ok(())
    }

    #[test]
    fn rounding_once_half_up_and_whole_yuan() -> TestResult {
        let mut standard = per_mu("7.53", None, None);
        let facts = herder(0)?.with_quantity("grassland_mu", Decimal::new(1205, 1));
        let year = Period::year(2026)?;
        // 120.5 × 7.53 = 907.365 → 907.37
        assert_eq!(
            entitle(&policy(standard.clone()), &facts, year)?.amount(),
            yuan_amount("907.37")
        );
        standard.rounding = Rounding::Yuan;
        let whole = policy(standard);
        let e = entitle(&whole, &facts, year)?;
        assert_eq!(e.amount(), yuan_amount("907.00"));
        assert!(
            e.explanation_zh()
                .ends_with("907.365 元四舍五入到元；应发 907.00 元")
        );
        Ok(())
    }

    #[test]
    fn age_bands_grades_and_top_up() -> TestResult {
        let bands = Standard {
            basis: Basis::AgeBands {
                on: crate::AgeOn::PeriodStart,
                bands: vec![
                    AgeBand {
                        from: 80,
                        to: Some(89),
                        amount: yuan_amount("100.00"),
                    },
                    AgeBand {
                        from: 90,
                        to: None,
                        amount: yuan_amount("300.00"),
                    },
                ],
            },
            per: Per::Month,
            floor: None,
            cap: None,
            proration: Proration::None,
            rounding: Rounding::Fen,
        };
        // Born 1949-12-31.
        let elder = herder(0)?;
        let p = policy(bands);
        assert_eq!(
            entitle(&p, &elder, Period::month(2030, 1)?)?.amount(),
            yuan_amount("100.00")
        );
        let young = entitle(&p, &elder, Period::month(2029, 12)?)?;
        assert_eq!(young.amount(), Amount::ZERO);
        assert_eq!(
            young.steps(),
            [Step::Missing(Missing::AgeBand {
                age: 79,
                on: date!(2029 - 12 - 01)
            })]
        );

        let grades = Standard {
            basis: Basis::Grades {
                tag: "disability".into(),
                grades: vec![
                    GradeAmount {
                        grade: 1,
                        amount: yuan_amount("120.00"),
                    },
                    GradeAmount {
                        grade: 2,
                        amount: yuan_amount("80.00"),
                    },
                ],
            },
            ..p.standard.clone()
        };
        let g = policy(grades);
        assert_eq!(
            entitle(
                &g,
                &elder.clone().with_tag("disability:2"),
                Period::month(2026, 1)?
            )?
            .amount(),
            yuan_amount("80.00")
        );
        assert_eq!(
            entitle(
                &g,
                &elder.clone().with_tag("disability:3"),
                Period::month(2026, 1)?
            )?
            .amount(),
            Amount::ZERO
        );

        let top_up = Standard {
            basis: Basis::TopUp {
                standard: yuan_amount("760.00"),
                minimum: yuan_amount("50.00"),
            },
            ..p.standard.clone()
        };
        let t = policy(top_up);
        let family = elder
            .clone()
            .with_household("H1", 3)
            .with_income(yuan_amount("300.00"));
        let e = entitle(&t, &family, Period::month(2026, 1)?)?;
        assert_eq!(e.amount(), yuan_amount("1380.00"));
        assert!(
            e.explanation_zh()
                .contains("（保障标准 760.00 元 − 人均收入 300.00 元）× 3 人 = 1380.00 元")
        );
        let almost = elder
            .clone()
            .with_household("H2", 1)
            .with_income(yuan_amount("750.00"));
        assert_eq!(
            entitle(&t, &almost, Period::month(2026, 1)?)?.amount(),
            yuan_amount("50.00")
        );
        let rich = elder.with_income(yuan_amount("800.00"));
        assert_eq!(
            entitle(&t, &rich, Period::month(2026, 1)?)?.amount(),
            Amount::ZERO
        );
        Ok(())
    }

    #[test]
    fn proration_by_days_and_months() -> TestResult {
        let mut standard = per_mu("12.00", None, None);
        standard.proration = Proration::Months;
        let p = policy(standard.clone());
        let facts = herder(100)?;
        // 1200 a year, paid for a quarter: 300; eligible 2 of 3 months: 200.
        let q = Period::quarter(2026, 2)?;
        assert_eq!(entitle(&p, &facts, q)?.amount(), yuan_amount("300.00"));
        assert_eq!(
            entitle(&p, &facts.clone().with_eligible_months(2), q)?.amount(),
            yuan_amount("200.00")
        );
        standard.proration = Proration::Days;
        let d = policy(standard);
        let e = entitle(&d, &facts.with_eligible_days(15), Period::month(2026, 6)?)?;
        assert_eq!(e.amount(), yuan_amount("50.00"));
        assert!(
            e.explanation_zh()
                .contains("年标准折算为本期 1/12 = 100.00 元；本期享受 15/30 天 = 50.00 元")
        );
        Ok(())
    }

    #[test]
    fn outside_scope_force_or_rules_is_zero_with_reason() -> TestResult {
        let mut p = policy(per_mu("7.50", None, None));
        let elsewhere = herder(100)?;
        let mut moved = elsewhere.clone();
        moved.region = RegionCode::parse("110105")?;
        let e = entitle(&p, &moved, Period::year(2026)?)?;
        assert_eq!(
            (e.amount(), e.outcome()),
            (
                Amount::ZERO,
                Outcome::OutOfScope {
                    region: moved.region
                }
            )
        );
        assert!(
            e.explanation_zh()
                .contains("户籍地 110105 不在政策实施范围内")
        );
        assert_eq!(
            entitle(&p, &elsewhere, Period::year(2019)?)?.outcome(),
            Outcome::NotInForce
        );
        p.eligibility = Eligibility::HasTag {
            tag: "herder".into(),
        };
        let e = entitle(&p, &elsewhere, Period::year(2026)?)?;
        assert!(!e.is_entitled());
        assert!(
            e.explanation_en()
                .contains("not eligible: required: has \"herder\"; due 0.00 yuan")
        );
        Ok(())
    }

    #[test]
    fn day_periods_and_negative_quantities_are_errors() -> TestResult {
        let p = policy(per_mu("7.50", None, None));
        assert!(entitle(&p, &herder(1)?, Period::parse("2026-01-05")?).is_err());
        assert!(entitle(&p, &herder(-1)?, Period::year(2026)?).is_err());
        Ok(())
    }

    fn arbitrary_standard() -> impl Strategy<Value = (Standard, Option<Amount>, Option<Amount>)> {
        (
            0i64..100_000,
            proptest::option::of(0i64..10_000_000),
            proptest::option::of(0i64..10_000_000),
            any::<bool>(),
        )
            .prop_map(|(rate, a, b, yuan)| {
                let (floor, cap) = match (a, b) {
                    (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                    other => other,
                };
                let floor = floor.and_then(|f| Amount::from_fen(f).ok());
                let cap = cap.and_then(|c| Amount::from_fen(c).ok());
                let standard = Standard {
                    basis: Basis::PerUnit {
                        quantity: "grassland_mu".into(),
                        unit: Unit::GrasslandMu,
                        rate: Amount::from_fen(rate).unwrap_or(Amount::ZERO),
                    },
                    per: Per::Year,
                    floor: floor.map(|amount| Limit {
                        amount,
                        per: LimitScope::Household,
                    }),
                    cap: cap.map(|amount| Limit {
                        amount,
                        per: LimitScope::Household,
                    }),
                    proration: Proration::Months,
                    rounding: if yuan { Rounding::Yuan } else { Rounding::Fen },
                };
                (standard, floor, cap)
            })
    }

    proptest! {
        #[test]
        fn deterministic_non_negative_within_cap_and_floor(
            (standard, floor, cap) in arbitrary_standard(),
            tenths in 0i64..100_000_000,
            id in any::<ResidentId>(),
        ) {
            let p = policy(standard.clone());
            let facts = BeneficiaryFacts::new(id, RegionCode::parse("150422").map_err(|e| TestCaseError::fail(e.to_string()))?)
                .with_quantity("grassland_mu", Decimal::new(tenths, 1));
            let year = Period::year(2026).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let first = entitle(&p, &facts, year).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let second = entitle(&p, &facts, year).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(first.amount(), second.amount());
            prop_assert_eq!(first.steps(), second.steps());
            prop_assert_eq!(first.explanation_zh(), second.explanation_zh());
            // Without its steps, the same amount and outcome.
            let lean = amount_due(&p, &facts, year).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(lean, (first.amount(), first.outcome()));
            prop_assert!(first.amount() >= Amount::ZERO);
            let slack = if standard.rounding == Rounding::Yuan { 50 } else { 0 };
            if let Some(cap) = cap {
                prop_assert!(first.amount().to_fen() <= cap.to_fen() + slack);
            }
            if let Some(floor) = floor {
                if tenths > 0 && !standard_rate_is_zero(&standard) {
                    prop_assert!(first.amount().to_fen() + slack >= floor.to_fen());
                }
            }
        }

        #[test]
        fn months_of_a_year_add_up_to_the_yearly_amount(
            (standard, _, _) in arbitrary_standard(),
            tenths in 0i64..100_000_000,
        ) {
            let p = policy(standard);
            let facts = herder(0).map_err(|e| TestCaseError::fail(e.to_string()))?
                .with_quantity("grassland_mu", Decimal::new(tenths, 1));
            let yearly = entitle(&p, &facts, Period::year(2026).map_err(|e| TestCaseError::fail(e.to_string()))?)
                .map_err(|e| TestCaseError::fail(e.to_string()))?.amount();
            let mut months = Amount::ZERO;
            let mut quarters = Amount::ZERO;
            for m in 1..=12u8 {
                let period = Period::month(2026, m).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let due = entitle(&p, &facts, period).map_err(|e| TestCaseError::fail(e.to_string()))?.amount();
                let lean = amount_due(&p, &facts, period).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(lean.0, due);
                months = months.checked_add(due).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            for q in 1..=4u8 {
                let period = Period::quarter(2026, q).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let due = entitle(&p, &facts, period).map_err(|e| TestCaseError::fail(e.to_string()))?.amount();
                quarters = quarters.checked_add(due).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            prop_assert_eq!(months, yearly);
            prop_assert_eq!(quarters, yearly);
        }
    }

    fn any_limit() -> impl Strategy<Value = Option<Limit>> {
        proptest::option::of((0i64..100_000_000).prop_map(|fen| Limit {
            amount: Amount::from_fen(fen).unwrap_or(Amount::ZERO),
            per: LimitScope::Household,
        }))
    }

    fn any_period() -> impl Strategy<Value = Period> {
        // Mostly a year, the usual case.
        (0u8..8, 1u8..=12).prop_filter_map("a period of 2026", |(kind, n)| {
            match kind {
                5 => Period::half_year(2026, 1 + n % 2),
                6 => Period::quarter(2026, 1 + n % 4),
                7 => Period::month(2026, n),
                _ => Period::year(2026),
            }
            .ok()
        })
    }

    proptest! {
        /// The integer computation taken when no steps are kept gives what the
        /// decimal one gives, or steps aside for it (quantities past 64 bits,
        /// shares of a standard's period, proration, a missing quantity).
        #[test]
        fn integers_and_decimals_agree(
            fixed in proptest::option::of(0i64..1_000_000_000),
            rate in 0i64..10_000_000,
            quantity in proptest::option::of(prop_oneof![
                3 => (0i128..10_000_000, 0u32..=3),
                1 => (0i128..1i128 << 70, 0u32..=12),
            ]),
            // Mostly the usual case (a yearly standard for a year), which is computed in integers.
            per in prop_oneof![
                3 => Just(Per::Year),
                1 => prop::sample::select(vec![Per::Month, Per::Quarter, Per::HalfYear, Per::Once]),
            ],
            period in any_period(),
            floor in any_limit(),
            cap in any_limit(),
            proration in prop_oneof![
                3 => Just(Proration::None),
                1 => prop::sample::select(vec![Proration::Days, Proration::Months]),
            ],
            eligible_months in proptest::option::of(0u32..14),
            eligible_days in proptest::option::of(0u32..400),
            yuan in any::<bool>(),
        ) {
            let basis = match fixed {
                Some(fen) => Basis::Fixed { amount: Amount::from_fen(fen).unwrap_or(Amount::ZERO) },
                None => Basis::PerUnit {
                    quantity: "grassland_mu".into(),
                    unit: Unit::GrasslandMu,
                    rate: Amount::from_fen(rate).unwrap_or(Amount::ZERO),
                },
            };
            let standard = Standard {
                basis,
                per,
                floor,
                cap,
                proration,
                rounding: if yuan { Rounding::Yuan } else { Rounding::Fen },
            };
            let region = RegionCode::parse("150422").map_err(|e| TestCaseError::fail(e.to_string()))?;
            let id = ResidentId::parse("11010519491231002X").map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut facts = BeneficiaryFacts::new(id, region);
            if let Some((mantissa, scale)) = quantity {
                facts = facts.with_quantity("grassland_mu", Decimal::from_i128_with_scale(mantissa, scale));
            }
            facts.eligible_months = eligible_months;
            facts.eligible_days = eligible_days;
            let quick = standard.compute(&facts, period, &mut NoSteps);
            let general = standard.compute(&facts, period, &mut Steps::new());
            match (quick, general) {
                (Ok(quick), Ok(general)) => prop_assert_eq!(quick, general),
                (Err(_), Err(_)) => {}
                (quick, general) => prop_assert!(false, "{quick:?} ≠ {general:?}"),
            }
        }
    }

    #[test]
    fn the_usual_case_is_computed_in_integers_half_up() -> TestResult {
        let standard = per_mu("7.50", Some("30000.00"), Some("500.00"));
        let year = Period::year(2026)?;
        for (mu, due) in [
            ("10.1", "500.00"),
            ("1000.3", "7502.25"),
            ("1000.333", "7502.50"),
            ("1000.331", "7502.48"),
            ("1000.302", "7502.27"),
            ("5000", "30000.00"),
        ] {
            let facts = herder(1)?.with_quantity("grassland_mu", mu.parse()?);
            assert_eq!(
                standard.compute_quickly(&facts, year),
                Some(yuan_amount(due)),
                "{mu} mu"
            );
            assert_eq!(
                standard.compute(&facts, year, &mut Steps::new())?,
                yuan_amount(due)
            );
        }
        Ok(())
    }

    fn standard_rate_is_zero(standard: &Standard) -> bool {
        matches!(&standard.basis, Basis::PerUnit { rate, .. } if rate.is_zero())
    }
}
